/*
 * trace.c: trace rings in hv memory and the core's own records.
 *
 * trace_init() allocates one contiguous, page-aligned block: the descriptor
 * page (struct hvt_shm_desc with the run's trace_key, found by the host
 * collector scanning QEMU's RAM file) followed by one ring per vCPU
 * (= per physical CPU). Without trace_key tracing is off: seqs are still
 * reserved (T1 bookkeeping stays cheap) but nothing is stored.
 *
 * Lossless mode: a full ring makes the producer wait for the collector; if
 * no collector ever attached, the records are dropped through a sink that
 * counts them instead, so a run without hvtrace never hangs.
 */
#include "hv/core/trace.h"
#include "hv/core/config.h"
#include "hv/core/lib.h"
#include "hv/core/pcpu.h"
#include "hv/core/vm.h"
#include "hv/core/x86.h"
#include "mmu/env.h"
#include "mmu/mmu.h"
#include "hv/core/trace_port.h"
#include "hv/core/tsc.h"
#include "trace/ring.h"

#define RING_RECORDS 16384u          /* per CPU: 1 MiB of records */

static struct hvt_shm_desc *desc;    /* NULL when tracing is off */
static volatile u64 seq_off;         /* seq counter used when tracing is off */
static volatile u64 sink_dropped;
static hvt_sink_fn full_sink;        /* where a full ring drains with no collector */

static void fill_header(struct vm *vm, const struct boot_config *cfg,
			struct hvt_stream_header *h)
{
	memset(h, 0, sizeof(*h));
	memcpy(h->magic, HVT_MAGIC, 8);
	h->version = HVT_VERSION;
	h->header_size = HVT_HEADER_SIZE;
	h->record_size = HVT_RECORD_SIZE;
	h->vendor = (u8)vm->ops->trace_vendor;
	h->mmu_mode = (u8)vm->mmu_mode;
	h->nr_vcpus = (u8)vm->nr_vcpus;
	h->tsc_hz = tsc_hz;
	mmu_describe_format(vm->mmu, &h->spte);
	h->ad_enabled = h->spte.accessed_mask != 0;
	size_t n = strlen(cfg->guest_cmdline);
	if (n > sizeof(h->scenario) - 1)
		n = sizeof(h->scenario) - 1;
	memcpy(h->scenario, cfg->guest_cmdline, n);
}

void trace_init(struct vm *vm, const struct boot_config *cfg)
{
	struct hvt_stream_header hdr;

	if (!cfg->trace_on || (!cfg->trace_key && !cfg->trace_port))
		return;
	u64 bytes = hvt_shm_bytes((u32)vm->nr_vcpus, RING_RECORDS);
	u64 npages = (bytes + PAGE_SIZE - 1) >> PAGE_SHIFT;
	hpa_t mem = env_alloc_backing(npages, 1);
	if (!mem) {
		printk("hv: no memory for the trace rings (%lu KiB): tracing off\n", bytes >> 10);
		return;
	}
	fill_header(vm, cfg, &hdr);
	desc = hvt_shm_init(env_hpa_to_va(mem), mem, bytes, cfg->trace_key,
			    (u32)vm->nr_vcpus, cfg->trace_lossy, &hdr);
	if (desc && cfg->trace_port) {
		trace_port_init(&hdr);
		full_sink = trace_port_sink;
	}
	if (desc)
		printk("hv: trace rings at 0x%lx (%u per vCPU), key 0x%lx\n",
		       mem, RING_RECORDS, cfg->trace_key);
}

/*
 * Before the guest runs, wait (at most trace_wait=S seconds) for the
 * collector. Until one attaches, a full ring drops its records (nothing
 * would ever drain it, and a run without hvtrace must not hang), so a boot
 * that fills a ring before `hvtrace collect` has found the descriptor in
 * QEMU's RAM file would lose the start of the run. trace=port never drops
 * (a full ring drains to the port) and trace=lossy drops by choice: no wait.
 */
void trace_wait_collector(const struct boot_config *cfg)
{
	if (!desc || cfg->trace_port || cfg->trace_lossy || !cfg->trace_wait_s)
		return;
	u64 t0 = rdtsc(), limit = cfg->trace_wait_s * tsc_hz;
	while (!READ_ONCE(desc->consumer_attached)) {
		if (rdtsc() - t0 > limit) {
			printk("hv: no trace collector attached after %lu s: going on; records that "
			       "overflow a ring are dropped (run hvtrace collect with key 0x%lx, "
			       "as scripts/run-qemu.sh does)\n", cfg->trace_wait_s, cfg->trace_key);
			return;
		}
		cpu_relax();
	}
	printk("hv: trace collector attached after %lu ms\n",
	       (rdtsc() - t0) / (tsc_hz / 1000 ? tsc_hz / 1000 : 1));
}

void trace_finish(struct vm *vm)
{
	if (!desc)
		return;
	if (full_sink == trace_port_sink)
		trace_port_finish(desc, (u32)vm->nr_vcpus);
	hvt_finish(desc);
	if (sink_dropped)
		printk("hv: no trace collector attached: %lu records not kept\n", sink_dropped);
	/* Give the collector a moment to copy the last records out. */
	for (u64 spin = 0; spin < 20000000 && READ_ONCE(desc->consumer_attached); spin++) {
		u64 used = 0;
		for (int i = 0; i < vm->nr_vcpus; i++)
			used += hvt_ring_used(desc, (u32)i);
		if (!used)
			break;
		cpu_relax();
	}
}

/* Until a collector attaches, a full ring drops records instead of waiting:
 * a guest that times a traced run waits for this first (HC_INFO). */
bool trace_collector_attached(void)
{
	return desc && READ_ONCE(desc->consumer_attached);
}

/* ---- env.h's trace functions (used by the MMU and by the core) ---- */

u64 env_trace_reserve(void)
{
	return desc ? hvt_reserve_seq(desc) : atomic_fetch_add64(&seq_off, 1);
}

static void discard_sink(void *ctx, const struct hvt_record *recs, u64 n)
{
	atomic_fetch_add64(&sink_dropped, n);
}

void env_trace_emit(const struct hvt_record *rec)
{
	if (!desc)
		return;
	struct hvt_record r = *rec;
	if (!r.tsc)
		r.tsc = rdtsc();
	hvt_emit_sink(desc, (u32)this_pcpu()->id, &r, full_sink ? full_sink : discard_sink, NULL);
}

/* ---- the core's records ---- */

static void emit(struct hvt_record *r, const struct vcpu *v, u8 type)
{
	r->seq = env_trace_reserve();
	r->vcpu = v ? (u16)v->id : HVT_NO_VCPU;
	r->type = type;
	env_trace_emit(r);
}

void trace_exit(struct vcpu *v, const struct exit_info *e)
{
	struct hvt_record r = { .reason = (u8)e->kind, .a = e->raw_reason, .b = e->qual,
				.c = e->info2, .d = v->regs.rip };
	emit(&r, v, HVT_EXIT);
}

void trace_hypercall(struct vcpu *v, u64 nr, u64 a0, u64 a1, s64 result)
{
	struct hvt_record r = { .a = nr, .b = a0, .c = a1, .d = (u64)result };
	emit(&r, v, HVT_HYPERCALL);
}

void trace_marker(struct vcpu *v, const char *label, size_t len)
{
	struct hvt_record r = { 0 };
	if (len > 40)
		len = 40;
	memcpy(&r.a, label, len);
	emit(&r, v, HVT_MARKER);
}

void trace_mmio(struct vcpu *v, gpa_t gpa, u64 value, u8 len, bool write, int kind)
{
	struct hvt_record r = { .reason = write, .aux16 = (u16)kind, .a = gpa, .b = value,
				.c = len, .d = v->regs.rip };
	emit(&r, v, HVT_MMIO);
}

void trace_request(u64 req, u64 vcpu_mask, bool kicked)
{
	struct pcpu *p = this_pcpu_safe();
	struct hvt_record r = { .reason = kicked, .a = req, .b = vcpu_mask };
	emit(&r, p ? p->vcpu : NULL, HVT_REQUEST);
}
