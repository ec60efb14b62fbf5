/*
 * pmatrix: the permission matrix of 4-level paging (issue #4), checked
 * against model.c, an in-guest reference model of SDM Vol. 3A 4.6-4.8.
 *
 * One path of tables maps the test address G (layout below). A group is a
 * (shape, vary) pair: shape = the level of the leaf (4K: PTE, 2M: PDE with
 * PS, 1G: PDPTE with PS); at level `vary` every combination of P, R/W,
 * U/S, NX, A, D, PS (128) is written; every other level at or above the
 * leaf gets P plus one of the "others" combinations of R/W, U/S, NX
 * (A=D=0, so the access must set them), levels below the leaf P|R/W|U/S.
 * Each is run under every combination of CR0.WP, EFER.NXE, CR4.SMEP and
 * CR4.SMAP the CPU has, with six accesses: read, write, fetch from ring 0
 * and from ring 3. Per case: INVLPG G, one access (probe.h), then check
 * fault or not, the #PF error code, CR2 and the A/D bits left in all four
 * entries against the model.
 *
 * Two allowances, both counted and printed: on QEMU (brand string), natively
 * and under mmu=tdp, a reserved-bit #PF without P is taken as P|RSVD
 * (PLATFORMS.md: QEMU TCG's walker leaves P out; under mmu=shadow hv
 * injects the #PF and must set it); and on a faulting access the A bits of
 * the present entries the walk read may be set (SDM 4.8 sets A on entries
 * "used"; QEMU sets them on the way down, Bochs and hv do not), so those
 * bits are left out of the check and the digest.
 *
 * Output: one "TEST pmatrix.<shape>_l<vary>" line per group (the first
 * failing cases in detail), then "pmatrix: digest 0x... over N cases":
 * FNV-1a over every case's (outcome, error code, A/D result), so runs in
 * different modes can be compared.
 *
 * With P=0 the other bits of an entry are ignored (SDM 4.5), so by default
 * only 8 of the 64 P=0 combinations are run (none, each single bit, all);
 * np=all runs all 128.
 *
 * Guest arguments: others=N (1..8, default 8) takes the first N "others"
 * combinations; ctls=MASK (default 0xf) limits which of WP/NXE/SMEP/SMAP
 * are varied (a bit clear: that control stays off); show=N prints the first
 * N failing cases (default 4); sample=N runs every Nth case of the
 * enumeration only (default 1: all; for slow platforms); idless=skip leaves out the supervisor
 * fetches under CR4.SMAP=1 while fetch #PFs carry no I/D bit (EFER.NXE=0,
 * CR4.SMEP=0): hv with mmu=shadow (SVM and VMX) gets the hardware #PF
 * without I/D then (it runs the guest with the guest's EFER.NXE) and walks
 * it as a read, which SMAP refuses: #PF 0x1 where no fault is due. A known
 * hv bug outside the MMU: the CPU's EFER.NXE should be forced on under
 * shadow paging, the guest's kept aside, as KVM does (checked on Bochs:
 * "efer |= EFER_NXE" in hv/vmx/vmx.c sync_long_mode's shadow branch makes
 * every such case pass; SVM needs a guest EFER kept aside like VMX's).
 */
#include "guest.h"
#include "user.h"
#include "model.h"

/*
 * Layout: page 0 of RAM is the page directory (it is the only 1 GiB-aligned
 * RAM, so the same PDPTE value is a table or a 1 GiB page at gpa 0), R2 a
 * 2 MiB-aligned region whose first page is the page table (the same PDE is
 * a table or a 2 MiB page at R2). G is chosen so that every shape reaches
 * the same data page D = R2 + C * 4K, which starts with a RET:
 *
 *   PML4[S] -> PDPT;  PDPT[A] -> 0 (PD | 1G page);  PD[R2 >> 21] -> R2
 *   (PT | 2M page);  PT[C] -> D.    G = S:A:(R2 >> 21):C
 */
#define SLOT_S   20ull                    /* PML4 slot: 10 TiB */
#define SLOT_A   3ull
#define SLOT_C   5ull
#define PD_VIEW  0x50000000000ull         /* where page 0 is mapped to write it */

static struct {
	gva_t gva;
	u64 *slot[5];       /* [level]: the entry for G, through a kernel mapping */
	u64 next[5];        /* [level]: the address that entry holds */
} lo;

static const char *shape_name[4] = { "", "4k", "2m", "1g" };

/* The "others" set: R/W, U/S, NX of the fixed levels, permissive first. */
static const u64 others_set[8] = {
	PTE_W | PTE_U, 0, PTE_U, PTE_W, PTE_W | PTE_U | PTE_NX, PTE_NX,
	PTE_U | PTE_NX, PTE_W | PTE_NX,
};

/* The varied bits, in combo bit order. */
static const u64 vary_bits[7] = { PTE_P, PTE_W, PTE_U, PTE_NX, PTE_A, PTE_D, PTE_PS };

enum { CTL_WP = 1, CTL_NXE = 2, CTL_SMEP = 4, CTL_SMAP = 8 };

static const u32 accesses[6] = { 0, PF_W, PF_I, PF_U, PF_U | PF_W, PF_U | PF_I };
static const char *access_name[6] = { "read", "write", "fetch", "user-read",
				      "user-write", "user-fetch" };

/* Per-group results. */
#define MAX_SHOWN 4          /* default of show=N */
struct group {
	u64 cases, fails;
	bool skipped;
};
static struct group groups[4][5];          /* [shape][vary] */

static struct pm_cpu cpu;
static bool has_smep, has_smap, has_nx, on_qemu, quirk_ok;
static u64 digest = 0xcbf29ce484222325ull; /* FNV-1a 64 */
static u64 total_cases, quirk_cases, loose_a_cases, shown, max_shown, idless_skipped;
static bool np_all, idless_skip;
static u64 sample = 1, enumerated;

static void hash_u64(u64 v)
{
	for (int i = 0; i < 8; i++) {
		digest ^= (v >> (8 * i)) & 0xff;
		digest *= 0x100000001b3ull;
	}
}

/* QEMU's CPU models carry "QEMU" in the brand string (CPUID 0x80000002..4). */
static bool brand_is_qemu(void)
{
	struct cpuid_regs r = cpuid(0x80000002, 0);
	char b[5] = { (char)r.eax, (char)(r.eax >> 8), (char)(r.eax >> 16), (char)(r.eax >> 24), 0 };

	return cpuid(0x80000000, 0).eax >= 0x80000004 &&
	       b[0] == 'Q' && b[1] == 'E' && b[2] == 'M' && b[3] == 'U';
}

static void detect(void)
{
	struct cpuid_regs l7 = cpuid(7, 0);

	has_smep = l7.ebx & BIT(7);
	has_smap = l7.ebx & BIT(20);
	has_nx = cpu_has_nx();
	cpu.gbpages = cpuid(0x80000001, 0).edx & BIT(26);
	cpu.maxphyaddr = cpuid(0x80000008, 0).eax & 0xff;
	on_qemu = brand_is_qemu();
	printf("pmatrix: CPU: SMEP %d SMAP %d NX %d 1G pages %d MAXPHYADDR %d, QEMU %d\n",
	       has_smep, has_smap, has_nx, cpu.gbpages, cpu.maxphyaddr, on_qemu);
	if (!has_smep || !has_smap || !has_nx)
		printf("pmatrix: CPUID lacks%s%s%s: cases with those controls on are skipped\n",
		       has_smep ? "" : " SMEP", has_smap ? "" : " SMAP", has_nx ? "" : " NX");
}

static void zero_page(u64 *p)
{
	for (int i = 0; i < 512; i++)
		p[i] = 0;
}

static bool layout_init(void)
{
	gpa_t pdpt = frame_alloc();
	gpa_t r2 = frames_alloc_contig(512, PAGE_SIZE_2M);

	if (!pdpt || !r2)
		return false;
	vm_map(kernel_root, PD_VIEW, 0, PTE_W);          /* page 0: the PD */
	zero_page((u64 *)PD_VIEW);
	zero_page((u64 *)r2);              /* R2 page 0: the PT */
	lo.gva = (SLOT_S << 39) | (SLOT_A << 30) | ((r2 >> 21) << 21) | (SLOT_C << 12);
	lo.slot[4] = (u64 *)kernel_root + SLOT_S;
	lo.slot[3] = (u64 *)pdpt + SLOT_A;
	lo.slot[2] = (u64 *)PD_VIEW + (r2 >> 21);
	lo.slot[1] = (u64 *)r2 + SLOT_C;
	lo.next[4] = pdpt;
	lo.next[3] = 0;
	lo.next[2] = r2;
	lo.next[1] = r2 + SLOT_C * PAGE_SIZE;
	*(u8 *)lo.next[1] = 0xc3;                        /* RET */
	printf("pmatrix: G 0x%lx, PDPT 0x%lx, PD gpa 0, PT/2M page 0x%lx, data 0x%lx\n",
	       lo.gva, pdpt, r2, lo.next[1]);
	return true;
}

static u64 combo_bits(u32 combo)
{
	u64 v = 0;

	for (int i = 0; i < 7; i++)
		if (combo & (1u << i))
			v |= vary_bits[i];
	return v;
}

/* The entry at level for one case. */
static u64 entry_for(int level, int shape, int vary, u32 combo, u64 others)
{
	u64 e = lo.next[level];

	if (level == vary)
		return e | combo_bits(combo);
	if (level >= shape)
		return e | PTE_P | others | (level == shape && shape > 1 ? PTE_PS : 0);
	return e | PTE_P | PTE_W | PTE_U;           /* below the leaf: permissive */
}

/* Write the entries that differ (a write to a shadowed table is an exit),
 * then INVLPG G (SDM 4.10.4.1: also drops the paging-structure caches). */
static void write_entries(const u64 e[5])
{
	for (int l = 1; l <= 4; l++)
		if (*(volatile u64 *)lo.slot[l] != e[l])
			*(volatile u64 *)lo.slot[l] = e[l];
	invlpg(lo.gva);
}

static struct probe do_access(int ai)
{
	switch (ai) {
	case 0: return probe_read(lo.gva);
	case 1: return probe_write(lo.gva + 8, 0x77);
	case 2: return probe_exec(lo.gva);
	case 3: return probe_user_read(lo.gva);
	case 4: return probe_user_write(lo.gva + 8, 0x77);
	default: return probe_user_exec(lo.gva);
	}
}

struct outcome {
	struct probe p;
	u64 error;          /* after the QEMU quirk normalisation */
	u64 after[5];
};

static void show_case(int shape, int vary, u32 combo, u64 others, u32 ctl, int ai,
		      const u64 e[5], const struct outcome *o, const struct pm_out *m)
{
	printf("pmatrix: FAIL %s_l%d combo 0x%x others 0x%lx wp %d nxe %d smep %d smap %d %s\n",
	       shape_name[shape], vary, combo, others, !!(ctl & CTL_WP), !!(ctl & CTL_NXE),
	       !!(ctl & CTL_SMEP), !!(ctl & CTL_SMAP), access_name[ai]);
	printf("pmatrix:   entries L4..L1 %lx %lx %lx %lx\n", e[4], e[3], e[2], e[1]);
	printf("pmatrix:   got  fault %d vec %lu err 0x%lx cr2 0x%lx after %lx %lx %lx %lx\n",
	       o->p.faulted, o->p.vector, o->p.error, o->p.cr2,
	       o->after[4], o->after[3], o->after[2], o->after[1]);
	printf("pmatrix:   want fault %d err 0x%x after %lx %lx %lx %lx (A may be set: 0x%x)\n",
	       m->fault, m->error, m->after[4], m->after[3], m->after[2], m->after[1], m->may_a);
}

/* Compare, and hash the architectural part of the result. */
static bool judge(int ai, const struct outcome *o, const struct pm_out *m)
{
	gva_t at = (accesses[ai] & PF_W) ? lo.gva + 8 : lo.gva;
	bool ok = o->p.faulted == m->fault;
	bool loose = false;

	if (ok && m->fault)
		ok = o->p.vector == VEC_PF && o->error == m->error && o->p.cr2 == at;
	hash_u64(o->p.faulted | (o->p.faulted ? o->error << 8 : 0));
	for (int l = 1; l <= 4; l++) {
		u64 mask = (m->may_a & (1u << l)) ? PTE_A : 0;
		loose |= (o->after[l] & ~m->after[l] & mask) != 0;
		ok &= (o->after[l] & ~mask) == (m->after[l] & ~mask);
		hash_u64(o->after[l] & ~mask & (PTE_A | PTE_D));
	}
	loose_a_cases += loose;
	return ok;
}

/* The case idless=skip leaves out (see the top of the file). */
static bool idless_case(int ai)
{
	return idless_skip && accesses[ai] == PF_I && cpu.smap && !cpu.smep && !cpu.nxe;
}

/* P=0 at the varied level: all 64 with np=all, else none, each single bit, all. */
static bool combo_wanted(u32 combo)
{
	u32 ignored = combo >> 1;

	return (combo & 1) || np_all || ignored == 0 || ignored == 0x3f ||
	       (ignored & (ignored - 1)) == 0;
}

static void run_case(int shape, int vary, u32 combo, u64 others, u32 ctl, int ai)
{
	u64 e[5] = { 0 };
	struct outcome o;
	struct pm_out m;

	if (enumerated++ % sample)
		return;
	if (idless_case(ai)) {
		idless_skipped++;
		return;
	}
	for (int l = 1; l <= 4; l++)
		e[l] = entry_for(l, shape, vary, combo, others);
	write_entries(e);
	o.p = do_access(ai);
	for (int l = 1; l <= 4; l++)
		o.after[l] = *(volatile u64 *)lo.slot[l];
	o.error = o.p.error;
	/* PLATFORMS.md: QEMU TCG reports reserved-bit #PFs without P. */
	if (quirk_ok && o.p.faulted && (o.error & PF_RSVD) && !(o.error & PF_P)) {
		o.error |= PF_P;
		quirk_cases++;
	}
	pm_model(&cpu, e, accesses[ai], &m);
	struct group *g = &groups[shape][vary];
	g->cases++;
	total_cases++;
	if (!judge(ai, &o, &m)) {
		g->fails++;
		if (shown++ < max_shown)
			show_case(shape, vary, combo, others, ctl, ai, e, &o, &m);
	}
}

/* Every group under one setting of the controls. */
static void run_ctl(u32 ctl, int n_others)
{
	for (int shape = 1; shape <= 3; shape++) {
		for (int vary = 4; vary >= shape; vary--) {
			if (shape == 3 && !cpu.gbpages) {
				groups[shape][vary].skipped = true;
				continue;
			}
			for (int oi = 0; oi < n_others; oi++)
				for (u32 combo = 0; combo < 128; combo++)
					for (int ai = 0; ai < 6 && combo_wanted(combo); ai++)
						run_case(shape, vary, combo, others_set[oi], ctl, ai);
		}
	}
}

/* Set CR0.WP, EFER.NXE, CR4.SMEP/SMAP for ctl; false if the CPU lacks one. */
static bool set_ctl(u32 ctl, u64 cr0, u64 cr4, u64 efer)
{
	if (((ctl & CTL_NXE) && !has_nx) || ((ctl & CTL_SMEP) && !has_smep) ||
	    ((ctl & CTL_SMAP) && !has_smap))
		return false;
	cpu.wp = ctl & CTL_WP;
	cpu.nxe = ctl & CTL_NXE;
	cpu.smep = ctl & CTL_SMEP;
	cpu.smap = ctl & CTL_SMAP;
	write_cr0(cpu.wp ? cr0 | CR0_WP : cr0 & ~CR0_WP);
	wrmsr(MSR_EFER, cpu.nxe ? efer | EFER_NXE : efer & ~EFER_NXE);
	write_cr4((cr4 & ~(CR4_SMEP | CR4_SMAP)) | (cpu.smep ? CR4_SMEP : 0) |
		  (cpu.smap ? CR4_SMAP : 0));
	return true;
}

/* Is the command line's name=word? (guest_arg's value runs to a space.) */
static bool arg_is(const char *name, const char *word)
{
	const char *v = guest_arg(name);
	int i = 0;

	if (!v)
		return false;
	for (; word[i]; i++)
		if (v[i] != word[i])
			return false;
	return v[i] == 0 || v[i] == ' ';
}

static void report(void)
{
	for (int shape = 1; shape <= 3; shape++) {
		for (int vary = 4; vary >= shape; vary--) {
			struct group *g = &groups[shape][vary];
			char name[32];
			snprintf(name, sizeof(name), "pmatrix.%s_l%d", shape_name[shape], vary);
			if (g->skipped)
				printf("TEST %s PASS skipped: CPUID has no 1 GiB pages\n", name);
			else
				CHECKF(name, g->cases && !g->fails, "%lu cases, %lu failed",
				       g->cases, g->fails);
		}
	}
}

/* Guest arguments (see the top of the file); after detect(). */
static void parse_args(int *n_others, u32 *ctl_mask)
{
	*n_others = (int)guest_arg_u64("others", 8);
	if (*n_others < 1 || *n_others > 8)
		*n_others = 8;
	*ctl_mask = (u32)guest_arg_u64("ctls", 0xf);
	max_shown = guest_arg_u64("show", MAX_SHOWN);
	sample = guest_arg_u64("sample", 1) ?: 1;
	np_all = arg_is("np", "all");
	idless_skip = arg_is("idless", "skip");
	/* The quirk is QEMU's walker's: natively and under mmu=tdp the guest
	 * sees QEMU's #PF; under mmu=shadow hv injects every #PF itself. */
	quirk_ok = on_qemu && !arg_is("mmu", "shadow");
}

static void summary(int n_others, u32 ctl_mask, u32 skipped_ctl)
{
	printf("pmatrix: others=%d ctls=0x%x: %u control settings skipped (CPUID)\n",
	       n_others, ctl_mask, skipped_ctl);
	if (sample > 1)
		printf("pmatrix: sample=%lu: every %luth of %lu cases run\n", sample, sample, enumerated);
	printf("pmatrix: P=0 combinations: %s\n", np_all ? "all 64" : "8 of 64 (np=all for all)");
	if (idless_skip)
		printf("pmatrix: idless=skip: %lu supervisor fetches under SMAP without I/D left out\n",
		       idless_skipped);
	if (quirk_cases)
		printf("pmatrix: QEMU quirk: %lu reserved-bit #PFs came without P (taken as P|RSVD, PLATFORMS.md)\n",
		       quirk_cases);
	else
		printf("pmatrix: RSVD-without-P quirk %s, not seen\n", quirk_ok ? "allowed (QEMU)" : "not allowed");
	printf("pmatrix: %lu faulting cases left A set on entries the walk read (allowed, SDM 4.8)\n",
	       loose_a_cases);
	printf("pmatrix: digest 0x%016lx over %lu cases\n", digest, total_cases);
}

int main(void)
{
	u64 cr0 = read_cr0(), cr4 = read_cr4(), efer = rdmsr(MSR_EFER);
	u32 ctl_mask, skipped_ctl = 0;
	int n_others;

	detect();
	parse_args(&n_others, &ctl_mask);
	if (!CHECK("pmatrix.layout", layout_init()))
		return check_exit_code();
	user_init();
	for (u32 ctl = 0; ctl < 16; ctl++) {
		if ((ctl & ~ctl_mask) || !set_ctl(ctl, cr0, cr4, efer)) {
			skipped_ctl += !(ctl & ~ctl_mask);
			continue;
		}
		run_ctl(ctl, n_others);
	}
	write_cr4(cr4);
	wrmsr(MSR_EFER, efer);
	write_cr0(cr0);
	report();
	summary(n_others, ctl_mask, skipped_ctl);
	return check_exit_code();
}
