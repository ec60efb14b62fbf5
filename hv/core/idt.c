/*
 * idt.c: hv's interrupt descriptor table. Exceptions in hv are bugs: they
 * go to panic() with the vector, error code, RIP and CR2. Two interrupt
 * vectors are used: KICK_VECTOR (a vCPU kick, request.h: just EOI; its
 * only job was to force a guest exit) and 0xff (APIC spurious: ignored).
 * hv runs with interrupts off except for the moment after a guest exit
 * where a pending kick is taken (exit.c, EXIT_EXTINT).
 */
#include "hv/core/idt.h"
#include "hv/core/apic.h"
#include "hv/core/panic.h"
#include "hv/core/request.h"
#include "hv/core/x86.h"

struct idt_entry {
	u16 offset_lo, selector;
	u8  ist, type_attr;          /* 0x8e: present, DPL 0, 64-bit interrupt gate */
	u16 offset_mid;
	u32 offset_hi, reserved;
} __attribute__((packed));

struct frame {
	u64 r15, r14, r13, r12, r11, r10, r9, r8, rbp, rdi, rsi, rdx, rcx, rbx, rax;
	u64 vector, error, rip, cs, rflags, rsp, ss;
};

extern const u64 isr_table[34];
static struct idt_entry idt[256] __attribute__((aligned(16)));

static void set_gate(int vec, u64 handler)
{
	idt[vec] = (struct idt_entry){
		.offset_lo = (u16)handler, .selector = 0x08, .type_attr = 0x8e,
		.offset_mid = (u16)(handler >> 16), .offset_hi = (u32)(handler >> 32),
	};
}

void idt_init(void)
{
	for (int i = 0; i < 32; i++)
		set_gate(i, isr_table[i]);
	set_gate(KICK_VECTOR, isr_table[32]);
	set_gate(0xff, isr_table[33]);
}

void idt_load(void)
{
	struct { u16 limit; u64 base; } __attribute__((packed)) ptr = {
		sizeof(idt) - 1, (u64)idt };
	__asm__ volatile("lidt %0" :: "m"(ptr));
}

void idt_dispatch(struct frame *f)
{
	if (f->vector == KICK_VECTOR) {
		apic_eoi();
		return;
	}
	if (f->vector == 0xff)
		return;
	panic("exception %lu in hv, error code 0x%lx, rip 0x%lx, cr2 0x%lx, rsp 0x%lx",
	      f->vector, f->error, f->rip, read_cr2(), f->rsp);
}
