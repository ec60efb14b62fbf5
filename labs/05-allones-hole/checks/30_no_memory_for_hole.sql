-- points: 3
-- Seed 002: the hole costs no memory. No SPTE was written and no page table
-- allocated for a gfn in the hole, and no cache top-up happened inside a
-- hole fault.
WITH hole AS (SELECT a AS lo, a + b AS hi FROM events WHERE type = 10 AND reason = 1 AND (c & 4) != 0),
w AS (SELECT count(*) AS n FROM spte_changes s, hole WHERE s.gfn >= hole.lo AND s.gfn < hole.hi AND s.level = 1),
t AS (SELECT count(*) AS n FROM events p, hole WHERE p.type = 8 AND p.level = 1 AND p.b >= hole.lo AND p.b < hole.hi),
c AS (SELECT count(*) AS n FROM events x JOIN faults f ON x.seq > f.seq AND x.seq < f.end_seq, hole
      WHERE x.type = 11 AND (f.gpa >> 12) >= hole.lo AND (f.gpa >> 12) < hole.hi)
SELECT CASE WHEN w.n + t.n + c.n = 0 THEN 1 ELSE 0 END,
       w.n || ' SPTE writes and ' || t.n || ' page tables for hole gfns, ' || c.n
       || ' cache top-ups in hole faults' || CASE WHEN w.n + t.n + c.n > 0 THEN ' (want 0 of each: emulate, do not map)' ELSE '' END
FROM w, t, c;
