/*
 * vcpu.c: the vCPU run loop (the state machine is drawn in vcpu.h).
 *
 * One pass of the loop:
 *   1. service requests (TLB flush, MMU root reload)        vcpu_service_requests
 *   2. offer a pending emulated-LAPIC interrupt              vcpu_inject_pending
 *   3. entries++, mode = IN_GUEST, mb, re-check requests     vcpu_enter_guest
 *   4. VMRUN / VMRESUME through the backend, decode the exit
 *   5. trace the exit and dispatch it                        exit_handle (exit.c)
 */
#include "hv/core/vcpu.h"
#include "hv/core/exit.h"
#include "hv/core/lib.h"
#include "hv/core/panic.h"
#include "hv/core/request.h"
#include "hv/core/trace.h"
#include "hv/core/vm.h"
#include "hv/core/x86.h"
#include "mmu/mmu.h"

/* ---- "stuck" vCPUs: waiting for a SIPI, or halted. hv emulates no timer
 * and no device that interrupts, so only another vCPU (an IPI, INIT or
 * SIPI) can move them on; when every vCPU is stuck and nothing is pending,
 * nothing ever will: stop the VM with a message instead of letting the run
 * hang until its time limit. ---- */

static bool is_stuck(u32 state)
{
	return state == VCPU_WAIT_SIPI || state == VCPU_HALTED;
}

static bool wake_pending(struct vm *vm)
{
	for (int i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *v = &vm->vcpus[i];
		if (READ_ONCE(v->lapic.sipi_pending) || READ_ONCE(v->lapic.init_pending) ||
		    vlapic_pending_vector(v) >= 0)
			return true;
	}
	return false;
}

void vcpu_set_state(struct vcpu *v, enum vcpu_state state)
{
	struct vm *vm = v->vm;
	bool before = is_stuck(v->state), after = is_stuck(state);

	v->state = state;
	if (before && !after)
		atomic_fetch_sub32(&vm->nr_stuck, 1);
	if (after && !before &&
	    atomic_fetch_add32(&vm->nr_stuck, 1) + 1 == (u32)vm->nr_vcpus && !wake_pending(vm))
		vm_stop(vm, HV_STATUS_VM_ERROR,
			"vCPU %d %s at rip 0x%lx, every other vCPU is halted or waiting for a SIPI, "
			"and no interrupt is pending: the guest can never continue", v->id,
			state == VCPU_HALTED ? (v->regs.rflags & BIT(9) ? "halted" :
						"halted with interrupts disabled") : "waits for a SIPI",
			v->regs.rip);
}

static void vcpu_service_requests(struct vcpu *v)
{
	const struct vendor_ops *ops = v->vm->ops;

	if (v->vm->mmu_mode == HVT_MMU_TDP) {
		hpa_t root = mmu_tdp_root(v->mmu);
		vcpu_check_request(v, REQ_MMU_RELOAD);
		if (root != v->tdp_root) {
			v->tdp_root = root;
			ops->set_tdp_root(v, root);
			ops->flush_guest_tlb(v, true, 0);
		}
	}
	if (v->vm->mmu_mode == HVT_MMU_SHADOW)
		shadow_vcpu_start(v);   /* first entry: the shadow root (no-op after) */
	if (vcpu_check_request(v, REQ_TLB_FLUSH))
		ops->flush_guest_tlb(v, true, 0);
}

static void vcpu_inject_pending(struct vcpu *v)
{
	vcpu_check_request(v, REQ_EVENT);
	int vec = vlapic_pending_vector(v);
	if (vec >= 0 && v->vm->ops->inject_interrupt(v, (u8)vec))
		vlapic_accept(v, vec);
}

/* Steps 3-4. Returns false if a request arrived and the entry was skipped. */
static bool vcpu_enter_guest(struct vcpu *v, struct exit_info *e)
{
	v->entries++;
	WRITE_ONCE(v->mode, IN_GUEST_MODE);
	smp_mb();                              /* pairs with vcpu_make_request */
	if (READ_ONCE(v->requests) & ~REQ_EVENT) {
		WRITE_ONCE(v->mode, OUTSIDE_GUEST_MODE);
		return false;
	}
	mmu_vcpu_enter_guest(v->mmu);
	int r = v->vm->ops->run(v, e);
	mmu_vcpu_exit_guest(v->mmu);
	WRITE_ONCE(v->mode, OUTSIDE_GUEST_MODE);
	if (r)
		panic("%s: guest entry failed on vCPU %d: %d", v->vm->ops->name, v->id, r);
	return true;
}

/* Sleep in HLT (host interrupts on) until ready(v) or the VM stops. The
 * waker sets its request or IRR bit, then kicks: vcpu_kick sends the IPI to
 * a sleeping vCPU as to one in guest mode. sleeping = 1 and the re-check
 * are ordered by a full barrier, so a wake-up between the check and HLT
 * leaves the IPI pending and HLT returns at once. Sleeping, not spinning,
 * leaves the host CPU to the others (QEMU TCG runs every CPU on a thread). */
static void vcpu_sleep_until(struct vcpu *v, bool (*ready)(struct vcpu *))
{
	while (!vm_stopping(v->vm)) {
		WRITE_ONCE(v->sleeping, 1);
		smp_mb();
		if (ready(v) || vm_stopping(v->vm))
			break;
		__asm__ volatile("sti; hlt; cli" ::: "memory");
	}
	WRITE_ONCE(v->sleeping, 0);
}

static bool sipi_arrived(struct vcpu *v)
{
	return READ_ONCE(v->lapic.sipi_pending) != 0;
}

/* An AP before the guest's INIT-SIPI-SIPI: wait for the SIPI. */
static void vcpu_wait_sipi(struct vcpu *v)
{
	vcpu_sleep_until(v, sipi_arrived);
	if (vm_stopping(v->vm))
		return;
	WRITE_ONCE(v->lapic.sipi_pending, 0);
	WRITE_ONCE(v->lapic.init_pending, 0);
	v->vm->ops->sipi(v, (u8)v->lapic.sipi_vector);
	/* The SIPI put CR0/CR3/CR4 back to reset values: under mmu=shadow
	 * the root of the vCPU's last run (if INIT came after one) is stale;
	 * load the one for paging off (shadow_exit.c). */
	shadow_cr_written(v, 0);
	vcpu_set_state(v, VCPU_RUNNABLE);
}

static bool halt_ends(struct vcpu *v)
{
	return READ_ONCE(v->lapic.init_pending) ||
	       ((v->regs.rflags & BIT(9)) && vlapic_pending_vector(v) >= 0);
}

/* After HLT: wait for an interrupt (or INIT) to make the vCPU runnable. */
static void vcpu_wait_event(struct vcpu *v)
{
	vcpu_sleep_until(v, halt_ends);
	if (vm_stopping(v->vm))
		return;
	if (READ_ONCE(v->lapic.init_pending)) {
		WRITE_ONCE(v->lapic.init_pending, 0);
		vcpu_set_state(v, VCPU_WAIT_SIPI);
		return;
	}
	vcpu_set_state(v, VCPU_RUNNABLE);
}

void vcpu_run_loop(struct vcpu *v)
{
	struct exit_info e;

	while (!vm_stopping(v->vm)) {
		if (READ_ONCE(v->lapic.init_pending) && v->state != VCPU_WAIT_SIPI) {
			WRITE_ONCE(v->lapic.init_pending, 0);
			vcpu_set_state(v, VCPU_WAIT_SIPI);   /* INIT: back to wait-for-SIPI */
		}
		if (v->state == VCPU_WAIT_SIPI) {
			vcpu_wait_sipi(v);
			continue;
		}
		if (v->state == VCPU_HALTED) {
			vcpu_wait_event(v);
			continue;
		}
		vcpu_service_requests(v);
		vcpu_inject_pending(v);
		if (!vcpu_enter_guest(v, &e))
			continue;
		v->exits++;
		if (e.kind > 0 && e.kind <= EXIT_OTHER)
			v->exits_by_kind[e.kind]++;
		v->cur_exit = &e;
		trace_exit(v, &e);
		exit_handle(v, &e);
		v->cur_exit = NULL;
	}
	/* hv_selftest=nostop: an AP that never reports its stop, as one stuck
	 * in guest mode would not; vm_finish must still end the run. */
	if (v->vm->selftest_nostop && v->id != 0)
		return;
	/* Outside guest mode for good: this CPU emits no more records and no
	 * longer walks the MMU's tables, so vm_finish may tear them down. */
	__atomic_store_n(&v->stopped, 1, __ATOMIC_RELEASE);
}
