/*
 * test-logistic.c - the logistic algorithm plugin: its optimum against an
 * independent Newton solver of the same objective and against scikit-learn,
 * probabilities, report, save/load, max_iter, and every refusal.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Reference numbers: tests/data/algo/sklearn-logistic.txt, made by
 * make-fixtures.py (see there to regenerate) on iris.csv and binary.csv.
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

/* The option scikit-learn calls C (see OPT_C in plugins/algo-logistic.c). */
#define OPT_C "C"

/* ---------------------------------------------------------------------------
 * Helpers: data, reference numbers, running the plugin.
 */

/* A classification problem: n rows of p features, class codes in y. */
struct data {
    size_t n, p, k;
    double *X; /* row-major, stride p */
    double *y;
    double *w; /* NULL, or n weights */
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
    free(d->w);
    memset(d, 0, sizeof(*d));
}

/*
 * Read a CSV of numbers at REL (relative to the source tree): the class code
 * in the last column, and the column named "w" (if any) as weights, not a
 * feature.
 */
static void
data_read_at(struct data *d, const char *rel, size_t k)
{
    char *path = tu_srcpath(rel);
    FILE *f = fopen(path, "r");
    char line[4096];
    size_t cols = 1, alloc = 0, wcol = (size_t)-1;

    assert_non_null(f);
    memset(d, 0, sizeof(*d));
    d->k = k;
    assert_non_null(fgets(line, sizeof(line), f));
    line[strcspn(line, "\r\n")] = '\0';
    for (char *c = line; *c; c++)
        cols += *c == ',';
    d->names = xcalloc(cols, sizeof(char *));
    char *tok = strtok(line, ",");
    for (size_t j = 0; j + 1 < cols; j++, tok = strtok(NULL, ",")) {
        if (strcmp(tok, "w") == 0)
            wcol = j;
        else
            d->names[d->p++] = xstrdup(tok);
    }
    while (fgets(line, sizeof(line), f) != NULL) {
        char *p = line, *end;
        size_t f_at = 0;
        if (d->n == alloc) {
            alloc = alloc ? 2 * alloc : 256;
            d->X = xreallocarray(d->X, alloc * d->p, sizeof(double));
            d->y = xreallocarray(d->y, alloc, sizeof(double));
            if (wcol != (size_t)-1)
                d->w = xreallocarray(d->w, alloc, sizeof(double));
        }
        for (size_t j = 0; j < cols; j++) {
            double v = strtod(p, &end);
            assert_true(end != p);
            if (j == wcol)
                d->w[d->n] = v;
            else if (j + 1 < cols)
                d->X[d->n * d->p + f_at++] = v;
            else
                d->y[d->n] = v;
            p = end + 1;
        }
        d->n++;
    }
    fclose(f);
    free(path);
}

/* The same for a CSV under tests/data/algo. */
static void
data_read(struct data *d, const char *name, size_t k)
{
    char *rel = xasprintf("tests/data/algo/%s", name);

    data_read_at(d, rel, k);
    free(rel);
}

/* The numbers (at most MAX) on the line "KEY v1 v2 ..." of the file REL. */
static size_t
ref_get_in(const char *rel, const char *key, double *v, size_t max)
{
    char *path = tu_srcpath(rel), *line = NULL;
    FILE *f = fopen(path, "r");
    size_t n = 0, cap = 0;

    assert_non_null(f);
    while (getline(&line, &cap, f) > 0) {
        char *save = NULL, *tok = strtok_r(line, " \n", &save);
        if (tok == NULL || strcmp(tok, key) != 0)
            continue;
        while ((tok = strtok_r(NULL, " \n", &save)) != NULL && n < max)
            v[n++] = strtod(tok, NULL);
        break;
    }
    free(line);
    fclose(f);
    free(path);
    if (n == 0)
        fail_msg("no '%s' in %s", key, rel);
    return n;
}

/* The numbers on the line "KEY v1 v2 ..." of sklearn-logistic.txt. */
static size_t
ref_get(const char *key, double *v, size_t max)
{
    return ref_get_in("tests/data/algo/sklearn-logistic.txt", key, v, max);
}

/* |got - want| <= tol * |want|. */
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

/* |got - want| <= tol (absolute). */
#define assert_near(got, want, tol) assert_near_((got), (want), (tol), #got, __FILE__, __LINE__)
static void
assert_near_(double got, double want, double tol, const char *expr, const char *file, int line)
{
    if (fabs(got - want) <= tol)
        return;
    print_error("%s = %.17g, want %.17g (difference %.3g > %g)\n", expr, got, want,
                fabs(got - want), tol);
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

/* One instance of the plugin and its problem. */
struct run {
    const struct aiwb_algorithm_type *type;
    struct aiwb_options *opts;
    void *state;
    struct aiwb_problem prob;
    struct aiwb_step step;
    const char **names;
    const char **classes;
    char *cause;
    int iterations;
};

static const struct aiwb_algorithm_type *
logistic_type(void)
{
    const struct component *c;

    tu_load_plugins();
    c = registry_find(COMPONENT_ALGORITHM, "logistic");
    assert_non_null(c);
    return c->type.algorithm;
}

static const char *const class_names[] = {"alpha", "beta", "gamma", "delta", "epsilon"};

/* Options and init for D with option words WORDS (NULL-terminated). */
static int
run_init(struct run *r, const struct data *d, const char *const *words)
{
    size_t nw = 0;

    memset(r, 0, sizeof(*r));
    r->type = logistic_type();
    while (words != NULL && words[nw] != NULL)
        nw++;
    r->opts = options_parse("logistic", r->type->options, nw, (char *const *)words, &r->cause);
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
        .w = d->w,
        .task = AIWB_TASK_CLASSIFICATION,
        .n_classes = d->k,
        .feature_names = r->names,
        .class_names = class_names,
        .target_name = "label",
    };
    return r->type->init(r->state, r->opts, &r->prob, &r->cause);
}

/* init, iterate as the host does (at most 100000 times), finish. */
static int
run_fit(struct run *r, const struct data *d, const char *const *words)
{
    int rc = run_init(r, d, words);

    if (rc != AIWB_OK)
        return rc;
    do {
        memset(&r->step, 0, sizeof(r->step));
        r->step.iteration = r->iterations;
        rc = r->type->iterate(r->state, &r->prob, &r->step, &r->cause);
        r->iterations++;
    } while (rc == AIWB_CONTINUE && r->iterations < 100000);
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
    return c->v.r;
}

/* A seeded problem of K classes drawn from a softmax model with unequal scales. */
static void
random_problem(struct data *d, size_t n, size_t p, size_t k, unsigned long seed)
{
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    double *W = xcalloc(k * (p + 1), sizeof(double)), *z = xcalloc(k, sizeof(double));

    gsl_rng_set(rng, seed);
    memset(d, 0, sizeof(*d));
    d->n = n;
    d->p = p;
    d->k = k;
    d->X = xcalloc(n * p, sizeof(double));
    d->y = xcalloc(n, sizeof(double));
    d->names = xcalloc(p, sizeof(char *));
    for (size_t j = 0; j < p; j++)
        d->names[j] = xasprintf("f%zu", j);
    for (size_t c = 0; c < k * (p + 1); c++)
        W[c] = gsl_ran_gaussian(rng, 1.0);
    for (size_t i = 0; i < n; i++) {
        double *x = d->X + i * p, sum = 0, u;
        for (size_t j = 0; j < p; j++)
            x[j] = gsl_ran_gaussian(rng, 0.5 + (double)j) + 1.5 * (double)j - 1;
        for (size_t c = 0; c < k; c++) {
            z[c] = W[c * (p + 1) + p];
            for (size_t j = 0; j < p; j++)
                z[c] += W[c * (p + 1) + j] * x[j] / (0.5 + (double)j);
            z[c] = exp(z[c]);
            sum += z[c];
        }
        u = gsl_rng_uniform(rng) * sum;
        size_t c = 0;
        while (c + 1 < k && u > z[c])
            u -= z[c++];
        d->y[i] = (double)c;
    }
    free(z);
    free(W);
    gsl_rng_free(rng);
}

/* ---------------------------------------------------------------------------
 * An independent optimiser: Newton's method with the exact Hessian.
 */

/* What Newton found: the objective, the mean log-loss, the coefficients
 * (class-major, the intercept FIRST in each class, unlike the plugin). */
struct newton {
    double objective, logloss;
    double theta[64];
};

/*
 * f = C * sum_i w_i logloss_i + 0.5 * sum of squared weights (PENALISE),
 * its gradient G and Hessian H (when not NULL) at THETA; returns f and puts
 * the weighted mean log-loss in *LL. M = 1 (sigmoid) or K (softmax).
 */
static double
newton_eval(const struct data *d, double C, int penalise, int intercept, size_t m,
            const double *theta, double *G, gsl_matrix *H, double *ll)
{
    const size_t q = d->p + 1, nt = m * q;
    double f = 0, sw = 0, xt[16], prob[8], zs[8];

    if (G != NULL)
        memset(G, 0, nt * sizeof(double));
    if (H != NULL)
        gsl_matrix_set_zero(H);
    *ll = 0;
    for (size_t i = 0; i < d->n; i++) {
        double wi = d->w ? d->w[i] : 1.0, li;
        size_t yi = (size_t)d->y[i];
        xt[0] = intercept ? 1.0 : 0.0;
        for (size_t j = 0; j < d->p; j++)
            xt[j + 1] = d->X[i * d->p + j];
        for (size_t c = 0; c < m; c++) {
            zs[c] = 0;
            for (size_t j = 0; j < q; j++)
                zs[c] += theta[c * q + j] * xt[j];
        }
        if (m == 1) {
            prob[0] = 1 / (1 + exp(-zs[0]));
            li = yi ? log1p(exp(-zs[0])) : log1p(exp(zs[0]));
        } else {
            double mx = zs[0], s = 0;
            for (size_t c = 1; c < m; c++)
                mx = zs[c] > mx ? zs[c] : mx;
            for (size_t c = 0; c < m; c++)
                s += exp(zs[c] - mx);
            for (size_t c = 0; c < m; c++)
                prob[c] = exp(zs[c] - mx) / s;
            li = mx + log(s) - zs[yi];
        }
        *ll += wi * li;
        sw += wi;
        for (size_t c = 0; c < m && G != NULL; c++) {
            double r = prob[c] - (m == 1 ? (double)yi : (double)(c == yi));
            for (size_t j = 0; j < q; j++)
                G[c * q + j] += C * wi * r * xt[j];
        }
        for (size_t a = 0; a < m && H != NULL; a++) {
            for (size_t b = 0; b < m; b++) {
                double h = m == 1 ? prob[0] * (1 - prob[0]) : prob[a] * ((a == b) - prob[b]);
                for (size_t j = 0; j < q; j++)
                    for (size_t l = 0; l < q; l++)
                        *gsl_matrix_ptr(H, a * q + j, b * q + l) += C * wi * h * xt[j] * xt[l];
            }
        }
    }
    f = C * *ll;
    *ll /= sw;
    for (size_t c = 0; c < m; c++) {
        for (size_t j = 1; j < q; j++) {
            if (penalise) {
                f += 0.5 * theta[c * q + j] * theta[c * q + j];
                if (G != NULL)
                    G[c * q + j] += theta[c * q + j];
                if (H != NULL)
                    *gsl_matrix_ptr(H, c * q + j, c * q + j) += 1;
            }
        }
        if (!intercept && H != NULL) /* the unused intercept: keep H regular */
            *gsl_matrix_ptr(H, c * q, c * q) += 1;
    }
    /* The softmax does not change when every intercept moves alike: add
     * that direction to H (the gradient is orthogonal to it) so that H is
     * regular and the step stays where the intercepts sum to zero. */
    if (m > 1 && intercept && H != NULL)
        for (size_t a = 0; a < m; a++)
            for (size_t b = 0; b < m; b++)
                *gsl_matrix_ptr(H, a * q, b * q) += 1.0 / (double)m;
    return f;
}

/* Minimise with damped Newton steps until the gradient is at rounding level. */
static void
newton_solve(const struct data *d, double C, int penalise, int intercept, struct newton *out)
{
    const size_t m = d->k > 2 ? d->k : 1, q = d->p + 1, nt = m * q;
    gsl_matrix *H = gsl_matrix_alloc(nt, nt);
    gsl_vector *g = gsl_vector_alloc(nt), *step = gsl_vector_alloc(nt);
    double theta[64] = {0}, trial[64], G[64], f, ll;

    assert_true(nt <= 64);
    f = newton_eval(d, C, penalise, intercept, m, theta, G, H, &ll);
    for (int it = 0; it < 100; it++) {
        double gmax = 0;
        for (size_t j = 0; j < nt; j++) {
            gsl_vector_set(g, j, G[j]);
            gmax = fabs(G[j]) > gmax ? fabs(G[j]) : gmax;
        }
        if (gmax <= 1e-13 * (fabs(f) > 1 ? fabs(f) : 1))
            break;
        assert_int_equal(gsl_linalg_cholesky_decomp1(H), GSL_SUCCESS);
        assert_int_equal(gsl_linalg_cholesky_solve(H, g, step), GSL_SUCCESS);
        double t = 1, ft, llt;
        for (;;) {
            for (size_t j = 0; j < nt; j++)
                trial[j] = theta[j] - t * gsl_vector_get(step, j);
            ft = newton_eval(d, C, penalise, intercept, m, trial, NULL, NULL, &llt);
            if (ft <= f || t < 1e-10)
                break;
            t /= 2;
        }
        if (ft >= f && t < 1)
            break; /* no decrease left at rounding level */
        memcpy(theta, trial, nt * sizeof(double));
        f = newton_eval(d, C, penalise, intercept, m, theta, G, H, &ll);
    }
    out->objective = f;
    out->logloss = ll;
    memcpy(out->theta, theta, sizeof(theta));
    gsl_vector_free(step);
    gsl_vector_free(g);
    gsl_matrix_free(H);
}

/* Compare a fitted run with Newton's optimum of the same objective. */
static void
check_against_newton(const struct data *d, double C, int penalise, int intercept)
{
    char cw[32];
    const char *words[] = {cw,
                           penalise ? "penalty=l2" : "penalty=none",
                           intercept ? "intercept=yes" : "intercept=no",
                           "tol=1e-10",
                           "max_iter=1000",
                           NULL};
    const size_t m = d->k > 2 ? d->k : 1, q = d->p + 1;
    struct newton nw;
    struct run r;

    snprintf(cw, sizeof(cw), OPT_C "=%.17g", C);
    newton_solve(d, C, penalise, intercept, &nw);
    if (run_fit(&r, d, words) != AIWB_OK)
        fail_msg("%s", r.cause);
    assert_rel(step_get(&r.step, "objective"), nw.objective, 1e-9);
    assert_rel(step_get(&r.step, "loss"), nw.logloss, 1e-7);
    assert_true(step_get(&r.step, "converged") == 1);
    /* The coefficients, to what the flatness of the optimum allows,
     * relative to the largest of them. */
    struct aiwb_table *t = run_report(&r);
    double big = 0;
    for (size_t i = 0; i < m * q; i++)
        big = fmax(big, fabs(nw.theta[i]));
    for (size_t c = 0; c < m; c++)
        for (size_t j = intercept ? 0 : 1; j < q; j++)
            assert_near(cell_real(t, j - (intercept ? 0 : 1), 1 + c), nw.theta[c * q + j],
                        1e-5 * big);
    table_free(t);
    run_release(&r);
}

static void
test_binary_like_newton(void **unused)
{
    struct data d;

    (void)unused;
    random_problem(&d, 500, 5, 2, 20240611);
    check_against_newton(&d, 0.7, 1, 1);
    check_against_newton(&d, 0.7, 1, 0);
    check_against_newton(&d, 1.0, 0, 1); /* not separable: a finite optimum */
    d.w = xcalloc(d.n, sizeof(double));
    for (size_t i = 0; i < d.n; i++)
        d.w[i] = 0.25 + (double)(i % 7) / 3;
    check_against_newton(&d, 3.0, 1, 1);
    data_free(&d);
}

static void
test_multinomial_like_newton(void **unused)
{
    struct data d;

    (void)unused;
    random_problem(&d, 600, 3, 4, 99);
    check_against_newton(&d, 0.5, 1, 1);
    check_against_newton(&d, 20.0, 1, 1);
    check_against_newton(&d, 1.0, 1, 0);
    data_free(&d);
}

/*
 * Compare with scikit-learn's fit NAME. Its lbfgs stops on scipy's test of
 * the objective's change (ftol 2.2e-9) however small tol is, so its optimum
 * is only that good: the objective must agree to 1e-8 (and ours be no
 * higher), the loss and the coefficients only to what that allows.
 */
static void
check_against_sklearn(const struct data *d, const char *name, double C, int intercept)
{
    char cw[32], key[64];
    const char *words[] = {cw, intercept ? "intercept=true" : "intercept=false", "tol=1e-9", NULL};
    const size_t m = d->k > 2 ? d->k : 1;
    double v[32], big = 0;
    struct run r;

    snprintf(cw, sizeof(cw), OPT_C "=%.17g", C);
    assert_int_equal(run_fit(&r, d, words), AIWB_OK);
    snprintf(key, sizeof(key), "%s.objective", name);
    ref_get(key, v, 1);
    assert_rel(step_get(&r.step, "objective"), v[0], 1e-8);
    assert_true(step_get(&r.step, "objective") <= v[0] * (1 + 1e-13));
    snprintf(key, sizeof(key), "%s.logloss", name);
    ref_get(key, v, 1);
    assert_rel(step_get(&r.step, "loss"), v[0], 1e-4);

    struct aiwb_table *t = run_report(&r);
    assert_int_equal(table_rows(t), d->p + (size_t)intercept);
    snprintf(key, sizeof(key), "%s.coef", name);
    assert_int_equal(ref_get(key, v, 32), m * d->p);
    for (size_t i = 0; i < m * d->p; i++)
        big = fmax(big, fabs(v[i]));
    for (size_t c = 0; c < m; c++)
        for (size_t j = 0; j < d->p; j++)
            assert_near(cell_real(t, j + (size_t)intercept, 1 + c), v[c * d->p + j], 1e-3 * big);
    if (intercept) {
        snprintf(key, sizeof(key), "%s.intercept", name);
        assert_int_equal(ref_get(key, v, 32), m);
        for (size_t c = 0; c < m; c++)
            assert_rel(cell_real(t, 0, 1 + c), v[c], 1e-3);
    }
    table_free(t);
    run_release(&r);
}

static void
test_like_sklearn(void **unused)
{
    struct data d;

    (void)unused;
    data_read(&d, "iris.csv", 3);
    assert_int_equal(d.n, 150);
    check_against_sklearn(&d, "iris", 1.0, 1);
    check_against_sklearn(&d, "iris_c01_noint", 0.1, 0);
    data_free(&d);

    data_read(&d, "binary.csv", 2);
    assert_int_equal(d.n, 300);
    assert_int_equal(d.p, 4);
    double *w = d.w;
    d.w = NULL;
    check_against_sklearn(&d, "binary", 0.5, 1);
    check_against_sklearn(&d, "binary_noint", 1.0, 0);
    d.w = w;
    check_against_sklearn(&d, "binary_weighted", 2.0, 1);
    data_free(&d);
}

/*
 * Compare an L1 or elastic-net fit (options WORDS) with scikit-learn's fit
 * NAME in tests/data/classifiers/reference.txt: saga with tol 1e-12, whose
 * KKT conditions hold there to 4e-11 of the objective or better (see
 * make-classifiers.py). Our fit is asked for tol=1e-10; then the objective
 * must agree to 1e-12 (measured: 3e-16 at worst), the log-loss to 1e-9, the
 * weights that are exactly zero must be the same ones, and the coefficients
 * agree to 1e-7 of the largest (measured: 1.4e-9 at worst, iris).
 */
static void
check_l1_against_sklearn(const struct data *d, const char *name, const char *const *words)
{
    const char *rel = "tests/data/classifiers/reference.txt";
    const size_t m = d->k > 2 ? d->k : 1;
    int intercept = 1;
    char key[64];
    double v[64], big = 0;
    size_t zeros = 0;
    struct run r;

    for (size_t i = 0; words[i] != NULL; i++)
        intercept &= strcmp(words[i], "intercept=false") != 0;
    if (run_fit(&r, d, words) != AIWB_OK)
        fail_msg("%s: %s", name, r.cause);
    assert_true(step_get(&r.step, "converged") == 1);
    snprintf(key, sizeof(key), "%s.objective", name);
    ref_get_in(rel, key, v, 1);
    assert_rel(step_get(&r.step, "objective"), v[0], 1e-12);
    snprintf(key, sizeof(key), "%s.logloss", name);
    ref_get_in(rel, key, v, 1);
    assert_rel(step_get(&r.step, "loss"), v[0], 1e-9);

    struct aiwb_table *t = run_report(&r);
    assert_int_equal(table_rows(t), d->p + (size_t)intercept);
    snprintf(key, sizeof(key), "%s.coef", name);
    assert_int_equal(ref_get_in(rel, key, v, 64), m * d->p);
    for (size_t i = 0; i < m * d->p; i++) {
        big = fmax(big, fabs(v[i]));
        zeros += v[i] == 0;
    }
    assert_true(zeros > 0); /* else the case would not test sparsity */
    for (size_t c = 0; c < m; c++) {
        for (size_t j = 0; j < d->p; j++) {
            double got = cell_real(t, j + (size_t)intercept, 1 + c), want = v[c * d->p + j];
            if ((got == 0) != (want == 0))
                fail_msg("%s: the weight of '%s' (class %zu) is %.17g, scikit-learn's %.17g", name,
                         d->names[j], c, got, want);
            assert_near(got, want, 1e-7 * big);
        }
    }
    assert_true(step_get(&r.step, "nonzero") == (double)(m * d->p - zeros));
    char want[96];
    snprintf(want, sizeof(want), "%zu of %zu weights are zero (", zeros, m * d->p);
    int found = 0;
    for (size_t i = 0; i < t->nnotes; i++)
        found |= strstr(t->notes[i], want) != NULL;
    assert_true(found);
    /* Three classes: the softmax ignores a common shift of the intercepts,
     * so only their differences are compared here (see the next test). */
    if (intercept) {
        double shift = 0;
        snprintf(key, sizeof(key), "%s.intercept", name);
        assert_int_equal(ref_get_in(rel, key, v, 64), m);
        for (size_t c = 0; m > 1 && c < m; c++)
            shift += cell_real(t, 0, 1 + c) / (double)m;
        for (size_t c = 0; c < m; c++)
            assert_near(cell_real(t, 0, 1 + c) - shift, v[c], 1e-7 * fmax(big, fabs(v[c])));
    }
    table_free(t);
    run_release(&r);
}

/*
 * G, the gradient of C * sum_i w_i logloss_i at the coefficients of the
 * report T (M vectors of P weights after the intercept row), as K x (P + 1)
 * numbers, the intercept's last. For problems of any size.
 */
static void
loss_gradient(const struct data *d, double C, const struct aiwb_table *t, size_t m, double *G)
{
    const size_t p = d->p, q = p + 1;
    double *theta = xcalloc(m * q, sizeof(double)), *z = xcalloc(m, sizeof(double));

    memset(G, 0, m * q * sizeof(double));
    for (size_t k = 0; k < m; k++) {
        theta[k * q + p] = cell_real(t, 0, 1 + k);
        for (size_t j = 0; j < p; j++)
            theta[k * q + j] = cell_real(t, 1 + j, 1 + k);
    }
    for (size_t i = 0; i < d->n; i++) {
        const double *x = d->X + i * p;
        double wi = d->w ? d->w[i] : 1.0, mx = -HUGE_VAL, sum = 0;
        size_t yi = (size_t)d->y[i];
        for (size_t k = 0; k < m; k++) {
            z[k] = theta[k * q + p];
            for (size_t j = 0; j < p; j++)
                z[k] += theta[k * q + j] * x[j];
            mx = fmax(mx, z[k]);
        }
        for (size_t k = 0; k < m; k++)
            sum += exp(z[k] - mx);
        for (size_t k = 0; k < m; k++) {
            double r = m == 1 ? 1 / (1 + exp(-z[0])) - (double)yi
                              : exp(z[k] - mx) / sum - (double)(k == yi);
            for (size_t j = 0; j < p; j++)
                G[k * q + j] += C * wi * r * x[j];
            G[k * q + p] += C * wi * r;
        }
    }
    free(z);
    free(theta);
}

/*
 * More than 500 coefficients: OWL-QN instead of proximal Newton. Four
 * classes of 130 features on 400 rows, odd features 100 times the scale of
 * even ones and off-centre, the class driven by six of them: at the end the
 * KKT conditions of the L1 optimum hold, to what the stopping rule promises
 * (a pseudo-gradient of at most tol * max(1, f) for the standardised
 * coefficients, which is (s_j + |m_j|) times that for weight j of mean m_j
 * and sd s_j).
 */
static void
test_l1_owlqn_optimality(void **unused)
{
    const char *words[] = {OPT_C "=0.02", "penalty=l1", "tol=1e-9", "max_iter=20000", NULL};
    const size_t m = 4, p = 130, q = p + 1, n = 400;
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    double *G = xcalloc(m * q, sizeof(double)), *span = xcalloc(p, sizeof(double));
    struct data d = {.n = n, .p = p, .k = m};
    struct run r;
    size_t zeros = 0;

    (void)unused;
    gsl_rng_set(rng, 777);
    d.X = xcalloc(n * p, sizeof(double));
    d.y = xcalloc(n, sizeof(double));
    d.names = xcalloc(p, sizeof(char *));
    for (size_t j = 0; j < p; j++)
        d.names[j] = xasprintf("f%zu", j);
    for (size_t i = 0; i < n; i++) {
        double *x = d.X + i * p, z[4];
        for (size_t j = 0; j < p; j++)
            x[j] = gsl_ran_gaussian(rng, 1.0) * (j % 2 ? 100 : 1) + (j % 2 ? 50 : 0);
        for (size_t k = 0; k < m; k++)
            z[k] = x[k] / (k % 2 ? 100 : 1) + 0.5 * x[k + 4] / (k % 2 ? 100 : 1) +
                   gsl_ran_gaussian(rng, 1.0);
        size_t best = 0;
        for (size_t k = 1; k < m; k++)
            best = z[k] > z[best] ? k : best;
        d.y[i] = (double)best;
    }
    for (size_t j = 0; j < p; j++) {
        double mean = 0, var = 0;
        for (size_t i = 0; i < n; i++)
            mean += d.X[i * p + j] / (double)n;
        for (size_t i = 0; i < n; i++)
            var += pow(d.X[i * p + j] - mean, 2) / (double)n;
        span[j] = sqrt(var) + fabs(mean);
    }
    if (run_fit(&r, &d, words) != AIWB_OK)
        fail_msg("%s", r.cause);
    assert_true(step_get(&r.step, "converged") == 1);
    struct aiwb_table *t = run_report(&r);
    loss_gradient(&d, 0.02, t, m, G);
    double tol = 1e-9 * fmax(1, step_get(&r.step, "objective"));
    for (size_t k = 0; k < m; k++) {
        assert_near(G[k * q + p], 0, tol);
        for (size_t j = 0; j < p; j++) {
            double wj = cell_real(t, 1 + j, 1 + k), g = G[k * q + j];
            if (wj == 0) {
                zeros++;
                assert_true(fabs(g) <= 1 + tol * span[j]);
            } else {
                assert_near(g, wj > 0 ? -1 : 1, tol * span[j]);
            }
        }
    }
    assert_true(zeros > m * p / 2 && zeros < m * p);
    assert_true(step_get(&r.step, "nonzero") == (double)(m * p - zeros));
    table_free(t);
    run_release(&r);
    free(span);
    free(G);
    gsl_rng_free(rng);
    data_free(&d);
}

/*
 * Of the equivalent three-class optima (the intercepts shifted alike), the
 * L1 fit keeps the one whose intercepts sum to zero, as the L2 fit does and
 * as the comment of l1_centre_intercepts in algo-logistic.c promises.
 */
static void
test_l1_intercepts_sum_to_zero(void **unused)
{
    static const char *const l1[] = {OPT_C "=1", "penalty=l1", "tol=1e-10", "max_iter=10000",
                                      NULL};
    static const char *const l2[] = {OPT_C "=1", "tol=1e-10", NULL};
    const char *const *cases[] = {l2, l1};
    struct data d;
    struct run r;

    (void)unused;
    data_read(&d, "iris.csv", 3);
    for (size_t i = 0; i < 2; i++) {
        assert_int_equal(run_fit(&r, &d, cases[i]), AIWB_OK);
        struct aiwb_table *t = run_report(&r);
        double sum = 0, big = 0;
        for (size_t c = 0; c < 3; c++) {
            sum += cell_real(t, 0, 1 + c);
            big = fmax(big, fabs(cell_real(t, 0, 1 + c)));
        }
        if (fabs(sum) > 1e-9 * big)
            fail_msg("%s: the intercepts %.10g %.10g %.10g sum to %.10g, not 0", cases[i][1],
                     cell_real(t, 0, 1), cell_real(t, 0, 2), cell_real(t, 0, 3), sum);
        table_free(t);
        run_release(&r);
    }
    data_free(&d);
}

static void
test_l1_like_sklearn(void **unused)
{
    static const char *const iris_l1[] = {OPT_C "=1", "penalty=l1", "tol=1e-10",
                                          "max_iter=10000", NULL};
    static const char *const iris_en[] = {OPT_C "=0.5", "penalty=elasticnet", "l1_ratio=0.3",
                                          "tol=1e-10", "max_iter=10000", NULL};
    static const char *const bin_l1[] = {OPT_C "=0.03", "penalty=l1", "tol=1e-10",
                                         "max_iter=10000", NULL};
    static const char *const bin_w[] = {OPT_C "=0.01", "penalty=l1", "tol=1e-10",
                                        "max_iter=10000", NULL};
    static const char *const bin_noint[] = {OPT_C "=0.02", "penalty=l1", "intercept=false",
                                            "tol=1e-10", "max_iter=10000", NULL};
    static const char *const dia_l1[] = {OPT_C "=0.05", "penalty=l1", "tol=1e-10",
                                         "max_iter=10000", NULL};
    static const char *const dia_en[] = {OPT_C "=0.05", "penalty=elasticnet", "l1_ratio=0.7",
                                         "tol=1e-10", "max_iter=10000", NULL};
    struct data d;

    (void)unused;
    data_read(&d, "iris.csv", 3);
    check_l1_against_sklearn(&d, "iris_l1", iris_l1);
    check_l1_against_sklearn(&d, "iris_en", iris_en);
    data_free(&d);

    data_read(&d, "binary.csv", 2);
    double *w = d.w;
    d.w = NULL;
    check_l1_against_sklearn(&d, "binary_l1", bin_l1);
    check_l1_against_sklearn(&d, "binary_l1_noint", bin_noint);
    d.w = w;
    check_l1_against_sklearn(&d, "binary_l1_w", bin_w);
    data_free(&d);

    data_read_at(&d, "tests/data/classifiers/diabetes-binary.csv", 2);
    assert_int_equal(d.n, 442);
    assert_int_equal(d.p, 10);
    check_l1_against_sklearn(&d, "diabetes_l1", dia_l1);
    check_l1_against_sklearn(&d, "diabetes_en", dia_en);
    data_free(&d);
}

/*
 * The L1 fits against the definition of their optimum, on a random problem
 * of four classes and six features: at the end, for each weight, the
 * gradient G of C * sum(w_i logloss_i) + (1 - r) ||W||^2 / 2 is -r sign(W)
 * where W is not zero and within [-r, r] where it is, and the intercepts'
 * gradient is zero (checked with the independent Newton code's gradient).
 * Elastic net with l1_ratio=0 is the L2 fit, and a large penalty zeroes all.
 */
static void
test_l1_optimality(void **unused)
{
    struct data d;
    struct run r;
    const size_t m = 4, q = 7;
    double theta[64], G[64], ll;

    (void)unused;
    random_problem(&d, 400, 6, 4, 4242);
    d.w = xcalloc(d.n, sizeof(double));
    for (size_t i = 0; i < d.n; i++)
        d.w[i] = 0.5 + (double)(i % 3);
    static const struct {
        const char *ratio;
        double r, C;
    } cases[] = {{NULL, 1.0, 0.05}, {"l1_ratio=0.5", 0.5, 0.1}, {"l1_ratio=1", 1.0, 0.05}};
    for (size_t c = 0; c < sizeof(cases) / sizeof(*cases); c++) {
        char cw[32];
        const char *words[] = {cw, cases[c].ratio ? "penalty=elasticnet" : "penalty=l1",
                               "tol=1e-11", "max_iter=10000", cases[c].ratio, NULL};
        snprintf(cw, sizeof(cw), OPT_C "=%g", cases[c].C);
        if (run_fit(&r, &d, words) != AIWB_OK)
            fail_msg("%s", r.cause);
        struct aiwb_table *t = run_report(&r);
        size_t zeros = 0;
        for (size_t k = 0; k < m; k++) {
            theta[k * q] = cell_real(t, 0, 1 + k);
            for (size_t j = 1; j < q; j++)
                theta[k * q + j] = cell_real(t, j, 1 + k);
        }
        newton_eval(&d, cases[c].C, 0, 1, m, theta, G, NULL, &ll);
        double f = step_get(&r.step, "objective"), tol = 1e-9 * fmax(1, f);
        for (size_t k = 0; k < m; k++) {
            assert_near(G[k * q], 0, tol);
            for (size_t j = 1; j < q; j++) {
                double wj = theta[k * q + j], g = G[k * q + j] + (1 - cases[c].r) * wj;
                if (wj == 0) {
                    zeros++;
                    assert_true(fabs(g) <= cases[c].r + tol);
                } else {
                    assert_near(g, wj > 0 ? -cases[c].r : cases[c].r, tol);
                }
            }
        }
        assert_true(zeros > 0 && zeros < m * (q - 1));
        table_free(t);
        run_release(&r);
    }

    /* l1_ratio=0 is the L2 fit. */
    const char *en0[] = {"penalty=elasticnet", "l1_ratio=0", "tol=1e-10", "max_iter=10000", NULL};
    const char *l2[] = {"penalty=l2", "tol=1e-10", NULL};
    struct run a;
    assert_int_equal(run_fit(&r, &d, en0), AIWB_OK);
    assert_int_equal(run_fit(&a, &d, l2), AIWB_OK);
    assert_rel(step_get(&r.step, "objective"), step_get(&a.step, "objective"), 1e-11);
    run_release(&a);
    run_release(&r);

    /* A penalty larger than every gradient at zero: all weights zero at once. */
    const char *strong[] = {OPT_C "=1e-4", "penalty=l1", NULL};
    assert_int_equal(run_fit(&r, &d, strong), AIWB_OK);
    assert_true(step_get(&r.step, "nonzero") == 0);
    assert_true(step_get(&r.step, "converged") == 1);
    struct aiwb_table *t = run_report(&r);
    for (size_t j = 1; j < q; j++)
        for (size_t k = 0; k < m; k++)
            assert_true(cell_real(t, j, 1 + k) == 0);
    table_free(t);
    run_release(&r);
    data_free(&d);
}

/* Integer weights give the fit of the data with rows repeated. */
static void
test_weights_repeat_rows(void **unused)
{
    struct data d, rep;
    struct run a, b;
    const char *words[] = {"tol=1e-10", NULL};

    (void)unused;
    random_problem(&d, 200, 3, 3, 5);
    d.w = xcalloc(d.n, sizeof(double));
    memset(&rep, 0, sizeof(rep));
    rep.p = d.p;
    rep.k = d.k;
    rep.names = xcalloc(d.p, sizeof(char *));
    for (size_t j = 0; j < d.p; j++)
        rep.names[j] = xstrdup(d.names[j]);
    rep.X = xcalloc(3 * d.n * d.p, sizeof(double));
    rep.y = xcalloc(3 * d.n, sizeof(double));
    for (size_t i = 0; i < d.n; i++) {
        d.w[i] = (double)(i % 4); /* 0 drops the row */
        for (size_t c = 0; c < d.w[i]; c++, rep.n++) {
            memcpy(rep.X + rep.n * d.p, d.X + i * d.p, d.p * sizeof(double));
            rep.y[rep.n] = d.y[i];
        }
    }
    assert_int_equal(run_fit(&a, &d, words), AIWB_OK);
    assert_int_equal(run_fit(&b, &rep, words), AIWB_OK);
    assert_rel(step_get(&a.step, "objective"), step_get(&b.step, "objective"), 1e-9);
    assert_rel(step_get(&a.step, "loss"), step_get(&b.step, "loss"), 1e-7);
    struct aiwb_table *ta = run_report(&a), *tb = run_report(&b);
    for (size_t row = 0; row < table_rows(ta); row++)
        for (size_t c = 1; c <= 3; c++)
            assert_rel(cell_real(ta, row, c), cell_real(tb, row, c), 1e-5);
    table_free(ta);
    table_free(tb);
    run_release(&a);
    run_release(&b);
    data_free(&rep);
    data_free(&d);
}

/* Every iteration reports loss, objective and gradient; the objective never rises. */
static void
test_steps(void **unused)
{
    struct data d;
    struct run r;
    double last = HUGE_VAL;
    int rc, n = 0;

    (void)unused;
    random_problem(&d, 300, 4, 2, 31);
    assert_int_equal(run_init(&r, &d, NULL), AIWB_OK);
    do {
        memset(&r.step, 0, sizeof(r.step));
        rc = r.type->iterate(r.state, &r.prob, &r.step, &r.cause);
        double obj = step_get(&r.step, "objective"), loss = step_get(&r.step, "loss");
        assert_true(obj <= last);
        assert_true(loss > 0 && loss < log(2.0));
        assert_true(step_get(&r.step, "gradient") >= 0);
        last = obj;
        n++;
    } while (rc == AIWB_CONTINUE);
    assert_int_equal(rc, AIWB_OK);
    assert_true(step_get(&r.step, "converged") == 1);
    /* Default tol: the gradient test holds at the end. */
    assert_true(step_get(&r.step, "gradient") <= 1e-6 * last);
    assert_true(n > 1 && n < 100);
    /* After convergence iterate does nothing more. */
    assert_int_equal(r.type->iterate(r.state, &r.prob, &r.step, &r.cause), AIWB_OK);
    assert_int_equal(r.type->finish(r.state, &r.prob, &r.cause), AIWB_OK);
    run_release(&r);
    data_free(&d);
}

/* Probabilities: n x K, rows summing to one, equal to the model's formula. */
static void
test_predict_probabilities(void **unused)
{
    struct data d;
    struct run r;

    (void)unused;
    random_problem(&d, 200, 3, 2, 37);
    assert_int_equal(run_fit(&r, &d, NULL), AIWB_OK);
    assert_int_equal(r.type->n_outputs(r.state), 2);
    struct aiwb_table *t = run_report(&r);
    double b = cell_real(t, 0, 1),
           w[3] = {cell_real(t, 1, 1), cell_real(t, 2, 1), cell_real(t, 3, 1)};
    double *out = xcalloc(2 * d.n, sizeof(double));
    assert_int_equal(r.type->predict(r.state, d.n, d.X, d.p, out), AIWB_OK);
    for (size_t i = 0; i < d.n; i++) {
        double z = b + w[0] * d.X[i * 3] + w[1] * d.X[i * 3 + 1] + w[2] * d.X[i * 3 + 2];
        assert_rel(out[2 * i + 1], 1 / (1 + exp(-z)), 1e-12);
        assert_rel(out[2 * i] + out[2 * i + 1], 1.0, 1e-15);
    }
    /* Extreme scores keep probabilities in [0, 1] without NaN. */
    double far[3] = {1e6, -1e6, 1e6}, pf[2];
    assert_int_equal(r.type->predict(r.state, 1, far, 3, pf), AIWB_OK);
    assert_false(isnan(pf[0]) || isnan(pf[1]));
    assert_rel(pf[0] + pf[1], 1.0, 1e-15);
    free(out);
    table_free(t);
    run_release(&r);
    data_free(&d);

    random_problem(&d, 300, 2, 4, 41);
    assert_int_equal(run_fit(&r, &d, NULL), AIWB_OK);
    assert_int_equal(r.type->n_outputs(r.state), 4);
    out = xcalloc(4 * d.n, sizeof(double));
    assert_int_equal(r.type->predict(r.state, d.n, d.X, d.p, out), AIWB_OK);
    t = run_report(&r);
    for (size_t i = 0; i < d.n; i++) {
        double z[4], mx = -HUGE_VAL, s = 0, sum = 0;
        for (size_t c = 0; c < 4; c++) {
            z[c] = cell_real(t, 0, 1 + c) + cell_real(t, 1, 1 + c) * d.X[i * 2] +
                   cell_real(t, 2, 1 + c) * d.X[i * 2 + 1];
            mx = z[c] > mx ? z[c] : mx;
        }
        for (size_t c = 0; c < 4; c++)
            s += exp(z[c] - mx);
        for (size_t c = 0; c < 4; c++) {
            assert_rel(out[4 * i + c], exp(z[c] - mx) / s, 1e-12);
            sum += out[4 * i + c];
        }
        assert_rel(sum, 1.0, 1e-15);
    }
    /* A row of zero rows is fine. */
    assert_int_equal(r.type->predict(r.state, 0, d.X, d.p, out), AIWB_OK);
    table_free(t);
    free(out);
    run_release(&r);
    data_free(&d);
}

/* The report: one estimate column for two classes, one per class for more. */
static void
test_report(void **unused)
{
    struct data d;
    struct run r;

    (void)unused;
    random_problem(&d, 200, 2, 2, 43);
    assert_int_equal(run_fit(&r, &d, NULL), AIWB_OK);
    struct aiwb_table *t = run_report(&r);
    assert_contains(t->title, "coefficients");
    assert_int_equal(t->ncols, 2);
    assert_string_equal(t->cols[0].name, "term");
    assert_string_equal(t->cols[1].name, "estimate");
    assert_int_equal(table_rows(t), 3);
    assert_string_equal(table_cell(t, 0, 0)->v.s, "(Intercept)");
    assert_string_equal(table_cell(t, 1, 0)->v.s, "f0");
    assert_string_equal(table_cell(t, 2, 0)->v.s, "f1");
    assert_int_equal(t->nnotes, 3);
    assert_string_equal(t->notes[0], "Estimates are log-odds of class 'beta' against 'alpha'");
    assert_contains(t->notes[1], "Converged after ");
    assert_contains(t->notes[2], "Training log-loss: ");
    table_free(t);
    run_release(&r);
    data_free(&d);

    random_problem(&d, 200, 2, 3, 47);
    const char *words[] = {"intercept=false", NULL};
    assert_int_equal(run_fit(&r, &d, words), AIWB_OK);
    t = run_report(&r);
    assert_int_equal(t->ncols, 4);
    assert_string_equal(t->cols[1].name, "alpha");
    assert_string_equal(t->cols[2].name, "beta");
    assert_string_equal(t->cols[3].name, "gamma");
    assert_int_equal(table_rows(t), 2);
    assert_string_equal(table_cell(t, 0, 0)->v.s, "f0");
    table_free(t);
    run_release(&r);
    data_free(&d);
}

/* Messages the plugin logs. */
static char logged[4096];

static void
log_capture(void *arg, enum aiwb_log_level level, const char *msg)
{
    (void)arg;
    (void)level;
    snprintf(logged + strlen(logged), sizeof(logged) - strlen(logged), "%s\n", msg);
}

/* Separable data without penalty: no optimum; max_iter stops it, and it says why. */
static void
test_unpenalised_separable_stops(void **unused)
{
    struct data d;
    struct run r;
    const char *words[] = {"penalty=none", "max_iter=8", NULL};

    (void)unused;
    random_problem(&d, 100, 2, 2, 53);
    for (size_t i = 0; i < d.n; i++)
        d.y[i] = d.X[i * 2] + 0.5 * d.X[i * 2 + 1] > 0.3;
    logged[0] = '\0';
    log_set_sink(log_capture, NULL, AIWB_LOG_WARN);
    int rc = run_fit(&r, &d, words);
    log_set_sink(NULL, NULL, AIWB_LOG_WARN);
    assert_int_equal(rc, AIWB_OK);
    assert_int_equal(r.iterations, 8);
    assert_true(step_get(&r.step, "converged") == 0);
    assert_contains(logged, "logistic: stopped after max_iter=8 iterations without converging");
    struct aiwb_table *t = run_report(&r);
    assert_contains(t->notes[1], "Did not converge within 8 iterations");
    table_free(t);
    run_release(&r);

    /* Left to run, the loss goes to zero as the coefficients grow: the
     * fit ends with R's warning and advice. */
    const char *more[] = {"penalty=none", "max_iter=1000", NULL};
    logged[0] = '\0';
    log_set_sink(log_capture, NULL, AIWB_LOG_WARN);
    rc = run_fit(&r, &d, more);
    log_set_sink(NULL, NULL, AIWB_LOG_WARN);
    assert_int_equal(rc, AIWB_OK);
    assert_true(r.iterations < 1000);
    assert_true(step_get(&r.step, "loss") < 1e-6);
    assert_contains(logged, "logistic: fitted probabilities numerically 0 or 1 occurred: the "
                            "classes are separable (or nearly), and without a penalty the "
                            "coefficients grow without bound; use penalty=l2");
    t = run_report(&r);
    assert_int_equal(t->nnotes, 4);
    assert_contains(t->notes[2], "Warning: fitted probabilities numerically 0 or 1 occurred");
    table_free(t);
    run_release(&r);

    /* With the default penalty the same data has a finite optimum. */
    logged[0] = '\0';
    log_set_sink(log_capture, NULL, AIWB_LOG_WARN);
    rc = run_fit(&r, &d, NULL);
    log_set_sink(NULL, NULL, AIWB_LOG_WARN);
    assert_int_equal(rc, AIWB_OK);
    assert_true(step_get(&r.step, "converged") == 1);
    assert_string_equal(logged, "");
    run_release(&r);
    data_free(&d);
}

/* The fit does not depend on the features' units (without a penalty, whose
 * size does): scaled and shifted features give the same loss and the same
 * model, in about as many iterations. */
static void
test_units_do_not_matter(void **unused)
{
    struct data d;
    struct run a, b;
    const char *words[] = {"penalty=none", "tol=1e-8", NULL};

    (void)unused;
    random_problem(&d, 400, 3, 3, 73);
    assert_int_equal(run_fit(&a, &d, words), AIWB_OK);
    for (size_t i = 0; i < d.n; i++) {
        d.X[i * 3] = d.X[i * 3] * 1000 + 25000; /* dollars, not thousands */
        d.X[i * 3 + 2] *= 1e-3;
    }
    assert_int_equal(run_fit(&b, &d, words), AIWB_OK);
    assert_rel(step_get(&b.step, "loss"), step_get(&a.step, "loss"), 1e-9);
    assert_true(abs(a.iterations - b.iterations) <= 5);
    struct aiwb_table *ta = run_report(&a), *tb = run_report(&b);
    for (size_t c = 1; c <= 3; c++) {
        assert_rel(cell_real(tb, 1, c) * 1000, cell_real(ta, 1, c), 1e-5);
        assert_rel(cell_real(tb, 3, c) * 1e-3, cell_real(ta, 3, c), 1e-5);
    }
    table_free(ta);
    table_free(tb);
    run_release(&a);
    run_release(&b);
    data_free(&d);
}

/* Collinear and constant columns: the penalised optimum is still unique. */
static void
test_collinear_columns(void **unused)
{
    struct data d;

    (void)unused;
    random_problem(&d, 300, 4, 3, 79);
    for (size_t i = 0; i < d.n; i++) {
        d.X[i * 4 + 2] = 2 * d.X[i * 4] - d.X[i * 4 + 1];
        d.X[i * 4 + 3] = 4.5;
    }
    check_against_newton(&d, 1.0, 1, 1);
    check_against_newton(&d, 1.0, 1, 0);
    data_free(&d);
}

/* No features: the intercept alone is the log-odds of the classes (it is
 * never penalised). A class without rows is fitted all the same, with a
 * warning. */
static void
test_intercept_only_and_absent_class(void **unused)
{
    struct data d;
    struct run r;
    double n1 = 0, out[2];

    (void)unused;
    random_problem(&d, 80, 1, 2, 89);
    for (size_t i = 0; i < d.n; i++)
        n1 += d.y[i];
    d.p = 0;
    assert_int_equal(run_fit(&r, &d, NULL), AIWB_OK);
    struct aiwb_table *t = run_report(&r);
    assert_int_equal(table_rows(t), 1);
    assert_rel(cell_real(t, 0, 1), log(n1 / ((double)d.n - n1)), 1e-8);
    assert_int_equal(r.type->predict(r.state, 1, d.X, 0, out), AIWB_OK);
    assert_rel(out[1], n1 / (double)d.n, 1e-8);
    table_free(t);
    run_release(&r);
    d.p = 1;
    data_free(&d);

    random_problem(&d, 90, 2, 3, 97);
    for (size_t i = 0; i < d.n; i++)
        if (d.y[i] == 2)
            d.y[i] = 0;
    logged[0] = '\0';
    log_set_sink(log_capture, NULL, AIWB_LOG_WARN);
    int rc = run_fit(&r, &d, NULL);
    log_set_sink(NULL, NULL, AIWB_LOG_WARN);
    assert_int_equal(rc, AIWB_OK);
    assert_contains(logged, "logistic: class 'gamma' has no rows in the training data");
    double p3[3];
    assert_int_equal(r.type->predict(r.state, 1, d.X, d.p, p3), AIWB_OK);
    assert_true(p3[2] < 0.05);
    run_release(&r);
    data_free(&d);
}

/* Weights so large that the objective overflows: a clear error, no garbage. */
static void
test_overflow_refused(void **unused)
{
    struct data d;
    struct run r;

    (void)unused;
    random_problem(&d, 50, 2, 2, 83);
    d.w = xcalloc(d.n, sizeof(double));
    for (size_t i = 0; i < d.n; i++)
        d.w[i] = 1e307;
    assert_int_equal(run_fit(&r, &d, NULL), AIWB_ENUMERIC);
    assert_contains(r.cause, "logistic: the objective became inf at iteration 1");
    run_release(&r);
    data_free(&d);
}

/* Stopped before any iteration (a cancel), the model is usable as it stands. */
static void
test_finish_before_iterating(void **unused)
{
    struct data d;
    struct run r;
    double out[6];

    (void)unused;
    random_problem(&d, 50, 2, 3, 59);
    assert_int_equal(run_init(&r, &d, NULL), AIWB_OK);
    assert_int_equal(r.type->finish(r.state, &r.prob, &r.cause), AIWB_OK);
    assert_int_equal(r.type->predict(r.state, 2, d.X, d.p, out), AIWB_OK);
    for (size_t i = 0; i < 6; i++)
        assert_rel(out[i], 1.0 / 3, 1e-15);
    run_release(&r);
    data_free(&d);
}

/* ---------------------------------------------------------------------------
 * Saving and loading.
 */

static unsigned char *
save_blob(const struct aiwb_algorithm_type *type, const void *state, size_t *len)
{
    struct aiwb_writer *w = writer_new();
    unsigned char *blob;

    assert_int_equal(type->save(state, w), AIWB_OK);
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

static void
round_trip(const struct data *d, const char *const *words)
{
    struct run r;
    size_t len, len2, K = d->k;
    char *cause = NULL;

    assert_int_equal(run_fit(&r, d, words), AIWB_OK);
    unsigned char *blob = save_blob(r.type, r.state, &len);
    void *copy = xcalloc(1, r.type->state_size);
    assert_int_equal(load_blob(r.type, copy, blob, len, r.type->state_version, &cause), AIWB_OK);
    assert_null(cause);
    assert_int_equal(r.type->n_outputs(copy), K);

    double *p1 = xcalloc(d->n * K, sizeof(double)), *p2 = xcalloc(d->n * K, sizeof(double));
    assert_int_equal(r.type->predict(r.state, d->n, d->X, d->p, p1), AIWB_OK);
    assert_int_equal(r.type->predict(copy, d->n, d->X, d->p, p2), AIWB_OK);
    assert_memory_equal(p1, p2, d->n * K * sizeof(double));

    struct aiwb_table *t1 = run_report(&r), *t2 = table_new(NULL);
    assert_int_equal(r.type->report(copy, t2), AIWB_OK);
    assert_int_equal(t1->ncols, t2->ncols);
    assert_int_equal(table_rows(t1), table_rows(t2));
    for (size_t i = 0; i < t1->nnotes; i++)
        assert_string_equal(t1->notes[i], t2->notes[i]);
    unsigned char *blob2 = save_blob(r.type, copy, &len2);
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
    run_release(&r);
}

static void
test_save_load_round_trip(void **unused)
{
    struct data d;
    const char *noint[] = {"intercept=false", "penalty=none", OPT_C "=3", NULL};

    (void)unused;
    data_read(&d, "iris.csv", 3);
    round_trip(&d, NULL);
    /* Separable setosa without penalty: saved unconverged, and said so. */
    logged[0] = '\0';
    log_set_sink(log_capture, NULL, AIWB_LOG_WARN);
    round_trip(&d, noint);
    log_set_sink(NULL, NULL, AIWB_LOG_WARN);
    assert_contains(logged, "logistic: stopped after max_iter=100 iterations");
    data_free(&d);
    data_read(&d, "binary.csv", 2);
    round_trip(&d, NULL);
    data_free(&d);
}

static void
test_load_refuses_damage(void **unused)
{
    struct data d;
    struct run r;
    size_t len, plen;
    char *cause = NULL;

    (void)unused;
    random_problem(&d, 100, 2, 3, 61);
    assert_int_equal(run_fit(&r, &d, NULL), AIWB_OK);
    unsigned char *blob = save_blob(r.type, r.state, &len);
    void *copy = xcalloc(1, r.type->state_size);

    assert_null(reader_open(blob, len / 2, &cause));
    assert_non_null(cause);
    free(cause);
    cause = NULL;
    assert_int_equal(load_blob(r.type, copy, blob, len, 7, &cause), AIWB_ENOTSUP);
    assert_contains(cause, "logistic: cannot read a model saved with state version 7");
    free(cause);
    cause = NULL;

    /* Sealed but cut short after the class names. */
    struct aiwb_writer *w = writer_new();
    const char *feat[] = {"a", "b"}, *cls[] = {"x", "y", "z"};
    double coef[9] = {0};
    codec_put_real(w, "c", 1.0);
    codec_put_str(w, "penalty", "l2");
    codec_put_int(w, "intercept", 1);
    codec_put_int(w, "max_iter", 100);
    codec_put_real(w, "tol", 1e-6);
    codec_put_strs(w, "features", 2, feat);
    codec_put_strs(w, "classes", 3, cls);
    unsigned char *partial = codec_seal(w, &plen);
    assert_int_equal(load_blob(r.type, copy, partial, plen, 1, &cause), AIWB_EDATA);
    assert_string_equal(cause, "logistic: the saved model is corrupt or incomplete (reading "
                               "'coef')");
    free(cause);
    cause = NULL;
    free(partial);

    /* Coefficients that do not fit the shape. */
    codec_put_reals(w, "coef", 8, coef);
    partial = codec_seal(w, &plen);
    writer_free(w);
    assert_int_equal(load_blob(r.type, copy, partial, plen, 1, &cause), AIWB_EDATA);
    assert_string_equal(cause, "logistic: the saved model is corrupt: 8 coefficients for 3 "
                               "classes and 2 features with intercept");
    free(cause);
    cause = NULL;
    free(partial);

    /* An unknown penalty. */
    w = writer_new();
    codec_put_real(w, "c", 1.0);
    codec_put_str(w, "penalty", "l7");
    partial = codec_seal(w, &plen);
    writer_free(w);
    assert_int_equal(load_blob(r.type, copy, partial, plen, 1, &cause), AIWB_EDATA);
    assert_contains(cause, "(reading 'penalty')");
    free(cause);
    free(partial);

    double out[3];
    assert_int_equal(r.type->predict(copy, 1, d.X, d.p, out), AIWB_EINVAL);
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
test_single_class(void **unused)
{
    struct data d;
    struct run r;

    (void)unused;
    random_problem(&d, 30, 2, 3, 67);
    for (size_t i = 0; i < d.n; i++)
        d.y[i] = 1;
    assert_int_equal(run_init(&r, &d, NULL), AIWB_EDATA);
    assert_string_equal(r.cause, "logistic: the target 'label' has a single class ('beta') in "
                                 "the training data: there is nothing to separate");
    run_release(&r);

    /* Other rows of another class, but all of weight zero. */
    d.w = xcalloc(d.n, sizeof(double));
    for (size_t i = 0; i < d.n; i++)
        d.w[i] = i < 10 ? 0 : 1;
    d.y[3] = 2;
    assert_int_equal(run_init(&r, &d, NULL), AIWB_EDATA);
    assert_contains(r.cause, "has a single class ('beta')");
    run_release(&r);

    d.k = 1;
    assert_int_equal(run_init(&r, &d, NULL), AIWB_EDATA);
    assert_string_equal(r.cause, "logistic: the target 'label' has a single class: there is "
                                 "nothing to separate");
    run_release(&r);
    data_free(&d);
}

static void
test_bad_values(void **unused)
{
    struct data d;
    struct run r;

    (void)unused;
    random_problem(&d, 30, 2, 2, 71);
    d.y[4] = 2;
    assert_int_equal(run_init(&r, &d, NULL), AIWB_EDATA);
    assert_string_equal(r.cause, "logistic: row 5: the target 'label' is 2, not a class code 0..1");
    run_release(&r);
    d.y[4] = 0.5;
    assert_int_equal(run_init(&r, &d, NULL), AIWB_EDATA);
    assert_contains(r.cause, "is 0.5, not a class code");
    run_release(&r);
    d.y[4] = 1;
    d.X[7 * 2] = -INFINITY;
    assert_int_equal(run_init(&r, &d, NULL), AIWB_EDATA);
    assert_string_equal(r.cause, "logistic: row 8 column 'f0': -inf is not a finite number");
    run_release(&r);
    d.X[7 * 2] = 0;
    d.w = xcalloc(d.n, sizeof(double));
    d.w[0] = NAN;
    assert_int_equal(run_init(&r, &d, NULL), AIWB_EDATA);
    assert_string_equal(r.cause, "logistic: row 1: the weight nan is not a finite number >= 0");
    run_release(&r);
    d.w[0] = 0;
    assert_int_equal(run_init(&r, &d, NULL), AIWB_EDATA);
    assert_string_equal(r.cause, "logistic: no rows with a non-zero weight: there is nothing to "
                                 "fit");
    run_release(&r);

    /* Nothing to fit. */
    size_t n = d.n;
    d.n = 0;
    assert_int_equal(run_init(&r, &d, NULL), AIWB_EDATA);
    assert_string_equal(r.cause, "logistic: no rows: there is nothing to fit");
    run_release(&r);
    d.n = n;
    d.p = 0;
    const char *noint[] = {"intercept=false", NULL};
    assert_int_equal(run_init(&r, &d, noint), AIWB_EDATA);
    assert_string_equal(r.cause, "logistic: no features and no intercept: there is nothing to "
                                 "fit");
    run_release(&r);
    d.p = 2;

    /* C = 0 is refused by the declared bound (> 0), before init. */
    char *cause = NULL;
    char *c0[] = {OPT_C "=0", NULL};
    struct aiwb_options *o = options_parse("logistic", logistic_type()->options, 1, c0, &cause);
    assert_null(o);
    assert_string_equal(cause, "logistic: " OPT_C " must be a number > 0, not '0'");
    free(cause);
    data_free(&d);
}

static void
test_bad_options(void **unused)
{
    const struct aiwb_algorithm_type *type = logistic_type();
    static const struct {
        const char *word, *message;
    } cases[] = {
        {OPT_C "=abc", "logistic: " OPT_C " must be a number > 0, not 'abc'"},
        {OPT_C "=-1", "logistic: " OPT_C " must be a number > 0, not '-1'"},
        {"penalty=l3", "logistic: penalty must be one of l2|l1|elasticnet|none, not 'l3'"},
        {"penalty=", "logistic: penalty must be one of l2|l1|elasticnet|none, not ''"},
        {"l1_ratio=1.5", "logistic: l1_ratio must be a number from 0 to 1, not '1.5'"},
        {"l1_ratio=-0.1", "logistic: l1_ratio must be a number from 0 to 1, not '-0.1'"},
        {"max_iter=0", "logistic: max_iter must be an integer >= 1, not '0'"},
        {"max_iter=2.5", "logistic: max_iter must be an integer >= 1, not '2.5'"},
        {"tol=-1e-3", "logistic: tol must be a number >= 0, not '-1e-3'"},
        {"intercept=2", "logistic: intercept must be true or false, not '2'"},
        {"solver=newton", "logistic has no option 'solver' (its options: " OPT_C
                          ", penalty, l1_ratio, intercept, max_iter, tol)"},
    };
    /* Valid one by one, refused together, by init. */
    static const struct {
        const char *words[3];
        const char *message;
    } pairs[] = {
        {{"penalty=elasticnet", NULL},
         "logistic: penalty=elasticnet needs l1_ratio, the share of the L1 penalty (0 to 1)"},
        {{"penalty=l1", "l1_ratio=0.5", NULL},
         "logistic: l1_ratio applies to penalty=elasticnet only, not penalty=l1"},
        {{"l1_ratio=0.5", NULL},
         "logistic: l1_ratio applies to penalty=elasticnet only, not penalty=l2"},
        {{"penalty=none", "l1_ratio=0", NULL},
         "logistic: l1_ratio applies to penalty=elasticnet only, not penalty=none"},
    };
    struct data d;
    struct run r;

    (void)unused;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *cause = NULL, *word = (char *)cases[i].word;
        assert_null(options_parse("logistic", type->options, 1, &word, &cause));
        assert_string_equal(cause, cases[i].message);
        free(cause);
    }
    random_problem(&d, 30, 2, 2, 73);
    for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
        assert_int_equal(run_init(&r, &d, pairs[i].words), AIWB_EINVAL);
        assert_string_equal(r.cause, pairs[i].message);
        run_release(&r);
    }
    data_free(&d);
}

static void
test_registration(void **unused)
{
    const struct component *c;

    (void)unused;
    tu_load_plugins();
    c = registry_find(COMPONENT_ALGORITHM, "logistic");
    assert_non_null(c);
    assert_string_equal(c->module->name, "logistic");
    assert_string_equal(c->module->version, "1.1.0");
    assert_true(c->flags & AIWB_TASK_CLASSIFICATION);
    assert_true(c->flags & AIWB_CAP_WEIGHTS);
    assert_false(c->flags & (AIWB_TASK_REGRESSION | AIWB_CAP_MISSING | AIWB_CAP_CATEGORICAL));
    /* The defaults a user gets. */
    char *cause = NULL;
    struct aiwb_options *o = options_parse("logistic", c->options, 0, NULL, &cause);
    assert_non_null(o);
    char *all = options_format(o, 1);
    assert_string_equal(all, OPT_C "=1.0 penalty=l2 intercept=true max_iter=100 tol=1e-6");
    free(all);
    options_free(o);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_binary_like_newton),
        cmocka_unit_test(test_multinomial_like_newton),
        cmocka_unit_test(test_like_sklearn),
        cmocka_unit_test(test_l1_like_sklearn),
        cmocka_unit_test(test_l1_optimality),
        cmocka_unit_test(test_l1_owlqn_optimality),
        cmocka_unit_test(test_l1_intercepts_sum_to_zero),
        cmocka_unit_test(test_weights_repeat_rows),
        cmocka_unit_test(test_steps),
        cmocka_unit_test(test_predict_probabilities),
        cmocka_unit_test(test_report),
        cmocka_unit_test(test_unpenalised_separable_stops),
        cmocka_unit_test(test_units_do_not_matter),
        cmocka_unit_test(test_collinear_columns),
        cmocka_unit_test(test_intercept_only_and_absent_class),
        cmocka_unit_test(test_overflow_refused),
        cmocka_unit_test(test_finish_before_iterating),
        cmocka_unit_test(test_save_load_round_trip),
        cmocka_unit_test(test_load_refuses_damage),
        cmocka_unit_test(test_single_class),
        cmocka_unit_test(test_bad_values),
        cmocka_unit_test(test_bad_options),
        cmocka_unit_test(test_registration),
    };

    gsl_set_error_handler_off();
    log_set_sink(NULL, NULL, AIWB_LOG_WARN);
    return cmocka_run_group_tests_name("logistic", tests, NULL, NULL);
}
