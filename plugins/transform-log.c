/*
 * transform-log.c - the log transform: y = log(x + offset) in any base, for every numeric
 * column or the ones named. It learns nothing, so it has no fit: its options are its
 * state. This half declares the options; reading them and applying live in
 * transform-log-apply.c.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <config.h>

#include <math.h>

#include <aiwb/plugin.h>

#include "transform-log.h"

static const struct aiwb_host_api *api;

static const struct aiwb_option_spec log_options[] = {
    {.name = "base",
     .type = AIWB_OPT_REAL,
     .min = 0,
     .max = INFINITY,
     .flags = AIWB_OPT_MIN_EXCLUSIVE,
     .help = "the base of the logarithm (10, 2, or any number > 0 other than 1); the natural "
             "log (base e) when not given"},
    {.name = "offset",
     .type = AIWB_OPT_REAL,
     .def = "0",
     .help = "a number added to every value first: log(x + offset), so offset=1 gives "
             "log(1 + x) for counts with zeros"},
    {.name = "columns",
     .type = AIWB_OPT_STRING,
     .help = "the numeric columns to take the log of, as columns=Ozone or "
             "columns=(Ozone,Wind); every numeric column when not given"},
    {.name = "invalid",
     .type = AIWB_OPT_CHOICE,
     .def = "error",
     .choices = "error|missing",
     .help = "what a value <= -offset does, having no logarithm: stop with an error naming its "
             "column and row (error), or become a missing value (missing)"},
    {.name = NULL},
};

static const struct aiwb_transform_type log_type = {
    .abi_version = AIWB_ABI_VERSION,
    .size = sizeof(struct aiwb_transform_type),
    .name = "log",
    .summary = "take the logarithm of numeric columns: log(x + offset), any base",
    .help = "y = log(x + offset) / log(base) for every numeric column, or those named in\n"
            "columns=. A value <= -offset is an error naming its column and row, unless\n"
            "invalid=missing. It learns nothing at fit time. Missing values stay missing;\n"
            "categorical columns pass through.",
    .options = log_options,
    .flags = TRANSFORM_LOG_FLAGS,
    .state_version = TRANSFORM_LOG_STATE_VERSION,
    .state_size = sizeof(struct transform_log),
    .init = transform_log_init,
    .apply = transform_log_apply,
    .fini = transform_log_fini,
};

/*
 * The module's entry point: declare the module "log" and register its one transform.
 * Returns AIWB_OK, or the host's refusal (AIWB_EABI, AIWB_EINVAL).
 */
int
aiwb_plugin_init(struct aiwb_plugin *p, const struct aiwb_host_api *host)
{
    AIWB_PLUGIN_BEGIN(p, host, api, "log", "1.0.0");
    transform_log_bind(host);
    return api->register_transform(p, &log_type);
}
