/*
 * transform-scale.c - the minmax and robust transforms: rescale numeric columns to a range
 * learned at fit time (minmax), or by their median and interquartile range (robust). This
 * is the fit half (options, fit, save); reading options, loading and applying live in
 * transform-scale-apply.c.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <config.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <aiwb/plugin.h>

#include "transform-scale.h"

static const struct aiwb_host_api *api;

/*
 * Sort the N values of X (no NaN) ascending, by an LSD radix sort of their bits mapped to
 * unsigned integers in the order of the numbers (as transform-impute.c does: O(n)); the
 * fallback of select_kth. TMP holds 2N integers.
 */
#define RADIX_BITS 11

static void
sort_doubles(double *x, size_t n, uint64_t *tmp)
{
    const uint64_t sign = UINT64_C(1) << 63;
    const uint64_t mask = (UINT64_C(1) << RADIX_BITS) - 1;
    uint64_t *a = tmp, *b = tmp + n, *t;
    size_t count[1u << RADIX_BITS];

    for (size_t i = 0; i < n; i++) {
        uint64_t u;
        memcpy(&u, &x[i], sizeof u);
        a[i] = u & sign ? ~u : u | sign;
    }
    for (unsigned shift = 0; shift < 64; shift += RADIX_BITS) {
        size_t sum = 0;
        memset(count, 0, sizeof count);
        for (size_t i = 0; i < n; i++)
            count[(a[i] >> shift) & mask]++;
        if (n > 0 && count[(a[0] >> shift) & mask] == n)
            continue; /* every key has this digit: the pass would change nothing */
        for (size_t d = 0; d <= mask; d++) {
            size_t k = count[d];
            count[d] = sum;
            sum += k;
        }
        for (size_t i = 0; i < n; i++)
            b[count[(a[i] >> shift) & mask]++] = a[i];
        t = a;
        a = b;
        b = t;
    }
    for (size_t i = 0; i < n; i++) {
        uint64_t u = a[i] & sign ? a[i] & ~sign : ~a[i];
        memcpy(&x[i], &u, sizeof u);
    }
}

/*
 * Rearrange X[LO..HI) so that X[K] (LO <= K < HI) holds the value it would hold were the
 * range sorted, with no larger value before it and no smaller one after: Hoare's
 * quickselect with a median-of-three pivot. Each partition is Lomuto's without branches
 * (every element is swapped, the boundary moves by the comparison), then the values equal
 * to the pivot are split off the same way, so runs of ties end a search: four times the
 * speed of sorting on a million values in random order. Should the partitions shrink too
 * slowly (an adversarial order), what is left is radix-sorted instead, which bounds the
 * work. TMP holds 2 (HI - LO) integers.
 */
static void
select_kth(double *x, size_t lo, size_t hi, size_t k, uint64_t *tmp)
{
    size_t budget = 8 * (hi - lo) + 64;

    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2, below = lo, upto;
        double a = x[lo], b = x[mid], c = x[hi - 1], v;

        if (hi - lo > budget) {
            sort_doubles(x + lo, hi - lo, tmp);
            return;
        }
        budget -= hi - lo;
        v = a < b ? (b < c ? b : a < c ? c : a) : (a < c ? a : b < c ? c : b);
        for (size_t i = lo; i < hi; i++) { /* [lo, below) < v */
            double xi = x[i];
            x[i] = x[below];
            x[below] = xi;
            below += xi < v;
        }
        if (k < below) {
            hi = below;
            continue;
        }
        upto = below;
        for (size_t i = below; i < hi; i++) { /* [below, upto) == v */
            double xi = x[i];
            x[i] = x[upto];
            x[upto] = xi;
            upto += !(v < xi);
        }
        if (k < upto)
            return;
        lo = upto;
    }
}

/*
 * Put the order statistics at the M positions KS (any order, repeats and positions past
 * the end allowed; KS is sorted in place) of X[0..N-1] where sorting would: each select
 * works on what lies beyond the previous one, so a few quantiles cost a few passes where
 * a sort cost many. TMP holds 2N integers.
 */
static void
select_positions(double *x, size_t n, size_t *ks, size_t m, uint64_t *tmp)
{
    size_t from = 0;

    for (size_t a = 1; a < m; a++)
        for (size_t b = a; b > 0 && ks[b - 1] > ks[b]; b--) {
            size_t t = ks[b];
            ks[b] = ks[b - 1];
            ks[b - 1] = t;
        }
    for (size_t a = 0; a < m; a++) {
        if (ks[a] < from || ks[a] >= n)
            continue;
        select_kth(x, from, n, ks[a], tmp);
        from = ks[a] + 1;
    }
}

/* The median of X[0..N-1] (N > 0) whose middle positions hold their order statistics: the
 * mean of the middle two for even N, as numpy's nanmedian. */
static double
median_of(const double *x, size_t n)
{
    return n % 2 == 1 ? x[n / 2] : (x[n / 2 - 1] + x[n / 2]) / 2;
}

/* Where quantile PCT (in percent) of N sorted values lies: between positions I (returned)
 * and I + 1, at the fraction *T of the way. */
static size_t
quantile_position(size_t n, double pct, double *t)
{
    double h = (double)(n - 1) * (pct / 100), below = floor(h);

    *t = h - below;
    return (size_t)below;
}

/*
 * The quantile PCT (in percent) of X[0..N-1] (N > 0) whose positions around it hold their
 * order statistics, interpolated linearly between them: R's type 7, numpy's "linear"
 * method. The arithmetic is numpy's, step for step (its _lerp interpolates from the nearer
 * end), so the result equals numpy.nanpercentile's, and scikit-learn's RobustScaler's, bit
 * for bit.
 */
static double
quantile_of(const double *x, size_t n, double pct)
{
    double t, d;
    size_t i = quantile_position(n, pct, &t);

    if (i + 1 >= n)
        return x[n - 1];
    if (t == 0)
        return x[i];
    d = x[i + 1] - x[i];
    return t >= 0.5 ? x[i + 1] - d * (1 - t) : x[i] + d * t;
}

/* Learn A and B of numeric column COL from its NV > 0 values BUF (reordered). */
static int
fit_column(const struct scaler *s, struct scale_column *col, double *buf, size_t nv, uint64_t *tmp,
           char **cause)
{
    if (s->kind == SCALE_MINMAX) {
        double lo = buf[0], hi = buf[0];
        for (size_t i = 1; i < nv; i++) {
            lo = buf[i] < lo ? buf[i] : lo;
            hi = buf[i] > hi ? buf[i] : hi;
        }
        col->a = lo;
        col->b = hi;
        if (!isfinite(hi - lo)) {
            *cause =
                api->format("minmax: column '%s' %s", col->name,
                            isfinite(lo) && isfinite(hi) ? "spans a range too wide for a double"
                                                         : "holds infinite values");
            return AIWB_EDATA;
        }
        return AIWB_OK;
    }
    {
        double t;
        size_t lo = quantile_position(nv, s->q_low, &t), hi = quantile_position(nv, s->q_high, &t);
        size_t ks[6] = {lo, lo + 1, (nv - 1) / 2, nv / 2, hi, hi + 1};
        select_positions(buf, nv, ks, 6, tmp);
    }
    col->a = median_of(buf, nv);
    col->b = quantile_of(buf, nv, s->q_high) - quantile_of(buf, nv, s->q_low);
    if (!isfinite(col->a) || !isfinite(col->b)) {
        *cause = api->format("robust: column '%s' has %s that is not finite (it holds "
                             "infinite values)",
                             col->name, isfinite(col->a) ? "an interquartile range" : "a median");
        return AIWB_EDATA;
    }
    if (col->b == 0)
        col->b = 1;
    return AIWB_OK;
}

static int
scaler_fit(void *state, const struct aiwb_frame *in, char **cause)
{
    struct scaler *s = state;
    const char *what = scale_kind_name(s->kind);
    size_t p = api->frame_cols(in), n = api->frame_rows(in);
    double *buf = api->alloc((n + 1) * sizeof *buf);
    uint64_t *tmp = s->kind == SCALE_ROBUST ? api->alloc((2 * n + 1) * sizeof *tmp) : NULL;
    int rc = AIWB_OK;

    scale_clear(s);
    s->cols = api->calloc(p + 1, sizeof *s->cols);
    for (size_t c = 0; c < p && rc == AIWB_OK; c++) {
        struct scale_column *col = &s->cols[s->n_cols++];
        const double *x;
        size_t nv = 0;

        col->name = api->strdup(api->frame_col_name(in, c));
        col->type = api->frame_col_type(in, c);
        col->a = col->b = NAN;
        if (col->type != AIWB_NUMERIC)
            continue;
        x = api->frame_numeric(in, c);
        for (size_t i = 0; i < n; i++)
            if (!isnan(x[i]))
                buf[nv++] = x[i];
        if (nv == 0) {
            *cause = api->format("%s: column '%s' has no values to fit", what, col->name);
            rc = AIWB_EDATA;
            break;
        }
        rc = fit_column(s, col, buf, nv, tmp, cause);
    }
    api->free(buf);
    api->free(tmp);
    if (rc != AIWB_OK)
        scale_clear(s);
    return rc;
}

/* The options as saved: minmax's range and clip, or robust's switches and quantiles. */
static int
save_options(const struct scaler *s, struct aiwb_writer *w)
{
    int rc;

    if (s->kind == SCALE_MINMAX) {
        if ((rc = api->put_real(w, "min", s->lo)) == AIWB_OK &&
            (rc = api->put_real(w, "max", s->hi)) == AIWB_OK)
            rc = api->put_int(w, "clip", s->clip);
        return rc;
    }
    if ((rc = api->put_int(w, "center", s->center)) == AIWB_OK &&
        (rc = api->put_int(w, "scale", s->scale)) == AIWB_OK &&
        (rc = api->put_real(w, "q_low", s->q_low)) == AIWB_OK)
        rc = api->put_real(w, "q_high", s->q_high);
    return rc;
}

static int
scaler_save(const void *state, struct aiwb_writer *w)
{
    const struct scaler *s = state;
    size_t n = s->n_cols;
    const char **names = api->calloc(n + 1, sizeof *names);
    int64_t *types = api->calloc(n + 1, sizeof *types);
    double *a = api->calloc(n + 1, sizeof *a);
    double *b = api->calloc(n + 1, sizeof *b);
    int minmax = s->kind == SCALE_MINMAX;
    int rc;

    for (size_t j = 0; j < n; j++) {
        names[j] = s->cols[j].name;
        types[j] = s->cols[j].type;
        a[j] = s->cols[j].a;
        b[j] = s->cols[j].b;
    }
    if ((rc = save_options(s, w)) == AIWB_OK &&
        (rc = api->put_strs(w, "columns", n, names)) == AIWB_OK &&
        (rc = api->put_ints(w, "types", n, types)) == AIWB_OK &&
        (rc = api->put_reals(w, minmax ? "data_min" : "centers", n, a)) == AIWB_OK)
        rc = api->put_reals(w, minmax ? "data_max" : "scales", n, b);
    api->free(names);
    api->free(types);
    api->free(a);
    api->free(b);
    return rc;
}

static const struct aiwb_option_spec minmax_options[] = {
    {.name = "min",
     .type = AIWB_OPT_REAL,
     .def = "0",
     .help = "the value each column's smallest fitted value maps to (scikit-learn's "
             "feature_range[0]); a constant column maps to it"},
    {.name = "max",
     .type = AIWB_OPT_REAL,
     .def = "1",
     .help = "the value each column's largest fitted value maps to (feature_range[1]); must be "
             "above min"},
    {.name = "clip",
     .type = AIWB_OPT_BOOL,
     .def = "false",
     .help = "clip results to [min, max]; by default values outside the fitted range "
             "extrapolate linearly beyond it"},
    {.name = NULL},
};

static const struct aiwb_option_spec robust_options[] = {
    {.name = "quantiles",
     .type = AIWB_OPT_STRING,
     .def = "(25,75)",
     .help = "the two percentages whose quantiles span the range divided by, as scikit-learn's "
             "quantile_range: quantiles=(10,90); quantiles interpolate linearly between order "
             "statistics (R's type 7, numpy's linear)"},
    {.name = "center",
     .type = AIWB_OPT_BOOL,
     .def = "true",
     .help = "subtract each numeric column's median (learned at fit time, missing values "
             "ignored)"},
    {.name = "scale",
     .type = AIWB_OPT_BOOL,
     .def = "true",
     .help = "divide each numeric column by its interquartile range (the range between the "
             "quantiles); a range of 0 gives scale 1"},
    {.name = NULL},
};

static const struct aiwb_transform_type minmax_type = {
    .abi_version = AIWB_ABI_VERSION,
    .size = sizeof(struct aiwb_transform_type),
    .name = "minmax",
    .summary = "rescale numeric columns to [0, 1] (or [min, max]) by their fitted range",
    .help = "y = min + (x - xmin) / (xmax - xmin) * (max - min), with xmin and xmax\n"
            "learned at fit time, as scikit-learn's MinMaxScaler. A constant column maps\n"
            "to min. Values outside the fitted range extrapolate unless clip=true.\n"
            "Missing values stay missing; categorical columns pass through.",
    .options = minmax_options,
    .flags = TRANSFORM_SCALE_FLAGS,
    .state_version = TRANSFORM_SCALE_STATE_VERSION,
    .state_size = sizeof(struct scaler),
    .init = scale_minmax_init,
    .fit = scaler_fit,
    .apply = scale_apply,
    .save = scaler_save,
    .load = scale_minmax_load,
    .fini = scale_fini,
};

static const struct aiwb_transform_type robust_type = {
    .abi_version = AIWB_ABI_VERSION,
    .size = sizeof(struct aiwb_transform_type),
    .name = "robust",
    .summary = "rescale numeric columns by their median and interquartile range",
    .help = "y = (x - median) / (Q3 - Q1), as scikit-learn's RobustScaler: quartiles\n"
            "interpolate linearly (R's type 7, numpy's linear), and a range of exactly 0\n"
            "gives scale 1 (scikit-learn also takes ranges below 10 machine epsilons as\n"
            "0). Missing values are ignored in fitting and stay missing; categorical\n"
            "columns pass through.",
    .options = robust_options,
    .flags = TRANSFORM_SCALE_FLAGS,
    .state_version = TRANSFORM_SCALE_STATE_VERSION,
    .state_size = sizeof(struct scaler),
    .init = scale_robust_init,
    .fit = scaler_fit,
    .apply = scale_apply,
    .save = scaler_save,
    .load = scale_robust_load,
    .fini = scale_fini,
};

/*
 * The module's entry point: declare the module "scale" and register its transforms
 * minmax and robust. Returns AIWB_OK, or the host's refusal (AIWB_EABI, AIWB_EINVAL).
 */
int
aiwb_plugin_init(struct aiwb_plugin *p, const struct aiwb_host_api *host)
{
    int rc;

    AIWB_PLUGIN_BEGIN(p, host, api, "scale", "1.0.0");
    transform_scale_bind(host);
    if ((rc = api->register_transform(p, &minmax_type)) != AIWB_OK)
        return rc;
    return api->register_transform(p, &robust_type);
}
