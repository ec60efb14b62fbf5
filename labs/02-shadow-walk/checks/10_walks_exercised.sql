-- points: 1
-- The run exercised the path: hv's shadow pages were built under at least
-- 8 of the 16 combinations of CR0.WP, EFER.NXE, CR4.SMEP and CR4.SMAP
-- (their role words; pmatrix runs all 16, a trace that lost its start may
-- miss the first), with WP=0, NXE=0, SMEP=1 and SMAP=1 each seen; hv walked
-- user and supervisor reads, writes and fetches, and at least 100 walks
-- ended in a fault. Independent of your functions.
WITH r AS (SELECT DISTINCT (b >> 19) & 15 AS ctl FROM events WHERE type = 7 AND reason = 1),
s AS (SELECT d AS access, reason FROM events WHERE type = 6 AND reason IN (0, 1))
SELECT CASE WHEN (SELECT count(*) FROM r) >= 8
                 AND (SELECT count(*) FROM r WHERE (ctl & 2) = 0) > 0   -- CR0.WP=0
                 AND (SELECT count(*) FROM r WHERE (ctl & 1) = 0) > 0   -- EFER.NXE=0
                 AND (SELECT count(*) FROM r WHERE (ctl & 4) != 0) > 0  -- CR4.SMEP=1
                 AND (SELECT count(*) FROM r WHERE (ctl & 8) != 0) > 0  -- CR4.SMAP=1
                 AND sum((access & 4) != 0) > 0 AND sum((access & 4) = 0) > 0
                 AND sum((access & 2) != 0) > 0 AND sum((access & 16) != 0) > 0
                 AND sum(reason = 1) >= 100 THEN 1 ELSE 0 END,
       (SELECT count(*) FROM r) || ' of 16 WP/NXE/SMEP/SMAP settings in shadow roles; walk steps: '
       || sum((access & 4) != 0) || ' user, ' || sum((access & 2) != 0) || ' write, '
       || sum((access & 16) != 0) || ' fetch; ' || sum(reason = 1) || ' walks faulted'
       || CASE WHEN (SELECT count(*) FROM r) < 8 OR sum(reason = 1) < 100
               THEN ': the scenario did not run as planned (CPU without SMEP/SMAP?)' ELSE '' END
FROM s;
