/*
 * labhole: the workload of lab 05 (an all-ones PCI hole, seed 002).
 *
 * An all-ones slot of "mib=N" MiB (default 64) at the first 1 GiB boundary
 * above RAM, mapped uncached in the guest's own tables. Then:
 *   labhole:read    one 32-bit read every "step=N" bytes (default 1 MiB):
 *                   each must be 0xffffffff
 *   labhole:again   the same reads once more (a hole is never cached as a
 *                   mapping: each is emulated again, still 0xffffffff)
 *   labhole:write   a write, dropped: the word still reads 0xffffffff
 * and the slot is deleted. Natively there are no memslots: skips.
 */
#include "guest.h"

#define SLOT_ID 13

static u64 read_all(gpa_t base, u64 bytes, u64 step)
{
	u64 bad = 0;

	for (u64 off = 0; off < bytes; off += step)
		bad += *(volatile u32 *)(base + off + (off / step % 1024) * 4) != 0xffffffffu;
	return bad;
}

int main(void)
{
	if (!guest_hv()) {
		printf("labhole: not under hvlab, skipping\n");
		return 0;
	}
	u64 bytes = guest_arg_u64("mib", 64) << 20;
	u64 step = guest_arg_u64("step", 1 << 20);
	gpa_t top = bootinfo.ram_top;
	if ((u64)hc_info(HC_INFO_MEM_BYTES) > top)
		top = (u64)hc_info(HC_INFO_MEM_BYTES);
	gpa_t base = (top + BIT(30) - 1) & ~(BIT(30) - 1);

	if (step < PAGE_SIZE || step % PAGE_SIZE)
		step = 1 << 20;
	long rc = hc_memslot_create(SLOT_ID, base, bytes, HC_MEM_ALLONES);
	if (!CHECKF("labhole_slot", rc == 0, "all-ones slot of %lu MiB at 0x%lx: %ld (%s)",
		    bytes >> 20, base, rc, hc_strerror(rc)))
		return check_exit_code();
	vm_identity_map(kernel_root, base, base + bytes, PTE_W | PTE_PCD | PTE_PWT, true);
	printf("labhole: %lu MiB hole at 0x%lx, a read every %lu KiB\n", bytes >> 20, base, step >> 10);
	hc_marker("labhole:read");
	u64 bad = read_all(base, bytes, step);
	CHECKF("labhole_read", bad == 0, "%lu of %lu reads were not 0xffffffff", bad, bytes / step);
	hc_marker("labhole:again");
	bad = read_all(base, bytes, step);
	CHECKF("labhole_read_again", bad == 0, "%lu of %lu reads were not 0xffffffff", bad, bytes / step);
	hc_marker("labhole:write");
	*(volatile u32 *)(base + 0x40) = 0x12345678;
	CHECK_EQ("labhole_write_dropped", *(volatile u32 *)(base + 0x40), 0xffffffffu);
	CHECK_EQ("labhole_delete", hc_memslot_delete(SLOT_ID), 0);
	hc_marker("labhole:end");
	return check_exit_code();
}
