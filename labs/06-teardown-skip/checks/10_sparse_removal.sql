-- points: 1
-- The run exercised the path: the zap removed many page tables with the
-- MMU lock held for write, and they held few present entries.
SELECT CASE WHEN count(*) >= 8 THEN 1 ELSE 0 END,
       count(*) || ' tables removed by zaps / memslot deletes'
FROM removed_tables WHERE nr IN (6, 8);
