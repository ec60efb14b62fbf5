/*
 * synth.h: the synthetic trace generator (hvtrace synth), shared between
 * synth.c (the scenario: which vCPU does what next) and synth_mmu.c (a
 * model of a 4-level TDP MMU whose every SPTE write emits its record).
 *
 * The generated trace obeys T1..T4 by construction:
 *  T1  emit() hands out seq 0,1,2,... and is the only writer
 *  T2  every SPTE change reads old from the model and stores new into it;
 *      only the A and D bits change silently ("hardware")
 *  T3  operations are atomic in the model; a simulated lost race writes
 *      nothing and records new == old
 *  T4  records go out in seq order
 */
#ifndef HVLAB_HVTRACE_SYNTH_H
#define HVLAB_HVTRACE_SYNTH_H

#include "../hvt_format.h"
#include "writer.h"

/* x86-64 (NPT) SPTE bits the model uses (REFERENCE.md §4). */
#define SM_P       BIT(0)
#define SM_W       BIT(1)
#define SM_U       BIT(2)
#define SM_A       BIT(5)
#define SM_D       BIT(6)
#define SM_PS      BIT(7)
#define SM_HOST_W  BIT(9)
#define SM_MMU_W   BIT(10)
#define SM_PRESENT BIT(11)
#define SM_NX      BIT(63)
#define SM_PFN     GENMASK(51, 12)

#define SM_SLOTS       4
#define SM_SLOT_PAGES  8192ull          /* 32 MiB per memslot */
#define SM_BACKING_PFN 0x40000ull       /* host frame of gfn 0 */

struct sm_table {
	u64 hpa;                  /* "physical" address of the table */
	u64 gfn;                  /* first gfn it covers */
	u8  level;                /* level of its entries (1: 4 KiB leaves) */
	u64 spte[512];
	struct sm_table *child[512];
};

struct synth {
	struct hvt_writer w;
	struct hvt_stream_header hdr;
	u64 seq, budget, tsc, rng;
	u32 nr_vcpus;
	struct sm_table *root;
	u64 next_hpa;             /* bump allocator for table hpas ... */
	u64 *free_hpa;            /* ... and the freed ones, reused first */
	u64 nfree, capfree;
	u64 grace_gen;
	int dirty_log[SM_SLOTS];
	int open_fault[HVT_MAX_CPUS];     /* fault emitted, fault_end pending */
	u64 fault_seq[HVT_MAX_CPUS], fault_gpa[HVT_MAX_CPUS], fault_writes[HVT_MAX_CPUS];
	u16 fault_result[HVT_MAX_CPUS];
	u8  fault_kind[HVT_MAX_CPUS];
	u64 hot[HVT_MAX_CPUS];            /* each vCPU's working-set base gfn */
	int io_error;
};

/* Records left before the budget. */
static inline u64 sy_left(const struct synth *s) { return s->budget - s->seq; }
u64 sy_rand(struct synth *s);
/* Emit one record; returns its seq (T1). */
u64 sy_emit(struct synth *s, u16 vcpu, u8 type, u8 reason, u8 level, u8 flags, u16 aux,
	    u64 a, u64 b, u64 c, u64 d, u64 e);

/* synth_mmu.c */
int  sm_init(struct synth *s);
void sm_free(struct synth *s);
/* Map gfn for vcpu (fault path); returns SPTEs written, or -1 if lost race.
 * *leaf_old gets the leaf before (for spurious / fast-fault decisions). */
int  sm_map(struct synth *s, u16 vcpu, u64 gfn, int write, int lost_race);
/* Leaf SPTE of gfn (0 if none) and its sptep. */
u64  sm_leaf(struct synth *s, u64 gfn, u64 *sptep);
/* Fast fault fix: make the leaf of gfn writable and dirty. */
void sm_fast_fix(struct synth *s, u16 vcpu, u64 gfn, u64 err);
/* Hardware: set A (and D if writable) on gfn's leaf without a record. */
void sm_touch(struct synth *s, u64 gfn, int write);
/* Records a zap of the 2 MiB (level 2) or 1 GiB (level 3) region holding
 * gfn would take; 0 if nothing is mapped there. */
u64  sm_zap_cost(struct synth *s, u64 gfn, int level);
/* Zap it: leaves, unlinks, flush (batched or per table), grace, frees. */
void sm_zap(struct synth *s, u64 gfn, int level, int per_table_flush);
/* Records a write-protect / age pass over a memslot would take. */
u64  sm_slot_cost(struct synth *s, int slot, u64 bits);
/* Clear bits (SM_W: write-protect; SM_A: age) on every leaf of slot that
 * has them, then flush if flush_reason != 0. */
void sm_slot_clear(struct synth *s, int slot, u64 bits, u8 spte_reason, u8 flush_reason);

#endif
