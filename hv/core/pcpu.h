/*
 * pcpu.h: one struct pcpu per physical CPU hv runs on. The GS base of each
 * CPU points at its struct pcpu (self at offset 0), so this_pcpu() is one
 * load. Each physical CPU runs exactly one vCPU of the VM.
 */
#ifndef HV_CORE_PCPU_H
#define HV_CORE_PCPU_H

#include "include/hvlab/types.h"
#include "trace/hvt_format.h"

struct vcpu;

struct pcpu {
	struct pcpu *self;       /* must stay first: %gs:0 */
	int id;                  /* hv's index, 0 = boot CPU */
	u32 apic_id;             /* local APIC id (CPUID 1 EBX[31:24]) */
	struct vcpu *vcpu;       /* the vCPU this CPU runs, NULL before the VM starts */
	void *vendor;            /* backend's per-CPU data (owned by hv/svm or hv/vmx) */
	u64 stack_top;
	volatile u32 online;     /* set by the CPU itself once in ap_main */
};

extern struct pcpu pcpus[HVT_MAX_CPUS];

void pcpu_init_this(struct pcpu *p);        /* point GS at p */

static inline struct pcpu *this_pcpu(void)
{
	struct pcpu *p;
	__asm__ volatile("mov %%gs:0, %0" : "=r"(p));
	return p;
}

/* For paths that can run before GS is set up (panic, early logging). */
struct pcpu *this_pcpu_safe(void);
int pcpu_id_safe(void);

#endif
