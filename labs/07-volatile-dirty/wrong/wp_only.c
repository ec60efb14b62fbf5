/*
 * Lab 07, WRONG ANSWER "wp_only": only the fast page fault is feared ("the
 * MMU is the only one writing SPTEs; the fast path is the one exception").
 * Forgets the CPU: with A/D bits on, a writable leaf that is not yet Dirty
 * gets D from the hardware walker at any moment, lock or no lock. A plain
 * store that clears or zaps it can drop that D bit: a written page missing
 * from the dirty log (KVM commit ba3a6120a4e7).
 */
#include "mmu/spte.h"

bool spte_needs_atomic_update(const struct spte_format *f, u64 spte, int level)
{
	if (!is_mmu_present_spte(spte) || !is_last_spte(f, spte, level))
		return false;
	return !is_writable_spte(f, spte) && is_mmu_writable_spte(f, spte);
}
