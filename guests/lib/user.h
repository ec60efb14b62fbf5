/*
 * user.h: running one instruction in ring 3, for permission tests with
 * CPL 3 accesses (the U/S bit of the #PF error code). user_init() loads a
 * TSS (its RSP0 is where ring-3 faults land), maps the ring-3 stubs of
 * user_asm.S and a ring-3 stack with U=1 at USER_GVA, and opens vector
 * USER_RETURN_VECTOR to INT from ring 3. probe.h's probe_user_* use it.
 * Boot CPU only.
 */
#ifndef GUEST_USER_H
#define GUEST_USER_H

#include "include/hvlab/types.h"

#define USER_GVA            0x400000000000ull   /* 64 TiB: stubs, then the stack */
#define USER_RETURN_VECTOR  0x80
#define SEL_USER_DATA       0x1b
#define SEL_USER_CODE       0x23
#define SEL_TSS             0x28

void user_init(void);   /* idempotent */

/* Enter ring 3 at the stub for op with RDI = gva, RSI = value; returns RAX. */
enum user_op { USER_READ, USER_WRITE, USER_EXEC };
u64 user_run(enum user_op op, gva_t gva, u64 value);

#endif
