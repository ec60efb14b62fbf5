/*
 * walk.h: the page-table path of one gfn, root to leaf, as of the cursor.
 *
 *   root ─► L4 entry ─► L3 table ─► L3 entry ─► ... ─► L1 entry (leaf)
 *   index at level L = (frame >> (9 * (L - 1))) & 511,  sptep = table + 8*index
 *
 * TDP tables are indexed by gfn, shadow tables by gva: the caller passes the
 * frame number that indexes the tables (event_gfn() picks it).
 */
#ifndef HVTUI_WALK_H
#define HVTUI_WALK_H

#include "replay.h"

#define WALK_MAX 5

/* One level of the path. */
struct walk_step {
	unsigned level; /* page-table level of the entry (1 = 4 KiB) */
	u64 table;      /* hpa of the table holding the entry */
	unsigned index; /* entry index in that table, 0..511 */
	u64 sptep;      /* hpa of the entry */
	u64 value;      /* its value as of the cursor */
	bool live;      /* the entry is in the state (else non-present) */
};

/* Walks down from root (entries of level root_level) for frame; returns the
 * number of steps (stops after the first non-present or leaf entry). */
int walk_down(const struct replay *r, u64 root, unsigned root_level, u64 frame,
	      struct walk_step out[WALK_MAX]);
/* The level of a root's entries: the format's levels under TDP; under the
 * shadow MMU the level of the pt_alloc that made the root, since a 32-bit or
 * PAE guest's root is a PAE root of level 3 (4 entries, mmu/SHADOW.md I11)
 * while the format says 4. */
unsigned walk_root_level(struct replay *r, u64 root);
/* The path from the root down to the entry that links table (whose entries
 * are of level level): root first; 0 when no live entry links it. */
int walk_to_table(const struct replay *r, u64 table, unsigned level, struct walk_step out[WALK_MAX]);
/* Shadow MMU: the shadow page whose table is at hpa table, from its latest
 * sp_event at or before the cursor (gfn, role word). False if none. */
bool walk_table_sp(struct replay *r, u64 table, u64 *gfn, u64 *role);
/* Walks up from sptep (level) to the root by finding each table's parent
 * entry, then down again for frame when mmu is TDP; returns steps, root first. */
int walk_up(const struct replay *r, u64 sptep, unsigned level, u64 frame,
	    struct walk_step out[WALK_MAX]);
/* The root the event's vCPU used as of seq (latest SPTE change's root). */
bool walk_root_for(struct replay *r, const struct hvt_event *ev, u64 *root);

#endif
