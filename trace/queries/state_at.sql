-- state_at.sql: the SPTEs that mapped gfn :gfn at step :seq, and since when.
-- Parameters: :gfn, :seq
SELECT printf('0x%x', sptep)   AS sptep,
       level,
       printf('0x%016x', value) AS value,
       seq_from,
       CASE WHEN seq_to = 9223372036854775807 THEN NULL ELSE seq_to END AS seq_to,
       (SELECT name FROM spte_reasons WHERE id = reason) AS set_by
FROM spte_intervals
WHERE gfn = :gfn AND seq_from <= :seq AND :seq < seq_to;
