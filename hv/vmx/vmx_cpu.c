/*
 * vmx_cpu.c: can this CPU run guests with VMX, and VMX operation on each
 * physical CPU (SDM Vol. 3C, ch. 23 "Introduction to VMX Operation").
 *
 * Probe order (23.6, 23.7, App. A):
 *   1. CPUID.1:ECX[5] says VMX exists.
 *   2. IA32_FEATURE_CONTROL allows VMXON outside SMX (bit 2), or is
 *      unlocked so we can allow it ourselves; locked without bit 2 means
 *      firmware disabled VMX and nothing can be done (23.7).
 *   3. The capability MSRs say which controls exist; mmu=tdp needs EPT with
 *      a 4-level write-back walk, and unrestricted guest (the guest starts
 *      with paging off, which only unrestricted guest allows, 26.3.1.1).
 *
 * Per CPU (cpu_enable): set IA32_FEATURE_CONTROL if unlocked, apply the
 * CR0/CR4 fixed bits (23.8), CR4.VMXE, VMXON with a region carrying the
 * revision id (24.11.5), and give the CPU a task register: the host-state
 * area needs a non-null TR selector (26.2.3), and hv's boot GDT has no TSS.
 */
#include "hv/vmx/vmx.h"
#include "hv/core/lib.h"
#include "hv/core/x86.h"
#include "hv/core/pcpu.h"
#include "hv/core/palloc.h"
#include "hv/core/panic.h"
#include "include/hvlab/rwlock.h"

#define CR4_VMXE BIT(13)

struct vmx_caps vmx_caps;
hpa_t vmx_io_bitmap_a, vmx_io_bitmap_b, vmx_msr_bitmap;

u32 vmx_adjust(u32 want, u32 must, u32 may)
{
	return (want | must) & may;
}

/* A control MSR: low half = allowed-0 settings (1 = must be 1), high half =
 * allowed-1 settings (0 = must be 0) (A.3-A.5). */
static void read_ctls(u32 msr, u32 *must, u32 *may)
{
	u64 v = rdmsr(msr);
	*must = (u32)v;
	*may = (u32)(v >> 32);
}

static void read_caps(void)
{
	struct vmx_caps *c = &vmx_caps;
	u64 basic = rdmsr(MSR_IA32_VMX_BASIC);
	bool true_ctls = basic & VMX_BASIC_TRUE_CTLS;   /* A.1 bit 55 */

	c->revision = (u32)basic & 0x7fffffffu;
	/* The TRUE_* MSRs report which default-1 controls may be 0 (A.2). */
	read_ctls(true_ctls ? MSR_IA32_VMX_TRUE_PINBASED : MSR_IA32_VMX_PINBASED_CTLS,
		  &c->pin_must, &c->pin_may);
	read_ctls(true_ctls ? MSR_IA32_VMX_TRUE_PROCBASED : MSR_IA32_VMX_PROCBASED_CTLS,
		  &c->proc_must, &c->proc_may);
	read_ctls(true_ctls ? MSR_IA32_VMX_TRUE_EXIT : MSR_IA32_VMX_EXIT_CTLS,
		  &c->exit_must, &c->exit_may);
	read_ctls(true_ctls ? MSR_IA32_VMX_TRUE_ENTRY : MSR_IA32_VMX_ENTRY_CTLS,
		  &c->entry_must, &c->entry_may);
	if (c->proc_may & PROC_SECONDARY_CTLS) {
		read_ctls(MSR_IA32_VMX_PROCBASED_CTLS2, &c->proc2_must, &c->proc2_may);
		c->proc2_must = 0;      /* all secondary controls are default-0 (A.3.3) */
	}
	c->cr0_fixed0 = rdmsr(MSR_IA32_VMX_CR0_FIXED0);
	c->cr0_fixed1 = rdmsr(MSR_IA32_VMX_CR0_FIXED1);
	c->cr4_fixed0 = rdmsr(MSR_IA32_VMX_CR4_FIXED0);
	c->cr4_fixed1 = rdmsr(MSR_IA32_VMX_CR4_FIXED1);
	c->misc = rdmsr(MSR_IA32_VMX_MISC);
	/* EPT_VPID_CAP exists if either EPT or VPID can be enabled (A.10). */
	if (c->proc2_may & (PROC2_ENABLE_EPT | PROC2_ENABLE_VPID))
		c->ept_vpid = rdmsr(MSR_IA32_VMX_EPT_VPID_CAP);
	c->ept = (c->proc2_may & PROC2_ENABLE_EPT) &&
		 (c->ept_vpid & EPT_CAP_WALK_4) && (c->ept_vpid & EPT_CAP_WB);
	c->unrestricted = c->ept && (c->proc2_may & PROC2_UNRESTRICTED_GUEST);
	c->vpid = (c->proc2_may & PROC2_ENABLE_VPID) && (c->ept_vpid & VPID_CAP_INVVPID) &&
		  (c->ept_vpid & (VPID_CAP_INVVPID_SINGLE | VPID_CAP_INVVPID_ALL));
	c->ept_ad = c->ept && (c->ept_vpid & EPT_CAP_AD);
}

int vmx_probe(bool want_tdp, char *why, size_t why_len)
{
	u32 a, b, c, d;

	cpuid(1, 0, &a, &b, &c, &d);
	if (!(c & BIT(5))) {
		snprintf(why, why_len, "this CPU has no VMX (CPUID.1:ECX[5] = 0)");
		return E_NOTSUP;
	}
	u64 fc = rdmsr(MSR_IA32_FEATURE_CONTROL);
	if ((fc & FEATURE_CONTROL_LOCK) && !(fc & FEATURE_CONTROL_VMX_OUTSIDE_SMX)) {
		snprintf(why, why_len, "VMX disabled by firmware (IA32_FEATURE_CONTROL locked): "
			 "no mode works on this CPU");
		return E_NOTSUP;
	}
	read_caps();
	if (!(vmx_caps.exit_may & EXIT_HOST_ADDR_SPACE_SIZE)) {
		snprintf(why, why_len, "VMX cannot return to a 64-bit host "
			 "(no host address-space size exit control)");
		return E_NOTSUP;
	}
	/* hv switches EFER with the VMCS (24.7.1, 24.8.1), not MSR areas. */
	if ((vmx_caps.exit_may & (EXIT_SAVE_EFER | EXIT_LOAD_EFER)) !=
	    (EXIT_SAVE_EFER | EXIT_LOAD_EFER) || !(vmx_caps.entry_may & ENTRY_LOAD_EFER)) {
		snprintf(why, why_len, "VMX without the save/load IA32_EFER controls (a CPU "
			 "before Nehalem): no mode works on this CPU");
		return E_NOTSUP;
	}
	if (want_tdp && !vmx_caps.ept) {
		snprintf(why, why_len, "VMX without EPT (4-level, write-back): "
			 "mmu=tdp cannot run; mmu=shadow still works");
		return E_NOTSUP;
	}
	if (want_tdp && !vmx_caps.unrestricted) {
		snprintf(why, why_len, "VMX without unrestricted guest: mmu=tdp cannot "
			 "start a guest with paging off; mmu=shadow still works");
		return E_NOTSUP;
	}
	return 0;
}

/* ---- the bitmaps every vCPU shares ---- */

/* Ports the guest reaches directly: COM1, the POST port 0x80 and Bochs'
 * 0xe9 console. Every other port exits to hv/core/io.c. */
static const struct { u16 first, last; } passthrough_ports[] = {
	{ 0x3f8, 0x3ff }, { 0x80, 0x80 }, { 0xe9, 0xe9 },
};

bool vmx_io_passthrough(u16 port)
{
	for (size_t i = 0; i < ARRAY_SIZE(passthrough_ports); i++)
		if (port >= passthrough_ports[i].first && port <= passthrough_ports[i].last)
			return true;
	return false;
}

static void io_pass(u8 *a, u8 *b, u16 first, u16 last)
{
	for (u32 port = first; port <= last; port++) {
		u8 *map = port < 0x8000 ? a : b;
		u32 bit = port & 0x7fff;
		map[bit / 8] &= (u8)~(1u << (bit % 8));
	}
}

static void msr_trap(u8 *bitmap, u32 msr, bool read, bool write)
{
	/* 24.6.9: read-low, read-high, write-low, write-high, 1 KiB each. */
	u32 base = (msr >= 0xc0000000u) ? 1024 : 0;
	u32 bit = msr & 0x1fff;
	if (read)
		bitmap[base + bit / 8] |= (u8)(1u << (bit % 8));
	if (write)
		bitmap[2048 + base + bit / 8] |= (u8)(1u << (bit % 8));
}

/* I/O bitmaps (24.6.4): a set bit makes the port exit. Everything exits but
 * COM1 (the guest writes its console straight to the UART) and the debug
 * ports (0x80 POST delay, 0xe9 Bochs/QEMU debug console).
 * MSR bitmap: accesses to MSRs outside its two ranges always exit; inside,
 * only the ones that could disturb hv exit: the APIC base and the x2APIC
 * range (the local APIC is emulated), EFER, IA32_FEATURE_CONTROL,
 * microcode update, and the VMX capability MSRs (no nested VMX). */
static void make_bitmaps(void)
{
	vmx_io_bitmap_a = palloc_alloc(1, 1);
	vmx_io_bitmap_b = palloc_alloc(1, 1);
	vmx_msr_bitmap = palloc_alloc(1, 1);
	if (!vmx_io_bitmap_a || !vmx_io_bitmap_b || !vmx_msr_bitmap)
		panic("vmx: no memory for the I/O and MSR bitmaps");
	u8 *a = (u8 *)vmx_io_bitmap_a, *b = (u8 *)vmx_io_bitmap_b;
	memset(a, 0xff, PAGE_SIZE);
	memset(b, 0xff, PAGE_SIZE);
	for (size_t i = 0; i < ARRAY_SIZE(passthrough_ports); i++)
		io_pass(a, b, passthrough_ports[i].first, passthrough_ports[i].last);

	u8 *m = (u8 *)vmx_msr_bitmap;
	memset(m, 0, PAGE_SIZE);
	msr_trap(m, 0x1b, true, true);                  /* IA32_APIC_BASE */
	/* EFER through get_cr/set_cr 8: under mmu=shadow the CPU runs another
	 * EFER than the guest wrote (LME only with the guest's paging on). */
	msr_trap(m, MSR_EFER, true, true);
	msr_trap(m, MSR_IA32_FEATURE_CONTROL, true, true);
	msr_trap(m, 0x79, true, true);                  /* IA32_BIOS_UPDT_TRIG */
	for (u32 msr = 0x480; msr <= 0x491; msr++)      /* IA32_VMX_* */
		msr_trap(m, msr, true, true);
	for (u32 msr = 0x800; msr <= 0x8ff; msr++)      /* x2APIC */
		msr_trap(m, msr, true, true);
}

/* ---- per physical CPU ---- */

/* A GDT copy with a 64-bit TSS descriptor appended (SDM Vol. 3A, 7.2.3). */
#define GDT_MAX 16
struct vmx_host_tables {
	u64 gdt[GDT_MAX];
	u8  tss[104] __attribute__((aligned(16)));
};

static u16 install_tss(struct vmx_host_tables *t)
{
	struct { u16 limit; u64 base; } __attribute__((packed)) gdtr;
	__asm__ volatile("sgdt %0" : "=m"(gdtr));
	u32 n = (gdtr.limit + 1u) / 8;
	if (n + 2 > GDT_MAX)
		panic("vmx: host GDT has %u entries, room for %u", n, GDT_MAX - 2);
	memcpy(t->gdt, (const void *)gdtr.base, n * 8);
	memset(t->tss, 0, sizeof(t->tss));
	*(u16 *)&t->tss[102] = sizeof(t->tss);          /* I/O map base: none */

	u64 base = (u64)t->tss, limit = sizeof(t->tss) - 1;
	t->gdt[n] = (limit & 0xffff) | ((base & 0xffffff) << 16) |
		    (0x89ull << 40) /* P, type 9: available 64-bit TSS */ |
		    (((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
	t->gdt[n + 1] = base >> 32;
	gdtr.base = (u64)t->gdt;
	gdtr.limit = (u16)((n + 2) * 8 - 1);
	__asm__ volatile("lgdt %0" :: "m"(gdtr) : "memory");
	u16 sel = (u16)(n * 8);
	__asm__ volatile("ltr %0" :: "r"(sel) : "memory");
	return sel;
}

static struct spinlock bitmap_lock;

int vmx_cpu_enable(struct pcpu *pcpu)
{
	spin_lock(&bitmap_lock);
	if (!vmx_msr_bitmap)
		make_bitmaps();
	spin_unlock(&bitmap_lock);

	u64 fc = rdmsr(MSR_IA32_FEATURE_CONTROL);
	if (!(fc & FEATURE_CONTROL_LOCK))
		wrmsr(MSR_IA32_FEATURE_CONTROL,
		      fc | FEATURE_CONTROL_LOCK | FEATURE_CONTROL_VMX_OUTSIDE_SMX);
	else if (!(fc & FEATURE_CONTROL_VMX_OUTSIDE_SMX))
		return E_NOTSUP;

	struct vmx_host_tables *t = (struct vmx_host_tables *)palloc_alloc(1, 1);
	struct vmx_pcpu *vp = (struct vmx_pcpu *)palloc_alloc(1, 1);
	hpa_t region = palloc_alloc(1, 1);
	if (!t || !vp || !region)
		return E_NOMEM;
	install_tss(t);

	/* 23.8: CR0 and CR4 must honour the fixed bits in VMX operation. */
	u64 cr0 = (read_cr0() | vmx_caps.cr0_fixed0) & vmx_caps.cr0_fixed1;
	__asm__ volatile("mov %0, %%cr0" :: "r"(cr0) : "memory");
	u64 cr4 = ((read_cr4() | CR4_VMXE) | vmx_caps.cr4_fixed0) & vmx_caps.cr4_fixed1;
	__asm__ volatile("mov %0, %%cr4" :: "r"(cr4) : "memory");

	*(u32 *)region = vmx_caps.revision;             /* 24.11.5 */
	if (vmxon(region))
		panic("vmx: VMXON failed on cpu %d (region 0x%lx, CR0 0x%lx, CR4 0x%lx)",
		      pcpu->id, region, cr0, cr4);
	vp->vmxon_region = (void *)region;
	vp->current = NULL;
	pcpu->vendor = vp;
	return 0;
}

struct vmx_pcpu *vmx_this_pcpu(void)
{
	return (struct vmx_pcpu *)this_pcpu()->vendor;
}

void vmx_load(struct vmx_vcpu *vv)
{
	struct vmx_pcpu *vp = vmx_this_pcpu();
	int cpu = this_pcpu()->id;

	if (vp->current == vv)
		return;
	if (vv->active_cpu != -1 && vv->active_cpu != cpu)
		panic("vmx: vCPU %d's VMCS is active on cpu %d, wanted on cpu %d",
		      vv->vcpu->id, vv->active_cpu, cpu);
	if (vmptrld(vv->vmcs_hpa))
		panic("vmx: VMPTRLD 0x%lx failed on cpu %d", vv->vmcs_hpa, cpu);
	vp->current = vv;
	vv->active_cpu = cpu;
	vmcs_set_host_state();
}
