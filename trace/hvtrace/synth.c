/*
 * synth.c: `hvtrace synth --events N --out F.hvt [--seed S] [--vcpus V]`:
 * a realistic, internally consistent synthetic trace for tests and benches
 * (labelled "synthetic" in the header's scenario).
 *
 * The story, one operation at a time, each for a random vCPU or the VMM:
 *   fault       EXIT(npf), FAULT, [CACHE_TOPUP], PT_ALLOC+link per missing
 *               level, leaf map (or a lost race, or spurious); FAULT_END and
 *               ENTRY now or at that vCPU's next operation (faults overlap)
 *   fast fault  write to a write-protected page under dirty logging
 *   run         the guest touches mapped pages: A/D set by "hardware"
 *   mmio        LAPIC access: FAULT(mmio), MMIO, FAULT_END(mmio)
 *   hypercall   EXIT, HYPERCALL, ENTRY
 *   zap         a 2 MiB or 1 GiB region: leaves, unlinks, one batched flush
 *               (or one per table, the slow path), GRACE, PT_FREEs
 *   dirty log   MEMSLOT flags on/off; write-protect the slot + flush
 *   age         clear A over a slot
 * The page-table model is synth_mmu.c. Exactly N records: an operation
 * starts only if its worst case fits, the tail is filled with exit/entry.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hvtrace.h"
#include "synth.h"

#define TSC_HZ     2000000000ull
#define GUEST_RIP  0xffffffff81000000ull
#define LAPIC_GPA  0xfee00000ull
#define MAX_FAULT  16   /* worst-case records of one fault operation */

u64 sy_rand(struct synth *s)
{
	/* xorshift64* */
	s->rng ^= s->rng >> 12;
	s->rng ^= s->rng << 25;
	s->rng ^= s->rng >> 27;
	return s->rng * 0x2545f4914f6cdd1dull;
}

static u64 below(struct synth *s, u64 n) { return sy_rand(s) % n; }

u64 sy_emit(struct synth *s, u16 vcpu, u8 type, u8 reason, u8 level, u8 flags, u16 aux,
	    u64 a, u64 b, u64 c, u64 d, u64 e)
{
	struct hvt_record r = {
		.seq = s->seq, .vcpu = vcpu, .type = type, .reason = reason, .level = level,
		.flags = flags, .aux16 = aux, .a = a, .b = b, .c = c, .d = d, .e = e,
	};

	s->tsc += 40 + below(s, 400);
	r.tsc = s->tsc;
	if (hvt_writer_append(&s->w, &r))
		s->io_error = 1;
	return s->seq++;
}

static u64 rip(struct synth *s) { return GUEST_RIP + below(s, 0x100000); }

/* Close vcpu's open fault: FAULT_END and the re-entry. */
static void end_fault(struct synth *s, u16 v)
{
	if (!s->open_fault[v])
		return;
	sy_emit(s, v, HVT_FAULT_END, s->fault_kind[v], 0, 0, s->fault_result[v],
		s->fault_gpa[v], s->fault_seq[v], s->fault_result[v] == HVT_FR_FIXED,
		s->fault_writes[v], 0);
	sy_emit(s, v, HVT_ENTRY, 0, 0, 0, 0, rip(s), 0, 0, 0, 0);
	s->open_fault[v] = 0;
}

static void open_fault(struct synth *s, u16 v, u8 kind, u64 gpa, u64 err)
{
	sy_emit(s, v, HVT_EXIT, HVT_EX_NPF, 0, 0, 0, 0x400, err, gpa, rip(s), 0);
	s->fault_seq[v] = sy_emit(s, v, HVT_FAULT, kind, 0, 0, 0, gpa, err, gpa, rip(s), 0);
	s->fault_gpa[v] = gpa;
	s->fault_kind[v] = kind;
	s->fault_writes[v] = 0;
	s->open_fault[v] = 1;
}

/* A gfn with locality: mostly near the vCPU's hot base, sometimes anywhere. */
static u64 pick_gfn(struct synth *s, u16 v)
{
	if (below(s, 100) < 3)
		s->hot[v] = below(s, SM_SLOTS * SM_SLOT_PAGES) & ~511ull;
	if (below(s, 10) < 8)
		return s->hot[v] + below(s, 1024);
	return below(s, SM_SLOTS * SM_SLOT_PAGES);
}

static void op_fault(struct synth *s, u16 v)
{
	u64 gfn = pick_gfn(s, v) % (SM_SLOTS * SM_SLOT_PAGES), sptep = 0;
	int write = below(s, 3) == 0;
	u64 err = 0x4 | (write ? 0x2 : 0), leaf = sm_leaf(s, gfn, &sptep);
	int w;

	open_fault(s, v, HVT_FK_TDP, gfn << 12, err | ((leaf & SM_PRESENT) ? 1 : 0));
	if ((leaf & SM_PRESENT) && write && !(leaf & SM_W)) {
		sm_fast_fix(s, v, gfn, err | 1);   /* dirty logging: fast path */
		s->fault_result[v] = HVT_FR_FIXED;
		s->fault_writes[v] = 1;
		return;
	}
	if (below(s, 8) == 0)
		sy_emit(s, v, HVT_CACHE_TOPUP, 0, 0, 0, 0, below(s, 4), 4, 40, 0, 0);
	w = sm_map(s, v, gfn, write, below(s, 100) == 0);
	s->fault_result[v] = w < 0 ? HVT_FR_RETRY : w == 0 ? HVT_FR_SPURIOUS : HVT_FR_FIXED;
	s->fault_writes[v] = w < 0 ? 0 : (u64)w;
}

static void op_mmio(struct synth *s, u16 v)
{
	int write = below(s, 2);
	u64 gpa = LAPIC_GPA + 0x10 * below(s, 64);

	open_fault(s, v, HVT_FK_MMIO, gpa, 0x4 | (write ? 2 : 0) | 8);
	sy_emit(s, v, HVT_MMIO, write, 0, 0, HVT_MMIO_LAPIC, gpa, write ? below(s, 256) : 0, 4,
		rip(s), 0);
	s->fault_result[v] = HVT_FR_MMIO;
}

static void op_hypercall(struct synth *s, u16 v)
{
	u64 nr = below(s, 4);

	sy_emit(s, v, HVT_EXIT, HVT_EX_HYPERCALL, 0, 0, 0, 0x81, 0, 0, rip(s), 0);
	sy_emit(s, v, HVT_HYPERCALL, 0, 0, 0, 0, nr, below(s, 1000), 0, 0, 0);
	sy_emit(s, v, HVT_ENTRY, 0, 0, 0, 0, rip(s), 0, 0, 0, 0);
}

static void op_run(struct synth *s, u16 v)
{
	for (int i = 0; i < 8; i++)
		sm_touch(s, pick_gfn(s, v) % (SM_SLOTS * SM_SLOT_PAGES), below(s, 2));
}

static void op_zap(struct synth *s)
{
	u64 gfn = below(s, SM_SLOTS * SM_SLOT_PAGES);
	int level = below(s, 20) == 0 ? 3 : 2;
	u64 cost = sm_zap_cost(s, gfn, level);

	if (cost && cost <= sy_left(s))
		sm_zap(s, gfn, level, below(s, 4) == 0);
}

static void op_dirty_log(struct synth *s)
{
	int slot = (int)below(s, SM_SLOTS), on = !s->dirty_log[slot];

	if (sm_slot_cost(s, slot, SM_W) + 1 > sy_left(s))
		return;
	s->dirty_log[slot] = on;
	sy_emit(s, HVT_NO_VCPU, HVT_MEMSLOT, HVT_MS_FLAGS, 0, 0, 0, slot * SM_SLOT_PAGES,
		SM_SLOT_PAGES, on, slot, s->seq);
	if (on)
		sm_slot_clear(s, slot, SM_W, HVT_SR_WRPROT, HVT_FR_WRPROT);
}

static void op_age(struct synth *s)
{
	int slot = (int)below(s, SM_SLOTS);

	if (sm_slot_cost(s, slot, SM_A) <= sy_left(s))
		sm_slot_clear(s, slot, SM_A, HVT_SR_AGE, 0);
}

static void op_vcpu(struct synth *s, u16 v)
{
	u64 dice = below(s, 1000);

	end_fault(s, v);
	if (dice < 700)
		op_fault(s, v);
	else if (dice < 850)
		op_run(s, v);
	else if (dice < 950)
		op_mmio(s, v);
	else
		op_hypercall(s, v);
	if (s->open_fault[v] && below(s, 2))
		end_fault(s, v);
}

static void op_vmm(struct synth *s)
{
	u64 dice = below(s, 100);

	if (dice < 70)
		op_zap(s);
	else if (dice < 85)
		op_dirty_log(s);
	else
		op_age(s);
}

/* The tail: close open faults, then single records up to exactly N. */
static void fill(struct synth *s)
{
	for (u16 v = 0; v < s->nr_vcpus; v++)
		if (sy_left(s) >= 2)
			end_fault(s, v);
	while (sy_left(s)) {
		u16 v = (u16)below(s, s->nr_vcpus);

		if (s->open_fault[v] || sy_left(s) == 1)
			sy_emit(s, v, HVT_EXIT, HVT_EX_HLT, 0, 0, 0, 0x78, 0, 0, rip(s), 0);
		else
			sy_emit(s, v, HVT_ENTRY, 0, 0, 0, 0, rip(s), 0, 0, 0, 0);
	}
}

static void setup_header(struct synth *s, u64 seed)
{
	struct hvt_spte_format *f = &s->hdr.spte;

	memcpy(s->hdr.magic, HVT_MAGIC, 8);
	s->hdr.version = HVT_VERSION;
	s->hdr.header_size = HVT_HEADER_SIZE;
	s->hdr.record_size = HVT_RECORD_SIZE;
	s->hdr.vendor = HVT_VENDOR_SVM;
	s->hdr.mmu_mode = HVT_MMU_TDP;
	s->hdr.ad_enabled = 1;
	s->hdr.nr_vcpus = (u8)s->nr_vcpus;
	s->hdr.tsc_hz = TSC_HZ;
	s->hdr.record_count = s->budget;
	*f = (struct hvt_spte_format){
		.present_mask = SM_PRESENT, .writable_mask = SM_W, .nx_mask = SM_NX,
		.user_mask = SM_U, .accessed_mask = SM_A, .dirty_mask = SM_D,
		.huge_mask = SM_PS, .pfn_mask = SM_PFN, .mmu_writable_mask = SM_MMU_W,
		.host_writable_mask = SM_HOST_W, .mmio_mask = BIT(51) | SM_P,
		.mmio_value = BIT(51) | SM_P, .mmio_gen_mask = GENMASK(62, 52) | GENMASK(10, 3),
		.frozen_value = 0x5a0, .nonpresent_value = 0, .format = 2, .levels = 4,
	};
	snprintf(s->hdr.scenario, sizeof(s->hdr.scenario),
		 "synthetic: hvtrace synth --events %llu --seed %llu --vcpus %u (not a real run)",
		 (unsigned long long)s->budget, (unsigned long long)seed, s->nr_vcpus);
}

static void story(struct synth *s)
{
	char label[40] = "synthetic trace";
	struct hvt_record m;

	memcpy(&m.a, label, 40);
	if (sy_left(s) >= 1 + SM_SLOTS + 2)
		for (int i = 0; i < SM_SLOTS; i++)
			sy_emit(s, HVT_NO_VCPU, HVT_MEMSLOT, HVT_MS_CREATE, 0, 0, 0,
				i * SM_SLOT_PAGES, SM_SLOT_PAGES, 0, i, 0);
	if (sy_left(s) >= 3)
		sm_init(s);
	if (sy_left(s) >= 1)
		sy_emit(s, HVT_NO_VCPU, HVT_MARKER, 0, 0, 0, 0, m.a, m.b, m.c, m.d, m.e);
	while (sy_left(s) > MAX_FAULT * 2 + 8 && !s->io_error) {
		if (below(s, 400) == 0)
			op_vmm(s);
		else
			op_vcpu(s, (u16)below(s, s->nr_vcpus));
	}
	fill(s);
}

static int parse(int argc, char **argv, u64 *n, u64 *seed, u64 *vcpus, const char **out)
{
	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--events") && !hvt_parse_u64(argv[i + 1], n)) continue;
		if (!strcmp(argv[i], "--seed") && !hvt_parse_u64(argv[i + 1], seed)) continue;
		if (!strcmp(argv[i], "--vcpus") && !hvt_parse_u64(argv[i + 1], vcpus)) continue;
		if (!strcmp(argv[i], "--out")) { *out = argv[i + 1]; continue; }
		return -1;
	}
	return (argc % 2 == 0 || !*out || !*n || *vcpus < 1 || *vcpus > HVT_MAX_CPUS) ? -1 : 0;
}

int cmd_synth(int argc, char **argv)
{
	static const char usage[] = "synth --events N --out F.hvt [--seed S] [--vcpus 1..8]";
	u64 n = 0, seed = 1, vcpus = 4;
	const char *out = NULL;
	struct synth *s;
	int rc = 0;

	if (parse(argc, argv, &n, &seed, &vcpus, &out))
		return hvt_usage(usage);
	s = calloc(1, sizeof(*s));
	s->budget = n;
	s->nr_vcpus = (u32)vcpus;
	s->rng = seed * 0x9e3779b97f4a7c15ull + 1;
	s->tsc = 1000000;
	setup_header(s, seed);
	if (hvt_writer_open(&s->w, out))
		rc = hvt_error("synth", "%s: cannot create the output: %m", out);
	else {
		story(s);
		if (s->io_error || hvt_writer_commit(&s->w, &s->hdr, s->seq))
			rc = hvt_error("synth", "%s: write failed", out);
	}
	sm_free(s);
	free(s);
	return rc;
}
