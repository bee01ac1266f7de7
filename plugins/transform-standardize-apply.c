/*
 * transform-standardize-apply.c - the apply half of the standardize plugin: reading the
 * options, loading a fitted state and applying it, shared by the plugin module and the
 * exported prediction server.
 *
 * Copyright (C) 2026 the aiwb developers
 * SPDX-License-Identifier: MIT
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include <aiwb/plugin.h>

#include "predict-common.h"
#include "transform-standardize.h"

static const struct aiwb_host_api *api;

/*
 * Keep HOST as the table this half calls. The plugin module calls it from
 * aiwb_plugin_init, the server with its own host table, before anything else.
 */
void
transform_standardize_bind(const struct aiwb_host_api *host)
{
    api = host;
}

/* Free the fitted columns of S, leaving it with none; S may have none already. */
void
standardize_clear(struct standardize *s)
{
    predict_free_records(api, s->cols, s->n_cols, sizeof *s->cols);
    s->cols = NULL;
    s->n_cols = 0;
}

/* Free what init, fit and load allocated in STATE (the fitted columns). */
void
standardize_fini(void *state)
{
    standardize_clear(state);
}

/* Read the options center and scale into STATE. Never fails. */
int
standardize_init(void *state, const struct aiwb_options *opts, char **cause)
{
    struct standardize *s = state;

    (void)cause;
    s->center = api->opt_bool(opts, "center");
    s->scale = api->opt_bool(opts, "scale");
    return AIWB_OK;
}

/*
 * Make in *OUT a new frame of IN with each fitted numeric column replaced by
 * (x - mean) / sd; other columns pass through, shared. Returns AIWB_OK, or AIWB_EDATA
 * (a fitted column absent or of another type) or AIWB_ERR with *cause set and *out NULL.
 * Writes nothing in STATE, so threads may share it.
 */
int
standardize_apply(const void *state, const struct aiwb_frame *in, struct aiwb_frame **out,
                  char **cause)
{
    const struct standardize *s = state;
    size_t p = api->frame_cols(in), n = api->frame_rows(in);
    long *fit_of = api->alloc((p + 1) * sizeof *fit_of);
    struct aiwb_frame *f = NULL;
    int rc;

    rc = predict_match_columns(api, "standardize", in, s->cols, s->n_cols, sizeof *s->cols,
                               offsetof(struct standardize_column, type), fit_of, NULL, cause);
    if (rc != AIWB_OK)
        goto out;
    f = api->frame_new(n);
    for (size_t c = 0; c < p; c++) {
        const struct standardize_column *col = fit_of[c] >= 0 ? &s->cols[fit_of[c]] : NULL;
        const char *name = api->frame_col_name(in, c);
        const double *x;
        double *y, m, sd;

        if (col == NULL || col->type != AIWB_NUMERIC || (!s->center && !s->scale)) {
            if ((rc = api->frame_copy_col(f, in, c, NULL)) != AIWB_OK)
                break;
            continue;
        }
        if ((y = api->frame_add_numeric(f, name)) == NULL) {
            rc = AIWB_ERR;
            break;
        }
        x = api->frame_numeric(in, c);
        m = s->center ? col->mean : 0;
        sd = s->scale ? col->scale : 1;
        for (size_t i = 0; i < n; i++)
            y[i] = (x[i] - m) / sd;
    }
    if (rc != AIWB_OK)
        *cause = api->format("standardize: cannot build the output frame");
out:
    api->free(fit_of);
    return predict_apply_end(api, rc, f, out);
}

/*
 * Read the state standardize's save wrote (VERSION must be this plugin's) into STATE,
 * replacing its columns. Returns AIWB_OK, or AIWB_EDATA with *cause set for another
 * version or an inconsistent state, or the reader's status (the host reports it).
 */
int
standardize_load(void *state, struct aiwb_reader *r, unsigned version, char **cause)
{
    struct standardize *s = state;
    int64_t center, scale, *types = NULL;
    char **names = NULL;
    double *means = NULL, *scales = NULL;
    size_t n_names = 0, n_types = 0, n_means = 0, n_scales = 0;
    int rc;

    rc = predict_state_version(api, "standardize", version, TRANSFORM_STANDARDIZE_STATE_VERSION,
                               cause);
    if (rc != AIWB_OK)
        return rc;
    standardize_clear(s);
    if ((rc = api->get_int(r, "center", &center)) != AIWB_OK ||
        (rc = api->get_int(r, "scale", &scale)) != AIWB_OK ||
        (rc = api->get_strs(r, "columns", &n_names, &names)) != AIWB_OK ||
        (rc = api->get_ints(r, "types", &n_types, &types)) != AIWB_OK ||
        (rc = api->get_reals(r, "means", &n_means, &means)) != AIWB_OK ||
        (rc = api->get_reals(r, "scales", &n_scales, &scales)) != AIWB_OK)
        goto out;
    rc = AIWB_EDATA;
    if (n_types != n_names || n_means != n_names || n_scales != n_names) {
        *cause = api->format("standardize: saved state is inconsistent");
        goto out;
    }
    if (predict_check_types(api, "standardize", names, types, n_names, cause) != AIWB_OK)
        goto out;
    s->center = center != 0;
    s->scale = scale != 0;
    s->cols = api->calloc(n_names + 1, sizeof *s->cols);
    for (size_t j = 0; j < n_names; j++) {
        struct standardize_column *col = &s->cols[s->n_cols++];
        col->name = names[j];
        names[j] = NULL;
        col->type = (enum aiwb_coltype)types[j];
        col->mean = means[j];
        col->scale = scales[j];
    }
    rc = AIWB_OK;
out:
    predict_free_strs(api, names, n_names);
    api->free(types);
    api->free(means);
    api->free(scales);
    return rc;
}

const struct aiwb_transform_type apply_standardize = {
    .abi_version = AIWB_ABI_VERSION,
    .size = sizeof(struct aiwb_transform_type),
    .name = "standardize",
    .flags = TRANSFORM_STANDARDIZE_FLAGS,
    .state_version = TRANSFORM_STANDARDIZE_STATE_VERSION,
    .state_size = sizeof(struct standardize),
    .init = standardize_init,
    .apply = standardize_apply,
    .load = standardize_load,
    .fini = standardize_fini,
};
