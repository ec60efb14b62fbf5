/*
 * format.c: vsnprintf and snprintf (klib.h). hv prints through them
 * (printk, panic), the guests too (printf, the TEST lines).
 *
 * The output goes through put(), which stores a character only while it
 * fits and counts it either way: that gives C99's return value (the
 * length of the whole output) and the truncation rule in one place.
 */
#include "include/klib/klib.h"

struct out {
	char *buf;
	size_t size;
	size_t len;     /* characters produced so far, stored or not */
};

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void put_str(struct out *o, const char *s, int width)
{
	int n = 0;

	if (!s)
		s = "(null)";
	while (s[n])
		n++;
	for (; width > n; width--)
		put(o, ' ');
	while (*s)
		put(o, *s++);
}

/*
 * *v /= base, returning the remainder, for a base up to 16 with 32-bit
 * divisions only: a 32-bit (-m32) build has no libgcc to call for a 64-bit
 * division (__udivmoddi4), and guests/paging32 prints through this file.
 * Long division by 16-bit digits, high to low: each step divides
 * (remainder << 16 | digit), which is below 16 << 16, so it fits 32 bits.
 */
static unsigned divmod_small(u64 *v, unsigned base)
{
	u64 q = 0;
	u32 r = 0;

	for (int shift = 48; shift >= 0; shift -= 16) {
		u32 cur = (r << 16) | (u32)((*v >> shift) & 0xffff);
		q = (q << 16) | (cur / base);
		r = cur % base;
	}
	*v = q;
	return r;
}

/*
 * One number, right-aligned in width: [spaces] prefix [zeros] digits.
 * The prefix ("-", "0x" or "") counts in the width; zero padding goes
 * between it and the digits, space padding before it (as C does).
 */
static void put_num(struct out *o, u64 v, unsigned base, bool upper,
		    const char *prefix, int width, char pad)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int n = 0, plen = 0;

	do
		tmp[n++] = digits[divmod_small(&v, base)];
	while (v);
	while (prefix[plen])
		plen++;
	if (pad != '0')
		for (int w = n + plen; w < width; w++)
			put(o, ' ');
	for (int i = 0; i < plen; i++)
		put(o, prefix[i]);
	if (pad == '0')
		for (int w = n + plen; w < width; w++)
			put(o, '0');
	while (n)
		put(o, tmp[--n]);
}

/* An integer argument of the given length: 0 = int, 1 = long (also
 * size_t, %z), 2 = long long. */
static u64 arg_unsigned(va_list *ap, int lng)
{
	if (lng == 0)
		return va_arg(*ap, unsigned int);
	return lng == 1 ? va_arg(*ap, unsigned long) : va_arg(*ap, unsigned long long);
}

static s64 arg_signed(va_list *ap, int lng)
{
	if (lng == 0)
		return va_arg(*ap, int);
	return lng == 1 ? va_arg(*ap, long) : va_arg(*ap, long long);
}

/* One conversion starting after '%'; returns the rest of the format. */
static const char *convert(struct out *o, const char *f, va_list *ap)
{
	char pad = ' ';
	bool alt = false;
	int width = 0, lng = 0;

	for (;; f++) {
		if (*f == '0')
			pad = '0';
		else if (*f == '#')
			alt = true;
		else
			break;
	}
	while (*f >= '0' && *f <= '9')
		width = width * 10 + (*f++ - '0');
	if (*f == 'z')
		lng = 1, f++;
	while (*f == 'l' && lng < 2)
		lng++, f++;
	switch (*f) {
	case 'd': case 'i': {
		s64 v = arg_signed(ap, lng);
		/* -(u64)v: the magnitude, also of the most negative value. */
		put_num(o, v < 0 ? -(u64)v : (u64)v, 10, false, v < 0 ? "-" : "", width, pad);
		break;
	}
	case 'u':
		put_num(o, arg_unsigned(ap, lng), 10, false, "", width, pad);
		break;
	case 'x': case 'X': {
		u64 v = arg_unsigned(ap, lng);
		bool upper = *f == 'X';
		put_num(o, v, 16, upper, alt && v ? (upper ? "0X" : "0x") : "", width, pad);
		break;
	}
	case 'p':
		put_num(o, (uintptr_t)va_arg(*ap, void *), 16, false, "0x", width, pad);
		break;
	case 's': put_str(o, va_arg(*ap, const char *), width); break;
	case 'c': put(o, (char)va_arg(*ap, int)); break;
	case '%': put(o, '%'); break;
	case 0: return f;                       /* a '%' at the very end */
	default: put(o, '%'), put(o, *f); break;
	}
	return f + 1;
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { buf, size, 0 };
	va_list ap2;

	/* A copy, so convert() can take the va_list by pointer on every ABI. */
	va_copy(ap2, ap);
	while (*fmt) {
		if (*fmt != '%')
			put(&o, *fmt++);
		else
			fmt = convert(&o, fmt + 1, &ap2);
	}
	va_end(ap2);
	if (size)
		buf[o.len < size ? o.len : size - 1] = 0;
	return (int)o.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
