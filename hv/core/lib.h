/*
 * lib.h: hv's small C library: klib (include/klib/klib.h: string
 * functions, vsnprintf, parse_u64; shared with the guests) and the
 * console (console.c).
 */
#ifndef HV_CORE_LIB_H
#define HV_CORE_LIB_H

#include <stdarg.h>
#include "include/hvlab/types.h"
#include "include/klib/klib.h"

/* Console on COM1 (0x3f8). printk writes one whole message under a lock so
 * lines from different CPUs do not interleave. */
void console_init(void);
void console_write(const char *s, size_t n);
void printk(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void vprintk(const char *fmt, va_list ap);

#endif
