/*
 * test-csv.c - the csv source: RFC 4180 parsing, options, type inference,
 * every error message, big files read by several threads, and numbers
 * bit-identical to strtod.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <float.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
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

static double
uniform(uint64_t *s)
{
    return (double)(next_random(s) >> 11) * 0x1p-53;
}

/* ------------------------------------------------------------------------- */

static void
test_registered(void **state)
{
    const struct component *c;
    const struct aiwb_source_type *t;

    (void)state;
    c = registry_find(COMPONENT_SOURCE, "csv");
    assert_non_null(c);
    t = c->type.source;
    assert_string_equal(c->module->name, "csv");
    assert_string_equal(c->module->version, "1.1.0");
    assert_string_equal(t->extensions, "csv,tsv,txt,csv.gz,tsv.gz,txt.gz");
    assert_string_equal(t->schemes, "file");
    assert_true(strlen(t->summary) <= 80);
    assert_non_null(t->help);
    for (size_t i = 0; t->options[i].name != NULL; i++)
        assert_non_null(t->options[i].help);
    assert_non_null(options_spec_find(t->options, "header"));
    assert_non_null(options_spec_find(t->options, "delimiter"));
    assert_non_null(options_spec_find(t->options, "na"));
    assert_non_null(options_spec_find(t->options, "columns"));
    assert_non_null(options_spec_find(t->options, "limit"));
    assert_ptr_equal(registry_source_for("x.tsv"), c);
    assert_ptr_equal(registry_source_for("dir/x.txt"), c);
    assert_ptr_equal(registry_source_for("dir/x.csv.gz"), c);
    assert_ptr_equal(registry_source_for("x.TSV.GZ"), c);
    assert_ptr_equal(registry_source_for("a.b/x.txt.gz"), c);
}

/* open() reads, the first next() hands the frame over, the second says the
 * end; close() after a failed open or an unclaimed frame leaks nothing. */
static void
test_open_next_close(void **state)
{
    const struct component *c = registry_find(COMPONENT_SOURCE, "csv");
    const struct aiwb_source_type *t = c->type.source;
    char *path = put("onc.csv", "a,b\n1,x\n2,y\n3,z\n", 16);
    char *cause = NULL;
    struct aiwb_options *o = options_parse("csv", t->options, 0, NULL, &cause);
    void *st = xcalloc(1, t->state_size);
    struct aiwb_frame *f = NULL;

    (void)state;
    assert_non_null(o);
    assert_int_equal(t->open(st, path, o, &cause), AIWB_OK);
    assert_int_equal(t->next(st, &f, &cause), 3);
    assert_non_null(f);
    assert_int_equal(frame_cols(f), 2);
    {
        struct aiwb_frame *g = NULL;

        assert_int_equal(t->next(st, &g, &cause), 0);
        assert_null(g);
    }
    t->close(st);
    frame_free(f);

    memset(st, 0, t->state_size);
    assert_int_equal(t->open(st, path, o, &cause), AIWB_OK);
    t->close(st); /* the frame was never claimed */

    memset(st, 0, t->state_size);
    assert_true(t->open(st, "no/such.csv", o, &cause) < 0);
    assert_string_equal(cause, "cannot open 'no/such.csv': No such file or directory");
    free(cause);
    t->close(st);
    options_free(o);
    free(st);
    free(path);
}

static void
test_basic(void **state)
{
    struct aiwb_frame *f = load("basic.csv", "a,b,c\n1,2,x\n3,NA,y\n4,,z\n-2.5,1e3,x\n", NULL);

    (void)state;
    assert_int_equal(frame_rows(f), 4);
    assert_int_equal(frame_cols(f), 3);
    assert_string_equal(frame_col_name(f, 0), "a");
    assert_string_equal(frame_col_name(f, 2), "c");
    expect_column(f, "a", AIWB_NUMERIC, "1|3|4|-2.5");
    expect_column(f, "b", AIWB_NUMERIC, "2|NA|NA|1000");
    expect_column(f, "c", AIWB_CATEGORICAL, "x|y|z|x");
    assert_int_equal(frame_nlevels(f, 2), 3);
    frame_free(f);
}

/* Levels are interned as they come and sorted by the host. */
static void
test_levels(void **state)
{
    struct aiwb_frame *f = load("levels.csv", "g\npear\napple\n\npear\nfig\nNA\n", NULL);

    (void)state;
    expect_column(f, "g", AIWB_CATEGORICAL, "pear|apple|pear|fig|NA");
    assert_int_equal(frame_nlevels(f, 0), 3);
    assert_string_equal(frame_level(f, 0, 0), "apple");
    assert_string_equal(frame_level(f, 0, 1), "fig");
    assert_string_equal(frame_level(f, 0, 2), "pear");
    assert_int_equal(frame_codes(f, 0)[4], AIWB_NA_CODE);
    frame_free(f);
}

static void
test_quotes(void **state)
{
    const char *text = "name,text,n\n"
                       "\"Smith, J\",\"said \"\"hi\"\"\",1\n"
                       "plain,\"two\nlines, one field\",2\n"
                       "\"\",\"\",3\n"
                       "  \"spaced\"  ,x,\"4\"\n"
                       "\"a\"\"\",\"\"\"\",\" 5 \"\n";
    struct aiwb_frame *f = load("quotes.csv", text, NULL);

    (void)state;
    expect_column(f, "name", AIWB_CATEGORICAL, "Smith, J|plain|NA|spaced|a\"");
    expect_column(f, "text", AIWB_CATEGORICAL, "said \"hi\"|two\nlines, one field|NA|x|\"");
    expect_column(f, "n", AIWB_NUMERIC, "1|2|3|4|5");
    frame_free(f);
}

static void
test_line_ends(void **state)
{
    struct aiwb_frame *f;

    (void)state;
    f = load("crlf.csv", "a,b\r\n1,\"x\r\ny\"\r\n2,z\r\n\r\n\n", NULL);
    expect_column(f, "a", AIWB_NUMERIC, "1|2");
    expect_column(f, "b", AIWB_CATEGORICAL, "x\r\ny|z");
    frame_free(f);

    f = load("nofinal.csv", "a,b\n1,2\n3,4", NULL);
    expect_column(f, "b", AIWB_NUMERIC, "2|4");
    frame_free(f);

    f = load("nofinalcr.csv", "a,b\r\n1,2\r\n3,x\r", NULL);
    expect_column(f, "b", AIWB_CATEGORICAL, "2|x");
    frame_free(f);

    /* blank lines are skipped anywhere, as R and pandas do */
    f = load("blank.csv", "\n\na\n1\n\n2\r\n\r\n3\n\n\n", NULL);
    expect_column(f, "a", AIWB_NUMERIC, "1|2|3");
    frame_free(f);
}

static void
test_bom(void **state)
{
    struct aiwb_frame *f = load("bom.csv", "\xEF\xBB\xBFid,v\n1,2\n", NULL);

    (void)state;
    expect_column(f, "id", AIWB_NUMERIC, "1");
    frame_free(f);
    /* columns are counted after the mark */
    expect_error("bom-err.csv",
                 "\xEF\xBB\xBF"
                 "a,\"b\"c\n1,2\n",
                 " line 1 column 6: text after a closing quote");
    expect_error("bom-only.csv", "\xEF\xBB\xBF", " is empty");
}

static void
test_no_header(void **state)
{
    const char *opts[] = {"header=false", NULL};
    struct aiwb_frame *f = load("nohead.csv", "1,2,a\n3,4,b\n", opts);

    (void)state;
    assert_int_equal(frame_rows(f), 2);
    expect_column(f, "V1", AIWB_NUMERIC, "1|3");
    expect_column(f, "V2", AIWB_NUMERIC, "2|4");
    expect_column(f, "V3", AIWB_CATEGORICAL, "a|b");
    frame_free(f);
}

static void
test_delimiters(void **state)
{
    const char *semi[] = {"delimiter=;", NULL};
    const char *tab[] = {"delimiter=tab", NULL};
    const char *tab2[] = {"delimiter=\\t", NULL};
    const char *comma[] = {"delimiter=,", NULL};
    struct aiwb_frame *f;
    char *path, *cause = NULL;

    (void)state;
    f = load("semi.csv", "a;b\n1.5;\"x;y\"\n2;z\n", semi);
    expect_column(f, "a", AIWB_NUMERIC, "1.5|2");
    expect_column(f, "b", AIWB_CATEGORICAL, "x;y|z");
    frame_free(f);

    f = load("tab.txt", "a\tb\n 1\t x y\n", tab);
    expect_column(f, "a", AIWB_NUMERIC, "1");
    expect_column(f, "b", AIWB_CATEGORICAL, " x y");
    frame_free(f);
    f = load("tab2.txt", "a\tb\n1\t2\n", tab2);
    expect_column(f, "b", AIWB_NUMERIC, "2");
    frame_free(f);

    /* .tsv files are tab-separated unless told otherwise */
    f = load("t.tsv", "a\tb,c\n1\t2,3\n", NULL);
    expect_column(f, "b,c", AIWB_CATEGORICAL, "2,3");
    frame_free(f);
    f = load("t2.TSV", "a,b\n1,2\n", comma);
    expect_column(f, "b", AIWB_NUMERIC, "2");
    frame_free(f);

    /* a space-separated file: spaces are no longer trimmed */
    {
        const char *space[] = {"delimiter= ", NULL};

        f = load("space.txt", "a b\n1 x\n", space);
        expect_column(f, "b", AIWB_CATEGORICAL, "x");
        frame_free(f);
    }

    path = put("d.csv", "a\n1\n", 4);
    {
        const char *two[] = {"delimiter=;;", NULL};
        const char *dot[] = {"delimiter=.", NULL};
        const char *quote[] = {"delimiter=\"", NULL};

        assert_null(tu_read(path, two, &cause));
        assert_string_equal(cause, "csv: delimiter must be one character or 'tab', not ';;'");
        free(cause);
        assert_null(tu_read(path, dot, &cause));
        assert_non_null(strstr(cause, "csv: delimiter cannot be '.'"));
        free(cause);
        assert_null(tu_read(path, quote, &cause));
        assert_non_null(strstr(cause, "csv: delimiter cannot be '\"'"));
        free(cause);
    }
    free(path);
}

static void
test_missing(void **state)
{
    const char *custom[] = {"na=-999, missing ", NULL};
    const char *none[] = {"na=", NULL};
    struct aiwb_frame *f;

    (void)state;
    f = load("na.csv", "x,y\nNA,1\n?,\"\"\n 1 ,\" NA \"\n\"NA\",NaN\n2,nan\n", NULL);
    expect_column(f, "x", AIWB_NUMERIC, "NA|NA|1|NA|2");
    expect_column(f, "y", AIWB_NUMERIC, "1|NA|NA|NA|NA");
    frame_free(f);

    f = load("na2.csv", "x,y\n-999,a\nmissing,missing\n3, \n-999.5,NA\n", custom);
    expect_column(f, "x", AIWB_NUMERIC, "NA|NA|3|-999.5");
    /* "NA" is no marker any more: a level */
    expect_column(f, "y", AIWB_CATEGORICAL, "a|NA|NA|NA");
    assert_int_equal(frame_nlevels(f, 1), 2);
    frame_free(f);

    f = load("na3.csv", "x\nNA\n1\n\n?\n", none);
    col(f, "x", AIWB_CATEGORICAL);
    assert_int_equal(frame_nlevels(f, 0), 3);
    frame_free(f);

    /* a column with nothing in it is numeric, all missing */
    f = load("empty-col.csv", "a,b\n1,\n2,\n", NULL);
    expect_column(f, "b", AIWB_NUMERIC, "NA|NA");
    frame_free(f);
}

static void
test_inference(void **state)
{
    struct aiwb_frame *f;
    const double *v;
    static const char *texts[] = {"1e", "0x10", "1.2.3", "--1",  "1 2", "e5", ".",
                                  "+",  "1e+",  "inff",  "nan1", "1d5", "١"};
    char buf[64];

    (void)state;
    f = load("infer.csv", "v\n 1.5 \n+2\n.5\n5.\n1e3\n1E-3\n-inf\nInf\n+infinity\nNaN\n-0\n0e9\n",
             NULL);
    v = frame_numeric(f, col(f, "v", AIWB_NUMERIC));
    assert_true(v[0] == 1.5 && v[1] == 2 && v[2] == 0.5 && v[3] == 5 && v[4] == 1000);
    assert_true(v[5] == 0.001);
    assert_true(isinf(v[6]) && v[6] < 0);
    assert_true(isinf(v[7]) && v[7] > 0);
    assert_true(isinf(v[8]) && v[8] > 0);
    assert_true(isnan(v[9]));
    assert_true(v[10] == 0 && signbit(v[10]));
    assert_true(v[11] == 0 && !signbit(v[11]));
    frame_free(f);

    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        char *want = xasprintf("1|%s", texts[i]);

        snprintf(buf, sizeof(buf), "v\n1\n%s\n", texts[i]);
        f = load("text.csv", buf, NULL);
        expect_column(f, "v", AIWB_CATEGORICAL, want);
        frame_free(f);
        free(want);
    }
}

/* A column of numbers with a few words in it is categorical, and says why. */
static void
test_mixed_warning(void **state)
{
    size_t cap = 1 << 16, len = 0;
    char *text = xmalloc(cap), *path, *want;
    struct aiwb_frame *f;

    (void)state;
    len += (size_t)snprintf(text + len, cap - len, "id,age,name\n");
    for (int line = 2; line <= 1000; line++)
        len += (size_t)snprintf(text + len, cap - len, "%d,%s,n%d\n", line,
                                line == 500   ? "abc"
                                : line == 700 ? "\"x\ny\""
                                              : "42",
                                line % 3);
    path = put("mixed.csv", text, len);
    clear_log();
    f = read_ok(path, NULL);
    {
        const double *id = frame_numeric(f, col(f, "id", AIWB_NUMERIC));

        assert_int_equal(frame_rows(f), 999);
        for (size_t r = 0; r < 999; r++)
            assert_true(id[r] == (double)r + 2);
    }
    col(f, "age", AIWB_CATEGORICAL);
    /* the name column is all text: no warning for it */
    col(f, "name", AIWB_CATEGORICAL);
    want = xasprintf("'%s': column 'age' read as categorical: line 500 has 'abc' (2 of 999 "
                     "values are not numbers)\n",
                     path);
    assert_string_equal(logged, want);
    frame_free(f);
    free(want);
    free(path);
    free(text);
}

static void
test_empty_names(void **state)
{
    char *path = put("noname.csv", "a,,\"\"\n1,2,3\n", 12), *want;
    struct aiwb_frame *f;

    (void)state;
    clear_log();
    f = read_ok(path, NULL);
    expect_column(f, "a", AIWB_NUMERIC, "1");
    expect_column(f, "V2", AIWB_NUMERIC, "2");
    expect_column(f, "V3", AIWB_NUMERIC, "3");
    want = xasprintf("'%s' line 1: column 2 has no name, called it 'V2'\n"
                     "'%s' line 1: column 3 has no name, called it 'V3'\n",
                     path, path);
    assert_string_equal(logged, want);
    frame_free(f);
    free(want);
    free(path);
}

/* The catalogue of malformed files: each message names the file and place. */
static void
test_errors(void **state)
{
    const char *nohead[] = {"header=false", NULL};
    char *path;

    (void)state;
    expect_error("unterminated.csv",
                 "a,b,c\n1,2,3\n4,5,6\n7,8,9\n1,\"open,3\nmore text\nthe end,1,2\n",
                 " line 7 column 12: unterminated quoted field (opened at line 5)");
    expect_error("unterminated2.csv", "a\n\"x",
                 " line 2 column 3: unterminated quoted field "
                 "(opened at line 2)");
    expect_error("fields.csv", "a,b,c,d\n1,2,3,4\n5,6,7,8\n1,2,3\n",
                 " line 4: 3 fields, expected 4 as in the header");
    expect_error("fields2.csv", "a,b\n1,2\n1,\"x,y\",3,4\n",
                 " line 3: 4 fields, expected 2 as in the header");
    expect_error("fields3.csv", "a,b\n1,2\n\"multi\nline\"\n",
                 " line 3: 1 field, expected 2 as in the header");
    expect_error_n("fields4.csv", "\n1,2\n3\n", 7, nohead,
                   " line 3: 1 field, expected 2 as in line 2");
    expect_error("utf8.csv", "a,b\n1,x\nabc,\xc3\xa9\xc3\xa9\xff\n",
                 " line 3 column 7: invalid UTF-8");
    expect_error("utf8-head.csv", "a,\xe2\x82\n", " line 1 column 3: invalid UTF-8");
    expect_error("utf8-overlong.csv", "a\n\xc0\xaf\n", " line 2 column 1: invalid UTF-8");
    expect_error("utf8-surrogate.csv", "a\n\"x\xed\xa0\x80\"\n", " line 2 column 3: invalid UTF-8");
    expect_error("utf8-big.csv", "a\nx\xf4\x90\x80\x80\n", " line 2 column 2: invalid UTF-8");
    expect_error("utf8-end.csv", "a\n1\n\xe2\x82", " line 3 column 1: invalid UTF-8");
    expect_error_n("nul.csv", "a,b\n1,\0\n", 8, NULL, " line 2 column 3: NUL byte");
    expect_error_n("utf16.csv",
                   "\xff\xfe"
                   "a\0,\0b\0\n\0",
                   10, NULL, " is UTF-16: convert it to UTF-8 first (iconv -f UTF-16 -t UTF-8)");
    expect_error_n("nul2.csv", "a,b\nx,\"a\0\"\n", 11, NULL, " line 2 column 5: NUL byte");
    expect_error("empty.csv", "", " is empty");
    expect_error("blank.csv", "\n\r\n\n", " is empty");
    expect_error_n("blank2.csv", "\n\n", 2, nohead, " is empty");
    expect_error("header-only.csv", "a,b\n", " has a header but no rows");
    expect_error("header-only2.csv", "a,b\r\n\r\n\n", " has a header but no rows");
    expect_error("header-only3.csv", "a,b", " has a header but no rows");
    expect_error("dup.csv", "x,a,b,c,a\n1,2,3,4,5\n",
                 " line 1: duplicate column name 'a' (columns 2 and 5)");
    expect_error("dup2.csv", "\nb,a,a,b\n1,2,3,4\n",
                 " line 2: duplicate column name 'a' (columns 2 and 3)");
    expect_error("dup3.csv", "V2,\n1,2\n", " line 1: duplicate column name 'V2' (columns 1 and 2)");
    expect_error("quote.csv", "a,b\n1,2\n1,ab\"c\n",
                 " line 3 column 5: quote inside an unquoted field");
    expect_error("after.csv", "a,b\n1,2\n1,\"abcd\"x\n",
                 " line 3 column 9: text after a closing quote");
    expect_error("after2.csv", "a,b\n1,2\n1,\"\xc3\xa9\xc3\xa9\" y\n",
                 " line 3 column 8: text after a closing quote");
    expect_error("range.csv", "a\n1\n2\n3\n4\n 1e999\n",
                 " line 6 column 2: number '1e999' is out of range");
    expect_error("range2.csv", "a,b\n1,2\n3,\"-1.5e+400\"\n",
                 " line 3 column 4: number '-1.5e+400' is out of range");
    expect_error("range3.csv", "a,b\n1,2e999\n3e999,4\n",
                 " line 2 column 3: number '2e999' is out of range");

    /* a structural error wins over a number out of range earlier */
    expect_error("range4.csv", "a,b\n1e999,2\n3,4,5\n",
                 " line 3: 3 fields, expected 2 as in the header");

    path = xasprintf("%s/nope.csv", tmp);
    {
        char *cause = NULL, *want = xasprintf("cannot open '%s': No such file or directory", path);

        assert_null(tu_read(path, NULL, &cause));
        assert_string_equal(cause, want);
        free(cause);
        free(want);
    }
    free(path);
    path = xasprintf("%s/dir.csv", tmp);
    assert_int_equal(mkdir(path, 0777), 0);
    {
        char *cause = NULL, *want = xasprintf("cannot read '%s': Is a directory", path);

        assert_null(tu_read(path, NULL, &cause));
        assert_string_equal(cause, want);
        free(cause);
        free(want);
    }
    free(path);
}

/* Numbers too big for a double in a text column are just text. */
static void
test_range_in_text(void **state)
{
    struct aiwb_frame *f = load("range-text.csv", "a\nx\n1e999\n", NULL);
    const double *v;

    (void)state;
    expect_column(f, "a", AIWB_CATEGORICAL, "x|1e999");
    frame_free(f);
    /* tiny numbers round to zero or a subnormal, as strtod does */
    f = load("tiny.csv", "a\n1e-400\n4e-324\n", NULL);
    v = frame_numeric(f, col(f, "a", AIWB_NUMERIC));
    assert_true(v[0] == 0 && v[1] == 4.9406564584124654e-324);
    frame_free(f);
}

/* Thread: write a csv of 100000 rows into the FIFO at ARG. */
static void *
write_fifo(void *arg)
{
    int fd = open(arg, O_WRONLY);
    char line[64];
    intptr_t ok = fd >= 0 && write(fd, "x,y\n", 4) == 4;

    for (int i = 0; ok && i < 100000; i++) {
        int n = snprintf(line, sizeof(line), "%d,\"v%d\"\n", i, i % 7);

        ok = write(fd, line, (size_t)n) == n;
    }
    if (fd >= 0)
        close(fd);
    return (void *)ok;
}

/* The scheme file: and reading from a pipe (no mapping possible). */
static void
test_scheme_and_pipe(void **state)
{
    char *path = put("scheme.csv", "a\n7\n", 4), *uri = xasprintf("file:%s", path);
    struct aiwb_frame *f = read_ok(uri, NULL);
    pthread_t writer;
    void *ok;

    (void)state;
    expect_column(f, "a", AIWB_NUMERIC, "7");
    frame_free(f);
    free(uri);
    uri = xasprintf("file://%s", path);
    f = read_ok(uri, NULL);
    frame_free(f);
    free(uri);
    free(path);

    path = xasprintf("%s/pipe.csv", tmp);
    assert_int_equal(mkfifo(path, 0600), 0);
    assert_int_equal(pthread_create(&writer, NULL, write_fifo, path), 0);
    f = read_ok(path, NULL);
    assert_int_equal(pthread_join(writer, &ok), 0);
    assert_true(ok != NULL);
    assert_int_equal(frame_rows(f), 100000);
    assert_true(frame_numeric(f, col(f, "x", AIWB_NUMERIC))[99999] == 99999);
    assert_int_equal(frame_nlevels(f, col(f, "y", AIWB_CATEGORICAL)), 7);
    frame_free(f);
    free(path);
}

/* Assert two frames are the same cell for cell (numbers bit for bit). */
static void
assert_same_frame(const struct aiwb_frame *a, const struct aiwb_frame *b)
{
    assert_int_equal(frame_rows(a), frame_rows(b));
    assert_int_equal(frame_cols(a), frame_cols(b));
    for (size_t c = 0; c < frame_cols(a); c++) {
        assert_string_equal(frame_col_name(a, c), frame_col_name(b, c));
        assert_int_equal(frame_col_type(a, c), frame_col_type(b, c));
        if (frame_col_type(a, c) == AIWB_NUMERIC) {
            const double *x = frame_numeric(a, c), *y = frame_numeric(b, c);

            for (size_t r = 0; r < frame_rows(a); r++)
                if (bits(x[r]) != bits(y[r]) && !(isnan(x[r]) && isnan(y[r])))
                    fail_msg("column %zu row %zu: %.17g and %.17g", c, r, x[r], y[r]);
        } else {
            const int32_t *x = frame_codes(a, c), *y = frame_codes(b, c);

            assert_int_equal(frame_nlevels(a, c), frame_nlevels(b, c));
            for (size_t l = 0; l < frame_nlevels(a, c); l++)
                assert_string_equal(frame_level(a, c, (int32_t)l), frame_level(b, c, (int32_t)l));
            assert_memory_equal(x, y, frame_rows(a) * sizeof(*x));
        }
    }
}

/*
 * A generated file of ROWS rows: an id, a number with 17 digits, a word (now
 * and then quoted, with a comma, a doubled quote or a newline inside when
 * QUOTED), a number with missing values, a column that turns categorical at
 * its last row when MIXED. Returns the text; *LEN its length.
 */
static char *
generate(size_t rows, int quoted, int mixed, size_t *len)
{
    static const char *words[] = {"alpha", "beta", "gamma", "delta", "\xc3\xa9psilon"};
    size_t cap = rows * 96 + 128, n = 0;
    char *t = xmalloc(cap);
    uint64_t s = 42;

    /* a quote in the header only: the body is still cut at any newline */
    n += (size_t)snprintf(t + n, cap - n, "id,\"x\",word,y,z\r\n");
    for (size_t i = 0; i < rows; i++) {
        double x = (uniform(&s) - 0.5) * pow(10, (double)(next_random(&s) % 40) - 20);
        uint64_t k = next_random(&s);
        const char *w = words[k % 5];

        n += (size_t)snprintf(t + n, cap - n, "%zu,%.17g,", i, x);
        if (quoted && k % 11 == 0)
            n += (size_t)snprintf(t + n, cap - n, "\"%s, \"\"q\"\"\n%zu\",", w, k % 3);
        else
            n += (size_t)snprintf(t + n, cap - n, "%s,", w);
        if (k % 13 == 0)
            n += (size_t)snprintf(t + n, cap - n, "%s,", k % 2 ? "NA" : "");
        else
            n += (size_t)snprintf(t + n, cap - n, "%.6g,", x * 3);
        n += (size_t)snprintf(t + n, cap - n, "%s\r\n", mixed && i + 1 == rows ? "oops" : "1.25");
    }
    *len = n;
    return t;
}

/* Any number of threads reads a file the same, quoted or not. */
static void
test_threads_agree(void **state)
{
    static const char *one[] = {"threads=1", NULL}, *two[] = {"threads=2", NULL},
                      *three[] = {"threads=3", NULL}, *many[] = {"threads=64", NULL};
    const char *const *variants[] = {two, three, many, NULL};

    (void)state;
    for (int quoted = 0; quoted <= 1; quoted++) {
        for (int mixed = 0; mixed <= 1; mixed++) {
            size_t len;
            char *text = generate(60000, quoted, mixed, &len);
            char *path = put("gen.csv", text, len);
            struct aiwb_frame *ref = read_ok(path, one), *f;
            const double *id = frame_numeric(ref, col(ref, "id", AIWB_NUMERIC));

            assert_int_equal(frame_rows(ref), 60000);
            for (size_t r = 0; r < 60000; r++)
                assert_true(id[r] == (double)r);
            col(ref, "word", AIWB_CATEGORICAL);
            assert_int_equal(frame_nlevels(ref, 2), quoted ? 20 : 5);
            col(ref, "y", AIWB_NUMERIC);
            col(ref, "z", mixed ? AIWB_CATEGORICAL : AIWB_NUMERIC);
            for (size_t v = 0; variants[v] != NULL; v++) {
                f = read_ok(path, variants[v]);
                assert_same_frame(ref, f);
                frame_free(f);
            }
            /* without the option: over 1 MiB, so as many threads as cores */
            f = read_ok(path, NULL);
            assert_same_frame(ref, f);
            frame_free(f);
            frame_free(ref);
            unlink(path); /* big: not worth keeping */
            free(path);
            free(text);
        }
    }
}

/*
 * TEXT (*LEN bytes, as made by generate) with data row ROW replaced by the
 * BLEN bytes of BAD. Sets *LINE to the line the row starts on; returns the
 * new text (the caller frees it) and its length in *LEN.
 */
static char *
splice_row(const char *text, size_t *len, size_t row, const char *bad, size_t blen, size_t *line)
{
    size_t at = 0, end;
    int inq = 0;
    char *out;

    /* skip the header and ROW records; a newline inside quotes ends none */
    *line = 1;
    for (size_t r = 0; r <= row && at < *len; at++) {
        inq ^= text[at] == '"';
        if (text[at] == '\n') {
            ++*line;
            r += !inq;
        }
    }
    for (end = at; end < *len && (inq || text[end] != '\n'); end++)
        inq ^= text[end] == '"';
    assert_true(end < *len);
    end++;
    out = xmalloc(*len - (end - at) + blen);
    memcpy(out, text, at);
    memcpy(out + at, bad, blen);
    memcpy(out + at + blen, text + end, *len - end);
    *len = *len - (end - at) + blen;
    return out;
}

/* Read TEXT with 1, 2 and 4 threads: each must fail with "'PATH'" WANT. */
static void
expect_error_threads(const char *text, size_t len, const char *want)
{
    static const char *one[] = {"threads=1", NULL}, *two[] = {"threads=2", NULL},
                      *four[] = {"threads=4", NULL};
    char *path = put("gen-bad.csv", text, len);

    expect_error_at(path, one, want);
    expect_error_at(path, two, want);
    expect_error_at(path, four, want);
    unlink(path);
    free(path);
}

/*
 * An error in a later chunk gives the message a sequential read gives, and
 * of two errors the first in the file wins, whichever thread finds it.
 */
static void
test_threads_errors(void **state)
{
#define CASE(bad, want)                                                                            \
    {                                                                                              \
        bad, sizeof(bad) - 1, want                                                                 \
    }
    static const struct {
        const char *bad;
        size_t len;
        const char *want;
    } cases[] = {
        CASE("1,2\n", " line %zu: 2 fields, expected 5 as in the header"),
        CASE("1,2,\"x\"y,4,5\n", " line %zu column 8: text after a closing quote"),
        CASE("1,2,\xff,4,5\n", " line %zu column 5: invalid UTF-8"),
        CASE("1,2,a\"b,4,5\n", " line %zu column 6: quote inside an unquoted field"),
        CASE("1,2,a\0b,4,5\n", " line %zu column 6: NUL byte"),
        /* the last: only said when the file is otherwise well formed, as
         * whether the column stays numeric is known only at the end */
        CASE("1,1e999,a,4,5\n", " line %zu column 3: number '1e999' is out of range"),
    };
#undef CASE
    const size_t ncases = sizeof(cases) / sizeof(cases[0]);
    static const char other[] = "1,2,3\n"; /* a record too short */

    (void)state;
    for (size_t i = 0; i < ncases; i++) {
        for (int quoted = 0; quoted <= 1; quoted++) {
            size_t len, n1, n2, line, line2;
            char *text = generate(60000, quoted, 0, &len), *one, *two, *three, *want;

            /* rows are replaced from the last up: a lone quote changes the
             * way splice_row sees the rest of the file */
            n1 = len;
            one = splice_row(text, &n1, 50000, cases[i].bad, cases[i].len, &line);
            want = xasprintf(cases[i].want, line);
            /* alone, far into the file */
            expect_error_threads(one, n1, want);
            /* before another error, in another chunk */
            n2 = len;
            three = splice_row(text, &n2, 55000, other, sizeof(other) - 1, &line2);
            two = splice_row(three, &n2, 50000, cases[i].bad, cases[i].len, &line);
            if (i + 1 == ncases) {
                free(want);
                want = xasprintf(" line %zu: 3 fields, expected 5 as in the header", line2);
            }
            expect_error_threads(two, n2, want);
            free(want);
            free(three);
            /* after another error, in another chunk */
            three = splice_row(one, &n1, 5000, other, sizeof(other) - 1, &line2);
            want = xasprintf(" line %zu: 3 fields, expected 5 as in the header", line2);
            expect_error_threads(three, n1, want);
            free(want);
            free(three);
            free(two);
            free(one);
            free(text);
        }
    }
}

/* A quote left open near the end runs to the end of the file. */
static void
test_threads_unterminated(void **state)
{
    for (int quoted = 0; quoted <= 1; quoted++) {
        size_t len, line;
        char *text = generate(60000, quoted, 0, &len);
        char *bad = splice_row(text, &len, 59999, "1,2,\"open,4,5\n", 14, &line);
        char *want = xasprintf(
            " line %zu column 14: unterminated quoted field (opened at line %zu)", line, line);

        (void)state;
        expect_error_threads(bad, len, want);
        free(want);
        free(bad);
        free(text);
    }
}

static double
random_finite(uint64_t *s)
{
    for (;;) {
        uint64_t u = next_random(s);
        double d;

        memcpy(&d, &u, sizeof(d));
        if (isfinite(d))
            return d;
    }
}

/* A random value in one of the sweep's eight spellings. */
static void
sweep_value(char *buf, size_t size, int kind, uint64_t *s)
{
    double d, mag = pow(10, uniform(s) * 50 - 25) * (uniform(s) < 0.5 ? -1 : 1);
    size_t n = 0;

    switch (kind) {
    case 0:
        snprintf(buf, size, "%.17g", random_finite(s));
        break;
    case 1:
        snprintf(buf, size, "%.6g", (uniform(s) - 0.5) * 2e6);
        break;
    case 2:
        snprintf(buf, size, "%g", mag);
        break;
    case 3:
        do
            d = random_finite(s);
        while (fabs(d) > 1e308);
        snprintf(buf, size, "%.3e", d);
        break;
    case 4:
        snprintf(buf, size, "%lld", (long long)next_random(s) >> (next_random(s) % 64));
        break;
    case 5: /* 16 to 45 significant digits, anywhere in range */
        if (next_random(s) % 2)
            buf[n++] = '-';
        buf[n++] = (char)('1' + next_random(s) % 9);
        buf[n++] = '.';
        for (int k = 15 + (int)(next_random(s) % 30); k > 0; k--)
            buf[n++] = (char)('0' + next_random(s) % 10);
        snprintf(buf + n, size - n, "e%d", (int)(next_random(s) % 653) - 345);
        break;
    case 6:
        snprintf(buf, size, "%.15g", mag);
        break;
    default:
        snprintf(buf, size, "%.16g", mag);
        break;
    }
}

/* Spellings where rounding is hard or the fast path ends. */
static const char *const sweep_edges[] = {
    "4.9406564584124654e-324",
    "4.9e-324",
    "2.4703282292062327e-324",
    "2.4703282292062328e-324",
    "2.2250738585072011e-308",
    "2.2250738585072014e-308",
    "2.225073858507201e-308",
    "1e308",
    "1.7976931348623157e308",
    "1.7976931348623158e308",
    "1e-320",
    "-0.0",
    "0",
    "-0",
    "0.0e0",
    "9007199254740993",
    "9007199254740992",
    "9007199254740991",
    "18014398509481985",
    "1e23",
    "8.98846567431158e307",
    "1.00000000000000011102230246251565404236316680908203125",
    "1.00000000000000011102230246251565404236316680908203124",
    "1.00000000000000011102230246251565404236316680908203126",
    "123456789012345678901234567890",
    "0.1",
    "0.3",
    "3.0000000000000004",
    "1e22",
    "1e-22",
    "123456789012345e22",
    "123456789012345e-22",
    "1e37",
    "999999999999999e23",
    "9999999999999999e22",
    "4503599627370496.5",
    "4503599627370497.5",
    "7.2057594037927933e16",
    "0.000000000000000000000000000000001",
    "1e-7",
    "5e-324",
    "1e-400",
    ".5e1",
    "5.e-1",
    "+1.5",
    "00000000000000000000001.5",
    "1.50000000000000000000000000000000000",
    "0.0000001e7",
    "100000000000000000000000",
    "1000000000000000000000.0",
    "2e-323",
    "-1.5E+10",
};

/* Every number reads back bit-identical to strtod in the C locale. */
static void
test_strtod_sweep(void **state)
{
    enum { ROWS = 50000, COLS = 8 };
    const size_t nedge = sizeof(sweep_edges) / sizeof(sweep_edges[0]);
    size_t nrows = ROWS + nedge + 1, cap = nrows * COLS * 64 + 1024, len = 0;
    char *text = xmalloc(cap), *path, *longest = xmalloc(1024);
    double *want = xmalloc(nrows * COLS * sizeof(*want));
    static const char *one[] = {"threads=1", NULL};
    uint64_t s = 20240601;
    struct aiwb_frame *f;

    (void)state;
    /* 800 digits: past any fixed buffer */
    memcpy(longest, "0.", 2);
    for (int k = 0; k < 800; k++)
        longest[2 + k] = (char)('0' + (k * 7 + 3) % 10);
    strcpy(longest + 802, "e-5");
    for (int c = 0; c < COLS; c++)
        len += (size_t)snprintf(text + len, cap - len, "%sc%d", c ? "," : "", c);
    text[len++] = '\n';
    for (size_t r = 0; r < nrows; r++) {
        for (int c = 0; c < COLS; c++) {
            char buf[128];
            const char *v = buf;

            if (r < ROWS)
                sweep_value(buf, sizeof(buf), c, &s);
            else if (r < ROWS + nedge)
                v = sweep_edges[r - ROWS];
            else
                v = longest;
            want[r * COLS + (size_t)c] = strtod(v, NULL);
            len += (size_t)snprintf(text + len, cap - len, "%s%s", c ? "," : "", v);
        }
        text[len++] = '\n';
    }
    path = put("sweep.csv", text, len);
    for (int pass = 0; pass < 2; pass++) {
        f = read_ok(path, pass ? one : NULL);
        assert_int_equal(frame_rows(f), nrows);
        for (int c = 0; c < COLS; c++) {
            const double *v = frame_numeric(f, (size_t)c);

            assert_non_null(v);
            for (size_t r = 0; r < nrows; r++)
                if (bits(v[r]) != bits(want[r * COLS + (size_t)c]))
                    fail_msg("row %zu column %d: read %a, strtod says %a", r, c, v[r],
                             want[r * COLS + (size_t)c]);
        }
        frame_free(f);
    }
    unlink(path);
    free(path);
    free(text);
    free(want);
    free(longest);
}

/*
 * Set LC_NUMERIC to a locale whose decimal point is a comma: an installed
 * one, or else one built with localedef into the scratch folder (as
 * test-numfmt does). Returns 0, or -1 if there is none to be had.
 */
static int
set_comma_locale(void)
{
    static const char *const installed[] = {"de_DE.UTF-8", "de_DE.utf8", "fr_FR.UTF-8",
                                            "fr_FR.utf8",  "de_DE",      "fr_FR"};
    static const char source[] = "LC_NUMERIC\ndecimal_point \"<U002C>\"\n"
                                 "thousands_sep \"<U002E>\"\ngrouping 3;3\nEND LC_NUMERIC\n";
    const char *got = NULL;

    for (size_t i = 0; i < sizeof(installed) / sizeof(installed[0]) && got == NULL; i++)
        got = setlocale(LC_NUMERIC, installed[i]);
    if (got == NULL) {
        char *src = put("comma.src", source, strlen(source));
        char *cmd = xasprintf("localedef -c -i '%s' -f ANSI_X3.4-1968 '%s/comma' >/dev/null 2>&1",
                              src, tmp);

        if (system(cmd) != -1) {
            setenv("LOCPATH", tmp, 1);
            got = setlocale(LC_NUMERIC, "comma");
        }
        free(cmd);
        free(src);
    }
    return got != NULL && strtod("1.5", NULL) != 1.5 ? 0 : -1;
}

/* Numbers do not depend on the user's LC_NUMERIC. */
static void
test_locale(void **state)
{
    struct aiwb_frame *f;
    const double *v;
    int set = set_comma_locale();

    (void)state;
    if (set != 0) {
        setlocale(LC_NUMERIC, "C");
        /* cmocka's skip() reads as a failure to automake's TAP driver */
        fprintf(stderr, "# no locale with a decimal comma: not checked\n");
        return;
    }
    f = load("locale.csv", "a\n1.5\n2.25e300\n0.12345678901234567890123\n", NULL);
    setlocale(LC_NUMERIC, "C");
    unsetenv("LOCPATH");
    v = frame_numeric(f, col(f, "a", AIWB_NUMERIC));
    assert_true(v[0] == 1.5);
    assert_true(v[1] == 2.25e300);
    assert_true(v[2] == 0.12345678901234567890123);
    frame_free(f);
}

/* The fixtures under tests/data/csv (see the README there). */
static void
test_fixtures(void **state)
{
    char *path = tu_srcpath("tests/data/csv/rfc4180.csv");
    struct aiwb_frame *f = read_ok(path, NULL);

    (void)state;
    expect_column(f, "id", AIWB_NUMERIC, "1|2|3|4|5");
    expect_column(f, "name", AIWB_CATEGORICAL, "Smith, John|Jane|NA|\xc3\x89mile|Zo\xc3\xab");
    expect_column(f, "note", AIWB_CATEGORICAL, "said \"hello\"|two\r\nlines|plain|a,b,c|x");
    expect_column(f, "score", AIWB_NUMERIC, "3.5|NA|-1000|NA|42");
    frame_free(f);
    free(path);

    path = tu_srcpath("tests/data/csv/people.tsv");
    f = read_ok(path, NULL);
    expect_column(f, "age", AIWB_NUMERIC, "34|NA|51|28");
    expect_column(f, "height", AIWB_NUMERIC, "1.62|1.8|NA|1.75");
    expect_column(f, "city", AIWB_CATEGORICAL, "Oslo|Bergen|Oslo|NA");
    frame_free(f);
    free(path);

    path = tu_srcpath("tests/data/csv/people.tsv.gz");
    f = read_ok(path, NULL);
    expect_column(f, "city", AIWB_CATEGORICAL, "Oslo|Bergen|Oslo|NA");
    frame_free(f);
    free(path);
    path = tu_srcpath("tests/data/csv/bad-truncated.csv.gz");
    expect_error_at(path, NULL,
                    ": truncated gzip data (the file ends inside the compressed stream)");
    free(path);

    path = tu_srcpath("tests/data/csv/bad-unterminated.csv");
    expect_error_at(path, NULL, " line 7 column 12: unterminated quoted field (opened at line 5)");
    free(path);
    path = tu_srcpath("tests/data/csv/bad-ragged.csv");
    expect_error_at(path, NULL, " line 4: 3 fields, expected 4 as in the header");
    free(path);
}

/*
 * The bundled datasets read as R's read.csv reads them. The numbers come
 * from R 4.2: for (f in c("iris.csv", "airquality.csv", "diabetes.csv")) {
 * d <- read.csv(f); print(dim(d)); print(sapply(d, function(x)
 * if (is.numeric(x)) sum(x, na.rm = TRUE) else nlevels(factor(x))));
 * print(colSums(is.na(d))) }
 */
static void
test_datasets(void **state)
{
    static const struct {
        const char *file;
        size_t rows, cols;
        const char *column;
        double sum;
        size_t missing;
    } cases[] = {
        {"datasets/iris.csv", 150, 5, "sepal_width", 458.60000000000002, 0},
        {"datasets/iris.csv", 150, 5, "petal_length", 563.70000000000005, 0},
        {"datasets/airquality.csv", 153, 6, "Ozone", 4887, 37},
        {"datasets/airquality.csv", 153, 6, "Solar.R", 27146, 7},
        {"datasets/airquality.csv", 153, 6, "Wind", 1523.5, 0},
        {"datasets/diabetes.csv", 442, 11, "bp", 41833.980000000003, 0},
        {"datasets/diabetes.csv", 442, 11, "s5", 2051.5036, 0},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *path = tu_srcpath(cases[i].file);
        struct aiwb_frame *f = read_ok(path, NULL);
        size_t c = col(f, cases[i].column, AIWB_NUMERIC);
        const double *x = frame_numeric(f, c);
        double sum = 0;

        assert_int_equal(frame_rows(f), cases[i].rows);
        assert_int_equal(frame_cols(f), cases[i].cols);
        for (size_t r = 0; r < cases[i].rows; r++)
            sum += isnan(x[r]) ? 0 : x[r];
        tu_assert_rel(sum, cases[i].sum, 1e-12);
        assert_int_equal(frame_count_missing(f, c), cases[i].missing);
        if (strcmp(cases[i].file, "datasets/iris.csv") == 0) {
            c = col(f, "species", AIWB_CATEGORICAL);
            assert_int_equal(frame_nlevels(f, c), 3);
            assert_string_equal(frame_level(f, c, 0), "setosa");
        }
        frame_free(f);
        free(path);
    }
}

/* Thousands of columns: names, and a duplicate far apart. */
static void
test_wide(void **state)
{
    enum { COLS = 3000 };
    size_t cap = COLS * 16 * 3, len = 0;
    char *text = xmalloc(cap), *path;
    struct aiwb_frame *f;

    (void)state;
    for (int r = 0; r < 3; r++) {
        for (int c = 0; c < COLS; c++)
            len += (size_t)(r == 0 ? snprintf(text + len, cap - len, "%sc%d", c ? "," : "", c)
                                   : snprintf(text + len, cap - len, "%s%d", c ? "," : "", r * c));
        text[len++] = '\n';
    }
    path = put("wide.csv", text, len);
    f = read_ok(path, NULL);
    assert_int_equal(frame_cols(f), COLS);
    assert_true(frame_numeric(f, col(f, "c2999", AIWB_NUMERIC))[1] == 2 * 2999);
    frame_free(f);
    free(path);
    memcpy(strstr(text, ",c1999,") + 1, "c1000", 5); /* column 2000 named like 1001 */
    path = put("wide-dup.csv", text, len);
    expect_error_at(path, NULL, " line 1: duplicate column name 'c1000' (columns 1001 and 2000)");
    free(path);
    free(text);
}

/* ------------------------------------------------------------------------- */
/* gzip, columns=, limit=, big fields */

/* TEXT (LEN bytes) as one gzip member, as `gzip -c` makes it; *OUTLEN its size. */
static char *
gzip_bytes(const char *text, size_t len, size_t *outlen)
{
    z_stream z = {0};
    size_t cap = deflateBound(&z, (uLong)len) + 64;
    char *out;

    assert_int_equal(deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
    cap = deflateBound(&z, (uLong)len) + 64;
    out = xmalloc(cap);
    z.next_in = (unsigned char *)text;
    z.avail_in = (uInt)len;
    z.next_out = (unsigned char *)out;
    z.avail_out = (uInt)cap;
    assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
    *outlen = z.total_out;
    deflateEnd(&z);
    return out;
}

/* Write TEXT gzipped to NAME; returns the path. */
static char *
put_gz(const char *name, const char *text, size_t len)
{
    size_t n;
    char *gz = gzip_bytes(text, len, &n), *path = put(name, gz, n);

    free(gz);
    return path;
}

/* A gzip file reads as the same file uncompressed, whatever its name. */
static void
test_gzip(void **state)
{
    static const char *one[] = {"threads=1", NULL};
    size_t len, n1, n2;
    char *text = generate(60000, 1, 1, &len), *plain = put("g.csv", text, len);
    char *gz = put_gz("g.csv.gz", text, len), *path, *both, *g1, *g2;
    struct aiwb_frame *ref = read_ok(plain, one), *f;

    (void)state;
    f = read_ok(gz, NULL);
    assert_same_frame(ref, f);
    frame_free(f);
    /* known by its magic bytes, not its name */
    rename(gz, plain);
    f = read_ok(plain, NULL);
    assert_same_frame(ref, f);
    frame_free(f);
    unlink(plain);
    frame_free(ref);
    free(gz);
    free(plain);
    free(text);

    /* a .tsv.gz is tab-separated */
    path = put_gz("t.tsv.gz", "a\tb,c\n1\t2,3\n", 12);
    f = read_ok(path, NULL);
    expect_column(f, "b,c", AIWB_CATEGORICAL, "2,3");
    frame_free(f);
    free(path);

    /* members appended one after the other (gzip -c a >x; gzip -c b >>x) */
    g1 = gzip_bytes("a,b\n1,x\n", 8, &n1);
    g2 = gzip_bytes("2,y\n3,z\n", 8, &n2);
    both = xmalloc(n1 + n2);
    memcpy(both, g1, n1);
    memcpy(both + n1, g2, n2);
    path = put("members.csv.gz", both, n1 + n2);
    f = read_ok(path, NULL);
    expect_column(f, "a", AIWB_NUMERIC, "1|2|3");
    expect_column(f, "b", AIWB_CATEGORICAL, "x|y|z");
    frame_free(f);
    free(path);

    /* bytes after the last member are ignored, with a warning */
    memcpy(both + n1, "junk", 4);
    path = put("trailing.csv.gz", both, n1 + 4);
    clear_log();
    f = read_ok(path, NULL);
    expect_column(f, "b", AIWB_CATEGORICAL, "x");
    {
        char *want = xasprintf("'%s': ignored 4 bytes after the gzip data\n", path);

        assert_string_equal(logged, want);
        free(want);
    }
    frame_free(f);
    free(path);
    free(both);
    free(g1);
    free(g2);

    /* errors name the .gz file and the place in the text inside */
    path = put_gz("ragged.csv.gz", "a,b\n1,2\n3\n", 10);
    expect_error_at(path, NULL, " line 3: 1 field, expected 2 as in the header");
    free(path);
    path = put_gz("empty.csv.gz", "", 0);
    expect_error_at(path, NULL, " is empty");
    free(path);
    path = put_gz("bom.csv.gz", "\xEF\xBB\xBFid\n7\n", 8);
    f = read_ok(path, NULL);
    expect_column(f, "id", AIWB_NUMERIC, "7");
    frame_free(f);
    free(path);
}

/* Thread: write gzip data (ARG: a struct fifo_job) into a FIFO. */
struct fifo_job {
    const char *path;
    const char *bytes;
    size_t len;
    intptr_t ok;
};

static void *
write_fifo_bytes(void *arg)
{
    struct fifo_job *job = arg;
    int fd = open(job->path, O_WRONLY);
    size_t done = 0;

    while (fd >= 0 && done < job->len) {
        ssize_t n = write(fd, job->bytes + done, job->len - done);

        if (n <= 0)
            break;
        done += (size_t)n;
    }
    job->ok = done == job->len;
    if (fd >= 0)
        close(fd);
    return NULL;
}

/* gzip data through a pipe, and limit= on a pipe that stops reading early. */
static void
test_gzip_pipe(void **state)
{
    static const char *limit[] = {"limit=3", NULL};
    size_t len, n;
    char *text = generate(20000, 1, 0, &len), *gz = gzip_bytes(text, len, &n);
    char *path = xasprintf("%s/gz-pipe.csv", tmp);
    struct fifo_job job = {path, gz, n, 0};
    struct aiwb_frame *f;
    pthread_t writer;

    (void)state;
    assert_int_equal(mkfifo(path, 0600), 0);
    assert_int_equal(pthread_create(&writer, NULL, write_fifo_bytes, &job), 0);
    f = read_ok(path, NULL);
    assert_int_equal(pthread_join(writer, NULL), 0);
    assert_true(job.ok);
    assert_int_equal(frame_rows(f), 20000);
    frame_free(f);

    /* plain text, limit=3: the reader stops, the writer meets a closed pipe */
    job.bytes = text;
    job.len = len;
    assert_int_equal(pthread_create(&writer, NULL, write_fifo_bytes, &job), 0);
    f = read_ok(path, limit);
    assert_int_equal(pthread_join(writer, NULL), 0);
    assert_false(job.ok);
    expect_column(f, "id", AIWB_NUMERIC, "0|1|2");
    frame_free(f);
    free(path);
    free(gz);
    free(text);
}

/* Expect reading PATH to fail with a message that starts "'PATH'" WANT. */
static void
expect_error_prefix(const char *path, const char *const *opts, const char *want)
{
    char *cause = NULL, *full = xasprintf("'%s'%s", path, want);
    struct aiwb_frame *f = tu_read(path, opts, &cause);

    assert_null(f);
    assert_non_null(cause);
    if (strncmp(cause, full, strlen(full)) != 0)
        fail_msg("got \"%s\", want it to start \"%s\"", cause, full);
    free(cause);
    free(full);
}

/* Truncated and corrupt gzip files: the message says which, and zlib's why. */
static void
test_gzip_errors(void **state)
{
    static const char trunc[] =
        ": truncated gzip data (the file ends inside the compressed stream)";
    static const char *limit[] = {"limit=5", NULL};
    size_t len, n;
    char *text = generate(2000, 0, 0, &len), *gz = gzip_bytes(text, len, &n), *path, *bad;

    (void)state;
    /* cut anywhere: in the header, the data, the trailer */
    const size_t keep[] = {2, 5, 11, 200, n / 2, n - 8, n - 4, n - 1};

    for (size_t i = 0; i < sizeof(keep) / sizeof(keep[0]); i++) {
        path = put("trunc.csv.gz", gz, keep[i]);
        expect_error_at(path, NULL, trunc);
        free(path);
    }
    /* truncated far after the rows wanted: limit= never gets there */
    path = put("trunc-limit.csv.gz", gz, n - 8);
    {
        struct aiwb_frame *f = read_ok(path, limit);

        assert_int_equal(frame_rows(f), 5);
        frame_free(f);
    }
    free(path);

    bad = xmalloc(n);
    /* a wrong CRC-32 in the trailer */
    memcpy(bad, gz, n);
    bad[n - 8] ^= 0x55;
    path = put("crc.csv.gz", bad, n);
    expect_error_at(path, NULL, ": corrupt gzip data (zlib: incorrect data check)");
    free(path);
    /* a wrong length in the trailer */
    memcpy(bad, gz, n);
    bad[n - 4] ^= 0x01;
    path = put("length.csv.gz", bad, n);
    expect_error_at(path, NULL, ": corrupt gzip data (zlib: incorrect length check)");
    free(path);
    /* an unknown compression method in the header */
    memcpy(bad, gz, n);
    bad[2] = 7;
    path = put("method.csv.gz", bad, n);
    expect_error_at(path, NULL, ": corrupt gzip data (zlib: unknown compression method)");
    free(path);
    /* garbage in the compressed blocks */
    memcpy(bad, gz, n);
    memset(bad + 10, 0xff, 64);
    path = put("blocks.csv.gz", bad, n);
    expect_error_prefix(path, NULL, ": corrupt gzip data (zlib: invalid");
    free(path);
    free(bad);
    free(gz);
    free(text);
}

/* columns= forces a column's type. */
static void
test_columns(void **state)
{
    static const char *zip[] = {"columns=zip:categorical, n : num", NULL};
    static const char *cat[] = {"columns=id:cat", NULL};
    static const char *colon[] = {"columns=a:b:numeric", NULL};
    static const char *nohead[] = {"header=false", "columns=V2:categorical", NULL};
    const char *text = "id,zip,n\n1,01234,7\n2,\"02345\",NA\n3,99,\n4,NA,8.50\n";
    struct aiwb_frame *f;

    (void)state;
    /* zip codes keep their zeros; missing values are still missing */
    clear_log();
    f = load("zip.csv", text, zip);
    expect_column(f, "id", AIWB_NUMERIC, "1|2|3|4");
    expect_column(f, "zip", AIWB_CATEGORICAL, "01234|02345|99|NA");
    expect_column(f, "n", AIWB_NUMERIC, "7|NA|NA|8.5");
    frame_free(f);
    /* numbers kept as their text, each spelling a level */
    f = load("cat.csv", "id\n1\n1.0\n1\n", cat);
    expect_column(f, "id", AIWB_CATEGORICAL, "1|1.0|1");
    assert_int_equal(frame_nlevels(f, 0), 2);
    frame_free(f);
    /* a column forced categorical is no mixed column: no warning */
    f = load("forced-mixed.csv", "id\n1\n2\n3\nx\n", cat);
    assert_string_equal(logged, "");
    frame_free(f);
    /* a name with a colon: the last one ends it */
    f = load("colon.csv", "a:b,c\n1,x\n", colon);
    expect_column(f, "a:b", AIWB_NUMERIC, "1");
    frame_free(f);
    f = load("nohead-cols.csv", "1,2\n3,4\n", nohead);
    expect_column(f, "V1", AIWB_NUMERIC, "1|3");
    expect_column(f, "V2", AIWB_CATEGORICAL, "2|4");
    frame_free(f);
}

/* The errors of columns=: the option itself, names, values. */
static void
test_columns_errors(void **state)
{
    static const struct {
        const char *opt, *want;
    } bad[] = {
        {"columns=age", "csv: columns wants NAME:TYPE,... with TYPE numeric or categorical, "
                        "not 'age'"},
        {"columns=age:int", "csv: columns wants NAME:TYPE,... with TYPE numeric or "
                            "categorical, not 'age:int'"},
        {"columns=:numeric", "csv: columns wants NAME:TYPE,... with TYPE numeric or "
                             "categorical, not ':numeric'"},
        {"columns=age:", "csv: columns wants NAME:TYPE,... with TYPE numeric or categorical, "
                         "not 'age:'"},
        {"columns=a:numeric,,b:numeric", "csv: columns wants NAME:TYPE,... with TYPE numeric "
                                         "or categorical, not ''"},
        {"columns=a:numeric,a:categorical", "csv: columns names 'a' twice"},
    };
    char *path = put("cols.csv", "id,age,name\n1,30,ann\n2,x,bob\n3,\" y \",cy\n", 41);
    char *wide, *want;
    size_t cap = 64 * 30, len = 0;

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        const char *opts[] = {bad[i].opt, NULL};
        char *cause = NULL;

        assert_null(tu_read(path, opts, &cause));
        assert_string_equal(cause, bad[i].want);
        free(cause);
    }
    {
        const char *opts[] = {"columns=agee:numeric", NULL};

        expect_error_at(path, opts,
                        " has no column 'agee' (named in columns=; its columns: id, age, name)");
    }
    {
        const char *opts[] = {"columns=age:numeric", NULL};

        expect_error_at(path, opts,
                        " line 3 column 3: 'x' is not a number (columns= makes column 'age' "
                        "numeric)");
    }
    {
        const char *opts[] = {"columns=name:numeric", NULL};

        expect_error_at(path, opts,
                        " line 2 column 6: 'ann' is not a number (columns= makes column 'name' "
                        "numeric)");
    }
    free(path);
    /* quoted, with spaces inside: the place of the value, trimmed */
    path = put("cols2.csv", "id,age\n1,30\n2,\" y \"\n", 20);
    {
        const char *opts[] = {"columns=age:numeric", NULL};

        expect_error_at(path, opts,
                        " line 3 column 5: 'y' is not a number (columns= makes column 'age' "
                        "numeric)");
    }
    free(path);

    /* a wide file lists its first columns only */
    wide = xmalloc(cap);
    for (int c = 0; c < 30; c++)
        len += (size_t)snprintf(wide + len, cap - len, "%sc%d", c ? "," : "", c);
    len += (size_t)snprintf(wide + len, cap - len, "\n");
    for (int c = 0; c < 30; c++)
        len += (size_t)snprintf(wide + len, cap - len, "%s%d", c ? "," : "", c);
    len += (size_t)snprintf(wide + len, cap - len, "\n");
    path = put("cols-wide.csv", wide, len);
    {
        const char *opts[] = {"columns=c30:numeric", NULL};

        want = xstrdup(" has no column 'c30' (named in columns=; its columns: c0");
        for (int c = 1; c < 20; c++) {
            char *w = xasprintf("%s, c%d", want, c);

            free(want);
            want = w;
        }
        {
            char *w = xasprintf("%s and 10 more)", want);

            free(want);
            want = w;
        }
        expect_error_at(path, opts, want);
        free(want);
    }
    free(path);
    free(wide);
}

/* columns= numeric in a big file: the first bad value wins, in any thread. */
static void
test_columns_threads(void **state)
{
    static const char *one[] = {"threads=1", "columns=z:numeric", NULL},
                      *four[] = {"threads=4", "columns=z:numeric", NULL};
    size_t len, n1, line1, line2;
    char *text = generate(60000, 1, 0, &len), *a, *b, *path, *want;

    (void)state;
    n1 = len;
    a = splice_row(text, &n1, 50000, "1,2,w,4,late\n", 13, &line2);
    b = splice_row(a, &n1, 20000, "1,2,w,4,early\n", 14, &line1);
    path = put("cols-big.csv", b, n1);
    want = xasprintf(
        " line %zu column 9: 'early' is not a number (columns= makes column 'z' numeric)", line1);
    expect_error_at(path, one, want);
    expect_error_at(path, four, want);
    unlink(path);
    free(want);
    free(path);
    free(a);
    free(b);
    free(text);
}

/* limit= reads the first N data rows, and nothing after them. */
static void
test_limit(void **state)
{
    static const char *two[] = {"limit=2", NULL}, *many[] = {"limit=1000", NULL};
    static const char *nohead[] = {"header=false", "limit=2", NULL};
    struct aiwb_frame *f;

    (void)state;
    f = load("limit.csv", "a,b\n1,x\n2,y\n3,z\n", two);
    expect_column(f, "a", AIWB_NUMERIC, "1|2");
    expect_column(f, "b", AIWB_CATEGORICAL, "x|y");
    assert_int_equal(frame_nlevels(f, 1), 2);
    frame_free(f);
    /* fewer rows than the limit: all of them */
    f = load("limit-few.csv", "a\n1\n2", many);
    expect_column(f, "a", AIWB_NUMERIC, "1|2");
    frame_free(f);
    f = load("limit-nohead.csv", "1\n2\n3\n", nohead);
    expect_column(f, "V1", AIWB_NUMERIC, "1|2");
    frame_free(f);
    /* blank lines do not count, a quoted line break is inside a row; CRLF,
     * a byte order mark */
    f = load("limit-quoted.csv",
             "\xEF\xBB\xBF\r\na,b\r\n\r\n1,\"x\r\n\"\"y\"\"\"\r\n\n2,\"\"\r\n3,z\r\n", two);
    expect_column(f, "a", AIWB_NUMERIC, "1|2");
    expect_column(f, "b", AIWB_CATEGORICAL, "x\r\n\"y\"|NA");
    frame_free(f);
    /* what comes after the rows is never read: no error from it, and a
     * column that turns to text only later stays numeric */
    f = load("limit-bad.csv", "a,b\n1,2\n3,4\n5,x\n\"open\n\xff", two);
    expect_column(f, "b", AIWB_NUMERIC, "2|4");
    frame_free(f);
    /* but an error before the limit is still one */
    {
        char *path = put("limit-err.csv", "a,b\n1,2\n3\n4,5\n", 14);

        expect_error_at(path, two, " line 3: 1 field, expected 2 as in the header");
        free(path);
    }
    /* limit=0 and negative limits are refused by the option's bounds */
    {
        static const char *zero[] = {"limit=0", NULL}, *neg[] = {"limit=-5", NULL};
        char *path = put("limit0.csv", "a\n1\n", 4), *cause = NULL;

        assert_null(tu_read(path, zero, &cause));
        assert_string_equal(cause, "csv: limit must be an integer >= 1, not '0'");
        free(cause);
        assert_null(tu_read(path, neg, &cause));
        assert_string_equal(cause, "csv: limit must be an integer >= 1, not '-5'");
        free(cause);
        free(path);
    }
}

/* limit= on a big file, by any number of threads, gzip or not: the first rows. */
static void
test_limit_big(void **state)
{
    static const char *one[] = {"threads=1", NULL};
    static const char *lim1[] = {"threads=1", "limit=45678", NULL},
                      *lim4[] = {"threads=4", "limit=45678", NULL};
    size_t len;
    char *text = generate(60000, 1, 1, &len), *plain = put("lim.csv", text, len);
    char *gz = put_gz("lim.csv.gz", text, len);
    struct aiwb_frame *ref = read_ok(plain, one), *f;

    (void)state;
    f = read_ok(plain, lim1);
    assert_int_equal(frame_rows(f), 45678);
    /* the mixed column's word is in the last row: numeric here */
    col(f, "z", AIWB_NUMERIC);
    col(ref, "z", AIWB_CATEGORICAL);
    frame_free(f);
    {
        const char *const *variants[] = {lim1, lim4};

        for (size_t v = 0; v < 2; v++) {
            struct aiwb_frame *g = read_ok(gz, variants[v]);

            f = read_ok(plain, variants[v]);
            assert_int_equal(frame_rows(f), 45678);
            assert_same_frame(f, g);
            /* the same cells as the whole file's first rows, z aside */
            for (size_t c = 0; c < 4; c++) {
                for (size_t r = 0; r < 45678; r += 7) {
                    char x[32], y[32];

                    assert_string_equal(frame_cell_text(f, c, r, x), frame_cell_text(ref, c, r, y));
                }
            }
            frame_free(g);
            frame_free(f);
        }
    }
    frame_free(ref);
    unlink(plain);
    unlink(gz);
    free(plain);
    free(gz);
    free(text);
}

/*
 * A 10 MB field loads: as a level (quoted, with delimiters and line breaks
 * inside, or plain), and as a number it is out of range, with the message
 * showing only its start.
 */
static void
test_big_field(void **state)
{
    enum { BIG = 10 << 20 };
    char *text = xmalloc(BIG + 64), *path, *want;
    struct aiwb_frame *f;
    size_t n = 0, c;

    (void)state;
    n += (size_t)sprintf(text, "id,text\n1,\"");
    for (size_t i = 0; i < BIG; i++)
        text[n + i] = i % 1000 == 999 ? '\n' : i % 100 == 99 ? ',' : (char)('a' + i % 26);
    n += BIG;
    n += (size_t)sprintf(text + n, "\"\n2,short\n");
    path = put("big-field.csv", text, n);
    f = read_ok(path, NULL);
    c = col(f, "text", AIWB_CATEGORICAL);
    assert_int_equal(frame_rows(f), 2);
    assert_int_equal(strlen(frame_level(f, c, frame_codes(f, c)[0])), BIG);
    assert_memory_equal(frame_level(f, c, frame_codes(f, c)[0]), text + 11, BIG);
    frame_free(f);
    unlink(path);
    free(path);

    /* unquoted */
    n = (size_t)sprintf(text, "id,text\n1,");
    memset(text + n, 'x', BIG);
    n += BIG;
    n += (size_t)sprintf(text + n, "\n2,y\n");
    path = put("big-plain.csv", text, n);
    f = read_ok(path, NULL);
    c = col(f, "text", AIWB_CATEGORICAL);
    assert_int_equal(strlen(frame_level(f, c, frame_codes(f, c)[0])), BIG);
    frame_free(f);
    unlink(path);
    free(path);

    /* ten million digits: too big for a double */
    n = (size_t)sprintf(text, "id,v\n1,2\n2,1");
    memset(text + n, '0', BIG);
    n += BIG;
    n += (size_t)sprintf(text + n, "\n");
    path = put("big-number.csv", text, n);
    want = xasprintf(" line 3 column 3: number '1%.39s...' is out of range", text + 13);
    expect_error_at(path, NULL, want);
    unlink(path);
    free(want);
    free(path);
    free(text);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_registered),
        cmocka_unit_test(test_open_next_close),
        cmocka_unit_test(test_basic),
        cmocka_unit_test(test_levels),
        cmocka_unit_test(test_quotes),
        cmocka_unit_test(test_line_ends),
        cmocka_unit_test(test_bom),
        cmocka_unit_test(test_no_header),
        cmocka_unit_test(test_delimiters),
        cmocka_unit_test(test_missing),
        cmocka_unit_test(test_inference),
        cmocka_unit_test(test_mixed_warning),
        cmocka_unit_test(test_empty_names),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_range_in_text),
        cmocka_unit_test(test_scheme_and_pipe),
        cmocka_unit_test(test_threads_agree),
        cmocka_unit_test(test_threads_errors),
        cmocka_unit_test(test_threads_unterminated),
        cmocka_unit_test(test_strtod_sweep),
        cmocka_unit_test(test_locale),
        cmocka_unit_test(test_fixtures),
        cmocka_unit_test(test_datasets),
        cmocka_unit_test(test_wide),
        cmocka_unit_test(test_gzip),
        cmocka_unit_test(test_gzip_pipe),
        cmocka_unit_test(test_gzip_errors),
        cmocka_unit_test(test_columns),
        cmocka_unit_test(test_columns_errors),
        cmocka_unit_test(test_columns_threads),
        cmocka_unit_test(test_limit),
        cmocka_unit_test(test_limit_big),
        cmocka_unit_test(test_big_field),
    };
    int rc;

    tmp = tu_tmpdir("csv");
    signal(SIGPIPE, SIG_IGN); /* limit= stops reading a pipe its writer still fills */
    tu_load_plugins();
    log_set_sink(capture, NULL, AIWB_LOG_WARN);
    rc = cmocka_run_group_tests(tests, NULL, NULL);
    registry_shutdown();
    free(tmp);
    return rc;
}
