/*
 * names_test.c: S3 of trace/schema.sql: the lookup tables the schema
 * creates hold exactly the names hvtrace prints (trace/hvtrace/names.c).
 * Prints "TEST trace.names.schema PASS|FAIL detail".
 */
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include "../hvtrace/names.h"

extern const char hvt_schema_sql[];

/* Compare one lookup table with its C list; returns mismatches. */
static int compare(sqlite3 *db, const struct hvt_name_list *l, char *why, size_t n)
{
	char sql[128];
	sqlite3_stmt *st;
	int bad = 0, rows = 0, named = 0;

	for (unsigned i = 0; i < l->count; i++)
		named += l->names[i] != NULL;
	snprintf(sql, sizeof(sql), "SELECT id, name FROM %s", l->sql_table);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return snprintf(why, n, "%s: %s", l->sql_table, sqlite3_errmsg(db)), 1;
	while (sqlite3_step(st) == SQLITE_ROW) {
		int id = sqlite3_column_int(st, 0);
		const char *name = (const char *)sqlite3_column_text(st, 1);

		rows++;
		if (id < 0 || (unsigned)id >= l->count || !l->names[id] || strcmp(l->names[id], name)) {
			snprintf(why, n, "%s id %d: schema says '%s', names.c says '%s'", l->sql_table,
				 id, name, id >= 0 && (unsigned)id < l->count && l->names[id] ?
				 l->names[id] : "(none)");
			bad++;
		}
	}
	sqlite3_finalize(st);
	if (!bad && rows != named)
		bad = snprintf(why, n, "%s: %d rows in the schema, %d names in names.c",
			       l->sql_table, rows, named) > 0;
	return bad;
}

int main(void)
{
	sqlite3 *db;
	char why[256] = "";
	int bad = 0;

	sqlite3_open(":memory:", &db);
	if (sqlite3_exec(db, hvt_schema_sql, NULL, NULL, NULL) != SQLITE_OK) {
		printf("TEST trace.names.schema FAIL schema.sql does not run: %s\n", sqlite3_errmsg(db));
		return 1;
	}
	for (int t = 0; t < HVT_NT_COUNT && !bad; t++)
		bad = compare(db, &hvt_names[t], why, sizeof(why));
	sqlite3_close(db);
	printf("TEST trace.names.schema %s %s\n", bad ? "FAIL" : "PASS",
	       bad ? why : "11 lookup tables match names.c");
	return bad;
}
