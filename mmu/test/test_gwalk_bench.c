/*
 * test_gwalk_bench.c: what a guest page-table walk costs on the host, with
 * its HVT_WALK_STEP records going to the in-memory log. One line each:
 *     BENCH <name> <value> <unit>
 * The shadow MMU pays this on every guest #PF it intercepts, and the
 * emulator on every memory operand. The guest memory here is the tests'
 * sparse array (a lookup per gPTE), so the figures are an upper bound on
 * the walk itself.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "test_gwalk_ref.h"

static struct tmem mem_pool;

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* Entry at level index l (0 = top) of the path for gva 0: tables at
 * 0x1000.., the page at 0x9000; a PAE PDPTE (pae_top) may only have P. */
static u64 path_entry(int l, int levels, bool pae_top)
{
	u64 next = l == levels - 1 ? 0x9000 : 0x1000 * (l + 2);
	return next | ((pae_top && l == 0) ? 0x1 : 0x7);
}

static void build_path(int levels, int size, bool pae)
{
	memset(&mem_pool, 0, sizeof(mem_pool));
	for (int l = 0; l < levels; l++) {
		tmem_page(&mem_pool, l + 1, true);
		tmem_store(&mem_pool, 0x1000 * (l + 1), size, path_entry(l, levels, pae));
	}
}

static void bench(const char *name, const struct gwalk_cpu *cpu, int levels, int size,
		  u32 access, bool reset_ad)
{
	struct gwalk_mem mem;
	struct gwalk_result res;
	const long n = 2000000;

	bool pae = levels == 3;
	build_path(levels, size, pae);
	tmem_bind(&mem_pool, &mem);
	double t0 = now_ns();
	for (long i = 0; i < n; i++) {
		if (reset_ad)
			for (int l = 0; l < levels; l++)   /* guest cleared A/D: the walk sets them */
				tmem_store(&mem_pool, 0x1000 * (l + 1), size, path_entry(l, levels, pae));
		test_gwalk_log_clear();
		if (gwalk(cpu, &mem, 0x123, access, &res) || res.fault || res.gpa != 0x9123) {
			fprintf(stderr, "%s: the walk did not translate (fault %d ec %#x)\n", name,
				res.fault, res.error_code);
			exit(1);
		}
	}
	printf("BENCH %s %.1f ns\n", name, (now_ns() - t0) / n);
}

int main(void)
{
	struct gwalk_cpu lm = { .cr0 = BIT(31) | BIT(16), .cr4 = BIT(5), .efer = BIT(10) | BIT(11),
				.cr3 = 0x1000, .maxphyaddr = 46 };
	struct gwalk_cpu pae = { .cr0 = BIT(31) | BIT(16), .cr4 = BIT(5), .cr3 = 0x1000,
				 .maxphyaddr = 36 };
	struct gwalk_cpu p32 = { .cr0 = BIT(31) | BIT(16), .cr3 = 0x1000, .maxphyaddr = 36 };

	bench("gwalk_4level_read", &lm, 4, 8, GWALK_USER, false);
	bench("gwalk_4level_write_sets_ad", &lm, 4, 8, GWALK_USER | GWALK_WRITE, true);
	bench("gwalk_4level_probe", &lm, 4, 8, GWALK_USER | GWALK_NO_AD, false);
	bench("gwalk_pae_read", &pae, 3, 8, 0, false);
	bench("gwalk_32bit_read", &p32, 2, 4, 0, false);
	return 0;
}
