-- points: 3
-- Seed 001: a zap that removes many tables issues ONE remote TLB flush for
-- all of them, not one per table. Counts the remote flushes (scope
-- remote_all / remote_range) inside each HC_ZAP_RANGE hypercall.
WITH z AS (
	SELECT h.end_seq, h.a0 AS gfn,
	       (SELECT count(*) FROM flushes f WHERE f.seq > h.start_seq AND f.seq < h.end_seq
	          AND f.scope IN ('remote_all', 'remote_range')) AS nflush,
	       (SELECT count(*) FROM removed_tables r WHERE r.end_seq = h.end_seq) AS ntables
	FROM hypercalls h WHERE h.nr = 8
)
SELECT CASE WHEN count(*) > 0 AND sum(nflush != 1) = 0 THEN 1 ELSE 0 END,
       CASE WHEN count(*) = 0 THEN 'no zap to look at'
            WHEN sum(nflush != 1) = 0 THEN count(*) || ' zaps, one remote flush each'
            ELSE (SELECT printf('the zap at gfn 0x%x removed %d tables with %d remote flushes (want 1: flush once, after the whole range)',
                                gfn, ntables, nflush) FROM z WHERE nflush != 1 LIMIT 1) END
FROM z;
