/*
 * Lab 07, WRONG ANSWER "no_mark": the volatile rule is right, but the fast
 * path's fix does not log the write ("the slow path marks dirty pages, and
 * the fast path only flips W back"). With dirty logging by write
 * protection, the fast path is exactly where writes to logged pages are
 * seen: every such page is missing from the next fetch.
 *
 * fails: guest no_written_page_missing
 */
#include "mmu/tdp_steps.h"

bool spte_needs_atomic_update(const struct spte_format *f, u64 spte, int level)
{
	if (!is_mmu_present_spte(spte) || !is_last_spte(f, spte, level))
		return false;
	if (!is_writable_spte(f, spte) && is_mmu_writable_spte(f, spte))
		return true;
	if (!f->ad_enabled)
		return true;
	return is_writable_spte(f, spte) && !(spte & f->dirty_mask);
}

bool fast_pf_fix_spte(struct mmu_op *op, u64 *sptep, gfn_t gfn, int level,
		      u64 *old, u64 new_spte, bool write)
{
	return tdp_write_spte(op, sptep, gfn_round_down(gfn, level), level, old, new_spte,
			      HVT_SR_FAST_FIX);
}
