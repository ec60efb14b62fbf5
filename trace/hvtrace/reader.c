/*
 * reader.c: streaming .hvt reader (reader.h), checks V1..V4.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "reader.h"

static int fail(char *err, size_t n, const char *name, u64 offset, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static int fail(char *err, size_t n, const char *name, u64 offset, const char *fmt, ...)
{
	va_list ap;
	int len = snprintf(err, n, "%s: byte %llu: ", name, (unsigned long long)offset);

	va_start(ap, fmt);
	if (len >= 0 && (size_t)len < n)
		vsnprintf(err + len, n - len, fmt, ap);
	va_end(ap);
	return -1;
}

int hvt_header_check(const struct hvt_stream_header *h, const char *name,
		     char *err, size_t n)
{
	if (memcmp(h->magic, HVT_MAGIC, 8))
		return fail(err, n, name, 0, "expected magic \"HVTRACE\\0\" (an .hvt trace), "
			    "found %02x %02x %02x %02x ...", (u8)h->magic[0], (u8)h->magic[1],
			    (u8)h->magic[2], (u8)h->magic[3]);
	if (h->version != HVT_VERSION)
		return fail(err, n, name, 8, "expected format version %u, found version %u",
			    HVT_VERSION, h->version);
	if (h->header_size != HVT_HEADER_SIZE)
		return fail(err, n, name, 12, "expected header size %u, found %u",
			    HVT_HEADER_SIZE, h->header_size);
	if (h->record_size != HVT_RECORD_SIZE)
		return fail(err, n, name, 16, "expected record size %u, found %u",
			    HVT_RECORD_SIZE, h->record_size);
	if (h->vendor > HVT_VENDOR_SVM)
		return fail(err, n, name, 20, "expected vendor 0..2, found %u", h->vendor);
	if (h->mmu_mode > HVT_MMU_SHADOW)
		return fail(err, n, name, 21, "expected mmu_mode 0..2, found %u", h->mmu_mode);
	if (!memchr(h->scenario, 0, sizeof(h->scenario)))
		return fail(err, n, name, 248, "expected a NUL-terminated scenario string "
			    "within 256 bytes, found none");
	return 0;
}

static int read_header(struct hvt_reader *r)
{
	size_t got = fread(&r->hdr, 1, sizeof(r->hdr), r->f);

	if (got != sizeof(r->hdr))
		return fail(r->err, sizeof(r->err), r->name, got,
			    "expected a %u-byte header, found end of file (truncated)",
			    HVT_HEADER_SIZE);
	r->offset = HVT_HEADER_SIZE;
	return hvt_header_check(&r->hdr, r->name, r->err, sizeof(r->err));
}

int hvt_reader_open_file(struct hvt_reader *r, FILE *f, const char *name, int sorted)
{
	memset(r, 0, sizeof(*r));
	r->f = f;
	r->name = name;
	r->sorted = sorted;
	r->buf = malloc(HVT_READER_BATCH * sizeof(struct hvt_record));
	if (!r->buf) {
		snprintf(r->err, sizeof(r->err), "%s: out of memory", name);
		return -1;
	}
	if (read_header(r)) {
		hvt_reader_close(r);
		return -1;
	}
	return 0;
}

int hvt_reader_open(struct hvt_reader *r, const char *path, int sorted)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;

	if (!f) {
		memset(r, 0, sizeof(*r));
		snprintf(r->err, sizeof(r->err), "%s: cannot open: %m", path);
		return -1;
	}
	if (hvt_reader_open_file(r, f, path, sorted)) {
		if (f != stdin)
			fclose(f);
		return -1;
	}
	r->own_file = f != stdin;
	return 0;
}

/* Refill the batch; a partial record at the end is an error (V2). */
static int refill(struct hvt_reader *r)
{
	size_t bytes = fread(r->buf, 1, HVT_READER_BATCH * HVT_RECORD_SIZE, r->f);
	size_t part = bytes % HVT_RECORD_SIZE;

	r->nbuf = bytes / HVT_RECORD_SIZE;
	r->pos = 0;
	if (part && feof(r->f))
		return fail(r->err, sizeof(r->err), r->name, r->offset + r->nbuf * HVT_RECORD_SIZE,
			    "expected a whole %u-byte record (record %llu), found %zu bytes "
			    "(truncated)", HVT_RECORD_SIZE,
			    (unsigned long long)(r->index + r->nbuf), part);
	if (ferror(r->f))
		return fail(r->err, sizeof(r->err), r->name, r->offset, "read error");
	return 0;
}

/* V2, V4 on one record at r->offset. */
static int check_record(struct hvt_reader *r, const struct hvt_record *rec)
{
	if (rec->type == 0 || rec->type >= HVT_TYPE_MAX)
		return fail(r->err, sizeof(r->err), r->name, r->offset + 18,
			    "expected a record type 1..%d (record %llu, seq %llu), found %u",
			    HVT_TYPE_MAX - 1, (unsigned long long)r->index,
			    (unsigned long long)rec->seq, rec->type);
	if (rec->level > 5)
		return fail(r->err, sizeof(r->err), r->name, r->offset + 20,
			    "expected a level 0..5 (record %llu, seq %llu), found %u",
			    (unsigned long long)r->index, (unsigned long long)rec->seq, rec->level);
	if (r->sorted && r->index > 0 && rec->seq <= r->prev_seq)
		return fail(r->err, sizeof(r->err), r->name, r->offset,
			    "expected seq above %llu (records sorted by seq), found %llu (record %llu)",
			    (unsigned long long)r->prev_seq, (unsigned long long)rec->seq,
			    (unsigned long long)r->index);
	r->prev_seq = rec->seq;
	return 0;
}

/* V3: the file must not end early nor run past record_count. */
static int check_end(struct hvt_reader *r)
{
	u64 want = r->hdr.record_count;

	if (want && r->index < want)
		return fail(r->err, sizeof(r->err), r->name, r->offset,
			    "expected record %llu of %llu, found end of file (truncated)",
			    (unsigned long long)r->index, (unsigned long long)want);
	return 0;
}

int hvt_reader_next(struct hvt_reader *r, struct hvt_record *out)
{
	if (r->pos == r->nbuf) {
		if (refill(r))
			return -1;
		if (r->nbuf == 0)
			return check_end(r) ? -1 : 0;
	}
	if (r->hdr.record_count && r->index == r->hdr.record_count)
		return fail(r->err, sizeof(r->err), r->name, r->offset,
			    "expected end of file after %llu records (header record_count), "
			    "found more", (unsigned long long)r->hdr.record_count);
	*out = r->buf[r->pos];
	if (check_record(r, out))
		return -1;
	r->pos++;
	r->index++;
	r->offset += HVT_RECORD_SIZE;
	return 1;
}

void hvt_reader_close(struct hvt_reader *r)
{
	if (r->own_file && r->f)
		fclose(r->f);
	free(r->buf);
	r->buf = NULL;
	r->f = NULL;
}
