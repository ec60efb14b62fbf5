/*
 * tracedb.c: open a trace database, read its header from meta, fetch events
 * by seq (see tracedb.h).
 */
#include "tracedb.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Checks that the events table has the columns we read. */
static int check_events_table(sqlite3 *db, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(db, "SELECT " EV_COLUMNS " FROM events LIMIT 1",
				    -1, &st, NULL);

	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "not a trace database: %s", sqlite3_errmsg(db));
		return -1;
	}
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		snprintf(err, errlen, "cannot read events: %s", sqlite3_errmsg(db));
		return -1;
	}
	return 0;
}

/* One connection per thread (hvtui has one thread): NOMUTEX drops SQLite's
 * per-call mutex, a sixth of the time of a full pass. */
int tracedb_open(const char *path, sqlite3 **db, bool *writable, char *err, size_t errlen)
{
	const int how = SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX;
	int rc = sqlite3_open_v2(path, db, SQLITE_OPEN_READWRITE | how, NULL);

	if (rc != SQLITE_OK) {
		sqlite3_close(*db);
		rc = sqlite3_open_v2(path, db, SQLITE_OPEN_READONLY | how, NULL);
	}
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "cannot open %s: %s", path, sqlite3_errstr(rc));
		sqlite3_close(*db);
		*db = NULL;
		return -1;
	}
	*writable = sqlite3_db_readonly(*db, "main") == 0; /* also "file:x.db?mode=ro" */
	sqlite3_busy_timeout(*db, 2000);
	if (check_events_table(*db, err, errlen)) {
		sqlite3_close(*db);
		*db = NULL;
		return -1;
	}
	return 0;
}

void ev_from_row(sqlite3_stmt *st, struct hvt_event *ev)
{
	ev->seq = sqlite3_column_int64(st, 0);
	ev->tsc = (u64)sqlite3_column_int64(st, 1);
	ev->vcpu = (u16)sqlite3_column_int64(st, 2);
	ev->type = (u8)sqlite3_column_int64(st, 3);
	ev->reason = (u8)sqlite3_column_int64(st, 4);
	ev->level = (u8)sqlite3_column_int64(st, 5);
	ev->flags = (u8)sqlite3_column_int64(st, 6);
	ev->aux = (u16)sqlite3_column_int64(st, 7);
	ev->a = (u64)sqlite3_column_int64(st, 8);
	ev->b = (u64)sqlite3_column_int64(st, 9);
	ev->c = (u64)sqlite3_column_int64(st, 10);
	ev->d = (u64)sqlite3_column_int64(st, 11);
	ev->e = (u64)sqlite3_column_int64(st, 12);
}

int tracedb_get(sqlite3 *db, s64 seq, struct hvt_event *ev)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(db, "SELECT " EV_COLUMNS " FROM events WHERE seq = ?1",
			       -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, seq);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		ev_from_row(st, ev);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? 1 : -1;
}

int tracedb_query_s64(sqlite3 *db, const char *sql, const s64 *args, int nargs, s64 *out)
{
	sqlite3_stmt *st;
	int i, rc;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	for (i = 0; i < nargs; i++)
		sqlite3_bind_int64(st, i + 1, args[i]);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
		*out = sqlite3_column_int64(st, 0);
	else if (rc == SQLITE_ROW)
		rc = SQLITE_DONE;
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? 1 : -1;
}

/* A meta value as a number: stored as INTEGER, or as text ("0x..", decimal). */
static bool meta_u64(sqlite3_stmt *st, u64 *out)
{
	const char *text;

	if (sqlite3_column_type(st, 1) == SQLITE_INTEGER) {
		*out = (u64)sqlite3_column_int64(st, 1);
		return true;
	}
	text = (const char *)sqlite3_column_text(st, 1);
	if (!text || !*text)
		return false;
	*out = strtoull(text, NULL, 0);
	return true;
}

/* Name -> offset of each u64 mask in struct hvt_spte_format. */
static const struct { const char *name; size_t off; } spte_fields[] = {
#define F(n) { #n, offsetof(struct hvt_spte_format, n) }
	F(present_mask), F(readable_mask), F(writable_mask), F(exec_mask), F(nx_mask),
	F(user_mask), F(accessed_mask), F(dirty_mask), F(huge_mask), F(pfn_mask),
	F(mmu_writable_mask), F(host_writable_mask), F(acc_track_mask),
	F(acc_track_saved_shift), F(mmio_mask), F(mmio_value), F(mmio_gen_mask),
	F(frozen_value), F(nonpresent_value),
#undef F
};

/* Applies one "spte.<field>" meta row to fmt; true if the field is known. */
static bool meta_spte_field(struct hvt_spte_format *fmt, const char *field, u64 v)
{
	size_t i;

	if (!strcmp(field, "format")) { fmt->format = (u32)v; return true; }
	if (!strcmp(field, "levels")) { fmt->levels = (u32)v; return true; }
	for (i = 0; i < sizeof(spte_fields) / sizeof(spte_fields[0]); i++) {
		if (!strcmp(field, spte_fields[i].name)) {
			memcpy((char *)fmt + spte_fields[i].off, &v, sizeof(v));
			return true;
		}
	}
	return false;
}

/* Reads one meta row into info. */
static void meta_row(struct trace_info *info, sqlite3_stmt *st)
{
	const char *key = (const char *)sqlite3_column_text(st, 0);
	const char *text;
	u64 v = 0;

	if (!key)
		return;
	if (!strcmp(key, "scenario")) {
		text = (const char *)sqlite3_column_text(st, 1);
		snprintf(info->scenario, sizeof(info->scenario), "%s", text ? text : "");
		return;
	}
	if (!meta_u64(st, &v))
		return;
	if (!strcmp(key, "vendor"))
		info->vendor = (unsigned)v;
	else if (!strcmp(key, "mmu_mode"))
		info->mmu_mode = (unsigned)v;
	else if (!strcmp(key, "nr_vcpus"))
		info->nr_vcpus = (unsigned)v;
	else if (!strncmp(key, "spte.", 5) && meta_spte_field(&info->fmt, key + 5, v))
		info->fmt_from_meta = true;
}

/* Meta may spell vendor/mmu_mode as names; map them to the numbers. */
static void meta_names(sqlite3 *db, struct trace_info *info)
{
	sqlite3_stmt *st;
	const char *k, *v;

	if (sqlite3_prepare_v2(db, "SELECT key, value FROM meta WHERE typeof(value) = 'text'"
			       " AND key IN ('vendor', 'mmu_mode')", -1, &st, NULL) != SQLITE_OK)
		return;
	while (sqlite3_step(st) == SQLITE_ROW) {
		k = (const char *)sqlite3_column_text(st, 0);
		v = (const char *)sqlite3_column_text(st, 1);
		if (!k || !v)
			continue;
		if (!strcmp(k, "vendor"))
			info->vendor = strstr(v, "vmx") || strstr(v, "VMX") ? HVT_VENDOR_VMX :
				       strstr(v, "svm") || strstr(v, "SVM") ? HVT_VENDOR_SVM :
				       (unsigned)strtoul(v, NULL, 0);
		else
			info->mmu_mode = strstr(v, "shadow") ? HVT_MMU_SHADOW :
					 strstr(v, "tdp") ? HVT_MMU_TDP :
					 (unsigned)strtoul(v, NULL, 0);
	}
	sqlite3_finalize(st);
}

static void load_meta(sqlite3 *db, struct trace_info *info)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(db, "SELECT key, value FROM meta", -1, &st, NULL) != SQLITE_OK)
		return; /* no meta table: defaults */
	while (sqlite3_step(st) == SQLITE_ROW)
		meta_row(info, st);
	sqlite3_finalize(st);
	meta_names(db, info);
}

int tracedb_load_info(sqlite3 *db, struct trace_info *info, char *err, size_t errlen)
{
	memset(info, 0, sizeof(*info));
	info->mmu_mode = HVT_MMU_TDP;
	/* Pass 1 finds vendor and MMU mode, which pick the default masks; pass 2
	 * lays the header's own spte.* fields over those defaults. */
	load_meta(db, info);
	spte_format_default(&info->fmt, info->vendor, info->mmu_mode);
	info->fmt_from_meta = false;
	load_meta(db, info);
	info->first_seq = info->last_seq = -1;
	if (tracedb_query_s64(db, "SELECT min(seq) FROM events", NULL, 0, &info->first_seq) < 0 ||
	    tracedb_query_s64(db, "SELECT max(seq) FROM events", NULL, 0, &info->last_seq) < 0) {
		snprintf(err, errlen, "cannot read events: %s", sqlite3_errmsg(db));
		return -1;
	}
	return 0;
}

/* REFERENCE.md §4: EPT (VMX) vs legacy x86 format (NPT and shadow). */
void spte_format_default(struct hvt_spte_format *f, unsigned vendor, unsigned mmu_mode)
{
	memset(f, 0, sizeof(*f));
	f->levels = 4;
	f->pfn_mask = GENMASK(51, 12);
	if (vendor == HVT_VENDOR_VMX && mmu_mode == HVT_MMU_TDP) {
		f->format = 1;
		f->readable_mask = BIT(0);
		f->writable_mask = BIT(1);
		f->exec_mask = BIT(2);
		f->huge_mask = BIT(7);
		f->accessed_mask = BIT(8);
		f->dirty_mask = BIT(9);
		f->present_mask = BIT(11);
		f->host_writable_mask = BIT(57);
		f->mmu_writable_mask = BIT(58);
		f->nonpresent_value = BIT(63);
		f->frozen_value = BIT(63) | 0x5a0;
		f->mmio_mask = 0x7 | BIT(63);
		f->mmio_value = 0x6;
		return;
	}
	f->format = 2;
	f->present_mask = BIT(0) | BIT(11);
	f->writable_mask = BIT(1);
	f->user_mask = BIT(2);
	f->accessed_mask = BIT(5);
	f->dirty_mask = BIT(6);
	f->huge_mask = BIT(7);
	f->host_writable_mask = BIT(9);
	f->mmu_writable_mask = BIT(10);
	f->nx_mask = BIT(63);
	f->frozen_value = 0x5a0;
	f->mmio_mask = BIT(51) | BIT(0);
	f->mmio_value = BIT(51) | BIT(0);
}
