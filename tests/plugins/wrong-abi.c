/*
 * wrong-abi.c - a test-only plugin built for ABI 999: a well-formed module
 * that the host must refuse at AIWB_PLUGIN_BEGIN, naming both versions.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <config.h>

#include <aiwb/plugin.h>

/* As if built against a header from a far future aiwb. */
#undef AIWB_ABI_VERSION
#define AIWB_ABI_VERSION 999

static const struct aiwb_host_api *api;

static int
future_apply(const void *state, const struct aiwb_frame *in, struct aiwb_frame **out,
             char **cause)
{
    size_t n = api->frame_rows(in);
    struct aiwb_frame *f = api->frame_new(n);

    (void)state, (void)cause;
    for (size_t c = 0; c < api->frame_cols(in); c++)
        api->frame_copy_col(f, in, c, NULL);
    *out = f;
    return AIWB_OK;
}

static const struct aiwb_option_spec future_options[] = {
    {.name = "keep",
     .type = AIWB_OPT_BOOL,
     .def = "true",
     .help = "keep every column"},
    {.name = NULL},
};

static const struct aiwb_transform_type future_type = {
    .abi_version = AIWB_ABI_VERSION,
    .size = sizeof(struct aiwb_transform_type),
    .name = "future_identity",
    .summary = "copy the frame (ABI 999)",
    .options = future_options,
    .flags = AIWB_CAP_MISSING | AIWB_CAP_CATEGORICAL,
    .apply = future_apply,
};

/* The module's entry point: declares "future" for ABI 999; the host refuses it. */
int
aiwb_plugin_init(struct aiwb_plugin *p, const struct aiwb_host_api *host)
{
    AIWB_PLUGIN_BEGIN(p, host, api, "future", "9.9.9");
    return api->register_transform(p, &future_type);
}
