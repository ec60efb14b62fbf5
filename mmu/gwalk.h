/*
 * gwalk.h: the guest page-table walker, first piece of the shadow MMU.
 *
 * Translates a guest virtual address the way the guest's own MMU would:
 * 32-bit paging (with and without PSE / PSE-36), PAE paging, 4-level and
 * 5-level paging, or no paging at all; checks permissions (U/S, R/W, NX,
 * CR0.WP, SMEP, SMAP with EFLAGS.AC), reserved bits, and sets the guest's
 * Accessed and Dirty bits with compare-exchange as hardware would. A walk
 * that fails produces the #PF error code the guest must see.
 *
 * Used by the shadow MMU (to build SPTEs from gPTEs), and by hv's instruction
 * emulator (gva -> gpa). It is portable (freestanding, no libc) and reaches
 * guest memory ONLY through struct gwalk_mem, which the caller binds to
 * memslots (hv) or to an array (host tests). Design notes: mmu/SHADOW.md.
 *
 * References: Intel SDM Vol. 3A ch. 4 (4.3 32-bit paging, 4.4 PAE paging,
 * 4.5 4-level and 5-level paging, 4.6 access rights, 4.7 page-fault
 * exceptions, 4.8 accessed and dirty flags); AMD APM Vol. 2 ch. 5 (5.3 long
 * mode page translation, 5.6 page-protection checks, 5.4.2 A/D bits).
 */
#ifndef HVLAB_MMU_GWALK_H
#define HVLAB_MMU_GWALK_H

#include "../include/hvlab/types.h"

/* ---- guest control-register bits the walker looks at ------------------- */
#define GW_CR0_WP      BIT(16)  /* supervisor writes honour R/W (SDM 4.6.1) */
#define GW_CR0_PG      BIT(31)  /* paging on */
#define GW_CR4_PSE     BIT(4)   /* 32-bit paging: 4 MiB pages allowed */
#define GW_CR4_PAE     BIT(5)   /* 64-bit entries (PAE / 4-level / 5-level) */
#define GW_CR4_LA57    BIT(12)  /* 5-level paging when in long mode */
#define GW_CR4_SMEP    BIT(20)  /* no supervisor fetch from user pages */
#define GW_CR4_SMAP    BIT(21)  /* no supervisor data access to user pages */
#define GW_EFER_LMA    BIT(10)  /* long mode active: 4/5-level paging */
#define GW_EFER_NXE    BIT(11)  /* bit 63 of PAE/long entries is XD, not reserved */
#define GW_RFLAGS_AC   BIT(18)  /* lets explicit supervisor accesses through SMAP */

/* ---- guest paging-structure entry bits ----------------------------------
 *
 *   63  62..52  51..M   M-1..12     11..9  8  7   6  5  4   3   2   1   0
 *  +--+-------+-------+------------+-----+--+---+--+--+---+---+---+---+--+
 *  |XD|ignored| rsvd  | frame addr |ignor| G|PS | D| A|PCD|PWT|U/S|R/W| P|
 *  +--+-------+-------+------------+-----+--+---+--+--+---+---+---+---+--+
 *   (64-bit entry, 4-level paging; PAE PDE/PTE reserve 62..M too; a 4 KiB
 *   PTE has PAT at bit 7; a 2M/1G leaf has PAT at bit 12. 32-bit entries
 *   are the low 32 bits, with no XD and no reserved address bits.)
 */
#define GPTE_P     BIT(0)   /* present */
#define GPTE_RW    BIT(1)   /* writes allowed (all levels must agree) */
#define GPTE_US    BIT(2)   /* user-mode accesses allowed (all levels) */
#define GPTE_A     BIT(5)   /* accessed: set by the walk on every entry used */
#define GPTE_D     BIT(6)   /* dirty: set on the leaf by a write */
#define GPTE_PS    BIT(7)   /* page size: this entry maps a large page */
#define GPTE_XD    BIT(63)  /* execute disable (EFER.NXE=1), else reserved */

/* ---- paging modes (SDM Table 4-1) --------------------------------------- */
enum gwalk_mode {
	GWALK_MODE_NONE = 0,   /* CR0.PG=0: gpa = gva */
	GWALK_MODE_32,         /* CR4.PAE=0: 2 levels of 4-byte entries */
	GWALK_MODE_PAE,        /* PAE, not long mode: PDPTE + 2 levels */
	GWALK_MODE_4LEVEL,     /* EFER.LMA=1, CR4.LA57=0 */
	GWALK_MODE_5LEVEL,     /* EFER.LMA=1, CR4.LA57=1 */
};

/* The guest CPU state a walk depends on (copied from the vCPU by the caller). */
struct gwalk_cpu {
	u64 cr0;             /* GW_CR0_PG, GW_CR0_WP */
	u64 cr3;             /* root: bits 51..12 (long), 31..5 (PAE), 31..12 (32-bit) */
	u64 cr4;             /* GW_CR4_PSE, _PAE, _LA57, _SMEP, _SMAP */
	u64 efer;            /* GW_EFER_LMA, GW_EFER_NXE */
	u64 rflags;          /* GW_RFLAGS_AC */
	u8  maxphyaddr;      /* CPUID 0x80000008 EAX[7:0]: 32..52 */
	bool pse36;          /* CPUID 1 EDX[17]: 4 MiB pages reach above 4 GiB */
	bool gbpages;        /* CPUID 0x80000001 EDX[26]: 1 GiB pages (else PS in a PDPTE is reserved) */
	const u64 *pdptrs;   /* PAE only: the 4 PDPTE registers loaded at MOV CR3
	                        (Intel, SDM 4.4.1), or NULL: read them from CR3 at
	                        every walk (AMD nested paging) */
	u16 vcpu_id;         /* for trace records (HVT_NO_VCPU outside a vCPU) */
};

/*
 * Guest physical memory, as the walker sees it. size is 4 (32-bit paging)
 * or 8. Both return 0, or E_FAULT if gpa is not guest RAM; cmpxchg_gpte
 * returns E_BUSY, writing nothing, if the entry no longer holds old (the guest
 * changed it under us: the walk restarts). gpa is always size-aligned.
 */
struct gwalk_mem {
	int (*read_gpte)(void *ctx, gpa_t gpa, u64 *val, int size);
	int (*cmpxchg_gpte)(void *ctx, gpa_t gpa, u64 old, u64 new_val, int size);
	void *ctx;           /* handed back to both */
};

/* Bind mem to a VM's guest RAM through its memslots (gwalk_vm.c). */
struct mmu_vm;
void gwalk_mem_bind_vm(struct gwalk_mem *mem, struct mmu_vm *vm);

/* ---- what is asked: the access (bit positions = #PF error code) -------- */
#define GWALK_WRITE     (1u << 1)   /* data write (else read) */
#define GWALK_USER      (1u << 2)   /* user-mode access: CPL=3 and not implicit */
#define GWALK_FETCH     (1u << 4)   /* instruction fetch */
#define GWALK_IMPLICIT  (1u << 8)   /* implicit supervisor access (GDT, IDT, TSS...):
                                       SMAP applies even with EFLAGS.AC=1 */
#define GWALK_NO_AD     (1u << 9)   /* probe only: do not set A/D bits */

/* ---- the #PF error code a faulting walk reports (SDM 4.7); same values as
 * MMU_PF_* in mmu/mmu.h, kept here so the walker stands alone ---------- */
#define GWALK_PF_PRESENT (1u << 0)  /* P: protection or reserved bit (0: not present) */
#define GWALK_PF_WRITE   (1u << 1)  /* W/R: the access was a write */
#define GWALK_PF_USER    (1u << 2)  /* U/S: user-mode access */
#define GWALK_PF_RSVD    (1u << 3)  /* RSVD: a reserved bit was set */
#define GWALK_PF_FETCH   (1u << 4)  /* I/D: instruction fetch (SMEP, or PAE+NXE) */

/* ---- what was found ----------------------------------------------------- */
#define GWALK_ACC_X   (1u << 0)     /* effective: fetch allowed (no XD on the path) */
#define GWALK_ACC_W   (1u << 1)     /* effective: R/W=1 at every level */
#define GWALK_ACC_U   (1u << 2)     /* effective: U/S=1 at every level (a user-mode address) */
#define GWALK_ACC_ALL (GWALK_ACC_X | GWALK_ACC_W | GWALK_ACC_U)

#define GWALK_MAX_LEVELS 5
#define GWALK_MAX_TRIES  16         /* A/D races tolerated before giving up with E_BUSY */

/* HVT_WALK_STEP reason values (see mmu/SHADOW.md, "Trace"). */
#define GWALK_TR_READ   0           /* a gPTE was read */
#define GWALK_TR_FAULT  1           /* a gPTE was read and the walk faulted here */
#define GWALK_TR_SET_AD 2           /* A/D set: b=new gpte, d=old gpte; flags ATOMIC,
                                       + LOST_RACE if the guest changed it first */

struct gwalk_result {
	gpa_t gpa;                      /* translation (valid if !fault) */
	int   mode;                     /* enum gwalk_mode used */
	int   root_level;               /* level of the first entry read (0: paging off) */
	int   level;                    /* leaf level (1 = 4K, 2 = 2M/4M, 3 = 1G), or the
	                                   level where a fault stopped the walk */
	u64   gptes[GWALK_MAX_LEVELS];  /* [level-1]: entry used at that level, with the
	                                   A/D bits this walk set */
	gpa_t gpte_gpa[GWALK_MAX_LEVELS]; /* [level-1]: where that entry lives */
	u32   access;                   /* effective GWALK_ACC_* of the translation */
	bool  fault;                    /* the guest gets #PF(error_code) */
	u32   error_code;               /* GWALK_PF_* */
	u32   tries;                    /* walks done (1 + A/D races lost) */
};

/*
 * Walk the guest tables for gva. Returns 0 with res filled (res->fault says
 * whether the guest takes a #PF), E_FAULT if a guest table is not in guest
 * RAM, E_BUSY if A/D updates lost GWALK_MAX_TRIES races, E_INVAL for a
 * contradictory access (USER|IMPLICIT, WRITE|FETCH). Emits HVT_WALK_STEP.
 */
int gwalk(const struct gwalk_cpu *cpu, const struct gwalk_mem *mem,
	  gva_t gva, u32 access, struct gwalk_result *res);

/*
 * W6 (mmu/SHADOW.md): does guest memory still hold every gPTE the walk in
 * res used (with the A/D bits it set)? 0 = unchanged, 1 = changed (redo the
 * fault), E_FAULT. Reads through mem, so under the MMU lock use a binding
 * that does not take it. PDPTE registers are not re-read.
 */
int gwalk_recheck(const struct gwalk_cpu *cpu, const struct gwalk_mem *mem,
		  const struct gwalk_result *res);

/* Helpers the shadow MMU reuses when it re-reads gPTEs (sync, prefetch). */
enum gwalk_mode gwalk_mode_of(const struct gwalk_cpu *cpu);
/* Reserved bits set in gpte at level (mode from cpu); 0 if none. */
u64  gwalk_gpte_rsvd_bits(const struct gwalk_cpu *cpu, int level, u64 gpte);
/* Is this present, valid entry at level a leaf (maps a page)? */
bool gwalk_gpte_is_leaf(const struct gwalk_cpu *cpu, int level, u64 gpte);
/* GWALK_ACC_* this one entry allows (U/S, R/W, XD). */
u32  gwalk_gpte_access(const struct gwalk_cpu *cpu, int level, u64 gpte);
/* gwalk_perm.c (lab 02): would an access with these effective rights fault
 * (SDM 4.6)? And the #PF error code for a fault of kind (0: not present,
 * GWALK_PF_PRESENT or GWALK_PF_PRESENT|GWALK_PF_RSVD) on this access. */
bool gwalk_permission_fault(const struct gwalk_cpu *cpu, u32 access, u32 eff_access);
u32  gwalk_fault_error_code(const struct gwalk_cpu *cpu, u32 access, u32 kind);

/* ---- the paging formats as functions of (mode, level): gwalk_format.c ---- */
int   gwalk_root_level(enum gwalk_mode mode);       /* 0, 2, 3, 4 or 5 */
int   gwalk_gpte_size(enum gwalk_mode mode);        /* 4 or 8 bytes */
gpa_t gwalk_root_table(const struct gwalk_cpu *cpu, enum gwalk_mode mode);
u32   gwalk_index(enum gwalk_mode mode, int level, gva_t gva);
gpa_t gwalk_next_table(enum gwalk_mode mode, u64 gpte);
gpa_t gwalk_leaf_gpa(const struct gwalk_cpu *cpu, enum gwalk_mode mode,
		     int level, u64 gpte, gva_t gva);
bool  gwalk_level_has_ad(enum gwalk_mode mode, int level); /* not the PAE PDPTE */

#endif
