/*
 * spte.h: shadow/TDP page-table entries (SPTEs), described as data.
 *
 * One struct spte_format holds the masks of a format; the EPT and the
 * x86-64 (NPT, later shadow) formats are two tables of masks, and every
 * predicate and constructor below works from the masks, so there is no
 * per-format code. The same masks fill the trace stream header
 * (struct hvt_spte_format) so host tools decode SPTEs exactly as written.
 *
 * EPT (Intel SDM Vol. 3C 29.3.2, tables 29-2..29-7):
 *
 *   63  62..59  58    57    56..54  53..52  51..12  11   10  9  8  7  6   5..3  2  1  0
 *  +---+------+-----+-----+-------+------+-------+----+---+--+--+--+----+----+--+--+--+
 *  |SVE|  -   |MMUW |HOSTW| saved |  -   |  pfn  |MMUP| - | D| A|PS|IPAT| MT | X| W| R|
 *  +---+------+-----+-----+-------+------+-------+----+---+--+--+--+----+----+--+--+--+
 *   saved = R,X of an access-tracked SPTE at 54 and 56. An MMIO SPTE reuses
 *   bits 52..62 and 3..10 for the memslot generation (W|X without R makes it
 *   an EPT misconfiguration, SDM 29.3.3.1).
 *
 * x86-64 / NPT (AMD APM Vol. 2 15.25, 5.3.3):
 *
 *   63  62..52  51     50..12   11    10    9     8   7   6  5  4   3   2  1  0
 *  +--+-------+-----+---------+-----+-----+-----+---+---+--+--+---+---+---+--+--+
 *  |NX| gen   |MMIO |  pfn    |MMUP |MMUW |HOSTW| G |PS | D| A|PCD|PWT| U| W| P|
 *  +--+-------+-----+---------+-----+-----+-----+---+---+--+--+---+---+---+--+--+
 *   MMIO = a reserved physical-address bit (above MAXPHYADDR) set with P, so
 *   the walk faults with #NPF.RSVD (PLATFORMS.md: detect by RSVD alone).
 *
 * Software bits (ignored by hardware) in both formats:
 *   MMU-present   the SPTE maps something (leaf or table); MMIO, frozen and
 *                 empty SPTEs have it clear.
 *   host-writable the backing may be written (slot not read-only).
 *   MMU-writable  the MMU may set W without re-deriving the SPTE (fast page
 *                 fault); cleared when write-protecting for a shadowed gPT.
 *
 * Invariants (S1..), checked by check_spte_transition() / mmu_check():
 *  S1  W => MMU-writable => host-writable (REFERENCE 4).
 *  S2  an MMIO SPTE is never MMU-present, and neither is the frozen value.
 *  S3  A/D bits are zero in every SPTE when the VM runs with A/D disabled.
 */
#ifndef HVLAB_MMU_SPTE_H
#define HVLAB_MMU_SPTE_H

#include "../include/hvlab/types.h"
#include "../trace/hvt_format.h"

#define SPTE_ENT_PER_PAGE 512
#define SPTE_LEVEL_BITS   9
#define PG_LEVEL_4K       1
#define PG_LEVEL_2M       2
#define PG_LEVEL_1G       3
#define MMU_MAX_LEVELS    5

/* Pages (4 KiB) mapped by one SPTE at a level: 1, 512, 512*512, ... */
static inline u64 pages_per_level(int level)
{
	return 1ull << (SPTE_LEVEL_BITS * (level - 1));
}

/* Index of gfn's entry in a table of the given level. */
static inline int spte_index(gfn_t gfn, int level)
{
	return (int)((gfn >> (SPTE_LEVEL_BITS * (level - 1))) & (SPTE_ENT_PER_PAGE - 1));
}

/* ---- the bits shared by both formats ------------------------------------ */
#define SPTE_MMU_PRESENT     BIT(11)          /* software: maps something */
#define SPTE_HUGE            BIT(7)           /* PS: leaf above 4K */
#define EPT_R                BIT(0)
#define EPT_W                BIT(1)
#define EPT_X                BIT(2)
#define EPT_MT_WB            (6ull << 3)      /* memory type write-back (SDM 29.3.7) */
#define EPT_A                BIT(8)
#define EPT_D                BIT(9)
#define EPT_SAVED_SHIFT      54               /* access track: R->54, X->56 */
#define EPT_HOST_WRITABLE    BIT(57)
#define EPT_MMU_WRITABLE     BIT(58)
#define EPT_SVE              BIT(63)          /* suppress #VE: the empty value */
#define X86_P                BIT(0)
#define X86_W                BIT(1)
#define X86_U                BIT(2)
#define X86_A                BIT(5)
#define X86_D                BIT(6)
#define X86_HOST_WRITABLE    BIT(9)
#define X86_MMU_WRITABLE     BIT(10)
#define X86_MMIO_MARKER      BIT(51)          /* reserved PA bit (MAXPHYADDR <= 51) */
#define X86_NX               BIT(63)

/* MMIO generation: 19 bits, low 8 in SPTE bits 3..10, high 11 in 52..62. */
#define MMIO_GEN_LOW_SHIFT   3
#define MMIO_GEN_LOW_BITS    8
#define MMIO_GEN_HIGH_SHIFT  52
#define MMIO_GEN_HIGH_BITS   11
#define MMIO_GEN_BITS        (MMIO_GEN_LOW_BITS + MMIO_GEN_HIGH_BITS)
#define MMIO_GEN_MASK        (BIT(MMIO_GEN_BITS) - 1)
#define MMIO_SPTE_GEN_MASK   (GENMASK(10, 3) | GENMASK(62, 52))
/* gfn of an MMIO SPTE: bits 12..50 (below the x86 marker). */
#define MMIO_SPTE_GFN_MASK   GENMASK(50, 12)

/* A frozen SPTE: a page table holding it is being removed; no writer other
 * than the remover may touch it. Not present for hardware (no R/W/X, no P),
 * not MMU-present, no pfn (S2); OR-ed with the format's empty value. */
#define FROZEN_SPTE_BITS     0x5a0ull

/* Layout checks: the software bits must not overlap what hardware uses. */
_Static_assert((SPTE_MMU_PRESENT & (EPT_R | EPT_W | EPT_X | EPT_A | EPT_D | SPTE_HUGE)) == 0, "EPT layout");
_Static_assert((EPT_HOST_WRITABLE | EPT_MMU_WRITABLE) == GENMASK(58, 57), "EPT sw bits");
_Static_assert(((EPT_R | EPT_X) << EPT_SAVED_SHIFT & (EPT_HOST_WRITABLE | EPT_MMU_WRITABLE)) == 0,
	       "saved access-track bits clash with software bits");
_Static_assert((MMIO_SPTE_GEN_MASK & (SPTE_MMU_PRESENT | X86_P | EPT_R | EPT_W | EPT_X | X86_MMIO_MARKER)) == 0,
	       "MMIO generation clashes with the present/marker bits");
_Static_assert((MMIO_SPTE_GEN_MASK & MMIO_SPTE_GFN_MASK) == 0, "MMIO gen vs gfn");
_Static_assert((FROZEN_SPTE_BITS & (SPTE_MMU_PRESENT | X86_P | EPT_R | EPT_W | EPT_X)) == 0,
	       "frozen value must be non-present (S2)");
_Static_assert((X86_HOST_WRITABLE | X86_MMU_WRITABLE | SPTE_MMU_PRESENT) == GENMASK(11, 9), "x86 sw bits");

/* ---- the format as data ------------------------------------------------- */
struct spte_format {
	int format;             /* MMU_FORMAT_EPT or MMU_FORMAT_X86 */
	int levels;             /* 4 or 5 */
	bool ad_enabled;        /* hardware sets A/D; false = access tracking */
	u64 present_mask;       /* any of these set: hardware may use the entry */
	u64 readable_mask;      /* EPT R, 0 on x86 (present = readable) */
	u64 writable_mask;      /* W */
	u64 exec_mask;          /* EPT X, 0 on x86 */
	u64 nx_mask;            /* x86 NX, 0 on EPT */
	u64 user_mask;          /* x86 U (TDP leaves are user-accessible), EPT 0 */
	u64 accessed_mask;      /* 0 when A/D disabled */
	u64 dirty_mask;         /* 0 when A/D disabled */
	u64 huge_mask;          /* PS */
	u64 pfn_mask;           /* physical address bits 12..MAXPHYADDR-1 */
	u64 memtype_bits;       /* EPT leaf memory type (WB), 0 on x86 */
	u64 mmu_writable_mask;  /* software */
	u64 host_writable_mask; /* software */
	u64 acc_track_mask;     /* bits cleared when access-tracked (EPT RWX), 0 if none */
	u64 acc_track_saved_mask; /* of acc_track_mask, the bits saved (R, X) */
	int acc_track_saved_shift;/* where saved bits go (54) */
	u64 mmio_mask;          /* MMIO SPTE: (spte & mmio_mask) == mmio_value */
	u64 mmio_value;         /* 0: MMIO SPTEs are not used (no marker bit) */
	u64 nonpresent_value;   /* an empty SPTE (EPT: SVE, x86: 0) */
	u64 frozen_value;       /* nonpresent_value | FROZEN_SPTE_BITS */
	u64 table_bits;         /* bits of a non-leaf SPTE besides the pfn */
};

void spte_format_init(struct spte_format *f, int format, int levels, bool ad_enabled,
		      int maxphyaddr);
void spte_format_describe(const struct spte_format *f, struct hvt_spte_format *out);

/* ---- predicates (is_*) ---------------------------------------------------- */
static inline bool is_mmu_present_spte(u64 spte) { return (spte & SPTE_MMU_PRESENT) != 0; }
static inline bool is_frozen_spte(const struct spte_format *f, u64 spte)
{ return spte == f->frozen_value; }
/* mmio_value == 0: MMIO caching is off (x86 with MAXPHYADDR 52: no
 * reserved physical-address bit is left to mark an MMIO SPTE). */
static inline bool is_mmio_spte(const struct spte_format *f, u64 spte)
{ return f->mmio_value && (spte & f->mmio_mask) == f->mmio_value && !is_mmu_present_spte(spte); }
static inline bool is_large_pte(const struct spte_format *f, u64 spte)
{ return (spte & f->huge_mask) != 0; }
/* A leaf: level 1, or PS set above it. Meaningful for MMU-present SPTEs. */
static inline bool is_last_spte(const struct spte_format *f, u64 spte, int level)
{ return level == PG_LEVEL_4K || is_large_pte(f, spte); }
static inline bool is_writable_spte(const struct spte_format *f, u64 spte)
{ return (spte & f->writable_mask) != 0; }
static inline bool is_mmu_writable_spte(const struct spte_format *f, u64 spte)
{ return (spte & f->mmu_writable_mask) != 0; }
static inline bool is_host_writable_spte(const struct spte_format *f, u64 spte)
{ return (spte & f->host_writable_mask) != 0; }
static inline bool is_dirty_spte(const struct spte_format *f, u64 spte)
{ return f->dirty_mask ? (spte & f->dirty_mask) != 0 : is_writable_spte(f, spte); }
/* Access-tracked: MMU-present but with the hardware access bits cleared
 * (A/D disabled only). */
static inline bool is_access_track_spte(const struct spte_format *f, u64 spte)
{ return f->acc_track_mask && is_mmu_present_spte(spte) && !(spte & f->acc_track_mask); }
static inline bool is_accessed_spte(const struct spte_format *f, u64 spte)
{ return f->accessed_mask ? (spte & f->accessed_mask) != 0 : !is_access_track_spte(f, spte); }
static inline pfn_t spte_to_pfn(const struct spte_format *f, u64 spte)
{ return (spte & f->pfn_mask) >> PAGE_SHIFT; }

/* Does the SPTE allow this access (MMU_PF_* bits) right now? */
bool spte_allows_access(const struct spte_format *f, u64 spte, u32 error);
/* REFERENCE 3e: can bits of this SPTE change outside the MMU lock (CPU
 * setting A/D, fast page fault setting W or restoring access)? Then it must
 * be written atomically so nothing is lost. */
bool spte_needs_atomic_update(const struct spte_format *f, u64 spte, int level);

/* ---- constructors (make_*) ------------------------------------------------ */
/* Leaf mapping pfn at level. writable: W (and MMU-writable); host_writable:
 * backing may be written; accessed/dirty: pre-set A/D (ignored without A/D). */
u64 make_leaf_spte(const struct spte_format *f, pfn_t pfn, int level, bool writable,
		   bool mmu_writable, bool host_writable, bool dirty);
u64 make_nonleaf_spte(const struct spte_format *f, hpa_t table_hpa);
u64 make_mmio_spte(const struct spte_format *f, gfn_t gfn, u64 gen);
static inline u64 mmio_spte_gen(u64 spte)
{
	return ((spte >> MMIO_GEN_LOW_SHIFT) & (BIT(MMIO_GEN_LOW_BITS) - 1)) |
	       (((spte >> MMIO_GEN_HIGH_SHIFT) & (BIT(MMIO_GEN_HIGH_BITS) - 1)) << MMIO_GEN_LOW_BITS);
}
static inline gfn_t mmio_spte_gfn(u64 spte) { return (spte & MMIO_SPTE_GFN_MASK) >> PAGE_SHIFT; }
/* Access tracking (A/D disabled): drop R/W/X, save R/X high; and back. */
u64 mark_spte_for_access_track(const struct spte_format *f, u64 spte);
u64 restore_acc_track_spte(const struct spte_format *f, u64 spte);

#endif
