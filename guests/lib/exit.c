/*
 * exit.c: ending a guest run, under hvlab or natively.
 */
#include "guest.h"

#define ISA_DEBUG_EXIT_PORT 0xf4
#define BOCHS_SHUTDOWN_PORT 0x8900

void guest_exit(int code)
{
	console_flush();
	if (guest_hv())
		hc_exit((u64)code & 0xff);
	/* QEMU -device isa-debug-exit,iobase=0xf4: exit status (code << 1) | 1. */
	outb(ISA_DEBUG_EXIT_PORT, (u8)code);
	/* Bochs: the string "Shutdown" on port 0x8900 ends the simulation. */
	for (const char *s = "Shutdown"; *s; s++)
		outb(BOCHS_SHUTDOWN_PORT, (u8)*s);
	cpu_halt_forever();
}
