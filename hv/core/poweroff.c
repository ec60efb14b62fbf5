/*
 * poweroff.c: the machine's "power off" ports, as a guest running natively
 * uses them (guests/lib/exit.c when it is not under hvlab):
 *
 *   0xf4..0xf7  QEMU's isa-debug-exit (-device isa-debug-exit,iobase=0xf4,
 *               iosize=4): an OUT of value V ends QEMU with status
 *               (V << 1) | 1, which run-qemu.sh reports as V
 *   0x8900      Bochs: the string "Shutdown", one byte per OUT, ends the
 *               simulation (Bochs iodev/unmapped.cc); no status
 *
 * Under hv these would end the MACHINE under hv's feet: no VM teardown,
 * and a trace cut off without its last records. So hv intercepts them on
 * both backends and ends the VM instead, exactly like HC_EXIT: vm_stop
 * with the guest's code, then vm_finish (vm.c) stops the vCPUs, destroys
 * the VM, closes the trace and ends the run with that status. The debug
 * exit's value is the code (as run-qemu.sh reports it natively); Bochs'
 * shutdown carries none, so it ends the run with status 0.
 */
#include "hv/core/exit.h"
#include "hv/core/lib.h"
#include "hv/core/panic.h"
#include "hv/core/vm.h"
#include "include/hvlab/hypercall.h"

#define DEBUG_EXIT_FIRST  0xf4
#define DEBUG_EXIT_LAST   0xf7
#define BOCHS_SHUTDOWN    0x8900

static const char shutdown_str[] = "Shutdown";
/* Per vCPU: how much of "Shutdown" it has written so far (its own CPU only). */
static u8 shutdown_pos[HVT_MAX_CPUS];

static void guest_exit_code(struct vcpu *v, u64 code, const char *how)
{
	/* The same rule as HC_EXIT (hypercall.c): 112.. are hv's statuses. */
	if (code > HC_EXIT_CODE_MAX) {
		vm_stop(v->vm, HV_STATUS_VM_ERROR, "guest asked to exit with code %lu through %s "
			"(vCPU %d): codes above %d are hv's own run statuses, so the run ends as "
			"guest-fatal (%d)", code, how, v->id, HC_EXIT_CODE_MAX, HV_STATUS_VM_ERROR);
		return;
	}
	vm_stop(v->vm, (int)code, "guest exit with code %lu through %s (vCPU %d)", code, how, v->id);
}

bool poweroff_port_write(struct vcpu *v, u16 port, u32 value)
{
	if (port >= DEBUG_EXIT_FIRST && port <= DEBUG_EXIT_LAST) {
		guest_exit_code(v, value, "isa-debug-exit");
		return true;
	}
	if (port != BOCHS_SHUTDOWN)
		return false;
	/* As Bochs matches it: the next expected byte advances, any other
	 * byte starts over (counting itself if it is an 'S'). */
	u8 *pos = &shutdown_pos[v->id];
	char c = (char)(value & 0xff);
	*pos = c == shutdown_str[*pos] ? *pos + 1 : (c == shutdown_str[0]);
	if (*pos == sizeof(shutdown_str) - 1) {
		*pos = 0;
		vm_stop(v->vm, 0, "guest exit with code 0 through the Bochs shutdown port "
			"(\"Shutdown\" on port 0x%x, vCPU %d)", BOCHS_SHUTDOWN, v->id);
	}
	return true;
}
