/*
 * walk.c: reconstruct the page-table path of a gfn from the replay state
 * (see walk.h). Reads only r->map: the state as of the cursor.
 */
#include "walk.h"
#include "decode.h"

static void fill_step(const struct replay *r, struct walk_step *s, u64 table, unsigned level,
		      u64 frame)
{
	const struct spte_entry *e;

	s->level = level;
	s->table = table;
	s->index = (unsigned)((frame >> (9 * (level - 1))) & 511);
	s->sptep = table + 8ull * s->index;
	e = spte_map_get(&r->map, s->sptep);
	s->live = e != NULL;
	s->value = e ? e->value : r->info.fmt.nonpresent_value;
}

/* True if the walk continues below s (a present, non-leaf entry). */
static bool step_descends(const struct replay *r, const struct walk_step *s)
{
	return s->live && s->level > 1 && spte_is_present(&r->info.fmt, s->value) &&
	       !spte_is_leaf(&r->info.fmt, s->value, s->level);
}

static int walk_down_from(const struct replay *r, u64 table, unsigned level, u64 frame,
			  struct walk_step *out, int n)
{
	while (n < WALK_MAX && level >= 1) {
		fill_step(r, &out[n], table, level, frame);
		if (!step_descends(r, &out[n++]))
			break;
		table = out[n - 1].value & r->info.fmt.pfn_mask;
		level--;
	}
	return n;
}

int walk_down(const struct replay *r, u64 root, unsigned root_level, u64 frame,
	      struct walk_step out[WALK_MAX])
{
	unsigned levels = root_level ? root_level : r->info.fmt.levels ? r->info.fmt.levels : 4;

	/* A PAE root's index (gva bits 31:30) is what the 9-bit index gives for
	 * a gva below 4 GiB: 32-bit and PAE guests have no other. */
	return walk_down_from(r, root, levels > WALK_MAX ? WALK_MAX : levels, frame, out, 0);
}

unsigned walk_root_level(struct replay *r, u64 root)
{
	static const char sql[] = "SELECT level FROM events WHERE type = 8 AND a = ?1 AND seq <= ?2"
				  " ORDER BY seq DESC LIMIT 1";
	static const char sql_spte[] = "SELECT level FROM events WHERE type = 1 AND b BETWEEN ?1 AND ?2"
				       " LIMIT 1";
	s64 args[2] = { (s64)root, r->cursor }, v;
	unsigned levels = r->info.fmt.levels ? r->info.fmt.levels : 4;

	if (r->info.mmu_mode != HVT_MMU_SHADOW)
		return levels; /* one root of the format's depth; no query (bench-tui) */
	if (tracedb_query_s64(r->db, sql, args, 2, &v) == 0 && v >= 1 && v <= WALK_MAX)
		return (unsigned)v;
	/* Allocated before the trace started (a lossy start): the level of any
	 * SPTE written in the root's page (events_sptep index). */
	args[1] = (s64)root + 4095;
	if (tracedb_query_s64(r->db, sql_spte, args, 2, &v) == 0 && v >= 1 && v <= WALK_MAX)
		return (unsigned)v;
	return levels;
}

bool walk_table_sp(struct replay *r, u64 table, u64 *gfn, u64 *role)
{
	static const char sql[] = "SELECT a, b FROM events WHERE type = 7 AND c = ?1 AND seq <= ?2"
				  " ORDER BY seq DESC LIMIT 1";
	sqlite3_stmt *st;
	bool found = false;

	if (r->info.mmu_mode != HVT_MMU_SHADOW ||
	    sqlite3_prepare_v2(r->db, sql, -1, &st, NULL) != SQLITE_OK)
		return false;
	sqlite3_bind_int64(st, 1, (s64)table);
	sqlite3_bind_int64(st, 2, r->cursor);
	if (sqlite3_step(st) == SQLITE_ROW) {
		*gfn = (u64)sqlite3_column_int64(st, 0);
		*role = (u64)sqlite3_column_int64(st, 1);
		found = true;
	}
	sqlite3_finalize(st);
	return found;
}

/* The live non-leaf entry of level+1 that points at table (O(live SPTEs)). */
static const struct spte_entry *parent_of(const struct replay *r, u64 table, unsigned level)
{
	const struct hvt_spte_format *f = &r->info.fmt;
	size_t i, slots = (size_t)1 << r->map.bits;
	const struct spte_entry *e;

	for (i = 0; i < slots; i++) {
		e = &r->map.slot[i];
		if (e->level == level + 1 && (e->value & f->pfn_mask) == table &&
		    spte_is_present(f, e->value) && !spte_is_leaf(f, e->value, level + 1))
			return e;
	}
	return NULL;
}

int walk_up(const struct replay *r, u64 sptep, unsigned level, u64 frame,
	    struct walk_step out[WALK_MAX])
{
	struct walk_step chain[WALK_MAX];
	const struct spte_entry *p;
	u64 at = sptep;
	unsigned lv = level ? level : 1;
	int n = 0, i;

	/* Up: the entry itself, then each parent entry. */
	while (n < WALK_MAX) {
		chain[n].level = lv;
		chain[n].table = at & ~0xfffull;
		chain[n].index = (unsigned)((at & 0xfff) / 8);
		chain[n].sptep = at;
		p = spte_map_get(&r->map, at);
		chain[n].live = p != NULL;
		chain[n].value = p ? p->value : r->info.fmt.nonpresent_value;
		n++;
		p = parent_of(r, at & ~0xfffull, lv);
		if (!p)
			break;
		at = p->sptep;
		lv++;
	}
	for (i = 0; i < n; i++)
		out[i] = chain[n - 1 - i];
	/* Down from the event's entry, for the levels below it (TDP only). */
	if (r->info.mmu_mode != HVT_MMU_SHADOW && step_descends(r, &out[n - 1]))
		n = walk_down_from(r, out[n - 1].value & r->info.fmt.pfn_mask, out[n - 1].level - 1,
				   frame, out, n);
	return n;
}

int walk_to_table(const struct replay *r, u64 table, unsigned level, struct walk_step out[WALK_MAX])
{
	const struct spte_entry *p = parent_of(r, table, level);

	return p ? walk_up(r, p->sptep, level + 1, 0, out) : 0;
}

/*
 * Which root the event's vCPU walks from, as of the cursor. Two records name
 * a shadow root: an SPTE change (e = the root of the change), and since
 * trace/FORMAT.md filled it, a cr3 tlb_flush (e = the root the vCPU runs on
 * after the CR3 load; 0 in older traces, so skipped). A CR3 load that reuses
 * a cached root writes no SPTE, so only its flush says the vCPU left the old
 * root: the latest of the two kinds wins. The query is per cursor, so
 * stepping backwards gives back the older root with no state to undo.
 */
bool walk_root_for(struct replay *r, const struct hvt_event *ev, u64 *root)
{
	/* type 1 spte_change; type 2 tlb_flush with reason 9 cr3 (hvt_format.h) */
	static const char sql_vcpu[] = "SELECT e FROM events WHERE seq <= ?1 AND vcpu = ?2"
				       " AND (type = 1 OR (type = 2 AND reason = 9 AND e != 0))"
				       " ORDER BY seq DESC LIMIT 1";
	static const char sql_any[] = "SELECT e FROM events WHERE type = 1 AND seq <= ?1"
				      " ORDER BY seq DESC LIMIT 1";
	s64 args[2] = { r->cursor, ev->vcpu }, v;

	if (ev->type == HVT_SPTE_CHANGE) {
		*root = ev->e;
		return true;
	}
	/* TDP has one root for every vCPU; shadow roots follow each vCPU's CR3. */
	if (r->info.mmu_mode == HVT_MMU_SHADOW &&
	    tracedb_query_s64(r->db, sql_vcpu, args, 2, &v) == 0) {
		*root = (u64)v;
		return true;
	}
	if (tracedb_query_s64(r->db, sql_any, args, 1, &v) == 0) {
		*root = (u64)v;
		return true;
	}
	return false;
}
