/*
 * drift-cases.c - a test-only plugin of drift statistics: a good one, and
 * the descriptors the registry must refuse, one per value of the environment
 * variable AIWB_TEST_DRIFT (tests/unit/test-drift-plugin.c holds the
 * messages each must produce).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Without AIWB_TEST_DRIFT it registers the good statistic only.
 */
#include <config.h>

#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <aiwb/plugin.h>

static const struct aiwb_host_api *api;

/* The difference of the two samples' means (numeric), or of the shares of
 * level 0 (categorical); drift past `limit`. No distributions. */
static int
mean_compare(const struct aiwb_options *opts, const struct aiwb_drift_column *col,
             struct aiwb_drift_result *res, char **cause)
{
    double sum[2] = {0, 0}, n[2] = {0, 0}, limit = api->opt_real(opts, "limit");

    for (int s = 0; s < 2; s++) {
        size_t rows = s == 0 ? col->n_ref : col->n_cur;

        for (size_t i = 0; i < rows; i++) {
            if (col->type == AIWB_NUMERIC) {
                double x = s == 0 ? col->ref[i] : col->cur[i];

                if (isnan(x))
                    continue;
                if (x < 0) {
                    *cause = api->format("good_mean: column '%s' has a negative value", col->name);
                    return AIWB_EDATA;
                }
                sum[s] += x;
            } else {
                int32_t c = s == 0 ? col->ref_codes[i] : col->cur_codes[i];

                if (c == AIWB_NA_CODE)
                    continue;
                sum[s] += c == 0;
            }
            n[s]++;
        }
    }
    res->text = api->format("%zu levels", col->nlevels);
    if (n[0] == 0 || n[1] == 0) {
        res->statistic = res->p = res->effect = NAN;
        res->verdict = AIWB_DRIFT_TOO_FEW;
        return AIWB_OK;
    }
    res->statistic = res->effect = sum[1] / n[1] - sum[0] / n[0];
    res->p = NAN;
    res->effect_name = "difference";
    res->severity = fabs(res->effect) / limit;
    res->verdict = fabs(res->effect) >= limit ? AIWB_DRIFT_DRIFT : AIWB_DRIFT_STABLE;
    return AIWB_OK;
}

static const struct aiwb_option_spec mean_options[] = {
    {.name = "limit",
     .type = AIWB_OPT_REAL,
     .def = "1",
     .min = 0,
     .max = INFINITY,
     .flags = AIWB_OPT_MIN_EXCLUSIVE,
     .help = "the difference from which it is drift"},
    {.name = NULL},
};

static const struct aiwb_drift_type good_type = {
    .abi_version = AIWB_ABI_VERSION,
    .size = sizeof(struct aiwb_drift_type),
    .name = "good_mean",
    .summary = "difference of the means, for tests",
    .help = "No binning.",
    .options = mean_options,
    .flags = AIWB_DRIFT_NUMERIC | AIWB_DRIFT_CATEGORICAL,
    .compare = mean_compare,
};

static const struct aiwb_drift_type no_compare_type = {
    .abi_version = AIWB_ABI_VERSION,
    .size = sizeof(struct aiwb_drift_type),
    .name = "bad_no_compare",
    .summary = "a statistic without compare",
    .flags = AIWB_DRIFT_NUMERIC,
};

static const struct aiwb_drift_type no_types_type = {
    .abi_version = AIWB_ABI_VERSION,
    .size = sizeof(struct aiwb_drift_type),
    .name = "bad_no_types",
    .summary = "a statistic of no column type",
    .flags = AIWB_CAP_MISSING,
    .compare = mean_compare,
};

static const struct aiwb_drift_type bad_name_type = {
    .abi_version = AIWB_ABI_VERSION,
    .size = sizeof(struct aiwb_drift_type),
    .name = "Bad Name",
    .summary = "a name that is not a lowercase identifier",
    .flags = AIWB_DRIFT_NUMERIC,
    .compare = mean_compare,
};

static const struct aiwb_drift_type future_type = {
    .abi_version = AIWB_ABI_VERSION + 1,
    .size = sizeof(struct aiwb_drift_type),
    .name = "bad_future",
    .summary = "a descriptor of the next ABI",
    .flags = AIWB_DRIFT_NUMERIC,
    .compare = mean_compare,
};

/* Ends before compare, which every drift statistic must have. */
static const struct aiwb_drift_type truncated_type = {
    .abi_version = AIWB_ABI_VERSION,
    .size = offsetof(struct aiwb_drift_type, compare),
    .name = "bad_truncated",
    .summary = "a descriptor that ends before compare",
    .flags = AIWB_DRIFT_NUMERIC,
    .compare = mean_compare,
};

static const struct aiwb_option_spec bad_default_options[] = {
    {.name = "limit", .type = AIWB_OPT_REAL, .def = "-1", .min = 0, .max = 1, .help = "bounded"},
    {.name = NULL},
};

static const struct aiwb_drift_type bad_default_type = {
    .abi_version = AIWB_ABI_VERSION,
    .size = sizeof(struct aiwb_drift_type),
    .name = "bad_default",
    .summary = "an option whose default is out of its bounds",
    .options = bad_default_options,
    .flags = AIWB_DRIFT_NUMERIC,
    .compare = mean_compare,
};

/* The name of a built-in statistic (plugins/drift.c). */
static const struct aiwb_drift_type clash_type = {
    .abi_version = AIWB_ABI_VERSION,
    .size = sizeof(struct aiwb_drift_type),
    .name = "psi",
    .summary = "a second psi",
    .flags = AIWB_DRIFT_NUMERIC,
    .compare = mean_compare,
};

/* The cases that register one descriptor after the good one. */
static const struct {
    const char *name;
    const struct aiwb_drift_type *type;
} cases[] = {
    {"no-compare", &no_compare_type},
    {"no-types", &no_types_type},
    {"bad-name", &bad_name_type},
    {"future", &future_type},
    {"truncated", &truncated_type},
    {"bad-default", &bad_default_type},
    {"clash", &clash_type},
    {"twice", &good_type},
    {"null", NULL},
};

/* The module's entry point: registers the good statistic, then misbehaves
 * as $AIWB_TEST_DRIFT says. */
int
aiwb_plugin_init(struct aiwb_plugin *p, const struct aiwb_host_api *host)
{
    const char *which = getenv("AIWB_TEST_DRIFT");
    int rc;

    AIWB_PLUGIN_BEGIN(p, host, api, "driftcases", "0.1");
    if ((rc = api->register_drift(p, &good_type)) != AIWB_OK)
        return rc;
    for (size_t i = 0; which != NULL && i < sizeof cases / sizeof cases[0]; i++)
        if (strcmp(which, cases[i].name) == 0)
            return api->register_drift(p, cases[i].type);
    return AIWB_OK;
}
