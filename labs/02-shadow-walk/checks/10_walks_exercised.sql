-- points: 1
-- The run exercised the path: hv walked the guest's tables under at least
-- 8 of the 16 combinations of CR0.WP, EFER.NXE, CR4.SMEP and CR4.SMAP
-- (pmatrix runs all 16; a trace that lost its start may miss the first),
-- with WP=0, NXE=0, SMEP=1 and SMAP=1 each seen, user and supervisor reads,
-- writes and fetches, and at least 100 walks ended in a fault.
-- Independent of your functions.
WITH j AS (SELECT * FROM walks WHERE role IS NOT NULL AND from_top AND last_present = 1 AND last_is_leaf)
SELECT CASE WHEN count(DISTINCT (role >> 19) & 15) >= 8 AND sum((role & 1048576) = 0) > 0
                 AND sum((role & 524288) = 0) > 0 AND sum((role & 2097152) != 0) > 0
                 AND sum((role & 4194304) != 0) > 0 AND sum((access & 4) != 0) > 0
                 AND sum((access & 16) != 0) > 0 AND sum((access & 2) != 0) > 0
                 AND sum(faulted) >= 100 THEN 1 ELSE 0 END,
       count(*) || ' walks to a present leaf under ' || count(DISTINCT (role >> 19) & 15)
       || ' of 16 WP/NXE/SMEP/SMAP settings (' || sum((access & 4) != 0) || ' user, '
       || sum((access & 2) != 0) || ' write, ' || sum((access & 16) != 0) || ' fetch accesses), '
       || sum(faulted) || ' faulted'
       || CASE WHEN count(DISTINCT (role >> 19) & 15) < 8 OR sum(faulted) < 100
               THEN ': the scenario did not run as planned (CPU without SMEP/SMAP?)' ELSE '' END
FROM j;
