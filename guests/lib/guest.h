/*
 * guest.h: everything a guest program uses. A guest is one folder under
 * guests/ with a main.c defining
 *
 *   int main(void);              // runs on the boot CPU; its result is the exit code
 *   void ap_main(int cpu);       // optional: other CPUs started by smp_start_aps()
 *
 * By the time main runs the runtime has: checked the Multiboot magic,
 * copied the memory map and command line (bootinfo.h), loaded an IDT
 * (trap.h), enabled EFER.NXE if the CPU has NX, set up the frame
 * allocator (frames.h) and switched to the guest's own identity-mapped
 * page tables (paging.h).
 */
#ifndef GUEST_GUEST_H
#define GUEST_GUEST_H

#include "include/hvlab/types.h"
#include "include/hvlab/atomic.h"
#include "bootinfo.h"
#include "check.h"
#include "console.h"
#include "frames.h"
#include "hypercall.h"
#include "io.h"
#include "paging.h"
#include "probe.h"
#include "smp.h"
#include "trap.h"

int main(void);

/*
 * Stop the guest with an exit code (0..111; hv refuses larger codes as
 * guest-fatal, include/hvlab/hypercall.h HC_EXIT_CODE_MAX). Under hvlab: HC_EXIT.
 * Natively: isa-debug-exit (QEMU exits with (code << 1) | 1), then the
 * Bochs shutdown port, then halt forever.
 */
void guest_exit(int code) __attribute__((noreturn));

/* Does the CPU have NX (CPUID 0x80000001 EDX bit 20) and is EFER.NXE on? */
bool cpu_has_nx(void);

#endif
