/*
 * hypercall.h: the hypercall ABI between hvlab's hypervisor (hv/) and the
 * guest programs (guests/). One header, included by both sides.
 *
 * Calling convention (64-bit guest mode; a 32-bit guest uses the low halves):
 *   RAX = hypercall number (HC_*)
 *   RBX, RCX, RDX, RSI = arguments 0..3
 *   instruction: VMCALL on Intel VMX, VMMCALL on AMD SVM. The guest runtime
 *   picks the right one from CPUID (guests/lib/hypercall.c).
 *   On return RAX = result: >= 0 success, < 0 one of the HC_E* codes.
 *   All other registers are preserved.
 *
 * Detection: CPUID leaf 0x40000000 returns EAX = highest hypervisor leaf and
 * EBX:ECX:EDX = "hvlabhvlabhv" when running under hvlab.
 *
 * A bad argument (unknown number, guest address not backed by RAM, length
 * too large, slot id out of range) returns an error to the guest and leaves
 * a HYPERCALL trace record; it never stops or crashes the hypervisor.
 */
#ifndef HVLAB_HYPERCALL_H
#define HVLAB_HYPERCALL_H

#define HV_CPUID_LEAF      0x40000000u
#define HV_CPUID_SIG_EBX   0x616c7668u   /* "hvla" */
#define HV_CPUID_SIG_ECX   0x6c766862u   /* "bhvl" */
#define HV_CPUID_SIG_EDX   0x76686261u   /* "abhv" */

/* Hypercall numbers. Arguments in order a0..a3 (RBX, RCX, RDX, RSI). */
enum hc_nr {
	HC_CONSOLE_WRITE    = 1,  /* a0 = gpa of bytes, a1 = length (<= 4096) -> bytes written */
	HC_EXIT             = 2,  /* a0 = exit code (0..HC_EXIT_CODE_MAX); does not return */
	HC_MARKER           = 3,  /* a0 = gpa of label, a1 = length (<= 32) -> 0; writes a MARKER trace record */
	HC_INFO             = 4,  /* a0 = HC_INFO_* selector -> value */
	HC_MEMSLOT_CREATE   = 5,  /* a0 = slot id, a1 = base gpa, a2 = size bytes, a3 = HC_MEM_* flags -> 0 */
	HC_MEMSLOT_DELETE   = 6,  /* a0 = slot id -> 0 (zaps the range first) */
	HC_MEMSLOT_SET_FLAGS= 7,  /* a0 = slot id, a1 = HC_MEM_* flags -> 0 */
	HC_ZAP_RANGE        = 8,  /* a0 = first gfn, a1 = number of pages -> SPTEs zapped */
	HC_DIRTY_LOG_ENABLE = 9,  /* a0 = slot id, a1 = 1 on / 0 off -> 0 */
	HC_DIRTY_LOG_FETCH  = 10, /* a0 = slot id, a1 = gpa of bitmap, a2 = bitmap bytes
	                             -> number of dirty pages; the log is cleared and the
	                             TLB flushed before this returns (fetch-and-clear) */
	HC_AGE_RANGE        = 11, /* a0 = first gfn, a1 = number of pages -> pages that were young */
	HC_NR_MAX
};

/*
 * HC_EXIT's code is the run's status, so it must not look like one of the
 * statuses hv reports for itself (hv/core/panic.h HV_STATUS_*: 112 the guest
 * did something fatal, 113 missing capability, 114 hv panic, 115 bad boot;
 * the run scripts add 124 time limit and 125 no status). A guest therefore
 * exits with 0..111. A larger code is refused: hv ends the run as
 * guest-fatal (status 112) with the line "hv: guest asked to exit with code
 * N ...", so exit code 114 can never pass for an hv panic. (This is the one
 * bad argument that does not come back as an error: HC_EXIT never returns.)
 */
#define HC_EXIT_CODE_MAX  111

/* Memslot flags (HC_MEMSLOT_CREATE / HC_MEMSLOT_SET_FLAGS). */
#define HC_MEM_READONLY   (1u << 0)  /* guest writes are reported as MMIO writes and dropped */
#define HC_MEM_LOG_DIRTY  (1u << 1)  /* dirty logging on */
#define HC_MEM_ALLONES    (1u << 2)  /* PCI hole: reads return 0xff bytes, writes dropped;
                                        served as emulated MMIO, no pages mapped (seed 002) */

/* HC_INFO selectors. */
#define HC_INFO_VCPU_ID    0   /* this vCPU's index */
#define HC_INFO_NR_VCPUS   1
#define HC_INFO_MMU_MODE   2   /* 1 = tdp, 2 = shadow */
#define HC_INFO_VENDOR     3   /* 1 = VMX, 2 = SVM */
#define HC_INFO_MEM_BYTES  4   /* guest RAM size */
#define HC_INFO_AD_ENABLED 5   /* 1 if the TDP MMU uses hardware A/D bits */
#define HC_INFO_TRACE_ATTACHED 6  /* 1 if a trace collector drains hv's rings
                                     (0: tracing off or no collector yet) */

/* Results. */
#define HC_OK       0
#define HC_ENOENT  (-2)
#define HC_ENOMEM  (-12)
#define HC_EFAULT  (-14)   /* a guest buffer is not in guest RAM */
#define HC_EEXIST  (-17)   /* slot id in use, or range overlaps another slot */
#define HC_EINVAL  (-22)
#define HC_ENOSYS  (-38)   /* unknown hypercall number */

#define HC_MAX_SLOTS 32    /* slot ids 0..31; the hypervisor's own RAM slot is 0 */

#endif
