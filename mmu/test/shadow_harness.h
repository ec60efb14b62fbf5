/*
 * shadow_harness.h: what the shadow MMU's tests and bench share: a guest
 * with 4 MiB of RAM (slot 0, gfn 0..1023), page tables built in that RAM,
 * and a software CPU (cpu_access) that walks the SHADOW tables the way
 * hardware would (P, W, U, NX; sets A/D with a locked OR) and on a failed
 * walk takes mmu_shadow_page_fault, emulating writes to write-protected
 * gPTs through mmu_shadow_emulated_write exactly as hv does. It has no
 * TLB: every access walks, so it is the strictest guest.
 *
 * The guest runs 4-level paging (the default), PAE or 32-bit paging
 * (sg_set_mode); its tables are built here by hand, with the index math
 * of the SDM written out (not gwalk_format.c's), so a format bug in the
 * MMU cannot hide behind the same bug in the harness. A 32-bit guest
 * reads and writes 4 bytes at a time (its PTE edits are MOV r32).
 */
#ifndef HVLAB_MMU_TEST_SHADOW_HARNESS_H
#define HVLAB_MMU_TEST_SHADOW_HARNESS_H

#include "host_env.h"
#include "../shadow_int.h"

#include <stdlib.h>
#include <string.h>

#define RAM_PAGES   1024
/* cfg.shadow_max_pages of the VMs sg_create makes (0: the default budget). */
static u64 sg_budget;
#define PT_FLAGS    (GPTE_P | GPTE_RW | GPTE_US)

struct sg {                         /* a shadow-paged guest */
	struct mmu_vm *vm;
	struct mmu_vcpu *vcpu;
	struct gwalk_cpu cpu;           /* its CR0/CR3/CR4/EFER */
	hpa_t root;                     /* shadow root it runs on */
	gfn_t next_pt;                  /* bump allocator for gPT frames */
	u64 exits;                      /* faults taken by cpu_access */
	u64 injected;                   /* #PFs delivered to the guest */
	u32 last_error;                 /* error code of the last injected #PF */
	int last_mmio_kind;             /* HVT_MMIO_* of the last access returned as MMIO */
	int width;                      /* bytes per guest access: 8, or 4 (32-bit guest) */
	long live0;                     /* host pages live before the VM (leak check) */
};

static inline bool sg_create(struct sg *g, bool no_unsync, bool skip_wadd, bool no_prefetch)
{
	struct mmu_config cfg = {
		.format = MMU_FORMAT_X86, .levels = 4, .mode = HVT_MMU_SHADOW, .ad_enabled = true,
		.nr_vcpus = 1, .maxphyaddr = 48, .shadow_no_unsync = no_unsync,
		.shadow_sync_skip_wadd = skip_wadd, .shadow_no_prefetch = no_prefetch,
		.shadow_max_pages = sg_budget,
	};
	*g = (struct sg){0};
	/* A test's trace starts with its VM (so host_trace_check judges this
	 * VM alone), and so does its page count (so a leak is this VM's). */
	host_trace_reset();
	g->live0 = host_pages_live();
	g->vm = mmu_vm_create(&cfg);
	if (!g->vm || mmu_memslot_create(g->vm, 0, 0, RAM_PAGES, 0, 0))
		return false;
	g->vcpu = mmu_vcpu_create(g->vm, 0);
	mmu_vcpu_enter_guest(g->vcpu);
	g->cpu = (struct gwalk_cpu){
		.cr0 = GW_CR0_PG | GW_CR0_WP | 1, .cr4 = GW_CR4_PAE,
		.efer = GW_EFER_LMA | GW_EFER_NXE | BIT(8), .maxphyaddr = 48, .gbpages = true,
	};
	g->next_pt = 0x100;
	g->width = 8;
	return g->vcpu != NULL;
}

/* The guest's paging mode: 4-level (long mode), PAE (CR4.PAE, EFER.LMA=0,
 * NXE on) or 32-bit (CR4.PSE for 4 MiB pages, no PAE). CR0.PG, WP on. */
static inline void sg_set_mode(struct sg *g, enum gwalk_mode mode)
{
	g->cpu.cr0 = GW_CR0_PG | GW_CR0_WP | 1;
	g->cpu.pdptrs = NULL;
	g->width = 8;
	switch (mode) {
	case GWALK_MODE_PAE:
		g->cpu.cr4 = GW_CR4_PAE;
		g->cpu.efer = GW_EFER_NXE;
		break;
	case GWALK_MODE_32:
		g->cpu.cr4 = GW_CR4_PSE;
		g->cpu.efer = 0;
		g->cpu.pse36 = true;
		g->width = 4;
		break;
	default:
		g->cpu.cr4 = GW_CR4_PAE;
		g->cpu.efer = GW_EFER_LMA | GW_EFER_NXE | BIT(8);
		break;
	}
}

static inline enum gwalk_mode sg_mode(struct sg *g)
{
	return gwalk_mode_of(&g->cpu);
}

static inline void sg_destroy(struct sg *g)
{
	mmu_vm_destroy(g->vm);
}

static inline u64 *gpa_va(struct sg *g, gpa_t gpa)
{
	hpa_t hpa;
	if (mmu_gpa_to_hpa(g->vm, gpa, false, &hpa))
		abort();
	return env_hpa_to_va(hpa);
}

/* The guest's own page-table edits (plain stores, as the guest's CPU would
 * do them once the shadow MMU let the write through or emulated it). */
static inline gfn_t new_pt(struct sg *g)
{
	gfn_t gfn = g->next_pt++;
	memset(gpa_va(g, gfn << 12), 0, 4096);
	return gfn;
}

/* A gPTE of the current mode's size (4 bytes for 32-bit paging). */
static inline int gsize(struct sg *g)
{
	return sg_mode(g) == GWALK_MODE_32 ? 4 : 8;
}

static inline u64 gget(struct sg *g, gpa_t gpa)
{
	return gsize(g) == 4 ? *(u32 *)gpa_va(g, gpa) : *gpa_va(g, gpa);
}

static inline void gset(struct sg *g, gpa_t gpa, u64 v)
{
	if (gsize(g) == 4)
		*(u32 *)gpa_va(g, gpa) = (u32)v;
	else
		*gpa_va(g, gpa) = v;
}

/*
 * Where the guest's entry for gva at level lives, in the current mode (SDM
 * 4.3-4.5), creating missing tables if asked; 0 if a table is missing.
 *   4-level: CR3 51..12, 9 bits per level from 47..39
 *   PAE:     CR3 31..5 -> 4 PDPTEs (gva 31..30, P only), PD 29..21, PT 20..12
 *   32-bit:  CR3 31..12 -> PD 31..22, PT 21..12, 4-byte entries
 */
static inline gpa_t gpte_gpa(struct sg *g, u64 cr3, gva_t gva, int level, bool create)
{
	enum gwalk_mode m = sg_mode(g);
	gpa_t table = m == GWALK_MODE_PAE ? (cr3 & GENMASK(31, 5)) :
		      m == GWALK_MODE_32 ? (cr3 & GENMASK(31, 12)) : (cr3 & GENMASK(51, 12));
	int top = m == GWALK_MODE_PAE ? 3 : m == GWALK_MODE_32 ? 2 : 4;

	for (int l = top; ; l--) {
		gpa_t e;
		if (m == GWALK_MODE_32)
			e = table + ((gva >> (12 + 10 * (l - 1))) & 1023) * 4;
		else if (m == GWALK_MODE_PAE && l == 3)
			e = table + ((gva >> 30) & 3) * 8;
		else
			e = table + ((gva >> (12 + 9 * (l - 1))) & 511) * 8;
		if (l == level)
			return e;
		u64 v = gget(g, e);
		if (!(v & GPTE_P)) {
			if (!create)
				return 0;
			/* a PAE PDPTE has no R/W, U/S (reserved): P only */
			v = (new_pt(g) << 12) | ((m == GWALK_MODE_PAE && l == 3) ? GPTE_P : PT_FLAGS);
			gset(g, e, v);
		}
		table = v & (m == GWALK_MODE_32 ? GENMASK(31, 12) : GENMASK(51, 12));
	}
}

/* gfn of the table holding gva's entry at level (the gPT the MMU shadows). */
static inline gfn_t gpt_gfn(struct sg *g, u64 cr3, gva_t gva, int level)
{
	return gpte_gpa(g, cr3, gva, level, false) >> 12;
}

static inline u64 *gpte_ptr(struct sg *g, u64 cr3, gva_t gva, int level, bool create)
{
	gpa_t table = cr3 & GENMASK(51, 12);
	for (int l = 4; ; l--) {
		u64 *e = gpa_va(g, table + ((gva >> (12 + 9 * (l - 1))) & 511) * 8);
		if (l == level)
			return e;
		if (!(*e & GPTE_P)) {
			if (!create)
				return NULL;
			*e = (new_pt(g) << 12) | PT_FLAGS;
		}
		table = *e & GENMASK(51, 12);
	}
}

/* 4-level only (8-byte entries); the other modes use gpte_gpa/gset. */
static inline void map4k(struct sg *g, u64 cr3, gva_t gva, gfn_t gfn, u64 flags)
{
	gset(g, gpte_gpa(g, cr3, gva, 1, true), (gfn << 12) | flags);
}

static inline int load(struct sg *g, u64 cr3)
{
	g->cpu.cr3 = cr3;
	return mmu_shadow_load(g->vcpu, &g->cpu, &g->root);
}

/* Hardware walk of the shadow tables. Returns the leaf SPTE pointer or
 * NULL with *error (MMU_PF_* as the CPU reports it). */
static inline u64 *hw_walk(struct sg *g, gva_t gva, u32 access, u32 *error)
{
	u64 *pt = env_hpa_to_va(g->root), *e = NULL;
	bool pae = !(g->cpu.efer & GW_EFER_LMA);   /* the CPU's mode follows EFER.LMA */

	*error = access;
	for (int l = pae ? 3 : 4; l >= 1; l--) {
		e = pt + ((gva >> (12 + 9 * (l - 1))) & 511);
		u64 s = __atomic_load_n(e, __ATOMIC_ACQUIRE);
		if (!(s & X86_P))
			return NULL;
		if (pae && l == 3 && (s & (X86_W | X86_U | 0x1e0)))
			abort();   /* reserved PDPTE bits: #GP/RSVD on hardware */
		if (l == 1 || (s & SPTE_HUGE)) {
			*error |= MMU_PF_PRESENT;
			if ((access & MMU_PF_WRITE) && !(s & X86_W))
				return NULL;
			if ((access & MMU_PF_USER) && !(s & X86_U))
				return NULL;
			if ((access & MMU_PF_FETCH) && (s & X86_NX))
				return NULL;
			return e;
		}
		pt = env_hpa_to_va(s & GENMASK(47, 12));
	}
	return NULL;
}

/* One guest access. 0 done (*val read or written), 1 #PF injected, 2 MMIO,
 * -1 error. */
static inline int cpu_access(struct sg *g, gva_t gva, u32 access, u64 *val)
{
	for (int tries = 0; tries < 16; tries++) {
		u32 error;
		u64 *e = hw_walk(g, gva, access, &error);
		if (e) {
			void *va = env_hpa_to_va((*e & GENMASK(47, 12)) | (gva & (0x1000 - g->width)));
			__atomic_fetch_or(e, X86_A | ((access & MMU_PF_WRITE) ? X86_D : 0), __ATOMIC_SEQ_CST);
			if (g->width == 4 && (access & MMU_PF_WRITE))
				*(u32 *)va = (u32)*val;
			else if (g->width == 4)
				*val = *(u32 *)va;
			else if (access & MMU_PF_WRITE)
				*(u64 *)va = *val;
			else
				*val = *(u64 *)va;
			return 0;
		}
		struct mmu_shadow_fault out = {0};
		g->exits++;
		enum mmu_fault_result r = mmu_shadow_page_fault(g->vcpu, &g->cpu, gva, error, 0x1000, &out);
		switch (r) {
		case MMU_FAULT_INJECT:
			g->injected++;
			g->last_error = out.error_code;
			return 1;
		case MMU_FAULT_EMULATE:
			if (mmu_shadow_emulated_write(g->vcpu, out.gpa & ~(gpa_t)(g->width - 1), val, g->width))
				return -1;
			return 0;
		case MMU_FAULT_MMIO:
			g->last_mmio_kind = out.mmio_kind;
			return 2;
		case MMU_FAULT_ERROR:
			return -1;
		default:
			break;   /* FIXED, SPURIOUS, RETRY: walk again */
		}
	}
	return -1;
}

static inline u64 rd(struct sg *g, gva_t gva, int *rc)
{
	u64 v = 0;
	*rc = cpu_access(g, gva, 0, &v);
	return v;
}

static inline int wr(struct sg *g, gva_t gva, u64 v)
{
	return cpu_access(g, gva, MMU_PF_WRITE, &v);
}

static inline u64 leaf_spte(struct sg *g, gva_t gva)
{
	u32 err;
	u64 *e = hw_walk(g, gva, 0, &err);
	return e ? *e : 0;
}

static inline struct mmu_shadow_stats stats(struct sg *g)
{
	struct mmu_shadow_stats s;
	mmu_shadow_get_stats(g->vm, &s);
	return s;
}

#endif
