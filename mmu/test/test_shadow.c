/*
 * test_shadow.c: host unit tests of the shadow MMU (mmu/shadow_*.c), under
 * ASan + UBSan. Prints "TEST <name> PASS|FAIL <detail>"; exits non-zero if
 * any failed.
 * The harness (a guest and a software CPU) is in shadow_harness.h.
 */
#include "shadow_harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char why[512];
static int failures;

#define EXPECT(cond, ...) do {                                                    \
	if (!(cond)) {                                                            \
		snprintf(why, sizeof(why), "%s:%d: ", __FILE__, __LINE__);       \
		snprintf(why + strlen(why), sizeof(why) - strlen(why), __VA_ARGS__); \
		return false;                                                     \
	}                                                                         \
} while (0)

static void report(const char *name, bool ok)
{
	printf("TEST %s %s %s\n", name, ok ? "PASS" : "FAIL", ok ? "" : why);
	fflush(stdout);
	if (!ok)
		failures++;
	why[0] = '\0';
}

static size_t count_records(int type, int reason, u8 flags_any)
{
	size_t n, c = 0;
	const struct hvt_record *r = host_trace_sorted(&n);
	for (size_t i = 0; i < n; i++)
		if (r[i].type == type && (reason < 0 || r[i].reason == reason) &&
		    (!flags_any || (r[i].flags & flags_any)))
			c++;
	return c;
}

static bool destroy_and_check(struct sg *g, const char *what);   /* with the teardown tests */

/* How sg_end_checked lets the VM go. */
enum sg_end_how {
	END_DESTROY,    /* sg_destroy */
	END_TEARDOWN,   /* destroy_and_check: the teardown itself is checked too */
};

/*
 * The end of a test: what every test checks last, in one place. The trace
 * and the page count start at sg_create (shadow_harness.h); a test may
 * reset the trace again only before its first leaf SPTE is written (T2
 * follows each SPTE from its first change), so the tests that count
 * records in the middle of a run count from a mark instead.
 *  - the trace passes host_trace_check (T1: no record missing; T2/T3:
 *    each SPTE's changes chain, old value = the previous new one), and
 *    every SPTE change in it carries HVT_F_SHADOW (a shadow VM writes no
 *    TDP SPTE);
 *  - the shadow invariants I1..I12 (mmu_shadow_check) and mmu_check hold;
 *  - the VM goes: with END_TEARDOWN through destroy_and_check (the teardown's
 *    SPTE writes and flush, every shadow table's life from PT_ALLOC to
 *    PT_FREE; only for a test that does not reset the trace after
 *    sg_create), else plainly;
 *  - no host page the VM took is still live.
 * what names the test (or the case) in a failure message. A failed check
 * returns at once and leaves the VM (LeakSanitizer then reports it too).
 */
static bool sg_end_checked(struct sg *g, const char *what, enum sg_end_how how)
{
	struct hvt_spte_format hf;
	char w[300];

	mmu_describe_format(g->vm, &hf);
	EXPECT(host_trace_check(&hf, w, sizeof(w)) == 0, "%s: trace: %s", what, w);
	EXPECT(count_records(HVT_SPTE_CHANGE, -1, HVT_F_SHADOW) == count_records(HVT_SPTE_CHANGE, -1, 0),
	       "%s: SPTE change without HVT_F_SHADOW", what);
	EXPECT(mmu_shadow_check(g->vm, w, sizeof(w)) == 0 && mmu_check(g->vm, w, sizeof(w)) == 0,
	       "%s: check: %s", what, w);
	if (how == END_TEARDOWN) {
		if (!destroy_and_check(g, what))
			return false;
	} else {
		sg_destroy(g);
	}
	EXPECT(host_pages_live() == g->live0, "%s: pages leaked: %ld", what, host_pages_live() - g->live0);
	return true;
}

/* ======================================================================== */
static bool test_roles_hash(void)
{
	struct sg g;
	EXPECT(sg_create(&g, false, false, false), "create");
	u64 cr3 = new_pt(&g) << 12;
	EXPECT(load(&g, cr3) == 0, "load");
	struct shadow_page *root = g.vcpu->shadow->cur.sp;
	EXPECT(root->gfn == cr3 >> 12 && role_level(root->role) == 4 && !role_direct(root->role),
	       "root gfn %#llx role %#x", (unsigned long long)root->gfn, root->role);
	EXPECT((root->role & (SR_NXE | SR_WP)) == (SR_NXE | SR_WP) && !(root->role & SR_SMEP),
	       "mode bits in role %#x", root->role);
	/* Same CR3, other CR0.WP: another role, another root (old ones dropped). */
	g.cpu.cr0 &= ~GW_CR0_WP;
	EXPECT(load(&g, cr3) == 0, "load wp=0");
	struct shadow_page *root2 = g.vcpu->shadow->cur.sp;
	EXPECT(root2 != root || (root2->role & SR_WP) == 0, "wp=0 reused the wp=1 root");
	EXPECT(!(root2->role & SR_WP) && root2->gfn == cr3 >> 12, "role %#x", root2->role);
	/* Lookup of an existing (gfn, role) returns it, created=0 in the trace. */
	host_trace_reset();
	g.cpu.cr0 |= GW_CR0_WP;
	EXPECT(load(&g, cr3) == 0, "load");
	u64 cr3b = new_pt(&g) << 12;
	EXPECT(load(&g, cr3b) == 0 && load(&g, cr3) == 0, "loads");
	EXPECT(stats(&g).root_hits >= 1, "no root cache hit");
	EXPECT(count_records(HVT_SP_EVENT, HVT_SP_GET, 0) >= 2, "no SP_GET records");
	/* 5-level is refused clearly (PAE and 32-bit have their own tests). */
	g.cpu.cr4 |= GW_CR4_LA57;
	EXPECT(load(&g, cr3) == E_NOTSUP, "5-level guest accepted");
	return sg_end_checked(&g, "roles_hash", END_DESTROY);
}

/* Modes the tests run in, and where a test puts its data and the window
 * through which the guest edits the gPT that maps the data. For a 32-bit
 * guest both are in ONE gPT (4 MiB at 0x400000): the data gPTEs in its
 * second half (quadrant 1: gPTE 1008 is SPTE 496 of the SP), the window's
 * own gPTE in its first half (quadrant 0). */
static const char *mode_name(enum gwalk_mode m)
{
	return m == GWALK_MODE_PAE ? "pae" : m == GWALK_MODE_32 ? "32bit" : "4level";
}

static gva_t data_gva(enum gwalk_mode m)
{
	return m == GWALK_MODE_32 ? 0x7f0000 : 0x400000;
}

static gva_t win_gva(enum gwalk_mode m)
{
	return m == GWALK_MODE_32 ? 0x400000 : 0x600000;
}

/* Map gva -> gfn (4 KiB) in the tables at cr3, in the guest's mode. */
static void gmap(struct sg *g, u64 cr3, gva_t gva, gfn_t gfn, u64 flags)
{
	gset(g, gpte_gpa(g, cr3, gva, 1, true), (gfn << 12) | flags);
}

/* Map the gPT holding gva's PTE at win (writable, dirty): the guest's
 * window onto its own page table. Returns the gPT's gfn. */
static gfn_t map_window(struct sg *g, u64 cr3, gva_t gva, gva_t win)
{
	gfn_t pt = gpt_gfn(g, cr3, gva, 1);
	gmap(g, cr3, win, pt, GPTE_P | GPTE_RW | GPTE_D | GPTE_A);
	return pt;
}

/* The guest writes the PTE of gva through its window (a MOV of its size). */
static int edit_pte(struct sg *g, u64 cr3, gva_t gva, gva_t win, u64 val)
{
	return wr(g, win + (gpte_gpa(g, cr3, gva, 1, false) & 0xfff), val);
}

static bool test_fault_map(void)
{
	struct sg g;
	int rc;
	EXPECT(sg_create(&g, false, false, true), "create");
	u64 cr3 = new_pt(&g) << 12;
	map4k(&g, cr3, 0x400000, 0x20, GPTE_P | GPTE_RW | GPTE_US);
	*gpa_va(&g, 0x20 << 12) = 0x1234;
	EXPECT(load(&g, cr3) == 0, "load");
	host_trace_reset();
	EXPECT(rd(&g, 0x400000, &rc) == 0x1234 && rc == 0, "read rc %d", rc);
	u64 s = leaf_spte(&g, 0x400000);
	EXPECT((s & GENMASK(47, 12)) == env_va_to_hpa(gpa_va(&g, 0x20 << 12)),
	       "pfn of SPTE %#llx", (unsigned long long)s);
	/* No W until the gPTE is dirty (KVM protect_clean_gpte). */
	EXPECT(!(s & X86_W) && (s & X86_U) && !(s & X86_NX), "read SPTE %#llx", (unsigned long long)s);
	u64 gpte = *gpte_ptr(&g, cr3, 0x400000, 1, false);
	EXPECT((gpte & GPTE_A) && !(gpte & GPTE_D), "gPTE A/D after read %#llx", (unsigned long long)gpte);
	EXPECT(wr(&g, 0x400000, 0x5678) == 0 && *gpa_va(&g, 0x20 << 12) == 0x5678, "write");
	gpte = *gpte_ptr(&g, cr3, 0x400000, 1, false);
	EXPECT(gpte & GPTE_D, "gPTE D after write");
	EXPECT(leaf_spte(&g, 0x400000) & X86_W, "SPTE W after write");
	EXPECT(count_records(HVT_FAULT, HVT_FK_SHADOW, 0) == 2, "faults %zu",
	       count_records(HVT_FAULT, HVT_FK_SHADOW, 0));
	EXPECT(count_records(HVT_SPTE_CHANGE, -1, HVT_F_SHADOW) == count_records(HVT_SPTE_CHANGE, -1, 0),
	       "SPTE change without HVT_F_SHADOW");
	/* Non-executable: XD in the gPTE -> NX in the SPTE, a fetch is injected. */
	map4k(&g, cr3, 0x401000, 0x21, GPTE_P | GPTE_US | GPTE_XD);
	EXPECT(rd(&g, 0x401000, &rc) == 0 && rc == 0, "read XD page");
	EXPECT(leaf_spte(&g, 0x401000) & X86_NX, "NX missing");
	u64 v;
	EXPECT(cpu_access(&g, 0x401000, MMU_PF_FETCH, &v) == 1 &&
	       g.last_error == (MMU_PF_PRESENT | MMU_PF_FETCH), "fetch error %#x", g.last_error);
	return sg_end_checked(&g, "fault_map", END_DESTROY);
}

static bool test_inject(enum gwalk_mode mode)
{
	struct sg g;
	int rc;
	EXPECT(sg_create(&g, false, false, true), "create");
	sg_set_mode(&g, mode);
	u64 cr3 = new_pt(&g) << 12;
	map4k(&g, cr3, 0x400000, 0x20, GPTE_P | GPTE_RW);          /* supervisor only */
	map4k(&g, cr3, 0x402000, 0x22, GPTE_P | GPTE_US);          /* read-only user */
	EXPECT(load(&g, cr3) == 0, "load");
	host_trace_reset();
	rd(&g, 0x800000, &rc);
	EXPECT(rc == 1 && g.last_error == 0, "not present: rc %d error %#x", rc, g.last_error);
	u64 v = 0;
	EXPECT(cpu_access(&g, 0x400000, MMU_PF_USER, &v) == 1 &&
	       g.last_error == (MMU_PF_PRESENT | MMU_PF_USER), "user->supervisor error %#x", g.last_error);
	EXPECT(cpu_access(&g, 0x402000, MMU_PF_USER | MMU_PF_WRITE, &v) == 1 &&
	       g.last_error == (MMU_PF_PRESENT | MMU_PF_USER | MMU_PF_WRITE), "RO write error %#x",
	       g.last_error);
	/* CR0.WP=1: a supervisor write to a read-only page faults too. */
	EXPECT(cpu_access(&g, 0x402000, MMU_PF_WRITE, &v) == 1 &&
	       g.last_error == (MMU_PF_PRESENT | MMU_PF_WRITE), "WP error %#x", g.last_error);
	/* CR0.WP=0: it is allowed; the SPTE gets W but loses U (user still faults). */
	g.cpu.cr0 &= ~GW_CR0_WP;
	EXPECT(load(&g, cr3) == 0, "load wp0");
	v = 77;
	EXPECT(cpu_access(&g, 0x402000, MMU_PF_WRITE, &v) == 0, "WP=0 supervisor write");
	u64 s = leaf_spte(&g, 0x402000);
	EXPECT((s & X86_W) && !(s & X86_U), "WP=0 SPTE %#llx", (unsigned long long)s);
	EXPECT(cpu_access(&g, 0x402000, MMU_PF_USER, &v) == 0 && v == 77, "user read after WP trick");
	size_t n, inj = 0;
	const struct hvt_record *r = host_trace_sorted(&n);
	for (size_t i = 0; i < n; i++)
		if (r[i].type == HVT_FAULT_END && r[i].aux16 == HVT_FR_INJECTED && r[i].reason == HVT_FK_SHADOW)
			inj++;
	EXPECT(inj == 4, "INJECTED fault ends %zu", inj);
	/* CR0.WP=0 with SMEP: the W-without-U SPTE must not let the supervisor
	 * fetch from what the guest calls a user page (KVM drops X too). */
	g.cpu.cr4 |= GW_CR4_SMEP;
	EXPECT(load(&g, cr3) == 0, "load wp0 smep");
	EXPECT(cpu_access(&g, 0x402000, MMU_PF_WRITE, &v) == 0, "WP=0 SMEP supervisor write");
	s = leaf_spte(&g, 0x402000);
	EXPECT((s & X86_W) && !(s & X86_U) && (s & X86_NX), "WP=0 SMEP SPTE %#llx", (unsigned long long)s);
	EXPECT(cpu_access(&g, 0x402000, MMU_PF_FETCH, &v) == 1 && g.last_error == (MMU_PF_PRESENT | MMU_PF_FETCH),
	       "SMEP supervisor fetch from a user page: error %#x", g.last_error);
	return sg_end_checked(&g, mode_name(mode), END_DESTROY);
}

/* Write protection + emulated writes + flooding, unsync off. */
static bool test_wrprot_emulate(enum gwalk_mode mode)
{
	struct sg g;
	int rc;
	EXPECT(sg_create(&g, true, false, true), "create");
	sg_set_mode(&g, mode);
	u64 cr3 = new_pt(&g) << 12;
	/* The window must live in another gPT (flooding unshadows this one):
	 * 0x800000 is outside the gPT of 0x400000 in every mode (a 32-bit gPT
	 * covers 4 MiB). */
	gva_t win = 0x800000;
	map4k(&g, cr3, 0x400000, 0x20, GPTE_P | GPTE_RW);
	/* The gPT is mapped at win, writable and dirty, so the guest can edit it. */
	gfn_t pt_gfn = map_window(&g, cr3, 0x400000, win);
	*gpa_va(&g, 0x21 << 12) = 0xbeef;
	EXPECT(load(&g, cr3) == 0, "load");
	EXPECT(rd(&g, 0x400000, &rc) == 0 && rc == 0, "read");
	rd(&g, win, &rc);
	EXPECT(rc == 0 && !(leaf_spte(&g, win) & X86_W), "gPT frame mapped writable (I4)");
	/* Remap 0x400000 to frame 0x21 through the guest's own mapping: trapped + emulated. */
	u64 before = stats(&g).emulated_writes;
	EXPECT(wr(&g, win, (0x21ull << 12) | GPTE_P | GPTE_RW) == 0, "write gPTE");
	EXPECT(stats(&g).emulated_writes == before + 1, "not emulated");
	EXPECT(rd(&g, 0x400000, &rc) == 0xbeef && rc == 0, "stale mapping after remap");
	/* Flooding: the guest writes the frame like data, no fault in between.
	 * (Counted from here rather than after a trace reset: the end checks
	 * need the whole trace, T2.) */
	size_t floods = count_records(HVT_SP_EVENT, HVT_SP_FLOOD, 0);
	for (int i = 0; i < 4; i++)
		wr(&g, win + (u64)gsize(&g) * 100, 0x1111 * (u64)i);
	EXPECT(count_records(HVT_SP_EVENT, HVT_SP_FLOOD, 0) == floods + 1, "flood records %zu",
	       count_records(HVT_SP_EVENT, HVT_SP_FLOOD, 0) - floods);
	EXPECT(leaf_spte(&g, win) & X86_W, "frame still write-protected after flood");
	/* Re-shadowed by a walk, then unprotected (hv: a write it cannot emulate). */
	EXPECT(rd(&g, 0x400000, &rc) == 0xbeef && rc == 0, "read re-shadows");
	EXPECT(mmu_shadow_unprotect(g.vcpu, (gpa_t)pt_gfn << 12) == 1, "unprotect zaps the SP");
	EXPECT(mmu_shadow_check(g.vm, why, sizeof(why)) == 0, "after unprotect");
	EXPECT(rd(&g, 0x400000, &rc) == 0xbeef && rc == 0, "read after flood");
	EXPECT(!(leaf_spte(&g, win) & X86_W), "re-shadowed gPT writable (I4)");
	return sg_end_checked(&g, mode_name(mode), END_DESTROY);
}

/* Unsync + sync and the seed-000 rule, as a table. */
struct sync_case {
	const char *name;
	u64 before, after;           /* gPTE flags (frame 0x30 + i unless moved) */
	bool moved;                  /* after maps another frame */
	int writes;                  /* SPTE writes expected from the sync */
	bool w_after;                /* SPTE W after the sync */
	bool present_after;
};

static const struct sync_case sync_cases[] = {
	{ "unchanged", GPTE_P | GPTE_RW | GPTE_US | GPTE_A | GPTE_D, GPTE_P | GPTE_RW | GPTE_US | GPTE_A | GPTE_D, false, 0, true, true },
	{ "w_added",   GPTE_P | GPTE_US | GPTE_A, GPTE_P | GPTE_RW | GPTE_US | GPTE_A | GPTE_D, false, 1, true, true },
	{ "w_removed", GPTE_P | GPTE_RW | GPTE_US | GPTE_A | GPTE_D, GPTE_P | GPTE_US | GPTE_A, false, 1, false, true },
	{ "u_removed", GPTE_P | GPTE_US | GPTE_A, GPTE_P | GPTE_A, false, 1, false, true },
	{ "moved",     GPTE_P | GPTE_US | GPTE_A, GPTE_P | GPTE_US | GPTE_A, true, 1, false, false },
	{ "unmapped",  GPTE_P | GPTE_US | GPTE_A, 0, false, 1, false, false },
};

static bool sync_one(const struct sync_case *c, bool skip_wadd, enum gwalk_mode mode, u64 *extra_faults)
{
	struct sg g;
	int rc;
	EXPECT(sg_create(&g, false, skip_wadd, true), "create");
	sg_set_mode(&g, mode);
	u64 cr3 = new_pt(&g) << 12;
	gva_t gva = data_gva(mode), win = win_gva(mode);
	gmap(&g, cr3, gva, 0x30, c->before);
	for (int i = 1; i < 4; i++)
		gmap(&g, cr3, gva + i * 4096ull, 0x30 + i, GPTE_P | GPTE_RW | GPTE_US | GPTE_A | GPTE_D);
	map_window(&g, cr3, gva, win);
	EXPECT(load(&g, cr3) == 0, "load");
	for (int i = 0; i < 4; i++)
		rd(&g, gva + i * 4096ull, &rc);
	EXPECT(is_mmu_present_spte(leaf_spte(&g, gva)), "%s: not mapped", c->name);
	/* The guest edits its PT through the window: the first write unsyncs
	 * it (32-bit: both halves' SPs, the window's gPTE is in the other). */
	u64 nv = c->after ? ((c->moved ? 0x40ull : 0x30ull) << 12) | c->after : 0;
	EXPECT(edit_pte(&g, cr3, gva, win, nv) == 0, "%s: guest PTE write", c->name);
	EXPECT(gget(&g, gpte_gpa(&g, cr3, gva, 1, false)) == nv, "%s: the edit did not land", c->name);
	EXPECT(leaf_spte(&g, win) & X86_W, "%s: gPT not unsync (write-protected)", c->name);
	EXPECT(stats(&g).unsyncs == (mode == GWALK_MODE_32 ? 2u : 1u), "%s: unsyncs %llu", c->name,
	       (unsigned long long)stats(&g).unsyncs);
	struct mmu_shadow_stats s0 = stats(&g);
	EXPECT(load(&g, cr3) == 0, "reload");           /* MOV CR3: sync point */
	struct mmu_shadow_stats s1 = stats(&g);
	u64 s = leaf_spte(&g, gva);
	u64 nwrites = s1.sync_writes - s0.sync_writes;
	if (!skip_wadd) {
		EXPECT((int)nwrites == c->writes, "%s: sync writes %llu want %d", c->name,
		       (unsigned long long)nwrites, c->writes);
		EXPECT(s1.sync_writes - s0.sync_writes == s1.sync_changed - s0.sync_changed,
		       "%s: writes != changed gPTEs", c->name);
		EXPECT(is_mmu_present_spte(s) == c->present_after, "%s: present %d", c->name,
		       is_mmu_present_spte(s));
		EXPECT(!!(s & X86_W) == c->w_after, "%s: W %d", c->name, !!(s & X86_W));
		if (c->present_after)
			EXPECT(!!(s & X86_U) == !!(c->after & GPTE_US), "%s: U", c->name);
	}
	/* The neighbours' gPTEs did not change: no writes for them (seed 000). */
	EXPECT(s1.sync_changed - s0.sync_changed <= 1, "%s: unchanged gPTEs counted", c->name);
	u64 e0 = g.exits;
	if (c->after & GPTE_RW)
		EXPECT(wr(&g, gva, 5) == 0, "%s: write after sync", c->name);
	*extra_faults = g.exits - e0;
	return sg_end_checked(&g, c->name, END_DESTROY);
}

static bool test_sync_table(enum gwalk_mode mode)
{
	for (size_t i = 0; i < ARRAY_SIZE(sync_cases); i++) {
		u64 extra;
		if (!sync_one(&sync_cases[i], false, mode, &extra))
			return false;
		EXPECT(extra == 0, "%s: %llu write faults after a correct sync", sync_cases[i].name,
		       (unsigned long long)extra);
	}
	return true;
}

/* The wrong rule (skip "W added") is selectable and costs a write fault. */
static bool test_sync_skip_wadd_variant(void)
{
	u64 extra = 0;
	if (!sync_one(&sync_cases[1], true, GWALK_MODE_4LEVEL, &extra))
		return false;
	EXPECT(extra == 1, "wrong variant: %llu extra faults, want 1", (unsigned long long)extra);
	return true;
}

static bool test_invlpg(enum gwalk_mode mode)
{
	struct sg g;
	int rc;
	EXPECT(sg_create(&g, false, false, true), "create");
	sg_set_mode(&g, mode);
	u64 cr3 = new_pt(&g) << 12;
	gva_t a = data_gva(mode), b = a + 0x1000, win = win_gva(mode);
	gmap(&g, cr3, a, 0x30, GPTE_P | GPTE_US | GPTE_A);
	gmap(&g, cr3, b, 0x31, GPTE_P | GPTE_US | GPTE_A);
	map_window(&g, cr3, a, win);
	EXPECT(load(&g, cr3) == 0, "load");
	rd(&g, a, &rc);
	rd(&g, b, &rc);
	/* Both PTEs become RW+D; the guest INVLPGs only the first. */
	edit_pte(&g, cr3, a, win, (0x30ull << 12) | GPTE_P | GPTE_RW | GPTE_US | GPTE_A | GPTE_D);
	edit_pte(&g, cr3, b, win, (0x31ull << 12) | GPTE_P | GPTE_RW | GPTE_US | GPTE_A | GPTE_D);
	/* Counted from here (the end checks need the whole trace, T2). */
	size_t syncs = count_records(HVT_SPTE_CHANGE, HVT_SR_SYNC, 0);
	size_t flushes = count_records(HVT_TLB_FLUSH, HVT_FR_INVLPG, 0);
	mmu_shadow_invlpg(g.vcpu, a);
	EXPECT(leaf_spte(&g, a) & X86_W, "INVLPG'd SPTE not synced");
	EXPECT(!(leaf_spte(&g, b) & X86_W), "INVLPG synced another gva");
	EXPECT(count_records(HVT_SPTE_CHANGE, HVT_SR_SYNC, 0) == syncs + 1, "sync records %zu",
	       count_records(HVT_SPTE_CHANGE, HVT_SR_SYNC, 0) - syncs);
	EXPECT(count_records(HVT_TLB_FLUSH, HVT_FR_INVLPG, 0) == flushes + 1, "no INVLPG flush");
	/* Without INVLPG a write still works: the fault path re-walks. */
	EXPECT(wr(&g, b, 9) == 0 && *gpa_va(&g, (0x31ull << 12)) == 9, "write without INVLPG");
	return sg_end_checked(&g, mode_name(mode), END_DESTROY);
}

static bool test_cr3_cache(enum gwalk_mode mode)
{
	struct sg g;
	int rc;
	u64 cr3[5];
	EXPECT(sg_create(&g, false, false, true), "create");
	sg_set_mode(&g, mode);
	for (int i = 0; i < 5; i++) {
		cr3[i] = new_pt(&g) << 12;
		gmap(&g, cr3[i], 0x400000, 0x40 + i, GPTE_P | GPTE_US);
		*gpa_va(&g, (0x40ull + i) << 12) = 100 + i;
	}
	for (int round = 0; round < 3; round++)
		for (int i = 0; i < 4; i++) {
			EXPECT(load(&g, cr3[i]) == 0, "load");
			EXPECT(rd(&g, 0x400000, &rc) == (u64)(100 + i) && rc == 0, "space %d reads wrong", i);
		}
	struct mmu_shadow_stats s = stats(&g);
	EXPECT(s.root_misses == 4 && s.root_hits == 8, "4-space ping-pong: misses %llu hits %llu",
	       (unsigned long long)s.root_misses, (unsigned long long)s.root_hits);
	EXPECT(load(&g, cr3[4]) == 0 && load(&g, cr3[0]) == 0, "load 5th");
	EXPECT(stats(&g).root_misses == 6, "LRU: root 0 should have been evicted");
	EXPECT(rd(&g, 0x400000, &rc) == 100, "space 0 after eviction");
	return sg_end_checked(&g, mode_name(mode), END_DESTROY);
}

static bool test_paging_off_and_huge(void)
{
	struct sg g;
	int rc;
	EXPECT(sg_create(&g, false, false, true), "create");
	*gpa_va(&g, 0x55000) = 0xabc;
	g.cpu.cr0 = 1;   /* PE only */
	g.cpu.efer = GW_EFER_NXE | BIT(8);   /* LME set, LMA clear: as after the guest's WRMSR */
	EXPECT(load(&g, 0) == 0, "load paging off");
	EXPECT(role_direct(g.vcpu->shadow->cur.sp->role) && (g.vcpu->shadow->cur.sp->role & SR_PAE_ROOT) &&
	       role_level(g.vcpu->shadow->cur.sp->role) == 3, "root role %#x", g.vcpu->shadow->cur.sp->role);
	EXPECT(rd(&g, 0x55000, &rc) == 0xabc && rc == 0, "identity read");
	EXPECT(wr(&g, 0x55008, 1) == 0 && (leaf_spte(&g, 0x55008) & X86_W), "identity write");
	rd(&g, 0x10000000, &rc);
	EXPECT(rc == 2, "outside RAM is MMIO, rc %d", rc);
	/* Paging on with a 2 MiB guest page at gva 0x40000000 -> gpa 0x200000. */
	g.cpu.cr0 = GW_CR0_PG | GW_CR0_WP | 1;
	g.cpu.efer |= GW_EFER_LMA;
	u64 cr3 = new_pt(&g) << 12;
	*gpte_ptr(&g, cr3, 0x40000000, 2, true) = 0x200000 | GPTE_P | GPTE_RW | GPTE_PS | GPTE_US;
	*gpa_va(&g, 0x200000 + 0x3000 + 16) = 0x777;
	EXPECT(load(&g, cr3) == 0, "load paging on");
	EXPECT(rd(&g, 0x40003010, &rc) == 0x777 && rc == 0, "2M page read");
	u32 err;
	u64 *l1 = hw_walk(&g, 0x40003010, 0, &err);
	EXPECT(l1, "no leaf");
	struct shadow_page *root = g.vcpu->shadow->cur.sp;
	struct shadow_page *l3 = root->ent[0].child, *l2 = l3->ent[1].child;
	struct shadow_page *l1sp = l2->ent[0].child;
	EXPECT(role_direct(l1sp->role) && l1sp->gfn == 0x200, "direct SP under 2M: gfn %#llx role %#x",
	       (unsigned long long)l1sp->gfn, l1sp->role);
	EXPECT(wr(&g, 0x40003018, 5) == 0 && *gpa_va(&g, 0x203018) == 5, "2M write");
	return sg_end_checked(&g, "paging_off", END_DESTROY);
}


/* Range zap and aging reach shadow leaves through the rmap (touch's hypercalls). */
static bool test_zap_age(enum gwalk_mode mode)
{
	struct sg g;
	int rc;
	EXPECT(sg_create(&g, false, false, true), "create");
	sg_set_mode(&g, mode);
	u64 cr3 = new_pt(&g) << 12;
	for (int i = 0; i < 16; i++) {
		map4k(&g, cr3, 0x400000 + i * 4096ull, 0x60 + i, GPTE_P | GPTE_RW);
		*gpa_va(&g, (0x60ull + i) << 12) = 500 + i;
	}
	EXPECT(load(&g, cr3) == 0, "load");
	for (int i = 0; i < 16; i++)
		EXPECT(rd(&g, 0x400000 + i * 4096ull, &rc) == (u64)(500 + i), "read %d", i);
	EXPECT(mmu_age_gfn_range(g.vm, 0x60, 16) == 16, "all 16 young");
	for (int i = 0; i < 16; i += 4)
		rd(&g, 0x400000 + i * 4096ull, &rc);
	EXPECT(mmu_age_gfn_range(g.vm, 0x60, 16) == 4, "4 young after 4 reads");
	EXPECT(mmu_age_gfn_range(g.vm, 0x60, 16) == 0, "none young again");
	long z = mmu_zap_gfn_range(g.vm, 0x60, 8);
	EXPECT(z == 8, "zapped %ld, want 8", z);
	EXPECT(!is_mmu_present_spte(leaf_spte(&g, 0x400000)) && is_mmu_present_spte(leaf_spte(&g, 0x408000)),
	       "zap range");
	EXPECT(rd(&g, 0x400000, &rc) == 500 && rc == 0, "refault after zap");
	return sg_end_checked(&g, mode_name(mode), END_DESTROY);
}

/*
 * Dirty logging under the shadow MMU (SHADOW.md 5.15): the log holds
 * exactly the pages the guest wrote since the last fetch. While slot 0 is
 * logged a leaf gets W only from a write fault (the read fault of a dirty
 * gPTE installs it read-only), enable and every fetch clear W and D from
 * the slot's leaves (so the next write faults again, and no older D is
 * harvested into the log later), and a sync of an unsync gPT that gained
 * W and D does not hand out W either. Without logging a read fault of a
 * dirty gPTE still gets W (it saves the write's fault).
 */
#define LOG_WORDS (RAM_PAGES / 64)

/* Fetch slot 0's log; true if it holds exactly the n frames of want. */
static bool log_is(struct sg *g, const gfn_t *want, int n, const char *when)
{
	u64 bm[LOG_WORDS], exp[LOG_WORDS] = {0};
	long count = mmu_dirty_log_fetch_clear(g->vm, 0, bm, LOG_WORDS);

	for (int i = 0; i < n; i++)
		exp[want[i] / 64] |= BIT(want[i] % 64);
	EXPECT(count == n, "%s: %ld pages logged, want %d", when, count, n);
	for (int w = 0; w < LOG_WORDS; w++)
		EXPECT(bm[w] == exp[w], "%s: log word %d is %#llx, want %#llx (frames %#llx..)", when, w,
		       (unsigned long long)bm[w], (unsigned long long)exp[w], (unsigned long long)w * 64);
	return true;
}

/*
 * Memslots that are not plain RAM: a read-only slot is read through a
 * read-only leaf and a write to it comes back as MMIO of kind READONLY (hv
 * drops it); every access to an all-ones slot is MMIO of kind ALLONES (no
 * SPTE caches it); a gfn no slot covers is UNBACKED. hv's mmio_access
 * (hv/core/mmio.c) acts on the kind, as for mmu=tdp.
 */
static bool test_mmio_slots(enum gwalk_mode mode)
{
	const u64 flags = GPTE_P | GPTE_RW | GPTE_US | GPTE_A | GPTE_D;
	const gfn_t ro = RAM_PAGES, ones = RAM_PAGES + 16, none = RAM_PAGES + 64;
	struct sg g;
	int rc;
	EXPECT(sg_create(&g, false, false, false), "create");
	sg_set_mode(&g, mode);
	EXPECT(mmu_memslot_create(g.vm, 1, ro, 16, HC_MEM_READONLY, 0) == 0, "read-only slot");
	EXPECT(mmu_memslot_create(g.vm, 2, ones, 16, HC_MEM_ALLONES, 0) == 0, "all-ones slot");
	u64 cr3 = new_pt(&g) << 12;
	gva_t gva = data_gva(mode);
	gmap(&g, cr3, gva, ro, flags);
	gmap(&g, cr3, gva + 0x1000, ones, flags);
	gmap(&g, cr3, gva + 0x2000, none, flags);
	*gpa_va(&g, ro << 12) = 0x1234;
	EXPECT(load(&g, cr3) == 0, "load");
	EXPECT(rd(&g, gva, &rc) == 0x1234 && rc == 0, "read-only slot read: rc %d", rc);
	EXPECT(!(leaf_spte(&g, gva) & X86_W), "read-only slot: writable leaf %#llx",
	       (unsigned long long)leaf_spte(&g, gva));
	g.last_mmio_kind = 0;
	EXPECT(wr(&g, gva, 0x5678) == 2 && g.last_mmio_kind == HVT_MMIO_READONLY,
	       "read-only slot write: kind %d", g.last_mmio_kind);
	EXPECT(*gpa_va(&g, ro << 12) == 0x1234 && !(leaf_spte(&g, gva) & X86_W), "write reached the slot");
	for (int w = 0; w < 2; w++) {
		g.last_mmio_kind = 0;
		if (w)
			rc = wr(&g, gva + 0x1000, 1);
		else
			rd(&g, gva + 0x1000, &rc);
		EXPECT(rc == 2 && g.last_mmio_kind == HVT_MMIO_ALLONES, "all-ones slot %s: rc %d kind %d",
		       w ? "write" : "read", rc, g.last_mmio_kind);
		EXPECT(!is_mmu_present_spte(leaf_spte(&g, gva + 0x1000)), "all-ones slot got an SPTE");
	}
	g.last_mmio_kind = 0;
	rd(&g, gva + 0x2000, &rc);
	EXPECT(rc == 2 && g.last_mmio_kind == HVT_MMIO_UNBACKED, "no slot: rc %d kind %d", rc,
	       g.last_mmio_kind);
	return sg_end_checked(&g, "mmio_slots", END_DESTROY);
}

static bool test_dirty_log(enum gwalk_mode mode)
{
	const u64 dirty = GPTE_P | GPTE_RW | GPTE_US | GPTE_A | GPTE_D;
	struct sg g;
	int rc;
	EXPECT(sg_create(&g, false, false, false), "create");   /* prefetch on: it must skip */
	sg_set_mode(&g, mode);
	u64 cr3 = new_pt(&g) << 12;
	gva_t gva = data_gva(mode), win = win_gva(mode);
	/* P0, P1: dirty gPTEs (frames 0x30, 0x31); P3: clean (0x33); in the
	 * next prefetch group P8, P9, P10: dirty (0x38..0x3a). */
	gva_t p0 = gva, p1 = gva + 0x1000, p3 = gva + 0x3000;
	gva_t p8 = gva + 0x8000, p9 = gva + 0x9000, p10 = gva + 0xa000;
	gmap(&g, cr3, p0, 0x30, dirty);
	gmap(&g, cr3, p1, 0x31, dirty);
	gmap(&g, cr3, p3, 0x33, GPTE_P | GPTE_RW | GPTE_US | GPTE_A);
	gmap(&g, cr3, p8, 0x38, dirty);
	gmap(&g, cr3, p9, 0x39, dirty);
	gmap(&g, cr3, p10, 0x3a, dirty);
	gfn_t gpt = map_window(&g, cr3, gva, win);
	EXPECT(load(&g, cr3) == 0, "load");
	/* Not logged: a read fault of a dirty gPTE gets W, a clean one not. */
	EXPECT(wr(&g, p0, 1) == 0 && rd(&g, p1, &rc) == 0 && rc == 0 && rd(&g, p3, &rc) == 0 && rc == 0,
	       "accesses before logging");
	rd(&g, win, &rc);   /* the walker sets A on the window's path now, not while logged */
	EXPECT(leaf_spte(&g, p1) & X86_W, "unlogged read fault of a dirty gPTE: no W (%#llx)",
	       (unsigned long long)leaf_spte(&g, p1));
	EXPECT(!(leaf_spte(&g, p3) & X86_W), "clean gPTE got W");
	EXPECT(mmu_dirty_log_fetch_clear(g.vm, 0, (u64[LOG_WORDS]){0}, LOG_WORDS) == E_INVAL,
	       "fetch while not logging");

	/* Enable: the leaves lose W and D (traced, flushed); nothing logged. */
	size_t wrprots = count_records(HVT_SPTE_CHANGE, HVT_SR_WRPROT, HVT_F_SHADOW);
	EXPECT(mmu_dirty_log_enable(g.vm, 0, true) == 0, "enable");
	for (gva_t p = p0; p <= p1; p += 0x1000)
		EXPECT(!(leaf_spte(&g, p) & (X86_W | X86_D)) && is_mmu_present_spte(leaf_spte(&g, p)),
		       "after enable, leaf of %#llx is %#llx", (unsigned long long)p,
		       (unsigned long long)leaf_spte(&g, p));
	EXPECT(count_records(HVT_SPTE_CHANGE, HVT_SR_WRPROT, HVT_F_SHADOW) >= wrprots + 2,
	       "enable: no traced wrprot of the shadow leaves");
	EXPECT(count_records(HVT_TLB_FLUSH, HVT_FR_WRPROT, 0) >= 1, "enable: no flush");
	if (!log_is(&g, NULL, 0, "right after enable"))
		return false;

	/* A read fault of a dirty gPTE, and reads through the old leaves: clean. */
	u64 e0 = g.exits;
	EXPECT(rd(&g, p8, &rc) == 0 && rc == 0 && rd(&g, p0, &rc) == 1 && rc == 0, "reads");
	EXPECT(g.exits == e0 + 1, "reads took %llu faults, want 1", (unsigned long long)(g.exits - e0));
	EXPECT(is_mmu_present_spte(leaf_spte(&g, p8)) && !(leaf_spte(&g, p8) & X86_W),
	       "logged read fault of a dirty gPTE: leaf %#llx", (unsigned long long)leaf_spte(&g, p8));
	EXPECT(!is_mmu_present_spte(leaf_spte(&g, p9)), "prefetch into a logged slot");
	if (!log_is(&g, NULL, 0, "reads only"))
		return false;

	/* Writes fault and are logged; after the fetch the next ones again. */
	EXPECT(wr(&g, p8, 2) == 0, "write p8");
	EXPECT(leaf_spte(&g, p8) & X86_W, "write fault: no W");
	if (!log_is(&g, (gfn_t[]){0x38}, 1, "first write"))
		return false;
	e0 = g.exits;
	EXPECT(wr(&g, p8, 3) == 0 && wr(&g, p0, 3) == 0 && wr(&g, p0, 4) == 0, "writes after fetch");
	EXPECT(g.exits == e0 + 2, "writes after fetch took %llu faults, want 2",
	       (unsigned long long)(g.exits - e0));
	if (!log_is(&g, (gfn_t[]){0x30, 0x38}, 2, "writes after the fetch"))
		return false;
	/* The fetch cleared D: zapping the written leaves harvests nothing. */
	EXPECT(mmu_zap_gfn_range(g.vm, 0x30, 16) >= 3, "zap");
	if (!log_is(&g, NULL, 0, "zap after fetch"))
		return false;

	/* Sync: the guest makes P3's gPTE dirty through its window (the gPT
	 * goes unsync; that write is logged), then MOV CR3 syncs it: the new
	 * SPTE stays read-only, so the guest's write to P3 faults and is logged. */
	EXPECT(rd(&g, p3, &rc) == 0 && rc == 0, "read p3");
	EXPECT(edit_pte(&g, cr3, p3, win, (0x33ull << 12) | dirty) == 0, "edit P3's gPTE");
	EXPECT(leaf_spte(&g, win) & X86_W, "gPT not unsync");
	u64 sync_writes = stats(&g).sync_writes;
	EXPECT(load(&g, cr3) == 0, "reload (sync)");
	EXPECT(stats(&g).sync_writes > sync_writes, "the sync rewrote nothing");
	EXPECT(is_mmu_present_spte(leaf_spte(&g, p3)) && !(leaf_spte(&g, p3) & X86_W),
	       "sync gave W in a logged slot: %#llx", (unsigned long long)leaf_spte(&g, p3));
	if (!log_is(&g, (gfn_t[]){gpt}, 1, "gPT edit, sync"))
		return false;
	EXPECT(wr(&g, p3, 5) == 0, "write p3");
	if (!log_is(&g, (gfn_t[]){0x33}, 1, "write after sync"))
		return false;

	/* Logging off: a read fault of a dirty gPTE gets W again. */
	EXPECT(mmu_dirty_log_enable(g.vm, 0, false) == 0, "disable");
	EXPECT(rd(&g, p10, &rc) == 0 && rc == 0 && (leaf_spte(&g, p10) & X86_W),
	       "read fault after logging: leaf %#llx", (unsigned long long)leaf_spte(&g, p10));
	return sg_end_checked(&g, mode_name(mode), END_DESTROY);
}


/* The checker itself: a planted I4 violation (W on a shadowed gPT) is caught. */
static bool test_check_catches(void)
{
	struct sg g;
	int rc;
	char w[300];
	EXPECT(sg_create(&g, true, false, true), "create");
	u64 cr3 = new_pt(&g) << 12;
	map4k(&g, cr3, 0x400000, 0x20, GPTE_P | GPTE_RW);
	u64 *pte = gpte_ptr(&g, cr3, 0x400000, 1, false);
	gfn_t pt_gfn = ((u64)(pte - gpa_va(&g, 0)) * 8) >> 12;
	map4k(&g, cr3, 0x600000, pt_gfn, GPTE_P | GPTE_RW | GPTE_D | GPTE_A);
	EXPECT(load(&g, cr3) == 0, "load");
	rd(&g, 0x400000, &rc);
	rd(&g, 0x600000, &rc);
	EXPECT(mmu_shadow_check(g.vm, w, sizeof(w)) == 0, "clean state: %s", w);
	u32 err;
	u64 *e = hw_walk(&g, 0x600000, 0, &err);
	EXPECT(e, "no SPTE for the gPT window");
	*e |= X86_W | X86_MMU_WRITABLE;              /* what a bug would do */
	EXPECT(mmu_check(g.vm, w, sizeof(w)) != 0 && strstr(w, "I4"), "I4 not caught: '%s'", w);
	*e &= ~(X86_W | X86_MMU_WRITABLE);            /* restored: the end checks pass again */
	return sg_end_checked(&g, "check_catches_i4", END_DESTROY);
}

/* ---- PAE guests ------------------------------------------------------------ */
/* The SP linked at SPTE index of parent (NULL if none). */
static struct shadow_page *child_at(struct shadow_page *parent, int index)
{
	return parent && is_mmu_present_spte(parent->spt[index]) ? parent->ent[index].child : NULL;
}

static bool test_pae_fault(void)
{
	struct sg g;
	int rc;
	u64 v = 0;
	EXPECT(sg_create(&g, false, false, true), "create");
	sg_set_mode(&g, GWALK_MODE_PAE);
	/* The PDPT is 32 bytes: put it at offset 0x40 of its page (CR3 31..5). */
	u64 cr3 = (new_pt(&g) << 12) + 0x40;
	gset(&g, gpte_gpa(&g, cr3, 0x40400000, 1, true), (0x20ull << 12) | GPTE_P | GPTE_RW | GPTE_US);
	gset(&g, gpte_gpa(&g, cr3, 0xc0001000, 1, true), (0x21ull << 12) | GPTE_P | GPTE_US | GPTE_XD);
	gset(&g, gpte_gpa(&g, cr3, 0x00400000, 1, true), (0x22ull << 12) | GPTE_P | GPTE_RW);
	/* a 2 MiB guest page: PDPTE 1, PDE 4 -> gpa 0x200000 */
	gset(&g, gpte_gpa(&g, cr3, 0x40800000, 2, true), 0x200000 | GPTE_P | GPTE_RW | GPTE_US | GPTE_PS);
	*gpa_va(&g, 0x20 << 12) = 0x1234;
	*gpa_va(&g, 0x203010) = 0x777;
	EXPECT(load(&g, cr3) == 0, "load");
	struct shadow_page *root = g.vcpu->shadow->cur.sp;
	EXPECT((root->role & SR_PAE_ROOT) && !role_direct(root->role) && role_level(root->role) == 3 &&
	       role_mode(root->role) == GWALK_MODE_PAE && root->gfn == cr3 >> 12 &&
	       root->pdptr[1] == gget(&g, (cr3 & ~31ull) + 8), "root role %#x gfn %#llx", root->role,
	       (unsigned long long)root->gfn);
	EXPECT(g.root == root->hpa && !(g.root & 31), "CR3 for the CPU is the PAE root");
	host_trace_reset();
	EXPECT(rd(&g, 0x40400000, &rc) == 0x1234 && rc == 0, "read rc %d", rc);
	u64 sp = leaf_spte(&g, 0x40400000);
	EXPECT((sp & GENMASK(47, 12)) == env_va_to_hpa(gpa_va(&g, 0x20 << 12)) && !(sp & X86_W) &&
	       (sp & X86_U) && !(sp & X86_NX), "SPTE %#llx", (unsigned long long)sp);
	/* 8-byte gPTEs, one SP per gPT, no quadrant: root[1] -> PD -> PT. */
	struct shadow_page *pd = child_at(root, 1), *pt = child_at(pd, 2);
	EXPECT(pd && pt && pd->gfn == gpt_gfn(&g, cr3, 0x40400000, 2) && pt->gfn == gpt_gfn(&g, cr3, 0x40400000, 1) &&
	       !(pd->role & (SR_4B | SR_QUAD_MASK)) && role_level(pd->role) == 2 && role_level(pt->role) == 1,
	       "PAE SPs: pd role %#x pt role %#x", pd ? pd->role : 0, pt ? pt->role : 0);
	u64 gpte = gget(&g, gpte_gpa(&g, cr3, 0x40400000, 1, false));
	EXPECT((gpte & GPTE_A) && !(gpte & GPTE_D), "gPTE A/D after read %#llx", (unsigned long long)gpte);
	EXPECT(wr(&g, 0x40400000, 0x5678) == 0 && *gpa_va(&g, 0x20 << 12) == 0x5678, "write");
	EXPECT((gget(&g, gpte_gpa(&g, cr3, 0x40400000, 1, false)) & GPTE_D) && (leaf_spte(&g, 0x40400000) & X86_W),
	       "D / W after write");
	/* The PDPTE step of the walk carries the register and CR3 + 8 x index. */
	size_t n, steps = 0;
	const struct hvt_record *r = host_trace_sorted(&n);
	for (size_t k = 0; k < n; k++)
		if (r[k].type == HVT_WALK_STEP && r[k].level == 3 && r[k].a == 0x40400000) {
			EXPECT(r[k].b == root->pdptr[1] && r[k].c == (cr3 & ~31ull) + 8, "PDPTE step b %#llx c %#llx",
			       (unsigned long long)r[k].b, (unsigned long long)r[k].c);
			steps++;
		}
	EXPECT(steps >= 1, "no PDPTE walk step");
	/* XD -> NX; PAE with NXE: a fetch #PF has I/D. */
	EXPECT(rd(&g, 0xc0001000, &rc) == 0 && rc == 0 && (leaf_spte(&g, 0xc0001000) & X86_NX), "XD page");
	EXPECT(cpu_access(&g, 0xc0001000, MMU_PF_FETCH, &v) == 1 &&
	       g.last_error == (MMU_PF_PRESENT | MMU_PF_FETCH), "fetch error %#x", g.last_error);
	EXPECT(cpu_access(&g, 0x00400000, MMU_PF_USER, &v) == 1 &&
	       g.last_error == (MMU_PF_PRESENT | MMU_PF_USER), "user->supervisor %#x", g.last_error);
	EXPECT(cpu_access(&g, 0xc0001000, MMU_PF_WRITE, &v) == 1 &&
	       g.last_error == (MMU_PF_PRESENT | MMU_PF_WRITE), "WP write %#x", g.last_error);
	/* PDPTE 2 not present: #PF with P=0 */
	EXPECT(cpu_access(&g, 0x80000000, 0, &v) == 1 && g.last_error == 0, "no PDPTE: %#x", g.last_error);
	/* the 2 MiB guest page: a direct level-1 SP for gpa 0x200000 */
	EXPECT(rd(&g, 0x40803010, &rc) == 0x777 && rc == 0, "2M read");
	struct shadow_page *d = child_at(pd, 4);
	EXPECT(d && role_direct(d->role) && d->gfn == 0x200 && role_level(d->role) == 1, "direct SP under 2M");
	EXPECT(wr(&g, 0x40803018, 5) == 0 && *gpa_va(&g, 0x203018) == 5, "2M write");
	return sg_end_checked(&g, "pae_fault", END_DESTROY);
}

/* The PDPTEs are registers (SDM 4.4.1): loaded at CR3 load, not re-read
 * at each fault; a rewritten PDPT takes effect at the next load. */
static bool test_pae_pdptrs(void)
{
	struct sg g;
	int rc;
	EXPECT(sg_create(&g, false, false, true), "create");
	sg_set_mode(&g, GWALK_MODE_PAE);
	u64 cr3 = new_pt(&g) << 12;
	gva_t a = 0x400000, b = 0x401000;
	gmap(&g, cr3, a, 0x30, GPTE_P | GPTE_US);
	gmap(&g, cr3, b, 0x32, GPTE_P | GPTE_US);
	u64 pdpte_a = gget(&g, cr3);
	/* PD B: a copy of the PD with other PTs mapping frames 0x31, 0x33 */
	gfn_t pdb = new_pt(&g), ptb = new_pt(&g);
	memcpy(gpa_va(&g, pdb << 12), gpa_va(&g, pdpte_a & GENMASK(51, 12)), 4096);
	*gpa_va(&g, (pdb << 12) + 2 * 8) = (ptb << 12) | PT_FLAGS;
	*gpa_va(&g, (ptb << 12) + 0 * 8) = (0x31ull << 12) | GPTE_P | GPTE_US;
	*gpa_va(&g, (ptb << 12) + 1 * 8) = (0x33ull << 12) | GPTE_P | GPTE_US;
	for (int i = 0x30; i <= 0x33; i++)
		*gpa_va(&g, (gpa_t)i << 12) = (u64)i;
	EXPECT(load(&g, cr3) == 0, "load");
	EXPECT(rd(&g, a, &rc) == 0x30, "space A");
	/* The guest points PDPTE 0 at PD B, no MOV CR3: the registers still
	 * say PD A, also for a walk that never happened before (b), and after
	 * every shadow leaf is gone. */
	gset(&g, cr3, (pdb << 12) | GPTE_P);
	mmu_zap_gfn_range(g.vm, 0, RAM_PAGES);
	EXPECT(rd(&g, a, &rc) == 0x30 && rd(&g, b, &rc) == 0x32, "PDPTE re-read from memory before CR3 load");
	u64 misses = stats(&g).root_misses;
	EXPECT(load(&g, cr3) == 0, "reload");
	EXPECT(stats(&g).root_misses == misses + 1, "same CR3, new PDPTEs: the old root was reused");
	EXPECT(g.vcpu->shadow->cur.sp->pdptr[0] == ((pdb << 12) | GPTE_P), "root pdptr");
	EXPECT(rd(&g, a, &rc) == 0x31 && rd(&g, b, &rc) == 0x33, "new PDPTE not used after CR3 load");
	/* hv's registers win over memory (an Intel CPU loaded them earlier). */
	u64 regs[4] = { pdpte_a, 0, 0, 0 };
	g.cpu.pdptrs = regs;
	EXPECT(load(&g, cr3) == 0, "load with registers");
	EXPECT(rd(&g, a, &rc) == 0x30 && rc == 0, "registers ignored");
	EXPECT(rd(&g, 0x40000000, &rc) == 0 && rc == 1 && g.last_error == 0, "register PDPTE 1 (0) ignored");
	g.cpu.pdptrs = NULL;
	/* Two PDPTs in one page (CR3 differs in bits 11..5): two roots. */
	u64 cr3b = cr3 + 0x20;
	gset(&g, cr3b, pdpte_a);
	EXPECT(load(&g, cr3b) == 0 && rd(&g, a, &rc) == 0x30, "PDPT at +0x20");
	EXPECT(load(&g, cr3) == 0 && rd(&g, a, &rc) == 0x31, "PDPT at +0");
	EXPECT(g.vcpu->shadow->cur.sp != g.vcpu->shadow->prev[0].sp, "one root for two PDPTs");
	/* A PDPT outside guest RAM: a clear error, not a crash. */
	EXPECT(load(&g, 0xfffff000) == E_FAULT, "PDPT outside RAM");
	return sg_end_checked(&g, "pae_pdptrs", END_DESTROY);
}

/* ---- 32-bit guests ---------------------------------------------------------- */
static bool test_b32_fault_quadrants(void)
{
	struct sg g;
	int rc;
	u64 v = 0;
	EXPECT(sg_create(&g, false, false, true), "create");
	sg_set_mode(&g, GWALK_MODE_32);
	u64 cr3 = new_pt(&g) << 12;
	/* One page in each GiB of the 4 GiB space (each quarter of the gPD),
	 * and two in one gPT, one in each half (0x7fe000: gPTE 1022). */
	static const gva_t gvas[] = { 0x00400000, 0x40401000, 0x80402000, 0xc0403000, 0x7fe000 };
	for (int i = 0; i < 5; i++) {
		gmap(&g, cr3, gvas[i], 0x40 + i, GPTE_P | GPTE_RW | GPTE_US);
		*gpa_va(&g, (0x40ull + i) << 12) = 0x1000 + i;
	}
	EXPECT(load(&g, cr3) == 0, "load");
	struct shadow_page *root = g.vcpu->shadow->cur.sp;
	EXPECT((root->role & SR_PAE_ROOT) && role_mode(root->role) == GWALK_MODE_32 && root->gfn == cr3 >> 12 &&
	       !(root->role & SR_4B), "root role %#x", root->role);
	host_trace_reset();
	for (int i = 0; i < 5; i++)
		EXPECT(rd(&g, gvas[i], &rc) == 0x1000u + i && rc == 0, "read %#llx rc %d",
		       (unsigned long long)gvas[i], rc);
	/* root entry q -> the gPD's quarter q; its SPTE (gva 29..21) -> the
	 * gPT's half (gva bit 21). */
	for (int i = 0; i < 5; i++) {
		gva_t gva = gvas[i];
		struct shadow_page *pd = child_at(root, (int)(gva >> 30));
		struct shadow_page *pt = child_at(pd, (int)((gva >> 21) & 511));
		EXPECT(pd && pd->gfn == cr3 >> 12 && (pd->role & SR_4B) && role_quadrant(pd->role) == gva >> 30 &&
		       role_level(pd->role) == 2, "gva %#llx: PD SP role %#x", (unsigned long long)gva, pd ? pd->role : 0);
		EXPECT(pt && pt->gfn == gpt_gfn(&g, cr3, gva, 1) && (pt->role & SR_4B) &&
		       role_quadrant(pt->role) == ((gva >> 21) & 1), "gva %#llx: PT SP role %#x",
		       (unsigned long long)gva, pt ? pt->role : 0);
		/* the gPTE behind each SPTE, as sync and prefetch read it */
		EXPECT(shadow_gpte_gpa(pd, (int)((gva >> 21) & 511)) == gpte_gpa(&g, cr3, gva, 2, false) &&
		       shadow_gpte_gpa(pt, (int)((gva >> 12) & 511)) == gpte_gpa(&g, cr3, gva, 1, false),
		       "gva %#llx: gPTE address of SPTE", (unsigned long long)gva);
		u64 s = leaf_spte(&g, gva);
		EXPECT((s & GENMASK(47, 12)) == env_va_to_hpa(gpa_va(&g, (0x40ull + i) << 12)) && !(s & X86_W) &&
		       (s & X86_U) && !(s & X86_NX), "gva %#llx SPTE %#llx", (unsigned long long)gva,
		       (unsigned long long)s);
	}
	/* The walk's records: 4-byte gPTE values at CR3 + 4 x (gva 31..22) and
	 * PT + 4 x (gva 21..12). */
	size_t n, seen = 0;
	const struct hvt_record *r = host_trace_sorted(&n);
	for (size_t k = 0; k < n; k++) {
		if (r[k].type != HVT_WALK_STEP || r[k].a != 0x7fe000 || r[k].reason != GWALK_TR_READ)
			continue;
		gpa_t want = r[k].level == 2 ? cr3 + 4 * (0x7fe000 >> 22) : gpte_gpa(&g, cr3, 0x7fe000, 1, false);
		u64 wantv = r[k].level == 2 ? (gget(&g, want) & ~(u64)GPTE_A) : ((0x44ull << 12) | GPTE_P | GPTE_RW | GPTE_US);
		EXPECT(r[k].c == want && (r[k].b & ~(u64)GPTE_A) == wantv && r[k].b < (1ull << 32),
		       "walk step L%u b %#llx c %#llx", r[k].level, (unsigned long long)r[k].b, (unsigned long long)r[k].c);
		seen++;
	}
	EXPECT(seen == 2, "walk steps for 0x7fe000: %zu", seen);
	/* SP records carry the role word: mode, 4-byte gPTEs, the quadrant. */
	size_t quads = 0;
	for (size_t k = 0; k < n; k++)
		if (r[k].type == HVT_SP_EVENT && r[k].reason == HVT_SP_GET && r[k].d == 1 && r[k].level == 2) {
			EXPECT((r[k].b & SR_4B) && role_mode((u32)r[k].b) == GWALK_MODE_32 && r[k].a == cr3 >> 12,
			       "SP record b %#llx a %#llx", (unsigned long long)r[k].b, (unsigned long long)r[k].a);
			quads |= 1u << role_quadrant((u32)r[k].b);
		}
	EXPECT(quads == 0xf, "created PD SPs for quarters %#zx, want all 4", quads);
	/* A/D in the 4-byte gPTE; the neighbour gPTE untouched. */
	EXPECT(wr(&g, 0x7fe000, 0xabcd) == 0 && *(u32 *)gpa_va(&g, 0x44ull << 12) == 0xabcd, "write");
	u64 gpte = gget(&g, gpte_gpa(&g, cr3, 0x7fe000, 1, false));
	EXPECT((gpte & (GPTE_A | GPTE_D)) == (GPTE_A | GPTE_D) && (leaf_spte(&g, 0x7fe000) & X86_W), "A/D %#llx",
	       (unsigned long long)gpte);
	EXPECT(gget(&g, gpte_gpa(&g, cr3, 0x7fe000, 1, false) + 4) == 0, "neighbour gPTE written");
	/* Error codes: no XD in 32-bit paging, so a fetch #PF has I/D only
	 * with SMEP (SDM 4.7). */
	gmap(&g, cr3, 0x00401000, 0x50, GPTE_P | GPTE_RW);           /* supervisor */
	EXPECT(cpu_access(&g, 0x00401000, MMU_PF_USER, &v) == 1 &&
	       g.last_error == (MMU_PF_PRESENT | MMU_PF_USER), "user->supervisor %#x", g.last_error);
	EXPECT(cpu_access(&g, 0x00401000, MMU_PF_USER | MMU_PF_FETCH, &v) == 1 &&
	       g.last_error == (MMU_PF_PRESENT | MMU_PF_USER), "user fetch, no SMEP: %#x", g.last_error);
	EXPECT(cpu_access(&g, 0x00402000, 0, &v) == 1 && g.last_error == 0, "not present %#x", g.last_error);
	g.cpu.cr4 |= GW_CR4_SMEP;
	EXPECT(load(&g, cr3) == 0, "load smep");
	EXPECT(cpu_access(&g, 0x40401000, MMU_PF_FETCH, &v) == 1 &&
	       g.last_error == (MMU_PF_PRESENT | MMU_PF_FETCH), "SMEP fetch %#x", g.last_error);
	EXPECT(cpu_access(&g, 0x00401000, MMU_PF_USER | MMU_PF_FETCH, &v) == 1 &&
	       g.last_error == (MMU_PF_PRESENT | MMU_PF_USER | MMU_PF_FETCH), "user fetch, SMEP: %#x", g.last_error);
	return sg_end_checked(&g, "32bit_fault_quadrants", END_DESTROY);
}

/* 4 MiB guest pages (CR4.PSE, with PSE-36 bits): two direct SPs of 4 KiB
 * leaves, one per 2 MiB half. */
static bool test_b32_4m(void)
{
	struct sg g;
	int rc;
	EXPECT(sg_create(&g, false, false, true), "create");
	sg_set_mode(&g, GWALK_MODE_32);
	u64 cr3 = new_pt(&g) << 12;
	/* gva 0x800000 (gPDE 2) -> gpa 0 .. 4 MiB (all of RAM), user, writable, dirty */
	gset(&g, gpte_gpa(&g, cr3, 0x800000, 2, true), GPTE_P | GPTE_RW | GPTE_US | GPTE_PS | GPTE_A | GPTE_D);
	/* gva 0xc00000 (gPDE 3) -> PSE-36: gpa 0x1_0000_0000 (bit 13 = PA 32), not RAM */
	gset(&g, gpte_gpa(&g, cr3, 0xc00000, 2, true), GPTE_P | GPTE_RW | GPTE_PS | BIT(13));
	*gpa_va(&g, 0x3010) = 0x111;
	*gpa_va(&g, 0x203010) = 0x222;
	EXPECT(load(&g, cr3) == 0, "load");
	EXPECT(rd(&g, 0x803010, &rc) == 0x111 && rc == 0, "low half");
	EXPECT(rd(&g, 0xa03010, &rc) == 0x222 && rc == 0, "high half");
	struct shadow_page *pd = child_at(g.vcpu->shadow->cur.sp, 0);
	struct shadow_page *lo = child_at(pd, 4), *hi = child_at(pd, 5);
	EXPECT(lo && hi && role_direct(lo->role) && role_direct(hi->role) && lo->gfn == 0 && hi->gfn == 0x200 &&
	       !(lo->role & SR_4B) && role_level(lo->role) == 1, "direct halves: lo %#llx hi %#llx",
	       lo ? (unsigned long long)lo->gfn : 0ull, hi ? (unsigned long long)hi->gfn : 0ull);
	u64 s = leaf_spte(&g, 0xa03010);
	EXPECT((s & GENMASK(47, 12)) == env_va_to_hpa(gpa_va(&g, 0x203000)), "4M page frame");
	EXPECT(wr(&g, 0xa03018, 7) == 0 && *(u32 *)gpa_va(&g, 0x203018) == 7 && (leaf_spte(&g, 0xa03018) & X86_W),
	       "write in 4M page");
	/* PSE-36: above 4 GiB, outside RAM: MMIO, never an SPTE */
	rd(&g, 0xc00000, &rc);
	EXPECT(rc == 2, "PSE-36 page above 4 GiB: rc %d (want MMIO)", rc);
	/* the guest turns the 4 MiB page into a PT: emulated PDE write (the
	 * PD is write-protected) drops both halves */
	gfn_t pt = new_pt(&g);
	*(u32 *)gpa_va(&g, (pt << 12) + 4 * 3) = (0x33u << 12) | GPTE_P | GPTE_US;
	*gpa_va(&g, 0x33000) = 0x333;
	gmap(&g, cr3, 0x1000000, cr3 >> 12, GPTE_P | GPTE_RW | GPTE_A | GPTE_D);   /* window onto the PD */
	EXPECT(wr(&g, 0x1000000 + 4 * 2, (pt << 12) | PT_FLAGS) == 0, "PDE write");
	EXPECT(!child_at(pd, 4) && !child_at(pd, 5), "4M halves still linked after the PDE write");
	EXPECT(rd(&g, 0x803000, &rc) == 0x333 && rc == 0, "read through the new PT");
	return sg_end_checked(&g, "32bit_4m", END_DESTROY);
}

/* Emulated 4-byte writes to a 32-bit gPT (no unsync): each touches one
 * gPTE, i.e. one SPTE of one quadrant's SP (two for a gPDE). */
static bool test_b32_emulate(void)
{
	struct sg g;
	int rc;
	EXPECT(sg_create(&g, true, false, true), "create");
	sg_set_mode(&g, GWALK_MODE_32);
	u64 cr3 = new_pt(&g) << 12;
	/* gva 0x400000 (gPTE 0, half 0) and 0x600000 (gPTE 512, half 1) share
	 * SPTE index 0 of their SPs; 0x601000 is gPTE 513. */
	gmap(&g, cr3, 0x400000, 0x20, GPTE_P | GPTE_US);
	gmap(&g, cr3, 0x600000, 0x21, GPTE_P | GPTE_US);
	gmap(&g, cr3, 0x601000, 0x22, GPTE_P | GPTE_US);
	gfn_t pt = map_window(&g, cr3, 0x400000, 0x800000);
	for (int i = 0x20; i <= 0x24; i++)
		*gpa_va(&g, (gpa_t)i << 12) = (u64)i;
	EXPECT(load(&g, cr3) == 0, "load");
	EXPECT(rd(&g, 0x400000, &rc) == 0x20 && rd(&g, 0x600000, &rc) == 0x21 && rd(&g, 0x601000, &rc) == 0x22,
	       "reads");
	rd(&g, 0x800000, &rc);
	EXPECT(rc == 0 && !(leaf_spte(&g, 0x800000) & X86_W), "gPT mapped writable (I4)");
	/* remap gPTE 512 (0x600000) -> 0x23: a 4-byte write at offset 0x800 */
	u64 before = stats(&g).emulated_writes;
	EXPECT(wr(&g, 0x800000 + 512 * 4, (0x23ull << 12) | GPTE_P | GPTE_US) == 0, "write gPTE 512");
	EXPECT(stats(&g).emulated_writes == before + 1, "not emulated");
	EXPECT(*(u32 *)gpa_va(&g, (pt << 12) + 512 * 4) == ((0x23u << 12) | GPTE_P | GPTE_US) &&
	       *(u32 *)gpa_va(&g, (pt << 12) + 513 * 4) == ((0x22u << 12) | GPTE_P | GPTE_US | GPTE_A),
	       "the write is 4 bytes: gPTE 513 changed");
	EXPECT(!is_mmu_present_spte(leaf_spte(&g, 0x600000)), "SPTE of gPTE 512 (half 1, index 0) kept");
	EXPECT(is_mmu_present_spte(leaf_spte(&g, 0x400000)), "SPTE index 0 of the OTHER half dropped");
	EXPECT(is_mmu_present_spte(leaf_spte(&g, 0x601000)), "SPTE of gPTE 513 dropped");
	EXPECT(rd(&g, 0x600000, &rc) == 0x23 && rc == 0, "stale mapping after remap");
	/* A gPDE write (the PD's window): both SPTEs of that gPDE, in the
	 * right quarter's SP, nothing else. gPDE 1 maps 0x400000..0x7fffff. */
	gmap(&g, cr3, 0x801000, cr3 >> 12, GPTE_P | GPTE_RW | GPTE_A | GPTE_D);
	rd(&g, 0x801000, &rc);
	struct shadow_page *pd = child_at(g.vcpu->shadow->cur.sp, 0);
	EXPECT(child_at(pd, 2) && child_at(pd, 3) && child_at(pd, 4), "links before the gPDE write");
	u64 pde1 = gget(&g, cr3 + 4);
	EXPECT(wr(&g, 0x801000 + 4, pde1 & ~(u64)GPTE_US) == 0, "gPDE write");
	EXPECT(!child_at(pd, 2) && !child_at(pd, 3) && child_at(pd, 4), "gPDE 1 is SPTEs 2 and 3 of quarter 0");
	u64 v = 0;
	EXPECT(cpu_access(&g, 0x400000, MMU_PF_USER, &v) == 1 && g.last_error == (MMU_PF_PRESENT | MMU_PF_USER),
	       "U removed in the gPDE: %#x", g.last_error);
	EXPECT(wr(&g, 0x801000 + 4, pde1) == 0, "gPDE restore");
	/* 8 bytes at once into a 4-byte gPT: two gPTEs, "misaligned": the
	 * SPs of that gPT are unshadowed (not the PD: it holds the window). */
	EXPECT(rd(&g, 0x400000, &rc) == 0x20 && rc == 0, "read after restore");
	before = stats(&g).pages_zapped;
	u64 two = ((0x24ull << 12) | GPTE_P | GPTE_US) | (((0x24ull << 12) | GPTE_P | GPTE_US) << 32);
	EXPECT(mmu_shadow_emulated_write(g.vcpu, (pt << 12) + 512 * 4, &two, 8) == 0, "8-byte write");
	EXPECT(stats(&g).pages_zapped > before, "8-byte write to a 4-byte gPT did not unshadow it");
	EXPECT(rd(&g, 0x600000, &rc) == 0x24 && rd(&g, 0x601000, &rc) == 0x24, "both gPTEs written");
	return sg_end_checked(&g, "32bit_emulate", END_DESTROY);
}

/* Paging off -> 32-bit -> PAE -> 4-level -> 32-bit: the mode is part of the
 * role, every switch drops the roots (I9) and no SP of one mode is used by
 * another. */
static bool test_mode_switch(void)
{
	struct sg g;
	int rc;
	static const enum gwalk_mode seq[] = { GWALK_MODE_32, GWALK_MODE_PAE, GWALK_MODE_4LEVEL, GWALK_MODE_32 };
	u64 cr3[3];
	EXPECT(sg_create(&g, false, false, true), "create");
	for (int m = 0; m < 3; m++) {
		sg_set_mode(&g, m == 0 ? GWALK_MODE_32 : m == 1 ? GWALK_MODE_PAE : GWALK_MODE_4LEVEL);
		cr3[m] = new_pt(&g) << 12;
		gmap(&g, cr3[m], 0x400000, 0x60 + m, GPTE_P | GPTE_US | GPTE_RW);
		*gpa_va(&g, (0x60ull + m) << 12) = 0x600 + m;
	}
	g.cpu.cr0 = 1;
	g.cpu.efer = BIT(8);
	EXPECT(load(&g, 0) == 0 && rd(&g, 0x61000, &rc) == 0x601, "paging off");
	for (int k = 0; k < 4; k++) {
		int m = seq[k] == GWALK_MODE_32 ? 0 : seq[k] == GWALK_MODE_PAE ? 1 : 2;
		sg_set_mode(&g, seq[k]);
		EXPECT(load(&g, cr3[m]) == 0, "load %s", mode_name(seq[k]));
		EXPECT(role_mode(g.vcpu->shadow->cur.sp->role) == (int)seq[k], "root mode");
		for (int i = 0; i < SHADOW_PREV_ROOTS; i++)
			EXPECT(!g.vcpu->shadow->prev[i].sp, "a root of the old mode is still cached");
		EXPECT(rd(&g, 0x400000, &rc) == 0x600u + m && rc == 0, "read in %s", mode_name(seq[k]));
		for (int b = 0; b < SHADOW_HASH_SIZE; b++)
			for (struct shadow_page *sp = g.vm->shadow->hash[b]; sp; sp = sp->hash_next)
				EXPECT(role_mode(sp->role) == (int)seq[k], "SP of mode %d alive in %s",
				       role_mode(sp->role), mode_name(seq[k]));
	}
	return sg_end_checked(&g, "mode_switch", END_DESTROY);
}

/* The checker catches quadrant mistakes (I10) and a PAE root that does not
 * follow its PDPTE register (I11). */
static bool test_check_catches_quadrant(void)
{
	struct sg g;
	int rc;
	char w[300];
	EXPECT(sg_create(&g, false, false, true), "create");
	sg_set_mode(&g, GWALK_MODE_32);
	u64 cr3 = new_pt(&g) << 12;
	gmap(&g, cr3, 0x40600000, 0x20, GPTE_P | GPTE_US);
	EXPECT(load(&g, cr3) == 0 && rd(&g, 0x40600000, &rc) == 0 && rc == 0, "load, read");
	EXPECT(mmu_shadow_check(g.vm, w, sizeof(w)) == 0, "clean state: %s", w);
	struct shadow_page *pd = child_at(g.vcpu->shadow->cur.sp, 1), *pt = child_at(pd, 3);
	EXPECT(pd && pt, "SPs");
	pt->role ^= 1u << SR_QUAD_SHIFT;             /* the wrong half of the gPT */
	EXPECT(mmu_check(g.vm, w, sizeof(w)) != 0 && strstr(w, "I10"), "PT half not caught: '%s'", w);
	pt->role ^= 1u << SR_QUAD_SHIFT;
	pd->role ^= 3u << SR_QUAD_SHIFT;             /* the wrong quarter of the gPD */
	EXPECT(mmu_check(g.vm, w, sizeof(w)) != 0 && strstr(w, "I10"), "PD quarter not caught: '%s'", w);
	pd->role ^= 3u << SR_QUAD_SHIFT;
	if (!sg_end_checked(&g, "quadrants restored", END_DESTROY))
		return false;

	EXPECT(sg_create(&g, false, false, true), "create");
	sg_set_mode(&g, GWALK_MODE_PAE);
	cr3 = new_pt(&g) << 12;
	gmap(&g, cr3, 0x400000, 0x20, GPTE_P | GPTE_US);
	EXPECT(load(&g, cr3) == 0 && rd(&g, 0x400000, &rc) == 0 && rc == 0, "PAE load, read");
	struct shadow_page *root = g.vcpu->shadow->cur.sp;
	root->pdptr[0] += 0x1000;                    /* as if built for another PDPTE */
	EXPECT(mmu_check(g.vm, w, sizeof(w)) != 0 && strstr(w, "I11"), "PDPTE mismatch not caught: '%s'", w);
	root->pdptr[0] -= 0x1000;
	return sg_end_checked(&g, "pdptr restored", END_DESTROY);
}

/* ---- randomized: edits, syncs, faults; nothing granted beyond the guest ---- */
static unsigned long long rng = 88172645463325252ull;
static u64 rnd(void) { rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17; return rng; }

/* Every present shadow leaf reachable from the root allows no more than the
 * guest's tables do right now (rights and frame), and never W on a
 * read-only slot or on a shadowed sync gPT (I4). */
static bool oracle_one(struct sg *g, gva_t gva, const char *when)
{
	struct gwalk_mem mem;
	gwalk_mem_bind_vm(&mem, g->vm);
	{
		u64 s = leaf_spte(g, gva);
		if (!is_mmu_present_spte(s))
			return true;
		struct gwalk_result res;
		int rc = gwalk(&g->cpu, &mem, gva, GWALK_NO_AD, &res);
		EXPECT(rc == 0 && !res.fault, "%s: gva %#llx mapped by SPTE %#llx, guest says fault",
		       when, (unsigned long long)gva, (unsigned long long)s);
		hpa_t hpa;
		mmu_gpa_to_hpa(g->vm, res.gpa & ~0xfffull, false, &hpa);
		EXPECT((s & GENMASK(47, 12)) == hpa, "%s: gva %#llx frame mismatch", when,
		       (unsigned long long)gva);
		u64 leaf = res.gptes[res.level - 1];
		/* CR0.WP=0: a supervisor may write a read-only page; the SPTE is
		 * then W but not U, so user accesses still fault (5.2). */
		bool wp0_ok = !(g->cpu.cr0 & GW_CR0_WP) && !(s & X86_U);
		EXPECT(!(s & X86_W) || (((res.access & GWALK_ACC_W) || wp0_ok) && (leaf & GPTE_D)),
		       "%s: gva %#llx SPTE %#llx W, CR0.WP %d, guest acc %#x gpte %#llx", when, (unsigned long long)gva, (unsigned long long)s, !!(g->cpu.cr0 & GW_CR0_WP),
		       res.access, (unsigned long long)leaf);
		EXPECT(!(s & X86_U) || (res.access & GWALK_ACC_U), "%s: SPTE U beyond guest", when);
		EXPECT((s & X86_NX) || (res.access & GWALK_ACC_X), "%s: SPTE X beyond guest", when);
		struct shadow_page *sp;
		gfn_t gfn = res.gpa >> 12;
		if (s & X86_W)
			for (sp = g->vm->shadow->hash[shadow_hash_idx(gfn)]; sp; sp = sp->hash_next)
				EXPECT(sp->gfn != gfn || !role_gpt(sp->role) || sp->unsync,
				       "%s: W SPTE maps shadowed gPT gfn %#llx (I4)", when, (unsigned long long)gfn);
	}
	return true;
}

static bool oracle(struct sg *g, gva_t base, const char *when)
{
	for (gva_t gva = base; gva < base + 64 * 4096; gva += 4096)
		if (!oracle_one(g, gva, when))
			return false;
	return true;
}

/* The counters both random runs check at their end: sync wrote exactly
 * the changed gPTEs (I8), and under a budget (test_random_budget) pages
 * were reclaimed and the peak stayed within it. */
static bool random_counters_ok(struct sg *g, u64 budget)
{
	struct mmu_shadow_stats s = stats(g);

	EXPECT(s.sync_writes == s.sync_changed, "sync writes %llu != changed %llu",
	       (unsigned long long)s.sync_writes, (unsigned long long)s.sync_changed);
	EXPECT(!budget || (s.reclaimed > 0 && s.pages_peak <= budget && s.budget == budget),
	       "budget %llu: reclaimed %llu, peak %llu, in force %llu", (unsigned long long)budget,
	       (unsigned long long)s.reclaimed, (unsigned long long)s.pages_peak, (unsigned long long)s.budget);
	return true;
}

/*
 * Random gPTE edits (through the guest's window), INVLPGs, CR3 switches,
 * CR0.WP flips and user/supervisor reads and writes, in one guest paging
 * mode. 32-bit: the 64 data pages are gPTEs 960..1023 of the gPT (its
 * second half, quadrant 1), the window's gPTE is gPTE 0 (quadrant 0).
 */
static bool test_random(bool no_unsync, enum gwalk_mode mode)
{
	u64 budget = sg_budget;           /* test_random_budget: a small one */
	struct sg g;
	int rc;
	bool edited[64] = {0};            /* gPTE written since the last reload */
	EXPECT(sg_create(&g, no_unsync, false, false), "create");
	sg_set_mode(&g, mode);
	u64 cr3 = new_pt(&g) << 12;
	gva_t base = mode == GWALK_MODE_32 ? 0x7c0000 : 0x400000, win = win_gva(mode);
	/* 64 pages at base (frames 0x20..0x5f); the PT that maps them and the
	 * PT window at win (guest edits go through it). */
	for (int i = 0; i < 64; i++)
		gmap(&g, cr3, base + i * 4096ull, 0x20 + i, GPTE_P | GPTE_RW | GPTE_US);
	map_window(&g, cr3, base, win);
	/* A second address space sharing everything below the top level
	 * (4-level: PML4; PAE: the PDPT, same PDPTEs; 32-bit: the PD). */
	u64 cr3b = new_pt(&g) << 12;
	memcpy(gpa_va(&g, cr3b), gpa_va(&g, cr3), 4096);
	u64 cur = cr3;
	EXPECT(load(&g, cr3) == 0, "load");
	host_trace_reset();
	char w[300];
	for (int step = 0; step < 20000; step++) {
		int i = (int)(rnd() % 64);
		gva_t gva = base + i * 4096ull;
		if (rnd() % 97 == 0) {       /* CR3 switch, or a CR0.WP flip (new role) */
			if (rnd() & 1)
				cur = cur == cr3 ? cr3b : cr3;
			else
				g.cpu.cr0 ^= GW_CR0_WP;
			EXPECT(load(&g, cur) == 0, "switch");
			if (!oracle(&g, base, "after switch"))
				return false;
			continue;
		}
		switch (rnd() % 6) {
		case 0: case 1: {      /* edit a gPTE through the guest's own window */
			u64 flags = (rnd() & (GPTE_RW | GPTE_US | GPTE_A | GPTE_D)) | GPTE_P;
			if (rnd() % 5 == 0)
				flags &= ~GPTE_P;
			if (rnd() % 4 == 0 && mode != GWALK_MODE_32)
				flags |= GPTE_XD;
			gfn_t frame = 0x20 + rnd() % 64;
			EXPECT(edit_pte(&g, cr3, gva, win, (frame << 12) | flags) == 0, "edit %d", step);
			edited[i] = true;
			if (rnd() % 3 == 0)
				mmu_shadow_invlpg(g.vcpu, gva);
			break;
		}
		case 2: {              /* MOV CR3: sync point; then everything must hold */
			u64 present = 0;
			for (int j = 0; j < 64; j++)
				if (is_mmu_present_spte(leaf_spte(&g, base + j * 4096ull)))
					present |= 1ull << j;
			EXPECT(load(&g, cur) == 0, "reload");
			if (!oracle(&g, base, "after CR3 load"))
				return false;
			/* ... and sync is precise (seed 000): with unsync, nothing
			 * else drops leaves here, so a gPTE the guest did not
			 * write keeps its SPTE (a sync reading the wrong gPTE,
			 * e.g. the wrong quadrant, would drop it). */
			for (int j = 0; j < 64 && !no_unsync && !budget; j++)   /* (the budget
				may reclaim the SP of any leaf at a CR3 load) */
				EXPECT(!(present >> j & 1) || edited[j] ||
				       is_mmu_present_spte(leaf_spte(&g, base + j * 4096ull)),
				       "step %d: sync dropped the SPTE of unchanged gPTE %d", step, j);
			memset(edited, 0, sizeof(edited));
			break;
		}
		case 3:                /* the invariants hold after every kind of step */
			EXPECT(mmu_shadow_check(g.vm, w, sizeof(w)) == 0 && mmu_check(g.vm, w, sizeof(w)) == 0,
			       "step %d: %s", step, w);
			/* fall through */
		default: {             /* guest accesses */
			u64 v = rnd();
			u32 acc = (rnd() & 1) ? MMU_PF_WRITE : 0;
			if (rnd() & 1)
				acc |= MMU_PF_USER;
			rc = cpu_access(&g, gva, acc, &v);
			EXPECT(rc == 0 || rc == 1, "access rc %d step %d", rc, step);
			break;
		}
		}
		EXPECT(!budget || g.vm->shadow->nr_pages <= budget, "step %d: %llu SPs over the budget %llu",
		       step, (unsigned long long)g.vm->shadow->nr_pages, (unsigned long long)budget);
	}
	EXPECT(load(&g, cur) == 0, "final load");
	if (!oracle(&g, base, "end") || !random_counters_ok(&g, budget))
		return false;
	EXPECT(no_unsync || stats(&g).unsyncs > 0, "never went unsync");
	return sg_end_checked(&g, mode_name(mode), END_DESTROY);
}

/*
 * Random gPDE edits: 8 gPDEs (one per 512 MiB, so in every quarter of a
 * 32-bit gPD and under every PAE PDPTE) switch between 3 shared gPTs
 * (random gPTEs; 32-bit: each gPT is reached through several gPDEs, so
 * its quadrant SPs have several parents), large pages (2 MiB, or 4 MiB for
 * 32-bit) and not present, through the guest's window onto its PDs, while
 * gPTEs of the shared gPTs are edited through their windows and the guest
 * reads, writes and fetches at 7 sample offsets per gPDE (both 2 MiB halves
 * of a 32-bit gPDE; frames that hold no gPT even under a large page at gpa
 * 0). After every reload the oracle holds on every sample.
 */
static u64 random_gpte(bool b32)
{
	u64 v = ((0x20 + rnd() % 64) << 12) | (rnd() & (GPTE_RW | GPTE_US | GPTE_A | GPTE_D));
	if (rnd() % 10)
		v |= GPTE_P;
	if (!b32 && rnd() % 4 == 0)
		v |= GPTE_XD;
	return v;
}

static bool test_random_pde(bool no_unsync, enum gwalk_mode mode)
{
	u64 budget = sg_budget;           /* test_random_budget's pde variant */
	static const u64 offs[] = { 0x20000, 0x21000, 0x5f000, 0x1ff000, 0x200000, 0x201000, 0x3ff000 };
	struct sg g;
	int rc;
	bool b32 = mode == GWALK_MODE_32;
	int nent = b32 ? 1024 : 512, noffs = b32 ? 7 : 4, npd = 0;
	EXPECT(sg_create(&g, no_unsync, false, false), "create");
	sg_set_mode(&g, mode);
	u64 cr3 = new_pt(&g) << 12;
	gfn_t pool[3], pds[4];
	gva_t slot[8], pde_win[8];
	for (int k = 0; k < 3; k++) {
		pool[k] = new_pt(&g);
		for (int e = 0; e < nent; e++)
			gset(&g, (pool[k] << 12) + (gpa_t)e * gsize(&g), random_gpte(b32));
	}
	for (int j = 0; j < 8; j++) {
		slot[j] = j * 0x20000000ull + 0x1000000;
		gpa_t at = gpte_gpa(&g, cr3, slot[j], 2, true);
		gset(&g, at, (pool[j % 3] << 12) | PT_FLAGS | GPTE_A);
		int k = 0;
		while (k < npd && pds[k] != at >> 12)
			k++;
		if (k == npd)
			pds[npd++] = at >> 12;
		pde_win[j] = 0x400000 + k * 0x1000ull + (at & 0xfff);
	}
	for (int k = 0; k < npd; k++)
		gmap(&g, cr3, 0x400000 + k * 0x1000ull, pds[k], GPTE_P | GPTE_RW | GPTE_A | GPTE_D);
	for (int k = 0; k < 3; k++)
		gmap(&g, cr3, 0x410000 + k * 0x1000ull, pool[k], GPTE_P | GPTE_RW | GPTE_A | GPTE_D);
	EXPECT(g.next_pt < 0x1ff, "gPTs reach the sample frames");
	EXPECT(load(&g, cr3) == 0, "load");
	host_trace_reset();
	char w[300];
	for (int step = 0; step < 8000; step++) {
		int j = (int)(rnd() % 8), o = (int)(rnd() % (u64)noffs);
		gva_t gva = slot[j] + offs[o];
		switch (rnd() % 8) {
		case 0: {              /* a gPDE: shared gPT, large page, not present */
			u64 r = rnd() % 10, v;
			u64 fl = GPTE_P | GPTE_A | (rnd() & (GPTE_RW | GPTE_US));
			if (!b32 && rnd() % 4 == 0)
				fl |= GPTE_XD;
			if (r < 4)
				v = (pool[rnd() % 3] << 12) | fl;
			else if (r < 7)
				v = (b32 || !(rnd() & 1) ? 0 : 0x200000) | fl | GPTE_PS | (rnd() & GPTE_D);
			else if (r < 9)
				v = fl & ~(u64)GPTE_P;
			else
				v = (pool[j % 3] << 12) | PT_FLAGS | GPTE_A;
			EXPECT(wr(&g, pde_win[j], v) == 0, "gPDE edit, step %d", step);
			break;
		}
		case 1: {              /* a gPTE of a shared gPT, at a sampled index */
			int k = (int)(rnd() % 3), e = (int)((offs[o] >> 12) & (u64)(nent - 1));
			EXPECT(wr(&g, 0x410000 + k * 0x1000ull + (u64)e * gsize(&g), random_gpte(b32)) == 0,
			       "gPTE edit, step %d", step);
			if (rnd() & 1)
				mmu_shadow_invlpg(g.vcpu, gva);
			break;
		}
		case 2:                /* sync point: everything must hold */
			if (rnd() % 8 == 0)
				g.cpu.cr0 ^= GW_CR0_WP;
			EXPECT(load(&g, cr3) == 0, "reload");
			for (int jj = 0; jj < 8; jj++)
				for (int oo = 0; oo < noffs; oo++)
					if (!oracle_one(&g, slot[jj] + offs[oo], "after CR3 load"))
						return false;
			break;
		case 3:
			EXPECT(mmu_shadow_check(g.vm, w, sizeof(w)) == 0 && mmu_check(g.vm, w, sizeof(w)) == 0,
			       "step %d: %s", step, w);
			/* fall through */
		default: {             /* guest accesses */
			u64 v = rnd();
			u32 acc = (rnd() & 1) ? MMU_PF_WRITE : (rnd() % 4 == 0) ? MMU_PF_FETCH : 0;
			if (rnd() & 1)
				acc |= MMU_PF_USER;
			rc = cpu_access(&g, gva, acc, &v);
			EXPECT(rc == 0 || rc == 1, "access rc %d step %d", rc, step);
			break;
		}
		}
		EXPECT(!budget || g.vm->shadow->nr_pages <= budget, "step %d: %llu SPs over the budget %llu",
		       step, (unsigned long long)g.vm->shadow->nr_pages, (unsigned long long)budget);
	}
	if (!random_counters_ok(&g, budget))
		return false;
	struct mmu_shadow_stats s = stats(&g);
	EXPECT(s.injected > 0 && s.fixed > 0 && s.emulated_writes > 0, "the run did not exercise faults/emulation");
	return sg_end_checked(&g, mode_name(mode), END_DESTROY);
}

/* ======================================================================== */
/* The end of a run (issues #3/#4): every shadow table in the trace has a
 * life, PT_ALLOC .. PT_FREE, whatever freed it, and the VM teardown writes
 * only present SPTEs, with reason teardown. */

static u64 next_seq(void)
{
	size_t n;
	const struct hvt_record *r = host_trace_sorted(&n);
	return n ? r[n - 1].seq + 1 : 0;
}

/* Over the records with seq >= from: every shadow PT_ALLOC has exactly one
 * later PT_FREE of its table, and nothing is freed that was not allocated;
 * each free names an unlink after the alloc and before the free, with a
 * remote flush in between (I6, Q1, pt_lifetimes.flush_seq). *open_left:
 * tables allocated and not (yet) freed. */
static bool shadow_pt_lives(u64 from, size_t *nalloc, size_t *nfree, size_t *open_left)
{
	size_t n, nopen = 0;
	const struct hvt_record *r = host_trace_sorted(&n);
	static struct { u64 hpa, seq; bool root; } open[4096];
	u64 last_flush = 0;
	bool flushed = false;

	*nalloc = *nfree = 0;
	for (size_t i = 0; i < n; i++) {
		if (r[i].seq < from)
			continue;
		if (r[i].type == HVT_TLB_FLUSH &&
		    (r[i].aux16 == HVT_FS_REMOTE_ALL || r[i].aux16 == HVT_FS_REMOTE_RANGE)) {
			last_flush = r[i].seq;
			flushed = true;
		}
		if ((r[i].type != HVT_PT_ALLOC && r[i].type != HVT_PT_FREE) || !(r[i].flags & HVT_F_SHADOW))
			continue;
		size_t k = 0;
		while (k < nopen && open[k].hpa != r[i].a)
			k++;
		if (r[i].type == HVT_PT_ALLOC) {
			EXPECT(k == nopen, "table %#llx allocated again at seq %llu without a free",
			       (unsigned long long)r[i].a, (unsigned long long)r[i].seq);
			EXPECT(nopen < ARRAY_SIZE(open), "too many live tables");
			open[nopen].hpa = r[i].a;
			open[nopen].root = r[i].c == r[i].a;   /* a root is built for itself */
			open[nopen++].seq = r[i].seq;
			(*nalloc)++;
			continue;
		}
		EXPECT(k < nopen, "table %#llx freed at seq %llu, never allocated",
		       (unsigned long long)r[i].a, (unsigned long long)r[i].seq);
		EXPECT(r[i].c > open[k].seq && r[i].c < r[i].seq,
		       "table %#llx (level %d) alloc %llu free %llu: unlink seq %llu outside its life",
		       (unsigned long long)r[i].a, r[i].level, (unsigned long long)open[k].seq,
		       (unsigned long long)r[i].seq, (unsigned long long)r[i].c);
		EXPECT(flushed && last_flush > r[i].c, "table %#llx freed at %llu: no remote flush after its unlink %llu",
		       (unsigned long long)r[i].a, (unsigned long long)r[i].seq, (unsigned long long)r[i].c);
		/* T1: seqs are contiguous. A table below a root: the unlink is
		 * the SPTE change that emptied the last link to it. A root: the
		 * last SPTE change of its zap (emptying its tree), or the zap's
		 * SP_EVENT of it if it held nothing. */
		const struct hvt_record *u = &r[r[i].c - r[0].seq];
		EXPECT(u->seq == r[i].c, "T1 broken");
		if (open[k].root)
			EXPECT((u->type == HVT_SPTE_CHANGE && !(u->d & X86_P)) ||
			       (u->type == HVT_SP_EVENT && u->c == r[i].a && u->reason != HVT_SP_GET),
			       "root %#llx: its unlink at seq %llu (type %d) is neither an emptying SPTE change nor its zap",
			       (unsigned long long)r[i].a, (unsigned long long)r[i].c, u->type);
		else
			EXPECT(u->type == HVT_SPTE_CHANGE && (u->c & GENMASK(51, 12)) == r[i].a && !(u->d & X86_P),
			       "table %#llx: its unlink at seq %llu (type %d) changed %#llx -> %#llx, not a link to it",
			       (unsigned long long)r[i].a, (unsigned long long)r[i].c, u->type,
			       (unsigned long long)u->c, (unsigned long long)u->d);
		open[k] = open[--nopen];
		(*nfree)++;
	}
	*open_left = nopen;
	return true;
}

/* Present SPTEs of every SP still in the hash (what the teardown must write). */
static size_t present_sptes(struct sg *g)
{
	size_t n = 0;
	for (int b = 0; b < SHADOW_HASH_SIZE; b++)
		for (struct shadow_page *sp = g->vm->shadow->hash[b]; sp; sp = sp->hash_next)
			for (int i = 0; i < SPTE_ENT_PER_PAGE; i++)
				n += is_mmu_present_spte(sp->spt[i]);
	return n;
}

/* Destroy the VM and check its teardown from seq mark on: reason teardown
 * on every SPTE write, exactly the present ones written (the empty ones
 * skipped), a flush, and over the whole trace (it starts at sg_create)
 * every shadow table freed. Called by sg_end_checked(g, what, END_TEARDOWN). */
static bool destroy_and_check(struct sg *g, const char *what)
{
	size_t present = present_sptes(g), nalloc, nfree, left, n;
	u64 mark = next_seq();
	struct hvt_spte_format hf;
	char w[300];

	mmu_describe_format(g->vm, &hf);
	sg_destroy(g);
	const struct hvt_record *r = host_trace_sorted(&n);
	size_t writes = 0, other = 0, flushes = 0;
	for (size_t i = 0; i < n; i++) {
		if (r[i].seq < mark)
			continue;
		if (r[i].type == HVT_TLB_FLUSH)
			flushes++;
		if (r[i].type != HVT_SPTE_CHANGE)
			continue;
		if (r[i].reason == HVT_SR_TEARDOWN && !(r[i].flags & HVT_F_LOST_RACE) &&
		    (r[i].flags & HVT_F_SHADOW))
			writes++;
		else
			other++;
	}
	EXPECT(other == 0, "%s: %zu teardown SPTE writes without reason teardown (of %zu)", what, other,
	       other + writes);
	EXPECT(present > 0 && writes == present, "%s: teardown wrote %zu SPTEs, %zu were present", what,
	       writes, present);
	EXPECT(flushes >= 1, "%s: no flush in the teardown", what);
	EXPECT(host_trace_check(&hf, w, sizeof(w)) == 0, "%s: trace: %s", what, w);
	if (!shadow_pt_lives(0, &nalloc, &nfree, &left))
		return false;
	EXPECT(nalloc > 0 && left == 0 && nfree == nalloc, "%s: %zu shadow tables allocated, %zu freed, %zu never",
	       what, nalloc, nfree, left);
	return true;
}

/*
 * Every path that frees an SP, then the teardown: root cache eviction (5
 * address spaces), flooding (3 emulated writes to a gPT), unprotect, a
 * range zap (leaves only: the SPs stay), a mode change (every root
 * dropped), then mmu_vm_destroy. Over the whole run, #PT_FREE == #PT_ALLOC
 * for shadow tables, each free after a flush that follows its unlink.
 */
static bool test_teardown_trace(enum gwalk_mode mode)
{
	struct sg g;
	int rc;
	u64 cr3[5];

	EXPECT(sg_create(&g, true, false, true), "create");   /* the trace starts here */
	sg_set_mode(&g, mode);
	for (int i = 0; i < 5; i++) {
		cr3[i] = new_pt(&g) << 12;
		gmap(&g, cr3[i], 0x400000, 0x40 + i, GPTE_P | GPTE_US | GPTE_RW);
		gmap(&g, cr3[i], 0x40000000, 0x48 + i, GPTE_P | GPTE_US | GPTE_RW);
		*gpa_va(&g, (0x40ull + i) << 12) = 100 + i;
	}
	/* Empty roots: 5 loads without an access, the 5th evicts the 1st,
	 * which held nothing (its unlink is its zap's SP_EVENT). */
	for (int i = 0; i < 5; i++)
		EXPECT(load(&g, cr3[i]) == 0, "empty load %d", i);
	EXPECT(stats(&g).pages_zapped == 1, "empty root not evicted");
	for (int i = 0; i < 5; i++) {          /* again: each load evicts the LRU root */
		EXPECT(load(&g, cr3[i]) == 0, "load %d", i);
		EXPECT(rd(&g, 0x400000, &rc) == (u64)(100 + i) && rc == 0, "space %d", i);
		EXPECT(wr(&g, 0x40000000, i) == 0, "write space %d", i);
	}
	EXPECT(stats(&g).pages_zapped > 0, "no root evicted");
	size_t freed_run = count_records(HVT_PT_FREE, -1, HVT_F_SHADOW);
	EXPECT(freed_run > 0, "the evicted root's tables have no pt_free");
	/* Flood the leaf gPT of 0x40000000 (an empty gPTE, written 3 times). */
	gpa_t gpt = (gpa_t)gpt_gfn(&g, cr3[4], 0x40000000, 1) << 12;
	u64 zero = 0, flooded = stats(&g).flooded;
	for (int k = 0; k < SHADOW_FLOOD; k++)
		EXPECT(mmu_shadow_emulated_write(g.vcpu, gpt + 100 * (u64)gsize(&g), &zero, gsize(&g)) == 0,
		       "emulated write %d", k);
	EXPECT(stats(&g).flooded == flooded + 1, "not flooded");
	EXPECT(rd(&g, 0x40000000, &rc) == 4 && rc == 0, "read after flood");
	EXPECT(mmu_shadow_unprotect(g.vcpu, gpt) == 1, "unprotect");
	EXPECT(rd(&g, 0x40000000, &rc) == 4 && rc == 0, "read after unprotect");
	EXPECT(mmu_zap_gfn_range(g.vm, 0, RAM_PAGES) > 0, "range zap");
	EXPECT(rd(&g, 0x400000, &rc) == 104 && rc == 0, "read after zap");
	EXPECT(count_records(HVT_PT_FREE, -1, HVT_F_SHADOW) > freed_run, "flood/unprotect freed nothing");
	/* A mode change drops every root (I9): 4-level <-> PAE. */
	enum gwalk_mode other = mode == GWALK_MODE_4LEVEL ? GWALK_MODE_PAE : GWALK_MODE_4LEVEL;
	sg_set_mode(&g, other);
	u64 cr3o = new_pt(&g) << 12;
	gmap(&g, cr3o, 0x400000, 0x40, GPTE_P | GPTE_US | GPTE_RW);
	EXPECT(load(&g, cr3o) == 0 && rd(&g, 0x400000, &rc) == 100 && rc == 0, "other mode");
	sg_set_mode(&g, mode);
	EXPECT(load(&g, cr3[2]) == 0 && rd(&g, 0x400000, &rc) == 102 && rc == 0, "back");
	EXPECT(wr(&g, 0x40000000, 7) == 0, "write back");
	return sg_end_checked(&g, mode_name(mode), END_TEARDOWN);
}

/* A second guest vCPU's state for the tests below: vCPU id, own CR3. */
static bool sg_create_vcpus(struct sg *g, int nr)
{
	struct mmu_config cfg = {
		.format = MMU_FORMAT_X86, .levels = 4, .mode = HVT_MMU_SHADOW, .ad_enabled = true,
		.nr_vcpus = nr, .maxphyaddr = 48, .shadow_no_prefetch = true,
		.shadow_max_pages = sg_budget,
	};
	struct mmu_vm *vm;

	/* sg_create's guest (CPU state, gPT allocator, the trace and page
	 * count from here) on a VM of nr vCPUs. */
	if (!sg_create(g, false, false, true))
		return false;
	mmu_vm_destroy(g->vm);
	vm = mmu_vm_create(&cfg);
	if (!vm || mmu_memslot_create(vm, 0, 0, RAM_PAGES, 0, 0))
		return false;
	g->vm = vm;
	g->vcpu = mmu_vcpu_create(vm, 0);
	if (!g->vcpu)
		return false;
	mmu_vcpu_enter_guest(g->vcpu);
	return true;
}

/*
 * mmu_vcpu_destroy before mmu_vm_destroy (hv: a vCPU that goes while the
 * VM stays): its roots are put under the lock, roots nobody else holds are
 * zapped and freed (PT_FREE), a root shared with vCPU 0 stays with one
 * reference, its SP cache goes; the invariants hold in between (I9 counts
 * root slots), vCPU 0 runs on; then the VM goes with nothing leaked
 * (host_pages_live here, LeakSanitizer at exit).
 */
static bool test_vcpu_destroy_first(void)
{
	struct sg g;
	int rc;
	u64 cr3[3];
	char w[300];

	EXPECT(sg_create_vcpus(&g, 2), "create");   /* the trace starts here */
	struct mmu_vcpu *v0 = g.vcpu, *v1 = mmu_vcpu_create(g.vm, 1);
	EXPECT(v1, "vCPU 1");
	mmu_vcpu_enter_guest(v1);
	for (int i = 0; i < 3; i++) {
		cr3[i] = new_pt(&g) << 12;
		gmap(&g, cr3[i], 0x400000, 0x40 + i, GPTE_P | GPTE_US | GPTE_RW);
		*gpa_va(&g, (0x40ull + i) << 12) = 100 + i;
	}
	/* vCPU 1 runs spaces 0, 1, 2 (current 2, cached 1 and 0) ... */
	g.vcpu = v1;
	for (int i = 0; i < 3; i++)
		EXPECT(load(&g, cr3[i]) == 0 && rd(&g, 0x400000, &rc) == (u64)(100 + i) && rc == 0,
		       "vCPU 1 space %d", i);
	/* ... vCPU 0 space 0, the same root as vCPU 1's cached one. */
	g.vcpu = v0;
	EXPECT(load(&g, cr3[0]) == 0 && rd(&g, 0x400000, &rc) == 100 && rc == 0, "vCPU 0 space 0");
	struct shadow_page *shared = v0->shadow->cur.sp, *own = v1->shadow->cur.sp;
	EXPECT(shared->root_count == 2, "shared root count %u", shared->root_count);
	hpa_t own_hpa = own->hpa;
	EXPECT(mmu_shadow_check(g.vm, w, sizeof(w)) == 0 && mmu_check(g.vm, w, sizeof(w)) == 0,
	       "before: %s", w);

	u64 mark = next_seq();
	mmu_vcpu_exit_guest(v1);
	mmu_vcpu_destroy(v1);
	EXPECT(!g.vm->vcpus[1], "vCPU 1 still published");
	EXPECT(mmu_shadow_check(g.vm, w, sizeof(w)) == 0 && mmu_check(g.vm, w, sizeof(w)) == 0,
	       "after vCPU 1 went: %s", w);
	EXPECT(shared->root_count == 1, "shared root keeps %u references", shared->root_count);
	size_t n, own_freed = 0, writes = 0;
	const struct hvt_record *r = host_trace_sorted(&n);
	for (size_t i = 0; i < n; i++) {
		if (r[i].seq < mark)
			continue;
		own_freed += r[i].type == HVT_PT_FREE && r[i].a == own_hpa;
		writes += r[i].type == HVT_SPTE_CHANGE;
	}
	EXPECT(own_freed == 1 && writes > 0, "vCPU 1's own root: %zu pt_free, %zu SPTE writes", own_freed, writes);
	/* vCPU 0 runs on, and can still use the other spaces. */
	EXPECT(rd(&g, 0x400000, &rc) == 100 && rc == 0, "vCPU 0 after");
	EXPECT(load(&g, cr3[2]) == 0 && rd(&g, 0x400000, &rc) == 102 && rc == 0, "vCPU 0 space 2");
	return sg_end_checked(&g, "vcpu_destroy", END_TEARDOWN);
}

/* ---- the page budget (mmu/SHADOW.md 5.14) --------------------------------- */
/* The random run above, with a budget smaller than the SPs it builds. */
static bool test_random_budget(bool no_unsync, enum gwalk_mode mode, u64 budget, bool pde)
{
	sg_budget = budget;
	bool ok = pde ? test_random_pde(no_unsync, mode) : test_random(no_unsync, mode);
	sg_budget = 0;
	return ok;
}

/* Every root slot of the vCPU holds a valid SP, and the one its CPU runs on
 * (root) is the current root: the budget never reclaims a root in use. */
static bool roots_intact(struct mmu_vcpu *vcpu, hpa_t root, const char *when)
{
	struct shadow_vcpu *sv = vcpu->shadow;

	EXPECT(sv->cur.sp && !(sv->cur.sp->role & SR_INVALID) && sv->cur.sp->hpa == root,
	       "%s: vCPU %d's current root was reclaimed or replaced", when, vcpu->id);
	for (int i = 0; i < SHADOW_PREV_ROOTS; i++)
		EXPECT(!sv->prev[i].sp || !(sv->prev[i].sp->role & SR_INVALID),
		       "%s: vCPU %d's cached root %d was reclaimed", when, vcpu->id, i);
	return true;
}

/*
 * A guest with many more page tables than the budget: AS address spaces,
 * each mapping K pages in regions far apart (a PT, and often a PD, each),
 * so every round over them needs ~AS * 10 SPs with a budget of 16. After
 * every access: the value read is the one in the frame the guest maps
 * (correct translation), a write lands there, the SPs stay within the
 * budget (no slack: the fault makes room first), no root in use is gone,
 * and mmu_shadow_check + mmu_check hold (I12 included). At the end:
 * reclaims happened, the trace is consistent, and the teardown frees every
 * table (each after a flush following its unlink), nothing leaked.
 * With reclaim disabled the peak exceeds the budget and this fails.
 */
static bool test_budget_tables(enum gwalk_mode mode, int nv)
{
	enum { AS = 12, K = 6 };
	const u64 budget = 16;
	struct mmu_vcpu *vc[2];
	hpa_t roots[2] = {0};
	struct sg g;
	u64 cr3[AS];
	char w[300];
	u64 mask = mode == GWALK_MODE_32 ? 0xffffffffull : ~0ull;

	sg_budget = budget;
	bool made = nv == 1 ? sg_create(&g, false, false, false) : sg_create_vcpus(&g, nv);
	sg_budget = 0;
	EXPECT(made, "create");
	vc[0] = g.vcpu;
	if (nv == 2) {              /* two vCPUs, each on its own address spaces */
		vc[1] = mmu_vcpu_create(g.vm, 1);
		EXPECT(vc[1], "vCPU 1");
		mmu_vcpu_enter_guest(vc[1]);
	}
	sg_set_mode(&g, mode);
	for (int a = 0; a < AS; a++) {
		cr3[a] = new_pt(&g) << 12;
		for (int k = 0; k < K; k++) {
			gfn_t frame = 0x20 + (gfn_t)(a * K + k);
			gmap(&g, cr3[a], k * 0x20400000ull + (u64)a * 0x1000, frame, PT_FLAGS);
			*gpa_va(&g, frame << 12) = (frame << 32) | 0x5eed0000 | (u64)(a * K + k);
		}
	}
	for (int round = 0; round < 3; round++) {
		for (int step = 0; step < AS * K; step++) {
			/* every page of one address space, then the next one (stride
			 * 5: CR3 switches among all of them, cached roots revisited) */
			int a = (step / K * 5 + round) % AS, k = step % K, n = a * K + k;
			gva_t gva = k * 0x20400000ull + (u64)a * 0x1000;
			gfn_t frame = 0x20 + (gfn_t)n;
			int rc;

			int cpu = (step / K) % nv;
			if (k == 0) {
				g.vcpu = vc[cpu];
				g.root = roots[cpu];
				EXPECT(load(&g, cr3[a]) == 0, "load round %d step %d", round, step);
				roots[cpu] = g.root;
			}
			u64 v = rd(&g, gva, &rc);
			EXPECT(rc == 0 && v == (*gpa_va(&g, frame << 12) & mask),
			       "round %d as %d page %d: read rc %d value %#llx, frame %#llx holds %#llx", round, a, k,
			       rc, (unsigned long long)v, (unsigned long long)frame,
			       (unsigned long long)*gpa_va(&g, frame << 12));
			if (step % 3 == 0) {
				u64 nv = ((u64)round << 40) | ((u64)step << 20) | (u64)n;
				EXPECT(wr(&g, gva, nv) == 0 && (*gpa_va(&g, frame << 12) & mask) == (nv & mask),
				       "round %d as %d page %d: write did not land in frame %#llx", round, a, k,
				       (unsigned long long)frame);
			}
			EXPECT(g.vm->shadow->nr_pages <= budget, "round %d step %d: %llu SPs over the budget %llu",
			       round, step, (unsigned long long)g.vm->shadow->nr_pages, (unsigned long long)budget);
			for (int u = 0; u < nv; u++)
				if (roots[u] && !roots_intact(vc[u], roots[u], "after an access"))
					return false;
			EXPECT(mmu_shadow_check(g.vm, w, sizeof(w)) == 0 && mmu_check(g.vm, w, sizeof(w)) == 0,
			       "round %d step %d: %s", round, step, w);
		}
	}
	struct mmu_shadow_stats s = stats(&g);
	EXPECT(s.reclaimed > 0 && s.pages_peak <= budget && s.budget == budget &&
	       s.pages_created > 2 * budget,
	       "budget %llu: created %llu, reclaimed %llu, peak %llu", (unsigned long long)budget,
	       (unsigned long long)s.pages_created, (unsigned long long)s.reclaimed,
	       (unsigned long long)s.pages_peak);
	printf("# shadow.budget %s, %d vCPU(s): %llu SPs created, %llu reclaimed, peak %llu of %llu, %llu faults\n",
	       mode_name(mode), nv, (unsigned long long)s.pages_created, (unsigned long long)s.reclaimed,
	       (unsigned long long)s.pages_peak, (unsigned long long)budget, (unsigned long long)s.faults);
	return sg_end_checked(&g, "budget", END_TEARDOWN);
}

/* The budget in force: the configured one, the default from guest RAM
 * (20 per 1000 pages, floor 64), and never below the roots' floor. */
static bool test_budget_values(void)
{
	struct mmu_config cfg = {
		.format = MMU_FORMAT_X86, .levels = 4, .mode = HVT_MMU_SHADOW, .ad_enabled = true,
		.nr_vcpus = 2, .maxphyaddr = 48,
	};
	struct mmu_vm *vm = mmu_vm_create(&cfg);

	EXPECT(vm && mmu_memslot_create(vm, 0, 0, RAM_PAGES, 0, 0) == 0, "create");
	EXPECT(shadow_budget(vm) == SHADOW_BUDGET_MIN, "1024 pages: budget %llu, want the floor 64",
	       (unsigned long long)shadow_budget(vm));
	EXPECT(mmu_memslot_create(vm, 1, 0x100000, 10000, 0, 0) == 0, "slot 1");
	EXPECT(shadow_budget(vm) == (RAM_PAGES + 10000) * 20 / 1000, "11024 pages: budget %llu, want 220",
	       (unsigned long long)shadow_budget(vm));
	mmu_vm_destroy(vm);
	cfg.shadow_max_pages = 1;
	vm = mmu_vm_create(&cfg);
	EXPECT(vm && shadow_budget(vm) == 2 * (1 + SHADOW_PREV_ROOTS) + SHADOW_FAULT_PAGES,
	       "shadow_max_pages=1 on 2 vCPUs: budget %llu, want the roots' floor",
	       vm ? (unsigned long long)shadow_budget(vm) : 0ull);
	mmu_vm_destroy(vm);
	return true;
}

int main(void)
{
	const char *seed = getenv("SHADOW_SEED");   /* other random runs: SHADOW_SEED=n */

	if (seed && strtoull(seed, NULL, 0))
		rng = strtoull(seed, NULL, 0);
	host_trace_capture(true);
	report("shadow.roles_hash", test_roles_hash());
	report("shadow.fault_map", test_fault_map());
	report("shadow.inject", test_inject(GWALK_MODE_4LEVEL));
	report("shadow.wrprot_emulate_flood", test_wrprot_emulate(GWALK_MODE_4LEVEL));
	report("shadow.sync_table_seed000", test_sync_table(GWALK_MODE_4LEVEL));
	report("shadow.sync_skip_wadd_variant", test_sync_skip_wadd_variant());
	report("shadow.invlpg", test_invlpg(GWALK_MODE_4LEVEL));
	report("shadow.cr3_root_cache", test_cr3_cache(GWALK_MODE_4LEVEL));
	report("shadow.paging_off_2m", test_paging_off_and_huge());
	report("shadow.zap_age_rmap", test_zap_age(GWALK_MODE_4LEVEL));
	report("shadow.dirty_log_exact", test_dirty_log(GWALK_MODE_4LEVEL));
	report("shadow.mmio_slots", test_mmio_slots(GWALK_MODE_4LEVEL));
	report("shadow.check_catches_i4", test_check_catches());
	/* PAE guests (8-byte gPTEs, PDPTE registers) */
	report("shadow.pae_fault_2m", test_pae_fault());
	report("shadow.pae_pdptrs", test_pae_pdptrs());
	report("shadow.pae_inject", test_inject(GWALK_MODE_PAE));
	report("shadow.pae_sync_table", test_sync_table(GWALK_MODE_PAE));
	report("shadow.pae_invlpg", test_invlpg(GWALK_MODE_PAE));
	report("shadow.pae_cr3_root_cache", test_cr3_cache(GWALK_MODE_PAE));
	report("shadow.pae_wrprot_emulate_flood", test_wrprot_emulate(GWALK_MODE_PAE));
	report("shadow.pae_zap_age_rmap", test_zap_age(GWALK_MODE_PAE));
	report("shadow.pae_dirty_log_exact", test_dirty_log(GWALK_MODE_PAE));
	report("shadow.pae_mmio_slots", test_mmio_slots(GWALK_MODE_PAE));
	/* 32-bit guests (4-byte gPTEs, quadrants, 4 MiB pages) */
	report("shadow.32bit_fault_quadrants", test_b32_fault_quadrants());
	report("shadow.32bit_4m_pse36", test_b32_4m());
	report("shadow.32bit_emulate_4byte", test_b32_emulate());
	report("shadow.32bit_inject", test_inject(GWALK_MODE_32));
	report("shadow.32bit_sync_table", test_sync_table(GWALK_MODE_32));
	report("shadow.32bit_invlpg", test_invlpg(GWALK_MODE_32));
	report("shadow.32bit_cr3_root_cache", test_cr3_cache(GWALK_MODE_32));
	report("shadow.32bit_wrprot_emulate_flood", test_wrprot_emulate(GWALK_MODE_32));
	report("shadow.32bit_zap_age_rmap", test_zap_age(GWALK_MODE_32));
	report("shadow.32bit_dirty_log_exact", test_dirty_log(GWALK_MODE_32));
	report("shadow.32bit_mmio_slots", test_mmio_slots(GWALK_MODE_32));
	report("shadow.mode_switch", test_mode_switch());
	report("shadow.check_catches_quadrant", test_check_catches_quadrant());
	report("shadow.random_unsync", test_random(false, GWALK_MODE_4LEVEL));
	report("shadow.random_nounsync", test_random(true, GWALK_MODE_4LEVEL));
	report("shadow.random_unsync_pae", test_random(false, GWALK_MODE_PAE));
	report("shadow.random_nounsync_pae", test_random(true, GWALK_MODE_PAE));
	report("shadow.random_unsync_32bit", test_random(false, GWALK_MODE_32));
	report("shadow.random_nounsync_32bit", test_random(true, GWALK_MODE_32));
	report("shadow.random_pde_4level", test_random_pde(false, GWALK_MODE_4LEVEL));
	report("shadow.random_pde_pae", test_random_pde(false, GWALK_MODE_PAE));
	report("shadow.random_pde_32bit", test_random_pde(false, GWALK_MODE_32));
	report("shadow.random_pde_nounsync_32bit", test_random_pde(true, GWALK_MODE_32));
	/* The end of a run: per-table frees, teardown reason, vCPU destroy */
	report("shadow.teardown_trace", test_teardown_trace(GWALK_MODE_4LEVEL));
	report("shadow.pae_teardown_trace", test_teardown_trace(GWALK_MODE_PAE));
	report("shadow.32bit_teardown_trace", test_teardown_trace(GWALK_MODE_32));
	report("shadow.vcpu_destroy_first", test_vcpu_destroy_first());
	/* The page budget (5.14) */
	report("shadow.budget_values", test_budget_values());
	report("shadow.budget_tables", test_budget_tables(GWALK_MODE_4LEVEL, 1));
	report("shadow.budget_tables_pae", test_budget_tables(GWALK_MODE_PAE, 1));
	report("shadow.budget_tables_32bit", test_budget_tables(GWALK_MODE_32, 1));
	report("shadow.budget_tables_2vcpus", test_budget_tables(GWALK_MODE_4LEVEL, 2));
	report("shadow.budget_tables_2vcpus_32bit", test_budget_tables(GWALK_MODE_32, 2));
	report("shadow.budget_random", test_random_budget(false, GWALK_MODE_4LEVEL, 8, false));
	report("shadow.budget_random_nounsync", test_random_budget(true, GWALK_MODE_4LEVEL, 8, false));
	report("shadow.budget_random_32bit", test_random_budget(false, GWALK_MODE_32, 8, false));
	report("shadow.budget_random_pde_4level", test_random_budget(false, GWALK_MODE_4LEVEL, 8, true));
	report("shadow.budget_random_pde_pae", test_random_budget(false, GWALK_MODE_PAE, 8, true));
	report("shadow.budget_random_pde_32bit", test_random_budget(false, GWALK_MODE_32, 8, true));
	return failures ? 1 : 0;
}
