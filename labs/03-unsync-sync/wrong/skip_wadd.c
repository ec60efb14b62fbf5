/*
 * Lab 03, WRONG ANSWER skip_wadd: the v1 patch of seed 000.
 *
 * Belief: "adding write access needs no work now: if the guest writes, the
 * SPTE faults, hv walks the gPTE, sees W and fixes it. Only a change that
 * takes rights away must be written at once."
 *
 * Why it is wrong (Sean Christopherson on the patch): delivering a #PF
 * removes the TLB entries for the faulting address, and a sync point (here
 * MOV CR3) makes every gPTE change visible: after it the guest may rely on
 * the new W. Skipping leaves a read-only SPTE behind, and every write to
 * such a page costs an exit the architecture does not allow to be needed
 * (in KVM, a !WRITABLE fault on an unsync page that is injected as a #PF
 * must find the refreshed SPTE). The check no_write_fault_after_sync finds
 * the write faults hv fixes right after a sync that saw the writable gPTE.
 *
 * fails: no_write_fault_after_sync
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
	if (acc == sp->access[i] || acc == (sp->access[i] | GWALK_ACC_W))
		return;                           /* WRONG: unchanged, or only W added */
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
