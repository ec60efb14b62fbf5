-- points: 3
-- The #PF error code (SDM 4.7) of every walk that faulted, i.e. of every
-- #PF hv injects, judged from the walk: P = the faulting entry is present,
-- W/R = a write, U/S = a user access, RSVD only with P (and whenever a
-- reserved bit the trace can see is set: XD with NXE=0, PS in a PML4E,
-- the low bits of a large-page address), I/D = a fetch with CR4.SMEP=1 or
-- EFER.NXE=1 (4-level paging has CR4.PAE=1), and no other bit.
WITH f AS (
	SELECT w.*, (role >> 19) & 1 AS nxe, (role >> 21) & 1 AS smep,
	       (rsvd_shape OR (any_xd AND ((role >> 19) & 1) = 0)) AS known_rsvd
	FROM walks w WHERE faulted AND role IS NOT NULL AND from_top
),
e AS (
	SELECT f.*,
	       last_present | (access & 2) | (access & 4)
	       | CASE WHEN (access & 16) != 0 AND (smep OR nxe) THEN 16 ELSE 0 END AS want_base,
	       CASE WHEN last_present = 0 THEN 0 WHEN known_rsvd THEN 8
	            WHEN NOT last_is_leaf THEN 8 ELSE NULL END AS want_rsvd
	FROM f
),
bad AS (
	SELECT * FROM e
	WHERE (error_code & ~8) != want_base
	   OR (want_rsvd IS NOT NULL AND (error_code & 8) != want_rsvd)
)
SELECT CASE WHEN (SELECT count(*) FROM e) > 0 AND count(*) = 0 THEN 1 ELSE 0 END,
       CASE WHEN (SELECT count(*) FROM e) = 0 THEN 'no faulting walk to judge'
            WHEN count(*) = 0 THEN (SELECT count(*) FROM e) || ' faulting walks, every error code as SDM 4.7 says'
            ELSE count(*) || ' of ' || (SELECT count(*) FROM e) || ' error codes wrong; first: '
                 || (SELECT printf('seq %d gva 0x%x access 0x%x (NXE=%d SMEP=%d), faulting gPTE 0x%x at level %d: error code 0x%x, want 0x%x%s',
                                   last_seq, gva, access & 0x3ff, nxe, smep, last_gpte, last_level, error_code,
                                   want_base | coalesce(want_rsvd, 0), CASE WHEN want_rsvd IS NULL THEN ' (RSVD not judged: the trace cannot see bits 51..MAXPHYADDR)' ELSE '' END)
                     FROM bad ORDER BY seq LIMIT 1) END
FROM bad;
