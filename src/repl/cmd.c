/*
 * cmd.c - the command table: lookup by name, alias or unique prefix,
 * argument checking, errors. One file per command holds the rest.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <config.h>

#include "repl/cmd.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core/numfmt.h"
#include "core/strbuf.h"
#include "core/xalloc.h"
#include "repl/session.h"
#include "repl/tokenize.h"

extern const struct cmd_entry cmd_datasets_entry;
extern const struct cmd_entry cmd_describe_entry;
extern const struct cmd_entry cmd_eval_entry;
extern const struct cmd_entry cmd_head_entry;
extern const struct cmd_entry cmd_help_entry;
extern const struct cmd_entry cmd_load_entry;
extern const struct cmd_entry cmd_models_entry;
extern const struct cmd_entry cmd_plugins_entry;
extern const struct cmd_entry cmd_predict_entry;
extern const struct cmd_entry cmd_quit_entry;
extern const struct cmd_entry cmd_record_entry;
extern const struct cmd_entry cmd_runs_entry;
extern const struct cmd_entry cmd_split_entry;
extern const struct cmd_entry cmd_train_entry;
extern const struct cmd_entry cmd_write_entry;

/* In the order `help` lists them: the path from data to model. */
const struct cmd_entry *const cmd_table[] = {
    &cmd_load_entry,   &cmd_datasets_entry, &cmd_describe_entry, &cmd_head_entry,
    &cmd_split_entry,  &cmd_write_entry,    &cmd_train_entry,    &cmd_eval_entry,
    &cmd_predict_entry, &cmd_runs_entry,    &cmd_models_entry,   &cmd_plugins_entry,
    &cmd_record_entry, &cmd_help_entry,     &cmd_quit_entry,     NULL,
};

static char *last_error;

const struct cmd_entry *
cmd_find(const char *name, char **cause)
{
    const struct cmd_entry *found = NULL;
    struct strbuf sb = STRBUF_INIT;
    size_t len = strlen(name), matches = 0;

    for (size_t i = 0; cmd_table[i] != NULL; i++) {
        const struct cmd_entry *e = cmd_table[i];

        if (strcmp(e->name, name) == 0 || (e->alias != NULL && strcmp(e->alias, name) == 0))
            return e;
    }
    for (size_t i = 0; len > 0 && cmd_table[i] != NULL; i++) {
        const struct cmd_entry *e = cmd_table[i];

        if (strncmp(e->name, name, len) == 0 ||
            (e->alias != NULL && strncmp(e->alias, name, len) == 0)) {
            strbuf_addf(&sb, "%s%s", matches ? ", " : "", e->name);
            found = e;
            matches++;
        }
    }
    if (matches == 1) {
        strbuf_release(&sb);
        return found;
    }
    if (matches > 1)
        *cause = xasprintf("ambiguous command '%s', could be: %s", name, strbuf_str(&sb));
    else
        *cause = xasprintf("unknown command '%s' (type help for the list)", name);
    strbuf_release(&sb);
    return NULL;
}

void
cmd_error(struct session *s, const char *fmt, ...)
{
    va_list ap;

    (void)s;
    va_start(ap, fmt);
    free(last_error);
    last_error = xvasprintf(fmt, ap);
    va_end(ap);
}

const char *
cmd_last_error(void)
{
    return last_error;
}

enum cmd_retval
cmd_run(struct session *s, const struct cmdline *cl)
{
    const struct cmd_entry *e;
    char *cause = NULL;
    int nargs = (int)cl->argc - 1;
    enum cmd_retval rc;

    free(last_error);
    last_error = NULL;
    if ((e = cmd_find(cl->argv[0], &cause)) == NULL) {
        last_error = cause;
        return CMD_ERROR;
    }
    if (nargs < e->min_args || (e->max_args >= 0 && nargs > e->max_args)) {
        cmd_error(s, "%s: %s arguments; usage: %s", e->name,
                  nargs < e->min_args ? "too few" : "too many", e->usage);
        return CMD_ERROR;
    }
    s->current = cl->text;
    s->out.tables = 0;
    rc = e->exec(s, nargs, cl->argv + 1);
    s->current = NULL;
    if (rc == CMD_ERROR && last_error == NULL)
        cmd_error(s, "%s failed", e->name);
    return rc;
}

int
cmd_keywords(struct session *s, int argc, char **argv, size_t n, const char *const *keys,
             const char **values)
{
    for (size_t k = 0; k < n; k++)
        values[k] = NULL;
    for (int i = 0; i < argc; i++) {
        const char *eq = strchr(argv[i], '=');
        size_t len = eq ? (size_t)(eq - argv[i]) : 0, k;

        for (k = 0; eq != NULL && k < n; k++)
            if (strlen(keys[k]) == len && strncmp(keys[k], argv[i], len) == 0)
                break;
        if (eq == NULL || k == n) {
            struct strbuf sb = STRBUF_INIT;

            for (size_t j = 0; j < n; j++)
                strbuf_addf(&sb, "%s%s=", j ? ", " : "", keys[j]);
            cmd_error(s, "unexpected '%s' (expected %s)", argv[i], strbuf_str(&sb));
            strbuf_release(&sb);
            return -1;
        }
        if (values[k] != NULL) {
            cmd_error(s, "%s= is given twice", keys[k]);
            return -1;
        }
        values[k] = eq + 1;
    }
    return 0;
}

int
cmd_parse_size(struct session *s, const char *what, const char *text, size_t *out)
{
    char *end;
    unsigned long long v;

    errno = 0;
    v = strtoull(text, &end, 10);
    if (*text < '0' || *text > '9' || *end != '\0' || errno != 0) {
        cmd_error(s, "%s must be a whole number, not '%s'", what, text);
        return -1;
    }
    *out = (size_t)v;
    return 0;
}

int
cmd_parse_real(struct session *s, const char *what, const char *text, double *out)
{
    if (numfmt_parse(text, strlen(text), out) < 0 || !isfinite(*out)) {
        cmd_error(s, "%s must be a number, not '%s'", what, text);
        return -1;
    }
    return 0;
}
