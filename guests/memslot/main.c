/*
 * memslot: memory slots beyond the guest's RAM, created by hypercall at a
 * free gpa (the first 1 GiB boundary above RAM) and mapped in the guest's
 * own page tables:
 *   - a read-write slot: write, read back, zap (data survives), delete,
 *     create again;
 *   - a read-only slot: a write is dropped, the old value reads back;
 *   - an all-ones slot (a PCI hole): every byte reads 0xff, writes dropped;
 *   - dirty logging: the fetched bitmap is exactly the pages written since
 *     the last fetch, twice with different sets, then empty.
 * Natively there are no memslots: skips.
 */
#include "guest.h"

enum { SLOT_RW = 8, SLOT_RO = 9, SLOT_ONES = 10, SLOT_DIRTY = 11 };

#define SLOT_PAGES   16
#define DIRTY_PAGES  64     /* one u64 of bitmap */

static gpa_t slot_base;     /* first slot's gpa; the others follow at 1 MiB steps */

static gpa_t slot_gpa(int slot)
{
	return slot_base + (u64)(slot - SLOT_RW) * BIT(20);
}

static u32 rd32(gpa_t gpa) { return *(volatile u32 *)gpa; }
static void wr32(gpa_t gpa, u32 v) { *(volatile u32 *)gpa = v; }

/*
 * Create a slot of npages and map it (4 KiB pages) in the guest's tables.
 * A slot that failed is never touched: that would be unbacked memory.
 */
static bool create(int slot, u64 npages, u64 flags, u64 pte_flags)
{
	long rc = hc_memslot_create(slot, slot_gpa(slot), npages * PAGE_SIZE, flags);

	if (rc != 0) {
		printf("memslot: creating slot %d: %ld (%s)\n", slot, rc, hc_strerror(rc));
		return false;
	}
	vm_identity_map(kernel_root, slot_gpa(slot), slot_gpa(slot) + npages * PAGE_SIZE,
			PTE_W | pte_flags, false);
	return true;
}

static void read_write_slot(void)
{
	gpa_t g = slot_gpa(SLOT_RW);
	u32 bad = 0;

	if (!CHECK("memslot_rw_create", create(SLOT_RW, SLOT_PAGES, 0, 0)))
		return;
	for (int i = 0; i < SLOT_PAGES; i++)
		wr32(g + i * PAGE_SIZE, 0xab000000 | i);
	for (int i = 0; i < SLOT_PAGES; i++)
		bad += rd32(g + i * PAGE_SIZE) != (0xab000000u | i);
	CHECKF("memslot_rw_readback", bad == 0, "%u of %d pages wrong", bad, SLOT_PAGES);
	CHECK_EQ("memslot_rw_exists", hc_memslot_create(SLOT_RW, g, PAGE_SIZE, 0), HC_EEXIST);
	CHECK_EQ("memslot_rw_overlap", hc_memslot_create(SLOT_RW + 20, g + PAGE_SIZE, PAGE_SIZE, 0),
		 HC_EEXIST);
	long zapped = hc_zap_range(g >> PAGE_SHIFT, SLOT_PAGES);
	CHECKF("memslot_rw_zap", zapped >= 0, "zapped %ld", zapped);
	CHECK_EQ("memslot_rw_after_zap", rd32(g + 5 * PAGE_SIZE), 0xab000005u);
	long young = hc_age_range(g >> PAGE_SHIFT, SLOT_PAGES);
	CHECKF("memslot_rw_age", young >= 0, "young %ld", young);
}

static void delete_and_readd(void)
{
	gpa_t g = slot_gpa(SLOT_RW);

	if (!CHECK_EQ("memslot_delete", hc_memslot_delete(SLOT_RW), 0))
		return;
	CHECK_EQ("memslot_delete_again", hc_memslot_delete(SLOT_RW), HC_ENOENT);
	if (!CHECK_EQ("memslot_readd", hc_memslot_create(SLOT_RW, g, SLOT_PAGES * PAGE_SIZE, 0), 0))
		return;
	wr32(g + 3 * PAGE_SIZE, 0x600d600d);
	CHECK_EQ("memslot_readd_readback", rd32(g + 3 * PAGE_SIZE), 0x600d600d);
}

static void read_only_slot(void)
{
	gpa_t g = slot_gpa(SLOT_RO) + 2 * PAGE_SIZE;

	if (!CHECK("memslot_ro_create", create(SLOT_RO, SLOT_PAGES, HC_MEM_READONLY, 0)))
		return;
	u32 old = rd32(g);
	wr32(g, ~old);
	CHECK_EQ("memslot_ro_write_dropped", rd32(g), old);
}

static void all_ones_slot(void)
{
	gpa_t g = slot_gpa(SLOT_ONES);
	u32 bad = 0;

	if (!CHECK("memslot_ones_create", create(SLOT_ONES, SLOT_PAGES, HC_MEM_ALLONES, PTE_PCD | PTE_PWT)))
		return;
	for (int i = 0; i < SLOT_PAGES; i += 5)
		bad += rd32(g + i * PAGE_SIZE + 4 * i) != 0xffffffffu;
	CHECKF("memslot_ones_read", bad == 0, "%u reads were not 0xffffffff", bad);
	CHECK_EQ("memslot_ones_byte", *(volatile u8 *)(g + 7), 0xff);
	wr32(g + 64, 0x12345678);
	CHECK_EQ("memslot_ones_write_dropped", rd32(g + 64), 0xffffffffu);
}

static u64 write_pages(u64 mask)
{
	for (int i = 0; i < DIRTY_PAGES; i++)
		if (mask & BIT(i))
			wr32(slot_gpa(SLOT_DIRTY) + i * PAGE_SIZE + 8, 0xd1d10000 | i);
	return mask;
}

static long weight(u64 mask)
{
	long n = 0;

	for (; mask; mask &= mask - 1)
		n++;
	return n;
}

/* Fetch-and-clear; the bitmap must be exactly want, the result its weight. */
static void expect_dirty(const char *name, u64 want)
{
	u64 bitmap = 0;
	long n = hc_dirty_log_fetch(SLOT_DIRTY, &bitmap, sizeof(bitmap));

	CHECKF(name, bitmap == want && n == weight(want),
	       "bitmap 0x%lx want 0x%lx, returned %ld", bitmap, want, n);
}

static void dirty_log(void)
{
	if (!CHECK("memslot_dirty_create", create(SLOT_DIRTY, DIRTY_PAGES, 0, 0)))
		return;
	write_pages(~0ull);                       /* map every page writable first */
	CHECK_EQ("memslot_dirty_enable", hc_dirty_log_enable(SLOT_DIRTY, true), 0);
	u64 bitmap;
	hc_dirty_log_fetch(SLOT_DIRTY, &bitmap, sizeof(bitmap));   /* start clean */
	expect_dirty("memslot_dirty_set_a", write_pages(BIT(0) | BIT(3) | BIT(17) | BIT(63)));
	(void)rd32(slot_gpa(SLOT_DIRTY) + 5 * PAGE_SIZE);        /* reads do not dirty */
	expect_dirty("memslot_dirty_set_b", write_pages(BIT(1) | BIT(2) | BIT(40)));
	expect_dirty("memslot_dirty_none", 0);
	CHECK_EQ("memslot_dirty_disable", hc_dirty_log_enable(SLOT_DIRTY, false), 0);
}

static void delete_all(void)
{
	static const int slots[] = { SLOT_RW, SLOT_RO, SLOT_ONES, SLOT_DIRTY };
	char name[32];

	for (u64 i = 0; i < ARRAY_SIZE(slots); i++) {
		snprintf(name, sizeof(name), "memslot_final_delete_%d", slots[i]);
		CHECK_EQ(name, hc_memslot_delete(slots[i]), 0);
	}
}

int main(void)
{
	if (!guest_hv()) {
		printf("memslot: not under hvlab, skipping hypercall parts\n");
		return 0;
	}
	gpa_t top = bootinfo.ram_top;
	u64 mem = (u64)hc_info(HC_INFO_MEM_BYTES);
	if (mem > top)
		top = mem;
	slot_base = (top + BIT(30) - 1) & ~(BIT(30) - 1);
	printf("memslot: slots from gpa 0x%lx\n", slot_base);
	read_write_slot();
	delete_and_readd();
	read_only_slot();
	all_ones_slot();
	dirty_log();
	delete_all();
	return check_exit_code();
}
