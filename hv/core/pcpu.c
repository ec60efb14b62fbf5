/*
 * pcpu.c: per-physical-CPU data. GS base holds this CPU's struct pcpu.
 */
#include "hv/core/pcpu.h"
#include "hv/core/x86.h"

struct pcpu pcpus[HVT_MAX_CPUS];

void pcpu_init_this(struct pcpu *p)
{
	p->self = p;
	wrmsr(MSR_GS_BASE, (u64)p);
}

struct pcpu *this_pcpu_safe(void)
{
	return (struct pcpu *)rdmsr(MSR_GS_BASE);
}

int pcpu_id_safe(void)
{
	struct pcpu *p = this_pcpu_safe();
	return p ? p->id : 0;
}
