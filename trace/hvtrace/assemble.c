/*
 * assemble.c: placement of records by seq into a mapped file (assemble.h).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "assemble.h"

#define X(v) ((unsigned long long)(v))

int hvt_asm_open(struct hvt_asm *a, const char *path)
{
	size_t n = strlen(path) + 32;

	memset(a, 0, sizeof(*a));
	a->final_path = strdup(path);
	a->tmp_path = malloc(n);
	snprintf(a->tmp_path, n, "%s.tmp.%d", path, (int)getpid());
	a->fd = open(a->tmp_path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (a->fd < 0) {
		snprintf(a->err, sizeof(a->err), "%s: cannot create: %m", a->tmp_path);
		return -1;
	}
	return 0;
}

/* Make slot seq addressable: grow the file and its mapping, and the bitmap. */
static int reserve(struct hvt_asm *a, u64 seq)
{
	u64 need = HVT_HEADER_SIZE + (seq + 1) * HVT_RECORD_SIZE, bytes;

	if (need > a->map_bytes) {
		bytes = a->map_bytes ? a->map_bytes : 1 << 20;
		while (bytes < need)
			bytes *= 2;
		if (a->map)
			munmap(a->map, a->map_bytes);
		a->map = NULL;
		if (ftruncate(a->fd, bytes))
			return -1;
		a->map = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, a->fd, 0);
		if (a->map == MAP_FAILED)
			return a->map = NULL, -1;
		a->map_bytes = bytes;
	}
	if (seq / 8 >= a->seen_bytes) {
		u64 nb = a->seen_bytes ? a->seen_bytes : 4096;
		u8 *p;

		while (nb <= seq / 8)
			nb *= 2;
		if (!(p = realloc(a->seen, nb)))
			return -1;
		memset(p + a->seen_bytes, 0, nb - a->seen_bytes);
		a->seen = p;
		a->seen_bytes = nb;
	}
	return 0;
}

int hvt_asm_put(struct hvt_asm *a, const struct hvt_record *rec)
{
	u64 s = rec->seq;

	if (s >= HVT_ASM_MAX_SEQ)
		return snprintf(a->err, sizeof(a->err), "expected a seq below 2^36, found %llu "
				"(corrupt record)", X(s)), -1;
	if (reserve(a, s))
		return snprintf(a->err, sizeof(a->err), "%s: cannot grow: %m", a->tmp_path), -1;
	if (a->seen[s / 8] & (1u << (s % 8)))
		return snprintf(a->err, sizeof(a->err), "T1 violated: seq %llu arrived twice", X(s)), -1;
	a->seen[s / 8] |= 1u << (s % 8);
	memcpy(a->map + HVT_HEADER_SIZE + s * HVT_RECORD_SIZE, rec, HVT_RECORD_SIZE);
	a->count++;
	if (s + 1 > a->end)
		a->end = s + 1;
	return 0;
}

int hvt_asm_expect(struct hvt_asm *a, u64 end)
{
	if (end <= a->end)
		return 0;
	if (end > HVT_ASM_MAX_SEQ || reserve(a, end - 1))
		return snprintf(a->err, sizeof(a->err), "%s: cannot grow to %llu records: %m",
				a->tmp_path, X(end)), -1;
	a->end = end;
	return 0;
}

static int has(const struct hvt_asm *a, u64 s) { return a->seen[s / 8] >> (s % 8) & 1; }

/* A2: move the filled slots down over the holes; returns the first hole. */
static u64 compact(struct hvt_asm *a)
{
	u64 to = 0, first_hole = ~0ull;
	u8 *recs = a->map + HVT_HEADER_SIZE;

	for (u64 s = 0; s < a->end; s++) {
		if (!has(a, s)) {
			if (first_hole == ~0ull)
				first_hole = s;
			continue;
		}
		if (to != s)
			memcpy(recs + to * HVT_RECORD_SIZE, recs + s * HVT_RECORD_SIZE, HVT_RECORD_SIZE);
		to++;
	}
	return first_hole;
}

int hvt_asm_commit(struct hvt_asm *a, struct hvt_stream_header *hdr)
{
	u64 missing = a->end - a->count, hole = missing ? compact(a) : ~0ull;
	int bad;

	hdr->record_count = a->count;
	if (!a->map && reserve(a, 0))
		return snprintf(a->err, sizeof(a->err), "%s: cannot grow: %m", a->tmp_path), -1;
	memcpy(a->map, hdr, sizeof(*hdr));
	bad = munmap(a->map, a->map_bytes) ||
	      ftruncate(a->fd, HVT_HEADER_SIZE + a->count * HVT_RECORD_SIZE) || close(a->fd);
	a->map = NULL;
	a->fd = -1;
	if (bad || rename(a->tmp_path, a->final_path)) {
		snprintf(a->err, sizeof(a->err), "%s: cannot write: %m", a->final_path);
		unlink(a->tmp_path);
		hvt_asm_abort(a);
		return -1;
	}
	if (missing > hdr->dropped)
		snprintf(a->err, sizeof(a->err), "T1 violated: %llu seq(s) missing (first %llu) but "
			 "only %llu dropped; %s written anyway for inspection",
			 X(missing), X(hole), X(hdr->dropped), a->final_path);
	hvt_asm_abort(a);
	return missing > hdr->dropped ? -1 : 0;
}

void hvt_asm_abort(struct hvt_asm *a)
{
	if (a->map)
		munmap(a->map, a->map_bytes);
	if (a->fd >= 0 && a->tmp_path) {
		close(a->fd);
		unlink(a->tmp_path);
	}
	a->fd = -1;
	a->map = NULL;
	free(a->seen);
	free(a->tmp_path);
	free(a->final_path);
	a->seen = NULL;
	a->tmp_path = a->final_path = NULL;
}
