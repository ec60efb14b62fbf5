/*
 * gwalk_vm.c: the walker's view of a VM's guest memory: struct gwalk_mem
 * bound to the memslots (mmu_gpa_to_hpa), for the shadow MMU's fault path
 * and for hv's instruction emulator (gva -> gpa).
 *
 * A gPTE is read with one atomic load (an 8-byte entry must never tear while
 * the guest writes it on another vCPU) and updated with a locked
 * compare-exchange on the host mapping of the page, exactly what the CPU's
 * page walker does for A/D bits (SDM 4.8: "locked operations"). The update
 * goes through mmu_gpa_to_hpa(write=true), so a page whose A/D bits change
 * is marked dirty for dirty logging, and a gPT in a read-only (or all-ones)
 * slot makes the walk fail with E_FAULT.
 */
#include "gwalk.h"
#include "env.h"
#include "mmu.h"
#include "../include/hvlab/atomic.h"

static int vm_read_gpte(void *ctx, gpa_t gpa, u64 *val, int size)
{
	hpa_t hpa;

	if (mmu_gpa_to_hpa(ctx, gpa, false, &hpa))
		return E_FAULT;
	void *va = env_hpa_to_va(hpa);
	if (size == 4)
		*val = __atomic_load_n((volatile u32 *)va, __ATOMIC_ACQUIRE);
	else
		*val = atomic_load_acquire((volatile u64 *)va);
	return 0;
}

static int vm_cmpxchg_gpte(void *ctx, gpa_t gpa, u64 old, u64 new_val, int size)
{
	hpa_t hpa;
	bool ok;

	if (mmu_gpa_to_hpa(ctx, gpa, true, &hpa))
		return E_FAULT;
	void *va = env_hpa_to_va(hpa);
	if (size == 4) {
		u32 expected = (u32)old;
		ok = atomic_cmpxchg32((volatile u32 *)va, &expected, (u32)new_val);
	} else {
		u64 expected = old;
		ok = atomic_cmpxchg64((volatile u64 *)va, &expected, new_val);
	}
	return ok ? 0 : E_BUSY;   /* the guest changed the entry: walk again */
}

void gwalk_mem_bind_vm(struct gwalk_mem *mem, struct mmu_vm *vm)
{
	mem->read_gpte = vm_read_gpte;
	mem->cmpxchg_gpte = vm_cmpxchg_gpte;
	mem->ctx = vm;
}
