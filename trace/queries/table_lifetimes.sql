-- table_lifetimes.sql: page tables by level: how many, how long they lived
-- (in records), and how long unlinked tables waited for their flush and free.
SELECT level,
       count(*)                                   AS tables,
       sum(free_seq IS NOT NULL)                  AS freed,
       CAST(avg(free_seq - alloc_seq) AS INTEGER) AS avg_life_records,
       CAST(avg(flush_seq - unlink_seq) AS INTEGER) AS avg_unlink_to_flush,
       CAST(avg(free_seq - flush_seq) AS INTEGER)   AS avg_flush_to_free
FROM pt_lifetimes
GROUP BY level
ORDER BY level DESC;
