/*
 * test-arff.c - the arff source: Weka's example files read as Weka reads
 * them (shape, types, missing counts, levels in declared order and their
 * counts, numbers, dates, weights), Weka's lax grammar, gzip, and every
 * error message.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The reference numbers are Weka's own: tests/data/arff/reference.txt and
 * weka-summary.txt, made by tests/data/arff/make-reference.sh with Weka
 * 3.6.14 (see the README there).
 */
#include <config.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <zlib.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "core/frame.h"
#include "core/log.h"
#include "core/options.h"
#include "core/registry.h"
#include "core/xalloc.h"
#include "testutil.h"

static char *tmp;     /* this run's scratch folder */
static char *datadir; /* tests/data/arff in the source tree */

/* What the source logged since clear_log(). */
static char logged[1 << 14];
static size_t logged_len;

static void
capture(void *arg, enum aiwb_log_level level, const char *msg)
{
    size_t n = strlen(msg);

    (void)arg;
    (void)level;
    if (logged_len + n + 2 < sizeof(logged)) {
        memcpy(logged + logged_len, msg, n);
        logged_len += n;
        logged[logged_len++] = '\n';
        logged[logged_len] = '\0';
    }
}

static void
clear_log(void)
{
    logged_len = 0;
    logged[0] = '\0';
}

/* ---------------------------------------------------------------------------
 * Reading
 */

/* Read PATH with the arff source itself, not through the host's `load`
 * path, so what is checked is what the source makes. OPTS is a
 * NULL-terminated list of option words, or NULL. Returns the frame, or NULL
 * with *cause set. */
static struct aiwb_frame *
read_direct(const char *path, const char *const *opts, char **cause)
{
    const struct component *c;
    const struct aiwb_source_type *t;
    struct aiwb_options *o;
    struct aiwb_frame *f = NULL;
    size_t n = 0;
    void *state;

    tu_load_plugins();
    c = registry_find(COMPONENT_SOURCE, "arff");
    assert_non_null(c);
    t = c->type.source;
    while (opts != NULL && opts[n] != NULL)
        n++;
    o = options_parse("arff", c->options, n, (char *const *)opts, cause);
    if (o == NULL)
        return NULL;
    state = xcalloc(1, t->state_size);
    *cause = NULL;
    if (t->open(state, path, o, cause) == AIWB_OK && t->next(state, &f, cause) < 0) {
        frame_free(f);
        f = NULL;
    }
    t->close(state);
    free(state);
    options_free(o);
    return f;
}

static struct aiwb_frame *
direct_ok(const char *path, const char *const *opts)
{
    char *cause = NULL;
    struct aiwb_frame *f = read_direct(path, opts, &cause);

    if (f == NULL) {
        print_error("reading '%s' failed: %s\n", path, cause);
        free(cause);
        fail();
    }
    return f;
}

static char *
put(const char *name, const char *text, size_t len)
{
    return tu_write_file(tmp, name, text, len);
}

/* Write TEXT to NAME and read it back with the source itself. */
static struct aiwb_frame *
load(const char *name, const char *text, const char *const *opts)
{
    char *path = put(name, text, strlen(text));
    struct aiwb_frame *f = direct_ok(path, opts);

    free(path);
    return f;
}

/* Read PATH as `load` does; expect the message "'PATH'" followed by WANT
 * (or exactly WANT when it starts with no quote-less place, see below). */
static void
expect_error_at(const char *path, const char *const *opts, const char *want)
{
    char *cause = NULL, *full = xasprintf("'%s'%s", path, want);
    struct aiwb_frame *f = tu_read(path, opts, &cause);

    if (f != NULL) {
        print_error("'%s' was read, expected the error %s\n", path, full);
        frame_free(f);
        fail();
    }
    assert_non_null(cause);
    assert_string_equal(cause, full);
    free(cause);
    free(full);
}

static void
expect_error_n(const char *name, const char *text, size_t len, const char *const *opts,
               const char *want)
{
    char *path = put(name, text, len);

    expect_error_at(path, opts, want);
    free(path);
}

static void
expect_error(const char *text, const char *want)
{
    expect_error_n("bad.arff", text, strlen(text), NULL, want);
}

/* The index of column NAME, which must exist with type TYPE. */
static size_t
col(const struct aiwb_frame *f, const char *name, enum aiwb_coltype type)
{
    long c = frame_find(f, name);

    if (c < 0) {
        print_error("no column '%s'\n", name);
        fail();
    }
    assert_int_equal(frame_col_type(f, (size_t)c), type);
    return (size_t)c;
}

/* Assert column NAME has type TYPE and cells WANT joined by '|' ("NA" for
 * missing, numbers in their shortest exact form). */
static void
expect_column(const struct aiwb_frame *f, const char *name, enum aiwb_coltype type,
              const char *want)
{
    size_t c = col(f, name, type), len = 0;
    char *got = xstrdup("");

    for (size_t r = 0; r < frame_rows(f); r++) {
        char buf[32];
        const char *t = frame_cell_text(f, c, r, buf);
        size_t n = strlen(t);

        got = xrealloc(got, len + n + 2);
        if (r > 0)
            got[len++] = '|';
        memcpy(got + len, t, n + 1);
        len += n;
    }
    assert_string_equal(got, want);
    free(got);
}

/* Assert categorical column NAME has the levels WANT, joined by '|', in
 * this order. */
static void
expect_levels(const struct aiwb_frame *f, const char *name, const char *want)
{
    size_t c = col(f, name, AIWB_CATEGORICAL), len = 0;
    char *got = xstrdup("");

    for (size_t k = 0; k < frame_nlevels(f, c); k++) {
        const char *t = frame_level(f, c, (int32_t)k);
        size_t n = strlen(t);

        got = xrealloc(got, len + n + 2);
        if (k > 0)
            got[len++] = '|';
        memcpy(got + len, t, n + 1);
        len += n;
    }
    assert_string_equal(got, want);
    free(got);
}

/* ---------------------------------------------------------------------------
 * Weka's reference numbers
 */

struct ref_attr {
    char *name;
    char *type; /* numeric, date, nominal or string */
    size_t missing, distinct;
    double mean, min, max; /* numeric and date (milliseconds) */
    size_t nlevels;
    char **level; /* nominal and string, in Weka's order */
    size_t *count;
    /* from weka-summary.txt */
    char sum_type[8];
    size_t sum_missing, sum_distinct;
};

struct ref_file {
    char *name;
    size_t rows, cols, sum_rows, sum_cols;
    struct ref_attr *attr;
    double weight_sum;
    size_t weight_unit;
    size_t nlisted;
    double *weight; /* per listed row */
    char ***cell;   /* per listed row, per attribute: as Weka prints it, NULL if missing */
};

static struct ref_file *refs;
static size_t nrefs;

/* Undo WekaReference.java's escapes in place. */
static char *
unescape(char *s)
{
    char *o = s;

    for (const char *p = s; *p; p++) {
        if (*p != '\\' || p[1] == '\0') {
            *o++ = *p;
            continue;
        }
        p++;
        *o++ = *p == 't' ? '\t' : *p == 'n' ? '\n' : *p == 'r' ? '\r' : *p;
    }
    *o = '\0';
    return s;
}

/* Split LINE at tabs into at most MAX fields (in place). */
static size_t
split_tabs(char *line, char **field, size_t max)
{
    size_t n = 0;

    while (n < max) {
        char *tab = strchr(line, '\t');

        field[n++] = line;
        if (tab == NULL)
            break;
        *tab = '\0';
        line = tab + 1;
    }
    return n;
}

static char *
slurp(const char *path)
{
    FILE *fp = fopen(path, "rb");
    char *buf;
    long n;

    assert_non_null(fp);
    fseek(fp, 0, SEEK_END);
    n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    buf = xmalloc((size_t)n + 1);
    assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
    buf[n] = '\0';
    fclose(fp);
    return buf;
}

static void
parse_attr(struct ref_file *rf, char **fld, size_t n)
{
    size_t i = strtoul(fld[1], NULL, 10);
    struct ref_attr *a = &rf->attr[i];

    assert_true(n >= 8);
    a->name = xstrdup(unescape(fld[2]));
    a->type = xstrdup(fld[3]);
    a->missing = strtoul(fld[5], NULL, 10);
    a->distinct = strtoul(fld[7], NULL, 10);
    if (strcmp(fld[8], "mean") == 0) {
        a->mean = strtod(fld[9], NULL);
        a->min = strtod(fld[11], NULL);
        a->max = strtod(fld[13], NULL);
        return;
    }
    a->nlevels = strtoul(fld[9], NULL, 10);
    assert_int_equal(n, 10 + 2 * a->nlevels);
    a->level = xcalloc(a->nlevels, sizeof(*a->level));
    a->count = xcalloc(a->nlevels, sizeof(*a->count));
    for (size_t k = 0; k < a->nlevels; k++) {
        a->level[k] = xstrdup(unescape(fld[10 + 2 * k]));
        a->count[k] = strtoul(fld[11 + 2 * k], NULL, 10);
    }
}

/* Read reference.txt. */
static void
load_reference(void)
{
    char *path = xasprintf("%s/reference.txt", datadir), *text = slurp(path);
    char **fld = xcalloc(4096, sizeof(*fld));
    struct ref_file *rf = NULL;

    for (char *line = text, *nl; line && *line; line = nl) {
        size_t n;

        nl = strchr(line, '\n');
        if (nl != NULL)
            *nl++ = '\0';
        if (line[0] == '#')
            continue;
        n = split_tabs(line, fld, 4096);
        if (strcmp(fld[0], "file") == 0) {
            refs = xreallocarray(refs, nrefs + 1, sizeof(*refs));
            rf = &refs[nrefs++];
            memset(rf, 0, sizeof(*rf));
            rf->name = xstrdup(fld[1]);
        } else if (strcmp(fld[0], "rows") == 0) {
            rf->rows = strtoul(fld[1], NULL, 10);
        } else if (strcmp(fld[0], "cols") == 0) {
            rf->cols = strtoul(fld[1], NULL, 10);
            rf->attr = xcalloc(rf->cols, sizeof(*rf->attr));
        } else if (strcmp(fld[0], "attr") == 0) {
            parse_attr(rf, fld, n);
        } else if (strcmp(fld[0], "weights") == 0) {
            rf->weight_sum = strtod(fld[2], NULL);
            rf->weight_unit = strtoul(fld[4], NULL, 10);
        } else if (strcmp(fld[0], "row") == 0) {
            size_t r = rf->nlisted++;

            assert_int_equal(n, 3 + rf->cols);
            rf->weight = xreallocarray(rf->weight, rf->nlisted, sizeof(*rf->weight));
            rf->cell = xreallocarray(rf->cell, rf->nlisted, sizeof(*rf->cell));
            rf->weight[r] = strtod(fld[2], NULL);
            rf->cell[r] = xcalloc(rf->cols, sizeof(**rf->cell));
            for (size_t c = 0; c < rf->cols; c++)
                rf->cell[r][c] = strcmp(fld[3 + c], "?") ? xstrdup(unescape(fld[3 + c])) : NULL;
        }
    }
    free(fld);
    free(text);
    free(path);
}

static struct ref_file *
ref_find(const char *name)
{
    for (size_t i = 0; i < nrefs; i++)
        if (strcmp(refs[i].name, name) == 0)
            return &refs[i];
    return NULL;
}

/*
 * Read weka-summary.txt, what `java weka.core.Instances FILE` prints: per
 * attribute a line of a 4-column index, the name padded or cut to 25
 * characters, then "Type Nom% Int% Real% missing /pct% unique /pct% dist".
 */
static void
load_summary(void)
{
    char *path = xasprintf("%s/weka-summary.txt", datadir), *text = slurp(path);
    struct ref_file *rf = NULL;

    for (char *line = text, *nl; line && *line; line = nl) {
        char type[8];
        int nom, in, real, mp, up;
        size_t idx, missing, unique, dist;

        nl = strchr(line, '\n');
        if (nl != NULL)
            *nl++ = '\0';
        if (strncmp(line, "== ", 3) == 0) {
            rf = ref_find(line + 3);
            assert_non_null(rf);
        } else if (sscanf(line, "Num Instances: %zu", &idx) == 1) {
            rf->sum_rows = idx;
        } else if (sscanf(line, "Num Attributes: %zu", &idx) == 1) {
            rf->sum_cols = idx;
        } else if (rf != NULL && strlen(line) > 31 && sscanf(line, "%zu", &idx) == 1 &&
                   sscanf(line + 31, "%3s %d%% %d%% %d%% %zu /%d%% %zu /%d%% %zu", type, &nom, &in,
                          &real, &missing, &mp, &unique, &up, &dist) == 9) {
            assert_true(idx >= 1 && idx <= rf->cols);
            memcpy(rf->attr[idx - 1].sum_type, type, sizeof(type));
            rf->attr[idx - 1].sum_missing = missing;
            rf->attr[idx - 1].sum_distinct = dist;
        }
    }
    free(text);
    free(path);
}

static void
free_reference(void)
{
    for (size_t i = 0; i < nrefs; i++) {
        struct ref_file *rf = &refs[i];

        for (size_t c = 0; c < rf->cols; c++) {
            for (size_t k = 0; k < rf->attr[c].nlevels; k++)
                free(rf->attr[c].level[k]);
            free(rf->attr[c].level);
            free(rf->attr[c].count);
            free(rf->attr[c].name);
            free(rf->attr[c].type);
        }
        for (size_t r = 0; r < rf->nlisted; r++) {
            for (size_t c = 0; c < rf->cols; c++)
                free(rf->cell[r][c]);
            free(rf->cell[r]);
        }
        free(rf->cell);
        free(rf->weight);
        free(rf->attr);
        free(rf->name);
    }
    free(refs);
}

static int
cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

/* The number of distinct values of numeric column C, missing ones aside. */
static size_t
distinct_numbers(const struct aiwb_frame *f, size_t c)
{
    size_t n = 0, d = 0;
    const double *x = frame_numeric(f, c);
    double *v = xcalloc(frame_rows(f) + 1, sizeof(*v));

    for (size_t r = 0; r < frame_rows(f); r++)
        if (!isnan(x[r]))
            v[n++] = x[r];
    qsort(v, n, sizeof(*v), cmp_double);
    for (size_t i = 0; i < n; i++)
        d += i == 0 || v[i] != v[i - 1];
    free(v);
    return d;
}

/* Check numeric column C of F against Weka's attribute A (dates are
 * milliseconds in Weka, seconds in aiwb). */
static void
check_numeric(const struct aiwb_frame *f, size_t c, const struct ref_attr *a)
{
    double scale = strcmp(a->type, "date") == 0 ? 1000 : 1;
    const double *x = frame_numeric(f, c);
    double sum = 0, min = INFINITY, max = -INFINITY;
    size_t n = 0;

    for (size_t r = 0; r < frame_rows(f); r++) {
        if (isnan(x[r]))
            continue;
        sum += x[r] * scale;
        n++;
        min = fmin(min, x[r] * scale);
        max = fmax(max, x[r] * scale);
    }
    assert_int_equal(distinct_numbers(f, c), a->distinct);
    if (n > 0) {
        tu_assert_rel(sum / (double)n, a->mean, 1e-12);
        tu_assert_rel(min, a->min, 1e-15);
        tu_assert_rel(max, a->max, 1e-15);
    }
}

/* Check categorical column C of F against Weka's attribute A: its levels
 * in Weka's order (declared, or first met for a string) and their counts. */
static void
check_levels(const struct aiwb_frame *f, size_t c, const struct ref_attr *a)
{
    const int32_t *codes = frame_codes(f, c);
    size_t *count = xcalloc(frame_nlevels(f, c) + 1, sizeof(*count)), distinct = 0;

    assert_int_equal(frame_nlevels(f, c), a->nlevels);
    for (size_t r = 0; r < frame_rows(f); r++)
        if (codes[r] >= 0)
            count[codes[r]]++;
    for (size_t k = 0; k < a->nlevels; k++) {
        int32_t code = (int32_t)k;

        assert_string_equal(frame_level(f, c, code), a->level[k]);
        if (count[code] != a->count[k]) {
            print_error("'%s' = '%s': %zu rows, Weka counts %zu\n", a->name, a->level[k],
                        count[code], a->count[k]);
            fail();
        }
        distinct += a->count[k] > 0;
    }
    assert_int_equal(distinct, a->distinct);
    free(count);
}

/* Check frame F, read from Weka's file RF, against Weka's numbers. */
static void
check_file(const struct aiwb_frame *f, const struct ref_file *rf)
{
    assert_int_equal(frame_rows(f), rf->rows);
    assert_int_equal(frame_cols(f), rf->cols);
    assert_int_equal(rf->sum_rows, rf->rows);
    assert_int_equal(rf->sum_cols, rf->cols);
    for (size_t c = 0; c < rf->cols; c++) {
        const struct ref_attr *a = &rf->attr[c];
        int numeric = strcmp(a->type, "numeric") == 0 || strcmp(a->type, "date") == 0;

        assert_string_equal(frame_col_name(f, c), a->name);
        assert_int_equal(frame_col_type(f, c), numeric ? AIWB_NUMERIC : AIWB_CATEGORICAL);
        /* weka.core.Instances names the type Num, Nom, Str or Dat */
        assert_true(strncasecmp(rf->attr[c].sum_type, a->type, 3) == 0);
        if (frame_count_missing(f, c) != a->missing || a->missing != a->sum_missing) {
            print_error("'%s' of %s: %zu missing, Weka counts %zu (summary %zu)\n", a->name,
                        rf->name, frame_count_missing(f, c), a->missing, a->sum_missing);
            fail();
        }
        assert_int_equal(a->distinct, a->sum_distinct);
        if (numeric)
            check_numeric(f, c, a);
        else
            check_levels(f, c, a);
    }
}

/* ---------------------------------------------------------------------------
 * The tests
 */

static void
test_registered(void **state)
{
    const struct component *c;
    const struct aiwb_source_type *t;

    (void)state;
    tu_load_plugins();
    c = registry_find(COMPONENT_SOURCE, "arff");
    assert_non_null(c);
    t = c->type.source;
    assert_string_equal(t->extensions, "arff,arff.gz");
    assert_true(strlen(t->summary) <= 80);
    assert_non_null(t->help);
    for (const struct aiwb_option_spec *o = t->options; o->name != NULL; o++)
        assert_non_null(o->help);
    assert_ptr_equal(registry_source_for("x.arff"), c);
    assert_ptr_equal(registry_source_for("dir.v2/x.ARFF.gz"), c);
    assert_ptr_equal(registry_source_for("file:x.arff"), c);
}

/* Every file of tests/data/arff as Weka reads it: shape, types, missing
 * counts, levels in declared order with their counts, numbers. */
static void
test_weka_files(void **state)
{
    (void)state;
    assert_true(nrefs >= 10);
    for (size_t i = 0; i < nrefs; i++) {
        char *path = xasprintf("%s/%s", datadir, refs[i].name);
        struct aiwb_frame *f = direct_ok(path, NULL);

        check_file(f, &refs[i]);
        frame_free(f);
        free(path);
    }
}

/* The same through the host's `load` path, which keeps the declared order
 * because the source says so (AIWB_SOURCE_KEEP_LEVELS). */
static void
test_weka_files_loaded(void **state)
{
    (void)state;
    for (size_t i = 0; i < nrefs; i++) {
        char *path = xasprintf("%s/%s", datadir, refs[i].name), *cause = NULL;
        struct aiwb_frame *f = tu_read(path, NULL, &cause);

        assert_non_null(f);
        check_file(f, &refs[i]);
        frame_free(f);
        free(path);
    }
}

/* The orders Weka's users rely on: the class's values as declared, and
 * ordinal values that sort wrongly as text. */
static void
test_declared_order(void **state)
{
    char *path = xasprintf("%s/breast-cancer.arff", datadir);
    struct aiwb_frame *f = direct_ok(path, NULL);

    (void)state;
    expect_levels(f, "tumor-size",
                  "0-4|5-9|10-14|15-19|20-24|25-29|30-34|35-39|40-44|45-49|50-54|55-59");
    expect_levels(f, "Class", "no-recurrence-events|recurrence-events");
    expect_levels(f, "menopause", "lt40|ge40|premeno");
    frame_free(f);
    free(path);
    path = xasprintf("%s/soybean.arff.gz", datadir);
    f = direct_ok(path, NULL);
    expect_levels(f, "date", "april|may|june|july|august|september|october");
    frame_free(f);
    free(path);
}

/* The small files cell by cell, weights included (weight_column). */
static void
test_cells(void **state)
{
    static const char *const opts[] = {"weight_column=w_", NULL};

    (void)state;
    for (size_t i = 0; i < nrefs; i++) {
        const struct ref_file *rf = &refs[i];
        char *path;
        struct aiwb_frame *f;
        size_t wc;

        if (rf->nlisted == 0)
            continue;
        path = xasprintf("%s/%s", datadir, rf->name);
        f = direct_ok(path, opts);
        assert_int_equal(frame_rows(f), rf->nlisted);
        wc = col(f, "w_", AIWB_NUMERIC);
        assert_int_equal(wc, rf->cols);
        for (size_t r = 0; r < rf->nlisted; r++) {
            assert_true(frame_numeric(f, wc)[r] == rf->weight[r]);
            for (size_t c = 0; c < rf->cols; c++) {
                const char *want = rf->cell[r][c];
                char buf[32];

                if (want == NULL) {
                    assert_true(frame_is_missing(f, c, r));
                } else if (frame_col_type(f, c) == AIWB_CATEGORICAL) {
                    assert_string_equal(frame_cell_text(f, c, r, buf), want);
                } else {
                    double v = frame_numeric(f, c)[r], w = strtod(want, NULL);

                    if (strcmp(rf->attr[c].type, "date") == 0) {
                        /* Weka's milliseconds, exactly */
                        assert_true(llround(v * 1000) == llround(w));
                        tu_assert_rel(v, w / 1000, 1e-15);
                    } else {
                        assert_true(v == w && signbit(v) == signbit(w));
                    }
                }
            }
        }
        frame_free(f);
        free(path);
    }
}

/* Weka's tokens: spaces and commas alike, comments, line ends, keywords. */
static void
test_syntax(void **state)
{
    struct aiwb_frame *f;

    (void)state;
    /* a byte order mark and CRLF */
    f = load("crlf.arff",
             "\xEF\xBB\xBF@relation r\r\n@attribute a numeric\r\n@attribute b {x,y}\r\n@data\r\n"
             "1,x\r\n2,y\r\n",
             NULL);
    expect_column(f, "a", AIWB_NUMERIC, "1|2");
    expect_column(f, "b", AIWB_CATEGORICAL, "x|y");
    frame_free(f);
    /* lone CRs, no newline at the end */
    f = load("cr.arff", "@relation r\r@attribute a numeric\r@data\r1\r\r2", NULL);
    expect_column(f, "a", AIWB_NUMERIC, "1|2");
    frame_free(f);
    /* any case, quoted keywords and types, a row on the @data line, commas
     * and tabs alike, text after a numeric type ignored as Weka does */
    f = load("case.arff",
             "@RELATION r\n@Attribute a NUMERIC\n@ATTRIBUTE b Real anything here\n"
             "@attribute c 'integer'\n'@data' 1,,, 2\t3\n4 5 6\n",
             NULL);
    expect_column(f, "a", AIWB_NUMERIC, "1|4");
    expect_column(f, "b", AIWB_NUMERIC, "2|5");
    expect_column(f, "c", AIWB_NUMERIC, "3|6");
    frame_free(f);
    /* comments anywhere, blank lines; % inside quotes is text */
    f = load("comments.arff",
             "% head\n@relation r % name\n\n@attribute a numeric % x\n@attribute b string\n"
             "@data\n% only a comment\n1 '50%' % and a comment\n\n  \t , \n2 \"%\"%\n",
             NULL);
    expect_column(f, "a", AIWB_NUMERIC, "1|2");
    expect_column(f, "b", AIWB_CATEGORICAL, "50%|%");
    frame_free(f);
    /* a quote ends a word: ab'cd' is two values, as in Weka */
    f = load("words.arff", "@relation r\n@attribute a string\n@attribute b string\n@data\nab'cd'\n",
             NULL);
    expect_column(f, "a", AIWB_CATEGORICAL, "ab");
    expect_column(f, "b", AIWB_CATEGORICAL, "cd");
    frame_free(f);
    /* escapes in names and values; a quoted '?' is a value, ? is missing */
    f = load("escapes.arff",
             "@relation r\n@attribute 'it\\'s' {'?', x, \"a\\\"b\", 'caf\\351'}\n"
             "@attribute \"tab\\there\" string\n@data\n'?' 'x\\ty\\\\z'\n? \"\\101\\1010\"\n"
             "'a\"b' 'l\\n2'\n'caf\\351' \\q\nx '\\u00e9'\n",
             NULL);
    expect_levels(f, "it's", "?|x|a\"b|caf\xC3\xA9");
    expect_column(f, "it's", AIWB_CATEGORICAL, "?|NA|a\"b|caf\xC3\xA9|x");
    /* a backslash outside quotes is text; \u is no escape in Java's tokenizer */
    expect_column(f, "tab\there", AIWB_CATEGORICAL, "x\ty\\z|AA0|l\n2|\\q|u00e9");
    frame_free(f);
    /* UTF-8 names and values */
    f = load("utf8.arff",
             "@relation r\n@attribute 'température' numeric\n@attribute état {café, naïve}\n"
             "@data\n1 naïve\n2 café\n",
             NULL);
    expect_column(f, "température", AIWB_NUMERIC, "1|2");
    expect_column(f, "état", AIWB_CATEGORICAL, "naïve|café");
    expect_levels(f, "état", "café|naïve");
    frame_free(f);
    /* an empty nominal list: only ? can be read */
    f = load("empty-nominal.arff",
             "@relation r\n@attribute a {}\n@attribute b numeric\n@data\n? 1\n", NULL);
    expect_column(f, "a", AIWB_CATEGORICAL, "NA");
    frame_free(f);
}

/* Java's number forms, and numbers bit-identical to strtod's. */
static void
test_numbers(void **state)
{
    char *text = xstrdup("@relation r\n@attribute x numeric\n@data\n"), *path, *cause = NULL;
    double want[3000];
    size_t n = 0, len = strlen(text);
    uint64_t s = 42;
    struct aiwb_frame *f;

    (void)state;
    f = load("java.arff",
             "@relation r\n@attribute x numeric\n@data\n1.5D\n2f\n-Infinity\n' 7 '\n+NaN\n1e400\n"
             "1e-400\n.5\n3.\n-0\n+2\n1E3\n",
             NULL);
    expect_column(f, "x", AIWB_NUMERIC, "1.5|2|-inf|7|NA|inf|0|0.5|3|-0|2|1000");
    frame_free(f);
    for (int i = 0; i < 3000; i++) {
        char line[400]; /* %.3f of 1e308 has 313 characters */
        uint64_t z;
        double v;

        s += 0x9e3779b97f4a7c15ULL;
        z = (s ^ (s >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        z ^= z >> 31;
        /* finite doubles of every magnitude, in three spellings */
        memcpy(&v, &z, sizeof(v));
        if (!isfinite(v))
            v = (double)(z >> 11);
        snprintf(line, sizeof(line), i % 3 == 0 ? "%.17g\n" : i % 3 == 1 ? "%.6e\n" : "%.3f\n", v);
        want[n++] = strtod(line, NULL);
        text = xrealloc(text, len + strlen(line) + 1);
        memcpy(text + len, line, strlen(line) + 1);
        len += strlen(line);
    }
    path = put("random.arff", text, len);
    f = read_direct(path, NULL, &cause);
    if (f == NULL)
        print_error("%s\n", cause);
    assert_non_null(f);
    for (size_t r = 0; r < n; r++) {
        double got = frame_numeric(f, 0)[r];

        if (memcmp(&got, &want[r], sizeof(got)) != 0) {
            print_error("row %zu: %.17g, strtod gives %.17g\n", r, got, want[r]);
            fail();
        }
    }
    frame_free(f);
    free(path);
    free(text);
}

/* Sparse rows: absent values, {} rows, a string left out is missing. */
static void
test_sparse(void **state)
{
    struct aiwb_frame *f;

    (void)state;
    f = load("sparse.arff",
             "@relation r\n@attribute a numeric\n@attribute b {x, y}\n@attribute c string\n"
             "@attribute d date yyyy\n@attribute e {}\n@data\n{}\n{0 1, 1 y, 2 t, 3 2001}\n"
             "{+2 u}\n",
             NULL);
    expect_column(f, "a", AIWB_NUMERIC, "0|1|0");
    expect_column(f, "b", AIWB_CATEGORICAL, "x|y|x");
    expect_column(f, "c", AIWB_CATEGORICAL, "NA|t|u");
    expect_column(f, "d", AIWB_NUMERIC, "0|978307200|0");
    expect_column(f, "e", AIWB_CATEGORICAL, "NA|NA|NA");
    frame_free(f);
}

/* Instance weights: ignored with a warning, or kept as a column. */
static void
test_weights(void **state)
{
    static const char text[] = "@relation r\n@attribute a numeric\n@data\n1, {2}\n2\n{0 3} {0.5}\n"
                               "4 {1e1}\n";
    static const char *const keep[] = {"weight_column=weight", NULL};
    static const char *const clash[] = {"weight_column=a", NULL};
    char *path = put("weights.arff", text, strlen(text)), *want;
    struct aiwb_frame *f;

    (void)state;
    clear_log();
    f = direct_ok(path, NULL);
    assert_int_equal(frame_cols(f), 1);
    expect_column(f, "a", AIWB_NUMERIC, "1|2|3|4");
    want = xasprintf("'%s': instance weights ignored (3 rows, the first on line 4); "
                     "weight_column=NAME keeps them as a column\n",
                     path);
    assert_string_equal(logged, want);
    free(want);
    frame_free(f);
    clear_log();
    f = direct_ok(path, keep);
    expect_column(f, "weight", AIWB_NUMERIC, "2|1|0.5|10");
    assert_string_equal(logged, "");
    frame_free(f);
    expect_error_at(path, clash, ": weight_column 'a' is the name of an attribute");
    {
        static const char *const empty[] = {"weight_column=", NULL};
        char *cause = NULL;

        assert_null(tu_read(path, empty, &cause));
        assert_string_equal(cause, "arff: weight_column must name a column");
        free(cause);
    }
    free(path);
}

/* Dates: Java's patterns, and the dates Java refuses (non-lenient). */
static void
test_dates(void **state)
{
    struct aiwb_frame *f;

    (void)state;
    /* seconds as Weka 3.6.14 reads them, divided by 1000 */
    f = load("dates.arff",
             "@relation r\n@attribute a date 'yyyy-MM-dd HH:mm:ss.SSS'\n"
             "@attribute b date 'EEEE d MMMM yyyy hh a'\n@attribute c date 'yyyyMMddHHmm'\n"
             "@data\n'1970-01-01 00:00:00.001' 'Thursday 1 January 1970 12 PM' 200102030405\n"
             "'1969-12-31 23:59:59.999' 'friday 15 october 1582 1 am' 158210041200\n"
             "'2038-01-19 03:14:07.000' 'Tue 29 Feb 2000 11 pm' 000101010000\n",
             NULL);
    expect_column(f, "a", AIWB_NUMERIC, "0.001|-0.001|2147483647");
    expect_column(f, "b", AIWB_NUMERIC, "43200|-12219289200|951865200");
    expect_column(f, "c", AIWB_NUMERIC, "981173100|-12219336000|-62135769600");
    frame_free(f);

    expect_error("@relation r\n@attribute d date yyyy-MM-dd\n@data\n2001-02-30\n",
                 " line 4 column 1: '2001-02-30' is not a date of the format 'yyyy-MM-dd' of "
                 "attribute 'd': day 30 is out of range for 2001-02");
    expect_error("@relation r\n@attribute d date yyyy-MM-dd\n@data\n2001-13-01\n",
                 " line 4 column 1: '2001-13-01' is not a date of the format 'yyyy-MM-dd' of "
                 "attribute 'd': month 13 is out of range");
    expect_error("@relation r\n@attribute d date yyyy-MM-dd\n@data\n1582-10-10\n",
                 " line 4 column 1: '1582-10-10' is not a date of the format 'yyyy-MM-dd' of "
                 "attribute 'd': 1582-10-10 was skipped by the Gregorian calendar");
    expect_error("@relation r\n@attribute d date yyyy-MM-dd\n@data\n'2001-02-03 12:00'\n",
                 " line 4 column 1: '2001-02-03 12:00' is not a date of the format 'yyyy-MM-dd' "
                 "of attribute 'd': text after the date: '12:00'");
    expect_error("@relation r\n@attribute d date yyyy-MM-dd\n@data\n2001/02/03\n",
                 " line 4 column 1: '2001/02/03' is not a date of the format 'yyyy-MM-dd' of "
                 "attribute 'd': expected '-' at character 5");
    expect_error("@relation r\n@attribute d date\n@data\n2001-02-03\n",
                 " line 4 column 1: '2001-02-03' is not a date of the format "
                 "'yyyy-MM-dd'T'HH:mm:ss' of attribute 'd': expected 'T' at character 11");
    expect_error("@relation r\n@attribute d date 'EEE d MMM yyyy'\n@data\n'Tue 4 Mar 1974'\n",
                 " line 4 column 1: 'Tue 4 Mar 1974' is not a date of the format 'EEE d MMM "
                 "yyyy' of attribute 'd': 1974-03-04 is a Monday, not a Tuesday");
    expect_error("@relation r\n@attribute d date 'HH:mm a'\n@data\n'04:05 PM'\n",
                 " line 4 column 1: '04:05 PM' is not a date of the format 'HH:mm a' of "
                 "attribute 'd': hour 4 is not PM");
    expect_error("@relation r\n@attribute d date 'hh:mm'\n@data\n'00:05'\n",
                 " line 4 column 1: '00:05' is not a date of the format 'hh:mm' of attribute "
                 "'d': hour 0 is out of range (h counts 1 to 12)");
    expect_error("@relation r\n@attribute d date 'HH:mm z'\n@data\n'00:00 CET'\n",
                 " line 4 column 1: '00:00 CET' is not a date of the format 'HH:mm z' of "
                 "attribute 'd': unknown time zone 'CET' at character 7: aiwb reads GMT, UTC "
                 "and offsets such as +0100 or GMT+1:00");
    expect_error("@relation r\n@attribute d date 'HH:mm XXX'\n@data\n'00:00 +0100'\n",
                 " line 4 column 1: '00:00 +0100' is not a date of the format 'HH:mm XXX' of "
                 "attribute 'd': expected Z or an offset such as +01:30 at character 7");
    expect_error("@relation r\n@attribute d date 'MMM yyyy'\n@data\n'Foo 2001'\n",
                 " line 4 column 1: 'Foo 2001' is not a date of the format 'MMM yyyy' of "
                 "attribute 'd': expected a month's name at character 1");
    expect_error("@relation r\n@attribute d date yyyyMMdd\n@data\n200102\n",
                 " line 4 column 1: '200102' is not a date of the format 'yyyyMMdd' of "
                 "attribute 'd': expected at least 1 digit at character 7");
    expect_error("@relation r\n@attribute d date yyyy\n@data\n0\n",
                 " line 4 column 1: '0' is not a date of the format 'yyyy' of attribute 'd': "
                 "year 0 is out of range");
    expect_error("@relation r\n@attribute d date 'EEE HH'\n@data\n'Dim 04'\n",
                 " line 4 column 1: 'Dim 04' is not a date of the format 'EEE HH' of attribute "
                 "'d': expected a day's name at character 1");
    expect_error("@relation r\n@attribute d date 'hh a'\n@data\n'04 h'\n",
                 " line 4 column 1: '04 h' is not a date of the format 'hh a' of attribute 'd': "
                 "expected AM or PM at character 4");
    expect_error("@relation r\n@attribute d date 'HH:mm'\n@data\n'04:60'\n",
                 " line 4 column 1: '04:60' is not a date of the format 'HH:mm' of attribute "
                 "'d': minute 60 is out of range");
    expect_error("@relation r\n@attribute d date 'k:mm'\n@data\n'25:00'\n",
                 " line 4 column 1: '25:00' is not a date of the format 'k:mm' of attribute "
                 "'d': hour 25 is out of range (k counts 1 to 24)");
    expect_error("@relation r\n@attribute d date 'K:mm'\n@data\n'12:00'\n",
                 " line 4 column 1: '12:00' is not a date of the format 'K:mm' of attribute "
                 "'d': hour 12 is out of range (K counts 0 to 11)");
    expect_error("@relation r\n@attribute d date 'HH z'\n@data\n'01 GMT+25:00'\n",
                 " line 4 column 1: '01 GMT+25:00' is not a date of the format 'HH z' of "
                 "attribute 'd': expected an offset such as +1:00 at character 7");
    expect_error("@relation r\n@attribute d date 'd.M'\n@data\n'1.12345678901'\n",
                 " line 4 column 1: '1.12345678901' is not a date of the format 'd.M' of "
                 "attribute 'd': the number at character 3 is too long");
    /* formats refused when declared */
    expect_error("@relation r\n@attribute d date 'yyyy-ww'\n@data\n",
                 " line 2 column 19: date format 'yyyy-ww' of attribute 'd': 'w' is the week in "
                 "the year, which aiwb cannot read");
    expect_error("@relation r\n@attribute d date 'yyyy-bb'\n@data\n",
                 " line 2 column 19: date format 'yyyy-bb' of attribute 'd': 'b' is not a "
                 "pattern letter (quote literal text: 'T')");
    expect_error("@relation r\n@attribute d date \"yyyy 'at\"\n@data\n",
                 " line 2 column 19: date format 'yyyy 'at' of attribute 'd': a quote in it is "
                 "not closed");
    expect_error("@relation r\n@attribute d date {x}\n@data\n",
                 " line 2 column 19: expected a date format for attribute 'd', found '{'");
}

/* gzip: members one after another, corrupt and truncated data, and a
 * .arff.gz that is not compressed at all. */
static void
test_gzip(void **state)
{
    static const char a[] = "@relation r\n@attribute x numeric\n@data\n1\n", b[] = "2\n3\n";
    unsigned char gz[256], gz2[256], both[512];
    uLongf n1 = 0, n2 = 0;
    char *path;
    struct aiwb_frame *f;

    (void)state;
    /* two gzip members, as `cat a.gz b.gz` makes */
    for (int k = 0; k < 2; k++) {
        const char *text = k ? b : a;
        z_stream z;

        memset(&z, 0, sizeof(z));
        assert_int_equal(deflateInit2(&z, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY),
                         Z_OK);
        z.next_in = (Bytef *)text;
        z.avail_in = (uInt)strlen(text);
        z.next_out = k ? gz2 : gz;
        z.avail_out = 256;
        assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
        *(k ? &n2 : &n1) = z.total_out;
        deflateEnd(&z);
    }
    memcpy(both, gz, n1);
    memcpy(both + n1, gz2, n2);
    path = put("two.arff.gz", (const char *)both, n1 + n2);
    f = direct_ok(path, NULL);
    expect_column(f, "x", AIWB_NUMERIC, "1|2|3");
    frame_free(f);
    free(path);
    /* plain text under a .gz name is read as it is */
    f = load("plain.arff.gz", a, NULL);
    expect_column(f, "x", AIWB_NUMERIC, "1");
    frame_free(f);
    expect_error_n("cut.arff.gz", (const char *)gz, n1 - 12, NULL,
                   ": the gzip data ends early (a truncated file?)");
    gz[2] = 7; /* the compression method, always 8 (deflate) */
    expect_error_n("bad.arff.gz", (const char *)gz, n1, NULL,
                   ": corrupt gzip data (unknown compression method)");
}

/* The catalogue of malformed files: each message names the place. */
static void
test_errors(void **state)
{
    char *path, *want;

    (void)state;
    expect_error("", " is empty");
    expect_error("% only\n\n  % comments\n", " holds only comments and blank lines");
    expect_error("@attribute a numeric\n@data\n1\n",
                 " line 1 column 1: expected @relation, found '@attribute' (is it an ARFF "
                 "file?)");
    expect_error("a,b\n1,2\n", " line 1 column 1: expected @relation, found 'a' (is it an ARFF "
                               "file?)");
    expect_error("@relation\n@attribute a numeric\n", " line 1 column 1: @relation without a name");
    expect_error("@relation my data\n", " line 1 column 14: unexpected 'data' after the "
                                        "relation's name (quote a name with spaces)");
    expect_error("@relation r\n@attribute a numeric\n",
                 " line 3 column 1: the file ends before @data");
    expect_error("@relation r\n@atribute a numeric\n@data\n",
                 " line 2 column 1: expected @attribute or @data, found '@atribute'");
    expect_error("@relation r\n@data\n1\n", " line 2 column 1: no attributes declared before "
                                            "@data");
    expect_error("@relation r\n@attribute\n@data\n", " line 2 column 1: @attribute without a "
                                                     "name");
    expect_error("@relation r\n@attribute a\n@data\n",
                 " line 2 column 13: attribute 'a' has no type: expected numeric, integer, "
                 "real, string, date or {values}, found the end of the line");
    expect_error("@relation r\n@attribute a float\n@data\n",
                 " line 2 column 14: unknown type 'float' of attribute 'a': expected numeric, "
                 "integer, real, string, date or {values}");
    expect_error("@relation r\n@attribute bag relational\n@attribute x numeric\n@end bag\n",
                 " line 2 column 16: attribute 'bag' is relational (multi-instance), which aiwb "
                 "cannot read: flatten it first, e.g. with Weka's MultiInstanceToPropositional "
                 "filter");
    expect_error("@relation r\n@attribute a numeric\n@attribute 'b' real\n@attribute a real\n"
                 "@data\n",
                 " line 4 column 12: attribute 'a' is declared twice (first on line 2)");
    expect_error("@relation r\n@attribute a {x, y, x}\n@data\n",
                 " line 2 column 21: attribute 'a' declares the value 'x' twice");
    expect_error("@relation r\n@attribute a {x, y\n@data\n",
                 " line 2 column 19: expected a value or '}' in the values of attribute 'a' "
                 "(opened at column 14), found the end of the line");
    expect_error("@relation r\n@attribute a {x, y} z\n@data\n",
                 " line 2 column 21: unexpected 'z' after the values of attribute 'a'");
    expect_error("@relation r\n@attribute a {x, 'y\n@data\n",
                 " line 2 column 18: unterminated quoted value (a quote closes on its own line)");
    /* the data */
    expect_error("@relation r\n@attribute a numeric\n@data\n% nothing\n",
                 " has no rows after @data");
    expect_error("@relation weather\n@attribute outlook {sunny,overcast,rainy}\n"
                 "@attribute windy {TRUE, FALSE}\n@data\nsunny,TRUE\nrainy, maybe\n",
                 " line 6 column 8: 'maybe' is not a declared value of attribute 'windy' "
                 "{TRUE,FALSE}");
    expect_error("@relation weather\n@attribute outlook {sunny,overcast,rainy}\n@data\n"
                 "Sunny\n",
                 " line 4 column 1: 'Sunny' is not a declared value of attribute 'outlook' "
                 "{sunny,overcast,rainy}");
    expect_error("@relation r\n@attribute a {'a b', \"it's\", '?', ''}\n@data\nc\n",
                 " line 4 column 1: 'c' is not a declared value of attribute 'a' {'a b',"
                 "'it\\'s','?',''}");
    expect_error("@relation r\n@attribute a {v01,v02,v03,v04,v05,v06,v07,v08,v09,v10,v11,v12,"
                 "v13,v14,v15,v16,v17,v18,v19,v20,v21,v22,v23,v24,v25,v26,v27,v28,v29,v30}\n"
                 "@data\nv31\n",
                 " line 4 column 1: 'v31' is not a declared value of attribute 'a' {v01,v02,v03,"
                 "v04,v05,v06,v07,v08,v09,v10,v11,v12,v13,v14,v15,v16,v17,v18,v19,v20,v21,v22,"
                 "v23,v24,v25,v26,v27,v28,v29,v30}");
    expect_error("@relation r\n@attribute a {v01,v02,v03,v04,v05,v06,v07,v08,v09,v10,v11,v12,"
                 "v13,v14,v15,v16,v17,v18,v19,v20,v21,v22,v23,v24,v25,v26,v27,v28,v29,v30,v31,"
                 "v32}\n@data\nv33\n",
                 " line 4 column 1: 'v33' is not a declared value of attribute 'a' {v01,v02,v03,"
                 "v04,v05,v06,v07,v08,v09,v10,v11,v12,v13,v14,v15,v16,v17,v18,v19,v20,v21,v22,"
                 "v23,v24,v25,v26,v27,v28,v29,v30,...} (32 values)");
    expect_error("@relation r\n@attribute a numeric\n@attribute b numeric\n@attribute c numeric\n"
                 "@data\n1,2,3\n4,5\n",
                 " line 7 column 4: 2 values, expected 3 (the line ends before attribute 'c')");
    expect_error("@relation r\n@attribute a numeric\n@attribute b numeric\n@data\n1,2,3\n",
                 " line 5 column 5: more than 2 values (one per attribute)");
    expect_error("@relation r\n@attribute a numeric\n@attribute b numeric\n@data\n1 {2}\n",
                 " line 5 column 3: '{' where the value of attribute 'b' should be");
    expect_error("@relation r\n@attribute a numeric\n@data\n1\n1.5.2\n",
                 " line 5 column 1: '1.5.2' is not a number (attribute 'a' is numeric)");
    expect_error("@relation r\n@attribute a numeric\n@data\n0x10\n",
                 " line 4 column 1: '0x10' is not a number (attribute 'a' is numeric)");
    expect_error("@relation r\n@attribute a numeric\n@data\n'?'\n",
                 " line 4 column 1: '?' is not a number (attribute 'a' is numeric)");
    expect_error("@relation r\n@attribute a string\n@data\n'abc\n",
                 " line 4 column 1: unterminated quoted value (a quote closes on its own line)");
    expect_error("@relation r\n@attribute a string\n@data\n\"abc\\\"\n",
                 " line 4 column 1: unterminated quoted value (a quote closes on its own line)");
    expect_error("@relation r\n@attribute a string\n@data\n'a\\0b'\n",
                 " line 4 column 1: the escape \\0 in a quoted value makes a NUL character");
    /* sparse rows */
    expect_error("@relation r\n@attribute a numeric\n@attribute b numeric\n@data\n{0 1, 2 3}\n",
                 " line 5 column 7: index 2 is out of range: the file has 2 attributes (indices "
                 "0 to 1)");
    expect_error("@relation r\n@attribute a numeric\n@attribute b numeric\n@data\n{1 1, 0 3}\n",
                 " line 5 column 7: index 0 follows index 1: the indices of a sparse row must "
                 "increase");
    expect_error("@relation r\n@attribute a numeric\n@attribute b numeric\n@data\n{1 5, 1 6}\n",
                 " line 5 column 7: index 1 follows index 1: the indices of a sparse row must "
                 "increase");
    expect_error("@relation r\n@attribute a numeric\n@data\n{a 1}\n",
                 " line 4 column 2: expected an attribute index, found 'a' (a sparse row is "
                 "{index value, ...})");
    expect_error("@relation r\n@attribute a numeric\n@data\n{-1 1}\n",
                 " line 4 column 2: expected an attribute index, found '-1' (a sparse row is "
                 "{index value, ...})");
    expect_error("@relation r\n@attribute a numeric\n@data\n{0}\n",
                 " line 4 column 3: index 0 (attribute 'a') has no value");
    expect_error("@relation r\n@attribute a numeric\n@data\n{0 1\n",
                 " line 4 column 5: the sparse row opened at column 1 has no '}'");
    expect_error("@relation r\n@attribute a numeric\n@data\n{0 1} 2\n",
                 " line 4 column 7: unexpected '2' after the sparse row");
    expect_error("@relation r\n@attribute a numeric\n@data\n{99999999999999999999999 1}\n",
                 " line 4 column 2: index 99999999999999999999999 is out of range: the file has "
                 "1 attribute (indices 0 to 0)");
    /* instance weights */
    expect_error("@relation r\n@attribute a numeric\n@data\n1 {heavy}\n",
                 " line 4 column 4: expected an instance weight {number} after the row, found "
                 "'heavy'");
    expect_error("@relation r\n@attribute a numeric\n@data\n1 {\n",
                 " line 4 column 3: expected an instance weight {number} after the row, found "
                 "the end of the line");
    expect_error("@relation r\n@attribute a numeric\n@data\n1 {2\n",
                 " line 4 column 5: expected '}' after the instance weight, found the end of "
                 "the line");
    expect_error("@relation r\n@attribute a numeric\n@data\n1 {2} 3\n",
                 " line 4 column 7: unexpected '3' after the instance weight");
    /* bytes */
    {
        static const char nul[] = "@relation r\n@attribute a string\n@data\nab\0c\n";

        expect_error_n("nul.arff", nul, sizeof(nul) - 1, NULL, " line 4 column 3: NUL byte");
    }
    expect_error("@relation r\n@attribute a string\n@data\n% caf\xE9\n",
                 " line 4 column 6: invalid UTF-8");
    expect_error("@relation r\n@attribute a string\n@data\n'\xC3\xA9t\xC3\xA9' \xED\xA0\x80\n",
                 " line 4 column 7: invalid UTF-8");
    /* the file itself */
    path = xasprintf("%s/no-such-file.arff", tmp);
    want = xasprintf("cannot open '%s': No such file or directory", path);
    {
        char *cause = NULL;

        assert_null(tu_read(path, NULL, &cause));
        assert_string_equal(cause, want);
        free(cause);
    }
    free(want);
    free(path);
    path = xasprintf("%s/dir.arff", tmp);
    mkdir(path, 0777);
    want = xasprintf("cannot read '%s': Is a directory", path);
    {
        char *cause = NULL;

        assert_null(tu_read(path, NULL, &cause));
        assert_string_equal(cause, want);
        free(cause);
    }
    free(want);
    free(path);
}

/* A bigger file with every feature, read and checked value by value. */
static void
test_large(void **state)
{
    const size_t rows = 20000;
    size_t cap = 1 << 20, len = 0;
    char *text = xmalloc(cap), *path;
    double sum = 0, want_sum = 0;
    size_t nsparse = 0, nmissing = 0;
    struct aiwb_frame *f;
    uint64_t s = 7;

    (void)state;
    len += (size_t)snprintf(text, cap,
                            "@relation big\n@attribute x numeric\n@attribute k {a, b, c}\n"
                            "@attribute s string\n@attribute t date yyyy-MM-dd\n@data\n");
    for (size_t r = 0; r < rows; r++) {
        char line[160];
        uint64_t z = (s += 0x9e3779b97f4a7c15ULL);
        double x;

        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        z ^= z >> 31;
        x = (double)(z >> 11) * 0x1p-53 * 200 - 100;
        if (z % 7 == 0) {
            snprintf(line, sizeof(line), "{0 %.17g, 2 's%u'}%s", x, (unsigned)(z % 100),
                     r % 2 ? "\r\n" : "\n");
            nsparse++;
        } else if (z % 11 == 0) {
            snprintf(line, sizeof(line), "?, c, ?, ?  %% missing\n\n");
            x = 0;
            nmissing++;
        } else {
            snprintf(line, sizeof(line), "%.17g,%c,\"s%u\",%04u-%02u-%02u\n", x, "abc"[z % 3],
                     (unsigned)(z % 100), 1900 + (unsigned)(z % 200), 1 + (unsigned)(z % 12),
                     1 + (unsigned)(z % 28));
        }
        want_sum += x;
        if (len + strlen(line) + 1 > cap) {
            cap *= 2;
            text = xrealloc(text, cap);
        }
        memcpy(text + len, line, strlen(line) + 1);
        len += strlen(line);
    }
    path = put("big.arff", text, len);
    f = direct_ok(path, NULL);
    assert_int_equal(frame_rows(f), rows);
    for (size_t r = 0; r < rows; r++)
        if (!isnan(frame_numeric(f, 0)[r]))
            sum += frame_numeric(f, 0)[r];
    tu_assert_rel(sum, want_sum, 1e-9);
    assert_int_equal(frame_count_missing(f, 0), nmissing);
    /* a sparse row leaves k at its first value and t at 1970-01-01 */
    assert_int_equal(frame_count_missing(f, 1), 0);
    assert_int_equal(frame_count_missing(f, 2), nmissing);
    assert_int_equal(frame_count_missing(f, 3), nmissing);
    expect_levels(f, "k", "a|b|c");
    assert_true(nsparse > 1000);
    frame_free(f);
    free(path);
    free(text);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_registered),
        cmocka_unit_test(test_weka_files),
        cmocka_unit_test(test_weka_files_loaded),
        cmocka_unit_test(test_declared_order),
        cmocka_unit_test(test_cells),
        cmocka_unit_test(test_syntax),
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_sparse),
        cmocka_unit_test(test_weights),
        cmocka_unit_test(test_dates),
        cmocka_unit_test(test_gzip),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_large),
    };
    int rc;

    tmp = tu_tmpdir("arff");
    datadir = tu_srcpath("tests/data/arff");
    load_reference();
    load_summary();
    tu_load_plugins();
    log_set_sink(capture, NULL, AIWB_LOG_WARN);
    rc = cmocka_run_group_tests(tests, NULL, NULL);
    registry_shutdown();
    free_reference();
    free(datadir);
    free(tmp);
    return rc;
}
