/*
 * tui.h - the full-screen interface (ncursesw): a view pane for charts and
 * tables, an output pane with scrollback, a status line, and the readline
 * prompt at the bottom; train, cv and tune run as background jobs whose
 * curve the view pane draws live.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef AIWB_TUI_H
#define AIWB_TUI_H

struct session;

/*
 * Take over the terminal: full screen until the user quits. GREET (may be
 * NULL) runs first, with ARG, its output the first text of the output pane
 * (the banner; loading the bundled datasets). HISTFILE as for
 * repl_run_interactive(). Returns the exit status; the terminal is restored
 * on every way out, a fatal signal included. Returns -1 without touching the
 * terminal if it cannot start (no terminfo entry, too small): the caller
 * falls back to the line interface, with the reason printed.
 */
int tui_run(struct session *s, void (*greet)(struct session *s, void *arg), void *arg,
            const char *histfile);

/* The keys, for `help keys` (lines of text). */
extern const char tui_keys_help[];

#endif
