/*
 * check.h: in-guest checks, one parseable line each:
 *
 *   TEST <name> PASS <file>:<line> [detail]
 *   TEST <name> FAIL <file>:<line> [detail]
 *
 * CHECK(name, cond)            detail = the condition's text on failure
 * CHECK_EQ(name, got, want)    detail = "got 0x.. want 0x.." (u64 compare)
 * CHECKF(name, cond, fmt, ...) detail from a format
 * Names must be unique in a run and have no spaces. A guest's main ends
 * with "return check_exit_code();": 0 if every check passed, else 1.
 */
#ifndef GUEST_CHECK_H
#define GUEST_CHECK_H

#include "include/hvlab/types.h"

bool check_report(const char *name, bool ok, const char *file, int line,
		  const char *fmt, ...) __attribute__((format(printf, 5, 6)));
int check_failures(void);
int check_exit_code(void);

#define CHECK(name, cond) \
	check_report((name), (cond), __FILE__, __LINE__, "%s", #cond)

#define CHECKF(name, cond, ...) \
	check_report((name), (cond), __FILE__, __LINE__, __VA_ARGS__)

#define CHECK_EQ(name, got, want) ({ \
	u64 got_ = (u64)(got), want_ = (u64)(want); \
	check_report((name), got_ == want_, __FILE__, __LINE__, \
		     "got 0x%lx want 0x%lx", got_, want_); \
})

#endif
