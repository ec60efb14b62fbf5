/*
 * vmx_entry.S: the world switch. VMLAUNCH/VMRESUME load the guest from the
 * VMCS except for the general-purpose registers, which we load from struct
 * guest_regs; a VM exit lands at vmx_exit_entry with the host RSP and RIP
 * from the VMCS host-state area (SDM Vol. 3C, 27.5.3) and the guest's GPRs
 * still in the registers, so we save them before anything else.
 *
 * int vmx_enter(struct guest_regs *regs, int launched)
 *   returns 0 after a VM exit, 1 if VMLAUNCH/VMRESUME failed (VMfailInvalid
 *   or VMfailValid, SDM 30.2; the caller reads the VM-instruction error).
 *
 * Stack while the guest runs (HOST_RSP points at regs):
 *
 *   HOST_RSP -> | regs pointer |
 *               | r15 r14 r13 r12 rbx rbp (callee-saved) | return address
 */
#define VMCS_HOST_RSP 0x6c14

/* struct guest_regs offsets (hv/core/vendor.h) */
#define R_RAX   0
#define R_RBX   8
#define R_RCX  16
#define R_RDX  24
#define R_RSI  32
#define R_RDI  40
#define R_RBP  48
#define R_R8   64
#define R_R9   72
#define R_R10  80
#define R_R11  88
#define R_R12  96
#define R_R13 104
#define R_R14 112
#define R_R15 120

	.text
	.code64
	.globl vmx_enter
vmx_enter:
	pushq	%rbp
	pushq	%rbx
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	pushq	%rdi                    /* regs, found again at HOST_RSP */

	movq	$VMCS_HOST_RSP, %rax
	vmwrite	%rsp, %rax
	jbe	.Lfail_no_guest         /* CF or ZF: VMfail */

	movl	%esi, %eax              /* launched? (tested below, before rax is loaded) */
	testl	%eax, %eax
	/* Load the guest's GPRs; rdi (the pointer) last. mov leaves flags alone. */
	movq	R_RAX(%rdi), %rax
	movq	R_RBX(%rdi), %rbx
	movq	R_RCX(%rdi), %rcx
	movq	R_RDX(%rdi), %rdx
	movq	R_RSI(%rdi), %rsi
	movq	R_RBP(%rdi), %rbp
	movq	R_R8(%rdi), %r8
	movq	R_R9(%rdi), %r9
	movq	R_R10(%rdi), %r10
	movq	R_R11(%rdi), %r11
	movq	R_R12(%rdi), %r12
	movq	R_R13(%rdi), %r13
	movq	R_R14(%rdi), %r14
	movq	R_R15(%rdi), %r15
	movq	R_RDI(%rdi), %rdi
	jnz	1f
	vmlaunch
	jmp	.Lfail
1:	vmresume
	/* Falling through: the entry failed and the guest never ran. */
.Lfail:
	movq	(%rsp), %rdi            /* restore the pointer (guest values are junk) */
.Lfail_no_guest:
	popq	%rdi
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbx
	popq	%rbp
	movl	$1, %eax
	ret

	.globl vmx_exit_entry
vmx_exit_entry:
	/* RSP = HOST_RSP: the regs pointer is on top. */
	pushq	%rdi
	movq	8(%rsp), %rdi
	movq	%rax, R_RAX(%rdi)
	movq	%rbx, R_RBX(%rdi)
	movq	%rcx, R_RCX(%rdi)
	movq	%rdx, R_RDX(%rdi)
	movq	%rsi, R_RSI(%rdi)
	movq	%rbp, R_RBP(%rdi)
	movq	%r8, R_R8(%rdi)
	movq	%r9, R_R9(%rdi)
	movq	%r10, R_R10(%rdi)
	movq	%r11, R_R11(%rdi)
	movq	%r12, R_R12(%rdi)
	movq	%r13, R_R13(%rdi)
	movq	%r14, R_R14(%rdi)
	movq	%r15, R_R15(%rdi)
	popq	%rax                    /* the guest's rdi */
	movq	%rax, R_RDI(%rdi)
	popq	%rdi
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbx
	popq	%rbp
	xorl	%eax, %eax
	ret

	.section .note.GNU-stack, "", @progbits
