/*
 * palloc.h: the physical page allocator, built at boot from the Multiboot
 * memory map. One bit per 4 KiB page of the first 4 GiB (the range hv maps).
 */
#ifndef HV_CORE_PALLOC_H
#define HV_CORE_PALLOC_H

#include "include/hvlab/types.h"

void  palloc_init(u32 mbi_pa);
/* Mark [start, end) used (the image, modules, Multiboot data). */
void  palloc_reserve(hpa_t start, hpa_t end);
/* npages contiguous zeroed pages aligned to align_pages pages; 0 if none. */
hpa_t palloc_alloc(u64 npages, u64 align_pages);
void  palloc_free(hpa_t base, u64 npages);
u64   palloc_free_pages(void);

#endif
