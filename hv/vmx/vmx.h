/*
 * vmx.h: the VMX backend's private state, shared by the files of hv/vmx/.
 * The rest of hv sees only vmx_ops (hv/core/vendor.h).
 *
 *   vmx.c       the ops table: run, registers, events, paging hooks
 *   vmx_cpu.c   capabilities (probe) and VMX operation per physical CPU
 *   vmcs.c      building a vCPU's VMCS; dump; VM-instruction errors
 *   vmx_exit.c  decoding a VM exit into the neutral struct exit_info
 *   vmx_ept.c   EPTP, EPT violation error codes, INVEPT / INVVPID
 *   vmx_realmode.c  real mode under mmu=shadow (no unrestricted guest
 *               without EPT): virtual-8086 mode and what it needs emulated
 *   vmx_entry.S the world switch
 */
#ifndef HV_VMX_VMX_H
#define HV_VMX_VMX_H

#include "hv/core/vendor.h"
#include "hv/core/vcpu.h"
#include "hv/vmx/vmcs.h"

/* What this CPU's VMX can do, read once by probe (SDM Vol. 3C, App. A).
 * For each control word: bits in ctl_must are required to be 1 (allowed-0
 * settings), bits outside ctl_may must be 0 (allowed-1 settings). */
struct vmx_caps {
	u32 revision;                 /* VMCS revision identifier (A.1) */
	u32 pin_must, pin_may;
	u32 proc_must, proc_may;
	u32 proc2_must, proc2_may;
	u32 exit_must, exit_may;
	u32 entry_must, entry_may;
	u64 cr0_fixed0, cr0_fixed1;   /* A.7: bits fixed to 1 / allowed to be 1 */
	u64 cr4_fixed0, cr4_fixed1;   /* A.8 */
	u64 ept_vpid;                 /* IA32_VMX_EPT_VPID_CAP (A.10) */
	u64 misc;                     /* IA32_VMX_MISC (A.6) */
	bool ept, unrestricted, vpid, ept_ad;
};
extern struct vmx_caps vmx_caps;

/* Per vCPU (vcpu->arch). Touched only by the vCPU's own physical CPU. */
struct vmx_vcpu {
	struct vcpu *vcpu;
	void *vmcs;                   /* 4 KiB VMCS region (hva == hpa) */
	hpa_t vmcs_hpa;
	int active_cpu;               /* pcpu id whose current VMCS this is, -1 if clear */
	bool launched;                /* VMLAUNCH done since the last VMCLEAR */
	bool shadow;                  /* mmu=shadow: no EPT, CR3 and #PF exits */
	u16 vpid;                     /* 1 + vCPU id (0 is the host's) */
	u64 eptp;                     /* last EPTP written, 0 if none */
	u64 guest_cr2;                /* CR2 is not in the VMCS: saved on exit */
	u64 guest_cr3;                /* mmu=shadow: the guest's own CR3 */
	u64 guest_efer;               /* mmu=shadow: the guest's own EFER (LME as written) */
	bool vm86;                    /* mmu=shadow, guest CR0.PE = 0: runs as virtual-8086
	                                 (vmx_realmode.c) */
};

/* Per physical CPU (pcpu->vendor). */
struct vmx_pcpu {
	void *vmxon_region;
	struct vmx_vcpu *current;     /* VMCS current on this CPU (VMPTRLD) */
};

/* Shared by every vCPU: the I/O and MSR bitmaps (24.6.4, 24.6.9). */
extern hpa_t vmx_io_bitmap_a, vmx_io_bitmap_b, vmx_msr_bitmap;

static inline struct vmx_vcpu *to_vmx(struct vcpu *v)
{
	return (struct vmx_vcpu *)v->arch;
}

/* vmx_cpu.c */
int  vmx_probe(bool want_tdp, char *why, size_t why_len);
int  vmx_cpu_enable(struct pcpu *pcpu);
struct vmx_pcpu *vmx_this_pcpu(void);
/* Make vv's VMCS current on this CPU (VMPTRLD if it is not). */
void vmx_load(struct vmx_vcpu *vv);
/* Adjust a wanted control word to what the CPU allows. */
u32  vmx_adjust(u32 want, u32 must, u32 may);

/* vmcs.c (with vmcs_setup, vmcs_dump in vmcs.h) */
void vmcs_set_host_state(void);
u64  vmx_cr0_host_mask(const struct vmx_vcpu *vv);
u64  vmx_cr4_host_mask(const struct vmx_vcpu *vv);
u64  vmx_real_cr0(const struct vmx_vcpu *vv, u64 guest);   /* CR0 the CPU runs for the guest's */
u64  vmx_real_cr4(const struct vmx_vcpu *vv, u64 guest);

/* vmx_cpu.c: is port passed through to the platform (no exit)? */
bool vmx_io_passthrough(u16 port);

/* vmx_exit.c */
void vmx_decode_exit(struct vmx_vcpu *vv, struct exit_info *e);
const char *vmx_exit_reason_name(u32 reason);

/* vmx_ept.c */
u64  vmx_make_eptp(hpa_t root, bool ad);
u32  vmx_ept_error(u64 qual, bool user);
void vmx_flush_guest_tlb(struct vcpu *v, bool all, gva_t gva);

/* vmx_realmode.c: the VMCS of vv must be current. */
void vmx_rm_enter(struct vmx_vcpu *vv);     /* guest CR0.PE 1 -> 0 (or SIPI) */
void vmx_rm_leave(struct vmx_vcpu *vv);     /* guest CR0.PE 0 -> 1 */
u64  vmx_rm_rflags_in(const struct vmx_vcpu *vv, u64 rflags);   /* guest's -> CPU's */
u64  vmx_rm_rflags_out(const struct vmx_vcpu *vv, u64 rflags);  /* CPU's -> guest's */
/* Deliver vector through the real-mode IVT, pushing ip; false (VM
 * stopping) if the IVT or the stack is not guest RAM. */
bool vmx_rm_deliver(struct vmx_vcpu *vv, u8 vector, u16 ip);
/* An exit in virtual-8086 mode: true if handled (enter again); false to
 * give *e (possibly rewritten: MOV CR, HLT) to the core. */
bool vmx_rm_exit(struct vmx_vcpu *vv, struct exit_info *e);

/* vmx_entry.S */
int  vmx_enter(struct guest_regs *regs, int launched);
void vmx_exit_entry(void);

#endif
