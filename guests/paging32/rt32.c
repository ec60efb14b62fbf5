/*
 * rt32.c: the 32-bit guest's runtime: COM1 console, printf, checks, exit
 * (hvlab hypercall, or QEMU's isa-debug-exit / Bochs's shutdown port when
 * native), the IDT and the trap handler behind the fault probes.
 */
#include <stdarg.h>
#include "rt32.h"
#include "include/hvlab/hypercall.h"

/* ---- memory ---- */
void *memset32(void *d, int c, u32 n)
{
	u8 *p = d;
	while (n--)
		*p++ = (u8)c;
	return d;
}

void *memcpy32(void *d, const void *s, u32 n)
{
	u8 *p = d;
	const u8 *q = s;
	while (n--)
		*p++ = *q++;
	return d;
}

/* gcc may emit calls to these for struct copies and initialisers. */
void *memset(void *d, int c, u32 n) { return memset32(d, c, n); }
void *memcpy(void *d, const void *s, u32 n) { return memcpy32(d, s, n); }

/* ---- console: polled 16550 on COM1 (hv and QEMU and Bochs all have it) ---- */
#define COM1 0x3f8

void console32_init(void)
{
	outb(COM1 + 1, 0x00);
	outb(COM1 + 3, 0x80);
	outb(COM1 + 0, 0x01);
	outb(COM1 + 1, 0x00);
	outb(COM1 + 3, 0x03);
	outb(COM1 + 2, 0x07);
	outb(COM1 + 4, 0x03);
}

static void putc32(char c)
{
	for (int i = 0; i < 100000 && !(inb(COM1 + 5) & 0x20); i++)
		__asm__ volatile("pause");
	outb(COM1, (u8)c);
}

static void write32(const char *s, u32 n)
{
	for (u32 i = 0; i < n; i++) {
		if (s[i] == '\n')
			putc32('\r');
		putc32(s[i]);
	}
}

/* ---- printf: %s %c %d %u %x %%, with a 0-padded width (%08x). 32-bit
 * values only: no 64-bit division (there is no libgcc for -m32 here). ---- */
struct buf { char *p; u32 len, cap; };

static void put(struct buf *b, char c)
{
	if (b->len + 1 < b->cap)
		b->p[b->len] = c;
	b->len++;
}

static void put_num(struct buf *b, u32 v, u32 base, int width, char pad)
{
	char tmp[12];
	int n = 0;
	do {
		u32 d = v % base;
		tmp[n++] = (char)(d < 10 ? '0' + d : 'a' + d - 10);
		v /= base;
	} while (v);
	while (width-- > n)
		put(b, pad);
	while (n)
		put(b, tmp[--n]);
}

static u32 vformat(char *out, u32 cap, const char *fmt, va_list ap)
{
	struct buf b = { out, 0, cap };
	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			put(&b, *fmt);
			continue;
		}
		fmt++;
		char pad = ' ';
		int width = 0;
		if (*fmt == '0')
			pad = '0';
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		switch (*fmt) {
		case 's': {
			const char *s = va_arg(ap, const char *);
			for (s = s ? s : "(null)"; *s; s++)
				put(&b, *s);
			break;
		}
		case 'c': put(&b, (char)va_arg(ap, int)); break;
		case 'd': {
			int v = va_arg(ap, int);
			if (v < 0) {
				put(&b, '-');
				put_num(&b, 0u - (u32)v, 10, width, pad);
			} else {
				put_num(&b, (u32)v, 10, width, pad);
			}
			break;
		}
		case 'u': put_num(&b, va_arg(ap, u32), 10, width, pad); break;
		case 'x': put_num(&b, va_arg(ap, u32), 16, width, pad); break;
		case '%': put(&b, '%'); break;
		default: put(&b, '%'); put(&b, *fmt); break;
		}
		if (!*fmt)
			break;
	}
	if (cap)
		out[b.len < cap ? b.len : cap - 1] = 0;
	return b.len < cap ? b.len : cap - 1;
}

int printf32(const char *fmt, ...)
{
	char line[256];
	va_list ap;
	va_start(ap, fmt);
	u32 n = vformat(line, sizeof(line), fmt, ap);
	va_end(ap);
	write32(line, n);
	return (int)n;
}

/* ---- checks ---- */
static u32 nr_failed;

bool check32(const char *name, bool ok, const char *file, int line, const char *fmt, ...)
{
	char detail[160];
	va_list ap;
	va_start(ap, fmt);
	vformat(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	if (!ok)
		nr_failed++;
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
	for (int i = 0; i < 1000000 && !(inb(COM1 + 5) & 0x40); i++)
		__asm__ volatile("pause");
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
	while (*s && *w == *s)
		w++, s++;
	return !*s && (!*w || *w == ' ');
}

const char *cmdline32_value(const char *key)
{
	for (const char *p = cmdline; *p; ) {
		while (*p == ' ')
			p++;
		const char *k = key, *w = p;
		while (*k && *w == *k)
			k++, w++;
		if (!*k && *w == '=')
			return w + 1;
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

volatile struct fault_record last_fault;

void fault_reset(void)
{
	memset32((void *)&last_fault, 0, sizeof(last_fault));
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
	printf32("paging32: unexpected exception %u (error 0x%x) at eip 0x%x, cr2 0x%x, cpl %u\n",
		 f->vector, f->error, f->eip, read_cr2(), f->cs & 3);
	guest32_exit(3);
}
