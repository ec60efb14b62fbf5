/*
 * view.h: draws an hvtui session into a canvas. Reads the app, never
 * changes the model (the only writes are the SQL look-ups it reads with).
 *
 *   row 0          title bar: trace, cursor / last seq, mode, filter, play
 *   rows 1..L      the event list around the cursor (grows with the height)
 *   rule + 4 rows  the selected event decoded
 *   rule + 4 rows  the page-table path, root to leaf, as of the cursor
 *   rule + 4 rows  counters so far
 *   last row       status: message, prompt or key hints
 */
#ifndef HVTUI_VIEW_H
#define HVTUI_VIEW_H

#include "app.h"
#include "canvas.h"

#define VIEW_MIN_ROWS 16
#define VIEW_MIN_COLS 40

void view_render(struct app *a, struct canvas *c);

#endif
