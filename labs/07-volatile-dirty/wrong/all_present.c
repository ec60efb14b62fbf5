/*
 * Lab 07, WRONG ANSWER "all_present": "atomic is always safe": every
 * present SPTE, tables included. Nothing is lost, but every write pays for
 * a locked compare-exchange, also where nothing can race (links to tables,
 * writable leaves already Dirty, read-only leaves). The grader's
 * atomic_only_when_needed check counts them.
 *
 * fails: atomic_only_when_needed dbit.atomic_only_when_needed
 */
#include "mmu/tdp_steps.h"

bool spte_needs_atomic_update(const struct spte_format *f, u64 spte, int level)
{
	return is_mmu_present_spte(spte);
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
