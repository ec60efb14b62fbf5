/*
 * io.c: guest port I/O that reaches hv. The backend's I/O permission map
 * passes the platform's serial port (0x3f8-0x3ff) and fw_cfg (0x510-0x511)
 * straight through; every other port exits here. Writes to the power-off
 * ports (isa-debug-exit 0xf4, Bochs 0x8900) end the VM (poweroff.c).
 * hv emulates no device on ports: reads return all ones, writes are
 * dropped, and each port is reported on the console the first time.
 * String I/O (INS/OUTS, with REP) is performed element by element: INS
 * stores all ones at ES:RDI (ES taken as flat), OUTS only advances RSI;
 * RCX, RDI/RSI move as the CPU would move them (RFLAGS.DF backwards).
 */
#include "hv/core/emulate.h"
#include "hv/core/exit.h"
#include "hv/core/guestmem.h"
#include "hv/core/lib.h"
#include "hv/core/panic.h"
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

#define STRING_IO_BATCH 4096   /* elements per exit; a longer REP re-executes */

/* One batch of INS/OUTS. Returns true when the instruction is complete. */
static bool string_io(struct vcpu *v, struct exit_info *e)
{
	u64 cs_base;
	bool a64 = v->vm->ops->code_mode(v, &cs_base) == 64;
	u64 amask = a64 ? ~0ull : 0xffffffffull;
	u64 *index = e->u.io.in ? &v->regs.rdi : &v->regs.rsi;
	u64 count = e->u.io.rep ? v->regs.rcx & amask : 1;
	s64 step = (v->regs.rflags & BIT(10)) ? -(s64)e->u.io.size : e->u.io.size;
	static const u8 ones[4] = { 0xff, 0xff, 0xff, 0xff };

	for (u64 i = 0; i < count && i < STRING_IO_BATCH; i++) {
		gpa_t gpa;
		if (e->u.io.in && (emulate_gva_to_gpa(v, *index & amask, true, &gpa) ||
				   guest_write(v->vm, gpa, ones, e->u.io.size))) {
			vm_stop(v->vm, HV_STATUS_VM_ERROR, "vCPU %d: INS to unmapped gva 0x%lx at rip 0x%lx",
				v->id, *index & amask, v->regs.rip);
			return false;
		}
		*index = (*index & ~amask) | ((*index + step) & amask);
		if (e->u.io.rep)
			v->regs.rcx = (v->regs.rcx & ~amask) | ((v->regs.rcx - 1) & amask);
	}
	return !e->u.io.rep || (v->regs.rcx & amask) == 0;
}

void exit_io(struct vcpu *v, struct exit_info *e)
{
	u16 port = e->u.io.port;
	u8 size = e->u.io.size;

	if (!e->u.io.in && !e->u.io.string &&
	    poweroff_port_write(v, port, (u32)(v->regs.rax & (size == 4 ? 0xffffffffull :
							       size == 2 ? 0xffffull : 0xffull)))) {
		skip_insn(v, e, 1);
		return;
	}
	if (first_use(v->vm, port))
		printk("hv: vCPU %d: %s%s port 0x%x (%u bytes) at rip 0x%lx: no device, %s\n",
		       v->id, e->u.io.string ? "string " : "", e->u.io.in ? "read from" : "write to",
		       port, size, v->regs.rip,
		       e->u.io.in ? "reads return all ones" : "writes dropped");
	if (e->u.io.string) {
		if (string_io(v, e))
			skip_insn(v, e, 1);
		return;
	}
	if (e->u.io.in) {
		u64 mask = size == 4 ? 0xffffffffull : size == 2 ? 0xffffull : 0xffull;
		v->regs.rax = (size == 4 ? 0 : v->regs.rax & ~mask) | mask;
	}
	skip_insn(v, e, 1);
}
