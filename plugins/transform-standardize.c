/*
 * transform-standardize.c - the standardize transform: z = (x - mean) / sd for numeric
 * columns, with the population sd (ddof 0) as scikit-learn's StandardScaler. This is the
 * fit half (options, fit, save); reading options, loading and applying live in
 * transform-standardize-apply.c.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <config.h>

#include <math.h>
#include <string.h>

#include <aiwb/plugin.h>

#include "transform-standardize.h"

static const struct aiwb_host_api *api;

/* The sum of X[0..N-1] with Neumaier's compensation. */
static double
sum_of(const double *x, size_t n)
{
    double sum = 0, comp = 0;

    for (size_t i = 0; i < n; i++) {
        double t = sum + x[i];
        if (fabs(sum) >= fabs(x[i]))
            comp += (sum - t) + x[i];
        else
            comp += (x[i] - t) + sum;
        sum = t;
    }
    return sum + comp;
}

/*
 * The mean and population sd of the N > 0 values X, by the corrected two-pass
 * algorithm (Chan, Golub and LeVeque): the second pass subtracts the rounding error
 * left in the mean. A constant column gets its value as mean and scale 1 exactly.
 */
static void
moments(double *x, size_t n, double *mean, double *scale)
{
    double m, ss = 0, comp, lo = x[0], hi = x[0];

    for (size_t i = 1; i < n; i++) {
        lo = x[i] < lo ? x[i] : lo;
        hi = x[i] > hi ? x[i] : hi;
    }
    if (lo == hi) {
        *mean = lo;
        *scale = 1;
        return;
    }
    m = sum_of(x, n) / (double)n;
    for (size_t i = 0; i < n; i++) {
        double d = x[i] - m;
        ss += d * d;
        x[i] = d;
    }
    /* x now holds the deviations; their sum is what the rounded mean missed. */
    comp = sum_of(x, n);
    *mean = m;
    *scale = sqrt((ss - comp * comp / (double)n) / (double)n);
    if (!(*scale > 0))
        *scale = 1;
}

static int
standardize_fit(void *state, const struct aiwb_frame *in, char **cause)
{
    struct standardize *s = state;
    size_t p = api->frame_cols(in), n = api->frame_rows(in);
    double *buf = api->alloc((n + 1) * sizeof *buf);
    int rc = AIWB_OK;

    standardize_clear(s);
    s->cols = api->calloc(p + 1, sizeof *s->cols);
    for (size_t c = 0; c < p && rc == AIWB_OK; c++) {
        struct standardize_column *col = &s->cols[s->n_cols++];
        const double *x;
        size_t nv = 0;

        col->name = api->strdup(api->frame_col_name(in, c));
        col->type = api->frame_col_type(in, c);
        col->mean = col->scale = NAN;
        if (col->type != AIWB_NUMERIC)
            continue;
        x = api->frame_numeric(in, c);
        for (size_t i = 0; i < n; i++)
            if (!isnan(x[i]))
                buf[nv++] = x[i];
        if (nv == 0) {
            *cause = api->format("standardize: column '%s' has no values to fit", col->name);
            rc = AIWB_EDATA;
            break;
        }
        moments(buf, nv, &col->mean, &col->scale);
        if (!isfinite(col->mean) || !isfinite(col->scale)) {
            *cause = api->format("standardize: column '%s' holds infinite values", col->name);
            rc = AIWB_EDATA;
        }
    }
    api->free(buf);
    if (rc != AIWB_OK)
        standardize_clear(s);
    return rc;
}

static int
standardize_save(const void *state, struct aiwb_writer *w)
{
    const struct standardize *s = state;
    size_t n = s->n_cols;
    const char **names = api->calloc(n + 1, sizeof *names);
    int64_t *types = api->calloc(n + 1, sizeof *types);
    double *means = api->calloc(n + 1, sizeof *means);
    double *scales = api->calloc(n + 1, sizeof *scales);
    int rc;

    for (size_t j = 0; j < n; j++) {
        names[j] = s->cols[j].name;
        types[j] = s->cols[j].type;
        means[j] = s->cols[j].mean;
        scales[j] = s->cols[j].scale;
    }
    if ((rc = api->put_int(w, "center", s->center)) == AIWB_OK &&
        (rc = api->put_int(w, "scale", s->scale)) == AIWB_OK &&
        (rc = api->put_strs(w, "columns", n, names)) == AIWB_OK &&
        (rc = api->put_ints(w, "types", n, types)) == AIWB_OK &&
        (rc = api->put_reals(w, "means", n, means)) == AIWB_OK)
        rc = api->put_reals(w, "scales", n, scales);
    api->free(names);
    api->free(types);
    api->free(means);
    api->free(scales);
    return rc;
}

static const struct aiwb_option_spec standardize_options[] = {
    {.name = "center",
     .type = AIWB_OPT_BOOL,
     .def = "true",
     .help = "subtract each numeric column's mean (learned at fit time, missing values ignored)"},
    {.name = "scale",
     .type = AIWB_OPT_BOOL,
     .def = "true",
     .help = "divide each numeric column by its population standard deviation (ddof 0, as "
             "scikit-learn's StandardScaler; R's sd() and scale() use ddof 1); a constant column "
             "gets scale 1"},
    {.name = NULL},
};

static const struct aiwb_transform_type standardize_type = {
    .abi_version = AIWB_ABI_VERSION,
    .size = sizeof(struct aiwb_transform_type),
    .name = "standardize",
    .summary = "rescale numeric columns to mean 0 and standard deviation 1",
    .help = "z = (x - mean) / sd with the population sd (ddof 0, as scikit-learn's\n"
            "StandardScaler); a constant column gets scale 1. Missing values stay missing;\n"
            "categorical columns pass through.",
    .options = standardize_options,
    .flags = TRANSFORM_STANDARDIZE_FLAGS,
    .state_version = TRANSFORM_STANDARDIZE_STATE_VERSION,
    .state_size = sizeof(struct standardize),
    .init = standardize_init,
    .fit = standardize_fit,
    .apply = standardize_apply,
    .save = standardize_save,
    .load = standardize_load,
    .fini = standardize_fini,
};

/*
 * The module's entry point: declare the module "standardize" and register its one
 * transform. Returns AIWB_OK, or the host's refusal (AIWB_EABI, AIWB_EINVAL).
 */
int
aiwb_plugin_init(struct aiwb_plugin *p, const struct aiwb_host_api *host)
{
    AIWB_PLUGIN_BEGIN(p, host, api, "standardize", "1.0.0");
    transform_standardize_bind(host);
    return api->register_transform(p, &standardize_type);
}
