/*
 * vmx_realmode.c: real mode under mmu=shadow on VMX, run as virtual-8086
 * mode (SDM Vol. 3A, ch. 20 "8086 Emulation"; Vol. 3C 26.3.1.2).
 *
 * Why: an AP starts in real mode after INIT-SIPI-SIPI (CS = vector << 8,
 * base vector << 12, IP 0). VMX runs a guest with CR0.PE = 0 only with
 * "unrestricted guest", and that control needs "enable EPT" (26.2.1.1),
 * which mmu=shadow does not use. SVM has "paged real mode" for this
 * (svm_sipi); VMX does not. Running the real-mode code as 16-bit protected
 * mode is wrong at the first segment load: MOV DS, AX with AX = 0 loads a
 * null selector, and the next DS access raises #GP (with the guest's
 * IDT not set up: a triple fault at the trampoline's 7th byte).
 *
 * Virtual-8086 mode computes addresses as real mode does (base = selector
 * << 4, limit 64 KiB), on the shadow direct root (guest paging off; the
 * direct SPTEs allow user access, so CPL 3 is no obstacle). What differs:
 *
 *   privileged instructions (MOV CR, LGDT, LIDT, HLT, ...) raise #GP at
 *        CPL 3: the #GP is intercepted while in this mode and the
 *        instruction emulated here (LGDT/LIDT) or handed to the core as
 *        the exit it would have been on hardware (MOV CR, HLT);
 *   CLI/STI/PUSHF/POPF/IRET need IOPL 3 not to fault: the CPU runs the
 *        guest with IOPL 3, hv hides it (the guest sees IOPL 0);
 *   events go through the protected-mode IDT: every exception is
 *        intercepted, and an event for the guest (injected interrupt or
 *        exception, INT n) is delivered here through the real-mode IVT.
 *        So an event the CPU was delivering when it exited (INT n: #GP on
 *        the IVT read as gates) is never re-injected (vmx.c prepare_entry).
 *
 * Entering the mode (guest CR0.PE = 0, vmx_set_cr) rebuilds every segment
 * from its selector; leaving it (CR0.PE = 1) keeps selector, base and limit
 * as real 16-bit protected-mode segments with DPL 0, as the CPU's segment
 * caches keep them until the next load. Limits of this model: "unreal
 * mode" (PE set, a segment loaded, PE cleared) is lost (bases are rebuilt
 * from the selectors), and a real-mode selector's low two bits are
 * dropped on leaving (VM entry requires CS.RPL = SS.RPL; KVM does the same).
 *
 *   IN and OUT are checked against the TSS's I/O permission bitmap in
 *        virtual-8086 mode whatever the IOPL (SDM Vol. 1 19.5.2), before
 *        any VM exit (Vol. 3C 25.1.1); hv's TSS has none, so they raise
 *        #GP too. A port the VMCS passes through (vmx_io_passthrough) is
 *        accessed here, as the CPU would have done; any other becomes the
 *        I/O exit it would have been (hv/core/io.c). INS/OUTS are not
 *        emulated (the VM stops with a message).
 */
#include "hv/vmx/vmx.h"
#include "hv/core/guestmem.h"
#include "hv/core/lib.h"
#include "hv/core/panic.h"
#include "hv/core/vm.h"
#include "hv/core/x86.h"

#define RFLAGS_TF    BIT(8)
#define RFLAGS_IF    BIT(9)
#define RFLAGS_IOPL  (3ull << 12)
#define RFLAGS_VM    BIT(17)
#define RFLAGS_AC    BIT(18)
#define VEC_GP       13
#define VEC_PF       14
#define AR_V86       0xf3    /* P, DPL 3, S, type 3: what 26.3.1.2 requires in v8086 */
#define AR_CODE16    0x9b    /* after CR0.PE = 1: DPL 0, execute/read, accessed */
#define AR_DATA16    0x93    /* read/write, accessed */

static void vw(u32 field, u64 value)
{
	if (vmcs_write(field, value))
		panic("vmx: VMWRITE of field 0x%x = 0x%lx failed (VM-instruction error %lu)",
		      field, value, vmcs_read(VMCS_INSN_ERROR));
}

static u64 seg_base(enum vmx_seg s) { return vmcs_read(VMCS_GUEST_ES_BASE + 2 * s); }

static void load_real_seg(enum vmx_seg s, u16 sel)
{
	vw(VMCS_GUEST_ES_SEL + 2 * s, sel);
	vw(VMCS_GUEST_ES_BASE + 2 * s, (u64)sel << 4);
}

void vmx_rm_enter(struct vmx_vcpu *vv)
{
	for (enum vmx_seg s = SEG_ES; s <= SEG_GS; s++) {
		load_real_seg(s, (u16)vmcs_read(VMCS_GUEST_ES_SEL + 2 * s));
		vw(VMCS_GUEST_ES_LIMIT + 2 * s, 0xffff);
		vw(VMCS_GUEST_ES_AR + 2 * s, AR_V86);
	}
	vw(VMCS_EXCEPTION_BITMAP, ~0ull);   /* no event may reach the PM IDT */
	vv->vm86 = true;
}

void vmx_rm_leave(struct vmx_vcpu *vv)
{
	for (enum vmx_seg s = SEG_ES; s <= SEG_GS; s++) {
		u16 sel = (u16)vmcs_read(VMCS_GUEST_ES_SEL + 2 * s);
		vw(VMCS_GUEST_ES_SEL + 2 * s, sel & ~3u);
		vw(VMCS_GUEST_ES_AR + 2 * s, s == SEG_CS ? AR_CODE16 : AR_DATA16);
	}
	vw(VMCS_EXCEPTION_BITMAP, BIT(VEC_PF));
	vv->vm86 = false;
}

u64 vmx_rm_rflags_in(const struct vmx_vcpu *vv, u64 rflags)
{
	return vv->vm86 ? (rflags | RFLAGS_VM | RFLAGS_IOPL) : rflags;
}

u64 vmx_rm_rflags_out(const struct vmx_vcpu *vv, u64 rflags)
{
	return vv->vm86 ? (rflags & ~(RFLAGS_VM | RFLAGS_IOPL)) : rflags;
}

/* Real-mode event delivery (SDM Vol. 3A, 20.1.4): push FLAGS, CS, IP on
 * SS:SP, clear IF, TF and AC, continue at the IVT's CS:IP for the vector.
 * The IVT is at the IDTR base (0 after reset; LIDT moves it). ip is what
 * is pushed: the faulting instruction for a fault, the next one for INT n
 * or an interrupt. Guest paging is off: linear = gpa. */
bool vmx_rm_deliver(struct vmx_vcpu *vv, u8 vector, u16 ip)
{
	struct vcpu *v = vv->vcpu;
	u16 frame[3] = { ip, (u16)vmcs_read(VMCS_GUEST_CS_SEL), (u16)v->regs.rflags };
	u16 sp = (u16)(v->regs.rsp - sizeof(frame));
	u16 ivt[2];
	u64 ss = seg_base(SEG_SS);
	u64 idt = vmcs_read(VMCS_GUEST_IDTR_BASE);

	if ((u32)vector * 4 + 3 > vmcs_read(VMCS_GUEST_IDTR_LIMIT)) {
		vm_stop(v->vm, HV_STATUS_VM_ERROR, "vCPU %d: vector %u is beyond the real-mode "
			"IDTR limit 0x%lx (a shutdown on hardware)", v->id, vector,
			vmcs_read(VMCS_GUEST_IDTR_LIMIT));
		return false;
	}
	if (guest_read(v->vm, ivt, (idt + (u64)vector * 4) & 0xffffffffull, sizeof(ivt)) ||
	    (sp > 0xffff - sizeof(frame)) ||
	    guest_write(v->vm, (ss + sp) & 0xffffffffull, frame, sizeof(frame))) {
		vm_stop(v->vm, HV_STATUS_VM_ERROR,
			"vCPU %d: cannot deliver vector %u in real mode: its IVT entry or the "
			"stack (SS:SP 0x%lx:0x%lx) is not in guest RAM or SP wraps",
			v->id, vector, ss >> 4, v->regs.rsp & 0xffff);
		return false;
	}
	v->regs.rsp = (v->regs.rsp & ~0xffffull) | sp;
	v->regs.rflags &= ~(RFLAGS_IF | RFLAGS_TF | RFLAGS_AC);
	v->regs.rip = ivt[0];
	load_real_seg(SEG_CS, ivt[1]);
	return true;
}

/* ModRM register numbers to struct guest_regs order. */
static const int to_regs[8] = { 0, 2, 3, 1, 7, 6, 4, 5 };

struct rm_insn {
	const u8 *b;
	int i;                 /* next byte */
	bool op32, addr32;
	int seg;               /* override, -1 if none */
};

/* The effective address of a memory ModRM operand (SDM Vol. 2A, tables
 * 2-1 and 2-2; no SIB). Returns false for a form not decoded here. */
static bool modrm_linear(struct vcpu *v, struct rm_insn *in, u8 modrm, u64 *linear)
{
	const u64 *r = (const u64 *)&v->regs;
	int mod = modrm >> 6, rm = modrm & 7;
	int seg = SEG_DS;
	u64 ea = 0;

	if (!in->addr32) {
		static const int base16[8][2] = {
			{ 1, 4 }, { 1, 5 }, { 6, 4 }, { 6, 5 }, { 4, -1 }, { 5, -1 }, { 6, -1 }, { 1, -1 },
		};  /* bx+si, bx+di, bp+si, bp+di, si, di, bp, bx */
		if (mod == 0 && rm == 6) {
			ea = (u16)(in->b[in->i] | in->b[in->i + 1] << 8);
			in->i += 2;
		} else {
			ea = r[base16[rm][0]] + (base16[rm][1] >= 0 ? r[base16[rm][1]] : 0);
			if (base16[rm][0] == 6)
				seg = SEG_SS;
		}
		if (mod == 1)
			ea += (u64)(s64)(s8)in->b[in->i++];
		else if (mod == 2) {
			ea += (u16)(in->b[in->i] | in->b[in->i + 1] << 8);
			in->i += 2;
		}
		ea &= 0xffff;
	} else {
		if (rm == 4)
			return false;                   /* SIB */
		if (mod == 0 && rm == 5) {
			ea = (u32)(in->b[in->i] | in->b[in->i + 1] << 8 | in->b[in->i + 2] << 16 |
				   (u32)in->b[in->i + 3] << 24);
			in->i += 4;
		} else {
			ea = r[to_regs[rm]];
			if (rm == 5)
				seg = SEG_SS;
		}
		if (mod == 1)
			ea += (u64)(s64)(s8)in->b[in->i++];
		else if (mod == 2) {
			ea += (u32)(in->b[in->i] | in->b[in->i + 1] << 8 | in->b[in->i + 2] << 16 |
				    (u32)in->b[in->i + 3] << 24);
			in->i += 4;
		}
		ea &= 0xffffffffull;
	}
	if (in->seg >= 0)
		seg = in->seg;
	*linear = (seg_base(seg) + ea) & 0xffffffffull;
	return true;
}

/* LGDT / LIDT m16&32 (0F 01 /2, /3): a 16-bit operand size keeps 24 bits
 * of the base. */
static bool emulate_lxdt(struct vcpu *v, struct rm_insn *in, u8 modrm)
{
	struct __attribute__((packed)) { u16 limit; u32 base; } d;
	bool idt = ((modrm >> 3) & 7) == 3;
	u64 linear;

	if (!modrm_linear(v, in, modrm, &linear))
		return false;
	if (guest_read(v->vm, &d, linear, sizeof(d))) {
		vm_stop(v->vm, HV_STATUS_VM_ERROR, "vCPU %d: the LGDT/LIDT operand at 0x%lx is not in guest RAM",
			v->id, linear);
		return true;
	}
	vw(idt ? VMCS_GUEST_IDTR_LIMIT : VMCS_GUEST_GDTR_LIMIT, d.limit);
	vw(idt ? VMCS_GUEST_IDTR_BASE : VMCS_GUEST_GDTR_BASE, in->op32 ? d.base : (d.base & 0xffffff));
	v->regs.rip += (u64)in->i;
	return true;
}

/*
 * IN / OUT (opcode E4-E7 with an imm8 port, EC-EF with the port in DX; bit
 * 1 set = OUT, bit 0 set = 16 or 32 bits). A passed-through port is
 * accessed now and the guest re-enters (true); any other is handed to the
 * core as the I/O exit (false, *e rewritten).
 */
static bool port_io(struct vcpu *v, struct rm_insn *in, u8 op, struct exit_info *e)
{
	u16 port = (op & 8) ? (u16)v->regs.rdx : in->b[in->i++];
	u8 size = !(op & 1) ? 1 : in->op32 ? 4 : 2;
	bool is_in = !(op & 2);

	if (!vmx_io_passthrough(port)) {
		e->kind = EXIT_IO;
		e->u.io.port = port;
		e->u.io.size = size;
		e->u.io.in = is_in;
		e->u.io.string = e->u.io.rep = false;
		e->insn_len = (u8)in->i;
		return false;
	}
	if (is_in) {
		u32 val = size == 1 ? inb(port) : size == 2 ? inw(port) : inl(port);
		u64 mask = size == 4 ? 0xffffffffull : size == 2 ? 0xffffull : 0xffull;
		v->regs.rax = (size == 4 ? 0 : v->regs.rax & ~mask) | val;
	} else if (size == 1) {
		outb(port, (u8)v->regs.rax);
	} else if (size == 2) {
		outw(port, (u16)v->regs.rax);
	} else {
		outl(port, (u32)v->regs.rax);
	}
	v->regs.rip += (u64)in->i;
	return true;
}

/*
 * The #GP of a privileged instruction (or of IN/OUT, above) in v8086 mode.
 * Returns true if done here (the guest re-enters), false with *e turned
 * into the exit hardware would have made (MOV CR, HLT, I/O) for the core
 * to handle.
 */
static bool gp_insn(struct vmx_vcpu *vv, struct exit_info *e)
{
	struct vcpu *v = vv->vcpu;
	u8 b[20] = {0};
	struct rm_insn in = { .b = b, .seg = -1 };
	u64 ip = (seg_base(SEG_CS) + (v->regs.rip & 0xffff)) & 0xffffffffull;

	if (guest_read(v->vm, b, ip, 15)) {
		vm_stop(v->vm, HV_STATUS_VM_ERROR, "vCPU %d: real-mode code at 0x%lx is not in guest RAM",
			v->id, ip);
		return true;
	}
	for (;; in.i++) {
		static const s8 seg_of[] = { [0x26] = SEG_ES + 1, [0x2e] = SEG_CS + 1, [0x36] = SEG_SS + 1,
					     [0x3e] = SEG_DS + 1, [0x64] = SEG_FS + 1, [0x65] = SEG_GS + 1 };
		u8 p = b[in.i];
		if (p == 0x66)
			in.op32 = true;
		else if (p == 0x67)
			in.addr32 = true;
		else if (p < sizeof(seg_of) && seg_of[p])
			in.seg = seg_of[p] - 1;
		else if (p != 0xf0 && p != 0xf2 && p != 0xf3)
			break;
		if (in.i >= 14)
			goto unsupported;
	}
	u8 op = b[in.i++];
	if (op == 0xf4) {                       /* HLT */
		e->kind = EXIT_HLT;
		e->insn_len = (u8)in.i;
		return false;
	}
	if ((op & 0xf4) == 0xe4)                /* IN, OUT */
		return port_io(v, &in, op, e);
	if (op == 0xcd) {                       /* INT n: through the IVT */
		u8 vec = b[in.i++];
		vmx_rm_deliver(vv, vec, (u16)(v->regs.rip + (u64)in.i));
		return true;
	}
	if (op == 0x0f && (b[in.i] == 0x20 || b[in.i] == 0x22)) {
		/* MOV from/to CRn: always a register operand, 32-bit outside
		 * 64-bit mode (SDM Vol. 2B "MOV-Move to/from Control Registers"). */
		u8 modrm = b[in.i + 1];
		int cr = (modrm >> 3) & 7;
		if (cr != 0 && cr != 2 && cr != 3 && cr != 4)
			goto unsupported;
		e->kind = EXIT_CR_WRITE;
		e->u.cr.cr = cr;
		e->u.cr.read = b[in.i] == 0x20;
		e->u.cr.gpr = to_regs[modrm & 7];
		e->u.cr.value = ((const u64 *)&v->regs)[e->u.cr.gpr] & 0xffffffffull;
		e->insn_len = (u8)(in.i + 2);
		return false;
	}
	if (op == 0x0f && b[in.i] == 0x01 && (b[in.i + 1] >> 6) != 3 &&
	    (((b[in.i + 1] >> 3) & 7) == 2 || ((b[in.i + 1] >> 3) & 7) == 3)) {
		u8 modrm = b[in.i + 1];
		in.i += 2;
		if (emulate_lxdt(v, &in, modrm))
			return true;
	}
unsupported:
	vm_stop(v->vm, HV_STATUS_VM_ERROR,
		"vCPU %d: real mode (run as virtual-8086 under mmu=shadow on VMX): hv does not "
		"emulate the instruction at %04lx:%04lx (bytes %02x %02x %02x %02x %02x); "
		"it emulates MOV CR, LGDT, LIDT, HLT, INT n, IN and OUT; use mmu=tdp",
		v->id, vmcs_read(VMCS_GUEST_CS_SEL), v->regs.rip & 0xffff, b[0], b[1], b[2], b[3], b[4]);
	e->kind = EXIT_OTHER;
	return false;
}

bool vmx_rm_exit(struct vmx_vcpu *vv, struct exit_info *e)
{
	struct vcpu *v = vv->vcpu;
	u32 info = (u32)vmcs_read(VMCS_EXIT_INTR_INFO);
	u8 vector = info & 0xff;

	if ((e->raw_reason & 0xffff) != EXIT_REASON_EXCEPTION_NMI ||
	    (info & INTR_TYPE_MASK) == INTR_TYPE_NMI || vector == VEC_PF)
		return false;                       /* the core's as in any mode */
	/* Every #GP here is an instruction to look at: a privileged one, or
	 * INT n failing on the IVT read as protected-mode gates. */
	if (vector == VEC_GP)
		return gp_insn(vv, e);
	/* An exception the guest's own code raised (#DE, #UD, ...): real mode
	 * takes it through the IVT with IP at the faulting instruction, or
	 * after it for INT3 / INTO (software exceptions, 27.2.5: the exit
	 * gives their length). */
	u16 ip = (u16)v->regs.rip;
	if ((info & INTR_TYPE_MASK) == INTR_TYPE_SW_EXCEPTION)
		ip = (u16)(ip + e->insn_len);
	if (vmx_rm_deliver(vv, vector, ip))
		return true;
	e->kind = EXIT_OTHER;                       /* the VM is stopping */
	return false;
}
