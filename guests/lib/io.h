/*
 * io.h: the x86 instructions a guest uses, as small inline functions
 * (port I/O and MSRs from klib/insn.h; CPUID, control registers, INVLPG).
 */
#ifndef GUEST_IO_H
#define GUEST_IO_H

#include "include/hvlab/types.h"
#include "include/klib/insn.h"   /* port I/O, rdmsr/wrmsr, cpu_relax: shared with hv */

struct cpuid_regs { u32 eax, ebx, ecx, edx; };

static inline struct cpuid_regs cpuid(u32 leaf, u32 subleaf)
{
	struct cpuid_regs r;
	__asm__ volatile("cpuid" : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx)
			 : "a"(leaf), "c"(subleaf));
	return r;
}

#define MSR_EFER   0xC0000080u
#define EFER_LME   BIT(8)
#define EFER_NXE   BIT(11)

#define CR0_WP     BIT(16)
#define CR4_PAE    BIT(5)
#define CR4_PGE    BIT(7)
#define CR4_SMEP   BIT(20)
#define CR4_SMAP   BIT(21)

#define DEFINE_CR(n) \
	static inline u64 read_cr##n(void) { u64 v; __asm__ volatile("mov %%cr" #n ", %0" : "=r"(v)); return v; } \
	static inline void write_cr##n(u64 v) { __asm__ volatile("mov %0, %%cr" #n :: "r"(v) : "memory"); }
DEFINE_CR(0)
DEFINE_CR(2)
DEFINE_CR(3)
DEFINE_CR(4)
#undef DEFINE_CR

static inline void invlpg(gva_t gva)
{
	__asm__ volatile("invlpg (%0)" :: "r"(gva) : "memory");
}


static inline __attribute__((noreturn)) void cpu_halt_forever(void)
{
	for (;;)
		__asm__ volatile("cli; hlt");
}

#endif
