/* tsc.h: the TSC frequency, measured once at boot (tsc.c); 0 if unknown. */
#ifndef HV_CORE_TSC_H
#define HV_CORE_TSC_H

#include "include/hvlab/types.h"

extern u64 tsc_hz;
void tsc_calibrate(void);

#endif
