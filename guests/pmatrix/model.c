/*
 * model.c: the reference model behind pmatrix (see model.h). One walk, top
 * level down, in the order the SDM gives: P=0 faults (4.7: P=0 in the error
 * code), then reserved bits (RSVD=1, P=1), then the leaf's combined rights
 * (4.6.1), then A/D (4.8). Bit numbers are spelled out on purpose.
 */
#include "guest.h"
#include "model.h"

static bool bit(u64 v, int n) { return (v >> n) & 1; }

/* Any bit hi..lo set in v (empty when hi < lo)? */
static bool any_bits(u64 v, int hi, int lo)
{
	for (int b = lo; b <= hi; b++)
		if (bit(v, b))
			return true;
	return false;
}

/* Reserved bits of a 4-level entry (SDM tables 4-14..4-19). */
static bool rsvd(const struct pm_cpu *cpu, int level, u64 e)
{
	if (bit(e, 63) && !cpu->nxe)
		return true;                    /* XD without EFER.NXE */
	if (cpu->maxphyaddr < 52 && any_bits(e, 51, cpu->maxphyaddr))
		return true;                    /* above MAXPHYADDR */
	if (level == 4)
		return bit(e, 7);               /* PML4E: PS must be 0 */
	if (level == 3 && bit(e, 7))            /* 1 GiB page: bits 29:13 */
		return !cpu->gbpages || any_bits(e, 29, 13);
	if (level == 2 && bit(e, 7))            /* 2 MiB page: bits 20:13 */
		return any_bits(e, 20, 13);
	return false;
}

/* SDM 4.7: P, W/R, U/S, RSVD; I/D for a fetch when SMEP is on or NX is
 * usable (CR4.PAE=1 always here, so: EFER.NXE). */
static u32 error_code(const struct pm_cpu *cpu, u32 access, bool present, bool rsv)
{
	u32 ec = (present ? PF_P : 0) | (access & (PF_W | PF_U)) | (rsv ? PF_RSVD : 0);

	if ((access & PF_I) && (cpu->smep || cpu->nxe))
		ec |= PF_I;
	return ec;
}

/* SDM 4.6.1 on the AND of the rights of the entries used (lo..4). */
static bool rights_ok(const struct pm_cpu *cpu, const u64 e[5], int lo, u32 access)
{
	bool user_addr = true, writable = true, exec = true;

	for (int l = lo; l <= 4; l++) {
		user_addr &= bit(e[l], 2);
		writable &= bit(e[l], 1);
		if (cpu->nxe && bit(e[l], 63))
			exec = false;
	}
	if (access & PF_U) {                    /* user-mode access */
		if (!user_addr)
			return false;
		if (access & PF_W)
			return writable;        /* R/W=1 at all levels, whatever CR0.WP */
		if (access & PF_I)
			return exec;
		return true;
	}
	if (access & PF_I)                      /* supervisor fetch */
		return exec && !(cpu->smep && user_addr);
	if (cpu->smap && user_addr)             /* supervisor data, AC=0 */
		return false;
	return !(access & PF_W) || !cpu->wp || writable;
}

/* Is the entry at level a leaf (a page), given it is present and legal? */
static bool is_leaf(int level, u64 e)
{
	return level == 1 || ((level == 2 || level == 3) && bit(e, 7));
}

void pm_model(const struct pm_cpu *cpu, const u64 e[5], u32 access, struct pm_out *out)
{
	for (int l = 0; l < 5; l++)
		out->after[l] = e[l];
	out->fault = false;
	out->error = 0;
	out->may_a = 0;
	for (int level = 4; level >= 1; level--) {
		if (!bit(e[level], 0)) {
			out->fault = true;
			out->error = error_code(cpu, access, false, false);
			return;
		}
		/* Present: whether a faulting walk sets A here is left open
		 * (SDM 4.8 sets A on entries "used"; QEMU does on the way
		 * down, KVM's and hv's walkers only on success). */
		out->may_a |= 1u << level;
		if (rsvd(cpu, level, e[level])) {
			out->fault = true;
			out->error = error_code(cpu, access, true, true);
			return;
		}
		if (!is_leaf(level, e[level]))
			continue;
		if (!rights_ok(cpu, e, level, access)) {
			out->fault = true;
			out->error = error_code(cpu, access, true, false);
			return;
		}
		/* SDM 4.8: A on every entry used, D on the leaf of a write. */
		for (int l = level; l <= 4; l++)
			out->after[l] |= PTE_A;
		if (access & PF_W)
			out->after[level] |= PTE_D;
		out->may_a = 0;
		return;
	}
}
