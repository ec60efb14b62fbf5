/*
 * names.h: names of the trace format's enums (trace/hvt_format.h), the same
 * strings as the lookup tables of trace/schema.sql (S3, checked by
 * trace/test/names_test.c).
 */
#ifndef HVLAB_HVTRACE_NAMES_H
#define HVLAB_HVTRACE_NAMES_H

#include "../hvt_format.h"

enum hvt_name_table {
	HVT_NT_TYPE, HVT_NT_SPTE_REASON, HVT_NT_FLUSH_REASON, HVT_NT_FLUSH_SCOPE,
	HVT_NT_FAULT_KIND, HVT_NT_FAULT_RESULT, HVT_NT_MMIO_KIND, HVT_NT_EXIT_KIND,
	HVT_NT_SP_REASON, HVT_NT_FREE_REASON, HVT_NT_MEMSLOT_OP, HVT_NT_COUNT
};

struct hvt_name_list {
	const char *sql_table;        /* lookup table in schema.sql */
	const char *const *names;     /* names[id], NULL where unused */
	unsigned count;               /* ids 0..count-1 */
};

extern const struct hvt_name_list hvt_names[HVT_NT_COUNT];

/* Name of id in table t, or "?" if it has none. */
const char *hvt_name(enum hvt_name_table t, unsigned id);

#endif
