/*
 * string_test.c: host unit test of klib's string functions and number
 * parser (include/klib/string.c, number.c), under ASan/UBSan. klib's
 * functions are renamed klib_* here so they do not replace the host
 * libc's; each result is compared with what C's own functions give.
 * Prints one "TEST klib_string.<case> PASS|FAIL" line each.
 */
#define memset  klib_memset
#define memcpy  klib_memcpy
#define memmove klib_memmove
#define memcmp  klib_memcmp
#define strlen  klib_strlen
#define strncmp klib_strncmp
#include "../string.c"
#include "../number.c"
#undef memset
#undef memcpy
#undef memmove
#undef memcmp
#undef strlen
#undef strncmp

#include <stdio.h>
#include <string.h>

static int failures;

#define T(name, cond, ...) do { \
	bool ok_ = (cond); \
	printf("TEST klib_string.%s %s %s:%d ", name, ok_ ? "PASS" : "FAIL", __FILE__, __LINE__); \
	printf(__VA_ARGS__); \
	printf("\n"); \
	failures += !ok_; \
} while (0)

static int sign(int x) { return (x > 0) - (x < 0); }

static void test_mem(void)
{
	u8 a[64], b[64];

	for (int i = 0; i < 64; i++)
		a[i] = (u8)(i * 7 + 1);
	memset(b, 0x5a, sizeof(b));
	T("memset_value", klib_memset(b + 3, 0x1ff, 10) == b + 3 && b[2] == 0x5a && b[3] == 0xff &&
	  b[12] == 0xff && b[13] == 0x5a, "b[2..13] %02x %02x %02x %02x", b[2], b[3], b[12], b[13]);
	/* Every start alignment and length around the 8-byte stores, against
	 * libc's memset, with guard bytes on both sides. */
	int bad_case = -1;
	for (int off = 0; off < 8 && bad_case < 0; off++)
		for (int len = 0; len <= 40; len++) {
			u8 got[64], want_[64];
			memset(got, 0x33, sizeof(got)), memset(want_, 0x33, sizeof(want_));
			klib_memset(got + off, 0xc4, (size_t)len), memset(want_ + off, 0xc4, (size_t)len);
			if (memcmp(got, want_, sizeof(got))) {
				bad_case = off * 100 + len;
				break;
			}
		}
	T("memset_align", bad_case < 0, "offsets 0..7 x lengths 0..40, first wrong (off*100+len): %d", bad_case);
	T("memcpy", klib_memcpy(b, a, 40) == b && memcmp(a, b, 40) == 0 && b[40] == 0x5a, "40 bytes");
	/* Overlap both ways: the result must equal libc's memmove on a copy. */
	u8 want[64];
	memcpy(b, a, 64), memcpy(want, a, 64);
	klib_memmove(b + 5, b, 50), memmove(want + 5, want, 50);
	T("memmove_up", memcmp(b, want, 64) == 0, "dst above src");
	memcpy(b, a, 64), memcpy(want, a, 64);
	klib_memmove(b, b + 9, 50), memmove(want, want + 9, 50);
	T("memmove_down", memcmp(b, want, 64) == 0, "dst below src");
	T("memmove_zero", klib_memmove(b, a, 0) == b, "n = 0");
	u8 x[4] = { 1, 2, 0x80, 4 }, y[4] = { 1, 2, 0x7f, 4 };
	T("memcmp", klib_memcmp(x, y, 4) == 1 && klib_memcmp(y, x, 4) == -1 &&
	  klib_memcmp(x, x, 4) == 0 && klib_memcmp(x, y, 2) == 0 && klib_memcmp(x, y, 0) == 0,
	  "0x80 vs 0x7f compares unsigned");
}

static void test_str(void)
{
	T("strlen", klib_strlen("") == 0 && klib_strlen("mmu=shadow") == 10, "");
	static const struct { const char *a, *b; size_t n; } c[] = {
		{ "mmu=tdp", "mmu=tdp", 7 }, { "mmu=tdp", "mmu=tda", 7 }, { "mmu=tdp", "mmu=tdp", 3 },
		{ "abc", "abd", 2 }, { "ab", "abc", 3 }, { "abc", "ab", 3 }, { "a\x80", "a\x7f", 2 },
		{ "", "", 5 }, { "x", "y", 0 },
	};
	int bad = -1;
	for (size_t i = 0; i < ARRAY_SIZE(c); i++)
		if (klib_strncmp(c[i].a, c[i].b, c[i].n) != sign(strncmp(c[i].a, c[i].b, c[i].n)))
			bad = (int)i;
	T("strncmp", bad < 0, "%zu cases, first differing from libc: %d", ARRAY_SIZE(c), bad);
}

static void test_parse(void)
{
	static const struct { const char *s; u64 v; int used; } c[] = {
		{ "0", 0, 1 }, { "42", 42, 2 }, { "42M", 42, 2 }, { "0x1F", 0x1f, 4 },
		{ "0Xff,", 0xff, 4 }, { "18446744073709551615", ~0ull, 20 },
		{ "0xffffffffffffffff", ~0ull, 18 }, { "", 0, 0 }, { "x1", 0, 0 },
		{ "0x", 0, 1 }, { "0xg", 0, 1 }, { "12ab", 12, 2 },
	};
	for (size_t i = 0; i < ARRAY_SIZE(c); i++) {
		u64 v = 12345;
		int used = parse_u64(c[i].s, &v);
		char name[40];
		snprintf(name, sizeof(name), "parse_u64_%zu", i);
		T(name, v == c[i].v && used == c[i].used, "\"%s\" -> %llu used %d (want %llu used %d)",
		  c[i].s, (unsigned long long)v, used, (unsigned long long)c[i].v, c[i].used);
	}
}

int main(void)
{
	test_mem();
	test_str();
	test_parse();
	printf("%d string cases failed\n", failures);
	return failures != 0;
}
