/*
 * shadow_budget.c: the shadow page budget (mmu/SHADOW.md 5.14; KVM:
 * kvm_mmu_available_pages, make_mmu_pages_available, n_max_mmu_pages).
 *
 * Shadow pages (SPs) of guest page tables stay allocated until something
 * zaps them (flooding, a role change, an evicted root, teardown). Without a
 * limit, a guest that builds many page tables (many address spaces, huge
 * sparse mappings) makes hv allocate without bound, and when hv's page
 * allocator runs dry the shadow fault returns MMU_FAULT_ERROR and hv stops
 * the VM. The budget caps the valid SPs of a VM: before an op that may
 * create SPs (a fault: SHADOW_FAULT_PAGES, a CR3 load: 1) takes one from
 * the vCPU's cache, the least recently created/used SPs that no vCPU holds
 * as a root are zapped until the new ones fit.
 *
 * Why this is safe:
 *  - it runs at the start of the op, before the fault walks the shadow
 *    tables: nothing is being linked yet, so no SP of this fault's path can
 *    disappear under it; the next level is simply rebuilt;
 *  - roots (root_count > 0: the current root of some vCPU, or a cached one)
 *    are never reclaimed; the budget never goes below what the roots of
 *    every vCPU plus one fault need, so there is always a non-root to zap;
 *  - a reclaimed SP goes through shadow_zap_page like every zap: its SPTE
 *    changes are traced with the op's zap reason, its children that become
 *    orphans go too (I5), and it is freed only after the op's flush,
 *    through QSBR (I6; shadow_op_end).
 *
 * I12: every valid SP is on svm's LRU list exactly once and no zapped SP
 * is; after every op, nr_pages <= shadow_budget(vm) (shadow_check).
 */
#include "shadow_int.h"

/* The budget in force: cfg.shadow_max_pages, or 20 SPs per 1000 pages of
 * guest RAM with a floor of 64 (as KVM), never below the floor that the
 * roots of every vCPU (current + cached) plus one fault's SPs need. */
u64 shadow_budget(struct mmu_vm *vm)
{
	u64 floor = (u64)vm->cfg.nr_vcpus * (1 + SHADOW_PREV_ROOTS) + SHADOW_FAULT_PAGES;
	u64 budget = vm->cfg.shadow_max_pages;

	if (!budget) {
		u64 ram = 0;
		for (int i = 0; i < HC_MAX_SLOTS; i++) {
			struct memslot *s = __atomic_load_n(&vm->slots[i], __ATOMIC_ACQUIRE);
			if (s && !(s->flags & HC_MEM_ALLONES))
				ram += s->npages;
		}
		budget = ram * SHADOW_BUDGET_PER_K / 1000;
		if (budget < SHADOW_BUDGET_MIN)
			budget = SHADOW_BUDGET_MIN;
	}
	return budget < floor ? floor : budget;
}

/* The budget counts shadow pages; each takes its table and its metadata
 * (the back-links and rights of its 512 entries: several pages more). */
size_t mmu_shadow_page_bytes(void)
{
	return PAGE_SIZE + sizeof(struct shadow_page);
}

/* ---- the LRU list: head = most recently created or used ----------------- */
void shadow_lru_add(struct shadow_vm *svm, struct shadow_page *sp)
{
	sp->lru_prev = NULL;
	sp->lru_next = svm->lru_head;
	if (svm->lru_head)
		svm->lru_head->lru_prev = sp;
	else
		svm->lru_tail = sp;
	svm->lru_head = sp;
}

void shadow_lru_del(struct shadow_vm *svm, struct shadow_page *sp)
{
	if (sp->lru_prev)
		sp->lru_prev->lru_next = sp->lru_next;
	else
		svm->lru_head = sp->lru_next;
	if (sp->lru_next)
		sp->lru_next->lru_prev = sp->lru_prev;
	else
		svm->lru_tail = sp->lru_prev;
	sp->lru_prev = sp->lru_next = NULL;
}

void shadow_lru_touch(struct shadow_vm *svm, struct shadow_page *sp)
{
	if (svm->lru_head == sp)
		return;
	shadow_lru_del(svm, sp);
	shadow_lru_add(svm, sp);
}

/*
 * Make room for need new SPs. The oldest non-root SP is zapped, then the
 * scan starts again from the tail: a zap can take other SPs with it (its
 * children that no table links any more, I5), so a saved neighbour could
 * be gone. Roots sit on the list too and are stepped over; there are at
 * most nr_vcpus * 4 of them.
 */
u64 shadow_make_room(struct shadow_op *sop, u64 need)
{
	struct shadow_vm *svm = sop->svm;
	u64 budget = shadow_budget(sop->op->vm), before = svm->nr_pages;

	svm->stats.budget = budget;
	while (svm->nr_pages + need > budget) {
		struct shadow_page *sp = svm->lru_tail;
		while (sp && sp->root_count)
			sp = sp->lru_prev;
		if (!sp)
			break;    /* only roots left: the floor of shadow_budget prevents it */
		shadow_zap_page(sop, sp, HVT_SP_ZAP);
	}
	svm->stats.reclaimed += before - svm->nr_pages;
	return before - svm->nr_pages;
}
