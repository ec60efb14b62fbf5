/*
 * shadow_int.h: the shadow MMU's internal structures (mmu/SHADOW.md 5),
 * shared by mmu/shadow_*.c and the host tests. hv uses mmu.h only.
 *
 * Locking: every shadow structure below is changed with vm->mmu_lock held
 * for WRITE (L1); the shadow MMU never runs under the read lock, so it
 * needs no compare-exchange of its own (the SPTE writer still uses one for
 * SPTEs whose D bit the CPU may set, seed 004). The per-vCPU state is
 * touched only by its vCPU's thread (roots also under the lock, because
 * zapping and teardown drop root references).
 *
 * Invariants (I1..I12) are listed in mmu/SHADOW.md 5.0 and cited in code.
 */
#ifndef HVLAB_MMU_SHADOW_INT_H
#define HVLAB_MMU_SHADOW_INT_H

#include "mmu_int.h"
#include "gwalk.h"

/* ---- the role word (mmu/SHADOW.md 5.1), the key next to the gfn ---------- */
#define SR_LEVEL_MASK   0xfu          /* 3..0  level of the SP's entries (1..5) */
#define SR_MODE_SHIFT   4             /* 6..4  guest paging mode (enum gwalk_mode): */
#define SR_MODE_MASK    (7u << SR_MODE_SHIFT) /* how its gPTEs read (size, reserved bits) */
#define SR_QUAD_SHIFT   10            /* 12..10 quadrant: which part of a 4-byte gPT */
#define SR_QUAD_MASK    (7u << SR_QUAD_SHIFT) /* the SP shadows (0 unless SR_4B) */
#define SR_ACC_SHIFT    13            /* 15..13 GWALK_ACC_* inherited from the parents */
#define SR_ACC_MASK     (7u << SR_ACC_SHIFT)
#define SR_4B           (1u << 16)    /* the gPT has 4-byte entries (32-bit guest) */
#define SR_DIRECT       (1u << 17)    /* no gPT: paging off or a guest huge page */
#define SR_INVALID      (1u << 18)    /* zapped: never matches a lookup again */
#define SR_NXE          (1u << 19)    /* EFER.NXE */
#define SR_WP           (1u << 20)    /* CR0.WP */
#define SR_SMEP         (1u << 21)    /* CR4.SMEP */
#define SR_SMAP         (1u << 22)    /* CR4.SMAP */
#define SR_PAE_ROOT     (1u << 24)    /* the root is a PAE PDPT (4 PDPTEs): the CPU runs
                                         legacy PAE paging (guest EFER.LMA=0: paging
                                         off, PAE or 32-bit guest). It shadows no gPT:
                                         its entries follow the PDPTE registers (PAE),
                                         the 4 quarters of the guest PD (32-bit) or
                                         the identity (paging off, with SR_DIRECT) */
/* The bits every SP of one vCPU paging mode shares (shadow_base_role). */
#define SR_BASE_MASK    (SR_MODE_MASK | SR_NXE | SR_WP | SR_SMEP | SR_SMAP)

static inline int role_level(u32 role) { return (int)(role & SR_LEVEL_MASK); }
static inline u32 role_access(u32 role) { return (role & SR_ACC_MASK) >> SR_ACC_SHIFT; }
static inline bool role_direct(u32 role) { return (role & SR_DIRECT) != 0; }
static inline int role_mode(u32 role) { return (int)((role & SR_MODE_MASK) >> SR_MODE_SHIFT); }
static inline u32 role_quadrant(u32 role) { return (role & SR_QUAD_MASK) >> SR_QUAD_SHIFT; }
/* Does the SP shadow a guest page table (a gfn to write-protect, gPTEs to
 * read)? Not a direct SP, not a PAE root. */
static inline bool role_gpt(u32 role) { return !(role & (SR_DIRECT | SR_PAE_ROOT)); }

/*
 * Quadrants (KVM: role.quadrant). A 32-bit guest's gPT has 1024 4-byte
 * entries; an SP has 512 8-byte ones, each mapping half as much:
 *
 *   guest PD (4 GiB)  -> 4 SPs of level 2, quadrant q = gva bits 31..30,
 *                        SPTE i <-> gPDE 256q + i/2 (two 2 MiB SPTEs per 4 MiB gPDE)
 *   guest PT (4 MiB)  -> 2 SPs of level 1, quadrant q = gva bit 21,
 *                        SPTE i <-> gPTE 512q + i
 *
 * The quadrant of the SP (level L) a gva goes through: gva >> (12 + 9L),
 * L bits of it (1 for a PT, 2 for a PD).
 */
static inline u32 shadow_quadrant_of(gva_t gva, int level)
{
	return (u32)(gva >> (PAGE_SHIFT + SPTE_LEVEL_BITS * level)) & ((1u << level) - 1);
}

#define SHADOW_HASH_SIZE  1024        /* SP hash buckets (by gfn) */
#define SHADOW_RMAP_SIZE  4096        /* reverse-map buckets (by gfn) */
#define SHADOW_PREV_ROOTS 3           /* cached roots besides the current one */
#define SHADOW_CACHE_CAP  8           /* SPs a vCPU keeps ready */
#define SHADOW_CACHE_MIN  4           /* one translation: levels 3, 2, 1 + a root (seed 002) */
#define SHADOW_CACHE_ID   3           /* HVT_CACHE_TOPUP.reason for the SP cache */
#define SHADOW_PREFETCH   8           /* gPTEs per prefetch group (KVM: PTE_PREFETCH_NUM) */
#define SHADOW_FLOOD      3           /* emulated writes without a fault in between: unshadow */
#define SHADOW_BUDGET_MIN 64          /* default budget floor (KVM: KVM_MIN_ALLOC_MMU_PAGES) */
#define SHADOW_BUDGET_PER_K 20        /* default: SPs per 1000 guest RAM pages (KVM: 20) */
#define SHADOW_FAULT_PAGES 3          /* most SPs one fault creates: levels 3, 2, 1 under
                                         the root (a CR3 load creates at most 1, the root) */

/*
 * An intrusive list node, one per SPTE of an SP. A present leaf SPTE i
 * links sp->link[i] into the reverse map of the gfn it maps; a present
 * non-leaf SPTE links it into its child's parent list (I2, I3). No
 * allocation is ever needed to track an SPTE.
 */
struct shadow_link {
	struct shadow_link *next;     /* next in the list (L1 write) */
	struct shadow_link **pprev;   /* what points at this node (L1 write) */
	u16 idx;                      /* SPTE index: the SP is container_of(link - idx) */
};

struct shadow_page {
	struct qsbr_node rcu;         /* deferred free (qsbr.c); must stay first */
	u32   role;                   /* SR_* word: the lookup key with gfn (L1 write) */
	gfn_t gfn;                    /* gfn of the gPT shadowed (direct: first gfn mapped) */
	u64  *spt;                    /* the 512 SPTEs (va); immutable */
	hpa_t hpa;                    /* host physical address of spt; immutable */
	struct shadow_page *hash_next;/* svm->hash chain (L1 write) */
	struct shadow_link *parents;  /* links of the non-leaf SPTEs pointing here (L1) */
	u32   root_count;             /* vCPU roots (current + cached) holding it (L1) */
	bool  unsync;                 /* level 1 only: the guest may write the gPT
	                                 without a trap; synced at the next sync point (L1) */
	u8    write_flooding;         /* emulated writes since a fault last used it (L1) */
	struct shadow_page *zap_next; /* the op's list of zapped SPs to free after its flush */
	struct shadow_page *lru_prev, *lru_next; /* svm's LRU list, valid SPs only (I12, L1) */
	u64   unlink_seq;             /* HVT_PT_FREE.c: seq of the SPTE change that dropped its
	                                 last parent link; a root (linked by no table): of the
	                                 last record its zap made: the last SPTE change emptying
	                                 its tree, or the zap's SP_EVENT if it held nothing (5.9) */
	u64   pdptr[4];               /* PAE root of a PAE guest: the PDPTE registers its
	                                 entries follow (part of the lookup key); else 0 */
	union {
		gfn_t gfn;                /* present leaf i: the gfn it maps */
		struct shadow_page *child;/* present non-leaf i: the SP it links */
	} ent[SPTE_ENT_PER_PAGE];     /* meaning set with SPTE i (L1) */
	u8    access[SPTE_ENT_PER_PAGE]; /* leaf i: GWALK_ACC_* from the gPTE, after
	                                    "no W until dirty" (sync compares it, 5.5) */
	struct shadow_link link[SPTE_ENT_PER_PAGE]; /* SPTE i's list node */
};

struct shadow_vm {
	struct shadow_page *hash[SHADOW_HASH_SIZE]; /* (gfn, role) -> SP, valid SPs only (L1) */
	struct shadow_link *rmap[SHADOW_RMAP_SIZE]; /* gfn -> leaf SPTEs mapping it (L1) */
	u64 nr_pages;                 /* valid SPs in the hash (L1) */
	u64 nr_unsync;                /* of them unsync (L1) */
	struct shadow_page *lru_head; /* valid SPs, most recently created/used first; */
	struct shadow_page *lru_tail; /* the budget reclaims from the tail (5.14, I12) */
	struct mmu_shadow_stats stats;/* counters (L1, read racily by get_stats) */
};

struct shadow_root {
	struct shadow_page *sp;       /* NULL: empty slot; holds one root_count */
	u64 cr3;                      /* guest CR3 it was built for: the frame (4-level,
	                                 32-bit), bits 31..5 (PAE), 0 (paging off); a
	                                 PAE root also matches sp->pdptr */
};

struct shadow_vcpu {
	struct gwalk_cpu cpu;         /* guest state at the last mmu_shadow_load (vCPU thread) */
	u32  base_role;               /* SR_BASE_MASK bits of cpu (no level, access) */
	u64  pdptrs[4];               /* PAE guest: the PDPTE registers at the last load
	                                 (cpu.pdptrs points here; faults walk with them) */
	bool loaded;                  /* mmu_shadow_load succeeded at least once */
	struct shadow_root cur;       /* the root the guest runs on (L1) */
	struct shadow_root prev[SHADOW_PREV_ROOTS]; /* most recent first (L1) */
	struct shadow_page *cache[SHADOW_CACHE_CAP]; /* SPs with zeroed tables, filled
	                                 before the lock (seed 002); vCPU thread */
	int  nobjs;                   /* entries in cache */
};

/* One shadow operation: the MMU op (write lock) plus SPs waiting for its flush. */
struct shadow_op {
	struct mmu_op *op;            /* SPTE writes, flush bookkeeping: own_op, or the
	                                 caller's op for zaps/aging from TDP-named entry points */
	struct mmu_op own_op;         /* the op of shadow_op_begin .. shadow_op_end */
	struct shadow_vm *svm;        /* vm->shadow */
	struct shadow_vcpu *sv;       /* the vCPU's shadow state, NULL outside a vCPU */
	struct shadow_page *zapped;   /* zapped, unreferenced: freed after the flush (I6) */
};

#define SHADOW_STAT(svm, field) ((svm)->stats.field++)

/* shadow_page.c */
unsigned shadow_hash_idx(gfn_t gfn);
unsigned shadow_rmap_idx(gfn_t gfn);
int  shadow_write_guest_locked(struct mmu_vm *vm, gpa_t gpa, const void *bytes, int len);
void shadow_op_begin(struct shadow_op *sop, struct mmu_vm *vm, struct mmu_vcpu *vcpu);
void shadow_op_end(struct shadow_op *sop);
u32  shadow_base_role(const struct gwalk_cpu *cpu);
int  shadow_topup(struct mmu_vcpu *vcpu);
struct shadow_page *shadow_get_page(struct shadow_op *sop, gfn_t gfn, u32 role);
/* A root: as shadow_get_page, and a PAE root also keyed by its 4 PDPTEs. */
struct shadow_page *shadow_get_root(struct shadow_op *sop, gfn_t gfn, u32 role, const u64 *pdptr);
struct shadow_page *shadow_page_of_link(struct shadow_link *link);
void shadow_link_child(struct shadow_op *sop, struct shadow_page *sp, int i,
		       struct shadow_page *child);
void shadow_set_leaf(struct shadow_op *sop, struct shadow_page *sp, int i, gfn_t gfn,
		     u32 access, u64 new_spte, u8 reason);
void shadow_drop_spte(struct shadow_op *sop, struct shadow_page *sp, int i);
void shadow_zap_page(struct shadow_op *sop, struct shadow_page *sp, u8 why);
bool shadow_write_protect_gfn(struct shadow_op *sop, gfn_t gfn);
bool shadow_gfn_needs_wrprot(struct shadow_op *sop, gfn_t gfn, bool can_unsync);
void shadow_put_root(struct shadow_op *sop, struct shadow_page *sp);
void shadow_drop_all_roots(struct shadow_op *sop, struct shadow_vcpu *sv);
u64  shadow_trace_sp(struct shadow_op *sop, struct shadow_page *sp, u8 reason, u64 d); /* its seq */
u64  shadow_make_leaf(struct mmu_vm *vm, const struct memslot *slot, gfn_t gfn, u32 access,
		      bool accessed, bool dirty);
bool shadow_spte_allows(const struct spte_format *f, u64 spte, u32 error);
/* gPTE access under the MMU lock (no mmu_gpa_to_hpa: it takes the lock, W5/W6). */
void shadow_bind_locked_mem(struct gwalk_mem *mem, struct mmu_vm *vm);
int  shadow_read_gpte(struct mmu_vm *vm, gpa_t gpa, int size, u64 *gpte);
/* The gPTEs behind a gPT SP's SPTEs (role_gpt), 4- or 8-byte, with quadrants: */
int   shadow_gpte_size(const struct shadow_page *sp);
gpa_t shadow_gpte_gpa(const struct shadow_page *sp, int i);       /* behind SPTE i */
int   shadow_read_sp_gpte(struct mmu_vm *vm, const struct shadow_page *sp, int i, u64 *gpte);
/* SPTEs of sp derived from the gPTE at byte offset off of its gPT page:
 * returns how many (0: another quadrant's, 1, or 2 for a 4-byte PDE) and
 * the first in *first. */
int   shadow_sptes_of_gpte(const struct shadow_page *sp, u32 off, int *first);
/* cpu with the paging mode and mode bits of role: how sp's gPTEs read,
 * whichever vCPU syncs or prefetches it. */
void  shadow_role_cpu(const struct gwalk_cpu *cpu, u32 role, struct gwalk_cpu *out);

/* shadow_budget.c (5.14): the page budget and its LRU list */
u64  shadow_budget(struct mmu_vm *vm);
void shadow_lru_add(struct shadow_vm *svm, struct shadow_page *sp);   /* new SP: head */
void shadow_lru_del(struct shadow_vm *svm, struct shadow_page *sp);   /* zapped */
void shadow_lru_touch(struct shadow_vm *svm, struct shadow_page *sp); /* used: to the head */
/* Before an op creates up to need SPs: zap the least recently used
 * non-root SPs until nr_pages + need <= budget. Returns the SPs zapped. */
u64  shadow_make_room(struct shadow_op *sop, u64 need);

/* shadow_check.c */
int  shadow_check(struct mmu_vm *vm, char *why, size_t len);

/* shadow_zap.c */
void shadow_install_range_hooks(struct mmu_vm *vm);

/* shadow_sync.c */
void shadow_sync_page(struct shadow_op *sop, struct shadow_page *sp);
void shadow_sync_spte(struct shadow_op *sop, struct shadow_page *sp, int i);
/* shadow_sync_leaf.c (lab 03): gPTE i of sp still maps sp->ent[i].gfn in
 * slot; rewrite SPTE i if the access the gPTE allows changed (seed 000). */
void shadow_sync_leaf(struct shadow_op *sop, struct shadow_page *sp, int i,
		      struct memslot *slot, u64 gpte);
void shadow_sync_all(struct shadow_op *sop);

#endif
