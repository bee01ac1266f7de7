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

#include "core/frame.h"
#include "core/numfmt.h"
#include "core/options.h"
#include "core/pipeline.h"
#include "core/registry.h"
#include "core/strbuf.h"
#include "core/xalloc.h"
#include "repl/session.h"
#include "repl/tokenize.h"

extern const struct cmd_entry cmd_compare_entry;
extern const struct cmd_entry cmd_corr_entry;
extern const struct cmd_entry cmd_counts_entry;
extern const struct cmd_entry cmd_cv_entry;
extern const struct cmd_entry cmd_datasets_entry;
extern const struct cmd_entry cmd_describe_entry;
extern const struct cmd_entry cmd_diff_entry;
extern const struct cmd_entry cmd_drift_entry;
extern const struct cmd_entry cmd_export_entry;
extern const struct cmd_entry cmd_assert_entry;
extern const struct cmd_entry cmd_monitor_entry;
extern const struct cmd_entry cmd_retrain_entry;
extern const struct cmd_entry cmd_promote_entry;
extern const struct cmd_entry cmd_eval_entry;
extern const struct cmd_entry cmd_head_entry;
extern const struct cmd_entry cmd_help_entry;
extern const struct cmd_entry cmd_hist_entry;
extern const struct cmd_entry cmd_importance_entry;
extern const struct cmd_entry cmd_jobs_entry;
extern const struct cmd_entry cmd_load_entry;
extern const struct cmd_entry cmd_models_entry;
extern const struct cmd_entry cmd_plot_entry;
extern const struct cmd_entry cmd_plugins_entry;
extern const struct cmd_entry cmd_predict_entry;
extern const struct cmd_entry cmd_quit_entry;
extern const struct cmd_entry cmd_recommend_entry;
extern const struct cmd_entry cmd_record_entry;
extern const struct cmd_entry cmd_report_entry;
extern const struct cmd_entry cmd_roc_entry;
extern const struct cmd_entry cmd_runs_entry;
extern const struct cmd_entry cmd_save_entry;
extern const struct cmd_entry cmd_show_entry;
extern const struct cmd_entry cmd_split_entry;
extern const struct cmd_entry cmd_stop_entry;
extern const struct cmd_entry cmd_train_entry;
extern const struct cmd_entry cmd_transform_entry;
extern const struct cmd_entry cmd_tune_entry;
extern const struct cmd_entry cmd_update_entry;
extern const struct cmd_entry cmd_write_entry;

/* In the order `help` lists them: the path from data to model. */
const struct cmd_entry *const cmd_table[] = {
    &cmd_load_entry,      &cmd_datasets_entry,  &cmd_describe_entry, &cmd_head_entry,
    &cmd_corr_entry,      &cmd_hist_entry,      &cmd_counts_entry,   &cmd_split_entry,
    &cmd_transform_entry, &cmd_save_entry,      &cmd_write_entry,    &cmd_train_entry,
    &cmd_cv_entry,        &cmd_tune_entry,      &cmd_eval_entry,     &cmd_show_entry,
    &cmd_plot_entry,      &cmd_report_entry,    &cmd_predict_entry,
    &cmd_export_entry,     &cmd_monitor_entry,   &cmd_assert_entry,
    &cmd_recommend_entry, &cmd_update_entry,    &cmd_importance_entry, &cmd_roc_entry,
    &cmd_compare_entry,   &cmd_drift_entry,
    &cmd_runs_entry,      &cmd_diff_entry,      &cmd_models_entry,   &cmd_retrain_entry,
    &cmd_promote_entry,
    &cmd_jobs_entry,      &cmd_stop_entry,
    &cmd_plugins_entry,   &cmd_record_entry,    &cmd_help_entry,     &cmd_quit_entry,
    NULL,
};

/* Per thread: a background job runs its command beside the prompt's. */
static _Thread_local char *last_error;
/* The name of the command running, for the messages of cmd_keywords(). */
static _Thread_local const char *current_name;

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

void
cmd_forget_error(void)
{
    free(last_error);
    last_error = NULL;
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
    current_name = e->name;
    rc = e->exec(s, nargs, cl->argv + 1);
    current_name = NULL;
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
            cmd_error(s, "%s%sunexpected '%s' (expected %s)", current_name ? current_name : "",
                      current_name ? ": " : "", argv[i], strbuf_str(&sb));
            strbuf_release(&sb);
            return -1;
        }
        if (values[k] != NULL) {
            cmd_error(s, "%s%s%s= is given twice", current_name ? current_name : "",
                      current_name ? ": " : "", keys[k]);
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

char *
cmd_component_names(enum component_kind kind)
{
    struct strbuf sb = STRBUF_INIT;

    for (size_t i = 0; i < registry_count(); i++)
        if (registry_at(i)->kind == kind)
            strbuf_addf(&sb, "%s%s", sb.len ? ", " : "", registry_at(i)->name);
    return strbuf_detach(&sb, NULL);
}

int
cmd_parse_with(struct session *s, const char *text, struct tf_spec **out, size_t *n)
{
    const char *p = text;

    *out = NULL;
    *n = 0;
    while (*p) {
        const char *start = p, *open = NULL, *close = NULL;
        int depth = 0;
        char *name, **words = NULL, *cause = NULL;
        size_t nwords = 0;
        const struct component *c;
        struct aiwb_options *o;

        for (; *p && (depth > 0 || *p != ','); p++) {
            if (*p == '(' && depth++ == 0)
                open = p;
            else if (*p == ')' && --depth == 0)
                close = p;
            else if ((*p == '\'' || *p == '"') && depth > 0) {
                const char *q = strchr(p + 1, *p);

                p = q != NULL ? q : p + strlen(p) - 1;
            }
        }
        name = xstrndup(start, (size_t)((open ? open : p) - start));
        if (*name == '\0' || (open != NULL && (close == NULL || close + 1 != p))) {
            cmd_error(s, "train: cannot read the transform list at '%.*s' (write "
                         "with T1,T2(OPTION=VALUE,...))", (int)(p - start), start);
            free(name);
            goto fail;
        }
        if ((c = registry_find(COMPONENT_TRANSFORM, name)) == NULL) {
            char *all = cmd_component_names(COMPONENT_TRANSFORM);

            cmd_error(s, "no transform '%s' (transforms: %s)", name, all);
            free(all);
            free(name);
            goto fail;
        }
        if (open != NULL &&
            tokenize_args(open + 1, (size_t)(close - open - 1), &words, &nwords, &cause) < 0) {
            cmd_error(s, "train: %s: %s", name, cause);
            free(cause);
            free(name);
            goto fail;
        }
        o = options_parse(name, c->options, nwords, words, &cause);
        tokenize_words_free(words);
        free(name);
        if (o == NULL) {
            cmd_error(s, "%s", cause);
            free(cause);
            goto fail;
        }
        *out = xreallocarray(*out, *n + 1, sizeof **out);
        (*out)[*n].comp = c;
        (*out)[*n].opts = o;
        (*n)++;
        if (*p == ',')
            p++;
    }
    return 0;
fail:
    cmd_free_with(*out, *n);
    *out = NULL;
    *n = 0;
    return -1;
}

void
cmd_free_with(struct tf_spec *tf, size_t n)
{
    for (size_t i = 0; i < n; i++)
        options_free(tf[i].opts);
    free(tf);
}

/* A numeric column with more distinct values than this cannot be strata. */
#define MAX_NUMERIC_STRATA 100

/* See cmd.h. */
int32_t *
cmd_strata(struct session *s, const struct aiwb_frame *f, size_t c, size_t *nstrata)
{
    size_t n = frame_rows(f);
    int32_t *codes = xmalloc((n ? n : 1) * sizeof *codes);
    double vals[MAX_NUMERIC_STRATA];
    const double *v;
    size_t k = 0;

    if (frame_col_type(f, c) == AIWB_CATEGORICAL) {
        memcpy(codes, frame_codes(f, c), n * sizeof *codes);
        *nstrata = frame_nlevels(f, c);
        return codes;
    }
    v = frame_numeric(f, c);
    for (size_t i = 0; i < n; i++) {
        size_t j = 0;

        if (isnan(v[i])) {
            codes[i] = -1;
            continue;
        }
        while (j < k && vals[j] != v[i])
            j++;
        if (j == k) {
            if (k == MAX_NUMERIC_STRATA) {
                cmd_error(s, "cannot stratify by '%s': it has more than %d distinct values",
                          frame_col_name(f, c), MAX_NUMERIC_STRATA);
                free(codes);
                return NULL;
            }
            vals[k++] = v[i];
        }
        codes[i] = (int32_t)j;
    }
    *nstrata = k;
    return codes;
}
