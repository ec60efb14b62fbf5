/*
 * Lab 06, WRONG ANSWER "plain_clear": skips the empty entries (right) but
 * clears the present ones with a plain store of its own ("I hold the lock").
 * That bypasses the one SPTE writer: no trace record, no D-bit harvest
 * (a write the CPU made a moment ago is lost from the dirty log), child
 * tables are never removed, and the write is not atomic on a volatile SPTE.
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

		if (!is_mmu_present_spte(old)) {
			op->skipped++;
			continue;
		}
		if (op->lock_write) {
			*sptep = f->frozen_value;
			continue;
		}
		while (!tdp_write_spte(op, sptep, gfn, sp->level, &old, f->frozen_value, HVT_SR_FREEZE))
			;
	}
}
