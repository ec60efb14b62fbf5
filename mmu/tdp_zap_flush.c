/*
 * tdp_zap_flush.c: when removed page tables may be freed (seed 001).
 *
 * A zap that unlinks a subtree must flush the TLBs: a vCPU's paging-
 * structure caches may still point into the unlinked tables, and the CPU
 * may even set A/D bits in them. So a removed table is freed only after
 *   (a) a remote TLB flush that covers its unlink, and
 *   (b) every vCPU has passed a quiescent point (qsbr.c),       (Q1)
 * and the op issues ONE flush for everything it removed, not one per table:
 *
 *   zap op:  unlink T1 .. unlink T2 .. unlink Tn      flush      retire T1..Tn
 *            (tables queued on op->retired)          (once)      (to QSBR)
 *
 * The op's own protection (its vCPU is outside guest mode, so QSBR cannot
 * complete a grace period) stands in for every vCPU until the flush; KVM
 * uses the zapper's RCU read lock the same way.
 */
#include "tdp_steps.h"

void tdp_removed_pt_done(struct mmu_op *op, struct mmu_page *sp)
{
	struct mmu_vm *vm = op->vm;

	if (vm->cfg.flush_per_table) {
		/* The slow path the labs compare: one flush per removed table. */
		mmu_flush_remote(vm, op_vcpu_id(op), sp->gfn, pages_per_level(sp->level + 1),
				 SPTE_ENT_PER_PAGE, HVT_FR_ZAP_PER_TABLE);
		mmu_page_retire(vm, sp);
		return;
	}
	/* Q1: freed only after the op's one batched flush (mmu_op_finish). */
	sp->batch_next = op->retired;
	op->retired = sp;
}

/* The op's one flush, over the range its changes touched. */
static void op_flush(struct mmu_op *op)
{
	u64 npages = op->flush_end - op->flush_start;

	/* Above 1 GiB worth of pages a full flush is cheaper than a range. */
	if (npages > pages_per_level(PG_LEVEL_1G + 1))
		mmu_flush_remote(op->vm, op_vcpu_id(op), 0, 0, op->zapped, op->flush_reason);
	else
		mmu_flush_remote(op->vm, op_vcpu_id(op), op->flush_start, npages,
				 op->zapped, op->flush_reason);
	op->need_flush = false;
}

/* End of an operation: the batched flush, THEN the removed tables may be
 * retired to QSBR (seed 001: never free before the flush). */
void mmu_op_finish(struct mmu_op *op)
{
	if (op->need_flush)
		op_flush(op);
	while (op->retired) {
		struct mmu_page *sp = op->retired;
		op->retired = sp->batch_next;
		mmu_page_retire(op->vm, sp);
	}
	qsbr_reclaim(op->vm);
}
