/*
 * ap32.S: where an application processor of paging32 starts (smp32.c).
 * A Startup IPI with vector 0x08 starts the AP in real mode at
 * 0x0800:0000 = 0x8000 (SDM Vol. 3A 9.4.3), so smp32.c copies
 * [ap32_tramp_start, ap32_tramp_end) to AP32_TRAMP_GPA and fills in the
 * data words at its end. In the copy, code and data are addressed with
 * T(x), the address x has there. The 64-bit guests' guests/lib/trampoline.S
 * is the model; this one stops in 32-bit protected mode:
 *
 *   real mode --LGDT, CR0.PE--> 32-bit protected mode, paging off
 *   --CR4 (PSE or PAE), CR3, EFER.NXE, CR0 (PG|WP|PE): the boot CPU's-->
 *   32-bit paging or PAE paging --jmp--> ap32_start (in the image)
 *
 * The real-mode part uses only plain moves, LGDT and MOV to/from CR0: on
 * Bochs/VMX under mmu=shadow an AP's real mode runs as virtual-8086 mode,
 * where hv emulates exactly those (hv/vmx/vmx_realmode.c).
 * Paging goes on at the MOV to CR0 while EIP is still in the copy at
 * 0x8000: the boot CPU's tables map 0..16 MiB to itself, so the next fetch
 * finds the same bytes.
 */
#define AP32_TRAMP_GPA 0x8000
#define T(x) (AP32_TRAMP_GPA + (x) - ap32_tramp_start)

	.text
	.global ap32_tramp_start, ap32_tramp_end
	.global ap32_cr0, ap32_cr3, ap32_cr4, ap32_efer_lo
	.global ap32_stack, ap32_cpu, ap32_target, ap32_alive

	.code16
ap32_tramp_start:
	cli
	cld
	xor %ax, %ax
	mov %ax, %ds
	movl $1, T(ap32_alive)          /* tell the boot CPU a SIPI got through */
	lgdtl T(ap32_gdt_ptr)
	mov %cr0, %eax
	or $1, %eax                     /* CR0.PE */
	mov %eax, %cr0
	ljmpl $0x08, $T(ap32_pm)

	.code32
ap32_pm:
	mov $0x10, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	mov T(ap32_cr4), %eax           /* CR4.PSE or CR4.PAE: before CR3 and PG */
	mov %eax, %cr4
	mov T(ap32_cr3), %eax           /* PAE: the PDPTEs load when PG goes on */
	mov %eax, %cr3
	mov T(ap32_efer_lo), %eax       /* EFER.NXE, if the boot CPU set it */
	test %eax, %eax
	jz 1f                           /* no WRMSR on a CPU that may lack EFER */
	mov $0xC0000080, %ecx
	xor %edx, %edx
	wrmsr
1:	mov T(ap32_cr0), %eax           /* PG | WP | PE */
	mov %eax, %cr0
	mov T(ap32_stack), %esp
	mov T(ap32_cpu), %ecx
	mov T(ap32_target), %eax
	jmp *%eax

	.align 8
ap32_gdt:
	.quad 0
	.quad 0x00cf9a000000ffff        /* 0x08: code, 32-bit, 4 GiB */
	.quad 0x00cf92000000ffff        /* 0x10: data */
ap32_gdt_ptr:
	.word ap32_gdt_ptr - ap32_gdt - 1
	.long T(ap32_gdt)

	.align 4
ap32_cr0:	.long 0
ap32_cr3:	.long 0
ap32_cr4:	.long 0
ap32_efer_lo:	.long 0         /* EFER bits to set (NXE), or 0: no WRMSR */
ap32_stack:	.long 0         /* top of this AP's stack */
ap32_cpu:	.long 0         /* this AP's CPU number */
ap32_target:	.long 0         /* ap32_start */
ap32_alive:	.long 0         /* set by the AP's first instructions */
ap32_tramp_end:

/*
 * ap32_start: back in the image, with paging on, ECX = the CPU number.
 * Load the guest's own GDT (entry.S; same selectors as the trampoline's,
 * CS reloaded by a far jump) and IDT, and call ap32_entry(cpu) (smp32.c)
 * on the AP's stack. No TSS: an AP never leaves ring 0, and a trap at
 * CPL 0 stays on the current stack.
 */
	.global ap32_start
ap32_start:
	lgdt gdt_ptr
	ljmp $0x08, $1f
1:	mov $0x10, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	mov %ax, %fs
	mov %ax, %gs
	lidt idt_ptr
	push %ecx
	call ap32_entry
2:	cli
	hlt
	jmp 2b
