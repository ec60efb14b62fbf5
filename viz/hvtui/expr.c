/*
 * expr.c: the filter and search language of hvtui, compiled to SQL.
 *
 *   term      := key '=' values | number | type-name
 *   values    := value (',' value)*        any of them
 *   value     := number | number '-' number | name
 *   key       := vcpu | type (or kind) | reason | level | gfn | sptep | seq
 *   number    := decimal or 0x-hex
 *
 * Terms are ANDed: "vcpu=1 type=fault,spte gfn=0x100-0x1ff level=1".
 * A bare number matches the event's gfn or sptep; a bare name is a type.
 * Only parsed numbers and known names reach the SQL, never the raw text.
 */
#include "app.h"
#include "decode.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The gfn an event is about, in SQL (same cases as event_gfn()). */
#define GFN_SQL "(CASE WHEN type IN (1, 2, 7) THEN a WHEN type IN (4, 5, 12) THEN (a >> 12)" \
		" WHEN type = 3 THEN ((CASE WHEN c != 0 THEN c ELSE a END) >> 12)"         \
		" WHEN type IN (8, 9) THEN b END)"

/* A growing SQL string. */
struct sqlbuf {
	char *s;     /* output */
	size_t len;  /* used */
	size_t cap;  /* size of s */
	bool overflow; /* ran out of room */
};

static void add(struct sqlbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void add(struct sqlbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= b->cap - b->len)
		b->overflow = true;
	else
		b->len += (size_t)n;
}

static bool parse_num(const char *s, u64 *out)
{
	char *end;

	if (!isdigit((unsigned char)*s))
		return false;
	*out = strtoull(s, &end, 0);
	return *end == 0;
}

/* "lo-hi" or "n"; the '-' split must not eat a hex digit. */
static bool parse_range(char *s, u64 *lo, u64 *hi)
{
	char *dash = strchr(s, '-');

	if (dash) {
		*dash = 0;
		return parse_num(s, lo) && parse_num(dash + 1, hi) && *lo <= *hi;
	}
	if (!parse_num(s, lo))
		return false;
	*hi = *lo;
	return true;
}

/* reason=name: every (type, reason) pair with that name. */
static bool add_reason_name(struct sqlbuf *b, const char *name)
{
	static const struct { unsigned type; const char *(*fn)(unsigned); unsigned max; bool aux; }
	tables[] = {
		{ HVT_SPTE_CHANGE, spte_reason_name, HVT_SR_MAX, false },
		{ HVT_TLB_FLUSH, flush_reason_name, HVT_FR_MAX, false },
		{ HVT_TLB_FLUSH, flush_scope_name, HVT_FS_MAX, true },
		{ HVT_FAULT, fault_kind_name, HVT_FK_MAX, false },
		{ HVT_FAULT_END, fault_result_name, HVT_FRES_MAX, true },
		{ HVT_EXIT, exit_kind_name, HVT_EX_MAX, false },
	};
	bool any = false;
	unsigned t, i;

	for (t = 0; t < sizeof(tables) / sizeof(tables[0]); t++) {
		for (i = 1; i < tables[t].max; i++) {
			if (strcmp(tables[t].fn(i), name))
				continue;
			add(b, "%s(type = %u AND %s = %u)", any ? " OR " : "", tables[t].type,
			    tables[t].aux ? "aux" : "reason", i);
			any = true;
		}
	}
	return any;
}

/* One value of key; false if it does not parse. */
static bool add_value(struct sqlbuf *b, const char *key, char *v)
{
	u64 lo, hi;
	int type;

	if (!strcmp(key, "type") || !strcmp(key, "kind")) {
		type = isdigit((unsigned char)*v) ? atoi(v) : type_by_name(v);
		if (type <= 0 || type >= HVT_TYPE_MAX)
			return false;
		add(b, "type = %d", type);
		return true;
	}
	if (!strcmp(key, "reason") && !isdigit((unsigned char)*v))
		return add_reason_name(b, v);
	if (!parse_range(v, &lo, &hi))
		return false;
	if (!strcmp(key, "gfn"))
		add(b, GFN_SQL " BETWEEN %lld AND %lld", (long long)lo, (long long)hi);
	else if (!strcmp(key, "sptep"))
		add(b, "(type = 1 AND b BETWEEN %lld AND %lld) OR (type = 5 AND e BETWEEN %lld AND %lld)",
		    (long long)lo, (long long)hi, (long long)lo, (long long)hi);
	else if (!strcmp(key, "vcpu") || !strcmp(key, "level") || !strcmp(key, "reason") ||
		 !strcmp(key, "seq"))
		add(b, "%s BETWEEN %lld AND %lld", key, (long long)lo, (long long)hi);
	else
		return false;
	return true;
}

/* key=v1,v2,... -> (c1 OR c2 ...) */
static bool add_term(struct sqlbuf *b, const char *key, char *values)
{
	char *v, *save = NULL;
	bool first = true;

	add(b, "(");
	for (v = strtok_r(values, ",", &save); v; v = strtok_r(NULL, ",", &save)) {
		add(b, first ? "(" : " OR (");
		if (!add_value(b, key, v))
			return false;
		add(b, ")");
		first = false;
	}
	add(b, ")");
	return !first;
}

/* A word without '=': a number (gfn or sptep) or a type name. */
static bool add_bare(struct sqlbuf *b, char *word)
{
	u64 n;
	char copy[APP_INPUT_MAX];

	if (parse_num(word, &n)) {
		snprintf(copy, sizeof(copy), "%s", word);
		add(b, "(");
		add_value(b, "gfn", word);
		add(b, " OR ");
		add_value(b, "sptep", copy);
		add(b, ")");
		return true;
	}
	return add_term(b, "type", word);
}

int app_parse_expr(const char *text, struct expr *out, char *err, size_t errlen)
{
	char buf[APP_INPUT_MAX], *word, *save = NULL, *eq;
	struct sqlbuf b = { out->where, 0, sizeof(out->where), false };
	bool ok = true;

	memset(out, 0, sizeof(*out));
	snprintf(out->text, sizeof(out->text), "%s", text);
	snprintf(buf, sizeof(buf), "%s", text);
	for (word = strtok_r(buf, " \t", &save); ok && word; word = strtok_r(NULL, " \t", &save)) {
		if (b.len)
			add(&b, " AND ");
		eq = strchr(word, '=');
		if (eq) {
			*eq = 0;
			ok = add_term(&b, word, eq + 1);
		} else {
			ok = add_bare(&b, word);
		}
		if (!ok)
			snprintf(err, errlen, "cannot read '%s' (keys: vcpu type reason level gfn"
				 " sptep seq; values N, LO-HI, names, comma = or)", word);
	}
	if (ok && b.overflow) {
		snprintf(err, errlen, "expression too long");
		ok = false;
	}
	if (!ok)
		out->where[0] = 0;
	return ok ? 0 : -1;
}
