/*
 * pt32.h: the guest's own page tables in either 32-bit format (pt32.c):
 *
 *   32-bit paging (CR4.PAE=0)   PD (1024 x 4 B) -> PT (1024 x 4 B); a PDE
 *                               with PS=1 maps 4 MiB (needs CR4.PSE)
 *   PAE paging (CR4.PAE=1)      PDPT (4 x 8 B, in CR3) -> PD (512 x 8 B) ->
 *                               PT (512 x 8 B); a PDE with PS=1 maps 2 MiB;
 *                               bit 63 is XD when EFER.NXE=1
 *
 * Entries are handled as u64 in both modes (the 32-bit format is the low
 * half). SDM Vol. 3A 4.3 and 4.4.
 */
#ifndef PAGING32_PT32_H
#define PAGING32_PT32_H

#include "rt32.h"

#define PTE_P   BIT64(0)
#define PTE_RW  BIT64(1)
#define PTE_US  BIT64(2)
#define PTE_A   BIT64(5)
#define PTE_D   BIT64(6)
#define PTE_PS  BIT64(7)
#define PTE_G   BIT64(8)
#define PTE_XD  BIT64(63)

enum pt_mode { PT_MODE_32, PT_MODE_PAE };

struct aspace {
	u32 root;            /* what goes in CR3: the PD (32-bit) or the PDPT (PAE) */
};

extern enum pt_mode pt_mode;

void pt_init(enum pt_mode mode);
u32  pt_alloc_page(void);                       /* a zeroed page from the pool */
void as_init(struct aspace *as);
/* Map va -> pa: a 4 KiB PTE, or (large) a 4 MiB / 2 MiB PDE; flags PTE_*. */
void as_map(struct aspace *as, u32 va, u32 pa, u64 flags, bool large);
/* The entry that maps va: the leaf (level 1, or 2 for a large page) or, with
 * level = 2, the PDE. NULL if a table on the way is missing. */
void *as_entry(struct aspace *as, u32 va, int level);
u64  ent_get(const void *e);
/* Change an entry as an OS does: a PAE entry whose high half changes is
 * first made not present, so no walk ever sees half an update (every store
 * is a 32-bit MOV, which hv's emulator handles). */
void ent_set(void *e, u64 v);
u32  large_page_size(void);                     /* 4 MiB or 2 MiB */

#endif
