/*
 * transform-log-apply.c - the apply half of the log plugin: reading the options and
 * taking the logarithms (log learns nothing, so this is all of it but the options'
 * declaration), shared by the plugin module and the exported prediction server.
 *
 * Copyright (C) 2026 the aiwb developers
 * SPDX-License-Identifier: MIT
 */
#include <math.h>
#include <string.h>

#include <aiwb/plugin.h>

#include "predict-common.h"
#include "transform-log.h"

static const struct aiwb_host_api *api;

/*
 * Keep HOST as the table this half calls. The plugin module calls it from
 * aiwb_plugin_init, the server with its own host table, before anything else.
 */
void
transform_log_bind(const struct aiwb_host_api *host)
{
    api = host;
}

/* Free what init allocated in STATE (the columns= list). */
void
transform_log_fini(void *state)
{
    struct transform_log *s = state;

    predict_free_strs(api, s->names, s->n_names);
    s->names = NULL;
    s->n_names = 0;
}

/*
 * Read the options base, offset, columns and invalid into STATE. Returns AIWB_OK, or
 * AIWB_EINVAL with *cause set for base=1 or a columns= list with an empty or repeated
 * name.
 */
int
transform_log_init(void *state, const struct aiwb_options *opts, char **cause)
{
    struct transform_log *s = state;
    const char *invalid = api->opt_str(opts, "invalid");
    const char *columns = api->opt_str(opts, "columns");

    transform_log_fini(s);
    s->base = api->opt_given(opts, "base") ? api->opt_real(opts, "base") : 0;
    s->offset = api->opt_real(opts, "offset");
    s->to_missing = invalid != NULL && strcmp(invalid, "missing") == 0;
    if (s->base == 1) {
        *cause = api->format("log: base=1 has no logarithm (give a number > 0 other than 1)");
        return AIWB_EINVAL;
    }
    return columns != NULL ? predict_parse_names(api, "log", columns, &s->names, &s->n_names, cause)
                           : AIWB_OK;
}

/* The logarithm of V > 0 in S's base: log10 and log2 for their bases, so that powers of
 * the base come out exact. */
static double
log_of(const struct transform_log *s, double v)
{
    if (s->base == 0)
        return log(v);
    if (s->base == 10)
        return log10(v);
    if (s->base == 2)
        return log2(v);
    return log(v) / log(s->base);
}

/* Fill Y with the log of X + offset; refuse (or make missing) a value <= -offset. */
static int
log_column(const struct transform_log *s, const char *name, const double *x, double *y, size_t n,
           char **cause)
{
    size_t made_missing = 0;

    for (size_t i = 0; i < n; i++) {
        /* The rounded sum has the sign of the exact one, so this tests x <= -offset. */
        double v = x[i] + s->offset;
        char a[32], b[32];

        if (isnan(x[i]) || v > 0) {
            y[i] = isnan(x[i]) ? x[i] : log_of(s, v);
            continue;
        }
        if (s->to_missing) {
            y[i] = NAN;
            made_missing++;
            continue;
        }
        if (s->offset == 0)
            *cause = api->format("log: column '%s' row %zu: the log of %s is not defined "
                                 "(offset= shifts the values, invalid=missing makes them "
                                 "missing)",
                                 name, i + 1, predict_shortest(a, x[i]));
        else
            *cause =
                api->format("log: column '%s' row %zu: %s + offset %s is not above 0, so "
                            "has no log (a larger offset= shifts the values, "
                            "invalid=missing makes them missing)",
                            name, i + 1, predict_shortest(a, x[i]), predict_shortest(b, s->offset));
        return AIWB_EDATA;
    }
    if (made_missing > 0)
        api->log(AIWB_LOG_INFO, "log: %zu value%s of column '%s' at or below -offset made missing",
                 made_missing, made_missing == 1 ? "" : "s", name);
    return AIWB_OK;
}

/* Set CHOSEN[c] for each column of IN to take the log of; refuse a named column that is
 * absent or categorical. */
static int
choose_columns(const struct transform_log *s, const struct aiwb_frame *in, int *chosen,
               char **cause)
{
    size_t p = api->frame_cols(in);

    for (size_t c = 0; c < p; c++)
        chosen[c] = s->n_names == 0 && api->frame_col_type(in, c) == AIWB_NUMERIC;
    for (size_t j = 0; j < s->n_names; j++) {
        long c = api->frame_find(in, s->names[j]);
        if (c < 0) {
            *cause = api->format("log: column '%s' is missing", s->names[j]);
            return AIWB_EDATA;
        }
        if (api->frame_col_type(in, (size_t)c) != AIWB_NUMERIC) {
            *cause =
                api->format("log: column '%s' is categorical, and log takes numbers", s->names[j]);
            return AIWB_EDATA;
        }
        chosen[c] = 1;
    }
    return AIWB_OK;
}

/*
 * Make in *OUT a new frame of IN with the chosen numeric columns replaced by their
 * logarithms; other columns pass through, shared. Returns AIWB_OK, or AIWB_EDATA (a named
 * column absent or categorical, a value <= -offset with invalid=error) or AIWB_ERR with
 * *cause set and *out NULL. Writes nothing in STATE, so threads may share it.
 */
int
transform_log_apply(const void *state, const struct aiwb_frame *in, struct aiwb_frame **out,
                    char **cause)
{
    const struct transform_log *s = state;
    size_t p = api->frame_cols(in), n = api->frame_rows(in);
    int *chosen = api->calloc(p + 1, sizeof *chosen);
    struct aiwb_frame *f = NULL;
    int rc;

    rc = choose_columns(s, in, chosen, cause);
    if (rc != AIWB_OK)
        goto out;
    f = api->frame_new(n);
    for (size_t c = 0; c < p && rc == AIWB_OK; c++) {
        const char *name = api->frame_col_name(in, c);
        double *y;

        if (!chosen[c]) {
            if ((rc = api->frame_copy_col(f, in, c, NULL)) != AIWB_OK)
                *cause = api->format("log: cannot pass column '%s' through", name);
            continue;
        }
        if ((y = api->frame_add_numeric(f, name)) == NULL) {
            *cause = api->format("log: cannot add column '%s' to the output", name);
            rc = AIWB_ERR;
            break;
        }
        rc = log_column(s, name, api->frame_numeric(in, c), y, n, cause);
    }
out:
    api->free(chosen);
    return predict_apply_end(api, rc, f, out);
}

const struct aiwb_transform_type apply_log = {
    .abi_version = AIWB_ABI_VERSION,
    .size = sizeof(struct aiwb_transform_type),
    .name = "log",
    .flags = TRANSFORM_LOG_FLAGS,
    .state_version = TRANSFORM_LOG_STATE_VERSION,
    .state_size = sizeof(struct transform_log),
    .init = transform_log_init,
    .apply = transform_log_apply,
    .fini = transform_log_fini,
};
