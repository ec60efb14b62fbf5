/*
 * fault_loop.h: stop a VM whose vCPU takes the same fault again and again
 * while the MMU says each time that it fixed it (fault_loop.c explains).
 */
#ifndef HV_CORE_FAULT_LOOP_H
#define HV_CORE_FAULT_LOOP_H

#include "hv/core/vcpu.h"

/* Identical consecutive "fixed" faults that end the run (fault_loop.c). */
#define FAULT_LOOP_LIMIT 10000

/*
 * Call after the MMU returned MMU_FAULT_FIXED or MMU_FAULT_SPURIOUS (then
 * spurious = true) for the exit being handled: kind EXIT_PF (mmu=shadow, addr = the gva, error = the
 * #PF error code) or EXIT_NPF (mmu=tdp, addr = the gpa, error = MMU_PF_*).
 * shadow_root is the root the vCPU runs on under mmu=shadow (0 under TDP:
 * vcpu->tdp_root is used). Returns true if this was the FAULT_LOOP_LIMIT-th
 * identical fault in a row: the VM has then been stopped (status 112) with
 * one line naming the fault, and a trace marker "fault livelock" emitted.
 */
bool fault_loop_check(struct vcpu *v, enum exit_kind kind, u64 addr, u32 error,
		      bool spurious, hpa_t shadow_root);

#endif
