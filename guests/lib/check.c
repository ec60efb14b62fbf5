/*
 * check.c: print check lines and count failures (shared by all CPUs).
 */
#include <stdarg.h>
#include "check.h"
#include "console.h"
#include "include/hvlab/atomic.h"

static volatile u32 nr_failed;

bool check_report(const char *name, bool ok, const char *file, int line,
		  const char *fmt, ...)
{
	char detail[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	if (!ok)
		atomic_fetch_add32(&nr_failed, 1);
	/* A passing CHECK's detail is just its condition: leave it out. */
	if (ok && fmt[0] == '%' && fmt[1] == 's' && !fmt[2])
		printf("TEST %s PASS %s:%d\n", name, file, line);
	else
		printf("TEST %s %s %s:%d %s\n", name, ok ? "PASS" : "FAIL", file, line, detail);
	return ok;
}

int check_failures(void)
{
	return (int)atomic_load32_acquire(&nr_failed);
}

int check_exit_code(void)
{
	return check_failures() ? 1 : 0;
}
