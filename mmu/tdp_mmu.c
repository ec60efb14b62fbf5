/*
 * tdp_mmu.c: the one SPTE writer, what follows a change (table removal,
 * dirty harvest, flush bookkeeping), and zapping.
 *
 * Every SPTE write in mmu/ goes through tdp_write_spte(), which
 *   1. checks the transition (check_spte_transition, invariants in DESIGN.md),
 *   2. reserves the trace seq BEFORE the write and emits the record after
 *      (T3); a lost compare-exchange still emits, with HVT_F_LOST_RACE and
 *      new == old (the value this writer expected),
 *   3. runs handle_changed_spte() for the side effects.
 * How it writes depends on the lock (L1/L2) and on the old value (seed 004):
 *   lock for read or none   compare-exchange; may lose (returns false)
 *   lock for write, SPTE    compare-exchange too: the CPU may set D or the
 *   with volatile bits      fast path may set W meanwhile; tdp_update_spte_excl
 *                           re-derives the new value from what it lost to and
 *                           retries, so no D bit is ever dropped. (Not a plain
 *                           XCHG: an XCHG cannot fail, so a fast-path write
 *                           that reserved a later seq could land before it
 *                           and break the seq = write order rule T3.)
 *   lock for write, other   plain store (nothing else can change it).
 */
#include "tdp_iter.h"
#include "tdp_steps.h"

void mmu_op_init(struct mmu_op *op, struct mmu_vm *vm, struct mmu_vcpu *vcpu,
		 bool lock_write, u8 zap_reason, u8 flush_reason)
{
	*op = (struct mmu_op){0};
	op->vm = vm;
	op->vcpu = vcpu;
	op->lock_write = lock_write;
	op->zap_reason = zap_reason;
	op->flush_reason = flush_reason;
	op->flush_start = ~0ull;
}

u64 *spte_to_child_pt(const struct mmu_vm *vm, u64 spte)
{
	return env_hpa_to_va(spte_to_pfn(&vm->fmt, spte) << PAGE_SHIFT);
}

/* Widen the range the op's flush must cover. */
static void note_flush(struct mmu_op *op, gfn_t gfn, int level)
{
	gfn_t start = gfn_round_down(gfn, level);
	gfn_t end = start + pages_per_level(level);

	op->need_flush = true;
	if (start < op->flush_start)
		op->flush_start = start;
	if (end > op->flush_end)
		op->flush_end = end;
}

static void handle_removed_pt(struct mmu_op *op, hpa_t table_hpa, int level, gfn_t gfn);

/* A leaf lost its translation, its W or its D: record a possible write. */
static void harvest_dirty(struct mmu_op *op, gfn_t gfn, int level, u64 old)
{
	struct mmu_vm *vm = op->vm;
	struct memslot *slot;

	if (!is_dirty_spte(&vm->fmt, old))
		return;
	slot = memslot_lookup(vm, gfn);
	if (slot)
		mark_page_dirty(vm, slot, gfn_round_down(gfn, level), pages_per_level(level));
}

/* Side effects of a write that succeeded (KVM: handle_changed_spte). */
static void handle_changed_spte(struct mmu_op *op, gfn_t gfn, int level,
				u64 old, u64 new_spte, u8 reason)
{
	const struct spte_format *f = &op->vm->fmt;
	bool per_table = op->vm->cfg.flush_per_table;

	if (!is_mmu_present_spte(old))
		return;   /* empty, MMIO or frozen: nothing was mapped */
	if (is_last_spte(f, old, level)) {
		bool gone = !is_mmu_present_spte(new_spte) ||
			    spte_to_pfn(f, new_spte) != spte_to_pfn(f, old);
		bool lost_w = is_writable_spte(f, old) && !is_writable_spte(f, new_spte);
		bool lost_d = f->dirty_mask && (old & f->dirty_mask) && !(new_spte & f->dirty_mask);

		if (gone || lost_d)
			harvest_dirty(op, gfn, level, old);
		if (gone)
			op->zapped++;
		/* Aging never flushes: a stale TLB entry only makes aging less
		 * precise (REFERENCE 3e). Inside a per-table removal the table's
		 * own flush covers its leaves. Everything else that removed a
		 * translation, W or D needs the op's flush before it returns. */
		if ((gone || lost_w || lost_d) && reason != HVT_SR_AGE &&
		    !(op->removing && per_table))
			note_flush(op, gfn, level);
		return;
	}
	/* A table: unchanged link, or unlinked (zap / huge replace / freeze). */
	if (is_mmu_present_spte(new_spte) && !is_last_spte(f, new_spte, level) &&
	    spte_to_pfn(f, new_spte) == spte_to_pfn(f, old))
		return;
	op->zapped++;
	if (op->shadow) {
		/* A shadow table outlives its link (other parents, roots, the SP
		 * hash); mmu/shadow.c unlinks and frees it itself, after this
		 * flush (mmu/SHADOW.md, I6). */
		note_flush(op, gfn, level);
		return;
	}
	/* Paging-structure caches may still hold the old link: flush (seed 001),
	 * batched for the op unless per-table mode flushes in the removal. */
	if (!per_table)
		note_flush(op, gfn, level);
	handle_removed_pt(op, spte_to_pfn(f, old) << PAGE_SHIFT, level - 1, gfn_round_down(gfn, level));
}

bool tdp_write_spte(struct mmu_op *op, u64 *sptep, gfn_t gfn, int level,
		    u64 *old, u64 new_spte, u8 reason)
{
	struct mmu_vm *vm = op->vm;
	const struct spte_format *f = &vm->fmt;
	bool vol = spte_needs_atomic_update(f, *old, level);
	bool atomic = !op->lock_write || vol;
	struct hvt_record rec = {
		.vcpu = op_vcpu_id(op), .type = HVT_SPTE_CHANGE, .reason = reason,
		.level = (u8)level, .a = gfn, .b = env_va_to_hpa(sptep), .c = *old,
		.d = new_spte, .e = op->shadow ? op->root_hpa : vm->root ? vm->root->hpa : 0,
	};

	check_spte_transition(op, *old, new_spte, level, gfn, reason);   /* incl. L1 */
	if ((is_mmu_present_spte(*old) && is_last_spte(f, *old, level)) ||
	    (is_mmu_present_spte(new_spte) && is_last_spte(f, new_spte, level)))
		rec.flags |= HVT_F_LEAF;
	if (vol)
		rec.flags |= HVT_F_VOLATILE;
	if (op->lock_write)
		rec.flags |= HVT_F_LOCK_WRITE;
	if (op->shadow)
		rec.flags |= HVT_F_SHADOW;
	if (atomic)
		rec.flags |= HVT_F_ATOMIC;

	rec.seq = env_trace_reserve();            /* T3: before the write */
	if (atomic) {
		u64 expected = *old;
		if (!atomic_cmpxchg64(sptep, &expected, new_spte)) {
			rec.d = rec.c;                    /* nothing written */
			rec.flags |= HVT_F_LOST_RACE;
			env_trace_emit(&rec);
			*old = expected;
			op->lost++;
			STAT_INC(vm, spte_lost);
			return false;
		}
		STAT_INC(vm, spte_atomic);
	} else {
		__atomic_store_n(sptep, new_spte, __ATOMIC_RELEASE);
	}
	env_trace_emit(&rec);
	op->last_seq = rec.seq;
	op->writes++;
	STAT_INC(vm, spte_writes);
	if (op->removing)
		STAT_INC(vm, removed_writes);
	handle_changed_spte(op, gfn, level, *old, new_spte, reason);
	return true;
}

/* Lock held for write: write derive(old), retrying on a lost race with the
 * CPU or the fast path (only possible for volatile SPTEs). Returns the value
 * that was replaced. */
u64 tdp_update_spte_excl(struct mmu_op *op, u64 *sptep, gfn_t gfn, int level,
			 u64 old, spte_derive_fn derive, u8 reason)
{
	while (!tdp_write_spte(op, sptep, gfn, level, &old, derive(&op->vm->fmt, old, level), reason))
		;
	return old;
}

u64 spte_derive_zap(const struct spte_format *f, u64 old, int level)
{
	return f->nonpresent_value;
}

/*
 * A table was unlinked: clear its entries so nobody can install into it and
 * what they mapped is handled (tdp_teardown.c, seed 003), then see that it
 * is freed after the flush (tdp_zap_flush.c, seed 001).
 */
static void handle_removed_pt(struct mmu_op *op, hpa_t table_hpa, int level, gfn_t gfn)
{
	struct mmu_vm *vm = op->vm;
	struct mmu_page *sp = mmu_page_lookup(vm, table_hpa);

	if (!sp || sp->state != MMU_PAGE_LIVE || sp->level != level || sp->gfn != gfn)
		env_panic("mmu: removing table %#llx level %d gfn %#llx: %s (M4)",
			  (unsigned long long)table_hpa, level, (unsigned long long)gfn,
			  !sp ? "unknown table" : sp->state != MMU_PAGE_LIVE ? "already retired"
			  : "level/gfn mismatch");
	mmu_page_mark_retired(vm, sp);
	sp->unlink_seq = op->last_seq;
	op->removing++;
	tdp_removed_pt_clear(op, sp);   /* tdp_teardown.c (seed 003) */
	op->removing--;
	tdp_removed_pt_done(op, sp);   /* tdp_zap_flush.c: freed after the flush */
}

/*
 * Zap every present SPTE mapping part of [start, end) under the root. A
 * table entirely inside the range goes as a whole (its subtree is removed);
 * a huge leaf that straddles the range goes as a whole (it re-faults).
 * op->lock_write selects exclusive or shared writes. Returns SPTEs zapped.
 */
long tdp_zap_range(struct mmu_op *op, gfn_t start, gfn_t end)
{
	struct mmu_vm *vm = op->vm;
	const struct spte_format *f = &vm->fmt;
	struct tdp_iter it;
	u64 before = op->zapped;

	if (vm->shadow_zap_range)
		vm->shadow_zap_range(op, start, end);   /* shadow leaves (mmu/shadow_zap.c) */
	if (!vm->root)
		return (long)(op->zapped - before);
	for_each_tdp_pte(it, vm, vm->root->spt, vm->cfg.levels, start, end, PG_LEVEL_4K) {
		u64 size = pages_per_level(it.level);
		bool covered = it.gfn >= start && it.gfn + size <= end;

		if (!is_mmu_present_spte(it.old_spte))
			continue;
		if (!covered && !is_last_spte(f, it.old_spte, it.level))
			continue;                    /* descend into the table */
		if (op->lock_write) {
			tdp_update_spte_excl(op, it.sptep, it.gfn, it.level, it.old_spte,
					     spte_derive_zap, op->zap_reason);
		} else {
			u64 old = it.old_spte;
			while (!is_frozen_spte(f, old) && is_mmu_present_spte(old) &&
			       !tdp_write_spte(op, it.sptep, it.gfn, it.level, &old,
					       f->nonpresent_value, op->zap_reason))
				;
		}
		tdp_iter_skip_children(&it);
	}
	return (long)(op->zapped - before);
}

/* Teardown: remove the root's whole tree, lock held for write (seed 003). */
void tdp_teardown_root(struct mmu_op *op)
{
	struct mmu_vm *vm = op->vm;
	struct mmu_page *root = vm->root;

	if (!root)
		return;
	op->teardown = true;
	op->last_seq = 0;
	handle_removed_pt(op, root->hpa, root->level, 0);
	/* The whole address space: mmu_op_finish turns this into a full flush. */
	op->need_flush = true;
	op->flush_start = 0;
	op->flush_end = ~0ull;
	vm->root = NULL;
}

/* The MMIO generation wrapped: no MMIO SPTE may survive to match a future
 * generation by accident. MMIO SPTEs are not present to hardware (they
 * fault), so no TLB holds them and no flush is needed. */
void tdp_zap_mmio_all(struct mmu_op *op)
{
	struct mmu_vm *vm = op->vm;
	struct tdp_iter it;

	if (!vm->root)
		return;
	for_each_tdp_pte(it, vm, vm->root->spt, vm->cfg.levels, 0, ~0ull, PG_LEVEL_4K) {
		if (is_mmio_spte(&vm->fmt, it.old_spte))
			tdp_update_spte_excl(op, it.sptep, it.gfn, it.level, it.old_spte,
					     spte_derive_zap, HVT_SR_ZAP);
	}
}

long mmu_zap_gfn_range(struct mmu_vm *vm, gfn_t gfn, u64 npages)
{
	struct mmu_op op;
	long zapped;

	if (gfn + npages < gfn)
		return E_INVAL;
	rw_write_lock(&vm->mmu_lock, 0);
	mmu_op_init(&op, vm, NULL, true, HVT_SR_ZAP, HVT_FR_ZAP);
	zapped = tdp_zap_range(&op, gfn, gfn + npages);
	/* Seed 001: ONE flush for the whole range, then the tables may go. */
	mmu_op_finish(&op);
	rw_write_unlock(&vm->mmu_lock);
	return zapped;
}

/* The shared-lock variant (seed 003's other path): zaps with compare-
 * exchange while faults run, and every removed table has ALL its entries
 * frozen. Only from a vCPU outside guest mode: the walk then relies on
 * QSBR like the fast path (L2), since a racing fault may retire a table
 * under it. */
long mmu_zap_gfn_range_shared(struct mmu_vcpu *vcpu, gfn_t gfn, u64 npages)
{
	struct mmu_vm *vm = vcpu->vm;
	struct mmu_op op;
	long zapped;

	if (gfn + npages < gfn)
		return E_INVAL;
	rw_read_lock(&vm->mmu_lock);
	mmu_op_init(&op, vm, vcpu, false, HVT_SR_ZAP, HVT_FR_ZAP);
	zapped = tdp_zap_range(&op, gfn, gfn + npages);
	mmu_op_finish(&op);   /* one flush, then retire (seed 001) */
	rw_read_unlock(&vm->mmu_lock);
	return zapped;
}
