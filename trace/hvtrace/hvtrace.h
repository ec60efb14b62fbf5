/*
 * hvtrace.h: what the hvtrace subcommands share: their entry points and
 * the error convention.
 *
 * Every subcommand is one file (dump.c, import.c, ...) with one entry point
 * `int cmd_NAME(int argc, char **argv)` that returns the process exit status:
 * 0 success, 1 the input is bad or an invariant does not hold, 2 usage error.
 * Messages go to stderr prefixed "hvtrace NAME: "; a bad input names the
 * file, the byte offset and what was expected (reader.h).
 */
#ifndef HVLAB_HVTRACE_H
#define HVLAB_HVTRACE_H

#include "../hvt_format.h"

#define EXIT_BAD   1
#define EXIT_USAGE 2

int cmd_dump(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_collect(int argc, char **argv);
int cmd_synth(int argc, char **argv);

/* "hvtrace CMD: <message>\n" on stderr; returns EXIT_BAD. */
int hvt_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Usage line on stderr; returns EXIT_USAGE. */
int hvt_usage(const char *usage);
/* Parse a decimal or 0x-hex u64; returns 0 on success. */
int hvt_parse_u64(const char *s, u64 *out);

#endif
