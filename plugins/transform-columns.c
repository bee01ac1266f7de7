/*
 * transform-columns.c - the select, drop and rename transforms: choose, remove or rename
 * columns by name, keeping every row and sharing the columns' data with the input. This
 * half declares the options and saves them; parsing, loading and applying live in
 * transform-columns-apply.c.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <config.h>

#include <aiwb/plugin.h>

#include "transform-columns.h"

static const struct aiwb_host_api *api;

static int
columns_save(const void *state, struct aiwb_writer *w)
{
    const struct columns *s = state;

    return api->put_str(w, columns_option_name(s->verb), s->text != NULL ? s->text : "");
}

static const struct aiwb_option_spec select_options[] = {
    {.name = "columns",
     .type = AIWB_OPT_STRING,
     .help =
         "the columns to keep, comma-separated, in the order wanted; NAME* stands for every "
         "column whose name starts with NAME (in the frame's order), * alone for all the others "
         "('target,*' moves target first); each column comes out once, where first named"},
    {.name = NULL},
};

static const struct aiwb_option_spec drop_options[] = {
    {.name = "columns",
     .type = AIWB_OPT_STRING,
     .help = "the columns to remove, comma-separated; NAME* stands for every column whose name "
             "starts with NAME"},
    {.name = NULL},
};

static const struct aiwb_option_spec rename_options[] = {
    {.name = "map",
     .type = AIWB_OPT_STRING,
     .help = "the renamings, comma-separated OLD:NEW pairs ('age:years,cty:city'); the names after "
             "renaming must be unique, so a new name may only be one that is renamed away too "
             "('a:b,b:a' swaps)"},
    {.name = NULL},
};

static const struct aiwb_transform_type select_type = {
    .abi_version = AIWB_ABI_VERSION,
    .size = sizeof(struct aiwb_transform_type),
    .name = "select",
    .summary = "keep only the named columns, in the order named",
    .help = "select(columns='price,area,district') keeps those columns in that order;\n"
            "select(columns='x*') keeps every column whose name starts with x. A name that\n"
            "matches no column is an error that lists the columns. Rows and values are\n"
            "left as they are. In `train ... with`, the target is not among the columns.",
    .options = select_options,
    .flags = TRANSFORM_COLUMNS_FLAGS,
    .state_version = TRANSFORM_COLUMNS_STATE_VERSION,
    .state_size = sizeof(struct columns),
    .init = columns_select_init,
    .apply = columns_select_apply,
    .save = columns_save,
    .load = columns_select_load,
    .fini = columns_fini,
};

static const struct aiwb_transform_type drop_type = {
    .abi_version = AIWB_ABI_VERSION,
    .size = sizeof(struct aiwb_transform_type),
    .name = "drop",
    .summary = "remove the named columns",
    .help = "drop(columns='id,notes') removes those columns; drop(columns='tmp_*') every\n"
            "column whose name starts with tmp_. A name that matches no column is an error\n"
            "that lists the columns, and so is dropping them all.",
    .options = drop_options,
    .flags = TRANSFORM_COLUMNS_FLAGS,
    .state_version = TRANSFORM_COLUMNS_STATE_VERSION,
    .state_size = sizeof(struct columns),
    .init = columns_drop_init,
    .apply = columns_drop_apply,
    .save = columns_save,
    .load = columns_drop_load,
    .fini = columns_fini,
};

static const struct aiwb_transform_type rename_type = {
    .abi_version = AIWB_ABI_VERSION,
    .size = sizeof(struct aiwb_transform_type),
    .name = "rename",
    .summary = "rename columns (map='old:new,...')",
    .help = "rename(map='cty:city,yrs:age') gives columns new names and keeps their order\n"
            "and values. Renaming a column that does not exist, or onto the name of a\n"
            "column that stays, is an error; map='a:b,b:a' swaps two names.",
    .options = rename_options,
    .flags = TRANSFORM_COLUMNS_FLAGS,
    .state_version = TRANSFORM_COLUMNS_STATE_VERSION,
    .state_size = sizeof(struct columns),
    .init = columns_rename_init,
    .apply = columns_rename_apply,
    .save = columns_save,
    .load = columns_rename_load,
    .fini = columns_fini,
};

/*
 * The module's entry point: declare the module "columns" and register select, drop and
 * rename. Returns AIWB_OK, or the host's refusal (AIWB_EABI, AIWB_EINVAL).
 */
int
aiwb_plugin_init(struct aiwb_plugin *p, const struct aiwb_host_api *host)
{
    int rc;

    AIWB_PLUGIN_BEGIN(p, host, api, "columns", "1.0.0");
    transform_columns_bind(host);
    if ((rc = api->register_transform(p, &select_type)) != AIWB_OK ||
        (rc = api->register_transform(p, &drop_type)) != AIWB_OK)
        return rc;
    return api->register_transform(p, &rename_type);
}
