/*
 * format_test.c: host unit test of the guest's vsnprintf (lib/format.c),
 * built with the host compiler under ASan/UBSan. Each case formats with
 * the guest's code and with libc's and expects both to equal the wanted
 * text; prints one "TEST guest_format.<case> PASS|FAIL" line each.
 */
#define vsnprintf guest_vsnprintf
#define snprintf  guest_snprintf
#define printf    guest_printf
#include "../format.c"
#undef vsnprintf
#undef snprintf
#undef printf

#include <stdio.h>
#include <string.h>

static int failures;

static void check_at(int line, const char *name, const char *want, size_t size, const char *fmt, ...)
{
	char got[128], ref[128];
	va_list ap, ap2;

	va_start(ap, fmt);
	va_copy(ap2, ap);
	int n = guest_vsnprintf(got, size, fmt, ap);
	int m = vsnprintf(ref, size, fmt, ap2);
	va_end(ap2);
	va_end(ap);
	bool ok = strcmp(got, want) == 0 && strcmp(ref, want) == 0 && n == m;
	printf("TEST guest_format.%s %s %s:%d got \"%s\" (%d) libc \"%s\" (%d) want \"%s\"\n",
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
	printf("%d format cases failed\n", failures);
	return failures != 0;
}
