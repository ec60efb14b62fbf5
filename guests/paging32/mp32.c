/*
 * mp32.c: paging32's workload for several CPUs (mp32.h), run after the
 * one-CPU tests when there is more than one CPU. Under hv with mmu=shadow
 * each vCPU has shadow roots of its own (and, in PAE mode, PDPTE registers
 * of its own), so this is where concurrent gPTE writes to one shadowed
 * table, INVLPG and CR3 loads on several vCPUs, and one vCPU's edit that
 * another must see after its own flush, meet.
 *
 * First each CPU checks who it is (the number on its stack, its local
 * APIC ID and hvlab's vCPU id agree). Then three phases, every CPU in each
 * (the boot CPU is CPU 0):
 *
 *   A  private   each CPU maps, reads, writes, remaps (INVLPG), makes
 *                read-only (INVLPG, then a write must #PF with error 3),
 *                unmaps (CR3 reload, then a read must #PF with error 0) the
 *                pages of its own slot, and switches CR3 between the two
 *                address spaces. All slots are in ONE page table, so the
 *                CPUs write the same guest table at the same time.
 *   B  shootdown the boot CPU edits the shared page (new frame, read-only,
 *                writable again) while every AP holds its translation, then
 *                tells them through shared memory to flush (INVLPG or a CR3
 *                reload, alternately); each AP must see the new frame and
 *                permission after its flush.
 *   C  PDPTE     PAE only: the boot CPU points PDPTE 3 at a new PD and
 *                back; after a CR3 load of its own each CPU must walk
 *                through the new PDPTE, then through the old one again.
 *
 * rounds=N on the command line (default 16) sets the rounds of phase A;
 * phase B has N/2 generations: a longer run to hunt races.
 *
 * Every CPU prints its own check lines (TEST <prefix>_smp_cpu<N>_<what>),
 * with counts in the detail, so the set of lines is the same for a given
 * number of CPUs natively, under mmu=tdp and under mmu=shadow whatever the
 * interleaving. Architecturally a CPU may or may not see another's edit
 * before its own flush, so nothing is checked there.
 *
 * Physical frames SF(0..159) at 9 MiB (main32.c's layout leaves 9-12 MiB
 * free); each word = 0x5f << 24 | frame << 12 | offset. Virtual: the slots
 * at SMPV (PDPTE 1), 8 pages per CPU; the shared page, the CR3-switch page.
 */
#include "mp32.h"
#include "smp32.h"
#include "include/hvlab/hypercall.h"

#define SF_BASE      0x900000u
#define SF(j)        (SF_BASE + (u32)(j) * PAGE32)
#define SF_COUNT     160u
#define SMPV         0x50000000u                 /* 4 MiB-aligned: one PT holds all below */
#define SLOT_PAGES   8u
#define SLOT(c)      (SMPV + (u32)(c) * SLOT_PAGES * PAGE32)
#define SHV          (SMPV + 0x100000u)          /* the shared page (phase B) */
#define SWV          (SMPV + 0x180000u)          /* SF(140) in as1, SF(141) in as2 */
#define PV           0xC0005000u                 /* phase C, behind PDPTE 3 */

#define ROUNDS_DEFAULT 16u                       /* phase A, per CPU; phase B: half */
#define ROUNDS_MAX   1000000u
#define WRITE_OFF    0xfc0u                      /* words at and above are written (8 CPUs x 4 B + 4) */
#define WAIT_LOOPS   (1u << 28)

/* Private frames: CPU c owns SF(c*16 .. c*16+15). Shared: SF(128..135). */
#define PRIV(c, k)   ((c) * 16u + (k))
#define SHARED(g)    (128u + (g) % 8u)
#define FR_SW1       140u
#define FR_SW2       141u
#define FR_PDPTE     150u

static u32 sval(u32 frame, u32 off) { return 0x5f000000u | frame << 12 | off; }

static struct aspace *as1, *as2;
static const char *prefix;
static u32 nr_cpus;
static u32 rounds, gens;                         /* phase A rounds, phase B generations */

/* Shared memory between the CPUs: every field is written by one CPU and
 * read by the others; x86 keeps stores in order (SDM 8.2.3), so a flag
 * written after the data it announces is seen after it. */
static volatile u32 go;                          /* phase A may start */
static volatile u32 req;                         /* phase B/C step posted by CPU 0 */
static volatile u32 ready[MAX_CPUS32], done[MAX_CPUS32];
static volatile u32 finished;                    /* APs that printed their checks */

static u64 *leaf(u32 va) { return as_entry(as1, va, 1); }
static void reload_cr3(void) { write_cr3(read_cr3()); }

static bool wait_eq(volatile u32 *flag, u32 want)
{
	for (u32 i = 0; i < WAIT_LOOPS; i++) {
		if (*flag == want)
			return true;
		__asm__ volatile("pause");
	}
	return false;
}

static bool wait_all(volatile u32 *flags, u32 want)
{
	bool ok = true;
	for (u32 c = 1; c < nr_cpus; c++)
		ok &= wait_eq(&flags[c], want);
	return ok;
}

static const char *name(u32 cpu, const char *what)
{
	static char names[MAX_CPUS32][48];          /* one per CPU: no sharing */
	snprintf(names[cpu], sizeof(names[0]), "%s_smp_cpu%u_%s", prefix, cpu, what);
	return names[cpu];
}

/* A read or write that must fault: #PF with this error code at va. */
static bool pf_ok(u32 r, u32 va, u32 error)
{
	return r == PROBE_FAULTED && last_fault.vector == 14 && last_fault.error == error &&
	       last_fault.cr2 == va;
}

/* ---- phase A ---- */
static void private_rounds(u32 c)
{
	u32 bad_map = 0, bad_write = 0, bad_remap = 0, bad_ro = 0, bad_unmap = 0, bad_switch = 0;

	for (u32 r = 0; r < rounds; r++) {
		u32 va = SLOT(c) + (r % SLOT_PAGES) * PAGE32;
		u32 off = (r * 0x44u) % WRITE_OFF & ~3u;
		u32 fa = PRIV(c, r % 16), fb = PRIV(c, (r + 5) % 16);
		u64 *e = leaf(va);

		/* Not present -> present without a flush (nothing cached). */
		ent_set(e, SF(fa) | PTE_P | PTE_RW);
		bad_map += probe_read32(va + off) != sval(fa, off);
		u32 word = 0xc0000000u | c << 16 | r;
		bad_write += probe_write32(va + WRITE_OFF, word) != 0 ||
			     *(volatile u32 *)(SF(fa) + WRITE_OFF) != word;

		/* Another frame, INVLPG. */
		ent_set(e, SF(fb) | PTE_P | PTE_RW);
		invlpg32(va);
		bad_remap += probe_read32(va + off) != sval(fb, off);

		/* Read-only, INVLPG: a supervisor write faults (CR0.WP). */
		ent_set(e, SF(fb) | PTE_P);
		invlpg32(va);
		fault_reset();
		u32 before = *(volatile u32 *)(SF(fb) + WRITE_OFF + 4);
		bad_ro += !pf_ok(probe_write32(va + WRITE_OFF + 4, ~before), va + WRITE_OFF + 4, 0x3) ||
			  *(volatile u32 *)(SF(fb) + WRITE_OFF + 4) != before ||
			  probe_read32(va + off) != sval(fb, off);

		/* Unmap, CR3 reload: a read faults. */
		ent_set(e, 0);
		reload_cr3();
		fault_reset();
		bad_unmap += !pf_ok(probe_read32(va + off), va + off, 0x0);

		/* The other address space and back. */
		write_cr3(as2->root);
		bad_switch += probe_read32(SWV + off) != sval(FR_SW2, off);
		write_cr3(as1->root);
		bad_switch += probe_read32(SWV + off) != sval(FR_SW1, off);
	}
	CHECK32F(name(c, "map_no_flush"), bad_map == 0, "%u of %u reads wrong", bad_map, rounds);
	CHECK32F(name(c, "write"), bad_write == 0, "%u of %u writes lost", bad_write, rounds);
	CHECK32F(name(c, "remap_invlpg"), bad_remap == 0, "%u of %u reads wrong", bad_remap, rounds);
	CHECK32F(name(c, "ro_invlpg"), bad_ro == 0, "%u of %u rounds wrong (the write must #PF 0x3, "
		 "the read must not)", bad_ro, rounds);
	CHECK32F(name(c, "unmap_cr3"), bad_unmap == 0, "%u of %u reads wrong (each must #PF 0x0)", bad_unmap, rounds);
	CHECK32F(name(c, "cr3_switch"), bad_switch == 0, "%u of %u reads wrong", bad_switch, 2 * rounds);
}

/* ---- phase B: generation g's mapping of SHV (set by CPU 0) ---- */
static u64 shared_pte(u32 g)
{
	return SF(SHARED(g)) | PTE_P | (g % 4 == 2 ? 0 : PTE_RW);   /* every 4th read-only */
}

/* What CPU c checks after its flush of generation g. */
static bool shared_ok(u32 c, u32 g)
{
	u32 off = (g * 0x84u + c * 4u) % WRITE_OFF & ~3u;
	u32 at = SHV + WRITE_OFF + 4 * c;               /* CPU c's own word there */
	if (probe_read32(SHV + off) != sval(SHARED(g), off))
		return false;
	fault_reset();
	u32 r = probe_write32(at, 0xd0000000u | c << 16 | g);
	if (g % 4 == 2)
		return pf_ok(r, at, 0x3);
	return r == 0 && *(volatile u32 *)(SF(SHARED(g)) + WRITE_OFF + 4 * c) == (0xd0000000u | c << 16 | g);
}

static void flush_for(u32 g)
{
	if (g % 2 == 0)
		invlpg32(SHV);
	else
		reload_cr3();
}

static void shootdown_ap(u32 c)
{
	u32 bad = 0, lost = 0;
	for (u32 g = 0; g < gens; g++) {
		(void)probe_read32(SHV);          /* hold generation g-1's translation */
		ready[c] = g + 1;
		if (!wait_eq(&req, g + 1)) {
			lost++;
			break;
		}
		flush_for(g);
		bad += !shared_ok(c, g);
		done[c] = g + 1;
	}
	CHECK32F(name(c, "shootdown"), bad == 0 && lost == 0,
		 "%u of %u generations wrong after the flush%s", bad, gens,
		 lost ? ", timed out waiting for CPU 0" : "");
}

static void shootdown_bsp(void)
{
	u32 bad = 0, lost = 0;
	for (u32 g = 0; g < gens; g++) {
		(void)probe_read32(SHV);
		lost += !wait_all(ready, g + 1);
		ent_set(leaf(SHV), shared_pte(g));
		flush_for(g);
		bad += !shared_ok(0, g);
		req = g + 1;                      /* after the edit: x86 stores stay in order */
		lost += !wait_all(done, g + 1);
	}
	CHECK32F(name(0, "shootdown"), bad == 0 && lost == 0,
		 "%u of %u generations wrong, %u waits for the APs timed out", bad, gens, lost);
}

/* ---- phase C (PAE): steps gens+1 (new PDPTE 3) and gens+2 (old again) ---- */
static u32 pdpte_read(u32 step)
{
	fault_reset();
	u32 r = probe_read32(PV + 0x40);
	if (step == gens + 1)
		return r == sval(FR_PDPTE, 0x40);
	return pf_ok(r, PV + 0x40, 0x0);
}

static void pdpte_ap(u32 c)
{
	u32 bad[2] = { 0, 0 };                  /* [0]: the new PDPTE, [1]: the old */
	for (u32 step = gens + 1; step <= gens + 2; step++) {
		ready[c] = step;
		if (!wait_eq(&req, step)) {
			bad[step - gens - 1]++;
			break;
		}
		reload_cr3();                     /* loads the PDPTE registers */
		bad[step - gens - 1] += !pdpte_read(step);
		done[c] = step;
	}
	CHECK32F(name(c, "pdpte_new_after_cr3"), bad[0] == 0, "%u wrong reads through the new PDPTE 3", bad[0]);
	CHECK32F(name(c, "pdpte_old_after_cr3"), bad[1] == 0, "%u reads through the old one wrong (must #PF 0x0)", bad[1]);
}

static u32 new_pd;                          /* built by CPU 0 before the APs start */

static void pdpte_bsp(void)
{
	u64 *pdpte3 = (u64 *)as1->root + 3, old = ent_get(pdpte3);
	u32 bad[2] = { 0, 0 }, lost = 0;
	for (u32 step = gens + 1; step <= gens + 2; step++) {
		lost += !wait_all(ready, step);
		ent_set(pdpte3, step == gens + 1 ? (new_pd | PTE_P) : old);
		reload_cr3();
		bad[step - gens - 1] += !pdpte_read(step);
		req = step;
		lost += !wait_all(done, step);
	}
	CHECK32F(name(0, "pdpte_new_after_cr3"), bad[0] == 0 && lost == 0,
		 "%u wrong reads through the new PDPTE 3, %u waits for the APs timed out", bad[0], lost);
	CHECK32F(name(0, "pdpte_old_after_cr3"), bad[1] == 0, "%u reads through the old one wrong (must #PF 0x0)", bad[1]);
}

/* Who a CPU is, three ways that must agree: the number on its stack
 * (this_cpu32(), which picks its fault record), its local APIC ID, and
 * hvlab's vCPU id. */
static void check_identity(u32 cpu)
{
	u32 stack = this_cpu32(), apic = lapic_id32();
	u32 vcpu = under_hv() ? (u32)hc32(HC_INFO, HC_INFO_VCPU_ID, 0, 0, 0) : cpu;
	CHECK32F(name(cpu, "id"), stack == cpu && apic == cpu && vcpu == cpu,
		 "stack word %u, apic id %u, vcpu id %u (want %u)", stack, apic, vcpu, cpu);
}

void ap_main32(u32 cpu)
{
	check_identity(cpu);
	wait_eq(&go, 1);
	private_rounds(cpu);
	shootdown_ap(cpu);
	if (pt_mode == PT_MODE_PAE)
		pdpte_ap(cpu);
	__atomic_fetch_add(&finished, 1, __ATOMIC_SEQ_CST);
}

/* Everything the APs touch is built here, before they start: the pool
 * allocator (pt32.c) is the boot CPU's only. */
static void prepare(void)
{
	for (u32 j = 0; j < SF_COUNT; j++)
		for (u32 off = 0; off < PAGE32; off += 4)
			*(volatile u32 *)(SF(j) + off) = sval(j, off);
	for (u32 c = 0; c < nr_cpus; c++)
		for (u32 k = 0; k < SLOT_PAGES; k++) {
			as_map(as1, SLOT(c) + k * PAGE32, SF(PRIV(c, k)), PTE_P | PTE_RW, false);
			ent_set(leaf(SLOT(c) + k * PAGE32), 0);
		}
	as_map(as1, SHV, SF(SHARED(7)), PTE_P | PTE_RW, false);   /* "generation -1" */
	as_map(as1, SWV, SF(FR_SW1), PTE_P | PTE_RW, false);
	as_map(as2, SWV, SF(FR_SW2), PTE_P | PTE_RW, false);
	if (pt_mode == PT_MODE_PAE) {
		/* PV through a PD of its own, reached only by PDPTE 3 = new_pd. */
		u32 pt = pt_alloc_page();
		new_pd = pt_alloc_page();
		ent_set((u64 *)new_pd + ((PV >> 21) & 511), pt | PTE_P | PTE_RW | PTE_US);
		ent_set((u64 *)pt + ((PV >> 12) & 511), SF(FR_PDPTE) | PTE_P | PTE_RW);
	}
	reload_cr3();
}

bool mp32_set_rounds(const char *v)
{
	u32 n = 0;
	const char *p = v;
	for (; *p >= '0' && *p <= '9' && n <= ROUNDS_MAX; p++)
		n = n * 10 + (u32)(*p - '0');
	if (n < 2 || n > ROUNDS_MAX || (*p && *p != ' ')) {
		printf32("paging32: bad rounds= on the command line: give 2..%u rounds of the "
			 "SMP workload per CPU (default %u)\n", ROUNDS_MAX, ROUNDS_DEFAULT);
		return false;
	}
	rounds = n;
	return true;
}

void mp32_run(u32 n, struct aspace *a1, struct aspace *a2, const char *pfx)
{
	if (!rounds)
		rounds = ROUNDS_DEFAULT;
	gens = rounds / 2;
	as1 = a1;
	as2 = a2;
	prefix = pfx;
	if (n > MAX_CPUS32) {
		printf32("paging32: %u CPUs, running the first %u (MAX_CPUS32)\n", n, MAX_CPUS32);
		n = MAX_CPUS32;
	}
	nr_cpus = n;
	prepare();
	struct aspace *const spaces[2] = { a1, a2 };
	u32 started = smp32_start(n, spaces, 2);
	char nm[48];
	snprintf(nm, sizeof(nm), "%s_smp_aps_started", prefix);
	CHECK32F(nm, started == n - 1, "%u of %u APs started", started, n - 1);
	nr_cpus = started + 1;                 /* the ones that run */
	check_identity(0);
	go = 1;
	private_rounds(0);
	shootdown_bsp();
	if (pt_mode == PT_MODE_PAE)
		pdpte_bsp();
	bool all = wait_eq(&finished, started);  /* before the detail reads the count */
	snprintf(nm, sizeof(nm), "%s_smp_aps_done", prefix);
	CHECK32F(nm, all, "%u of %u APs finished", finished, started);
}
