/*
 * assemble.h: collect's output file, where the sort by seq is the placement:
 * record seq goes to byte HVT_HEADER_SIZE + 64 * seq of a memory-mapped
 * temporary file (T1 makes the slot of seq be seq), a bitmap marks the
 * slots filled. Records may arrive in any order (rings drained in turn, a
 * port stream in drain order), each exactly once.
 *
 * At the end (hvt_asm_commit):
 *  A1  a seq seen twice was already an error (hvt_asm_put)
 *  A2  missing seqs: allowed up to the header's dropped count (lossy rings);
 *      the filled slots are compacted in seq order, header written, file
 *      renamed into place. More missing than dropped is a T1 violation: the
 *      file is still written (check then shows the gap) and commit fails.
 */
#ifndef HVLAB_HVTRACE_ASSEMBLE_H
#define HVLAB_HVTRACE_ASSEMBLE_H

#include "../hvt_format.h"

#define HVT_ASM_MAX_SEQ (1ull << 36)   /* beyond: a corrupt seq, not a trace */

struct hvt_asm {
	int fd;
	char *tmp_path, *final_path;
	u8 *map;            /* the temporary file, mapped */
	u64 map_bytes;
	u8 *seen;           /* bit per seq */
	u64 seen_bytes;
	u64 end;            /* highest seq + 1 */
	u64 count;          /* records placed */
	char err[256];
};

int  hvt_asm_open(struct hvt_asm *a, const char *path);
/* Place one record; -1 with a->err on a duplicate or implausible seq. */
int  hvt_asm_put(struct hvt_asm *a, const struct hvt_record *rec);
/* The run reserved seqs 0..end-1 (hv's next_seq at a clean end): a seq
 * up to there that never arrived counts as missing (A2). */
int  hvt_asm_expect(struct hvt_asm *a, u64 end);
/* A2; hdr's record_count is set here. Returns 0, or -1 with a->err. */
int  hvt_asm_commit(struct hvt_asm *a, struct hvt_stream_header *hdr);
void hvt_asm_abort(struct hvt_asm *a);

#endif
