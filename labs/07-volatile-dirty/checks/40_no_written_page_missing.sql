-- points: 2
-- scenarios: main
-- Seed 004 / D2: no written page is missing from the dirty log. Between
-- two fetches of a slot, every page of it whose leaf GAINED write access
-- (a fault let a write through: the fast path's fix or a slow-path map)
-- was written, so the second fetch must count at least those pages. (Pages
-- the CPU dirtied through an already-writable leaf leave no SPTE change:
-- the guest's own TEST lines check those.) Write-protect logging only (the
-- main run, EPT without A/D): with A/D bits a read fault maps the leaf
-- writable too, so gaining W is no sign of a write there (see 50_).
WITH m AS (SELECT * FROM masks),
slot AS (SELECT d AS id, a AS lo, a + b AS hi FROM events WHERE type = 10 AND reason = 1),
f AS (SELECT h.*, (SELECT max(p.end_seq) FROM hypercalls p
                   WHERE p.nr = 10 AND p.a0 = h.a0 AND p.end_seq < h.start_seq) AS prev_seq
      FROM hypercalls h WHERE h.nr = 10 AND h.result >= 0),
per AS (SELECT f.end_seq, f.result,
               (SELECT count(DISTINCT s.a) FROM events s, m, slot
                WHERE slot.id = f.a0 AND s.type = 1 AND (s.flags & 2) = 0
                  AND s.seq > f.prev_seq AND s.seq < f.start_seq
                  AND s.a >= slot.lo AND s.a < slot.hi
                  AND (s.d & m.present) != 0 AND (s.d & m.w) != 0
                  AND ((s.c & m.present) = 0 OR (s.c & m.w) = 0)) AS written
        FROM f WHERE f.prev_seq IS NOT NULL)
SELECT CASE WHEN count(*) > 0 AND sum(result < written) = 0 THEN 1 ELSE 0 END,
       CASE WHEN count(*) = 0 THEN 'no pair of dirty-log fetches to compare'
            WHEN sum(result < written) = 0 THEN count(*) || ' fetches, each counted every page made writable since the previous one'
            ELSE (SELECT printf('the fetch at seq %d returned %d pages, but %d pages of the slot were made writable (written) since the previous fetch',
                                end_seq, result, written) FROM per WHERE result < written LIMIT 1) END
FROM per;
