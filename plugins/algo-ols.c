/*
 * algo-ols.c - linear least squares (optionally weighted) with the statistics
 * R's summary(lm) shows: standard errors, t tests, R-squared, F test.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Two ways to the same numbers, the fast one first:
 *
 * - Normal equations. One pass over the rows (init) sums the cross-products
 *   of (1, x, y), weighted, with BLAS on blocks of rows and on every core
 *   (the xprod section below); centred on the weighted means and scaled to
 *   unit diagonal, the p x p system is solved by Cholesky, and R's numbers
 *   follow from its inverse: the residual sum of squares is y'y - b'X'y.
 *   On 800,000 rows of 20 features that is about ten times faster than the
 *   QR below, but it squares the condition number of the design, so it is
 *   taken only when that stays harmless: the estimated 1-norm condition
 *   number of the scaled normal matrix (gsl_linalg_cholesky_rcond), times
 *   the cancellation of the centring, at most OLS_NE_COND (1e6), so that
 *   the solution keeps about ten correct digits; and the residual sum of
 *   squares at least OLS_NE_RSS (1e-4) of the total, so that y'y - b'X'y
 *   loses at most four digits (a near-perfect fit takes the exact way).
 *
 * - Otherwise, and for every rank-deficient design: GSL's SVD least squares
 *   (column balancing, then the modified Golub-Reinsch SVD:
 *   gsl_multifit_wlinear_tsvd) applied, as LAPACK's dgelsd does when there
 *   are many more rows than columns, to the triangular factor of a
 *   Householder QR of sqrt(W) [1 X y] computed block by block: the same
 *   solution, singular values and covariance as on the rows themselves,
 *   without a copy of the data.
 *
 * It is one-shot: init() checks the data and makes the pass, the first
 * iterate() solves and returns AIWB_OK.
 *
 * Rank deficiency is refused, not papered over: a singular value of the
 * balanced design at or below OLS_RANK_TOL times the largest counts as zero
 * (about where R's lm() would alias a column), and the message names the
 * terms that take part in the linear dependency, read off the null-space
 * vectors of the SVD. R instead reports such coefficients as NA; a user of
 * aiwb gets told which columns to drop.
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
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_machine.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_multifit.h>
#include <gsl/gsl_vector.h>

#include <aiwb/plugin.h>

#include "algo-ols.h"
#include "linear-xprod.h"

/* Singular values at or below this fraction of the largest count as zero. */
#define OLS_RANK_TOL 1e-7
/* A term takes part in a dependency when its share of a null vector is above this. */
#define OLS_NULL_TOL 1e-6
/* The normal equations are used up to this condition number (see the top). */
#define OLS_NE_COND 1e6
/* ... and down to this share of the total sum of squares left in the residuals. */
#define OLS_NE_RSS 1e-4

static const struct aiwb_host_api *api;

/* ---------------------------------------------------------------------------
 * The model (struct ols, in algo-ols.h).
 */

/* Free what the state owns and zero it, keeping the options: the pass of
 * init here, the model in the predict half. */
static void
clear(struct ols *s)
{
    xprod_free(s->xp);
    s->xp = NULL;
    ols_clear(s);
}

static const char *
target_name(const struct aiwb_problem *prob)
{
    return prob->target_name != NULL ? prob->target_name : "target";
}

/* Name the k terms: "(Intercept)" and the feature names ("x1" ... without). */
static void
set_terms(struct ols *s, const struct aiwb_problem *prob)
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

/*
 * Check what least squares needs of the target and the weights: finite
 * values, weights >= 0, more rows (of non-zero weight) than coefficients, a
 * target that varies. The features are checked by the pass (find_nonfinite).
 */
static int
check_problem(struct ols *s, const struct aiwb_problem *prob, char **cause)
{
    size_t n_obs = 0, first = 0;
    int constant = 1;

    for (size_t i = 0; i < prob->n; i++) {
        double wi = prob->w != NULL ? prob->w[i] : 1.0;

        if (!isfinite(wi) || wi < 0) {
            *cause =
                api->format("ols: row %zu: the weight %g is not a finite number >= 0", i + 1, wi);
            return AIWB_EDATA;
        }
        if (!isfinite(prob->y[i])) {
            *cause = api->format("ols: row %zu: the target '%s' is %g, not a finite number", i + 1,
                                 target_name(prob), prob->y[i]);
            return AIWB_EDATA;
        }
        if (wi == 0)
            continue;
        if (n_obs++ == 0)
            first = i;
        else if (prob->y[i] != prob->y[first])
            constant = 0;
    }
    if (n_obs <= s->k) {
        *cause = api->format("ols: %zu rows%s are too few for %zu coefficients: least squares "
                             "needs more rows than coefficients",
                             n_obs, prob->w != NULL ? " of non-zero weight" : "", s->k);
        return AIWB_EDATA;
    }
    if (constant) {
        *cause = api->format("ols: the target '%s' is constant (%g in every row): there is "
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
find_nonfinite(const struct ols *s, const struct aiwb_problem *prob, char **cause)
{
    for (size_t i = 0; i < prob->n; i++) {
        const double *xi = prob->X + i * prob->ldx;

        for (size_t j = 0; j < prob->p; j++) {
            if (!isfinite(xi[j])) {
                *cause = api->format("ols: row %zu column '%s': %g is not a finite number", i + 1,
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
ols_init(void *state, const struct aiwb_options *opts, const struct aiwb_problem *prob,
         char **cause)
{
    struct ols *s = state;
    int rc;

    clear(s);
    s->intercept = api->opt_bool(opts, "intercept") != 0;
    s->threads = api->opt_int(opts, "threads");
    s->p = prob->p;
    s->k = prob->p + (size_t)s->intercept;
    s->weighted = prob->w != NULL;
    if (s->k == 0) {
        *cause = api->format("ols: no features and no intercept: there is nothing to fit");
        return AIWB_EINVAL;
    }
    set_terms(s, prob);
    rc = check_problem(s, prob, cause);
    if (rc != AIWB_OK)
        return rc;
    s->xp = xprod_compute(api, prob, s->intercept, s->threads);
    if (s->xp == NULL) {
        *cause = api->format("ols: the cross-products of the rows failed (BLAS)");
        return AIWB_ENUMERIC;
    }
    if (!xprod_finite(s->xp))
        return find_nonfinite(s, prob, cause);
    return AIWB_OK;
}

/* "'a', 'b' and 'c'": the terms whose flag is set, in a new string. */
static char *
join_terms(const struct ols *s, const unsigned char *flag, size_t count)
{
    char *out = api->strdup("");
    size_t seen = 0;

    for (size_t t = 0; t < s->k; t++) {
        if (!flag[t])
            continue;
        const char *sep = seen == 0 ? "" : seen + 1 == count ? " and " : ", ";
        char *next = api->format("%s%s'%s'", out, sep, s->terms[t]);
        api->free(out);
        out = next;
        seen++;
    }
    return out;
}

/*
 * Explain a rank-deficient design: the terms with a non-negligible share of
 * the null-space vectors (columns RANK.. of the SVD's V, which GSL keeps in
 * work->Q for the balanced matrix; balancing only rescales the rows of V, so
 * which entries are non-zero is unchanged).
 */
static char *
describe_dependency(const struct ols *s, const gsl_multifit_linear_workspace *work, size_t rank)
{
    unsigned char *flag = api->calloc(s->k, 1);
    size_t count = 0;
    char *terms, *msg;

    for (size_t t = 0; t < s->k; t++) {
        for (size_t j = rank; j < s->k; j++) {
            if (fabs(gsl_matrix_get(work->Q, t, j)) > OLS_NULL_TOL) {
                flag[t] = 1;
                count++;
                break;
            }
        }
    }
    terms = join_terms(s, flag, count);
    if (count == 1)
        msg = api->format("ols: the design matrix is singular: the column %s is zero in every "
                          "row; drop it",
                          terms);
    else
        msg = api->format("ols: the design matrix is singular (rank %zu of %zu terms): %s are "
                          "linearly dependent (collinear); drop one of them",
                          rank, s->k, terms);
    api->free(terms);
    api->free(flag);
    return msg;
}

/*
 * R's summary.lm numbers from the coefficients C, the diagonal UDIAG of the
 * unscaled covariance (X'WX)^-1, the residual and model sums of squares
 * (about the weighted mean of the fit with an intercept, about zero
 * without) and the sum of the weights SW. Allocates the coefficient arrays.
 */
static void
set_stats(struct ols *s, const double *c, const double *udiag, double rss, double mss, double sw)
{
    const double df_int = s->intercept ? 1 : 0;

    s->coef = api->calloc(4 * s->k, sizeof(double));
    s->se = s->coef + s->k;
    s->tval = s->coef + 2 * s->k;
    s->pval = s->coef + 3 * s->k;
    s->rss = rss;
    s->mse = rss / sw;
    s->df_resid = s->n_obs - (double)s->k;
    s->sigma = sqrt(rss / s->df_resid);
    s->r2 = mss / (mss + rss);
    s->adj_r2 = 1 - (1 - s->r2) * ((s->n_obs - df_int) / s->df_resid);
    s->f_df1 = (double)s->k - df_int;
    if (s->f_df1 > 0) {
        s->fstat = (mss / s->f_df1) / (s->sigma * s->sigma);
        s->f_p = gsl_cdf_fdist_Q(s->fstat, s->f_df1, s->df_resid);
    } else {
        s->fstat = s->f_p = NAN;
    }
    for (size_t t = 0; t < s->k; t++) {
        s->coef[t] = c[t];
        s->se[t] = s->sigma * sqrt(udiag[t]);
        s->tval[t] = s->coef[t] / s->se[t];
        s->pval[t] = 2 * gsl_cdf_tdist_Q(fabs(s->tval[t]), s->df_resid);
    }
}

/* The result of normal_fit when the normal equations do not suit the data. */
#define OLS_USE_QR 2

/*
 * Solve by the normal equations from the pass (see the top of the file):
 * AIWB_OK with the statistics set, OLS_USE_QR when the problem is too
 * ill-conditioned, the fit too close to perfect or the design singular for
 * them, or AIWB_ENUMERIC when GSL fails otherwise.
 */
static int
normal_fit(struct ols *s)
{
    const size_t p = s->p, m = p + 1;
    double *M = api->alloc(m * m * sizeof(double)), *mean = api->alloc(m * sizeof(double));
    double *c = api->calloc(s->k, sizeof(double)), *udiag = api->calloc(s->k, sizeof(double));
    gsl_matrix *Cs = p > 0 ? gsl_matrix_alloc(p, p) : NULL;
    gsl_vector *d = p > 0 ? gsl_vector_alloc(p) : NULL, *b = p > 0 ? gsl_vector_alloc(p) : NULL;
    gsl_vector *work = p > 0 ? gsl_vector_alloc(3 * p) : NULL;
    double sw, loss, rcond = 1, syy, mss = 0, rss;
    const size_t t0 = (size_t)s->intercept;
    int rc = OLS_USE_QR;

    xprod_moments(s->xp, M, mean, &sw);
    syy = M[p * m + p];
    /* How much the centring cancelled (1 without: raw sums cancel nothing). */
    loss = 1;
    for (size_t j = 0; s->intercept && j <= p; j++) {
        double ratio = M[j * m + j] > 0 ? xprod_raw(s->xp, j) / M[j * m + j] : INFINITY;
        if (ratio > loss)
            loss = ratio;
    }
    if (p > 0 && (Cs == NULL || d == NULL || b == NULL || work == NULL)) {
        rc = AIWB_ENUMERIC;
        goto out;
    }
    /* Scale to unit diagonal: the condition number then measures collinearity, not units. */
    for (size_t j = 0; j < p; j++) {
        if (!(M[j * m + j] > 0))
            goto out; /* a constant (or zero) column: rank deficient */
        gsl_vector_set(d, j, 1 / sqrt(M[j * m + j]));
    }
    for (size_t j = 0; j < p; j++) {
        for (size_t l = 0; l < p; l++)
            gsl_matrix_set(Cs, j, l, d->data[j] * M[j * m + l] * d->data[l]);
        gsl_vector_set(b, j, d->data[j] * M[j * m + p]);
    }
    if (p > 0) {
        if (gsl_linalg_cholesky_decomp1(Cs) != GSL_SUCCESS)
            goto out; /* not positive definite: (near) singular */
        if (gsl_linalg_cholesky_rcond(Cs, &rcond, work) != GSL_SUCCESS) {
            rc = AIWB_ENUMERIC;
            goto out;
        }
        if (!(rcond > 0) || loss / rcond > OLS_NE_COND) {
            api->log(AIWB_LOG_DEBUG, "ols: condition number about %.3g: solving by QR",
                     loss / rcond);
            goto out;
        }
        if (gsl_linalg_cholesky_svx(Cs, b) != GSL_SUCCESS) {
            rc = AIWB_ENUMERIC;
            goto out;
        }
        for (size_t j = 0; j < p; j++) {
            c[t0 + j] = d->data[j] * b->data[j];
            mss += c[t0 + j] * M[j * m + p];
        }
    }
    rss = syy - mss;
    if (!(rss > OLS_NE_RSS * syy)) {
        api->log(AIWB_LOG_DEBUG, "ols: a near-perfect fit: solving by QR");
        goto out;
    }
    /* The unscaled covariance: (X'WX)^-1 = D Cs^-1 D for the slopes; with an
     * intercept, the centred design gives 1/sw + mean' (X'WX)^-1 mean for it. */
    if (p > 0 && gsl_linalg_cholesky_invert(Cs) != GSL_SUCCESS) {
        rc = AIWB_ENUMERIC;
        goto out;
    }
    for (size_t j = 0; j < p; j++)
        udiag[t0 + j] = d->data[j] * d->data[j] * gsl_matrix_get(Cs, j, j);
    if (s->intercept) {
        double q = 0, slope = 0;
        for (size_t j = 0; j < p; j++) {
            for (size_t l = 0; l < p; l++)
                q += mean[j] * d->data[j] * gsl_matrix_get(Cs, j, l) * d->data[l] * mean[l];
            slope += c[1 + j] * mean[j];
        }
        c[0] = mean[p] - slope;
        udiag[0] = 1 / sw + q;
    }
    set_stats(s, c, udiag, rss, mss, sw);
    api->log(AIWB_LOG_DEBUG, "ols: solved by the normal equations (condition number about %.3g)",
             loss / rcond);
    rc = AIWB_OK;
out:
    gsl_vector_free(work);
    gsl_vector_free(b);
    gsl_vector_free(d);
    gsl_matrix_free(Cs);
    api->free(udiag);
    api->free(c);
    api->free(mean);
    api->free(M);
    return rc;
}

/* R's summary.lm warning: residual variance below 1e-30 of the fitted values' size. */
static int
perfect_fit(const struct ols *s, const gsl_vector *f)
{
    const double *fv = f->data; /* stride 1 */
    double mean = 0, var = 0;

    for (size_t i = 0; i < f->size; i++)
        mean += fv[i];
    mean /= (double)f->size;
    for (size_t i = 0; i < f->size; i++) {
        double d = fv[i] - mean;
        var += d * d;
    }
    var /= f->size > 1 ? (double)(f->size - 1) : 1.0;
    return s->sigma * s->sigma < (mean * mean + var) * 1e-30;
}

/*
 * The triangular factor of sqrt(W) [1 X y] (k + 1 columns) in S, by
 * Householder QR over blocks of OLS_BLOCK rows (gsl_linalg_QR_UR_decomp:
 * the factor so far on top of the next block). Its top k x k block is R of
 * the design, its last column holds Q'y and the residual norm. Nothing of
 * size n is stored, and the blocks stay in cache.
 */
#define OLS_BLOCK 1024

static int
triangular_factor(const struct ols *s, const struct aiwb_problem *prob, gsl_matrix *S)
{
    const size_t n = prob->n, kk = s->k + 1;
    gsl_matrix *A = gsl_matrix_alloc(OLS_BLOCK, kk), *T = gsl_matrix_alloc(kk, kk);
    int rc = GSL_ENOMEM;

    if (A == NULL || T == NULL)
        goto out;
    gsl_matrix_set_zero(S);
    for (size_t i0 = 0; i0 < n; i0 += OLS_BLOCK) {
        size_t rows = n - i0 < OLS_BLOCK ? n - i0 : OLS_BLOCK;

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

/* The fitted values [1 X] c into F. */
static int
fitted_values(const struct ols *s, const struct aiwb_problem *prob, const gsl_vector *c,
              gsl_vector *f)
{
    gsl_vector_set_all(f, s->intercept ? gsl_vector_get(c, 0) : 0.0);
    if (s->p == 0)
        return GSL_SUCCESS;

    gsl_matrix_const_view X =
        gsl_matrix_const_view_array_with_tda(prob->X, prob->n, s->p, prob->ldx);
    gsl_vector_const_view beta = gsl_vector_const_subvector(c, (size_t)s->intercept, s->p);
    return gsl_blas_dgemv(CblasNoTrans, 1.0, &X.matrix, &beta.vector, 1.0, f);
}

/* The residual and model sums of squares of the fitted values F, and the
 * sum of the weights, into OUT[0..2]. */
static void
sums_of_squares(const struct ols *s, const struct aiwb_problem *prob, const gsl_vector *f,
                double out[3])
{
    const double *w = prob->w, *fv = f->data; /* f is a whole vector: stride 1 */
    double sw = 0, swf = 0, mss = 0, rss = 0;

    for (size_t i = 0; i < prob->n; i++) {
        double wi = w != NULL ? w[i] : 1.0, ri = prob->y[i] - fv[i];

        rss += wi * ri * ri;
        sw += wi;
        swf += wi * fv[i];
    }
    for (size_t i = 0; i < prob->n; i++) {
        double wi = w != NULL ? w[i] : 1.0;
        double d = fv[i] - (s->intercept ? swf / sw : 0);

        mss += wi * d * d;
    }
    out[0] = rss;
    out[1] = mss;
    out[2] = sw;
}

/*
 * Fit by QR and SVD, check the rank and compute the statistics. The least
 * squares are GSL's SVD solution (gsl_multifit_wlinear_tsvd, column
 * balancing and the modified Golub-Reinsch SVD) of the small system
 * [R; 0] c = [Q'y; rho] from triangular_factor: the same c, singular values
 * and (X'WX)^-1 as on the n rows themselves, which is what LAPACK's dgelsd
 * does too for n >> k. Its weights are all one: the sample weights are
 * already in R.
 */
static int
qr_fit(struct ols *s, const struct aiwb_problem *prob, char **cause)
{
    const size_t n = prob->n, k = s->k;
    gsl_matrix *S = gsl_matrix_alloc(k + 1, k + 1), *cov = gsl_matrix_alloc(k, k);
    gsl_vector *c = gsl_vector_alloc(k), *f = gsl_vector_alloc(n);
    gsl_vector *ones = gsl_vector_alloc(k + 1), *rhs = gsl_vector_alloc(k + 1);
    gsl_multifit_linear_workspace *work = gsl_multifit_linear_alloc(k + 1, k);
    double chisq, ss[3], *udiag = NULL;
    size_t rank;
    int rc = AIWB_ENOMEM, grc;

    if (S == NULL || cov == NULL || c == NULL || f == NULL || ones == NULL || rhs == NULL ||
        work == NULL) {
        *cause = api->format("ols: out of memory for a %zu x %zu least-squares problem", n, k);
        goto out;
    }
    grc = triangular_factor(s, prob, S);
    if (grc == GSL_SUCCESS) {
        gsl_matrix_view R = gsl_matrix_submatrix(S, 0, 0, k + 1, k);
        gsl_vector_view qty = gsl_matrix_column(S, k);

        gsl_vector_memcpy(rhs, &qty.vector);
        gsl_vector_set_all(ones, 1.0);
        grc = gsl_multifit_wlinear_tsvd(&R.matrix, ones, rhs, OLS_RANK_TOL, c, cov, &chisq, &rank,
                                        work);
    }
    if (grc == GSL_SUCCESS && rank == k)
        grc = fitted_values(s, prob, c, f);
    if (grc != GSL_SUCCESS) {
        *cause = api->format("ols: the least-squares fit failed: %s", gsl_strerror(grc));
        rc = grc == GSL_ENOMEM ? AIWB_ENOMEM : AIWB_ENUMERIC;
        goto out;
    }
    if (rank < k) {
        *cause = describe_dependency(s, work, rank);
        rc = AIWB_ENUMERIC;
        goto out;
    }

    udiag = api->alloc(k * sizeof(double));
    for (size_t t = 0; t < k; t++)
        udiag[t] = gsl_matrix_get(cov, t, t);
    sums_of_squares(s, prob, f, ss);
    set_stats(s, c->data, udiag, ss[0], ss[1], ss[2]);
    if (perfect_fit(s, f))
        api->log(AIWB_LOG_WARN, "ols: essentially perfect fit: the standard errors and tests "
                                "are unreliable");
    rc = AIWB_OK;
out:
    api->free(udiag);
    gsl_multifit_linear_free(work);
    gsl_vector_free(rhs);
    gsl_vector_free(ones);
    gsl_vector_free(f);
    gsl_vector_free(c);
    gsl_matrix_free(cov);
    gsl_matrix_free(S);
    return rc;
}

/* Solve: by the normal equations when they suit, else by QR. */
static int
ols_fit(struct ols *s, const struct aiwb_problem *prob, char **cause)
{
    int rc = normal_fit(s);

    if (rc == OLS_USE_QR)
        rc = qr_fit(s, prob, cause);
    else if (rc != AIWB_OK)
        *cause = api->format("ols: the normal equations failed (GSL)");
    xprod_free(s->xp);
    s->xp = NULL;
    if (rc == AIWB_OK)
        s->fitted = 1;
    return rc;
}

/* One-shot: fit on the first call and report the training numbers. */
static int
ols_iterate(void *state, const struct aiwb_problem *prob, struct aiwb_step *step, char **cause)
{
    struct ols *s = state;
    int rc;

    if (!s->fitted) {
        rc = ols_fit(s, prob, cause);
        if (rc != AIWB_OK)
            return rc;
    }
    api->step_value(step, "loss", s->mse);
    api->step_value(step, "r2", s->r2);
    api->step_value(step, "adj_r2", s->adj_r2);
    api->step_value(step, "sigma", s->sigma);
    return AIWB_OK;
}

/* Nothing to keep but the fit; stopped before it, there is no model. */
static int
ols_finish(void *state, const struct aiwb_problem *prob, char **cause)
{
    struct ols *s = state;

    (void)prob;
    if (!s->fitted) {
        *cause = api->format("ols: training stopped before the fit was done: there is no model");
        return AIWB_ERR;
    }
    return AIWB_OK;
}

/* A number as R prints it in summary.lm (4 significant digits). */
static void
fmt4(char *buf, size_t size, double v)
{
    snprintf(buf, size, "%.4g", v);
}

/* R's format.pval: "< 2.2e-16" below the machine epsilon. */
static void
fmt_pval(char *buf, size_t size, double p)
{
    if (p < GSL_DBL_EPSILON)
        snprintf(buf, size, "< 2.2e-16");
    else
        snprintf(buf, size, "%.4g", p);
}

/* The coefficient table as R's summary(lm), the other lines as notes. */
static int
ols_report(const void *state, struct aiwb_table *t)
{
    const struct ols *s = state;
    char a[32], b[32], c[32];
    char *note;

    if (!s->fitted)
        return AIWB_EINVAL;
    api->table_title(t, "ols: coefficients");
    api->table_column(t, "term", AIWB_TABLE_TEXT);
    api->table_column(t, "estimate", AIWB_TABLE_REAL);
    api->table_column(t, "std_error", AIWB_TABLE_REAL);
    api->table_column(t, "t_value", AIWB_TABLE_REAL);
    api->table_column(t, "p_value", AIWB_TABLE_REAL);
    for (size_t i = 0; i < s->k; i++) {
        api->table_text(t, s->terms[i]);
        api->table_real(t, s->coef[i]);
        api->table_real(t, s->se[i]);
        api->table_real(t, s->tval[i]);
        api->table_real(t, s->pval[i]);
    }

    fmt4(a, sizeof(a), s->sigma);
    note = api->format("Residual standard error: %s on %.0f degrees of freedom", a, s->df_resid);
    api->table_note(t, note);
    api->free(note);
    fmt4(a, sizeof(a), s->r2);
    fmt4(b, sizeof(b), s->adj_r2);
    note = api->format("Multiple R-squared: %s, Adjusted R-squared: %s", a, b);
    api->table_note(t, note);
    api->free(note);
    if (!isnan(s->fstat)) {
        fmt4(a, sizeof(a), s->fstat);
        fmt_pval(c, sizeof(c), s->f_p);
        note = api->format("F-statistic: %s on %.0f and %.0f DF, p-value: %s", a, s->f_df1,
                           s->df_resid, c);
        api->table_note(t, note);
        api->free(note);
    }
    if (s->weighted) {
        note = api->format("Weighted least squares on %.0f rows of non-zero weight", s->n_obs);
        api->table_note(t, note);
        api->free(note);
    }
    return AIWB_OK;
}

/* Everything summary() and predict() need, reals as IEEE bits. */
static int
ols_save(const void *state, struct aiwb_writer *w)
{
    const struct ols *s = state;
    int rc;

    if (!s->fitted)
        return AIWB_EINVAL;
    rc = api->put_int(w, "intercept", s->intercept);
    if (rc == AIWB_OK)
        rc = api->put_int(w, "weighted", s->weighted);
    if (rc == AIWB_OK)
        rc = api->put_int(w, "p", (int64_t)s->p);
    if (rc == AIWB_OK)
        rc = api->put_strs(w, "terms", s->k, (const char *const *)s->terms);
    if (rc == AIWB_OK)
        rc = api->put_reals(w, "estimate", s->k, s->coef);
    if (rc == AIWB_OK)
        rc = api->put_reals(w, "std_error", s->k, s->se);
    if (rc == AIWB_OK)
        rc = api->put_reals(w, "t_value", s->k, s->tval);
    if (rc == AIWB_OK)
        rc = api->put_reals(w, "p_value", s->k, s->pval);
    for (size_t i = 0; i < OLS_NSCALARS && rc == AIWB_OK; i++)
        rc = api->put_real(w, ols_scalars[i].key, *predict_scalar((struct ols *)s, ols_scalars, i));
    return rc;
}

static const struct aiwb_option_spec ols_options[] = {
    {.name = "intercept",
     .type = AIWB_OPT_BOOL,
     .def = "true",
     .help = "fit a constant term, as R's lm() does; false fits through the origin"},
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
    struct ols *s = state;

    xprod_free(s->xp);
    s->xp = NULL;
    ols_fini(s);
}

static const struct aiwb_algorithm_type ols_type = {
    .abi_version = AIWB_ABI_VERSION,
    .size = sizeof(struct aiwb_algorithm_type),
    .name = "ols",
    .summary = "linear least squares (Cholesky or QR and SVD) with R's lm() statistics",
    .options = ols_options,
    .flags = OLS_FLAGS,
    .state_version = OLS_STATE_VERSION,
    .state_size = sizeof(struct ols),
    .init = ols_init,
    .iterate = ols_iterate,
    .finish = ols_finish,
    .n_outputs = ols_n_outputs,
    .predict = ols_predict,
    .report = ols_report,
    .save = ols_save,
    .load = ols_load,
    .fini = fini,
};

/* The module's entry point: registers the "ols" algorithm. */
int
aiwb_plugin_init(struct aiwb_plugin *p, const struct aiwb_host_api *host)
{
    AIWB_PLUGIN_BEGIN(p, host, api, "ols", "1.0.0");
    algo_ols_bind(host);
    return api->register_algorithm(p, &ols_type);
}
