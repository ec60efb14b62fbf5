/*
 * vendor.h: the one interface between the shared hypervisor core and the
 * vendor backends (hv/vmx/ for Intel VMX, hv/svm/ for AMD SVM).
 *
 * The core picks one const struct vendor_ops at boot from CPUID and never
 * asks again which vendor it is on. A backend turns every exit into a neutral
 * struct exit_info that hv/core/exit.c dispatches.
 */
#ifndef HV_CORE_VENDOR_H
#define HV_CORE_VENDOR_H

#include "../../include/hvlab/types.h"

struct vcpu;     /* hv/core/vcpu.h */
struct mmu_config; /* mmu/mmu.h */
struct pcpu;     /* hv/core/pcpu.h */

/* Guest general-purpose registers the backend saves and restores around
 * every entry (RAX/RSP/RIP/RFLAGS live in the VMCS/VMCB and are mirrored
 * here by the backend on exit and written back on entry). */
struct guest_regs {
	u64 rax, rbx, rcx, rdx, rsi, rdi, rbp, rsp;
	u64 r8, r9, r10, r11, r12, r13, r14, r15;
	u64 rip, rflags;
};

/* Neutral exit kinds: the same numbers as enum hvt_exit_kind in the trace. */
enum exit_kind {
	EXIT_NPF = 1,      /* EPT violation / misconfiguration, #NPF */
	EXIT_PF,           /* guest #PF intercepted (shadow paging) */
	EXIT_CR_WRITE,     /* MOV to CR0/CR3/CR4 */
	EXIT_INVLPG,
	EXIT_CPUID,
	EXIT_IO,
	EXIT_HLT,
	EXIT_HYPERCALL,    /* VMCALL / VMMCALL */
	EXIT_SHUTDOWN,     /* triple fault (VMX) / shutdown (SVM) */
	EXIT_EXTINT,       /* external interrupt (e.g. a kick IPI) */
	EXIT_MSR,
	EXIT_INIT_SIPI,    /* INIT or SIPI delivered to this vCPU */
	EXIT_NMI,
	EXIT_INVPCID,
	EXIT_OTHER,        /* anything else: raw code in raw_reason */
};

struct exit_info {
	enum exit_kind kind;
	u64 raw_reason;    /* VMX basic exit reason / SVM EXITCODE */
	u64 qual;          /* VMX exit qualification / SVM EXITINFO1 */
	u64 info2;         /* SVM EXITINFO2 / VMX guest-linear address etc. */
	u8  insn_len;      /* length of the exiting instruction, 0 if unknown */
	union {
		struct { gpa_t gpa; u32 error; /* MMU_PF_* */ } npf;
		struct { gva_t gva; u32 error; /* x86 #PF error code */ } pf;
		struct { int cr; int gpr; /* index into guest_regs order, -1 if unknown */
			 u64 value;
			 bool read; /* MOV from CR (intercepted under mmu=shadow only) */ } cr;
		struct { gva_t gva; /* ~0: the CPU did not say (no decode assists) */ } invlpg;
		struct { u64 type; /* the register operand */
			 gva_t desc; /* linear address of the 16-byte descriptor */
			 bool known; /* false: the CPU did not say (SVM without decode assists) */
		} invpcid;     /* mmu=shadow only (hv/core/shadow_exit.c) */
		struct { u16 port; u8 size; bool in; bool string; bool rep; } io;
		struct { u32 msr; bool write; } msr;
		struct { u8 vector; /* SIPI vector, 0 for INIT */ bool sipi; } init;
	} u;
};

struct vendor_ops {
	const char *name;                 /* "vmx" or "svm" */
	int trace_vendor;                 /* HVT_VENDOR_VMX / HVT_VENDOR_SVM */
	/* Check this CPU can run guests. Returns 0, or a negative error with a
	 * one-line reason ("VMX disabled by firmware (IA32_FEATURE_CONTROL
	 * locked)", "SVM without NPT: mmu=shadow still works") in why. */
	int  (*probe)(bool want_tdp, char *why, size_t why_len);
	/* Per physical CPU: VMXON / EFER.SVME and host save area. */
	int  (*cpu_enable)(struct pcpu *pcpu);
	/* Build the VMCS/VMCB for a vCPU in the Multiboot entry state (or the
	 * wait-for-SIPI state for an AP). */
	int  (*vcpu_init)(struct vcpu *vcpu);
	/* Enter the guest and return when it exits, with *exit filled in. */
	int  (*run)(struct vcpu *vcpu, struct exit_info *exit);
	/* Paging: TDP root (EPTP / nCR3), or the shadow root as guest CR3. */
	void (*set_tdp_root)(struct vcpu *vcpu, hpa_t root);
	void (*set_shadow_cr3)(struct vcpu *vcpu, hpa_t root);
	/* Flush this vCPU's guest TLB entries (VPID / ASID); all or one gva. */
	void (*flush_guest_tlb)(struct vcpu *vcpu, bool all, gva_t gva);
	/* Guest state the core needs to read or change. */
	u64  (*get_cr)(struct vcpu *vcpu, int cr);       /* 0, 2, 3, 4; 8 = EFER */
	void (*set_cr)(struct vcpu *vcpu, int cr, u64 value);
	void (*skip_insn)(struct vcpu *vcpu, u8 len);    /* advance RIP past the exiting insn */
	void (*inject_exception)(struct vcpu *vcpu, u8 vector, bool has_error, u32 error, u64 cr2);
	/* Start an AP vCPU at the SIPI vector (real mode CS = vector << 8). */
	void (*sipi)(struct vcpu *vcpu, u8 vector);
	/* Print the raw VMCS/VMCB fields worth seeing in a panic. */
	void (*dump)(struct vcpu *vcpu);
	/* Added for the shared core (hv/core):
	 * Fill the vendor's TDP format into the MMU configuration: format
	 * (MMU_FORMAT_EPT / MMU_FORMAT_X86), levels, ad_enabled, huge_1g. */
	void (*mmu_setup)(struct mmu_config *cfg);
	/* Deliver an external interrupt (emulated LAPIC) at the next entry.
	 * Returns false if the guest cannot take it now (IF=0, interrupt
	 * shadow, an event already pending); the backend then arranges an exit
	 * as soon as it can (reported as EXIT_EXTINT) and the core retries. */
	bool (*inject_interrupt)(struct vcpu *vcpu, u8 vector);
	/* The guest's code size (16, 32 or 64) and CS base, for the MMIO
	 * instruction decoder (hv/core/emulate.c). */
	int  (*code_mode)(struct vcpu *vcpu, u64 *cs_base);
	/* Can the guest run INVPCID under this vCPU's MMU mode (VMX: "enable
	 * INVPCID"; under mmu=shadow it must also exit to hv)? If not, CPUID
	 * hides it (exit.c). NULL = no. */
	bool (*invpcid_ok)(struct vcpu *vcpu);
};

extern const struct vendor_ops vmx_ops;
extern const struct vendor_ops svm_ops;

#endif
