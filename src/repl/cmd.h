/*
 * cmd.h - the command table and what every command shares.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Adding a command: create src/repl/cmd-foo.c ending in
 * `const struct cmd_entry cmd_foo_entry`; add its extern and its row in
 * cmd.c's table; add the file to Makefile.am; add a scripted session under
 * tests/cli/; document it in docs/commands.md.
 */
#ifndef AIWB_CMD_H
#define AIWB_CMD_H

#include <stddef.h>
#include <stdint.h>

#include "core/registry.h"

struct session;
struct cmdline;

enum cmd_retval { CMD_ERROR = -1, CMD_OK = 0, CMD_EXIT = 1 };

/* What completes a command's words (see complete.c). */
enum cmd_complete {
    COMPLETE_NONE = 0,
    COMPLETE_DATASET,   /* a dataset name */
    COMPLETE_MODEL,     /* a model name */
    COMPLETE_FILE,      /* a path */
    COMPLETE_TOPIC      /* a command or plugin name (help) */
};

struct cmd_entry {
    const char *name;
    const char *alias;    /* NULL if none */
    const char *usage;    /* "split NAME [ratio=0.8] [seed=N] [stratify=COLUMN]" */
    const char *summary;  /* one line for `help` */
    const char *help;     /* more paragraphs for `help NAME`, or NULL */
    int min_args, max_args; /* words after the name; max -1: no limit */
    enum cmd_complete complete[2]; /* completion of the first two words */
    enum cmd_retval (*exec)(struct session *s, int argc, char **argv);
    int background;       /* in the TUI, runs as a background job (jobs.h) */
};

/* The commands, NULL-terminated. */
extern const struct cmd_entry *const cmd_table[];

/*
 * The command NAME: an exact name or alias, else a unique prefix of a name.
 * NULL with *cause set ("unknown command 'x' (try help)", "ambiguous
 * command 'd', could be: datasets, describe").
 */
const struct cmd_entry *cmd_find(const char *name, char **cause);

/* Run one tokenized command, checking its argument count. */
enum cmd_retval cmd_run(struct session *s, const struct cmdline *cl);

/* Report an error of the current command (the REPL adds where it was). */
void cmd_error(struct session *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The error reported by the last command, or NULL; cleared by cmd_run. */
const char *cmd_last_error(void);
/* Free the calling thread's last error (a job's thread as it ends; aiwb as
 * it exits, so leak checkers that skip thread-local storage see nothing). */
void cmd_forget_error(void);

/*
 * Split the words ARGV[0..ARGC-1] of the form name=value into the value of
 * each of the N names in KEYS (VALUES[i] set to the word's value or left
 * NULL). Returns 0, or -1 after cmd_error() for a word that is not one of
 * them or comes twice.
 */
int cmd_keywords(struct session *s, int argc, char **argv, size_t n, const char *const *keys,
                 const char **values);

/*
 * Turn the transform list of `with`, "impute(strategy=median),standardize",
 * into specs (a new array of *N, free it with cmd_free_with). Returns 0, or
 * -1 after cmd_error() (an unknown transform, a bad option), leaving
 * nothing allocated.
 */
struct tf_spec;
int cmd_parse_with(struct session *s, const char *text, struct tf_spec **out, size_t *n);
void cmd_free_with(struct tf_spec *tf, size_t n);
/* The names of the loaded components of KIND, ", "-separated (a new string). */
char *cmd_component_names(enum component_kind kind);

/* Parse a non-negative integer / a real; -1 after cmd_error() naming WHAT. */
int cmd_parse_size(struct session *s, const char *what, const char *text, size_t *out);
int cmd_parse_real(struct session *s, const char *what, const char *text, double *out);

/*
 * Strata for splitting DATA by column C: a new array of its rows' codes,
 * the levels of a categorical column or the distinct values of a numeric
 * one (at most 100, negative for missing), *NSTRATA of them. NULL after
 * cmd_error() for a numeric column with too many values.
 */
struct aiwb_frame;
int32_t *cmd_strata(struct session *s, const struct aiwb_frame *data, size_t c, size_t *nstrata);

#endif
