/*
 * zaploop: a loop that makes many MMU events, timed by the guest's own
 * TSC, for bench-trace-overhead (issue #5: trace.overhead_ratio).
 *
 * Under hvlab it turns on dirty logging for memslot 0 (guest RAM) so hv
 * maps every page with a 4 KiB SPTE, then runs "rounds=R" rounds (default
 * 40) over "pages=N" pages (default 256): write one word in each page
 * (one NPT fault and SPTE map per page), read them back, and zap the
 * range with HC_ZAP_RANGE (N SPTE zaps). It prints
 *
 *   zaploop: rounds=R pages=N tsc=CYCLES round_med=ROUND bad=B
 *
 * where CYCLES is the TSC time of the whole loop (no boot, no set-up) and
 * ROUND the median TSC time of one round (rounds=R <= 1024), which a
 * short burst of other load on the host barely moves.
 * When hv traces (a trace_key= on the command line) the guest checks that
 * HC_INFO_TRACE_ATTACHED says a collector drains hv's rings (hv waits for
 * one before the guest runs, trace_wait=): without one hv drops what does
 * not fit in a ring, and the traced loop would not be a traced one.
 * Natively (no hypercalls) the loop only writes and reads.
 */
#include "guest.h"

static inline u64 rdtsc(void)
{
	u32 lo, hi;
	__asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi) :: "memory");
	return ((u64)hi << 32) | lo;
}

/* One round: write, read back (returns bad reads), zap. */
static u64 round_once(gpa_t base, u64 pages, u64 round)
{
	u64 bad = 0;

	for (u64 p = 0; p < pages; p++)
		*(volatile u64 *)(base + p * PAGE_SIZE) = (round << 32) | p;
	for (u64 p = 0; p < pages; p++)
		bad += *(volatile u64 *)(base + p * PAGE_SIZE) != ((round << 32) | p);
	if (guest_hv())
		hc_zap_range(base >> PAGE_SHIFT, pages);
	return bad;
}

#define MAX_ROUNDS 1024
static u64 round_tsc[MAX_ROUNDS];

/* Median of n values (sorts them in place; n is small). */
static u64 median(u64 *v, u64 n)
{
	for (u64 i = 1; i < n; i++)
		for (u64 j = i; j > 0 && v[j - 1] > v[j]; j--) {
			u64 t = v[j]; v[j] = v[j - 1]; v[j - 1] = t;
		}
	return n ? v[n / 2] : 0;
}

int main(void)
{
	u64 pages = guest_arg_u64("pages", 256), rounds = guest_arg_u64("rounds", 40);
	if (rounds > MAX_ROUNDS)
		rounds = MAX_ROUNDS;
	gpa_t base = frames_alloc_contig(pages, PAGE_SIZE);

	if (!CHECKF("zaploop_alloc", base != 0, "%lu pages at 0x%lx", pages, base))
		return check_exit_code();
	if (guest_hv())
		CHECK_EQ("zaploop_dirty_log", hc_dirty_log_enable(0, true), 0);
	if (guest_hv() && guest_arg("trace_key"))
		CHECK("zaploop_collector", hc_info(HC_INFO_TRACE_ATTACHED) == 1);   /* hv waited for it (trace_wait) */
	u64 bad = 0, t0 = rdtsc();
	for (u64 r = 0, t = t0; r < rounds; r++) {
		bad += round_once(base, pages, r);
		u64 now = rdtsc();
		round_tsc[r] = now - t;
		t = now;
	}
	u64 t1 = rdtsc();
	printf("zaploop: rounds=%lu pages=%lu tsc=%lu round_med=%lu bad=%lu\n", rounds, pages,
	       t1 - t0, median(round_tsc, rounds), bad);
	CHECKF("zaploop", bad == 0, "%lu of %lu reads wrong", bad, rounds * pages);
	return check_exit_code();
}
