/*
 * term.c: ncurses front end of hvtui (see term.h).
 *
 * The terminal is given back on every way out: q, a fatal error (atexit),
 * SIGINT/SIGTERM/SIGHUP (flag polled by the loop), and SIGSEGV/SIGABRT/
 * SIGBUS/SIGFPE (endwin in the handler, then the default action).
 */
#include "term.h"
#include "canvas.h"
#include "keys.h"
#include "view.h"

#include <curses.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static volatile sig_atomic_t stop_signal; /* SIGINT etc. received */
static volatile sig_atomic_t curses_on;   /* initscr done, endwin not yet */

static void term_restore(void)
{
	if (curses_on) {
		curses_on = 0;
		endwin();
	}
}

static void on_stop(int sig)
{
	stop_signal = sig;
}

static void on_fatal(int sig)
{
	term_restore();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void install_signals(void)
{
	static const int fatal[] = { SIGSEGV, SIGABRT, SIGBUS, SIGFPE };
	struct sigaction sa;
	size_t i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = on_fatal;
	for (i = 0; i < sizeof(fatal) / sizeof(fatal[0]); i++)
		sigaction(fatal[i], &sa, NULL);
	atexit(term_restore);
}

static chtype style_attr[ST_MAX];

static void init_styles(void)
{
	style_attr[ST_NORMAL] = A_NORMAL;
	style_attr[ST_TITLE] = A_REVERSE;
	style_attr[ST_HEADER] = A_BOLD;
	style_attr[ST_CURSOR] = A_REVERSE | A_BOLD;
	style_attr[ST_CHANGED] = A_BOLD | A_UNDERLINE;
	style_attr[ST_DIM] = A_DIM;
	style_attr[ST_ALERT] = A_BOLD;
	if (!has_colors() || start_color() == ERR)
		return;
	use_default_colors();
	init_pair(1, COLOR_YELLOW, -1);
	init_pair(2, COLOR_RED, -1);
	init_pair(3, COLOR_CYAN, -1);
	style_attr[ST_CHANGED] = A_BOLD | COLOR_PAIR(1);
	style_attr[ST_ALERT] = A_BOLD | COLOR_PAIR(2);
	style_attr[ST_HEADER] = A_BOLD | COLOR_PAIR(3);
}

static void blit(const struct canvas *c)
{
	int r, i;

	for (r = 0; r < c->rows; r++) {
		move(r, 0);
		for (i = 0; i < c->cols; i++) {
			const struct cell *cell = &c->cell[r * c->cols + i];

			if (r == c->rows - 1 && i == c->cols - 1)
				break; /* writing the last cell would scroll */
			addch((chtype)(unsigned char)cell->ch | style_attr[cell->style]);
		}
	}
}

static int translate_key(int ch)
{
	switch (ch) {
	case KEY_UP: return K_UP;
	case KEY_DOWN: return K_DOWN;
	case KEY_LEFT: return K_LEFT;
	case KEY_RIGHT: return K_RIGHT;
	case KEY_PPAGE: return K_PGUP;
	case KEY_NPAGE: return K_PGDN;
	case KEY_HOME: return K_HOME;
	case KEY_END: return K_END;
	case KEY_RESIZE: return K_RESIZE;
	case KEY_BACKSPACE: return K_BACKSPACE;
	case KEY_ENTER: case '\r': return '\n';
	case 12: return K_CTRL_L;
	default: return ch >= 0 && ch < K_MAX ? ch : -1;
	}
}

static void redraw(struct app *a, struct canvas *c)
{
	int rows, cols;

	getmaxyx(stdscr, rows, cols);
	if (rows != c->rows || cols != c->cols) {
		canvas_free(c);
		canvas_init(c, rows, cols);
		clear();
	}
	view_render(a, c);
	blit(c);
	refresh();
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

static struct canvas *wait_canvas; /* the screen, for wait_progress */

/* app->wait: a seek is waiting for the background checkpoint build. Shows
 * a progress line (at most every 50 ms) and polls the keyboard: Esc or q
 * cancels the seek. Other keys typed meanwhile are dropped. */
static bool wait_progress(struct app *a, s64 done, s64 total)
{
	static double last;
	double t = now_ms();
	bool cancel = false;
	int ch;

	if (t - last >= 50) {
		last = t;
		app_message(a, false, "seek waits for the checkpoint index: %lld%% of %lld events"
			    " (Esc cancels)", (long long)(total ? done * 100 / total : 100),
			    (long long)total);
		redraw(a, wait_canvas);
	}
	nodelay(stdscr, TRUE);
	while ((ch = getch()) != ERR)
		cancel |= ch == 27 || ch == 'q';
	nodelay(stdscr, FALSE);
	if (!cancel && !stop_signal)
		return false;
	a->msg[0] = 0;
	return true;
}

/* While playing: wait this long between ticks, stepping this many events. */
static int play_timeout(const struct app *a, long *steps)
{
	int speed = app_speeds[a->speed];

	*steps = speed <= 50 ? 1 : speed / 50;
	if (!a->playing)
		return 250;
	return speed <= 50 ? 1000 / speed : 20;
}

int term_run(struct app *a)
{
	struct canvas c = { 0 };
	int rd = RD_SCREEN, ch, wait;
	double last_tick;
	bool building;
	long steps;

	install_signals();
	if (!initscr())
		return -1;
	curses_on = 1;
	cbreak();
	noecho();
	keypad(stdscr, TRUE);
	curs_set(0);
	set_escdelay(25);
	init_styles();
	canvas_init(&c, 1, 1);
	wait_canvas = &c;
	a->wait = wait_progress;
	/* The background checkpoint build (replay.h R6) runs here, a slice of a
	 * few ms whenever no key is pending: getch does not block while it is
	 * under way, and the play timer is kept by the clock instead. */
	last_tick = now_ms();
	while (!(rd & RD_QUIT) && !stop_signal) {
		if (rd & RD_SCREEN)
			redraw(a, &c);
		wait = play_timeout(a, &steps);
		building = replay_building(&a->r);
		timeout(building ? 0 : wait);
		ch = getch();
		rd = RD_NONE;
		if (ch != ERR) {
			if ((ch = translate_key(ch)) >= 0)
				rd = keys_dispatch(a, ch);
			continue;
		}
		if (building)
			rd = app_background(a);
		if (!building || now_ms() - last_tick >= wait) {
			last_tick = now_ms();
			rd |= app_play_tick(a, steps);
		}
	}
	a->wait = NULL;
	canvas_free(&c);
	term_restore();
	return 0;
}
