/*
 * tdp_steps.h: steps of the TDP MMU that live in files of their own, one
 * idea each, so that a lab can build hv with a student's version of exactly
 * one of them (labs/README.md). Each file here is the product's real code
 * and the lab's reference solution:
 *
 *   tdp_zap_flush.c   freeing removed tables after ONE batched flush (seed 001, lab 04)
 *   tdp_hole.c        a fault in an all-ones slot is MMIO (seed 002, lab 05)
 *   tdp_teardown.c    clearing a removed table's entries (seed 003, lab 06)
 *   tdp_volatile.c    which SPTE writes must be atomic; the fast path's fix (seed 004, lab 07)
 */
#ifndef HVLAB_TDP_STEPS_H
#define HVLAB_TDP_STEPS_H

#include "mmu_int.h"

/* tdp_zap_flush.c. sp was unlinked by op and its entries are frozen:
 * arrange for it to be freed, never before a TLB flush covers it (Q1). */
void tdp_removed_pt_done(struct mmu_op *op, struct mmu_page *sp);
/* (mmu_op_finish, declared in mmu_int.h, is in tdp_zap_flush.c too.) */

/* tdp_teardown.c. sp (entries of level sp->level, first gfn sp->gfn) was
 * unlinked by op: make sure no entry of it maps anything any more and no
 * racing fault can fill one, counting op->skipped for entries left alone. */
void tdp_removed_pt_clear(struct mmu_op *op, struct mmu_page *sp);

/* tdp_hole.c. A fault at gpa (error: MMU_PF_*) inside slot, an all-ones
 * slot (a PCI hole). No lock held, caches not topped up yet. */
enum mmu_fault_result tdp_hole_fault(struct mmu_vcpu *vcpu, const struct memslot *slot,
				     gpa_t gpa, u32 error, struct mmu_mmio *mmio);

/* tdp_fault.c: map gfn to pfn read-only at 4 KiB as a fault would (read
 * lock, compare-exchange); the caller topped up vcpu's caches. For
 * comparisons (lab 05's eager mapping of a hole). */
enum mmu_fault_result tdp_map_4k_readonly(struct mmu_vcpu *vcpu, gfn_t gfn, pfn_t pfn);

/* tdp_volatile.c: spte_needs_atomic_update (declared in spte.h), and the
 * fast page fault's fix: install new_spte over *old with compare-exchange
 * (no lock held, L2) and, for a write, log gfn dirty AFTER it succeeded
 * (D2). Returns false, with *old refreshed, if the SPTE changed first. */
bool fast_pf_fix_spte(struct mmu_op *op, u64 *sptep, gfn_t gfn, int level,
		      u64 *old, u64 new_spte, bool write);

#endif
