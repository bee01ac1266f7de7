/*
 * algo-pca-predict.c - the predict half of the pca-model plugin: loading a
 * fitted state and predicting, shared by the plugin module and the exported
 * prediction server.
 *
 * Copyright (C) 2026 the aiwb developers
 * SPDX-License-Identifier: MIT
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <aiwb/plugin.h>

#include "algo-pca.h"
#include "predict-common.h"

static const struct aiwb_host_api *api;

/*
 * Keep HOST as the table this half calls. The plugin module calls it from
 * aiwb_plugin_init, the server with its own host table, before anything else.
 */
void
algo_pca_bind(const struct aiwb_host_api *host)
{
    api = host;
}

/* Free what S owns and zero everything but the options. */
void
pca_model_clear(struct pca_model *s)
{
    struct pca_model keep = *s;

    predict_free_strs(api, s->features, s->p);
    api->free(s->means);
    api->free(s->scales);
    api->free(s->variance);
    api->free(s->loadings);
    memset(s, 0, sizeof(*s));
    s->scale = keep.scale;
    s->want_k = keep.want_k;
    s->share = keep.share;
}

/* The number of components kept: the values predict writes a row. */
size_t
pca_model_n_outputs(const void *state)
{
    const struct pca_model *s = state;

    return s->k;
}

/*
 * The component scores of each row, n x k into OUT: each row centred and
 * scaled, then multiplied by the loadings, summed over the features in their
 * order. Returns AIWB_OK, or AIWB_EINVAL before a fit.
 */
int
pca_model_predict(const void *state, size_t n, const double *X, size_t ldx, double *out)
{
    const struct pca_model *s = state;
    const size_t p = s->p, k = s->k;

    if (!s->fitted)
        return AIWB_EINVAL;
    for (size_t i = 0; i < n; i++) {
        const double *x = X + i * ldx;
        double *o = out + i * k;

        for (size_t c = 0; c < k; c++)
            o[c] = 0;
        for (size_t j = 0; j < p; j++) {
            const double z = (x[j] - s->means[j]) / s->scales[j];
            const double *l = s->loadings + j * k;
            for (size_t c = 0; c < k; c++)
                o[c] += z * l[c];
        }
    }
    return AIWB_OK;
}

static int
corrupt(char **cause, const char *what)
{
    return predict_corrupt(api, cause, "pca", what);
}

/* Read back what the fit half's save wrote. */
static int
load_state(void *state, struct aiwb_reader *r, char **cause)
{
    struct pca_model *s = state;
    int64_t scale, want_k, kept;
    size_t n;

    if (api->get_int(r, "scale", &scale) != AIWB_OK)
        return corrupt(cause, "scale");
    s->scale = scale != 0;
    if (api->get_int(r, "components", &want_k) != AIWB_OK || want_k < 0)
        return corrupt(cause, "components");
    s->want_k = (size_t)want_k;
    if (api->get_real(r, "variance_share", &s->share) != AIWB_OK)
        return corrupt(cause, "variance_share");
    if (api->get_int(r, "n_samples", &s->n_samples) != AIWB_OK || s->n_samples < 2)
        return corrupt(cause, "n_samples");
    if (api->get_strs(r, "features", &s->p, &s->features) != AIWB_OK || s->p == 0)
        return corrupt(cause, "features");
    if (api->get_reals(r, "means", &n, &s->means) != AIWB_OK || n != s->p)
        return corrupt(cause, "means");
    if (api->get_reals(r, "scales", &n, &s->scales) != AIWB_OK || n != s->p)
        return corrupt(cause, "scales");
    s->r = (size_t)s->n_samples < s->p ? (size_t)s->n_samples : s->p;
    if (api->get_reals(r, "explained_variance", &n, &s->variance) != AIWB_OK || n != s->r)
        return corrupt(cause, "explained_variance");
    if (api->get_int(r, "kept", &kept) != AIWB_OK || kept < 1 || (size_t)kept > s->r)
        return corrupt(cause, "kept");
    s->k = (size_t)kept;
    if (api->get_reals(r, "loadings", &n, &s->loadings) != AIWB_OK || n != s->p * s->k)
        return corrupt(cause, "loadings");
    if (api->get_real(r, "loss", &s->loss) != AIWB_OK)
        return corrupt(cause, "loss");
    return AIWB_OK;
}

/*
 * Load a saved model into STATE. Returns AIWB_OK; AIWB_ENOTSUP for another
 * state version, AIWB_EDATA for a corrupt model, with *cause set and the state
 * left empty.
 */
int
pca_model_load(void *state, struct aiwb_reader *r, unsigned version, char **cause)
{
    struct pca_model *s = state;

    return predict_load(api, "pca", version, ALGO_PCA_STATE_VERSION, pca_model_fini, load_state, s,
                        &s->fitted, r, cause);
}

/* Free what a fit or load allocated in STATE. */
void
pca_model_fini(void *state)
{
    pca_model_clear(state);
}

const struct aiwb_algorithm_type predict_pca = {
    .abi_version = AIWB_ABI_VERSION,
    .size = sizeof(struct aiwb_algorithm_type),
    .name = "pca",
    .flags = ALGO_PCA_FLAGS,
    .state_version = ALGO_PCA_STATE_VERSION,
    .state_size = sizeof(struct pca_model),
    .n_outputs = pca_model_n_outputs,
    .predict = pca_model_predict,
    .load = pca_model_load,
    .fini = pca_model_fini,
};
