/*
 * checkpoint.h: sparse snapshots of the replay state (replay.h R4).
 *
 * Checkpoint i is the state BEFORE event first_seq + i * interval: the live
 * SPTEs (struct spte_entry, sorted by sptep) and the counters. They are built
 * by one forward pass (at open, or in the background: replay.h R6) into
 * memory, then cached in the trace database in one transaction when the set
 * is complete (no write lock is held while building):
 *
 *   tui_checkpoints(seq INTEGER PRIMARY KEY,  -- the checkpoint's event
 *                   live INTEGER,             -- number of live SPTEs
 *                   counters BLOB,            -- struct replay_counters
 *                   state BLOB)               -- struct spte_entry[live]
 *   tui_checkpoint_info(key TEXT PRIMARY KEY, value INTEGER)
 *                   -- version, interval, first_seq, last_seq, counters_size
 *
 * Blobs are in host byte order; version/counters_size changes rebuild them.
 * When the database is read-only (or busy) the set stays in memory only.
 */
#ifndef HVTUI_CHECKPOINT_H
#define HVTUI_CHECKPOINT_H

#include <sqlite3.h>
#include "spte_map.h"

#define CKPT_VERSION          1
#define CKPT_DEFAULT_INTERVAL 65536

/* One checkpoint held in memory (read-only databases). */
struct ckpt_mem {
	void *counters;            /* counters blob */
	struct spte_entry *state;  /* live SPTEs */
	size_t live;               /* entries in state */
};

struct ckpt_set {
	sqlite3 *db;               /* trace database (not owned) */
	bool in_db;                /* blobs live in tui_checkpoints, else in mem */
	bool persist;              /* write mem into the database when complete */
	bool persisted;            /* ... and that was done */
	s64 first_seq;             /* seq of checkpoint 0 */
	s64 interval;              /* events between checkpoints */
	s64 count;                 /* checkpoints available */
	size_t counters_size;      /* bytes of the counters blob */
	struct ckpt_mem *mem;      /* count entries when !in_db */
	sqlite3_stmt *get;         /* SELECT of one checkpoint by seq */
};

/* Sets up ck; returns 1 if a complete cached set matching the trace was
 * found, 0 if the caller must build (ckpt_begin/put/end), -1 on error. */
int ckpt_open(struct ckpt_set *ck, sqlite3 *db, bool writable, s64 first_seq,
	      s64 last_seq, s64 interval, size_t counters_size);
int ckpt_begin(struct ckpt_set *ck);
/* Stores checkpoint for seq (the next multiple of the interval), in memory. */
int ckpt_put(struct ckpt_set *ck, s64 seq, const struct spte_map *m, const void *counters);
/* The set is complete: cached in the database if it is writable. */
int ckpt_end(struct ckpt_set *ck, s64 last_seq);
/* Index of the checkpoint at or below seq. */
s64 ckpt_index(const struct ckpt_set *ck, s64 seq);
s64 ckpt_seq(const struct ckpt_set *ck, s64 index);
/* Restores checkpoint index into m and counters. 0 or -1. */
int ckpt_load(struct ckpt_set *ck, s64 index, struct spte_map *m, void *counters);
void ckpt_close(struct ckpt_set *ck);

#endif
