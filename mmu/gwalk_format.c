/*
 * gwalk_format.c: the guest paging formats, entry by entry: which mode is
 * on, where each level's table and index are, which bits are reserved, what
 * is a leaf, and what a leaf translates to. No memory access, no policy:
 * gwalk.c does the walk with these.
 *
 * Level numbers are the same in every mode: 1 = the entry that maps 4 KiB,
 * 2 = the one that may map 2/4 MiB, 3 = 1 GiB (or the PAE PDPTE), 4 = PML4E,
 * 5 = PML5E.
 *
 * How a 4-level walk cuts a gva (SDM Figure 4-8; 5-level adds 56..48):
 *
 *   63     48 47    39 38    30 29    21 20    12 11         0
 *  +---------+--------+--------+--------+--------+------------+
 *  | sign ext|  PML4  |  PDPT  |   PD   |   PT   |   offset   |
 *  +---------+--------+--------+--------+--------+------------+
 *              level 4  level 3  level 2  level 1
 *
 * PAE (SDM Figure 4-5): 31..30 PDPTE (4 registers), 29..21 PD, 20..12 PT.
 * 32-bit (SDM Figure 4-2): 31..22 PD (1024 x 4 bytes), 21..12 PT.
 */
#include "gwalk.h"

enum gwalk_mode gwalk_mode_of(const struct gwalk_cpu *cpu)
{
	if (!(cpu->cr0 & GW_CR0_PG))
		return GWALK_MODE_NONE;
	if (!(cpu->cr4 & GW_CR4_PAE))
		return GWALK_MODE_32;
	if (!(cpu->efer & GW_EFER_LMA))
		return GWALK_MODE_PAE;
	return (cpu->cr4 & GW_CR4_LA57) ? GWALK_MODE_5LEVEL : GWALK_MODE_4LEVEL;
}

int gwalk_root_level(enum gwalk_mode mode)
{
	static const int levels[] = {
		[GWALK_MODE_NONE] = 0, [GWALK_MODE_32] = 2, [GWALK_MODE_PAE] = 3,
		[GWALK_MODE_4LEVEL] = 4, [GWALK_MODE_5LEVEL] = 5,
	};
	return levels[mode];
}

int gwalk_gpte_size(enum gwalk_mode mode)
{
	return mode == GWALK_MODE_32 ? 4 : 8;
}

/* Bits hi..maxphyaddr: the physical-address bits this CPU does not have. */
static u64 above_maxphyaddr(const struct gwalk_cpu *cpu, int hi)
{
	return cpu->maxphyaddr > hi ? 0 : GENMASK(hi, cpu->maxphyaddr);
}

/* Frame address bits of a 64-bit entry (SDM Table 4-15..4-20: M-1..12). */
#define GPTE64_ADDR GENMASK(51, 12)
/* Frame address bits of a 32-bit entry (SDM Table 4-6). */
#define GPTE32_ADDR GENMASK(31, 12)

gpa_t gwalk_root_table(const struct gwalk_cpu *cpu, enum gwalk_mode mode)
{
	switch (mode) {
	case GWALK_MODE_32:
		return cpu->cr3 & GPTE32_ADDR;      /* SDM Table 4-3 */
	case GWALK_MODE_PAE:
		return cpu->cr3 & GENMASK(31, 5);   /* SDM Table 4-7: 32-byte aligned PDPT */
	default:
		return cpu->cr3 & GPTE64_ADDR;      /* SDM Table 4-12 */
	}
}

u32 gwalk_index(enum gwalk_mode mode, int level, gva_t gva)
{
	if (mode == GWALK_MODE_32)
		return (gva >> (12 + 10 * (level - 1))) & 1023;
	if (mode == GWALK_MODE_PAE && level == 3)
		return (gva >> 30) & 3;
	return (gva >> (12 + 9 * (level - 1))) & 511;
}

gpa_t gwalk_next_table(enum gwalk_mode mode, u64 gpte)
{
	return gpte & (mode == GWALK_MODE_32 ? GPTE32_ADDR : GPTE64_ADDR);
}

bool gwalk_level_has_ad(enum gwalk_mode mode, int level)
{
	/* A PAE PDPTE has no A bit: bits 8..5 are reserved (SDM Table 4-8). */
	return !(mode == GWALK_MODE_PAE && level == 3);
}

bool gwalk_gpte_is_leaf(const struct gwalk_cpu *cpu, int level, u64 gpte)
{
	enum gwalk_mode mode = gwalk_mode_of(cpu);

	if (level == 1)
		return true;
	if (!(gpte & GPTE_PS))
		return false;
	switch (mode) {
	case GWALK_MODE_32:      /* PS is ignored unless CR4.PSE (SDM 4.3) */
		return level == 2 && (cpu->cr4 & GW_CR4_PSE);
	case GWALK_MODE_PAE:     /* PDE only; PS in a PDPTE is reserved */
		return level == 2;
	default:                 /* PDE, PDPTE; PS in PML4E/PML5E is reserved */
		return level == 2 || level == 3;
	}
}

/*
 * 32-bit paging, 4 MiB PDE (SDM Table 4-4): bits 20..13 carry physical
 * address bits 39..32 with PSE-36; bit 21 and every bit above the CPU's
 * width (M = min(MAXPHYADDR, 40)) are reserved.
 *
 *   31      22 21 20      13 12  11..0
 *  +----------+--+----------+---+------+
 *  | PA 31..22| 0| PA 39..32|PAT| flags|
 *  +----------+--+----------+---+------+
 */
static int pse36_width(const struct gwalk_cpu *cpu)
{
	if (!cpu->pse36)
		return 32;
	return cpu->maxphyaddr < 40 ? cpu->maxphyaddr : 40;
}

static u64 rsvd_32(const struct gwalk_cpu *cpu, int level, u64 gpte)
{
	if (level == 2 && (gpte & GPTE_PS) && (cpu->cr4 & GW_CR4_PSE))
		return GENMASK(21, 13 + (pse36_width(cpu) - 32));
	return 0;                /* 32-bit PTEs and PDE->PT have no reserved bits */
}

/* PAE (SDM Tables 4-8..4-11): PDPTE 63..M, 8..5, 2..1; PDE/PTE 62..M. */
static u64 rsvd_pae(const struct gwalk_cpu *cpu, int level, u64 gpte)
{
	u64 xd = (cpu->efer & GW_EFER_NXE) ? 0 : GPTE_XD;

	if (level == 3)
		return above_maxphyaddr(cpu, 63) | GENMASK(8, 5) | GENMASK(2, 1);
	if (level == 2 && (gpte & GPTE_PS))
		return above_maxphyaddr(cpu, 62) | xd | GENMASK(20, 13);
	return above_maxphyaddr(cpu, 62) | xd;
}

/* 4/5-level (SDM Tables 4-14..4-20): 51..M everywhere, XD unless NXE, PS
 * where no page can be mapped, the low address bits of a large page. */
static u64 rsvd_long(const struct gwalk_cpu *cpu, int level, u64 gpte)
{
	u64 rsvd = above_maxphyaddr(cpu, 51);

	if (!(cpu->efer & GW_EFER_NXE))
		rsvd |= GPTE_XD;
	if (level >= 4)
		rsvd |= GPTE_PS;                 /* no 512 GiB pages */
	else if (level == 3 && (gpte & GPTE_PS))
		rsvd |= cpu->gbpages ? GENMASK(29, 13) : GPTE_PS;
	else if (level == 2 && (gpte & GPTE_PS))
		rsvd |= GENMASK(20, 13);
	return rsvd;
}

u64 gwalk_gpte_rsvd_bits(const struct gwalk_cpu *cpu, int level, u64 gpte)
{
	switch (gwalk_mode_of(cpu)) {
	case GWALK_MODE_32:
		return gpte & rsvd_32(cpu, level, gpte);
	case GWALK_MODE_PAE:
		return gpte & rsvd_pae(cpu, level, gpte);
	case GWALK_MODE_4LEVEL:
	case GWALK_MODE_5LEVEL:
		return gpte & rsvd_long(cpu, level, gpte);
	default:
		return 0;
	}
}

u32 gwalk_gpte_access(const struct gwalk_cpu *cpu, int level, u64 gpte)
{
	enum gwalk_mode mode = gwalk_mode_of(cpu);
	u32 acc = GWALK_ACC_ALL;

	if (!gwalk_level_has_ad(mode, level))
		return acc;          /* PAE PDPTE: no R/W, U/S or XD (SDM 4.4.1) */
	if (!(gpte & GPTE_RW))
		acc &= ~GWALK_ACC_W;
	if (!(gpte & GPTE_US))
		acc &= ~GWALK_ACC_U;
	if (mode != GWALK_MODE_32 && (cpu->efer & GW_EFER_NXE) && (gpte & GPTE_XD))
		acc &= ~GWALK_ACC_X;
	return acc;
}

static u64 level_page_size(int level, enum gwalk_mode mode)
{
	if (mode == GWALK_MODE_32)
		return level == 2 ? (4ull << 20) : PAGE_SIZE;
	return 1ull << (12 + 9 * (level - 1));
}

gpa_t gwalk_leaf_gpa(const struct gwalk_cpu *cpu, enum gwalk_mode mode,
		     int level, u64 gpte, gva_t gva)
{
	u64 size = level_page_size(level, mode);
	u64 offset = gva & (size - 1);

	if (mode == GWALK_MODE_32 && level == 2) {
		u64 high = (gpte >> 13) & 0xff;                    /* PA 39..32 */
		u64 high_mask = (1ull << (pse36_width(cpu) - 32)) - 1;
		return (gpte & GENMASK(31, 22)) | ((high & high_mask) << 32) | offset;
	}
	if (mode == GWALK_MODE_32)
		return (gpte & GPTE32_ADDR) | offset;
	return (gpte & GPTE64_ADDR & ~(size - 1)) | offset;  /* drops PAT (bit 12) */
}
