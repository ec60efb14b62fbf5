-- flush_batching.sql: TLB flushes by reason and scope: how many zapped SPTEs
-- each flush covers (batching, seed 001: one flush per zap, not per table).
SELECT reason, scope,
       count(*)              AS flushes,
       sum(zapped)           AS zapped,
       round(avg(zapped), 2) AS zapped_per_flush,
       sum(npages = 0)       AS whole_space
FROM flushes
GROUP BY reason, scope
ORDER BY flushes DESC;
