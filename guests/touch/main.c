/*
 * touch: memory-touch patterns for the TDP tests. Phase 1 writes one word
 * in each of "pages=N" pages (default 256) at a 4 KiB stride, then reads
 * them back; phase 2 does the same at a 2 MiB stride over "big=N" chunks
 * (default 8, fewer if RAM is short). Under hvlab each phase is framed by
 * HC_MARKER records ("touch:4k:write", ...), so a trace can be cut by
 * phase; "pagesize=2m" makes the guest's own map use 2 MiB pages too.
 *
 * Under hvlab two more phases (seeds 003, 004):
 *   touch:zap   HC_ZAP_RANGE tears the 4 KiB region's SPTEs down; every
 *               value reads back afterwards (touch:reread refaults them);
 *   touch:age   on a 2 MiB chunk of its own: HC_AGE_RANGE clears the young
 *               state; after reading every 4th page a second one reports
 *               those (or all 512 under one 2 MiB SPTE), a third none.
 */
#include "guest.h"

static void marker(const char *label)
{
	if (guest_hv())
		hc_marker(label);
}

static u64 pattern(gpa_t gpa)
{
	return gpa ^ 0x5eed5eed00000000ull;
}

/* Write then read back one word every stride bytes; returns bad reads. */
static u64 reread(gpa_t base, u64 count, u64 stride);

static u64 touch(gpa_t base, u64 count, u64 stride, const char *write_label,
		 const char *read_label)
{
	marker(write_label);
	for (u64 i = 0; i < count; i++)
		*(volatile u64 *)(base + i * stride) = pattern(base + i * stride);
	marker(read_label);
	return reread(base, count, stride);
}

static u64 reread(gpa_t base, u64 count, u64 stride)
{
	u64 bad = 0;

	for (u64 i = 0; i < count; i++)
		if (*(volatile u64 *)(base + i * stride) != pattern(base + i * stride))
			bad++;
	return bad;
}

/*
 * Aging works on a 2 MiB-aligned chunk nothing else touches: hv may back
 * it with one 2 MiB SPTE, whose young state then covers all 512 pages
 * (a chunk shared with the guest's code would always be young).
 */
static void phase_age(void)
{
	gpa_t base = frames_alloc_contig(512, PAGE_SIZE_2M);
	u64 read = 0;

	if (!CHECK("touch_age_alloc", base != 0))
		return;
	touch(base, 512, PAGE_SIZE, "touch:age:write", "touch:age:read");
	marker("touch:age");
	hc_age_range(base >> PAGE_SHIFT, 512);
	for (u64 i = 0; i < 512; i += 4, read++)
		(void)*(volatile u64 *)(base + i * PAGE_SIZE);
	long young = hc_age_range(base >> PAGE_SHIFT, 512);
	CHECKF("touch_age_young", young == (long)read || young == 512,
	       "%ld young after reading %lu pages (%lu with 4 KiB SPTEs, 512 with one 2 MiB SPTE)",
	       young, read, read);
	young = hc_age_range(base >> PAGE_SHIFT, 512);
	CHECKF("touch_age_again", young == 0, "%ld young with no access in between", young);
}

static void phase_zap(gpa_t base, u64 pages)
{
	marker("touch:zap");
	long zapped = hc_zap_range(base >> PAGE_SHIFT, pages);
	CHECKF("touch_zap", zapped > 0, "%ld SPTEs zapped for %lu pages", zapped, pages);
	marker("touch:reread");
	u64 bad = reread(base, pages, PAGE_SIZE);
	CHECKF("touch_after_zap", bad == 0, "%lu of %lu pages read back wrong", bad, pages);
}

static void phase_4k(void)
{
	u64 pages = guest_arg_u64("pages", 256);
	gpa_t base = frames_alloc_contig(pages, PAGE_SIZE);

	if (!CHECKF("touch_4k_alloc", base != 0, "%lu pages at 0x%lx", pages, base))
		return;
	u64 bad = touch(base, pages, PAGE_SIZE, "touch:4k:write", "touch:4k:read");
	CHECKF("touch_4k", bad == 0, "%lu of %lu pages read back wrong", bad, pages);
	if (guest_hv())
		phase_zap(base, pages);
}

static void phase_2m(void)
{
	u64 chunks = guest_arg_u64("big", 8);

	while (chunks && frames_left() < (chunks + 1) * PAGE_SIZE_2M)
		chunks--;
	gpa_t base = chunks ? frames_alloc_contig(chunks * 512, PAGE_SIZE_2M) : 0;
	if (!CHECKF("touch_2m_alloc", base != 0, "%lu chunks of 2 MiB at 0x%lx", chunks, base))
		return;
	u64 bad = touch(base, chunks, PAGE_SIZE_2M, "touch:2m:write", "touch:2m:read");
	CHECKF("touch_2m", bad == 0, "%lu of %lu chunks read back wrong", bad, chunks);
}

int main(void)
{
	if (!guest_hv())
		printf("touch: not under hvlab, skipping hypercall parts (markers)\n");
	marker("touch:begin");
	phase_4k();
	phase_2m();
	if (guest_hv())
		phase_age();
	marker("touch:end");
	return check_exit_code();
}
