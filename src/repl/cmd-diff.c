/*
 * cmd-diff.c - "diff": two runs side by side, only where they differ: what
 * was asked (algorithm, options one by one, data, seed, folds) and what came
 * out (metrics, the last values of the curve, evaluations).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <config.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/numfmt.h"
#include "core/strbuf.h"
#include "core/table.h"
#include "core/xalloc.h"
#include "repl/cmd.h"
#include "repl/session.h"
#include "store/store.h"

/* A run as named facts: "option C" = "1", "cv accuracy" = "0.96 ± 0.034". */
struct facts {
    size_t n;
    char **keys, **values;
};

static void
fact(struct facts *f, char *key, char *value)
{
    f->keys = xreallocarray(f->keys, f->n + 1, sizeof *f->keys);
    f->values = xreallocarray(f->values, f->n + 1, sizeof *f->values);
    f->keys[f->n] = key;
    f->values[f->n++] = value;
}

static void
facts_release(struct facts *f)
{
    for (size_t i = 0; i < f->n; i++) {
        free(f->keys[i]);
        free(f->values[i]);
    }
    free(f->keys);
    free(f->values);
    memset(f, 0, sizeof *f);
}

static const char *
fact_of(const struct facts *f, const char *key)
{
    for (size_t i = 0; i < f->n; i++)
        if (strcmp(f->keys[i], key) == 0)
            return f->values[i];
    return NULL;
}

static char *
real_text(double v)
{
    char buf[NUMFMT_BUFSZ];

    return xstrdup(isnan(v) ? "" : numfmt_sig(buf, v, 6));
}

/* Everything the workspace knows of run ID as facts; 0 or -1 after cmd_error(). */
static int
gather(struct session *s, int64_t id, struct facts *f)
{
    struct aiwb_table *info = table_new(NULL), *metrics = table_new(NULL),
                      *points = table_new(NULL), *evals = table_new(NULL);
    char *cause = NULL;
    int rc = -1;

    if (store_run_info(s->store, id, info, &cause) < 0 ||
        store_run_metrics(s->store, id, metrics, &cause) < 0 ||
        store_curve_list(s->store, id, points, &cause) < 0 ||
        store_run_evals(s->store, id, evals, &cause) < 0) {
        cmd_error(s, "%s", cause);
        free(cause);
        goto out;
    }
    for (size_t i = 0; i < table_rows(info); i++) {
        const char *key = table_cell(info, i, 0)->v.s;

        if (strcmp(key, "message") == 0 && table_rows(metrics) > 0)
            continue; /* a cross-validation's summary of the metrics below */
        const struct table_cell *v = table_cell(info, i, 1);
        if (strcmp(key, "options") == 0 && !v->null) {
            /* Each option on its own: "C=1 max_iter=100". */
            char *copy = xstrdup(v->v.s), *save = NULL;

            for (char *w = strtok_r(copy, " ", &save); w != NULL; w = strtok_r(NULL, " ", &save)) {
                char *eq = strchr(w, '=');

                if (eq == NULL)
                    continue;
                *eq = '\0';
                fact(f, xasprintf("option %s", w), xstrdup(eq + 1));
            }
            free(copy);
            continue;
        }
        if (strcmp(key, "command") == 0 || strcmp(key, "started") == 0 ||
            strcmp(key, "seconds") == 0)
            continue; /* they always differ: noise, not a difference of substance */
        fact(f, xstrdup(key), xstrdup(v->null ? "" : v->v.s));
    }
    for (size_t i = 0; i < table_rows(metrics); i++) {
        char *m = real_text(table_cell(metrics, i, 1)->v.r);
        char *sd = real_text(table_cell(metrics, i, 2)->v.r);

        fact(f, xasprintf("cv %s", table_cell(metrics, i, 0)->v.s),
             *sd ? xasprintf("%s ± %s", m, sd) : xstrdup(m));
        free(m);
        free(sd);
    }
    if (table_rows(metrics) == 0) {
        /* A training curve: the last value of each of its names. */
        for (size_t i = table_rows(points); i-- > 0;) {
            char *key = xasprintf("last %s", table_cell(points, i, 1)->v.s);

            if (fact_of(f, key) == NULL)
                fact(f, key, table_cell(points, i, 2)->null
                                 ? xstrdup("")
                                 : real_text(table_cell(points, i, 2)->v.r));
            else
                free(key);
        }
    }
    for (size_t i = 0; i < table_rows(evals); i++)
        fact(f, xasprintf("eval on %s: %s", table_cell(evals, i, 2)->v.s,
                          table_cell(evals, i, 3)->v.s),
             table_cell(evals, i, 4)->null ? xstrdup("") : real_text(table_cell(evals, i, 4)->v.r));
    rc = 0;
out:
    table_free(info);
    table_free(metrics);
    table_free(points);
    table_free(evals);
    return rc;
}

static enum cmd_retval
cmd_diff_exec(struct session *s, int argc, char **argv)
{
    struct facts a = {0}, b = {0};
    struct aiwb_table *t = NULL;
    size_t ida, idb, same = 0;
    enum cmd_retval rc = CMD_ERROR;
    char *ta, *tb;

    (void)argc;
    if (cmd_parse_size(s, "the first run", argv[0], &ida) < 0 ||
        cmd_parse_size(s, "the second run", argv[1], &idb) < 0 ||
        gather(s, (int64_t)ida, &a) < 0 || gather(s, (int64_t)idb, &b) < 0)
        goto out;
    ta = xasprintf("run %zu", ida);
    tb = xasprintf("run %zu", idb);
    t = table_new(NULL);
    table_column(t, "", AIWB_TABLE_TEXT);
    table_column(t, ta, AIWB_TABLE_TEXT);
    table_column(t, tb, AIWB_TABLE_TEXT);
    free(ta);
    free(tb);
    /* A's facts in order, then those only B has. */
    for (size_t i = 0; i < a.n; i++) {
        const char *vb = fact_of(&b, a.keys[i]);

        if (vb != NULL && strcmp(vb, a.values[i]) == 0) {
            same++;
            continue;
        }
        table_text(t, a.keys[i]);
        table_text(t, a.values[i]);
        if (vb != NULL)
            table_text(t, vb);
        else
            table_null(t);
    }
    for (size_t i = 0; i < b.n; i++) {
        if (fact_of(&a, b.keys[i]) != NULL)
            continue;
        table_text(t, b.keys[i]);
        table_null(t);
        table_text(t, b.values[i]);
    }
    if (table_rows(t) == 0) {
        output_say(&s->out, "runs %zu and %zu do not differ (%zu facts alike)", ida, idb, same);
    } else {
        table_notef(t, "(%zu other fact%s alike)", same, same == 1 ? "" : "s");
        output_table(&s->out, t);
    }
    rc = CMD_OK;
out:
    table_free(t);
    facts_release(&a);
    facts_release(&b);
    return rc;
}

const struct cmd_entry cmd_diff_entry = {
    .name = "diff",
    .usage = "diff RUN RUN",
    .summary = "two runs side by side, only the parameters and results that differ",
    .help = "Compares what was asked (algorithm, each option, transforms, data, target,\n"
            "seed, folds) and what came out (status, iterations, the metrics over the\n"
            "folds of a cross-validation or the last values of a training curve, the\n"
            "evaluations of the models a run saved). Facts alike are counted, not shown.",
    .min_args = 2,
    .max_args = 2,
    .exec = cmd_diff_exec,
};
