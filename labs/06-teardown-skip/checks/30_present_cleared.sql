-- points: 3
-- No table is freed while an entry in it still maps something: every
-- present entry was cleared (traced) before its table's page went back.
WITH left_over AS (
	SELECT p.table_hpa, p.free_seq, i.gfn, i.value FROM pt_lifetimes p JOIN spte_intervals i
	  ON (i.sptep & ~4095) = p.table_hpa AND i.seq_from < p.free_seq AND i.seq_to = p.free_seq
	WHERE p.free_seq IS NOT NULL AND (i.value & (SELECT present FROM masks)) != 0)
SELECT CASE WHEN count(*) = 0 THEN 1 ELSE 0 END,
       CASE WHEN count(*) = 0 THEN 'every freed table was empty when freed'
            ELSE count(*) || ' entries still present when their table was freed; first: '
                 || (SELECT printf('gfn 0x%x = 0x%x in table 0x%x freed at seq %d', gfn, value, table_hpa, free_seq)
                     FROM left_over ORDER BY free_seq LIMIT 1) END
FROM left_over;
