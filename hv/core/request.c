/*
 * request.c: vCPU requests and kicks (see request.h for the protocol).
 */
#include "hv/core/request.h"
#include "hv/core/apic.h"
#include "hv/core/pcpu.h"
#include "hv/core/trace.h"
#include "hv/core/vm.h"
#include "hv/core/x86.h"

/* A vCPU in guest mode must exit; one sleeping in HLT (vcpu.c) must wake. */
void vcpu_kick(struct vcpu *v)
{
	struct pcpu *p = v->pcpu;
	if (p && p != this_pcpu_safe() &&
	    (READ_ONCE(v->mode) == IN_GUEST_MODE || READ_ONCE(v->sleeping)))
		apic_send_fixed(p->apic_id, KICK_VECTOR);
}

void vcpu_make_request(struct vcpu *v, u64 req)
{
	atomic_fetch_or64(&v->requests, req);
	smp_mb();                         /* pairs with the mb after mode = IN_GUEST */
	vcpu_kick(v);
}

bool vcpu_check_request(struct vcpu *v, u64 req)
{
	if (!(READ_ONCE(v->requests) & req))
		return false;
	atomic_fetch_and64(&v->requests, ~req);
	return true;
}

/* Wait until v has left guest mode, or entered anew (then it passed its
 * request check after our request), since entries was sampled. The sample
 * must be taken BEFORE the kick: a vCPU that exits and re-enters quickly
 * would otherwise be waited for until its next, maybe never coming, exit. */
static void wait_for_exit(struct vcpu *v, u64 entries)
{
	while (READ_ONCE(v->mode) == IN_GUEST_MODE && READ_ONCE(v->entries) == entries &&
	       !vm_stopping(v->vm))
		cpu_relax();
}

void vm_request_and_wait(struct vm *vm, u64 vcpu_mask, u64 req)
{
	u64 sampled[HVT_MAX_CPUS];
	u64 waitmask = 0;
	struct pcpu *self = this_pcpu_safe();

	for (int i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *v = &vm->vcpus[i];
		if (!(vcpu_mask & BIT(i)))
			continue;
		atomic_fetch_or64(&v->requests, req);
		smp_mb();                 /* pairs with the mb after mode = IN_GUEST */
		if (READ_ONCE(v->mode) == IN_GUEST_MODE && v->pcpu && v->pcpu != self) {
			sampled[i] = READ_ONCE(v->entries);
			waitmask |= BIT(i);
			apic_send_fixed(v->pcpu->apic_id, KICK_VECTOR);
		}
	}
	trace_request(req, vcpu_mask, waitmask != 0);
	for (int i = 0; i < vm->nr_vcpus; i++)
		if (waitmask & BIT(i))
			wait_for_exit(&vm->vcpus[i], sampled[i]);
}
