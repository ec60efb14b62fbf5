/*
 * msr.c: guest RDMSR/WRMSR of the MSRs the backend intercepts (the ones not
 * switched by hardware). Reads of unknown MSRs return 0 and writes are
 * dropped; APIC_BASE reports the emulated xAPIC at 0xfee00000; EFER goes to
 * the backend's copy (get_cr/set_cr 8).
 */
#include "hv/core/exit.h"
#include "hv/core/vlapic.h"
#include "hv/core/vm.h"
#include "hv/core/x86.h"

#define APIC_BASE_BSP     BIT(8)
#define APIC_BASE_ENABLE  BIT(11)

static u64 msr_read(struct vcpu *v, u32 msr)
{
	switch (msr) {
	case MSR_APIC_BASE:
		return LAPIC_GPA | APIC_BASE_ENABLE | (v->id == 0 ? APIC_BASE_BSP : 0);
	case 0x10:                       /* TSC */
		return rdtsc();
	case MSR_EFER:                   /* the guest's, without hv's SVME */
		return v->vm->ops->get_cr(v, 8) & ~EFER_SVME;
	default:
		return 0;
	}
}

void exit_msr(struct vcpu *v, struct exit_info *e)
{
	if (e->u.msr.write && e->u.msr.msr == MSR_EFER)
		v->vm->ops->set_cr(v, 8, (v->regs.rdx << 32) | (u32)v->regs.rax);
	if (!e->u.msr.write) {
		u64 val = msr_read(v, e->u.msr.msr);
		v->regs.rax = (u32)val;
		v->regs.rdx = val >> 32;
	}
	skip_insn(v, e, 2);
}
