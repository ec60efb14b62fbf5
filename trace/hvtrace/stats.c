/*
 * stats.c: `hvtrace stats TRACE.hvt`: counts by type, reason and vCPU,
 * fault outcomes, flush batching and the run's length and rate (kvm_stat
 * style: a name, a total, a rate).
 */
#include <stdio.h>
#include "hvtrace.h"
#include "names.h"
#include "reader.h"

#define X(v) ((unsigned long long)(v))

struct counts {
	u64 type[256], spte_reason[256], flush_reason[256], fault_result[256];
	u64 vcpu[HVT_MAX_CPUS + 1];      /* last = VMM */
	u64 first_tsc, last_tsc, records, flush_zapped, lost_races;
};

static void count(struct counts *c, const struct hvt_record *r)
{
	if (!c->records++)
		c->first_tsc = r->tsc;
	c->last_tsc = r->tsc;
	c->type[r->type]++;
	c->vcpu[r->vcpu < HVT_MAX_CPUS ? r->vcpu : HVT_MAX_CPUS]++;
	if (r->type == HVT_SPTE_CHANGE) {
		c->spte_reason[r->reason]++;
		c->lost_races += !!(r->flags & HVT_F_LOST_RACE);
	} else if (r->type == HVT_TLB_FLUSH) {
		c->flush_reason[r->reason]++;
		c->flush_zapped += r->c;
	} else if (r->type == HVT_FAULT_END) {
		c->fault_result[r->aux16 & 255]++;
	}
}

static void table(const char *title, enum hvt_name_table t, const u64 *n, double secs)
{
	for (unsigned i = 0; i < 256; i++)
		if (n[i])
			printf("%-28s %-16s %12llu %12.0f/s\n", title, hvt_name(t, i), X(n[i]),
			       secs > 0 ? n[i] / secs : 0.0);
}

static void report(const struct hvt_stream_header *h, const struct counts *c)
{
	double secs = h->tsc_hz ? (double)(c->last_tsc - c->first_tsc) / h->tsc_hz : 0;

	printf("scenario  %s\n", h->scenario);
	printf("records   %llu  (dropped %llu)\n", X(c->records), X(h->dropped));
	printf("duration  %llu tsc = %.6f s (tsc_hz %llu)\n", X(c->last_tsc - c->first_tsc),
	       secs, X(h->tsc_hz));
	table("event", HVT_NT_TYPE, c->type, secs);
	table("spte_change.reason", HVT_NT_SPTE_REASON, c->spte_reason, secs);
	table("tlb_flush.reason", HVT_NT_FLUSH_REASON, c->flush_reason, secs);
	table("fault_end.result", HVT_NT_FAULT_RESULT, c->fault_result, secs);
	for (unsigned v = 0; v <= HVT_MAX_CPUS; v++)
		if (c->vcpu[v])
			printf("%-28s %-16s %12llu\n", "records.by_cpu",
			       v == HVT_MAX_CPUS ? "vmm" : (char[8]){ 'v', 'c', 'p', 'u', (char)('0' + v), 0 },
			       X(c->vcpu[v]));
	printf("%-28s %-16s %12llu\n", "spte_change.lost_race", "", X(c->lost_races));
	if (c->type[HVT_TLB_FLUSH])
		printf("%-28s %-16s %12.2f\n", "tlb_flush.zapped_per_flush", "",
		       (double)c->flush_zapped / c->type[HVT_TLB_FLUSH]);
}

int cmd_stats(int argc, char **argv)
{
	static struct counts c;
	struct hvt_reader r;
	struct hvt_record rec;
	int rc;

	if (argc != 2)
		return hvt_usage("stats TRACE.hvt");
	if (hvt_reader_open(&r, argv[1], 1))
		return hvt_error("stats", "%s", r.err);
	while ((rc = hvt_reader_next(&r, &rec)) > 0)
		count(&c, &rec);
	if (rc < 0) {
		rc = hvt_error("stats", "%s", r.err);
		hvt_reader_close(&r);
		return rc;
	}
	report(&r.hdr, &c);
	hvt_reader_close(&r);
	return 0;
}
