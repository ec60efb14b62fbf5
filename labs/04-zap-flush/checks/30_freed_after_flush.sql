-- points: 3
-- Q1 / seed 001: a removed table is freed only after a TLB flush that
-- covers it, issued after its unlink (pt_lifetimes.flush_seq). A table
-- freed earlier may still be walked through a stale paging-structure cache.
-- (A table that was never linked, lost to a racing fault, has unlink 0.)
SELECT CASE WHEN count(*) = 0 THEN 1 ELSE 0 END,
       CASE WHEN count(*) = 0 THEN (SELECT count(*) FROM pt_lifetimes WHERE free_seq IS NOT NULL AND unlink_seq > 0)
                                   || ' freed tables, each after a covering flush'
            ELSE count(*) || ' table(s) freed with no covering flush between unlink and free; first: '
                 || (SELECT printf('table 0x%x (level %d, gfn 0x%x) unlinked at seq %d, freed at seq %d',
                                   table_hpa, level, gfn, unlink_seq, free_seq)
                     FROM pt_lifetimes WHERE free_seq IS NOT NULL AND flush_seq IS NULL AND unlink_seq > 0
                     ORDER BY free_seq LIMIT 1) END
FROM pt_lifetimes WHERE free_seq IS NOT NULL AND flush_seq IS NULL AND unlink_seq > 0;
