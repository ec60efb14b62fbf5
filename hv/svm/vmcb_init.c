/*
 * vmcb_init.c: a vCPU's VMCB.
 *
 * vCPU 0 starts in the Multiboot machine state (Multiboot spec 3.2):
 *   CS  flat 32-bit code, read/execute     DS/ES/FS/GS/SS  flat 32-bit data
 *   CR0 = PE (paging off)                  EFLAGS = 2 (IF off)
 *   EAX = 0x2BADB002, EBX = Multiboot info (set by the loader in regs)
 * APs start in real mode at the SIPI vector (svm_sipi). EFER.SVME must be
 * set in every guest EFER or VMRUN fails (APM 15.5.1, "Canonicalization and
 * Consistency Checks").
 *
 * Intercepts (with mmu=tdp): INTR (kicks), NMI, SHUTDOWN, CPUID, HLT, I/O
 * through the IOPM, MSRs through the MSRPM, VMRUN (mandatory), VMMCALL and
 * the other SVM instructions (the guest gets no nested SVM), CR4 writes
 * (hv/core/cr.c checks them against CPUID). With
 * mmu=shadow also CR0/CR3/CR4 writes, INVLPG and #PF.
 */
#include "hv/svm/svm.h"
#include "hv/core/lib.h"
#include "hv/core/palloc.h"
#include "hv/core/x86.h"
#include "hv/core/vm.h"
#include "mmu/env.h"

#define ATTR_CODE32  0xc9b     /* G, D, P, S, type 0xb (code, read, accessed) */
#define ATTR_DATA32  0xc93     /* G, B, P, S, type 0x3 (data, write, accessed) */
#define ATTR_CODE16  0x09b
#define ATTR_DATA16  0x093
#define ATTR_TSS     0x08b     /* P, busy 32-bit TSS */
#define ATTR_LDT     0x082
#define DEFAULT_PAT  0x0007040600070406ull

static void set_seg(struct vmcb_seg *s, u16 sel, u64 base, u32 limit, u16 attrib)
{
	*s = (struct vmcb_seg){ .selector = sel, .attrib = attrib, .limit = limit, .base = base };
}

static void init_control(struct vcpu *v, struct vmcb_control *c)
{
	c->intercept_misc1 = SVM_INTERCEPT1_INTR | SVM_INTERCEPT1_NMI | SVM_INTERCEPT1_SMI |
			     SVM_INTERCEPT1_INIT | SVM_INTERCEPT1_CPUID | SVM_INTERCEPT1_HLT |
			     SVM_INTERCEPT1_IOIO | SVM_INTERCEPT1_MSR | SVM_INTERCEPT1_SHUTDOWN;
	c->intercept_misc2 = SVM_INTERCEPT2_VMRUN | SVM_INTERCEPT2_VMMCALL |
			     SVM_INTERCEPT2_VMLOAD | SVM_INTERCEPT2_VMSAVE | SVM_INTERCEPT2_STGI |
			     SVM_INTERCEPT2_CLGI | SVM_INTERCEPT2_SKINIT;
	c->iopm_base_pa = svm_iopm_pa;
	c->msrpm_base_pa = svm_msrpm_pa;
	c->asid = (u32)v->id + 1;              /* ASID 0 is the host's */
	c->tlb_control = SVM_TLB_FLUSH_ALL;    /* first entry: nothing stale */
	c->int_ctl = SVM_INT_CTL_V_INTR_MASKING; /* host IF governs physical interrupts */
	c->np_control = v->vm->mmu_mode == HVT_MMU_TDP ? 1 : 0;
	c->intercept_cr = BIT(4) << 16;        /* CR4 writes: hv checks the bits (cr.c) */
	if (v->vm->mmu_mode == HVT_MMU_SHADOW) {
		/* Shadow paging: hv must see every CR0/CR3/CR4 write, INVLPG
		 * and guest #PF (APM 15.9, 15.12). */
		c->intercept_cr |= (BIT(0) | BIT(3)) << 16;
		/* ... and read the CR0/CR3/CR4 it wrote, not what the CPU runs
		 * (svm.c keeps both; hv/core/shadow_exit.c). */
		c->intercept_cr |= BIT(0) | BIT(3) | BIT(4);
		c->intercept_exceptions = BIT(14);
		c->intercept_misc1 |= SVM_INTERCEPT1_INVLPG;
		/* INVPCID too: its flushes are the shadow MMU's sync points. */
		c->intercept_misc3 |= SVM_INTERCEPT3_INVPCID;
	}
}

/* Real mode at CS = vector << 8 (the state after INIT + SIPI). */
static void init_real_mode(struct vmcb_save *s, u8 vector)
{
	set_seg(&s->cs, (u16)(vector << 8), (u64)vector << 12, 0xffff, ATTR_CODE16);
	set_seg(&s->ds, 0, 0, 0xffff, ATTR_DATA16);
	s->es = s->fs = s->gs = s->ss = s->ds;
	set_seg(&s->gdtr, 0, 0, 0xffff, 0);
	set_seg(&s->idtr, 0, 0, 0xffff, 0);
	set_seg(&s->ldtr, 0, 0, 0xffff, ATTR_LDT);
	set_seg(&s->tr, 0, 0, 0xffff, ATTR_TSS);
	s->cpl = 0;
	s->efer = EFER_SVME;
	s->cr0 = CR0_ET | BIT(29) | BIT(30);   /* CD NW ET: the reset value */
	s->cr3 = s->cr4 = 0;
	s->dr6 = 0xffff0ff0;
	s->dr7 = 0x400;
	s->rflags = 2;
	s->rip = 0;
	s->rsp = 0;
	s->g_pat = DEFAULT_PAT;
}

static void init_multiboot(struct vmcb_save *s)
{
	init_real_mode(s, 0);
	set_seg(&s->cs, 0x08, 0, 0xffffffff, ATTR_CODE32);
	set_seg(&s->ds, 0x10, 0, 0xffffffff, ATTR_DATA32);
	s->es = s->fs = s->gs = s->ss = s->ds;
	s->cr0 = CR0_PE | CR0_ET;
}

int svm_vcpu_init(struct vcpu *v)
{
	struct svm_vcpu *s = env_zalloc(sizeof(*s));
	if (!s)
		return E_NOMEM;
	s->vmcb_pa = palloc_alloc(1, 1);
	if (!s->vmcb_pa)
		return E_NOMEM;
	s->vmcb = env_hpa_to_va(s->vmcb_pa);
	v->arch = s;
	init_control(v, &s->vmcb->control);
	init_multiboot(&s->vmcb->save);
	if (v->vm->mmu_mode == HVT_MMU_SHADOW) {
		/* The guest sees its own CR0/CR3/CR4; the CPU runs with paging
		 * on (svm.c: shadow_sync_real; CR3 from hv/core/shadow_exit.c). */
		s->guest_cr0 = s->vmcb->save.cr0;
		s->guest_cr3 = s->vmcb->save.cr3;
		s->guest_cr4 = s->vmcb->save.cr4;
		s->guest_efer = s->vmcb->save.efer & ~EFER_SVME;
		svm_ops.set_cr(v, 0, s->guest_cr0);
	}
	return 0;
}

void svm_sipi(struct vcpu *v, u8 vector)
{
	struct vmcb *vmcb = vmcb_of(v);
	init_real_mode(&vmcb->save, vector);
	memset(&v->regs, 0, sizeof(v->regs));
	v->regs.rflags = 2;
	v->regs.rdx = 0x600;                   /* family/model/stepping after reset */
	vmcb->control.event_inj = 0;
	vmcb->control.tlb_control = SVM_TLB_FLUSH_ALL;
	if (v->vm->mmu_mode == HVT_MMU_SHADOW) {
		/* The reset CR0/CR3/CR4 are the guest's; hv/core/shadow_exit.c
		 * loads the root at the next entry (paged real mode). */
		struct svm_vcpu *s = to_svm(v);
		s->guest_cr0 = vmcb->save.cr0;
		s->guest_cr3 = vmcb->save.cr3;
		s->guest_cr4 = vmcb->save.cr4;
		s->guest_efer = vmcb->save.efer & ~EFER_SVME;
		svm_ops.set_cr(v, 0, s->guest_cr0);
	}
}

static void dump_seg(const char *name, const struct vmcb_seg *s)
{
	printk("hv:   %s sel %04x attr %03x limit %08x base %016lx\n",
	       name, s->selector, s->attrib, s->limit, s->base);
}

void svm_dump(struct vcpu *v)
{
	const struct vmcb *vmcb = vmcb_of(v);
	const struct vmcb_control *c = &vmcb->control;
	const struct vmcb_save *s = &vmcb->save;

	if (!vmcb)
		return;
	printk("hv:   VMCB at 0x%lx: exitcode 0x%lx exitinfo1 0x%lx exitinfo2 0x%lx exitintinfo 0x%lx\n",
	       to_svm(v)->vmcb_pa, c->exit_code, c->exit_info1, c->exit_info2, c->exit_int_info);
	printk("hv:   asid %u np %lu ncr3 0x%lx event_inj 0x%lx int_ctl 0x%lx int_state 0x%lx\n",
	       c->asid, c->np_control, c->n_cr3, c->event_inj, c->int_ctl, c->int_state);
	printk("hv:   cr0 0x%lx cr2 0x%lx cr3 0x%lx cr4 0x%lx efer 0x%lx cpl %u\n",
	       s->cr0, s->cr2, s->cr3, s->cr4, s->efer, s->cpl);
	dump_seg("cs", &s->cs);
	dump_seg("ss", &s->ss);
	dump_seg("ds", &s->ds);
	dump_seg("tr", &s->tr);
	printk("hv:   gdtr base 0x%lx limit 0x%x idtr base 0x%lx limit 0x%x\n",
	       s->gdtr.base, s->gdtr.limit, s->idtr.base, s->idtr.limit);
}
