/*
 * bootinfo.h: what the guest learned from its Multiboot loader, copied
 * out of the loader's memory first thing (the frame allocator may later
 * hand out the pages the Multiboot info lived in).
 */
#ifndef GUEST_BOOTINFO_H
#define GUEST_BOOTINFO_H

#include "include/hvlab/types.h"

#define MAX_RAM_REGIONS 16

struct ram_region {
	gpa_t base;
	u64 len;
};

struct bootinfo {
	struct ram_region ram[MAX_RAM_REGIONS];  /* available RAM, ascending */
	int nr_ram;
	u64 ram_bytes;     /* sum of the regions */
	gpa_t ram_top;     /* end of the highest region below 4 GiB */
	char cmdline[256]; /* Multiboot command line, as given */
};

extern struct bootinfo bootinfo;

void bootinfo_init(u32 mbi_gpa);
bool gpa_is_ram(gpa_t gpa);

/*
 * Command-line arguments: "name=value" or a bare "name".
 * guest_arg returns the value ("" for a bare name) or NULL if absent.
 * guest_arg_u64 parses decimal or 0x-hex with an optional K/M/G suffix.
 */
const char *guest_arg(const char *name);
u64 guest_arg_u64(const char *name, u64 dflt);

#endif
