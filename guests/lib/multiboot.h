/*
 * multiboot.h: the parts of the Multiboot v1 specification a guest reads
 * (section 3.3, "Boot information format"). OFFSET / SIZE / FIELD:
 *
 *    0  4  flags          which fields below are valid
 *    4  4  mem_lower      KiB below 1 MiB            (flags bit 0)
 *    8  4  mem_upper      KiB above 1 MiB            (flags bit 0)
 *   16  4  cmdline        physical address of a C string (flags bit 2)
 *   44  4  mmap_length    bytes of memory map        (flags bit 6)
 *   48  4  mmap_addr      physical address of the map (flags bit 6)
 */
#ifndef GUEST_MULTIBOOT_H
#define GUEST_MULTIBOOT_H

#include "include/hvlab/types.h"

#define MB_HEADER_MAGIC  0x1BADB002u   /* in the kernel image */
#define MB_BOOT_MAGIC    0x2BADB002u   /* in EAX at entry */

#define MB_INFO_MEM      BIT(0)
#define MB_INFO_CMDLINE  BIT(2)
#define MB_INFO_MMAP     BIT(6)

struct mb_info {
	u32 flags;
	u32 mem_lower, mem_upper;
	u32 boot_device;
	u32 cmdline;
	u32 mods_count, mods_addr;
	u32 syms[4];
	u32 mmap_length, mmap_addr;
};

/* One memory-map entry; "size" does not count itself. */
struct mb_mmap_entry {
	u32 size;
	u64 base;
	u64 len;
	u32 type;              /* 1 = available RAM */
} __attribute__((packed));

#define MB_MMAP_RAM 1

#endif
