-- freed_before_flush.sql: page tables freed without a TLB flush covering
-- them between their unlink and their free. A vCPU could still walk such a
-- table from a stale TLB / paging-structure cache entry (seed 001). A
-- correct MMU gives no row.
SELECT alloc_seq, printf('0x%x', table_hpa) AS table_hpa, level,
       printf('0x%x', gfn) AS gfn, unlink_seq, free_seq
FROM pt_lifetimes
WHERE free_seq IS NOT NULL AND flush_seq IS NULL
ORDER BY free_seq;
