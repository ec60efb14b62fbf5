-- Lab 01: the reference answers (instructors: make grade LAB=01 SOLUTION=ref).

-- Q1: How many faults did the run take (every kind)?
SELECT count(*) FROM faults;

-- Q2: The guest-physical address of the FIRST fault, as printf('0x%x', ...).
SELECT printf('0x%x', gpa) FROM faults ORDER BY seq LIMIT 1;

-- Q3: How many faults installed a 2 MiB leaf (result fixed, level 2)?
SELECT count(*) FROM faults WHERE result = 'fixed' AND level = 2;

-- Q4: Page tables allocated, per level: rows (level, count), by level.
SELECT level, count(*) FROM pt_lifetimes GROUP BY level ORDER BY level;

-- Q5: Every TLB flush in order: rows (reason, scope).
SELECT reason, scope FROM flushes ORDER BY seq;

-- Q6: How many SPTE changes had the reason 'zap'?
SELECT count(*) FROM spte_changes WHERE reason = 'zap';

-- Q7: The mean latency in TSC ticks of the TDP faults that ended 'fixed'.
SELECT avg_tsc FROM fault_latency WHERE kind = 'tdp' AND result = 'fixed';
