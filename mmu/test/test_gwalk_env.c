/*
 * test_gwalk_env.c: what the guest walker needs from outside mmu/gwalk*.c,
 * implemented for its host tests: env_trace_reserve/env_trace_emit as an
 * in-memory trace log, and for gwalk_vm.c a one-slot stand-in for the
 * memslots (mmu_gpa_to_hpa) with env_hpa_to_va. C's host_env.c and memslot
 * code are not linked: the walker tests stand alone.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../env.h"
#include "../mmu.h"
#include "test_gwalk_ref.h"

struct test_gwalk_log test_gwalk_log;   /* records since the last clear */
static u64 next_seq;                     /* T1: global, no gaps */

u64 env_trace_reserve(void)
{
	return next_seq++;
}

void env_trace_emit(const struct hvt_record *rec)
{
	struct test_gwalk_log *log = &test_gwalk_log;

	if (log->n == TEST_GWALK_LOG_MAX) {
		log->overflow = true;
		return;
	}
	log->rec[log->n] = *rec;
	if (!log->rec[log->n].tsc)
		log->rec[log->n].tsc = next_seq;   /* no real clock needed */
	log->n++;
}

void test_gwalk_log_clear(void)
{
	test_gwalk_log.n = 0;
	test_gwalk_log.overflow = false;
}

/* ---- one memslot: gpa [0, TEST_GWALK_RAM_SIZE), read-only from _RO ---- */
u8 test_gwalk_ram[TEST_GWALK_RAM_SIZE] __attribute__((aligned(4096)));

int mmu_gpa_to_hpa(struct mmu_vm *vm, gpa_t gpa, bool write, hpa_t *hpa)
{
	if (vm != TEST_GWALK_VM || gpa >= TEST_GWALK_RAM_SIZE)
		return E_FAULT;
	if (write && gpa >= TEST_GWALK_RAM_RO)
		return E_FAULT;
	*hpa = (hpa_t)(uintptr_t)&test_gwalk_ram[gpa];
	return 0;
}

void *env_hpa_to_va(hpa_t hpa)
{
	return (void *)(uintptr_t)hpa;   /* hpa == hva on the host (env.h) */
}
