/*
 * guestmem.h: copying between hv and guest physical memory. Every access
 * goes page by page through mmu_gpa_to_hpa (the memslots), so a buffer that
 * crosses into unbacked or read-only memory fails cleanly with E_FAULT
 * instead of touching the wrong host page.
 */
#ifndef HV_CORE_GUESTMEM_H
#define HV_CORE_GUESTMEM_H

#include "include/hvlab/types.h"

struct vm;

int guest_read(struct vm *vm, void *dst, gpa_t gpa, u64 len);
int guest_write(struct vm *vm, gpa_t gpa, const void *src, u64 len);
int guest_zero(struct vm *vm, gpa_t gpa, u64 len);

#endif
