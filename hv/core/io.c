/*
 * io.c: guest port I/O that reaches hv. The backend's I/O permission map
 * passes the platform's serial port (0x3f8-0x3ff), isa-debug-exit (0xf4)
 * and fw_cfg (0x510-0x511) straight through; every other port exits here.
 * hv emulates no device on ports: reads return all ones, writes are
 * dropped, and each port is reported on the console the first time.
 */
#include "hv/core/exit.h"
#include "hv/core/lib.h"
#include "hv/core/vm.h"

static bool first_use(struct vm *vm, u16 port)
{
	bool first;
	spin_lock(&vm->report_lock);
	first = !(vm->ports_reported[port / 64] & BIT(port % 64));
	vm->ports_reported[port / 64] |= BIT(port % 64);
	spin_unlock(&vm->report_lock);
	return first;
}

void exit_io(struct vcpu *v, struct exit_info *e)
{
	u16 port = e->u.io.port;
	u8 size = e->u.io.size;

	if (first_use(v->vm, port))
		printk("hv: vCPU %d: %s%s port 0x%x (%u bytes) at rip 0x%lx: no device, %s\n",
		       v->id, e->u.io.string ? "string " : "", e->u.io.in ? "read from" : "write to",
		       port, size, v->regs.rip,
		       e->u.io.in ? "reads return all ones" : "writes dropped");
	if (e->u.io.in && !e->u.io.string) {
		u64 mask = size == 4 ? 0xffffffffull : size == 2 ? 0xffffull : 0xffull;
		v->regs.rax = (size == 4 ? 0 : v->regs.rax & ~mask) | mask;
	}
	skip_insn(v, e, 1);
}
