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

#include "core/frame.h"
#include "core/numfmt.h"
#include "core/options.h"
#include "core/pipeline-int.h"
#include "core/table.h"
#include "core/xalloc.h"

/* A numeric target with more distinct values cannot be a set of classes. */
#define MAX_NUMERIC_CLASSES 100

void
pipeline_free_strings(char **v, size_t n)
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
    frame_free(p->fitted);
    free(p->seen_start);
    free(p->seen);
    free(p->algo_state);
    options_free(p->algo_opts);
    for (size_t i = 0; i < p->n_in; i++) {
        free(p->in[i].name);
        pipeline_free_strings(p->in[i].levels, p->in[i].nlevels);
    }
    free(p->in);
    free(p->target);
    pipeline_free_strings(p->classes, p->n_classes);
    pipeline_free_strings(p->features, p->p);
    free(p->feature_levels);
    free(p->tf_text);
    free(p->opts_text);
    pipeline_free_strings(p->strict, p->n_strict);
    release_training(p);
    free(p);
}

void
pipeline_note(struct strbuf *notes, const char *fmt, ...)
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

int
pipeline_class_of(const struct pipeline *p, const struct aiwb_frame *data, size_t tc, size_t i)
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
 * Check, before any fitting, that each transform can take what reaches it
 * (as far as the transforms' declared capabilities tell): categorical or
 * missing values into a transform that cannot take them are refused, with
 * the transform to put before it. Row transforms of a model (already run)
 * are skipped when SKIP_ROWS.
 */
static int
check_transforms(const struct pipeline *p, const struct aiwb_frame *x, int skip_rows,
                 char **cause)
{
    size_t nc = frame_cols(x);
    int *cat = xcalloc(nc ? nc : 1, sizeof *cat), *miss = xcalloc(nc ? nc : 1, sizeof *miss);
    size_t *counts = xcalloc(nc ? nc : 1, sizeof *counts);
    int has_cat = 0, has_miss = 0, rc = AIWB_OK;
    char *list = NULL;

    for (size_t c = 0; c < nc; c++) {
        cat[c] = frame_col_type(x, c) == AIWB_CATEGORICAL;
        counts[c] = frame_count_missing(x, c);
        miss[c] = counts[c] > 0;
        has_cat |= cat[c];
        has_miss |= miss[c];
    }
    for (size_t i = 0; i < p->n_tf && rc == AIWB_OK; i++) {
        unsigned fl = p->tf[i].comp->flags;
        const char *tn = p->tf[i].comp->name;

        if (skip_rows && (fl & AIWB_TF_ROWS))
            continue;
        if (has_cat && !(fl & AIWB_CAP_CATEGORICAL)) {
            list = column_list(x, cat, NULL);
            *cause = xasprintf("transform '%s' does not accept categorical columns (%s): put "
                               "onehot before it", tn, list);
            rc = AIWB_EDATA;
        } else if (has_miss && !(fl & AIWB_CAP_MISSING)) {
            list = column_list(x, miss, counts);
            *cause = xasprintf("transform '%s' cannot take missing values, found in %s: put "
                               "impute before it", tn, list);
            rc = AIWB_EDATA;
        }
        if (fl & AIWB_TF_NO_MISSING)
            has_miss = 0;
        if (fl & AIWB_TF_NUMERIC)
            has_cat = 0;
    }
    free(list);
    free(cat);
    free(miss);
    free(counts);
    return rc;
}

/*
 * Decide, on F (what the user's transforms made), what the algorithm gets:
 * categorical columns it cannot take are one-hot encoded by an automatic
 * onehot (fitted here, its columns remembered: at predict time their missing
 * or unseen levels are refused, since they would become the dropped first
 * level); missing values it cannot take are refused, naming the columns and
 * the transform to add. Returns the frame for the algorithm (F or a new one).
 */
static struct aiwb_frame *
fit_for_algorithm(struct pipeline *p, struct aiwb_frame *f, struct strbuf *notes, char **cause)
{
    size_t nc = frame_cols(f);
    int *pick = xcalloc(nc ? nc : 1, sizeof *pick), any = 0;
    size_t *counts = xcalloc(nc ? nc : 1, sizeof *counts);
    int cats = (p->algo->flags & AIWB_CAP_CATEGORICAL) != 0;
    int miss_ok = (p->algo->flags & AIWB_CAP_MISSING) != 0;
    struct aiwb_frame *out = f;
    char *list = NULL;

    /* Missing values the algorithm would see (an encoded level counts too). */
    for (size_t c = 0; c < nc && !miss_ok; c++) {
        counts[c] = frame_count_missing(f, c);
        pick[c] = counts[c] > 0;
        any |= pick[c];
    }
    if (any) {
        list = column_list(f, pick, counts);
        *cause = xasprintf("%s cannot take missing values, found in %s: add `with impute` (or "
                           "impute(strategy=median), ...) to the training command",
                           p->algo->name, list);
        out = NULL;
        goto out;
    }
    for (size_t c = 0; c < nc; c++) {
        pick[c] = !cats && frame_col_type(f, c) == AIWB_CATEGORICAL;
        any |= pick[c];
    }
    if (any) {
        const struct component *onehot = registry_find(COMPONENT_TRANSFORM, "onehot");
        static char *const drop_first[] = {"drop_first=true"};
        struct tf_inst *t;

        list = column_list(f, pick, NULL);
        if (onehot == NULL) {
            *cause = xasprintf("%s needs numeric features, but %s categorical, and no onehot "
                               "transform is loaded to encode them", p->algo->name, list);
            out = NULL;
            goto out;
        }
        p->tf = xreallocarray(p->tf, p->n_tf + 1, sizeof *p->tf);
        t = &p->tf[p->n_tf++];
        memset(t, 0, sizeof *t);
        t->comp = onehot;
        t->automatic = 1;
        /* Drop each first level, as R's treatment coding: with an intercept,
         * a full set of indicators would be collinear with it. */
        t->opts = options_parse("onehot", onehot->options,
                                options_spec_find(onehot->options, "drop_first") != NULL,
                                drop_first, cause);
        if (t->opts == NULL) {
            out = NULL;
            goto out;
        }
        /* Without an imputer in front, a missing or unseen level at predict
         * time would reach the onehot and read as the dropped first level. */
        int filled = 0;
        for (size_t i = 0; i + 1 < p->n_tf; i++)
            filled |= (p->tf[i].comp->flags & AIWB_TF_NO_MISSING) != 0;
        for (size_t c = 0; c < nc && !filled; c++) {
            if (!pick[c])
                continue;
            p->strict = xreallocarray(p->strict, p->n_strict + 1, sizeof *p->strict);
            p->strict[p->n_strict++] = xstrdup(frame_col_name(f, c));
        }
        t->state = xcalloc(1, tft(t)->state_size ? tft(t)->state_size : 1);
        *cause = NULL;
        if ((tft(t)->init != NULL && tft(t)->init(t->state, t->opts, cause) < 0) ||
            tft(t)->fit(t->state, f, cause) < 0 || tft(t)->apply(t->state, f, &out, cause) < 0) {
            if (*cause == NULL)
                *cause = xstrdup("the automatic onehot failed");
            out = NULL;
            goto out;
        }
        pipeline_note(notes, "categorical %s one-hot encoded for %s (first level dropped)", list,
                      p->algo->name);
    }
out:
    free(list);
    free(pick);
    free(counts);
    return out;
}

/* X with the columns of Y added (a new frame; Y may be NULL). */
static struct aiwb_frame *
joined(const struct aiwb_frame *x, const struct aiwb_frame *y)
{
    struct aiwb_frame *f = frame_clone(x);

    for (size_t c = 0; y != NULL && c < frame_cols(y); c++)
        frame_copy_col(f, y, c, NULL);
    return f;
}

/* Split F into the columns named in Y (into *YOUT) and the others (returned). */
static struct aiwb_frame *
split_off(const struct tf_inst *t, const struct aiwb_frame *f, const struct aiwb_frame *y,
          struct aiwb_frame **yout, char **cause)
{
    struct aiwb_frame *x = frame_new(frame_rows(f)), *ny = frame_new(frame_rows(f));

    for (size_t c = 0; c < frame_cols(y); c++) {
        long at = frame_find(f, frame_col_name(y, c));

        if (at < 0) {
            *cause = xasprintf("transform '%s' dropped the column '%s', which must stay",
                               t->comp->name, frame_col_name(y, c));
            frame_free(x);
            frame_free(ny);
            return NULL;
        }
        frame_copy_col(ny, f, (size_t)at, NULL);
    }
    for (size_t c = 0; c < frame_cols(f); c++)
        if (frame_find(y, frame_col_name(f, c)) < 0)
            frame_copy_col(x, f, c, NULL);
    *yout = ny;
    return x;
}

/*
 * Run the transforms over X, fitting each first when FIT. Y (NULL, or the
 * target) rides along: row transforms (AIWB_TF_ROWS) see X and Y together,
 * so rows stay aligned, the others X alone; *YOUT gets Y's new rows. Row
 * transforms run only when ROWS: a model predicting skips them (they shape
 * its training data only). Returns a new frame, or NULL with *cause set.
 */
static struct aiwb_frame *
run_transforms(const struct pipeline *p, const struct aiwb_frame *x, const struct aiwb_frame *y,
               int fit, int rows, struct aiwb_frame **yout, char **cause)
{
    struct aiwb_frame *cur = frame_clone(x), *cury = y != NULL ? frame_clone(y) : NULL;

    for (size_t i = 0; i < p->n_tf; i++) {
        const struct tf_inst *t = &p->tf[i];
        int is_rows = (tft(t)->flags & AIWB_TF_ROWS) != 0;
        struct aiwb_frame *in, *next = NULL, *nexty = NULL;
        int rc = AIWB_OK;

        if (is_rows && !rows)
            continue;
        in = is_rows ? joined(cur, cury) : frame_clone(cur);
        *cause = NULL;
        if (fit && (tft(t)->flags & AIWB_TF_FIT))
            rc = tft(t)->fit(t->state, in, cause);
        if (rc >= 0)
            rc = tft(t)->apply(t->state, in, &next, cause);
        if (rc >= 0 && next == NULL)
            rc = AIWB_ERR;
        if (rc >= 0 && !is_rows && frame_rows(next) != frame_rows(in)) {
            *cause = xasprintf("transform '%s' changed the number of rows (%zu to %zu)",
                               t->comp->name, frame_rows(in), frame_rows(next));
            rc = AIWB_ERR;
        }
        frame_free(in);
        if (rc >= 0 && is_rows && cury != NULL) {
            struct aiwb_frame *nx = split_off(t, next, cury, &nexty, cause);

            frame_free(next);
            next = nx;
            rc = nx != NULL ? AIWB_OK : AIWB_ERR;
        }
        if (rc < 0) {
            frame_free(next);
            frame_free(cur);
            frame_free(cury);
            if (*cause == NULL)
                *cause = xasprintf("transform '%s' failed (status %d)", t->comp->name, rc);
            return NULL;
        }
        frame_free(cur);
        cur = next;
        if (nexty != NULL) {
            frame_free(cury);
            cury = nexty;
        }
    }
    if (yout != NULL)
        *yout = cury;
    else
        frame_free(cury);
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

void
pipeline_describe_spec(struct pipeline *p)
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

/* Allocate and start every transform's state. */
static int
init_transforms(struct pipeline *p, char **cause)
{
    for (size_t i = 0; i < p->n_tf; i++) {
        struct tf_inst *t = &p->tf[i];

        t->state = xcalloc(1, tft(t)->state_size ? tft(t)->state_size : 1);
        *cause = NULL;
        if (tft(t)->init != NULL && tft(t)->init(t->state, t->opts, cause) < 0) {
            if (*cause == NULL)
                *cause = xasprintf("transform '%s' failed to start", t->comp->name);
            return AIWB_EINVAL;
        }
    }
    return AIWB_OK;
}

/* The rows of DATA whose column TC is not missing (a new frame). */
static struct aiwb_frame *
rows_with_target(struct pipeline *p, const struct aiwb_frame *data, size_t tc,
                 struct strbuf *notes, char **cause)
{
    size_t n = frame_rows(data), nkeep = 0;
    size_t *keep = xmalloc((n ? n : 1) * sizeof *keep);
    struct aiwb_frame *rows;

    for (size_t i = 0; i < n; i++)
        if (!frame_is_missing(data, tc, i))
            keep[nkeep++] = i;
    if (nkeep == 0) {
        *cause = xasprintf("every value of the target '%s' is missing", p->target);
        free(keep);
        return NULL;
    }
    if (nkeep < n)
        pipeline_note(notes, "%zu row%s with a missing target '%s' left out", n - nkeep,
                      n - nkeep == 1 ? "" : "s", p->target);
    rows = nkeep < n ? frame_take(data, keep, nkeep) : frame_clone(data);
    free(keep);
    return rows;
}

/* Build the design matrix and target of a model from the transformed
 * features F and target Y, and start the algorithm. */
static int
start_algorithm(struct pipeline *p, const struct aiwb_frame *f, const struct aiwb_frame *y,
                char **cause)
{
    size_t n = frame_rows(f);
    long *cols;
    int rc;

    if (n == 0) {
        *cause = xstrdup("no rows are left to learn from after the transforms");
        return AIWB_EDATA;
    }
    if ((p->features == NULL && settle_features(p, f, cause) < 0) ||
        (cols = design_columns(p, f, cause)) == NULL)
        return AIWB_EDATA;
    p->X = xmalloc(n * p->p * sizeof *p->X);
    p->y = y != NULL || p->task == AIWB_TASK_RANKING ? xmalloc(n * sizeof *p->y) : NULL;
    fill_design(p, f, cols, p->X);
    free(cols);
    if (!(p->algo->flags & AIWB_CAP_MISSING)) {
        char *where = first_missing(p, p->X, n);

        if (where != NULL) {
            *cause = xasprintf("%s after the transforms, and %s does not accept missing values",
                               where, p->algo->name);
            free(where);
            return AIWB_EDATA;
        }
    }
    for (size_t i = 0; p->y != NULL && i < n; i++) {
        if (p->task == AIWB_TASK_CLASSIFICATION)
            p->y[i] = pipeline_class_of(p, y, 0, i);
        else if (p->task == AIWB_TASK_RANKING && y == NULL)
            p->y[i] = 1; /* implicit feedback: each interaction counts one */
        else
            p->y[i] = frame_numeric(y, 0)[i];
    }
    p->prob.n = n;
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
    if (rc < 0 && *cause == NULL)
        *cause = xasprintf("%s failed to start (status %d)", p->algo->name, rc);
    return rc < 0 ? rc : AIWB_OK;
}

/*
 * A model's row transforms (filter, dedupe ...), first and in their order,
 * on its training rows with their target: they decide what it learns from,
 * so classes and missing values are judged on what they keep. Takes ROWS.
 */
static struct aiwb_frame *
fit_row_transforms(struct pipeline *p, struct aiwb_frame *rows, struct strbuf *notes,
                   char **cause)
{
    size_t before = frame_rows(rows);

    for (size_t i = 0; i < p->n_tf; i++) {
        const struct tf_inst *t = &p->tf[i];
        struct aiwb_frame *next = NULL;

        if (!(tft(t)->flags & AIWB_TF_ROWS))
            continue;
        *cause = NULL;
        if (((tft(t)->flags & AIWB_TF_FIT) && tft(t)->fit(t->state, rows, cause) < 0) ||
            tft(t)->apply(t->state, rows, &next, cause) < 0 || next == NULL) {
            if (*cause == NULL)
                *cause = xasprintf("transform '%s' failed", t->comp->name);
            frame_free(next);
            frame_free(rows);
            return NULL;
        }
        frame_free(rows);
        rows = next;
    }
    if (frame_rows(rows) < before)
        pipeline_note(notes, "%zu of %zu training rows kept by the row transforms (they shape "
                      "the training data only)", frame_rows(rows), before);
    return rows;
}

/*
 * The task a model learns: supervised when the algorithm can and there is a
 * target; else ranking, clustering or decomposition, as the algorithm does.
 * 0 with *cause set when a supervised algorithm has no target.
 */
static unsigned
choose_task(const struct pipeline *p, char **cause)
{
    unsigned tasks = p->algo->flags & AIWB_TASK_MASK;

    if (p->target != NULL && (tasks & (AIWB_TASK_REGRESSION | AIWB_TASK_CLASSIFICATION)))
        return tasks & AIWB_TASK_REGRESSION ? AIWB_TASK_REGRESSION : AIWB_TASK_CLASSIFICATION;
    if (tasks & AIWB_TASK_RANKING)
        return AIWB_TASK_RANKING;
    if (tasks & AIWB_TASK_CLUSTERING)
        return AIWB_TASK_CLUSTERING;
    if (tasks & AIWB_TASK_DECOMPOSITION)
        return AIWB_TASK_DECOMPOSITION;
    *cause = xasprintf("%s learns a target: say which column with target=COLUMN",
                       p->algo->name);
    return 0;
}

/* Column NAME of F as categorical codes (ids written as numbers become their
 * text): a new one-column frame, or NULL with *cause set. */
static struct aiwb_frame *
id_column(const struct aiwb_frame *f, const char *name, const char *role, char **cause)
{
    long c = frame_find(f, name);
    struct aiwb_frame *out;

    if (c < 0) {
        char *all = frame_column_list(f);

        *cause = xasprintf("there is no %s column '%s' (the columns: %s; name it with %s=)",
                           role, name, all, role);
        free(all);
        return NULL;
    }
    out = frame_new(frame_rows(f));
    if (frame_col_type(f, (size_t)c) == AIWB_CATEGORICAL) {
        frame_copy_col(out, f, (size_t)c, NULL);
        return out;
    }
    const double *v = frame_numeric(f, (size_t)c);
    int32_t *codes = frame_add_categorical(out, name);
    for (size_t i = 0; i < frame_rows(f); i++) {
        char buf[NUMFMT_BUFSZ];

        codes[i] = isnan(v[i]) ? AIWB_NA_CODE
                               : frame_level_intern(out, 0, numfmt_exact(buf, v[i]),
                                                    strlen(buf));
    }
    frame_sort_levels(out, 0);
    return out;
}

/* Keep each training user's items (sorted codes) to leave out of recommendations. */
static void
record_seen(struct pipeline *p)
{
    size_t n = p->prob.n, *fill;

    p->n_users = p->feature_levels[0];
    p->n_items = p->feature_levels[1];
    p->seen_start = xcalloc(p->n_users + 1, sizeof *p->seen_start);
    p->seen = xmalloc((n ? n : 1) * sizeof *p->seen);
    for (size_t i = 0; i < n; i++)
        p->seen_start[(size_t)p->X[2 * i] + 1]++;
    for (size_t u = 0; u < p->n_users; u++)
        p->seen_start[u + 1] += p->seen_start[u];
    fill = xmalloc((p->n_users + 1) * sizeof *fill);
    memcpy(fill, p->seen_start, (p->n_users + 1) * sizeof *fill);
    for (size_t i = 0; i < n; i++)
        p->seen[fill[(size_t)p->X[2 * i]]++] = (int32_t)p->X[2 * i + 1];
    for (size_t u = 0; u < p->n_users; u++) {
        int32_t *s = p->seen + p->seen_start[u];
        size_t m = p->seen_start[u + 1] - p->seen_start[u];

        for (size_t j = 1; j < m; j++) /* insertion sort: a user's few items */
            for (size_t k = j; k > 0 && s[k - 1] > s[k]; k--) {
                int32_t t = s[k];

                s[k] = s[k - 1];
                s[k - 1] = t;
            }
    }
    free(fill);
}

/* Merge M new (user, item) pairs of X into the users' sorted item lists. */
static void
add_seen(struct pipeline *p, const double *X, size_t m)
{
    size_t nu = p->feature_levels[0], old_nu = p->n_users, total;
    size_t *count = xcalloc(nu + 1, sizeof *count), *start, *fill;
    int32_t *seen;

    for (size_t u = 0; u < old_nu; u++)
        count[u] = p->seen_start[u + 1] - p->seen_start[u];
    for (size_t i = 0; i < m; i++)
        count[(size_t)X[2 * i]]++;
    start = xcalloc(nu + 1, sizeof *start);
    for (size_t u = 0; u < nu; u++)
        start[u + 1] = start[u] + count[u];
    total = start[nu];
    seen = xmalloc((total ? total : 1) * sizeof *seen);
    fill = xmalloc((nu + 1) * sizeof *fill);
    memcpy(fill, start, (nu + 1) * sizeof *fill);
    for (size_t u = 0; u < old_nu; u++)
        for (size_t j = p->seen_start[u]; j < p->seen_start[u + 1]; j++)
            seen[fill[u]++] = p->seen[j];
    for (size_t i = 0; i < m; i++)
        seen[fill[(size_t)X[2 * i]]++] = (int32_t)X[2 * i + 1];
    /* Sort each user's items and drop repeats (an item met again). */
    for (size_t u = 0; u < nu; u++) {
        int32_t *s = seen + start[u];
        size_t k = fill[u] - start[u];

        for (size_t a = 1; a < k; a++)
            for (size_t b = a; b > 0 && s[b - 1] > s[b]; b--) {
                int32_t t = s[b];

                s[b] = s[b - 1];
                s[b - 1] = t;
            }
        count[u] = 0;
        for (size_t a = 0; a < k; a++)
            if (a == 0 || s[a] != s[a - 1])
                s[count[u]++] = s[a];
    }
    /* Close the gaps the repeats left. */
    free(fill);
    fill = xcalloc(nu + 1, sizeof *fill);
    for (size_t u = 0, at = 0; u < nu; u++) {
        memmove(seen + at, seen + start[u], count[u] * sizeof *seen);
        fill[u] = at;
        at += count[u];
        fill[u + 1] = at;
    }
    free(p->seen_start);
    free(p->seen);
    p->seen_start = fill;
    p->seen = seen;
    p->n_users = nu;
    p->n_items = p->feature_levels[1];
    free(start);
    free(count);
}

/*
 * A recommender: its data are interactions, a user column, an item column
 * and optionally a rating (target=). Only row transforms apply (the ids are
 * codes, not features to scale). Returns P ready to iterate, or NULL (P
 * freed) with *cause set.
 */
static struct pipeline *
prepare_ranking(struct pipeline *p, const struct pipeline_spec *spec,
                const struct aiwb_frame *data, struct strbuf *notes, char **cause)
{
    const char *user = spec->user != NULL ? spec->user : "user";
    const char *item = spec->item != NULL ? spec->item : "item";
    struct aiwb_frame *rows = NULL, *x = NULL, *u = NULL, *it = NULL, *y = NULL;
    long tc = -1;

    for (size_t i = 0; i < p->n_tf; i++) {
        if (!(p->tf[i].comp->flags & AIWB_TF_ROWS)) {
            *cause = xasprintf("%s is a recommender: only row transforms (filter, dedupe) "
                               "apply to its interactions, not '%s'", p->algo->name,
                               p->tf[i].comp->name);
            goto fail;
        }
    }
    if (p->target != NULL) {
        tc = frame_find(data, p->target);
        if ((rows = rows_with_target(p, data, (size_t)tc, notes, cause)) == NULL)
            goto fail;
        if (frame_col_type(rows, (size_t)tc) != AIWB_NUMERIC) {
            *cause = xasprintf("the rating '%s' must be numeric", p->target);
            goto fail;
        }
    } else {
        rows = frame_clone(data);
    }
    if ((rows = fit_row_transforms(p, rows, notes, cause)) == NULL ||
        (u = id_column(rows, user, "user", cause)) == NULL ||
        (it = id_column(rows, item, "item", cause)) == NULL)
        goto fail;
    if (frame_count_missing(u, 0) + frame_count_missing(it, 0) > 0) {
        *cause = xasprintf("some interactions have no %s: every row needs both ids",
                           frame_count_missing(u, 0) > 0 ? user : item);
        goto fail;
    }
    x = frame_new(frame_rows(rows));
    frame_copy_col(x, u, 0, NULL);
    if (frame_copy_col(x, it, 0, NULL) < 0) {
        *cause = xasprintf("the user and item columns must differ ('%s')", user);
        goto fail;
    }
    if (p->target != NULL) {
        y = frame_new(frame_rows(rows));
        frame_copy_col(y, rows, (size_t)frame_find(rows, p->target), NULL);
    }
    record_schema(p, x);
    p->p = 2;
    p->features = xcalloc(3, sizeof *p->features);
    p->feature_levels = xcalloc(3, sizeof *p->feature_levels);
    for (size_t j = 0; j < 2; j++) {
        p->features[j] = xstrdup(frame_col_name(x, j));
        p->feature_levels[j] = (unsigned)frame_nlevels(x, j);
    }
    if (start_algorithm(p, x, y, cause) < 0)
        goto fail;
    record_seen(p);
    goto out;
fail:
    pipeline_free(p);
    p = NULL;
out:
    frame_free(rows);
    frame_free(x);
    frame_free(u);
    frame_free(it);
    frame_free(y);
    return p;
}

struct pipeline *
pipeline_prepare(struct pipeline_spec *spec, const struct aiwb_frame *data, char **notes,
                 char **cause)
{
    struct pipeline *p = xcalloc(1, sizeof *p);
    struct strbuf nb = STRBUF_INIT;
    struct aiwb_frame *rows = NULL, *x = NULL, *y = NULL, *f = NULL, *fy = NULL, *g = NULL;
    int model = spec->algorithm != NULL;
    long tc = -1;

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
    p->target = spec->target != NULL ? xstrdup(spec->target) : NULL;
    p->seed = spec->seed;

    if (p->target != NULL && (tc = frame_find(data, p->target)) < 0) {
        char *all = frame_column_list(data);

        *cause = xasprintf("there is no %s column '%s' (the columns: %s)",
                           model ? "target" : "kept", p->target, all);
        free(all);
        goto fail;
    }
    pipeline_describe_spec(p);
    if (init_transforms(p, cause) < 0)
        goto fail;
    if (model && (p->task = choose_task(p, cause)) == 0)
        goto fail;
    if (p->task == AIWB_TASK_REGRESSION || p->task == AIWB_TASK_CLASSIFICATION) {
        /* Rows without a target teach nothing; then the row transforms. */
        if ((rows = rows_with_target(p, data, (size_t)tc, &nb, cause)) == NULL ||
            (rows = fit_row_transforms(p, rows, &nb, cause)) == NULL)
            goto fail;
        if ((tc = frame_find(rows, p->target)) < 0) {
            *cause = xasprintf("a row transform dropped the target column '%s'", p->target);
            goto fail;
        }
        if (frame_rows(rows) == 0) {
            *cause = xstrdup("the row transforms kept no rows to learn from");
            goto fail;
        }
        if (settle_task(p, rows, (size_t)tc, cause) < 0)
            goto fail;
        if (p->task == AIWB_TASK_CLASSIFICATION && p->n_classes < 2) {
            *cause = xasprintf("the target '%s' has %zu class%s: a classifier needs at least "
                               "two", p->target, p->n_classes, p->n_classes == 1 ? "" : "es");
            goto fail;
        }
    } else if (p->task == AIWB_TASK_RANKING) {
        p = prepare_ranking(p, spec, data, &nb, cause);
        goto out;
    } else if (model) {
        /* Clustering, decomposition: every row; a target= column is only
         * the true labels eval compares with, never a feature. */
        if ((rows = fit_row_transforms(p, frame_clone(data), &nb, cause)) == NULL)
            goto fail;
        if (p->target != NULL && (tc = frame_find(rows, p->target)) < 0) {
            *cause = xasprintf("a row transform dropped the column '%s'", p->target);
            goto fail;
        }
    } else {
        rows = frame_clone(data);
    }
    x = tc >= 0 ? frame_without(rows, (size_t)tc) : frame_clone(rows);
    if (tc >= 0) {
        y = frame_new(frame_rows(rows));
        frame_copy_col(y, rows, (size_t)tc, NULL);
    }
    if (frame_cols(x) == 0) {
        *cause = xasprintf("there are no columns besides the %s '%s' to %s",
                           model ? "target" : "kept column", p->target,
                           model ? "learn from" : "transform");
        goto fail;
    }
    record_schema(p, x);
    if (check_transforms(p, x, model, cause) < 0)
        goto fail;
    /* A model's row transforms ran already; a transformer's run in order. */
    if ((f = run_transforms(p, x, y, 1, !model, &fy, cause)) == NULL)
        goto fail;
    if (!model) {
        /* A transformer: its output on this data is what the user asked for. */
        p->fitted = joined(f, fy);
    } else if ((g = fit_for_algorithm(p, f, &nb, cause)) == NULL ||
               start_algorithm(p, g, p->n_classes > 0 || p->task == AIWB_TASK_REGRESSION ? fy
                                                                                 : NULL,
                               cause) < 0) {
        goto fail;
    }
    goto out;
fail:
    pipeline_free(p);
    p = NULL;
out:
    if (g != f)
        frame_free(g);
    frame_free(f);
    frame_free(fy);
    frame_free(x);
    frame_free(y);
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

/* Whether a missing or unseen level of input column NAME must be refused. */
static int
strict_column(const struct pipeline *p, const char *name)
{
    for (size_t i = 0; i < p->n_strict; i++)
        if (strcmp(p->strict[i], name) == 0)
            return 1;
    return 0;
}

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

    for (size_t c = 0; c < p->n_in; c++) {
        const struct schema_col *s = &p->in[c];
        long dc = frame_find(data, s->name);
        int32_t *codes, *map;
        size_t unseen = 0;
        int strict = strict_column(p, s->name);

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
            pipeline_note(notes, "column '%s': %zu row%s with levels not seen in training, taken as "
                        "missing", s->name, unseen, unseen == 1 ? "" : "s");
    }
    return out;
fail:
    frame_free(out);
    return NULL;
}

struct aiwb_frame *
pipeline_take_fitted(struct pipeline *p)
{
    struct aiwb_frame *f = p->fitted;

    p->fitted = NULL;
    return f;
}

int
pipeline_transform(const struct pipeline *p, const struct aiwb_frame *data,
                   struct aiwb_frame **out, char **notes, char **cause)
{
    struct strbuf nb = STRBUF_INIT;
    struct aiwb_frame *x = NULL, *y = NULL, *f = NULL, *fy = NULL;
    long tc = p->target != NULL ? frame_find(data, p->target) : -1;
    int rc = AIWB_EDATA;

    *out = NULL;
    if (notes != NULL)
        *notes = NULL;
    if (p->algo != NULL) {
        *cause = xstrdup("a model is not a chain of transforms: use `predict`");
        return AIWB_EINVAL;
    }
    if (tc >= 0) {
        y = frame_new(frame_rows(data));
        frame_copy_col(y, data, (size_t)tc, NULL);
    }
    if ((x = conform(p, data, &nb, cause)) == NULL ||
        (f = run_transforms(p, x, y, 0, 1, &fy, cause)) == NULL)
        goto out;
    *out = joined(f, fy);
    rc = AIWB_OK;
out:
    frame_free(x);
    frame_free(y);
    frame_free(f);
    frame_free(fy);
    if (notes != NULL && nb.len > 0)
        *notes = strbuf_detach(&nb, NULL);
    strbuf_release(&nb);
    return rc;
}

int
pipeline_recommend(const struct pipeline *p, const char *user, size_t k,
                   struct recommendation *out, char **cause)
{
    int32_t code;
    size_t from, to;
    int got;

    memset(out, 0, sizeof *out);
    if (p->algo == NULL || p->task != AIWB_TASK_RANKING) {
        *cause = xasprintf("%s does not recommend: it is no recommender (als, itemknn, popular "
                           "are)", p->algo != NULL ? p->algo->name : "a chain of transforms");
        return AIWB_EINVAL;
    }
    code = -1;
    for (size_t l = 0; l < p->in[0].nlevels && code < 0; l++)
        if (strcmp(p->in[0].levels[l], user) == 0)
            code = (int32_t)l;
    if (code < 0) {
        *cause = xasprintf("user '%s' is not known to the model (add their interactions with "
                           "`update`)", user);
        return AIWB_EINVAL;
    }
    from = p->seen_start[code];
    to = p->seen_start[code + 1];
    out->items = xcalloc(k ? k : 1, sizeof *out->items);
    out->scores = xcalloc(k ? k : 1, sizeof *out->scores);
    out->codes = xcalloc(k ? k : 1, sizeof *out->codes);
    got = algt(p)->recommend(p->algo_state, code, p->seen + from, to - from, k, out->codes,
                             out->scores);
    if (got < 0 || (size_t)got > k) {
        *cause = xasprintf("%s could not recommend (status %d)", p->algo->name, got);
        recommendation_release(out);
        return AIWB_ERR;
    }
    out->n = (size_t)got;
    out->seen = to - from;
    for (size_t i = 0; i < out->n; i++)
        out->items[i] = out->codes[i] >= 0 && (size_t)out->codes[i] < p->in[1].nlevels
                            ? p->in[1].levels[out->codes[i]]
                            : "?";
    return AIWB_OK;
}

void
recommendation_release(struct recommendation *r)
{
    free(r->items);
    free(r->scores);
    free(r->codes);
    memset(r, 0, sizeof *r);
}

/* An index of schema column S's levels by their text (a one-column frame
 * whose codes are S's), for grow_level(). */
static struct aiwb_frame *
level_index(const struct schema_col *s)
{
    struct aiwb_frame *f = frame_new(0);

    frame_add_categorical(f, s->name);
    for (size_t l = 0; l < s->nlevels; l++)
        frame_level_intern(f, 0, s->levels[l], strlen(s->levels[l]));
    return f;
}

/* The code of TEXT among schema column S's levels (INDEX their index),
 * appending it to both if new. */
static int32_t
grow_level(struct schema_col *s, struct aiwb_frame *index, const char *text)
{
    int32_t code = frame_level_find(index, 0, text);

    if (code >= 0)
        return code;
    frame_level_intern(index, 0, text, strlen(text));
    s->levels = xreallocarray(s->levels, s->nlevels + 1, sizeof *s->levels);
    s->levels[s->nlevels] = xstrdup(text);
    return (int32_t)s->nlevels++;
}

/* The text of row I of column C of F (ids as the model keeps them). */
static const char *
id_text(const struct aiwb_frame *f, size_t c, size_t i, char buf[NUMFMT_BUFSZ])
{
    if (frame_is_missing(f, c, i))
        return NULL;
    if (frame_col_type(f, c) == AIWB_CATEGORICAL)
        return frame_level(f, c, frame_codes(f, c)[i]);
    return numfmt_exact(buf, frame_numeric(f, c)[i]);
}

int
pipeline_update(struct pipeline *p, const struct aiwb_frame *data, size_t *added, char **cause)
{
    size_t n = frame_rows(data), m = 0;
    long uc, ic, tc = -1;
    double *X, *y;
    struct aiwb_frame *users, *items;
    struct aiwb_problem prob;
    int rc;

    *added = 0;
    if (p->algo == NULL || !(p->algo->flags & AIWB_CAP_INCREMENTAL) ||
        p->task != AIWB_TASK_RANKING) {
        *cause = xasprintf("%s cannot be updated in place: train it again",
                           p->algo != NULL ? p->algo->name : "a chain of transforms");
        return AIWB_ENOTSUP;
    }
    uc = frame_find(data, p->in[0].name);
    ic = frame_find(data, p->in[1].name);
    if (p->target != NULL)
        tc = frame_find(data, p->target);
    if (uc < 0 || ic < 0 || (p->target != NULL && tc < 0)) {
        *cause = xasprintf("the new interactions need the columns '%s', '%s'%s%s%s",
                           p->in[0].name, p->in[1].name, p->target ? " and '" : "",
                           p->target ? p->target : "", p->target ? "'" : "");
        return AIWB_EDATA;
    }
    if (tc >= 0 && frame_col_type(data, (size_t)tc) != AIWB_NUMERIC) {
        *cause = xasprintf("the rating '%s' must be numeric", p->target);
        return AIWB_EDATA;
    }
    X = xmalloc((n ? n : 1) * 2 * sizeof *X);
    y = xmalloc((n ? n : 1) * sizeof *y);
    users = level_index(&p->in[0]);
    items = level_index(&p->in[1]);
    for (size_t i = 0; i < n; i++) {
        char ub[NUMFMT_BUFSZ], ib[NUMFMT_BUFSZ];
        const char *u = id_text(data, (size_t)uc, i, ub), *it = id_text(data, (size_t)ic, i, ib);

        if (u == NULL || it == NULL || (tc >= 0 && frame_is_missing(data, (size_t)tc, i)))
            continue; /* an interaction without both ids (or its rating) teaches nothing */
        X[2 * m] = grow_level(&p->in[0], users, u);
        X[2 * m + 1] = grow_level(&p->in[1], items, it);
        y[m++] = tc >= 0 ? frame_numeric(data, (size_t)tc)[i] : 1;
    }
    frame_free(users);
    frame_free(items);
    p->feature_levels[0] = (unsigned)p->in[0].nlevels;
    p->feature_levels[1] = (unsigned)p->in[1].nlevels;
    memset(&prob, 0, sizeof prob);
    prob.n = m;
    prob.p = 2;
    prob.X = X;
    prob.ldx = 2;
    prob.y = y;
    prob.task = p->task;
    prob.feature_names = (const char *const *)p->features;
    prob.target_name = p->target;
    prob.feature_levels = p->feature_levels;
    prob.seed = p->seed;
    *cause = NULL;
    rc = algt(p)->update(p->algo_state, &prob, cause);
    if (rc < 0 && *cause == NULL)
        *cause = xasprintf("%s could not fold the interactions in (status %d)", p->algo->name,
                           rc);
    if (rc >= 0)
        add_seen(p, X, m);
    free(X);
    free(y);
    *added = m;
    return rc < 0 ? rc : AIWB_OK;
}

void
prediction_release(struct prediction *pr)
{
    free(pr->values);
    free(pr->classes);
    memset(pr, 0, sizeof *pr);
}

double *
pipeline_design(const struct pipeline *p, const struct aiwb_frame *data, struct strbuf *nb,
                char **cause)
{
    struct aiwb_frame *x = NULL, *f = NULL;
    size_t n = frame_rows(data);
    long *cols = NULL;
    double *X = NULL;

    if ((x = conform(p, data, nb, cause)) == NULL ||
        (f = run_transforms(p, x, NULL, 0, 0, NULL, cause)) == NULL ||
        (cols = design_columns(p, f, cause)) == NULL)
        goto out;
    X = xmalloc((n ? n : 1) * (p->p ? p->p : 1) * sizeof *X);
    fill_design(p, f, cols, X);
    /* A recommender scores unknown users and items itself (cold start). */
    if (!(p->algo->flags & AIWB_CAP_MISSING) && p->task != AIWB_TASK_RANKING) {
        char *where = first_missing(p, X, n);

        if (where != NULL) {
            *cause = xasprintf("%s, and the model has no imputer for it (train it `with impute`)",
                               where);
            free(where);
            free(X);
            X = NULL;
        }
    }
out:
    free(cols);
    frame_free(f);
    frame_free(x);
    return X;
}

int
pipeline_predict(const struct pipeline *p, const struct aiwb_frame *data,
                 struct prediction *out, char **notes, char **cause)
{
    struct strbuf nb = STRBUF_INIT;
    size_t n = frame_rows(data), k;
    double *X = NULL;
    int rc = AIWB_EDATA;

    memset(out, 0, sizeof *out);
    if (notes != NULL)
        *notes = NULL;
    if (p->X != NULL) {
        *cause = xstrdup("the model is still training");
        return AIWB_EINVAL;
    }
    if (p->algo == NULL) {
        *cause = xstrdup("a chain of transforms does not predict: apply it with `transform "
                         "DATASET using NAME`");
        return AIWB_EINVAL;
    }
    if ((X = pipeline_design(p, data, &nb, cause)) == NULL)
        goto out;
    k = algt(p)->n_outputs(p->algo_state);
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
    if (p->task == AIWB_TASK_CLASSIFICATION || p->task == AIWB_TASK_CLUSTERING) {
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
    if (notes != NULL && nb.len > 0)
        *notes = strbuf_detach(&nb, NULL);
    strbuf_release(&nb);
    return rc;
}

int
pipeline_summary(const struct pipeline *p, struct aiwb_table *t)
{
    if (p->algo == NULL || algt(p)->report == NULL)
        return AIWB_ENOTSUP;
    return algt(p)->report(p->algo_state, t);
}

size_t
pipeline_n_levels(const struct pipeline *p, size_t i)
{
    return i < p->n_in ? p->in[i].nlevels : 0;
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
    return p->algo != NULL ? p->algo->name : NULL;
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
