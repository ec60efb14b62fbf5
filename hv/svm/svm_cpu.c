/*
 * svm_cpu.c: SVM on each physical CPU.
 *
 * probe: CPUID 0x80000001 ECX[2] SVM, then VM_CR.SVMDIS (MSR C001_0114
 *   bit 4, firmware can disable SVM), then 0x8000000A for NPT and friends
 *   (APM vol 2, 15.4 "Enabling SVM").
 * cpu_enable: EFER.SVME = 1 and VM_HSAVE_PA = a page for the host state
 *   VMRUN saves (15.30.4), plus a page for the host's VMSAVE area.
 * The I/O permission map (12 KiB, 15.10.1) and MSR permission map
 *   (8 KiB, 15.11) are shared by every vCPU; a set bit intercepts.
 */
#include "hv/svm/svm.h"
#include "hv/core/lib.h"
#include "hv/core/palloc.h"
#include "hv/core/pcpu.h"
#include "hv/core/x86.h"
#include "mmu/env.h"

#define MSR_VM_CR          0xc0010114u
#define VM_CR_SVMDIS       BIT(4)
#define MSR_VM_HSAVE_PA    0xc0010117u

struct svm_caps svm_caps;
hpa_t svm_iopm_pa, svm_msrpm_pa;

static void read_caps(void)
{
	u32 a, b, c, d;
	cpuid(0x8000000a, 0, &a, &b, &c, &d);
	svm_caps.npt = d & BIT(0);
	svm_caps.nrips = d & BIT(3);
	svm_caps.flush_by_asid = d & BIT(6);
	svm_caps.decode_assists = d & BIT(7);
	svm_caps.nr_asids = b;
	cpuid(0x80000001, 0, &a, &b, &c, &d);
	svm_caps.huge_1g = d & BIT(26);
}

/* Ports passed through to the platform: COM1, fw_cfg. isa-debug-exit
 * (0xf4) is intercepted: it ends the VM, not QEMU (hv/core/poweroff.c). */
static const struct { u16 first, last; } passthrough_ports[] = {
	{ 0x3f8, 0x3ff }, { 0x510, 0x511 },
};

/* MSRs the hardware switches through the VMCB (VMRUN or VMLOAD/VMSAVE):
 * the guest may use them directly. Everything else is intercepted,
 * including EFER: the guest's EFER in the VMCB must keep SVME set or VMRUN
 * fails (APM 15.5.1), so writes go through svm_set_cr(8). */
static const u32 passthrough_msrs[] = {
	0xc0000081, 0xc0000082, 0xc0000083, 0xc0000084,  /* STAR LSTAR CSTAR SFMASK */
	0xc0000100, 0xc0000101, 0xc0000102,               /* FS GS KernelGS base */
	0x174, 0x175, 0x176,                              /* SYSENTER_CS/ESP/EIP */
	0x277,        /* PAT: the guest's is G_PAT under NPT */
};

static void build_iopm(void)
{
	u8 *iopm = env_hpa_to_va(svm_iopm_pa);
	memset(iopm, 0xff, 3 * PAGE_SIZE);
	for (size_t i = 0; i < ARRAY_SIZE(passthrough_ports); i++)
		for (u32 p = passthrough_ports[i].first; p <= passthrough_ports[i].last; p++)
			iopm[p / 8] &= (u8)~(1u << (p % 8));
}

/* MSRPM: 2 bits (read, write) per MSR in three 2 KiB ranges (APM 15.11). */
static void msrpm_allow(u8 *msrpm, u32 msr)
{
	u32 base;
	if (msr < 0x2000)
		base = 0;
	else if (msr >= 0xc0000000 && msr < 0xc0002000)
		base = 0x800, msr -= 0xc0000000;
	else if (msr >= 0xc0010000 && msr < 0xc0012000)
		base = 0x1000, msr -= 0xc0010000;
	else
		return;
	u32 bit = msr * 2;
	msrpm[base + bit / 8] &= (u8)~(3u << (bit % 8));
}

static void build_msrpm(void)
{
	u8 *msrpm = env_hpa_to_va(svm_msrpm_pa);
	memset(msrpm, 0xff, 2 * PAGE_SIZE);
	for (size_t i = 0; i < ARRAY_SIZE(passthrough_msrs); i++)
		msrpm_allow(msrpm, passthrough_msrs[i]);
}

int svm_probe(bool want_tdp, char *why, size_t why_len)
{
	if (rdmsr(MSR_VM_CR) & VM_CR_SVMDIS) {
		snprintf(why, why_len, "SVM is disabled by firmware (VM_CR.SVMDIS): no mode works");
		return E_NOTSUP;
	}
	read_caps();
	if (want_tdp && !svm_caps.npt) {
		snprintf(why, why_len, "SVM without NPT (nested paging): mmu=tdp cannot run; "
			 "mmu=shadow still works");
		return E_NOTSUP;
	}
	svm_iopm_pa = palloc_alloc(3, 1);
	svm_msrpm_pa = palloc_alloc(2, 1);
	if (!svm_iopm_pa || !svm_msrpm_pa) {
		snprintf(why, why_len, "no memory for the SVM permission maps");
		return E_NOMEM;
	}
	build_iopm();
	build_msrpm();
	return 0;
}

int svm_cpu_enable(struct pcpu *pcpu)
{
	struct svm_pcpu *s = env_zalloc(sizeof(*s));
	if (!s)
		return E_NOMEM;
	s->hsave_pa = palloc_alloc(1, 1);
	s->host_vmcb_pa = palloc_alloc(1, 1);
	if (!s->hsave_pa || !s->host_vmcb_pa)
		return E_NOMEM;
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SVME);
	wrmsr(MSR_VM_HSAVE_PA, s->hsave_pa);
	pcpu->vendor = s;
	return 0;
}
