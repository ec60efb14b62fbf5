/*
 * vendor_select.c: pick the vendor backend from CPUID, once (the only place
 * in hv that looks at which vendor this is), and the per-CPU start of a
 * vCPU.
 *
 * CPUID bits (AMD APM vol 3, appendix E; Intel SDM vol 2A, CPUID):
 *   VMX: leaf 1 ECX[5]        SVM: leaf 0x80000001 ECX[2]
 */
#include "hv/core/vendor_select.h"
#include "hv/core/lib.h"
#include "hv/core/panic.h"
#include "hv/core/pcpu.h"
#include "hv/core/vm.h"
#include "hv/core/x86.h"
#include "trace/hvt_format.h"
#include "mmu/mmu.h"

/* Weak: a build may leave one backend out. */
extern const struct vendor_ops vmx_ops __attribute__((weak));
extern const struct vendor_ops svm_ops __attribute__((weak));

static bool cpu_has_vmx(void)
{
	u32 a, b, c, d;
	cpuid(1, 0, &a, &b, &c, &d);
	return c & BIT(5);
}

static bool cpu_has_svm(void)
{
	u32 a, b, c, d;
	cpuid(0x80000000, 0, &a, &b, &c, &d);
	if (a < 0x80000001)
		return false;
	cpuid(0x80000001, 0, &a, &b, &c, &d);
	return c & BIT(2);
}

static _Noreturn void no_capability(const char *why)
{
	printk("hv: cannot run: %s\n", why);
	hv_finish(HV_STATUS_NOCAP);
}

const struct vendor_ops *vendor_select(int mmu_mode)
{
	const struct vendor_ops *ops = NULL;
	char why[160];

	if (cpu_has_vmx() && &vmx_ops)
		ops = &vmx_ops;
	else if (cpu_has_svm() && &svm_ops)
		ops = &svm_ops;
	if (!ops)
		no_capability("this CPU has neither VMX nor SVM (no hardware virtualization; "
			      "no mode works: use QEMU -cpu max for SVM+NPT, Bochs for VMX+EPT)");
	why[0] = 0;
	if (ops->probe(mmu_mode == HVT_MMU_TDP, why, sizeof(why)))
		no_capability(why);
	return ops;
}

void cpu_run_vcpu(struct pcpu *p, struct vcpu *v)
{
	const struct vendor_ops *ops = v->vm->ops;
	int r;

	if ((r = ops->cpu_enable(p)))
		panic("%s: cpu_enable on cpu %d failed: %d", ops->name, p->id, r);
	v->pcpu = p;
	p->vcpu = v;
	if ((r = ops->vcpu_init(v)))
		panic("%s: vcpu_init(%d) failed: %d", ops->name, v->id, r);
	vcpu_run_loop(v);
}
