/*
 * synth_mmu.c: the page-table model behind hvtrace synth (synth.h): a
 * 4-level TDP MMU over struct sm_table whose every SPTE write goes through
 * set_spte(), which emits the SPTE_CHANGE record (T2 by construction).
 *
 *   root (entries level 4) -> level 3 -> level 2 -> level 1 (4 KiB leaves)
 *   entry index at level L: (gfn >> 9 * (L - 1)) & 511
 */
#include <stdlib.h>
#include "synth.h"

#define ALL_VCPUS(s) ((1ull << (s)->nr_vcpus) - 1)

static u64 entry_gfn(const struct sm_table *t, unsigned idx)
{
	return t->gfn + ((u64)idx << (9 * (t->level - 1)));
}

static unsigned entry_idx(const struct sm_table *t, u64 gfn)
{
	return (gfn >> (9 * (t->level - 1))) & 511;
}

/* The one SPTE writer: record first-to-last the change it makes. */
static u64 set_spte(struct synth *s, u16 vcpu, struct sm_table *t, unsigned idx,
		    u64 new, u8 reason, u8 flags)
{
	u64 old = t->spte[idx];

	if (t->level == 1)
		flags |= HVT_F_LEAF;
	t->spte[idx] = new;
	return sy_emit(s, vcpu, HVT_SPTE_CHANGE, reason, t->level, flags, 0,
		       entry_gfn(t, idx), t->hpa + idx * 8, old, new, s->root->hpa);
}

static u64 table_hpa(struct synth *s)
{
	if (s->nfree)
		return s->free_hpa[--s->nfree];
	s->next_hpa += 4096;
	return s->next_hpa;
}

static struct sm_table *new_table(struct synth *s, u64 gfn, u8 level)
{
	struct sm_table *t = calloc(1, sizeof(*t));

	if (!t) {
		s->io_error = 1;
		return NULL;
	}
	t->hpa = table_hpa(s);
	t->gfn = gfn;
	t->level = level;
	return t;
}

/* PT_ALLOC, then link it into its parent's entry (a map SPTE change). */
static struct sm_table *link_child(struct synth *s, u16 vcpu, struct sm_table *p, unsigned idx)
{
	struct sm_table *c = new_table(s, entry_gfn(p, idx), p->level - 1);

	if (!c)
		return NULL;
	sy_emit(s, vcpu, HVT_PT_ALLOC, 0, c->level, 0, 0, c->hpa, c->gfn, s->root->hpa, 0, 0);
	set_spte(s, vcpu, p, idx, c->hpa | SM_P | SM_W | SM_U | SM_PRESENT, HVT_SR_MAP, HVT_F_ATOMIC);
	p->child[idx] = c;
	return c;
}

int sm_init(struct synth *s)
{
	s->next_hpa = 0x100000;
	s->root = new_table(s, 0, 4);
	if (!s->root)
		return -1;
	sy_emit(s, HVT_NO_VCPU, HVT_PT_ALLOC, 0, 4, 0, 0, s->root->hpa, 0, s->root->hpa, 0, 0);
	sy_emit(s, HVT_NO_VCPU, HVT_TLB_FLUSH, HVT_FR_NEW_ROOT, 0, 0, HVT_FS_REMOTE_ALL,
		0, 0, 0, ALL_VCPUS(s), 0);
	return 0;
}

static void free_tree(struct sm_table *t)
{
	for (unsigned i = 0; t && i < 512; i++)
		free_tree(t->child[i]);
	free(t);
}

void sm_free(struct synth *s)
{
	free_tree(s->root);
	free(s->free_hpa);
}

static int slot_of(u64 gfn) { return (int)(gfn / SM_SLOT_PAGES) % SM_SLOTS; }

static u64 leaf_value(struct synth *s, u64 gfn, int write)
{
	u64 v = ((SM_BACKING_PFN + gfn) << 12) | SM_P | SM_U | SM_A | SM_PRESENT | SM_HOST_W | SM_MMU_W;

	if (!s->dirty_log[slot_of(gfn)] || write)
		v |= SM_W;
	if (write)
		v |= SM_D;
	return v;
}

/* The level-1 table holding gfn's leaf; creates the path if vcpu >= 0. */
static struct sm_table *walk(struct synth *s, u64 gfn, int create, u16 vcpu, int *writes)
{
	struct sm_table *t = s->root;

	while (t && t->level > 1) {
		unsigned idx = entry_idx(t, gfn);

		if (!t->child[idx]) {
			if (!create)
				return NULL;
			t->child[idx] = NULL;
			if (!link_child(s, vcpu, t, idx))
				return NULL;
			(*writes)++;
		}
		t = t->child[idx];
	}
	return t;
}

int sm_map(struct synth *s, u16 vcpu, u64 gfn, int write, int lost_race)
{
	int writes = 0;
	struct sm_table *t = walk(s, gfn, 1, vcpu, &writes);
	unsigned idx;
	u64 old;

	if (!t)
		return writes;
	idx = entry_idx(t, gfn);
	old = t->spte[idx];
	if (old & SM_PRESENT)
		return writes;      /* spurious: already mapped */
	if (lost_race) {            /* T3: cmpxchg lost, nothing written */
		sy_emit(s, vcpu, HVT_SPTE_CHANGE, HVT_SR_MAP, 1,
			HVT_F_ATOMIC | HVT_F_LOST_RACE | HVT_F_LEAF, 0, gfn, t->hpa + idx * 8,
			old, old, s->root->hpa);
		return -1;
	}
	set_spte(s, vcpu, t, idx, leaf_value(s, gfn, write), HVT_SR_MAP, HVT_F_ATOMIC);
	return writes + 1;
}

u64 sm_leaf(struct synth *s, u64 gfn, u64 *sptep)
{
	struct sm_table *t = walk(s, gfn, 0, 0, NULL);

	if (!t)
		return 0;
	*sptep = t->hpa + entry_idx(t, gfn) * 8;
	return t->spte[entry_idx(t, gfn)];
}

void sm_fast_fix(struct synth *s, u16 vcpu, u64 gfn, u64 err)
{
	struct sm_table *t = walk(s, gfn, 0, 0, NULL);
	unsigned idx = entry_idx(t, gfn);
	u64 old = t->spte[idx], new = old | SM_W | SM_D | SM_A;

	set_spte(s, vcpu, t, idx, new, HVT_SR_FAST_FIX, HVT_F_ATOMIC | HVT_F_VOLATILE);
	sy_emit(s, vcpu, HVT_FAST_FAULT, 0, 1, 0, HVT_FR_FIXED, gfn << 12, err, old, new,
		t->hpa + idx * 8);
}

void sm_touch(struct synth *s, u64 gfn, int write)
{
	struct sm_table *t = walk(s, gfn, 0, 0, NULL);
	unsigned idx;

	if (!t || !(t->spte[idx = entry_idx(t, gfn)] & SM_PRESENT))
		return;
	t->spte[idx] |= SM_A;
	if (write && (t->spte[idx] & SM_W))
		t->spte[idx] |= SM_D;
}

/* The table linked at the level-`level` entry covering gfn, its parent and
 * the entry's index. */
static struct sm_table *region(struct synth *s, u64 gfn, int level,
			       struct sm_table **parent, unsigned *idx)
{
	struct sm_table *t = s->root;

	while (t && t->level > level)
		t = t->child[entry_idx(t, gfn)];
	if (!t || !t->child[entry_idx(t, gfn)])
		return NULL;
	*parent = t;
	*idx = entry_idx(t, gfn);
	return t->child[*idx];
}

static void count_tree(const struct sm_table *t, u64 *leaves, u64 *tables)
{
	(*tables)++;
	for (unsigned i = 0; i < 512; i++) {
		if (t->child[i])
			count_tree(t->child[i], leaves, tables);
		else if (t->level == 1 && (t->spte[i] & SM_PRESENT))
			(*leaves)++;
	}
}

u64 sm_zap_cost(struct synth *s, u64 gfn, int level)
{
	struct sm_table *p, *t = region(s, gfn, level, &p, &(unsigned){ 0 });
	u64 leaves = 0, tables = 0;

	if (!t)
		return 0;
	count_tree(t, &leaves, &tables);
	return leaves + 3 * tables + 2;
}

struct unlinked { struct sm_table *t; u64 unlink_seq; };

struct zap_ctx {
	struct unlinked *list;
	u64 n, zapped;
	int per_table;
};

static void flush_range(struct synth *s, u64 gfn, u64 npages, u64 zapped, u8 reason)
{
	sy_emit(s, HVT_NO_VCPU, HVT_TLB_FLUSH, reason, 0, 0, HVT_FS_REMOTE_RANGE,
		gfn, npages, zapped, ALL_VCPUS(s), 0);
}

static void unlink_table(struct synth *s, struct zap_ctx *z, struct sm_table *p, unsigned idx)
{
	struct sm_table *c = p->child[idx];
	u64 seq = set_spte(s, HVT_NO_VCPU, p, idx, 0, HVT_SR_ZAP, HVT_F_LOCK_WRITE);

	p->child[idx] = NULL;
	z->list[z->n++] = (struct unlinked){ c, seq };
	z->zapped++;
	if (z->per_table)   /* the slow path: one flush per removed table */
		flush_range(s, c->gfn, 1ull << (9 * c->level), 1, HVT_FR_ZAP_PER_TABLE);
}

/* Zap the present entries of t (seed 003: skip the non-present ones). */
static void zap_table(struct synth *s, struct zap_ctx *z, struct sm_table *t)
{
	for (unsigned i = 0; i < 512; i++) {
		if (t->child[i]) {
			zap_table(s, z, t->child[i]);
			unlink_table(s, z, t, i);
		} else if (t->level == 1 && (t->spte[i] & SM_PRESENT)) {
			set_spte(s, HVT_NO_VCPU, t, i, 0, HVT_SR_ZAP, HVT_F_LOCK_WRITE);
			z->zapped++;
		}
	}
}

/* Free after the flush (seed 001): grace period, then the tables. */
static void free_unlinked(struct synth *s, struct zap_ctx *z)
{
	sy_emit(s, HVT_NO_VCPU, HVT_GRACE, 0, 0, 0, 0, ++s->grace_gen, z->n, 0, 0, 0);
	for (u64 i = 0; i < z->n; i++) {
		struct sm_table *t = z->list[i].t;

		sy_emit(s, HVT_NO_VCPU, HVT_PT_FREE, HVT_FREE_DEFERRED, t->level, 0, 0,
			t->hpa, t->gfn, z->list[i].unlink_seq, 0, 0);
		if (s->nfree == s->capfree) {
			s->capfree = s->capfree ? s->capfree * 2 : 256;
			s->free_hpa = realloc(s->free_hpa, s->capfree * sizeof(u64));
		}
		s->free_hpa[s->nfree++] = t->hpa;
		free(t);
	}
}

void sm_zap(struct synth *s, u64 gfn, int level, int per_table_flush)
{
	struct sm_table *p, *t;
	unsigned idx;
	u64 leaves = 0, tables = 0;
	struct zap_ctx z = { .per_table = per_table_flush };

	t = region(s, gfn, level, &p, &idx);
	if (!t)
		return;
	count_tree(t, &leaves, &tables);
	z.list = calloc(tables, sizeof(*z.list));
	zap_table(s, &z, t);
	unlink_table(s, &z, p, idx);
	if (!per_table_flush)   /* seed 001: one flush for the whole subtree */
		flush_range(s, entry_gfn(p, idx), 1ull << (9 * (level - 1)), z.zapped, HVT_FR_ZAP);
	free_unlinked(s, &z);
	free(z.list);
}

/* Apply fn to every present leaf of slot. */
static u64 slot_leaves(struct synth *s, int slot, u64 bits, int apply, u8 reason)
{
	u64 n = 0, first = (u64)slot * SM_SLOT_PAGES;

	for (u64 gfn = first; gfn < first + SM_SLOT_PAGES; gfn += 512) {
		struct sm_table *t = walk(s, gfn, 0, 0, NULL);

		for (unsigned i = 0; t && i < 512; i++) {
			if (!(t->spte[i] & SM_PRESENT) || !(t->spte[i] & bits))
				continue;
			n++;
			if (apply)
				set_spte(s, HVT_NO_VCPU, t, i, t->spte[i] & ~bits, reason,
					 HVT_F_ATOMIC | HVT_F_VOLATILE);
		}
	}
	return n;
}

u64 sm_slot_cost(struct synth *s, int slot, u64 bits)
{
	return slot_leaves(s, slot, bits, 0, 0) + 1;
}

void sm_slot_clear(struct synth *s, int slot, u64 bits, u8 spte_reason, u8 flush_reason)
{
	u64 n = slot_leaves(s, slot, bits, 1, spte_reason);

	if (n && flush_reason)
		flush_range(s, (u64)slot * SM_SLOT_PAGES, SM_SLOT_PAGES, n, flush_reason);
}
