/*
 * main.c: hvtui, step through an hvlab trace with the page tables as they
 * were (GitHub issue #6).
 *
 *   hvtui DB|TRACE.hvt                 interactive (ncurses)
 *   hvtui --keys "jjf\n" --dump DB     replay keys headless, print the screen
 *   hvtui --state SEQ DB               every live SPTE as of SEQ, decoded
 *   hvtui --summary DB                 counts by kind (make run without a tty)
 *   options: --size COLSxROWS (headless, default 80x24), --interval N
 *            (events between checkpoints, default 65536)
 *
 * A raw .hvt trace is imported first with `hvtrace import` into a sibling
 * .db (or a temporary one when its folder is read-only).
 */
#include "app.h"
#include "canvas.h"
#include "decode.h"
#include "keys.h"
#include "term.h"
#include "view.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* The command line. */
struct options {
	const char *path;      /* database or .hvt trace */
	const char *keys;      /* --keys script, or NULL */
	bool dump;             /* --dump: print the screen and exit */
	bool summary;          /* --summary */
	s64 state_seq;         /* --state SEQ, or -1 */
	int rows, cols;        /* --size for headless screens */
	s64 interval;          /* --interval: events between checkpoints */
};

static void usage(void)
{
	fprintf(stderr, "usage: hvtui [--size COLSxROWS] [--keys KEYS] [--dump] [--state SEQ]\n"
		"             [--summary] [--interval N] DB|TRACE.hvt\n"
		"  KEYS: characters as typed; \\n Enter, \\e Esc, <Up> <Down> <PgUp> <PgDn>\n"
		"        <Home> <End> <Enter> <Esc> <Space> <BS>\n");
	exit(2);
}

static bool parse_size(const char *s, int *cols, int *rows)
{
	return sscanf(s, "%dx%d", cols, rows) == 2 && *cols >= 20 && *rows >= 5 &&
	       *cols <= 1000 && *rows <= 1000;
}

static void parse_args(int argc, char **argv, struct options *o)
{
	int i;

	*o = (struct options){ .state_seq = -1, .rows = 24, .cols = 80 };
	for (i = 1; i < argc; i++) {
		const char *arg = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(arg, "--dump"))
			o->dump = true;
		else if (!strcmp(arg, "--summary"))
			o->summary = true;
		else if (!strcmp(arg, "--keys") && val)
			o->keys = val, i++;
		else if (!strcmp(arg, "--state") && val)
			o->state_seq = strtoll(val, NULL, 0), i++;
		else if (!strcmp(arg, "--interval") && val)
			o->interval = strtoll(val, NULL, 0), i++;
		else if (!strcmp(arg, "--size") && val && parse_size(val, &o->cols, &o->rows))
			i++;
		else if (arg[0] == '-' || o->path)
			usage();
		else
			o->path = arg;
	}
	if (!o->path)
		usage();
}

/* ---- .hvt import ------------------------------------------------------------- */

static bool is_raw_trace(const char *path)
{
	char magic[8] = { 0 };
	FILE *f = fopen(path, "rb");
	bool raw;

	if (!f)
		return false;
	raw = fread(magic, 1, sizeof(magic), f) == sizeof(magic) && !memcmp(magic, HVT_MAGIC, 8);
	fclose(f);
	return raw;
}

/* hvtrace next to this executable (build/), else from PATH. */
static void find_hvtrace(char *out, size_t len)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (n > 0) {
		self[n] = 0;
		snprintf(out, len, "%s/hvtrace", dirname(self));
		if (access(out, X_OK) == 0)
			return;
	}
	snprintf(out, len, "hvtrace");
}

static int run_import(const char *trace, const char *db)
{
	char tool[PATH_MAX];
	pid_t pid;
	int status;

	find_hvtrace(tool, sizeof(tool));
	fprintf(stderr, "hvtui: importing %s into %s\n", trace, db);
	pid = fork();
	if (pid == 0) {
		execlp(tool, tool, "import", trace, db, (char *)NULL);
		fprintf(stderr, "hvtui: cannot run %s: %s\n", tool, strerror(errno));
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

/* Picks the database for a raw trace: a fresh sibling .db, else imports. */
static const char *import_trace(const char *trace)
{
	static char db[PATH_MAX];
	struct stat st_trace, st_db;
	size_t len = strlen(trace);
	char dir[PATH_MAX];
	int fd;

	if (len > 4 && !strcmp(trace + len - 4, ".hvt"))
		snprintf(db, sizeof(db), "%.*s.db", (int)(len - 4), trace);
	else
		snprintf(db, sizeof(db), "%s.db", trace);
	if (stat(trace, &st_trace) == 0 && stat(db, &st_db) == 0 &&
	    st_db.st_mtime >= st_trace.st_mtime)
		return db; /* imported before */
	snprintf(dir, sizeof(dir), "%s", trace);
	if (access(dirname(dir), W_OK) != 0) {
		snprintf(db, sizeof(db), "/tmp/hvtui-XXXXXX.db");
		fd = mkstemps(db, 3);
		if (fd < 0)
			return NULL;
		close(fd);
		unlink(db);
	}
	return run_import(trace, db) == 0 ? db : NULL;
}

/* ---- modes --------------------------------------------------------------------- */

static void print_group(sqlite3 *db, const char *title, const char *sql,
			const char *(*name)(unsigned))
{
	sqlite3_stmt *st;
	long long total = 0;
	char line[1024];
	size_t used = 0;

	line[0] = 0;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return;
	while (sqlite3_step(st) == SQLITE_ROW) {
		long long n = sqlite3_column_int64(st, 1);

		total += n;
		if (used < sizeof(line))
			used += (size_t)snprintf(line + used, sizeof(line) - used, " %s %lld",
						 name((unsigned)sqlite3_column_int(st, 0)), n);
	}
	sqlite3_finalize(st);
	printf("%-13s %10lld %s\n", title, total, line);
}

static const char *level_label(unsigned l)
{
	static char buf[8];

	snprintf(buf, sizeof(buf), "L%u", l);
	return buf;
}

static const char *mode_label(unsigned m)
{
	return guest_mode_name((int)m);
}

/* hv's livelock stop (hv/core/fault_loop.c): the run of identical faults
 * that ends at the marker's vCPU's last fault before it. */
static void print_livelock_run(sqlite3 *db, s64 last_seq, s64 marker, unsigned vcpu)
{
	s64 args[2] = { marker, vcpu }, f, first, last, len, nth;
	struct hvt_event ev;

	if (tracedb_query_s64(db, "SELECT seq FROM events WHERE type = 3 AND seq < ?1 AND vcpu = ?2"
			      " ORDER BY seq DESC LIMIT 1", args, 2, &f) || tracedb_get(db, f, &ev))
		return;
	fault_run(db, last_seq, &ev, &first, &last, &len, &nth);
	printf("%-13s %10lld identical faults, seq %lld..%lld: %s addr %#llx error %#llx rip %#llx\n",
	       "  the run", (long long)len, (long long)first, (long long)last,
	       fault_kind_name(ev.reason), (unsigned long long)ev.a, (unsigned long long)ev.b,
	       (unsigned long long)ev.d);
}

/* Markers (hv's labels, e.g. "fault livelock"), one line each. */
static void print_markers(sqlite3 *db, s64 last_seq)
{
	sqlite3_stmt *st;
	int i, n = 0;

	if (sqlite3_prepare_v2(db, "SELECT seq, vcpu, a, b, c, d, e FROM events WHERE type = 16"
			       " ORDER BY seq LIMIT 20", -1, &st, NULL) != SQLITE_OK)
		return;
	while (sqlite3_step(st) == SQLITE_ROW) {
		u64 w[5];
		char label[41];

		for (i = 0; i < 5; i++)
			w[i] = (u64)sqlite3_column_int64(st, 2 + i);
		memcpy(label, w, 40); /* the record's payload bytes, little-endian (x86) */
		label[40] = 0;
		for (i = 0; label[i]; i++)
			if (label[i] < 32 || label[i] > 126)
				label[i] = '.';
		printf("%-13s %10lld \"%s\" (vcpu %d)\n", n++ ? "" : "markers at",
		       sqlite3_column_int64(st, 0), label, sqlite3_column_int(st, 1));
		if (!strncmp(label, "fault livelock", 14) && sqlite3_column_int(st, 1) != HVT_NO_VCPU)
			print_livelock_run(db, last_seq, sqlite3_column_int64(st, 0),
					   (unsigned)sqlite3_column_int(st, 1));
	}
	sqlite3_finalize(st);
}

/* The VM's teardown (hv/README.md "The end of a run"): where it starts and
 * what it holds, so a student sees it apart from the guest's run. */
static void print_teardown(sqlite3 *db, const struct trace_info *in)
{
	s64 t = app_teardown_start(db, in->last_seq);
	char sql[160], title[40];

	if (t < 0) {
		printf("%-13s %10s no teardown records at the end (trace cut, or hv stopped early)\n",
		       "teardown", "-");
		return;
	}
	snprintf(title, sizeof(title), "teardown %lld", (long long)t);
	snprintf(sql, sizeof(sql), "SELECT type, count(*) FROM events WHERE seq >= %lld GROUP BY 1",
		 (long long)t);
	print_group(db, title, sql, type_name);
}

static int run_summary(const char *path)
{
	struct trace_info in;
	char err[256];
	sqlite3 *db;
	bool rw;

	if (tracedb_open(path, &db, &rw, err, sizeof(err)) ||
	    tracedb_load_info(db, &in, err, sizeof(err))) {
		fprintf(stderr, "hvtui: %s\n", err);
		return 1;
	}
	printf("trace %s: %s, %s MMU, %u vCPUs, seq %lld..%lld\n", path,
	       in.vendor == HVT_VENDOR_VMX ? "VMX" : in.vendor == HVT_VENDOR_SVM ? "SVM" : "host",
	       in.mmu_mode == HVT_MMU_SHADOW ? "shadow" : "TDP", in.nr_vcpus,
	       (long long)in.first_seq, (long long)in.last_seq);
	print_group(db, "events", "SELECT type, count(*) FROM events GROUP BY 1", type_name);
	print_group(db, "faults", "SELECT reason, count(*) FROM events WHERE type = 3 GROUP BY 1",
		    fault_kind_name);
	print_group(db, "fault ends", "SELECT aux, count(*) FROM events WHERE type = 4 GROUP BY 1",
		    fault_result_name);
	print_group(db, "spte changes", "SELECT reason, count(*) FROM events WHERE type = 1 GROUP BY 1",
		    spte_reason_name);
	print_group(db, "  by level", "SELECT level, count(*) FROM events WHERE type = 1 GROUP BY 1",
		    level_label);
	print_group(db, "flushes", "SELECT reason, count(*) FROM events WHERE type = 2 GROUP BY 1",
		    flush_reason_name);
	print_group(db, "  by scope", "SELECT aux, count(*) FROM events WHERE type = 2 GROUP BY 1",
		    flush_scope_name);
	print_group(db, "exits", "SELECT reason, count(*) FROM events WHERE type = 13 GROUP BY 1",
		    exit_kind_name);
	if (in.mmu_mode == HVT_MMU_SHADOW) /* the guest paging mode(s), from the SP roles */
		print_group(db, "sp by mode", "SELECT (b >> 4) & 7, count(*) FROM events WHERE type = 7"
			    " GROUP BY 1", mode_label);
	print_markers(db, in.last_seq);
	print_teardown(db, &in);
	sqlite3_close(db);
	return 0;
}

static int run_state(struct app *a, s64 seq)
{
	struct spte_entry *e;
	char desc[160];
	size_t i;

	if (replay_seek(&a->r, seq)) {
		fprintf(stderr, "hvtui: cannot replay to %lld\n", (long long)seq);
		return 1;
	}
	e = malloc((a->r.map.count + 1) * sizeof(*e));
	if (!e)
		return 1;
	spte_map_export(&a->r.map, e, true);
	printf("state at seq %lld: %zu live SPTEs\n", (long long)a->r.cursor, a->r.map.count);
	printf("%-18s %-5s %-12s %-18s %s\n", "sptep", "level", "gfn", "value", "decoded");
	for (i = 0; i < a->r.map.count; i++) {
		spte_describe(&a->r.info.fmt, e[i].value, (unsigned)e[i].level, desc, sizeof(desc));
		printf("%#-18llx L%-4llu %#-12llx 0x%016llx %s\n", (unsigned long long)e[i].sptep,
		       (unsigned long long)e[i].level, (unsigned long long)e[i].gfn,
		       (unsigned long long)e[i].value, desc);
	}
	free(e);
	return 0;
}

static int run_headless(struct app *a, const struct options *o)
{
	int keys[4096], n = o->keys ? keys_parse_script(o->keys, keys, 4096) : 0, i;
	struct canvas c;

	for (i = 0; i < n; i++) {
		if (keys_dispatch(a, keys[i]) & RD_QUIT)
			break;
	}
	if (canvas_init(&c, o->rows, o->cols))
		return 1;
	view_render(a, &c);
	canvas_dump(&c, stdout);
	canvas_free(&c);
	return 0;
}

/* Checkpoint build progress, on stderr (before the screen starts). */
static void show_progress(s64 done, s64 total)
{
	if (total < (1 << 21))
		return;
	fprintf(stderr, "\rhvtui: first open, building seek checkpoints: %3lld%%",
		(long long)(done * 100 / total));
	if (done + (1 << 20) >= total)
		fprintf(stderr, "\n");
}

int main(int argc, char **argv)
{
	struct options o;
	struct app a;
	const char *db;
	char err[512];
	bool interactive;
	int rc;

	parse_args(argc, argv, &o);
	if (access(o.path, R_OK) != 0) {
		fprintf(stderr, "hvtui: cannot open %s: %s\n", o.path, strerror(errno));
		return 1;
	}
	db = is_raw_trace(o.path) ? import_trace(o.path) : o.path;
	if (!db) {
		fprintf(stderr, "hvtui: could not import %s (hvtrace import failed)\n", o.path);
		return 1;
	}
	if (o.summary)
		return run_summary(db);
	if (!o.dump && !o.keys && o.state_seq < 0 && (!isatty(0) || !isatty(1))) {
		fprintf(stderr, "hvtui: not a terminal; printing a summary (--dump for a screen)\n");
		return run_summary(db);
	}
	if (isatty(2))
		replay_progress = show_progress;
	/* Interactive: the first screen at once, checkpoints built in the
	 * background (replay.h R6). Headless modes build them first. */
	interactive = o.state_seq < 0 && !o.dump && !o.keys;
	if ((interactive ? app_open_interactive : app_open)(&a, db, o.interval, err, sizeof(err))) {
		fprintf(stderr, "hvtui: %s: %s\n", db, err);
		return 1;
	}
	if (o.state_seq >= 0)
		rc = run_state(&a, o.state_seq);
	else if (o.dump || o.keys)
		rc = run_headless(&a, &o);
	else
		rc = term_run(&a) ? 1 : 0;
	app_close(&a);
	return rc;
}
