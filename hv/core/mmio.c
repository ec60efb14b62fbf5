/*
 * mmio.c: nested page faults (#NPF / EPT violation), the one path from
 * guest memory accesses into hv under mmu=tdp, and the MMIO emulation both
 * MMUs share (mmio_access: shadow_exit.c sends its MMIO faults here too).
 *
 *   gpa in the LAPIC page (0xfee00000)?  -> emulate the local APIC
 *   else mmu_tdp_page_fault():
 *     FIXED / SPURIOUS / RETRY           -> re-enter the guest (the same fault
 *                                           "fixed" 10 000 times in a row
 *                                           stops the VM: fault_loop.c)
 *     MMIO, kind ALLONES                 -> emulate: reads 0xff.., writes dropped
 *     MMIO, kind READONLY                -> emulate: reads from RAM, writes dropped
 *     MMIO, kind UNBACKED                -> stop the VM: "guest touched unbacked gpa"
 *     ERROR                              -> stop the VM: out of memory
 * The LAPIC check must come first: no memslot covers it, so the MMU would
 * call it unbacked.
 */
#include "hv/core/emulate.h"
#include "hv/core/exit.h"
#include "hv/core/fault_loop.h"
#include "hv/core/guestmem.h"
#include "hv/core/lib.h"
#include "hv/core/panic.h"
#include "hv/core/trace.h"
#include "hv/core/vlapic.h"
#include "hv/core/vm.h"
#include "mmu/mmu.h"

static u64 lapic_read(struct vcpu *v, gpa_t gpa, u8 len, void *ctx)
{
	return vlapic_read(v, (u32)(gpa - LAPIC_GPA) & ~3u);
}

static void lapic_write(struct vcpu *v, gpa_t gpa, u8 len, u64 value, void *ctx)
{
	vlapic_write(v, (u32)(gpa - LAPIC_GPA) & ~3u, (u32)value);
}

static u64 allones_read(struct vcpu *v, gpa_t gpa, u8 len, void *ctx)
{
	return ~0ull;
}

static void drop_write(struct vcpu *v, gpa_t gpa, u8 len, u64 value, void *ctx) { }

/* A read-only slot is readable RAM; only writes come here, but a read is
 * served from the backing for completeness. */
static u64 ram_read(struct vcpu *v, gpa_t gpa, u8 len, void *ctx)
{
	u64 val = 0;
	if (guest_read(v->vm, &val, gpa, len))
		return ~0ull;
	return val;
}

static const struct mmio_ops lapic_ops   = { lapic_read, lapic_write };
static const struct mmio_ops allones_ops = { allones_read, drop_write };
static const struct mmio_ops readonly_ops = { ram_read, drop_write };

static void emulate(struct vcpu *v, gpa_t gpa, const struct mmio_ops *ops, int kind)
{
	u64 value = 0;
	u8 len = 0;
	bool write = false;
	if (emulate_mmio(v, gpa, ops, NULL, &value, &len, &write)) {
		vm_stop(v->vm, HV_STATUS_VM_ERROR,
			"vCPU %d: cannot emulate the instruction at rip 0x%lx touching gpa 0x%lx "
			"(hv emulates MOV loads and stores only)", v->id, v->regs.rip, gpa);
		return;
	}
	trace_mmio(v, gpa, value, len, write, kind);
}

/* An access the MMU handed back as MMIO (either MMU: struct mmu_mmio's
 * kind, struct mmu_shadow_fault's mmio_kind), or one to the LAPIC page:
 * no memslot covers it, so the MMU calls it unbacked. */
void mmio_access(struct vcpu *v, gpa_t gpa, int kind, bool write, gva_t gva)
{
	if (kind == HVT_MMIO_UNBACKED && gpa >= LAPIC_GPA && gpa < LAPIC_GPA + LAPIC_SIZE)
		kind = HVT_MMIO_LAPIC;
	if (kind == HVT_MMIO_LAPIC)
		emulate(v, gpa, &lapic_ops, HVT_MMIO_LAPIC);
	else if (kind == HVT_MMIO_ALLONES)
		emulate(v, gpa, &allones_ops, HVT_MMIO_ALLONES);
	else if (kind == HVT_MMIO_READONLY)
		emulate(v, gpa, &readonly_ops, HVT_MMIO_READONLY);
	else {
		trace_mmio(v, gpa, 0, 0, write, HVT_MMIO_UNBACKED);
		if (gva != (gva_t)-1)
			vm_stop(v->vm, HV_STATUS_VM_ERROR, "guest touched unbacked gpa 0x%lx (gva 0x%lx) "
				"at rip 0x%lx", gpa, gva, v->regs.rip);
		else
			vm_stop(v->vm, HV_STATUS_VM_ERROR, "guest touched unbacked gpa 0x%lx at rip 0x%lx",
				gpa, v->regs.rip);
	}
}

void exit_npf(struct vcpu *v, struct exit_info *e)
{
	gpa_t gpa = e->u.npf.gpa;
	struct mmu_mmio mmio;
	enum mmu_fault_result r;

	if (gpa >= LAPIC_GPA && gpa < LAPIC_GPA + LAPIC_SIZE) {
		mmio_access(v, gpa, HVT_MMIO_LAPIC, e->u.npf.error & MMU_PF_WRITE, (gva_t)-1);
		return;
	}
	r = mmu_tdp_page_fault(v->mmu, gpa, e->u.npf.error, v->regs.rip, &mmio);
	switch (r) {
	case MMU_FAULT_FIXED:
	case MMU_FAULT_SPURIOUS:
		/* Fixed, yet the same fault again and again: the SPTE does not
		 * allow the access; fault_loop.c stops such a VM. */
		fault_loop_check(v, EXIT_NPF, gpa, e->u.npf.error, r == MMU_FAULT_SPURIOUS, 0);
		return;
	case MMU_FAULT_RETRY:
		return;
	case MMU_FAULT_MMIO:
		mmio_access(v, gpa, mmio.kind, e->u.npf.error & MMU_PF_WRITE, (gva_t)-1);
		return;
	case MMU_FAULT_ERROR:
	default:
		vm_stop(v->vm, HV_STATUS_VM_ERROR,
			"vCPU %d: the MMU could not map gpa 0x%lx (out of memory) at rip 0x%lx",
			v->id, gpa, v->regs.rip);
		return;
	}
}
