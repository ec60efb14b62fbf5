/*
 * canvas.c: the character grid the view draws into (see canvas.h).
 */
#include "canvas.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

int canvas_init(struct canvas *c, int rows, int cols)
{
	c->rows = rows < 1 ? 1 : rows;
	c->cols = cols < 1 ? 1 : cols;
	c->cell = calloc((size_t)c->rows * (size_t)c->cols, sizeof(*c->cell));
	if (!c->cell)
		return -1;
	canvas_clear(c);
	return 0;
}

void canvas_free(struct canvas *c)
{
	free(c->cell);
	c->cell = NULL;
}

void canvas_clear(struct canvas *c)
{
	int i;

	for (i = 0; i < c->rows * c->cols; i++)
		c->cell[i] = (struct cell){ ' ', ST_NORMAL };
}

int canvas_put(struct canvas *c, int row, int col, enum style st, const char *text)
{
	struct cell *line;

	if (row < 0 || row >= c->rows)
		return col;
	line = &c->cell[row * c->cols];
	for (; *text && col < c->cols; text++, col++) {
		if (col < 0)
			continue;
		line[col].ch = (*text >= 32 && *text < 127) ? *text : '?';
		line[col].style = (u8)st;
	}
	return col;
}

int canvas_printf(struct canvas *c, int row, int col, enum style st, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return canvas_put(c, row, col, st, buf);
}

void canvas_style_row(struct canvas *c, int row, enum style st)
{
	int i;

	if (row < 0 || row >= c->rows)
		return;
	for (i = 0; i < c->cols; i++)
		c->cell[row * c->cols + i].style = (u8)st;
}

void canvas_rule(struct canvas *c, int row, const char *title)
{
	int i, col;

	for (i = 0; i < c->cols; i++)
		canvas_put(c, row, i, ST_HEADER, "-");
	col = canvas_put(c, row, 1, ST_HEADER, " ");
	col = canvas_put(c, row, col, ST_HEADER, title);
	canvas_put(c, row, col, ST_HEADER, " ");
}

void canvas_dump(const struct canvas *c, FILE *out)
{
	int r, end;

	for (r = 0; r < c->rows; r++) {
		const struct cell *line = &c->cell[r * c->cols];

		for (end = c->cols; end > 0 && line[end - 1].ch == ' '; end--)
			;
		for (int i = 0; i < end; i++)
			fputc(line[i].ch, out);
		fputc('\n', out);
	}
}
