/*
 * tdp_iter.h: a pre-order walk over the SPTEs of one root that map part of
 * [start, end), top level first:
 *
 *   for_each_tdp_pte(iter, vm, root, start, end, min_level) { ... }
 *
 * The walk, in three moves (tdp_iter_next):
 *   1. step down: if the current SPTE is a present non-leaf above min_level,
 *      RE-READ it (another CPU may have changed it since it was read) and,
 *      if still a table, descend to the child entry that contains next_gfn;
 *   2. otherwise step side to the next entry of the same table;
 *   3. at the end of a table step up and try (2) again; at the top, stop.
 * The body may change *sptep: step (1) re-reads it, so the walk follows
 * the new value (into a freshly linked table, or not at all into a zapped
 * one). tdp_iter_skip_children() keeps it from descending (a zap that took
 * a whole subtree). tdp_iter_restart() starts again from the root at
 * next_gfn, for a walk that lost its footing.
 *
 *   level 4  [ e0 | e1 ... ]            visiting order for a 2-entry range:
 *             |                           L4 e0, L3 e0, L2 e0, L1 e0, L1 e1,
 *   level 3  [ e0 | ... ]                 ... then up as each table ends.
 *             |
 *   level 2  [ e0 | ... ]  -> level 1 [ e0 | e1 | ... ]
 */
#ifndef HVLAB_MMU_TDP_ITER_H
#define HVLAB_MMU_TDP_ITER_H

#include "mmu_int.h"

struct tdp_iter {
	u64  *pt_path[MMU_MAX_LEVELS + 1]; /* table being walked at each level */
	u64  *sptep;        /* current entry */
	u64   old_spte;     /* its value as last read (or as written by the body) */
	gfn_t gfn;          /* first gfn the current entry maps */
	gfn_t next_gfn;     /* lowest gfn not yet visited at the leaf level */
	gfn_t end;          /* exclusive end of the range */
	int   level;        /* level of the current entry */
	int   root_level;   /* level of the root's entries */
	int   min_level;    /* do not descend below this level */
	bool  valid;        /* false once the walk is done */
	bool  skip_down;    /* the body asked not to descend from this entry */
	const struct mmu_vm *vm; /* for the format and hpa -> va */
};

void tdp_iter_start(struct tdp_iter *it, const struct mmu_vm *vm, u64 *root,
		    int root_level, gfn_t start, gfn_t end, int min_level);
void tdp_iter_next(struct tdp_iter *it);
void tdp_iter_restart(struct tdp_iter *it);
/* Skip the rest of the current entry's range without descending into it. */
void tdp_iter_skip_children(struct tdp_iter *it);

#define for_each_tdp_pte(it, vm, root, root_level, start, end, min_level)       \
	for (tdp_iter_start(&(it), (vm), (root), (root_level), (start), (end), (min_level)); \
	     (it).valid; tdp_iter_next(&(it)))

static inline u64 spte_read(u64 *sptep)
{
	return __atomic_load_n(sptep, __ATOMIC_ACQUIRE);
}

#endif
