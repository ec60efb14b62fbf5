/*
 * hello: the first guest. Prints a greeting and what it knows about its
 * machine; under hvlab also what HC_INFO reports, and says hello once
 * more through HC_CONSOLE_WRITE. Exits 0.
 */
#include "guest.h"

static const char *const info_names[] = {
	[HC_INFO_VCPU_ID] = "vcpu_id", [HC_INFO_NR_VCPUS] = "nr_vcpus",
	[HC_INFO_MMU_MODE] = "mmu_mode", [HC_INFO_VENDOR] = "vendor",
	[HC_INFO_MEM_BYTES] = "mem_bytes", [HC_INFO_AD_ENABLED] = "ad_enabled",
};

static void print_hv_info(void)
{
	static const char msg[] = "hello through HC_CONSOLE_WRITE\n";

	for (u64 i = 0; i < ARRAY_SIZE(info_names); i++)
		printf("hello: HC_INFO %s = %ld\n", info_names[i], hc_info(i));
	CHECK_EQ("hello_console_write", hc_console_write(msg, sizeof(msg) - 1), sizeof(msg) - 1);
	CHECK_EQ("hello_vcpu_id", hc_info(HC_INFO_VCPU_ID), 0);
	CHECKF("hello_nr_vcpus", hc_info(HC_INFO_NR_VCPUS) >= 1, "nr_vcpus=%ld",
	       hc_info(HC_INFO_NR_VCPUS));
}

int main(void)
{
	printf("hello from the guest\n");
	printf("hello: cpu %d, %lu KiB RAM in %d regions:\n",
	       this_cpu(), bootinfo.ram_bytes >> 10, bootinfo.nr_ram);
	for (int i = 0; i < bootinfo.nr_ram; i++)
		printf("  [0x%09lx, 0x%09lx)\n", bootinfo.ram[i].base,
		       bootinfo.ram[i].base + bootinfo.ram[i].len);
	CHECK("hello_ram", bootinfo.ram_bytes >= (1u << 20));
	if (guest_hv())
		print_hv_info();
	else
		printf("hello: not under hvlab, skipping hypercall parts\n");
	return check_exit_code();
}
