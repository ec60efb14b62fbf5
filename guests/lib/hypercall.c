/*
 * hypercall.c: detect hvlab and issue hypercalls. VMCALL is the Intel VMX
 * instruction (SDM Vol. 3C 25.1.3 "Instructions That Cause VM Exits
 * Unconditionally"), VMMCALL the AMD SVM one (APM Vol. 2 15.33.3); each
 * raises #UD on the other vendor, so the vendor decides which we use.
 */
#include "hypercall.h"
#include "io.h"
#include "guest.h"

static int hv_state = -1;      /* -1 unknown, 0 native, 1 hvlab */
static int intel_state = -1;

bool cpu_is_intel(void)
{
	if (intel_state < 0) {
		struct cpuid_regs r = cpuid(0, 0);
		/* "GenuineIntel" = EBX "Genu", EDX "ineI", ECX "ntel" */
		intel_state = r.ebx == 0x756e6547 && r.edx == 0x49656e69 && r.ecx == 0x6c65746e;
	}
	return intel_state;
}

bool guest_hv(void)
{
	if (hv_state < 0) {
		struct cpuid_regs r = cpuid(HV_CPUID_LEAF, 0);
		hv_state = r.ebx == HV_CPUID_SIG_EBX && r.ecx == HV_CPUID_SIG_ECX &&
			   r.edx == HV_CPUID_SIG_EDX;
	}
	return hv_state;
}

long hc_call(u64 nr, u64 a0, u64 a1, u64 a2, u64 a3)
{
	long ret = nr;

	if (!guest_hv())
		return HC_ENOSYS;
	if (cpu_is_intel())
		__asm__ volatile("vmcall" : "+a"(ret)
				 : "b"(a0), "c"(a1), "d"(a2), "S"(a3) : "memory");
	else
		__asm__ volatile("vmmcall" : "+a"(ret)
				 : "b"(a0), "c"(a1), "d"(a2), "S"(a3) : "memory");
	return ret;
}

long hc_console_write(const void *buf, u64 len)
{
	return hc_call(HC_CONSOLE_WRITE, (u64)buf, len, 0, 0);
}

void hc_exit(u64 code)
{
	hc_call(HC_EXIT, code, 0, 0, 0);
	cpu_halt_forever();
}

long hc_marker(const char *label)
{
	u64 len = 0;

	while (label[len])
		len++;
	return hc_call(HC_MARKER, (u64)label, len, 0, 0);
}

long hc_info(u64 selector)
{
	return hc_call(HC_INFO, selector, 0, 0, 0);
}

long hc_memslot_create(u64 slot, gpa_t base, u64 size, u64 flags)
{
	return hc_call(HC_MEMSLOT_CREATE, slot, base, size, flags);
}

long hc_memslot_delete(u64 slot)
{
	return hc_call(HC_MEMSLOT_DELETE, slot, 0, 0, 0);
}

long hc_memslot_set_flags(u64 slot, u64 flags)
{
	return hc_call(HC_MEMSLOT_SET_FLAGS, slot, flags, 0, 0);
}

long hc_zap_range(gfn_t gfn, u64 npages)
{
	return hc_call(HC_ZAP_RANGE, gfn, npages, 0, 0);
}

long hc_dirty_log_enable(u64 slot, bool on)
{
	return hc_call(HC_DIRTY_LOG_ENABLE, slot, on, 0, 0);
}

long hc_dirty_log_fetch(u64 slot, void *bitmap, u64 bytes)
{
	return hc_call(HC_DIRTY_LOG_FETCH, slot, (u64)bitmap, bytes, 0);
}

long hc_age_range(gfn_t gfn, u64 npages)
{
	return hc_call(HC_AGE_RANGE, gfn, npages, 0, 0);
}

const char *hc_strerror(long rc)
{
	switch (rc) {
	case HC_ENOENT: return "HC_ENOENT";
	case HC_ENOMEM: return "HC_ENOMEM";
	case HC_EFAULT: return "HC_EFAULT";
	case HC_EEXIST: return "HC_EEXIST";
	case HC_EINVAL: return "HC_EINVAL";
	case HC_ENOSYS: return "HC_ENOSYS";
	}
	return rc >= 0 ? "ok" : "unknown error";
}
