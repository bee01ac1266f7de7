/*
 * algo-poisson.c - Poisson regression: a generalised linear model with the
 * log link for counts, fitted by iteratively reweighted least squares with
 * the statistics R's summary(glm(family = poisson)) shows.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The iterations are R's glm.fit's, step for step: start from
 * mu = y + 0.1 (eta = log mu), then each iterate() is one Fisher scoring
 * step, the weighted least squares of the working response
 * z = eta - offset + (y - mu) / mu on the design with weights w * mu,
 * solved by a Householder QR of the weighted design computed block by
 * block; a step whose deviance is not finite is halved towards the last
 * one, as glm.fit does. Converged when |dev - dev_old| / (|dev| + 0.1) <
 * tol (glm.control's epsilon, 1e-8). The standard errors come, as R's,
 * from the R factor of the last weighted least squares, so they match R's
 * to rounding and not only to the convergence tolerance.
 *
 * With lambda > 0 the criterion is scikit-learn's PoissonRegressor with
 * alpha = lambda: sum(w dev_i) / (2 sum(w)) + lambda / 2 * ||beta||^2, the
 * intercept not penalised; each step is then a Newton step of it (the
 * weighted least squares with sqrt(lambda sum(w)) rows appended), and the
 * convergence test is on the penalised deviance. Without a penalty, a
 * column that is non-zero only where the count is zero (a level with no
 * events) has no finite estimate: its coefficient would run to minus
 * infinity, so it is refused before fitting, with its name.
 *
 * The option offset names a feature that enters the linear predictor with
 * coefficient one (log exposure, as R's offset()): it is read from the
 * same column at predict time.
 */
#include <config.h>

#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_multifit.h>
#include <gsl/gsl_vector.h>

#include <aiwb/plugin.h>

#include "algo-poisson.h"

/* Singular values of the balanced design at or below this fraction of the largest are zero. */
#define POISSON_RANK_TOL 1e-7
/* A term takes part in a dependency when its share of a null vector is above this. */
#define POISSON_NULL_TOL 1e-6
/* Rows per block of the QR. */
#define POISSON_BLOCK 1024
/* R's glm.fit: fitted rates below this are "numerically 0". */
#define POISSON_ZERO_RATE (10 * DBL_EPSILON)

static const struct aiwb_host_api *api;

/* What exists only while training. */
struct train {
    double *eta;     /* n: the linear predictor, offset included */
    double *mu;      /* n: the fitted rates */
    double *coefold; /* k: the last accepted coefficients */
    int have_old;
    gsl_matrix *S; /* (k+1) x (k+1): the last weighted least squares' factor */
    int have_S;
    gsl_matrix *A; /* a block of weighted rows */
    gsl_matrix *T; /* QR workspace */
    double devold; /* the (penalised) deviance before this step */
};

static void
train_free(struct train *tr)
{
    if (tr == NULL)
        return;
    gsl_matrix_free(tr->S);
    gsl_matrix_free(tr->A);
    gsl_matrix_free(tr->T);
    api->free(tr->eta);
    api->free(tr);
}

/* Free what the state owns and zero it, keeping the options: what training
 * keeps here, the model in the predict half. */
static void
clear(struct poisson *s)
{
    train_free(s->tr);
    s->tr = NULL;
    poisson_clear(s);
}

static const char *
target_name(const struct aiwb_problem *prob)
{
    return prob->target_name != NULL ? prob->target_name : "target";
}

static const char *
feature_name(const struct aiwb_problem *prob, size_t j, char *buf, size_t size)
{
    if (prob->feature_names != NULL && prob->feature_names[j] != NULL)
        return prob->feature_names[j];
    snprintf(buf, size, "x%zu", j + 1);
    return buf;
}

/* R's poisson()$dev.resids for one row. */
static inline double
dev_resid(double y, double mu, double w)
{
    return y > 0 ? 2 * w * (y * log(y / mu) - (y - mu)) : 2 * w * mu;
}

static inline double
weight(const struct aiwb_problem *prob, size_t i)
{
    return prob->w != NULL ? prob->w[i] : 1.0;
}

/* ---------------------------------------------------------------------------
 * Setting up.
 */

static int
read_options(struct poisson *s, const struct aiwb_options *opts, char **cause)
{
    s->intercept = api->opt_bool(opts, "intercept") != 0;
    s->max_iter = api->opt_int(opts, "max_iter");
    s->tol = api->opt_real(opts, "tol");
    s->lambda = api->opt_real(opts, "lambda");
    const char *offset = api->opt_str(opts, "offset");

    api->free(s->offset);
    s->offset = offset != NULL && offset[0] != '\0' ? api->strdup(offset) : NULL;
    if (s->max_iter < 1) {
        *cause = api->format("poisson: max_iter must be at least 1, not %" PRId64, s->max_iter);
        return AIWB_EINVAL;
    }
    if (!(s->tol > 0) || !isfinite(s->tol)) {
        *cause = api->format("poisson: tol must be a number > 0, not %g", s->tol);
        return AIWB_EINVAL;
    }
    if (!(s->lambda >= 0) || !isfinite(s->lambda)) {
        *cause = api->format("poisson: lambda must be a number >= 0, not %g", s->lambda);
        return AIWB_EINVAL;
    }
    return AIWB_OK;
}

/* Find the offset feature and name the coefficients. */
static int
set_terms(struct poisson *s, const struct aiwb_problem *prob, char **cause)
{
    char buf[32];
    size_t t = 0;

    s->off = -1;
    for (size_t j = 0; s->offset != NULL && j < s->p; j++)
        if (strcmp(feature_name(prob, j, buf, sizeof(buf)), s->offset) == 0)
            s->off = (long)j;
    if (s->offset != NULL && s->off < 0) {
        *cause = api->format("poisson: the offset '%s' is not one of the features", s->offset);
        return AIWB_EINVAL;
    }
    s->k = (size_t)s->intercept + s->p - (s->off >= 0);
    if (s->k == 0) {
        *cause = api->format("poisson: no features and no intercept: there is nothing to fit");
        return AIWB_EINVAL;
    }
    s->terms = api->calloc(s->k, sizeof(char *));
    s->col = api->calloc(s->k, sizeof(size_t));
    if (s->intercept)
        s->terms[t++] = api->strdup("(Intercept)");
    for (size_t j = 0; j < s->p; j++) {
        if ((long)j == s->off)
            continue;
        s->col[t] = j;
        s->terms[t++] = api->strdup(feature_name(prob, j, buf, sizeof(buf)));
    }
    return AIWB_OK;
}

/* Counts >= 0, weights >= 0, everything finite; sums the weights. */
static int
check_rows(struct poisson *s, const struct aiwb_problem *prob, char **cause)
{
    char buf[32];
    double ysum = 0;

    s->n_obs = s->sw = 0;
    for (size_t i = 0; i < prob->n; i++) {
        const double *xi = prob->X + i * prob->ldx, yi = prob->y[i], wi = weight(prob, i);

        if (!isfinite(yi) || yi < 0) {
            *cause = api->format("poisson: row %zu: the target '%s' is %g, not a count >= 0", i + 1,
                                 target_name(prob), yi);
            return AIWB_EDATA;
        }
        if (!isfinite(wi) || wi < 0) {
            *cause = api->format("poisson: row %zu: the weight %g is not a finite number >= 0",
                                 i + 1, wi);
            return AIWB_EDATA;
        }
        for (size_t j = 0; j < s->p; j++) {
            if (!isfinite(xi[j])) {
                *cause = api->format("poisson: row %zu column '%s': %g is not a finite number",
                                     i + 1, feature_name(prob, j, buf, sizeof(buf)), xi[j]);
                return AIWB_EDATA;
            }
        }
        s->n_obs += wi > 0;
        s->sw += wi;
        ysum += wi * yi;
        if (yi != floor(yi) && wi > 0)
            s->noninteger = 1;
    }
    if (s->n_obs <= (double)s->k) {
        *cause = api->format("poisson: %.0f rows%s are too few for %zu coefficients: the fit "
                             "needs more rows than coefficients",
                             s->n_obs, prob->w != NULL ? " of non-zero weight" : "", s->k);
        return AIWB_EDATA;
    }
    if (ysum == 0 && s->lambda == 0) {
        *cause = api->format("poisson: the target '%s' is 0 in every row: the fitted rates would "
                             "go to zero and there is no maximum likelihood estimate",
                             target_name(prob));
        return AIWB_EDATA;
    }
    return AIWB_OK;
}

/*
 * Refuse a column whose coefficient has no finite estimate: one of a
 * single sign that is non-zero only in rows with a zero count (a level
 * without events). Along minus (or plus) its coefficient the likelihood
 * only grows, so the fit would run away. A penalty keeps it finite.
 */
static int
check_zero_columns(const struct poisson *s, const struct aiwb_problem *prob, char **cause)
{
    for (size_t t = (size_t)s->intercept; t < s->k && s->lambda == 0; t++) {
        const size_t j = s->col[t];
        int pos = 0, neg = 0, events = 0;

        for (size_t i = 0; i < prob->n; i++) {
            double x = prob->X[i * prob->ldx + j];

            if (weight(prob, i) == 0 || x == 0)
                continue;
            pos |= x > 0;
            neg |= x < 0;
            events |= prob->y[i] > 0;
        }
        if ((pos || neg) && !(pos && neg) && !events) {
            *cause = api->format("poisson: the count '%s' is 0 in every row where '%s' is "
                                 "non-zero: its coefficient would go to %s infinity (no maximum "
                                 "likelihood estimate); drop the column, merge its levels or use "
                                 "lambda > 0",
                                 target_name(prob), s->terms[t], pos ? "minus" : "plus");
            return AIWB_EDATA;
        }
    }
    return AIWB_OK;
}

/*
 * The triangular factor, in S ((k+1) x (k+1)), of the rows
 * sqrt(v_i) [design_i z_i] (rows with v_i = 0 left out), block by block,
 * then, with PENALTY > 0, of the rows sqrt(PENALTY) e_j for each coefficient
 * but the intercept. Z NULL stands for zeros.
 */
static int
weighted_factor(const struct poisson *s, struct train *tr, const struct aiwb_problem *prob,
                const double *v, const double *z, double penalty)
{
    const size_t k = s->k, kk = k + 1;
    size_t rows = 0;
    int rc = GSL_SUCCESS;

    gsl_matrix_set_zero(tr->S);
    for (size_t i = 0; i <= prob->n && rc == GSL_SUCCESS; i++) {
        if (i < prob->n && v[i] > 0) {
            const double *xi = prob->X + i * prob->ldx, sw = sqrt(v[i]);
            double *row = tr->A->data + rows * tr->A->tda;

            if (s->intercept)
                row[0] = sw;
            for (size_t t = (size_t)s->intercept; t < k; t++)
                row[t] = sw * xi[s->col[t]];
            row[k] = z != NULL ? sw * z[i] : 0.0;
            rows++;
        }
        if (rows == POISSON_BLOCK || (i == prob->n && rows > 0)) {
            gsl_matrix_view b = gsl_matrix_submatrix(tr->A, 0, 0, rows, kk);
            rc = gsl_linalg_QR_UR_decomp(tr->S, &b.matrix, tr->T);
            rows = 0;
        }
    }
    if (rc != GSL_SUCCESS || !(penalty > 0) || k == (size_t)s->intercept)
        return rc;
    gsl_matrix_view b = gsl_matrix_submatrix(tr->A, 0, 0, k - (size_t)s->intercept, kk);
    gsl_matrix_set_zero(&b.matrix);
    for (size_t t = (size_t)s->intercept; t < k; t++)
        gsl_matrix_set(&b.matrix, t - (size_t)s->intercept, t, sqrt(penalty));
    return gsl_linalg_QR_UR_decomp(tr->S, &b.matrix, tr->T);
}

/* "'a', 'b' and 'c'": the terms whose flag is set, in a new string. */
static char *
join_terms(const struct poisson *s, const unsigned char *flag, size_t count)
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

/* Name the terms of a rank-deficient design from the SVD's null vectors. */
static char *
describe_dependency(const struct poisson *s, const gsl_multifit_linear_workspace *work, size_t rank)
{
    unsigned char *flag = api->calloc(s->k, 1);
    size_t count = 0;
    char *terms, *msg;

    for (size_t t = 0; t < s->k; t++) {
        for (size_t j = rank; j < s->k; j++) {
            if (fabs(gsl_matrix_get(work->Q, t, j)) > POISSON_NULL_TOL) {
                flag[t] = 1;
                count++;
                break;
            }
        }
    }
    terms = join_terms(s, flag, count);
    if (count == 1)
        msg = api->format("poisson: the design matrix is singular: the column %s is zero in "
                          "every row; drop it",
                          terms);
    else
        msg = api->format("poisson: the design matrix is singular (rank %zu of %zu terms): %s "
                          "are linearly dependent (collinear); drop one of them",
                          rank, s->k, terms);
    api->free(terms);
    api->free(flag);
    return msg;
}

/* Refuse a rank-deficient design: the SVD (balanced) of the factor of sqrt(w) X. */
static int
check_rank(struct poisson *s, const struct aiwb_problem *prob, char **cause)
{
    const size_t k = s->k;
    struct train *tr = s->tr;
    double *v = api->alloc(prob->n * sizeof(double)), chisq;
    gsl_matrix *cov = gsl_matrix_alloc(k, k);
    gsl_vector *ones = gsl_vector_alloc(k + 1), *rhs = gsl_vector_calloc(k + 1);
    gsl_vector *c = gsl_vector_alloc(k);
    gsl_multifit_linear_workspace *work = gsl_multifit_linear_alloc(k + 1, k);
    size_t rank = 0;
    int rc = GSL_ENOMEM;

    for (size_t i = 0; i < prob->n; i++)
        v[i] = weight(prob, i);
    if (cov == NULL || ones == NULL || rhs == NULL || c == NULL || work == NULL)
        goto out;
    rc = weighted_factor(s, tr, prob, v, NULL, 0);
    if (rc != GSL_SUCCESS)
        goto out;
    gsl_matrix_view R = gsl_matrix_submatrix(tr->S, 0, 0, k + 1, k);
    gsl_vector_set_all(ones, 1.0);
    rc = gsl_multifit_wlinear_tsvd(&R.matrix, ones, rhs, POISSON_RANK_TOL, c, cov, &chisq, &rank,
                                   work);
out:
    if (rc != GSL_SUCCESS)
        *cause =
            api->format("poisson: checking the rank of the design failed: %s", gsl_strerror(rc));
    else if (rank < k && s->lambda == 0)
        *cause = describe_dependency(s, work, rank);
    gsl_multifit_linear_free(work);
    gsl_vector_free(c);
    gsl_vector_free(rhs);
    gsl_vector_free(ones);
    gsl_matrix_free(cov);
    api->free(v);
    if (rc != GSL_SUCCESS)
        return rc == GSL_ENOMEM ? AIWB_ENOMEM : AIWB_ENUMERIC;
    return rank < k && s->lambda == 0 ? AIWB_ENUMERIC : AIWB_OK;
}

/*
 * The message for a direction V (k values) along which the likelihood grows
 * without bound: the terms it moves, the zero-count rows it moves (S, their
 * x'v, over all rows; 0 elsewhere).
 */
static char *
describe_separation(const struct poisson *s, const struct aiwb_problem *prob, const double *v,
                    const double *norm, const double *sv)
{
    unsigned char *flag = api->calloc(s->k, 1);
    size_t count = 0, rows = 0, first = 0;
    double vmax = 0, smax = 0;
    char *terms, *msg;

    for (size_t t = 0; t < s->k; t++)
        vmax = fmax(vmax, fabs(v[t]) * norm[t]);
    for (size_t t = 0; t < s->k; t++)
        if (fabs(v[t]) * norm[t] > POISSON_NULL_TOL * vmax)
            flag[t] = 1, count++;
    for (size_t i = 0; i < prob->n; i++)
        smax = fmax(smax, fabs(sv[i]));
    for (size_t i = 0; i < prob->n; i++)
        if (fabs(sv[i]) > POISSON_NULL_TOL * smax && rows++ == 0)
            first = i;
    terms = join_terms(s, flag, count);
    msg = api->format("poisson: the count '%s' is 0 in all %zu rows (the first: row %zu) where "
                      "%s can send the rate to zero without changing the others: no maximum "
                      "likelihood estimate exists (the coefficients would run to infinity); "
                      "drop or merge a level without events, or use lambda > 0",
                      target_name(prob), rows, first + 1, terms);
    api->free(terms);
    api->free(flag);
    return msg;
}

/*
 * Haberman's condition: the estimate exists unless some direction v moves
 * the linear predictor of no row with a positive count (X_P v = 0) and
 * lowers it in some zero-count rows and raises it in none (X_Z v <= 0).
 * Such v lie in the null space of X_P. With one null direction the test is
 * exact (v or -v); with more, each of an SVD basis is tried, which finds the
 * usual cases (a level without events, also the baseline one) but not every
 * combination. Uses the training workspace's S.
 */
static int
check_separation(struct poisson *s, const struct aiwb_problem *prob, char **cause)
{
    const size_t k = s->k, n = prob->n;
    double *pos = api->calloc(n, sizeof(double)), *sv = api->calloc(n, sizeof(double));
    double *norm = api->calloc(k, sizeof(double)), *v = api->calloc(k, sizeof(double));
    gsl_matrix *A = gsl_matrix_alloc(k, k), *V = gsl_matrix_alloc(k, k);
    gsl_vector *S = gsl_vector_alloc(k), *work = gsl_vector_alloc(k);
    int rc = AIWB_ENOMEM;

    if (A == NULL || V == NULL || S == NULL || work == NULL)
        goto out;
    for (size_t i = 0; i < n; i++)
        pos[i] = weight(prob, i) > 0 && prob->y[i] > 0;
    if (weighted_factor(s, s->tr, prob, pos, NULL, 0) != GSL_SUCCESS)
        goto fail;
    /* The SVD of R with unit columns: the null space of X_P whatever the units. */
    for (size_t c = 0; c < k; c++) {
        for (size_t r = 0; r <= c; r++)
            norm[c] += gsl_matrix_get(s->tr->S, r, c) * gsl_matrix_get(s->tr->S, r, c);
        norm[c] = norm[c] > 0 ? sqrt(norm[c]) : 1.0;
        for (size_t r = 0; r < k; r++)
            gsl_matrix_set(A, r, c, r <= c ? gsl_matrix_get(s->tr->S, r, c) / norm[c] : 0.0);
    }
    if (gsl_linalg_SV_decomp(A, V, S, work) != GSL_SUCCESS)
        goto fail;
    rc = AIWB_OK;
    for (size_t j = 0; j < k && rc == AIWB_OK; j++) {
        double lo = 0, hi = 0, smax = 0;

        if (gsl_vector_get(S, j) > POISSON_RANK_TOL * gsl_vector_get(S, 0))
            continue;
        for (size_t c = 0; c < k; c++)
            v[c] = gsl_matrix_get(V, c, j) / norm[c];
        for (size_t i = 0; i < n; i++) {
            const double *xi = prob->X + i * prob->ldx;
            sv[i] = 0;
            if (pos[i] || weight(prob, i) == 0)
                continue;
            for (size_t t = 0; t < k; t++)
                sv[i] += v[t] * (t < (size_t)s->intercept ? 1.0 : xi[s->col[t]]);
            lo = fmin(lo, sv[i]);
            hi = fmax(hi, sv[i]);
            smax = fmax(smax, fabs(sv[i]));
        }
        if (smax > 0 && (hi <= POISSON_NULL_TOL * smax || lo >= -POISSON_NULL_TOL * smax)) {
            *cause = describe_separation(s, prob, v, norm, sv);
            rc = AIWB_EDATA;
        }
    }
    goto out;
fail:
    *cause = api->format("poisson: checking the counts against the design failed");
    rc = AIWB_ENUMERIC;
out:
    gsl_vector_free(work);
    gsl_vector_free(S);
    gsl_matrix_free(V);
    gsl_matrix_free(A);
    api->free(v);
    api->free(norm);
    api->free(sv);
    api->free(pos);
    return rc;
}

/* The penalised deviance: deviance + lambda sum(w) ||beta||^2 (the intercept free). */
static double
penalised(const struct poisson *s, double dev, const double *coef)
{
    double sq = 0;

    for (size_t t = (size_t)s->intercept; t < s->k && s->lambda > 0; t++)
        sq += coef[t] * coef[t];
    return dev + s->lambda * s->sw * sq;
}

/* eta = b0 + X beta (the offset's beta is 1), mu, and the deviance, for COEF. */
static double
evaluate(struct poisson *s, const struct aiwb_problem *prob, const double *coef)
{
    struct train *tr = s->tr;
    double dev = 0, b0 = s->intercept ? coef[0] : 0.0;

    for (size_t t = (size_t)s->intercept; t < s->k; t++)
        s->beta[s->col[t]] = coef[t];
    for (size_t i = 0; i < prob->n; i++)
        tr->eta[i] = b0;
    if (s->p > 0) {
        gsl_matrix_const_view X =
            gsl_matrix_const_view_array_with_tda(prob->X, prob->n, s->p, prob->ldx);
        gsl_vector_const_view b = gsl_vector_const_view_array(s->beta, s->p);
        gsl_vector_view e = gsl_vector_view_array(tr->eta, prob->n);
        gsl_blas_dgemv(CblasNoTrans, 1.0, &X.matrix, &b.vector, 1.0, &e.vector);
    }
    for (size_t i = 0; i < prob->n; i++) {
        tr->mu[i] = poisson_rate(tr->eta[i]);
        dev += dev_resid(prob->y[i], tr->mu[i], weight(prob, i));
    }
    return dev;
}

/* Read the options, check the data, start where R's glm.fit starts. */
static int
poisson_init(void *state, const struct aiwb_options *opts, const struct aiwb_problem *prob,
             char **cause)
{
    struct poisson *s = state;
    struct train *tr;
    int rc;

    clear(s);
    rc = read_options(s, opts, cause);
    if (rc != AIWB_OK)
        return rc;
    s->p = prob->p;
    rc = set_terms(s, prob, cause);
    if (rc == AIWB_OK)
        rc = check_rows(s, prob, cause);
    if (rc == AIWB_OK)
        rc = check_zero_columns(s, prob, cause);
    if (rc != AIWB_OK)
        return rc;
    s->coef = api->calloc(4 * s->k, sizeof(double));
    s->se = s->coef + s->k;
    s->zval = s->coef + 2 * s->k;
    s->pval = s->coef + 3 * s->k;
    s->beta = api->calloc(s->p > 0 ? s->p : 1, sizeof(double));
    if (s->off >= 0)
        s->beta[s->off] = 1.0;
    tr = s->tr = api->calloc(1, sizeof(struct train));
    tr->eta = api->alloc((2 * prob->n + s->k + 1) * sizeof(double));
    tr->mu = tr->eta + prob->n;
    tr->coefold = tr->mu + prob->n;
    tr->S = gsl_matrix_alloc(s->k + 1, s->k + 1);
    tr->A = gsl_matrix_alloc(POISSON_BLOCK > s->k ? POISSON_BLOCK : s->k, s->k + 1);
    tr->T = gsl_matrix_alloc(s->k + 1, s->k + 1);
    if (tr->S == NULL || tr->A == NULL || tr->T == NULL) {
        *cause = api->format("poisson: out of memory for %zu coefficients", s->k);
        return AIWB_ENOMEM;
    }
    rc = check_rank(s, prob, cause);
    if (rc == AIWB_OK && s->lambda == 0)
        rc = check_separation(s, prob, cause);
    if (rc != AIWB_OK)
        return rc;
    /* glm.fit: mustart = y + 0.1, eta = log(mustart), then mu = linkinv(eta). */
    tr->devold = 0;
    for (size_t i = 0; i < prob->n; i++) {
        tr->eta[i] = log(prob->y[i] + 0.1);
        tr->mu[i] = poisson_rate(tr->eta[i]);
        tr->devold += dev_resid(prob->y[i], tr->mu[i], weight(prob, i));
    }
    return AIWB_OK;
}

/* ---------------------------------------------------------------------------
 * Iterating.
 */

/* The weighted least squares of one scoring step: its solution into START. */
static int
scoring_step(struct poisson *s, const struct aiwb_problem *prob, double *start)
{
    struct train *tr = s->tr;
    const size_t n = prob->n, k = s->k;
    double *v = api->alloc(2 * n * sizeof(double)), *z = v + n;
    double offv;
    int rc;

    for (size_t i = 0; i < n; i++) {
        offv = s->off >= 0 ? prob->X[i * prob->ldx + (size_t)s->off] : 0.0;
        v[i] = weight(prob, i) * tr->mu[i];
        z[i] = (tr->eta[i] - offv) + (prob->y[i] - tr->mu[i]) / tr->mu[i];
    }
    rc = weighted_factor(s, tr, prob, v, z, s->lambda * s->sw);
    api->free(v);
    if (rc != GSL_SUCCESS)
        return rc;
    tr->have_S = 1;
    for (size_t t = 0; t < k; t++)
        if (!(fabs(gsl_matrix_get(tr->S, t, t)) > 0))
            return GSL_ESING;
    gsl_matrix_const_view R = gsl_matrix_const_submatrix(tr->S, 0, 0, k, k);
    gsl_vector_view x = gsl_vector_view_array(start, k);
    for (size_t t = 0; t < k; t++)
        start[t] = gsl_matrix_get(tr->S, t, k);
    return gsl_blas_dtrsv(CblasUpper, CblasNoTrans, CblasNonUnit, &R.matrix, &x.vector);
}

/* glm.fit's step halving: towards the last coefficients while the deviance is not finite. */
static int
halve(struct poisson *s, const struct aiwb_problem *prob, double *start, double *dev, char **cause)
{
    struct train *tr = s->tr;

    if (!tr->have_old) {
        *cause = api->format("poisson: the first scoring step gave a deviance of %g: the data "
                             "may hold extreme values (standardize the features)",
                             *dev);
        return AIWB_ENUMERIC;
    }
    api->log(AIWB_LOG_WARN, "poisson: step size truncated due to divergence at iteration %" PRId64,
             s->iterations);
    for (int64_t ii = 1; !isfinite(*dev); ii++) {
        if (ii > s->max_iter) {
            *cause = api->format("poisson: the scoring step diverged at iteration %" PRId64
                                 " and halving it %" PRId64 " times did not help",
                                 s->iterations, s->max_iter);
            return AIWB_ENUMERIC;
        }
        for (size_t t = 0; t < s->k; t++)
            start[t] = (start[t] + tr->coefold[t]) / 2;
        *dev = evaluate(s, prob, start);
    }
    return AIWB_OK;
}

/* One Fisher scoring step, then R's convergence test. */
static int
poisson_iterate(void *state, const struct aiwb_problem *prob, struct aiwb_step *step, char **cause)
{
    struct poisson *s = state;
    struct train *tr = s->tr;
    double *start = s->coef, dev, obj, change;
    int rc;

    if (tr == NULL || s->converged)
        return AIWB_OK;
    s->iterations++;
    rc = scoring_step(s, prob, start);
    if (rc != GSL_SUCCESS) {
        *cause =
            api->format("poisson: the weighted least squares of iteration %" PRId64 " failed: %s",
                        s->iterations, gsl_strerror(rc));
        return AIWB_ENUMERIC;
    }
    dev = evaluate(s, prob, start);
    if (!isfinite(dev)) {
        rc = halve(s, prob, start, &dev, cause);
        if (rc != AIWB_OK)
            return rc;
    }
    obj = penalised(s, dev, start);
    s->deviance = dev;
    s->objective = obj;
    change = fabs(obj - tr->devold) / (fabs(obj) + 0.1);
    api->step_value(step, "loss", dev / s->sw);
    api->step_value(step, "deviance", dev);
    api->step_value(step, "change", change);
    if (s->lambda > 0)
        api->step_value(step, "objective", obj);
    if (change < s->tol)
        s->converged = 1;
    api->step_value(step, "converged", s->converged);
    if (s->converged)
        return AIWB_OK;
    tr->devold = obj;
    memcpy(tr->coefold, start, s->k * sizeof(double));
    tr->have_old = 1;
    if (s->iterations >= s->max_iter) {
        api->log(AIWB_LOG_WARN,
                 "poisson: the algorithm did not converge in max_iter=%" PRId64 " iterations "
                 "(relative change of the deviance %.3g > tol=%g)",
                 s->iterations, change, s->tol);
        return AIWB_OK;
    }
    return AIWB_CONTINUE;
}

/* Standard errors from the R factor of the last weighted least squares (dispersion 1). */
static int
standard_errors(struct poisson *s)
{
    const size_t k = s->k;
    gsl_matrix *Ri = gsl_matrix_alloc(k, k), *cov = gsl_matrix_alloc(k, k);
    int rc = GSL_ENOMEM;

    if (Ri == NULL || cov == NULL)
        goto out;
    gsl_matrix_const_view R = gsl_matrix_const_submatrix(s->tr->S, 0, 0, k, k);
    gsl_matrix_memcpy(Ri, &R.matrix);
    rc = gsl_linalg_tri_invert(CblasUpper, CblasNonUnit, Ri);
    if (rc == GSL_SUCCESS) {
        for (size_t i = 0; i < k; i++)
            for (size_t j = 0; j < i; j++)
                gsl_matrix_set(Ri, i, j, 0.0);
        rc = gsl_blas_dgemm(CblasNoTrans, CblasTrans, 1.0, Ri, Ri, 0.0, cov);
    }
    if (rc != GSL_SUCCESS)
        goto out;
    for (size_t t = 0; t < k; t++) {
        s->se[t] = sqrt(gsl_matrix_get(cov, t, t));
        s->zval[t] = s->coef[t] / s->se[t];
        s->pval[t] = 2 * gsl_cdf_ugaussian_P(-fabs(s->zval[t]));
    }
out:
    gsl_matrix_free(cov);
    gsl_matrix_free(Ri);
    return rc;
}

/*
 * R's null deviance: of the intercept alone, whose rates with an offset o
 * are exp(o_i) sum(w y) / sum(w exp(o)) (the closed form of what glm()
 * fits); of the offset alone (rates exp(o), or 1) without an intercept.
 */
static double
null_deviance(const struct poisson *s, const struct aiwb_problem *prob)
{
    double swy = 0, swe = 0, dev = 0;

    for (size_t i = 0; i < prob->n; i++) {
        double o = s->off >= 0 ? prob->X[i * prob->ldx + (size_t)s->off] : 0.0;
        swy += weight(prob, i) * prob->y[i];
        swe += weight(prob, i) * exp(o);
    }
    for (size_t i = 0; i < prob->n; i++) {
        double o = s->off >= 0 ? prob->X[i * prob->ldx + (size_t)s->off] : 0.0;
        double mu = s->intercept ? exp(o) * (swy / swe) : poisson_rate(o);
        dev += dev_resid(prob->y[i], mu, weight(prob, i));
    }
    return dev;
}

/* R's poisson()$aic plus 2 rank: -2 sum(w log dpois(y, mu)) + 2 k. */
static double
aic(const struct poisson *s, const struct aiwb_problem *prob)
{
    double ll = 0;

    for (size_t i = 0; i < prob->n; i++) {
        double y = prob->y[i], mu = s->tr->mu[i];
        ll += weight(prob, i) * ((y > 0 ? y * log(mu) : 0) - mu - lgamma(y + 1));
    }
    return -2 * ll + 2 * (double)s->k;
}

/* Keep the last coefficients with their statistics, and free the workspace. */
static int
poisson_finish(void *state, const struct aiwb_problem *prob, char **cause)
{
    struct poisson *s = state;
    struct train *tr = s->tr;
    int rc;

    if (tr == NULL || !tr->have_S || s->iterations == 0) {
        *cause = api->format("poisson: training stopped before the first scoring step: there is "
                             "no model");
        return AIWB_ERR;
    }
    s->deviance = evaluate(s, prob, s->coef);
    s->objective = penalised(s, s->deviance, s->coef);
    s->zero_rates = 0;
    for (size_t i = 0; i < prob->n; i++)
        if (weight(prob, i) > 0 && tr->mu[i] < POISSON_ZERO_RATE)
            s->zero_rates = 1;
    if (s->zero_rates)
        api->log(AIWB_LOG_WARN, "poisson: fitted rates numerically 0 occurred");
    s->null_deviance = null_deviance(s, prob);
    s->df_resid = s->n_obs - (double)s->k;
    s->df_null = s->n_obs - (double)s->intercept;
    s->aic = s->noninteger ? NAN : aic(s, prob);
    rc = standard_errors(s);
    if (rc != GSL_SUCCESS) {
        *cause = api->format("poisson: the standard errors failed: %s", gsl_strerror(rc));
        return AIWB_ENUMERIC;
    }
    if (s->lambda > 0)
        for (size_t t = 0; t < s->k; t++)
            s->se[t] = s->zval[t] = s->pval[t] = NAN;
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

/* The coefficient table and the lines under it, as R's summary(glm). */
static int
poisson_report(const void *state, struct aiwb_table *t)
{
    const struct poisson *s = state;
    const int tests = s->lambda == 0;

    if (!s->fitted)
        return AIWB_EINVAL;
    api->table_title(t, "poisson: coefficients (log link)");
    api->table_column(t, "term", AIWB_TABLE_TEXT);
    api->table_column(t, "estimate", AIWB_TABLE_REAL);
    if (tests) {
        api->table_column(t, "std_error", AIWB_TABLE_REAL);
        api->table_column(t, "z_value", AIWB_TABLE_REAL);
        api->table_column(t, "p_value", AIWB_TABLE_REAL);
    }
    for (size_t i = 0; i < s->k; i++) {
        api->table_text(t, s->terms[i]);
        api->table_real(t, s->coef[i]);
        if (tests) {
            api->table_real(t, s->se[i]);
            api->table_real(t, s->zval[i]);
            api->table_real(t, s->pval[i]);
        }
    }
    if (s->offset != NULL)
        note(t, api->format("Offset: '%s' (coefficient 1)", s->offset));
    if (tests)
        note(t, api->strdup("(Dispersion parameter for poisson family taken to be 1)"));
    else
        note(t, api->format("L2 penalty lambda = %g (scikit-learn's alpha): no tests; penalised "
                            "deviance %.10g",
                            s->lambda, s->objective));
    note(t, api->format("Null deviance: %.5g on %.0f degrees of freedom", s->null_deviance,
                        s->df_null));
    note(t, api->format("Residual deviance: %.5g on %.0f degrees of freedom", s->deviance,
                        s->df_resid));
    if (isnan(s->aic))
        note(t, api->strdup("AIC: not defined: the counts are not all integers"));
    else
        note(t, api->format("AIC: %.5g", s->aic));
    if (s->converged)
        note(t, api->format("Number of Fisher Scoring iterations: %" PRId64, s->iterations));
    else
        note(t, api->format("Did not converge in %" PRId64 " Fisher Scoring iterations",
                            s->iterations));
    if (s->zero_rates)
        note(t, api->strdup("Warning: fitted rates numerically 0 occurred"));
    return AIWB_OK;
}

/* The options, the names, the coefficients and the fit's numbers. */
static int
poisson_save(const void *state, struct aiwb_writer *w)
{
    const struct poisson *s = state;
    const double fit[] = {s->n_obs,         s->sw,       s->deviance, s->objective,
                          s->null_deviance, s->df_resid, s->df_null,  s->aic};
    int rc;

    if (!s->fitted)
        return AIWB_EINVAL;
    rc = api->put_int(w, "intercept", s->intercept);
    if (rc == AIWB_OK)
        rc = api->put_int(w, "max_iter", s->max_iter);
    if (rc == AIWB_OK)
        rc = api->put_real(w, "tol", s->tol);
    if (rc == AIWB_OK)
        rc = api->put_real(w, "lambda", s->lambda);
    if (rc == AIWB_OK)
        rc = api->put_int(w, "features", (int64_t)s->p);
    if (rc == AIWB_OK)
        rc = api->put_int(w, "offset", s->off);
    if (rc == AIWB_OK)
        rc = api->put_str(w, "offset_name", s->offset != NULL ? s->offset : "");
    if (rc == AIWB_OK)
        rc = api->put_strs(w, "terms", s->k, (const char *const *)s->terms);
    if (rc == AIWB_OK)
        rc = api->put_reals(w, "estimate", 4 * s->k, s->coef);
    if (rc == AIWB_OK)
        rc = api->put_int(w, "iterations", s->iterations);
    if (rc == AIWB_OK)
        rc = api->put_int(w, "converged", s->converged);
    if (rc == AIWB_OK)
        rc = api->put_int(w, "zero_rates", s->zero_rates);
    if (rc == AIWB_OK)
        rc = api->put_reals(w, "fit", sizeof(fit) / sizeof(fit[0]), fit);
    return rc;
}

/* Free what training keeps, then the model. */
static void
fini(void *state)
{
    struct poisson *s = state;

    train_free(s->tr);
    s->tr = NULL;
    poisson_fini(s);
}

static const struct aiwb_option_spec poisson_options[] = {
    {.name = "intercept",
     .type = AIWB_OPT_BOOL,
     .def = "true",
     .help = "fit a constant term, as R's glm() does"},
    {.name = "max_iter",
     .type = AIWB_OPT_INT,
     .def = "25",
     .min = 1,
     .max = INFINITY,
     .help = "stop after this many Fisher scoring iterations (glm.control's maxit)"},
    {.name = "tol",
     .type = AIWB_OPT_REAL,
     .def = "1e-8",
     .min = 0,
     .max = INFINITY,
     .flags = AIWB_OPT_MIN_EXCLUSIVE,
     .help = "converged when |dev - dev_old| / (|dev| + 0.1) < tol (glm.control's epsilon)"},
    {.name = "lambda",
     .type = AIWB_OPT_REAL,
     .def = "0",
     .min = 0,
     .max = INFINITY,
     .help = "L2 penalty, as alpha of scikit-learn's PoissonRegressor: minimise "
             "deviance / (2 n) + lambda / 2 * ||beta||^2 (intercept free)"},
    {.name = "offset",
     .type = AIWB_OPT_STRING,
     .help = "a feature that enters the linear predictor with coefficient 1 (log exposure, as "
             "R's offset())"},
    {.name = NULL},
};

static const char poisson_help[] =
    "Poisson regression for counts (log link) by iteratively reweighted least squares,\n"
    "as R's glm(family = poisson): same iterations, same convergence test, same table.\n"
    "predict gives the expected count exp(b0 + x'b). The target must be a count >= 0.";

static const struct aiwb_algorithm_type poisson_type = {
    .abi_version = AIWB_ABI_VERSION,
    .size = sizeof(struct aiwb_algorithm_type),
    .name = "poisson",
    .summary = "Poisson regression for counts (GLM, log link, IRLS) with R's glm() table",
    .help = poisson_help,
    .options = poisson_options,
    .flags = POISSON_FLAGS,
    .state_version = POISSON_STATE_VERSION,
    .state_size = sizeof(struct poisson),
    .init = poisson_init,
    .iterate = poisson_iterate,
    .finish = poisson_finish,
    .n_outputs = poisson_n_outputs,
    .predict = poisson_predict,
    .report = poisson_report,
    .save = poisson_save,
    .load = poisson_load,
    .fini = fini,
};

/* The module's entry point: registers the "poisson" algorithm. */
int
aiwb_plugin_init(struct aiwb_plugin *p, const struct aiwb_host_api *host)
{
    AIWB_PLUGIN_BEGIN(p, host, api, "poisson", "1.0.0");
    algo_poisson_bind(host);
    return api->register_algorithm(p, &poisson_type);
}
