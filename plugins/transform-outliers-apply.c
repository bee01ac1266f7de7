/*
 * transform-outliers-apply.c - the apply half of the outliers plugin: reading the
 * options, loading fitted bounds and clipping values to them (the clip transform; the
 * outliers transform drops rows, so it is skipped when a model predicts and keeps its
 * apply in transform-outliers.c), shared by the plugin module and the exported
 * prediction server.
 *
 * Copyright (C) 2026 the aiwb developers
 * SPDX-License-Identifier: MIT
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include <aiwb/plugin.h>

#include "predict-common.h"
#include "transform-outliers.h"

static const struct aiwb_host_api *api;

static const char *const method_names[] = {"zscore", "iqr"};

/* The default k of each method. */
static const double default_k[] = {3.0, 1.5};

/*
 * Keep HOST as the table this half calls. The plugin module calls it from
 * aiwb_plugin_init, the server with its own host table, before anything else.
 */
void
transform_outliers_bind(const struct aiwb_host_api *host)
{
    api = host;
}

/* Free the fitted bounds of S, leaving it with none; S may have none already. */
void
outliers_clear(struct outliers *s)
{
    predict_free_records(api, s->cols, s->n_cols, sizeof *s->cols);
    s->cols = NULL;
    s->n_cols = 0;
}

/* Free what init, fit and load allocated in STATE (either transform's). */
void
outliers_fini(void *state)
{
    struct outliers *s = state;

    outliers_clear(s);
    predict_free_strs(api, s->names, s->n_names);
    s->names = NULL;
    s->n_names = 0;
}

/*
 * Read the options shared by clip (DROP 0) and outliers (DROP 1) into S. Returns AIWB_OK,
 * or AIWB_EINVAL with *cause set for a columns= list with an empty or repeated name.
 */
int
outliers_init_common(struct outliers *s, int drop, const struct aiwb_options *opts, char **cause)
{
    const char *method = api->opt_str(opts, "method");
    const char *columns = api->opt_str(opts, "columns");

    outliers_fini(s);
    s->drop = drop;
    s->what = drop ? "outliers" : "clip";
    s->method = OUTLIERS_IQR;
    for (size_t m = 0; method != NULL && m < OUTLIERS_N_METHODS; m++)
        if (strcmp(method, method_names[m]) == 0)
            s->method = (enum outliers_method)m;
    s->k = api->opt_given(opts, "k") ? api->opt_real(opts, "k") : default_k[s->method];
    return columns != NULL
               ? predict_parse_names(api, s->what, columns, &s->names, &s->n_names, cause)
               : AIWB_OK;
}

/* Read clip's options into STATE; as outliers_init_common. */
int
clip_init(void *state, const struct aiwb_options *opts, char **cause)
{
    return outliers_init_common(state, 0, opts, cause);
}

/*
 * Set COL_OF[j] to the column of IN that fitted column J is. Returns AIWB_OK, or
 * AIWB_EDATA with *cause set for an absent or categorical one.
 */
int
outliers_match_columns(const struct outliers *s, const struct aiwb_frame *in, size_t *col_of,
                       char **cause)
{
    return predict_match_columns(api, s->what, in, s->cols, s->n_cols, sizeof *s->cols,
                                 PREDICT_ALL_NUMERIC, NULL, col_of, cause);
}

/*
 * A new frame of IN with the values outside the bounds moved onto them; BOUND_OF[c] is
 * the fitted column that column C of IN is, or -1.
 */
static struct aiwb_frame *
clip_frame(const struct outliers *s, const struct aiwb_frame *in, const long *bound_of,
           char **cause)
{
    size_t p = api->frame_cols(in), n = api->frame_rows(in), clipped = 0;
    struct aiwb_frame *f = api->frame_new(n);

    for (size_t c = 0; c < p; c++) {
        const struct outliers_bound *b = bound_of[c] >= 0 ? &s->cols[bound_of[c]] : NULL;
        const double *x;
        double *y;

        if (b == NULL) {
            if (api->frame_copy_col(f, in, c, NULL) != AIWB_OK)
                goto fail;
            continue;
        }
        if ((y = api->frame_add_numeric(f, b->name)) == NULL)
            goto fail;
        x = api->frame_numeric(in, c);
        for (size_t i = 0; i < n; i++) {
            double v = x[i] < b->lo ? b->lo : x[i] > b->hi ? b->hi : x[i];
            clipped += v != x[i] && !isnan(x[i]);
            y[i] = v;
        }
    }
    api->log(AIWB_LOG_DEBUG, "clip: %zu value%s clipped", clipped, clipped == 1 ? "" : "s");
    return f;
fail:
    *cause = api->format("clip: cannot build the output frame (column '%s')",
                         api->frame_col_name(in, api->frame_cols(f)));
    api->frame_free(f);
    return NULL;
}

/*
 * Make in *OUT a new frame of IN with the values of each fitted column clipped to its
 * bounds; other columns pass through, shared. Returns AIWB_OK, or AIWB_EDATA (a fitted
 * column absent or categorical) or AIWB_ERR with *cause set and *out NULL. Writes nothing
 * in STATE, so threads may share it.
 */
int
clip_apply(const void *state, const struct aiwb_frame *in, struct aiwb_frame **out, char **cause)
{
    const struct outliers *s = state;
    long *bound_of = api->alloc((api->frame_cols(in) + 1) * sizeof *bound_of);
    int rc;

    *out = NULL;
    rc = predict_match_columns(api, s->what, in, s->cols, s->n_cols, sizeof *s->cols,
                               PREDICT_ALL_NUMERIC, bound_of, NULL, cause);
    if (rc == AIWB_OK) {
        *out = clip_frame(s, in, bound_of, cause);
        if (*out == NULL) {
            rc = AIWB_ERR;
            if (*cause == NULL)
                *cause = api->format("%s: cannot build the output frame", s->what);
        }
    }
    api->free(bound_of);
    return rc;
}

/*
 * Load the state of clip (DROP 0) or outliers (DROP 1) into S. Returns AIWB_OK, or
 * AIWB_EDATA with *cause set for another version or an inconsistent state, or the
 * reader's status (the host reports it).
 */
int
outliers_load_common(struct outliers *s, int drop, struct aiwb_reader *r, unsigned version,
                     char **cause)
{
    int64_t method;
    double k, *lo = NULL, *hi = NULL;
    char **chosen = NULL, **names = NULL;
    size_t n_chosen = 0, n_names = 0, n_lo = 0, n_hi = 0;
    int rc;

    rc = predict_state_version(api, drop ? "outliers" : "clip", version,
                               TRANSFORM_OUTLIERS_STATE_VERSION, cause);
    if (rc != AIWB_OK)
        return rc;
    outliers_fini(s);
    s->drop = drop;
    s->what = drop ? "outliers" : "clip";
    if ((rc = api->get_int(r, "method", &method)) != AIWB_OK ||
        (rc = api->get_real(r, "k", &k)) != AIWB_OK ||
        (rc = api->get_strs(r, "chosen", &n_chosen, &chosen)) != AIWB_OK ||
        (rc = api->get_strs(r, "columns", &n_names, &names)) != AIWB_OK ||
        (rc = api->get_reals(r, "lower", &n_lo, &lo)) != AIWB_OK ||
        (rc = api->get_reals(r, "upper", &n_hi, &hi)) != AIWB_OK)
        goto out;
    rc = AIWB_EDATA;
    if (method < 0 || (size_t)method >= OUTLIERS_N_METHODS || n_lo != n_names || n_hi != n_names) {
        *cause = api->format("%s: saved state is inconsistent", s->what);
        goto out;
    }
    s->method = (enum outliers_method)method;
    s->k = k;
    s->names = chosen;
    s->n_names = n_chosen;
    chosen = NULL;
    s->cols = api->calloc(n_names + 1, sizeof *s->cols);
    for (size_t j = 0; j < n_names; j++) {
        struct outliers_bound *b = &s->cols[s->n_cols++];
        b->name = names[j];
        names[j] = NULL;
        b->lo = lo[j];
        b->hi = hi[j];
    }
    rc = AIWB_OK;
out:
    predict_free_strs(api, chosen, n_chosen);
    predict_free_strs(api, names, n_names);
    api->free(lo);
    api->free(hi);
    return rc;
}

/* Load clip's state into STATE; as outliers_load_common. */
int
clip_load(void *state, struct aiwb_reader *r, unsigned version, char **cause)
{
    return outliers_load_common(state, 0, r, version, cause);
}

const struct aiwb_transform_type apply_clip = {
    .abi_version = AIWB_ABI_VERSION,
    .size = sizeof(struct aiwb_transform_type),
    .name = "clip",
    .flags = TRANSFORM_OUTLIERS_CLIP_FLAGS,
    .state_version = TRANSFORM_OUTLIERS_STATE_VERSION,
    .state_size = sizeof(struct outliers),
    .init = clip_init,
    .apply = clip_apply,
    .load = clip_load,
    .fini = outliers_fini,
};
