/*
 * mkfixture.c: writes a small synthetic trace database for the hvtui tests,
 * straight through the sqlite3 C API (independent of hvtrace).
 *
 *   mkfixture --events N --out F.db [--seed S] [--vendor vmx|svm] [--vcpus V]
 *             [--mmu tdp|shadow] [--schema trace/schema.sql]
 *
 * It simulates a 4-level TDP MMU on V vCPUs and emits faults (with the table
 * links and leaf maps they cause), fast-path fixes, write-protect and zap
 * sweeps with their flushes, aging, lost races and filler exits, obeying
 * hvt_format.h: T1 seq 0..N-1, T2 old = previous new except A/D (the
 * simulated CPU sets A/D with no record), T3 a lost race has new == old,
 * T4 trivially (one writer). The last events may be cut mid-fault.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../trace/hvt_format.h"
#include "../hvtui/spte_map.h"
#include "../hvtui/tracedb.h"

/* The generator's state. */
struct gen {
	sqlite3_stmt *ins;          /* INSERT INTO events */
	s64 seq;                    /* next seq */
	s64 limit;                  /* events to write */
	u64 tsc;                    /* current time */
	u64 rng;                    /* xorshift state */
	u64 next_hpa;               /* page allocator for tables */
	u64 root;                   /* root table hpa */
	unsigned vcpus;             /* vCPUs */
	bool shadow;                /* shadow MMU: tables indexed by gva, not gfn */
	struct hvt_spte_format fmt; /* SPTE masks */
	struct spte_map mem;        /* the SPTEs as the CPU sees them */
};

static u64 rnd(struct gen *g)
{
	g->rng ^= g->rng << 13;
	g->rng ^= g->rng >> 7;
	g->rng ^= g->rng << 17;
	return g->rng;
}

static unsigned pick(struct gen *g, unsigned n)
{
	return (unsigned)(rnd(g) % n);
}

static bool full(const struct gen *g)
{
	return g->seq >= g->limit;
}

/* Emits one record (T1: the next seq). */
static s64 emit(struct gen *g, struct hvt_event *ev)
{
	sqlite3_stmt *st = g->ins;
	u64 v[] = { (u64)g->seq, g->tsc, ev->vcpu, ev->type, ev->reason, ev->level,
		    ev->flags, ev->aux, ev->a, ev->b, ev->c, ev->d, ev->e };
	unsigned i;

	if (full(g))
		return -1;
	g->tsc += 50 + pick(g, 400);
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		sqlite3_bind_int64(st, (int)i + 1, (s64)v[i]);
	if (sqlite3_step(st) != SQLITE_DONE) {
		fprintf(stderr, "mkfixture: insert failed: %s\n", sqlite3_errmsg(sqlite3_db_handle(st)));
		exit(1);
	}
	sqlite3_reset(st);
	return g->seq++;
}

static u64 spte_get(struct gen *g, u64 sptep)
{
	const struct spte_entry *e = spte_map_get(&g->mem, sptep);

	return e ? e->value : g->fmt.nonpresent_value;
}

static bool present(struct gen *g, u64 v)
{
	return (v & g->fmt.present_mask) != 0;
}

/* Writes an SPTE and emits its record (T2: old is what memory holds). */
static void spte_write(struct gen *g, unsigned vcpu, u64 sptep, u64 gfn, unsigned level,
		       u64 new, unsigned reason, unsigned flags)
{
	struct hvt_event ev = { .vcpu = (u16)vcpu, .type = HVT_SPTE_CHANGE,
				.reason = (u8)reason, .level = (u8)level, .flags = (u8)flags,
				.a = gfn, .b = sptep, .c = spte_get(g, sptep), .d = new,
				.e = g->root };

	if (g->shadow)
		ev.flags |= HVT_F_SHADOW;

	if (full(g))
		return;
	if (flags & HVT_F_LOST_RACE)
		ev.d = ev.c; /* T3 */
	else if (new == g->fmt.nonpresent_value)
		spte_map_del(&g->mem, sptep);
	else
		spte_map_put(&g->mem, sptep, new, gfn, level);
	emit(g, &ev);
}

static u64 leaf_bits(const struct gen *g)
{
	const struct hvt_spte_format *f = &g->fmt;

	return f->present_mask | f->readable_mask | f->writable_mask | f->exec_mask |
	       f->user_mask | f->accessed_mask | f->host_writable_mask | f->mmu_writable_mask;
}

static u64 table_bits(const struct gen *g)
{
	const struct hvt_spte_format *f = &g->fmt;

	return f->present_mask | f->readable_mask | f->writable_mask | f->exec_mask |
	       f->user_mask;
}

/* Links a new table under sptep (level > 1); returns its hpa. */
static u64 link_table(struct gen *g, unsigned vcpu, u64 sptep, u64 gfn, unsigned level)
{
	u64 table = g->next_hpa;
	u64 span = 1ull << (9 * (level - 1));
	struct hvt_event alloc = { .vcpu = (u16)vcpu, .type = HVT_PT_ALLOC,
				   .level = (u8)(level - 1), .a = table,
				   .b = gfn & ~(span - 1), .c = g->root };

	g->next_hpa += PAGE_SIZE;
	emit(g, &alloc);
	spte_write(g, vcpu, sptep, gfn & ~(span - 1), level, table | table_bits(g),
		   HVT_SR_MAP, HVT_F_ATOMIC);
	return table;
}

/* Shadow mode: the guest maps gva frame (gfn ^ SHADOW_XOR) to gfn, and the
 * shadow tables are indexed by that gva frame. */
#define SHADOW_XOR 0x3000ull

static u64 index_frame(const struct gen *g, u64 gfn)
{
	return g->shadow ? gfn ^ SHADOW_XOR : gfn;
}

/* Sptep of gfn's entry at level in table (indexed by its index frame). */
static u64 entry_of_frame(u64 table, u64 frame, unsigned level)
{
	return table + ((frame >> (9 * (level - 1))) & 511) * 8;
}

#define entry_of(table, gfn, level) entry_of_frame(table, index_frame(g, gfn), level)

/* Walks down to the level-1 entry of gfn, linking missing tables. Returns
 * the leaf sptep and counts written SPTEs in *written. */
static u64 walk_and_link(struct gen *g, unsigned vcpu, u64 gfn, unsigned *written)
{
	u64 table = g->root, sptep, v;
	unsigned level;

	for (level = 4; level > 1; level--) {
		sptep = entry_of(table, gfn, level);
		v = spte_get(g, sptep);
		if (present(g, v)) {
			table = v & g->fmt.pfn_mask;
			continue;
		}
		table = link_table(g, vcpu, sptep, gfn, level);
		(*written)++;
	}
	return entry_of(table, gfn, 1);
}

static u64 pick_gfn(struct gen *g)
{
	static const u64 region[] = { 0x100, 0x7f000, 0x40000, 0xfee00 >> 0 };

	return region[pick(g, 4)] + pick(g, 300);
}

/* A fault: FAULT, links, leaf map / fast fix / spurious / lost race, FAULT_END. */
static void do_fault(struct gen *g, unsigned vcpu)
{
	u64 gfn = pick_gfn(g), err = 0x100000000ull | (pick(g, 2) ? 0x2 : 0) | 0x4;
	unsigned kind = g->shadow ? HVT_FK_SHADOW : HVT_FK_TDP;
	u64 addr = index_frame(g, gfn) << 12; /* gpa (TDP) or gva (shadow) */
	struct hvt_event ev = { .vcpu = (u16)vcpu, .type = HVT_FAULT, .reason = (u8)kind,
				.a = addr, .b = err, .c = gfn << 12,
				.d = 0x401000 + pick(g, 4096) };
	unsigned written = 0, result = HVT_FR_FIXED;
	s64 fseq = emit(g, &ev);
	u64 sptep = walk_and_link(g, vcpu, gfn, &written), old = spte_get(g, sptep);

	if (!present(g, old)) {
		spte_write(g, vcpu, sptep, gfn, 1, ((0x200000 + gfn) << 12) | leaf_bits(g),
			   HVT_SR_MAP, HVT_F_ATOMIC | HVT_F_LEAF | (pick(g, 20) ? 0 : HVT_F_LOST_RACE));
		written++;
	} else if (!(old & g->fmt.writable_mask) && (err & 2)) {
		spte_write(g, vcpu, sptep, gfn, 1, old | g->fmt.writable_mask, HVT_SR_FAST_FIX,
			   HVT_F_ATOMIC | HVT_F_LEAF | HVT_F_VOLATILE);
		written++;
	} else {
		result = HVT_FR_SPURIOUS;
	}
	ev = (struct hvt_event){ .vcpu = (u16)vcpu, .type = HVT_FAULT_END, .reason = (u8)kind,
				 .aux = (u16)result, .a = addr, .b = (u64)fseq,
				 .c = written ? 1 : 0, .d = written };
	emit(g, &ev);
}

/* Write-protects (reason WRPROT) or zaps (ZAP) the leaves of a gfn range,
 * then flushes the range once (batched). */
static void do_sweep(struct gen *g, unsigned vcpu, unsigned reason)
{
	u64 first = pick_gfn(g) & ~15ull, gfn, sptep, v, table, count = 0;
	unsigned level;

	for (gfn = first; gfn < first + 16; gfn++) {
		table = g->root;
		for (level = 4; level > 1 && table; level--) {
			v = spte_get(g, entry_of(table, gfn, level));
			table = present(g, v) ? v & g->fmt.pfn_mask : 0;
		}
		sptep = table ? entry_of(table, gfn, 1) : 0;
		v = sptep ? spte_get(g, sptep) : g->fmt.nonpresent_value;
		if (!present(g, v))
			continue;
		if (reason == HVT_SR_ZAP)
			spte_write(g, vcpu, sptep, gfn, 1, g->fmt.nonpresent_value, reason,
				   HVT_F_ATOMIC | HVT_F_LEAF | HVT_F_LOCK_WRITE);
		else if (v & g->fmt.writable_mask)
			spte_write(g, vcpu, sptep, gfn, 1, v & ~(g->fmt.writable_mask | g->fmt.dirty_mask),
				   reason, HVT_F_ATOMIC | HVT_F_LEAF | HVT_F_LOCK_WRITE);
		else
			continue;
		count++;
	}
	if (count) {
		struct hvt_event fl = { .vcpu = (u16)vcpu, .type = HVT_TLB_FLUSH,
					.reason = reason == HVT_SR_ZAP ? HVT_FR_ZAP : HVT_FR_WRPROT,
					.aux = HVT_FS_REMOTE_RANGE, .a = first, .b = 16, .c = count,
					.d = (1ull << g->vcpus) - 1 };
		emit(g, &fl);
	}
}

/* The CPU sets A/D on some present leaf with no record (T2 allows it). */
static void cpu_sets_dirty(struct gen *g)
{
	size_t i, slots = (size_t)1 << g->mem.bits;

	for (i = pick(g, (unsigned)slots); i < slots; i++) {
		struct spte_entry *e = &g->mem.slot[i];

		if (e->level == 1 && (e->value & g->fmt.writable_mask)) {
			e->value |= g->fmt.dirty_mask | g->fmt.accessed_mask;
			return;
		}
	}
}

static void do_filler(struct gen *g, unsigned vcpu)
{
	struct hvt_event ev = { .vcpu = (u16)vcpu, .type = HVT_EXIT, .reason = HVT_EX_IO,
				.a = 0x7b, .d = 0x401000 + pick(g, 4096) };

	emit(g, &ev);
	ev = (struct hvt_event){ .vcpu = (u16)vcpu, .type = HVT_ENTRY, .a = ev.d };
	emit(g, &ev);
}

static void generate(struct gen *g)
{
	unsigned vcpu, dice;

	while (!full(g)) {
		vcpu = pick(g, g->vcpus);
		dice = pick(g, 100);
		if (dice < 55)
			do_fault(g, vcpu);
		else if (dice < 65)
			do_sweep(g, vcpu, HVT_SR_WRPROT);
		else if (dice < 72)
			do_sweep(g, vcpu, HVT_SR_ZAP);
		else if (dice < 85)
			cpu_sets_dirty(g);
		else
			do_filler(g, vcpu);
	}
}

/* Used when no --schema is given (the columns of trace/schema.sql). */
static const char fallback_schema[] =
	"CREATE TABLE events(seq INTEGER PRIMARY KEY, tsc INTEGER NOT NULL,"
	" vcpu INTEGER NOT NULL, type INTEGER NOT NULL, reason INTEGER NOT NULL,"
	" level INTEGER NOT NULL, flags INTEGER NOT NULL, aux INTEGER NOT NULL,"
	" a INTEGER NOT NULL, b INTEGER NOT NULL, c INTEGER NOT NULL,"
	" d INTEGER NOT NULL, e INTEGER NOT NULL) STRICT;"
	"CREATE TABLE meta(key TEXT PRIMARY KEY, value);";

/* Reads trace/schema.sql; *indexes points at its part after "-- INDEXES"
 * (schema.sql S4: run after the rows are loaded). NULL if unreadable. */
static char *read_schema(const char *path, char **indexes)
{
	FILE *f = path ? fopen(path, "r") : NULL;
	char *text, *mark;
	long n;

	*indexes = NULL;
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	text = calloc(1, (size_t)n + 1);
	if (text && fread(text, 1, (size_t)n, f) != (size_t)n) {
		free(text);
		text = NULL;
	}
	fclose(f);
	mark = text ? strstr(text, "\n-- INDEXES") : NULL;
	if (mark) {
		*mark = 0;
		*indexes = mark + 1;
	}
	return text;
}

static void meta_put(sqlite3 *db, const char *key, s64 v)
{
	sqlite3_stmt *st;

	sqlite3_prepare_v2(db, "INSERT INTO meta VALUES(?1, ?2)", -1, &st, NULL);
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, v);
	sqlite3_step(st);
	sqlite3_finalize(st);
}

static void write_meta(sqlite3 *db, const struct gen *g, unsigned vendor)
{
	const struct hvt_spte_format *f = &g->fmt;

	meta_put(db, "vendor", vendor);
	meta_put(db, "mmu_mode", g->shadow ? HVT_MMU_SHADOW : HVT_MMU_TDP);
	meta_put(db, "nr_vcpus", g->vcpus);
	sqlite3_exec(db, g->shadow ? "INSERT INTO meta VALUES('scenario', 'mkfixture shadow')"
				   : "INSERT INTO meta VALUES('scenario', 'mkfixture tdp')",
		     NULL, NULL, NULL);
	meta_put(db, "spte.present_mask", (s64)f->present_mask);
	meta_put(db, "spte.readable_mask", (s64)f->readable_mask);
	meta_put(db, "spte.writable_mask", (s64)f->writable_mask);
	meta_put(db, "spte.exec_mask", (s64)f->exec_mask);
	meta_put(db, "spte.nx_mask", (s64)f->nx_mask);
	meta_put(db, "spte.user_mask", (s64)f->user_mask);
	meta_put(db, "spte.accessed_mask", (s64)f->accessed_mask);
	meta_put(db, "spte.dirty_mask", (s64)f->dirty_mask);
	meta_put(db, "spte.huge_mask", (s64)f->huge_mask);
	meta_put(db, "spte.pfn_mask", (s64)f->pfn_mask);
	meta_put(db, "spte.mmu_writable_mask", (s64)f->mmu_writable_mask);
	meta_put(db, "spte.host_writable_mask", (s64)f->host_writable_mask);
	meta_put(db, "spte.nonpresent_value", (s64)f->nonpresent_value);
	meta_put(db, "spte.frozen_value", (s64)f->frozen_value);
	meta_put(db, "spte.mmio_mask", (s64)f->mmio_mask);
	meta_put(db, "spte.mmio_value", (s64)f->mmio_value);
	meta_put(db, "spte.format", f->format);
	meta_put(db, "spte.levels", f->levels);
}

int main(int argc, char **argv)
{
	struct gen g = { .limit = 10000, .rng = 88172645463325252ull, .vcpus = 2,
			 .next_hpa = 0x1000000 };
	const char *out = NULL, *schema_path = NULL;
	char *schema, *indexes;
	unsigned vendor = HVT_VENDOR_SVM;
	sqlite3 *db;
	int i;

	for (i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--events"))
			g.limit = atoll(argv[i + 1]);
		else if (!strcmp(argv[i], "--out"))
			out = argv[i + 1];
		else if (!strcmp(argv[i], "--seed"))
			g.rng ^= strtoull(argv[i + 1], NULL, 0) * 0x9E3779B97F4A7C15ull + 1;
		else if (!strcmp(argv[i], "--vendor"))
			vendor = !strcmp(argv[i + 1], "vmx") ? HVT_VENDOR_VMX : HVT_VENDOR_SVM;
		else if (!strcmp(argv[i], "--mmu"))
			g.shadow = !strcmp(argv[i + 1], "shadow");
		else if (!strcmp(argv[i], "--schema"))
			schema_path = argv[i + 1];
		else if (!strcmp(argv[i], "--vcpus"))
			g.vcpus = (unsigned)atoi(argv[i + 1]);
	}
	if (!out || g.vcpus < 1 || g.vcpus > 8) {
		fprintf(stderr, "usage: mkfixture --events N --out F.db [--seed S]"
			" [--vendor vmx|svm] [--vcpus V] [--mmu tdp|shadow] [--schema trace/schema.sql]\n");
		return 2;
	}
	remove(out);
	schema = read_schema(schema_path, &indexes);
	if (sqlite3_open(out, &db) != SQLITE_OK ||
	    sqlite3_exec(db, schema ? schema : fallback_schema, NULL, NULL, NULL)) {
		fprintf(stderr, "mkfixture: %s: %s\n", out, sqlite3_errmsg(db));
		return 1;
	}
	spte_format_default(&g.fmt, vendor, g.shadow ? HVT_MMU_SHADOW : HVT_MMU_TDP);
	spte_map_init(&g.mem);
	g.root = g.next_hpa;
	g.next_hpa += PAGE_SIZE;
	sqlite3_exec(db, "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; BEGIN", NULL, NULL, NULL);
	write_meta(db, &g, vendor);
	sqlite3_prepare_v2(db, "INSERT INTO events VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13)",
			   -1, &g.ins, NULL);
	generate(&g);
	sqlite3_finalize(g.ins);
	if (indexes && sqlite3_exec(db, indexes, NULL, NULL, NULL))
		fprintf(stderr, "mkfixture: indexes: %s\n", sqlite3_errmsg(db));
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	free(schema);
	spte_map_free(&g.mem);
	return sqlite3_close(db) == SQLITE_OK ? 0 : 1;
}
