/*
 * kick.c: a test guest for hv/vmx (check-bochs.sh "kick"). vCPU 1 ends the
 * VM with HC_EXIT while vCPU 0 spins in the guest with interrupts off, so
 * vCPU 0 only leaves the guest if hv gets it out: a kick IPI on hardware,
 * the VMX-preemption timer on Bochs (hv/vmx/vmcs.c). Expected status: 5.
 */
#include "guest.h"

void ap_main(int cpu)
{
	printf("kick: vCPU %d ends the VM while vCPU 0 spins with IF=0\n", cpu);
	hc_exit(5);
}

int main(void)
{
	smp_start_aps(2);
	__asm__ volatile("cli");
	for (;;)
		cpu_relax();
}
