-- points: 1
-- A rewrite that leaves the SPTE writable keeps its Dirty bit: the page
-- was written through it, and a D bit lost is a write the host (dirty
-- logging, writeback) never learns of.
WITH w AS (
	SELECT x.seq, x.b AS sptep, x.c AS old, x.d AS new
	FROM events x, masks
	WHERE x.type = 1 AND x.reason = 10 AND (x.flags & 2) = 0
	  AND (x.c & masks.w) != 0 AND (x.c & masks.d) != 0 AND (x.d & masks.w) != 0
)
SELECT CASE WHEN count(*) > 0 AND sum((new & masks.d) = 0) = 0 THEN 1 ELSE 0 END,
       CASE WHEN count(*) = 0 THEN 'no sync rewrote a dirty writable SPTE that stays writable (the scenario''s nx pages should)'
            WHEN sum((new & masks.d) = 0) = 0 THEN count(*) || ' dirty writable SPTEs rewritten by sync, D kept in all'
            ELSE sum((new & masks.d) = 0) || ' of ' || count(*) || ' dirty SPTEs lost D in a sync; first: '
                 || (SELECT printf('SPTE 0x%x: 0x%x -> 0x%x at seq %d', sptep, old, new, seq)
                     FROM w, masks m WHERE (w.new & m.d) = 0 ORDER BY seq LIMIT 1) END
FROM w, masks;
