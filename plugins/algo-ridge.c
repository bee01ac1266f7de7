/*
 * algo-ridge.c - ridge regression (L2-penalised least squares), optionally
 * weighted, with a path of penalties and generalised cross-validation to
 * choose one.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The objective is scikit-learn's Ridge(alpha = lambda):
 *
 *     sum_i w_i (y_i - b0 - x_i'b)^2 + lambda ||b||^2
 *
 * with sample weights w_i (1 without) and the intercept b0 not penalised:
 * the features and the target are centred on their weighted means, b solves
 * (Xc'W Xc + lambda I) b = Xc'W yc and b0 = mean(y) - mean(x)'b. The
 * penalty treats every feature in its own units, so features on different
 * scales should be standardised first (`with standardize`); MASS::lm.ridge
 * does that by itself (with divisor n), so its lambda is this one on
 * features scaled that way.
 *
 * One pass over the rows (init, the xprod section) sums the cross-products
 * of (1, x, y); the p x p system is solved by Cholesky after scaling to unit
 * diagonal, when its estimated condition number times the cancellation of
 * the centring is at most RIDGE_NE_COND (about ten correct digits left).
 * Otherwise (a tiny lambda on collinear features) the fit is exact: the
 * Householder QR of sqrt(W) [1 X y] block by block, whose lower-right
 * triangle R is that of the centred data, then the SVD of R: b = V
 * diag(s / (s^2 + lambda)) U'(Q'y).
 *
 * Path and GCV: with path=N (or gcv=true) the penalty runs over N values,
 * geometrically from lambda_max down to lambda_min, and for each the
 * effective degrees of freedom df = tr(X (X'X + lambda I)^-1 X') = sum_i
 * e_i / (e_i + lambda) and the residual sum of squares come in closed form
 * from the eigenvalues e_i of the centred X'WX and the projections z = V'X'Wy
 * (RSS = yc'W yc - sum_i z_i^2 (e_i + 2 lambda) / (e_i + lambda)^2), so the
 * path costs nothing beyond one p x p eigendecomposition. The generalised
 * cross-validation score is Golub, Heath and Wahba's
 *
 *     GCV(lambda) = n RSS(lambda) / (n - df(lambda) - 1)^2
 *
 * (n the rows of non-zero weight; the 1 is the intercept's degree of
 * freedom, absent without one). gcv=true fits at the lambda that minimises
 * it: the best value of the path, refined by Brent's method between its
 * neighbours. (gsl_multifit_linear_gcv computes the same score on the SVD
 * of the whole n x p design, without centring; the closed forms here need
 * only the p x p matrix.)
 *
 * It is one-shot: init() checks the data and makes the pass, the first
 * iterate() solves and returns AIWB_OK.
 */
#include <config.h>

#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_eigen.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_min.h>
#include <gsl/gsl_vector.h>

#include <aiwb/plugin.h>

#include "algo-ridge.h"
#include "linear-xprod.h"

/* The normal equations are used up to this condition number (see the top). */
#define RIDGE_NE_COND 1e6
/* Below this share of the total sum of squares, RSS is summed over the rows. */
#define RIDGE_NE_RSS 1e-4
/* With lambda = 0, a scaled singular value at or below this fraction of the
 * largest counts as zero (as in ols). */
#define RIDGE_RANK_TOL 1e-7
/* The default path: lambda_max = RIDGE_PATH_TOP * trace(Xc'W Xc) (df below
 * 0.1), lambda_min = RIDGE_PATH_RATIO * lambda_max. */
#define RIDGE_PATH_TOP 10.0
#define RIDGE_PATH_RATIO 1e-8
#define RIDGE_PATH_DEFAULT 100
/* GCV smallest at the path's lower end, where df is within this share of p:
 * the penalty does not help, and that is no reason to warn. */
#define RIDGE_NO_PENALTY 1e-3

static const struct aiwb_host_api *api;

/* ---------------------------------------------------------------------------
 * The model (struct ridge, in algo-ridge.h).
 */

/* Free what the state owns and zero everything but the options: the pass of
 * init here, the model in the predict half. */
static void
clear(struct ridge *s)
{
    xprod_free(s->xp);
    s->xp = NULL;
    ridge_clear(s);
}

static const char *
target_name(const struct aiwb_problem *prob)
{
    return prob->target_name != NULL ? prob->target_name : "target";
}

/* Name the k terms: "(Intercept)" and the feature names ("x1" ... without). */
static void
set_terms(struct ridge *s, const struct aiwb_problem *prob)
{
    size_t t = 0;

    s->terms = api->calloc(s->k, sizeof(char *));
    if (s->intercept)
        s->terms[t++] = api->strdup("(Intercept)");
    for (size_t j = 0; j < s->p; j++, t++) {
        if (prob->feature_names != NULL && prob->feature_names[j] != NULL)
            s->terms[t] = api->strdup(prob->feature_names[j]);
        else
            s->terms[t] = api->format("x%zu", j + 1);
    }
}

/* Read and check the options. */
static int
read_options(struct ridge *s, const struct aiwb_options *opts, char **cause)
{
    const char *show = api->opt_str(opts, "report");

    s->lambda = api->opt_real(opts, "lambda");
    s->gcv = api->opt_bool(opts, "gcv") != 0;
    s->path_len = api->opt_int(opts, "path");
    s->lambda_min = api->opt_given(opts, "lambda_min") ? api->opt_real(opts, "lambda_min") : 0;
    s->lambda_max = api->opt_given(opts, "lambda_max") ? api->opt_real(opts, "lambda_max") : 0;
    s->intercept = api->opt_bool(opts, "intercept") != 0;
    s->threads = api->opt_int(opts, "threads");
    s->show = show == NULL || strcmp(show, "auto") == 0 ? SHOW_AUTO
              : strcmp(show, "coef") == 0               ? SHOW_COEF
                                                        : SHOW_PATH;
    if (s->gcv && api->opt_given(opts, "lambda")) {
        *cause = api->format("ridge: lambda=%g and gcv=true exclude each other: gcv chooses "
                             "lambda on the path",
                             s->lambda);
        return AIWB_EINVAL;
    }
    if (s->gcv && s->path_len == 0)
        s->path_len = RIDGE_PATH_DEFAULT;
    if (s->path_len == 1) {
        *cause = api->format("ridge: a path of 1 value is no path: give path=2 or more (or 0 "
                             "for none)");
        return AIWB_EINVAL;
    }
    if (s->lambda_min > 0 && s->lambda_max > 0 && s->lambda_min >= s->lambda_max) {
        *cause = api->format("ridge: lambda_min=%g must be below lambda_max=%g", s->lambda_min,
                             s->lambda_max);
        return AIWB_EINVAL;
    }
    if ((s->lambda_min > 0 || s->lambda_max > 0) && s->path_len == 0) {
        *cause = api->format("ridge: lambda_min and lambda_max bound a path: give path=N or "
                             "gcv=true");
        return AIWB_EINVAL;
    }
    if (s->show == SHOW_PATH && s->path_len == 0) {
        *cause = api->format("ridge: report=path needs a path: give path=N or gcv=true");
        return AIWB_EINVAL;
    }
    return AIWB_OK;
}

/*
 * Check what the fit needs of the target and the weights: finite values,
 * weights >= 0, a target that varies over the rows of non-zero weight (two
 * rows at least) with an intercept, or is not all zero without one.
 */
static int
check_problem(struct ridge *s, const struct aiwb_problem *prob, char **cause)
{
    size_t n_obs = 0, first = 0;
    int constant = 1;

    for (size_t i = 0; i < prob->n; i++) {
        double wi = prob->w != NULL ? prob->w[i] : 1.0;

        if (!isfinite(wi) || wi < 0) {
            *cause =
                api->format("ridge: row %zu: the weight %g is not a finite number >= 0", i + 1, wi);
            return AIWB_EDATA;
        }
        if (!isfinite(prob->y[i])) {
            *cause = api->format("ridge: row %zu: the target '%s' is %g, not a finite number",
                                 i + 1, target_name(prob), prob->y[i]);
            return AIWB_EDATA;
        }
        if (wi == 0)
            continue;
        if (n_obs++ == 0)
            first = i;
        else if (prob->y[i] != prob->y[first])
            constant = 0;
    }
    if (n_obs < 1 + (size_t)s->intercept) {
        *cause = api->format("ridge: %zu rows%s are too few: there is nothing to fit", n_obs,
                             prob->w != NULL ? " of non-zero weight" : "");
        return AIWB_EDATA;
    }
    if (constant && (s->intercept || prob->y[first] == 0)) {
        *cause = api->format("ridge: the target '%s' is constant (%g in every row): there is "
                             "nothing to fit",
                             target_name(prob), prob->y[first]);
        return AIWB_EDATA;
    }
    s->n_obs = (double)n_obs;
    return AIWB_OK;
}

/* The first non-finite feature value, as an error; AIWB_OK if there is none
 * (the sums of the pass then overflowed). */
static int
find_nonfinite(const struct ridge *s, const struct aiwb_problem *prob, char **cause)
{
    for (size_t i = 0; i < prob->n; i++) {
        const double *xi = prob->X + i * prob->ldx;

        for (size_t j = 0; j < prob->p; j++) {
            if (!isfinite(xi[j])) {
                *cause = api->format("ridge: row %zu column '%s': %g is not a finite number", i + 1,
                                     s->terms[j + (size_t)s->intercept], xi[j]);
                return AIWB_EDATA;
            }
        }
    }
    return AIWB_OK;
}

/* Read the options, check the problem and make the pass over its rows; the
 * fit is solved by the first iterate. */
static int
ridge_init(void *state, const struct aiwb_options *opts, const struct aiwb_problem *prob,
           char **cause)
{
    struct ridge *s = state;
    int rc;

    clear(s);
    rc = read_options(s, opts, cause);
    if (rc != AIWB_OK)
        return rc;
    s->p = prob->p;
    s->k = prob->p + (size_t)s->intercept;
    s->weighted = prob->w != NULL;
    if (s->k == 0) {
        *cause = api->format("ridge: no features and no intercept: there is nothing to fit");
        return AIWB_EINVAL;
    }
    set_terms(s, prob);
    rc = check_problem(s, prob, cause);
    if (rc != AIWB_OK)
        return rc;
    s->xp = xprod_compute(api, prob, s->intercept, s->threads);
    if (s->xp == NULL) {
        *cause = api->format("ridge: the cross-products of the rows failed (BLAS)");
        return AIWB_ENUMERIC;
    }
    if (!xprod_finite(s->xp))
        return find_nonfinite(s, prob, cause);
    return AIWB_OK;
}

/* ---------------------------------------------------------------------------
 * The path: degrees of freedom, RSS and GCV in closed form.
 */

/* The eigenvalues E of the centred X'WX and the squared projections Z2 of
 * X'Wy on its eigenvectors; SYY = yc'W yc; N the rows, N_FIXED the unpenalised
 * degrees of freedom (the intercept). */
struct spectrum {
    size_t p;
    double *e, *z2;
    double syy, n, n_fixed;
};

/* df, RSS, GCV and R^2 at LAMBDA (> 0) into OUT (a row of the path). */
static void
spectrum_at(const struct spectrum *sp, double lambda, double *out)
{
    double df = 0, fit = 0, rss, denom;

    for (size_t i = 0; i < sp->p; i++) {
        double e = sp->e[i], d = e + lambda;
        df += e / d;
        fit += sp->z2[i] * (e + 2 * lambda) / (d * d);
    }
    rss = sp->syy - fit;
    if (rss < 0)
        rss = 0;
    denom = sp->n - sp->n_fixed - df;
    out[0] = lambda;
    out[1] = df;
    out[2] = denom > 0 ? sp->n * rss / (denom * denom) : INFINITY;
    out[3] = 1 - rss / sp->syy;
}

/* GCV as a function of log(lambda), for gsl_min. */
static double
gcv_of_log(double t, void *arg)
{
    double row[RIDGE_PATH_COLS];

    spectrum_at(arg, exp(t), row);
    return row[2];
}

/* The spectrum of the moments M ((p+1) x (p+1), the target last). */
static int
spectrum_make(struct spectrum *sp, const double *M, size_t p, double n, int intercept)
{
    const size_t m = p + 1;
    gsl_matrix *A = gsl_matrix_alloc(p, p), *V = gsl_matrix_alloc(p, p);
    gsl_vector *e = gsl_vector_alloc(p);
    gsl_eigen_symmv_workspace *w = gsl_eigen_symmv_alloc(p);
    int rc = GSL_ENOMEM;

    sp->p = p;
    sp->e = api->calloc(p, sizeof(double));
    sp->z2 = api->calloc(p, sizeof(double));
    sp->syy = M[p * m + p];
    sp->n = n;
    sp->n_fixed = intercept ? 1 : 0;
    if (A == NULL || V == NULL || e == NULL || w == NULL)
        goto out;
    for (size_t j = 0; j < p; j++)
        for (size_t l = 0; l < p; l++)
            gsl_matrix_set(A, j, l, M[j * m + l]);
    rc = gsl_eigen_symmv(A, e, V, w);
    if (rc != GSL_SUCCESS)
        goto out;
    for (size_t i = 0; i < p; i++) {
        double z = 0;
        for (size_t j = 0; j < p; j++)
            z += gsl_matrix_get(V, j, i) * M[j * m + p];
        sp->e[i] = gsl_vector_get(e, i) > 0 ? gsl_vector_get(e, i) : 0; /* rounding below 0 */
        sp->z2[i] = z * z;
    }
out:
    gsl_eigen_symmv_free(w);
    gsl_vector_free(e);
    gsl_matrix_free(V);
    gsl_matrix_free(A);
    return rc;
}

static void
spectrum_release(struct spectrum *sp)
{
    api->free(sp->e);
    api->free(sp->z2);
}

/* The lambda that minimises GCV between LO < MID < HI (GCV(MID) below both
 * ends), by Brent's method on log(lambda); MID if it fails. */
static double
refine_gcv(struct spectrum *sp, double lo, double mid, double hi)
{
    gsl_min_fminimizer *m = gsl_min_fminimizer_alloc(gsl_min_fminimizer_brent);
    gsl_function F = {.function = gcv_of_log, .params = sp};
    double best = log(mid);

    if (m == NULL || gsl_min_fminimizer_set(m, &F, log(mid), log(lo), log(hi)) != GSL_SUCCESS)
        goto out;
    for (int it = 0; it < 100; it++) {
        if (gsl_min_fminimizer_iterate(m) != GSL_SUCCESS)
            break;
        best = gsl_min_fminimizer_x_minimum(m);
        if (gsl_min_test_interval(gsl_min_fminimizer_x_lower(m), gsl_min_fminimizer_x_upper(m),
                                  1e-10, 0) == GSL_SUCCESS)
            break;
    }
out:
    gsl_min_fminimizer_free(m);
    return exp(best);
}

/*
 * The path of the options over the moments M, into s->path (one spare row
 * for the fit); with gcv, *LAMBDA gets the minimiser of GCV.
 */
static int
make_path(struct ridge *s, const double *M, double *lambda)
{
    const size_t p = s->p, m = p + 1, N = (size_t)s->path_len;
    struct spectrum sp = {0};
    double trace = 0, hi, lo;
    size_t best = 0;
    int rc;

    rc = spectrum_make(&sp, M, p, s->n_obs, s->intercept);
    if (rc != GSL_SUCCESS) {
        spectrum_release(&sp);
        return rc;
    }
    for (size_t j = 0; j < p; j++)
        trace += M[j * m + j];
    hi = s->lambda_max > 0 ? s->lambda_max : RIDGE_PATH_TOP * (trace > 0 ? trace : 1.0);
    lo = s->lambda_min > 0 ? s->lambda_min : RIDGE_PATH_RATIO * hi;
    if (lo >= hi && s->lambda_max > 0) /* one bound given, beyond the other's default */
        lo = hi * RIDGE_PATH_RATIO;
    else if (lo >= hi)
        hi = lo / RIDGE_PATH_RATIO;
    s->path = api->calloc((N + 1) * RIDGE_PATH_COLS, sizeof(double));
    s->npath = N;
    for (size_t i = 0; i < N; i++) {
        double *row = s->path + i * RIDGE_PATH_COLS;
        spectrum_at(&sp, hi * pow(lo / hi, (double)i / (double)(N - 1)), row);
        if (row[2] < s->path[best * RIDGE_PATH_COLS + 2])
            best = i;
    }
    if (s->gcv) {
        const double *b = s->path + best * RIDGE_PATH_COLS;
        if (best == N - 1 && isfinite(b[2]) && (double)p - b[1] < RIDGE_NO_PENALTY * (double)p) {
            /* GCV falls all the way towards least squares: no warning, the
             * path's end is as good as any smaller lambda */
            s->at_edge = 2;
            *lambda = b[0];
            api->log(AIWB_LOG_INFO,
                     "ridge: GCV is smallest at the lower end of the path "
                     "(lambda %g), where the fit is practically least squares (df %.6g of %zu): "
                     "the penalty does not help here",
                     b[0], b[1], p);
        } else if (best == 0 || best == N - 1 || !isfinite(b[2])) {
            s->at_edge = 1;
            *lambda = b[0];
            api->log(AIWB_LOG_WARN,
                     "ridge: GCV is smallest at the %s end of the path "
                     "(lambda %g): the best lambda may lie beyond it; widen the path with %s",
                     best == 0 ? "upper" : "lower", b[0], best == 0 ? "lambda_max" : "lambda_min");
        } else {
            *lambda = refine_gcv(&sp, b[RIDGE_PATH_COLS], b[0], b[-RIDGE_PATH_COLS]);
        }
    }
    spectrum_release(&sp);
    return GSL_SUCCESS;
}

/* Put the fit's row (lambda, df, GCV, R^2) into the path at its place, or
 * in the place of the path's row of the same lambda. */
static void
insert_fit(struct ridge *s)
{
    const double row[RIDGE_PATH_COLS] = {s->lambda_fit, s->df, s->gcv_score, s->r2};
    size_t at = 0;

    while (at < s->npath && s->path[at * RIDGE_PATH_COLS] > s->lambda_fit * (1 + 1e-12))
        at++;
    if (at < s->npath && s->path[at * RIDGE_PATH_COLS] >= s->lambda_fit * (1 - 1e-12)) {
        memcpy(s->path + at * RIDGE_PATH_COLS, row, sizeof(row));
        s->chosen = (int64_t)at;
        return;
    }
    memmove(s->path + (at + 1) * RIDGE_PATH_COLS, s->path + at * RIDGE_PATH_COLS,
            (s->npath - at) * RIDGE_PATH_COLS * sizeof(double));
    memcpy(s->path + at * RIDGE_PATH_COLS, row, sizeof(row));
    s->npath++;
    s->chosen = (int64_t)at;
}

/* ---------------------------------------------------------------------------
 * The fit at one lambda.
 */

/* The result of normal_fit when the normal equations do not suit the data. */
#define RIDGE_USE_QR 2

/* RSS by a pass over the rows (when y'y - ... would cancel too much). */
static double
rss_by_rows(const struct ridge *s, const struct aiwb_problem *prob)
{
    const double b0 = s->intercept ? s->coef[0] : 0, *b = s->coef + s->intercept;
    double rss = 0;

    for (size_t i = 0; i < prob->n; i++) {
        const double *xi = prob->X + i * prob->ldx;
        double f = b0, r;
        for (size_t j = 0; j < s->p; j++)
            f += xi[j] * b[j];
        r = prob->y[i] - f;
        rss += (prob->w != NULL ? prob->w[i] : 1.0) * r * r;
    }
    return rss;
}

/*
 * Solve (M_xx + lambda I) b = M_xy by Cholesky after scaling to unit
 * diagonal: AIWB_OK with s->coef, s->rss and s->df set, RIDGE_USE_QR when
 * it is too ill-conditioned (or singular), AIWB_ENUMERIC when GSL fails.
 */
static int
normal_fit(struct ridge *s, const struct aiwb_problem *prob, const double *M, const double *mean,
           double lambda)
{
    const size_t p = s->p, m = p + 1, t0 = (size_t)s->intercept;
    gsl_matrix *A = gsl_matrix_alloc(p, p);
    gsl_vector *d = gsl_vector_alloc(p), *b = gsl_vector_alloc(p), *work = gsl_vector_alloc(3 * p);
    double rcond, loss = 1, fit = 0, bb = 0, tr = 0, syy = M[p * m + p];
    int rc = RIDGE_USE_QR;

    if (A == NULL || d == NULL || b == NULL || work == NULL) {
        rc = AIWB_ENUMERIC;
        goto out;
    }
    for (size_t j = 0; j <= p; j++) {
        double diag = M[j * m + j] + (j < p ? lambda : 0);
        if (!(diag > 0))
            goto out; /* lambda = 0 and a constant column */
        if (j < p)
            gsl_vector_set(d, j, 1 / sqrt(diag));
        if (s->intercept && xprod_raw(s->xp, j) / diag > loss)
            loss = xprod_raw(s->xp, j) / diag;
    }
    for (size_t j = 0; j < p; j++) {
        for (size_t l = 0; l < p; l++)
            gsl_matrix_set(A, j, l,
                           d->data[j] * (M[j * m + l] + (j == l ? lambda : 0)) * d->data[l]);
        gsl_vector_set(b, j, d->data[j] * M[j * m + p]);
    }
    if (gsl_linalg_cholesky_decomp1(A) != GSL_SUCCESS)
        goto out;
    if (gsl_linalg_cholesky_rcond(A, &rcond, work) != GSL_SUCCESS) {
        rc = AIWB_ENUMERIC;
        goto out;
    }
    if (!(rcond > 0) || loss / rcond > RIDGE_NE_COND) {
        api->log(AIWB_LOG_DEBUG, "ridge: condition number about %.3g: solving by QR and SVD",
                 loss / rcond);
        goto out;
    }
    if (gsl_linalg_cholesky_svx(A, b) != GSL_SUCCESS ||
        gsl_linalg_cholesky_invert(A) != GSL_SUCCESS) {
        rc = AIWB_ENUMERIC;
        goto out;
    }
    for (size_t j = 0; j < p; j++) {
        double bj = d->data[j] * b->data[j];
        s->coef[t0 + j] = bj;
        fit += bj * M[j * m + p];
        bb += bj * bj;
        tr += d->data[j] * d->data[j] * gsl_matrix_get(A, j, j);
    }
    if (s->intercept) {
        double slope = 0;
        for (size_t j = 0; j < p; j++)
            slope += s->coef[1 + j] * mean[j];
        s->coef[0] = mean[p] - slope;
    }
    /* With (M + lambda I) b = c: RSS = yc'yc - 2 b'c + b'M b = yc'yc - b'c - lambda b'b. */
    s->rss = syy - fit - lambda * bb;
    if (!(s->rss > RIDGE_NE_RSS * syy))
        s->rss = rss_by_rows(s, prob);
    s->df = (double)p - lambda * tr;
    api->log(AIWB_LOG_DEBUG, "ridge: solved by the normal equations (condition number about %.3g)",
             loss / rcond);
    rc = AIWB_OK;
out:
    gsl_vector_free(work);
    gsl_vector_free(b);
    gsl_vector_free(d);
    gsl_matrix_free(A);
    return rc;
}

/*
 * The triangular factor of sqrt(W) [1 X y] (k + 1 columns) in S, by
 * Householder QR over blocks of RIDGE_BLOCK rows (gsl_linalg_QR_UR_decomp:
 * the factor so far on top of the next block), as in ols.
 */
#define RIDGE_BLOCK 1024

static int
triangular_factor(const struct ridge *s, const struct aiwb_problem *prob, gsl_matrix *S)
{
    const size_t n = prob->n, kk = s->k + 1;
    gsl_matrix *A = gsl_matrix_alloc(RIDGE_BLOCK, kk), *T = gsl_matrix_alloc(kk, kk);
    int rc = GSL_ENOMEM;

    if (A == NULL || T == NULL)
        goto out;
    gsl_matrix_set_zero(S);
    for (size_t i0 = 0; i0 < n; i0 += RIDGE_BLOCK) {
        size_t rows = n - i0 < RIDGE_BLOCK ? n - i0 : RIDGE_BLOCK;

        for (size_t r = 0; r < rows; r++) {
            const size_t i = i0 + r;
            const double *xi = prob->X + i * prob->ldx;
            double sw = prob->w != NULL ? sqrt(prob->w[i]) : 1.0, *row = A->data + r * A->tda;

            if (s->intercept)
                *row++ = sw;
            for (size_t j = 0; j < s->p; j++)
                row[j] = sw * xi[j];
            row[s->p] = sw * prob->y[i];
        }
        gsl_matrix_view block = gsl_matrix_submatrix(A, 0, 0, rows, kk);
        rc = gsl_linalg_QR_UR_decomp(S, &block.matrix, T);
        if (rc != GSL_SUCCESS)
            goto out;
    }
    rc = GSL_SUCCESS;
out:
    gsl_matrix_free(T);
    gsl_matrix_free(A);
    return rc;
}

/* The largest and smallest singular values of R with its columns scaled to
 * unit norm (balanced, so that units do not count). */
static int
balanced_condition(const gsl_matrix *R, double *cond)
{
    const size_t p = R->size1;
    gsl_matrix *A = gsl_matrix_alloc(p, p), *V = gsl_matrix_alloc(p, p);
    gsl_vector *sv = gsl_vector_alloc(p), *work = gsl_vector_alloc(p);
    int rc = GSL_ENOMEM;

    if (A == NULL || V == NULL || sv == NULL || work == NULL)
        goto out;
    gsl_matrix_memcpy(A, R);
    for (size_t j = 0; j < p; j++) {
        gsl_vector_view col = gsl_matrix_column(A, j);
        double norm = gsl_blas_dnrm2(&col.vector);
        if (norm > 0)
            gsl_vector_scale(&col.vector, 1 / norm);
    }
    rc = gsl_linalg_SV_decomp(A, V, sv, work);
    if (rc == GSL_SUCCESS)
        *cond = gsl_vector_get(sv, 0) / gsl_vector_get(sv, p - 1);
out:
    gsl_vector_free(work);
    gsl_vector_free(sv);
    gsl_matrix_free(V);
    gsl_matrix_free(A);
    return rc;
}

/*
 * The exact fit: the triangular factor of sqrt(W) [1 X y], whose block R
 * (rows and columns of the features) and column r (Q'y there) are those of
 * the centred data, then the SVD R = U diag(s) V': b = V diag(s / (s^2 +
 * lambda)) U'r, RSS = sum_i (lambda g_i / (s_i^2 + lambda))^2 + rho^2 with g
 * = U'r and rho the residual of the full least squares.
 */
static int
qr_fit(struct ridge *s, const struct aiwb_problem *prob, const double *mean, double lambda,
       char **cause)
{
    const size_t p = s->p, k = s->k, t0 = (size_t)s->intercept;
    gsl_matrix *S = gsl_matrix_alloc(k + 1, k + 1), *V = gsl_matrix_alloc(p, p);
    gsl_vector *sv = gsl_vector_alloc(p), *work = gsl_vector_alloc(p), *g = gsl_vector_alloc(p);
    double rho, cond;
    int grc;

    if (S == NULL || V == NULL || sv == NULL || work == NULL || g == NULL) {
        grc = GSL_ENOMEM;
        goto fail;
    }
    grc = triangular_factor(s, prob, S);
    if (grc != GSL_SUCCESS)
        goto fail;
    gsl_matrix_view R = gsl_matrix_submatrix(S, t0, t0, p, p);
    gsl_vector_view r = gsl_matrix_subcolumn(S, k, t0, p);
    rho = gsl_matrix_get(S, k, k);
    if (lambda == 0) {
        grc = balanced_condition(&R.matrix, &cond);
        if (grc != GSL_SUCCESS)
            goto fail;
        if (!(cond * RIDGE_RANK_TOL < 1)) {
            *cause = api->format("ridge: with lambda=0 the design matrix is singular (condition "
                                 "number %.3g): give lambda > 0, or train ols to see which "
                                 "columns are collinear",
                                 cond);
            grc = GSL_SUCCESS;
            goto singular;
        }
    }
    grc = gsl_linalg_SV_decomp(&R.matrix, V, sv, work); /* R becomes U */
    if (grc == GSL_SUCCESS)
        grc = gsl_blas_dgemv(CblasTrans, 1.0, &R.matrix, &r.vector, 0.0, g);
    if (grc != GSL_SUCCESS)
        goto fail;
    s->rss = rho * rho;
    s->df = 0;
    for (size_t i = 0; i < p; i++) {
        double si = gsl_vector_get(sv, i), d = si * si + lambda, gi = gsl_vector_get(g, i);
        double shrunk = lambda * gi / d;
        s->rss += shrunk * shrunk;
        s->df += si * si / d;
        gsl_vector_set(g, i, si > 0 ? si * gi / d : 0.0); /* the coordinates of b in V */
    }
    gsl_vector_view b = gsl_vector_view_array(s->coef + t0, p);
    grc = gsl_blas_dgemv(CblasNoTrans, 1.0, V, g, 0.0, &b.vector);
    if (grc != GSL_SUCCESS)
        goto fail;
    if (s->intercept) {
        double slope = 0;
        for (size_t j = 0; j < p; j++)
            slope += s->coef[1 + j] * mean[j];
        s->coef[0] = mean[p] - slope;
    }
    gsl_vector_free(g);
    gsl_vector_free(work);
    gsl_vector_free(sv);
    gsl_matrix_free(V);
    gsl_matrix_free(S);
    return AIWB_OK;
fail:
    *cause = api->format("ridge: the least-squares fit failed: %s", gsl_strerror(grc));
singular:
    gsl_vector_free(g);
    gsl_vector_free(work);
    gsl_vector_free(sv);
    gsl_matrix_free(V);
    gsl_matrix_free(S);
    return grc == GSL_ENOMEM ? AIWB_ENOMEM : AIWB_ENUMERIC;
}

/* The path (if asked for), then the fit at the chosen lambda, and its numbers. */
static int
ridge_fit(struct ridge *s, const struct aiwb_problem *prob, char **cause)
{
    const size_t p = s->p, m = p + 1;
    double *M = api->alloc(m * m * sizeof(double)), *mean = api->alloc(m * sizeof(double));
    double sw, syy, lambda = s->lambda, denom;
    int rc;

    xprod_moments(s->xp, M, mean, &sw);
    syy = M[p * m + p];
    s->coef = api->calloc(s->k, sizeof(double));
    if (s->path_len > 0 && p > 0) {
        rc = make_path(s, M, &lambda);
        if (rc != GSL_SUCCESS) {
            *cause = api->format("ridge: the eigendecomposition for the path failed: %s",
                                 gsl_strerror(rc));
            rc = AIWB_ENUMERIC;
            goto out;
        }
    }
    s->lambda_fit = lambda;
    if (p == 0) { /* the intercept alone */
        s->coef[0] = mean[0];
        s->rss = syy;
        s->df = 0;
        rc = AIWB_OK;
    } else {
        rc = normal_fit(s, prob, M, mean, lambda);
        if (rc == RIDGE_USE_QR)
            rc = qr_fit(s, prob, mean, lambda, cause);
        else if (rc != AIWB_OK)
            *cause = api->format("ridge: the normal equations failed (GSL)");
    }
    if (rc != AIWB_OK)
        goto out;
    s->mse = s->rss / sw;
    s->r2 = 1 - s->rss / syy;
    denom = s->n_obs - (s->intercept ? 1 : 0) - s->df;
    s->gcv_score = denom > 0 ? s->n_obs * s->rss / (denom * denom) : INFINITY;
    if (s->path != NULL)
        insert_fit(s);
    s->fitted = 1;
out:
    xprod_free(s->xp);
    s->xp = NULL;
    api->free(mean);
    api->free(M);
    return rc;
}

/* One-shot: fit on the first call and report the training numbers. */
static int
ridge_iterate(void *state, const struct aiwb_problem *prob, struct aiwb_step *step, char **cause)
{
    struct ridge *s = state;
    int rc;

    if (!s->fitted) {
        rc = ridge_fit(s, prob, cause);
        if (rc != AIWB_OK)
            return rc;
    }
    api->step_value(step, "loss", s->mse);
    api->step_value(step, "r2", s->r2);
    api->step_value(step, "lambda", s->lambda_fit);
    api->step_value(step, "df", s->df);
    api->step_value(step, "gcv", s->gcv_score);
    return AIWB_OK;
}

/* Nothing to keep but the fit; stopped before it, there is no model. */
static int
ridge_finish(void *state, const struct aiwb_problem *prob, char **cause)
{
    struct ridge *s = state;

    (void)prob;
    if (!s->fitted) {
        *cause = api->format("ridge: training stopped before the fit was done: there is no model");
        return AIWB_ERR;
    }
    return AIWB_OK;
}

/* The lines under either table. */
static void
report_notes(const struct ridge *s, struct aiwb_table *t)
{
    char *note;

    note = api->format("lambda %.6g: the penalty lambda * ||b||^2 on the coefficients%s "
                       "(scikit-learn's Ridge alpha)",
                       s->lambda_fit, s->intercept ? ", not the intercept" : "");
    api->table_note(t, note);
    api->free(note);
    note = api->format("Effective degrees of freedom: %.4g, GCV: %.6g, R-squared: %.4g", s->df,
                       s->gcv_score, s->r2);
    api->table_note(t, note);
    api->free(note);
    if (s->gcv && s->npath > 0) {
        note = api->format("lambda chosen by generalised cross-validation on a path of %zu "
                           "values from %.4g to %.4g%s",
                           s->npath - 1, s->path[0], s->path[(s->npath - 1) * RIDGE_PATH_COLS],
                           s->at_edge == 1   ? " (at its end: widen the path)"
                           : s->at_edge == 2 ? " (at its lower end, practically least squares)"
                                             : "");
        api->table_note(t, note);
        api->free(note);
    }
    if (s->weighted) {
        note = api->format("Weighted ridge regression on %.0f rows of non-zero weight", s->n_obs);
        api->table_note(t, note);
        api->free(note);
    }
}

/* The coefficients, or the path with the fit marked. */
static int
ridge_report(const void *state, struct aiwb_table *t)
{
    const struct ridge *s = state;

    if (!s->fitted)
        return AIWB_EINVAL;
    if (s->show == SHOW_PATH || (s->show == SHOW_AUTO && s->npath > 0)) {
        api->table_title(t, s->gcv ? "ridge: lambda path (generalised cross-validation)"
                                   : "ridge: lambda path");
        api->table_column(t, "lambda", AIWB_TABLE_REAL);
        api->table_column(t, "df", AIWB_TABLE_REAL);
        api->table_column(t, "gcv", AIWB_TABLE_REAL);
        api->table_column(t, "r2", AIWB_TABLE_REAL);
        api->table_column(t, "fit", AIWB_TABLE_TEXT);
        for (size_t i = 0; i < s->npath; i++) {
            const double *row = s->path + i * RIDGE_PATH_COLS;
            for (size_t c = 0; c < RIDGE_PATH_COLS; c++)
                api->table_real(t, row[c]);
            api->table_text(t, (int64_t)i == s->chosen ? "*" : "");
        }
        report_notes(s, t);
        api->table_note(t, "The coefficients: train again with report=coef");
        return AIWB_OK;
    }
    api->table_title(t, "ridge: coefficients");
    api->table_column(t, "term", AIWB_TABLE_TEXT);
    api->table_column(t, "estimate", AIWB_TABLE_REAL);
    for (size_t i = 0; i < s->k; i++) {
        api->table_text(t, s->terms[i]);
        api->table_real(t, s->coef[i]);
    }
    report_notes(s, t);
    return AIWB_OK;
}

/* Everything report() and predict() need, reals as IEEE bits. */
static int
ridge_save(const void *state, struct aiwb_writer *w)
{
    const struct ridge *s = state;
    const int64_t flags[] = {s->intercept, s->weighted,      s->gcv,
                             s->at_edge,   (int64_t)s->show, s->chosen};
    int rc;

    if (!s->fitted)
        return AIWB_EINVAL;
    rc = api->put_int(w, "p", (int64_t)s->p);
    if (rc == AIWB_OK)
        rc = api->put_ints(w, "flags", sizeof(flags) / sizeof(flags[0]), flags);
    if (rc == AIWB_OK)
        rc = api->put_strs(w, "terms", s->k, (const char *const *)s->terms);
    if (rc == AIWB_OK)
        rc = api->put_reals(w, "estimate", s->k, s->coef);
    for (size_t i = 0; i < RIDGE_NSCALARS && rc == AIWB_OK; i++)
        rc = api->put_real(w, ridge_scalars[i].key,
                           *predict_scalar((struct ridge *)s, ridge_scalars, i));
    if (rc == AIWB_OK)
        rc = api->put_reals(w, "path", s->npath * RIDGE_PATH_COLS, s->path);
    return rc;
}

static const struct aiwb_option_spec ridge_options[] = {
    {.name = "lambda",
     .type = AIWB_OPT_REAL,
     .def = "1.0",
     .min = 0,
     .max = INFINITY,
     .help = "the penalty: minimise sum w_i (y_i - b0 - x_i'b)^2 + lambda ||b||^2, as "
             "scikit-learn's Ridge(alpha=lambda); the intercept is not penalised"},
    {.name = "gcv",
     .type = AIWB_OPT_BOOL,
     .def = "false",
     .help = "choose lambda by generalised cross-validation on a path (100 values unless "
             "path says)"},
    {.name = "path",
     .type = AIWB_OPT_INT,
     .def = "0",
     .min = 0,
     .max = 100000,
     .help = "compute this many values of lambda, from lambda_max down to lambda_min "
             "(geometric), with their df, GCV and R-squared; 0: none"},
    {.name = "lambda_min",
     .type = AIWB_OPT_REAL,
     .min = 0,
     .max = INFINITY,
     .flags = AIWB_OPT_MIN_EXCLUSIVE,
     .help = "the smallest lambda of the path (default: lambda_max * 1e-8)"},
    {.name = "lambda_max",
     .type = AIWB_OPT_REAL,
     .min = 0,
     .max = INFINITY,
     .flags = AIWB_OPT_MIN_EXCLUSIVE,
     .help = "the largest lambda of the path (default: 10 times the trace of the centred "
             "X'X, where df is below 0.1)"},
    {.name = "intercept",
     .type = AIWB_OPT_BOOL,
     .def = "true",
     .help = "fit an unpenalised constant term (features and target are centred)"},
    {.name = "report",
     .type = AIWB_OPT_CHOICE,
     .def = "auto",
     .choices = "auto|coef|path",
     .help = "what the report shows: the coefficients or the path (auto: the path when there "
             "is one)"},
    {.name = "threads",
     .type = AIWB_OPT_INT,
     .def = "0",
     .max = XPROD_MAX_THREADS,
     .help = "threads for the pass over the rows; 0 uses one per core (at most 4) from "
             "65,536 rows"},
    {.name = NULL},
};

/* Free the pass of an interrupted training, then the model. */
static void
fini(void *state)
{
    clear(state);
}

static const struct aiwb_algorithm_type ridge_type = {
    .abi_version = AIWB_ABI_VERSION,
    .size = sizeof(struct aiwb_algorithm_type),
    .name = "ridge",
    .summary = "ridge regression (L2 penalty), with a lambda path and GCV",
    .options = ridge_options,
    .flags = RIDGE_FLAGS,
    .state_version = RIDGE_STATE_VERSION,
    .state_size = sizeof(struct ridge),
    .init = ridge_init,
    .iterate = ridge_iterate,
    .finish = ridge_finish,
    .n_outputs = ridge_n_outputs,
    .predict = ridge_predict,
    .report = ridge_report,
    .save = ridge_save,
    .load = ridge_load,
    .fini = fini,
};

/* The module's entry point: registers the "ridge" algorithm. */
int
aiwb_plugin_init(struct aiwb_plugin *p, const struct aiwb_host_api *host)
{
    AIWB_PLUGIN_BEGIN(p, host, api, "ridge", "1.0.0");
    algo_ridge_bind(host);
    return api->register_algorithm(p, &ridge_type);
}
