-- points: 4
-- Access rights (SDM 4.6.1), judged from the bits: every walk that reached
-- a present leaf with no reserved bit must fault exactly when the rule
-- says so, with the effective rights (the AND of U/S and R/W over the
-- levels, X unless some level has XD with EFER.NXE=1), the access asked
-- (walk step d: 2 write, 4 user, 16 fetch, 256 implicit) and the controls
-- of the vCPU's shadow role (CR0.WP, SMEP, SMAP, NXE). RFLAGS.AC is not in
-- the trace: taken as 0 (the scenario's guest never sets it; the host check
-- sdm_model tests AC). A walk that hv let through wrongly is usually seen
-- here only if the run survived it: hv then maps an SPTE the CPU refuses
-- again, and the guest loops until the time limit.
WITH j AS (
	SELECT w.*, (role >> 19) & 1 AS nxe, (role >> 20) & 1 AS wp, (role >> 21) & 1 AS smep,
	       (role >> 22) & 1 AS smap, (access & 2) != 0 AS wr, (access & 4) != 0 AS usr,
	       (access & 16) != 0 AS fetch, (access & 256) != 0 AS implicit
	FROM walks w
	WHERE role IS NOT NULL AND from_top AND last_present = 1 AND last_is_leaf AND rsvd_shape = 0
	  AND NOT (any_xd AND ((role >> 19) & 1) = 0)        -- XD with NXE=0 is a reserved bit
	  AND NOT (faulted AND (error_code & 8) != 0)        -- a reserved bit the trace cannot see (51..MAXPHYADDR)
),
e AS (
	SELECT j.*, NOT (nxe AND any_xd) AS eff_x,
	       CASE
	         WHEN fetch AND nxe AND any_xd THEN 1
	         WHEN fetch AND usr THEN NOT all_u
	         WHEN fetch THEN all_u AND smep
	         WHEN usr THEN (NOT all_u) OR (wr AND NOT all_w)
	         WHEN all_u AND smap THEN 1                    -- supervisor data on a user page, AC=0
	         ELSE wr AND wp AND NOT all_w
	       END AS want
	FROM j
),
bad AS (SELECT * FROM e WHERE want != faulted)
SELECT CASE WHEN (SELECT count(*) FROM e) > 0 AND count(*) = 0 THEN 1 ELSE 0 END,
       CASE WHEN (SELECT count(*) FROM e) = 0 THEN 'no walk to judge'
            WHEN count(*) = 0 THEN (SELECT count(*) FROM e) || ' walks, each faulted exactly when SDM 4.6.1 says ('
                                   || (SELECT sum(faulted) FROM e) || ' permission faults)'
            ELSE count(*) || ' of ' || (SELECT count(*) FROM e) || ' walks decided wrongly ('
                 || sum(faulted) || ' faulted, ' || sum(NOT faulted) || ' let through); first: '
                 || (SELECT printf('seq %d gva 0x%x: a %s %s%s with rights %s%s%s under WP=%d NXE=%d SMEP=%d SMAP=%d %s',
                                   seq, gva, CASE WHEN usr THEN 'user' WHEN implicit THEN 'implicit supervisor' ELSE 'supervisor' END,
                                   CASE WHEN fetch THEN 'fetch' WHEN wr THEN 'write' ELSE 'read' END,
                                   CASE WHEN access & 512 THEN ' (probe)' ELSE '' END,
                                   CASE WHEN all_u THEN 'U' ELSE '-' END, CASE WHEN all_w THEN 'W' ELSE '-' END,
                                   CASE WHEN eff_x THEN 'X' ELSE '-' END, wp, nxe, smep, smap,
                                   CASE WHEN faulted THEN 'faulted, should not' ELSE 'was let through, should fault' END)
                     FROM bad ORDER BY seq LIMIT 1) END
FROM bad;
