/*
 * entry.S: the Multiboot v1 header and the 32-bit entry that brings the
 * guest to 64-bit long mode (Intel SDM Vol. 3A 10.8.5 "Initializing
 * IA-32e Mode"; AMD APM Vol. 2 14.6 "Enabling and Activating Long Mode").
 *
 * A Multiboot loader enters _start in 32-bit protected mode with paging
 * off, EAX = 0x2BADB002 and EBX = physical address of the Multiboot info.
 * We zero .bss, identity-map the first 1 GiB with 2 MiB pages (boot page
 * tables, just enough to run C), enable PAE, EFER.LME and paging, and call
 * guest_boot(magic, mbi) in 64-bit mode. guest_boot (boot.c) then builds
 * the guest's own page tables in C and switches CR3 to them.
 */
#define MB_HEADER_MAGIC 0x1BADB002
#define MB_HEADER_FLAGS 0x00000003      /* page-align modules, want mem info */

#define CR0_PE   (1 << 0)
#define CR0_WP   (1 << 16)
#define CR0_PG   (1 << 31)
#define CR4_PAE  (1 << 5)
#define MSR_EFER 0xC0000080
#define EFER_LME (1 << 8)

#define SEL_CODE64 0x08
#define SEL_DATA   0x10

	.section .multiboot, "a"
	.align 4
	.long MB_HEADER_MAGIC
	.long MB_HEADER_FLAGS
	.long -(MB_HEADER_MAGIC + MB_HEADER_FLAGS)

	.section .text.boot, "ax"
	.code32
	.global _start
_start:
	cli
	cld
	mov %eax, %ebp                  /* keep the Multiboot magic */
	/* EBX (Multiboot info) is preserved by everything below. */

	/* Zero .bss: the loader may not have done it. */
	mov $__bss_start, %edi
	mov $__bss_end, %ecx
	sub %edi, %ecx
	xor %eax, %eax
	rep stosb

	mov $boot_stack_top, %esp

	/* PML4[0] -> PDPT, PDPT[0] -> PD, PD[i] = i * 2 MiB, P|W|PS. */
	mov $boot_pdpt, %eax
	or $0x3, %eax
	mov %eax, boot_pml4
	mov $boot_pd, %eax
	or $0x3, %eax
	mov %eax, boot_pdpt
	xor %ecx, %ecx
1:	mov %ecx, %eax
	shl $21, %eax
	or $0x83, %eax
	mov %eax, boot_pd(,%ecx,8)
	inc %ecx
	cmp $512, %ecx
	jne 1b

	/* SDM 10.8.5: PAE, CR3, EFER.LME, then CR0.PG. */
	mov %cr4, %eax
	or $CR4_PAE, %eax
	mov %eax, %cr4
	mov $boot_pml4, %eax
	mov %eax, %cr3
	mov $MSR_EFER, %ecx
	rdmsr
	or $EFER_LME, %eax
	wrmsr
	mov %cr0, %eax
	or $(CR0_PG | CR0_PE | CR0_WP), %eax
	mov %eax, %cr0

	lgdt gdt64_ptr
	ljmp $SEL_CODE64, $long_entry

	.code64
long_entry:
	mov $SEL_DATA, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	xor %ax, %ax
	mov %ax, %fs
	mov %ax, %gs
	mov $boot_stack_top, %rsp
	mov %ebp, %edi                  /* guest_boot(magic, mbi) */
	mov %ebx, %esi
	call guest_boot
2:	cli
	hlt
	jmp 2b

/*
 * The GDT every CPU uses once in long mode (the AP trampoline has its own
 * transitional one). SDM Vol. 3A 3.4.5: in 64-bit mode base and limit are
 * ignored; L=1 marks a code segment as 64-bit. user.c fills in the TSS
 * descriptor (LTR writes its busy bit, so this lives in .data).
 */
	.section .data
	.align 16
	.global gdt64, gdt64_ptr
gdt64:
	.quad 0                         /* null */
	.quad 0x00af9a000000ffff        /* 0x08: code, 64-bit, DPL 0 */
	.quad 0x00cf92000000ffff        /* 0x10: data, DPL 0 */
	.quad 0x00cff2000000ffff        /* 0x18: data, DPL 3 (selector 0x1b) */
	.quad 0x00affa000000ffff        /* 0x20: code, 64-bit, DPL 3 (selector 0x23) */
	.quad 0, 0                      /* 0x28: 64-bit TSS (16 bytes), see user.c */
gdt64_end:
gdt64_ptr:
	.word gdt64_end - gdt64 - 1
	.quad gdt64

	.section .bss
	.align 4096
boot_pml4:	.skip 4096
boot_pdpt:	.skip 4096
boot_pd:	.skip 4096
	.global boot_stack_top
	.align 16384
boot_stack:	.skip 16384  /* its first word is this_cpu() == 0, see smp.h */
boot_stack_top:
