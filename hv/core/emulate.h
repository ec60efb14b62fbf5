/*
 * emulate.h: the MMIO instruction emulator. hv decodes the guest's MOV
 * that touched an emulated page (LAPIC, all-ones hole, read-only slot),
 * performs it against a device callback and moves RIP past it.
 */
#ifndef HV_CORE_EMULATE_H
#define HV_CORE_EMULATE_H

#include "include/hvlab/types.h"

struct vcpu;

struct mmio_ops {
	u64  (*read)(struct vcpu *v, gpa_t gpa, u8 len, void *ctx);
	void (*write)(struct vcpu *v, gpa_t gpa, u8 len, u64 value, void *ctx);
};

/* Decoded form of one MOV (for tests and traces). */
struct mmio_insn {
	u8   len;        /* total instruction bytes */
	u8   size;       /* access size: 1, 2, 4 or 8 */
	u8   reg_size;   /* register operand size (differs for MOVZX) */
	bool write;      /* store to memory */
	bool has_imm;    /* store of an immediate */
	u64  imm;
	int  reg;        /* register operand (guest_regs order), -1 with imm */
	bool high8;      /* AH/CH/DH/BH */
	u8   zext;       /* MOVZX source size (1 or 2), 0 for a plain MOV */
};

/* Decode bytes as code of the given size (16/32/64). Returns 0 or E_INVAL
 * if it is not one of the MOV forms hv emulates (88 89 8A 8B C6 C7,
 * 0F B6, 0F B7, A0-A3). */
int emulate_decode(const u8 *bytes, size_t n, int mode, struct mmio_insn *out);

/* Fetch, decode and perform the instruction at the guest's RIP against
 * ops for an access at gpa. Returns 0, or a negative error (the VM is
 * then stopped by the caller with a message). Fills *value_out, *len_out
 * and *write_out for the trace. */
int emulate_mmio(struct vcpu *v, gpa_t gpa, const struct mmio_ops *ops, void *ctx,
		 u64 *value_out, u8 *len_out, bool *write_out);

/* Translate a guest virtual address with the guest's page tables (as a
 * supervisor or user access, whichever the tables allow). 0 or E_FAULT. */
int emulate_gva_to_gpa(struct vcpu *v, gva_t gva, bool write, gpa_t *gpa);

/* Decode the MOV to CRn at the guest's RIP (CR-write exits without decode
 * assists). Fills the CR number, the source register (guest_regs order)
 * and the instruction length; E_INVAL if it is not a MOV to CR. */
int emulate_mov_to_cr(struct vcpu *v, int *cr, int *gpr, u8 *len);
/* The same for MOV to or from CRn; *read for MOV from CR. */
int emulate_mov_cr(struct vcpu *v, bool *read, int *cr, int *gpr, u8 *len);

#endif
