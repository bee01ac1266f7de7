/*
 * cmd-runs.c - "runs": every run of the workspace, one run in detail, or
 * the runs ranked by a metric (a leaderboard).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <config.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/table.h"
#include "core/xalloc.h"
#include "repl/cmd.h"
#include "repl/fit.h"
#include "repl/session.h"
#include "repl/view.h"
#include "store/store.h"

/* Report *CAUSE when a listing failed (RC < 0); 0 or -1. */
static int
checked(struct session *s, int rc, char **cause)
{
    if (rc < 0) {
        cmd_error(s, "%s", *cause);
        free(*cause);
        *cause = NULL;
        return -1;
    }
    return 0;
}

static int
fetch_runs(void *store, int64_t offset, int64_t limit, struct aiwb_table *t, char **cause)
{
    return store_run_page(store, offset, limit, t, cause);
}

static enum cmd_retval
list_all(struct session *s)
{
    struct aiwb_table *t;
    char *cause = NULL;
    int64_t n = 0;

    /* In the TUI a long list is a view that reads only the page it shows. */
    if (s->tui != NULL) {
        struct view_pages pg = {0, fetch_runs, s->store};
        struct view *v;

        if (checked(s, store_run_count(s->store, &n, &cause), &cause) < 0)
            return CMD_ERROR;
        if (n > 0) {
            pg.total = n;
            v = view_new("runs");
            view_pages(v, &pg);
            view_show(s, v);
            output_say(&s->out, "%lld run%s in the view pane (F6, then PgUp/PgDn, Left/Right)",
                       (long long)n, n == 1 ? "" : "s");
            return CMD_OK;
        }
    }
    t = table_new(NULL);

    if (checked(s, store_run_list(s->store, t, &cause), &cause) < 0) {
        table_free(t);
        return CMD_ERROR;
    }
    if (table_rows(t) == 0)
        output_say(&s->out, "no runs yet: train a model with `train ALGORITHM on DATASET "
                            "target=COLUMN`");
    else
        output_table(&s->out, t);
    table_free(t);
    return CMD_OK;
}

/* The curve points (step, name, value) of POINTS as a table of a row per
 * step and a column per name, the names in order of first appearance. */
static struct aiwb_table *
pivot(const struct aiwb_table *points, const char *title, const char *step_name)
{
    struct aiwb_table *t = table_new(title);
    size_t n = table_rows(points), nnames = 0;
    const char **names = xcalloc(n + 1, sizeof *names);

    for (size_t i = 0; i < n; i++) {
        const char *name = table_cell(points, i, 1)->v.s;
        size_t j = 0;

        while (j < nnames && strcmp(names[j], name) != 0)
            j++;
        if (j == nnames)
            names[nnames++] = name;
    }
    table_column(t, step_name, AIWB_TABLE_INT);
    for (size_t j = 0; j < nnames; j++)
        table_column(t, names[j], AIWB_TABLE_REAL);
    for (size_t i = 0; i < n;) {
        int64_t step = table_cell(points, i, 0)->v.i;

        table_int(t, step);
        for (size_t j = 0; j < nnames; j++) {
            size_t k = i;

            while (k < n && table_cell(points, k, 0)->v.i == step &&
                   strcmp(table_cell(points, k, 1)->v.s, names[j]) != 0)
                k++;
            if (k < n && table_cell(points, k, 0)->v.i == step &&
                !table_cell(points, k, 2)->null)
                table_real(t, table_cell(points, k, 2)->v.r);
            else
                table_null(t);
        }
        while (i < n && table_cell(points, i, 0)->v.i == step)
            i++;
    }
    free(names);
    return t;
}

static enum cmd_retval
show_one(struct session *s, const char *word)
{
    struct aiwb_table *info = table_new(NULL), *metrics = table_new("metrics over the folds"),
                      *points = table_new(NULL), *evals = table_new("evaluations"), *curve;
    char *cause = NULL;
    size_t id;
    int cv;
    enum cmd_retval rc = CMD_ERROR;

    if (cmd_parse_size(s, "the run", word, &id) < 0)
        goto out;
    if (checked(s, store_run_info(s->store, (int64_t)id, info, &cause), &cause) < 0 ||
        checked(s, store_run_metrics(s->store, (int64_t)id, metrics, &cause), &cause) < 0 ||
        checked(s, store_curve_list(s->store, (int64_t)id, points, &cause), &cause) < 0 ||
        checked(s, store_run_evals(s->store, (int64_t)id, evals, &cause), &cause) < 0)
        goto out;
    output_table(&s->out, info);
    cv = strcmp(table_cell(info, 0, 1)->v.s, "cv") == 0;
    if (table_rows(metrics) > 0)
        output_table(&s->out, metrics);
    if (table_rows(points) > 0) {
        curve = pivot(points, cv ? "each fold" : "curve", cv ? "fold" : "iteration");
        output_table(&s->out, curve);
        table_free(curve);
    }
    if (table_rows(evals) > 0)
        output_table(&s->out, evals);
    rc = CMD_OK;
out:
    table_free(info);
    table_free(metrics);
    table_free(points);
    table_free(evals);
    return rc;
}

static enum cmd_retval
leaderboard(struct session *s, const char *metric)
{
    struct aiwb_table *t = table_new(NULL);
    char *cause = NULL;
    int higher = fit_higher_is_better(metric);

    if (*metric == '\0') {
        cmd_error(s, "runs: by= needs a metric (accuracy, rmse, ...)");
        table_free(t);
        return CMD_ERROR;
    }
    if (checked(s, store_leaderboard(s->store, metric, higher, t, &cause), &cause) < 0) {
        table_free(t);
        return CMD_ERROR;
    }
    if (table_rows(t) == 0) {
        output_say(&s->out, "no run has measured %s: cross-validate with `cv`, or `eval` a "
                            "model", metric);
    } else {
        table_notef(t, "(best first: %s is better %s; cross-validated means and held-out "
                       "evaluations are different measures)", metric,
                    higher ? "higher" : "lower");
        output_table(&s->out, t);
    }
    table_free(t);
    return CMD_OK;
}

static enum cmd_retval
cmd_runs_exec(struct session *s, int argc, char **argv)
{
    if (argc == 0)
        return list_all(s);
    if (strncmp(argv[0], "by=", 3) == 0)
        return leaderboard(s, argv[0] + 3);
    return show_one(s, argv[0]);
}

const struct cmd_entry cmd_runs_entry = {
    .name = "runs",
    .usage = "runs [ID | by=METRIC]",
    .summary = "the runs of the workspace; one run in detail; or a leaderboard by a metric",
    .help = "`runs` lists every run: training, cross-validation (kind cv). `runs ID` shows\n"
            "one: what it was, its metrics over the folds, its curve (a row per iteration,\n"
            "or per fold), and the evaluations of the models it saved. `runs by=METRIC`\n"
            "ranks the runs that measured METRIC, best first: cross-validation means with\n"
            "their standard deviation, and each evaluation of a model a run saved.",
    .min_args = 0,
    .max_args = 1,
    .exec = cmd_runs_exec,
};
