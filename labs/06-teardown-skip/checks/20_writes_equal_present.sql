-- points: 3
-- Seed 003: with the lock held for write, only the PRESENT entries of a
-- removed table need a write. Compares the entries present at the unlink
-- (from the SPTE history) with the freeze/teardown writes the removal did.
WITH r AS (SELECT * FROM removed_tables WHERE nr IN (6, 8)),
present AS (
	SELECT count(*) AS n FROM r JOIN spte_intervals i
	  ON (i.sptep & ~4095) = r.table_hpa AND i.seq_from < r.unlink_seq AND i.seq_to > r.unlink_seq
	WHERE (i.value & (SELECT present FROM masks)) != 0),
writes AS (
	SELECT count(*) AS n FROM events e JOIN hypercalls h
	  ON e.seq > h.start_seq AND e.seq < h.end_seq AND h.nr IN (6, 8)
	WHERE e.type = 1 AND e.reason IN (7, 12) AND (e.flags & 32) != 0 AND (e.flags & 2) = 0)
SELECT CASE WHEN writes.n = present.n THEN 1 ELSE 0 END,
       (SELECT count(*) FROM r) || ' removed tables held ' || present.n || ' present entries; the removal wrote '
       || writes.n || ' SPTEs' || CASE WHEN writes.n > present.n THEN ' (want ' || present.n || ': skip the non-present ones)'
                                      WHEN writes.n < present.n THEN ' (want ' || present.n || ': every present entry must be cleared through tdp_write_spte)'
                                      ELSE '' END
FROM present, writes;
