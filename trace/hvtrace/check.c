/*
 * check.c: `hvtrace check TRACE.hvt`: verify the trace invariants of
 * trace/hvt_format.h on a whole file, streaming:
 *   T1  seq runs 0,1,2,... with no gap (a lossy trace may miss exactly
 *       header.dropped seqs) and no duplicate (the reader's V4)
 *   T2  each SPTE change's old value equals the previous new value of the
 *       same sptep, ignoring the header's accessed and dirty masks; a
 *       pt_alloc forgets the 512 SPTEs of the new table (fresh memory)
 *   T3  a lost race writes nothing: new == old
 * In a lossy trace a dropped record may have been any SPTE change, so a gap
 * starts a new epoch: T2 holds again only from changes seen after it.
 * Prints the first violation with seqs and values and exits 1.
 */
#include <stdio.h>
#include <stdlib.h>
#include "hvtrace.h"
#include "reader.h"
#include "u64map.h"

#define X(v) ((unsigned long long)(v))

struct checker {
	struct hvt_reader r;
	struct u64map last_new;   /* sptep -> index into chain[] */
	u64 (*chain)[3];          /* [i] = { seq, new value, epoch } of the last change */
	u64 nchain, capchain;
	u64 expect_seq, missing, spte_changes;
	u64 ignore;               /* A/D masks */
	u64 epoch;                /* gaps so far (lossy traces) */
};

static int gap(struct checker *k, const struct hvt_record *rec)
{
	u64 n = rec->seq - k->expect_seq;

	k->missing += n;
	k->epoch++;
	if (k->missing <= k->r.hdr.dropped)
		return 0;
	return hvt_error("check", "T1 violated at seq %llu (byte %llu): expected seq %llu, "
			 "found %llu: %llu seq(s) missing%s", X(rec->seq), X(k->r.offset - HVT_RECORD_SIZE),
			 X(k->expect_seq), X(rec->seq), X(n),
			 k->r.hdr.dropped ? " beyond the header's dropped count" : "");
}

static int remember(struct checker *k, u64 sptep, u64 seq, u64 value)
{
	u64 *idx = u64map_get(&k->last_new, sptep);

	if (idx) {
		k->chain[*idx][0] = seq;
		k->chain[*idx][1] = value;
		k->chain[*idx][2] = k->epoch;
		return 0;
	}
	if (k->nchain == k->capchain) {
		u64 cap = k->capchain ? k->capchain * 2 : 4096;
		void *p = realloc(k->chain, cap * sizeof(*k->chain));

		if (!p)
			return -1;
		k->chain = p;
		k->capchain = cap;
	}
	k->chain[k->nchain][0] = seq;
	k->chain[k->nchain][1] = value;
	k->chain[k->nchain][2] = k->epoch;
	return u64map_put(&k->last_new, sptep, k->nchain++);
}

static int spte_change(struct checker *k, const struct hvt_record *rec)
{
	u64 *idx;

	k->spte_changes++;
	if (rec->flags & HVT_F_LOST_RACE) {
		if (rec->c != rec->d)
			return hvt_error("check", "T3 violated at seq %llu: lost race on sptep 0x%llx "
					 "but new 0x%llx != old 0x%llx", X(rec->seq), X(rec->b),
					 X(rec->d), X(rec->c));
		return 0;
	}
	idx = u64map_get(&k->last_new, rec->b);
	if (idx && k->chain[*idx][2] == k->epoch && ((k->chain[*idx][1] ^ rec->c) & ~k->ignore))
		return hvt_error("check", "T2 violated at seq %llu (byte %llu): sptep 0x%llx "
				 "gfn 0x%llx old 0x%llx, but the previous change of this SPTE at seq "
				 "%llu set new 0x%llx (differ in bits 0x%llx outside the A/D mask 0x%llx)",
				 X(rec->seq), X(k->r.offset - HVT_RECORD_SIZE), X(rec->b), X(rec->a),
				 X(rec->c), X(k->chain[*idx][0]), X(k->chain[*idx][1]),
				 X((k->chain[*idx][1] ^ rec->c) & ~k->ignore), X(k->ignore));
	return remember(k, rec->b, rec->seq, rec->d) ? hvt_error("check", "out of memory") : 0;
}

/* A new table's entries are whatever the allocator gave: forget them. */
static void pt_alloc(struct checker *k, const struct hvt_record *rec)
{
	for (u64 off = 0; off < 4096; off += 8)
		u64map_del(&k->last_new, rec->a + off);
}

static int check_one(struct checker *k, const struct hvt_record *rec)
{
	if (rec->seq != k->expect_seq && gap(k, rec))
		return EXIT_BAD;
	k->expect_seq = rec->seq + 1;
	if (rec->type == HVT_SPTE_CHANGE)
		return spte_change(k, rec);
	if (rec->type == HVT_PT_ALLOC)
		pt_alloc(k, rec);
	return 0;
}

static int run(struct checker *k)
{
	struct hvt_record rec;
	int rc;

	while ((rc = hvt_reader_next(&k->r, &rec)) > 0)
		if (check_one(k, &rec))
			return EXIT_BAD;
	if (rc < 0)
		return hvt_error("check", "%s", k->r.err);
	printf("OK %s: %llu records, seq 0..%llu (T1: %llu missing, %llu dropped), "
	       "%llu SPTE changes over %llu SPTEs chain (T2, T3)\n", k->r.name,
	       X(k->r.index), X(k->expect_seq ? k->expect_seq - 1 : 0), X(k->missing),
	       X(k->r.hdr.dropped), X(k->spte_changes), X(k->last_new.len));
	return 0;
}

int cmd_check(int argc, char **argv)
{
	struct checker k = { 0 };
	int rc;

	if (argc != 2)
		return hvt_usage("check TRACE.hvt");
	if (hvt_reader_open(&k.r, argv[1], 1))
		return hvt_error("check", "%s", k.r.err);
	k.ignore = k.r.hdr.spte.accessed_mask | k.r.hdr.spte.dirty_mask;
	if (u64map_init(&k.last_new, 1 << 16))
		return hvt_error("check", "out of memory");
	rc = run(&k);
	u64map_free(&k.last_new);
	free(k.chain);
	hvt_reader_close(&k.r);
	return rc;
}
