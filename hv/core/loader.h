/*
 * loader.h: putting the guest into guest memory the way a Multiboot v1
 * loader would (Multiboot Specification 0.6.96, 3.2 "Machine state").
 */
#ifndef HV_CORE_LOADER_H
#define HV_CORE_LOADER_H

#include "include/hvlab/types.h"

struct vm;
struct boot_config;

/* Load the ELF32 guest from cfg's module, build its Multiboot info block
 * (memory map, command line) and set vCPU 0's registers: EIP = entry,
 * EAX = 0x2BADB002, EBX = gpa of the info block. A malformed guest ends the
 * run with a clear line (HV_STATUS_BADCONFIG). */
void guest_load(struct vm *vm, const struct boot_config *cfg);

#endif
