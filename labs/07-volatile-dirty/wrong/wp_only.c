/*
 * Lab 07, WRONG ANSWER "wp_only": only the fast page fault is feared ("the
 * MMU is the only one writing SPTEs; the fast path is the one exception").
 * Forgets the CPU: with A/D bits on, a writable leaf that is not yet Dirty
 * gets D from the hardware walker at any moment, lock or no lock. A plain
 * store that clears or zaps it can drop that D bit: a written page missing
 * from the dirty log (KVM commit ba3a6120a4e7).
 *
 * fails: no_plain_store_to_volatile dbit.no_plain_store_to_volatile
 */
#include "mmu/tdp_steps.h"

bool spte_needs_atomic_update(const struct spte_format *f, u64 spte, int level)
{
	if (!is_mmu_present_spte(spte) || !is_last_spte(f, spte, level))
		return false;
	return !is_writable_spte(f, spte) && is_mmu_writable_spte(f, spte);
}

/* (The fast-path fix as in the reference.) */
bool fast_pf_fix_spte(struct mmu_op *op, u64 *sptep, gfn_t gfn, int level,
		      u64 *old, u64 new_spte, bool write)
{
	struct memslot *slot;

	if (!tdp_write_spte(op, sptep, gfn_round_down(gfn, level), level, old, new_spte,
			    HVT_SR_FAST_FIX))
		return false;
	if (write && (slot = memslot_lookup(op->vm, gfn)))
		mark_page_dirty(op->vm, slot, gfn, 1);
	return true;
}
