/*
 * transform-onehot.c - the onehot transform: each categorical column becomes one 0/1
 * column per level seen at fit time, matched by the level's text. This is the fit half
 * (options, fit, save); reading options, loading and applying live in
 * transform-onehot-apply.c.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include <aiwb/plugin.h>

#include "transform-onehot.h"

static const struct aiwb_host_api *api;

/* Learn the levels that occur in categorical column C of IN, in the frame's order. */
static int
fit_levels(const struct aiwb_frame *in, size_t c, struct onehot_column *col, char **cause)
{
    const int32_t *code = api->frame_codes(in, c);
    size_t n = api->frame_rows(in), nlev = api->frame_nlevels(in, c);
    unsigned char *seen = api->calloc(nlev + 1, 1);
    size_t k = 0;

    for (size_t i = 0; i < n; i++)
        if (code[i] >= 0 && (size_t)code[i] < nlev)
            seen[code[i]] = 1;
    for (size_t l = 0; l < nlev; l++)
        k += seen[l];
    col->levels = api->calloc(k + 1, sizeof *col->levels);
    for (size_t l = 0; l < nlev; l++)
        if (seen[l])
            col->levels[col->n_levels++] = api->strdup(api->frame_level(in, c, (int32_t)l));
    api->free(seen);
    if (col->n_levels == 0) {
        *cause = api->format("onehot: column '%s' has no values to learn levels from", col->name);
        return AIWB_EDATA;
    }
    onehot_index_column(col);
    return AIWB_OK;
}

static int
onehot_fit(void *state, const struct aiwb_frame *in, char **cause)
{
    struct onehot *s = state;
    size_t p = api->frame_cols(in);
    int rc = AIWB_OK;

    onehot_clear(s);
    s->cols = api->calloc(p + 1, sizeof *s->cols);
    for (size_t c = 0; c < p && rc == AIWB_OK; c++) {
        struct onehot_column *col = &s->cols[s->n_cols++];
        col->name = api->strdup(api->frame_col_name(in, c));
        col->type = api->frame_col_type(in, c);
        if (col->type == AIWB_CATEGORICAL)
            rc = fit_levels(in, c, col, cause);
    }
    if (rc != AIWB_OK)
        onehot_clear(s);
    return rc;
}

static int
onehot_save(const void *state, struct aiwb_writer *w)
{
    const struct onehot *s = state;
    size_t n = s->n_cols, total = 0, t = 0;
    const char **names = api->calloc(n + 1, sizeof *names);
    int64_t *types = api->calloc(n + 1, sizeof *types);
    int64_t *counts = api->calloc(n + 1, sizeof *counts);
    const char **levels;
    int rc;

    for (size_t j = 0; j < n; j++)
        total += s->cols[j].n_levels;
    levels = api->calloc(total + 1, sizeof *levels);
    for (size_t j = 0; j < n; j++) {
        names[j] = s->cols[j].name;
        types[j] = s->cols[j].type;
        counts[j] = (int64_t)s->cols[j].n_levels;
        for (size_t l = 0; l < s->cols[j].n_levels; l++)
            levels[t++] = s->cols[j].levels[l];
    }
    if ((rc = api->put_int(w, "drop_first", s->drop_first)) == AIWB_OK &&
        (rc = api->put_strs(w, "columns", n, names)) == AIWB_OK &&
        (rc = api->put_ints(w, "types", n, types)) == AIWB_OK &&
        (rc = api->put_ints(w, "n_levels", n, counts)) == AIWB_OK)
        rc = api->put_strs(w, "levels", total, levels);
    api->free(names);
    api->free(types);
    api->free(counts);
    api->free(levels);
    return rc;
}

static const struct aiwb_option_spec onehot_options[] = {
    {.name = "drop_first",
     .type = AIWB_OPT_BOOL,
     .def = "false",
     .help = "leave out the column of each categorical column's first level, as R's treatment "
             "contrasts (a column with one level then gives no columns at all)"},
    {.name = NULL},
};

static const struct aiwb_transform_type onehot_type = {
    .abi_version = AIWB_ABI_VERSION,
    .size = sizeof(struct aiwb_transform_type),
    .name = "onehot",
    .summary = "encode categorical columns as 0/1 columns, one per level",
    .help = "Each categorical column becomes 0/1 columns '<column>=<level>', one per level\n"
            "seen at fit time in the level order (a column with a single level still gets\n"
            "its column); drop_first=true drops the first level's, as R's treatment coding.\n"
            "Missing values and levels not seen at fit time give all zeros, with a warning.\n"
            "Numeric columns pass through.",
    .options = onehot_options,
    .flags = TRANSFORM_ONEHOT_FLAGS,
    .state_version = TRANSFORM_ONEHOT_STATE_VERSION,
    .state_size = sizeof(struct onehot),
    .init = onehot_init,
    .fit = onehot_fit,
    .apply = onehot_apply,
    .save = onehot_save,
    .load = onehot_load,
    .fini = onehot_fini,
};

/*
 * The module's entry point: declare the module "onehot" and register its one transform.
 * Returns AIWB_OK, or the host's refusal (AIWB_EABI, AIWB_EINVAL).
 */
int
aiwb_plugin_init(struct aiwb_plugin *p, const struct aiwb_host_api *host)
{
    AIWB_PLUGIN_BEGIN(p, host, api, "onehot", "1.0.0");
    transform_onehot_bind(host);
    return api->register_transform(p, &onehot_type);
}
