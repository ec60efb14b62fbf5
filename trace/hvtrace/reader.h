/*
 * reader.h: streaming reader of .hvt trace files (and of Bochs port streams,
 * which have the same layout without the sort).
 *
 * Reads the header once, then records in buffered batches; never holds more
 * than one batch. Every problem is reported in err as
 *     FILE: byte OFFSET: expected WHAT, found WHAT
 * so a truncated, corrupt or wrong-version file names the exact place.
 *
 * What the reader checks (cited as V1..):
 *  V1  header: magic "HVTRACE\0", version HVT_VERSION, header_size and
 *      record_size as in hvt_format.h, vendor <= 2, mmu_mode <= 2,
 *      scenario NUL-terminated.
 *  V2  records: whole (64 bytes), type 1..HVT_TYPE_MAX-1, level 0..5.
 *  V3  record_count != 0: exactly that many records follow.
 *  V4  (sorted mode) seq strictly increases from record to record.
 * Gaps in seq (T1) are not the reader's business: hvtrace check reports them.
 */
#ifndef HVLAB_HVTRACE_READER_H
#define HVLAB_HVTRACE_READER_H

#include <stdio.h>
#include "../hvt_format.h"

#define HVT_READER_BATCH 4096

struct hvt_reader {
	FILE *f;
	const char *name;              /* for messages */
	int own_file;                  /* close f at the end */
	int sorted;                    /* V4 applies */
	struct hvt_stream_header hdr;
	u64 index;                     /* records returned so far */
	u64 offset;                    /* byte offset of the next record */
	u64 prev_seq;                  /* V4 */
	struct hvt_record *buf;        /* HVT_READER_BATCH records */
	size_t nbuf, pos;
	char err[320];
};

/* Open path ("-" = stdin) and read the header. sorted: enforce V4.
 * Returns 0, or -1 with r->err set (r is closed). */
int hvt_reader_open(struct hvt_reader *r, const char *path, int sorted);
/* Same on an open stream (not closed by hvt_reader_close). */
int hvt_reader_open_file(struct hvt_reader *r, FILE *f, const char *name, int sorted);
/* Next record: 1 = *out filled, 0 = clean end of file, -1 = error in r->err. */
int hvt_reader_next(struct hvt_reader *r, struct hvt_record *out);
/* Check one header (V1); returns 0 or -1 with err (size n) set. */
int hvt_header_check(const struct hvt_stream_header *h, const char *name,
		     char *err, size_t n);
void hvt_reader_close(struct hvt_reader *r);

#endif
