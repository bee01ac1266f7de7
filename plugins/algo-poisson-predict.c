/*
 * algo-poisson-predict.c - the predict half of the poisson plugin: loading a
 * fitted state and predicting, shared by the plugin module and the exported
 * prediction server.
 *
 * Copyright (C) 2026 the aiwb developers
 * SPDX-License-Identifier: MIT
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <aiwb/plugin.h>

#include "algo-poisson.h"
#include "predict-common.h"

static const struct aiwb_host_api *api;

/* Set the host table of this half. */
void
algo_poisson_bind(const struct aiwb_host_api *host)
{
    api = host;
}

/* Free what the model owns and zero it, keeping the options. */
void
poisson_clear(struct poisson *s)
{
    struct poisson keep = *s;

    predict_free_strs(api, s->terms, s->k);
    api->free(s->col);
    api->free(s->coef);
    api->free(s->beta);
    memset(s, 0, sizeof(*s));
    s->intercept = keep.intercept;
    s->max_iter = keep.max_iter;
    s->tol = keep.tol;
    s->lambda = keep.lambda;
    s->offset = keep.offset;
}

/* A regression has one output. */
size_t
poisson_n_outputs(const void *state)
{
    (void)state;
    return 1;
}

/* The expected count exp(b0 + X beta), the offset included. Writes nothing
 * but OUT. */
int
poisson_predict(const void *state, size_t n, const double *X, size_t ldx, double *out)
{
    const struct poisson *s = state;

    if (!s->fitted)
        return AIWB_EINVAL;
    predict_linear(n, X, ldx, s->p, s->intercept ? s->coef[0] : 0.0, s->beta, out);
    for (size_t i = 0; i < n; i++)
        out[i] = poisson_rate(out[i]);
    return AIWB_OK;
}

static int
corrupt(char **cause, const char *what)
{
    return predict_corrupt(api, cause, "poisson", what);
}

/* Which feature each coefficient reads: the features in order, skipping the offset. */
static int
rebuild_columns(struct poisson *s, char **cause)
{
    size_t t = (size_t)s->intercept;

    if (s->k != (size_t)s->intercept + s->p - (s->off >= 0) || s->k == 0) {
        *cause = api->format("poisson: the saved model is corrupt: %zu terms for %zu features",
                             s->k, s->p);
        return AIWB_EDATA;
    }
    s->col = api->calloc(s->k, sizeof(size_t));
    s->beta = api->calloc(s->p > 0 ? s->p : 1, sizeof(double));
    for (size_t j = 0; j < s->p; j++) {
        if ((long)j == s->off) {
            s->beta[j] = 1.0;
            continue;
        }
        s->col[t] = j;
        s->beta[j] = s->coef[t];
        t++;
    }
    return AIWB_OK;
}

/* Read back what poisson_save wrote. */
static int
load_state(struct poisson *s, struct aiwb_reader *r, char **cause)
{
    int64_t intercept, p, off, converged, zero_rates;
    size_t nc = 0, nf = 0;
    double *fit = NULL;

    if (api->get_int(r, "intercept", &intercept) != AIWB_OK || intercept < 0 || intercept > 1)
        return corrupt(cause, "intercept");
    s->intercept = (int)intercept;
    if (api->get_int(r, "max_iter", &s->max_iter) != AIWB_OK)
        return corrupt(cause, "max_iter");
    if (api->get_real(r, "tol", &s->tol) != AIWB_OK)
        return corrupt(cause, "tol");
    if (api->get_real(r, "lambda", &s->lambda) != AIWB_OK)
        return corrupt(cause, "lambda");
    if (api->get_int(r, "features", &p) != AIWB_OK || p < 0)
        return corrupt(cause, "features");
    s->p = (size_t)p;
    if (api->get_int(r, "offset", &off) != AIWB_OK || off < -1 || off >= p)
        return corrupt(cause, "offset");
    s->off = (long)off;
    if (api->get_str(r, "offset_name", &s->offset) != AIWB_OK)
        return corrupt(cause, "offset_name");
    if ((s->offset[0] != '\0') != (off >= 0))
        return corrupt(cause, "offset_name");
    if (s->offset[0] == '\0') {
        api->free(s->offset);
        s->offset = NULL;
    }
    if (api->get_strs(r, "terms", &s->k, &s->terms) != AIWB_OK)
        return corrupt(cause, "terms");
    if (api->get_reals(r, "estimate", &nc, &s->coef) != AIWB_OK || nc != 4 * s->k)
        return corrupt(cause, "estimate");
    s->se = s->coef + s->k;
    s->zval = s->coef + 2 * s->k;
    s->pval = s->coef + 3 * s->k;
    if (rebuild_columns(s, cause) != AIWB_OK)
        return AIWB_EDATA;
    if (api->get_int(r, "iterations", &s->iterations) != AIWB_OK)
        return corrupt(cause, "iterations");
    if (api->get_int(r, "converged", &converged) != AIWB_OK)
        return corrupt(cause, "converged");
    s->converged = converged != 0;
    if (api->get_int(r, "zero_rates", &zero_rates) != AIWB_OK)
        return corrupt(cause, "zero_rates");
    s->zero_rates = zero_rates != 0;
    if (api->get_reals(r, "fit", &nf, &fit) != AIWB_OK || nf != 8) {
        api->free(fit);
        return corrupt(cause, "fit");
    }
    s->n_obs = fit[0];
    s->sw = fit[1];
    s->deviance = fit[2];
    s->objective = fit[3];
    s->null_deviance = fit[4];
    s->df_resid = fit[5];
    s->df_null = fit[6];
    s->aic = fit[7];
    api->free(fit);
    return AIWB_OK;
}

/* Load a saved model; on failure the state is left empty. */
int
poisson_load(void *state, struct aiwb_reader *r, unsigned version, char **cause)
{
    struct poisson *s = state;
    int rc;

    rc = predict_model_version(api, "poisson", version, POISSON_STATE_VERSION, cause);
    if (rc != AIWB_OK)
        return rc;
    poisson_clear(s);
    api->free(s->offset);
    s->offset = NULL;
    rc = load_state(s, r, cause);
    if (rc != AIWB_OK) {
        poisson_clear(s);
        return rc;
    }
    s->fitted = 1;
    return AIWB_OK;
}

/* Free what poisson_load made, the offset's name included. */
void
poisson_fini(void *state)
{
    struct poisson *s = state;

    poisson_clear(s);
    api->free(s->offset);
    s->offset = NULL;
}


const struct aiwb_algorithm_type predict_poisson = {
    .abi_version = AIWB_ABI_VERSION,
    .size = sizeof(struct aiwb_algorithm_type),
    .name = "poisson",
    .flags = POISSON_FLAGS,
    .state_version = POISSON_STATE_VERSION,
    .state_size = sizeof(struct poisson),
    .n_outputs = poisson_n_outputs,
    .predict = poisson_predict,
    .load = poisson_load,
    .fini = poisson_fini,
};
