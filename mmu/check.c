/*
 * check.c: the MMU's self-checks. check_spte_transition() runs on every
 * SPTE write (tdp_mmu.c); mmu_check() walks every table and checks the
 * invariants of mmu/DESIGN.md (M1..M10). Messages name the invariant and
 * print the values, decoded.
 */
#include "tdp_iter.h"
#include "spte_decode.h"

static _Noreturn void transition_panic(struct mmu_op *op, u64 old, u64 new_spte, int level,
				       gfn_t gfn, const char *rule)
{
	struct hvt_spte_format hf;
	char a[128], b[128];

	spte_format_describe(&op->vm->fmt, &hf);
	spte_decode(&hf, old, level, a, sizeof(a));
	spte_decode(&hf, new_spte, level, b, sizeof(b));
	env_panic("mmu: bad SPTE transition (%s) gfn %#llx level %d: %#llx [%s] -> %#llx [%s]",
		  rule, (unsigned long long)gfn, level, (unsigned long long)old, a,
		  (unsigned long long)new_spte, b);
}

void check_spte_transition(struct mmu_op *op, u64 old, u64 new_spte, int level, gfn_t gfn, u8 reason)
{
	const struct spte_format *f = &op->vm->fmt;
	bool old_p = is_mmu_present_spte(old), new_p = is_mmu_present_spte(new_spte);
	bool old_leaf = old_p && is_last_spte(f, old, level);
	bool new_leaf = new_p && is_last_spte(f, new_spte, level);

	/* S1/M3: W => MMU-writable => host-writable. */
	if (new_leaf && is_writable_spte(f, new_spte) && !is_mmu_writable_spte(f, new_spte))
		transition_panic(op, old, new_spte, level, gfn, "S1: W without MMU-writable");
	if (new_leaf && is_mmu_writable_spte(f, new_spte) && !is_host_writable_spte(f, new_spte))
		transition_panic(op, old, new_spte, level, gfn, "S1: MMU-writable without host-writable");
	/* S3: no A/D bits without A/D. */
	if (!f->ad_enabled && new_leaf && (new_spte & (EPT_A | EPT_D)) && f->format == MMU_FORMAT_EPT)
		transition_panic(op, old, new_spte, level, gfn, "S3: A/D bits while A/D disabled");
	/* M5: a frozen SPTE only goes back to empty, by its owner. */
	if (is_frozen_spte(f, old) && new_spte != f->nonpresent_value)
		transition_panic(op, old, new_spte, level, gfn, "M5: frozen SPTE may only become empty");
	/* M2: a leaf never changes its page in place (zap first, flush). */
	if (old_leaf && new_leaf && spte_to_pfn(f, old) != spte_to_pfn(f, new_spte))
		transition_panic(op, old, new_spte, level, gfn, "M2: leaf pfn changed in place");
	/* M4: a link never changes to another table in place. */
	if (old_p && !old_leaf && new_p && !new_leaf && spte_to_pfn(f, old) != spte_to_pfn(f, new_spte))
		transition_panic(op, old, new_spte, level, gfn, "M4: table replaced in place");
	/* M4: a table is linked only where nothing is mapped. */
	if (new_p && !new_leaf && (old_leaf || is_frozen_spte(f, old)))
		transition_panic(op, old, new_spte, level, gfn, "M4: table linked over a leaf");
	/* M7: MMIO SPTEs only at 4K. */
	if (is_mmio_spte(f, new_spte) && level != PG_LEVEL_4K)
		transition_panic(op, old, new_spte, level, gfn, "M7: MMIO SPTE above 4K");
	/* L1: plain stores are only safe with the lock held for write. */
	if (op->lock_write && !rw_held_write(&op->vm->mmu_lock))
		transition_panic(op, old, new_spte, level, gfn, "L1: exclusive write without the write lock");
	/* Only a fault path may link a table or install a leaf / MMIO SPTE. */
	if (new_p && (reason == HVT_SR_ZAP || reason == HVT_SR_TEARDOWN || reason == HVT_SR_FREEZE))
		transition_panic(op, old, new_spte, level, gfn, "a zap that makes an SPTE present");
}

/* ---- mmu_check -------------------------------------------------------- */
struct check_ctx {
	struct mmu_vm *vm;
	struct strbuf sb;   /* the first violation */
	bool bad;
	u64 tables;         /* tables reached from the root */
};

static bool fail(struct check_ctx *c, const char *inv, gfn_t gfn, int level, u64 spte, const char *what)
{
	struct hvt_spte_format hf;
	char d[128];

	if (c->bad)
		return false;
	c->bad = true;
	spte_format_describe(&c->vm->fmt, &hf);
	spte_decode(&hf, spte, level, d, sizeof(d));
	sb_puts(&c->sb, inv);
	sb_puts(&c->sb, ": ");
	sb_puts(&c->sb, what);
	sb_puts(&c->sb, " gfn=");
	sb_hex(&c->sb, gfn);
	sb_puts(&c->sb, " level=");
	sb_dec(&c->sb, (u64)level);
	sb_puts(&c->sb, " spte=");
	sb_hex(&c->sb, spte);
	sb_puts(&c->sb, " [");
	sb_puts(&c->sb, d);
	sb_puts(&c->sb, "]");
	return false;
}

static int max_level_allowed(const struct mmu_vm *vm)
{
	return vm->cfg.no_huge ? PG_LEVEL_4K : vm->cfg.huge_1g ? PG_LEVEL_1G : PG_LEVEL_2M;
}

static void check_leaf(struct check_ctx *c, gfn_t gfn, int level, u64 spte)
{
	struct mmu_vm *vm = c->vm;
	const struct spte_format *f = &vm->fmt;
	u64 n = pages_per_level(level);
	struct memslot *slot = memslot_lookup(vm, gfn);

	/* M1: inside one RAM slot, entirely. */
	if (!slot || gfn + n > slot->base_gfn + slot->npages)
		return (void)fail(c, "M1", gfn, level, spte, "leaf maps memory outside a memslot");
	if (slot->flags & HC_MEM_ALLONES)
		return (void)fail(c, "M1", gfn, level, spte, "leaf in an all-ones slot (seed 002)");
	/* M2: the slot's own backing page. */
	if (spte_to_pfn(f, spte) != (slot->backing >> PAGE_SHIFT) + (gfn - slot->base_gfn))
		return (void)fail(c, "M2", gfn, level, spte, "leaf pfn is not the slot's backing");
	/* M3: W => MMU-W => host-W => slot writable. */
	if (is_writable_spte(f, spte) && !is_mmu_writable_spte(f, spte))
		return (void)fail(c, "M3", gfn, level, spte, "W without MMU-writable");
	if (is_mmu_writable_spte(f, spte) && !is_host_writable_spte(f, spte))
		return (void)fail(c, "M3", gfn, level, spte, "MMU-writable without host-writable");
	if (is_host_writable_spte(f, spte) && (slot->flags & HC_MEM_READONLY))
		return (void)fail(c, "M3", gfn, level, spte, "host-writable in a read-only slot");
	/* M6: huge leaves aligned, allowed, not in logging slots. */
	if (level > PG_LEVEL_4K) {
		if (level > max_level_allowed(vm) || (gfn & (n - 1)) || (spte_to_pfn(f, spte) & (n - 1)))
			return (void)fail(c, "M6", gfn, level, spte, "huge leaf misaligned or not allowed");
		if (slot->flags & HC_MEM_LOG_DIRTY)
			return (void)fail(c, "M6", gfn, level, spte, "huge leaf in a dirty-logging slot");
	}
	/* M8: write-protect logging: a W leaf has already been logged. */
	if (!f->ad_enabled && (slot->flags & HC_MEM_LOG_DIRTY) && is_writable_spte(f, spte)) {
		u64 rel = gfn - slot->base_gfn;
		if (!(__atomic_load_n(&slot->dirty_bitmap[rel / 64], __ATOMIC_RELAXED) & BIT(rel % 64)))
			return (void)fail(c, "M8", gfn, level, spte, "writable leaf not in the dirty log");
	}
	/* M10: A/D bits only with A/D; access tracking only without. */
	if (is_access_track_spte(f, spte) && f->ad_enabled)
		return (void)fail(c, "M10", gfn, level, spte, "access-tracked with A/D enabled");
}

static void check_table(struct check_ctx *c, struct mmu_page *sp);

static void check_entry(struct check_ctx *c, gfn_t gfn, int level, u64 spte)
{
	struct mmu_vm *vm = c->vm;
	const struct spte_format *f = &vm->fmt;

	if (is_frozen_spte(f, spte))
		return (void)fail(c, "M5", gfn, level, spte, "frozen SPTE in a live table");
	if (is_mmio_spte(f, spte)) {
		/* M7: 4K only; a current one is in a gap. */
		if (level != PG_LEVEL_4K)
			return (void)fail(c, "M7", gfn, level, spte, "MMIO SPTE above 4K");
		if (mmio_spte_gen(spte) == (vm->memslot_gen & MMIO_GEN_MASK) && memslot_lookup(vm, gfn))
			return (void)fail(c, "M7", gfn, level, spte, "current MMIO SPTE over a memslot");
		if (mmio_spte_gfn(spte) != gfn)
			return (void)fail(c, "M7", gfn, level, spte, "MMIO SPTE for another gfn");
		return;
	}
	if (!is_mmu_present_spte(spte)) {
		if (spte != f->nonpresent_value)
			fail(c, "M9", gfn, level, spte, "unknown non-present value");
		return;
	}
	if (is_last_spte(f, spte, level))
		return check_leaf(c, gfn, level, spte);
	/* M4: a link points at a live table of the next level for this gfn. */
	struct mmu_page *child = mmu_page_lookup(vm, spte_to_pfn(f, spte) << PAGE_SHIFT);
	if (!child)
		return (void)fail(c, "M4", gfn, level, spte, "link to an unknown or freed table");
	if (child->state != MMU_PAGE_LIVE)
		return (void)fail(c, "M4", gfn, level, spte, "link to a retired (frozen) table");
	if (child->level != level - 1 || child->gfn != gfn)
		return (void)fail(c, "M4", gfn, level, spte, "link to a table of another level/gfn");
	check_table(c, child);
}

static void check_table(struct check_ctx *c, struct mmu_page *sp)
{
	c->tables++;
	for (int i = 0; i < SPTE_ENT_PER_PAGE && !c->bad; i++)
		check_entry(c, sp->gfn + (u64)i * pages_per_level(sp->level), sp->level,
			    __atomic_load_n(&sp->spt[i], __ATOMIC_ACQUIRE));
}

int mmu_check(struct mmu_vm *vm, char *why, size_t why_len)
{
	struct check_ctx c = { .vm = vm };
	char dummy[1];

	if (!why || !why_len) {
		why = dummy;
		why_len = sizeof(dummy);
	}
	sb_init(&c.sb, why, why_len);
	rw_write_lock(&vm->mmu_lock, 0);
	if (vm->root)
		check_table(&c, vm->root);
	if (!c.bad && vm->shadow_check && vm->shadow_check(vm, why, why_len))
		c.bad = true;             /* mmu/shadow_check.c wrote the message */
	/* M9: every live table is reachable exactly once (no leak, no sharing). */
	if (!c.bad && c.tables != vm->nr_live_tables) {
		c.bad = true;
		sb_puts(&c.sb, "M9: live tables ");
		sb_dec(&c.sb, vm->nr_live_tables);
		sb_puts(&c.sb, " but reachable ");
		sb_dec(&c.sb, c.tables);
	}
	rw_write_unlock(&vm->mmu_lock);
	return c.bad ? E_INVAL : 0;
}
