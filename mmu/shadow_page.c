/*
 * shadow_page.c: shadow pages (SPs): roles, the (gfn, role) hash, parent
 * links and the reverse map, the per-vCPU SP cache, write protection of
 * shadowed guest page tables, unsync decisions, zapping and freeing.
 * (mmu/SHADOW.md 5.1, 5.3, 5.4, 5.9; invariants I1..I9 in 5.0.)
 *
 *   SP hash   gfn -> every valid SP for it, all roles in one bucket
 *   rmap      gfn -> every present leaf SPTE mapping it (sp->link[i])
 *   parents   SP  -> every non-leaf SPTE linking it   (parent->link[i])
 */
#include "shadow_int.h"

/* ---- the op: write lock, one flush at the end, then free ------------------ */
void shadow_op_begin(struct shadow_op *sop, struct mmu_vm *vm, struct mmu_vcpu *vcpu)
{
	rw_write_lock(&vm->mmu_lock, vcpu ? (u32)vcpu->id : 0);
	sop->op = &sop->own_op;
	mmu_op_init(sop->op, vm, vcpu, true, HVT_SR_ZAP, HVT_FR_ZAP);
	sop->op->shadow = true;
	sop->svm = vm->shadow;
	sop->sv = vcpu ? vcpu->shadow : NULL;
	sop->op->root_hpa = sop->sv && sop->sv->cur.sp ? sop->sv->cur.sp->hpa : 0;
	sop->zapped = NULL;
}

/*
 * The one place a shadow page that was ever in use goes back to the
 * allocator, whatever zapped it (teardown, range zap, unshadow or flood,
 * root cache eviction, mode change): its HVT_PT_FREE, the counterpart of the
 * HVT_PT_ALLOC get_page emitted, with the same fields as a TDP table's
 * (pages.c): a = table hpa, b = gfn, c = unlink seq, reason deferred (after
 * a grace period) or immediate (teardown, no vCPU left), flag HVT_F_SHADOW.
 */
static void shadow_free_sp(struct mmu_vm *vm, struct qsbr_node *node, bool immediate)
{
	struct shadow_page *sp = (struct shadow_page *)node;

	trace_flagged(HVT_NO_VCPU, HVT_PT_FREE, immediate ? HVT_FREE_IMMEDIATE : HVT_FREE_DEFERRED,
		      (u8)role_level(sp->role), HVT_F_SHADOW, 0, sp->hpa, sp->gfn, sp->unlink_seq, 0, 0);
	env_free_page(sp->spt);
	env_free(sp, sizeof(*sp));
}

void shadow_op_end(struct shadow_op *sop)
{
	struct mmu_op *op = sop->op;

	/* Shadow SPTEs translate guest VIRTUAL addresses, so the gfn range the
	 * writer noted means nothing to the TLB: flush the whole ASID. */
	if (op->need_flush) {
		op->flush_start = 0;
		op->flush_end = ~0ull;
	}
	/* I6 / seed 001: a zapped SP may still sit in a paging-structure cache
	 * (it was reachable, or was a root): flush before it is retired. */
	if (sop->zapped && !op->need_flush) {
		op->need_flush = true;
		op->flush_start = 0;
		op->flush_end = ~0ull;
	}
	mmu_op_finish(op);                       /* the flush */
	while (sop->zapped) {
		struct shadow_page *sp = sop->zapped;
		sop->zapped = sp->zap_next;
		sp->rcu.free_fn = shadow_free_sp;
		qsbr_retire(op->vm, &sp->rcu);   /* Q1: after the flush */
	}
	rw_write_unlock(&op->vm->mmu_lock);
}

/* ---- roles ---------------------------------------------------------------- */
/* The CPU bits that change how a gPTE becomes an SPTE (5.1), and the
 * guest paging mode: it says how big a gPTE is, which bits are reserved and
 * which gPT format the SPs shadow, so SPs of different modes are never
 * shared and a mode change drops every root (I9). */
u32 shadow_base_role(const struct gwalk_cpu *cpu)
{
	u32 role = (u32)gwalk_mode_of(cpu) << SR_MODE_SHIFT;

	if (cpu->efer & GW_EFER_NXE)
		role |= SR_NXE;
	if (cpu->cr0 & GW_CR0_WP)
		role |= SR_WP;
	if (cpu->cr4 & GW_CR4_SMEP)
		role |= SR_SMEP;
	if (cpu->cr4 & GW_CR4_SMAP)
		role |= SR_SMAP;
	return role;
}

u64 shadow_trace_sp(struct shadow_op *sop, struct shadow_page *sp, u8 reason, u64 d)
{
	return trace_flagged(op_vcpu_id(sop->op), HVT_SP_EVENT, reason, (u8)role_level(sp->role), 0, 0,
			     sp->gfn, sp->role, sp->hpa, d, sp->root_count);
}

/* ---- the per-vCPU cache (seed 002) ------------------------------------------ */
static struct shadow_page *sp_new(void)
{
	struct shadow_page *sp = env_zalloc(sizeof(*sp));

	if (!sp)
		return NULL;
	sp->spt = env_alloc_page();   /* zeroed: the x86 empty SPTE is 0 */
	if (!sp->spt) {
		env_free(sp, sizeof(*sp));
		return NULL;
	}
	sp->hpa = env_va_to_hpa(sp->spt);
	return sp;
}

/* Before the MMU lock: enough SPs for one translation plus a root. */
int shadow_topup(struct mmu_vcpu *vcpu)
{
	struct shadow_vcpu *sv = vcpu->shadow;
	int before = sv->nobjs;

	if (before >= SHADOW_CACHE_MIN)
		return 0;
	while (sv->nobjs < SHADOW_CACHE_CAP) {
		struct shadow_page *sp = sp_new();
		if (!sp)
			break;
		sv->cache[sv->nobjs++] = sp;
	}
	trace_simple((u16)vcpu->id, HVT_CACHE_TOPUP, SHADOW_CACHE_ID, 0, 0,
		     (u64)before, SHADOW_CACHE_MIN, (u64)sv->nobjs, 0, 0);
	return sv->nobjs >= SHADOW_CACHE_MIN ? 0 : E_NOMEM;
}

static struct shadow_page *sp_from_cache(struct shadow_op *sop)
{
	struct shadow_vcpu *sv = sop->sv;

	if (!sv || sv->nobjs <= 0)
		env_panic("mmu: shadow page cache ran dry under the MMU lock: have %d, min %d (seed 002)",
			  sv ? sv->nobjs : -1, SHADOW_CACHE_MIN);
	return sv->cache[--sv->nobjs];
}

/* ---- hash ----------------------------------------------------------------- */
unsigned shadow_hash_idx(gfn_t gfn)
{
	return (unsigned)((gfn * 0x9e3779b97f4a7c15ull) >> 54) & (SHADOW_HASH_SIZE - 1);
}

unsigned shadow_rmap_idx(gfn_t gfn)
{
	return (unsigned)((gfn * 0x9e3779b97f4a7c15ull) >> 52) & (SHADOW_RMAP_SIZE - 1);
}

#define for_each_sp_of_gfn(svm, sp, g) \
	for ((sp) = (svm)->hash[shadow_hash_idx(g)]; (sp); (sp) = (sp)->hash_next) \
		if ((sp)->gfn == (g))

static void hash_remove(struct shadow_vm *svm, struct shadow_page *sp)
{
	struct shadow_page **pp = &svm->hash[shadow_hash_idx(sp->gfn)];

	for (; *pp; pp = &(*pp)->hash_next) {
		if (*pp == sp) {
			*pp = sp->hash_next;
			return;
		}
	}
	env_panic("mmu: shadow page gfn %#llx role %#x not in its hash bucket (I1)",
		  (unsigned long long)sp->gfn, sp->role);
}

/* ---- intrusive lists -------------------------------------------------------- */
static void link_add(struct shadow_link **head, struct shadow_link *l)
{
	l->next = *head;
	l->pprev = head;
	if (*head)
		(*head)->pprev = &l->next;
	*head = l;
}

static void link_del(struct shadow_link *l)
{
	*l->pprev = l->next;
	if (l->next)
		l->next->pprev = l->pprev;
	l->next = NULL;
	l->pprev = NULL;
}

struct shadow_page *shadow_page_of_link(struct shadow_link *link)
{
	struct shadow_link *first = link - link->idx;

	return (struct shadow_page *)((char *)first - offsetof(struct shadow_page, link));
}

/* ---- write protection and unsync (5.4, 5.5) ------------------------------- */
/* I4: no writable SPTE maps a gfn that has a sync (not unsync) non-direct SP.
 * Clear W (and MMU-writable) from every leaf mapping gfn. */
bool shadow_write_protect_gfn(struct shadow_op *sop, gfn_t gfn)
{
	struct mmu_vm *vm = sop->op->vm;
	const struct spte_format *f = &vm->fmt;
	bool changed = false;

	for (struct shadow_link *l = sop->svm->rmap[shadow_rmap_idx(gfn)]; l; l = l->next) {
		struct shadow_page *sp = shadow_page_of_link(l);
		u64 *sptep = sp->spt + l->idx, old = *sptep;

		if (sp->ent[l->idx].gfn != gfn || !is_writable_spte(f, old))
			continue;
		while (!tdp_write_spte(sop->op, sptep, gfn, PG_LEVEL_4K, &old,
				       old & ~(f->writable_mask | f->mmu_writable_mask), HVT_SR_WRPROT))
			;   /* lost only to the CPU setting D: retry with its value */
		changed = true;
	}
	return changed;
}

static void shadow_unsync_page(struct shadow_op *sop, struct shadow_page *sp)
{
	sp->unsync = true;
	sop->svm->nr_unsync++;
	SHADOW_STAT(sop->svm, unsyncs);
	shadow_trace_sp(sop, sp, HVT_SP_UNSYNC, 0);
}

/*
 * May a leaf mapping gfn be writable? Not while a sync non-direct SP
 * shadows gfn (I4), unless every such SP is a last-level one and the
 * caller allows unsync (a write fault; never while synchronizing, 5.5, I7):
 * then they go unsync and the guest writes its PTEs without traps.
 */
bool shadow_gfn_needs_wrprot(struct shadow_op *sop, gfn_t gfn, bool can_unsync)
{
	struct shadow_vm *svm = sop->svm;
	struct shadow_page *sp;
	bool any = false;

	if (sop->op->vm->cfg.shadow_no_unsync)
		can_unsync = false;
	for_each_sp_of_gfn(svm, sp, gfn) {
		if (!role_gpt(sp->role) || sp->unsync)
			continue;
		if (role_level(sp->role) != PG_LEVEL_4K || !can_unsync)
			return true;
		any = true;
	}
	if (!any)
		return false;
	for_each_sp_of_gfn(svm, sp, gfn)
		if (role_gpt(sp->role) && !sp->unsync)
			shadow_unsync_page(sop, sp);
	return false;
}

/* ---- lookup / create (5.1) -------------------------------------------------- */
static bool pdptr_equal(const u64 *a, const u64 *b)
{
	for (int i = 0; i < 4; i++)
		if (a[i] != b[i])
			return false;
	return true;
}

/* pdptr: the PDPTE registers a PAE root follows; all zero for other SPs.
 * A PAE guest can rewrite its PDPT without reloading CR3, so two roots for
 * the same (CR3 frame, role) may follow different PDPTEs (5.7). */
static struct shadow_page *get_page(struct shadow_op *sop, gfn_t gfn, u32 role, const u64 *pdptr,
				    bool root)
{
	static const u64 no_pdptr[4];
	struct shadow_vm *svm = sop->svm;
	struct shadow_page *sp, *next;

	if (!pdptr)
		pdptr = no_pdptr;
	for_each_sp_of_gfn(svm, sp, gfn) {
		if (sp->role == role && pdptr_equal(sp->pdptr, pdptr)) {
			shadow_lru_touch(svm, sp);      /* used: the budget reclaims it last (5.14) */
			shadow_trace_sp(sop, sp, HVT_SP_GET, 0);
			return sp;
		}
	}
	/* A gPT now used as an upper-level table cannot stay unsync: zap the
	 * unsync last-level SPs of this gfn (their SPTEs would be stale). */
	if (role_gpt(role) && role_level(role) > PG_LEVEL_4K) {
		for (sp = svm->hash[shadow_hash_idx(gfn)]; sp; sp = next) {
			next = sp->hash_next;
			if (sp->gfn == gfn && sp->unsync)
				shadow_zap_page(sop, sp, HVT_SP_ZAP);
		}
	}
	sp = sp_from_cache(sop);
	sp->role = role;
	sp->gfn = gfn;
	/* In the trace the SP's table lives from this PT_ALLOC (before any link,
	 * as for TDP) to the PT_FREE of shadow_free_sp; c = the root it is
	 * built for (a new root: itself). */
	trace_flagged(op_vcpu_id(sop->op), HVT_PT_ALLOC, 0, (u8)role_level(role), HVT_F_SHADOW, 0,
		      sp->hpa, gfn, root ? sp->hpa : sop->op->root_hpa, 0, 0);
	for (int i = 0; i < 4; i++)
		sp->pdptr[i] = pdptr[i];
	sp->hash_next = svm->hash[shadow_hash_idx(gfn)];
	svm->hash[shadow_hash_idx(gfn)] = sp;
	svm->nr_pages++;
	shadow_lru_add(svm, sp);                 /* I12 */
	if (svm->nr_pages > svm->stats.pages_peak)
		svm->stats.pages_peak = svm->nr_pages;
	SHADOW_STAT(svm, pages_created);
	shadow_trace_sp(sop, sp, HVT_SP_GET, 1);
	if (role_gpt(role)) {
		/* I4: the gPT is now shadowed; nobody may write it unseen. Flush
		 * now, not at the op's end: the caller re-checks the gPTEs after
		 * this (W6) and a stale writable TLB entry elsewhere could still
		 * change them in between. */
		if (shadow_write_protect_gfn(sop, gfn)) {
			mmu_flush_remote(sop->op->vm, op_vcpu_id(sop->op), 0, 0, 0, HVT_FR_WRPROT);
			sop->op->need_flush = false;
		}
		shadow_trace_sp(sop, sp, HVT_SP_WRPROT, 0);
	}
	return sp;
}

struct shadow_page *shadow_get_page(struct shadow_op *sop, gfn_t gfn, u32 role)
{
	return get_page(sop, gfn, role, NULL, false);
}

struct shadow_page *shadow_get_root(struct shadow_op *sop, gfn_t gfn, u32 role, const u64 *pdptr)
{
	return get_page(sop, gfn, role, (role & SR_PAE_ROOT) ? pdptr : NULL, true);
}

/* ---- the gPTEs behind an SP (4- or 8-byte, quadrants: shadow_int.h) -------- */
int shadow_gpte_size(const struct shadow_page *sp)
{
	return (sp->role & SR_4B) ? 4 : 8;
}

gpa_t shadow_gpte_gpa(const struct shadow_page *sp, int i)
{
	gpa_t table = (gpa_t)sp->gfn << PAGE_SHIFT;
	u32 q = role_quadrant(sp->role);

	if (!(sp->role & SR_4B))
		return table + (gpa_t)i * 8;
	if (role_level(sp->role) == PG_LEVEL_4K)
		return table + (gpa_t)(q * 512 + (u32)i) * 4;     /* PT half q */
	return table + (gpa_t)(q * 256 + (u32)i / 2) * 4;         /* PD quarter q, 2 SPTEs per gPDE */
}

int shadow_read_sp_gpte(struct mmu_vm *vm, const struct shadow_page *sp, int i, u64 *gpte)
{
	return shadow_read_gpte(vm, shadow_gpte_gpa(sp, i), shadow_gpte_size(sp), gpte);
}

int shadow_sptes_of_gpte(const struct shadow_page *sp, u32 off, int *first)
{
	u32 q = role_quadrant(sp->role), g;

	if (!(sp->role & SR_4B)) {
		*first = (int)(off / 8);
		return 1;
	}
	g = off / 4;                                  /* gPTE index, 0..1023 */
	if (role_level(sp->role) == PG_LEVEL_4K) {
		if (g / 512 != q)
			return 0;                     /* the other half of the gPT */
		*first = (int)(g % 512);
		return 1;
	}
	if (g / 256 != q)
		return 0;                             /* another quarter of the gPD */
	*first = (int)(g % 256) * 2;
	return 2;
}

void shadow_role_cpu(const struct gwalk_cpu *cpu, u32 role, struct gwalk_cpu *out)
{
	*out = *cpu;
	out->cr4 &= ~(u64)(GW_CR4_PAE | GW_CR4_LA57 | GW_CR4_SMEP | GW_CR4_SMAP);
	out->efer &= ~(u64)(GW_EFER_LMA | GW_EFER_NXE);
	out->cr0 = (out->cr0 & ~(u64)GW_CR0_WP) | GW_CR0_PG;
	switch (role_mode(role)) {
	case GWALK_MODE_5LEVEL: out->cr4 |= GW_CR4_LA57; /* fall through */
	case GWALK_MODE_4LEVEL: out->efer |= GW_EFER_LMA; /* fall through */
	case GWALK_MODE_PAE:    out->cr4 |= GW_CR4_PAE; break;
	default:                break;
	}
	if (role & SR_NXE)
		out->efer |= GW_EFER_NXE;
	if (role & SR_WP)
		out->cr0 |= GW_CR0_WP;
	if (role & SR_SMEP)
		out->cr4 |= GW_CR4_SMEP;
	if (role & SR_SMAP)
		out->cr4 |= GW_CR4_SMAP;
}

/* ---- SPTEs of an SP ------------------------------------------------------------ */
void shadow_link_child(struct shadow_op *sop, struct shadow_page *sp, int i,
		       struct shadow_page *child)
{
	u64 old = sp->spt[i];

	if (is_mmu_present_spte(old))
		env_panic("mmu: shadow link over a present SPTE %#llx (I3)", (unsigned long long)old);
	u64 link = make_nonleaf_spte(&sop->op->vm->fmt, child->hpa);

	/* A PAE PDPTE has R/W, U/S and bits 5..8 reserved (SDM 4.4.1): P and
	 * the address only (bit 11, MMU-present, is ignored by the CPU). */
	if (sp->role & SR_PAE_ROOT)
		link &= ~(X86_W | X86_U);
	tdp_write_spte(sop->op, sp->spt + i, child->gfn, role_level(sp->role), &old, link, HVT_SR_MAP);
	sp->ent[i].child = child;
	sp->link[i].idx = (u16)i;
	link_add(&child->parents, &sp->link[i]);   /* I3 */
}

/* Install a leaf (empty, or the same page with other rights: M2 forbids
 * changing the page in place, callers drop first). */
void shadow_set_leaf(struct shadow_op *sop, struct shadow_page *sp, int i, gfn_t gfn,
		     u32 access, u64 new_spte, u8 reason)
{
	u64 old = sp->spt[i];
	bool was_present = is_mmu_present_spte(old);

	while (!tdp_write_spte(sop->op, sp->spt + i, gfn, PG_LEVEL_4K, &old, new_spte, reason))
		;   /* lost only to the CPU setting D */
	sp->access[i] = (u8)access;
	if (!was_present) {
		sp->ent[i].gfn = gfn;
		sp->link[i].idx = (u16)i;
		link_add(&sop->svm->rmap[shadow_rmap_idx(gfn)], &sp->link[i]);   /* I2 */
	}
}

static bool orphan(const struct shadow_page *sp)
{
	return !sp->parents && !sp->root_count;
}

/* Empty SPTE i: a leaf leaves the rmap; a link leaves the child's parent
 * list, and a child nobody links any more is zapped (no orphans, I5). */
void shadow_drop_spte(struct shadow_op *sop, struct shadow_page *sp, int i)
{
	const struct spte_format *f = &sop->op->vm->fmt;
	int level = role_level(sp->role);
	u64 old = sp->spt[i];
	bool leaf;

	if (!is_mmu_present_spte(old))
		return;
	leaf = is_last_spte(f, old, level);
	while (!tdp_write_spte(sop->op, sp->spt + i, leaf ? sp->ent[i].gfn : sp->ent[i].child->gfn,
			       level, &old, f->nonpresent_value, sop->op->zap_reason))
		;
	link_del(&sp->link[i]);
	if (!leaf) {
		struct shadow_page *child = sp->ent[i].child;
		sp->ent[i].child = NULL;
		child->unlink_seq = sop->op->last_seq;   /* the last drop is its unlink */
		if (orphan(child))
			shadow_zap_page(sop, child, HVT_SP_ZAP);
	}
}

/* Zap an SP: empty it, unlink it from its parents, drop it from the hash.
 * Freed after the op's flush, or when its last root reference goes (I6). */
void shadow_zap_page(struct shadow_op *sop, struct shadow_page *sp, u8 why)
{
	struct shadow_vm *svm = sop->svm;
	u64 zap_seq;

	if (sp->role & SR_INVALID)
		return;
	zap_seq = shadow_trace_sp(sop, sp, why, 0);
	hash_remove(svm, sp);
	shadow_lru_del(svm, sp);                 /* I12: valid SPs only */
	sp->role |= SR_INVALID;
	svm->nr_pages--;
	SHADOW_STAT(svm, pages_zapped);
	if (sp->unsync) {
		sp->unsync = false;
		svm->nr_unsync--;
	}
	/* Exclusive removal (seed 003, as tdp_teardown.c): only the present
	 * entries are written; the empty ones are skipped and counted. The
	 * shadow MMU has no MMIO SPTEs, and nothing can fill an entry of an SP
	 * under the write lock, so there is no shared variant. */
	for (int i = 0; i < SPTE_ENT_PER_PAGE; i++) {
		if (!is_mmu_present_spte(sp->spt[i])) {
			sop->op->skipped++;
			STAT_INC(sop->op->vm, removed_skipped);
			continue;
		}
		STAT_INC(sop->op->vm, removed_present);
		shadow_drop_spte(sop, sp, i);
	}
	while (sp->parents) {
		struct shadow_link *l = sp->parents;
		shadow_drop_spte(sop, shadow_page_of_link(l), l->idx);
	}
	/* A root is linked by no table: its unlink is the last record of this
	 * zap, the last SPTE change emptying its tree or, if it held nothing,
	 * the zap's SP_EVENT. The op's flush follows either (I6), so the free has
	 * a covering flush after its unlink (pt_lifetimes.flush_seq). */
	if (!sp->unlink_seq)
		sp->unlink_seq = sop->op->last_seq > zap_seq ? sop->op->last_seq : zap_seq;
	if (!sp->root_count) {
		sp->zap_next = sop->zapped;
		sop->zapped = sp;
	}
}

/* A vCPU stops using sp as a root (cache eviction, mode change, teardown). */
void shadow_put_root(struct shadow_op *sop, struct shadow_page *sp)
{
	if (!sp->root_count)
		env_panic("mmu: shadow root gfn %#llx put with root_count 0", (unsigned long long)sp->gfn);
	if (--sp->root_count)
		return;
	if (sp->role & SR_INVALID) {
		sp->zap_next = sop->zapped;      /* zapped while in use: free now (I6) */
		sop->zapped = sp;
	} else if (!sp->parents) {
		/* An unused root keeps its gPT write-protected and its SPs alive:
		 * zap it; a CR3 load that needs it again rebuilds it. */
		shadow_zap_page(sop, sp, HVT_SP_ZAP);
	}
}

/* ---- leaf SPTEs ---------------------------------------------------------------- */
/* The leaf for gfn with guest rights access (GWALK_ACC_*): W only with
 * GWALK_ACC_W and a writable slot, U only with GWALK_ACC_U, NX without
 * GWALK_ACC_X. accessed=false for prefetch (aging still sees it unused).
 * dirty=true: made for a write fault. In a dirty-logged slot W only then
 * (5.15, as KVM): a leaf made for a read, a sync or a prefetch stays
 * read-only, so the guest's first write faults and the fault logs it. */
u64 shadow_make_leaf(struct mmu_vm *vm, const struct memslot *slot, gfn_t gfn, u32 access,
		     bool accessed, bool dirty)
{
	const struct spte_format *f = &vm->fmt;
	pfn_t pfn = (slot->backing >> PAGE_SHIFT) + (gfn - slot->base_gfn);
	bool host_w = !(slot->flags & HC_MEM_READONLY);
	bool w = (access & GWALK_ACC_W) && host_w &&
		 (dirty || !(slot->flags & HC_MEM_LOG_DIRTY));
	u64 spte = make_leaf_spte(f, pfn, PG_LEVEL_4K, w, w, host_w, dirty);

	if (!(access & GWALK_ACC_U))
		spte &= ~f->user_mask;
	if (!(access & GWALK_ACC_X))
		spte |= f->nx_mask;
	if (!accessed)
		spte &= ~f->accessed_mask;
	return spte;
}

/* Would the CPU allow this access (MMU_PF_*) through the leaf? */
bool shadow_spte_allows(const struct spte_format *f, u64 spte, u32 error)
{
	if (!is_mmu_present_spte(spte))
		return false;
	if ((error & MMU_PF_WRITE) && !is_writable_spte(f, spte))
		return false;
	if ((error & MMU_PF_USER) && !(spte & f->user_mask))
		return false;
	if ((error & MMU_PF_FETCH) && (spte & f->nx_mask))
		return false;
	return true;
}

/* ---- guest memory under the MMU lock ------------------------------------------ */
static void *gpa_to_va_locked(struct mmu_vm *vm, gpa_t gpa, bool write)
{
	struct memslot *slot = memslot_lookup(vm, gpa >> PAGE_SHIFT);

	if (!slot || (slot->flags & HC_MEM_ALLONES) || (write && (slot->flags & HC_MEM_READONLY)))
		return NULL;
	return env_hpa_to_va(slot->backing + (gpa - (slot->base_gfn << PAGE_SHIFT)));
}

int shadow_read_gpte(struct mmu_vm *vm, gpa_t gpa, int size, u64 *gpte)
{
	void *va = gpa_to_va_locked(vm, gpa, false);

	if (!va)
		return E_FAULT;
	*gpte = size == 4 ? __atomic_load_n((volatile u32 *)va, __ATOMIC_ACQUIRE)
			  : atomic_load_acquire((volatile u64 *)va);   /* never torn */
	return 0;
}

static int locked_read_gpte(void *ctx, gpa_t gpa, u64 *val, int size)
{
	void *va = gpa_to_va_locked(ctx, gpa, false);

	if (!va)
		return E_FAULT;
	*val = size == 4 ? __atomic_load_n((volatile u32 *)va, __ATOMIC_ACQUIRE)
			 : atomic_load_acquire((volatile u64 *)va);
	return 0;
}

static int locked_cmpxchg_gpte(void *ctx, gpa_t gpa, u64 old, u64 new_val, int size)
{
	return E_FAULT;   /* re-checks only read (W6) */
}

void shadow_bind_locked_mem(struct gwalk_mem *mem, struct mmu_vm *vm)
{
	mem->read_gpte = locked_read_gpte;
	mem->cmpxchg_gpte = locked_cmpxchg_gpte;
	mem->ctx = vm;
}


int shadow_write_guest_locked(struct mmu_vm *vm, gpa_t gpa, const void *bytes, int len)
{
	u8 *va = gpa_to_va_locked(vm, gpa, true);
	const u8 *src = bytes;

	if (!va || ((gpa & (PAGE_SIZE - 1)) + (u64)len) > PAGE_SIZE)
		return E_FAULT;
	if (len == 8 && !(gpa & 7)) {
		u64 v;
		__builtin_memcpy(&v, src, 8);
		__atomic_store_n((volatile u64 *)va, v, __ATOMIC_RELEASE);   /* no torn gPTE */
	} else if (len == 4 && !(gpa & 3)) {
		u32 v;
		__builtin_memcpy(&v, src, 4);
		__atomic_store_n((volatile u32 *)va, v, __ATOMIC_RELEASE);
	} else {
		for (int i = 0; i < len; i++)
			((volatile u8 *)va)[i] = src[i];
	}
	return 0;
}
