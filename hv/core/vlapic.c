/*
 * vlapic.c: each vCPU's emulated local APIC (see vlapic.h). Register
 * offsets: Intel SDM vol 3, table 11-1 / AMD APM vol 2, table 16-2.
 *
 * ICR writes are how vCPUs talk to each other:
 *   INIT  (delivery mode 5): target goes back to wait-for-SIPI
 *   SIPI  (mode 6): target starts in real mode at vector << 12
 *   fixed (mode 0): vector posted in the target's IRR, target kicked
 * Destinations: physical mode (ICR[63:56] = APIC ID = vCPU index) and the
 * shorthands self / all / all-but-self. Logical mode is not emulated.
 */
#include "hv/core/vlapic.h"
#include "hv/core/lib.h"
#include "hv/core/request.h"
#include "hv/core/vm.h"

#define REG_ID     0x020
#define REG_VER    0x030
#define REG_TPR    0x080
#define REG_PPR    0x0a0
#define REG_EOI    0x0b0
#define REG_LDR    0x0d0
#define REG_DFR    0x0e0
#define REG_SVR    0x0f0
#define REG_ISR    0x100     /* 8 registers, 0x100-0x170 */
#define REG_TMR    0x180
#define REG_IRR    0x200
#define REG_ESR    0x280
#define REG_LVT_CMCI 0x2f0
#define REG_ICR_LO 0x300
#define REG_ICR_HI 0x310
#define REG_LVT0   0x320     /* timer, thermal, perf, LINT0, LINT1, error: 0x320-0x370 */
#define REG_TIMER_ICR 0x380
#define REG_TIMER_CCR 0x390
#define REG_TIMER_DCR 0x3e0

#define LAPIC_VERSION 0x00050014u   /* version 0x14, 6 LVT entries (max LVT 5) */
#define LVT_MASKED    BIT(16)

void vlapic_reset(struct vcpu *v)
{
	struct vlapic *l = &v->lapic;
	memset(l, 0, sizeof(*l));
	l->id = (u32)v->id;
	l->svr = 0xff;
	l->dfr = 0xffffffff;
	for (int i = 0; i < 7; i++)
		l->lvt[i] = LVT_MASKED;
}

static u32 bits32(const volatile u64 *v256, u32 idx)
{
	return (u32)(v256[idx / 2] >> (32 * (idx & 1)));
}

u32 vlapic_read(struct vcpu *v, u32 off)
{
	struct vlapic *l = &v->lapic;
	if (off >= REG_ISR && off < REG_TMR)
		return bits32(l->isr, (off - REG_ISR) >> 4);
	if (off >= REG_IRR && off < REG_ESR)
		return bits32(l->irr, (off - REG_IRR) >> 4);
	if (off >= REG_LVT0 && off <= 0x370)
		return l->lvt[1 + ((off - REG_LVT0) >> 4)];
	switch (off) {
	case REG_ID:        return l->id << 24;
	case REG_VER:       return LAPIC_VERSION;
	case REG_TPR:       return l->tpr;
	case REG_PPR:       return l->tpr;
	case REG_LDR:       return l->ldr;
	case REG_DFR:       return l->dfr;
	case REG_SVR:       return l->svr;
	case REG_ESR:       return l->esr;
	case REG_LVT_CMCI:  return l->lvt[0];
	case REG_ICR_LO:    return l->icr_lo & ~BIT(12);   /* never "send pending" */
	case REG_ICR_HI:    return l->icr_hi;
	case REG_TIMER_ICR: return l->timer_icr;
	case REG_TIMER_DCR: return l->timer_dcr;
	default:            return 0;
	}
}

/* EOI: retire the highest in-service vector. */
static void vlapic_eoi(struct vlapic *l)
{
	for (int w = 3; w >= 0; w--)
		if (l->isr[w]) {
			l->isr[w] &= ~BIT(63 - __builtin_clzll(l->isr[w]));
			return;
		}
}

void vlapic_post(struct vcpu *target, int vector)
{
	atomic_fetch_or64((volatile u64 *)&target->lapic.irr[vector / 64], BIT(vector % 64));
	vcpu_make_request(target, REQ_EVENT);
}

static void deliver(struct vcpu *target, u32 icr_lo)
{
	u32 mode = (icr_lo >> 8) & 7;
	struct vlapic *l = &target->lapic;

	if (mode == 5 && (icr_lo & BIT(14))) {            /* INIT (assert) */
		WRITE_ONCE(l->init_pending, 1);
		vcpu_make_request(target, REQ_EVENT);
	} else if (mode == 6) {                           /* STARTUP */
		WRITE_ONCE(l->sipi_vector, icr_lo & 0xff);
		WRITE_ONCE(l->sipi_pending, 1);
		vcpu_make_request(target, REQ_EVENT);
	} else if (mode == 0) {                           /* fixed */
		vlapic_post(target, icr_lo & 0xff);
	}
}

static void send_ipi(struct vcpu *v, u32 icr_lo, u32 icr_hi)
{
	struct vm *vm = v->vm;
	u32 shorthand = (icr_lo >> 18) & 3;
	for (int i = 0; i < vm->nr_vcpus; i++) {
		bool hit = shorthand == 1 ? i == v->id : shorthand == 2 ? true :
			   shorthand == 3 ? i != v->id : (u32)i == (icr_hi >> 24);
		if (hit)
			deliver(&vm->vcpus[i], icr_lo);
	}
}

void vlapic_write(struct vcpu *v, u32 off, u32 val)
{
	struct vlapic *l = &v->lapic;
	if (off >= REG_LVT0 && off <= 0x370) {
		l->lvt[1 + ((off - REG_LVT0) >> 4)] = val;
		return;
	}
	switch (off) {
	case REG_ID:        l->id = val >> 24; break;
	case REG_TPR:       l->tpr = val & 0xff; break;
	case REG_EOI:       vlapic_eoi(l); break;
	case REG_LDR:       l->ldr = val; break;
	case REG_DFR:       l->dfr = val; break;
	case REG_SVR:       l->svr = val; break;
	case REG_ESR:       l->esr = 0; break;
	case REG_LVT_CMCI:  l->lvt[0] = val; break;
	case REG_ICR_HI:    l->icr_hi = val; break;
	case REG_ICR_LO:    l->icr_lo = val; send_ipi(v, val, l->icr_hi); break;
	case REG_TIMER_ICR: l->timer_icr = val; break;
	case REG_TIMER_DCR: l->timer_dcr = val; break;
	default:            break;
	}
}

static int highest(const volatile u64 *v256)
{
	for (int w = 3; w >= 0; w--) {
		u64 x = READ_ONCE(v256[w]);
		if (x)
			return w * 64 + 63 - __builtin_clzll(x);
	}
	return -1;
}

int vlapic_pending_vector(struct vcpu *v)
{
	struct vlapic *l = &v->lapic;
	int irr = highest(l->irr), isr = highest(l->isr);
	if (irr < 0 || !(l->svr & BIT(8)))
		return -1;
	if ((irr >> 4) <= (isr >> 4) || (irr >> 4) <= (int)(l->tpr >> 4))
		return -1;
	return irr;
}

void vlapic_accept(struct vcpu *v, int vector)
{
	atomic_fetch_and64((volatile u64 *)&v->lapic.irr[vector / 64], ~BIT(vector % 64));
	v->lapic.isr[vector / 64] |= BIT(vector % 64);
}
