-- points: 3
-- Seed 000: a sync must not skip an SPTE whose gPTE now grants write. The
-- guest made pages writable (gPTE R/W=1, D=1) without INVLPG, then loaded
-- CR3; after that sync, its writes to those pages must not need hv. The
-- offence, from the bits: a write fault that hv FIXED on an SPTE that was
-- present and read-only, although the fault's own walk read a leaf gPTE
-- with R/W and D set and W at every level, with a sync of that shadow page
-- between the SPTE's last change and the fault and no unsync of it in
-- between (so the sync saw that same gPTE: after a sync, every change of
-- the page traps first).
WITH fx AS (   -- shadow faults (fault_end reason 2) hv fixed (aux 1) on a write (error bit 1)
	SELECT f.seq, fe.seq AS end_seq, f.a AS addr
	FROM events fe JOIN events f ON f.seq = fe.b
	WHERE fe.type = 4 AND fe.reason = 2 AND fe.aux = 1 AND f.type = 3 AND (f.b & 2) != 0
),
wf AS (
	SELECT f.seq AS fseq, f.addr AS gva, m.b AS sptep, m.c AS old, m.a AS gfn,
	       (SELECT w.b FROM events w WHERE w.seq > f.seq AND w.seq < f.end_seq AND +w.type = 6
	          AND +w.reason = 0 AND +w.level = 1 AND +w.a = f.addr
	        ORDER BY w.seq DESC LIMIT 1) AS gpte,
	       (SELECT count(*) FROM events w WHERE w.seq > f.seq AND w.seq < f.end_seq AND +w.type = 6
	          AND +w.reason = 0 AND +w.a = f.addr AND (w.b & 2) = 0) AS ro_levels,
	       (SELECT max(x.seq) FROM events x WHERE x.type = 1 AND x.b = m.b AND x.seq < f.seq) AS last_change
	FROM fx f
	JOIN events m ON m.seq > f.seq AND m.seq < f.end_seq AND +m.type = 1 AND +m.reason = 1 AND +m.level = 1
),
bad AS (
	SELECT wf.*, (SELECT min(s.seq) FROM events s WHERE s.type = 7 AND s.reason = 3
	                AND s.c = (wf.sptep & ~4095) AND s.seq > wf.last_change AND s.seq < wf.fseq) AS sync_seq
	FROM wf, masks
	WHERE (wf.old & masks.present) != 0 AND (wf.old & masks.w) = 0
	  AND (wf.gpte & 67) = 67 AND wf.ro_levels = 0
),
offences AS (
	SELECT * FROM bad
	WHERE sync_seq IS NOT NULL
	  AND NOT EXISTS (SELECT 1 FROM events u WHERE u.type = 7 AND u.reason = 2
	                  AND u.c = (bad.sptep & ~4095) AND u.seq > bad.sync_seq AND u.seq < bad.fseq)
)
SELECT CASE WHEN count(*) = 0 THEN 1 ELSE 0 END,
       CASE WHEN count(*) = 0 THEN (SELECT count(*) FROM wf) || ' write faults fixed by hv, none on a page a sync had seen made writable'
            ELSE count(*) || ' write fault(s) on pages the last sync saw writable and left read-only (seed 000); first: '
                 || (SELECT printf('gva 0x%x at seq %d, SPTE 0x%x still 0x%x after the sync at seq %d, gPTE 0x%x',
                                   gva, fseq, sptep, old, sync_seq, gpte)
                     FROM offences ORDER BY fseq LIMIT 1) END
FROM offences;
