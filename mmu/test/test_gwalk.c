/*
 * test_gwalk.c: host tests of the guest page-table walker (mmu/gwalk*.c).
 *
 * Every walk is checked against the reference model (test_gwalk_ref.c):
 * outcome, error code, translation, effective rights, the A/D bits left in
 * guest memory, and the HVT_WALK_STEP records. Hand-written cases pin the
 * rules independently of both. One line per test:
 *     TEST <name> PASS|FAIL <detail>
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdarg.h>
#include <pthread.h>

#include "test_gwalk_ref.h"

static int nfail;

static void report(const char *name, bool ok, const char *fmt, ...)
{
	char detail[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	printf("TEST %s %s %s\n", name, ok ? "PASS" : "FAIL", detail);
	fflush(stdout);
	if (!ok)
		nfail++;
}

/* Two memories: the walker's and the reference's (both start identical). */
static struct tmem wmem, rmem;

/* ------------------------------------------------------------------------
 * Comparing one walk: walker on wmem, reference on rmem.
 * Returns true if they agree; else writes why.
 */
static bool check_trace(const struct gwalk_cpu *cpu, gva_t gva,
			const struct gwalk_result *res, const struct ref_out *ref,
			char *why, size_t len)
{
	const struct test_gwalk_log *log = &test_gwalk_log;
	int i;

	if (log->overflow)
		return snprintf(why, len, "trace log overflow"), false;
	for (i = 0; i < log->n; i++) {
		const struct hvt_record *r = &log->rec[i];
		if (r->type != HVT_WALK_STEP || r->a != gva || r->vcpu != cpu->vcpu_id)
			return snprintf(why, len, "record %d: type %u a %#llx", i, r->type,
					(unsigned long long)r->a), false;
		if (i > 0 && r->seq <= log->rec[i - 1].seq)
			return snprintf(why, len, "record %d: seq not increasing", i), false;
	}
	if (log->n != ref->nreads + ref->nad)
		return snprintf(why, len, "%d records, want %d reads + %d A/D", log->n,
				ref->nreads, ref->nad), false;
	for (i = 0; i < ref->nreads; i++) {
		const struct hvt_record *r = &log->rec[i];
		const struct ref_read *rd = &ref->reads[i];
		u8 want = (ref->fault && i == ref->nreads - 1) ? GWALK_TR_FAULT : GWALK_TR_READ;
		if (r->level != rd->level || r->b != rd->val || r->c != rd->gpa || r->reason != want)
			return snprintf(why, len, "read %d: level %u gpte %#llx at %#llx reason %u, "
					"want level %d gpte %#llx at %#llx reason %u", i, r->level,
					(unsigned long long)r->b, (unsigned long long)r->c, r->reason,
					rd->level, (unsigned long long)rd->val,
					(unsigned long long)rd->gpa, want), false;
	}
	for (; i < log->n; i++) {
		const struct hvt_record *r = &log->rec[i];
		u64 mem_now;
		tmem_load(&wmem, r->c, res->mode == GWALK_MODE_32 ? 4 : 8, &mem_now);
		if (r->reason != GWALK_TR_SET_AD || (r->b & ~r->d) == 0 || (r->b & ~r->d & ~0x60ull) ||
		    mem_now != r->b || r->flags != HVT_F_ATOMIC)
			return snprintf(why, len, "A/D record %d: reason %u old %#llx new %#llx mem %#llx",
					i, r->reason, (unsigned long long)r->d,
					(unsigned long long)r->b, (unsigned long long)mem_now), false;
	}
	return true;
}

static int last_status;      /* gwalk's return value in the last compare_walk */

static bool compare_walk(const struct gwalk_cpu *cpu, gva_t gva, u32 access,
			 char *why, size_t len, struct gwalk_result *res_out)
{
	struct gwalk_mem mem;
	struct gwalk_result res;
	struct ref_out ref;

	tmem_bind(&wmem, &mem);
	test_gwalk_log_clear();
	int r = gwalk(cpu, &mem, gva, access, &res);
	ref_walk(cpu, &rmem, gva, access, &ref);
	last_status = r;
	if (res_out)
		*res_out = res;
	if (r != ref.status)
		return snprintf(why, len, "status %d want %d", r, ref.status), false;
	if (r)
		return true;
	if (res.tries != 1)
		return snprintf(why, len, "tries %u with no race", res.tries), false;
	if (res.fault != ref.fault || (ref.fault && res.error_code != ref.error_code))
		return snprintf(why, len, "fault %d ec %#x, want fault %d ec %#x", res.fault,
				res.error_code, ref.fault, ref.error_code), false;
	if (ref.fault && ref.nreads && res.level != ref.reads[ref.nreads - 1].level)
		return snprintf(why, len, "fault level %d want %d", res.level,
				ref.reads[ref.nreads - 1].level), false;
	if (!ref.fault) {
		u32 acc = (ref.user_page ? GWALK_ACC_U : 0) | (ref.writable_page ? GWALK_ACC_W : 0) |
			  (ref.exec_page ? GWALK_ACC_X : 0);
		if (res.gpa != ref.gpa || res.level != ref.leaf_level || res.access != acc)
			return snprintf(why, len, "gpa %#llx level %d acc %#x, want %#llx %d %#x",
					(unsigned long long)res.gpa, res.level, res.access,
					(unsigned long long)ref.gpa, ref.leaf_level, acc), false;
	}
	return check_trace(cpu, gva, &res, &ref, why, len);
}

static const char *access_name(u32 a)
{
	static char buf[64];
	snprintf(buf, sizeof(buf), "%s%s%s", (a & GWALK_USER) ? "user" :
		 (a & GWALK_IMPLICIT) ? "implicit" : "supv",
		 (a & GWALK_WRITE) ? "-write" : (a & GWALK_FETCH) ? "-fetch" : "-read",
		 (a & GWALK_NO_AD) ? "-probe" : "");
	return buf;
}

/* ------------------------------------------------------------------------
 * Fixed layouts: one path of tables per mode, with each level's entry at a
 * known address. An entry at level L points to next[L]: the next table, or
 * the frame when it maps a page; the frames of the large-page levels are
 * aligned so the same address serves both meanings.
 */
struct layout {
	const char *name;
	enum gwalk_mode mode;
	u64 cr0, cr4, efer, cr3;
	int top;            /* top level */
	int size;           /* entry bytes */
	gva_t gva;
	gpa_t next[6];      /* [level]: address an entry at that level holds */
	gpa_t slot[6];      /* [level]: gpa of the entry used for gva */
};

static const struct layout layouts[] = {
	{ "4level", GWALK_MODE_4LEVEL, BIT(31), BIT(5), BIT(10), 0x1000, 4, 8,
	  (3ull << 39) | (5ull << 30) | (7ull << 21) | (9ull << 12) | 0x123,
	  { 0, 0x7000, 0x200000, 0x40000000, 0x2000, 0 }, { 0 } },
	{ "5level", GWALK_MODE_5LEVEL, BIT(31), BIT(5) | BIT(12), BIT(10), 0x3000, 5, 8,
	  (2ull << 48) | (3ull << 39) | (5ull << 30) | (7ull << 21) | (9ull << 12) | 0x123,
	  { 0, 0x7000, 0x200000, 0x40000000, 0x2000, 0x1000 }, { 0 } },
	{ "pae", GWALK_MODE_PAE, BIT(31), BIT(5), 0, 0x1020, 3, 8,
	  (2ull << 30) | (7ull << 21) | (9ull << 12) | 0x123,
	  { 0, 0x7000, 0x200000, 0x2000, 0, 0 }, { 0 } },
	{ "32bit", GWALK_MODE_32, BIT(31), 0, 0, 0x1000, 2, 4,
	  (0x123ull << 22) | (9ull << 12) | 0x123,
	  { 0, 0x7000, 0x400000, 0, 0, 0 }, { 0 } },
};

/* Slot addresses, computed here from the SDM figures (not by the walker). */
static void layout_slots(struct layout *lo)
{
	gpa_t table = lo->mode == GWALK_MODE_PAE ? (lo->cr3 & 0xffffffe0) : (lo->cr3 & ~0xfffull);

	for (int level = lo->top; level >= 1; level--) {
		u64 idx;
		if (lo->mode == GWALK_MODE_32)
			idx = (lo->gva >> (level == 2 ? 22 : 12)) & 0x3ff;
		else if (lo->mode == GWALK_MODE_PAE && level == 3)
			idx = (lo->gva >> 30) & 3;
		else
			idx = (lo->gva >> (12 + 9 * (level - 1))) & 0x1ff;
		lo->slot[level] = table + idx * lo->size;
		table = lo->next[level];
	}
}

static void layout_pages(const struct layout *lo)
{
	memset(&wmem, 0, sizeof(wmem));
	for (int level = lo->top; level >= 1; level--)
		tmem_page(&wmem, lo->slot[level] >> 12, true);
	rmem = wmem;
}

static void put_entry(const struct layout *lo, int level, u64 val)
{
	tmem_store(&wmem, lo->slot[level], lo->size, val);
	tmem_store(&rmem, lo->slot[level], lo->size, val);
}

/* Entry bits varied by the matrix, in this order. */
static const u64 matrix_bits[7] = {
	BIT(0) /* P */, BIT(1) /* R/W */, BIT(2) /* U/S */, BIT(63) /* XD */,
	BIT(5) /* A */, BIT(6) /* D */, BIT(7) /* PS (PAT in a PTE) */,
};

static u64 combo_bits(u32 combo, int nbits)
{
	u64 v = 0;
	for (int i = 0; i < nbits; i++)
		if (combo & (1u << i))
			v |= matrix_bits[i];
	return v;
}

static const u32 all_accesses[] = {
	GWALK_USER, GWALK_USER | GWALK_WRITE, GWALK_USER | GWALK_FETCH,
	0, GWALK_WRITE, GWALK_FETCH, GWALK_IMPLICIT, GWALK_IMPLICIT | GWALK_WRITE,
};

/* CPU state for control combination ctl: bit 0 CR0.WP, 1 EFER.NXE,
 * 2 CR4.SMEP, 3 CR4.SMAP, 4 RFLAGS.AC, 5 per mode: CR4.PSE (32-bit),
 * 1 GiB pages (long), PDPTE registers (PAE). */
static void make_cpu(const struct layout *lo, u32 ctl, struct gwalk_cpu *cpu,
		     u64 *pdptrs)
{
	memset(cpu, 0, sizeof(*cpu));
	cpu->cr0 = lo->cr0 | ((ctl & 1) ? BIT(16) : 0);
	cpu->cr3 = lo->cr3;
	cpu->cr4 = lo->cr4 | ((ctl & 4) ? BIT(20) : 0) | ((ctl & 8) ? BIT(21) : 0);
	cpu->efer = lo->efer | ((ctl & 2) ? BIT(11) : 0);
	cpu->rflags = (ctl & 16) ? BIT(18) : 0;
	cpu->maxphyaddr = 46;
	cpu->vcpu_id = 3;
	if (lo->mode == GWALK_MODE_32 && (ctl & 32))
		cpu->cr4 |= BIT(4);
	cpu->gbpages = lo->mode >= GWALK_MODE_4LEVEL && (ctl & 32);
	if (lo->mode == GWALK_MODE_PAE && (ctl & 32)) {
		for (int i = 0; i < 4; i++)
			tmem_load(&wmem, (lo->cr3 & 0xffffffe0) + 8 * i, 8, &pdptrs[i]);
		cpu->pdptrs = pdptrs;
	}
}

/* Compare the path entries of the two memories after a walk (A/D bits). */
static bool slots_equal(const struct layout *lo, char *why, size_t len)
{
	for (int level = lo->top; level >= 1; level--) {
		u64 w = 0, r = 0;
		tmem_load(&wmem, lo->slot[level], lo->size, &w);
		tmem_load(&rmem, lo->slot[level], lo->size, &r);
		if (w != r)
			return snprintf(why, len, "level %d entry %#llx, reference %#llx", level,
					(unsigned long long)w, (unsigned long long)r), false;
	}
	return true;
}

/*
 * The permission matrix for one layout. shape = the level at which the
 * unvaried path maps its page (1 = 4K, 2 = 2M/4M, 3 = 1G). At level vary
 * every combination of P, R/W, U/S, XD, A, D, PS; every other level gets
 * P=1 with one of the 8 combinations of R/W, U/S, XD (A=D=0, so A/D setting
 * is exercised); times 64 control combinations times 8 kinds of access.
 */
static long matrix_one(const struct layout *lo, int shape, int vary, char *why, size_t len)
{
	long walks = 0;
	u64 pdptrs[4];
	struct gwalk_cpu cpu;

	for (u32 combo = 0; combo < 128; combo++)
	for (u32 others = 0; others < 8; others++)
	for (u32 ctl = 0; ctl < 64; ctl++)
	for (u32 ai = 0; ai < ARRAY_SIZE(all_accesses); ai++) {
		for (int level = lo->top; level >= 1; level--) {
			u64 e = lo->next[level] | BIT(0);
			if (level == vary)
				e = lo->next[level] | combo_bits(combo, 7);
			else if (lo->mode == GWALK_MODE_PAE && level == 3)
				;                       /* PDPTE: only P is legal */
			else if (level >= shape)
				e |= combo_bits(others << 1, 4) | (level == shape && shape > 1 ? BIT(7) : 0);
			else
				e |= BIT(1) | BIT(2);   /* below the leaf: permissive */
			put_entry(lo, level, e);
		}
		make_cpu(lo, ctl, &cpu, pdptrs);
		walks++;
		if (!compare_walk(&cpu, lo->gva, all_accesses[ai], why, len, NULL) ||
		    !slots_equal(lo, why, len)) {
			size_t used = strlen(why);
			snprintf(why + used, len - used, " [shape %d vary L%d combo %#x others %#x ctl %#x %s]",
				 shape, vary, combo, others, ctl, access_name(all_accesses[ai]));
			return -1;
		}
	}
	return walks;
}

static void test_matrix(const struct layout *lo_in, int max_shape, int min_vary_top)
{
	struct layout lo = *lo_in;
	char name[64], why[512] = "";
	long walks = 0;
	bool ok = true;

	layout_slots(&lo);
	layout_pages(&lo);
	snprintf(name, sizeof(name), "gwalk_matrix_%s", lo.name);
	for (int shape = 1; shape <= max_shape && ok; shape++) {
		/* vary every level from the top down to the leaf (or only the
		 * top levels when min_vary_top says so, to bound the run time) */
		for (int vary = lo.top; vary >= shape && ok; vary--) {
			if (vary < min_vary_top)
				continue;
			long n = matrix_one(&lo, shape, vary, why, sizeof(why));
			if (n < 0)
				ok = false;
			else
				walks += n;
		}
	}
	if (ok)
		report(name, true, "%ld walks agree with the reference model", walks);
	else
		report(name, false, "%s", why);
}

/*
 * Rights across all levels at once: every combination of R/W, U/S, XD on
 * each of the 4 levels of a 4-level 4K walk (8^4), x 64 controls x 8 accesses.
 */
static void test_matrix_rights(void)
{
	struct layout lo = layouts[0];
	struct gwalk_cpu cpu;
	char why[512] = "";
	long walks = 0;
	bool ok = true;

	layout_slots(&lo);
	layout_pages(&lo);
	for (u32 combo = 0; combo < 4096 && ok; combo++)
	for (u32 ctl = 0; ctl < 64 && ok; ctl++)
	for (u32 ai = 0; ai < ARRAY_SIZE(all_accesses) && ok; ai++) {
		for (int level = 4; level >= 1; level--)
			put_entry(&lo, level, lo.next[level] | BIT(0) |
				  combo_bits(((combo >> (3 * (level - 1))) & 7) << 1, 4));
		make_cpu(&lo, ctl, &cpu, NULL);
		walks++;
		if (!compare_walk(&cpu, lo.gva, all_accesses[ai], why, sizeof(why), NULL) ||
		    !slots_equal(&lo, why, sizeof(why))) {
			size_t used = strlen(why);
			snprintf(why + used, sizeof(why) - used, " [rights %#o ctl %#x %s]", combo, ctl,
				 access_name(all_accesses[ai]));
			ok = false;
		}
	}
	if (ok)
		report("gwalk_matrix_4level_rights", true, "%ld walks: R/W, U/S, XD on all 4 levels at once", walks);
	else
		report("gwalk_matrix_4level_rights", false, "%s", why);
}

/* ------------------------------------------------------------------------
 * Hand-written cases: the rules as the SDM states them, independent of
 * both the walker and the reference model. 4-level paging, 4 KiB page; the
 * same R/W, U/S, XD on every level.
 */
struct spot {
	const char *what;
	u64 bits;           /* R/W, U/S, XD on every level (P always) */
	u32 ctl;            /* make_cpu control bits */
	u32 access;
	u32 want_ec;        /* 0xffff = no fault */
};

#define OK 0xffffu
#define RW BIT(1)
#define US BIT(2)
#define XD BIT(63)
#define WP 1u
#define NXE 2u
#define SMEP 4u
#define SMAP 8u
#define AC 16u

static const struct spot spots[] = {
	{ "user read of supervisor page", RW, 0, GWALK_USER, 0x5 },
	{ "user write of read-only user page", US, WP, GWALK_USER | GWALK_WRITE, 0x7 },
	{ "user write of read-only user page, WP=0 does not help", US, 0, GWALK_USER | GWALK_WRITE, 0x7 },
	{ "supervisor write of read-only page, WP=0", 0, 0, GWALK_WRITE, OK },
	{ "supervisor write of read-only page, WP=1", 0, WP, GWALK_WRITE, 0x3 },
	{ "user fetch of XD page, NXE", US | XD, NXE, GWALK_USER | GWALK_FETCH, 0x15 },
	{ "user fetch of XD page, no NXE: reserved", US | XD, 0, GWALK_USER | GWALK_FETCH, 0xd },
	{ "fetch with no NXE, no SMEP: I/D not reported", US, 0, GWALK_USER | GWALK_FETCH, OK },
	{ "supervisor fetch of user page, SMEP", US | RW, SMEP, GWALK_FETCH, 0x11 },
	{ "supervisor fetch of user page, no SMEP", US | RW, 0, GWALK_FETCH, OK },
	{ "supervisor fetch of user page, SMEP, AC does not help", US | RW, SMEP | AC, GWALK_FETCH, 0x11 },
	{ "supervisor read of user page, SMAP", US | RW, SMAP, 0, 0x1 },
	{ "supervisor read of user page, SMAP+AC explicit", US | RW, SMAP | AC, 0, OK },
	{ "supervisor read of user page, SMAP+AC implicit", US | RW, SMAP | AC, GWALK_IMPLICIT, 0x1 },
	{ "supervisor write of RO user page, SMAP+AC, WP=0", US, SMAP | AC, GWALK_WRITE, OK },
	{ "supervisor write of RO user page, SMAP+AC, WP=1", US, SMAP | AC | WP, GWALK_WRITE, 0x3 },
	{ "supervisor write of RO user page, SMAP, WP=0", US, SMAP, GWALK_WRITE, 0x3 },
	{ "supervisor fetch of XD supervisor page, NXE", RW | XD, NXE, GWALK_FETCH, 0x11 },
	{ "supervisor read of supervisor page, SMAP", 0, SMAP | SMEP | WP, 0, OK },
	{ "not-present fetch, NXE: I/D set, P clear", 0, NXE, GWALK_FETCH, 0x10 },
};

static void test_spots(void)
{
	struct layout lo = layouts[0];
	struct gwalk_mem mem;
	struct gwalk_result res;
	struct gwalk_cpu cpu;
	int bad = 0;
	char why[256] = "";

	layout_slots(&lo);
	layout_pages(&lo);
	tmem_bind(&wmem, &mem);
	for (size_t i = 0; i < ARRAY_SIZE(spots); i++) {
		const struct spot *s = &spots[i];
		bool np = strstr(s->what, "not-present") != NULL;
		for (int level = 4; level >= 1; level--)
			put_entry(&lo, level, lo.next[level] | s->bits | (np && level == 1 ? 0 : BIT(0)));
		make_cpu(&lo, s->ctl, &cpu, NULL);
		test_gwalk_log_clear();
		int r = gwalk(&cpu, &mem, lo.gva, s->access, &res);
		u32 got = r ? 0xdead : res.fault ? res.error_code : OK;
		if (got != s->want_ec) {
			if (!bad++)
				snprintf(why, sizeof(why), "%s: got %#x want %#x", s->what, got, s->want_ec);
		}
	}
	if (bad)
		report("gwalk_spot_rules", false, "%d wrong, first: %s", bad, why);
	else
		report("gwalk_spot_rules", true, "%zu hand-written cases", ARRAY_SIZE(spots));
}

/* ------------------------------------------------------------------------
 * Reserved bits: entry by entry, with the expected answer from the SDM.
 */
struct rsvd_case {
	const char *what;
	int layout;          /* index in layouts[] */
	int level;           /* entry that gets the extra bits */
	u64 extra;           /* bits added to that entry (P R/W U/S already set) */
	u8  maxphyaddr;
	u32 flags;           /* NXE, GB (1G pages), PSE, PSE36 */
	int shape;           /* level where the path maps its page */
	bool want_rsvd;
};

#define F_NXE   1u
#define F_GB    2u
#define F_PSE   4u
#define F_PSE36 8u

static const struct rsvd_case rsvd_cases[] = {
	{ "4level PTE bit 46, M=46", 0, 1, BIT(46), 46, 0, 1, true },
	{ "4level PTE bit 45, M=46", 0, 1, BIT(45), 46, 0, 1, false },
	{ "4level PTE bit 51, M=46", 0, 1, BIT(51), 46, 0, 1, true },
	{ "4level PTE bit 51, M=52", 0, 1, BIT(51), 52, 0, 1, false },
	{ "4level PTE bit 52 (ignored)", 0, 1, BIT(52), 46, 0, 1, false },
	{ "4level PTE bit 62 (ignored)", 0, 1, BIT(62), 46, 0, 1, false },
	{ "4level PML4E XD, no NXE", 0, 4, BIT(63), 46, 0, 1, true },
	{ "4level PML4E XD, NXE", 0, 4, BIT(63), 46, F_NXE, 1, false },
	{ "4level PML4E PS", 0, 4, BIT(7), 46, F_GB, 1, true },
	{ "4level PDPTE PS without 1G pages", 0, 3, BIT(7), 46, 0, 1, true },
	{ "4level PDPTE PS with 1G pages", 0, 3, BIT(7), 46, F_GB, 1, false },
	{ "4level 1G PDPTE bit 13", 0, 3, BIT(7) | BIT(13), 46, F_GB, 1, true },
	{ "4level 1G PDPTE bit 12 (PAT)", 0, 3, BIT(7) | BIT(12), 46, F_GB, 1, false },
	{ "4level 2M PDE bit 20", 0, 2, BIT(7) | BIT(20), 46, 0, 1, true },
	{ "4level 2M PDE bit 21 (address)", 0, 2, BIT(7) | BIT(21), 46, 0, 1, false },
	{ "4level PTE bit 7 (PAT)", 0, 1, BIT(7), 46, 0, 1, false },
	{ "5level PML5E PS", 1, 5, BIT(7), 46, F_GB, 1, true },
	{ "5level PML5E bit 50, M=48", 1, 5, BIT(50), 48, 0, 1, true },
	{ "pae PDPTE R/W", 2, 3, BIT(1), 46, F_NXE, 1, true },
	{ "pae PDPTE U/S", 2, 3, BIT(2), 46, F_NXE, 1, true },
	{ "pae PDPTE bit 5", 2, 3, BIT(5), 46, F_NXE, 1, true },
	{ "pae PDPTE bit 8", 2, 3, BIT(8), 46, F_NXE, 1, true },
	{ "pae PDPTE PWT", 2, 3, BIT(3), 46, F_NXE, 1, false },
	{ "pae PDPTE bit 9 (ignored)", 2, 3, BIT(9), 46, F_NXE, 1, false },
	{ "pae PDPTE XD, NXE", 2, 3, BIT(63), 46, F_NXE, 1, true },
	{ "pae PDPTE bit 52, M=52", 2, 3, BIT(52), 52, 0, 1, true },
	{ "pae PDE bit 52 (62..M)", 2, 2, BIT(52), 46, F_NXE, 1, true },
	{ "pae PTE bit 62", 2, 1, BIT(62), 52, F_NXE, 1, true },
	{ "pae PTE XD, NXE", 2, 1, BIT(63), 46, F_NXE, 1, false },
	{ "pae PTE XD, no NXE", 2, 1, BIT(63), 46, 0, 1, true },
	{ "pae 2M PDE bit 13", 2, 2, BIT(7) | BIT(13), 46, 0, 1, true },
	{ "32bit 4M PDE bit 21", 3, 2, BIT(7) | BIT(21), 46, F_PSE | F_PSE36, 1, true },
	{ "32bit 4M PDE bit 13, no PSE-36", 3, 2, BIT(7) | BIT(13), 46, F_PSE, 1, true },
	{ "32bit 4M PDE bit 16, PSE-36, M=36", 3, 2, BIT(7) | BIT(16), 36, F_PSE | F_PSE36, 1, false },
	{ "32bit 4M PDE bit 17, PSE-36, M=36", 3, 2, BIT(7) | BIT(17), 36, F_PSE | F_PSE36, 1, true },
	{ "32bit 4M PDE bit 20, PSE-36, M=46", 3, 2, BIT(7) | BIT(20), 46, F_PSE | F_PSE36, 1, false },
	{ "32bit PDE PS without CR4.PSE (ignored: a table)", 3, 2, BIT(7), 46, 0, 1, false },
	{ "32bit PTE bit 7 (PAT)", 3, 1, BIT(7), 46, F_PSE, 1, false },
};

static void test_rsvd(void)
{
	struct gwalk_mem mem;
	struct gwalk_result res;
	struct gwalk_cpu cpu;
	int bad = 0;
	char why[256] = "";

	for (size_t i = 0; i < ARRAY_SIZE(rsvd_cases); i++) {
		const struct rsvd_case *c = &rsvd_cases[i];
		struct layout lo = layouts[c->layout];
		layout_slots(&lo);
		layout_pages(&lo);
		tmem_bind(&wmem, &mem);
		for (int level = lo.top; level >= 1; level--) {
			u64 e = lo.next[level] | BIT(0);
			if (!(lo.mode == GWALK_MODE_PAE && level == 3))
				e |= BIT(1) | BIT(2);
			if (level == c->level)
				e |= c->extra;
			put_entry(&lo, level, e);
		}
		make_cpu(&lo, (c->flags & F_NXE) ? 2 : 0, &cpu, NULL);
		cpu.maxphyaddr = c->maxphyaddr;
		cpu.gbpages = c->flags & F_GB;
		cpu.pse36 = c->flags & F_PSE36;
		if (c->flags & F_PSE)
			cpu.cr4 |= BIT(4);
		int r = gwalk(&cpu, &mem, lo.gva, GWALK_USER, &res);
		bool rsvd = !r && res.fault && res.error_code == 0xd && res.level == c->level;
		bool clean = !r && !res.fault;
		if (c->want_rsvd ? !rsvd : !clean) {
			if (!bad++)
				snprintf(why, sizeof(why), "%s: r=%d fault=%d ec=%#x level=%d", c->what, r,
					 res.fault, res.error_code, res.level);
		}
		/* and the reference model must say the same */
		struct ref_out ref;
		ref_walk(&cpu, &rmem, lo.gva, GWALK_USER, &ref);
		if (ref.fault != c->want_rsvd || (ref.fault && ref.error_code != 0xd)) {
			if (!bad++)
				snprintf(why, sizeof(why), "%s: reference model disagrees", c->what);
		}
	}
	if (bad)
		report("gwalk_rsvd_bits", false, "%d wrong, first: %s", bad, why);
	else
		report("gwalk_rsvd_bits", true, "%zu cases (RSVD faults have P=1: ec 0xd)",
		       ARRAY_SIZE(rsvd_cases));
}

/* PSE-36 translation and large-page offsets, by hand. */
static void test_large_pages(void)
{
	struct gwalk_mem mem;
	struct gwalk_result res;
	struct gwalk_cpu cpu;
	struct { int layout; int level; u64 extra; u32 flags; gpa_t want; } cases[] = {
		/* 32-bit 4M page at 0x400000 with PA 39..32 = 0x05 (bits 20..13) */
		{ 3, 2, BIT(7) | (5ull << 13), F_PSE | F_PSE36, (5ull << 32) | 0x400000 | (9 << 12) | 0x123 },
		{ 3, 2, BIT(7), F_PSE, 0x400000 | (9 << 12) | 0x123 },
		{ 0, 2, BIT(7), 0, 0x200000 | (9 << 12) | 0x123 },
		{ 0, 3, BIT(7), F_GB, 0x40000000 | (7ull << 21) | (9 << 12) | 0x123 },
		{ 0, 3, BIT(7) | BIT(12), F_GB, 0x40000000 | (7ull << 21) | (9 << 12) | 0x123 },
		{ 2, 2, BIT(7) | BIT(12), 0, 0x200000 | (9 << 12) | 0x123 },
		{ 0, 1, 0, 0, 0x7123 },
	};
	int bad = 0;
	char why[256] = "";

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct layout lo = layouts[cases[i].layout];
		layout_slots(&lo);
		layout_pages(&lo);
		tmem_bind(&wmem, &mem);
		for (int level = lo.top; level >= 1; level--) {
			u64 e = lo.next[level] | BIT(0);
			if (!(lo.mode == GWALK_MODE_PAE && level == 3))
				e |= BIT(1) | BIT(2);
			if (level == cases[i].level)
				e |= cases[i].extra;
			put_entry(&lo, level, e);
		}
		make_cpu(&lo, 0, &cpu, NULL);
		cpu.gbpages = cases[i].flags & F_GB;
		cpu.pse36 = cases[i].flags & F_PSE36;
		if (cases[i].flags & F_PSE)
			cpu.cr4 |= BIT(4);
		int r = gwalk(&cpu, &mem, lo.gva, 0, &res);
		if (r || res.fault || res.gpa != cases[i].want || res.level != cases[i].level) {
			if (!bad++)
				snprintf(why, sizeof(why), "case %zu: r=%d fault=%d gpa=%#llx level %d want %#llx",
					 i, r, res.fault, (unsigned long long)res.gpa, res.level,
					 (unsigned long long)cases[i].want);
		}
	}
	if (bad)
		report("gwalk_large_pages", false, "%s", why);
	else
		report("gwalk_large_pages", true, "%zu translations (4K, 2M, 1G, 4M, PSE-36, PAT)",
		       ARRAY_SIZE(cases));
}

/* ------------------------------------------------------------------------
 * Paging off: gpa = gva, nothing read, nothing traced.
 */
static void test_paging_off(void)
{
	struct gwalk_mem mem;
	struct gwalk_result res;
	struct gwalk_cpu cpu = { .cr0 = BIT(16), .cr4 = BIT(20) | BIT(21), .maxphyaddr = 46 };
	bool ok = true;

	memset(&wmem, 0, sizeof(wmem));
	tmem_bind(&wmem, &mem);
	test_gwalk_log_clear();
	for (size_t i = 0; i < ARRAY_SIZE(all_accesses); i++) {
		gva_t gva = 0x12345678 + i;
		int r = gwalk(&cpu, &mem, gva, all_accesses[i], &res);
		ok &= !r && !res.fault && res.gpa == gva && res.access == GWALK_ACC_ALL &&
		      res.level == 0 && res.root_level == 0;
	}
	ok &= wmem.reads == 0 && wmem.cmpxchg_count == 0 && test_gwalk_log.n == 0;
	report("gwalk_paging_off", ok, "identity, %d reads, %d records", wmem.reads, test_gwalk_log.n);
}

/* ------------------------------------------------------------------------
 * A/D exactly as SDM 4.8 says, on a 4-level 4K path and a PAE 2M path.
 */
static u64 slot_val(const struct layout *lo, int level)
{
	u64 v = 0;
	tmem_load(&wmem, lo->slot[level], lo->size, &v);
	return v;
}

static void test_ad_exact(void)
{
	struct layout lo = layouts[0], pae = layouts[2];
	struct gwalk_mem mem;
	struct gwalk_result res;
	struct gwalk_cpu cpu;
	char why[256] = "";
	bool ok = true;

#define AD_EXPECT(cond, ...) do { if (ok && !(cond)) { ok = false; snprintf(why, sizeof(why), __VA_ARGS__); } } while (0)
	layout_slots(&lo);
	layout_pages(&lo);
	tmem_bind(&wmem, &mem);
	for (int level = 4; level >= 1; level--)
		put_entry(&lo, level, lo.next[level] | 0x7);
	make_cpu(&lo, WP, &cpu, NULL);

	gwalk(&cpu, &mem, lo.gva, GWALK_USER | GWALK_NO_AD, &res);
	AD_EXPECT(wmem.cmpxchg_count == 0 && slot_val(&lo, 4) == (lo.next[4] | 0x7), "probe changed memory");
	gwalk(&cpu, &mem, lo.gva, GWALK_USER, &res);
	for (int level = 4; level >= 1; level--)
		AD_EXPECT(slot_val(&lo, level) == (lo.next[level] | 0x27), "read: level %d = %#llx", level,
			  (unsigned long long)slot_val(&lo, level));
	AD_EXPECT(res.gptes[0] == (lo.next[1] | 0x27), "result gpte not updated");
	int before = wmem.cmpxchg_count;
	gwalk(&cpu, &mem, lo.gva, GWALK_USER, &res);
	AD_EXPECT(wmem.cmpxchg_count == before, "second read wrote %d times", wmem.cmpxchg_count - before);
	gwalk(&cpu, &mem, lo.gva, GWALK_USER | GWALK_WRITE, &res);
	AD_EXPECT(slot_val(&lo, 1) == (lo.next[1] | 0x67), "write: PTE %#llx", (unsigned long long)slot_val(&lo, 1));
	for (int level = 4; level >= 2; level--)
		AD_EXPECT(slot_val(&lo, level) == (lo.next[level] | 0x27), "write: D on level %d", level);
	/* a faulting write (read-only PTE, WP=1) sets nothing */
	put_entry(&lo, 1, lo.next[1] | 0x5);
	put_entry(&lo, 2, lo.next[2] | 0x7);
	gwalk(&cpu, &mem, lo.gva, GWALK_USER | GWALK_WRITE, &res);
	AD_EXPECT(res.fault && slot_val(&lo, 1) == (lo.next[1] | 0x5) && slot_val(&lo, 2) == (lo.next[2] | 0x7),
		  "faulting walk set A/D");

	/* PAE, 2M page: the PDPTE has no A bit; D lands on the PDE */
	layout_slots(&pae);
	layout_pages(&pae);
	tmem_bind(&wmem, &mem);
	put_entry(&pae, 3, pae.next[3] | 0x1);
	put_entry(&pae, 2, pae.next[2] | 0x87);
	make_cpu(&pae, WP, &cpu, NULL);
	gwalk(&cpu, &mem, pae.gva, GWALK_WRITE, &res);
	AD_EXPECT(!res.fault && slot_val(&pae, 3) == (pae.next[3] | 0x1), "PAE PDPTE changed: %#llx",
		  (unsigned long long)slot_val(&pae, 3));
	AD_EXPECT(slot_val(&pae, 2) == (pae.next[2] | 0xe7), "PAE 2M PDE %#llx", (unsigned long long)slot_val(&pae, 2));
	report("gwalk_ad_exact", ok, "%s", ok ? "A on each entry used, D on the leaf of a write only, none on faults/probes" : why);
}

/*
 * A racing guest write between our read and our cmpxchg must survive: the
 * walk restarts and the final entry has both the guest's change and A/D.
 */
static void test_ad_race(void)
{
	struct layout lo = layouts[0];
	struct gwalk_mem mem;
	struct gwalk_result res;
	struct gwalk_cpu cpu;
	char why[256] = "";
	bool ok = true;

	layout_slots(&lo);
	layout_pages(&lo);
	tmem_bind(&wmem, &mem);
	make_cpu(&lo, WP, &cpu, NULL);

	/* 1: the guest sets an available bit (9) in the PML4E as we set A there */
	for (int level = 4; level >= 1; level--)
		put_entry(&lo, level, lo.next[level] | 0x7);
	wmem.cmpxchg_count = 0, wmem.race_at = 1, wmem.race_set = BIT(9), wmem.race_clear = 0;
	test_gwalk_log_clear();
	int r = gwalk(&cpu, &mem, lo.gva, GWALK_USER | GWALK_WRITE, &res);
	AD_EXPECT(!r && !res.fault && res.tries == 2, "race 1: r=%d fault=%d tries=%u", r, res.fault, res.tries);
	AD_EXPECT(slot_val(&lo, 4) == (lo.next[4] | 0x227), "race 1: PML4E %#llx lost the guest's bit",
		  (unsigned long long)slot_val(&lo, 4));
	AD_EXPECT(slot_val(&lo, 1) == (lo.next[1] | 0x67), "race 1: PTE %#llx", (unsigned long long)slot_val(&lo, 1));
	/* trace: 4 reads, the lost A/D record (new == old), 4 reads, 4 A/D */
	const struct hvt_record *lost = &test_gwalk_log.rec[4];
	AD_EXPECT(test_gwalk_log.n == 13 && lost->reason == GWALK_TR_SET_AD &&
		  lost->flags == (HVT_F_ATOMIC | HVT_F_LOST_RACE) && lost->b == lost->d && lost->level == 4,
		  "race 1 trace: %d records, record 4 reason %u flags %#x", test_gwalk_log.n,
		  lost->reason, lost->flags);

	/* 2: the guest clears P of the PTE as we set its A: the retry faults */
	for (int level = 4; level >= 1; level--)
		put_entry(&lo, level, lo.next[level] | 0x7);
	wmem.cmpxchg_count = 0, wmem.race_at = 4, wmem.race_set = 0, wmem.race_clear = BIT(0);
	r = gwalk(&cpu, &mem, lo.gva, GWALK_USER, &res);
	AD_EXPECT(!r && res.fault && res.error_code == 0x4 && res.level == 1 && res.tries == 2,
		  "race 2: r=%d fault=%d ec=%#x level=%d tries=%u", r, res.fault, res.error_code, res.level, res.tries);
	AD_EXPECT(slot_val(&lo, 1) == (lo.next[1] | 0x6), "race 2: PTE %#llx", (unsigned long long)slot_val(&lo, 1));
	AD_EXPECT(slot_val(&lo, 2) == (lo.next[2] | 0x27), "race 2: PDE %#llx", (unsigned long long)slot_val(&lo, 2));

	/* 3: a guest that always wins: give up with E_BUSY after GWALK_MAX_TRIES */
	for (int level = 4; level >= 1; level--)
		put_entry(&lo, level, lo.next[level] | 0x7);
	wmem.cmpxchg_count = 0, wmem.race_every = true, wmem.race_set = BIT(10), wmem.race_clear = 0;
	put_entry(&lo, 4, lo.next[4] | 0x7);
	r = gwalk(&cpu, &mem, lo.gva, GWALK_USER, &res);
	AD_EXPECT(r == E_BUSY && res.tries == GWALK_MAX_TRIES, "race 3: r=%d tries=%u", r, res.tries);
	wmem.race_every = false, wmem.race_at = 0;
	if (ok)
		report("gwalk_ad_race", true, "guest writes survive; restart on lost cmpxchg; E_BUSY after %d",
		       GWALK_MAX_TRIES);
	else
		report("gwalk_ad_race", false, "%s", why);
}

/* The trace of one walk, checked field by field. */
static void test_trace(void)
{
	struct layout lo = layouts[0];
	struct gwalk_mem mem;
	struct gwalk_result res;
	struct gwalk_cpu cpu;
	char why[256] = "";
	bool ok = true;

	layout_slots(&lo);
	layout_pages(&lo);
	tmem_bind(&wmem, &mem);
	for (int level = 4; level >= 1; level--)
		put_entry(&lo, level, lo.next[level] | 0x7);
	put_entry(&lo, 2, lo.next[2] | 0x27);        /* PDE already accessed */
	make_cpu(&lo, WP, &cpu, NULL);
	test_gwalk_log_clear();
	gwalk(&cpu, &mem, lo.gva, GWALK_USER | GWALK_WRITE, &res);
	const struct hvt_record *r = test_gwalk_log.rec;
	AD_EXPECT(test_gwalk_log.n == 4 + 3, "%d records, want 4 reads + 3 A/D", test_gwalk_log.n);
	for (int i = 0; ok && i < 4; i++) {
		int level = 4 - i;
		AD_EXPECT(r[i].type == HVT_WALK_STEP && r[i].level == level && r[i].a == lo.gva &&
			  r[i].c == lo.slot[level] && r[i].reason == GWALK_TR_READ && r[i].vcpu == 3 &&
			  r[i].d == (GWALK_USER | GWALK_WRITE),
			  "read record %d: level %u c %#llx reason %u", i, r[i].level,
			  (unsigned long long)r[i].c, r[i].reason);
	}
	AD_EXPECT(r[3].b == (lo.next[1] | 0x7), "read record of the PTE has %#llx", (unsigned long long)r[3].b);
	AD_EXPECT(r[6].reason == GWALK_TR_SET_AD && r[6].level == 1 && r[6].d == (lo.next[1] | 0x7) &&
		  r[6].b == (lo.next[1] | 0x67), "A/D record of the PTE: old %#llx new %#llx",
		  (unsigned long long)r[6].d, (unsigned long long)r[6].b);
	/* a not-present PDE: 3 reads, the last one marked as the fault, e = error code */
	put_entry(&lo, 2, lo.next[2]);
	test_gwalk_log_clear();
	gwalk(&cpu, &mem, lo.gva, GWALK_USER, &res);
	AD_EXPECT(test_gwalk_log.n == 3 && r[2].reason == GWALK_TR_FAULT && r[2].level == 2 &&
		  r[2].e == 0x4 && r[1].reason == GWALK_TR_READ,
		  "fault walk: %d records, last reason %u level %u e %#llx", test_gwalk_log.n,
		  r[2].reason, r[2].level, (unsigned long long)r[2].e);
	report("gwalk_trace", ok, "%s", ok ? "one HVT_WALK_STEP per gPTE read (top first), fault marked, A/D records" : why);
}

/* Error returns and PDPTE registers. */
static void test_errors(void)
{
	struct layout lo = layouts[0], pae = layouts[2];
	struct gwalk_mem mem;
	struct gwalk_result res;
	struct gwalk_cpu cpu;
	char why[256] = "";
	bool ok = true;

	layout_slots(&lo);
	layout_pages(&lo);
	tmem_bind(&wmem, &mem);
	for (int level = 4; level >= 1; level--)
		put_entry(&lo, level, lo.next[level] | 0x7);
	make_cpu(&lo, 0, &cpu, NULL);
	AD_EXPECT(gwalk(&cpu, &mem, lo.gva, GWALK_USER | GWALK_IMPLICIT, &res) == E_INVAL, "USER|IMPLICIT");
	AD_EXPECT(gwalk(&cpu, &mem, lo.gva, GWALK_WRITE | GWALK_FETCH, &res) == E_INVAL, "WRITE|FETCH");
	put_entry(&lo, 2, 0x99999000 | 0x7);         /* PT outside guest RAM */
	AD_EXPECT(gwalk(&cpu, &mem, lo.gva, 0, &res) == E_FAULT, "table outside RAM");

	/* PAE with PDPTE registers: memory PDPTE not present, register is */
	u64 regs[4] = { 0 };
	layout_slots(&pae);
	layout_pages(&pae);
	tmem_bind(&wmem, &mem);
	put_entry(&pae, 3, 0);
	put_entry(&pae, 2, pae.next[2] | 0x7);
	put_entry(&pae, 1, pae.next[1] | 0x7);
	make_cpu(&pae, 0, &cpu, NULL);
	AD_EXPECT(!gwalk(&cpu, &mem, pae.gva, 0, &res) && res.fault && res.error_code == 0 && res.level == 3,
		  "PAE memory PDPTE: fault %d ec %#x", res.fault, res.error_code);
	regs[2] = pae.next[3] | 0x1;
	cpu.pdptrs = regs;
	wmem.reads = 0;
	AD_EXPECT(!gwalk(&cpu, &mem, pae.gva, 0, &res) && !res.fault && res.gpa == 0x7123 && wmem.reads == 2,
		  "PAE register PDPTE: fault %d gpa %#llx reads %d", res.fault,
		  (unsigned long long)res.gpa, wmem.reads);
	report("gwalk_errors", ok, "%s", ok ? "E_INVAL, E_FAULT, PAE PDPTE registers" : why);
}

/* ------------------------------------------------------------------------
 * gwalk_vm.c: the walker bound to "memslots" (test_gwalk_env.c stands in
 * for mmu_gpa_to_hpa): atomic 4- and 8-byte updates in place, E_BUSY on a
 * changed entry, E_FAULT for a read-only gPT or a gPT outside RAM.
 */
static void ram_put(gpa_t gpa, int size, u64 val)
{
	memcpy(&test_gwalk_ram[gpa], &val, size);
}

static u64 ram_get(gpa_t gpa, int size)
{
	u64 val = 0;
	memcpy(&val, &test_gwalk_ram[gpa], size);
	return val;
}

static void test_vm_binding(void)
{
	struct gwalk_mem mem;
	struct gwalk_result res;
	struct gwalk_cpu cpu = { .cr0 = BIT(31) | BIT(16), .cr4 = BIT(5), .efer = BIT(10),
				 .cr3 = 0x1000, .maxphyaddr = 46 };
	char why[256] = "";
	bool ok = true;

	memset(test_gwalk_ram, 0, TEST_GWALK_RAM_SIZE);
	gwalk_mem_bind_vm(&mem, TEST_GWALK_VM);
	/* 4-level, gva 0: PML4 0x1000 -> PDPT 0x2000 -> PD 0x3000 -> PT 0x4000 -> 0x5000 */
	for (int i = 0; i < 4; i++)
		ram_put(0x1000 * (i + 1), 8, (0x1000 * (i + 2)) | 0x7);
	int r = gwalk(&cpu, &mem, 0x123, GWALK_USER | GWALK_WRITE, &res);
	AD_EXPECT(!r && !res.fault && res.gpa == 0x5123, "4-level: r=%d fault=%d gpa=%#llx", r, res.fault,
		  (unsigned long long)res.gpa);
	AD_EXPECT(ram_get(0x1000, 8) == 0x2027 && ram_get(0x4000, 8) == 0x5067, "4-level A/D: %#llx %#llx",
		  (unsigned long long)ram_get(0x1000, 8), (unsigned long long)ram_get(0x4000, 8));
	AD_EXPECT(mem.cmpxchg_gpte(mem.ctx, 0x4000, 0x5007, 0x5fff, 8) == E_BUSY &&
		  ram_get(0x4000, 8) == 0x5067, "stale cmpxchg was not refused");

	/* 32-bit: PD 0x6000 -> PT 0x7000 -> 0x8000; 4-byte updates leave the neighbours alone */
	cpu.cr4 = 0, cpu.efer = 0, cpu.cr3 = 0x6000;
	ram_put(0x6000, 4, 0x7007);
	ram_put(0x6004, 4, 0xffffffff);
	ram_put(0x7000, 4, 0x8007);
	ram_put(0x7004, 4, 0xffffffff);
	r = gwalk(&cpu, &mem, 0x456, GWALK_WRITE, &res);
	AD_EXPECT(!r && !res.fault && res.gpa == 0x8456 && ram_get(0x6000, 4) == 0x7027 &&
		  ram_get(0x7000, 4) == 0x8067 && ram_get(0x6004, 4) == 0xffffffff &&
		  ram_get(0x7004, 4) == 0xffffffff, "32-bit: r=%d gpa=%#llx PDE %#llx PTE %#llx", r,
		  (unsigned long long)res.gpa, (unsigned long long)ram_get(0x6000, 4),
		  (unsigned long long)ram_get(0x7000, 4));

	/* a PT in the read-only part: reading works, setting A does not */
	ram_put(0x6000, 4, 0xc007);
	ram_put(0xc000, 4, 0x8007);
	r = gwalk(&cpu, &mem, 0x456, GWALK_NO_AD, &res);
	AD_EXPECT(!r && !res.fault && res.gpa == 0x8456, "read-only PT, probe: r=%d", r);
	r = gwalk(&cpu, &mem, 0x456, 0, &res);
	AD_EXPECT(r == E_FAULT && ram_get(0xc000, 4) == 0x8007, "read-only PT: r=%d PTE %#llx", r,
		  (unsigned long long)ram_get(0xc000, 4));
	ram_put(0x6000, 4, 0x20007);                 /* PT outside RAM */
	AD_EXPECT(gwalk(&cpu, &mem, 0x456, 0, &res) == E_FAULT, "PT outside RAM");
	report("gwalk_vm_binding", ok, "%s", ok ? "4- and 8-byte atomic A/D in place, E_BUSY, E_FAULT (read-only, no RAM)" : why);
}

/* W6: gwalk_recheck sees a gPTE changed after the walk, and only then. */
static void test_recheck(void)
{
	struct layout lo = layouts[0];
	struct gwalk_mem mem;
	struct gwalk_result res;
	struct gwalk_cpu cpu;
	char why[256] = "";
	bool ok = true;

	layout_slots(&lo);
	layout_pages(&lo);
	tmem_bind(&wmem, &mem);
	for (int level = 4; level >= 1; level--)
		put_entry(&lo, level, lo.next[level] | 0x7);
	make_cpu(&lo, WP, &cpu, NULL);
	gwalk(&cpu, &mem, lo.gva, GWALK_USER | GWALK_WRITE, &res);
	AD_EXPECT(gwalk_recheck(&cpu, &mem, &res) == 0, "unchanged tables reported changed");
	put_entry(&lo, 3, slot_val(&lo, 3) & ~BIT(1));      /* guest drops R/W in the PDPTE */
	AD_EXPECT(gwalk_recheck(&cpu, &mem, &res) == 1, "PDPTE change not seen");
	put_entry(&lo, 2, 0);                                /* a faulting walk checks what it read */
	gwalk(&cpu, &mem, lo.gva, GWALK_USER, &res);
	AD_EXPECT(res.fault && gwalk_recheck(&cpu, &mem, &res) == 0, "fault walk: recheck %d",
		  gwalk_recheck(&cpu, &mem, &res));
	put_entry(&lo, 2, lo.next[2] | 0x7);
	AD_EXPECT(gwalk_recheck(&cpu, &mem, &res) == 1, "repaired PDE not seen");
	report("gwalk_recheck", ok, "%s", ok ? "gPTE changes after a walk are seen, no false alarms" : why);
}

/*
 * Real threads on the gwalk_vm.c binding: a "guest" vCPU flips a software
 * bit (9) of the PTE with locked XORs while the walker sets A/D with
 * compare-exchange and a "guest OS" clears A/D again. No flip may be lost.
 */
#define FLIPS 200000
static volatile u64 *race_pte;   /* the PTE both threads update */
static int race_stop;            /* set by the walker thread when done */

static void *guest_flipper(void *arg)
{
	long *flips = arg;

	while (!__atomic_load_n(&race_stop, __ATOMIC_ACQUIRE) &&
	       __atomic_load_n(flips, __ATOMIC_RELAXED) < FLIPS) {
		__atomic_fetch_xor(race_pte, BIT(9), __ATOMIC_SEQ_CST);
		__atomic_fetch_add(flips, 1, __ATOMIC_RELEASE);
	}
	return NULL;
}

static void test_ad_race_threads(void)
{
	struct gwalk_mem mem;
	struct gwalk_result res;
	struct gwalk_cpu cpu = { .cr0 = BIT(31) | BIT(16), .cr4 = BIT(5), .efer = BIT(10),
				 .cr3 = 0x1000, .maxphyaddr = 46 };
	long flips = 0, walks = 0, restarts = 0, busy = 0, bad = 0;
	pthread_t t;

	memset(test_gwalk_ram, 0, TEST_GWALK_RAM_SIZE);
	for (int i = 0; i < 4; i++)
		ram_put(0x1000 * (i + 1), 8, (0x1000 * (i + 2)) | 0x7);
	race_pte = (volatile u64 *)&test_gwalk_ram[0x4000];
	race_stop = 0;
	gwalk_mem_bind_vm(&mem, TEST_GWALK_VM);
	pthread_create(&t, NULL, guest_flipper, &flips);
	for (walks = 0; walks < 20000; walks++) {
		test_gwalk_log_clear();
		int r = gwalk(&cpu, &mem, 0x123, GWALK_WRITE, &res);
		if (r == E_BUSY)
			busy++;
		else if (r || res.fault || res.gpa != 0x5123)
			bad++;
		restarts += res.tries - 1;
		__atomic_fetch_and(race_pte, ~(GPTE_A | GPTE_D), __ATOMIC_SEQ_CST);  /* guest ages it */
		if (__atomic_load_n(&flips, __ATOMIC_ACQUIRE) >= FLIPS)
			break;
	}
	__atomic_store_n(&race_stop, 1, __ATOMIC_RELEASE);
	pthread_join(t, NULL);           /* after the join, flips and the PTE are final */
	u64 pte = *race_pte;
	bool ok = !bad && ((pte >> 9) & 1) == (u64)(flips & 1) &&
		  (pte & ~(BIT(9) | GPTE_A | GPTE_D)) == 0x5007;
	report("gwalk_ad_race_threads", ok, "%ld walks, %ld guest flips, %ld restarts, %ld E_BUSY, "
	       "%ld bad, PTE %#llx (bit 9 must be %ld)", walks, flips, restarts, busy, bad,
	       (unsigned long long)pte, flips & 1);
}

/* ------------------------------------------------------------------------
 * Randomized: random tables in a pool of pages (random flags, some
 * reserved bits, some pointers outside RAM), random modes, control bits and
 * accesses; walker and reference must agree, and guest memory must be
 * identical after every walk.
 */
static u64 rng_state = 0x9e3779b97f4a7c15ull;
static u64 rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}
static bool chance(int percent) { return (int)(rnd() % 100) < percent; }

static const gfn_t pool[] = { 0x1, 0x2, 0x3, 0x10, 0x200, 0x400, 0x600, 0x800,
			      0x40000, 0x80000, 0xc0000, 0x12345 };

static u64 rand_entry(void)
{
	u64 e = pool[rnd() % ARRAY_SIZE(pool)] << 12;

	if (chance(4))
		e = rnd() & GENMASK(39, 12);             /* most likely not RAM */
	if (chance(85)) e |= BIT(0);
	if (chance(60)) e |= BIT(1);
	if (chance(60)) e |= BIT(2);
	if (chance(40)) e |= BIT(5);
	if (chance(30)) e |= BIT(6);
	if (chance(30)) e |= BIT(7);
	if (chance(25)) e |= BIT(63);
	if (chance(20)) e |= BIT(12);
	e |= rnd() & GENMASK(11, 8) & (chance(30) ? ~0ull : 0);
	if (chance(6))
		e |= BIT(13 + rnd() % 50);               /* reserved or ignored or address */
	return e;
}

static void random_round(int round, long *walks, long *kinds, char *why, size_t len, bool *ok)
{
	static const enum gwalk_mode modes[] = { GWALK_MODE_32, GWALK_MODE_PAE,
						 GWALK_MODE_4LEVEL, GWALK_MODE_5LEVEL };
	static const u8 widths[] = { 36, 40, 46, 52 };
	enum gwalk_mode mode = modes[round % 4];
	int size = mode == GWALK_MODE_32 ? 4 : 8;
	struct gwalk_cpu cpu = { .cr0 = BIT(31), .maxphyaddr = widths[rnd() % 4], .vcpu_id = 1 };
	u64 pdptrs[4];

	memset(&wmem, 0, sizeof(wmem));
	for (size_t p = 0; p < ARRAY_SIZE(pool); p++) {
		tmem_page(&wmem, pool[p], true);
		for (int i = 0; i < 4096 / size; i++)
			tmem_store(&wmem, (pool[p] << 12) + i * size, size, rand_entry());
	}
	cpu.cr3 = pool[rnd() % ARRAY_SIZE(pool)] << 12;
	if (mode != GWALK_MODE_32)
		cpu.cr4 |= BIT(5);
	if (mode >= GWALK_MODE_4LEVEL)
		cpu.efer |= BIT(10);
	if (mode == GWALK_MODE_5LEVEL)
		cpu.cr4 |= BIT(12);
	if (mode == GWALK_MODE_PAE) {
		cpu.cr3 |= (rnd() % 128) << 5;
		for (int i = 0; i < 4; i++)      /* mostly clean PDPTEs, or nothing passes */
			if (chance(70))
				tmem_store(&wmem, (cpu.cr3 & 0xffffffe0) + 8 * i, 8,
					   (pool[rnd() % ARRAY_SIZE(pool)] << 12) | BIT(0));
		if (chance(30)) {
			for (int i = 0; i < 4; i++)
				tmem_load(&wmem, (cpu.cr3 & 0xffffffe0) + 8 * i, 8, &pdptrs[i]);
			cpu.pdptrs = pdptrs;
		}
	}
	if (chance(50)) cpu.cr0 |= BIT(16);
	if (chance(50)) cpu.cr4 |= BIT(4);
	if (chance(50)) cpu.cr4 |= BIT(20);
	if (chance(50)) cpu.cr4 |= BIT(21);
	if (chance(60)) cpu.efer |= BIT(11);
	cpu.pse36 = chance(50);
	cpu.gbpages = chance(70);
	rmem = wmem;

	for (int w = 0; w < 32 && *ok; w++) {
		gva_t gva = rnd() & (mode == GWALK_MODE_5LEVEL ? GENMASK(56, 0) :
				     mode == GWALK_MODE_4LEVEL ? GENMASK(47, 0) : GENMASK(31, 0));
		u32 access = all_accesses[rnd() % ARRAY_SIZE(all_accesses)];
		struct gwalk_result res;
		if (chance(10))
			access |= GWALK_NO_AD;
		cpu.rflags = chance(50) ? BIT(18) : 0;
		(*walks)++;
		if (!compare_walk(&cpu, gva, access, why, len, &res)) {
			size_t used = strlen(why);
			snprintf(why + used, len - used, " [round %d mode %d gva %#llx %s]", round, mode,
				 (unsigned long long)gva, access_name(access));
			*ok = false;
		} else if (wmem.n != rmem.n || memcmp(wmem.gfn, rmem.gfn, sizeof(wmem.gfn)) ||
			   memcmp(wmem.data, rmem.data, sizeof(wmem.data))) {
			snprintf(why, len, "memory differs after walk [round %d gva %#llx %s]", round,
				 (unsigned long long)gva, access_name(access));
			*ok = false;
		}
		if (*ok && last_status == E_FAULT)
			kinds[4]++;
		else if (*ok)
			kinds[res.fault ? ((res.error_code & 8) ? 1 : (res.error_code & 1) ? 2 : 3) : 0]++;
	}
}

static void test_random(void)
{
	long walks = 0, kinds[5] = { 0 };
	char why[512] = "";
	bool ok = true;

	for (int round = 0; round < 600 && ok; round++)
		random_round(round, &walks, kinds, why, sizeof(why), &ok);
	ok &= kinds[0] && kinds[1] && kinds[2] && kinds[3];
	if (ok)
		report("gwalk_random", true, "%ld walks agree: %ld translated, %ld RSVD, %ld protection, "
		       "%ld not-present, %ld table outside RAM",
		       walks, kinds[0], kinds[1], kinds[2], kinds[3], kinds[4]);
	else
		report("gwalk_random", false, "%s (kinds %ld/%ld/%ld/%ld)", why, kinds[0], kinds[1], kinds[2], kinds[3]);
}

int main(int argc, char **argv)
{
	bool quick = argc > 1 && !strcmp(argv[1], "--quick");

	test_spots();
	test_rsvd();
	test_large_pages();
	test_paging_off();
	test_ad_exact();
	test_ad_race();
	test_trace();
	test_errors();
	test_vm_binding();
	test_recheck();
	test_ad_race_threads();
	test_matrix(&layouts[0], 3, quick ? 4 : 1);
	test_matrix(&layouts[1], 1, 5);
	test_matrix(&layouts[2], 2, 1);
	test_matrix(&layouts[3], 2, 1);
	test_matrix_rights();
	test_random();
	return nfail ? 1 : 0;
}
