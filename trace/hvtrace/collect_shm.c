/*
 * collect_shm.c: collect a run's records from its RAM while it runs.
 *
 * QEMU backs guest RAM with a shared file (memory-backend-file,share=on);
 * physical address = file offset. The steps:
 *   1. wait for RAMFILE, map it shared
 *   2. scan page starts for HVT_SHM_MAGIC followed by the run's key
 *      (hv writes the magic last, ring.c), check the descriptor
 *   3. set consumer_attached; then loop: copy each ring's records out
 *      (head read with acquire), place them by seq, store tail (release)
 *   4. stop when desc->done is set and the rings are empty, or QEMU's pid
 *      is gone, or nothing moved for --timeout seconds, or SIGTERM/SIGINT
 *      came (a run script ending the collector); drain once more, then
 *      write OUT atomically (assemble.h)
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "../../include/hvlab/atomic.h"
#include "assemble.h"
#include "collect.h"
#include "hvtrace.h"
#include "reader.h"

#define X(v) ((unsigned long long)(v))

struct shm {
	const struct collect_opts *o;
	u8 *map;
	u64 bytes;
	struct hvt_shm_desc *desc;
	struct hvt_asm a;
	char err[512];
};

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig) { stop_signal = sig; }

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Little to copy: wait a little, so the next drain takes a batch and the
 * producers' ring lines are not pulled over on every record. */
static void nap(long drained) { usleep(drained ? 200 : 1000); }

static int map_file(struct shm *s)
{
	double until = now() + s->o->timeout;
	struct stat st;
	int fd;

	while ((fd = open(s->o->mem, O_RDWR)) < 0 || fstat(fd, &st) || st.st_size < 8192) {
		if (fd >= 0)
			close(fd);
		if (now() > until || stop_signal)
			return snprintf(s->err, sizeof(s->err), "%s: no RAM file after %.0f s: %s",
					s->o->mem, s->o->timeout, fd < 0 ? strerror(errno) : "too small"), -1;
		usleep(20000);
	}
	s->bytes = (u64)st.st_size;
	s->map = mmap(NULL, s->bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (s->map == MAP_FAILED)
		return snprintf(s->err, sizeof(s->err), "%s: mmap: %m", s->o->mem), -1;
	return 0;
}

static struct hvt_shm_desc *scan(struct shm *s)
{
	for (u64 off = 0; off + sizeof(struct hvt_shm_desc) <= s->bytes; off += 4096) {
		struct hvt_shm_desc *d = (struct hvt_shm_desc *)(s->map + off);

		if (!memcmp(d->magic, HVT_SHM_MAGIC, 8) && d->key == s->o->key) {
			__atomic_thread_fence(__ATOMIC_ACQUIRE);
			return d;
		}
	}
	return NULL;
}

/* The descriptor's rings must lie inside the file. */
static int check_desc(struct shm *s, u64 off)
{
	struct hvt_shm_desc *d = s->desc;

	if (d->nr_rings == 0 || d->nr_rings > HVT_MAX_CPUS)
		return snprintf(s->err, sizeof(s->err), "%s: byte %llu: expected 1..%d rings, found %u",
				s->o->mem, X(off + 24), HVT_MAX_CPUS, d->nr_rings), -1;
	for (u32 i = 0; i < d->nr_rings; i++) {
		const struct hvt_shm_ring *r = &d->ring[i];

		if (!r->size || (r->size & (r->size - 1)) || r->base >= s->bytes ||
		    r->size > (s->bytes - r->base) / HVT_RECORD_SIZE)
			return snprintf(s->err, sizeof(s->err), "%s: ring %u: expected a power-of-two "
					"record array inside the file, found base 0x%llx size %llu",
					s->o->mem, i, X(r->base), X(r->size)), -1;
	}
	return hvt_header_check(&d->header, s->o->mem, s->err, sizeof(s->err));
}

static int find_desc(struct shm *s)
{
	double until = now() + s->o->timeout;

	while (!(s->desc = scan(s))) {
		if (now() > until || stop_signal || (s->o->pid && kill((pid_t)s->o->pid, 0) && errno == ESRCH))
			return snprintf(s->err, sizeof(s->err), "%s: no trace descriptor with key 0x%llx "
					"(magic %s at a page start) after %.0f s", s->o->mem,
					X(s->o->key), HVT_SHM_MAGIC, s->o->timeout), -1;
		usleep(20000);
	}
	return check_desc(s, (u64)((u8 *)s->desc - s->map));
}

/* Copy out what ring i holds now; returns records taken, -1 on error. */
static long drain_ring(struct shm *s, u32 i)
{
	struct hvt_shm_ring *r = &s->desc->ring[i];
	const struct hvt_record *recs = (const struct hvt_record *)(s->map + r->base);
	u64 tail = r->tail, head = atomic_load_acquire(&r->head);

	if (head - tail > r->size)
		return snprintf(s->err, sizeof(s->err), "ring %u: head %llu tail %llu exceed its %llu "
				"records (R1)", i, X(head), X(tail), X(r->size)), -1;
	for (u64 t = tail; t != head; t++)
		if (hvt_asm_put(&s->a, &recs[t & (r->size - 1)]))
			return snprintf(s->err, sizeof(s->err), "ring %u: %s", i, s->a.err), -1;
	atomic_store_release(&r->tail, head);
	return (long)(head - tail);
}

static long drain_all(struct shm *s)
{
	long total = 0;

	for (u32 i = 0; i < s->desc->nr_rings; i++) {
		long n = drain_ring(s, i);

		if (n < 0)
			return -1;
		total += n;
	}
	return total;
}

static int qemu_gone(const struct shm *s)
{
	return s->o->pid && kill((pid_t)s->o->pid, 0) && errno == ESRCH;
}

/* Why to stop without hv's done flag, or NULL to go on. */
static const char *stop_reason(const struct shm *s, double idle_since)
{
	if (stop_signal)
		return "stopped by a signal";
	if (qemu_gone(s))
		return "QEMU exited";
	if (now() - idle_since > s->o->timeout)
		return "no progress before the timeout";
	return NULL;
}

/* Step 3 and 4; returns 0 when the run ended (cleanly or not). */
static int follow(struct shm *s)
{
	double idle_since = now();
	u64 last_seq = s->desc->next_seq;
	const char *why;
	long n;

	atomic_store32_release(&s->desc->consumer_attached, 1);
	for (;;) {
		int done = atomic_load32_acquire(&s->desc->done);

		if ((n = drain_all(s)) < 0)
			return -1;
		if (done && drain_all(s) == 0)
			return 0;
		if (n || s->desc->next_seq != last_seq) {
			idle_since = now();
			last_seq = s->desc->next_seq;
		}
		if ((why = stop_reason(s, idle_since)))
			break;
		if (n < 4096)
			nap(n);
	}
	if (drain_all(s) < 0)
		return -1;
	fprintf(stderr, "hvtrace collect: warning: %s, without hv's done flag; keeping the "
		"%llu records so far\n", why, X(s->a.count));
	return 0;
}

static int finish(struct shm *s)
{
	struct hvt_stream_header hdr = s->desc->header;

	hdr.dropped = 0;
	for (u32 i = 0; i < s->desc->nr_rings; i++)
		hdr.dropped += s->desc->ring[i].dropped;
	/* T1 at a clean end: every seq hv reserved must be here (or dropped). */
	if (atomic_load32_acquire(&s->desc->done) &&
	    hvt_asm_expect(&s->a, s->desc->next_seq))
		return snprintf(s->err, sizeof(s->err), "%s", s->a.err), -1;
	if (hvt_asm_commit(&s->a, &hdr))
		return snprintf(s->err, sizeof(s->err), "%s", s->a.err), -1;
	if (!s->o->quiet)
		printf("collected %llu records (%llu dropped) from %s into %s\n",
		       X(hdr.record_count), X(hdr.dropped), s->o->mem, s->o->out);
	return 0;
}

int collect_shm(const struct collect_opts *o)
{
	struct shm s = { .o = o };
	int rc;

	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	if (map_file(&s))
		return hvt_error("collect", "%s", s.err);
	if (find_desc(&s) || hvt_asm_open(&s.a, o->out)) {
		munmap(s.map, s.bytes);
		return hvt_error("collect", "%s", s.err[0] ? s.err : s.a.err);
	}
	rc = follow(&s);
	if (rc)
		hvt_asm_abort(&s.a);
	else
		rc = finish(&s);
	munmap(s.map, s.bytes);
	return rc ? hvt_error("collect", "%s", s.err) : 0;
}
