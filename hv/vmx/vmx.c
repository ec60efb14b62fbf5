/*
 * vmx.c: the Intel VMX backend's operations table (hv/core/vendor.h):
 * entering the guest, and the guest state the core reads and changes.
 * SDM Vol. 3C section numbers as in vmcs.h.
 *
 * One guest entry (vmx_run):
 *   1. make the vCPU's VMCS current on this CPU (vmx_load)
 *   2. write what the core may have changed while outside: RIP/RSP/RFLAGS
 *      from struct guest_regs, an event cut short by the last exit
 *      (IDT-vectoring information, 27.2.3), CR2 (not in the VMCS)
 *   3. VMLAUNCH the first time, VMRESUME after (vmx_entry.S)
 *   4. on exit: mirror RIP/RSP/RFLAGS and CR2 back and decode the exit
 *      (vmx_exit.c). Two exits never reach the core: the preemption timer
 *      with no request pending (vmcs.c says why it runs) and, under
 *      mmu=shadow, MOV from CR3.
 * A failed entry is a hypervisor bug: it goes to panic with the
 * VM-instruction error (30.4) or the entry-failure exit reason (26.7).
 *
 * mmu=shadow: the guest's CR0/CR4 live in the read shadows (the bits hv
 * owns, vmcs.c), its CR3 and EFER in struct vmx_vcpu; the CPU runs the
 * shadow root (set_shadow_cr3) with paging always on. While the guest's
 * CR0.PE is 0 (an AP after its SIPI) it runs in virtual-8086 mode
 * (vmx_realmode.c): RFLAGS.VM and IOPL are added at entry and hidden on
 * exit, and its exceptions and events go through vmx_realmode.c.
 */
#include "hv/vmx/vmx.h"
#include "hv/core/lib.h"
#include "hv/core/x86.h"
#include "hv/core/pcpu.h"
#include "hv/core/palloc.h"
#include "hv/core/panic.h"
#include "hv/core/vm.h"
#include "mmu/mmu.h"
#include "trace/hvt_format.h"

#define MB_BOOTLOADER_MAGIC 0x2BADB002u   /* EAX at a Multiboot kernel's entry */
#define RFLAGS_FIXED  BIT(1)
#define RFLAGS_IF     BIT(9)
#define PROC_INTR_WINDOW_EXITING BIT(2)
#define EXIT_REASON_INTR_WINDOW  7
#define INTERRUPTIBILITY_STI_MOVSS 3u     /* blocking by STI, by MOV SS (24.4.2) */

/* Set by mmu_setup: the MMU was told to use EPT A/D bits. */
static bool ept_ad_on;

static void vmcs_w(u32 field, u64 value)
{
	if (vmcs_write(field, value))
		panic("vmx: VMWRITE of field 0x%x = 0x%lx failed (VM-instruction error %lu)",
		      field, value, vmcs_read(VMCS_INSN_ERROR));
}

static int vmx_vcpu_init(struct vcpu *v)
{
	struct vmx_vcpu *vv = (struct vmx_vcpu *)palloc_alloc(1, 1);
	hpa_t vmcs = palloc_alloc(1, 1);
	if (!vv || !vmcs)
		return E_NOMEM;
	vv->vcpu = v;
	vv->vmcs = (void *)vmcs;
	vv->vmcs_hpa = vmcs;
	vv->active_cpu = -1;
	vv->shadow = v->vm->mmu_mode == HVT_MMU_SHADOW;
	vv->vpid = (u16)(v->id + 1);
	*(u32 *)vv->vmcs = vmx_caps.revision;           /* 24.2 */
	v->arch = vv;

	/* 24.11.3: VMCLEAR before the first VMPTRLD puts the VMCS in the clear
	 * launch state. */
	if (vmclear(vmcs))
		panic("vmx: VMCLEAR of a new VMCS 0x%lx failed", vmcs);
	bool is_ap = v->id != 0;
	if (!is_ap) {
		v->regs.rax = MB_BOOTLOADER_MAGIC;      /* EBX, EIP: set by the loader */
		v->regs.rflags = RFLAGS_FIXED;
	}
	vmx_load(vv);
	return vmcs_setup(vv, is_ap);
}

static void vmx_report_entry_failure(struct vcpu *v, struct exit_info *e, u32 insn_error)
{
	memset(e, 0, sizeof(*e));
	e->kind = EXIT_OTHER;
	e->qual = insn_error;
	v->cur_exit = e;
	panic("vmx: VM entry failed on vCPU %d: VM-instruction error %u (%s)",
	      v->id, insn_error, vmx_insn_error_string(insn_error));
}

static void vmx_report_invalid_state(struct vcpu *v, struct exit_info *e, u32 reason)
{
	memset(e, 0, sizeof(*e));
	e->kind = EXIT_OTHER;
	e->raw_reason = reason;
	e->qual = vmcs_read(VMCS_EXIT_QUALIFICATION);
	v->cur_exit = e;
	panic("vmx: VM entry failed on vCPU %d: exit reason %u (%s), qualification 0x%lx",
	      v->id, reason & 0xffff, vmx_exit_reason_name(reason), e->qual);
}

/* Write RIP/RSP/RFLAGS and the event to deliver, then enter. */
static void prepare_entry(struct vmx_vcpu *vv)
{
	struct guest_regs *r = &vv->vcpu->regs;

	vmcs_w(VMCS_GUEST_RIP, r->rip);
	vmcs_w(VMCS_GUEST_RSP, r->rsp);
	vmcs_w(VMCS_GUEST_RFLAGS, vmx_rm_rflags_in(vv, r->rflags | RFLAGS_FIXED));
	/* An event cut short by this exit is delivered again, unless the core
	 * queued one of its own (every exit clears the valid bit, 24.8.3).
	 * Not in virtual-8086 mode: there hv delivers every event itself
	 * through the real-mode IVT (vmx_realmode.c). */
	u32 idt = (u32)vmcs_read(VMCS_IDT_VECTORING_INFO);
	if (vv->launched && !vv->vm86 && (idt & INTR_INFO_VALID) &&
	    !(vmcs_read(VMCS_ENTRY_INTR_INFO) & INTR_INFO_VALID)) {
		vmcs_w(VMCS_ENTRY_INTR_INFO, idt & ~BIT(12));  /* bit 12: undefined here */
		if (idt & INTR_INFO_DELIVER_ERROR)
			vmcs_w(VMCS_ENTRY_EXCEPTION_ERROR, vmcs_read(VMCS_IDT_VECTORING_ERROR));
		vmcs_w(VMCS_ENTRY_INSN_LEN, vmcs_read(VMCS_EXIT_INSN_LEN));
	}
	__asm__ volatile("mov %0, %%cr2" :: "r"(vv->guest_cr2) : "memory");
}

/* MOV from CR3 under shadow paging: answer with the guest's own CR3 and go
 * straight back in; the core never sees it. Returns true if handled. */
static bool handle_cr3_read(struct vmx_vcpu *vv, const struct exit_info *e)
{
	static const s8 gpr[16] = { 0, 2, 3, 1, 7, 6, 4, 5, 8, 9, 10, 11, 12, 13, 14, 15 };
	if ((e->raw_reason & 0xffff) != EXIT_REASON_CR_ACCESS ||
	    ((e->qual >> 4) & 3) != 1 || (e->qual & 0xf) != 3)
		return false;
	((u64 *)&vv->vcpu->regs)[gpr[(e->qual >> 8) & 0xf]] = vv->guest_cr3;
	vv->vcpu->regs.rip += e->insn_len;
	return true;
}

static int vmx_run(struct vcpu *v, struct exit_info *e)
{
	struct vmx_vcpu *vv = to_vmx(v);
	struct guest_regs *r = &v->regs;

	vmx_load(vv);
	for (;;) {
		prepare_entry(vv);
		if (vmx_enter(r, vv->launched)) {
			u32 err = (u32)vmcs_read(VMCS_INSN_ERROR);
			vmx_report_entry_failure(v, e, err);
		}
		vv->launched = true;
		__asm__ volatile("mov %%cr2, %0" : "=r"(vv->guest_cr2));
		r->rip = vmcs_read(VMCS_GUEST_RIP);
		r->rsp = vmcs_read(VMCS_GUEST_RSP);
		r->rflags = vmx_rm_rflags_out(vv, vmcs_read(VMCS_GUEST_RFLAGS));

		u32 reason = (u32)vmcs_read(VMCS_EXIT_REASON);
		if (reason & EXIT_REASON_ENTRY_FAILURE)         /* 26.7 */
			vmx_report_invalid_state(v, e, reason);
		vmx_decode_exit(vv, e);
		if ((reason & 0xffff) == EXIT_REASON_PREEMPTION_TIMER) {
			/* Only a chance to see requests (vmcs.c): go straight
			 * back in unless there is one. */
			if (!READ_ONCE(v->requests) && !vm_stopping(v->vm))
				continue;
			e->kind = EXIT_EXTINT;
		}
		if ((reason & 0xffff) == EXIT_REASON_INTR_WINDOW) {
			/* The guest can take an interrupt now: stop asking, let
			 * the core offer it again (vendor.h: inject_interrupt). */
			vmcs_w(VMCS_PROC_CTLS, vmcs_read(VMCS_PROC_CTLS) & ~PROC_INTR_WINDOW_EXITING);
			e->kind = EXIT_EXTINT;
		}
		if (vv->shadow && handle_cr3_read(vv, e))
			continue;
		if (vv->vm86 && vmx_rm_exit(vv, e))
			continue;
		return 0;
	}
}

static void vmx_set_tdp_root(struct vcpu *v, hpa_t root)
{
	struct vmx_vcpu *vv = to_vmx(v);
	vmx_load(vv);
	vv->eptp = vmx_make_eptp(root, ept_ad_on);
	vmcs_w(VMCS_EPTP, vv->eptp);
}

static void vmx_set_shadow_cr3(struct vcpu *v, hpa_t root)
{
	vmx_load(to_vmx(v));
	vmcs_w(VMCS_GUEST_CR3, root);
}

static u64 vmx_get_cr(struct vcpu *v, int cr)
{
	struct vmx_vcpu *vv = to_vmx(v);
	vmx_load(vv);
	switch (cr) {
	case 0: {
		u64 mask = vmcs_read(VMCS_CR0_GUEST_HOST_MASK);
		return (vmcs_read(VMCS_GUEST_CR0) & ~mask) | (vmcs_read(VMCS_CR0_READ_SHADOW) & mask);
	}
	case 2:
		return vv->guest_cr2;
	case 3:
		return vv->shadow ? vv->guest_cr3 : vmcs_read(VMCS_GUEST_CR3);
	case 4: {
		u64 mask = vmcs_read(VMCS_CR4_GUEST_HOST_MASK);
		return (vmcs_read(VMCS_GUEST_CR4) & ~mask) | (vmcs_read(VMCS_CR4_READ_SHADOW) & mask);
	}
	case 8:
		return vv->shadow ? vv->guest_efer : vmcs_read(VMCS_GUEST_EFER);
	}
	panic("vmx: get_cr(%d): no such register", cr);
}

/* EFER.LMA and the "IA-32e mode guest" entry control must agree, and with
 * paging on EFER.LME must equal LMA (26.3.1.1); LMA follows CR0.PG while
 * EFER.LME is set (SDM Vol. 3A, 9.8.5). cr0 and efer are the guest's view.
 * Under mmu=shadow the CPU's paging is always on, so it runs with LME only
 * once the guest's own paging is on too, and always with NXE, so a fetch
 * #PF carries the I/D bit whatever the guest's NXE (the shadow walker needs
 * it to tell a fetch from a read); the guest's EFER is kept aside. */
static void sync_long_mode(struct vmx_vcpu *vv, u64 cr0, u64 efer)
{
	bool lma = (cr0 & CR0_PG) && (efer & EFER_LME);
	u64 entry = vmcs_read(VMCS_ENTRY_CTLS);
	efer = lma ? (efer | EFER_LMA) : (efer & ~EFER_LMA);
	if (vv->shadow) {
		vv->guest_efer = efer;
		efer = (lma ? efer : (efer & ~EFER_LME)) | EFER_NXE;
	}
	entry = lma ? (entry | ENTRY_IA32E_MODE_GUEST) : (entry & ~ENTRY_IA32E_MODE_GUEST);
	vmcs_w(VMCS_GUEST_EFER, efer);
	vmcs_w(VMCS_ENTRY_CTLS, entry);
}

static void vmx_set_cr(struct vcpu *v, int cr, u64 value)
{
	struct vmx_vcpu *vv = to_vmx(v);
	vmx_load(vv);
	switch (cr) {
	case 0:
		vmcs_w(VMCS_CR0_READ_SHADOW, value);
		vmcs_w(VMCS_GUEST_CR0, vmx_real_cr0(vv, value));
		sync_long_mode(vv, value, vmx_get_cr(v, 8));
		/* Shadow paging runs real mode as virtual-8086 mode. */
		if (vv->shadow && !(value & CR0_PE) && !vv->vm86)
			vmx_rm_enter(vv);
		else if (vv->shadow && (value & CR0_PE) && vv->vm86)
			vmx_rm_leave(vv);
		return;
	case 2:
		vv->guest_cr2 = value;
		return;
	case 3:
		if (vv->shadow)
			vv->guest_cr3 = value;
		else
			vmcs_w(VMCS_GUEST_CR3, value);
		return;
	case 4:
		vmcs_w(VMCS_CR4_READ_SHADOW, value);
		vmcs_w(VMCS_GUEST_CR4, vmx_real_cr4(vv, value));
		return;
	case 8:
		sync_long_mode(vv, vmx_get_cr(v, 0), value);
		return;
	}
	panic("vmx: set_cr(%d, 0x%lx): no such register", cr, value);
}

static void vmx_skip_insn(struct vcpu *v, u8 len)
{
	vmx_load(to_vmx(v));
	v->regs.rip += len;
	/* The skipped instruction's STI / MOV SS shadow ends with it. */
	u64 intr = vmcs_read(VMCS_GUEST_INTERRUPTIBILITY);
	if (intr & INTERRUPTIBILITY_STI_MOVSS)
		vmcs_w(VMCS_GUEST_INTERRUPTIBILITY, intr & ~(u64)INTERRUPTIBILITY_STI_MOVSS);
}

/* Event injection (24.8.3, 26.5). With unrestricted guest in real mode
 * (CR0.PE = 0) exceptions push no error code (26.2.1.3). CR2 is not in the
 * VMCS: for #PF it is loaded before the entry (prepare_entry). */
static void vmx_inject_exception(struct vcpu *v, u8 vector, bool has_error, u32 error, u64 cr2)
{
	struct vmx_vcpu *vv = to_vmx(v);
	vmx_load(vv);
	if (vv->vm86) {                         /* real mode: the IVT, no error code */
		vmx_rm_deliver(vv, vector, (u16)v->regs.rip);
		return;
	}
	u32 info = INTR_INFO_VALID | INTR_TYPE_HW_EXCEPTION | vector;
	if (has_error && (vmcs_read(VMCS_GUEST_CR0) & CR0_PE)) {
		info |= INTR_INFO_DELIVER_ERROR;
		vmcs_w(VMCS_ENTRY_EXCEPTION_ERROR, error);
	}
	vmcs_w(VMCS_ENTRY_INTR_INFO, info);
	if (vector == 14)
		vv->guest_cr2 = cr2;
}

static bool vmx_inject_interrupt(struct vcpu *v, u8 vector)
{
	vmx_load(to_vmx(v));
	bool open = (v->regs.rflags & RFLAGS_IF) &&
		    !(vmcs_read(VMCS_GUEST_INTERRUPTIBILITY) & INTERRUPTIBILITY_STI_MOVSS) &&
		    !(vmcs_read(VMCS_ENTRY_INTR_INFO) & INTR_INFO_VALID) &&
		    !(vmcs_read(VMCS_IDT_VECTORING_INFO) & INTR_INFO_VALID);
	if (!open) {
		/* 24.6.2: exit at the first instruction boundary where the
		 * guest can take an external interrupt (25.2). */
		vmcs_w(VMCS_PROC_CTLS, vmcs_read(VMCS_PROC_CTLS) | PROC_INTR_WINDOW_EXITING);
		return false;
	}
	if (to_vmx(v)->vm86)                    /* real mode: the IVT */
		return vmx_rm_deliver(to_vmx(v), vector, (u16)v->regs.rip);
	vmcs_w(VMCS_ENTRY_INTR_INFO, INTR_INFO_VALID | INTR_TYPE_EXTINT | vector);
	return true;
}

/* SIPI (SDM Vol. 3A, 8.4.4 / 9.1.1): the AP starts in real mode at
 * vector << 12, CS = vector << 8, IP = 0, from the state INIT left. */
static void vmx_sipi(struct vcpu *v, u8 vector)
{
	struct vmx_vcpu *vv = to_vmx(v);
	vmx_load(vv);
	vmcs_setup(vv, true);
	if (vv->eptp)
		vmcs_w(VMCS_EPTP, vv->eptp);
	vmcs_w(VMCS_GUEST_CS_SEL, (u64)vector << 8);
	vmcs_w(VMCS_GUEST_ES_BASE + 2 * SEG_CS, (u64)vector << 12);
	memset(&v->regs, 0, sizeof(v->regs));
	v->regs.rflags = RFLAGS_FIXED;
	v->regs.rip = 0;
	if (vv->shadow) {
		/* The reset CR0/CR3/CR4/EFER are the guest's (vmcs_setup wrote
		 * the read shadows); set_cr puts the CPU's EFER in step and the
		 * AP in virtual-8086 mode (vmx_realmode.c). The core loads the
		 * shadow root for paging off before the next entry. */
		vv->guest_cr3 = 0;
		vv->guest_efer = 0;
		vv->vm86 = false;
		vmx_set_cr(v, 0, vmcs_read(VMCS_CR0_READ_SHADOW));
	}
}

static void vmx_dump(struct vcpu *v)
{
	struct vmx_vcpu *vv = to_vmx(v);
	struct vmx_pcpu *vp = vmx_this_pcpu();
	if (!vv || !vp || vp->current != vv) {
		printk("hv:   (vCPU %d's VMCS is not current on this CPU)\n", v->id);
		return;
	}
	vmcs_dump();
}

static void vmx_mmu_setup(struct mmu_config *cfg)
{
	if (cfg->mode == HVT_MMU_SHADOW) {
		/* Shadow tables are ordinary x86-64 page tables the CPU walks
		 * as the guest's (SDM Vol. 3A, 4.5), with their A/D bits. */
		u32 a, b, c, d;
		cpuid(0x80000001, 0, &a, &b, &c, &d);
		cfg->format = MMU_FORMAT_X86;
		cfg->levels = 4;
		cfg->ad_enabled = true;
		cfg->huge_1g = d & BIT(26);
		return;
	}
	cfg->format = MMU_FORMAT_EPT;
	cfg->levels = 4;
	/* 28.2.4: A/D flags for EPT when the CPU has them; else the MMU does
	 * access tracking by clearing R/W/X. */
	cfg->ad_enabled = vmx_caps.ept_ad;
	cfg->huge_1g = vmx_caps.ept_vpid & EPT_CAP_1G;
	ept_ad_on = cfg->ad_enabled;
}

/* Code size from CS.L and CS.D (SDM Vol. 3A, 3.4.5), for the emulator. */
static int vmx_code_mode(struct vcpu *v, u64 *cs_base)
{
	vmx_load(to_vmx(v));
	u64 ar = vmcs_read(VMCS_GUEST_ES_AR + 2 * SEG_CS);
	*cs_base = vmcs_read(VMCS_GUEST_ES_BASE + 2 * SEG_CS);
	if ((vmcs_read(VMCS_GUEST_EFER) & EFER_LMA) && (ar & BIT(13)))
		return 64;
	if (!(vmcs_read(VMCS_GUEST_CR0) & CR0_PE))
		return 16;
	return (ar & BIT(14)) ? 32 : 16;
}

/* INVPCID runs in the guest only with "enable INVPCID" (else #UD, SDM Vol.
 * 3C 25.3); under mmu=shadow "INVLPG exiting" (always on there, vmcs.c)
 * turns it into an exit that hv handles (shadow_exit.c). */
static bool vmx_invpcid_ok(struct vcpu *v)
{
	vmx_load(to_vmx(v));
	return (vmcs_read(VMCS_PROC_CTLS) & PROC_SECONDARY_CTLS) &&
	       (vmcs_read(VMCS_PROC_CTLS2) & PROC2_ENABLE_INVPCID);
}

static int vmx_probe_op(bool want_tdp, char *why, size_t why_len)
{
	return vmx_probe(want_tdp, why, why_len);
}

static int vmx_cpu_enable_op(struct pcpu *pcpu)
{
	return vmx_cpu_enable(pcpu);
}

const struct vendor_ops vmx_ops = {
	.name             = "vmx",
	.trace_vendor     = HVT_VENDOR_VMX,
	.probe            = vmx_probe_op,
	.cpu_enable       = vmx_cpu_enable_op,
	.vcpu_init        = vmx_vcpu_init,
	.run              = vmx_run,
	.set_tdp_root     = vmx_set_tdp_root,
	.set_shadow_cr3   = vmx_set_shadow_cr3,
	.flush_guest_tlb  = vmx_flush_guest_tlb,
	.get_cr           = vmx_get_cr,
	.set_cr           = vmx_set_cr,
	.skip_insn        = vmx_skip_insn,
	.inject_exception = vmx_inject_exception,
	.sipi             = vmx_sipi,
	.dump             = vmx_dump,
	.mmu_setup        = vmx_mmu_setup,
	.inject_interrupt = vmx_inject_interrupt,
	.code_mode        = vmx_code_mode,
	.invpcid_ok       = vmx_invpcid_ok,
};
