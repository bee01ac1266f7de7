/*
 * transform-standardize.c - the standardize transform: z = (x - mean) / sd for numeric
 * columns, with the population sd (ddof 0) as scikit-learn's StandardScaler.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <config.h>

#include <math.h>
#include <string.h>

#include <aiwb/plugin.h>

#define STATE_VERSION 1

static const struct aiwb_host_api *api;

/* What fit learned about one column of its frame. */
struct column {
    char *name;
    enum aiwb_coltype type;
    double mean;  /* numeric: the mean of its values; NaN for categorical */
    double scale; /* numeric: the population sd, 1 for a constant column; NaN for categorical */
};

struct standardize {
    int center, scale;
    size_t n_cols; /* every column of the fit frame, in its order */
    struct column *cols;
};

static void
clear_columns(struct standardize *s)
{
    for (size_t j = 0; j < s->n_cols; j++)
        api->free(s->cols[j].name);
    api->free(s->cols);
    s->cols = NULL;
    s->n_cols = 0;
}

static void
standardize_fini(void *state)
{
    clear_columns(state);
}

static int
standardize_init(void *state, const struct aiwb_options *opts, char **cause)
{
    struct standardize *s = state;

    (void)cause;
    s->center = api->opt_bool(opts, "center");
    s->scale = api->opt_bool(opts, "scale");
    return AIWB_OK;
}

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

    clear_columns(s);
    s->cols = api->calloc(p + 1, sizeof *s->cols);
    for (size_t c = 0; c < p && rc == AIWB_OK; c++) {
        struct column *col = &s->cols[s->n_cols++];
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
        clear_columns(s);
    return rc;
}

static const char *
type_name(enum aiwb_coltype type)
{
    return type == AIWB_NUMERIC ? "numeric" : "categorical";
}

/*
 * Check that IN has every fitted column with its fitted type, and set FIT_OF[c] to the
 * fitted column that column C of IN is (-1 for a column fit did not see).
 */
static int
match_columns(const struct standardize *s, const struct aiwb_frame *in, long *fit_of,
              char **cause)
{
    for (size_t c = 0; c < api->frame_cols(in); c++)
        fit_of[c] = -1;
    for (size_t j = 0; j < s->n_cols; j++) {
        long c = api->frame_find(in, s->cols[j].name);
        if (c < 0) {
            *cause = api->format("standardize: column '%s' is missing", s->cols[j].name);
            return AIWB_EDATA;
        }
        if (api->frame_col_type(in, (size_t)c) != s->cols[j].type) {
            *cause = api->format("standardize: column '%s' is %s, but was %s at fit time",
                                 s->cols[j].name, type_name(api->frame_col_type(in, (size_t)c)),
                                 type_name(s->cols[j].type));
            return AIWB_EDATA;
        }
        fit_of[c] = (long)j;
    }
    return AIWB_OK;
}

static int
standardize_apply(const void *state, const struct aiwb_frame *in, struct aiwb_frame **out,
                  char **cause)
{
    const struct standardize *s = state;
    size_t p = api->frame_cols(in), n = api->frame_rows(in);
    long *fit_of = api->alloc((p + 1) * sizeof *fit_of);
    struct aiwb_frame *f = NULL;
    int rc;

    rc = match_columns(s, in, fit_of, cause);
    if (rc != AIWB_OK)
        goto out;
    f = api->frame_new(n);
    for (size_t c = 0; c < p; c++) {
        const struct column *col = fit_of[c] >= 0 ? &s->cols[fit_of[c]] : NULL;
        const char *name = api->frame_col_name(in, c);
        const double *x;
        double *y, m, sd;

        if (col == NULL || col->type != AIWB_NUMERIC || (!s->center && !s->scale)) {
            if ((rc = api->frame_copy_col(f, in, c, NULL)) != AIWB_OK)
                break;
            continue;
        }
        if ((y = api->frame_add_numeric(f, name)) == NULL) {
            rc = AIWB_ERR;
            break;
        }
        x = api->frame_numeric(in, c);
        m = s->center ? col->mean : 0;
        sd = s->scale ? col->scale : 1;
        for (size_t i = 0; i < n; i++)
            y[i] = (x[i] - m) / sd;
    }
    if (rc != AIWB_OK)
        *cause = api->format("standardize: cannot build the output frame");
out:
    api->free(fit_of);
    if (rc != AIWB_OK) {
        api->frame_free(f);
        f = NULL;
    }
    *out = f;
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

static void
free_strs(char **v, size_t n)
{
    for (size_t i = 0; v != NULL && i < n; i++)
        api->free(v[i]);
    api->free(v);
}

static int
standardize_load(void *state, struct aiwb_reader *r, unsigned version, char **cause)
{
    struct standardize *s = state;
    int64_t center, scale, *types = NULL;
    char **names = NULL;
    double *means = NULL, *scales = NULL;
    size_t n_names = 0, n_types = 0, n_means = 0, n_scales = 0;
    int rc;

    if (version != STATE_VERSION) {
        *cause = api->format("standardize: cannot read state version %u (this plugin reads "
                             "version %d)",
                             version, STATE_VERSION);
        return AIWB_EDATA;
    }
    clear_columns(s);
    if ((rc = api->get_int(r, "center", &center)) != AIWB_OK ||
        (rc = api->get_int(r, "scale", &scale)) != AIWB_OK ||
        (rc = api->get_strs(r, "columns", &n_names, &names)) != AIWB_OK ||
        (rc = api->get_ints(r, "types", &n_types, &types)) != AIWB_OK ||
        (rc = api->get_reals(r, "means", &n_means, &means)) != AIWB_OK ||
        (rc = api->get_reals(r, "scales", &n_scales, &scales)) != AIWB_OK)
        goto out;
    rc = AIWB_EDATA;
    if (n_types != n_names || n_means != n_names || n_scales != n_names) {
        *cause = api->format("standardize: saved state is inconsistent");
        goto out;
    }
    for (size_t j = 0; j < n_names; j++) {
        if (types[j] != AIWB_NUMERIC && types[j] != AIWB_CATEGORICAL) {
            *cause = api->format("standardize: saved state has column '%s' of unknown type "
                                 "%lld",
                                 names[j], (long long)types[j]);
            goto out;
        }
    }
    s->center = center != 0;
    s->scale = scale != 0;
    s->cols = api->calloc(n_names + 1, sizeof *s->cols);
    for (size_t j = 0; j < n_names; j++) {
        struct column *col = &s->cols[s->n_cols++];
        col->name = names[j];
        names[j] = NULL;
        col->type = (enum aiwb_coltype)types[j];
        col->mean = means[j];
        col->scale = scales[j];
    }
    rc = AIWB_OK;
out:
    free_strs(names, n_names);
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
    .flags = AIWB_CAP_MISSING | AIWB_CAP_CATEGORICAL | AIWB_TF_FIT,
    .state_version = STATE_VERSION,
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
    return api->register_transform(p, &standardize_type);
}
