/*
 * env.h: everything the portable MMU needs from the world outside mmu/.
 *
 * mmu/ is plain C11 that compiles unchanged into the hypervisor (freestanding)
 * and into the host unit tests. It reaches outside ONLY through the functions
 * declared here. Two implementations exist:
 *   hv/core/env.c          the real one: physical page allocator, per-CPU
 *                          trace rings, TLB-flush requests with IPIs
 *   mmu/test/host_env.c    the host one: aligned_alloc, an in-memory trace
 *                          log, a flush log, allocation-failure injection
 * There is no #ifdef HOST anywhere in mmu/.
 *
 * Addresses: hpa == hva in both implementations (hv maps physical memory
 * 1:1, the host env hands out pointers as "physical" addresses), but mmu/
 * still converts through env_hpa_to_va / env_va_to_hpa so the two kinds of
 * address stay distinct in the code.
 *
 * Locks and atomics are not here: mmu/ uses include/hvlab/atomic.h and
 * include/hvlab/rwlock.h, which are built on the compiler's __atomic
 * builtins and work unchanged in both worlds; only env_cpu_relax() is needed.
 */
#ifndef HVLAB_MMU_ENV_H
#define HVLAB_MMU_ENV_H

#include "../include/hvlab/types.h"
#include "../trace/hvt_format.h"

/* ---- memory ---- */
void *env_alloc_page(void);              /* zeroed 4 KiB page, NULL if none (may sleep/spin; never
                                            called with the MMU lock held: use the vCPU caches) */
void  env_free_page(void *va);
void *env_zalloc(size_t bytes);          /* zeroed object for MMU metadata, NULL if none */
void  env_free(void *p, size_t bytes);
/* Contiguous backing for guest RAM: npages 4 KiB pages whose base is aligned
 * to align_pages pages. Returns 0 if none. Contents zeroed. */
hpa_t env_alloc_backing(u64 npages, u64 align_pages);
void  env_free_backing(hpa_t base, u64 npages);
void *env_hpa_to_va(hpa_t hpa);
hpa_t env_va_to_hpa(const void *va);

/* ---- CPU ---- */
void env_cpu_relax(void);                /* pause / sched_yield in spin loops */
u64  env_tsc(void);

/* ---- TLB ----
 * Flush the TLB entries derived from this VM's SPTEs. The MMU decides WHEN
 * (and emits the HVT_TLB_FLUSH record); env does it: vcpu_mask selects the
 * vCPUs (bit i = vCPU i), each gets a flush request and, if it is in guest
 * mode, a kick; env_tlb_flush returns only after every targeted vCPU has
 * flushed (or is outside guest mode and will flush before its next entry).
 * npages == 0 means the whole address space. */
void env_tlb_flush(void *env_ctx, u64 vcpu_mask, gfn_t gfn, u64 npages);

/* ---- trace ----
 * T3 (trace/hvt_format.h): reserve the sequence number BEFORE writing an
 * SPTE, emit the record after. Every reserved seq must be emitted exactly
 * once. env_trace_emit copies the record (seq already filled in) into the
 * current CPU's ring; it fills tsc if zero. */
u64  env_trace_reserve(void);
void env_trace_emit(const struct hvt_record *rec);

/* ---- failure ----
 * An MMU invariant does not hold: print the message (with the values) and
 * stop. In hv this is the panic path; in the host tests it aborts the test
 * with the message so ASan shows where. Never used for guest misbehaviour. */
_Noreturn void env_panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void env_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
