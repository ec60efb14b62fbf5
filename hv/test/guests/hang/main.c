/*
 * hang: hv's test guest for a run that could never end: vCPU 0 halts with
 * interrupts off while the other vCPUs still wait for a SIPI that will
 * never come. hv must notice that no vCPU can run again and stop the VM
 * with a clear message (hv/core/vcpu.c, vcpu_set_state).
 */
#include "guest.h"

int main(void)
{
	printf("hang: vCPU 0 halts with interrupts off\n");
	__asm__ volatile("cli; hlt" ::: "memory");
	printf("hang: woke up, which nothing should do\n");
	return 1;
}
