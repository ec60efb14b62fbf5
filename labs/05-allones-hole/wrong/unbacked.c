/*
 * Lab 05, WRONG ANSWER "unbacked": "a hole has no memory, so it is like a
 * gap": reports the access as MMIO of kind UNBACKED. Costs no memory, but
 * a gap is not a PCI hole: hv stops the VM when a guest touches unbacked
 * memory, where the hole must read as 0xff bytes.
 */
#include "mmu/tdp_steps.h"

enum mmu_fault_result tdp_hole_fault(struct mmu_vcpu *vcpu, const struct memslot *slot,
				     gpa_t gpa, u32 error, struct mmu_mmio *mmio)
{
	if (mmio)
		*mmio = (struct mmu_mmio){ .gpa = gpa, .kind = HVT_MMIO_UNBACKED, .slot = -1 };
	return MMU_FAULT_MMIO;
}
