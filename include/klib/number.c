/*
 * number.c: parse_u64 (klib.h), the one number parser behind hv's command
 * line (hv/core/config.c) and the guests' arguments (guests/lib/bootinfo.c).
 */
#include "include/klib/klib.h"

static int digit_value(char c, int base)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (base == 16 && c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (base == 16 && c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int parse_u64(const char *s, u64 *out)
{
	const char *p = s;
	int base = 10, d;
	u64 v = 0;

	/* "0x" counts only with a hex digit after it: "0x" alone is the 0. */
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X') && digit_value(p[2], 16) >= 0) {
		base = 16;
		p += 2;
	}
	for (; (d = digit_value(*p, base)) >= 0; p++)
		v = v * (u64)base + (u64)d;
	*out = v;
	return (int)(p - s);
}
