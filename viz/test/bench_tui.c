/*
 * bench_tui.c: hvtui's figures on a big trace (make bench-tui).
 *
 *   bench_tui DB      prints "BENCH tui.<name> <value> <unit>" lines:
 *   open_10m_s        first open: checkpoints built by one pass (cache dropped first)
 *   open_10m_cpu_s    the same in CPU time (wall time varies with the shared machine's load)
 *   reopen_10m_s      open again with the checkpoints cached in the database
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

static double open_cpu_s; /* CPU time of the last timed_open */

static double timed_open(struct app *a, const char *path)
{
	char err[256];
	double t = now();
	clock_t cpu = clock();

	if (app_open(a, path, 0, err, sizeof(err))) {
		fprintf(stderr, "bench_tui: %s\n", err);
		exit(1);
	}
	open_cpu_s = (double)(clock() - cpu) / CLOCKS_PER_SEC;
	return now() - t;
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
	double open_s, open_cpu, reopen_s, step, s_start, s_end;
	struct canvas c;
	struct app a;
	int i;

	if (argc != 2) {
		fprintf(stderr, "usage: bench_tui DB\n");
		return 2;
	}
	drop_cache(argv[1]);
	open_s = timed_open(&a, argv[1]);
	open_cpu = open_cpu_s;
	app_close(&a);
	reopen_s = timed_open(&a, argv[1]);
	canvas_init(&c, 24, 80);
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
	printf("BENCH tui.reopen_10m_s %.4f s\n", reopen_s);
	printf("BENCH tui.step_ms %.4f ms\n", step);
	printf("BENCH tui.seek_start_ms %.2f ms\n", s_start);
	printf("BENCH tui.seek_end_ms %.2f ms\n", s_end);
	printf("BENCH tui.seek_end_over_start %.2f ratio\n", s_end / s_start);
	canvas_free(&c);
	app_close(&a);
	return 0;
}
