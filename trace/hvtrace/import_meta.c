/*
 * import_meta.c: the stream header as rows of the meta table (schema.sql):
 * one key per header field, one 'spte.<field>' key per SPTE mask.
 */
#include <sqlite3.h>
#include <stddef.h>
#include "../hvt_format.h"

static const char *const vendor_names[] = { "host", "vmx", "svm" };
static const char *const mmu_names[] = { "none", "tdp", "shadow" };

struct spte_field { const char *key; size_t off; };

#define F(name) { "spte." #name, offsetof(struct hvt_spte_format, name) }
static const struct spte_field spte_fields[] = {
	F(present_mask), F(readable_mask), F(writable_mask), F(exec_mask), F(nx_mask),
	F(user_mask), F(accessed_mask), F(dirty_mask), F(huge_mask), F(pfn_mask),
	F(mmu_writable_mask), F(host_writable_mask), F(acc_track_mask),
	F(acc_track_saved_shift), F(mmio_mask), F(mmio_value), F(mmio_gen_mask),
	F(frozen_value), F(nonpresent_value),
};

static int put_int(sqlite3_stmt *st, const char *key, u64 v)
{
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)v);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

static int put_text(sqlite3_stmt *st, const char *key, const char *v)
{
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, v, -1, SQLITE_TRANSIENT);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

static int put_spte(sqlite3_stmt *st, const struct hvt_spte_format *f)
{
	int bad = 0;

	for (size_t i = 0; i < sizeof(spte_fields) / sizeof(spte_fields[0]); i++)
		bad |= put_int(st, spte_fields[i].key,
			       *(const u64 *)((const char *)f + spte_fields[i].off));
	bad |= put_int(st, "spte.format", f->format);
	bad |= put_int(st, "spte.levels", f->levels);
	return bad;
}

int hvt_import_meta(sqlite3 *db, const struct hvt_stream_header *h, const char *source,
		    u64 records)
{
	sqlite3_stmt *st;
	int bad = 0;

	if (sqlite3_prepare_v2(db, "INSERT INTO meta VALUES (?, ?)", -1, &st, NULL) != SQLITE_OK)
		return -1;
	bad |= put_int(st, "version", h->version);
	bad |= put_int(st, "vendor", h->vendor);
	bad |= put_text(st, "vendor_name", vendor_names[h->vendor]);
	bad |= put_int(st, "mmu_mode", h->mmu_mode);
	bad |= put_text(st, "mmu_name", mmu_names[h->mmu_mode]);
	bad |= put_int(st, "ad_enabled", h->ad_enabled);
	bad |= put_int(st, "nr_vcpus", h->nr_vcpus);
	bad |= put_int(st, "tsc_hz", h->tsc_hz);
	bad |= put_int(st, "record_count", records);
	bad |= put_int(st, "dropped", h->dropped);
	bad |= put_text(st, "scenario", h->scenario);
	bad |= put_text(st, "source", source);
	bad |= put_spte(st, &h->spte);
	sqlite3_finalize(st);
	return bad ? -1 : 0;
}
