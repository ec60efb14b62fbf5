/*
 * x86.h: thin inline wrappers around the x86-64 instructions hv uses
 * (port I/O and MSRs from klib/insn.h; control registers, CPUID, TSC).
 * No policy here.
 */
#ifndef HV_CORE_X86_H
#define HV_CORE_X86_H

#include "include/hvlab/types.h"
#include "include/klib/insn.h"   /* port I/O, rdmsr/wrmsr, cpu_relax: shared with the guests */

#define MSR_EFER          0xc0000080u
#define MSR_GS_BASE       0xc0000101u
#define MSR_APIC_BASE     0x0000001bu
#define EFER_LME          BIT(8)
#define EFER_LMA          BIT(10)
#define EFER_NXE          BIT(11)
#define EFER_SVME         BIT(12)

#define CR0_PE  BIT(0)
#define CR0_ET  BIT(4)
#define CR0_NE  BIT(5)
#define CR0_WP  BIT(16)
#define CR0_PG  BIT(31)

static inline void cpuid(u32 leaf, u32 sub, u32 *a, u32 *b, u32 *c, u32 *d)
{
	__asm__ volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d)
			 : "a"(leaf), "c"(sub));
}

static inline u64 rdtsc(void)
{
	u32 lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((u64)hi << 32) | lo;
}

static inline u64 read_cr0(void) { u64 v; __asm__ volatile("mov %%cr0, %0" : "=r"(v)); return v; }
static inline u64 read_cr2(void) { u64 v; __asm__ volatile("mov %%cr2, %0" : "=r"(v)); return v; }
static inline u64 read_cr3(void) { u64 v; __asm__ volatile("mov %%cr3, %0" : "=r"(v)); return v; }
static inline u64 read_cr4(void) { u64 v; __asm__ volatile("mov %%cr4, %0" : "=r"(v)); return v; }
static inline void write_cr3(u64 v) { __asm__ volatile("mov %0, %%cr3" :: "r"(v) : "memory"); }

static inline void cli(void) { __asm__ volatile("cli" ::: "memory"); }
static inline _Noreturn void halt_forever(void) { for (;;) __asm__ volatile("cli; hlt"); }

#endif
