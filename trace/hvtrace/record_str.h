/*
 * record_str.h: one record as one line of text, its payload named per type
 * and its SPTEs decoded (hvtrace dump; the fuzz target feeds it junk).
 */
#ifndef HVLAB_HVTRACE_RECORD_STR_H
#define HVLAB_HVTRACE_RECORD_STR_H

#include <stddef.h>
#include "../hvt_format.h"

/* "SEQ vcpuN TSC TYPE details"; writes at most n bytes; returns buf. */
char *hvt_record_str(const struct hvt_stream_header *h, const struct hvt_record *r,
		     char *buf, size_t n);

#endif
