/*
 * gwalk_perm_no_smep.c: the guest walker's access-rights rule with ONE
 * deliberate mistake, for hv's livelock test (hv/test/livelock-check.sh)
 * and nothing else: build/hv/livelock/hv.elf links it in place of
 * mmu/gwalk_perm.c (hv/hv.mk), the product never does.
 *
 * The mistake: a supervisor fetch from a user page with X is allowed even
 * with CR4.SMEP=1 (lab 02's wrong answer smep_ignored). Under mmu=shadow
 * the MMU then installs an SPTE with U=1, the CPU (running the guest with
 * SMEP) refuses the fetch again with the same #PF, the MMU "fixes" it
 * again: the livelock hv/core/fault_loop.c must end with a message.
 *
 * Everything else is the reference: mmu/gwalk_perm.c is included with its
 * gwalk_permission_fault renamed, and this file's version defers to it, so
 * the test follows the reference when it changes.
 */
#define gwalk_permission_fault gwalk_permission_fault_ref
#include "mmu/gwalk_perm.c"
#undef gwalk_permission_fault

bool gwalk_permission_fault(const struct gwalk_cpu *cpu, u32 access, u32 eff);

bool gwalk_permission_fault(const struct gwalk_cpu *cpu, u32 access, u32 eff)
{
	if ((access & GWALK_FETCH) && !(access & GWALK_USER) && (eff & GWALK_ACC_X))
		return false;                   /* WRONG on purpose: SMEP not applied */
	return gwalk_permission_fault_ref(cpu, access, eff);
}
