/*
 * record_str.c: record to text (record_str.h). One small formatter per
 * record type, chosen through a table indexed by type. SPTEs are decoded
 * by the MMU's own decoder (mmu/spte_decode.c) from the header's masks.
 */
#include <stdio.h>
#include <string.h>
#include "names.h"
#include "record_str.h"
#include "../../mmu/spte_decode.h"

typedef int (*fmt_fn)(const struct hvt_stream_header *h, const struct hvt_record *r,
		      char *buf, size_t n);

#define X(v) ((unsigned long long)(v))

static const char *flag_str(u8 flags, char *buf, size_t n)
{
	static const char *const names[] = { "atomic", "lost_race", "leaf", "shadow",
					     "volatile", "lock_write" };
	size_t len = 0;

	buf[0] = 0;
	for (unsigned i = 0; i < 6; i++)
		if (flags & (1u << i))
			len += snprintf(buf + len, n - len, "%s%s", len ? "," : "", names[i]);
	return len ? buf : "-";
}

static int fmt_spte(const struct hvt_stream_header *h, const struct hvt_record *r,
		    char *buf, size_t n)
{
	char o[160], nw[160], fl[64];

	spte_decode(&h->spte, r->c, r->level, o, sizeof(o));
	spte_decode(&h->spte, r->d, r->level, nw, sizeof(nw));
	return snprintf(buf, n, "gfn=0x%llx L%u %s %s old=0x%llx [%s] new=0x%llx [%s] "
			"sptep=0x%llx root=0x%llx", X(r->a), r->level,
			hvt_name(HVT_NT_SPTE_REASON, r->reason), flag_str(r->flags, fl, sizeof(fl)),
			X(r->c), o, X(r->d), nw, X(r->b), X(r->e));
}

static int fmt_flush(const struct hvt_stream_header *h, const struct hvt_record *r,
		     char *buf, size_t n)
{
	char root[32] = "";

	/* A CR3 load names the root the vCPU runs on from now (FORMAT.md). */
	if (r->reason == HVT_FR_CR3 && r->e)
		snprintf(root, sizeof(root), " root=0x%llx", X(r->e));
	if (r->b == 0)
		return snprintf(buf, n, "all %s %s zapped=%llu vcpus=0x%llx%s",
				hvt_name(HVT_NT_FLUSH_SCOPE, r->aux16),
				hvt_name(HVT_NT_FLUSH_REASON, r->reason), X(r->c), X(r->d), root);
	return snprintf(buf, n, "gfn=0x%llx npages=%llu %s %s zapped=%llu vcpus=0x%llx%s",
			X(r->a), X(r->b), hvt_name(HVT_NT_FLUSH_SCOPE, r->aux16),
			hvt_name(HVT_NT_FLUSH_REASON, r->reason), X(r->c), X(r->d), root);
}

static int fmt_fault(const struct hvt_stream_header *h, const struct hvt_record *r,
		     char *buf, size_t n)
{
	return snprintf(buf, n, "%s addr=0x%llx error=0x%llx gpa=0x%llx rip=0x%llx",
			hvt_name(HVT_NT_FAULT_KIND, r->reason), X(r->a), X(r->b), X(r->c), X(r->d));
}

static int fmt_fault_end(const struct hvt_stream_header *h, const struct hvt_record *r,
			 char *buf, size_t n)
{
	return snprintf(buf, n, "%s %s addr=0x%llx fault_seq=%llu level=%llu spte_writes=%llu",
			hvt_name(HVT_NT_FAULT_KIND, r->reason),
			hvt_name(HVT_NT_FAULT_RESULT, r->aux16), X(r->a), X(r->b), X(r->c), X(r->d));
}

static int fmt_fast_fault(const struct hvt_stream_header *h, const struct hvt_record *r,
			  char *buf, size_t n)
{
	char o[160], nw[160];

	spte_decode(&h->spte, r->c, r->level, o, sizeof(o));
	spte_decode(&h->spte, r->d, r->level, nw, sizeof(nw));
	return snprintf(buf, n, "%s gpa=0x%llx error=0x%llx old=[%s] new=[%s] sptep=0x%llx",
			hvt_name(HVT_NT_FAULT_RESULT, r->aux16), X(r->a), X(r->b), o, nw, X(r->e));
}

static int fmt_walk(const struct hvt_stream_header *h, const struct hvt_record *r,
		    char *buf, size_t n)
{
	return snprintf(buf, n, "gva=0x%llx L%u gpte=0x%llx at gpa=0x%llx%s", X(r->a),
			r->level, X(r->b), X(r->c), r->reason ? " fault" : "");
}

static int fmt_sp(const struct hvt_stream_header *h, const struct hvt_record *r,
		  char *buf, size_t n)
{
	return snprintf(buf, n, "%s gfn=0x%llx L%u role=0x%llx table=0x%llx%s",
			hvt_name(HVT_NT_SP_REASON, r->reason), X(r->a), r->level, X(r->b),
			X(r->c), r->d ? " new" : "");
}

static int fmt_pt_alloc(const struct hvt_stream_header *h, const struct hvt_record *r,
			char *buf, size_t n)
{
	return snprintf(buf, n, "table=0x%llx L%u gfn=0x%llx root=0x%llx",
			X(r->a), r->level, X(r->b), X(r->c));
}

static int fmt_pt_free(const struct hvt_stream_header *h, const struct hvt_record *r,
		       char *buf, size_t n)
{
	return snprintf(buf, n, "%s table=0x%llx L%u gfn=0x%llx unlink_seq=%llu",
			hvt_name(HVT_NT_FREE_REASON, r->reason), X(r->a), r->level, X(r->b), X(r->c));
}

static int fmt_memslot(const struct hvt_stream_header *h, const struct hvt_record *r,
		       char *buf, size_t n)
{
	return snprintf(buf, n, "%s slot=%llu gfn=0x%llx npages=%llu flags=0x%llx gen=%llu",
			hvt_name(HVT_NT_MEMSLOT_OP, r->reason), X(r->d), X(r->a), X(r->b),
			X(r->c), X(r->e));
}

static int fmt_topup(const struct hvt_stream_header *h, const struct hvt_record *r,
		     char *buf, size_t n)
{
	return snprintf(buf, n, "cache=%u before=%llu min=%llu after=%llu",
			r->reason, X(r->a), X(r->b), X(r->c));
}

static int fmt_mmio(const struct hvt_stream_header *h, const struct hvt_record *r,
		    char *buf, size_t n)
{
	return snprintf(buf, n, "%s %s gpa=0x%llx value=0x%llx len=%llu rip=0x%llx",
			r->reason ? "write" : "read", hvt_name(HVT_NT_MMIO_KIND, r->aux16),
			X(r->a), X(r->b), X(r->c), X(r->d));
}

static int fmt_exit(const struct hvt_stream_header *h, const struct hvt_record *r,
		    char *buf, size_t n)
{
	return snprintf(buf, n, "%s code=0x%llx info1=0x%llx info2=0x%llx rip=0x%llx",
			hvt_name(HVT_NT_EXIT_KIND, r->reason), X(r->a), X(r->b), X(r->c), X(r->d));
}

static int fmt_entry(const struct hvt_stream_header *h, const struct hvt_record *r,
		     char *buf, size_t n)
{
	return snprintf(buf, n, "rip=0x%llx", X(r->a));
}

static int fmt_hypercall(const struct hvt_stream_header *h, const struct hvt_record *r,
			 char *buf, size_t n)
{
	return snprintf(buf, n, "nr=%llu arg0=0x%llx arg1=0x%llx result=0x%llx",
			X(r->a), X(r->b), X(r->c), X(r->d));
}

static int fmt_marker(const struct hvt_stream_header *h, const struct hvt_record *r,
		      char *buf, size_t n)
{
	char label[41];

	memcpy(label, &r->a, 40);
	label[40] = 0;
	for (char *p = label; *p; p++)
		if (*p < 32 || *p > 126)
			*p = '.';
	return snprintf(buf, n, "\"%s\"", label);
}

static int fmt_drop(const struct hvt_stream_header *h, const struct hvt_record *r,
		    char *buf, size_t n)
{
	return snprintf(buf, n, "dropped=%llu first_seq=%llu last_seq=%llu",
			X(r->a), X(r->b), X(r->c));
}

static int fmt_grace(const struct hvt_stream_header *h, const struct hvt_record *r,
		     char *buf, size_t n)
{
	return snprintf(buf, n, "gen=%llu tables_freed=%llu", X(r->a), X(r->b));
}

static int fmt_request(const struct hvt_stream_header *h, const struct hvt_record *r,
		       char *buf, size_t n)
{
	return snprintf(buf, n, "bits=0x%llx vcpus=0x%llx%s", X(r->a), X(r->b),
			r->reason ? " kick" : "");
}

static const fmt_fn formatters[HVT_TYPE_MAX] = {
	[HVT_SPTE_CHANGE] = fmt_spte, [HVT_TLB_FLUSH] = fmt_flush,
	[HVT_FAULT] = fmt_fault, [HVT_FAULT_END] = fmt_fault_end,
	[HVT_FAST_FAULT] = fmt_fast_fault, [HVT_WALK_STEP] = fmt_walk,
	[HVT_SP_EVENT] = fmt_sp, [HVT_PT_ALLOC] = fmt_pt_alloc,
	[HVT_PT_FREE] = fmt_pt_free, [HVT_MEMSLOT] = fmt_memslot,
	[HVT_CACHE_TOPUP] = fmt_topup, [HVT_MMIO] = fmt_mmio, [HVT_EXIT] = fmt_exit,
	[HVT_ENTRY] = fmt_entry, [HVT_HYPERCALL] = fmt_hypercall,
	[HVT_MARKER] = fmt_marker, [HVT_DROP] = fmt_drop, [HVT_GRACE] = fmt_grace,
	[HVT_REQUEST] = fmt_request,
};

char *hvt_record_str(const struct hvt_stream_header *h, const struct hvt_record *r,
		     char *buf, size_t n)
{
	char who[16];
	int len;

	if (r->vcpu == HVT_NO_VCPU)
		snprintf(who, sizeof(who), "vmm");
	else
		snprintf(who, sizeof(who), "vcpu%u", r->vcpu);
	len = snprintf(buf, n, "%10llu %-7s %16llu %-12s ", X(r->seq), who, X(r->tsc),
		       hvt_name(HVT_NT_TYPE, r->type));
	if (len < 0 || (size_t)len >= n)
		return buf;
	if (r->type < HVT_TYPE_MAX && formatters[r->type])
		formatters[r->type](h, r, buf + len, n - len);
	else
		snprintf(buf + len, n - len, "type=%u a=0x%llx", r->type, X(r->a));
	return buf;
}
