-- points: 1
-- The run exercised the path: writes under the write lock of leaves that
-- were writable and clean (the CPU could set D in them meanwhile).
WITH m AS (SELECT * FROM masks)
SELECT CASE WHEN count(*) >= 100 THEN 1 ELSE 0 END,
       count(*) || ' write-lock writes of writable, clean leaves (zap, age)'
FROM events e, m
WHERE e.type = 1 AND (e.flags & 32) != 0 AND (e.flags & 2) = 0
  AND (e.c & m.present) != 0 AND (e.level = 1 OR (e.c & m.huge) != 0)
  AND (e.c & m.w) != 0 AND (e.c & m.d) = 0;
