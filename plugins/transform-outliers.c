/*
 * transform-outliers.c - the clip and outliers transforms: bounds learned at fit time per
 * numeric column (mean +- k sd, or Tukey's fences Q1 - k IQR, Q3 + k IQR); clip moves
 * values outside them onto them, outliers drops the rows that have such a value. This is
 * the fit half (options, fit, save, and all of outliers' dropping, which never runs when a
 * model predicts); reading options, loading and clipping live in
 * transform-outliers-apply.c.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <config.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <aiwb/plugin.h>

#include "predict-common.h"
#include "transform-outliers.h"

static const struct aiwb_host_api *api;

static int
drop_init(void *state, const struct aiwb_options *opts, char **cause)
{
    return outliers_init_common(state, 1, opts, cause);
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
 * The mean and population sd (ddof 0, as standardize's) of the N > 0 values X, by the
 * corrected two-pass algorithm; X is overwritten with the deviations. A constant column
 * has sd 0 exactly.
 */
static void
moments(double *x, size_t n, double *mean, double *sd)
{
    double m, ss = 0, comp, lo = x[0], hi = x[0];

    for (size_t i = 1; i < n; i++) {
        lo = x[i] < lo ? x[i] : lo;
        hi = x[i] > hi ? x[i] : hi;
    }
    if (lo == hi) {
        *mean = lo;
        *sd = 0;
        return;
    }
    m = sum_of(x, n) / (double)n;
    for (size_t i = 0; i < n; i++) {
        double d = x[i] - m;
        ss += d * d;
        x[i] = d;
    }
    comp = sum_of(x, n);
    *mean = m;
    *sd = sqrt(fmax(0, (ss - comp * comp / (double)n) / (double)n));
}

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

/* Where quantile Q (0..1) of N sorted values lies: between positions I (returned) and
 * I + 1, at the fraction *T of the way. */
static size_t
quantile_position(size_t n, double q, double *t)
{
    double h = (double)(n - 1) * q, below = floor(h);

    *t = h - below;
    return (size_t)below;
}

/*
 * The quantile Q (0..1) of X[0..N-1] (N > 0) whose positions around it hold their order
 * statistics, interpolated linearly between them: R's type 7, numpy's "linear" method,
 * with numpy's arithmetic (its _lerp interpolates from the nearer end), so it equals
 * numpy.percentile bit for bit.
 */
static double
quantile_of(const double *x, size_t n, double q)
{
    double t, d;
    size_t i = quantile_position(n, q, &t);

    if (i + 1 >= n)
        return x[n - 1];
    if (t == 0)
        return x[i];
    d = x[i + 1] - x[i];
    return t >= 0.5 ? x[i + 1] - d * (1 - t) : x[i] + d * t;
}

/* Learn B's bounds from the NV > 0 values BUF (reordered); TMP holds 2 NV integers. */
static int
fit_bounds(const struct outliers *s, struct outliers_bound *b, double *buf, size_t nv,
           uint64_t *tmp, char **cause)
{
    double centre, spread;
    char x[32];

    if (s->method == OUTLIERS_ZSCORE) {
        moments(buf, nv, &centre, &spread);
        b->lo = centre - s->k * spread;
        b->hi = centre + s->k * spread;
    } else {
        double q1, q3, t;
        size_t i1 = quantile_position(nv, 0.25, &t), i3 = quantile_position(nv, 0.75, &t);
        size_t ks[4] = {i1, i1 + 1, i3, i3 + 1};
        select_positions(buf, nv, ks, 4, tmp);
        q1 = quantile_of(buf, nv, 0.25);
        q3 = quantile_of(buf, nv, 0.75);
        spread = q3 - q1;
        b->lo = q1 - s->k * spread;
        b->hi = q3 + s->k * spread;
    }
    if (!isfinite(b->lo) || !isfinite(b->hi)) {
        *cause = api->format("%s: column '%s' has bounds that are not finite (it holds "
                             "infinite values)",
                             s->what, b->name);
        return AIWB_EDATA;
    }
    if (spread == 0)
        api->log(AIWB_LOG_WARN, "%s: column '%s' has %s 0: every value other than %s is an outlier",
                 s->what, b->name,
                 s->method == OUTLIERS_ZSCORE ? "standard deviation" : "interquartile range",
                 predict_shortest(x, b->lo));
    return AIWB_OK;
}

/* Set CHOSEN[c] for each column of IN whose bounds fit learns; refuse a named column that
 * is absent or categorical. */
static int
choose_columns(const struct outliers *s, const struct aiwb_frame *in, int *chosen, char **cause)
{
    size_t p = api->frame_cols(in);

    for (size_t c = 0; c < p; c++)
        chosen[c] = s->n_names == 0 && api->frame_col_type(in, c) == AIWB_NUMERIC;
    for (size_t j = 0; j < s->n_names; j++) {
        long c = api->frame_find(in, s->names[j]);
        if (c < 0) {
            *cause = api->format("%s: column '%s' is missing", s->what, s->names[j]);
            return AIWB_EDATA;
        }
        if (api->frame_col_type(in, (size_t)c) != AIWB_NUMERIC) {
            *cause = api->format("%s: column '%s' is categorical, and %s takes numbers", s->what,
                                 s->names[j], s->what);
            return AIWB_EDATA;
        }
        chosen[c] = 1;
    }
    return AIWB_OK;
}

static int
outliers_fit(void *state, const struct aiwb_frame *in, char **cause)
{
    struct outliers *s = state;
    size_t p = api->frame_cols(in), n = api->frame_rows(in);
    int *chosen = api->calloc(p + 1, sizeof *chosen);
    double *buf = api->alloc((n + 1) * sizeof *buf);
    uint64_t *tmp = s->method == OUTLIERS_IQR ? api->alloc((2 * n + 1) * sizeof *tmp) : NULL;
    int rc;

    outliers_clear(s);
    rc = choose_columns(s, in, chosen, cause);
    s->cols = api->calloc(p + 1, sizeof *s->cols);
    for (size_t c = 0; c < p && rc == AIWB_OK; c++) {
        const double *x = api->frame_numeric(in, c);
        struct outliers_bound *b;
        size_t nv = 0;

        if (!chosen[c])
            continue;
        b = &s->cols[s->n_cols++];
        b->name = api->strdup(api->frame_col_name(in, c));
        for (size_t i = 0; i < n; i++)
            if (!isnan(x[i]))
                buf[nv++] = x[i];
        if (nv == 0) {
            *cause = api->format("%s: column '%s' has no values to fit", s->what, b->name);
            rc = AIWB_EDATA;
            break;
        }
        rc = fit_bounds(s, b, buf, nv, tmp, cause);
    }
    api->free(chosen);
    api->free(buf);
    api->free(tmp);
    if (rc != AIWB_OK)
        outliers_clear(s);
    return rc;
}

/* A new frame of the rows of IN that have no value outside the bounds (missing values are
 * not outliers). */
static struct aiwb_frame *
drop_frame(const struct outliers *s, const struct aiwb_frame *in, const size_t *col_of)
{
    size_t n = api->frame_rows(in), keep = 0;
    size_t *idx = api->alloc((n + 1) * sizeof *idx);
    size_t *count = api->calloc(s->n_cols + 1, sizeof *count);
    struct aiwb_frame *f;

    for (size_t i = 0; i < n; i++) {
        int out = 0;
        for (size_t j = 0; j < s->n_cols; j++) {
            double v = api->frame_numeric(in, col_of[j])[i];
            if (v < s->cols[j].lo || v > s->cols[j].hi) {
                count[j]++;
                out = 1;
            }
        }
        if (!out)
            idx[keep++] = i;
    }
    f = api->frame_take(in, idx, keep);
    if (keep < n) {
        char *list = api->strdup("");
        for (size_t j = 0; j < s->n_cols; j++) {
            char *next;
            if (count[j] == 0)
                continue;
            next = api->format("%s%s%s %zu", list, *list ? ", " : "", s->cols[j].name, count[j]);
            api->free(list);
            list = next;
        }
        api->log(keep == 0 ? AIWB_LOG_WARN : AIWB_LOG_INFO,
                 "outliers: dropped %zu of %zu rows (outliers in %s)", n - keep, n, list);
        api->free(list);
    }
    api->free(idx);
    api->free(count);
    return f;
}

static int
drop_apply(const void *state, const struct aiwb_frame *in, struct aiwb_frame **out, char **cause)
{
    const struct outliers *s = state;
    size_t *col_of = api->alloc((s->n_cols + 1) * sizeof *col_of);
    int rc;

    *out = NULL;
    rc = outliers_match_columns(s, in, col_of, cause);
    if (rc == AIWB_OK) {
        *out = drop_frame(s, in, col_of);
        if (*out == NULL) {
            rc = AIWB_ERR;
            if (*cause == NULL)
                *cause = api->format("%s: cannot build the output frame", s->what);
        }
    }
    api->free(col_of);
    return rc;
}

static int
outliers_save(const void *state, struct aiwb_writer *w)
{
    const struct outliers *s = state;
    size_t n = s->n_cols;
    const char **names = api->calloc(n + 1, sizeof *names);
    double *lo = api->calloc(n + 1, sizeof *lo);
    double *hi = api->calloc(n + 1, sizeof *hi);
    int rc;

    for (size_t j = 0; j < n; j++) {
        names[j] = s->cols[j].name;
        lo[j] = s->cols[j].lo;
        hi[j] = s->cols[j].hi;
    }
    if ((rc = api->put_int(w, "method", s->method)) == AIWB_OK &&
        (rc = api->put_real(w, "k", s->k)) == AIWB_OK &&
        (rc = api->put_strs(w, "chosen", s->n_names, (const char *const *)s->names)) == AIWB_OK &&
        (rc = api->put_strs(w, "columns", n, names)) == AIWB_OK &&
        (rc = api->put_reals(w, "lower", n, lo)) == AIWB_OK)
        rc = api->put_reals(w, "upper", n, hi);
    api->free(names);
    api->free(lo);
    api->free(hi);
    return rc;
}

static int
drop_load(void *state, struct aiwb_reader *r, unsigned version, char **cause)
{
    return outliers_load_common(state, 1, r, version, cause);
}

static const struct aiwb_option_spec outliers_options[] = {
    {.name = "method",
     .type = AIWB_OPT_CHOICE,
     .def = "iqr",
     .choices = "iqr|zscore",
     .help = "how the bounds are learned: Tukey's fences Q1 - k IQR and Q3 + k IQR (iqr; "
             "quartiles as R's type 7), or mean -+ k sd with the population sd (zscore)"},
    {.name = "k",
     .type = AIWB_OPT_REAL,
     .min = 0,
     .max = INFINITY,
     .flags = AIWB_OPT_MIN_EXCLUSIVE,
     .help = "how far the bounds lie: 1.5 interquartile ranges beyond the quartiles for "
             "method=iqr, 3 standard deviations from the mean for method=zscore, unless given"},
    {.name = "columns",
     .type = AIWB_OPT_STRING,
     .help = "the numeric columns to learn bounds for, as columns=Ozone or "
             "columns=(Ozone,Wind); every numeric column when not given"},
    {.name = NULL},
};

static const struct aiwb_transform_type clip_type = {
    .abi_version = AIWB_ABI_VERSION,
    .size = sizeof(struct aiwb_transform_type),
    .name = "clip",
    .summary = "clip numeric values to bounds learned at fit time (IQR fences or z-scores)",
    .help = "Values below the lower bound become the lower bound, values above the upper\n"
            "one the upper one. The bounds are Tukey's fences Q1 - 1.5 IQR and Q3 + 1.5 IQR\n"
            "by default, or mean -+ 3 sd with method=zscore (k= changes the factor).\n"
            "Missing values are ignored in fitting and stay missing; categorical columns\n"
            "pass through.",
    .options = outliers_options,
    .flags = TRANSFORM_OUTLIERS_CLIP_FLAGS,
    .state_version = TRANSFORM_OUTLIERS_STATE_VERSION,
    .state_size = sizeof(struct outliers),
    .init = clip_init,
    .fit = outliers_fit,
    .apply = clip_apply,
    .save = outliers_save,
    .load = clip_load,
    .fini = outliers_fini,
};

static const struct aiwb_transform_type outliers_type = {
    .abi_version = AIWB_ABI_VERSION,
    .size = sizeof(struct aiwb_transform_type),
    .name = "outliers",
    .summary = "drop rows with a value outside bounds learned at fit time (IQR or z-score)",
    .help = "A row goes when any chosen column (every numeric one by default) has a value\n"
            "outside its bounds: Tukey's fences Q1 - 1.5 IQR and Q3 + 1.5 IQR, or mean\n"
            "-+ 3 sd with method=zscore (k= changes the factor). A missing value is not an\n"
            "outlier. In `train ... with` it shapes the training rows only, target\n"
            "included (name columns= to leave the target out); applied to another\n"
            "dataset it drops that dataset's rows by the bounds fitted first.",
    .options = outliers_options,
    .flags = TRANSFORM_OUTLIERS_CLIP_FLAGS | AIWB_TF_ROWS,
    .state_version = TRANSFORM_OUTLIERS_STATE_VERSION,
    .state_size = sizeof(struct outliers),
    .init = drop_init,
    .fit = outliers_fit,
    .apply = drop_apply,
    .save = outliers_save,
    .load = drop_load,
    .fini = outliers_fini,
};

/*
 * The module's entry point: declare the module "outliers" and register its transforms
 * clip and outliers. Returns AIWB_OK, or the host's refusal (AIWB_EABI, AIWB_EINVAL).
 */
int
aiwb_plugin_init(struct aiwb_plugin *p, const struct aiwb_host_api *host)
{
    int rc;

    AIWB_PLUGIN_BEGIN(p, host, api, "outliers", "1.0.0");
    transform_outliers_bind(host);
    if ((rc = api->register_transform(p, &clip_type)) != AIWB_OK)
        return rc;
    return api->register_transform(p, &outliers_type);
}
