/*
 * boot.c: the boot story of every guest, in order. entry.S calls
 * guest_boot in 64-bit mode on the boot page tables.
 */
#include "guest.h"
#include "multiboot.h"

static bool nx_enabled;

bool cpu_has_nx(void)
{
	return nx_enabled;
}

/* EFER.NXE makes bit 63 of paging entries mean "no execute" (SDM 4.6). */
static void enable_nx(void)
{
	if (cpuid(0x80000000, 0).eax >= 0x80000001 &&
	    (cpuid(0x80000001, 0).edx & BIT(20))) {
		wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_NXE);
		nx_enabled = true;
	}
}

static void print_banner(void)
{
	printf("guest: %s, %d RAM regions, %lu KiB, top 0x%lx, cmdline \"%s\"\n",
	       guest_hv() ? "under hvlab" : "native (not under hvlab)",
	       bootinfo.nr_ram, bootinfo.ram_bytes >> 10, bootinfo.ram_top,
	       bootinfo.cmdline);
}

/* The runtime itself cannot go on: say why as a check line and stop. */
static void boot_fail(const char *what, u64 value)
{
	printf("TEST guest_boot FAIL %s:%d %s (0x%lx)\n", __FILE__, __LINE__, what, value);
	guest_exit(1);
}

void guest_boot(u32 magic, u32 mbi_gpa);   /* called by entry.S */

void guest_boot(u32 magic, u32 mbi_gpa)
{
	console_init();                 /* COM1, polled */
	if (magic != MB_BOOT_MAGIC)
		boot_fail("not started by a Multiboot loader: EAX", magic);
	bootinfo_init(mbi_gpa);         /* copy the memory map and command line */
	if (bootinfo.ram_top < BIT(21))
		boot_fail("the memory map has less than 2 MiB of RAM: top", bootinfo.ram_top);
	idt_init();                     /* every vector reaches trap_dispatch */
	enable_nx();
	frames_init();                  /* frames above the image */
	if (!paging_init())             /* own identity map, CR3 switched */
		boot_fail("out of frames for the page tables, frames left", frames_left());
	print_banner();
	guest_exit(main());
}
