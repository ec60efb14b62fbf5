/*
 * config.h: the scenario of one run, parsed from the command lines.
 *
 * Options are key=value words. hv reads them from its own command line
 * (QEMU -append) and then from the guest module's line (QEMU -initrd
 * "guest.elf options"), the later one winning. The guest gets the module's
 * whole line unchanged; it ignores keys it does not know.
 *
 *   mmu=tdp|shadow      memory virtualization (default tdp)
 *   vcpus=N             vCPUs, 1..HVT_MAX_CPUS, one per physical CPU (default 1)
 *   mem=MiB             guest RAM (default 32)
 *   trace=on|off|lossy|port  trace rings (default on when trace_key is given);
 *                       port: no shared RAM, records leave through trace_port.c
 *   trace_key=0x...     key the host collector looks for (trace/hvt_format.h)
 *   trace_wait=S        with trace_key (rings in shared RAM): wait at most S
 *                       seconds (default 10, 0 = no wait) for the collector
 *                       before the guest runs (trace.c trace_wait_collector)
 *   mmu_check=1         at the end of the run, check every MMU invariant
 *                       (mmu_check, mmu/DESIGN.md); a violation is a panic
 *   shadow_unsync=0     mmu=shadow: no unsync pages, every guest PTE write traps
 *   shadow_prefetch=0   mmu=shadow: map only the faulting gPTE
 *   shadow_sync=wrong   mmu=shadow: seed 000's wrong sync rule (also skip SPTEs
 *                       that only gain write access), for the lab
 *   shadow_pages=N      mmu=shadow: at most N shadow pages (mmu/SHADOW.md 5.14; default
 *                       20 per 1000 guest pages, at least 64); the oldest unused
 *                       ones are zapped to make room (the end-of-run line counts them)
 *   hv_selftest=panic   panic on purpose in the guest's first hypercall exit,
 *                       to check the fatal path (hv/test/qemu-tests.sh)
 *   hv_selftest=nostop  the APs' vCPUs never report that they stopped, to
 *                       check that the end of the run is bounded (vm.c)
 */
#ifndef HV_CORE_CONFIG_H
#define HV_CORE_CONFIG_H

#include "include/hvlab/types.h"

struct boot_config {
	hpa_t guest_start, guest_end;   /* the guest module: [start, end) */
	const char *guest_cmdline;      /* its whole command line */
	int  mmu_mode;                  /* HVT_MMU_TDP / HVT_MMU_SHADOW */
	int  nr_vcpus;
	u64  mem_mib;
	u64  trace_key;
	bool trace_on, trace_lossy;
	u64  trace_wait_s;              /* trace_wait=S */
	bool selftest_panic;            /* hv_selftest=panic */
	bool selftest_nostop;           /* hv_selftest=nostop */
	bool mmu_check;                 /* mmu_check=1 */
	u32  shadow_flags;              /* SHADOW_CFG_*: shadow_unsync=0, shadow_prefetch=0,
	                                   shadow_sync=wrong (mmu/mmu.h mmu_config) */
	u64  shadow_pages;              /* shadow_pages=N, 0 = the MMU's default budget */
	bool trace_port;                /* trace=port: stream records out through an I/O
	                                   port (Bochs, hv/core/trace_port.c) */
};

#define SHADOW_CFG_NO_UNSYNC   BIT(0)
#define SHADOW_CFG_NO_PREFETCH BIT(1)
#define SHADOW_CFG_SKIP_WADD   BIT(2)

/* Fill cfg from the Multiboot info; a bad option ends the run with a clear line. */
void config_parse(u32 mbi_pa, struct boot_config *cfg);

#endif
