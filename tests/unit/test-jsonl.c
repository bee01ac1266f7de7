/*
 * test-jsonl.c - the jsonl source: flattening, types, arrays, unicode, JSON
 * array files, gzip, every malformed input with its message, bad=skip,
 * limit, following a growing file, and a fixture checked against pandas.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <config.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

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

static char *tmp; /* this run's scratch folder */

/* What the source logged since clear_log(). */
static char logged[1 << 16];
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

/* Write LEN bytes of TEXT to NAME in the scratch folder; returns the path. */
static char *
put(const char *name, const char *text, size_t len)
{
    return tu_write_file(tmp, name, text, len);
}

/* Write the string literal LIT (NUL bytes and all) to NAME. */
#define put_lit(name, lit) put((name), (lit), sizeof(lit) - 1)

/* Append TEXT to the file at PATH. */
static void
append(const char *path, const char *text)
{
    FILE *fp = fopen(path, "a");

    assert_non_null(fp);
    assert_int_equal(fwrite(text, 1, strlen(text), fp), strlen(text));
    assert_int_equal(fclose(fp), 0);
}

/* Read the file at PATH with OPTS (NULL-terminated); fail the test if it fails. */
static struct aiwb_frame *
read_ok(const char *path, const char *const *opts)
{
    char *cause = NULL;
    struct aiwb_frame *f = tu_read(path, opts, &cause);

    if (f == NULL) {
        print_error("reading '%s' failed: %s\n", path, cause);
        free(cause);
        fail();
    }
    return f;
}

/* Write TEXT to NAME and read it back. */
static struct aiwb_frame *
load(const char *name, const char *text, const char *const *opts)
{
    char *path = put(name, text, strlen(text));
    struct aiwb_frame *f = read_ok(path, opts);

    free(path);
    return f;
}

/* Read PATH, expect failure with the message "'PATH'" followed by WANT. */
static void
expect_error_at(const char *path, const char *const *opts, const char *want)
{
    char *cause = NULL, *full = xasprintf("'%s'%s", path, want);
    struct aiwb_frame *f = tu_read(path, opts, &cause);

    assert_null(f);
    assert_non_null(cause);
    assert_string_equal(cause, full);
    free(cause);
    free(full);
}

/* Write LEN bytes of TEXT to NAME and expect the message "'PATH'" WANT. */
static void
expect_error_n(const char *name, const char *text, size_t len, const char *const *opts,
               const char *want)
{
    char *path = put(name, text, len);

    expect_error_at(path, opts, want);
    free(path);
}

/* The same for a string literal LIT, NUL bytes and all. */
#define expect_error_lit(name, lit, opts, want)                                                    \
    expect_error_n((name), (lit), sizeof(lit) - 1, (opts), (want))

static void
expect_error(const char *name, const char *text, const char *want)
{
    expect_error_n(name, text, strlen(text), NULL, want);
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

/* Assert column NAME has type TYPE and cells WANT, joined by '|' ("NA" for
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

/* Assert the frame's column names, joined by ',', are WANT. */
static void
expect_names(const struct aiwb_frame *f, const char *want)
{
    char got[4096] = "";

    for (size_t c = 0; c < frame_cols(f); c++) {
        if (c > 0)
            strcat(got, ",");
        strcat(got, frame_col_name(f, c));
    }
    assert_string_equal(got, want);
}

/* Assert the log holds WANT. */
static void
expect_logged(const char *want)
{
    if (strstr(logged, want) == NULL) {
        print_error("log lacks: %s\nlog holds: %s\n", want, logged);
        fail();
    }
}

static uint64_t
bits(double v)
{
    uint64_t u;

    memcpy(&u, &v, sizeof(u));
    return u;
}

/* splitmix64: the tests' fixed-seed random numbers. */
static uint64_t
next_random(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* A growing text buffer. */
struct text {
    char *s;
    size_t len, cap;
};

static void
text_add(struct text *t, const char *fmt, ...)
{
    va_list ap;
    int n;

    for (;;) {
        va_start(ap, fmt);
        n = vsnprintf(t->s + t->len, t->cap - t->len, fmt, ap);
        va_end(ap);
        if (n >= 0 && (size_t)n < t->cap - t->len)
            break;
        t->cap = t->cap ? 2 * t->cap : 4096;
        t->s = xrealloc(t->s, t->cap);
        if (t->len == 0)
            t->s[0] = '\0';
    }
    t->len += (size_t)n;
}

/* ---------------------------------------------------------------------------
 * Opening the source by hand, as the host does when it follows a file
 */

struct src {
    const struct aiwb_source_type *t;
    struct aiwb_options *o;
    void *st;
};

/* Open PATH with the jsonl source and the option words (NULL-terminated);
 * expect success. */
static void
src_open(struct src *s, const char *path, const char *const *words)
{
    const struct component *c = registry_find(COMPONENT_SOURCE, "jsonl");
    char *cause = NULL;
    size_t n = 0;
    int rc;

    assert_non_null(c);
    while (words != NULL && words[n] != NULL)
        n++;
    s->t = c->type.source;
    s->o = options_parse("jsonl", s->t->options, n, (char *const *)words, &cause);
    assert_non_null(s->o);
    s->st = xcalloc(1, s->t->state_size);
    rc = s->t->open(s->st, path, s->o, &cause);
    if (rc < 0) {
        print_error("open '%s': %s\n", path, cause);
        free(cause);
        fail();
    }
}

/* Open PATH and expect the failure "'PATH'" WANT. */
static void
src_open_fails(const char *path, const char *const *words, const char *want)
{
    const struct component *c = registry_find(COMPONENT_SOURCE, "jsonl");
    const struct aiwb_source_type *t = c->type.source;
    char *cause = NULL, *full = xasprintf("'%s'%s", path, want);
    size_t n = 0;
    struct aiwb_options *o;
    void *st = xcalloc(1, t->state_size);

    while (words != NULL && words[n] != NULL)
        n++;
    o = options_parse("jsonl", t->options, n, (char *const *)words, &cause);
    assert_non_null(o);
    assert_true(t->open(st, path, o, &cause) < 0);
    assert_non_null(cause);
    assert_string_equal(cause, full);
    free(cause);
    free(full);
    t->close(st);
    free(st);
    options_free(o);
}

/* next(): the batch it yields (NULL for none), its row count in *ROWS. */
static struct aiwb_frame *
src_next(struct src *s, int *rows)
{
    struct aiwb_frame *f = NULL;
    char *cause = NULL;

    *rows = s->t->next(s->st, &f, &cause);
    if (*rows < 0) {
        print_error("next: %s\n", cause);
        free(cause);
        fail();
    }
    if (*rows == 0)
        assert_null(f);
    else
        assert_int_equal(frame_rows(f), (size_t)*rows);
    return f;
}

/* next() must fail with "'PATH'" WANT. */
static void
src_next_fails(struct src *s, const char *path, const char *want)
{
    struct aiwb_frame *f = NULL;
    char *cause = NULL, *full = xasprintf("'%s'%s", path, want);

    assert_true(s->t->next(s->st, &f, &cause) < 0);
    assert_null(f);
    assert_non_null(cause);
    assert_string_equal(cause, full);
    free(cause);
    free(full);
}

/* next() must yield nothing now. */
static void
src_nothing(struct src *s)
{
    int rows;
    struct aiwb_frame *f = src_next(s, &rows);

    assert_int_equal(rows, 0);
    assert_null(f);
}

static void
src_close(struct src *s)
{
    s->t->close(s->st);
    free(s->st);
    options_free(s->o);
}

/* ------------------------------------------------------------------------- */

static void
test_registered(void **state)
{
    const struct component *c = registry_find(COMPONENT_SOURCE, "jsonl");
    const struct aiwb_option_spec *sp;
    char *path;

    (void)state;
    assert_non_null(c);
    assert_true(c->type.source->flags & AIWB_SOURCE_FOLLOW);
    sp = options_spec_find(c->options, "follow");
    assert_non_null(sp);
    assert_int_equal(sp->type, AIWB_OPT_BOOL);
    assert_string_equal(sp->def, "false");
    assert_non_null(c->help);
    assert_true(strlen(c->summary) <= 80);
    for (sp = c->options; sp->name != NULL; sp++)
        assert_non_null(sp->help);
    /* chosen by extension, .gz forms included, whatever the case */
    const char *names[] = {"x.jsonl",    "x.ndjson",  "x.json",
                           "x.jsonl.gz", "x.JSON.gz", "dir.v2/x.ndjson.gz"};
    for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++) {
        assert_ptr_equal(registry_source_for(names[i]), c);
    }
    /* a file: URI */
    path = put_lit("uri.jsonl", "{\"a\":1}\n");
    {
        char *uri = xasprintf("file:%s", path);
        struct src s;
        int rows;
        struct aiwb_frame *f;

        src_open(&s, uri, NULL);
        f = src_next(&s, &rows);
        assert_int_equal(rows, 1);
        frame_free(f);
        src_nothing(&s);
        src_close(&s);
        free(uri);
    }
    free(path);
}

static void
test_flatten(void **state)
{
    struct aiwb_frame *f;

    (void)state;
    clear_log();
    f = load("flat.jsonl",
             "{\"id\":1,\"user\":{\"id\":7,\"geo\":{\"country\":\"de\",\"lat\":52.5}},\"v\":3}\n"
             "{\"v\":4,\"id\":2,\"user\":{\"geo\":{\"lat\":48.1}}}\n"
             "{\"id\":3,\"extra\":{\"deep\":{\"er\":{\"est\":9}}},\"user\":{}}\n"
             "{}\n",
             NULL);
    /* the union of the keys, in the order they first appear */
    expect_names(f, "id,user.id,user.geo.country,user.geo.lat,v,extra.deep.er.est");
    expect_column(f, "id", AIWB_NUMERIC, "1|2|3|NA");
    expect_column(f, "user.id", AIWB_NUMERIC, "7|NA|NA|NA");
    expect_column(f, "user.geo.country", AIWB_CATEGORICAL, "de|NA|NA|NA");
    expect_column(f, "user.geo.lat", AIWB_NUMERIC, "52.5|48.1|NA|NA");
    expect_column(f, "v", AIWB_NUMERIC, "3|4|NA|NA");
    expect_column(f, "extra.deep.er.est", AIWB_NUMERIC, "NA|NA|9|NA");
    assert_string_equal(logged, "");
    frame_free(f);

    /* a literal dotted key and a nested one share their column */
    f = load("dots.jsonl", "{\"a.b\":1}\n{\"a\":{\"b\":2}}\n", NULL);
    expect_names(f, "a.b");
    expect_column(f, "a.b", AIWB_NUMERIC, "1|2");
    frame_free(f);

    /* empty keys and keys needing quotes are names like any other */
    f = load("odd-keys.jsonl", "{\"\":1,\"a b\":2,\"x\":{\"\":3}}\n", NULL);
    expect_names(f, ",a b,x.");
    expect_column(f, "x.", AIWB_NUMERIC, "3");
    frame_free(f);
}

static void
test_types(void **state)
{
    struct aiwb_frame *f;

    (void)state;
    clear_log();
    f = load("types.jsonl",
             "{\"n\":1,\"b\":true,\"s\":\"x\",\"z\":null,\"m\":1.5,\"bs\":true}\n"
             "{\"n\":-2e3,\"b\":false,\"s\":\"y\",\"z\":null,\"m\":2,\"bs\":\"maybe\"}\n"
             "{\"n\":null,\"b\":null,\"s\":null,\"m\":\"3 kg\"}\n"
             "{\"n\":0.25,\"b\":true,\"s\":\"x\",\"m\":1e21,\"bs\":false}\n",
             NULL);
    expect_column(f, "n", AIWB_NUMERIC, "1|-2000|NA|0.25");
    /* booleans are 1 and 0 */
    expect_column(f, "b", AIWB_NUMERIC, "1|0|NA|1");
    expect_column(f, "s", AIWB_CATEGORICAL, "x|y|NA|x");
    /* a key only ever null makes a column of missing values */
    expect_column(f, "z", AIWB_NUMERIC, "NA|NA|NA|NA");
    /* numbers and a string: categorical, numbers spelt exactly */
    expect_column(f, "m", AIWB_CATEGORICAL, "1.5|2|3 kg|1e+21");
    expect_column(f, "bs", AIWB_CATEGORICAL, "true|maybe|NA|false");
    expect_logged("types.jsonl': column 'm' read as categorical: line 3 has '3 kg' (1 of 4 values "
                  "is not a number)\n");
    expect_logged("types.jsonl': column 'bs' read as categorical: line 2 has 'maybe' (1 of 3 "
                  "values is not a number)\n");
    /* 's' has only strings: no warning about it */
    assert_null(strstr(logged, "'s'"));
    frame_free(f);

    /* mostly strings: categorical without a warning, as csv does */
    clear_log();
    f = load("mostly-text.jsonl", "{\"a\":\"x\"}\n{\"a\":\"y\"}\n{\"a\":3}\n", NULL);
    expect_column(f, "a", AIWB_CATEGORICAL, "x|y|3");
    assert_string_equal(logged, "");
    frame_free(f);
}

static void
test_arrays(void **state)
{
    struct aiwb_frame *f;

    (void)state;
    f = load("arrays.jsonl",
             "{\"x\":[1,2,3],\"tags\":[\"a\",\"b\"],\"items\":[{\"id\":5,\"q\":[7]}]}\n"
             "{\"x\":[4],\"tags\":[],\"items\":[{\"id\":6},{\"id\":8}],\"m\":[[1,2],[3]]}\n",
             NULL);
    expect_names(f,
                 "x.0,x.1,x.2,tags.0,tags.1,items.0.id,items.0.q.0,items.1.id,m.0.0,m.0.1,m.1.0");
    expect_column(f, "x.0", AIWB_NUMERIC, "1|4");
    expect_column(f, "x.2", AIWB_NUMERIC, "3|NA");
    expect_column(f, "tags.1", AIWB_CATEGORICAL, "b|NA");
    expect_column(f, "items.0.q.0", AIWB_NUMERIC, "7|NA");
    expect_column(f, "items.1.id", AIWB_NUMERIC, "NA|8");
    expect_column(f, "m.1.0", AIWB_NUMERIC, "NA|3");
    frame_free(f);

    /* only empty arrays and objects: no column at all */
    expect_error("empty-containers.jsonl", "{\"a\":[],\"b\":{}}\n{}\n",
                 " holds only empty objects: no column to read");
}

static void
test_unicode(void **state)
{
    struct aiwb_frame *f;
    char *path;

    (void)state;
    f = load("unicode.jsonl",
             "{\"city\":\"M\\u00fcnchen\",\"emoji\":\"\\ud83d\\ude00\",\"raw\":\"Zürich 東京\","
             "\"esc\":\"tab\\there \\\"q\\\" \\\\ \\/\"}\n"
             "{\"city\":\"München\",\"caf\\u00e9\":1,\"ключ\":2}\n",
             NULL);
    /* the escape and the raw UTF-8 are the same level */
    expect_column(f, "city", AIWB_CATEGORICAL, "München|München");
    assert_int_equal(frame_nlevels(f, col(f, "city", AIWB_CATEGORICAL)), 1);
    expect_column(f, "emoji", AIWB_CATEGORICAL, "\xF0\x9F\x98\x80|NA");
    expect_column(f, "raw", AIWB_CATEGORICAL, "Zürich 東京|NA");
    expect_column(f, "esc", AIWB_CATEGORICAL, "tab\there \"q\" \\ /|NA");
    expect_column(f, "café", AIWB_NUMERIC, "NA|1");
    expect_column(f, "ключ", AIWB_NUMERIC, "NA|2");
    frame_free(f);

    /* a byte order mark, CRLF line ends, blank lines and spaces around */
    f = load("bom.jsonl", "\xEF\xBB\xBF{\"a\":1}\r\n\r\n  \t\n  {\"a\" : 2 }  \r\n\n", NULL);
    expect_names(f, "a");
    expect_column(f, "a", AIWB_NUMERIC, "1|2");
    frame_free(f);

    /* no newline after the last line */
    path = put_lit("no-eol.jsonl", "{\"a\":1}\n{\"a\":2}");
    f = read_ok(path, NULL);
    expect_column(f, "a", AIWB_NUMERIC, "1|2");
    frame_free(f);
    free(path);
}

static void
test_numbers(void **state)
{
    struct text t = {0};
    uint64_t seed = 42;
    double want[2000];
    struct aiwb_frame *f;
    const double *x;
    char *path;

    (void)state;
    /* random doubles over the whole range, written with 17 digits: each
     * must come back bit for bit, as strtod reads it */
    for (size_t i = 0; i < 2000; i++) {
        uint64_t u;

        do
            u = next_random(&seed);
        while (!isfinite(*(double *)memcpy(&want[i], &u, sizeof(u))));
        text_add(&t, "{\"x\":%.17g}\n", want[i]);
    }
    path = put("random.jsonl", t.s, t.len);
    f = read_ok(path, NULL);
    x = frame_numeric(f, col(f, "x", AIWB_NUMERIC));
    for (size_t i = 0; i < 2000; i++)
        if (bits(x[i]) != bits(want[i])) {
            print_error("row %zu: %.17g, want %.17g\n", i, x[i], want[i]);
            fail();
        }
    frame_free(f);
    free(path);
    free(t.s);

    f = load("ints.jsonl",
             "{\"x\":9007199254740993}\n"     /* 2^53 + 1: rounds to even */
             "{\"x\":-9223372036854775809}\n" /* past int64 */
             "{\"x\":123456789012345678901234567890}\n"
             "{\"x\":-0}\n"
             "{\"x\":4.9e-324}\n" /* the smallest subnormal */
             "{\"x\":1e-400}\n"   /* underflows to zero, as strtod */
             "{\"x\":1.7976931348623157e308}\n"
             "{\"x\":0.1E+1}\n",
             NULL);
    x = frame_numeric(f, col(f, "x", AIWB_NUMERIC));
    assert_true(x[0] == 9007199254740992.0);
    assert_true(x[1] == -9223372036854775808.0);
    assert_true(x[2] == 1.2345678901234568e29);
    assert_true(x[3] == 0 && signbit(x[3]));
    assert_true(x[4] == 4.9e-324);
    assert_true(x[5] == 0);
    assert_true(x[6] == 1.7976931348623157e308);
    assert_true(x[7] == 1);
    frame_free(f);
}

static void
test_json_array(void **state)
{
    struct aiwb_frame *f;

    (void)state;
    clear_log();
    f = load("array.json",
             "[\n"
             "  {\"id\": 1, \"user\": {\"name\": \"ann\"}, \"v\": 1.5},\n"
             "  {\"id\": 2,\n"
             "   \"v\": \"n/a\"},\n"
             "  {\"id\": 3, \"v\": 2.5}, {\"id\": 4, \"v\": 3}\n"
             "]\n",
             NULL);
    expect_names(f, "id,user.name,v");
    expect_column(f, "id", AIWB_NUMERIC, "1|2|3|4");
    expect_column(f, "user.name", AIWB_CATEGORICAL, "ann|NA|NA|NA");
    /* the line of the element's start */
    expect_logged("array.json': column 'v' read as categorical: line 3 has 'n/a' (1 of 4 values "
                  "is not a number)");
    frame_free(f);

    /* any extension: the first character decides, a BOM and gzip aside */
    f = load("array.jsonl", "\xEF\xBB\xBF [{\"a\":1},{\"a\":2}]", NULL);
    expect_column(f, "a", AIWB_NUMERIC, "1|2");
    frame_free(f);

    /* a .json file of lines */
    f = load("lines.json", "{\"a\":1}\n{\"a\":2}\n", NULL);
    expect_column(f, "a", AIWB_NUMERIC, "1|2");
    frame_free(f);

    expect_error("array-empty.json", "[ ]\n", " holds no objects");
    expect_error("array-open.json", "[{\"a\":1},\n{\"a\":2}\n",
                 " line 3 column 1: ']' "
                 "expected near end of file");
    expect_error("array-space.json", "[{\"a\":1} {\"a\":2}]",
                 " line 1 column 10: ',' or ']' "
                 "expected after an element");
    expect_error("array-open2.json", "[{\"a\":1},\n",
                 " line 2 column 1: unexpected token near "
                 "end of file");
    expect_error("array-bad.json", "[{\"a\":1},\n  {\"a\":2,\n   \"b\" 3}]\n",
                 " line 3 column 8: ':' expected near '3'");
    expect_error("array-bad-first.json", "[{\"a\":1}, {\"a\" 2}]",
                 " line 1 column 16: ':' "
                 "expected near '2'");
    expect_error("array-comma.json", "[{\"a\":1},]",
                 " line 1 column 10: unexpected token near "
                 "']'");
    expect_error("array-after.json", "[{\"a\":1}]\n[{\"a\":2}]\n",
                 " line 2 column 1: text after the array's closing ']'");
    expect_error("array-element.json", "[{\"a\":1},\n 2]",
                 " line 2 column 2: expected an "
                 "object, found a number");
    expect_error("array-dup.json", "[{\"a\":1,\"a\":2}]",
                 " line 1 column 11: duplicate object key near '\"a\"'");
    expect_error_lit("array-nul.json", "[{\"a\":\"x\0\"}]", NULL, " line 1 column 9: NUL byte");

    /* one object over several lines: said so, whatever failed first */
    expect_error("pretty.json", "\n{\n  \"a\": 1,\n  \"b\": [1, 2]\n}\n",
                 " line 2: an object spans several lines; expected one object a line, or an "
                 "array of objects");
    {
        const char *skip[] = {"bad=skip", NULL};

        expect_error_lit("pretty-skip.json", "{\n\"a\": 1}\n", skip,
                         " line 1: an object spans several lines; expected one object a line, or "
                         "an array of objects");
    }
    /* a malformed one stays a malformed line */
    expect_error("pretty-bad.json", "{\n  \"a\": 1,\n}\n",
                 " line 1 column 1: string or '}' expected near end of file");

    /* bad=skip skips elements that are not objects, not syntax errors */
    {
        const char *skip[] = {"bad=skip", NULL};

        clear_log();
        f = load("array-skip.json", "[{\"a\":1}, 2, \"x\", {\"a\":3}]", skip);
        expect_column(f, "a", AIWB_NUMERIC, "1|3");
        expect_logged("array-skip.json': skipped 2 malformed elements, the first at line 1 column "
                      "11: expected an object, found a number\n");
        frame_free(f);
        expect_error_lit("array-skip-bad.json", "[{\"a\":1}, {\"a\" 2}]", skip,
                         " line 1 column 16: ':' expected near '2'");
    }
}

/* Write TEXT to NAME gzip-compressed, in NMEMBERS members. */
static char *
put_gz(const char *name, const char *text, int nmembers)
{
    char *path = xasprintf("%s/%s", tmp, name);
    size_t len = strlen(text), at = 0;

    unlink(path);
    for (int m = 0; m < nmembers; m++) {
        gzFile gz = gzopen(path, "ab");
        size_t n = m + 1 == nmembers ? len - at : len / (size_t)nmembers;

        assert_non_null(gz);
        assert_int_equal(gzwrite(gz, text + at, (unsigned)n), (int)n);
        assert_int_equal(gzclose(gz), Z_OK);
        at += n;
    }
    return path;
}

static void
test_gzip(void **state)
{
    struct text t = {0};
    struct aiwb_frame *f;
    char *path, *bytes;
    FILE *fp;
    long size;

    (void)state;
    for (int i = 0; i < 5000; i++)
        text_add(&t, "{\"i\":%d,\"s\":\"level%d\",\"o\":{\"x\":%d.5}}\n", i, i % 7, i);
    path = put_gz("big.jsonl.gz", t.s, 1);
    f = read_ok(path, NULL);
    assert_int_equal(frame_rows(f), 5000);
    expect_names(f, "i,s,o.x");
    assert_true(frame_numeric(f, col(f, "o.x", AIWB_NUMERIC))[4999] == 4999.5);
    assert_int_equal(frame_nlevels(f, col(f, "s", AIWB_CATEGORICAL)), 7);
    frame_free(f);
    free(path);

    /* several members, as `cat a.gz b.gz` makes */
    path = put_gz("members.ndjson.gz", t.s, 3);
    f = read_ok(path, NULL);
    assert_int_equal(frame_rows(f), 5000);
    frame_free(f);

    /* truncated: the end cut off */
    fp = fopen(path, "rb");
    assert_non_null(fp);
    fseek(fp, 0, SEEK_END);
    size = ftell(fp);
    rewind(fp);
    bytes = xmalloc((size_t)size);
    assert_int_equal(fread(bytes, 1, (size_t)size, fp), (size_t)size);
    fclose(fp);
    free(path);
    expect_error_n("cut.jsonl.gz", bytes, (size_t)size - 30, NULL,
                   ": truncated gzip data (the file ends inside the compressed stream)");
    /* corrupt: a byte inside the deflate data changed */
    bytes[size / 2] ^= 0x55;
    expect_error_n("corrupt.jsonl.gz", bytes, (size_t)size, NULL,
                   ": corrupt gzip data (zlib: incorrect data check)");
    /* bytes after the last member are ignored with a warning, as gzip does */
    clear_log();
    bytes = xrealloc(bytes, (size_t)size + 4);
    bytes[size / 2] ^= 0x55;
    memcpy(bytes + size, "junk", 4);
    path = put("junk.jsonl.gz", bytes, (size_t)size + 4);
    f = read_ok(path, NULL);
    assert_int_equal(frame_rows(f), 5000);
    expect_logged("junk.jsonl.gz': ignored 4 bytes after the gzip data\n");
    frame_free(f);
    free(path);
    free(bytes);

    /* an array, compressed, under a .json.gz name */
    path = put_gz("array.json.gz", "[{\"a\":1},{\"a\":2}]", 1);
    f = read_ok(path, NULL);
    expect_column(f, "a", AIWB_NUMERIC, "1|2");
    frame_free(f);
    free(path);
    free(t.s);
}

static void
test_errors(void **state)
{
    (void)state;
    /* the file itself */
    {
        char *cause = NULL;

        assert_null(tu_read("no/such.jsonl", NULL, &cause));
        assert_string_equal(cause, "cannot open 'no/such.jsonl': No such file or directory");
        free(cause);
    }
    {
        char *dir = xasprintf("%s/dir.jsonl", tmp), *cause = NULL, *want;

        mkdir(dir, 0777);
        assert_null(tu_read(dir, NULL, &cause));
        want = xasprintf("cannot read '%s': Is a directory", dir);
        assert_string_equal(cause, want);
        free(want);
        free(cause);
        free(dir);
    }
    expect_error("empty.jsonl", "", " is empty");
    expect_error("blank.jsonl", "\n  \n\r\n", " holds no objects");
    expect_error("only-empty.jsonl", "{}\n{}\n", " holds only empty objects: no column to read");

    /* malformed lines: the line, the column in characters, jansson's words */
    expect_error("unterminated.jsonl", "{\"a\":1}\n{\"a\":2\n",
                 " line 2 column 6: '}' expected "
                 "near end of file");
    expect_error("comma.jsonl", "{\"a\":1,}\n",
                 " line 1 column 8: string or '}' expected "
                 "near '}'");
    expect_error("token.jsonl", "\n\n{\"é\":tru}\n", " line 3 column 8: invalid token near 'tru'");
    expect_error("leading-zero.jsonl", "{\"a\":01}\n", " line 1 column 6: invalid token near '0'");
    expect_error("single-quotes.jsonl", "{'a':1}\n",
                 " line 1 column 2: string or '}' expected "
                 "near '''");
    expect_error("duplicate.jsonl", "{\"a\":1,\"b\":2,\"a\":3}\n",
                 " line 1 column 16: duplicate "
                 "object key near '\"a\"'");
    expect_error("two.jsonl", "{\"a\":1} {\"a\":2}\n",
                 " line 1 column 9: end of file expected "
                 "near '{'");
    expect_error("control.jsonl", "{\"a\":\"x\ty\"}\n",
                 " line 1 column 7: control character "
                 "0x9 near '\"x'");
    expect_error("surrogate.jsonl", "{\"a\":\"\\ud800\"}\n",
                 " line 1 column 13: invalid "
                 "Unicode '\\uD800' near '\"\\ud800\"'");
    expect_error("nul-escape.jsonl", "{\"a\":\"\\u0000\"}\n",
                 " line 1 column 13: \\u0000 is not "
                 "supported near '\"\\u0000\"'");
    expect_error("array-line.jsonl", "{\"a\":1}\n[1,2]\n",
                 " line 2: expected an object, found "
                 "an array");
    expect_error("string-line.jsonl", "\"a\"\n", " line 1: expected an object, found a string");
    expect_error("number-line.jsonl", "{\"a\":1}\n42\n",
                 " line 2: expected an object, found a "
                 "number");
    expect_error("null-line.jsonl", "null\n", " line 1: expected an object, found null");
    expect_error("flat-dup.jsonl", "{\"a\":{\"b\":1},\"a.b\":2}\n",
                 " line 1: duplicate key 'a.b' once nested keys are joined with dots");
    /* numbers that overflow a double */
    expect_error("overflow.jsonl", "{\"a\":1}\n{\"a\":1e400}\n",
                 " line 2 column 10: real number "
                 "overflow near '1e400'");
    expect_error("overflow-neg.jsonl", "{\"a\":-2e308}\n",
                 " line 1 column 11: real number "
                 "overflow near '-2e308'");
    {
        struct text t = {0};

        text_add(&t, "{\"a\":1");
        for (int i = 0; i < 400; i++)
            text_add(&t, "0");
        text_add(&t, "}\n");
        expect_error("overflow-int.jsonl", t.s, " line 1 column 406: real number overflow");
        free(t.s);
    }
    /* bytes: NUL and invalid UTF-8, placed in characters */
    expect_error_lit("nul.jsonl", "{\"a\":1}\n{\"é\":\"x\0\"}\n", NULL,
                     " line 2 column 8: NUL byte");
    expect_error_lit("nul-outside.jsonl", "{\"a\":1}\0\n", NULL, " line 1 column 8: NUL byte");
    expect_error("utf8.jsonl", "{\"a\":\"ok\"}\n{\"a\":\"caf\xE9\"}\n",
                 " line 2 column 10: invalid UTF-8");
    expect_error("utf8-overlong.jsonl", "{\"a\":\"\xC0\xAF\"}\n",
                 " line 1 column 7: invalid "
                 "UTF-8");
    expect_error("utf8-surrogate.jsonl", "{\"a\":\"\xED\xA0\x80\"}\n",
                 " line 1 column 7: invalid UTF-8");
    expect_error("utf8-cut.jsonl", "{\"a\":\"\xE6\x9D\"}\n", " line 1 column 7: invalid UTF-8");
    /* deep nesting: jansson's limit */
    {
        struct text t = {0};

        text_add(&t, "{\"a\":");
        for (int i = 0; i < 3000; i++)
            text_add(&t, "[");
        expect_error("deep.jsonl", t.s,
                     " line 1 column 2053: maximum parsing depth reached "
                     "near '['");
        free(t.s);
    }
    /* options */
    {
        char *path = put_lit("opts.jsonl", "{\"a\":1}\n"), *cause = NULL;
        const char *bad[] = {"bad=ignore", NULL}, *lim[] = {"limit=-1", NULL};

        assert_null(tu_read(path, bad, &cause));
        assert_string_equal(cause, "jsonl: bad must be one of error|skip, not 'ignore'");
        free(cause);
        assert_null(tu_read(path, lim, &cause));
        assert_string_equal(cause, "jsonl: limit must be an integer >= 0, not '-1'");
        free(cause);
        free(path);
    }
}

static void
test_skip(void **state)
{
    const char *skip[] = {"bad=skip", NULL};
    struct aiwb_frame *f;

    (void)state;
    clear_log();
    f = load("skip.jsonl",
             "{\"a\":1}\n"
             "{\"a\":2,}\n"
             "{\"a\":3}\n"
             "[4]\n"
             "{\"a\":{\"b\":5},\"a.b\":6,\"new\":7}\n" /* fails after making columns */
             "{\"a\":\"caf\xE9\"}\n"
             "{\"a\":8}\n",
             skip);
    expect_names(f, "a"); /* the failed row's columns are gone */
    expect_column(f, "a", AIWB_NUMERIC, "1|3|8");
    /* one warning: how many, and the first */
    expect_logged("skip.jsonl': skipped 4 malformed lines, the first at line 2 column 8: string "
                  "or '}' expected near '}'\n");
    assert_int_equal(strchr(logged, '\n') - logged + 1, (long)logged_len);
    frame_free(f);

    clear_log();
    f = load("skip-one.jsonl", "{\"a\":1}\n[]\n", skip);
    expect_logged("skip-one.jsonl': skipped 1 malformed line, the first at line 2: expected an "
                  "object, found an array\n");
    frame_free(f);

    /* nothing left */
    clear_log();
    expect_error_lit("skip-all.jsonl", "oops\n{\"a\"\n", skip, " holds no objects");
    expect_logged("skip-all.jsonl': skipped 2 malformed lines, the first at line 1 column 4: "
                  "invalid token near 'oops'\n");
    /* what is not a line's fault still stops */
    expect_error_lit("skip-empty.jsonl", "", skip, " is empty");
}

static void
test_limit(void **state)
{
    const char *two[] = {"limit=2", NULL}, *all[] = {"limit=0", NULL};
    const char *two_skip[] = {"limit=2", "bad=skip", NULL};
    struct aiwb_frame *f;

    (void)state;
    /* the lines after the limit are not read: their errors do not count */
    f = load("limit.jsonl", "{\"a\":1}\n\n{\"a\":2}\n{\"b\":3}\n{oops\n", two);
    expect_names(f, "a");
    expect_column(f, "a", AIWB_NUMERIC, "1|2");
    frame_free(f);
    f = load("limit-skip.jsonl", "{\"a\":1}\n{oops\n{\"a\":2}\n{\"b\":3}\n", two_skip);
    expect_column(f, "a", AIWB_NUMERIC, "1|2");
    frame_free(f);
    f = load("limit-array.json", "[{\"a\":1},{\"a\":2},{\"a\":3}, oops", two);
    expect_column(f, "a", AIWB_NUMERIC, "1|2");
    frame_free(f);
    f = load("limit-all.jsonl", "{\"a\":1}\n{\"a\":2}\n{\"a\":3}\n", all);
    assert_int_equal(frame_rows(f), 3);
    frame_free(f);
}

static void
test_follow_append(void **state)
{
    const char *follow[] = {"follow=true", NULL};
    char *path =
        put_lit("follow.jsonl", "{\"id\":1,\"v\":0.5,\"s\":\"a\"}\n{\"id\":2,\"s\":\"b\"}\n");
    struct aiwb_frame *f, *parts[4];
    struct src s, s2;
    char *path2;
    int rows;
    char *cause = NULL;

    (void)state;
    clear_log();
    src_open(&s, path, follow);
    parts[0] = f = src_next(&s, &rows);
    assert_int_equal(rows, 2);
    expect_names(f, "id,v,s");
    src_nothing(&s);
    src_nothing(&s);

    /* appended lines come, and only they */
    append(path, "{\"id\":3,\"v\":1.5,\"s\":\"c\"}\n\n{\"s\":\"a\",\"id\":4}\n");
    parts[1] = f = src_next(&s, &rows);
    assert_int_equal(rows, 2);
    expect_names(f, "id,v,s");
    expect_column(f, "id", AIWB_NUMERIC, "3|4");
    expect_column(f, "v", AIWB_NUMERIC, "1.5|NA");
    expect_column(f, "s", AIWB_CATEGORICAL, "c|a");
    src_nothing(&s);

    /* a line without its newline waits for it */
    append(path, "{\"id\":5,\"v\":2");
    src_nothing(&s);
    append(path, ".5,\"s\":\"b\"}");
    src_nothing(&s);
    assert_string_equal(logged, "");
    /* the columns are fixed: a new key is ignored (one warning, once), a
     * string in a numeric column is missing, numbers in a categorical one
     * are levels */
    append(path, "\n{\"id\":6,\"w\":1,\"s\":7}\n{\"id\":7,\"v\":\"high\",\"w\":2,\"s\":true}\n");
    parts[2] = f = src_next(&s, &rows);
    assert_int_equal(rows, 3);
    expect_names(f, "id,v,s");
    expect_column(f, "id", AIWB_NUMERIC, "5|6|7");
    expect_column(f, "v", AIWB_NUMERIC, "2.5|NA|NA");
    expect_column(f, "s", AIWB_CATEGORICAL, "b|7|true");
    expect_logged("follow.jsonl' line 7: new key 'w' ignored (the columns were fixed by the first "
                  "rows)\n");
    expect_logged("follow.jsonl': column 'v' is numeric (fixed by the first rows): line 8 has "
                  "'high', read as missing (1 value)\n");
    assert_null(strstr(logged, "line 8: new key"));

    /* the host joins the batches: they must agree */
    append(path, "{\"id\":8,\"s\":\"z\"}\n");
    parts[3] = src_next(&s, &rows);
    assert_int_equal(rows, 1);
    f = frame_concat(parts, 4, &cause);
    assert_non_null(f);
    assert_int_equal(frame_rows(f), 8);
    expect_column(f, "id", AIWB_NUMERIC, "1|2|3|4|5|6|7|8");
    expect_column(f, "s", AIWB_CATEGORICAL, "a|b|c|a|b|7|true|z");
    frame_free(f);
    for (int i = 0; i < 4; i++)
        frame_free(parts[i]);
    src_close(&s);

    /* a byte order mark and CRLF line ends */
    path2 = put_lit("follow-bom.jsonl", "\xEF\xBB\xBF{\"a\":1}\r\n");
    src_open(&s2, path2, follow);
    f = src_next(&s2, &rows);
    expect_names(f, "a");
    frame_free(f);
    append(path2, "{\"a\":2}\r\n");
    f = src_next(&s2, &rows);
    expect_column(f, "a", AIWB_NUMERIC, "2");
    frame_free(f);
    src_close(&s2);
    free(path2);

    /* a partial last line at open waits too */
    free(path);
    path = put_lit("follow-partial.jsonl", "{\"a\":1}\n{\"a\":2}");
    src_open(&s, path, follow);
    f = src_next(&s, &rows);
    expect_column(f, "a", AIWB_NUMERIC, "1");
    frame_free(f);
    append(path, "\n");
    f = src_next(&s, &rows);
    expect_column(f, "a", AIWB_NUMERIC, "2");
    frame_free(f);
    src_close(&s);
    free(path);
}

static void
test_follow_rotation(void **state)
{
    const char *follow[] = {"follow=true", NULL};
    char *path = put_lit("rotate.jsonl", "{\"a\":1}\n{\"a\":2}\n");
    char *old = xasprintf("%s.1", path), *fresh = xasprintf("%s.new", path);
    struct aiwb_frame *f;
    struct src s;
    int rows;
    FILE *fp;

    (void)state;
    src_open(&s, path, follow);
    f = src_next(&s, &rows);
    frame_free(f);

    /* truncated (copytruncate), then written again: from the start */
    clear_log();
    fp = fopen(path, "w");
    assert_non_null(fp);
    fputs("{\"a\":3}\n", fp);
    fclose(fp);
    f = src_next(&s, &rows);
    expect_column(f, "a", AIWB_NUMERIC, "3");
    expect_logged("rotate.jsonl' was truncated: reading it again from its start\n");
    frame_free(f);
    src_nothing(&s);

    /* renamed away with lines the writer added meanwhile (one without its
     * newline), a new file in its place: the old one's rest, then the new */
    clear_log();
    append(path, "{\"a\":4}\n{\"a\":5}");
    assert_int_equal(rename(path, old), 0);
    fp = fopen(fresh, "w");
    fputs("{\"a\":6}\n{\"a\":7}\n{\"a\":8", fp);
    fclose(fp);
    assert_int_equal(rename(fresh, path), 0);
    f = src_next(&s, &rows);
    expect_column(f, "a", AIWB_NUMERIC, "4|5|6|7");
    expect_logged("rotate.jsonl' was replaced: reading the new file from its start\n");
    frame_free(f);
    src_nothing(&s);
    /* the line numbers start again: an error names the new file's line */
    append(path, "}\n{\"a\":9,}\n{\"a\":10}\n");
    f = src_next(&s, &rows);
    expect_column(f, "a", AIWB_NUMERIC, "8");
    frame_free(f);
    src_next_fails(&s, path, " line 4 column 8: string or '}' expected near '}'");
    /* the next call goes on after it */
    f = src_next(&s, &rows);
    expect_column(f, "a", AIWB_NUMERIC, "10");
    frame_free(f);

    /* gone for a while (rotation half-done): nothing, no error */
    assert_int_equal(rename(path, old), 0);
    src_nothing(&s);
    append(old, "{\"a\":11}\n");
    f = src_next(&s, &rows);
    expect_column(f, "a", AIWB_NUMERIC, "11");
    frame_free(f);
    free(put_lit("rotate.jsonl", "{\"a\":12}\n"));
    f = src_next(&s, &rows);
    expect_column(f, "a", AIWB_NUMERIC, "12");
    frame_free(f);
    src_close(&s);
    unlink(old);
    free(old);
    free(fresh);
    free(path);
}

static void
test_follow_options(void **state)
{
    const char *follow[] = {"follow=true", NULL};
    const char *follow_skip[] = {"follow=true", "bad=skip", NULL};
    const char *follow_limit[] = {"follow=true", "limit=3", NULL};
    struct aiwb_frame *f;
    struct src s;
    int rows;
    char *path;

    (void)state;
    /* bad=skip: one warning per batch */
    path = put_lit("follow-skip.jsonl", "{\"a\":1}\n");
    src_open(&s, path, follow_skip);
    f = src_next(&s, &rows);
    frame_free(f);
    clear_log();
    append(path, "{\"a\":2}\n{bad\n{\"a\":3}\n[]\n");
    f = src_next(&s, &rows);
    expect_column(f, "a", AIWB_NUMERIC, "2|3");
    expect_logged("follow-skip.jsonl': skipped 2 malformed lines, the first at line 3 column 4: "
                  "string or '}' expected near 'bad'\n");
    frame_free(f);
    clear_log();
    append(path, "{\"a\":4}\n");
    f = src_next(&s, &rows);
    assert_string_equal(logged, "");
    frame_free(f);
    src_close(&s);
    free(path);

    /* limit counts every batch */
    path = put_lit("follow-limit.jsonl", "{\"a\":1}\n{\"a\":2}\n");
    src_open(&s, path, follow_limit);
    f = src_next(&s, &rows);
    assert_int_equal(rows, 2);
    frame_free(f);
    append(path, "{\"a\":3}\n{\"a\":4}\n");
    f = src_next(&s, &rows);
    expect_column(f, "a", AIWB_NUMERIC, "3");
    frame_free(f);
    append(path, "{\"a\":5}\n");
    src_nothing(&s);
    src_close(&s);
    free(path);

    /* a malformed first batch fails the open; the rows before it do not */
    path = put_lit("follow-bad.jsonl", "{\"a\":1}\n{\"a\":\n{\"a\":3}\n");
    src_open(&s, path, follow);
    f = src_next(&s, &rows);
    expect_column(f, "a", AIWB_NUMERIC, "1");
    frame_free(f);
    src_next_fails(&s, path, " line 2 column 5: unexpected token near end of file");
    f = src_next(&s, &rows);
    expect_column(f, "a", AIWB_NUMERIC, "3");
    frame_free(f);
    src_close(&s);
    free(path);

    /* what cannot be followed */
    path = put_lit("follow-empty.jsonl", "");
    src_open_fails(path, follow, " is empty");
    free(path);
    path = put_lit("follow-partial-only.jsonl", "{\"a\":1}");
    src_open_fails(path, follow,
                   " holds no complete line yet: following needs one to fix the "
                   "columns");
    free(path);
    path = put_lit("follow-array.json", "\xEF\xBB\xBF[{\"a\":1}]\n");
    src_open_fails(path, follow, ": follow reads one object a line, not a JSON array");
    free(path);
    path = put_gz("follow.jsonl.gz", "{\"a\":1}\n", 1);
    src_open_fails(path, follow, ": follow cannot read compressed files");
    free(path);
    path = put_lit("follow-bad-first.jsonl", "{\"a\"}\n");
    src_open_fails(path, follow, " line 1 column 5: ':' expected near '}'");
    free(path);

    /* without follow, nothing more ever comes */
    path = put_lit("no-follow.jsonl", "{\"a\":1}\n");
    src_open(&s, path, NULL);
    f = src_next(&s, &rows);
    frame_free(f);
    append(path, "{\"a\":2}\n");
    src_nothing(&s);
    src_close(&s);
    /* closed before the frame was claimed */
    src_open(&s, path, follow);
    src_close(&s);
    free(path);
}

/* One line of events-expected.txt checked against column NAME of F. */
static void
check_reference(const struct aiwb_frame *f, size_t c, char *line)
{
    char *name = strtok(line, "|"), *type = strtok(NULL, "|"), *miss = strtok(NULL, "|");
    char *rest = strtok(NULL, "\n");

    assert_non_null(rest);
    assert_string_equal(frame_col_name(f, c), name);
    assert_int_equal(frame_count_missing(f, c), strtoul(miss, NULL, 10));
    if (strcmp(type, "numeric") == 0) {
        const double *x = frame_numeric(f, c);
        double sum = 0;

        assert_non_null(x);
        for (size_t r = 0; r < frame_rows(f); r++)
            if (!isnan(x[r]))
                sum += x[r];
        tu_assert_rel(sum, strtod(rest, NULL), 1e-12);
        return;
    }
    assert_string_equal(type, "categorical");
    assert_non_null(frame_codes(f, c));
    for (char *lv = strtok(rest, ","); lv != NULL; lv = strtok(NULL, ",")) {
        char *eq = strrchr(lv, '=');
        int32_t code;
        size_t count = 0;

        *eq = '\0';
        code = frame_level_find(f, c, lv);
        if (code < 0) {
            print_error("column '%s' lacks level '%s'\n", name, lv);
            fail();
        }
        for (size_t r = 0; r < frame_rows(f); r++)
            count += frame_codes(f, c)[r] == code;
        assert_int_equal(count, strtoul(eq + 1, NULL, 10));
    }
}

static void
test_fixture(void **state)
{
    char *path = tu_srcpath("tests/data/jsonl/events.jsonl");
    char *want = tu_srcpath("tests/data/jsonl/events-expected.txt");
    char line[1 << 16];
    struct aiwb_frame *f;
    FILE *fp;
    size_t c = 0;

    (void)state;
    clear_log();
    f = read_ok(path, NULL);
    assert_int_equal(frame_rows(f), 400);
    fp = fopen(want, "r");
    assert_non_null(fp);
    while (fgets(line, sizeof(line), fp) != NULL) {
        assert_true(c < frame_cols(f));
        check_reference(f, c++, line);
    }
    fclose(fp);
    assert_int_equal(c, frame_cols(f));
    /* 'amount' holds a few "n/a" */
    expect_logged("events.jsonl': column 'amount' read as categorical: line ");
    frame_free(f);
    free(path);
    free(want);
}

static void
test_many_lines(void **state)
{
    enum { N = 100000 };
    struct text t = {0};
    struct timespec t0, t1;
    struct aiwb_frame *f;
    double sum_x = 0, got_x = 0;
    const double *x, *id;
    uint64_t seed = 7;
    char *path;

    (void)state;
    for (int i = 0; i < N; i++) {
        double v = (double)(next_random(&seed) >> 11) * 0x1p-53 * 1000 - 500;

        sum_x += v;
        text_add(&t,
                 "{\"ts\":\"2024-06-11T10:%02d:%02dZ\",\"id\":%d,\"x\":%.17g,"
                 "\"req\":{\"path\":\"/predict\",\"status\":%d},\"features\":{\"age\":%d,"
                 "\"score\":%.6f},\"ok\":%s}\n",
                 i / 60 % 60, i % 60, i, v, i % 10 ? 200 : 500, 18 + i % 60, v / 1000,
                 i % 3 ? "true" : "false");
    }
    path = put("many.jsonl", t.s, t.len);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    f = read_ok(path, NULL);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    print_message("# %d lines (%.1f MB) read in %.0f ms\n", N, (double)t.len / 1e6,
                  (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
    assert_int_equal(frame_rows(f), N);
    expect_names(f, "ts,id,x,req.path,req.status,features.age,features.score,ok");
    x = frame_numeric(f, col(f, "x", AIWB_NUMERIC));
    id = frame_numeric(f, col(f, "id", AIWB_NUMERIC));
    for (int i = 0; i < N; i++) {
        got_x += x[i];
        assert_true(id[i] == i);
    }
    assert_true(got_x == sum_x); /* the same numbers added in the same order */
    assert_int_equal(frame_nlevels(f, col(f, "ts", AIWB_CATEGORICAL)), 3600);
    frame_free(f);
    free(path);
    free(t.s);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_registered),      cmocka_unit_test(test_flatten),
        cmocka_unit_test(test_types),           cmocka_unit_test(test_arrays),
        cmocka_unit_test(test_unicode),         cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_json_array),      cmocka_unit_test(test_gzip),
        cmocka_unit_test(test_errors),          cmocka_unit_test(test_skip),
        cmocka_unit_test(test_limit),           cmocka_unit_test(test_follow_append),
        cmocka_unit_test(test_follow_rotation), cmocka_unit_test(test_follow_options),
        cmocka_unit_test(test_fixture),         cmocka_unit_test(test_many_lines),
    };
    int rc;

    tmp = tu_tmpdir("jsonl");
    tu_load_plugins();
    log_set_sink(capture, NULL, AIWB_LOG_WARN);
    rc = cmocka_run_group_tests(tests, NULL, NULL);
    registry_shutdown();
    free(tmp);
    return rc;
}
