/*
 * Lab 03, WRONG ANSWER lose_dirty: the rewritten SPTE starts clean.
 *
 * Belief: "shadow_make_leaf builds the whole SPTE; the old one's bits are
 * stale, throw them away."
 *
 * Why it is wrong: the Dirty bit of a writable SPTE records that the guest
 * wrote the page through it. An SPTE rewritten for another reason (here the
 * guest added NX to a written page) that stays writable must keep D, or the
 * host (dirty logging, writeback, migration) never learns of those writes.
 *
 * fails: sync_keeps_dirty
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
	new_spte = shadow_make_leaf(vm, slot, gfn, spte_acc, true, false);
	(void)f;
	(void)old;                                /* WRONG: D of the old SPTE not carried over */
	before = sop->op->writes;
	shadow_set_leaf(sop, sp, i, gfn, acc, new_spte, HVT_SR_SYNC);
	sop->svm->stats.sync_writes += sop->op->writes - before;
}
