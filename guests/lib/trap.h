/*
 * trap.h: exceptions and interrupts. Every vector lands in trap_dispatch
 * with a trapframe; a test can hook a vector:
 *
 *   static bool on_pf(struct trapframe *tf) { ...; tf->rip = resume; return true; }
 *   guest_set_fault_handler(14, on_pf);
 *
 * A hook returns true to resume at tf->rip / tf->rsp (which it may change),
 * false to fall through to the default: print vector, error code, CR2, RIP
 * and registers as a "TEST guest_exception FAIL" line and exit with 1.
 */
#ifndef GUEST_TRAP_H
#define GUEST_TRAP_H

#include "include/hvlab/types.h"

/* Pushed by vectors.S, lowest address first. */
struct trapframe {
	u64 r15, r14, r13, r12, r11, r10, r9, r8;
	u64 rbp, rdi, rsi, rdx, rcx, rbx, rax;
	u64 vector;
	u64 error;      /* 0 for vectors without an error code */
	/* The interrupt frame (SDM Vol. 3A 6.14.2, 64-bit mode always pushes SS:RSP). */
	u64 rip, cs, rflags, rsp, ss;
};

#define VEC_DE  0
#define VEC_BP  3
#define VEC_UD  6
#define VEC_DF  8
#define VEC_GP 13
#define VEC_PF 14

/* #PF error code bits (SDM Vol. 3A 4.7). */
#define PF_P    BIT(0)   /* 1: protection violation, 0: not present */
#define PF_W    BIT(1)   /* write access */
#define PF_U    BIT(2)   /* user-mode access */
#define PF_RSVD BIT(3)   /* reserved bit set in a paging entry */
#define PF_I    BIT(4)   /* instruction fetch */

typedef bool (*fault_handler_t)(struct trapframe *tf);

void idt_init(void);   /* build the IDT (once) */
void idt_load(void);   /* LIDT on this CPU */
void idt_allow_user(int vector);   /* gate DPL 3: INT n from ring 3 reaches it */
/* Hook a vector (NULL = default); returns the previous hook. */
fault_handler_t guest_set_fault_handler(int vector, fault_handler_t fn);
const char *vector_name(int vector);

#endif
