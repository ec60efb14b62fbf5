/*
 * tsc.c: measure the TSC frequency against the 8254 PIT (1.193182 MHz),
 * once at boot, so trace timestamps convert to seconds (tsc_hz in the
 * trace header). Channel 2 counts down 10 ms in mode 0 with its gate on;
 * port 0x61 bit 5 goes high when it reaches zero.
 */
#include "hv/core/tsc.h"
#include "hv/core/x86.h"

#define PIT_HZ      1193182u
#define PIT_CH2     0x42
#define PIT_CMD     0x43
#define PORT_B      0x61
#define CAL_MS      10u

u64 tsc_hz;

void tsc_calibrate(void)
{
	u16 count = (u16)(PIT_HZ * CAL_MS / 1000);
	outb(PORT_B, (u8)((inb(PORT_B) & ~0x02) | 0x01));   /* gate on, speaker off */
	outb(PIT_CMD, 0xb0);                                  /* ch 2, lo/hi byte, mode 0 */
	outb(PIT_CH2, (u8)count);
	outb(PIT_CH2, (u8)(count >> 8));
	u64 t0 = rdtsc();
	for (u64 spin = 0; !(inb(PORT_B) & 0x20); spin++)
		if (spin > 100000000)
			return;                                   /* no PIT: leave 0 (unknown) */
	tsc_hz = (rdtsc() - t0) * (1000 / CAL_MS);
}
