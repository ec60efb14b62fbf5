-- points: 3
-- Seed 002: the hole is MMIO. Every fault in it ends as 'mmio', and every
-- guest access to it is emulated (an HVT_MMIO record of kind allones):
-- the second pass over the same addresses faults again, nothing is cached.
WITH hole AS (SELECT a AS lo, a + b AS hi FROM events WHERE type = 10 AND reason = 1 AND (c & 4) != 0),
hf AS (SELECT f.* FROM faults f, hole WHERE (f.gpa >> 12) >= hole.lo AND (f.gpa >> 12) < hole.hi),
em AS (SELECT count(*) AS n FROM events WHERE type = 12 AND aux = 1)
SELECT CASE WHEN count(*) > 0 AND sum(result IS NOT 'mmio') = 0 AND em.n >= 130 THEN 1 ELSE 0 END,
       count(*) || ' hole faults, ' || sum(result IS 'mmio') || ' ended as mmio ('
       || coalesce((SELECT group_concat(result || ' ' || n, ', ') FROM
                    (SELECT result, count(*) AS n FROM hf WHERE result IS NOT 'mmio' GROUP BY result)), 'no other result')
       || '); ' || em.n || ' all-ones accesses emulated (the guest makes 130)'
FROM hf, em;
