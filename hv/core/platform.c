/*
 * platform.c: ending the run on the machine hv boots on.
 *
 * QEMU: isa-debug-exit at port 0xf4 (-device isa-debug-exit,iobase=0xf4)
 * makes QEMU exit with status (value << 1) | 1.
 * Bochs has no such device: the status is printed as the last console line
 * ("hv: exit status N", which the Bochs run script reads) and the string
 * "Shutdown" written to port 0x8900 ends Bochs. On QEMU port 0x8900 is
 * unassigned and the write is ignored, so the same sequence serves both.
 */
#include "hv/core/panic.h"
#include "hv/core/lib.h"
#include "hv/core/x86.h"
#include "hv/core/smp.h"
#include "include/hvlab/atomic.h"

#define DEBUG_EXIT_PORT  0xf4
#define BOCHS_SHUTDOWN   0x8900
#define COM1_LSR         (0x3f8 + 5)   /* 16550 line status register */
#define LSR_TEMT         0x40

/* Set by the first CPU to finish, so concurrent panics print once. */
static volatile u32 finishing;

_Noreturn void hv_finish(int status)
{
	u32 expected = 0;
	if (!atomic_cmpxchg32(&finishing, &expected, 1))
		halt_forever();
	smp_stop_others();
	printk("hv: exit status %d\n", status);
	/* Bochs drops what the UART has not sent when it stops: wait until the
	 * transmitter is empty (LSR bit 6, TEMT), bounded in case of no UART. */
	for (u32 i = 0; i < 10000000 && !(inb(COM1_LSR) & LSR_TEMT); i++)
		cpu_relax();
	outl(DEBUG_EXIT_PORT, (u32)status);
	for (const char *s = "Shutdown"; *s; s++)
		outb(BOCHS_SHUTDOWN, (u8)*s);
	halt_forever();
}
