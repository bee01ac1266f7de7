/*
 * example-plugin.c - a plugin as an outside author writes it: built out of
 * tree against the installed <aiwb/plugin.h> found by pkg-config, without
 * aiwb's config.h or build system (tests/shell/plugins.sh builds and loads it).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 *     cc -shared -fPIC $(pkg-config --cflags aiwb) -o example.so example-plugin.c
 */
#include <aiwb/plugin.h>

static const struct aiwb_host_api *api;

static const struct aiwb_option_spec scale_options[] = {
    {.name = "factor",
     .type = AIWB_OPT_REAL,
     .def = "2",
     .help = "multiply numeric columns by this"},
    {.name = NULL},
};

struct scale {
    double factor;
};

static int
scale_init(void *state, const struct aiwb_options *opts, char **cause)
{
    struct scale *s = state;

    (void)cause;
    s->factor = api->opt_real(opts, "factor");
    return AIWB_OK;
}

static int
scale_apply(const void *state, const struct aiwb_frame *in, struct aiwb_frame **out,
            char **cause)
{
    const struct scale *s = state;
    size_t n = api->frame_rows(in);
    struct aiwb_frame *f = api->frame_new(n);

    for (size_t c = 0; c < api->frame_cols(in); c++) {
        const char *name = api->frame_col_name(in, c);
        const double *x = api->frame_numeric(in, c);
        double *y;

        if (x == NULL) {
            if (api->frame_copy_col(f, in, c, NULL) != AIWB_OK) {
                *cause = api->format("example_scale: cannot copy column '%s'", name);
                api->frame_free(f);
                return AIWB_ERR;
            }
            continue;
        }
        y = api->frame_add_numeric(f, name);
        for (size_t i = 0; i < n; i++)
            y[i] = s->factor * x[i];
    }
    *out = f;
    return AIWB_OK;
}

static const struct aiwb_transform_type scale_type = {
    .abi_version = AIWB_ABI_VERSION,
    .size = sizeof(struct aiwb_transform_type),
    .name = "example_scale",
    .summary = "multiply every numeric column by a factor",
    .options = scale_options,
    .flags = AIWB_CAP_MISSING | AIWB_CAP_CATEGORICAL,
    .state_size = sizeof(struct scale),
    .init = scale_init,
    .apply = scale_apply,
};

/* The module's entry point: declares "example" and its one transform. */
int
aiwb_plugin_init(struct aiwb_plugin *p, const struct aiwb_host_api *host)
{
    AIWB_PLUGIN_BEGIN(p, host, api, "example", "1.0.0");
    return api->register_transform(p, &scale_type);
}
