/*
 * algo-ols-predict.c - the predict half of the ols plugin: loading a fitted
 * state and predicting, shared by the plugin module and the exported
 * prediction server.
 *
 * Copyright (C) 2026 the aiwb developers
 * SPDX-License-Identifier: MIT
 */
#include <inttypes.h>
#include <stddef.h>
#include <string.h>

#include <aiwb/plugin.h>

#include "algo-ols.h"
#include "predict-common.h"

static const struct aiwb_host_api *api;

/* Set the host table of this half. */
void
algo_ols_bind(const struct aiwb_host_api *host)
{
    api = host;
}

const struct predict_scalar ols_scalars[OLS_NSCALARS] = {
    {"n_obs", offsetof(struct ols, n_obs)}, {"rss", offsetof(struct ols, rss)},
    {"sigma", offsetof(struct ols, sigma)}, {"df_resid", offsetof(struct ols, df_resid)},
    {"r2", offsetof(struct ols, r2)},       {"adj_r2", offsetof(struct ols, adj_r2)},
    {"fstat", offsetof(struct ols, fstat)}, {"f_df1", offsetof(struct ols, f_df1)},
    {"f_p", offsetof(struct ols, f_p)},     {"mse", offsetof(struct ols, mse)},
};

/* Free the terms and coefficients of S and zero it, keeping the options. */
void
ols_clear(struct ols *s)
{
    int intercept = s->intercept;
    int64_t threads = s->threads;

    predict_free_strs(api, s->terms, s->k);
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

    if (!s->fitted)
        return AIWB_EINVAL;
    predict_linear(n, X, ldx, s->p, s->intercept ? s->coef[0] : 0.0, s->coef + s->intercept, out);
    return AIWB_OK;
}

/* Read back what ols_save wrote. */
static int
load_state(void *state, struct aiwb_reader *r, char **cause)
{
    struct ols *s = state;
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
        rc = predict_get_reals(api, r, "ols", arrays[i], s->k, dst[i], "terms", cause);
        if (rc != AIWB_OK)
            return rc;
    }
    return predict_get_scalars(api, r, "ols", s, ols_scalars, OLS_NSCALARS, cause);
}

/* Load a saved model; on failure the state is left empty. */
int
ols_load(void *state, struct aiwb_reader *r, unsigned version, char **cause)
{
    struct ols *s = state;

    return predict_load(api, "ols", version, OLS_STATE_VERSION, ols_fini, load_state, s, &s->fitted,
                        r, cause);
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
