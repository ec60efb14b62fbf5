/*
 * touch1g: a 1 GiB region, touched at 1 GiB, 2 MiB and 4 KiB strides
 * (issue #3). Needs a 1 GiB-aligned gpa range: run with mem=2048, or
 * with span= (below) inside smaller RAM.
 *
 * The guest maps the region again at WINDOW (512 GiB, PML4 slot 1) with
 * one 1 GiB page when CPUID 0x80000001 EDX[26] (Page1GB) says it can,
 * else (or with "pagesize=2m", which also makes the boot identity map use
 * 2 MiB pages) with 512 pages of 2 MiB, and does all its touching through that
 * window. Each phase writes one word per stride at its own offset (so the
 * phases never overwrite each other), framed by HC_MARKER records:
 *
 *   touch1g:1g:write / :read    the word at offset 8 of the region
 *   touch1g:2m:write / :read    offset 16 of each of the 512 2 MiB chunks
 *   touch1g:4k:write / :read    offset 24 of each of "pages=N" 4 KiB pages
 *                               (default 4096) in the middle of the region
 *
 * With "span=N" (N < 1 GiB, a multiple of 2 MiB; e.g. span=512M) the
 * guest does not need a free 1 GiB: it takes N bytes (2 MiB aligned) from
 * its free frames, the region is the 1 GiB-aligned range holding them
 * (its own code and tables share it: with mem=1024 that is gpa [0, 1 GiB),
 * which fits Bochs's 2048 MiB limit), the window still maps the whole
 * region, and every phase touches only inside those N bytes: the 1g word
 * at their start, the 2m words in each of their 2 MiB chunks and the 4k
 * pages in their middle. Without span= (the default) N is the whole region.
 *
 * Then every word is checked again through the boot identity map
 * (gva == gpa), which proves the window maps the gpas it should. Under
 * hvlab, touch1g:zap zaps the whole region (HC_ZAP_RANGE) and
 * touch1g:reread reads every word once more (it refaults). hv backs RAM
 * 1 GiB aligned when it can, so the trace should show a leaf SPTE at
 * level 3 for the region (check-huge-qemu checks that).
 */
#include "guest.h"

#define SIZE_1G   BIT(30)
#define WINDOW    0x8000000000ull     /* 512 GiB: a PML4 slot the identity map leaves free */
#define OFF_1G    8
#define OFF_2M    16
#define OFF_4K    24
#define SALT      0x1900d1900d000000ull

static gpa_t region;       /* gpa of the 1 GiB region */
static u64 lo;             /* byte offset in the region of the part touched (span=) */
static u64 span;           /* its length: SIZE_1G without span= */
static u64 pages_4k;       /* pages of the 4 KiB phase */
static u64 first_4k;       /* byte offset in the region where that phase starts */

static void marker(const char *label)
{
	if (guest_hv())
		hc_marker(label);
}

static u64 pattern(u64 off)
{
	return (region + off) ^ SALT;
}

/* Page1GB: CPUID 0x80000001 EDX bit 26. */
static bool cpu_has_1g(void)
{
	if (cpuid(0x80000000, 0).eax < 0x80000001)
		return false;
	return cpuid(0x80000001, 0).edx & BIT(26);
}

/*
 * Map [WINDOW, WINDOW + 1 GiB) to the region in kernel_root: one PDPT entry
 * with PS (1 GiB page), or a page directory (pd) of 512 2 MiB pages. The
 * two table frames come from before the region (it reaches the top of RAM).
 */
static bool map_window(bool gig, gpa_t pdpt, gpa_t pd)
{
	u64 *pml4 = (u64 *)kernel_root;

	if (!pdpt || !pd || (pml4[(WINDOW >> 39) & 511] & PTE_P))
		return false;
	if (gig) {
		((u64 *)pdpt)[0] = region | PTE_P | PTE_W | PTE_PS;
	} else {
		for (u64 i = 0; i < 512; i++)
			((u64 *)pd)[i] = (region + i * PAGE_SIZE_2M) | PTE_P | PTE_W | PTE_PS;
		((u64 *)pdpt)[0] = pd | PTE_P | PTE_W;
	}
	pml4[(WINDOW >> 39) & 511] = pdpt | PTE_P | PTE_W;
	vm_switch(vm_current_root());        /* CR3 reload: drop stale translations */
	return true;
}

/* Write one word every stride bytes (count of them) at base + off. */
static void write_words(u64 base, u64 off, u64 count, u64 stride)
{
	for (u64 i = 0; i < count; i++)
		*(volatile u64 *)(base + off + i * stride) = pattern(off + i * stride);
}

/* Read them back; returns how many are wrong. */
static u64 bad_words(u64 base, u64 off, u64 count, u64 stride)
{
	u64 bad = 0;

	for (u64 i = 0; i < count; i++)
		bad += *(volatile u64 *)(base + off + i * stride) != pattern(off + i * stride);
	return bad;
}

static u64 phase(const char *name, u64 off, u64 count, u64 stride)
{
	char label[32];

	snprintf(label, sizeof(label), "touch1g:%s:write", name);
	marker(label);
	write_words(WINDOW, off, count, stride);
	snprintf(label, sizeof(label), "touch1g:%s:read", name);
	marker(label);
	return bad_words(WINDOW, off, count, stride);
}

/* Every phase's words, read through base (the window or the identity map). */
static u64 bad_all(u64 base)
{
	return bad_words(base, lo + OFF_1G, 1, SIZE_1G) +
	       bad_words(base, lo + OFF_2M, span / PAGE_SIZE_2M, PAGE_SIZE_2M) +
	       bad_words(base, first_4k + OFF_4K, pages_4k, PAGE_SIZE);
}

static void phases(void)
{
	u64 n2m = span / PAGE_SIZE_2M;
	u64 bad = phase("1g", lo + OFF_1G, 1, SIZE_1G);
	CHECKF("touch1g_1g", bad == 0, "%lu of 1 words read back wrong", bad);
	bad = phase("2m", lo + OFF_2M, n2m, PAGE_SIZE_2M);
	CHECKF("touch1g_2m", bad == 0, "%lu of %lu words read back wrong", bad, n2m);
	bad = phase("4k", first_4k + OFF_4K, pages_4k, PAGE_SIZE);
	CHECKF("touch1g_4k", bad == 0, "%lu of %lu words read back wrong", bad, pages_4k);
	bad = bad_all(region);
	CHECKF("touch1g_identity", bad == 0, "%lu words wrong through the identity map", bad);
}

static void phase_zap(void)
{
	marker("touch1g:zap");
	long zapped = hc_zap_range(region >> PAGE_SHIFT, SIZE_1G >> PAGE_SHIFT);
	CHECKF("touch1g_zap", zapped > 0, "%ld SPTEs zapped", zapped);
	marker("touch1g:reread");
	u64 bad = bad_all(WINDOW);
	CHECKF("touch1g_after_zap", bad == 0, "%lu words read back wrong", bad);
}

int main(void)
{
	const char *ps = guest_arg("pagesize");
	bool gig = cpu_has_1g() && !(ps && ps[0] == '2');

	span = guest_arg_u64("span", SIZE_1G);
	if (span > SIZE_1G)
		span = SIZE_1G;
	span &= ~(PAGE_SIZE_2M - 1);
	if (!CHECKF("touch1g_span", span != 0, "%lu MiB touched (span= takes whole 2 MiB, at least one)", span >> 20))
		return check_exit_code();
	pages_4k = guest_arg_u64("pages", 4096);
	if (pages_4k > span / PAGE_SIZE)
		pages_4k = span / PAGE_SIZE;
	if (pages_4k > 262144)
		pages_4k = 262144;
	gpa_t pdpt = frame_alloc(), pd = frame_alloc();
	gpa_t block = frames_alloc_contig(span >> PAGE_SHIFT, span == SIZE_1G ? SIZE_1G : PAGE_SIZE_2M);
	region = block & ~(SIZE_1G - 1);
	lo = block - region;
	first_4k = lo + ((span / 2 - pages_4k * PAGE_SIZE / 2) & ~(PAGE_SIZE - 1));
	if (!CHECKF("touch1g_alloc", block != 0 && lo + span <= SIZE_1G,
		    "%lu MiB at 0x%lx in one 1 GiB range, %lu MiB left (needs mem=2048, or span=)",
		    span >> 20, block, frames_left() >> 20))
		return check_exit_code();
	printf("touch1g: region 0x%lx, guest pages of %s\n", region, gig ? "1 GiB" : "2 MiB");
	if (span != SIZE_1G)
		printf("touch1g: touching [0x%lx, 0x%lx) of it (span=)\n", block, block + span);
	if (!CHECK("touch1g_map", map_window(gig, pdpt, pd)))
		return check_exit_code();
	marker("touch1g:begin");
	phases();
	if (guest_hv())
		phase_zap();
	marker("touch1g:end");
	return check_exit_code();
}
