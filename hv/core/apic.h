/*
 * apic.h: the host's (real) local APIC in xAPIC mode at 0xfee00000, used
 * for hv's own IPIs: INIT-SIPI-SIPI to start APs and kicks to vCPUs.
 */
#ifndef HV_CORE_APIC_H
#define HV_CORE_APIC_H

#include "include/hvlab/types.h"

void apic_init_this(void);           /* software-enable this CPU's APIC */
u32  apic_id(void);
void apic_eoi(void);
void apic_send_fixed(u32 apic_id, u8 vector);
void apic_send_init(u32 apic_id);
void apic_send_sipi(u32 apic_id, u8 vector);

#endif
