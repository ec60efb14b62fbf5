/*
 * Lab 02: shadow paging: the guest walk and permission faults.
 * YOUR FILE: it replaces mmu/gwalk_perm.c in the lab build of hv.
 * Read labs/02-shadow-walk/README.md first.
 *
 * This is the SKELETON you start from. It runs, but it is too strict:
 * supervisor writes need R/W even with CR0.WP=0, SMEP and SMAP refuse
 * every supervisor access to a user page (fetch or data, whatever
 * RFLAGS.AC), and the error code never reports an instruction fetch.
 * Write the two rules of SDM 4.6 and 4.7.
 *
 * Careful: a rule that is too LAX hangs the guest instead of failing a
 * check. hv then maps an SPTE with the rights the walk found, the CPU
 * refuses the access again, and hv "fixes" the same fault forever (the
 * run hits its time limit). Look for the gva in the trace.
 */
#include "mmu/gwalk.h"

/*
 * May an access with these effective rights go through (SDM 4.6.1)?
 * Return true if it must FAULT.
 *
 *   access  GWALK_WRITE (else a read), GWALK_USER (CPL 3, not implicit),
 *           GWALK_FETCH, GWALK_IMPLICIT (a supervisor access the CPU makes
 *           by itself: GDT, IDT, TSS...), maybe GWALK_NO_AD (ignore it here)
 *   eff     GWALK_ACC_U / _W / _X: the AND of every level's U/S, R/W and
 *           (with EFER.NXE=1) NOT XD; eff & GWALK_ACC_U means a user-mode
 *           address (U/S=1 at every level)
 *   cpu     cpu->cr0 & GW_CR0_WP, cpu->cr4 & GW_CR4_SMEP / GW_CR4_SMAP,
 *           cpu->rflags & GW_RFLAGS_AC
 * (EFER.NXE is already in eff: without it no level takes X away.)
 */
bool gwalk_permission_fault(const struct gwalk_cpu *cpu, u32 access, u32 eff)
{
	bool user_addr = eff & GWALK_ACC_U;

	/* SKELETON: U/S, R/W and X everywhere, as if CR0.WP were always 1,
	 * and SMEP/SMAP as "no supervisor access to user pages at all". */
	if (access & GWALK_USER) {
		if (!user_addr)
			return true;
	} else if (user_addr && (cpu->cr4 & (GW_CR4_SMEP | GW_CR4_SMAP))) {
		return true;
	}
	if ((access & GWALK_WRITE) && !(eff & GWALK_ACC_W))
		return true;
	if ((access & GWALK_FETCH) && !(eff & GWALK_ACC_X))
		return true;
	return false;
}

/*
 * The #PF error code the guest sees (SDM 4.7) for a fault of this kind on
 * this access. kind: 0 (an entry was not present), GWALK_PF_PRESENT (a
 * protection fault) or GWALK_PF_PRESENT | GWALK_PF_RSVD (a reserved bit).
 * Bits: GWALK_PF_PRESENT, _WRITE, _USER, _RSVD, _FETCH (I/D: reported only
 * when CR4.SMEP=1, or CR4.PAE=1 and EFER.NXE=1). Nothing else.
 */
u32 gwalk_fault_error_code(const struct gwalk_cpu *cpu, u32 access, u32 kind)
{
	/* SKELETON: P, RSVD, W/R and U/S; the I/D bit is missing. */
	return kind | (access & (GWALK_WRITE | GWALK_USER));
}
