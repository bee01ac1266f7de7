/*
 * transform-dedupe.c - the dedupe transform: drop the rows equal to another row on every
 * column or on the columns named, keeping the first, the last or none of each group.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Rows are hashed a column at a time into one 64-bit key each, then put in an open
 * addressing table; only rows whose keys collide are compared value by value, so the work
 * is O(rows x columns) and not O(rows^2).
 */
#include <config.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include <aiwb/plugin.h>

/* The state holds what init parsed and nothing fitted; save writes the options' text. */
#define STATE_VERSION 1

/* How many column names an error message lists before it says how many more there are. */
#define MAX_LISTED 20

static const struct aiwb_host_api *api;

enum keep { KEEP_FIRST, KEEP_LAST, KEEP_NONE };

static const char *const keep_names[] = {"first", "last", "none"};
#define N_KEEPS (sizeof keep_names / sizeof keep_names[0])

/* One item of columns=: a name, or a prefix when it ended with '*'. */
struct item {
    char *name;
    int prefix;
};

struct dedupe {
    enum keep keep;
    char *columns; /* the option as given; NULL: every column */
    size_t n;
    struct item *items;
};

static void
clear_state(struct dedupe *s)
{
    for (size_t k = 0; k < s->n; k++)
        api->free(s->items[k].name);
    api->free(s->items);
    api->free(s->columns);
    memset(s, 0, sizeof *s);
}

static void
dedupe_fini(void *state)
{
    clear_state(state);
}

/* A new copy of [FROM, TO) without the spaces around it. */
static char *
trimmed(const char *from, const char *to)
{
    char *s;

    while (from < to && (*from == ' ' || *from == '\t'))
        from++;
    while (to > from && (to[-1] == ' ' || to[-1] == '\t'))
        to--;
    s = api->alloc((size_t)(to - from) + 1);
    memcpy(s, from, (size_t)(to - from));
    s[to - from] = '\0';
    return s;
}

/* Set S from the option texts: KEEP (a word of keep_names) and COLUMNS (NULL: all). */
static int
configure(struct dedupe *s, const char *keep, const char *columns, char **cause)
{
    size_t cap = 1;

    clear_state(s);
    for (size_t k = 0; k < N_KEEPS; k++)
        if (keep != NULL && strcmp(keep, keep_names[k]) == 0)
            s->keep = (enum keep)k;
    if (columns == NULL)
        return AIWB_OK;
    s->columns = api->strdup(columns);
    for (const char *p = columns; *p; p++)
        cap += *p == ',';
    s->items = api->calloc(cap, sizeof *s->items);
    for (const char *p = columns;;) {
        const char *end = strchr(p, ',');
        struct item *it = &s->items[s->n];
        size_t len;
        if (end == NULL)
            end = p + strlen(p);
        it->name = trimmed(p, end);
        s->n++;
        len = strlen(it->name);
        if (len == 0) {
            *cause = api->format("dedupe: columns='%s' item %zu is empty", columns, s->n);
            clear_state(s);
            return AIWB_EINVAL;
        }
        it->prefix = it->name[len - 1] == '*';
        if (it->prefix)
            it->name[len - 1] = '\0';
        if (*end == '\0')
            break;
        p = end + 1;
    }
    return AIWB_OK;
}

static int
dedupe_init(void *state, const struct aiwb_options *opts, char **cause)
{
    return configure(state, api->opt_str(opts, "keep"), api->opt_str(opts, "columns"), cause);
}

/* The names of IN's columns, "a, b, c", at most MAX_LISTED of them (a new string). */
static char *
column_list(const struct aiwb_frame *in)
{
    size_t p = api->frame_cols(in), len = 1;
    char *list, *at;

    for (size_t c = 0; c < p && c < MAX_LISTED; c++)
        len += strlen(api->frame_col_name(in, c)) + 2;
    at = list = api->alloc(len + 64);
    *at = '\0';
    for (size_t c = 0; c < p && c < MAX_LISTED; c++) {
        const char *name = api->frame_col_name(in, c);
        size_t k = strlen(name);
        if (c > 0) {
            memcpy(at, ", ", 2);
            at += 2;
        }
        memcpy(at, name, k + 1);
        at += k;
    }
    if (p > MAX_LISTED)
        snprintf(at, 64, " and %zu more", p - MAX_LISTED);
    if (p == 0)
        snprintf(at, 64, "none");
    return list;
}

/* The columns of IN that rows are compared on, flagged in USE (every column when S names
 * none). An item that matches no column is an error. */
static int
resolve(const struct dedupe *s, const struct aiwb_frame *in, unsigned char *use, char **cause)
{
    size_t p = api->frame_cols(in);

    memset(use, s->items == NULL, p + 1);
    for (size_t k = 0; k < s->n; k++) {
        const struct item *it = &s->items[k];
        size_t len = strlen(it->name);
        int found = 0;
        for (size_t c = 0; c < p; c++) {
            const char *name = api->frame_col_name(in, c);
            if (it->prefix ? strncmp(name, it->name, len) == 0 : strcmp(name, it->name) == 0) {
                use[c] = 1;
                found = 1;
            }
        }
        if (!found) {
            char *list = column_list(in);
            *cause = api->format("dedupe: no column %s '%s' (the columns: %s)",
                                 it->prefix ? "starts with" : "is named", it->name, list);
            api->free(list);
            return AIWB_EDATA;
        }
    }
    return AIWB_OK;
}

/* The columns rows are compared on: numeric ones as values, categorical ones as codes
 * (within one frame a column's codes and level texts correspond one to one). */
struct key {
    size_t n_num, n_cat;
    const double **num;
    const int32_t **cat;
};

/* The bits of X for hashing: equal numbers give equal bits (-0 as 0, every NaN alike). */
static inline uint64_t
bits_of(double x)
{
    uint64_t u;

    if (isnan(x))
        x = NAN;
    else if (x == 0)
        x = 0;
    memcpy(&u, &x, sizeof u);
    return u;
}

/* The finaliser of MurmurHash3: every bit of X affects every bit of the result. */
static inline uint64_t
mix64(uint64_t x)
{
    x ^= x >> 33;
    x *= UINT64_C(0xff51afd7ed558ccd);
    x ^= x >> 33;
    x *= UINT64_C(0xc4ceb9fe1a85ec53);
    x ^= x >> 33;
    return x;
}

/* H[i]: the hash of row i on K's columns, computed a column at a time. */
static void
hash_rows(const struct key *k, size_t n, uint64_t *h)
{
    for (size_t i = 0; i < n; i++)
        h[i] = UINT64_C(0x9e3779b97f4a7c15);
    for (size_t j = 0; j < k->n_num; j++) {
        const double *x = k->num[j];
        for (size_t i = 0; i < n; i++)
            h[i] = mix64(h[i] ^ bits_of(x[i]));
    }
    for (size_t j = 0; j < k->n_cat; j++) {
        const int32_t *x = k->cat[j];
        for (size_t i = 0; i < n; i++)
            h[i] = mix64(h[i] ^ (uint64_t)(uint32_t)x[i]);
    }
}

/* Whether rows A and B are equal on K's columns (NaN equal to NaN). */
static int
rows_equal(const struct key *k, size_t a, size_t b)
{
    for (size_t j = 0; j < k->n_num; j++) {
        double x = k->num[j][a], y = k->num[j][b];
        if (x != y && !(isnan(x) && isnan(y)))
            return 0;
    }
    for (size_t j = 0; j < k->n_cat; j++)
        if (k->cat[j][a] != k->cat[j][b])
            return 0;
    return 1;
}

/* A slot of the hash table: a row and its hash, so that rows whose hashes differ are never
 * compared value by value. */
struct slot {
    uint64_t hash;
    size_t row; /* row + 1, 0 for empty */
};

/*
 * GROUP[i]: the first row, in the order of visit (forward, or backward when BACKWARD), that
 * equals row i; COUNT[g]: how many rows group g holds (when COUNT is not NULL).
 */
static void
group_rows(const struct key *k, const uint64_t *h, size_t n, int backward, size_t *group,
           size_t *count)
{
    struct slot *slot;
    size_t cap = 16, mask;

    while (cap < 2 * n)
        cap *= 2;
    mask = cap - 1;
    slot = api->calloc(cap, sizeof *slot);
    for (size_t t = 0; t < n; t++) {
        size_t i = backward ? n - 1 - t : t, at = (size_t)h[i] & mask;
        while (slot[at].row != 0 && (slot[at].hash != h[i] || !rows_equal(k, slot[at].row - 1, i)))
            at = (at + 1) & mask;
        if (slot[at].row == 0) {
            slot[at].hash = h[i];
            slot[at].row = i + 1;
        }
        group[i] = slot[at].row - 1;
        if (count != NULL)
            count[group[i]]++;
    }
    api->free(slot);
}

/* The rows of IN to keep into IDX (ascending); returns how many. */
static size_t
kept_rows(const struct dedupe *s, const struct key *k, const struct aiwb_frame *in, size_t *idx)
{
    size_t n = api->frame_rows(in), kept = 0;
    uint64_t *h = api->alloc((n + 1) * sizeof *h);
    size_t *group = api->alloc((n + 1) * sizeof *group);
    size_t *count = s->keep == KEEP_NONE ? api->calloc(n + 1, sizeof *count) : NULL;

    hash_rows(k, n, h);
    group_rows(k, h, n, s->keep == KEEP_LAST, group, count);
    for (size_t i = 0; i < n; i++)
        if (count != NULL ? count[group[i]] == 1 : group[i] == i)
            idx[kept++] = i;
    api->free(h);
    api->free(group);
    api->free(count);
    return kept;
}

static int
dedupe_apply(const void *state, const struct aiwb_frame *in, struct aiwb_frame **out, char **cause)
{
    const struct dedupe *s = state;
    size_t p = api->frame_cols(in), n = api->frame_rows(in), kept;
    unsigned char *use = api->alloc(p + 1);
    struct key k = {0};
    size_t *idx = NULL;
    int rc;

    *out = NULL;
    if ((rc = resolve(s, in, use, cause)) != AIWB_OK)
        goto out;
    k.num = api->calloc(p + 1, sizeof *k.num);
    k.cat = api->calloc(p + 1, sizeof *k.cat);
    for (size_t c = 0; c < p; c++) {
        if (!use[c])
            continue;
        if (api->frame_col_type(in, c) == AIWB_NUMERIC)
            k.num[k.n_num++] = api->frame_numeric(in, c);
        else
            k.cat[k.n_cat++] = api->frame_codes(in, c);
    }
    idx = api->alloc((n + 1) * sizeof *idx);
    kept = kept_rows(s, &k, in, idx);
    if (kept < n) {
        *out = api->frame_take(in, idx, kept);
    } else {
        *out = api->frame_new(n); /* nothing dropped: share the columns */
        for (size_t c = 0; c < p; c++)
            api->frame_copy_col(*out, in, c, NULL);
    }
out:
    api->free(use);
    api->free(k.num);
    api->free(k.cat);
    api->free(idx);
    return rc;
}

static int
dedupe_save(const void *state, struct aiwb_writer *w)
{
    const struct dedupe *s = state;
    int rc;

    if ((rc = api->put_str(w, "keep", keep_names[s->keep])) == AIWB_OK &&
        (rc = api->put_int(w, "has_columns", s->columns != NULL)) == AIWB_OK)
        rc = api->put_str(w, "columns", s->columns != NULL ? s->columns : "");
    return rc;
}

static int
dedupe_load(void *state, struct aiwb_reader *r, unsigned version, char **cause)
{
    char *keep = NULL, *columns = NULL;
    int64_t has_columns;
    int rc;

    if (version != STATE_VERSION) {
        *cause = api->format("dedupe: cannot read state version %u (this plugin reads "
                             "version %d)",
                             version, STATE_VERSION);
        return AIWB_EDATA;
    }
    if ((rc = api->get_str(r, "keep", &keep)) == AIWB_OK &&
        (rc = api->get_int(r, "has_columns", &has_columns)) == AIWB_OK &&
        (rc = api->get_str(r, "columns", &columns)) == AIWB_OK) {
        size_t k = 0;
        while (k < N_KEEPS && strcmp(keep, keep_names[k]) != 0)
            k++;
        if (k == N_KEEPS) {
            *cause = api->format("dedupe: saved state has keep='%s'", keep);
            rc = AIWB_EDATA;
        } else {
            rc = configure(state, keep, has_columns ? columns : NULL, cause);
        }
    }
    api->free(keep);
    api->free(columns);
    return rc;
}

static const struct aiwb_option_spec dedupe_options[] = {
    {.name = "columns",
     .type = AIWB_OPT_STRING,
     .help = "compare rows on these columns only, comma-separated (NAME* for every column whose "
             "name starts with NAME); all columns when not given"},
    {.name = "keep",
     .type = AIWB_OPT_CHOICE,
     .def = "first",
     .choices = "first|last|none",
     .help = "which row of each group of equal rows stays: the first, the last, or none (drop "
             "every row that has a duplicate)"},
    {.name = NULL},
};

static const struct aiwb_transform_type dedupe_type = {
    .abi_version = AIWB_ABI_VERSION,
    .size = sizeof(struct aiwb_transform_type),
    .name = "dedupe",
    .summary = "drop duplicate rows (on all columns or some), keeping first or last",
    .help = "dedupe drops every row equal to an earlier one on all columns;\n"
            "dedupe(columns='name,city', keep=last) compares those columns only and keeps\n"
            "the last row of each group. The rows kept stay in their order. Numbers are\n"
            "compared exactly, with no tolerance (-0 equals 0), and a missing value equals\n"
            "a missing value here, as in pandas' drop_duplicates and R's duplicated;\n"
            "levels compare by their text. In `train ... with`, dedupe shapes the\n"
            "training rows only (on the target too) and is not applied to predict.",
    .options = dedupe_options,
    .flags = AIWB_CAP_MISSING | AIWB_CAP_CATEGORICAL | AIWB_TF_ROWS,
    .state_version = STATE_VERSION,
    .state_size = sizeof(struct dedupe),
    .init = dedupe_init,
    .apply = dedupe_apply,
    .save = dedupe_save,
    .load = dedupe_load,
    .fini = dedupe_fini,
};

/*
 * The module's entry point: declare the module "dedupe" and register its one transform.
 * Returns AIWB_OK, or the host's refusal (AIWB_EABI, AIWB_EINVAL).
 */
int
aiwb_plugin_init(struct aiwb_plugin *p, const struct aiwb_host_api *host)
{
    AIWB_PLUGIN_BEGIN(p, host, api, "dedupe", "1.0.0");
    return api->register_transform(p, &dedupe_type);
}
