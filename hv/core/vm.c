/*
 * vm.c: creating the VM (MMU, guest RAM, vCPUs) and stopping it.
 */
#include "hv/core/vm.h"
#include "hv/core/config.h"
#include "hv/core/lib.h"
#include "hv/core/panic.h"
#include "hv/core/request.h"
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

void vm_create(struct vm *vm, const struct boot_config *cfg, const struct vendor_ops *ops)
{
	vm->ops = ops;
	vm->mmu_mode = cfg->mmu_mode;
	vm->nr_vcpus = cfg->nr_vcpus;
	vm->mem_bytes = cfg->mem_mib << 20;
	vm->trace_key = cfg->trace_key;
	vm->selftest_panic = cfg->selftest_panic;
	vm->mmu_check = cfg->mmu_check;
	vm->shadow_flags = cfg->shadow_flags;
	vm_create_mmu(vm);
	vm_create_ram(vm);
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
