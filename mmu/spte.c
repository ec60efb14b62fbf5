/*
 * spte.c: the two SPTE formats as mask tables, and the constructors and
 * rules that work from the masks (see spte.h for the bit layouts).
 */
#include "spte.h"
#include "mmu.h"

static void init_ept(struct spte_format *f)
{
	f->present_mask = EPT_R | EPT_W | EPT_X;
	f->readable_mask = EPT_R;
	f->writable_mask = EPT_W;
	f->exec_mask = EPT_X;
	f->memtype_bits = EPT_MT_WB;
	f->mmu_writable_mask = EPT_MMU_WRITABLE;
	f->host_writable_mask = EPT_HOST_WRITABLE;
	/* Without A/D the MMU sees accesses by clearing R/W/X (access tracking). */
	f->accessed_mask = f->ad_enabled ? EPT_A : 0;
	f->dirty_mask = f->ad_enabled ? EPT_D : 0;
	f->acc_track_mask = f->ad_enabled ? 0 : EPT_R | EPT_W | EPT_X;
	f->acc_track_saved_mask = f->ad_enabled ? 0 : EPT_R | EPT_X;
	f->acc_track_saved_shift = EPT_SAVED_SHIFT;
	/* W|X without R: an EPT misconfiguration on any access. SVE is in the
	 * mask so an empty SPTE (SVE alone) never looks like MMIO. */
	f->mmio_mask = EPT_R | EPT_W | EPT_X | EPT_SVE;
	f->mmio_value = EPT_W | EPT_X;
	f->nonpresent_value = EPT_SVE;
	f->table_bits = EPT_R | EPT_W | EPT_X | SPTE_MMU_PRESENT;
}

static void init_x86(struct spte_format *f, int maxphyaddr)
{
	f->present_mask = X86_P;
	f->writable_mask = X86_W;
	f->nx_mask = X86_NX;
	f->user_mask = X86_U;
	f->mmu_writable_mask = X86_MMU_WRITABLE;
	f->host_writable_mask = X86_HOST_WRITABLE;
	f->accessed_mask = X86_A;   /* NPT always has A/D (REFERENCE 4) */
	f->dirty_mask = X86_D;
	/* P plus a reserved physical-address bit: #NPF with RSVD (PLATFORMS.md:
	 * detect by RSVD alone). Without a reserved bit, no MMIO SPTEs. */
	if (maxphyaddr <= 51) {
		f->mmio_mask = X86_P | X86_MMIO_MARKER;
		f->mmio_value = X86_P | X86_MMIO_MARKER;
	}
	f->nonpresent_value = 0;
	f->table_bits = X86_P | X86_W | X86_U | SPTE_MMU_PRESENT;
}

void spte_format_init(struct spte_format *f, int format, int levels, bool ad_enabled,
		      int maxphyaddr)
{
	*f = (struct spte_format){0};
	f->format = format;
	f->levels = levels;
	/* A/D can only be switched off for EPT; NPT always has them. */
	f->ad_enabled = format == MMU_FORMAT_EPT ? ad_enabled : true;
	f->huge_mask = SPTE_HUGE;
	if (maxphyaddr < 32 || maxphyaddr > 52)
		maxphyaddr = maxphyaddr < 32 ? 32 : 52;
	f->pfn_mask = GENMASK(maxphyaddr - 1, PAGE_SHIFT);
	if (format == MMU_FORMAT_EPT)
		init_ept(f);
	else
		init_x86(f, maxphyaddr);
	f->frozen_value = f->nonpresent_value | FROZEN_SPTE_BITS;
}

void spte_format_describe(const struct spte_format *f, struct hvt_spte_format *out)
{
	*out = (struct hvt_spte_format){
		.present_mask = SPTE_MMU_PRESENT,
		.readable_mask = f->readable_mask,
		.writable_mask = f->writable_mask,
		.exec_mask = f->exec_mask,
		.nx_mask = f->nx_mask,
		.user_mask = f->user_mask,
		.accessed_mask = f->accessed_mask,
		.dirty_mask = f->dirty_mask,
		.huge_mask = f->huge_mask,
		.pfn_mask = f->pfn_mask,
		.mmu_writable_mask = f->mmu_writable_mask,
		.host_writable_mask = f->host_writable_mask,
		.acc_track_mask = f->acc_track_mask,
		.acc_track_saved_shift = (u64)f->acc_track_saved_shift,
		.mmio_mask = f->mmio_mask,
		.mmio_value = f->mmio_value,
		.mmio_gen_mask = MMIO_SPTE_GEN_MASK,
		.frozen_value = f->frozen_value,
		.nonpresent_value = f->nonpresent_value,
		.format = (u32)f->format,
		.levels = (u32)f->levels,
	};
}

bool spte_allows_access(const struct spte_format *f, u64 spte, u32 error)
{
	if (!is_mmu_present_spte(spte) || is_access_track_spte(f, spte))
		return false;
	if ((error & MMU_PF_WRITE) && !is_writable_spte(f, spte))
		return false;
	if ((error & MMU_PF_FETCH) && f->exec_mask && !(spte & f->exec_mask))
		return false;
	if ((error & MMU_PF_FETCH) && f->nx_mask && (spte & f->nx_mask))
		return false;
	return true;
}

u64 make_leaf_spte(const struct spte_format *f, pfn_t pfn, int level, bool writable,
		   bool mmu_writable, bool host_writable, bool dirty)
{
	u64 spte = SPTE_MMU_PRESENT | f->present_mask | f->user_mask | f->memtype_bits;

	spte &= ~f->writable_mask;     /* EPT present_mask includes W: add it below */
	spte |= ((u64)pfn << PAGE_SHIFT) & f->pfn_mask;
	if (level > PG_LEVEL_4K)
		spte |= f->huge_mask;
	if (host_writable)
		spte |= f->host_writable_mask;
	/* S1: W => MMU-writable => host-writable. */
	if (mmu_writable && host_writable)
		spte |= f->mmu_writable_mask;
	if (writable && mmu_writable && host_writable)
		spte |= f->writable_mask;
	spte |= f->accessed_mask;      /* created by an access: mark it young */
	if (dirty && (spte & f->writable_mask))
		spte |= f->dirty_mask;
	return spte;
}

u64 make_nonleaf_spte(const struct spte_format *f, hpa_t table_hpa)
{
	return f->table_bits | (table_hpa & f->pfn_mask);
}

u64 make_mmio_spte(const struct spte_format *f, gfn_t gfn, u64 gen)
{
	u64 spte = f->mmio_value;

	gen &= MMIO_GEN_MASK;
	spte |= (gen & (BIT(MMIO_GEN_LOW_BITS) - 1)) << MMIO_GEN_LOW_SHIFT;
	spte |= (gen >> MMIO_GEN_LOW_BITS) << MMIO_GEN_HIGH_SHIFT;
	spte |= (gfn << PAGE_SHIFT) & MMIO_SPTE_GFN_MASK;
	return spte;
}

u64 mark_spte_for_access_track(const struct spte_format *f, u64 spte)
{
	if (!f->acc_track_mask || is_access_track_spte(f, spte))
		return spte;
	/* W is not saved: it comes back through MMU-writable on a write fault. */
	spte |= (spte & f->acc_track_saved_mask) << f->acc_track_saved_shift;
	return spte & ~f->acc_track_mask;
}

u64 restore_acc_track_spte(const struct spte_format *f, u64 spte)
{
	u64 saved_field = f->acc_track_saved_mask << f->acc_track_saved_shift;
	u64 saved = (spte & saved_field) >> f->acc_track_saved_shift;

	if (!is_access_track_spte(f, spte))
		return spte;
	return (spte & ~saved_field) | saved;
}
