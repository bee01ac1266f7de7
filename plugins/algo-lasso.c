/*
 * algo-lasso.c - the lasso and the elastic net: L1 (and L2) penalised least
 * squares, optionally weighted, by coordinate descent, with a warm-started
 * path of penalties.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Two components, one objective, scikit-learn's ElasticNet (and Lasso, its
 * l1_ratio = 1):
 *
 *     1/(2 W) sum_i w_i (y_i - b0 - x_i'b)^2
 *         + alpha * l1_ratio * ||b||_1 + alpha/2 * (1 - l1_ratio) * ||b||^2
 *
 * with sample weights w_i (1 without) summing to W, and the intercept b0 not
 * penalised: features and target are centred on their weighted means and b0
 * = mean(y) - mean(x)'b. The penalty takes the features in their own units:
 * standardise them first (`with standardize`) for one that treats them
 * alike, as glmnet does by itself (scikit-learn does not).
 *
 * The solver is scikit-learn's cyclic coordinate descent (sklearn/linear_
 * model/_cd_fast.pyx), in its two forms:
 *
 * - Gram: with the centred X'WX (the xprod pass over the rows, as in ols and
 *   ridge) a pass over the coordinates costs O(p^2) whatever the rows, and
 *   X'W r stays up to date with one axpy a changed coordinate. Taken when p
 *   <= LASSO_GRAM_MAX and p is below the rows (gram=auto).
 * - Rows: a centred, weight-scaled copy of X by columns and the residual r,
 *   O(n p) a pass; for many features, and when centring X'WX would cancel
 *   more than LASSO_GRAM_LOSS (gram=auto).
 *
 * Stopping rule, scikit-learn's: after a pass in which the largest change of
 * a coefficient is below tol times the largest coefficient (or all are
 * zero), the duality gap of the problem (the objective times W, against the
 * dual point made from the residual) is computed, and the fit has
 * converged when it is below tol * yc'W yc. So with the same tol the fit
 * stops where scikit-learn's does. max_iter bounds the passes at each
 * alpha. Each iterate() is one pass over the coordinates, and reports the
 * objective as "loss" and the number of non-zero coefficients.
 *
 * Path (path=N): N values of alpha from alpha_max = max_j |x_j'W yc| / (W
 * l1_ratio), the smallest alpha at which every coefficient is zero, down to
 * the alpha asked for, geometrically, each started from the solution of
 * the one before (warm start); the model is the last one.
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
#include <gsl/gsl_errno.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_vector.h>

#include <aiwb/plugin.h>

#include "algo-lasso.h"
#include "linear-xprod.h"

/* gram=auto takes the Gram form up to this many features (glmnet's choice: 500). */
#define LASSO_GRAM_MAX 500
/* gram=auto descends on the rows when centring X'WX cancels more than this
 * (a feature whose mean is a thousand times its spread). */
#define LASSO_GRAM_LOSS 1e6

static const struct aiwb_host_api *api;

/* ---------------------------------------------------------------------------
 * The model (struct enet, in algo-lasso.h).
 */

/* What exists only while training. */
struct train {
    int gram;       /* the Gram form, else the rows form */
    size_t n;       /* rows (the rows form) */
    double *H;      /* p x p: the centred X'WX (Gram) */
    double *q;      /* p: the centred X'W y (Gram) */
    double *Hw;     /* p: H w (Gram) */
    double *Xc;     /* p x n: column j of sqrt(W) (X - mean) in row j (rows) */
    double *yc;     /* n: sqrt(W) (y - mean) (rows) */
    double *R;      /* n: the residual yc - Xc w (rows) */
    double *XtA;    /* p: scratch for the duality gap */
    double *norm2;  /* p: the squared norms of the centred columns */
    double *alphas; /* the path, decreasing, the user's alpha last */
    size_t nalphas;
    size_t stage;      /* the alpha being fitted */
    int64_t passes_at; /* passes at this alpha */
    double rnorm2;     /* ||r||^2 after the last pass */
};

static void
train_free(struct train *tr)
{
    if (tr == NULL)
        return;
    api->free(tr->H);
    api->free(tr->q);
    api->free(tr->Hw);
    api->free(tr->Xc);
    api->free(tr->yc);
    api->free(tr->R);
    api->free(tr->XtA);
    api->free(tr->norm2);
    api->free(tr->alphas);
    api->free(tr);
}

/* Free what the state owns and zero everything but the options: what
 * training keeps here, the model in the predict half. */
static void
clear(struct enet *s)
{
    train_free(s->tr);
    s->tr = NULL;
    enet_clear(s);
}

static const char *
target_name(const struct aiwb_problem *prob)
{
    return prob->target_name != NULL ? prob->target_name : "target";
}

/* Name the k terms: "(Intercept)" and the feature names ("x1" ... without). */
static void
set_terms(struct enet *s, const struct aiwb_problem *prob)
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

/* Read the options both components have (l1_ratio is elasticnet's). */
static int
read_options(struct enet *s, const struct aiwb_options *opts, char **cause)
{
    const char *show = api->opt_str(opts, "report"), *form = api->opt_str(opts, "gram");

    s->alpha = api->opt_real(opts, "alpha");
    s->path_len = api->opt_int(opts, "path");
    s->max_iter = api->opt_int(opts, "max_iter");
    s->tol = api->opt_real(opts, "tol");
    s->intercept = api->opt_bool(opts, "intercept") != 0;
    s->threads = api->opt_int(opts, "threads");
    s->show = show == NULL || strcmp(show, "auto") == 0 ? SHOW_AUTO
              : strcmp(show, "coef") == 0               ? SHOW_COEF
                                                        : SHOW_PATH;
    s->form = form == NULL || strcmp(form, "auto") == 0 ? FORM_AUTO
              : strcmp(form, "yes") == 0                ? FORM_GRAM
                                                        : FORM_ROWS;
    if (s->path_len == 1) {
        *cause = api->format("%s: a path of 1 value is no path: give path=2 or more (or 0 for "
                             "none)",
                             s->who);
        return AIWB_EINVAL;
    }
    if (s->path_len > 0 && s->alpha == 0) {
        *cause = api->format("%s: a path runs from alpha_max down to alpha, which must then be "
                             "above 0",
                             s->who);
        return AIWB_EINVAL;
    }
    if (s->path_len > 0 && s->rho == 0) {
        *cause = api->format("%s: with l1_ratio=0 there is no alpha_max to start a path from "
                             "(every alpha keeps every coefficient): use ridge's path",
                             s->who);
        return AIWB_EINVAL;
    }
    if (s->show == SHOW_PATH && s->path_len == 0) {
        *cause = api->format("%s: report=path needs a path: give path=N", s->who);
        return AIWB_EINVAL;
    }
    if (s->alpha == 0)
        api->log(AIWB_LOG_WARN,
                 "%s: alpha=0 is plain least squares, which ols fits exactly; "
                 "coordinate descent converges slowly to it and its duality gap cannot tell "
                 "when",
                 s->who);
    return AIWB_OK;
}

/*
 * Check what the fit needs of the target and the weights: finite values,
 * weights >= 0, a target that varies over the rows of non-zero weight (two
 * rows at least) with an intercept, or is not all zero without one.
 */
static int
check_problem(struct enet *s, const struct aiwb_problem *prob, char **cause)
{
    size_t n_obs = 0, first = 0;
    int constant = 1;

    for (size_t i = 0; i < prob->n; i++) {
        double wi = prob->w != NULL ? prob->w[i] : 1.0;

        if (!isfinite(wi) || wi < 0) {
            *cause = api->format("%s: row %zu: the weight %g is not a finite number >= 0", s->who,
                                 i + 1, wi);
            return AIWB_EDATA;
        }
        if (!isfinite(prob->y[i])) {
            *cause = api->format("%s: row %zu: the target '%s' is %g, not a finite number", s->who,
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
        *cause = api->format("%s: %zu rows%s are too few: there is nothing to fit", s->who, n_obs,
                             prob->w != NULL ? " of non-zero weight" : "");
        return AIWB_EDATA;
    }
    if (constant && (s->intercept || prob->y[first] == 0)) {
        *cause = api->format("%s: the target '%s' is constant (%g in every row): there is "
                             "nothing to fit",
                             s->who, target_name(prob), prob->y[first]);
        return AIWB_EDATA;
    }
    s->n_obs = (double)n_obs;
    return AIWB_OK;
}

/* The first non-finite feature value, as an error; AIWB_OK if there is none. */
static int
find_nonfinite(const struct enet *s, const struct aiwb_problem *prob, char **cause)
{
    for (size_t i = 0; i < prob->n; i++) {
        const double *xi = prob->X + i * prob->ldx;

        for (size_t j = 0; j < prob->p; j++) {
            if (!isfinite(xi[j])) {
                *cause = api->format("%s: row %zu column '%s': %g is not a finite number", s->who,
                                     i + 1, s->terms[j + (size_t)s->intercept], xi[j]);
                return AIWB_EDATA;
            }
        }
    }
    return AIWB_OK;
}

/* What setup_gram returns when the rows form should be used instead. */
#define LASSO_USE_ROWS 2

/* The Gram form's data from the xprod pass; LASSO_USE_ROWS when centring the
 * sums would cancel more than LASSO_GRAM_LOSS (and gram=auto). */
static int
setup_gram(struct enet *s, const struct aiwb_problem *prob, char **cause)
{
    struct train *tr = s->tr;
    const size_t p = s->p, m = p + 1;
    struct xprod *xp = xprod_compute(api, prob, s->intercept, s->threads);
    double *M;
    int rc = AIWB_OK;

    if (xp == NULL) {
        *cause = api->format("%s: the cross-products of the rows failed (BLAS)", s->who);
        return AIWB_ENUMERIC;
    }
    if (!xprod_finite(xp)) {
        rc = find_nonfinite(s, prob, cause);
        if (rc == AIWB_OK) {
            *cause = api->format("%s: the sums of squares of the data overflow: scale the "
                                 "features down",
                                 s->who);
            rc = AIWB_EDATA;
        }
        xprod_free(xp);
        return rc;
    }
    M = api->alloc(m * m * sizeof(double));
    xprod_moments(xp, M, s->mean, &s->sw);
    for (size_t j = 0; s->intercept && s->form == FORM_AUTO && j <= p; j++) {
        if (xprod_raw(xp, j) > LASSO_GRAM_LOSS * M[j * m + j] && M[j * m + j] > 0) {
            /* centring X'WX cancelled too much: centre the rows themselves */
            api->log(AIWB_LOG_DEBUG,
                     "%s: the centred Gram matrix would lose %.3g of its "
                     "precision: descending on the rows",
                     s->who, xprod_raw(xp, j) / M[j * m + j]);
            api->free(M);
            xprod_free(xp);
            return LASSO_USE_ROWS;
        }
    }
    xprod_free(xp);
    tr->H = api->alloc(p * p * sizeof(double));
    tr->q = api->alloc(p * sizeof(double));
    tr->Hw = api->calloc(p, sizeof(double));
    for (size_t j = 0; j < p; j++) {
        memcpy(tr->H + j * p, M + j * m, p * sizeof(double));
        tr->q[j] = M[j * m + p];
        tr->norm2[j] = M[j * m + j];
    }
    s->syy = M[p * m + p];
    api->free(M);
    return AIWB_OK;
}

/* The rows form's data: the weighted means, then the centred, weight-scaled
 * columns of X and the target. */
static int
setup_rows(struct enet *s, const struct aiwb_problem *prob, char **cause)
{
    struct train *tr = s->tr;
    const size_t n = prob->n, p = s->p;
    int rc = find_nonfinite(s, prob, cause);

    if (rc != AIWB_OK)
        return rc;
    tr->n = n;
    s->sw = 0;
    for (size_t i = 0; i < n; i++) {
        const double wi = prob->w != NULL ? prob->w[i] : 1.0, *xi = prob->X + i * prob->ldx;
        s->sw += wi;
        if (!s->intercept)
            continue;
        for (size_t j = 0; j < p; j++)
            s->mean[j] += wi * xi[j];
        s->mean[p] += wi * prob->y[i];
    }
    for (size_t j = 0; s->intercept && j <= p; j++)
        s->mean[j] /= s->sw;
    tr->Xc = api->alloc(p * n * sizeof(double));
    tr->yc = api->alloc(n * sizeof(double));
    tr->R = api->alloc(n * sizeof(double));
    s->syy = 0;
    for (size_t i = 0; i < n; i++) {
        const double sw = prob->w != NULL ? sqrt(prob->w[i]) : 1.0, *xi = prob->X + i * prob->ldx;
        for (size_t j = 0; j < p; j++)
            tr->Xc[j * n + i] = sw * (xi[j] - s->mean[j]);
        tr->yc[i] = tr->R[i] = sw * (prob->y[i] - s->mean[p]);
        s->syy += tr->yc[i] * tr->yc[i];
    }
    for (size_t j = 0; j < p; j++) {
        gsl_vector_view c = gsl_vector_view_array(tr->Xc + j * n, n);
        double norm = gsl_blas_dnrm2(&c.vector);
        tr->norm2[j] = norm * norm;
    }
    return AIWB_OK;
}

/* The alphas: the path from alpha_max down to alpha, or alpha alone. */
static void
set_alphas(struct enet *s)
{
    struct train *tr = s->tr;
    double cmax = 0;
    size_t N = (size_t)s->path_len;

    for (size_t j = 0; j < s->p; j++) {
        double c;
        if (tr->gram) {
            c = fabs(tr->q[j]);
        } else {
            gsl_vector_view x = gsl_vector_view_array(tr->Xc + j * tr->n, tr->n);
            gsl_vector_view y = gsl_vector_view_array(tr->yc, tr->n);
            gsl_blas_ddot(&x.vector, &y.vector, &c);
            c = fabs(c);
        }
        if (c > cmax)
            cmax = c;
    }
    s->alpha_max = s->rho > 0 ? cmax / (s->sw * s->rho) : INFINITY;
    if (N >= 2 && !(s->alpha < s->alpha_max)) {
        api->log(AIWB_LOG_INFO,
                 "%s: alpha %g is at or above alpha_max %g, where every "
                 "coefficient is zero: the path is that one point",
                 s->who, s->alpha, s->alpha_max);
        N = 1;
    }
    if (N < 2)
        N = 1;
    tr->alphas = api->alloc(N * sizeof(double));
    tr->nalphas = N;
    for (size_t i = 0; i + 1 < N; i++)
        tr->alphas[i] = s->alpha_max * pow(s->alpha / s->alpha_max, (double)i / (double)(N - 1));
    tr->alphas[N - 1] = s->alpha;
    if (s->path_len > 0)
        s->path = api->calloc(N * LASSO_PATH_COLS, sizeof(double));
}

/* Read the options, check the problem and prepare the form of descent. */
static int
enet_setup(struct enet *s, const struct aiwb_options *opts, const struct aiwb_problem *prob,
           char **cause)
{
    int rc = read_options(s, opts, cause);

    if (rc != AIWB_OK)
        return rc;
    s->p = prob->p;
    s->k = prob->p + (size_t)s->intercept;
    s->weighted = prob->w != NULL;
    if (s->k == 0) {
        *cause = api->format("%s: no features and no intercept: there is nothing to fit", s->who);
        return AIWB_EINVAL;
    }
    set_terms(s, prob);
    rc = check_problem(s, prob, cause);
    if (rc != AIWB_OK)
        return rc;
    s->mean = api->calloc(s->p + 1, sizeof(double));
    s->w = api->calloc(s->p > 0 ? s->p : 1, sizeof(double));
    s->tr = api->calloc(1, sizeof(struct train));
    s->tr->norm2 = api->calloc(s->p > 0 ? s->p : 1, sizeof(double));
    s->tr->XtA = api->calloc(s->p > 0 ? s->p : 1, sizeof(double));
    s->tr->gram = s->form == FORM_GRAM ||
                  (s->form == FORM_AUTO && s->p <= LASSO_GRAM_MAX && (double)s->p < s->n_obs);
    rc = s->tr->gram ? setup_gram(s, prob, cause) : setup_rows(s, prob, cause);
    if (rc == LASSO_USE_ROWS) {
        s->tr->gram = 0;
        memset(s->mean, 0, (s->p + 1) * sizeof(double));
        rc = setup_rows(s, prob, cause);
    }
    if (rc != AIWB_OK)
        return rc;
    s->tr->rnorm2 = s->syy;
    set_alphas(s);
    return AIWB_OK;
}

static int
lasso_init(void *state, const struct aiwb_options *opts, const struct aiwb_problem *prob,
           char **cause)
{
    struct enet *s = state;

    clear(s);
    s->who = "lasso";
    s->rho = 1;
    return enet_setup(s, opts, prob, cause);
}

static int
elasticnet_init(void *state, const struct aiwb_options *opts, const struct aiwb_problem *prob,
                char **cause)
{
    struct enet *s = state;

    clear(s);
    s->who = "elasticnet";
    s->rho = api->opt_real(opts, "l1_ratio");
    return enet_setup(s, opts, prob, cause);
}

/* ---------------------------------------------------------------------------
 * Coordinate descent.
 */

static inline double
soft_threshold(double z, double t)
{
    return z > t ? z - t : z < -t ? z + t : 0.0;
}

/* One cyclic pass of the Gram form; the largest change and coefficient. */
static void
pass_gram(struct enet *s, double l1, double l2, double *dmax, double *wmax)
{
    struct train *tr = s->tr;
    const size_t p = s->p;

    for (size_t j = 0; j < p; j++) {
        const double hjj = tr->norm2[j], old = s->w[j];
        double tmp, neww;

        if (hjj == 0)
            continue;
        tmp = tr->q[j] - tr->Hw[j] + old * hjj;
        neww = soft_threshold(tmp, l1) / (hjj + l2);
        if (neww != old) {
            gsl_vector_const_view h = gsl_vector_const_view_array(tr->H + j * p, p);
            gsl_vector_view hw = gsl_vector_view_array(tr->Hw, p);
            gsl_blas_daxpy(neww - old, &h.vector, &hw.vector);
            s->w[j] = neww;
        }
        if (fabs(neww - old) > *dmax)
            *dmax = fabs(neww - old);
        if (fabs(neww) > *wmax)
            *wmax = fabs(neww);
    }
}

/* One cyclic pass of the rows form. */
static void
pass_rows(struct enet *s, double l1, double l2, double *dmax, double *wmax)
{
    struct train *tr = s->tr;
    gsl_vector_view R = gsl_vector_view_array(tr->R, tr->n);

    for (size_t j = 0; j < s->p; j++) {
        const double nj = tr->norm2[j], old = s->w[j];
        gsl_vector_const_view x = gsl_vector_const_view_array(tr->Xc + j * tr->n, tr->n);
        double tmp, neww;

        if (nj == 0)
            continue;
        if (old != 0)
            gsl_blas_daxpy(old, &x.vector, &R.vector);
        gsl_blas_ddot(&x.vector, &R.vector, &tmp);
        neww = soft_threshold(tmp, l1) / (nj + l2);
        if (neww != 0)
            gsl_blas_daxpy(-neww, &x.vector, &R.vector);
        s->w[j] = neww;
        if (fabs(neww - old) > *dmax)
            *dmax = fabs(neww - old);
        if (fabs(neww) > *wmax)
            *wmax = fabs(neww);
    }
}

/* ||r||^2 and r'yc for the current slopes. */
static void
residual_norms(const struct enet *s, double *rnorm2, double *ry)
{
    const struct train *tr = s->tr;

    if (tr->gram) {
        double whw = 0, qw = 0;
        for (size_t j = 0; j < s->p; j++) {
            whw += s->w[j] * tr->Hw[j];
            qw += tr->q[j] * s->w[j];
        }
        *rnorm2 = s->syy + whw - 2 * qw;
        if (*rnorm2 < 0)
            *rnorm2 = 0;
        *ry = s->syy - qw;
    } else {
        gsl_vector_const_view R = gsl_vector_const_view_array(tr->R, tr->n);
        gsl_vector_const_view y = gsl_vector_const_view_array(tr->yc, tr->n);
        gsl_blas_ddot(&R.vector, &R.vector, rnorm2);
        gsl_blas_ddot(&R.vector, &y.vector, ry);
    }
}

/* The duality gap (in the units of W times the objective), as scikit-learn
 * computes it, with the penalties L1 = alpha l1_ratio W, L2 = alpha
 * (1 - l1_ratio) W. */
static double
duality_gap(struct enet *s, double l1, double l2)
{
    struct train *tr = s->tr;
    double rnorm2, ry, dual = 0, wl1 = 0, wnorm2 = 0, cst, gap;

    residual_norms(s, &rnorm2, &ry);
    if (tr->gram) {
        for (size_t j = 0; j < s->p; j++)
            tr->XtA[j] = tr->q[j] - tr->Hw[j];
    } else {
        gsl_matrix_const_view X = gsl_matrix_const_view_array(tr->Xc, s->p, tr->n);
        gsl_vector_const_view R = gsl_vector_const_view_array(tr->R, tr->n);
        gsl_vector_view a = gsl_vector_view_array(tr->XtA, s->p);
        gsl_blas_dgemv(CblasNoTrans, 1.0, &X.matrix, &R.vector, 0.0, &a.vector);
    }
    for (size_t j = 0; j < s->p; j++) {
        tr->XtA[j] -= l2 * s->w[j];
        if (fabs(tr->XtA[j]) > dual)
            dual = fabs(tr->XtA[j]);
        wl1 += fabs(s->w[j]);
        wnorm2 += s->w[j] * s->w[j];
    }
    if (dual > l1) {
        cst = l1 / dual;
        gap = 0.5 * (rnorm2 + rnorm2 * cst * cst);
    } else {
        cst = 1;
        gap = rnorm2;
    }
    return gap + l1 * wl1 - cst * ry + 0.5 * l2 * (1 + cst * cst) * wnorm2;
}

/* The objective at the current slopes and ALPHA, and the non-zero count. */
static double
objective(const struct enet *s, double alpha, size_t *nonzero)
{
    double rnorm2, ry, wl1 = 0, wnorm2 = 0;

    residual_norms(s, &rnorm2, &ry);
    *nonzero = 0;
    for (size_t j = 0; j < s->p; j++) {
        wl1 += fabs(s->w[j]);
        wnorm2 += s->w[j] * s->w[j];
        *nonzero += s->w[j] != 0;
    }
    s->tr->rnorm2 = rnorm2;
    return rnorm2 / (2 * s->sw) + alpha * s->rho * wl1 + 0.5 * alpha * (1 - s->rho) * wnorm2;
}

/* The row of the path for the alpha just finished. */
static void
record_stage(struct enet *s, double alpha)
{
    struct train *tr = s->tr;
    double *row;

    if (s->path == NULL)
        return;
    row = s->path + tr->stage * LASSO_PATH_COLS;
    row[0] = alpha;
    row[1] = (double)s->nonzero;
    row[2] = 1 - tr->rnorm2 / s->syy;
    row[3] = s->objective;
    row[4] = (double)tr->passes_at;
    s->npath = tr->stage + 1;
}

/* One pass over the coordinates at the current alpha of the path. */
static int
enet_iterate(void *state, const struct aiwb_problem *prob, struct aiwb_step *step, char **cause)
{
    struct enet *s = state;
    struct train *tr = s->tr;
    double alpha, l1, l2, dmax = 0, wmax = 0, change;
    int done = 0;

    (void)prob;
    if (tr == NULL || tr->stage >= tr->nalphas) {
        *cause = api->format("%s: iterate called after the fit was finished", s->who);
        return AIWB_EINVAL;
    }
    alpha = tr->alphas[tr->stage];
    l1 = alpha * s->rho * s->sw;
    l2 = alpha * (1 - s->rho) * s->sw;
    if (tr->gram)
        pass_gram(s, l1, l2, &dmax, &wmax);
    else
        pass_rows(s, l1, l2, &dmax, &wmax);
    s->passes++;
    tr->passes_at++;
    change = wmax > 0 ? dmax / wmax : 0;
    if (wmax == 0 || change < s->tol || tr->passes_at >= s->max_iter) {
        s->gap = duality_gap(s, l1, l2);
        done = s->gap < s->tol * s->syy;
    }
    s->alpha_fit = alpha;
    s->objective = objective(s, alpha, &s->nonzero);
    api->step_value(step, "loss", s->objective);
    api->step_value(step, "nonzero", (double)s->nonzero);
    api->step_value(step, "alpha", alpha);
    api->step_value(step, "change", change);
    if (!done && tr->passes_at < s->max_iter)
        return AIWB_CONTINUE;

    s->converged = done;
    record_stage(s, alpha);
    tr->stage++;
    tr->passes_at = 0;
    if (!done)
        api->log(AIWB_LOG_WARN,
                 "%s: no convergence at alpha %g within max_iter=%" PRId64
                 " passes (duality gap %.3g of the target's sum of squares, tol %.3g): raise "
                 "max_iter or tol",
                 s->who, alpha, s->max_iter, s->gap / s->syy, s->tol);
    if (tr->stage < tr->nalphas)
        return AIWB_CONTINUE;
    if (!done)
        api->step_value(step, "converged", 0);
    return AIWB_OK;
}

/* Keep the slopes as they are (also after a cancel) with their intercept
 * and numbers, and free the training data. */
static int
enet_finish(void *state, const struct aiwb_problem *prob, char **cause)
{
    struct enet *s = state;
    const size_t t0 = (size_t)s->intercept;

    (void)prob;
    (void)cause;
    if (s->tr == NULL)
        return AIWB_OK;
    s->stopped = s->tr->stage < s->tr->nalphas;
    if (s->stopped) {
        s->alpha_fit = s->tr->alphas[s->tr->stage];
        s->converged = 0;
        s->objective = objective(s, s->alpha_fit, &s->nonzero);
        s->npath = s->tr->stage; /* the finished stages only */
    }
    s->coef = api->calloc(s->k, sizeof(double));
    for (size_t j = 0; j < s->p; j++)
        s->coef[t0 + j] = s->w[j];
    if (s->intercept) {
        double slope = 0;
        for (size_t j = 0; j < s->p; j++)
            slope += s->w[j] * s->mean[j];
        s->coef[0] = s->mean[s->p] - slope;
    }
    s->mse = s->tr->rnorm2 / s->sw;
    s->r2 = 1 - s->tr->rnorm2 / s->syy;
    train_free(s->tr);
    s->tr = NULL;
    s->fitted = 1;
    return AIWB_OK;
}

/* The lines under either table. */
static void
report_notes(const struct enet *s, struct aiwb_table *t)
{
    char *note;

    if (s->rho == 1)
        note = api->format("alpha %.6g: objective 1/(2n) ||y - Xb - b0||^2 + alpha ||b||_1 "
                           "(scikit-learn's Lasso)",
                           s->alpha_fit);
    else
        note = api->format("alpha %.6g, l1_ratio %.6g: objective 1/(2n) ||y - Xb - b0||^2 + "
                           "alpha l1_ratio ||b||_1 + alpha/2 (1 - l1_ratio) ||b||^2 "
                           "(scikit-learn's ElasticNet)",
                           s->alpha_fit, s->rho);
    api->table_note(t, note);
    api->free(note);
    note = api->format("Objective: %.10g, non-zero coefficients: %zu of %zu, R-squared: %.4g",
                       s->objective, s->nonzero, s->p, s->r2);
    api->table_note(t, note);
    api->free(note);
    if (s->stopped)
        note = api->format("Stopped after %" PRId64 " passes, before convergence", s->passes);
    else if (s->converged)
        note = api->format("Converged after %" PRId64 " passes (duality gap %.3g of the "
                           "target's sum of squares)",
                           s->passes, s->gap / s->syy);
    else
        note = api->format("Not converged after %" PRId64 " passes (duality gap %.3g of the "
                           "target's sum of squares, tol %.3g)",
                           s->passes, s->gap / s->syy, s->tol);
    api->table_note(t, note);
    api->free(note);
    api->table_note(t, "Features are penalised in their own units: standardise them first "
                       "(with standardize) to treat them alike");
    if (s->weighted) {
        note = api->format("Weighted fit on %.0f rows of non-zero weight", s->n_obs);
        api->table_note(t, note);
        api->free(note);
    }
}

/* The coefficients, or the path. */
static int
enet_report(const void *state, struct aiwb_table *t)
{
    const struct enet *s = state;
    char *title;

    if (!s->fitted)
        return AIWB_EINVAL;
    if (s->show == SHOW_PATH || (s->show == SHOW_AUTO && s->path_len > 0)) {
        title =
            api->format("%s: alpha path (warm-started from alpha_max %.6g)", s->who, s->alpha_max);
        api->table_title(t, title);
        api->free(title);
        api->table_column(t, "alpha", AIWB_TABLE_REAL);
        api->table_column(t, "nonzero", AIWB_TABLE_INT);
        api->table_column(t, "r2", AIWB_TABLE_REAL);
        api->table_column(t, "objective", AIWB_TABLE_REAL);
        api->table_column(t, "passes", AIWB_TABLE_INT);
        for (size_t i = 0; i < s->npath; i++) {
            const double *row = s->path + i * LASSO_PATH_COLS;
            api->table_real(t, row[0]);
            api->table_int(t, (int64_t)row[1]);
            api->table_real(t, row[2]);
            api->table_real(t, row[3]);
            api->table_int(t, (int64_t)row[4]);
        }
        report_notes(s, t);
        api->table_note(t, "The coefficients: train again with report=coef");
        return AIWB_OK;
    }
    title = api->format("%s: coefficients", s->who);
    api->table_title(t, title);
    api->free(title);
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
enet_save(const void *state, struct aiwb_writer *w)
{
    const struct enet *s = state;
    const int64_t flags[] = {s->intercept,     s->weighted, s->converged,        s->stopped,
                             (int64_t)s->show, s->passes,   (int64_t)s->nonzero, s->path_len};
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
    for (size_t i = 0; i < ENET_NSCALARS && rc == AIWB_OK; i++)
        rc = api->put_real(w, enet_scalars[i].key,
                           *predict_scalar((struct enet *)s, enet_scalars, i));
    if (rc == AIWB_OK)
        rc = api->put_reals(w, "path", s->npath * LASSO_PATH_COLS, s->path);
    return rc;
}

/* Free what training keeps, then the model. */
static void
fini(void *state)
{
    clear(state);
}

/* The options of both components; elasticnet's l1_ratio first, so lasso's are the rest. */
static const struct aiwb_option_spec enet_options[] = {
    {.name = "l1_ratio",
     .type = AIWB_OPT_REAL,
     .def = "0.5",
     .min = 0,
     .max = 1,
     .help = "the mix of the penalties: 1 is the lasso (L1 only), 0 ridge (L2 only)"},
    {.name = "alpha",
     .type = AIWB_OPT_REAL,
     .def = "1.0",
     .min = 0,
     .max = INFINITY,
     .help = "the strength of the penalty, as scikit-learn's alpha (the objective is above)"},
    {.name = "path",
     .type = AIWB_OPT_INT,
     .def = "0",
     .min = 0,
     .max = 100000,
     .help = "fit this many alphas from alpha_max (all coefficients zero) down to alpha, "
             "each warm-started from the one before; 0: alpha alone"},
    {.name = "max_iter",
     .type = AIWB_OPT_INT,
     .def = "1000",
     .min = 1,
     .max = INFINITY,
     .help = "the most passes over the coefficients at each alpha"},
    {.name = "tol",
     .type = AIWB_OPT_REAL,
     .def = "1e-4",
     .min = 0,
     .max = INFINITY,
     .flags = AIWB_OPT_MIN_EXCLUSIVE,
     .help = "converged when the duality gap is below tol times the target's (centred) sum of "
             "squares, checked once a pass changes no coefficient by more than tol times the "
             "largest (scikit-learn's rule)"},
    {.name = "intercept",
     .type = AIWB_OPT_BOOL,
     .def = "true",
     .help = "fit an unpenalised constant term (features and target are centred)"},
    {.name = "gram",
     .type = AIWB_OPT_CHOICE,
     .def = "auto",
     .choices = "auto|yes|no",
     .help = "descend on the p x p Gram matrix (one pass over the rows first) or on the rows; "
             "auto: the Gram matrix for at most 500 features, fewer than the rows"},
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
     .help = "threads for the pass that makes the Gram matrix; 0 uses one per core (at most "
             "4) from 65,536 rows"},
    {.name = NULL},
};

static const char enet_help[] =
    "Objective (scikit-learn's): 1/(2n) sum_i (y_i - b0 - x_i'b)^2 + alpha * l1_ratio * "
    "||b||_1\n"
    "  + alpha/2 * (1 - l1_ratio) * ||b||^2, with sample weights 1/(2 sum w) sum w_i (...)^2;\n"
    "the intercept is not penalised; features are penalised in their own units, so\n"
    "standardise them first (with standardize) to treat them alike. Cyclic coordinate\n"
    "descent; each iteration is one pass over the coefficients; stops on the duality gap.";

static const struct aiwb_algorithm_type lasso_type = {
    .abi_version = AIWB_ABI_VERSION,
    .size = sizeof(struct aiwb_algorithm_type),
    .name = "lasso",
    .summary = "the lasso (L1-penalised least squares) by coordinate descent, with a path",
    .help = enet_help,
    .options = enet_options + 1,
    .flags = ENET_FLAGS,
    .state_version = ENET_STATE_VERSION,
    .state_size = sizeof(struct enet),
    .init = lasso_init,
    .iterate = enet_iterate,
    .finish = enet_finish,
    .n_outputs = enet_n_outputs,
    .predict = enet_predict,
    .report = enet_report,
    .save = enet_save,
    .load = lasso_load,
    .fini = fini,
};

static const struct aiwb_algorithm_type elasticnet_type = {
    .abi_version = AIWB_ABI_VERSION,
    .size = sizeof(struct aiwb_algorithm_type),
    .name = "elasticnet",
    .summary = "the elastic net (L1 and L2 penalties) by coordinate descent, with a path",
    .help = enet_help,
    .options = enet_options,
    .flags = ENET_FLAGS,
    .state_version = ENET_STATE_VERSION,
    .state_size = sizeof(struct enet),
    .init = elasticnet_init,
    .iterate = enet_iterate,
    .finish = enet_finish,
    .n_outputs = enet_n_outputs,
    .predict = enet_predict,
    .report = enet_report,
    .save = enet_save,
    .load = elasticnet_load,
    .fini = fini,
};

/* The module's entry point: registers "lasso" and "elasticnet". */
int
aiwb_plugin_init(struct aiwb_plugin *p, const struct aiwb_host_api *host)
{
    int rc;

    AIWB_PLUGIN_BEGIN(p, host, api, "lasso", "1.0.0");
    algo_lasso_bind(host);
    rc = api->register_algorithm(p, &lasso_type);
    if (rc == AIWB_OK)
        rc = api->register_algorithm(p, &elasticnet_type);
    return rc;
}
