/*
 * Lab 06: teardown that skips non-present SPTEs.
 * YOUR FILE: it replaces mmu/tdp_teardown.c in the lab build of hv.
 * Read labs/06-teardown-skip/README.md first.
 *
 * This is the SKELETON you start from. It is correct (it freezes every
 * entry, as the shared-lock path must) but with the lock held for write it
 * writes all 512 entries of every removed table, even the empty ones.
 */
#include "mmu/tdp_iter.h"
#include "mmu/tdp_steps.h"

/*
 * Table sp (512 entries of level sp->level, entry i maps gfn
 * sp->gfn + i * pages_per_level(sp->level)) was unlinked by op. Make every
 * entry unable to map anything, through tdp_write_spte /
 * tdp_update_spte_excl only (they trace the write, harvest D bits and
 * remove child tables). op->lock_write says whether the MMU lock is held
 * for write. Count each entry you leave alone in op->skipped.
 * Reason for the writes: HVT_SR_TEARDOWN if op->teardown, else HVT_SR_FREEZE.
 */
void tdp_removed_pt_clear(struct mmu_op *op, struct mmu_page *sp)
{
	const struct spte_format *f = &op->vm->fmt;
	u8 reason = op->teardown ? HVT_SR_TEARDOWN : HVT_SR_FREEZE;

	for (int i = 0; i < SPTE_ENT_PER_PAGE; i++) {
		u64 *sptep = sp->spt + i;
		gfn_t gfn = sp->gfn + (u64)i * pages_per_level(sp->level);
		u64 old = spte_read(sptep);

		/* SKELETON: freeze every entry, whatever the lock. Another CPU's
		 * atomic zap may own a frozen entry for a moment: wait it out. */
		for (;;) {
			if (is_frozen_spte(f, old)) {
				env_cpu_relax();
				old = spte_read(sptep);
				continue;
			}
			if (tdp_write_spte(op, sptep, gfn, sp->level, &old, f->frozen_value, reason))
				break;
		}
	}
}
