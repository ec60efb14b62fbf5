/*
 * bench_tdp.c: the TDP MMU's figures, measured by driving the real mmu/
 * code on the host env with the software CPU of tdp_harness.h. One line
 * per figure: "BENCH <name> <value> <unit>". (hv's in-guest figures may
 * replace these later.)
 */
#include "tdp_harness.h"

#include <stdio.h>
#include <stdlib.h>

static void bench(const char *name, double v, const char *unit)
{
	printf("BENCH %s %.4f %s\n", name, v, unit);
}

static void die(const char *what)
{
	fprintf(stderr, "bench_tdp: %s failed\n", what);
	exit(1);
}

static struct tvm make_vm(bool no_huge, bool huge_1g, bool per_table, u64 npages)
{
	struct tvm t;
	struct mmu_config cfg = tvm_config(MMU_FORMAT_EPT, true, 1);

	cfg.no_huge = no_huge;
	cfg.huge_1g = huge_1g;
	cfg.flush_per_table = per_table;
	if (!tvm_create_cfg(&t, &cfg) || mmu_memslot_create(t.vm, 0, 0, npages, 0, 0))
		die("vm");
	return t;
}

static void touch(struct tvm *t, gfn_t g, bool write)
{
	if (cpu_access(t, 0, g << PAGE_SHIFT, write, NULL) != 0)
		die("access");
}

/* Every 4K page of 16 MiB touched once, 4K mappings only. */
static void faults_per_4k_page(void)
{
	u64 n = 16 * MIB2_PAGES / 2;
	struct tvm t = make_vm(true, false, false, n);

	for (gfn_t g = 0; g < n; g++)
		touch(&t, g, g & 1);
	bench("tdp.faults_per_4k_page", (double)tvm_stats(&t).faults / (double)n, "faults");
	tvm_destroy(&t);
}

/* Every 4K page of 32 2M regions touched; huge pages allowed. */
static void faults_per_2m_region(void)
{
	u64 regions = 32, n = regions * MIB2_PAGES;
	struct tvm t = make_vm(false, false, false, n);

	for (gfn_t g = 0; g < n; g++)
		touch(&t, g, false);
	bench("tdp.faults_per_2m_region", (double)tvm_stats(&t).faults / (double)regions, "faults");
	tvm_destroy(&t);
}

/* Zap 64 MiB mapped with 4K pages (32 page tables): flushes per zap,
 * batched (seed 001) and with the per-table slow path. */
static double flushes_per_zap(bool per_table)
{
	u64 n = 32 * MIB2_PAGES, zaps = 8;
	struct tvm t = make_vm(true, false, per_table, n);
	u64 flushes = 0;

	for (u64 z = 0; z < zaps; z++) {
		for (gfn_t g = 0; g < n; g += 8)
			touch(&t, g, true);
		u64 before = tvm_stats(&t).flushes_remote;
		if (mmu_zap_gfn_range(t.vm, 0, n) <= 0)
			die("zap");
		flushes += tvm_stats(&t).flushes_remote - before;
	}
	tvm_destroy(&t);
	return (double)flushes / (double)zaps;
}

/* Seed 003: a 6 GiB guest that touched little (a few clusters of 4K
 * pages), torn down with the lock held for write. */
static void teardown_sparse(void)
{
	u64 n = 6 * GIB_PAGES;
	struct tvm t = make_vm(true, false, false, n);
	gfn_t clusters[] = { 0, 0x100, 0x9f000, 0x40000, 0x80123, 0xc0000, 0x100000, 0x17fe00 };
	struct mmu_op op;

	for (size_t c = 0; c < ARRAY_SIZE(clusters); c++)
		for (gfn_t g = clusters[c]; g < clusters[c] + 30; g++)
			touch(&t, g, true);
	struct mmu_stats before = tvm_stats(&t);
	u64 tables = before.tables_alloc - before.tables_freed;
	rw_write_lock(&t.vm->mmu_lock, 0);
	mmu_op_init(&op, t.vm, NULL, true, HVT_SR_TEARDOWN, HVT_FR_ZAP);
	tdp_teardown_root(&op);
	mmu_op_finish(&op);
	rw_write_unlock(&t.vm->mmu_lock);
	struct mmu_stats after = tvm_stats(&t);
	u64 present = after.removed_present - before.removed_present;
	u64 writes = after.removed_writes - before.removed_writes;
	u64 skipped = after.removed_skipped - before.removed_skipped;
	bench("tdp.teardown_writes_per_present_spte", (double)writes / (double)present, "writes");
	bench("tdp.teardown_skip_ratio", (double)skipped / (double)(tables * SPTE_ENT_PER_PAGE), "ratio");
	fprintf(stderr, "# teardown: %llu tables, %llu entries, %llu present, %llu skipped, %llu writes\n",
		(unsigned long long)tables, (unsigned long long)(tables * SPTE_ENT_PER_PAGE),
		(unsigned long long)present, (unsigned long long)skipped, (unsigned long long)writes);
	tvm_destroy(&t);
}


/* The same kind of sparse tree zapped with the lock for read: writes per
 * present SPTE when every entry of a removed table must be frozen. */
static void zap_shared_sparse(void)
{
	u64 n = 6 * GIB_PAGES;
	struct tvm t = make_vm(true, false, false, n);
	gfn_t clusters[] = { 0, 0x100, 0x9f000, 0x40000, 0x80123, 0xc0000, 0x100000, 0x17fe00 };

	for (size_t c = 0; c < ARRAY_SIZE(clusters); c++)
		for (gfn_t g = clusters[c]; g < clusters[c] + 30; g++)
			touch(&t, g, true);
	struct mmu_stats before = tvm_stats(&t);
	mmu_vcpu_exit_guest(t.vcpu[0]);
	if (mmu_zap_gfn_range_shared(t.vcpu[0], 0, n) <= 0)
		die("shared zap");
	mmu_vcpu_enter_guest(t.vcpu[0]);
	struct mmu_stats after = tvm_stats(&t);
	bench("tdp.shared_zap_writes_per_present_spte",
	      (double)(after.removed_writes - before.removed_writes) /
	      (double)(after.removed_present - before.removed_present), "writes");
	tvm_destroy(&t);
}

/* Seed 002: reading every page of a 1 GiB PCI hole allocates nothing. */
static void allones_pages(void)
{
	struct tvm t = make_vm(false, false, false, 1024);
	gfn_t base = 0xc0000, n = GIB_PAGES;
	struct mmu_mmio m;

	if (mmu_memslot_create(t.vm, 1, base, n, HC_MEM_ALLONES, 0))
		die("hole");
	long pages = host_pages_live();
	u64 backing = tvm_stats(&t).backing_pages;
	for (gfn_t g = base; g < base + n; g += 16)
		if (cpu_access(&t, 0, g << PAGE_SHIFT, false, &m) != MMU_FAULT_MMIO)
			die("hole access");
	bench("tdp.allones_pages_allocated",
	      (double)(host_pages_live() - pages) + (double)(tvm_stats(&t).backing_pages - backing), "pages");
	tvm_destroy(&t);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	host_trace_capture(false);     /* count records, keep none */
	faults_per_4k_page();
	faults_per_2m_region();
	bench("tdp.flushes_per_range_zap", flushes_per_zap(false), "flushes");
	bench("tdp.flushes_per_range_zap_per_table", flushes_per_zap(true), "flushes");
	teardown_sparse();
	zap_shared_sparse();
	allones_pages();
	return 0;
}
