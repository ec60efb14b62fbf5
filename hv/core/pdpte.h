/*
 * pdpte.h: the PAE PDPTE registers of a guest whose paging hv follows
 * (mmu=shadow), and the PDPTEs hv's own walks use (pdpte.c).
 *
 * With PAE paging (CR0.PG=1, CR4.PAE=1, EFER.LMA=0) the CPU does not read
 * the 4 PDPTEs at each walk: it loads them into registers (Intel SDM Vol. 3A
 * 4.4.1; AMD in legacy mode too) at
 *   - MOV to CR3 while PAE paging is on,
 *   - MOV to CR0 or CR4 that turns PAE paging on, or that changes CR0.PG,
 *     CD, NW or CR4.PAE, PGE, PSE, SMEP while PAE paging results,
 * and a reserved bit in a present PDPTE makes that MOV fail with #GP(0)
 * (the register keeps its old value). Under mmu=shadow those MOVs exit to
 * hv (cr.c), which does the load here and gives the registers to the shadow
 * MMU (gwalk_cpu.pdptrs).
 */
#ifndef HV_CORE_PDPTE_H
#define HV_CORE_PDPTE_H

#include "hv/core/vcpu.h"

/* Paging mode from guest CR0/CR4/EFER (EFER.LMA as it will be: LME && PG). */
bool pdpte_pae_paging(u64 cr0, u64 cr4, u64 efer);

/*
 * Guest MOV to CRcr of value (mmu=shadow, before the write is done): if the
 * write is a PDPTE load point (see above), load the 4 PDPTEs from the new
 * CR3's PDPT. Returns 0 (loaded or nothing to load), or E_INVAL: a present
 * PDPTE has a reserved bit, or the PDPT is not in guest RAM: the caller
 * injects #GP(0) and does not perform the write.
 */
int pdpte_on_cr_write(struct vcpu *v, int cr, u64 value);

/* The registers for the guest's current state: the loaded PDPTEs while it
 * runs PAE paging under mmu=shadow, else NULL. */
const u64 *pdpte_regs(struct vcpu *v);

/*
 * PDPTEs for a walk hv makes itself (emulate.c): the registers under
 * mmu=shadow; under mmu=tdp the PDPT in guest memory (the CPU holds the
 * registers there, hv does not see them), read into buf, with the Accessed
 * bit cleared: QEMU 7.2 TCG sets bit 5 in the PDPTEs it walks, which is
 * reserved on Intel (SDM Table 4-8) and would make the walk fail with RSVD.
 * NULL if the guest is not in PAE paging or the PDPT is not readable.
 */
const u64 *pdpte_for_walk(struct vcpu *v, u64 buf[4]);

#endif
