/*
 * shadow_edit: a guest that edits its own page tables while it runs on them,
 * for the shadow MMU (mmu/SHADOW.md; check-shadow-qemu runs it under
 * mmu=shadow and mmu=tdp and natively, with the same expected results).
 *
 * Each phase changes live mappings the way a kernel does and checks what
 * the next access reads and which #PF it takes:
 *   map        a new 4 KiB mapping is usable at once (no INVLPG needed)
 *   perm       RO -> RW -> RO with vm_protect (INVLPG); RO -> RW written
 *              straight into the PTE without INVLPG (seed 000)
 *   unmap      a removed mapping faults (#PF, not present)
 *   remap      a mapping moved to another frame, with INVLPG, and without
 *              (then INVLPG before looking)
 *   burst      64 PTEs written back to back in one page table (unsync /
 *              emulated writes / flooding on the hypervisor side)
 *   wipe       a live page directory cleared with REP STOSQ (hv cannot
 *              emulate it: it unshadows the frame and the guest redoes it)
 *   cr3        5 address spaces (clones of the kernel root) map one gva to
 *              5 frames; CR3 ping-pong among them, 3 rounds
 *   2m         a 2 MiB page: reads at 4 KiB offsets, then protect / unmap
 *   invpcid    when CPUID advertises INVPCID: a mapping moved to another
 *              frame without INVLPG, then INVPCID of each type (0 address,
 *              1 single context, 2 all with globals, 3 all): the stale
 *              translation must be gone (under mmu=shadow each is an exit
 *              and a sync point); else one line says it was skipped
 * Paging off is exercised by every guest: lib/entry.S builds its first
 * page tables with paging off.
 */
#include "guest.h"

#define REGION   0x20000000000ull   /* PML4 slot 4: private tables for these tests */
#define CR3_GVA  0x30000000000ull   /* PML4 slot 6: one gva, one frame per address space */
#define BIG_GVA  0x38000000000ull   /* PML4 slot 7: 2 MiB pages */
#define NR_SPACES 5

static gva_t next_gva = REGION;

static gva_t fresh_gva(void)
{
	gva_t g = next_gva;

	next_gva += 16 * PAGE_SIZE;   /* gaps: neighbours stay unmapped */
	return g;
}

static gpa_t frame_with(u64 value)
{
	gpa_t f = frame_alloc();

	if (f)
		*(volatile u64 *)f = value;   /* through the identity map */
	return f;
}

static bool is_pf(struct probe p, u64 error, gva_t gva)
{
	return p.faulted && p.vector == VEC_PF && p.error == error && p.cr2 == gva;
}

static u64 rd(gva_t g) { return *(volatile u64 *)g; }

static void phase_map_perm_unmap(void)
{
	gva_t g = fresh_gva();
	gpa_t f = frame_with(0x1111);
	struct probe p;

	if (!CHECK("se_alloc", f != 0))
		return;
	vm_map(kernel_root, g, f, 0);                       /* read-only */
	CHECK_EQ("se_map_read", rd(g), 0x1111);
	p = probe_write(g, 0x2222);
	CHECK("se_ro_write_faults", is_pf(p, PF_P | PF_W, g));
	CHECK_EQ("se_ro_write_no_effect", *(volatile u64 *)f, 0x1111);

	vm_protect(kernel_root, g, PTE_W);                  /* with INVLPG */
	p = probe_write(g, 0x3333);
	CHECK("se_rw_write_ok", !p.faulted);
	CHECK_EQ("se_rw_write_value", *(volatile u64 *)f, 0x3333);

	vm_protect(kernel_root, g, 0);
	p = probe_write(g, 0x4444);
	CHECK("se_ro_again_faults", is_pf(p, PF_P | PF_W, g));

	/* RO -> RW without INVLPG: the next write must still work (a stale
	 * read-only entry may only cost the hypervisor a spurious exit). */
	u64 *pte = vm_leaf(kernel_root, g, NULL);
	*pte |= PTE_W;
	p = probe_write(g, 0x5555);
	CHECK("se_upgrade_no_invlpg", !p.faulted);
	CHECK_EQ("se_upgrade_no_invlpg_value", *(volatile u64 *)f, 0x5555);

	vm_unmap(kernel_root, g);
	p = probe_read(g);
	CHECK("se_unmap_faults", is_pf(p, 0, g));
}

static void phase_remap(void)
{
	gva_t g = fresh_gva();
	gpa_t f1 = frame_with(0xa1), f2 = frame_with(0xa2), f3 = frame_with(0xa3);

	if (!CHECK("se_remap_alloc", f1 && f2 && f3))
		return;
	vm_map(kernel_root, g, f1, PTE_W);
	CHECK_EQ("se_remap_first", rd(g), 0xa1);
	vm_map(kernel_root, g, f2, PTE_W);                  /* with INVLPG */
	CHECK_EQ("se_remap_invlpg", rd(g), 0xa2);
	*(volatile u64 *)g = 0xb2;
	CHECK_EQ("se_remap_write_lands", *(volatile u64 *)f2, 0xb2);
	CHECK_EQ("se_remap_old_untouched", *(volatile u64 *)f1, 0xa1);
	u64 *pte = vm_leaf(kernel_root, g, NULL);
	*pte = (*pte & ~PTE_ADDR) | f3;                     /* no INVLPG yet */
	invlpg(g);
	CHECK_EQ("se_remap_later_invlpg", rd(g), 0xa3);
	vm_unmap(kernel_root, g);
}

static void phase_burst(void)
{
	gva_t base = fresh_gva();
	gpa_t f[64];
	u64 bad = 0;

	next_gva = (next_gva + 64 * PAGE_SIZE + 0x1fffff) & ~0x1fffffull;
	for (int i = 0; i < 64; i++) {
		f[i] = frame_with(0xc000 + (u64)i);
		if (!f[i] || vm_map(kernel_root, base + (u64)i * PAGE_SIZE, f[i], PTE_W))
			bad++;
	}
	for (int i = 0; i < 64; i++)
		bad += rd(base + (u64)i * PAGE_SIZE) != 0xc000 + (u64)i;
	/* Rotate the frames: page i now shows frame i+1, all without INVLPG,
	 * then one CR3 reload makes it all visible (a TLB flush). */
	for (int i = 0; i < 64; i++) {
		u64 *pte = vm_leaf(kernel_root, base + (u64)i * PAGE_SIZE, NULL);
		*pte = (*pte & ~PTE_ADDR) | f[(i + 1) % 64];
	}
	vm_switch(kernel_root);
	for (int i = 0; i < 64; i++)
		bad += rd(base + (u64)i * PAGE_SIZE) != 0xc000 + (u64)((i + 1) % 64);
	CHECKF("se_burst", bad == 0, "%lu of 128 reads wrong", bad);
	for (int i = 0; i < 64; i++)
		vm_unmap(kernel_root, base + (u64)i * PAGE_SIZE);
}

/* A live page directory wiped with REP STOSQ (not a MOV: under mmu=shadow
 * hv cannot emulate it, unshadows the frame and lets the guest redo it).
 * Everything mapped through it (this 1 GiB of REGION) is gone after. */
static void phase_wipe_table(void)
{
	next_gva = (next_gva + 0x1fffff) & ~0x1fffffull;   /* a page table of its own */
	gva_t g = fresh_gva();
	gpa_t f = frame_with(0xf00d);

	if (!CHECK("se_wipe_alloc", f != 0))
		return;
	vm_map(kernel_root, g, f, PTE_W);
	CHECK_EQ("se_wipe_before", rd(g), 0xf00d);
	/* The page directory above g: an upper-level table, which the shadow
	 * MMU never leaves unsync, so the write traps. */
	u64 *pml4 = (u64 *)kernel_root;
	u64 *pdpt = (u64 *)(pml4[(g >> 39) & 511] & PTE_ADDR);
	u64 *pd = (u64 *)(pdpt[(g >> 30) & 511] & PTE_ADDR);
	u64 n = PAGE_SIZE / 8;
	__asm__ volatile("rep stosq" : "+D"(pd), "+c"(n) : "a"(0ull) : "memory");
	invlpg(g);
	struct probe p = probe_read(g);
	CHECK("se_wipe_unmapped", is_pf(p, 0, g));
	next_gva = REGION + (1ull << 30);                  /* past the wiped directory */
}

static void phase_cr3(void)
{
	gpa_t roots[NR_SPACES];
	u64 bad = 0;

	for (int i = 0; i < NR_SPACES; i++) {
		roots[i] = vm_clone_root(kernel_root);
		gpa_t f = frame_with(0xd00 + (u64)i);
		if (!roots[i] || !f || vm_map(roots[i], CR3_GVA, f, PTE_W)) {
			CHECK("se_cr3_alloc", false);
			return;
		}
	}
	for (int round = 0; round < 3; round++)
		for (int i = 0; i < NR_SPACES; i++) {
			vm_switch(roots[i]);
			bad += rd(CR3_GVA) != 0xd00 + (u64)i;
			bad += vm_current_root() != roots[i];
		}
	vm_switch(kernel_root);
	CHECKF("se_cr3_spaces", bad == 0, "%lu wrong reads over 3 rounds of %d spaces", bad, NR_SPACES);
	struct probe p = probe_read(CR3_GVA);
	CHECK("se_cr3_kernel_unmapped", is_pf(p, 0, CR3_GVA));
}

static void phase_2m(void)
{
	gpa_t f = frames_alloc_contig(512, PAGE_SIZE_2M);
	u64 bad = 0;

	if (!CHECK("se_2m_alloc", f != 0))
		return;
	for (u64 k = 0; k < 512; k += 37)
		*(volatile u64 *)(f + k * PAGE_SIZE + 8) = 0xe000 + k;
	vm_map_2m(kernel_root, BIG_GVA, f, PTE_W);
	for (u64 k = 0; k < 512; k += 37)
		bad += rd(BIG_GVA + k * PAGE_SIZE + 8) != 0xe000 + k;
	*(volatile u64 *)(BIG_GVA + 5 * PAGE_SIZE) = 0xe5;
	bad += *(volatile u64 *)(f + 5 * PAGE_SIZE) != 0xe5;
	CHECKF("se_2m_reads", bad == 0, "%lu wrong", bad);
	vm_protect(kernel_root, BIG_GVA, 0);
	struct probe p = probe_write(BIG_GVA + 3 * PAGE_SIZE, 1);
	CHECK("se_2m_ro_faults", is_pf(p, PF_P | PF_W, BIG_GVA + 3 * PAGE_SIZE));
	vm_unmap(kernel_root, BIG_GVA);
	p = probe_read(BIG_GVA + 7 * PAGE_SIZE);
	CHECK("se_2m_unmap_faults", is_pf(p, 0, BIG_GVA + 7 * PAGE_SIZE));
}

struct invpcid_desc { u64 pcid, addr; };

static void invpcid(u64 type, const struct invpcid_desc *d)
{
	__asm__ volatile("invpcid %0, %1" :: "m"(*d), "r"(type) : "memory");
}

static void phase_invpcid(void)
{
	static const char *const names[4] = { "se_invpcid_addr", "se_invpcid_single",
					      "se_invpcid_all_global", "se_invpcid_all" };
	gva_t g = fresh_gva();
	gpa_t f[5];                 /* f[0] first, then one new frame per type */

	if (cpuid(0, 0).eax < 7 || !(cpuid(7, 0).ebx & BIT(10))) {
		CHECKF("se_invpcid_skipped", true, "not advertised: CPUID.(EAX=7,ECX=0):EBX[10] is 0");
		return;
	}
	for (int i = 0; i < 5; i++)
		f[i] = frame_with(0xc0 + i);
	if (!CHECK("se_invpcid_alloc", f[0] && f[1] && f[2] && f[3] && f[4]))
		return;
	vm_map(kernel_root, g, f[0], PTE_W);
	for (u64 type = 0; type < 4; type++) {
		int next = (int)type + 1;
		(void)rd(g);                                /* the translation is cached */
		u64 *pte = vm_leaf(kernel_root, g, NULL);
		*pte = (*pte & ~PTE_ADDR) | f[next];        /* no INVLPG */
		struct invpcid_desc d = { 0, g };
		invpcid(type, &d);
		CHECK_EQ(names[type], rd(g), 0xc0 + next);
	}
	vm_unmap(kernel_root, g);
}

int main(void)
{
	phase_map_perm_unmap();
	phase_remap();
	phase_burst();
	phase_wipe_table();
	phase_cr3();
	phase_2m();
	phase_invpcid();
	return check_exit_code();
}
