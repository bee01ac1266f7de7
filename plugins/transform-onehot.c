/*
 * transform-onehot.c - the onehot transform: each categorical column becomes one 0/1
 * column per level seen at fit time, matched by the level's text.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include <aiwb/plugin.h>

#define STATE_VERSION 1

static const struct aiwb_host_api *api;

/* A level of a fitted column, for lookups by text. */
struct entry {
    const char *text; /* borrowed from column.levels */
    size_t index;     /* its place in column.levels */
};

/* What fit learned about one column of its frame. */
struct column {
    char *name;
    enum aiwb_coltype type;
    size_t n_levels;      /* categorical: the levels seen at fit time ... */
    char **levels;        /* ... in the fit frame's level order */
    struct entry *sorted; /* the same levels sorted by text */
};

struct onehot {
    int drop_first;
    size_t n_cols; /* every column of the fit frame, in its order */
    struct column *cols;
};

static void
clear_columns(struct onehot *s)
{
    for (size_t j = 0; j < s->n_cols; j++) {
        struct column *col = &s->cols[j];
        for (size_t l = 0; l < col->n_levels; l++)
            api->free(col->levels[l]);
        api->free(col->levels);
        api->free(col->sorted);
        api->free(col->name);
    }
    api->free(s->cols);
    s->cols = NULL;
    s->n_cols = 0;
}

static void
onehot_fini(void *state)
{
    clear_columns(state);
}

static int
onehot_init(void *state, const struct aiwb_options *opts, char **cause)
{
    struct onehot *s = state;

    (void)cause;
    s->drop_first = api->opt_bool(opts, "drop_first");
    return AIWB_OK;
}

static int
compare_entries(const void *a, const void *b)
{
    return strcmp(((const struct entry *)a)->text, ((const struct entry *)b)->text);
}

/* Build COL's lookup table from its levels. */
static void
index_levels(struct column *col)
{
    col->sorted = api->calloc(col->n_levels + 1, sizeof *col->sorted);
    for (size_t l = 0; l < col->n_levels; l++) {
        col->sorted[l].text = col->levels[l];
        col->sorted[l].index = l;
    }
    qsort(col->sorted, col->n_levels, sizeof *col->sorted, compare_entries);
}

/* The index in COL's levels of the level TEXT, or -1 if fit did not see it. */
static long
find_level(const struct column *col, const char *text)
{
    struct entry key = {text, 0};
    const struct entry *e =
        bsearch(&key, col->sorted, col->n_levels, sizeof *col->sorted, compare_entries);

    return e != NULL ? (long)e->index : -1;
}

/* Learn the levels that occur in categorical column C of IN, in the frame's order. */
static int
fit_levels(const struct aiwb_frame *in, size_t c, struct column *col, char **cause)
{
    const int32_t *code = api->frame_codes(in, c);
    size_t n = api->frame_rows(in), nlev = api->frame_nlevels(in, c);
    unsigned char *seen = api->calloc(nlev + 1, 1);
    size_t k = 0;

    for (size_t i = 0; i < n; i++)
        if (code[i] >= 0 && (size_t)code[i] < nlev)
            seen[code[i]] = 1;
    for (size_t l = 0; l < nlev; l++)
        k += seen[l];
    col->levels = api->calloc(k + 1, sizeof *col->levels);
    for (size_t l = 0; l < nlev; l++)
        if (seen[l])
            col->levels[col->n_levels++] = api->strdup(api->frame_level(in, c, (int32_t)l));
    api->free(seen);
    if (col->n_levels == 0) {
        *cause = api->format("onehot: column '%s' has no values to learn levels from",
                             col->name);
        return AIWB_EDATA;
    }
    index_levels(col);
    return AIWB_OK;
}

static int
onehot_fit(void *state, const struct aiwb_frame *in, char **cause)
{
    struct onehot *s = state;
    size_t p = api->frame_cols(in);
    int rc = AIWB_OK;

    clear_columns(s);
    s->cols = api->calloc(p + 1, sizeof *s->cols);
    for (size_t c = 0; c < p && rc == AIWB_OK; c++) {
        struct column *col = &s->cols[s->n_cols++];
        col->name = api->strdup(api->frame_col_name(in, c));
        col->type = api->frame_col_type(in, c);
        if (col->type == AIWB_CATEGORICAL)
            rc = fit_levels(in, c, col, cause);
    }
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
match_columns(const struct onehot *s, const struct aiwb_frame *in, long *fit_of, char **cause)
{
    for (size_t c = 0; c < api->frame_cols(in); c++)
        fit_of[c] = -1;
    for (size_t j = 0; j < s->n_cols; j++) {
        long c = api->frame_find(in, s->cols[j].name);
        if (c < 0) {
            *cause = api->format("onehot: column '%s' is missing", s->cols[j].name);
            return AIWB_EDATA;
        }
        if (api->frame_col_type(in, (size_t)c) != s->cols[j].type) {
            *cause = api->format("onehot: column '%s' is %s, but was %s at fit time",
                                 s->cols[j].name, type_name(api->frame_col_type(in, (size_t)c)),
                                 type_name(s->cols[j].type));
            return AIWB_EDATA;
        }
        fit_of[c] = (long)j;
    }
    return AIWB_OK;
}

/* Log how many rows of COL got all zeros, and why; UNSEEN is one unseen level or NULL. */
static void
warn_zeros(const struct column *col, size_t n_missing, size_t n_unseen, const char *unseen)
{
    size_t n = n_missing + n_unseen;

    if (n_unseen == 0)
        api->log(AIWB_LOG_WARN, "onehot: column '%s': %zu %s with a missing value encoded "
                                "as all zeros",
                 col->name, n, n == 1 ? "row" : "rows");
    else
        api->log(AIWB_LOG_WARN, "onehot: column '%s': %zu %s encoded as all zeros (%zu "
                                "missing, %zu with a level not seen at fit time, such as '%s')",
                 col->name, n, n == 1 ? "row" : "rows", n_missing, n_unseen, unseen);
}

/* Add the 0/1 columns of categorical column C of IN, fitted as COL, to OUT. */
static int
encode_column(const struct onehot *s, const struct column *col, const struct aiwb_frame *in,
              size_t c, struct aiwb_frame *out, char **cause)
{
    const int32_t *code = api->frame_codes(in, c);
    size_t n = api->frame_rows(in), nlev = api->frame_nlevels(in, c);
    size_t first = s->drop_first ? 1 : 0, n_missing = 0, n_unseen = 0;
    long *map = api->alloc((nlev + 1) * sizeof *map);
    double **y = api->calloc(col->n_levels + 1, sizeof *y);
    const char *unseen = NULL;
    int rc = AIWB_OK;

    for (size_t k = 0; k < nlev; k++)
        map[k] = find_level(col, api->frame_level(in, c, (int32_t)k));
    for (size_t l = first; l < col->n_levels; l++) {
        char *name = api->format("%s=%s", col->name, col->levels[l]);
        y[l] = api->frame_add_numeric(out, name);
        if (y[l] == NULL) {
            *cause = api->format("onehot: column '%s' clashes with a column of that name",
                                 name);
            rc = AIWB_EDATA;
        }
        api->free(name);
        if (rc != AIWB_OK)
            goto out;
    }
    for (size_t i = 0; i < n; i++) {
        long l = code[i] >= 0 && (size_t)code[i] < nlev ? map[code[i]] : -2;
        if (l >= (long)first)
            y[l][i] = 1;
        else if (l == -2)
            n_missing++;
        else if (l == -1 && n_unseen++ == 0)
            unseen = api->frame_level(in, c, code[i]);
    }
    if (n_missing + n_unseen > 0)
        warn_zeros(col, n_missing, n_unseen, unseen);
out:
    api->free(map);
    api->free(y);
    return rc;
}

static int
onehot_apply(const void *state, const struct aiwb_frame *in, struct aiwb_frame **out,
             char **cause)
{
    const struct onehot *s = state;
    size_t p = api->frame_cols(in);
    long *fit_of = api->alloc((p + 1) * sizeof *fit_of);
    struct aiwb_frame *f = NULL;
    int rc;

    rc = match_columns(s, in, fit_of, cause);
    if (rc != AIWB_OK)
        goto out;
    f = api->frame_new(api->frame_rows(in));
    for (size_t c = 0; c < p && rc == AIWB_OK; c++) {
        const struct column *col = fit_of[c] >= 0 ? &s->cols[fit_of[c]] : NULL;
        if (col != NULL && col->type == AIWB_CATEGORICAL) {
            rc = encode_column(s, col, in, c, f, cause);
        } else if ((rc = api->frame_copy_col(f, in, c, NULL)) != AIWB_OK) {
            *cause = api->format("onehot: column '%s' clashes with a column of that name",
                                 api->frame_col_name(in, c));
        }
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
onehot_save(const void *state, struct aiwb_writer *w)
{
    const struct onehot *s = state;
    size_t n = s->n_cols, total = 0, t = 0;
    const char **names = api->calloc(n + 1, sizeof *names);
    int64_t *types = api->calloc(n + 1, sizeof *types);
    int64_t *counts = api->calloc(n + 1, sizeof *counts);
    const char **levels;
    int rc;

    for (size_t j = 0; j < n; j++)
        total += s->cols[j].n_levels;
    levels = api->calloc(total + 1, sizeof *levels);
    for (size_t j = 0; j < n; j++) {
        names[j] = s->cols[j].name;
        types[j] = s->cols[j].type;
        counts[j] = (int64_t)s->cols[j].n_levels;
        for (size_t l = 0; l < s->cols[j].n_levels; l++)
            levels[t++] = s->cols[j].levels[l];
    }
    if ((rc = api->put_int(w, "drop_first", s->drop_first)) == AIWB_OK &&
        (rc = api->put_strs(w, "columns", n, names)) == AIWB_OK &&
        (rc = api->put_ints(w, "types", n, types)) == AIWB_OK &&
        (rc = api->put_ints(w, "n_levels", n, counts)) == AIWB_OK)
        rc = api->put_strs(w, "levels", total, levels);
    api->free(names);
    api->free(types);
    api->free(counts);
    api->free(levels);
    return rc;
}

static void
free_strs(char **v, size_t n)
{
    for (size_t i = 0; v != NULL && i < n; i++)
        api->free(v[i]);
    api->free(v);
}

/* Check the arrays load read: as many of each, known types, level counts adding up. */
static int
check_loaded(size_t n_names, size_t n_types, size_t n_counts, size_t n_levels,
             const int64_t *types, const int64_t *counts, char **cause)
{
    size_t total = 0;

    if (n_types != n_names || n_counts != n_names)
        goto bad;
    for (size_t j = 0; j < n_names; j++) {
        if (types[j] != AIWB_NUMERIC && types[j] != AIWB_CATEGORICAL)
            goto bad;
        if (counts[j] < 0 || (size_t)counts[j] > n_levels - total)
            goto bad;
        if ((types[j] == AIWB_NUMERIC) != (counts[j] == 0))
            goto bad;
        total += (size_t)counts[j];
    }
    if (total == n_levels)
        return AIWB_OK;
bad:
    *cause = api->format("onehot: saved state is inconsistent");
    return AIWB_EDATA;
}

static int
onehot_load(void *state, struct aiwb_reader *r, unsigned version, char **cause)
{
    struct onehot *s = state;
    int64_t drop_first, *types = NULL, *counts = NULL;
    char **names = NULL, **levels = NULL;
    size_t n_names = 0, n_types = 0, n_counts = 0, n_levels = 0, t = 0;
    int rc;

    if (version != STATE_VERSION) {
        *cause = api->format("onehot: cannot read state version %u (this plugin reads "
                             "version %d)",
                             version, STATE_VERSION);
        return AIWB_EDATA;
    }
    clear_columns(s);
    if ((rc = api->get_int(r, "drop_first", &drop_first)) != AIWB_OK ||
        (rc = api->get_strs(r, "columns", &n_names, &names)) != AIWB_OK ||
        (rc = api->get_ints(r, "types", &n_types, &types)) != AIWB_OK ||
        (rc = api->get_ints(r, "n_levels", &n_counts, &counts)) != AIWB_OK ||
        (rc = api->get_strs(r, "levels", &n_levels, &levels)) != AIWB_OK)
        goto out;
    rc = check_loaded(n_names, n_types, n_counts, n_levels, types, counts, cause);
    if (rc != AIWB_OK)
        goto out;
    s->drop_first = drop_first != 0;
    s->cols = api->calloc(n_names + 1, sizeof *s->cols);
    for (size_t j = 0; j < n_names; j++) {
        struct column *col = &s->cols[s->n_cols++];
        col->name = names[j];
        names[j] = NULL;
        col->type = (enum aiwb_coltype)types[j];
        col->levels = api->calloc((size_t)counts[j] + 1, sizeof *col->levels);
        for (; col->n_levels < (size_t)counts[j]; t++) {
            col->levels[col->n_levels++] = levels[t];
            levels[t] = NULL;
        }
        if (col->type == AIWB_CATEGORICAL)
            index_levels(col);
    }
out:
    free_strs(names, n_names);
    free_strs(levels, n_levels);
    api->free(types);
    api->free(counts);
    return rc;
}

static const struct aiwb_option_spec onehot_options[] = {
    {.name = "drop_first",
     .type = AIWB_OPT_BOOL,
     .def = "false",
     .help = "leave out the column of each categorical column's first level, as R's treatment "
     "contrasts (a column with one level then gives no columns at all)"},
    {.name = NULL},
};

static const struct aiwb_transform_type onehot_type = {
    .abi_version = AIWB_ABI_VERSION,
    .size = sizeof(struct aiwb_transform_type),
    .name = "onehot",
    .summary = "encode categorical columns as 0/1 columns, one per level",
    .help = "Each categorical column becomes 0/1 columns '<column>=<level>', one per level\n"
            "seen at fit time in the level order (a column with a single level still gets\n"
            "its column); drop_first=true drops the first level's, as R's treatment coding.\n"
            "Missing values and levels not seen at fit time give all zeros, with a warning.\n"
            "Numeric columns pass through.",
    .options = onehot_options,
    .flags = AIWB_CAP_MISSING | AIWB_CAP_CATEGORICAL | AIWB_TF_NUMERIC | AIWB_TF_FIT,
    .state_version = STATE_VERSION,
    .state_size = sizeof(struct onehot),
    .init = onehot_init,
    .fit = onehot_fit,
    .apply = onehot_apply,
    .save = onehot_save,
    .load = onehot_load,
    .fini = onehot_fini,
};

/*
 * The module's entry point: declare the module "onehot" and register its one transform.
 * Returns AIWB_OK, or the host's refusal (AIWB_EABI, AIWB_EINVAL).
 */
int
aiwb_plugin_init(struct aiwb_plugin *p, const struct aiwb_host_api *host)
{
    AIWB_PLUGIN_BEGIN(p, host, api, "onehot", "1.0.0");
    return api->register_transform(p, &onehot_type);
}
