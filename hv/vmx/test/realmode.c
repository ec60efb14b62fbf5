/*
 * realmode.c: a test guest for hv/vmx (check-bochs.sh "realmode",
 * "realmode_shadow"). CPU 1 is started with INIT-SIPI at a real-mode
 * program of its own instead of the runtime's trampoline, which does what
 * hv must emulate when real mode runs as virtual-8086 mode under
 * mmu=shadow (hv/vmx/vmx_realmode.c) and what hardware does by itself
 * under mmu=tdp (unrestricted guest):
 *
 *   LIDT      moves the interrupt vector table to RM_IVT
 *   INT 0x40  a software interrupt through that table, IRET back
 *   UD2       an exception (#UD) through it, at the faulting IP; the
 *             handler steps over the two bytes
 *   MOV EAX, CR0   reads CR0 (PE must read 0)
 *   IN, OUT   COM1's line status register (a port hv passes through: the
 *             UART's value, not all ones), the POST port 0x80 (passed
 *             through), and a word from 0x2fc (no device there: hv's
 *             all ones) followed by a word written to it (dropped)
 *   HLT       with IF = 0: the CPU stays halted
 *
 * The boot CPU checks what CPU 1 left in the result words. The check lines
 * must be the same with both MMUs (check-bochs.sh compares them).
 */
#include "guest.h"

#define RM_CODE   0x8000ul      /* SIPI vector 0x08 */
#define RM_IVT    0x9000ul
#define RM(x)     (RM_CODE + ((char *)(x) - rm_start))
#define APIC_SVR     0x0f0
#define APIC_ICR_LO  0x300
#define APIC_ICR_HI  0x310
#define ICR_INIT     0x00004500u
#define ICR_STARTUP  0x00004600u

extern char rm_start[], rm_end[], rm_int40[], rm_ud[];
extern u16 rm_res_int[], rm_res_ud[], rm_res_done[], rm_res_lsr[], rm_res_nodev[];
extern u32 rm_res_cr0[];

/* 16-bit code, copied to RM_CODE; addresses inside it are RM_CODE-relative
 * (".-rm_start" + 0x8000), with DS = SS = 0. */
__asm__(
	".pushsection .text\n"
	".code16\n"
	".global rm_start, rm_end, rm_int40, rm_ud, rm_res_int, rm_res_ud, rm_res_done, rm_res_cr0\n"
	".global rm_res_lsr, rm_res_nodev\n"
	"rm_start:\n"
	"	cli\n"
	"	xor %ax, %ax\n"
	"	mov %ax, %ds\n"
	"	mov %ax, %ss\n"
	"	mov $(0x8000 + rm_stack_top - rm_start), %sp\n"
	"	lidtw 0x8000 + rm_idt_ptr - rm_start\n"
	"	int $0x40\n"
	"	ud2\n"
	"	mov %cr0, %eax\n"
	"	movl %eax, 0x8000 + rm_res_cr0 - rm_start\n"
	"	mov $0x3fd, %dx\n"                 /* COM1 line status */
	"	in %dx, %al\n"
	"	movzbw %al, %ax\n"
	"	movw %ax, 0x8000 + rm_res_lsr - rm_start\n"
	"	out %al, $0x80\n"
	"	mov $0x2fc, %dx\n"                 /* no device */
	"	in %dx, %ax\n"
	"	movw %ax, 0x8000 + rm_res_nodev - rm_start\n"
	"	out %ax, %dx\n"
	"	movw $0x600d, 0x8000 + rm_res_done - rm_start\n"
	"1:	cli\n"
	"	hlt\n"
	"	jmp 1b\n"
	"rm_int40:\n"
	"	movw $0x1111, 0x8000 + rm_res_int - rm_start\n"
	"	iret\n"
	"rm_ud:\n"                               /* step over UD2: IP on the stack + 2 */
	"	push %bp\n"
	"	mov %sp, %bp\n"
	"	addw $2, 2(%bp)\n"
	"	pop %bp\n"
	"	movw $0x2222, 0x8000 + rm_res_ud - rm_start\n"
	"	iret\n"
	"	.balign 8\n"
	"rm_idt_ptr:	.word 0x3ff\n"
	"		.long 0x9000\n"
	"rm_res_int:	.word 0\n"
	"rm_res_ud:	.word 0\n"
	"rm_res_done:	.word 0\n"
	"rm_res_lsr:	.word 0xffff\n"
	"rm_res_nodev:	.word 0\n"
	"	.balign 4\n"
	"rm_res_cr0:	.long 0xffffffff\n"
	"	.balign 16\n"
	"	.fill 256, 1, 0\n"
	"rm_stack_top:\n"
	"rm_end:\n"
	".code64\n"
	".popsection\n");

static void send_ipi(u32 apic_id, u32 icr_lo)
{
	lapic_write(APIC_ICR_HI, apic_id << 24);
	lapic_write(APIC_ICR_LO, icr_lo);
}

int main(void)
{
	volatile u16 *done = (volatile u16 *)RM(rm_res_done);
	u16 *ivt = (u16 *)RM_IVT;

	if (!guest_hv() || hc_info(HC_INFO_NR_VCPUS) < 2 || !gpa_is_ram(RM_IVT + 0x400)) {
		printf("realmode: needs hvlab with vcpus=2 and RAM at 0x8000-0x9400\n");
		return 1;
	}
	memcpy((void *)RM_CODE, rm_start, (size_t)(rm_end - rm_start));
	memset(ivt, 0, 0x400);
	ivt[0x40 * 2] = (u16)RM(rm_int40);       /* offset, segment 0 */
	ivt[6 * 2] = (u16)RM(rm_ud);
	lapic_write(APIC_SVR, lapic_read(APIC_SVR) | BIT(8) | 0xff);
	send_ipi(1, ICR_INIT);
	send_ipi(1, ICR_STARTUP | (RM_CODE >> PAGE_SHIFT));
	for (u64 i = 0; i < (1ull << 28) && __atomic_load_n(done, __ATOMIC_ACQUIRE) != 0x600d; i++)
		cpu_relax();

	CHECK_EQ("rm_done", *done, 0x600d);
	CHECK_EQ("rm_int_n", *(volatile u16 *)RM(rm_res_int), 0x1111);
	CHECK_EQ("rm_exception", *(volatile u16 *)RM(rm_res_ud), 0x2222);
	u32 cr0 = *(volatile u32 *)RM(rm_res_cr0);
	CHECKF("rm_cr0_pe_clear", !(cr0 & 1), "CR0 0x%x", cr0);
	u16 lsr = *(volatile u16 *)RM(rm_res_lsr);
	CHECKF("rm_io_passthrough", lsr <= 0xff && lsr != 0xff, "COM1 LSR read 0x%x", lsr);
	CHECK_EQ("rm_io_no_device", *(volatile u16 *)RM(rm_res_nodev), 0xffff);
	return check_exit_code();
}
