/*
 * vmx_exit.c: turning a VM exit into the neutral struct exit_info that
 * hv/core/exit.c dispatches (SDM Vol. 3C, 27.2 "Recording VM-Exit
 * Information", App. C basic exit reasons).
 *
 * The exit reason is read once; everything else comes from the fields the
 * SDM says that reason fills in. Anything not in the table below becomes
 * EXIT_OTHER with the raw reason, and the core reports it.
 */
#include "hv/vmx/vmx.h"
#include "hv/core/lib.h"
#include "hv/core/panic.h"
#include "hv/core/x86.h"
#include "mmu/mmu.h"

#define VECTOR_PF  14

/* Exit-qualification GPR numbers (Table 27-3) to struct guest_regs order. */
static const s8 sdm_gpr_to_regs[16] = {
	0 /* rax */, 2 /* rcx */, 3 /* rdx */, 1 /* rbx */,
	7 /* rsp */, 6 /* rbp */, 4 /* rsi */, 5 /* rdi */,
	8, 9, 10, 11, 12, 13, 14, 15,
};

static u64 reg_by_index(const struct guest_regs *r, int i)
{
	return ((const u64 *)r)[i];
}

/* Table 27-3: bits 3:0 CR number, 5:4 access type (0 = MOV to CR,
 * 1 = MOV from CR, 2 = CLTS, 3 = LMSW), 11:8 GPR, 31:16 LMSW source. */
static void decode_cr(struct vmx_vcpu *vv, u64 q, struct exit_info *e)
{
	const struct guest_regs *r = &vv->vcpu->regs;
	int type = (q >> 4) & 3;

	e->u.cr.cr = q & 0xf;
	e->u.cr.gpr = -1;
	switch (type) {
	case 0:
		e->kind = EXIT_CR_WRITE;
		e->u.cr.gpr = sdm_gpr_to_regs[(q >> 8) & 0xf];
		e->u.cr.value = reg_by_index(r, e->u.cr.gpr);
		break;
	case 2:                                   /* CLTS: CR0.TS := 0 */
		e->kind = EXIT_CR_WRITE;
		e->u.cr.value = vmcs_read(VMCS_CR0_READ_SHADOW) & ~BIT(3);
		break;
	case 3:                                   /* LMSW: CR0[3:0] := source (PE sticks) */
		e->kind = EXIT_CR_WRITE;
		e->u.cr.value = (vmcs_read(VMCS_CR0_READ_SHADOW) & ~0xeull) |
				((q >> 16) & 0xf);
		break;
	default:                                  /* MOV from CR: handled in vmx.c */
		e->kind = EXIT_OTHER;
		break;
	}
}

/* Table 27-5: bits 2:0 size - 1, 3 direction (1 = IN), 4 string, 5 REP,
 * 6 operand (0 = DX, 1 = immediate), 31:16 port. */
static void decode_io(u64 q, struct exit_info *e)
{
	e->kind = EXIT_IO;
	e->u.io.size = (u8)((q & 7) + 1);
	e->u.io.in = q & BIT(3);
	e->u.io.string = q & BIT(4);
	e->u.io.rep = q & BIT(5);
	e->u.io.port = (u16)(q >> 16);
}

/* The guest's CPL is SS.DPL (SDM Vol. 3A, 5.5; VMX keeps it there, 26.3.1.2). */
static bool guest_user_mode(void)
{
	return ((vmcs_read(VMCS_GUEST_ES_AR + 2 * SEG_SS) >> 5) & 3) == 3;
}

/* Exceptions and NMIs (reason 0): the interruption-information field says
 * which (24.9.2). Only #PF (shadow paging) and NMIs are expected. */
static void decode_exception(struct exit_info *e)
{
	u32 info = (u32)vmcs_read(VMCS_EXIT_INTR_INFO);
	u32 type = info & INTR_TYPE_MASK;
	u8 vector = info & 0xff;

	e->info2 = info;
	if (type == INTR_TYPE_NMI) {
		e->kind = EXIT_NMI;
	} else if (vector == VECTOR_PF) {
		e->kind = EXIT_PF;
		e->u.pf.gva = e->qual;            /* 27.2.1: the faulting linear address */
		e->u.pf.error = (u32)vmcs_read(VMCS_EXIT_INTR_ERROR);
	} else {
		e->kind = EXIT_OTHER;
	}
}

/*
 * INVPCID (exits under mmu=shadow: "INVLPG exiting" with "enable INVPCID",
 * SDM Vol. 3C 25.1.3). The descriptor's address is the memory operand,
 * described by the VM-exit instruction-information field (27.2.5, the
 * INVEPT/INVPCID/INVVPID format) and the displacement in the exit
 * qualification:
 *   1:0 scaling   9:7 address size (0 16-bit, 1 32-bit, 2 64-bit)
 *   17:15 segment   21:18 index reg (22: invalid)   26:23 base reg (27:
 *   invalid)   31:28 reg2, the register operand holding the type.
 * Register numbers are the ModRM order (RAX, RCX, RDX, RBX, RSP, ...).
 */
static void decode_invpcid(struct vmx_vcpu *vv, struct exit_info *e)
{
	static const int to_regs[16] = { 0, 2, 3, 1, 7, 6, 4, 5, 8, 9, 10, 11, 12, 13, 14, 15 };
	const u64 *regs = (const u64 *)&vv->vcpu->regs;
	u32 info = (u32)vmcs_read(VMCS_EXIT_INSN_INFO);
	u32 asize = (info >> 7) & 7, seg = (info >> 15) & 7;
	u64 addr = e->qual;

	if (!(info & BIT(27)))
		addr += regs[to_regs[(info >> 23) & 0xf]];
	if (!(info & BIT(22)))
		addr += regs[to_regs[(info >> 18) & 0xf]] << (info & 3);
	if (asize == 0)
		addr &= 0xffff;
	else if (asize == 1)
		addr &= 0xffffffffull;
	/* Segment bases count outside 64-bit mode (and FS/GS in it). */
	if (asize != 2 || seg == SEG_FS || seg == SEG_GS)
		addr += vmcs_read(VMCS_GUEST_ES_BASE + 2 * seg);
	if (asize != 2)
		addr &= 0xffffffffull;
	e->kind = EXIT_INVPCID;
	e->u.invpcid.desc = addr;
	e->u.invpcid.type = regs[to_regs[(info >> 28) & 0xf]];
	/* The register operand is 64-bit in 64-bit mode, else 32-bit. */
	if (!(vmcs_read(VMCS_GUEST_EFER) & EFER_LMA) ||
	    !(vmcs_read(VMCS_GUEST_ES_AR + 2 * SEG_CS) & BIT(13)))
		e->u.invpcid.type &= 0xffffffffull;
	e->u.invpcid.known = true;
}

void vmx_decode_exit(struct vmx_vcpu *vv, struct exit_info *e)
{
	u32 reason = (u32)vmcs_read(VMCS_EXIT_REASON);

	memset(e, 0, sizeof(*e));
	e->raw_reason = reason;
	e->qual = vmcs_read(VMCS_EXIT_QUALIFICATION);
	e->insn_len = (u8)vmcs_read(VMCS_EXIT_INSN_LEN);
	e->kind = EXIT_OTHER;

	switch (reason & 0xffff) {
	case EXIT_REASON_EXCEPTION_NMI:
		decode_exception(e);
		break;
	case EXIT_REASON_EXTINT:
		e->kind = EXIT_EXTINT;
		break;
	case EXIT_REASON_TRIPLE_FAULT:
		e->kind = EXIT_SHUTDOWN;
		break;
	case EXIT_REASON_INIT:
		e->kind = EXIT_INIT_SIPI;
		break;
	case EXIT_REASON_SIPI:                    /* qualification = SIPI vector (27.2.1) */
		e->kind = EXIT_INIT_SIPI;
		e->u.init.sipi = true;
		e->u.init.vector = (u8)e->qual;
		break;
	case EXIT_REASON_CPUID:
		e->kind = EXIT_CPUID;
		break;
	case EXIT_REASON_HLT:
		e->kind = EXIT_HLT;
		break;
	case EXIT_REASON_INVLPG:                  /* qualification = linear address */
		e->kind = EXIT_INVLPG;
		e->u.invlpg.gva = e->qual;
		break;
	case EXIT_REASON_VMCALL:
		e->kind = EXIT_HYPERCALL;
		break;
	case EXIT_REASON_CR_ACCESS:
		decode_cr(vv, e->qual, e);
		break;
	case EXIT_REASON_IO:
		decode_io(e->qual, e);
		break;
	case EXIT_REASON_RDMSR:
	case EXIT_REASON_WRMSR:
		e->kind = EXIT_MSR;
		e->u.msr.msr = (u32)vv->vcpu->regs.rcx;
		e->u.msr.write = (reason & 0xffff) == EXIT_REASON_WRMSR;
		break;
	case EXIT_REASON_EPT_VIOLATION:
		e->kind = EXIT_NPF;
		e->u.npf.gpa = vmcs_read(VMCS_GUEST_PHYS_ADDR);
		e->u.npf.error = vmx_ept_error(e->qual, guest_user_mode());
		if (e->qual & BIT(7))             /* guest-linear address valid */
			e->info2 = vmcs_read(VMCS_GUEST_LINEAR_ADDR);
		break;
	case EXIT_REASON_EPT_MISCONFIG:           /* no qualification (27.2.1) */
		e->kind = EXIT_NPF;
		e->u.npf.gpa = vmcs_read(VMCS_GUEST_PHYS_ADDR);
		e->u.npf.error = MMU_PF_MISCONFIG;
		break;
	case EXIT_REASON_INVPCID:
		decode_invpcid(vv, e);
		break;
	default:
		break;
	}
}

/* Appendix C, for messages. */
const char *vmx_exit_reason_name(u32 reason)
{
	static const char *const names[] = {
		[0] = "exception or NMI", [1] = "external interrupt", [2] = "triple fault",
		[3] = "INIT", [4] = "SIPI", [7] = "interrupt window", [8] = "NMI window",
		[9] = "task switch", [10] = "CPUID", [12] = "HLT", [13] = "INVD",
		[14] = "INVLPG", [15] = "RDPMC", [16] = "RDTSC", [18] = "VMCALL",
		[19] = "VMCLEAR", [20] = "VMLAUNCH", [21] = "VMPTRLD", [22] = "VMPTRST",
		[23] = "VMREAD", [24] = "VMRESUME", [25] = "VMWRITE", [26] = "VMXOFF",
		[27] = "VMXON", [28] = "control-register access", [29] = "MOV DR",
		[30] = "I/O instruction", [31] = "RDMSR", [32] = "WRMSR",
		[33] = "VM-entry failure: invalid guest state",
		[34] = "VM-entry failure: MSR loading", [36] = "MWAIT",
		[37] = "monitor trap flag", [39] = "MONITOR", [40] = "PAUSE",
		[41] = "VM-entry failure: machine-check event", [43] = "TPR below threshold",
		[44] = "APIC access", [46] = "GDTR/IDTR access", [47] = "LDTR/TR access",
		[48] = "EPT violation", [49] = "EPT misconfiguration", [50] = "INVEPT",
		[51] = "RDTSCP", [52] = "VMX-preemption timer expired", [53] = "INVVPID",
		[54] = "WBINVD", [55] = "XSETBV", [58] = "INVPCID",
	};
	reason &= 0xffff;
	if (reason < ARRAY_SIZE(names) && names[reason])
		return names[reason];
	return "unknown exit reason";
}
