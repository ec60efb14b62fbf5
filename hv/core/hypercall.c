/*
 * hypercall.c: hv's side of the hypercall ABI (include/hvlab/hypercall.h).
 * RAX = number, RBX/RCX/RDX/RSI = a0..a3, result in RAX. Every argument is
 * checked; a bad one returns an HC_E* code to the guest and leaves a
 * HYPERCALL trace record. Guest buffers are copied page by page through
 * the memslots (guestmem.c), never by pointer.
 */
#include "hv/core/exit.h"
#include "hv/core/guestmem.h"
#include "hv/core/lib.h"
#include "hv/core/panic.h"
#include "hv/core/trace.h"
#include "hv/core/vm.h"
#include "include/hvlab/hypercall.h"
#include "mmu/env.h"
#include "mmu/mmu.h"

#define VMMCALL_LEN 3

struct hc_args { u64 a0, a1, a2, a3; };

/* E_* (include/hvlab/types.h) and HC_E* share their values. */
static s64 hc_err(int e) { return e; }

static s64 hc_console_write(struct vcpu *v, const struct hc_args *a)
{
	char buf[256];
	u64 done = 0;
	if (a->a1 > 4096)
		return HC_EINVAL;
	while (done < a->a1) {
		u64 n = a->a1 - done < sizeof(buf) ? a->a1 - done : sizeof(buf);
		if (guest_read(v->vm, buf, a->a0 + done, n))
			return HC_EFAULT;
		console_write(buf, n);
		done += n;
	}
	return (s64)done;
}

/* A guest's exit code and hv's own statuses must never overlap (the
 * refusal below is what keeps them apart; include/hvlab/hypercall.h). */
_Static_assert(HC_EXIT_CODE_MAX < HV_STATUS_VM_ERROR && HC_EXIT_CODE_MAX < HV_STATUS_NOCAP &&
	       HC_EXIT_CODE_MAX < HV_STATUS_PANIC && HC_EXIT_CODE_MAX < HV_STATUS_BADCONFIG,
	       "guest exit codes overlap hv's run statuses");

static s64 hc_exit(struct vcpu *v, const struct hc_args *a)
{
	if (a->a0 > HC_EXIT_CODE_MAX) {
		vm_stop(v->vm, HV_STATUS_VM_ERROR, "guest asked to exit with code %lu (vCPU %d): "
			"codes above %d are hv's own run statuses, so the run ends as guest-fatal "
			"(%d); a guest exits with 0..%d (include/hvlab/hypercall.h)",
			a->a0, v->id, HC_EXIT_CODE_MAX, HV_STATUS_VM_ERROR, HC_EXIT_CODE_MAX);
		return 0;
	}
	vm_stop(v->vm, (int)a->a0, "guest exit with code %lu (vCPU %d)", a->a0, v->id);
	return 0;
}

static s64 hc_marker(struct vcpu *v, const struct hc_args *a)
{
	char label[40] = { 0 };
	if (a->a1 > 32)
		return HC_EINVAL;
	if (guest_read(v->vm, label, a->a0, a->a1))
		return HC_EFAULT;
	trace_marker(v, label, a->a1);
	return 0;
}

static s64 hc_info(struct vcpu *v, const struct hc_args *a)
{
	struct vm *vm = v->vm;
	struct hvt_spte_format f;
	switch (a->a0) {
	case HC_INFO_VCPU_ID:    return v->id;
	case HC_INFO_NR_VCPUS:   return vm->nr_vcpus;
	case HC_INFO_MMU_MODE:   return vm->mmu_mode;
	case HC_INFO_VENDOR:     return vm->ops->trace_vendor;
	case HC_INFO_MEM_BYTES:  return (s64)vm->mem_bytes;
	case HC_INFO_AD_ENABLED:
		mmu_describe_format(vm->mmu, &f);
		return f.accessed_mask != 0;
	case HC_INFO_TRACE_ATTACHED: return trace_collector_attached();
	default:                 return HC_EINVAL;
	}
}

static bool bad_slot(u64 id) { return id >= HC_MAX_SLOTS; }

static s64 hc_memslot_create(struct vcpu *v, const struct hc_args *a)
{
	if (bad_slot(a->a0) || (a->a1 | a->a2) & (PAGE_SIZE - 1) || !a->a2 ||
	    a->a1 + a->a2 < a->a1 || a->a3 & ~(u64)(HC_MEM_READONLY | HC_MEM_LOG_DIRTY | HC_MEM_ALLONES))
		return HC_EINVAL;
	return hc_err(mmu_memslot_create(v->vm->mmu, (int)a->a0, a->a1 >> PAGE_SHIFT,
					 a->a2 >> PAGE_SHIFT, (u32)a->a3, 0));
}

static s64 hc_memslot_delete(struct vcpu *v, const struct hc_args *a)
{
	if (bad_slot(a->a0))
		return HC_EINVAL;
	return hc_err(mmu_memslot_delete(v->vm->mmu, (int)a->a0));
}

static s64 hc_memslot_set_flags(struct vcpu *v, const struct hc_args *a)
{
	if (bad_slot(a->a0) || a->a1 & ~(u64)(HC_MEM_READONLY | HC_MEM_LOG_DIRTY | HC_MEM_ALLONES))
		return HC_EINVAL;
	return hc_err(mmu_memslot_set_flags(v->vm->mmu, (int)a->a0, (u32)a->a1));
}

static bool bad_range(u64 gfn, u64 npages)
{
	return !npages || gfn + npages < gfn || gfn + npages > (1ull << 40);
}

static s64 hc_zap_range(struct vcpu *v, const struct hc_args *a)
{
	if (bad_range(a->a0, a->a1))
		return HC_EINVAL;
	return mmu_zap_gfn_range(v->vm->mmu, a->a0, a->a1);
}

static s64 hc_dirty_log_enable(struct vcpu *v, const struct hc_args *a)
{
	if (bad_slot(a->a0) || a->a1 > 1)
		return HC_EINVAL;
	return hc_err(mmu_dirty_log_enable(v->vm->mmu, (int)a->a0, a->a1 == 1));
}

/* The bitmap is built in hv memory, then copied to the guest. */
static s64 hc_dirty_log_fetch(struct vcpu *v, const struct hc_args *a)
{
	if (bad_slot(a->a0) || !a->a2 || a->a2 > 65536 || a->a2 % 8)
		return HC_EINVAL;
	u64 *bitmap = env_zalloc(a->a2);
	if (!bitmap)
		return HC_ENOMEM;
	long n = mmu_dirty_log_fetch_clear(v->vm->mmu, (int)a->a0, bitmap, a->a2 / 8);
	if (n >= 0 && guest_write(v->vm, a->a1, bitmap, a->a2))
		n = HC_EFAULT;
	env_free(bitmap, a->a2);
	return n;
}

static s64 hc_age_range(struct vcpu *v, const struct hc_args *a)
{
	if (bad_range(a->a0, a->a1))
		return HC_EINVAL;
	return mmu_age_gfn_range(v->vm->mmu, a->a0, a->a1);
}

typedef s64 (*hc_fn)(struct vcpu *v, const struct hc_args *a);

static const hc_fn hypercalls[HC_NR_MAX] = {
	[HC_CONSOLE_WRITE] = hc_console_write,
	[HC_EXIT] = hc_exit,
	[HC_MARKER] = hc_marker,
	[HC_INFO] = hc_info,
	[HC_MEMSLOT_CREATE] = hc_memslot_create,
	[HC_MEMSLOT_DELETE] = hc_memslot_delete,
	[HC_MEMSLOT_SET_FLAGS] = hc_memslot_set_flags,
	[HC_ZAP_RANGE] = hc_zap_range,
	[HC_DIRTY_LOG_ENABLE] = hc_dirty_log_enable,
	[HC_DIRTY_LOG_FETCH] = hc_dirty_log_fetch,
	[HC_AGE_RANGE] = hc_age_range,
};

static const char *const hc_names[HC_NR_MAX] = {
	[HC_CONSOLE_WRITE] = "console_write", [HC_EXIT] = "exit", [HC_MARKER] = "marker",
	[HC_INFO] = "info", [HC_MEMSLOT_CREATE] = "memslot_create",
	[HC_MEMSLOT_DELETE] = "memslot_delete", [HC_MEMSLOT_SET_FLAGS] = "memslot_set_flags",
	[HC_ZAP_RANGE] = "zap_range", [HC_DIRTY_LOG_ENABLE] = "dirty_log_enable",
	[HC_DIRTY_LOG_FETCH] = "dirty_log_fetch", [HC_AGE_RANGE] = "age_range",
};

/* The first failure of each hypercall number is reported on the console
 * (the guest gets the error code; every failure is in the trace). */
static void report_failure(struct vcpu *v, u64 nr, const struct hc_args *a, s64 ret)
{
	static volatile u64 reported;          /* bit nr, bit 63 for unknown numbers */
	u64 bit = nr < HC_NR_MAX ? BIT(nr) : BIT(63);
	if (atomic_fetch_or64(&reported, bit) & bit)
		return;
	printk("hv: vCPU %d: hypercall %lu (%s) a0 0x%lx a1 0x%lx failed with %ld "
	       "(reported once per hypercall)\n", v->id, nr,
	       nr < HC_NR_MAX && hc_names[nr] ? hc_names[nr] : "unknown", a->a0, a->a1, ret);
}

/* A 32-bit guest passes 32-bit arguments: use the low halves. */
static u64 arg(struct vcpu *v, u64 reg, int mode)
{
	return mode == 64 ? reg : (u32)reg;
}

void exit_hypercall(struct vcpu *v, struct exit_info *e)
{
	u64 cs_base;
	int mode = v->vm->ops->code_mode(v, &cs_base);
	u64 nr = arg(v, v->regs.rax, mode);
	struct hc_args a = { arg(v, v->regs.rbx, mode), arg(v, v->regs.rcx, mode),
			     arg(v, v->regs.rdx, mode), arg(v, v->regs.rsi, mode) };
	s64 ret = HC_ENOSYS;

	if (nr < HC_NR_MAX && hypercalls[nr])
		ret = hypercalls[nr](v, &a);
	trace_hypercall(v, nr, a.a0, a.a1, ret);
	if (ret < 0)
		report_failure(v, nr, &a, ret);
	v->regs.rax = mode == 64 ? (u64)ret : (u32)ret;
	skip_insn(v, e, VMMCALL_LEN);
}
