/*
 * format.c: vsnprintf for the guest console, without libc. Returns the
 * length the full output would have; writes at most size-1 bytes plus NUL.
 */
#include "console.h"

struct out {
	char *buf;
	size_t size;
	size_t len;     /* bytes produced so far, stored or not */
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

/* Unsigned number in base 10 or 16, right-aligned in width. */
static void put_num(struct out *o, u64 v, unsigned base, bool upper,
		    bool neg, int width, char pad)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int n = 0;

	do {
		tmp[n++] = digits[v % base];
		v /= base;
	} while (v);
	if (neg && pad == '0')
		put(o, '-');
	for (int w = n + neg; w < width; w++)
		put(o, pad);
	if (neg && pad != '0')
		put(o, '-');
	while (n)
		put(o, tmp[--n]);
}

/* Fetch an integer argument of the given length (0 = int, 1 = long, 2 = long long). */
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
	int width = 0, lng = 0;

	if (*f == '0')
		pad = '0', f++;
	while (*f >= '0' && *f <= '9')
		width = width * 10 + (*f++ - '0');
	while (*f == 'l')
		lng++, f++;
	switch (*f) {
	case 'd': case 'i': {
		s64 v = arg_signed(ap, lng);
		put_num(o, v < 0 ? -(u64)v : (u64)v, 10, false, v < 0, width, pad);
		break;
	}
	case 'u': put_num(o, arg_unsigned(ap, lng), 10, false, false, width, pad); break;
	case 'x': put_num(o, arg_unsigned(ap, lng), 16, false, false, width, pad); break;
	case 'X': put_num(o, arg_unsigned(ap, lng), 16, true, false, width, pad); break;
	case 'p':
		put(o, '0'), put(o, 'x');
		put_num(o, (u64)va_arg(*ap, void *), 16, false, false, width, pad);
		break;
	case 's': put_str(o, va_arg(*ap, const char *), width); break;
	case 'c': put(o, (char)va_arg(*ap, int)); break;
	case '%': put(o, '%'); break;
	case 0: return f;
	default: put(o, '%'), put(o, *f); break;
	}
	return f + 1;
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { buf, size, 0 };
	va_list ap2;

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
