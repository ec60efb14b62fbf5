/*
 * memslot.c: guest-physical memory slots.
 *
 * A slot maps [base_gfn, base_gfn + npages) to contiguous host backing.
 * Slots are immutable once published (mmu_int.h); a change takes the MMU
 * lock for write, publishes the new state, bumps memslot_gen (which makes
 * every cached MMIO SPTE stale, M7), zaps what the change invalidates with
 * ONE flush, and retires the old copy through QSBR.
 *
 * An HC_MEM_ALLONES slot (a PCI hole) has no backing at all: every access
 * is emulated (reads 0xff, writes dropped), seed 002.
 */
#include "tdp_iter.h"

struct memslot *memslot_lookup(struct mmu_vm *vm, gfn_t gfn)
{
	for (int i = 0; i < HC_MAX_SLOTS; i++) {
		struct memslot *s = __atomic_load_n(&vm->slots[i], __ATOMIC_ACQUIRE);
		if (s && gfn >= s->base_gfn && gfn - s->base_gfn < s->npages)
			return s;
	}
	return NULL;
}

void mark_page_dirty(struct mmu_vm *vm, const struct memslot *slot, gfn_t gfn, u64 npages)
{
	if (!(slot->flags & HC_MEM_LOG_DIRTY) || !slot->dirty_bitmap)
		return;
	for (u64 i = 0; i < npages; i++) {
		u64 rel = gfn + i - slot->base_gfn;
		if (rel >= slot->npages)
			break;
		atomic_fetch_or64(&slot->dirty_bitmap[rel / 64], BIT(rel % 64));
	}
}

static u64 bitmap_bytes(u64 npages)
{
	return (npages + 63) / 64 * 8;
}

static void memslot_free_cb(struct mmu_vm *vm, struct qsbr_node *node, bool immediate)
{
	struct memslot *s = (struct memslot *)node;

	if (s->owns_bitmap && s->dirty_bitmap)
		env_free(s->dirty_bitmap, bitmap_bytes(s->npages));
	if (s->owns_backing)
		env_free_backing(s->backing, s->npages);
	env_free(s, sizeof(*s));
}

static void memslot_retire(struct mmu_vm *vm, struct memslot *s)
{
	s->rcu.free_fn = memslot_free_cb;
	qsbr_retire(vm, &s->rcu);
}

static bool overlaps(struct mmu_vm *vm, int except_id, gfn_t base, u64 npages)
{
	for (int i = 0; i < HC_MAX_SLOTS; i++) {
		struct memslot *s = vm->slots[i];
		if (s && i != except_id && base < s->base_gfn + s->npages && s->base_gfn < base + npages)
			return true;
	}
	return false;
}

/* Backing alignment: as large as a leaf that could map the slot. */
static u64 backing_align(struct mmu_vm *vm, u64 npages)
{
	if (vm->cfg.huge_1g && npages >= pages_per_level(PG_LEVEL_1G))
		return pages_per_level(PG_LEVEL_1G);
	if (npages >= pages_per_level(PG_LEVEL_2M))
		return pages_per_level(PG_LEVEL_2M);
	return 1;
}

static void trace_memslot(struct mmu_vm *vm, const struct memslot *s, u8 op)
{
	trace_simple(HVT_NO_VCPU, HVT_MEMSLOT, op, 0, 0, s->base_gfn, s->npages,
		     s->flags, (u64)s->id, vm->memslot_gen);
}

/* A memslot changed: every MMIO SPTE is now stale (M7). When the truncated
 * generation wraps to a value old SPTEs may still hold, zap them all. */
static void bump_memslot_gen(struct mmu_op *op)
{
	struct mmu_vm *vm = op->vm;
	u64 gen = atomic_fetch_add64(&vm->memslot_gen, 1) + 1;

	if ((gen & MMIO_GEN_MASK) == 0)
		tdp_zap_mmio_all(op);
}

int mmu_memslot_create(struct mmu_vm *vm, int id, gfn_t base_gfn, u64 npages,
		       u32 flags, hpa_t backing)
{
	struct memslot *s;
	struct mmu_op op;
	bool allones = flags & HC_MEM_ALLONES;

	if (id < 0 || id >= HC_MAX_SLOTS || !npages || base_gfn + npages < base_gfn ||
	    (flags & ~(HC_MEM_READONLY | HC_MEM_LOG_DIRTY | HC_MEM_ALLONES)) ||
	    (allones && (flags & HC_MEM_LOG_DIRTY)))
		return E_INVAL;
	s = env_zalloc(sizeof(*s));
	if (!s)
		return E_NOMEM;
	*s = (struct memslot){ .id = id, .base_gfn = base_gfn, .npages = npages, .flags = flags };
	if (!allones) {
		s->dirty_bitmap = env_zalloc(bitmap_bytes(npages));
		s->owns_bitmap = true;
		/* As aligned as a huge leaf could use, else less (fewer huge pages). */
		for (u64 align = backing_align(vm, npages); !backing && !s->backing; align /= 512) {
			s->backing = env_alloc_backing(npages, align);
			s->owns_backing = true;
			if (align == 1)
				break;
		}
		if (backing)
			s->backing = backing;
		if (!s->dirty_bitmap || !s->backing) {
			s->owns_backing = s->owns_backing && s->backing;
			memslot_free_cb(vm, &s->rcu, true);
			return E_NOMEM;
		}
		if (s->owns_backing)
			STAT_ADD(vm, backing_pages, npages);
	}
	rw_write_lock(&vm->mmu_lock, 0);
	if (vm->slots[id] || overlaps(vm, -1, base_gfn, npages)) {
		rw_write_unlock(&vm->mmu_lock);
		memslot_free_cb(vm, &s->rcu, true);
		return E_EXIST;
	}
	mmu_op_init(&op, vm, NULL, true, HVT_SR_ZAP, HVT_FR_ZAP);
	__atomic_store_n(&vm->slots[id], s, __ATOMIC_RELEASE);
	/* Nothing to zap: the range was a gap, so only MMIO SPTEs can map it,
	 * and the generation bump makes them stale (M7). */
	bump_memslot_gen(&op);
	trace_memslot(vm, s, HVT_MS_CREATE);
	mmu_op_finish(&op);
	rw_write_unlock(&vm->mmu_lock);
	return 0;
}

int mmu_memslot_delete(struct mmu_vm *vm, int id)
{
	struct memslot *s;
	struct mmu_op op;

	if (id < 0 || id >= HC_MAX_SLOTS)
		return E_INVAL;
	rw_write_lock(&vm->mmu_lock, 0);
	s = vm->slots[id];
	if (!s) {
		rw_write_unlock(&vm->mmu_lock);
		return E_NOENT;
	}
	mmu_op_init(&op, vm, NULL, true, HVT_SR_ZAP, HVT_FR_ZAP);
	__atomic_store_n(&vm->slots[id], NULL, __ATOMIC_RELEASE);
	bump_memslot_gen(&op);
	tdp_zap_range(&op, s->base_gfn, s->base_gfn + s->npages);
	trace_memslot(vm, s, HVT_MS_DELETE);
	mmu_op_finish(&op);   /* one flush, before the backing can go (seed 001) */
	rw_write_unlock(&vm->mmu_lock);
	memslot_retire(vm, s);
	qsbr_reclaim(vm);
	return 0;
}

int mmu_memslot_set_flags(struct mmu_vm *vm, int id, u32 flags)
{
	struct memslot *old, *s;
	struct mmu_op op;
	u32 changed;

	if (id < 0 || id >= HC_MAX_SLOTS ||
	    (flags & ~(HC_MEM_READONLY | HC_MEM_LOG_DIRTY | HC_MEM_ALLONES)))
		return E_INVAL;
	s = env_zalloc(sizeof(*s));
	if (!s)
		return E_NOMEM;
	rw_write_lock(&vm->mmu_lock, 0);
	old = vm->slots[id];
	if (!old || ((old->flags ^ flags) & HC_MEM_ALLONES)) {
		rw_write_unlock(&vm->mmu_lock);
		env_free(s, sizeof(*s));
		return old ? E_INVAL : E_NOENT;   /* ALLONES is fixed at creation */
	}
	*s = *old;
	s->flags = flags;
	old->owns_bitmap = false;             /* the new copy carries them on */
	old->owns_backing = false;
	changed = old->flags ^ flags;
	mmu_op_init(&op, vm, NULL, true, HVT_SR_ZAP, HVT_FR_ZAP);
	__atomic_store_n(&vm->slots[id], s, __ATOMIC_RELEASE);
	bump_memslot_gen(&op);
	if ((changed & HC_MEM_READONLY) && (flags & HC_MEM_READONLY))
		tdp_zap_range(&op, s->base_gfn, s->base_gfn + s->npages);  /* host-writable is gone */
	if ((changed & HC_MEM_LOG_DIRTY) && (flags & HC_MEM_LOG_DIRTY))
		dirty_log_start(&op, s);
	/* Turning logging off needs nothing: leaves stay 4K until zapped; new
	 * faults may map huge again (replacing tables, HUGE_REPLACE). */
	trace_memslot(vm, s, HVT_MS_FLAGS);
	mmu_op_finish(&op);
	rw_write_unlock(&vm->mmu_lock);
	memslot_retire(vm, old);
	qsbr_reclaim(vm);
	return 0;
}

int mmu_gpa_to_hpa(struct mmu_vm *vm, gpa_t gpa, bool write, hpa_t *hpa)
{
	struct memslot *s;
	int r = E_FAULT;

	rw_read_lock(&vm->mmu_lock);
	s = memslot_lookup(vm, gpa >> PAGE_SHIFT);
	if (s && !(s->flags & HC_MEM_ALLONES) && !(write && (s->flags & HC_MEM_READONLY))) {
		*hpa = s->backing + (gpa - (s->base_gfn << PAGE_SHIFT));
		if (write)
			mark_page_dirty(vm, s, gpa >> PAGE_SHIFT, 1);  /* hv writes guest RAM */
		r = 0;
	}
	rw_read_unlock(&vm->mmu_lock);
	return r;
}

/* Teardown: the tables are gone and no vCPU is left. */
void memslot_destroy_all(struct mmu_vm *vm)
{
	for (int i = 0; i < HC_MAX_SLOTS; i++) {
		struct memslot *s = vm->slots[i];
		if (s) {
			vm->slots[i] = NULL;
			memslot_free_cb(vm, &s->rcu, true);
		}
	}
}
