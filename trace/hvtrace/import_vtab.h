/*
 * import_vtab.h: the trace reader as the SQLite virtual table
 * temp.hvt_source (import_vtab.c), for hvtrace import's single INSERT.
 */
#ifndef HVLAB_HVTRACE_IMPORT_VTAB_H
#define HVLAB_HVTRACE_IMPORT_VTAB_H

#include <sqlite3.h>
#include "reader.h"

/* Create temp.hvt_source over r (which must outlive db's use of it). */
int hvt_source_register(sqlite3 *db, struct hvt_reader *r);

#endif
