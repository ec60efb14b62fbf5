-- points: 1
-- What hv installs after a walk grants no more than the guest's tables: the
-- leaf SPTE a shadow fault maps has U only if every level has U/S, W only
-- if every level has R/W (or CR0.WP=0 and a supervisor write: then W
-- without U, so user code still faults), and no NX only if no level has XD
-- with NXE=1. Judged on the last walk inside each fixed fault.
WITH m AS (
	SELECT fe.b AS fseq, fe.seq AS end_seq, fe.vcpu, s.d AS spte, s.b AS sptep,
	       (SELECT x.seq FROM events x WHERE +x.type = 6 AND +x.reason = 0
	          AND x.seq > fe.b AND x.seq < fe.seq
	        ORDER BY x.level DESC, x.seq DESC LIMIT 1) AS wseq   -- the top step of the fault's last walk
	FROM events fe   -- fault_end of a shadow fault (reason 2) that hv fixed (aux 1); b = its fault's seq
	JOIN events s ON s.seq > fe.b AND s.seq < fe.seq AND +s.type = 1 AND +s.reason = 1 AND +s.level = 1
	WHERE fe.type = 4 AND fe.reason = 2 AND fe.aux = 1
),
j AS (   -- the rights that walk found (its read steps from wseq on), and the vCPU's controls
	SELECT m.*,
	       (SELECT min((x.b >> 2) & 1) FROM events x WHERE x.seq >= m.wseq AND x.seq < m.end_seq AND +x.type = 6 AND +x.reason = 0) AS all_u,
	       (SELECT min((x.b >> 1) & 1) FROM events x WHERE x.seq >= m.wseq AND x.seq < m.end_seq AND +x.type = 6 AND +x.reason = 0) AS all_w,
	       (SELECT max(x.b < 0) FROM events x WHERE x.seq >= m.wseq AND x.seq < m.end_seq AND +x.type = 6 AND +x.reason = 0) AS any_xd,
	       (SELECT x.d FROM events x WHERE x.seq = m.wseq) AS access,
	       (SELECT g.b FROM events g WHERE g.type = 7 AND g.reason = 1 AND g.vcpu = m.vcpu AND g.seq < m.fseq
	        ORDER BY g.seq DESC LIMIT 1) AS role
	FROM m WHERE m.wseq IS NOT NULL
),
jr AS (SELECT j.*, (role >> 19) & 1 AS nxe, (role >> 20) & 1 AS wp FROM j WHERE role IS NOT NULL),
bad AS (
	SELECT jr.* FROM jr, masks
	WHERE ((spte & masks.u) != 0 AND NOT all_u)
	   OR ((spte & masks.w) != 0 AND NOT all_w AND NOT (wp = 0 AND (access & 6) = 2 AND (spte & masks.u) = 0))
	   OR ((spte & masks.nx) = 0 AND nxe AND any_xd)
)
SELECT CASE WHEN (SELECT count(*) FROM jr) > 0 AND count(*) = 0 THEN 1 ELSE 0 END,
       CASE WHEN (SELECT count(*) FROM jr) = 0 THEN 'no fixed shadow fault with its walk in the trace'
            WHEN count(*) = 0 THEN (SELECT count(*) FROM jr) || ' leaf SPTEs installed by faults, none grants more than its gPTEs'
            ELSE count(*) || ' SPTEs grant more than the guest''s tables; first: '
                 || (SELECT printf('fault at seq %d: SPTE 0x%x = 0x%x, gPTE rights U=%d W=%d XD=%d', fseq, sptep, spte, all_u, all_w, any_xd)
                     FROM bad ORDER BY fseq LIMIT 1) END
FROM bad;
