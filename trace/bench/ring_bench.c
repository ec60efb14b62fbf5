/*
 * ring_bench.c: the cost of tracing one event on the producer side:
 * hvt_reserve_seq + hvt_emit of a 64-byte record into a per-CPU ring while
 * a consumer thread drains it, against a bare 64-byte append into a
 * preallocated buffer of the same size (TRACE-NOTES.md: 12-14 ns measured
 * for a 40-byte one). Best of 3 runs of N records each. Prints
 *   BENCH trace.ns_per_event <ns> ns
 *   BENCH trace.push_over_memcpy <ratio> ratio
 */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "../ring.h"

#define N     (4u << 20)
#define RING  16384u        /* as hv: 1 MiB of records per CPU */

void env_cpu_relax(void) { __builtin_ia32_pause(); }

static struct hvt_shm_desc *desc;
static volatile int stop;
static volatile u64 sink_sum;

/* CPU time of the calling thread: on a shared machine, time slices given
 * to other processes do not count against the code measured. */
static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void sink(void *ctx, const struct hvt_record *recs, u64 n)
{
	sink_sum += recs[n - 1].seq;   /* touch the data, as a collector would */
}

static void *consumer(void *arg)
{
	atomic_store32_release(&desc->consumer_attached, 1);
	/* Like hvtrace collect: drain in batches, nap when little is there, so
	 * the producer's cache lines are not pulled away on every record. */
	while (!stop) {
		if (hvt_ring_used(desc, 0) < RING / 4)
			usleep(50);
		hvt_drain(desc, 0, sink, NULL);
	}
	hvt_drain(desc, 0, sink, NULL);
	return NULL;
}

static double push_run(void)
{
	struct hvt_stream_header h = { .magic = HVT_MAGIC };
	void *mem = aligned_alloc(4096, hvt_shm_bytes(1, RING));
	struct hvt_record r = { .type = HVT_SPTE_CHANGE, .level = 1 };
	pthread_t t;
	double t0, dt;

	desc = hvt_shm_init(mem, 0, hvt_shm_bytes(1, RING), 1, 1, 0, &h);
	stop = 0;
	pthread_create(&t, NULL, consumer, NULL);
	t0 = now();
	for (u64 i = 0; i < N; i++) {
		r.seq = hvt_reserve_seq(desc);
		r.tsc = i;
		r.c = i;
		r.d = i + 1;
		hvt_emit(desc, 0, &r);
	}
	dt = now() - t0;
	stop = 1;
	pthread_join(t, NULL);
	free(mem);
	return dt * 1e9 / N;
}

/* The same records appended to a preallocated buffer of the ring's size
 * (wrapping), with no reservation, no check and no consumer. */
static double memcpy_run(void)
{
	struct hvt_record *buf = malloc((size_t)RING * sizeof(*buf));
	struct hvt_record r = { .type = HVT_SPTE_CHANGE, .level = 1 };
	double t0, dt;

	memset(buf, 0, (size_t)RING * sizeof(*buf));   /* preallocated: fault the pages in */
	t0 = now();
	for (u64 i = 0; i < N; i++) {
		u64 *dst = (u64 *)&buf[i & (RING - 1)];
		const u64 *src = (const u64 *)&r;

		r.seq = i;
		r.tsc = i;
		r.c = i;
		r.d = i + 1;
		/* word by word, as ring.c copies (a 16-byte load of fields just
		 * stored 8 bytes at a time would stall on store forwarding) */
		dst[0] = src[0]; dst[1] = src[1]; dst[2] = src[2]; dst[3] = src[3];
		dst[4] = src[4]; dst[5] = src[5]; dst[6] = src[6]; dst[7] = src[7];
		__asm__ volatile("" ::: "memory");
	}
	dt = now() - t0;
	sink_sum += buf[(N - 1) & (RING - 1)].seq;
	free(buf);
	return dt * 1e9 / N;
}

int main(void)
{
	double push = 1e9, copy = 1e9;

	for (int i = 0; i < 3; i++) {
		double p = push_run(), c = memcpy_run();

		push = p < push ? p : push;
		copy = c < copy ? c : copy;
	}
	printf("BENCH trace.ns_per_event %.1f ns\n", push);
	printf("BENCH trace.push_over_memcpy %.2f ratio\n", push / copy);
	printf("# bare 64-byte append %.1f ns/event\n", copy);
	return 0;
}
