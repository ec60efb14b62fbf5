/*
 * tracedb.h: read access to a trace database made by `hvtrace import`
 * (trace/schema.sql): the events table, fetched by seq range through its
 * INTEGER PRIMARY KEY, and the stream header kept in meta.
 *
 * Nothing here loads the whole table: every query is a range of seq.
 */
#ifndef HVTUI_TRACEDB_H
#define HVTUI_TRACEDB_H

#include <sqlite3.h>
#include "../../trace/hvt_format.h"

/* One row of events, decoded back into the record's unsigned fields. */
struct hvt_event {
	s64 seq;    /* global sequence number (T1) */
	u64 tsc;    /* time stamp counter at emission */
	u16 vcpu;   /* vCPU index or HVT_NO_VCPU */
	u8  type;   /* enum hvt_type */
	u8  reason; /* per-type reason / kind */
	u8  level;  /* page-table level, 0 if none */
	u8  flags;  /* HVT_F_* */
	u16 aux;    /* per-type aux16 (flush scope, fault result, ...) */
	u64 a, b, c, d, e; /* payload, meaning per type in hvt_format.h */
};

/* What the stream header and the events table say about the trace. */
struct trace_info {
	s64 first_seq;              /* smallest seq in events, -1 if empty */
	s64 last_seq;               /* largest seq in events, -1 if empty */
	unsigned vendor;            /* HVT_VENDOR_* */
	unsigned mmu_mode;          /* HVT_MMU_TDP or HVT_MMU_SHADOW */
	unsigned nr_vcpus;          /* vCPUs in the run */
	char scenario[256];         /* hv + guest command line */
	struct hvt_spte_format fmt; /* SPTE masks (from meta, or defaults) */
	bool fmt_from_meta;         /* false if fmt holds built-in defaults */
};

/* Column list shared by every events query (order matches ev_from_row). */
#define EV_COLUMNS "seq,tsc,vcpu,type,reason,level,flags,aux,a,b,c,d,e"

/* Opens path (read-write if possible), checks it holds an events table.
 * Returns 0, or -1 with a message in err. */
int tracedb_open(const char *path, sqlite3 **db, bool *writable, char *err, size_t errlen);
int tracedb_load_info(sqlite3 *db, struct trace_info *info, char *err, size_t errlen);
void ev_from_row(sqlite3_stmt *st, struct hvt_event *ev);
/* Fetches event seq. 0 if found, 1 if no such seq, -1 on error. */
int tracedb_get(sqlite3 *db, s64 seq, struct hvt_event *ev);
/* Runs sql (one s64 result in column 0, parameters ?1..?n = args). Returns 0
 * and *out, 1 if no row, -1 on error. */
int tracedb_query_s64(sqlite3 *db, const char *sql, const s64 *args, int nargs, s64 *out);
/* The built-in SPTE masks for a vendor/mode when meta has none (REFERENCE §4). */
void spte_format_default(struct hvt_spte_format *f, unsigned vendor, unsigned mmu_mode);

#endif
