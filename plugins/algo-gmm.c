/*
 * algo-gmm.c - Gaussian mixture models by expectation-maximisation, with full or
 * diagonal covariance matrices, step for step as scikit-learn's GaussianMixture.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each iterate() is one EM step: the E step computes, for every row and component, the
 * log of weight times density, and from their log-sum-exp the row's log-likelihood and
 * its responsibilities; the M step re-estimates from these the weights, means and
 * covariances, adding reg_covar to the diagonal of each covariance (scikit-learn's
 * estimates: the responsibilities of a component are summed with 10 * DBL_EPSILON added,
 * so that an empty component keeps finite numbers). The step's "loss" is the negative
 * mean log-likelihood of the rows under the parameters the E step used; EM stops when it
 * changed by less than tol since the previous step (scikit-learn's rule, and its
 * lower_bound_), or after max_iter steps. The last step then reports as "loss" the
 * final model's (after its M step: scikit-learn's score() on the training rows), and
 * the log-likelihood its E step found as "lower_bound".
 *
 * A full covariance S = L L' is used through its Cholesky factor L
 * (gsl_linalg_cholesky_decomp1): the Mahalanobis distance of a row x is ||z||^2 with
 * L z = x - mu, solved for a block of rows at a time by one dtrsm, and log det S is
 * 2 sum log L_ii. A covariance that is not positive definite (a component collapsed on
 * too few rows, with reg_covar=0) stops the fit with a message.
 *
 * The starting responsibilities are one-hot: each row belongs to the cluster of a
 * k-means (init=kmeans, as scikit-learn: k-means++ starts with the seed, one restart,
 * Lloyd's iterations to scikit-learn's tolerance), or to the nearest of k k-means++
 * points (init=kmeans++), or to the nearest of the first k rows (init=first: no
 * randomness, which the tests use to start scikit-learn at the same place). The first
 * parameters are estimated from them as by an M step.
 */
#include <config.h>

#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_rng.h>

#include <aiwb/plugin.h>

#include "algo-gmm.h"


/* Rows per block of the E step: the block, minus a mean, stays in cache for the dtrsm. */
#define GMM_BLOCK 256
/* Lloyd's iterations of the k-means start at most (scikit-learn's KMeans default). */
#define KMEANS_MAX_ITER 300
/* Its tolerance, relative to the mean variance of the features (as scikit-learn's). */
#define KMEANS_TOL 1e-4

static const struct aiwb_host_api *api;

/* What exists only while training. */
struct gmm_train {
    double *R;      /* n x k: responsibilities */
    double prev_lb; /* the previous step's mean log-likelihood (-inf before the first) */
    int final;      /* the E step under the final parameters is done */
};

static void
train_free(struct gmm_train *tr)
{
    if (tr == NULL)
        return;
    api->free(tr->R);
    api->free(tr);
}

/* Free what the state owns, the training part too, and zero everything but the options. */
static void
state_clear(struct gmm *s)
{
    train_free(s->tr);
    s->tr = NULL;
    gmm_clear(s);
}

/* Free parameters: weights (k - 1), means, covariances. */
static double
n_parameters(const struct gmm *s)
{
    double k = (double)s->k, p = (double)s->p;
    double per = s->cov == COV_FULL ? p * (p + 1) / 2 : p;

    return k * per + k * p + k - 1;
}

/* The 32-bit seed of a 64-bit one: low word XOR high word (as split and gen). */
static unsigned long
fold(uint64_t seed)
{
    return (unsigned long)((seed & 0xffffffffu) ^ (seed >> 32));
}

/* ---------------------------------------------------------------------------
 * The model's numbers: factors, densities, the E step.
 */

/*
 * The E step for the N rows of X: responsibilities into R (n x k), the mean
 * log-likelihood into *LL. Returns a GSL status.
 */
static int
e_step(const struct gmm *s, size_t n, const double *X, size_t ldx, double *R, double *ll)
{
    double *B = api->alloc((s->p > 0 ? s->p : 1) * sizeof(double));

    gmm_log_densities(s, n, X, ldx, B, R);
    api->free(B);
    *ll = n > 0 ? gmm_normalise_rows(n, s->k, R) / (double)n : 0;
    return GSL_SUCCESS;
}

/*
 * The M step: weights, means and covariances from the responsibilities R (n x k) of
 * the rows of PROB, as scikit-learn's _estimate_gaussian_parameters, then their
 * factors. Returns AIWB_OK, or a negative status with *cause set.
 */
static int
m_step(struct gmm *s, const struct aiwb_problem *prob, const double *R, char **cause)
{
    const size_t n = prob->n, k = s->k, p = s->p, q = gmm_cov_size(s);
    double *B = api->alloc(GMM_BLOCK * p * sizeof(double)), total = 0;
    gsl_matrix_const_view Rv = gsl_matrix_const_view_array(R, n, k);
    gsl_matrix_const_view Xv = gsl_matrix_const_view_array_with_tda(prob->X, n, p, prob->ldx);
    gsl_matrix_view Mv = gsl_matrix_view_array(s->means, k, p);
    int rc;

    for (size_t c = 0; c < k; c++) {
        double nk = 0;
        for (size_t i = 0; i < n; i++)
            nk += R[i * k + c];
        s->weights[c] = nk + 10 * DBL_EPSILON;
        total += s->weights[c];
    }
    rc = gsl_blas_dgemm(CblasTrans, CblasNoTrans, 1.0, &Rv.matrix, &Xv.matrix, 0.0, &Mv.matrix);
    for (size_t c = 0; c < k && rc == GSL_SUCCESS; c++) {
        const double nk = s->weights[c], *mu = s->means + c * p;
        double *S = s->covs + c * q;

        for (size_t j = 0; j < p; j++)
            s->means[c * p + j] /= nk;
        memset(S, 0, q * sizeof(double));
        for (size_t i0 = 0; i0 < n && rc == GSL_SUCCESS; i0 += GMM_BLOCK) {
            size_t rows = n - i0 < GMM_BLOCK ? n - i0 : GMM_BLOCK;
            for (size_t i = 0; i < rows; i++) {
                const double *x = prob->X + (i0 + i) * prob->ldx;
                double r = R[(i0 + i) * k + c], w = sqrt(r);
                if (s->cov == COV_FULL) {
                    for (size_t j = 0; j < p; j++)
                        B[i * p + j] = w * (x[j] - mu[j]);
                } else {
                    for (size_t j = 0; j < p; j++)
                        S[j] += r * (x[j] - mu[j]) * (x[j] - mu[j]);
                }
            }
            if (s->cov == COV_FULL) {
                gsl_matrix_const_view Bv = gsl_matrix_const_view_array(B, rows, p);
                gsl_matrix_view Sv = gsl_matrix_view_array(S, p, p);
                rc = gsl_blas_dsyrk(CblasLower, CblasTrans, 1.0, &Bv.matrix, 1.0, &Sv.matrix);
            }
        }
        if (s->cov == COV_FULL) {
            for (size_t i = 0; i < p; i++) {
                for (size_t j = 0; j <= i; j++) {
                    S[i * p + j] /= nk;
                    S[j * p + i] = S[i * p + j];
                }
                S[i * p + i] += s->reg;
            }
        } else {
            for (size_t j = 0; j < p; j++)
                S[j] = S[j] / nk + s->reg;
        }
    }
    api->free(B);
    if (rc != GSL_SUCCESS) {
        *cause = api->format("gmm: a BLAS operation failed: %s", gsl_strerror(rc));
        return AIWB_ENUMERIC;
    }
    for (size_t c = 0; c < k; c++)
        s->weights[c] /= total;
    return gmm_factorise(s, cause);
}

/* ---------------------------------------------------------------------------
 * The starting responsibilities.
 */

/*
 * The nearest of the K centres CENTRES (k x p) for each row of PROB into LAB, by the
 * squared Euclidean distance (ties to the lowest); *INERTIA (if not NULL) gets the sum
 * of those distances.
 */
static void
nearest_centres(const struct aiwb_problem *prob, size_t k, const double *centres,
                int32_t *lab, double *inertia)
{
    const size_t p = prob->p;
    double sum = 0;

    for (size_t i = 0; i < prob->n; i++) {
        const double *x = prob->X + i * prob->ldx;
        double best = HUGE_VAL;
        int32_t at = 0;
        for (size_t c = 0; c < k; c++) {
            const double *m = centres + c * p;
            double d = 0;
            for (size_t j = 0; j < p; j++)
                d += (x[j] - m[j]) * (x[j] - m[j]);
            if (d < best) {
                best = d;
                at = (int32_t)c;
            }
        }
        lab[i] = at;
        sum += best;
    }
    if (inertia != NULL)
        *inertia = sum;
}

/* Squared distance of row I of PROB to the P values Y. */
static double
sqdist_row(const struct aiwb_problem *prob, size_t i, const double *y)
{
    const double *x = prob->X + i * prob->ldx;
    double d = 0;

    for (size_t j = 0; j < prob->p; j++)
        d += (x[j] - y[j]) * (x[j] - y[j]);
    return d;
}

/* scikit-learn's greedy k-means++: K rows into CENTRES (k x p), drawn with RNG. */
static void
kmeanspp(const struct aiwb_problem *prob, size_t k, gsl_rng *rng, double *centres)
{
    const size_t n = prob->n, p = prob->p, t = 2 + (size_t)log((double)k);
    double *closest = api->alloc(n * sizeof(double)), *cum = api->alloc(n * sizeof(double));
    double pot = 0;
    size_t first = (size_t)gsl_rng_uniform_int(rng, (unsigned long)n);

    memcpy(centres, prob->X + first * prob->ldx, p * sizeof(double));
    for (size_t i = 0; i < n; i++)
        pot += closest[i] = sqdist_row(prob, i, centres);
    for (size_t c = 1; c < k; c++) {
        double run = 0, best_pot = HUGE_VAL;
        size_t best = 0;

        for (size_t i = 0; i < n; i++)
            cum[i] = run += closest[i];
        for (size_t j = 0; j < t; j++) {
            double r = gsl_rng_uniform(rng) * pot, sum = 0;
            size_t lo = 0, hi = n;
            while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (cum[mid] < r)
                    lo = mid + 1;
                else
                    hi = mid;
            }
            lo = lo < n ? lo : n - 1;
            for (size_t i = 0; i < n; i++) {
                double d = sqdist_row(prob, i, prob->X + lo * prob->ldx);
                sum += d < closest[i] ? d : closest[i];
            }
            if (sum < best_pot) {
                best_pot = sum;
                best = lo;
            }
        }
        for (size_t i = 0; i < n; i++) {
            double d = sqdist_row(prob, i, prob->X + best * prob->ldx);
            if (d < closest[i])
                closest[i] = d;
        }
        pot = best_pot;
        memcpy(centres + c * p, prob->X + best * prob->ldx, p * sizeof(double));
    }
    api->free(cum);
    api->free(closest);
}

/*
 * Lloyd's iterations from CENTRES (k x p) until no row moves, or the centres' squared
 * shifts sum to at most KMEANS_TOL times the mean variance of the features, or
 * KMEANS_MAX_ITER; LAB gets the final clusters. An empty cluster keeps its centre.
 * Returns AIWB_OK, or AIWB_ECANCELED (with *cause) when the user stops it.
 */
static int
lloyd(const struct aiwb_problem *prob, size_t k, double *centres, int32_t *lab, char **cause)
{
    const size_t n = prob->n, p = prob->p;
    double *sums = api->alloc(k * p * sizeof(double)), *count = api->alloc(k * sizeof(double));
    double *mean = api->calloc(p, sizeof(double)), var = 0, tol;
    int32_t *prev = api->alloc(n * sizeof(int32_t));
    int rc = AIWB_OK;

    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < p; j++)
            mean[j] += prob->X[i * prob->ldx + j];
    for (size_t j = 0; j < p; j++)
        mean[j] /= (double)n;
    for (size_t i = 0; i < n; i++)
        var += sqdist_row(prob, i, mean);
    tol = KMEANS_TOL * var / ((double)n * (double)p);
    nearest_centres(prob, k, centres, lab, NULL);
    for (int it = 0; it < KMEANS_MAX_ITER; it++) {
        double shift = 0;
        size_t moved = 0;

        if (api->interrupted()) {
            *cause = api->format("gmm: stopped while finding the starting clusters (k-means)");
            rc = AIWB_ECANCELED;
            break;
        }
        memset(sums, 0, k * p * sizeof(double));
        memset(count, 0, k * sizeof(double));
        for (size_t i = 0; i < n; i++) {
            for (size_t j = 0; j < p; j++)
                sums[(size_t)lab[i] * p + j] += prob->X[i * prob->ldx + j];
            count[lab[i]] += 1;
        }
        for (size_t c = 0; c < k; c++) {
            if (count[c] == 0)
                continue;
            for (size_t j = 0; j < p; j++) {
                double m = sums[c * p + j] / count[c], d = m - centres[c * p + j];
                shift += d * d;
                centres[c * p + j] = m;
            }
        }
        memcpy(prev, lab, n * sizeof(int32_t));
        nearest_centres(prob, k, centres, lab, NULL);
        for (size_t i = 0; i < n; i++)
            moved += lab[i] != prev[i];
        if (moved == 0 || shift <= tol)
            break;
    }
    api->free(prev);
    api->free(mean);
    api->free(count);
    api->free(sums);
    return rc;
}

/* One-hot responsibilities into R (n x k) from the starting clusters the option init
 * names. Returns AIWB_OK, or a negative status with *cause set. */
static int
start_clusters(const struct gmm *s, const struct aiwb_problem *prob, double *R, char **cause)
{
    const size_t n = prob->n, k = s->k, p = s->p;
    double *centres = api->alloc(k * p * sizeof(double));
    int32_t *lab = api->alloc(n * sizeof(int32_t));
    gsl_rng *rng = NULL;
    int rc = AIWB_OK;

    if (s->init == INIT_FIRST) {
        for (size_t c = 0; c < k; c++)
            memcpy(centres + c * p, prob->X + c * prob->ldx, p * sizeof(double));
        nearest_centres(prob, k, centres, lab, NULL);
    } else {
        rng = gsl_rng_alloc(gsl_rng_mt19937);
        if (rng == NULL) {
            *cause = api->format("gmm: out of memory for the random number generator");
            rc = AIWB_ENOMEM;
            goto out;
        }
        gsl_rng_set(rng, fold(prob->seed));
        kmeanspp(prob, k, rng, centres);
        if (s->init == INIT_KMEANS)
            rc = lloyd(prob, k, centres, lab, cause);
        else
            nearest_centres(prob, k, centres, lab, NULL);
    }
    memset(R, 0, n * k * sizeof(double));
    for (size_t i = 0; i < n; i++)
        R[i * k + (size_t)lab[i]] = 1;
out:
    if (rng != NULL)
        gsl_rng_free(rng);
    api->free(lab);
    api->free(centres);
    return rc;
}

/* ---------------------------------------------------------------------------
 * Training.
 */

/* Refuse what a mixture cannot be fitted on: no features, too few rows, bad values. */
static int
check_problem(const struct gmm *s, const struct aiwb_problem *prob, char **cause)
{
    if (prob->p == 0) {
        *cause = api->format("gmm: there are no features to model");
        return AIWB_EDATA;
    }
    if (prob->n < s->k || prob->n < 2) {
        *cause = api->format("gmm: k=%zu components need at least %zu rows, the data has %zu",
                             s->k, s->k > 2 ? s->k : 2, prob->n);
        return AIWB_EDATA;
    }
    for (size_t i = 0; i < prob->n; i++) {
        const double *x = prob->X + i * prob->ldx;
        for (size_t j = 0; j < prob->p; j++) {
            if (!isfinite(x[j])) {
                const char *name = prob->feature_names != NULL ? prob->feature_names[j] : "?";
                *cause = api->format("gmm: feature '%s' row %zu holds %s", name, i + 1,
                                     isnan(x[j]) ? "a missing value" : "an infinite value");
                return AIWB_EDATA;
            }
        }
    }
    return AIWB_OK;
}

/* Read the options, check the data, and estimate the starting parameters. */
static int
gmm_init(void *state, const struct aiwb_options *opts, const struct aiwb_problem *prob,
         char **cause)
{
    struct gmm *s = state;
    int rc;

    state_clear(s);
    s->k = (size_t)api->opt_int(opts, "k");
    /* The host checked the choices against the spec. */
    s->cov =
        gmm_choice(api->opt_str(opts, "covariance"), gmm_cov_names, 2) == 1 ? COV_DIAG : COV_FULL;
    switch (gmm_choice(api->opt_str(opts, "init"), gmm_init_names, 3)) {
    case 1:
        s->init = INIT_KMEANSPP;
        break;
    case 2:
        s->init = INIT_FIRST;
        break;
    default:
        s->init = INIT_KMEANS;
        break;
    }
    s->max_iter = api->opt_int(opts, "max_iter");
    s->tol = api->opt_real(opts, "tol");
    s->reg = api->opt_real(opts, "reg_covar");
    if ((rc = check_problem(s, prob, cause)) != AIWB_OK)
        return rc;
    s->p = prob->p;
    s->features = api->calloc(s->p, sizeof(char *));
    for (size_t j = 0; j < s->p; j++) {
        const char *name = prob->feature_names != NULL ? prob->feature_names[j] : NULL;
        s->features[j] = name != NULL ? api->strdup(name) : api->format("x%zu", j + 1);
    }
    s->n_samples = (int64_t)prob->n;
    gmm_alloc_params(s);
    s->tr = api->calloc(1, sizeof(*s->tr));
    s->tr->R = api->alloc(prob->n * s->k * sizeof(double));
    s->tr->prev_lb = -HUGE_VAL;
    if ((rc = start_clusters(s, prob, s->tr->R, cause)) != AIWB_OK)
        return rc;
    return m_step(s, prob, s->tr->R, cause);
}

/*
 * The E step under the final parameters: the training rows' mean log-likelihood, and
 * the sizes (rows most probable under each component). Returns AIWB_OK, or
 * AIWB_ENUMERIC with *cause set.
 */
static int
final_e_step(struct gmm *s, const struct aiwb_problem *prob, char **cause)
{
    struct gmm_train *tr = s->tr;
    const size_t n = prob->n, k = s->k;
    int rc = e_step(s, n, prob->X, prob->ldx, tr->R, &s->ll);

    if (rc != GSL_SUCCESS) {
        *cause = api->format("gmm: a BLAS operation failed: %s", gsl_strerror(rc));
        return AIWB_ENUMERIC;
    }
    memset(s->sizes, 0, k * sizeof(double));
    for (size_t i = 0; i < n; i++) {
        const double *r = tr->R + i * k;
        size_t best = 0;
        for (size_t c = 1; c < k; c++)
            if (r[c] > r[best])
                best = c;
        s->sizes[best] += 1;
    }
    tr->final = 1;
    for (size_t c = 0; c < k; c++)
        if (s->weights[c] * (double)n < 1)
            api->log(AIWB_LOG_WARN,
                     "gmm: component %zu holds less than one row's weight (%.3g): it is "
                     "empty, and fewer components would do",
                     c + 1, s->weights[c]);
    return AIWB_OK;
}

/* One EM step (see the top of the file). */
static int
gmm_iterate(void *state, const struct aiwb_problem *prob, struct aiwb_step *step, char **cause)
{
    struct gmm *s = state;
    struct gmm_train *tr = s->tr;
    double lb;
    int rc;

    if (tr == NULL) {
        *cause = api->format("gmm: iterate without a successful init");
        return AIWB_EINVAL;
    }
    if (s->converged || s->iterations >= s->max_iter)
        return AIWB_OK;
    rc = e_step(s, prob->n, prob->X, prob->ldx, tr->R, &lb);
    if (rc != GSL_SUCCESS) {
        *cause = api->format("gmm: a BLAS operation failed: %s", gsl_strerror(rc));
        return AIWB_ENUMERIC;
    }
    if (!isfinite(lb)) {
        *cause = api->format("gmm: the log-likelihood became %g at iteration %" PRId64
                             ": the data may hold extreme values",
                             lb, s->iterations + 1);
        return AIWB_ENUMERIC;
    }
    if ((rc = m_step(s, prob, tr->R, cause)) != AIWB_OK)
        return rc;
    s->iterations++;
    s->lower_bound = lb;
    s->converged = fabs(lb - tr->prev_lb) < s->tol;
    tr->prev_lb = lb;
    if (!s->converged && s->iterations < s->max_iter) {
        api->step_value(step, "loss", -lb);
        return AIWB_CONTINUE;
    }
    /* The last step reports the final model's log-likelihood (scikit-learn's score()),
     * and the one its E step found (its lower_bound_). */
    if ((rc = final_e_step(s, prob, cause)) != AIWB_OK)
        return rc;
    api->step_value(step, "loss", -s->ll);
    api->step_value(step, "lower_bound", lb);
    api->step_value(step, "converged", s->converged);
    if (!s->converged)
        api->log(AIWB_LOG_WARN,
                 "gmm: stopped after max_iter=%" PRId64 " EM iterations without converging "
                 "(the log-likelihood still changed by more than tol=%g)",
                 s->max_iter, s->tol);
    return AIWB_OK;
}

/* Keep the parameters as they stand (stopped early: after their E step). */
static int
gmm_finish(void *state, const struct aiwb_problem *prob, char **cause)
{
    struct gmm *s = state;
    struct gmm_train *tr = s->tr;
    int rc;

    if (tr == NULL) {
        *cause = api->format("gmm: finish without a successful init");
        return AIWB_EINVAL;
    }
    if (!tr->final && (rc = final_e_step(s, prob, cause)) != AIWB_OK)
        return rc;
    train_free(tr);
    s->tr = NULL;
    s->fitted = 1;
    return AIWB_OK;
}

/* ---------------------------------------------------------------------------
 * Using the model.
 */

/* "log_likelihood" (mean per row), "bic" and "aic" of the rows, as scikit-learn's
 * score(), bic() and aic(). */
static int
gmm_score(const void *state, size_t n, const double *X, size_t ldx, struct aiwb_step *out)
{
    const struct gmm *s = state;
    double *R, ll, npar;
    int rc;

    if (!s->fitted)
        return AIWB_EINVAL;
    if (n == 0) { /* no rows, no likelihood */
        api->step_value(out, "log_likelihood", NAN);
        api->step_value(out, "bic", NAN);
        api->step_value(out, "aic", NAN);
        return AIWB_OK;
    }
    R = api->alloc(n * s->k * sizeof(double));
    rc = e_step(s, n, X, ldx, R, &ll) == GSL_SUCCESS ? AIWB_OK : AIWB_ENUMERIC;
    api->free(R);
    if (rc != AIWB_OK)
        return rc;
    npar = n_parameters(s);
    api->step_value(out, "log_likelihood", ll);
    api->step_value(out, "bic", -2 * ll * (double)n + npar * log((double)n));
    api->step_value(out, "aic", -2 * ll * (double)n + 2 * npar);
    return AIWB_OK;
}

/* One note line from a format; the table copies it. */
static void
note(struct aiwb_table *t, char *text)
{
    api->table_note(t, text);
    api->free(text);
}

/* The components: weight, size, mean and standard deviation of each feature. */
static int
gmm_report(const void *state, struct aiwb_table *t)
{
    const struct gmm *s = state;
    const size_t k = s->k, p = s->p, q = gmm_cov_size(s);
    double n = (double)s->n_samples, npar = n_parameters(s);

    if (!s->fitted)
        return AIWB_EINVAL;
    api->table_title(t, "gmm: mixture components");
    api->table_column(t, "component", AIWB_TABLE_INT);
    api->table_column(t, "weight", AIWB_TABLE_REAL);
    api->table_column(t, "size", AIWB_TABLE_INT);
    for (size_t j = 0; j < p; j++)
        api->table_column(t, s->features[j], AIWB_TABLE_REAL);
    for (size_t j = 0; j < p; j++) {
        char *name = api->format("sd(%s)", s->features[j]);
        api->table_column(t, name, AIWB_TABLE_REAL);
        api->free(name);
    }
    for (size_t c = 0; c < k; c++) {
        api->table_int(t, (int64_t)c + 1);
        api->table_real(t, s->weights[c]);
        api->table_int(t, (int64_t)s->sizes[c]);
        for (size_t j = 0; j < p; j++)
            api->table_real(t, s->means[c * p + j]);
        for (size_t j = 0; j < p; j++)
            api->table_real(t, sqrt(s->covs[c * q + (s->cov == COV_FULL ? j * p + j : j)]));
    }
    note(t, api->format("Covariance %s, reg_covar=%g added to its diagonal; size: the "
                        "training rows most probable under the component",
                        s->cov == COV_FULL ? "full (with correlations, not shown)" : "diagonal",
                        s->reg));
    note(t, api->format("Training rows: mean log-likelihood %.10g, BIC %.10g, AIC %.10g", s->ll,
                        -2 * s->ll * n + npar * log(n), -2 * s->ll * n + 2 * npar));
    if (s->converged)
        note(t, api->format("Converged after %" PRId64 " EM iteration%s (init=%s)",
                            s->iterations, s->iterations == 1 ? "" : "s", gmm_init_names[s->init]));
    else
        note(t, api->format("Did not converge within %" PRId64 " EM iteration%s (init=%s)",
                            s->iterations, s->iterations == 1 ? "" : "s", gmm_init_names[s->init]));
    return AIWB_OK;
}

static int
gmm_save(const void *state, struct aiwb_writer *w)
{
    const struct gmm *s = state;
    const size_t k = s->k, p = s->p;
    int64_t *sizes;
    int rc;

    if (!s->fitted)
        return AIWB_EINVAL;
    sizes = api->alloc(k * sizeof(int64_t));
    for (size_t c = 0; c < k; c++)
        sizes[c] = (int64_t)s->sizes[c];
    if ((rc = api->put_int(w, "k", (int64_t)k)) == AIWB_OK &&
        (rc = api->put_str(w, "covariance", gmm_cov_names[s->cov])) == AIWB_OK &&
        (rc = api->put_str(w, "init", gmm_init_names[s->init])) == AIWB_OK &&
        (rc = api->put_int(w, "max_iter", s->max_iter)) == AIWB_OK &&
        (rc = api->put_real(w, "tol", s->tol)) == AIWB_OK &&
        (rc = api->put_real(w, "reg_covar", s->reg)) == AIWB_OK &&
        (rc = api->put_strs(w, "features", p, (const char *const *)s->features)) == AIWB_OK &&
        (rc = api->put_reals(w, "weights", k, s->weights)) == AIWB_OK &&
        (rc = api->put_reals(w, "means", k * p, s->means)) == AIWB_OK &&
        (rc = api->put_reals(w, "covariances", k * gmm_cov_size(s), s->covs)) == AIWB_OK &&
        (rc = api->put_ints(w, "sizes", k, sizes)) == AIWB_OK &&
        (rc = api->put_int(w, "n_samples", s->n_samples)) == AIWB_OK &&
        (rc = api->put_int(w, "iterations", s->iterations)) == AIWB_OK &&
        (rc = api->put_int(w, "converged", s->converged)) == AIWB_OK &&
        (rc = api->put_real(w, "lower_bound", s->lower_bound)) == AIWB_OK)
        rc = api->put_real(w, "log_likelihood", s->ll);
    api->free(sizes);
    return rc;
}

static void
state_fini(void *state)
{
    state_clear(state);
}

static const struct aiwb_option_spec gmm_options[] = {
    {.name = "k",
     .type = AIWB_OPT_INT,
     .def = "1",
     .min = 1,
     .max = 1e5,
     .help = "the number of mixture components (scikit-learn's n_components, default 1 as "
             "there)"},
    {.name = "covariance",
     .type = AIWB_OPT_CHOICE,
     .def = "full",
     .choices = "full|diag",
     .help = "full: each component has its own covariance matrix; diag: its own variances, "
             "no correlations"},
    {.name = "init",
     .type = AIWB_OPT_CHOICE,
     .def = "kmeans",
     .choices = "kmeans|kmeans++|first",
     .help = "starting responsibilities: the clusters of k-means (k-means++ starts with the "
             "seed), of the nearest k-means++ point, or of the nearest of the first k rows"},
    {.name = "max_iter",
     .type = AIWB_OPT_INT,
     .def = "100",
     .min = 1,
     .max = INFINITY,
     .help = "stop after this many EM iterations even if not converged"},
    {.name = "tol",
     .type = AIWB_OPT_REAL,
     .def = "1e-3",
     .min = 0,
     .max = INFINITY,
     .help = "converged when the mean log-likelihood per row changes by less than this "
             "between two iterations (scikit-learn's rule)"},
    {.name = "reg_covar",
     .type = AIWB_OPT_REAL,
     .def = "1e-6",
     .min = 0,
     .max = INFINITY,
     .help = "added to the diagonal of each covariance, so that it stays positive definite"},
    {.name = NULL},
};

static const struct aiwb_algorithm_type gmm_type = {
    .abi_version = AIWB_ABI_VERSION,
    .size = sizeof(struct aiwb_algorithm_type),
    .name = "gmm",
    .summary = "Gaussian mixture (EM, full or diagonal covariance), as scikit-learn's",
    .help = "Models the rows as drawn from k Gaussian components, fitted by\n"
            "expectation-maximisation from the clusters of a k-means, step for step as\n"
            "scikit-learn's GaussianMixture. predict gives each row's posterior probability\n"
            "of each component; eval reports the mean log-likelihood per row, BIC and AIC\n"
            "(lower is better) of the rows it is given.",
    .options = gmm_options,
    .flags = ALGO_GMM_FLAGS,
    .state_version = ALGO_GMM_STATE_VERSION,
    .state_size = sizeof(struct gmm),
    .init = gmm_init,
    .iterate = gmm_iterate,
    .finish = gmm_finish,
    .n_outputs = gmm_n_outputs,
    .predict = gmm_predict,
    .report = gmm_report,
    .save = gmm_save,
    .load = gmm_load,
    .fini = state_fini,
    .score = gmm_score,
};

/* The module's entry point: registers the "gmm" algorithm. Returns AIWB_OK, or the
 * host's refusal (AIWB_EABI, AIWB_EINVAL). */
int
aiwb_plugin_init(struct aiwb_plugin *p, const struct aiwb_host_api *host)
{
    AIWB_PLUGIN_BEGIN(p, host, api, "gmm", "1.0.0");
    algo_gmm_bind(host);
    return api->register_algorithm(p, &gmm_type);
}
