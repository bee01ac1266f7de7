/*
 * test-classifiers.c - the nbayes and knn algorithm plugins: their
 * predictions against scikit-learn (and against the definitions where
 * scikit-learn has none: missing values, ties), blocks and threads against
 * a plain search, report, save/load, and every refusal.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Reference numbers: tests/data/classifiers/reference.txt, made by
 * make-classifiers.py there (see it to regenerate) from the CSV files beside it.
 */
#include <config.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "core/codec.h"
#include "core/log.h"
#include "core/options.h"
#include "core/pipeline.h"
#include "core/registry.h"
#include "core/table.h"
#include "core/xalloc.h"
#include "testutil.h"

/* ---------------------------------------------------------------------------
 * Helpers: data, reference numbers, running a plugin.
 */

/* A table of numbers read from a CSV under tests/data/classifiers (an empty
 * field is NaN), with its header. */
struct csv {
    size_t n, cols;
    double *v; /* n x cols */
    char **names;
};

static void
csv_free(struct csv *c)
{
    for (size_t j = 0; j < c->cols; j++)
        free(c->names[j]);
    free(c->names);
    free(c->v);
    memset(c, 0, sizeof(*c));
}

static void
csv_read(struct csv *c, const char *name)
{
    char *rel = xasprintf("tests/data/classifiers/%s", name), *path = tu_srcpath(rel);
    FILE *f = fopen(path, "r");
    char line[8192];
    size_t alloc = 0;

    assert_non_null(f);
    memset(c, 0, sizeof(*c));
    assert_non_null(fgets(line, sizeof(line), f));
    line[strcspn(line, "\r\n")] = '\0';
    c->cols = 1;
    for (char *p = line; *p; p++)
        c->cols += *p == ',';
    c->names = xcalloc(c->cols, sizeof(char *));
    char *save = NULL, *tok = strtok_r(line, ",", &save);
    for (size_t j = 0; j < c->cols; j++, tok = strtok_r(NULL, ",", &save))
        c->names[j] = xstrdup(tok);
    while (fgets(line, sizeof(line), f) != NULL) {
        char *p = line, *end;
        if (c->n == alloc) {
            alloc = alloc ? 2 * alloc : 256;
            c->v = xreallocarray(c->v, alloc * c->cols, sizeof(double));
        }
        for (size_t j = 0; j < c->cols; j++) {
            double v = strtod(p, &end);
            c->v[c->n * c->cols + j] = end == p ? NAN : v;
            p = end + 1;
        }
        c->n++;
    }
    fclose(f);
    free(path);
    free(rel);
}

/* Column COL of C as a new array. */
static double *
csv_col(const struct csv *c, size_t col)
{
    double *v = xcalloc(c->n, sizeof(double));

    for (size_t i = 0; i < c->n; i++)
        v[i] = c->v[i * c->cols + col];
    return v;
}

/* The numbers on the line "KEY v1 v2 ..." of reference.txt: a new array,
 * their count in *N. */
static double *
ref_get(const char *key, size_t *n)
{
    char *path = tu_srcpath("tests/data/classifiers/reference.txt");
    FILE *f = fopen(path, "r");
    size_t cap = 0, len = strlen(key);
    char *line = NULL;
    double *v = NULL;

    assert_non_null(f);
    *n = 0;
    while (getline(&line, &cap, f) > 0) {
        char *p, *end;
        if (strncmp(line, key, len) != 0 || line[len] != ' ')
            continue;
        size_t alloc = 64;
        v = xcalloc(alloc, sizeof(double));
        for (p = line + len;; p = end) {
            double x = strtod(p, &end);
            if (end == p)
                break;
            if (*n == alloc)
                v = xreallocarray(v, alloc *= 2, sizeof(double));
            v[(*n)++] = x;
        }
        break;
    }
    free(line);
    fclose(f);
    free(path);
    if (v == NULL)
        fail_msg("no '%s' in reference.txt", key);
    return v;
}

/* |got - want| <= tol * max(|want|, floor). */
#define assert_close(got, want, tol, floor)                                                       \
    assert_close_((got), (want), (tol), (floor), #got, __FILE__, __LINE__)
static void
assert_close_(double got, double want, double tol, double floor, const char *expr,
              const char *file, int line)
{
    double scale = fabs(want) > floor ? fabs(want) : floor;

    if (got == want || fabs(got - want) <= tol * scale)
        return;
    print_error("%s = %.17g, want %.17g (difference %.3g > %g)\n", expr, got, want,
                fabs(got - want), tol * scale);
    _fail(file, line);
}

#define assert_contains(hay, needle) assert_contains_((hay), (needle), __FILE__, __LINE__)
static void
assert_contains_(const char *hay, const char *needle, const char *file, int line)
{
    if (hay != NULL && strstr(hay, needle) != NULL)
        return;
    print_error("'%s' does not contain '%s'\n", hay ? hay : "(null)", needle);
    _fail(file, line);
}

/* Messages the plugins log. */
static char logged[4096];

static void
log_capture(void *arg, enum aiwb_log_level level, const char *msg)
{
    (void)arg;
    (void)level;
    snprintf(logged + strlen(logged), sizeof(logged) - strlen(logged), "%s\n", msg);
}

static void
capture_start(void)
{
    logged[0] = '\0';
    log_set_sink(log_capture, NULL, AIWB_LOG_WARN);
}

static void
capture_stop(void)
{
    log_set_sink(NULL, NULL, AIWB_LOG_WARN);
}

static const struct aiwb_algorithm_type *
algorithm(const char *name)
{
    const struct component *c;

    tu_load_plugins();
    c = registry_find(COMPONENT_ALGORITHM, name);
    assert_non_null(c);
    return c->type.algorithm;
}

/* A problem: the caller's arrays, borrowed. */
struct data {
    size_t n, p, K;
    const double *X;
    size_t ldx;
    const double *y;
    const double *w;
    const unsigned *levels;
    unsigned task;
};

/* One instance of a plugin on a problem. */
struct run {
    const struct aiwb_algorithm_type *type;
    const char *name;
    struct aiwb_options *opts;
    void *state;
    struct aiwb_problem prob;
    struct aiwb_step step;
    char **features;
    char *cause;
};

static const char *const class_names[] = {"alpha", "beta", "gamma", "delta"};

static int
run_init(struct run *r, const char *name, const struct data *d, const char *const *words)
{
    size_t nw = 0;

    memset(r, 0, sizeof(*r));
    r->name = name;
    r->type = algorithm(name);
    while (words != NULL && words[nw] != NULL)
        nw++;
    r->opts = options_parse(name, r->type->options, nw, (char *const *)words, &r->cause);
    if (r->opts == NULL)
        fail_msg("%s", r->cause);
    r->state = xcalloc(1, r->type->state_size);
    r->features = xcalloc(d->p + 1, sizeof(char *));
    for (size_t j = 0; j < d->p; j++)
        r->features[j] = xasprintf("f%zu", j + 1);
    r->prob = (struct aiwb_problem){
        .n = d->n,
        .p = d->p,
        .X = d->X,
        .ldx = d->ldx,
        .y = d->y,
        .w = d->w,
        .task = d->task ? d->task : AIWB_TASK_CLASSIFICATION,
        .n_classes = d->K,
        .feature_names = (const char *const *)r->features,
        .class_names = class_names,
        .target_name = "label",
        .feature_levels = d->levels,
    };
    return r->type->init(r->state, r->opts, &r->prob, &r->cause);
}

/* init, iterate as the host does, finish. */
static int
run_fit(struct run *r, const char *name, const struct data *d, const char *const *words)
{
    int rc = run_init(r, name, d, words), it = 0;

    if (rc != AIWB_OK)
        return rc;
    do {
        memset(&r->step, 0, sizeof(r->step));
        rc = r->type->iterate(r->state, &r->prob, &r->step, &r->cause);
    } while (rc == AIWB_CONTINUE && ++it < 1000);
    if (rc != AIWB_OK)
        return rc;
    return r->type->finish(r->state, &r->prob, &r->cause);
}

static void
run_release(struct run *r)
{
    if (r->type != NULL && r->state != NULL)
        r->type->fini(r->state);
    free(r->state);
    for (size_t j = 0; r->features != NULL && j < r->prob.p; j++)
        free(r->features[j]);
    free(r->features);
    free(r->cause);
    options_free(r->opts);
    memset(r, 0, sizeof(*r));
}

static double
step_get(const struct aiwb_step *s, const char *name)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->names[i], name) == 0)
            return s->values[i];
    fail_msg("the step has no value '%s'", name);
    return NAN;
}

/* Predictions of R for N rows of X (stride LDX): a new array. */
static double *
run_predict(const struct run *r, size_t n, const double *X, size_t ldx)
{
    size_t k = r->type->n_outputs(r->state);
    double *out = xcalloc(n * k + 1, sizeof(double));

    assert_int_equal(r->type->predict(r->state, n, X, ldx, out), AIWB_OK);
    return out;
}

static struct aiwb_table *
run_report(const struct run *r)
{
    struct aiwb_table *t = table_new(NULL);

    assert_int_equal(r->type->report(r->state, t), AIWB_OK);
    return t;
}

static double
cell_real(const struct aiwb_table *t, size_t row, size_t col)
{
    const struct table_cell *c = table_cell(t, row, col);

    assert_non_null(c);
    return c->v.r;
}

static const char *
cell_text(const struct aiwb_table *t, size_t row, size_t col)
{
    const struct table_cell *c = table_cell(t, row, col);

    assert_non_null(c);
    return c->v.s;
}

static unsigned char *
save_blob(const struct run *r, const void *state, size_t *len)
{
    struct aiwb_writer *w = writer_new();
    unsigned char *blob;

    assert_int_equal(r->type->save(state, w), AIWB_OK);
    blob = codec_seal(w, len);
    writer_free(w);
    return blob;
}

static int
load_blob(const struct aiwb_algorithm_type *type, void *state, const unsigned char *blob,
          size_t len, unsigned version, char **cause)
{
    struct aiwb_reader *rd = reader_open(blob, len, cause);
    int rc;

    assert_non_null(rd);
    rc = type->load(state, rd, version, cause);
    reader_free(rd);
    return rc;
}

/*
 * Save R's model, load it into a new state: the same predictions on the N
 * rows of X (bit for bit), the same report, and the same bytes saved again.
 */
static void
check_round_trip(const struct run *r, size_t n, const double *X, size_t ldx)
{
    size_t len, len2, k = r->type->n_outputs(r->state);
    char *cause = NULL;
    unsigned char *blob = save_blob(r, r->state, &len);
    void *copy = xcalloc(1, r->type->state_size);

    assert_int_equal(load_blob(r->type, copy, blob, len, r->type->state_version, &cause),
                     AIWB_OK);
    assert_null(cause);
    assert_int_equal(r->type->n_outputs(copy), k);
    double *p1 = run_predict(r, n, X, ldx), *p2 = xcalloc(n * k + 1, sizeof(double));
    assert_int_equal(r->type->predict(copy, n, X, ldx, p2), AIWB_OK);
    assert_memory_equal(p1, p2, n * k * sizeof(double));
    struct aiwb_table *t1 = run_report(r), *t2 = table_new(NULL);
    assert_int_equal(r->type->report(copy, t2), AIWB_OK);
    assert_int_equal(table_rows(t1), table_rows(t2));
    assert_int_equal(t1->nnotes, t2->nnotes);
    for (size_t i = 0; i < t1->nnotes; i++)
        assert_string_equal(t1->notes[i], t2->notes[i]);
    unsigned char *blob2 = save_blob(r, copy, &len2);
    assert_int_equal(len, len2);
    assert_memory_equal(blob, blob2, len);
    free(blob2);
    table_free(t1);
    table_free(t2);
    free(p1);
    free(p2);
    r->type->fini(copy);
    free(copy);
    free(blob);
}

/* A loaded model refuses another state version and damaged state. */
static void
check_load_refusals(const struct run *r, const char *name)
{
    size_t len;
    char *cause = NULL, want[128];
    unsigned char *blob = save_blob(r, r->state, &len);
    void *copy = xcalloc(1, r->type->state_size);
    struct aiwb_writer *w;

    assert_int_equal(load_blob(r->type, copy, blob, len, 9, &cause), AIWB_ENOTSUP);
    snprintf(want, sizeof(want), "%s: cannot read a model saved with state version 9", name);
    assert_contains(cause, want);
    free(cause);
    cause = NULL;
    /* Sealed, but only its first value. */
    w = writer_new();
    if (strcmp(name, "knn") == 0)
        codec_put_int(w, "k", 3);
    else
        codec_put_real(w, "var_smoothing", 1e-9);
    free(blob);
    blob = codec_seal(w, &len);
    writer_free(w);
    assert_int_equal(load_blob(r->type, copy, blob, len, r->type->state_version, &cause),
                     AIWB_EDATA);
    snprintf(want, sizeof(want), "%s: the saved model is corrupt or incomplete (reading '", name);
    assert_contains(cause, want);
    free(cause);
    /* Left empty: it cannot predict. */
    double x[8] = {0}, out[8];
    assert_int_equal(r->type->predict(copy, 1, x, 0, out), AIWB_EINVAL);
    r->type->fini(copy);
    free(copy);
    free(blob);
}

/* ---------------------------------------------------------------------------
 * nbayes.
 */

/* nbayes.csv (or nbayes-missing.csv): g1..g3, c1, c2, w, y. */
struct nbdata {
    struct csv c;
    double *y, *w;
    unsigned levels[5];
};

static void
nb_read(struct nbdata *nb, const char *file)
{
    csv_read(&nb->c, file);
    assert_int_equal(nb->c.cols, 7);
    nb->y = csv_col(&nb->c, 6);
    nb->w = csv_col(&nb->c, 5);
    unsigned lv[5] = {0, 0, 0, 3, 4};
    memcpy(nb->levels, lv, sizeof(lv));
}

static void
nb_free(struct nbdata *nb)
{
    csv_free(&nb->c);
    free(nb->y);
    free(nb->w);
}

/*
 * Fit nbayes on columns [FIRST, FIRST + P) of NB (weighted if WEIGHTED) with
 * WORDS and compare log-probabilities on the training rows with reference
 * NAME to 1e-10, and the training loss.
 */
static void
nb_check(const struct nbdata *nb, size_t first, size_t p, int weighted, const char *name,
         const char *const *words)
{
    struct data d = {.n = nb->c.n, .p = p, .K = 3, .X = nb->c.v + first, .ldx = nb->c.cols,
                     .y = nb->y, .w = weighted ? nb->w : NULL, .levels = nb->levels + first};
    struct run r;
    char key[64];
    size_t nref;

    if (run_fit(&r, "nbayes", &d, words) != AIWB_OK)
        fail_msg("%s", r.cause);
    double *out = run_predict(&r, d.n, d.X, d.ldx);
    snprintf(key, sizeof(key), "%s.logproba", name);
    double *ref = ref_get(key, &nref);
    assert_int_equal(nref, d.n * 3);
    for (size_t i = 0; i < d.n * 3; i++) {
        if (ref[i] < -700)
            assert_true(out[i] < 1e-300);
        else
            assert_close(log(out[i]), ref[i], 1e-10, 1e-3);
    }
    for (size_t i = 0; i < d.n; i++)
        assert_close(out[3 * i] + out[3 * i + 1] + out[3 * i + 2], 1.0, 1e-15, 1);
    free(ref);
    snprintf(key, sizeof(key), "%s.logloss", name);
    ref = ref_get(key, &nref);
    assert_close(step_get(&r.step, "loss"), ref[0], 1e-12, 1);
    free(ref);
    free(out);
    run_release(&r);
}

static void
test_nbayes_gaussian_like_sklearn(void **unused)
{
    struct nbdata nb;
    const char *smooth[] = {"var_smoothing=1e-3", NULL}, *uniform[] = {"priors=uniform", NULL};

    (void)unused;
    nb_read(&nb, "nbayes.csv");
    nb_check(&nb, 0, 3, 0, "nb_gauss", NULL);
    nb_check(&nb, 0, 3, 1, "nb_gauss_w", smooth);
    nb_check(&nb, 0, 3, 0, "nb_gauss_uniform", uniform);
    nb_free(&nb);
}

static void
test_nbayes_categorical_like_sklearn(void **unused)
{
    struct nbdata nb;
    const char *a03[] = {"alpha=0.3", NULL};

    (void)unused;
    nb_read(&nb, "nbayes.csv");
    nb_check(&nb, 3, 2, 0, "nb_cat", NULL);
    nb_check(&nb, 3, 2, 1, "nb_cat_a03_w", a03);
    nb_free(&nb);
}

/* Numeric and categorical features together: the two models' sum. */
static void
test_nbayes_mixed_like_sklearn(void **unused)
{
    struct nbdata nb;

    (void)unused;
    nb_read(&nb, "nbayes.csv");
    nb_check(&nb, 0, 5, 0, "nb_mixed", NULL);
    nb_check(&nb, 0, 5, 1, "nb_mixed_w", NULL);
    nb_free(&nb);
}

/* Missing values are left out of the fit and of each row's likelihood. */
static void
test_nbayes_missing_values(void **unused)
{
    struct nbdata nb;
    struct run r;
    size_t missing = 0;

    (void)unused;
    nb_read(&nb, "nbayes-missing.csv");
    nb_check(&nb, 0, 5, 0, "nb_missing", NULL);
    for (size_t i = 0; i < nb.c.n; i++)
        for (size_t j = 0; j < 5; j++)
            missing += isnan(nb.c.v[i * nb.c.cols + j]);

    /* The first row has no value at all: its probabilities are the priors. */
    struct data d = {.n = nb.c.n, .p = 5, .K = 3, .X = nb.c.v, .ldx = nb.c.cols, .y = nb.y,
                     .levels = nb.levels};
    assert_int_equal(run_fit(&r, "nbayes", &d, NULL), AIWB_OK);
    double *out = run_predict(&r, 1, nb.c.v, nb.c.cols), count[3] = {0};
    for (size_t i = 0; i < d.n; i++)
        count[(size_t)nb.y[i]]++;
    for (size_t k = 0; k < 3; k++)
        assert_close(out[k], count[k] / (double)d.n, 1e-14, 1);
    struct aiwb_table *t = run_report(&r);
    char want[128];
    snprintf(want, sizeof(want), "%zu missing values were left out of the fit", missing);
    assert_contains(t->notes[1], want);
    table_free(t);
    free(out);
    run_release(&r);
    nb_free(&nb);
}

/* The report: priors, then means and sds, then level probabilities. */
static void
test_nbayes_report(void **unused)
{
    struct nbdata nb;
    struct run r;

    (void)unused;
    nb_read(&nb, "nbayes.csv");
    struct data d = {.n = nb.c.n, .p = 5, .K = 3, .X = nb.c.v, .ldx = nb.c.cols, .y = nb.y,
                     .levels = nb.levels};
    assert_int_equal(run_fit(&r, "nbayes", &d, NULL), AIWB_OK);
    struct aiwb_table *t = run_report(&r);
    assert_contains(t->title, "nbayes");
    assert_int_equal(t->ncols, 4);
    assert_string_equal(t->cols[1].name, "alpha");
    assert_string_equal(t->cols[3].name, "gamma");
    /* (prior), 3 x (mean, sd), 3 + 4 levels */
    assert_int_equal(table_rows(t), 1 + 6 + 7);
    assert_string_equal(cell_text(t, 0, 0), "(prior)");
    assert_string_equal(cell_text(t, 1, 0), "f1: mean");
    assert_string_equal(cell_text(t, 2, 0), "f1: sd");
    assert_string_equal(cell_text(t, 7, 0), "f4: level 1");
    assert_string_equal(cell_text(t, 13, 0), "f5: level 4");
    double n[3] = {0}, sum[3] = {0}, lev[3] = {0};
    for (size_t i = 0; i < d.n; i++) {
        size_t k = (size_t)nb.y[i];
        n[k]++;
        sum[k] += nb.c.v[i * nb.c.cols];
        lev[k] += nb.c.v[i * nb.c.cols + 3] == 0;
    }
    for (size_t k = 0; k < 3; k++) {
        assert_close(cell_real(t, 0, 1 + k), n[k] / (double)d.n, 1e-15, 1);
        assert_close(cell_real(t, 1, 1 + k), sum[k] / n[k], 1e-14, 1);
        assert_close(cell_real(t, 7, 1 + k), (lev[k] + 1) / (n[k] + 3), 1e-14, 1);
    }
    assert_contains(t->notes[0], "3 Gaussian features");
    assert_contains(t->notes[0], "2 categorical (alpha = 1)");
    assert_contains(t->notes[0], "priors from the class frequencies");
    assert_contains(t->notes[t->nnotes - 1], "Training log-loss: ");
    table_free(t);
    check_round_trip(&r, d.n, d.X, d.ldx);
    check_load_refusals(&r, "nbayes");
    run_release(&r);
    nb_free(&nb);
}

/* A class whose rows all weigh nothing gets probability 0, with a warning;
 * a class with no value of a feature gets the pooled mean and variance. */
static void
test_nbayes_empty_class(void **unused)
{
    struct nbdata nb;
    struct run r;

    (void)unused;
    nb_read(&nb, "nbayes.csv");
    for (size_t i = 0; i < nb.c.n; i++)
        nb.w[i] = nb.y[i] == 2 ? 0 : 1;
    struct data d = {.n = nb.c.n, .p = 5, .K = 3, .X = nb.c.v, .ldx = nb.c.cols, .y = nb.y,
                     .w = nb.w, .levels = nb.levels};
    capture_start();
    int rc = run_fit(&r, "nbayes", &d, NULL);
    capture_stop();
    assert_int_equal(rc, AIWB_OK);
    assert_contains(logged, "nbayes: class 'gamma' has no rows in the training data: it gets "
                            "probability 0");
    double *out = run_predict(&r, d.n, d.X, d.ldx);
    for (size_t i = 0; i < d.n; i++) {
        assert_true(out[3 * i + 2] == 0);
        assert_close(out[3 * i] + out[3 * i + 1], 1.0, 1e-15, 1);
    }
    free(out);
    run_release(&r);

    /* Class beta has no value of g2. */
    for (size_t i = 0; i < nb.c.n; i++)
        if (nb.y[i] == 1)
            nb.c.v[i * nb.c.cols + 1] = NAN;
    d.w = NULL;
    capture_start();
    rc = run_fit(&r, "nbayes", &d, NULL);
    capture_stop();
    assert_int_equal(rc, AIWB_OK);
    assert_contains(logged, "nbayes: class 'beta' has no value of 'f2': it gets the feature's "
                            "pooled mean and variance");
    struct aiwb_table *t = run_report(&r);
    double m0 = cell_real(t, 3, 1), m1 = cell_real(t, 3, 2), m2 = cell_real(t, 3, 3);
    assert_true(m1 > fmin(m0, m2) && m1 < fmax(m0, m2));
    table_free(t);
    run_release(&r);
    nb_free(&nb);
}

static void
test_nbayes_refusals(void **unused)
{
    struct nbdata nb;
    struct run r;

    (void)unused;
    nb_read(&nb, "nbayes.csv");
    struct data d = {.n = nb.c.n, .p = 5, .K = 3, .X = nb.c.v, .ldx = nb.c.cols, .y = nb.y,
                     .w = NULL, .levels = nb.levels};
    static const struct {
        size_t row, col;
        double value;
        const char *message;
    } bad[] = {
        {4, 6, 3, "nbayes: row 5: the target 'label' is 3, not a class code 0..2"},
        {4, 6, -1, "nbayes: row 5: the target 'label' is -1, not a class code 0..2"},
        {7, 1, INFINITY, "nbayes: row 8 column 'f2': inf is not a finite number"},
        {7, 3, 3, "nbayes: row 8 column 'f4': 3 is not a level code 0..2"},
        {7, 4, 1.5, "nbayes: row 8 column 'f5': 1.5 is not a level code 0..3"},
    };
    for (size_t b = 0; b < sizeof(bad) / sizeof(*bad); b++) {
        double *cell = nb.c.v + bad[b].row * nb.c.cols + bad[b].col, keep = *cell;
        double *y = nb.y + bad[b].row, keepy = *y;
        if (bad[b].col == 6)
            *y = bad[b].value;
        else
            *cell = bad[b].value;
        assert_int_equal(run_fit(&r, "nbayes", &d, NULL), AIWB_EDATA);
        assert_string_equal(r.cause, bad[b].message);
        run_release(&r);
        *cell = keep;
        *y = keepy;
    }
    /* Weights. */
    d.w = nb.w;
    nb.w[2] = -1;
    assert_int_equal(run_fit(&r, "nbayes", &d, NULL), AIWB_EDATA);
    assert_string_equal(r.cause, "nbayes: row 3: the weight -1 is not a finite number >= 0");
    run_release(&r);
    for (size_t i = 0; i < d.n; i++)
        nb.w[i] = nb.y[i] == 1;
    assert_int_equal(run_fit(&r, "nbayes", &d, NULL), AIWB_EDATA);
    assert_string_equal(r.cause, "nbayes: the target 'label' has a single class ('beta') in the "
                                 "training data: there is nothing to separate");
    run_release(&r);
    memset(nb.w, 0, d.n * sizeof(double));
    assert_int_equal(run_fit(&r, "nbayes", &d, NULL), AIWB_EDATA);
    assert_string_equal(r.cause, "nbayes: no rows with a non-zero weight: there is nothing to "
                                 "fit");
    run_release(&r);
    d.w = NULL;
    /* Shapes. */
    d.K = 1;
    assert_int_equal(run_init(&r, "nbayes", &d, NULL), AIWB_EDATA);
    assert_string_equal(r.cause, "nbayes: the target 'label' has a single class: there is "
                                 "nothing to separate");
    run_release(&r);
    d.K = 3;
    d.n = 0;
    assert_int_equal(run_init(&r, "nbayes", &d, NULL), AIWB_EDATA);
    assert_string_equal(r.cause, "nbayes: no rows: there is nothing to fit");
    run_release(&r);
    d.n = nb.c.n;
    /* A numeric feature without values; one constant with nothing to smooth it. */
    double *g1 = csv_col(&nb.c, 0);
    for (size_t i = 0; i < d.n; i++)
        nb.c.v[i * nb.c.cols] = NAN;
    assert_int_equal(run_fit(&r, "nbayes", &d, NULL), AIWB_EDATA);
    assert_string_equal(r.cause, "nbayes: feature 'f1' has no values in the training rows: "
                                 "there is nothing to learn about it");
    run_release(&r);
    /* 0.1 (inexact in binary) summed over the class does not average to
     * 0.1 exactly: the class must still count as constant. */
    for (size_t i = 0; i < d.n; i++)
        nb.c.v[i * nb.c.cols] = nb.y[i] == 0 ? 0.1 : g1[i];
    const char *nosmooth[] = {"var_smoothing=0", NULL};
    assert_int_equal(run_fit(&r, "nbayes", &d, nosmooth), AIWB_EDATA);
    assert_string_equal(r.cause, "nbayes: feature 'f1' is constant in class 'alpha' and "
                                 "var_smoothing adds nothing to its variance "
                                 "(var_smoothing=0): give var_smoothing > 0 or drop constant "
                                 "features");
    run_release(&r);
    /* With the default var_smoothing its variance is epsilon alone. */
    assert_int_equal(run_fit(&r, "nbayes", &d, NULL), AIWB_OK);
    struct aiwb_table *t = run_report(&r);
    double maxvar = 0;
    for (size_t j = 0; j < 3; j++) {
        double m = 0, v = 0;
        for (size_t i = 0; i < d.n; i++)
            m += nb.c.v[i * nb.c.cols + j] / (double)d.n;
        for (size_t i = 0; i < d.n; i++)
            v += pow(nb.c.v[i * nb.c.cols + j] - m, 2) / (double)d.n;
        maxvar = fmax(maxvar, v);
    }
    assert_true(cell_real(t, 1, 1) == 0.1);
    assert_close(pow(cell_real(t, 2, 1), 2), 1e-9 * maxvar, 1e-12, 0);
    table_free(t);
    run_release(&r);
    d.p = 1; /* every numeric feature is constant */
    for (size_t i = 0; i < d.n; i++)
        nb.c.v[i * nb.c.cols] = 7;
    assert_int_equal(run_fit(&r, "nbayes", &d, NULL), AIWB_EDATA);
    assert_contains(r.cause, "(every numeric feature is constant)");
    run_release(&r);
    free(g1);
    nb_free(&nb);
}

static void
test_nbayes_options_and_registration(void **unused)
{
    const struct component *c;
    static const struct {
        const char *word, *message;
    } cases[] = {
        {"alpha=0", "nbayes: alpha must be a number > 0, not '0'"},
        {"var_smoothing=-1", "nbayes: var_smoothing must be a number >= 0, not '-1'"},
        {"priors=flat", "nbayes: priors must be one of empirical|uniform, not 'flat'"},
    };

    (void)unused;
    tu_load_plugins();
    c = registry_find(COMPONENT_ALGORITHM, "nbayes");
    assert_non_null(c);
    assert_string_equal(c->module->name, "nbayes");
    assert_true(c->flags & AIWB_TASK_CLASSIFICATION);
    assert_true(c->flags & AIWB_CAP_CATEGORICAL);
    assert_true(c->flags & AIWB_CAP_MISSING);
    assert_true(c->flags & AIWB_CAP_WEIGHTS);
    assert_false(c->flags & AIWB_TASK_REGRESSION);
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        char *cause = NULL, *word = (char *)cases[i].word;
        assert_null(options_parse("nbayes", c->options, 1, &word, &cause));
        assert_string_equal(cause, cases[i].message);
        free(cause);
    }
    char *cause = NULL;
    struct aiwb_options *o = options_parse("nbayes", c->options, 0, NULL, &cause);
    char *all = options_format(o, 1);
    assert_string_equal(all, "var_smoothing=1e-9 alpha=1.0 priors=empirical");
    free(all);
    options_free(o);
}

/* ---------------------------------------------------------------------------
 * knn.
 */

/* The training rows and queries of a reference: X (P columns), classes y,
 * targets t, queries Q. */
struct knndata {
    struct csv train, query;
    size_t p;
    double *y, *t;
};

static void
knn_read(struct knndata *kd, const char *train, const char *query, size_t p)
{
    csv_read(&kd->train, train);
    csv_read(&kd->query, query);
    kd->p = p;
    assert_int_equal(kd->train.cols, p + 2);
    assert_int_equal(kd->query.cols, p);
    kd->t = csv_col(&kd->train, p);
    kd->y = csv_col(&kd->train, p + 1);
}

static void
knn_free(struct knndata *kd)
{
    csv_free(&kd->train);
    csv_free(&kd->query);
    free(kd->y);
    free(kd->t);
}

/* Classification and regression with reference NAME ("PREFIX_kK_WEIGHTS_METRIC"). */
static void
knn_check(const struct knndata *kd, const char *prefix, int k, const char *weights,
          const char *metric, double tol)
{
    char name[96], key[128], kw[16], ww[32], mw[32];
    const char *words[] = {kw, ww, mw, NULL};
    struct data dc = {.n = kd->train.n, .p = kd->p, .K = 3, .X = kd->train.v,
                      .ldx = kd->train.cols, .y = kd->y};
    struct data dr = dc;
    struct run r;
    size_t nq = kd->query.n, nref;

    snprintf(name, sizeof(name), "%s_k%d_%s_%s", prefix, k, weights, metric);
    snprintf(kw, sizeof(kw), "k=%d", k);
    snprintf(ww, sizeof(ww), "weights=%s", weights);
    snprintf(mw, sizeof(mw), "metric=%s", metric);
    if (run_fit(&r, "knn", &dc, words) != AIWB_OK)
        fail_msg("%s", r.cause);
    assert_int_equal(r.type->n_outputs(r.state), 3);
    double *out = run_predict(&r, nq, kd->query.v, kd->query.cols);
    snprintf(key, sizeof(key), "%s.proba", name);
    double *ref = ref_get(key, &nref);
    assert_int_equal(nref, 3 * nq);
    for (size_t i = 0; i < 3 * nq; i++)
        assert_close(out[i], ref[i], tol, 1);
    free(ref);
    free(out);
    run_release(&r);

    dr.y = kd->t;
    dr.K = 0;
    dr.task = AIWB_TASK_REGRESSION;
    if (run_fit(&r, "knn", &dr, words) != AIWB_OK)
        fail_msg("%s", r.cause);
    assert_int_equal(r.type->n_outputs(r.state), 1);
    out = run_predict(&r, nq, kd->query.v, kd->query.cols);
    snprintf(key, sizeof(key), "%s.mean", name);
    ref = ref_get(key, &nref);
    assert_int_equal(nref, nq);
    for (size_t i = 0; i < nq; i++)
        assert_close(out[i], ref[i], tol, 1e-300);
    free(ref);
    free(out);
    run_release(&r);
}

static void
test_knn_like_sklearn(void **unused)
{
    struct knndata kd;

    (void)unused;
    knn_read(&kd, "knn-train.csv", "knn-query.csv", 4);
    knn_check(&kd, "knn", 5, "uniform", "euclidean", 1e-12);
    knn_check(&kd, "knn", 7, "distance", "euclidean", 1e-12);
    knn_check(&kd, "knn", 4, "uniform", "manhattan", 1e-12);
    knn_check(&kd, "knn", 6, "distance", "manhattan", 1e-12);
    knn_check(&kd, "knn", 1, "uniform", "euclidean", 1e-12);
    knn_free(&kd);
}

/* Integer features: distances tie, the earlier training row is nearer, and
 * rows at distance 0 win outright with weights=distance. */
static void
test_knn_ties(void **unused)
{
    struct knndata kd;

    (void)unused;
    knn_read(&kd, "knn-grid.csv", "knn-grid-query.csv", 3);
    knn_check(&kd, "grid", 5, "uniform", "euclidean", 1e-14);
    knn_check(&kd, "grid", 7, "distance", "euclidean", 1e-14);
    knn_check(&kd, "grid", 4, "uniform", "manhattan", 1e-14);
    knn_check(&kd, "grid", 6, "distance", "manhattan", 1e-14);
    knn_check(&kd, "grid", 1, "uniform", "euclidean", 1e-14);
    knn_free(&kd);
}

/* Two training rows equal to the query, of different classes, and others
 * nearer than any but those: with distance weights the two share the vote;
 * the regression is their mean. */
static void
test_knn_zero_distance(void **unused)
{
    double X[] = {0, 0, 0.1, 0, 1, 1, 1, 1, 5, 5}, y[] = {0, 1, 2, 0, 2}, q[] = {1, 1};
    struct data d = {.n = 5, .p = 2, .K = 3, .X = X, .ldx = 2, .y = y};
    const char *words[] = {"k=3", "weights=distance", NULL};
    struct run r;

    (void)unused;
    assert_int_equal(run_fit(&r, "knn", &d, words), AIWB_OK);
    double *out = run_predict(&r, 1, q, 2);
    assert_true(out[0] == 0.5 && out[1] == 0 && out[2] == 0.5);
    free(out);
    run_release(&r);
    d.task = AIWB_TASK_REGRESSION;
    d.K = 0;
    double t[] = {1, 2, 10, 30, 4};
    d.y = t;
    assert_int_equal(run_fit(&r, "knn", &d, words), AIWB_OK);
    out = run_predict(&r, 1, q, 2);
    assert_true(out[0] == 20);
    free(out);
    run_release(&r);

    /* Many neighbours (sorted by heapsort): the one at distance 0 is found
     * first, so it alone decides. */
    double T[100], v[50];
    for (size_t i = 0; i < 50; i++) {
        T[2 * i] = (double)((i * 7) % 50);
        T[2 * i + 1] = (double)(i % 3);
        v[i] = (double)i;
    }
    struct data dk = {.n = 50, .p = 2, .X = T, .ldx = 2, .y = v, .task = AIWB_TASK_REGRESSION};
    const char *k45[] = {"k=45", "weights=distance", NULL};
    assert_int_equal(run_fit(&r, "knn", &dk, k45), AIWB_OK);
    out = run_predict(&r, 1, T + 2 * 37, 2);
    assert_true(out[0] == 37);
    free(out);
    run_release(&r);
}

/*
 * Values whose squares overflow: the search falls back to exact distances
 * and still finds the right rows. A query row with a value that is not a
 * finite number has no nearest rows: NaN, not a crash.
 */
static void
test_knn_extreme_values(void **unused)
{
    double X[] = {1e200, 0, -1e200, 1, 2e200, 2, 0, 3, 3e-200, 4}, y[] = {0, 1, 2, 0, 1};
    struct data d = {.n = 5, .p = 2, .K = 3, .X = X, .ldx = 2, .y = y};
    const char *metrics[] = {"metric=euclidean", "metric=manhattan"};
    struct run r;

    (void)unused;
    for (size_t mi = 0; mi < 2; mi++) {
        const char *words[] = {"k=2", "weights=distance", metrics[mi], NULL};
        double q[] = {1e200, 0.5, 1.9e200, 2, 1, 3.5, INFINITY, 0, NAN, 1, -1e308, 0};

        assert_int_equal(run_fit(&r, "knn", &d, words), AIWB_OK);
        double *out = run_predict(&r, 6, q, 2);
        /* Training row 1 (alpha) at 0.5, then row 3 (gamma) at 1e200, as
         * far as row 4 but earlier. */
        assert_close(out[0], 1, 1e-15, 1);
        assert_true(out[1] == 0 && out[2] > 0 && out[2] < 1e-150);
        /* Row 3 (gamma) at 1e199, row 1 (alpha) at 9e199: whose squares
         * overflow. */
        assert_close(out[5], 0.9, 1e-13, 1);
        assert_close(out[3], 0.1, 1e-13, 1);
        /* Rows 4 (alpha) and 5 (beta) at the same distance, 5e-200 apart. */
        assert_close(out[6], 0.5, 1e-15, 1);
        assert_close(out[7], 0.5, 1e-15, 1);
        /* Infinite, then missing. */
        for (size_t c = 9; c < 15; c++)
            assert_true(isnan(out[c]));
        /* Far out, but finite: every row at 1e308 (to rounding), so the
         * first two, alpha and beta. */
        assert_close(out[15], 0.5, 1e-15, 1);
        assert_close(out[16], 0.5, 1e-15, 1);
        free(out);
        run_release(&r);
    }
}

/*
 * The plain search the blocks, tiles, heaps and threads must agree with:
 * every distance, a stable sort, the k first, votes. OUT: K shares a row.
 */
static void
knn_plain(const double *T, const double *y, size_t n, size_t p, size_t K, const double *Q,
          size_t nq, size_t k, int manhattan, double *out)
{
    double *d = xcalloc(n, sizeof(double));
    size_t *ord = xcalloc(n, sizeof(size_t));

    for (size_t i = 0; i < nq; i++) {
        for (size_t r = 0; r < n; r++) {
            double s = 0;
            for (size_t j = 0; j < p; j++) {
                double v = Q[i * p + j] - T[r * p + j];
                s += manhattan ? fabs(v) : v * v;
            }
            d[r] = s;
            ord[r] = r;
        }
        for (size_t a = 1; a < n; a++) { /* insertion sort: stable */
            size_t v = ord[a], b = a;
            while (b > 0 && d[ord[b - 1]] > d[v]) {
                ord[b] = ord[b - 1];
                b--;
            }
            ord[b] = v;
        }
        for (size_t c = 0; c < K; c++)
            out[i * K + c] = 0;
        for (size_t a = 0; a < k; a++)
            out[i * K + (size_t)y[ord[a]]] += 1.0 / (double)k;
    }
    free(d);
    free(ord);
}

/* Several blocks and tiles (with partial ones), one thread or several, few
 * or many features: the same neighbours as the plain search. Coarse
 * coordinates make ties common. */
static void
test_knn_blocks_threads(void **unused)
{
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    static const size_t shapes[][3] = {{1500, 3, 130}, {700, 40, 70}, {300, 600, 9}};

    (void)unused;
    gsl_rng_set(rng, 20240614);
    for (size_t s = 0; s < sizeof(shapes) / sizeof(*shapes); s++) {
        const size_t n = shapes[s][0], p = shapes[s][1], nq = shapes[s][2], K = 4;
        double *T = xcalloc(n * p, sizeof(double)), *y = xcalloc(n, sizeof(double));
        double *Q = xcalloc(nq * p, sizeof(double)), *want = xcalloc(nq * K, sizeof(double));

        for (size_t i = 0; i < n * p; i++)
            T[i] = (double)gsl_rng_uniform_int(rng, 5) - 2;
        for (size_t i = 0; i < n; i++)
            y[i] = (double)gsl_rng_uniform_int(rng, K);
        for (size_t i = 0; i < nq * p; i++)
            Q[i] = (double)gsl_rng_uniform_int(rng, 5) - 2 + (i % 7 == 0 ? 0.25 : 0);
        struct data d = {.n = n, .p = p, .K = K, .X = T, .ldx = p, .y = y};
        for (int manhattan = 0; manhattan <= 1; manhattan++) {
            /* k=40 sorts by heapsort, k=9 by insertion. */
            const size_t k = manhattan ? 40 : 9;
            knn_plain(T, y, n, p, K, Q, nq, k, manhattan, want);
            for (int threads = 1; threads <= 3; threads += 2) {
                char tw[16], kw[16];
                const char *words[] = {kw, tw, manhattan ? "metric=manhattan" : NULL, NULL};
                struct run r;

                snprintf(kw, sizeof(kw), "k=%zu", k);
                snprintf(tw, sizeof(tw), "threads=%d", threads);
                assert_int_equal(run_fit(&r, "knn", &d, words), AIWB_OK);
                double *out = run_predict(&r, nq, Q, p);
                for (size_t i = 0; i < nq * K; i++)
                    assert_close(out[i], want[i], 1e-15, 1);
                free(out);
                run_release(&r);
            }
        }
        free(T);
        free(y);
        free(Q);
        free(want);
    }
    gsl_rng_free(rng);
}

/* k = n: every row votes, the shares are the class frequencies; the report. */
static void
test_knn_all_rows_and_report(void **unused)
{
    struct knndata kd;
    struct run r;
    char kw[16];
    const char *words[] = {kw, NULL};

    (void)unused;
    knn_read(&kd, "knn-train.csv", "knn-query.csv", 4);
    snprintf(kw, sizeof(kw), "k=%zu", kd.train.n);
    struct data d = {.n = kd.train.n, .p = 4, .K = 3, .X = kd.train.v, .ldx = kd.train.cols,
                     .y = kd.y};
    assert_int_equal(run_fit(&r, "knn", &d, words), AIWB_OK);
    assert_true(step_get(&r.step, "rows") == (double)kd.train.n);
    double *out = run_predict(&r, 3, kd.query.v, kd.query.cols), f[3] = {0};
    for (size_t i = 0; i < d.n; i++)
        f[(size_t)kd.y[i]] += 1.0 / (double)d.n;
    for (size_t i = 0; i < 9; i++)
        assert_close(out[i], f[i % 3], 1e-14, 1);
    free(out);
    struct aiwb_table *t = run_report(&r);
    assert_contains(t->title, "knn");
    assert_string_equal(cell_text(t, 0, 1), "classification");
    assert_string_equal(cell_text(t, 1, 1), "300");
    assert_string_equal(cell_text(t, 2, 1), "4");
    assert_string_equal(cell_text(t, 3, 1), "300");
    assert_string_equal(cell_text(t, 4, 1), "uniform");
    assert_string_equal(cell_text(t, 5, 1), "euclidean");
    table_free(t);
    run_release(&r);
    knn_free(&kd);
}

static void
test_knn_save_load(void **unused)
{
    struct knndata kd;
    struct run r;
    const char *words[] = {"k=4", "weights=distance", "metric=manhattan", NULL};

    (void)unused;
    knn_read(&kd, "knn-train.csv", "knn-query.csv", 4);
    struct data d = {.n = kd.train.n, .p = 4, .K = 3, .X = kd.train.v, .ldx = kd.train.cols,
                     .y = kd.y};
    assert_int_equal(run_fit(&r, "knn", &d, words), AIWB_OK);
    check_round_trip(&r, kd.query.n, kd.query.v, kd.query.cols);
    check_load_refusals(&r, "knn");
    run_release(&r);
    d.y = kd.t;
    d.K = 0;
    d.task = AIWB_TASK_REGRESSION;
    assert_int_equal(run_fit(&r, "knn", &d, NULL), AIWB_OK);
    check_round_trip(&r, kd.query.n, kd.query.v, kd.query.cols);
    run_release(&r);
    knn_free(&kd);
}

static void
test_knn_refusals(void **unused)
{
    double X[] = {0, 1, 2, 3, 4, 5}, y[] = {0, 1, 0};
    struct data d = {.n = 3, .p = 2, .K = 2, .X = X, .ldx = 2, .y = y};
    const char *k4[] = {"k=4", NULL}, *k1[] = {"k=1", NULL};
    struct run r;

    (void)unused;
    assert_int_equal(run_init(&r, "knn", &d, k4), AIWB_EDATA);
    assert_string_equal(r.cause, "knn: k=4 neighbours, but the training data have 3 rows");
    run_release(&r);
    d.n = 0;
    assert_int_equal(run_init(&r, "knn", &d, k1), AIWB_EDATA);
    assert_string_equal(r.cause, "knn: k=1 neighbours, but the training data have 0 rows");
    run_release(&r);
    d.n = 3;
    X[3] = NAN;
    assert_int_equal(run_fit(&r, "knn", &d, k1), AIWB_EDATA);
    assert_string_equal(r.cause, "knn: row 2 column 'f2': nan is not a finite number");
    run_release(&r);
    X[3] = 3;
    y[2] = 2;
    assert_int_equal(run_fit(&r, "knn", &d, k1), AIWB_EDATA);
    assert_string_equal(r.cause, "knn: row 3: the target 'label' is 2, not a class code 0..1");
    run_release(&r);
    d.task = AIWB_TASK_REGRESSION;
    d.K = 0;
    y[2] = INFINITY;
    assert_int_equal(run_fit(&r, "knn", &d, k1), AIWB_EDATA);
    assert_string_equal(r.cause, "knn: row 3: the target 'label' is inf, not a finite number");
    run_release(&r);
    d.task = AIWB_TASK_CLUSTERING;
    assert_int_equal(run_init(&r, "knn", &d, k1), AIWB_EINVAL);
    assert_string_equal(r.cause, "knn: does classification and regression only");
    run_release(&r);
    /* Predicting before fitting. */
    d.task = AIWB_TASK_REGRESSION;
    assert_int_equal(run_init(&r, "knn", &d, k1), AIWB_OK);
    double out[2];
    assert_int_equal(r.type->predict(r.state, 1, X, 2, out), AIWB_EINVAL);
    assert_int_equal(r.type->finish(r.state, &r.prob, &r.cause), AIWB_EINVAL);
    assert_string_equal(r.cause, "knn: the model was stopped before it kept its training rows");
    run_release(&r);
}

static void
test_knn_options_and_registration(void **unused)
{
    const struct component *c;
    static const struct {
        const char *word, *message;
    } cases[] = {
        {"k=0", "knn: k must be an integer >= 1, not '0'"},
        {"weights=inverse", "knn: weights must be one of uniform|distance, not 'inverse'"},
        {"metric=cosine", "knn: metric must be one of euclidean|manhattan, not 'cosine'"},
        {"threads=-1", "knn: threads must be an integer from 0 to 64, not '-1'"},
    };

    (void)unused;
    tu_load_plugins();
    c = registry_find(COMPONENT_ALGORITHM, "knn");
    assert_non_null(c);
    assert_true(c->flags & AIWB_TASK_CLASSIFICATION);
    assert_true(c->flags & AIWB_TASK_REGRESSION);
    assert_false(c->flags & (AIWB_CAP_MISSING | AIWB_CAP_CATEGORICAL | AIWB_CAP_WEIGHTS));
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        char *cause = NULL, *word = (char *)cases[i].word;
        assert_null(options_parse("knn", c->options, 1, &word, &cause));
        assert_string_equal(cause, cases[i].message);
        free(cause);
    }
    char *cause = NULL;
    struct aiwb_options *o = options_parse("knn", c->options, 0, NULL, &cause);
    char *all = options_format(o, 1);
    assert_string_equal(all, "k=5 weights=uniform metric=euclidean threads=0");
    free(all);
    options_free(o);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nbayes_gaussian_like_sklearn),
        cmocka_unit_test(test_nbayes_categorical_like_sklearn),
        cmocka_unit_test(test_nbayes_mixed_like_sklearn),
        cmocka_unit_test(test_nbayes_missing_values),
        cmocka_unit_test(test_nbayes_report),
        cmocka_unit_test(test_nbayes_empty_class),
        cmocka_unit_test(test_nbayes_refusals),
        cmocka_unit_test(test_nbayes_options_and_registration),
        cmocka_unit_test(test_knn_like_sklearn),
        cmocka_unit_test(test_knn_ties),
        cmocka_unit_test(test_knn_zero_distance),
        cmocka_unit_test(test_knn_extreme_values),
        cmocka_unit_test(test_knn_blocks_threads),
        cmocka_unit_test(test_knn_all_rows_and_report),
        cmocka_unit_test(test_knn_save_load),
        cmocka_unit_test(test_knn_refusals),
        cmocka_unit_test(test_knn_options_and_registration),
    };

    gsl_set_error_handler_off();
    log_set_sink(NULL, NULL, AIWB_LOG_WARN);
    return cmocka_run_group_tests_name("classifiers", tests, NULL, NULL);
}
