/*
 * test-ols.c - the ols algorithm plugin: coefficients against an independent
 * QR solution, R's lm() statistics on the diabetes data, which of its two
 * ways (normal equations, QR and SVD) it takes and that both are exact,
 * report, save/load, and every refusal.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Reference numbers: tests/data/algo/diabetes-lm.txt, made by diabetes-lm.R
 * (see there to regenerate) on the bundled datasets/diabetes.csv.
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
#include <gsl/gsl_linalg.h>
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
 * Helpers: data, reference numbers, running the plugin.
 */

/* A numeric table: n rows of p features, the target in y. */
struct data {
    size_t n, p;
    double *X; /* row-major, stride p */
    double *y;
    char **names;
};

static void
data_free(struct data *d)
{
    for (size_t j = 0; j < d->p; j++)
        free(d->names[j]);
    free(d->names);
    free(d->X);
    free(d->y);
    memset(d, 0, sizeof(*d));
}

/* Read a CSV of numbers (REL to the source tree) with the target in the last column. */
static void
data_read(struct data *d, const char *rel)
{
    char *path = tu_srcpath(rel);
    FILE *f = fopen(path, "r");
    char line[4096];
    size_t cols = 1, alloc = 0;

    assert_non_null(f);
    memset(d, 0, sizeof(*d));
    assert_non_null(fgets(line, sizeof(line), f));
    line[strcspn(line, "\r\n")] = '\0';
    for (char *c = line; *c; c++)
        cols += *c == ',';
    d->p = cols - 1;
    d->names = xcalloc(cols, sizeof(char *));
    char *tok = strtok(line, ",");
    for (size_t j = 0; j < d->p; j++, tok = strtok(NULL, ","))
        d->names[j] = xstrdup(tok);
    while (fgets(line, sizeof(line), f) != NULL) {
        char *p = line, *end;
        if (d->n == alloc) {
            alloc = alloc ? 2 * alloc : 256;
            d->X = xreallocarray(d->X, alloc * d->p, sizeof(double));
            d->y = xreallocarray(d->y, alloc, sizeof(double));
        }
        for (size_t j = 0; j < cols; j++) {
            double v = strtod(p, &end);
            assert_true(end != p);
            if (j < d->p)
                d->X[d->n * d->p + j] = v;
            else
                d->y[d->n] = v;
            p = end + 1;
        }
        d->n++;
    }
    fclose(f);
    free(path);
}

/* The numbers on the line "KEY [TERM] v1 v2 ..." of a reference file. */
static size_t
ref_get(const char *file, const char *key, const char *term, double *v, size_t max)
{
    char *rel = xasprintf("tests/data/algo/%s", file), *path = tu_srcpath(rel);
    FILE *f = fopen(path, "r");
    char line[4096];
    size_t n = 0;

    assert_non_null(f);
    while (fgets(line, sizeof(line), f) != NULL) {
        char *save = NULL, *tok = strtok_r(line, " \n", &save);
        if (tok == NULL || strcmp(tok, key) != 0)
            continue;
        if (term != NULL && strcmp(strtok_r(NULL, " \n", &save), term) != 0)
            continue;
        while ((tok = strtok_r(NULL, " \n", &save)) != NULL && n < max)
            v[n++] = strtod(tok, NULL);
        break;
    }
    fclose(f);
    free(path);
    free(rel);
    if (n == 0)
        fail_msg("no '%s %s' in %s", key, term ? term : "", file);
    return n;
}

/* |got - want| <= tol * |want| (a relative test, also for tiny p-values). */
#define assert_rel(got, want, tol) assert_rel_((got), (want), (tol), #got, __FILE__, __LINE__)
static void
assert_rel_(double got, double want, double tol, const char *expr, const char *file, int line)
{
    if (fabs(got - want) <= tol * fabs(want) || got == want)
        return;
    print_error("%s = %.17g, want %.17g (relative error %.3g > %g)\n", expr, got, want,
                fabs(got - want) / fabs(want), tol);
    _fail(file, line);
}

/* Whether the string HAY contains NEEDLE; prints both when not. */
#define assert_contains(hay, needle) assert_contains_((hay), (needle), __FILE__, __LINE__)
static void
assert_contains_(const char *hay, const char *needle, const char *file, int line)
{
    if (hay != NULL && strstr(hay, needle) != NULL)
        return;
    print_error("'%s' does not contain '%s'\n", hay ? hay : "(null)", needle);
    _fail(file, line);
}

/* One instance of the plugin and the problem it is trained on. */
struct run {
    const struct aiwb_algorithm_type *type;
    struct aiwb_options *opts;
    void *state;
    struct aiwb_problem prob;
    struct aiwb_step step;
    const char **names;
    char *cause;
};

static const struct aiwb_algorithm_type *
ols_type(void)
{
    const struct component *c;

    tu_load_plugins();
    c = registry_find(COMPONENT_ALGORITHM, "ols");
    assert_non_null(c);
    return c->type.algorithm;
}

/* Set up (options and init) for D with option words WORDS (NULL-terminated)
 * and weights W; returns init's status, with run->cause on failure. */
static int
run_init(struct run *r, const struct data *d, const double *w, const char *const *words)
{
    size_t nw = 0;

    memset(r, 0, sizeof(*r));
    r->type = ols_type();
    while (words != NULL && words[nw] != NULL)
        nw++;
    r->opts = options_parse("ols", r->type->options, nw, (char *const *)words, &r->cause);
    assert_non_null(r->opts);
    r->state = xcalloc(1, r->type->state_size);
    r->names = xcalloc(d->p + 1, sizeof(char *));
    for (size_t j = 0; j < d->p; j++)
        r->names[j] = d->names[j];
    r->prob = (struct aiwb_problem){
        .n = d->n,
        .p = d->p,
        .X = d->X,
        .ldx = d->p,
        .y = d->y,
        .w = w,
        .task = AIWB_TASK_REGRESSION,
        .feature_names = r->names,
        .target_name = "y",
    };
    return r->type->init(r->state, r->opts, &r->prob, &r->cause);
}

/* init, iterate, finish; returns the first failing status. */
static int
run_fit(struct run *r, const struct data *d, const double *w, const char *const *words)
{
    int rc = run_init(r, d, w, words);

    if (rc != AIWB_OK)
        return rc;
    rc = r->type->iterate(r->state, &r->prob, &r->step, &r->cause);
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
    free(r->names);
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

/* The report of a fitted run; the caller frees it. */
static struct aiwb_table *
run_report(const struct run *r)
{
    struct aiwb_table *t = table_new(NULL);

    assert_int_equal(r->type->report(r->state, t), AIWB_OK);
    return t;
}

/* Column COL of row ROW of table T as a real. */
static double
cell_real(const struct aiwb_table *t, size_t row, size_t col)
{
    const struct table_cell *c = table_cell(t, row, col);

    assert_non_null(c);
    assert_false(c->null);
    return c->v.r;
}

/* Weights of the weighted diabetes fit, as diabetes-lm.R: row number mod 5. */
static double *
diabetes_weights(size_t n)
{
    double *w = xcalloc(n, sizeof(double));

    for (size_t i = 0; i < n; i++)
        w[i] = (double)((i + 1) % 5);
    return w;
}

/* ---------------------------------------------------------------------------
 * Numbers.
 */

/* A well-conditioned random problem with a fixed seed. */
static void
random_problem(struct data *d, size_t n, size_t p, unsigned long seed)
{
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);

    gsl_rng_set(rng, seed);
    memset(d, 0, sizeof(*d));
    d->n = n;
    d->p = p;
    d->X = xcalloc(n * p, sizeof(double));
    d->y = xcalloc(n, sizeof(double));
    d->names = xcalloc(p, sizeof(char *));
    for (size_t j = 0; j < p; j++)
        d->names[j] = xasprintf("x%zu", j + 1);
    for (size_t i = 0; i < n; i++) {
        double y = 3.25;
        for (size_t j = 0; j < p; j++) {
            double x = (gsl_rng_uniform(rng) - 0.3) * (1.0 + (double)j) + 0.1 * (double)j;
            d->X[i * p + j] = x;
            y += x * (0.5 - 0.37 * (double)j);
        }
        d->y[i] = y + gsl_ran_gaussian(rng, 0.8);
    }
    gsl_rng_free(rng);
}

/* Least squares by Householder QR (a method independent of the plugin's SVD). */
static void
qr_reference(const struct data *d, int intercept, double *beta)
{
    const size_t k = d->p + (size_t)intercept;
    gsl_matrix *A = gsl_matrix_alloc(d->n, k);
    gsl_vector *tau = gsl_vector_alloc(k), *b = gsl_vector_alloc(d->n);
    gsl_vector *x = gsl_vector_alloc(k), *res = gsl_vector_alloc(d->n);

    for (size_t i = 0; i < d->n; i++) {
        if (intercept)
            gsl_matrix_set(A, i, 0, 1.0);
        for (size_t j = 0; j < d->p; j++)
            gsl_matrix_set(A, i, j + (size_t)intercept, d->X[i * d->p + j]);
        gsl_vector_set(b, i, d->y[i]);
    }
    assert_int_equal(gsl_linalg_QR_decomp(A, tau), GSL_SUCCESS);
    assert_int_equal(gsl_linalg_QR_lssolve(A, tau, b, x, res), GSL_SUCCESS);
    for (size_t j = 0; j < k; j++)
        beta[j] = gsl_vector_get(x, j);
    gsl_vector_free(res);
    gsl_vector_free(x);
    gsl_vector_free(b);
    gsl_vector_free(tau);
    gsl_matrix_free(A);
}

static void
check_against_qr(int intercept, size_t n)
{
    const char *words[] = {intercept ? "intercept=true" : "intercept=false", NULL};
    struct data d;
    struct run r;
    double beta[8], *pred;
    const size_t k = 6 + (size_t)intercept;

    random_problem(&d, n, 6, 20240611 + n);
    qr_reference(&d, intercept, beta);
    assert_int_equal(run_fit(&r, &d, NULL, words), AIWB_OK);

    struct aiwb_table *t = run_report(&r);
    assert_int_equal(table_rows(t), k);
    for (size_t j = 0; j < k; j++)
        assert_rel(cell_real(t, j, 1), beta[j], 1e-10);

    /* predict is X beta (+ intercept), and "loss" is the training MSE. */
    pred = xcalloc(d.n, sizeof(double));
    assert_int_equal(r.type->predict(r.state, d.n, d.X, d.p, pred), AIWB_OK);
    double mse = 0;
    for (size_t i = 0; i < d.n; i++) {
        double want = intercept ? beta[0] : 0;
        for (size_t j = 0; j < d.p; j++)
            want += d.X[i * d.p + j] * beta[j + (size_t)intercept];
        assert_rel(pred[i], want, 1e-8);
        mse += (d.y[i] - want) * (d.y[i] - want);
    }
    assert_rel(step_get(&r.step, "loss"), mse / (double)d.n, 1e-9);
    assert_int_equal(r.type->n_outputs(r.state), 1);
    free(pred);
    table_free(t);
    run_release(&r);
    data_free(&d);
}

static void
test_random_against_qr(void **unused)
{
    (void)unused;
    check_against_qr(1, 250);
    check_against_qr(0, 250);
    /* Several blocks of the plugin's blockwise QR, the last one short. */
    check_against_qr(1, 5000 + 17);
}

/* A fit of datasets/diabetes.csv against the numbers R's lm() gave for FIT. */
static void
check_diabetes(const char *fit, int intercept, int weighted)
{
    const char *words[] = {intercept ? "intercept=true" : "intercept=false", NULL};
    const char *ref = "diabetes-lm.txt";
    struct data d;
    struct run r;
    double v[4], *w;
    char key[64];

    data_read(&d, "datasets/diabetes.csv");
    assert_int_equal(d.n, 442);
    assert_int_equal(d.p, 10);
    w = weighted ? diabetes_weights(d.n) : NULL;
    assert_int_equal(run_fit(&r, &d, w, words), AIWB_OK);

    struct aiwb_table *t = run_report(&r);
    assert_int_equal(t->ncols, 5);
    assert_string_equal(t->cols[0].name, "term");
    assert_string_equal(t->cols[1].name, "estimate");
    assert_string_equal(t->cols[2].name, "std_error");
    assert_string_equal(t->cols[3].name, "t_value");
    assert_string_equal(t->cols[4].name, "p_value");
    assert_int_equal(table_rows(t), d.p + (size_t)intercept);
    snprintf(key, sizeof(key), "%s.coef", fit);
    for (size_t row = 0; row < table_rows(t); row++) {
        const char *term = table_cell(t, row, 0)->v.s;
        assert_int_equal(ref_get(ref, key, term, v, 4), 4);
        assert_rel(cell_real(t, row, 1), v[0], 1e-9); /* estimate */
        assert_rel(cell_real(t, row, 2), v[1], 1e-9); /* std_error */
        assert_rel(cell_real(t, row, 3), v[2], 1e-9); /* t value */
        assert_rel(cell_real(t, row, 4), v[3], 1e-7); /* p value */
    }
    if (intercept)
        assert_string_equal(table_cell(t, 0, 0)->v.s, "(Intercept)");

    /* The other numbers are in the step (r2, sigma) and in the notes. */
    snprintf(key, sizeof(key), "%s.sigma", fit);
    ref_get(ref, key, NULL, v, 1);
    assert_rel(step_get(&r.step, "sigma"), v[0], 1e-9);
    snprintf(key, sizeof(key), "%s.r2", fit);
    ref_get(ref, key, NULL, v, 1);
    assert_rel(step_get(&r.step, "r2"), v[0], 1e-9);
    snprintf(key, sizeof(key), "%s.adj_r2", fit);
    ref_get(ref, key, NULL, v, 1);
    assert_rel(step_get(&r.step, "adj_r2"), v[0], 1e-9);

    /* The saved state holds the F test exactly as computed. */
    struct aiwb_writer *wr = writer_new();
    size_t len;
    assert_int_equal(r.type->save(r.state, wr), AIWB_OK);
    unsigned char *blob = codec_seal(wr, &len);
    char *cause = NULL;
    struct aiwb_reader *rd = reader_open(blob, len, &cause);
    assert_non_null(rd);
    int64_t iv;
    size_t nv;
    double *arr, fstat[4], df;
    char **terms;
    assert_int_equal(codec_get_int(rd, "intercept", &iv), AIWB_OK);
    assert_int_equal(iv, intercept);
    assert_int_equal(codec_get_int(rd, "weighted", &iv), AIWB_OK);
    assert_int_equal(iv, weighted);
    assert_int_equal(codec_get_int(rd, "p", &iv), AIWB_OK);
    assert_int_equal(codec_get_strs(rd, "terms", &nv, &terms), AIWB_OK);
    for (size_t i = 0; i < nv; i++)
        free(terms[i]);
    free(terms);
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(codec_get_reals(rd,
                                         i == 0   ? "estimate"
                                         : i == 1 ? "std_error"
                                         : i == 2 ? "t_value"
                                                  : "p_value",
                                         &nv, &arr),
                         AIWB_OK);
        free(arr);
    }
    double n_obs, rss, sigma;
    assert_int_equal(codec_get_real(rd, "n_obs", &n_obs), AIWB_OK);
    assert_true(n_obs == (weighted ? 442.0 - 88 : 442.0));
    assert_int_equal(codec_get_real(rd, "rss", &rss), AIWB_OK);
    assert_int_equal(codec_get_real(rd, "sigma", &sigma), AIWB_OK);
    assert_int_equal(codec_get_real(rd, "df_resid", &df), AIWB_OK);
    snprintf(key, sizeof(key), "%s.df", fit);
    ref_get(ref, key, NULL, v, 1);
    assert_true(df == v[0]);
    assert_int_equal(codec_get_real(rd, "r2", &v[0]), AIWB_OK);
    assert_int_equal(codec_get_real(rd, "adj_r2", &v[0]), AIWB_OK);
    assert_int_equal(codec_get_real(rd, "fstat", &fstat[0]), AIWB_OK);
    assert_int_equal(codec_get_real(rd, "f_df1", &fstat[1]), AIWB_OK);
    assert_int_equal(codec_get_real(rd, "f_p", &fstat[3]), AIWB_OK);
    snprintf(key, sizeof(key), "%s.fstat", fit);
    ref_get(ref, key, NULL, v, 4);
    assert_rel(fstat[0], v[0], 1e-9);
    assert_true(fstat[1] == v[1]);
    assert_rel(fstat[3], v[3], 1e-6);
    reader_free(rd);
    free(blob);
    writer_free(wr);

    table_free(t);
    run_release(&r);
    free(w);
    data_free(&d);
}

static void
test_diabetes_like_r(void **unused)
{
    (void)unused;
    check_diabetes("full", 1, 0);
}

static void
test_diabetes_no_intercept_like_r(void **unused)
{
    (void)unused;
    check_diabetes("noint", 0, 0);
}

static void
test_diabetes_weighted_like_r(void **unused)
{
    (void)unused;
    check_diabetes("weighted", 1, 1);
}

/* Integer weights give the fit of the data with rows repeated. */
static void
test_weights_repeat_rows(void **unused)
{
    struct data d, rep;
    struct run a, b;
    double *w;

    (void)unused;
    random_problem(&d, 60, 3, 7);
    w = xcalloc(d.n, sizeof(double));
    memset(&rep, 0, sizeof(rep));
    rep.p = d.p;
    rep.names = xcalloc(d.p, sizeof(char *));
    for (size_t j = 0; j < d.p; j++)
        rep.names[j] = xstrdup(d.names[j]);
    rep.X = xcalloc(3 * d.n * d.p, sizeof(double));
    rep.y = xcalloc(3 * d.n, sizeof(double));
    for (size_t i = 0; i < d.n; i++) {
        w[i] = (double)(1 + i % 3);
        for (size_t c = 0; c < w[i]; c++, rep.n++) {
            memcpy(rep.X + rep.n * d.p, d.X + i * d.p, d.p * sizeof(double));
            rep.y[rep.n] = d.y[i];
        }
    }
    assert_int_equal(run_fit(&a, &d, w, NULL), AIWB_OK);
    assert_int_equal(run_fit(&b, &rep, NULL, NULL), AIWB_OK);
    struct aiwb_table *ta = run_report(&a), *tb = run_report(&b);
    for (size_t row = 0; row < 4; row++)
        assert_rel(cell_real(ta, row, 1), cell_real(tb, row, 1), 1e-10);
    assert_rel(step_get(&a.step, "loss"), step_get(&b.step, "loss"), 1e-10);
    assert_rel(step_get(&a.step, "r2"), step_get(&b.step, "r2"), 1e-10);
    /* The notes say the fit was weighted. */
    assert_int_equal(ta->nnotes, 4);
    assert_contains(ta->notes[3], "Weighted least squares on 60 rows");
    table_free(ta);
    table_free(tb);
    run_release(&a);
    run_release(&b);
    free(w);
    data_free(&rep);
    data_free(&d);
}

/* The report reads as R's summary(lm). */
static void
test_report_like_r(void **unused)
{
    struct data d;
    struct run r;

    (void)unused;
    data_read(&d, "datasets/diabetes.csv");
    assert_int_equal(run_fit(&r, &d, NULL, NULL), AIWB_OK);
    struct aiwb_table *t = run_report(&r);
    assert_non_null(t->title);
    assert_contains(t->title, "coefficients");
    assert_int_equal(t->nnotes, 3);
    assert_string_equal(t->notes[0], "Residual standard error: 54.15 on 431 degrees of freedom");
    assert_string_equal(t->notes[1], "Multiple R-squared: 0.5177, Adjusted R-squared: 0.5066");
    assert_string_equal(t->notes[2], "F-statistic: 46.27 on 10 and 431 DF, p-value: < 2.2e-16");
    table_free(t);
    run_release(&r);
    data_free(&d);
}

/* A model of the intercept alone has no F test. */
static void
test_intercept_only(void **unused)
{
    struct data d;
    struct run r;
    double mean = 0, out[2];

    (void)unused;
    random_problem(&d, 30, 1, 3);
    d.p = 0; /* X is ignored */
    free(d.names[0]);
    d.names[0] = NULL;
    assert_int_equal(run_fit(&r, &d, NULL, NULL), AIWB_OK);
    for (size_t i = 0; i < d.n; i++)
        mean += d.y[i];
    mean /= (double)d.n;
    assert_int_equal(r.type->predict(r.state, 2, d.X, 0, out), AIWB_OK);
    assert_rel(out[0], mean, 1e-12);
    assert_rel(out[1], mean, 1e-12);
    struct aiwb_table *t = run_report(&r);
    assert_int_equal(t->nnotes, 2);
    for (size_t i = 0; i < t->nnotes; i++)
        assert_null(strstr(t->notes[i], "F-statistic"));
    table_free(t);
    run_release(&r);
    d.p = 1;
    data_free(&d);
}

/* Messages the plugin logs, for the tests that expect a warning. */
static char logged[4096];

static void
log_capture(void *arg, enum aiwb_log_level level, const char *msg)
{
    (void)arg;
    (void)level;
    snprintf(logged + strlen(logged), sizeof(logged) - strlen(logged), "%s\n", msg);
}

/* An exact linear target fits perfectly, with a warning as R gives one. */
static void
test_perfect_fit_warns(void **unused)
{
    struct data d;
    struct run r;

    (void)unused;
    random_problem(&d, 40, 2, 11);
    for (size_t i = 0; i < d.n; i++)
        d.y[i] = 1 + 2 * d.X[i * 2] - 3 * d.X[i * 2 + 1];
    logged[0] = '\0';
    log_set_sink(log_capture, NULL, AIWB_LOG_WARN);
    assert_int_equal(run_fit(&r, &d, NULL, NULL), AIWB_OK);
    log_set_sink(NULL, NULL, AIWB_LOG_WARN);
    assert_contains(logged, "ols: essentially perfect fit");
    struct aiwb_table *t = run_report(&r);
    assert_rel(cell_real(t, 0, 1), 1.0, 1e-12);
    assert_rel(cell_real(t, 1, 1), 2.0, 1e-12);
    assert_rel(cell_real(t, 2, 1), -3.0, 1e-12);
    table_free(t);
    run_release(&r);
    data_free(&d);
}

/* ---------------------------------------------------------------------------
 * The two ways: normal equations when they are safe, QR and SVD otherwise.
 */

/* Messages the plugin logs at every level, for the tests of the way taken. */
static char trace[4096];

static void
trace_capture(void *arg, enum aiwb_log_level level, const char *msg)
{
    (void)arg;
    (void)level;
    snprintf(trace + strlen(trace), sizeof(trace) - strlen(trace), "%s\n", msg);
}

/* Fit D with WORDS, check the way (a word of the debug log) and the
 * coefficients against the independent QR to TOL. */
static void
check_way(const struct data *d, const char *const *words, int intercept, const char *way,
          double tol)
{
    const size_t k = d->p + (size_t)intercept;
    struct run r;
    double *beta = xcalloc(k, sizeof(double));

    qr_reference(d, intercept, beta);
    trace[0] = '\0';
    log_set_sink(trace_capture, NULL, AIWB_LOG_DEBUG);
    assert_int_equal(run_fit(&r, d, NULL, words), AIWB_OK);
    log_set_sink(NULL, NULL, AIWB_LOG_WARN);
    assert_contains(trace, way);
    struct aiwb_table *t = run_report(&r);
    for (size_t j = 0; j < k; j++)
        assert_rel(cell_real(t, j, 1), beta[j], tol);
    table_free(t);
    run_release(&r);
    free(beta);
}

static void
test_normal_equations_or_qr(void **unused)
{
    const char *noint[] = {"intercept=false", NULL};
    struct data d;
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);

    (void)unused;
    /* well conditioned, with and without intercept: the normal equations */
    random_problem(&d, 2000, 5, 31);
    check_way(&d, NULL, 1, "ols: solved by the normal equations", 1e-11);
    check_way(&d, noint, 0, "ols: solved by the normal equations", 1e-11);
    /* a column that nearly repeats another: QR, still exact */
    gsl_rng_set(rng, 3);
    for (size_t i = 0; i < d.n; i++)
        d.X[i * 5 + 4] = d.X[i * 5 + 1] + 1e-5 * gsl_ran_gaussian(rng, 1.0);
    check_way(&d, NULL, 1, "ols: condition number about", 1e-7);
    data_free(&d);

    /* a feature far from zero next to its spread: centring the sums would
     * cancel, but they are taken about the mean of the first rows */
    random_problem(&d, 2000, 3, 37);
    for (size_t i = 0; i < d.n; i++)
        d.X[i * 3] += 1e4;
    check_way(&d, NULL, 1, "ols: solved by the normal equations", 1e-9);
    data_free(&d);

    /* a near-perfect fit: QR, for the residuals' sake */
    random_problem(&d, 500, 2, 11);
    for (size_t i = 0; i < d.n; i++)
        d.y[i] = 1 + 2 * d.X[i * 2] - 3 * d.X[i * 2 + 1] + 1e-6 * gsl_ran_gaussian(rng, 1.0);
    check_way(&d, NULL, 1, "ols: a near-perfect fit: solving by QR", 1e-10);
    data_free(&d);

    /* diabetes (condition number about 470) is solved by the normal equations,
     * its R numbers checked above at 1e-9 */
    data_read(&d, "datasets/diabetes.csv");
    check_way(&d, NULL, 1, "ols: solved by the normal equations", 1e-10);
    data_free(&d);
    gsl_rng_free(rng);
}

/* Many rows: the pass runs on threads, the same numbers for any count. */
static void
test_threads(void **unused)
{
    const char *one[] = {"threads=1", NULL}, *four[] = {"threads=4", NULL};
    struct data d;
    struct run a, b;

    (void)unused;
    random_problem(&d, 100003, 6, 43);
    assert_int_equal(run_fit(&a, &d, NULL, one), AIWB_OK);
    assert_int_equal(run_fit(&b, &d, NULL, four), AIWB_OK);
    struct aiwb_table *ta = run_report(&a), *tb = run_report(&b);
    for (size_t row = 0; row < 7; row++)
        for (size_t col = 1; col < 5; col++)
            assert_memory_equal(&table_cell(ta, row, col)->v.r, &table_cell(tb, row, col)->v.r,
                                sizeof(double));
    assert_true(step_get(&a.step, "loss") == step_get(&b.step, "loss"));
    table_free(ta);
    table_free(tb);
    run_release(&a);
    run_release(&b);
    check_way(&d, NULL, 1, "ols: solved by the normal equations", 1e-11);
    data_free(&d);
}

/* ---------------------------------------------------------------------------
 * Saving and loading.
 */

static unsigned char *
save_blob(const struct run *r, size_t *len)
{
    struct aiwb_writer *w = writer_new();
    unsigned char *blob;

    assert_int_equal(r->type->save(r->state, w), AIWB_OK);
    blob = codec_seal(w, len);
    writer_free(w);
    return blob;
}

/* Load BLOB into a fresh state; returns load's status (cause in *cause). */
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

static void
test_save_load_round_trip(void **unused)
{
    struct data d;
    struct run r;
    size_t len;

    (void)unused;
    data_read(&d, "datasets/diabetes.csv");
    double *w = diabetes_weights(d.n);
    assert_int_equal(run_fit(&r, &d, w, NULL), AIWB_OK);
    unsigned char *blob = save_blob(&r, &len);

    void *copy = xcalloc(1, r.type->state_size);
    char *cause = NULL;
    assert_int_equal(load_blob(r.type, copy, blob, len, r.type->state_version, &cause), AIWB_OK);
    assert_null(cause);

    /* Bit-identical predictions and report. */
    double *p1 = xcalloc(d.n, sizeof(double)), *p2 = xcalloc(d.n, sizeof(double));
    assert_int_equal(r.type->predict(r.state, d.n, d.X, d.p, p1), AIWB_OK);
    assert_int_equal(r.type->predict(copy, d.n, d.X, d.p, p2), AIWB_OK);
    assert_memory_equal(p1, p2, d.n * sizeof(double));
    struct aiwb_table *t1 = run_report(&r), *t2 = table_new(NULL);
    assert_int_equal(r.type->report(copy, t2), AIWB_OK);
    assert_int_equal(table_rows(t1), table_rows(t2));
    for (size_t row = 0; row < table_rows(t1); row++) {
        assert_string_equal(table_cell(t1, row, 0)->v.s, table_cell(t2, row, 0)->v.s);
        for (size_t col = 1; col < 5; col++)
            assert_memory_equal(&table_cell(t1, row, col)->v.r, &table_cell(t2, row, col)->v.r,
                                sizeof(double));
    }
    assert_int_equal(t1->nnotes, t2->nnotes);
    for (size_t i = 0; i < t1->nnotes; i++)
        assert_string_equal(t1->notes[i], t2->notes[i]);

    /* Saving the loaded model gives the same bytes. */
    struct run again = r;
    again.state = copy;
    size_t len2;
    unsigned char *blob2 = save_blob(&again, &len2);
    assert_int_equal(len, len2);
    assert_memory_equal(blob, blob2, len);

    free(blob2);
    table_free(t1);
    table_free(t2);
    free(p1);
    free(p2);
    r.type->fini(copy);
    free(copy);
    free(blob);
    free(w);
    run_release(&r);
    data_free(&d);
}

static void
test_load_refuses_damage(void **unused)
{
    struct data d;
    struct run r;
    size_t len;
    char *cause = NULL;

    (void)unused;
    random_problem(&d, 50, 2, 5);
    assert_int_equal(run_fit(&r, &d, NULL, NULL), AIWB_OK);
    unsigned char *blob = save_blob(&r, &len);
    void *copy = xcalloc(1, r.type->state_size);

    /* A truncated or flipped blob is refused before the plugin sees it. */
    assert_null(reader_open(blob, len - 9, &cause));
    assert_non_null(cause);
    free(cause);
    cause = NULL;
    blob[len - 5] ^= 0x40;
    assert_null(reader_open(blob, len, &cause));
    assert_non_null(cause);
    free(cause);
    cause = NULL;
    blob[len - 5] ^= 0x40;

    /* A newer state version is refused by the plugin. */
    assert_int_equal(load_blob(r.type, copy, blob, len, 2, &cause), AIWB_ENOTSUP);
    assert_contains(cause, "ols: cannot read a model saved with state version 2");
    free(cause);
    cause = NULL;

    /* A state that stops early (a sealed but incomplete blob). */
    struct aiwb_writer *w = writer_new();
    codec_put_int(w, "intercept", 1);
    codec_put_int(w, "weighted", 0);
    codec_put_int(w, "p", 2);
    const char *terms[] = {"(Intercept)", "x1", "x2"};
    codec_put_strs(w, "terms", 3, terms);
    double est[3] = {1, 2, 3};
    codec_put_reals(w, "estimate", 3, est);
    size_t plen;
    unsigned char *partial = codec_seal(w, &plen);
    writer_free(w);
    assert_int_equal(load_blob(r.type, copy, partial, plen, 1, &cause), AIWB_EDATA);
    assert_contains(cause, "ols: the saved model is corrupt or incomplete (reading 'std_error')");
    free(cause);
    cause = NULL;
    free(partial);

    /* A state whose arrays do not match its terms. */
    w = writer_new();
    codec_put_int(w, "intercept", 1);
    codec_put_int(w, "weighted", 0);
    codec_put_int(w, "p", 2);
    codec_put_strs(w, "terms", 3, terms);
    codec_put_reals(w, "estimate", 2, est);
    partial = codec_seal(w, &plen);
    writer_free(w);
    assert_int_equal(load_blob(r.type, copy, partial, plen, 1, &cause), AIWB_EDATA);
    assert_contains(cause, "'estimate' has 2 values for 3 terms");
    free(cause);
    cause = NULL;
    free(partial);

    /* Terms that do not match the number of features. */
    w = writer_new();
    codec_put_int(w, "intercept", 1);
    codec_put_int(w, "weighted", 0);
    codec_put_int(w, "p", 5);
    codec_put_strs(w, "terms", 3, terms);
    partial = codec_seal(w, &plen);
    writer_free(w);
    assert_int_equal(load_blob(r.type, copy, partial, plen, 1, &cause), AIWB_EDATA);
    assert_contains(cause, "ols: the saved model is corrupt: 3 terms for 5 features");
    free(cause);
    cause = NULL;
    free(partial);

    /* After a failed load the state is empty: no predictions, no report. */
    double out;
    assert_int_equal(r.type->predict(copy, 1, d.X, d.p, &out), AIWB_EINVAL);
    r.type->fini(copy);
    free(copy);
    free(blob);
    run_release(&r);
    data_free(&d);
}

/* ---------------------------------------------------------------------------
 * Refusals.
 */

static void
test_singular_names_columns(void **unused)
{
    struct data d;
    struct run r;

    (void)unused;
    random_problem(&d, 40, 4, 13);
    for (size_t i = 0; i < d.n; i++) /* x3 = x1 - 2 x2 */
        d.X[i * 4 + 2] = d.X[i * 4] - 2 * d.X[i * 4 + 1];
    assert_int_equal(run_fit(&r, &d, NULL, NULL), AIWB_ENUMERIC);
    assert_string_equal(r.cause, "ols: the design matrix is singular (rank 4 of 5 terms): 'x1', "
                                 "'x2' and 'x3' are linearly dependent (collinear); drop one of "
                                 "them");
    run_release(&r);

    /* A constant column duplicates the intercept. */
    for (size_t i = 0; i < d.n; i++)
        d.X[i * 4 + 2] = 2.5;
    assert_int_equal(run_fit(&r, &d, NULL, NULL), AIWB_ENUMERIC);
    assert_contains(r.cause, "'(Intercept)' and 'x3' are linearly dependent");
    run_release(&r);

    /* Without intercept a constant column is fine, a zero one is not. */
    const char *noint[] = {"intercept=false", NULL};
    assert_int_equal(run_fit(&r, &d, NULL, noint), AIWB_OK);
    run_release(&r);
    for (size_t i = 0; i < d.n; i++)
        d.X[i * 4 + 3] = 0;
    assert_int_equal(run_fit(&r, &d, NULL, noint), AIWB_ENUMERIC);
    assert_string_equal(r.cause, "ols: the design matrix is singular: the column 'x4' is zero in "
                                 "every row; drop it");
    run_release(&r);
    data_free(&d);
}

static void
test_too_few_rows(void **unused)
{
    struct data d;
    struct run r;

    (void)unused;
    random_problem(&d, 4, 3, 17);
    assert_int_equal(run_init(&r, &d, NULL, NULL), AIWB_EDATA);
    assert_string_equal(r.cause, "ols: 4 rows are too few for 4 coefficients: least squares "
                                 "needs more rows than coefficients");
    run_release(&r);
    d.n = 3;
    const char *noint[] = {"intercept=false", NULL};
    assert_int_equal(run_init(&r, &d, NULL, noint), AIWB_EDATA);
    assert_contains(r.cause, "ols: 3 rows are too few for 3 coefficients");
    run_release(&r);

    /* Rows of weight zero do not count. */
    d.n = 4;
    double w[4] = {1, 0, 1, 1};
    assert_int_equal(run_init(&r, &d, w, noint), AIWB_EDATA);
    assert_contains(r.cause, "ols: 3 rows of non-zero weight are too few for 3 coefficients");
    run_release(&r);
    data_free(&d);
}

static void
test_constant_target(void **unused)
{
    struct data d;
    struct run r;

    (void)unused;
    random_problem(&d, 20, 2, 19);
    for (size_t i = 0; i < d.n; i++)
        d.y[i] = 7.5;
    assert_int_equal(run_init(&r, &d, NULL, NULL), AIWB_EDATA);
    assert_string_equal(r.cause, "ols: the target 'y' is constant (7.5 in every row): there is "
                                 "nothing to fit");
    run_release(&r);
    data_free(&d);
}

static void
test_bad_values(void **unused)
{
    struct data d;
    struct run r;

    (void)unused;
    random_problem(&d, 20, 2, 23);
    d.X[5 * 2 + 1] = NAN;
    assert_int_equal(run_init(&r, &d, NULL, NULL), AIWB_EDATA);
    assert_string_equal(r.cause, "ols: row 6 column 'x2': nan is not a finite number");
    run_release(&r);
    d.X[5 * 2 + 1] = 0;
    d.y[2] = INFINITY;
    assert_int_equal(run_init(&r, &d, NULL, NULL), AIWB_EDATA);
    assert_string_equal(r.cause, "ols: row 3: the target 'y' is inf, not a finite number");
    run_release(&r);
    d.y[2] = 0;
    double *w = xcalloc(d.n, sizeof(double));
    for (size_t i = 0; i < d.n; i++)
        w[i] = 1;
    w[9] = -1;
    assert_int_equal(run_init(&r, &d, w, NULL), AIWB_EDATA);
    assert_string_equal(r.cause, "ols: row 10: the weight -1 is not a finite number >= 0");
    run_release(&r);
    /* a value the fit does not use (weight 0) must still be a number */
    w[9] = 0;
    d.X[9 * 2] = -INFINITY;
    assert_int_equal(run_init(&r, &d, w, NULL), AIWB_EDATA);
    assert_string_equal(r.cause, "ols: row 10 column 'x1': -inf is not a finite number");
    run_release(&r);
    d.X[9 * 2] = 0;
    /* values whose squares overflow: no message from the pass, QR fits them */
    d.X[3 * 2 + 1] = 1e200;
    assert_int_equal(run_init(&r, &d, NULL, NULL), AIWB_OK);
    run_release(&r);
    d.X[3 * 2 + 1] = 0;
    free(w);

    /* No features and no intercept: nothing to fit. */
    const char *noint[] = {"intercept=false", NULL};
    d.p = 0;
    assert_int_equal(run_init(&r, &d, NULL, noint), AIWB_EINVAL);
    assert_contains(r.cause, "ols: no features and no intercept");
    run_release(&r);
    d.p = 2;
    data_free(&d);
}

static void
test_bad_options(void **unused)
{
    const struct aiwb_algorithm_type *type = ols_type();
    char *cause = NULL;
    char *bad1[] = {"intercept=maybe"}, *bad2[] = {"alpha=1"};

    (void)unused;
    assert_null(options_parse("ols", type->options, 1, bad1, &cause));
    assert_string_equal(cause, "ols: intercept must be true or false, not 'maybe'");
    free(cause);
    cause = NULL;
    assert_null(options_parse("ols", type->options, 1, bad2, &cause));
    assert_string_equal(cause, "ols has no option 'alpha' (its options: intercept, threads)");
    free(cause);
}

/* What the registry shows of the plugin, and its use before a fit. */
static void
test_registration(void **unused)
{
    const struct component *c;
    struct data d;
    struct run r;

    (void)unused;
    tu_load_plugins();
    c = registry_find(COMPONENT_ALGORITHM, "ols");
    assert_non_null(c);
    assert_string_equal(c->module->name, "ols");
    assert_string_equal(c->module->version, "1.0.0");
    assert_true(c->flags & AIWB_TASK_REGRESSION);
    assert_true(c->flags & AIWB_CAP_WEIGHTS);
    assert_false(c->flags & (AIWB_TASK_CLASSIFICATION | AIWB_CAP_MISSING));
    assert_non_null(options_spec_find(c->options, "intercept"));

    /* Stopped before the first iterate: finish says there is no model. */
    random_problem(&d, 20, 2, 29);
    assert_int_equal(run_init(&r, &d, NULL, NULL), AIWB_OK);
    assert_int_equal(r.type->finish(r.state, &r.prob, &r.cause), AIWB_ERR);
    assert_contains(r.cause, "ols: training stopped before the fit was done");
    double out;
    assert_int_equal(r.type->predict(r.state, 1, d.X, d.p, &out), AIWB_EINVAL);
    struct aiwb_table *t = table_new(NULL);
    assert_int_equal(r.type->report(r.state, t), AIWB_EINVAL);
    struct aiwb_writer *w = writer_new();
    assert_int_equal(r.type->save(r.state, w), AIWB_EINVAL);
    writer_free(w);
    table_free(t);
    run_release(&r);
    data_free(&d);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_against_qr),
        cmocka_unit_test(test_diabetes_like_r),
        cmocka_unit_test(test_diabetes_no_intercept_like_r),
        cmocka_unit_test(test_diabetes_weighted_like_r),
        cmocka_unit_test(test_weights_repeat_rows),
        cmocka_unit_test(test_report_like_r),
        cmocka_unit_test(test_intercept_only),
        cmocka_unit_test(test_perfect_fit_warns),
        cmocka_unit_test(test_normal_equations_or_qr),
        cmocka_unit_test(test_threads),
        cmocka_unit_test(test_save_load_round_trip),
        cmocka_unit_test(test_load_refuses_damage),
        cmocka_unit_test(test_singular_names_columns),
        cmocka_unit_test(test_too_few_rows),
        cmocka_unit_test(test_constant_target),
        cmocka_unit_test(test_bad_values),
        cmocka_unit_test(test_bad_options),
        cmocka_unit_test(test_registration),
    };

    gsl_set_error_handler_off();
    log_set_sink(NULL, NULL, AIWB_LOG_WARN);
    return cmocka_run_group_tests_name("ols", tests, NULL, NULL);
}
