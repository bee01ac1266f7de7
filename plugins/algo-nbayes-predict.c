/*
 * algo-nbayes-predict.c - the predict half of the nbayes plugin: loading a
 * fitted state and predicting, shared by the plugin module and the exported
 * prediction server.
 *
 * Copyright (C) 2026 the aiwb developers
 * SPDX-License-Identifier: MIT
 */
#include <inttypes.h>
#include <math.h>
#include <stddef.h>
#include <string.h>

#include <aiwb/plugin.h>

#include "algo-nbayes.h"
#include "predict-common.h"

/* M_PI is POSIX, not C11. */
#define NBAYES_PI 3.14159265358979323846

static const struct aiwb_host_api *api;

/* Set the host table of this half. */
void
algo_nbayes_bind(const struct aiwb_host_api *host)
{
    api = host;
}

/* Free what the state owns and zero everything but the options. */
void
nbayes_clear(struct nbayes *s)
{
    struct nbayes keep = *s;

    predict_free_strs(api, s->features, s->p);
    predict_free_strs(api, s->classes, s->K);
    api->free(s->levels);
    api->free(s->offset);
    api->free(s->count);
    api->free(s->mean);
    api->free(s->logp);
    memset(s, 0, sizeof(*s));
    s->var_smoothing = keep.var_smoothing;
    s->alpha = keep.alpha;
    s->uniform = keep.uniform;
}

/* The offsets of the categorical features' levels, and room for the model
 * (levels and the names must be set). */
void
nbayes_alloc_model(struct nbayes *s)
{
    const size_t K = s->K, p = s->p;

    s->offset = api->calloc(p + 1, sizeof(size_t));
    s->nlogp = 0;
    for (size_t j = 0; j < p; j++) {
        s->offset[j] = s->nlogp;
        s->nlogp += (size_t)s->levels[j];
    }
    s->count = api->calloc(2 * K, sizeof(double));
    s->log_prior = s->count + K;
    s->mean = api->calloc(3 * K * p + 1, sizeof(double));
    s->var = s->mean + K * p;
    s->lognorm = s->var + K * p;
    s->logp = api->calloc(K * s->nlogp + 1, sizeof(double));
}

/* The derived normalising terms of the Gaussian densities. */
void
nbayes_derive(struct nbayes *s)
{
    for (size_t c = 0; c < s->K * s->p; c++)
        s->lognorm[c] = s->levels[c % s->p] == 0 ? -0.5 * log(2.0 * NBAYES_PI * s->var[c]) : 0;
}

/* ---------------------------------------------------------------------------
 * Scoring.
 */

/* The joint log-likelihoods of row X (K numbers into JLL). */
void
nbayes_joint(const struct nbayes *s, const double *x, double *jll)
{
    const size_t p = s->p;

    for (size_t k = 0; k < s->K; k++) {
        const double *mu = s->mean + k * p, *var = s->var + k * p, *ln = s->lognorm + k * p;
        const double *lp = s->logp + k * s->nlogp;
        double t = s->log_prior[k];

        if (t == -HUGE_VAL) {
            jll[k] = t;
            continue;
        }
        for (size_t j = 0; j < p; j++) {
            double v = x[j];

            if (isnan(v))
                continue;
            if (s->levels[j] == 0) {
                double dv = v - mu[j];
                t += ln[j] - 0.5 * dv * dv / var[j];
            } else if (v >= 0 && v < (double)s->levels[j]) {
                t += lp[s->offset[j] + (size_t)v];
            } /* else a level the model never knew: left out, as missing */
        }
        jll[k] = t;
    }
}

/* Normalise the scores JLL into probabilities in place; returns log-sum-exp. */
double
nbayes_normalise(double *jll, size_t K)
{
    double mx = -HUGE_VAL, sum = 0, lse;

    for (size_t k = 0; k < K; k++)
        mx = jll[k] > mx ? jll[k] : mx;
    for (size_t k = 0; k < K; k++)
        sum += exp(jll[k] - mx);
    lse = mx + log(sum);
    for (size_t k = 0; k < K; k++)
        jll[k] = exp(jll[k] - lse);
    return lse;
}

/* ---------------------------------------------------------------------------
 * Using the model.
 */

/* One probability per class. */
size_t
nbayes_n_outputs(const void *state)
{
    const struct nbayes *s = state;

    return s->K;
}

/* Class probabilities, n x K. Writes nothing but OUT. */
int
nbayes_predict(const void *state, size_t n, const double *X, size_t ldx, double *out)
{
    const struct nbayes *s = state;

    if (!s->fitted)
        return AIWB_EINVAL;
    for (size_t i = 0; i < n; i++) {
        nbayes_joint(s, X + i * ldx, out + i * s->K);
        nbayes_normalise(out + i * s->K, s->K);
    }
    return AIWB_OK;
}

static int
corrupt(char **cause, const char *what)
{
    return predict_corrupt(api, cause, "nbayes", what);
}

/* Read an array of N reals under KEY into DST (which has room for N). */
static int
get_array(struct aiwb_reader *r, const char *key, size_t n, double *dst, char **cause)
{
    return predict_get_reals(api, r, "nbayes", key, n, dst, NULL, cause);
}

static int
load_state(void *state, struct aiwb_reader *r, char **cause)
{
    struct nbayes *s = state;
    static const char *const priors[] = {"uniform", "empirical"};
    size_t nlev = 0;
    int64_t missing;
    int which;

    if (api->get_real(r, "var_smoothing", &s->var_smoothing) != AIWB_OK)
        return corrupt(cause, "var_smoothing");
    if (api->get_real(r, "alpha", &s->alpha) != AIWB_OK)
        return corrupt(cause, "alpha");
    if ((which = predict_get_word(api, r, "priors", priors, 2)) < 0)
        return corrupt(cause, "priors");
    s->uniform = which == 0;
    if (api->get_strs(r, "features", &s->p, &s->features) != AIWB_OK)
        return corrupt(cause, "features");
    if (api->get_strs(r, "classes", &s->K, &s->classes) != AIWB_OK || s->K < 2)
        return corrupt(cause, "classes");
    if (api->get_ints(r, "levels", &nlev, &s->levels) != AIWB_OK || nlev != s->p)
        return corrupt(cause, "levels");
    for (size_t j = 0; j < s->p; j++)
        if (s->levels[j] < 0 || s->levels[j] > INT32_MAX)
            return corrupt(cause, "levels");
    nbayes_alloc_model(s);
    if (get_array(r, "count", s->K, s->count, cause) != AIWB_OK ||
        get_array(r, "log_prior", s->K, s->log_prior, cause) != AIWB_OK ||
        get_array(r, "mean", s->K * s->p, s->mean, cause) != AIWB_OK ||
        get_array(r, "var", s->K * s->p, s->var, cause) != AIWB_OK ||
        get_array(r, "logp", s->K * s->nlogp, s->logp, cause) != AIWB_OK)
        return AIWB_EDATA;
    if (api->get_real(r, "epsilon", &s->epsilon) != AIWB_OK)
        return corrupt(cause, "epsilon");
    if (api->get_real(r, "loss", &s->loss) != AIWB_OK)
        return corrupt(cause, "loss");
    if (api->get_int(r, "missing", &missing) != AIWB_OK || missing < 0)
        return corrupt(cause, "missing");
    s->missing = (size_t)missing;
    nbayes_derive(s);
    return AIWB_OK;
}

/* Load a saved model; on failure the state is left empty. */
int
nbayes_load(void *state, struct aiwb_reader *r, unsigned version, char **cause)
{
    struct nbayes *s = state;

    return predict_load(api, "nbayes", version, NBAYES_STATE_VERSION, nbayes_fini, load_state, s,
                        &s->fitted, r, cause);
}

/* Free what nbayes_load or a fit made. */
void
nbayes_fini(void *state)
{
    nbayes_clear(state);
}


const struct aiwb_algorithm_type predict_nbayes = {
    .abi_version = AIWB_ABI_VERSION,
    .size = sizeof(struct aiwb_algorithm_type),
    .name = "nbayes",
    .flags = NBAYES_FLAGS,
    .state_version = NBAYES_STATE_VERSION,
    .state_size = sizeof(struct nbayes),
    .n_outputs = nbayes_n_outputs,
    .predict = nbayes_predict,
    .load = nbayes_load,
    .fini = nbayes_fini,
};
