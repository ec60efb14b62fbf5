-- labs/lib/views.sql: temporary views every lab check may use, on top of
-- trace/schema.sql's views. labs/grade.sh reads this file before each check
-- (the database is opened read-only; TEMP views live in the connection).

-- Every hypercall with the seq window it ran in: from the vCPU's exit
-- record (start_seq) to the hypercall record emitted after the handler
-- (end_seq). Everything the handler did on that vCPU lies in between.
CREATE TEMP VIEW hypercalls AS
SELECT h.seq AS end_seq,   -- the hypercall record (after the handler)
       h.vcpu AS vcpu,     -- calling vCPU
       h.a AS nr,          -- HC_* number (8 zap_range, 6 memslot_delete, 10 dirty_log_fetch, ...)
       h.b AS a0, h.c AS a1, -- first two arguments
       h.d AS result,      -- return value
       (SELECT max(x.seq) FROM events x
        WHERE x.type = 13 AND x.vcpu = h.vcpu AND x.seq < h.seq) AS start_seq -- its exit record
FROM events h WHERE h.type = 15;

-- The SPTE format's masks, one row (meta 'spte.*').
CREATE TEMP VIEW masks AS
SELECT (SELECT value FROM meta WHERE key = 'spte.present_mask')      AS present,
       (SELECT value FROM meta WHERE key = 'spte.writable_mask')     AS w,
       (SELECT value FROM meta WHERE key = 'spte.dirty_mask')        AS d,
       (SELECT value FROM meta WHERE key = 'spte.huge_mask')         AS huge,
       (SELECT value FROM meta WHERE key = 'spte.mmu_writable_mask') AS mmu_w,
       (SELECT value FROM meta WHERE key = 'ad_enabled')             AS ad_enabled;

-- Page tables removed while a hypercall ran, with the hypercall's window.
CREATE TEMP VIEW removed_tables AS
SELECT h.nr, h.start_seq, h.end_seq, p.*
FROM hypercalls h JOIN pt_lifetimes p
  ON p.unlink_seq > h.start_seq AND p.unlink_seq < h.end_seq;
