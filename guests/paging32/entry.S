/*
 * entry.S: the 32-bit guest's start, descriptor tables, trap stubs, fault
 * probes and the ring-3 excursion. Everything here runs in 32-bit protected
 * mode (Intel SDM Vol. 3A ch. 3, 5, 6; AMD APM Vol. 2 ch. 4, 8).
 *
 * A Multiboot loader enters _start with paging off, EAX = 0x2BADB002 and
 * EBX = the Multiboot info. We zero .bss, load our own GDT (ring-0 and
 * ring-3 flat segments and a TSS), IDT and stack, and call
 * main32(magic, mbi). Paging is turned on later, in C (paging32.c).
 *
 * GDT (selectors):
 *   0x08 ring-0 code   0x10 ring-0 data   0x1b ring-3 code   0x23 ring-3 data
 *   0x28 TSS (its ESP0 is the stack a ring-3 fault or INT 0x80 lands on)
 */
#define MB_HEADER_MAGIC 0x1BADB002
#define MB_HEADER_FLAGS 0x00000003

#define SEL_CODE0 0x08
#define SEL_DATA0 0x10
#define SEL_CODE3 0x1b
#define SEL_DATA3 0x23
#define SEL_TSS   0x28

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
	mov %eax, %ebp                  /* Multiboot magic */
	mov %ebx, %esi                  /* Multiboot info */
	mov $__bss_start, %edi
	mov $__bss_end, %ecx
	sub %edi, %ecx
	xor %eax, %eax
	rep stosb
	mov $boot_stack_top, %esp

	/* The TSS descriptor's base is only known at link time as a whole
	 * address: patch its three base fields now. */
	mov $tss, %eax
	mov %ax, gdt + SEL_TSS + 2
	shr $16, %eax
	mov %al, gdt + SEL_TSS + 4
	mov %ah, gdt + SEL_TSS + 7
	movl $intr_stack_top, tss + 4   /* ESP0 */
	movl $SEL_DATA0, tss + 8        /* SS0 */
	movw $104, tss + 102            /* I/O map base beyond the limit: no I/O bitmap */

	lgdt gdt_ptr
	ljmp $SEL_CODE0, $1f
1:	mov $SEL_DATA0, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	mov %ax, %fs
	mov %ax, %gs
	mov $SEL_TSS, %ax
	ltr %ax

	call idt_fill                   /* rt32.c: gates from the stub table */
	lidt idt_ptr

	push %esi
	push %ebp
	call main32
	push %eax
	call guest32_exit
2:	hlt
	jmp 2b

/* ---- trap stubs: push a dummy error code where the CPU pushes none, the
 * vector, the general registers; call trap32(frame); return with IRET. ---- */
.macro STUB vec, has_err
	.align 8
stub_\vec:
	.if \has_err == 0
	push $0
	.endif
	push $\vec
	jmp trap_common
.endm

	.text
trap_common:
	pusha
	mov %esp, %eax
	push %eax
	call trap32                     /* may change the frame's EIP, or not return */
	add $4, %esp
	popa
	add $8, %esp                    /* vector, error code */
	iret

	STUB 0, 0
	STUB 1, 0
	STUB 2, 0
	STUB 3, 0
	STUB 4, 0
	STUB 5, 0
	STUB 6, 0
	STUB 7, 0
	STUB 8, 1
	STUB 9, 0
	STUB 10, 1
	STUB 11, 1
	STUB 12, 1
	STUB 13, 1
	STUB 14, 1
	STUB 15, 0
	STUB 16, 0
	STUB 17, 1
	STUB 18, 0
	STUB 19, 0
	STUB 0x80, 0

	.section .rodata
	.align 4
	.global trap_stubs
trap_stubs:                             /* vectors 0..19, then 0x80 */
	.long stub_0, stub_1, stub_2, stub_3, stub_4, stub_5, stub_6, stub_7
	.long stub_8, stub_9, stub_10, stub_11, stub_12, stub_13, stub_14, stub_15
	.long stub_16, stub_17, stub_18, stub_19, stub_0x80

/* ---- fault probes: one instruction that may fault, and where to go if it
 * does. trap32 looks the faulting EIP up in probe_table and resumes at the
 * fixup, which returns PROBE_FAULTED (0xfa17fa17) in EAX. ---- */
	.text
	.global probe_read32, probe_write32, probe_fetch, probe_invpcid, probe_mov_cr3
	.global fetch_fixup
/* u32 probe_read32(u32 addr) */
probe_read32:
	mov 4(%esp), %edx
p_rd:	mov (%edx), %eax
	ret
/* u32 probe_write32(u32 addr, u32 val): 0, or PROBE_FAULTED */
probe_write32:
	mov 4(%esp), %edx
	mov 8(%esp), %ecx
	xor %eax, %eax
p_wr:	mov %ecx, (%edx)
	ret
/* u32 probe_fetch(u32 addr): call addr (which must hold RET); 0, or
 * PROBE_FAULTED. A fetch fault has EIP = addr itself, not in the table:
 * trap32 resumes a faulting fetch at fetch_fixup, which drops the return
 * address the CALL pushed. */
probe_fetch:
	mov 4(%esp), %eax
	call *%eax
	xor %eax, %eax
	ret
fetch_fixup:
	add $4, %esp
	mov $0xfa17fa17, %eax
	ret
/* u32 probe_invpcid(u32 type, const void *desc): 0, or PROBE_FAULTED */
probe_invpcid:
	mov 4(%esp), %ecx
	mov 8(%esp), %edx
	xor %eax, %eax
p_ip:	invpcid (%edx), %ecx
	ret
/* u32 probe_mov_cr3(u32 value): 0, or PROBE_FAULTED */
probe_mov_cr3:
	mov 4(%esp), %ecx
	xor %eax, %eax
p_cr3:	mov %ecx, %cr3
	ret
probe_fixup:
	mov $0xfa17fa17, %eax
	ret

	.section .rodata
	.align 4
	.global probe_table, probe_table_end
probe_table:                            /* faulting EIP, resume EIP */
	.long p_rd, probe_fixup
	.long p_wr, probe_fixup
	.long p_ip, probe_fixup
	.long p_cr3, probe_fixup
probe_table_end:

/* ---- the ring-3 excursion ----
 * u32 user_call(u32 fn, u32 ebx, u32 ecx): run fn at CPL 3 with EBX and ECX
 * set, on user_stack, with interrupts off. fn ends with INT 0x80 (EAX = its
 * result); a fault at CPL 3 ends it too (trap32 calls user_return with
 * PROBE_FAULTED). Either way we come back here with EAX = the result. */
	.text
	.global user_call, user_return, user_read, user_write
user_call:
	push %ebp
	push %ebx
	push %esi
	push %edi
	mov %esp, kernel_esp
	mov 20(%esp), %eax              /* fn */
	mov 24(%esp), %ebx
	mov 28(%esp), %ecx
	mov $SEL_DATA3, %dx
	mov %dx, %ds
	mov %dx, %es
	push $SEL_DATA3                 /* SS */
	push $user_stack_top            /* ESP */
	push $0x002                     /* EFLAGS: IF=0 */
	push $SEL_CODE3                 /* CS */
	push %eax                       /* EIP */
	iret
/* void user_return(u32 result): back on user_call's stack, at CPL 0. */
user_return:
	mov 4(%esp), %eax
	mov $SEL_DATA0, %dx
	mov %dx, %ds
	mov %dx, %es
	mov kernel_esp, %esp
	pop %edi
	pop %esi
	pop %ebx
	pop %ebp
	ret
/* ring-3 bodies: read [EBX]; write ECX to [EBX] */
user_read:
	mov (%ebx), %eax
	int $0x80
user_write:
	mov %ecx, (%ebx)
	xor %eax, %eax
	int $0x80

	.section .data
	.align 16
gdt:
	.quad 0
	.quad 0x00cf9a000000ffff        /* 0x08 code, DPL 0, 32-bit, 4 GiB */
	.quad 0x00cf92000000ffff        /* 0x10 data, DPL 0 */
	.quad 0x00cffa000000ffff        /* 0x18 code, DPL 3 */
	.quad 0x00cff2000000ffff        /* 0x20 data, DPL 3 */
	.quad 0x0000890000000067        /* 0x28 32-bit TSS (available), limit 103 */
gdt_end:
	.global gdt_ptr                 /* ap32.S loads it on every AP */
gdt_ptr:
	.word gdt_end - gdt - 1
	.long gdt
	.global idt_ptr
	.align 4
idt_ptr:
	.word 256 * 8 - 1
	.long idt

	.bss
	.align 4096
	.global idt
idt:	.space 256 * 8
	.align 16
tss:	.space 104
	.align 16
kernel_esp: .space 4
	/* The boot CPU's stack: 16 KiB, 16 KiB-aligned, its lowest word (0,
	 * .bss) is this_cpu32() (rt32.h). The interrupt and user stacks fill
	 * the next 16 KiB, whose lowest word is 0 too. */
	.align 16384
	.space 16384
boot_stack_top:
	.space 8192
intr_stack_top:
	.global user_stack_top          /* the matrix maps these 2 pages user-accessible */
	.space 8192
user_stack_top:
