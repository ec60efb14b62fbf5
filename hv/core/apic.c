/*
 * apic.c: the host local APIC in xAPIC mode (AMD APM vol 2, 16.3-16.5;
 * Intel SDM vol 3, 11.4-11.6). Memory-mapped at 0xfee00000, which the boot
 * page tables map 1:1. Registers are 32 bits at 16-byte strides.
 */
#include "hv/core/apic.h"
#include "hv/core/x86.h"

#define APIC_BASE     0xfee00000ull
#define APIC_ID       0x020
#define APIC_EOI      0x0b0
#define APIC_SVR      0x0f0
#define APIC_ICR_LO   0x300
#define APIC_ICR_HI   0x310
#define SVR_ENABLE    BIT(8)
#define ICR_PENDING   BIT(12)              /* delivery status: send pending */
#define ICR_FIXED     (0u << 8)
#define ICR_INIT      (5u << 8)
#define ICR_STARTUP   (6u << 8)
#define ICR_ASSERT    BIT(14)

static volatile u32 *apic_reg(u32 off)
{
	return (volatile u32 *)(APIC_BASE + off);
}

void apic_init_this(void)
{
	/* Global enable (APIC_BASE MSR bit 11) is set by firmware; software
	 * enable with spurious vector 0xff. */
	*apic_reg(APIC_SVR) = SVR_ENABLE | 0xff;
}

u32 apic_id(void)
{
	return *apic_reg(APIC_ID) >> 24;
}

void apic_eoi(void)
{
	*apic_reg(APIC_EOI) = 0;
}

static void apic_send(u32 dest, u32 lo)
{
	*apic_reg(APIC_ICR_HI) = dest << 24;
	*apic_reg(APIC_ICR_LO) = lo;
	while (*apic_reg(APIC_ICR_LO) & ICR_PENDING)
		cpu_relax();
}

void apic_send_fixed(u32 dest, u8 vector)
{
	apic_send(dest, ICR_FIXED | ICR_ASSERT | vector);
}

void apic_send_init(u32 dest)
{
	apic_send(dest, ICR_INIT | ICR_ASSERT);
}

void apic_send_sipi(u32 dest, u8 vector)
{
	apic_send(dest, ICR_STARTUP | ICR_ASSERT | vector);
}
