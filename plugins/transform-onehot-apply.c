/*
 * transform-onehot-apply.c - the apply half of the onehot plugin: reading the options,
 * loading a fitted state and encoding with it, shared by the plugin module and the
 * exported prediction server.
 *
 * Copyright (C) 2026 the aiwb developers
 * SPDX-License-Identifier: MIT
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <aiwb/plugin.h>

#include "predict-common.h"
#include "transform-onehot.h"

static const struct aiwb_host_api *api;

/*
 * Keep HOST as the table this half calls. The plugin module calls it from
 * aiwb_plugin_init, the server with its own host table, before anything else.
 */
void
transform_onehot_bind(const struct aiwb_host_api *host)
{
    api = host;
}

/* Free the fitted columns of S, leaving it with none; S may have none already. */
void
onehot_clear(struct onehot *s)
{
    for (size_t j = 0; j < s->n_cols; j++) {
        struct onehot_column *col = &s->cols[j];
        predict_free_strs(api, col->levels, col->n_levels);
        predict_free_strs(api, col->outputs, col->n_levels);
        api->free(col->sorted);
        api->free(col->name);
    }
    api->free(s->cols);
    s->cols = NULL;
    s->n_cols = 0;
}

/* Free what fit and load allocated in STATE. */
void
onehot_fini(void *state)
{
    onehot_clear(state);
}

/* Read the option drop_first into STATE. Never fails. */
int
onehot_init(void *state, const struct aiwb_options *opts, char **cause)
{
    struct onehot *s = state;

    (void)cause;
    s->drop_first = api->opt_bool(opts, "drop_first");
    return AIWB_OK;
}

static int
compare_entries(const void *a, const void *b)
{
    return strcmp(((const struct onehot_entry *)a)->text, ((const struct onehot_entry *)b)->text);
}

/*
 * Build COL's lookup table from its levels, and the names of its output columns: made
 * once here, so that apply, which may run once per row, formats nothing.
 */
void
onehot_index_column(struct onehot_column *col)
{
    col->sorted = api->calloc(col->n_levels + 1, sizeof *col->sorted);
    col->outputs = api->calloc(col->n_levels + 1, sizeof *col->outputs);
    for (size_t l = 0; l < col->n_levels; l++) {
        col->sorted[l].text = col->levels[l];
        col->sorted[l].index = l;
        col->outputs[l] = api->format("%s=%s", col->name, col->levels[l]);
    }
    qsort(col->sorted, col->n_levels, sizeof *col->sorted, compare_entries);
}

/* The index in COL's levels of the level TEXT, or -1 if fit did not see it. */
static long
find_level(const struct onehot_column *col, const char *text)
{
    struct onehot_entry key = {text, 0};
    const struct onehot_entry *e =
        bsearch(&key, col->sorted, col->n_levels, sizeof *col->sorted, compare_entries);

    return e != NULL ? (long)e->index : -1;
}

/* Log how many rows of COL got all zeros, and why; UNSEEN is one unseen level or NULL. */
static void
warn_zeros(const struct onehot_column *col, size_t n_missing, size_t n_unseen, const char *unseen)
{
    size_t n = n_missing + n_unseen;

    if (n_unseen == 0)
        api->log(AIWB_LOG_WARN,
                 "onehot: column '%s': %zu %s with a missing value encoded "
                 "as all zeros",
                 col->name, n, n == 1 ? "row" : "rows");
    else
        api->log(AIWB_LOG_WARN,
                 "onehot: column '%s': %zu %s encoded as all zeros (%zu "
                 "missing, %zu with a level not seen at fit time, such as '%s')",
                 col->name, n, n == 1 ? "row" : "rows", n_missing, n_unseen, unseen);
}

/*
 * Add the 0/1 columns of categorical column C of IN, fitted as COL, to OUT. The codes of
 * IN are mapped to COL's levels by their text: through a table of IN's levels when there
 * are at least as many rows, one lookup per row when there are fewer (a single row to
 * predict costs one lookup, whatever the number of levels its frame knows).
 */
static int
encode_column(const struct onehot *s, const struct onehot_column *col, const struct aiwb_frame *in,
              size_t c, struct aiwb_frame *out, char **cause)
{
    const int32_t *code = api->frame_codes(in, c);
    size_t n = api->frame_rows(in), nlev = api->frame_nlevels(in, c);
    size_t first = s->drop_first ? 1 : 0, n_missing = 0, n_unseen = 0;
    long *map = n >= nlev ? api->alloc((nlev + 1) * sizeof *map) : NULL;
    double **y = api->calloc(col->n_levels + 1, sizeof *y);
    const char *unseen = NULL;
    int rc = AIWB_OK;

    for (size_t k = 0; map != NULL && k < nlev; k++)
        map[k] = find_level(col, api->frame_level(in, c, (int32_t)k));
    for (size_t l = first; l < col->n_levels; l++) {
        y[l] = api->frame_add_numeric(out, col->outputs[l]);
        if (y[l] == NULL) {
            *cause = api->format("onehot: column '%s' clashes with a column of that name",
                                 col->outputs[l]);
            rc = AIWB_EDATA;
            goto out;
        }
    }
    for (size_t i = 0; i < n; i++) {
        long l = -2;
        if (code[i] >= 0 && (size_t)code[i] < nlev)
            l = map != NULL ? map[code[i]] : find_level(col, api->frame_level(in, c, code[i]));
        if (l >= (long)first)
            y[l][i] = 1;
        else if (l == -2)
            n_missing++;
        else if (l == -1 && n_unseen++ == 0)
            unseen = api->frame_level(in, c, code[i]);
    }
    if (n_missing + n_unseen > 0)
        warn_zeros(col, n_missing, n_unseen, unseen);
out:
    api->free(map);
    api->free(y);
    return rc;
}

/*
 * Make in *OUT a new frame of IN with each fitted categorical column replaced by its 0/1
 * columns (a missing value or a level fit did not see gives zeros, with a warning);
 * other columns pass through, shared. Returns AIWB_OK, or AIWB_EDATA (a fitted column
 * absent or of another type, a name clash) with *cause set and *out NULL. Writes nothing
 * in STATE, so threads may share it.
 */
int
onehot_apply(const void *state, const struct aiwb_frame *in, struct aiwb_frame **out, char **cause)
{
    const struct onehot *s = state;
    size_t p = api->frame_cols(in);
    long *fit_of = api->alloc((p + 1) * sizeof *fit_of);
    struct aiwb_frame *f = NULL;
    int rc;

    rc = predict_match_columns(api, "onehot", in, s->cols, s->n_cols, sizeof *s->cols,
                               offsetof(struct onehot_column, type), fit_of, NULL, cause);
    if (rc != AIWB_OK)
        goto out;
    f = api->frame_new(api->frame_rows(in));
    for (size_t c = 0; c < p && rc == AIWB_OK; c++) {
        const struct onehot_column *col = fit_of[c] >= 0 ? &s->cols[fit_of[c]] : NULL;
        if (col != NULL && col->type == AIWB_CATEGORICAL) {
            rc = encode_column(s, col, in, c, f, cause);
        } else if ((rc = api->frame_copy_col(f, in, c, NULL)) != AIWB_OK) {
            *cause = api->format("onehot: column '%s' clashes with a column of that name",
                                 api->frame_col_name(in, c));
        }
    }
out:
    api->free(fit_of);
    return predict_apply_end(api, rc, f, out);
}

/* Check the arrays load read: as many of each, known types, level counts adding up. */
static int
check_loaded(size_t n_names, size_t n_types, size_t n_counts, size_t n_levels, const int64_t *types,
             const int64_t *counts, char **cause)
{
    size_t total = 0;

    if (n_types != n_names || n_counts != n_names)
        goto bad;
    for (size_t j = 0; j < n_names; j++) {
        if (types[j] != AIWB_NUMERIC && types[j] != AIWB_CATEGORICAL)
            goto bad;
        if (counts[j] < 0 || (size_t)counts[j] > n_levels - total)
            goto bad;
        if ((types[j] == AIWB_NUMERIC) != (counts[j] == 0))
            goto bad;
        total += (size_t)counts[j];
    }
    if (total == n_levels)
        return AIWB_OK;
bad:
    *cause = api->format("onehot: saved state is inconsistent");
    return AIWB_EDATA;
}

/*
 * Read the state onehot's save wrote (VERSION must be this plugin's) into STATE,
 * replacing its columns. Returns AIWB_OK, or AIWB_EDATA with *cause set for another
 * version or an inconsistent state, or the reader's status (the host reports it).
 */
int
onehot_load(void *state, struct aiwb_reader *r, unsigned version, char **cause)
{
    struct onehot *s = state;
    int64_t drop_first, *types = NULL, *counts = NULL;
    char **names = NULL, **levels = NULL;
    size_t n_names = 0, n_types = 0, n_counts = 0, n_levels = 0, t = 0;
    int rc;

    rc = predict_state_version(api, "onehot", version, TRANSFORM_ONEHOT_STATE_VERSION, cause);
    if (rc != AIWB_OK)
        return rc;
    onehot_clear(s);
    if ((rc = api->get_int(r, "drop_first", &drop_first)) != AIWB_OK ||
        (rc = api->get_strs(r, "columns", &n_names, &names)) != AIWB_OK ||
        (rc = api->get_ints(r, "types", &n_types, &types)) != AIWB_OK ||
        (rc = api->get_ints(r, "n_levels", &n_counts, &counts)) != AIWB_OK ||
        (rc = api->get_strs(r, "levels", &n_levels, &levels)) != AIWB_OK)
        goto out;
    rc = check_loaded(n_names, n_types, n_counts, n_levels, types, counts, cause);
    if (rc != AIWB_OK)
        goto out;
    s->drop_first = drop_first != 0;
    s->cols = api->calloc(n_names + 1, sizeof *s->cols);
    for (size_t j = 0; j < n_names; j++) {
        struct onehot_column *col = &s->cols[s->n_cols++];
        col->name = names[j];
        names[j] = NULL;
        col->type = (enum aiwb_coltype)types[j];
        col->levels = api->calloc((size_t)counts[j] + 1, sizeof *col->levels);
        for (; col->n_levels < (size_t)counts[j]; t++) {
            col->levels[col->n_levels++] = levels[t];
            levels[t] = NULL;
        }
        if (col->type == AIWB_CATEGORICAL)
            onehot_index_column(col);
    }
out:
    predict_free_strs(api, names, n_names);
    predict_free_strs(api, levels, n_levels);
    api->free(types);
    api->free(counts);
    return rc;
}

const struct aiwb_transform_type apply_onehot = {
    .abi_version = AIWB_ABI_VERSION,
    .size = sizeof(struct aiwb_transform_type),
    .name = "onehot",
    .flags = TRANSFORM_ONEHOT_FLAGS,
    .state_version = TRANSFORM_ONEHOT_STATE_VERSION,
    .state_size = sizeof(struct onehot),
    .init = onehot_init,
    .apply = onehot_apply,
    .load = onehot_load,
    .fini = onehot_fini,
};
