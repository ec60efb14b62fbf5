/*
 * test_ui.c: table-driven unit tests of hvtui's pieces around the model
 * (ASan/UBSan): the filter/search language against hand-written SQL on the
 * fixture, SPTE and error-code decoding, the --keys notation, the key table,
 * a seek that waits for (or cancels the wait for) the background index.
 *
 *   test_ui FIXTURE.db
 */
#include <stdio.h>
#include <string.h>

#include "../hvtui/app.h"
#include "../hvtui/decode.h"
#include "../hvtui/keys.h"

static int failures;

static void report(const char *name, bool ok, const char *detail)
{
	printf("TEST %s %s %s\n", name, ok ? "PASS" : "FAIL", detail);
	failures += !ok;
}

static s64 count_where(sqlite3 *db, const char *where)
{
	char sql[2048];
	s64 n = -1;

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM events WHERE %s", where);
	if (tracedb_query_s64(db, sql, NULL, 0, &n))
		return -1;
	return n;
}

/* Each expression must select exactly the rows of its hand-written SQL. */
static void test_expr(sqlite3 *db)
{
	static const struct { const char *text, *sql; } cases[] = {
		{ "vcpu=1", "vcpu = 1" },
		{ "type=fault,spte", "type IN (3, 1)" },
		{ "fault", "type = 3" },
		{ "kind=tlb_flush", "type = 2" },
		{ "reason=zap", "(type = 1 AND reason = 2) OR (type = 2 AND reason = 1)" },
		{ "level=1 type=spte", "level = 1 AND type = 1" },
		{ "gfn=0x100-0x1ff type=spte_change", "type = 1 AND a BETWEEN 256 AND 511" },
		{ "seq=10-99", "seq BETWEEN 10 AND 99" },
		{ "vcpu=0 reason=fixed", "vcpu = 0 AND type = 4 AND aux = 1" },
	};
	static const char *const bad[] = { "foo=1", "type=nonsense", "gfn=zz", "vcpu=5-1",
					   "vcpu=1;DROP TABLE events", "reason=" };
	char err[200], detail[300] = "";
	struct expr e;
	bool ok = true;
	size_t i;

	for (i = 0; ok && i < sizeof(cases) / sizeof(cases[0]); i++) {
		ok = app_parse_expr(cases[i].text, &e, err, sizeof(err)) == 0 &&
		     count_where(db, e.where) >= 0 &&
		     count_where(db, e.where) == count_where(db, cases[i].sql);
		if (!ok)
			snprintf(detail, sizeof(detail), "'%s' -> %.200s", cases[i].text, e.where);
	}
	report("ui.expr_matches_sql", ok, ok ? "9 expressions select the same rows" : detail);
	ok = true;
	for (i = 0; ok && i < sizeof(bad) / sizeof(bad[0]); i++) {
		ok = app_parse_expr(bad[i], &e, err, sizeof(err)) == -1 && err[0] && !e.where[0];
		if (!ok)
			snprintf(detail, sizeof(detail), "'%s' accepted as %.200s", bad[i], e.where);
	}
	report("ui.expr_rejects", ok, ok ? "6 bad expressions rejected with a message" : detail);
}

static void test_decode(void)
{
	struct hvt_spte_format x86, ept;
	char buf[256];
	bool ok;

	spte_format_default(&x86, HVT_VENDOR_SVM, HVT_MMU_TDP);
	spte_format_default(&ept, HVT_VENDOR_VMX, HVT_MMU_TDP);
	spte_diff(&x86, 0, 0x1234000 | BIT(0) | BIT(1) | BIT(11), buf, sizeof(buf));
	ok = strstr(buf, "+P") && strstr(buf, "+W") && !strstr(buf, "+U") && strstr(buf, "0x1234000");
	spte_diff(&x86, 0x1234067, 0x1234025, buf, sizeof(buf));
	ok = ok && strstr(buf, "-W") && strstr(buf, "-D") && !strstr(buf, "addr");
	spte_diff(&ept, 0x5007, 0x5005, buf, sizeof(buf));
	ok = ok && strstr(buf, "-W") && !strstr(buf, "-R");
	report("ui.spte_diff", ok, buf);

	fault_error_describe(HVT_VENDOR_SVM, HVT_FK_TDP, BIT(32) | 0x7, buf, sizeof(buf));
	ok = strstr(buf, "P:protection") && strstr(buf, "W:write") && strstr(buf, "U:user") &&
	     strstr(buf, "final-gpa");
	fault_error_describe(HVT_VENDOR_SVM, HVT_FK_SHADOW, 0x18, buf, sizeof(buf));
	ok = ok && strstr(buf, "P:not-present") && strstr(buf, "RSVD") && strstr(buf, "I/D:fetch");
	fault_error_describe(HVT_VENDOR_VMX, HVT_FK_TDP, 0x182 | 0x8, buf, sizeof(buf));
	ok = ok && strstr(buf, "write") && strstr(buf, "allowed r--");
	report("ui.fault_error_code", ok, buf);
}

/* Guest page-table entries by mode (SDM Vol. 3A 4.3-4.5): a 32-bit 4 MiB PDE
 * takes address bits 39:32 from its bits 20:13 (PSE-36), which a 64-bit
 * reading would take for address bits; a PAE entry has XD in bit 63; a
 * PAE PDPTE has no R/W or U/S. */
static void test_gpte(void)
{
	static const struct { int mode; unsigned level; u64 gpte; const char *want; } cases[] = {
		{ 1, 2, 0x00c00083, "P W PS 4M page 0xc00000" },
		{ 1, 2, 0x00c020e3, "P W A D PS 4M page 0x100c00000" }, /* PSE-36: bit 13 -> 32 */
		{ 1, 2, 0x00112027, "P W U A table 0x112000" },
		{ 1, 1, 0x00802163, "P W A D G page 0x802000" },
		{ 1, 1, 0x100802163ull, "bits above 31" },
		{ 2, 3, 0x00109001, "P PD at 0x109000" },
		{ 2, 3, 0x00109007, "P PD at 0x109000" },     /* bits 1, 2 are not R/W, U/S */
		{ 2, 2, 0x80000000c00000e3ull, "P W A D PS XD 2M page 0xc00000" },
		{ 3, 3, 0x40000083, "P W PS 1G page 0x40000000" },
		{ 1, 1, 0x00802162, "not present" },
	};
	char buf[160], detail[400] = "";
	bool ok = true;
	size_t i;

	for (i = 0; ok && i < sizeof(cases) / sizeof(cases[0]); i++) {
		gpte_describe(cases[i].mode, cases[i].level, cases[i].gpte, buf, sizeof(buf));
		ok = strstr(buf, cases[i].want) != NULL;
		if (!ok)
			snprintf(detail, sizeof(detail), "%s L%u 0x%llx: '%s', want '%s'",
				 guest_mode_name(cases[i].mode), cases[i].level,
				 (unsigned long long)cases[i].gpte, buf, cases[i].want);
	}
	report("ui.gpte_by_mode", ok, ok ? "32-bit (PSE-36), PAE (PDPTE, XD), 4-level" : detail);

	ok = gpte_index(1, 2, 0x80000000) == 512 && gpte_index(1, 1, 0x40011020) == 17 &&
	     gpte_index(2, 3, 0xc0005020) == 3 && gpte_index(2, 2, 0xc0005020) == 0 &&
	     guest_mode_of_root_level(2) == 1 && guest_mode_of_root_level(3) == 2 &&
	     guest_mode_of_root_level(4) == 3;
	report("ui.gpte_index", ok, "32-bit 10-bit indexes, PAE PDPT 2 bits, root level -> mode");
}

/* Shadow roles (mmu/SHADOW.md 5.1): quadrants of 4-byte gPTs, the PAE root. */
static void test_roles(void)
{
	char buf[300], b2[300], b3[64];
	bool ok;

	role_shadows(0x11e412, 0x108, buf, sizeof(buf));  /* L2, 32-bit, 4B, quadrant 1 */
	role_shadows(0x11e011, 0x112, b2, sizeof(b2));    /* L1, 32-bit, 4B, quadrant 0 */
	role_short(0x118e023, 0x108, b3, sizeof(b3));     /* PAE root */
	ok = strstr(buf, "quadrant 1 of the 32-bit PD at gfn 0x108: gPDEs 256..511") &&
	     strstr(buf, "0x40000000..0x7fffffff") && strstr(b2, "quadrant 0 of the 32-bit PT") &&
	     strstr(b2, "gPTEs 0..511") && !strcmp(b3, "PAE root");
	report("ui.shadow_roles", ok, ok ? "32-bit PD/PT quadrants, PAE root" : buf);
	ok = vendor_exit_name(HVT_VENDOR_SVM, 0xa2) && !strcmp(vendor_exit_name(HVT_VENDOR_SVM, 0xa2),
							     "VMEXIT_INVPCID") &&
	     vendor_exit_name(HVT_VENDOR_VMX, 58) && !strcmp(vendor_exit_name(HVT_VENDOR_VMX, 58), "INVPCID") &&
	     !strcmp(exit_kind_name(HVT_EX_INVPCID), "invpcid");
	report("ui.exit_names_invpcid", ok, "SVM 0xa2 / VMX 58 and hvt_exit_kind 14");
}

static void test_key_script(void)
{
	static const int want[] = { '5', '0', 'j', K_DOWN, '\n', K_ESC, '<', 'x', K_PGDN, ' ' };
	int keys[32], n = keys_parse_script("50j<Down>\\n\\e<x<PgDn><Space>", keys, 32);
	bool ok = n == (int)(sizeof(want) / sizeof(want[0])) && !memcmp(keys, want, sizeof(want));

	report("ui.key_script", ok, "50j<Down>\\n\\e<x<PgDn><Space>");
}

static void test_help(void)
{
	char lines[64][96];
	int n = keys_help_lines(lines, 64), i;
	bool ok = n >= 25, seen_j = false, seen_q = false;

	for (i = 0; i < n; i++) {
		seen_j |= !strncmp(lines[i], "j Down", 6);
		seen_q |= lines[i][0] == 'q';
	}
	report("ui.help_from_key_table", ok && seen_j && seen_q, "every bound key, aliases grouped");
}

/* ---- a seek during the background checkpoint build (replay.h R6) -------- */

static int wait_calls;
static int cancel_at; /* the wait hook cancels on this call (0: never) */

static bool count_wait(struct app *a, s64 done, s64 total)
{
	return ++wait_calls == cancel_at || done > total;
}

/* The fixture read-only (checkpoints in memory, nothing cached), interval
 * 200: a far seek waits for the build through the hook and lands where a
 * seek on a complete set lands; a cancelled one leaves the cursor. */
static void test_seek_waits(const char *path)
{
	struct app a;
	struct replay ref;
	char uri[512], err[200] = "", detail[200];
	s64 target;
	bool ok;

	snprintf(uri, sizeof(uri), "file:%s?mode=ro", path);
	ok = app_open_interactive(&a, uri, 200, err, sizeof(err)) == 0;
	if (!ok) {
		report("ui.seek_waits_for_index", false, err);
		return;
	}
	ok = replay_open(&ref, uri, 200, err, sizeof(err)) == 0;
	target = a.r.info.last_seq - 7;
	a.wait = count_wait;
	ok = ok && replay_building(&a.r) && app_goto(&a, target) == RD_SCREEN &&
	     a.r.cursor == target && wait_calls > 0 && !a.msg[0] &&
	     replay_seek(&ref, target) == 0 && ref.map.count == a.r.map.count &&
	     !memcmp(&ref.cnt, &a.r.cnt, sizeof(ref.cnt));
	snprintf(detail, sizeof(detail), "goto %lld waited (%d progress calls), state as on a"
		 " complete set %s", (long long)target, wait_calls, err);
	report("ui.seek_waits_for_index", ok, detail);
	if (ref.db)
		replay_close(&ref);
	app_close(&a);

	wait_calls = 0;
	cancel_at = 1;
	ok = app_open_interactive(&a, uri, 200, err, sizeof(err)) == 0;
	if (ok) {
		a.wait = count_wait;
		ok = app_goto(&a, a.r.info.last_seq) == RD_SCREEN && wait_calls == 1 &&
		     a.r.cursor == a.r.info.first_seq && strstr(a.msg, "cancelled") &&
		     replay_building(&a.r);
		while (ok && replay_building(&a.r))
			app_background(&a);
		ok = ok && app_goto(&a, a.r.info.last_seq) == RD_SCREEN && wait_calls == 1 &&
		     a.r.cursor == a.r.info.last_seq;
		app_close(&a);
	}
	report("ui.seek_wait_cancel", ok, ok ? "cancel leaves the cursor; after app_background"
	       " completes, the seek needs no wait" : err);
}

int main(int argc, char **argv)
{
	sqlite3 *db;
	char err[200];
	bool rw;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2 || tracedb_open(argv[1], &db, &rw, err, sizeof(err))) {
		report("ui.open", false, argc < 2 ? "usage: test_ui DB" : err);
		return 1;
	}
	test_expr(db);
	test_decode();
	test_gpte();
	test_roles();
	test_key_script();
	test_help();
	test_seek_waits(argv[1]);
	sqlite3_close(db);
	return failures ? 1 : 0;
}
