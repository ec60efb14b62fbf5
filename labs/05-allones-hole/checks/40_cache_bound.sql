-- points: 1
-- Seed 002's memory-cache bound: a fault may take from its vCPU's caches
-- only what the top-up guaranteed before the lock, one table per level
-- below the root. Counts the tables each fault linked (pt_alloc records
-- of its vCPU between the fault and its end, the root aside; a fault that never ended,
-- because hv panicked, counts to the end of the trace). A table whose link
-- lost a race to another vCPU went back to the cache: its pt_free carries
-- lost_race (flags bit 1) and it is not counted.
WITH lim AS (SELECT value - 1 AS n FROM meta WHERE key = 'spte.levels'),
per AS (SELECT f.seq, f.gpa,
               (SELECT count(*) FROM events p, lim WHERE p.type = 8 AND p.vcpu = f.vcpu
                  AND p.level <= lim.n
                  AND p.seq > f.seq AND p.seq < coalesce(f.end_seq, 9223372036854775807))
             - (SELECT count(*) FROM events p, lim WHERE p.type = 9 AND p.vcpu = f.vcpu AND (p.flags & 2) != 0
                  AND p.level <= lim.n
                  AND p.seq > f.seq AND p.seq < coalesce(f.end_seq, 9223372036854775807)) AS tables
        FROM faults f)
SELECT CASE WHEN max(tables) <= lim.n THEN 1 ELSE 0 END,
       CASE WHEN max(tables) <= lim.n
            THEN printf('at most %d tables linked by one fault (the caches guarantee %d, one per level below the root)',
                        max(tables), lim.n)
            ELSE printf('the fault at gpa 0x%x linked %d tables; the caches guarantee only %d (one per level below the root)',
                        (SELECT gpa FROM per ORDER BY tables DESC LIMIT 1), max(tables), lim.n) END
FROM per, lim;
