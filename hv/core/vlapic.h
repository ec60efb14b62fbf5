/*
 * vlapic.h: the emulated local APIC each vCPU sees at gpa 0xfee00000
 * (xAPIC MMIO, Intel SDM vol 3 ch. 11 / AMD APM vol 2 ch. 16). hv emulates
 * the registers a small guest needs: ID, version, TPR, EOI, LDR/DFR, SVR,
 * ISR/IRR reads, ICR (INIT, SIPI and fixed IPIs between vCPUs) and LVT
 * reads/writes (stored; no timer).
 */
#ifndef HV_CORE_VLAPIC_H
#define HV_CORE_VLAPIC_H

#include "include/hvlab/types.h"

#define LAPIC_GPA        0xfee00000ull
#define LAPIC_SIZE       0x1000ull

struct vcpu;

struct vlapic {
	u32 id;                  /* APIC ID = vCPU index */
	u32 tpr, svr, ldr, dfr;
	u32 icr_lo, icr_hi;
	u32 lvt[7];              /* CMCI, timer, thermal, perf, LINT0, LINT1, error */
	u32 timer_icr, timer_dcr, esr;
	volatile u64 irr[4];     /* requested vectors; set by any CPU (atomic or) */
	u64 isr[4];              /* in service; owner vCPU only */
	volatile u32 init_pending;   /* an INIT arrived (owner clears) */
	volatile u32 sipi_pending;   /* a SIPI arrived; vector in sipi_vector */
	volatile u32 sipi_vector;
};

void vlapic_reset(struct vcpu *v);
/* MMIO access at offset (0..0xfff) of the APIC page; 4-byte registers. */
u32  vlapic_read(struct vcpu *v, u32 offset);
void vlapic_write(struct vcpu *v, u32 offset, u32 value);
/* Highest pending vector above the in-service one, or -1. */
int  vlapic_pending_vector(struct vcpu *v);
/* The vector is being delivered: move it from IRR to ISR. */
void vlapic_accept(struct vcpu *v, int vector);
/* Post a fixed interrupt to a vCPU (from another vCPU's ICR write). */
void vlapic_post(struct vcpu *target, int vector);

#endif
