/*
 * atomic.h: the atomic operations hvlab uses, on the compiler's __atomic
 * builtins (GCC and Clang), so the same code runs freestanding in hv and
 * hosted in the tests. Sequentially consistent unless the name says
 * otherwise; on x86-64 these are single locked instructions.
 */
#ifndef HVLAB_ATOMIC_H
#define HVLAB_ATOMIC_H

#include "types.h"

#define READ_ONCE(x)       __atomic_load_n(&(x), __ATOMIC_RELAXED)
#define WRITE_ONCE(x, v)   __atomic_store_n(&(x), (v), __ATOMIC_RELAXED)

static inline u64 atomic_load_acquire(const volatile u64 *p)
{ return __atomic_load_n(p, __ATOMIC_ACQUIRE); }
static inline void atomic_store_release(volatile u64 *p, u64 v)
{ __atomic_store_n(p, v, __ATOMIC_RELEASE); }
static inline u32 atomic_load32_acquire(const volatile u32 *p)
{ return __atomic_load_n(p, __ATOMIC_ACQUIRE); }
static inline void atomic_store32_release(volatile u32 *p, u32 v)
{ __atomic_store_n(p, v, __ATOMIC_RELEASE); }

/* Returns the old value. */
static inline u64 atomic_xchg64(volatile u64 *p, u64 v)
{ return __atomic_exchange_n(p, v, __ATOMIC_SEQ_CST); }
/* On failure *expected is updated with the current value; returns success. */
static inline bool atomic_cmpxchg64(volatile u64 *p, u64 *expected, u64 desired)
{ return __atomic_compare_exchange_n(p, expected, desired, false,
				    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST); }
static inline u64 atomic_fetch_add64(volatile u64 *p, u64 v)
{ return __atomic_fetch_add(p, v, __ATOMIC_SEQ_CST); }
static inline u64 atomic_fetch_and64(volatile u64 *p, u64 v)
{ return __atomic_fetch_and(p, v, __ATOMIC_SEQ_CST); }
static inline u64 atomic_fetch_or64(volatile u64 *p, u64 v)
{ return __atomic_fetch_or(p, v, __ATOMIC_SEQ_CST); }
static inline u32 atomic_fetch_add32(volatile u32 *p, u32 v)
{ return __atomic_fetch_add(p, v, __ATOMIC_SEQ_CST); }
static inline u32 atomic_fetch_sub32(volatile u32 *p, u32 v)
{ return __atomic_fetch_sub(p, v, __ATOMIC_SEQ_CST); }
static inline bool atomic_cmpxchg32(volatile u32 *p, u32 *expected, u32 desired)
{ return __atomic_compare_exchange_n(p, expected, desired, false,
				    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST); }

static inline void smp_mb(void) { __atomic_thread_fence(__ATOMIC_SEQ_CST); }

#endif
