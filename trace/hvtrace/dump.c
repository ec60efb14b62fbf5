/*
 * dump.c: `hvtrace dump TRACE.hvt [--from SEQ] [--count N]`: one line per
 * event, SPTEs decoded (like trace-cmd report). A header block first.
 */
#include <stdio.h>
#include <string.h>
#include "hvtrace.h"
#include "reader.h"
#include "record_str.h"

static void print_header(const struct hvt_stream_header *h)
{
	static const char *const vendors[] = { "host", "vmx", "svm" };
	static const char *const modes[] = { "?", "tdp", "shadow" };

	printf("# hvtrace v%u vendor=%s mmu=%s ad=%u vcpus=%u tsc_hz=%llu records=%llu "
	       "dropped=%llu\n# scenario: %s\n", h->version, vendors[h->vendor],
	       modes[h->mmu_mode], h->ad_enabled, h->nr_vcpus,
	       (unsigned long long)h->tsc_hz, (unsigned long long)h->record_count,
	       (unsigned long long)h->dropped, h->scenario);
	printf("#%9s %-7s %16s %-12s %s\n", "seq", "cpu", "tsc", "event", "details");
}

static const char usage[] = "dump TRACE.hvt [--from SEQ] [--count N]";

static int parse(int argc, char **argv, const char **path, u64 *from, u64 *count)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--from") && i + 1 < argc) {
			if (hvt_parse_u64(argv[++i], from))
				return -1;
		} else if (!strcmp(argv[i], "--count") && i + 1 < argc) {
			if (hvt_parse_u64(argv[++i], count))
				return -1;
		} else if (!*path) {
			*path = argv[i];
		} else {
			return -1;
		}
	}
	return *path ? 0 : -1;
}

int cmd_dump(int argc, char **argv)
{
	const char *path = NULL;
	u64 from = 0, count = ~0ull;
	struct hvt_reader r;
	struct hvt_record rec;
	char line[1024];
	int rc = 0;

	if (parse(argc, argv, &path, &from, &count))
		return hvt_usage(usage);
	if (hvt_reader_open(&r, path, 1))
		return hvt_error("dump", "%s", r.err);
	print_header(&r.hdr);
	while (count && (rc = hvt_reader_next(&r, &rec)) > 0) {
		if (rec.seq < from)
			continue;
		puts(hvt_record_str(&r.hdr, &rec, line, sizeof(line)));
		count--;
	}
	if (rc < 0) {
		fflush(stdout);
		rc = hvt_error("dump", "%s", r.err);
	} else {
		rc = 0;
	}
	hvt_reader_close(&r);
	return rc;
}
