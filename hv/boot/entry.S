/*
 * entry.S: hv's first instructions. A Multiboot v1 loader (QEMU -kernel,
 * GRUB "multiboot") enters _start in 32-bit protected mode, paging off,
 * EAX = 0x2BADB002, EBX = physical address of the Multiboot info block.
 *
 * We build one set of page tables that identity-maps the first 4 GiB with
 * 2 MiB pages (hpa == hva, as mmu/env.h assumes; it also covers the local
 * APIC page at 0xfee00000), enable long mode (AMD APM vol 2, 14.6
 * "Enabling and Activating Long Mode"), and call kmain(magic, mbi) on the
 * boot CPU's stack. The APs reuse the same tables (trampoline.S).
 *
 *   boot_pml4[0] -> boot_pdpt[0..3] -> boot_pd[0..2047] (2 MiB leaves)
 */
#define MB_MAGIC   0x1BADB002
#define MB_FLAGS   0x00000003      /* bit0: page-align modules, bit1: memory map */
#define STACK_SIZE 16384

	.section .multiboot, "a"
	.align 4
	.long MB_MAGIC, MB_FLAGS, -(MB_MAGIC + MB_FLAGS)

	.section .text.boot, "ax"
	.code32
	.globl _start
_start:
	cli
	movl	%eax, boot_mb_magic
	movl	%ebx, boot_mb_info
	movl	$boot_stack_top, %esp

	/* Zero the PML4 and PDPT, then fill 2048 PDEs: 2 MiB, present, writable.
	 * PAT/PCD bits stay 0: QEMU ignores memory types, and the LAPIC page is
	 * only ever accessed with plain loads and stores. */
	movl	$boot_pml4, %edi
	xorl	%eax, %eax
	movl	$(2 * 4096 / 4), %ecx
	rep stosl
	movl	$boot_pd, %edi
	xorl	%ecx, %ecx
1:	movl	%ecx, %eax
	shll	$21, %eax
	orl	$0x83, %eax               /* P | RW | PS */
	movl	%eax, (%edi,%ecx,8)
	movl	%ecx, %eax
	shrl	$11, %eax                 /* bits 32+ of the address: ecx >> 11 */
	movl	%eax, 4(%edi,%ecx,8)
	incl	%ecx
	cmpl	$2048, %ecx
	jne	1b
	movl	$boot_pdpt, %edi
	xorl	%ecx, %ecx
2:	movl	%ecx, %eax
	shll	$12, %eax
	addl	$boot_pd, %eax
	orl	$0x3, %eax
	movl	%eax, (%edi,%ecx,8)
	incl	%ecx
	cmpl	$4, %ecx
	jne	2b
	movl	$boot_pdpt, %eax
	orl	$0x3, %eax
	movl	%eax, boot_pml4

	.globl boot_enter_long_mode
boot_enter_long_mode:            /* also the APs' path from trampoline.S */
	lgdt	boot_gdt_ptr
	movl	%cr4, %eax
	orl	$0x20, %eax               /* CR4.PAE */
	movl	%eax, %cr4
	movl	$boot_pml4, %eax
	movl	%eax, %cr3
	movl	$0xc0000080, %ecx         /* EFER */
	rdmsr
	orl	$0x900, %eax              /* LME | NXE */
	wrmsr
	movl	%cr0, %eax
	orl	$0x80010001, %eax         /* PG | WP | PE */
	movl	%eax, %cr0
	ljmp	$0x08, $long_entry

	.code64
long_entry:
	movw	$0x10, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	xorw	%ax, %ax
	movw	%ax, %fs
	movw	%ax, %gs
	/* boot_ap_stack is 0 for the BSP; an AP finds its stack and id there. */
	movq	boot_ap_stack, %rax
	testq	%rax, %rax
	jnz	ap_entry
	movq	$boot_stack_top, %rsp
	movl	boot_mb_magic, %edi
	movl	boot_mb_info, %esi
	call	kmain
3:	cli
	hlt
	jmp	3b

ap_entry:
	movq	%rax, %rsp
	movl	boot_ap_id, %edi
	call	ap_main
4:	cli
	hlt
	jmp	4b

	/* GDT: null, 64-bit code (0x08), data (0x10), 32-bit code (0x18). */
	.section .data
	.align 16
	.globl boot_gdt
boot_gdt:
	.quad 0
	.quad 0x00af9a000000ffff
	.quad 0x00cf92000000ffff
	.quad 0x00cf9a000000ffff
boot_gdt_end:
	.globl boot_gdt_ptr
boot_gdt_ptr:
	.word boot_gdt_end - boot_gdt - 1
	.quad boot_gdt

	.globl boot_mb_magic, boot_mb_info, boot_ap_stack, boot_ap_id
boot_mb_magic:	.long 0
boot_mb_info:	.long 0
	.align 8
boot_ap_stack:	.quad 0         /* top of the next AP's stack (smp.c) */
boot_ap_id:	.long 0         /* hv cpu id of that AP */

	.section .bss
	.align 4096
	.globl boot_pml4
boot_pml4:	.space 4096
boot_pdpt:	.space 4096
boot_pd:	.space 4 * 4096
	.align 16
boot_stack:	.space STACK_SIZE
boot_stack_top:
