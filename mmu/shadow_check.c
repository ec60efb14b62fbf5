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
		if (sp->gfn == gfn && role_gpt(sp->role) && !sp->unsync)
			return true;
	return false;
}

/*
 * I10: the role says which part of which gPT an SP shadows, in which
 * format: SR_4B exactly on the gPT SPs of a 32-bit guest; a quadrant only
 * there (0..3 for a PD, 0..1 for a PT, shadow_int.h); the mode bits equal
 * on a whole tree. I11: a PAE root is level 3 with entries 0..3 only (a
 * 32-bit gva has 2 bits above the PD), linked by nobody, and its pdptr
 * is zero unless it follows a PAE guest's PDPTE registers.
 */
static bool check_role(struct scheck *c, struct shadow_page *sp)
{
	u32 role = sp->role, q = role_quadrant(role);
	int level = role_level(role);
	bool want_4b = role_gpt(role) && role_mode(role) == GWALK_MODE_32;

	if (!!(role & SR_4B) != want_4b)
		return sfail(c, "I10", sp, -1, "4-byte gPTE flag does not match the SP's guest mode");
	if (q >= ((role & SR_4B) ? (level == 2 ? 4u : level == 1 ? 2u : 1u) : 1u))
		return sfail(c, "I10", sp, -1, "quadrant out of range for the SP's level and gPTE size");
	if (!(role & SR_PAE_ROOT)) {
		for (int i = 0; i < 4; i++)
			if (sp->pdptr[i])
				return sfail(c, "I11", sp, -1, "PDPTE key on an SP that is not a PAE root");
		return true;
	}
	if (level != 3 || sp->parents)
		return sfail(c, "I11", sp, -1, "PAE root not at level 3, or linked from a table");
	if (role_mode(role) != GWALK_MODE_PAE)
		for (int i = 0; i < 4; i++)
			if (sp->pdptr[i])
				return sfail(c, "I11", sp, -1, "PDPTE key on a PAE root of a non-PAE guest");
	for (int i = 4; i < SPTE_ENT_PER_PAGE; i++)
		if (is_mmu_present_spte(sp->spt[i]))
			return sfail(c, "I11", sp, i, "PAE root entry above 3");
	return true;
}

/* I10/I11 for the link SPTE i of sp to child: the child is the part of
 * the guest's tables that gva range needs. */
static bool check_link(struct scheck *c, struct shadow_page *sp, int i, struct shadow_page *child)
{
	if ((child->role & SR_BASE_MASK) != (sp->role & SR_BASE_MASK))
		return sfail(c, "I10", sp, i, "child of another guest paging mode or CPU bits");
	if ((sp->role & SR_PAE_ROOT) && !role_direct(sp->role)) {
		/* PAE: entry i shadows the PD of PDPTE register i; 32-bit: the
		 * guest PD (at the root's gfn, the CR3 frame), quarter i. */
		if (role_mode(sp->role) == GWALK_MODE_PAE &&
		    child->gfn != (sp->pdptr[i] & GENMASK(51, 12)) >> PAGE_SHIFT)
			return sfail(c, "I11", sp, i, "PAE root entry does not follow its PDPTE register");
		if (role_mode(sp->role) == GWALK_MODE_32 &&
		    (child->gfn != sp->gfn || role_quadrant(child->role) != (u32)i))
			return sfail(c, "I10", sp, i, "32-bit guest PD quarter is not the root entry's");
	}
	if ((sp->role & SR_4B) && (child->role & SR_4B) && role_quadrant(child->role) != ((u32)i & 1))
		return sfail(c, "I10", sp, i, "32-bit guest PT half is not gva bit 21 of the entry");
	/* The two SPTEs of one 4-byte gPDE (2k, 2k+1) come from that one gPDE:
	 * the two halves of one gPT, or two direct SPs for the two halves of a
	 * 4 MiB page (whose rights may differ: a half linked while the gPDE was
	 * clean is relinked only when next used, shadow_map). */
	if ((sp->role & SR_4B) && role_level(sp->role) == 2 && (i & 1) &&
	    is_mmu_present_spte(sp->spt[i - 1]) && !is_last_spte(&c->vm->fmt, sp->spt[i - 1], 2)) {
		struct shadow_page *lo = sp->ent[i - 1].child;
		u32 mask = ~(SR_QUAD_MASK | SR_INVALID | (role_direct(child->role) ? SR_ACC_MASK : 0));
		bool ok = role_direct(child->role)
			? (lo->role & mask) == (child->role & mask) && child->gfn == lo->gfn + 512
			: (lo->role & mask) == (child->role & mask) && child->gfn == lo->gfn;
		if (!ok)
			return sfail(c, "I10", sp, i, "the two SPTEs of one 4-byte gPDE disagree");
	}
	return true;
}

static bool check_sp(struct scheck *c, struct shadow_vm *svm, struct shadow_page *sp, u64 *unsync)
{
	const struct spte_format *f = &c->vm->fmt;
	int level = role_level(sp->role);

	if (sp->role & SR_INVALID)
		return sfail(c, "I1", sp, -1, "zapped SP still in the hash");
	if (sp->unsync && (level != PG_LEVEL_4K || !role_gpt(sp->role)))
		return sfail(c, "I7", sp, -1, "unsync SP that is not a last-level gPT");
	if (!check_role(c, sp))
		return false;
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
		if (!check_link(c, sp, i, child))
			return false;
	}
	return true;
}

/* I9: how many root slots (current + cached) of the live vCPUs hold sp. */
static u32 root_refs(struct mmu_vm *vm, const struct shadow_page *sp)
{
	u32 n = 0;

	for (int v = 0; v < HVT_MAX_CPUS; v++) {
		struct mmu_vcpu *vcpu = vm->vcpus[v];
		struct shadow_vcpu *sv = vcpu ? vcpu->shadow : NULL;
		if (!sv)
			continue;
		n += sv->cur.sp == sp;
		for (int i = 0; i < SHADOW_PREV_ROOTS; i++)
			n += sv->prev[i].sp == sp;
	}
	return n;
}

/* I9 both ways: every SP's root_count is the number of slots holding it (a
 * destroyed vCPU's roots were put), and a zapped root a slot still holds
 * has its references too (it is freed when they go, I6). */
static void check_root_counts(struct scheck *c, struct mmu_vm *vm, struct shadow_vm *svm)
{
	for (int b = 0; b < SHADOW_HASH_SIZE && !c->bad; b++)
		for (struct shadow_page *sp = svm->hash[b]; sp && !c->bad; sp = sp->hash_next)
			if (root_refs(vm, sp) != sp->root_count)
				sfail(c, "I9", sp, -1, "root_count is not the number of vCPU root slots holding it");
	for (int v = 0; v < HVT_MAX_CPUS && !c->bad; v++) {
		struct shadow_vcpu *sv = vm->vcpus[v] ? vm->vcpus[v]->shadow : NULL;
		for (int i = -1; sv && i < SHADOW_PREV_ROOTS && !c->bad; i++) {
			struct shadow_page *sp = i < 0 ? sv->cur.sp : sv->prev[i].sp;
			if (sp && (sp->role & SR_INVALID) && root_refs(vm, sp) != sp->root_count)
				sfail(c, "I9", sp, -1, "zapped root: root_count is not the slots holding it");
		}
	}
}

/* I12 (5.14): the LRU list holds every valid SP once (and no zapped one),
 * linked both ways, and the valid SPs fit the budget of the last op. */
static void check_lru(struct scheck *c, struct shadow_vm *svm)
{
	const struct shadow_page *prev = NULL;
	u64 n = 0;

	for (struct shadow_page *sp = svm->lru_head; sp && !c->bad; sp = sp->lru_next) {
		if (sp->lru_prev != prev)
			sfail(c, "I12", sp, -1, "LRU list back link broken");
		else if (sp->role & SR_INVALID)
			sfail(c, "I12", sp, -1, "zapped SP still on the LRU list");
		else if (++n > svm->nr_pages)
			sfail(c, "I12", sp, -1, "LRU list longer than the valid SPs (a loop?)");
		prev = sp;
	}
	if (c->bad)
		return;
	if (n != svm->nr_pages || svm->lru_tail != prev) {
		c->bad = true;
		sb_puts(&c->sb, "I12: LRU list has ");
		sb_dec(&c->sb, n);
		sb_puts(&c->sb, " SPs (or a wrong tail), the hash ");
		sb_dec(&c->sb, svm->nr_pages);
	} else if (svm->stats.budget && svm->nr_pages > svm->stats.budget) {
		c->bad = true;
		sb_puts(&c->sb, "I12: ");
		sb_dec(&c->sb, svm->nr_pages);
		sb_puts(&c->sb, " valid SPs over the budget of ");
		sb_dec(&c->sb, svm->stats.budget);
	}
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
	if (!c.bad)
		check_root_counts(&c, vm, svm);
	if (!c.bad)
		check_lru(&c, svm);
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
