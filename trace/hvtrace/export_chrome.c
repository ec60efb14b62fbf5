/*
 * export_chrome.c: `hvtrace export --chrome TRACE.hvt OUT.json [--from SEQ]
 * [--to SEQ]`: Chrome trace-event JSON that the Perfetto UI and
 * chrome://tracing open.
 *
 *   the VM        pid 1, named by the scenario (ph M process_name)
 *   each vCPU     a thread, tid = vCPU index; the VMM is tid 1000 (ph M thread_name)
 *   a fault       a complete slice (ph X) from FAULT to its FAULT_END
 *   a TLB flush   an instant (ph i) on the thread that asked for it
 *   live SPTEs    a counter (ph C): present SPTEs after each change
 * Times: ts in microseconds from the first record, tsc / tsc_hz (1 GHz
 * assumed if the header has no tsc_hz). Written to OUT.json.tmp, renamed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "hvtrace.h"
#include "names.h"
#include "reader.h"

#define X(v) ((unsigned long long)(v))
#define VMM_TID 1000
#define BIG_JSON (256ull << 20)   /* browsers struggle beyond a few hundred MB */

struct open_fault { u64 seq, tsc, addr; u8 kind; int open; };

struct exporter {
	struct hvt_reader r;
	FILE *out;
	u64 from, to, t0, live, present_mask, events;
	double us_per_tick;
	int t0_set, seen_tid[HVT_MAX_CPUS + 1];
	struct open_fault fault[HVT_MAX_CPUS];
};

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 32)
			fprintf(f, "\\u%04x", *s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

static double ts(struct exporter *x, u64 tsc)
{
	if (!x->t0_set) {
		x->t0 = tsc;
		x->t0_set = 1;
	}
	return (double)(tsc - x->t0) * x->us_per_tick;
}

static int tid(u16 vcpu) { return vcpu < HVT_MAX_CPUS ? vcpu : VMM_TID; }

static void event_start(struct exporter *x)
{
	fputs(x->events++ ? ",\n" : "\n", x->out);
}

static void name_thread(struct exporter *x, u16 vcpu)
{
	int slot = vcpu < HVT_MAX_CPUS ? vcpu : HVT_MAX_CPUS;

	if (x->seen_tid[slot])
		return;
	x->seen_tid[slot] = 1;
	event_start(x);
	fprintf(x->out, "{\"ph\":\"M\",\"pid\":1,\"tid\":%d,\"name\":\"thread_name\","
		"\"args\":{\"name\":\"%s%d\"}}", tid(vcpu), vcpu < HVT_MAX_CPUS ? "vCPU " : "VMM",
		vcpu < HVT_MAX_CPUS ? vcpu : 0);
}

static void fault_slice(struct exporter *x, const struct hvt_record *r)
{
	struct open_fault *f = &x->fault[r->vcpu];
	double start = ts(x, f->tsc);

	f->open = 0;
	event_start(x);
	fprintf(x->out, "{\"ph\":\"X\",\"pid\":1,\"tid\":%d,\"name\":\"fault %s %s\",\"ts\":%.3f,"
		"\"dur\":%.3f,\"args\":{\"seq\":%llu,\"end_seq\":%llu,\"addr\":\"0x%llx\","
		"\"spte_writes\":%llu}}", tid(r->vcpu), hvt_name(HVT_NT_FAULT_KIND, f->kind),
		hvt_name(HVT_NT_FAULT_RESULT, r->aux16), start, ts(x, r->tsc) - start, X(f->seq),
		X(r->seq), X(f->addr), X(r->d));
}

static void flush_instant(struct exporter *x, const struct hvt_record *r)
{
	event_start(x);
	fprintf(x->out, "{\"ph\":\"i\",\"s\":\"t\",\"pid\":1,\"tid\":%d,\"name\":\"tlb_flush %s\","
		"\"ts\":%.3f,\"args\":{\"seq\":%llu,\"gfn\":\"0x%llx\",\"npages\":%llu,\"zapped\":%llu,"
		"\"scope\":\"%s\"}}", tid(r->vcpu), hvt_name(HVT_NT_FLUSH_REASON, r->reason),
		ts(x, r->tsc), X(r->seq), X(r->a), X(r->b), X(r->c),
		hvt_name(HVT_NT_FLUSH_SCOPE, r->aux16));
}

static void spte_counter(struct exporter *x, const struct hvt_record *r, int in_window)
{
	u64 before = x->live;

	if (r->flags & HVT_F_LOST_RACE)
		return;
	x->live += !!(r->d & x->present_mask);
	x->live -= !!(r->c & x->present_mask);
	if (!in_window || x->live == before)
		return;
	event_start(x);
	fprintf(x->out, "{\"ph\":\"C\",\"pid\":1,\"name\":\"live SPTEs\",\"ts\":%.3f,"
		"\"args\":{\"live\":%llu}}", ts(x, r->tsc), X(x->live));
}

static void one(struct exporter *x, const struct hvt_record *r)
{
	int in = r->seq >= x->from && r->seq < x->to;

	if (r->type == HVT_SPTE_CHANGE)
		spte_counter(x, r, in);   /* counted from the start, shown in the window */
	if (!in)
		return;
	name_thread(x, r->vcpu);
	if (r->type == HVT_FAULT && r->vcpu < HVT_MAX_CPUS)
		x->fault[r->vcpu] = (struct open_fault){ r->seq, r->tsc, r->a, r->reason, 1 };
	else if (r->type == HVT_FAULT_END && r->vcpu < HVT_MAX_CPUS &&
		 x->fault[r->vcpu].open && x->fault[r->vcpu].seq == r->b)
		fault_slice(x, r);
	else if (r->type == HVT_TLB_FLUSH)
		flush_instant(x, r);
}

static int run(struct exporter *x)
{
	struct hvt_record rec;
	int rc;

	fprintf(x->out, "{\"displayTimeUnit\":\"ns\",\"traceEvents\":[");
	event_start(x);
	fprintf(x->out, "{\"ph\":\"M\",\"pid\":1,\"name\":\"process_name\",\"args\":{\"name\":");
	json_str(x->out, x->r.hdr.scenario[0] ? x->r.hdr.scenario : "hvlab VM");
	fprintf(x->out, "}}");
	while ((rc = hvt_reader_next(&x->r, &rec)) > 0 && rec.seq < x->to)
		one(x, &rec);
	fprintf(x->out, "\n]}\n");
	return rc < 0 ? -1 : 0;
}

static void warn_size(const char *out, u64 events)
{
	struct stat st;

	if (!stat(out, &st) && (u64)st.st_size > BIG_JSON)
		fprintf(stderr, "hvtrace export: warning: %s is %llu MB (%llu events); the Perfetto "
			"UI may not load it: export a window with --from/--to\n", out,
			X(st.st_size >> 20), X(events));
}

static int parse(int argc, char **argv, struct exporter *x, const char **in, const char **out)
{
	int chrome = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--chrome")) chrome = 1;
		else if (!strcmp(argv[i], "--from") && i + 1 < argc) { if (hvt_parse_u64(argv[++i], &x->from)) return -1; }
		else if (!strcmp(argv[i], "--to") && i + 1 < argc) { if (hvt_parse_u64(argv[++i], &x->to)) return -1; }
		else if (!*in) *in = argv[i];
		else if (!*out) *out = argv[i];
		else return -1;
	}
	return chrome && *in && *out ? 0 : -1;
}

int cmd_export(int argc, char **argv)
{
	struct exporter *x = calloc(1, sizeof(*x));
	const char *in = NULL, *out = NULL;
	char tmp[4096];
	int rc = 0;

	x->to = ~0ull;
	if (parse(argc, argv, x, &in, &out)) {
		free(x);
		return hvt_usage("export --chrome TRACE.hvt OUT.json [--from SEQ] [--to SEQ]");
	}
	if (hvt_reader_open(&x->r, in, 1)) {
		rc = hvt_error("export", "%s", x->r.err);
		free(x);
		return rc;
	}
	x->present_mask = x->r.hdr.spte.present_mask;
	x->us_per_tick = 1e6 / (x->r.hdr.tsc_hz ? (double)x->r.hdr.tsc_hz : 1e9);
	snprintf(tmp, sizeof(tmp), "%s.tmp.%d", out, (int)getpid());
	if (!(x->out = fopen(tmp, "w")))
		rc = hvt_error("export", "%s: cannot create: %m", tmp);
	else if (run(x) | fclose(x->out))
		rc = hvt_error("export", "%s", x->r.err[0] ? x->r.err : "write failed");
	else if (rename(tmp, out))
		rc = hvt_error("export", "%s: cannot rename: %m", out);
	if (rc)
		unlink(tmp);
	else
		warn_size(out, x->events);
	hvt_reader_close(&x->r);
	free(x);
	return rc;
}
