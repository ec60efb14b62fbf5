/*
 * klib.h: the small C library that hv (hv/) and the test guests (guests/)
 * both link: <string.h>'s memory and string functions, vsnprintf and a
 * number parser. Freestanding: no libc, no heap, no global state, no
 * floating point; every function is safe to call from any CPU at once.
 * Why one folder for both programs: README.md.
 *
 *   string.c  memset memcpy memmove memcmp strlen strncmp
 *   format.c  vsnprintf snprintf
 *   number.c  parse_u64
 *
 * Beside it: uart.h (the serial console's UART) and insn.h (port I/O, MSRs, PAUSE).
 */
#ifndef KLIB_KLIB_H
#define KLIB_KLIB_H

#include <stdarg.h>
#include "include/hvlab/types.h"

/* GCC may emit calls to memset/memcpy/memmove/memcmp on its own (struct
 * copies, initializers) even with -ffreestanding, so these must exist. */
void  *memset(void *dst, int c, size_t n);
void  *memcpy(void *dst, const void *src, size_t n);
void  *memmove(void *dst, const void *src, size_t n);
int    memcmp(const void *a, const void *b, size_t n);   /* -1, 0 or 1 */
size_t strlen(const char *s);
int    strncmp(const char *a, const char *b, size_t n);

/*
 * vsnprintf: C99's, for the conversions %d %i %u %x %X %p %s %c %%, the
 * flags '0' (zero padding) and '#' (0x before a non-zero %x/%X), a field
 * width, and the length modifiers l, ll and z. Writes at most size-1
 * characters plus a NUL (nothing if size is 0) and returns the length
 * the whole output would have, as C99 does. Not supported: '-', '+',
 * ' ', precision, '*', %o, %n, floating point; an unknown conversion is
 * printed as it stands.
 */
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * parse_u64: an unsigned number at the start of s, decimal or hex after
 * "0x"/"0X". Stores it in *out and returns how many characters it used
 * (0: no digit; for "0x" alone, 1: the "0"). Overflow wraps (mod 2^64).
 */
int parse_u64(const char *s, u64 *out);

#endif
