/*
 * panic.c: the one fatal path (see panic.h). Prints the reason, and when the
 * CPU is inside a guest exit, the exit and the guest's registers, then ends
 * the run. A panic while panicking (e.g. a fault in the dump) only halts.
 */
#include "hv/core/panic.h"
#include "hv/core/lib.h"
#include "hv/core/x86.h"
#include "hv/core/pcpu.h"
#include "hv/core/vcpu.h"
#include "hv/core/vm.h"

static volatile u32 panicking;

static void dump_regs(const struct guest_regs *r)
{
	printk("hv:   rax %016lx rbx %016lx rcx %016lx rdx %016lx\n", r->rax, r->rbx, r->rcx, r->rdx);
	printk("hv:   rsi %016lx rdi %016lx rbp %016lx rsp %016lx\n", r->rsi, r->rdi, r->rbp, r->rsp);
	printk("hv:   r8  %016lx r9  %016lx r10 %016lx r11 %016lx\n", r->r8, r->r9, r->r10, r->r11);
	printk("hv:   r12 %016lx r13 %016lx r14 %016lx r15 %016lx\n", r->r12, r->r13, r->r14, r->r15);
	printk("hv:   rip %016lx rflags %016lx\n", r->rip, r->rflags);
}

/* The exit being handled on this CPU, if any: what happened, then the state. */
void dump_exit(struct vcpu *v)
{
	const struct exit_info *e = v->cur_exit;
	if (e)
		printk("hv:   in exit %s (kind %d) raw reason 0x%lx qualification 0x%lx info2 0x%lx\n",
		       exit_kind_name(e->kind), e->kind, e->raw_reason, e->qual, e->info2);
	printk("hv:   vCPU %d guest registers:\n", v->id);
	dump_regs(&v->regs);
	if (v->vm && v->vm->ops)
		v->vm->ops->dump(v);
}

_Noreturn void panic(const char *fmt, ...)
{
	u32 expected = 0;
	if (!atomic_cmpxchg32(&panicking, &expected, 1))
		halt_forever();
	cli();
	va_list ap;
	va_start(ap, fmt);
	printk("hv: PANIC on cpu %d: ", pcpu_id_safe());
	vprintk(fmt, ap);
	printk("\n");
	va_end(ap);
	struct pcpu *p = this_pcpu_safe();
	if (p && p->vcpu && p->vcpu->cur_exit)
		dump_exit(p->vcpu);
	hv_finish(HV_STATUS_PANIC);
}
