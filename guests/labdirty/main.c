/*
 * labdirty: the workload of lab 07 (volatile SPTE bits, seed 004).
 *
 * A slot of "pages=N" pages (default 256) at the first 1 GiB boundary above
 * RAM, every page written once, then dirty logging on. Each round
 * ("rounds=N", default 4) writes a different set of pages, fetches the log
 * (it must be exactly that set), then zaps or ages the slot. After a fetch
 * every leaf is writable and clean: the CPU may set its D bit at any time,
 * so every later write of it by the MMU must be atomic. Natively: skips.
 */
#include "guest.h"

#define SLOT_ID 14
#define MAX_PAGES 4096

static u64 bitmap[MAX_PAGES / 64];
static u64 want[MAX_PAGES / 64];

/* Write the pages i with (i * 7 + round) % 3 == 0; remember them in want. */
static u64 write_set(gpa_t base, u64 pages, u64 round)
{
	u64 n = 0;

	for (u64 w = 0; w < pages / 64; w++)
		want[w] = 0;
	for (u64 i = 0; i < pages; i++) {
		if ((i * 7 + round) % 3)
			continue;
		*(volatile u64 *)(base + i * PAGE_SIZE + 8 * round) = i ^ round;
		want[i / 64] |= BIT(i % 64);
		n++;
	}
	return n;
}

static void fetch_and_check(u64 pages, u64 n, u64 round)
{
	char name[40];
	u64 diff = 0;
	long got = hc_dirty_log_fetch(SLOT_ID, bitmap, pages / 8);

	for (u64 w = 0; w < pages / 64; w++)
		diff += bitmap[w] != want[w];
	snprintf(name, sizeof(name), "labdirty_log%lu", round);
	CHECKF(name, got == (long)n && diff == 0,
	       "fetched %ld dirty pages for %lu written, %lu bitmap words differ", got, n, diff);
}

int main(void)
{
	if (!guest_hv()) {
		printf("labdirty: not under hvlab, skipping\n");
		return 0;
	}
	u64 pages = guest_arg_u64("pages", 256) & ~63ull;
	u64 rounds = guest_arg_u64("rounds", 4);
	gpa_t top = bootinfo.ram_top;
	if ((u64)hc_info(HC_INFO_MEM_BYTES) > top)
		top = (u64)hc_info(HC_INFO_MEM_BYTES);
	gpa_t base = (top + BIT(30) - 1) & ~(BIT(30) - 1);

	if (pages == 0 || pages > MAX_PAGES)
		pages = 256;
	long rc = hc_memslot_create(SLOT_ID, base, pages * PAGE_SIZE, 0);
	if (!CHECKF("labdirty_slot", rc == 0, "slot of %lu pages: %ld (%s)", pages, rc, hc_strerror(rc)))
		return check_exit_code();
	vm_identity_map(kernel_root, base, base + pages * PAGE_SIZE, PTE_W, false);
	for (u64 i = 0; i < pages; i++)
		*(volatile u64 *)(base + i * PAGE_SIZE) = i;       /* map every page writable */
	CHECK_EQ("labdirty_enable", hc_dirty_log_enable(SLOT_ID, true), 0);
	hc_dirty_log_fetch(SLOT_ID, bitmap, pages / 8);         /* start clean */
	for (u64 r = 0; r < rounds; r++) {
		hc_marker("labdirty:write");
		u64 n = write_set(base, pages, r);
		hc_marker("labdirty:fetch");
		fetch_and_check(pages, n, r);
		/* Every leaf is now W and clean: volatile. Zap or age them all. */
		if (r % 2 == 0) {
			hc_marker("labdirty:zap");
			hc_zap_range(base >> PAGE_SHIFT, pages);
			for (u64 i = 0; i < pages; i++)                 /* map again, read-only first */
				(void)*(volatile u64 *)(base + i * PAGE_SIZE);
			write_set(base, pages, r);                      /* and writable: D set */
			hc_dirty_log_fetch(SLOT_ID, bitmap, pages / 8);
		} else {
			hc_marker("labdirty:age");
			hc_age_range(base >> PAGE_SHIFT, pages);
		}
	}
	/* The slot's 2 MiB region whole: its page table goes too (the link to
	 * a table is not volatile: the CPU never sets anything the MMU reads). */
	hc_marker("labdirty:zap_table");
	long z = hc_zap_range((base >> PAGE_SHIFT) & ~511ull, 512);
	CHECKF("labdirty_zap_table", z > 0, "%ld SPTEs zapped", z);
	CHECK_EQ("labdirty_disable", hc_dirty_log_enable(SLOT_ID, false), 0);
	CHECK_EQ("labdirty_delete", hc_memslot_delete(SLOT_ID), 0);
	return check_exit_code();
}
