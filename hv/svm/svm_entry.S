/*
 * svm_entry.S: the SVM world switch (AMD APM vol 2, 15.5 "VMRUN" and 15.6
 * "#VMEXIT").
 *
 * void svm_vmrun(hpa_t vmcb_pa, struct guest_regs *regs, hpa_t host_vmcb_pa)
 *
 * VMRUN itself switches RAX, RSP, RIP, RFLAGS, CR0/3/4, EFER, segment
 * selectors and descriptor tables; the guest's RAX/RSP/RIP/RFLAGS live in the
 * VMCB (svm.c copies them). The other general registers are ours to swap.
 * FS, GS, TR, LDTR, KernelGSBase and the SYSCALL/SYSENTER MSRs are switched
 * with VMSAVE/VMLOAD (15.5.2): host ones to host_vmcb_pa, guest ones from/to
 * the guest VMCB. GIF is cleared while the host state is half-restored.
 * Host IF is set across VMRUN (GIF=0 keeps the host itself uninterrupted)
 * because with V_INTR_MASKING physical interrupts in the guest are gated by
 * the host's IF (APM 15.21.1): that is what lets a kick IPI force an exit.
 *
 * struct guest_regs offsets: rax 0 rbx 8 rcx 16 rdx 24 rsi 32 rdi 40
 * rbp 48 rsp 56 r8 64 ... r15 120.
 */
	.text
	.globl svm_vmrun
svm_vmrun:
	pushq	%rbp
	pushq	%rbx
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	pushq	%rdx                 /* 16(%rsp) host_vmcb_pa */
	pushq	%rsi                 /*  8(%rsp) regs */
	pushq	%rdi                 /*  0(%rsp) vmcb_pa */

	clgi
	movq	%rdx, %rax
	vmsave	%rax                 /* host FS/GS/TR/... */

	movq	8(%rsi), %rbx
	movq	16(%rsi), %rcx
	movq	24(%rsi), %rdx
	movq	40(%rsi), %rdi
	movq	48(%rsi), %rbp
	movq	64(%rsi), %r8
	movq	72(%rsi), %r9
	movq	80(%rsi), %r10
	movq	88(%rsi), %r11
	movq	96(%rsi), %r12
	movq	104(%rsi), %r13
	movq	112(%rsi), %r14
	movq	120(%rsi), %r15
	movq	32(%rsi), %rsi
	movq	0(%rsp), %rax
	vmload	%rax
	sti                          /* GIF=0 still holds interrupts off in the host, but with
	                                V_INTR_MASKING the saved host IF=1 lets a physical
	                                interrupt (a kick) cause #VMEXIT(INTR) in the guest */
	vmrun	%rax
	vmsave	%rax                 /* RAX is the host's again: the VMCB */

	pushq	%rsi                 /* guest RSI; regs is now at 16(%rsp) */
	movq	16(%rsp), %rsi
	movq	%rbx, 8(%rsi)
	movq	%rcx, 16(%rsi)
	movq	%rdx, 24(%rsi)
	movq	%rdi, 40(%rsi)
	movq	%rbp, 48(%rsi)
	movq	%r8, 64(%rsi)
	movq	%r9, 72(%rsi)
	movq	%r10, 80(%rsi)
	movq	%r11, 88(%rsi)
	movq	%r12, 96(%rsi)
	movq	%r13, 104(%rsi)
	movq	%r14, 112(%rsi)
	movq	%r15, 120(%rsi)
	popq	%rax
	movq	%rax, 32(%rsi)

	movq	16(%rsp), %rax
	vmload	%rax                 /* host FS/GS/TR/... back */
	cli                          /* hv runs with IF=0: a pending kick waits for exit.c */
	stgi
	addq	$24, %rsp
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbx
	popq	%rbp
	ret
