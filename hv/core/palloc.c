/*
 * palloc.c: physical page allocator.
 *
 * A bitmap over the pages of the first 4 GiB: bit set = page used (or not
 * RAM). palloc_init() starts with every page used, frees the ranges the
 * Multiboot memory map calls available, then reserves what is already
 * occupied: the first MiB (BIOS data, the AP trampoline at 0x8000), hv's
 * own image, the Multiboot info and every module.
 *
 * Invariants:
 *  (1) A page handed out is zero-filled; a freed page is filled with junk
 *      (0x5a) so a use-after-free reads garbage, not stale data.
 *  (2) Allocation is first-fit from the lowest aligned candidate, under
 *      palloc_lock; hv allocates rarely (boot, MMU tables), so a linear scan
 *      is fine and easy to follow.
 */
#include "hv/core/palloc.h"
#include "hv/core/lib.h"
#include "hv/core/panic.h"
#include "hv/boot/multiboot.h"
#include "include/hvlab/rwlock.h"

#define MAX_PAGES  (1ull << 20)            /* 4 GiB / 4 KiB */

static u64 bitmap[MAX_PAGES / 64];
static u64 nr_pages;                       /* pages below the top of RAM */
static u64 nr_free;
static struct spinlock palloc_lock;

extern char __image_start[], __image_end[];

static bool page_used(u64 pfn) { return bitmap[pfn / 64] & BIT(pfn % 64); }
static void set_used(u64 pfn)  { bitmap[pfn / 64] |= BIT(pfn % 64); }
static void set_free(u64 pfn)  { bitmap[pfn / 64] &= ~BIT(pfn % 64); }

static void mark_range(hpa_t start, hpa_t end, bool used)
{
	for (u64 pfn = start >> PAGE_SHIFT; pfn < (end + PAGE_SIZE - 1) >> PAGE_SHIFT &&
	     pfn < MAX_PAGES; pfn++) {
		if (used && !page_used(pfn)) {
			set_used(pfn);
			nr_free--;
		} else if (!used && page_used(pfn)) {
			set_free(pfn);
			nr_free++;
		}
	}
}

void palloc_reserve(hpa_t start, hpa_t end)
{
	mark_range(start & PAGE_MASK, end, true);
}

/*
 * Free the available ranges of the memory map (whole pages only), and the
 * ACPI-reclaimable ones: hv never reads ACPI tables, so they are plain RAM
 * to it. (Bochs's BIOS puts its tables in the top 64 KiB of RAM: with
 * megs: 2048 they would leave no whole free [1 GiB, 2 GiB) for a 1 GiB-
 * aligned guest RAM backing, check-huge-bochs.)
 */
static void add_mmap_ranges(const struct mb_info *mbi)
{
	u32 off = 0;
	while (off < mbi->mmap_length) {
		const struct mb_mmap *e = (const void *)(u64)(mbi->mmap_addr + off);
		if (e->type == MB_MMAP_AVAILABLE || e->type == MB_MMAP_ACPI_RECLAIMABLE) {
			u64 start = (e->base_addr + PAGE_SIZE - 1) & PAGE_MASK;
			u64 end = (e->base_addr + e->length) & PAGE_MASK;
			if (end > MAX_PAGES << PAGE_SHIFT)
				end = MAX_PAGES << PAGE_SHIFT;
			if (start < end) {
				mark_range(start, end, false);
				if (end >> PAGE_SHIFT > nr_pages)
					nr_pages = end >> PAGE_SHIFT;
			}
		}
		off += e->size + 4;
	}
}

void palloc_init(u32 mbi_pa)
{
	const struct mb_info *mbi = (const void *)(u64)mbi_pa;

	memset(bitmap, 0xff, sizeof(bitmap));
	if (!(mbi->flags & MBI_MMAP))
		panic("boot: the loader gave no memory map (Multiboot flags 0x%x)", mbi->flags);
	add_mmap_ranges(mbi);
	palloc_reserve(0, 0x100000);
	palloc_reserve((hpa_t)__image_start, (hpa_t)__image_end);
	palloc_reserve(mbi_pa, mbi_pa + sizeof(*mbi));
	palloc_reserve(mbi->mmap_addr, mbi->mmap_addr + mbi->mmap_length);
	if (mbi->flags & MBI_MODS) {
		const struct mb_module *m = (const void *)(u64)mbi->mods_addr;
		palloc_reserve(mbi->mods_addr, mbi->mods_addr + mbi->mods_count * sizeof(*m));
		for (u32 i = 0; i < mbi->mods_count; i++) {
			palloc_reserve(m[i].mod_start, m[i].mod_end);
			palloc_reserve(m[i].string, m[i].string + 256);
		}
	}
	if (mbi->flags & MBI_CMDLINE)
		palloc_reserve(mbi->cmdline, mbi->cmdline + 256);
}

/* First fit: the lowest run of npages free pages starting on an aligned pfn. */
static u64 find_run(u64 npages, u64 align)
{
	for (u64 pfn = align; pfn + npages <= nr_pages; pfn += align) {
		u64 i = 0;
		while (i < npages && !page_used(pfn + i))
			i++;
		if (i == npages)
			return pfn;
		pfn = (pfn + i) / align * align;  /* skip past the used page */
	}
	return 0;
}

hpa_t palloc_alloc(u64 npages, u64 align_pages)
{
	if (!npages)
		return 0;
	if (!align_pages)
		align_pages = 1;
	spin_lock(&palloc_lock);
	u64 pfn = find_run(npages, align_pages);
	for (u64 i = 0; pfn && i < npages; i++)
		set_used(pfn + i);
	if (pfn)
		nr_free -= npages;
	spin_unlock(&palloc_lock);
	if (!pfn)
		return 0;
	memset((void *)(pfn << PAGE_SHIFT), 0, npages << PAGE_SHIFT);   /* (1) */
	return pfn << PAGE_SHIFT;
}

void palloc_free(hpa_t base, u64 npages)
{
	memset((void *)base, 0x5a, npages << PAGE_SHIFT);                 /* (1) */
	spin_lock(&palloc_lock);
	for (u64 i = 0; i < npages; i++) {
		u64 pfn = (base >> PAGE_SHIFT) + i;
		if (!page_used(pfn))
			panic("palloc: double free of page 0x%lx", pfn << PAGE_SHIFT);
		set_free(pfn);
	}
	nr_free += npages;
	spin_unlock(&palloc_lock);
}

u64 palloc_free_pages(void)
{
	return nr_free;
}
