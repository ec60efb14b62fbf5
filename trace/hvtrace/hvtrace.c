/*
 * hvtrace.c: the host tool for hvlab traces. One subcommand per file;
 * this file only dispatches.
 *
 *   hvtrace dump    TRACE.hvt [--from SEQ] [--count N]   one line per event
 *   hvtrace import  TRACE.hvt DB                         into SQLite (schema.sql)
 *   hvtrace stats   TRACE.hvt                            counts and rates
 *   hvtrace check   TRACE.hvt                            T1 (no gap), T2 (SPTE chain)
 *   hvtrace export  --chrome TRACE.hvt OUT.json [--from SEQ] [--to SEQ]
 *   hvtrace collect --mem RAMFILE --key 0xKEY --out OUT.hvt [--timeout S] [--pid PID]
 *   hvtrace collect --stream FILE --out OUT.hvt
 *   hvtrace synth   --events N --out F.hvt [--seed S] [--vcpus V]
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hvtrace.h"

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *help;
};

static const struct command commands[] = {
	{ "dump",    cmd_dump,    "TRACE.hvt [--from SEQ] [--count N]" },
	{ "import",  cmd_import,  "TRACE.hvt DB" },
	{ "stats",   cmd_stats,   "TRACE.hvt" },
	{ "check",   cmd_check,   "TRACE.hvt" },
	{ "export",  cmd_export,  "--chrome TRACE.hvt OUT.json [--from SEQ] [--to SEQ]" },
	{ "collect", cmd_collect, "--mem RAMFILE --key 0xKEY --out OUT.hvt [--timeout S] [--pid PID]"
	                          " | --stream FILE --out OUT.hvt" },
	{ "synth",   cmd_synth,   "--events N --out F.hvt [--seed S] [--vcpus V]" },
};

int hvt_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "hvtrace %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return EXIT_BAD;
}

int hvt_usage(const char *usage)
{
	fprintf(stderr, "usage: hvtrace %s\n", usage);
	return EXIT_USAGE;
}

int hvt_parse_u64(const char *s, u64 *out)
{
	char *end;

	if (!s || !*s || *s == '-')
		return -1;
	errno = 0;
	*out = strtoull(s, &end, 0);
	return (errno || *end) ? -1 : 0;
}

static int help(void)
{
	fprintf(stderr, "usage: hvtrace COMMAND ARGS\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(stderr, "  hvtrace %-8s %s\n", commands[i].name, commands[i].help);
	return EXIT_USAGE;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return help();
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	return help();
}
