/*
 * mmu_int.h: the MMU's internal structures, shared by the files of mmu/
 * and by the host tests (which look inside to check invariants). hv/ uses
 * mmu.h only.
 *
 * Locking (cited as L1.. in code; details in mmu/DESIGN.md):
 *  L1  vm->mmu_lock (struct rwlock): faults hold it for read and change
 *      SPTEs with compare-exchange; zaps, dirty-log fetch, memslot changes
 *      and teardown hold it for write.
 *  L2  the fast page fault and the MMIO check hold no lock: they walk the
 *      tables and read memslots under QSBR protection (qsbr.c) and change
 *      SPTEs only with compare-exchange.
 *  L3  vm->pages_lock (spinlock) protects the page-table hash and counts.
 *  L4  vm->qs.lock (spinlock) protects the deferred-free list.
 */
#ifndef HVLAB_MMU_INT_H
#define HVLAB_MMU_INT_H

#include "../include/hvlab/types.h"
#include "../include/hvlab/atomic.h"
#include "../include/hvlab/rwlock.h"
#include "../include/hvlab/hypercall.h"
#include "../trace/hvt_format.h"
#include "env.h"
#include "mmu.h"
#include "spte.h"

/* ---- deferred freeing (qsbr.c) ------------------------------------------ */
struct qsbr_node {
	struct qsbr_node *next;   /* pending list, vm->qs.lock (L4) */
	u64 gen;                  /* grace-period generation it was retired in */
	void (*free_fn)(struct mmu_vm *vm, struct qsbr_node *node, bool immediate);
};

struct qsbr {
	volatile u64 gp_seq;      /* generation counter, bumped by every retire (atomic) */
	struct spinlock lock;     /* protects the list below (L4) */
	struct qsbr_node *head;   /* oldest first */
	struct qsbr_node **tail;  /* where the next retire links */
	u64 pending;              /* nodes on the list */
};

/* ---- one page table ----------------------------------------------------- */
enum mmu_page_state {
	MMU_PAGE_LIVE = 1,        /* linked (or being linked) into the tree */
	MMU_PAGE_RETIRED,         /* unlinked, entries frozen, waiting to be freed */
};

struct mmu_page {
	struct qsbr_node rcu;     /* deferred free; must stay first */
	struct mmu_page *hash_next; /* vm->page_hash chain (L3) */
	struct mmu_page *batch_next;/* op's list of unlinked tables (owned by the op) */
	u64  *spt;                /* the 512 entries (va); immutable */
	hpa_t hpa;                /* its host physical address; immutable */
	gfn_t gfn;                /* first gfn its entries map; set before linking */
	int   level;              /* level of its entries (root = cfg.levels) */
	volatile int state;       /* enum mmu_page_state: LIVE -> RETIRED once */
	u64   unlink_seq;         /* trace seq of the SPTE_CHANGE that unlinked it */
};

/* ---- memslots ----------------------------------------------------------- */
/* A memslot is immutable once published: a change publishes a new copy and
 * retires the old one through QSBR, so the lockless fast path (L2) can read
 * it safely. The dirty bitmap is shared by the copies of one slot. */
struct memslot {
	struct qsbr_node rcu;     /* deferred free; must stay first */
	int   id;                 /* 0..HC_MAX_SLOTS-1 */
	gfn_t base_gfn;           /* first gfn */
	u64   npages;             /* 4 KiB pages */
	u32   flags;              /* HC_MEM_* */
	hpa_t backing;            /* hpa of page 0; 0 for ALLONES */
	bool  owns_backing;       /* allocated by the MMU: free on delete */
	bool  owns_bitmap;        /* this copy frees dirty_bitmap when retired */
	u64  *dirty_bitmap;       /* one bit per page, set atomically; NULL for ALLONES */
};

/* ---- per-vCPU memory caches (seed 002) ---------------------------------- */
#define MMU_CACHE_CAPACITY 16
enum mmu_cache_id { MMU_CACHE_PAGES = 1, MMU_CACHE_HEADERS = 2 };

struct mmu_cache {
	void *objs[MMU_CACHE_CAPACITY]; /* ready objects; owned by the vCPU thread */
	int   nobjs;              /* how many in objs */
	int   min;                /* guaranteed before a fault takes the lock */
	int   id;                 /* enum mmu_cache_id, traced as the reason */
	const char *name;         /* for the dry-cache panic */
};

struct mmu_vcpu {
	struct mmu_vm *vm;        /* owner; immutable */
	int   id;                 /* 0..nr_vcpus-1; immutable */
	struct mmu_cache page_cache;   /* table pages, pre-filled with the empty value */
	struct mmu_cache header_cache; /* struct mmu_page objects */
	volatile u64 qs_seen;     /* qs.gp_seq seen at the last quiescent point (atomic) */
	volatile u32 in_guest;    /* 1 between enter_guest and exit_guest (atomic) */
	bool  root_loaded;        /* the NEW_ROOT flush was done; vCPU thread only */
	/* Added for the shadow MMU (mmu/shadow*.c): */
	struct shadow_vcpu *shadow; /* roots, guest state, SP cache; vCPU thread only */
};

/* ---- the VM --------------------------------------------------------------- */
#define MMU_PAGE_HASH_SIZE 1024

struct mmu_op;

struct mmu_vm {
	struct mmu_config cfg;    /* as created; immutable */
	struct spte_format fmt;   /* the format's masks; immutable */
	struct rwlock mmu_lock;   /* L1 */
	struct memslot *slots[HC_MAX_SLOTS]; /* published copies: written under the
	                             write lock with release, read with acquire (L2) */
	volatile u64 memslot_gen; /* bumped on every memslot change (MMIO SPTEs) */
	struct mmu_page *root;    /* the TDP root, NULL until mmu_tdp_root (write lock) */
	struct spinlock pages_lock;  /* L3 */
	struct mmu_page *page_hash[MMU_PAGE_HASH_SIZE]; /* hpa -> table (L3) */
	u64   nr_live_tables;     /* LIVE tables incl. root (L3) */
	struct qsbr qs;           /* deferred frees */
	struct mmu_vcpu *vcpus[HVT_MAX_CPUS]; /* published with release; NULL = none */
	struct mmu_stats stats;   /* counters, updated atomically */
	/* Added for the shadow MMU (mmu/shadow*.c); NULL/unset under TDP: */
	struct shadow_vm *shadow; /* SP hash, rmap, counters; published once (release) */
	void (*shadow_destroy)(struct mmu_vm *vm); /* set with shadow; called first by
	                             mmu_vm_destroy so TDP-only builds need no shadow code */
	void (*shadow_vcpu_destroy)(struct mmu_vcpu *vcpu); /* set with shadow: drops the
	                             vCPU's roots (lock for write), frees its SP cache */
	/* Also set with shadow: tdp_zap_range and mmu_age_gfn_range call them
	 * inside their op (write lock) so shadow leaves are covered too. */
	long (*shadow_zap_range)(struct mmu_op *op, gfn_t start, gfn_t end);
	long (*shadow_age_range)(struct mmu_op *op, gfn_t start, gfn_t end);
	/* And dirty logging (mmu/dirty.c): clear W and D from shadow leaves in range. */
	long (*shadow_wrprot_range)(struct mmu_op *op, gfn_t start, gfn_t end);
	int  (*shadow_check)(struct mmu_vm *vm, char *why, size_t len); /* mmu_check, lock held */
};

/* ---- one MMU operation (a fault, a zap, a teardown) ----------------------- */
struct mmu_op {
	struct mmu_vm *vm;        /* the VM operated on */
	struct mmu_vcpu *vcpu;    /* the vCPU doing it (trace records), NULL outside a vCPU */
	bool  lock_write;         /* lock held for write: plain/atomic stores */
	bool  teardown;           /* VM teardown: reason TEARDOWN */
	u8    zap_reason;         /* hvt_spte_reason used for zaps in this op */
	u8    flush_reason;       /* hvt_flush_reason for the op's flush */
	int   removing;           /* depth inside handle_removed_pt */
	bool  need_flush;         /* a present SPTE lost a translation or permission */
	gfn_t flush_start, flush_end;  /* range the flush must cover */
	struct mmu_page *retired; /* tables unlinked, waiting for the flush */
	u64   last_seq;           /* seq of the last SPTE_CHANGE emitted */
	u64   writes;             /* SPTE writes (successful) */
	u64   zapped;             /* present SPTEs zapped */
	u64   skipped;            /* exclusive removal: non-present SPTEs skipped (seed 003) */
	u64   lost;               /* lost compare-exchanges */
	/* Added for the shadow MMU: */
	bool  shadow;             /* shadow SPTEs: HVT_F_SHADOW, the shadow code
	                             unlinks its own tables (no handle_removed_pt) */
	hpa_t root_hpa;           /* shadow: the root traced in HVT_SPTE_CHANGE.e */
};

/* ---- cross-file functions ------------------------------------------------- */
/* stats */
#define STAT_INC(vm, field) atomic_fetch_add64(&(vm)->stats.field, 1)
#define STAT_ADD(vm, field, n) atomic_fetch_add64(&(vm)->stats.field, (n))

/* trace.c */
u16  op_vcpu_id(const struct mmu_op *op);
u64  trace_flagged(u16 vcpu, u8 type, u8 reason, u8 level, u8 flags, u16 aux16,
		    u64 a, u64 b, u64 c, u64 d, u64 e);   /* returns the seq */
void trace_simple(u16 vcpu, u8 type, u8 reason, u8 level, u16 aux16,
		  u64 a, u64 b, u64 c, u64 d, u64 e);

/* memslot.c */
struct memslot *memslot_lookup(struct mmu_vm *vm, gfn_t gfn);  /* lock or QSBR held */
void memslot_destroy_all(struct mmu_vm *vm);
void mark_page_dirty(struct mmu_vm *vm, const struct memslot *slot, gfn_t gfn, u64 npages);

/* pages.c */
void  mmu_cache_init(struct mmu_cache *c, int id, const char *name, int min);
int   mmu_topup_caches(struct mmu_vcpu *vcpu);
void *mmu_cache_alloc(struct mmu_cache *c);
void  mmu_cache_put(struct mmu_cache *c, void *obj);
void  mmu_cache_free_all(struct mmu_vm *vm, struct mmu_cache *c);
struct mmu_page *mmu_page_prepare(struct mmu_vcpu *vcpu, gfn_t gfn, int level);
void  mmu_page_unprepare(struct mmu_vcpu *vcpu, struct mmu_page *sp);
void  mmu_page_publish(struct mmu_vm *vm, struct mmu_page *sp);
struct mmu_page *mmu_page_lookup(struct mmu_vm *vm, hpa_t hpa);
void  mmu_page_mark_retired(struct mmu_vm *vm, struct mmu_page *sp);
void  mmu_page_retire(struct mmu_vm *vm, struct mmu_page *sp);   /* after its flush */
void  mmu_page_free_now(struct mmu_vm *vm, struct mmu_page *sp, u8 why);
struct mmu_page *mmu_page_alloc_direct(struct mmu_vm *vm, gfn_t gfn, int level);

/* qsbr.c */
void qsbr_init(struct qsbr *qs);
void qsbr_retire(struct mmu_vm *vm, struct qsbr_node *node);
u64  qsbr_reclaim(struct mmu_vm *vm);          /* frees what is safe; returns count */
void qsbr_drain_all(struct mmu_vm *vm);        /* teardown: no vCPU left */

/* tlb.c */
void mmu_flush_remote(struct mmu_vm *vm, u16 vcpu, gfn_t gfn, u64 npages,
		      u64 zapped, u8 reason);
void mmu_flush_local(struct mmu_vcpu *vcpu, gfn_t gfn, u64 npages, u8 reason);
/* The same, naming in the trace (e) the root the vCPU now runs on (cr3). */
void mmu_flush_local_root(struct mmu_vcpu *vcpu, gfn_t gfn, u64 npages, u8 reason, hpa_t root);

/* tdp_mmu.c */
void mmu_op_init(struct mmu_op *op, struct mmu_vm *vm, struct mmu_vcpu *vcpu,
		 bool lock_write, u8 zap_reason, u8 flush_reason);
void mmu_op_finish(struct mmu_op *op);
bool tdp_write_spte(struct mmu_op *op, u64 *sptep, gfn_t gfn, int level,
		    u64 *old, u64 new_spte, u8 reason);
typedef u64 (*spte_derive_fn)(const struct spte_format *f, u64 old, int level);
u64  tdp_update_spte_excl(struct mmu_op *op, u64 *sptep, gfn_t gfn, int level,
			  u64 old, spte_derive_fn derive, u8 reason);
long tdp_zap_range(struct mmu_op *op, gfn_t start, gfn_t end);
void tdp_teardown_root(struct mmu_op *op);
void tdp_zap_mmio_all(struct mmu_op *op);
u64 *spte_to_child_pt(const struct mmu_vm *vm, u64 spte);

/* dirty.c */
void dirty_log_start(struct mmu_op *op, const struct memslot *slot);
u64  spte_derive_zap(const struct spte_format *f, u64 old, int level);

/* check.c */
void check_spte_transition(struct mmu_op *op, u64 old, u64 new_spte, int level, gfn_t gfn, u8 reason);

static inline gfn_t gfn_round_down(gfn_t gfn, int level)
{
	return gfn & ~(pages_per_level(level) - 1);
}

#endif
