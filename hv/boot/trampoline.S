/*
 * trampoline.S: where an application processor starts after the BSP's
 * INIT-SIPI-SIPI (hv/core/smp.c). The SIPI starts it in real mode at
 * CS:IP = (vector << 8):0, so smp.c copies this code to physical 0x8000
 * (vector 0x08). It loads hv's GDT, switches to 32-bit protected mode and
 * jumps into entry.S's boot_enter_long_mode, which continues as for the BSP
 * and then calls ap_main() on the stack in boot_ap_stack.
 * Everything here is addressed relative to AP_TRAMP_BASE.
 */
#define AP_TRAMP_BASE 0x8000
#define TR(x) ((x) - ap_tramp_start + AP_TRAMP_BASE)

	.section .rodata
	.code16
	.globl ap_tramp_start, ap_tramp_end
ap_tramp_start:
	cli
	xorw	%ax, %ax
	movw	%ax, %ds
	lgdtl	TR(tramp_gdt_ptr)
	movl	%cr0, %eax
	orl	$1, %eax
	movl	%eax, %cr0
	ljmpl	$0x18, $TR(tramp_pm32)

	.code32
tramp_pm32:
	movw	$0x10, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	movl	$boot_enter_long_mode, %eax
	jmp	*%eax

	.align 8
tramp_gdt_ptr:
	.word 31
	.long boot_gdt
ap_tramp_end:
