/*
 * pages.c: page tables and the per-vCPU memory caches they come from.
 *
 * Seed 002: nothing may be allocated with the MMU lock held, so a fault
 * tops up its vCPU's caches BEFORE taking the lock, with enough objects to
 * map ONE translation: one table (and one header) per level below the root.
 * Under the lock objects only come out of the caches; a dry cache is an MMU
 * bug (a path consumed more than one translation's worth) and panics with
 * the cache's name, what it had and the guaranteed minimum.
 *
 * Every table is in vm->page_hash (hpa -> struct mmu_page) from just before
 * it is linked until it is freed, so removal and mmu_check can find the
 * metadata of a table from the pfn in an SPTE.
 */
#include "mmu_int.h"

void mmu_cache_init(struct mmu_cache *c, int id, const char *name, int min)
{
	c->nobjs = 0;
	c->id = id;
	c->name = name;
	c->min = min;
}

static void *cache_new_obj(struct mmu_vm *vm, int id)
{
	if (id == MMU_CACHE_HEADERS)
		return env_zalloc(sizeof(struct mmu_page));
	u64 *spt = env_alloc_page();
	if (spt && vm->fmt.nonpresent_value)
		for (int i = 0; i < SPTE_ENT_PER_PAGE; i++)
			spt[i] = vm->fmt.nonpresent_value;
	return spt;
}

static void cache_fill(struct mmu_vcpu *vcpu, struct mmu_cache *c, int target)
{
	while (c->nobjs < target) {
		void *obj = cache_new_obj(vcpu->vm, c->id);
		if (!obj)
			break;
		c->objs[c->nobjs++] = obj;
	}
}

/* Before the MMU lock: guarantee one translation's worth in every cache
 * first (seed 002), then fill to capacity while memory allows, so most
 * faults skip the allocator and a tight allocator still serves the minimum. */
int mmu_topup_caches(struct mmu_vcpu *vcpu)
{
	struct mmu_cache *caches[] = { &vcpu->page_cache, &vcpu->header_cache };
	int before[2], r = 0;

	for (int i = 0; i < 2; i++) {
		before[i] = caches[i]->nobjs;
		if (caches[i]->nobjs < caches[i]->min)
			cache_fill(vcpu, caches[i], caches[i]->min);
		if (caches[i]->nobjs < caches[i]->min)
			r = E_NOMEM;
	}
	for (int i = 0; i < 2 && !r; i++)
		if (before[i] < caches[i]->min)
			cache_fill(vcpu, caches[i], MMU_CACHE_CAPACITY);
	for (int i = 0; i < 2; i++)
		if (before[i] < caches[i]->min)
			trace_simple((u16)vcpu->id, HVT_CACHE_TOPUP, (u8)caches[i]->id, 0, 0,
				     (u64)before[i], (u64)caches[i]->min, (u64)caches[i]->nobjs, 0, 0);
	return r;
}

void *mmu_cache_alloc(struct mmu_cache *c)
{
	if (c->nobjs <= 0)
		env_panic("mmu: memory cache '%s' ran dry under the MMU lock: have %d, min %d "
			  "(a path used more than one translation's worth, seed 002)",
			  c->name, c->nobjs, c->min);
	return c->objs[--c->nobjs];
}

void mmu_cache_put(struct mmu_cache *c, void *obj)
{
	if (c->nobjs >= MMU_CACHE_CAPACITY)
		env_panic("mmu: memory cache '%s' overfull: have %d", c->name, c->nobjs);
	c->objs[c->nobjs++] = obj;
}

void mmu_cache_free_all(struct mmu_vm *vm, struct mmu_cache *c)
{
	while (c->nobjs > 0) {
		void *obj = c->objs[--c->nobjs];
		if (c->id == MMU_CACHE_HEADERS)
			env_free(obj, sizeof(struct mmu_page));
		else
			env_free_page(obj);
	}
}

static unsigned page_hash_idx(hpa_t hpa)
{
	u64 x = (hpa >> PAGE_SHIFT) * 0x9e3779b97f4a7c15ull;
	return (unsigned)(x >> 54) & (MMU_PAGE_HASH_SIZE - 1);
}

static void page_hash_insert(struct mmu_vm *vm, struct mmu_page *sp)
{
	unsigned i = page_hash_idx(sp->hpa);

	spin_lock(&vm->pages_lock);
	sp->hash_next = vm->page_hash[i];
	vm->page_hash[i] = sp;
	vm->nr_live_tables++;
	spin_unlock(&vm->pages_lock);
}

static void page_hash_remove(struct mmu_vm *vm, struct mmu_page *sp)
{
	struct mmu_page **pp;

	spin_lock(&vm->pages_lock);
	for (pp = &vm->page_hash[page_hash_idx(sp->hpa)]; *pp; pp = &(*pp)->hash_next) {
		if (*pp == sp) {
			*pp = sp->hash_next;
			break;
		}
	}
	if (sp->state == MMU_PAGE_LIVE)
		vm->nr_live_tables--;
	spin_unlock(&vm->pages_lock);
}

/* Unlinked: no longer counts as live (M9); freed after the grace period. */
void mmu_page_mark_retired(struct mmu_vm *vm, struct mmu_page *sp)
{
	spin_lock(&vm->pages_lock);
	sp->state = MMU_PAGE_RETIRED;
	vm->nr_live_tables--;
	spin_unlock(&vm->pages_lock);
}

struct mmu_page *mmu_page_lookup(struct mmu_vm *vm, hpa_t hpa)
{
	struct mmu_page *sp;

	spin_lock(&vm->pages_lock);
	for (sp = vm->page_hash[page_hash_idx(hpa)]; sp; sp = sp->hash_next)
		if (sp->hpa == hpa)
			break;
	spin_unlock(&vm->pages_lock);
	return sp;
}

static void sp_init(struct mmu_vm *vm, struct mmu_page *sp, u64 *spt, gfn_t gfn, int level)
{
	*sp = (struct mmu_page){0};
	sp->spt = spt;
	sp->hpa = env_va_to_hpa(spt);
	sp->gfn = gfn;
	sp->level = level;
	sp->state = MMU_PAGE_LIVE;
}

/* Take a table for [gfn..] at level from the caches and make it findable
 * before it is linked (a racing removal may meet it right after the link). */
struct mmu_page *mmu_page_prepare(struct mmu_vcpu *vcpu, gfn_t gfn, int level)
{
	struct mmu_page *sp = mmu_cache_alloc(&vcpu->header_cache);

	sp_init(vcpu->vm, sp, mmu_cache_alloc(&vcpu->page_cache), gfn, level);
	page_hash_insert(vcpu->vm, sp);
	return sp;
}

/* The link lost its race: nobody saw the table; it goes back untouched. */
void mmu_page_unprepare(struct mmu_vcpu *vcpu, struct mmu_page *sp)
{
	page_hash_remove(vcpu->vm, sp);
	mmu_cache_put(&vcpu->page_cache, sp->spt);
	mmu_cache_put(&vcpu->header_cache, sp);
}

/* Outside any vCPU (the root): straight from env, lock not held. */
struct mmu_page *mmu_page_alloc_direct(struct mmu_vm *vm, gfn_t gfn, int level)
{
	struct mmu_page *sp = env_zalloc(sizeof(*sp));
	u64 *spt = sp ? env_alloc_page() : NULL;

	if (!spt) {
		if (sp)
			env_free(sp, sizeof(*sp));
		return NULL;
	}
	for (int i = 0; i < SPTE_ENT_PER_PAGE; i++)
		spt[i] = vm->fmt.nonpresent_value;
	sp_init(vm, sp, spt, gfn, level);
	page_hash_insert(vm, sp);
	return sp;
}

void mmu_page_free_now(struct mmu_vm *vm, struct mmu_page *sp, u8 why)
{
	page_hash_remove(vm, sp);
	trace_simple(HVT_NO_VCPU, HVT_PT_FREE, why, (u8)sp->level, 0,
		     sp->hpa, sp->gfn, sp->unlink_seq, 0, 0);
	STAT_INC(vm, tables_freed);
	env_free_page(sp->spt);
	env_free(sp, sizeof(*sp));
}

static void sp_free_cb(struct mmu_vm *vm, struct qsbr_node *node, bool immediate)
{
	mmu_page_free_now(vm, (struct mmu_page *)node,
			  immediate ? HVT_FREE_IMMEDIATE : HVT_FREE_DEFERRED);
}

/* Q1: only after the flush that covers the unlink (tdp_mmu.c). */
void mmu_page_retire(struct mmu_vm *vm, struct mmu_page *sp)
{
	sp->rcu.free_fn = sp_free_cb;
	qsbr_retire(vm, &sp->rcu);
}
