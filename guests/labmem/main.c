/*
 * labmem: the workload of labs 04 (zap and flush) and 06 (teardown skip).
 *
 * A read-write slot of "mib=N" MiB (default 16) at the first 1 GiB boundary
 * above RAM PLUS 4 KiB: its backing is then never 2 MiB-aligned with its
 * gfns, so hv maps it with 4 KiB leaves and one page table per 2 MiB.
 * Each round ("rounds=N", default 2):
 *   labmem:touch   write one word every "stride=N" bytes (default 16K;
 *                  "stride=2m" touches one page per table: a sparse guest)
 *   labmem:zap     HC_ZAP_RANGE over the whole slot: every table entirely
 *                  inside it is removed with its subtree, with the MMU lock
 *                  held for write
 *   labmem:reread  every word reads back (the zap lost no data)
 * then the slot is deleted. Natively there are no memslots: skips.
 */
#include "guest.h"

#define SLOT_ID 12

static void marker(const char *label)
{
	hc_marker(label);
}

static u64 pattern(gpa_t gpa, u64 round)
{
	return gpa ^ (0x1ab0000000000000ull + round);
}

static u64 touch(gpa_t base, u64 bytes, u64 stride, u64 round)
{
	for (u64 off = 0; off < bytes; off += stride)
		*(volatile u64 *)(base + off) = pattern(base + off, round);
	return bytes / stride;
}

static u64 reread(gpa_t base, u64 bytes, u64 stride, u64 round)
{
	u64 bad = 0;

	for (u64 off = 0; off < bytes; off += stride)
		bad += *(volatile u64 *)(base + off) != pattern(base + off, round);
	return bad;
}

static void one_round(gpa_t base, u64 bytes, u64 stride, u64 round)
{
	char name[40];

	marker("labmem:touch");
	u64 n = touch(base, bytes, stride, round);
	marker("labmem:zap");
	long zapped = hc_zap_range(base >> PAGE_SHIFT, bytes >> PAGE_SHIFT);
	snprintf(name, sizeof(name), "labmem_zap%lu", round);
	CHECKF(name, zapped > 0, "%ld SPTEs zapped after touching %lu pages", zapped, n);
	marker("labmem:reread");
	u64 bad = reread(base, bytes, stride, round);
	snprintf(name, sizeof(name), "labmem_reread%lu", round);
	CHECKF(name, bad == 0, "%lu of %lu words read back wrong after the zap", bad, n);
}

int main(void)
{
	if (!guest_hv()) {
		printf("labmem: not under hvlab, skipping\n");
		return 0;
	}
	u64 bytes = guest_arg_u64("mib", 16) << 20;
	u64 stride = guest_arg_u64("stride", 16 << 10);
	u64 rounds = guest_arg_u64("rounds", 2);
	gpa_t top = bootinfo.ram_top;
	if ((u64)hc_info(HC_INFO_MEM_BYTES) > top)
		top = (u64)hc_info(HC_INFO_MEM_BYTES);
	gpa_t aligned = (top + BIT(30) - 1) & ~(BIT(30) - 1);
	gpa_t base = aligned + PAGE_SIZE;

	if (stride < 8 || stride % 8)
		stride = PAGE_SIZE;
	long rc = hc_memslot_create(SLOT_ID, base, bytes, 0);
	if (!CHECKF("labmem_slot", rc == 0, "slot of %lu MiB at 0x%lx: %ld (%s)",
		    bytes >> 20, base, rc, hc_strerror(rc)))
		return check_exit_code();
	vm_identity_map(kernel_root, aligned, aligned + bytes + PAGE_SIZE_2M, PTE_W, true);
	printf("labmem: %lu MiB at 0x%lx, stride %lu, %lu rounds\n", bytes >> 20, base, stride, rounds);
	for (u64 r = 0; r < rounds; r++)
		one_round(base, bytes, stride, r);
	marker("labmem:delete");
	CHECK_EQ("labmem_delete", hc_memslot_delete(SLOT_ID), 0);
	marker("labmem:end");
	return check_exit_code();
}
