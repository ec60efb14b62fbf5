/*
 * Lab 03, WRONG ANSWER no_wrprot: the SPTE takes exactly the access the
 * guest grants.
 *
 * Belief: "sync makes the SPTE follow the gPTE; if the gPTE grants W, the
 * SPTE gets W."
 *
 * Why it is wrong: a frame that holds a shadowed guest page table must stay
 * write-protected (I4, mmu/SHADOW.md 5.4): the shadow MMU learns of the
 * guest's page-table edits only because they trap. Here the guest maps its
 * own page table at ALIAS and makes that mapping writable; with W in the
 * SPTE, its next edit through ALIAS goes unseen, the shadow page stays
 * "in sync" with a gPTE it never read, and the guest keeps using the old
 * frame (labsync_alias_remap). While synchronizing, the page may not go
 * unsync either (can_unsync false): only a fault may do that.
 *
 * fails: sync_keeps_wrprot guest
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
	/* WRONG: no write protection of frames that hold shadowed gPTs */
	/* A set: synchronizing is not a prefetch (seed 000, second pitfall);
	 * D kept if the SPTE stays writable. */
	new_spte = shadow_make_leaf(vm, slot, gfn, spte_acc, true, false);
	if (is_writable_spte(f, new_spte))
		new_spte |= old & f->dirty_mask;
	before = sop->op->writes;
	shadow_set_leaf(sop, sp, i, gfn, acc, new_spte, HVT_SR_SYNC);
	sop->svm->stats.sync_writes += sop->op->writes - before;
}
