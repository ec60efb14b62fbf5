/*
 * Lab 04: zap with one batched flush and deferred page-table freeing.
 * YOUR FILE: it replaces mmu/tdp_zap_flush.c in the lab build of hv.
 * Read labs/04-zap-flush/README.md first.
 *
 * This is the SKELETON you start from. It runs (the guest passes), but it
 * flushes the TLBs once for EVERY removed table, and the grader wants ONE
 * flush per zap. Write the two functions below.
 */
#include "mmu/tdp_steps.h"

/*
 * handle_removed_pt (mmu/tdp_mmu.c) has unlinked table sp and frozen its
 * entries. Arrange for it to be freed, but never before a remote TLB flush
 * covers it (DESIGN.md Q1). Useful: op->retired and sp->batch_next (a list
 * the op owns), mmu_page_retire(vm, sp) (hands sp to QSBR, which frees it
 * once every vCPU has passed a quiescent point), mmu_flush_remote(...).
 * Keep the vm->cfg.flush_per_table slow path (one flush per table) working:
 * the labs compare the two.
 */
void tdp_removed_pt_done(struct mmu_op *op, struct mmu_page *sp)
{
	/* SKELETON: a flush for this table alone, then retire it. Safe, slow. */
	mmu_flush_remote(op->vm, op_vcpu_id(op), sp->gfn, pages_per_level(sp->level + 1),
			 SPTE_ENT_PER_PAGE, HVT_FR_ZAP_PER_TABLE);
	mmu_page_retire(op->vm, sp);
}

/*
 * The end of every MMU operation (fault, zap, memslot change, teardown).
 * If op->need_flush, issue the op's ONE remote flush over
 * [op->flush_start, op->flush_end) (a full flush, npages 0, above 1 GiB
 * worth of pages), counting op->zapped and giving op->flush_reason; then
 * retire the tables the op collected; then qsbr_reclaim(vm).
 */
void mmu_op_finish(struct mmu_op *op)
{
	/* SKELETON: a full flush when one is needed; nothing collected. */
	if (op->need_flush)
		mmu_flush_remote(op->vm, op_vcpu_id(op), 0, 0, op->zapped, op->flush_reason);
	op->need_flush = false;
	qsbr_reclaim(op->vm);
}
