/*
 * svm.h: the SVM backend's private state, shared by the files of hv/svm/.
 * The rest of hv sees only svm_ops (hv/core/vendor.h).
 *
 *   svm.c        the ops table: run, registers, events, paging hooks
 *   svm_cpu.c    capabilities (probe), EFER.SVME and host save area per CPU,
 *                the shared I/O and MSR permission maps
 *   vmcb_init.c  a vCPU's VMCB in the Multiboot or wait-for-SIPI state; dump
 *   svm_exit.c   #VMEXIT -> struct exit_info
 *   svm_entry.S  the world switch (VMLOAD, VMRUN, VMSAVE)
 */
#ifndef HV_SVM_SVM_H
#define HV_SVM_SVM_H

#include "hv/core/vcpu.h"
#include "hv/svm/vmcb.h"

/* What CPUID 0x8000000A says this SVM can do (APM vol 3, appendix E.4.9). */
struct svm_caps {
	bool npt;            /* EDX[0] nested paging */
	bool nrips;          /* EDX[3] nRIP saved on exit */
	bool flush_by_asid;  /* EDX[6] TLB_CONTROL 3 */
	bool decode_assists; /* EDX[7] */
	u32  nr_asids;       /* EBX */
	bool huge_1g;        /* CPUID 0x80000001 EDX[26] */
};
extern struct svm_caps svm_caps;

/* Per vCPU (vcpu->arch). Touched only by the vCPU's own physical CPU. */
struct svm_vcpu {
	struct vmcb *vmcb;         /* hva == hpa */
	hpa_t vmcb_pa;
	/* mmu=shadow: the CR0/CR3/CR4 the guest wrote and reads back (CR
	 * reads and writes are intercepted); the VMCB holds what the CPU
	 * runs: CR0 with PG and WP, CR4 with PAE, CR3 = the shadow root,
	 * EFER.LMA = EFER.LME && guest CR0.PG (hv/core/shadow_exit.c). */
	u64 guest_cr0, guest_cr3, guest_cr4;
	/* mmu=shadow: the EFER the guest wrote (no SVME, no LMA). The CPU runs
	 * it with NXE forced on, so a fetch #PF always carries the I/D bit and
	 * the shadow walker can tell it from a read whatever the guest's NXE
	 * (KVM does the same); the guest still reads its own value back. */
	u64 guest_efer;
};

/* Per physical CPU (pcpu->vendor). */
struct svm_pcpu {
	hpa_t hsave_pa;            /* VM_HSAVE_PA: state VMRUN saves */
	hpa_t host_vmcb_pa;        /* VMSAVE/VMLOAD area for host FS/GS/TR/... */
};

extern hpa_t svm_iopm_pa, svm_msrpm_pa;

static inline struct svm_vcpu *to_svm(struct vcpu *v) { return v->arch; }
static inline struct vmcb *vmcb_of(struct vcpu *v) { return to_svm(v)->vmcb; }

int  svm_probe(bool want_tdp, char *why, size_t why_len);
int  svm_cpu_enable(struct pcpu *pcpu);
int  svm_vcpu_init(struct vcpu *v);
void svm_sipi(struct vcpu *v, u8 vector);
void svm_dump(struct vcpu *v);
void svm_decode_exit(struct vcpu *v, struct exit_info *e);

/* svm_entry.S: VMLOAD guest, VMRUN, VMSAVE guest, with the host's
 * FS/GS/TR/syscall MSRs saved and restored around it through host_vmcb_pa.
 * GIF is cleared around the switch and set again on return. */
void svm_vmrun(hpa_t vmcb_pa, struct guest_regs *regs, hpa_t host_vmcb_pa);

#endif
