/*
 * Lab 02, WRONG ANSWER smep_ignored: a supervisor fetch from a user page
 * needs only X, whatever CR4.SMEP.
 *
 * Belief: "the kernel may run any code it can read; SMEP is a hardening
 * option the shadow walk need not care about, the CPU enforces it."
 *
 * Why it is wrong (SDM 4.6.1): with CR4.SMEP=1 a supervisor-mode fetch
 * from a user-mode address (U/S=1 at every level) faults, X or not. Under
 * shadow paging the CPU does enforce it, on the SHADOW tables: hv maps the
 * page with U=1 (as the guest's tables say), re-enters the guest, and the
 * CPU refuses the fetch again with the same #PF. The walk says "allowed"
 * every time, the MMU "fixes" the fault every time: a livelock, which hv
 * ends after 10 000 identical faults (hv/core/fault_loop.c) with "the MMU
 * keeps fixing a fault the CPU keeps raising". The guest never gets the
 * #PF it was due.
 *
 * fails: run guest fault_decisions sdm_model
 */
#include "mmu/gwalk.h"

/*
 * Access rights (SDM 4.6.1, APM 5.6). eff is the AND of the rights of every
 * level; a "user-mode address" is one with U/S=1 at every level.
 *
 *   access        user-mode address               supervisor-mode address
 *   ------------  ------------------------------  -----------------------
 *   user read     ok                              fault
 *   user write    needs W (whatever CR0.WP)       fault
 *   user fetch    needs X                         fault
 *   supv read     SMAP: needs AC=1 and explicit   ok
 *   supv write    as supv read; WP=1: needs W     WP=1: needs W
 *   supv fetch    SMEP: fault; else needs X       needs X
 *
 * (X is cleared only by XD with EFER.NXE=1; SMEP ignores AC.)
 */
bool gwalk_permission_fault(const struct gwalk_cpu *cpu, u32 access, u32 eff)
{
	bool user_addr = eff & GWALK_ACC_U;
	bool write = access & GWALK_WRITE;

	if (access & GWALK_FETCH) {
		if (!(eff & GWALK_ACC_X))
			return true;
		if (access & GWALK_USER)
			return !user_addr;
		return false;                   /* WRONG: SMEP not applied */
	}
	if (access & GWALK_USER)
		return !user_addr || (write && !(eff & GWALK_ACC_W));
	if (user_addr && (cpu->cr4 & GW_CR4_SMAP) &&
	    ((access & GWALK_IMPLICIT) || !(cpu->rflags & GW_RFLAGS_AC)))
		return true;
	return write && (cpu->cr0 & GW_CR0_WP) && !(eff & GWALK_ACC_W);
}

/*
 * The #PF error code (SDM 4.7, Figure 4-12):
 *
 *   31..16  15   14..8   7    6    5   4    3    2   1   0
 *  +------+----+------+----+----+---+----+----+---+---+---+
 *  | rsvd |SGX | rsvd |HLAT| SS | PK| I/D|RSVD|U/S|W/R| P |
 *  +------+----+------+----+----+---+----+----+---+---+---+
 *
 * W/R and U/S describe the access; I/D is reported only when SMEP is on or
 * NX is usable (CR4.PAE=1 and EFER.NXE=1); P is 0 only for a not-present
 * entry (a reserved-bit fault has P=1: hardware reports 9, QEMU TCG 8, see
 * /work/shared/PLATFORMS.md). PK, SS, HLAT and SGX are never set: hvlab
 * offers none of those features to guests.
 */
u32 gwalk_fault_error_code(const struct gwalk_cpu *cpu, u32 access, u32 kind)
{
	u32 ec = kind | (access & (GWALK_WRITE | GWALK_USER));
	bool id = (cpu->cr4 & GW_CR4_SMEP) ||
		  ((cpu->cr4 & GW_CR4_PAE) && (cpu->efer & GW_EFER_NXE));

	if ((access & GWALK_FETCH) && id)
		ec |= GWALK_PF_FETCH;
	return ec;
}
