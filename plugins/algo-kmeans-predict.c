/*
 * algo-kmeans-predict.c - the predict half of the kmeans plugin: loading a fitted state
 * and predicting, shared by the plugin module and the exported prediction server.
 *
 * Copyright (C) 2026 the aiwb developers
 * SPDX-License-Identifier: MIT
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <aiwb/plugin.h>

#include "algo-kmeans.h"
#include "predict-common.h"

static const struct aiwb_host_api *api;

/* The names of the init= choices, as models save them (enum kmeans_init's order). */
const char *const kmeans_init_names[KMEANS_N_INITS] = {"kmeans++", "random", "first"};

/*
 * Keep HOST as the table this half calls. The plugin module calls it from
 * aiwb_plugin_init, the server with its own host table, before anything else.
 */
void
algo_kmeans_bind(const struct aiwb_host_api *host)
{
    api = host;
}

/* Free the model S owns and zero everything but the options and the training part. */
void
kmeans_clear(struct kmeans *s)
{
    struct kmeans keep = *s;

    predict_free_strs(api, s->features, s->p);
    api->free(s->mean);
    api->free(s->cc);
    api->free(s->sizes);
    api->free(s->within);
    memset(s, 0, sizeof(*s));
    s->k = keep.k;
    s->init = keep.init;
    s->restarts = keep.restarts;
    s->max_iter = keep.max_iter;
    s->tol = keep.tol;
    s->tr = keep.tr;
}

/* The number of clusters: the values predict writes a row. */
size_t
kmeans_n_outputs(const void *state)
{
    const struct kmeans *s = state;

    return s->k;
}

/*
 * The nearest centre of row X, by the squared distances computed directly (ties to the
 * lowest cluster), and that distance in *SQ when SQ is not NULL.
 */
size_t
kmeans_nearest(const struct kmeans *s, const double *x, double *sq)
{
    const size_t k = s->k, p = s->p;
    double best = kmeans_sqdist(x, s->mean, s->cc, p);
    size_t c = 0;

    for (size_t j = 1; j < k; j++) {
        double d = kmeans_sqdist(x, s->mean, s->cc + j * p, p);
        if (d < best) {
            best = d;
            c = j;
        }
    }
    if (sq != NULL)
        *sq = best;
    return c;
}

/* One-hot memberships: a one in the column of the nearest centre; AIWB_EINVAL before a
 * fit. */
int
kmeans_predict(const void *state, size_t n, const double *X, size_t ldx, double *out)
{
    const struct kmeans *s = state;

    if (!s->fitted)
        return AIWB_EINVAL;
    for (size_t i = 0; i < n; i++) {
        double *o = out + i * s->k;
        for (size_t c = 0; c < s->k; c++)
            o[c] = 0;
        o[kmeans_nearest(s, X + i * ldx, NULL)] = 1;
    }
    return AIWB_OK;
}

static int
corrupt(char **cause, const char *what)
{
    return predict_corrupt(api, cause, "kmeans", what);
}

/* Read back what the fit half's save wrote. */
static int
load_state(void *state, struct aiwb_reader *r, char **cause)
{
    struct kmeans *s = state;
    int64_t k, converged, *sizes = NULL;
    size_t n = 0;
    int rc = AIWB_OK, init;

    if (api->get_int(r, "k", &k) != AIWB_OK || k < 1)
        return corrupt(cause, "k");
    s->k = (size_t)k;
    if ((init = predict_get_word(api, r, "init", kmeans_init_names, KMEANS_N_INITS)) < 0)
        return corrupt(cause, "init");
    s->init = (enum kmeans_init)init;
    if (api->get_int(r, "restarts", &s->restarts) != AIWB_OK)
        return corrupt(cause, "restarts");
    if (api->get_int(r, "max_iter", &s->max_iter) != AIWB_OK)
        return corrupt(cause, "max_iter");
    if (api->get_real(r, "tol", &s->tol) != AIWB_OK)
        return corrupt(cause, "tol");
    if (api->get_strs(r, "features", &s->p, &s->features) != AIWB_OK || s->p == 0)
        return corrupt(cause, "features");
    if (api->get_reals(r, "mean", &n, &s->mean) != AIWB_OK || n != s->p)
        return corrupt(cause, "mean");
    if (api->get_reals(r, "centres", &n, &s->cc) != AIWB_OK || n != s->k * s->p)
        return corrupt(cause, "centres");
    if (api->get_ints(r, "sizes", &n, &sizes) != AIWB_OK || n != s->k)
        rc = corrupt(cause, "sizes");
    if (rc == AIWB_OK) {
        s->sizes = api->alloc(s->k * sizeof(double));
        for (size_t c = 0; c < s->k; c++)
            s->sizes[c] = (double)sizes[c];
    }
    api->free(sizes);
    if (rc != AIWB_OK)
        return rc;
    if (api->get_reals(r, "within", &n, &s->within) != AIWB_OK || n != s->k)
        return corrupt(cause, "within");
    s->inertia = 0;
    for (size_t c = 0; c < s->k; c++)
        s->inertia += s->within[c];
    if (api->get_real(r, "total_ss", &s->total_ss) != AIWB_OK)
        return corrupt(cause, "total_ss");
    if (api->get_int(r, "n_samples", &s->n_samples) != AIWB_OK)
        return corrupt(cause, "n_samples");
    if (api->get_int(r, "iterations", &s->iterations) != AIWB_OK)
        return corrupt(cause, "iterations");
    if (api->get_int(r, "restarts_run", &s->restarts_run) != AIWB_OK)
        return corrupt(cause, "restarts_run");
    if (api->get_int(r, "relocated", &s->relocated) != AIWB_OK)
        return corrupt(cause, "relocated");
    if (api->get_int(r, "converged", &converged) != AIWB_OK)
        return corrupt(cause, "converged");
    s->converged = converged != 0;
    return AIWB_OK;
}

/*
 * Load a saved model into STATE. Returns AIWB_OK; AIWB_ENOTSUP for another state
 * version, AIWB_EDATA for a corrupt model, with *cause set and the state left empty.
 */
int
kmeans_load(void *state, struct aiwb_reader *r, unsigned version, char **cause)
{
    struct kmeans *s = state;

    return predict_load(api, "kmeans", version, ALGO_KMEANS_STATE_VERSION, kmeans_fini, load_state,
                        s, &s->fitted, r, cause);
}

/* Free what load (or a fit) allocated in STATE but the training part. */
void
kmeans_fini(void *state)
{
    kmeans_clear(state);
}

const struct aiwb_algorithm_type predict_kmeans = {
    .abi_version = AIWB_ABI_VERSION,
    .size = sizeof(struct aiwb_algorithm_type),
    .name = "kmeans",
    .flags = ALGO_KMEANS_FLAGS,
    .state_version = ALGO_KMEANS_STATE_VERSION,
    .state_size = sizeof(struct kmeans),
    .n_outputs = kmeans_n_outputs,
    .predict = kmeans_predict,
    .load = kmeans_load,
    .fini = kmeans_fini,
};
