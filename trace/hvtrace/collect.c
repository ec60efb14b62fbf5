/*
 * collect.c: `hvtrace collect`: gather a run's records into one .hvt file.
 *
 *   hvtrace collect --mem RAMFILE --key 0xKEY --out OUT.hvt [--timeout S] [--pid PID]
 *   hvtrace collect --stream FILE --out OUT.hvt
 */
#include <stdlib.h>
#include <string.h>
#include "collect.h"
#include "hvtrace.h"

static const char usage[] =
	"collect --mem RAMFILE --key 0xKEY --out OUT.hvt [--timeout S] [--pid PID] [--quiet]\n"
	"       hvtrace collect --stream FILE --out OUT.hvt";

static int parse(int argc, char **argv, struct collect_opts *o)
{
	for (int i = 1; i < argc; i++) {
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		u64 n;

		if (!strcmp(argv[i], "--quiet")) { o->quiet = 1; continue; }
		if (!v) return -1;
		if (!strcmp(argv[i], "--mem")) o->mem = v;
		else if (!strcmp(argv[i], "--stream")) o->stream = v;
		else if (!strcmp(argv[i], "--out")) o->out = v;
		else if (!strcmp(argv[i], "--key") && !hvt_parse_u64(v, &o->key)) o->have_key = 1;
		else if (!strcmp(argv[i], "--timeout")) o->timeout = atof(v);
		else if (!strcmp(argv[i], "--pid") && !hvt_parse_u64(v, &n)) o->pid = (long)n;
		else return -1;
		i++;
	}
	if (!o->out || !o->mem == !o->stream || (o->mem && !o->have_key) || o->timeout < 0)
		return -1;
	return 0;
}

int cmd_collect(int argc, char **argv)
{
	struct collect_opts o = { .timeout = 10 };

	if (parse(argc, argv, &o))
		return hvt_usage(usage);
	return o.mem ? collect_shm(&o) : collect_stream(&o);
}
