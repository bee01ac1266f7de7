/*
 * algo-gmm-predict.c - the predict half of the gmm plugin: loading a fitted state and
 * predicting, shared by the plugin module and the exported prediction server.
 *
 * Copyright (C) 2026 the aiwb developers
 * SPDX-License-Identifier: MIT
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <aiwb/plugin.h>

#include "algo-gmm.h"
#include "predict-common.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

static const struct aiwb_host_api *api;

/* The names of the choices, as models save them (the enums' order). */
const char *const gmm_cov_names[2] = {"full", "diag"};
const char *const gmm_init_names[3] = {"kmeans", "kmeans++", "first"};

/*
 * Keep HOST as the table this half calls. The plugin module calls it from
 * aiwb_plugin_init, the server with its own host table, before anything else.
 */
void
algo_gmm_bind(const struct aiwb_host_api *host)
{
    api = host;
}

/* Free the model S owns and zero everything but the options and the training part. */
void
gmm_clear(struct gmm *s)
{
    struct gmm keep = *s;

    predict_free_strs(api, s->features, s->p);
    api->free(s->weights);
    api->free(s->means);
    api->free(s->covs);
    api->free(s->chol);
    api->free(s->logdet);
    api->free(s->sizes);
    memset(s, 0, sizeof(*s));
    s->k = keep.k;
    s->cov = keep.cov;
    s->init = keep.init;
    s->max_iter = keep.max_iter;
    s->tol = keep.tol;
    s->reg = keep.reg;
    s->tr = keep.tr;
}

/* The index of V among the N NAMES, or -1. */
int
gmm_choice(const char *v, const char *const *names, size_t n)
{
    for (size_t i = 0; v != NULL && i < n; i++)
        if (strcmp(v, names[i]) == 0)
            return (int)i;
    return -1;
}

/* Room for the parameters of K components of P features. */
void
gmm_alloc_params(struct gmm *s)
{
    const size_t k = s->k, q = gmm_cov_size(s);

    s->weights = api->calloc(k, sizeof(double));
    s->means = api->calloc(k * s->p, sizeof(double));
    s->covs = api->calloc(k * q, sizeof(double));
    s->chol = api->calloc(k * q, sizeof(double));
    s->logdet = api->calloc(k, sizeof(double));
    s->sizes = api->calloc(k, sizeof(double));
}

/*
 * The lower Cholesky factor of the P x P symmetric matrix in A (its lower triangle read),
 * in place, the upper triangle zeroed (Cholesky-Banachiewicz, row by row). Returns 0, or
 * -1 when A is not positive definite.
 */
static int
cholesky(double *A, size_t p)
{
    for (size_t i = 0; i < p; i++) {
        for (size_t j = 0; j <= i; j++) {
            double sum = A[i * p + j];
            for (size_t l = 0; l < j; l++)
                sum -= A[i * p + l] * A[j * p + l];
            if (i == j) {
                if (!(sum > 0))
                    return -1;
                A[i * p + i] = sqrt(sum);
            } else {
                A[i * p + j] = sum / A[j * p + j];
            }
        }
        for (size_t j = i + 1; j < p; j++)
            A[i * p + j] = 0;
    }
    return 0;
}

/*
 * The Cholesky factor (or the sds) of each component's covariance, and half its log
 * determinant. Returns AIWB_OK, or AIWB_ENUMERIC with *cause set (when CAUSE is not NULL)
 * naming the component whose covariance is not positive definite.
 */
int
gmm_factorise(struct gmm *s, char **cause)
{
    const size_t k = s->k, p = s->p, q = gmm_cov_size(s);

    for (size_t c = 0; c < k; c++) {
        double *L = s->chol + c * q, ld = 0;
        int bad = 0;

        memcpy(L, s->covs + c * q, q * sizeof(double));
        if (s->cov == COV_FULL) {
            bad = cholesky(L, p) != 0;
            for (size_t i = 0; i < p && !bad; i++) {
                bad = !(L[i * p + i] > 0);
                ld += log(L[i * p + i]);
            }
        } else {
            for (size_t j = 0; j < p && !bad; j++) {
                bad = !(L[j] > 0) || !isfinite(L[j]);
                L[j] = sqrt(L[j]);
                ld += log(L[j]);
            }
        }
        if (bad || !isfinite(ld)) {
            if (cause != NULL)
                *cause = api->format("gmm: the covariance of component %zu is not positive "
                                     "definite (it collapsed on too few rows, or on rows that "
                                     "coincide): use fewer components or a larger reg_covar",
                                     c + 1);
            return AIWB_ENUMERIC;
        }
        s->logdet[c] = ld;
    }
    return AIWB_OK;
}

/*
 * The log of weight times density of the N rows of X (stride LDX) under each component
 * into OUT (n x k): each row less the component's mean, z with L z = x - mu by forward
 * substitution (full) or divided by the sds (diag), then base - |z|^2 / 2. B is a
 * workspace of p doubles.
 */
void
gmm_log_densities(const struct gmm *s, size_t n, const double *X, size_t ldx, double *B,
                  double *out)
{
    const size_t k = s->k, p = s->p, q = gmm_cov_size(s);
    const double half_p_log_2pi = 0.5 * (double)p * log(2 * M_PI);

    for (size_t c = 0; c < k; c++) {
        const double *mu = s->means + c * p, *L = s->chol + c * q;
        const double base = log(s->weights[c]) - half_p_log_2pi - s->logdet[c];

        for (size_t i = 0; i < n; i++) {
            const double *x = X + i * ldx;
            double m = 0;

            if (s->cov == COV_FULL) {
                for (size_t j = 0; j < p; j++) {
                    double v = x[j] - mu[j];
                    for (size_t l = 0; l < j; l++)
                        v -= L[j * p + l] * B[l];
                    B[j] = v / L[j * p + j];
                }
            } else {
                for (size_t j = 0; j < p; j++)
                    B[j] = (x[j] - mu[j]) / L[j];
            }
            for (size_t j = 0; j < p; j++)
                m += B[j] * B[j];
            out[i * k + c] = base - 0.5 * m;
        }
    }
}

/*
 * Turn each row of log weighted densities V (n x k) into responsibilities (posterior
 * probabilities), and return the sum of the rows' log-likelihoods (their log-sum-exp).
 */
double
gmm_normalise_rows(size_t n, size_t k, double *V)
{
    double total = 0;

    for (size_t i = 0; i < n; i++) {
        double *v = V + i * k, mx = v[0], sum = 0, lse;
        for (size_t c = 1; c < k; c++)
            mx = v[c] > mx ? v[c] : mx;
        for (size_t c = 0; c < k; c++)
            sum += exp(v[c] - mx);
        lse = mx + log(sum);
        for (size_t c = 0; c < k; c++)
            v[c] = exp(v[c] - lse);
        total += lse;
    }
    return total;
}

/* The number of components: the values predict writes a row. */
size_t
gmm_n_outputs(const void *state)
{
    const struct gmm *s = state;

    return s->k;
}

/* Posterior probabilities of the components, n x k, rows summing to one; AIWB_EINVAL
 * before a fit. */
int
gmm_predict(const void *state, size_t n, const double *X, size_t ldx, double *out)
{
    const struct gmm *s = state;
    double *B;

    if (!s->fitted)
        return AIWB_EINVAL;
    if (n == 0)
        return AIWB_OK;
    B = api->alloc(s->p * sizeof(double));
    gmm_log_densities(s, n, X, ldx, B, out);
    gmm_normalise_rows(n, s->k, out);
    api->free(B);
    return AIWB_OK;
}

static int
corrupt(char **cause, const char *what)
{
    return predict_corrupt(api, cause, "gmm", what);
}

/* Read back what the fit half's save wrote, and factorise the covariances again. */
static int
load_state(void *state, struct aiwb_reader *r, char **cause)
{
    struct gmm *s = state;
    int64_t k, converged, *sizes = NULL;
    size_t n = 0, nf = 0;
    char **features = NULL;
    int which;

    if (api->get_int(r, "k", &k) != AIWB_OK || k < 1)
        return corrupt(cause, "k");
    s->k = (size_t)k;
    if ((which = predict_get_word(api, r, "covariance", gmm_cov_names, 2)) < 0)
        return corrupt(cause, "covariance");
    s->cov = (enum gmm_cov)which;
    if ((which = predict_get_word(api, r, "init", gmm_init_names, 3)) < 0)
        return corrupt(cause, "init");
    s->init = (enum gmm_init)which;
    if (api->get_int(r, "max_iter", &s->max_iter) != AIWB_OK)
        return corrupt(cause, "max_iter");
    if (api->get_real(r, "tol", &s->tol) != AIWB_OK)
        return corrupt(cause, "tol");
    if (api->get_real(r, "reg_covar", &s->reg) != AIWB_OK)
        return corrupt(cause, "reg_covar");
    if (api->get_strs(r, "features", &nf, &features) != AIWB_OK || nf == 0) {
        predict_free_strs(api, features, nf);
        return corrupt(cause, "features");
    }
    s->p = nf;
    s->features = features;
    gmm_alloc_params(s);
    if (predict_get_reals(api, r, "gmm", "weights", s->k, s->weights, NULL, cause) != AIWB_OK ||
        predict_get_reals(api, r, "gmm", "means", s->k * s->p, s->means, NULL, cause) != AIWB_OK ||
        predict_get_reals(api, r, "gmm", "covariances", s->k * gmm_cov_size(s), s->covs, NULL,
                          cause) != AIWB_OK)
        return AIWB_EDATA;
    if (api->get_ints(r, "sizes", &n, &sizes) != AIWB_OK || n != s->k) {
        api->free(sizes);
        return corrupt(cause, "sizes");
    }
    for (size_t c = 0; c < s->k; c++)
        s->sizes[c] = (double)sizes[c];
    api->free(sizes);
    if (api->get_int(r, "n_samples", &s->n_samples) != AIWB_OK)
        return corrupt(cause, "n_samples");
    if (api->get_int(r, "iterations", &s->iterations) != AIWB_OK)
        return corrupt(cause, "iterations");
    if (api->get_int(r, "converged", &converged) != AIWB_OK)
        return corrupt(cause, "converged");
    s->converged = converged != 0;
    if (api->get_real(r, "lower_bound", &s->lower_bound) != AIWB_OK)
        return corrupt(cause, "lower_bound");
    if (api->get_real(r, "log_likelihood", &s->ll) != AIWB_OK)
        return corrupt(cause, "log_likelihood");
    if (gmm_factorise(s, NULL) != AIWB_OK) {
        *cause = api->format("gmm: the saved model is corrupt: a covariance matrix is not "
                             "positive definite");
        return AIWB_EDATA;
    }
    return AIWB_OK;
}

/*
 * Load a saved model into STATE. Returns AIWB_OK; AIWB_ENOTSUP for another state
 * version, AIWB_EDATA for a corrupt model, with *cause set and the state left empty.
 */
int
gmm_load(void *state, struct aiwb_reader *r, unsigned version, char **cause)
{
    struct gmm *s = state;

    return predict_load(api, "gmm", version, ALGO_GMM_STATE_VERSION, gmm_fini, load_state, s,
                        &s->fitted, r, cause);
}

/* Free what load (or a fit) allocated in STATE but the training part. */
void
gmm_fini(void *state)
{
    gmm_clear(state);
}

const struct aiwb_algorithm_type predict_gmm = {
    .abi_version = AIWB_ABI_VERSION,
    .size = sizeof(struct aiwb_algorithm_type),
    .name = "gmm",
    .flags = ALGO_GMM_FLAGS,
    .state_version = ALGO_GMM_STATE_VERSION,
    .state_size = sizeof(struct gmm),
    .n_outputs = gmm_n_outputs,
    .predict = gmm_predict,
    .load = gmm_load,
    .fini = gmm_fini,
};
