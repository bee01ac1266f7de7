/*
 * cmd-compare.c - "compare": models side by side, best first, and when they
 * were cross-validated on the same folds, whether the differences are more
 * than the folds' noise: the corrected resampled t-test of Nadeau and
 * Bengio (2003), as Weka's Experimenter runs it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <config.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/metrics.h"
#include "core/numfmt.h"
#include "core/strbuf.h"
#include "core/table.h"
#include "core/xalloc.h"
#include "repl/cmd.h"
#include "repl/compare.h"
#include "repl/fit.h"
#include "repl/session.h"
#include "store/store.h"

#define SIGNIFICANCE 0.05

/* What the workspace knows of one model's measures. */
struct entry {
    char *name;          /* "m1:2" */
    int64_t run;
    char *algorithm, *options, *folds, *kind;
    size_t n;            /* metrics */
    char **metrics;
    double *mean, *sd;
    char *measured;      /* "10-fold cv", "eval on iris.test" */
    size_t nfolds;
    double *fold_values; /* cv: nfolds values of the chosen metric, by fold */
};

static void
entry_release(struct entry *e)
{
    free(e->name);
    free(e->algorithm);
    free(e->options);
    free(e->folds);
    free(e->kind);
    for (size_t i = 0; i < e->n; i++)
        free(e->metrics[i]);
    free(e->metrics);
    free(e->mean);
    free(e->sd);
    free(e->measured);
    free(e->fold_values);
}

static void
add_metric(struct entry *e, const char *name, double mean, double sd)
{
    e->metrics = xreallocarray(e->metrics, e->n + 1, sizeof *e->metrics);
    e->mean = xreallocarray(e->mean, e->n + 1, sizeof *e->mean);
    e->sd = xreallocarray(e->sd, e->n + 1, sizeof *e->sd);
    e->metrics[e->n] = xstrdup(name);
    e->mean[e->n] = mean;
    e->sd[e->n++] = sd;
}

static long
metric_index(const struct entry *e, const char *name)
{
    for (size_t i = 0; i < e->n; i++)
        if (strcmp(e->metrics[i], name) == 0)
            return (long)i;
    return -1;
}

static const char *
info_of(const struct aiwb_table *info, const char *field)
{
    for (size_t i = 0; i < table_rows(info); i++)
        if (strcmp(table_cell(info, i, 0)->v.s, field) == 0)
            return table_cell(info, i, 1)->null ? NULL : table_cell(info, i, 1)->v.s;
    return NULL;
}

/*
 * Add to E the latest value of each metric of EVALS (store_model_evals())
 * made on DATASET, in the order they were made, but the counts of rows and
 * users, which measure nothing.
 */
static void
add_latest(struct entry *e, const struct aiwb_table *evals, const char *dataset)
{
    size_t n = table_rows(evals);

    for (size_t i = 0; i < n; i++) {
        const char *metric = table_cell(evals, i, 2)->v.s;
        size_t later;

        if (table_cell(evals, i, 1)->null || strcmp(table_cell(evals, i, 1)->v.s, dataset) != 0 ||
            strcmp(metric, "rows") == 0 || strcmp(metric, "users") == 0)
            continue;
        for (later = i + 1; later < n; later++)
            if (!table_cell(evals, later, 1)->null &&
                strcmp(table_cell(evals, later, 1)->v.s, dataset) == 0 &&
                strcmp(table_cell(evals, later, 2)->v.s, metric) == 0)
                break;
        if (later == n)
            add_metric(e, metric, table_cell(evals, i, 3)->v.r, NAN);
    }
}

/*
 * Gather model REF: its run's cross-validation metrics if it was
 * cross-validated (cv ... as MODEL, tune), else its latest evaluations on
 * the dataset ON (or on the dataset of its latest evaluation). 0, or -1
 * after cmd_error().
 */
static int
gather(struct session *s, const char *ref, const char *on, struct entry *e)
{
    struct aiwb_table *info = table_new(NULL), *metrics = table_new(NULL),
                      *evals = table_new(NULL);
    char *cause = NULL, *name;
    const char *colon = strchr(ref, ':');
    int version = 0, rc = -1;

    memset(e, 0, sizeof *e);
    name = colon != NULL ? xstrndup(ref, (size_t)(colon - ref)) : xstrdup(ref);
    if (colon != NULL) {
        size_t v;

        if (cmd_parse_size(s, "the version", colon + 1, &v) < 0 || v == 0) {
            if (v == 0)
                cmd_error(s, "versions count from 1, not '%s'", colon + 1);
            goto out;
        }
        version = (int)v;
    }
    if (store_model_run(s->store, name, version, &e->run, &version, &cause) < 0) {
        cmd_error(s, "%s", cause);
        goto out;
    }
    e->name = xasprintf("%s:%d", name, version);
    if (e->run == 0) {
        cmd_error(s, "compare: the workspace does not know how '%s' was made", e->name);
        goto out;
    }
    if (store_run_info(s->store, e->run, info, &cause) < 0 ||
        store_run_metrics(s->store, e->run, metrics, &cause) < 0 ||
        store_model_evals(s->store, name, version, evals, &cause) < 0) {
        cmd_error(s, "%s", cause);
        goto out;
    }
    e->kind = xstrdup(info_of(info, "kind") != NULL ? info_of(info, "kind") : "");
    e->algorithm = xstrdup(info_of(info, "algorithm") != NULL ? info_of(info, "algorithm") : "");
    e->options = xstrdup(info_of(info, "options") != NULL ? info_of(info, "options") : "");
    if (strcmp(e->kind, "cv") == 0 && table_rows(metrics) > 0 && on == NULL) {
        e->folds = xstrdup(info_of(info, "folds") != NULL ? info_of(info, "folds") : "");
        for (size_t i = 0; i < table_rows(metrics); i++) {
            add_metric(e, table_cell(metrics, i, 0)->v.s, table_cell(metrics, i, 1)->v.r,
                       table_cell(metrics, i, 2)->v.r);
            e->nfolds = (size_t)table_cell(metrics, i, 3)->v.i;
        }
        e->measured = xasprintf("%zu-fold cv", e->nfolds);
    } else {
        /* The latest evaluations of this version, on ON or on the dataset of
         * its latest evaluation. */
        const char *dataset = on;

        for (size_t i = table_rows(evals); dataset == NULL && i-- > 0;)
            if (!table_cell(evals, i, 1)->null)
                dataset = table_cell(evals, i, 1)->v.s;
        if (dataset == NULL) {
            cmd_error(s, "compare: '%s' was neither cross-validated nor evaluated (`cv ... as "
                         "%s`, or `eval %s on DATASET`)", e->name, name, e->name);
            goto out;
        }
        add_latest(e, evals, dataset);
        if (e->n == 0) {
            cmd_error(s, "compare: '%s' was not evaluated on '%s'", e->name, dataset);
            goto out;
        }
        e->measured = xasprintf("eval on %s", dataset);
    }
    rc = 0;
out:
    free(cause);
    free(name);
    table_free(info);
    table_free(metrics);
    table_free(evals);
    return rc;
}

/* The fold values of metric NAME of E's run, by fold; 0 or -1 after cmd_error(). */
static int
fold_values(struct session *s, struct entry *e, const char *name)
{
    struct aiwb_table *points = table_new(NULL);
    char *cause = NULL;

    if (store_curve_list(s->store, e->run, points, &cause) < 0) {
        cmd_error(s, "%s", cause);
        free(cause);
        table_free(points);
        return -1;
    }
    e->fold_values = xcalloc(e->nfolds ? e->nfolds : 1, sizeof *e->fold_values);
    for (size_t f = 0; f < e->nfolds; f++)
        e->fold_values[f] = NAN;
    for (size_t i = 0; i < table_rows(points); i++) {
        int64_t step = table_cell(points, i, 0)->v.i;

        if (strcmp(table_cell(points, i, 1)->v.s, name) == 0 && step >= 1 &&
            (size_t)step <= e->nfolds)
            e->fold_values[step - 1] = table_cell(points, i, 2)->v.r;
    }
    table_free(points);
    return 0;
}

/* Why the entries cannot be paired fold by fold, or NULL if they can. */
static const char *
unpaired(const struct entry *e, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (e[i].folds == NULL)
            return "not all were cross-validated";
        if (strcmp(e[i].folds, e[0].folds) != 0 || e[i].nfolds != e[0].nfolds)
            return "they were cross-validated on different folds (the same data, folds and "
                   "seed make the same folds)";
    }
    return NULL;
}

/* The tables of `compare`; see compare.h. */
int
compare_tables(struct session *s, int argc, char **argv, struct aiwb_table **board,
               struct aiwb_table **test, const char **why)
{
    struct entry *e;
    size_t n = 0, *order;
    const char *by = NULL, *on = NULL;
    struct aiwb_table *t = NULL, *tt = NULL;
    long col;
    int higher, rc = -1;

    *why = NULL;
    e = xcalloc((size_t)argc, sizeof *e);
    order = xcalloc((size_t)argc, sizeof *order);
    for (int i = 0; i < argc; i++) {
        if (strncmp(argv[i], "by=", 3) == 0)
            by = argv[i] + 3;
        else if (strcmp(argv[i], "on") == 0 && i + 1 < argc)
            on = argv[++i];
    }
    for (int i = 0; i < argc; i++) {
        if (strncmp(argv[i], "by=", 3) == 0)
            continue;
        if (strcmp(argv[i], "on") == 0 && i + 1 < argc) {
            i++;
            continue;
        }
        if (gather(s, argv[i], on, &e[n]) < 0) {
            entry_release(&e[n]);
            goto out;
        }
        n++;
    }
    if (n < 2) {
        cmd_error(s, "compare: name two models or more");
        goto out;
    }
    for (size_t i = 1; i < n; i++) {
        if ((e[i].folds != NULL) != (e[0].folds != NULL) ||
            (e[i].folds == NULL && strcmp(e[i].measured, e[0].measured) != 0)) {
            cmd_error(s, "compare: %s was measured by %s, %s by %s: not on the same footing "
                         "(cross-validate both, or evaluate both on one dataset and add `on "
                         "DATASET`)", e[0].name, e[0].measured, e[i].name, e[i].measured);
            goto out;
        }
    }
    if (by == NULL)
        by = e[0].n > 0 ? e[0].metrics[0] : "";
    for (size_t i = 0; i < n; i++) {
        if (metric_index(&e[i], by) < 0) {
            cmd_error(s, "compare: %s has no %s (measured by %s)", e[i].name, by, e[i].measured);
            goto out;
        }
    }
    higher = fit_higher_is_better(by);
    for (size_t i = 0; i < n; i++)
        order[i] = i;
    for (size_t a = 1; a < n; a++)
        for (size_t b = a; b > 0; b--) {
            double x = e[order[b - 1]].mean[metric_index(&e[order[b - 1]], by)];
            double y = e[order[b]].mean[metric_index(&e[order[b]], by)];

            if (!(higher ? y > x : y < x))
                break;
            size_t tmp = order[b];
            order[b] = order[b - 1];
            order[b - 1] = tmp;
        }

    t = table_new(NULL);
    table_column(t, "model", AIWB_TABLE_TEXT);
    table_column(t, "algorithm", AIWB_TABLE_TEXT);
    table_column(t, "measured", AIWB_TABLE_TEXT);
    table_column(t, by, AIWB_TABLE_REAL);
    table_column(t, "sd", AIWB_TABLE_REAL);
    for (size_t j = 0; j < e[order[0]].n; j++)
        if (strcmp(e[order[0]].metrics[j], by) != 0)
            table_column(t, e[order[0]].metrics[j], AIWB_TABLE_REAL);
    for (size_t a = 0; a < n; a++) {
        const struct entry *x = &e[order[a]];

        col = metric_index(x, by);
        table_text(t, x->name);
        table_text(t, x->algorithm);
        table_text(t, x->measured);
        table_real(t, x->mean[col]);
        if (isnan(x->sd[col]))
            table_null(t);
        else
            table_real(t, x->sd[col]);
        for (size_t j = 0; j < e[order[0]].n; j++) {
            long k;

            if (strcmp(e[order[0]].metrics[j], by) == 0)
                continue;
            k = metric_index(x, e[order[0]].metrics[j]);
            if (k < 0)
                table_null(t);
            else
                table_real(t, x->mean[k]);
        }
    }
    table_notef(t, "(best first by %s, %s is better)", by, higher ? "higher" : "lower");

    if ((*why = unpaired(e, n)) != NULL) {
        rc = 0;
        goto out;
    }
    for (size_t i = 0; i < n; i++)
        if (fold_values(s, &e[i], by) < 0)
            goto out;
    tt = table_new(NULL);
    table_column(tt, "model", AIWB_TABLE_TEXT);
    table_column(tt, "difference", AIWB_TABLE_REAL);
    table_column(tt, "t", AIWB_TABLE_REAL);
    table_column(tt, "p", AIWB_TABLE_REAL);
    table_column(tt, "verdict", AIWB_TABLE_TEXT);
    for (size_t a = 1; a < n; a++) {
        const struct entry *base = &e[order[0]], *x = &e[order[a]];
        double *d = xmalloc(base->nfolds * sizeof *d);
        struct ttest_result r;
        char *cause = NULL;

        for (size_t f = 0; f < base->nfolds; f++)
            d[f] = x->fold_values[f] - base->fold_values[f];
        table_text(tt, x->name);
        if (metrics_corrected_ttest(d, base->nfolds, 1.0 / (double)(base->nfolds - 1), &r,
                                    &cause) < 0) {
            table_null(tt);
            table_null(tt);
            table_null(tt);
            table_text(tt, cause);
            free(cause);
        } else {
            int better = higher ? r.mean > 0 : r.mean < 0;

            table_real(tt, r.mean);
            table_real(tt, r.t);
            table_real(tt, r.p);
            table_text(tt, r.p < SIGNIFICANCE ? (better ? "significantly better"
                                                        : "significantly worse")
                                              : "no significant difference");
        }
        free(d);
    }
    table_notef(tt, "(each model against %s, fold by fold on %s: the corrected resampled "
                    "t-test of Nadeau and Bengio, as Weka's Experimenter, at the %g level)",
                e[order[0]].name, by, SIGNIFICANCE);
    rc = 0;
out:
    for (size_t i = 0; i < n; i++)
        entry_release(&e[i]);
    free(e);
    free(order);
    if (rc < 0) {
        table_free(t);
        table_free(tt);
        t = tt = NULL;
    }
    *board = t;
    *test = tt;
    return rc;
}

static enum cmd_retval
cmd_compare_exec(struct session *s, int argc, char **argv)
{
    struct aiwb_table *board, *test;
    const char *why;

    if (compare_tables(s, argc, argv, &board, &test, &why) < 0)
        return CMD_ERROR;
    output_table(&s->out, board);
    if (test != NULL)
        output_table(&s->out, test);
    else
        output_say(&s->out, "no significance test: %s", why);
    table_free(board);
    table_free(test);
    return CMD_OK;
}


const struct cmd_entry cmd_compare_entry = {
    .name = "compare",
    .usage = "compare MODEL MODEL ... [by=METRIC] [on DATASET]",
    .summary = "models side by side, best first; a significance test when cross-validated alike",
    .help = "Each model is measured by the cross-validation that made it (`cv ... as\n"
            "MODEL`, `tune`) or else by its latest `eval` (on DATASET with `on`). When\n"
            "all were cross-validated on the same folds (same data, folds, seed), each is\n"
            "tested against the best, fold by fold, with the corrected resampled t-test\n"
            "of Nadeau and Bengio (2003), as Weka's Experimenter: the plain paired t-test\n"
            "overstates significance because the folds' training sets overlap. METRIC\n"
            "defaults to the first one measured (accuracy, rmse ...).",
    .min_args = 2,
    .max_args = -1,
    .complete = {COMPLETE_MODEL, COMPLETE_MODEL},
    .exec = cmd_compare_exec,
};
