/*
 * shadow_sync.c: keeping shadow pages coherent with the guest's tables:
 * unsync pages and sync_page (5.5, seed 000), INVLPG (5.8), emulated writes
 * to write-protected gPTs and flooding (5.4), CR3 loads and the root cache
 * (5.7), setup and teardown.
 *
 * Sync points (when the guest's own TLB rules say its PTE changes must be
 * visible): CR3 load (mmu_shadow_load), INVLPG (mmu_shadow_invlpg, one
 * SPTE). Unsync pages are found by scanning the SP hash when nr_unsync > 0
 * (KVM follows unsync_children bitmaps from the root instead; the scan
 * syncs pages of other address spaces too, which is more work, never wrong).
 */
#include "shadow_int.h"



/* ---- sync (5.5) ----------------------------------------------------------- */
static void drop_and_count(struct shadow_op *sop, struct shadow_page *sp, int i)
{
	u64 before = sop->op->writes;

	shadow_drop_spte(sop, sp, i);
	sop->svm->stats.sync_changed++;
	sop->svm->stats.sync_writes += sop->op->writes - before;
}

/*
 * Re-derive SPTE i of an unsync (or INVLPG'd) last-level SP from its gPTE.
 * The gPTE is read as the SP's role says: 8 bytes at i * 8, or for a
 * 32-bit guest 4 bytes at (512 * quadrant + i) * 4 (shadow_int.h), and
 * judged in the SP's paging mode (whichever vCPU syncs it).
 *  - gPTE not present, not accessed, reserved bits, other frame: drop.
 *  - otherwise shadow_sync_leaf (shadow_sync_leaf.c, lab 03) decides
 *    whether the SPTE must be rewritten.
 */
void shadow_sync_spte(struct shadow_op *sop, struct shadow_page *sp, int i)
{
	struct mmu_vm *vm = sop->op->vm;
	struct gwalk_cpu cpu;
	u64 old = sp->spt[i], gpte;
	struct memslot *slot;
	gfn_t gfn;

	if (!is_mmu_present_spte(old))
		return;   /* nothing cached: the next access faults and walks */
	shadow_role_cpu(&sop->sv->cpu, sp->role, &cpu);
	if (shadow_read_sp_gpte(vm, sp, i, &gpte) ||
	    !(gpte & GPTE_P) || !(gpte & GPTE_A) || gwalk_gpte_rsvd_bits(&cpu, 1, gpte)) {
		drop_and_count(sop, sp, i);
		return;
	}
	gfn = gwalk_leaf_gpa(&cpu, gwalk_mode_of(&cpu), 1, gpte, 0) >> PAGE_SHIFT;
	slot = memslot_lookup(vm, gfn);
	if (gfn != sp->ent[i].gfn || !slot || (slot->flags & HC_MEM_ALLONES)) {
		drop_and_count(sop, sp, i);
		return;
	}
	shadow_sync_leaf(sop, sp, i, slot, gpte);
}

void shadow_sync_page(struct shadow_op *sop, struct shadow_page *sp)
{
	struct shadow_vm *svm = sop->svm;

	/* Write-protect the gPT again and flush BEFORE reading it: a guest
	 * write through a stale writable TLB entry after the read would be
	 * lost with the page marked sync (I4). */
	sp->unsync = false;
	svm->nr_unsync--;
	if (shadow_write_protect_gfn(sop, sp->gfn)) {
		mmu_flush_remote(sop->op->vm, op_vcpu_id(sop->op), 0, 0, 0, HVT_FR_SYNC);
		sop->op->need_flush = false;
	}
	SHADOW_STAT(svm, syncs);
	shadow_trace_sp(sop, sp, HVT_SP_SYNC, 0);
	for (int i = 0; i < SPTE_ENT_PER_PAGE; i++)
		shadow_sync_spte(sop, sp, i);
}

void shadow_sync_all(struct shadow_op *sop)
{
	struct shadow_vm *svm = sop->svm;

	for (int b = 0; b < SHADOW_HASH_SIZE && svm->nr_unsync; b++)
		for (struct shadow_page *sp = svm->hash[b]; sp; sp = sp->hash_next)
			if (sp->unsync)
				shadow_sync_page(sop, sp);
}

/* ---- setup -------------------------------------------------------------------- */
static void shadow_destroy(struct mmu_vm *vm);
static void shadow_vcpu_destroy(struct mmu_vcpu *vcpu);

static int shadow_ensure(struct mmu_vcpu *vcpu)
{
	struct mmu_vm *vm = vcpu->vm;

	if (vm->cfg.format != MMU_FORMAT_X86 || vm->cfg.levels != 4)
		return E_NOTSUP;   /* shadow SPTEs are what the CPU walks: x86 4-level */
	if (!__atomic_load_n(&vm->shadow, __ATOMIC_ACQUIRE)) {
		struct shadow_vm *svm = env_zalloc(sizeof(*svm));   /* outside the lock */
		if (!svm)
			return E_NOMEM;
		rw_write_lock(&vm->mmu_lock, (u32)vcpu->id);
		if (!vm->shadow) {
			vm->shadow_destroy = shadow_destroy;
			vm->shadow_vcpu_destroy = shadow_vcpu_destroy;
			shadow_install_range_hooks(vm);
			__atomic_store_n(&vm->shadow, svm, __ATOMIC_RELEASE);
			svm = NULL;
		}
		rw_write_unlock(&vm->mmu_lock);
		if (svm)
			env_free(svm, sizeof(*svm));
	}
	if (!vcpu->shadow) {
		vcpu->shadow = env_zalloc(sizeof(*vcpu->shadow));
		if (!vcpu->shadow)
			return E_NOMEM;
	}
	return 0;
}

/* ---- roots and CR3 loads (5.7) --------------------------------------------- */
/* Every root of the vCPU: mode change (I9), vCPU destroy, VM teardown. */
void shadow_drop_all_roots(struct shadow_op *sop, struct shadow_vcpu *sv)
{
	if (sv->cur.sp)
		shadow_put_root(sop, sv->cur.sp);
	sv->cur = (struct shadow_root){0};
	for (int i = 0; i < SHADOW_PREV_ROOTS; i++) {
		if (sv->prev[i].sp)
			shadow_put_root(sop, sv->prev[i].sp);
		sv->prev[i] = (struct shadow_root){0};
	}
}

static bool root_matches(const struct shadow_root *r, u64 cr3, u32 role, const u64 *pdptr)
{
	if (!r->sp || r->cr3 != cr3 || r->sp->role != role)   /* an invalid root never matches */
		return false;
	for (int i = 0; i < 4 && (role & SR_PAE_ROOT); i++)
		if (r->sp->pdptr[i] != pdptr[i])
			return false;                 /* PAE: the guest rewrote its PDPT */
	return true;
}

/* Make (cr3, role) current: the current root, a cached one (swapped in), or
 * a new one; the old current root goes to the front of the cache, the least
 * recently used cached root is dropped (I9: one root_count per slot). */
static void switch_root(struct shadow_op *sop, struct shadow_vcpu *sv, u64 cr3, u32 role,
			const u64 *pdptr)
{
	struct shadow_root old = sv->cur;
	int hit = -1;

	if (root_matches(&sv->cur, cr3, role, pdptr)) {
		SHADOW_STAT(sop->svm, root_hits);
		return;
	}
	for (int i = 0; i < SHADOW_PREV_ROOTS && hit < 0; i++)
		if (root_matches(&sv->prev[i], cr3, role, pdptr))
			hit = i;
	if (hit >= 0) {
		SHADOW_STAT(sop->svm, root_hits);
		sv->cur = sv->prev[hit];
		for (int i = hit; i > 0; i--)
			sv->prev[i] = sv->prev[i - 1];
	} else {
		SHADOW_STAT(sop->svm, root_misses);
		struct shadow_page *sp = shadow_get_root(sop, role_direct(role) ? 0 : cr3 >> PAGE_SHIFT,
							 role, pdptr);
		sp->root_count++;
		sv->cur = (struct shadow_root){ .sp = sp, .cr3 = cr3 };
		if (sv->prev[SHADOW_PREV_ROOTS - 1].sp)
			shadow_put_root(sop, sv->prev[SHADOW_PREV_ROOTS - 1].sp);
		for (int i = SHADOW_PREV_ROOTS - 1; i > 0; i--)
			sv->prev[i] = sv->prev[i - 1];
	}
	sv->prev[0] = old;
	sop->op->root_hpa = sv->cur.sp->hpa;
}

/*
 * The PAE PDPTE registers (SDM 4.4.1): hv's copy if it has one, else read
 * from the PDPT at CR3 now, as the CPU loads them at MOV CR3 (and at the
 * CR0/CR4 writes that reload them). No lock held: gwalk_mem_bind_vm (W5).
 * Reserved bits are left for the walk (RSVD #PF) or hv's #GP (W2).
 */
static int load_pdptrs(struct mmu_vcpu *vcpu, const struct gwalk_cpu *cpu, u64 pdptrs[4])
{
	struct gwalk_mem mem;
	gpa_t pdpt = gwalk_root_table(cpu, GWALK_MODE_PAE);

	if (cpu->pdptrs) {
		for (int i = 0; i < 4; i++)
			pdptrs[i] = cpu->pdptrs[i];
		return 0;
	}
	gwalk_mem_bind_vm(&mem, vcpu->vm);
	for (int i = 0; i < 4; i++)
		if (mem.read_gpte(mem.ctx, pdpt + (gpa_t)i * 8, &pdptrs[i], 8))
			return E_FAULT;   /* the PDPT is not in guest RAM */
	return 0;
}

int mmu_shadow_load(struct mmu_vcpu *vcpu, const struct gwalk_cpu *cpu, hpa_t *root)
{
	enum gwalk_mode mode = gwalk_mode_of(cpu);
	u64 pdptrs[4] = {0};
	struct shadow_vcpu *sv;
	struct shadow_op sop;
	u32 base, role;
	u64 cr3;
	int rc;

	if (mode == GWALK_MODE_5LEVEL)
		return E_NOTSUP;   /* 5-level guests: not yet (SHADOW.md 1) */
	rc = mode == GWALK_MODE_PAE ? load_pdptrs(vcpu, cpu, pdptrs) : 0;
	if (!rc)
		rc = shadow_ensure(vcpu);
	if (!rc)
		rc = shadow_topup(vcpu);
	if (rc)
		return rc;
	sv = vcpu->shadow;
	base = shadow_base_role(cpu);
	/*
	 * The root, in the format the CPU walks (5.7):
	 *  - 4-level guest: long mode, a root that shadows its PML4;
	 *  - paging off, PAE and 32-bit guests: EFER.LMA=0, so the CPU runs
	 *    legacy PAE paging (hv forces CR4.PAE) on a PAE root of ours whose
	 *    4 entries are filled by faults: identity (paging off, direct), the
	 *    PDs of the PDPTE registers (PAE), the 4 quarters of the guest's PD
	 *    (32-bit, quadrants 0..3).
	 */
	switch (mode) {
	case GWALK_MODE_NONE:
		role = base | 3u | SR_DIRECT | SR_PAE_ROOT;
		cr3 = 0;
		break;
	case GWALK_MODE_32:
		role = base | 3u | SR_PAE_ROOT;
		cr3 = gwalk_root_table(cpu, mode);    /* bits 31..12 */
		break;
	case GWALK_MODE_PAE:
		role = base | 3u | SR_PAE_ROOT;
		cr3 = gwalk_root_table(cpu, mode);    /* bits 31..5: a PDPT is 32 bytes */
		break;
	default:
		role = base | 4u;
		cr3 = gwalk_root_table(cpu, mode);    /* bits 51..12 */
		break;
	}
	role |= GWALK_ACC_ALL << SR_ACC_SHIFT;
	shadow_op_begin(&sop, vcpu->vm, vcpu);
	sv->cpu = *cpu;
	for (int i = 0; i < 4; i++)
		sv->pdptrs[i] = pdptrs[i];
	sv->cpu.pdptrs = mode == GWALK_MODE_PAE ? sv->pdptrs : NULL;
	/* A paging-mode change gives every SP a new role: drop all roots (I9). */
	if (sv->loaded && base != sv->base_role)
		shadow_drop_all_roots(&sop, sv);
	sv->base_role = base;
	shadow_make_room(&sop, 1);               /* a new root, within the budget (5.14) */
	switch_root(&sop, sv, cr3, role, pdptrs);
	sv->loaded = true;
	/* The guest's TLB rules: its PTE changes are visible after MOV CR3. */
	shadow_sync_all(&sop);
	*root = sv->cur.sp->hpa;
	shadow_op_end(&sop);
	/* The ASID still holds the previous address space's translations, and
	 * giving the CPU a new CR3 through the VMCB/VMCS does not flush it.
	 * The record names the root: a cache hit (switch_root) traces nothing
	 * else, and a replay must know which root this vCPU walks from now. */
	mmu_flush_local_root(vcpu, 0, 0, HVT_FR_CR3, *root);
	return 0;
}

/* ---- INVLPG (5.8) ------------------------------------------------------------ */
void mmu_shadow_invlpg(struct mmu_vcpu *vcpu, gva_t gva)
{
	struct shadow_vcpu *sv = vcpu->shadow;
	struct shadow_op sop;

	if (!vcpu->vm->shadow || !sv || !sv->loaded)
		return;
	shadow_op_begin(&sop, vcpu->vm, vcpu);
	/* The shadow tables are in the CPU's format whatever the guest's: the
	 * same walk finds the leaf SP for a 32-bit gva, and its SPTE index
	 * (gva bits 20..12) maps to the right 4-byte gPTE through the SP's
	 * quadrant (gva bit 21) in shadow_sync_spte. */
	struct shadow_page *sp = sv->cur.sp;
	for (int level = sp ? role_level(sp->role) : 0; sp && level > PG_LEVEL_4K; level--) {
		int i = (int)((gva >> (PAGE_SHIFT + SPTE_LEVEL_BITS * (level - 1))) & 511);
		sp = is_mmu_present_spte(sp->spt[i]) ? sp->ent[i].child : NULL;
	}
	/* Only an unsync page can be stale: a sync one is write-protected, so
	 * its SPTEs already follow every gPTE write (I4). */
	if (gva == MMU_INVLPG_UNKNOWN)
		shadow_sync_all(&sop);           /* which page? all of them, then */
	else if (sp && sp->unsync)
		shadow_sync_spte(&sop, sp, (int)((gva >> PAGE_SHIFT) & 511));
	shadow_op_end(&sop);
	/* The intercepted INVLPG did not run: drop the gva from the TLB. */
	mmu_flush_local(vcpu, 0, 0, HVT_FR_INVLPG);
}

/* ---- emulated writes to shadowed gPTs, flooding (5.4) ------------------------- */
int mmu_shadow_emulated_write(struct mmu_vcpu *vcpu, gpa_t gpa, const void *bytes, int len)
{
	struct mmu_vm *vm = vcpu->vm;
	gfn_t gfn = gpa >> PAGE_SHIFT;
	u32 off = (u32)(gpa & (PAGE_SIZE - 1));
	struct shadow_page *sp, *next;
	struct shadow_op sop;
	int rc;

	if (!vm->shadow || len <= 0 || len > 8)
		return E_INVAL;
	shadow_op_begin(&sop, vm, vcpu);
	rc = shadow_write_guest_locked(vm, gpa, bytes, len);
	SHADOW_STAT(sop.svm, emulated_writes);
	struct shadow_page **bucket = &sop.svm->hash[shadow_hash_idx(gfn)];

	for (sp = *bucket; sp; sp = sp->hash_next)
		if (sp->gfn == gfn && role_gpt(sp->role))
			sp->write_flooding++;
	/* Unshadow pages written too often without a fault using them, or
	 * written like data: a write that does not cover exactly one whole
	 * gPTE of the SP's size (4 bytes for a 32-bit guest: an 8-byte write
	 * there changes two gPTEs), or a small one (KVM:
	 * detect_write_misaligned). A root stays (a vCPU runs on it). Restart
	 * after each zap: it may take other SPs of the bucket with it. */
	for (sp = *bucket; sp; sp = next) {
		next = sp->hash_next;
		if (sp->gfn != gfn || !role_gpt(sp->role) || sp->root_count)
			continue;
		u32 size = (u32)shadow_gpte_size(sp);
		bool misaligned = len < 4 || ((off ^ (off + (u32)len - 1)) & ~(size - 1));
		bool flood = sp->write_flooding >= SHADOW_FLOOD;
		if (!flood && !misaligned)
			continue;
		if (flood)
			SHADOW_STAT(sop.svm, flooded);
		shadow_zap_page(&sop, sp, flood ? HVT_SP_FLOOD : HVT_SP_ZAP);
		next = *bucket;
	}
	/* The rest: drop the SPTEs of every gPTE written, cheaper than
	 * re-deriving them; the next access re-faults and walks. In a 32-bit
	 * guest's gPT the written gPTE may belong to another quadrant's SP (then
	 * nothing here), and one gPDE is two SPTEs (shadow_sptes_of_gpte). */
	for (sp = *bucket; sp; sp = sp->hash_next) {
		if (sp->gfn != gfn || !role_gpt(sp->role))
			continue;
		u32 size = (u32)shadow_gpte_size(sp);
		for (u32 o = off & ~(size - 1); o < off + (u32)len && o < PAGE_SIZE; o += size) {
			int first, n = shadow_sptes_of_gpte(sp, o, &first);
			for (int k = 0; k < n; k++)
				shadow_drop_spte(&sop, sp, first + k);
		}
	}
	shadow_op_end(&sop);
	return rc;
}

/* The emulator could not perform a trapped write to a shadowed gPT (not a
 * MOV): stop shadowing that frame so the guest can re-execute the
 * instruction natively (KVM: unprotect and retry). Its SPs are zapped; the
 * next walk through it re-shadows it. Returns the SPs zapped. */
int mmu_shadow_unprotect(struct mmu_vcpu *vcpu, gpa_t gpa)
{
	struct mmu_vm *vm = vcpu->vm;
	gfn_t gfn = gpa >> PAGE_SHIFT;
	struct shadow_page *sp, *next;
	struct shadow_op sop;
	int n = 0;

	if (!vm->shadow)
		return 0;
	shadow_op_begin(&sop, vm, vcpu);
	for (sp = sop.svm->hash[shadow_hash_idx(gfn)]; sp; sp = next) {
		next = sp->hash_next;
		if (sp->gfn != gfn || !role_gpt(sp->role) || sp->root_count)
			continue;
		shadow_zap_page(&sop, sp, HVT_SP_ZAP);
		n++;
		next = sop.svm->hash[shadow_hash_idx(gfn)];   /* the zap may change the chain */
	}
	shadow_op_end(&sop);
	return n;
}

/* ---- teardown, stats ------------------------------------------------------------ */
/* The SPs a vCPU keeps ready (never allocated in the trace: no PT_ALLOC,
 * no PT_FREE), then its shadow state. */
static void free_vcpu_state(struct mmu_vcpu *v)
{
	struct shadow_vcpu *sv = v->shadow;

	while (sv->nobjs > 0) {
		struct shadow_page *sp = sv->cache[--sv->nobjs];
		env_free_page(sp->spt);
		env_free(sp, sizeof(*sp));
	}
	env_free(sv, sizeof(*sv));
	v->shadow = NULL;
}

/*
 * One vCPU goes while the VM stays (mmu_vcpu_destroy): its roots (current
 * and cached, I9) are dropped under the write lock like a mode change
 * does, so no SP keeps a root_count nobody holds; roots nobody else uses
 * are zapped, and freed after the op's flush. The caller stopped the vCPU
 * (it runs no guest code and takes no fault any more).
 */
static void shadow_vcpu_destroy(struct mmu_vcpu *vcpu)
{
	struct shadow_op sop;

	if (!vcpu->shadow)
		return;
	shadow_op_begin(&sop, vcpu->vm, NULL);
	shadow_drop_all_roots(&sop, vcpu->shadow);
	shadow_op_end(&sop);
	free_vcpu_state(vcpu);
}

/*
 * VM teardown (seed 003, as tdp_teardown_root): lock for write, every SP
 * zapped, the SPTE writes with reason TEARDOWN, the empty entries skipped
 * and counted (op->skipped, stats removed_skipped), one flush, then every
 * SP retired; mmu_vm_destroy's qsbr_drain_all frees them, one PT_FREE each.
 */
static void shadow_destroy(struct mmu_vm *vm)
{
	struct shadow_vm *svm = vm->shadow;
	struct shadow_op sop;

	shadow_op_begin(&sop, vm, NULL);
	sop.op->teardown = true;
	sop.op->zap_reason = HVT_SR_TEARDOWN;
	for (int i = 0; i < HVT_MAX_CPUS; i++)
		if (vm->vcpus[i] && vm->vcpus[i]->shadow)
			shadow_drop_all_roots(&sop, vm->vcpus[i]->shadow);
	for (int b = 0; b < SHADOW_HASH_SIZE; b++)
		while (svm->hash[b])
			shadow_zap_page(&sop, svm->hash[b], HVT_SP_ZAP);
	shadow_op_end(&sop);   /* one flush, then every SP is retired (qsbr_drain_all frees) */
	for (int i = 0; i < HVT_MAX_CPUS; i++)
		if (vm->vcpus[i] && vm->vcpus[i]->shadow)
			free_vcpu_state(vm->vcpus[i]);
	vm->shadow = NULL;
	vm->shadow_destroy = NULL;
	vm->shadow_vcpu_destroy = NULL;
	vm->shadow_zap_range = NULL;
	vm->shadow_age_range = NULL;
	vm->shadow_check = NULL;
	env_free(svm, sizeof(*svm));
}

void mmu_shadow_get_stats(struct mmu_vm *vm, struct mmu_shadow_stats *out)
{
	if (vm->shadow)
		*out = vm->shadow->stats;
	else
		*out = (struct mmu_shadow_stats){0};
}
