/*
 * shadow_sync_leaf.c: the decision at the heart of sync_page (seed 000,
 * mmu/SHADOW.md 5.5). A file of its own so that lab 03 (labs/03-unsync-sync)
 * can build hv with a student's version of exactly this function; this is
 * the product's code and the lab's reference solution.
 *
 * shadow_sync_spte (shadow_sync.c) has already checked that gPTE i of the
 * unsync page sp is present, accessed, free of reserved bits and still maps
 * the frame the SPTE maps (gfn = sp->ent[i].gfn, in slot). What is left:
 *
 *  - access bits unchanged: SKIP, no write (KVM since v6.4).
 *  - anything else, INCLUDING write access being added, is rewritten
 *    (seed 000: a #PF removes the TLB entries for its address, so a !W
 *    fault on this page must find the new W; skipping only costs exits).
 *    cfg.shadow_sync_skip_wadd keeps the wrong variant for the lab.
 */
#include "shadow_int.h"

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
	if (vm->cfg.shadow_sync_skip_wadd && acc == (sp->access[i] | GWALK_ACC_W))
		return;                           /* the WRONG rule, selectable for the lab */
	sop->svm->stats.sync_changed++;
	spte_acc = acc;
	/* I4; and while synchronizing nothing else goes unsync (5.5). */
	if ((acc & GWALK_ACC_W) && shadow_gfn_needs_wrprot(sop, gfn, false))
		spte_acc &= ~GWALK_ACC_W;
	/* A set: synchronizing is not a prefetch (seed 000, second pitfall);
	 * D kept if the SPTE stays writable. */
	new_spte = shadow_make_leaf(vm, slot, gfn, spte_acc, true, false);
	if (is_writable_spte(f, new_spte))
		new_spte |= old & f->dirty_mask;
	before = sop->op->writes;
	shadow_set_leaf(sop, sp, i, gfn, acc, new_spte, HVT_SR_SYNC);
	sop->svm->stats.sync_writes += sop->op->writes - before;
}
