/*
 * checkpoint.c: store and restore replay checkpoints (see checkpoint.h).
 */
#include "checkpoint.h"

#include <stdlib.h>
#include <string.h>

static const char ckpt_schema[] =
	"CREATE TABLE IF NOT EXISTS tui_checkpoints("
	" seq INTEGER PRIMARY KEY, live INTEGER NOT NULL,"
	" counters BLOB NOT NULL, state BLOB NOT NULL);"
	"CREATE TABLE IF NOT EXISTS tui_checkpoint_info("
	" key TEXT PRIMARY KEY, value INTEGER NOT NULL);";

static s64 info_get(sqlite3 *db, const char *key)
{
	sqlite3_stmt *st;
	s64 v = -1;

	if (sqlite3_prepare_v2(db, "SELECT value FROM tui_checkpoint_info WHERE key = ?1",
			       -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static int info_set(sqlite3 *db, const char *key, s64 v)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO tui_checkpoint_info VALUES(?1, ?2)",
			       -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, v);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* True if the cached set was built for this trace with these parameters. */
static bool cached_set_matches(const struct ckpt_set *ck, s64 last_seq)
{
	return info_get(ck->db, "version") == CKPT_VERSION &&
	       info_get(ck->db, "interval") == ck->interval &&
	       info_get(ck->db, "first_seq") == ck->first_seq &&
	       info_get(ck->db, "last_seq") == last_seq &&
	       info_get(ck->db, "counters_size") == (s64)ck->counters_size;
}

static s64 count_for(const struct ckpt_set *ck, s64 last_seq)
{
	return last_seq < ck->first_seq ? 1 : (last_seq - ck->first_seq) / ck->interval + 1;
}

int ckpt_open(struct ckpt_set *ck, sqlite3 *db, bool writable, s64 first_seq,
	      s64 last_seq, s64 interval, size_t counters_size)
{
	memset(ck, 0, sizeof(*ck));
	ck->db = db;
	ck->first_seq = first_seq < 0 ? 0 : first_seq;
	ck->interval = interval > 0 ? interval : CKPT_DEFAULT_INTERVAL;
	ck->counters_size = counters_size;
	if (cached_set_matches(ck, last_seq)) { /* readable even when read-only */
		ck->in_db = true;
		ck->count = count_for(ck, last_seq);
		return 1;
	}
	/* Built in memory, written to the database in one short transaction
	 * when complete (ckpt_end): no write lock is held during the build. */
	ck->persist = writable;
	ck->mem = calloc((size_t)count_for(ck, last_seq), sizeof(*ck->mem));
	return ck->mem ? 0 : -1;
}

int ckpt_begin(struct ckpt_set *ck)
{
	ck->count = 0;
	return 0;
}

static int put_db(struct ckpt_set *ck, s64 seq, const struct spte_entry *e, size_t live,
		  const void *counters)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(ck->db, "INSERT INTO tui_checkpoints VALUES(?1, ?2, ?3, ?4)",
			       -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, seq);
	sqlite3_bind_int64(st, 2, (s64)live);
	sqlite3_bind_blob(st, 3, counters, (int)ck->counters_size, SQLITE_STATIC);
	sqlite3_bind_blob64(st, 4, live ? (const void *)e : "", live * sizeof(*e), SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

int ckpt_put(struct ckpt_set *ck, s64 seq, const struct spte_map *m, const void *counters)
{
	struct spte_entry *e = malloc((m->count ? m->count : 1) * sizeof(*e));
	struct ckpt_mem *cm;

	(void)seq; /* checkpoint ck->count is at ckpt_seq(ck, ck->count) */
	if (!e || ck->in_db)
		goto fail;
	spte_map_export(m, e, true);
	cm = &ck->mem[ck->count];
	cm->counters = malloc(ck->counters_size);
	if (!cm->counters)
		goto fail;
	cm->state = e;
	cm->live = m->count;
	memcpy(cm->counters, counters, ck->counters_size);
	ck->count++;
	return 0;
fail:
	free(e);
	return -1;
}

/* Writes the in-memory set into the database, all or nothing. */
static int persist(struct ckpt_set *ck, s64 last_seq)
{
	s64 i;
	int err;

	if (sqlite3_exec(ck->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return -1;
	err = sqlite3_exec(ck->db, ckpt_schema, NULL, NULL, NULL) != SQLITE_OK ||
	      sqlite3_exec(ck->db, "DELETE FROM tui_checkpoints; DELETE FROM tui_checkpoint_info;",
			   NULL, NULL, NULL) != SQLITE_OK;
	for (i = 0; !err && i < ck->count; i++)
		err = put_db(ck, ckpt_seq(ck, i), ck->mem[i].state, ck->mem[i].live,
			     ck->mem[i].counters);
	err = err || info_set(ck->db, "version", CKPT_VERSION) ||
	      info_set(ck->db, "interval", ck->interval) ||
	      info_set(ck->db, "first_seq", ck->first_seq) ||
	      info_set(ck->db, "last_seq", last_seq) ||
	      info_set(ck->db, "counters_size", (s64)ck->counters_size) ||
	      sqlite3_exec(ck->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK;
	if (err)
		sqlite3_exec(ck->db, "ROLLBACK", NULL, NULL, NULL);
	return err ? -1 : 0;
}

/* The set is complete; caches it when the database is writable. A database
 * that cannot take it (busy, full) leaves it in memory: still 0. */
int ckpt_end(struct ckpt_set *ck, s64 last_seq)
{
	if (ck->persist)
		ck->persisted = persist(ck, last_seq) == 0;
	return 0;
}

s64 ckpt_index(const struct ckpt_set *ck, s64 seq)
{
	s64 i = seq <= ck->first_seq ? 0 : (seq - ck->first_seq) / ck->interval;

	return i < ck->count ? i : ck->count - 1;
}

s64 ckpt_seq(const struct ckpt_set *ck, s64 index)
{
	return ck->first_seq + index * ck->interval;
}

static int fill_map(struct spte_map *m, const struct spte_entry *e, size_t live)
{
	size_t i;

	spte_map_clear(m);
	for (i = 0; i < live; i++) {
		if (spte_map_put(m, e[i].sptep, e[i].value, e[i].gfn, (unsigned)e[i].level))
			return -1;
	}
	return 0;
}

static int load_db(struct ckpt_set *ck, s64 index, struct spte_map *m, void *counters)
{
	const void *blob;
	size_t live;
	int rc = -1;

	if (!ck->get && sqlite3_prepare_v2(ck->db, "SELECT live, counters, state FROM"
					   " tui_checkpoints WHERE seq = ?1", -1, &ck->get,
					   NULL) != SQLITE_OK)
		return -1;
	sqlite3_reset(ck->get);
	sqlite3_bind_int64(ck->get, 1, ckpt_seq(ck, index));
	if (sqlite3_step(ck->get) != SQLITE_ROW)
		return -1;
	live = (size_t)sqlite3_column_int64(ck->get, 0);
	blob = sqlite3_column_blob(ck->get, 1);
	if (blob && (size_t)sqlite3_column_bytes(ck->get, 1) == ck->counters_size) {
		memcpy(counters, blob, ck->counters_size);
		blob = sqlite3_column_blob(ck->get, 2);
		if ((size_t)sqlite3_column_bytes(ck->get, 2) == live * sizeof(struct spte_entry))
			rc = fill_map(m, blob, live);
	}
	sqlite3_reset(ck->get);
	return rc;
}

int ckpt_load(struct ckpt_set *ck, s64 index, struct spte_map *m, void *counters)
{
	if (index < 0 || index >= ck->count)
		return -1;
	if (ck->in_db)
		return load_db(ck, index, m, counters);
	memcpy(counters, ck->mem[index].counters, ck->counters_size);
	return fill_map(m, ck->mem[index].state, ck->mem[index].live);
}

void ckpt_close(struct ckpt_set *ck)
{
	s64 i;

	sqlite3_finalize(ck->get);
	if (ck->mem) {
		for (i = 0; i < ck->count; i++) {
			free(ck->mem[i].counters);
			free(ck->mem[i].state);
		}
		free(ck->mem);
	}
	memset(ck, 0, sizeof(*ck));
}
