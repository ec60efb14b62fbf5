-- spte_history.sql: every change of the SPTEs that map gfn :gfn, in order.
-- Parameters: :gfn (e.g. .param set :gfn 0x2a7)
SELECT seq,
       vcpu,
       level,
       reason,
       printf('0x%x', sptep)              AS sptep,
       printf('0x%016x', old)             AS old,
       printf('0x%016x', new)             AS new,
       (new & (SELECT value FROM meta WHERE key = 'spte.writable_mask')) != 0 AS writable,
       lost_race
FROM spte_changes
WHERE gfn = :gfn
ORDER BY seq;
