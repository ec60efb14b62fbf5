-- slow_faults.sql: the 20 slowest faults, with what they did.
SELECT seq, end_seq, vcpu, kind, result,
       printf('0x%x', addr) AS addr,
       latency_tsc,
       spte_writes,
       seq_span AS records_meanwhile
FROM faults
WHERE end_seq IS NOT NULL
ORDER BY latency_tsc DESC
LIMIT 20;
