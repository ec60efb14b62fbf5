/*
 * view.c: the panes of hvtui (layout in view.h).
 */
#include "view.h"
#include "decode.h"
#include "keys.h"
#include "walk.h"

#include <stdio.h>
#include <string.h>

#define DETAIL_ROWS 4
#define PATH_ROWS   4
#define COUNT_ROWS  4
#define LIST_MAX    256 /* event list rows at most */
#define U(x) ((unsigned long long)(x))

/* Row positions of the panes for a canvas height. */
struct layout {
	int list_top, list_rows;   /* event list */
	int detail_rule;           /* detail pane rule (rows follow) */
	int path_rule;             /* page-table path rule */
	int count_rule;            /* counters rule */
	int status;                /* status line */
};

static struct layout layout_for(int rows)
{
	struct layout l;

	l.status = rows - 1;
	l.count_rule = l.status - COUNT_ROWS - 1;
	l.path_rule = l.count_rule - PATH_ROWS - 1;
	l.detail_rule = l.path_rule - DETAIL_ROWS - 1;
	l.list_top = 1;
	l.list_rows = l.detail_rule - l.list_top;
	return l;
}

/* ---- title and event list -------------------------------------------------- */

static void draw_title(struct app *a, struct canvas *c)
{
	const struct trace_info *in = &a->r.info;
	int col;

	/* The teardown right after the seq: the path may push the rest off 80 columns. */
	col = canvas_printf(c, 0, 0, ST_TITLE, " hvtui %s  seq %lld/%lld%s  %s %s %uvcpu",
			    a->path, (long long)a->r.cursor, (long long)in->last_seq,
			    a->teardown_seq >= 0 && a->r.cursor >= a->teardown_seq ? " [VM teardown]" : "",
			    in->mmu_mode == HVT_MMU_SHADOW ? "shadow" : "tdp",
			    in->vendor == HVT_VENDOR_VMX ? "vmx" : in->vendor == HVT_VENDOR_SVM ? "svm" : "host",
			    in->nr_vcpus);
	if (a->filter.where[0])
		col = canvas_printf(c, 0, col, ST_TITLE, "  [filter %s]", a->filter.text);
	if (a->playing)
		col = canvas_printf(c, 0, col, ST_TITLE, "  [play %d/s]", app_speeds[a->speed]);
	if (replay_building(&a->r)) /* R6: checkpoints still being built */
		canvas_printf(c, 0, col, ST_TITLE, "  [indexing %d%%]", a->build_pct < 0 ? 0 : a->build_pct);
	canvas_style_row(c, 0, ST_TITLE);
}

/* The letter of a mark set on seq, else 0. */
static char mark_at(const struct app *a, s64 seq)
{
	int i;

	for (i = 0; i < 26; i++) {
		if (a->marks[i] == seq)
			return (char)('a' + i);
	}
	return 0;
}

static void draw_list_row(const struct app *a, struct canvas *c, int row,
			  const struct hvt_event *ev, bool selected)
{
	char line[256], mark = mark_at(a, ev->seq);

	event_summary(ev, line, sizeof(line));
	canvas_printf(c, row, 0, selected ? ST_CURSOR : ST_NORMAL, "%c%c%8lld %s",
		      selected ? '>' : ' ', mark ? mark : ' ', (long long)ev->seq, line);
	if (selected)
		canvas_style_row(c, row, ST_CURSOR);
}

/* Fetches up to max events matching the filter on one side of the cursor. */
static int list_fetch(struct app *a, int dir, int max, struct hvt_event *out)
{
	char sql[APP_WHERE_MAX + 256];
	sqlite3_stmt *st;
	int n = 0;

	snprintf(sql, sizeof(sql), "SELECT " EV_COLUMNS " FROM events WHERE seq %s ?1%s%s%s"
		 " ORDER BY seq %s LIMIT ?2", dir > 0 ? ">" : "<", a->filter.where[0] ? " AND (" : "",
		 a->filter.where, a->filter.where[0] ? ")" : "", dir > 0 ? "ASC" : "DESC");
	if (sqlite3_prepare_v2(a->r.db, sql, -1, &st, NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_int64(st, 1, a->r.cursor);
	sqlite3_bind_int(st, 2, max);
	while (n < max && sqlite3_step(st) == SQLITE_ROW)
		ev_from_row(st, &out[n++]);
	sqlite3_finalize(st);
	return n;
}

/* The cursor row sits a third of the way down, lower near the end of the
 * trace so that the list stays full. */
static void draw_list(struct app *a, struct canvas *c, const struct layout *l)
{
	struct hvt_event before[LIST_MAX], after[LIST_MAX], cur;
	int rows = l->list_rows > LIST_MAX ? LIST_MAX : l->list_rows;
	int nb, na, above, i;

	if (rows < 1)
		return;
	na = list_fetch(a, +1, rows - 1, after);
	above = rows / 3 > rows - 1 - na ? rows / 3 : rows - 1 - na;
	nb = list_fetch(a, -1, above, before);
	if (nb < above)
		na = list_fetch(a, +1, rows - 1 - nb, after);
	for (i = 0; i < nb; i++)
		draw_list_row(a, c, l->list_top + nb - 1 - i, &before[i], false);
	if (replay_event(&a->r, a->r.cursor, &cur) == 0)
		draw_list_row(a, c, l->list_top + nb, &cur, true);
	for (i = 0; i < na && nb + 1 + i < rows; i++)
		draw_list_row(a, c, l->list_top + nb + 1 + i, &after[i], false);
}

/* ---- the selected event ----------------------------------------------------- */

/* "old 0x...  P W A ..." with the bits that changed in ST_CHANGED. */
static void draw_spte_line(struct app *a, struct canvas *c, int row, const char *label,
			   u64 v, u64 other, unsigned level)
{
	const struct hvt_spte_format *f = &a->r.info.fmt;
	struct spte_bit bits[SPTE_BITS_MAX];
	int i, n = spte_bits(f, bits), col;
	char desc[160];

	col = canvas_printf(c, row, 1, ST_NORMAL, "%s 0x%016llx ", label, U(v));
	if (!spte_is_present(f, v)) {
		spte_describe(f, v, level, desc, sizeof(desc));
		canvas_put(c, row, col, v != other ? ST_CHANGED : ST_DIM, desc);
		return;
	}
	for (i = 0; i < n; i++) {
		if (v & bits[i].mask)
			col = canvas_put(c, row, col, (v ^ other) & bits[i].mask ? ST_CHANGED : ST_NORMAL,
					 bits[i].name) + 1;
	}
	canvas_printf(c, row, col, (v ^ other) & f->pfn_mask ? ST_CHANGED : ST_NORMAL, "%s %#llx",
		      spte_is_leaf(f, v, level) ? "pfn" : "table",
		      U(spte_is_leaf(f, v, level) ? (v & f->pfn_mask) >> 12 : v & f->pfn_mask));
}

static void detail_spte(struct app *a, struct canvas *c, int row, const struct hvt_event *ev)
{
	char flags[80], diff[160];
	s64 cause = app_cause_of(a, ev);

	flags_describe(ev->flags, flags, sizeof(flags));
	canvas_printf(c, row, 1, ev->flags & HVT_F_LOST_RACE ? ST_ALERT : ST_NORMAL,
		      "%s L%u gfn %#llx sptep %#llx (table %#llx [%llu]) %s",
		      spte_reason_name(ev->reason), ev->level, U(ev->a), U(ev->b), U(ev->b & ~0xfffull),
		      U((ev->b & 0xfff) / 8), flags);
	draw_spte_line(a, c, row + 1, "old", ev->c, ev->d, ev->level);
	draw_spte_line(a, c, row + 2, "new", ev->d, ev->c, ev->level);
	spte_diff(&a->r.info.fmt, ev->c, ev->d, diff, sizeof(diff));
	if (cause >= 0)
		canvas_printf(c, row + 3, 1, ST_NORMAL, "%s  by fault %lld (w)", diff, (long long)cause);
	else
		canvas_printf(c, row + 3, 1, ST_NORMAL, "%s  no fault: w = flush covering it", diff);
}

static void detail_fault(struct app *a, struct canvas *c, int row, const struct hvt_event *ev)
{
	char err[200], list[160] = "";
	s64 fx[6], end;
	int n = app_fault_effects(a, ev, fx, 6, &end), i;
	size_t used = 0;
	struct hvt_event fe;
	s64 first, last, len, nth;

	fault_error_describe(a->r.info.vendor, ev->reason, ev->b, err, sizeof(err));
	app_fault_run(a, ev, &first, &last, &len, &nth);
	if (len > 1) /* the livelock: the same fault over and over (hv/core/fault_loop.c) */
		canvas_printf(c, row, 1, ST_ALERT, "IDENTICAL fault %lld/%lld (x skip): addr %#llx rip %#llx",
			      (long long)nth, (long long)len, U(ev->a), U(ev->d));
	else
		canvas_printf(c, row, 1, ST_NORMAL, "%s fault: addr %#llx gpa %#llx rip %#llx",
			      fault_kind_name(ev->reason), U(ev->a), U(ev->c), U(ev->d));
	canvas_printf(c, row + 1, 1, ST_NORMAL, "error %s", err);
	for (i = 0; i < n && used < sizeof(list); i++)
		used += (size_t)snprintf(list + used, sizeof(list) - used, " %lld", (long long)fx[i]);
	canvas_printf(c, row + 2, 1, ST_NORMAL, "caused %d%s write/flush:%s%s", n, n == 6 ? "+" : "",
		      n ? list : " none", n ? "  (w: go)" : "");
	if (end >= 0 && tracedb_get(a->r.db, end, &fe) == 0)
		canvas_printf(c, row + 3, 1, ST_NORMAL, "ended at %lld: %s, mapped level %llu, %llu SPTEs"
			      " written", (long long)end, fault_result_name(fe.aux), U(fe.c), U(fe.d));
	else
		canvas_put(c, row + 3, 1, ST_DIM, "not ended within the trace");
}

static void detail_flush(struct app *a, struct canvas *c, int row, const struct hvt_event *ev)
{
	s64 cause = app_cause_of(a, ev);

	canvas_printf(c, row, 1, ST_NORMAL, "TLB flush: reason %s, scope %s",
		      flush_reason_name(ev->reason), flush_scope_name(ev->aux));
	if (ev->b)
		canvas_printf(c, row + 1, 1, ST_NORMAL, "range gfn %#llx..%#llx (%llu pages)",
			      U(ev->a), U(ev->a + ev->b - 1), U(ev->b));
	else if (ev->reason == HVT_FR_CR3 && ev->e) /* trace/FORMAT.md: e = the new root */
		canvas_printf(c, row + 1, 1, ST_NORMAL,
			      "range: whole address space; vcpu %u runs on root %#llx from here",
			      ev->vcpu, U(ev->e));
	else
		canvas_put(c, row + 1, 1, ST_NORMAL, "range: whole address space");
	canvas_printf(c, row + 2, 1, ST_NORMAL, "covers %llu zapped SPTEs, vcpu mask %#llx",
		      U(ev->c), U(ev->d));
	if (cause >= 0)
		canvas_printf(c, row + 3, 1, ST_NORMAL, "during fault %lld (w)", (long long)cause);
	else
		canvas_put(c, row + 3, 1, ST_NORMAL, "w: the latest SPTE change it covers");
}

static void detail_other(struct app *a, struct canvas *c, int row, const struct hvt_event *ev)
{
	char flags[80];

	flags_describe(ev->flags, flags, sizeof(flags));
	canvas_printf(c, row, 1, ST_NORMAL, "%s reason %u level %u flags %s aux %u",
		      type_name(ev->type), ev->reason, ev->level, flags[0] ? flags : "-", ev->aux);
	canvas_printf(c, row + 1, 1, ST_NORMAL, "a %#llx  b %#llx  c %#llx", U(ev->a), U(ev->b), U(ev->c));
	canvas_printf(c, row + 2, 1, ST_NORMAL, "d %#llx  e %#llx", U(ev->d), U(ev->e));
	if (ev->type == HVT_FAULT_END)
		canvas_printf(c, row + 3, 1, ST_NORMAL, "end of fault %llu: %s (w: go to it)",
			      U(ev->b), fault_result_name(ev->aux));
	if (ev->type == HVT_MARKER) {
		const u64 w[5] = { ev->a, ev->b, ev->c, ev->d, ev->e };
		char label[41];

		memcpy(label, w, 40); /* the label's bytes, little-endian as recorded */
		label[40] = 0;
		for (int i = 0; label[i]; i++)
			if (label[i] < 32 || label[i] > 126)
				label[i] = '.';
		canvas_printf(c, row + 2, 1, ST_NORMAL, "marker \"%s\"", label);
		if (!strncmp(label, "fault livelock", 14))
			canvas_put(c, row + 3, 1, ST_ALERT, "hv stopped the VM: the same fault 10000 times"
				   " (fault_loop.c); X: the first");
	}
}

/* The guest paging mode of a walk step: the level of the first step of its
 * walk (the records of one walk attempt are consecutive on a vCPU, top level
 * first: mmu/SHADOW.md 3). 32-bit walks start at 2, PAE at 3. */
static int walk_mode(struct app *a, const struct hvt_event *ev)
{
	static const char sql[] = "SELECT type, a, level FROM events WHERE seq <= ?1 AND seq >= ?1 - 64"
				  " AND vcpu = ?2 ORDER BY seq DESC";
	sqlite3_stmt *st;
	unsigned top = ev->level;

	if (sqlite3_prepare_v2(a->r.db, sql, -1, &st, NULL) != SQLITE_OK)
		return GUEST_MODE_UNKNOWN;
	sqlite3_bind_int64(st, 1, ev->seq);
	sqlite3_bind_int(st, 2, ev->vcpu);
	while (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) == HVT_WALK_STEP &&
	       (u64)sqlite3_column_int64(st, 1) == ev->a) {
		if ((unsigned)sqlite3_column_int(st, 2) > top)
			top = (unsigned)sqlite3_column_int(st, 2);
	}
	sqlite3_finalize(st);
	return guest_mode_of_root_level(top);
}

static void detail_walk(struct app *a, struct canvas *c, int row, const struct hvt_event *ev)
{
	int mode = walk_mode(a, ev);
	char desc[160], old[160];

	canvas_printf(c, row, 1, ST_NORMAL, "guest walk, %s paging (%u-byte gPTEs): L%u entry [%u] of"
		      " gva %#llx", guest_mode_name(mode), mode == 1 ? 4 : 8, ev->level,
		      gpte_index(mode, ev->level, ev->a), U(ev->a));
	gpte_describe(mode, ev->level, ev->b, desc, sizeof(desc));
	canvas_printf(c, row + 1, 1, ST_NORMAL, "gPTE 0x%0*llx at gpa %#llx: %s", mode == 1 ? 8 : 16,
		      U(ev->b), U(ev->c), desc);
	if (ev->reason == 2) { /* GWALK_TR_SET_AD: d is the old gPTE */
		gpte_describe(mode, ev->level, ev->d, old, sizeof(old));
		canvas_printf(c, row + 2, 1, ST_NORMAL, "was 0x%0*llx: %s", mode == 1 ? 8 : 16, U(ev->d), old);
		canvas_printf(c, row + 3, 1, ev->flags & HVT_F_LOST_RACE ? ST_ALERT : ST_NORMAL, "%s",
			      ev->flags & HVT_F_LOST_RACE ? "A/D update LOST to the guest: the walk restarts"
							  : "the walker set A/D in the guest's entry");
		return;
	}
	canvas_printf(c, row + 2, 1, ST_NORMAL, "access asked: %s %s %s", ev->d & 2 ? "write" : "read",
		      ev->d & 4 ? "user" : "supervisor", ev->d & 16 ? "fetch" : "data");
	if (ev->reason == 1) {
		fault_error_describe(a->r.info.vendor, HVT_FK_SHADOW, ev->e, desc, sizeof(desc));
		canvas_printf(c, row + 3, 1, ST_ALERT, "the walk FAULTED here: #PF %s", desc);
	}
}

static void detail_sp(struct app *a, struct canvas *c, int row, const struct hvt_event *ev)
{
	static const char *const sp[] = { "?", "get", "unsync", "sync", "zap", "wrprot", "flood" };
	char desc[200], *nl;

	canvas_printf(c, row, 1, ST_NORMAL, "shadow page %s: L%u table %#llx gfn %#llx%s%s",
		      ev->reason < 7 ? sp[ev->reason] : "?", ev->level, U(ev->c), U(ev->a),
		      ev->d ? " (created)" : "",
		      a->teardown_seq >= 0 && ev->seq >= a->teardown_seq ? "  VM teardown" : "");
	role_shadows(ev->b, ev->a, desc, sizeof(desc));
	nl = strchr(desc, '\n');
	if (nl)
		*nl = 0;
	canvas_printf(c, row + 1, 1, ST_NORMAL, "%s", desc);
	if (nl)
		canvas_printf(c, row + 2, 1, ST_NORMAL, "%s", nl + 1);
	role_describe(ev->b, desc, sizeof(desc));
	canvas_printf(c, row + 3, 1, ST_DIM, "%s", desc);
}

static void detail_exit(struct app *a, struct canvas *c, int row, const struct hvt_event *ev)
{
	const char *raw = vendor_exit_name(a->r.info.vendor, ev->a);

	canvas_printf(c, row, 1, ST_NORMAL, "exit %s: %s code %#llx (%s) rip %#llx",
		      exit_kind_name(ev->reason), a->r.info.vendor == HVT_VENDOR_VMX ? "VMX" : "SVM",
		      U(ev->a), raw ? raw : "unknown to hvtui", U(ev->d));
	canvas_printf(c, row + 1, 1, ST_NORMAL, "qualification/exitinfo1 %#llx  info2 %#llx", U(ev->b),
		      U(ev->c));
	if (ev->reason == HVT_EX_INVPCID) { /* hv/core/shadow_exit.c, exit_shadow_invpcid */
		canvas_put(c, row + 2, 1, ST_NORMAL, "INVPCID under mmu=shadow: type 0 = INVLPG of the"
			   " descriptor's address,");
		canvas_put(c, row + 3, 1, ST_NORMAL, "types 1-3 = a guest TLB flush (a sync point, as a"
			   " CR3 load); bad operands #GP");
	}
}

static void detail_table(struct app *a, struct canvas *c, int row, const struct hvt_event *ev)
{
	u64 gfn, role;
	char sp[48];
	bool free = ev->type == HVT_PT_FREE;

	canvas_printf(c, row, 1, ST_NORMAL, "page table %s: L%u table %#llx first gfn %#llx",
		      free ? (ev->reason == HVT_FREE_IMMEDIATE ? "freed at once" : "freed after a grace"
			      " period") : "allocated", ev->level, U(ev->a), U(ev->b));
	if (free && ev->c) {
		/* the unlink: the SPTE change that cut the table off, or (shadow:
		 * a root that never linked anything) its shadow page's zap */
		struct hvt_event u;
		bool known = tracedb_get(a->r.db, (s64)ev->c, &u) == 0;

		canvas_printf(c, row + 1, 1, ST_NORMAL, "unlinked at seq %llu%s%s", U(ev->c),
			      known ? ": " : "", known ? type_name(u.type) : "");
	} else if (free) {
		canvas_put(c, row + 1, 1, ST_NORMAL, "never linked");
	}
	else
		canvas_printf(c, row + 1, 1, ST_NORMAL, "under root %#llx", U(ev->c));
	if (walk_table_sp(&a->r, ev->a, &gfn, &role)) {
		role_short(role, gfn, sp, sizeof(sp));
		canvas_printf(c, row + 2, 1, ST_NORMAL, "shadow page: %s (sp_event role %#llx)", sp, U(role));
	}
	if (ev->flags & HVT_F_LOST_RACE)
		canvas_put(c, row + 3, 1, ST_ALERT, "lost the race to link it: back to the vCPU's cache");
}

static void draw_detail(struct app *a, struct canvas *c, const struct layout *l,
			const struct hvt_event *ev)
{
	char title[112];

	char vcpu[16];

	if (ev->vcpu == HVT_NO_VCPU)
		snprintf(vcpu, sizeof(vcpu), "vmm");
	else
		snprintf(vcpu, sizeof(vcpu), "vcpu %u", ev->vcpu);
	snprintf(title, sizeof(title), "seq %lld  %s  %s  tsc %llu%s", (long long)ev->seq,
		 type_name(ev->type), vcpu, U(ev->tsc),
		 a->teardown_seq >= 0 && ev->seq >= a->teardown_seq ? "  (VM teardown)" : "");
	canvas_rule(c, l->detail_rule, title);
	if (ev->type == HVT_SPTE_CHANGE)
		detail_spte(a, c, l->detail_rule + 1, ev);
	else if (ev->type == HVT_FAULT)
		detail_fault(a, c, l->detail_rule + 1, ev);
	else if (ev->type == HVT_TLB_FLUSH)
		detail_flush(a, c, l->detail_rule + 1, ev);
	else if (ev->type == HVT_WALK_STEP)
		detail_walk(a, c, l->detail_rule + 1, ev);
	else if (ev->type == HVT_SP_EVENT)
		detail_sp(a, c, l->detail_rule + 1, ev);
	else if (ev->type == HVT_EXIT)
		detail_exit(a, c, l->detail_rule + 1, ev);
	else if (ev->type == HVT_PT_ALLOC || ev->type == HVT_PT_FREE)
		detail_table(a, c, l->detail_rule + 1, ev);
	else
		detail_other(a, c, l->detail_rule + 1, ev);
}

/* ---- page-table path --------------------------------------------------------- */

/* True if the walk passed through sptep. */
static bool walk_has(const struct walk_step *s, int n, u64 sptep)
{
	int i;

	for (i = 0; i < n; i++) {
		if (s[i].sptep == sptep)
			return true;
	}
	return false;
}

/* TDP: down from the root by gfn, O(levels). When that misses the event's
 * SPTE (shadow tables are indexed by gva; an unlinked table), up from the
 * SPTE by parent look-up instead. */
static int path_for(struct app *a, const struct hvt_event *ev, u64 frame, struct walk_step *s)
{
	u64 sptep = 0, root;
	bool named = event_sptep(ev, &sptep) && (ev->level || ev->type == HVT_SPTE_CHANGE);
	int n = 0;

	if (a->r.info.mmu_mode == HVT_MMU_SHADOW && ev->type == HVT_SP_EVENT)
		return walk_to_table(&a->r, ev->c, ev->level, s); /* who links this SP */
	if (a->r.info.mmu_mode == HVT_MMU_SHADOW &&
	    (ev->type == HVT_PT_ALLOC || ev->type == HVT_PT_FREE))
		return walk_to_table(&a->r, ev->a, ev->level, s);
	if (walk_root_for(&a->r, ev, &root) &&
	    (!named || a->r.info.mmu_mode != HVT_MMU_SHADOW))
		n = walk_down(&a->r, root, walk_root_level(&a->r, root), frame, s);
	if (named && !walk_has(s, n, sptep))
		n = walk_up(&a->r, sptep, ev->level ? ev->level : 1, frame, s);
	return n;
}

static void draw_path(struct app *a, struct canvas *c, const struct layout *l,
		      const struct hvt_event *ev)
{
	struct walk_step s[WALK_MAX];
	char title[96], desc[160];
	u64 frame, sel = 0;
	int n = 0, i, first;

	bool shadow = a->r.info.mmu_mode == HVT_MMU_SHADOW;

	if (shadow && ev->type == HVT_WALK_STEP) {
		frame = ev->a >> 12; /* the shadow path of the gva being walked */
	} else if (!event_gfn(ev, a->r.info.mmu_mode, &frame)) {
		canvas_rule(c, l->path_rule, "page-table path: this event names no gfn");
		return;
	}
	if (shadow && (ev->type == HVT_SP_EVENT || ev->type == HVT_PT_ALLOC || ev->type == HVT_PT_FREE))
		snprintf(title, sizeof(title), "entries linking shadow page %#llx as of seq %lld",
			 U(ev->type == HVT_SP_EVENT ? ev->c : ev->a), (long long)a->r.cursor);
	else
		snprintf(title, sizeof(title), "path of %s %#llx as of seq %lld",
			 shadow && (ev->type == HVT_FAULT || ev->type == HVT_FAULT_END ||
				    ev->type == HVT_WALK_STEP) ? "gva frame"
											 : "gfn",
			 U(frame), (long long)a->r.cursor);
	canvas_rule(c, l->path_rule, title);
	n = path_for(a, ev, frame, s);
	event_sptep(ev, &sel);
	first = n > PATH_ROWS ? n - PATH_ROWS : 0; /* 5-level: keep the leaf end */
	for (i = first; i < n; i++) {
		int style = s[i].sptep == sel ? ST_CHANGED : s[i].live ? ST_NORMAL : ST_DIM;
		u64 gfn, role;
		char sp[48];

		spte_describe(&a->r.info.fmt, s[i].value, s[i].level, desc, sizeof(desc));
		if (!shadow) {
			canvas_printf(c, l->path_rule + 1 + i - first, 1, style,
				      "L%u %#llx[%3u] 0x%016llx %s", s[i].level, U(s[i].table),
				      s[i].index, U(s[i].value), desc);
			continue;
		}
		/* Shadow: which guest table (and quadrant) each shadow table
		 * shadows, from its sp_event; a PAE root has 4 entries. */
		if (walk_table_sp(&a->r, s[i].table, &gfn, &role))
			role_short(role, gfn, sp, sizeof(sp));
		else
			snprintf(sp, sizeof(sp), "sp ?");
		canvas_printf(c, l->path_rule + 1 + i - first, 1, style, "L%u %#llx[%3u] %-12s 0x%016llx %s",
			      s[i].level, U(s[i].table), s[i].index, sp, U(s[i].value), desc);
	}
	if (n == 0)
		canvas_put(c, l->path_rule + 1, 1, ST_DIM, shadow && ev->type != HVT_FAULT &&
			   ev->type != HVT_WALK_STEP && ev->type != HVT_SPTE_CHANGE
			   ? "no live entry links this shadow page (a root, or unlinked)"
			   : "no root known yet");
}

/* ---- counters ----------------------------------------------------------------- */

/* Appends "name N" for every non-zero counter of an enum. */
static int put_counts(struct canvas *c, int row, int col, const u64 *v, unsigned max,
		      const char *(*name)(unsigned))
{
	unsigned i;

	for (i = 1; i < max; i++) {
		if (v[i])
			col = canvas_printf(c, row, col, ST_NORMAL, " %s %llu", name(i), U(v[i]));
	}
	return col;
}

static const char *level_name(unsigned i)
{
	static const char *const names[] = { "L0", "L1", "L2", "L3", "L4", "L5" };

	return names[i];
}

static void draw_counters(struct app *a, struct canvas *c, const struct layout *l)
{
	const struct replay_counters *k = &a->r.cnt;
	int row = l->count_rule + 1, col;

	canvas_rule(c, l->count_rule, "counters up to the cursor");
	col = canvas_printf(c, row, 1, ST_NORMAL, "faults %llu:", U(k->by_type[HVT_FAULT]));
	col = put_counts(c, row, col, k->fault_by_kind, HVT_FK_MAX, fault_kind_name);
	col = canvas_put(c, row, col, ST_DIM, " |");
	put_counts(c, row, col, k->fault_by_result, HVT_FRES_MAX, fault_result_name);
	col = canvas_printf(c, row + 1, 1, ST_NORMAL, "spte %llu:", U(k->by_type[HVT_SPTE_CHANGE]));
	put_counts(c, row + 1, col, k->spte_by_reason, HVT_SR_MAX, spte_reason_name);
	col = canvas_put(c, row + 2, 1, ST_NORMAL, "  by level:");
	col = put_counts(c, row + 2, col, k->spte_by_level, 6, level_name);
	if (k->lost_races)
		col = canvas_printf(c, row + 2, col, ST_ALERT, "  lost races %llu", U(k->lost_races));
	canvas_printf(c, row + 2, col, ST_NORMAL, "  live SPTEs %zu", a->r.map.count);
	col = canvas_printf(c, row + 3, 1, ST_NORMAL, "flush %llu:", U(k->by_type[HVT_TLB_FLUSH]));
	col = put_counts(c, row + 3, col, k->flush_by_reason, HVT_FR_MAX, flush_reason_name);
	col = canvas_put(c, row + 3, col, ST_DIM, " |");
	put_counts(c, row + 3, col, k->flush_by_scope, HVT_FS_MAX, flush_scope_name);
}

/* ---- status line and help ------------------------------------------------------ */

static void draw_status(struct app *a, struct canvas *c, const struct layout *l)
{
	static const char *const label[] = { "", "go to seq: ", "search /", "filter: " };

	if (a->prompt != PROMPT_NONE)
		canvas_printf(c, l->status, 0, ST_TITLE, "%s%s_", label[a->prompt], a->input);
	else if (a->pending)
		canvas_printf(c, l->status, 0, ST_TITLE, "%c: which mark (a-z)?", a->pending);
	else if (a->msg[0])
		canvas_printf(c, l->status, 0, a->msg_error ? ST_ALERT : ST_TITLE, "%s", a->msg);
	else
		canvas_put(c, l->status, 0, ST_TITLE, "j/k step  f fault  t flush  s spte  w why"
			   "  / search  : filter  ? help  q quit");
	if (a->count)
		canvas_printf(c, l->status, c->cols - 12, ST_TITLE, "%11ld", a->count);
	canvas_style_row(c, l->status, a->msg_error && !a->prompt ? ST_ALERT : ST_TITLE);
}

static void draw_help(struct canvas *c)
{
	char lines[64][96];
	int n = keys_help_lines(lines, 64), i, cols = c->cols >= 72 ? 2 : 1;
	int per = (n + cols - 1) / cols, width = c->cols / cols;

	canvas_clear(c);
	canvas_put(c, 0, 0, ST_TITLE, " hvtui keys (generated from the key table; any key closes)");
	canvas_style_row(c, 0, ST_TITLE);
	for (i = 0; i < n; i++) {
		if (1 + i % per < c->rows - 2)
			canvas_put(c, 1 + i % per, (i / per) * width, ST_NORMAL, lines[i]);
	}
	canvas_put(c, c->rows - 2, 0, ST_NORMAL, " filter and / search: vcpu=1 type=fault,spte"
		   " reason=zap level=1");
	canvas_put(c, c->rows - 1, 0, ST_TITLE, " gfn=0x100-0x1ff sptep=0x1005190 seq=10-99;"
		   " a bare number = gfn or sptep");
	canvas_style_row(c, c->rows - 1, ST_TITLE);
}

void view_render(struct app *a, struct canvas *c)
{
	struct layout l = layout_for(c->rows);
	struct hvt_event ev;

	canvas_clear(c);
	if (a->help) {
		draw_help(c);
		return;
	}
	if (c->rows < VIEW_MIN_ROWS || c->cols < VIEW_MIN_COLS) {
		canvas_printf(c, 0, 0, ST_ALERT, "hvtui needs %dx%d", VIEW_MIN_COLS, VIEW_MIN_ROWS);
		canvas_printf(c, 1, 0, ST_NORMAL, "seq %lld", (long long)a->r.cursor);
		return;
	}
	draw_title(a, c);
	if (a->r.info.last_seq < 0) {
		canvas_put(c, 2, 1, ST_ALERT, "the trace has no events");
		draw_status(a, c, &l);
		return;
	}
	draw_list(a, c, &l);
	if (replay_event(&a->r, a->r.cursor, &ev) == 0) {
		draw_detail(a, c, &l, &ev);
		draw_path(a, c, &l, &ev);
	}
	draw_counters(a, c, &l);
	draw_status(a, c, &l);
}
