/*
 * qsbr.c: quiescent-state-based reclamation, the MMU's own small RCU.
 *
 * A page table (or memslot copy) that has been unlinked may still be in use
 * by a lockless walker (fast page fault, MMIO check: L2) on another vCPU.
 * It is retired with a generation number and freed once every vCPU has
 * passed a quiescent point after the retirement:
 *
 *    retire(t)           vCPU k: ... exit_guest ... walk ... enter_guest ...
 *      gen = ++gp_seq                                      qs_seen = gp_seq
 *    reclaim: free node if for every vCPU k:
 *      in_guest[k]  (extended quiescent state: a vCPU in guest mode holds no
 *                    software reference; hardware walks are covered by the
 *                    TLB flush, which happened before the retire: Q1)
 *      or qs_seen[k] >= gen  (it passed enter/exit after the retire)
 *
 * Non-vCPU threads only touch tables with the MMU lock held, so once they
 * unlock they hold nothing; only vCPUs can hold lockless references.
 * The host tests' vCPU threads call enter/exit around "guest execution"
 * exactly as hv does around VMRUN/VMRESUME.
 */
#include "mmu_int.h"

void qsbr_init(struct qsbr *qs)
{
	qs->gp_seq = 0;
	qs->lock.locked = 0;
	qs->head = NULL;
	qs->tail = &qs->head;
	qs->pending = 0;
}

/* Q1: callers retire only after the TLB flush covering the unlink. */
void qsbr_retire(struct mmu_vm *vm, struct qsbr_node *node)
{
	struct qsbr *qs = &vm->qs;

	spin_lock(&qs->lock);
	node->gen = atomic_fetch_add64(&qs->gp_seq, 1) + 1;
	node->next = NULL;
	*qs->tail = node;
	qs->tail = &node->next;
	qs->pending++;
	spin_unlock(&qs->lock);
}

/* The newest generation every vCPU has quiesced past. */
static u64 qsbr_safe_gen(struct mmu_vm *vm)
{
	u64 safe = atomic_load_acquire(&vm->qs.gp_seq);

	smp_mb();   /* read gp_seq before the vCPUs' states (see header) */
	for (int i = 0; i < HVT_MAX_CPUS; i++) {
		struct mmu_vcpu *v = __atomic_load_n(&vm->vcpus[i], __ATOMIC_ACQUIRE);
		if (!v || atomic_load32_acquire(&v->in_guest))
			continue;
		u64 seen = atomic_load_acquire(&v->qs_seen);
		if (seen < safe)
			safe = seen;
	}
	return safe;
}

u64 qsbr_reclaim(struct mmu_vm *vm)
{
	struct qsbr *qs = &vm->qs;
	struct qsbr_node *done = NULL, **done_tail = &done;
	u64 safe, n = 0;

	if (!__atomic_load_n(&qs->head, __ATOMIC_ACQUIRE))
		return 0;
	safe = qsbr_safe_gen(vm);
	spin_lock(&qs->lock);
	while (qs->head && qs->head->gen <= safe) {
		struct qsbr_node *node = qs->head;
		qs->head = node->next;
		if (!qs->head)
			qs->tail = &qs->head;
		qs->pending--;
		*done_tail = node;
		done_tail = &node->next;
		node->next = NULL;
		n++;
	}
	spin_unlock(&qs->lock);
	while (done) {
		struct qsbr_node *node = done;
		done = node->next;
		node->free_fn(vm, node, false);
	}
	if (n) {
		STAT_INC(vm, grace_periods);
		trace_simple(HVT_NO_VCPU, HVT_GRACE, 0, 0, 0, safe, n, 0, 0, 0);
	}
	return n;
}

/* Teardown: every vCPU is gone, nothing can hold a reference. */
void qsbr_drain_all(struct mmu_vm *vm)
{
	struct qsbr *qs = &vm->qs;
	u64 n = 0;

	for (;;) {
		spin_lock(&qs->lock);
		struct qsbr_node *node = qs->head;
		if (node) {
			qs->head = node->next;
			if (!qs->head)
				qs->tail = &qs->head;
			qs->pending--;
		}
		spin_unlock(&qs->lock);
		if (!node)
			break;
		node->free_fn(vm, node, true);
		n++;
	}
	if (n)
		trace_simple(HVT_NO_VCPU, HVT_GRACE, 0, 0, 0, vm->qs.gp_seq, n, 0, 0, 0);
}

void mmu_vcpu_enter_guest(struct mmu_vcpu *vcpu)
{
	struct mmu_vm *vm = vcpu->vm;

	/* A quiescent point: this vCPU holds no lockless reference now. */
	atomic_store_release(&vcpu->qs_seen, atomic_load_acquire(&vm->qs.gp_seq));
	atomic_store32_release(&vcpu->in_guest, 1);
	smp_mb();
	qsbr_reclaim(vm);
}

void mmu_vcpu_exit_guest(struct mmu_vcpu *vcpu)
{
	struct mmu_vm *vm = vcpu->vm;

	/* Leave the extended quiescent state before touching any table: the
	 * full barrier orders the flag against the walks that follow. */
	atomic_store_release(&vcpu->qs_seen, atomic_load_acquire(&vm->qs.gp_seq));
	atomic_store32_release(&vcpu->in_guest, 0);
	smp_mb();
}
