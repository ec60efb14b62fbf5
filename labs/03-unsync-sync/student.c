/*
 * Lab 03: unsync and sync_page (seed 000).
 * YOUR FILE: it replaces mmu/shadow_sync_leaf.c in the lab build of hv.
 * Read labs/03-unsync-sync/README.md first.
 *
 * This is the SKELETON you start from. It runs and the guest passes: it
 * rewrites EVERY SPTE the sync looks at, changed or not, which is always
 * correct and never cheap (each write is a trace record, a TLB entry lost
 * and, for a page being aged, an Accessed bit faked). The grader wants
 * one SPTE write per gPTE whose access changed, and no skip that costs
 * the guest a fault. Write the decision.
 */
#include "mmu/shadow_int.h"

/*
 * shadow_sync_spte (mmu/shadow_sync.c) calls this for SPTE i of the shadow
 * page sp being synced, once it has checked that the gPTE is present,
 * accessed, free of reserved bits and still maps the frame SPTE i maps
 * (sp->ent[i].gfn, in slot). Decide whether SPTE i must be rewritten, and
 * rewrite it if so.
 *
 * What you have:
 *   sp->access[i]      the GWALK_ACC_* (U, W, X) SPTE i was built from, as the
 *                      guest allowed it ("no W until the gPTE is dirty"
 *                      already applied), before write protection took W away
 *   sp->spt[i]         the SPTE as it is now (A and D bits may be set)
 *   role_access(sp->role) & gwalk_gpte_access(cpu, 1, gpte)
 *                      what the levels above and this gPTE allow now
 *   shadow_gfn_needs_wrprot(sop, gfn, false)
 *                      true if gfn holds a shadowed guest page table: then no W
 *                      in the SPTE, whatever the guest allows (I4); false
 *                      because nothing goes unsync while syncing (5.5)
 *   shadow_make_leaf(vm, slot, gfn, access, accessed, dirty), f->dirty_mask,
 *   is_writable_spte(f, spte)
 *   shadow_set_leaf(sop, sp, i, gfn, guest_access, new_spte, HVT_SR_SYNC)
 *                      the one SPTE writer: traces the change and records
 *                      guest_access in sp->access[i]
 * Keep the statistics: sync_changed once per rewritten SPTE, sync_writes
 * += the SPTE writes it took (sop->op->writes before and after).
 */
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
		acc &= ~GWALK_ACC_W;              /* no W until the guest's page is dirty */
	/* SKELETON: no decision: every SPTE is rewritten, changed or not. */
	sop->svm->stats.sync_changed++;
	spte_acc = acc;
	if ((acc & GWALK_ACC_W) && shadow_gfn_needs_wrprot(sop, gfn, false))
		spte_acc &= ~GWALK_ACC_W;
	new_spte = shadow_make_leaf(vm, slot, gfn, spte_acc, true, false);
	if (is_writable_spte(f, new_spte))
		new_spte |= old & f->dirty_mask;
	before = sop->op->writes;
	shadow_set_leaf(sop, sp, i, gfn, acc, new_spte, HVT_SR_SYNC);
	sop->svm->stats.sync_writes += sop->op->writes - before;
}
