/*
 * keys.h: hvtui's keys. One table (keys.c) maps each key to an action; the
 * help screen is generated from it. Key codes are plain chars plus the K_*
 * codes below, so this file needs no ncurses (term.c translates).
 */
#ifndef HVTUI_KEYS_H
#define HVTUI_KEYS_H

#include "app.h"

enum {
	K_ESC = 27,
	K_BACKSPACE = 127,
	K_UP = 0x100, K_DOWN, K_LEFT, K_RIGHT, K_PGUP, K_PGDN, K_HOME, K_END,
	K_RESIZE, K_CTRL_L,
	K_MAX
};

/* An action: changes the app, returns RD_* flags. count is the prefix (0 = none). */
typedef int (*key_action)(struct app *a, int arg, long count);

/* One entry of the key table. */
struct key_binding {
	key_action fn;    /* what the key does (NULL: unbound) */
	int arg;          /* argument passed to fn (direction, type, ...) */
	const char *help; /* one line for the help screen */
};

/* Feeds one key to the app (count prefix, prompts, marks, then the table). */
int keys_dispatch(struct app *a, int key);
/* Help lines generated from the table: "j Down       step forward". */
int keys_help_lines(char lines[][96], int max);
/* Name of a key for the help screen ("j", "PgDn", "Space"). */
const char *keys_name(int key, char *buf, size_t len);
/* Decodes the --keys notation into key codes: plain chars, \n \e \t \\,
 * and <Up> <Down> <Left> <Right> <PgUp> <PgDn> <Home> <End> <Esc> <Enter> <Space> <BS>. */
int keys_parse_script(const char *script, int *out, int max);

#endif
