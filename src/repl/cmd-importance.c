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
#include "repl/jobs.h"
#include "repl/session.h"

#define DEFAULT_REPEATS 5
#define DEFAULT_SEED 1

/* The value of metric NAME in EV, or NaN. */
static double
metric_of(const struct evaluation *ev, const char *name)
{
    for (size_t i = 0; i < ev->n; i++)
        if (strcmp(ev->names[i], name) == 0)
            return ev->values[i];
    return NAN;
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

static enum cmd_retval
cmd_importance_exec(struct session *s, int argc, char **argv)
{
    static const char *const keys[] = {"repeats", "seed", "metric"};
    const char *val[3];
    struct pipeline *p;
    struct dataset *d;
    struct evaluation base = {0};
    struct aiwb_table *own = NULL, *t = NULL;
    size_t repeats = DEFAULT_REPEATS, seed = DEFAULT_SEED, n, ninputs, *perm = NULL;
    double baseline, *drop = NULL;
    char *cause = NULL, *notes = NULL, *metric = NULL;
    gsl_rng *rng = NULL;
    int version, higher, stopped = 0;
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
    free(notes);
    notes = NULL;
    metric = xstrdup(val[2] != NULL                                   ? val[2]
                     : pipeline_task(p) == AIWB_TASK_CLASSIFICATION ? "accuracy"
                                                                      : "r2");
    baseline = metric_of(&base, metric);
    if (isnan(baseline) && val[2] != NULL) {
        cmd_error(s, "importance: eval reports no metric '%s' for '%s'", metric, argv[0]);
        goto out;
    }
    higher = fit_higher_is_better(metric);
    n = frame_rows(d->frame);
    ninputs = pipeline_n_inputs(p);
    perm = xmalloc((n ? n : 1) * sizeof *perm);
    drop = xcalloc((ninputs ? ninputs : 1) * repeats, sizeof *drop);
    rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, (unsigned long)((uint32_t)seed ^ (uint32_t)((uint64_t)seed >> 32)));
    for (size_t j = 0; j < ninputs && !stopped; j++) {
        long c = frame_find(d->frame, pipeline_input_name(p, j));

        if (c < 0) {
            cmd_error(s, "importance: '%s' has no column '%s', which the model reads", d->name,
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
                cmd_error(s, "cannot evaluate '%s' with '%s' shuffled: %s", argv[0],
                          pipeline_input_name(p, j), cause);
                frame_free(f);
                goto out;
            }
            frame_free(f);
            drop[j * repeats + r] = higher ? baseline - metric_of(&ev, metric)
                                           : metric_of(&ev, metric) - baseline;
            evaluation_release(&ev);
            if (jobs_stopping()) {
                stopped = 1;
                break;
            }
        }
        if (s->interactive && s->tui == NULL) {
            fprintf(s->out.err, "\r  column %zu/%zu\033[K", j + 1, ninputs);
            fflush(s->out.err);
        }
    }
    if (s->interactive && s->tui == NULL) {
        fputs("\r\033[K", s->out.err);
        fflush(s->out.err);
    }
    if (stopped) {
        cmd_error(s, "importance: stopped by the user");
        goto out;
    }
    {
        size_t *order = xmalloc((ninputs ? ninputs : 1) * sizeof *order);
        double *mean = xcalloc(ninputs ? ninputs : 1, sizeof *mean);
        double *sd = xcalloc(ninputs ? ninputs : 1, sizeof *sd);

        for (size_t j = 0; j < ninputs; j++) {
            double ss = 0;

            for (size_t r = 0; r < repeats; r++)
                mean[j] += drop[j * repeats + r] / (double)repeats;
            for (size_t r = 0; r < repeats; r++)
                ss += (drop[j * repeats + r] - mean[j]) * (drop[j * repeats + r] - mean[j]);
            sd[j] = repeats > 1 ? sqrt(ss / (double)(repeats - 1)) : NAN;
            order[j] = j;
        }
        /* Most important first; ties keep the model's column order. */
        for (size_t a = 1; a < ninputs; a++)
            for (size_t b = a; b > 0 && mean[order[b - 1]] < mean[order[b]]; b--) {
                size_t tmp = order[b];

                order[b] = order[b - 1];
                order[b - 1] = tmp;
            }
        t = table_new(NULL);
        table_column(t, "column", AIWB_TABLE_TEXT);
        table_column(t, "importance", AIWB_TABLE_REAL);
        table_column(t, "sd", AIWB_TABLE_REAL);
        for (size_t a = 0; a < ninputs; a++) {
            table_text(t, pipeline_input_name(p, order[a]));
            table_real(t, mean[order[a]]);
            if (repeats > 1)
                table_real(t, sd[order[a]]);
            else
                table_null(t);
        }
        table_notef(t, "(how much %s worsens on '%s' when the column is shuffled: the mean over "
                       "%zu shuffle%s, seed %zu; %s without shuffling is %.6g)",
                    metric, d->name, repeats, repeats == 1 ? "" : "s", seed, metric, baseline);
        output_say(&s->out, "permutation importance of %s:%d on '%s' (%zu rows)", argv[0],
                   version, d->name, n);
        output_table(&s->out, t);
        free(order);
        free(mean);
        free(sd);
    }
    rc = CMD_OK;
out:
    if (rng != NULL)
        gsl_rng_free(rng);
    evaluation_release(&base);
    table_free(own);
    table_free(t);
    free(perm);
    free(drop);
    free(metric);
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
