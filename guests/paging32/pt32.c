/*
 * pt32.c: build and edit page tables in the 32-bit and PAE formats (pt32.h).
 * Tables come from a static pool in .bss, identity-mapped like the rest of
 * the guest, so the guest edits them through plain pointers.
 */
#include "pt32.h"

#define POOL_PAGES 64

enum pt_mode pt_mode;
static u8 pool[POOL_PAGES][PAGE32] __attribute__((aligned(4096)));
static u32 pool_used;

void pt_init(enum pt_mode mode)
{
	pt_mode = mode;
	pool_used = 0;
}

u32 pt_alloc_page(void)
{
	if (pool_used == POOL_PAGES) {
		printf32("paging32: page-table pool exhausted (%u pages)\n", POOL_PAGES);
		guest32_exit(3);
	}
	u8 *p = pool[pool_used++];
	memset(p, 0, PAGE32);
	return (u32)p;
}

u32 large_page_size(void) { return pt_mode == PT_MODE_32 ? 4u << 20 : 2u << 20; }

u64 ent_get(const void *e)
{
	if (pt_mode == PT_MODE_32)
		return *(const volatile u32 *)e;
	const volatile u32 *w = e;
	u32 lo = w[0], hi = w[1];
	return ((u64)hi << 32) | lo;
}

void ent_set(void *e, u64 v)
{
	volatile u32 *w = e;
	if (pt_mode == PT_MODE_32) {
		w[0] = (u32)v;
		return;
	}
	if (w[1] != (u32)(v >> 32)) {
		w[0] = 0;                 /* not present while the high half changes */
		w[1] = (u32)(v >> 32);
	}
	w[0] = (u32)v;
}

void as_init(struct aspace *as)
{
	as->root = pt_alloc_page();     /* the PD, or the PDPT (32-byte aligned: a page) */
	/* PAE: the CPU loads the 4 PDPTEs at MOV CR3 and walks through those
	 * registers (Intel SDM 4.4.1): a PDPTE written later is not seen until
	 * the next CR3 load. Give all four a PD now, as a PAE OS does, so they
	 * never change while loaded. */
	if (pt_mode == PT_MODE_PAE)
		for (int i = 0; i < 4; i++)
			ent_set((u64 *)as->root + i, pt_alloc_page() | PTE_P);
}

/* The PD for va: the root itself (32-bit), or the one its PDPTE points to. */
static u32 pd_of(struct aspace *as, u32 va, bool create)
{
	if (pt_mode == PT_MODE_32)
		return as->root;
	u64 *pdpte = (u64 *)as->root + (va >> 30);
	if (!(ent_get(pdpte) & PTE_P)) {
		if (!create)
			return 0;
		/* A PAE PDPTE has only P and the address: R/W, U/S, A, D, PS
		 * are reserved there (SDM 4.4.1, Table 4-8). */
		ent_set(pdpte, pt_alloc_page() | PTE_P);
	}
	return (u32)ent_get(pdpte) & ~0xfffu;
}

static void *pde_of(struct aspace *as, u32 va, bool create)
{
	u32 pd = pd_of(as, va, create);
	if (!pd)
		return NULL;
	return pt_mode == PT_MODE_32 ? (void *)((u32 *)pd + (va >> 22))
				     : (void *)((u64 *)pd + ((va >> 21) & 511));
}

void *as_entry(struct aspace *as, u32 va, int level)
{
	void *pde = pde_of(as, va, false);
	if (!pde || level == 2)
		return pde;
	u64 e = ent_get(pde);
	if (!(e & PTE_P))
		return NULL;
	if (e & PTE_PS)
		return pde;
	u32 pt = (u32)e & ~0xfffu;
	return pt_mode == PT_MODE_32 ? (void *)((u32 *)pt + ((va >> 12) & 1023))
				     : (void *)((u64 *)pt + ((va >> 12) & 511));
}

void as_map(struct aspace *as, u32 va, u32 pa, u64 flags, bool large)
{
	if (pt_mode == PT_MODE_32)
		flags &= 0xfffu;          /* no XD in 32-bit entries */
	void *pde = pde_of(as, va, true);
	if (large) {
		ent_set(pde, pa | flags | PTE_PS);
		return;
	}
	u64 e = ent_get(pde);
	if (!(e & PTE_P)) {
		/* Upper levels allow everything; the leaf decides. */
		ent_set(pde, pt_alloc_page() | PTE_P | PTE_RW | PTE_US);
	}
	ent_set(as_entry(as, va, 1), pa | flags);
}
