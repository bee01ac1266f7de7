/*
 * transform-impute.c - the impute transform: fill missing values with a statistic learned
 * at fit time (mean, median, most frequent value) or with a constant.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <config.h>

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <aiwb/plugin.h>

#define STATE_VERSION 1

static const struct aiwb_host_api *api;

enum strategy { STRATEGY_MEAN, STRATEGY_MEDIAN, STRATEGY_MOST_FREQUENT, STRATEGY_CONSTANT };

static const char *const strategy_names[] = {"mean", "median", "most_frequent", "constant"};
#define N_STRATEGIES (sizeof strategy_names / sizeof strategy_names[0])

/* What fit learned about one column of its frame. */
struct column {
    char *name;
    enum aiwb_coltype type;
    int had_missing; /* at fit time: it gets an indicator column */
    double value;    /* numeric: the fill value; NaN for categorical */
    char *level;     /* categorical: the text of the fill level; NULL for numeric */
};

struct impute {
    enum strategy strategy;
    int indicators;
    char *fill_value; /* the fill_value option, NULL when not given */
    size_t n_cols;    /* every column of the fit frame, in its order */
    struct column *cols;
};

static void
clear_columns(struct impute *s)
{
    for (size_t j = 0; j < s->n_cols; j++) {
        api->free(s->cols[j].name);
        api->free(s->cols[j].level);
    }
    api->free(s->cols);
    s->cols = NULL;
    s->n_cols = 0;
}

static void
impute_fini(void *state)
{
    struct impute *s = state;

    clear_columns(s);
    api->free(s->fill_value);
    s->fill_value = NULL;
}

static int
impute_init(void *state, const struct aiwb_options *opts, char **cause)
{
    struct impute *s = state;
    const char *strategy = api->opt_str(opts, "strategy");
    const char *fill = api->opt_str(opts, "fill_value");

    s->strategy = STRATEGY_MEAN;
    for (size_t k = 0; strategy != NULL && k < N_STRATEGIES; k++)
        if (strcmp(strategy, strategy_names[k]) == 0)
            s->strategy = (enum strategy)k;
    if (s->strategy == STRATEGY_CONSTANT && fill == NULL) {
        *cause = api->format("impute: strategy=constant needs fill_value");
        return AIWB_EINVAL;
    }
    if (s->strategy != STRATEGY_CONSTANT && fill != NULL) {
        *cause = api->format("impute: fill_value is only used with strategy=constant, "
                             "not strategy=%s",
                             strategy_names[s->strategy]);
        return AIWB_EINVAL;
    }
    s->indicators = api->opt_bool(opts, "indicators");
    s->fill_value = fill != NULL ? api->strdup(fill) : NULL;
    return AIWB_OK;
}

/* Whether S is a finite number, written whole; the number into *V. */
static int
parse_number(const char *s, double *v)
{
    char *end;

    errno = 0;
    *v = strtod(s, &end);
    return end != s && *end == '\0' && errno != ERANGE && isfinite(*v);
}

/*
 * Sort the N values of X (no NaN) ascending, by an LSD radix sort of their bits mapped to
 * unsigned integers in the order of the numbers: O(n), where qsort took ten times longer
 * on a million rows. TMP holds 2N integers.
 */
#define RADIX_BITS 11
static void
sort_doubles(double *x, size_t n, uint64_t *tmp)
{
    const uint64_t sign = UINT64_C(1) << 63;
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
            count[(a[i] >> shift) & ((1u << RADIX_BITS) - 1)]++;
        if (n > 0 && count[(a[0] >> shift) & ((1u << RADIX_BITS) - 1)] == n)
            continue; /* every key has this digit: the pass would change nothing */
        for (size_t d = 0; d < (1u << RADIX_BITS); d++) {
            size_t k = count[d];
            count[d] = sum;
            sum += k;
        }
        for (size_t i = 0; i < n; i++)
            b[count[(a[i] >> shift) & ((1u << RADIX_BITS) - 1)]++] = a[i];
        t = a;
        a = b;
        b = t;
    }
    for (size_t i = 0; i < n; i++) {
        uint64_t u = a[i] & sign ? a[i] & ~sign : ~a[i];
        memcpy(&x[i], &u, sizeof u);
    }
}

/* The mean of X[0..N-1] (N > 0), summed with Neumaier's compensation. */
static double
mean_of(const double *x, size_t n)
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
    return (sum + comp) / (double)n;
}

/* The median of the sorted X[0..N-1] (N > 0): the mean of the middle two for even N. */
static double
median_of_sorted(const double *x, size_t n)
{
    double a, b, m;

    if (n % 2 == 1)
        return x[n / 2];
    a = x[n / 2 - 1];
    b = x[n / 2];
    m = (a + b) / 2;
    return isinf(m) && isfinite(a) && isfinite(b) ? a / 2 + b / 2 : m;
}

/* The most frequent value of the sorted X[0..N-1] (N > 0); the smallest on ties. */
static double
mode_of_sorted(const double *x, size_t n)
{
    double best = x[0];
    size_t best_run = 0;

    for (size_t i = 0; i < n;) {
        size_t k = i + 1;
        while (k < n && x[k] == x[i])
            k++;
        if (k - i > best_run) {
            best = x[i];
            best_run = k - i;
        }
        i = k;
    }
    return best;
}

/* Learn the fill value of numeric column C of IN into COL; BUF holds n_rows doubles, TMP
 * 2 n_rows integers (for sorting). */
static int
fit_numeric(const struct impute *s, const struct aiwb_frame *in, size_t c, struct column *col,
            double *buf, uint64_t *tmp, char **cause)
{
    const double *x = api->frame_numeric(in, c);
    size_t n = api->frame_rows(in), nv = 0;

    for (size_t i = 0; i < n; i++)
        if (!isnan(x[i]))
            buf[nv++] = x[i];
    col->had_missing = nv < n;
    if (s->strategy == STRATEGY_CONSTANT) {
        if (!parse_number(s->fill_value, &col->value)) {
            *cause = api->format("impute: fill_value '%s' is not a number, but column '%s' "
                                 "is numeric",
                                 s->fill_value, col->name);
            return AIWB_EINVAL;
        }
        return AIWB_OK;
    }
    if (nv == 0) {
        *cause = api->format("impute: column '%s' has no values to take its %s from "
                             "(strategy=constant would fill it)",
                             col->name, strategy_names[s->strategy]);
        return AIWB_EDATA;
    }
    if (s->strategy == STRATEGY_MEAN) {
        col->value = mean_of(buf, nv);
    } else {
        sort_doubles(buf, nv, tmp);
        col->value = s->strategy == STRATEGY_MEDIAN ? median_of_sorted(buf, nv)
                                                    : mode_of_sorted(buf, nv);
    }
    if (isnan(col->value)) {
        *cause = api->format("impute: the %s of column '%s' is not a number (the column holds "
                             "both infinities)",
                             strategy_names[s->strategy], col->name);
        return AIWB_EDATA;
    }
    return AIWB_OK;
}

/* Learn the fill level of categorical column C of IN into COL: its most frequent level,
 * the smallest text on ties, or the constant. */
static int
fit_categorical(const struct impute *s, const struct aiwb_frame *in, size_t c,
                struct column *col, char **cause)
{
    const int32_t *code = api->frame_codes(in, c);
    size_t n = api->frame_rows(in), nlev = api->frame_nlevels(in, c);
    size_t *count = api->calloc(nlev + 1, sizeof *count);
    const char *best = NULL;
    size_t best_count = 0;

    col->value = NAN;
    for (size_t i = 0; i < n; i++) {
        if (code[i] == AIWB_NA_CODE)
            col->had_missing = 1;
        else if (code[i] >= 0 && (size_t)code[i] < nlev)
            count[code[i]]++;
    }
    for (size_t k = 0; k < nlev; k++) {
        const char *text = api->frame_level(in, c, (int32_t)k);
        if (count[k] == 0 || count[k] < best_count)
            continue;
        if (count[k] > best_count || strcmp(text, best) < 0) {
            best = text;
            best_count = count[k];
        }
    }
    api->free(count);
    if (s->strategy == STRATEGY_CONSTANT)
        best = s->fill_value;
    if (best == NULL) {
        *cause = api->format("impute: column '%s' has no values to take its most frequent "
                             "level from (strategy=constant would fill it)",
                             col->name);
        return AIWB_EDATA;
    }
    col->level = api->strdup(best);
    return AIWB_OK;
}

/* The name of COL's indicator column, a new string. */
static char *
indicator_name(const struct column *col)
{
    return api->format("%s_missing", col->name);
}

/* Refuse a frame IN that already has a column named as one of the indicators. */
static int
check_indicator_names(const struct impute *s, const struct aiwb_frame *in, char **cause)
{
    for (size_t j = 0; s->indicators && j < s->n_cols; j++) {
        char *name;
        if (!s->cols[j].had_missing)
            continue;
        name = indicator_name(&s->cols[j]);
        if (api->frame_find(in, name) >= 0) {
            *cause = api->format("impute: indicator column '%s' clashes with a column of "
                                 "that name",
                                 name);
            api->free(name);
            return AIWB_EDATA;
        }
        api->free(name);
    }
    return AIWB_OK;
}

static int
impute_fit(void *state, const struct aiwb_frame *in, char **cause)
{
    struct impute *s = state;
    size_t p = api->frame_cols(in), n = api->frame_rows(in);
    double *buf = api->alloc((n + 1) * sizeof *buf);
    int sorts = s->strategy == STRATEGY_MEDIAN || s->strategy == STRATEGY_MOST_FREQUENT;
    uint64_t *tmp = sorts ? api->alloc((2 * n + 1) * sizeof *tmp) : NULL;
    int rc = AIWB_OK;

    clear_columns(s);
    s->cols = api->calloc(p + 1, sizeof *s->cols);
    for (size_t c = 0; c < p && rc == AIWB_OK; c++) {
        struct column *col = &s->cols[s->n_cols++];
        col->name = api->strdup(api->frame_col_name(in, c));
        col->type = api->frame_col_type(in, c);
        if (col->type == AIWB_NUMERIC)
            rc = fit_numeric(s, in, c, col, buf, tmp, cause);
        else
            rc = fit_categorical(s, in, c, col, cause);
    }
    api->free(buf);
    api->free(tmp);
    if (rc == AIWB_OK)
        rc = check_indicator_names(s, in, cause);
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
match_columns(const struct impute *s, const struct aiwb_frame *in, long *fit_of, char **cause)
{
    for (size_t c = 0; c < api->frame_cols(in); c++)
        fit_of[c] = -1;
    for (size_t j = 0; j < s->n_cols; j++) {
        long c = api->frame_find(in, s->cols[j].name);
        if (c < 0) {
            *cause = api->format("impute: column '%s' is missing", s->cols[j].name);
            return AIWB_EDATA;
        }
        if (api->frame_col_type(in, (size_t)c) != s->cols[j].type) {
            *cause = api->format("impute: column '%s' is %s, but was %s at fit time",
                                 s->cols[j].name, type_name(api->frame_col_type(in, (size_t)c)),
                                 type_name(s->cols[j].type));
            return AIWB_EDATA;
        }
        fit_of[c] = (long)j;
    }
    return AIWB_OK;
}

static int
has_missing(const struct aiwb_frame *in, size_t c)
{
    size_t n = api->frame_rows(in);

    if (api->frame_col_type(in, c) == AIWB_NUMERIC) {
        const double *x = api->frame_numeric(in, c);
        for (size_t i = 0; i < n; i++)
            if (isnan(x[i]))
                return 1;
    } else {
        const int32_t *code = api->frame_codes(in, c);
        for (size_t i = 0; i < n; i++)
            if (code[i] == AIWB_NA_CODE)
                return 1;
    }
    return 0;
}

/*
 * Add column C of IN to OUT with its missing values filled as COL says. The column is
 * shared with IN and copied on the first write, so a column without missing values costs
 * nothing, and a categorical one keeps its levels (the fill level joins at the end if new).
 */
static int
fill_column(const struct column *col, const struct aiwb_frame *in, size_t c,
            struct aiwb_frame *out, char **cause)
{
    size_t n = api->frame_rows(in), oc = api->frame_cols(out);

    if (api->frame_copy_col(out, in, c, NULL) != AIWB_OK) {
        *cause = api->format("impute: cannot add column '%s' to the output", col->name);
        return AIWB_ERR;
    }
    if (!has_missing(in, c))
        return AIWB_OK;
    if (col->type == AIWB_NUMERIC) {
        double *y = api->frame_numeric_mut(out, oc);
        for (size_t i = 0; i < n; i++)
            if (isnan(y[i]))
                y[i] = col->value;
    } else {
        int32_t fill = api->frame_level_intern(out, oc, col->level, strlen(col->level));
        int32_t *y;
        if (fill < 0) {
            *cause = api->format("impute: cannot add level '%s' to column '%s'", col->level,
                                 col->name);
            return AIWB_EDATA;
        }
        y = api->frame_codes_mut(out, oc);
        for (size_t i = 0; i < n; i++)
            if (y[i] == AIWB_NA_CODE)
                y[i] = fill;
    }
    return AIWB_OK;
}

/* Add COL's 0/1 indicator column, from column C of IN, to OUT. */
static int
add_indicator(const struct column *col, const struct aiwb_frame *in, size_t c,
              struct aiwb_frame *out, char **cause)
{
    size_t n = api->frame_rows(in);
    char *name = indicator_name(col);
    double *y = api->frame_add_numeric(out, name);

    if (y == NULL) {
        *cause = api->format("impute: cannot add column '%s' to the output", name);
        api->free(name);
        return AIWB_ERR;
    }
    api->free(name);
    if (col->type == AIWB_NUMERIC) {
        const double *x = api->frame_numeric(in, c);
        for (size_t i = 0; i < n; i++)
            y[i] = isnan(x[i]) ? 1.0 : 0.0;
    } else {
        const int32_t *code = api->frame_codes(in, c);
        for (size_t i = 0; i < n; i++)
            y[i] = code[i] == AIWB_NA_CODE ? 1.0 : 0.0;
    }
    return AIWB_OK;
}

static int
impute_apply(const void *state, const struct aiwb_frame *in, struct aiwb_frame **out,
             char **cause)
{
    const struct impute *s = state;
    size_t p = api->frame_cols(in);
    long *fit_of = api->alloc((p + 1) * sizeof *fit_of);
    struct aiwb_frame *f = NULL;
    int rc;

    rc = match_columns(s, in, fit_of, cause);
    if (rc == AIWB_OK)
        rc = check_indicator_names(s, in, cause);
    if (rc != AIWB_OK)
        goto out;
    f = api->frame_new(api->frame_rows(in));
    for (size_t c = 0; c < p && rc == AIWB_OK; c++) {
        const struct column *col;
        if (fit_of[c] < 0) {
            rc = api->frame_copy_col(f, in, c, NULL);
            if (rc != AIWB_OK)
                *cause = api->format("impute: cannot pass column '%s' through",
                                     api->frame_col_name(in, c));
            continue;
        }
        col = &s->cols[fit_of[c]];
        rc = fill_column(col, in, c, f, cause);
        if (rc == AIWB_OK && s->indicators && col->had_missing)
            rc = add_indicator(col, in, c, f, cause);
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

static int
impute_save(const void *state, struct aiwb_writer *w)
{
    const struct impute *s = state;
    size_t n = s->n_cols;
    const char **names = api->calloc(n + 1, sizeof *names);
    const char **levels = api->calloc(n + 1, sizeof *levels);
    int64_t *types = api->calloc(n + 1, sizeof *types);
    int64_t *had = api->calloc(n + 1, sizeof *had);
    double *values = api->calloc(n + 1, sizeof *values);
    int rc;

    for (size_t j = 0; j < n; j++) {
        names[j] = s->cols[j].name;
        levels[j] = s->cols[j].level != NULL ? s->cols[j].level : "";
        types[j] = s->cols[j].type;
        had[j] = s->cols[j].had_missing;
        values[j] = s->cols[j].value;
    }
    if ((rc = api->put_int(w, "strategy", s->strategy)) == AIWB_OK &&
        (rc = api->put_int(w, "indicators", s->indicators)) == AIWB_OK &&
        (rc = api->put_int(w, "has_fill_value", s->fill_value != NULL)) == AIWB_OK &&
        (rc = api->put_str(w, "fill_value", s->fill_value ? s->fill_value : "")) == AIWB_OK &&
        (rc = api->put_strs(w, "columns", n, names)) == AIWB_OK &&
        (rc = api->put_ints(w, "types", n, types)) == AIWB_OK &&
        (rc = api->put_ints(w, "had_missing", n, had)) == AIWB_OK &&
        (rc = api->put_reals(w, "values", n, values)) == AIWB_OK)
        rc = api->put_strs(w, "levels", n, levels);
    api->free(names);
    api->free(levels);
    api->free(types);
    api->free(had);
    api->free(values);
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
impute_load(void *state, struct aiwb_reader *r, unsigned version, char **cause)
{
    struct impute *s = state;
    int64_t strategy, indicators, has_fill;
    char *fill = NULL, **names = NULL, **levels = NULL;
    int64_t *types = NULL, *had = NULL;
    double *values = NULL;
    size_t n_names = 0, n_types = 0, n_had = 0, n_values = 0, n_levels = 0;
    int rc;

    if (version != STATE_VERSION) {
        *cause = api->format("impute: cannot read state version %u (this plugin reads "
                             "version %d)",
                             version, STATE_VERSION);
        return AIWB_EDATA;
    }
    impute_fini(s);
    if ((rc = api->get_int(r, "strategy", &strategy)) != AIWB_OK ||
        (rc = api->get_int(r, "indicators", &indicators)) != AIWB_OK ||
        (rc = api->get_int(r, "has_fill_value", &has_fill)) != AIWB_OK ||
        (rc = api->get_str(r, "fill_value", &fill)) != AIWB_OK ||
        (rc = api->get_strs(r, "columns", &n_names, &names)) != AIWB_OK ||
        (rc = api->get_ints(r, "types", &n_types, &types)) != AIWB_OK ||
        (rc = api->get_ints(r, "had_missing", &n_had, &had)) != AIWB_OK ||
        (rc = api->get_reals(r, "values", &n_values, &values)) != AIWB_OK ||
        (rc = api->get_strs(r, "levels", &n_levels, &levels)) != AIWB_OK)
        goto out;
    rc = AIWB_EDATA;
    if (strategy < 0 || (size_t)strategy >= N_STRATEGIES || n_types != n_names ||
        n_had != n_names || n_values != n_names || n_levels != n_names) {
        *cause = api->format("impute: saved state is inconsistent");
        goto out;
    }
    for (size_t j = 0; j < n_names; j++) {
        if (types[j] != AIWB_NUMERIC && types[j] != AIWB_CATEGORICAL) {
            *cause = api->format("impute: saved state has column '%s' of unknown type %lld",
                                 names[j], (long long)types[j]);
            goto out;
        }
    }
    s->strategy = (enum strategy)strategy;
    s->indicators = indicators != 0;
    if (has_fill) {
        s->fill_value = fill;
        fill = NULL;
    }
    s->cols = api->calloc(n_names + 1, sizeof *s->cols);
    for (size_t j = 0; j < n_names; j++) {
        struct column *col = &s->cols[s->n_cols++];
        col->name = names[j];
        col->type = (enum aiwb_coltype)types[j];
        col->had_missing = had[j] != 0;
        col->value = values[j];
        if (col->type == AIWB_CATEGORICAL) {
            col->level = levels[j];
            levels[j] = NULL;
        }
        names[j] = NULL;
    }
    rc = AIWB_OK;
out:
    api->free(fill);
    free_strs(names, n_names);
    free_strs(levels, n_levels);
    api->free(types);
    api->free(had);
    api->free(values);
    return rc;
}

static const struct aiwb_option_spec impute_options[] = {
    {.name = "strategy",
     .type = AIWB_OPT_CHOICE,
     .def = "mean",
     .choices = "mean|median|most_frequent|constant",
     .help = "how numeric columns are filled: their mean, their median (the mean of the middle two "
     "for an even count), their most frequent value (the smallest on ties), or fill_value; "
     "categorical columns always get their most frequent level (the smallest text on ties) "
     "unless strategy=constant"},
    {.name = "fill_value",
     .type = AIWB_OPT_STRING,
     .help = "the value strategy=constant fills in (and only then allowed): a number for numeric "
     "columns, a level's text for categorical ones"},
    {.name = "indicators",
     .type = AIWB_OPT_BOOL,
     .def = "false",
     .help = "add a 0/1 column '<name>_missing' after each column that had missing values at fit "
     "time"},
    {.name = NULL},
};

static const struct aiwb_transform_type impute_type = {
    .abi_version = AIWB_ABI_VERSION,
    .size = sizeof(struct aiwb_transform_type),
    .name = "impute",
    .summary = "fill missing values (mean, median, most frequent or a constant)",
    .help = "Numeric columns get their mean, median, most frequent value or a constant;\n"
            "categorical ones their most frequent level or the constant. indicators=true\n"
            "adds a 0/1 '<name>_missing' column after each column that had missing values.",
    .options = impute_options,
    .flags = AIWB_CAP_MISSING | AIWB_CAP_CATEGORICAL | AIWB_TF_NO_MISSING | AIWB_TF_FIT,
    .state_version = STATE_VERSION,
    .state_size = sizeof(struct impute),
    .init = impute_init,
    .fit = impute_fit,
    .apply = impute_apply,
    .save = impute_save,
    .load = impute_load,
    .fini = impute_fini,
};

/*
 * The module's entry point: declare the module "impute" and register its one transform.
 * Returns AIWB_OK, or the host's refusal (AIWB_EABI, AIWB_EINVAL).
 */
int
aiwb_plugin_init(struct aiwb_plugin *p, const struct aiwb_host_api *host)
{
    AIWB_PLUGIN_BEGIN(p, host, api, "impute", "1.0.0");
    return api->register_transform(p, &impute_type);
}
