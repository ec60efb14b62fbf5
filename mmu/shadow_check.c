/*
 * shadow_check.c: the shadow MMU's self-check, the invariants of
 * mmu/SHADOW.md 5.0 walked over every shadow page. mmu_check() calls it
 * through vm->shadow_check (so hv's mmu_check=1 covers shadow paging too);
 * the host tests call it after every step of their random runs.
 */
#include "shadow_int.h"
#include "spte_decode.h"

struct scheck {
	struct mmu_vm *vm;
	struct strbuf sb;        /* the first violation */
	bool bad;
};

static bool sfail(struct scheck *c, const char *inv, const struct shadow_page *sp, int i,
		  const char *what)
{
	if (c->bad)
		return false;
	c->bad = true;
	sb_puts(&c->sb, inv);
	sb_puts(&c->sb, ": ");
	sb_puts(&c->sb, what);
	sb_puts(&c->sb, " (SP gfn ");
	sb_hex(&c->sb, sp->gfn);
	sb_puts(&c->sb, " role ");
	sb_hex(&c->sb, sp->role);
	sb_puts(&c->sb, " index ");
	sb_dec(&c->sb, (u64)i);
	sb_puts(&c->sb, " spte ");
	sb_hex(&c->sb, i >= 0 ? sp->spt[i] : 0);
	sb_puts(&c->sb, ")");
	return false;
}

static bool in_list(const struct shadow_link *head, const struct shadow_link *l)
{
	for (; head; head = head->next)
		if (head == l)
			return true;
	return false;
}

/* Does gfn have a valid, non-direct, sync SP (a write-protected gPT)? */
static bool gfn_shadowed_sync(struct shadow_vm *svm, gfn_t gfn)
{
	for (struct shadow_page *sp = svm->hash[shadow_hash_idx(gfn)]; sp; sp = sp->hash_next)
		if (sp->gfn == gfn && !role_direct(sp->role) && !sp->unsync)
			return true;
	return false;
}

static bool check_sp(struct scheck *c, struct shadow_vm *svm, struct shadow_page *sp, u64 *unsync)
{
	const struct spte_format *f = &c->vm->fmt;
	int level = role_level(sp->role);

	if (sp->role & SR_INVALID)
		return sfail(c, "I1", sp, -1, "zapped SP still in the hash");
	if (sp->unsync && (level != PG_LEVEL_4K || role_direct(sp->role)))
		return sfail(c, "I7", sp, -1, "unsync SP that is not a last-level gPT");
	*unsync += sp->unsync;
	if (!sp->parents && !sp->root_count)
		return sfail(c, "I5", sp, -1, "orphan SP (no parent, no root reference)");
	for (int i = 0; i < SPTE_ENT_PER_PAGE; i++) {
		u64 spte = sp->spt[i];
		if (!is_mmu_present_spte(spte))
			continue;
		if (is_last_spte(f, spte, level)) {
			if (!in_list(svm->rmap[shadow_rmap_idx(sp->ent[i].gfn)], &sp->link[i]))
				return sfail(c, "I2", sp, i, "leaf not in the rmap of its gfn");
			if (is_writable_spte(f, spte) && gfn_shadowed_sync(svm, sp->ent[i].gfn))
				return sfail(c, "I4", sp, i, "writable leaf maps a write-protected gPT");
			continue;
		}
		struct shadow_page *child = sp->ent[i].child;
		if (!child || (child->role & SR_INVALID) || spte_to_pfn(f, spte) != child->hpa >> PAGE_SHIFT)
			return sfail(c, "I3", sp, i, "link to a zapped or other table");
		if (role_level(child->role) != level - 1)
			return sfail(c, "I3", sp, i, "child level is not level - 1");
		if (!in_list(child->parents, &sp->link[i]))
			return sfail(c, "I3", sp, i, "link missing from the child's parent list");
	}
	return true;
}

static int shadow_check_locked(struct mmu_vm *vm, char *why, size_t len)
{
	struct shadow_vm *svm = vm->shadow;
	struct scheck c = { .vm = vm };
	u64 pages = 0, unsync = 0;
	char dummy[1];

	if (!why || !len) {
		why = dummy;
		len = sizeof(dummy);
	}
	sb_init(&c.sb, why, len);
	if (!svm)
		return 0;
	for (int b = 0; b < SHADOW_HASH_SIZE && !c.bad; b++)
		for (struct shadow_page *sp = svm->hash[b]; sp && !c.bad; sp = sp->hash_next) {
			pages++;
			if (shadow_hash_idx(sp->gfn) != (unsigned)b)
				sfail(&c, "I1", sp, -1, "SP in the wrong hash bucket");
			else
				check_sp(&c, svm, sp, &unsync);
		}
	if (!c.bad && (pages != svm->nr_pages || unsync != svm->nr_unsync)) {
		c.bad = true;
		sb_puts(&c.sb, "I1: counted SPs/unsync ");
		sb_dec(&c.sb, pages);
		sb_puts(&c.sb, "/");
		sb_dec(&c.sb, unsync);
		sb_puts(&c.sb, " but the VM says ");
		sb_dec(&c.sb, svm->nr_pages);
		sb_puts(&c.sb, "/");
		sb_dec(&c.sb, svm->nr_unsync);
	}
	/* I2 the other way: every rmap node is a present leaf mapping that gfn. */
	for (int b = 0; b < SHADOW_RMAP_SIZE && !c.bad; b++)
		for (struct shadow_link *l = svm->rmap[b]; l && !c.bad; l = l->next) {
			struct shadow_page *sp = shadow_page_of_link(l);
			u64 spte = sp->spt[l->idx];
			if (!is_mmu_present_spte(spte) || !is_last_spte(&vm->fmt, spte, role_level(sp->role)) ||
			    shadow_rmap_idx(sp->ent[l->idx].gfn) != (unsigned)b)
				sfail(&c, "I2", sp, l->idx, "rmap node for an empty or non-leaf SPTE");
		}
	return c.bad ? E_INVAL : 0;
}

/* Called by mmu_check with the MMU lock held for write. */
int shadow_check(struct mmu_vm *vm, char *why, size_t len)
{
	return shadow_check_locked(vm, why, len);
}

int mmu_shadow_check(struct mmu_vm *vm, char *why, size_t len)
{
	int r;

	rw_write_lock(&vm->mmu_lock, 0);
	r = shadow_check_locked(vm, why, len);
	rw_write_unlock(&vm->mmu_lock);
	return r;
}
