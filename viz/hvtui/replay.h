/*
 * replay.h: the replay model of hvtui. Plain C, no ncurses.
 *
 * The model holds the page-table state "as of the cursor": the cursor is a
 * seq, and the state is what every event with seq <= cursor left behind.
 *
 * Design invariants (cited as R1.. in code and tests):
 *  R1  map holds exactly the SPTEs whose latest change at or before the
 *      cursor left a value other than the trace's non-present value.
 *  R2  Stepping forward applies a record's NEW value, stepping back its OLD
 *      value (O(1) per step). Because of T2 the two directions agree on every
 *      bit except A/D, which the CPU sets without a record: going back shows
 *      the A/D bits the next writer saw.
 *  R3  counters equal the counts of the events with seq <= cursor.
 *  R4  A checkpoint at seq K is the state and counters BEFORE event K (K is a
 *      multiple of the interval); a seek restores the nearest checkpoint at or
 *      below the target and replays forward, unless stepping from the cursor
 *      is cheaper.
 *  R5  Events are read in seq ranges through the primary key, never all at
 *      once; the window caches the rows around the cursor.
 */
#ifndef HVTUI_REPLAY_H
#define HVTUI_REPLAY_H

#include "tracedb.h"
#include "spte_map.h"
#include "checkpoint.h"

#define REPLAY_WINDOW 512          /* rows cached around the cursor */

/* Counts of the events at or before the cursor, by kind (R3). */
struct replay_counters {
	u64 by_type[HVT_TYPE_MAX];         /* every event, by enum hvt_type */
	u64 spte_by_reason[HVT_SR_MAX];    /* SPTE changes by hvt_spte_reason */
	u64 spte_by_level[6];              /* SPTE changes by level 0..5 */
	u64 flush_by_reason[HVT_FR_MAX];   /* TLB flushes by hvt_flush_reason */
	u64 flush_by_scope[HVT_FS_MAX];    /* TLB flushes by hvt_flush_scope */
	u64 fault_by_kind[HVT_FK_MAX];     /* faults by hvt_fault_kind */
	u64 fault_by_result[HVT_FRES_MAX]; /* FAULT_END by hvt_fault_result */
	u64 lost_races;                    /* SPTE changes with HVT_F_LOST_RACE */
};

/* The rows [lo_seq, hi_seq] fetched around the cursor (R5). */
struct ev_window {
	struct hvt_event ev[REPLAY_WINDOW]; /* rows in seq order */
	int n;                              /* valid rows */
};

struct replay {
	sqlite3 *db;                  /* the trace database (owned) */
	bool writable;                /* db opened read-write (checkpoints cached in it) */
	struct trace_info info;       /* header and seq range */
	struct spte_map map;          /* SPTE state as of the cursor (R1) */
	struct replay_counters cnt;   /* counters as of the cursor (R3) */
	s64 cursor;                   /* last applied seq; first_seq - 1 = nothing applied */
	struct ckpt_set ck;           /* checkpoint index (R4) */
	struct ev_window win;         /* cached rows around the cursor (R5) */
	sqlite3_stmt *range_fwd;      /* rows with seq in [?1, ?2] ascending */
	sqlite3_stmt *range_back;     /* rows with seq in [?1, ?2] descending */
	u64 replayed;                 /* events applied or undone so far (statistics) */
};

/* Called every 1M events while checkpoints are built (NULL: silent). */
extern void (*replay_progress)(s64 done, s64 total);

/* Opens a trace database; builds or loads checkpoints every interval events
 * (0 = default). Cursor at the first event. 0, or -1 with err. */
int replay_open(struct replay *r, const char *path, s64 interval, char *err, size_t errlen);
void replay_close(struct replay *r);
/* Moves the cursor by one event (dir = +1 / -1). 0, or 1 at either end. */
int replay_step(struct replay *r, int dir);
/* Puts the cursor on seq (clamped to the trace). 0 or -1 on error. */
int replay_seek(struct replay *r, s64 seq);
/* Rebuilds the state at seq by replaying from the first event, ignoring
 * checkpoints: the reference the tests compare against. */
int replay_seek_from_start(struct replay *r, s64 seq);
/* The event at the cursor (or at seq), from the window when cached. */
int replay_event(struct replay *r, s64 seq, struct hvt_event *ev);
/* Applies / undoes one event on map and counters (used by the checkpoint
 * builder too). 0 or -ENOMEM. */
int replay_apply(struct spte_map *m, struct replay_counters *c,
		 const struct hvt_spte_format *f, const struct hvt_event *ev);
int replay_undo(struct spte_map *m, struct replay_counters *c,
		const struct hvt_spte_format *f, const struct hvt_event *ev);

#endif
