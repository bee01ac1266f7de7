/*
 * algo-robust-predict.c - the predict half of the robust plugin: loading a
 * fitted state and predicting, shared by the plugin module and the exported
 * prediction server.
 *
 * Copyright (C) 2026 the aiwb developers
 * SPDX-License-Identifier: MIT
 */
#include <stddef.h>
#include <string.h>

#include <aiwb/plugin.h>

#include "algo-robust.h"
#include "predict-common.h"

static const struct aiwb_host_api *api;

/* Set the host table of this half. */
void
algo_robust_bind(const struct aiwb_host_api *host)
{
    api = host;
}

const char *const robust_methods[ROBUST_NMETHODS] = {"huber", "bisquare", "cauchy",
                                                     "fair",  "ols",      "welsch"};

const struct predict_scalar robust_scalars[ROBUST_NSCALARS] = {
    {"n_obs", offsetof(struct robust, n_obs)},
    {"dof", offsetof(struct robust, dof)},
    {"sigma", offsetof(struct robust, sigma)},
    {"sigma_mad", offsetof(struct robust, sigma_mad)},
    {"sigma_rob", offsetof(struct robust, sigma_rob)},
    {"sigma_ols", offsetof(struct robust, sigma_ols)},
    {"r2", offsetof(struct robust, r2)},
    {"adj_r2", offsetof(struct robust, adj_r2)},
    {"iterations", offsetof(struct robust, iterations)},
    {"mse", offsetof(struct robust, mse)},
    {"w_min", offsetof(struct robust, w_min)},
    {"w_q1", offsetof(struct robust, w_q1)},
    {"w_median", offsetof(struct robust, w_med)},
    {"w_q3", offsetof(struct robust, w_q3)},
    {"w_max", offsetof(struct robust, w_max)},
    {"n_down", offsetof(struct robust, n_down)},
    {"n_zero", offsetof(struct robust, n_zero)},
};

/* Free what the model owns and zero it, keeping the options. */
void
robust_clear(struct robust *s)
{
    struct robust keep = *s;

    predict_free_strs(api, s->terms, s->k);
    api->free(s->coef);
    memset(s, 0, sizeof(*s));
    s->method = keep.method;
    s->tune = keep.tune;
    s->intercept = keep.intercept;
    s->max_iter = keep.max_iter;
}

/* A regression has one output. */
size_t
robust_n_outputs(const void *state)
{
    (void)state;
    return 1;
}

/* out[i] = intercept + X[i,] . beta. Writes nothing but OUT. */
int
robust_predict(const void *state, size_t n, const double *X, size_t ldx, double *out)
{
    const struct robust *s = state;

    if (!s->fitted)
        return AIWB_EINVAL;
    predict_linear(n, X, ldx, s->p, s->intercept ? s->coef[0] : 0.0, s->coef + s->intercept, out);
    return AIWB_OK;
}

static int
corrupt(char **cause, const char *what)
{
    return predict_corrupt(api, cause, "robust", what);
}

/* Read back what robust_save wrote. */
static int
load_state(void *state, struct aiwb_reader *r, char **cause)
{
    struct robust *s = state;
    int64_t intercept, converged;
    int rc, method;

    if ((method = predict_get_word(api, r, "method", robust_methods, ROBUST_NMETHODS)) < 0)
        return corrupt(cause, "method");
    s->method = (size_t)method;
    if (api->get_real(r, "tune", &s->tune) != AIWB_OK)
        return corrupt(cause, "tune");
    if (api->get_int(r, "intercept", &intercept) != AIWB_OK || intercept < 0 || intercept > 1)
        return corrupt(cause, "intercept");
    s->intercept = (int)intercept;
    if (api->get_int(r, "max_iter", &s->max_iter) != AIWB_OK)
        return corrupt(cause, "max_iter");
    if (api->get_int(r, "converged", &converged) != AIWB_OK)
        return corrupt(cause, "converged");
    s->converged = converged != 0;
    if (api->get_strs(r, "terms", &s->k, &s->terms) != AIWB_OK)
        return corrupt(cause, "terms");
    if (s->k < (size_t)s->intercept || s->k == 0) {
        *cause = api->format("robust: the saved model is corrupt: %zu terms", s->k);
        return AIWB_EDATA;
    }
    s->p = s->k - (size_t)s->intercept;
    s->coef = api->calloc(3 * s->k, sizeof(double));
    s->se = s->coef + s->k;
    s->tval = s->coef + 2 * s->k;
    rc = predict_get_reals(api, r, "robust", "estimate", s->k, s->coef, "terms", cause);
    if (rc == AIWB_OK)
        rc = predict_get_reals(api, r, "robust", "std_error", s->k, s->se, "terms", cause);
    if (rc != AIWB_OK)
        return rc;
    for (size_t t = 0; t < s->k; t++)
        s->tval[t] = s->coef[t] / s->se[t];
    return predict_get_scalars(api, r, "robust", s, robust_scalars, ROBUST_NSCALARS, cause);
}

/* Load a saved model; on failure the state is left empty. */
int
robust_load(void *state, struct aiwb_reader *r, unsigned version, char **cause)
{
    struct robust *s = state;

    return predict_load(api, "robust", version, ROBUST_STATE_VERSION, robust_fini, load_state, s,
                        &s->fitted, r, cause);
}

/* Free what robust_load made. */
void
robust_fini(void *state)
{
    robust_clear(state);
}


const struct aiwb_algorithm_type predict_robust = {
    .abi_version = AIWB_ABI_VERSION,
    .size = sizeof(struct aiwb_algorithm_type),
    .name = "robust",
    .flags = ROBUST_FLAGS,
    .state_version = ROBUST_STATE_VERSION,
    .state_size = sizeof(struct robust),
    .n_outputs = robust_n_outputs,
    .predict = robust_predict,
    .load = robust_load,
    .fini = robust_fini,
};
