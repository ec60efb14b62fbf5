/*
 * Lab 07: volatile SPTE bits and atomic SPTE writes.
 * YOUR FILE: it replaces mmu/spte_volatile.c in the lab build of hv.
 * Read labs/07-volatile-dirty/README.md first.
 *
 * This is the SKELETON you start from: it says "never volatile", so every
 * SPTE write with the MMU lock held for write is a plain store. The guest
 * still passes here (one vCPU, nothing races the store), but the grader
 * finds the plain stores to SPTEs whose D bit the CPU could have been
 * setting at that very moment.
 */
#include "mmu/spte.h"

/*
 * May something OUTSIDE the MMU lock change this SPTE (at this level)
 * while we write it? tdp_write_spte (mmu/tdp_mmu.c) writes it with a
 * compare-exchange if so, else with a plain store. Think of: the CPU
 * setting A/D in a leaf (f->ad_enabled, f->dirty_mask), the fast page
 * fault setting W on a leaf that is MMU-writable but not writable, access
 * tracking without A/D. Empty, MMIO, frozen SPTEs and links to tables?
 * Useful: is_mmu_present_spte, is_last_spte, is_writable_spte,
 * is_mmu_writable_spte (mmu/spte.h).
 */
bool spte_needs_atomic_update(const struct spte_format *f, u64 spte, int level)
{
	return false;   /* SKELETON */
}
