/*
 * tokenize.h - a command line split into commands and words.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Words are separated by spaces; ';' separates commands; '#' at the start
 * of a word begins a comment. Single quotes keep everything literally,
 * double quotes allow \" and \\ inside; the quotes themselves are removed,
 * so where='a b' is the one word "where=a b". A word that opens a
 * parenthesis runs to the matching one, spaces and quotes included, kept
 * as typed: impute(strategy=median, fill_value='a b') is one word.
 */
#ifndef AIWB_TOKENIZE_H
#define AIWB_TOKENIZE_H

#include <stddef.h>

struct cmdline {
    char *text;   /* the command as typed, trimmed */
    size_t argc;
    char **argv;  /* argc words, then NULL */
};

/*
 * Split LINE into commands. Returns 0 and a new array *CMDS of *N commands
 * (empty ones skipped; free with tokenize_free), or -1 with *cause set:
 * "column 12: unterminated quote", "column 3: unbalanced parenthesis".
 */
int tokenize_line(const char *line, struct cmdline **cmds, size_t *n, char **cause);
void tokenize_free(struct cmdline *cmds, size_t n);

/*
 * Split the inside of a parenthesised word, "strategy=median, fill_value='a b'",
 * at top-level commas into new words with quotes removed ("fill_value=a b").
 * Returns 0 and a new NULL-terminated array (free with tokenize_words_free),
 * or -1 with *cause set.
 */
int tokenize_args(const char *text, size_t len, char ***words, size_t *n, char **cause);
void tokenize_words_free(char **words);

/* WORD quoted, if needed, so that it tokenizes back to itself (a new string). */
char *tokenize_quote(const char *word);

#endif
