/*
 * probe_asm.S: the accesses behind probe.h. Each saves the RSP and the
 * RIP to resume at in probe_resume_rsp / probe_resume_rip before the one
 * instruction that may fault; probe.c's handler loads them into the
 * trapframe, so IRETQ lands on the RET that follows.
 */
	.text
	.global probe_raw_read, probe_raw_write, probe_raw_exec
	.global probe_text_start, probe_text_end
probe_text_start:

/* u64 probe_raw_read(gva_t gva) */
probe_raw_read:
	mov %rsp, probe_resume_rsp(%rip)
	lea 1f(%rip), %rax
	mov %rax, probe_resume_rip(%rip)
	xor %eax, %eax
	mov (%rdi), %rax
1:	ret

/* void probe_raw_write(gva_t gva, u64 value) */
probe_raw_write:
	mov %rsp, probe_resume_rsp(%rip)
	lea 1f(%rip), %rax
	mov %rax, probe_resume_rip(%rip)
	mov %rsi, (%rdi)
1:	ret

/* void probe_raw_exec(gva_t gva): call gva (a RET) */
probe_raw_exec:
	mov %rsp, probe_resume_rsp(%rip)
	lea 1f(%rip), %rax
	mov %rax, probe_resume_rip(%rip)
	call *%rdi
1:	ret
probe_text_end:
