/*
 * fuzz_reader.c: libFuzzer target for the trace decoder: the bytes are a
 * .hvt file; the reader checks it (V1..V4) and every record it accepts is
 * formatted as hvtrace dump would (SPTEs decoded with the header's masks).
 * Built with clang -fsanitize=fuzzer,address,undefined; check-trace runs it
 * for a bounded time from a seed corpus of small synthetic traces.
 */
#include <stdio.h>
#include "../hvtrace/reader.h"
#include "../hvtrace/record_str.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct hvt_reader r;
	struct hvt_record rec;
	char line[1024];
	FILE *f;

	if (size == 0 || !(f = fmemopen((void *)data, size, "rb")))
		return 0;
	if (hvt_reader_open_file(&r, f, "fuzz", 1) == 0) {
		while (hvt_reader_next(&r, &rec) > 0)
			hvt_record_str(&r.hdr, &rec, line, sizeof(line));
		hvt_reader_close(&r);
	}
	fclose(f);
	return 0;
}
