/*
 * collect.h: the two transports `hvtrace collect` reads (collect.c parses
 * the command line and calls one of them).
 *
 *   shared RAM (QEMU memory-backend-file,share=on): collect_shm.c
 *   port stream (Bochs: header once, then 64-byte records in drain order,
 *   each CPU's in seq order, T4): collect_stream.c
 * Both place records by seq (assemble.h) and write OUT atomically.
 */
#ifndef HVLAB_HVTRACE_COLLECT_H
#define HVLAB_HVTRACE_COLLECT_H

#include "../hvt_format.h"

struct collect_opts {
	const char *mem, *stream, *out;
	u64 key;
	int have_key;
	double timeout;      /* s without progress before giving up (shm) */
	long pid;            /* QEMU's pid: its exit ends the run (0 = none) */
	int quiet;
};

int collect_shm(const struct collect_opts *o);
int collect_stream(const struct collect_opts *o);

#endif
