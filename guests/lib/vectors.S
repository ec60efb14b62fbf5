/*
 * vectors.S: 256 interrupt entry stubs, 16 bytes apart, and the common
 * path that saves the registers into a struct trapframe (trap.h), calls
 * trap_dispatch(tf) and returns with IRETQ.
 *
 * The CPU pushes an error code for vectors 8, 10-14, 17, 21, 29 and 30
 * (SDM Vol. 3A 6.15); the other stubs push 0 so every frame looks alike.
 */
	.text
	.align 16
	.global trap_vectors
trap_vectors:
	.set vec, 0
	.rept 256
	.align 16
	.if !(vec == 8 || (vec >= 10 && vec <= 14) || vec == 17 || vec == 21 || vec == 29 || vec == 30)
	push $0
	.endif
	push $vec
	jmp trap_common
	.set vec, vec + 1
	.endr

trap_common:
	push %rax
	push %rbx
	push %rcx
	push %rdx
	push %rsi
	push %rdi
	push %rbp
	push %r8
	push %r9
	push %r10
	push %r11
	push %r12
	push %r13
	push %r14
	push %r15
	cld
	mov %rsp, %rdi
	call trap_dispatch
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %r11
	pop %r10
	pop %r9
	pop %r8
	pop %rbp
	pop %rdi
	pop %rsi
	pop %rdx
	pop %rcx
	pop %rbx
	pop %rax
	add $16, %rsp           /* vector and error code */
	iretq
