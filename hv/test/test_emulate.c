/*
 * test_emulate.c: host unit test of the MMIO instruction decoder
 * (hv/core/emulate.c, emulate_decode). Table-driven: each row is the bytes
 * of one instruction, the code size, and what the decoder must report.
 * Prints one "TEST hv.emulate.<name> PASS|FAIL detail" line per row.
 * Built with ASan/UBSan; emulate.c's guest-memory calls are stubbed.
 */
#include <stdio.h>
#include <string.h>
#include "hv/core/emulate.h"
#include "hv/core/guestmem.h"
#include "mmu/gwalk.h"

/* emulate_mmio (not tested here) reads guest memory and walks the guest's
 * page tables: never called. */
int guest_read(struct vm *vm, void *dst, gpa_t gpa, u64 len) { return E_FAULT; }
int gwalk(const struct gwalk_cpu *cpu, const struct gwalk_mem *mem, gva_t gva, u32 access,
	  struct gwalk_result *res) { return E_FAULT; }
void gwalk_mem_bind_vm(struct gwalk_mem *mem, struct mmu_vm *vm) { }
const u64 *pdpte_for_walk(struct vcpu *v, u64 buf[4]) { return NULL; }

struct row {
	const char *name;
	u8 bytes[15];
	size_t n;
	int mode;
	int ok;                 /* 0 = decodes, else E_INVAL expected */
	struct mmio_insn want;  /* len, size, reg_size, write, has_imm, imm, reg, high8, zext */
};

#define I(...) { __VA_ARGS__ }
static const struct row rows[] = {
	{ "mov_load32",   I(0x8b, 0x03), 2, 32, 0, { .len = 2, .size = 4, .reg_size = 4, .reg = 0 } },
	{ "mov_store32_disp8", I(0x89, 0x48, 0x20), 3, 32, 0,
	  { .len = 3, .size = 4, .reg_size = 4, .write = 1, .reg = 1 } },
	{ "mov_store8_ah", I(0x88, 0x20), 2, 32, 0,
	  { .len = 2, .size = 1, .reg_size = 1, .write = 1, .reg = 4, .high8 = 1 } },
	{ "mov_store8_rex_spl", I(0x40, 0x88, 0x20), 3, 64, 0,
	  { .len = 3, .size = 1, .reg_size = 1, .write = 1, .reg = 4 } },
	{ "mov_load64_rexw_r9", I(0x4c, 0x8b, 0x08), 3, 64, 0,
	  { .len = 3, .size = 8, .reg_size = 8, .reg = 9 } },
	{ "mov_load16", I(0x66, 0x8b, 0x07), 3, 32, 0, { .len = 3, .size = 2, .reg_size = 2, .reg = 0 } },
	{ "mov_sib_disp32", I(0x8b, 0x84, 0x24, 0x00, 0x01, 0x00, 0x00), 7, 64, 0,
	  { .len = 7, .size = 4, .reg_size = 4, .reg = 0 } },
	{ "mov_sib_nobase", I(0x8b, 0x04, 0x25, 0x20, 0x00, 0xe0, 0xfe), 7, 64, 0,
	  { .len = 7, .size = 4, .reg_size = 4, .reg = 0 } },
	{ "mov_riprel", I(0x8b, 0x05, 0x10, 0x00, 0x00, 0x00), 6, 64, 0,
	  { .len = 6, .size = 4, .reg_size = 4, .reg = 0 } },
	{ "mov_imm8", I(0xc6, 0x00, 0x5a), 3, 32, 0,
	  { .len = 3, .size = 1, .reg_size = 1, .write = 1, .has_imm = 1, .imm = 0x5a, .reg = -1 } },
	{ "mov_imm32_disp32", I(0xc7, 0x05, 0xb0, 0x00, 0xe0, 0xfe, 0x00, 0x00, 0x00, 0x00), 10, 32, 0,
	  { .len = 10, .size = 4, .reg_size = 4, .write = 1, .has_imm = 1, .imm = 0, .reg = -1 } },
	{ "mov_imm32_sext64", I(0x48, 0xc7, 0x00, 0xff, 0xff, 0xff, 0xff), 7, 64, 0,
	  { .len = 7, .size = 8, .reg_size = 8, .write = 1, .has_imm = 1, .imm = ~0ull, .reg = -1 } },
	{ "movzx8", I(0x0f, 0xb6, 0x01), 3, 32, 0,
	  { .len = 3, .size = 1, .reg_size = 4, .reg = 0, .zext = 1 } },
	{ "movzx16_rexw", I(0x48, 0x0f, 0xb7, 0x01), 4, 64, 0,
	  { .len = 4, .size = 2, .reg_size = 8, .reg = 0, .zext = 2 } },
	{ "moffs_load64", I(0xa1, 0x20, 0x00, 0xe0, 0xfe, 0, 0, 0, 0), 9, 64, 0,
	  { .len = 9, .size = 4, .reg_size = 4, .reg = 0 } },
	{ "moffs_store32", I(0xa3, 0x20, 0x00, 0xe0, 0xfe), 5, 32, 0,
	  { .len = 5, .size = 4, .reg_size = 4, .write = 1, .reg = 0 } },
	{ "seg_prefix", I(0x65, 0x8b, 0x03), 3, 64, 0, { .len = 3, .size = 4, .reg_size = 4, .reg = 0 } },
	{ "reject_register_form", I(0x8b, 0xc0), 2, 32, E_INVAL, { 0 } },
	{ "reject_add", I(0x01, 0x03), 2, 32, E_INVAL, { 0 } },
	{ "reject_truncated", I(0xc7, 0x00, 0x01), 3, 32, E_INVAL, { 0 } },
	{ "reject_16bit_code", I(0x8b, 0x07), 2, 16, E_INVAL, { 0 } },
	{ "reject_c7_reg1", I(0xc7, 0x08, 0, 0, 0, 0), 6, 32, E_INVAL, { 0 } },
	/* 32-bit code (paging32 under mmu=shadow emulates its PTE stores) */
	{ "mov_store32_sib_disp32", I(0x89, 0x0c, 0x85, 0x00, 0x10, 0x00, 0x00), 7, 32, 0,
	  { .len = 7, .size = 4, .reg_size = 4, .write = 1, .reg = 1 } },
	{ "mov_store32_abs", I(0x89, 0x15, 0x00, 0x70, 0x10, 0x00), 6, 32, 0,
	  { .len = 6, .size = 4, .reg_size = 4, .write = 1, .reg = 2 } },
	{ "dec_eax_not_rex_in_32bit", I(0x48, 0x89, 0x03), 3, 32, E_INVAL, { 0 } },
	{ "reject_addr16_in_32bit", I(0x67, 0x89, 0x07), 3, 32, E_INVAL, { 0 } },
};

static int same(const struct mmio_insn *a, const struct mmio_insn *b)
{
	return a->len == b->len && a->size == b->size && a->reg_size == b->reg_size &&
	       a->write == b->write && a->has_imm == b->has_imm && a->imm == b->imm &&
	       a->reg == b->reg && a->high8 == b->high8 && a->zext == b->zext;
}

int main(void)
{
	int fails = 0;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *r = &rows[i];
		struct mmio_insn got;
		int rc = emulate_decode(r->bytes, r->n, r->mode, &got);
		int pass = r->ok ? rc == r->ok : rc == 0 && same(&got, &r->want);
		fails += !pass;
		if (pass)
			printf("TEST hv.emulate.%s PASS rc %d len %u\n", r->name, rc, rc ? 0 : got.len);
		else
			printf("TEST hv.emulate.%s FAIL %s:%d rc %d (want %d) len %u size %u reg_size %u "
			       "write %d imm 0x%llx reg %d high8 %d zext %u\n", r->name, __FILE__, __LINE__,
			       rc, r->ok, got.len, got.size, got.reg_size, got.write,
			       (unsigned long long)got.imm, got.reg, got.high8, got.zext);
	}
	return fails != 0;
}
