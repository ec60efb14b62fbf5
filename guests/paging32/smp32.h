/*
 * smp32.h: more than one CPU in paging32 (smp32.c, ap32.S). The boot CPU,
 * with paging on, wakes CPUs 1..n-1 one after the other with the xAPIC
 * INIT-SIPI sequence (SDM Vol. 3A 9.4.4.1); each runs ap32.S's real-mode
 * trampoline into 32-bit protected mode with the boot CPU's CR0, CR3, CR4
 * and EFER.NXE, loads the guest's GDT and IDT and calls ap_main32(cpu) on
 * its own 16 KiB stack (rt32.h: this_cpu32()). CPU i is the one whose
 * local APIC ID is i (true for QEMU, Bochs and hvlab).
 */
#ifndef PAGING32_SMP32_H
#define PAGING32_SMP32_H

#include "pt32.h"

/* The xAPIC page (SDM Vol. 3A Table 11-1); smp32_start maps it uncached. */
#define LAPIC32_GPA 0xFEE00000u

/* How many CPUs to run: hvlab's HC_INFO_NR_VCPUS under hv, else the
 * "vcpus=N" word of the command line (QEMU -smp N), else 1. 0 if the
 * number is bad (the message says why). */
u32  smp32_nr_cpus(void);
/* Map the local APIC in every given address space (each CPU may load any
 * of them), copy the trampoline and start CPUs 1..n-1. Returns how many
 * APs reached ap_main32. */
u32  smp32_start(u32 n, struct aspace *const *spaces, u32 nr_spaces);

/* This CPU's local APIC ID (xAPIC: bits 31:24 of the ID register). */
u32  lapic_id32(void);

/* Provided by the workload (mp32.c): what an AP runs; it returns when the
 * AP is done, and the AP halts. */
void ap_main32(u32 cpu);

#endif
