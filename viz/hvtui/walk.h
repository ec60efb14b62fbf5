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

/* Walks down from root for frame; returns the number of steps (stops after
 * the first non-present or leaf entry). */
int walk_down(const struct replay *r, u64 root, u64 frame, struct walk_step out[WALK_MAX]);
/* Walks up from sptep (level) to the root by finding each table's parent
 * entry, then down again for frame when mmu is TDP; returns steps, root first. */
int walk_up(const struct replay *r, u64 sptep, unsigned level, u64 frame,
	    struct walk_step out[WALK_MAX]);
/* The root the event's vCPU used as of seq (latest SPTE change's root). */
bool walk_root_for(struct replay *r, const struct hvt_event *ev, u64 *root);

#endif
