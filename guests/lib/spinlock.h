/*
 * spinlock.h: a test-and-test-and-set lock for guests with several vCPUs.
 */
#ifndef GUEST_SPINLOCK_H
#define GUEST_SPINLOCK_H

#include "include/hvlab/atomic.h"

struct spinlock {
	volatile u32 locked;   /* 0 = free, 1 = held */
};

static inline void spin_lock(struct spinlock *l)
{
	for (;;) {
		u32 expected = 0;
		if (atomic_cmpxchg32(&l->locked, &expected, 1))
			return;
		while (atomic_load32_acquire(&l->locked))
			__asm__ volatile("pause");
	}
}

static inline void spin_unlock(struct spinlock *l)
{
	atomic_store32_release(&l->locked, 0);
}

#endif
