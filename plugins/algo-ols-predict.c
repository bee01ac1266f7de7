/*
 * algo-ols-predict.c - the predict half of the ols plugin: loading a fitted
 * state and predicting, shared by the plugin module and the exported
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

#include "algo-ols.h"

static const struct aiwb_host_api *api;

/* Set the host table of this half. */
void
algo_ols_bind(const struct aiwb_host_api *host)
{
    api = host;
}

const struct ols_scalar_key ols_scalars[OLS_NSCALARS] = {
    {"n_obs", offsetof(struct ols, n_obs)}, {"rss", offsetof(struct ols, rss)},
    {"sigma", offsetof(struct ols, sigma)}, {"df_resid", offsetof(struct ols, df_resid)},
    {"r2", offsetof(struct ols, r2)},       {"adj_r2", offsetof(struct ols, adj_r2)},
    {"fstat", offsetof(struct ols, fstat)}, {"f_df1", offsetof(struct ols, f_df1)},
    {"f_p", offsetof(struct ols, f_p)},     {"mse", offsetof(struct ols, mse)},
};

/* Scalar I of S: the address of the member ols_scalars[I] names. */
double *
ols_scalar(struct ols *s, size_t i)
{
    return (double *)((char *)s + ols_scalars[i].offset);
}

static void
free_terms(char **terms, size_t n)
{
    if (terms == NULL)
        return;
    for (size_t i = 0; i < n; i++)
        api->free(terms[i]);
    api->free(terms);
}

/* Free the terms and coefficients of S and zero it, keeping the options. */
void
ols_clear(struct ols *s)
{
    int intercept = s->intercept;
    int64_t threads = s->threads;

    free_terms(s->terms, s->k);
    api->free(s->coef);
    memset(s, 0, sizeof(*s));
    s->intercept = intercept;
    s->threads = threads;
}

/* A regression has one output. */
size_t
ols_n_outputs(const void *state)
{
    (void)state;
    return 1;
}

/* out[i] = intercept + X[i,] . beta. Writes nothing but OUT. */
int
ols_predict(const void *state, size_t n, const double *X, size_t ldx, double *out)
{
    const struct ols *s = state;
    const double *beta;
    double b0;

    if (!s->fitted)
        return AIWB_EINVAL;
    beta = s->coef + s->intercept;
    b0 = s->intercept ? s->coef[0] : 0.0;
    for (size_t i = 0; i < n; i++) {
        const double *xi = X + i * ldx;
        double dot = 0.0;

        for (size_t j = 0; j < s->p; j++)
            dot += xi[j] * beta[j];
        out[i] = b0 + dot;
    }
    return AIWB_OK;
}

/* Read one array of K reals into DST. */
static int
load_reals(struct aiwb_reader *r, const char *key, size_t k, double *dst, char **cause)
{
    double *v = NULL;
    size_t n = 0;
    int rc = api->get_reals(r, key, &n, &v);

    if (rc != AIWB_OK) {
        *cause = api->format("ols: the saved model is corrupt or incomplete (reading '%s')", key);
        return rc;
    }
    if (n != k) {
        *cause = api->format("ols: the saved model is corrupt: '%s' has %zu values for %zu "
                             "terms",
                             key, n, k);
        api->free(v);
        return AIWB_EDATA;
    }
    memcpy(dst, v, k * sizeof(double));
    api->free(v);
    return AIWB_OK;
}

/* Read back what ols_save wrote. */
static int
load_state(struct ols *s, struct aiwb_reader *r, char **cause)
{
    static const char *const arrays[] = {"estimate", "std_error", "t_value", "p_value"};
    int64_t intercept, weighted, p;
    size_t nterms = 0;
    char **terms = NULL;
    int rc;

    if (api->get_int(r, "intercept", &intercept) != AIWB_OK ||
        api->get_int(r, "weighted", &weighted) != AIWB_OK || api->get_int(r, "p", &p) != AIWB_OK ||
        api->get_strs(r, "terms", &nterms, &terms) != AIWB_OK) {
        *cause = api->format("ols: the saved model is corrupt or incomplete (reading its header)");
        return AIWB_EDATA;
    }
    s->intercept = intercept != 0;
    s->weighted = weighted != 0;
    s->p = (size_t)p;
    s->k = nterms;
    s->terms = terms;
    if (p < 0 || intercept < 0 || intercept > 1 || nterms != (size_t)p + (size_t)intercept ||
        nterms == 0) {
        *cause =
            api->format("ols: the saved model is corrupt: %zu terms for %" PRId64 " features%s",
                        nterms, p, intercept ? " and an intercept" : "");
        return AIWB_EDATA;
    }
    s->coef = api->calloc(4 * s->k, sizeof(double));
    s->se = s->coef + s->k;
    s->tval = s->coef + 2 * s->k;
    s->pval = s->coef + 3 * s->k;
    double *dst[] = {s->coef, s->se, s->tval, s->pval};
    for (size_t i = 0; i < 4; i++) {
        rc = load_reals(r, arrays[i], s->k, dst[i], cause);
        if (rc != AIWB_OK)
            return rc;
    }
    for (size_t i = 0; i < OLS_NSCALARS; i++) {
        if (api->get_real(r, ols_scalars[i].key, ols_scalar(s, i)) != AIWB_OK) {
            *cause = api->format("ols: the saved model is corrupt or incomplete (reading '%s')",
                                 ols_scalars[i].key);
            return AIWB_EDATA;
        }
    }
    return AIWB_OK;
}

/* Load a saved model; on failure the state is left empty. */
int
ols_load(void *state, struct aiwb_reader *r, unsigned version, char **cause)
{
    struct ols *s = state;
    int rc;

    if (version != OLS_STATE_VERSION) {
        *cause = api->format("ols: cannot read a model saved with state version %u (this plugin "
                             "reads version 1)",
                             version);
        return AIWB_ENOTSUP;
    }
    ols_clear(s);
    rc = load_state(s, r, cause);
    if (rc != AIWB_OK) {
        ols_clear(s);
        return rc < 0 ? rc : AIWB_EDATA;
    }
    s->fitted = 1;
    return AIWB_OK;
}

/* Free what ols_load made. */
void
ols_fini(void *state)
{
    ols_clear(state);
}

const struct aiwb_algorithm_type predict_ols = {
    .abi_version = AIWB_ABI_VERSION,
    .size = sizeof(struct aiwb_algorithm_type),
    .name = "ols",
    .flags = OLS_FLAGS,
    .state_version = OLS_STATE_VERSION,
    .state_size = sizeof(struct ols),
    .n_outputs = ols_n_outputs,
    .predict = ols_predict,
    .load = ols_load,
    .fini = ols_fini,
};
