/*
 * app.h: the state of one hvtui session (the replay model plus what the user
 * has asked for: filter, search, marks, play) and the navigation operations
 * the keys call. Operations change the state and return redraw flags; they
 * never draw (view.c draws, from this state only).
 */
#ifndef HVTUI_APP_H
#define HVTUI_APP_H

#include "replay.h"

/* Redraw flags returned by every operation. */
#define RD_NONE   0
#define RD_SCREEN 1  /* state changed: draw the screen again */
#define RD_QUIT   2  /* leave the program */

#define APP_INPUT_MAX 120
#define APP_WHERE_MAX 1024

/* What a prompt's text will be used for. */
enum prompt_kind { PROMPT_NONE, PROMPT_GOTO, PROMPT_SEARCH, PROMPT_FILTER };

/* A compiled filter or search expression (see app_parse_expr). */
struct expr {
	char text[APP_INPUT_MAX];  /* what the user typed */
	char where[APP_WHERE_MAX]; /* the SQL condition it compiles to ("" = none) */
};

struct app {
	struct replay r;            /* the model */
	const char *path;           /* database shown in the title */
	long count;                 /* count prefix typed so far (0 = none) */
	int pending;                /* 'm' or '\'' waiting for a mark letter, else 0 */
	enum prompt_kind prompt;    /* open prompt, if any */
	char input[APP_INPUT_MAX];  /* prompt text typed so far */
	struct expr filter;         /* events shown and stepped through */
	struct expr search;         /* last search (n / N repeat it) */
	s64 marks[26];              /* seq of mark a..z, -1 if unset */
	bool playing;               /* space: step forward on a timer */
	int speed;                  /* index into app_speeds */
	bool help;                  /* the help screen is shown */
	char msg[200];              /* one-line message for the status bar */
	bool msg_error;             /* msg is an error */
	int build_pct;              /* checkpoint build progress last shown */
	s64 teardown_seq;           /* first record of the VM's teardown (app_teardown_start), -1 if none */
	/* Called while a seek waits for the background checkpoint build, with
	 * the builder's progress; returns true to cancel the seek. NULL: wait
	 * silently (headless modes never build in the background). */
	bool (*wait)(struct app *a, s64 done, s64 total);
};

extern const int app_speeds[];  /* events per second while playing */
extern const int app_nr_speeds;

/* Opens the trace; checkpoints are built before it returns (deterministic:
 * tests, --keys/--dump, --state, benches). */
int app_open(struct app *a, const char *path, s64 interval, char *err, size_t errlen);
/* The interactive open: the first screen can be drawn at once and the
 * checkpoints are built by app_background() (replay.h R6). */
int app_open_interactive(struct app *a, const char *path, s64 interval, char *err,
			 size_t errlen);
/* One slice (a few ms) of the background checkpoint build, for the UI loop
 * to call while no key is pending. RD_SCREEN when the progress shown in the
 * title changed, RD_NONE otherwise (also when there is nothing to build). */
int app_background(struct app *a);
void app_close(struct app *a);
void app_message(struct app *a, bool error, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Navigation; each returns RD_* flags. n may be negative (backwards). */
int app_step(struct app *a, long n);
int app_goto(struct app *a, s64 seq);
/* Next (dir > 0) or previous event matching the SQL condition where. */
int app_find(struct app *a, const char *where, int dir, const char *what);
int app_next_type(struct app *a, unsigned type, int dir);
int app_same_spte(struct app *a, int dir);
int app_same_gfn(struct app *a, int dir);
int app_same_kind(struct app *a, int dir);
int app_why(struct app *a);
int app_search(struct app *a, int dir);
int app_set_filter(struct app *a, const char *text);
int app_set_search(struct app *a, const char *text);
int app_play_tick(struct app *a, long steps);

/* Compiles "vcpu=1 type=fault,spte gfn=0x100-0x1ff level=1 reason=zap
 * sptep=0x... 0x1234" into a SQL condition. 0, or -1 with a message. */
int app_parse_expr(const char *text, struct expr *out, char *err, size_t errlen);
/* The VM's teardown (hv/README.md "The end of a run"): the records after the
 * last one a guest caused (exit, entry, fault, fault_end, fast_fault,
 * walk_step, hypercall, mmio, marker), when they hold a teardown SPTE change
 * or a pt_free. Found by reading back from the last seq. -1 if none. */
s64 app_teardown_start(sqlite3 *db, s64 last_seq);
/* A run of identical faults (same vCPU, address, error code and rip, one
 * after the other: hv's livelock stop ends one at 10 000, hv/core/
 * fault_loop.c) around fault: its first and last fault's seq, its length and
 * where fault is in it (1 = first). */
void app_fault_run(struct app *a, const struct hvt_event *fault, s64 *first, s64 *last, s64 *len,
		   s64 *nth);
/* The same on a database (--summary has no session). */
void fault_run(sqlite3 *db, s64 last_seq, const struct hvt_event *fault, s64 *first, s64 *last,
	       s64 *len, s64 *nth);
/* x / X: past the run of identical faults the cursor is in (forward: to its
 * last fault, then past that fault's end), or back to its first fault. */
int app_skip_run(struct app *a, int dir);
/* Seqs of the SPTE writes and flushes a fault caused (at most max). */
int app_fault_effects(struct app *a, const struct hvt_event *fault, s64 *seqs, int max,
		      s64 *end_seq);
/* The fault whose handling wrote this SPTE / flushed (-1 if none). */
s64 app_cause_of(struct app *a, const struct hvt_event *ev);

#endif
