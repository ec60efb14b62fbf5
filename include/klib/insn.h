/*
 * insn.h: the x86 instructions that hv (hv/core/x86.h) and the guests
 * (guests/lib/io.h) wrap the same way: port I/O, RDMSR/WRMSR, PAUSE. Each
 * of them adds the others it needs (CPUID, control registers, ...) in its
 * own header.
 */
#ifndef KLIB_INSN_H
#define KLIB_INSN_H

#include "include/hvlab/types.h"

static inline void outb(u16 port, u8 v)  { __asm__ volatile("outb %0, %1" :: "a"(v), "Nd"(port)); }
static inline void outw(u16 port, u16 v) { __asm__ volatile("outw %0, %1" :: "a"(v), "Nd"(port)); }
static inline void outl(u16 port, u32 v) { __asm__ volatile("outl %0, %1" :: "a"(v), "Nd"(port)); }
static inline u8  inb(u16 port) { u8 v;  __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline u16 inw(u16 port) { u16 v; __asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline u32 inl(u16 port) { u32 v; __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port)); return v; }

static inline u64 rdmsr(u32 msr)
{
	u32 lo, hi;
	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((u64)hi << 32) | lo;
}

static inline void wrmsr(u32 msr, u64 v)
{
	__asm__ volatile("wrmsr" :: "c"(msr), "a"((u32)v), "d"((u32)(v >> 32)));
}

/* In a spin-wait loop: tells the CPU (and a hypervisor's pause-loop
 * exiting) that this CPU is only waiting. */
static inline void cpu_relax(void) { __asm__ volatile("pause" ::: "memory"); }

#endif
