/*
 * app.c: session state and navigation for hvtui (see app.h). Searches are
 * SQL over the events table's indexes (trace/schema.sql): type, fault_end
 * by b, SPTE changes by sptep and by gfn; the model then seeks there.
 */
#include "app.h"
#include "decode.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const int app_speeds[] = { 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 5000 };
const int app_nr_speeds = (int)(sizeof(app_speeds) / sizeof(app_speeds[0]));

/* Steps at most this far one event at a time; farther moves seek (R4). */
#define STEP_LIMIT 4096
/* Events per background build slice: 3-10 ms, so a key waits no longer. */
#define BUILD_SLICE 16384
/* A seek up to this many intervals past the furthest built checkpoint
 * replays forward from it (about 0.1 s at the default interval); farther,
 * it waits for the build, showing progress. */
#define REPLAY_AHEAD_CKPTS 4

static void app_init(struct app *a, const char *path)
{
	int i;

	memset(a, 0, sizeof(*a));
	a->path = path;
	a->speed = 3;
	a->build_pct = -1;
	for (i = 0; i < 26; i++)
		a->marks[i] = -1;
}

int app_open(struct app *a, const char *path, s64 interval, char *err, size_t errlen)
{
	app_init(a, path);
	if (replay_open(&a->r, path, interval, err, errlen))
		return -1;
	a->teardown_seq = app_teardown_start(a->r.db, a->r.info.last_seq);
	return 0;
}

int app_open_interactive(struct app *a, const char *path, s64 interval, char *err,
			 size_t errlen)
{
	app_init(a, path);
	if (replay_open_deferred(&a->r, path, interval, err, errlen))
		return -1;
	a->teardown_seq = app_teardown_start(a->r.db, a->r.info.last_seq);
	return 0;
}

/* Records only a running guest makes happen: the teardown comes after the
 * last of them (every vCPU has stopped before mmu_vm_destroy runs). */
static bool guest_record(unsigned type)
{
	switch (type) {
	case HVT_EXIT: case HVT_ENTRY: case HVT_FAULT: case HVT_FAULT_END: case HVT_FAST_FAULT:
	case HVT_WALK_STEP: case HVT_HYPERCALL: case HVT_MMIO: case HVT_MARKER:
		return true;
	default:
		return false;
	}
}

s64 app_teardown_start(sqlite3 *db, s64 last_seq)
{
	sqlite3_stmt *st;
	s64 start = -1;
	bool teardown = false;

	/* Backwards by the primary key: only the teardown's own records are read. */
	if (last_seq < 0 || sqlite3_prepare_v2(db, "SELECT seq, type, reason FROM events"
					       " ORDER BY seq DESC", -1, &st, NULL) != SQLITE_OK)
		return -1;
	while (sqlite3_step(st) == SQLITE_ROW) {
		unsigned type = (unsigned)sqlite3_column_int(st, 1);

		if (guest_record(type))
			break;
		if ((type == HVT_SPTE_CHANGE && sqlite3_column_int(st, 2) == HVT_SR_TEARDOWN) ||
		    type == HVT_PT_FREE)
			teardown = true;
		start = sqlite3_column_int64(st, 0);
	}
	sqlite3_finalize(st);
	return teardown ? start : -1;
}

/* The nearest fault of vcpu at or before seq (before: dir < 0 excludes seq). */
static s64 fault_at_or_before(struct app *a, unsigned vcpu, s64 seq)
{
	s64 args[2] = { seq, vcpu }, v;

	if (tracedb_query_s64(a->r.db, "SELECT seq FROM events WHERE type = 3 AND seq <= ?1"
			      " AND vcpu = ?2 ORDER BY seq DESC LIMIT 1", args, 2, &v) == 0)
		return v;
	return -1;
}

/* Is the vCPU's fault just before (dir < 0) or after f the same fault? */
static bool same_fault_near(sqlite3 *db, const struct hvt_event *f, int dir)
{
	sqlite3_stmt *st;
	bool same = false;

	if (sqlite3_prepare_v2(db, dir < 0 ? "SELECT a, b, d FROM events WHERE type = 3 AND seq < ?1"
			       " AND vcpu = ?2 ORDER BY seq DESC LIMIT 1" : "SELECT a, b, d FROM events"
			       " WHERE type = 3 AND seq > ?1 AND vcpu = ?2 ORDER BY seq LIMIT 1", -1, &st,
			       NULL) != SQLITE_OK)
		return false;
	sqlite3_bind_int64(st, 1, f->seq);
	sqlite3_bind_int(st, 2, f->vcpu);
	if (sqlite3_step(st) == SQLITE_ROW)
		same = (u64)sqlite3_column_int64(st, 0) == f->a && (u64)sqlite3_column_int64(st, 1) == f->b &&
		       (u64)sqlite3_column_int64(st, 2) == f->d;
	sqlite3_finalize(st);
	return same;
}

void fault_run(sqlite3 *db, s64 last_seq, const struct hvt_event *f, s64 *first, s64 *last,
	       s64 *len, s64 *nth)
{
	/* The nearest fault of the vCPU that differs, on each side; ORDER BY +
	 * LIMIT reads on by seq from the fault and stops there. */
	static const char before[] = "SELECT seq FROM events WHERE type = 3 AND seq < ?1 AND vcpu = ?2"
		" AND (a != ?3 OR b != ?4 OR d != ?5) ORDER BY seq DESC LIMIT 1";
	static const char after[] = "SELECT seq FROM events WHERE type = 3 AND seq > ?1 AND vcpu = ?2"
		" AND (a != ?3 OR b != ?4 OR d != ?5) ORDER BY seq LIMIT 1";
	static const char edge[] = "SELECT %s(seq) FROM events WHERE type = 3 AND vcpu = ?3"
		" AND seq > ?1 AND seq < ?2";
	s64 args[5] = { f->seq, f->vcpu, (s64)f->a, (s64)f->b, (s64)f->d }, lo, hi, v;
	s64 range[3];
	char sql[160];

	*first = *last = f->seq;
	*len = *nth = 1;
	/* Most faults differ from both neighbours: two look-ups and done. */
	if (!same_fault_near(db, f, -1) && !same_fault_near(db, f, +1))
		return;
	if (tracedb_query_s64(db, before, args, 5, &lo))
		lo = -1;
	if (tracedb_query_s64(db, after, args, 5, &hi))
		hi = last_seq + 1;
	range[0] = lo, range[1] = hi, range[2] = f->vcpu;
	snprintf(sql, sizeof(sql), edge, "min");
	*first = tracedb_query_s64(db, sql, range, 3, &v) == 0 ? v : f->seq;
	snprintf(sql, sizeof(sql), edge, "max");
	*last = tracedb_query_s64(db, sql, range, 3, &v) == 0 ? v : f->seq;
	snprintf(sql, sizeof(sql), edge, "count");
	*len = tracedb_query_s64(db, sql, range, 3, &v) == 0 ? v : 1;
	range[1] = f->seq + 1;
	*nth = *len > 1 && tracedb_query_s64(db, sql, range, 3, &v) == 0 ? v : 1;
}

void app_fault_run(struct app *a, const struct hvt_event *f, s64 *first, s64 *last, s64 *len,
		   s64 *nth)
{
	fault_run(a->r.db, a->r.info.last_seq, f, first, last, len, nth);
}

int app_skip_run(struct app *a, int dir)
{
	struct hvt_event ev, f;
	s64 first, last, len, nth, fault, end;

	if (replay_event(&a->r, a->r.cursor, &ev))
		return RD_SCREEN;
	fault = ev.vcpu == HVT_NO_VCPU ? -1 : fault_at_or_before(a, ev.vcpu, a->r.cursor);
	if (fault < 0 || tracedb_get(a->r.db, fault, &f)) {
		app_message(a, true, "no fault of this vCPU at or before the cursor");
		return RD_SCREEN;
	}
	app_fault_run(a, &f, &first, &last, &len, &nth);
	if (len < 2) {
		app_message(a, false, "fault %lld is not repeated (no run of identical faults)",
			    (long long)fault);
		return RD_SCREEN;
	}
	if (dir < 0) {
		app_message(a, false, "first of %lld identical faults", (long long)len);
		return app_goto(a, first);
	}
	if (a->r.cursor < last) {
		app_message(a, false, "last of %lld identical faults (x again: past it)", (long long)len);
		return app_goto(a, last);
	}
	/* Past the last one: the event after its fault_end (or after it). */
	{
		s64 args[1] = { last };

		if (tracedb_query_s64(a->r.db, "SELECT seq FROM events WHERE type = 4 AND b = ?1",
				      args, 1, &end))
			end = last;
	}
	app_message(a, false, "after the %lld identical faults", (long long)len);
	return app_goto(a, end + 1 > a->r.info.last_seq ? a->r.info.last_seq : end + 1);
}

static int build_pct(const struct app *a)
{
	s64 done, total;

	replay_build_progress(&a->r, &done, &total);
	return total > 0 ? (int)(done * 100 / total) : 100;
}

int app_background(struct app *a)
{
	int pct;

	if (!replay_building(&a->r))
		return RD_NONE;
	if (replay_build(&a->r, BUILD_SLICE) < 0) {
		app_message(a, true, "checkpoint build failed (out of memory?): far seeks replay"
			    " from the last of %lld checkpoints", (long long)a->r.ck.count);
		return RD_SCREEN;
	}
	pct = replay_building(&a->r) ? build_pct(a) : 100;
	if (pct == a->build_pct)
		return RD_NONE;
	a->build_pct = pct;
	return RD_SCREEN;
}

/* Before a seek to seq far past the checkpoints built so far: runs the
 * build up to seq, reporting progress through a->wait. false if the user
 * cancelled (the cursor stays). */
static bool wait_for_checkpoints(struct app *a, s64 seq)
{
	s64 done, total, before;
	bool waited = false;

	while (replay_building(&a->r) &&
	       seq > replay_fast_reach(&a->r) + REPLAY_AHEAD_CKPTS * a->r.ck.interval) {
		replay_build_progress(&a->r, &before, &total);
		if (replay_build(&a->r, BUILD_SLICE) < 0)
			break; /* seek from the furthest checkpoint there is */
		replay_build_progress(&a->r, &done, &total);
		if (done == before)
			break; /* held (replay_build_limit): no use waiting */
		a->build_pct = build_pct(a);
		waited = true;
		if (a->wait && a->wait(a, done, total)) {
			app_message(a, false, "seek to %lld cancelled: checkpoints built up to %lld"
				    " (%d%%)", (long long)seq, (long long)replay_fast_reach(&a->r),
				    build_pct(a));
			return false;
		}
	}
	a->build_pct = replay_building(&a->r) ? build_pct(a) : 100;
	if (waited)
		a->msg[0] = 0; /* the progress line */
	return true;
}

void app_close(struct app *a)
{
	replay_close(&a->r);
}

void app_message(struct app *a, bool error, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(a->msg, sizeof(a->msg), fmt, ap);
	va_end(ap);
	a->msg_error = error;
}

int app_goto(struct app *a, s64 seq)
{
	if (!wait_for_checkpoints(a, seq))
		return RD_SCREEN;
	if (replay_seek(&a->r, seq)) {
		app_message(a, true, "seek to %lld failed: %s", (long long)seq,
			    sqlite3_errmsg(a->r.db));
		return RD_SCREEN;
	}
	if (a->r.cursor != seq)
		app_message(a, false, "seq %lld is outside the trace: at %lld", (long long)seq,
			    (long long)a->r.cursor);
	return RD_SCREEN;
}

/* The seq of the next/previous event after the cursor matching where. */
static int find_seq(struct app *a, const char *where, int dir, s64 from, s64 *out)
{
	char sql[APP_WHERE_MAX * 2 + 200];

	snprintf(sql, sizeof(sql), "SELECT seq FROM events WHERE seq %s ?1 AND (%s)"
		 " ORDER BY seq %s LIMIT 1", dir > 0 ? ">" : "<", where, dir > 0 ? "ASC" : "DESC");
	return tracedb_query_s64(a->r.db, sql, &from, 1, out);
}

int app_find(struct app *a, const char *where, int dir, const char *what)
{
	s64 seq;
	int rc = find_seq(a, where, dir, a->r.cursor, &seq);

	if (rc < 0) {
		app_message(a, true, "query failed: %s", sqlite3_errmsg(a->r.db));
		return RD_SCREEN;
	}
	if (rc > 0) {
		app_message(a, false, "no %s %s", dir > 0 ? "later" : "earlier", what);
		return RD_SCREEN;
	}
	app_message(a, false, "%s: seq %lld", what, (long long)seq);
	return app_goto(a, seq);
}

/* Steps through the events the filter lets through, |n| times. */
static int step_filtered(struct app *a, long n)
{
	int dir = n > 0 ? 1 : -1;
	s64 at = a->r.cursor, seq;
	long i;

	for (i = 0; i < labs(n); i++) {
		if (find_seq(a, a->filter.where, dir, at, &seq))
			break;
		at = seq;
	}
	if (i == 0) {
		app_message(a, false, "no %s event matches the filter", dir > 0 ? "later" : "earlier");
		return RD_SCREEN;
	}
	return app_goto(a, at);
}

int app_step(struct app *a, long n)
{
	long i;
	int dir = n > 0 ? 1 : -1;

	if (a->filter.where[0])
		return step_filtered(a, n);
	if (labs(n) > STEP_LIMIT)
		return app_goto(a, a->r.cursor + n);
	for (i = 0; i < labs(n); i++) {
		if (replay_step(&a->r, dir))
			break;
	}
	if (i < labs(n))
		app_message(a, false, "%s of the trace", dir > 0 ? "end" : "start");
	return RD_SCREEN;
}

int app_next_type(struct app *a, unsigned type, int dir)
{
	char where[64];

	snprintf(where, sizeof(where), "type = %u", type);
	return app_find(a, where, dir, type_name(type));
}

static bool cursor_event(struct app *a, struct hvt_event *ev)
{
	if (replay_event(&a->r, a->r.cursor, ev) == 0)
		return true;
	app_message(a, true, "no event at seq %lld", (long long)a->r.cursor);
	return false;
}

int app_same_spte(struct app *a, int dir)
{
	struct hvt_event ev;
	char where[160];
	u64 sptep;

	if (!cursor_event(a, &ev))
		return RD_SCREEN;
	if (!event_sptep(&ev, &sptep)) {
		app_message(a, false, "this %s names no SPTE", type_name(ev.type));
		return RD_SCREEN;
	}
	snprintf(where, sizeof(where), "type = 1 AND b = %lld", (long long)sptep);
	return app_find(a, where, dir, "change of this SPTE");
}

int app_same_gfn(struct app *a, int dir)
{
	struct hvt_event ev;
	char where[160];
	u64 gfn;

	if (!cursor_event(a, &ev))
		return RD_SCREEN;
	if (!event_gfn(&ev, a->r.info.mmu_mode, &gfn)) {
		app_message(a, false, "this %s names no gfn", type_name(ev.type));
		return RD_SCREEN;
	}
	snprintf(where, sizeof(where), "type = 1 AND a = %lld", (long long)gfn);
	return app_find(a, where, dir, "SPTE change of this gfn");
}

int app_same_kind(struct app *a, int dir)
{
	struct hvt_event ev;
	char where[96], what[64];

	if (!cursor_event(a, &ev))
		return RD_SCREEN;
	snprintf(where, sizeof(where), "type = %u AND reason = %u", ev.type, ev.reason);
	snprintf(what, sizeof(what), "%s of this kind", type_name(ev.type));
	return app_find(a, where, dir, what);
}

/* ---- why: faults and their effects -------------------------------------- */

int app_fault_effects(struct app *a, const struct hvt_event *fault, s64 *seqs, int max,
		      s64 *end_seq)
{
	static const char sql_end[] = "SELECT seq FROM events WHERE type = 4 AND b = ?1";
	static const char sql_fx[] = "SELECT seq FROM events WHERE seq > ?1 AND seq < ?2"
				     " AND vcpu = ?3 AND type IN (1, 2) ORDER BY seq LIMIT ?4";
	sqlite3_stmt *st;
	int n = 0;

	*end_seq = -1;
	if (tracedb_query_s64(a->r.db, sql_end, &fault->seq, 1, end_seq))
		*end_seq = -1;
	if (sqlite3_prepare_v2(a->r.db, sql_fx, -1, &st, NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_int64(st, 1, fault->seq);
	sqlite3_bind_int64(st, 2, *end_seq >= 0 ? *end_seq : a->r.info.last_seq + 1);
	sqlite3_bind_int64(st, 3, fault->vcpu);
	sqlite3_bind_int64(st, 4, max);
	while (n < max && sqlite3_step(st) == SQLITE_ROW)
		seqs[n++] = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

/* A fault handler's records lie within this many events of its start: the
 * bound keeps the look-up O(window) when no fault of that vCPU is open. */
#define FAULT_WINDOW 65536

s64 app_cause_of(struct app *a, const struct hvt_event *ev)
{
	static const char sql_fault[] = "SELECT seq FROM events WHERE type = 3 AND vcpu = ?2"
					" AND seq < ?1 AND seq >= ?3 ORDER BY seq DESC LIMIT 1";
	static const char sql_end[] = "SELECT seq FROM events WHERE type = 4 AND b = ?1";
	s64 args[3] = { ev->seq, ev->vcpu, ev->seq - FAULT_WINDOW }, fault, end;

	if (ev->vcpu == HVT_NO_VCPU) /* VMM context: no vCPU fault in progress */
		return -1;
	if (tracedb_query_s64(a->r.db, sql_fault, args, 3, &fault))
		return -1;
	if (tracedb_query_s64(a->r.db, sql_end, &fault, 1, &end) == 0 && end < ev->seq)
		return -1; /* that fault had ended: not its doing */
	return fault;
}

/* A change outside any fault: the flush that made it visible to the TLBs. */
static int why_change(struct app *a, const struct hvt_event *ev)
{
	char where[200];

	snprintf(where, sizeof(where), "type = 2 AND (b = 0 OR (a <= %lld AND %lld < a + b))",
		 (long long)ev->a, (long long)ev->a);
	return app_find(a, where, +1, "flush covering this change (no fault caused it)");
}

/* A flush outside any fault: the latest SPTE change in its range. */
static int why_flush(struct app *a, const struct hvt_event *ev)
{
	char where[200];

	if (ev->b == 0)
		snprintf(where, sizeof(where), "type = 1");
	else
		snprintf(where, sizeof(where), "type = 1 AND a >= %lld AND a < %lld",
			 (long long)ev->a, (long long)(ev->a + ev->b));
	return app_find(a, where, -1, "SPTE change this flush covers");
}

int app_why(struct app *a)
{
	struct hvt_event ev;
	s64 fx[1], end, cause;

	if (!cursor_event(a, &ev))
		return RD_SCREEN;
	if (ev.type == HVT_FAULT) {
		if (app_fault_effects(a, &ev, fx, 1, &end) == 0) {
			app_message(a, false, "fault %lld wrote no SPTE and flushed nothing",
				    (long long)ev.seq);
			return RD_SCREEN;
		}
		app_message(a, false, "first effect of fault %lld (w again: back)", (long long)ev.seq);
		return app_goto(a, fx[0]);
	}
	if (ev.type == HVT_FAULT_END)
		return app_goto(a, (s64)ev.b);
	if (ev.type != HVT_SPTE_CHANGE && ev.type != HVT_TLB_FLUSH) {
		app_message(a, false, "w works on faults, SPTE changes and flushes");
		return RD_SCREEN;
	}
	cause = app_cause_of(a, &ev);
	if (cause >= 0) {
		app_message(a, false, "caused by fault %lld (w again: its first effect)",
			    (long long)cause);
		return app_goto(a, cause);
	}
	return ev.type == HVT_SPTE_CHANGE ? why_change(a, &ev) : why_flush(a, &ev);
}

/* ---- search, filter, play ------------------------------------------------- */

int app_search(struct app *a, int dir)
{
	char what[APP_INPUT_MAX + 16];

	if (!a->search.where[0]) {
		app_message(a, false, "no search yet: / to search");
		return RD_SCREEN;
	}
	snprintf(what, sizeof(what), "match of /%s", a->search.text);
	return app_find(a, a->search.where, dir, what);
}

int app_set_search(struct app *a, const char *text)
{
	struct expr e;
	char err[160];

	if (app_parse_expr(text, &e, err, sizeof(err))) {
		app_message(a, true, "search: %s", err);
		return RD_SCREEN;
	}
	if (!e.where[0])
		return RD_SCREEN;
	a->search = e;
	return app_search(a, +1);
}

int app_set_filter(struct app *a, const char *text)
{
	struct expr e;
	char err[160];
	s64 probe;

	if (app_parse_expr(text, &e, err, sizeof(err))) {
		app_message(a, true, "filter: %s", err);
		return RD_SCREEN;
	}
	a->filter = e;
	if (!e.where[0]) {
		app_message(a, false, "filter cleared");
		return RD_SCREEN;
	}
	if (find_seq(a, e.where, +1, a->r.cursor - 1, &probe) == 0)
		app_message(a, false, "filter: %s", e.text);
	else if (find_seq(a, e.where, -1, a->r.cursor, &probe) == 0)
		app_message(a, false, "filter: %s (no later match)", e.text);
	else
		app_message(a, true, "filter: %s matches nothing", e.text);
	return RD_SCREEN;
}

int app_play_tick(struct app *a, long steps)
{
	if (!a->playing)
		return RD_NONE;
	if (a->r.cursor >= a->r.info.last_seq) {
		a->playing = false;
		app_message(a, false, "end of the trace: paused");
		return RD_SCREEN;
	}
	return app_step(a, steps);
}
