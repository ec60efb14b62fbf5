/*
 * bench_tui.c: hvtui's figures on a big trace (make bench-tui).
 *
 *   bench_tui DB      prints "BENCH tui.<name> <value> <unit>" lines:
 *   open_10m_s        first open (tui_checkpoints dropped first), as hvtui does it
 *                     interactively: time to the first 80x24 screen
 *   open_10m_cpu_s    the same in CPU time (wall time varies with the shared machine's load)
 *   checkpoints_10m_s from the same open until the background build (app_background
 *                     slices, as the UI loop runs them when no key is pending) has every
 *                     checkpoint and has cached them in the database
 *   checkpoints_10m_cpu_s  the same in CPU time
 *   reopen_10m_s      open again with the checkpoints cached in the database
 * The step and seek figures below are measured after the checkpoints are
 * complete (on the reopened, cached set):
 *   step_ms           one step (j / k) plus drawing the 80x24 screen, mean
 *   seek_start_ms     seek to a random seq in the first 10% (from the end) + draw
 *   seek_end_ms       seek to a random seq in the last 10% (from the start) + draw
 *   seek_end_over_start  their ratio (goal <= 2: seek cost independent of position)
 * Both seek sets use the same offsets within a checkpoint interval.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "../hvtui/app.h"
#include "../hvtui/canvas.h"
#include "../hvtui/view.h"

#define SEEKS 24
#define STEPS 2000

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void drop_cache(const char *path)
{
	sqlite3 *db;

	if (sqlite3_open(path, &db) == SQLITE_OK)
		sqlite3_exec(db, "DROP TABLE IF EXISTS tui_checkpoints;"
			     " DROP TABLE IF EXISTS tui_checkpoint_info", NULL, NULL, NULL);
	sqlite3_close(db);
}

static double cpu_s(void)
{
	return (double)clock() / CLOCKS_PER_SEC;
}

static void open_or_die(struct app *a, const char *path, bool interactive)
{
	char err[256];

	if ((interactive ? app_open_interactive : app_open)(a, path, 0, err, sizeof(err))) {
		fprintf(stderr, "bench_tui: %s\n", err);
		exit(1);
	}
}

static double steps_ms(struct app *a, struct canvas *c)
{
	double t;
	int i;

	app_goto(a, a->r.info.last_seq / 2);
	t = now();
	for (i = 0; i < STEPS; i++) {
		app_step(a, i < STEPS / 2 ? 1 : -1);
		view_render(a, c);
	}
	return (now() - t) * 1e3 / STEPS;
}

/* Mean time of seeks to base_k-th checkpoint regions + offsets, starting
 * each from the cursor at `from`. */
static double seeks_ms(struct app *a, struct canvas *c, const s64 *target, s64 from)
{
	double total = 0, t;
	int i;

	for (i = 0; i < SEEKS; i++) {
		app_goto(a, from);
		t = now();
		app_goto(a, target[i]);
		view_render(a, c);
		total += now() - t;
	}
	return total * 1e3 / SEEKS;
}

int main(int argc, char **argv)
{
	s64 start[SEEKS], end[SEEKS], n, iv, off;
	double t0, c0, open_s, open_cpu, ck_s, ck_cpu, reopen_s, step, s_start, s_end;
	bool cached;
	struct canvas c;
	struct app a;
	int i;

	if (argc != 2) {
		fprintf(stderr, "usage: bench_tui DB\n");
		return 2;
	}
	canvas_init(&c, 24, 80);
	drop_cache(argv[1]);
	t0 = now();
	c0 = cpu_s();
	open_or_die(&a, argv[1], true);
	view_render(&a, &c);
	open_s = now() - t0;
	open_cpu = cpu_s() - c0;
	while (replay_building(&a.r))
		app_background(&a);
	ck_s = now() - t0;
	ck_cpu = cpu_s() - c0;
	cached = a.r.ck.persisted;
	app_close(&a);
	t0 = now();
	open_or_die(&a, argv[1], false);
	reopen_s = now() - t0;
	if (!cached || !a.r.ck.in_db) {
		fprintf(stderr, "bench_tui: the background build was not cached\n");
		return 1;
	}
	n = a.r.info.last_seq + 1;
	iv = a.r.ck.interval;
	srand(42);
	for (i = 0; i < SEEKS; i++) {
		off = (s64)rand() % iv;
		start[i] = (s64)(rand() % (int)(n / 10 / iv)) * iv + off;
		end[i] = n - n / 10 + (s64)(rand() % (int)(n / 10 / iv - 1)) * iv + off;
		if (end[i] >= n)
			end[i] = n - 1;
	}
	step = steps_ms(&a, &c);
	s_start = seeks_ms(&a, &c, start, a.r.info.last_seq);
	s_end = seeks_ms(&a, &c, end, a.r.info.first_seq);
	printf("# %lld events, %lld checkpoints every %lld, %zu live SPTEs at the end\n",
	       (long long)n, (long long)a.r.ck.count, (long long)iv, a.r.map.count);
	printf("BENCH tui.open_10m_s %.3f s\n", open_s);
	printf("BENCH tui.open_10m_cpu_s %.3f s\n", open_cpu);
	printf("BENCH tui.checkpoints_10m_s %.3f s\n", ck_s);
	printf("BENCH tui.checkpoints_10m_cpu_s %.3f s\n", ck_cpu);
	printf("BENCH tui.reopen_10m_s %.4f s\n", reopen_s);
	printf("BENCH tui.step_ms %.4f ms\n", step);
	printf("BENCH tui.seek_start_ms %.2f ms\n", s_start);
	printf("BENCH tui.seek_end_ms %.2f ms\n", s_end);
	printf("BENCH tui.seek_end_over_start %.2f ratio\n", s_end / s_start);
	canvas_free(&c);
	app_close(&a);
	return 0;
}
