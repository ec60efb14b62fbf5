/*
 * multiboot.h: the Multiboot v1 structures hv reads (its own boot info,
 * from QEMU or GRUB) and writes (the boot info it gives the guest).
 * Multiboot Specification 0.6.96, section 3.3 "Boot information format".
 *
 * struct mb_info, the fields used (offsets in bytes):
 *   0  flags        which fields below are valid (MBI_*)
 *   4  mem_lower    KiB of memory below 1 MiB      (MBI_MEM)
 *   8  mem_upper    KiB of memory above 1 MiB      (MBI_MEM)
 *  16  cmdline      physical address of a C string (MBI_CMDLINE)
 *  20  mods_count   number of modules              (MBI_MODS)
 *  24  mods_addr    physical address of mb_module[]
 *  44  mmap_length  bytes of memory map            (MBI_MMAP)
 *  48  mmap_addr    physical address of mb_mmap entries
 */
#ifndef HV_BOOT_MULTIBOOT_H
#define HV_BOOT_MULTIBOOT_H

#include "include/hvlab/types.h"

#define MB_BOOTLOADER_MAGIC 0x2BADB002u
#define MB_HEADER_MAGIC     0x1BADB002u

#define MBI_MEM      BIT(0)
#define MBI_CMDLINE  BIT(2)
#define MBI_MODS     BIT(3)
#define MBI_MMAP     BIT(6)

struct mb_info {
	u32 flags, mem_lower, mem_upper, boot_device;
	u32 cmdline, mods_count, mods_addr;
	u32 syms[4];
	u32 mmap_length, mmap_addr;
	u32 drives_length, drives_addr, config_table, boot_loader_name;
	u32 apm_table;
} __attribute__((packed));

struct mb_module {
	u32 mod_start, mod_end;   /* [start, end) physical */
	u32 string;               /* physical address of its command line */
	u32 reserved;
} __attribute__((packed));

/* One memory map entry; the next one starts size + 4 bytes further. */
struct mb_mmap {
	u32 size;
	u64 base_addr, length;
	u32 type;                 /* 1 = available RAM */
} __attribute__((packed));

#define MB_MMAP_AVAILABLE 1
#define MB_MMAP_ACPI_RECLAIMABLE 3   /* ACPI tables: RAM once the OS has read them */

#endif
