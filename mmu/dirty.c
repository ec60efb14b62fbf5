/*
 * dirty.c: dirty logging and aging (seed 004).
 *
 * Two ways to see guest writes (DESIGN.md D1):
 *   write-protect (A/D disabled): leaves in a logging slot are kept !W but
 *     MMU-writable; the first write faults, the fast path sets W with a
 *     compare-exchange and marks the page in the slot's bitmap.
 *   D bits (A/D enabled): leaves stay W; the CPU sets D; fetch harvests D
 *     (atomically clearing it) into the bitmap.
 * Either way a fetch ends with ONE remote flush, because a TLB entry may
 * still say "writable" or "dirty" and would let writes slip past the log.
 *
 * Shadow leaves (mmu/SHADOW.md 5.15) always use write-protection, whatever
 * the format: in a logging slot a shadow leaf gets W only from a write
 * fault, which logs the page (shadow_make_leaf), so enable and fetch just
 * clear W and D from the slot's shadow leaves (vm->shadow_wrprot_range)
 * and the next write to each page faults again. D is cleared too because
 * the CPU sets it in shadow leaves, and a leaf's D is harvested into the
 * log when the leaf is zapped or rewritten without it: a D from before the
 * log (or from a page already fetched) would report a page not written.
 * D3: in a logging slot, a shadow leaf with W or D maps a logged page.
 */
#include "tdp_iter.h"

static u64 derive_wrprot(const struct spte_format *f, u64 old, int level)
{
	return old & ~f->writable_mask;      /* keeps MMU-writable: fast path restores */
}

static u64 derive_clear_dirty(const struct spte_format *f, u64 old, int level)
{
	return old & ~f->dirty_mask;
}

static u64 derive_age(const struct spte_format *f, u64 old, int level)
{
	return f->accessed_mask ? old & ~f->accessed_mask : mark_spte_for_access_track(f, old);
}

/* Freestanding: no libgcc's __popcountdi2 in hv. */
static long popcount64(u64 v)
{
	long n = 0;

	for (; v; v &= v - 1)
		n++;
	return n;
}

static bool wrprot_mode(const struct mmu_vm *vm)
{
	return !vm->fmt.ad_enabled;
}

/* Lock held for write: for each present leaf in the slot, apply what the
 * logging mode needs. With huge = true, huge leaves are zapped (a huge leaf
 * would hide which 4K page was written; they re-fault as 4K). */
static void slot_leaves_update(struct mmu_op *op, const struct memslot *slot, bool huge)
{
	struct mmu_vm *vm = op->vm;
	const struct spte_format *f = &vm->fmt;
	struct tdp_iter it;

	if (!vm->root)
		return;
	for_each_tdp_pte(it, vm, vm->root->spt, vm->cfg.levels, slot->base_gfn,
			 slot->base_gfn + slot->npages, PG_LEVEL_4K) {
		u64 old = it.old_spte;

		if (!is_mmu_present_spte(old) || !is_last_spte(f, old, it.level))
			continue;
		if (it.level > PG_LEVEL_4K) {
			if (huge)
				tdp_update_spte_excl(op, it.sptep, it.gfn, it.level, old,
						     spte_derive_zap, HVT_SR_ZAP);
			continue;
		}
		if (wrprot_mode(vm) && is_writable_spte(f, old))
			tdp_update_spte_excl(op, it.sptep, it.gfn, it.level, old,
					     derive_wrprot, HVT_SR_WRPROT);
		else if (!wrprot_mode(vm) && (old & f->dirty_mask))
			tdp_update_spte_excl(op, it.sptep, it.gfn, it.level, old,
					     derive_clear_dirty, HVT_SR_CLEAR_DIRTY);
	}
}

/* Logging just turned on (lock held for write, op finishes with the flush):
 * start from a clean log and make every future write visible. */
void dirty_log_start(struct mmu_op *op, const struct memslot *slot)
{
	for (u64 w = 0; w < (slot->npages + 63) / 64; w++)
		__atomic_store_n(&slot->dirty_bitmap[w], 0, __ATOMIC_RELAXED);
	op->flush_reason = HVT_FR_WRPROT;
	slot_leaves_update(op, slot, true);
	if (op->vm->shadow_wrprot_range)   /* shadow leaves: W and D from before the log (5.15) */
		op->vm->shadow_wrprot_range(op, slot->base_gfn, slot->base_gfn + slot->npages);
	/* The bits set by the D harvest above predate the log: clear again. */
	for (u64 w = 0; w < (slot->npages + 63) / 64; w++)
		__atomic_store_n(&slot->dirty_bitmap[w], 0, __ATOMIC_RELAXED);
}

int mmu_dirty_log_enable(struct mmu_vm *vm, int slot_id, bool on)
{
	struct memslot *s;
	u32 flags;

	if (slot_id < 0 || slot_id >= HC_MAX_SLOTS)
		return E_INVAL;
	rw_read_lock(&vm->mmu_lock);
	s = vm->slots[slot_id];
	flags = s ? s->flags : 0;
	rw_read_unlock(&vm->mmu_lock);
	if (!s)
		return E_NOENT;
	if (flags & HC_MEM_ALLONES)
		return E_INVAL;
	flags = on ? flags | HC_MEM_LOG_DIRTY : flags & ~HC_MEM_LOG_DIRTY;
	return mmu_memslot_set_flags(vm, slot_id, flags);
}

long mmu_dirty_log_fetch_clear(struct mmu_vm *vm, int slot_id, u64 *bitmap, size_t nwords)
{
	struct memslot *s;
	struct mmu_op op;
	long count = 0;
	u64 words;

	if (slot_id < 0 || slot_id >= HC_MAX_SLOTS)
		return E_INVAL;
	rw_write_lock(&vm->mmu_lock, 0);
	s = vm->slots[slot_id];
	if (!s || !(s->flags & HC_MEM_LOG_DIRTY)) {
		rw_write_unlock(&vm->mmu_lock);
		return s ? E_INVAL : E_NOENT;
	}
	words = (s->npages + 63) / 64;
	if (nwords < words) {
		rw_write_unlock(&vm->mmu_lock);
		return E_RANGE;
	}
	mmu_op_init(&op, vm, NULL, true, HVT_SR_WRPROT, HVT_FR_WRPROT);
	/* 1. D-bit mode: harvest D into the bitmap (clearing D atomically).
	 * Shadow leaves, in either mode (5.15): clear W and D now, before the
	 * log is taken, so the D harvest of that change lands in this log
	 * (their pages are in it already: D3) and not in the next one. */
	if (!wrprot_mode(vm))
		slot_leaves_update(&op, s, false);
	if (vm->shadow_wrprot_range)
		vm->shadow_wrprot_range(&op, s->base_gfn, s->base_gfn + s->npages);
	/* 2. Take the log. */
	for (u64 w = 0; w < words; w++) {
		bitmap[w] = atomic_xchg64(&s->dirty_bitmap[w], 0);
		count += popcount64(bitmap[w]);
	}
	/* 3. Write-protect mode: every W leaf was logged (D2): protect again. */
	if (wrprot_mode(vm))
		slot_leaves_update(&op, s, false);
	/* 4. One flush so no TLB entry still lets a write through unlogged. */
	mmu_op_finish(&op);
	rw_write_unlock(&vm->mmu_lock);
	return count;
}

long mmu_age_gfn_range(struct mmu_vm *vm, gfn_t gfn, u64 npages)
{
	const struct spte_format *f = &vm->fmt;
	struct tdp_iter it;
	struct mmu_op op;
	long young = 0;

	rw_write_lock(&vm->mmu_lock, 0);
	mmu_op_init(&op, vm, NULL, true, HVT_SR_AGE, HVT_FR_AGE);
	if (vm->shadow_age_range)
		young += vm->shadow_age_range(&op, gfn, gfn + npages);   /* mmu/shadow_zap.c */
	if (vm->root) {
		for_each_tdp_pte(it, vm, vm->root->spt, vm->cfg.levels, gfn, gfn + npages, PG_LEVEL_4K) {
			u64 old = it.old_spte;
			if (!is_mmu_present_spte(old) || !is_last_spte(f, old, it.level) ||
			    !is_accessed_spte(f, old))
				continue;
			young += (long)pages_per_level(it.level);
			tdp_update_spte_excl(&op, it.sptep, it.gfn, it.level, old, derive_age, HVT_SR_AGE);
		}
	}
	/* No flush: aging is approximate; a stale TLB entry only hides one
	 * access from the next aging pass (REFERENCE 3e). op.need_flush stays
	 * false because handle_changed_spte ignores AGE. */
	mmu_op_finish(&op);
	rw_write_unlock(&vm->mmu_lock);
	return young;
}
