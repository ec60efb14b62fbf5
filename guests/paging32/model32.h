/*
 * model32.h: the matrix's oracle (matrix.c), an in-guest reference model of
 * the two legacy paging modes, SDM Vol. 3A 4.3 (32-bit paging), 4.4 (PAE
 * paging), 4.6.1 (access rights), 4.7 (#PF error code), 4.8 (A/D bits).
 * Written from the SDM for this guest: it shares no code with hv's walker
 * (mmu/gwalk*.c) nor with guests/pmatrix/model.c (4-level paging).
 *
 * Levels are numbered as in mmu/SHADOW.md: 1 = PTE, 2 = PDE, 3 = the PAE
 * PDPTE. 32-bit paging has levels 1..2 only.
 */
#ifndef PAGING32_MODEL32_H
#define PAGING32_MODEL32_H

#include "rt32.h"

/* #PF error-code bits (SDM Figure 4-12); an access kind is a set of the
 * first three: 0 is a supervisor read. */
#define PF_P    BIT32(0)
#define PF_W    BIT32(1)
#define PF_U    BIT32(2)
#define PF_RSVD BIT32(3)
#define PF_I    BIT32(4)

/* Where a reserved bit in a present PAE PDPTE is caught:
 *   PDPTE_AT_LOAD  Intel (SDM 4.4.1): the four PDPTEs are loaded into
 *                  registers by MOV CR3; a reserved bit is #GP(0) there and
 *                  CR3 is not changed; walks use the registers.
 *   PDPTE_AT_WALK  QEMU TCG (natively, and under NPT as AMD): MOV CR3 loads
 *                  nothing; each walk reads the PDPTE from memory and only
 *                  XD and bits 62:MAXPHYADDR are reserved (R/W, U/S, A, D, PS
 *                  are ignored; the walk may set A, bit 5). hv/README.md. */
enum pdpte_rule { PDPTE_AT_LOAD, PDPTE_AT_WALK };

/* The CPU state the rules depend on. */
struct m32_cpu {
	bool pae;                 /* CR4.PAE: PAE paging, else 32-bit paging */
	bool pse;                 /* CR4.PSE: 4 MiB pages (32-bit paging only) */
	bool wp, nxe, smep, smap; /* CR0.WP, EFER.NXE, CR4.SMEP, CR4.SMAP (EFLAGS.AC = 0) */
	int maxphyaddr;           /* CPUID 0x80000008 EAX[7:0] */
	enum pdpte_rule pdpte;
};

struct m32_out {
	bool gp;            /* PAE: MOV CR3 with this PDPTE is #GP(0) (no access made) */
	bool fault;         /* the access is a #PF */
	u32 error;          /* its error code */
	u64 after[4];       /* [level]: the entries after the access */
	u32 may_a;          /* bit L: on a fault, A of level L may be set (SDM 4.8
			     * leaves open whether a faulting walk sets A) */
};

/* e[1..levels]: PTE, PDE (, PDPTE) on the walk's path; e[0] unused. */
void m32_model(const struct m32_cpu *cpu, const u64 e[4], u32 access, struct m32_out *out);

#endif
