/*
 * keys.c: the key table and the small state machine in front of it
 * (count prefix "50j", mark letter after m / ', prompt line editing).
 *
 * Search scheme: / searches forward for a filter expression, n and N repeat
 * it forward and backward (less, vim). Navigation of a kind is a lower-case
 * letter forward, upper-case backward: f/F fault, t/T flush, s/S change of
 * the same SPTE, a/A SPTE change of the same gfn (address), ]/[ next/previous
 * event of the same type and reason.
 */
#include "keys.h"
#include "decode.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static long count_or(long count, long dflt)
{
	return count > 0 ? count : dflt;
}

static int act_step(struct app *a, int arg, long count)
{
	return app_step(a, arg * count_or(count, 1));
}

static int act_goto(struct app *a, int arg, long count)
{
	if (count > 0)
		return app_goto(a, count);
	a->prompt = PROMPT_GOTO;
	a->input[0] = 0;
	return RD_SCREEN;
}

static int act_start(struct app *a, int arg, long count)
{
	return app_goto(a, a->r.info.first_seq);
}

static int act_end(struct app *a, int arg, long count)
{
	return count > 0 ? app_goto(a, count) : app_goto(a, a->r.info.last_seq);
}

static int act_type(struct app *a, int arg, long count)
{
	int rd = RD_NONE;
	long i;

	for (i = 0; i < count_or(count, 1); i++)
		rd |= app_next_type(a, (unsigned)abs(arg), arg > 0 ? 1 : -1);
	return rd;
}

static int act_same_spte(struct app *a, int arg, long count)
{
	return app_same_spte(a, arg);
}

static int act_same_gfn(struct app *a, int arg, long count)
{
	return app_same_gfn(a, arg);
}

static int act_same_kind(struct app *a, int arg, long count)
{
	return app_same_kind(a, arg);
}

static int act_why(struct app *a, int arg, long count)
{
	return app_why(a);
}

static int act_skip_run(struct app *a, int arg, long count)
{
	return app_skip_run(a, arg);
}

static int act_prompt(struct app *a, int arg, long count)
{
	a->prompt = (enum prompt_kind)arg;
	snprintf(a->input, sizeof(a->input), "%s", arg == PROMPT_FILTER ? a->filter.text : "");
	return RD_SCREEN;
}

static int act_search(struct app *a, int arg, long count)
{
	return app_search(a, arg);
}

static int act_mark(struct app *a, int arg, long count)
{
	a->pending = arg;
	return RD_SCREEN;
}

static int act_play(struct app *a, int arg, long count)
{
	a->playing = !a->playing;
	app_message(a, false, "%s at %d events/s", a->playing ? "playing" : "paused",
		    app_speeds[a->speed]);
	return RD_SCREEN;
}

static int act_speed(struct app *a, int arg, long count)
{
	a->speed += arg;
	if (a->speed < 0)
		a->speed = 0;
	if (a->speed >= app_nr_speeds)
		a->speed = app_nr_speeds - 1;
	app_message(a, false, "speed %d events/s", app_speeds[a->speed]);
	return RD_SCREEN;
}

static int act_help(struct app *a, int arg, long count)
{
	a->help = !a->help;
	return RD_SCREEN;
}

static int act_redraw(struct app *a, int arg, long count)
{
	return RD_SCREEN;
}

static int act_quit(struct app *a, int arg, long count)
{
	return RD_QUIT;
}

/* THE key table: every key hvtui understands, in help-screen order. */
static const struct key_binding keymap[K_MAX] = {
	['j'] = { act_step, +1, "step forward (50j: 50 events)" },
	[K_DOWN] = { act_step, +1, NULL },
	['k'] = { act_step, -1, "step back (50k: 50 events)" },
	[K_UP] = { act_step, -1, NULL },
	['J'] = { act_step, +100, "forward 100 events" },
	[K_PGDN] = { act_step, +100, NULL },
	['K'] = { act_step, -100, "back 100 events" },
	[K_PGUP] = { act_step, -100, NULL },
	['g'] = { act_goto, 0, "go to seq (prompt, or 1234g)" },
	[K_HOME] = { act_start, 0, "first event" },
	[K_END] = { act_end, 0, "last event (1234G: seq 1234)" },
	['G'] = { act_end, 0, NULL },
	['f'] = { act_type, HVT_FAULT, "next fault" },
	['F'] = { act_type, -HVT_FAULT, "previous fault" },
	['t'] = { act_type, HVT_TLB_FLUSH, "next TLB flush" },
	['T'] = { act_type, -HVT_TLB_FLUSH, "previous TLB flush" },
	['s'] = { act_same_spte, +1, "next change of this SPTE" },
	['S'] = { act_same_spte, -1, "previous change of this SPTE" },
	['a'] = { act_same_gfn, +1, "next SPTE change, this gfn" },
	['A'] = { act_same_gfn, -1, "prev SPTE change, this gfn" },
	[']'] = { act_same_kind, +1, "next of same type+reason" },
	['['] = { act_same_kind, -1, "prev of same type+reason" },
	['w'] = { act_why, 0, "why: fault <-> its writes" },
	['x'] = { act_skip_run, +1, "skip identical faults (livelock)" },
	['X'] = { act_skip_run, -1, "first of the identical faults" },
	['/'] = { act_prompt, PROMPT_SEARCH, "search (filter syntax)" },
	['n'] = { act_search, +1, "next search match" },
	['N'] = { act_search, -1, "previous search match" },
	[':'] = { act_prompt, PROMPT_FILTER, "filter prompt (empty: off)" },
	['m'] = { act_mark, 'm', "m<a-z>: set a mark" },
	['\''] = { act_mark, '\'', "'<a-z>: go to a mark" },
	[' '] = { act_play, 0, "play / pause" },
	['+'] = { act_speed, +1, "play faster" },
	['-'] = { act_speed, -1, "play slower" },
	['?'] = { act_help, 0, "this help" },
	['h'] = { act_help, 0, NULL },
	[K_CTRL_L] = { act_redraw, 0, "redraw" },
	['q'] = { act_quit, 0, "quit" },
};

/* Prompt editing; Enter runs it, Esc cancels. */
static int prompt_key(struct app *a, int key)
{
	size_t len = strlen(a->input);
	enum prompt_kind kind = a->prompt;
	char *end;
	s64 seq;

	if (key == '\n' || key == '\r') {
		a->prompt = PROMPT_NONE;
		if (kind == PROMPT_SEARCH)
			return app_set_search(a, a->input);
		if (kind == PROMPT_FILTER)
			return app_set_filter(a, a->input);
		seq = strtoll(a->input, &end, 0);
		if (end == a->input || *end) {
			app_message(a, true, "not a seq: '%s'", a->input);
			return RD_SCREEN;
		}
		return app_goto(a, seq);
	}
	if (key == K_ESC)
		a->prompt = PROMPT_NONE;
	else if ((key == K_BACKSPACE || key == '\b') && len)
		a->input[len - 1] = 0;
	else if (key >= 32 && key < 127 && len + 1 < sizeof(a->input))
		a->input[len] = (char)key, a->input[len + 1] = 0;
	return RD_SCREEN;
}

/* The letter after m or '. */
static int mark_key(struct app *a, int key)
{
	int kind = a->pending;

	a->pending = 0;
	if (key < 'a' || key > 'z') {
		app_message(a, true, "marks are a..z");
		return RD_SCREEN;
	}
	if (kind == 'm') {
		a->marks[key - 'a'] = a->r.cursor;
		app_message(a, false, "mark %c = seq %lld", key, (long long)a->r.cursor);
		return RD_SCREEN;
	}
	if (a->marks[key - 'a'] < 0) {
		app_message(a, true, "mark %c is not set", key);
		return RD_SCREEN;
	}
	return app_goto(a, a->marks[key - 'a']);
}

int keys_dispatch(struct app *a, int key)
{
	const struct key_binding *b;
	long count;

	if (key == K_RESIZE)
		return RD_SCREEN;
	if (a->prompt != PROMPT_NONE)
		return prompt_key(a, key);
	if (a->pending)
		return mark_key(a, key);
	if (a->help) {
		a->help = false;
		return key == 'q' ? RD_QUIT : RD_SCREEN;
	}
	if (key >= '0' && key <= '9' && (a->count || key != '0')) {
		if (a->count < 100000000000L)
			a->count = a->count * 10 + (key - '0');
		return RD_SCREEN;
	}
	count = a->count;
	a->count = 0;
	a->msg[0] = 0;
	if (key == K_ESC)
		return RD_SCREEN;
	b = key >= 0 && key < K_MAX ? &keymap[key] : NULL;
	if (!b || !b->fn) {
		app_message(a, true, "unbound key (? for help)");
		return RD_SCREEN;
	}
	return b->fn(a, b->arg, count);
}

const char *keys_name(int key, char *buf, size_t len)
{
	static const char *const names[] = {
		[K_UP - K_UP] = "Up", [K_DOWN - K_UP] = "Down", [K_LEFT - K_UP] = "Left",
		[K_RIGHT - K_UP] = "Right", [K_PGUP - K_UP] = "PgUp", [K_PGDN - K_UP] = "PgDn",
		[K_HOME - K_UP] = "Home", [K_END - K_UP] = "End", [K_RESIZE - K_UP] = "Resize",
		[K_CTRL_L - K_UP] = "^L",
	};

	if (key >= K_UP && key < K_MAX)
		snprintf(buf, len, "%s", names[key - K_UP]);
	else if (key == ' ')
		snprintf(buf, len, "Space");
	else
		snprintf(buf, len, "%c", key);
	return buf;
}

/* Appends the names of every key bound like keymap[key] (fn and arg). */
static void aliases(int key, char *buf, size_t len)
{
	char name[16];
	size_t used = 0;
	int k;

	for (k = 0; k < K_MAX && used + 8 < len; k++) {
		if (keymap[k].fn == keymap[key].fn && keymap[k].arg == keymap[key].arg &&
		    (keymap[k].help == NULL || k == key))
			used += (size_t)snprintf(buf + used, len - used, "%s%s", used ? " " : "",
						 keys_name(k, name, sizeof(name)));
	}
}

int keys_help_lines(char lines[][96], int max)
{
	char keys[48];
	int k, n = 0;

	for (k = 0; k < K_MAX && n < max; k++) {
		if (!keymap[k].fn || !keymap[k].help)
			continue;
		aliases(k, keys, sizeof(keys));
		snprintf(lines[n++], 96, "%-7s %s", keys, keymap[k].help);
	}
	return n;
}

static int script_named(const char **p)
{
	static const struct { const char *name; int key; } named[] = {
		{ "<Up>", K_UP }, { "<Down>", K_DOWN }, { "<Left>", K_LEFT }, { "<Right>", K_RIGHT },
		{ "<PgUp>", K_PGUP }, { "<PgDn>", K_PGDN }, { "<Home>", K_HOME }, { "<End>", K_END },
		{ "<Esc>", K_ESC }, { "<Enter>", '\n' }, { "<Space>", ' ' }, { "<BS>", K_BACKSPACE },
		{ "<Resize>", K_RESIZE },
	};
	size_t i, n;

	for (i = 0; i < sizeof(named) / sizeof(named[0]); i++) {
		n = strlen(named[i].name);
		if (!strncmp(*p, named[i].name, n)) {
			*p += n;
			return named[i].key;
		}
	}
	return -1;
}

static int script_escape(char c)
{
	switch (c) {
	case 'n': return '\n';
	case 'r': return '\n';
	case 'e': return K_ESC;
	case 't': return '\t';
	default: return c;
	}
}

int keys_parse_script(const char *script, int *out, int max)
{
	const char *p = script;
	int n = 0, key;

	while (*p && n < max) {
		if (*p == '<' && (key = script_named(&p)) >= 0) {
			out[n++] = key;
		} else if (*p == '\\' && p[1]) {
			out[n++] = script_escape(p[1]);
			p += 2;
		} else {
			out[n++] = (unsigned char)*p++;
		}
	}
	return n;
}
