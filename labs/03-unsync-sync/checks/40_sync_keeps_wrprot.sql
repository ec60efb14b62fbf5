-- points: 2
-- I4 (mmu/SHADOW.md 5.4/5.5): a frame that holds a shadowed guest page
-- table stays write-protected, so that the guest's writes to its tables
-- trap. Sync may not make it writable, even when the gPTE now grants write
-- (the guest's ALIAS page): while synchronizing, no other page goes unsync.
-- The offence: a sync write giving W to an SPTE whose frame is shadowed by
-- a live shadow page of an upper level, or of level 1 that is not unsync.
WITH w AS (
	SELECT x.seq, x.a AS gfn, x.b AS sptep, x.d AS new
	FROM events x, masks
	WHERE x.type = 1 AND x.reason = 10 AND (x.flags & 2) = 0 AND (x.d & masks.w) != 0
),
bad AS (
	SELECT w.* FROM w
	WHERE EXISTS (
		SELECT 1 FROM shadow_gets g
		WHERE g.gfn = w.gfn AND g.get_seq < w.seq AND (g.end_seq IS NULL OR g.end_seq > w.seq)
		  AND (g.level > 1 OR coalesce((SELECT e.reason FROM events e WHERE e.type = 7 AND e.reason IN (2, 3)
		                                AND e.c = g.table_hpa AND e.seq < w.seq
		                                ORDER BY e.seq DESC LIMIT 1), 3) = 3))
)
SELECT CASE WHEN count(*) = 0 THEN 1 ELSE 0 END,
       CASE WHEN count(*) = 0 THEN (SELECT count(*) FROM w) || ' sync writes granted W, none to a shadowed page table'
            ELSE count(*) || ' sync write(s) made a shadowed page table writable (use shadow_gfn_needs_wrprot); first: '
                 || (SELECT printf('SPTE 0x%x -> 0x%x at seq %d maps gfn 0x%x', sptep, new, seq, gfn)
                     FROM bad ORDER BY seq LIMIT 1) END
FROM bad;
