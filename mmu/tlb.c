/*
 * tlb.c: TLB flushes. The MMU decides when and what; env_tlb_flush does it
 * (hv: KVM-style requests, VPID/ASID flush, kicks). Every flush is traced
 * (HVT_TLB_FLUSH) with its scope, range, reason and the number of zapped
 * SPTEs it covers, so the labs can count flushes per zap (seed 001).
 */
#include "mmu_int.h"

static u64 all_vcpus_mask(const struct mmu_vm *vm)
{
	int n = vm->cfg.nr_vcpus;
	return n >= 64 ? ~0ull : (BIT(n) - 1);
}

/* Every vCPU: request + kick + wait (env_tlb_flush contract). npages == 0:
 * the whole address space. */
void mmu_flush_remote(struct mmu_vm *vm, u16 vcpu, gfn_t gfn, u64 npages,
		      u64 zapped, u8 reason)
{
	u64 mask = all_vcpus_mask(vm);

	env_tlb_flush(vm->cfg.env_ctx, mask, gfn, npages);
	STAT_INC(vm, flushes_remote);
	trace_simple(vcpu, HVT_TLB_FLUSH, reason, 0,
		     npages ? HVT_FS_REMOTE_RANGE : HVT_FS_REMOTE_ALL,
		     gfn, npages, zapped, mask, 0);
}

/* One vCPU's TLB. root: the hpa of the root the vCPU runs on from now on,
 * for a flush that follows a root switch (reason cr3), recorded in the
 * record's e word: a CR3 load that reuses a cached root writes no SPTE and
 * no sp_event, so this record is the only one that names the new root
 * (hvtui starts its page-table paths there). 0 = no root named. */
void mmu_flush_local_root(struct mmu_vcpu *vcpu, gfn_t gfn, u64 npages, u8 reason, hpa_t root)
{
	struct mmu_vm *vm = vcpu->vm;
	u64 mask = BIT(vcpu->id);

	env_tlb_flush(vm->cfg.env_ctx, mask, gfn, npages);
	STAT_INC(vm, flushes_local);
	trace_simple((u16)vcpu->id, HVT_TLB_FLUSH, reason, 0,
		     npages ? HVT_FS_LOCAL_RANGE : HVT_FS_LOCAL_ALL,
		     gfn, npages, 0, mask, root);
}

void mmu_flush_local(struct mmu_vcpu *vcpu, gfn_t gfn, u64 npages, u8 reason)
{
	mmu_flush_local_root(vcpu, gfn, npages, reason, 0);
}
