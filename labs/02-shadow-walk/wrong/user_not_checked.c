/*
 * Lab 02, WRONG ANSWER user_not_checked: a user-mode data access needs
 * only R/W for a write; U/S is not looked at.
 *
 * Belief: "U/S is about code: user programs must not run kernel code, so
 * only fetches check it; reads and writes go by R/W like the kernel's."
 *
 * Why it is wrong (SDM 4.6.1): a user-mode access (CPL 3) to a
 * supervisor-mode address (U/S=0 at some level) faults, read, write or
 * fetch: U/S is what keeps user programs out of kernel memory. Here the
 * walk allows a user read of a kernel page; the shadow MMU maps the page
 * with U=0 (as the guest's tables say), and the CPU refuses the read
 * again with the same #PF, forever: hv ends the run after 10 000
 * identical faults (hv/core/fault_loop.c) with "the MMU keeps fixing a
 * fault the CPU keeps raising".
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
		return user_addr && (cpu->cr4 & GW_CR4_SMEP);
	}
	if (access & GWALK_USER)
		return write && !(eff & GWALK_ACC_W);   /* WRONG: U/S not checked */
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
