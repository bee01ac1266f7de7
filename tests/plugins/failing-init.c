/*
 * failing-init.c - a test-only plugin whose initialisation fails after it
 * has declared itself and registered a component: the host must refuse it,
 * register nothing from it, and pass on the reason it logged.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <config.h>

#include <aiwb/plugin.h>

static const struct aiwb_host_api *api;

static int
doomed_apply(const void *state, const struct aiwb_frame *in, struct aiwb_frame **out,
             char **cause)
{
    (void)state, (void)in, (void)out;
    *cause = api->format("doomed_identity: must never run");
    return AIWB_ERR;
}

static const struct aiwb_transform_type doomed_type = {
    .abi_version = AIWB_ABI_VERSION,
    .size = sizeof(struct aiwb_transform_type),
    .name = "doomed_identity",
    .summary = "registered by a module whose init then fails",
    .apply = doomed_apply,
};

/* The module's entry point: registers a transform, logs why it cannot work
 * and returns AIWB_ERR. */
int
aiwb_plugin_init(struct aiwb_plugin *p, const struct aiwb_host_api *host)
{
    int rc;

    AIWB_PLUGIN_BEGIN(p, host, api, "failing", "0.0.1");
    if ((rc = api->register_transform(p, &doomed_type)) != AIWB_OK)
        return rc;
    api->log(AIWB_LOG_ERROR, "failing: cannot find its licence key 'failing.key'");
    return AIWB_ERR;
}
