/*
 * algo-spline.c - additive regression with cubic B-splines (gsl_bspline):
 * y = b0 + f_1(x_1) + ... + f_p(x_p), fitted by least squares, optionally
 * with a roughness penalty.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each numeric feature gets a cubic B-spline basis (order 4) on its range
 * with `knots` interior knots, at quantiles of its values or evenly spaced.
 * As R's splines::bs(x, knots, Boundary.knots = range(x)), the first of the
 * knots + 4 basis functions is left out, since the intercept holds the
 * constant; so the coefficients are those of R's
 * lm(y ~ bs(x1, df = knots + 3) + bs(x2, df = knots + 3) ...), quantile knots
 * being placed exactly as bs(df =) places them (R's quantile type 7 at
 * probabilities 1/(knots+1) ...). A feature with fewer than knots + 4
 * distinct values (a 0/1 indicator, a one-hot column, a small count) cannot
 * carry that many coefficients and gets a linear term instead; the report
 * says which.
 *
 * The fit is the least-squares solution by GSL's SVD with column balancing
 * (gsl_multifit_wlinear_tsvd) of the triangular factor of the design, built
 * block by block with a Householder QR, as algo-ols.c does. With lambda > 0
 * the criterion is RSS + lambda * sum_j integral f_j''(t)^2 dt, t the
 * feature rescaled to [0, 1]: O'Sullivan's penalty, computed exactly
 * (f'' is piecewise linear, so Simpson's rule is exact on each knot
 * interval) and appended to the system as rows, its square root from an
 * eigendecomposition. Its null space is the straight lines, so as lambda
 * grows each f_j tends to a linear term: the effective degrees of freedom
 * of the term, the trace of its block of (X'X + lambda Omega)^-1 X'X, fall
 * from knots + 3 towards 1.
 *
 * Outside the range it was fitted on, a spline term continues as the
 * straight line tangent at the nearer end (extrapolate=linear, the default:
 * what natural splines do, and bounded, where bs()'s cubic extrapolation
 * is not), or stays at its value there (extrapolate=constant).
 *
 * One-shot: the first iterate() fits.
 */
#include <config.h>

#include <inttypes.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_bspline.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_eigen.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_multifit.h>
#include <gsl/gsl_vector.h>

#include <aiwb/plugin.h>

#include "algo-spline.h"

/* Singular values of the balanced system at or below this fraction of the largest are zero. */
#define SPLINE_RANK_TOL 1e-7
/* A term takes part in a dependency when its share of a null vector is above this. */
#define SPLINE_NULL_TOL 1e-6
/* Rows per block of the QR. */
#define SPLINE_BLOCK 1024

static const struct aiwb_host_api *api;

static const char *
target_name(const struct aiwb_problem *prob)
{
    return prob->target_name != NULL ? prob->target_name : "target";
}

/* A B-spline workspace for term T's breakpoints, or NULL when out of memory. */
static gsl_bspline_workspace *
term_workspace(const struct term *t)
{
    gsl_bspline_workspace *bw = gsl_bspline_alloc(SPLINE_ORDER, t->nbreak);
    gsl_vector_const_view b = gsl_vector_const_view_array(t->breaks, t->nbreak);

    if (bw != NULL && gsl_bspline_knots(&b.vector, bw) != GSL_SUCCESS) {
        gsl_bspline_free(bw);
        return NULL;
    }
    return bw;
}

/* Workspaces for every spline term (NULL for linear ones); NULL when out of memory. */
static gsl_bspline_workspace **
workspaces_new(const struct spline *s)
{
    gsl_bspline_workspace **ws = api->calloc(s->p > 0 ? s->p : 1, sizeof(*ws));

    for (size_t j = 0; j < s->p; j++) {
        if (!s->terms[j].spline)
            continue;
        ws[j] = term_workspace(&s->terms[j]);
        if (ws[j] == NULL) {
            for (size_t l = 0; l < j; l++)
                gsl_bspline_free(ws[l]);
            api->free(ws);
            return NULL;
        }
    }
    return ws;
}

static void
workspaces_free(const struct spline *s, gsl_bspline_workspace **ws)
{
    if (ws == NULL)
        return;
    for (size_t j = 0; j < s->p; j++)
        if (ws[j] != NULL)
            gsl_bspline_free(ws[j]);
    api->free(ws);
}

/*
 * Add to ROW the values at X of the basis functions of a spline, the
 * first left out: only SPLINE_ORDER of them are non-zero. BK is a scratch vector
 * of SPLINE_ORDER values.
 */
static void
basis_add(gsl_bspline_workspace *bw, gsl_vector *bk, double x, double *row)
{
    size_t istart, iend;

    gsl_bspline_eval_nonzero(x, bk, &istart, &iend, bw);
    for (size_t i = istart; i <= iend; i++)
        if (i > 0)
            row[i - 1] += gsl_vector_get(bk, i - istart);
}

/* Row I of the design (k values) from the features XI. */
static void
design_row(const struct spline *s, gsl_bspline_workspace **ws, gsl_vector *bk, const double *xi,
           double *row)
{
    memset(row, 0, s->k * sizeof(double));
    row[0] = 1.0;
    for (size_t j = 0; j < s->p; j++) {
        const struct term *t = &s->terms[j];

        if (t->spline)
            basis_add(ws[j], bk, xi[j], row + t->first);
        else
            row[t->first] = xi[j];
    }
}

/* ---------------------------------------------------------------------------
 * Setting up: options, terms, knots.
 */

static int
read_options(struct spline *s, const struct aiwb_options *opts, char **cause)
{
    const char *at = api->opt_str(opts, "knots_at"), *ex = api->opt_str(opts, "extrapolate");

    s->knots = api->opt_int(opts, "knots");
    s->uniform = at != NULL && strcmp(at, "uniform") == 0;
    s->lambda = api->opt_real(opts, "lambda");
    s->constant = ex != NULL && strcmp(ex, "constant") == 0;
    if (s->knots < 0 || s->knots > 1000) {
        *cause = api->format("spline: knots must be 0 to 1000, not %" PRId64, s->knots);
        return AIWB_EINVAL;
    }
    if (!(s->lambda >= 0) || !isfinite(s->lambda)) {
        *cause = api->format("spline: lambda must be a number >= 0, not %g", s->lambda);
        return AIWB_EINVAL;
    }
    return AIWB_OK;
}

static int
cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

/* R's quantile(type = 7) of the N sorted values V at probability P. */
static double
quantile7(const double *v, size_t n, double p)
{
    double index = 1 + (double)(n - 1) * p, h;
    size_t lo = (size_t)floor(index), hi = (size_t)ceil(index);

    if (!(index > (double)lo) || v[hi - 1] == v[lo - 1])
        return v[lo - 1];
    h = index - (double)lo;
    return (1 - h) * v[lo - 1] + h * v[hi - 1];
}

/* Element I of R's seq.int(0, 1, length.out = N), which counts from the nearer end. */
static double
seq01(size_t i, size_t n)
{
    double by = 1.0 / (double)(n - 1);

    if (i == 0)
        return 0;
    if (i == n - 1)
        return 1;
    return i < n / 2 ? (double)i * by : 1 - (double)(n - 1 - i) * by;
}

/*
 * The breakpoints of a spline on the N sorted values V: the ends, and the
 * interior knots at quantiles (as bs(df =)) or evenly spaced. Knots that
 * fall on an end or on each other (many tied values) are dropped.
 */
static void
place_knots(const struct spline *s, struct term *t, const double *v, size_t n)
{
    const size_t K = (size_t)s->knots;
    const double lo = v[0], hi = v[n - 1];
    size_t m = 0;

    t->breaks = api->alloc((K + 2) * sizeof(double));
    t->breaks[m++] = lo;
    for (size_t j = 1; j <= K; j++) {
        double q = s->uniform ? lo + (double)j * ((hi - lo) / (double)(K + 1))
                              : quantile7(v, n, seq01(j, K + 2));
        if (q > t->breaks[m - 1] && q < hi)
            t->breaks[m++] = q;
    }
    t->breaks[m++] = hi;
    t->nbreak = m;
    if (m < K + 2)
        api->log(AIWB_LOG_INFO,
                 "spline: '%s' has %zu interior knots, not %zu: tied values put some on the "
                 "same place",
                 t->name, m - 2, K);
}

/* Decide each feature's term (spline or linear) and where its knots go. */
static void
make_terms(struct spline *s, const struct aiwb_problem *prob)
{
    const size_t n = prob->n;
    double *v = api->alloc((n > 0 ? n : 1) * sizeof(double));

    s->terms = api->calloc(s->p > 0 ? s->p : 1, sizeof(struct term));
    s->k = 1;
    for (size_t j = 0; j < s->p; j++) {
        struct term *t = &s->terms[j];
        size_t distinct = n > 0;

        if (prob->feature_names != NULL && prob->feature_names[j] != NULL)
            t->name = api->strdup(prob->feature_names[j]);
        else
            t->name = api->format("x%zu", j + 1);
        for (size_t i = 0; i < n; i++)
            v[i] = prob->X[i * prob->ldx + j];
        qsort(v, n, sizeof(double), cmp_double);
        for (size_t i = 1; i < n; i++)
            distinct += v[i] != v[i - 1];
        t->spline = distinct >= (size_t)s->knots + SPLINE_ORDER;
        if (t->spline)
            place_knots(s, t, v, n);
        t->ncoef = t->spline ? t->nbreak + SPLINE_ORDER - 3 : 1;
        t->first = s->k;
        s->k += t->ncoef;
    }
    api->free(v);
}

/* Finite values, and a target that varies. */
static int
check_values(const struct spline *s, const struct aiwb_problem *prob, char **cause)
{
    int constant = 1;

    for (size_t i = 0; i < prob->n; i++) {
        const double *xi = prob->X + i * prob->ldx;

        if (!isfinite(prob->y[i])) {
            *cause = api->format("spline: row %zu: the target '%s' is %g, not a finite number",
                                 i + 1, target_name(prob), prob->y[i]);
            return AIWB_EDATA;
        }
        for (size_t j = 0; j < s->p; j++) {
            if (!isfinite(xi[j])) {
                const char *name = prob->feature_names != NULL ? prob->feature_names[j] : NULL;
                *cause = api->format("spline: row %zu column '%s': %g is not a finite number",
                                     i + 1, name != NULL ? name : "?", xi[j]);
                return AIWB_EDATA;
            }
        }
        if (prob->y[i] != prob->y[0])
            constant = 0;
    }
    if (prob->n > 0 && constant) {
        *cause = api->format("spline: the target '%s' is constant (%g in every row): there is "
                             "nothing to fit",
                             target_name(prob), prob->y[0]);
        return AIWB_EDATA;
    }
    return AIWB_OK;
}

/* Read the options, check the data and place the knots; the first iterate fits. */
static int
spline_init(void *state, const struct aiwb_options *opts, const struct aiwb_problem *prob,
            char **cause)
{
    struct spline *s = state;
    int rc;

    spline_clear(s);
    rc = read_options(s, opts, cause);
    if (rc != AIWB_OK)
        return rc;
    s->p = prob->p;
    if (prob->w != NULL)
        api->log(AIWB_LOG_WARN, "spline: sample weights are not supported and are ignored");
    rc = check_values(s, prob, cause);
    if (rc != AIWB_OK)
        return rc;
    make_terms(s, prob);
    if (prob->n <= s->k) {
        *cause = api->format("spline: %zu rows are too few for %zu coefficients (%" PRId64
                             " knots per feature): use fewer knots",
                             prob->n, s->k, s->knots);
        return AIWB_EDATA;
    }
    return AIWB_OK;
}

/* ---------------------------------------------------------------------------
 * Fitting.
 */

/*
 * The triangular factor of [design y] ((k + 1) x (k + 1)) in S, by
 * Householder QR over blocks of rows: its top k x k block is the design's
 * R, its last column Q'y and the residual norm.
 */
static int
triangular_factor(const struct spline *s, const struct aiwb_problem *prob,
                  gsl_bspline_workspace **ws, gsl_matrix *S)
{
    const size_t n = prob->n, kk = s->k + 1;
    gsl_matrix *A = gsl_matrix_alloc(SPLINE_BLOCK, kk), *T = gsl_matrix_alloc(kk, kk);
    gsl_vector *bk = gsl_vector_alloc(SPLINE_ORDER);
    int rc = GSL_ENOMEM;

    if (A == NULL || T == NULL || bk == NULL)
        goto out;
    gsl_matrix_set_zero(S);
    for (size_t i0 = 0; i0 < n; i0 += SPLINE_BLOCK) {
        size_t rows = n - i0 < SPLINE_BLOCK ? n - i0 : SPLINE_BLOCK;

        for (size_t r = 0; r < rows; r++) {
            double *row = A->data + r * A->tda;

            design_row(s, ws, bk, prob->X + (i0 + r) * prob->ldx, row);
            row[s->k] = prob->y[i0 + r];
        }
        gsl_matrix_view block = gsl_matrix_submatrix(A, 0, 0, rows, kk);
        rc = gsl_linalg_QR_UR_decomp(S, &block.matrix, T);
        if (rc != GSL_SUCCESS)
            goto out;
    }
    rc = GSL_SUCCESS;
out:
    gsl_vector_free(bk);
    gsl_matrix_free(T);
    gsl_matrix_free(A);
    return rc;
}

/*
 * O'Sullivan's penalty of spline term T: OMEGA[a][b] = integral over the
 * range rescaled to [0, 1] of B_a'' B_b'', for the basis functions 1..m
 * (the first is left out). f'' is linear on each knot interval, so
 * Simpson's rule on the interval is exact.
 */
static int
penalty_matrix(const struct term *t, gsl_bspline_workspace *bw, gsl_matrix *omega)
{
    const size_t m = t->ncoef, nb = m + 1;
    const double range = t->breaks[t->nbreak - 1] - t->breaks[0];
    gsl_matrix *dB = gsl_matrix_alloc(nb, 3);
    double *d2 = api->alloc(3 * nb * sizeof(double));
    int rc = GSL_ENOMEM;

    if (dB == NULL)
        goto out;
    gsl_matrix_set_zero(omega);
    for (size_t b = 0; b + 1 < t->nbreak; b++) {
        const double l = t->breaks[b], r = t->breaks[b + 1], h = r - l;
        const double at[3] = {l, l + h / 2, r}, simpson[3] = {h / 6, 4 * h / 6, h / 6};

        for (size_t q = 0; q < 3; q++) {
            /* The knots are simple, so f'' is continuous at them. */
            rc = gsl_bspline_deriv_eval(at[q], 2, dB, bw);
            if (rc != GSL_SUCCESS)
                goto out;
            for (size_t a = 0; a < nb; a++)
                d2[q * nb + a] = gsl_matrix_get(dB, a, 2);
        }
        for (size_t q = 0; q < 3; q++)
            for (size_t a = 1; a < nb; a++)
                for (size_t c = 1; c < nb; c++)
                    *gsl_matrix_ptr(omega, a - 1, c - 1) +=
                        simpson[q] * d2[q * nb + a] * d2[q * nb + c];
    }
    /* d2f/dt2 = range^2 d2f/dx2 and dt = dx / range. */
    gsl_matrix_scale(omega, range * range * range);
    rc = GSL_SUCCESS;
out:
    api->free(d2);
    gsl_matrix_free(dB);
    return rc;
}

/*
 * Rows sqrt(lambda) L of the penalty, L'L = Omega, for every spline term,
 * into P (rows x k) from row 0: the eigenvectors of Omega scaled by the
 * square roots of their eigenvalues. Returns the rows used, or 0 on failure.
 */
static size_t
penalty_rows(const struct spline *s, gsl_bspline_workspace **ws, gsl_matrix *P)
{
    size_t row = 0;

    gsl_matrix_set_zero(P);
    for (size_t j = 0; j < s->p; j++) {
        const struct term *t = &s->terms[j];
        const size_t m = t->ncoef;

        if (!t->spline)
            continue;
        gsl_matrix *omega = gsl_matrix_alloc(m, m), *vec = gsl_matrix_alloc(m, m);
        gsl_vector *val = gsl_vector_alloc(m);
        gsl_eigen_symmv_workspace *ew = gsl_eigen_symmv_alloc(m);
        int rc = omega && vec && val && ew ? penalty_matrix(t, ws[j], omega) : GSL_ENOMEM;

        if (rc == GSL_SUCCESS)
            rc = gsl_eigen_symmv(omega, val, vec, ew);
        for (size_t e = 0; e < m && rc == GSL_SUCCESS; e++, row++) {
            double root = sqrt(s->lambda * fmax(gsl_vector_get(val, e), 0.0));
            for (size_t a = 0; a < m; a++)
                gsl_matrix_set(P, row, t->first + a, root * gsl_matrix_get(vec, a, e));
        }
        gsl_eigen_symmv_free(ew);
        gsl_vector_free(val);
        gsl_matrix_free(vec);
        gsl_matrix_free(omega);
        if (rc != GSL_SUCCESS)
            return 0;
    }
    return row;
}

/* The number of penalty rows: every spline coefficient. */
static size_t
n_penalty_rows(const struct spline *s)
{
    size_t m = 0;

    for (size_t j = 0; j < s->p; j++)
        if (s->terms[j].spline)
            m += s->terms[j].ncoef;
    return m;
}

/* "'a', 'b' and 'c'": the names of the terms whose flag is set, in a new string. */
static char *
join_terms(const struct spline *s, const unsigned char *flag, size_t count)
{
    char *out = api->strdup("");
    size_t seen = 0;

    for (size_t t = 0; t <= s->p; t++) {
        if (!flag[t])
            continue;
        const char *sep = seen == 0 ? "" : seen + 1 == count ? " and " : ", ";
        char *next =
            api->format("%s%s'%s'", out, sep, t == 0 ? "(Intercept)" : s->terms[t - 1].name);
        api->free(out);
        out = next;
        seen++;
    }
    return out;
}

/*
 * Explain a singular system: the terms whose columns have a share of the
 * null-space vectors (columns RANK.. of V in work->Q). Flag 0 is the
 * intercept, flag j + 1 term j.
 */
static char *
describe_dependency(const struct spline *s, const gsl_multifit_linear_workspace *work, size_t rank)
{
    unsigned char *flag = api->calloc(s->p + 1, 1);
    size_t count = 0, only = 0;
    char *names, *msg;

    for (size_t c = 0; c < s->k; c++) {
        size_t term = 0;
        for (size_t j = 0; j < s->p; j++)
            if (c >= s->terms[j].first && c < s->terms[j].first + s->terms[j].ncoef)
                term = j + 1;
        for (size_t v = rank; v < s->k && !flag[term]; v++) {
            if (fabs(gsl_matrix_get(work->Q, c, v)) > SPLINE_NULL_TOL) {
                flag[term] = 1;
                count++;
                only = term;
            }
        }
    }
    names = join_terms(s, flag, count);
    if (count == 1 && only > 0 && s->terms[only - 1].spline)
        msg = api->format("spline: the B-spline basis of %s is singular: some of its knot "
                          "intervals hold too few distinct values; use fewer knots%s",
                          names, s->uniform ? " or knots_at=quantiles" : "");
    else if (count == 1)
        msg = api->format("spline: the design matrix is singular: the column %s is zero in "
                          "every row; drop it",
                          names);
    else
        msg = api->format("spline: the design matrix is singular (rank %zu of %zu "
                          "coefficients): the terms %s are linearly dependent (collinear); drop "
                          "one of them",
                          rank, s->k, names);
    api->free(names);
    api->free(flag);
    return msg;
}

/* RSS and TSS from the fitted values, in a second pass over the rows. */
static void
residuals(struct spline *s, const struct aiwb_problem *prob, gsl_bspline_workspace **ws,
          gsl_vector *bk)
{
    double *row = api->alloc(s->k * sizeof(double)), mean = 0;

    for (size_t i = 0; i < prob->n; i++)
        mean += prob->y[i];
    mean /= (double)prob->n;
    s->rss = s->tss = 0;
    for (size_t i = 0; i < prob->n; i++) {
        double fit = 0, r, d = prob->y[i] - mean;

        design_row(s, ws, bk, prob->X + i * prob->ldx, row);
        for (size_t c = 0; c < s->k; c++)
            fit += row[c] * s->coef[c];
        r = prob->y[i] - fit;
        s->rss += r * r;
        s->tss += d * d;
    }
    api->free(row);
}

/*
 * Effective degrees of freedom of each term: the trace of its block of
 * F = (A'A)^-1 X'X, with COV = (A'A)^-1 and X'X = R'R from the factor S.
 */
static int
effective_df(struct spline *s, const gsl_matrix *cov, const gsl_matrix *S)
{
    const size_t k = s->k;
    gsl_matrix *G = gsl_matrix_calloc(k, k), *F = gsl_matrix_alloc(k, k);
    gsl_matrix_const_view R = gsl_matrix_const_submatrix(S, 0, 0, k, k);
    int rc = GSL_ENOMEM;

    if (G == NULL || F == NULL)
        goto out;
    rc = gsl_blas_dgemm(CblasTrans, CblasNoTrans, 1.0, &R.matrix, &R.matrix, 0.0, G);
    if (rc == GSL_SUCCESS)
        rc = gsl_blas_dsymm(CblasLeft, CblasUpper, 1.0, cov, G, 0.0, F);
    if (rc != GSL_SUCCESS)
        goto out;
    /* Without a penalty F is the identity: count, rather than sum rounding. */
    s->edf = 1;
    for (size_t j = 0; j < s->p; j++) {
        struct term *t = &s->terms[j];
        t->edf = s->lambda > 0 ? 0 : (double)t->ncoef;
        for (size_t c = t->first; c < t->first + t->ncoef && s->lambda > 0; c++)
            t->edf += gsl_matrix_get(F, c, c);
        s->edf += t->edf;
    }
out:
    gsl_matrix_free(F);
    gsl_matrix_free(G);
    return rc;
}

/*
 * The Wald F test of each term, b' V^-1 b / (m sigma^2) with V its block of
 * (X'X)^-1: for least squares the same F as comparing the model with and
 * without the term (R's drop1(fit, test = "F")). Not defined with a penalty.
 */
static int
term_tests(struct spline *s, const gsl_matrix *cov)
{
    for (size_t j = 0; j < s->p; j++) {
        struct term *t = &s->terms[j];
        const size_t m = t->ncoef;

        t->fstat = t->pval = NAN;
        if (s->lambda > 0)
            continue;
        gsl_matrix *V = gsl_matrix_alloc(m, m);
        gsl_vector *b = gsl_vector_alloc(m), *x = gsl_vector_alloc(m);
        int rc = V && b && x ? GSL_SUCCESS : GSL_ENOMEM;
        double quad = 0;

        if (rc == GSL_SUCCESS) {
            gsl_matrix_const_view blk = gsl_matrix_const_submatrix(cov, t->first, t->first, m, m);
            gsl_matrix_memcpy(V, &blk.matrix);
            for (size_t a = 0; a < m; a++)
                gsl_vector_set(b, a, s->coef[t->first + a]);
            rc = gsl_linalg_cholesky_decomp1(V);
        }
        if (rc == GSL_SUCCESS)
            rc = gsl_linalg_cholesky_solve(V, b, x);
        if (rc == GSL_SUCCESS)
            rc = gsl_blas_ddot(b, x, &quad);
        if (rc == GSL_SUCCESS) {
            t->fstat = quad / ((double)m * s->sigma * s->sigma);
            t->pval = gsl_cdf_fdist_Q(t->fstat, (double)m, s->df_resid);
        }
        gsl_vector_free(x);
        gsl_vector_free(b);
        gsl_matrix_free(V);
        if (rc == GSL_ENOMEM)
            return rc;
    }
    return GSL_SUCCESS;
}

/* Solve [R; sqrt(lambda) L] c = [Q'y; 0] by GSL's SVD and keep the statistics. */
static int
solve(struct spline *s, const struct aiwb_problem *prob, gsl_bspline_workspace **ws,
      const gsl_matrix *S, char **cause)
{
    const size_t k = s->k, np = s->lambda > 0 ? n_penalty_rows(s) : 0, rows = k + 1 + np;
    gsl_matrix *M = gsl_matrix_calloc(rows, k), *cov = gsl_matrix_alloc(k, k);
    gsl_vector *rhs = gsl_vector_calloc(rows), *ones = gsl_vector_alloc(rows);
    gsl_vector *c = gsl_vector_alloc(k), *bk = gsl_vector_alloc(SPLINE_ORDER);
    gsl_multifit_linear_workspace *work = gsl_multifit_linear_alloc(rows, k);
    double chisq;
    size_t rank = 0;
    int grc = GSL_ENOMEM;

    if (M == NULL || cov == NULL || rhs == NULL || ones == NULL || c == NULL || bk == NULL ||
        work == NULL)
        goto out;
    gsl_matrix_const_view R = gsl_matrix_const_submatrix(S, 0, 0, k + 1, k);
    gsl_matrix_view top = gsl_matrix_submatrix(M, 0, 0, k + 1, k);
    gsl_vector_const_view qty = gsl_matrix_const_column(S, k);
    gsl_vector_view rtop = gsl_vector_subvector(rhs, 0, k + 1);
    gsl_matrix_memcpy(&top.matrix, &R.matrix);
    gsl_vector_memcpy(&rtop.vector, &qty.vector);
    if (np > 0) {
        gsl_matrix_view P = gsl_matrix_submatrix(M, k + 1, 0, np, k);
        if (penalty_rows(s, ws, &P.matrix) != np)
            goto out;
    }
    gsl_vector_set_all(ones, 1.0);
    grc = gsl_multifit_wlinear_tsvd(M, ones, rhs, SPLINE_RANK_TOL, c, cov, &chisq, &rank, work);
    if (grc != GSL_SUCCESS)
        goto out;
    if (rank < k) {
        *cause = describe_dependency(s, work, rank);
        grc = GSL_SUCCESS;
        goto out;
    }
    s->coef = api->alloc(k * sizeof(double));
    memcpy(s->coef, c->data, k * sizeof(double));
    residuals(s, prob, ws, bk);
    grc = effective_df(s, cov, S);
    if (grc != GSL_SUCCESS)
        goto out;
    s->n_obs = (double)prob->n;
    s->df_resid = s->n_obs - s->edf;
    s->sigma = sqrt(s->rss / s->df_resid);
    s->mse = s->rss / s->n_obs;
    s->r2 = 1 - s->rss / s->tss;
    s->adj_r2 = 1 - (1 - s->r2) * ((s->n_obs - 1) / s->df_resid);
    grc = term_tests(s, cov);
    if (grc == GSL_SUCCESS)
        spline_set_ends(s);
out:
    if (grc != GSL_SUCCESS)
        *cause = api->format("spline: the least-squares fit failed: %s", gsl_strerror(grc));
    gsl_multifit_linear_free(work);
    gsl_vector_free(bk);
    gsl_vector_free(c);
    gsl_vector_free(ones);
    gsl_vector_free(rhs);
    gsl_matrix_free(cov);
    gsl_matrix_free(M);
    if (grc != GSL_SUCCESS)
        return grc == GSL_ENOMEM ? AIWB_ENOMEM : AIWB_ENUMERIC;
    return rank < k ? AIWB_ENUMERIC : AIWB_OK;
}

static int
spline_fit(struct spline *s, const struct aiwb_problem *prob, char **cause)
{
    gsl_bspline_workspace **ws = workspaces_new(s);
    gsl_matrix *S = gsl_matrix_alloc(s->k + 1, s->k + 1);
    int rc = AIWB_ENOMEM, grc;

    if (ws == NULL || S == NULL) {
        *cause = api->format("spline: out of memory for %zu coefficients", s->k);
        goto out;
    }
    grc = triangular_factor(s, prob, ws, S);
    if (grc != GSL_SUCCESS) {
        *cause = api->format("spline: the QR factorisation failed: %s", gsl_strerror(grc));
        rc = grc == GSL_ENOMEM ? AIWB_ENOMEM : AIWB_ENUMERIC;
        goto out;
    }
    rc = solve(s, prob, ws, S, cause);
    if (rc != AIWB_OK) {
        api->free(s->coef);
        s->coef = NULL;
        goto out;
    }
    if (!(s->df_resid > 0)) {
        *cause = api->format("spline: the fit uses %.4g effective degrees of freedom of %zu rows: "
                             "use fewer knots or a larger lambda",
                             s->edf, prob->n);
        rc = AIWB_EDATA;
        goto out;
    }
    s->fitted = 1;
out:
    gsl_matrix_free(S);
    workspaces_free(s, ws);
    return rc;
}

/* One-shot: fit on the first call and report the training numbers. */
static int
spline_iterate(void *state, const struct aiwb_problem *prob, struct aiwb_step *step, char **cause)
{
    struct spline *s = state;
    int rc;

    if (!s->fitted) {
        rc = spline_fit(s, prob, cause);
        if (rc != AIWB_OK)
            return rc;
    }
    api->step_value(step, "loss", s->mse);
    api->step_value(step, "r2", s->r2);
    api->step_value(step, "edf", s->edf);
    api->step_value(step, "sigma", s->sigma);
    return AIWB_OK;
}

/* Nothing to keep but the fit; stopped before it, there is no model. */
static int
spline_finish(void *state, const struct aiwb_problem *prob, char **cause)
{
    struct spline *s = state;

    (void)prob;
    if (!s->fitted) {
        *cause = api->format("spline: training stopped before the fit was done: there is no "
                             "model");
        return AIWB_ERR;
    }
    return AIWB_OK;
}

/* One note line from a format; the table copies it. */
static void
note(struct aiwb_table *t, char *text)
{
    api->table_note(t, text);
    api->free(text);
}

/* A row per term: its basis, knots, coefficients, effective df and F test. */
static int
spline_report(const void *state, struct aiwb_table *t)
{
    const struct spline *s = state;

    if (!s->fitted)
        return AIWB_EINVAL;
    api->table_title(t, "spline: additive terms");
    api->table_column(t, "term", AIWB_TABLE_TEXT);
    api->table_column(t, "basis", AIWB_TABLE_TEXT);
    api->table_column(t, "knots", AIWB_TABLE_INT);
    api->table_column(t, "df", AIWB_TABLE_INT);
    api->table_column(t, "edf", AIWB_TABLE_REAL);
    api->table_column(t, "F", AIWB_TABLE_REAL);
    api->table_column(t, "p_value", AIWB_TABLE_REAL);
    for (size_t j = 0; j < s->p; j++) {
        const struct term *tm = &s->terms[j];

        api->table_text(t, tm->name);
        api->table_text(t, tm->spline ? "cubic" : "linear");
        api->table_int(t, tm->spline ? (int64_t)tm->nbreak - 2 : 0);
        api->table_int(t, (int64_t)tm->ncoef);
        api->table_real(t, tm->edf);
        api->table_real(t, tm->fstat);
        api->table_real(t, tm->pval);
    }
    note(t, api->format("Intercept: %.6g", s->coef[0]));
    note(t, api->format("Residual standard error: %.4g on %.4g degrees of freedom", s->sigma,
                        s->df_resid));
    note(t, api->format("Multiple R-squared: %.4g, Adjusted R-squared: %.4g", s->r2, s->adj_r2));
    note(t, api->format("Effective degrees of freedom: %.4g with the intercept; knots at %s, "
                        "outside the range: %s",
                        s->edf, s->uniform ? "even spacing" : "quantiles",
                        s->constant ? "constant" : "linear"));
    if (s->lambda > 0)
        note(t, api->format("Penalty lambda = %g on the integrated squared second derivative: "
                            "no F tests",
                            s->lambda));
    else
        note(t, api->strdup("F: each term against the model without it (as R's drop1)"));
    return AIWB_OK;
}

/* Options, terms and coefficients, reals as IEEE bits. */
static int
spline_save(const void *state, struct aiwb_writer *w)
{
    const struct spline *s = state;
    const size_t p = s->p;
    int64_t *kind = api->calloc(p + 1, sizeof(int64_t));
    char **names = api->calloc(p + 1, sizeof(char *));
    double *breaks = api->calloc(s->k + 2 * p + 1, sizeof(double));
    double *stats = api->calloc(3 * p + 1, sizeof(double));
    size_t nb = 0;
    int rc;

    if (!s->fitted) {
        rc = AIWB_EINVAL;
        goto out;
    }
    for (size_t j = 0; j < p; j++) {
        const struct term *t = &s->terms[j];
        names[j] = t->name;
        kind[j] = t->spline ? (int64_t)t->nbreak : 0;
        for (size_t b = 0; t->spline && b < t->nbreak; b++)
            breaks[nb++] = t->breaks[b];
        stats[3 * j] = t->edf;
        stats[3 * j + 1] = t->fstat;
        stats[3 * j + 2] = t->pval;
    }
    rc = api->put_int(w, "knots", s->knots);
    if (rc == AIWB_OK)
        rc = api->put_str(w, "knots_at", s->uniform ? "uniform" : "quantiles");
    if (rc == AIWB_OK)
        rc = api->put_real(w, "lambda", s->lambda);
    if (rc == AIWB_OK)
        rc = api->put_str(w, "extrapolate", s->constant ? "constant" : "linear");
    if (rc == AIWB_OK)
        rc = api->put_strs(w, "terms", p, (const char *const *)names);
    if (rc == AIWB_OK)
        rc = api->put_ints(w, "breakpoints", p, kind);
    if (rc == AIWB_OK)
        rc = api->put_reals(w, "breaks", nb, breaks);
    if (rc == AIWB_OK)
        rc = api->put_reals(w, "coef", s->k, s->coef);
    if (rc == AIWB_OK)
        rc = api->put_reals(w, "term_stats", 3 * p, stats);
    const double fit[] = {s->n_obs, s->rss, s->tss,    s->edf, s->df_resid,
                          s->sigma, s->r2,  s->adj_r2, s->mse};
    if (rc == AIWB_OK)
        rc = api->put_reals(w, "fit", sizeof(fit) / sizeof(fit[0]), fit);
out:
    api->free(stats);
    api->free(breaks);
    api->free(names);
    api->free(kind);
    return rc;
}

static const struct aiwb_option_spec spline_options[] = {
    {.name = "knots",
     .type = AIWB_OPT_INT,
     .def = "5",
     .min = 0,
     .max = 1000,
     .help = "interior knots of each feature's cubic B-spline (knots + 3 coefficients, as "
             "R's bs(x, df = knots + 3)); a feature with fewer than knots + 4 distinct values "
             "gets a linear term"},
    {.name = "knots_at",
     .type = AIWB_OPT_CHOICE,
     .def = "quantiles",
     .choices = "quantiles|uniform",
     .help = "quantiles: at quantiles of the feature's values, as bs(df =); uniform: evenly "
             "spaced over its range"},
    {.name = "lambda",
     .type = AIWB_OPT_REAL,
     .def = "0",
     .min = 0,
     .max = INFINITY,
     .help = "roughness penalty: lambda times the integral of each f''^2 (over the range "
             "scaled to [0, 1]) is added to the residual sum of squares; 0 is least squares"},
    {.name = "extrapolate",
     .type = AIWB_OPT_CHOICE,
     .def = "linear",
     .choices = "linear|constant",
     .help = "beyond the training range, continue each curve along its tangent at the end "
             "(linear) or hold its value there (constant)"},
    {.name = NULL},
};

static const char spline_help[] =
    "Additive model y = b0 + f1(x1) + ... + fp(xp), each f a cubic B-spline (gsl_bspline)\n"
    "fitted by least squares: the coefficients of R's lm(y ~ bs(x1, df = knots + 3) + ...).\n"
    "The report gives each term's effective degrees of freedom and F test.";

static const struct aiwb_algorithm_type spline_type = {
    .abi_version = AIWB_ABI_VERSION,
    .size = sizeof(struct aiwb_algorithm_type),
    .name = "spline",
    .summary = "additive cubic B-spline regression (gsl_bspline), optional penalty",
    .help = spline_help,
    .options = spline_options,
    .flags = SPLINE_FLAGS,
    .state_version = SPLINE_STATE_VERSION,
    .state_size = sizeof(struct spline),
    .init = spline_init,
    .iterate = spline_iterate,
    .finish = spline_finish,
    .n_outputs = spline_n_outputs,
    .predict = spline_predict,
    .report = spline_report,
    .save = spline_save,
    .load = spline_load,
    .fini = spline_fini,
};

/* The module's entry point: registers the "spline" algorithm. */
int
aiwb_plugin_init(struct aiwb_plugin *p, const struct aiwb_host_api *host)
{
    AIWB_PLUGIN_BEGIN(p, host, api, "spline", "1.0.0");
    algo_spline_bind(host);
    return api->register_algorithm(p, &spline_type);
}
