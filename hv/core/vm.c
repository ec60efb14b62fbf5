/*
 * vm.c: creating the VM (MMU, guest RAM, vCPUs), stopping it, and the end
 * of a run, which destroys it as a real hypervisor does when a VM ends:
 *
 *   vm_stop      (any CPU, once)  status kept, REQ_STOP + kick to every vCPU
 *   vm_finish    (BSP, after its own vCPU left its run loop)
 *     1. wait, bounded, until every vCPU has left its run loop for good
 *        (vcpu->stopped), re-kicking the ones still in guest mode or HLT
 *     2. exit counts; mmu_check=1 checks the invariants on the live tables
 *     3. mmu_vm_destroy: the exclusive teardown (seed 003): every present
 *        SPTE cleared (reason teardown), non-present ones skipped, ONE
 *        flush, then every table and each vCPU's MMU state freed (PT_FREE)
 *     4. trace_finish: the rings (and the LPT1 stream on Bochs) are drained
 *        and closed only now, so the teardown's records are in the trace
 *     5. hv_finish with the VM's status
 *
 * A vCPU that does not stop within STOP_WAIT_MS is named on the console;
 * its CPU may still be in guest mode on these tables, so the teardown is
 * skipped (freeing them would be a use after free by the hardware), and
 * the run still ends with the VM's status. panic() does none of this: it
 * ends the run at once (hv_finish) from wherever hv's bug was found.
 */
#include "hv/core/vm.h"
#include "hv/core/config.h"
#include "hv/core/lib.h"
#include "hv/core/panic.h"
#include "hv/core/request.h"
#include "hv/core/trace.h"
#include "hv/core/tsc.h"
#include "hv/core/x86.h"
#include "include/hvlab/hypercall.h"
#include "mmu/env.h"
#include "mmu/mmu.h"
#include "hv/core/palloc.h"

struct vm the_vm;

#define RAM_ALIGN_PAGES 512      /* guest RAM is 2 MiB aligned: huge TDP leaves fit */
#define RAM_ALIGN_1G    (512ul * 512)  /* 1 GiB: for 1 GiB leaves, when RAM is that big */

/* Host physical-address width (CPUID 0x80000008 EAX[7:0]). */
static int host_maxphyaddr(void)
{
	u32 a, b, c, d;
	cpuid(0x80000000, 0, &a, &b, &c, &d);
	if (a < 0x80000008)
		return 36;
	cpuid(0x80000008, 0, &a, &b, &c, &d);
	return a & 0xff;
}

static void vm_create_mmu(struct vm *vm)
{
	struct mmu_config mc = {
		.levels = 4, .mode = vm->mmu_mode, .nr_vcpus = vm->nr_vcpus,
		.maxphyaddr = host_maxphyaddr(), .env_ctx = vm,
	};
	if (!vm->ops->mmu_setup)
		panic("backend %s has no mmu_setup op", vm->ops->name);
	vm->ops->mmu_setup(&mc);
	mc.shadow_no_unsync = vm->shadow_flags & SHADOW_CFG_NO_UNSYNC;
	mc.shadow_no_prefetch = vm->shadow_flags & SHADOW_CFG_NO_PREFETCH;
	mc.shadow_sync_skip_wadd = vm->shadow_flags & SHADOW_CFG_SKIP_WADD;
	mc.shadow_max_pages = vm->shadow_pages;
	vm->mmu = mmu_vm_create(&mc);
	if (!vm->mmu)
		panic("mmu_vm_create failed (format %d, mode %d)", mc.format, mc.mode);
}

/*
 * Guest RAM: one contiguous backing as memslot 0 at gpa 0, 1 GiB aligned
 * when it is at least 1 GiB and the host has room (a 1 GiB SPTE needs
 * hpa - gpa to be a multiple of 1 GiB), else 2 MiB aligned.
 */
static void vm_create_ram(struct vm *vm)
{
	u64 npages = vm->mem_bytes >> PAGE_SHIFT;
	vm->ram_hpa = 0;
	if (npages >= RAM_ALIGN_1G)
		vm->ram_hpa = env_alloc_backing(npages, RAM_ALIGN_1G);
	if (!vm->ram_hpa)
		vm->ram_hpa = env_alloc_backing(npages, RAM_ALIGN_PAGES);
	if (!vm->ram_hpa) {
		printk("hv: cannot allocate %lu MiB of guest RAM (%lu pages free): lower mem=\n",
		       vm->mem_bytes >> 20, palloc_free_pages());
		hv_finish(HV_STATUS_BADCONFIG);
	}
	int r = mmu_memslot_create(vm->mmu, 0, 0, npages, 0, vm->ram_hpa);
	if (r)
		panic("memslot 0 (%lu pages at hpa 0x%lx): error %d", npages, vm->ram_hpa, r);
}

/*
 * An explicit shadow page budget (shadow_pages=N) must fit in what hv has
 * left after guest RAM, or the run would end in an allocation failure
 * that looks like the guest's fault. Checked against the pages free now;
 * the vCPUs' small caches come from the same pool, so a budget just below
 * the limit can still run out (the run then stops with the MMU's
 * out-of-memory line).
 */
static void vm_check_shadow_budget(const struct vm *vm)
{
	u64 per_sp = (mmu_shadow_page_bytes() + PAGE_SIZE - 1) >> PAGE_SHIFT;
	u64 free = palloc_free_pages();

	if (vm->mmu_mode != HVT_MMU_SHADOW || !vm->shadow_pages || vm->shadow_pages * per_sp <= free)
		return;
	printk("hv: shadow_pages=%lu needs %lu pages of hv memory (%lu per shadow page: its table "
	       "and metadata), %lu are free after guest RAM: lower shadow_pages= (at most %lu) "
	       "or mem=\n", vm->shadow_pages, vm->shadow_pages * per_sp, per_sp, free, free / per_sp);
	hv_finish(HV_STATUS_BADCONFIG);
}

void vm_create(struct vm *vm, const struct boot_config *cfg, const struct vendor_ops *ops)
{
	vm->ops = ops;
	vm->mmu_mode = cfg->mmu_mode;
	vm->nr_vcpus = cfg->nr_vcpus;
	vm->mem_bytes = cfg->mem_mib << 20;
	vm->trace_key = cfg->trace_key;
	vm->selftest_panic = cfg->selftest_panic;
	vm->selftest_nostop = cfg->selftest_nostop;
	vm->mmu_check = cfg->mmu_check;
	vm->shadow_flags = cfg->shadow_flags;
	vm->shadow_pages = cfg->shadow_pages;
	vm_create_mmu(vm);
	vm_create_ram(vm);
	vm_check_shadow_budget(vm);
	for (int i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *v = &vm->vcpus[i];
		v->id = i;
		v->vm = vm;
		v->state = i ? VCPU_WAIT_SIPI : VCPU_RUNNABLE;
		vm->nr_stuck += i ? 1 : 0;
		v->mmu = mmu_vcpu_create(vm->mmu, i);
		if (!v->mmu)
			panic("mmu_vcpu_create(%d) failed", i);
		vlapic_reset(v);
	}
}

void vm_stop(struct vm *vm, int status, const char *fmt, ...)
{
	u32 expected = 0;
	if (!atomic_cmpxchg32(&vm->stopping, &expected, 1))
		return;                           /* someone stopped it first */
	vm->status = status;
	va_list ap;
	va_start(ap, fmt);
	printk("hv: ");
	vprintk(fmt, ap);
	printk("\n");
	va_end(ap);
	for (int i = 0; i < vm->nr_vcpus; i++)
		vcpu_make_request(&vm->vcpus[i], REQ_STOP);
}

/* ---- the end of a run (see the top of this file) ---- */

#define STOP_WAIT_MS   5000   /* a kicked vCPU leaves guest mode in microseconds;
                                 this is for a loaded host running TCG or Bochs */
#define KICK_EVERY_MS  10

static u64 ms_to_tsc(u64 ms)
{
	return (tsc_hz ? tsc_hz : 1000000000ull) / 1000 * ms;   /* 1 GHz if unmeasured */
}

static u64 vcpus_not_stopped(const struct vm *vm)
{
	u64 mask = 0;
	for (int i = 0; i < vm->nr_vcpus; i++)
		if (!__atomic_load_n(&vm->vcpus[i].stopped, __ATOMIC_ACQUIRE))
			mask |= BIT(i);
	return mask;
}

/* Step 1. vm_stop's REQ_STOP and kick are enough by request.h's protocol;
 * the kick is repeated anyway (cheap), so the wait does not depend on it.
 * Returns the vCPUs that did not stop in time, each named on the console. */
static u64 vm_wait_vcpus_stopped(struct vm *vm)
{
	u64 start = rdtsc(), last_kick = start, left;

	while ((left = vcpus_not_stopped(vm)) && rdtsc() - start < ms_to_tsc(STOP_WAIT_MS)) {
		if (rdtsc() - last_kick >= ms_to_tsc(KICK_EVERY_MS)) {
			for (int i = 0; i < vm->nr_vcpus; i++)
				if (left & BIT(i))
					vcpu_kick(&vm->vcpus[i]);
			last_kick = rdtsc();
		}
		cpu_relax();
	}
	for (int i = 0; i < vm->nr_vcpus; i++)
		if (left & BIT(i)) {
			const struct vcpu *v = &vm->vcpus[i];
			printk("hv: vCPU %d did not stop within %d ms (%s, state %u, %lu entries)\n",
			       i, STOP_WAIT_MS, READ_ONCE(v->mode) == IN_GUEST_MODE ? "in guest mode" :
			       READ_ONCE(v->sleeping) ? "sleeping" : "outside guest mode",
			       READ_ONCE(v->state), READ_ONCE(v->entries));
		}
	return left;
}

/* One line per vCPU: how many exits of each kind it took. */
static void print_exit_counts(struct vm *vm)
{
	for (int i = 0; i < vm->nr_vcpus; i++) {
		const struct vcpu *v = &vm->vcpus[i];
		char line[256];
		int n = snprintf(line, sizeof(line), "hv: vCPU %d: %lu exits:", i, v->exits);
		for (int k = 1; k <= EXIT_OTHER && n < (int)sizeof(line); k++)
			if (v->exits_by_kind[k])
				n += snprintf(line + n, sizeof(line) - n, " %s %lu",
					      exit_kind_name(k), v->exits_by_kind[k]);
		printk("%s\n", line);
	}
}

/* mmu=shadow: the shadow pages of the run and the budget (mmu/SHADOW.md
 * 5.14): how many were zapped to stay within it. */
static void print_shadow_counts(struct vm *vm)
{
	struct mmu_shadow_stats s;
	if (vm->mmu_mode != HVT_MMU_SHADOW)
		return;
	mmu_shadow_get_stats(vm->mmu, &s);
	printk("hv: shadow pages: %lu created, %lu zapped, %lu reclaimed for the budget, "
	       "peak %lu of %lu\n", s.pages_created, s.pages_zapped, s.reclaimed, s.pages_peak, s.budget);
}

/* mmu_check=1: every MMU invariant, after the guest is done and before the
 * teardown. A violation is a bug in hv, so it ends the run as a panic. */
static void check_mmu(struct vm *vm)
{
	char why[200];
	if (!vm->mmu_check)
		return;
	if (mmu_check(vm->mmu, why, sizeof(why)))
		panic("mmu_check at the end of the run: %s", why);
	printk("hv: mmu_check: every MMU invariant holds\n");
}

/* Step 3. mmu_vm_destroy also destroys each vCPU's MMU state, after the
 * teardown's one flush: that flush must still reach every vCPU (its mask
 * is the MMU's live vCPUs), and under mmu=shadow the vCPUs' roots are
 * dropped before the shadow pages go. Destroying the vCPUs first would
 * flush nobody and leave shadow roots referenced. Runs on the BSP with
 * every vCPU stopped: the flush's requests kick nobody and wait for nobody. */
static void vm_destroy_mmu(struct vm *vm)
{
	mmu_vm_destroy(vm->mmu);
	vm->mmu = NULL;
	for (int i = 0; i < vm->nr_vcpus; i++)
		vm->vcpus[i].mmu = NULL;
}

_Noreturn void vm_finish(struct vm *vm)
{
	u64 running = vm_wait_vcpus_stopped(vm);
	print_exit_counts(vm);
	print_shadow_counts(vm);
	check_mmu(vm);
	if (!running) {
		vm_destroy_mmu(vm);
		printk("hv: VM torn down (MMU tables and vCPUs freed)\n");
	} else {
		printk("hv: VM not torn down: vCPU mask 0x%lx may still use its tables\n", running);
	}
	trace_finish(vm);
	hv_finish(vm->status);
}
