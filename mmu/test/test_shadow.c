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
	/* PAE is refused clearly. */
	g.cpu.efer &= ~GW_EFER_LMA;
	EXPECT(load(&g, cr3) == E_NOTSUP, "PAE guest accepted");
	sg_destroy(&g);
	return true;
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
	struct hvt_spte_format hf;
	char w[300];
	mmu_describe_format(g.vm, &hf);
	EXPECT(host_trace_check(&hf, w, sizeof(w)) == 0, "trace: %s", w);
	sg_destroy(&g);
	return true;
}

static bool test_inject(void)
{
	struct sg g;
	int rc;
	EXPECT(sg_create(&g, false, false, true), "create");
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
	sg_destroy(&g);
	return true;
}

/* Write protection + emulated writes + flooding, unsync off. */
static bool test_wrprot_emulate(void)
{
	struct sg g;
	int rc;
	EXPECT(sg_create(&g, true, false, true), "create");
	u64 cr3 = new_pt(&g) << 12;
	map4k(&g, cr3, 0x400000, 0x20, GPTE_P | GPTE_RW);
	u64 *pte = gpte_ptr(&g, cr3, 0x400000, 1, false);
	gfn_t pt_gfn = ((u64)(pte - gpa_va(&g, 0)) * 8) >> 12;
	/* The gPT is mapped at 0x600000, writable and dirty, so the guest can edit it. */
	map4k(&g, cr3, 0x600000, pt_gfn, GPTE_P | GPTE_RW | GPTE_D | GPTE_A);
	*gpa_va(&g, 0x21 << 12) = 0xbeef;
	EXPECT(load(&g, cr3) == 0, "load");
	EXPECT(rd(&g, 0x400000, &rc) == 0 && rc == 0, "read");
	rd(&g, 0x600000, &rc);
	EXPECT(rc == 0 && !(leaf_spte(&g, 0x600000) & X86_W), "gPT frame mapped writable (I4)");
	/* Remap 0x400000 to frame 0x21 through the guest's own mapping: trapped + emulated. */
	u64 before = stats(&g).emulated_writes;
	EXPECT(wr(&g, 0x600000, (0x21ull << 12) | GPTE_P | GPTE_RW) == 0, "write gPTE");
	EXPECT(stats(&g).emulated_writes == before + 1, "not emulated");
	EXPECT(rd(&g, 0x400000, &rc) == 0xbeef && rc == 0, "stale mapping after remap");
	/* Flooding: the guest writes the frame like data, no fault in between. */
	host_trace_reset();
	for (int i = 0; i < 4; i++)
		wr(&g, 0x600000 + 8 * 100, 0x1111 * (u64)i);
	EXPECT(count_records(HVT_SP_EVENT, HVT_SP_FLOOD, 0) == 1, "flood records %zu",
	       count_records(HVT_SP_EVENT, HVT_SP_FLOOD, 0));
	EXPECT(leaf_spte(&g, 0x600000) & X86_W, "frame still write-protected after flood");
	/* Re-shadowed by a walk, then unprotected (hv: a write it cannot emulate). */
	EXPECT(rd(&g, 0x400000, &rc) == 0xbeef && rc == 0, "read re-shadows");
	EXPECT(mmu_shadow_unprotect(g.vcpu, (gpa_t)pt_gfn << 12) == 1, "unprotect zaps the SP");
	EXPECT(mmu_shadow_check(g.vm, why, sizeof(why)) == 0, "after unprotect");
	EXPECT(rd(&g, 0x400000, &rc) == 0xbeef && rc == 0, "read after flood");
	EXPECT(!(leaf_spte(&g, 0x600000) & X86_W), "re-shadowed gPT writable (I4)");
	sg_destroy(&g);
	return true;
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

static bool sync_one(const struct sync_case *c, bool skip_wadd, u64 *extra_faults)
{
	struct sg g;
	int rc;
	EXPECT(sg_create(&g, false, skip_wadd, true), "create");
	u64 cr3 = new_pt(&g) << 12;
	gva_t gva = 0x400000;
	map4k(&g, cr3, gva, 0x30, c->before);
	for (int i = 1; i < 4; i++)
		map4k(&g, cr3, gva + i * 4096ull, 0x30 + i, GPTE_P | GPTE_RW | GPTE_US | GPTE_A | GPTE_D);
	u64 *pte = gpte_ptr(&g, cr3, gva, 1, false);
	gfn_t pt_gfn = ((u64)(pte - gpa_va(&g, 0)) * 8) >> 12;
	map4k(&g, cr3, 0x600000, pt_gfn, GPTE_P | GPTE_RW | GPTE_D | GPTE_A);
	EXPECT(load(&g, cr3) == 0, "load");
	for (int i = 0; i < 4; i++)
		rd(&g, gva + i * 4096ull, &rc);
	EXPECT(is_mmu_present_spte(leaf_spte(&g, gva)), "%s: not mapped", c->name);
	/* The guest edits its PT through 0x600000: the first write unsyncs it. */
	u64 nv = c->after ? ((c->moved ? 0x40ull : 0x30ull) << 12) | c->after : 0;
	EXPECT(wr(&g, 0x600000, nv) == 0, "%s: guest PTE write", c->name);
	EXPECT(leaf_spte(&g, 0x600000) & X86_W, "%s: gPT not unsync (write-protected)", c->name);
	EXPECT(stats(&g).unsyncs == 1, "%s: unsyncs %llu", c->name, (unsigned long long)stats(&g).unsyncs);
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
	sg_destroy(&g);
	return true;
}

static bool test_sync_table(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(sync_cases); i++) {
		u64 extra;
		if (!sync_one(&sync_cases[i], false, &extra))
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
	if (!sync_one(&sync_cases[1], true, &extra))
		return false;
	EXPECT(extra == 1, "wrong variant: %llu extra faults, want 1", (unsigned long long)extra);
	return true;
}

static bool test_invlpg(void)
{
	struct sg g;
	int rc;
	EXPECT(sg_create(&g, false, false, true), "create");
	u64 cr3 = new_pt(&g) << 12;
	map4k(&g, cr3, 0x400000, 0x30, GPTE_P | GPTE_US | GPTE_A);
	map4k(&g, cr3, 0x401000, 0x31, GPTE_P | GPTE_US | GPTE_A);
	u64 *pte = gpte_ptr(&g, cr3, 0x400000, 1, false);
	gfn_t pt_gfn = ((u64)(pte - gpa_va(&g, 0)) * 8) >> 12;
	map4k(&g, cr3, 0x600000, pt_gfn, GPTE_P | GPTE_RW | GPTE_D | GPTE_A);
	EXPECT(load(&g, cr3) == 0, "load");
	rd(&g, 0x400000, &rc);
	rd(&g, 0x401000, &rc);
	/* Both PTEs become RW+D; the guest INVLPGs only the first. */
	wr(&g, 0x600000, (0x30ull << 12) | GPTE_P | GPTE_RW | GPTE_US | GPTE_A | GPTE_D);
	wr(&g, 0x600008, (0x31ull << 12) | GPTE_P | GPTE_RW | GPTE_US | GPTE_A | GPTE_D);
	host_trace_reset();
	mmu_shadow_invlpg(g.vcpu, 0x400000);
	EXPECT(leaf_spte(&g, 0x400000) & X86_W, "INVLPG'd SPTE not synced");
	EXPECT(!(leaf_spte(&g, 0x401000) & X86_W), "INVLPG synced another gva");
	EXPECT(count_records(HVT_SPTE_CHANGE, HVT_SR_SYNC, 0) == 1, "sync records %zu",
	       count_records(HVT_SPTE_CHANGE, HVT_SR_SYNC, 0));
	EXPECT(count_records(HVT_TLB_FLUSH, HVT_FR_INVLPG, 0) == 1, "no INVLPG flush");
	/* Without INVLPG a write still works: the fault path re-walks. */
	EXPECT(wr(&g, 0x401000, 9) == 0, "write without INVLPG");
	sg_destroy(&g);
	return true;
}

static bool test_cr3_cache(void)
{
	struct sg g;
	int rc;
	u64 cr3[5];
	EXPECT(sg_create(&g, false, false, true), "create");
	for (int i = 0; i < 5; i++) {
		cr3[i] = new_pt(&g) << 12;
		map4k(&g, cr3[i], 0x400000, 0x40 + i, GPTE_P | GPTE_US);
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
	sg_destroy(&g);
	return true;
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
	sg_destroy(&g);
	return true;
}


/* Range zap and aging reach shadow leaves through the rmap (touch's hypercalls). */
static bool test_zap_age(void)
{
	struct sg g;
	int rc;
	EXPECT(sg_create(&g, false, false, true), "create");
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
	sg_destroy(&g);
	return true;
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
	*e &= ~(X86_W | X86_MMU_WRITABLE);
	sg_destroy(&g);
	return true;
}

/* ---- randomized: edits, syncs, faults; nothing granted beyond the guest ---- */
static unsigned long long rng = 88172645463325252ull;
static u64 rnd(void) { rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17; return rng; }

/* Every present shadow leaf reachable from the root allows no more than the
 * guest's tables do right now (rights and frame), and never W on a
 * read-only slot or on a shadowed sync gPT (I4). */
static bool oracle(struct sg *g, const char *when)
{
	struct gwalk_mem mem;
	gwalk_mem_bind_vm(&mem, g->vm);
	for (gva_t gva = 0x400000; gva < 0x400000 + 64 * 4096; gva += 4096) {
		u64 s = leaf_spte(g, gva);
		if (!is_mmu_present_spte(s))
			continue;
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
		       "%s: gva %#llx SPTE W, guest acc %#x gpte %#llx", when, (unsigned long long)gva,
		       res.access, (unsigned long long)leaf);
		EXPECT(!(s & X86_U) || (res.access & GWALK_ACC_U), "%s: SPTE U beyond guest", when);
		EXPECT((s & X86_NX) || (res.access & GWALK_ACC_X), "%s: SPTE X beyond guest", when);
		struct shadow_page *sp;
		gfn_t gfn = res.gpa >> 12;
		if (s & X86_W)
			for (sp = g->vm->shadow->hash[shadow_hash_idx(gfn)]; sp; sp = sp->hash_next)
				EXPECT(sp->gfn != gfn || role_direct(sp->role) || sp->unsync,
				       "%s: W SPTE maps shadowed gPT gfn %#llx (I4)", when, (unsigned long long)gfn);
	}
	return true;
}

static bool test_random(bool no_unsync)
{
	struct sg g;
	int rc;
	EXPECT(sg_create(&g, no_unsync, false, false), "create");
	u64 cr3 = new_pt(&g) << 12;
	/* 64 pages at 0x400000 (frames 0x20..0x5f); the two PTs that map them
	 * and the PT window at 0x600000 (guest edits go through it). */
	for (int i = 0; i < 64; i++)
		map4k(&g, cr3, 0x400000 + i * 4096ull, 0x20 + i, GPTE_P | GPTE_RW | GPTE_US);
	u64 *pte0 = gpte_ptr(&g, cr3, 0x400000, 1, false);
	gfn_t pt_gfn = ((u64)(pte0 - gpa_va(&g, 0)) * 8) >> 12;
	map4k(&g, cr3, 0x600000, pt_gfn, GPTE_P | GPTE_RW | GPTE_D | GPTE_A);
	/* A second address space sharing everything below the PML4. */
	u64 cr3b = new_pt(&g) << 12;
	memcpy(gpa_va(&g, cr3b), gpa_va(&g, cr3), 4096);
	u64 cur = cr3;
	EXPECT(load(&g, cr3) == 0, "load");
	host_trace_reset();
	char w[300];
	for (int step = 0; step < 20000; step++) {
		int i = (int)(rnd() % 64);
		gva_t gva = 0x400000 + i * 4096ull;
		if (rnd() % 97 == 0) {       /* CR3 switch, or a CR0.WP flip (new role) */
			if (rnd() & 1)
				cur = cur == cr3 ? cr3b : cr3;
			else
				g.cpu.cr0 ^= GW_CR0_WP;
			EXPECT(load(&g, cur) == 0, "switch");
			if (!oracle(&g, "after switch"))
				return false;
			continue;
		}
		switch (rnd() % 6) {
		case 0: case 1: {      /* edit a gPTE through the guest's own window */
			u64 flags = (rnd() & (GPTE_RW | GPTE_US | GPTE_A | GPTE_D)) | GPTE_P;
			if (rnd() % 5 == 0)
				flags &= ~GPTE_P;
			if (rnd() % 4 == 0)
				flags |= GPTE_XD;
			gfn_t frame = 0x20 + rnd() % 64;
			EXPECT(wr(&g, 0x600000 + i * 8, (frame << 12) | flags) == 0, "edit %d", step);
			if (rnd() % 3 == 0)
				mmu_shadow_invlpg(g.vcpu, gva);
			break;
		}
		case 2:                /* MOV CR3: sync point; then everything must hold */
			EXPECT(load(&g, cur) == 0, "reload");
			if (!oracle(&g, "after CR3 load"))
				return false;
			break;
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
	}
	EXPECT(load(&g, cur) == 0, "final load");
	if (!oracle(&g, "end"))
		return false;
	struct hvt_spte_format hf;
	mmu_describe_format(g.vm, &hf);
	EXPECT(host_trace_check(&hf, w, sizeof(w)) == 0, "trace: %s", w);
	EXPECT(mmu_shadow_check(g.vm, w, sizeof(w)) == 0, "end: %s", w);
	struct mmu_shadow_stats s = stats(&g);
	EXPECT(s.sync_writes == s.sync_changed, "sync writes %llu != changed %llu",
	       (unsigned long long)s.sync_writes, (unsigned long long)s.sync_changed);
	EXPECT(no_unsync || s.unsyncs > 0, "never went unsync");
	sg_destroy(&g);
	EXPECT(host_pages_live() == 0, "pages leaked: %ld", host_pages_live());
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
	report("shadow.inject", test_inject());
	report("shadow.wrprot_emulate_flood", test_wrprot_emulate());
	report("shadow.sync_table_seed000", test_sync_table());
	report("shadow.sync_skip_wadd_variant", test_sync_skip_wadd_variant());
	report("shadow.invlpg", test_invlpg());
	report("shadow.cr3_root_cache", test_cr3_cache());
	report("shadow.paging_off_2m", test_paging_off_and_huge());
	report("shadow.zap_age_rmap", test_zap_age());
	report("shadow.check_catches_i4", test_check_catches());
	report("shadow.random_unsync", test_random(false));
	report("shadow.random_nounsync", test_random(true));
	return failures ? 1 : 0;
}
