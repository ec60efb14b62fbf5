/*
 * test_replay.c: unit tests of the hvtui replay model (viz/hvtui/replay.h),
 * built with ASan/UBSan. Prints one "TEST name PASS|FAIL detail" line each.
 *
 *   test_replay FIXTURE.db [TAG | --readonly FRESH.db]
 *     TAG: infix of the test names for a second fixture (e.g. synth)
 *     FRESH.db: a fixture never opened by hvtui (no cached checkpoints)
 *
 * The reference for "the state at seq N" is replay_seek_from_start(): every
 * event from the first one, no checkpoint. States are compared ignoring the
 * A/D bits (replay.h R2, hvt_format.h T2).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../hvtui/replay.h"

static int failures;
static const char *tag = ""; /* test-name infix for a second fixture: "synth." */

static void report(const char *name, bool ok, const char *detail)
{
	if (*tag && !strncmp(name, "replay.", 7))
		printf("TEST replay.%s%s %s %s\n", tag, name + 7, ok ? "PASS" : "FAIL", detail);
	else
		printf("TEST %s %s %s\n", name, ok ? "PASS" : "FAIL", detail);
	failures += !ok;
}

static u64 rng = 0x2545F4914F6CDD1Dull;

static u64 rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* ---- spte_map against a brute-force array ---------------------------- */

#define REF_N 4096

static bool map_matches(const struct spte_map *m, const u64 *ref)
{
	size_t i, live = 0;
	const struct spte_entry *e;

	for (i = 0; i < REF_N; i++) {
		e = spte_map_get(m, 0x1000 + i * 8);
		if (ref[i] ? !e || e->value != ref[i] : e != NULL)
			return false;
		live += ref[i] != 0;
	}
	return live == m->count;
}

static void test_map(void)
{
	static u64 ref[REF_N];
	struct spte_map m;
	unsigned i, k;
	bool ok = spte_map_init(&m) == 0;

	for (i = 0; ok && i < 200000; i++) {
		k = (unsigned)(rnd() % REF_N);
		if (rnd() % 3 == 0) {
			spte_map_del(&m, 0x1000 + k * 8ull);
			ref[k] = 0;
		} else {
			ref[k] = rnd() | 1;
			ok = spte_map_put(&m, 0x1000 + k * 8ull, ref[k], k, 1) == 0;
		}
		if (i % 9973 == 0)
			ok = ok && map_matches(&m, ref);
	}
	ok = ok && map_matches(&m, ref);
	report("replay.spte_map_random", ok, "200000 random put/del vs array");
	spte_map_free(&m);
}

/* ---- replay states -------------------------------------------------------- */

/* Snapshot of a model state for comparison. */
struct snap {
	struct spte_entry *e;       /* live entries, sorted */
	size_t n;                   /* count */
	struct replay_counters cnt; /* counters */
	s64 cursor;                 /* cursor */
};

static void snap_take(struct replay *r, struct snap *s)
{
	s->n = r->map.count;
	s->e = malloc((s->n + 1) * sizeof(*s->e));
	spte_map_export(&r->map, s->e, true);
	s->cnt = r->cnt;
	s->cursor = r->cursor;
}

/* Equal except A/D bits (R2). Writes the first difference into why. */
static bool snap_equal(const struct snap *a, const struct snap *b, u64 ad, char *why, size_t len)
{
	size_t i;

	if (a->cursor != b->cursor || a->n != b->n) {
		snprintf(why, len, "cursor %lld/%lld live %zu/%zu", (long long)a->cursor,
			 (long long)b->cursor, a->n, b->n);
		return false;
	}
	for (i = 0; i < a->n; i++) {
		if (a->e[i].sptep != b->e[i].sptep || a->e[i].level != b->e[i].level ||
		    ((a->e[i].value ^ b->e[i].value) & ~ad) || a->e[i].gfn != b->e[i].gfn) {
			snprintf(why, len, "sptep %#llx: %#llx vs %#llx",
				 (unsigned long long)a->e[i].sptep,
				 (unsigned long long)a->e[i].value, (unsigned long long)b->e[i].value);
			return false;
		}
	}
	if (memcmp(&a->cnt, &b->cnt, sizeof(a->cnt))) {
		snprintf(why, len, "counters differ at %lld", (long long)a->cursor);
		return false;
	}
	return true;
}

/* Compares r's state against the from-start reference ref at r's cursor. */
static bool check_against_ref(struct replay *r, struct replay *ref, char *why, size_t len)
{
	struct snap a, b;
	u64 ad = r->info.fmt.accessed_mask | r->info.fmt.dirty_mask;
	bool ok;

	replay_seek_from_start(ref, r->cursor);
	snap_take(r, &a);
	snap_take(ref, &b);
	ok = snap_equal(&a, &b, ad, why, len);
	free(a.e);
	free(b.e);
	return ok;
}

static s64 random_seq(const struct replay *r)
{
	return r->info.first_seq + (s64)(rnd() % (u64)(r->info.last_seq - r->info.first_seq + 1));
}

static void test_random_seeks(struct replay *r, struct replay *ref)
{
	char why[160] = "", detail[200];
	bool ok = true;
	int i;

	for (i = 0; ok && i < 60; i++) {
		ok = replay_seek(r, random_seq(r)) == 0 && check_against_ref(r, ref, why, sizeof(why));
	}
	snprintf(detail, sizeof(detail), "60 random seeks vs replay-from-start %s", why);
	report("replay.random_seek", ok, detail);
}

static void test_steps(struct replay *r, struct replay *ref)
{
	char why[160] = "", detail[200];
	bool ok = true;
	int i, k, n;

	for (i = 0; ok && i < 20; i++) {
		ok = replay_seek(r, random_seq(r)) == 0;
		n = (int)(rnd() % 3000);
		for (k = 0; ok && k < n; k++)
			ok = replay_step(r, -1) >= 0;
		ok = ok && check_against_ref(r, ref, why, sizeof(why));
		for (k = 0; ok && k < n; k++)
			ok = replay_step(r, +1) >= 0;
		ok = ok && check_against_ref(r, ref, why, sizeof(why));
	}
	snprintf(detail, sizeof(detail), "20 x (back N, check, forward N, check) %s", why);
	report("replay.step_both_directions", ok, detail);
}

/* Seeks to both sides of every checkpoint, in descending order (back
 * across checkpoints), checking the state each time. */
static void test_checkpoint_edges(struct replay *r, struct replay *ref)
{
	char why[160] = "", detail[200];
	bool ok = r->ck.count > 2;
	s64 i, k;

	for (i = r->ck.count - 1; ok && i >= 0; i -= 1 + (r->ck.count > 40 ? 3 : 0)) {
		k = ckpt_seq(&r->ck, i);
		ok = replay_seek(r, k) == 0 && check_against_ref(r, ref, why, sizeof(why)) &&
		     replay_seek(r, k - 1) == 0 && check_against_ref(r, ref, why, sizeof(why));
	}
	snprintf(detail, sizeof(detail), "%lld checkpoints, seek to K and K-1 %s",
		 (long long)r->ck.count, why);
	report("replay.checkpoint_edges", ok, detail);
}

static void test_ends(struct replay *r, struct replay *ref)
{
	char why[160] = "";
	bool ok = replay_seek(r, r->info.last_seq + 100) == 0 && r->cursor == r->info.last_seq &&
		  replay_step(r, +1) == 1 && check_against_ref(r, ref, why, sizeof(why)) &&
		  replay_seek(r, -5) == 0 && r->cursor == r->info.first_seq &&
		  replay_step(r, -1) == 1 && check_against_ref(r, ref, why, sizeof(why));

	report("replay.clamp_at_ends", ok, why);
}

static void test_cached_reopen(const char *path, struct replay *ref)
{
	struct replay r;
	char err[200] = "", why[160] = "";
	bool ok = replay_open(&r, path, 1000, err, sizeof(err)) == 0;

	ok = ok && r.ck.in_db && replay_seek(&r, (r.info.first_seq + r.info.last_seq) / 2) == 0 &&
	     check_against_ref(&r, ref, why, sizeof(why));
	report("replay.cached_checkpoints", ok, ok ? "reopen reuses tui_checkpoints" : err[0] ? err : why);
	if (ok)
		replay_close(&r);
}

static void test_partial_build(const char *path, struct replay *ref, s64 interval,
			       const char *name);

/* A read-only database without cached checkpoints: they are built into
 * memory, and seeks still agree with the from-start reference. */
static void test_readonly(const char *fresh)
{
	struct replay r, ref;
	char uri[512], err[200] = "", why[160] = "";
	bool ok;
	int i;

	snprintf(uri, sizeof(uri), "file:%s?mode=ro", fresh);
	ok = replay_open(&r, uri, 500, err, sizeof(err)) == 0;
	if (!ok) {
		report("replay.readonly_memory_checkpoints", false, err);
		return;
	}
	ok = !r.writable && !r.ck.in_db && r.ck.count > 2 &&
	     replay_open(&ref, uri, 500, err, sizeof(err)) == 0;
	for (i = 0; ok && i < 20; i++)
		ok = replay_seek(&r, random_seq(&r)) == 0 && check_against_ref(&r, &ref, why, sizeof(why));
	report("replay.readonly_memory_checkpoints", ok, ok ? "checkpoints kept in memory" : why);
	replay_close(&r);
	if (ok) {
		test_partial_build(uri, &ref, 300, "replay.partial_build_readonly");
		replay_close(&ref);
	}
}

/* ---- checkpoints built in the background (R6) ------------------------- */

/* Seeks anywhere (most land beyond the built checkpoints), steps both ways
 * from there, and seeks across the built ones in descending order, each
 * checked against the from-start reference. */
static bool partial_seeks(struct replay *r, struct replay *ref, int n, char *why, size_t len)
{
	bool ok = true;
	int i, k, steps;
	s64 seq, c;

	for (i = 0; ok && i < n; i++) {
		seq = i % 3 == 0 ? replay_fast_reach(r) + 1 + (s64)(rnd() % 5000) : random_seq(r);
		ok = replay_seek(r, seq) == 0 && check_against_ref(r, ref, why, len);
		steps = (int)(rnd() % 1500);
		for (k = 0; ok && k < steps; k++)
			ok = replay_step(r, i & 1 ? +1 : -1) >= 0;
		ok = ok && check_against_ref(r, ref, why, len);
	}
	for (c = r->ck.count - 1; ok && c >= 0; c--) {
		seq = ckpt_seq(&r->ck, c);
		ok = replay_seek(r, seq) == 0 && check_against_ref(r, ref, why, len) &&
		     replay_seek(r, seq - 1) == 0 && check_against_ref(r, ref, why, len);
	}
	return ok;
}

/* Opens path with a background build limited to K checkpoints (the test
 * hook), seeks while it is partial, lets it go on to 2K, seeks again, then
 * completes it and checks that the set is cached. */
static void test_partial_build(const char *path, struct replay *ref, s64 interval, const char *name)
{
	struct replay r, again;
	char err[200] = "", why[160] = "", detail[300];
	s64 k = 5, need, c1 = -1, c2 = -1;
	bool ok;
	int rc = 0;

	replay_build_limit = k;
	ok = replay_open_deferred(&r, path, interval, err, sizeof(err)) == 0;
	if (!ok) {
		replay_build_limit = 0;
		report(name, false, err);
		return;
	}
	need = (r.info.last_seq - r.info.first_seq) / r.ck.interval + 1;
	ok = replay_building(&r) && r.ck.count == 1 && need > 2 * k &&
	     check_against_ref(&r, ref, why, sizeof(why));
	ok = ok && replay_build(&r, 1 << 30) == 0 && (c1 = r.ck.count) == k &&
	     replay_fast_reach(&r) < r.info.last_seq && partial_seeks(&r, ref, 24, why, sizeof(why));
	replay_build_limit = 2 * k;
	ok = ok && replay_build(&r, 1 << 30) == 0 && (c2 = r.ck.count) == 2 * k &&
	     partial_seeks(&r, ref, 12, why, sizeof(why));
	replay_build_limit = 0;
	while (ok && (rc = replay_build(&r, 777)) == 0)
		;
	ok = ok && rc == 1 && !replay_building(&r) && r.ck.count == need &&
	     replay_fast_reach(&r) == r.info.last_seq && partial_seeks(&r, ref, 12, why, sizeof(why));
	snprintf(detail, sizeof(detail), "limit %lld then %lld of %lld checkpoints (counts %lld, %lld):"
		 " seeks beyond the built ones, steps both ways, then complete %s",
		 (long long)k, (long long)(2 * k), (long long)need, (long long)c1, (long long)c2,
		 why);
	report(name, ok, detail);
	replay_close(&r);
	if (strstr(path, "mode=ro"))
		return; /* read-only: built in memory, nothing to cache */
	/* Complete: the set is cached (a deferred open builds nothing). */
	if (replay_open_deferred(&again, path, interval, err, sizeof(err)) == 0) {
		ok = !replay_building(&again) && again.ck.count == need;
		replay_close(&again);
	} else {
		ok = false;
	}
	report("replay.partial_build_cached", ok, ok ? "a completed background build is cached" : err);
}

/* A session that ends mid-build caches nothing and keeps the previous set:
 * the build's transaction is rolled back. */
static void test_partial_quit(const char *path, s64 cached_interval)
{
	struct replay r;
	char err[200] = "";
	bool ok;

	replay_build_limit = 3;
	ok = replay_open_deferred(&r, path, cached_interval + 100, err, sizeof(err)) == 0 &&
	     replay_building(&r) && replay_build(&r, 1 << 30) == 0 && r.ck.count == 3;
	replay_build_limit = 0;
	if (ok)
		replay_close(&r);
	ok = ok && replay_open_deferred(&r, path, cached_interval, err, sizeof(err)) == 0;
	if (ok) {
		ok = !replay_building(&r) && r.ck.in_db;
		replay_close(&r);
	}
	report("replay.partial_build_quit", ok, ok ? "quit mid-build: nothing cached, the previous"
	       " set kept" : err);
}

static void test_bad_inputs(void)
{
	struct replay r;
	char err[200] = "";
	FILE *f = fopen("build/viz/test/corrupt.db", "w");
	bool ok;

	if (f) {
		fputs("this is not a database, just text that is long enough to matter\n", f);
		fclose(f);
	}
	ok = replay_open(&r, "build/viz/test/no-such.db", 0, err, sizeof(err)) == -1 && err[0];
	err[0] = 0;
	ok = ok && replay_open(&r, "build/viz/test/corrupt.db", 0, err, sizeof(err)) == -1 && err[0];
	report("replay.bad_database", ok, err);
}

int main(int argc, char **argv)
{
	struct replay r, ref;
	char err[200];

	static char tagbuf[64];

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc > 3 && !strcmp(argv[2], "--readonly")) {
		test_readonly(argv[3]);
		return failures ? 1 : 0;
	}
	if (argc > 2) {
		snprintf(tagbuf, sizeof(tagbuf), "%s.", argv[2]);
		tag = tagbuf;
	} else {
		test_map();
		test_bad_inputs();
	}
	if (argc < 2 || replay_open(&r, argv[1], 1000, err, sizeof(err)) ||
	    replay_open(&ref, argv[1], 1000, err, sizeof(err))) {
		report("replay.open", false, argc < 2 ? "usage: test_replay DB" : err);
		return 1;
	}
	report("replay.open", r.info.last_seq > 0, "fixture opened, checkpoints built");
	test_random_seeks(&r, &ref);
	test_steps(&r, &ref);
	test_checkpoint_edges(&r, &ref);
	test_ends(&r, &ref);
	test_cached_reopen(argv[1], &ref);
	test_partial_build(argv[1], &ref, 700, "replay.partial_build_seeks");
	test_partial_quit(argv[1], 700);
	replay_close(&r);
	replay_close(&ref);
	return failures ? 1 : 0;
}
