/*
 * ring.c: per-CPU single-producer single-consumer trace rings (ring.h).
 *
 * Freestanding: no libc. Copies are written out word by word so the
 * compiler has no reason to call memcpy; spinning goes through
 * env_cpu_relax(). Invariants R1..R5 are in ring.h.
 *
 * Producer step (hvt_emit), consumer step (hvt_drain):
 *
 *   producer                           consumer
 *   t = load_acquire(tail)             h = load_acquire(head)
 *   if head - t == size: full          copy slots tail..h-1 out
 *   write slot head & (size-1)         store_release(tail, h)
 *   store_release(head, head + 1)
 */
#include "ring.h"
#include "../include/hvlab/atomic.h"
#include "../include/hvlab/rwlock.h"   /* env_cpu_relax() */

static u64 rounddown_pow2(u64 x)
{
	u64 p = 1;

	while (p <= x / 2)
		p <<= 1;
	return p;
}

static void copy_words(volatile u64 *dst, const volatile u64 *src, u64 words)
{
	for (u64 i = 0; i < words; i++)
		dst[i] = src[i];
}

static void zero_words(volatile u64 *dst, u64 words)
{
	for (u64 i = 0; i < words; i++)
		dst[i] = 0;
}

/* One 64-byte record: eight plain stores, no loop to turn into memcpy. */
static void copy_record(struct hvt_record *dst, const struct hvt_record *src)
{
	u64 *d = (u64 *)dst;
	const u64 *s = (const u64 *)src;

	d[0] = s[0]; d[1] = s[1]; d[2] = s[2]; d[3] = s[3];
	d[4] = s[4]; d[5] = s[5]; d[6] = s[6]; d[7] = s[7];
}

u64 hvt_shm_bytes(u32 nr_rings, u64 ring_records)
{
	return HVT_DESC_BYTES + (u64)nr_rings * ring_records * HVT_RECORD_SIZE;
}

struct hvt_record *hvt_ring_records(const struct hvt_shm_desc *desc, u32 i)
{
	return (struct hvt_record *)((u8 *)desc + (desc->ring[i].base - desc->self));
}

static void init_ring(struct hvt_shm_desc *desc, u32 i, u64 records)
{
	struct hvt_shm_ring *r = &desc->ring[i];

	zero_words((volatile u64 *)r, sizeof(*r) / 8);
	r->base = desc->self + HVT_DESC_BYTES + (u64)i * records * HVT_RECORD_SIZE;
	r->size = records;
}

struct hvt_shm_desc *hvt_shm_init(void *mem, u64 mem_pa, u64 bytes, u64 key,
				  u32 nr_rings, u32 lossy,
				  const struct hvt_stream_header *hdr)
{
	struct hvt_shm_desc *desc = mem;
	u64 per_ring;

	if (nr_rings == 0 || nr_rings > HVT_MAX_CPUS || ((uintptr_t)mem & 4095) ||
	    bytes < hvt_shm_bytes(nr_rings, 2))
		return NULL;
	per_ring = rounddown_pow2((bytes - HVT_DESC_BYTES) / nr_rings / HVT_RECORD_SIZE);
	zero_words((volatile u64 *)desc, HVT_DESC_BYTES / 8);
	copy_words((volatile u64 *)&desc->header, (const volatile u64 *)hdr,
		   sizeof(*hdr) / 8);
	desc->key = key;
	desc->self = mem_pa;
	desc->nr_rings = nr_rings;
	desc->lossy = lossy;
	for (u32 i = 0; i < nr_rings; i++)
		init_ring(desc, i, per_ring);
	/* The magic last: a collector scanning memory never sees half a descriptor. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	for (int i = 0; i < 8; i++)
		((volatile char *)desc->magic)[i] = HVT_SHM_MAGIC[i];
	return desc;
}

u64 hvt_reserve_seq(struct hvt_shm_desc *desc)
{
	return atomic_fetch_add64(&desc->next_seq, 1);
}

u64 hvt_ring_used(const struct hvt_shm_desc *desc, u32 cpu)
{
	const struct hvt_shm_ring *r = &desc->ring[cpu];

	return atomic_load_acquire(&r->head) - atomic_load_acquire(&r->tail);
}

/* R2: fill the slot, then publish it. The caller checked there is room. */
static void push(struct hvt_shm_desc *desc, u32 cpu, const struct hvt_record *rec)
{
	struct hvt_shm_ring *r = &desc->ring[cpu];
	u64 head = r->head;

	copy_record(&hvt_ring_records(desc, cpu)[head & (r->size - 1)], rec);
	atomic_store_release(&r->head, head + 1);
}

static bool ring_full(const struct hvt_shm_ring *r)
{
	return r->head - atomic_load_acquire(&r->tail) >= r->size;  /* R1 */
}

/* R4: count a record that did not fit. */
static void count_drop(struct hvt_shm_ring *r, const struct hvt_record *rec)
{
	if (r->dropped == r->drop_reported)
		r->drop_first = rec->seq;
	r->drop_last = rec->seq;
	atomic_store_release(&r->dropped, r->dropped + 1);
}

/* R4: after a record that fit, report the drops before it, if room. */
static void report_drops(struct hvt_shm_desc *desc, u32 cpu, const struct hvt_record *last)
{
	struct hvt_shm_ring *r = &desc->ring[cpu];
	struct hvt_record drop = { 0 };
	u64 dropped = r->dropped;

	if (dropped == r->drop_reported || ring_full(r))
		return;
	drop.seq = hvt_reserve_seq(desc);
	drop.tsc = last->tsc;
	drop.vcpu = last->vcpu;
	drop.type = HVT_DROP;
	drop.a = dropped - r->drop_reported;
	drop.b = r->drop_first;
	drop.c = r->drop_last;
	push(desc, cpu, &drop);
	r->drop_reported = dropped;
}

int hvt_emit_sink(struct hvt_shm_desc *desc, u32 cpu, const struct hvt_record *rec,
		  hvt_sink_fn sink, void *ctx)
{
	struct hvt_shm_ring *r;

	if (cpu >= desc->nr_rings)
		return E_INVAL;
	r = &desc->ring[cpu];
	while (ring_full(r)) {
		if (desc->lossy) {
			count_drop(r, rec);
			return 1;
		}
		if (sink && !atomic_load32_acquire(&desc->consumer_attached))
			hvt_drain(desc, cpu, sink, ctx);
		else
			env_cpu_relax();  /* R3: wait for the collector */
	}
	push(desc, cpu, rec);
	if (desc->lossy)
		report_drops(desc, cpu, rec);
	return 0;
}

int hvt_emit(struct hvt_shm_desc *desc, u32 cpu, const struct hvt_record *rec)
{
	return hvt_emit_sink(desc, cpu, rec, NULL, NULL);
}

u64 hvt_drain(struct hvt_shm_desc *desc, u32 cpu, hvt_sink_fn sink, void *ctx)
{
	struct hvt_shm_ring *r = &desc->ring[cpu];
	struct hvt_record *recs = hvt_ring_records(desc, cpu);
	u64 tail = r->tail;
	u64 head = atomic_load_acquire(&r->head);
	u64 n = head - tail;

	while (tail != head) {
		u64 slot = tail & (r->size - 1);
		u64 run = r->size - slot;   /* contiguous up to the array's end */

		if (run > head - tail)
			run = head - tail;
		sink(ctx, &recs[slot], run);
		tail += run;
	}
	atomic_store_release(&r->tail, tail);  /* R2: slots read, give them back */
	return n;
}

void hvt_finish(struct hvt_shm_desc *desc)
{
	smp_mb();
	atomic_store32_release(&desc->done, 1);
}
