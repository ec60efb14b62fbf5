/*
 * trampoline.S: where an application processor starts. A Startup IPI
 * with vector 0x08 starts the AP in real mode at 0x0800:0000 = 0x8000
 * (SDM Vol. 3A 9.4.3 "MP Initialization Protocol Algorithm"), so smp.c
 * copies [trampoline_start, trampoline_end) to TRAMP_GPA and fills in the
 * data words at its end. Code and data here are addressed with T(x), the
 * address x will have in the copy.
 *
 *   real mode --lgdt, CR0.PE--> 32-bit protected mode --CR4, CR3, EFER,
 *   CR0.PG (the boot CPU's values)--> long mode --jmp--> ap_start64
 */
#define TRAMP_GPA 0x8000
#define T(x) (TRAMP_GPA + (x) - trampoline_start)

	.text
	.global trampoline_start, trampoline_end
	.global tramp_cr0, tramp_cr3, tramp_cr4, tramp_efer
	.global tramp_stack, tramp_cpu, tramp_entry, tramp_alive

	.code16
trampoline_start:
	cli
	cld
	xor %ax, %ax
	mov %ax, %ds
	movl $1, T(tramp_alive)         /* tell the BSP a SIPI got through */
	lgdtl T(tramp_gdt_ptr)
	mov %cr0, %eax
	or $1, %eax                     /* CR0.PE */
	mov %eax, %cr0
	ljmpl $0x08, $T(tramp_pm32)

	.code32
tramp_pm32:
	mov $0x10, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	mov T(tramp_cr4), %eax          /* includes CR4.PAE */
	mov %eax, %cr4
	mov T(tramp_cr3), %eax
	mov %eax, %cr3
	mov $0xC0000080, %ecx           /* EFER: LME (+ NXE) */
	mov T(tramp_efer), %eax
	xor %edx, %edx
	wrmsr
	mov T(tramp_cr0), %eax          /* PG | WP | PE: long mode is active */
	mov %eax, %cr0
	ljmp $0x18, $T(tramp_lm64)

	.code64
tramp_lm64:
	mov T(tramp_stack), %rsp
	mov T(tramp_cpu), %edi
	mov T(tramp_entry), %rax
	jmp *%rax

	.align 8
tramp_gdt:
	.quad 0
	.quad 0x00cf9a000000ffff        /* 0x08: code, 32-bit */
	.quad 0x00cf92000000ffff        /* 0x10: data */
	.quad 0x00af9a000000ffff        /* 0x18: code, 64-bit */
tramp_gdt_ptr:
	.word tramp_gdt_ptr - tramp_gdt - 1
	.long T(tramp_gdt)

	.align 8
tramp_cr0:	.quad 0
tramp_cr3:	.quad 0
tramp_cr4:	.quad 0
tramp_efer:	.quad 0
tramp_stack:	.quad 0         /* top of this AP's stack */
tramp_cpu:	.quad 0         /* this AP's CPU number */
tramp_entry:	.quad 0         /* ap_start64 */
tramp_alive:	.quad 0         /* set by the AP's first instructions */
trampoline_end:

/*
 * ap_start64: back in the guest image, in long mode on the trampoline's
 * GDT. Switch to the guest's GDT (reloading CS with a far return) and
 * call ap_entry(cpu) (smp.c). EDI holds the CPU number throughout.
 */
	.global ap_start64
ap_start64:
	lgdt gdt64_ptr
	mov $0x10, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	xor %ax, %ax
	mov %ax, %fs
	mov %ax, %gs
	pushq $0x08
	lea 1f(%rip), %rax
	push %rax
	lretq
1:	call ap_entry
2:	cli
	hlt
	jmp 2b
