-- points: 1
-- Seed 000's second pitfall: synchronizing is not a prefetch. The gPTE's
-- A bit is set (sync drops entries without it), so the rewritten SPTE gets
-- A too; an SPTE without A looks unused to aging and may be zapped.
SELECT CASE WHEN count(*) > 0 AND sum((x.d & masks.a) = 0) = 0 THEN 1 ELSE 0 END,
       CASE WHEN count(*) = 0 THEN 'no SPTE rewritten by a sync'
            WHEN sum((x.d & masks.a) = 0) = 0 THEN count(*) || ' SPTEs rewritten by sync, all with A'
            ELSE sum((x.d & masks.a) = 0) || ' of ' || count(*) || ' SPTEs rewritten by sync have no A bit; first: '
                 || (SELECT printf('SPTE 0x%x -> 0x%x at seq %d', y.b, y.d, y.seq)
                     FROM events y, masks m WHERE y.type = 1 AND y.reason = 10 AND (y.flags & 2) = 0
                       AND (y.d & m.present) != 0 AND (y.d & m.a) = 0 ORDER BY y.seq LIMIT 1) END
FROM events x, masks
WHERE x.type = 1 AND x.reason = 10 AND (x.flags & 2) = 0 AND (x.d & masks.present) != 0;
