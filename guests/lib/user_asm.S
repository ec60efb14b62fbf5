/*
 * user_asm.S: the ring-3 side of user.h. The stubs sit in a page of their
 * own, which user.c also maps at USER_GVA with U=1; each does one access
 * and returns to ring 0 with INT 0x80. user_enter builds an IRETQ frame to
 * ring 3 (SDM Vol. 3A 6.14.3: IRETQ to a lower privilege level pops
 * SS:RSP) after saving where to come back to in probe_resume_rip/_rsp,
 * the same resume point probe.c's fault handler uses.
 */
	.section .text.user, "ax"
	.balign 4096
	.global user_stubs_start
user_stubs_start:
user_read_stub:
	mov (%rdi), %rax
	int $0x80
user_write_stub:
	mov %rsi, (%rdi)
	int $0x80
user_exec_stub:
	call *%rdi
	int $0x80
	.balign 4096
	.global user_stubs_end
user_stubs_end:

	.global user_stub_offsets
	.section .rodata
user_stub_offsets:
	.quad user_read_stub - user_stubs_start
	.quad user_write_stub - user_stubs_start
	.quad user_exec_stub - user_stubs_start

/* u64 user_enter(u64 user_rip, u64 user_rsp, gva_t gva, u64 value) */
	.text
	.global user_enter
user_enter:
	push %rbx
	push %rbp
	push %r12
	push %r13
	push %r14
	push %r15
	mov %rsp, probe_resume_rsp(%rip)
	lea 1f(%rip), %rax
	mov %rax, probe_resume_rip(%rip)
	mov %rsp, tss+4(%rip)           /* TSS.RSP0: ring-3 interrupts land below this */
	pushq $0x1b                     /* SS: user data, RPL 3 */
	push %rsi                       /* RSP */
	pushq $0x2                      /* RFLAGS: IF=0 */
	pushq $0x23                     /* CS: user code, RPL 3 */
	push %rdi                       /* RIP */
	mov %rdx, %rdi
	mov %rcx, %rsi
	iretq
1:	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbp
	pop %rbx
	ret
