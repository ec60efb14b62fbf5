/*
 * triple: triple-faults on purpose. With an empty IDT (limit 0) INT3
 * cannot be delivered (#GP), neither can that #GP (#DF), nor the #DF:
 * a triple fault, which shuts the CPU down (SDM Vol. 3A 6.15, "Interrupt
 * 8 - Double Fault Exception"). hv must report it and stop the VM;
 * natively QEMU resets (or exits, with -no-reboot).
 */
#include "guest.h"

int main(void)
{
	struct { u16 limit; u64 base; } __attribute__((packed)) empty = { 0, 0 };

	printf("triple: about to triple fault (empty IDT, then int3)\n");
	__asm__ volatile("lidt %0; int3" :: "m"(empty));
	printf("TEST triple_fault FAIL %s:%d still running after the triple fault\n",
	       __FILE__, __LINE__);
	return 1;
}
