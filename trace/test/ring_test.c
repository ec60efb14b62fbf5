/*
 * ring_test.c: host tests of trace/ring.c with pthreads (run under
 * ASan/UBSan by check-trace). Producers play CPUs, one thread plays the
 * collector; every test prints one "TEST name PASS|FAIL detail" line.
 *
 *  trace.ring.init       bad arguments are refused; layout as ring.h draws it
 *  trace.ring.lossless   4 producers, tiny rings: every seq arrives once,
 *                        payload intact (R2, R3), per-ring order (T4)
 *  trace.ring.lossy      drops are counted and reported by HVT_DROP (R4),
 *                        received + dropped == reserved (R5)
 *  trace.ring.sink       no collector: a full ring drains itself (R3)
 */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../ring.h"
#include "../../include/hvlab/atomic.h"

void env_cpu_relax(void) { sched_yield(); }

#define NPROD    4
#define PER_PROD 100000u

struct world {
	struct hvt_shm_desc *desc;
	void *mem;
	u8 *seen;            /* seen[seq] = times received */
	u64 nseen, reserved;
	u64 last_seq[NPROD]; /* T4 check */
	u64 drops_reported;
	int bad;             /* first problem found, 0 = none */
	char why[200];
	volatile int stop;
};

static struct hvt_shm_desc *make_desc(struct world *w, u64 ring_records, u32 lossy)
{
	struct hvt_stream_header hdr = { .magic = HVT_MAGIC, .version = HVT_VERSION };
	u64 bytes = hvt_shm_bytes(NPROD, ring_records);

	memset(w, 0, sizeof(*w));
	w->mem = aligned_alloc(4096, (bytes + 4095) & ~4095ull);
	w->seen = calloc(NPROD * PER_PROD * 2 + 16, 1);
	w->desc = hvt_shm_init(w->mem, 0x100000, bytes, 0x1234, NPROD, lossy, &hdr);
	return w->desc;
}

static void fail(struct world *w, const char *why, u64 seq)
{
	if (!w->bad) {
		w->bad = 1;
		snprintf(w->why, sizeof(w->why), "%s (seq %llu)", why, (unsigned long long)seq);
	}
}

/* The collector's sink: check each record and mark its seq. */
static void check_sink(void *ctx, const struct hvt_record *recs, u64 n)
{
	struct world *w = ctx;

	for (u64 i = 0; i < n; i++) {
		const struct hvt_record *r = &recs[i];

		if (r->vcpu >= NPROD) { fail(w, "bad vcpu", r->seq); continue; }
		if (w->last_seq[r->vcpu] && r->seq <= w->last_seq[r->vcpu] - 1)
			fail(w, "T4: seq went back in one ring", r->seq);
		w->last_seq[r->vcpu] = r->seq + 1;
		if (r->seq >= NPROD * PER_PROD * 2 + 16) { fail(w, "seq out of range", r->seq); continue; }
		if (r->type == HVT_DROP) w->drops_reported += r->a;
		else if (r->a != r->seq * 3 || r->e != ~r->seq) fail(w, "R2: torn payload", r->seq);
		w->seen[r->seq]++;
		w->nseen++;
	}
}

struct prod { struct world *w; u32 cpu; };

static void *producer(void *arg)
{
	struct prod *p = arg;

	for (u32 i = 0; i < PER_PROD; i++) {
		struct hvt_record rec = { .vcpu = p->cpu, .type = HVT_MARKER };

		rec.seq = hvt_reserve_seq(p->w->desc);
		rec.a = rec.seq * 3;
		rec.e = ~rec.seq;
		hvt_emit(p->w->desc, p->cpu, &rec);
	}
	return NULL;
}

static void *collector(void *arg)
{
	struct world *w = arg;

	atomic_store32_release(&w->desc->consumer_attached, 1);
	while (!w->stop) {
		u64 got = 0;
		for (u32 c = 0; c < NPROD; c++)
			got += hvt_drain(w->desc, c, check_sink, w);
		if (!got)
			sched_yield();
	}
	for (u32 c = 0; c < NPROD; c++)
		hvt_drain(w->desc, c, check_sink, w);
	return NULL;
}

static void run(struct world *w)
{
	pthread_t cons, prod[NPROD];
	struct prod args[NPROD];

	pthread_create(&cons, NULL, collector, w);
	for (u32 c = 0; c < NPROD; c++) {
		args[c] = (struct prod){ w, c };
		pthread_create(&prod[c], NULL, producer, &args[c]);
	}
	for (u32 c = 0; c < NPROD; c++)
		pthread_join(prod[c], NULL);
	hvt_finish(w->desc);
	w->stop = 1;
	pthread_join(cons, NULL);
	w->reserved = w->desc->next_seq;
}

static void done(struct world *w, const char *name, const char *detail)
{
	printf("TEST %s %s %s\n", name, w->bad ? "FAIL" : "PASS", w->bad ? w->why : detail);
	free(w->mem);
	free(w->seen);
}

static void test_init(void)
{
	struct hvt_stream_header hdr = { .magic = HVT_MAGIC };
	void *mem = aligned_alloc(4096, 3 * 4096);
	struct hvt_shm_desc *d;
	int ok = 1;

	ok &= hvt_shm_init(mem, 0, 3 * 4096, 1, 0, 0, &hdr) == NULL;
	ok &= hvt_shm_init(mem, 0, 3 * 4096, 1, HVT_MAX_CPUS + 1, 0, &hdr) == NULL;
	ok &= hvt_shm_init((u8 *)mem + 64, 0, 2 * 4096, 1, 1, 0, &hdr) == NULL;
	ok &= hvt_shm_init(mem, 0, 100, 1, 1, 0, &hdr) == NULL;
	d = hvt_shm_init(mem, 0x5000, 3 * 4096, 7, 2, 0, &hdr);
	ok &= d && !memcmp(d->magic, HVT_SHM_MAGIC, 8) && d->key == 7 && d->self == 0x5000;
	ok &= d && d->ring[0].size == 64 && d->ring[1].base == 0x5000 + 4096 + 64 * 64;
	ok &= d && (u8 *)hvt_ring_records(d, 1) == (u8 *)mem + 4096 + 64 * 64;
	printf("TEST trace.ring.init %s bad args refused, 2 rings of 64 laid out after the page\n",
	       ok ? "PASS" : "FAIL");
	free(mem);
}

static void test_lossless(void)
{
	struct world w;
	char detail[160];

	make_desc(&w, 64, 0);
	run(&w);
	if (w.reserved != NPROD * PER_PROD)
		fail(&w, "reserved count", w.reserved);
	for (u64 s = 0; s < w.reserved; s++)
		if (w.seen[s] != 1)
			fail(&w, "T1: seq not received exactly once", s);
	snprintf(detail, sizeof(detail), "%llu records from %d CPUs through 64-record rings, no loss",
		 (unsigned long long)w.nseen, NPROD);
	done(&w, "trace.ring.lossless", detail);
}

static void test_lossy(void)
{
	struct world w;
	u64 dropped = 0, data = 0;
	char detail[160];

	make_desc(&w, 16, 1);
	run(&w);
	for (u32 c = 0; c < NPROD; c++)
		dropped += w.desc->ring[c].dropped;
	for (u64 s = 0; s < w.reserved; s++)
		if (w.seen[s] > 1)
			fail(&w, "seq received twice", s);
	data = w.nseen;
	if (data + dropped != w.reserved)
		fail(&w, "R5: received + dropped != reserved", data + dropped);
	if (w.drops_reported > dropped)
		fail(&w, "R4: more drops reported than counted", w.drops_reported);
	snprintf(detail, sizeof(detail), "%llu received, %llu dropped (%llu reported by HVT_DROP)",
		 (unsigned long long)data, (unsigned long long)dropped,
		 (unsigned long long)w.drops_reported);
	done(&w, "trace.ring.lossy", detail);
}

static void test_sink(void)
{
	struct world w;

	make_desc(&w, 8, 0);
	for (u32 i = 0; i < 1000; i++) {
		struct hvt_record rec = { .vcpu = 1 };

		rec.seq = hvt_reserve_seq(w.desc);
		rec.a = rec.seq * 3;
		rec.e = ~rec.seq;
		hvt_emit_sink(w.desc, 1, &rec, check_sink, &w);
	}
	hvt_drain(w.desc, 1, check_sink, &w);
	for (u64 s = 0; s < 1000; s++)
		if (w.seen[s] != 1)
			fail(&w, "seq lost by the self-drain", s);
	done(&w, "trace.ring.sink", "1000 records through an 8-record ring drained by its producer");
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	test_init();
	test_lossless();
	test_lossy();
	test_sink();
	return 0;
}
