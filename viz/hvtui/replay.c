/*
 * replay.c: the replay model (see replay.h for the invariants R1..R6).
 *
 *   open ──► checkpoints cached? ──no──► one forward pass, snapshot every
 *                 │ yes                  interval events (R4); deferred open:
 *                 │                      only checkpoint 0 now, the rest in
 *                 ▼                      replay_build() slices (R6)
 *   restore checkpoint 0, replay to the first event: cursor = first_seq
 *
 *   step +1: apply(event cursor+1)  (new value)      replay_step()
 *   step -1: undo(event cursor)     (old value, R2)  replay_step()
 *   seek S : cheapest of {step from cursor, nearest checkpoint <= S + replay}
 */
#include "replay.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* A checkpoint restore costs about this many stepped events, plus the copy
 * of its live SPTEs: used to choose between stepping and restoring. */
#define CKPT_RESTORE_COST 2048

/* ---- applying one event ------------------------------------------------ */

/* Adds delta (+1 / -1) to the counters of ev (R3). */
static void count_event(struct replay_counters *c, const struct hvt_event *ev, s64 delta)
{
	if (ev->type < HVT_TYPE_MAX)
		c->by_type[ev->type] += (u64)delta;
	switch (ev->type) {
	case HVT_SPTE_CHANGE:
		if (ev->reason < HVT_SR_MAX)
			c->spte_by_reason[ev->reason] += (u64)delta;
		if (ev->level < 6)
			c->spte_by_level[ev->level] += (u64)delta;
		if (ev->flags & HVT_F_LOST_RACE)
			c->lost_races += (u64)delta;
		break;
	case HVT_TLB_FLUSH:
		if (ev->reason < HVT_FR_MAX)
			c->flush_by_reason[ev->reason] += (u64)delta;
		if (ev->aux < HVT_FS_MAX)
			c->flush_by_scope[ev->aux] += (u64)delta;
		break;
	case HVT_FAULT:
		if (ev->reason < HVT_FK_MAX)
			c->fault_by_kind[ev->reason] += (u64)delta;
		break;
	case HVT_FAULT_END:
		if (ev->aux < HVT_FRES_MAX)
			c->fault_by_result[ev->aux] += (u64)delta;
		break;
	default:
		break;
	}
}

/* Sets the SPTE at ev's sptep to value, keeping only live entries (R1). */
static int set_spte(struct spte_map *m, const struct hvt_spte_format *f,
		    const struct hvt_event *ev, u64 value)
{
	if (value == f->nonpresent_value) {
		spte_map_del(m, ev->b);
		return 0;
	}
	return spte_map_put(m, ev->b, value, ev->a, ev->level);
}

int replay_apply(struct spte_map *m, struct replay_counters *c,
		 const struct hvt_spte_format *f, const struct hvt_event *ev)
{
	count_event(c, ev, +1);
	/* T3: a lost race wrote nothing (new == old). FAST_FAULT records are
	 * informational: the write itself is an SPTE_CHANGE (HVT_SR_FAST_FIX). */
	if (ev->type != HVT_SPTE_CHANGE || (ev->flags & HVT_F_LOST_RACE))
		return 0;
	return set_spte(m, f, ev, ev->d);
}

int replay_undo(struct spte_map *m, struct replay_counters *c,
		const struct hvt_spte_format *f, const struct hvt_event *ev)
{
	count_event(c, ev, -1);
	if (ev->type != HVT_SPTE_CHANGE || (ev->flags & HVT_F_LOST_RACE))
		return 0;
	return set_spte(m, f, ev, ev->c); /* R2: the old value */
}

/* ---- ranges of events --------------------------------------------------- */

/* Applies (dir > 0, ascending) or undoes (dir < 0, descending) every event
 * with seq in [lo, hi]. */
static int replay_range(struct replay *r, s64 lo, s64 hi, int dir)
{
	sqlite3_stmt *st = dir > 0 ? r->range_fwd : r->range_back;
	struct hvt_event ev;
	int rc, err = 0;

	sqlite3_reset(st);
	sqlite3_bind_int64(st, 1, lo);
	sqlite3_bind_int64(st, 2, hi);
	while (!err && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		ev_from_row(st, &ev);
		err = dir > 0 ? replay_apply(&r->map, &r->cnt, &r->info.fmt, &ev)
			      : replay_undo(&r->map, &r->cnt, &r->info.fmt, &ev);
		r->replayed++;
	}
	sqlite3_reset(st);
	return err || rc != SQLITE_DONE ? -1 : 0;
}

/* ---- the event window (R5) ---------------------------------------------- */

static struct hvt_event *window_find(struct ev_window *w, s64 seq)
{
	int lo = 0, hi = w->n - 1, mid;

	if (w->n && seq - w->ev[0].seq < w->n && seq >= w->ev[0].seq &&
	    w->ev[seq - w->ev[0].seq].seq == seq)
		return &w->ev[seq - w->ev[0].seq]; /* T1: no gaps, direct index */
	while (lo <= hi) {
		mid = (lo + hi) / 2;
		if (w->ev[mid].seq == seq)
			return &w->ev[mid];
		if (w->ev[mid].seq < seq)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return NULL;
}

/* Refetches the window so that it is centred on seq. */
static int window_fill(struct replay *r, s64 seq)
{
	sqlite3_stmt *st = r->range_fwd;
	s64 lo = seq - REPLAY_WINDOW / 2;

	r->win.n = 0;
	sqlite3_reset(st);
	sqlite3_bind_int64(st, 1, lo);
	sqlite3_bind_int64(st, 2, lo + REPLAY_WINDOW - 1);
	while (r->win.n < REPLAY_WINDOW && sqlite3_step(st) == SQLITE_ROW)
		ev_from_row(st, &r->win.ev[r->win.n++]);
	sqlite3_reset(st);
	return 0;
}

int replay_event(struct replay *r, s64 seq, struct hvt_event *ev)
{
	struct hvt_event *hit = window_find(&r->win, seq);

	if (!hit) {
		window_fill(r, seq);
		hit = window_find(&r->win, seq);
	}
	if (!hit)
		return 1;
	*ev = *hit;
	return 0;
}

/* ---- stepping and seeking ----------------------------------------------- */

int replay_step(struct replay *r, int dir)
{
	struct hvt_event ev;

	if (r->info.last_seq < 0)
		return 1;
	if (dir > 0) {
		if (r->cursor >= r->info.last_seq || replay_event(r, r->cursor + 1, &ev))
			return 1;
		if (replay_apply(&r->map, &r->cnt, &r->info.fmt, &ev))
			return -1;
		r->cursor = ev.seq;
	} else {
		if (r->cursor <= r->info.first_seq || replay_event(r, r->cursor, &ev))
			return 1;
		if (replay_undo(&r->map, &r->cnt, &r->info.fmt, &ev))
			return -1;
		r->cursor--;
	}
	r->replayed++;
	return 0;
}

static int restore_checkpoint(struct replay *r, s64 index)
{
	if (ckpt_load(&r->ck, index, &r->map, &r->cnt))
		return -1;
	r->cursor = ckpt_seq(&r->ck, index) - 1; /* R4: state before its event */
	return 0;
}

static s64 clamp_seq(const struct replay *r, s64 seq)
{
	if (seq > r->info.last_seq)
		seq = r->info.last_seq;
	if (seq < r->info.first_seq)
		seq = r->info.first_seq;
	return seq;
}

int replay_seek(struct replay *r, s64 seq)
{
	s64 index, dist_cursor, dist_ckpt;

	if (r->info.last_seq < 0)
		return 0;
	seq = clamp_seq(r, seq);
	index = ckpt_index(&r->ck, seq);
	dist_cursor = seq >= r->cursor ? seq - r->cursor : r->cursor - seq;
	dist_ckpt = seq - ckpt_seq(&r->ck, index) + CKPT_RESTORE_COST + (s64)r->map.count / 8;
	if (dist_ckpt < dist_cursor && restore_checkpoint(r, index) == 0)
		dist_cursor = seq - r->cursor;
	if (seq > r->cursor && replay_range(r, r->cursor + 1, seq, +1))
		return -1;
	if (seq < r->cursor && replay_range(r, seq + 1, r->cursor, -1))
		return -1;
	r->cursor = seq;
	return 0;
}

int replay_seek_from_start(struct replay *r, s64 seq)
{
	spte_map_clear(&r->map);
	memset(&r->cnt, 0, sizeof(r->cnt));
	r->cursor = r->info.first_seq - 1;
	if (r->info.last_seq < 0)
		return 0;
	seq = clamp_seq(r, seq);
	if (replay_range(r, r->info.first_seq, seq, +1))
		return -1;
	r->cursor = seq;
	return 0;
}

/* ---- open / close --------------------------------------------------------- */

void (*replay_progress)(s64 done, s64 total);

/* Only the columns replay_apply() reads: the one full pass decodes less. */
static const char build_sql[] = "SELECT seq, type, reason, level, flags, aux, a, b, d"
				" FROM events ORDER BY seq";

static void lean_row(sqlite3_stmt *st, struct hvt_event *ev)
{
	ev->seq = sqlite3_column_int64(st, 0);
	ev->type = (u8)sqlite3_column_int(st, 1);
	ev->reason = (u8)sqlite3_column_int(st, 2);
	ev->level = (u8)sqlite3_column_int(st, 3);
	ev->flags = (u8)sqlite3_column_int(st, 4);
	ev->aux = (u16)sqlite3_column_int(st, 5);
	ev->a = (u64)sqlite3_column_int64(st, 6);
	ev->b = (u64)sqlite3_column_int64(st, 7);
	ev->d = (u64)sqlite3_column_int64(st, 8);
}

s64 replay_build_limit;

/* Starts the forward pass: ck must be open (ckpt_open returned 0). */
static int build_start(struct replay *r)
{
	struct ckpt_builder *b = &r->bld;

	memset(b, 0, sizeof(*b));
	b->next = r->ck.first_seq;
	if (spte_map_init(&b->map))
		return -1;
	if (ckpt_begin(&r->ck) || sqlite3_prepare_v2(r->db, build_sql, -1, &b->st, NULL) != SQLITE_OK) {
		sqlite3_finalize(b->st);
		b->st = NULL;
		return -1;
	}
	return 0;
}

/* Ends the pass (complete or not: an unfinished set is never cached). */
static void build_stop(struct replay *r)
{
	struct ckpt_builder *b = &r->bld;

	sqlite3_finalize(b->st);
	b->st = NULL;
	spte_map_free(&b->map);
}

/* Applies up to budget events, snapshotting before every interval-th
 * (R4). limit > 0: take at most limit checkpoints (test hook). 1 = done,
 * 0 = more to do, -1 = error. */
static int build_run(struct replay *r, s64 budget, s64 limit, bool progress)
{
	struct ckpt_builder *b = &r->bld;
	s64 total = r->info.last_seq - r->info.first_seq + 1;
	bool end = false;
	int rc;

	if (!b->st)
		return b->failed ? -1 : 1;
	while (budget-- > 0) {
		if (!b->held) {
			rc = sqlite3_step(b->st);
			if ((end = rc == SQLITE_DONE))
				break;
			if (rc != SQLITE_ROW)
				return -1;
			lean_row(b->st, &b->ev);
			b->held = true;
		}
		for (; b->next <= b->ev.seq; b->next += r->ck.interval) {
			if (limit > 0 && r->ck.count >= limit)
				return 0;
			if (ckpt_put(&r->ck, b->next, &b->map, &b->cnt))
				return -1;
		}
		if (replay_apply(&b->map, &b->cnt, &r->info.fmt, &b->ev))
			return -1;
		b->held = false;
		if (progress && replay_progress && b->applied % (1 << 20) == 0)
			replay_progress(b->applied, total);
		b->applied++;
	}
	if (!end)
		return 0;
	/* SQLITE_DONE: the pass is complete. */
	if (r->ck.count == 0 && ckpt_put(&r->ck, b->next, &b->map, &b->cnt)) /* empty trace */
		return -1;
	build_stop(r);
	return ckpt_end(&r->ck, r->info.last_seq) ? -1 : 1; /* cached here (R6) */
}

static int prepare_statements(struct replay *r)
{
	if (sqlite3_prepare_v2(r->db, "SELECT " EV_COLUMNS " FROM events WHERE seq >= ?1"
			       " AND seq <= ?2 ORDER BY seq", -1, &r->range_fwd, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_prepare_v2(r->db, "SELECT " EV_COLUMNS " FROM events WHERE seq >= ?1"
			       " AND seq <= ?2 ORDER BY seq DESC", -1, &r->range_back,
			       NULL) != SQLITE_OK)
		return -1;
	return 0;
}

/* Checkpoints a trace needs (ckpt.c count_for). */
static s64 ckpts_needed(const struct replay *r, s64 interval)
{
	s64 iv = interval > 0 ? interval : CKPT_DEFAULT_INTERVAL;

	return r->info.last_seq < r->info.first_seq ? 1 :
	       (r->info.last_seq - r->info.first_seq) / iv + 1;
}

/* Loads cached checkpoints or builds them; when the database cannot take
 * them (busy with another writer, full disk) they are built in memory.
 * defer: build only checkpoint 0 now, the rest in replay_build() (R6). */
static int open_checkpoints(struct replay *r, s64 interval, bool defer, bool writable,
			    char *err, size_t errlen)
{
	int cached, rc;

	defer = defer && ckpts_needed(r, interval) > REPLAY_SYNC_CKPTS;
	for (;;) {
		cached = ckpt_open(&r->ck, r->db, writable, r->info.first_seq,
				   r->info.last_seq, interval, sizeof(r->cnt));
		if (cached > 0)
			return 0;
		if (cached == 0 && build_start(r) == 0) {
			rc = defer ? build_run(r, 1, replay_build_limit, false)
				   : build_run(r, INT64_MAX, 0, true);
			if (rc == 1 || (defer && rc == 0 && r->ck.count > 0))
				return 0;
		}
		build_stop(r);
		if (!writable)
			break;
		ckpt_close(&r->ck);
		writable = false;
	}
	snprintf(err, errlen, "cannot build checkpoints: %s", sqlite3_errmsg(r->db));
	return -1;
}

static int open_common(struct replay *r, const char *path, s64 interval, bool defer,
		       char *err, size_t errlen)
{
	memset(r, 0, sizeof(*r));
	if (tracedb_open(path, &r->db, &r->writable, err, errlen))
		return -1;
	if (tracedb_load_info(r->db, &r->info, err, errlen) || spte_map_init(&r->map))
		goto fail;
	if (prepare_statements(r)) {
		snprintf(err, errlen, "cannot query events: %s", sqlite3_errmsg(r->db));
		goto fail;
	}
	r->cursor = r->info.first_seq - 1;
	if (open_checkpoints(r, interval, defer, r->writable, err, errlen))
		goto fail;
	if (r->info.last_seq >= 0 && replay_seek(r, r->info.first_seq)) {
		snprintf(err, errlen, "cannot replay: %s", sqlite3_errmsg(r->db));
		goto fail;
	}
	return 0;
fail:
	replay_close(r);
	return -1;
}

int replay_open(struct replay *r, const char *path, s64 interval, char *err, size_t errlen)
{
	return open_common(r, path, interval, false, err, errlen);
}

int replay_open_deferred(struct replay *r, const char *path, s64 interval, char *err,
			 size_t errlen)
{
	return open_common(r, path, interval, true, err, errlen);
}

bool replay_building(const struct replay *r)
{
	return r->bld.st != NULL;
}

void replay_build_progress(const struct replay *r, s64 *done, s64 *total)
{
	*total = r->info.last_seq < r->info.first_seq ? 0 : r->info.last_seq - r->info.first_seq + 1;
	*done = replay_building(r) ? r->bld.applied : *total;
}

s64 replay_fast_reach(const struct replay *r)
{
	if (!replay_building(r) && !r->bld.failed)
		return r->info.last_seq;
	if (r->ck.count == 0)
		return r->info.first_seq - 1;
	return ckpt_seq(&r->ck, r->ck.count - 1) + r->ck.interval - 1;
}

int replay_build(struct replay *r, s64 max_events)
{
	int rc;

	if (!replay_building(r))
		return r->bld.failed ? -1 : 1;
	rc = build_run(r, max_events, replay_build_limit, false);
	if (rc < 0) { /* out of memory: the checkpoints so far stay usable */
		build_stop(r);
		r->bld.failed = true;
	}
	return rc;
}

void replay_close(struct replay *r)
{
	build_stop(r); /* an unfinished build is not cached */
	ckpt_close(&r->ck);
	sqlite3_finalize(r->range_fwd);
	sqlite3_finalize(r->range_back);
	spte_map_free(&r->map);
	if (r->db)
		sqlite3_close(r->db);
	memset(r, 0, sizeof(*r));
}
