/*
 * cr.c: guest writes to control registers that the backend intercepts.
 *
 * With mmu=tdp only CR4 is intercepted, for one reason: a CR4 write that
 * sets a bit the (guest's) CPUID does not advertise must raise #GP (Intel
 * SDM vol 3, 2.5; AMD APM vol 2, 3.1.3), and QEMU 7.2 TCG does not do that
 * for a guest: it re-executes the write forever (PLATFORMS.md). hv checks
 * the value, injects #GP(0) for a bad one, and otherwise performs the
 * write and flushes the guest's TLB (a CR4 write that changes PGE, PAE,
 * PSE, PCIDE or SMEP flushes it on hardware).
 *
 * With mmu=shadow CR0, CR3 and CR4 writes all come here. A write that is a
 * PAE PDPTE load point loads the guest's 4 PDPTEs first (pdpte.c); a
 * reserved bit in one of them makes the MOV fail with #GP(0), the register
 * unchanged (SDM Vol. 3A 4.4.1), exactly as on hardware.
 */
#include "hv/core/emulate.h"
#include "hv/core/exit.h"
#include "hv/core/panic.h"
#include "hv/core/pdpte.h"
#include "hv/core/lib.h"
#include "hv/core/vm.h"
#include "hv/core/x86.h"

#define VEC_GP 13

/* CR4 bits the guest may set, from the CPUID it sees (exit.c hides VMX). */
static u64 cr4_allowed(void)
{
	u32 a, b1, c1, d1, b7 = 0, c7 = 0, d;
	u64 ok = GENMASK(10, 0);                  /* VME..OSXMMEXCPT: every x86-64 CPU */

	cpuid(1, 0, &a, &b1, &c1, &d1);
	cpuid(0, 0, &a, &d, &d, &d);
	if (a >= 7)
		cpuid(7, 0, &a, &b7, &c7, &d);
	ok |= (c7 & BIT(2)) ? BIT(11) : 0;        /* UMIP */
	ok |= (c7 & BIT(16)) ? BIT(12) : 0;       /* LA57 */
	ok |= (b7 & BIT(0)) ? BIT(16) : 0;        /* FSGSBASE */
	ok |= (c1 & BIT(17)) ? BIT(17) : 0;       /* PCIDE */
	ok |= (c1 & BIT(26)) ? BIT(18) : 0;       /* OSXSAVE */
	ok |= (b7 & BIT(7)) ? BIT(20) : 0;        /* SMEP */
	ok |= (b7 & BIT(20)) ? BIT(21) : 0;       /* SMAP */
	ok |= (c7 & BIT(3)) ? BIT(22) : 0;        /* PKE */
	return ok;
}

static void write_cr4(struct vcpu *v, struct exit_info *e, u64 value)
{
	if ((value & ~cr4_allowed()) || pdpte_on_cr_write(v, 4, value)) {
		v->vm->ops->inject_exception(v, VEC_GP, true, 0, 0);
		return;
	}
	v->vm->ops->set_cr(v, 4, value);
	if (v->vm->mmu_mode == HVT_MMU_SHADOW)
		shadow_cr_written(v, 4);            /* new role or sync point; flushes */
	else
		v->vm->ops->flush_guest_tlb(v, true, 0);
	skip_insn(v, e, 0);
}

void exit_cr_write(struct vcpu *v, struct exit_info *e)
{
	int cr = e->u.cr.cr, gpr = e->u.cr.gpr;
	bool read = e->u.cr.read;
	u8 len = e->insn_len;

	if (gpr < 0 && emulate_mov_cr(v, &read, &cr, &gpr, &len)) {
		vm_stop(v->vm, HV_STATUS_VM_ERROR, "vCPU %d: cannot decode the CR%d write at rip 0x%lx",
			v->id, e->u.cr.cr, v->regs.rip);
		return;
	}
	e->insn_len = len;
	if (read) {
		/* mmu=shadow only: the value the guest wrote, not what runs. */
		((u64 *)&v->regs)[gpr] = v->vm->ops->get_cr(v, cr);
		skip_insn(v, e, 0);
		return;
	}
	u64 value = ((u64 *)&v->regs)[gpr];
	if (cr == 4) {
		write_cr4(v, e, value);
		return;
	}
	if (pdpte_on_cr_write(v, cr, value)) {
		v->vm->ops->inject_exception(v, VEC_GP, true, 0, 0);
		return;
	}
	v->vm->ops->set_cr(v, cr, value);          /* CR0/CR3: only with mmu=shadow */
	shadow_cr_written(v, cr);                  /* new root, role or sync point */
	skip_insn(v, e, 0);
}
