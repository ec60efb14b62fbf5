/*
 * vendor_select.h: choosing the backend once at boot, and running one vCPU
 * on a physical CPU with it.
 */
#ifndef HV_CORE_VENDOR_SELECT_H
#define HV_CORE_VENDOR_SELECT_H

#include "hv/core/vendor.h"

struct vm;

/* The backend this CPU supports (CPUID), probed for the MMU mode. If none
 * can run, prints ONE line naming what is missing and which mode still
 * works, and ends the run with HV_STATUS_NOCAP. */
const struct vendor_ops *vendor_select(int mmu_mode);

/* Enable virtualization on this CPU, build the vCPU and run it until the
 * VM stops. */
void cpu_run_vcpu(struct pcpu *p, struct vcpu *v);

#endif
