/*
 * hypercall.h (guest side): call hv through the ABI in
 * include/hvlab/hypercall.h. guest_hv() says whether we run under hvlab
 * (CPUID 0x40000000 signature); every wrapper returns HC_ENOSYS without
 * trapping when we do not, so callers may test guest_hv() first or not.
 * Buffers are passed by gpa: the guest's RAM is identity-mapped.
 */
#ifndef GUEST_HYPERCALL_H
#define GUEST_HYPERCALL_H

#include "include/hvlab/types.h"
#include "include/hvlab/hypercall.h"

bool guest_hv(void);          /* running under hvlab? */
bool cpu_is_intel(void);      /* CPUID vendor GenuineIntel: VMCALL, else VMMCALL */

/* The raw call, for tests that pass malformed arguments on purpose. */
long hc_call(u64 nr, u64 a0, u64 a1, u64 a2, u64 a3);

long hc_console_write(const void *buf, u64 len);
void hc_exit(u64 code) __attribute__((noreturn));
long hc_marker(const char *label);
long hc_info(u64 selector);
long hc_memslot_create(u64 slot, gpa_t base, u64 size, u64 flags);
long hc_memslot_delete(u64 slot);
long hc_memslot_set_flags(u64 slot, u64 flags);
long hc_zap_range(gfn_t gfn, u64 npages);
long hc_dirty_log_enable(u64 slot, bool on);
long hc_dirty_log_fetch(u64 slot, void *bitmap, u64 bytes);
long hc_age_range(gfn_t gfn, u64 npages);

const char *hc_strerror(long rc);

#endif
