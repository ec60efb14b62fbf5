/*
 * smp.h: starting hv's application processors (INIT-SIPI-SIPI through the
 * real local APIC, Intel SDM vol 3 8.4.4 / AMD APM vol 2 16.5) and stopping
 * them at the end of a run.
 */
#ifndef HV_CORE_SMP_H
#define HV_CORE_SMP_H

/* Start CPUs 1..n-1 (APIC IDs 1..n-1); each runs vCPU i. Returns how many
 * CPUs are online (including the BSP). */
int  smp_start_aps(int n);
/* Ask the other CPUs to stop what they do (end of run, panic). */
void smp_stop_others(void);

#endif
