/*
 * collect_stream.c: read a Bochs port stream (struct hvt_stream_header once,
 * then raw 64-byte records in the order the CPUs drained them) and write
 * it sorted by seq, checking T1 (assemble.h) and T4 (each vCPU's records
 * arrive in increasing seq).
 */
#include <stdio.h>
#include "assemble.h"
#include "collect.h"
#include "hvtrace.h"
#include "reader.h"

#define X(v) ((unsigned long long)(v))

/* T4: a vCPU's seqs only increase in the stream. */
static int check_t4(u64 *last, const struct hvt_record *rec, const struct hvt_reader *r,
		    char *err, size_t n)
{
	if (rec->vcpu >= HVT_MAX_CPUS)
		return 0;
	if (last[rec->vcpu] && rec->seq < last[rec->vcpu])
		return snprintf(err, n, "%s: byte %llu: T4 violated: vCPU %u's seq went from %llu "
				"back to %llu", r->name, X(r->offset - HVT_RECORD_SIZE), rec->vcpu,
				X(last[rec->vcpu] - 1), X(rec->seq)), -1;
	last[rec->vcpu] = rec->seq + 1;
	return 0;
}

static int pump(struct hvt_reader *r, struct hvt_asm *a, char *err, size_t n)
{
	struct hvt_record rec;
	u64 last[HVT_MAX_CPUS] = { 0 };
	int rc;

	while ((rc = hvt_reader_next(r, &rec)) > 0) {
		if (check_t4(last, &rec, r, err, n))
			return -1;
		if (hvt_asm_put(a, &rec))
			return snprintf(err, n, "%s: byte %llu: %s", r->name,
					X(r->offset - HVT_RECORD_SIZE), a->err), -1;
	}
	if (rc < 0)
		return snprintf(err, n, "%s", r->err), -1;
	return 0;
}

int collect_stream(const struct collect_opts *o)
{
	struct hvt_reader r;
	struct hvt_asm a;
	char err[512];

	if (hvt_reader_open(&r, o->stream, 0))
		return hvt_error("collect", "%s", r.err);
	if (hvt_asm_open(&a, o->out)) {
		hvt_reader_close(&r);
		return hvt_error("collect", "%s", a.err);
	}
	if (pump(&r, &a, err, sizeof(err))) {
		hvt_asm_abort(&a);
		hvt_reader_close(&r);
		return hvt_error("collect", "%s", err);
	}
	hvt_reader_close(&r);
	if (hvt_asm_commit(&a, &r.hdr))
		return hvt_error("collect", "%s", a.err);
	if (!o->quiet)
		printf("collected %llu records from %s into %s\n", X(r.hdr.record_count),
		       o->stream, o->out);
	return 0;
}
