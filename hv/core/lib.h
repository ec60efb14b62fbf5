/*
 * lib.h: hv's small C library: string functions (string.c), formatted
 * output (printf.c), and the console (console.c).
 */
#ifndef HV_CORE_LIB_H
#define HV_CORE_LIB_H

#include <stdarg.h>
#include "include/hvlab/types.h"

void  *memset(void *dst, int c, size_t n);
void  *memcpy(void *dst, const void *src, size_t n);
void  *memmove(void *dst, const void *src, size_t n);
int    memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int    strncmp(const char *a, const char *b, size_t n);

/* %d %u %x %s %c %p %%, with l/ll, width and 0 padding. */
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Console on COM1 (0x3f8). printk writes one whole message under a lock so
 * lines from different CPUs do not interleave. */
void console_init(void);
void console_write(const char *s, size_t n);
void printk(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void vprintk(const char *fmt, va_list ap);

/* Parse an unsigned number (decimal, or hex with 0x); returns chars used. */
int parse_u64(const char *s, u64 *out);

#endif
