/*
 * tdp_hole.c: a fault in an all-ones slot, a PCI hole (seed 002).
 *
 * Every byte of an all-ones slot reads 0xff and writes go nowhere. One
 * could map every gfn of it to one read-only page of 0xff bytes, even all
 * at once on the first fault ("aggressive mapping"). hvlab does not:
 *   - it costs page tables and TLB entries for memory nobody owns;
 *   - mapping in a loop under the MMU lock overruns the per-vCPU memory
 *     caches, which are topped up (outside the lock) with ONE translation's
 *     worth: levels - 1 tables (pages.c, Q2). The cache runs dry and the
 *     MMU panics, as KVM's mmu_memory_cache_alloc() hit its BUG_ON.
 * The hole is what it is, MMIO: hv emulates the access (reads 0xff,
 * writes dropped, an HVT_MMIO record each). It costs an exit per access
 * and no memory at all, so it is answered before any top-up or lock.
 */
#include "tdp_steps.h"

enum mmu_fault_result tdp_hole_fault(struct mmu_vcpu *vcpu, const struct memslot *slot,
				     gpa_t gpa, u32 error, struct mmu_mmio *mmio)
{
	if (mmio) {
		mmio->gpa = gpa;
		mmio->kind = HVT_MMIO_ALLONES;
		mmio->slot = slot->id;
	}
	return MMU_FAULT_MMIO;
}
