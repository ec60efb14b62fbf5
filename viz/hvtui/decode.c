/*
 * decode.c: names and bit decoding for the screens (see decode.h).
 * Enum names are those of trace/schema.sql's lookup tables (S3).
 */
#include "decode.h"
#include "../../mmu/spte_decode.h"

#include <stdio.h>
#include <string.h>

#define NAME(table, i) ((i) < sizeof(table) / sizeof(table[0]) && table[i] ? table[i] : "?")

static const char *const type_names[HVT_TYPE_MAX] = {
	[HVT_SPTE_CHANGE] = "spte_change", [HVT_TLB_FLUSH] = "tlb_flush",
	[HVT_FAULT] = "fault", [HVT_FAULT_END] = "fault_end", [HVT_FAST_FAULT] = "fast_fault",
	[HVT_WALK_STEP] = "walk_step", [HVT_SP_EVENT] = "sp_event", [HVT_PT_ALLOC] = "pt_alloc",
	[HVT_PT_FREE] = "pt_free", [HVT_MEMSLOT] = "memslot", [HVT_CACHE_TOPUP] = "cache_topup",
	[HVT_MMIO] = "mmio", [HVT_EXIT] = "exit", [HVT_ENTRY] = "entry",
	[HVT_HYPERCALL] = "hypercall", [HVT_MARKER] = "marker", [HVT_DROP] = "drop",
	[HVT_GRACE] = "grace", [HVT_REQUEST] = "request",
};

static const char *const type_shorts[HVT_TYPE_MAX] = {
	[HVT_SPTE_CHANGE] = "spte", [HVT_TLB_FLUSH] = "flush", [HVT_FAULT] = "fault",
	[HVT_FAULT_END] = "f_end", [HVT_FAST_FAULT] = "fastpf", [HVT_WALK_STEP] = "walk",
	[HVT_SP_EVENT] = "sp", [HVT_PT_ALLOC] = "ptallc", [HVT_PT_FREE] = "ptfree",
	[HVT_MEMSLOT] = "mslot", [HVT_CACHE_TOPUP] = "topup", [HVT_MMIO] = "mmio",
	[HVT_EXIT] = "exit", [HVT_ENTRY] = "entry", [HVT_HYPERCALL] = "hcall",
	[HVT_MARKER] = "marker", [HVT_DROP] = "drop", [HVT_GRACE] = "grace",
	[HVT_REQUEST] = "req",
};

static const char *const spte_reasons[HVT_SR_MAX] = {
	[HVT_SR_MAP] = "map", [HVT_SR_ZAP] = "zap", [HVT_SR_WRPROT] = "wrprot",
	[HVT_SR_CLEAR_DIRTY] = "clear_dirty", [HVT_SR_AGE] = "age", [HVT_SR_SPLIT] = "split",
	[HVT_SR_FREEZE] = "freeze", [HVT_SR_FAST_FIX] = "fast_fix", [HVT_SR_MMIO] = "mmio",
	[HVT_SR_SYNC] = "sync", [HVT_SR_PREFETCH] = "prefetch", [HVT_SR_TEARDOWN] = "teardown",
};

static const char *const flush_reasons[HVT_FR_MAX] = {
	[HVT_FR_ZAP] = "zap", [HVT_FR_ZAP_PER_TABLE] = "zap_per_table",
	[HVT_FR_WRPROT] = "wrprot", [HVT_FR_HUGE_REPLACE] = "huge_replace",
	[HVT_FR_NEW_ROOT] = "new_root", [HVT_FR_AGE] = "age", [HVT_FR_SYNC] = "sync",
	[HVT_FR_INVLPG] = "invlpg", [HVT_FR_CR3] = "cr3", [HVT_FR_FROZEN] = "frozen",
};

static const char *const flush_scopes[HVT_FS_MAX] = {
	[HVT_FS_LOCAL_ALL] = "local_all", [HVT_FS_LOCAL_RANGE] = "local_range",
	[HVT_FS_REMOTE_ALL] = "remote_all", [HVT_FS_REMOTE_RANGE] = "remote_range",
	[HVT_FS_GUEST] = "guest",
};

static const char *const fault_kinds[HVT_FK_MAX] = {
	[HVT_FK_TDP] = "tdp", [HVT_FK_SHADOW] = "shadow", [HVT_FK_MMIO] = "mmio",
};

static const char *const fault_results[HVT_FRES_MAX] = {
	[HVT_FR_FIXED] = "fixed", [HVT_FR_SPURIOUS] = "spurious", [HVT_FR_RETRY] = "retry",
	[HVT_FR_MMIO] = "mmio", [HVT_FR_EMULATED] = "emulated", [HVT_FR_INJECTED] = "injected",
	[HVT_FR_ERROR] = "error",
};

static const char *const exit_kinds[HVT_EX_MAX] = {
	[HVT_EX_NPF] = "npf", [HVT_EX_PF] = "pf", [HVT_EX_CR_WRITE] = "cr_write",
	[HVT_EX_INVLPG] = "invlpg", [HVT_EX_CPUID] = "cpuid", [HVT_EX_IO] = "io",
	[HVT_EX_HLT] = "hlt", [HVT_EX_HYPERCALL] = "hypercall", [HVT_EX_SHUTDOWN] = "shutdown",
	[HVT_EX_EXTINT] = "extint", [HVT_EX_MSR] = "msr", [HVT_EX_INIT_SIPI] = "init_sipi",
	[HVT_EX_NMI] = "nmi", [HVT_EX_INVPCID] = "invpcid", [HVT_EX_OTHER] = "other",
};

const char *type_name(unsigned t) { return NAME(type_names, t); }
const char *type_short(unsigned t) { return NAME(type_shorts, t); }
const char *spte_reason_name(unsigned r) { return NAME(spte_reasons, r); }
const char *flush_reason_name(unsigned r) { return NAME(flush_reasons, r); }
const char *flush_scope_name(unsigned s) { return NAME(flush_scopes, s); }
const char *fault_kind_name(unsigned k) { return NAME(fault_kinds, k); }
const char *fault_result_name(unsigned r) { return NAME(fault_results, r); }
const char *exit_kind_name(unsigned k) { return NAME(exit_kinds, k); }

int type_by_name(const char *name)
{
	int i;

	for (i = 1; i < HVT_TYPE_MAX; i++) {
		if (!strcmp(name, type_names[i]) || !strcmp(name, type_shorts[i]))
			return i;
	}
	return -1;
}

/* ---- SPTEs ---------------------------------------------------------------- */

int spte_bits(const struct hvt_spte_format *f, struct spte_bit out[SPTE_BITS_MAX])
{
	const struct spte_bit all[] = {
		{ f->format == 1 ? "R" : "P", f->format == 1 ? f->readable_mask : BIT(0) },
		{ "W", f->writable_mask }, { "X", f->exec_mask }, { "U", f->user_mask },
		{ "NX", f->nx_mask }, { "A", f->accessed_mask }, { "D", f->dirty_mask },
		{ "PS", f->huge_mask }, { "hw", f->host_writable_mask },
		{ "mw", f->mmu_writable_mask },
		{ "mp", f->present_mask & ~(f->format == 1 ? 0 : BIT(0)) },
	};
	int i, n = 0;

	for (i = 0; i < (int)(sizeof(all) / sizeof(all[0])) && n < SPTE_BITS_MAX; i++) {
		if (all[i].mask)
			out[n++] = all[i];
	}
	return n;
}

bool spte_is_present(const struct hvt_spte_format *f, u64 v)
{
	if (v == f->nonpresent_value || (f->frozen_value && v == f->frozen_value))
		return false;
	if (f->mmio_mask && (v & f->mmio_mask) == f->mmio_value)
		return false;
	return (v & f->present_mask) != 0;
}

bool spte_is_leaf(const struct hvt_spte_format *f, u64 v, unsigned level)
{
	return level == 1 || (v & f->huge_mask);
}

/* The MMU's own decoder (mmu/spte_decode.c), so hvtui, hvtrace dump and the
 * MMU's messages spell SPTEs the same way. */
void spte_describe(const struct hvt_spte_format *f, u64 v, unsigned level, char *buf, size_t len)
{
	spte_decode(f, v, (int)level, buf, len);
}

/* hvtui's own spelling, kept for the tests that compare the two. */
void spte_describe_local(const struct hvt_spte_format *f, u64 v, unsigned level, char *buf,
			 size_t len)
{
	struct spte_bit bits[SPTE_BITS_MAX];
	int i, n = spte_bits(f, bits);
	size_t used = 0;

	if (v == f->nonpresent_value) {
		snprintf(buf, len, "not present");
		return;
	}
	if (f->frozen_value && v == f->frozen_value) {
		snprintf(buf, len, "FROZEN (being removed)");
		return;
	}
	if (f->mmio_mask && (v & f->mmio_mask) == f->mmio_value) {
		snprintf(buf, len, "MMIO spte gen %#llx", (unsigned long long)(v & f->mmio_gen_mask));
		return;
	}
	buf[0] = 0;
	for (i = 0; i < n && used + 4 < len; i++) {
		if (v & bits[i].mask)
			used += (size_t)snprintf(buf + used, len - used, "%s ", bits[i].name);
	}
	if (used < len)
		snprintf(buf + used, len - used, "%s %#llx", spte_is_leaf(f, v, level) ? "pfn" : "table",
			 (unsigned long long)(spte_is_leaf(f, v, level) ? (v & f->pfn_mask) >> 12
									 : v & f->pfn_mask));
}

void spte_diff(const struct hvt_spte_format *f, u64 old, u64 new, char *buf, size_t len)
{
	struct spte_bit bits[SPTE_BITS_MAX];
	int i, n = spte_bits(f, bits);
	size_t used = 0;

	buf[0] = 0;
	if (old == new) {
		snprintf(buf, len, "no change");
		return;
	}
	for (i = 0; i < n && used + 5 < len; i++) {
		if ((old ^ new) & bits[i].mask)
			used += (size_t)snprintf(buf + used, len - used, "%c%s ",
						 new & bits[i].mask ? '+' : '-', bits[i].name);
	}
	if (((old ^ new) & f->pfn_mask) && used < len)
		used += (size_t)snprintf(buf + used, len - used, "addr %#llx->%#llx ",
					 (unsigned long long)(old & f->pfn_mask),
					 (unsigned long long)(new & f->pfn_mask));
	if (used < len)
		snprintf(buf + used, len - used, "(xor %#llx)", (unsigned long long)(old ^ new));
}

/* ---- faults and flags ------------------------------------------------------ */

/* Intel SDM Vol. 3 Table 28-7: EPT violation exit qualification. */
static void ept_qual_describe(u64 q, char *buf, size_t len)
{
	snprintf(buf, len, "%#llx: %s%s%s| allowed %c%c%c%s%s", (unsigned long long)q,
		 q & 1 ? "read " : "", q & 2 ? "write " : "", q & 4 ? "fetch " : "",
		 q & 8 ? 'r' : '-', q & 16 ? 'w' : '-', q & 32 ? 'x' : '-',
		 q & BIT(7) ? " gla-valid" : "", q & BIT(8) ? " final-gpa" : " pt-walk");
}

/* Intel SDM Vol. 3 §4.7 / AMD APM Vol. 2 §15.25.6: #PF and #NPF error code. */
void fault_error_describe(unsigned vendor, unsigned kind, u64 err, char *buf, size_t len)
{
	if (vendor == HVT_VENDOR_VMX && kind != HVT_FK_SHADOW) {
		ept_qual_describe(err, buf, len);
		return;
	}
	snprintf(buf, len, "%#llx: %s %s %s%s %s%s%s%s", (unsigned long long)err,
		 err & 1 ? "P:protection" : "P:not-present", err & 2 ? "W:write" : "W:read",
		 err & 4 ? "U:user" : "U:supervisor", err & 8 ? " RSVD" : "",
		 err & 16 ? "I/D:fetch" : "I/D:data", err & 32 ? " PK" : "",
		 err & BIT(32) ? " npf:final-gpa" : "", err & BIT(33) ? " npf:pt-walk" : "");
}

void flags_describe(unsigned flags, char *buf, size_t len)
{
	static const char *const names[] = { "atomic", "lost-race", "leaf", "shadow",
					     "volatile", "lock-write" };
	size_t i, used = 0;

	buf[0] = 0;
	for (i = 0; i < sizeof(names) / sizeof(names[0]) && used + 12 < len; i++) {
		if (flags & (1u << i))
			used += (size_t)snprintf(buf + used, len - used, "%s%s", used ? " " : "", names[i]);
	}
}

/* ---- events ------------------------------------------------------------------ */

bool event_gfn(const struct hvt_event *ev, unsigned mmu_mode, u64 *gfn)
{
	switch (ev->type) {
	case HVT_SPTE_CHANGE: case HVT_TLB_FLUSH: case HVT_SP_EVENT:
		*gfn = ev->a;
		return true;
	case HVT_FAULT:
		/* shadow: a is the gva, which is what indexes the shadow tables */
		*gfn = (ev->reason == HVT_FK_SHADOW || mmu_mode == HVT_MMU_SHADOW || !ev->c ? ev->a
											   : ev->c) >> 12;
		return true;
	case HVT_FAULT_END: case HVT_FAST_FAULT: case HVT_MMIO:
		*gfn = ev->a >> 12;
		return true;
	case HVT_PT_ALLOC: case HVT_PT_FREE:
		*gfn = ev->b;
		return true;
	default:
		return false;
	}
}

bool event_sptep(const struct hvt_event *ev, u64 *sptep)
{
	if (ev->type == HVT_SPTE_CHANGE)
		*sptep = ev->b;
	else if (ev->type == HVT_FAST_FAULT)
		*sptep = ev->e;
	else
		return false;
	return true;
}

#define U(x) ((unsigned long long)(x))

static void summary_payload(const struct hvt_event *ev, char *buf, size_t len)
{
	switch (ev->type) {
	case HVT_SPTE_CHANGE:
		snprintf(buf, len, "%-8s L%u gfn %#llx %#llx->%#llx%s", spte_reason_name(ev->reason),
			 ev->level, U(ev->a), U(ev->c), U(ev->d),
			 ev->flags & HVT_F_LOST_RACE ? " LOST" : "");
		break;
	case HVT_TLB_FLUSH:
		if (ev->b)
			snprintf(buf, len, "%-8s %s gfn %#llx +%llu", flush_reason_name(ev->reason),
				 flush_scope_name(ev->aux), U(ev->a), U(ev->b));
		else if (ev->reason == HVT_FR_CR3 && ev->e) /* the root it now runs on */
			snprintf(buf, len, "%-8s %s all gfns root %#llx", flush_reason_name(ev->reason),
				 flush_scope_name(ev->aux), U(ev->e));
		else
			snprintf(buf, len, "%-8s %s all gfns", flush_reason_name(ev->reason),
				 flush_scope_name(ev->aux));
		break;
	case HVT_FAULT:
		snprintf(buf, len, "%-8s addr %#llx err %#llx", fault_kind_name(ev->reason),
			 U(ev->a), U(ev->b));
		break;
	case HVT_FAULT_END:
		snprintf(buf, len, "%-8s addr %#llx of #%llu wrote %llu",
			 fault_result_name(ev->aux), U(ev->a), U(ev->b), U(ev->d));
		break;
	case HVT_FAST_FAULT:
		snprintf(buf, len, "%-8s gpa %#llx %#llx->%#llx", fault_result_name(ev->aux),
			 U(ev->a), U(ev->c), U(ev->d));
		break;
	case HVT_PT_ALLOC: case HVT_PT_FREE:
		snprintf(buf, len, "L%u table %#llx gfn %#llx", ev->level, U(ev->a), U(ev->b));
		break;
	case HVT_WALK_STEP: /* the gPTE as read: 4 or 8 bytes, the detail pane decodes it */
		snprintf(buf, len, "%-8s L%u gva %#llx gpte %#llx @%#llx%s",
			 ev->reason == 2 ? "set_ad" : ev->reason == 1 ? "FAULT" : "read", ev->level,
			 U(ev->a), U(ev->b), U(ev->c),
			 ev->flags & HVT_F_LOST_RACE ? " LOST" : "");
		break;
	case HVT_SP_EVENT: {
		static const char *const sp[] = { "?", "get", "unsync", "sync", "zap", "wrprot", "flood" };
		char what[48];

		role_short(ev->b, ev->a, what, sizeof(what));
		snprintf(buf, len, "%-8s L%u %s table %#llx%s", ev->reason < 7 ? sp[ev->reason] : "?",
			 ev->level, what, U(ev->c), ev->d ? " new" : "");
		break;
	}
	case HVT_EXIT:
		snprintf(buf, len, "%-8s rip %#llx", exit_kind_name(ev->reason), U(ev->d));
		break;
	case HVT_MARKER:
		snprintf(buf, len, "\"%.40s\"", (const char *)&ev->a);
		break;
	default:
		snprintf(buf, len, "r%u a %#llx b %#llx c %#llx", ev->reason, U(ev->a), U(ev->b),
			 U(ev->c));
		break;
	}
}

void event_summary(const struct hvt_event *ev, char *buf, size_t len)
{
	char payload[200];
	char vcpu[8];

	if (ev->vcpu == HVT_NO_VCPU)
		snprintf(vcpu, sizeof(vcpu), "vmm");
	else
		snprintf(vcpu, sizeof(vcpu), "v%u", ev->vcpu);
	summary_payload(ev, payload, sizeof(payload));
	snprintf(buf, len, "%-3s %-6s %s", vcpu, type_short(ev->type), payload);
}

/* ---- guest page tables and shadow roles (32-bit, PAE and long-mode guests) ---- */

const char *guest_mode_name(int mode)
{
	static const char *const names[] = { "paging off", "32-bit", "PAE", "4-level", "5-level" };

	return mode >= 0 && mode < 5 ? names[mode] : "unknown mode";
}

/* A walk's first step is at the mode's root level (SDM Vol. 3A Table 4-1):
 * the trace has no mode field on walk steps, the level of the first one
 * says it. */
int guest_mode_of_root_level(unsigned level)
{
	return level >= 2 && level <= 5 ? (int)level - 1 : GUEST_MODE_UNKNOWN;
}

unsigned gpte_index(int mode, unsigned level, u64 gva)
{
	if (mode == 1) /* 1024 4-byte entries: gva bits 31:22, 21:12 */
		return (unsigned)((gva >> (level == 2 ? 22 : 12)) & 1023);
	if (mode == 2 && level == 3) /* the PAE PDPT: 4 entries, gva bits 31:30 */
		return (unsigned)((gva >> 30) & 3);
	return (unsigned)((gva >> (12 + 9 * (level - 1))) & 511);
}

/* Appends "name " for each set bit of a list. */
static size_t put_bits(char *buf, size_t len, size_t used, u64 v,
		       const struct spte_bit *bits, int n)
{
	for (int i = 0; i < n && used + 8 < len; i++) {
		if (v & bits[i].mask)
			used += (size_t)snprintf(buf + used, len - used, "%s ", bits[i].name);
	}
	return used;
}

void gpte_describe(int mode, unsigned level, u64 gpte, char *buf, size_t len)
{
	/* SDM Vol. 3A 4.3 (32-bit), 4.4 (PAE), 4.5 (4/5-level): bit positions. */
	static const struct spte_bit common[] = {
		{ "P", BIT(0) }, { "W", BIT(1) }, { "U", BIT(2) }, { "PWT", BIT(3) },
		{ "PCD", BIT(4) }, { "A", BIT(5) },
	};
	static const struct spte_bit pdpte[] = { { "P", BIT(0) }, { "PWT", BIT(3) }, { "PCD", BIT(4) } };
	bool wide = mode != 1, leaf, ps = level > 1 && (gpte & BIT(7));
	size_t used = 0;
	u64 addr;

	buf[0] = 0;
	if (mode == GUEST_MODE_UNKNOWN) {
		snprintf(buf, len, "gPTE 0x%llx (guest paging mode unknown)", (unsigned long long)gpte);
		return;
	}
	if (!wide && gpte >> 32) {
		snprintf(buf, len, "0x%llx: bits above 31 in a 4-byte gPTE (not a 32-bit entry)",
			 (unsigned long long)gpte);
		return;
	}
	if (!(gpte & BIT(0))) {
		snprintf(buf, len, "not present (P=0: the rest is the guest's own)");
		return;
	}
	if (mode == 2 && level == 3) { /* a PDPTE: no R/W, U/S, A, D, XD */
		used = put_bits(buf, len, used, gpte, pdpte, 3);
		snprintf(buf + used, len - used, "PD at 0x%llx", (unsigned long long)(gpte & 0xffffffffff000ull));
		return;
	}
	used = put_bits(buf, len, used, gpte, common, 6);
	leaf = level == 1 || ps;
	if (leaf && (gpte & BIT(6)) && used + 4 < len)
		used += (size_t)snprintf(buf + used, len - used, "D ");
	if (ps && used + 4 < len)
		used += (size_t)snprintf(buf + used, len - used, "PS ");
	if (leaf && (gpte & BIT(8)) && used + 4 < len)
		used += (size_t)snprintf(buf + used, len - used, "G ");
	if (wide && (gpte & BIT(63)) && used + 4 < len)
		used += (size_t)snprintf(buf + used, len - used, "XD ");
	if (!wide) {
		/* 4 MiB page: address bits 31:22, and 39:32 from PDE bits 20:13 (PSE-36) */
		addr = ps ? (gpte & 0xffc00000ull) | (((gpte >> 13) & 0xff) << 32) : gpte & 0xfffff000ull;
	} else {
		addr = gpte & 0xffffffffff000ull;
		if (ps)
			addr &= ~((1ull << (12 + 9 * (level - 1))) - 1);
	}
	if (used < len)
		snprintf(buf + used, len - used, "%s 0x%llx",
			 !leaf ? "table" : ps ? (!wide ? "4M page" : level == 2 ? "2M page" : "1G page")
					      : "page", (unsigned long long)addr);
}

/* The role word's fields (mmu/SHADOW.md 5.1; mmu/shadow_int.h SR_*). */
#define ROLE_LEVEL(r)  ((unsigned)((r) & 0xf))
#define ROLE_MODE(r)   ((int)(((r) >> 4) & 7))
#define ROLE_QUAD(r)   ((unsigned)(((r) >> 10) & 7))
#define ROLE_ACC(r)    ((unsigned)(((r) >> 13) & 7))
#define ROLE_4B        BIT(16)
#define ROLE_DIRECT    BIT(17)
#define ROLE_INVALID   BIT(18)
#define ROLE_PAE_ROOT  BIT(24)

void role_describe(u64 role, char *buf, size_t len)
{
	static const struct spte_bit cpu[] = {
		{ "4B", BIT(16) }, { "direct", BIT(17) }, { "invalid", BIT(18) }, { "nxe", BIT(19) },
		{ "wp", BIT(20) }, { "smep", BIT(21) }, { "smap", BIT(22) }, { "smm", BIT(23) },
		{ "pae-root", BIT(24) },
	};
	unsigned acc = ROLE_ACC(role);
	size_t used;

	used = (size_t)snprintf(buf, len, "role 0x%llx: L%u %s guest, access %c%c%c, ",
				(unsigned long long)role, ROLE_LEVEL(role), guest_mode_name(ROLE_MODE(role)),
				acc & 2 ? 'w' : '-', acc & 4 ? 'u' : '-', acc & 1 ? 'x' : '-');
	if (used < len && (role & ROLE_4B))
		used += (size_t)snprintf(buf + used, len - used, "quadrant %u ", ROLE_QUAD(role));
	if (used < len)
		put_bits(buf, len, used, role, cpu, 9);
}

void role_short(u64 role, u64 gfn, char *buf, size_t len)
{
	if (role & ROLE_PAE_ROOT)
		snprintf(buf, len, "PAE root");
	else if (role & ROLE_DIRECT)
		snprintf(buf, len, "direct %#llx", (unsigned long long)gfn);
	else if (role & ROLE_4B)
		snprintf(buf, len, "gPT %#llx q%u", (unsigned long long)gfn, ROLE_QUAD(role));
	else
		snprintf(buf, len, "gPT %#llx", (unsigned long long)gfn);
}

void role_shadows(u64 role, u64 gfn, char *buf, size_t len)
{
	unsigned lv = ROLE_LEVEL(role), q = ROLE_QUAD(role);
	int mode = ROLE_MODE(role);
	const char *table = lv == 1 ? "PT" : lv == 2 ? "PD" : lv == 3 ? "PDPT" : lv == 4 ? "PML4" : "PML5";

	/* Two lines at most, split at '\n' (the detail pane has 80 columns). */
	if (role & ROLE_PAE_ROOT)
		snprintf(buf, len, "shadows no gPT: the MMU's PAE root, 4 entries of 1 GiB\n"
			 "(the CPU loads them as PDPTEs); gfn %#llx is the guest's CR3 frame",
			 (unsigned long long)gfn);
	else if (role & ROLE_DIRECT)
		snprintf(buf, len, "shadows no gPT (direct): maps from gfn %#llx\n"
			 "(paging off, or a guest huge page split into 4K SPTEs)", (unsigned long long)gfn);
	else if ((role & ROLE_4B) && lv == 2)
		/* a 32-bit PD has 1024 gPDEs of 4 MiB; this SP's 512 SPTEs of 2 MiB cover 256 */
		snprintf(buf, len, "shadows quadrant %u of the 32-bit PD at gfn %#llx: gPDEs %u..%u\n"
			 "(gva 0x%08llx..0x%08llx; 2 SPTEs of 2 MiB per 4 MiB gPDE)", q,
			 (unsigned long long)gfn, q * 256, q * 256 + 255, (unsigned long long)q << 30,
			 ((unsigned long long)q << 30) + (1ull << 30) - 1);
	else if (role & ROLE_4B)
		/* a 32-bit PT has 1024 gPTEs (4 MiB); this SP covers half of them */
		snprintf(buf, len, "shadows quadrant %u of the 32-bit PT at gfn %#llx: gPTEs %u..%u\n"
			 "(4-byte gPTEs: one SP of 512 SPTEs holds half of the guest's table)", q,
			 (unsigned long long)gfn, q * 512, q * 512 + 511);
	else
		snprintf(buf, len, "shadows the %s guest's %s at gfn %#llx (512 8-byte gPTEs)",
			 guest_mode_name(mode), table, (unsigned long long)gfn);
}

const char *vendor_exit_name(unsigned vendor, u64 code)
{
	/* AMD APM Vol. 2 Appendix C; Intel SDM Vol. 3 Appendix C. */
	static const struct { u64 code; const char *name; } svm[] = {
		{ 0x000, "VMEXIT_CR0_READ" }, { 0x003, "VMEXIT_CR3_READ" },
		{ 0x004, "VMEXIT_CR4_READ" }, { 0x010, "VMEXIT_CR0_WRITE" }, { 0x013, "VMEXIT_CR3_WRITE" },
		{ 0x014, "VMEXIT_CR4_WRITE" }, { 0x04e, "VMEXIT_EXCP_PF" }, { 0x060, "VMEXIT_INTR" },
		{ 0x061, "VMEXIT_NMI" }, { 0x063, "VMEXIT_INIT" }, { 0x064, "VMEXIT_VINTR" },
		{ 0x072, "VMEXIT_CPUID" }, { 0x078, "VMEXIT_HLT" }, { 0x079, "VMEXIT_INVLPG" },
		{ 0x07b, "VMEXIT_IOIO" }, { 0x07c, "VMEXIT_MSR" }, { 0x07f, "VMEXIT_SHUTDOWN" },
		{ 0x081, "VMEXIT_VMMCALL" }, { 0x0a2, "VMEXIT_INVPCID" }, { 0x400, "VMEXIT_NPF" },
	}, vmx[] = {
		{ 0, "EXCEPTION_NMI" }, { 1, "EXTERNAL_INTERRUPT" }, { 2, "TRIPLE_FAULT" },
		{ 3, "INIT" }, { 4, "SIPI" }, { 10, "CPUID" }, { 12, "HLT" }, { 14, "INVLPG" },
		{ 18, "VMCALL" }, { 28, "CR_ACCESS" }, { 30, "IO_INSTRUCTION" }, { 31, "RDMSR" },
		{ 32, "WRMSR" }, { 48, "EPT_VIOLATION" }, { 49, "EPT_MISCONFIG" },
		{ 52, "PREEMPTION_TIMER" }, { 58, "INVPCID" },
	};
	size_t i;

	if (vendor == HVT_VENDOR_SVM) {
		for (i = 0; i < sizeof(svm) / sizeof(svm[0]); i++)
			if (svm[i].code == code)
				return svm[i].name;
	} else if (vendor == HVT_VENDOR_VMX) {
		for (i = 0; i < sizeof(vmx) / sizeof(vmx[0]); i++)
			if (vmx[i].code == (code & 0xffff))
				return vmx[i].name;
	}
	return NULL;
}
