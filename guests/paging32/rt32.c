/*
 * rt32.c: the 32-bit guest's runtime: COM1 console (klib's UART and
 * vsnprintf), checks, exit (hvlab hypercall, or QEMU's isa-debug-exit /
 * Bochs's shutdown port when native), the command line, the IDT and the
 * trap handler behind the fault probes.
 */
#include <stdarg.h>
#include "rt32.h"
#include "include/hvlab/hypercall.h"

/* ---- console: klib's polled 16550 on COM1 (hv, QEMU and Bochs all have it) ---- */
void console32_init(void)
{
	uart_init(UART_COM1);
}

/* One line at most 255 characters (a longer one is cut). The line is
 * written whole under a lock, so lines of several CPUs never interleave. */
static struct lock32 console_lock;

int printf32(const char *fmt, ...)
{
	char line[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(line) - 1)
		n = (int)sizeof(line) - 1;
	lock32(&console_lock);
	uart_write(UART_COM1, line, (size_t)n);
	unlock32(&console_lock);
	return n;
}

/* ---- checks ---- */
static volatile u32 nr_failed;      /* added to by every CPU: a locked add */

bool check32(const char *name, bool ok, const char *file, int line, const char *fmt, ...)
{
	char detail[160];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	if (!ok)
		__atomic_fetch_add(&nr_failed, 1, __ATOMIC_SEQ_CST);
	if (ok && fmt[0] == '%' && fmt[1] == 's' && !fmt[2])
		printf32("TEST %s PASS %s:%d\n", name, file, line);
	else
		printf32("TEST %s %s %s:%d %s\n", name, ok ? "PASS" : "FAIL", file, line, detail);
	return ok;
}

int check32_failures(void) { return (int)nr_failed; }

/* ---- hvlab detection and hypercalls (include/hvlab/hypercall.h: a
 * 32-bit guest passes the low halves; VMCALL on Intel, VMMCALL on AMD) ---- */
bool cpu_intel(void)
{
	struct cpuid32 r = cpuid32(0, 0);
	return r.ebx == 0x756e6547 && r.edx == 0x49656e69 && r.ecx == 0x6c65746e;
}

bool under_hv(void)
{
	struct cpuid32 r = cpuid32(HV_CPUID_LEAF, 0);
	return r.ebx == HV_CPUID_SIG_EBX && r.ecx == HV_CPUID_SIG_ECX && r.edx == HV_CPUID_SIG_EDX;
}

long hc32(u32 nr, u32 a0, u32 a1, u32 a2, u32 a3)
{
	long ret = (long)nr;
	if (cpu_intel())
		__asm__ volatile("vmcall" : "+a"(ret) : "b"(a0), "c"(a1), "d"(a2), "S"(a3) : "memory");
	else
		__asm__ volatile("vmmcall" : "+a"(ret) : "b"(a0), "c"(a1), "d"(a2), "S"(a3) : "memory");
	return ret;
}

void guest32_exit(int code)
{
	uart_flush(UART_COM1);                      /* the last line out first */
	if (under_hv())
		hc32(HC_EXIT, (u32)code & 0xff, 0, 0, 0);
	outb(0xf4, (u8)code);                       /* QEMU isa-debug-exit */
	for (const char *s = "Shutdown"; *s; s++)    /* Bochs */
		outb(0x8900, (u8)*s);
	for (;;)
		__asm__ volatile("cli; hlt");
}

/* ---- command line ---- */
static const char *cmdline = "";

void cmdline32_set(u32 magic, u32 mbi)
{
	/* Multiboot info flags bit 2: cmdline (offset 16) is valid. */
	if (magic == 0x2BADB002u && (*(const u32 *)mbi & BIT32(2)))
		cmdline = (const char *)*(const u32 *)(mbi + 16);
}

bool word_eq(const char *w, const char *s)
{
	size_t n = strlen(s);
	return !strncmp(w, s, n) && (!w[n] || w[n] == ' ');
}

const char *cmdline32_value(const char *key)
{
	size_t n = strlen(key);
	for (const char *p = cmdline; *p; ) {
		while (*p == ' ')
			p++;
		if (!strncmp(p, key, n) && p[n] == '=')
			return p + n + 1;
		while (*p && *p != ' ')
			p++;
	}
	return NULL;
}

/* ---- IDT and traps ---- */
struct frame32 {
	u32 edi, esi, ebp, esp0, ebx, edx, ecx, eax;   /* PUSHA */
	u32 vector, error;
	u32 eip, cs, eflags;
	u32 user_esp, user_ss;                       /* only from CPL 3 */
};

extern u64 idt[256];
extern const u32 trap_stubs[21];
extern const u32 probe_table[], probe_table_end[];
extern void fetch_fixup(void);
void user_return(u32 result) __attribute__((noreturn));
void trap32(struct frame32 *f);
void idt_fill(void);

volatile struct fault_record fault_records[MAX_CPUS32];

void fault_reset(void)
{
	memset((void *)&last_fault, 0, sizeof(last_fault));
}

static u64 gate(u32 handler, u32 dpl)
{
	/* 32-bit interrupt gate (type 0xE), present, selector 0x08 */
	return (u64)(handler & 0xffff) | ((u64)0x08 << 16) |
	       ((u64)(0x8e00 | (dpl << 13)) << 32) | ((u64)(handler >> 16) << 48);
}

void idt_fill(void)
{
	for (u32 v = 0; v < 20; v++)
		idt[v] = gate(trap_stubs[v], 0);
	idt[0x80] = gate(trap_stubs[20], 3);    /* INT 0x80 from ring 3: back to ring 0 */
}

static void record(struct frame32 *f, bool user)
{
	last_fault.count++;
	last_fault.vector = f->vector;
	last_fault.error = f->error;
	last_fault.cr2 = f->vector == 14 ? read_cr2() : 0;
	last_fault.eip = f->eip;
	last_fault.user = user;
}

void trap32(struct frame32 *f)
{
	bool user = (f->cs & 3) == 3;

	if (user && f->vector == 0x80)
		user_return(f->eax);                 /* the ring-3 body is done */
	if (user && (f->vector == 14 || f->vector == 13)) {
		record(f, true);
		user_return(PROBE_FAULTED);
	}
	if (!user && (f->vector == 14 || f->vector == 13)) {
		for (const u32 *p = probe_table; p < probe_table_end; p += 2) {
			if (p[0] == f->eip) {
				record(f, false);
				f->eip = p[1];
				return;
			}
		}
		if (f->vector == 14 && f->eip == read_cr2()) {   /* probe_fetch's target */
			record(f, false);
			f->eip = (u32)fetch_fixup;
			return;
		}
	}
	printf32("paging32: unexpected exception %u (error 0x%x) at eip 0x%x, cr2 0x%x, cpl %u, cpu %u\n",
		 f->vector, f->error, f->eip, read_cr2(), f->cs & 3, this_cpu32());
	guest32_exit(3);
}
