-- points: 1
-- The run exercised the path: every HC_ZAP_RANGE removed whole page tables
-- (the slot is mapped with 4 KiB leaves; 7 tables lie wholly inside it).
SELECT CASE WHEN count(*) >= 2 AND min(n) >= 2 THEN 1 ELSE 0 END,
       CASE WHEN count(*) = 0 THEN 'no HC_ZAP_RANGE hypercall in the trace'
            ELSE count(*) || ' zaps removed ' || group_concat(n, ', ') || ' tables' END
FROM (SELECT h.end_seq, (SELECT count(*) FROM removed_tables r WHERE r.end_seq = h.end_seq) AS n
      FROM hypercalls h WHERE h.nr = 8);
