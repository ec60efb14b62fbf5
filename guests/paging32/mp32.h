/*
 * mp32.h: paging32's workload for several CPUs (mp32.c): private map /
 * remap / read-only / unmap rounds on every CPU in one shared page table,
 * a shootdown of the boot CPU's edits by INVLPG or CR3 reload on every AP,
 * and (PAE) a PDPTE change each CPU sees after its own MOV CR3.
 */
#ifndef PAGING32_MP32_H
#define PAGING32_MP32_H

#include "pt32.h"

/* rounds=N from the command line: N rounds of phase A per CPU and N/2
 * shootdown generations (default 16). False, with a message, if N is bad. */
bool mp32_set_rounds(const char *v);

/* Run it on n CPUs (the boot CPU and n-1 APs it starts), with paging on in
 * as1 (as2 is the second address space); check names start "<pfx>_smp_". */
void mp32_run(u32 n, struct aspace *as1, struct aspace *as2, const char *pfx);

#endif
