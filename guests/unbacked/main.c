/*
 * unbacked: maps a gpa where no memory is (default 0xC0000000, or
 * "gpa=..." on the command line) in its own page tables and reads it.
 * Under hvlab the read must stop the VM with a clear message from hv, so
 * reaching the line after the read is a failure. Natively QEMU returns
 * whatever unassigned memory reads as, and the guest exits 0.
 */
#include "guest.h"

static gpa_t pick_gpa(void)
{
	gpa_t gpa = guest_arg_u64("gpa", 0xC0000000ull);

	if (gpa_is_ram(gpa))   /* a big guest: go 1 GiB past the end of RAM */
		gpa = ((bootinfo.ram_top + BIT(30) - 1) & ~(BIT(30) - 1)) + BIT(30);
	return gpa & PAGE_MASK;
}

int main(void)
{
	gpa_t gpa = pick_gpa();

	CHECK("unbacked_not_ram", !gpa_is_ram(gpa));
	CHECK_EQ("unbacked_map", vm_map(kernel_root, gpa, gpa, PTE_W | PTE_PCD), 0);
	printf("unbacked: about to touch unbacked memory at gpa 0x%lx\n", gpa);
	u32 v = *(volatile u32 *)gpa;
	if (guest_hv()) {
		printf("TEST unbacked_stopped FAIL %s:%d read 0x%x: hv did not stop the VM\n",
		       __FILE__, __LINE__, v);
		return 1;
	}
	printf("unbacked: not under hvlab, the read returned 0x%x; exiting\n", v);
	return check_exit_code();
}
