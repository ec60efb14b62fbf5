/*
 * Lab 07, WRONG ANSWER "all_present": "atomic is always safe": every
 * present SPTE, tables included. Nothing is lost, but every write pays for
 * a locked compare-exchange, also where nothing can race (links to tables,
 * writable leaves already Dirty, read-only leaves). The grader's
 * atomic_only_when_needed check counts them.
 */
#include "mmu/spte.h"

bool spte_needs_atomic_update(const struct spte_format *f, u64 spte, int level)
{
	return is_mmu_present_spte(spte);
}
