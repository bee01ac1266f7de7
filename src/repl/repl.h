/*
 * repl.h - the one loop that runs commands, from a person at a terminal
 * (GNU readline, history, completion), a script, a pipe or -c.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef AIWB_REPL_H
#define AIWB_REPL_H

#include <stdio.h>

#include "repl/cmd.h"

struct session;

/* Exit statuses, as documented in `aiwb --help`. */
#define REPL_EXIT_OK 0
#define REPL_EXIT_FAILED 1      /* a command failed (scripts stop there) */
#define REPL_EXIT_USAGE 2       /* aiwb itself was called wrongly */
#define REPL_EXIT_INTERRUPTED 130

/*
 * Run the commands in the lines of IN, named NAME in messages ("x.aiwb",
 * "<stdin>"). A line ending in a backslash continues on the next. Stops at
 * the first failing command, reporting "aiwb: NAME:LINE: message". Returns
 * an exit status.
 */
int repl_run_stream(struct session *s, FILE *in, const char *name);
/* Run the ';'-separated commands of TEXT (-c); errors name "-c:N" (N the
 * command's number). Returns an exit status. */
int repl_run_string(struct session *s, const char *text);
/* Read commands with GNU readline until quit or end of input; errors do not
 * stop it. History is kept in HISTFILE (if not NULL). Returns an exit status. */
int repl_run_interactive(struct session *s, const char *histfile);

/* Run the ';'-separated commands of LINE typed by a person (errors say
 * "error: ..."); in the TUI, train, cv and tune start as background jobs.
 * The caller holds the session lock (jobs_lock). */
enum cmd_retval repl_run_line(struct session *s, const char *line);
/* Load the readline history from HISTFILE (may be NULL), and append LINE to it. */
void repl_history_start(const char *histfile);
void repl_history_add(const char *histfile, const char *line);

/* Also write a byte to FD (non-blocking) on Ctrl-C, so a loop waiting in
 * select() wakes whichever thread the signal reached; -1: no longer. */
void repl_wake_on_interrupt(int fd);

/* Catch Ctrl-C: it sets session_interrupted instead of killing aiwb. */
void repl_catch_interrupt(void);

#endif
