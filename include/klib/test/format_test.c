/*
 * format_test.c: host unit test of klib's vsnprintf (include/klib/format.c,
 * the one hv and the guests both link), built with the host compiler under
 * ASan/UBSan. Each case formats with klib's code and with libc's and
 * expects both to equal the wanted text; prints one
 * "TEST klib_format.<case> PASS|FAIL" line each.
 */
#define vsnprintf klib_vsnprintf
#define snprintf  klib_snprintf
#include "../format.c"
#undef vsnprintf
#undef snprintf

#include <stdio.h>
#include <string.h>

static int failures;

static void check_at(int line, const char *name, const char *want, size_t size, const char *fmt, ...)
{
	char got[128], ref[128];
	va_list ap, ap2;

	va_start(ap, fmt);
	va_copy(ap2, ap);
	int n = klib_vsnprintf(got, size, fmt, ap);
	int m = vsnprintf(ref, size, fmt, ap2);
	va_end(ap2);
	va_end(ap);
	bool ok = strcmp(got, want) == 0 && strcmp(ref, want) == 0 && n == m;
	printf("TEST klib_format.%s %s %s:%d got \"%s\" (%d) libc \"%s\" (%d) want \"%s\"\n",
	       name, ok ? "PASS" : "FAIL", __FILE__, line, got, n, ref, m, want);
	failures += !ok;
}

#define check(...) check_at(__LINE__, __VA_ARGS__)

int main(void)
{
	check("int", "-42 17", 128, "%d %i", -42, 17);
	check("int_min", "-2147483648", 128, "%d", (int)0x80000000);
	check("long_min", "-9223372036854775808", 128, "%ld", (long)(1ull << 63));
	check("unsigned", "4294967295", 128, "%u", 0xffffffffu);
	check("hex", "dead BEEF", 128, "%x %X", 0xdead, 0xbeef);
	check("hex_long", "123456789abcdef0", 128, "%lx", 0x123456789abcdef0ul);
	check("hex_llong", "ffffffffffffffff", 128, "%llx", ~0ull);
	check("zero_pad", "00000abc|0000000000000001", 128, "%08x|%016lx", 0xabc, 1ul);
	check("width", "   42|  -7|   hi", 128, "%5d|%4d|%5s", 42, -7, "hi");
	check("neg_zero_pad", "-0042", 128, "%05d", -42);
	check("string_char", "a-b-%", 128, "%s-%c-%%", "a", 'b');
	check("pointer", "0x1000", 128, "%p", (void *)0x1000);
	check("zero", "0 0", 128, "%d %x", 0, 0);
	check("truncate", "hell", 5, "%s", "hello world");
	check("size_one", "", 1, "%d", 12345);
	check("empty", "", 128, "%s", "");
	check("neg_space_pad", "  -42|-0000042", 128, "%5d|%08ld", -42, -42l);
	check("size_t", "4096 ffffffffffffffff", 128, "%zu %zx", (size_t)4096, ~(size_t)0);
	check("alt_hex", "0xabc 0XABC 0 0x00000abc", 128, "%#x %#X %#x %#010x", 0xabc, 0xabc, 0, 0xabc);
	check("alt_hex_width", "     0xabc", 128, "%#10lx", 0xabcul);
	check("null_string", "(null)", 128, "%s", (char *)NULL);
	check("unsigned_long", "18446744073709551615", 128, "%lu", ~0ul);
	check("percent_end", "50%", 128, "50%%");
	printf("%d format cases failed\n", failures);
	return failures != 0;
}
