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
-- one, role bit 17; not a PAE root, bit 24), with the seq of the zap or flood that ended that page
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
FROM events g WHERE g.type = 7 AND g.reason = 1 AND (g.b & (131072 | 16777216)) = 0; -- not direct, not a PAE root

-- One row per guest page-table walk attempt (mmu/SHADOW.md 3): its read
-- steps (walk_step reason 0, or 1 on the step where it faulted), top level
-- first, folded into the rights they give. A walk starts at a read step
-- that does not continue the previous one (same vCPU, gva and access, one
-- level up, not faulted). The paging controls in force are those of the
-- last shadow page the vCPU looked up before the walk (its role word,
-- mmu/shadow_int.h: bit 19 NXE, 20 CR0.WP, 21 SMEP, 22 SMAP): every
-- paging-mode change gives the vCPU a new root, so a lookup follows it
-- before any fault. RFLAGS.AC is not in the trace. rsvd_shape knows the
-- reserved bits of 4-level paging that do not depend on MAXPHYADDR (PS in a
-- PML4E, the low address bits of a 1 GiB or 2 MiB page); XD with NXE=0 is
-- left to the checks (they have the role).
CREATE TEMP VIEW walks AS
WITH ev AS (   -- read steps and shadow-page lookups, each with the vCPU's last lookup so far
	SELECT seq, vcpu, type, level, reason, a, b, d, e,
	       max(CASE WHEN type = 7 THEN seq END) OVER (PARTITION BY vcpu ORDER BY seq) AS get_seq
	FROM events WHERE (type = 6 AND reason IN (0, 1)) OR (type = 7 AND reason = 1)
),
st AS (
	SELECT seq, vcpu, level, reason, a AS gva, b AS gpte, d AS access, e AS ec, get_seq,
	       CASE WHEN LAG(level) OVER w = level + 1 AND LAG(a) OVER w = a AND LAG(d) OVER w = d
	                 AND LAG(reason) OVER w = 0 THEN 0 ELSE 1 END AS first
	FROM ev WHERE type = 6
	WINDOW w AS (PARTITION BY vcpu ORDER BY seq)
),
numbered AS (
	SELECT *, sum(first) OVER (PARTITION BY vcpu ORDER BY seq) AS walk_no FROM st
),
folded AS (
	SELECT vcpu, walk_no, min(seq) AS seq, max(seq) AS last_seq, gva, access,
	       max(level) AS root_level, min(level) AS last_level, max(reason) AS faulted,
	       min((gpte >> 2) & 1) AS all_u, min((gpte >> 1) & 1) AS all_w,
	       max(gpte < 0) AS any_xd, count(*) AS nsteps, min(get_seq) AS get_seq,
	       max(CASE WHEN level = 4 AND (gpte & 129) = 129 THEN 1
	                WHEN level = 3 AND (gpte & 129) = 129 AND (gpte & 1073733632) != 0 THEN 1 -- 1G: bits 29..13
	                WHEN level = 2 AND (gpte & 129) = 129 AND (gpte & 2088960) != 0 THEN 1    -- 2M: bits 20..13
	                ELSE 0 END) AS rsvd_shape
	FROM numbered GROUP BY vcpu, walk_no
)
SELECT f.seq,                 -- first read step of the walk
       f.last_seq,            -- last read step (the faulting one if faulted)
       f.vcpu, f.gva,
       f.access,              -- GWALK_* asked: 2 write, 4 user, 16 fetch, 256 implicit, 512 probe (no A/D)
       f.root_level, f.last_level, f.nsteps,
       f.faulted,             -- 1: the walk ended in a fault (the guest gets #PF)
       l.b AS last_gpte,      -- the last entry read (the leaf, or where it faulted)
       l.e AS error_code,     -- the #PF error code, if faulted
       f.all_u, f.all_w, f.any_xd, f.rsvd_shape,
       (l.b & 1) AS last_present,
       (l.level = 1 OR (l.level IN (2, 3) AND (l.b & 128) != 0)) AS last_is_leaf,
       -- 1: the walk starts at the top level seen in this trace (a trace that
       -- lost its first records, before the collector attached, may begin
       -- in the middle of a walk)
       f.root_level = (SELECT max(x.level) FROM events x WHERE x.type = 6) AS from_top,
       r.b AS role            -- role word of the vCPU's last shadow-page lookup (NULL: none seen yet)
FROM folded f
JOIN events l ON l.seq = f.last_seq
LEFT JOIN events r ON r.seq = f.get_seq;
