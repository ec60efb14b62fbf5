/*
 * shadow_exit.c: hv's side of shadow paging (mmu=shadow, mmu/SHADOW.md).
 *
 * The guest never runs on its own page tables: the backend keeps the
 * CR0/CR3/CR4 the guest wrote (and reads back) apart from what the CPU runs
 * (hv/svm/svm.h; hv/vmx with read shadows): paging always on, CR4.PAE,
 * EFER.LMA = LME && guest PG, and CR3 = the shadow root the MMU gives for
 * the guest's paging state:
 *
 *   guest paging off       legacy PAE paging on a direct identity root
 *   guest 32-bit paging    legacy PAE paging on a PAE root (a PDPT) whose
 *   guest PAE paging       PDs shadow the guest's (mmu/SHADOW.md)
 *   guest 4-level paging   long mode on a root shadowing the guest's PML4
 *
 * Exits handled here:
 *   EXIT_PF        guest #PF: mmu_shadow_page_fault; inject the guest's own
 *                  faults (CR2 + error code), emulate writes to its
 *                  write-protected page tables, MMIO (the LAPIC, all-ones
 *                  and read-only memslots: mmio_access, as under mmu=tdp)
 *   EXIT_INVLPG    mmu_shadow_invlpg (a sync point for the gva)
 *   EXIT_INVPCID   type 0 as INVLPG of its address, types 1-3 as a guest
 *                  TLB flush (a sync point, as a CR3 load); bad operands #GP
 *   CR writes      cr.c calls shadow_cr_written: a new root (CR3) or role
 *                  (CR0/CR4), and a sync point in every case
 * A PAE guest's PDPTEs are those hv loaded at its CR writes (pdpte.c,
 * gwalk_cpu.pdptrs). 5-level paging is not supported (the MMU says
 * E_NOTSUP): the VM stops with a message. APs start in real mode: they run
 * it on the direct root, as "paged real mode" on SVM (CR0.PG without PE,
 * APM 15.19) and as virtual-8086 mode on VMX (hv/vmx/vmx_realmode.c);
 * vcpu.c reloads the root after each SIPI.
 */
#include "hv/core/emulate.h"
#include "hv/core/exit.h"
#include "hv/core/fault_loop.h"
#include "hv/core/guestmem.h"
#include "hv/core/lib.h"
#include "hv/core/panic.h"
#include "hv/core/pdpte.h"
#include "hv/core/vm.h"
#include "hv/core/x86.h"
#include "mmu/gwalk.h"
#include "mmu/mmu.h"

#define VEC_GP 13
#define VEC_PF 14
#define CR4_PCIDE BIT(17)

/* Per vCPU, touched by its own physical CPU only. */
struct shadow_cpu {
	bool loaded;          /* a root was loaded (first entry done) */
	u64  efer;            /* guest EFER at the last load: NXE changes the role */
	hpa_t root;           /* the shadow root it runs on (for fault_loop.c's report) */
};
static struct shadow_cpu shadow_cpus[HVT_MAX_CPUS];

static u32 cpuid_eax(u32 leaf) { u32 a, b, c, d; cpuid(leaf, 0, &a, &b, &c, &d); return a; }
static u32 cpuid_edx(u32 leaf) { u32 a, b, c, d; cpuid(leaf, 0, &a, &b, &c, &d); return d; }

/* The guest's paging state, as the walker and the MMU want it. */
static void guest_paging_state(struct vcpu *v, struct gwalk_cpu *cpu)
{
	const struct vendor_ops *ops = v->vm->ops;

	*cpu = (struct gwalk_cpu){
		.cr0 = ops->get_cr(v, 0), .cr3 = ops->get_cr(v, 3), .cr4 = ops->get_cr(v, 4),
		.efer = ops->get_cr(v, 8) & ~EFER_SVME, .rflags = v->regs.rflags,
		.maxphyaddr = (u8)cpuid_eax(0x80000008),
		.pse36 = cpuid_edx(1) & BIT(17),
		.gbpages = cpuid_edx(0x80000001) & BIT(26),
		.pdptrs = pdpte_regs(v),            /* PAE: loaded at the CR write (cr.c) */
		.vcpu_id = (u16)v->id,
	};
}

/* (Re)load the root for the guest's current state: CR3 load, paging-mode
 * change, first entry. The MMU syncs unsync pages and flushes the vCPU. */
static bool shadow_reload(struct vcpu *v)
{
	struct gwalk_cpu cpu;
	hpa_t root;
	int r;

	guest_paging_state(v, &cpu);
	r = mmu_shadow_load(v->mmu, &cpu, &root);
	if (r == E_NOTSUP) {
		vm_stop(v->vm, HV_STATUS_NOCAP,
			"vCPU %d: mmu=shadow runs guests with paging off, 32-bit, PAE or 4-level "
			"paging (CR0 0x%lx CR4 0x%lx EFER 0x%lx); 5-level: use mmu=tdp",
			v->id, cpu.cr0, cpu.cr4, cpu.efer);
		return false;
	}
	if (r) {
		vm_stop(v->vm, HV_STATUS_VM_ERROR, "vCPU %d: shadow root load failed (%d)", v->id, r);
		return false;
	}
	v->vm->ops->set_shadow_cr3(v, root);
	shadow_cpus[v->id].loaded = true;
	shadow_cpus[v->id].efer = cpu.efer;
	shadow_cpus[v->id].root = root;
	return true;
}

void shadow_vcpu_start(struct vcpu *v)
{
	if (!shadow_cpus[v->id].loaded)
		shadow_reload(v);
}

void shadow_cr_written(struct vcpu *v, int cr)
{
	if (v->vm->mmu_mode != HVT_MMU_SHADOW || (cr != 0 && cr != 3 && cr != 4))
		return;
	shadow_reload(v);
}

/*
 * INVLPG m (0F 01 /7) when the CPU did not report the address (no decode
 * assists): decode the common register-indirect forms, [reg] and
 * [reg + disp8/disp32] without SIB or RIP-relative addressing, from the
 * instruction bytes. Anything else stays unknown (the MMU then syncs every
 * unsync page, which is correct, only slower). 32-bit code is not decoded:
 * its address adds the DS (or SS) base, which hv does not read, and a
 * wrong address would leave the right one stale; a 32-bit guest's INVLPG
 * on QEMU (no decode assists) is therefore always "unknown".
 */
static gva_t invlpg_operand(struct vcpu *v)
{
	static const int modrm_to_regs[16] = { 0, 2, 3, 1, 7, 6, 4, 5,
					       8, 9, 10, 11, 12, 13, 14, 15 };
	u64 cs_base;
	int mode = v->vm->ops->code_mode(v, &cs_base);
	gva_t rip = (mode == 64 ? 0 : cs_base) + v->regs.rip;
	u8 b[8] = {0};
	gpa_t gpa;
	int i = 0, rm, mod;
	bool rex_b = false;

	if (mode != 64 || emulate_gva_to_gpa(v, rip, false, &gpa) ||
	    (rip & (PAGE_SIZE - 1)) > PAGE_SIZE - sizeof(b) || guest_read(v->vm, b, gpa, sizeof(b)))
		return MMU_INVLPG_UNKNOWN;
	if ((b[i] & 0xf0) == 0x40)
		rex_b = b[i++] & 1;
	if (b[i] != 0x0f || b[i + 1] != 0x01 || ((b[i + 2] >> 3) & 7) != 7)
		return MMU_INVLPG_UNKNOWN;
	mod = b[i + 2] >> 6;
	rm = b[i + 2] & 7;
	if (mod == 3 || rm == 4 || (mod == 0 && rm == 5))
		return MMU_INVLPG_UNKNOWN;             /* SIB, RIP-relative */
	gva_t gva = ((u64 *)&v->regs)[modrm_to_regs[rm | (rex_b ? 8 : 0)]];
	if (mod == 1)
		gva += (u64)(s64)(s8)b[i + 3];
	else if (mod == 2)
		gva += (u64)(s64)(s32)((u32)b[i + 3] | (u32)b[i + 4] << 8 |
				       (u32)b[i + 5] << 16 | (u32)b[i + 6] << 24);
	return gva;
}

void exit_shadow_invlpg(struct vcpu *v, struct exit_info *e)
{
	gva_t gva = e->u.invlpg.gva;

	if (gva == MMU_INVLPG_UNKNOWN)
		gva = invlpg_operand(v);
	mmu_shadow_invlpg(v->mmu, gva);
	skip_insn(v, e, 3);
}

/*
 * Read len bytes at guest linear address gva as a supervisor data read
 * would, through the guest's own tables (the descriptor of INVPCID).
 * Returns 0, 1 with *pf_error set if the guest takes a #PF at *pf_gva, or
 * E_FAULT if the memory is not guest RAM.
 */
static int read_linear(struct vcpu *v, gva_t gva, void *buf, u32 len, u32 *pf_error, gva_t *pf_gva)
{
	struct gwalk_cpu cpu;
	struct gwalk_mem mem;
	struct gwalk_result res;
	u8 *out = buf;

	guest_paging_state(v, &cpu);
	gwalk_mem_bind_vm(&mem, v->vm->mmu);
	while (len) {
		u32 n = PAGE_SIZE - (u32)(gva & (PAGE_SIZE - 1));
		if (n > len)
			n = len;
		if (gwalk(&cpu, &mem, gva, 0, &res))
			return E_FAULT;
		if (res.fault) {
			*pf_error = res.error_code;
			*pf_gva = gva;
			return 1;
		}
		if (guest_read(v->vm, out, res.gpa, n))
			return E_FAULT;
		gva += n, out += n, len -= n;
	}
	return 0;
}

static bool is_canonical(struct vcpu *v, gva_t gva)
{
	if (!(v->vm->ops->get_cr(v, 8) & EFER_LMA))
		return true;                        /* outside long mode every address is */
	return (u64)((s64)(gva << 16) >> 16) == gva;
}

/*
 * INVPCID type, [desc] (SDM Vol. 2A "INVPCID"). The shadow MMU keeps no
 * per-PCID state, so each type flushes at least what it names, never less:
 *   0 individual address    INVLPG of desc.addr in every PCID
 *   1 single context        \
 *   2 all, with globals      > a guest TLB flush: a sync point, as MOV CR3
 *   3 all but globals       /  (mmu_shadow_load syncs the unsync pages)
 * #GP(0) as the CPU raises it: type > 3; descriptor bits 63:12 set; type 0
 * or 1 naming a PCID other than 0 while CR4.PCIDE=0; type 0 with a
 * non-canonical address. A #PF reading the descriptor goes to the guest.
 */
void exit_shadow_invpcid(struct vcpu *v, struct exit_info *e)
{
	struct { u64 pcid, addr; } d;
	u64 type = e->u.invpcid.type;
	u32 pf_error = 0;
	gva_t pf_gva = 0;
	int r;

	if (!e->u.invpcid.known) {
		/* The CPU did not give the operands: flush everything, which
		 * every type allows; bad operands then go unnoticed. */
		shadow_reload(v);
		skip_insn(v, e, 5);
		return;
	}
	if (type > 3) {
		v->vm->ops->inject_exception(v, VEC_GP, true, 0, 0);
		return;
	}
	r = read_linear(v, e->u.invpcid.desc, &d, sizeof(d), &pf_error, &pf_gva);
	if (r == 1) {
		v->vm->ops->inject_exception(v, VEC_PF, true, pf_error, pf_gva);
		return;
	}
	if (r) {
		vm_stop(v->vm, HV_STATUS_VM_ERROR, "vCPU %d: INVPCID descriptor at gva 0x%lx is not in guest RAM "
			"(rip 0x%lx)", v->id, e->u.invpcid.desc, v->regs.rip);
		return;
	}
	if ((d.pcid >> 12) ||
	    (type <= 1 && (d.pcid & 0xfff) && !(v->vm->ops->get_cr(v, 4) & CR4_PCIDE)) ||
	    (type == 0 && !is_canonical(v, d.addr))) {
		v->vm->ops->inject_exception(v, VEC_GP, true, 0, 0);
		return;
	}
	if (type == 0)
		mmu_shadow_invlpg(v->mmu, d.addr);
	else
		shadow_reload(v);
	skip_insn(v, e, 5);
}

/* A write to a write-protected guest page table, performed for the guest. */
static u64 gpt_read(struct vcpu *v, gpa_t gpa, u8 len, void *ctx)
{
	u64 val = 0;
	if (guest_read(v->vm, &val, gpa, len))
		return ~0ull;
	return val;
}

static void gpt_write(struct vcpu *v, gpa_t gpa, u8 len, u64 value, void *ctx)
{
	int *rc = ctx;
	*rc = mmu_shadow_emulated_write(v->mmu, gpa, &value, len);
}

static const struct mmio_ops gpt_ops = { gpt_read, gpt_write };

static void emulate_gpt_write(struct vcpu *v, gpa_t gpa)
{
	u64 value;
	u8 len;
	bool write;
	int rc = 0;

	if (!emulate_mmio(v, gpa, &gpt_ops, &rc, &value, &len, &write) && !rc)
		return;
	/* Not a MOV (REP STOS, XCHG, ...): unshadow the frame and let the
	 * guest re-execute the instruction (RIP was not moved). Only a root
	 * table stays shadowed; then there is nothing left to try. */
	if (!rc && mmu_shadow_unprotect(v->mmu, gpa) > 0)
		return;
	vm_stop(v->vm, HV_STATUS_VM_ERROR,
		"vCPU %d: cannot emulate the write to a guest page table at rip 0x%lx "
		"(gpa 0x%lx; hv emulates MOV only)", v->id, v->regs.rip, gpa);
}

void exit_shadow_pf(struct vcpu *v, struct exit_info *e)
{
	struct mmu_shadow_fault out = {0};
	struct gwalk_cpu cpu;
	enum mmu_fault_result r;

	guest_paging_state(v, &cpu);
	/* EFER is written without a CR exit (msr.c): a new NXE is a new role.
	 * A stale NX SPTE then faults with RSVD, which lands here too. */
	if (cpu.efer != shadow_cpus[v->id].efer) {
		shadow_reload(v);
		return;
	}
	r = mmu_shadow_page_fault(v->mmu, &cpu, e->u.pf.gva, e->u.pf.error, v->regs.rip, &out);
	switch (r) {
	case MMU_FAULT_FIXED:
	case MMU_FAULT_SPURIOUS:
		/* A walker rule too lax (lab 02) "fixes" with an SPTE the CPU
		 * refuses: the same #PF forever. fault_loop.c ends that run. */
		fault_loop_check(v, EXIT_PF, e->u.pf.gva, e->u.pf.error, r == MMU_FAULT_SPURIOUS,
				 shadow_cpus[v->id].root);
		return;
	case MMU_FAULT_RETRY:
		return;                             /* the guest faults again if it must */
	case MMU_FAULT_INJECT:
		/* The guest's own tables fault: it gets the #PF the walker computed
		 * (SDM 4.7), with CR2. An event cut short by this exit is dropped:
		 * the #PF replaces it, as on hardware (the guest re-takes it). */
		v->vm->ops->inject_exception(v, VEC_PF, true, out.error_code, out.cr2);
		return;
	case MMU_FAULT_EMULATE:
		emulate_gpt_write(v, out.gpa);
		return;
	case MMU_FAULT_MMIO:
		mmio_access(v, out.gpa, out.mmio_kind, e->u.pf.error & MMU_PF_WRITE, e->u.pf.gva);
		return;
	default:
		vm_stop(v->vm, HV_STATUS_VM_ERROR,
			"vCPU %d: the shadow MMU could not handle #PF at gva 0x%lx (error 0x%x) at rip 0x%lx",
			v->id, e->u.pf.gva, e->u.pf.error, v->regs.rip);
		return;
	}
}
