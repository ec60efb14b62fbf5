/*
 * string.c: the <string.h> functions of klib.h, byte by byte but for
 * memset. Simple on purpose: hv and the guests copy little, and a byte
 * loop is easy to trust. (The build passes -fno-builtin, so GCC does not
 * turn these loops back into calls to themselves.)
 */
#include "include/klib/klib.h"

/* A u64 that may alias any object (memset's bytes belong to any type). */
typedef u64 __attribute__((may_alias)) u64_any;

/*
 * memset stores 8 bytes at a time once the destination is 8-byte aligned:
 * hv zeroes every page it allocates with it, the whole guest RAM included
 * (1 GiB in check-huge-bochs), and under Bochs or QEMU TCG each
 * instruction counts: a byte loop took 8 times as many.
 */
void *memset(void *dst, int c, size_t n)
{
	u8 *d = dst;
	u64 pattern = 0x0101010101010101ull * (u8)c;

	for (; n && ((uintptr_t)d & 7); n--)
		*d++ = (u8)c;
	for (; n >= 8; n -= 8, d += 8)
		*(u64_any *)d = pattern;
	while (n--)
		*d++ = (u8)c;
	return dst;
}

void *memcpy(void *dst, const void *src, size_t n)
{
	u8 *d = dst;
	const u8 *s = src;

	while (n--)
		*d++ = *s++;
	return dst;
}

/* Overlap-safe: copy forwards when the destination is below the source,
 * backwards otherwise, so no byte is overwritten before it is read. */
void *memmove(void *dst, const void *src, size_t n)
{
	u8 *d = dst;
	const u8 *s = src;

	if (d < s)
		return memcpy(dst, src, n);
	while (n--)
		d[n] = s[n];
	return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const u8 *x = a, *y = b;

	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x < *y ? -1 : 1;
	return 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

/* Compares as unsigned char, like C's; stops at the first NUL or n. */
int strncmp(const char *a, const char *b, size_t n)
{
	for (; n; n--, a++, b++) {
		if (*a != *b)
			return (u8)*a < (u8)*b ? -1 : 1;
		if (!*a)
			return 0;
	}
	return 0;
}
