-- Lab 01, WRONG ANSWERS: plausible mix-ups, one per question.

-- Q1: counts the fault AND fault_end records: two per fault.
SELECT count(*) FROM events WHERE type IN (3, 4);

-- Q2: the first fault by address, not by time.
SELECT printf('0x%x', min(gpa)) FROM faults;

-- Q3: SPTE changes at level 2, not faults: zaps of 2 MiB leaves count too.
SELECT count(*) FROM spte_changes WHERE level = 2;

-- Q4: numbers the levels from the root.
SELECT 5 - level, count(*) FROM pt_lifetimes GROUP BY level ORDER BY level;

-- Q5: flushes by reason, not in order.
SELECT reason, scope FROM flushes ORDER BY reason;

-- Q6: every change made while zapping, leaves and tables and freezes.
SELECT count(*) FROM spte_changes WHERE reason IN ('zap', 'freeze');

-- Q7: every fault, not only the fixed TDP ones.
SELECT CAST(avg(latency_tsc) AS INTEGER) FROM faults;
