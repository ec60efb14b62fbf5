-- schema.sql: the SQLite store of one hvlab trace (.hvt), written by
-- `hvtrace import TRACE.hvt DB` and read by hvtui, the labs and students
-- (`sqlite3 -readonly DB`, then `.mode box` and `.param set :gfn 0x1234`).
--
-- One row of `events` is one 64-byte record of the trace (trace/FORMAT.md);
-- the payload columns a..e keep the per-type meaning of trace/hvt_format.h.
-- The views below give those columns their names, one view per concept.
--
-- Invariants of the store (cited as S1.. in hvtrace and its tests):
--  S1  events.seq runs 0..N-1 with no gap when meta 'dropped' is 0 (T1).
--  S2  Every u64 of the trace is stored as the same 64 bits reinterpreted as
--      a signed int64: SPTEs with bit 63 set (NX, EPT suppress-#VE) are
--      negative. printf('0x%x', col) shows the u64 again; masks work as is
--      (new & :mask) because & and | act on the 64 bits.
--  S3  The lookup tables hold the names of trace/hvt_format.h's enums;
--      hvtrace's own name tables (trace/hvtrace/names.c) are the same, which
--      check-trace verifies.
--  S4  An index whose keys arrive in order while rows are loaded in seq
--      order, or that takes few rows, is built during the load; any other
--      index is created after the rows are loaded, by one sort. hvtrace
--      import runs this file's "-- INDEXES DURING LOAD" block with the
--      tables, loads the rows, runs the "-- INDEXES AFTER LOAD" block, then
--      writes the planner statistics of events_rare into sqlite_stat1.
--  S5  A database exists only complete: import writes a temporary file in the
--      target's directory and renames it at the end.

-- The stream header, one row per field.
CREATE TABLE meta (
	key   TEXT PRIMARY KEY, -- field name: 'version', 'vendor' (0 host, 1 VMX, 2 SVM), 'vendor_name', 'mmu_mode' (1 tdp, 2 shadow), 'mmu_name', 'ad_enabled', 'nr_vcpus', 'tsc_hz', 'record_count', 'dropped', 'scenario', 'source' (trace file path), 'spte.format' (1 EPT, 2 x86), 'spte.levels', and one 'spte.<name>_mask' / 'spte.<name>' per field of struct hvt_spte_format
	value ANY               -- integer (u64 as int64, S2) or text
) STRICT;

-- Every record of the trace, in seq order.
CREATE TABLE events (
	seq    INTEGER PRIMARY KEY, -- global sequence number: the total order of the run (T1); also the rowid
	tsc    INTEGER NOT NULL,    -- time stamp counter at emission (display only; order by seq)
	vcpu   INTEGER NOT NULL,    -- vCPU index; 65535 = outside any vCPU (VMM context)
	type   INTEGER NOT NULL,    -- record type, event_types.id
	reason INTEGER NOT NULL,    -- per-type reason or kind (spte_reasons, flush_reasons, fault_kinds, sp_reasons, exit_kinds, ...)
	level  INTEGER NOT NULL,    -- page-table level 1..5 (4 KiB leaf = 1), 0 if none
	flags  INTEGER NOT NULL,    -- HVT_F_* bits: 1 atomic, 2 lost race, 4 leaf, 8 shadow MMU, 16 volatile, 32 MMU lock held for write
	aux    INTEGER NOT NULL,    -- aux16: flush scope (flush_scopes), fault result (fault_results) or MMIO kind (mmio_kinds)
	a      INTEGER NOT NULL,    -- payload word a (per type: gfn, fault address, table hpa, ...; see trace/FORMAT.md)
	b      INTEGER NOT NULL,    -- payload word b (per type: sptep, error code, npages, ...)
	c      INTEGER NOT NULL,    -- payload word c (per type: old SPTE, zapped count, unlink seq, ...)
	d      INTEGER NOT NULL,    -- payload word d (per type: new SPTE, vcpu mask, guest rip, ...)
	e      INTEGER NOT NULL     -- payload word e (per type: root hpa, sptep, generation, ...)
) STRICT;

-- ---- lookup tables (S3) ---------------------------------------------------

CREATE TABLE event_types (
	id   INTEGER PRIMARY KEY, -- enum hvt_type value (events.type)
	name TEXT NOT NULL,       -- lower-case name without the HVT_ prefix
	type INTEGER GENERATED ALWAYS AS (id) VIRTUAL -- same as id, so joins may say event_types.type
) STRICT;
INSERT INTO event_types(id, name) VALUES
	(1, 'spte_change'), (2, 'tlb_flush'), (3, 'fault'), (4, 'fault_end'),
	(5, 'fast_fault'), (6, 'walk_step'), (7, 'sp_event'), (8, 'pt_alloc'),
	(9, 'pt_free'), (10, 'memslot'), (11, 'cache_topup'), (12, 'mmio'),
	(13, 'exit'), (14, 'entry'), (15, 'hypercall'), (16, 'marker'),
	(17, 'drop'), (18, 'grace'), (19, 'request');

CREATE TABLE spte_reasons (
	id   INTEGER PRIMARY KEY, -- enum hvt_spte_reason (events.reason of a spte_change)
	name TEXT NOT NULL        -- why the SPTE changed
) STRICT;
INSERT INTO spte_reasons VALUES
	(1, 'map'), (2, 'zap'), (3, 'wrprot'), (4, 'clear_dirty'), (5, 'age'),
	(6, 'split'), (7, 'freeze'), (8, 'fast_fix'), (9, 'mmio'), (10, 'sync'),
	(11, 'prefetch'), (12, 'teardown');

CREATE TABLE flush_reasons (
	id   INTEGER PRIMARY KEY, -- enum hvt_flush_reason (events.reason of a tlb_flush)
	name TEXT NOT NULL        -- why the TLB was flushed
) STRICT;
INSERT INTO flush_reasons VALUES
	(1, 'zap'), (2, 'zap_per_table'), (3, 'wrprot'), (4, 'huge_replace'),
	(5, 'new_root'), (6, 'age'), (7, 'sync'), (8, 'invlpg'), (9, 'cr3'),
	(10, 'frozen');

CREATE TABLE flush_scopes (
	id   INTEGER PRIMARY KEY, -- enum hvt_flush_scope (events.aux of a tlb_flush)
	name TEXT NOT NULL        -- which TLBs: this vCPU or all, whole space or a range
) STRICT;
INSERT INTO flush_scopes VALUES
	(1, 'local_all'), (2, 'local_range'), (3, 'remote_all'), (4, 'remote_range'),
	(5, 'guest');

CREATE TABLE fault_kinds (
	id   INTEGER PRIMARY KEY, -- enum hvt_fault_kind (events.reason of fault / fault_end)
	name TEXT NOT NULL        -- tdp (EPT violation / #NPF), shadow (guest #PF), mmio
) STRICT;
INSERT INTO fault_kinds VALUES (1, 'tdp'), (2, 'shadow'), (3, 'mmio');

CREATE TABLE fault_results (
	id   INTEGER PRIMARY KEY, -- enum hvt_fault_result (events.aux of fault_end / fast_fault)
	name TEXT NOT NULL        -- how the fault ended
) STRICT;
INSERT INTO fault_results VALUES
	(1, 'fixed'), (2, 'spurious'), (3, 'retry'), (4, 'mmio'), (5, 'emulated'),
	(6, 'injected'), (7, 'error');

CREATE TABLE mmio_kinds (
	id   INTEGER PRIMARY KEY, -- enum hvt_mmio_kind (events.aux of an mmio record)
	name TEXT NOT NULL        -- what backs the MMIO address
) STRICT;
INSERT INTO mmio_kinds VALUES (1, 'allones'), (2, 'readonly'), (3, 'lapic'), (4, 'unbacked');

CREATE TABLE exit_kinds (
	id   INTEGER PRIMARY KEY, -- enum hvt_exit_kind (events.reason of an exit record)
	name TEXT NOT NULL        -- vendor-neutral exit reason
) STRICT;
INSERT INTO exit_kinds VALUES
	(1, 'npf'), (2, 'pf'), (3, 'cr_write'), (4, 'invlpg'), (5, 'cpuid'), (6, 'io'),
	(7, 'hlt'), (8, 'hypercall'), (9, 'shutdown'), (10, 'extint'), (11, 'msr'),
	(12, 'init_sipi'), (13, 'nmi'), (14, 'invpcid'), (15, 'other');

CREATE TABLE sp_reasons (
	id   INTEGER PRIMARY KEY, -- enum hvt_sp_reason (events.reason of an sp_event)
	name TEXT NOT NULL        -- shadow-page lifecycle step
) STRICT;
INSERT INTO sp_reasons VALUES
	(1, 'get'), (2, 'unsync'), (3, 'sync'), (4, 'zap'), (5, 'wrprot'), (6, 'flood');

CREATE TABLE free_reasons (
	id   INTEGER PRIMARY KEY, -- enum hvt_free_reason (events.reason of a pt_free)
	name TEXT NOT NULL        -- deferred (after a grace period) or immediate
) STRICT;
INSERT INTO free_reasons VALUES (1, 'deferred'), (2, 'immediate');

CREATE TABLE memslot_ops (
	id   INTEGER PRIMARY KEY, -- enum hvt_memslot_op (events.reason of a memslot record)
	name TEXT NOT NULL        -- create, delete or flags change
) STRICT;
INSERT INTO memslot_ops VALUES (1, 'create'), (2, 'delete'), (3, 'flags');

-- ---- views: the records by concept -----------------------------------------

-- Every record with its type's name.
CREATE VIEW events_named AS
SELECT ev.seq  AS seq,    -- global sequence number
       ev.tsc  AS tsc,    -- time stamp counter
       ev.vcpu AS vcpu,   -- vCPU (65535 = VMM)
       t.name  AS type,   -- event_types.name
       ev.reason AS reason, -- per-type reason (events.reason)
       ev.level  AS level,  -- page-table level, 0 if none
       ev.flags  AS flags,  -- HVT_F_* bits
       ev.aux    AS aux,    -- aux16 (events.aux)
       ev.a      AS a,      -- payload word a (trace/FORMAT.md section 4)
       ev.b      AS b,      -- payload word b
       ev.c      AS c,      -- payload word c
       ev.d      AS d,      -- payload word d
       ev.e      AS e       -- payload word e
FROM events ev LEFT JOIN event_types t ON t.id = ev.type;

-- One row per fault, joined with its fault_end (fault_end.b = fault seq).
CREATE VIEW faults AS
SELECT f.seq         AS seq,         -- seq of the fault record
       e.seq         AS end_seq,     -- seq of its fault_end (NULL: still open at the end of the trace)
       f.vcpu        AS vcpu,        -- faulting vCPU
       f.a           AS addr,        -- fault address: gpa for TDP, gva for shadow
       f.b           AS error,       -- error code / exit qualification
       f.c           AS gpa,         -- guest physical address if known
       f.d           AS rip,         -- guest rip
       k.name        AS kind,        -- fault_kinds.name
       r.name        AS result,      -- fault_results.name (NULL if open)
       e.c           AS level,       -- level mapped by the fault (0 none)
       e.tsc - f.tsc AS latency_tsc, -- TSC ticks from fault to fault_end
       e.d           AS spte_writes, -- SPTEs written while handling it
       e.seq - f.seq AS seq_span     -- records (all CPUs) emitted while it ran
FROM events f
LEFT JOIN events e        ON e.type = 4 AND e.b = f.seq
LEFT JOIN fault_kinds k   ON k.id = f.reason
LEFT JOIN fault_results r ON r.id = e.aux
WHERE f.type = 3;

-- Fault latency by kind and result.
CREATE VIEW fault_latency AS
SELECT kind,                                      -- fault_kinds.name
       result,                                    -- fault_results.name
       count(*)                  AS faults,       -- faults of this kind and result
       min(latency_tsc)          AS min_tsc,      -- fastest, TSC ticks
       CAST(avg(latency_tsc) AS INTEGER) AS avg_tsc, -- mean, TSC ticks
       max(latency_tsc)          AS max_tsc,      -- slowest, TSC ticks
       CASE WHEN (SELECT value FROM meta WHERE key = 'tsc_hz') > 0
            THEN avg(latency_tsc) * 1e9 / (SELECT value FROM meta WHERE key = 'tsc_hz')
       END                       AS avg_ns,       -- mean in ns (NULL if tsc_hz unknown)
       sum(spte_writes)          AS spte_writes   -- SPTEs written by these faults
FROM faults WHERE end_seq IS NOT NULL
GROUP BY kind, result;

-- Every SPTE change, payload named.
CREATE VIEW spte_changes AS
SELECT s.seq               AS seq,       -- seq (reserved before the write, T3)
       s.vcpu              AS vcpu,      -- writer
       s.a                 AS gfn,       -- first gfn the SPTE maps
       s.b                 AS sptep,     -- host physical address of the SPTE (its identity, T2)
       s.c                 AS old,       -- value before (int64, S2)
       s.d                 AS new,       -- value after (== old when lost_race)
       s.e                 AS root,      -- root table hpa
       s.level             AS level,     -- level of the SPTE (1 = 4 KiB)
       r.name              AS reason,    -- spte_reasons.name
       s.flags             AS flags,     -- HVT_F_* bits
       (s.flags & 1) != 0  AS atomic,    -- 1: written with xchg / cmpxchg
       (s.flags & 4) != 0  AS leaf,      -- 1: leaf at its level
       (s.flags & 2) != 0  AS lost_race  -- 1: cmpxchg lost, nothing written (T3)
FROM events s LEFT JOIN spte_reasons r ON r.id = s.reason
WHERE s.type = 1;

-- Every TLB flush, payload named.
CREATE VIEW flushes AS
SELECT f.seq    AS seq,       -- seq of the flush
       f.tsc    AS tsc,       -- time stamp counter
       f.vcpu   AS vcpu,      -- vCPU that asked for it
       f.a      AS gfn,       -- first gfn
       f.b      AS npages,    -- pages (0 = whole address space)
       f.c      AS zapped,    -- zapped SPTEs this flush covers (batching: > 1)
       f.d      AS vcpu_mask, -- vCPUs flushed (bit i = vCPU i)
       r.name   AS reason,    -- flush_reasons.name
       s.name   AS scope      -- flush_scopes.name
FROM events f
LEFT JOIN flush_reasons r ON r.id = f.reason
LEFT JOIN flush_scopes s  ON s.id = f.aux
WHERE f.type = 2;

-- The value of each SPTE over seq intervals: "state at step S" is
--   SELECT * FROM spte_intervals WHERE sptep = :p AND seq_from <= :s AND :s < seq_to;
-- (filters on sptep or gfn are pushed into the window, one indexed lookup).
-- An interval ends at the next change of the SPTE or when the table holding
-- it is freed (its memory may then hold another table). Lost races write
-- nothing and start no interval.
CREATE VIEW spte_intervals AS
SELECT w.sptep    AS sptep,    -- host physical address of the SPTE
       w.gfn      AS gfn,      -- first gfn it maps
       w.level    AS level,    -- its level
       w.value    AS value,    -- value over the interval (int64, S2)
       w.seq_from AS seq_from, -- seq of the change that wrote value (inclusive)
       min(w.seq_next,
           coalesce((SELECT min(f.seq) FROM events f
                     WHERE f.type = 9 AND f.a = (w.sptep & ~4095) AND f.seq > w.seq_from),
                    9223372036854775807))
                  AS seq_to,   -- next change of this SPTE or free of its table (exclusive); 9223372036854775807 if neither
       w.reason   AS reason    -- spte_reasons.id of the change that wrote value
FROM (SELECT b AS sptep, a AS gfn, level, d AS value, seq AS seq_from, reason,
             LEAD(seq, 1, 9223372036854775807) OVER (PARTITION BY b, a ORDER BY seq) AS seq_next
      FROM events WHERE type = 1 AND (flags & 2) = 0) w;

-- Each page table's life: alloc, unlink (the SPTE change that removed it),
-- the first TLB flush after the unlink that covers its range, and its free.
-- A table freed with flush_seq NULL was freed before any covering flush.
CREATE VIEW pt_lifetimes AS
WITH t AS (
	SELECT al.seq AS alloc_seq, al.a AS table_hpa, al.b AS gfn, al.level AS level,
	       al.c AS root, (1 << (9 * al.level)) AS span,
	       (SELECT min(x.seq) FROM events x
	        WHERE x.type = 9 AND x.a = al.a AND x.seq > al.seq) AS free_seq
	FROM events al WHERE al.type = 8
)
SELECT t.alloc_seq AS alloc_seq,  -- seq of the pt_alloc
       t.table_hpa AS table_hpa,  -- host physical address of the table
       t.gfn       AS gfn,        -- first gfn it covers
       t.level     AS level,      -- level of its entries (1: holds 4 KiB leaves)
       t.span      AS span,       -- gfns it covers (512^level)
       t.root      AS root,       -- root it belongs to
       fr.c        AS unlink_seq, -- seq of the spte_change that unlinked it (NULL: never freed)
       (SELECT min(fl.seq) FROM events fl
        WHERE fl.type = 2 AND fl.seq > fr.c AND fl.seq < fr.seq
          AND (fl.b = 0 OR (fl.a < t.gfn + t.span AND t.gfn < fl.a + fl.b)))
                   AS flush_seq,  -- first covering flush between unlink and free (NULL: none)
       t.free_seq  AS free_seq,   -- seq of the pt_free (NULL: alive at the end)
       fr.reason   AS free_reason -- free_reasons.id
FROM t LEFT JOIN events fr ON fr.seq = t.free_seq
-- a table whose link lost its race was never in the tree: its pt_free has lost_race
WHERE fr.seq IS NULL OR (fr.flags & 2) = 0;

-- Number of present SPTEs after each change (leaf or not), as a running sum.
CREATE VIEW live_sptes AS
SELECT seq, -- seq of the change
       sum(delta) OVER (ORDER BY seq) AS live -- present SPTEs after it (by the header's present mask)
FROM (SELECT seq,
             (((d & (SELECT value FROM meta WHERE key = 'spte.present_mask')) != 0) -
              ((c & (SELECT value FROM meta WHERE key = 'spte.present_mask')) != 0)) AS delta
      FROM events WHERE type = 1 AND (flags & 2) = 0);

-- INDEXES (S4). Two blocks; hvtrace import creates the second one before
-- it loads the rows and the first one after, by one sort per index.
-- A database built from this file without statistics (viz/test/mkfixture.c
-- runs every index after its rows) makes events_rare before the page-table
-- indexes: with no sqlite_stat1, SQLite guesses 10 rows per key for every
-- index and gives a tie to the index made last, and pt_lifetimes' lookup of
-- a table's free (type = 9 AND a = ?) must use events_pt_free.
--
-- INDEXES AFTER LOAD: many rows at many places, one sort each.
CREATE INDEX events_sptep     ON events(b, a) WHERE type = 1;  -- SPTE history by sptep (spte_intervals, T2)
CREATE INDEX events_gfn       ON events(a) WHERE type = 1;     -- SPTE history by gfn

-- INDEXES DURING LOAD: a fault's end comes after its fault, so
-- events_fault_end takes its keys in order (appends); page-table allocs and
-- frees are a few rows in a thousand.
--
-- events_rare: the records of every kind but the six that make up most of a
-- trace, by kind: "next / previous flush (marker, pt_free, ...)" is one
-- lookup. A query says just `type = 2`: SQLite uses a partial index when the
-- query's WHERE implies the index's, and `type = K` implies this OR for each
-- K in it. The six dense kinds, spte_change (1), fault (3), fault_end (4),
-- walk_step (6, shadow MMU), exit (13) and entry (14), are each 5-50 % of a
-- trace where they occur: the next one is a few rows on in seq order (the
-- rowid), no index needed. Indexing them too cost a 2M-key sort, a third of
-- the whole import (2M events); the rare kinds are few rows, so this index
-- grows as they arrive (its OR, tested on every row loaded, is about a tenth
-- of the import's instructions). A new kind goes in this list unless it is
-- as common as those six (check-trace's trace.import.plans fails on a kind
-- in neither).
CREATE INDEX events_rare ON events(type)                       -- next / previous record of a rare kind
	WHERE type = 2 OR type = 5 OR type = 7 OR type = 8 OR type = 9 OR type = 10 OR type = 11
	   OR type = 12 OR type = 15 OR type = 16 OR type = 17 OR type = 18 OR type = 19;
CREATE INDEX events_fault_end ON events(b) WHERE type = 4;     -- fault -> its fault_end (faults view)
CREATE INDEX events_pt_alloc  ON events(a) WHERE type = 8;     -- table hpa -> its allocs (pt_lifetimes)
CREATE INDEX events_pt_free   ON events(a) WHERE type = 9;     -- table hpa -> its frees (pt_lifetimes)
