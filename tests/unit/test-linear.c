/*
 * test-linear.c - the ridge, lasso and elasticnet plugins: R's closed forms
 * and MASS::lm.ridge, scikit-learn's Ridge, Lasso and ElasticNet, closed
 * forms and optimality conditions computed here, the exact fallback, the
 * path and GCV, iterations, save/load, and every refusal.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Reference numbers: tests/data/linear/ridge-r.txt (made by ridge-r.R) and
 * tests/data/linear/sklearn.txt (made by make-sklearn.py), both on the
 * bundled datasets/diabetes.csv; see those scripts to regenerate.
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
 * Helpers: data, reference numbers, running a plugin.
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

/* datasets/diabetes.csv: ten features, the target y last. */
static void
diabetes(struct data *d)
{
    char *path = tu_srcpath("datasets/diabetes.csv");
    FILE *f = fopen(path, "r");
    char line[4096];
    size_t alloc = 0;

    assert_non_null(f);
    memset(d, 0, sizeof(*d));
    assert_non_null(fgets(line, sizeof(line), f));
    line[strcspn(line, "\r\n")] = '\0';
    d->p = 10;
    d->names = xcalloc(d->p, sizeof(char *));
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
        for (size_t j = 0; j <= d->p; j++) {
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
    assert_int_equal(d->n, 442);
}

/* Standardise the features in place with divisor n (numpy's std). */
static void
standardise(struct data *d)
{
    for (size_t j = 0; j < d->p; j++) {
        double mean = 0, ss = 0;
        for (size_t i = 0; i < d->n; i++)
            mean += d->X[i * d->p + j];
        mean /= (double)d->n;
        for (size_t i = 0; i < d->n; i++)
            ss += (d->X[i * d->p + j] - mean) * (d->X[i * d->p + j] - mean);
        for (size_t i = 0; i < d->n; i++)
            d->X[i * d->p + j] = (d->X[i * d->p + j] - mean) / sqrt(ss / (double)d->n);
    }
}

/* The weights of the weighted references: row number mod 5. */
static double *
rowmod5(size_t n)
{
    double *w = xcalloc(n, sizeof(double));

    for (size_t i = 0; i < n; i++)
        w[i] = (double)((i + 1) % 5);
    return w;
}

/* A random problem with correlated features (Toeplitz rho), fixed seed. */
static void
random_problem(struct data *d, size_t n, size_t p, double rho, unsigned long seed)
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
        double prev = 0, y = 2.5;
        for (size_t j = 0; j < p; j++) {
            double x = rho * prev + sqrt(1 - rho * rho) * gsl_ran_gaussian(rng, 1.0);
            prev = x;
            d->X[i * p + j] = (1.0 + 0.5 * (double)j) * x + 0.3 * (double)j;
            y += (j % 3 == 0 ? 0.0 : 1.0 - 0.2 * (double)j) * d->X[i * p + j];
        }
        d->y[i] = y + gsl_ran_gaussian(rng, 1.0);
    }
    gsl_rng_free(rng);
}

/* The numbers on the line "KEY v1 v2 ..." of tests/data/linear/FILE. */
static size_t
ref_get(const char *file, const char *key, double *v, size_t max)
{
    char *rel = xasprintf("tests/data/linear/%s", file), *path = tu_srcpath(rel);
    FILE *f = fopen(path, "r");
    char *line = xcalloc(1 << 16, 1);
    size_t n = 0;

    assert_non_null(f);
    while (fgets(line, 1 << 16, f) != NULL) {
        char *save = NULL, *tok = strtok_r(line, " \n", &save);
        if (tok == NULL || strcmp(tok, key) != 0)
            continue;
        while ((tok = strtok_r(NULL, " \n", &save)) != NULL && n < max)
            v[n++] = strtod(tok, NULL);
        break;
    }
    fclose(f);
    free(line);
    free(path);
    free(rel);
    if (n == 0)
        fail_msg("no '%s' in %s", key, file);
    return n;
}

/* |got - want| <= tol * max(|want|, floor): relative, or absolute near zero. */
#define assert_close(got, want, tol, floor)                                                        \
    assert_close_((got), (want), (tol), (floor), #got, __FILE__, __LINE__)
static void
assert_close_(double got, double want, double tol, double floor, const char *expr, const char *file,
              int line)
{
    double scale = fabs(want) > floor ? fabs(want) : floor;

    if (fabs(got - want) <= tol * scale || got == want)
        return;
    print_error("%s = %.17g, want %.17g (error %.3g > %g of %g)\n", expr, got, want,
                fabs(got - want) / scale, tol, scale);
    _fail(file, line);
}
#define assert_rel(got, want, tol) assert_close(got, want, tol, 0)

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

/* Messages the plugins log, for the tests that look at them. */
static char logged[16384];

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
    log_set_sink(log_capture, NULL, AIWB_LOG_DEBUG);
}

static void
capture_stop(void)
{
    log_set_sink(NULL, NULL, AIWB_LOG_ERROR);
}

/* One instance of a plugin and the problem it is trained on. */
struct run {
    const struct aiwb_algorithm_type *type;
    struct aiwb_options *opts;
    void *state;
    struct aiwb_problem prob;
    struct aiwb_step step;
    int64_t iterations;
    const char **names;
    char *cause;
};

static const struct aiwb_algorithm_type *
algo(const char *name)
{
    const struct component *c;

    tu_load_plugins();
    c = registry_find(COMPONENT_ALGORITHM, name);
    if (c == NULL)
        fail_msg("no algorithm '%s'", name);
    return c->type.algorithm;
}

/* Options and init of ALGO for D with weights W and the option words WORDS
 * (NULL-terminated); returns init's status, with r->cause on failure. */
static int
run_init(struct run *r, const char *name, const struct data *d, const double *w,
         const char *const *words)
{
    size_t nw = 0;

    memset(r, 0, sizeof(*r));
    r->type = algo(name);
    while (words != NULL && words[nw] != NULL)
        nw++;
    r->opts = options_parse(name, r->type->options, nw, (char *const *)words, &r->cause);
    if (r->opts == NULL)
        fail_msg("options: %s", r->cause);
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

/* init, iterate until done (at most MAX times), finish; the first failing status. */
static int
run_fit_max(struct run *r, const char *name, const struct data *d, const double *w,
            const char *const *words, int64_t max)
{
    int rc = run_init(r, name, d, w, words);

    if (rc != AIWB_OK)
        return rc;
    do {
        memset(&r->step, 0, sizeof(r->step));
        rc = r->type->iterate(r->state, &r->prob, &r->step, &r->cause);
        r->iterations++;
    } while (rc == AIWB_CONTINUE && r->iterations < max);
    if (rc < 0)
        return rc;
    return r->type->finish(r->state, &r->prob, &r->cause);
}

static int
run_fit(struct run *r, const char *name, const struct data *d, const double *w,
        const char *const *words)
{
    return run_fit_max(r, name, d, w, words, INT64_MAX);
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

/* Step value NAME of the last iteration; NaN when it has none. */
static double
step_find(const struct aiwb_step *s, const char *name)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->names[i], name) == 0)
            return s->values[i];
    return NAN;
}

static double
step_get(const struct aiwb_step *s, const char *name)
{
    double v = step_find(s, name);

    if (isnan(v))
        fail_msg("the step has no value '%s'", name);
    return v;
}

/* The report of a fitted run; the caller frees it. */
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
    assert_false(c->null);
    return t->cols[col].kind == AIWB_TABLE_INT ? (double)c->v.i : c->v.r;
}

/* The model's intercept and slopes, read back through predict (at x = 0
 * and at the unit vectors), into COEF (1 + p). */
static void
run_coef(const struct run *r, size_t p, double *coef)
{
    double *unit = xcalloc((p + 1) * (p > 0 ? p : 1), sizeof(double));
    double *out = xcalloc(p + 1, sizeof(double));

    for (size_t j = 0; j < p; j++)
        unit[(j + 1) * p + j] = 1;
    assert_int_equal(r->type->predict(r->state, p + 1, unit, p, out), AIWB_OK);
    coef[0] = out[0];
    for (size_t j = 0; j < p; j++)
        coef[j + 1] = out[j + 1] - out[0];
    free(out);
    free(unit);
}

/* The estimates of a coefficient report (intercept first, if any) into COEF. */
static size_t
report_coef(const struct run *r, double *coef, size_t max)
{
    struct aiwb_table *t = run_report(r);
    size_t n = table_rows(t);

    assert_string_equal(t->cols[1].name, "estimate");
    assert_true(n <= max);
    for (size_t i = 0; i < n; i++)
        coef[i] = cell_real(t, i, 1);
    table_free(t);
    return n;
}

/* Fit NAME with WORDS on D (weights W) and compare its coefficients (the
 * report's estimates) with the reference KEY of FILE. */
static void
check_coef(const char *name, const struct data *d, const double *w, const char *const *words,
           const char *file, const char *key, double tol)
{
    struct run r;
    double got[16], want[16];
    size_t n, m;

    if (run_fit(&r, name, d, w, words) != AIWB_OK)
        fail_msg("%s failed: %s", name, r.cause);
    n = report_coef(&r, got, 16);
    m = ref_get(file, key, want, 16);
    assert_int_equal(n, m);
    for (size_t i = 0; i < n; i++) {
        if (want[i] == 0) /* a zero of the lasso is exactly zero */
            assert_true(got[i] == 0);
        else
            assert_close(got[i], want[i], tol, 1e-3);
    }
    run_release(&r);
}

/* ---------------------------------------------------------------------------
 * ridge: numbers.
 */

/* The coefficients and the numbers of one R closed form. */
static void
check_ridge_r(const char *fit, const struct data *d, const double *w, const char *const *words)
{
    struct run r;
    double v[16], got[16];
    char key[64];

    snprintf(key, sizeof(key), "%s.coef", fit);
    check_coef("ridge", d, w, words, "ridge-r.txt", key, 1e-9);
    assert_int_equal(run_fit(&r, "ridge", d, w, words), AIWB_OK);
    snprintf(key, sizeof(key), "%s.rss", fit);
    ref_get("ridge-r.txt", key, v, 1);
    double sw = 0;
    for (size_t i = 0; i < d->n; i++)
        sw += w != NULL ? w[i] : 1.0;
    assert_rel(step_get(&r.step, "loss"), v[0] / sw, 1e-9);
    snprintf(key, sizeof(key), "%s.df", fit);
    ref_get("ridge-r.txt", key, v, 1);
    assert_rel(step_get(&r.step, "df"), v[0], 1e-9);
    snprintf(key, sizeof(key), "%s.gcv", fit);
    ref_get("ridge-r.txt", key, v, 1);
    assert_rel(step_get(&r.step, "gcv"), v[0], 1e-9);
    snprintf(key, sizeof(key), "%s.r2", fit);
    ref_get("ridge-r.txt", key, v, 1);
    assert_rel(step_get(&r.step, "r2"), v[0], 1e-9);
    /* predict agrees with the report */
    size_t n = report_coef(&r, got, 16);
    double pc[16];
    run_coef(&r, d->p, pc);
    for (size_t j = 0; j < d->p; j++)
        assert_close(pc[j + 1], got[n - d->p + j], 1e-9, 1e-6);
    run_release(&r);
}

static void
test_ridge_like_r(void **unused)
{
    const char *l1[] = {"lambda=1", NULL}, *l10[] = {"lambda=10", NULL};
    const char *noint[] = {"lambda=1", "intercept=false", NULL}, *l25[] = {"lambda=2.5", NULL};
    struct data d;
    double *w;

    (void)unused;
    diabetes(&d);
    w = rowmod5(d.n);
    check_ridge_r("full", &d, NULL, l1);
    check_ridge_r("full10", &d, NULL, l10);
    check_ridge_r("noint", &d, NULL, noint);
    check_ridge_r("weighted", &d, w, l25);
    free(w);
    data_free(&d);
}

static void
test_ridge_like_sklearn(void **unused)
{
    const char *l1[] = {NULL}, *l25[] = {"lambda=2.5", NULL};
    struct data d;
    double *w;

    (void)unused;
    diabetes(&d);
    w = rowmod5(d.n);
    check_coef("ridge", &d, NULL, l1, "sklearn.txt", "ridge_raw.coef", 1e-9); /* lambda=1 default */
    check_coef("ridge", &d, w, l25, "sklearn.txt", "ridge_weighted.coef", 1e-9);
    free(w);
    data_free(&d);
}

/* MASS::lm.ridge on features standardised with divisor n has our lambda. */
static void
test_ridge_like_lm_ridge(void **unused)
{
    const char *l3[] = {"lambda=3", NULL};
    struct data d;

    (void)unused;
    diabetes(&d);
    standardise(&d);
    check_coef("ridge", &d, NULL, l3, "ridge-r.txt", "lmridge.coef", 1e-9);
    data_free(&d);
}

/* GCV on the default path: the path's values, the refined choice, the fit. */
static void
test_ridge_gcv_like_r(void **unused)
{
    const char *gcv[] = {"gcv=true", NULL};
    struct data d;
    struct run r;
    double lam[100], score[100], best, v[1];

    (void)unused;
    diabetes(&d);
    assert_int_equal(ref_get("ridge-r.txt", "gcv.path_lambda", lam, 100), 100);
    assert_int_equal(ref_get("ridge-r.txt", "gcv.path_gcv", score, 100), 100);
    ref_get("ridge-r.txt", "gcv.lambda", &best, 1);
    assert_int_equal(run_fit(&r, "ridge", &d, NULL, gcv), AIWB_OK);
    assert_rel(step_get(&r.step, "lambda"), best, 1e-6);

    struct aiwb_table *t = run_report(&r);
    assert_contains(t->title, "lambda path (generalised cross-validation)");
    assert_int_equal(table_rows(t), 101); /* the path and the chosen lambda */
    size_t marked = 0, row = 0;
    for (size_t i = 0; i < 101; i++) {
        const char *fit = table_cell(t, i, 4)->v.s;
        if (strcmp(fit, "*") == 0) {
            marked++;
            assert_rel(cell_real(t, i, 0), best, 1e-6);
            assert_true(cell_real(t, i, 2) <= score[i > 0 ? i - 1 : 0]);
            continue;
        }
        assert_rel(cell_real(t, i, 0), lam[row], 1e-12);
        assert_rel(cell_real(t, i, 2), score[row], 1e-9);
        row++;
    }
    assert_int_equal(marked, 1);
    assert_contains(t->notes[2], "lambda chosen by generalised cross-validation on a path of 100");
    assert_contains(t->notes[t->nnotes - 1], "report=coef");
    table_free(t);
    ref_get("ridge-r.txt", "gcv.gcv", v, 1);
    assert_rel(step_get(&r.step, "gcv"), v[0], 1e-9);
    run_release(&r);

    const char *coef[] = {"gcv=true", "report=coef", NULL};
    check_coef("ridge", &d, NULL, coef, "ridge-r.txt", "gcv.coef", 1e-6);
    data_free(&d);
}

/* A path without gcv fits the lambda given and marks it. */
static void
test_ridge_path_without_gcv(void **unused)
{
    const char *words[] = {"lambda=3", "path=6", "lambda_min=0.01", "lambda_max=1000", NULL};
    const double want[] = {1000, 100, 10, 3, 1, 0.1, 0.01};
    struct data d;
    struct run r;

    (void)unused;
    diabetes(&d);
    assert_int_equal(run_fit(&r, "ridge", &d, NULL, words), AIWB_OK);
    struct aiwb_table *t = run_report(&r);
    assert_int_equal(table_rows(t), 7);
    for (size_t i = 0; i < 7; i++) {
        assert_string_equal(table_cell(t, i, 4)->v.s, i == 3 ? "*" : "");
        assert_rel(cell_real(t, i, 0), want[i], 1e-12);
    }
    /* df falls and R-squared rises along the path (lambda decreasing). */
    for (size_t i = 1; i < 7; i++) {
        assert_true(cell_real(t, i, 1) > cell_real(t, i - 1, 1));
        assert_true(cell_real(t, i, 3) > cell_real(t, i - 1, 3));
    }
    table_free(t);
    assert_rel(step_get(&r.step, "lambda"), 3, 0);
    run_release(&r);

    /* a lambda on the path marks its row instead of repeating it */
    const char *on[] = {"lambda=10", "path=6", "lambda_min=0.01", "lambda_max=1000", NULL};
    assert_int_equal(run_fit(&r, "ridge", &d, NULL, on), AIWB_OK);
    t = run_report(&r);
    assert_int_equal(table_rows(t), 6);
    for (size_t i = 0; i < 6; i++)
        assert_string_equal(table_cell(t, i, 4)->v.s, i == 2 ? "*" : "");
    assert_rel(cell_real(t, 2, 0), 10, 1e-12);
    assert_rel(cell_real(t, 2, 1), step_get(&r.step, "df"), 0);
    table_free(t);
    run_release(&r);
    data_free(&d);
}

/*
 * Ridge by an independent method: least squares on the augmented system
 * [Xc; sqrt(lambda) I] b = [yc; 0] by Householder QR (GSL), centring in
 * two passes; COEF gets the intercept and the slopes.
 */
static void
ridge_reference(const struct data *d, double lambda, double *coef)
{
    const size_t n = d->n, p = d->p;
    gsl_matrix *A = gsl_matrix_calloc(n + p, p);
    gsl_vector *b = gsl_vector_calloc(n + p), *tau = gsl_vector_alloc(p);
    gsl_vector *x = gsl_vector_alloc(p), *res = gsl_vector_alloc(n + p);
    double *mean = xcalloc(p + 1, sizeof(double));

    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < p; j++)
            mean[j] += d->X[i * p + j] / (double)n;
        mean[p] += d->y[i] / (double)n;
    }
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < p; j++)
            gsl_matrix_set(A, i, j, d->X[i * p + j] - mean[j]);
        gsl_vector_set(b, i, d->y[i] - mean[p]);
    }
    for (size_t j = 0; j < p; j++)
        gsl_matrix_set(A, n + j, j, sqrt(lambda));
    assert_int_equal(gsl_linalg_QR_decomp(A, tau), GSL_SUCCESS);
    assert_int_equal(gsl_linalg_QR_lssolve(A, tau, b, x, res), GSL_SUCCESS);
    coef[0] = mean[p];
    for (size_t j = 0; j < p; j++) {
        coef[j + 1] = gsl_vector_get(x, j);
        coef[0] -= coef[j + 1] * mean[j];
    }
    free(mean);
    gsl_vector_free(res);
    gsl_vector_free(x);
    gsl_vector_free(tau);
    gsl_vector_free(b);
    gsl_matrix_free(A);
}

/* Fit ridge at LAMBDA and compare with ridge_reference; returns the log. */
static void
check_against_reference(const struct data *d, const char *lambda_word, double lambda,
                        const char *expect_log, double tol)
{
    const char *words[] = {lambda_word, NULL};
    struct run r;
    double want[16], got[16];

    ridge_reference(d, lambda, want);
    capture_start();
    assert_int_equal(run_fit(&r, "ridge", d, NULL, words), AIWB_OK);
    capture_stop();
    assert_contains(logged, expect_log);
    run_coef(&r, d->p, got);
    for (size_t j = 0; j <= d->p; j++)
        assert_close(got[j], want[j], tol, 1e-6);
    run_release(&r);
}

/* Well conditioned: the normal equations; nearly collinear with a tiny
 * lambda: the exact QR and SVD, as accurate as the augmented QR. */
static void
test_ridge_exact_fallback(void **unused)
{
    struct data d;
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);

    (void)unused;
    random_problem(&d, 3000, 6, 0.5, 41);
    check_against_reference(&d, "lambda=2", 2, "ridge: solved by the normal equations", 1e-10);
    gsl_rng_set(rng, 5);
    for (size_t i = 0; i < d.n; i++) /* x4 = x2 + tiny noise */
        d.X[i * 6 + 3] = d.X[i * 6 + 1] + 1e-7 * gsl_ran_gaussian(rng, 1.0);
    check_against_reference(&d, "lambda=1e-9", 1e-9, "ridge: condition number about", 1e-8);
    check_against_reference(&d, "lambda=1e-9", 1e-9, "solving by QR and SVD", 1e-8);
    gsl_rng_free(rng);
    data_free(&d);
}

/* lambda = 0 is least squares: ols's numbers, and ols's refusal to fit a
 * singular design, in ridge's words. */
static void
test_ridge_lambda_zero(void **unused)
{
    const char *l0[] = {"lambda=0", NULL};
    struct data d;
    struct run a, b;
    double ca[16], cb[16];

    (void)unused;
    diabetes(&d);
    assert_int_equal(run_fit(&a, "ridge", &d, NULL, l0), AIWB_OK);
    assert_int_equal(run_fit(&b, "ols", &d, NULL, NULL), AIWB_OK);
    run_coef(&a, d.p, ca);
    run_coef(&b, d.p, cb);
    for (size_t j = 0; j <= d.p; j++)
        assert_rel(ca[j], cb[j], 1e-10);
    assert_rel(step_get(&a.step, "r2"), step_get(&b.step, "r2"), 1e-12);
    assert_rel(step_get(&a.step, "df"), 10, 1e-12);
    run_release(&a);
    run_release(&b);

    for (size_t i = 0; i < d.n; i++) /* s2 = s1 - s3: exactly collinear */
        d.X[i * d.p + 5] = d.X[i * d.p + 4] - d.X[i * d.p + 6];
    assert_int_equal(run_fit(&a, "ridge", &d, NULL, l0), AIWB_ENUMERIC);
    assert_contains(a.cause, "ridge: with lambda=0 the design matrix is singular (condition "
                             "number ");
    assert_contains(a.cause, "give lambda > 0, or train ols to see which columns are collinear");
    run_release(&a);
    /* any lambda > 0 fits it */
    const char *tiny[] = {"lambda=1e-6", NULL};
    assert_int_equal(run_fit(&a, "ridge", &d, NULL, tiny), AIWB_OK);
    run_release(&a);
    data_free(&d);
}

/* The pass's numbers do not depend on the number of threads. */
static void
test_threads_same_numbers(void **unused)
{
    const char *algos[] = {"ridge", "ols", "lasso"};
    struct data d;

    (void)unused;
    random_problem(&d, 70001, 5, 0.3, 43);
    for (size_t a = 0; a < 3; a++) {
        const char *one[] = {"threads=1", NULL}, *three[] = {"threads=3", NULL};
        struct run r1, r3;
        double c1[8], c3[8];

        assert_int_equal(run_fit(&r1, algos[a], &d, NULL, one), AIWB_OK);
        assert_int_equal(run_fit(&r3, algos[a], &d, NULL, three), AIWB_OK);
        run_coef(&r1, d.p, c1);
        run_coef(&r3, d.p, c3);
        assert_memory_equal(c1, c3, (d.p + 1) * sizeof(double));
        run_release(&r1);
        run_release(&r3);
    }
    /* and they are right: against the augmented QR */
    double want[8], got[8];
    struct run r;
    const char *auto_threads[] = {"lambda=5", NULL};
    ridge_reference(&d, 5, want);
    assert_int_equal(run_fit(&r, "ridge", &d, NULL, auto_threads), AIWB_OK);
    run_coef(&r, d.p, got);
    for (size_t j = 0; j <= d.p; j++)
        assert_rel(got[j], want[j], 1e-10);
    run_release(&r);
    data_free(&d);
}

/* Integer weights give the fit of the data with rows repeated. */
static void
check_weights_repeat_rows(const char *name, const char *const *words)
{
    struct data d, rep;
    struct run a, b;
    double *w, ca[8], cb[8];

    random_problem(&d, 80, 3, 0.4, 7);
    w = xcalloc(d.n, sizeof(double));
    memset(&rep, 0, sizeof(rep));
    rep.p = d.p;
    rep.names = xcalloc(d.p, sizeof(char *));
    for (size_t j = 0; j < d.p; j++)
        rep.names[j] = xstrdup(d.names[j]);
    rep.X = xcalloc(3 * d.n * d.p, sizeof(double));
    rep.y = xcalloc(3 * d.n, sizeof(double));
    for (size_t i = 0; i < d.n; i++) {
        w[i] = (double)(i % 4 == 0 ? 0 : i % 4);
        for (size_t c = 0; c < w[i]; c++, rep.n++) {
            memcpy(rep.X + rep.n * d.p, d.X + i * d.p, d.p * sizeof(double));
            rep.y[rep.n] = d.y[i];
        }
    }
    assert_int_equal(run_fit(&a, name, &d, w, words), AIWB_OK);
    assert_int_equal(run_fit(&b, name, &rep, NULL, words), AIWB_OK);
    run_coef(&a, d.p, ca);
    run_coef(&b, d.p, cb);
    for (size_t j = 0; j <= d.p; j++)
        assert_close(ca[j], cb[j], 1e-8, 1e-6);
    assert_rel(step_get(&a.step, "loss"), step_get(&b.step, "loss"), 1e-8);
    struct aiwb_table *t = run_report(&a);
    assert_contains(t->notes[t->nnotes - 1], "on 60 rows of non-zero weight");
    table_free(t);
    run_release(&a);
    run_release(&b);
    free(w);
    data_free(&rep);
    data_free(&d);
}

static void
test_weights_repeat_rows(void **unused)
{
    const char *ridge[] = {"lambda=4", NULL};
    const char *lasso[] = {"alpha=0.05", "tol=1e-12", "max_iter=100000", NULL};
    const char *lasso_rows[] = {"alpha=0.05", "tol=1e-12", "max_iter=100000", "gram=no", NULL};
    const char *enet[] = {"alpha=0.1", "l1_ratio=0.4", "tol=1e-12", NULL};

    (void)unused;
    check_weights_repeat_rows("ridge", ridge);
    check_weights_repeat_rows("lasso", lasso);
    check_weights_repeat_rows("lasso", lasso_rows);
    check_weights_repeat_rows("elasticnet", enet);
}

/* The intercept alone (no features): the mean, with any lambda. */
static void
test_ridge_intercept_only(void **unused)
{
    struct data d;
    struct run r;
    double mean = 0, out;

    (void)unused;
    random_problem(&d, 30, 1, 0, 3);
    d.p = 0;
    for (size_t i = 0; i < d.n; i++)
        mean += d.y[i] / (double)d.n;
    const char *gcv[] = {"gcv=true", NULL};
    assert_int_equal(run_fit(&r, "ridge", &d, NULL, gcv), AIWB_OK);
    assert_int_equal(r.type->predict(r.state, 1, d.X, 0, &out), AIWB_OK);
    assert_rel(out, mean, 1e-12);
    assert_rel(step_get(&r.step, "df"), 0, 0);
    run_release(&r);
    d.p = 1;
    data_free(&d);
}

/* ---------------------------------------------------------------------------
 * lasso and elasticnet: numbers.
 */

/* NAME with WORDS against scikit-learn's fit KEY, in both forms of descent. */
static void
check_sklearn(const char *name, const char *key, const struct data *d, const double *w,
              const char *const *words)
{
    const char *forms[] = {"gram=yes", "gram=no"};

    for (size_t f = 0; f < 2; f++) {
        const char *all[16];
        size_t n = 0;
        char k[64];
        struct run r;
        double v[1];

        while (words[n] != NULL) {
            all[n] = words[n];
            n++;
        }
        all[n++] = "tol=1e-10";
        all[n++] = "max_iter=1000000";
        all[n++] = forms[f];
        all[n] = NULL;
        snprintf(k, sizeof(k), "%s.coef", key);
        check_coef(name, d, w, all, "sklearn.txt", k, 1e-6);
        assert_int_equal(run_fit(&r, name, d, w, all), AIWB_OK);
        snprintf(k, sizeof(k), "%s.objective", key);
        ref_get("sklearn.txt", k, v, 1);
        assert_rel(step_get(&r.step, "loss"), v[0], 1e-9);
        snprintf(k, sizeof(k), "%s.nonzero", key);
        ref_get("sklearn.txt", k, v, 1);
        assert_rel(step_get(&r.step, "nonzero"), v[0], 0);
        assert_true(isnan(step_find(&r.step, "converged"))); /* converged */
        run_release(&r);
    }
}

static void
test_lasso_like_sklearn(void **unused)
{
    const char *raw[] = {"alpha=0.5", NULL}, *std[] = {"alpha=2", NULL};
    const char *noint[] = {"alpha=2", "intercept=false", NULL};
    struct data d;
    double *w;

    (void)unused;
    diabetes(&d);
    w = rowmod5(d.n);
    check_sklearn("lasso", "lasso_raw", &d, NULL, raw);
    standardise(&d);
    check_sklearn("lasso", "lasso_std", &d, NULL, std);
    check_sklearn("lasso", "lasso_std_noint", &d, NULL, noint);
    check_sklearn("lasso", "lasso_weighted", &d, w, std);
    /* elasticnet with l1_ratio=1 is the lasso */
    const char *as_enet[] = {"alpha=2", "l1_ratio=1", NULL};
    check_sklearn("elasticnet", "lasso_std", &d, NULL, as_enet);
    free(w);
    data_free(&d);
}

static void
test_elasticnet_like_sklearn(void **unused)
{
    const char *raw[] = {"alpha=0.5", "l1_ratio=0.3", NULL};
    const char *std[] = {"alpha=0.3", "l1_ratio=0.7", NULL};
    struct data d;
    double *w;

    (void)unused;
    diabetes(&d);
    w = rowmod5(d.n);
    check_sklearn("elasticnet", "enet_raw", &d, NULL, raw);
    standardise(&d);
    check_sklearn("elasticnet", "enet_std", &d, NULL, std);
    check_sklearn("elasticnet", "enet_weighted", &d, w, std);
    free(w);
    data_free(&d);
}

/*
 * Orthogonal centred columns (a Hadamard matrix's, scaled so x_j'x_j = n):
 * the elastic net is then soft thresholding, b_j = S(x_j'y / n, alpha
 * l1_ratio) / (1 + alpha (1 - l1_ratio)), glmnet's closed form, found in
 * the first pass.
 */
static void
test_orthogonal_closed_form(void **unused)
{
    const size_t n = 16, p = 7;
    struct data d = {.n = n, .p = p};
    const double y[16] = {3.1, -1.2, 0.4,  2.2, -0.7, 1.9,  -2.5, 0.3,
                          1.1, 0.9,  -1.4, 2.8, 0.2,  -0.6, 1.7,  -3.0};

    (void)unused;
    d.X = xcalloc(n * p, sizeof(double));
    d.y = xcalloc(n, sizeof(double));
    d.names = xcalloc(p, sizeof(char *));
    for (size_t j = 0; j < p; j++)
        d.names[j] = xasprintf("h%zu", j + 1);
    for (size_t i = 0; i < n; i++) {
        d.y[i] = y[i];
        for (size_t j = 0; j < p;
             j++) /* Sylvester-Hadamard column j + 1: (-1)^popcount(i & (j+1)) */
            d.X[i * p + j] = __builtin_popcount((unsigned)(i & (j + 1))) % 2 ? -1.0 : 1.0;
    }
    const double alphas[] = {0.05, 0.3, 0.8}, ratios[] = {1.0, 0.6};
    for (size_t a = 0; a < 3; a++) {
        for (size_t q = 0; q < 2; q++) {
            char aw[32], lw[32];
            const char *words[] = {aw, lw, "tol=1e-12", NULL};
            struct run r;
            double got[8], mean = 0;

            snprintf(aw, sizeof(aw), "alpha=%g", alphas[a]);
            snprintf(lw, sizeof(lw), "l1_ratio=%g", ratios[q]);
            assert_int_equal(run_fit(&r, "elasticnet", &d, NULL, words), AIWB_OK);
            assert_true(r.iterations <= 2);
            run_coef(&r, p, got);
            for (size_t i = 0; i < n; i++)
                mean += d.y[i] / (double)n;
            assert_close(got[0], mean, 1e-14, 1);
            for (size_t j = 0; j < p; j++) {
                double z = 0, t = alphas[a] * ratios[q], want;
                for (size_t i = 0; i < n; i++)
                    z += d.X[i * p + j] * d.y[i] / (double)n;
                want = (z > t ? z - t : z < -t ? z + t : 0) / (1 + alphas[a] * (1 - ratios[q]));
                assert_close(got[j + 1], want, 1e-13, 1);
            }
            run_release(&r);
        }
    }
    data_free(&d);
}

/*
 * The optimality (KKT) conditions of the elastic net at the solution: with g_j
 * = x_j'W r / W on centred data, g_j - alpha (1 - l1_ratio) b_j = alpha
 * l1_ratio sign(b_j) where b_j != 0, |g_j| <= alpha l1_ratio where b_j = 0.
 */
static void
check_kkt(const struct data *d, const double *coef, double alpha, double ratio, double tol)
{
    const size_t n = d->n, p = d->p;
    double *r = xcalloc(n, sizeof(double)), *mean = xcalloc(p, sizeof(double));

    for (size_t i = 0; i < n; i++) {
        r[i] = d->y[i] - coef[0];
        for (size_t j = 0; j < p; j++) {
            r[i] -= d->X[i * p + j] * coef[j + 1];
            mean[j] += d->X[i * p + j] / (double)n;
        }
    }
    for (size_t j = 0; j < p; j++) {
        double g = 0;
        for (size_t i = 0; i < n; i++)
            g += (d->X[i * p + j] - mean[j]) * r[i] / (double)n;
        if (coef[j + 1] != 0)
            assert_close(g - alpha * (1 - ratio) * coef[j + 1],
                         alpha * ratio * (coef[j + 1] > 0 ? 1 : -1), tol, 1);
        else
            assert_true(fabs(g) <= alpha * ratio * (1 + tol));
    }
    free(mean);
    free(r);
}

static void
test_kkt_random(void **unused)
{
    struct data d;
    const char *forms[] = {"gram=yes", "gram=no"};

    (void)unused;
    random_problem(&d, 300, 25, 0.7, 47);
    for (size_t f = 0; f < 2; f++) {
        const char *lasso[] = {"alpha=0.4", "tol=1e-12", "max_iter=1000000", forms[f], NULL};
        const char *enet[] = {"alpha=0.4", "l1_ratio=0.5", "tol=1e-12", forms[f], NULL};
        struct run r;
        double c[32];

        assert_int_equal(run_fit(&r, "lasso", &d, NULL, lasso), AIWB_OK);
        run_coef(&r, d.p, c);
        assert_true(step_get(&r.step, "nonzero") < 25); /* some are zero */
        check_kkt(&d, c, 0.4, 1, 1e-6);
        run_release(&r);
        assert_int_equal(run_fit(&r, "elasticnet", &d, NULL, enet), AIWB_OK);
        run_coef(&r, d.p, c);
        check_kkt(&d, c, 0.4, 0.5, 1e-6);
        run_release(&r);
    }
    data_free(&d);
}

/* The path: scikit-learn's lasso_path at the same alphas, ending at the
 * model asked for. */
static void
test_lasso_path_like_sklearn(void **unused)
{
    const char *words[] = {"alpha=2", "path=8", "tol=1e-12", "max_iter=1000000", NULL};
    const char *direct[] = {"alpha=2", "tol=1e-12", "max_iter=1000000", NULL};
    struct data d;
    struct run r, s;
    double alpha[8], nonzero[8], r2[8], c1[16], c2[16];

    (void)unused;
    diabetes(&d);
    standardise(&d);
    ref_get("sklearn.txt", "path.alpha", alpha, 8);
    ref_get("sklearn.txt", "path.nonzero", nonzero, 8);
    ref_get("sklearn.txt", "path.r2", r2, 8);
    assert_int_equal(run_fit(&r, "lasso", &d, NULL, words), AIWB_OK);
    struct aiwb_table *t = run_report(&r);
    assert_contains(t->title, "lasso: alpha path (warm-started from alpha_max 45.16");
    assert_int_equal(table_rows(t), 8);
    for (size_t i = 0; i < 8; i++) {
        assert_rel(cell_real(t, i, 0), alpha[i], 1e-12);
        assert_rel(cell_real(t, i, 1), nonzero[i], 0);
        assert_close(cell_real(t, i, 2), r2[i], 1e-8, 1e-3);
        assert_true(cell_real(t, i, 4) >= 1); /* passes */
        if (i > 0)                            /* the objective falls with alpha */
            assert_true(cell_real(t, i, 3) < cell_real(t, i - 1, 3));
    }
    table_free(t);
    assert_int_equal(run_fit(&s, "lasso", &d, NULL, direct), AIWB_OK);
    run_coef(&r, d.p, c1);
    run_coef(&s, d.p, c2);
    for (size_t j = 0; j <= d.p; j++)
        assert_close(c1[j], c2[j], 1e-8, 1e-3);
    run_release(&s);
    run_release(&r);

    /* alpha above alpha_max: everything is zero, the path one point */
    const char *big[] = {"alpha=50", "path=5", NULL};
    capture_start();
    assert_int_equal(run_fit(&r, "lasso", &d, NULL, big), AIWB_OK);
    capture_stop();
    assert_contains(logged, "lasso: alpha 50 is at or above alpha_max 45.16");
    assert_rel(step_get(&r.step, "nonzero"), 0, 0);
    t = run_report(&r);
    assert_int_equal(table_rows(t), 1);
    table_free(t);
    run_release(&r);
    data_free(&d);
}

/* Each iterate is one pass: the objective never rises; out of passes, the
 * fit ends with "converged" 0, a warning and a note. */
static void
test_lasso_iterations(void **unused)
{
    struct data d;
    struct run r;
    double prev = INFINITY;
    int rc;

    (void)unused;
    diabetes(&d);
    const char *slow[] = {"alpha=0.5", "tol=1e-10", NULL};
    assert_int_equal(run_init(&r, "lasso", &d, NULL, slow), AIWB_OK);
    for (int i = 0; i < 50; i++) {
        memset(&r.step, 0, sizeof(r.step));
        rc = r.type->iterate(r.state, &r.prob, &r.step, &r.cause);
        assert_int_equal(rc, AIWB_CONTINUE);
        assert_string_equal(r.step.names[0], "loss");
        assert_true(step_get(&r.step, "loss") <= prev * (1 + 1e-15));
        assert_true(step_get(&r.step, "nonzero") >= 0);
        prev = step_get(&r.step, "loss");
    }
    /* stopped here (as by Ctrl-C): the model is usable and says so */
    assert_int_equal(r.type->finish(r.state, &r.prob, &r.cause), AIWB_OK);
    double out[2];
    assert_int_equal(r.type->predict(r.state, 2, d.X, d.p, out), AIWB_OK);
    struct aiwb_table *t = run_report(&r);
    assert_string_equal(t->notes[2], "Stopped after 50 passes, before convergence");
    table_free(t);
    run_release(&r);

    /* alpha = 0 is least squares: a warning says ols does it better */
    const char *zero[] = {"alpha=0", "max_iter=5", NULL};
    capture_start();
    assert_int_equal(run_fit(&r, "lasso", &d, NULL, zero), AIWB_OK);
    capture_stop();
    assert_contains(logged, "lasso: alpha=0 is plain least squares, which ols fits exactly");
    run_release(&r);

    const char *three[] = {"alpha=0.5", "max_iter=3", NULL};
    capture_start();
    assert_int_equal(run_fit(&r, "lasso", &d, NULL, three), AIWB_OK);
    capture_stop();
    assert_int_equal(r.iterations, 3);
    assert_rel(step_get(&r.step, "converged"), 0, 0);
    assert_contains(logged, "lasso: no convergence at alpha 0.5 within max_iter=3 passes");
    t = run_report(&r);
    assert_contains(t->notes[2], "Not converged after 3 passes (duality gap ");
    table_free(t);
    run_release(&r);
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

/* Save, load into a fresh state: the same predictions, report and bytes. */
static void
check_round_trip(const char *name, const char *const *words)
{
    struct data d;
    struct run r;
    size_t len, len2;
    char *cause = NULL;

    diabetes(&d);
    assert_int_equal(run_fit(&r, name, &d, NULL, words), AIWB_OK);
    unsigned char *blob = save_blob(&r, &len);
    void *copy = xcalloc(1, r.type->state_size);
    assert_int_equal(load_blob(r.type, copy, blob, len, 1, &cause), AIWB_OK);

    double *p1 = xcalloc(d.n, sizeof(double)), *p2 = xcalloc(d.n, sizeof(double));
    assert_int_equal(r.type->predict(r.state, d.n, d.X, d.p, p1), AIWB_OK);
    assert_int_equal(r.type->predict(copy, d.n, d.X, d.p, p2), AIWB_OK);
    assert_memory_equal(p1, p2, d.n * sizeof(double));
    struct aiwb_table *t1 = run_report(&r), *t2 = table_new(NULL);
    assert_int_equal(r.type->report(copy, t2), AIWB_OK);
    assert_string_equal(t1->title, t2->title);
    assert_int_equal(table_rows(t1), table_rows(t2));
    assert_int_equal(t1->ncols, t2->ncols);
    for (size_t row = 0; row < table_rows(t1); row++) {
        for (size_t col = 0; col < t1->ncols; col++) {
            const struct table_cell *a = table_cell(t1, row, col), *b = table_cell(t2, row, col);
            if (t1->cols[col].kind == AIWB_TABLE_TEXT)
                assert_string_equal(a->v.s, b->v.s);
            else
                assert_memory_equal(&a->v, &b->v, sizeof(a->v));
        }
    }
    assert_int_equal(t1->nnotes, t2->nnotes);
    for (size_t i = 0; i < t1->nnotes; i++)
        assert_string_equal(t1->notes[i], t2->notes[i]);
    struct run again = r;
    again.state = copy;
    unsigned char *blob2 = save_blob(&again, &len2);
    assert_int_equal(len, len2);
    assert_memory_equal(blob, blob2, len);

    /* a newer state version is refused, naming it */
    void *other = xcalloc(1, r.type->state_size);
    assert_int_equal(load_blob(r.type, other, blob, len, 2, &cause), AIWB_ENOTSUP);
    assert_contains(cause, ": cannot read a model saved with state version 2 (this plugin reads "
                           "version 1)");
    assert_true(strncmp(cause, name, strlen(name)) == 0);
    free(cause);
    cause = NULL;
    /* another plugin's state is refused as corrupt, and leaves no model */
    struct run o;
    assert_int_equal(run_fit(&o, strcmp(name, "ridge") == 0 ? "ols" : "ridge", &d, NULL, NULL),
                     AIWB_OK);
    size_t olen;
    unsigned char *oblob = save_blob(&o, &olen);
    assert_int_equal(load_blob(r.type, other, oblob, olen, 1, &cause), AIWB_EDATA);
    assert_contains(cause, "the saved model is corrupt");
    double out;
    assert_int_equal(r.type->predict(other, 1, d.X, d.p, &out), AIWB_EINVAL);
    free(cause);
    free(oblob);
    run_release(&o);
    r.type->fini(other);
    free(other);

    free(blob2);
    table_free(t1);
    table_free(t2);
    free(p1);
    free(p2);
    r.type->fini(copy);
    free(copy);
    free(blob);
    run_release(&r);
    data_free(&d);
}

static void
test_save_load(void **unused)
{
    const char *ridge[] = {"gcv=true", "path=20", NULL}, *plain[] = {"lambda=7", NULL};
    const char *lasso[] = {"alpha=1", "path=6", NULL}, *enet[] = {"alpha=0.2", NULL};

    (void)unused;
    check_round_trip("ridge", ridge);
    check_round_trip("ridge", plain);
    check_round_trip("lasso", lasso);
    check_round_trip("elasticnet", enet);
}

/* A damaged state: truncated arrays and mismatched terms. */
static void
test_load_refuses_damage(void **unused)
{
    const char *names[] = {"ridge", "lasso"};
    char *cause = NULL;

    (void)unused;
    for (size_t a = 0; a < 2; a++) {
        const struct aiwb_algorithm_type *type = algo(names[a]);
        void *state = xcalloc(1, type->state_size);
        const char *terms[] = {"(Intercept)", "x1", "x2"};
        const int64_t flags6[] = {1, 0, 0, 0, 0, -1}, flags8[] = {1, 0, 1, 0, 0, 3, 2, 0};
        struct aiwb_writer *w = writer_new();
        size_t len;

        codec_put_int(w, "p", 5);
        codec_put_ints(w, "flags", a == 0 ? 6 : 8, a == 0 ? flags6 : flags8);
        codec_put_strs(w, "terms", 3, terms);
        unsigned char *blob = codec_seal(w, &len);
        writer_free(w);
        assert_int_equal(load_blob(type, state, blob, len, 1, &cause), AIWB_EDATA);
        assert_contains(cause, "the saved model is corrupt: 3 terms for 5 features");
        free(cause);
        cause = NULL;
        free(blob);

        w = writer_new();
        codec_put_int(w, "p", 2);
        codec_put_ints(w, "flags", a == 0 ? 6 : 8, a == 0 ? flags6 : flags8);
        codec_put_strs(w, "terms", 3, terms);
        double est[2] = {1, 2};
        codec_put_reals(w, "estimate", 2, est);
        blob = codec_seal(w, &len);
        writer_free(w);
        assert_int_equal(load_blob(type, state, blob, len, 1, &cause), AIWB_EDATA);
        assert_contains(cause, "the saved model is corrupt or incomplete (reading 'estimate')");
        free(cause);
        cause = NULL;
        free(blob);
        type->fini(state);
        free(state);
    }
}

/* ---------------------------------------------------------------------------
 * Refusals.
 */

/* init of NAME with WORDS on D refuses with STATUS and a message containing WANT. */
static void
check_refusal(const char *name, const struct data *d, const double *w, const char *const *words,
              int status, const char *want)
{
    struct run r;

    assert_int_equal(run_init(&r, name, d, w, words), status);
    assert_contains(r.cause, want);
    run_release(&r);
}

static void
test_option_refusals(void **unused)
{
    struct data d;

    (void)unused;
    random_problem(&d, 40, 3, 0, 11);
    const char *both[] = {"lambda=2", "gcv=true", NULL};
    check_refusal("ridge", &d, NULL, both, AIWB_EINVAL,
                  "ridge: lambda=2 and gcv=true exclude each other: gcv chooses lambda on the "
                  "path");
    const char *one[] = {"path=1", NULL};
    check_refusal("ridge", &d, NULL, one, AIWB_EINVAL, "ridge: a path of 1 value is no path");
    check_refusal("lasso", &d, NULL, one, AIWB_EINVAL, "lasso: a path of 1 value is no path");
    const char *order[] = {"path=5", "lambda_min=10", "lambda_max=1", NULL};
    check_refusal("ridge", &d, NULL, order, AIWB_EINVAL,
                  "ridge: lambda_min=10 must be below lambda_max=1");
    const char *bounds[] = {"lambda_min=10", NULL};
    check_refusal("ridge", &d, NULL, bounds, AIWB_EINVAL,
                  "ridge: lambda_min and lambda_max bound a path: give path=N or gcv=true");
    const char *show[] = {"report=path", NULL};
    check_refusal("ridge", &d, NULL, show, AIWB_EINVAL,
                  "ridge: report=path needs a path: give path=N or gcv=true");
    check_refusal("elasticnet", &d, NULL, show, AIWB_EINVAL,
                  "elasticnet: report=path needs a path: give path=N");
    const char *zero[] = {"alpha=0", "path=10", NULL};
    check_refusal("lasso", &d, NULL, zero, AIWB_EINVAL,
                  "lasso: a path runs from alpha_max down to alpha, which must then be above 0");
    const char *ridge_like[] = {"l1_ratio=0", "path=10", NULL};
    check_refusal("elasticnet", &d, NULL, ridge_like, AIWB_EINVAL,
                  "elasticnet: with l1_ratio=0 there is no alpha_max to start a path from");

    /* what the host's option parser refuses from the declared ranges */
    char *cause = NULL;
    char *neg[] = {"lambda=-1"}, *ratio[] = {"l1_ratio=1.5"}, *tol[] = {"tol=0"};
    char *l1[] = {"l1_ratio=0.5"};
    assert_null(options_parse("ridge", algo("ridge")->options, 1, neg, &cause));
    assert_contains(cause, "lambda");
    free(cause);
    cause = NULL;
    assert_null(options_parse("elasticnet", algo("elasticnet")->options, 1, ratio, &cause));
    assert_contains(cause, "l1_ratio");
    free(cause);
    cause = NULL;
    assert_null(options_parse("lasso", algo("lasso")->options, 1, tol, &cause));
    assert_contains(cause, "tol");
    free(cause);
    cause = NULL;
    assert_null(options_parse("lasso", algo("lasso")->options, 1, l1, &cause));
    assert_contains(cause, "lasso has no option 'l1_ratio'");
    free(cause);
    data_free(&d);
}

static void
test_data_refusals(void **unused)
{
    const char *names[] = {"ridge", "lasso", "elasticnet"};
    struct data d;

    (void)unused;
    random_problem(&d, 20, 2, 0, 23);
    for (size_t a = 0; a < 3; a++) {
        char want[128];
        const char *gram[] = {"gram=no", NULL};

        d.X[5 * 2 + 1] = NAN;
        snprintf(want, sizeof(want), "%s: row 6 column 'x2': nan is not a finite number", names[a]);
        check_refusal(names[a], &d, NULL, NULL, AIWB_EDATA, want);
        if (a > 0)
            check_refusal(names[a], &d, NULL, gram, AIWB_EDATA, want);
        d.X[5 * 2 + 1] = 0;
        d.y[2] = INFINITY;
        snprintf(want, sizeof(want), "%s: row 3: the target 'y' is inf, not a finite number",
                 names[a]);
        check_refusal(names[a], &d, NULL, NULL, AIWB_EDATA, want);
        d.y[2] = 0;

        double *w = xcalloc(d.n, sizeof(double));
        for (size_t i = 0; i < d.n; i++)
            w[i] = 1;
        w[9] = -1;
        snprintf(want, sizeof(want), "%s: row 10: the weight -1 is not a finite number >= 0",
                 names[a]);
        check_refusal(names[a], &d, w, NULL, AIWB_EDATA, want);
        /* a non-finite value in a row of weight zero is still refused */
        w[9] = 0;
        d.X[9 * 2] = NAN;
        snprintf(want, sizeof(want), "%s: row 10 column 'x1': nan is not a finite number",
                 names[a]);
        check_refusal(names[a], &d, w, NULL, AIWB_EDATA, want);
        d.X[9 * 2] = 1;
        /* one row of non-zero weight is too few with an intercept */
        for (size_t i = 1; i < d.n; i++)
            w[i] = 0;
        snprintf(want, sizeof(want), "%s: 1 rows of non-zero weight are too few", names[a]);
        check_refusal(names[a], &d, w, NULL, AIWB_EDATA, want);
        free(w);

        for (size_t i = 0; i < d.n; i++)
            d.y[i] = 7.5;
        snprintf(want, sizeof(want), "%s: the target 'y' is constant (7.5 in every row)", names[a]);
        check_refusal(names[a], &d, NULL, NULL, AIWB_EDATA, want);
        /* without an intercept a constant target is fine, unless it is zero */
        const char *through0[] = {"intercept=false", NULL};
        struct run ok;
        assert_int_equal(run_init(&ok, names[a], &d, NULL, through0), AIWB_OK);
        run_release(&ok);
        for (size_t i = 0; i < d.n; i++)
            d.y[i] = 0;
        snprintf(want, sizeof(want), "%s: the target 'y' is constant (0 in every row)", names[a]);
        check_refusal(names[a], &d, NULL, through0, AIWB_EDATA, want);
        data_free(&d);
        random_problem(&d, 20, 2, 0, 23);

        const char *noint[] = {"intercept=false", NULL};
        snprintf(want, sizeof(want), "%s: no features and no intercept: there is nothing to fit",
                 names[a]);
        d.p = 0;
        check_refusal(names[a], &d, NULL, noint, AIWB_EINVAL, want);
        d.p = 2;
    }
    data_free(&d);
}

/* What the registry shows, and the use of a model before its fit. */
static void
test_registration(void **unused)
{
    const char *names[] = {"ridge", "lasso", "elasticnet"};
    struct data d;

    (void)unused;
    tu_load_plugins();
    random_problem(&d, 20, 2, 0, 29);
    for (size_t a = 0; a < 3; a++) {
        const struct component *c = registry_find(COMPONENT_ALGORITHM, names[a]);
        struct run r;
        double out;

        assert_non_null(c);
        assert_string_equal(c->module->name, a == 0 ? "ridge" : "lasso");
        assert_string_equal(c->module->version, "1.0.0");
        assert_true(c->flags & AIWB_TASK_REGRESSION);
        assert_true(c->flags & AIWB_CAP_WEIGHTS);
        assert_false(c->flags & (AIWB_TASK_CLASSIFICATION | AIWB_CAP_MISSING));
        assert_non_null(options_spec_find(c->options, "intercept"));
        assert_non_null(options_spec_find(c->options, a == 0 ? "lambda" : "alpha"));
        assert_int_equal(options_spec_find(c->options, "l1_ratio") != NULL, a == 2);

        assert_int_equal(run_init(&r, names[a], &d, NULL, NULL), AIWB_OK);
        assert_int_equal(r.type->predict(r.state, 1, d.X, d.p, &out), AIWB_EINVAL);
        struct aiwb_table *t = table_new(NULL);
        assert_int_equal(r.type->report(r.state, t), AIWB_EINVAL);
        table_free(t);
        struct aiwb_writer *w = writer_new();
        assert_int_equal(r.type->save(r.state, w), AIWB_EINVAL);
        writer_free(w);
        if (a == 0) { /* one-shot: stopped before its only iterate, there is no model */
            assert_int_equal(r.type->finish(r.state, &r.prob, &r.cause), AIWB_ERR);
            assert_contains(r.cause, "ridge: training stopped before the fit was done");
        } else { /* zero passes: the model of zero slopes */
            assert_int_equal(r.type->finish(r.state, &r.prob, &r.cause), AIWB_OK);
            assert_int_equal(r.type->predict(r.state, 1, d.X, d.p, &out), AIWB_OK);
        }
        run_release(&r);
    }
    data_free(&d);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ridge_like_r),
        cmocka_unit_test(test_ridge_like_sklearn),
        cmocka_unit_test(test_ridge_like_lm_ridge),
        cmocka_unit_test(test_ridge_gcv_like_r),
        cmocka_unit_test(test_ridge_path_without_gcv),
        cmocka_unit_test(test_ridge_exact_fallback),
        cmocka_unit_test(test_ridge_lambda_zero),
        cmocka_unit_test(test_threads_same_numbers),
        cmocka_unit_test(test_weights_repeat_rows),
        cmocka_unit_test(test_ridge_intercept_only),
        cmocka_unit_test(test_lasso_like_sklearn),
        cmocka_unit_test(test_elasticnet_like_sklearn),
        cmocka_unit_test(test_orthogonal_closed_form),
        cmocka_unit_test(test_kkt_random),
        cmocka_unit_test(test_lasso_path_like_sklearn),
        cmocka_unit_test(test_lasso_iterations),
        cmocka_unit_test(test_save_load),
        cmocka_unit_test(test_load_refuses_damage),
        cmocka_unit_test(test_option_refusals),
        cmocka_unit_test(test_data_refusals),
        cmocka_unit_test(test_registration),
    };

    gsl_set_error_handler_off();
    log_set_sink(NULL, NULL, AIWB_LOG_ERROR);
    return cmocka_run_group_tests_name("linear", tests, NULL, NULL);
}
