/*
 * writer.h: writes a .hvt file atomically: records go to a temporary file
 * in the target's directory ("OUT.tmp.PID"), the header last, then rename.
 * A reader never sees a half-written trace; a failed run leaves no OUT.
 * Records are appended in order (synth); collect places records by seq
 * with its own mapped file (assemble.h).
 */
#ifndef HVLAB_HVTRACE_WRITER_H
#define HVLAB_HVTRACE_WRITER_H

#include <stdio.h>
#include "../hvt_format.h"

struct hvt_writer {
	FILE *f;
	char *final_path, *tmp_path;
	u64 appended;      /* records written by append */
};

int  hvt_writer_open(struct hvt_writer *w, const char *path);
int  hvt_writer_append(struct hvt_writer *w, const struct hvt_record *rec);
/* Write *hdr at offset 0, truncate to header + records, rename into place. */
int  hvt_writer_commit(struct hvt_writer *w, const struct hvt_stream_header *hdr, u64 records);
/* Remove the temporary file. */
void hvt_writer_abort(struct hvt_writer *w);

#endif
