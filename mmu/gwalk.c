/*
 * gwalk.c: the guest page-table walk: read each level through gwalk_mem,
 * stop at the first not-present or reserved-bit entry, check permissions
 * on the finished translation, then set the guest's A/D bits with
 * compare-exchange (restarting the walk if the guest raced us), and trace
 * every gPTE read as an HVT_WALK_STEP record. The formats themselves are in
 * gwalk_format.c; design and trace usage in mmu/SHADOW.md.
 *
 * Order of checks, as hardware does them (SDM 4.7, APM 8.4.2):
 *   1. top-down, per level: P=0          -> #PF, P=0 in the error code
 *                           reserved bit -> #PF, P=1 RSVD=1
 *   2. on the leaf: access rights (4.6)  -> #PF, P=1
 *   3. no fault: A on every entry used, D on the leaf of a write (4.8)
 */
#include "gwalk.h"
#include "env.h"

static void set_fault(struct gwalk_result *res, const struct gwalk_cpu *cpu,
		      u32 access, int level, u32 kind)
{
	res->fault = true;
	res->level = level;
	res->error_code = gwalk_fault_error_code(cpu, access, kind);
}

/* One trace record per gPTE touched (mmu/SHADOW.md, "Trace"); seq was
 * reserved by the caller (before the write, for A/D updates: T3). */
static void trace_step(const struct gwalk_cpu *cpu, u64 seq, gva_t gva, int level,
		       u64 gpte, gpa_t gpte_gpa, u8 reason, u8 flags, u64 d, u64 e)
{
	struct hvt_record rec = {
		.seq = seq,
		.vcpu = cpu->vcpu_id,
		.type = HVT_WALK_STEP,
		.reason = reason,
		.level = (u8)level,
		.flags = flags,
		.a = gva, .b = gpte, .c = gpte_gpa, .d = d, .e = e,
	};
	env_trace_emit(&rec);
}

/* Emit the reads of one walk attempt, top level first; the last one is
 * marked GWALK_TR_FAULT if the walk faulted. d = access asked, e = error code. */
static void trace_reads(const struct gwalk_cpu *cpu, gva_t gva, u32 access,
			const struct gwalk_result *res)
{
	for (int level = res->root_level; level >= res->level; level--) {
		bool last = level == res->level && res->fault;
		trace_step(cpu, env_trace_reserve(), gva, level, res->gptes[level - 1],
			   res->gpte_gpa[level - 1],
			   last ? GWALK_TR_FAULT : GWALK_TR_READ, 0, access,
			   last ? res->error_code : 0);
	}
}

static void result_reset(struct gwalk_result *res, enum gwalk_mode mode)
{
	for (int i = 0; i < GWALK_MAX_LEVELS; i++) {
		res->gptes[i] = 0;
		res->gpte_gpa[i] = 0;
	}
	res->gpa = 0;
	res->mode = mode;
	res->root_level = gwalk_root_level(mode);
	res->level = 0;
	res->access = GWALK_ACC_ALL;
	res->fault = false;
	res->error_code = 0;
}

/* Read the entry for gva at level of the table at table_gpa. PAE PDPTEs come
 * from the PDPTE registers when the caller has them (Intel, SDM 4.4.1). */
static int read_level(const struct gwalk_cpu *cpu, const struct gwalk_mem *mem,
		      enum gwalk_mode mode, int level, gpa_t table_gpa, gva_t gva,
		      struct gwalk_result *res)
{
	int size = gwalk_gpte_size(mode);
	u32 index = gwalk_index(mode, level, gva);
	gpa_t gpa = table_gpa + (gpa_t)index * size;
	u64 val = 0;

	res->gpte_gpa[level - 1] = gpa;
	if (mode == GWALK_MODE_PAE && level == 3 && cpu->pdptrs) {
		res->gptes[level - 1] = cpu->pdptrs[index];
		return 0;
	}
	int r = mem->read_gpte(mem->ctx, gpa, &val, size);
	if (r)
		return r;
	res->gptes[level - 1] = val;
	return 0;
}

/*
 * Steps 1 and 2: walk down from the root. Returns 0 (res->fault tells), or
 * E_FAULT if a table is outside guest RAM.
 */
static int walk_levels(const struct gwalk_cpu *cpu, const struct gwalk_mem *mem,
		       gva_t gva, u32 access, struct gwalk_result *res)
{
	enum gwalk_mode mode = res->mode;
	gpa_t table = gwalk_root_table(cpu, mode);

	for (int level = res->root_level; level >= 1; level--) {
		int r = read_level(cpu, mem, mode, level, table, gva, res);
		if (r)
			return r;
		u64 gpte = res->gptes[level - 1];
		if (!(gpte & GPTE_P)) {
			set_fault(res, cpu, access, level, 0);
			return 0;
		}
		if (gwalk_gpte_rsvd_bits(cpu, level, gpte)) {
			set_fault(res, cpu, access, level, GWALK_PF_PRESENT | GWALK_PF_RSVD);
			return 0;
		}
		res->access &= gwalk_gpte_access(cpu, level, gpte);
		if (gwalk_gpte_is_leaf(cpu, level, gpte)) {
			res->level = level;
			res->gpa = gwalk_leaf_gpa(cpu, mode, level, gpte, gva);
			break;
		}
		table = gwalk_next_table(mode, gpte);
	}
	if (gwalk_permission_fault(cpu, access, res->access))
		set_fault(res, cpu, access, res->level, GWALK_PF_PRESENT);
	return 0;
}

/*
 * Step 3 (SDM 4.8): A on every entry of the translation, D on the leaf of a
 * write; each with compare-exchange, so a guest write to the same entry
 * between our read and our update is never overwritten: the cmpxchg fails
 * and the caller walks again (E_BUSY).
 */
static int set_ad_bits(const struct gwalk_cpu *cpu, const struct gwalk_mem *mem,
		       gva_t gva, u32 access, struct gwalk_result *res)
{
	int size = gwalk_gpte_size(res->mode);

	for (int level = res->root_level; level >= res->level; level--) {
		u64 old = res->gptes[level - 1], new_val = old;
		if (!gwalk_level_has_ad(res->mode, level))
			continue;
		new_val |= GPTE_A;
		if (level == res->level && (access & GWALK_WRITE))
			new_val |= GPTE_D;
		if (new_val == old)
			continue;
		u64 seq = env_trace_reserve();
		int r = mem->cmpxchg_gpte(mem->ctx, res->gpte_gpa[level - 1],
					  old, new_val, size);
		/* T3: a lost compare-exchange is traced too, with new == old */
		trace_step(cpu, seq, gva, level, r ? old : new_val,
			   res->gpte_gpa[level - 1], GWALK_TR_SET_AD,
			   HVT_F_ATOMIC | (r ? HVT_F_LOST_RACE : 0), old, 0);
		if (r)
			return r;
		res->gptes[level - 1] = new_val;
	}
	return 0;
}

/* One attempt: walk, trace the reads, set A/D. E_BUSY = walk again. */
static int walk_once(const struct gwalk_cpu *cpu, const struct gwalk_mem *mem,
		     gva_t gva, u32 access, struct gwalk_result *res)
{
	result_reset(res, gwalk_mode_of(cpu));
	if (res->mode == GWALK_MODE_NONE) {
		res->gpa = gva;          /* identity; no entries, no trace */
		return 0;
	}
	int r = walk_levels(cpu, mem, gva, access, res);
	if (r)
		return r;
	trace_reads(cpu, gva, access, res);    /* before set_ad_bits changes gptes */
	if (res->fault || (access & GWALK_NO_AD))
		return 0;
	return set_ad_bits(cpu, mem, gva, access, res);
}

int gwalk(const struct gwalk_cpu *cpu, const struct gwalk_mem *mem,
	  gva_t gva, u32 access, struct gwalk_result *res)
{
	if ((access & GWALK_USER) && (access & GWALK_IMPLICIT))
		return E_INVAL;
	if ((access & GWALK_WRITE) && (access & GWALK_FETCH))
		return E_INVAL;
	for (u32 tries = 1; tries <= GWALK_MAX_TRIES; tries++) {
		int r = walk_once(cpu, mem, gva, access, res);
		res->tries = tries;
		if (r != E_BUSY)
			return r;
	}
	return E_BUSY;
}

int gwalk_recheck(const struct gwalk_cpu *cpu, const struct gwalk_mem *mem,
		  const struct gwalk_result *res)
{
	int size = gwalk_gpte_size(res->mode);

	/* root_level is 0 with paging off: nothing to check */
	for (int level = res->root_level; level >= res->level && level >= 1; level--) {
		u64 now;
		if (res->mode == GWALK_MODE_PAE && level == 3 && cpu->pdptrs)
			continue;
		int r = mem->read_gpte(mem->ctx, res->gpte_gpa[level - 1], &now, size);
		if (r)
			return r;
		if (now != res->gptes[level - 1])
			return 1;
	}
	return 0;
}
