-- fault_latency.sql: fault latency by kind and result.
SELECT kind, result, faults, min_tsc, avg_tsc, max_tsc,
       round(avg_ns, 1) AS avg_ns, spte_writes
FROM fault_latency
ORDER BY faults DESC;
