/*
 * vmcb.h: the AMD SVM Virtual Machine Control Block, AMD APM vol 2,
 * appendix B "Layout of VMCB". One 4 KiB page: the control area at 0x000
 * and the state-save area at 0x400. Offsets are pinned by static asserts.
 */
#ifndef HV_SVM_VMCB_H
#define HV_SVM_VMCB_H

#include "include/hvlab/types.h"

/* Table B-1: control area. */
struct vmcb_control {
	u32 intercept_cr;          /* 000: bits 15:0 read CRn, 31:16 write CRn */
	u32 intercept_dr;          /* 004 */
	u32 intercept_exceptions;  /* 008: bit n = exception vector n */
	u32 intercept_misc1;       /* 00C: INTR, NMI, ... (SVM_INTERCEPT1_*) */
	u32 intercept_misc2;       /* 010: VMRUN, VMMCALL, ... (SVM_INTERCEPT2_*) */
	u32 intercept_misc3;       /* 014 */
	u8  reserved1[0x03c - 0x018];
	u16 pause_filter_thresh;   /* 03C */
	u16 pause_filter_count;    /* 03E */
	u64 iopm_base_pa;          /* 040: 12 KiB I/O permission map */
	u64 msrpm_base_pa;         /* 048: 8 KiB MSR permission map */
	u64 tsc_offset;            /* 050 */
	u32 asid;                  /* 058 */
	u8  tlb_control;           /* 05C: SVM_TLB_* */
	u8  reserved2[3];
	u64 int_ctl;               /* 060: V_TPR 7:0, V_IRQ 8, V_INTR_PRIO 19:16,
	                              V_IGN_TPR 20, V_INTR_MASKING 24, V_INTR_VECTOR 39:32 */
	u64 int_state;             /* 068: bit 0 interrupt shadow */
	u64 exit_code;             /* 070 */
	u64 exit_info1;            /* 078 */
	u64 exit_info2;            /* 080 */
	u64 exit_int_info;         /* 088: event being delivered at the exit */
	u64 np_control;            /* 090: bit 0 NP_ENABLE */
	u64 avic_apic_bar;         /* 098 */
	u64 ghcb_pa;               /* 0A0 */
	u64 event_inj;             /* 0A8: vector 7:0, type 10:8, EV 11, V 31, error 63:32 */
	u64 n_cr3;                 /* 0B0: nested page table root */
	u64 virt_ext;              /* 0B8 */
	u32 clean_bits;            /* 0C0 */
	u32 reserved3;
	u64 next_rip;              /* 0C8: nRIP (NRIPS feature) */
	u8  insn_len;              /* 0D0: bytes fetched (decode assists) */
	u8  insn_bytes[15];        /* 0D1 */
	u8  reserved4[0x400 - 0x0e0];
};

/* A segment in the state-save area: attrib packs descriptor bits
 * 47:40 (type, S, DPL, P) into 7:0 and 55:52 (AVL, L, D/B, G) into 11:8. */
struct vmcb_seg {
	u16 selector;
	u16 attrib;
	u32 limit;
	u64 base;
};

/* Table B-2: state-save area (offsets relative to 0x400). */
struct vmcb_save {
	struct vmcb_seg es, cs, ss, ds, fs, gs, gdtr, ldtr, idtr, tr; /* 000-09F */
	u8  reserved1[0x0cb - 0x0a0];
	u8  cpl;                   /* 0CB */
	u32 reserved2;
	u64 efer;                  /* 0D0 */
	u8  reserved3[0x148 - 0x0d8];
	u64 cr4, cr3, cr0, dr7, dr6, rflags, rip;   /* 148-17F */
	u8  reserved4[0x1d8 - 0x180];
	u64 rsp;                   /* 1D8 */
	u64 s_cet, ssp, isst_addr; /* 1E0 */
	u64 rax;                   /* 1F8 */
	u64 star, lstar, cstar, sfmask, kernel_gs_base;   /* 200 */
	u64 sysenter_cs, sysenter_esp, sysenter_eip;      /* 228 */
	u64 cr2;                   /* 240 */
	u8  reserved5[0x268 - 0x248];
	u64 g_pat;                 /* 268 */
	u64 dbgctl;                /* 270 */
	u8  reserved6[0xc00 - 0x278];
};

struct vmcb {
	struct vmcb_control control;
	struct vmcb_save save;
};

_Static_assert(offsetof(struct vmcb_control, iopm_base_pa) == 0x040, "vmcb");
_Static_assert(offsetof(struct vmcb_control, int_ctl) == 0x060, "vmcb");
_Static_assert(offsetof(struct vmcb_control, exit_code) == 0x070, "vmcb");
_Static_assert(offsetof(struct vmcb_control, event_inj) == 0x0a8, "vmcb");
_Static_assert(offsetof(struct vmcb_control, next_rip) == 0x0c8, "vmcb");
_Static_assert(offsetof(struct vmcb, save) == 0x400, "vmcb");
_Static_assert(offsetof(struct vmcb_save, cpl) == 0x0cb, "vmcb");
_Static_assert(offsetof(struct vmcb_save, efer) == 0x0d0, "vmcb");
_Static_assert(offsetof(struct vmcb_save, cr4) == 0x148, "vmcb");
_Static_assert(offsetof(struct vmcb_save, rip) == 0x178, "vmcb");
_Static_assert(offsetof(struct vmcb_save, rsp) == 0x1d8, "vmcb");
_Static_assert(offsetof(struct vmcb_save, rax) == 0x1f8, "vmcb");
_Static_assert(offsetof(struct vmcb_save, cr2) == 0x240, "vmcb");
_Static_assert(offsetof(struct vmcb_save, g_pat) == 0x268, "vmcb");
_Static_assert(sizeof(struct vmcb) == 4096, "vmcb");

/* Intercept vector 3 (offset 00Ch), APM table B-1. */
#define SVM_INTERCEPT1_INTR      BIT(0)
#define SVM_INTERCEPT1_NMI       BIT(1)
#define SVM_INTERCEPT1_SMI       BIT(2)
#define SVM_INTERCEPT1_INIT      BIT(3)
#define SVM_INTERCEPT1_VINTR     BIT(4)
#define SVM_INTERCEPT1_CPUID     BIT(18)
#define SVM_INTERCEPT1_HLT       BIT(24)
#define SVM_INTERCEPT1_INVLPG    BIT(25)
#define SVM_INTERCEPT3_INVPCID   BIT(2)    /* vector 5 (offset 014h), APM 15.9 */
#define SVM_INTERCEPT1_IOIO      BIT(27)
#define SVM_INTERCEPT1_MSR       BIT(28)
#define SVM_INTERCEPT1_SHUTDOWN  BIT(31)
/* Intercept vector 4 (offset 010h). */
#define SVM_INTERCEPT2_VMRUN     BIT(0)    /* required: VMRUN fails without it */
#define SVM_INTERCEPT2_VMMCALL   BIT(1)
#define SVM_INTERCEPT2_VMLOAD    BIT(2)
#define SVM_INTERCEPT2_VMSAVE    BIT(3)
#define SVM_INTERCEPT2_STGI      BIT(4)
#define SVM_INTERCEPT2_CLGI      BIT(5)
#define SVM_INTERCEPT2_SKINIT    BIT(6)

/* TLB_CONTROL (APM 15.16.1). */
#define SVM_TLB_NONE             0
#define SVM_TLB_FLUSH_ALL        1
#define SVM_TLB_FLUSH_ASID       3

#define SVM_INT_CTL_V_IRQ        BIT(8)
#define SVM_INT_CTL_V_IGN_TPR    BIT(20)
#define SVM_INT_CTL_V_INTR_MASKING BIT(24)

/* EVENTINJ / EXITINTINFO (APM 15.20). */
#define SVM_EVT_VALID            BIT(31)
#define SVM_EVT_ERROR_VALID      BIT(11)
#define SVM_EVT_TYPE_INTR        (0u << 8)
#define SVM_EVT_TYPE_EXCEPTION   (3u << 8)

/* Exit codes (APM appendix C). */
#define SVM_EXIT_CR0_WRITE       0x010
#define SVM_EXIT_EXCP_PF         0x04e
#define SVM_EXIT_INTR            0x060
#define SVM_EXIT_NMI             0x061
#define SVM_EXIT_INIT            0x063
#define SVM_EXIT_VINTR           0x064
#define SVM_EXIT_CPUID           0x072
#define SVM_EXIT_HLT             0x078
#define SVM_EXIT_INVLPG          0x079
#define SVM_EXIT_IOIO            0x07b
#define SVM_EXIT_MSR             0x07c
#define SVM_EXIT_SHUTDOWN        0x07f
#define SVM_EXIT_VMMCALL         0x081
#define SVM_EXIT_INVPCID         0x0a2
#define SVM_EXIT_NPF             0x400
#define SVM_EXIT_INVALID         ((u64)-1)

#endif
