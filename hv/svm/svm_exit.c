/*
 * svm_exit.c: turn a #VMEXIT (EXITCODE, EXITINFO1/2 in the VMCB, APM
 * appendix C and 15.7-15.12) into the neutral struct exit_info.
 *
 *   EXITCODE     kind            what we take from EXITINFO1 / EXITINFO2
 *   0x400 NPF    EXIT_NPF        info1 = #PF-style error code, info2 = gpa
 *   0x04E #PF    EXIT_PF         info1 = error code, info2 = faulting gva
 *   0x010-01F    EXIT_CR_WRITE   info1[63] valid, [3:0] GPR (decode assists)
 *   0x000-00F    EXIT_CR_WRITE   with u.cr.read: MOV from CR (mmu=shadow only)
 *   0x079        EXIT_INVLPG     info1 = gva (decode assists)
 *   0x07B IOIO   EXIT_IO         info1: [0] in, [2] string, [3] rep,
 *                                [6:4] size 1/2/4, [31:16] port
 *   0x07C MSR    EXIT_MSR        info1 = 1 write / 0 read, ECX = MSR
 *   0x060 INTR, 0x064 VINTR  -> EXIT_EXTINT; 0x061 NMI -> EXIT_NMI
 *   0x072 CPUID, 0x078 HLT, 0x081 VMMCALL, 0x07F SHUTDOWN: their kinds
 */
#include "hv/svm/svm.h"

/* General register number in EXITINFO1[3:0] (APM order: RAX RCX RDX RBX
 * RSP RBP RSI RDI R8..R15) -> struct guest_regs index. */
static int gpr_index(u64 n)
{
	static const int map[16] = { 0, 2, 3, 1, 7, 6, 4, 5, 8, 9, 10, 11, 12, 13, 14, 15 };
	return map[n & 15];
}

static void decode_io(struct exit_info *e, u64 info1)
{
	e->kind = EXIT_IO;
	e->u.io.in = info1 & BIT(0);
	e->u.io.string = info1 & BIT(2);
	e->u.io.rep = info1 & BIT(3);
	e->u.io.size = (info1 & BIT(4)) ? 1 : (info1 & BIT(5)) ? 2 : 4;
	e->u.io.port = (u16)(info1 >> 16);
}

static void decode_cr(struct vcpu *v, struct exit_info *e, u64 code, u64 info1)
{
	e->kind = EXIT_CR_WRITE;
	e->u.cr.read = code < SVM_EXIT_CR0_WRITE;
	e->u.cr.cr = (int)(code - (e->u.cr.read ? 0 : SVM_EXIT_CR0_WRITE));
	e->u.cr.gpr = (info1 & BIT(63)) ? gpr_index(info1) : -1;
	e->u.cr.value = e->u.cr.gpr >= 0 ? ((u64 *)&v->regs)[e->u.cr.gpr] : 0;
}

void svm_decode_exit(struct vcpu *v, struct exit_info *e)
{
	const struct vmcb_control *c = &vmcb_of(v)->control;
	u64 code = c->exit_code, info1 = c->exit_info1, info2 = c->exit_info2;

	*e = (struct exit_info){ .kind = EXIT_OTHER, .raw_reason = code, .qual = info1,
				 .info2 = info2 };
	if (svm_caps.nrips && c->next_rip > v->regs.rip && c->next_rip - v->regs.rip <= 15)
		e->insn_len = (u8)(c->next_rip - v->regs.rip);
	switch (code) {
	case SVM_EXIT_NPF:
		e->kind = EXIT_NPF;
		e->u.npf.gpa = info2;
		e->u.npf.error = (u32)info1 & 0x1f;
		break;
	case SVM_EXIT_EXCP_PF:
		e->kind = EXIT_PF;
		e->u.pf.gva = info2;
		e->u.pf.error = (u32)info1;
		break;
	case SVM_EXIT_INVPCID:
		/* EXITINFO1 = the descriptor's linear address, EXITINFO2 = the
		 * register operand (the type), with decode assists (APM 15.33). */
		e->kind = EXIT_INVPCID;
		e->u.invpcid.desc = info1;
		e->u.invpcid.type = info2;
		e->u.invpcid.known = svm_caps.decode_assists;
		break;
	case SVM_EXIT_INVLPG:
		e->kind = EXIT_INVLPG;
		/* Without decode assists EXITINFO1 is 0 (QEMU TCG): say "unknown". */
		e->u.invlpg.gva = svm_caps.decode_assists ? info1 : ~0ull;
		break;
	case SVM_EXIT_IOIO:
		decode_io(e, info1);
		e->insn_len = (u8)(info2 - v->regs.rip);   /* EXITINFO2 = next RIP */
		break;
	case SVM_EXIT_MSR:
		e->kind = EXIT_MSR;
		e->u.msr.msr = (u32)v->regs.rcx;
		e->u.msr.write = info1 & 1;
		break;
	case SVM_EXIT_INTR:
	case SVM_EXIT_VINTR: e->kind = EXIT_EXTINT; break;
	case SVM_EXIT_NMI:      e->kind = EXIT_NMI; break;
	case SVM_EXIT_CPUID:    e->kind = EXIT_CPUID; break;
	case SVM_EXIT_HLT:      e->kind = EXIT_HLT; break;
	case SVM_EXIT_VMMCALL:  e->kind = EXIT_HYPERCALL; break;
	case SVM_EXIT_SHUTDOWN: e->kind = EXIT_SHUTDOWN; break;
	default:
		if (code <= SVM_EXIT_CR0_WRITE + 15)   /* CR reads 0x000-0x00F, writes 0x010-0x01F */
			decode_cr(v, e, code, info1);
		break;
	}
}
