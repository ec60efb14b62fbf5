/*
 * model.h: pmatrix's oracle, an in-guest reference model of 4-level paging
 * (SDM Vol. 3A 4.5 formats, 4.6.1 access rights, 4.7 error code, 4.8 A/D).
 * Adapted from mmu/test/test_gwalk_ref.c (the host tests' model), reduced
 * to 4-level paging and made freestanding; it shares no code with hv's
 * walker (mmu/gwalk*.c).
 */
#ifndef PMATRIX_MODEL_H
#define PMATRIX_MODEL_H

#include "include/hvlab/types.h"

/* The CPU state the rules depend on. */
struct pm_cpu {
	bool wp, nxe, smep, smap;   /* CR0.WP, EFER.NXE, CR4.SMEP, CR4.SMAP (RFLAGS.AC = 0) */
	bool gbpages;               /* CPUID 0x80000001 EDX[26]: 1 GiB pages */
	int maxphyaddr;             /* CPUID 0x80000008 EAX[7:0] */
};

/* Access kinds use the #PF error-code bits: PF_W write, PF_U user (CPL 3),
 * PF_I fetch; 0 is a supervisor read. */

struct pm_out {
	bool fault;
	u32 error;          /* #PF error code when fault */
	u64 after[5];       /* [level 1..4]: the entries after the access */
	u32 may_a;          /* bit L: on a fault, the A bit of level L may be set */
};

/* e[1..4]: the PTE, PDE, PDPTE, PML4E on the walk's path (e[0] unused). */
void pm_model(const struct pm_cpu *cpu, const u64 e[5], u32 access, struct pm_out *out);

#endif
