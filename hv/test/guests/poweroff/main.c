/*
 * poweroff: hv's test guest for the machine's power-off ports used
 * directly, as a guest running natively does (guests/lib/exit.c without
 * hvlab), not through HC_EXIT. hv must end the VM with the guest's code and
 * destroy it (hv/core/poweroff.c), not let the port end the machine.
 *
 *   how=debug code=N   OUT N to isa-debug-exit (port 0xf4, 32 bits)
 *   how=bochs          "Shutdown" on the Bochs port 0x8900 (status 0)
 */
#include "guest.h"

int main(void)
{
	const char *how = guest_arg("how");
	u32 code = (u32)guest_arg_u64("code", 0);

	if (how && !strncmp(how, "bochs", 6)) {
		printf("poweroff: \"Shutdown\" on port 0x8900\n");
		console_flush();
		for (const char *s = "Shutdown"; *s; s++)
			outb(0x8900, (u8)*s);
	} else {
		printf("poweroff: %u to isa-debug-exit (port 0xf4)\n", code);
		console_flush();
		outl(0xf4, code);
	}
	printf("poweroff: still running after the power-off port\n");
	return 1;
}
