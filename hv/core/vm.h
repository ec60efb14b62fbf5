/*
 * vm.h: the one virtual machine hv runs: its memory, its vCPUs, the
 * vendor backend and the scenario options from the command line.
 */
#ifndef HV_CORE_VM_H
#define HV_CORE_VM_H

#include "hv/core/vcpu.h"
#include "include/hvlab/rwlock.h"
#include "trace/hvt_format.h"

#define VM_CMDLINE_MAX 256

struct vm {
	const struct vendor_ops *ops;  /* chosen once at boot from CPUID */
	struct mmu_vm *mmu;
	int mmu_mode;                  /* HVT_MMU_TDP or HVT_MMU_SHADOW */
	int nr_vcpus;
	u64 mem_bytes;                 /* guest RAM at gpa 0 */
	hpa_t ram_hpa;                 /* its contiguous backing */
	struct vcpu vcpus[HVT_MAX_CPUS];
	char cmdline[VM_CMDLINE_MAX];  /* the guest module's whole command line */
	const char *trace_opt;         /* trace= value, NULL if none */
	u64 trace_key;                 /* trace_key=, 0 if none */
	bool selftest_panic;           /* hv_selftest=panic (exit.c) */
	bool selftest_nostop;          /* hv_selftest=nostop (vcpu.c, vm_finish) */
	bool mmu_check;                /* mmu_check=1 (vendor_select.c, vm_finish) */
	u32  shadow_flags;             /* SHADOW_CFG_* (config.h), into the MMU config */
	u64  shadow_pages;             /* shadow_pages=N (0: default), cfg.shadow_max_pages */
	volatile u32 nr_stuck;         /* vCPUs waiting for SIPI or halted (vcpu.c) */
	volatile u32 ready;            /* set by the BSP when APs may run their vCPUs */
	volatile u32 stopping;         /* set once by vm_stop */
	int status;                    /* run status when stopping */
	struct spinlock report_lock;
	u64 ports_reported[65536 / 64];/* unemulated ports already reported (report_lock) */
};

extern struct vm the_vm;
struct boot_config;

/* Build the VM: MMU, guest RAM (memslot 0), vCPUs (vCPU 0 runnable, the
 * others waiting for the guest's SIPI). */
void vm_create(struct vm *vm, const struct boot_config *cfg, const struct vendor_ops *ops);

/* Stop the VM: print "hv: <message>" (once), remember the status, and kick
 * every vCPU out. Used for guest exits (HC_EXIT) and guest misbehaviour. */
void vm_stop(struct vm *vm, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* BSP, after its own vCPU left its run loop: bring every vCPU to a stop
 * (bounded), destroy the MMU (seed 003's teardown, in the trace), close
 * the trace, and end the run with the VM's status (vm.c explains). */
_Noreturn void vm_finish(struct vm *vm);

static inline bool vm_ready(const struct vm *vm)
{
	return __atomic_load_n(&vm->ready, __ATOMIC_ACQUIRE) != 0;
}

static inline bool vm_stopping(const struct vm *vm)
{
	return __atomic_load_n(&vm->stopping, __ATOMIC_ACQUIRE) != 0;
}

#endif
