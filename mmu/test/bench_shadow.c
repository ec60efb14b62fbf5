/*
 * bench_shadow.c: the shadow MMU's figures, one "BENCH name value unit"
 * line each (make bench-shadow), measured on the host harness
 * (shadow_harness.h), so they count events, not time:
 *
 *   shadow.exits_per_guest_pte_write           guest PTE updates with unsync pages
 *   shadow.exits_per_guest_pte_write_nounsync  every gPT write-protected (emulated writes)
 *   shadow.sync_writes_per_changed_gpte        SPTE writes by sync_page per gPTE whose
 *                                              access changed (seed 000's goal: 1.00)
 *   shadow.write_faults_per_wadd_sync_wrong    write faults after a sync that added W,
 *                                              with the wrong "skip make-writable" rule
 *
 * Workload: 64 mapped pages; per round the guest rewrites 16 of its PTEs
 * through a mapping of its own page table, and after each write does
 * INVLPG + a read of that page (a kernel changing a mapping); a MOV CR3
 * ends the round. Only the exits taken by the PTE writes themselves count.
 * The first two figures and sync_writes_per_changed_gpte are also given for
 * PAE and 32-bit guests (suffix _pae, _32bit; 32-bit: the 64 pages are the
 * second half of one gPT, the window's gPTE is in its first half, so the
 * gPT has two SPs, quadrants 0 and 1, and both go unsync together).
 */
#include "shadow_harness.h"

#include <stdio.h>

#define ROUNDS 64
#define PER_ROUND 16

static unsigned long long rng = 0x243f6a8885a308d3ull;
static u64 rnd(void) { rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17; return rng; }

static gva_t base, win;           /* the 64 pages, the window onto their gPT */
static u64 pte_off[64];           /* offset of page i's gPTE in its gPT page */

static void setup_mode(struct sg *g, u64 *cr3, bool no_unsync, bool skip_wadd, enum gwalk_mode mode)
{
	if (!sg_create(g, no_unsync, skip_wadd, false))
		abort();
	sg_set_mode(g, mode);
	base = mode == GWALK_MODE_32 ? 0x7c0000 : 0x400000;
	win = mode == GWALK_MODE_32 ? 0x400000 : 0x600000;
	*cr3 = new_pt(g) << 12;
	for (int i = 0; i < 64; i++) {
		map4k(g, *cr3, base + i * 4096ull, 0x20 + i, GPTE_P | GPTE_US | GPTE_A);
		pte_off[i] = gpte_gpa(g, *cr3, base + i * 4096ull, 1, false) & 0xfff;
	}
	map4k(g, *cr3, win, gpte_gpa(g, *cr3, base, 1, false) >> 12, GPTE_P | GPTE_RW | GPTE_D | GPTE_A);
	if (load(g, *cr3))
		abort();
}

static void setup(struct sg *g, u64 *cr3, bool no_unsync, bool skip_wadd)
{
	setup_mode(g, cr3, no_unsync, skip_wadd, GWALK_MODE_4LEVEL);
}

static double exits_per_pte_write(bool no_unsync, enum gwalk_mode mode)
{
	struct sg g;
	u64 cr3, writes = 0, exits = 0;
	int rc;

	setup_mode(&g, &cr3, no_unsync, false, mode);
	for (int i = 0; i < 64; i++)
		rd(&g, base + i * 4096ull, &rc);
	for (int r = 0; r < ROUNDS; r++) {
		for (int k = 0; k < PER_ROUND; k++) {
			int i = (int)(rnd() % 64);
			u64 flags = GPTE_P | GPTE_US | GPTE_A | ((rnd() & 1) ? GPTE_RW | GPTE_D : 0);
			u64 e0 = g.exits;
			if (wr(&g, win + pte_off[i], ((0x20ull + i) << 12) | flags))
				abort();
			exits += g.exits - e0;
			writes++;
			mmu_shadow_invlpg(g.vcpu, base + i * 4096ull);
			rd(&g, base + i * 4096ull, &rc);
		}
		load(&g, cr3);
	}
	sg_destroy(&g);
	return (double)exits / (double)writes;
}

/* Random subsets of the 64 gPTEs change (or are rewritten unchanged) in an
 * unsync page; the MOV CR3 syncs it. */
static double sync_writes_per_changed(enum gwalk_mode mode)
{
	struct sg g;
	u64 cr3;
	int rc;

	setup_mode(&g, &cr3, false, false, mode);
	for (int r = 0; r < ROUNDS; r++) {
		for (int i = 0; i < 64; i++)
			rd(&g, base + i * 4096ull, &rc);
		for (int k = 0; k < PER_ROUND; k++) {
			int i = (int)(rnd() % 64);
			u64 flags = GPTE_P | GPTE_A | (rnd() & (GPTE_RW | GPTE_D | GPTE_US));
			wr(&g, win + pte_off[i], ((0x20ull + i) << 12) | flags);
		}
		load(&g, cr3);
	}
	struct mmu_shadow_stats s = stats(&g);
	sg_destroy(&g);
	return s.sync_changed ? (double)s.sync_writes / (double)s.sync_changed : 0;
}

/* Seed 000: with the wrong rule, each W added by a sync costs a write fault. */
static double wadd_faults(bool skip_wadd)
{
	struct sg g;
	u64 cr3, faults = 0, n = 0;
	int rc;

	setup(&g, &cr3, false, skip_wadd);
	for (int r = 0; r < ROUNDS; r++) {
		int i = r % 64;
		gva_t gva = 0x400000 + i * 4096ull;
		wr(&g, 0x600000 + i * 8, ((0x20ull + i) << 12) | GPTE_P | GPTE_US | GPTE_A);
		load(&g, cr3);
		rd(&g, gva, &rc);
		wr(&g, 0x600000 + i * 8, ((0x20ull + i) << 12) | GPTE_P | GPTE_US | GPTE_A | GPTE_RW | GPTE_D);
		load(&g, cr3);
		u64 e0 = g.exits;
		wr(&g, gva, 1);
		faults += g.exits - e0;
		n++;
	}
	sg_destroy(&g);
	return (double)faults / (double)n;
}

int main(void)
{
	host_trace_capture(false);
	printf("BENCH shadow.exits_per_guest_pte_write %.3f exits\n", exits_per_pte_write(false, GWALK_MODE_4LEVEL));
	printf("BENCH shadow.exits_per_guest_pte_write_nounsync %.3f exits\n",
	       exits_per_pte_write(true, GWALK_MODE_4LEVEL));
	printf("BENCH shadow.sync_writes_per_changed_gpte %.2f writes\n", sync_writes_per_changed(GWALK_MODE_4LEVEL));
	for (int m = 0; m < 2; m++) {
		enum gwalk_mode mode = m ? GWALK_MODE_32 : GWALK_MODE_PAE;
		const char *sfx = m ? "32bit" : "pae";
		printf("BENCH shadow.exits_per_guest_pte_write_%s %.3f exits\n", sfx, exits_per_pte_write(false, mode));
		printf("BENCH shadow.exits_per_guest_pte_write_nounsync_%s %.3f exits\n", sfx,
		       exits_per_pte_write(true, mode));
		printf("BENCH shadow.sync_writes_per_changed_gpte_%s %.2f writes\n", sfx, sync_writes_per_changed(mode));
	}
	printf("BENCH shadow.write_faults_per_wadd_sync %.2f faults\n", wadd_faults(false));
	printf("BENCH shadow.write_faults_per_wadd_sync_wrong %.2f faults\n", wadd_faults(true));
	return 0;
}
