/*
 * exit.h: handlers for the neutral exits, one file per kind of device or
 * event (dispatch in exit.c).
 */
#ifndef HV_CORE_EXIT_H
#define HV_CORE_EXIT_H

#include "hv/core/vcpu.h"

void exit_io(struct vcpu *v, struct exit_info *e);          /* io.c */
/* An OUT to isa-debug-exit (0xf4..0xf7) or the Bochs shutdown port
 * (0x8900): true if port is one of them (the VM may be stopping). */
bool poweroff_port_write(struct vcpu *v, u16 port, u32 value);  /* poweroff.c */
void exit_npf(struct vcpu *v, struct exit_info *e);         /* mmio.c */
/* mmio.c: emulate an access the MMU returned as MMIO of kind (enum
 * hvt_mmio_kind; an unbacked gpa in the LAPIC page is the LAPIC): reads
 * all ones / RAM, writes dropped, UNBACKED elsewhere stops the VM. gva: the guest-virtual address for the
 * message under mmu=shadow, (gva_t)-1 if none. */
void mmio_access(struct vcpu *v, gpa_t gpa, int kind, bool write, gva_t gva);
void exit_hypercall(struct vcpu *v, struct exit_info *e);   /* hypercall.c */
void exit_msr(struct vcpu *v, struct exit_info *e);         /* msr.c */
void exit_cr_write(struct vcpu *v, struct exit_info *e);    /* cr.c */
/* mmu=shadow (shadow_exit.c) */
void exit_shadow_pf(struct vcpu *v, struct exit_info *e);   /* guest #PF intercepted */
void exit_shadow_invlpg(struct vcpu *v, struct exit_info *e);
void exit_shadow_invpcid(struct vcpu *v, struct exit_info *e);
void shadow_cr_written(struct vcpu *v, int cr);             /* after set_cr of CR0/3/4 */
void shadow_vcpu_start(struct vcpu *v);                     /* before the first entry */

/* Advance past the exiting instruction (len from the exit, or the given
 * fallback when the backend could not tell). */
void skip_insn(struct vcpu *v, const struct exit_info *e, u8 fallback_len);

#endif
