/*
 * svm.c: the SVM backend's ops table (hv/core/vendor.h) and the operations
 * on a running vCPU: entry, registers, TLB, events.
 */
#include "hv/svm/svm.h"
#include "hv/core/lib.h"
#include "hv/core/pcpu.h"
#include "hv/core/x86.h"
#include "hv/core/vm.h"
#include "mmu/mmu.h"
#include "trace/hvt_format.h"

/* Guest RAX/RSP/RIP/RFLAGS live in the VMCB; the rest in vcpu->regs. */
static void regs_to_vmcb(struct vcpu *v, struct vmcb_save *s)
{
	s->rax = v->regs.rax;
	s->rsp = v->regs.rsp;
	s->rip = v->regs.rip;
	s->rflags = v->regs.rflags;
}

static void regs_from_vmcb(struct vcpu *v, const struct vmcb_save *s)
{
	v->regs.rax = s->rax;
	v->regs.rsp = s->rsp;
	v->regs.rip = s->rip;
	v->regs.rflags = s->rflags;
}

static int svm_run(struct vcpu *v, struct exit_info *e)
{
	struct vmcb *vmcb = vmcb_of(v);
	struct svm_pcpu *p = v->pcpu->vendor;

	regs_to_vmcb(v, &vmcb->save);
	svm_vmrun(to_svm(v)->vmcb_pa, &v->regs, p->host_vmcb_pa);
	regs_from_vmcb(v, &vmcb->save);
	vmcb->control.tlb_control = SVM_TLB_NONE;
	vmcb->control.event_inj = 0;
	/* An event cut short by the exit (e.g. an #NPF while delivering an
	 * interrupt) is re-injected on the next entry (APM 15.7.2). */
	if (vmcb->control.exit_int_info & SVM_EVT_VALID)
		vmcb->control.event_inj = vmcb->control.exit_int_info;
	if (vmcb->control.exit_code == SVM_EXIT_VINTR)
		vmcb->control.int_ctl &= ~SVM_INT_CTL_V_IRQ;
	if ((u32)vmcb->control.exit_code == (u32)SVM_EXIT_INVALID)
		return E_INVAL;                    /* bad guest state: VMRUN refused it */
	svm_decode_exit(v, e);
	return 0;
}

static void svm_set_tdp_root(struct vcpu *v, hpa_t root)
{
	vmcb_of(v)->control.n_cr3 = root;
}

static void svm_set_shadow_cr3(struct vcpu *v, hpa_t root)
{
	vmcb_of(v)->save.cr3 = root;
}

static bool shadow_paging(struct vcpu *v) { return v->vm->mmu_mode == HVT_MMU_SHADOW; }

/* TLB_CONTROL applies at the next VMRUN: this ASID only if the CPU can,
 * else everything (APM 15.16.1). A single gva is flushed as the whole ASID:
 * INVLPGA would need the host to be on the vCPU's CPU, which it is, but
 * one rule is easier to reason about. */
static void svm_flush_guest_tlb(struct vcpu *v, bool all, gva_t gva)
{
	/* mmu=shadow: QEMU 7.2 TCG advertises flush-by-ASID but ignores
	 * TLB_CONTROL 3 and keeps its TLB across VMRUN, so shadow SPTE changes
	 * went unseen (permfault under mmu=shadow); flush everything there. */
	bool by_asid = svm_caps.flush_by_asid && !shadow_paging(v);
	vmcb_of(v)->control.tlb_control = by_asid ? SVM_TLB_FLUSH_ASID : SVM_TLB_FLUSH_ALL;
}

static u64 svm_get_cr(struct vcpu *v, int cr)
{
	const struct vmcb_save *s = &vmcb_of(v)->save;
	if (shadow_paging(v) && (cr == 0 || cr == 3 || cr == 4))
		return cr == 0 ? to_svm(v)->guest_cr0 : cr == 3 ? to_svm(v)->guest_cr3 : to_svm(v)->guest_cr4;
	if (shadow_paging(v) && cr == 8)          /* the guest's EFER, LMA as the CPU runs it */
		return to_svm(v)->guest_efer | (s->efer & EFER_LMA) | EFER_SVME;
	switch (cr) {
	case 0: return s->cr0;
	case 2: return s->cr2;
	case 3: return s->cr3;
	case 4: return s->cr4;
	case 8: return s->efer;      /* includes SVME: callers showing it to the guest mask it */
	default: return 0;
	}
}

/* mmu=shadow: what the CPU runs for the guest's CR0/CR4/EFER (see svm.h);
 * CR3 is set by set_shadow_cr3. */
static void shadow_sync_real(struct vcpu *v)
{
	struct vmcb_save *s = &vmcb_of(v)->save;
	struct svm_vcpu *sv = to_svm(v);
	bool lma = (sv->guest_efer & EFER_LME) && (sv->guest_cr0 & CR0_PG);

	/* PG without PE is "paged real mode" (APM 15.19): legal while
	 * EFER.LME=0, which is how an AP starts after its SIPI. */
	s->cr0 = sv->guest_cr0 | CR0_PG | CR0_WP;
	s->cr4 = sv->guest_cr4 | BIT(5);            /* PAE */
	s->efer = sv->guest_efer | EFER_SVME | EFER_NXE | (lma ? EFER_LMA : 0);
}

static void svm_set_cr(struct vcpu *v, int cr, u64 value)
{
	struct vmcb_save *s = &vmcb_of(v)->save;
	if (shadow_paging(v) && cr != 2) {
		struct svm_vcpu *sv = to_svm(v);
		if (cr == 0)
			sv->guest_cr0 = value;
		else if (cr == 3)
			sv->guest_cr3 = value;
		else if (cr == 4)
			sv->guest_cr4 = value;
		else if (cr == 8)
			sv->guest_efer = value & ~(EFER_LMA | EFER_SVME);
		shadow_sync_real(v);
		return;
	}
	switch (cr) {
	case 0: s->cr0 = value; break;
	case 2: s->cr2 = value; break;
	case 3: s->cr3 = value; break;
	case 4: s->cr4 = value; break;
	case 8: s->efer = (value & ~BIT(10)) | (s->efer & BIT(10)) | EFER_SVME; break;
	}
}

static void svm_skip_insn(struct vcpu *v, u8 len)
{
	v->regs.rip += len;
	vmcb_of(v)->control.int_state &= ~1ull;     /* the STI/MOV SS shadow ends */
}

static void svm_inject_exception(struct vcpu *v, u8 vector, bool has_error, u32 error, u64 cr2)
{
	struct vmcb *vmcb = vmcb_of(v);
	if (vector == 14)
		vmcb->save.cr2 = cr2;
	vmcb->control.event_inj = SVM_EVT_VALID | SVM_EVT_TYPE_EXCEPTION | vector |
				  (has_error ? SVM_EVT_ERROR_VALID | ((u64)error << 32) : 0);
}

/* Inject now if the guest can take it (IF=1, no interrupt shadow, nothing
 * else queued); otherwise request a VINTR exit for when it can (APM 15.21.4:
 * V_IRQ with VINTR intercepted, the usual interrupt-window technique). */
static bool svm_inject_interrupt(struct vcpu *v, u8 vector)
{
	struct vmcb_control *c = &vmcb_of(v)->control;
	if ((v->regs.rflags & BIT(9)) && !(c->int_state & 1) && !(c->event_inj & SVM_EVT_VALID)) {
		c->event_inj = SVM_EVT_VALID | SVM_EVT_TYPE_INTR | vector;
		c->intercept_misc1 &= ~SVM_INTERCEPT1_VINTR;
		c->int_ctl &= ~SVM_INT_CTL_V_IRQ;
		return true;
	}
	c->int_ctl |= SVM_INT_CTL_V_IRQ | SVM_INT_CTL_V_IGN_TPR | (0xfull << 16);
	c->intercept_misc1 |= SVM_INTERCEPT1_VINTR;
	return false;
}

/* CS.L (attrib bit 9) in long mode means 64-bit code; else CS.D (bit 10). */
static int svm_code_mode(struct vcpu *v, u64 *cs_base)
{
	const struct vmcb_save *s = &vmcb_of(v)->save;
	*cs_base = s->cs.base;
	if (!(s->cr0 & CR0_PE))
		return 16;
	if ((s->efer & BIT(10)) && (s->cs.attrib & BIT(9)))
		return 64;
	return (s->cs.attrib & BIT(10)) ? 32 : 16;
}

/* SVM has no control that makes INVPCID #UD: it runs natively (mmu=tdp) or
 * is intercepted (mmu=shadow, vmcb_init.c). Under shadow hv needs the
 * operands from decode assists (svm_exit.c) to handle it. */
static bool svm_invpcid_ok(struct vcpu *v)
{
	return !shadow_paging(v) || svm_caps.decode_assists;
}

/* NPT uses the x86-64 page-table format with hardware A/D bits. */
static void svm_mmu_setup(struct mmu_config *cfg)
{
	cfg->format = MMU_FORMAT_X86;
	cfg->levels = 4;
	cfg->ad_enabled = true;
	cfg->huge_1g = svm_caps.huge_1g;
}

const struct vendor_ops svm_ops = {
	.name = "svm",
	.trace_vendor = HVT_VENDOR_SVM,
	.probe = svm_probe,
	.cpu_enable = svm_cpu_enable,
	.vcpu_init = svm_vcpu_init,
	.run = svm_run,
	.set_tdp_root = svm_set_tdp_root,
	.set_shadow_cr3 = svm_set_shadow_cr3,
	.flush_guest_tlb = svm_flush_guest_tlb,
	.get_cr = svm_get_cr,
	.set_cr = svm_set_cr,
	.skip_insn = svm_skip_insn,
	.inject_exception = svm_inject_exception,
	.sipi = svm_sipi,
	.dump = svm_dump,
	.mmu_setup = svm_mmu_setup,
	.inject_interrupt = svm_inject_interrupt,
	.code_mode = svm_code_mode,
	.invpcid_ok = svm_invpcid_ok,
};
