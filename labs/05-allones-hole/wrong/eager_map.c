/*
 * Lab 05, WRONG ANSWER "eager_map": the RFC's "aggressively map PTEs in
 * KVM_MEM_ALLONES slots": on the first fault map the WHOLE slot to the 0xff
 * page, so no access ever faults again. The caches were topped up with one
 * translation's worth (levels - 1 tables): mapping 64 MiB needs 33 tables,
 * and nothing can be allocated under the MMU lock. The cache runs dry and
 * the MMU panics, as KVM hit the BUG_ON in mmu_memory_cache_alloc().
 */
#include "mmu/tdp_steps.h"

static u64 *ones_page;

static pfn_t ones_pfn(void)
{
	if (!ones_page) {
		ones_page = env_alloc_page();
		if (!ones_page)
			return 0;
		for (int i = 0; i < SPTE_ENT_PER_PAGE; i++)
			ones_page[i] = ~0ull;
	}
	return env_va_to_hpa(ones_page) >> PAGE_SHIFT;
}

enum mmu_fault_result tdp_hole_fault(struct mmu_vcpu *vcpu, const struct memslot *slot,
				     gpa_t gpa, u32 error, struct mmu_mmio *mmio)
{
	pfn_t pfn = ones_pfn();
	enum mmu_fault_result r = MMU_FAULT_FIXED;

	if (error & MMU_PF_WRITE) {
		if (mmio)
			*mmio = (struct mmu_mmio){ .gpa = gpa, .kind = HVT_MMIO_ALLONES, .slot = slot->id };
		return MMU_FAULT_MMIO;
	}
	if (!pfn || mmu_topup_caches(vcpu))
		return MMU_FAULT_ERROR;
	/* Map everything at once (only the top-up above guarantees memory). */
	for (u64 i = 0; i < slot->npages && r != MMU_FAULT_ERROR; i++)
		r = tdp_map_4k_readonly(vcpu, slot->base_gfn + i, pfn);
	return r == MMU_FAULT_ERROR ? r : MMU_FAULT_FIXED;
}
