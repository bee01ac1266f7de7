/*
 * algo-lasso-predict.c - the predict half of the lasso plugin: loading a
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

#include "algo-lasso.h"
#include "predict-common.h"

static const struct aiwb_host_api *api;

/* Set the host table of this half. */
void
algo_lasso_bind(const struct aiwb_host_api *host)
{
    api = host;
}

const struct predict_scalar enet_scalars[ENET_NSCALARS] = {
    {"alpha", offsetof(struct enet, alpha_fit)},
    {"l1_ratio", offsetof(struct enet, rho)},
    {"alpha_max", offsetof(struct enet, alpha_max)},
    {"objective", offsetof(struct enet, objective)},
    {"gap", offsetof(struct enet, gap)},
    {"r2", offsetof(struct enet, r2)},
    {"mse", offsetof(struct enet, mse)},
    {"syy", offsetof(struct enet, syy)},
    {"n_obs", offsetof(struct enet, n_obs)},
    {"tol", offsetof(struct enet, tol)},
};

/* Free what the model owns and zero everything but the options. */
void
enet_clear(struct enet *s)
{
    struct enet keep = *s;

    predict_free_strs(api, s->terms, s->k);
    api->free(s->mean);
    api->free(s->w);
    api->free(s->coef);
    api->free(s->path);
    memset(s, 0, sizeof(*s));
    s->who = keep.who;
    s->alpha = keep.alpha;
    s->rho = keep.rho;
    s->path_len = keep.path_len;
    s->max_iter = keep.max_iter;
    s->tol = keep.tol;
    s->intercept = keep.intercept;
    s->threads = keep.threads;
    s->form = keep.form;
    s->show = keep.show;
}

/* A regression has one output. */
size_t
enet_n_outputs(const void *state)
{
    (void)state;
    return 1;
}

/* out[i] = intercept + X[i,] . beta. Writes nothing but OUT. */
int
enet_predict(const void *state, size_t n, const double *X, size_t ldx, double *out)
{
    const struct enet *s = state;

    if (!s->fitted)
        return AIWB_EINVAL;
    predict_linear(n, X, ldx, s->p, s->intercept ? s->coef[0] : 0.0, s->coef + s->intercept, out);
    return AIWB_OK;
}

/* Read back what enet_save wrote. */
static int
load_state(void *state, struct aiwb_reader *r, char **cause)
{
    struct enet *s = state;
    int64_t p, *flags = NULL;
    size_t nflags = 0, nterms = 0, ncoef = 0, npath = 0;
    double *path = NULL;
    int rc = AIWB_EDATA;

    if (api->get_int(r, "p", &p) != AIWB_OK ||
        api->get_ints(r, "flags", &nflags, &flags) != AIWB_OK ||
        api->get_strs(r, "terms", &nterms, &s->terms) != AIWB_OK) {
        *cause = api->format("%s: the saved model is corrupt or incomplete (reading its header)",
                             s->who);
        goto out;
    }
    s->k = nterms;
    if (p < 0 || nflags != 8 || flags[0] < 0 || flags[0] > 1 || flags[4] < SHOW_AUTO ||
        flags[4] > SHOW_PATH || flags[6] < 0 || flags[6] > p ||
        nterms != (size_t)p + (size_t)flags[0] || nterms == 0) {
        *cause = api->format("%s: the saved model is corrupt: %zu terms for %" PRId64 " features",
                             s->who, nterms, p);
        goto out;
    }
    s->p = (size_t)p;
    s->intercept = (int)flags[0];
    s->weighted = flags[1] != 0;
    s->converged = flags[2] != 0;
    s->stopped = flags[3] != 0;
    s->show = (enum enet_show)flags[4];
    s->passes = flags[5];
    s->nonzero = (size_t)flags[6];
    s->path_len = flags[7];
    if (api->get_reals(r, "estimate", &ncoef, &s->coef) != AIWB_OK || ncoef != s->k) {
        predict_corrupt(api, cause, s->who, "estimate");
        goto out;
    }
    if (predict_get_scalars(api, r, s->who, s, enet_scalars, ENET_NSCALARS, cause) != AIWB_OK)
        goto out;
    if (api->get_reals(r, "path", &npath, &path) != AIWB_OK || npath % LASSO_PATH_COLS != 0) {
        predict_corrupt(api, cause, s->who, "path");
        goto out;
    }
    s->npath = npath / LASSO_PATH_COLS;
    s->path = path;
    path = NULL;
    rc = AIWB_OK;
out:
    api->free(path);
    api->free(flags);
    return rc;
}

/* Load a saved model; on failure the state is left empty. */
static int
enet_load(void *state, struct aiwb_reader *r, unsigned version, char **cause, const char *who)
{
    struct enet *s = state;

    s->who = who;
    return predict_load(api, who, version, ENET_STATE_VERSION, enet_fini, load_state, s, &s->fitted,
                        r, cause);
}

/* Load a saved lasso. */
int
lasso_load(void *state, struct aiwb_reader *r, unsigned version, char **cause)
{
    return enet_load(state, r, version, cause, "lasso");
}

/* Load a saved elastic net. */
int
elasticnet_load(void *state, struct aiwb_reader *r, unsigned version, char **cause)
{
    return enet_load(state, r, version, cause, "elasticnet");
}

/* Free what the loads made. */
void
enet_fini(void *state)
{
    enet_clear(state);
}


const struct aiwb_algorithm_type predict_lasso = {
    .abi_version = AIWB_ABI_VERSION,
    .size = sizeof(struct aiwb_algorithm_type),
    .name = "lasso",
    .flags = ENET_FLAGS,
    .state_version = ENET_STATE_VERSION,
    .state_size = sizeof(struct enet),
    .n_outputs = enet_n_outputs,
    .predict = enet_predict,
    .load = lasso_load,
    .fini = enet_fini,
};

const struct aiwb_algorithm_type predict_elasticnet = {
    .abi_version = AIWB_ABI_VERSION,
    .size = sizeof(struct aiwb_algorithm_type),
    .name = "elasticnet",
    .flags = ENET_FLAGS,
    .state_version = ENET_STATE_VERSION,
    .state_size = sizeof(struct enet),
    .n_outputs = enet_n_outputs,
    .predict = enet_predict,
    .load = elasticnet_load,
    .fini = enet_fini,
};
