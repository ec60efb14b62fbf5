/*
 * paging32: a guest that runs in 32-bit protected mode on its own page
 * tables, in one of the two legacy paging modes (issue #4):
 *
 *   mode=32    32-bit paging, 4 KiB pages and 4 MiB pages (CR4.PSE)
 *   mode=pae   PAE paging, 4 KiB and 2 MiB pages, XD with EFER.NXE
 *
 * It edits its tables the ways an OS does and checks what it reads and
 * which faults it takes: several mappings and aliases, map / unmap /
 * permission change / remap with INVLPG and with a CR3 reload, a new
 * mapping used without any flush, writes to read-only pages (#PF error
 * code and CR2), user/supervisor checks from ring 3, the A/D bits the CPU
 * sets, large pages, two address spaces switched by CR3, CR4.PGE, the PAE
 * PDPTE rules, XD, and INVPCID when CPUID advertises it.
 *
 * Under hv with mmu=shadow every one of these is a path of the shadow MMU:
 * the guest's tables are write-protected or unsync, CR3/CR4 writes and
 * INVLPG/INVPCID are sync points, faults are the walker's to classify.
 *
 * With more than one CPU (hvlab's HC_INFO_NR_VCPUS, or vcpus=N natively
 * with QEMU -smp N) it then starts the others (smp32.c, through ap32.S's
 * 32-bit trampoline into this CPU's paging mode) and runs mp32.c on all:
 * private map / remap / read-only / unmap rounds with INVLPG and CR3
 * reloads in one shared page table, a shootdown of this CPU's edits by
 * INVLPG or CR3 reload on every AP, and (PAE) a PDPTE change each CPU must
 * see after its own MOV CR3. Under mmu=shadow every vCPU has shadow roots
 * (and PAE PDPTE registers) of its own: these are the concurrent paths.
 * rounds=N (default 16) makes that workload longer.
 *
 * With matrix=32|pae|both on the line it runs the permission matrix of
 * those modes instead (matrix.c, checked against model32.c).
 * The check lines must be the same natively, with mmu=tdp and with
 * mmu=shadow (hv/test/paging32-check.sh).
 *
 * Physical layout (guest needs mem >= 16 MiB):
 *   32 KiB       the APs' trampoline (ap32.S, copied there: SIPI vector 8)
 *   1 MiB        the image (code, data, page-table pool, stacks)
 *   8 MiB        test frames FR(0..31), each word = frame << 24 | offset
 *   9 MiB        mp32.c's frames SF(0..159)
 *   12 MiB       a 4 MiB region for the large page (4 MiB and 2 MiB aligned)
 * Virtual: 0..16 MiB identity (4 KiB pages, U/S=1 so ring 3 can run the
 * guest's code), tests at TV = 1 GiB (PDPTE 1 in PAE), the large page at
 * 2 GiB (PDPTE 2); with several CPUs mp32.c's pages at 1.25 GiB and the
 * local APIC at 0xFEE00000 (uncached).
 */
#include "pt32.h"
#include "matrix.h"
#include "mp32.h"
#include "smp32.h"

#define IDENTITY_END  (16u << 20)
#define FRAMES        0x800000u
#define FR(i)         (FRAMES + (u32)(i) * PAGE32)
#define LARGE_PA      0xC00000u
#define TV            0x40000000u
#define LV            0x80000000u

static const char *prefix;             /* "pg32" or "pae" */
static struct aspace as1, as2;
static bool nx_on;

/* Test names: prefix_suffix, from a ring of buffers (names are printed
 * before the next dozen are made). */
static const char *N(const char *suffix)
{
	static char names[16][48];
	static u32 next;
	char *n = names[next++ % 16];
	snprintf(n, sizeof(names[0]), "%s_%s", prefix, suffix);
	return n;
}

static u32 val(u32 frame, u32 off) { return frame << 24 | off; }

static void fill_frames(void)
{
	for (u32 f = 0; f < 32; f++)
		for (u32 off = 0; off < PAGE32; off += 4)
			*(volatile u32 *)(FR(f) + off) = val(f, off);
	for (u32 off = 0; off < (4u << 20); off += PAGE32)
		*(volatile u32 *)(LARGE_PA + off) = 0x4c000000u | off;   /* one word per 4 KiB */
}

static u64 leaf(struct aspace *as, u32 va) { return ent_get(as_entry(as, va, 1)); }
static void set_leaf(struct aspace *as, u32 va, u64 v) { ent_set(as_entry(as, va, 1), v); }
static void reload_cr3(void) { write_cr3(read_cr3()); }

/* A read that must fault: the #PF's error code and CR2. */
static void expect_pf(const char *name, u32 va, bool write, u32 want_error)
{
	fault_reset();
	u32 r = write ? probe_write32(va, 0x5a5a5a5a) : probe_read32(va);
	CHECK32F(name, r == PROBE_FAULTED && last_fault.count == 1 && last_fault.vector == 14 &&
		 last_fault.error == want_error && last_fault.cr2 == va,
		 "result 0x%x faults %u vector %u error 0x%x cr2 0x%x (want #PF 0x%x at 0x%x)",
		 r, last_fault.count, last_fault.vector, last_fault.error, last_fault.cr2,
		 want_error, va);
}

static void expect_read(const char *name, u32 va, u32 want)
{
	fault_reset();
	u32 r = probe_read32(va);
	CHECK32F(name, r == want && last_fault.count == 0,
		 "read 0x%x at 0x%x, want 0x%x (faults %u, error 0x%x)", r, va, want,
		 last_fault.count, last_fault.error);
}

/* ---- turning paging on ---- */
static void paging_on(void)
{
	for (u32 pa = 0; pa < IDENTITY_END; pa += PAGE32) {
		as_map(&as1, pa, pa, PTE_P | PTE_RW | PTE_US, false);
		as_map(&as2, pa, pa, PTE_P | PTE_RW | PTE_US, false);
	}
	if (pt_mode == PT_MODE_32) {
		write_cr4(read_cr4() | CR4_PSE);
		write_cr3(as1.root);
	} else {
		write_cr4(read_cr4() | CR4_PAE);
		write_cr3(as1.root);
		/* XD needs EFER.NXE, which needs CPUID 0x80000001 EDX[20]. */
		if (cpuid32(0x80000000, 0).eax >= 0x80000001 &&
		    (cpuid32(0x80000001, 0).edx & BIT32(20))) {
			wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_NXE);
			nx_on = true;
		}
	}
	write_cr0(read_cr0() | CR0_PG | CR0_WP);
}

/* Before paging: under mmu=shadow the CPU already runs with CR0.PG and
 * CR4.PAE (on a direct root), but the guest must read back its own. */
static u32 cr0_before, cr4_before;

static void test_registers(void)
{
	CHECK32F(N("cr0_before_paging"), !(cr0_before & CR0_PG), "cr0 0x%x", cr0_before);
	CHECK32F(N("cr4_before_paging"), !(cr4_before & (CR4_PAE | CR4_PSE)), "cr4 0x%x", cr4_before);
	u32 cr4 = read_cr4();
	CHECK32(N("cr0_pg"), (read_cr0() & (CR0_PG | CR0_WP)) == (CR0_PG | CR0_WP));
	CHECK32_EQ(N("cr3_readback"), read_cr3(), as1.root);
	/* Under mmu=shadow the CPU runs PAE paging for a 32-bit guest: the
	 * guest must still read back the CR4 it wrote. */
	if (pt_mode == PT_MODE_32)
		CHECK32F(N("cr4_readback"), (cr4 & (CR4_PAE | CR4_PSE)) == CR4_PSE, "cr4 0x%x", cr4);
	else
		CHECK32F(N("cr4_readback"), (cr4 & CR4_PAE) == CR4_PAE, "cr4 0x%x", cr4);
}

/* ---- map, alias, unmap, remap, permissions ---- */
static void test_mappings(void)
{
	u32 i, bad = 0;

	for (i = 0; i < 8; i++)
		as_map(&as1, TV + i * PAGE32, FR(7 - i), PTE_P | PTE_RW, false);
	for (i = 0; i < 8; i++)
		if (probe_read32(TV + i * PAGE32 + 0x10) != val(7 - i, 0x10))
			bad++;
	CHECK32F(N("map_several"), bad == 0, "%u of 8 pages read wrong", bad);

	/* Two virtual pages on one frame: a write through one is read through
	 * the other and through the identity map. */
	as_map(&as1, TV + 0x10000, FR(8), PTE_P | PTE_RW, false);
	as_map(&as1, TV + 0x11000, FR(8), PTE_P | PTE_RW, false);
	*(volatile u32 *)(TV + 0x10020) = 0x12345678;
	expect_read(N("alias_read"), TV + 0x11020, 0x12345678);
	CHECK32_EQ(N("alias_phys"), *(volatile u32 *)(FR(8) + 0x20), 0x12345678);

	/* Not present, then present without any flush: a CPU caches no
	 * not-present translation (SDM 4.10.2.3), so no INVLPG is needed. */
	expect_pf(N("unmapped_faults"), TV + 0x20000, false, 0x0);
	as_map(&as1, TV + 0x20000, FR(9), PTE_P | PTE_RW, false);
	expect_read(N("map_without_flush"), TV + 0x20040, val(9, 0x40));

	/* Unmap: with INVLPG, and with a CR3 reload. */
	set_leaf(&as1, TV, leaf(&as1, TV) & ~PTE_P);
	invlpg32(TV);
	expect_pf(N("unmap_invlpg"), TV, false, 0x0);
	set_leaf(&as1, TV + 0x1000, leaf(&as1, TV + 0x1000) & ~PTE_P);
	reload_cr3();
	expect_pf(N("unmap_cr3_reload"), TV + 0x1008, true, 0x2);

	/* Remap to another frame. */
	set_leaf(&as1, TV + 0x2000, FR(10) | PTE_P | PTE_RW);
	invlpg32(TV + 0x2000);
	expect_read(N("remap_invlpg"), TV + 0x2010, val(10, 0x10));
	set_leaf(&as1, TV + 0x3000, FR(11) | PTE_P | PTE_RW);
	reload_cr3();
	expect_read(N("remap_cr3_reload"), TV + 0x3010, val(11, 0x10));

	/* Read-only (CR0.WP=1: supervisor writes honour R/W too). */
	u32 ro = TV + 0x4000;       /* FR(3) */
	set_leaf(&as1, ro, leaf(&as1, ro) & ~PTE_RW);
	invlpg32(ro);
	expect_pf(N("ro_write_faults"), ro + 0x30, true, 0x3);
	CHECK32_EQ(N("ro_write_dropped"), *(volatile u32 *)(FR(3) + 0x30), val(3, 0x30));
	expect_read(N("ro_read"), ro + 0x30, val(3, 0x30));
	/* Write access back without a flush: a CPU may fault once on its stale
	 * read-only entry (and drops it then, SDM 4.10.4.3); an OS retries. */
	set_leaf(&as1, ro, leaf(&as1, ro) | PTE_RW);
	fault_reset();
	u32 r = probe_write32(ro + 0x30, 0xabcd0123);
	if (r == PROBE_FAULTED)
		r = probe_write32(ro + 0x30, 0xabcd0123);
	CHECK32F(N("rw_upgrade_no_flush"), r == 0 && *(volatile u32 *)(FR(3) + 0x30) == 0xabcd0123,
		 "write result 0x%x after %u faults, memory 0x%x", r, last_fault.count,
		 *(volatile u32 *)(FR(3) + 0x30));
}

/* ---- accessed and dirty ---- */
static void test_ad(void)
{
	u32 va = TV + 0x5000;       /* FR(2) */
	set_leaf(&as1, va, leaf(&as1, va) & ~(PTE_A | PTE_D));
	ent_set(as_entry(&as1, va, 2), ent_get(as_entry(&as1, va, 2)) & ~PTE_A);
	invlpg32(va);
	(void)probe_read32(va);
	u64 e = leaf(&as1, va);
	CHECK32F(N("ad_read_sets_a"), (e & (PTE_A | PTE_D)) == PTE_A, "pte 0x%x", (u32)e);
	CHECK32F(N("ad_read_sets_pde_a"), ent_get(as_entry(&as1, va, 2)) & PTE_A, "pde 0x%x",
		 (u32)ent_get(as_entry(&as1, va, 2)));
	(void)probe_write32(va + 4, 7);
	e = leaf(&as1, va);
	CHECK32F(N("ad_write_sets_d"), (e & (PTE_A | PTE_D)) == (PTE_A | PTE_D), "pte 0x%x", (u32)e);
}

/* ---- large pages: 4 MiB (PSE) or 2 MiB (PAE) ---- */
static void test_large(void)
{
	u32 size = large_page_size(), bad = 0;
	u32 offs[4] = { 0, 0x1000, size / 2 + 0x3000, size - PAGE32 };

	as_map(&as1, LV, LARGE_PA, PTE_P | PTE_RW, true);
	fault_reset();
	for (u32 i = 0; i < 4; i++)
		if (probe_read32(LV + offs[i]) != (0x4c000000u | offs[i]))
			bad++;
	CHECK32F(N("large_read"), bad == 0 && last_fault.count == 0, "%u of 4 reads wrong", bad);
	void *pde = as_entry(&as1, LV, 2);
	CHECK32F(N("large_a"), (ent_get(pde) & (PTE_A | PTE_D)) == PTE_A, "pde 0x%x", (u32)ent_get(pde));
	*(volatile u32 *)(LV + size - 8) = 0x600df00d;
	CHECK32F(N("large_d"), ent_get(pde) & PTE_D, "pde 0x%x", (u32)ent_get(pde));
	CHECK32_EQ(N("large_write_phys"), *(volatile u32 *)(LARGE_PA + size - 8), 0x600df00d);
	ent_set(pde, ent_get(pde) & ~PTE_RW);
	invlpg32(LV + size - PAGE32);      /* any address in the page drops it */
	expect_pf(N("large_ro_faults"), LV + 0x2000, true, 0x3);
	ent_set(pde, 0);
	invlpg32(LV);
	expect_pf(N("large_unmap"), LV + size / 2, false, 0x0);
}

/* ---- two address spaces ---- */
static void test_cr3_switch(void)
{
	u32 sv = TV + 0x30000, bad = 0;

	as_map(&as1, sv, FR(12), PTE_P | PTE_RW, false);
	as_map(&as2, sv, FR(13), PTE_P | PTE_RW, false);
	for (int i = 0; i < 4; i++) {
		write_cr3(as2.root);
		bad += probe_read32(sv) != val(13, 0);
		write_cr3(as1.root);
		bad += probe_read32(sv) != val(12, 0);
	}
	CHECK32F(N("cr3_switch"), bad == 0, "%u of 8 reads wrong", bad);
	/* Edit the address space that is not loaded, then load it. */
	set_leaf(&as2, sv, FR(14) | PTE_P | PTE_RW);
	write_cr3(as2.root);
	expect_read(N("cr3_edit_inactive"), sv + 0x80, val(14, 0x80));
	CHECK32_EQ(N("cr3_readback_as2"), read_cr3(), as2.root);
	write_cr3(as1.root);
	expect_read(N("cr3_back"), sv + 0x80, val(12, 0x80));
}

/* ---- global pages: a CR4.PGE toggle flushes them (SDM 4.10.4.1) ---- */
static void test_global(void)
{
	if (!(cpuid32(1, 0).edx & BIT32(13))) {
		CHECK32F(N("pge_skipped"), true, "CPUID.1:EDX[13] (PGE) is 0");
		return;
	}
	u32 gv = TV + 0x31000;
	write_cr4(read_cr4() | CR4_PGE);
	as_map(&as1, gv, FR(24), PTE_P | PTE_RW | PTE_G, false);
	expect_read(N("global_read"), gv, val(24, 0));
	set_leaf(&as1, gv, FR(25) | PTE_P | PTE_RW | PTE_G);
	write_cr4(read_cr4() & ~CR4_PGE);
	write_cr4(read_cr4() | CR4_PGE);
	expect_read(N("global_pge_toggle"), gv, val(25, 0));
	write_cr4(read_cr4() & ~CR4_PGE);
}

/* ---- ring 3 ---- */
static void test_user(void)
{
	u32 uv = TV + 0x40000;
	as_map(&as1, uv, FR(15), PTE_P | PTE_RW | PTE_US, false);
	as_map(&as1, uv + 0x1000, FR(16), PTE_P | PTE_RW, false);            /* supervisor */
	as_map(&as1, uv + 0x2000, FR(17), PTE_P | PTE_US, false);            /* user, read-only */

	fault_reset();
	u32 r = user_call(user_read, uv + 0x10, 0);
	CHECK32F(N("user_read_user"), r == val(15, 0x10), "read 0x%x (faults %u)", r, last_fault.count);
	r = user_call(user_write, uv + 0x14, 0x31337);
	CHECK32F(N("user_write_user"), r == 0 && *(volatile u32 *)(FR(15) + 0x14) == 0x31337,
		 "result 0x%x", r);

	fault_reset();
	r = user_call(user_read, uv + 0x1010, 0);
	CHECK32F(N("user_read_super"), r == PROBE_FAULTED && last_fault.user &&
		 last_fault.error == 0x5 && last_fault.cr2 == uv + 0x1010,
		 "result 0x%x error 0x%x cr2 0x%x (want #PF 0x5)", r, last_fault.error, last_fault.cr2);
	fault_reset();
	r = user_call(user_write, uv + 0x2010, 1);
	CHECK32F(N("user_write_ro"), r == PROBE_FAULTED && last_fault.error == 0x7 &&
		 last_fault.cr2 == uv + 0x2010,
		 "result 0x%x error 0x%x cr2 0x%x (want #PF 0x7)", r, last_fault.error, last_fault.cr2);
	expect_read(N("super_read_user_page"), uv + 0x2010, val(17, 0x10));
}

/* ---- instruction fetch and XD ---- */
static void test_fetch(void)
{
	u32 xv = TV + 0x50000;
	*(volatile u8 *)FR(18) = 0xc3;                 /* RET */
	*(volatile u8 *)FR(19) = 0xc3;
	as_map(&as1, xv, FR(18), PTE_P | PTE_RW, false);
	fault_reset();
	CHECK32F(N("fetch_ok"), probe_fetch(xv) == 0, "faults %u, error 0x%x", last_fault.count, last_fault.error);
	if (pt_mode != PT_MODE_PAE)
		return;
	if (!nx_on) {
		CHECK32F(N("xd_skipped"), true, "CPUID.80000001H:EDX[20] (NX) is 0");
		return;
	}
	as_map(&as1, xv + 0x1000, FR(19), PTE_P | PTE_RW | PTE_XD, false);
	fault_reset();
	u32 r = probe_fetch(xv + 0x1000);
	CHECK32F(N("xd_fetch_faults"), r == PROBE_FAULTED && last_fault.error == 0x11 &&
		 last_fault.cr2 == xv + 0x1000, "result 0x%x error 0x%x cr2 0x%x (want #PF 0x11)",
		 r, last_fault.error, last_fault.cr2);
	expect_read(N("xd_read_ok"), xv + 0x1000, val(19, 0) | 0xc3);
}

/* ---- PAE: the PDPTEs are loaded at MOV CR3; a reserved bit in a present
 * one is #GP(0) there (Intel SDM 4.4.1). AMD CPUs read them at walk time
 * without nested paging... and QEMU never checks: there the load may
 * succeed, and the guest puts its CR3 back at once (its code runs through
 * PDPTE 0, which is valid). ---- */
static void test_pdpte(void)
{
	u32 bad = pt_alloc_page();
	memcpy((void *)bad, (void *)as1.root, 32);
	((u64 *)bad)[3] = (u64)pt_alloc_page() | PTE_P | PTE_RW;   /* R/W: reserved in a PDPTE */
	fault_reset();
	u32 r = probe_mov_cr3(bad);
	bool gp = r == PROBE_FAULTED && last_fault.vector == 13 && last_fault.error == 0;
	if (r != PROBE_FAULTED)
		write_cr3(as1.root);
	if (cpu_intel())
		CHECK32F(N("pdpte_rsvd_gp"), gp, "MOV CR3 with a reserved PDPTE bit: result 0x%x vector %u",
			 r, last_fault.vector);
	else
		CHECK32F(N("pdpte_rsvd_gp"), gp || r == 0, "result 0x%x vector %u (%s)", r,
			 last_fault.vector, gp ? "#GP" : "loaded: AMD/QEMU check PDPTEs at walk time");
	CHECK32_EQ(N("pdpte_cr3_kept"), read_cr3(), as1.root);
	expect_read(N("pdpte_after"), TV + 0x2010, val(10, 0x10));

	/* The registers, not memory: point PDPTE 3 at a new PD that maps gv.
	 * Intel walks through the PDPTE loaded at the last MOV CR3 (the old,
	 * empty PD: #PF) until CR3 is loaded again; AMD and QEMU may read the
	 * new one at once. */
	u32 gv = 0xC0005000u, pd = pt_alloc_page(), pt = pt_alloc_page();
	u64 *pdpt = (u64 *)as1.root, old = ent_get(&pdpt[3]);
	ent_set((u64 *)pd + ((gv >> 21) & 511), pt | PTE_P | PTE_RW | PTE_US);
	ent_set((u64 *)pt + ((gv >> 12) & 511), FR(26) | PTE_P | PTE_RW);
	ent_set(&pdpt[3], pd | PTE_P);
	fault_reset();
	r = probe_read32(gv);
	if (cpu_intel())
		CHECK32F(N("pdpte_edit_needs_cr3"), r == PROBE_FAULTED && last_fault.error == 0,
			 "read 0x%x, faults %u error 0x%x (want #PF 0: the old PDPTE)", r,
			 last_fault.count, last_fault.error);
	else
		CHECK32F(N("pdpte_edit_needs_cr3"), r == PROBE_FAULTED || r == val(26, 0),
			 "read 0x%x (%s)", r, r == PROBE_FAULTED ? "old PDPTE, as Intel"
								: "new PDPTE: read at walk time");
	reload_cr3();
	expect_read(N("pdpte_edit_after_cr3"), gv + 0x20, val(26, 0x20));
	ent_set(&pdpt[3], old);
	reload_cr3();
}

/* ---- INVPCID (CPUID.(EAX=7,ECX=0):EBX[10]): with CR4.PCIDE=0 only PCID 0
 * exists. Each type must drop the stale translation the guest leaves
 * behind by remapping a page without INVLPG. ---- */
struct invpcid_desc { u64 pcid, addr; };

static void test_invpcid(void)
{
	if (cpuid32(0, 0).eax < 7 || !(cpuid32(7, 0).ebx & BIT32(10))) {
		CHECK32F(N("invpcid_skipped"), true, "not advertised: CPUID.(EAX=7,ECX=0):EBX[10] is 0");
		return;
	}
	u32 iv = TV + 0x60000;
	static const char *const names[4] = { "invpcid_addr", "invpcid_single", "invpcid_all_global",
					      "invpcid_all" };
	as_map(&as1, iv, FR(20), PTE_P | PTE_RW, false);
	for (u32 type = 0; type < 4; type++) {
		u32 before = probe_read32(iv);             /* the translation is cached now */
		u32 next = 20 + ((before >> 24) - 19) % 4; /* FR(20..23) in turn */
		set_leaf(&as1, iv, FR(next) | PTE_P | PTE_RW);
		struct invpcid_desc d = { 0, iv };
		fault_reset();
		u32 r = probe_invpcid(type, &d);
		u32 after = probe_read32(iv);
		CHECK32F(N(names[type]), r == 0 && after == val(next, 0),
			 "type %u: result 0x%x, read 0x%x want 0x%x (was 0x%x)", type, r, after,
			 val(next, 0), before);
	}
	struct invpcid_desc d = { 0, iv };
	fault_reset();
	u32 r = probe_invpcid(4, &d);
	CHECK32F(N("invpcid_bad_type_gp"), r == PROBE_FAULTED && last_fault.vector == 13 &&
		 last_fault.error == 0, "result 0x%x vector %u", r, last_fault.vector);
	/* Types 0 and 1 name a PCID: with CR4.PCIDE=0 it must be 0. */
	d.pcid = 1;
	fault_reset();
	r = probe_invpcid(1, &d);
	CHECK32F(N("invpcid_pcid_without_pcide_gp"), r == PROBE_FAULTED && last_fault.vector == 13,
		 "result 0x%x vector %u", r, last_fault.vector);
	/* Bits 63:12 of the descriptor's first quadword are reserved. */
	d.pcid = 1ull << 40;
	fault_reset();
	r = probe_invpcid(2, &d);
	CHECK32F(N("invpcid_rsvd_desc_gp"), r == PROBE_FAULTED && last_fault.vector == 13,
		 "result 0x%x vector %u", r, last_fault.vector);
}

int main32(u32 magic, u32 mbi)
{
	console32_init();
	cmdline32_set(magic, mbi);
	const char *mode = cmdline32_value("mode");
	const char *matrix = cmdline32_value("matrix");
	if (matrix)
		return matrix_main(matrix);      /* the permission matrix instead (matrix.c) */
	if (!mode || word_eq(mode, "32")) {
		prefix = "pg32";
		pt_init(PT_MODE_32);
	} else if (word_eq(mode, "pae")) {
		prefix = "pae";
		pt_init(PT_MODE_PAE);
	} else {
		printf32("paging32: bad mode= on the command line: use mode=32 (32-bit paging) "
			 "or mode=pae (PAE paging)\n");
		return 2;
	}
	u32 cpus = smp32_nr_cpus();
	if (!cpus)
		return 2;
	const char *rounds = cmdline32_value("rounds");
	if (rounds && !mp32_set_rounds(rounds))
		return 2;
	printf32("paging32: %s paging, %s, %s, %u CPU(s)\n", pt_mode == PT_MODE_PAE ? "PAE" : "32-bit",
		 under_hv() ? "under hvlab" : "native", cpu_intel() ? "Intel" : "AMD", cpus);
	as_init(&as1);
	as_init(&as2);
	fill_frames();
	cr0_before = read_cr0();
	cr4_before = read_cr4();
	paging_on();
	test_registers();
	test_mappings();
	test_ad();
	test_large();
	test_cr3_switch();
	test_global();
	test_user();
	test_fetch();
	if (pt_mode == PT_MODE_PAE)
		test_pdpte();
	test_invpcid();
	if (cpus > 1)
		mp32_run(cpus, &as1, &as2, prefix);   /* the other CPUs join (mp32.c) */
	printf32("paging32: %s done, %d check(s) failed\n", prefix, check32_failures());
	return check32_failures() ? 1 : 0;
}
