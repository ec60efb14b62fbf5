/*
 * tdp_volatile.c: volatile SPTE bits (seed 004): which SPTEs must be
 * written atomically, and the fast page fault's lockless fix.
 *
 * Some SPTE bits change OUTSIDE the MMU lock: the CPU sets Accessed and
 * Dirty in a leaf while it walks, and the fast page fault (tdp_fault.c)
 * sets W with a compare-exchange. A leaf whose bits can still change that
 * way is *volatile*: a plain store, even with the lock held for write,
 * could overwrite a D bit the CPU set a moment before (a written page
 * missing from the dirty log), or undo the fast path's W (the TLB says
 * writable, the MMU thinks not, and no flush follows). tdp_write_spte
 * writes volatile SPTEs with compare-exchange and traces them
 * HVT_F_VOLATILE; everything else under the write lock is a plain store.
 *
 * Not volatile: empty, MMIO and frozen SPTEs, links to tables (the MMU
 * never reads their A bits), a writable leaf that is already Dirty (W is
 * never CLEARED outside the lock, and D is set), a leaf that is neither
 * writable nor MMU-writable. The Accessed bit alone does not count: a lost
 * A bit only makes aging less precise.
 */
#include "tdp_steps.h"

bool spte_needs_atomic_update(const struct spte_format *f, u64 spte, int level)
{
	/* Empty, MMIO and frozen SPTEs have nothing anyone sets outside the lock;
	 * non-leaf A bits are never consumed (REFERENCE 3e). */
	if (!is_mmu_present_spte(spte) || !is_last_spte(f, spte, level))
		return false;
	/* The fast page fault may set W on a write-protected, MMU-writable leaf. */
	if (!is_writable_spte(f, spte) && is_mmu_writable_spte(f, spte))
		return true;
	/* Without A/D, fast page faults restore access-tracked leaves and aging
	 * marks them, both outside the lock. */
	if (!f->ad_enabled)
		return true;
	/* With A/D the CPU may still set D on a writable leaf. A lost A bit is
	 * tolerated (aging is approximate), so A alone is not volatile. */
	return is_writable_spte(f, spte) && !(spte & f->dirty_mask);
}


/*
 * The fast page fault (tdp_fault.c) found a leaf it can fix without the
 * lock: write-protected but MMU-writable (dirty logging without A/D), or
 * access-tracked. The fix is a compare-exchange; the dirty bit is set in
 * the slot's bitmap only AFTER it succeeded. Marking before would let a
 * log fetch in between clear the bit and write-protect nothing (the W is
 * not there yet); the write-protect then set afterwards would leave a
 * writable leaf that no fetch ever reports (DESIGN.md D2).
 */
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
