/*
 * panic.h: hv's one fatal path, and how a run ends.
 *
 * panic()       a hypervisor bug or an impossible state: prints "hv: PANIC:"
 *               and the reason; if this CPU is handling a guest exit, also the
 *               exit (kind, raw reason, qualification, info2), the guest's
 *               registers and the backend's control-block dump; then ends
 *               the run with HV_STATUS_PANIC.
 * hv_finish()   end the run normally with a status (the guest's exit code,
 *               or one of the HV_STATUS_* below).
 *
 * Guest misbehaviour is NEVER a panic: see vm_stop() in vm.h.
 */
#ifndef HV_CORE_PANIC_H
#define HV_CORE_PANIC_H

#include "include/hvlab/types.h"

/* Run statuses hv reports for itself (guests use 0..111). On QEMU the
 * process exits with (status << 1) | 1; scripts/run-qemu.sh undoes that. */
#define HV_STATUS_VM_ERROR  112   /* the guest did something fatal (triple fault, unbacked gpa) */
#define HV_STATUS_NOCAP     113   /* this CPU lacks a capability the run needs */
#define HV_STATUS_PANIC     114   /* hypervisor bug */
#define HV_STATUS_BADCONFIG 115   /* bad boot: no guest module, bad command line */

_Noreturn void panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void hv_finish(int status);

#define ASSERT(cond) do { if (!(cond)) \
	panic("assertion failed: %s (%s:%d)", #cond, __FILE__, __LINE__); } while (0)

#endif
