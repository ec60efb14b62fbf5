/*
 * request.c: vCPU requests and kicks (see request.h for the protocol).
 */
#include "hv/core/request.h"
#include "hv/core/apic.h"
#include "hv/core/pcpu.h"
#include "hv/core/trace.h"
#include "hv/core/vm.h"
#include "hv/core/x86.h"

void vcpu_kick(struct vcpu *v)
{
	struct pcpu *p = v->pcpu;
	if (p && p != this_pcpu_safe() && READ_ONCE(v->mode) == IN_GUEST_MODE)
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

/* Wait until v has left guest mode or entered anew (after its request
 * check), i.e. it no longer runs on state from before our request. */
static void wait_for_exit(struct vcpu *v)
{
	u64 entries = READ_ONCE(v->entries);
	while (READ_ONCE(v->mode) == IN_GUEST_MODE && READ_ONCE(v->entries) == entries &&
	       !vm_stopping(v->vm))
		cpu_relax();
}

void vm_request_and_wait(struct vm *vm, u64 vcpu_mask, u64 req)
{
	bool kicked = false;
	for (int i = 0; i < vm->nr_vcpus; i++) {
		if (!(vcpu_mask & BIT(i)))
			continue;
		struct vcpu *v = &vm->vcpus[i];
		atomic_fetch_or64(&v->requests, req);
		smp_mb();
		if (READ_ONCE(v->mode) == IN_GUEST_MODE && v->pcpu != this_pcpu_safe()) {
			apic_send_fixed(v->pcpu->apic_id, KICK_VECTOR);
			kicked = true;
		}
	}
	trace_request(req, vcpu_mask, kicked);
	for (int i = 0; i < vm->nr_vcpus; i++)
		if ((vcpu_mask & BIT(i)) && vm->vcpus[i].pcpu != this_pcpu_safe())
			wait_for_exit(&vm->vcpus[i]);
}
