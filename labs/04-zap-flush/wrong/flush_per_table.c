/*
 * Lab 04, WRONG ANSWER "flush_per_table": correct batching in
 * mmu_op_finish, but each removed table ALSO gets a flush of its own when
 * it is removed ("to be safe"). Safe, and as slow as no batching at all:
 * the grader's one_flush_per_zap check counts the flushes of each zap.
 */
#include "mmu/tdp_steps.h"

void tdp_removed_pt_done(struct mmu_op *op, struct mmu_page *sp)
{
	mmu_flush_remote(op->vm, op_vcpu_id(op), sp->gfn, pages_per_level(sp->level + 1),
			 SPTE_ENT_PER_PAGE, HVT_FR_ZAP);
	sp->batch_next = op->retired;
	op->retired = sp;
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
	while (op->retired) {
		struct mmu_page *sp = op->retired;
		op->retired = sp->batch_next;
		mmu_page_retire(op->vm, sp);
	}
	qsbr_reclaim(op->vm);
}
