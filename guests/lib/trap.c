/*
 * trap.c: the IDT (SDM Vol. 3A 6.14.1 "64-Bit Mode IDT") and the C side
 * of every exception: a test's hook, or the fatal report.
 */
#include "trap.h"
#include "console.h"
#include "guest.h"
#include "io.h"

/* A 16-byte interrupt gate. */
struct idt_gate {
	u16 offset_lo;
	u16 selector;
	u8  ist;
	u8  type_attr;      /* 0x8E: present, DPL 0, 64-bit interrupt gate */
	u16 offset_mid;
	u32 offset_hi;
	u32 reserved;
} __attribute__((packed));

_Static_assert(sizeof(struct idt_gate) == 16, "IDT gate is 16 bytes");

#define SEL_CODE64 0x08
#define STUB_SIZE  16

extern char trap_vectors[];

static struct idt_gate idt[256] __attribute__((aligned(16)));
static fault_handler_t hooks[256];

void idt_init(void)
{
	for (int v = 0; v < 256; v++) {
		u64 off = (u64)trap_vectors + v * STUB_SIZE;
		idt[v] = (struct idt_gate){
			.offset_lo = off & 0xffff, .selector = SEL_CODE64,
			.type_attr = 0x8E, .offset_mid = (off >> 16) & 0xffff,
			.offset_hi = off >> 32,
		};
	}
	idt_load();
}

void idt_allow_user(int vector)
{
	idt[vector & 255].type_attr = 0xEE;   /* present, DPL 3, interrupt gate */
}

void idt_load(void)
{
	struct { u16 limit; u64 base; } __attribute__((packed)) ptr = {
		sizeof(idt) - 1, (u64)idt,
	};
	__asm__ volatile("lidt %0" :: "m"(ptr));
}

fault_handler_t guest_set_fault_handler(int vector, fault_handler_t fn)
{
	fault_handler_t old = hooks[vector & 255];

	hooks[vector & 255] = fn;
	return old;
}

const char *vector_name(int vector)
{
	static const char *const names[32] = {
		"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM",
		"#DF", "CSO", "#TS", "#NP", "#SS", "#GP", "#PF", "-",
		"#MF", "#AC", "#MC", "#XM", "#VE", "#CP",
	};
	if (vector < 32 && names[vector])
		return names[vector];
	return "irq";
}

static void report_fatal(const struct trapframe *tf)
{
	printf("TEST guest_exception FAIL %s:%d vector=%lu (%s) error=0x%lx cr2=0x%lx rip=0x%lx cpu=%d\n",
	       __FILE__, __LINE__, tf->vector, vector_name(tf->vector), tf->error,
	       read_cr2(), tf->rip, this_cpu());
	printf("  rax=%016lx rbx=%016lx rcx=%016lx rdx=%016lx\n", tf->rax, tf->rbx, tf->rcx, tf->rdx);
	printf("  rsi=%016lx rdi=%016lx rbp=%016lx rsp=%016lx\n", tf->rsi, tf->rdi, tf->rbp, tf->rsp);
	printf("  r8 =%016lx r9 =%016lx r10=%016lx r11=%016lx\n", tf->r8, tf->r9, tf->r10, tf->r11);
	printf("  rflags=%lx cs=%lx cr0=%lx cr3=%lx cr4=%lx\n", tf->rflags, tf->cs,
	       read_cr0(), read_cr3(), read_cr4());
}

void trap_dispatch(struct trapframe *tf)
{
	fault_handler_t fn = hooks[tf->vector & 255];

	if (fn && fn(tf))
		return;
	report_fatal(tf);
	guest_exit(1);
}
