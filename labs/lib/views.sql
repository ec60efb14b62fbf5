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
       (SELECT value FROM meta WHERE key = 'ad_enabled')             AS ad_enabled,
       (SELECT value FROM meta WHERE key = 'spte.accessed_mask')     AS a,
       (SELECT value FROM meta WHERE key = 'spte.user_mask')         AS u,
       (SELECT value FROM meta WHERE key = 'spte.nx_mask')           AS nx,
       (SELECT value FROM meta WHERE key = 'spte.pfn_mask')          AS pfn;

-- Page tables removed while a hypercall ran, with the hypercall's window.
CREATE TEMP VIEW removed_tables AS
SELECT h.nr, h.start_seq, h.end_seq, p.*
FROM hypercalls h JOIN pt_lifetimes p
  ON p.unlink_seq > h.start_seq AND p.unlink_seq < h.end_seq;

-- Shadow MMU (labs 02, 03). Every HVT_SP_EVENT "get" (a lookup or a
-- creation) of a shadow page that shadows a guest page table (not a direct
-- one, role bit 17), with the seq of the zap or flood that ended that page
-- (NULL: alive at the end). A gfn is a shadowed gPT at seq S when some row
-- has gfn, get_seq < S and (end_seq IS NULL OR end_seq > S): the shadow MMU
-- must then keep it write-protected (I4) unless every SP of it is unsync.
CREATE TEMP VIEW shadow_gets AS
SELECT g.seq AS get_seq,   -- the sp_event get
       g.vcpu AS vcpu,     -- the vCPU whose fault or CR3 load looked it up
       g.a AS gfn,         -- the guest page table's gfn
       g.b AS role,        -- role word (mmu/shadow_int.h SR_*: level in bits 3..0)
       g.b & 15 AS level,  -- level of its entries (1: a page table of 4 KiB leaves)
       g.c AS table_hpa,   -- host physical address of its SPTEs
       (SELECT min(z.seq) FROM events z
        WHERE z.type = 7 AND z.reason IN (4, 6) AND z.c = g.c AND z.seq > g.seq) AS end_seq
FROM events g WHERE g.type = 7 AND g.reason = 1 AND (g.b & 131072) = 0;
