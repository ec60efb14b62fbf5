/*
 * tdp_harness.h: what the MMU tests and benches share: a VM with vCPUs on
 * the host env, and a software "CPU" that walks the SPTEs like the
 * hardware page walker (setting A/D with locked operations, no trace
 * record) and takes the MMU's fault path when the walk fails.
 */
#ifndef HVLAB_MMU_TEST_TDP_HARNESS_H
#define HVLAB_MMU_TEST_TDP_HARNESS_H

#include "host_env.h"

#define GIB_PAGES (1ull << 18)
#define MIB2_PAGES 512ull

struct tvm {
	struct mmu_vm *vm;
	struct mmu_vcpu *vcpu[HVT_MAX_CPUS];
	int nr_vcpus;
};

static inline struct mmu_config tvm_config(int format, bool ad, int nr_vcpus)
{
	return (struct mmu_config){
		.format = format, .levels = 4, .mode = HVT_MMU_TDP, .ad_enabled = ad,
		.nr_vcpus = nr_vcpus, .maxphyaddr = 48, .huge_1g = true, .env_ctx = NULL,
	};
}

static inline bool tvm_create_cfg(struct tvm *t, const struct mmu_config *cfg)
{
	*t = (struct tvm){0};
	t->vm = mmu_vm_create(cfg);
	if (!t->vm)
		return false;
	t->nr_vcpus = cfg->nr_vcpus;
	for (int i = 0; i < cfg->nr_vcpus; i++) {
		t->vcpu[i] = mmu_vcpu_create(t->vm, i);
		if (!t->vcpu[i] || !mmu_tdp_root(t->vcpu[i]))
			return false;
		mmu_vcpu_enter_guest(t->vcpu[i]);
	}
	return true;
}

static inline bool tvm_create(struct tvm *t, int format, bool ad, int nr_vcpus)
{
	struct mmu_config cfg = tvm_config(format, ad, nr_vcpus);
	return tvm_create_cfg(t, &cfg);
}

static inline void tvm_destroy(struct tvm *t)
{
	if (t->vm)
		mmu_vm_destroy(t->vm);
	t->vm = NULL;
}

/* The hardware walk. 1: access done (A/D set); 0: fault with *error;
 * -1: the entry changed under the locked update, walk again. */
static inline int hw_walk(struct mmu_vm *vm, gfn_t gfn, bool write, u32 *error)
{
	const struct spte_format *f = &vm->fmt;
	struct mmu_page *root = __atomic_load_n(&vm->root, __ATOMIC_ACQUIRE);
	bool ept = f->format == MMU_FORMAT_EPT;
	u64 *pt, *sptep, spte;

	*error = write ? MMU_PF_WRITE : 0;
	if (!root)
		return 0;
	pt = root->spt;
	for (int level = f->levels; level >= 1; level--) {
		sptep = pt + spte_index(gfn, level);
		spte = __atomic_load_n(sptep, __ATOMIC_ACQUIRE);
		if (ept && (spte & (EPT_R | EPT_W | EPT_X)) == (EPT_W | EPT_X)) {
			*error |= MMU_PF_MISCONFIG;       /* W|X without R */
			return 0;
		}
		if (!(spte & f->present_mask))
			return 0;
		if (!ept && (spte & X86_MMIO_MARKER)) {
			*error |= MMU_PF_RSVD;            /* reserved PA bit */
			return 0;
		}
		if (level > 1 && !(spte & SPTE_HUGE)) {
			pt = env_hpa_to_va(spte & f->pfn_mask);
			continue;
		}
		if (ept && !(spte & EPT_R))
			return 0;
		if (write && !(spte & f->writable_mask)) {
			*error |= MMU_PF_PRESENT;
			return 0;
		}
		u64 new_spte = spte | f->accessed_mask | (write ? f->dirty_mask : 0);
		if (new_spte == spte)
			return 1;
		return __atomic_compare_exchange_n(sptep, &spte, new_spte, false,
						   __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST) ? 1 : -1;
	}
	return 0;
}

/* One guest access by vCPU v: 0 if it completed, else the fault result
 * that stopped it (MMIO or ERROR). The vCPU leaves guest mode for the
 * fault (a quiescent point on the way back in). */
static inline int cpu_access(struct tvm *t, int v, gpa_t gpa, bool write, struct mmu_mmio *mmio)
{
	struct mmu_vcpu *vcpu = t->vcpu[v];
	int r = MMU_FAULT_RETRY;

	mmu_vcpu_exit_guest(vcpu);
	for (int tries = 0; tries < 1000; tries++) {
		u32 err;
		int h = hw_walk(t->vm, gpa >> PAGE_SHIFT, write, &err);
		if (h == 1) {
			r = 0;
			break;
		}
		if (h < 0)
			continue;
		r = mmu_tdp_page_fault(vcpu, gpa, err, 0x1000, mmio);
		if (r == MMU_FAULT_MMIO || r == MMU_FAULT_ERROR)
			break;
	}
	mmu_vcpu_enter_guest(vcpu);
	return r;
}

/* A trip out of and back into the guest: a quiescent point. */
static inline void vcpu_bounce(struct tvm *t, int v)
{
	mmu_vcpu_exit_guest(t->vcpu[v]);
	mmu_vcpu_enter_guest(t->vcpu[v]);
}

/* Find the leaf mapping gfn (test-only, no lock: call when quiet). */
static inline u64 *tvm_leaf(struct tvm *t, gfn_t gfn, int *level)
{
	struct mmu_vm *vm = t->vm;
	u64 *pt = vm->root->spt;

	for (int l = vm->cfg.levels; l >= 1; l--) {
		u64 *sptep = pt + spte_index(gfn, l);
		u64 spte = *sptep;
		*level = l;
		if (!is_mmu_present_spte(spte) || is_last_spte(&vm->fmt, spte, l))
			return sptep;
		pt = spte_to_child_pt(vm, spte);
	}
	return NULL;
}

static inline struct mmu_stats tvm_stats(struct tvm *t)
{
	struct mmu_stats s;
	mmu_get_stats(t->vm, &s);
	return s;
}

#endif
