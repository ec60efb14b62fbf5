/*
 * Lab 06, WRONG ANSWER "skip_all": "with the lock held for write nothing
 * can change these entries, so there is nothing to do". Nothing can make
 * an EMPTY entry present; but a PRESENT one still maps a page: its D bit
 * must be harvested, a child table must be removed in turn, and the entry
 * must be cleared before its table's page is freed and reused.
 *
 * fails: writes_equal_present present_cleared teardown_writes_equal_present
 */
#include "mmu/tdp_iter.h"
#include "mmu/tdp_steps.h"

void tdp_removed_pt_clear(struct mmu_op *op, struct mmu_page *sp)
{
	const struct spte_format *f = &op->vm->fmt;

	for (int i = 0; i < SPTE_ENT_PER_PAGE; i++) {
		u64 *sptep = sp->spt + i;
		gfn_t gfn = sp->gfn + (u64)i * pages_per_level(sp->level);
		u64 old = spte_read(sptep);

		if (op->lock_write) {
			op->skipped++;
			continue;
		}
		while (!tdp_write_spte(op, sptep, gfn, sp->level, &old, f->frozen_value, HVT_SR_FREEZE))
			;
	}
}
