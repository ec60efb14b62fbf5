/*
 * labsync: the workload of lab 03 (unsync and sync_page, seed 000).
 *
 * One page table of its own maps "pages=N" (default 64, at most 256) pages
 * at REGION, plus ALIAS: that page table's own frame, mapped read-only, so
 * the table can also be written through a second address. Under
 * mmu=shadow the table is a shadowed gPT: the first write to it after a
 * sync point traps and makes its shadow page unsync, the next ones do not
 * trap at all; MOV CR3 is a sync point (the guest's TLB is flushed, so its
 * changes must be visible after it).
 *
 * Each of "rounds=N" (default 3) rounds:
 *   labsync:setup   every PTE rewritten to its group's start state (A and D
 *                   set, as a kernel that maps a page for a write fault
 *                   does), MOV CR3, then every page read, the writable ones
 *                   written (their SPTEs get D)
 *   labsync:change  without INVLPG, by page index i % 4:
 *                     0 "wadd"  read-only -> writable (write access ADDED)
 *                     1 "same"  rewritten with the same value (unchanged;
 *                               half read-only, half writable)
 *                     2 "wdel"  writable -> read-only
 *                     3 "nx"    writable -> writable + NX (W stays)
 *                   and ALIAS read-only -> writable
 *   labsync:sync    MOV CR3 (hv syncs the unsync shadow page)
 *   labsync:verify  wadd pages written, same pages read, wdel writes must
 *                   #PF (P|W), nx pages written and their fetch must #PF
 *                   (P|I), and one PTE changed THROUGH ALIAS, then INVLPG:
 *                   the page must show the new frame (so the ALIAS write
 *                   must have trapped: the table's frame stays
 *                   write-protected while it is shadowed)
 *
 * What the guest cannot see, the lab's trace checks do: whether the wadd
 * writes still cost an exit each (seed 000), and which SPTEs the sync
 * rewrote. Natively everything above holds too (no hypercalls needed).
 */
#include "guest.h"

#define REGION   0x40000000000ull   /* PML4 slot 8: nothing else there */
#define MAX_PAGES 256
#define RET_OPCODE 0xc3

static gpa_t frames[MAX_PAGES], spare, table;
static u64 npages;
static u64 *ptes;                  /* the table, through the identity map */
static gva_t alias;                /* the table, through REGION */

static gva_t page_gva(u64 i) { return REGION + i * PAGE_SIZE; }

/* Each frame: a RET at offset 0 (for fetches), a value at offset 8. */
static u64 value_of(u64 round, u64 i, u64 phase)
{
	return 0x5a0000000000ull | (round << 24) | (phase << 16) | i;
}

static u64 start_flags(u64 i)
{
	switch (i % 4) {
	case 0:  return 0;                            /* wadd: read-only */
	case 1:  return (i / 4) % 2 ? PTE_W : 0;      /* same: both kinds */
	default: return PTE_W;                        /* wdel, nx */
	}
}

static bool writable_at_start(u64 i) { return start_flags(i) & PTE_W; }

static u64 rd(gva_t g) { return *(volatile u64 *)g; }

static void marker(const char *label)
{
	if (guest_hv())
		hc_marker(label);
}

static bool setup_table(void)
{
	/* Map page 0 first: vm_map creates the table, which then holds all. */
	for (u64 i = 0; i < npages; i++) {
		frames[i] = frame_alloc();
		if (!frames[i] || vm_map(kernel_root, page_gva(i), frames[i], 0))
			return false;
		*(volatile u8 *)frames[i] = RET_OPCODE;
	}
	spare = frame_alloc();
	ptes = vm_leaf(kernel_root, page_gva(0), NULL);
	if (!spare || !ptes)
		return false;
	table = (gpa_t)ptes & PTE_ADDR;
	alias = page_gva(npages);
	return vm_map(kernel_root, alias, table, 0) == 0;
}

/* setup: start states, a sync point, then every SPTE present (writes set D). */
static u64 round_setup(u64 round)
{
	u64 bad = 0;

	marker("labsync:setup");
	for (u64 i = 0; i < npages; i++) {
		*(volatile u64 *)(frames[i] + 8) = value_of(round, i, 0);
		ptes[i] = frames[i] | PTE_P | PTE_A | PTE_D | start_flags(i);
	}
	ptes[npages] = table | PTE_P | PTE_A | PTE_D;       /* ALIAS, read-only */
	vm_switch(kernel_root);
	for (u64 i = 0; i < npages; i++) {
		bad += rd(page_gva(i) + 8) != value_of(round, i, 0);
		if (writable_at_start(i))
			*(volatile u64 *)(page_gva(i) + 8) = value_of(round, i, 1);
	}
	bad += rd(alias + 8 * npages) != ptes[npages];
	return bad;
}

static void round_change(void)
{
	marker("labsync:change");
	for (u64 i = 0; i < npages; i++) {
		volatile u64 *e = &ptes[i];
		switch (i % 4) {
		case 0: *e |= PTE_W; break;
		case 1: *e = *e; break;
		case 2: *e &= ~PTE_W; break;
		case 3: if (cpu_has_nx()) *e |= PTE_NX; break;
		}
	}
	ptes[npages] |= PTE_W;                              /* ALIAS writable */
}

static void round_verify(u64 round)
{
	u64 bad_wadd = 0, bad_same = 0, bad_wdel = 0, bad_nx = 0;
	char name[40];

	marker("labsync:sync");
	vm_switch(kernel_root);
	marker("labsync:verify");
	for (u64 i = 0; i < npages; i++) {
		gva_t g = page_gva(i);
		u64 v = value_of(round, i, 2);
		struct probe p;
		switch (i % 4) {
		case 0:
			*(volatile u64 *)(g + 8) = v;
			bad_wadd += *(volatile u64 *)(frames[i] + 8) != v;
			break;
		case 1:
			bad_same += rd(g + 8) != value_of(round, i, writable_at_start(i) ? 1 : 0);
			break;
		case 2:
			p = probe_write(g + 8, v);
			bad_wdel += !(p.faulted && p.vector == VEC_PF && p.error == (PF_P | PF_W) &&
				      p.cr2 == g + 8);
			break;
		case 3:
			*(volatile u64 *)(g + 8) = v;
			bad_nx += *(volatile u64 *)(frames[i] + 8) != v;
			if (cpu_has_nx()) {
				p = probe_exec(g);
				bad_nx += !(p.faulted && p.vector == VEC_PF &&
					    p.error == (PF_P | PF_I) && p.cr2 == g);
			}
			break;
		}
	}
	snprintf(name, sizeof(name), "labsync_wadd_writes%lu", round);
	CHECKF(name, bad_wadd == 0, "%lu pages made writable lost a write after MOV CR3", bad_wadd);
	snprintf(name, sizeof(name), "labsync_same_reads%lu", round);
	CHECKF(name, bad_same == 0, "%lu unchanged pages read wrong", bad_same);
	snprintf(name, sizeof(name), "labsync_wdel_faults%lu", round);
	CHECKF(name, bad_wdel == 0, "%lu pages made read-only took a write without #PF P|W", bad_wdel);
	snprintf(name, sizeof(name), "labsync_nx_pages%lu", round);
	CHECKF(name, bad_nx == 0, "%lu wrong: a write lost or a fetch without #PF P|I", bad_nx);

	/* A PTE changed through ALIAS: page 1 (a "same" page) -> spare. */
	*(volatile u64 *)(spare + 8) = value_of(round, 0xfff, 3);
	volatile u64 *via_alias = (volatile u64 *)(alias + 8 * 1);
	*via_alias = spare | PTE_P | PTE_A | PTE_D;
	invlpg(page_gva(1));
	snprintf(name, sizeof(name), "labsync_alias_remap%lu", round);
	CHECKF(name, rd(page_gva(1) + 8) == value_of(round, 0xfff, 3),
	       "read 0x%lx through page 1 after remapping it through ALIAS, want the new frame's 0x%lx",
	       rd(page_gva(1) + 8), value_of(round, 0xfff, 3));
	*via_alias = frames[1] | PTE_P | PTE_A | PTE_D | start_flags(1);
	invlpg(page_gva(1));
}

int main(void)
{
	u64 rounds = guest_arg_u64("rounds", 3);

	npages = guest_arg_u64("pages", 64);
	if (npages < 4 || npages > MAX_PAGES)
		npages = 64;
	if (!CHECK("labsync_setup", setup_table()))
		return check_exit_code();
	for (u64 r = 0; r < rounds; r++) {
		char name[40];
		u64 bad = round_setup(r);
		snprintf(name, sizeof(name), "labsync_setup_reads%lu", r);
		CHECKF(name, bad == 0, "%lu reads wrong after setting the start states", bad);
		round_change();
		round_verify(r);
	}
	printf("labsync: %lu rounds over %lu pages (table at 0x%lx, alias 0x%lx)\n",
	       rounds, npages, table, alias);
	return check_exit_code();
}
