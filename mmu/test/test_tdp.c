/*
 * test_tdp.c: host unit tests of the TDP MMU (mmu/), under ASan + UBSan.
 * Prints "TEST <name> PASS|FAIL <detail>" per test; exits non-zero if any
 * failed. Names: mmu.<area>.<case>.
 */
#include "tdp_harness.h"
#include "../spte_decode.h"

#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static char why[512];
static int failures;

#define EXPECT(cond, ...) do {                                                    \
	if (!(cond)) {                                                            \
		snprintf(why, sizeof(why), "%s:%d: ", __FILE__, __LINE__);       \
		snprintf(why + strlen(why), sizeof(why) - strlen(why), __VA_ARGS__); \
		return false;                                                     \
	}                                                                         \
} while (0)

static void report(const char *name, bool ok)
{
	printf("TEST %s %s %s\n", name, ok ? "PASS" : "FAIL", ok ? "" : why);
	fflush(stdout);
	if (!ok)
		failures++;
	why[0] = '\0';
}

/* mmu_check + trace checks T1/T2/Q1 on what was captured. */
static bool vm_consistent(struct tvm *t)
{
	struct hvt_spte_format hf;
	char w[400];

	if (mmu_check(t->vm, w, sizeof(w))) {
		snprintf(why, sizeof(why), "mmu_check: %s", w);
		return false;
	}
	mmu_describe_format(t->vm, &hf);
	if (host_trace_check(&hf, w, sizeof(w))) {
		snprintf(why, sizeof(why), "trace: %s", w);
		return false;
	}
	return true;
}
#define CONSISTENT(t) do { if (!vm_consistent(t)) return false; } while (0)

static const int formats[] = { MMU_FORMAT_EPT, MMU_FORMAT_X86 };
static const char *fmt_name(int f) { return f == MMU_FORMAT_EPT ? "ept" : "npt"; }

/* ======================================================================== */
/* 1. SPTE formats                                                          */
/* ======================================================================== */
static bool test_spte_format(int format, bool ad)
{
	struct spte_format f;
	struct hvt_spte_format hf;
	char buf[160];

	spte_format_init(&f, format, 4, ad, 48);
	spte_format_describe(&f, &hf);
	u64 leaf = make_leaf_spte(&f, 0x1234, 1, true, true, true, true);
	EXPECT(is_mmu_present_spte(leaf) && is_last_spte(&f, leaf, 1), "leaf not present");
	EXPECT(is_writable_spte(&f, leaf) && is_mmu_writable_spte(&f, leaf) &&
	       is_host_writable_spte(&f, leaf), "leaf not writable");
	EXPECT(spte_to_pfn(&f, leaf) == 0x1234, "pfn %llx", (unsigned long long)spte_to_pfn(&f, leaf));
	spte_decode(&hf, leaf, 1, buf, sizeof(buf));
	const char *want = format == MMU_FORMAT_EPT ? (ad ? "R W X A D pfn=0x1234 MMU-W HOST-W" : "R W X pfn=0x1234 MMU-W HOST-W")
						    : "P W U A D pfn=0x1234 MMU-W HOST-W";
	EXPECT(!strcmp(buf, want), "decode '%s' want '%s'", buf, want);
	/* S1: no W without MMU-W without host-W. */
	u64 ro = make_leaf_spte(&f, 5, 1, true, true, false, false);
	EXPECT(!is_writable_spte(&f, ro) && !is_mmu_writable_spte(&f, ro), "S1 violated by make_leaf_spte");
	u64 huge = make_leaf_spte(&f, 0x200, 2, false, true, true, false);
	EXPECT(is_large_pte(&f, huge) && is_last_spte(&f, huge, 2), "huge");
	/* Empty, frozen, MMIO are distinct and not present (S2). */
	u64 mmio = make_mmio_spte(&f, 0xfee00, 0x5a5a5);
	EXPECT(is_mmio_spte(&f, mmio) && !is_mmu_present_spte(mmio), "mmio");
	EXPECT(mmio_spte_gen(mmio) == (0x5a5a5 & MMIO_GEN_MASK), "gen %llx", (unsigned long long)mmio_spte_gen(mmio));
	EXPECT(mmio_spte_gfn(mmio) == 0xfee00, "mmio gfn");
	EXPECT(!is_mmio_spte(&f, f.frozen_value) && !is_mmio_spte(&f, f.nonpresent_value), "frozen/empty look like mmio");
	EXPECT(!is_mmu_present_spte(f.frozen_value) && !(f.frozen_value & f.present_mask), "frozen present");
	EXPECT(!is_mmio_spte(&f, leaf) && !is_mmio_spte(&f, make_nonleaf_spte(&f, 0x5000)), "leaf looks like mmio");
	spte_decode(&hf, mmio, 1, buf, sizeof(buf));
	EXPECT(!strncmp(buf, "MMIO gfn=0xfee00", 16), "decode mmio '%s'", buf);
	spte_decode(&hf, f.frozen_value, 1, buf, sizeof(buf));
	EXPECT(!strcmp(buf, "FROZEN"), "decode frozen '%s'", buf);
	spte_decode(&hf, make_nonleaf_spte(&f, 0x5000), 2, buf, sizeof(buf));
	EXPECT(!strcmp(buf, "TABLE pfn=0x5"), "decode table '%s'", buf);
	/* Access tracking round trip (EPT without A/D). */
	if (!f.ad_enabled) {
		u64 at = mark_spte_for_access_track(&f, leaf);
		EXPECT(is_access_track_spte(&f, at) && !(at & (EPT_R | EPT_W | EPT_X)), "acc track");
		u64 back = restore_acc_track_spte(&f, at);
		EXPECT((back & (EPT_R | EPT_X)) == (EPT_R | EPT_X) && !(back & EPT_W) &&
		       is_mmu_writable_spte(&f, back), "restore %llx", (unsigned long long)back);
		spte_decode(&hf, at, 1, buf, sizeof(buf));
		EXPECT(!strncmp(buf, "ACC-TRACK", 9), "decode acc-track '%s'", buf);
	}
	return true;
}

/* REFERENCE 3e as a table. */
static bool test_spte_volatile(void)
{
	struct spte_format ad, noad;

	spte_format_init(&ad, MMU_FORMAT_EPT, 4, true, 48);
	spte_format_init(&noad, MMU_FORMAT_EPT, 4, false, 48);
	struct { const struct spte_format *f; u64 spte; int level; bool want; const char *what; } rows[] = {
		{ &ad, make_leaf_spte(&ad, 1, 1, true, true, true, false), 1, true, "W !D: CPU may set D" },
		{ &ad, make_leaf_spte(&ad, 1, 1, true, true, true, true), 1, false, "W+D: nothing left to set" },
		{ &ad, make_leaf_spte(&ad, 1, 1, false, true, true, false), 1, true, "!W MMU-W: fast PF may set W" },
		{ &ad, make_leaf_spte(&ad, 1, 1, false, false, false, false), 1, false, "read-only leaf" },
		{ &ad, make_nonleaf_spte(&ad, 0x1000), 2, false, "non-leaf exempt" },
		{ &ad, ad.nonpresent_value, 1, false, "empty" },
		{ &ad, make_mmio_spte(&ad, 1, 1), 1, false, "mmio" },
		{ &noad, make_leaf_spte(&noad, 1, 1, true, true, true, true), 1, true, "A/D off: access tracking" },
		{ &noad, make_leaf_spte(&noad, 1, 1, false, false, false, false), 1, true, "A/D off read-only" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(rows); i++)
		EXPECT(spte_needs_atomic_update(rows[i].f, rows[i].spte, rows[i].level) == rows[i].want,
		       "row %zu (%s)", i, rows[i].what);
	return true;
}

/* ======================================================================== */
/* 2. memslots                                                              */
/* ======================================================================== */
static bool test_memslots(void)
{
	struct tvm t;
	hpa_t hpa;

	EXPECT(tvm_create(&t, MMU_FORMAT_EPT, true, 1), "create");
	EXPECT(mmu_memslot_create(t.vm, 0, 0, 1024, 0, 0) == 0, "slot 0");
	EXPECT(mmu_memslot_create(t.vm, 1, 1000, 100, 0, 0) == E_EXIST, "overlap accepted");
	EXPECT(mmu_memslot_create(t.vm, 0, 5000, 100, 0, 0) == E_EXIST, "id reuse accepted");
	EXPECT(mmu_memslot_create(t.vm, 1, 0x100000, 16, HC_MEM_READONLY, 0) == 0, "slot 1");
	EXPECT(mmu_memslot_create(t.vm, 2, 0xc0000, 0x40000, HC_MEM_ALLONES, 0) == 0, "slot 2");
	EXPECT(mmu_memslot_create(t.vm, 3, 0x1000000, 4, HC_MEM_ALLONES | HC_MEM_LOG_DIRTY, 0) == E_INVAL,
	       "allones+log accepted");
	EXPECT(mmu_memslot_create(t.vm, 40, 0x2000000, 4, 0, 0) == E_INVAL, "bad id accepted");
	EXPECT(mmu_gpa_to_hpa(t.vm, 0x1234, true, &hpa) == 0, "gpa_to_hpa ram");
	*(u32 *)env_hpa_to_va(hpa) = 0xabcd;    /* backing is real memory */
	hpa_t h2;
	EXPECT(mmu_gpa_to_hpa(t.vm, 0x1000, false, &h2) == 0 && h2 + 0x234 == hpa, "contiguous");
	EXPECT(mmu_gpa_to_hpa(t.vm, 0x100000ull << 12, false, &hpa) == 0, "ro read");
	EXPECT(mmu_gpa_to_hpa(t.vm, 0x100000ull << 12, true, &hpa) == E_FAULT, "ro write allowed");
	EXPECT(mmu_gpa_to_hpa(t.vm, 0xc0000ull << 12, false, &hpa) == E_FAULT, "allones is not RAM");
	EXPECT(mmu_gpa_to_hpa(t.vm, 0x5000000, false, &hpa) == E_FAULT, "gap is not RAM");
	EXPECT(mmu_memslot_set_flags(t.vm, 2, 0) == E_INVAL, "allones flag changed");
	EXPECT(mmu_memslot_delete(t.vm, 1) == 0, "delete");
	EXPECT(mmu_memslot_delete(t.vm, 1) == E_NOENT, "double delete");
	EXPECT(host_trace_count(HVT_MEMSLOT) >= 4, "memslot records");
	CONSISTENT(&t);
	tvm_destroy(&t);
	return true;
}

/* ======================================================================== */
/* 3. fault path                                                            */
/* ======================================================================== */
static bool test_fault_4k(int format)
{
	struct tvm t;
	struct mmu_config cfg = tvm_config(format, true, 1);

	cfg.no_huge = true;
	host_trace_reset();
	EXPECT(tvm_create_cfg(&t, &cfg), "create");
	EXPECT(mmu_memslot_create(t.vm, 0, 0, 4096, 0, 0) == 0, "slot");
	for (gfn_t g = 0; g < 64; g++)
		EXPECT(cpu_access(&t, 0, g << 12, g & 1, NULL) == 0, "access %llu", (unsigned long long)g);
	struct mmu_stats s = tvm_stats(&t);
	EXPECT(s.faults == 64 && s.faults_fixed == 64, "faults %llu fixed %llu",
	       (unsigned long long)s.faults, (unsigned long long)s.faults_fixed);
	/* Mapped now: no more faults. */
	for (gfn_t g = 0; g < 64; g++)
		EXPECT(cpu_access(&t, 0, g << 12, g & 1, NULL) == 0, "re-access");
	EXPECT(tvm_stats(&t).faults == 64, "re-fault");
	/* A spurious fault (as after a racing vCPU fixed it). */
	EXPECT(mmu_tdp_page_fault(t.vcpu[0], 0x3000, MMU_PF_WRITE | MMU_PF_PRESENT, 0, NULL) ==
	       MMU_FAULT_SPURIOUS, "spurious");
	int level;
	u64 *sptep = tvm_leaf(&t, 5, &level);
	EXPECT(level == 1 && is_writable_spte(&t.vm->fmt, *sptep), "leaf level %d", level);
	hpa_t hpa;
	EXPECT(mmu_gpa_to_hpa(t.vm, 5 << 12, false, &hpa) == 0 &&
	       spte_to_pfn(&t.vm->fmt, *sptep) == hpa >> 12, "pfn");
	EXPECT(host_trace_count(HVT_FAULT) == host_trace_count(HVT_FAULT_END), "fault start/end");
	EXPECT(host_trace_count(HVT_CACHE_TOPUP) >= 1, "topup traced");
	EXPECT(host_trace_count(HVT_PT_ALLOC) == 4, "tables %zu", host_trace_count(HVT_PT_ALLOC));
	CONSISTENT(&t);
	tvm_destroy(&t);
	return true;
}


/* 5-level tables: same code, one more level (caches sized levels - 1). */
static bool test_five_levels(void)
{
	struct tvm t;
	struct mmu_config cfg = tvm_config(MMU_FORMAT_X86, true, 1);
	gfn_t base = 1ull << 36;             /* above what 4 levels can map */
	int level;

	cfg.levels = 5;
	host_trace_reset();
	EXPECT(tvm_create_cfg(&t, &cfg), "create");
	EXPECT(t.vcpu[0]->page_cache.min == 4, "cache min %d", t.vcpu[0]->page_cache.min);
	EXPECT(mmu_memslot_create(t.vm, 0, base, 1024, 0, 0) == 0, "slot");
	EXPECT(cpu_access(&t, 0, (base + 5) << 12, true, NULL) == 0, "access");
	tvm_leaf(&t, base + 5, &level);
	EXPECT(level == 2, "level %d", level);
	EXPECT(tvm_stats(&t).tables_alloc == 4, "tables %llu", (unsigned long long)tvm_stats(&t).tables_alloc);
	EXPECT(mmu_zap_gfn_range(t.vm, base, 1024) == 1, "zap");
	CONSISTENT(&t);
	tvm_destroy(&t);
	return true;
}

/* 4K / 2M / 1G as the slot and its backing allow. */
static bool test_huge(void)
{
	struct { gfn_t base; u64 npages; bool huge_1g; gfn_t probe; int want; const char *what; } rows[] = {
		{ 0, 2 * GIB_PAGES, true, 5, 3, "1G slot, 1G pages" },
		{ 0, 2 * GIB_PAGES, false, 5, 2, "1G slot, no 1G support" },
		{ 0, 1024, true, 700, 2, "2M-aligned slot" },
		{ 0, 1000, true, 700, 1, "2M region crosses the slot end" },
		{ 1, 2048, true, 1030, 1, "base gfn 1: backing misaligned vs gfn" },
		{ 512, 1024, true, 600, 2, "base gfn 512" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
		struct tvm t;
		struct mmu_config cfg = tvm_config(MMU_FORMAT_EPT, true, 1);
		int level;

		cfg.huge_1g = rows[i].huge_1g;
		host_trace_reset();
		EXPECT(tvm_create_cfg(&t, &cfg), "create");
		EXPECT(mmu_memslot_create(t.vm, 0, rows[i].base, rows[i].npages, 0, 0) == 0, "slot");
		EXPECT(cpu_access(&t, 0, rows[i].probe << 12, true, NULL) == 0, "access");
		tvm_leaf(&t, rows[i].probe, &level);
		EXPECT(level == rows[i].want, "row %zu (%s): level %d want %d", i, rows[i].what, level, rows[i].want);
		/* The whole region is mapped by that one fault. */
		u64 n = pages_per_level(rows[i].want);
		gfn_t base = rows[i].probe & ~(n - 1);
		u64 before = tvm_stats(&t).faults;
		EXPECT(cpu_access(&t, 0, (base + n - 1) << 12, false, NULL) == 0, "access end");
		EXPECT(tvm_stats(&t).faults == before, "row %zu: second fault in the region", i);
		CONSISTENT(&t);
		tvm_destroy(&t);
	}
	return true;
}

/* ======================================================================== */
/* 4/5. zap: one batched flush, deferred free after it (seed 001)           */
/* ======================================================================== */
static bool map_range(struct tvm *t, gfn_t start, u64 n, u64 stride)
{
	for (gfn_t g = start; g < start + n; g += stride)
		if (cpu_access(t, 0, g << 12, true, NULL) != 0)
			return false;
	return true;
}

static bool test_zap(bool per_table)
{
	struct tvm t;
	struct mmu_config cfg = tvm_config(MMU_FORMAT_EPT, true, 2);

	cfg.no_huge = true;
	cfg.flush_per_table = per_table;
	host_trace_reset();
	EXPECT(tvm_create_cfg(&t, &cfg), "create");
	EXPECT(mmu_memslot_create(t.vm, 0, 0, 8 * MIB2_PAGES, 0, 0) == 0, "slot");
	EXPECT(map_range(&t, 0, 8 * MIB2_PAGES, 16), "map");        /* 8 level-1 tables */
	u64 tables = tvm_stats(&t).tables_alloc;
	/* vCPU 1 is out of the guest (it may be walking locklessly). */
	mmu_vcpu_exit_guest(t.vcpu[1]);
	u64 freed0 = tvm_stats(&t).tables_freed;
	host_flush_reset();
	size_t flush_recs = host_trace_count(HVT_TLB_FLUSH);
	long zapped = mmu_zap_gfn_range(t.vm, 0, 8 * MIB2_PAGES);
	EXPECT(zapped >= 8 * 32 + 8, "zapped %ld", zapped);
	size_t flushes = host_flush_count();
	if (per_table)
		EXPECT(flushes == 8, "per-table: %zu flushes for 8 tables", flushes);
	else
		EXPECT(flushes == 1, "batched: %zu flushes", flushes);
	EXPECT(host_trace_count(HVT_TLB_FLUSH) - flush_recs == flushes, "every flush traced");
	/* Not freed while vCPU 1 has not passed a quiescent point... */
	vcpu_bounce(&t, 0);
	EXPECT(tvm_stats(&t).tables_freed == freed0, "freed while vCPU 1 could hold a reference");
	mmu_vcpu_enter_guest(t.vcpu[1]);                  /* ...then freed */
	EXPECT(tvm_stats(&t).tables_freed - freed0 == 8, "freed %llu of 8",
	       (unsigned long long)(tvm_stats(&t).tables_freed - freed0));
	EXPECT(host_trace_count(HVT_GRACE) >= 1, "grace traced");
	EXPECT(map_range(&t, 0, 8 * MIB2_PAGES, 64), "remap");
	EXPECT(tvm_stats(&t).tables_alloc == tables + 8, "remap tables");
	CONSISTENT(&t);
	tvm_destroy(&t);
	return true;
}

/* Exclusive teardown skips empty SPTEs and counts them (seed 003). */
static bool test_teardown_skip(void)
{
	struct tvm t;
	struct mmu_config cfg = tvm_config(MMU_FORMAT_EPT, true, 1);

	cfg.no_huge = true;
	host_trace_reset();
	EXPECT(tvm_create_cfg(&t, &cfg), "create");
	EXPECT(mmu_memslot_create(t.vm, 0, 0, 4 * MIB2_PAGES, 0, 0) == 0, "slot");
	EXPECT(map_range(&t, 0, 4 * MIB2_PAGES, 128), "map");   /* 4 pages per table */
	struct mmu_vm *vm = t.vm;
	struct mmu_stats before = tvm_stats(&t);
	/* root(1) + L3(1) + L2(1) + 4 L1; present: 1 + 1 + 4 + 16 = 22 */
	u64 tables = before.tables_alloc;
	EXPECT(tables == 7, "tables %llu", (unsigned long long)tables);
	struct mmu_op op;
	rw_write_lock(&vm->mmu_lock, 0);
	mmu_op_init(&op, vm, NULL, true, HVT_SR_TEARDOWN, HVT_FR_ZAP);
	tdp_teardown_root(&op);
	mmu_op_finish(&op);
	rw_write_unlock(&vm->mmu_lock);
	EXPECT(op.skipped == tables * 512 - 22, "skipped %llu", (unsigned long long)op.skipped);
	EXPECT(op.writes == 22, "writes %llu", (unsigned long long)op.writes);
	CONSISTENT(&t);
	tvm_destroy(&t);
	return true;
}


/*
 * mmu_vm_destroy's records (issue #3): every table allocated is freed, the
 * teardown's SPTE writes all have reason teardown, and the root, which no
 * SPTE links, names the teardown's last SPTE change as its unlink, with
 * the teardown's flush between that and its free (pt_lifetimes.flush_seq).
 */
static bool test_teardown_root_unlink(void)
{
	struct tvm t;
	struct mmu_config cfg = tvm_config(MMU_FORMAT_X86, true, 1);

	cfg.no_huge = true;
	host_trace_reset();
	EXPECT(tvm_create_cfg(&t, &cfg), "create");
	EXPECT(mmu_memslot_create(t.vm, 0, 0, 4 * MIB2_PAGES, 0, 0) == 0, "slot");
	EXPECT(map_range(&t, 0, 4 * MIB2_PAGES, 128), "map");
	hpa_t root = t.vm->root->hpa;
	size_t n;
	const struct hvt_record *r = host_trace_sorted(&n);
	u64 mark = n ? r[n - 1].seq + 1 : 0;
	tvm_destroy(&t);
	r = host_trace_sorted(&n);
	size_t allocs = 0, frees = 0, other = 0;
	u64 last_change = 0, flush = 0, root_unlink = ~0ull, root_free = 0;
	for (size_t i = 0; i < n; i++) {
		allocs += r[i].type == HVT_PT_ALLOC;
		frees += r[i].type == HVT_PT_FREE;
		if (r[i].seq < mark)
			continue;
		if (r[i].type == HVT_SPTE_CHANGE) {
			last_change = r[i].seq;
			other += r[i].reason != HVT_SR_TEARDOWN;
		}
		if (r[i].type == HVT_TLB_FLUSH && !flush)
			flush = r[i].seq;
		if (r[i].type == HVT_PT_FREE && r[i].a == root) {
			root_unlink = r[i].c;
			root_free = r[i].seq;
		}
	}
	EXPECT(allocs == 7 && frees == allocs, "%zu tables allocated, %zu freed", allocs, frees);
	EXPECT(other == 0 && last_change, "%zu teardown SPTE writes without reason teardown", other);
	EXPECT(root_unlink == last_change, "root unlink seq %llu, the teardown's last SPTE change is %llu",
	       (unsigned long long)root_unlink, (unsigned long long)last_change);
	EXPECT(flush > root_unlink && flush < root_free, "flush %llu not between the root's unlink %llu and free %llu",
	       (unsigned long long)flush, (unsigned long long)root_unlink, (unsigned long long)root_free);
	return true;
}


/* The same sparse tree zapped with the lock for read: every entry of every
 * removed table is frozen, present or not (seed 003's shared path). */
static bool test_shared_zap_freezes_all(void)
{
	struct tvm t;
	struct mmu_config cfg = tvm_config(MMU_FORMAT_EPT, true, 1);

	cfg.no_huge = true;
	host_trace_reset();
	EXPECT(tvm_create_cfg(&t, &cfg), "create");
	EXPECT(mmu_memslot_create(t.vm, 0, 0, 4 * MIB2_PAGES, 0, 0) == 0, "slot");
	EXPECT(map_range(&t, 0, 4 * MIB2_PAGES, 128), "map");   /* 4 pages per table */
	struct mmu_stats before = tvm_stats(&t);
	mmu_vcpu_exit_guest(t.vcpu[0]);
	long zapped = mmu_zap_gfn_range_shared(t.vcpu[0], 0, 4 * MIB2_PAGES);
	mmu_vcpu_enter_guest(t.vcpu[0]);
	struct mmu_stats after = tvm_stats(&t);
	EXPECT(zapped == 4 + 16, "zapped %ld", zapped);
	EXPECT(after.removed_writes - before.removed_writes == 4 * 512, "froze %llu",
	       (unsigned long long)(after.removed_writes - before.removed_writes));
	EXPECT(after.removed_skipped == before.removed_skipped, "skipped in shared mode");
	EXPECT(after.flushes_remote - before.flushes_remote == 1, "one flush");
	EXPECT(map_range(&t, 0, 4 * MIB2_PAGES, 128), "remap");
	CONSISTENT(&t);
	tvm_destroy(&t);
	return true;
}

/* The shared-mode removal freezes every entry, empty ones too (seed 003). */
static bool test_shared_removal(void)
{
	struct tvm t;
	struct mmu_config cfg = tvm_config(MMU_FORMAT_EPT, true, 1);

	host_trace_reset();
	EXPECT(tvm_create_cfg(&t, &cfg), "create");
	EXPECT(mmu_memslot_create(t.vm, 0, 0, 4 * MIB2_PAGES, HC_MEM_LOG_DIRTY, 0) == 0, "slot");
	EXPECT(map_range(&t, 0, 8, 1), "map 4K while logging");
	EXPECT(mmu_dirty_log_enable(t.vm, 0, false) == 0, "log off");
	u64 flushes = tvm_stats(&t).flushes_remote;
	/* The next fault in that 2M region maps it huge, replacing the table. */
	EXPECT(cpu_access(&t, 0, 100 << 12, true, NULL) == 0, "access");
	int level;
	tvm_leaf(&t, 3, &level);
	EXPECT(level == 2, "level %d", level);
	EXPECT(tvm_stats(&t).removed_writes == 512, "froze %llu entries, want all 512",
	       (unsigned long long)tvm_stats(&t).removed_writes);
	EXPECT(tvm_stats(&t).flushes_remote == flushes + 1, "huge replace flush");
	vcpu_bounce(&t, 0);
	CONSISTENT(&t);
	tvm_destroy(&t);
	return true;
}


/* ======================================================================== */
/* MMIO SPTEs, the memslot generation, all-ones, read-only                  */
/* ======================================================================== */
static bool test_mmio_generation(int format)
{
	struct tvm t;
	struct mmu_mmio m;
	gpa_t gpa = 0x40000000;              /* a gap at 1 GiB */
	int level;

	host_trace_reset();
	EXPECT(tvm_create(&t, format, true, 1), "create");
	EXPECT(mmu_memslot_create(t.vm, 0, 0, 1024, 0, 0) == 0, "slot");
	EXPECT(cpu_access(&t, 0, gpa, false, &m) == MMU_FAULT_MMIO && m.kind == HVT_MMIO_UNBACKED &&
	       m.gpa == gpa && m.slot == -1, "gap -> MMIO");
	u64 *sptep = tvm_leaf(&t, gpa >> 12, &level);
	EXPECT(level == 1 && is_mmio_spte(&t.vm->fmt, *sptep), "MMIO SPTE installed");
	EXPECT(mmio_spte_gen(*sptep) == (t.vm->memslot_gen & MMIO_GEN_MASK), "gen");
	/* The next access hits the MMIO SPTE: RSVD / misconfig, emulated with
	 * no lock and no SPTE write. */
	u64 writes = tvm_stats(&t).spte_writes;
	EXPECT(cpu_access(&t, 0, gpa, true, &m) == MMU_FAULT_MMIO, "cached MMIO");
	EXPECT(tvm_stats(&t).spte_writes == writes, "cached MMIO wrote an SPTE");
	/* A new memslot over the gap: the MMIO SPTE is stale and re-faults. */
	EXPECT(mmu_memslot_create(t.vm, 1, gpa >> 12, 16, 0, 0) == 0, "slot over gap");
	EXPECT(mmio_spte_gen(*sptep) != (t.vm->memslot_gen & MMIO_GEN_MASK), "gen not bumped");
	EXPECT(cpu_access(&t, 0, gpa, true, NULL) == 0, "stale MMIO re-faulted into RAM");
	sptep = tvm_leaf(&t, gpa >> 12, &level);
	EXPECT(is_mmu_present_spte(*sptep) && is_writable_spte(&t.vm->fmt, *sptep), "mapped");
	/* Delete it again: zapped, and MMIO comes back. */
	EXPECT(mmu_memslot_delete(t.vm, 1) == 0, "delete");
	EXPECT(cpu_access(&t, 0, gpa, false, &m) == MMU_FAULT_MMIO, "gap again");
	CONSISTENT(&t);
	tvm_destroy(&t);
	return true;
}

/* The generation wraps: every MMIO SPTE is zapped (M7). */
static bool test_mmio_gen_wrap(void)
{
	struct tvm t;
	struct mmu_mmio m;
	int level;

	host_trace_reset();
	EXPECT(tvm_create(&t, MMU_FORMAT_X86, true, 1), "create");
	t.vm->memslot_gen = MMIO_GEN_MASK - 1;     /* two changes from wrapping */
	EXPECT(mmu_memslot_create(t.vm, 0, 0, 16, 0, 0) == 0, "slot");
	EXPECT(cpu_access(&t, 0, 0x100000, false, &m) == MMU_FAULT_MMIO, "gap");
	u64 *sptep = tvm_leaf(&t, 0x100, &level);
	EXPECT(is_mmio_spte(&t.vm->fmt, *sptep), "MMIO SPTE");
	EXPECT(mmu_memslot_create(t.vm, 1, 0x200, 16, 0, 0) == 0, "slot (wraps)");
	EXPECT(*sptep == t.vm->fmt.nonpresent_value, "MMIO SPTE survived the wrap");
	CONSISTENT(&t);
	tvm_destroy(&t);
	return true;
}


/* x86 with MAXPHYADDR 52: no reserved bit for a marker, no MMIO SPTEs. */
static bool test_mmio_no_caching(void)
{
	struct tvm t;
	struct mmu_config cfg = tvm_config(MMU_FORMAT_X86, true, 1);
	struct mmu_mmio m;
	int level;

	cfg.maxphyaddr = 52;
	host_trace_reset();
	EXPECT(tvm_create_cfg(&t, &cfg), "create");
	EXPECT(mmu_memslot_create(t.vm, 0, 0, 16, 0, 0) == 0, "slot");
	for (int i = 0; i < 3; i++)
		EXPECT(cpu_access(&t, 0, 0x100000, false, &m) == MMU_FAULT_MMIO && m.kind == HVT_MMIO_UNBACKED, "gap");
	u64 *sptep = tvm_leaf(&t, 0x100, &level);
	EXPECT(*sptep == t.vm->fmt.nonpresent_value, "an SPTE was installed");
	EXPECT(tvm_stats(&t).faults == 3 && tvm_stats(&t).mmio_sptes == 0, "faults");
	CONSISTENT(&t);
	tvm_destroy(&t);
	return true;
}

/* Seed 002: a PCI hole is emulated, never mapped; no page is allocated. */
static bool test_allones(void)
{
	struct tvm t;
	struct mmu_mmio m;

	host_trace_reset();
	EXPECT(tvm_create(&t, MMU_FORMAT_EPT, true, 1), "create");
	EXPECT(mmu_memslot_create(t.vm, 0, 0, 1024, 0, 0) == 0, "ram");
	EXPECT(mmu_memslot_create(t.vm, 1, 0xc0000, 0x40000, HC_MEM_ALLONES, 0) == 0, "hole");
	long pages = host_pages_live();
	u64 tables = tvm_stats(&t).tables_alloc;
	for (gfn_t g = 0xc0000; g < 0x100000; g += 0x400) {
		EXPECT(cpu_access(&t, 0, g << 12, g & 1, &m) == MMU_FAULT_MMIO, "hole access");
		EXPECT(m.kind == HVT_MMIO_ALLONES && m.slot == 1, "kind %d slot %d", m.kind, m.slot);
	}
	EXPECT(host_pages_live() == pages, "pages allocated: %ld", host_pages_live() - pages);
	EXPECT(tvm_stats(&t).tables_alloc == tables, "tables allocated");
	EXPECT(tvm_stats(&t).backing_pages == 1024, "backing for the hole");
	CONSISTENT(&t);
	tvm_destroy(&t);
	return true;
}

static bool test_readonly(void)
{
	struct tvm t;
	struct mmu_mmio m;
	int level;

	host_trace_reset();
	EXPECT(tvm_create(&t, MMU_FORMAT_EPT, true, 1), "create");
	EXPECT(mmu_memslot_create(t.vm, 0, 0, 1024, HC_MEM_READONLY, 0) == 0, "rom");
	EXPECT(cpu_access(&t, 0, 0x5000, false, NULL) == 0, "read");
	u64 *sptep = tvm_leaf(&t, 5, &level);
	EXPECT(!is_writable_spte(&t.vm->fmt, *sptep) && !is_host_writable_spte(&t.vm->fmt, *sptep), "ro leaf");
	EXPECT(cpu_access(&t, 0, 0x5000, true, &m) == MMU_FAULT_MMIO && m.kind == HVT_MMIO_READONLY, "write");
	/* Make it writable: the next write upgrades the same leaf. */
	EXPECT(mmu_memslot_set_flags(t.vm, 0, 0) == 0, "rw");
	EXPECT(cpu_access(&t, 0, 0x5000, true, NULL) == 0, "write after rw");
	EXPECT(mmu_memslot_set_flags(t.vm, 0, HC_MEM_READONLY) == 0, "ro again (zaps)");
	CONSISTENT(&t);
	tvm_destroy(&t);
	return true;
}

/* ======================================================================== */
/* memory caches and allocation failures (seed 002)                          */
/* ======================================================================== */
static bool test_alloc_failure(void)
{
	struct tvm t;
	struct mmu_config cfg = tvm_config(MMU_FORMAT_EPT, true, 1);

	cfg.no_huge = true;
	host_trace_reset();
	EXPECT(tvm_create_cfg(&t, &cfg), "create");
	EXPECT(mmu_memslot_create(t.vm, 0, 0, 64 * MIB2_PAGES, 0, 0) == 0, "slot");
	/* Empty the caches' reserve by mapping far apart, then starve. */
	struct mmu_vcpu *v = t.vcpu[0];
	int min = v->page_cache.min + v->header_cache.min;
	for (int n = 0; n < min + 2; n++) {
		host_fail_allocs_after(n);
		mmu_vcpu_exit_guest(v);
		/* Drain the caches so the top-up must allocate. */
		mmu_cache_free_all(t.vm, &v->page_cache);
		mmu_cache_free_all(t.vm, &v->header_cache);
		enum mmu_fault_result r = mmu_tdp_page_fault(v, (u64)n * MIB2_PAGES << 12, MMU_PF_WRITE, 0, NULL);
		mmu_vcpu_enter_guest(v);
		host_fail_allocs_after(-1);
		if (n < min)
			EXPECT(r == MMU_FAULT_ERROR, "n=%d: %d with the caches short", n, r);
		else
			EXPECT(r == MMU_FAULT_FIXED, "n=%d: %d", n, r);
	}
	EXPECT(tvm_stats(&t).faults_error >= 3, "errors counted");
	EXPECT(host_trace_count(HVT_CACHE_TOPUP) >= 5, "top-ups traced");
	/* Memslot creation fails cleanly too. */
	host_fail_allocs_after(0);
	EXPECT(mmu_memslot_create(t.vm, 1, 0x100000, 16, 0, 0) == E_NOMEM, "slot without memory");
	host_fail_allocs_after(-1);
	EXPECT(map_range(&t, 0, 4 * MIB2_PAGES, 64), "works again");
	CONSISTENT(&t);
	tvm_destroy(&t);
	return true;
}

/* A dry cache under the lock is an MMU bug: panic naming the cache. */
static bool test_cache_dry_panics(void)
{
	int fds[2];
	char out[512] = "";

	EXPECT(pipe(fds) == 0, "pipe");
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		dup2(fds[1], 2);
		struct mmu_cache c;
		mmu_cache_init(&c, MMU_CACHE_PAGES, "page tables", 3);
		mmu_cache_alloc(&c);
		_exit(0);
	}
	close(fds[1]);
	size_t got = 0;
	ssize_t n;
	while (got < sizeof(out) - 1 && (n = read(fds[0], out + got, sizeof(out) - 1 - got)) > 0)
		got += (size_t)n;
	out[got] = '\0';
	close(fds[0]);
	int status;
	waitpid(pid, &status, 0);
	EXPECT(WIFSIGNALED(status), "did not abort");
	EXPECT(strstr(out, "page tables") && strstr(out, "have 0") && strstr(out, "min 3"),
	       "message: %s", out);
	return true;
}


/* Run fn in a child process; true if it aborted with a message holding want. */
static bool child_panics(void (*fn)(void *), void *arg, const char *want, char *out, size_t len)
{
	int fds[2];
	size_t got = 0;
	ssize_t n;
	int status;

	if (pipe(fds))
		return false;
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		dup2(fds[1], 2);
		fn(arg);
		_exit(0);
	}
	close(fds[1]);
	while (got < len - 1 && (n = read(fds[0], out + got, len - 1 - got)) > 0)
		got += (size_t)n;
	out[got] = '\0';
	close(fds[0]);
	waitpid(pid, &status, 0);
	return WIFSIGNALED(status) && strstr(out, want);
}

/* Every SPTE write is checked (check_spte_transition): bad ones panic. */
struct bad_write { u64 old, new_spte; int level; u8 reason; bool lock_write; const char *want; };
static struct spte_format bw_fmt;

static void do_bad_write(void *arg)
{
	struct bad_write *b = arg;
	struct tvm t;
	struct mmu_op op;

	tvm_create(&t, MMU_FORMAT_EPT, true, 1);
	if (b->lock_write)
		rw_write_lock(&t.vm->mmu_lock, 0);
	mmu_op_init(&op, t.vm, NULL, b->lock_write, HVT_SR_ZAP, HVT_FR_ZAP);
	u64 spte = b->old, old = b->old;
	tdp_write_spte(&op, &spte, 0, b->level, &old, b->new_spte, b->reason);
}

static bool test_transition_checks(void)
{
	struct spte_format *f = &bw_fmt;
	char out[512];

	spte_format_init(f, MMU_FORMAT_EPT, 4, true, 48);
	u64 leaf = make_leaf_spte(f, 0x100, 1, true, true, true, false);
	u64 other = make_leaf_spte(f, 0x200, 1, true, true, true, false);
	u64 table = make_nonleaf_spte(f, 0x7000);
	struct bad_write rows[] = {
		{ leaf, other, 1, HVT_SR_MAP, false, "M2: leaf pfn changed in place" },
		{ make_leaf_spte(f, 0x200, 2, true, true, true, false), table, 2, HVT_SR_MAP, false,
		  "M4: table linked over a leaf" },
		{ table, make_nonleaf_spte(f, 0x8000), 2, HVT_SR_MAP, false, "M4: table replaced in place" },
		{ f->frozen_value, leaf, 1, HVT_SR_MAP, false, "M5: frozen SPTE may only become empty" },
		{ f->nonpresent_value, leaf | 0 , 1, HVT_SR_ZAP, false, "a zap that makes an SPTE present" },
		{ f->nonpresent_value, (leaf & ~EPT_MMU_WRITABLE), 1, HVT_SR_MAP, false, "S1: W without MMU-writable" },
		{ f->nonpresent_value, make_mmio_spte(f, 0, 1), 2, HVT_SR_MMIO, false, "M7: MMIO SPTE above 4K" },
		{ leaf, f->nonpresent_value, 1, HVT_SR_ZAP, true, "" },   /* lock held: fine (control row) */
	};
	for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
		bool panicked = child_panics(do_bad_write, &rows[i], rows[i].want[0] ? rows[i].want : "PANIC",
					     out, sizeof(out));
		if (rows[i].want[0])
			EXPECT(panicked, "row %zu: no panic '%s' (got: %.200s)", i, rows[i].want, out);
		else
			EXPECT(!panicked, "row %zu: control row panicked: %.200s", i, out);
	}
	return true;
}

/* ======================================================================== */
/* volatile bits, fast page fault, dirty logging, aging (seed 004)          */
/* ======================================================================== */
/* No plain store ever hit a volatile SPTE; zapping a W !D leaf is atomic. */
static bool test_volatile_writes(void)
{
	struct tvm t;
	size_t n;

	host_trace_reset();
	EXPECT(tvm_create(&t, MMU_FORMAT_EPT, true, 1), "create");
	EXPECT(mmu_memslot_create(t.vm, 0, 0, 1024, 0, 0) == 0, "slot");
	EXPECT(cpu_access(&t, 0, 0x1000, false, NULL) == 0, "read: W, no D");
	EXPECT(mmu_zap_gfn_range(t.vm, 0, 1024) >= 1, "zap");
	EXPECT(cpu_access(&t, 0, 0x1000, true, NULL) == 0, "write: W+D");
	EXPECT(mmu_zap_gfn_range(t.vm, 0, 1024) >= 1, "zap");
	const struct hvt_record *r = host_trace_sorted(&n);
	int atomic_vol = 0, plain = 0;
	for (size_t i = 0; i < n; i++) {
		if (r[i].type != HVT_SPTE_CHANGE || !(r[i].flags & HVT_F_LOCK_WRITE) || !(r[i].flags & HVT_F_LEAF))
			continue;
		if ((r[i].flags & HVT_F_VOLATILE) && !(r[i].flags & HVT_F_ATOMIC))
			EXPECT(0, "plain store to a volatile SPTE at seq %llu", (unsigned long long)r[i].seq);
		if (r[i].flags & HVT_F_VOLATILE)
			atomic_vol++;
		else
			plain++;
	}
	EXPECT(atomic_vol >= 1 && plain >= 1, "atomic %d plain %d", atomic_vol, plain);
	CONSISTENT(&t);
	tvm_destroy(&t);
	return true;
}

/* The CPU sets D between the zapper's read and its write: the D bit is
 * not lost (compare-exchange retries), the page is logged. */
static bool test_volatile_race_keeps_dirty(void)
{
	struct tvm t;
	struct mmu_op op;
	int level;
	u64 bm[1];

	host_trace_reset();
	EXPECT(tvm_create(&t, MMU_FORMAT_EPT, true, 1), "create");
	EXPECT(mmu_memslot_create(t.vm, 0, 0, 64, HC_MEM_LOG_DIRTY, 0) == 0, "slot");
	EXPECT(cpu_access(&t, 0, 0x3000, false, NULL) == 0, "read");
	u64 *sptep = tvm_leaf(&t, 3, &level);
	u64 stale = *sptep;                              /* the zapper's read */
	__atomic_fetch_or(sptep, EPT_D, __ATOMIC_SEQ_CST); /* the CPU writes */
	rw_write_lock(&t.vm->mmu_lock, 0);
	mmu_op_init(&op, t.vm, NULL, true, HVT_SR_ZAP, HVT_FR_ZAP);
	u64 replaced = tdp_update_spte_excl(&op, sptep, 3, 1, stale, spte_derive_zap, HVT_SR_ZAP);
	mmu_op_finish(&op);
	rw_write_unlock(&t.vm->mmu_lock);
	EXPECT(replaced & EPT_D, "the D bit was lost");
	EXPECT(op.lost == 1, "lost %llu", (unsigned long long)op.lost);
	EXPECT(mmu_dirty_log_fetch_clear(t.vm, 0, bm, 1) == 1 && bm[0] == BIT(3), "log %llx", (unsigned long long)bm[0]);
	CONSISTENT(&t);
	tvm_destroy(&t);
	return true;
}

/* A/D off: aging access-tracks, the next access is fixed by the fast path. */
static bool test_fast_fault_access_track(void)
{
	struct tvm t;
	int level;
	size_t n;

	host_trace_reset();
	EXPECT(tvm_create(&t, MMU_FORMAT_EPT, false, 1), "create");
	EXPECT(mmu_memslot_create(t.vm, 0, 0, 64, 0, 0) == 0, "slot");
	EXPECT(map_range(&t, 0, 64, 1), "map");
	EXPECT(mmu_age_gfn_range(t.vm, 0, 64) == 64, "young");
	EXPECT(mmu_age_gfn_range(t.vm, 0, 64) == 0, "young after aging");
	u64 *sptep = tvm_leaf(&t, 7, &level);
	EXPECT(is_access_track_spte(&t.vm->fmt, *sptep), "not access-tracked");
	u64 fast = tvm_stats(&t).fast_fixed;
	EXPECT(cpu_access(&t, 0, 7 << 12, true, NULL) == 0, "access");
	EXPECT(tvm_stats(&t).fast_fixed == fast + 1, "fast fixes %llu", (unsigned long long)(tvm_stats(&t).fast_fixed - fast));
	EXPECT(!is_access_track_spte(&t.vm->fmt, *sptep) && is_writable_spte(&t.vm->fmt, *sptep), "restored");
	EXPECT(mmu_age_gfn_range(t.vm, 0, 64) == 1, "one young page");
	const struct hvt_record *r = host_trace_sorted(&n);
	bool fast_rec = false, fix_rec = false;
	for (size_t i = 0; i < n; i++) {
		fast_rec |= r[i].type == HVT_FAST_FAULT && r[i].aux16 == HVT_FR_FIXED;
		fix_rec |= r[i].type == HVT_SPTE_CHANGE && r[i].reason == HVT_SR_FAST_FIX;
	}
	EXPECT(fast_rec && fix_rec, "records fast %d fix %d", fast_rec, fix_rec);
	EXPECT(host_trace_count(HVT_TLB_FLUSH) == 1, "aging flushed");   /* only NEW_ROOT */
	CONSISTENT(&t);
	tvm_destroy(&t);
	return true;
}


/* A/D on: aging clears A (atomically: the leaf is volatile), never
 * flushes; the CPU sets A again on the next access without a fault. */
static bool test_age_ad(void)
{
	struct tvm t;
	int level;

	host_trace_reset();
	EXPECT(tvm_create(&t, MMU_FORMAT_X86, true, 1), "create");
	EXPECT(mmu_memslot_create(t.vm, 0, 0, 2048, 0, 0) == 0, "slot");
	EXPECT(cpu_access(&t, 0, 0x1000, false, NULL) == 0, "touch 2M");
	EXPECT(cpu_access(&t, 0, 0x201000, true, NULL) == 0, "touch 2M");
	u64 flushes = tvm_stats(&t).flushes_remote, faults = tvm_stats(&t).faults;
	EXPECT(mmu_age_gfn_range(t.vm, 0, 2048) == 1024, "young pages");
	EXPECT(mmu_age_gfn_range(t.vm, 0, 2048) == 0, "young after aging");
	u64 *sptep = tvm_leaf(&t, 1, &level);
	EXPECT(level == 2 && !(*sptep & X86_A), "A not cleared");
	EXPECT(cpu_access(&t, 0, 0x1000, false, NULL) == 0, "access");
	EXPECT((*sptep & X86_A) && tvm_stats(&t).faults == faults, "the CPU should set A without a fault");
	EXPECT(mmu_age_gfn_range(t.vm, 0, 2048) == 512, "one region young");
	EXPECT(tvm_stats(&t).flushes_remote == flushes, "aging flushed");
	CONSISTENT(&t);
	tvm_destroy(&t);
	return true;
}

/* Every HVT_FAULT has its HVT_FAULT_END naming its seq, same vCPU. */
static bool test_fault_records(void)
{
	struct tvm t;
	size_t n;

	host_trace_reset();
	EXPECT(tvm_create(&t, MMU_FORMAT_EPT, true, 1), "create");
	EXPECT(mmu_memslot_create(t.vm, 0, 0, 64, 0, 0) == 0, "slot");
	EXPECT(map_range(&t, 0, 64, 3), "map");
	struct mmu_mmio m;
	EXPECT(cpu_access(&t, 0, 0x100000, false, &m) == MMU_FAULT_MMIO, "gap");
	const struct hvt_record *r = host_trace_sorted(&n);
	size_t starts = 0, ends = 0;
	for (size_t i = 0; i < n; i++) {
		if (r[i].type == HVT_FAULT)
			starts++;
		if (r[i].type != HVT_FAULT_END)
			continue;
		ends++;
		bool found = false;
		for (size_t k = 0; k < i; k++)
			if (r[k].seq == r[i].b && r[k].type == HVT_FAULT && r[k].vcpu == r[i].vcpu &&
			    r[k].a == r[i].a)
				found = true;
		EXPECT(found, "FAULT_END at seq %llu names no FAULT", (unsigned long long)r[i].seq);
		EXPECT(r[i].aux16 >= HVT_FR_FIXED && r[i].aux16 < HVT_FRES_MAX, "result %u", r[i].aux16);
	}
	EXPECT(starts == ends && starts >= 23, "faults %zu ends %zu", starts, ends);
	CONSISTENT(&t);
	tvm_destroy(&t);
	return true;
}

/* Dirty log == pages written, in both modes, over several rounds. */
static bool test_dirty_log(bool ad)
{
	struct tvm t;
	u64 bm[8];
	u64 npages = 512;

	host_trace_reset();
	EXPECT(tvm_create(&t, MMU_FORMAT_EPT, ad, 1), "create");
	EXPECT(mmu_memslot_create(t.vm, 0, 0, npages, 0, 0) == 0, "slot");
	EXPECT(map_range(&t, 0, npages, 1), "prefault (huge)");
	EXPECT(mmu_dirty_log_fetch_clear(t.vm, 0, bm, 8) == E_INVAL, "fetch while off");
	EXPECT(mmu_dirty_log_enable(t.vm, 0, true) == 0, "enable");
	for (int round = 0; round < 4; round++) {
		u64 want[8] = {0};
		unsigned seed = 12345u + (unsigned)round;
		for (int i = 0; i < 40; i++) {
			seed = seed * 1103515245u + 12345u;
			gfn_t g = (seed >> 8) % npages;
			bool write = (seed >> 4) & 1;
			EXPECT(cpu_access(&t, 0, g << 12, write, NULL) == 0, "access");
			if (write)
				want[g / 64] |= BIT(g % 64);
		}
		long n = mmu_dirty_log_fetch_clear(t.vm, 0, bm, 8);
		long wn = 0;
		for (int w = 0; w < 8; w++) {
			EXPECT(bm[w] == want[w], "round %d word %d: log %016llx written %016llx", round, w,
			       (unsigned long long)bm[w], (unsigned long long)want[w]);
			wn += __builtin_popcountll(want[w]);
		}
		EXPECT(n == wn, "count %ld want %ld", n, wn);
		CONSISTENT(&t);
	}
	EXPECT(mmu_dirty_log_fetch_clear(t.vm, 0, bm, 1) == E_RANGE, "short bitmap");
	EXPECT(mmu_dirty_log_enable(t.vm, 0, false) == 0, "disable");
	CONSISTENT(&t);
	tvm_destroy(&t);
	return true;
}

/* ======================================================================== */
/* concurrency: vCPUs fault while another thread zaps (L1, L2, Q1, T2)      */
/* ======================================================================== */
struct race {
	struct tvm *t;
	int v;                   /* vCPU index, -1 for the zapper */
	volatile int *stop;
	u64 npages;
	bool shared_zaps;        /* this vCPU also zaps with the lock for read */
	u64 *written;            /* pages written (bitmap), per vCPU thread */
	int err;
};

static void *race_vcpu(void *arg)
{
	struct race *r = arg;
	unsigned seed = 777u * (unsigned)(r->v + 1);

	/* Bounded, so the captured trace stays a few tens of MB under ASan. */
	while (!__atomic_load_n(r->stop, __ATOMIC_RELAXED) &&
	       __atomic_load_n(&r->t->vm->stats.faults, __ATOMIC_RELAXED) < 60000) {
		seed = seed * 1103515245u + 12345u;
		gfn_t g = (seed >> 8) % r->npages;
		bool write = (seed >> 3) & 1;
		if (r->shared_zaps && (seed >> 12) % 64 == 0) {
			mmu_vcpu_exit_guest(r->t->vcpu[r->v]);
			if (mmu_zap_gfn_range_shared(r->t->vcpu[r->v], g, 1 + (seed >> 5) % 1024) < 0)
				r->err = -1;
			mmu_vcpu_enter_guest(r->t->vcpu[r->v]);
		}
		int res = cpu_access(r->t, r->v, g << 12, write, NULL);
		if (res != 0) {
			r->err = res;
			break;
		}
		if (write && r->written)
			__atomic_fetch_or(&r->written[g / 64], BIT(g % 64), __ATOMIC_RELAXED);
	}
	return NULL;
}

/* The zapper runs at least 1500 zaps, and on until the vCPUs have faulted
 * RACE_MIN_FAULTS times, so the race happens however the threads are
 * scheduled on a loaded machine (a fixed count let the zapper finish while
 * the vCPUs had barely run). RACE_MAX_ZAPS bounds it if a vCPU dies. */
#define RACE_MIN_FAULTS 2000
#define RACE_MAX_ZAPS   200000

static bool race_zapper_more(const struct race *r, int i)
{
	u64 faults = __atomic_load_n(&r->t->vm->stats.faults, __ATOMIC_RELAXED);

	return i < 1500 || (faults < RACE_MIN_FAULTS && i < RACE_MAX_ZAPS);
}

static void *race_zapper(void *arg)
{
	struct race *r = arg;
	unsigned seed = 4242u;

	for (int i = 0; race_zapper_more(r, i); i++) {
		sched_yield();   /* let the vCPUs map between zaps */
		seed = seed * 1103515245u + 12345u;
		gfn_t g = (seed >> 8) % r->npages;
		u64 n = 1 + (seed >> 3) % 2048;
		if (mmu_zap_gfn_range(r->t->vm, g, n) < 0)
			r->err = 1;
		if (i % 50 == 25)
			mmu_age_gfn_range(r->t->vm, 0, r->npages);
	}
	__atomic_store_n(r->stop, 1, __ATOMIC_RELAXED);
	return NULL;
}

static bool test_race(int format, bool ad, bool per_table)
{
	struct tvm t;
	struct mmu_config cfg = tvm_config(format, ad, 3);
	pthread_t th[4];
	struct race r[4];
	volatile int stop = 0;
	u64 npages = 8 * MIB2_PAGES;

	cfg.flush_per_table = per_table;
	host_trace_reset();
	EXPECT(tvm_create_cfg(&t, &cfg), "create");
	EXPECT(mmu_memslot_create(t.vm, 0, 0, npages / 2, 0, 0) == 0, "slot 0");
	EXPECT(mmu_memslot_create(t.vm, 1, npages / 2, npages / 2, HC_MEM_LOG_DIRTY, 0) == 0, "slot 1");
	for (int i = 0; i < 4; i++) {
		r[i] = (struct race){ .t = &t, .v = i < 3 ? i : -1, .stop = &stop, .npages = npages,
				      .shared_zaps = i == 2 };
		pthread_create(&th[i], NULL, i < 3 ? race_vcpu : race_zapper, &r[i]);
	}
	for (int i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	for (int i = 0; i < 4; i++)
		EXPECT(!r[i].err, "thread %d error %d", i, r[i].err);
	struct mmu_stats s = tvm_stats(&t);
	EXPECT(s.faults > 100 && s.tables_freed > 0, "faults %llu freed %llu",
	       (unsigned long long)s.faults, (unsigned long long)s.tables_freed);
	printf("# race %s ad=%d per_table=%d: faults %llu fixed %llu retry %llu spurious %llu fast %llu "
	       "lost cmpxchg %llu tables freed %llu flushes %llu\n", format == MMU_FORMAT_EPT ? "ept" : "npt",
	       ad, per_table, (unsigned long long)s.faults, (unsigned long long)s.faults_fixed,
	       (unsigned long long)s.faults_retry, (unsigned long long)s.faults_spurious,
	       (unsigned long long)s.fast_fixed, (unsigned long long)s.spte_lost,
	       (unsigned long long)s.tables_freed, (unsigned long long)s.flushes_remote);
	CONSISTENT(&t);
	tvm_destroy(&t);
	return true;
}

/* Writers race a dirty-log fetcher: every page written is reported. */
struct dirty_race { struct tvm *t; volatile int *stop; u64 *logged; u64 npages; int err; };

static void *dirty_fetcher(void *arg)
{
	struct dirty_race *d = arg;
	u64 bm[16];

	for (int i = 0; i < 200; i++) {
		long n = mmu_dirty_log_fetch_clear(d->t->vm, 0, bm, 16);
		if (n < 0) {
			d->err = (int)n;
			break;
		}
		for (int w = 0; w < 16; w++)
			d->logged[w] |= bm[w];
	}
	__atomic_store_n(d->stop, 1, __ATOMIC_RELAXED);
	return NULL;
}

static bool test_dirty_race(bool ad)
{
	struct tvm t;
	pthread_t th[3];
	struct race r[2];
	struct dirty_race d;
	volatile int stop = 0;
	u64 npages = 1024, written[16] = {0}, logged[16] = {0}, bm[16];

	host_trace_reset();
	EXPECT(tvm_create(&t, MMU_FORMAT_EPT, ad, 2), "create");
	EXPECT(mmu_memslot_create(t.vm, 0, 0, npages, HC_MEM_LOG_DIRTY, 0) == 0, "slot");
	d = (struct dirty_race){ .t = &t, .stop = &stop, .logged = logged, .npages = npages };
	for (int i = 0; i < 2; i++) {
		r[i] = (struct race){ .t = &t, .v = i, .stop = &stop, .npages = npages, .written = written };
		pthread_create(&th[i], NULL, race_vcpu, &r[i]);
	}
	pthread_create(&th[2], NULL, dirty_fetcher, &d);
	for (int i = 0; i < 3; i++)
		pthread_join(th[i], NULL);
	EXPECT(!r[0].err && !r[1].err && !d.err, "errors");
	EXPECT(mmu_dirty_log_fetch_clear(t.vm, 0, bm, 16) >= 0, "last fetch");
	for (int w = 0; w < 16; w++) {
		logged[w] |= bm[w];
		EXPECT((written[w] & ~logged[w]) == 0, "word %d: written %016llx logged %016llx", w,
		       (unsigned long long)written[w], (unsigned long long)logged[w]);
	}
	CONSISTENT(&t);
	tvm_destroy(&t);
	return true;
}

/* ======================================================================== */
/* main                                                                     */
/* ======================================================================== */
int main(void)
{
	char name[96];

	for (size_t i = 0; i < ARRAY_SIZE(formats); i++) {
		for (int ad = 1; ad >= 0; ad--) {
			snprintf(name, sizeof(name), "mmu.spte.format_%s%s", fmt_name(formats[i]),
				 ad ? "" : "_noad");
			if (formats[i] == MMU_FORMAT_X86 && !ad)
				continue;
			report(name, test_spte_format(formats[i], ad));
		}
	}
	report("mmu.spte.needs_atomic_update", test_spte_volatile());
	report("mmu.memslot.basic", test_memslots());
	for (size_t i = 0; i < ARRAY_SIZE(formats); i++) {
		snprintf(name, sizeof(name), "mmu.fault.4k_%s", fmt_name(formats[i]));
		report(name, test_fault_4k(formats[i]));
	}
	report("mmu.fault.huge_levels", test_huge());
	report("mmu.fault.five_levels", test_five_levels());
	report("mmu.zap.batched_flush", test_zap(false));
	report("mmu.zap.per_table_flush", test_zap(true));
	report("mmu.teardown.skip_nonpresent", test_teardown_skip());
	report("mmu.teardown.root_unlink_all_freed", test_teardown_root_unlink());
	report("mmu.teardown.shared_freezes_all", test_shared_removal());
	report("mmu.zap.shared_freezes_all", test_shared_zap_freezes_all());
	for (size_t i = 0; i < ARRAY_SIZE(formats); i++) {
		snprintf(name, sizeof(name), "mmu.mmio.generation_%s", fmt_name(formats[i]));
		report(name, test_mmio_generation(formats[i]));
	}
	report("mmu.mmio.generation_wrap", test_mmio_gen_wrap());
	report("mmu.mmio.no_caching_maxphyaddr52", test_mmio_no_caching());
	report("mmu.memslot.allones_no_pages", test_allones());
	report("mmu.memslot.readonly", test_readonly());
	report("mmu.cache.alloc_failure", test_alloc_failure());
	report("mmu.cache.dry_panics", test_cache_dry_panics());
	report("mmu.spte.transition_checks", test_transition_checks());
	report("mmu.volatile.atomic_writes", test_volatile_writes());
	report("mmu.volatile.race_keeps_dirty", test_volatile_race_keeps_dirty());
	report("mmu.fastpf.access_track", test_fast_fault_access_track());
	report("mmu.age.ad_bits_no_flush", test_age_ad());
	report("mmu.trace.fault_start_end", test_fault_records());
	report("mmu.dirty.log_equals_written_ad", test_dirty_log(true));
	report("mmu.dirty.log_equals_written_wrprot", test_dirty_log(false));
	report("mmu.race.fault_vs_zap_ept", test_race(MMU_FORMAT_EPT, true, false));
	report("mmu.race.fault_vs_zap_ept_noad", test_race(MMU_FORMAT_EPT, false, false));
	report("mmu.race.fault_vs_zap_npt_per_table", test_race(MMU_FORMAT_X86, true, true));
	report("mmu.race.dirty_log_ad", test_dirty_race(true));
	report("mmu.race.dirty_log_wrprot", test_dirty_race(false));
	return failures ? 1 : 0;
}
