-- points: 2
-- Efficiency (KVM since v6.4, seed 000's first half): a sync rewrites only
-- the SPTEs whose gPTE's access changed. SPTE writes by sync per changed
-- gPTE must be 1.00: no sync write may leave the SPTE's rights (W, U, NX)
-- and frame as they were. Writes to SPTEs that map a shadowed gPT are left
-- out: their W is off whatever the gPTE says, so the trace cannot tell
-- whether the guest's access changed.
WITH w AS (
	SELECT x.seq, x.a AS gfn, x.b AS sptep, x.c AS old, x.d AS new,
	       (x.c & (masks.w | masks.u | masks.nx | masks.pfn)) = (x.d & (masks.w | masks.u | masks.nx | masks.pfn)) AS same_rights,
	       EXISTS (SELECT 1 FROM shadow_gets g WHERE g.gfn = x.a AND g.get_seq < x.seq
	               AND (g.end_seq IS NULL OR g.end_seq > x.seq)) AS maps_gpt
	FROM events x, masks
	WHERE x.type = 1 AND x.reason = 10 AND (x.flags & 2) = 0
	  AND (x.c & masks.present) != 0 AND (x.d & masks.present) != 0
),
judged AS (SELECT * FROM w WHERE NOT maps_gpt)
SELECT CASE WHEN count(*) > 0 AND sum(same_rights) = 0 THEN 1 ELSE 0 END,
       CASE WHEN count(*) = 0 THEN 'no SPTE rewritten by a sync: nothing to judge (did the syncs see the changes?)'
            WHEN sum(same_rights) = 0 THEN printf('%d SPTE writes by sync for %d changed gPTEs: %.2f writes per changed gPTE',
                                                 count(*), count(*), 1.0)
            ELSE printf('%d SPTE writes by sync for %d changed gPTEs: %.2f writes per changed gPTE (want 1.00: skip unchanged ones); first unchanged: SPTE 0x%x at seq %d, 0x%x -> 0x%x',
                        count(*), count(*) - sum(same_rights), count(*) * 1.0 / max(1, count(*) - sum(same_rights)),
                        (SELECT sptep FROM judged WHERE same_rights ORDER BY seq LIMIT 1),
                        (SELECT seq FROM judged WHERE same_rights ORDER BY seq LIMIT 1),
                        (SELECT old FROM judged WHERE same_rights ORDER BY seq LIMIT 1),
                        (SELECT new FROM judged WHERE same_rights ORDER BY seq LIMIT 1)) END
FROM judged;
