/*
 * spte_map.h: the SPTE state at the replay cursor, a sparse hash map from
 * sptep (host physical address of the entry) to its value.
 *
 * Only live entries are stored: an entry whose value is the trace's
 * non-present value is removed, so the map's size is the number of live
 * SPTEs and a checkpoint is a plain copy of the map's entries.
 * Open addressing with linear probing and backward-shift deletion (no
 * tombstones), so stepping back and forth never degrades it.
 */
#ifndef HVTUI_SPTE_MAP_H
#define HVTUI_SPTE_MAP_H

#include "../../include/hvlab/types.h"

/* One live SPTE. Also the on-disk layout of a checkpoint's state blob. */
struct spte_entry {
	u64 sptep;  /* host physical address of the entry (the key) */
	u64 value;  /* SPTE value as of the cursor */
	u64 gfn;    /* first gfn this entry maps (from the record that wrote it) */
	u64 level;  /* page-table level 1..5 of the entry; 0 marks an empty slot */
};

struct spte_map {
	struct spte_entry *slot; /* 1 << bits slots; level == 0 means empty */
	unsigned bits;           /* log2 of the number of slots */
	size_t count;            /* live entries */
};

int spte_map_init(struct spte_map *m);
void spte_map_free(struct spte_map *m);
void spte_map_clear(struct spte_map *m);
/* Returns the entry for sptep, or NULL if it is not live. */
const struct spte_entry *spte_map_get(const struct spte_map *m, u64 sptep);
/* Sets sptep's entry (inserting it if needed). 0 or -ENOMEM. */
int spte_map_put(struct spte_map *m, u64 sptep, u64 value, u64 gfn, unsigned level);
/* Removes sptep if present. */
void spte_map_del(struct spte_map *m, u64 sptep);
/* Copies every live entry into out (count entries), sorted by sptep if sort. */
void spte_map_export(const struct spte_map *m, struct spte_entry *out, bool sort);

#endif
