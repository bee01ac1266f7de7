/*
 * complete.h - Tab completion for readline, from the same tables that
 * drive help: command names, dataset, model, column and plugin names, and
 * plugins' declared option names and choices.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef AIWB_COMPLETE_H
#define AIWB_COMPLETE_H

#include <stddef.h>

struct session;

/* Install completion in readline for session S. */
void complete_init(struct session *s);

/*
 * The completions of the word being typed at the end of LINE (its first
 * END bytes), as readline would offer them: a new NULL-terminated array of
 * new strings (free with complete_free), or NULL when file names should be
 * completed instead. Exposed for the tests.
 */
char **complete_line(struct session *s, const char *line, size_t end);
void complete_free(char **v);

#endif
