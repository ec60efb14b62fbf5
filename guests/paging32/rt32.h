/*
 * rt32.h: the 32-bit guest's runtime (rt32.c, entry.S): console, checks,
 * traps, fault probes, the ring-3 excursion, the x86 instructions it
 * needs. Built with gcc -m32 -ffreestanding: no libc, no libgcc, so no
 * 64-bit division anywhere (printing a 64-bit PTE prints two 32-bit halves).
 * The types, string functions, vsnprintf, the UART and port I/O are
 * klib's (include/klib/README.md), compiled -m32 for this guest
 * (guests/guests.mk); only what a 32-bit guest needs beyond them is here.
 *
 * Check lines are those of guests/lib/check.h:
 *   TEST <name> PASS|FAIL <file>:<line> [detail]
 */
#ifndef PAGING32_RT32_H
#define PAGING32_RT32_H

#include "include/klib/klib.h"       /* types, memset/memcpy, vsnprintf, strncmp */
#include "include/klib/insn.h"       /* inb/outb, rdmsr/wrmsr */
#include "include/klib/uart.h"       /* the COM1 console */

_Static_assert(sizeof(u32) == 4 && sizeof(u64) == 8 && sizeof(void *) == 4,
	       "rt32 is for gcc -m32 only");

#define BIT32(n)  (1u << (n))
#define BIT64(n)  (1ull << (n))
/* 32 bits wide, unlike types.h's PAGE_SIZE (u64): an address computed
 * with it stays a u32. */
#define PAGE32 4096u

/* ---- console, exit, checks (rt32.c) ---- */
void console32_init(void);
int  printf32(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void guest32_exit(int code) __attribute__((noreturn));
bool check32(const char *name, bool ok, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
int  check32_failures(void);

#define CHECK32(name, cond) check32((name), (cond), __FILE__, __LINE__, "%s", #cond)
#define CHECK32F(name, cond, ...) check32((name), (cond), __FILE__, __LINE__, __VA_ARGS__)
#define CHECK32_EQ(name, got, want) ({ \
	u32 got_ = (u32)(got), want_ = (u32)(want); \
	check32((name), got_ == want_, __FILE__, __LINE__, "got 0x%x want 0x%x", got_, want_); \
})

/* ---- hvlab ---- */
bool under_hv(void);
bool cpu_intel(void);
long hc32(u32 nr, u32 a0, u32 a1, u32 a2, u32 a3);

/* ---- the Multiboot command line: is "word" one of its words? value of
 * "key=": pointer into the line (ends at a space), or NULL ---- */
void cmdline32_set(u32 magic, u32 mbi);
const char *cmdline32_value(const char *key);
bool word_eq(const char *w, const char *s);   /* w up to a space or NUL == s */

/* ---- CPUs (smp32.c starts the others) ----
 * Every CPU runs on a 16 KiB stack aligned to 16 KiB whose lowest word
 * holds its CPU number (entry.S: the boot CPU's, 0; smp32.c: the APs').
 * The boot CPU's interrupt and user stacks sit in the 16 KiB block above
 * its boot stack, whose lowest word is 0 too. */
#define CPU_STACK32 16384u
#define MAX_CPUS32  8
static inline u32 this_cpu32(void)
{
	u32 esp;
	__asm__ volatile("mov %%esp, %0" : "=r"(esp));
	return *(volatile u32 *)(esp & ~(CPU_STACK32 - 1));
}

/* A test-and-set lock (XCHG is a locked read-modify-write). */
struct lock32 { volatile u32 held; };
static inline void lock32(struct lock32 *l)
{
	u32 v;
	do {
		while (l->held)
			__asm__ volatile("pause");
		v = 1;
		__asm__ volatile("xchg %0, %1" : "+r"(v), "+m"(l->held) :: "memory");
	} while (v);
}
static inline void unlock32(struct lock32 *l)
{
	__asm__ volatile("" ::: "memory");   /* x86 stores are not reordered with older ones */
	l->held = 0;
}

/* ---- traps and probes ---- */
#define PROBE_FAULTED 0xfa17fa17u
struct fault_record {
	u32 count;       /* faults taken by probes since reset */
	u32 vector, error, cr2, eip;
	bool user;       /* taken at CPL 3 */
};
/* One record per CPU: a probe on one CPU must not see another's fault.
 * last_fault is the record of the CPU that names it. */
extern volatile struct fault_record fault_records[MAX_CPUS32];
#define last_fault (fault_records[this_cpu32()])
void fault_reset(void);

u32  probe_read32(u32 addr);
u32  probe_write32(u32 addr, u32 val);
u32  probe_fetch(u32 addr);            /* addr holds RET (0xC3) */
u32  probe_invpcid(u32 type, const void *desc);
u32  probe_mov_cr3(u32 value);
/* Ring 3: read or write one word; PROBE_FAULTED if it faulted. */
u32  user_call(void (*fn)(void), u32 ebx, u32 ecx);
void user_read(void);
void user_write(void);

/* ---- instructions (beside klib's insn.h) ---- */

struct cpuid32 { u32 eax, ebx, ecx, edx; };
static inline struct cpuid32 cpuid32(u32 leaf, u32 sub)
{
	struct cpuid32 r;
	__asm__ volatile("cpuid" : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx) : "a"(leaf), "c"(sub));
	return r;
}
#define DEFINE_CR32(n) \
	static inline u32 read_cr##n(void) { u32 v; __asm__ volatile("mov %%cr" #n ", %0" : "=r"(v)); return v; } \
	static inline void write_cr##n(u32 v) { __asm__ volatile("mov %0, %%cr" #n :: "r"(v) : "memory"); }
DEFINE_CR32(0)
DEFINE_CR32(2)
DEFINE_CR32(3)
DEFINE_CR32(4)
#undef DEFINE_CR32
static inline void invlpg32(u32 va) { __asm__ volatile("invlpg (%0)" :: "r"(va) : "memory"); }

#define CR0_PG   BIT32(31)
#define CR0_WP   BIT32(16)
#define CR4_PSE  BIT32(4)
#define CR4_PAE  BIT32(5)
#define CR4_PGE  BIT32(7)
#define MSR_EFER 0xC0000080u
#define EFER_NXE BIT64(11)

#endif
