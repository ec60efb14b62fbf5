/*
 * bootinfo_test.c: host unit test of lib/bootinfo.c: a fake Multiboot
 * info block (placed below 4 GiB with MAP_32BIT, as a loader would) with
 * an unsorted memory map and a command line; checks the RAM regions,
 * ram_top, gpa_is_ram and guest_arg / guest_arg_u64.
 */
#include "../bootinfo.c"
#include "include/klib/number.c"   /* guest_arg_u64 parses with klib's parse_u64 */

#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

static int failures;

#define T(name, cond) do { \
	bool ok_ = (cond); \
	printf("TEST guest_bootinfo.%s %s %s:%d\n", name, ok_ ? "PASS" : "FAIL", __FILE__, __LINE__); \
	failures += !ok_; \
} while (0)

struct fake {
	struct mb_info mb;
	struct mb_mmap_entry map[4];
	char cmdline[128];
};

static void fill(struct fake *f)
{
	static const struct mb_mmap_entry map[4] = {
		{ 20, 0x100000, 0x1f00000, MB_MMAP_RAM },   /* 1 MiB .. 32 MiB */
		{ 20, 0xfffc0000, 0x40000, 2 },             /* BIOS ROM: reserved */
		{ 20, 0, 0x9fc00, MB_MMAP_RAM },
		{ 20, 0x100000000ull, 0x10000000, MB_MMAP_RAM },   /* above 4 GiB */
	};
	memcpy(f->map, map, sizeof(map));
	strcpy(f->cmdline, "/boot/x.elf pages=16 big=0x20 mem=2M flag vcpus=3k");
	f->mb.flags = MB_INFO_MMAP | MB_INFO_CMDLINE;
	f->mb.mmap_addr = (u32)(u64)f->map;
	f->mb.mmap_length = sizeof(f->map);
	f->mb.cmdline = (u32)(u64)f->cmdline;
}

int main(void)
{
	struct fake *f = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
	if (f == MAP_FAILED)
		return perror("mmap"), 1;
	fill(f);
	bootinfo_init((u32)(u64)f);
	T("nr_ram", bootinfo.nr_ram == 3);
	T("sorted", bootinfo.ram[0].base == 0 && bootinfo.ram[1].base == 0x100000 &&
		    bootinfo.ram[2].base == 0x100000000ull);
	T("ram_bytes", bootinfo.ram_bytes == 0x9fc00 + 0x1f00000 + 0x10000000);
	T("ram_top", bootinfo.ram_top == 0x2000000);
	T("is_ram", gpa_is_ram(0) && gpa_is_ram(0x1ffffff) && gpa_is_ram(0x100000000ull));
	T("not_ram", !gpa_is_ram(0x9fc00) && !gpa_is_ram(0x2000000) && !gpa_is_ram(0xfffc0000));
	T("cmdline", strcmp(bootinfo.cmdline, f->cmdline) == 0);
	T("arg_value", guest_arg("pages") && strncmp(guest_arg("pages"), "16", 2) == 0);
	T("arg_bare", guest_arg("flag") && guest_arg("flag")[0] == 0);
	T("arg_absent", guest_arg("page") == NULL && guest_arg("nothing") == NULL);
	T("arg_u64_dec", guest_arg_u64("pages", 1) == 16);
	T("arg_u64_hex", guest_arg_u64("big", 1) == 0x20);
	T("arg_u64_suffix", guest_arg_u64("mem", 1) == (2u << 20) && guest_arg_u64("vcpus", 1) == 3072);
	T("arg_u64_default", guest_arg_u64("nothing", 7) == 7 && guest_arg_u64("flag", 9) == 9);
	printf("%d bootinfo cases failed\n", failures);
	return failures != 0;
}
