/*
 * Lab 03, WRONG ANSWER prefetch_a: the rewritten SPTE is built like a
 * prefetched one, Accessed bit clear.
 *
 * Belief: "the sync is speculative, like prefetch: nobody accessed the page
 * through this SPTE yet, so leave A clear and let aging see it as unused."
 *
 * Why it is wrong (seed 000, Sean Christopherson: "can't we just pass
 * @prefetch=false to make_spte()?"): sync already dropped every gPTE
 * without A, so the guest did access the page; an SPTE without A looks
 * idle to aging, which zaps it, and the guest refaults on a page it uses.
 *
 * fails: sync_sets_accessed
 */
#include "mmu/shadow_int.h"

void shadow_sync_leaf(struct shadow_op *sop, struct shadow_page *sp, int i,
		      struct memslot *slot, u64 gpte)
{
	struct mmu_vm *vm = sop->op->vm;
	const struct gwalk_cpu *cpu = &sop->sv->cpu;
	const struct spte_format *f = &vm->fmt;
	gfn_t gfn = sp->ent[i].gfn;
	u64 old = sp->spt[i], new_spte, before;
	u32 acc, spte_acc;

	acc = role_access(sp->role) & gwalk_gpte_access(cpu, 1, gpte);
	if (!(gpte & GPTE_D))
		acc &= ~GWALK_ACC_W;
	if (acc == sp->access[i])
		return;                           /* I8 / seed 000: unchanged, skip */
	sop->svm->stats.sync_changed++;
	spte_acc = acc;
	/* I4; and while synchronizing nothing else goes unsync (5.5). */
	if ((acc & GWALK_ACC_W) && shadow_gfn_needs_wrprot(sop, gfn, false))
		spte_acc &= ~GWALK_ACC_W;
	/* A set: synchronizing is not a prefetch (seed 000, second pitfall);
	 * D kept if the SPTE stays writable. */
	new_spte = shadow_make_leaf(vm, slot, gfn, spte_acc, false, false);   /* WRONG: A clear */
	if (is_writable_spte(f, new_spte))
		new_spte |= old & f->dirty_mask;
	before = sop->op->writes;
	shadow_set_leaf(sop, sp, i, gfn, acc, new_spte, HVT_SR_SYNC);
	sop->svm->stats.sync_writes += sop->op->writes - before;
}
