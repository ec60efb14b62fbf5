/*
 * import_vtab.h: the trace reader as the SQLite virtual table
 * temp.hvt_source (import_vtab.c), for hvtrace import's single INSERT.
 */
#ifndef HVLAB_HVTRACE_IMPORT_VTAB_H
#define HVLAB_HVTRACE_IMPORT_VTAB_H

#include <sqlite3.h>
#include "reader.h"

/* What the table reads from, and what it saw while it was scanned. */
struct hvt_source {
	struct hvt_reader *r;
	u64 rows;      /* records returned */
	u64 last_seq;  /* seq of the last of them */
};

/* Create temp.hvt_source over src->r (src must outlive db's use of it). */
int hvt_source_register(sqlite3 *db, struct hvt_source *src);

#endif
