/*
 * host_env.c: mmu/env.h on the host: aligned_alloc pages, mmap'd backing,
 * an in-memory trace log with a mutex, a flush log, allocation-failure
 * injection; env_panic prints and aborts (ASan shows where).
 */
#include "host_env.h"

#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

static pthread_mutex_t env_mu = PTHREAD_MUTEX_INITIALIZER;
static long fail_after = -1;           /* allocations left before failing; -1 never */
static long pages_live;

static bool alloc_allowed(void)
{
	bool ok = true;

	pthread_mutex_lock(&env_mu);
	if (fail_after == 0)
		ok = false;
	else if (fail_after > 0)
		fail_after--;
	pthread_mutex_unlock(&env_mu);
	return ok;
}

void host_fail_allocs_after(long n)
{
	pthread_mutex_lock(&env_mu);
	fail_after = n;
	pthread_mutex_unlock(&env_mu);
}

long host_pages_live(void)
{
	return __atomic_load_n(&pages_live, __ATOMIC_RELAXED);
}

void *env_alloc_page(void)
{
	void *p;

	if (!alloc_allowed())
		return NULL;
	p = aligned_alloc(PAGE_SIZE, PAGE_SIZE);
	if (p) {
		memset(p, 0, PAGE_SIZE);
		__atomic_fetch_add(&pages_live, 1, __ATOMIC_RELAXED);
	}
	return p;
}

void env_free_page(void *va)
{
	/* Junk-fill: a use after free reads garbage, not a plausible SPTE. */
	memset(va, 0x6b, PAGE_SIZE);
	__atomic_fetch_sub(&pages_live, 1, __ATOMIC_RELAXED);
	free(va);
}

void *env_zalloc(size_t bytes)
{
	return alloc_allowed() ? calloc(1, bytes) : NULL;
}

void env_free(void *p, size_t bytes)
{
	free(p);
}

hpa_t env_alloc_backing(u64 npages, u64 align_pages)
{
	size_t len = npages * PAGE_SIZE, align = align_pages * PAGE_SIZE;
	uintptr_t base, start;
	void *p;

	if (!alloc_allowed())
		return 0;
	/* Lazily backed: a "6 GiB guest" costs only the pages it touches. */
	p = mmap(NULL, len + align, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return 0;
	base = (uintptr_t)p;
	start = (base + align - 1) & ~(uintptr_t)(align - 1);
	if (start > base)
		munmap(p, start - base);
	if (base + len + align > start + len)
		munmap((void *)(start + len), base + len + align - (start + len));
	return (hpa_t)start;
}

void env_free_backing(hpa_t base, u64 npages)
{
	munmap((void *)(uintptr_t)base, npages * PAGE_SIZE);
}

void *env_hpa_to_va(hpa_t hpa) { return (void *)(uintptr_t)hpa; }
hpa_t env_va_to_hpa(const void *va) { return (hpa_t)(uintptr_t)va; }
void env_cpu_relax(void) { sched_yield(); }

u64 env_tsc(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * 1000000000ull + (u64)ts.tv_nsec;
}

/* ---- flush log ---- */
static struct host_flush *flushes;
static size_t nflushes, capflushes;

void env_tlb_flush(void *env_ctx, u64 vcpu_mask, gfn_t gfn, u64 npages)
{
	pthread_mutex_lock(&env_mu);
	if (nflushes == capflushes) {
		capflushes = capflushes ? capflushes * 2 : 256;
		flushes = realloc(flushes, capflushes * sizeof(*flushes));
	}
	flushes[nflushes++] = (struct host_flush){ vcpu_mask, gfn, npages };
	pthread_mutex_unlock(&env_mu);
}

void host_flush_reset(void)
{
	pthread_mutex_lock(&env_mu);
	nflushes = 0;
	pthread_mutex_unlock(&env_mu);
}

size_t host_flush_count(void)
{
	return nflushes;
}

struct host_flush host_flush_get(size_t i)
{
	return flushes[i];
}

/* ---- trace ---- */
static pthread_mutex_t trace_mu = PTHREAD_MUTEX_INITIALIZER;
static volatile u64 next_seq;
static u64 first_seq;                  /* seq of the first record kept */
static struct hvt_record *recs;
static size_t nrecs, caprecs;
static bool capture = true;
static size_t type_count[HVT_TYPE_MAX];
/* T4: each vCPU emits its records in seq order (hv's per-CPU rings rely on
 * it). Checked as records arrive, since the log is sorted later. */
#define T4_VCPUS 64
static u64 t4_next[T4_VCPUS];          /* lowest seq the vCPU may emit next */
static char t4_why[200];               /* first violation, "" if none */

u64 env_trace_reserve(void)
{
	return __atomic_fetch_add(&next_seq, 1, __ATOMIC_SEQ_CST);
}

void env_trace_emit(const struct hvt_record *rec)
{
	pthread_mutex_lock(&trace_mu);
	if (rec->type < HVT_TYPE_MAX)
		type_count[rec->type]++;
	if (rec->vcpu < T4_VCPUS) {
		if (rec->seq < t4_next[rec->vcpu] && !t4_why[0])
			snprintf(t4_why, sizeof(t4_why),
				 "T4: vCPU %u emitted seq %llu after seq %llu (type %u)",
				 rec->vcpu, (unsigned long long)rec->seq,
				 (unsigned long long)t4_next[rec->vcpu] - 1, rec->type);
		t4_next[rec->vcpu] = rec->seq + 1;
	}
	if (capture && rec->seq >= first_seq) {
		if (nrecs == caprecs) {
			caprecs = caprecs ? caprecs * 2 : 4096;
			recs = realloc(recs, caprecs * sizeof(*recs));
		}
		recs[nrecs] = *rec;
		if (!recs[nrecs].tsc)
			recs[nrecs].tsc = env_tsc();
		nrecs++;
	}
	pthread_mutex_unlock(&trace_mu);
}

void host_trace_reset(void)
{
	pthread_mutex_lock(&trace_mu);
	nrecs = 0;
	first_seq = next_seq;
	memset(type_count, 0, sizeof(type_count));
	pthread_mutex_unlock(&trace_mu);
}

void host_trace_capture(bool on)
{
	capture = on;
}

size_t host_trace_count(int type)
{
	size_t n = 0;

	pthread_mutex_lock(&trace_mu);
	if (type)
		n = type < HVT_TYPE_MAX ? type_count[type] : 0;
	else
		for (int i = 0; i < HVT_TYPE_MAX; i++)
			n += type_count[i];
	pthread_mutex_unlock(&trace_mu);
	return n;
}

static int cmp_seq(const void *a, const void *b)
{
	const struct hvt_record *x = a, *y = b;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

const struct hvt_record *host_trace_sorted(size_t *n)
{
	pthread_mutex_lock(&trace_mu);
	qsort(recs, nrecs, sizeof(*recs), cmp_seq);
	*n = nrecs;
	pthread_mutex_unlock(&trace_mu);
	return recs;
}

/* sptep -> last new value, open addressing; a table generation per table
 * base makes entries of a re-allocated table start over. */
struct t2_ent { u64 key; u64 val; u64 gen; };
struct t2_map { struct t2_ent *e; size_t cap, n; };

static struct t2_ent *t2_find(struct t2_map *m, u64 key)
{
	if ((m->n + 1) * 2 > m->cap) {
		struct t2_map big = { calloc(m->cap ? m->cap * 2 : 4096, sizeof(struct t2_ent)),
				      m->cap ? m->cap * 2 : 4096, 0 };
		for (size_t i = 0; i < m->cap; i++) {
			if (!m->e[i].key)
				continue;
			size_t j = (m->e[i].key * 0x9e3779b97f4a7c15ull >> 20) & (big.cap - 1);
			while (big.e[j].key)
				j = (j + 1) & (big.cap - 1);
			big.e[j] = m->e[i];
			big.n++;
		}
		free(m->e);
		*m = big;
	}
	size_t j = (key * 0x9e3779b97f4a7c15ull >> 20) & (m->cap - 1);
	while (m->e[j].key && m->e[j].key != key)
		j = (j + 1) & (m->cap - 1);
	if (!m->e[j].key) {
		m->e[j].key = key;
		m->e[j].gen = ~0ull;
		m->n++;
	}
	return &m->e[j];
}

int host_trace_check(const struct hvt_spte_format *fmt, char *why, size_t len)
{
	size_t n;
	const struct hvt_record *r = host_trace_sorted(&n);
	struct t2_map sptes = {0}, tables = {0};
	u64 ad = fmt->accessed_mask | fmt->dirty_mask;
	u64 last_flush = ~0ull;
	int rc = 0;

	if (t4_why[0]) {
		snprintf(why, len, "%s", t4_why);
		rc = -1;
	}
	for (size_t i = 0; i < n && !rc; i++) {
		if (i && r[i].seq != r[i - 1].seq + 1) {
			snprintf(why, len, "T1: seq %llu follows %llu", (unsigned long long)r[i].seq,
				 (unsigned long long)r[i - 1].seq);
			rc = -1;
			break;
		}
		if (r[i].type == HVT_PT_ALLOC) {
			t2_find(&tables, r[i].a | 1)->val++;      /* new table generation */
			continue;
		}
		if (r[i].type == HVT_TLB_FLUSH && (r[i].aux16 == HVT_FS_REMOTE_ALL ||
						   r[i].aux16 == HVT_FS_REMOTE_RANGE))
			last_flush = r[i].seq;
		if (r[i].type == HVT_PT_FREE && r[i].reason == HVT_FREE_DEFERRED &&
		    (last_flush == ~0ull || last_flush < r[i].c)) {
			/* Q1: a remote flush after the unlink, before the free. */
			snprintf(why, len, "Q1: table %#llx freed at seq %llu with no flush after its unlink at %llu",
				 (unsigned long long)r[i].a, (unsigned long long)r[i].seq,
				 (unsigned long long)r[i].c);
			rc = -1;
		}
		if (r[i].type != HVT_SPTE_CHANGE || (r[i].flags & HVT_F_LOST_RACE))
			continue;
		u64 tgen = t2_find(&tables, (r[i].b & ~0xfffull) | 1)->val;
		struct t2_ent *e = t2_find(&sptes, r[i].b);
		u64 expect = e->gen == tgen ? e->val : fmt->nonpresent_value;
		if ((r[i].c & ~ad) != (expect & ~ad)) {
			snprintf(why, len, "T2: sptep %#llx seq %llu old %#llx but previous new %#llx",
				 (unsigned long long)r[i].b, (unsigned long long)r[i].seq,
				 (unsigned long long)r[i].c, (unsigned long long)expect);
			rc = -1;
		}
		e->val = r[i].d;
		e->gen = tgen;
	}
	free(sptes.e);
	free(tables.e);
	return rc;
}

_Noreturn void env_panic(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "PANIC: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	abort();
}

void env_log(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}
