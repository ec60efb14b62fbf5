/*
 * test_tdp.c: host unit tests of the TDP MMU (mmu/), under ASan + UBSan.
 * Prints "TEST <name> PASS|FAIL <detail>" per test; exits non-zero if any
 * failed. Names: mmu.<area>.<case>.
 */
#include "tdp_harness.h"
#include "../spte_decode.h"

#include <pthread.h>
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
	report("mmu.zap.batched_flush", test_zap(false));
	report("mmu.zap.per_table_flush", test_zap(true));
	report("mmu.teardown.skip_nonpresent", test_teardown_skip());
	report("mmu.teardown.shared_freezes_all", test_shared_removal());
	return failures ? 1 : 0;
}
