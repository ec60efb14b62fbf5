/*
 * Lab 04, WRONG ANSWER "free_now": "the table is unlinked, nobody can
 * reach it any more: free it at once". A vCPU's paging-structure cache may
 * still point into it until the flush, and the CPU may set A/D bits in it:
 * its page can be reused while a walker still uses it (seed 001).
 * The grader's freed_after_flush check catches it.
 */
#include "mmu/tdp_steps.h"

void tdp_removed_pt_done(struct mmu_op *op, struct mmu_page *sp)
{
	mmu_page_free_now(op->vm, sp, HVT_FREE_IMMEDIATE);
}

void mmu_op_finish(struct mmu_op *op)
{
	if (op->need_flush) {
		u64 npages = op->flush_end - op->flush_start;
		if (npages > pages_per_level(PG_LEVEL_1G + 1))
			npages = 0;
		mmu_flush_remote(op->vm, op_vcpu_id(op), npages ? op->flush_start : 0, npages,
				 op->zapped, op->flush_reason);
		op->need_flush = false;
	}
	qsbr_reclaim(op->vm);
}
