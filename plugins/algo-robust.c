/*
 * algo-robust.c - robust linear regression (M-estimation by iteratively
 * reweighted least squares): GSL's gsl_multifit_robust, one step at a time.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * GSL's algorithm is MATLAB's robustfit (DuMouchel and O'Brien 1989; Street,
 * Carroll and Ruppert 1988): start from least squares, then repeat: scale
 * the residuals by 1 / sqrt(1 - h_i) (h_i the leverage of row i), estimate
 * sigma by their MAD (the median of the |r| left after dropping the p - 1
 * smallest, over 0.6745), weight each row by w(r_i / (tune * sigma)) and
 * solve the weighted least squares, until no coefficient moves by more than
 * sqrt(DBL_EPSILON) of itself. The standard errors are sigma^2 (X'X)^-1 with
 * sigma Street's robust estimate, kept at least as large as a blend with the
 * least-squares sigma (DuMouchel and O'Brien, section 4.1).
 *
 * gsl_multifit_robust runs every iteration in one call, with an SVD of the
 * whole n x p design in each: 60 s for a million rows and ten features, with
 * no progress and no way to stop it. So this plugin takes the same steps
 * itself, one IRLS step an iterate(), with GSL's own weight and psi'
 * functions (the gsl_multifit_robust_type of each method), GSL's MAD, floor
 * under sigma, convergence test and closing statistics, but the least
 * squares by a Householder QR computed block by block (3 s for the same
 * problem). tests/unit/test-glm.c checks it against gsl_multifit_robust
 * itself: the same iterations, the coefficients and scales to 1e-9.
 *
 * R's MASS::rlm solves the same M-estimation equations with the same psi
 * functions (psi.huber with k = tune, psi.bisquare with c = tune), but it
 * estimates sigma by the MAD of the raw residuals, without the leverage
 * factor and without dropping any; its standard errors use Huber's kappa
 * correction instead of Street's. So the two agree exactly only where the
 * leverage is the same in every row and p = 1 (a robust location estimate,
 * which the test checks to 1e-8). With predictors they differ: on the
 * stackloss data (21 rows, 4 coefficients, tests/data/glm/glm-reference.txt)
 * by up to 8% in a coefficient with huber and 45% with bisquare.
 *
 * The default method is huber, as R's rlm: its objective is convex, so the
 * fit is the one solution whatever the start, and GSL starts from least
 * squares. The redescending methods (bisquare, GSL's own default, cauchy,
 * welsch) reject gross outliers entirely but may settle in a local solution
 * near the least-squares start when the outliers are many or have leverage.
 */
#include <config.h>

#include <inttypes.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_multifit.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics.h>
#include <gsl/gsl_vector.h>

#include <aiwb/plugin.h>

#include "algo-robust.h"

/* Singular values of the balanced design at or below this fraction of the largest are zero. */
#define ROBUST_RANK_TOL 1e-7
/* A term takes part in a dependency when its share of a null vector is above this. */
#define ROBUST_NULL_TOL 1e-6
/* Rows per block of the QR that checks the rank. */
#define ROBUST_BLOCK 1024

static const struct aiwb_host_api *api;

/* GSL's weight functions, in the order of robust_methods[] (algo-robust.h). */
static const gsl_multifit_robust_type *const *const method_types[ROBUST_NMETHODS] = {
    &gsl_multifit_robust_huber,
    &gsl_multifit_robust_bisquare,
    &gsl_multifit_robust_cauchy,
    &gsl_multifit_robust_fair,
    &gsl_multifit_robust_ols,
    &gsl_multifit_robust_welsch,
};

/* What exists only while training. */
struct train {
    double *r;        /* n: the residuals y - X c */
    double *resfac;   /* n: 1 / sqrt(1 - h_i), h_i the leverage (at most 0.9999) */
    double *u;        /* n: residuals scaled for the weight function */
    double *w;        /* n: the weights of the last weighted least squares */
    double *tmp;      /* n: for sorting */
    double *c;        /* k: the coefficients */
    double *cprev;    /* k: those of the step before */
    gsl_matrix *S;    /* (k+1) x (k+1): the triangular factor of the last least squares */
    gsl_matrix *XtXi; /* k x k: (X'X)^-1 */
    gsl_matrix *A;    /* a block of rows */
    gsl_matrix *T;    /* QR workspace */
    double sig_lower; /* GSL's floor under sigma: 1e-6 sd(y) */
    double sigma;     /* the MAD sigma of the last step */
    double change;    /* the largest relative change of a coefficient in it */
    int started;      /* the least-squares start is done */
};

static void
train_free(struct train *tr)
{
    if (tr == NULL)
        return;
    gsl_matrix_free(tr->S);
    gsl_matrix_free(tr->XtXi);
    gsl_matrix_free(tr->A);
    gsl_matrix_free(tr->T);
    api->free(tr->r);
    api->free(tr);
}

/* Free what the state owns and zero it, keeping the options: what training
 * keeps here, the model in the predict half. */
static void
clear(struct robust *s)
{
    train_free(s->tr);
    s->tr = NULL;
    robust_clear(s);
}

static const char *
target_name(const struct aiwb_problem *prob)
{
    return prob->target_name != NULL ? prob->target_name : "target";
}

static const char *
method_name(const struct robust *s)
{
    return robust_methods[s->method];
}

/* ---------------------------------------------------------------------------
 * Setting up.
 */

static int
read_options(struct robust *s, const struct aiwb_options *opts, char **cause)
{
    const char *m = api->opt_str(opts, "method");

    s->method = ROBUST_NMETHODS;
    for (size_t i = 0; i < ROBUST_NMETHODS && m != NULL; i++)
        if (strcmp(m, robust_methods[i]) == 0)
            s->method = i;
    if (s->method == ROBUST_NMETHODS) {
        *cause = api->format("robust: unknown method '%s'", m != NULL ? m : "");
        return AIWB_EINVAL;
    }
    if (api->opt_given(opts, "tune"))
        s->tune = api->opt_real(opts, "tune");
    else
        s->tune = (*method_types[s->method])->tuning_default;
    if (!(s->tune > 0) || !isfinite(s->tune)) {
        *cause = api->format("robust: tune must be a number > 0, not %g", s->tune);
        return AIWB_EINVAL;
    }
    s->intercept = api->opt_bool(opts, "intercept") != 0;
    s->max_iter = api->opt_int(opts, "max_iter");
    if (s->max_iter < 1) {
        *cause = api->format("robust: max_iter must be at least 1, not %" PRId64, s->max_iter);
        return AIWB_EINVAL;
    }
    return AIWB_OK;
}

/* Name the k terms: "(Intercept)" and the feature names ("x1" ... without). */
static void
set_terms(struct robust *s, const struct aiwb_problem *prob)
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

/* Finite values, more rows than coefficients, a target that varies. */
static int
check_problem(const struct robust *s, const struct aiwb_problem *prob, char **cause)
{
    int constant = 1;

    for (size_t i = 0; i < prob->n; i++) {
        const double *xi = prob->X + i * prob->ldx;

        if (!isfinite(prob->y[i])) {
            *cause = api->format("robust: row %zu: the target '%s' is %g, not a finite number",
                                 i + 1, target_name(prob), prob->y[i]);
            return AIWB_EDATA;
        }
        for (size_t j = 0; j < s->p; j++) {
            if (!isfinite(xi[j])) {
                *cause = api->format("robust: row %zu column '%s': %g is not a finite number",
                                     i + 1, s->terms[j + (size_t)s->intercept], xi[j]);
                return AIWB_EDATA;
            }
        }
        if (prob->y[i] != prob->y[0])
            constant = 0;
    }
    if (prob->n <= s->k) {
        *cause = api->format("robust: %zu rows are too few for %zu coefficients: the fit needs "
                             "more rows than coefficients",
                             prob->n, s->k);
        return AIWB_EDATA;
    }
    if (constant) {
        *cause = api->format("robust: the target '%s' is constant (%g in every row): there is "
                             "nothing to fit",
                             target_name(prob), prob->y[0]);
        return AIWB_EDATA;
    }
    return AIWB_OK;
}

/* The model's arrays and the training workspace for N rows. */
static int
alloc_train(struct robust *s, size_t n, char **cause)
{
    const size_t k = s->k;
    struct train *tr = s->tr = api->calloc(1, sizeof(struct train));

    s->coef = api->calloc(3 * k, sizeof(double));
    s->se = s->coef + k;
    s->tval = s->coef + 2 * k;
    tr->r = api->alloc((5 * n + 2 * k) * sizeof(double));
    tr->resfac = tr->r + n;
    tr->u = tr->resfac + n;
    tr->w = tr->u + n;
    tr->tmp = tr->w + n;
    tr->c = tr->tmp + n;
    tr->cprev = tr->c + k;
    tr->S = gsl_matrix_alloc(k + 1, k + 1);
    tr->XtXi = gsl_matrix_alloc(k, k);
    tr->A = gsl_matrix_alloc(ROBUST_BLOCK, k + 1);
    tr->T = gsl_matrix_alloc(k + 1, k + 1);
    if (tr->S == NULL || tr->XtXi == NULL || tr->A == NULL || tr->T == NULL) {
        *cause = api->format("robust: out of memory for %zu coefficients", k);
        return AIWB_ENOMEM;
    }
    return AIWB_OK;
}

/* Read the options and check the problem; the first iterate starts the fit. */
static int
robust_init(void *state, const struct aiwb_options *opts, const struct aiwb_problem *prob,
            char **cause)
{
    struct robust *s = state;
    int rc;

    clear(s);
    rc = read_options(s, opts, cause);
    if (rc != AIWB_OK)
        return rc;
    s->p = prob->p;
    s->k = prob->p + (size_t)s->intercept;
    if (s->k == 0) {
        *cause = api->format("robust: no features and no intercept: there is nothing to fit");
        return AIWB_EINVAL;
    }
    set_terms(s, prob);
    if (prob->w != NULL)
        api->log(AIWB_LOG_WARN, "robust: sample weights are ignored: the robust weights replace "
                                "them");
    rc = check_problem(s, prob, cause);
    if (rc != AIWB_OK)
        return rc;
    return alloc_train(s, prob->n, cause);
}

/* ---------------------------------------------------------------------------
 * Fitting: gsl_multifit_robust's algorithm, one IRLS step an iterate.
 */

/* The triangular factor of the rows sqrt(w_i) [1 x_i y_i] (W NULL: ones;
 * rows of weight 0 left out) in tr->S, by a Householder QR over blocks. */
static int
factor_rows(const struct robust *s, struct train *tr, const struct aiwb_problem *prob,
            const double *w)
{
    const size_t k = s->k, kk = k + 1;
    size_t rows = 0;
    int rc = GSL_SUCCESS;

    gsl_matrix_set_zero(tr->S);
    for (size_t i = 0; i <= prob->n && rc == GSL_SUCCESS; i++) {
        if (i < prob->n && (w == NULL || w[i] > 0)) {
            const double sw = w != NULL ? sqrt(w[i]) : 1.0;
            double *row = tr->A->data + rows * tr->A->tda;

            if (s->intercept)
                *row++ = sw;
            for (size_t j = 0; j < s->p; j++)
                row[j] = sw * prob->X[i * prob->ldx + j];
            row[s->p] = sw * prob->y[i];
            rows++;
        }
        if (rows == ROBUST_BLOCK || (i == prob->n && rows > 0)) {
            gsl_matrix_view b = gsl_matrix_submatrix(tr->A, 0, 0, rows, kk);
            rc = gsl_linalg_QR_UR_decomp(tr->S, &b.matrix, tr->T);
            rows = 0;
        }
    }
    return rc;
}

/* The least-squares solution R c = Q'y from tr->S into tr->c; GSL_ESING if R is singular. */
static int
solve_factor(const struct robust *s, struct train *tr)
{
    const size_t k = s->k;
    double dmax = 0;

    for (size_t t = 0; t < k; t++)
        dmax = fmax(dmax, fabs(gsl_matrix_get(tr->S, t, t)));
    for (size_t t = 0; t < k; t++) {
        if (!(fabs(gsl_matrix_get(tr->S, t, t)) > ROBUST_RANK_TOL * 1e-3 * dmax))
            return GSL_ESING;
        tr->c[t] = gsl_matrix_get(tr->S, t, k);
    }
    gsl_matrix_const_view R = gsl_matrix_const_submatrix(tr->S, 0, 0, k, k);
    gsl_vector_view c = gsl_vector_view_array(tr->c, k);
    return gsl_blas_dtrsv(CblasUpper, CblasNoTrans, CblasNonUnit, &R.matrix, &c.vector);
}

/* r = y - [1 X] c; returns the sum of squares. */
static double
residuals(const struct robust *s, struct train *tr, const struct aiwb_problem *prob)
{
    const size_t n = prob->n;
    double ss = 0;

    for (size_t i = 0; i < n; i++)
        tr->r[i] = s->intercept ? tr->c[0] : 0.0;
    if (s->p > 0) {
        gsl_matrix_const_view X = gsl_matrix_const_view_array_with_tda(prob->X, n, s->p, prob->ldx);
        gsl_vector_const_view b = gsl_vector_const_view_array(tr->c + s->intercept, s->p);
        gsl_vector_view r = gsl_vector_view_array(tr->r, n);
        gsl_blas_dgemv(CblasNoTrans, 1.0, &X.matrix, &b.vector, 1.0, &r.vector);
    }
    for (size_t i = 0; i < n; i++) {
        tr->r[i] = prob->y[i] - tr->r[i];
        ss += tr->r[i] * tr->r[i];
    }
    return ss;
}

/* "'a', 'b' and 'c'": the terms whose flag is set, in a new string. */
static char *
join_terms(const struct robust *s, const unsigned char *flag, size_t count)
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

/* Name the terms of a rank-deficient design: those with a share of the
 * null-space vectors (columns RANK.. of the SVD's V in work->Q). */
static char *
describe_dependency(const struct robust *s, const gsl_multifit_linear_workspace *work, size_t rank)
{
    unsigned char *flag = api->calloc(s->k, 1);
    size_t count = 0;
    char *terms, *msg;

    for (size_t t = 0; t < s->k; t++) {
        for (size_t j = rank; j < s->k; j++) {
            if (fabs(gsl_matrix_get(work->Q, t, j)) > ROBUST_NULL_TOL) {
                flag[t] = 1;
                count++;
                break;
            }
        }
    }
    terms = join_terms(s, flag, count);
    if (count == 1)
        msg = api->format("robust: the design matrix is singular: the column %s is zero in every "
                          "row; drop it",
                          terms);
    else
        msg = api->format("robust: the design matrix is singular (rank %zu of %zu terms): %s are "
                          "linearly dependent (collinear); drop one of them",
                          rank, s->k, terms);
    api->free(terms);
    api->free(flag);
    return msg;
}

/*
 * Refuse a rank-deficient design, which GSL would fit with the minimum-norm
 * solution: the SVD, with column balancing, of the least-squares factor R
 * in tr->S (the same singular values as the design's).
 */
static int
check_rank(const struct robust *s, struct train *tr, char **cause)
{
    const size_t k = s->k;
    gsl_matrix *cov = gsl_matrix_alloc(k, k);
    gsl_vector *ones = gsl_vector_alloc(k + 1), *zero = gsl_vector_calloc(k + 1);
    gsl_vector *c = gsl_vector_alloc(k);
    gsl_multifit_linear_workspace *work = gsl_multifit_linear_alloc(k + 1, k);
    double chisq;
    size_t rank = 0;
    int rc = GSL_ENOMEM;

    if (cov != NULL && ones != NULL && zero != NULL && c != NULL && work != NULL) {
        gsl_matrix_view R = gsl_matrix_submatrix(tr->S, 0, 0, k + 1, k);
        gsl_vector_set_all(ones, 1.0);
        rc = gsl_multifit_wlinear_tsvd(&R.matrix, ones, zero, ROBUST_RANK_TOL, c, cov, &chisq,
                                       &rank, work);
    }
    if (rc != GSL_SUCCESS)
        *cause =
            api->format("robust: checking the rank of the design failed: %s", gsl_strerror(rc));
    else if (rank < k)
        *cause = describe_dependency(s, work, rank);
    gsl_multifit_linear_free(work);
    gsl_vector_free(c);
    gsl_vector_free(zero);
    gsl_vector_free(ones);
    gsl_matrix_free(cov);
    if (rc != GSL_SUCCESS)
        return rc == GSL_ENOMEM ? AIWB_ENOMEM : AIWB_ENUMERIC;
    return rank < k ? AIWB_ENUMERIC : AIWB_OK;
}

/*
 * (X'X)^-1 = R^-1 R^-T from the least-squares factor, and the leverages
 * h_i = |R^-T x_i|^2, kept as GSL keeps them: resfac_i = 1 / sqrt(1 - h_i),
 * h at most 0.9999. The rows go through BLAS a block at a time.
 */
static int
leverages(const struct robust *s, struct train *tr, const struct aiwb_problem *prob)
{
    const size_t k = s->k, n = prob->n;
    gsl_matrix *Ri = gsl_matrix_calloc(k, k);
    int rc = Ri != NULL ? GSL_SUCCESS : GSL_ENOMEM;

    if (rc == GSL_SUCCESS) {
        gsl_matrix_const_view R = gsl_matrix_const_submatrix(tr->S, 0, 0, k, k);
        for (size_t i = 0; i < k; i++)
            for (size_t j = i; j < k; j++)
                gsl_matrix_set(Ri, i, j, gsl_matrix_get(&R.matrix, i, j));
        rc = gsl_linalg_tri_invert(CblasUpper, CblasNonUnit, Ri);
    }
    if (rc == GSL_SUCCESS)
        rc = gsl_blas_dgemm(CblasNoTrans, CblasTrans, 1.0, Ri, Ri, 0.0, tr->XtXi);
    for (size_t i0 = 0; i0 < n && rc == GSL_SUCCESS; i0 += ROBUST_BLOCK) {
        const size_t rows = n - i0 < ROBUST_BLOCK ? n - i0 : ROBUST_BLOCK;
        gsl_matrix_view B = gsl_matrix_submatrix(tr->A, 0, 0, rows, k);
        gsl_matrix_const_view R = gsl_matrix_const_submatrix(tr->S, 0, 0, k, k);

        for (size_t r = 0; r < rows; r++) {
            double *row = B.matrix.data + r * B.matrix.tda;
            if (s->intercept)
                *row++ = 1.0;
            memcpy(row, prob->X + (i0 + r) * prob->ldx, s->p * sizeof(double));
        }
        rc = gsl_blas_dtrsm(CblasRight, CblasUpper, CblasNoTrans, CblasNonUnit, 1.0, &R.matrix,
                            &B.matrix);
        for (size_t r = 0; r < rows && rc == GSL_SUCCESS; r++) {
            const double *row = B.matrix.data + r * B.matrix.tda;
            double h = 0;
            for (size_t t = 0; t < k; t++)
                h += row[t] * row[t];
            tr->resfac[i0 + r] = 1.0 / sqrt(1.0 - (h > 0.9999 ? 0.9999 : h));
        }
    }
    gsl_matrix_free(Ri);
    return rc;
}

static int
cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

/* GSL's MAD sigma of the N values X: the median of the |x| left after
 * dropping the k - 1 smallest, over 0.6745. Uses tr->tmp. */
static double
madsigma(const struct robust *s, struct train *tr, const double *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        tr->tmp[i] = fabs(x[i]);
    qsort(tr->tmp, n, sizeof(double), cmp_double);
    return gsl_stats_median_from_sorted_data(tr->tmp + (s->k - 1), 1, n - s->k + 1) / 0.6745;
}

/* The least-squares start: the fit, the rank check, (X'X)^-1, leverages, residuals. */
static int
start(struct robust *s, struct train *tr, const struct aiwb_problem *prob, char **cause)
{
    const size_t n = prob->n;
    int rc = factor_rows(s, tr, prob, NULL);

    if (rc == GSL_SUCCESS) {
        int arc = check_rank(s, tr, cause);
        if (arc != AIWB_OK)
            return arc;
        rc = solve_factor(s, tr);
    }
    if (rc == GSL_SUCCESS)
        rc = leverages(s, tr, prob);
    if (rc != GSL_SUCCESS) {
        *cause = api->format("robust: the least-squares start failed: %s", gsl_strerror(rc));
        return rc == GSL_ENOMEM ? AIWB_ENOMEM : AIWB_ENUMERIC;
    }
    residuals(s, tr, prob);
    {
        gsl_vector_const_view r = gsl_vector_const_view_array(tr->r, n);
        s->sigma_ols = gsl_blas_dnrm2(&r.vector) / sqrt((double)(n - s->k));
    }
    tr->sig_lower = 1.0e-6 * gsl_stats_sd(prob->y, 1, n);
    if (tr->sig_lower == 0.0)
        tr->sig_lower = 1.0;
    tr->started = 1;
    return AIWB_OK;
}

/*
 * One IRLS step as gsl_multifit_robust takes it: the residuals scaled for
 * leverage, their MAD sigma, the weights w(r / (tune * sigma)) by GSL's
 * weight function, the weighted least squares, the new residuals, and the
 * convergence test |c_i - c_i'| <= sqrt(DBL_EPSILON) max(|c_i|, |c_i'|).
 */
static int
irls_step(struct robust *s, struct train *tr, const struct aiwb_problem *prob, char **cause)
{
    const size_t n = prob->n, k = s->k;
    const gsl_multifit_robust_type *type = *method_types[s->method];
    gsl_vector_view u = gsl_vector_view_array(tr->u, n), w = gsl_vector_view_array(tr->w, n);
    double scale;
    int rc;

    for (size_t i = 0; i < n; i++)
        tr->u[i] = tr->r[i] * tr->resfac[i];
    tr->sigma = madsigma(s, tr, tr->u, n);
    scale = 1.0 / ((tr->sigma > tr->sig_lower ? tr->sigma : tr->sig_lower) * s->tune);
    for (size_t i = 0; i < n; i++)
        tr->u[i] *= scale;
    rc = type->wfun(&u.vector, &w.vector);
    memcpy(tr->cprev, tr->c, k * sizeof(double));
    if (rc == GSL_SUCCESS)
        rc = factor_rows(s, tr, prob, tr->w);
    if (rc == GSL_SUCCESS)
        rc = solve_factor(s, tr);
    if (rc != GSL_SUCCESS) {
        *cause = api->format("robust: the weighted least squares of IRLS iteration %.0f failed: "
                             "%s%s",
                             s->iterations + 1, gsl_strerror(rc),
                             rc == GSL_ESING ? " (too many rows lost their weight)" : "");
        return AIWB_ENUMERIC;
    }
    s->iterations++;
    s->mse = residuals(s, tr, prob) / (double)n;
    tr->change = 0;
    s->converged = 1;
    for (size_t t = 0; t < k; t++) {
        double a = tr->cprev[t], b = tr->c[t], m = fmax(fabs(a), fabs(b));
        if (fabs(b - a) > GSL_SQRT_DBL_EPSILON * m)
            s->converged = 0;
        if (m > 0)
            tr->change = fmax(tr->change, fabs(b - a) / m);
    }
    if (!isfinite(s->mse)) {
        *cause = api->format("robust: the residuals became %g at IRLS iteration %.0f: the data "
                             "may hold extreme values",
                             s->mse, s->iterations);
        return AIWB_ENUMERIC;
    }
    return AIWB_OK;
}

/* The first iterate starts from least squares; each does one IRLS step. */
static int
robust_iterate(void *state, const struct aiwb_problem *prob, struct aiwb_step *step, char **cause)
{
    struct robust *s = state;
    struct train *tr = s->tr;
    int rc;

    if (tr == NULL || s->converged)
        return AIWB_OK;
    if (!tr->started) {
        rc = start(s, tr, prob, cause);
        if (rc != AIWB_OK)
            return rc;
    }
    rc = irls_step(s, tr, prob, cause);
    if (rc != AIWB_OK)
        return rc;
    api->step_value(step, "loss", s->mse);
    api->step_value(step, "scale", tr->sigma);
    api->step_value(step, "change", tr->change);
    api->step_value(step, "converged", s->converged);
    if (s->converged)
        return AIWB_OK;
    if (s->iterations >= (double)s->max_iter) {
        api->log(AIWB_LOG_WARN,
                 "robust: stopped after max_iter=%" PRId64 " IRLS iterations without "
                 "converging: the coefficients still moved by %.3g of themselves, more than "
                 "sqrt(DBL_EPSILON)",
                 s->max_iter, tr->change);
        return AIWB_OK;
    }
    return AIWB_CONTINUE;
}

/* Quartiles and counts of the last weights (sorted in tr->tmp). */
static void
summarise_weights(struct robust *s, struct train *tr, size_t n)
{
    double *v = tr->tmp;

    memcpy(v, tr->w, n * sizeof(double));
    s->n_down = s->n_zero = 0;
    for (size_t i = 0; i < n; i++) {
        s->n_down += v[i] < 1.0;
        s->n_zero += v[i] == 0.0;
    }
    qsort(v, n, sizeof(double), cmp_double);
    s->w_min = v[0];
    s->w_q1 = gsl_stats_quantile_from_sorted_data(v, 1, n, 0.25);
    s->w_med = gsl_stats_quantile_from_sorted_data(v, 1, n, 0.5);
    s->w_q3 = gsl_stats_quantile_from_sorted_data(v, 1, n, 0.75);
    s->w_max = v[n - 1];
}

/*
 * gsl_multifit_robust's closing numbers: the MAD sigma of the residuals,
 * Street's robust sigma, the final sigma (at least the blend with least
 * squares' of DuMouchel and O'Brien), R^2 from it, and the covariance
 * sigma^2 (X'X)^-1.
 */
static int
final_stats(struct robust *s, struct train *tr, const struct aiwb_problem *prob)
{
    const gsl_multifit_robust_type *type = *method_types[s->method];
    const size_t n = prob->n, p = s->k;
    const double dn = (double)n, dp = (double)p;
    gsl_vector_view u = gsl_vector_view_array(tr->u, n), psi = gsl_vector_view_array(tr->tmp, n);
    double st, a = 0, b = 0, lambda, ss_err;
    int rc;

    s->sigma_mad = madsigma(s, tr, tr->r, n);
    st = s->sigma_mad * s->tune;
    for (size_t i = 0; i < n; i++)
        tr->u[i] = tr->r[i] * tr->resfac[i] / st;
    rc = type->psi_deriv(&u.vector, &psi.vector);
    for (size_t i = 0; i < n && rc == GSL_SUCCESS; i++)
        a += tr->tmp[i];
    a /= dn;
    if (rc == GSL_SUCCESS)
        rc = type->wfun(&u.vector, &psi.vector);
    for (size_t i = 0; i < n && rc == GSL_SUCCESS; i++) {
        double psi_i = tr->tmp[i] * tr->u[i];
        b += 1.0 / (tr->resfac[i] * tr->resfac[i]) * psi_i * psi_i;
    }
    b /= dn - dp;
    lambda = 1.0 + dp / dn * (1.0 - a) / a;
    s->sigma_rob = lambda * sqrt(b) * st / a;
    s->sigma = fmax(s->sigma_rob, sqrt((s->sigma_ols * s->sigma_ols * dp * dp +
                                        s->sigma_rob * s->sigma_rob * dn) /
                                       (dp * dp + dn)));
    s->dof = dn - dp;
    ss_err = s->sigma * sqrt(s->dof) * s->sigma * sqrt(s->dof);
    s->r2 = 1.0 - ss_err / gsl_stats_tss(prob->y, 1, n);
    s->adj_r2 = 1.0 - (1.0 - s->r2) * (dn - 1.0) / s->dof;
    s->n_obs = dn;
    for (size_t t = 0; t < p; t++) {
        s->coef[t] = tr->c[t];
        s->se[t] = s->sigma * sqrt(gsl_matrix_get(tr->XtXi, t, t));
        s->tval[t] = s->coef[t] / s->se[t];
    }
    summarise_weights(s, tr, n);
    return rc;
}

/* Keep the coefficients where the iterations left them, with their statistics. */
static int
robust_finish(void *state, const struct aiwb_problem *prob, char **cause)
{
    struct robust *s = state;
    struct train *tr = s->tr;

    if (tr == NULL || s->iterations == 0) {
        *cause = api->format("robust: training stopped before the first IRLS iteration: there "
                             "is no model");
        return AIWB_ERR;
    }
    if (final_stats(s, tr, prob) != GSL_SUCCESS || !isfinite(s->sigma) || !(s->sigma > 0)) {
        *cause = api->format("robust: the %s fit gave a scale of %g: the residuals give no "
                             "scale estimate (too many of them zero?)",
                             method_name(s), s->sigma);
        return AIWB_ENUMERIC;
    }
    train_free(tr);
    s->tr = NULL;
    s->fitted = 1;
    return AIWB_OK;
}

/* ---------------------------------------------------------------------------
 * Using the model.
 */

/* One note line from a format; the table copies it. */
static void
note(struct aiwb_table *t, char *text)
{
    api->table_note(t, text);
    api->free(text);
}

/* The coefficient table as R's summary(rlm), the other numbers as notes. */
static int
robust_report(const void *state, struct aiwb_table *t)
{
    const struct robust *s = state;

    if (!s->fitted)
        return AIWB_EINVAL;
    api->table_title(t, "robust: coefficients");
    api->table_column(t, "term", AIWB_TABLE_TEXT);
    api->table_column(t, "estimate", AIWB_TABLE_REAL);
    api->table_column(t, "std_error", AIWB_TABLE_REAL);
    api->table_column(t, "t_value", AIWB_TABLE_REAL);
    for (size_t i = 0; i < s->k; i++) {
        api->table_text(t, s->terms[i]);
        api->table_real(t, s->coef[i]);
        api->table_real(t, s->se[i]);
        api->table_real(t, s->tval[i]);
    }
    note(t,
         api->format("Residual standard error: %.4g on %.0f degrees of freedom", s->sigma, s->dof));
    note(t, api->format("Scale estimates: MAD %.4g, robust %.4g, least squares %.4g", s->sigma_mad,
                        s->sigma_rob, s->sigma_ols));
    if (s->converged)
        note(t, api->format("Psi: %s with tuning constant %g; converged after %.0f IRLS "
                            "iterations",
                            method_name(s), s->tune, s->iterations));
    else
        note(t, api->format("Psi: %s with tuning constant %g; did not converge within %.0f IRLS "
                            "iterations",
                            method_name(s), s->tune, s->iterations));
    note(t, api->format("Weights: min %.4g, 1st quartile %.4g, median %.4g, 3rd quartile %.4g, "
                        "max %.4g; %.0f of %.0f rows down-weighted, %.0f to zero",
                        s->w_min, s->w_q1, s->w_med, s->w_q3, s->w_max, s->n_down, s->n_obs,
                        s->n_zero));
    note(t, api->format("Robust R-squared: %.4g, adjusted: %.4g", s->r2, s->adj_r2));
    return AIWB_OK;
}

/* Everything report() and predict() need, reals as IEEE bits. */
static int
robust_save(const void *state, struct aiwb_writer *w)
{
    const struct robust *s = state;
    int rc;

    if (!s->fitted)
        return AIWB_EINVAL;
    rc = api->put_str(w, "method", method_name(s));
    if (rc == AIWB_OK)
        rc = api->put_real(w, "tune", s->tune);
    if (rc == AIWB_OK)
        rc = api->put_int(w, "intercept", s->intercept);
    if (rc == AIWB_OK)
        rc = api->put_int(w, "max_iter", s->max_iter);
    if (rc == AIWB_OK)
        rc = api->put_int(w, "converged", s->converged);
    if (rc == AIWB_OK)
        rc = api->put_strs(w, "terms", s->k, (const char *const *)s->terms);
    if (rc == AIWB_OK)
        rc = api->put_reals(w, "estimate", s->k, s->coef);
    if (rc == AIWB_OK)
        rc = api->put_reals(w, "std_error", s->k, s->se);
    for (size_t i = 0; i < ROBUST_NSCALARS && rc == AIWB_OK; i++)
        rc = api->put_real(w, robust_scalars[i].key,
                           *predict_scalar((struct robust *)s, robust_scalars, i));
    return rc;
}

/* Free what training keeps, then the model. */
static void
fini(void *state)
{
    clear(state);
}

static const struct aiwb_option_spec robust_options[] = {
    {.name = "method",
     .type = AIWB_OPT_CHOICE,
     .def = "huber",
     .choices = "huber|bisquare|cauchy|fair|ols|welsch",
     .help = "the weight function (GSL's names): huber, as R's rlm, has a convex objective "
             "and one solution; bisquare, cauchy and welsch give gross outliers (almost) no "
             "weight; ols is plain least squares"},
    {.name = "tune",
     .type = AIWB_OPT_REAL,
     .min = 0,
     .max = INFINITY,
     .flags = AIWB_OPT_MIN_EXCLUSIVE,
     .help = "the tuning constant: residuals are scaled by tune * sigma before weighting; "
             "default GSL's for 95% efficiency under normal errors: huber 1.345, bisquare "
             "4.685, cauchy 2.385, fair 1.4, welsch 2.985"},
    {.name = "intercept", .type = AIWB_OPT_BOOL, .def = "true", .help = "fit a constant term"},
    {.name = "max_iter",
     .type = AIWB_OPT_INT,
     .def = "100",
     .min = 1,
     .max = INFINITY,
     .help = "stop after this many IRLS iterations (GSL's default) even if not converged"},
    {.name = NULL},
};

static const char robust_help[] =
    "M-estimation by iteratively reweighted least squares (GSL's gsl_multifit_robust,\n"
    "the algorithm of MATLAB's robustfit): outliers in the target get less weight.\n"
    "For a location estimate (no features) it is R's MASS::rlm; with features GSL\n"
    "also scales each residual for its leverage, which rlm does not, so the fits\n"
    "differ. Standard errors are GSL's (Street, Carroll and Ruppert 1988); the\n"
    "loss is the mean squared residual, outliers included.";

static const struct aiwb_algorithm_type robust_type = {
    .abi_version = AIWB_ABI_VERSION,
    .size = sizeof(struct aiwb_algorithm_type),
    .name = "robust",
    .summary = "robust linear regression (Huber, bisquare ... M-estimators, GSL)",
    .help = robust_help,
    .options = robust_options,
    .flags = ROBUST_FLAGS,
    .state_version = ROBUST_STATE_VERSION,
    .state_size = sizeof(struct robust),
    .init = robust_init,
    .iterate = robust_iterate,
    .finish = robust_finish,
    .n_outputs = robust_n_outputs,
    .predict = robust_predict,
    .report = robust_report,
    .save = robust_save,
    .load = robust_load,
    .fini = fini,
};

/* The module's entry point: registers the "robust" algorithm. */
int
aiwb_plugin_init(struct aiwb_plugin *p, const struct aiwb_host_api *host)
{
    AIWB_PLUGIN_BEGIN(p, host, api, "robust", "1.0.0");
    algo_robust_bind(host);
    return api->register_algorithm(p, &robust_type);
}
