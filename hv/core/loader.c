/*
 * loader.c: load a Multiboot v1 ELF32 guest (see loader.h).
 *
 * Guest memory after loading (gpa):
 *   0x000000 - 0x09fbff  RAM (the guest's low memory)
 *   0x009000             struct mb_info          (GUEST_MBI_GPA)
 *   0x009100             memory map, 2 entries   (GUEST_MMAP_GPA)
 *   0x009200             command line, <= 256 B  (GUEST_CMDLINE_GPA)
 *   0x09fc00 - 0x0fffff  reserved (where a PC has VGA and BIOS)
 *   0x100000 - mem       RAM; the ELF's PT_LOAD segments go here
 */
#include "hv/core/loader.h"
#include "hv/core/config.h"
#include "hv/core/guestmem.h"
#include "hv/core/lib.h"
#include "hv/core/panic.h"
#include "hv/core/vm.h"
#include "hv/boot/multiboot.h"

#define GUEST_MBI_GPA      0x9000u
#define GUEST_MMAP_GPA     0x9100u
#define GUEST_CMDLINE_GPA  0x9200u
#define GUEST_LOW_END      0x9fc00u

struct elf32_ehdr {
	u8  ident[16];
	u16 type, machine;
	u32 version, entry, phoff, shoff, flags;
	u16 ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
} __attribute__((packed));

struct elf32_phdr {
	u32 type, offset, vaddr, paddr, filesz, memsz, flags, align;
} __attribute__((packed));

#define PT_LOAD 1

static _Noreturn void bad_guest(const char *why, u64 value)
{
	printk("hv: cannot load the guest: %s (0x%lx)\n", why, value);
	hv_finish(HV_STATUS_BADCONFIG);
}

/* The Multiboot header must be in the first 8 KiB, 4-byte aligned. */
static void check_multiboot_header(const u8 *image, u64 size)
{
	for (u64 off = 0; off + 12 <= size && off < 8192; off += 4) {
		const u32 *h = (const u32 *)(image + off);
		if (h[0] == MB_HEADER_MAGIC && h[0] + h[1] + h[2] == 0)
			return;
	}
	bad_guest("no Multiboot v1 header in its first 8 KiB", size);
}

static void load_segment(struct vm *vm, const u8 *image, u64 size,
			 const struct elf32_phdr *ph)
{
	if ((u64)ph->offset + ph->filesz > size || ph->filesz > ph->memsz)
		bad_guest("segment outside the file", ph->offset);
	if ((u64)ph->paddr + ph->memsz > vm->mem_bytes)
		bad_guest("segment beyond guest RAM (raise mem=)", (u64)ph->paddr + ph->memsz);
	if (guest_write(vm, ph->paddr, image + ph->offset, ph->filesz) ||
	    guest_zero(vm, (u64)ph->paddr + ph->filesz, ph->memsz - ph->filesz))
		bad_guest("segment not in guest RAM", ph->paddr);
}

static u32 load_elf(struct vm *vm, const u8 *image, u64 size)
{
	const struct elf32_ehdr *eh = (const void *)image;

	if (size < sizeof(*eh) || memcmp(eh->ident, "\177ELF", 4))
		bad_guest("not an ELF file", size);
	if (eh->ident[4] != 1 || eh->machine != 3)
		bad_guest("not an ELF32 i386 file (objcopy -O elf32-i386)", eh->ident[4]);
	if ((u64)eh->phoff + (u64)eh->phnum * sizeof(struct elf32_phdr) > size)
		bad_guest("program headers outside the file", eh->phoff);
	const struct elf32_phdr *ph = (const void *)(image + eh->phoff);
	for (int i = 0; i < eh->phnum; i++)
		if (ph[i].type == PT_LOAD && ph[i].memsz)
			load_segment(vm, image, size, &ph[i]);
	return eh->entry;
}

/* The info block: memory (KiB), command line, memory map. */
static void build_mbi(struct vm *vm, const char *cmdline)
{
	struct mb_mmap map[2] = {
		{ .size = 20, .base_addr = 0, .length = GUEST_LOW_END, .type = MB_MMAP_AVAILABLE },
		{ .size = 20, .base_addr = 0x100000, .length = vm->mem_bytes - 0x100000,
		  .type = MB_MMAP_AVAILABLE },
	};
	struct mb_info mbi = {
		.flags = MBI_MEM | MBI_CMDLINE | MBI_MMAP,
		.mem_lower = GUEST_LOW_END / 1024,
		.mem_upper = (u32)((vm->mem_bytes - 0x100000) / 1024),
		.cmdline = GUEST_CMDLINE_GPA,
		.mmap_length = sizeof(map), .mmap_addr = GUEST_MMAP_GPA,
	};
	u64 len = strlen(cmdline);
	if (len > 255)
		len = 255;
	if (guest_write(vm, GUEST_MBI_GPA, &mbi, sizeof(mbi)) ||
	    guest_write(vm, GUEST_MMAP_GPA, map, sizeof(map)) ||
	    guest_write(vm, GUEST_CMDLINE_GPA, cmdline, len) ||
	    guest_zero(vm, GUEST_CMDLINE_GPA + len, 1))
		bad_guest("low guest memory not backed", GUEST_MBI_GPA);
}

void guest_load(struct vm *vm, const struct boot_config *cfg)
{
	const u8 *image = (const u8 *)cfg->guest_start;
	u64 size = cfg->guest_end - cfg->guest_start;
	struct vcpu *v = &vm->vcpus[0];

	check_multiboot_header(image, size);
	u32 entry = load_elf(vm, image, size);
	build_mbi(vm, cfg->guest_cmdline);
	memset(&v->regs, 0, sizeof(v->regs));
	v->regs.rip = entry;
	v->regs.rax = MB_BOOTLOADER_MAGIC;
	v->regs.rbx = GUEST_MBI_GPA;
	v->regs.rflags = 0x2;
	printk("hv: guest loaded: %lu bytes, entry 0x%x, command line \"%s\"\n",
	       size, entry, cfg->guest_cmdline);
}
