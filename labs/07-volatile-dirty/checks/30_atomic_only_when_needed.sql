-- points: 1
-- The cost side (REFERENCE 3e: the xchg/store ratio): with the lock held
-- for write, SPTEs nothing else can change are written with a plain store.
-- Counts atomic write-lock writes of NON-volatile old values (empty,
-- tables, W+D leaves, read-only leaves that are not MMU-writable).
WITH m AS (SELECT * FROM masks),
x AS (SELECT e.*,
             (e.c & m.present) != 0 AND (e.level = 1 OR (e.c & m.huge) != 0)
             AND (((e.c & m.w) = 0 AND (e.c & m.mmu_w) != 0) OR m.ad_enabled = 0
                  OR ((e.c & m.w) != 0 AND (e.c & m.d) = 0)) AS vol
      FROM events e, m WHERE e.type = 1 AND (e.flags & 32) != 0 AND (e.flags & 2) = 0)
SELECT CASE WHEN sum(NOT vol AND (flags & 1) != 0) = 0 THEN 1 ELSE 0 END,
       sum(NOT vol AND (flags & 1) != 0) || ' atomic writes of non-volatile SPTEs; '
       || sum(NOT vol AND (flags & 1) = 0) || ' plain stores, '
       || sum(vol AND (flags & 1) != 0) || ' atomic writes of volatile ones'
FROM x;
