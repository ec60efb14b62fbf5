/*
 * rwlock.h: spinning reader-writer lock and spinlock, on atomic.h.
 *
 * Used for the MMU lock (faults take it for read, zaps and teardown for
 * write, as KVM's mmu_lock) and for small hv structures. The user supplies
 * env_cpu_relax() (pause in hv, sched_yield on the host). Writers are
 * preferred: a waiting writer stops new readers, so zaps cannot starve.
 *
 * state: bit 31 = writer holds, bit 30 = writer waiting, bits 0..29 = readers.
 * A lock records its writer's owner id (owner) for the assertions in the MMU
 * (lock_held_write()).
 */
#ifndef HVLAB_RWLOCK_H
#define HVLAB_RWLOCK_H

#include "atomic.h"

void env_cpu_relax(void);

#define RW_WRITER   (1u << 31)
#define RW_WAITING  (1u << 30)
#define RW_READERS  (RW_WAITING - 1)

struct rwlock {
	volatile u32 state;
	volatile u32 owner;   /* id+1 of the writer, 0 if none (debug) */
};

static inline void rw_read_lock(struct rwlock *l)
{
	for (;;) {
		u32 s = __atomic_load_n(&l->state, __ATOMIC_RELAXED);
		if (!(s & (RW_WRITER | RW_WAITING)) &&
		    atomic_cmpxchg32(&l->state, &s, s + 1))
			return;
		env_cpu_relax();
	}
}

static inline void rw_read_unlock(struct rwlock *l)
{
	atomic_fetch_sub32(&l->state, 1);
}

static inline void rw_write_lock(struct rwlock *l, u32 owner_id)
{
	for (;;) {
		u32 s = __atomic_load_n(&l->state, __ATOMIC_RELAXED);
		if (!(s & (RW_WRITER | RW_READERS))) {
			if (atomic_cmpxchg32(&l->state, &s, RW_WRITER)) {
				l->owner = owner_id + 1;
				return;
			}
		} else if (!(s & RW_WAITING)) {
			atomic_cmpxchg32(&l->state, &s, s | RW_WAITING);
		}
		env_cpu_relax();
	}
}

static inline void rw_write_unlock(struct rwlock *l)
{
	l->owner = 0;
	__atomic_store_n(&l->state, 0, __ATOMIC_RELEASE);
}

static inline bool rw_held_write(const struct rwlock *l)
{
	return (__atomic_load_n(&l->state, __ATOMIC_RELAXED) & RW_WRITER) != 0;
}

static inline bool rw_held_any(const struct rwlock *l)
{
	return (__atomic_load_n(&l->state, __ATOMIC_RELAXED) & (RW_WRITER | RW_READERS)) != 0;
}

struct spinlock { volatile u32 locked; };

static inline void spin_lock(struct spinlock *l)
{
	for (;;) {
		u32 expected = 0;
		if (atomic_cmpxchg32(&l->locked, &expected, 1))
			return;
		while (__atomic_load_n(&l->locked, __ATOMIC_RELAXED))
			env_cpu_relax();
	}
}

static inline void spin_unlock(struct spinlock *l)
{
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}

#endif
