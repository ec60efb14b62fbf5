/*
 * Lab 05: the all-ones PCI hole as MMIO, and the memory-cache bound.
 * YOUR FILE: it replaces mmu/tdp_hole.c in the lab build of hv.
 * Read labs/05-allones-hole/README.md first.
 *
 * This is the SKELETON you start from. It runs and the guest reads 0xff,
 * but it MAPS the hole: each faulting page gets a read-only mapping of one
 * shared page of 0xff bytes, with page tables to hold it. The grader wants
 * no memory at all spent on the hole.
 */
#include "mmu/tdp_steps.h"

/*
 * A fault at gpa in slot, an all-ones slot (slot->flags & HC_MEM_ALLONES).
 * error: MMU_PF_* bits (MMU_PF_WRITE for a write). No lock is held and the
 * vCPU's caches have not been topped up. Return what hv must do:
 *   MMU_FAULT_MMIO with *mmio filled in (gpa, kind HVT_MMIO_ALLONES, slot
 *   id): hv emulates the access (reads return 0xff bytes, writes are
 *   dropped) and resumes the guest;
 *   MMU_FAULT_FIXED if you installed a mapping (the guest retries).
 * mmio may be NULL (then only the result counts).
 */
enum mmu_fault_result tdp_hole_fault(struct mmu_vcpu *vcpu, const struct memslot *slot,
				     gpa_t gpa, u32 error, struct mmu_mmio *mmio)
{
	static u64 *ones_page;     /* one page of 0xff bytes shared by every hole page */

	/* Writes are dropped: let hv emulate them. */
	if (error & MMU_PF_WRITE) {
		if (mmio)
			*mmio = (struct mmu_mmio){ .gpa = gpa, .kind = HVT_MMIO_ALLONES, .slot = slot->id };
		return MMU_FAULT_MMIO;
	}
	/* SKELETON: map the faulting page read-only to the 0xff page. */
	if (!__atomic_load_n(&ones_page, __ATOMIC_ACQUIRE)) {
		u64 *p = env_alloc_page(), *none = NULL;
		if (!p)
			return MMU_FAULT_ERROR;
		for (int i = 0; i < SPTE_ENT_PER_PAGE; i++)
			p[i] = ~0ull;
		if (!__atomic_compare_exchange_n(&ones_page, &none, p, false,
						 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
			env_free_page(p);
	}
	if (mmu_topup_caches(vcpu))
		return MMU_FAULT_ERROR;
	return tdp_map_4k_readonly(vcpu, gpa >> PAGE_SHIFT,
				   env_va_to_hpa(ones_page) >> PAGE_SHIFT);
}
