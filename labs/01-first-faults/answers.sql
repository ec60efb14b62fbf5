-- Lab 01: boot and first TDP faults. YOUR FILE: one query per question.
-- Read labs/01-first-faults/README.md first. Keep the "-- Qn:" lines: the
-- grader cuts the file at them, runs each query on the run's database and
-- compares its output with the reference answer's on the same database.
-- Try them yourself: sqlite3 -readonly build/labs/01-first-faults/student/trace.db
-- This SKELETON answers NULL everywhere.

-- Q1: How many faults did the run take (every kind)?
SELECT NULL;

-- Q2: The guest-physical address of the FIRST fault, as printf('0x%x', ...).
SELECT NULL;

-- Q3: How many faults installed a 2 MiB leaf (result fixed, level 2)?
SELECT NULL;

-- Q4: Page tables allocated, per level: rows (level, count), by level.
SELECT NULL;

-- Q5: Every TLB flush in order: rows (reason, scope).
SELECT NULL;

-- Q6: How many SPTE changes had the reason 'zap'?
SELECT NULL;

-- Q7: The mean latency in TSC ticks of the TDP faults that ended 'fixed'.
SELECT NULL;
