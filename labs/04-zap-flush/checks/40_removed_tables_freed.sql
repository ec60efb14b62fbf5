-- points: 1
-- Every table a zap removed is freed before the run ends (nothing leaks:
-- a table parked on a list nobody retires is lost memory).
SELECT CASE WHEN count(*) > 0 AND sum(free_seq IS NULL) = 0 THEN 1 ELSE 0 END,
       CASE WHEN count(*) = 0 THEN 'no table was removed by a zap'
            ELSE sum(free_seq IS NOT NULL) || ' of ' || count(*) || ' removed tables freed by the end of the run' END
FROM removed_tables WHERE nr = 8;
