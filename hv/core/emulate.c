/*
 * emulate.c: decode and perform one guest MOV against emulated MMIO.
 *
 * Instruction format handled (Intel SDM vol 2, 2.1; AMD APM vol 3, 1.2):
 *
 *   [66] [67] [seg] [REX 40-4F (64-bit mode)] opcode [0F] ModRM [SIB] [disp] [imm]
 *
 *   88 /r  MOV r/m8, r8        8A /r  MOV r8, r/m8       C6 /0 ib  MOV r/m8, imm8
 *   89 /r  MOV r/m, r          8B /r  MOV r, r/m         C7 /0 id  MOV r/m, imm32
 *   0F B6 /r  MOVZX r, r/m8    0F B7 /r  MOVZX r, r/m16
 *   A0-A3  MOV AL/eAX <-> moffs (absolute address after the opcode)
 *
 * The memory operand's address is not computed: the exit already gives the
 * gpa. Only the length (ModRM/SIB/displacement) and the register operand
 * matter. The instruction bytes are fetched from guest memory at CS.base +
 * RIP through the guest's page tables (gva_to_gpa below, with mmu/gwalk).
 */
#include "hv/core/emulate.h"
#include "hv/core/guestmem.h"
#include "hv/core/lib.h"
#include "hv/core/pdpte.h"
#include "hv/core/vm.h"
#include "hv/core/x86.h"
#include "mmu/gwalk.h"

struct decoder {
	const u8 *p, *end;
	int mode;            /* 16, 32, 64 */
	bool opsize, addrsize, rex_w, rex_r, rex;
};

static int next_byte(struct decoder *d, u8 *b)
{
	if (d->p >= d->end)
		return E_INVAL;
	*b = *d->p++;
	return 0;
}

static int skip(struct decoder *d, size_t n)
{
	if ((size_t)(d->end - d->p) < n)
		return E_INVAL;
	d->p += n;
	return 0;
}

/* ModRM [SIB] [disp]: returns the reg field (with REX.R). 16-bit addressing
 * (67 in 32-bit mode, or 16-bit code) is not supported. */
static int decode_modrm(struct decoder *d, int *reg)
{
	u8 modrm, sib, mod, rm;
	if (d->mode != 64 && d->addrsize)
		return E_INVAL;                    /* 67 in 32-bit code: 16-bit ModRM, not decoded */
	if (next_byte(d, &modrm))
		return E_INVAL;
	mod = modrm >> 6;
	rm = modrm & 7;
	*reg = ((modrm >> 3) & 7) | (d->rex_r ? 8 : 0);
	if (mod == 3)
		return E_INVAL;                    /* register operand: not MMIO */
	if (rm == 4) {
		if (next_byte(d, &sib))
			return E_INVAL;
		if (mod == 0 && (sib & 7) == 5)
			return skip(d, 4);
	}
	if (mod == 0 && rm == 5)
		return skip(d, 4);                 /* disp32 / RIP-relative */
	return skip(d, mod == 1 ? 1 : mod == 2 ? 4 : 0);
}

static u8 op_size(const struct decoder *d)
{
	if (d->rex_w)
		return 8;
	return d->opsize ? 2 : 4;
}

static int read_imm(struct decoder *d, u8 n, u64 *imm)
{
	if ((size_t)(d->end - d->p) < n)
		return E_INVAL;
	u64 v = 0;
	for (int i = 0; i < n; i++)
		v |= (u64)d->p[i] << (8 * i);
	d->p += n;
	*imm = v;
	return 0;
}

static int decode_prefixes(struct decoder *d, u8 *op)
{
	for (int i = 0; i < 15; i++) {
		if (next_byte(d, op))
			return E_INVAL;
		if (*op == 0x66)
			d->opsize = true;
		else if (*op == 0x67)
			d->addrsize = true;
		else if (*op == 0x26 || *op == 0x2e || *op == 0x36 ||
			 *op == 0x3e || *op == 0x64 || *op == 0x65)
			continue;
		else if (d->mode == 64 && (*op & 0xf0) == 0x40) {
			d->rex = true;
			d->rex_w = *op & 8;
			d->rex_r = *op & 4;
		} else
			return 0;
	}
	return E_INVAL;
}

/* 0F B6 / 0F B7: MOVZX r, r/m8 or r/m16 (the 0F is already consumed). */
static int decode_movzx(struct decoder *d, struct mmio_insn *out)
{
	u8 op;
	if (next_byte(d, &op) || (op != 0xb6 && op != 0xb7))
		return E_INVAL;
	out->zext = op == 0xb6 ? 1 : 2;
	out->size = out->zext;
	out->reg_size = op_size(d);
	return decode_modrm(d, &out->reg);
}

/* 88 89 8A 8B: MOV between a register and memory. */
static int decode_mov_rm(struct decoder *d, u8 op, struct mmio_insn *out)
{
	out->write = op == 0x88 || op == 0x89;
	out->size = (op & 1) ? op_size(d) : 1;
	if (decode_modrm(d, &out->reg))
		return E_INVAL;
	out->high8 = out->size == 1 && !d->rex && out->reg >= 4 && out->reg < 8;
	return 0;
}

/* A0-A3: MOV AL/eAX <-> moffs. The absolute address follows the opcode;
 * its size is the address size (8 in 64-bit mode, 4 with 67h; 4 / 2 in
 * 32-bit code). */
static int decode_moffs(struct decoder *d, u8 op, struct mmio_insn *out)
{
	u8 asz = d->mode == 64 ? (d->addrsize ? 4 : 8) : (d->addrsize ? 2 : 4);
	out->write = op >= 0xa2;
	out->size = (op & 1) ? op_size(d) : 1;
	out->reg = 0;
	return skip(d, asz);
}

/* C6 /0 ib, C7 /0 id: MOV memory, immediate (imm32 sign-extended to 64). */
static int decode_mov_imm(struct decoder *d, u8 op, struct mmio_insn *out)
{
	int sub;
	out->write = out->has_imm = true;
	out->size = op == 0xc6 ? 1 : op_size(d);
	out->reg = -1;
	if (decode_modrm(d, &sub) || (sub & 7) != 0)
		return E_INVAL;
	if (read_imm(d, out->size == 8 ? 4 : out->size, &out->imm))
		return E_INVAL;
	if (out->size == 8)
		out->imm = (u64)(s64)(s32)out->imm;
	return 0;
}

int emulate_decode(const u8 *bytes, size_t n, int mode, struct mmio_insn *out)
{
	struct decoder d = { .p = bytes, .end = bytes + n, .mode = mode };
	u8 op;
	int r;

	if (mode == 16)
		return E_INVAL;
	memset(out, 0, sizeof(*out));
	if (decode_prefixes(&d, &op))
		return E_INVAL;
	if (op == 0x0f)
		r = decode_movzx(&d, out);
	else if (op >= 0x88 && op <= 0x8b)
		r = decode_mov_rm(&d, op, out);
	else if (op >= 0xa0 && op <= 0xa3)
		r = decode_moffs(&d, op, out);
	else if (op == 0xc6 || op == 0xc7)
		r = decode_mov_imm(&d, op, out);
	else
		r = E_INVAL;
	if (r)
		return E_INVAL;
	if (!out->reg_size)
		out->reg_size = out->size;
	out->len = (u8)(d.p - bytes);
	return 0;
}

/* ---- guest registers by number (ModRM order = struct guest_regs order
 * for 0..7: rax rcx rdx rbx rsp rbp rsi rdi; ours is rax rbx rcx rdx ...) */

static u64 *gpr(struct vcpu *v, int n)
{
	struct guest_regs *r = &v->regs;
	u64 *const map[16] = { &r->rax, &r->rcx, &r->rdx, &r->rbx, &r->rsp, &r->rbp,
			       &r->rsi, &r->rdi, &r->r8, &r->r9, &r->r10, &r->r11,
			       &r->r12, &r->r13, &r->r14, &r->r15 };
	return map[n & 15];
}

static u64 reg_value(struct vcpu *v, const struct mmio_insn *in)
{
	if (in->high8)
		return (*gpr(v, in->reg - 4) >> 8) & 0xff;
	return *gpr(v, in->reg);
}

/* Write a loaded value into the register operand with x86's rules: 8- and
 * 16-bit writes keep the other bits, 32-bit writes zero bits 63:32. */
static void reg_load(struct vcpu *v, const struct mmio_insn *in, u64 val, int mode)
{
	if (in->high8) {
		u64 *r = gpr(v, in->reg - 4);
		*r = (*r & ~0xff00ull) | ((val & 0xff) << 8);
		return;
	}
	u64 *r = gpr(v, in->reg);
	switch (in->reg_size) {
	case 1: *r = (*r & ~0xffull) | (val & 0xff); break;
	case 2: *r = (*r & ~0xffffull) | (val & 0xffff); break;
	case 4: *r = (u32)val; break;
	default: *r = val; break;
	}
}

/* ---- fetching the instruction: guest virtual to guest physical ----
 * Through the MMU's guest page-table walker (mmu/gwalk.h), bound to the
 * memslots, as a probe (no A/D bits set). hv does not track the guest's
 * CPL, so the walk is tried as a supervisor fetch, then as a user fetch:
 * the CPU has just fetched these bytes, so one of the two must succeed. */

static u32 cpuid_reg(u32 leaf, int reg)
{
	u32 r[4];
	cpuid(leaf, 0, &r[0], &r[1], &r[2], &r[3]);
	return r[reg];
}

static void walk_cpu(struct vcpu *v, struct gwalk_cpu *cpu, u64 pdpte_buf[4])
{
	const struct vendor_ops *ops = v->vm->ops;
	*cpu = (struct gwalk_cpu){
		.cr0 = ops->get_cr(v, 0), .cr3 = ops->get_cr(v, 3), .cr4 = ops->get_cr(v, 4),
		.efer = ops->get_cr(v, 8), .rflags = v->regs.rflags,
		.maxphyaddr = (u8)cpuid_reg(0x80000008, 0),
		.pse36 = cpuid_reg(1, 3) & BIT(17),
		.gbpages = cpuid_reg(0x80000001, 3) & BIT(26),
		.pdptrs = pdpte_for_walk(v, pdpte_buf),   /* PAE only (pdpte.h) */
		.vcpu_id = (u16)v->id,
	};
}

static int walk(struct vcpu *v, gva_t gva, u32 access, gpa_t *gpa)
{
	struct gwalk_cpu cpu;
	struct gwalk_mem mem;
	struct gwalk_result res;
	u64 pdptes[4];

	walk_cpu(v, &cpu, pdptes);
	gwalk_mem_bind_vm(&mem, v->vm->mmu);
	if (gwalk(&cpu, &mem, gva, access | GWALK_NO_AD, &res) || res.fault)
		if (gwalk(&cpu, &mem, gva, access | GWALK_USER | GWALK_NO_AD, &res) || res.fault)
			return E_FAULT;
	*gpa = res.gpa;
	return 0;
}

static int gva_to_gpa(struct vcpu *v, gva_t gva, gpa_t *gpa)
{
	return walk(v, gva, GWALK_FETCH, gpa);
}

int emulate_gva_to_gpa(struct vcpu *v, gva_t gva, bool write, gpa_t *gpa)
{
	return walk(v, gva, write ? GWALK_WRITE : 0, gpa);
}

/* Copy up to 15 instruction bytes at CS.base + RIP (stops at a page that
 * does not translate). Returns the bytes copied. */
static size_t fetch_insn(struct vcpu *v, u8 *buf, int mode)
{
	u64 cs_base = 0;
	v->vm->ops->code_mode(v, &cs_base);
	gva_t rip = (mode == 64 ? 0 : cs_base) + v->regs.rip;
	size_t got = 0;
	while (got < 15) {
		gpa_t gpa;
		size_t n = PAGE_SIZE - ((rip + got) & (PAGE_SIZE - 1));
		if (n > 15 - got)
			n = 15 - got;
		if (gva_to_gpa(v, rip + got, &gpa) || guest_read(v->vm, buf + got, gpa, n))
			break;
		got += n;
	}
	return got;
}

int emulate_mmio(struct vcpu *v, gpa_t gpa, const struct mmio_ops *ops, void *ctx,
		 u64 *value_out, u8 *len_out, bool *write_out)
{
	u8 bytes[15];
	struct mmio_insn in;
	u64 cs_base;
	int mode = v->vm->ops->code_mode(v, &cs_base);
	size_t n = fetch_insn(v, bytes, mode);

	if (emulate_decode(bytes, n, mode, &in))
		return E_INVAL;
	u64 mask = in.size == 8 ? ~0ull : (1ull << (8 * in.size)) - 1;
	if (in.write) {
		u64 val = (in.has_imm ? in.imm : reg_value(v, &in)) & mask;
		ops->write(v, gpa, in.size, val, ctx);
		*value_out = val;
	} else {
		u64 val = ops->read(v, gpa, in.size, ctx) & mask;
		reg_load(v, &in, val, mode);
		*value_out = val;
	}
	*len_out = in.size;
	*write_out = in.write;
	v->vm->ops->skip_insn(v, in.len);
	return 0;
}

/* MOV to CRn (0F 22 /r, mod = 3): the control register is ModRM.reg (with
 * REX.R, for CR8), the source ModRM.rm (with REX.B). For CR-write exits
 * when the CPU gives no decode assist (QEMU TCG). Returns 0 and fills
 * *cr, *gpr (guest_regs order) and *len, or E_INVAL. */
int emulate_mov_to_cr(struct vcpu *v, int *cr, int *gpr, u8 *len)
{
	bool read;
	int r = emulate_mov_cr(v, &read, cr, gpr, len);

	return r ? r : read ? E_INVAL : 0;
}

/* MOV to or from CRn (0F 22 /r or 0F 20 /r, mod = 3); *read for 0F 20
 * (CR-read exits, intercepted under mmu=shadow). */
int emulate_mov_cr(struct vcpu *v, bool *read, int *cr, int *gpr, u8 *len)
{
	static const int modrm_to_regs[16] = { 0, 2, 3, 1, 7, 6, 4, 5,
					       8, 9, 10, 11, 12, 13, 14, 15 };
	u8 b[15];
	u64 cs_base;
	int mode = v->vm->ops->code_mode(v, &cs_base);
	size_t n = fetch_insn(v, b, mode), i = 0;
	bool rex_r = false, rex_b = false;

	if (mode == 64 && i < n && (b[i] & 0xf0) == 0x40) {
		rex_r = b[i] & 4;
		rex_b = b[i] & 1;
		i++;
	}
	if (i + 3 > n || b[i] != 0x0f || (b[i + 1] != 0x22 && b[i + 1] != 0x20) || (b[i + 2] >> 6) != 3)
		return E_INVAL;
	*read = b[i + 1] == 0x20;
	*cr = ((b[i + 2] >> 3) & 7) | (rex_r ? 8 : 0);
	*gpr = modrm_to_regs[(b[i + 2] & 7) | (rex_b ? 8 : 0)];
	*len = (u8)(i + 3);
	return 0;
}
