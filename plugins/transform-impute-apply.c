/*
 * transform-impute-apply.c - the apply half of the impute plugin: reading the options,
 * loading a fitted state and filling missing values with it, shared by the plugin module
 * and the exported prediction server.
 *
 * Copyright (C) 2026 the aiwb developers
 * SPDX-License-Identifier: MIT
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include <aiwb/plugin.h>

#include "predict-common.h"
#include "transform-impute.h"

static const struct aiwb_host_api *api;

static const char *const strategy_names[] = {"mean", "median", "most_frequent", "constant"};

/*
 * Keep HOST as the table this half calls. The plugin module calls it from
 * aiwb_plugin_init, the server with its own host table, before anything else.
 */
void
transform_impute_bind(const struct aiwb_host_api *host)
{
    api = host;
}

/* The option word of strategy S, a static string ("?" for no strategy). */
const char *
impute_strategy_name(enum impute_strategy s)
{
    return (unsigned)s < IMPUTE_N_STRATEGIES ? strategy_names[s] : "?";
}

/* Free the fitted columns of S, leaving it with none; S may have none already. */
void
impute_clear(struct impute *s)
{
    for (size_t j = 0; j < s->n_cols; j++) {
        api->free(s->cols[j].name);
        api->free(s->cols[j].level);
        api->free(s->cols[j].indicator);
    }
    api->free(s->cols);
    s->cols = NULL;
    s->n_cols = 0;
}

/* Free what init, fit and load allocated in STATE. */
void
impute_fini(void *state)
{
    struct impute *s = state;

    impute_clear(s);
    api->free(s->fill_value);
    s->fill_value = NULL;
}

/*
 * Read the options strategy, fill_value and indicators into STATE. Returns AIWB_OK, or
 * AIWB_EINVAL with *cause set when fill_value and strategy=constant do not go together.
 */
int
impute_init(void *state, const struct aiwb_options *opts, char **cause)
{
    struct impute *s = state;
    const char *strategy = api->opt_str(opts, "strategy");
    const char *fill = api->opt_str(opts, "fill_value");

    s->strategy = IMPUTE_MEAN;
    for (size_t k = 0; strategy != NULL && k < IMPUTE_N_STRATEGIES; k++)
        if (strcmp(strategy, strategy_names[k]) == 0)
            s->strategy = (enum impute_strategy)k;
    if (s->strategy == IMPUTE_CONSTANT && fill == NULL) {
        *cause = api->format("impute: strategy=constant needs fill_value");
        return AIWB_EINVAL;
    }
    if (s->strategy != IMPUTE_CONSTANT && fill != NULL) {
        *cause = api->format("impute: fill_value is only used with strategy=constant, "
                             "not strategy=%s",
                             strategy_names[s->strategy]);
        return AIWB_EINVAL;
    }
    s->indicators = api->opt_bool(opts, "indicators");
    s->fill_value = fill != NULL ? api->strdup(fill) : NULL;
    return AIWB_OK;
}

/* Name the indicator columns: "<name>_missing" for each column that had missing values. */
void
impute_name_indicators(struct impute *s)
{
    for (size_t j = 0; j < s->n_cols; j++)
        if (s->cols[j].had_missing && s->cols[j].indicator == NULL)
            s->cols[j].indicator = api->format("%s_missing", s->cols[j].name);
}

/*
 * Refuse a frame IN that already has a column named as one of the indicators: AIWB_EDATA
 * with *cause set, else AIWB_OK.
 */
int
impute_check_indicator_names(const struct impute *s, const struct aiwb_frame *in, char **cause)
{
    for (size_t j = 0; s->indicators && j < s->n_cols; j++) {
        const char *name = s->cols[j].indicator;
        if (name != NULL && api->frame_find(in, name) >= 0) {
            *cause = api->format("impute: indicator column '%s' clashes with a column of "
                                 "that name",
                                 name);
            return AIWB_EDATA;
        }
    }
    return AIWB_OK;
}

static int
has_missing(const struct aiwb_frame *in, size_t c)
{
    size_t n = api->frame_rows(in);

    if (api->frame_col_type(in, c) == AIWB_NUMERIC) {
        const double *x = api->frame_numeric(in, c);
        for (size_t i = 0; i < n; i++)
            if (isnan(x[i]))
                return 1;
    } else {
        const int32_t *code = api->frame_codes(in, c);
        for (size_t i = 0; i < n; i++)
            if (code[i] == AIWB_NA_CODE)
                return 1;
    }
    return 0;
}

/*
 * Add column C of IN to OUT with its missing values filled as COL says. The column is
 * shared with IN and copied on the first write, so a column without missing values costs
 * nothing, and a categorical one keeps its levels (the fill level joins at the end if new).
 */
static int
fill_column(const struct impute_column *col, const struct aiwb_frame *in, size_t c,
            struct aiwb_frame *out, char **cause)
{
    size_t n = api->frame_rows(in), oc = api->frame_cols(out);

    if (api->frame_copy_col(out, in, c, NULL) != AIWB_OK) {
        *cause = api->format("impute: cannot add column '%s' to the output", col->name);
        return AIWB_ERR;
    }
    if (!has_missing(in, c))
        return AIWB_OK;
    if (col->type == AIWB_NUMERIC) {
        double *y = api->frame_numeric_mut(out, oc);
        for (size_t i = 0; i < n; i++)
            if (isnan(y[i]))
                y[i] = col->value;
    } else {
        int32_t fill = api->frame_level_intern(out, oc, col->level, strlen(col->level));
        int32_t *y;
        if (fill < 0) {
            *cause =
                api->format("impute: cannot add level '%s' to column '%s'", col->level, col->name);
            return AIWB_EDATA;
        }
        y = api->frame_codes_mut(out, oc);
        for (size_t i = 0; i < n; i++)
            if (y[i] == AIWB_NA_CODE)
                y[i] = fill;
    }
    return AIWB_OK;
}

/* Add COL's 0/1 indicator column, from column C of IN, to OUT. */
static int
add_indicator(const struct impute_column *col, const struct aiwb_frame *in, size_t c,
              struct aiwb_frame *out, char **cause)
{
    size_t n = api->frame_rows(in);
    double *y = api->frame_add_numeric(out, col->indicator);

    if (y == NULL) {
        *cause = api->format("impute: cannot add column '%s' to the output", col->indicator);
        return AIWB_ERR;
    }
    if (col->type == AIWB_NUMERIC) {
        const double *x = api->frame_numeric(in, c);
        for (size_t i = 0; i < n; i++)
            y[i] = isnan(x[i]) ? 1.0 : 0.0;
    } else {
        const int32_t *code = api->frame_codes(in, c);
        for (size_t i = 0; i < n; i++)
            y[i] = code[i] == AIWB_NA_CODE ? 1.0 : 0.0;
    }
    return AIWB_OK;
}

/*
 * Make in *OUT a new frame of IN with the missing values of each fitted column filled
 * (and, with indicators=true, a 0/1 column after each column that had missing values at
 * fit time); other columns pass through, shared. Returns AIWB_OK, or AIWB_EDATA (a fitted
 * column absent or of another type, an indicator's name taken) or AIWB_ERR with *cause
 * set and *out NULL. Writes nothing in STATE, so threads may share it.
 */
int
impute_apply(const void *state, const struct aiwb_frame *in, struct aiwb_frame **out, char **cause)
{
    const struct impute *s = state;
    size_t p = api->frame_cols(in);
    long *fit_of = api->alloc((p + 1) * sizeof *fit_of);
    struct aiwb_frame *f = NULL;
    int rc;

    rc = predict_match_columns(api, "impute", in, s->cols, s->n_cols, sizeof *s->cols,
                               offsetof(struct impute_column, type), fit_of, NULL, cause);
    if (rc == AIWB_OK)
        rc = impute_check_indicator_names(s, in, cause);
    if (rc != AIWB_OK)
        goto out;
    f = api->frame_new(api->frame_rows(in));
    for (size_t c = 0; c < p && rc == AIWB_OK; c++) {
        const struct impute_column *col;
        if (fit_of[c] < 0) {
            rc = api->frame_copy_col(f, in, c, NULL);
            if (rc != AIWB_OK)
                *cause = api->format("impute: cannot pass column '%s' through",
                                     api->frame_col_name(in, c));
            continue;
        }
        col = &s->cols[fit_of[c]];
        rc = fill_column(col, in, c, f, cause);
        if (rc == AIWB_OK && s->indicators && col->had_missing)
            rc = add_indicator(col, in, c, f, cause);
    }
out:
    api->free(fit_of);
    return predict_apply_end(api, rc, f, out);
}

/*
 * Read the state impute's save wrote (VERSION must be this plugin's) into STATE, replacing
 * what it held. Returns AIWB_OK, or AIWB_EDATA with *cause set for another version or an
 * inconsistent state, or the reader's status (the host reports it).
 */
int
impute_load(void *state, struct aiwb_reader *r, unsigned version, char **cause)
{
    struct impute *s = state;
    int64_t strategy, indicators, has_fill;
    char *fill = NULL, **names = NULL, **levels = NULL;
    int64_t *types = NULL, *had = NULL;
    double *values = NULL;
    size_t n_names = 0, n_types = 0, n_had = 0, n_values = 0, n_levels = 0;
    int rc;

    rc = predict_state_version(api, "impute", version, TRANSFORM_IMPUTE_STATE_VERSION, cause);
    if (rc != AIWB_OK)
        return rc;
    impute_fini(s);
    if ((rc = api->get_int(r, "strategy", &strategy)) != AIWB_OK ||
        (rc = api->get_int(r, "indicators", &indicators)) != AIWB_OK ||
        (rc = api->get_int(r, "has_fill_value", &has_fill)) != AIWB_OK ||
        (rc = api->get_str(r, "fill_value", &fill)) != AIWB_OK ||
        (rc = api->get_strs(r, "columns", &n_names, &names)) != AIWB_OK ||
        (rc = api->get_ints(r, "types", &n_types, &types)) != AIWB_OK ||
        (rc = api->get_ints(r, "had_missing", &n_had, &had)) != AIWB_OK ||
        (rc = api->get_reals(r, "values", &n_values, &values)) != AIWB_OK ||
        (rc = api->get_strs(r, "levels", &n_levels, &levels)) != AIWB_OK)
        goto out;
    rc = AIWB_EDATA;
    if (strategy < 0 || (size_t)strategy >= IMPUTE_N_STRATEGIES || n_types != n_names ||
        n_had != n_names || n_values != n_names || n_levels != n_names) {
        *cause = api->format("impute: saved state is inconsistent");
        goto out;
    }
    if (predict_check_types(api, "impute", names, types, n_names, cause) != AIWB_OK)
        goto out;
    s->strategy = (enum impute_strategy)strategy;
    s->indicators = indicators != 0;
    if (has_fill) {
        s->fill_value = fill;
        fill = NULL;
    }
    s->cols = api->calloc(n_names + 1, sizeof *s->cols);
    for (size_t j = 0; j < n_names; j++) {
        struct impute_column *col = &s->cols[s->n_cols++];
        col->name = names[j];
        col->type = (enum aiwb_coltype)types[j];
        col->had_missing = had[j] != 0;
        col->value = values[j];
        if (col->type == AIWB_CATEGORICAL) {
            col->level = levels[j];
            levels[j] = NULL;
        }
        names[j] = NULL;
    }
    impute_name_indicators(s);
    rc = AIWB_OK;
out:
    api->free(fill);
    predict_free_strs(api, names, n_names);
    predict_free_strs(api, levels, n_levels);
    api->free(types);
    api->free(had);
    api->free(values);
    return rc;
}

const struct aiwb_transform_type apply_impute = {
    .abi_version = AIWB_ABI_VERSION,
    .size = sizeof(struct aiwb_transform_type),
    .name = "impute",
    .flags = TRANSFORM_IMPUTE_FLAGS,
    .state_version = TRANSFORM_IMPUTE_STATE_VERSION,
    .state_size = sizeof(struct impute),
    .init = impute_init,
    .apply = impute_apply,
    .load = impute_load,
    .fini = impute_fini,
};
