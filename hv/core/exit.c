/*
 * exit.c: the shared exit dispatcher. Each backend turns its exit into a
 * struct exit_info (hv/core/vendor.h); this table sends each kind to its
 * handler. Handlers for devices live in their own files (exit.h); the
 * small ones (CPUID, HLT, shutdown, external interrupt) are here.
 */
#include "hv/core/exit.h"
#include "hv/core/lib.h"
#include "hv/core/panic.h"
#include "hv/core/request.h"
#include "hv/core/vm.h"
#include "hv/core/x86.h"
#include "include/hvlab/hypercall.h"

static const char *const exit_names[] = {
	[EXIT_NPF] = "npf", [EXIT_PF] = "pf", [EXIT_CR_WRITE] = "cr_write",
	[EXIT_INVLPG] = "invlpg", [EXIT_CPUID] = "cpuid", [EXIT_IO] = "io",
	[EXIT_HLT] = "hlt", [EXIT_HYPERCALL] = "hypercall", [EXIT_SHUTDOWN] = "shutdown",
	[EXIT_EXTINT] = "extint", [EXIT_MSR] = "msr", [EXIT_INIT_SIPI] = "init_sipi",
	[EXIT_NMI] = "nmi", [EXIT_INVPCID] = "invpcid", [EXIT_OTHER] = "other",
};

const char *exit_kind_name(enum exit_kind kind)
{
	if (kind > 0 && (size_t)kind < ARRAY_SIZE(exit_names) && exit_names[kind])
		return exit_names[kind];
	return "?";
}

void skip_insn(struct vcpu *v, const struct exit_info *e, u8 fallback_len)
{
	v->vm->ops->skip_insn(v, e->insn_len ? e->insn_len : fallback_len);
}

/* CPUID: the host's answer, minus what hv does not virtualize, plus the
 * hvlab signature at 0x40000000 (include/hvlab/hypercall.h). */
static void exit_cpuid(struct vcpu *v, struct exit_info *e)
{
	u32 leaf = (u32)v->regs.rax, sub = (u32)v->regs.rcx, a, b, c, d;

	cpuid(leaf, sub, &a, &b, &c, &d);
	if (leaf == 1) {
		c &= ~(BIT(5) | BIT(3) | BIT(21));  /* no VMX, MONITOR, x2APIC */
		c |= BIT(31);                        /* hypervisor present */
		b = (b & 0x00ffffff) | ((u32)v->id << 24);  /* initial APIC ID */
	} else if (leaf == 7 && sub == 0) {
		/* INVPCID (EBX[10]) only where the backend lets it run (or exit,
		 * under mmu=shadow); else the guest would take #UD after
		 * CPUID told it the instruction exists. */
		if (!v->vm->ops->invpcid_ok || !v->vm->ops->invpcid_ok(v))
			b &= ~BIT(10);
	} else if (leaf == 0x80000001) {
		c &= ~BIT(2);                        /* no SVM */
	} else if (leaf == HV_CPUID_LEAF) {
		a = HV_CPUID_LEAF;
		b = HV_CPUID_SIG_EBX;
		c = HV_CPUID_SIG_ECX;
		d = HV_CPUID_SIG_EDX;
	} else if (leaf > HV_CPUID_LEAF && leaf < 0x40000100) {
		a = b = c = d = 0;
	}
	v->regs.rax = a;
	v->regs.rbx = b;
	v->regs.rcx = c;
	v->regs.rdx = d;
	skip_insn(v, e, 2);
}

/* HLT: sleep until an interrupt (with interrupts off, until an INIT). If
 * that makes every vCPU wait forever, vcpu_set_state stops the VM. */
static void exit_hlt(struct vcpu *v, struct exit_info *e)
{
	skip_insn(v, e, 1);
	vcpu_set_state(v, VCPU_HALTED);
}

static void exit_shutdown(struct vcpu *v, struct exit_info *e)
{
	vm_stop(v->vm, HV_STATUS_VM_ERROR,
		"guest triple fault (shutdown) on vCPU %d at rip 0x%lx", v->id, v->regs.rip);
}

/* A physical interrupt arrived in guest mode (a kick, request.h), or the
 * backend reports an interrupt window: open a one-instruction interrupt
 * window so the host takes what is pending; requests are serviced before
 * the next entry. */
static void exit_extint(struct vcpu *v, struct exit_info *e)
{
	__asm__ volatile("sti; nop; cli" ::: "memory");
}

static void exit_unexpected(struct vcpu *v, struct exit_info *e)
{
	printk("hv: vCPU %d: unexpected exit %s (raw 0x%lx, qualification 0x%lx) at rip 0x%lx\n",
	       v->id, exit_kind_name(e->kind), e->raw_reason, e->qual, v->regs.rip);
	dump_exit(v);
	vm_stop(v->vm, HV_STATUS_VM_ERROR, "stopping the VM after an exit hv does not handle");
}

typedef void (*exit_handler_fn)(struct vcpu *v, struct exit_info *e);

static const exit_handler_fn exit_handlers[] = {
	[EXIT_NPF] = exit_npf,
	[EXIT_PF] = exit_shadow_pf,
	[EXIT_INVLPG] = exit_shadow_invlpg,
	[EXIT_INVPCID] = exit_shadow_invpcid,
	[EXIT_CPUID] = exit_cpuid,
	[EXIT_IO] = exit_io,
	[EXIT_HLT] = exit_hlt,
	[EXIT_HYPERCALL] = exit_hypercall,
	[EXIT_SHUTDOWN] = exit_shutdown,
	[EXIT_EXTINT] = exit_extint,
	[EXIT_MSR] = exit_msr,
	[EXIT_CR_WRITE] = exit_cr_write,
};

void exit_handle(struct vcpu *v, struct exit_info *e)
{
	exit_handler_fn fn = NULL;
	if (v->vm->selftest_panic && e->kind == EXIT_HYPERCALL)
		panic("self test: a deliberate panic inside a %s exit (hv_selftest=panic)",
		      exit_kind_name(e->kind));
	if (e->kind > 0 && (size_t)e->kind < ARRAY_SIZE(exit_handlers))
		fn = exit_handlers[e->kind];
	(fn ? fn : exit_unexpected)(v, e);
}
