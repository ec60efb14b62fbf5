/*
 * vmcs.h: the Virtual-Machine Control Structure as hv/vmx uses it: field
 * encodings, control bits, capability MSRs and the VMX instructions.
 *
 * Section numbers are from the Intel SDM, Vol. 3C (the 2016-2019 editions:
 * ch. 24 VMCS, 26 VM entries, 27 VM exits, 28 EPT, 30 VMX instructions,
 * Appendix A capability MSRs, Appendix B field encodings, Appendix C exit
 * reasons). Later editions number these chapters one higher.
 *
 * A field encoding (App. B) is a 32-bit value:
 *
 *   14:13 width    (0 = 16-bit, 1 = 64-bit, 2 = 32-bit, 3 = natural width)
 *   11:10 type     (0 = control, 1 = exit information, 2 = guest, 3 = host)
 *    9:1  index
 *      0  access   (1 = high half of a 64-bit field; never used here)
 */
#ifndef HV_VMX_VMCS_H
#define HV_VMX_VMCS_H

#include "include/hvlab/types.h"

/* ---- 16-bit fields (B.1) ---- */
#define VMCS_VPID                   0x0000
#define VMCS_GUEST_ES_SEL           0x0800   /* ES CS SS DS FS GS LDTR TR: +2 each */
#define VMCS_GUEST_CS_SEL           0x0802
#define VMCS_GUEST_SS_SEL           0x0804
#define VMCS_GUEST_DS_SEL           0x0806
#define VMCS_GUEST_FS_SEL           0x0808
#define VMCS_GUEST_GS_SEL           0x080a
#define VMCS_GUEST_LDTR_SEL         0x080c
#define VMCS_GUEST_TR_SEL           0x080e
#define VMCS_HOST_ES_SEL            0x0c00
#define VMCS_HOST_CS_SEL            0x0c02
#define VMCS_HOST_SS_SEL            0x0c04
#define VMCS_HOST_DS_SEL            0x0c06
#define VMCS_HOST_FS_SEL            0x0c08
#define VMCS_HOST_GS_SEL            0x0c0a
#define VMCS_HOST_TR_SEL            0x0c0c

/* ---- 64-bit fields (B.2) ---- */
#define VMCS_IO_BITMAP_A            0x2000   /* ports 0x0000-0x7fff */
#define VMCS_IO_BITMAP_B            0x2002   /* ports 0x8000-0xffff */
#define VMCS_MSR_BITMAP             0x2004
#define VMCS_EXIT_MSR_STORE_ADDR    0x2006
#define VMCS_EXIT_MSR_LOAD_ADDR     0x2008
#define VMCS_ENTRY_MSR_LOAD_ADDR    0x200a
#define VMCS_TSC_OFFSET             0x2010
#define VMCS_EPTP                   0x201a
#define VMCS_GUEST_PHYS_ADDR        0x2400   /* read-only: EPT violation/misconfig gpa */
#define VMCS_LINK_POINTER           0x2800
#define VMCS_GUEST_DEBUGCTL         0x2802
#define VMCS_GUEST_PAT              0x2804
#define VMCS_GUEST_EFER             0x2806
#define VMCS_GUEST_PDPTE0           0x280a
#define VMCS_HOST_PAT               0x2c00
#define VMCS_HOST_EFER              0x2c02

/* ---- 32-bit fields (B.3) ---- */
#define VMCS_PIN_CTLS               0x4000
#define VMCS_PROC_CTLS              0x4002
#define VMCS_EXCEPTION_BITMAP       0x4004
#define VMCS_PF_ERROR_MASK          0x4006
#define VMCS_PF_ERROR_MATCH         0x4008
#define VMCS_CR3_TARGET_COUNT       0x400a
#define VMCS_EXIT_CTLS              0x400c
#define VMCS_EXIT_MSR_STORE_COUNT   0x400e
#define VMCS_EXIT_MSR_LOAD_COUNT    0x4010
#define VMCS_ENTRY_CTLS             0x4012
#define VMCS_ENTRY_MSR_LOAD_COUNT   0x4014
#define VMCS_ENTRY_INTR_INFO        0x4016
#define VMCS_ENTRY_EXCEPTION_ERROR  0x4018
#define VMCS_ENTRY_INSN_LEN         0x401a
#define VMCS_TPR_THRESHOLD          0x401c
#define VMCS_PROC_CTLS2             0x401e
#define VMCS_INSN_ERROR             0x4400   /* read-only from here to 0x440e */
#define VMCS_EXIT_REASON            0x4402
#define VMCS_EXIT_INTR_INFO         0x4404
#define VMCS_EXIT_INTR_ERROR        0x4406
#define VMCS_IDT_VECTORING_INFO     0x4408
#define VMCS_IDT_VECTORING_ERROR    0x440a
#define VMCS_EXIT_INSN_LEN          0x440c
#define VMCS_EXIT_INSN_INFO         0x440e
#define VMCS_GUEST_ES_LIMIT         0x4800   /* ES..TR +2 each, then GDTR, IDTR */
#define VMCS_GUEST_GDTR_LIMIT       0x4810
#define VMCS_GUEST_IDTR_LIMIT       0x4812
#define VMCS_GUEST_ES_AR            0x4814   /* ES..TR +2 each */
#define VMCS_GUEST_INTERRUPTIBILITY 0x4824
#define VMCS_GUEST_ACTIVITY_STATE   0x4826
#define VMCS_GUEST_SYSENTER_CS      0x482a
#define VMCS_PREEMPTION_TIMER       0x482e
#define VMCS_HOST_SYSENTER_CS       0x4c00

/* ---- natural-width fields (B.4) ---- */
#define VMCS_CR0_GUEST_HOST_MASK    0x6000
#define VMCS_CR4_GUEST_HOST_MASK    0x6002
#define VMCS_CR0_READ_SHADOW        0x6004
#define VMCS_CR4_READ_SHADOW        0x6006
#define VMCS_EXIT_QUALIFICATION     0x6400
#define VMCS_GUEST_LINEAR_ADDR      0x640a
#define VMCS_GUEST_CR0              0x6800
#define VMCS_GUEST_CR3              0x6802
#define VMCS_GUEST_CR4              0x6804
#define VMCS_GUEST_ES_BASE          0x6806   /* ES..TR +2 each, then GDTR, IDTR */
#define VMCS_GUEST_GDTR_BASE        0x6816
#define VMCS_GUEST_IDTR_BASE        0x6818
#define VMCS_GUEST_DR7              0x681a
#define VMCS_GUEST_RSP              0x681c
#define VMCS_GUEST_RIP              0x681e
#define VMCS_GUEST_RFLAGS           0x6820
#define VMCS_GUEST_PENDING_DBG      0x6822
#define VMCS_GUEST_SYSENTER_ESP     0x6824
#define VMCS_GUEST_SYSENTER_EIP     0x6826
#define VMCS_HOST_CR0               0x6c00
#define VMCS_HOST_CR3               0x6c02
#define VMCS_HOST_CR4               0x6c04
#define VMCS_HOST_FS_BASE           0x6c06
#define VMCS_HOST_GS_BASE           0x6c08
#define VMCS_HOST_TR_BASE           0x6c0a
#define VMCS_HOST_GDTR_BASE         0x6c0c
#define VMCS_HOST_IDTR_BASE         0x6c0e
#define VMCS_HOST_SYSENTER_ESP      0x6c10
#define VMCS_HOST_SYSENTER_EIP      0x6c12
#define VMCS_HOST_RSP               0x6c14
#define VMCS_HOST_RIP               0x6c16

/* Segment registers in VMCS order: field = base + 2 * seg (B.1.2, B.3.3, B.4.3). */
enum vmx_seg { SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS, SEG_LDTR, SEG_TR, SEG_NR };

/* ---- capability MSRs (App. A) ---- */
#define MSR_IA32_FEATURE_CONTROL    0x03a
#define   FEATURE_CONTROL_LOCK        BIT(0)
#define   FEATURE_CONTROL_VMX_OUTSIDE_SMX BIT(2)
#define MSR_IA32_PAT                0x277
#define MSR_IA32_VMX_BASIC          0x480   /* 30:0 revision id; 55 TRUE_* MSRs exist */
#define   VMX_BASIC_TRUE_CTLS         BIT(55)
#define MSR_IA32_VMX_PINBASED_CTLS  0x481
#define MSR_IA32_VMX_PROCBASED_CTLS 0x482
#define MSR_IA32_VMX_EXIT_CTLS      0x483
#define MSR_IA32_VMX_ENTRY_CTLS     0x484
#define MSR_IA32_VMX_MISC           0x485   /* bit 8: wait-for-SIPI activity state */
#define   VMX_MISC_WAIT_FOR_SIPI      BIT(8)
#define   VMX_MISC_TIMER_RATE         0x1f    /* preemption timer ticks every 2^N TSC */
#define MSR_IA32_VMX_CR0_FIXED0     0x486
#define MSR_IA32_VMX_CR0_FIXED1     0x487
#define MSR_IA32_VMX_CR4_FIXED0     0x488
#define MSR_IA32_VMX_CR4_FIXED1     0x489
#define MSR_IA32_VMX_PROCBASED_CTLS2 0x48b
#define MSR_IA32_VMX_EPT_VPID_CAP   0x48c
#define MSR_IA32_VMX_TRUE_PINBASED  0x48d
#define MSR_IA32_VMX_TRUE_PROCBASED 0x48e
#define MSR_IA32_VMX_TRUE_EXIT      0x48f
#define MSR_IA32_VMX_TRUE_ENTRY     0x490

/* IA32_VMX_EPT_VPID_CAP bits (A.10). */
#define EPT_CAP_WALK_4              BIT(6)
#define EPT_CAP_WB                  BIT(14)
#define EPT_CAP_1G                  BIT(17)
#define EPT_CAP_INVEPT              BIT(20)
#define EPT_CAP_AD                  BIT(21)
#define EPT_CAP_INVEPT_SINGLE       BIT(25)
#define EPT_CAP_INVEPT_ALL          BIT(26)
#define VPID_CAP_INVVPID            BIT(32)
#define VPID_CAP_INVVPID_ADDR       BIT(40)
#define VPID_CAP_INVVPID_SINGLE     BIT(41)
#define VPID_CAP_INVVPID_ALL        BIT(42)

/* ---- execution controls (24.6) ---- */
#define PIN_EXTINT_EXITING          BIT(0)
#define PIN_NMI_EXITING             BIT(3)
#define PIN_VIRTUAL_NMIS            BIT(5)
#define PIN_PREEMPTION_TIMER        BIT(6)

#define PROC_HLT_EXITING            BIT(7)
#define PROC_INVLPG_EXITING         BIT(9)
#define PROC_CR3_LOAD_EXITING       BIT(15)
#define PROC_CR3_STORE_EXITING      BIT(16)
#define PROC_UNCOND_IO_EXITING      BIT(24)
#define PROC_USE_IO_BITMAPS         BIT(25)
#define PROC_USE_MSR_BITMAPS        BIT(28)
#define PROC_SECONDARY_CTLS         BIT(31)

#define PROC2_ENABLE_EPT            BIT(1)
#define PROC2_ENABLE_RDTSCP         BIT(3)
#define PROC2_ENABLE_VPID           BIT(5)
#define PROC2_UNRESTRICTED_GUEST    BIT(7)
#define PROC2_ENABLE_INVPCID        BIT(12)

/* ---- exit and entry controls (24.7.1, 24.8.1) ---- */
#define EXIT_SAVE_DEBUG_CTLS        BIT(2)
#define EXIT_HOST_ADDR_SPACE_SIZE   BIT(9)   /* host is in 64-bit mode */
#define EXIT_ACK_INTR_ON_EXIT       BIT(15)
#define EXIT_SAVE_PAT               BIT(18)
#define EXIT_LOAD_PAT               BIT(19)
#define EXIT_SAVE_EFER              BIT(20)
#define EXIT_LOAD_EFER              BIT(21)

#define ENTRY_LOAD_DEBUG_CTLS       BIT(2)
#define ENTRY_IA32E_MODE_GUEST      BIT(9)
#define ENTRY_LOAD_PAT              BIT(14)
#define ENTRY_LOAD_EFER             BIT(15)

/* ---- event injection / exit interruption information (24.8.3, 24.9.2) ---- */
#define INTR_INFO_VALID             BIT(31)
#define INTR_INFO_DELIVER_ERROR     BIT(11)
#define INTR_TYPE_EXTINT            (0u << 8)
#define INTR_TYPE_NMI               (2u << 8)
#define INTR_TYPE_HW_EXCEPTION      (3u << 8)
#define INTR_TYPE_SW_EXCEPTION      (6u << 8)   /* INT3, INTO */
#define INTR_TYPE_MASK              (7u << 8)

/* Guest activity states (24.4.2). */
#define ACTIVITY_ACTIVE             0
#define ACTIVITY_HLT                1
#define ACTIVITY_SHUTDOWN           2
#define ACTIVITY_WAIT_FOR_SIPI      3

/* Basic exit reasons (App. C). Bit 31 of the exit reason: VM-entry failure. */
#define EXIT_REASON_EXCEPTION_NMI    0
#define EXIT_REASON_EXTINT           1
#define EXIT_REASON_TRIPLE_FAULT     2
#define EXIT_REASON_INIT             3
#define EXIT_REASON_SIPI             4
#define EXIT_REASON_CPUID           10
#define EXIT_REASON_HLT             12
#define EXIT_REASON_INVLPG          14
#define EXIT_REASON_VMCALL          18
#define EXIT_REASON_CR_ACCESS       28
#define EXIT_REASON_IO              30
#define EXIT_REASON_RDMSR           31
#define EXIT_REASON_WRMSR           32
#define EXIT_REASON_INVALID_GUEST   33
#define EXIT_REASON_MSR_LOADING     34
#define EXIT_REASON_MCE_DURING_ENTRY 41
#define EXIT_REASON_EPT_VIOLATION   48
#define EXIT_REASON_EPT_MISCONFIG   49
#define EXIT_REASON_PREEMPTION_TIMER 52
#define EXIT_REASON_INVPCID         58
#define EXIT_REASON_ENTRY_FAILURE   BIT(31)

/* ---- the VMX instructions (ch. 30) ----
 * Each reports VMfailInvalid in CF and VMfailValid in ZF (30.2); the
 * wrappers return 0 on success and -1 on either failure. */
static inline int vmx_check(u8 cf, u8 zf) { return (cf | zf) ? -1 : 0; }

static inline int vmxon(hpa_t region)
{
	u8 cf, zf;
	__asm__ volatile("vmxon %2; setc %0; setz %1"
			 : "=qm"(cf), "=qm"(zf) : "m"(region) : "cc", "memory");
	return vmx_check(cf, zf);
}

static inline int vmclear(hpa_t vmcs)
{
	u8 cf, zf;
	__asm__ volatile("vmclear %2; setc %0; setz %1"
			 : "=qm"(cf), "=qm"(zf) : "m"(vmcs) : "cc", "memory");
	return vmx_check(cf, zf);
}

static inline int vmptrld(hpa_t vmcs)
{
	u8 cf, zf;
	__asm__ volatile("vmptrld %2; setc %0; setz %1"
			 : "=qm"(cf), "=qm"(zf) : "m"(vmcs) : "cc", "memory");
	return vmx_check(cf, zf);
}

static inline u64 vmcs_read(u32 field)
{
	u64 v;
	__asm__ volatile("vmread %1, %0" : "=r"(v) : "r"((u64)field) : "cc");
	return v;
}

static inline int vmcs_write(u32 field, u64 v)
{
	u8 cf, zf;
	__asm__ volatile("vmwrite %2, %3; setc %0; setz %1"
			 : "=qm"(cf), "=qm"(zf) : "r"(v), "r"((u64)field) : "cc");
	return vmx_check(cf, zf);
}

/* INVEPT / INVVPID take a type in a register and a 128-bit descriptor in
 * memory (30.3). */
#define INVEPT_SINGLE_CONTEXT   1
#define INVEPT_ALL_CONTEXT      2
#define INVVPID_ADDRESS         0
#define INVVPID_SINGLE_CONTEXT  1
#define INVVPID_ALL_CONTEXT     2

static inline int invept(u64 type, u64 eptp)
{
	struct { u64 eptp, zero; } desc = { eptp, 0 };
	u8 cf, zf;
	__asm__ volatile("invept %2, %3; setc %0; setz %1"
			 : "=qm"(cf), "=qm"(zf) : "m"(desc), "r"(type) : "cc", "memory");
	return vmx_check(cf, zf);
}

static inline int invvpid(u64 type, u16 vpid, gva_t gva)
{
	struct { u64 vpid, gva; } desc = { vpid, gva };
	u8 cf, zf;
	__asm__ volatile("invvpid %2, %3; setc %0; setz %1"
			 : "=qm"(cf), "=qm"(zf) : "m"(desc), "r"(type) : "cc", "memory");
	return vmx_check(cf, zf);
}

/* The VMCS and its host/guest setup (vmcs.c). */
struct vmx_vcpu;
int  vmcs_setup(struct vmx_vcpu *vv, bool is_ap);
void vmcs_dump(void);
const char *vmx_insn_error_string(u32 error);

#endif
