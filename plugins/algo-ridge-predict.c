/*
 * algo-ridge-predict.c - the predict half of the ridge plugin: loading a
 * fitted state and predicting, shared by the plugin module and the exported
 * prediction server.
 *
 * Copyright (C) 2026 the aiwb developers
 * SPDX-License-Identifier: MIT
 */
#include <inttypes.h>
#include <stddef.h>
#include <string.h>

#include <aiwb/plugin.h>

#include "algo-ridge.h"
#include "predict-common.h"

static const struct aiwb_host_api *api;

/* Set the host table of this half. */
void
algo_ridge_bind(const struct aiwb_host_api *host)
{
    api = host;
}

const struct predict_scalar ridge_scalars[RIDGE_NSCALARS] = {
    {"lambda", offsetof(struct ridge, lambda_fit)},
    {"n_obs", offsetof(struct ridge, n_obs)},
    {"rss", offsetof(struct ridge, rss)},
    {"mse", offsetof(struct ridge, mse)},
    {"r2", offsetof(struct ridge, r2)},
    {"df", offsetof(struct ridge, df)},
    {"gcv", offsetof(struct ridge, gcv_score)},
};

/* Free what the model owns and zero everything but the options. */
void
ridge_clear(struct ridge *s)
{
    struct ridge keep = *s;

    predict_free_strs(api, s->terms, s->k);
    api->free(s->coef);
    api->free(s->path);
    memset(s, 0, sizeof(*s));
    s->lambda = keep.lambda;
    s->gcv = keep.gcv;
    s->path_len = keep.path_len;
    s->lambda_min = keep.lambda_min;
    s->lambda_max = keep.lambda_max;
    s->intercept = keep.intercept;
    s->threads = keep.threads;
    s->show = keep.show;
    s->chosen = -1;
}

/* A regression has one output. */
size_t
ridge_n_outputs(const void *state)
{
    (void)state;
    return 1;
}

/* out[i] = intercept + X[i,] . beta. Writes nothing but OUT. */
int
ridge_predict(const void *state, size_t n, const double *X, size_t ldx, double *out)
{
    const struct ridge *s = state;

    if (!s->fitted)
        return AIWB_EINVAL;
    predict_linear(n, X, ldx, s->p, s->intercept ? s->coef[0] : 0.0, s->coef + s->intercept, out);
    return AIWB_OK;
}

/* Read back what ridge_save wrote. */
static int
load_state(void *state, struct aiwb_reader *r, char **cause)
{
    struct ridge *s = state;
    int64_t p, *flags = NULL;
    size_t nflags = 0, nterms = 0, ncoef = 0, npath = 0;
    double *path = NULL;
    int rc = AIWB_EDATA;

    if (api->get_int(r, "p", &p) != AIWB_OK ||
        api->get_ints(r, "flags", &nflags, &flags) != AIWB_OK ||
        api->get_strs(r, "terms", &nterms, &s->terms) != AIWB_OK) {
        *cause = api->format("ridge: the saved model is corrupt or incomplete (reading its "
                             "header)");
        goto out;
    }
    s->k = nterms;
    if (p < 0 || nflags != 6 || flags[0] < 0 || flags[0] > 1 || flags[3] < 0 || flags[3] > 2 ||
        flags[4] < SHOW_AUTO || flags[4] > SHOW_PATH || nterms != (size_t)p + (size_t)flags[0] ||
        nterms == 0) {
        *cause = api->format(
            "ridge: the saved model is corrupt: %zu terms for %" PRId64 " features", nterms, p);
        goto out;
    }
    s->p = (size_t)p;
    s->intercept = (int)flags[0];
    s->weighted = flags[1] != 0;
    s->gcv = flags[2] != 0;
    s->at_edge = (int)flags[3];
    s->show = (enum ridge_show)flags[4];
    s->chosen = flags[5];
    if (api->get_reals(r, "estimate", &ncoef, &s->coef) != AIWB_OK || ncoef != s->k) {
        predict_corrupt(api, cause, "ridge", "estimate");
        goto out;
    }
    if (predict_get_scalars(api, r, "ridge", s, ridge_scalars, RIDGE_NSCALARS, cause) != AIWB_OK)
        goto out;
    if (api->get_reals(r, "path", &npath, &path) != AIWB_OK || npath % RIDGE_PATH_COLS != 0 ||
        s->chosen >= (int64_t)(npath / RIDGE_PATH_COLS)) {
        predict_corrupt(api, cause, "ridge", "path");
        goto out;
    }
    s->npath = npath / RIDGE_PATH_COLS;
    s->path = path;
    path = NULL;
    rc = AIWB_OK;
out:
    api->free(path);
    api->free(flags);
    return rc;
}

/* Load a saved model; on failure the state is left empty. */
int
ridge_load(void *state, struct aiwb_reader *r, unsigned version, char **cause)
{
    struct ridge *s = state;

    return predict_load(api, "ridge", version, RIDGE_STATE_VERSION, ridge_fini, load_state, s,
                        &s->fitted, r, cause);
}

/* Free what ridge_load made. */
void
ridge_fini(void *state)
{
    ridge_clear(state);
}


const struct aiwb_algorithm_type predict_ridge = {
    .abi_version = AIWB_ABI_VERSION,
    .size = sizeof(struct aiwb_algorithm_type),
    .name = "ridge",
    .flags = RIDGE_FLAGS,
    .state_version = RIDGE_STATE_VERSION,
    .state_size = sizeof(struct ridge),
    .n_outputs = ridge_n_outputs,
    .predict = ridge_predict,
    .load = ridge_load,
    .fini = ridge_fini,
};
