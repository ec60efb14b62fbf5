/*
 * tdp_fault.c: the TDP page-fault path (EPT violation / misconfig, #NPF).
 *
 *   mmu_tdp_page_fault
 *     |- MMIO check (no lock, L2): an MMIO SPTE of the current memslot
 *     |    generation -> emulate; a stale one -> fault normally
 *     |- fast page fault (no lock, L2): write-protected MMU-writable or
 *     |    access-tracked leaf -> compare-exchange the fix (seed 004)
 *     |- top up the vCPU caches (before the lock, seed 002)
 *     `- MMU lock for read: walk from the root, link missing tables with
 *        compare-exchange, install the leaf at the largest level the
 *        backing allows; a lost race -> RETRY (the guest re-faults)
 * Traced: HVT_FAULT at the start, HVT_FAULT_END with the result.
 */
#include "tdp_iter.h"
#include "tdp_steps.h"

struct fault {
	struct mmu_vcpu *vcpu;
	gpa_t gpa;
	gfn_t gfn;
	u32   error;          /* MMU_PF_* */
	bool  write;
	int   level;          /* level mapped, 0 if none */
	u64   writes;         /* SPTE writes done */
	struct mmu_mmio *mmio;
};

static enum mmu_fault_result fault_mmio(struct fault *fl, int kind, int slot)
{
	if (fl->mmio) {
		fl->mmio->gpa = fl->gpa;
		fl->mmio->kind = kind;
		fl->mmio->slot = slot;
	}
	return MMU_FAULT_MMIO;
}

/* Lockless walk to the SPTE that maps gfn (leaf, or the first non-present
 * entry). The caller is a vCPU outside guest mode: QSBR keeps every table
 * it can reach alive until its next quiescent point (L2). */
static u64 *walk_lockless(struct mmu_vm *vm, gfn_t gfn, int *level, u64 *spte)
{
	struct mmu_page *root = __atomic_load_n(&vm->root, __ATOMIC_ACQUIRE);
	u64 *pt, *sptep = NULL;

	if (!root)
		return NULL;
	pt = root->spt;
	for (int l = vm->cfg.levels; l >= PG_LEVEL_4K; l--) {
		sptep = pt + spte_index(gfn, l);
		*spte = spte_read(sptep);
		*level = l;
		if (!is_mmu_present_spte(*spte) || is_last_spte(&vm->fmt, *spte, l))
			return sptep;
		pt = spte_to_child_pt(vm, *spte);
	}
	return sptep;
}

/* ---- MMIO SPTEs ------------------------------------------------------------ */
static bool mmio_gen_is_current(struct mmu_vm *vm, u64 spte)
{
	return mmio_spte_gen(spte) == (atomic_load_acquire(&vm->memslot_gen) & MMIO_GEN_MASK);
}

/* Returns true (with MMU_FAULT_MMIO filled in) if a current MMIO SPTE maps gfn. */
static bool handle_mmio_page_fault(struct fault *fl)
{
	struct mmu_vm *vm = fl->vcpu->vm;
	int level;
	u64 spte;

	if (!walk_lockless(vm, fl->gfn, &level, &spte) || !is_mmio_spte(&vm->fmt, spte))
		return false;
	/* A stale generation: a memslot changed since; fault normally (M7). */
	return mmio_gen_is_current(vm, spte);
}

/* ---- fast page fault (seed 004) -------------------------------------------- */
static bool page_fault_can_be_fast(struct mmu_vm *vm, u32 error)
{
	if (error & (MMU_PF_RSVD | MMU_PF_MISCONFIG))
		return false;
	/* Without A/D an access-tracked leaf looks not-present to the CPU. */
	if (!vm->fmt.ad_enabled)
		return true;
	/* With A/D only a write to a write-protected leaf can be fixed here;
	 * a not-present fault never can (REFERENCE 3e). */
	return (error & MMU_PF_PRESENT) && (error & MMU_PF_WRITE);
}

static enum mmu_fault_result fast_page_fault(struct fault *fl)
{
	struct mmu_vm *vm = fl->vcpu->vm;
	const struct spte_format *f = &vm->fmt;
	enum mmu_fault_result r = 0;
	struct mmu_op op;
	int level, tries;
	u64 spte, new_spte = 0, *sptep = walk_lockless(vm, fl->gfn, &level, &spte);
	u64 first = spte;

	if (!sptep || !is_mmu_present_spte(spte) || !is_last_spte(f, spte, level))
		return 0;
	mmu_op_init(&op, vm, fl->vcpu, false, HVT_SR_FAST_FIX, HVT_FR_WRPROT);
	for (tries = 0; tries < 4 && !r; tries++) {
		if (!is_mmu_present_spte(spte) || !is_last_spte(f, spte, level))
			break;
		if (spte_allows_access(f, spte, fl->error)) {
			r = MMU_FAULT_SPURIOUS;
			break;
		}
		new_spte = restore_acc_track_spte(f, spte);
		if (fl->write && !is_writable_spte(f, new_spte)) {
			if (!is_mmu_writable_spte(f, new_spte))
				break;               /* needs the slow path */
			new_spte |= f->writable_mask;
		}
		if (!spte_allows_access(f, new_spte, fl->error))
			break;
		if (fast_pf_fix_spte(&op, sptep, fl->gfn, level, &spte, new_spte, fl->write))
			r = MMU_FAULT_FIXED;     /* tdp_volatile.c: dirty logged after (D2) */
	}
	if (r == MMU_FAULT_FIXED) {
		fl->level = level;
		fl->writes = op.writes;
		STAT_INC(vm, fast_fixed);
	}
	trace_simple((u16)fl->vcpu->id, HVT_FAST_FAULT, 0, (u8)level,
		     r == MMU_FAULT_FIXED ? HVT_FR_FIXED : r == MMU_FAULT_SPURIOUS ? HVT_FR_SPURIOUS
		     : HVT_FR_RETRY, fl->gpa, fl->error, first, spte_read(sptep),
		     env_va_to_hpa(sptep));
	return r;
}

/* ---- the slow path, MMU lock held for read --------------------------------- */
/* Largest level whose whole region lies in the slot with the backing
 * aligned to it; 4K while dirty logging (huge leaves hide writes). */
static int max_mapping_level(struct mmu_vm *vm, const struct memslot *slot, gfn_t gfn)
{
	int max = vm->cfg.no_huge ? PG_LEVEL_4K : vm->cfg.huge_1g ? PG_LEVEL_1G : PG_LEVEL_2M;

	if (slot->flags & HC_MEM_LOG_DIRTY)
		return PG_LEVEL_4K;
	for (int level = max; level > PG_LEVEL_4K; level--) {
		u64 n = pages_per_level(level);
		gfn_t base = gfn_round_down(gfn, level);
		hpa_t hpa = slot->backing + (base - slot->base_gfn) * PAGE_SIZE;

		if (base < slot->base_gfn || base + n > slot->base_gfn + slot->npages)
			continue;
		if (hpa & (n * PAGE_SIZE - 1))
			continue;
		return level;
	}
	return PG_LEVEL_4K;
}

/* A huge leaf is in the way of a smaller mapping: freeze it, flush while
 * it is frozen (no CPU may keep using it once the table below appears),
 * then empty it. Lock held for read, so every step is a compare-exchange. */
static bool zap_spte_atomic(struct mmu_op *op, struct tdp_iter *it)
{
	const struct spte_format *f = &op->vm->fmt;
	u64 old = it->old_spte, frozen = f->frozen_value;

	if (!tdp_write_spte(op, it->sptep, it->gfn, it->level, &old, f->frozen_value, HVT_SR_FREEZE))
		return false;
	mmu_flush_remote(op->vm, op_vcpu_id(op), it->gfn, pages_per_level(it->level), 1, HVT_FR_FROZEN);
	op->need_flush = false;     /* that flush covered it */
	if (!tdp_write_spte(op, it->sptep, it->gfn, it->level, &frozen, f->nonpresent_value, HVT_SR_ZAP))
		env_panic("mmu: frozen SPTE %#llx changed under its owner", (unsigned long long)frozen);
	it->old_spte = f->nonpresent_value;
	return true;
}

/* Link a new table at it->sptep. PT_ALLOC is emitted before the link, so a
 * tool sees the table's birth before any write into it and this vCPU's
 * records stay in seq order (T4). If the link loses its race nobody saw the
 * table: it goes back to the cache, and a PT_FREE flagged lost_race (no
 * unlink, c = 0) closes the record of its short life. */
static bool link_table(struct mmu_op *op, struct tdp_iter *it)
{
	struct mmu_vm *vm = op->vm;
	struct mmu_page *sp = mmu_page_prepare(op->vcpu, it->gfn, it->level - 1);
	u64 old = it->old_spte, link = make_nonleaf_spte(&vm->fmt, sp->hpa);

	trace_simple(op_vcpu_id(op), HVT_PT_ALLOC, 0, (u8)sp->level, 0,
		     sp->hpa, sp->gfn, vm->root->hpa, 0, 0);
	if (!tdp_write_spte(op, it->sptep, it->gfn, it->level, &old, link, HVT_SR_MAP)) {
		struct hvt_record rec = {
			.seq = env_trace_reserve(), .vcpu = op_vcpu_id(op),
			.type = HVT_PT_FREE, .reason = HVT_FREE_IMMEDIATE,
			.level = (u8)sp->level, .flags = HVT_F_LOST_RACE,
			.a = sp->hpa, .b = sp->gfn,
		};
		env_trace_emit(&rec);
		mmu_page_unprepare(op->vcpu, sp);
		return false;
	}
	STAT_INC(vm, tables_alloc);
	it->old_spte = link;
	return true;
}

/* Install new_spte at the target level. */
static enum mmu_fault_result map_target_level(struct mmu_op *op, struct tdp_iter *it,
					      struct fault *fl, u64 new_spte, u8 reason)
{
	const struct spte_format *f = &op->vm->fmt;
	u64 old = it->old_spte;

	if (is_frozen_spte(f, old))
		return MMU_FAULT_RETRY;
	if (old == new_spte)
		return MMU_FAULT_SPURIOUS;           /* e.g. the same MMIO SPTE */
	if (is_mmu_present_spte(old) && is_last_spte(f, old, it->level)) {
		if (spte_allows_access(f, old, fl->error))
			return MMU_FAULT_SPURIOUS;
		/* Same page, more rights: keep the A/D the CPU already set. */
		new_spte |= old & (f->accessed_mask | f->dirty_mask);
	}
	if (is_mmu_present_spte(old) && !is_last_spte(f, old, it->level))
		op->flush_reason = HVT_FR_HUGE_REPLACE;  /* table -> huge leaf */
	if (!tdp_write_spte(op, it->sptep, it->gfn, it->level, &old, new_spte, reason))
		return MMU_FAULT_RETRY;
	fl->level = it->level;
	return MMU_FAULT_FIXED;
}

static enum mmu_fault_result tdp_map(struct mmu_op *op, struct fault *fl, int target,
				     u64 new_spte, u8 reason)
{
	struct mmu_vm *vm = op->vm;
	const struct spte_format *f = &vm->fmt;
	enum mmu_fault_result r = MMU_FAULT_RETRY;
	struct tdp_iter it;

	for_each_tdp_pte(it, vm, vm->root->spt, vm->cfg.levels, fl->gfn, fl->gfn + 1, target) {
		if (it.level == target) {
			r = map_target_level(op, &it, fl, new_spte, reason);
			break;
		}
		if (is_frozen_spte(f, it.old_spte))
			break;                         /* being removed: retry */
		if (is_mmu_present_spte(it.old_spte) && !is_last_spte(f, it.old_spte, it.level))
			continue;                      /* step down */
		if (is_mmu_present_spte(it.old_spte) && !zap_spte_atomic(op, &it))
			break;                         /* huge leaf in the way */
		if (!link_table(op, &it))
			break;
	}
	return r;
}

static enum mmu_fault_result tdp_slow_fault(struct fault *fl)
{
	struct mmu_vcpu *vcpu = fl->vcpu;
	struct mmu_vm *vm = vcpu->vm;
	const struct spte_format *f = &vm->fmt;
	enum mmu_fault_result r;
	struct memslot *slot;
	struct mmu_op op;

	/* Seed 002: a PCI hole is emulated, never mapped: answer before the
	 * top-up so it costs no memory at all. A lockless look (QSBR keeps the
	 * slot alive, L2); re-checked under the lock below. */
	slot = memslot_lookup(vm, fl->gfn);
	if (slot && (slot->flags & HC_MEM_ALLONES))
		return tdp_hole_fault(vcpu, slot, fl->gpa, fl->error, fl->mmio);  /* tdp_hole.c */
	/* Seed 002: allocate before the lock; under it only the caches. */
	if (mmu_topup_caches(vcpu))
		return MMU_FAULT_ERROR;
	if (!__atomic_load_n(&vm->root, __ATOMIC_ACQUIRE) && !mmu_tdp_root(vcpu))
		return MMU_FAULT_ERROR;
	mmu_op_init(&op, vm, vcpu, false, HVT_SR_ZAP, HVT_FR_HUGE_REPLACE);
	rw_read_lock(&vm->mmu_lock);
	slot = memslot_lookup(vm, fl->gfn);
	if (slot && (slot->flags & HC_MEM_ALLONES)) {
		/* Seed 002: a PCI hole is emulated, never mapped, never cached. */
		r = fault_mmio(fl, HVT_MMIO_ALLONES, slot->id);
	} else if (slot && (slot->flags & HC_MEM_READONLY) && fl->write) {
		r = fault_mmio(fl, HVT_MMIO_READONLY, slot->id);
	} else if (!slot && !f->mmio_value) {
		r = fault_mmio(fl, HVT_MMIO_UNBACKED, -1);   /* no MMIO caching */
	} else if (!slot) {
		/* A gap: cache it as an MMIO SPTE of this generation (M7). */
		r = tdp_map(&op, fl, PG_LEVEL_4K, make_mmio_spte(f, fl->gfn, vm->memslot_gen), HVT_SR_MMIO);
		if (r == MMU_FAULT_FIXED)
			STAT_INC(vm, mmio_sptes);
		if (r == MMU_FAULT_FIXED || r == MMU_FAULT_SPURIOUS)
			r = fault_mmio(fl, HVT_MMIO_UNBACKED, -1);
	} else {
		int level = max_mapping_level(vm, slot, fl->gfn);
		gfn_t base = gfn_round_down(fl->gfn, level);
		pfn_t pfn = (slot->backing >> PAGE_SHIFT) + (base - slot->base_gfn);
		bool host_w = !(slot->flags & HC_MEM_READONLY);
		bool logging = slot->flags & HC_MEM_LOG_DIRTY;
		/* Write-protect mode logging maps reads !W so the first write is
		 * seen (and logged) by the fast path; D-bit mode maps W and
		 * harvests D (DESIGN.md D1). */
		bool writable = host_w && (!logging || fl->write || f->ad_enabled);
		u64 new_spte = make_leaf_spte(f, pfn, level, writable, true, host_w, fl->write);

		r = tdp_map(&op, fl, level, new_spte, HVT_SR_MAP);
		if (r == MMU_FAULT_FIXED && fl->write && logging)
			mark_page_dirty(vm, slot, fl->gfn, 1);
	}
	mmu_op_finish(&op);
	rw_read_unlock(&vm->mmu_lock);
	fl->writes += op.writes;
	return r;
}

/* A read-only 4 KiB leaf for gfn -> pfn, as a read fault would install it. */
enum mmu_fault_result tdp_map_4k_readonly(struct mmu_vcpu *vcpu, gfn_t gfn, pfn_t pfn)
{
	struct mmu_vm *vm = vcpu->vm;
	struct fault fl = { .vcpu = vcpu, .gpa = gfn << PAGE_SHIFT, .gfn = gfn };
	u64 new_spte = make_leaf_spte(&vm->fmt, pfn, PG_LEVEL_4K, false, false, false, false);
	enum mmu_fault_result r;
	struct mmu_op op;

	if (!__atomic_load_n(&vm->root, __ATOMIC_ACQUIRE) && !mmu_tdp_root(vcpu))
		return MMU_FAULT_ERROR;
	mmu_op_init(&op, vm, vcpu, false, HVT_SR_ZAP, HVT_FR_HUGE_REPLACE);
	rw_read_lock(&vm->mmu_lock);
	r = tdp_map(&op, &fl, PG_LEVEL_4K, new_spte, HVT_SR_MAP);
	mmu_op_finish(&op);
	rw_read_unlock(&vm->mmu_lock);
	return r;
}

static u16 result_to_trace(enum mmu_fault_result r)
{
	switch (r) {
	case MMU_FAULT_FIXED:    return HVT_FR_FIXED;
	case MMU_FAULT_SPURIOUS: return HVT_FR_SPURIOUS;
	case MMU_FAULT_RETRY:    return HVT_FR_RETRY;
	case MMU_FAULT_MMIO:     return HVT_FR_MMIO;
	default:                 return HVT_FR_ERROR;
	}
}

static void count_result(struct mmu_vm *vm, enum mmu_fault_result r)
{
	switch (r) {
	case MMU_FAULT_FIXED:    STAT_INC(vm, faults_fixed); break;
	case MMU_FAULT_SPURIOUS: STAT_INC(vm, faults_spurious); break;
	case MMU_FAULT_RETRY:    STAT_INC(vm, faults_retry); break;
	case MMU_FAULT_MMIO:     STAT_INC(vm, faults_mmio); break;
	default:                 STAT_INC(vm, faults_error); break;
	}
}

enum mmu_fault_result mmu_tdp_page_fault(struct mmu_vcpu *vcpu, gpa_t gpa,
					 u32 error, u64 guest_rip, struct mmu_mmio *mmio)
{
	struct mmu_vm *vm = vcpu->vm;
	u8 kind = (error & (MMU_PF_RSVD | MMU_PF_MISCONFIG)) ? HVT_FK_MMIO : HVT_FK_TDP;
	struct fault fl = {
		.vcpu = vcpu, .gpa = gpa, .gfn = gpa >> PAGE_SHIFT, .error = error,
		.write = (error & MMU_PF_WRITE) != 0, .mmio = mmio,
	};
	u64 fault_seq = env_trace_reserve();
	struct hvt_record start = {
		.seq = fault_seq, .vcpu = (u16)vcpu->id, .type = HVT_FAULT, .reason = kind,
		.a = gpa, .b = error, .c = gpa, .d = guest_rip,
	};
	enum mmu_fault_result r = 0;

	env_trace_emit(&start);
	STAT_INC(vm, faults);
	if (kind == HVT_FK_MMIO && handle_mmio_page_fault(&fl))
		r = fault_mmio(&fl, HVT_MMIO_UNBACKED, -1);
	if (!r && page_fault_can_be_fast(vm, error))
		r = fast_page_fault(&fl);
	if (!r)
		r = tdp_slow_fault(&fl);
	count_result(vm, r);
	trace_simple((u16)vcpu->id, HVT_FAULT_END, kind, 0, result_to_trace(r),
		     gpa, fault_seq, (u64)fl.level, fl.writes, 0);
	return r;
}
