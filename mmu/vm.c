/*
 * vm.c: VM and vCPU lifetime, the TDP root, the format description.
 *
 *   mmu_vm_create      format masks, locks, no root yet
 *   mmu_vcpu_create    caches sized from the number of levels (seed 002)
 *   mmu_tdp_root       root allocated on first use; NEW_ROOT local flush
 *   mmu_vm_destroy     exclusive teardown (seed 003), one flush, then free
 */
#include "tdp_iter.h"

struct mmu_vm *mmu_vm_create(const struct mmu_config *cfg)
{
	struct mmu_vm *vm;

	if (!cfg || (cfg->format != MMU_FORMAT_EPT && cfg->format != MMU_FORMAT_X86) ||
	    cfg->levels < 4 || cfg->levels > MMU_MAX_LEVELS ||
	    cfg->nr_vcpus < 1 || cfg->nr_vcpus > HVT_MAX_CPUS)
		return NULL;
	vm = env_zalloc(sizeof(*vm));
	if (!vm)
		return NULL;
	vm->cfg = *cfg;
	spte_format_init(&vm->fmt, cfg->format, cfg->levels, cfg->ad_enabled,
			 cfg->maxphyaddr ? cfg->maxphyaddr : 46);
	vm->cfg.ad_enabled = vm->fmt.ad_enabled;
	qsbr_init(&vm->qs);
	return vm;
}

struct mmu_vcpu *mmu_vcpu_create(struct mmu_vm *vm, int vcpu_id)
{
	struct mmu_vcpu *v;
	int min = vm->cfg.levels - 1;   /* one table per level below the root */

	if (vcpu_id < 0 || vcpu_id >= vm->cfg.nr_vcpus || vm->vcpus[vcpu_id])
		return NULL;
	v = env_zalloc(sizeof(*v));
	if (!v)
		return NULL;
	v->vm = vm;
	v->id = vcpu_id;
	mmu_cache_init(&v->page_cache, MMU_CACHE_PAGES, "page tables", min);
	mmu_cache_init(&v->header_cache, MMU_CACHE_HEADERS, "table headers", min);
	v->qs_seen = atomic_load_acquire(&vm->qs.gp_seq);
	__atomic_store_n(&vm->vcpus[vcpu_id], v, __ATOMIC_RELEASE);
	return v;
}

void mmu_vcpu_destroy(struct mmu_vcpu *vcpu)
{
	struct mmu_vm *vm = vcpu->vm;

	/* Shadow paging: its roots hold root_counts (I9) and its SP cache is
	 * its own; drop them (lock for write) while the VM lives on. */
	if (vcpu->shadow && vm->shadow_vcpu_destroy)
		vm->shadow_vcpu_destroy(vcpu);
	/* After this the vCPU no longer holds back grace periods. */
	__atomic_store_n(&vm->vcpus[vcpu->id], NULL, __ATOMIC_RELEASE);
	mmu_cache_free_all(vm, &vcpu->page_cache);
	mmu_cache_free_all(vm, &vcpu->header_cache);
	env_free(vcpu, sizeof(*vcpu));
	qsbr_reclaim(vm);
}

hpa_t mmu_tdp_root(struct mmu_vcpu *vcpu)
{
	struct mmu_vm *vm = vcpu->vm;
	struct mmu_page *root = __atomic_load_n(&vm->root, __ATOMIC_ACQUIRE);

	if (!root) {
		/* Allocated outside the lock (seed 002), installed under it. */
		struct mmu_page *sp = mmu_page_alloc_direct(vm, 0, vm->cfg.levels);
		if (!sp)
			return 0;
		rw_write_lock(&vm->mmu_lock, (u32)vcpu->id);
		if (!vm->root) {
			__atomic_store_n(&vm->root, sp, __ATOMIC_RELEASE);
			STAT_INC(vm, tables_alloc);
			trace_simple((u16)vcpu->id, HVT_PT_ALLOC, 0, (u8)sp->level, 0,
				     sp->hpa, 0, sp->hpa, 0, 0);
			sp = NULL;
		}
		root = vm->root;
		rw_write_unlock(&vm->mmu_lock);
		if (sp) {
			/* Another vCPU won: ours was never visible. */
			sp->state = MMU_PAGE_LIVE;
			mmu_page_free_now(vm, sp, HVT_FREE_IMMEDIATE);
		}
	}
	if (!vcpu->root_loaded) {
		/* The VPID/ASID may hold translations from before this root. */
		mmu_flush_local(vcpu, 0, 0, HVT_FR_NEW_ROOT);
		vcpu->root_loaded = true;
	}
	return root->hpa;
}

void mmu_vm_destroy(struct mmu_vm *vm)
{
	struct mmu_page *root;
	struct mmu_op op;

	if (vm->shadow_destroy)
		vm->shadow_destroy(vm);   /* shadow pages first: they hold vCPU roots */
	rw_write_lock(&vm->mmu_lock, 0);
	mmu_op_init(&op, vm, NULL, true, HVT_SR_TEARDOWN, HVT_FR_ZAP);
	/* Exclusive: skips the empty SPTEs (seed 003); one flush at the end,
	 * before any table is freed (seed 001). */
	root = vm->root;
	tdp_teardown_root(&op);
	/* No SPTE links the root, so nothing unlinks it: its unlink is the
	 * teardown's last SPTE change (after it the tree maps nothing), which
	 * the flush below follows, as for every other table (pt_lifetimes,
	 * Q1). A tree that held nothing keeps 0: nothing was ever cached
	 * through it. The root is retired, not freed, until the flush and the
	 * grace period (no vCPU runs at teardown to end one earlier). */
	if (root && op.last_seq)
		root->unlink_seq = op.last_seq;
	mmu_op_finish(&op);
	rw_write_unlock(&vm->mmu_lock);
	for (int i = 0; i < HVT_MAX_CPUS; i++)
		if (vm->vcpus[i])
			mmu_vcpu_destroy(vm->vcpus[i]);
	memslot_destroy_all(vm);
	/* No vCPU is left: nothing can hold a reference any more. */
	qsbr_drain_all(vm);
	env_free(vm, sizeof(*vm));
}

void mmu_describe_format(const struct mmu_vm *vm, struct hvt_spte_format *out)
{
	spte_format_describe(&vm->fmt, out);
}

void mmu_get_stats(struct mmu_vm *vm, struct mmu_stats *out)
{
	const volatile u64 *src = (const volatile u64 *)&vm->stats;
	u64 *dst = (u64 *)out;

	for (size_t i = 0; i < sizeof(*out) / sizeof(u64); i++)
		dst[i] = __atomic_load_n(&src[i], __ATOMIC_RELAXED);
}
