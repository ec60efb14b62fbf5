/*
 * vmcs.c: filling a vCPU's VMCS (SDM Vol. 3C, ch. 24) so that the first
 * VM entry passes the checks of 26.2-26.3, and printing it back.
 *
 * The guest starts as a Multiboot loader leaves a kernel (Multiboot spec
 * 3.2 "Machine state"), which unrestricted guest (24.6.2, 26.3.1.1) lets
 * us enter directly:
 *
 *   CR0      PE | ET, paging off          EFLAGS   0x2 (IF clear)
 *   CS       flat 32-bit code, DPL 0      DS..SS   flat 32-bit data
 *   EAX      0x2BADB002                   EBX      Multiboot info gpa
 *   EIP      the kernel's entry           GDTR/IDTR undefined: limit 0xffff
 *
 * An AP starts in the state INIT leaves it in (SDM Vol. 3A, 9.1.1: real
 * mode, CS 0xf000 base 0xffff0000, IP 0xfff0) and only runs once the core
 * hands it a SIPI (vmx.c: vmx_sipi).
 *
 * Controls take the CPU's allowed settings into account (vmx_adjust,
 * App. A); the few the design depends on are checked after adjusting.
 */
#include "hv/vmx/vmx.h"
#include "hv/core/lib.h"
#include "hv/core/x86.h"
#include "hv/core/panic.h"

#define CR4_VMXE   BIT(13)
#define RFLAGS_FIXED 0x2ull
/* Default PAT after reset (SDM Vol. 3A, 11.12.4). */
#define PAT_DEFAULT 0x0007040600070406ull

/* Segment access rights (24.4.1): type, S, DPL, P, AVL, L, D/B, G, unusable. */
#define AR_CODE32   0xc09b   /* G, D, P, S, type 11: execute/read, accessed */
#define AR_DATA32   0xc093   /* G, D, P, S, type 3: read/write, accessed */
#define AR_CODE16   0x009b
#define AR_DATA16   0x0093
#define AR_TSS_BUSY 0x008b   /* P, type 11: busy TSS */
#define AR_LDT      0x0082   /* P, type 2: LDT */
#define AR_UNUSABLE BIT(16)

static void vmcs_w(u32 field, u64 value)
{
	if (vmcs_write(field, value))
		panic("vmx: VMWRITE of field 0x%x = 0x%lx failed (VM-instruction error %lu)",
		      field, value, vmcs_read(VMCS_INSN_ERROR));
}

static void set_seg(enum vmx_seg seg, u16 sel, u64 base, u32 limit, u32 ar)
{
	vmcs_w(VMCS_GUEST_ES_SEL + 2 * seg, sel);
	vmcs_w(VMCS_GUEST_ES_BASE + 2 * seg, base);
	vmcs_w(VMCS_GUEST_ES_LIMIT + 2 * seg, limit);
	vmcs_w(VMCS_GUEST_ES_AR + 2 * seg, ar);
}

/* ---- controls (24.6-24.8) ---- */

static u32 need(const char *what, u32 got, u32 want)
{
	if ((got & want) != want)
		panic("vmx: %s controls 0x%x lack required bits 0x%x", what, got, want & ~got);
	return got;
}

static void setup_controls(struct vmx_vcpu *vv)
{
	const struct vmx_caps *c = &vmx_caps;

	/* Pin-based: external interrupts (kick IPIs) and NMIs exit. */
	u32 pin = PIN_EXTINT_EXITING | PIN_NMI_EXITING;
	u32 pin_got = vmx_adjust(pin | PIN_PREEMPTION_TIMER, c->pin_must, c->pin_may);
	vmcs_w(VMCS_PIN_CTLS, need("pin-based", pin_got, pin));
	/* The VMX-preemption timer (25.5.1) bounds how long a vCPU can stay in
	 * the guest without looking at its requests. Hardware needs it for
	 * nothing: a kick IPI exits through external-interrupt exiting. Bochs
	 * 2.7 does not: while the guest runs with RFLAGS.IF = 0 it leaves the
	 * IPI pending (measured: a vCPU spinning with IF=0 was never kicked,
	 * with IF=1 it was). 2^20 TSC ticks: 5 ms at Bochs's 200 MHz. The
	 * count restarts at every entry (no "save timer value" exit control). */
	if (pin_got & PIN_PREEMPTION_TIMER)
		vmcs_w(VMCS_PREEMPTION_TIMER, (1u << 20) >> (c->misc & VMX_MISC_TIMER_RATE));

	/* Primary: HLT exits, I/O and MSR bitmaps; under shadow paging also
	 * CR3 loads/stores and INVLPG (the guest's page tables are ours to
	 * follow). With the TRUE_* MSRs the CR3 exits default to off. */
	u32 proc = PROC_HLT_EXITING | PROC_USE_IO_BITMAPS | PROC_USE_MSR_BITMAPS |
		   PROC_SECONDARY_CTLS;
	if (vv->shadow)
		proc |= PROC_CR3_LOAD_EXITING | PROC_CR3_STORE_EXITING | PROC_INVLPG_EXITING;
	u32 proc_got = vmx_adjust(proc, c->proc_must, c->proc_may);
	vmcs_w(VMCS_PROC_CTLS, need("primary processor-based",
				    proc_got, proc & ~PROC_SECONDARY_CTLS));

	u32 proc2 = 0;
	if (!vv->shadow)
		proc2 |= PROC2_ENABLE_EPT | PROC2_UNRESTRICTED_GUEST;
	if (c->vpid)
		proc2 |= PROC2_ENABLE_VPID;
	/* Without these two, RDTSCP and INVPCID raise #UD in the guest (25.3). */
	proc2 |= PROC2_ENABLE_RDTSCP | PROC2_ENABLE_INVPCID;
	u32 proc2_got = vmx_adjust(proc2, c->proc2_must, c->proc2_may);
	if (proc_got & PROC_SECONDARY_CTLS)
		vmcs_w(VMCS_PROC_CTLS2, need("secondary processor-based", proc2_got,
					     proc2 & (PROC2_ENABLE_EPT | PROC2_UNRESTRICTED_GUEST)));
	else if (!vv->shadow)
		panic("vmx: no secondary processor-based controls, so no EPT");

	/* Exit: 64-bit host; EFER and PAT switched by the CPU on every exit. */
	u32 exit = EXIT_HOST_ADDR_SPACE_SIZE | EXIT_SAVE_EFER | EXIT_LOAD_EFER |
		   EXIT_SAVE_PAT | EXIT_LOAD_PAT | EXIT_SAVE_DEBUG_CTLS;
	vmcs_w(VMCS_EXIT_CTLS, need("VM-exit", vmx_adjust(exit, c->exit_must, c->exit_may),
				    EXIT_HOST_ADDR_SPACE_SIZE | EXIT_SAVE_EFER | EXIT_LOAD_EFER));

	/* Entry: load the guest's EFER and PAT; the guest starts outside IA-32e mode. */
	u32 entry = ENTRY_LOAD_EFER | ENTRY_LOAD_PAT | ENTRY_LOAD_DEBUG_CTLS;
	vmcs_w(VMCS_ENTRY_CTLS, need("VM-entry", vmx_adjust(entry, c->entry_must, c->entry_may),
				     ENTRY_LOAD_EFER));

	vmcs_w(VMCS_EXCEPTION_BITMAP, vv->shadow ? BIT(14) /* #PF */ : 0);
	vmcs_w(VMCS_PF_ERROR_MASK, 0);
	vmcs_w(VMCS_PF_ERROR_MATCH, 0);
	vmcs_w(VMCS_CR3_TARGET_COUNT, 0);
	vmcs_w(VMCS_IO_BITMAP_A, vmx_io_bitmap_a);
	vmcs_w(VMCS_IO_BITMAP_B, vmx_io_bitmap_b);
	vmcs_w(VMCS_MSR_BITMAP, vmx_msr_bitmap);
	vmcs_w(VMCS_EXIT_MSR_STORE_COUNT, 0);
	vmcs_w(VMCS_EXIT_MSR_LOAD_COUNT, 0);
	vmcs_w(VMCS_ENTRY_MSR_LOAD_COUNT, 0);
	vmcs_w(VMCS_ENTRY_INTR_INFO, 0);
	vmcs_w(VMCS_TSC_OFFSET, 0);
	if (c->vpid)
		vmcs_w(VMCS_VPID, vv->vpid);
}

/* ---- guest CR0/CR4 ownership (24.6.6) ----
 * A bit set in the guest/host mask belongs to hv: the guest reads it from
 * the read shadow, and writing a value that differs from the shadow exits.
 * hv owns the bits VMX forces (fixed-1 bits the guest may want clear, such
 * as CR0.NE and CR4.VMXE, and fixed-0 bits it may try to set), except PE
 * and PG under unrestricted guest.
 *
 * mmu=shadow (hv/core/shadow_exit.c) also owns what the shadow tables need
 * the CPU to run with whatever the guest wrote: paging always on (PE, PG;
 * no unrestricted guest without EPT anyway: a guest with PE clear runs in
 * virtual-8086 mode, vmx_realmode.c), CR0.WP so write-protected
 * guest page tables stay protected from the guest kernel, and CR4.PAE:
 * legacy PAE paging on a direct root while the guest's paging is off, or
 * on a PAE root for a 32-bit or PAE guest. It also owns the CR4 bits whose
 * change hv must see: PSE, SMEP, SMAP (the meaning of the guest's PTEs: a
 * new shadow role), PGE and PCIDE (a write that changes them flushes the
 * TLB, a sync point for unsync shadow pages: KVM takes PGE under shadow
 * paging for the same reason), so such a write exits (cr.c). */
#define CR4_PSE   BIT(4)
#define CR4_PAE   BIT(5)
#define CR4_PGE   BIT(7)
#define CR4_PCIDE BIT(17)
#define CR4_SMEP  BIT(20)
#define CR4_SMAP  BIT(21)

u64 vmx_cr0_host_mask(const struct vmx_vcpu *vv)
{
	u64 mask = vmx_caps.cr0_fixed0 | ~vmx_caps.cr0_fixed1;
	if (vv->shadow)
		mask |= CR0_PE | CR0_PG | CR0_WP;
	else
		mask &= ~(CR0_PE | CR0_PG);
	return mask & 0xffffffffull;
}

u64 vmx_cr4_host_mask(const struct vmx_vcpu *vv)
{
	u64 mask = vmx_caps.cr4_fixed0 | ~vmx_caps.cr4_fixed1;
	if (vv->shadow)
		mask |= CR4_PSE | CR4_PAE | CR4_PGE | CR4_PCIDE | CR4_SMEP | CR4_SMAP;
	return mask & 0xffffffffull;
}

/* The value the CPU really runs with for a CR0/CR4 the guest asked for. */
u64 vmx_real_cr0(const struct vmx_vcpu *vv, u64 guest)
{
	u64 fixed0 = vmx_caps.cr0_fixed0;
	if (vv->shadow)
		fixed0 |= CR0_PE | CR0_PG | CR0_WP;
	else
		fixed0 &= ~(CR0_PE | CR0_PG);
	return (guest | fixed0) & vmx_caps.cr0_fixed1;
}

u64 vmx_real_cr4(const struct vmx_vcpu *vv, u64 guest)
{
	if (vv->shadow)
		guest |= CR4_PAE;
	return (guest | vmx_caps.cr4_fixed0) & vmx_caps.cr4_fixed1;
}

/* ---- guest state (24.4) ---- */

static void setup_guest(struct vmx_vcpu *vv, bool is_ap)
{
	const struct guest_regs *r = &vv->vcpu->regs;
	u64 cr0 = is_ap ? CR0_ET : (CR0_PE | CR0_ET);

	vmcs_w(VMCS_CR0_GUEST_HOST_MASK, vmx_cr0_host_mask(vv));
	vmcs_w(VMCS_CR0_READ_SHADOW, cr0);
	vmcs_w(VMCS_GUEST_CR0, vmx_real_cr0(vv, cr0));
	vmcs_w(VMCS_CR4_GUEST_HOST_MASK, vmx_cr4_host_mask(vv));
	vmcs_w(VMCS_CR4_READ_SHADOW, 0);
	vmcs_w(VMCS_GUEST_CR4, vmx_real_cr4(vv, 0));
	vmcs_w(VMCS_GUEST_CR3, 0);
	vmcs_w(VMCS_GUEST_DR7, 0x400);
	vmcs_w(VMCS_GUEST_DEBUGCTL, 0);
	vmcs_w(VMCS_GUEST_EFER, 0);
	if (vmx_caps.entry_may & ENTRY_LOAD_PAT)
		vmcs_w(VMCS_GUEST_PAT, PAT_DEFAULT);
	vmcs_w(VMCS_GUEST_SYSENTER_CS, 0);
	vmcs_w(VMCS_GUEST_SYSENTER_ESP, 0);
	vmcs_w(VMCS_GUEST_SYSENTER_EIP, 0);

	if (is_ap) {
		set_seg(SEG_CS, 0xf000, 0xffff0000, 0xffff, AR_CODE16);
		for (enum vmx_seg s = SEG_ES; s <= SEG_GS; s++)
			if (s != SEG_CS)
				set_seg(s, 0, 0, 0xffff, AR_DATA16);
		vmcs_w(VMCS_GUEST_RIP, 0xfff0);
	} else {
		/* Selectors are what a loader's GDT would use; the guest must
		 * load its own GDT before reloading any segment (Multiboot 3.2). */
		set_seg(SEG_CS, 0x08, 0, 0xffffffff, AR_CODE32);
		for (enum vmx_seg s = SEG_ES; s <= SEG_GS; s++)
			if (s != SEG_CS)
				set_seg(s, 0x10, 0, 0xffffffff, AR_DATA32);
		vmcs_w(VMCS_GUEST_RIP, r->rip);
	}
	set_seg(SEG_LDTR, 0, 0, 0xffff, AR_LDT);
	set_seg(SEG_TR, 0, 0, 0xffff, AR_TSS_BUSY);
	vmcs_w(VMCS_GUEST_GDTR_BASE, 0);
	vmcs_w(VMCS_GUEST_GDTR_LIMIT, 0xffff);
	vmcs_w(VMCS_GUEST_IDTR_BASE, 0);
	vmcs_w(VMCS_GUEST_IDTR_LIMIT, 0xffff);

	vmcs_w(VMCS_GUEST_RSP, r->rsp);
	vmcs_w(VMCS_GUEST_RFLAGS, RFLAGS_FIXED);
	vmcs_w(VMCS_GUEST_INTERRUPTIBILITY, 0);
	vmcs_w(VMCS_GUEST_ACTIVITY_STATE, ACTIVITY_ACTIVE);
	vmcs_w(VMCS_GUEST_PENDING_DBG, 0);
	vmcs_w(VMCS_LINK_POINTER, ~0ull);   /* no shadow VMCS (26.3.1.5) */
}

/* ---- host state (24.5): what a VM exit loads (27.5) ----
 * Written whenever the VMCS becomes current on a CPU (vmx_load), since the
 * GS base (struct pcpu), GDT and TSS are per physical CPU. */
void vmcs_set_host_state(void)
{
	struct { u16 limit; u64 base; } __attribute__((packed)) gdtr, idtr;
	u16 cs, ss, ds, es, tr;

	__asm__ volatile("sgdt %0; sidt %1" : "=m"(gdtr), "=m"(idtr));
	__asm__ volatile("mov %%cs, %0; mov %%ss, %1; mov %%ds, %2; mov %%es, %3; str %4"
			 : "=r"(cs), "=r"(ss), "=r"(ds), "=r"(es), "=r"(tr));
	/* The TSS descriptor: base bits 15:0 at 16, 23:16 at 32, 31:24 at 56,
	 * 63:32 in the next entry (SDM Vol. 3A, 7.2.3). */
	const u64 *d = (const u64 *)(gdtr.base + (tr & ~7u));
	u64 tr_base = ((d[0] >> 16) & 0xffffff) | (((d[0] >> 56) & 0xff) << 24) | (d[1] << 32);

	vmcs_w(VMCS_HOST_CR0, read_cr0());
	vmcs_w(VMCS_HOST_CR3, read_cr3());
	vmcs_w(VMCS_HOST_CR4, read_cr4());
	/* 26.2.3: selectors with RPL 0 and TI 0; CS and TR not null. */
	vmcs_w(VMCS_HOST_CS_SEL, cs & ~7u);
	vmcs_w(VMCS_HOST_SS_SEL, ss & ~7u);
	vmcs_w(VMCS_HOST_DS_SEL, ds & ~7u);
	vmcs_w(VMCS_HOST_ES_SEL, es & ~7u);
	vmcs_w(VMCS_HOST_FS_SEL, 0);
	vmcs_w(VMCS_HOST_GS_SEL, 0);
	vmcs_w(VMCS_HOST_TR_SEL, tr & ~7u);
	vmcs_w(VMCS_HOST_FS_BASE, rdmsr(0xc0000100u));
	vmcs_w(VMCS_HOST_GS_BASE, rdmsr(MSR_GS_BASE));
	vmcs_w(VMCS_HOST_TR_BASE, tr_base);
	vmcs_w(VMCS_HOST_GDTR_BASE, gdtr.base);
	vmcs_w(VMCS_HOST_IDTR_BASE, idtr.base);
	vmcs_w(VMCS_HOST_SYSENTER_CS, 0);
	vmcs_w(VMCS_HOST_SYSENTER_ESP, 0);
	vmcs_w(VMCS_HOST_SYSENTER_EIP, 0);
	vmcs_w(VMCS_HOST_EFER, rdmsr(MSR_EFER));
	if (vmx_caps.exit_may & EXIT_LOAD_PAT)          /* the field exists with the control */
		vmcs_w(VMCS_HOST_PAT, rdmsr(MSR_IA32_PAT));
	vmcs_w(VMCS_HOST_RIP, (u64)vmx_exit_entry);
	/* VMCS_HOST_RSP is written by vmx_enter on every entry. */
}

/* Fill the VMCS of a vCPU that is current on this CPU. */
int vmcs_setup(struct vmx_vcpu *vv, bool is_ap)
{
	setup_controls(vv);
	setup_guest(vv, is_ap);
	return 0;
}

/* ---- diagnostics ---- */

/* Table 30-1 "VM-Instruction Error Numbers" (30.4). */
const char *vmx_insn_error_string(u32 error)
{
	static const char *const names[] = {
		[1]  = "VMCALL executed in VMX root operation",
		[2]  = "VMCLEAR with invalid physical address",
		[3]  = "VMCLEAR with VMXON pointer",
		[4]  = "VMLAUNCH with non-clear VMCS",
		[5]  = "VMRESUME with non-launched VMCS",
		[6]  = "VMRESUME after VMXOFF",
		[7]  = "VM entry with invalid control field(s)",
		[8]  = "VM entry with invalid host-state field(s)",
		[9]  = "VMPTRLD with invalid physical address",
		[10] = "VMPTRLD with VMXON pointer",
		[11] = "VMPTRLD with incorrect VMCS revision identifier",
		[12] = "VMREAD/VMWRITE from/to unsupported VMCS component",
		[13] = "VMWRITE to read-only VMCS component",
		[15] = "VMXON executed in VMX root operation",
		[16] = "VM entry with invalid executive-VMCS pointer",
		[17] = "VM entry with non-launched executive VMCS",
		[18] = "VM entry with executive-VMCS pointer not VMXON pointer",
		[19] = "VMCALL with non-clear VMCS",
		[20] = "VMCALL with invalid VM-exit control fields",
		[22] = "VMCALL with incorrect MSEG revision identifier",
		[23] = "VMXOFF under dual-monitor treatment of SMIs and SMM",
		[24] = "VMCALL with invalid SMM-monitor features",
		[25] = "VM entry with invalid VM-execution control fields in executive VMCS",
		[26] = "VM entry with events blocked by MOV SS",
		[28] = "invalid operand to INVEPT/INVVPID",
	};
	if (error < ARRAY_SIZE(names) && names[error])
		return names[error];
	return "unknown VM-instruction error";
}

struct field_name { u32 field; const char *name; };

static const struct field_name dump_fields[] = {
	{ VMCS_EXIT_REASON,            "exit reason" },
	{ VMCS_EXIT_QUALIFICATION,     "exit qualification" },
	{ VMCS_INSN_ERROR,             "VM-instruction error" },
	{ VMCS_GUEST_PHYS_ADDR,        "guest-physical address" },
	{ VMCS_GUEST_LINEAR_ADDR,      "guest-linear address" },
	{ VMCS_EXIT_INTR_INFO,         "exit interruption info" },
	{ VMCS_EXIT_INTR_ERROR,        "exit interruption error code" },
	{ VMCS_IDT_VECTORING_INFO,     "IDT-vectoring info" },
	{ VMCS_EXIT_INSN_LEN,          "exit instruction length" },
	{ VMCS_GUEST_RIP,              "guest RIP" },
	{ VMCS_GUEST_RSP,              "guest RSP" },
	{ VMCS_GUEST_RFLAGS,           "guest RFLAGS" },
	{ VMCS_GUEST_CR0,              "guest CR0" },
	{ VMCS_CR0_READ_SHADOW,        "CR0 read shadow" },
	{ VMCS_GUEST_CR3,              "guest CR3" },
	{ VMCS_GUEST_CR4,              "guest CR4" },
	{ VMCS_CR4_READ_SHADOW,        "CR4 read shadow" },
	{ VMCS_GUEST_EFER,             "guest EFER" },
	{ VMCS_GUEST_CS_SEL,           "guest CS selector" },
	{ VMCS_GUEST_ES_BASE + 2 * SEG_CS, "guest CS base" },
	{ VMCS_GUEST_ES_AR + 2 * SEG_CS, "guest CS access rights" },
	{ VMCS_GUEST_ES_AR + 2 * SEG_SS, "guest SS access rights" },
	{ VMCS_GUEST_INTERRUPTIBILITY, "guest interruptibility" },
	{ VMCS_GUEST_ACTIVITY_STATE,   "guest activity state" },
	{ VMCS_ENTRY_INTR_INFO,        "entry interruption info" },
	{ VMCS_PIN_CTLS,               "pin-based controls" },
	{ VMCS_PROC_CTLS,              "primary processor controls" },
	{ VMCS_PROC_CTLS2,             "secondary processor controls" },
	{ VMCS_EXIT_CTLS,              "VM-exit controls" },
	{ VMCS_ENTRY_CTLS,             "VM-entry controls" },
	{ VMCS_EXCEPTION_BITMAP,       "exception bitmap" },
	{ VMCS_EPTP,                   "EPT pointer" },
	{ VMCS_VPID,                   "VPID" },
	{ VMCS_HOST_RIP,               "host RIP" },
	{ VMCS_HOST_RSP,               "host RSP" },
	{ VMCS_HOST_CR3,               "host CR3" },
	{ VMCS_HOST_TR_SEL,            "host TR selector" },
};

/* Print the fields worth seeing in a panic, from the current VMCS. */
void vmcs_dump(void)
{
	printk("hv:   VMCS:\n");
	for (size_t i = 0; i < ARRAY_SIZE(dump_fields); i++) {
		u64 v;
		/* VMREAD of a field the CPU lacks fails: VMfailValid (30.3). */
		u8 cf, zf;
		__asm__ volatile("vmread %3, %0; setc %1; setz %2"
				 : "=r"(v), "=qm"(cf), "=qm"(zf)
				 : "r"((u64)dump_fields[i].field) : "cc");
		if (cf | zf)
			continue;
		printk("hv:     %s 0x%lx\n", dump_fields[i].name, v);
	}
}
