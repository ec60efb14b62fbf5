/* idt.h: hv's interrupt descriptor table (idt.c, isr.S). */
#ifndef HV_CORE_IDT_H
#define HV_CORE_IDT_H

void idt_init(void);    /* fill the table once (BSP) */
void idt_load(void);    /* load it on this CPU */

#endif
