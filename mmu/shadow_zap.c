/*
 * shadow_zap.c: zapping and aging shadow leaves by guest frame, through
 * the reverse map (mmu/SHADOW.md 5.3). tdp_zap_range (range zaps, memslot
 * delete and read-only changes) and mmu_age_gfn_range call these through
 * vm->shadow_zap_range / vm->shadow_age_range, and dirty logging
 * (mmu/dirty.c) calls vm->shadow_wrprot_range, so every caller of those
 * entry points also covers shadow SPTEs; they run inside the caller's op.
 *
 * Only leaves are dropped: no SP is freed here, so the caller's flush
 * (mmu_op_finish) is all that is needed (I2, I6). The rmap is scanned
 * bucket by bucket, so the cost is the number of leaves, not the range.
 */
#include "shadow_int.h"

/* The caller's op, wrapped for the shadow helpers. Shadow SPTEs translate
 * guest virtual addresses: whatever gfn range the writer notes, the flush
 * must cover the whole ASID. */
static bool wrap_op(struct shadow_op *sop, struct mmu_op *op)
{
	if (!op->lock_write || !op->vm->shadow)
		return false;    /* shadow structures change under the write lock only (L1) */
	*sop = (struct shadow_op){ .op = op, .svm = op->vm->shadow };
	op->shadow = true;
	return true;
}

static void unwrap_op(struct shadow_op *sop)
{
	struct mmu_op *op = sop->op;

	op->shadow = false;
	if (op->need_flush) {
		op->flush_start = 0;
		op->flush_end = ~0ull;
	}
}

long shadow_zap_gfn_range(struct mmu_op *op, gfn_t start, gfn_t end)
{
	struct shadow_op sop;
	long zapped = 0;

	if (!wrap_op(&sop, op))
		return 0;
	for (int b = 0; b < SHADOW_RMAP_SIZE; b++) {
		struct shadow_link *l = sop.svm->rmap[b], *next;
		for (; l; l = next) {
			struct shadow_page *sp = shadow_page_of_link(l);
			gfn_t gfn = sp->ent[l->idx].gfn;
			next = l->next;   /* the drop unlinks l */
			if (gfn < start || gfn >= end)
				continue;
			shadow_drop_spte(&sop, sp, l->idx);
			zapped++;
		}
	}
	unwrap_op(&sop);
	return zapped;
}

static u64 derive_old(const struct spte_format *f, u64 old, int level)
{
	return old & ~f->accessed_mask;
}

/* Clear A in every shadow leaf mapping [start, end); returns the frames
 * that were young (one frame mapped by several SPs counts once). No
 * flush: aging is approximate (REFERENCE 3e), as for TDP. */
long shadow_age_gfn_range(struct mmu_op *op, gfn_t start, gfn_t end)
{
	struct shadow_op sop;
	long young = 0;

	if (!wrap_op(&sop, op))
		return 0;
	for (gfn_t gfn = start; gfn < end && end - start <= (1u << 20); gfn++) {
		bool was_young = false;
		for (struct shadow_link *l = sop.svm->rmap[shadow_rmap_idx(gfn)]; l; l = l->next) {
			struct shadow_page *sp = shadow_page_of_link(l);
			u64 *sptep = sp->spt + l->idx;
			if (sp->ent[l->idx].gfn != gfn || !(*sptep & op->vm->fmt.accessed_mask))
				continue;
			tdp_update_spte_excl(op, sptep, gfn, PG_LEVEL_4K, *sptep, derive_old, HVT_SR_AGE);
			was_young = true;
		}
		young += was_young;
	}
	unwrap_op(&sop);
	return young;
}

/* Dirty logging (mmu/dirty.c, SHADOW.md 5.15): clear W (and MMU-writable)
 * and D from every shadow leaf mapping [start, end), so the next guest
 * write to each page faults and is logged, and no D from before the log
 * is harvested into it later (a D cleared here is harvested now: the
 * caller decides which log that lands in). Returns the leaves changed; the
 * caller's op flushes (a TLB entry may still say writable). */
static u64 derive_wrprot(const struct spte_format *f, u64 old, int level)
{
	return old & ~(f->writable_mask | f->mmu_writable_mask | f->dirty_mask);
}

static long shadow_wrprot_gfn_range(struct mmu_op *op, gfn_t start, gfn_t end)
{
	const struct spte_format *f = &op->vm->fmt;
	u64 clear = f->writable_mask | f->mmu_writable_mask | f->dirty_mask;
	struct shadow_op sop;
	long n = 0;

	if (!wrap_op(&sop, op))
		return 0;
	for (int b = 0; b < SHADOW_RMAP_SIZE; b++) {
		for (struct shadow_link *l = sop.svm->rmap[b]; l; l = l->next) {
			struct shadow_page *sp = shadow_page_of_link(l);
			gfn_t gfn = sp->ent[l->idx].gfn;
			u64 *sptep = sp->spt + l->idx;
			if (gfn < start || gfn >= end || !(*sptep & clear))
				continue;
			/* retried if the CPU sets D meanwhile */
			tdp_update_spte_excl(op, sptep, gfn, PG_LEVEL_4K, *sptep, derive_wrprot, HVT_SR_WRPROT);
			n++;
		}
	}
	unwrap_op(&sop);
	return n;
}

void shadow_install_range_hooks(struct mmu_vm *vm)
{
	vm->shadow_zap_range = shadow_zap_gfn_range;
	vm->shadow_age_range = shadow_age_gfn_range;
	vm->shadow_wrprot_range = shadow_wrprot_gfn_range;
	vm->shadow_check = shadow_check;
}
