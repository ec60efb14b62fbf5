/*
 * test_gwalk_ref.c: sparse guest memory for the walker tests, and the
 * reference model: a deliberately plain transcription of Intel SDM Vol. 3A
 * chapter 4 (tables 4-2..4-20 for the formats, 4.6.1 for access rights,
 * 4.7 for the error code, 4.8 for A/D), one function per paging mode, with
 * bit numbers spelled out. It shares no code with mmu/gwalk*.c; only the
 * input struct (gwalk_cpu) and the access flag values are common.
 */
#include <string.h>

#include "test_gwalk_ref.h"

/* ---------------- sparse memory ---------------- */

u8 *tmem_page(struct tmem *m, gfn_t gfn, bool create)
{
	for (int i = 0; i < m->n; i++)
		if (m->gfn[i] == gfn)
			return m->data[i];
	if (!create || m->n == TMEM_MAX_PAGES)
		return NULL;
	m->gfn[m->n] = gfn;
	memset(m->data[m->n], 0, 4096);
	return m->data[m->n++];
}

bool tmem_load(struct tmem *m, gpa_t gpa, int size, u64 *val)
{
	u8 *page = tmem_page(m, gpa >> 12, false);
	u32 v32;

	if (!page)
		return false;
	if (size == 4) {
		memcpy(&v32, page + (gpa & 0xfff), 4);
		*val = v32;
	} else {
		memcpy(val, page + (gpa & 0xfff), 8);
	}
	return true;
}

bool tmem_store(struct tmem *m, gpa_t gpa, int size, u64 val)
{
	u8 *page = tmem_page(m, gpa >> 12, false);
	u32 v32 = (u32)val;

	if (!page)
		return false;
	if (size == 4)
		memcpy(page + (gpa & 0xfff), &v32, 4);
	else
		memcpy(page + (gpa & 0xfff), &val, 8);
	return true;
}

static int tm_read(void *ctx, gpa_t gpa, u64 *val, int size)
{
	struct tmem *m = ctx;

	m->reads++;
	return tmem_load(m, gpa, size, val) ? 0 : E_FAULT;
}

static int tm_cmpxchg(void *ctx, gpa_t gpa, u64 old, u64 new_val, int size)
{
	struct tmem *m = ctx;
	u64 cur;

	m->cmpxchg_count++;
	if (!tmem_load(m, gpa, size, &cur))
		return E_FAULT;
	if (m->race_every) {
		cur ^= m->race_set;                             /* a guest that always wins */
		tmem_store(m, gpa, size, cur);
	} else if (m->cmpxchg_count == m->race_at) {
		cur = (cur | m->race_set) & ~m->race_clear;   /* the guest writes first */
		tmem_store(m, gpa, size, cur);
	}
	if (cur != old)
		return E_BUSY;
	tmem_store(m, gpa, size, new_val);
	return 0;
}

void tmem_bind(struct tmem *m, struct gwalk_mem *mem)
{
	mem->read_gpte = tm_read;
	mem->cmpxchg_gpte = tm_cmpxchg;
	mem->ctx = m;
}

/* ---------------- reference model ---------------- */

static bool bit(u64 v, int n) { return (v >> n) & 1; }

/* Any bit hi..lo set in v? (empty range when hi < lo) */
static bool any_bits(u64 v, int hi, int lo)
{
	for (int b = lo; b <= hi; b++)
		if (bit(v, b))
			return true;
	return false;
}

/* Bits of v from hi..lo, shifted down. */
static u64 field(u64 v, int hi, int lo)
{
	u64 r = 0;
	for (int b = hi; b >= lo; b--)
		r = (r << 1) | bit(v, b);
	return r;
}

struct ref_ctx {
	const struct gwalk_cpu *cpu;
	struct tmem *m;
	gva_t gva;
	u32 access;
	struct ref_out *out;
	int size;                 /* bytes per entry */
	/* entries used, for rights and A/D */
	int n;
	gpa_t ent_gpa[5];
	u64 ent_val[5];
	bool ent_has_rights[5];   /* false for the PAE PDPTE */
};

/* Read one entry; false if memory is absent (status = E_FAULT). */
static bool ref_read(struct ref_ctx *c, int level, gpa_t gpa, u64 *val)
{
	if (!tmem_load(c->m, gpa, c->size, val)) {
		c->out->status = E_FAULT;
		return false;
	}
	struct ref_read *r = &c->out->reads[c->out->nreads++];
	r->level = level;
	r->gpa = gpa;
	r->val = *val;
	return true;
}

static void ref_use(struct ref_ctx *c, gpa_t gpa, u64 val, bool rights)
{
	c->ent_gpa[c->n] = gpa;
	c->ent_val[c->n] = val;
	c->ent_has_rights[c->n] = rights;
	c->n++;
}

/* Error code, SDM 4.7. present: 0 for a not-present entry. */
static void ref_fault(struct ref_ctx *c, bool present, bool rsvd)
{
	const struct gwalk_cpu *cpu = c->cpu;
	u32 ec = 0;

	if (present)
		ec |= 1;
	if (c->access & GWALK_WRITE)
		ec |= 2;
	if (c->access & GWALK_USER)
		ec |= 4;
	if (rsvd)
		ec |= 8;
	/* I/D: fetch, and either SMEP, or PAE (CR4 bit 5) with NXE. */
	if ((c->access & GWALK_FETCH) &&
	    (bit(cpu->cr4, 20) || (bit(cpu->cr4, 5) && bit(cpu->efer, 11))))
		ec |= 16;
	c->out->fault = true;
	c->out->error_code = ec;
}

/* SDM 4.6.1, case by case, on the entries used. */
static bool ref_rights_ok(struct ref_ctx *c, bool nx_exists)
{
	const struct gwalk_cpu *cpu = c->cpu;
	bool user_address = true, writable = true, executable = true;

	for (int i = 0; i < c->n; i++) {
		if (!c->ent_has_rights[i])
			continue;
		if (!bit(c->ent_val[i], 2))
			user_address = false;
		if (!bit(c->ent_val[i], 1))
			writable = false;
		if (nx_exists && bit(cpu->efer, 11) && bit(c->ent_val[i], 63))
			executable = false;
	}
	c->out->user_page = user_address;
	c->out->writable_page = writable;
	c->out->exec_page = executable;

	bool is_write = c->access & GWALK_WRITE;
	bool is_fetch = c->access & GWALK_FETCH;
	bool wp = bit(cpu->cr0, 16), smep = bit(cpu->cr4, 20), smap = bit(cpu->cr4, 21);
	bool ac = bit(cpu->rflags, 18), implicit = c->access & GWALK_IMPLICIT;

	if (c->access & GWALK_USER) {
		/* "User-mode accesses": only user-mode addresses ... */
		if (!user_address)
			return false;
		if (is_write)       /* ... with R/W=1 at all levels */
			return writable;
		if (is_fetch)       /* ... with XD=0 at all levels (NXE) */
			return executable;
		return true;
	}
	/* "Supervisor-mode accesses" */
	if (is_fetch) {
		if (!executable)
			return false;
		if (smep && user_address)
			return false;
		return true;
	}
	if (smap && user_address && (implicit || !ac))
		return false;       /* data access to a user-mode address */
	if (is_write && wp && !writable)
		return false;
	return true;            /* CR0.WP=0: supervisor writes go anywhere */
}

/* SDM 4.8: A on every entry used that has one, D on the leaf of a write. */
static void ref_set_ad(struct ref_ctx *c)
{
	for (int i = 0; i < c->n; i++) {
		if (!c->ent_has_rights[i])
			continue;       /* PAE PDPTE: no A bit */
		u64 v = c->ent_val[i] | (1ull << 5);
		if (i == c->n - 1 && (c->access & GWALK_WRITE))
			v |= 1ull << 6;
		if (v != c->ent_val[i]) {
			tmem_store(c->m, c->ent_gpa[i], c->size, v);
			c->out->nad++;
		}
	}
}

static void ref_finish(struct ref_ctx *c, bool nx_exists, gpa_t gpa, int leaf)
{
	if (!ref_rights_ok(c, nx_exists)) {
		ref_fault(c, true, false);
		return;
	}
	c->out->gpa = gpa;
	c->out->leaf_level = leaf;
	if (!(c->access & GWALK_NO_AD))
		ref_set_ad(c);
}

/* ---- 4-level / 5-level paging: SDM 4.5, tables 4-14..4-20 ---- */
static bool ref_long_rsvd(const struct gwalk_cpu *cpu, int level, u64 e)
{
	int M = cpu->maxphyaddr;

	if (bit(e, 63) && !bit(cpu->efer, 11))
		return true;                        /* XD without NXE */
	if (M < 52 && any_bits(e, 51, M))
		return true;                        /* above MAXPHYADDR */
	if (level >= 4)
		return bit(e, 7);                   /* PML4E/PML5E: PS must be 0 */
	if (level == 3 && bit(e, 7))
		return !cpu->gbpages || any_bits(e, 29, 13);
	if (level == 2 && bit(e, 7))
		return any_bits(e, 20, 13);
	return false;
}

static void ref_long(struct ref_ctx *c, int top)
{
	static const int shift[6] = { 0, 12, 21, 30, 39, 48 };
	gpa_t table = c->cpu->cr3 & 0x000ffffffffff000ull;

	for (int level = top; level >= 1; level--) {
		gpa_t egpa = table + ((c->gva >> shift[level]) & 0x1ff) * 8;
		u64 e;
		if (!ref_read(c, level, egpa, &e))
			return;
		if (!bit(e, 0))
			return ref_fault(c, false, false);
		if (ref_long_rsvd(c->cpu, level, e))
			return ref_fault(c, true, true);
		ref_use(c, egpa, e, true);
		bool page = level == 1 || ((level == 2 || level == 3) && bit(e, 7));
		if (page) {
			u64 size = 1ull << shift[level];
			gpa_t base = (e & 0x000ffffffffff000ull) & ~(size - 1);
			return ref_finish(c, true, base + (c->gva & (size - 1)), level);
		}
		table = e & 0x000ffffffffff000ull;
	}
}

/* ---- PAE paging: SDM 4.4, tables 4-7..4-11 ---- */
static bool ref_pae_rsvd(const struct gwalk_cpu *cpu, int level, u64 e)
{
	int M = cpu->maxphyaddr;

	if (level == 3)                     /* PDPTE */
		return any_bits(e, 63, M) || any_bits(e, 8, 5) || any_bits(e, 2, 1);
	if (bit(e, 63) && !bit(cpu->efer, 11))
		return true;
	if (any_bits(e, 62, M))
		return true;
	return level == 2 && bit(e, 7) && any_bits(e, 20, 13);
}

static void ref_pae(struct ref_ctx *c)
{
	u32 va = (u32)c->gva;
	gpa_t pdpte_gpa = (c->cpu->cr3 & 0xffffffe0ull) + field(va, 31, 30) * 8;
	u64 e;

	if (c->cpu->pdptrs) {               /* PDPTE registers (SDM 4.4.1) */
		e = c->cpu->pdptrs[field(va, 31, 30)];
		struct ref_read *r = &c->out->reads[c->out->nreads++];
		r->level = 3, r->gpa = pdpte_gpa, r->val = e;
	} else if (!ref_read(c, 3, pdpte_gpa, &e)) {
		return;
	}
	if (!bit(e, 0))
		return ref_fault(c, false, false);
	if (ref_pae_rsvd(c->cpu, 3, e))
		return ref_fault(c, true, true);
	ref_use(c, pdpte_gpa, e, false);

	gpa_t pde_gpa = (e & 0x000ffffffffff000ull) + field(va, 29, 21) * 8;
	if (!ref_read(c, 2, pde_gpa, &e))
		return;
	if (!bit(e, 0))
		return ref_fault(c, false, false);
	if (ref_pae_rsvd(c->cpu, 2, e))
		return ref_fault(c, true, true);
	ref_use(c, pde_gpa, e, true);
	if (bit(e, 7))                      /* 2 MiB page */
		return ref_finish(c, true, (e & 0x000fffffffe00000ull) | field(va, 20, 0), 2);

	gpa_t pte_gpa = (e & 0x000ffffffffff000ull) + field(va, 20, 12) * 8;
	if (!ref_read(c, 1, pte_gpa, &e))
		return;
	if (!bit(e, 0))
		return ref_fault(c, false, false);
	if (ref_pae_rsvd(c->cpu, 1, e))
		return ref_fault(c, true, true);
	ref_use(c, pte_gpa, e, true);
	ref_finish(c, true, (e & 0x000ffffffffff000ull) | field(va, 11, 0), 1);
}

/* ---- 32-bit paging: SDM 4.3, tables 4-3..4-6 ---- */
static void ref_32(struct ref_ctx *c)
{
	const struct gwalk_cpu *cpu = c->cpu;
	u32 va = (u32)c->gva;
	gpa_t pde_gpa = (cpu->cr3 & 0xfffff000ull) + field(va, 31, 22) * 4;
	u64 e;

	if (!ref_read(c, 2, pde_gpa, &e))
		return;
	if (!bit(e, 0))
		return ref_fault(c, false, false);
	if (bit(cpu->cr4, 4) && bit(e, 7)) {        /* 4 MiB page */
		/* PSE-36: bits 20:13 are PA bits 39:32; M = min(MAXPHYADDR, 40);
		 * without PSE-36 there are no such bits (M = 32). */
		int M = cpu->pse36 ? (cpu->maxphyaddr < 40 ? cpu->maxphyaddr : 40) : 32;
		if (any_bits(e, 21, 13 + (M - 32)))
			return ref_fault(c, true, true);
		ref_use(c, pde_gpa, e, true);
		gpa_t base = (field(e, 31, 22) << 22) | (field(e, 20, 13) << 32);
		return ref_finish(c, false, base | field(va, 21, 0), 2);
	}
	ref_use(c, pde_gpa, e, true);

	gpa_t pte_gpa = (e & 0xfffff000ull) + field(va, 21, 12) * 4;
	if (!ref_read(c, 1, pte_gpa, &e))
		return;
	if (!bit(e, 0))
		return ref_fault(c, false, false);
	ref_use(c, pte_gpa, e, true);
	ref_finish(c, false, (e & 0xfffff000ull) | field(va, 11, 0), 1);
}

void ref_walk(const struct gwalk_cpu *cpu, struct tmem *m, gva_t gva,
	      u32 access, struct ref_out *out)
{
	struct ref_ctx c = { .cpu = cpu, .m = m, .gva = gva, .access = access,
			     .out = out, .size = 8 };

	memset(out, 0, sizeof(*out));
	if (!bit(cpu->cr0, 31)) {                  /* paging off */
		out->gpa = gva;
		out->user_page = out->writable_page = out->exec_page = true;
		return;
	}
	if (!bit(cpu->cr4, 5)) {
		c.size = 4;
		ref_32(&c);
	} else if (!bit(cpu->efer, 10)) {
		ref_pae(&c);
	} else {
		ref_long(&c, bit(cpu->cr4, 12) ? 5 : 4);
	}
}
