/*
 * cmd-importance.c - "importance": what a model leans on. The model's own
 * account where it has one (coefficients, a forest's impurity decrease),
 * and permutation importance for any model: how much a metric worsens when
 * one input column's values are shuffled among the rows (Breiman 2001;
 * scikit-learn's permutation_importance).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <config.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_rng.h>

#include "core/frame.h"
#include "core/pipeline.h"
#include "core/table.h"
#include "core/xalloc.h"
#include "repl/cmd.h"
#include "repl/fit.h"
#include "repl/importance.h"
#include "repl/jobs.h"
#include "repl/session.h"

#define DEFAULT_REPEATS 5
#define DEFAULT_SEED 1

/* The place of metric NAME in EV, or -1. */
static long
metric_index(const struct evaluation *ev, const char *name)
{
    for (size_t i = 0; i < ev->n; i++)
        if (strcmp(ev->names[i], name) == 0)
            return (long)i;
    return -1;
}

/* The value of metric NAME in EV, or NaN. */
static double
metric_of(const struct evaluation *ev, const char *name)
{
    long i = metric_index(ev, name);

    return i < 0 ? NAN : ev->values[i];
}

/* DATA with column C's values in the order PERM (the other columns shared). */
static struct aiwb_frame *
permuted(const struct aiwb_frame *data, size_t c, const size_t *perm)
{
    size_t n = frame_rows(data);
    struct aiwb_frame *one = frame_new(n), *shuffled, *out = frame_new(n);

    frame_copy_col(one, data, c, NULL);
    shuffled = frame_take(one, perm, n);
    for (size_t j = 0; j < frame_cols(data); j++)
        frame_copy_col(out, j == c ? shuffled : data, j == c ? 0 : j, NULL);
    frame_free(one);
    frame_free(shuffled);
    return out;
}

static void
shuffle(gsl_rng *rng, size_t *a, size_t n)
{
    for (size_t i = n; i-- > 1;) {
        size_t j = (size_t)gsl_rng_uniform_int(rng, (unsigned long)i + 1), t = a[i];

        a[i] = a[j];
        a[j] = t;
    }
}

/* Whether the progress line is drawn: at a terminal, outside the TUI. */
static int
progress_shown(const struct session *s)
{
    return s->interactive && s->tui == NULL;
}

/* The mean and sample sd of each input's REPEATS worsenings DROP into IMP,
 * and the inputs ordered most important first. */
static void
summarise(struct importance *imp, const double *drop, size_t repeats)
{
    for (size_t j = 0; j < imp->n; j++) {
        double ss = 0;

        imp->mean[j] = 0;
        for (size_t r = 0; r < repeats; r++)
            imp->mean[j] += drop[j * repeats + r] / (double)repeats;
        for (size_t r = 0; r < repeats; r++)
            ss += (drop[j * repeats + r] - imp->mean[j]) * (drop[j * repeats + r] - imp->mean[j]);
        imp->sd[j] = repeats > 1 ? sqrt(ss / (double)(repeats - 1)) : NAN;
        imp->order[j] = j;
    }
    /* Most important first; ties keep the model's column order. */
    for (size_t a = 1; a < imp->n; a++)
        for (size_t b = a; b > 0 && imp->mean[imp->order[b - 1]] < imp->mean[imp->order[b]];
             b--) {
            size_t tmp = imp->order[b];

            imp->order[b] = imp->order[b - 1];
            imp->order[b - 1] = tmp;
        }
}

/* Permutation importance; see importance.h. */
int
importance_permute(struct session *s, const char *cmd, const char *label,
                   const struct pipeline *p, const struct dataset *d,
                   const struct evaluation *base, const char *metric, size_t repeats,
                   size_t seed, struct importance *imp)
{
    size_t n = frame_rows(d->frame), *perm;
    double *drop;
    char *cause = NULL;
    gsl_rng *rng;
    int higher, rc = -1;

    memset(imp, 0, sizeof *imp);
    imp->metric = metric != NULL                                 ? metric
                  : pipeline_task(p) == AIWB_TASK_CLASSIFICATION ? "accuracy"
                                                                 : "r2";
    if (metric_index(base, imp->metric) < 0) {
        cmd_error(s, "%s: eval reports no metric '%s' for '%s'", cmd, imp->metric, label);
        return -1;
    }
    imp->baseline = metric_of(base, imp->metric);
    imp->n = pipeline_n_inputs(p);
    imp->mean = xcalloc(imp->n ? imp->n : 1, sizeof *imp->mean);
    imp->sd = xcalloc(imp->n ? imp->n : 1, sizeof *imp->sd);
    imp->order = xcalloc(imp->n ? imp->n : 1, sizeof *imp->order);
    higher = fit_higher_is_better(imp->metric);
    perm = xmalloc((n ? n : 1) * sizeof *perm);
    drop = xcalloc((imp->n ? imp->n : 1) * repeats, sizeof *drop);
    rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, (unsigned long)((uint32_t)seed ^ (uint32_t)((uint64_t)seed >> 32)));
    for (size_t j = 0; j < imp->n; j++) {
        long c = frame_find(d->frame, pipeline_input_name(p, j));

        if (c < 0) {
            cmd_error(s, "%s: '%s' has no column '%s', which the model reads", cmd, d->name,
                      pipeline_input_name(p, j));
            goto out;
        }
        for (size_t r = 0; r < repeats; r++) {
            struct evaluation ev;
            struct aiwb_frame *f;

            for (size_t i = 0; i < n; i++)
                perm[i] = i;
            shuffle(rng, perm, n);
            f = permuted(d->frame, (size_t)c, perm);
            if (pipeline_evaluate(p, f, &ev, NULL, &cause) < 0) {
                cmd_error(s, "cannot evaluate '%s' with '%s' shuffled: %s", label,
                          pipeline_input_name(p, j), cause);
                frame_free(f);
                goto out;
            }
            frame_free(f);
            drop[j * repeats + r] = higher ? imp->baseline - metric_of(&ev, imp->metric)
                                           : metric_of(&ev, imp->metric) - imp->baseline;
            evaluation_release(&ev);
            if (jobs_stopping()) {
                cmd_error(s, "%s: stopped by the user", cmd);
                goto out;
            }
        }
        if (progress_shown(s)) {
            fprintf(s->out.err, "\r  column %zu/%zu\033[K", j + 1, imp->n);
            fflush(s->out.err);
        }
    }
    summarise(imp, drop, repeats);
    rc = 0;
out:
    /* The progress line goes before anything else is said. */
    if (progress_shown(s)) {
        fputs("\r\033[K", s->out.err);
        fflush(s->out.err);
    }
    if (rc < 0)
        importance_release(imp);
    gsl_rng_free(rng);
    free(perm);
    free(drop);
    free(cause);
    return rc;
}

/* Free what IMP holds; see importance.h. */
void
importance_release(struct importance *imp)
{
    free(imp->mean);
    free(imp->sd);
    free(imp->order);
    imp->mean = imp->sd = NULL;
    imp->order = NULL;
    imp->n = 0;
}

static enum cmd_retval
cmd_importance_exec(struct session *s, int argc, char **argv)
{
    static const char *const keys[] = {"repeats", "seed", "metric"};
    const char *val[3];
    struct pipeline *p;
    struct dataset *d;
    struct evaluation base = {0};
    struct importance imp = {0};
    struct aiwb_table *own = NULL, *t = NULL;
    size_t repeats = DEFAULT_REPEATS, seed = DEFAULT_SEED;
    char *cause = NULL, *notes = NULL;
    int version;
    enum cmd_retval rc = CMD_ERROR;

    if (argc < 3 || strcmp(argv[1], "on") != 0) {
        cmd_error(s, "importance: usage: importance MODEL on DATASET [repeats=5] [seed=N] "
                     "[metric=NAME]");
        return CMD_ERROR;
    }
    if (cmd_keywords(s, argc - 3, argv + 3, 3, keys, val) < 0 ||
        (val[0] != NULL && cmd_parse_size(s, "repeats", val[0], &repeats) < 0) ||
        (val[1] != NULL && cmd_parse_size(s, "seed", val[1], &seed) < 0))
        return CMD_ERROR;
    if (repeats == 0) {
        cmd_error(s, "importance: repeats must be 1 or more");
        return CMD_ERROR;
    }
    if ((p = session_model(s, argv[0], &version)) == NULL ||
        (d = session_need_dataset(s, argv[2])) == NULL)
        return CMD_ERROR;
    if (pipeline_task(p) != AIWB_TASK_REGRESSION && pipeline_task(p) != AIWB_TASK_CLASSIFICATION) {
        cmd_error(s, "importance: '%s' learns no target; permutation importance needs a "
                     "regression or classification model", argv[0]);
        return CMD_ERROR;
    }

    if (pipeline_evaluate(p, d->frame, &base, &notes, &cause) < 0) {
        cmd_error(s, "cannot evaluate '%s' on '%s': %s", argv[0], d->name, cause);
        goto out;
    }
    own = table_new(NULL);
    if (pipeline_summary(p, own) == AIWB_OK && own->ncols > 0) {
        output_say(&s->out, "the model's own account (%s):", pipeline_algorithm(p));
        output_table(&s->out, own);
    }
    if (notes != NULL)
        output_notes(&s->out, notes);
    if (importance_permute(s, "importance", argv[0], p, d, &base, val[2], repeats, seed, &imp) <
        0)
        goto out;
    t = table_new(NULL);
    table_column(t, "column", AIWB_TABLE_TEXT);
    table_column(t, "importance", AIWB_TABLE_REAL);
    table_column(t, "sd", AIWB_TABLE_REAL);
    for (size_t a = 0; a < imp.n; a++) {
        table_text(t, pipeline_input_name(p, imp.order[a]));
        table_real(t, imp.mean[imp.order[a]]);
        if (repeats > 1)
            table_real(t, imp.sd[imp.order[a]]);
        else
            table_null(t);
    }
    table_notef(t, "(how much %s worsens on '%s' when the column is shuffled: the mean over "
                   "%zu shuffle%s, seed %zu; %s without shuffling is %.6g)",
                imp.metric, d->name, repeats, repeats == 1 ? "" : "s", seed, imp.metric,
                imp.baseline);
    output_say(&s->out, "permutation importance of %s:%d on '%s' (%zu rows)", argv[0], version,
               d->name, frame_rows(d->frame));
    output_table(&s->out, t);
    rc = CMD_OK;
out:
    importance_release(&imp);
    evaluation_release(&base);
    table_free(own);
    table_free(t);
    free(notes);
    free(cause);
    return rc;
}

const struct cmd_entry cmd_importance_entry = {
    .name = "importance",
    .usage = "importance MODEL on DATASET [repeats=5] [seed=N] [metric=NAME]",
    .summary = "what a model leans on: its own account, and permutation importance per column",
    .help = "First the model's own account where it has one (coefficients, a forest's\n"
            "impurity decrease). Then, for any regression or classification model, each\n"
            "input column's values are shuffled among the rows and the model evaluated\n"
            "again: the importance is how much the metric worsens (accuracy for a\n"
            "classifier, R² for a regression, or metric=NAME), the mean over repeats\n"
            "shuffles with its sd. Use held-out data: on the training rows it shows what\n"
            "the model memorised as much as what it learned. The same seed gives the same\n"
            "numbers.",
    .min_args = 3,
    .max_args = 6,
    .complete = {COMPLETE_MODEL, COMPLETE_NONE},
    .exec = cmd_importance_exec,
};
