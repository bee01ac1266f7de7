/*
 * transform-pca-apply.c - the apply half of the pca transform plugin: reading the
 * options, loading the fitted components and projecting rows on them, shared by the
 * plugin module and the exported prediction server.
 *
 * Copyright (C) 2026 the aiwb developers
 * SPDX-License-Identifier: MIT
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <aiwb/plugin.h>

#include "predict-common.h"
#include "transform-pca.h"

static const struct aiwb_host_api *api;

/*
 * Keep HOST as the table this half calls. The plugin module calls it from
 * aiwb_plugin_init, the server with its own host table, before anything else.
 */
void
transform_pca_bind(const struct aiwb_host_api *host)
{
    api = host;
}

/* Free what fit or load learned in S, leaving it unfitted; S may be unfitted already. */
void
transform_pca_clear(struct transform_pca *s)
{
    predict_free_strs(api, s->names, s->p);
    api->free(s->means);
    api->free(s->scales);
    api->free(s->variance);
    api->free(s->loadings);
    s->names = NULL;
    s->means = s->scales = s->variance = s->loadings = NULL;
    s->n_samples = s->p = s->r = s->k = 0;
}

/* Free what fit and load allocated in STATE. */
void
transform_pca_fini(void *state)
{
    transform_pca_clear(state);
}

/*
 * Read the options scale, components and variance into STATE. Returns AIWB_OK, or
 * AIWB_EINVAL with *cause set when both components and variance are given.
 */
int
transform_pca_init(void *state, const struct aiwb_options *opts, char **cause)
{
    struct transform_pca *s = state;
    int by_count = api->opt_given(opts, "components");
    int by_share = api->opt_given(opts, "variance");

    s->scale = api->opt_bool(opts, "scale");
    s->want_k = by_count ? (size_t)api->opt_int(opts, "components") : 0;
    s->share = by_share ? api->opt_real(opts, "variance") : 0;
    if (by_count && by_share) {
        *cause = api->format("pca: give components= or variance=, not both");
        return AIWB_EINVAL;
    }
    return AIWB_OK;
}

/* The name of component C (0-based), into NAME: no allocation, apply may run per row. */
static const char *
component_name(char name[32], size_t c)
{
    snprintf(name, 32, "PC%zu", c + 1);
    return name;
}

/*
 * Set COL_OF[j] to the column of IN that fitted column J is, and FIT_OF[c] to the fitted
 * column that column C of IN is (-1 for none); refuse an absent or categorical one, and a
 * column that would pass through under the name of a component.
 */
static int
match_columns(const struct transform_pca *s, const struct aiwb_frame *in, size_t *col_of,
              long *fit_of, char **cause)
{
    int rc = predict_match_columns(api, "pca", in, s->names, s->p, sizeof *s->names,
                                   PREDICT_ALL_NUMERIC, fit_of, col_of, cause);

    for (size_t c = 0; rc == AIWB_OK && c < s->k; c++) {
        char name[32];
        long at = api->frame_find(in, component_name(name, c));
        if (at >= 0 && fit_of[at] < 0) {
            *cause = api->format("pca: column '%s' clashes with the component of that name "
                                 "(rename it first)",
                                 name);
            return AIWB_EDATA;
        }
    }
    return rc;
}

/* Add the K components of IN's rows to F; a row with a missing value gets missing ones. */
static int
add_components(const struct transform_pca *s, const struct aiwb_frame *in, const size_t *col_of,
               struct aiwb_frame *f)
{
    const size_t n = api->frame_rows(in), p = s->p, k = s->k;
    double **y = api->calloc(k + 1, sizeof *y);
    const double **x = api->calloc(p + 1, sizeof *x);
    double *z = api->calloc(p + 1, sizeof *z);
    int rc = AIWB_OK;

    for (size_t j = 0; j < p; j++)
        x[j] = api->frame_numeric(in, col_of[j]);

    for (size_t c = 0; c < k && rc == AIWB_OK; c++) {
        char name[32];
        if ((y[c] = api->frame_add_numeric(f, component_name(name, c))) == NULL)
            rc = AIWB_ERR;
    }
    for (size_t i = 0; i < n && rc == AIWB_OK; i++) {
        for (size_t j = 0; j < p; j++)
            z[j] = (x[j][i] - s->means[j]) / s->scales[j];
        for (size_t c = 0; c < k; c++) {
            double sum = 0;
            for (size_t j = 0; j < p; j++)
                sum += z[j] * s->loadings[j * k + c];
            y[c][i] = sum;
        }
    }
    api->free(z);
    api->free(x);
    api->free(y);
    return rc;
}

/*
 * Make in *OUT a new frame of IN with the fitted numeric columns replaced by the
 * components PC1..PCK, where the first of them was (a row with a missing value gets
 * missing components); other columns pass through, shared. Returns AIWB_OK, or
 * AIWB_EDATA (a fitted column absent or categorical, a component's name taken) or
 * AIWB_ERR with *cause set and *out NULL. Writes nothing in STATE, so threads may share
 * it.
 */
int
transform_pca_apply(const void *state, const struct aiwb_frame *in, struct aiwb_frame **out,
                    char **cause)
{
    const struct transform_pca *s = state;
    size_t pin = api->frame_cols(in);
    size_t *col_of = api->calloc(s->p + 1, sizeof *col_of);
    long *fit_of = api->alloc((pin + 1) * sizeof *fit_of);
    struct aiwb_frame *f = NULL;
    int rc, placed = 0;

    rc = match_columns(s, in, col_of, fit_of, cause);
    if (rc != AIWB_OK)
        goto out;
    f = api->frame_new(api->frame_rows(in));
    /* The components take the place of the first numeric column; the rest keep theirs. */
    for (size_t c = 0; c < pin && rc == AIWB_OK; c++) {
        if (fit_of[c] < 0) {
            if ((rc = api->frame_copy_col(f, in, c, NULL)) != AIWB_OK)
                *cause =
                    api->format("pca: cannot pass column '%s' through", api->frame_col_name(in, c));
            continue;
        }
        if (placed++)
            continue;
        if ((rc = add_components(s, in, col_of, f)) != AIWB_OK)
            *cause = api->format("pca: cannot add the components to the output");
    }
out:
    api->free(col_of);
    api->free(fit_of);
    return predict_apply_end(api, rc, f, out);
}

/*
 * Read the state the transform's save wrote (VERSION must be this plugin's) into STATE,
 * replacing what it held. Returns AIWB_OK, or AIWB_EDATA with *cause set for another
 * version or an inconsistent state, or the reader's status (the host reports it).
 */
int
transform_pca_load(void *state, struct aiwb_reader *r, unsigned version, char **cause)
{
    struct transform_pca *s = state;
    int64_t scale, want_k, n_samples, kept;
    double share, *means = NULL, *scales = NULL, *variance = NULL, *loadings = NULL;
    char **names = NULL;
    size_t p = 0, n_means = 0, n_scales = 0, n_var = 0, n_load = 0;
    int rc;

    rc = predict_state_version(api, "pca", version, TRANSFORM_PCA_STATE_VERSION, cause);
    if (rc != AIWB_OK)
        return rc;
    transform_pca_clear(s);
    if ((rc = api->get_int(r, "scale", &scale)) != AIWB_OK ||
        (rc = api->get_int(r, "components", &want_k)) != AIWB_OK ||
        (rc = api->get_real(r, "variance_share", &share)) != AIWB_OK ||
        (rc = api->get_int(r, "n_samples", &n_samples)) != AIWB_OK ||
        (rc = api->get_strs(r, "columns", &p, &names)) != AIWB_OK ||
        (rc = api->get_reals(r, "means", &n_means, &means)) != AIWB_OK ||
        (rc = api->get_reals(r, "scales", &n_scales, &scales)) != AIWB_OK ||
        (rc = api->get_reals(r, "explained_variance", &n_var, &variance)) != AIWB_OK ||
        (rc = api->get_int(r, "kept", &kept)) != AIWB_OK ||
        (rc = api->get_reals(r, "loadings", &n_load, &loadings)) != AIWB_OK)
        goto out;
    rc = AIWB_EDATA;
    if (want_k < 0 || n_samples < 2 || kept < 1 || (size_t)kept > n_var || n_means != p ||
        n_scales != p || n_var != ((size_t)n_samples < p ? (size_t)n_samples : p) ||
        n_load != p * (size_t)kept) {
        *cause = api->format("pca: saved state is inconsistent");
        goto out;
    }
    s->scale = scale != 0;
    s->want_k = (size_t)want_k;
    s->share = share;
    s->n_samples = (size_t)n_samples;
    s->p = p;
    s->names = names;
    s->means = means;
    s->scales = scales;
    s->r = n_var;
    s->variance = variance;
    s->k = (size_t)kept;
    s->loadings = loadings;
    names = NULL;
    means = scales = variance = loadings = NULL;
    rc = AIWB_OK;
out:
    predict_free_strs(api, names, p);
    api->free(means);
    api->free(scales);
    api->free(variance);
    api->free(loadings);
    return rc;
}

const struct aiwb_transform_type apply_pca = {
    .abi_version = AIWB_ABI_VERSION,
    .size = sizeof(struct aiwb_transform_type),
    .name = "pca",
    .flags = TRANSFORM_PCA_FLAGS,
    .state_version = TRANSFORM_PCA_STATE_VERSION,
    .state_size = sizeof(struct transform_pca),
    .init = transform_pca_init,
    .apply = transform_pca_apply,
    .load = transform_pca_load,
    .fini = transform_pca_fini,
};
