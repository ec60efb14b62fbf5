-- points: 1
-- The run exercised the path: an all-ones slot was created and the guest's
-- accesses to it reached the MMU.
WITH hole AS (SELECT a AS lo, a + b AS hi FROM events WHERE type = 10 AND reason = 1 AND (c & 4) != 0)
SELECT CASE WHEN (SELECT count(*) FROM hole) > 0 AND count(*) >= 64 THEN 1 ELSE 0 END,
       CASE WHEN (SELECT count(*) FROM hole) = 0 THEN 'no all-ones slot was created'
            ELSE count(*) || ' faults in the hole' END
FROM faults f, hole WHERE (f.gpa >> 12) >= hole.lo AND (f.gpa >> 12) < hole.hi;
