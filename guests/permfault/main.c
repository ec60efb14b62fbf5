/*
 * permfault: page-fault permission checks on the guest's own page tables
 * (SDM Vol. 3A 4.6 "Access Rights", 4.7 "Page-Fault Exceptions"). Each
 * case maps a frame at a fresh gva, makes one access through probe.h and
 * checks whether it faulted, the error code and CR2. Runs natively too:
 * it is the seed of the shadow-MMU permission matrix.
 *
 *   case                         access   expected
 *   read-only page               read     ok
 *   read-only page (CR0.WP=1)    write    #PF P|W
 *   read-only page (CR0.WP=0)    write    ok (supervisor ignores R/W)
 *   made writable (vm_protect)   write    ok
 *   unmapped                     read     #PF 0, write #PF W
 *   user page, SMAP off          r/w      ok
 *   user page, SMAP on           read     #PF P           (if CPUID has SMAP)
 *   user page, SMEP on           fetch    #PF P|I/D       (if CPUID has SMEP)
 *   NX page, EFER.NXE            fetch    #PF P|I/D
 *   executable page              fetch    ok
 *   reserved bit 51 in the PTE   read     #PF RSVD        (if MAXPHYADDR < 52)
 *   2 MiB page made read-only    write    #PF P|W
 *   page only in another CR3     read     ok there, #PF after switching back
 *   A and D bits                 write    set by the CPU in the leaf
 */
#include "guest.h"

#define RET_OPCODE 0xc3

static gva_t next_gva = 0x10000000000ull;   /* 1 TiB: PML4 slot 2, nothing else there */

/* A zeroed frame mapped at a fresh gva with flags; returns the gva. */
static gva_t fresh(u64 flags, gpa_t *frame)
{
	gpa_t f = frame_alloc();
	gva_t gva = next_gva;

	next_gva += 16 * PAGE_SIZE;   /* leave gaps: neighbours stay unmapped */
	vm_map(kernel_root, gva, f, flags);
	if (frame)
		*frame = f;
	return gva;
}

/* The fault matched: #PF with this error code at this address. */
static bool is_pf(struct probe p, u64 error, gva_t gva)
{
	return p.faulted && p.vector == VEC_PF && p.error == error && p.cr2 == gva;
}

#define CHECK_PF(name, p, err, gva) \
	CHECKF(name, is_pf(p, err, gva), "faulted=%d vector=%lu error=0x%lx cr2=0x%lx (want #PF 0x%lx at 0x%lx)", \
	       (p).faulted, (p).vector, (p).error, (p).cr2, (u64)(err), (u64)(gva))

#define CHECK_NOFAULT(name, p) \
	CHECKF(name, !(p).faulted, "faulted=%d vector=%lu error=0x%lx cr2=0x%lx", \
	       (p).faulted, (p).vector, (p).error, (p).cr2)

static void read_only(void)
{
	gpa_t f;
	gva_t g = fresh(0, &f);

	*(u64 *)f = 0x1111;
	struct probe r = probe_read(g);
	CHECK_NOFAULT("pf_ro_read", r);
	CHECK_EQ("pf_ro_read_value", r.value, 0x1111);
	CHECK_PF("pf_ro_write", probe_write(g, 0x2222), PF_P | PF_W, g);
	CHECK_EQ("pf_ro_write_no_effect", *(u64 *)f, 0x1111);

	write_cr0(read_cr0() & ~CR0_WP);
	CHECK_NOFAULT("pf_ro_write_wp0", probe_write(g, 0x3333));
	write_cr0(read_cr0() | CR0_WP);
	CHECK_EQ("pf_ro_write_wp0_value", *(u64 *)f, 0x3333);

	vm_protect(kernel_root, g, PTE_W);
	CHECK_NOFAULT("pf_protect_rw_write", probe_write(g, 0x4444));
	CHECK_EQ("pf_protect_rw_value", *(u64 *)f, 0x4444);
	vm_protect(kernel_root, g, 0);
	CHECK_PF("pf_protect_ro_write", probe_write(g, 0x5555), PF_P | PF_W, g);
}

static void not_present(void)
{
	gva_t g = fresh(PTE_W, NULL);

	CHECK_NOFAULT("pf_before_unmap", probe_read(g));
	vm_unmap(kernel_root, g);
	CHECK_PF("pf_np_read", probe_read(g), 0, g);
	CHECK_PF("pf_np_write", probe_write(g + 8, 1), PF_W, g + 8);
}

static void user_page(void)
{
	gpa_t f;
	gva_t g = fresh(PTE_W | PTE_U, &f);
	bool smap = cpuid(7, 0).ebx & BIT(20), smep = cpuid(7, 0).ebx & BIT(7);

	*(u8 *)f = RET_OPCODE;
	CHECK_NOFAULT("pf_user_read_smap_off", probe_read(g));
	CHECK_NOFAULT("pf_user_write_smap_off", probe_write(g + 8, 7));
	if (smap) {
		write_cr4(read_cr4() | CR4_SMAP);
		CHECK_PF("pf_user_read_smap_on", probe_read(g + 16), PF_P, g + 16);
		write_cr4(read_cr4() & ~CR4_SMAP);
	}
	if (smep) {
		write_cr4(read_cr4() | CR4_SMEP);
		CHECK_PF("pf_user_exec_smep_on", probe_exec(g), PF_P | PF_I, g);
		write_cr4(read_cr4() & ~CR4_SMEP);
	}
	printf("permfault: SMAP %s, SMEP %s\n", smap ? "tested" : "not in CPUID",
	       smep ? "tested" : "not in CPUID");
}

static void no_execute(void)
{
	gpa_t f;
	gva_t g = fresh(PTE_NX, &f);

	*(u8 *)f = RET_OPCODE;
	if (!cpu_has_nx()) {
		printf("permfault: no NX in CPUID, NX case not run\n");
		return;
	}
	struct probe p = probe_exec(g);
	CHECK_PF("pf_nx_exec", p, PF_P | PF_I, g);
	CHECK_EQ("pf_nx_exec_rip", p.rip, g);
	vm_protect(kernel_root, g, 0);
	CHECK_NOFAULT("pf_exec_allowed", probe_exec(g));
}

static void reserved_bit(void)
{
	u32 maxphy = cpuid(0x80000008, 0).eax & 0xff;
	gva_t g = fresh(PTE_W, NULL);

	if (maxphy >= 52)
		return;
	*vm_leaf(kernel_root, g, NULL) |= BIT(51);
	invlpg(g);
	struct probe p = probe_read(g);
	/* QEMU TCG reports RSVD without P (0x8), hardware 0x9: accept both. */
	CHECKF("pf_rsvd_read", p.faulted && p.vector == VEC_PF && (p.error & PF_RSVD) && p.cr2 == g,
	       "faulted=%d error=0x%lx cr2=0x%lx maxphyaddr=%u", p.faulted, p.error, p.cr2, maxphy);
	vm_unmap(kernel_root, g);
}

static void large_page(void)
{
	gpa_t f = frames_alloc_contig(512, PAGE_SIZE_2M);
	gva_t g = 0x20000000000ull;   /* 2 TiB, 2 MiB-aligned */

	if (!CHECK("pf_2m_alloc", f != 0))
		return;
	vm_map_2m(kernel_root, g, f, PTE_W);
	CHECK_NOFAULT("pf_2m_write", probe_write(g + 0x123458, 0xbeef));
	CHECK_EQ("pf_2m_value", *(u64 *)(f + 0x123458), 0xbeef);
	vm_protect(kernel_root, g, 0);
	CHECK_PF("pf_2m_ro_write", probe_write(g + 0x1ff000, 1), PF_P | PF_W, g + 0x1ff000);
}

static void other_root(void)
{
	gpa_t f, other = vm_clone_root(kernel_root);
	gva_t g = 0x30000000000ull;   /* 3 TiB: a PML4 slot only the clone fills */

	f = frame_alloc();
	*(u64 *)f = 0xc3c3;
	vm_map(other, g, f, PTE_W);
	vm_switch(other);
	struct probe p = probe_read(g);
	vm_switch(kernel_root);
	CHECK_NOFAULT("pf_cr3_other_read", p);
	CHECK_EQ("pf_cr3_other_value", p.value, 0xc3c3);
	CHECK_PF("pf_cr3_back_read", probe_read(g), 0, g);
}

static void accessed_dirty(void)
{
	gva_t g = fresh(PTE_W, NULL);
	u64 *pte = vm_leaf(kernel_root, g, NULL);

	CHECK_EQ("pf_ad_clear", *pte & (PTE_A | PTE_D), 0);
	probe_read(g);
	CHECK_EQ("pf_a_after_read", *pte & (PTE_A | PTE_D), PTE_A);
	probe_write(g, 1);
	CHECK_EQ("pf_ad_after_write", *pte & (PTE_A | PTE_D), PTE_A | PTE_D);
}

int main(void)
{
	if (!guest_hv())
		printf("permfault: not under hvlab (no hypercalls needed)\n");
	read_only();
	not_present();
	user_page();
	no_execute();
	reserved_bit();
	large_page();
	other_root();
	accessed_dirty();
	return check_exit_code();
}
