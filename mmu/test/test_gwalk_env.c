/*
 * test_gwalk_env.c: the two mmu/env.h functions the guest walker uses,
 * implemented for its host tests as an in-memory trace log (C's
 * host_env.c is not linked: the walker tests stand alone).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../env.h"
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
