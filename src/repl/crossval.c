/*
 * crossval.c - k-fold cross-validation for cv and tune.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each fold is a fresh pipeline, transforms included, fitted on the other
 * folds only, so no preprocessing sees the rows it is scored on. The folds
 * come from split_folds() (core/split.c): the same seed, strata and data
 * give the same folds on every machine, which is what lets `compare` pair
 * two models fold by fold.
 */
#include <config.h>

#include "repl/crossval.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/codec.h"
#include "core/frame.h"
#include "core/numfmt.h"
#include "core/options.h"
#include "core/pipeline.h"
#include "core/registry.h"
#include "core/split.h"
#include "core/strbuf.h"
#include "core/table.h"
#include "core/xalloc.h"
#include "repl/cmd.h"
#include "repl/fit.h"
#include "repl/jobs.h"
#include "repl/session.h"
#include "store/store.h"

/* A checksum of the folds and of the column they were stratified by or
 * the target: two plans with the same text split the same rows alike. */
static uint32_t
plan_check(const struct cv_plan *plan, const struct aiwb_frame *f, long c)
{
    uint32_t crc = 0;

    for (size_t i = 0; i < plan->n; i++) {
        unsigned char b[4] = {(unsigned char)plan->fold[i], (unsigned char)(plan->fold[i] >> 8),
                              (unsigned char)(plan->fold[i] >> 16),
                              (unsigned char)(plan->fold[i] >> 24)};

        crc = codec_crc32(crc, b, sizeof b);
    }
    if (c < 0)
        return crc;
    for (size_t i = 0; i < plan->n; i++) {
        char buf[NUMFMT_BUFSZ];
        const char *v;

        if (frame_is_missing(f, (size_t)c, i))
            v = "";
        else if (frame_col_type(f, (size_t)c) == AIWB_CATEGORICAL)
            v = frame_level(f, (size_t)c, frame_codes(f, (size_t)c)[i]);
        else
            v = numfmt_exact(buf, frame_numeric(f, (size_t)c)[i]);
        crc = codec_crc32(crc, v, strlen(v) + 1);
    }
    return crc;
}

/* Whether A's algorithm will treat target column C of F as classes: a
 * categorical target, or a numeric one for an algorithm that only classifies. */
static int
classifies(const struct fit_args *a, const struct aiwb_frame *f, size_t c)
{
    const struct component *comp = registry_find(COMPONENT_ALGORITHM, a->algorithm);
    unsigned tasks = comp != NULL ? comp->flags & AIWB_TASK_MASK : 0;

    if (frame_col_type(f, c) == AIWB_CATEGORICAL)
        return (tasks & AIWB_TASK_CLASSIFICATION) != 0;
    return (tasks & AIWB_TASK_CLASSIFICATION) && !(tasks & AIWB_TASK_REGRESSION);
}

int
cv_plan_make(struct session *s, const struct fit_args *a, const struct dataset *d,
             size_t default_k, struct cv_plan *plan)
{
    const struct aiwb_frame *f = d->frame;
    const char *by = NULL;
    int32_t *strata = NULL;
    size_t nstrata = 0;
    long c = -1, tc = a->target != NULL ? frame_find(f, a->target) : -1;
    struct strbuf sb = STRBUF_INIT;

    memset(plan, 0, sizeof *plan);
    if (a->target != NULL && tc < 0) {
        char *all = frame_column_list(f);

        cmd_error(s, "%s: '%s' has no target column '%s' (the columns: %s)", a->cmd, d->name,
                  a->target, all);
        free(all);
        return -1;
    }
    plan->n = frame_rows(f);
    plan->k = a->folds > 0 ? a->folds : default_k;
    if (a->stratify != NULL && strcmp(a->stratify, "no") != 0) {
        by = *a->stratify ? a->stratify : a->target;
        if (by == NULL) {
            cmd_error(s, "%s: stratify by what? there is no target; name a column with "
                         "stratify=COLUMN", a->cmd);
            return -1;
        }
    } else if (a->stratify == NULL && tc >= 0 && classifies(a, f, (size_t)tc)) {
        by = a->target; /* classes keep their shares in every fold, as Weka and scikit-learn do */
    }
    if (by != NULL) {
        if ((c = frame_find(f, by)) < 0) {
            cmd_error(s, "cannot stratify by '%s': '%s' has no such column", by, d->name);
            return -1;
        }
        if ((strata = cmd_strata(s, f, (size_t)c, &nstrata)) == NULL)
            return -1;
    }
    if (plan->k > plan->n) {
        cmd_error(s, "cannot make %zu folds of '%s': it has %zu row%s", plan->k, d->name, plan->n,
                  plan->n == 1 ? "" : "s");
        free(strata);
        return -1;
    }
    plan->fold = xmalloc((plan->n ? plan->n : 1) * sizeof *plan->fold);
    if (split_folds(plan->n, plan->k, a->seed, strata, nstrata, plan->fold) < 0) {
        cmd_error(s, "cannot make %zu folds of '%s'", plan->k, d->name);
        free(strata);
        cv_plan_release(plan);
        return -1;
    }
    free(strata);
    strbuf_addf(&sb, "%zu folds", plan->k);
    if (by != NULL)
        strbuf_addf(&sb, ", stratified by %s", by);
    strbuf_addf(&sb, ", seed %zu", a->seed);
    plan->how = xstrdup(strbuf_str(&sb));
    strbuf_reset(&sb);
    strbuf_addf(&sb, "%zu folds of '%s' (%zu rows), seed %zu", plan->k, d->name, plan->n,
                a->seed);
    if (by != NULL)
        strbuf_addf(&sb, ", stratified by %s", by);
    strbuf_addf(&sb, ", check %08x", (unsigned)plan_check(plan, f, c >= 0 ? c : tc));
    plan->text = strbuf_detach(&sb, NULL);
    return 0;
}

void
cv_plan_release(struct cv_plan *plan)
{
    free(plan->fold);
    free(plan->text);
    free(plan->how);
    memset(plan, 0, sizeof *plan);
}

void
cv_result_release(struct cv_result *r)
{
    for (size_t i = 0; i < r->n; i++)
        free(r->names[i]);
    free(r->names);
    free(r->values);
    free(r->mean);
    free(r->sd);
    free(r->options);
    memset(r, 0, sizeof *r);
}

/* The rows of fold F (TEST) or of the others into a new frame. */
static struct aiwb_frame *
fold_rows(const struct aiwb_frame *f, const struct cv_plan *plan, uint32_t fold, int test)
{
    size_t *idx = xmalloc((plan->n ? plan->n : 1) * sizeof *idx), m = 0;
    struct aiwb_frame *out;

    for (size_t i = 0; i < plan->n; i++)
        if ((plan->fold[i] == fold) == (test != 0))
            idx[m++] = i;
    out = frame_take(f, idx, m);
    free(idx);
    return out;
}

/* Whether headline NAME is a count of what was scored (rows, users), not a
 * measure of quality to average over folds. */
static int
is_count(const char *name)
{
    return strcmp(name, "rows") == 0 || strcmp(name, "users") == 0;
}

/* Take the metrics of one fold's evaluation EV into R (the first fold names them). */
static int
keep_fold(struct cv_result *r, const struct evaluation *ev, char **cause)
{
    size_t m = 0;

    for (size_t i = 0; i < ev->n; i++)
        if (!is_count(ev->names[i]))
            m++;
    if (r->done == 0) {
        r->names = xcalloc(m ? m : 1, sizeof *r->names);
        for (size_t i = 0; i < ev->n; i++)
            if (!is_count(ev->names[i]))
                r->names[r->n++] = xstrdup(ev->names[i]);
        r->values = xmalloc(r->k * (r->n ? r->n : 1) * sizeof *r->values);
    } else if (m != r->n) {
        *cause = xstrdup("the folds were scored with different metrics");
        return -1;
    }
    for (size_t i = 0, j = 0; i < ev->n; i++) {
        if (is_count(ev->names[i]))
            continue;
        if (strcmp(ev->names[i], r->names[j]) != 0) {
            *cause = xstrdup("the folds were scored with different metrics");
            return -1;
        }
        r->values[r->done * r->n + j++] = ev->values[i];
    }
    r->done++;
    return 0;
}

/* The means and sample standard deviations over the folds done. */
static void
summarise(struct cv_result *r)
{
    r->mean = xcalloc(r->n ? r->n : 1, sizeof *r->mean);
    r->sd = xcalloc(r->n ? r->n : 1, sizeof *r->sd);
    for (size_t j = 0; j < r->n; j++) {
        double mean = 0, ss = 0;

        for (size_t f = 0; f < r->done; f++)
            mean += (r->values[f * r->n + j] - mean) / (double)(f + 1);
        for (size_t f = 0; f < r->done; f++) {
            double d = r->values[f * r->n + j] - mean;

            ss += d * d;
        }
        r->mean[j] = mean;
        r->sd[j] = r->done > 1 ? sqrt(ss / (double)(r->done - 1)) : NAN;
    }
}

/* "accuracy 0.9333, f1 0.9327, log_loss 0.1801": the first metrics of fold F. */
static char *
fold_summary(const struct cv_result *r, const double *v, size_t most)
{
    struct strbuf sb = STRBUF_INIT;

    for (size_t j = 0; j < r->n && j < most; j++) {
        char buf[NUMFMT_BUFSZ];

        strbuf_addf(&sb, "%s%s %s", j ? ", " : "", r->names[j], numfmt_sig(buf, v[j], 4));
    }
    return strbuf_detach(&sb, NULL);
}

/* Fit and score fold F; 0, 1 if the user stopped it, or -1 with *cause set. */
static int
run_fold(struct session *s, const struct fit_args *a, size_t nextra, char **extra,
         const struct dataset *d, const struct cv_plan *plan, uint32_t f, const char *label,
         struct cv_result *r, char **cause)
{
    struct pipeline_spec spec;
    struct pipeline *p = NULL;
    struct aiwb_frame *train = NULL, *test = NULL;
    struct fit_outcome o = {0};
    struct evaluation ev = {0};
    char *notes = NULL, prefix[64];
    int rc = -1;

    if (fit_spec(s, a, nextra, extra, &spec) < 0) {
        *cause = xstrdup(cmd_last_error());
        return -1;
    }
    train = fold_rows(d->frame, plan, f, 0);
    test = fold_rows(d->frame, plan, f, 1);
    p = pipeline_prepare(&spec, train, &notes, cause);
    free(spec.tf);
    if (notes != NULL && f == 0)
        output_notes(&s->out, notes);
    free(notes);
    notes = NULL;
    if (p == NULL)
        goto out;
    snprintf(prefix, sizeof prefix, "%s%sfold %u/%zu", label != NULL ? label : "",
             label != NULL ? "  " : "", f + 1, plan->k);
    fit_loop(s, p, 0, prefix, &o);
    if (o.rc < 0) {
        *cause = o.cause;
        o.cause = NULL;
        goto out;
    }
    if (o.stopped) {
        rc = 1;
        goto out;
    }
    if (pipeline_finish(p, cause) < 0)
        goto out;
    if (pipeline_evaluate(p, test, &ev, &notes, cause) < 0)
        goto out;
    if (notes != NULL) {
        char *n = xasprintf("fold %u: %s", f + 1, notes);

        output_notes(&s->out, n);
        free(n);
    }
    rc = keep_fold(r, &ev, cause);
out:
    evaluation_release(&ev);
    pipeline_free(p);
    frame_free(train);
    frame_free(test);
    free(notes);
    free(o.cause);
    return rc;
}

int
cv_run(struct session *s, const struct fit_args *a, size_t nextra, char **extra,
       const struct dataset *d, const struct cv_plan *plan, const char *label, int fold_lines,
       struct cv_result *r)
{
    struct store_run run = {0};
    struct pipeline_spec spec;
    struct strbuf how = STRBUF_INIT;
    char *cause = NULL, *line;
    int rc = -1;

    memset(r, 0, sizeof *r);
    r->k = plan->k;
    /* The options, all of them, as the run records them; and a bad one is
     * reported before any run begins. */
    if (fit_spec(s, a, nextra, extra, &spec) < 0)
        return -1;
    r->options = options_format(spec.algo_opts, 1);
    options_free(spec.algo_opts);
    cmd_free_with(spec.tf, spec.n_tf);

    run.kind = "cv";
    run.algorithm = a->algorithm;
    run.transforms = strbuf_str(&a->with);
    run.options = r->options;
    run.dataset = a->dataset;
    run.target = a->target;
    run.seed = a->seed;
    run.command = s->current != NULL ? s->current : "";
    run.folds = plan->text;
    if (store_run_begin(s->store, &run, &r->run, &cause) < 0) {
        cmd_error(s, "%s", cause);
        free(cause);
        return -1;
    }
    for (uint32_t f = 0; f < plan->k; f++) {
        int got = run_fold(s, a, nextra, extra, d, plan, f, label, r, &cause);

        if (got < 0) {
            char *msg = xasprintf("fold %u of %zu: %s", f + 1, plan->k, cause);

            store_run_end(s->store, r->run, "failed", (int64_t)r->done, msg, NULL);
            cmd_error(s, "run %lld failed: %s", (long long)r->run, msg);
            free(msg);
            goto out;
        }
        if (got == 1 || jobs_stopping()) {
            r->stopped = 1;
            break;
        }
        for (size_t j = 0; j < r->n; j++) {
            if (store_run_curve(s->store, r->run, (int64_t)f + 1, r->names[j],
                                r->values[(r->done - 1) * r->n + j], &cause) < 0) {
                fprintf(s->out.err, "warning: %s\n", cause);
                free(cause);
                cause = NULL;
            }
        }
        if (fold_lines) {
            line = fold_summary(r, r->values + (r->done - 1) * r->n, 3);
            output_say(&s->out, "  fold %u/%zu: %s", f + 1, plan->k, line);
            free(line);
        }
    }
    summarise(r);
    if (r->done > 0)
        store_run_metrics_put(s->store, r->run, r->n, (const char *const *)r->names, r->mean,
                              r->sd, r->done, NULL);
    if (r->stopped)
        strbuf_addf(&how, "stopped by the user after %zu of %zu folds", r->done, plan->k);
    else
        strbuf_addf(&how, "%zu folds", r->done);
    for (size_t j = 0; j < r->n && j < 3 && r->done > 0; j++) {
        char m[NUMFMT_BUFSZ], sd[NUMFMT_BUFSZ];

        strbuf_addf(&how, "%s %s %s", j ? "," : ";", r->names[j], numfmt_sig(m, r->mean[j], 4));
        if (r->done > 1)
            strbuf_addf(&how, " ± %s", numfmt_sig(sd, r->sd[j], 2));
    }
    store_run_end(s->store, r->run, r->stopped ? "cancelled" : "finished", (int64_t)r->done,
                  strbuf_str(&how), NULL);
    rc = 0;
out:
    free(cause);
    strbuf_release(&how);
    return rc;
}

struct aiwb_table *
cv_table(const struct cv_result *r)
{
    struct aiwb_table *t = table_new(NULL);

    table_column(t, "metric", AIWB_TABLE_TEXT);
    table_column(t, "mean", AIWB_TABLE_REAL);
    table_column(t, "sd", AIWB_TABLE_REAL);
    table_column(t, "min", AIWB_TABLE_REAL);
    table_column(t, "max", AIWB_TABLE_REAL);
    for (size_t j = 0; j < r->n && r->done > 0; j++) {
        double lo = INFINITY, hi = -INFINITY;

        for (size_t f = 0; f < r->done; f++) {
            double v = r->values[f * r->n + j];

            lo = v < lo ? v : lo; /* a fold where the metric is undefined (NaN) is skipped */
            hi = v > hi ? v : hi;
        }
        table_text(t, r->names[j]);
        table_real(t, r->mean[j]);
        if (r->done > 1)
            table_real(t, r->sd[j]);
        else
            table_null(t);
        if (lo <= hi) {
            table_real(t, lo);
            table_real(t, hi);
        } else { /* undefined in every fold (roc_auc of one-row folds): NA as the mean */
            table_real(t, NAN);
            table_real(t, NAN);
        }
    }
    table_note(t, "(over the folds: the mean, the sample standard deviation, the lowest and "
                  "the highest)");
    return t;
}

int
cv_refit(struct session *s, const struct fit_args *a, size_t nextra, char **extra,
         const struct dataset *d, int64_t run, const char *name)
{
    struct pipeline_spec spec;
    struct pipeline *p;
    struct fit_outcome o = {0};
    char *cause = NULL, *how;
    int version = -1;

    if (fit_spec(s, a, nextra, extra, &spec) < 0)
        return -1;
    p = pipeline_prepare(&spec, d->frame, NULL, &cause);
    free(spec.tf);
    if (p == NULL) {
        cmd_error(s, "cannot fit %s on all of '%s': %s", a->algorithm, d->name, cause);
        free(cause);
        return -1;
    }
    fit_loop(s, p, 0, "all rows", &o);
    if (o.rc < 0 || o.stopped || pipeline_finish(p, &cause) < 0) {
        if (o.stopped)
            cmd_error(s, "stopped by the user while fitting on all of '%s': no model was saved",
                      d->name);
        else
            cmd_error(s, "cannot fit %s on all of '%s': %s", a->algorithm, d->name,
                      o.cause != NULL ? o.cause : cause);
        goto out;
    }
    if ((version = fit_save(s, p, name, run, a)) < 0)
        goto out;
    how = fit_describe(&o);
    output_say(&s->out, "fitted on all %zu rows of '%s' (%s); saved model '%s' version %d",
               frame_rows(d->frame), d->name, how, name, version);
    free(how);
    session_put_model(s, name, version, p);
    p = NULL;
out:
    pipeline_free(p);
    free(o.cause);
    free(cause);
    return version;
}
