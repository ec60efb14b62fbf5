/*
 * paging.h: the guest's own 4-level page tables (Intel SDM Vol. 3A 4.5
 * "4-Level Paging and 5-Level Paging"; AMD APM Vol. 2 5.3 "Long-Mode
 * Page Translation").
 *
 *   63  62..52 51 ................ 12 11..9  8  7  6  5  4   3   2   1  0
 *  | NX | avail | physical address     |avail| G|PS| D| A|PCD|PWT|U/S|R/W|P|
 *
 * PS (bit 7) in a PD entry maps a 2 MiB page (in a PDPT entry, 1 GiB).
 * NX needs EFER.NXE (set by boot.c when CPUID has it); R/W is enforced on
 * supervisor writes because entry.S sets CR0.WP.
 *
 * A root is the gpa of a PML4 page. Page-table pages come from frames.c
 * and are reached through the identity map (gva == gpa for RAM).
 * Functions that change an entry in the current root INVLPG it.
 * vm_protect and vm_unmap act on the leaf, which may map 2 MiB (the
 * identity map under "pagesize=2m"); vm_map of a single page splits a
 * 2 MiB leaf into 512 4 KiB entries first.
 */
#ifndef GUEST_PAGING_H
#define GUEST_PAGING_H

#include "include/hvlab/types.h"

#define PTE_P     BIT(0)
#define PTE_W     BIT(1)
#define PTE_U     BIT(2)
#define PTE_PWT   BIT(3)
#define PTE_PCD   BIT(4)
#define PTE_A     BIT(5)
#define PTE_D     BIT(6)
#define PTE_PS    BIT(7)
#define PTE_G     BIT(8)
#define PTE_NX    BIT(63)
#define PTE_ADDR  GENMASK(51, 12)
#define PTE_PERM  (PTE_W | PTE_U | PTE_NX)

#define PAGE_SIZE_2M  BIT(21)

extern gpa_t kernel_root;   /* the identity map built at boot */

bool   paging_init(void);   /* build kernel_root and switch CR3 to it; false if out of frames */
gpa_t  vm_current_root(void);
void   vm_switch(gpa_t root);                 /* write CR3 */
gpa_t  vm_clone_root(gpa_t root);             /* new PML4 sharing root's lower tables */

int    vm_map(gpa_t root, gva_t gva, gpa_t gpa, u64 flags);      /* 4 KiB, flags | P */
int    vm_map_2m(gpa_t root, gva_t gva, gpa_t gpa, u64 flags);   /* 2 MiB, flags | P | PS */
int    vm_unmap(gpa_t root, gva_t gva);
int    vm_protect(gpa_t root, gva_t gva, u64 perm);  /* replace W/U/NX of the leaf */
u64   *vm_leaf(gpa_t root, gva_t gva, int *level);   /* leaf entry or NULL; level 1 = 4K, 2 = 2M */
int    vm_identity_map(gpa_t root, gpa_t lo, gpa_t hi, u64 flags, bool large);  /* 0 or E_NOMEM */
void   vm_flush(gpa_t root, gva_t gva);       /* INVLPG if root is current */

#endif
