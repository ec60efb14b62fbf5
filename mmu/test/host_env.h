/*
 * host_env.h: the host implementation of mmu/env.h for unit tests and
 * benches, and what the tests ask of it: allocation-failure injection,
 * the captured trace, the flush log, and trace-order checks (T1, T2, Q1).
 */
#ifndef HVLAB_MMU_TEST_HOST_ENV_H
#define HVLAB_MMU_TEST_HOST_ENV_H

#include "../mmu_int.h"

/* ---- allocation failures ---- */
void host_fail_allocs_after(long n);   /* n more allocations succeed, then all fail; -1 = never fail */
long host_pages_live(void);            /* env_alloc_page pages not yet freed */

/* ---- trace capture ---- */
void host_trace_reset(void);           /* forget records; seq keeps counting */
void host_trace_capture(bool on);      /* off: reserve/emit only count (benches) */
size_t host_trace_count(int type);     /* records of a type (0 = all) */
/* Sorted by seq; valid until the next reset. */
const struct hvt_record *host_trace_sorted(size_t *n);
/* T1 (no gap, no duplicate), T2 (old = previous new per sptep, A/D masked,
 * lost races skipped, a table's entries restart at its PT_ALLOC), Q1 (each
 * deferred PT_FREE has a remote flush between its unlink and itself).
 * Return 0, or -1 with a message in why. */
int host_trace_check(const struct hvt_spte_format *fmt, char *why, size_t len);

/* ---- flush log ---- */
struct host_flush { u64 vcpu_mask, gfn, npages; };
void   host_flush_reset(void);
size_t host_flush_count(void);
struct host_flush host_flush_get(size_t i);

#endif
