/*
 * canvas.h: a rows x cols grid of characters with a style per cell. The view
 * draws into a canvas; the terminal front end copies it to ncurses, the
 * headless mode (--dump) prints it as text. No ncurses here.
 */
#ifndef HVTUI_CANVAS_H
#define HVTUI_CANVAS_H

#include <stdio.h>
#include "../../include/hvlab/types.h"

/* Styles; term.c maps each to an ncurses attribute. */
enum style {
	ST_NORMAL = 0,
	ST_TITLE,     /* title and status bars */
	ST_HEADER,    /* pane headers */
	ST_CURSOR,    /* the selected event in the list */
	ST_CHANGED,   /* SPTE bits changed by the selected event */
	ST_DIM,       /* secondary text, non-present entries */
	ST_ALERT,     /* errors, lost races */
	ST_MAX
};

/* One character cell. */
struct cell {
	char ch;  /* printable ASCII */
	u8 style; /* enum style */
};

struct canvas {
	int rows;          /* height in cells */
	int cols;          /* width in cells */
	struct cell *cell; /* rows * cols cells, row-major */
};

int canvas_init(struct canvas *c, int rows, int cols);
void canvas_free(struct canvas *c);
void canvas_clear(struct canvas *c);
/* Writes text at (row, col), clipped to the row; returns the column after it. */
int canvas_put(struct canvas *c, int row, int col, enum style st, const char *text);
int canvas_printf(struct canvas *c, int row, int col, enum style st, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/* Sets the style of a whole row (bars), keeping its text. */
void canvas_style_row(struct canvas *c, int row, enum style st);
/* A horizontal rule with a title: "── title ───────". */
void canvas_rule(struct canvas *c, int row, const char *title);
/* Prints the text of every row, trailing blanks trimmed. */
void canvas_dump(const struct canvas *c, FILE *out);

#endif
