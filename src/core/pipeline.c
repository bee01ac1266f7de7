/*
 * pipeline.c - input schema + fitted transforms + fitted algorithm: what is
 * trained, saved, evaluated, and predicts from raw rows.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <config.h>

#include "core/pipeline.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/codec.h"
#include "core/frame.h"
#include "core/metrics.h"
#include "core/numfmt.h"
#include "core/options.h"
#include "core/registry.h"
#include "core/strbuf.h"
#include "core/table.h"
#include "core/xalloc.h"

#define PIPELINE_FORMAT 1
/* A numeric target with more distinct values cannot be a set of classes. */
#define MAX_NUMERIC_CLASSES 100

/* A raw input column as the pipeline was trained on it. */
struct schema_col {
    char *name;
    enum aiwb_coltype type;
    size_t nlevels;
    char **levels;
};

struct tf_inst {
    const struct component *comp;
    struct aiwb_options *opts;
    void *state;
    int automatic; /* added by the pipeline, not asked for */
};

struct pipeline {
    const struct component *algo;
    struct aiwb_options *algo_opts;
    void *algo_state;
    size_t n_tf;
    struct tf_inst *tf;
    char *target;
    unsigned task;
    uint64_t seed;
    size_t n_in;
    struct schema_col *in;
    size_t n_classes;
    char **classes;
    size_t p;
    char **features;
    unsigned *feature_levels;
    char *tf_text, *opts_text;
    /* Training only. */
    double *X, *y;
    struct aiwb_problem prob;
    int64_t iteration;
};

static const struct aiwb_transform_type *
tft(const struct tf_inst *t)
{
    return t->comp->type.transform;
}

static const struct aiwb_algorithm_type *
algt(const struct pipeline *p)
{
    return p->algo->type.algorithm;
}

static void
free_strings(char **v, size_t n)
{
    for (size_t i = 0; v != NULL && i < n; i++)
        free(v[i]);
    free(v);
}

static void
release_training(struct pipeline *p)
{
    free(p->X);
    free(p->y);
    p->X = p->y = NULL;
}

void
pipeline_free(struct pipeline *p)
{
    if (p == NULL)
        return;
    /* fini runs for every state allocated, after a failed init too: the
     * state starts zeroed, so fini frees what is not NULL (plugin.h). */
    for (size_t i = 0; i < p->n_tf; i++) {
        if (p->tf[i].state != NULL && tft(&p->tf[i])->fini != NULL)
            tft(&p->tf[i])->fini(p->tf[i].state);
        free(p->tf[i].state);
        options_free(p->tf[i].opts);
    }
    free(p->tf);
    if (p->algo_state != NULL && algt(p)->fini != NULL)
        algt(p)->fini(p->algo_state);
    free(p->algo_state);
    options_free(p->algo_opts);
    for (size_t i = 0; i < p->n_in; i++) {
        free(p->in[i].name);
        free_strings(p->in[i].levels, p->in[i].nlevels);
    }
    free(p->in);
    free(p->target);
    free_strings(p->classes, p->n_classes);
    free_strings(p->features, p->p);
    free(p->feature_levels);
    free(p->tf_text);
    free(p->opts_text);
    release_training(p);
    free(p);
}

static void
note(struct strbuf *notes, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
note(struct strbuf *notes, const char *fmt, ...)
{
    va_list ap;

    if (notes->len)
        strbuf_addch(notes, '\n');
    va_start(ap, fmt);
    strbuf_vaddf(notes, fmt, ap);
    va_end(ap);
}

/* "'a', 'b' and 'c'" of the columns of F whose flag in PICK is set. */
static char *
column_list(const struct aiwb_frame *f, const int *pick, const size_t *counts)
{
    struct strbuf sb = STRBUF_INIT;
    size_t total = 0, k = 0;

    for (size_t c = 0; c < frame_cols(f); c++)
        total += pick[c] != 0;
    for (size_t c = 0; c < frame_cols(f); c++) {
        if (!pick[c])
            continue;
        if (k > 0)
            strbuf_adds(&sb, k + 1 == total ? " and " : ", ");
        strbuf_addf(&sb, "'%s'", frame_col_name(f, c));
        if (counts != NULL)
            strbuf_addf(&sb, " (%zu row%s)", counts[c], counts[c] == 1 ? "" : "s");
        k++;
    }
    return strbuf_detach(&sb, NULL);
}

static char *
columns_of(const struct aiwb_frame *f)
{
    struct strbuf sb = STRBUF_INIT;

    for (size_t c = 0; c < frame_cols(f); c++)
        strbuf_addf(&sb, "%s%s", c ? ", " : "", frame_col_name(f, c));
    return strbuf_detach(&sb, NULL);
}

/* Settle the task and the classes from target column TC of DATA. */
static int
settle_task(struct pipeline *p, const struct aiwb_frame *data, size_t tc, char **cause)
{
    unsigned tasks = p->algo->flags & AIWB_TASK_MASK;
    const char *name = p->algo->name;

    if (frame_col_type(data, tc) == AIWB_CATEGORICAL) {
        if (!(tasks & AIWB_TASK_CLASSIFICATION)) {
            *cause = xasprintf("%s does regression, but the target '%s' is categorical (%zu "
                               "levels): choose a classifier such as logistic, or a numeric "
                               "target", name, p->target, frame_nlevels(data, tc));
            return AIWB_EDATA;
        }
        /* The classes are the levels some row holds, in level order. */
        size_t nl = frame_nlevels(data, tc);
        const int32_t *codes = frame_codes(data, tc);
        char *used = xcalloc(nl ? nl : 1, 1);

        for (size_t i = 0; i < frame_rows(data); i++)
            if (codes[i] >= 0)
                used[codes[i]] = 1;
        p->task = AIWB_TASK_CLASSIFICATION;
        p->classes = xcalloc(nl ? nl : 1, sizeof *p->classes);
        for (size_t k = 0; k < nl; k++)
            if (used[k])
                p->classes[p->n_classes++] = xstrdup(frame_level(data, tc, (int32_t)k));
        free(used);
        return AIWB_OK;
    }
    if (tasks & AIWB_TASK_REGRESSION) {
        p->task = AIWB_TASK_REGRESSION;
        return AIWB_OK;
    }
    if (!(tasks & AIWB_TASK_CLASSIFICATION)) {
        *cause = xasprintf("%s learns neither a regression nor a classification", name);
        return AIWB_EINVAL;
    }
    /* A numeric target for a classifier: its distinct values are the classes. */
    const double *y = frame_numeric(data, tc);
    double *vals = xmalloc((MAX_NUMERIC_CLASSES + 1) * sizeof *vals);
    size_t distinct = 0;

    /* The sorted distinct values, by insertion: there are few, or we stop. */
    for (size_t i = 0; i < frame_rows(data) && distinct <= MAX_NUMERIC_CLASSES; i++) {
        size_t j = 0;

        if (isnan(y[i]))
            continue;
        if (y[i] != floor(y[i])) {
            char buf[NUMFMT_BUFSZ];

            *cause = xasprintf("%s is a classifier, but the numeric target '%s' holds values "
                               "that are not whole numbers (such as %s): choose a regression "
                               "algorithm such as ols, or a categorical target", name, p->target,
                               numfmt_exact(buf, y[i]));
            free(vals);
            return AIWB_EDATA;
        }
        while (j < distinct && vals[j] < y[i])
            j++;
        if (j < distinct && vals[j] == y[i])
            continue;
        memmove(vals + j + 1, vals + j, (distinct - j) * sizeof *vals);
        vals[j] = y[i];
        distinct++;
    }
    if (distinct > MAX_NUMERIC_CLASSES) {
        free(vals);
        *cause = xasprintf("%s is a classifier, but the numeric target '%s' has more than %d "
                           "distinct values: choose a regression algorithm such as ols, or a "
                           "categorical target", name, p->target, MAX_NUMERIC_CLASSES);
        return AIWB_EDATA;
    }
    p->task = AIWB_TASK_CLASSIFICATION;
    p->n_classes = distinct;
    p->classes = xcalloc(distinct ? distinct : 1, sizeof *p->classes);
    for (size_t k = 0; k < distinct; k++) {
        char buf[NUMFMT_BUFSZ];

        p->classes[k] = xstrdup(numfmt_exact(buf, vals[k]));
    }
    free(vals);
    return AIWB_OK;
}

/* The class code of row I of target column TC, or -1 (missing or unknown). */
static int
class_of(const struct pipeline *p, const struct aiwb_frame *data, size_t tc, size_t i)
{
    const char *text;
    char buf[NUMFMT_BUFSZ];

    if (frame_is_missing(data, tc, i))
        return -1;
    if (frame_col_type(data, tc) == AIWB_CATEGORICAL)
        text = frame_level(data, tc, frame_codes(data, tc)[i]);
    else
        text = numfmt_exact(buf, frame_numeric(data, tc)[i]);
    for (size_t k = 0; k < p->n_classes; k++)
        if (strcmp(p->classes[k], text) == 0)
            return (int)k;
    return -1;
}

static void
record_schema(struct pipeline *p, const struct aiwb_frame *x)
{
    p->n_in = frame_cols(x);
    p->in = xcalloc(p->n_in ? p->n_in : 1, sizeof *p->in);
    for (size_t c = 0; c < p->n_in; c++) {
        struct schema_col *s = &p->in[c];

        s->name = xstrdup(frame_col_name(x, c));
        s->type = frame_col_type(x, c);
        if (s->type != AIWB_CATEGORICAL)
            continue;
        s->nlevels = frame_nlevels(x, c);
        s->levels = xcalloc(s->nlevels ? s->nlevels : 1, sizeof *s->levels);
        for (size_t l = 0; l < s->nlevels; l++)
            s->levels[l] = xstrdup(frame_level(x, c, (int32_t)l));
    }
}

/*
 * Check before any fitting that the transforms and the algorithm can take
 * what X holds; add onehot when categoricals would reach an algorithm that
 * cannot take them.
 */
static int
check_capabilities(struct pipeline *p, const struct aiwb_frame *x, struct strbuf *notes,
                   char **cause)
{
    size_t nc = frame_cols(x);
    int *cat = xcalloc(nc ? nc : 1, sizeof *cat), *miss = xcalloc(nc ? nc : 1, sizeof *miss);
    size_t *counts = xcalloc(nc ? nc : 1, sizeof *counts);
    int has_cat = 0, miss_num = 0, miss_cat = 0, rc = AIWB_OK;
    char *list = NULL;

    for (size_t c = 0; c < nc; c++) {
        cat[c] = frame_col_type(x, c) == AIWB_CATEGORICAL;
        counts[c] = frame_count_missing(x, c);
        miss[c] = counts[c] > 0;
        has_cat |= cat[c];
        miss_num |= miss[c] && !cat[c];
        miss_cat |= miss[c] && cat[c];
    }
    for (size_t i = 0; i < p->n_tf; i++) {
        unsigned fl = p->tf[i].comp->flags;
        const char *tn = p->tf[i].comp->name;

        if (has_cat && !(fl & AIWB_CAP_CATEGORICAL)) {
            list = column_list(x, cat, NULL);
            *cause = xasprintf("transform '%s' does not accept categorical columns (%s): put "
                               "onehot before it", tn, list);
            goto fail;
        }
        if ((miss_num || miss_cat) && !(fl & AIWB_CAP_MISSING)) {
            list = column_list(x, miss, counts);
            *cause = xasprintf("transform '%s' cannot take missing values, found in %s: put "
                               "impute before it", tn, list);
            goto fail;
        }
        if (fl & AIWB_TF_NO_MISSING)
            miss_num = miss_cat = 0;
        if (fl & AIWB_TF_NUMERIC)
            has_cat = miss_cat = 0;
    }
    if (has_cat && !(p->algo->flags & AIWB_CAP_CATEGORICAL)) {
        const struct component *onehot = registry_find(COMPONENT_TRANSFORM, "onehot");
        static char *const drop_first[] = {"drop_first=true"};
        size_t nwords;

        list = column_list(x, cat, NULL);
        if (onehot == NULL) {
            *cause = xasprintf("%s needs numeric features, but %s categorical, and no onehot "
                               "transform is loaded to encode them", p->algo->name, list);
            goto fail;
        }
        nwords = options_spec_find(onehot->options, "drop_first") != NULL;
        p->tf = xreallocarray(p->tf, p->n_tf + 1, sizeof *p->tf);
        memset(&p->tf[p->n_tf], 0, sizeof p->tf[p->n_tf]);
        p->tf[p->n_tf].comp = onehot;
        p->tf[p->n_tf].automatic = 1;
        /* Drop each first level, as R's treatment coding: with an intercept,
         * a full set of indicators would be collinear with it. */
        p->tf[p->n_tf].opts = options_parse("onehot", onehot->options, nwords, drop_first, cause);
        if (p->tf[p->n_tf].opts == NULL)
            goto fail;
        p->n_tf++;
        note(notes, "categorical %s one-hot encoded for %s (first level dropped)", list,
             p->algo->name);
        free(list);
        list = NULL;
        /* Missing levels would become the dropped first level: still missing. */
    }
    if ((miss_num || miss_cat) && !(p->algo->flags & AIWB_CAP_MISSING)) {
        for (size_t c = 0; c < nc; c++)
            miss[c] = miss[c] && (miss_num || cat[c]) && (miss_cat || !cat[c]);
        list = column_list(x, miss, counts);
        *cause = xasprintf("%s cannot take missing values, found in %s: add `with impute` (or "
                           "impute(strategy=median), ...) to the training command",
                           p->algo->name, list);
        goto fail;
    }
    goto out;
fail:
    free(list);
    rc = AIWB_EDATA;
out:
    free(cat);
    free(miss);
    free(counts);
    return rc;
}

/* Run the transforms over X (fitting them first when FIT); a new frame. */
static struct aiwb_frame *
run_transforms(const struct pipeline *p, const struct aiwb_frame *x, int fit, char **cause)
{
    struct aiwb_frame *cur = frame_clone(x);

    for (size_t i = 0; i < p->n_tf; i++) {
        const struct tf_inst *t = &p->tf[i];
        struct aiwb_frame *next = NULL;
        int rc = AIWB_OK;

        *cause = NULL;
        if (fit && (tft(t)->flags & AIWB_TF_FIT))
            rc = tft(t)->fit(t->state, cur, cause);
        if (rc >= 0)
            rc = tft(t)->apply(t->state, cur, &next, cause);
        if (rc >= 0 && next == NULL)
            rc = AIWB_ERR;
        if (rc >= 0 && frame_rows(next) != frame_rows(cur)) {
            *cause = xasprintf("transform '%s' changed the number of rows (%zu to %zu)",
                               t->comp->name, frame_rows(cur), frame_rows(next));
            rc = AIWB_ERR;
        }
        frame_free(cur);
        if (rc < 0) {
            frame_free(next);
            if (*cause == NULL)
                *cause = xasprintf("transform '%s' failed (status %d)", t->comp->name, rc);
            return NULL;
        }
        cur = next;
    }
    return cur;
}

/* Fill the row-major N x P matrix X from the numeric (and, for algorithms
 * that take them, categorical) columns of F. */
static void
fill_design(const struct pipeline *p, const struct aiwb_frame *f, const long *cols, double *X)
{
    size_t n = frame_rows(f);

    for (size_t j = 0; j < p->p; j++) {
        size_t c = (size_t)cols[j];

        if (frame_col_type(f, c) == AIWB_NUMERIC) {
            const double *v = frame_numeric(f, c);

            for (size_t i = 0; i < n; i++)
                X[i * p->p + j] = v[i];
        } else {
            const int32_t *v = frame_codes(f, c);

            for (size_t i = 0; i < n; i++)
                X[i * p->p + j] = v[i] >= 0 ? (double)v[i] : NAN;
        }
    }
}

/* Decide the design columns from the transformed training frame F. */
static int
settle_features(struct pipeline *p, const struct aiwb_frame *f, char **cause)
{
    int cats = (p->algo->flags & AIWB_CAP_CATEGORICAL) != 0;

    p->features = xcalloc(frame_cols(f) + 1, sizeof *p->features);
    p->feature_levels = xcalloc(frame_cols(f) + 1, sizeof *p->feature_levels);
    for (size_t c = 0; c < frame_cols(f); c++) {
        if (frame_col_type(f, c) == AIWB_CATEGORICAL && !cats) {
            *cause = xasprintf("column '%s' is still categorical after the transforms, and %s "
                               "needs numbers", frame_col_name(f, c), p->algo->name);
            return AIWB_EDATA;
        }
        p->feature_levels[p->p] =
            frame_col_type(f, c) == AIWB_CATEGORICAL ? (unsigned)frame_nlevels(f, c) : 0;
        p->features[p->p++] = xstrdup(frame_col_name(f, c));
    }
    if (p->p == 0) {
        *cause = xstrdup("no feature columns are left to learn from");
        return AIWB_EDATA;
    }
    return AIWB_OK;
}

/* The indices in F of the design columns; NULL with *cause if one is absent. */
static long *
design_columns(const struct pipeline *p, const struct aiwb_frame *f, char **cause)
{
    long *cols = xmalloc((p->p ? p->p : 1) * sizeof *cols);

    for (size_t j = 0; j < p->p; j++) {
        cols[j] = frame_find(f, p->features[j]);
        if (cols[j] < 0) {
            *cause = xasprintf("the transforms did not produce the feature '%s' the model "
                               "was trained on", p->features[j]);
            free(cols);
            return NULL;
        }
    }
    return cols;
}

/* The first missing value of the N x P matrix X, as "row R: column 'c'". */
static char *
first_missing(const struct pipeline *p, const double *X, size_t n)
{
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < p->p; j++)
            if (isnan(X[i * p->p + j]))
                return xasprintf("row %zu: '%s' is missing", i + 1, p->features[j]);
    return NULL;
}

static void
describe_spec(struct pipeline *p)
{
    struct strbuf sb = STRBUF_INIT;

    for (size_t i = 0; i < p->n_tf; i++) {
        char *o;

        if (p->tf[i].automatic)
            continue;
        /* As typed after `with`: impute(strategy=constant,fill_value=0). */
        o = options_format_sep(p->tf[i].opts, 0, ",");
        strbuf_addf(&sb, "%s%s", sb.len ? "," : "", p->tf[i].comp->name);
        if (*o)
            strbuf_addf(&sb, "(%s)", o);
        free(o);
    }
    free(p->tf_text);
    free(p->opts_text);
    p->tf_text = strbuf_detach(&sb, NULL);
    p->opts_text = options_format(p->algo_opts, 1);
}

struct pipeline *
pipeline_prepare(struct pipeline_spec *spec, const struct aiwb_frame *data, char **notes,
                 char **cause)
{
    struct pipeline *p = xcalloc(1, sizeof *p);
    struct strbuf nb = STRBUF_INIT;
    struct aiwb_frame *rows = NULL, *x = NULL, *f = NULL;
    long tc, *cols = NULL;
    size_t *keep = NULL, nkeep = 0, n;
    int rc;

    if (notes != NULL)
        *notes = NULL;
    p->algo = spec->algorithm;
    p->algo_opts = spec->algo_opts;
    p->n_tf = spec->n_tf;
    p->tf = xcalloc(spec->n_tf + 1, sizeof *p->tf);
    for (size_t i = 0; i < spec->n_tf; i++) {
        p->tf[i].comp = spec->tf[i].comp;
        p->tf[i].opts = spec->tf[i].opts;
    }
    p->target = xstrdup(spec->target);
    p->seed = spec->seed;

    tc = frame_find(data, spec->target);
    if (tc < 0) {
        char *all = columns_of(data);

        *cause = xasprintf("there is no target column '%s' (the columns: %s)", spec->target,
                           all);
        free(all);
        goto fail;
    }
    /* Rows without a target teach nothing. */
    n = frame_rows(data);
    keep = xmalloc((n ? n : 1) * sizeof *keep);
    for (size_t i = 0; i < n; i++)
        if (!frame_is_missing(data, (size_t)tc, i))
            keep[nkeep++] = i;
    if (nkeep == 0) {
        *cause = xasprintf("every value of the target '%s' is missing", p->target);
        goto fail;
    }
    if (settle_task(p, data, (size_t)tc, cause) < 0)
        goto fail;
    if (p->task == AIWB_TASK_CLASSIFICATION && p->n_classes < 2) {
        *cause = xasprintf("the target '%s' has %zu class%s: a classifier needs at least two",
                           p->target, p->n_classes, p->n_classes == 1 ? "" : "es");
        goto fail;
    }
    if (nkeep < n)
        note(&nb, "%zu row%s with a missing target '%s' left out", n - nkeep,
             n - nkeep == 1 ? "" : "s", p->target);
    rows = nkeep < n ? frame_take(data, keep, nkeep) : frame_clone(data);
    x = frame_without(rows, (size_t)tc);
    if (frame_cols(x) == 0) {
        *cause = xasprintf("there are no columns besides the target '%s' to learn from",
                           p->target);
        goto fail;
    }
    record_schema(p, x);
    if (check_capabilities(p, x, &nb, cause) < 0)
        goto fail;
    describe_spec(p);

    for (size_t i = 0; i < p->n_tf; i++) {
        struct tf_inst *t = &p->tf[i];

        t->state = xcalloc(1, tft(t)->state_size ? tft(t)->state_size : 1);
        *cause = NULL;
        if (tft(t)->init != NULL && tft(t)->init(t->state, t->opts, cause) < 0) {
            if (*cause == NULL)
                *cause = xasprintf("transform '%s' failed to start", t->comp->name);
            goto fail;
        }
    }
    if ((f = run_transforms(p, x, 1, cause)) == NULL)
        goto fail;
    if (settle_features(p, f, cause) < 0 || (cols = design_columns(p, f, cause)) == NULL)
        goto fail;

    p->X = xmalloc(nkeep * p->p * sizeof *p->X);
    p->y = xmalloc(nkeep * sizeof *p->y);
    fill_design(p, f, cols, p->X);
    if (!(p->algo->flags & AIWB_CAP_MISSING)) {
        char *where = first_missing(p, p->X, nkeep);

        if (where != NULL) {
            *cause = xasprintf("%s after the transforms, and %s does not accept missing values",
                               where, p->algo->name);
            free(where);
            goto fail;
        }
    }
    for (size_t i = 0; i < nkeep; i++)
        p->y[i] = p->task == AIWB_TASK_CLASSIFICATION ? class_of(p, rows, (size_t)tc, i)
                                                      : frame_numeric(rows, (size_t)tc)[i];

    p->prob.n = nkeep;
    p->prob.p = p->p;
    p->prob.X = p->X;
    p->prob.ldx = p->p;
    p->prob.y = p->y;
    p->prob.task = p->task;
    p->prob.n_classes = p->n_classes;
    p->prob.feature_names = (const char *const *)p->features;
    p->prob.class_names = (const char *const *)p->classes;
    p->prob.target_name = p->target;
    p->prob.feature_levels = p->feature_levels;
    p->prob.seed = p->seed;

    p->algo_state = xcalloc(1, algt(p)->state_size ? algt(p)->state_size : 1);
    *cause = NULL;
    rc = algt(p)->init(p->algo_state, p->algo_opts, &p->prob, cause);
    if (rc < 0) {
        if (*cause == NULL)
            *cause = xasprintf("%s failed to start (status %d)", p->algo->name, rc);
        goto fail;
    }
    goto out;
fail:
    pipeline_free(p);
    p = NULL;
out:
    free(cols);
    free(keep);
    frame_free(f);
    frame_free(x);
    frame_free(rows);
    if (notes != NULL && nb.len > 0)
        *notes = strbuf_detach(&nb, NULL);
    strbuf_release(&nb);
    return p;
}

int
pipeline_iterate(struct pipeline *p, struct aiwb_step *step, char **cause)
{
    int rc;

    if (p->X == NULL) {
        *cause = xstrdup("the model is already trained");
        return AIWB_EINVAL;
    }
    memset(step, 0, sizeof *step);
    step->iteration = ++p->iteration;
    *cause = NULL;
    rc = algt(p)->iterate(p->algo_state, &p->prob, step, cause);
    if (rc < 0 && *cause == NULL)
        *cause = xasprintf("%s failed at iteration %lld (status %d)", p->algo->name,
                           (long long)p->iteration, rc);
    return rc;
}

int
pipeline_finish(struct pipeline *p, char **cause)
{
    int rc = AIWB_OK;

    *cause = NULL;
    if (p->X != NULL && algt(p)->finish != NULL)
        rc = algt(p)->finish(p->algo_state, &p->prob, cause);
    if (rc < 0 && *cause == NULL)
        *cause = xasprintf("%s failed to finish (status %d)", p->algo->name, rc);
    release_training(p);
    memset(&p->prob, 0, sizeof p->prob);
    return rc;
}

/*
 * Whether a missing (or unseen) categorical value must be refused: nothing
 * the user asked for fills it, and the algorithm cannot take it. (The
 * automatic onehot would turn it into the dropped first level.)
 */
static int
strict_categoricals(const struct pipeline *p)
{
    if (p->algo->flags & AIWB_CAP_MISSING)
        return 0;
    for (size_t i = 0; i < p->n_tf; i++)
        if (!p->tf[i].automatic && (p->tf[i].comp->flags & (AIWB_TF_NO_MISSING | AIWB_TF_NUMERIC)))
            return 0;
    return 1;
}

/*
 * A frame of DATA's columns in the order and coding of the training schema:
 * categorical levels recoded by their text (unseen ones become missing),
 * numbers given for a categorical column looked up by their text.
 */
static char *
unfilled(const char *column, size_t row, const char *level)
{
    if (level == NULL)
        return xasprintf("row %zu: '%s' is missing, and the model has no imputer for it (train "
                         "it `with impute`)", row + 1, column);
    return xasprintf("row %zu: '%s' has the level '%s', not seen in training, and the model has "
                     "no imputer for it (train it `with impute`)", row + 1, column, level);
}

static struct aiwb_frame *
conform(const struct pipeline *p, const struct aiwb_frame *data, struct strbuf *notes,
        char **cause)
{
    size_t n = frame_rows(data);
    struct aiwb_frame *out = frame_new(n);
    int strict = strict_categoricals(p);

    for (size_t c = 0; c < p->n_in; c++) {
        const struct schema_col *s = &p->in[c];
        long dc = frame_find(data, s->name);
        int32_t *codes, *map;
        size_t unseen = 0;

        if (dc < 0) {
            *cause = xasprintf("there is no column '%s', which the model reads", s->name);
            goto fail;
        }
        if (s->type == AIWB_NUMERIC) {
            if (frame_col_type(data, (size_t)dc) != AIWB_NUMERIC) {
                *cause = xasprintf("column '%s' is categorical here, but it was numeric when "
                                   "the model was trained", s->name);
                goto fail;
            }
            frame_copy_col(out, data, (size_t)dc, NULL);
            continue;
        }
        codes = frame_add_categorical(out, s->name);
        for (size_t l = 0; l < s->nlevels; l++)
            frame_level_intern(out, c, s->levels[l], strlen(s->levels[l]));
        if (frame_col_type(data, (size_t)dc) == AIWB_NUMERIC) {
            const double *v = frame_numeric(data, (size_t)dc);

            for (size_t i = 0; i < n; i++) {
                char buf[NUMFMT_BUFSZ];

                codes[i] = isnan(v[i]) ? AIWB_NA_CODE
                                       : frame_level_find(out, c, numfmt_exact(buf, v[i]));
                if (codes[i] < 0 && strict) {
                    *cause = unfilled(s->name, i, isnan(v[i]) ? NULL : buf);
                    goto fail;
                }
                unseen += !isnan(v[i]) && codes[i] < 0;
            }
        } else {
            const int32_t *v = frame_codes(data, (size_t)dc);
            size_t nl = frame_nlevels(data, (size_t)dc);

            map = xmalloc((nl ? nl : 1) * sizeof *map);
            for (size_t l = 0; l < nl; l++)
                map[l] = frame_level_find(out, c, frame_level(data, (size_t)dc, (int32_t)l));
            for (size_t i = 0; i < n; i++) {
                codes[i] = v[i] >= 0 ? map[v[i]] : AIWB_NA_CODE;
                if (codes[i] < 0 && strict) {
                    *cause = unfilled(s->name, i,
                                      v[i] >= 0 ? frame_level(data, (size_t)dc, v[i]) : NULL);
                    free(map);
                    goto fail;
                }
                unseen += v[i] >= 0 && codes[i] < 0;
            }
            free(map);
        }
        if (unseen > 0)
            note(notes, "column '%s': %zu row%s with levels not seen in training, taken as "
                        "missing", s->name, unseen, unseen == 1 ? "" : "s");
    }
    return out;
fail:
    frame_free(out);
    return NULL;
}

void
prediction_release(struct prediction *pr)
{
    free(pr->values);
    free(pr->classes);
    memset(pr, 0, sizeof *pr);
}

int
pipeline_predict(const struct pipeline *p, const struct aiwb_frame *data,
                 struct prediction *out, char **notes, char **cause)
{
    struct strbuf nb = STRBUF_INIT;
    struct aiwb_frame *x = NULL, *f = NULL;
    size_t n = frame_rows(data), k = algt(p)->n_outputs(p->algo_state);
    long *cols = NULL;
    double *X = NULL;
    int rc = AIWB_EDATA;

    memset(out, 0, sizeof *out);
    if (notes != NULL)
        *notes = NULL;
    if (p->X != NULL) {
        *cause = xstrdup("the model is still training");
        return AIWB_EINVAL;
    }
    if ((x = conform(p, data, &nb, cause)) == NULL || (f = run_transforms(p, x, 0, cause)) == NULL ||
        (cols = design_columns(p, f, cause)) == NULL)
        goto out;
    X = xmalloc((n ? n : 1) * (p->p ? p->p : 1) * sizeof *X);
    fill_design(p, f, cols, X);
    if (!(p->algo->flags & AIWB_CAP_MISSING)) {
        char *where = first_missing(p, X, n);

        if (where != NULL) {
            *cause = xasprintf("%s, and the model has no imputer for it (train it `with impute`)",
                               where);
            free(where);
            goto out;
        }
    }
    out->n = n;
    out->k = k;
    out->task = p->task;
    out->values = xcalloc((n ? n : 1) * (k ? k : 1), sizeof *out->values);
    rc = algt(p)->predict(p->algo_state, n, X, p->p, out->values);
    if (rc < 0) {
        *cause = xasprintf("%s could not predict (status %d)", p->algo->name, rc);
        prediction_release(out);
        goto out;
    }
    if (p->task == AIWB_TASK_CLASSIFICATION) {
        out->classes = xmalloc((n ? n : 1) * sizeof *out->classes);
        for (size_t i = 0; i < n; i++) {
            const double *row = out->values + i * k;
            size_t best = 0;

            for (size_t j = 1; j < k; j++)
                if (row[j] > row[best])
                    best = j;
            out->classes[i] = (int32_t)best;
        }
    }
    rc = AIWB_OK;
out:
    free(X);
    free(cols);
    frame_free(f);
    frame_free(x);
    if (notes != NULL && nb.len > 0)
        *notes = strbuf_detach(&nb, NULL);
    strbuf_release(&nb);
    return rc;
}

void
evaluation_release(struct evaluation *ev)
{
    table_free(ev->summary);
    table_free(ev->per_class);
    table_free(ev->confusion);
    free(ev->names);
    free(ev->values);
    memset(ev, 0, sizeof *ev);
}

static void
headline(struct evaluation *ev, const char *name, double v)
{
    ev->names = xreallocarray(ev->names, ev->n + 1, sizeof *ev->names);
    ev->values = xreallocarray(ev->values, ev->n + 1, sizeof *ev->values);
    ev->names[ev->n] = name;
    ev->values[ev->n++] = v;
    table_text(ev->summary, name);
    table_real(ev->summary, v);
}

static int
evaluate_regression(const struct pipeline *p, const double *y, const struct prediction *pr,
                    struct evaluation *ev, char **cause)
{
    struct regression_metrics m;

    if (metrics_regression(y, pr->values, pr->n, &m) < 0) {
        *cause = xstrdup("cannot score the predictions: some are not finite numbers");
        return AIWB_ENUMERIC;
    }
    (void)p;
    headline(ev, "rows", (double)m.n);
    headline(ev, "rmse", m.rmse);
    headline(ev, "mae", m.mae);
    headline(ev, "r2", m.r2);
    return AIWB_OK;
}

static int
evaluate_classification(const struct pipeline *p, const int *y, const struct prediction *pr,
                        struct evaluation *ev, char **cause)
{
    struct class_metrics m;
    size_t k = p->n_classes;

    if (metrics_classification(y, pr->values, pr->n, k, &m) < 0) {
        *cause = xstrdup("cannot score the predictions");
        return AIWB_ENUMERIC;
    }
    headline(ev, "rows", (double)m.n);
    headline(ev, "accuracy", m.accuracy);
    headline(ev, "precision", m.macro_precision);
    headline(ev, "recall", m.macro_recall);
    headline(ev, "f1", m.macro_f1);
    headline(ev, "log_loss", m.log_loss);
    if (k == 2)
        headline(ev, "roc_auc", m.auc);

    ev->per_class = table_new("per class");
    table_column(ev->per_class, "class", AIWB_TABLE_TEXT);
    table_column(ev->per_class, "precision", AIWB_TABLE_REAL);
    table_column(ev->per_class, "recall", AIWB_TABLE_REAL);
    table_column(ev->per_class, "f1", AIWB_TABLE_REAL);
    table_column(ev->per_class, "support", AIWB_TABLE_INT);
    for (size_t c = 0; c < k; c++) {
        table_text(ev->per_class, p->classes[c]);
        table_real(ev->per_class, m.precision[c]);
        table_real(ev->per_class, m.recall[c]);
        table_real(ev->per_class, m.f1[c]);
        table_int(ev->per_class, (int64_t)m.support[c]);
    }
    table_text(ev->per_class, "(macro)");
    table_real(ev->per_class, m.macro_precision);
    table_real(ev->per_class, m.macro_recall);
    table_real(ev->per_class, m.macro_f1);
    table_int(ev->per_class, (int64_t)m.n);

    ev->confusion = table_new("confusion");
    table_column(ev->confusion, "true class", AIWB_TABLE_TEXT);
    for (size_t c = 0; c < k; c++)
        table_column(ev->confusion, p->classes[c], AIWB_TABLE_INT);
    for (size_t r = 0; r < k; r++) {
        table_text(ev->confusion, p->classes[r]);
        for (size_t c = 0; c < k; c++)
            table_int(ev->confusion, (int64_t)m.confusion[r * k + c]);
    }
    table_note(ev->confusion, "(a row per true class, a column per predicted class)");
    class_metrics_release(&m);
    return AIWB_OK;
}

int
pipeline_evaluate(const struct pipeline *p, const struct aiwb_frame *data,
                  struct evaluation *ev, char **notes, char **cause)
{
    struct strbuf nb = STRBUF_INIT;
    struct prediction pr = {0};
    struct aiwb_frame *rows = NULL;
    size_t n = frame_rows(data), nkeep = 0, *keep = NULL, unknown = 0, missing = 0;
    long tc = frame_find(data, p->target);
    double *y = NULL;
    int *codes = NULL, rc = AIWB_EDATA;
    char *pnotes = NULL;

    memset(ev, 0, sizeof *ev);
    if (notes != NULL)
        *notes = NULL;
    if (tc < 0) {
        *cause = xasprintf("there is no target column '%s' to compare the predictions with",
                           p->target);
        return AIWB_EDATA;
    }
    if (p->task == AIWB_TASK_REGRESSION && frame_col_type(data, (size_t)tc) != AIWB_NUMERIC) {
        *cause = xasprintf("the target '%s' is categorical here, but the model predicts numbers",
                           p->target);
        return AIWB_EDATA;
    }
    keep = xmalloc((n ? n : 1) * sizeof *keep);
    y = xmalloc((n ? n : 1) * sizeof *y);
    codes = xmalloc((n ? n : 1) * sizeof *codes);
    for (size_t i = 0; i < n; i++) {
        if (frame_is_missing(data, (size_t)tc, i)) {
            missing++;
            continue;
        }
        if (p->task == AIWB_TASK_CLASSIFICATION) {
            int k = class_of(p, data, (size_t)tc, i);

            if (k < 0) {
                unknown++;
                continue;
            }
            codes[nkeep] = k;
        } else {
            y[nkeep] = frame_numeric(data, (size_t)tc)[i];
        }
        keep[nkeep++] = i;
    }
    if (missing > 0)
        note(&nb, "%zu row%s with a missing target left out", missing, missing == 1 ? "" : "s");
    if (unknown > 0)
        note(&nb, "%zu row%s with a class the model never saw left out", unknown,
             unknown == 1 ? "" : "s");
    if (nkeep == 0) {
        *cause = xstrdup("no rows are left to evaluate on");
        goto out;
    }
    rows = nkeep < n ? frame_take(data, keep, nkeep) : frame_clone(data);
    if (pipeline_predict(p, rows, &pr, &pnotes, cause) < 0)
        goto out;
    if (pnotes != NULL)
        note(&nb, "%s", pnotes);
    ev->summary = table_new(NULL);
    table_column(ev->summary, "metric", AIWB_TABLE_TEXT);
    table_column(ev->summary, "value", AIWB_TABLE_REAL);
    rc = p->task == AIWB_TASK_CLASSIFICATION ? evaluate_classification(p, codes, &pr, ev, cause)
                                             : evaluate_regression(p, y, &pr, ev, cause);
    if (rc < 0)
        evaluation_release(ev);
out:
    prediction_release(&pr);
    frame_free(rows);
    free(pnotes);
    free(keep);
    free(y);
    free(codes);
    if (notes != NULL && nb.len > 0)
        *notes = strbuf_detach(&nb, NULL);
    strbuf_release(&nb);
    return rc;
}

/* Save a component's state as a nested blob under KEY. */
static int
save_state(struct aiwb_writer *w, const char *key, int (*save)(const void *, struct aiwb_writer *),
           const void *state, const char *name, char **cause)
{
    struct aiwb_writer *sub = writer_new();
    const unsigned char *data;
    size_t len;
    int rc = save != NULL ? save(state, sub) : AIWB_OK;

    if (rc < 0) {
        *cause = xasprintf("%s could not save its state (status %d)", name, rc);
        writer_free(sub);
        return rc;
    }
    data = writer_data(sub, &len);
    codec_put_blob(w, key, data, len);
    writer_free(sub);
    return AIWB_OK;
}

/*
 * The options as given: loading parses them again, so the model's text stays
 * as it was typed and defaults come from the component (whose fitted state
 * holds whatever predicting needs).
 */
static void
put_options(struct aiwb_writer *w, const char *key, const struct aiwb_options *o)
{
    size_t n;
    char **words = options_words(o, 0, &n);

    codec_put_strs(w, key, n, (const char *const *)words);
    options_words_free(words);
}

unsigned char *
pipeline_save(const struct pipeline *p, size_t *len, char **cause)
{
    struct aiwb_writer *w = writer_new();
    unsigned char *blob = NULL;
    int64_t *types = xmalloc((p->n_in ? p->n_in : 1) * sizeof *types);
    int64_t *levels = xmalloc((p->p ? p->p : 1) * sizeof *levels);
    char **names = xmalloc((p->n_in ? p->n_in : 1) * sizeof *names);

    codec_put_str(w, "kind", "pipeline");
    codec_put_int(w, "format", PIPELINE_FORMAT);
    codec_put_str(w, "target", p->target);
    codec_put_int(w, "task", p->task);
    codec_put_int(w, "seed", (int64_t)p->seed);
    codec_put_strs(w, "classes", p->n_classes, (const char *const *)p->classes);
    for (size_t c = 0; c < p->n_in; c++) {
        names[c] = p->in[c].name;
        types[c] = p->in[c].type;
    }
    codec_put_strs(w, "inputs", p->n_in, (const char *const *)names);
    codec_put_ints(w, "input_types", p->n_in, types);
    for (size_t c = 0; c < p->n_in; c++)
        if (p->in[c].type == AIWB_CATEGORICAL)
            codec_put_strs(w, "levels", p->in[c].nlevels, (const char *const *)p->in[c].levels);
    codec_put_int(w, "transforms", (int64_t)p->n_tf);
    for (size_t i = 0; i < p->n_tf; i++) {
        const struct tf_inst *t = &p->tf[i];

        codec_put_str(w, "name", t->comp->name);
        codec_put_int(w, "version", tft(t)->state_version);
        codec_put_int(w, "automatic", t->automatic);
        put_options(w, "options", t->opts);
        if (save_state(w, "state", tft(t)->save, t->state, t->comp->name, cause) < 0)
            goto out;
    }
    codec_put_str(w, "algorithm", p->algo->name);
    codec_put_int(w, "version", algt(p)->state_version);
    put_options(w, "options", p->algo_opts);
    if (save_state(w, "state", algt(p)->save, p->algo_state, p->algo->name, cause) < 0)
        goto out;
    for (size_t j = 0; j < p->p; j++)
        levels[j] = p->feature_levels[j];
    codec_put_strs(w, "features", p->p, (const char *const *)p->features);
    codec_put_ints(w, "feature_levels", p->p, levels);
    blob = codec_seal(w, len);
out:
    free(names);
    free(types);
    free(levels);
    writer_free(w);
    return blob;
}

/* Look up component NAME of KIND for a model being loaded. */
static const struct component *
need_component(enum component_kind kind, const char *name, char **cause)
{
    const struct component *c = registry_find(kind, name);

    if (c == NULL)
        *cause = xasprintf("the model needs the %s '%s', which is not loaded (is its plugin "
                           "on AIWB_PLUGIN_PATH?)", registry_kind_name(kind), name);
    return c;
}

static struct aiwb_options *
get_options(struct aiwb_reader *r, const struct component *c, char **cause)
{
    char **words = NULL;
    size_t n = 0;
    struct aiwb_options *o;

    if (codec_get_strs(r, "options", &n, &words) < 0)
        return NULL;
    o = options_parse(c->name, c->options, n, words, cause);
    free_strings(words, n);
    return o;
}

/* Load a component's state from the nested blob under "state". */
static int
load_state(struct aiwb_reader *r, int (*load)(void *, struct aiwb_reader *, unsigned, char **),
           void *state, unsigned version, const char *name, char **cause)
{
    const unsigned char *data;
    size_t len;
    struct aiwb_reader *sub;
    int rc;

    if (codec_get_blob(r, "state", &data, &len) < 0)
        return AIWB_EDATA;
    if (load == NULL)
        return AIWB_OK;
    sub = reader_open_raw(data, len);
    reader_set_context(sub, name);
    *cause = NULL;
    rc = load(state, sub, version, cause);
    if (rc < 0 && *cause == NULL)
        *cause = reader_error(sub) != NULL
                     ? xstrdup(reader_error(sub))
                     : xasprintf("%s could not load its state (status %d)", name, rc);
    reader_free(sub);
    return rc;
}

static int
load_body(struct pipeline *p, struct aiwb_reader *r, char **cause)
{
    char *kind = NULL, *name = NULL, **names = NULL;
    int64_t format, task, seed, ntf, version, automatic, *types = NULL, *levels = NULL;
    size_t n, nl;
    int rc = AIWB_EDATA;

    if (codec_get_str(r, "kind", &kind) < 0 || codec_get_int(r, "format", &format) < 0)
        goto out;
    if (strcmp(kind, "pipeline") != 0 || format != PIPELINE_FORMAT) {
        *cause = xasprintf("not a model this aiwb can read (a '%s' of format %lld)", kind,
                           (long long)format);
        goto out;
    }
    if (codec_get_str(r, "target", &p->target) < 0 || codec_get_int(r, "task", &task) < 0 ||
        codec_get_int(r, "seed", &seed) < 0 ||
        codec_get_strs(r, "classes", &p->n_classes, &p->classes) < 0 ||
        codec_get_strs(r, "inputs", &n, &names) < 0 ||
        codec_get_ints(r, "input_types", &nl, &types) < 0)
        goto out;
    p->task = (unsigned)task;
    p->seed = (uint64_t)seed;
    if (nl != n) {
        *cause = xstrdup("the model's input schema is inconsistent");
        goto out;
    }
    p->in = xcalloc(n ? n : 1, sizeof *p->in);
    p->n_in = n;
    for (size_t c = 0; c < n; c++) {
        p->in[c].name = names[c];
        names[c] = NULL;
        p->in[c].type = types[c] == AIWB_CATEGORICAL ? AIWB_CATEGORICAL : AIWB_NUMERIC;
        if (p->in[c].type == AIWB_CATEGORICAL &&
            codec_get_strs(r, "levels", &p->in[c].nlevels, &p->in[c].levels) < 0)
            goto out;
    }
    if (codec_get_int(r, "transforms", &ntf) < 0)
        goto out;
    if (ntf < 0 || ntf > 1000) {
        *cause = xstrdup("the model's list of transforms is corrupt");
        goto out;
    }
    p->tf = xcalloc((size_t)ntf + 1, sizeof *p->tf);
    for (int64_t i = 0; i < ntf; i++) {
        struct tf_inst *t = &p->tf[i];

        free(name);
        name = NULL;
        if (codec_get_str(r, "name", &name) < 0 || codec_get_int(r, "version", &version) < 0 ||
            codec_get_int(r, "automatic", &automatic) < 0)
            goto out;
        if ((t->comp = need_component(COMPONENT_TRANSFORM, name, cause)) == NULL ||
            (t->opts = get_options(r, t->comp, cause)) == NULL)
            goto out;
        p->n_tf++;
        t->automatic = (int)automatic;
        t->state = xcalloc(1, tft(t)->state_size ? tft(t)->state_size : 1);
        if (tft(t)->init != NULL && (rc = tft(t)->init(t->state, t->opts, cause)) < 0)
            goto out;
        if ((rc = load_state(r, tft(t)->load, t->state, (unsigned)version, name, cause)) < 0)
            goto out;
        rc = AIWB_EDATA;
    }
    free(name);
    name = NULL;
    if (codec_get_str(r, "algorithm", &name) < 0 || codec_get_int(r, "version", &version) < 0)
        goto out;
    if ((p->algo = need_component(COMPONENT_ALGORITHM, name, cause)) == NULL ||
        (p->algo_opts = get_options(r, p->algo, cause)) == NULL)
        goto out;
    p->algo_state = xcalloc(1, algt(p)->state_size ? algt(p)->state_size : 1);
    if ((rc = load_state(r, algt(p)->load, p->algo_state, (unsigned)version, name, cause)) < 0)
        goto out;
    rc = AIWB_EDATA;
    if (codec_get_strs(r, "features", &p->p, &p->features) < 0 ||
        codec_get_ints(r, "feature_levels", &nl, &levels) < 0)
        goto out;
    if (nl != p->p) {
        *cause = xstrdup("the model's feature list is inconsistent");
        goto out;
    }
    p->feature_levels = xcalloc(p->p + 1, sizeof *p->feature_levels);
    for (size_t j = 0; j < p->p; j++)
        p->feature_levels[j] = (unsigned)levels[j];
    describe_spec(p);
    rc = AIWB_OK;
out:
    if (names != NULL)
        free_strings(names, n);
    free(types);
    free(levels);
    free(kind);
    free(name);
    return rc;
}

struct pipeline *
pipeline_load(const unsigned char *blob, size_t len, char **cause)
{
    struct pipeline *p;
    struct aiwb_reader *r = reader_open(blob, len, cause);

    if (r == NULL)
        return NULL;
    p = xcalloc(1, sizeof *p);
    *cause = NULL;
    if (load_body(p, r, cause) < 0) {
        if (*cause == NULL)
            *cause = xstrdup(reader_error(r) != NULL ? reader_error(r) : "the model is corrupt");
        pipeline_free(p);
        p = NULL;
    }
    reader_free(r);
    return p;
}

int
pipeline_summary(const struct pipeline *p, struct aiwb_table *t)
{
    if (algt(p)->report == NULL)
        return AIWB_ENOTSUP;
    return algt(p)->report(p->algo_state, t);
}

size_t
pipeline_train_rows(const struct pipeline *p)
{
    return p->prob.n;
}

unsigned
pipeline_task(const struct pipeline *p)
{
    return p->task;
}

const char *
pipeline_target(const struct pipeline *p)
{
    return p->target;
}

const char *
pipeline_algorithm(const struct pipeline *p)
{
    return p->algo->name;
}

const char *
pipeline_transforms(const struct pipeline *p)
{
    return p->tf_text != NULL ? p->tf_text : "";
}

const char *
pipeline_options(const struct pipeline *p)
{
    return p->opts_text != NULL ? p->opts_text : "";
}

size_t
pipeline_n_classes(const struct pipeline *p)
{
    return p->n_classes;
}

const char *
pipeline_class_name(const struct pipeline *p, size_t k)
{
    return k < p->n_classes ? p->classes[k] : NULL;
}

size_t
pipeline_n_inputs(const struct pipeline *p)
{
    return p->n_in;
}

const char *
pipeline_input_name(const struct pipeline *p, size_t i)
{
    return i < p->n_in ? p->in[i].name : NULL;
}
