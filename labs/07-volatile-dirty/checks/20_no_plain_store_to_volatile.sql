-- points: 4
-- Seed 004: an SPTE whose bits may change outside the MMU lock is written
-- atomically, even with the lock held for write. Volatile is derived here
-- from the OLD value's bits and the header's masks (not from your
-- function): a present leaf that is !W but MMU-writable (the fast path may
-- set W), or any present leaf without A/D, or W and not D (the CPU may set D).
WITH m AS (SELECT * FROM masks),
v AS (SELECT e.* FROM events e, m
      WHERE e.type = 1 AND (e.flags & 32) != 0 AND (e.flags & 2) = 0
        AND (e.c & m.present) != 0 AND (e.level = 1 OR (e.c & m.huge) != 0)
        AND (((e.c & m.w) = 0 AND (e.c & m.mmu_w) != 0) OR m.ad_enabled = 0
             OR ((e.c & m.w) != 0 AND (e.c & m.d) = 0)))
SELECT CASE WHEN count(*) > 0 AND sum((flags & 1) = 0) = 0 THEN 1 ELSE 0 END,
       CASE WHEN count(*) = 0 THEN 'no write of a volatile SPTE to judge'
            WHEN sum((flags & 1) = 0) = 0 THEN count(*) || ' writes of volatile SPTEs, all atomic'
            ELSE sum((flags & 1) = 0) || ' of ' || count(*) || ' writes of volatile SPTEs were plain stores; first: '
                 || (SELECT printf('seq %d %s gfn 0x%x old 0x%x (volatile by its bits: the CPU or the fast path could change it during the store)',
                                   v2.seq, r.name, v2.a, v2.c)
                     FROM v v2 JOIN spte_reasons r ON r.id = v2.reason WHERE (v2.flags & 1) = 0 ORDER BY v2.seq LIMIT 1) END
FROM v;
