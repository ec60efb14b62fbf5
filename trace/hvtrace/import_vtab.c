/*
 * import_vtab.c: a read-once SQLite virtual table over a trace reader, so
 * `hvtrace import` loads every row with ONE statement,
 *     INSERT INTO events SELECT * FROM temp.hvt_source
 * and SQLite moves the integers from xColumn straight into the b-tree: no
 * per-row bind, step and reset (about half of a bare insert loop's time).
 *
 * The table scans the reader it was created on, one record per row, in file
 * order (seq order, V4); a reader error ends the statement with the reader's
 * message (offset and what was expected). It can be scanned once. While it
 * is scanned it counts the rows and keeps the last seq (import checks both).
 *
 * The seq column is NULL when a record's seq is the previous record's seq
 * + 1 (every record of a lossless trace but the first): inserted into the
 * INTEGER PRIMARY KEY of an EMPTY table in this order, NULL makes SQLite
 * assign max(rowid) + 1, which is that seq, and leaves the table cursor at
 * the last row, so the uniqueness check that follows is free; an explicit
 * rowid costs a descent of the b-tree per row (callgrind, 300K-event import:
 * -8% instructions). Any other seq (the first, one after a gap of a lossy
 * trace) is given as is. import.c checks the result: max(seq) is the last
 * seq read and the row count the records read.
 */
#include <sqlite3.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "import_vtab.h"

struct src_vtab {
	sqlite3_vtab base;
	struct hvt_source *src;
};

struct src_cursor {
	sqlite3_vtab_cursor base;
	struct hvt_source *src;
	struct hvt_record rec;
	int eof;
	int follows;      /* rec.seq == the previous record's seq + 1 */
};

static int x_connect(sqlite3 *db, void *aux, int argc, const char *const *argv,
		     sqlite3_vtab **out, char **err)
{
	struct src_vtab *v;
	int rc = sqlite3_declare_vtab(db, "CREATE TABLE x(seq, tsc, vcpu, type, reason, level, "
				      "flags, aux, a, b, c, d, e)");

	if (rc != SQLITE_OK)
		return rc;
	v = sqlite3_malloc(sizeof(*v));
	if (!v)
		return SQLITE_NOMEM;
	memset(v, 0, sizeof(*v));
	v->src = aux;
	*out = &v->base;
	return SQLITE_OK;
}

static int x_disconnect(sqlite3_vtab *v)
{
	sqlite3_free(v);
	return SQLITE_OK;
}

static int x_best_index(sqlite3_vtab *v, sqlite3_index_info *info)
{
	info->estimatedCost = 1e9;
	info->orderByConsumed = info->nOrderBy == 1 && info->aOrderBy[0].iColumn <= 0 &&
				!info->aOrderBy[0].desc;
	return SQLITE_OK;
}

static int x_open(sqlite3_vtab *v, sqlite3_vtab_cursor **out)
{
	struct src_cursor *c = sqlite3_malloc(sizeof(*c));

	if (!c)
		return SQLITE_NOMEM;
	memset(c, 0, sizeof(*c));
	c->src = ((struct src_vtab *)v)->src;
	*out = &c->base;
	return SQLITE_OK;
}

static int x_close(sqlite3_vtab_cursor *c)
{
	sqlite3_free(c);
	return SQLITE_OK;
}

static int x_next(sqlite3_vtab_cursor *cur)
{
	struct src_cursor *c = (struct src_cursor *)cur;
	struct hvt_source *src = c->src;
	int rc = hvt_reader_next(src->r, &c->rec);

	if (rc < 0) {
		sqlite3_free(cur->pVtab->zErrMsg);
		cur->pVtab->zErrMsg = sqlite3_mprintf("%s", src->r->err);
		return SQLITE_ERROR;
	}
	c->eof = rc == 0;
	if (c->eof)
		return SQLITE_OK;
	/* The reader checked seq order (V4), so every row before is <= last_seq;
	 * below INT64_MAX all of them are non-negative rowids and max(rowid)
	 * is last_seq (S2 maps u64 above INT64_MAX to negative rowids: those
	 * are always given explicitly). */
	c->follows = src->rows > 0 && src->last_seq < INT64_MAX &&
		     c->rec.seq == src->last_seq + 1;
	src->rows++;
	src->last_seq = c->rec.seq;
	return SQLITE_OK;
}

static int x_filter(sqlite3_vtab_cursor *cur, int idx, const char *idx_str, int argc,
		    sqlite3_value **argv)
{
	return x_next(cur);
}

static int x_eof(sqlite3_vtab_cursor *cur)
{
	return ((struct src_cursor *)cur)->eof;
}

/* S2: every u64 leaves as the same 64 bits in an int64. */
static int x_column(sqlite3_vtab_cursor *cur, sqlite3_context *ctx, int col)
{
	const struct hvt_record *r = &((struct src_cursor *)cur)->rec;
	u64 v;

	switch (col) {
	case 0:
		if (((struct src_cursor *)cur)->follows) {
			sqlite3_result_null(ctx);   /* rowid = max(rowid) + 1 = seq (header) */
			return SQLITE_OK;
		}
		v = r->seq;
		break;
	case 1: v = r->tsc; break;
	case 2: v = r->vcpu; break;
	case 3: v = r->type; break;
	case 4: v = r->reason; break;
	case 5: v = r->level; break;
	case 6: v = r->flags; break;
	case 7: v = r->aux16; break;
	case 8: v = r->a; break;
	case 9: v = r->b; break;
	case 10: v = r->c; break;
	case 11: v = r->d; break;
	default: v = r->e; break;
	}
	sqlite3_result_int64(ctx, (sqlite3_int64)v);
	return SQLITE_OK;
}

static int x_rowid(sqlite3_vtab_cursor *cur, sqlite3_int64 *rowid)
{
	*rowid = (sqlite3_int64)((struct src_cursor *)cur)->rec.seq;
	return SQLITE_OK;
}

static const sqlite3_module source_module = {
	.iVersion = 1,
	.xCreate = x_connect, .xConnect = x_connect,
	.xBestIndex = x_best_index,
	.xDisconnect = x_disconnect, .xDestroy = x_disconnect,
	.xOpen = x_open, .xClose = x_close,
	.xFilter = x_filter, .xNext = x_next, .xEof = x_eof,
	.xColumn = x_column, .xRowid = x_rowid,
};

int hvt_source_register(sqlite3 *db, struct hvt_source *src)
{
	int rc = sqlite3_create_module(db, "hvt_reader", &source_module, src);

	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db, "CREATE VIRTUAL TABLE temp.hvt_source USING hvt_reader",
				  NULL, NULL, NULL);
	return rc;
}
