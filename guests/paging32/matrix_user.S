/*
 * matrix_user.S: the ring-3 bodies of the permission matrix (matrix.c), on
 * a page of their own. The matrix maps the guest's image supervisor-only
 * (so CR4.SMEP and CR4.SMAP can be on while ring 0 runs it) and only this
 * page and the ring-3 stack user-accessible. Each body is entered by
 * user_call (entry.S) with EBX = the address, ECX = a value, and ends with
 * INT 0x80 (EAX = 0 or the word read); a #PF at CPL 3 ends it too.
 */
	.section .text.user, "ax"
	.p2align 12
	.global matrix_user_page, m_user_read, m_user_write, m_user_fetch
matrix_user_page:
m_user_read:                    /* read [EBX] */
	mov (%ebx), %eax
	int $0x80
m_user_write:                   /* write ECX to [EBX] */
	mov %ecx, (%ebx)
	xor %eax, %eax
	int $0x80
m_user_fetch:                   /* call EBX, which holds RET */
	call *%ebx
	xor %eax, %eax
	int $0x80
	.p2align 12                     /* nothing else shares the page */
