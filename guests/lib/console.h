/*
 * console.h: the guest console, COM1 (0x3f8) polled. hv passes COM1
 * through, so the same code works under hvlab and natively.
 *
 * printf formats with klib's vsnprintf (include/klib/klib.h, shared
 * with hv): %d %i %u %x %X %p %s %c %% with the length modifiers l, ll
 * and z, a field width and the flags '0' and '#' (%08x, %#lx). One
 * printf call is one locked write, so lines from several CPUs do not
 * interleave.
 */
#ifndef GUEST_CONSOLE_H
#define GUEST_CONSOLE_H

#include <stdarg.h>
#include "include/hvlab/types.h"
#include "include/klib/klib.h"

void console_init(void);
void console_write(const char *s, size_t len);
void console_flush(void);
int  printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
