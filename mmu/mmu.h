/*
 * mmu.h: the MMU's public interface, the only mmu/ header hv/ includes.
 *
 * One struct mmu_vm per VM, one struct mmu_vcpu per vCPU. Every entry point
 * takes its own locks; callers hold none. Functions return 0 or a negative
 * E_* code (include/hvlab/types.h) unless stated.
 *
 * Fault error codes are vendor-neutral, with x86 #PF error-code meaning
 * (MMU_PF_*); the VMX backend converts an EPT violation's exit
 * qualification into these, the SVM backend passes #NPF EXITINFO1's low bits.
 */
#ifndef HVLAB_MMU_H
#define HVLAB_MMU_H

#include "../include/hvlab/types.h"

struct mmu_vm;
struct mmu_vcpu;

#define MMU_PF_PRESENT  (1u << 0)   /* the translation existed (permission fault) */
#define MMU_PF_WRITE    (1u << 1)
#define MMU_PF_USER     (1u << 2)
#define MMU_PF_RSVD     (1u << 3)   /* reserved bit: an MMIO SPTE (NPT) */
#define MMU_PF_FETCH    (1u << 4)
#define MMU_PF_MISCONFIG (1u << 16) /* EPT misconfiguration: an MMIO SPTE (EPT) */

#define MMU_FORMAT_EPT  1
#define MMU_FORMAT_X86  2

struct mmu_config {
	int  format;        /* MMU_FORMAT_EPT or MMU_FORMAT_X86 (NPT) */
	int  levels;        /* 4 */
	int  mode;          /* HVT_MMU_TDP or HVT_MMU_SHADOW */
	bool ad_enabled;    /* hardware A/D bits; false = access tracking (EPT only) */
	int  nr_vcpus;      /* 1..HVT_MAX_CPUS */
	int  maxphyaddr;    /* host physical-address bits (MMIO SPTE marker sits above) */
	bool huge_1g;       /* 1 GiB leaves allowed (CPU supports them) */
	void *env_ctx;      /* handed back to env_tlb_flush */
	/* Added by mmu/ (zero = default): */
	bool flush_per_table; /* seed 001 slow path: one remote flush per removed
	                         table (HVT_FR_ZAP_PER_TABLE) instead of one per zap */
	bool no_huge;       /* map 4 KiB pages only (labs, benches) */
	/* Added for the shadow MMU (mmu/SHADOW.md): */
	bool shadow_no_unsync;     /* every guest PTE write traps (no unsync pages) */
	bool shadow_no_prefetch;   /* map only the faulting gPTE */
	bool shadow_sync_skip_wadd;/* seed 000's WRONG sync_page: also skip SPTEs that only
	                              gain write access (lab: count the extra write faults) */
	u64  shadow_max_pages;     /* shadow page budget (mmu/SHADOW.md 5.14); 0 = derived
	                              from guest RAM (20 per 1000 pages, at least 64); raised
	                              to the floor the vCPUs' roots need (shadow_budget) */
};

/* Result of a fault; MMU_FAULT_MMIO fills struct mmu_mmio for the emulator. */
enum mmu_fault_result {
	MMU_FAULT_FIXED = 1,   /* re-enter the guest */
	MMU_FAULT_SPURIOUS,    /* nothing to do, re-enter */
	MMU_FAULT_RETRY,       /* lost a race, re-enter (the guest re-faults if needed) */
	MMU_FAULT_MMIO,        /* emulate the access (see mmio->kind) */
	MMU_FAULT_ERROR,       /* out of memory: stop the VM with a message */
	/* Added for the shadow MMU (mmu_shadow_page_fault): */
	MMU_FAULT_INJECT,      /* the guest's own tables fault: inject #PF (see struct mmu_shadow_fault) */
	MMU_FAULT_EMULATE,     /* a write to a write-protected guest page table: emulate it and
	                          hand the bytes to mmu_shadow_emulated_write */
};

struct mmu_mmio {
	gpa_t gpa;
	int   kind;            /* enum hvt_mmio_kind: ALLONES, READONLY, UNBACKED */
	int   slot;            /* slot id, -1 if none */
};

/* ---- VM and vCPU lifetime ---- */
struct mmu_vm   *mmu_vm_create(const struct mmu_config *cfg);
/* Exclusive teardown (seed 003): one flush (env_tlb_flush must still work),
 * then frees the tables, the memslots and any vCPU not yet destroyed. */
void             mmu_vm_destroy(struct mmu_vm *vm);
struct mmu_vcpu *mmu_vcpu_create(struct mmu_vm *vm, int vcpu_id);
void             mmu_vcpu_destroy(struct mmu_vcpu *vcpu);

/* ---- memslots (HC_MEM_* flags from include/hvlab/hypercall.h) ---- */
int mmu_memslot_create(struct mmu_vm *vm, int id, gfn_t base_gfn, u64 npages,
		       u32 flags, hpa_t backing /* 0: allocate (none for ALLONES) */);
int mmu_memslot_delete(struct mmu_vm *vm, int id);
int mmu_memslot_set_flags(struct mmu_vm *vm, int id, u32 flags);
/* Guest physical to host physical through the memslots (no SPTE involved):
 * used by hv to load the guest and to copy hypercall buffers. E_FAULT if the
 * gpa is not backed by RAM (or write to a read-only slot). */
int mmu_gpa_to_hpa(struct mmu_vm *vm, gpa_t gpa, bool write, hpa_t *hpa);

/* ---- TDP ---- */
/* Root to program into the EPTP / nCR3 (allocated on first call). */
hpa_t mmu_tdp_root(struct mmu_vcpu *vcpu);
/* Handle an EPT violation / misconfig or #NPF at gpa. Tops up the vCPU's
 * memory caches before taking the MMU lock (seed 002). Call it on the vCPU's
 * own thread between mmu_vcpu_exit_guest and mmu_vcpu_enter_guest: the MMIO
 * check and the fast path walk the tables without a lock and rely on the
 * vCPU not passing a quiescent point meanwhile (mmu/DESIGN.md, L2). */
enum mmu_fault_result mmu_tdp_page_fault(struct mmu_vcpu *vcpu, gpa_t gpa,
					 u32 error /* MMU_PF_* */, u64 guest_rip,
					 struct mmu_mmio *mmio);
/* Zap [gfn, gfn+npages): one batched flush for the whole range (seed 001).
 * Returns the number of SPTEs zapped (>= 0) or a negative error. */
long mmu_zap_gfn_range(struct mmu_vm *vm, gfn_t gfn, u64 npages);
/* The same with the MMU lock held for read (added by mmu/): compare-
 * exchange writes racing the faults; removed tables have every entry frozen
 * (seed 003's shared path). From a vCPU thread outside guest mode only. */
long mmu_zap_gfn_range_shared(struct mmu_vcpu *vcpu, gfn_t gfn, u64 npages);
/* Dirty logging (seed 004). fetch_clear writes one bit per page of the slot
 * into bitmap (little-endian u64 words), clears the log, flushes, and
 * returns the number of dirty pages. */
int  mmu_dirty_log_enable(struct mmu_vm *vm, int slot, bool on);
long mmu_dirty_log_fetch_clear(struct mmu_vm *vm, int slot, u64 *bitmap, size_t nwords);
/* Age [gfn, gfn+npages): clear A (or access-track); returns young pages. */
long mmu_age_gfn_range(struct mmu_vm *vm, gfn_t gfn, u64 npages);

/* ---- shadow paging (mmu/shadow*.c, mmu/SHADOW.md) ----
 * The guest CPU state is passed as the walker's struct gwalk_cpu
 * (mmu/gwalk.h); hv copies CR0/CR3/CR4/EFER/RFLAGS from the vCPU. Call on
 * the vCPU's own thread, no lock held (the walk reads guest memory through
 * mmu_gpa_to_hpa, W5). Shadow SPTEs use the x86 format: cfg.format must be
 * MMU_FORMAT_X86 with 4 levels. Guest modes: paging off (direct identity
 * shadow), 32-bit, PAE and 4-level paging; 5-level returns E_NOTSUP.
 * Paging off, 32-bit and PAE guests get a PAE root: the CPU runs legacy PAE
 * paging on it (CR4.PAE=1, EFER.LMA=0). PAE: the PDPTEs come from
 * cpu->pdptrs (copied) or, if NULL, are read from CR3 at mmu_shadow_load
 * (E_FAULT outside RAM); faults use that copy (mmu/SHADOW.md 5.13). */
struct gwalk_cpu;
struct mmu_shadow_fault {
	u32   error_code;      /* MMU_FAULT_INJECT: the #PF error code the guest gets */
	gva_t cr2;             /* MMU_FAULT_INJECT: CR2 */
	gpa_t gpa;             /* MMU_FAULT_EMULATE / MMU_FAULT_MMIO: the guest-physical target */
	int   mmio_kind;       /* MMU_FAULT_MMIO: enum hvt_mmio_kind (ALLONES, READONLY, UNBACKED),
	                          as struct mmu_mmio's kind for TDP */
};
/* CR3 load, or a CR0/CR4/EFER change: pick (or build) the root for the
 * guest's CR3 and paging role, sync unsync pages, flush the vCPU's TLB.
 * *root: what runs as the real CR3. */
int  mmu_shadow_load(struct mmu_vcpu *vcpu, const struct gwalk_cpu *cpu, hpa_t *root);
/* Guest #PF intercepted at gva with the hardware error code (MMU_PF_*). */
enum mmu_fault_result mmu_shadow_page_fault(struct mmu_vcpu *vcpu, const struct gwalk_cpu *cpu,
					    gva_t gva, u32 error, u64 guest_rip,
					    struct mmu_shadow_fault *out);
/* INVLPG gva (also INVPCID individual-address); gva = MMU_INVLPG_UNKNOWN
 * when the CPU did not report it: every unsync page is synced. */
#define MMU_INVLPG_UNKNOWN (~0ull)
void mmu_shadow_invlpg(struct mmu_vcpu *vcpu, gva_t gva);
/* The emulator wrote len bytes at gpa (a write-protected guest page
 * table) on behalf of the guest: store them and fix the SPTEs. */
int  mmu_shadow_emulated_write(struct mmu_vcpu *vcpu, gpa_t gpa, const void *bytes, int len);
/* The write at gpa cannot be emulated: stop shadowing its frame (except a
 * root) so the guest re-executes it natively. Returns the SPs zapped. */
int  mmu_shadow_unprotect(struct mmu_vcpu *vcpu, gpa_t gpa);
/* Bytes of the environment's memory one shadow page takes: its table page
 * and its metadata (what cfg.shadow_max_pages multiplies). */
size_t mmu_shadow_page_bytes(void);
struct mmu_shadow_stats {
	u64 faults;            /* mmu_shadow_page_fault calls */
	u64 injected;          /* ... injected into the guest */
	u64 emulated;          /* ... returned MMU_FAULT_EMULATE */
	u64 fixed;             /* ... installed a leaf */
	u64 spurious;          /* ... found the access already allowed */
	u64 emulated_writes;   /* mmu_shadow_emulated_write calls */
	u64 pages_created;     /* shadow pages created */
	u64 pages_zapped;      /* shadow pages zapped */
	u64 flooded;           /* ... of them for write flooding */
	u64 unsyncs;           /* pages that went unsync */
	u64 syncs;             /* pages synced */
	u64 sync_changed;      /* gPTEs whose access or frame changed, seen by sync */
	u64 sync_writes;       /* SPTE writes by sync (seed 000: == sync_changed) */
	u64 prefetched;        /* SPTEs installed by prefetch */
	u64 root_hits;         /* CR3 loads served by the current or a cached root */
	u64 root_misses;       /* CR3 loads that needed a root lookup/allocation */
	/* The page budget (mmu/SHADOW.md 5.14): */
	u64 reclaimed;         /* SPs zapped to stay within the budget (in pages_zapped too) */
	u64 budget;            /* the budget in force (0 before the first shadow op) */
	u64 pages_peak;        /* most valid SPs at once */
};
void mmu_shadow_get_stats(struct mmu_vm *vm, struct mmu_shadow_stats *out);
/* The shadow invariants (mmu/SHADOW.md 5.0; also run by mmu_check). */
int  mmu_shadow_check(struct mmu_vm *vm, char *why, size_t why_len);

/* ---- quiescent states for deferred page-table freeing ----
 * hv calls enter just before VMRUN/VMRESUME and exit just after the exit:
 * a vCPU in guest mode, or one that has passed enter/exit since a table was
 * retired, can no longer hold a software reference to it. */
void mmu_vcpu_enter_guest(struct mmu_vcpu *vcpu);
void mmu_vcpu_exit_guest(struct mmu_vcpu *vcpu);

/* ---- checking ----
 * Walk every table and check the invariants in mmu/DESIGN.md. Returns 0, or
 * E_INVAL with a description of the first violation in why. */
int mmu_check(struct mmu_vm *vm, char *why, size_t why_len);

/* Counters, for benches and hv's statistics (added by mmu/). */
struct mmu_stats {
	u64 faults;            /* mmu_tdp_page_fault calls */
	u64 faults_fixed;      /* ... that installed or changed an SPTE */
	u64 faults_spurious;   /* ... that found the access already allowed */
	u64 faults_retry;      /* ... that lost a race */
	u64 faults_mmio;       /* ... that returned MMU_FAULT_MMIO */
	u64 faults_error;      /* ... that ran out of memory */
	u64 fast_fixed;        /* fixed by the fast page fault (no lock) */
	u64 spte_writes;       /* successful SPTE writes */
	u64 spte_atomic;       /* ... of them with an atomic instruction */
	u64 spte_lost;         /* compare-exchanges that lost */
	u64 flushes_remote;    /* remote TLB flushes issued */
	u64 flushes_local;     /* local TLB flushes issued */
	u64 tables_alloc;      /* page tables linked (incl. root) */
	u64 tables_freed;      /* page tables freed */
	u64 mmio_sptes;        /* MMIO SPTEs installed */
	u64 grace_periods;     /* reclaim passes that freed something */
	u64 removed_writes;    /* SPTE writes while removing tables (freeze/zap) */
	u64 removed_skipped;   /* non-present SPTEs skipped in exclusive removal */
	u64 removed_present;   /* present SPTEs found in removed tables */
	u64 backing_pages;     /* guest RAM pages allocated by mmu_memslot_create */
};
void mmu_get_stats(struct mmu_vm *vm, struct mmu_stats *out);

/* The SPTE format the VM uses, for the trace stream header. */
struct hvt_spte_format;
void mmu_describe_format(const struct mmu_vm *vm, struct hvt_spte_format *out);

#endif
