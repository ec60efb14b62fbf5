/*
 * term.h: the interactive front end: ncurses setup, the key loop, play
 * timer, resize, and restoring the terminal on every way out.
 */
#ifndef HVTUI_TERM_H
#define HVTUI_TERM_H

#include "app.h"

/* Runs the interactive session until q or a signal. 0, or -1 on error. */
int term_run(struct app *a);

#endif
