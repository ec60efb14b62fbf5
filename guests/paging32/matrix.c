/*
 * matrix.c: the permission matrix (issue #4) of the two legacy paging
 * modes, checked against model32.c, an in-guest model of the SDM. The
 * 4-level matrix is guests/pmatrix; this is its 32-bit and PAE sibling,
 * run by paging32 with matrix=32, matrix=pae or matrix=both (one boot, the
 * 32-bit matrix then, with paging off in between, the PAE one).
 *
 * One path of tables maps the test address G. A group is a (shape, vary)
 * pair: shape = the level of the leaf (4K: the PTE; 4M or 2M: the PDE with
 * PS); at level `vary` every combination of the varied bits is written,
 *   32-bit paging  P, R/W, U/S, A, D, PS        (64)
 *   PAE paging     P, R/W, U/S, XD, A, D, PS    (128)
 * every other level at or above the leaf gets P plus one of the "others"
 * combinations of R/W, U/S (and XD in PAE), levels below the leaf
 * P|R/W|U/S. In PAE, vary = 3 is the PDPTE (its groups have a digest of
 * their own, see below); otherwise the PDPTE is P only. Each is run under
 * every combination of CR0.WP, EFER.NXE, CR4.SMEP, CR4.SMAP (and CR4.PSE
 * in 32-bit paging) the CPU has, with six accesses: read, write, fetch from
 * ring 0 and from ring 3. Per case: the entries, INVLPG G (MOV CR3 when the
 * PDPTE changed: the CPU loads PDPTEs there), one access, then the outcome
 * (#GP at MOV CR3, #PF with error code and CR2, or none) and the A/D bits
 * left in the entries, against the model.
 *
 * Rules written down where platforms differ (hv/README.md, PLATFORMS.md):
 *  - PDPTE reserved bits: Intel (Bochs) and hv with mmu=shadow (hv/core/
 *    pdpte.c) refuse them at MOV CR3 with #GP; QEMU TCG (natively and under
 *    NPT, as AMD) loads nothing there and checks only XD and the high bits
 *    at walk time. The guest picks the rule (PDPTE_AT_LOAD on Intel or
 *    under mmu=shadow, else PDPTE_AT_WALK) and says which; the PDPTE groups
 *    hash into their own "pdpte digest", so runs compare like with like.
 *  - QEMU reports a reserved-bit #PF without P: natively and with mmu=tdp
 *    on QEMU it is taken as P|RSVD (counted, printed).
 *  - A faulting walk may set A in the present entries it read (QEMU does on
 *    the way down, Bochs and hv do not: SDM 4.8 leaves it open), and QEMU
 *    sets bit 5 of the PDPTEs it walks (reserved on Intel): those bits are
 *    left out of the check and of the digests.
 *
 * Output: "TEST pmatrix32.<mode>.<shape>_l<vary>" per group (the first
 * failing cases in detail), then "pmatrix32: <mode> digest 0x... over N
 * cases" (FNV-1a of every case's outcome, error code and A/D result) and,
 * for PAE, "pmatrix32: pae pdpte digest 0x... over N cases".
 *
 * Arguments: sample=N runs every Nth case of the enumeration (default 1;
 * choose N prime to 6 so every access kind is sampled); others=N (first N
 * "others" sets); ctls=MASK (WP 1, NXE 2, SMEP 4, SMAP 8, PSE 16; default
 * all); show=N failing cases printed (default 4); np=all runs all P=0
 * combinations (default: none, each single bit, all; with P=0 the other
 * bits are ignored, SDM 4.3/4.4).
 */
#include "pt32.h"
#include "model32.h"
#include "matrix.h"

#define TABLE_PA  0xC00000u      /* 12 MiB: 4 MiB and 2 MiB aligned: the PT, or the large page */
#define SLOT_C    5u             /* PTE index: the data page is TABLE_PA + 5 * 4 KiB */
#define G_BASE    0x40000000u    /* 1 GiB: PDE 256 (32-bit), PDPTE 1 (PAE) */
#define IDENTITY  (16u << 20)
#define CR4_SMEP  BIT32(20)
#define CR4_SMAP  BIT32(21)

enum { CTL_WP = 1, CTL_NXE = 2, CTL_SMEP = 4, CTL_SMAP = 8, CTL_PSE = 16 };

static const u32 accesses[6] = { 0, PF_W, PF_I, PF_U, PF_U | PF_W, PF_U | PF_I };
static const char *const access_name[6] = { "read", "write", "fetch", "user-read",
					    "user-write", "user-fetch" };

/* The "others" sets, permissive first (XD only in PAE). */
static const u64 others_set[8] = {
	PTE_RW | PTE_US, 0, PTE_US, PTE_RW, PTE_RW | PTE_US | PTE_XD, PTE_XD,
	PTE_US | PTE_XD, PTE_RW | PTE_XD,
};

struct group {
	int shape, vary;
	const char *name;
	u32 cases, fails;
};
#define GROUP(s, v, n) { .shape = (s), .vary = (v), .name = (n) }
static struct group groups_32[] = { GROUP(1, 2, "4k_l2"), GROUP(1, 1, "4k_l1"), GROUP(2, 2, "4m_l2") };
static struct group groups_pae[] = { GROUP(1, 3, "4k_l3"), GROUP(1, 2, "4k_l2"), GROUP(1, 1, "4k_l1"),
				     GROUP(2, 3, "2m_l3"), GROUP(2, 2, "2m_l2") };

static struct {
	const char *name;           /* "pg32" or "pae" */
	struct aspace as;
	u32 gva;
	void *slot[4];              /* [level]: the entry for G */
	u64 next[4];                /* [level]: the address that entry holds */
	int levels;
	u32 n_vary_bits, n_others, n_ctls;
	struct m32_cpu cpu;
	u64 digest, pdpte_digest;
	u32 cases, pdpte_cases, quirk_cases, loose_a_cases, enumerated, shown;
} m;

static struct {
	u32 sample, n_others, ctl_mask, max_shown;
	bool np_all, shadow, on_qemu;
	bool has_nx, has_smep, has_smap, has_pse;
} opt;

extern u8 matrix_user_page[];
extern u8 user_stack_top[];
void m_user_read(void);
void m_user_write(void);
void m_user_fetch(void);

static void hash(u64 *d, u64 v)
{
	for (int i = 0; i < 8; i++) {
		*d ^= (v >> (8 * i)) & 0xff;
		*d *= 0x100000001b3ull;
	}
}

/* QEMU's CPU models carry "QEMU" in the brand string. */
static bool brand_is_qemu(void)
{
	if (cpuid32(0x80000000, 0).eax < 0x80000004)
		return false;
	struct cpuid32 r = cpuid32(0x80000002, 0);
	return r.eax == 0x554d4551;                  /* "QEMU" */
}

static u32 arg_u32(const char *key, u32 dflt)
{
	const char *v = cmdline32_value(key);
	u64 x;

	if (!v || !parse_u64(v, &x))
		return dflt;
	return (u32)x;
}

/* ---- the address space: the image supervisor-only, the ring-3 page and
 * stack user-accessible, and the test path ---- */
static bool user_page(u32 pa)
{
	u32 stack_lo = (u32)user_stack_top - 2 * PAGE32;
	return pa == (u32)matrix_user_page || (pa >= stack_lo && pa < (u32)user_stack_top);
}

static void layout(void)
{
	u32 pt_pa = TABLE_PA;

	as_init(&m.as);
	for (u32 pa = 0; pa < IDENTITY; pa += PAGE32)
		as_map(&m.as, pa, pa, PTE_P | PTE_RW | (user_page(pa) ? PTE_US : 0), false);
	memset((void *)pt_pa, 0, PAGE32);
	*(volatile u8 *)(TABLE_PA + SLOT_C * PAGE32) = 0xc3;          /* RET */
	m.next[1] = TABLE_PA + SLOT_C * PAGE32;
	m.next[2] = pt_pa;
	if (pt_mode == PT_MODE_32) {
		m.levels = 2;
		m.gva = G_BASE | SLOT_C << 12;   /* PDE 256 -> TABLE_PA (PT or 4 MiB page) */
		m.slot[2] = (u32 *)m.as.root + (m.gva >> 22);
		m.slot[1] = (u32 *)pt_pa + SLOT_C;
	} else {
		m.levels = 3;
		/* PDPTE 1 -> its PD (as_init); PD[6] -> TABLE_PA (PT or 2 MiB page) */
		m.gva = G_BASE | (TABLE_PA >> 21) << 21 | SLOT_C << 12;
		m.slot[3] = (u64 *)m.as.root + 1;
		m.next[3] = ent_get(m.slot[3]) & ~0xfffull;
		m.slot[2] = (u64 *)(u32)m.next[3] + (TABLE_PA >> 21);
		m.slot[1] = (u64 *)pt_pa + SLOT_C;
	}
	printf32("pmatrix32: %s: G 0x%x, PT / large page 0x%x, data 0x%x, ring-3 page 0x%x\n",
		 m.name, m.gva, TABLE_PA, (u32)m.next[1], (u32)matrix_user_page);
}

static u64 combo_bits(u32 combo)
{
	/* 32-bit: P, R/W, U/S, A, D, PS; PAE: P, R/W, U/S, XD, A, D, PS */
	static const u64 bits32[6] = { PTE_P, PTE_RW, PTE_US, PTE_A, PTE_D, PTE_PS };
	static const u64 bits_pae[7] = { PTE_P, PTE_RW, PTE_US, PTE_XD, PTE_A, PTE_D, PTE_PS };
	const u64 *bits = m.levels == 2 ? bits32 : bits_pae;
	u64 v = 0;

	for (u32 i = 0; i < m.n_vary_bits; i++)
		if (combo & (1u << i))
			v |= bits[i];
	return v;
}

static u64 entry_for(int level, const struct group *g, u32 combo, u64 others)
{
	u64 e = m.next[level];

	if (level == g->vary)
		return e | combo_bits(combo);
	if (level == 3)
		return e | PTE_P;                   /* the PDPTE has only P */
	if (level >= g->shape)
		return e | PTE_P | others | (level == g->shape && g->shape > 1 ? PTE_PS : 0);
	return e | PTE_P | PTE_RW | PTE_US;         /* below the leaf */
}

struct outcome {
	bool gp, faulted, user;
	u32 vector, error, cr2;
	u64 after[4];
};

/* Write the entries that differ, then make the CPU see them: MOV CR3 in a
 * PDPTE group or when the PDPTE changed (PAE loads PDPTEs there), else
 * INVLPG G. False: MOV CR3 took #GP (recorded in o). */
static bool install(const u64 e[4], bool pdpte_group, struct outcome *o)
{
	bool reload = pdpte_group;

	for (int l = 1; l <= m.levels; l++) {
		if (ent_get(m.slot[l]) != e[l]) {
			ent_set(m.slot[l], e[l]);
			reload |= l == 3;
		}
	}
	if (!reload) {
		invlpg32(m.gva);
		return true;
	}
	fault_reset();
	if (probe_mov_cr3(m.as.root) != PROBE_FAULTED)
		return true;
	o->gp = true;
	o->vector = last_fault.vector;
	o->error = last_fault.error;
	return false;
}

static void access(int ai, struct outcome *o)
{
	u32 r;

	fault_reset();
	switch (ai) {
	case 0: r = probe_read32(m.gva); break;
	case 1: r = probe_write32(m.gva + 8, 0x77); break;
	case 2: r = probe_fetch(m.gva); break;
	case 3: r = user_call(m_user_read, m.gva, 0); break;
	case 4: r = user_call(m_user_write, m.gva + 8, 0x77); break;
	default: r = user_call(m_user_fetch, m.gva, 0); break;
	}
	(void)r;            /* the fault record says whether it faulted */
	o->faulted = last_fault.count != 0;
	o->vector = last_fault.vector;
	o->error = last_fault.error;
	o->cr2 = last_fault.cr2;
	o->user = last_fault.user;
}

static void show_case(const struct group *g, u32 combo, u64 others, u32 ctl, int ai,
		      const u64 e[4], const struct outcome *o, const struct m32_out *want)
{
	printf32("pmatrix32: FAIL %s.%s combo 0x%x others 0x%llx ctl wp %u nxe %u smep %u "
		 "smap %u pse %u %s\n", m.name, g->name, combo, others,
		 !!(ctl & CTL_WP), !!(ctl & CTL_NXE), !!(ctl & CTL_SMEP), !!(ctl & CTL_SMAP),
		 !!(ctl & CTL_PSE), access_name[ai]);
	printf32("pmatrix32:   entries PDPTE %llx PDE %llx PTE %llx\n", e[3], e[2], e[1]);
	printf32("pmatrix32:   got  gp %d fault %d vec %u err 0x%x cr2 0x%x after %llx %llx %llx\n",
		 o->gp, o->faulted, o->vector, o->error, o->cr2, o->after[3], o->after[2], o->after[1]);
	printf32("pmatrix32:   want gp %d fault %d err 0x%x after %llx %llx %llx (A may be set: 0x%x)\n",
		 want->gp, want->fault, want->error, want->after[3], want->after[2], want->after[1],
		 want->may_a);
}

/* Compare with the model; hash the architectural part into d. */
static bool judge(int ai, const struct outcome *o, const struct m32_out *w, u64 *d)
{
	u32 at = (accesses[ai] & PF_W) ? m.gva + 8 : m.gva;
	bool ok, loose = false;

	if (w->gp || o->gp)
		ok = w->gp && o->gp && o->vector == 13 && o->error == 0;
	else
		ok = o->faulted == w->fault &&
		     (!w->fault || (o->vector == 14 && o->error == w->error && o->cr2 == at &&
				    o->user == !!(accesses[ai] & PF_U)));
	hash(d, (o->gp ? 2u : o->faulted ? 1u : 0u) | (u64)(o->gp || o->faulted ? o->error : 0) << 8);
	for (int l = 1; l <= m.levels; l++) {
		/* PDPTE bit 5: reserved on Intel, set by QEMU's walker. */
		u64 mask = ((w->may_a & (1u << l)) || l == 3) ? PTE_A : 0;
		loose |= l < 3 && (o->after[l] & ~w->after[l] & mask) != 0;
		ok &= (o->after[l] & ~mask) == (w->after[l] & ~mask);
		hash(d, o->after[l] & ~mask & (PTE_A | PTE_D));
	}
	m.loose_a_cases += loose;
	return ok;
}

/* P=0 at the varied level: all with np=all, else none, each single bit, all. */
static bool combo_wanted(u32 combo)
{
	u32 ignored = combo >> 1, all = (1u << (m.n_vary_bits - 1)) - 1;

	return (combo & 1) || opt.np_all || ignored == 0 || ignored == all ||
	       (ignored & (ignored - 1)) == 0;
}

static void run_case(struct group *g, u32 combo, u64 others, u32 ctl, int ai)
{
	u64 e[4] = { 0 };
	struct outcome o = { 0 };
	struct m32_out want;
	bool pdpte_group = g->vary == 3;

	if (m.enumerated++ % opt.sample)
		return;
	for (int l = 1; l <= m.levels; l++)
		e[l] = entry_for(l, g, combo, others);
	if (install(e, pdpte_group, &o))
		access(ai, &o);
	for (int l = 1; l <= m.levels; l++)
		o.after[l] = ent_get(m.slot[l]);
	/* PLATFORMS.md: QEMU TCG reports reserved-bit #PFs without P. */
	if (opt.on_qemu && !opt.shadow && o.faulted && (o.error & PF_RSVD) && !(o.error & PF_P)) {
		o.error |= PF_P;
		m.quirk_cases++;
	}
	m32_model(&m.cpu, e, accesses[ai], &want);
	g->cases++;
	if (pdpte_group)
		m.pdpte_cases++;
	else
		m.cases++;
	if (!judge(ai, &o, &want, pdpte_group ? &m.pdpte_digest : &m.digest)) {
		g->fails++;
		if (m.shown++ < opt.max_shown)
			show_case(g, combo, others, ctl, ai, e, &o, &want);
	}
}

/* CR0.WP, EFER.NXE, CR4.SMEP/SMAP/PSE for ctl; false if the CPU lacks one. */
static bool set_ctl(u32 ctl, u32 cr0, u32 cr4, u64 efer)
{
	if (((ctl & CTL_NXE) && !opt.has_nx) || ((ctl & CTL_SMEP) && !opt.has_smep) ||
	    ((ctl & CTL_SMAP) && !opt.has_smap) || ((ctl & CTL_PSE) && !opt.has_pse))
		return false;
	m.cpu.wp = ctl & CTL_WP;
	m.cpu.nxe = ctl & CTL_NXE;
	m.cpu.smep = ctl & CTL_SMEP;
	m.cpu.smap = ctl & CTL_SMAP;
	m.cpu.pse = ctl & CTL_PSE;
	write_cr0(m.cpu.wp ? cr0 | CR0_WP : cr0 & ~CR0_WP);
	if (opt.has_nx)
		wrmsr(MSR_EFER, m.cpu.nxe ? efer | EFER_NXE : efer & ~EFER_NXE);
	write_cr4((cr4 & ~(CR4_SMEP | CR4_SMAP | CR4_PSE)) | (m.cpu.smep ? CR4_SMEP : 0) |
		  (m.cpu.smap ? CR4_SMAP : 0) | (m.cpu.pse ? CR4_PSE : 0));
	return true;
}

static void run_mode(enum pt_mode mode, struct group *groups, int n_groups)
{
	u32 cr0, cr4;
	u64 efer = opt.has_nx ? rdmsr(MSR_EFER) : 0;
	u32 skipped = 0;

	pt_init(mode);
	memset(&m, 0, sizeof(m));
	m.name = mode == PT_MODE_32 ? "pg32" : "pae";
	m.digest = m.pdpte_digest = 0xcbf29ce484222325ull;     /* FNV-1a 64 */
	m.n_vary_bits = mode == PT_MODE_32 ? 6 : 7;
	m.n_others = mode == PT_MODE_32 ? 4 : 8;        /* no XD in 32-bit entries */
	if (opt.n_others < m.n_others)
		m.n_others = opt.n_others;
	m.n_ctls = mode == PT_MODE_32 ? 32 : 16;
	m.cpu.pae = mode == PT_MODE_PAE;
	m.cpu.maxphyaddr = cpuid32(0x80000000, 0).eax >= 0x80000008 ?
			   (int)(cpuid32(0x80000008, 0).eax & 0xff) : 36;
	m.cpu.pdpte = (!opt.on_qemu || opt.shadow) ? PDPTE_AT_LOAD : PDPTE_AT_WALK;
	layout();
	write_cr4((read_cr4() & ~(CR4_PAE | CR4_PSE)) | (mode == PT_MODE_PAE ? CR4_PAE : 0));
	write_cr3(m.as.root);
	write_cr0(read_cr0() | CR0_PG);
	cr0 = read_cr0();
	cr4 = read_cr4();
	if (m.cpu.pae)
		printf32("pmatrix32: pae: PDPTE reserved bits caught %s\n",
			 m.cpu.pdpte == PDPTE_AT_LOAD ? "at MOV CR3 (#GP: Intel, hv mmu=shadow)"
						      : "at walk time (#PF RSVD on XD only: QEMU)");
	for (u32 ctl = 0; ctl < m.n_ctls; ctl++) {
		if (ctl & ~opt.ctl_mask)
			continue;
		if (!set_ctl(ctl, cr0, cr4, efer)) {
			skipped++;
			continue;
		}
		for (int gi = 0; gi < n_groups; gi++)
			for (u32 oi = 0; oi < m.n_others; oi++)
				for (u32 combo = 0; combo < (1u << m.n_vary_bits); combo++)
					for (int ai = 0; ai < 6 && combo_wanted(combo); ai++)
						run_case(&groups[gi], combo, others_set[oi], ctl, ai);
	}
	/* Paging off again: the next mode starts from no paging, as at boot. */
	write_cr4(cr4);
	if (opt.has_nx)
		wrmsr(MSR_EFER, efer);
	write_cr0(cr0 & ~CR0_PG);
	write_cr4(read_cr4() & ~(CR4_PAE | CR4_PSE | CR4_SMEP | CR4_SMAP));
	for (int gi = 0; gi < n_groups; gi++) {
		char name[48];
		snprintf(name, sizeof(name), "pmatrix32.%s.%s", m.name, groups[gi].name);
		CHECK32F(name, groups[gi].cases && !groups[gi].fails, "%u cases, %u failed",
			 groups[gi].cases, groups[gi].fails);
	}
	printf32("pmatrix32: %s: others=%u ctls=0x%x: %u control settings skipped (CPUID)\n",
		 m.name, m.n_others, opt.ctl_mask & (m.n_ctls - 1), skipped);
	if (opt.sample > 1)
		printf32("pmatrix32: %s: sample=%u: every %uth of %u cases run\n", m.name,
			 opt.sample, opt.sample, m.enumerated);
	if (m.quirk_cases)
		printf32("pmatrix32: %s: QEMU quirk: %u reserved-bit #PFs came without P "
			 "(taken as P|RSVD, PLATFORMS.md)\n", m.name, m.quirk_cases);
	printf32("pmatrix32: %s: %u faulting cases left A set on entries the walk read "
		 "(allowed, SDM 4.8)\n", m.name, m.loose_a_cases);
	printf32("pmatrix32: %s digest 0x%016llx over %u cases\n", m.name, m.digest, m.cases);
	if (m.cpu.pae)
		printf32("pmatrix32: %s pdpte digest 0x%016llx over %u cases (rule %s)\n", m.name,
			 m.pdpte_digest, m.pdpte_cases,
			 m.cpu.pdpte == PDPTE_AT_LOAD ? "load" : "walk");
}

int matrix_main(const char *which)
{
	struct cpuid32 l7 = cpuid32(0, 0).eax >= 7 ? cpuid32(7, 0) : (struct cpuid32){ 0 };
	bool run32 = word_eq(which, "32") || word_eq(which, "both");
	bool run_pae = word_eq(which, "pae") || word_eq(which, "both");
	const char *mmu = cmdline32_value("mmu");

	if (!run32 && !run_pae) {
		printf32("paging32: bad matrix= on the command line: use matrix=32, matrix=pae "
			 "or matrix=both\n");
		return 2;
	}
	opt.sample = arg_u32("sample", 1) ?: 1;
	opt.n_others = arg_u32("others", 8) ?: 1;
	opt.ctl_mask = arg_u32("ctls", 0x1f);
	opt.max_shown = arg_u32("show", 4);
	opt.np_all = cmdline32_value("np") && word_eq(cmdline32_value("np"), "all");
	/* Under hv the guest's line carries hv's mmu= (scripts/run-qemu.sh). */
	opt.shadow = under_hv() && mmu && word_eq(mmu, "shadow");
	opt.on_qemu = brand_is_qemu();
	opt.has_smep = l7.ebx & BIT32(7);
	opt.has_smap = l7.ebx & BIT32(20);
	opt.has_pse = cpuid32(1, 0).edx & BIT32(3);
	opt.has_nx = cpuid32(0x80000000, 0).eax >= 0x80000001 &&
		     (cpuid32(0x80000001, 0).edx & BIT32(20));
	printf32("pmatrix32: CPU: SMEP %d SMAP %d NX %d PSE %d, QEMU %d, %s, mmu %s\n",
		 opt.has_smep, opt.has_smap, opt.has_nx, opt.has_pse, opt.on_qemu,
		 cpu_intel() ? "Intel" : "AMD", under_hv() ? (opt.shadow ? "shadow" : "tdp")
							   : "native");
	if (run32)
		run_mode(PT_MODE_32, groups_32, (int)(sizeof(groups_32) / sizeof(groups_32[0])));
	if (run_pae)
		run_mode(PT_MODE_PAE, groups_pae, (int)(sizeof(groups_pae) / sizeof(groups_pae[0])));
	printf32("paging32: matrix done, %d check(s) failed\n", check32_failures());
	return check32_failures() ? 1 : 0;
}
