/*
 * tdp_hole_spurious.c: lab 05's all-ones hole fault with ONE deliberate
 * mistake, for hv's livelock test (hv/test/livelock-check.sh) and nothing
 * else: build/hv/livelock/tdp/hv.elf links it in place of mmu/tdp_hole.c
 * (hv/hv.mk), the product never does.
 *
 * The mistake: "a hole has nothing to map, so there is nothing to do:
 * report the fault spurious and re-enter". The guest's access then finds
 * no SPTE again, the CPU raises the same #NPF, the MMU says spurious
 * again: the livelock hv/core/fault_loop.c must end with a message (the
 * right answer emulates the access: reads all ones, writes dropped).
 */
#include "mmu/tdp_steps.h"

enum mmu_fault_result tdp_hole_fault(struct mmu_vcpu *vcpu, const struct memslot *slot,
				     gpa_t gpa, u32 error, struct mmu_mmio *mmio)
{
	return MMU_FAULT_SPURIOUS;              /* WRONG on purpose: nothing done */
}
