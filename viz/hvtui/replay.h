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
 *  R6  Checkpoints may be built in the background (replay_open_deferred):
 *      the builder has its own map and counters and publishes checkpoint i
 *      (ck.count = i + 1) only once it is complete, so at any moment every
 *      checkpoint below ck.count is exact and a seek past the last one
 *      restores the furthest and replays forward (R4 with a shorter index).
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

/* The incremental checkpoint builder (R6). Design: no thread. The builder is
 * one forward SELECT on the replay's own connection, advanced a slice at a
 * time (replay_build) between key presses by the UI loop. Checkpoints are
 * kept in memory (24 MiB for 10M events) and usable as soon as each is
 * taken; the complete set is written to tui_checkpoints in one short
 * transaction at the end (a quit before that caches nothing, and no write
 * lock is held while building). One connection and one thread: no locks,
 * no SQLITE_BUSY between our own connections, deterministic tests. The
 * price: the build only progresses while the user is not typing, which at
 * a slice of a few ms per idle poll is nearly all of the time. */
struct ckpt_builder {
	sqlite3_stmt *st;             /* the forward pass; NULL: no build under way */
	struct spte_map map;          /* state before event ev (or before the next row) */
	struct replay_counters cnt;   /* counters of the events applied so far */
	struct hvt_event ev;          /* row fetched but not applied yet (held) */
	bool held;                    /* ev is valid */
	bool failed;                  /* the build gave up: checkpoints stay partial */
	s64 next;                     /* seq of the next checkpoint to take */
	s64 applied;                  /* events applied (progress) */
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
	struct ckpt_builder bld;      /* background checkpoint build (R6) */
};

/* Traces needing at most this many checkpoints are built at open even by
 * replay_open_deferred (a quarter second at the default interval). */
#define REPLAY_SYNC_CKPTS 4

/* Test hook: a background build stops after this many checkpoints (0 =
 * no limit), so tests can seek with the set partly built. */
extern s64 replay_build_limit;

/* Called every 1M events while checkpoints are built (NULL: silent). */
extern void (*replay_progress)(s64 done, s64 total);

/* Opens a trace database; builds or loads checkpoints every interval events
 * (0 = default). Cursor at the first event. 0, or -1 with err. */
int replay_open(struct replay *r, const char *path, s64 interval, char *err, size_t errlen);
/* Like replay_open, but when checkpoints must be built (and the trace needs
 * more than REPLAY_SYNC_CKPTS) only checkpoint 0 is taken: the rest are
 * built by replay_build() calls (R6). */
int replay_open_deferred(struct replay *r, const char *path, s64 interval, char *err,
			 size_t errlen);
/* Advances the background build by at most max_events events. 1 when every
 * checkpoint is there (cached on completion), 0 if more remain, -1 if the
 * build failed (out of memory: the checkpoints built so far stay usable). */
int replay_build(struct replay *r, s64 max_events);
/* True while a background build is under way. */
bool replay_building(const struct replay *r);
/* Events applied by the builder and the trace's event count (progress). */
void replay_build_progress(const struct replay *r, s64 *done, s64 *total);
/* The largest seq a seek reaches from a built checkpoint within one interval
 * (last_seq once every checkpoint is built). */
s64 replay_fast_reach(const struct replay *r);
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
