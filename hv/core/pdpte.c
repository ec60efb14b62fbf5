/*
 * pdpte.c: the PAE PDPTE registers (pdpte.h).
 *
 * Invariant P1: while a vCPU runs PAE paging under mmu=shadow, loaded[id]
 * is true and regs[id] holds the PDPTEs as of its last load point, each
 * present one free of reserved bits; the shadow MMU walks through them,
 * not through guest memory (a guest that edits its PDPT sees the change
 * only at its next MOV CR3, as on Intel hardware).
 *
 * Limits: on VMX hv does not own CR0.CD/NW, so a write changing only them
 * does not exit and reloads nothing (a guest would have to edit its live
 * PDPT and rely on a cache-mode change to see it); task switches, the other
 * load point, are not emulated by hv.
 */
#include "hv/core/pdpte.h"
#include "hv/core/guestmem.h"
#include "hv/core/lib.h"
#include "hv/core/vm.h"
#include "hv/core/x86.h"
#include "mmu/gwalk.h"

#define CR0_NW   BIT(29)
#define CR0_CD   BIT(30)
#define CR4_PSE  BIT(4)
#define CR4_PAE  BIT(5)
#define CR4_PGE  BIT(7)
#define CR4_SMEP BIT(20)
#define PDPT_ADDR_MASK 0xffffffe0ull    /* CR3 bits 31:5 in PAE mode (SDM 4.4.1) */

/* Per vCPU, touched by its own physical CPU only. */
static u64  regs[HVT_MAX_CPUS][4];
static bool loaded[HVT_MAX_CPUS];

bool pdpte_pae_paging(u64 cr0, u64 cr4, u64 efer)
{
	bool lma = (efer & EFER_LME) && (cr0 & CR0_PG);
	return (cr0 & CR0_PG) && (cr4 & CR4_PAE) && !lma;
}

/* Read the PDPT at cr3 and check each present entry with the walker's
 * reserved-bit rule (mmu/gwalk_format.c, SDM Table 4-8). */
static int read_checked(struct vcpu *v, u64 cr0, u64 cr3, u64 cr4, u64 efer, u64 out[4])
{
	u32 a, b, c, d;
	cpuid(0x80000008, 0, &a, &b, &c, &d);
	struct gwalk_cpu cpu = { .cr0 = cr0, .cr3 = cr3, .cr4 = cr4, .efer = efer,
				 .maxphyaddr = (u8)a, .vcpu_id = (u16)v->id };
	if (guest_read(v->vm, out, cr3 & PDPT_ADDR_MASK, 4 * sizeof(u64)))
		return E_INVAL;
	for (int i = 0; i < 4; i++)
		if ((out[i] & GPTE_P) && gwalk_gpte_rsvd_bits(&cpu, 3, out[i]))
			return E_INVAL;
	return 0;
}

int pdpte_on_cr_write(struct vcpu *v, int cr, u64 value)
{
	const struct vendor_ops *ops = v->vm->ops;
	u64 old = ops->get_cr(v, cr);
	u64 cr0 = cr == 0 ? value : ops->get_cr(v, 0);
	u64 cr3 = cr == 3 ? value : ops->get_cr(v, 3);
	u64 cr4 = cr == 4 ? value : ops->get_cr(v, 4);
	u64 efer = ops->get_cr(v, 8) & ~(EFER_LMA | EFER_SVME);
	bool load;
	u64 next[4];

	if (v->vm->mmu_mode != HVT_MMU_SHADOW || (cr != 0 && cr != 3 && cr != 4))
		return 0;
	if (!pdpte_pae_paging(cr0, cr4, efer)) {
		loaded[v->id] = false;
		return 0;
	}
	if (cr == 3)
		load = true;
	else if (cr == 0)
		load = ((old ^ value) & (CR0_PG | CR0_CD | CR0_NW)) || !loaded[v->id];
	else
		load = ((old ^ value) & (CR4_PAE | CR4_PGE | CR4_PSE | CR4_SMEP)) || !loaded[v->id];
	if (!load)
		return 0;
	if (read_checked(v, cr0, cr3, cr4, efer, next))
		return E_INVAL;               /* registers unchanged, as on #GP */
	memcpy(regs[v->id], next, sizeof(next));
	loaded[v->id] = true;
	return 0;
}

const u64 *pdpte_regs(struct vcpu *v)
{
	const struct vendor_ops *ops = v->vm->ops;
	if (v->vm->mmu_mode != HVT_MMU_SHADOW || !loaded[v->id] ||
	    !pdpte_pae_paging(ops->get_cr(v, 0), ops->get_cr(v, 4), ops->get_cr(v, 8)))
		return NULL;
	return regs[v->id];
}

const u64 *pdpte_for_walk(struct vcpu *v, u64 buf[4])
{
	const struct vendor_ops *ops = v->vm->ops;
	if (v->vm->mmu_mode == HVT_MMU_SHADOW)
		return pdpte_regs(v);
	if (!pdpte_pae_paging(ops->get_cr(v, 0), ops->get_cr(v, 4), ops->get_cr(v, 8)) ||
	    guest_read(v->vm, buf, ops->get_cr(v, 3) & PDPT_ADDR_MASK, 4 * sizeof(u64)))
		return NULL;
	for (int i = 0; i < 4; i++)
		buf[i] &= ~(u64)GPTE_A;
	return buf;
}
