/*
 * sqlite_limit.c: the yardstick for `hvtrace import`: the same rows, already
 * in memory, inserted by a bare loop with one prepared single-row INSERT in
 * one transaction (journal and sync off, no index) into the events table of
 * schema.sql. Prints "rows seconds rows_per_s".
 *   sqlite_limit TRACE.hvt DB
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include "../hvt_format.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static struct hvt_record *load(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	struct hvt_record *recs;
	long size;

	if (!f || fseek(f, 0, SEEK_END) || (size = ftell(f)) < HVT_HEADER_SIZE)
		return NULL;
	*n = (size - HVT_HEADER_SIZE) / HVT_RECORD_SIZE;
	recs = malloc(*n * sizeof(*recs) + 1);
	fseek(f, HVT_HEADER_SIZE, SEEK_SET);
	if (fread(recs, sizeof(*recs), *n, f) != *n)
		return NULL;
	fclose(f);
	return recs;
}

int main(int argc, char **argv)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	struct hvt_record *r;
	size_t n;
	double t0;

	if (argc != 3 || !(r = load(argv[1], &n)))
		return fprintf(stderr, "usage: sqlite_limit TRACE.hvt DB\n"), 2;
	unlink(argv[2]);
	sqlite3_open(argv[2], &db);
	t0 = now();
	sqlite3_exec(db, "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; BEGIN;"
		     "CREATE TABLE events(seq INTEGER PRIMARY KEY, tsc INTEGER NOT NULL,"
		     " vcpu INTEGER NOT NULL, type INTEGER NOT NULL, reason INTEGER NOT NULL,"
		     " level INTEGER NOT NULL, flags INTEGER NOT NULL, aux INTEGER NOT NULL,"
		     " a INTEGER NOT NULL, b INTEGER NOT NULL, c INTEGER NOT NULL,"
		     " d INTEGER NOT NULL, e INTEGER NOT NULL) STRICT", NULL, NULL, NULL);
	sqlite3_prepare_v2(db, "INSERT INTO events VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", -1, &st, NULL);
	for (size_t i = 0; i < n; i++) {
		const u64 v[13] = { r[i].seq, r[i].tsc, r[i].vcpu, r[i].type, r[i].reason,
				    r[i].level, r[i].flags, r[i].aux16, r[i].a, r[i].b, r[i].c,
				    r[i].d, r[i].e };
		for (int c = 0; c < 13; c++)
			sqlite3_bind_int64(st, c + 1, (sqlite3_int64)v[c]);
		if (sqlite3_step(st) != SQLITE_DONE)
			return fprintf(stderr, "insert: %s\n", sqlite3_errmsg(db)), 1;
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	sqlite3_close(db);
	printf("%zu %.3f %.0f\n", n, now() - t0, n / (now() - t0));
	free(r);
	return 0;
}
