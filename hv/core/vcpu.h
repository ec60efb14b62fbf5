/*
 * vcpu.h: a virtual CPU. Each one is run by exactly one physical CPU
 * (vcpu->pcpu); fields without a note are touched by that CPU only.
 *
 *   state machine (vcpu->state):
 *
 *     WAIT_SIPI --SIPI--> RUNNABLE <--event-- HALTED
 *        ^                  |  |                 ^
 *        +------INIT--------+  +------HLT--------+
 *
 *   WAIT_SIPI  an AP before the guest's INIT-SIPI-SIPI (vcpu_wait_sipi)
 *   RUNNABLE   enters the guest (vcpu_run_loop)
 *   HALTED     after HLT, until an interrupt is pending (vcpu_halt)
 */
#ifndef HV_CORE_VCPU_H
#define HV_CORE_VCPU_H

#include "hv/core/vendor.h"
#include "hv/core/vlapic.h"

enum vcpu_state { VCPU_RUNNABLE, VCPU_WAIT_SIPI, VCPU_HALTED };

struct vm;
struct mmu_vcpu;

struct vcpu {
	int id;                      /* index in vm->vcpus, also APIC ID and trace vcpu */
	struct vm *vm;
	struct pcpu *pcpu;           /* the physical CPU that runs it */
	struct guest_regs regs;      /* valid between exit and entry */
	void *arch;                  /* backend's data (SVM: VMCB etc.) */
	struct mmu_vcpu *mmu;
	hpa_t tdp_root;              /* root last given to set_tdp_root */
	volatile u64 requests;       /* REQ_* bits: any CPU sets, owner clears */
	volatile u32 mode;           /* enum vcpu_mode: any CPU reads */
	volatile u64 entries;        /* guest entries so far: any CPU reads */
	volatile u32 state;          /* enum vcpu_state */
	volatile u32 sleeping;       /* in HLT waiting for a SIPI or an event: any CPU reads */
	volatile u32 stopped;        /* left vcpu_run_loop for good: vm_finish waits for it */
	struct vlapic lapic;
	struct exit_info *cur_exit;  /* exit being handled (for panic), else NULL */
	u64 exits;                   /* exits handled */
	u64 exits_by_kind[EXIT_OTHER + 1];  /* ... per enum exit_kind (vm_finish prints them) */
};

const char *exit_kind_name(enum exit_kind kind);
void dump_exit(struct vcpu *v);

/* Change state, keeping vm->nr_stuck (see vcpu.c) and stopping the VM
 * when no vCPU can ever run again. */
void vcpu_set_state(struct vcpu *v, enum vcpu_state state);
/* Run this vCPU until the VM stops (called on its physical CPU). */
void vcpu_run_loop(struct vcpu *v);
/* Shared exit dispatch (exit.c). Returns normally; the VM may be stopping. */
void exit_handle(struct vcpu *v, struct exit_info *e);

#endif
