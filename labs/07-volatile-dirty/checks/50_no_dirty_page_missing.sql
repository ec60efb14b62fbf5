-- points: 1
-- scenarios: dbit
-- Seed 004, D-bit logging (A/D on): the leaves stay writable, the CPU sets
-- D on the first write, and a fetch harvests it (clear_dirty: D cleared,
-- the page put in the log). Between two fetches of a slot, every page of
-- it whose leaf LOST a D bit (the harvest's clear_dirty, or a zap or aging
-- of a dirty leaf: the change must hand D to the log) was written, so the
-- second fetch must count at least those pages. A D bit a plain store
-- overwrites is lost from the trace's old value too, and from the log.
WITH m AS (SELECT * FROM masks),
slot AS (SELECT d AS id, a AS lo, a + b AS hi FROM events WHERE type = 10 AND reason = 1),
f AS (SELECT h.*, (SELECT max(p.end_seq) FROM hypercalls p
                   WHERE p.nr = 10 AND p.a0 = h.a0 AND p.end_seq < h.start_seq) AS prev_seq
      FROM hypercalls h WHERE h.nr = 10 AND h.result >= 0),
per AS (SELECT f.end_seq, f.result,
               (SELECT count(DISTINCT s.a) FROM events s, m, slot
                WHERE slot.id = f.a0 AND s.type = 1 AND (s.flags & 2) = 0
                  AND s.seq > f.prev_seq AND s.seq < f.end_seq
                  AND s.a >= slot.lo AND s.a < slot.hi
                  AND (s.c & m.present) != 0 AND (s.c & m.d) != 0
                  AND ((s.d & m.present) = 0 OR (s.d & m.d) = 0)) AS dirtied
        FROM f WHERE f.prev_seq IS NOT NULL),
harvest AS (SELECT count(*) AS n FROM events e, m
            WHERE e.type = 1 AND e.reason = 4 AND (e.flags & 2) = 0 AND (e.c & m.d) != 0)
SELECT CASE WHEN m.ad_enabled = 1 AND harvest.n > 0 AND (SELECT count(*) FROM per) > 0
                 AND (SELECT sum(result < dirtied) FROM per) = 0 THEN 1 ELSE 0 END,
       CASE WHEN m.ad_enabled != 1 THEN 'this run has no A/D bits: D-bit dirty logging was not exercised'
            WHEN harvest.n = 0 THEN 'no fetch harvested a D bit (no clear_dirty write): the D-bit path was not exercised'
            WHEN (SELECT count(*) FROM per) = 0 THEN 'no pair of dirty-log fetches to compare'
            WHEN (SELECT sum(result < dirtied) FROM per) = 0
                 THEN (SELECT count(*) FROM per) || ' fetches, each counted every page whose D bit was cleared since the previous one ('
                      || harvest.n || ' D bits harvested)'
            ELSE (SELECT printf('the fetch at seq %d returned %d pages, but %d pages of the slot lost a D bit (were written) since the previous fetch',
                                end_seq, result, dirtied) FROM per WHERE result < dirtied LIMIT 1) END
FROM m, harvest;
