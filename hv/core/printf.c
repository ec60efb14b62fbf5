/*
 * printf.c: vsnprintf for hv. Supports what the hypervisor prints:
 * %d %i %u %x %X %s %c %p %%, the l and ll length modifiers, a field width
 * and the 0 flag. Always NUL-terminates; returns the characters written.
 */
#include "hv/core/lib.h"

struct out { char *buf; size_t size, pos; };

static void put(struct out *o, char c)
{
	if (o->pos + 1 < o->size)
		o->buf[o->pos] = c;
	o->pos++;
}

static void put_num(struct out *o, u64 v, int base, bool neg, int width,
		    char pad, bool upper)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int n = 0;

	do {
		tmp[n++] = digits[v % base];
		v /= base;
	} while (v);
	if (neg)
		tmp[n++] = '-';
	for (int i = n; i < width; i++)
		put(o, pad);
	while (n)
		put(o, tmp[--n]);
}

static void put_str(struct out *o, const char *s, int width)
{
	int len = 0;
	if (!s)
		s = "(null)";
	while (s[len])
		len++;
	for (int i = len; i < width; i++)
		put(o, ' ');
	while (*s)
		put(o, *s++);
}

/* Read one conversion's argument as unsigned or signed by its length. */
static u64 arg_u(va_list *ap, int lng)
{
	return lng ? va_arg(*ap, u64) : va_arg(*ap, unsigned int);
}

static s64 arg_s(va_list *ap, int lng)
{
	return lng ? va_arg(*ap, s64) : va_arg(*ap, int);
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap_in)
{
	struct out o = { buf, size, 0 };
	va_list ap;
	va_copy(ap, ap_in);
	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			put(&o, *fmt);
			continue;
		}
		fmt++;
		char pad = ' ';
		int width = 0, lng = 0;
		if (*fmt == '0') {
			pad = '0';
			fmt++;
		}
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		while (*fmt == 'l' || *fmt == 'z') {
			lng = 1;
			fmt++;
		}
		switch (*fmt) {
		case 'd': case 'i': {
			s64 v = arg_s(&ap, lng);
			put_num(&o, v < 0 ? -(u64)v : (u64)v, 10, v < 0, width, pad, false);
			break;
		}
		case 'u': put_num(&o, arg_u(&ap, lng), 10, false, width, pad, false); break;
		case 'x': put_num(&o, arg_u(&ap, lng), 16, false, width, pad, false); break;
		case 'X': put_num(&o, arg_u(&ap, lng), 16, false, width, pad, true); break;
		case 'p':
			put(&o, '0'); put(&o, 'x');
			put_num(&o, (u64)va_arg(ap, void *), 16, false, width, pad, false);
			break;
		case 's': put_str(&o, va_arg(ap, const char *), width); break;
		case 'c': put(&o, (char)va_arg(ap, int)); break;
		case '%': put(&o, '%'); break;
		case 0: fmt--; break;
		default: put(&o, '%'); put(&o, *fmt); break;
		}
	}
	va_end(ap);
	if (size)
		buf[o.pos < size ? o.pos : size - 1] = 0;
	return (int)o.pos;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

int parse_u64(const char *s, u64 *out)
{
	const char *p = s;
	int base = 10;
	u64 v = 0;

	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	}
	for (;; p++) {
		int d;
		if (*p >= '0' && *p <= '9')
			d = *p - '0';
		else if (base == 16 && *p >= 'a' && *p <= 'f')
			d = *p - 'a' + 10;
		else if (base == 16 && *p >= 'A' && *p <= 'F')
			d = *p - 'A' + 10;
		else
			break;
		v = v * base + d;
	}
	*out = v;
	return (int)(p - s);
}
