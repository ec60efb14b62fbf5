/*
 * import.c: `hvtrace import TRACE.hvt DB`: load a trace into SQLite with
 * the schema of trace/schema.sql (embedded at build time).
 *
 * Fast path (TRACE-NOTES.md): one transaction, journal and sync off, ONE
 * statement that streams every record from the file into the events table
 * (INSERT ... SELECT from the virtual table of import_vtab.c, in rowid =
 * seq order, one batch of the file in memory at a time); the indexes that
 * grow by appends during the load exist before it, the others are built
 * after it (S4), the sorter allowed a second thread and bounded memory.
 * All or nothing (S5): the database is built as DB.tmp.PID in DB's
 * directory and renamed onto DB at the end; any error removes it.
 */
#include <sqlite3.h>
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

/* Run schema.sql: the part before "-- INDEXES AFTER LOAD" (indexes = 0) or after it. */
static int run_schema(sqlite3 *db, int indexes)
{
	const char *cut = strstr(hvt_schema_sql, "\n-- INDEXES AFTER LOAD");
	size_t n = cut ? (size_t)(cut - hvt_schema_sql) : strlen(hvt_schema_sql);
	char *part = indexes ? strdup(cut ? cut : "") : strndup(hvt_schema_sql, n);
	int rc = part ? exec(db, part) : -1;

	free(part);
	return rc;
}

static int build(sqlite3 *db, struct hvt_reader *r, const char *src)
{
	/* secure_delete (on in Debian's libsqlite3) zeroes every cell that
	 * b-tree balancing moves: nothing secret is deleted in a fresh file.
	 * 16 KiB pages: the events(type) index takes its rows at a few insertion
	 * points inside pages, and every insert shifts the rest of the page's cell
	 * array; 64 KiB pages cost 8% more instructions (callgrind, 300K events). */
	if (exec(db, "PRAGMA page_size=16384; PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; "
		     "PRAGMA locking_mode=EXCLUSIVE; PRAGMA cache_size=-65536; "
		     "PRAGMA temp_store=FILE; PRAGMA threads=2; "
		     "PRAGMA secure_delete=OFF; BEGIN") ||
	    run_schema(db, 0))
		return -1;
	if (hvt_source_register(db, r) != SQLITE_OK)
		return hvt_error("import", "sqlite: %s", sqlite3_errmsg(db)), -1;
	if (exec(db, "INSERT INTO events SELECT * FROM temp.hvt_source"))
		return -1;
	if (hvt_import_meta(db, &r->hdr, src, r->index))
		return hvt_error("import", "sqlite meta: %s", sqlite3_errmsg(db)), -1;
	/* Memory flat in trace length: each CREATE INDEX sorter keeps up to
	 * cache_size bytes per thread in memory and spills the rest to temporary
	 * files (temp_store=FILE: with MEMORY the spill files were heap too, and
	 * 10M events took 217 MiB against 98 MiB for 2M). 16 MiB for the builds:
	 * 2M / 6M / 10M events peak at 81 / 122 / 121 MiB. */
	return exec(db, "PRAGMA cache_size=-16384") || run_schema(db, 1) ||
	       exec(db, "DROP TABLE temp.hvt_source; COMMIT") ? -1 : 0;
}

static int import(const char *src, const char *dst, struct hvt_reader *r)
{
	char tmp[4096];
	sqlite3 *db = NULL;
	int rc;

	snprintf(tmp, sizeof(tmp), "%s.tmp.%d", dst, (int)getpid());
	unlink(tmp);
	if (sqlite3_open(tmp, &db) != SQLITE_OK)
		rc = hvt_error("import", "%s: cannot create: %s", tmp, sqlite3_errmsg(db));
	else
		rc = build(db, r, src);
	if (sqlite3_close(db) != SQLITE_OK && !rc)
		rc = hvt_error("import", "%s: close failed", tmp);
	if (!rc && rename(tmp, dst))
		rc = hvt_error("import", "%s: cannot rename into place: %m", dst);
	if (rc)
		unlink(tmp);   /* S5: no partial database */
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
