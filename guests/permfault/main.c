/*
 * permfault: page-fault permission checks on the guest's own page tables
 * (SDM Vol. 3A 4.6 "Access Rights", 4.7 "Page-Fault Exceptions"). Runs
 * natively too: it is the seed of the shadow-MMU permission matrix.
 *
 * matrix[] below: each row maps a frame at a fresh gva with some PTE
 * flags, sets CR0.WP / CR4.SMAP / CR4.SMEP, makes one read, write or
 * fetch through probe.h, from ring 0 or ring 3, and checks "no fault" or
 * the #PF error code and CR2. Add a row to add a case. Then the cases a table does not
 * fit:
 *
 *   vm_protect / vm_unmap of a live page    the INVLPG takes effect
 *   NX fetch                                RIP = CR2 = the page; allowed after vm_protect
 *   demand paging                           a #PF hook maps the page and resumes
 *   reserved bit 51 in the PTE              #PF with RSVD (if MAXPHYADDR < 52)
 *   2 MiB page made read-only               write: #PF P|W
 *   one identity page remapped read-only    splits a 2 MiB mapping ("pagesize=2m")
 *   RO made RW without INVLPG               at most one spurious #PF, then the write lands
 *   page only in another CR3                ok there, not present after switching back
 *   A and D bits                            set by the CPU in the leaf
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

/*
 * The matrix: one access (ring 0, or ring 3 for U*) to a page with the given PTE flags
 * under the given CR0.WP / CR4.SMAP / CR4.SMEP; expect no fault (-1) or
 * a #PF with this error code. Rows whose CPU feature is missing are not
 * run. flags 0 = not present.
 */
enum access { R, W, X, UR, UW, UX };   /* U*: the same from ring 3 */

struct perm_case {
	const char *name;
	u64 flags;
	bool wp, smap, smep;
	enum access access;
	s64 error;          /* -1: no fault */
};

#define OK (-1)

static const struct perm_case matrix[] = {
	{ "np_read",          0,                      1, 0, 0, R, 0 },
	{ "np_write",         0,                      1, 0, 0, W, PF_W },
	{ "np_fetch",         0,                      1, 0, 0, X, PF_I },
	{ "ro_read",          PTE_P,                  1, 0, 0, R, OK },
	{ "ro_write",         PTE_P,                  1, 0, 0, W, PF_P | PF_W },
	{ "ro_write_wp0",     PTE_P,                  0, 0, 0, W, OK },
	{ "ro_fetch",         PTE_P,                  1, 0, 0, X, OK },
	{ "rw_write",         PTE_P | PTE_W,          1, 0, 0, W, OK },
	{ "user_read",        PTE_P | PTE_U,          1, 0, 0, R, OK },
	{ "user_write",       PTE_P | PTE_U | PTE_W,  1, 0, 0, W, OK },
	{ "user_ro_write",    PTE_P | PTE_U,          1, 0, 0, W, PF_P | PF_W },
	{ "user_ro_write_wp0", PTE_P | PTE_U,         0, 0, 0, W, OK },
	{ "user_fetch",       PTE_P | PTE_U,          1, 0, 0, X, OK },
	{ "user_read_smap",   PTE_P | PTE_U,          1, 1, 0, R, PF_P },
	{ "user_write_smap",  PTE_P | PTE_U | PTE_W,  1, 1, 0, W, PF_P | PF_W },
	{ "user_fetch_smep",  PTE_P | PTE_U,          1, 0, 1, X, PF_P | PF_I },
	{ "user_read_smep",   PTE_P | PTE_U,          1, 0, 1, R, OK },
	{ "nx_fetch",         PTE_P | PTE_NX,         1, 0, 0, X, PF_P | PF_I },
	{ "nx_read",          PTE_P | PTE_NX,         1, 0, 0, R, OK },
	{ "nx_write_ro",      PTE_P | PTE_NX,         1, 0, 0, W, PF_P | PF_W },
	/* CPL 3 (SDM 4.6.1: user-mode accesses need U=1; R/W binds regardless of WP) */
	{ "cpl3_np_read",        0,                     1, 0, 0, UR, PF_U },
	{ "cpl3_sup_read",       PTE_P,                 1, 0, 0, UR, PF_P | PF_U },
	{ "cpl3_sup_write",      PTE_P | PTE_W,         1, 0, 0, UW, PF_P | PF_U | PF_W },
	{ "cpl3_sup_fetch",      PTE_P,                 1, 0, 0, UX, PF_P | PF_U | PF_I },
	{ "cpl3_user_read",      PTE_P | PTE_U,         1, 0, 0, UR, OK },
	{ "cpl3_user_write",     PTE_P | PTE_U | PTE_W, 1, 0, 0, UW, OK },
	{ "cpl3_user_ro_write",  PTE_P | PTE_U,         1, 0, 0, UW, PF_P | PF_U | PF_W },
	{ "cpl3_user_ro_write_wp0", PTE_P | PTE_U,      0, 0, 0, UW, PF_P | PF_U | PF_W },
	{ "cpl3_user_fetch",     PTE_P | PTE_U,         1, 0, 0, UX, OK },
	{ "cpl3_user_read_smap", PTE_P | PTE_U,         1, 1, 0, UR, OK },
	{ "cpl3_user_fetch_smep", PTE_P | PTE_U,        1, 0, 1, UX, OK },
	{ "cpl3_nx_fetch",       PTE_P | PTE_U | PTE_NX, 1, 0, 0, UX, PF_P | PF_U | PF_I },
};

static bool has_smap(void) { return cpuid(7, 0).ebx & BIT(20); }
static bool has_smep(void) { return cpuid(7, 0).ebx & BIT(7); }

static bool can_run(const struct perm_case *c)
{
	return (!c->smap || has_smap()) && (!c->smep || has_smep()) &&
	       (!(c->flags & PTE_NX) || cpu_has_nx());
}

/* Set CR0.WP, CR4.SMAP and CR4.SMEP for one case; returns the old CR0, CR4. */
static void set_mode(const struct perm_case *c, u64 *cr0, u64 *cr4)
{
	*cr0 = read_cr0();
	*cr4 = read_cr4();
	write_cr0(c->wp ? *cr0 | CR0_WP : *cr0 & ~CR0_WP);
	write_cr4((*cr4 & ~(CR4_SMAP | CR4_SMEP)) | (c->smap ? CR4_SMAP : 0) |
		  (c->smep ? CR4_SMEP : 0));
}

static struct probe access_once(gva_t g, enum access a)
{
	switch (a) {
	case R:  return probe_read(g);
	case W:  return probe_write(g + 8, 0x77);
	case X:  return probe_exec(g);
	case UR: return probe_user_read(g);
	case UW: return probe_user_write(g + 8, 0x77);
	case UX: return probe_user_exec(g);
	}
	return (struct probe){ 0 };
}

static void run_case(const struct perm_case *c)
{
	gpa_t f = frame_alloc();
	gva_t g = next_gva;
	u64 cr0, cr4;
	char name[48];

	next_gva += 16 * PAGE_SIZE;
	*(u8 *)f = RET_OPCODE;
	if (c->flags)
		vm_map(kernel_root, g, f, c->flags & ~PTE_P);
	set_mode(c, &cr0, &cr4);
	struct probe p = access_once(g, c->access);
	write_cr4(cr4);
	write_cr0(cr0);
	snprintf(name, sizeof(name), "pf_%s", c->name);
	gva_t at = (c->access == W || c->access == UW) ? g + 8 : g;
	u64 error = (u64)c->error;
	if (!cpu_has_nx() && !c->smep)
		error &= ~PF_I;   /* I/D is reported only with EFER.NXE or CR4.SMEP (4.7) */
	if (c->error == OK)
		CHECK_NOFAULT(name, p);
	else
		CHECK_PF(name, p, error, at);
}

static void run_matrix(void)
{
	int skipped = 0;

	for (u64 i = 0; i < ARRAY_SIZE(matrix); i++) {
		if (can_run(&matrix[i]))
			run_case(&matrix[i]);
		else
			skipped++;
	}
	printf("permfault: matrix of %lu cases, %d not run (CPU lacks SMAP/SMEP/NX)\n",
	       ARRAY_SIZE(matrix), skipped);
}

/* vm_protect and vm_unmap on a live mapping: the INVLPG must take effect. */
static void change_mapping(void)
{
	gpa_t f;
	gva_t g = fresh(0, &f);

	*(u64 *)f = 0x1111;
	struct probe r = probe_read(g);
	CHECK_EQ("pf_ro_read_value", r.value, 0x1111);
	CHECK_PF("pf_ro_write_again", probe_write(g, 0x2222), PF_P | PF_W, g);
	CHECK_EQ("pf_ro_write_no_effect", *(u64 *)f, 0x1111);
	vm_protect(kernel_root, g, PTE_W);
	CHECK_NOFAULT("pf_protect_rw_write", probe_write(g, 0x4444));
	CHECK_EQ("pf_protect_rw_value", *(u64 *)f, 0x4444);
	vm_protect(kernel_root, g, 0);
	CHECK_PF("pf_protect_ro_write", probe_write(g, 0x5555), PF_P | PF_W, g);
	vm_unmap(kernel_root, g);
	CHECK_PF("pf_unmap_read", probe_read(g), 0, g);
}

/*
 * Demand paging: a #PF hook that maps a fresh frame at CR2 and resumes
 * the faulting instruction, so plain C stores to unmapped memory work.
 */
static gva_t demand_base;
static int demand_faults;

static bool on_demand_fault(struct trapframe *tf)
{
	gva_t cr2 = read_cr2();

	if (tf->error & PF_P || cr2 < demand_base || cr2 >= demand_base + 4 * PAGE_SIZE)
		return false;
	demand_faults++;
	return vm_map(kernel_root, cr2 & PAGE_MASK, frame_alloc(), PTE_W) == 0;
}

static void demand_paging(void)
{
	volatile u64 *p;
	u64 bad = 0;

	demand_base = next_gva;
	next_gva += 16 * PAGE_SIZE;
	p = (volatile u64 *)demand_base;
	fault_handler_t old = guest_set_fault_handler(VEC_PF, on_demand_fault);
	for (int i = 0; i < 4; i++)
		p[i * 512 + 3] = 0xd00d0000 + i;
	for (int i = 0; i < 4; i++)
		bad += p[i * 512 + 3] != 0xd00d0000u + i;
	guest_set_fault_handler(VEC_PF, old);
	CHECK_EQ("pf_demand_faults", demand_faults, 4);
	CHECK_EQ("pf_demand_values", bad, 0);
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

/*
 * Remap one page of the identity map read-only. With "pagesize=2m" that
 * page sits in a 2 MiB mapping, which vm_map splits into 512 4 KiB
 * entries: the page faults on write, its neighbour does not.
 */
static void identity_split(void)
{
	gpa_t f = frames_alloc_contig(2, PAGE_SIZE);
	int level;

	vm_leaf(kernel_root, f, &level);
	vm_map(kernel_root, f, f, 0);
	CHECK_PF("pf_split_ro_write", probe_write(f, 1), PF_P | PF_W, f);
	CHECK_NOFAULT("pf_split_neighbour_write", probe_write(f + PAGE_SIZE, 2));
	vm_map(kernel_root, f, f, PTE_W);
	CHECK_NOFAULT("pf_split_rw_again", probe_write(f, 3));
	printf("permfault: identity page 0x%lx was mapped at level %d\n", f, level);
}

/*
 * Make a read-only page writable without INVLPG (seed 000): the write may
 * hit the stale read-only translation and fault once, but a #PF removes
 * the TLB entries for the faulting address (SDM 4.10.4.1), so the retry
 * must succeed. A hook resumes the faulting write at most 8 times; a
 * (shadow) MMU that never installs the writable entry shows up as 8.
 */
static int upgrade_faults;

static bool on_upgrade_fault(struct trapframe *tf)
{
	return ++upgrade_faults <= 8;   /* resume: re-execute the write */
}

static void upgrade_without_invlpg(void)
{
	gpa_t f;
	gva_t g = fresh(0, &f);

	CHECK_NOFAULT("pf_upgrade_read", probe_read(g));   /* caches the RO translation */
	*vm_leaf(kernel_root, g, NULL) |= PTE_W;           /* no INVLPG on purpose */
	fault_handler_t old = guest_set_fault_handler(VEC_PF, on_upgrade_fault);
	*(volatile u64 *)g = 0xfeed;
	guest_set_fault_handler(VEC_PF, old);
	CHECKF("pf_upgrade_no_invlpg", upgrade_faults <= 1 && *(u64 *)f == 0xfeed,
	       "%d faults before the write went through", upgrade_faults);
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
	run_matrix();
	change_mapping();
	no_execute();
	demand_paging();
	reserved_bit();
	large_page();
	identity_split();
	upgrade_without_invlpg();
	other_root();
	accessed_dirty();
	return check_exit_code();
}
