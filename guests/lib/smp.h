/*
 * smp.h: more than one CPU. smp_start_aps(n) wakes CPUs 1..n-1 one after
 * the other with the xAPIC INIT-SIPI-SIPI sequence (SDM Vol. 3A 9.4.4.1
 * "Typical BSP Initialization Sequence"); each runs the real-mode
 * trampoline (trampoline.S) to long mode on the boot CPU's page tables,
 * loads the GDT and IDT, and calls ap_main(cpu) on its own 16 KiB stack.
 * CPU i is the one whose local APIC ID is i (true for QEMU and hvlab).
 *
 * this_cpu() reads the CPU number from the bottom word of the current
 * stack: every CPU's stack is 16 KiB, 16 KiB-aligned, and starts with it.
 */
#ifndef GUEST_SMP_H
#define GUEST_SMP_H

#include "include/hvlab/types.h"

#define CPU_STACK_SIZE 16384
#define MAX_CPUS 64

static inline int this_cpu(void)
{
	u64 rsp;

	__asm__ volatile("mov %%rsp, %0" : "=r"(rsp));
	return *(volatile u32 *)(rsp & ~(u64)(CPU_STACK_SIZE - 1));
}

/* Start CPUs 1..n-1; returns how many came up. */
int  smp_start_aps(int n);
/* CPUs that have entered ap_main (the boot CPU not counted). */
int  smp_aps_online(void);

/* Provided by an SMP guest; the runtime's default just returns. */
void ap_main(int cpu);

/* xAPIC registers (SDM Vol. 3A Table 11-1), at LAPIC_GPA; paging.c maps it uncached. */
#define LAPIC_GPA 0xfee00000ul
u32  lapic_read(u32 reg);
void lapic_write(u32 reg, u32 value);
u32  lapic_id(void);

#endif
