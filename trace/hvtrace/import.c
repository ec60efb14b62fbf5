/*
 * import.c: `hvtrace import TRACE.hvt DB`: load a trace into SQLite with
 * the schema of trace/schema.sql (embedded at build time).
 *
 * Fast path (TRACE-NOTES.md): one transaction, journal and sync off, ONE
 * statement that streams every record from the file into the events table
 * (INSERT ... SELECT from the virtual table of import_vtab.c, in rowid =
 * seq order, one batch of the file in memory at a time); the indexes that
 * grow by appends or take few rows exist before it, the others are built
 * after it by sorting (S4), in bounded memory, on this one thread. Then one
 * line of planner statistics (plan()).
 *
 * All or nothing (S5): the database is built as DB.tmp.PID in DB's
 * directory and renamed onto DB at the end, so a reader of DB sees the old
 * file or the new one, never a part. Any error removes the temporary file;
 * so does SIGINT, SIGTERM or SIGHUP (the handler unlinks it, then dies of
 * the signal); a killed import's leftover (SIGKILL, power loss) is removed
 * by the next import to the same DB once its process is gone.
 */
#include <dirent.h>
#include <errno.h>
#include <libgen.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "hvtrace.h"
#include "import_vtab.h"
#include "reader.h"

extern const char hvt_schema_sql[];  /* build/trace/schema_sql.c */

int hvt_import_meta(sqlite3 *db, const struct hvt_stream_header *h, const char *source,
		    u64 records);

static int exec(sqlite3 *db, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK)
		return 0;
	hvt_error("import", "%s", msg ? msg : sqlite3_errmsg(db));
	sqlite3_free(msg);
	return -1;
}

/* One integer from a query, or -1 with the message printed. */
static int query_s64(sqlite3 *db, const char *sql, sqlite3_int64 *out)
{
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);

	if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW)
		*out = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return 0;
	hvt_error("import", "%s: %s", sql, sqlite3_errmsg(db));
	return -1;
}

/* Run part of schema.sql: before the load (indexes = 0) everything up to the
 * first "-- INDEXES" line and the "-- INDEXES DURING LOAD" block; after it
 * (indexes = 1) the "-- INDEXES AFTER LOAD" block, which ends where the
 * other begins (schema.sql S4). */
static int run_schema(sqlite3 *db, int indexes)
{
	const char *s = hvt_schema_sql;
	const char *first = strstr(s, "\n-- INDEXES");
	const char *after = strstr(s, "\n-- INDEXES AFTER LOAD");
	const char *during = strstr(s, "\n-- INDEXES DURING LOAD");
	char *part;
	int rc;

	if (!first || !after || !during || after > during)
		return hvt_error("import", "internal: schema.sql lacks its index blocks (S4)"), -1;
	if (indexes)
		part = strndup(after, (size_t)(during - after));
	else if ((part = malloc((size_t)(first - s) + strlen(during) + 1)))
		strcpy(stpncpy(part, s, (size_t)(first - s)), during);
	rc = part ? exec(db, part) : -1;
	free(part);
	return rc;
}

/* The NULL-seq rowids of import_vtab.c came out as the trace's seqs: as many
 * rows as records read, the last at the last seq read. */
static int check_rows(sqlite3 *db, const struct hvt_source *src)
{
	sqlite3_int64 max = 0;

	if ((u64)sqlite3_changes64(db) != src->rows)
		return hvt_error("import", "internal: %lld rows inserted for %llu records",
				 (long long)sqlite3_changes64(db), (unsigned long long)src->rows), -1;
	if (!src->rows)
		return 0;
	if (query_s64(db, "SELECT max(seq) FROM events", &max))
		return -1;
	if (max != (sqlite3_int64)src->last_seq)
		return hvt_error("import", "internal: last row at seq %lld, last record seq %llu",
				 (long long)max, (unsigned long long)src->last_seq), -1;
	return 0;
}

/* Planner statistics of events_rare, the index of the rare kinds (one scan
 * of it: a few ms for 2M events). Without them every index gets SQLite's
 * default guess of 10 rows per key, and a tie between events_rare
 * (type = 9) and events_pt_free (a = ?) goes to the index created last:
 * pt_lifetimes would then look up a table's free among all the frees. The
 * other partial indexes are never in such a tie (no other index is usable
 * for type = 1 or type = 4), so their statistics would only cost time. */
static int plan(sqlite3 *db)
{
	return exec(db, "ANALYZE events_rare");
}

static int build(sqlite3 *db, struct hvt_reader *r, const char *path)
{
	struct hvt_source src = { .r = r };

	/* secure_delete (on in Debian's libsqlite3) zeroes every cell that
	 * b-tree balancing moves: nothing secret is deleted in a fresh file.
	 * 16 KiB pages: fewer page splits and page reads for the same rows
	 * (callgrind, 300K events: 4 KiB pages cost 1% more instructions).
	 * A 4 MiB page cache for the load: rows and the fault_end keys arrive
	 * at the right edge of their b-trees, so only those paths stay hot;
	 * 64 MiB gave the same instruction count and 60 MiB more peak memory.
	 * threads=0: no sorter helper threads (schema.sql's after-load indexes).
	 * With two they cost 10% more instructions (300K events: 2706M ->
	 * 3006M) and on this shared 2-core machine the wall time rose too,
	 * waiting for helpers that other processes kept off the CPU (2M events
	 * at load 4.7, five runs each: 2.09-2.82 s alone, 2.71-3.52 s with). */
	if (exec(db, "PRAGMA page_size=16384; PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; "
		     "PRAGMA locking_mode=EXCLUSIVE; PRAGMA cache_size=-4096; "
		     "PRAGMA temp_store=FILE; PRAGMA threads=0; "
		     "PRAGMA secure_delete=OFF; BEGIN") ||
	    run_schema(db, 0))
		return -1;
	if (hvt_source_register(db, &src) != SQLITE_OK)
		return hvt_error("import", "sqlite: %s", sqlite3_errmsg(db)), -1;
	if (exec(db, "INSERT INTO events SELECT * FROM temp.hvt_source") || check_rows(db, &src))
		return -1;
	if (hvt_import_meta(db, &r->hdr, path, r->index))
		return hvt_error("import", "sqlite meta: %s", sqlite3_errmsg(db)), -1;
	/* Memory flat in trace length: each CREATE INDEX sorter keeps up to
	 * cache_size bytes in memory and spills the rest to temporary files
	 * (temp_store=FILE: with MEMORY the spill files were heap too, and 10M
	 * events took 217 MiB against 98 MiB for 2M). The load's 4 MiB serve
	 * the builds too: the sorter merges linked lists of records, a cache
	 * miss per step once a list outgrows the CPU caches, so smaller lists
	 * and more spill files are faster here (the two after-load indexes of
	 * 2M events, seven runs each, medians: 0.53 s with 4 MiB, 0.61 s with
	 * 8, 0.68 s with 16). */
	return run_schema(db, 1) || plan(db) ||
	       exec(db, "DROP TABLE temp.hvt_source; COMMIT") ? -1 : 0;
}

/* ---- the temporary file: removed on error, on a signal, or when stale ---- */

static char tmp_path[4096];   /* the file being built; "" when none */

static void on_signal(int sig)
{
	if (tmp_path[0])
		unlink(tmp_path);   /* async-signal-safe */
	signal(sig, SIG_DFL);
	raise(sig);
}

static const int caught[] = { SIGINT, SIGTERM, SIGHUP };

/* Catch (on_signal) or release (SIG_DFL) the signals that end a process,
 * except one ignored since the start (nohup, `cmd &` in a script): that
 * one stays ignored, as the caller asked. */
static void set_signals(void (*handler)(int))
{
	for (size_t i = 0; i < sizeof(caught) / sizeof(caught[0]); i++) {
		struct sigaction old, sa = { .sa_handler = handler };

		if (sigaction(caught[i], NULL, &old) == 0 && old.sa_handler != SIG_IGN)
			sigaction(caught[i], &sa, NULL);
	}
}

/* Remove DB.tmp.PID files of DB whose import process no longer exists. */
static void remove_stale(const char *dst)
{
	char dcopy[4096], bcopy[4096];
	const char *dir, *base;
	size_t blen;
	struct dirent *de;
	DIR *d;

	snprintf(dcopy, sizeof(dcopy), "%s", dst);
	snprintf(bcopy, sizeof(bcopy), "%s", dst);
	dir = dirname(dcopy);
	base = basename(bcopy);
	blen = strlen(base);
	if (!(d = opendir(dir)))
		return;
	while ((de = readdir(d))) {
		char *end, path[8192];
		long pid;

		if (strncmp(de->d_name, base, blen) || strncmp(de->d_name + blen, ".tmp.", 5))
			continue;
		pid = strtol(de->d_name + blen + 5, &end, 10);
		if (*end || pid <= 0 || kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		unlink(path);
	}
	closedir(d);
}

static int import(const char *src, const char *dst, struct hvt_reader *r)
{
	sqlite3 *db = NULL;
	int rc;

	remove_stale(dst);
	snprintf(tmp_path, sizeof(tmp_path), "%s.tmp.%d", dst, (int)getpid());
	unlink(tmp_path);
	set_signals(on_signal);
	if (sqlite3_open(tmp_path, &db) != SQLITE_OK)
		rc = hvt_error("import", "%s: cannot create: %s", tmp_path, sqlite3_errmsg(db));
	else
		rc = build(db, r, src);
	if (sqlite3_close(db) != SQLITE_OK && !rc)
		rc = hvt_error("import", "%s: close failed", tmp_path);
	if (!rc && rename(tmp_path, dst))
		rc = hvt_error("import", "%s: cannot rename into place: %m", dst);
	if (rc)
		unlink(tmp_path);   /* S5: no partial database */
	set_signals(SIG_DFL);
	tmp_path[0] = 0;
	return rc ? EXIT_BAD : 0;
}

int cmd_import(int argc, char **argv)
{
	struct hvt_reader r;
	int rc;

	if (argc != 3)
		return hvt_usage("import TRACE.hvt DB");
	if (hvt_reader_open(&r, argv[1], 1))   /* V1 before any file is made */
		return hvt_error("import", "%s", r.err);
	rc = import(argv[1], argv[2], &r);
	if (!rc)
		printf("imported %llu events from %s into %s\n",
		       (unsigned long long)r.index, argv[1], argv[2]);
	hvt_reader_close(&r);
	return rc;
}
