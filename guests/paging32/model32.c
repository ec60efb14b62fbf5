/*
 * model32.c: the reference model behind the matrix (model32.h). One walk,
 * top level down, in the SDM's order: P=0 faults (error code P=0), then
 * reserved bits (P=1, RSVD=1), then the combined rights of the entries used
 * (4.6.1), then A/D (4.8). Bit numbers are spelled out on purpose, so the
 * model does not lean on the PTE_* names the rest of the guest uses.
 */
#include "model32.h"

static bool bit(u64 v, int n) { return (v >> n) & 1; }

/* Any bit hi..lo set in v (empty when hi < lo)? */
static bool any_bits(u64 v, int hi, int lo)
{
	for (int b = lo; b <= hi; b++)
		if (bit(v, b))
			return true;
	return false;
}

/* A PAE PDPTE's reserved bits (SDM Table 4-8): 63..M, 8..5, 2..1. */
static bool pdpte_rsvd_at_load(const struct m32_cpu *cpu, u64 e)
{
	return any_bits(e, 63, cpu->maxphyaddr) || any_bits(e, 8, 5) || any_bits(e, 2, 1);
}

/* What QEMU's walker checks in a PDPTE (hv/README.md): XD, 62..52, and
 * the bits above MAXPHYADDR. */
static bool pdpte_rsvd_at_walk(const struct m32_cpu *cpu, u64 e)
{
	return any_bits(e, 63, 52) || any_bits(e, 51, cpu->maxphyaddr);
}

/* Reserved bits of a PDE or PTE (SDM Tables 4-4..4-11; mmu/SHADOW.md 2.5). */
static bool rsvd(const struct m32_cpu *cpu, int level, u64 e)
{
	if (!cpu->pae) {
		/* 32-bit paging: only a 4 MiB PDE has any: bit 21, and the
		 * PSE-36 address bits 20..13 beyond MAXPHYADDR (at most 40).
		 * The matrix's addresses are below 4 GiB and 4 MiB aligned, so
		 * only bit 21 could be set, and it never is: kept for the rule. */
		if (level == 2 && cpu->pse && bit(e, 7)) {
			int w = cpu->maxphyaddr < 40 ? cpu->maxphyaddr : 40;
			return bit(e, 21) || any_bits(e, 20, 13 + w - 32);
		}
		return false;
	}
	if (bit(e, 63) && !cpu->nxe)
		return true;                    /* XD without EFER.NXE */
	if (any_bits(e, 62, cpu->maxphyaddr))
		return true;
	if (level == 2 && bit(e, 7))            /* 2 MiB page: bits 20..13 */
		return any_bits(e, 20, 13);
	return false;
}

/* SDM 4.7: P, W/R, U/S, RSVD; I/D on a fetch only when CR4.SMEP=1 or
 * (CR4.PAE=1 and EFER.NXE=1): a 32-bit-paging fetch under EFER.NXE=1
 * without SMEP has no I/D bit. */
static u32 error_code(const struct m32_cpu *cpu, u32 access, bool present, bool rsv)
{
	u32 ec = (present ? PF_P : 0) | (access & (PF_W | PF_U)) | (rsv ? PF_RSVD : 0);

	if ((access & PF_I) && (cpu->smep || (cpu->pae && cpu->nxe)))
		ec |= PF_I;
	return ec;
}

/* SDM 4.6.1 on the AND of the rights of the PDE and PTE used (lo..2): the
 * PAE PDPTE has no R/W, U/S or XD. XD counts only in PAE with EFER.NXE. */
static bool rights_ok(const struct m32_cpu *cpu, const u64 e[4], int lo, u32 access)
{
	bool user_addr = true, writable = true, exec = true;

	for (int l = lo; l <= 2; l++) {
		user_addr &= bit(e[l], 2);
		writable &= bit(e[l], 1);
		if (cpu->pae && cpu->nxe && bit(e[l], 63))
			exec = false;
	}
	if (access & PF_U) {                    /* user-mode access (CPL 3) */
		if (!user_addr)
			return false;
		if (access & PF_W)
			return writable;        /* whatever CR0.WP */
		if (access & PF_I)
			return exec;
		return true;
	}
	if (access & PF_I)                      /* supervisor fetch */
		return exec && !(cpu->smep && user_addr);
	if (cpu->smap && user_addr)             /* supervisor data, EFLAGS.AC=0 */
		return false;
	return !(access & PF_W) || !cpu->wp || writable;
}

/* A leaf: the PTE, or a PDE with PS=1 where it maps a page (PAE: always;
 * 32-bit paging: with CR4.PSE=1, else PS is ignored). */
static bool is_leaf(const struct m32_cpu *cpu, int level, u64 e)
{
	return level == 1 || (level == 2 && bit(e, 7) && (cpu->pae || cpu->pse));
}

static void fault(const struct m32_cpu *cpu, struct m32_out *out, u32 access, bool p, bool rsv)
{
	out->fault = true;
	out->error = error_code(cpu, access, p, rsv);
}

void m32_model(const struct m32_cpu *cpu, const u64 e[4], u32 access, struct m32_out *out)
{
	int top = cpu->pae ? 3 : 2;

	for (int l = 0; l < 4; l++)
		out->after[l] = e[l];
	out->gp = out->fault = false;
	out->error = 0;
	out->may_a = 0;
	if (cpu->pae) {
		u64 p3 = e[3];
		if (cpu->pdpte == PDPTE_AT_LOAD && bit(p3, 0) && pdpte_rsvd_at_load(cpu, p3)) {
			out->gp = true;         /* at MOV CR3: the access is never made */
			return;
		}
		if (!bit(p3, 0)) {
			fault(cpu, out, access, false, false);
			return;
		}
		if (cpu->pdpte == PDPTE_AT_WALK && pdpte_rsvd_at_walk(cpu, p3)) {
			fault(cpu, out, access, true, true);
			return;
		}
		top = 2;
	}
	for (int level = top; level >= 1; level--) {
		if (!bit(e[level], 0)) {
			fault(cpu, out, access, false, false);
			return;
		}
		out->may_a |= 1u << level;
		if (rsvd(cpu, level, e[level])) {
			fault(cpu, out, access, true, true);
			return;
		}
		if (!is_leaf(cpu, level, e[level]))
			continue;
		if (!rights_ok(cpu, e, level, access)) {
			fault(cpu, out, access, true, false);
			return;
		}
		/* SDM 4.8: A on every entry used (not the PDPTE), D on the
		 * leaf of a write. */
		for (int l = level; l <= 2; l++)
			out->after[l] |= BIT64(5);
		if (access & PF_W)
			out->after[level] |= BIT64(6);
		out->may_a = 0;
		return;
	}
}
