/*
 * transform-scale.c - the minmax and robust transforms: rescale numeric columns to a range
 * learned at fit time (minmax), or by their median and interquartile range (robust).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <config.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <aiwb/plugin.h>

#define STATE_VERSION 1

static const struct aiwb_host_api *api;

enum kind { KIND_MINMAX, KIND_ROBUST };

static const char *const kind_names[] = {"minmax", "robust"};

/* What fit learned about one column of its frame. */
struct column {
    char *name;
    enum aiwb_coltype type;
    /* minmax: the smallest and largest value; robust: the centre (median) and the scale
     * (the interquartile range, 1 when it is 0). NaN for a categorical column. */
    double a, b;
};

/* The state of both transforms; KIND says which one it is. */
struct scaler {
    enum kind kind;
    double lo, hi;        /* minmax: the target range */
    int clip;             /* minmax: clip values outside [lo, hi] at apply time */
    int center, scale;    /* robust: subtract the median, divide by the range */
    double q_low, q_high; /* robust: the quantiles, in percent */
    size_t n_cols;        /* every column of the fit frame, in its order */
    struct column *cols;
};

static void
clear_columns(struct scaler *s)
{
    for (size_t j = 0; j < s->n_cols; j++)
        api->free(s->cols[j].name);
    api->free(s->cols);
    s->cols = NULL;
    s->n_cols = 0;
}

static void
scaler_fini(void *state)
{
    clear_columns(state);
}

/* The shortest of %.15g, %.16g and %.17g that reads back as V, into BUF. */
static const char *
shortest(char buf[32], double v)
{
    for (int digits = 15; digits <= 17; digits++) {
        snprintf(buf, 32, "%.*g", digits, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    return buf;
}

static int
minmax_init(void *state, const struct aiwb_options *opts, char **cause)
{
    struct scaler *s = state;
    char a[32], b[32];

    s->kind = KIND_MINMAX;
    s->lo = api->opt_real(opts, "min");
    s->hi = api->opt_real(opts, "max");
    s->clip = api->opt_bool(opts, "clip");
    if (!(s->lo < s->hi)) {
        *cause = api->format("minmax: min=%s must be below max=%s", shortest(a, s->lo),
                             shortest(b, s->hi));
        return AIWB_EINVAL;
    }
    if (!isfinite(s->hi - s->lo)) {
        *cause = api->format("minmax: max - min must be a finite number, and %s - %s is not",
                             shortest(b, s->hi), shortest(a, s->lo));
        return AIWB_EINVAL;
    }
    return AIWB_OK;
}

/* Read the number at *P (after spaces) into *V, moving *P past it; 0 if there is none. */
static int
read_number(const char **p, double *v)
{
    char *end;

    while (**p == ' ' || **p == '\t')
        (*p)++;
    errno = 0;
    *v = strtod(*p, &end);
    if (end == *p || errno == ERANGE || !isfinite(*v))
        return 0;
    *p = end;
    while (**p == ' ' || **p == '\t')
        (*p)++;
    return 1;
}

/* Parse the quantiles option, "LOW,HIGH" or "(LOW,HIGH)" in percent, into S. */
static int
parse_quantiles(struct scaler *s, const char *text, char **cause)
{
    const char *p = text;
    int paren;

    while (*p == ' ' || *p == '\t')
        p++;
    paren = *p == '(';
    p += paren;
    if (!read_number(&p, &s->q_low) || *p++ != ',' || !read_number(&p, &s->q_high) ||
        (paren && *p++ != ')') || p[strspn(p, " \t")] != '\0') {
        *cause = api->format("robust: quantiles '%s' is not two percentages as "
                             "quantiles=(25,75)",
                             text);
        return AIWB_EINVAL;
    }
    if (!(s->q_low >= 0 && s->q_low < s->q_high && s->q_high <= 100)) {
        *cause = api->format("robust: quantiles '%s' must rise within 0 to 100, as "
                             "quantiles=(25,75)",
                             text);
        return AIWB_EINVAL;
    }
    return AIWB_OK;
}

static int
robust_init(void *state, const struct aiwb_options *opts, char **cause)
{
    struct scaler *s = state;

    s->kind = KIND_ROBUST;
    s->center = api->opt_bool(opts, "center");
    s->scale = api->opt_bool(opts, "scale");
    return parse_quantiles(s, api->opt_str(opts, "quantiles"), cause);
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
fit_column(const struct scaler *s, struct column *col, double *buf, size_t nv, uint64_t *tmp,
           char **cause)
{
    if (s->kind == KIND_MINMAX) {
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
    const char *what = kind_names[s->kind];
    size_t p = api->frame_cols(in), n = api->frame_rows(in);
    double *buf = api->alloc((n + 1) * sizeof *buf);
    uint64_t *tmp = s->kind == KIND_ROBUST ? api->alloc((2 * n + 1) * sizeof *tmp) : NULL;
    int rc = AIWB_OK;

    clear_columns(s);
    s->cols = api->calloc(p + 1, sizeof *s->cols);
    for (size_t c = 0; c < p && rc == AIWB_OK; c++) {
        struct column *col = &s->cols[s->n_cols++];
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
match_columns(const struct scaler *s, const struct aiwb_frame *in, long *fit_of, char **cause)
{
    const char *what = kind_names[s->kind];

    for (size_t c = 0; c < api->frame_cols(in); c++)
        fit_of[c] = -1;
    for (size_t j = 0; j < s->n_cols; j++) {
        long c = api->frame_find(in, s->cols[j].name);
        if (c < 0) {
            *cause = api->format("%s: column '%s' is missing", what, s->cols[j].name);
            return AIWB_EDATA;
        }
        if (api->frame_col_type(in, (size_t)c) != s->cols[j].type) {
            *cause = api->format("%s: column '%s' is %s, but was %s at fit time", what,
                                 s->cols[j].name, type_name(api->frame_col_type(in, (size_t)c)),
                                 type_name(s->cols[j].type));
            return AIWB_EDATA;
        }
        fit_of[c] = (long)j;
    }
    return AIWB_OK;
}

/*
 * Map X[0..N-1] to Y by minmax: t = (x - min) / (max - min), the range taken as 1 for a
 * constant column, then lo + t (hi - lo) interpolated from the nearer end as numpy's lerp,
 * so that the fitted min gives lo and the fitted max gives hi exactly.
 */
static void
minmax_column(const struct scaler *s, const struct column *col, const double *x, double *y,
              size_t n)
{
    /* Locals, not s->...: a store to Y could alias them, which stops vectorisation. */
    const double lo = s->lo, hi = s->hi, width = hi - lo, min = col->a;
    const double range = col->b - col->a != 0 ? col->b - col->a : 1;
    const int clip = s->clip;

    for (size_t i = 0; i < n; i++) {
        double t = (x[i] - min) / range;
        double up = lo + width * t, down = hi - width * (1 - t);
        double v = t >= 0.5 ? down : up; /* both computed: a select, not a branch */
        if (clip)
            v = v < lo ? lo : v > hi ? hi : v;
        y[i] = v;
    }
}

/* Map X[0..N-1] to Y by robust: (x - median) / range, in scikit-learn's order. */
static void
robust_column(const struct scaler *s, const struct column *col, const double *x, double *y,
              size_t n)
{
    const double center = s->center ? col->a : 0, scale = s->scale ? col->b : 1;

    /* x - 0 and x / 1 are x exactly, so one loop does all three cases bit for bit. */
    for (size_t i = 0; i < n; i++)
        y[i] = (x[i] - center) / scale;
}

static int
scaler_apply(const void *state, const struct aiwb_frame *in, struct aiwb_frame **out, char **cause)
{
    const struct scaler *s = state;
    size_t p = api->frame_cols(in), n = api->frame_rows(in);
    long *fit_of = api->alloc((p + 1) * sizeof *fit_of);
    struct aiwb_frame *f = NULL;
    int rc;

    rc = match_columns(s, in, fit_of, cause);
    if (rc != AIWB_OK)
        goto out;
    f = api->frame_new(n);
    for (size_t c = 0; c < p && rc == AIWB_OK; c++) {
        const struct column *col = fit_of[c] >= 0 ? &s->cols[fit_of[c]] : NULL;
        const char *name = api->frame_col_name(in, c);
        double *y;

        if (col == NULL || col->type != AIWB_NUMERIC ||
            (s->kind == KIND_ROBUST && !s->center && !s->scale)) {
            if ((rc = api->frame_copy_col(f, in, c, NULL)) != AIWB_OK)
                *cause =
                    api->format("%s: cannot pass column '%s' through", kind_names[s->kind], name);
            continue;
        }
        if ((y = api->frame_add_numeric(f, name)) == NULL) {
            *cause =
                api->format("%s: cannot add column '%s' to the output", kind_names[s->kind], name);
            rc = AIWB_ERR;
            break;
        }
        if (s->kind == KIND_MINMAX)
            minmax_column(s, col, api->frame_numeric(in, c), y, n);
        else
            robust_column(s, col, api->frame_numeric(in, c), y, n);
    }
out:
    api->free(fit_of);
    if (rc != AIWB_OK) {
        api->frame_free(f);
        f = NULL;
    }
    *out = f;
    return rc;
}

/* The options as saved: minmax's range and clip, or robust's switches and quantiles. */
static int
save_options(const struct scaler *s, struct aiwb_writer *w)
{
    int rc;

    if (s->kind == KIND_MINMAX) {
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
    int minmax = s->kind == KIND_MINMAX;
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

static void
free_strs(char **v, size_t n)
{
    for (size_t i = 0; v != NULL && i < n; i++)
        api->free(v[i]);
    api->free(v);
}

/* Read back what save_options wrote, checking it as init would. */
static int
load_options(struct scaler *s, struct aiwb_reader *r, char **cause)
{
    int64_t u, v;
    int rc;

    if (s->kind == KIND_MINMAX) {
        if ((rc = api->get_real(r, "min", &s->lo)) != AIWB_OK ||
            (rc = api->get_real(r, "max", &s->hi)) != AIWB_OK ||
            (rc = api->get_int(r, "clip", &u)) != AIWB_OK)
            return rc;
        s->clip = u != 0;
        if (!(s->lo < s->hi) || !isfinite(s->hi - s->lo)) {
            *cause = api->format("minmax: saved state is inconsistent");
            return AIWB_EDATA;
        }
        return AIWB_OK;
    }
    if ((rc = api->get_int(r, "center", &u)) != AIWB_OK ||
        (rc = api->get_int(r, "scale", &v)) != AIWB_OK ||
        (rc = api->get_real(r, "q_low", &s->q_low)) != AIWB_OK ||
        (rc = api->get_real(r, "q_high", &s->q_high)) != AIWB_OK)
        return rc;
    s->center = u != 0;
    s->scale = v != 0;
    return AIWB_OK;
}

/* Load the state of transform KIND. */
static int
scaler_load(struct scaler *s, enum kind kind, struct aiwb_reader *r, unsigned version, char **cause)
{
    const char *what = kind_names[kind];
    int minmax = kind == KIND_MINMAX;
    int64_t *types = NULL;
    char **names = NULL;
    double *a = NULL, *b = NULL;
    size_t n_names = 0, n_types = 0, n_a = 0, n_b = 0;
    int rc;

    if (version != STATE_VERSION) {
        *cause = api->format("%s: cannot read state version %u (this plugin reads version %d)",
                             what, version, STATE_VERSION);
        return AIWB_EDATA;
    }
    clear_columns(s);
    s->kind = kind;
    if ((rc = load_options(s, r, cause)) != AIWB_OK ||
        (rc = api->get_strs(r, "columns", &n_names, &names)) != AIWB_OK ||
        (rc = api->get_ints(r, "types", &n_types, &types)) != AIWB_OK ||
        (rc = api->get_reals(r, minmax ? "data_min" : "centers", &n_a, &a)) != AIWB_OK ||
        (rc = api->get_reals(r, minmax ? "data_max" : "scales", &n_b, &b)) != AIWB_OK)
        goto out;
    rc = AIWB_EDATA;
    if (n_types != n_names || n_a != n_names || n_b != n_names) {
        *cause = api->format("%s: saved state is inconsistent", what);
        goto out;
    }
    for (size_t j = 0; j < n_names; j++) {
        if (types[j] != AIWB_NUMERIC && types[j] != AIWB_CATEGORICAL) {
            *cause = api->format("%s: saved state has column '%s' of unknown type %lld", what,
                                 names[j], (long long)types[j]);
            goto out;
        }
    }
    s->cols = api->calloc(n_names + 1, sizeof *s->cols);
    for (size_t j = 0; j < n_names; j++) {
        struct column *col = &s->cols[s->n_cols++];
        col->name = names[j];
        names[j] = NULL;
        col->type = (enum aiwb_coltype)types[j];
        col->a = a[j];
        col->b = b[j];
    }
    rc = AIWB_OK;
out:
    free_strs(names, n_names);
    api->free(types);
    api->free(a);
    api->free(b);
    return rc;
}

static int
minmax_load(void *state, struct aiwb_reader *r, unsigned version, char **cause)
{
    return scaler_load(state, KIND_MINMAX, r, version, cause);
}

static int
robust_load(void *state, struct aiwb_reader *r, unsigned version, char **cause)
{
    return scaler_load(state, KIND_ROBUST, r, version, cause);
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
    .flags = AIWB_CAP_MISSING | AIWB_CAP_CATEGORICAL | AIWB_TF_FIT,
    .state_version = STATE_VERSION,
    .state_size = sizeof(struct scaler),
    .init = minmax_init,
    .fit = scaler_fit,
    .apply = scaler_apply,
    .save = scaler_save,
    .load = minmax_load,
    .fini = scaler_fini,
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
    .flags = AIWB_CAP_MISSING | AIWB_CAP_CATEGORICAL | AIWB_TF_FIT,
    .state_version = STATE_VERSION,
    .state_size = sizeof(struct scaler),
    .init = robust_init,
    .fit = scaler_fit,
    .apply = scaler_apply,
    .save = scaler_save,
    .load = robust_load,
    .fini = scaler_fini,
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
    if ((rc = api->register_transform(p, &minmax_type)) != AIWB_OK)
        return rc;
    return api->register_transform(p, &robust_type);
}
