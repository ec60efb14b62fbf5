/*
 * probe.h: touch an address and learn whether (and how) it faulted,
 * without dying. For permission tests:
 *
 *   struct probe r = probe_write(gva, 42);
 *   CHECK_EQ("ro_write_error", r.error, PF_P | PF_W);
 *
 * A probe hooks #PF, #GP and #UD for the duration of one access; if that
 * access faults, the handler records the fault and resumes after it.
 * Accesses are 8 bytes. probe_exec calls gva, which should hold a RET
 * (0xC3). One CPU at a time.
 */
#ifndef GUEST_PROBE_H
#define GUEST_PROBE_H

#include "include/hvlab/types.h"

struct probe {
	bool faulted;
	u64 vector;     /* valid when faulted */
	u64 error;      /* error code */
	u64 cr2;        /* CR2 at the fault (meaningful for #PF) */
	u64 rip;        /* RIP of the faulting instruction */
	u64 value;      /* what probe_read read (0 if it faulted) */
};

struct probe probe_read(gva_t gva);
struct probe probe_write(gva_t gva, u64 value);
struct probe probe_exec(gva_t gva);

/* The same from ring 3 (CPL 3: #PF error codes carry PF_U); see user.h. */
struct probe probe_user_read(gva_t gva);
struct probe probe_user_write(gva_t gva, u64 value);
struct probe probe_user_exec(gva_t gva);

#endif
