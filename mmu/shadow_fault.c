/*
 * shadow_fault.c: the shadow page fault (mmu/SHADOW.md 5.2) and prefetch (5.6).
 *
 *   mmu_shadow_page_fault(gva, error)
 *     |- gwalk() the guest tables, no lock (W5); sets the guest's A/D bits
 *     |    guest fault ----------------------------> MMU_FAULT_INJECT (#PF, CR2)
 *     |- top up the SP cache (seed 002)
 *     `- MMU lock for write:
 *          walk the shadow tables from the root along gva, creating and
 *          linking SPs (a gPT level -> its SP, for a 32-bit guest the
 *          quadrant of its 4-byte gPT; below a guest huge page or with
 *          paging off -> direct SPs), re-checking the gPTEs (W6) before
 *          each link;
 *          build the leaf: no W until the gPTE is dirty, no W on a frame
 *          that holds a shadowed gPT (I4) unless it can go unsync; a write
 *          that needs W there ------------------------> MMU_FAULT_EMULATE
 *          no W on a read fault in a dirty-logged slot (5.15);
 *          install, then prefetch neighbouring gPTEs
 * Traced: HVT_FAULT / HVT_FAULT_END kind HVT_FK_SHADOW, the walk's
 * HVT_WALK_STEPs, SP events, HVT_SPTE_CHANGE with HVT_F_SHADOW.
 */
#include "shadow_int.h"

struct sfault {
	const struct gwalk_cpu *cpu;  /* the guest's paging state */
	gva_t gva;                    /* faulting address */
	u32   error;                  /* hardware #PF error code (MMU_PF_*) */
	bool  paging;                 /* CR0.PG */
	struct gwalk_result res;      /* the walk (paging on) */
	gfn_t gfn;                    /* the guest frame gva maps */
	u64   writes;                 /* SPTE writes, for HVT_FAULT_END */
	struct mmu_shadow_fault *out; /* what hv needs for INJECT / EMULATE / MMIO */
};

static int index_of(gva_t gva, int level)
{
	return (int)((gva >> (PAGE_SHIFT + SPTE_LEVEL_BITS * (level - 1))) & (SPTE_ENT_PER_PAGE - 1));
}

/* Guest rights for the leaf, with "no W until the gPTE is dirty" (KVM's
 * protect_clean_gpte: the write faults and the walker sets D) and the
 * CR0.WP=0 rule (a supervisor write to a read-only page: W but not U, so
 * user accesses still fault; and not X under SMEP, or the supervisor could
 * now fetch from what the guest calls a user page). */
static u32 leaf_access(struct sfault *sf)
{
	u32 acc;

	if (!sf->paging)
		return GWALK_ACC_ALL;
	acc = sf->res.access;
	if (!(sf->res.gptes[sf->res.level - 1] & GPTE_D))
		acc &= ~GWALK_ACC_W;
	if (!(sf->cpu->cr0 & GW_CR0_WP) && (sf->error & MMU_PF_WRITE) &&
	    !(sf->error & MMU_PF_USER) && !(acc & GWALK_ACC_W)) {
		acc = (acc | GWALK_ACC_W) & ~GWALK_ACC_U;
		if (sf->cpu->cr4 & GW_CR4_SMEP)
			acc &= ~GWALK_ACC_X;
	}
	return acc;
}

/* Role of the SP that SPTE i of parent (level L) links to. */
static u32 child_role(struct sfault *sf, struct shadow_page *parent, gfn_t *cgfn)
{
	int level = role_level(parent->role);
	u32 base = parent->role & SR_BASE_MASK;   /* not SR_PAE_ROOT, SR_4B, quadrant */

	if (sf->paging && !role_direct(parent->role) && level - 1 >= sf->res.level) {
		/* The guest has a table at level-1: shadow it. Its access is the
		 * parent's AND the gPTE linking it (5.1). A PAE root has no gPTE
		 * with rights: PDPTE registers carry none (SDM 4.4.1), and a
		 * 32-bit guest has no entry at all above its PD. */
		u32 acc = role_access(parent->role);
		u32 role;

		if (!(parent->role & SR_PAE_ROOT))
			acc &= gwalk_gpte_access(sf->cpu, level, sf->res.gptes[level - 1]);
		*cgfn = sf->res.gpte_gpa[level - 2] >> PAGE_SHIFT;
		role = base | (u32)(level - 1) | (acc << SR_ACC_SHIFT);
		/* 32-bit guest: the part of the 4-byte gPT this SP covers. For
		 * the PD (level 2) that is the PAE root entry's index, for a PT
		 * the half selected by gva bit 21 (shadow_int.h, quadrants). */
		if (role_mode(base) == GWALK_MODE_32)
			role |= SR_4B | (shadow_quadrant_of(sf->gva, level - 1) << SR_QUAD_SHIFT);
		return role;
	}
	/* Paging off, or below a guest 2M/1G/4M leaf: a direct SP for the
	 * region of the parent's entry (2 MiB: half of a 32-bit guest's 4 MiB
	 * page), with the rights its leaves get (KVM: direct_access): W only
	 * once the guest's leaf is dirty, and the CR0.WP=0 rule. A direct SP is
	 * shared by every guest entry that maps the same region with the same
	 * rights, so a clean entry must not find the W leaves installed
	 * through a dirty one (its D would never be set). */
	*cgfn = sf->gfn & ~(pages_per_level(level) - 1);
	return base | SR_DIRECT | (u32)(level - 1) | (leaf_access(sf) << SR_ACC_SHIFT);
}

/* ---- prefetch (5.6) ------------------------------------------------------- */
static void prefetch_gptes(struct shadow_op *sop, struct sfault *sf, struct shadow_page *sp, int idx)
{
	struct mmu_vm *vm = sop->op->vm;
	int first = idx & ~(SHADOW_PREFETCH - 1);
	struct gwalk_cpu rcpu;          /* how this SP's gPTEs read (its mode) */

	if (vm->cfg.shadow_no_prefetch || !role_gpt(sp->role) || sp->unsync)
		return;
	shadow_role_cpu(sf->cpu, sp->role, &rcpu);
	for (int i = first; i < first + SHADOW_PREFETCH; i++) {
		u64 gpte;
		u32 acc;
		gfn_t gfn;
		struct memslot *slot;

		if (i == idx || is_mmu_present_spte(sp->spt[i]))
			continue;
		if (shadow_read_sp_gpte(vm, sp, i, &gpte))   /* 4 or 8 bytes, its quadrant */
			return;
		/* Only what the guest already used (A) and may be valid. */
		if (!(gpte & GPTE_P) || !(gpte & GPTE_A) || gwalk_gpte_rsvd_bits(&rcpu, 1, gpte))
			continue;
		gfn = gwalk_leaf_gpa(&rcpu, gwalk_mode_of(&rcpu), 1, gpte, 0) >> PAGE_SHIFT;
		slot = memslot_lookup(vm, gfn);
		if (!slot || (slot->flags & (HC_MEM_ALLONES | HC_MEM_LOG_DIRTY)))
			continue;
		acc = role_access(sp->role) & gwalk_gpte_access(&rcpu, 1, gpte);
		if (!(gpte & GPTE_D))
			acc &= ~GWALK_ACC_W;
		u32 spte_acc = acc;
		if ((acc & GWALK_ACC_W) && shadow_gfn_needs_wrprot(sop, gfn, false))
			spte_acc &= ~GWALK_ACC_W;
		shadow_set_leaf(sop, sp, i, gfn, acc,
				shadow_make_leaf(vm, slot, gfn, spte_acc, false, false), HVT_SR_PREFETCH);
		SHADOW_STAT(sop->svm, prefetched);
	}
}

/* ---- the locked part ------------------------------------------------------------ */
static enum mmu_fault_result shadow_map(struct shadow_op *sop, struct sfault *sf)
{
	struct mmu_vm *vm = sop->op->vm;
	const struct spte_format *f = &vm->fmt;
	struct shadow_page *sp = sop->sv->cur.sp;
	struct memslot *slot;
	u32 acc, spte_acc;
	bool write = sf->error & MMU_PF_WRITE;
	int i;

	struct gwalk_mem mem;            /* gPTE re-checks under the lock (W6) */

	if (!sp || (sp->role & SR_INVALID))
		return MMU_FAULT_RETRY;          /* hv reloads the root (mmu_shadow_load) */
	shadow_bind_locked_mem(&mem, vm);
	for (int level = role_level(sp->role); level > PG_LEVEL_4K; level--) {
		sp->write_flooding = 0;          /* used by a fault: not a data page (5.4) */
		shadow_lru_touch(sop->svm, sp);  /* and the budget reclaims it last (5.14) */
		i = index_of(sf->gva, level);
		gfn_t cgfn;
		u32 role = child_role(sf, sp, &cgfn);
		if (is_mmu_present_spte(sp->spt[i]) &&
		    (sp->ent[i].child->role != role || sp->ent[i].child->gfn != cgfn)) {
			/* The linked SP is not the one this translation needs: the
			 * guest's large page went from clean to dirty, or a CR0.WP=0
			 * write needs W without U (a direct SP of other rights;
			 * KVM: validate_direct_spte). Unlink it (flushed at the
			 * op's end, before the vCPU runs) and link the right one. */
			shadow_drop_spte(sop, sp, i);
		}
		if (!is_mmu_present_spte(sp->spt[i])) {
			struct shadow_page *child = shadow_get_page(sop, cgfn, role);
			/* W6, before the link (KVM: FNAME(gpte_changed) in fetch):
			 * the gPT is write-protected now (I4, flushed by
			 * shadow_get_page); if the guest changed a gPTE of the walk
			 * before that, a link built from the stale walk would stay
			 * behind the retry and send later faults down the wrong table. */
			if (sf->paging && gwalk_recheck(sf->cpu, &mem, &sf->res) != 0) {
				if (!child->parents && !child->root_count)
					shadow_zap_page(sop, child, HVT_SP_ZAP);   /* no orphan (I5) */
				return MMU_FAULT_RETRY;
			}
			shadow_link_child(sop, sp, i, child);
		}
		sp = sp->ent[i].child;
	}
	sp->write_flooding = 0;
	shadow_lru_touch(sop->svm, sp);
	/* W6 for the leaf gPTE (every level was write-protected by now). */
	if (sf->paging && gwalk_recheck(sf->cpu, &mem, &sf->res) != 0)
		return MMU_FAULT_RETRY;
	slot = memslot_lookup(vm, sf->gfn);
	if (!slot || (slot->flags & HC_MEM_ALLONES) || ((slot->flags & HC_MEM_READONLY) && write)) {
		sf->out->gpa = ((gpa_t)sf->gfn << PAGE_SHIFT) | (sf->gva & (PAGE_SIZE - 1));
		sf->out->mmio_kind = !slot ? HVT_MMIO_UNBACKED :
				     (slot->flags & HC_MEM_ALLONES) ? HVT_MMIO_ALLONES : HVT_MMIO_READONLY;
		return MMU_FAULT_MMIO;           /* emulated; never cached as an SPTE */
	}
	i = index_of(sf->gva, PG_LEVEL_4K);
	acc = spte_acc = leaf_access(sf);
	if ((acc & GWALK_ACC_W) && shadow_gfn_needs_wrprot(sop, sf->gfn, write)) {
		if (write) {
			/* The guest writes one of its own (shadowed) page tables. */
			sf->out->gpa = ((gpa_t)sf->gfn << PAGE_SHIFT) | (sf->gva & (PAGE_SIZE - 1));
			return MMU_FAULT_EMULATE;
		}
		spte_acc &= ~GWALK_ACC_W;
	}
	u64 old = sp->spt[i];
	u64 new_spte = shadow_make_leaf(vm, slot, sf->gfn, spte_acc, true, write);
	if (is_mmu_present_spte(old) && sp->ent[i].gfn == sf->gfn && shadow_spte_allows(f, old, sf->error))
		return MMU_FAULT_SPURIOUS;
	if (is_mmu_present_spte(old) && sp->ent[i].gfn != sf->gfn)
		shadow_drop_spte(sop, sp, i);    /* M2: another page: empty it first */
	else if (is_mmu_present_spte(old))
		new_spte |= old & (f->accessed_mask | f->dirty_mask);
	shadow_set_leaf(sop, sp, i, sf->gfn, acc, new_spte, HVT_SR_MAP);
	/* Dirty logging (5.15): in a logged slot shadow_make_leaf gives W only
	 * for a write fault, so a W leaf here is this fault's write, logged
	 * after the SPTE is in place (D2). A read fault of a dirty gPTE gets
	 * W only when the slot is not logged (it saves the write's fault),
	 * and there mark_page_dirty does nothing. */
	if (is_writable_spte(f, new_spte))
		mark_page_dirty(vm, slot, sf->gfn, 1);
	prefetch_gptes(sop, sf, sp, i);
	return MMU_FAULT_FIXED;
}

static u16 result_to_trace(enum mmu_fault_result r)
{
	switch (r) {
	case MMU_FAULT_FIXED:    return HVT_FR_FIXED;
	case MMU_FAULT_SPURIOUS: return HVT_FR_SPURIOUS;
	case MMU_FAULT_RETRY:    return HVT_FR_RETRY;
	case MMU_FAULT_MMIO:     return HVT_FR_MMIO;
	case MMU_FAULT_INJECT:   return HVT_FR_INJECTED;
	case MMU_FAULT_EMULATE:  return HVT_FR_EMULATED;
	default:                 return HVT_FR_ERROR;
	}
}

static enum mmu_fault_result shadow_walk_guest(struct mmu_vcpu *vcpu, struct sfault *sf)
{
	struct gwalk_mem mem;
	u32 access = sf->error & (GWALK_WRITE | GWALK_USER | GWALK_FETCH);
	int rc;

	if (!sf->paging) {
		sf->gfn = sf->gva >> PAGE_SHIFT;   /* W3: identity, not truncated */
		return 0;
	}
	if ((int)gwalk_mode_of(sf->cpu) != role_mode(vcpu->shadow->base_role))
		return MMU_FAULT_ERROR;            /* hv changed CR0/CR4/EFER without mmu_shadow_load */
	gwalk_mem_bind_vm(&mem, vcpu->vm);     /* no lock held (W5) */
	rc = gwalk(sf->cpu, &mem, sf->gva, access, &sf->res);
	if (rc == E_BUSY)
		return MMU_FAULT_RETRY;            /* lost A/D races: let it fault again */
	if (rc)
		return MMU_FAULT_ERROR;            /* a gPT outside RAM: hv stops the VM */
	if (sf->res.fault) {
		sf->out->error_code = sf->res.error_code;
		sf->out->cr2 = sf->gva;
		return MMU_FAULT_INJECT;
	}
	sf->gfn = sf->res.gpa >> PAGE_SHIFT;
	return 0;
}

enum mmu_fault_result mmu_shadow_page_fault(struct mmu_vcpu *vcpu, const struct gwalk_cpu *cpu,
					    gva_t gva, u32 error, u64 guest_rip,
					    struct mmu_shadow_fault *out)
{
	struct mmu_vm *vm = vcpu->vm;
	struct mmu_shadow_fault dummy;
	struct gwalk_cpu wcpu = *cpu;
	struct sfault sf = {
		.cpu = &wcpu, .gva = gva, .error = error, .paging = (cpu->cr0 & GW_CR0_PG) != 0,
		.out = out ? out : &dummy,
	};
	u64 fault_seq = env_trace_reserve();
	struct hvt_record start = {
		.seq = fault_seq, .vcpu = (u16)vcpu->id, .type = HVT_FAULT, .reason = HVT_FK_SHADOW,
		.a = gva, .b = error, .d = guest_rip,
	};
	enum mmu_fault_result r;
	struct shadow_op sop;

	env_trace_emit(&start);
	if (!vm->shadow || !vcpu->shadow || !vcpu->shadow->loaded) {
		r = MMU_FAULT_ERROR;               /* hv must mmu_shadow_load first */
		goto out;
	}
	SHADOW_STAT(vm->shadow, faults);
	/* A PAE guest's walk uses the PDPTE registers the root was built
	 * from (loaded at mmu_shadow_load, as the CPU loads them at MOV CR3),
	 * not the PDPT in memory now, whatever hv passes. */
	wcpu.pdptrs = gwalk_mode_of(cpu) == GWALK_MODE_PAE ? vcpu->shadow->pdptrs : NULL;
	r = shadow_walk_guest(vcpu, &sf);
	if (!r && shadow_topup(vcpu))
		r = MMU_FAULT_ERROR;
	if (!r) {
		shadow_op_begin(&sop, vm, vcpu);
		/* The budget (5.14): room for the SPs this fault may create,
		 * made before the walk links anything. */
		shadow_make_room(&sop, SHADOW_FAULT_PAGES);
		r = shadow_map(&sop, &sf);
		sf.writes = sop.op->writes;
		shadow_op_end(&sop);
	}
	switch (r) {
	case MMU_FAULT_INJECT:   SHADOW_STAT(vm->shadow, injected); break;
	case MMU_FAULT_EMULATE:  SHADOW_STAT(vm->shadow, emulated); break;
	case MMU_FAULT_FIXED:    SHADOW_STAT(vm->shadow, fixed); break;
	case MMU_FAULT_SPURIOUS: SHADOW_STAT(vm->shadow, spurious); break;
	default: break;
	}
out:
	trace_simple((u16)vcpu->id, HVT_FAULT_END, HVT_FK_SHADOW, 0, result_to_trace(r),
		     gva, fault_seq, r == MMU_FAULT_FIXED ? PG_LEVEL_4K : 0, sf.writes,
		     ((u64)sf.gfn << PAGE_SHIFT));
	return r;
}
