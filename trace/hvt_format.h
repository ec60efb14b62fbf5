/*
 * hvt_format.h: the hvlab trace format. ONE header, shared by the hypervisor
 * (hv/), the portable MMU (mmu/), the host tools (hvtrace, hvtui) and tests.
 * trace/FORMAT.md documents every field as OFFSET / SIZE / DESCRIPTION tables;
 * keep the two in step (static asserts below pin the layout).
 *
 * A trace file (.hvt) is:
 *     struct hvt_stream_header            (HVT_HEADER_SIZE bytes)
 *     struct hvt_record  x N              (HVT_RECORD_SIZE bytes each)
 * Records are sorted by seq, and seq runs 0,1,2,... with no gap (T1).
 * All integers little-endian.
 *
 * Invariants (cited as T1.. in code and tests):
 *  T1  seq is a global total order: every reserved seq produces exactly one
 *      record; a file has seq 0..N-1 in order, no gap, no duplicate.
 *  T2  For each SPTE (identified by sptep = host physical address of the
 *      entry), the old value of an SPTE_CHANGE equals the new value of the
 *      previous SPTE_CHANGE of that sptep, ignoring the A and D bits that the
 *      CPU sets without a record (masks in the stream header).
 *  T3  seq is reserved BEFORE the SPTE is written and the record is emitted
 *      after, so for two writers of one SPTE the seq order is the write order.
 *      A compare-exchange that loses a race still emits its record, with
 *      HVT_F_LOST_RACE set and new == old (nothing written).
 *  T4  Within one vCPU's ring, seq only increases.
 */
#ifndef HVLAB_HVT_FORMAT_H
#define HVLAB_HVT_FORMAT_H

#include "../include/hvlab/types.h"

#define HVT_MAGIC        "HVTRACE"   /* 8 bytes with the NUL */
#define HVT_VERSION      1u
#define HVT_HEADER_SIZE  1024u
#define HVT_RECORD_SIZE  64u
#define HVT_NO_VCPU      0xffffu     /* record made outside any vCPU (VMM context) */

/* ---- record types ------------------------------------------------------- */
enum hvt_type {
	HVT_SPTE_CHANGE = 1,  /* a=gfn b=sptep c=old d=new e=root hpa; level; reason=hvt_spte_reason */
	HVT_TLB_FLUSH   = 2,  /* a=first gfn b=npages (0=all) c=zapped SPTEs covered d=vcpu mask;
	                         reason=hvt_flush_reason aux16=hvt_flush_scope */
	HVT_FAULT       = 3,  /* start of a fault: a=fault address (gpa for TDP, gva for shadow)
	                         b=error code / exit qualification c=gpa (if known) d=guest rip;
	                         reason=hvt_fault_kind */
	HVT_FAULT_END   = 4,  /* a=fault address b=seq of the HVT_FAULT c=level mapped (0 none)
	                         d=SPTEs written; aux16=hvt_fault_result reason=hvt_fault_kind */
	HVT_FAST_FAULT  = 5,  /* a=gpa b=error code c=old d=new e=sptep; aux16=hvt_fault_result */
	HVT_WALK_STEP   = 6,  /* guest page-table walk: a=gva b=gpte c=gpa of gpte; level;
	                         reason=1 if this step ended the walk with a fault */
	HVT_SP_EVENT    = 7,  /* shadow page: a=gfn b=role word c=sp table hpa d=1 if newly created;
	                         level; reason=hvt_sp_reason */
	HVT_PT_ALLOC    = 8,  /* a=table hpa b=first gfn it covers c=root hpa; level */
	HVT_PT_FREE     = 9,  /* a=table hpa b=first gfn c=seq of the unlink (SPTE_CHANGE);
	                         level; reason=hvt_free_reason */
	HVT_MEMSLOT     = 10, /* a=base gfn b=npages c=flags d=slot id e=generation; reason=hvt_memslot_op */
	HVT_CACHE_TOPUP = 11, /* a=objects before b=minimum required c=objects after; reason=cache id */
	HVT_MMIO        = 12, /* a=gpa b=value c=length d=guest rip; reason=0 read / 1 write;
	                         aux16=hvt_mmio_kind */
	HVT_EXIT        = 13, /* a=raw vendor exit code b=qualification/exitinfo1 c=info2 d=guest rip;
	                         reason=hvt_exit_kind */
	HVT_ENTRY       = 14, /* a=guest rip */
	HVT_HYPERCALL   = 15, /* a=number b=arg0 c=arg1 d=result */
	HVT_MARKER      = 16, /* label: up to 40 bytes in a..e (NUL-padded) */
	HVT_DROP        = 17, /* lossy mode only: a=records dropped on this ring since its
	                         previous DROP b=first dropped seq c=last dropped seq */
	HVT_GRACE       = 18, /* a quiescent-state grace period completed: a=generation b=tables freed */
	HVT_REQUEST     = 19, /* vCPU request: a=request bits b=target vcpu mask; reason=1 kick sent */
	HVT_TYPE_MAX
};

/* Why an SPTE changed (HVT_SPTE_CHANGE.reason). */
enum hvt_spte_reason {
	HVT_SR_MAP = 1,        /* fault installs a leaf or links a table */
	HVT_SR_ZAP,            /* range / memslot / teardown zap */
	HVT_SR_WRPROT,         /* write-protect (dirty logging, shadowed gPT) */
	HVT_SR_CLEAR_DIRTY,    /* clear D for dirty logging */
	HVT_SR_AGE,            /* clear A / mark for access tracking */
	HVT_SR_SPLIT,          /* huge page split */
	HVT_SR_FREEZE,         /* set to the frozen value while a table is removed */
	HVT_SR_FAST_FIX,       /* fast page fault, outside the lock */
	HVT_SR_MMIO,           /* install an MMIO SPTE */
	HVT_SR_SYNC,           /* shadow: sync_page re-derived the SPTE */
	HVT_SR_PREFETCH,       /* shadow: prefetch of a neighbouring gPTE */
	HVT_SR_TEARDOWN,       /* VM teardown */
	HVT_SR_MAX
};

enum hvt_flush_scope {
	HVT_FS_LOCAL_ALL = 1,  /* this vCPU, whole ASID/VPID */
	HVT_FS_LOCAL_RANGE,    /* this vCPU, a gfn/gva range */
	HVT_FS_REMOTE_ALL,     /* every vCPU (request + kick + wait) */
	HVT_FS_REMOTE_RANGE,
	HVT_FS_GUEST,          /* guest-requested flush (shadow: CR3 load, INVLPG) */
	HVT_FS_MAX
};

enum hvt_flush_reason {
	HVT_FR_ZAP = 1,        /* after a range/memslot zap (batched) */
	HVT_FR_ZAP_PER_TABLE,  /* per-table flush (the slow path seed 001 removed) */
	HVT_FR_WRPROT,         /* write-protect / dirty-log clear */
	HVT_FR_HUGE_REPLACE,   /* a huge SPTE replaced a table or vice versa */
	HVT_FR_NEW_ROOT,       /* root (re)load */
	HVT_FR_AGE,
	HVT_FR_SYNC,           /* shadow sync */
	HVT_FR_INVLPG,
	HVT_FR_CR3,
	HVT_FR_FROZEN,         /* atomic zap of a frozen SPTE */
	HVT_FR_MAX
};

enum hvt_fault_kind {
	HVT_FK_TDP = 1,        /* EPT violation / #NPF */
	HVT_FK_SHADOW,         /* guest #PF intercepted under shadow paging */
	HVT_FK_MMIO,           /* MMIO SPTE hit (EPT misconfig / #NPF with RSVD) */
	HVT_FK_MAX
};

enum hvt_fault_result {
	HVT_FR_FIXED = 1,      /* an SPTE was installed or changed */
	HVT_FR_SPURIOUS,       /* the SPTE already allowed the access */
	HVT_FR_RETRY,          /* lost a race; the guest re-faults */
	HVT_FR_MMIO,           /* emulated as MMIO */
	HVT_FR_EMULATED,       /* instruction emulated (e.g. write to a shadowed gPT) */
	HVT_FR_INJECTED,       /* shadow: the fault belongs to the guest, injected */
	HVT_FR_ERROR,          /* no memory / bad access: VM stopped */
	HVT_FRES_MAX
};

enum hvt_sp_reason {
	HVT_SP_GET = 1,        /* looked up (d=1 if created) */
	HVT_SP_UNSYNC,
	HVT_SP_SYNC,
	HVT_SP_ZAP,
	HVT_SP_WRPROT,         /* guest page table write-protected */
	HVT_SP_FLOOD,          /* unshadowed after too many writes */
	HVT_SP_MAX
};

enum hvt_free_reason {
	HVT_FREE_DEFERRED = 1, /* freed after a grace period (after the covering flush) */
	HVT_FREE_IMMEDIATE,    /* freed at once (no vCPU could reach it) */
	HVT_FREE_MAX
};

enum hvt_memslot_op {
	HVT_MS_CREATE = 1, HVT_MS_DELETE, HVT_MS_FLAGS, HVT_MS_MAX
};

enum hvt_mmio_kind {
	HVT_MMIO_ALLONES = 1,  /* PCI hole: read 0xff, write dropped */
	HVT_MMIO_READONLY,     /* write to a read-only slot: dropped */
	HVT_MMIO_LAPIC,        /* emulated local APIC */
	HVT_MMIO_UNBACKED,     /* no memslot: reported, VM stopped */
	HVT_MMIO_MAX
};

enum hvt_exit_kind {
	HVT_EX_NPF = 1, HVT_EX_PF, HVT_EX_CR_WRITE, HVT_EX_INVLPG, HVT_EX_CPUID,
	HVT_EX_IO, HVT_EX_HLT, HVT_EX_HYPERCALL, HVT_EX_SHUTDOWN, HVT_EX_EXTINT,
	HVT_EX_MSR, HVT_EX_INIT_SIPI, HVT_EX_NMI, HVT_EX_INVPCID, HVT_EX_OTHER,
	HVT_EX_MAX
};

/* Record flags (hvt_record.flags). */
#define HVT_F_ATOMIC     (1u << 0)  /* SPTE written with xchg/cmpxchg (else plain store) */
#define HVT_F_LOST_RACE  (1u << 1)  /* cmpxchg failed; nothing written (T3) */
#define HVT_F_LEAF       (1u << 2)  /* SPTE is a leaf at its level */
#define HVT_F_SHADOW     (1u << 3)  /* shadow MMU (else TDP) */
#define HVT_F_VOLATILE   (1u << 4)  /* old SPTE had volatile bits at the time of the write */
#define HVT_F_LOCK_WRITE (1u << 5)  /* MMU lock held for write (else read / none) */

/* ---- the record ---------------------------------------------------------- */
struct hvt_record {
	u64 seq;     /*  0  global sequence number (T1) */
	u64 tsc;     /*  8  time stamp counter at emission */
	u16 vcpu;    /* 16  vCPU index, or HVT_NO_VCPU */
	u8  type;    /* 18  enum hvt_type */
	u8  reason;  /* 19  per-type reason / kind */
	u8  level;   /* 20  page-table level 1..5 (4K=1), 0 if none */
	u8  flags;   /* 21  HVT_F_* */
	u16 aux16;   /* 22  per-type (flush scope, fault result, mmio kind) */
	u64 a, b, c, d, e; /* 24..63  payload, meaning per type above */
};

/* SPTE format description carried in the stream header so host tools decode
 * SPTEs exactly as the MMU wrote them (mmu/spte.h fills it). */
struct hvt_spte_format {
	u64 present_mask;       /* bits of which any set = "MMU-present" test */
	u64 readable_mask;      /* EPT R; 0 for x86 format (present implies read) */
	u64 writable_mask;
	u64 exec_mask;          /* EPT X */
	u64 nx_mask;            /* x86 NX */
	u64 user_mask;
	u64 accessed_mask;      /* 0 when A/D disabled */
	u64 dirty_mask;
	u64 huge_mask;          /* PS */
	u64 pfn_mask;           /* physical address bits */
	u64 mmu_writable_mask;  /* software: MMU may make it writable */
	u64 host_writable_mask; /* software: host backing is writable */
	u64 acc_track_mask;     /* bits cleared when access-tracked */
	u64 acc_track_saved_shift; /* where the saved bits go */
	u64 mmio_mask;          /* bits that identify an MMIO SPTE ... */
	u64 mmio_value;         /* ... when (spte & mmio_mask) == mmio_value */
	u64 mmio_gen_mask;      /* generation bits of an MMIO SPTE */
	u64 frozen_value;       /* value of a frozen SPTE */
	u64 nonpresent_value;   /* value of an empty SPTE */
	u32 format;             /* 1 = EPT, 2 = x86-64 (NPT / shadow) */
	u32 levels;             /* 4 or 5 */
	u64 reserved[5];
};

/* ---- the stream header --------------------------------------------------- */
struct hvt_stream_header {
	char magic[8];          /*   0  "HVTRACE\0" */
	u32  version;           /*   8  HVT_VERSION */
	u32  header_size;       /*  12  HVT_HEADER_SIZE */
	u32  record_size;       /*  16  HVT_RECORD_SIZE */
	u8   vendor;            /*  20  0 host test, 1 VMX, 2 SVM */
	u8   mmu_mode;          /*  21  1 tdp, 2 shadow */
	u8   ad_enabled;        /*  22  TDP uses hardware A/D bits */
	u8   nr_vcpus;          /*  23 */
	u64  tsc_hz;            /*  24  0 if unknown */
	u64  record_count;      /*  32  records that follow (0 = up to end of file) */
	u64  dropped;           /*  40  records dropped (lossy mode), 0 when lossless */
	struct hvt_spte_format spte; /* 48  200 bytes */
	char scenario[256];     /* 248  hv + guest command line, NUL-terminated */
	u8   pad[HVT_HEADER_SIZE - 504];
};

#define HVT_VENDOR_HOST 0
#define HVT_VENDOR_VMX  1
#define HVT_VENDOR_SVM  2
#define HVT_MMU_TDP     1
#define HVT_MMU_SHADOW  2

/* ---- live transport: rings in the hypervisor's memory ---------------------
 * hv keeps one ring per physical CPU. Under QEMU the machine's RAM is a shared
 * file; the host collector (hvtrace collect) finds the descriptor page by
 * scanning page starts for HVT_SHM_MAGIC followed by the run's 64-bit key
 * (given to hv on its command line as trace_key=0x...), then copies records
 * out and advances each ring's tail. All addresses are physical (= offsets
 * into the RAM file for RAM below 3.5 GiB).
 */
#define HVT_SHM_MAGIC   "HVTSHM01"
#define HVT_MAX_CPUS    8

struct hvt_shm_ring {
	u64 base;               /* physical address of the record array */
	u64 size;               /* records, a power of two */
	volatile u64 head;      /* producer: next index to write (written by hv) */
	volatile u64 tail;      /* consumer: next index to read (written by collector) */
	volatile u64 dropped;   /* lossy mode: records dropped */
	u64 drop_reported;      /* producer only: drops already reported by HVT_DROP */
	u64 drop_first;         /* producer only: seq of the first unreported drop */
	u64 drop_last;          /* producer only: seq of the last unreported drop */
};

struct hvt_shm_desc {
	char magic[8];          /* HVT_SHM_MAGIC */
	u64  key;               /* trace_key from the command line */
	u32  nr_rings;
	u32  lossy;             /* 1 = drop + count when full; 0 = producer waits */
	volatile u32 consumer_attached; /* set to 1 by the collector */
	volatile u32 done;      /* set to 1 by hv after its last record */
	volatile u64 next_seq;  /* global sequence counter (T1): the next seq
	                           hvt_reserve_seq() hands out = records reserved */
	u64  self;              /* physical address of this descriptor; a ring's
	                           records are at (u8 *)desc + (base - self) */
	u64  pad0[2];
	struct hvt_stream_header header; /* filled by hv at boot */
	struct hvt_shm_ring ring[HVT_MAX_CPUS];
};

_Static_assert(sizeof(struct hvt_record) == HVT_RECORD_SIZE, "record layout");
_Static_assert(sizeof(struct hvt_spte_format) == 200, "spte format layout");
_Static_assert(sizeof(struct hvt_stream_header) == HVT_HEADER_SIZE, "header layout");
_Static_assert(offsetof(struct hvt_stream_header, spte) == 48, "header layout");
_Static_assert(offsetof(struct hvt_stream_header, scenario) == 248, "header layout");
_Static_assert(offsetof(struct hvt_shm_desc, header) == 64, "shm descriptor layout");
_Static_assert(sizeof(struct hvt_shm_ring) == 64, "shm ring layout");
_Static_assert(sizeof(struct hvt_shm_desc) == 64 + HVT_HEADER_SIZE + 64 * HVT_MAX_CPUS,
	       "shm descriptor layout");

#endif
