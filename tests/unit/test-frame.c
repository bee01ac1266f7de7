/*
 * test-frame.c - the in-memory table: columns, interned levels, sharing and
 * copy-on-write, row selection, joining batches, sorted levels, cell text.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <config.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "core/codec.h"
#include "core/frame.h"
#include "core/frameio.h"
#include "testutil.h"

#define LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Intern the NUL-terminated S into column COL. */
static int32_t
intern(struct aiwb_frame *f, size_t col, const char *s)
{
    return frame_level_intern(f, col, s, strlen(s));
}

/*
 * A frame of N rows: "x" numeric (i + 0.5, NaN every 5th row) and "g"
 * categorical, cycling through LEVELS (missing every 7th row).
 */
static struct aiwb_frame *
sample(size_t n, const char *const *levels, size_t nlevels)
{
    struct aiwb_frame *f = frame_new(n);
    double *x = frame_add_numeric(f, "x");
    int32_t *g = frame_add_categorical(f, "g");

    assert_non_null(x);
    assert_non_null(g);
    for (size_t i = 0; i < n; i++) {
        x[i] = i % 5 == 4 ? NAN : (double)i + 0.5;
        g[i] = i % 7 == 6 ? AIWB_NA_CODE : intern(f, 1, levels[i % nlevels]);
    }
    return f;
}

/* The text of cell (ROW, COL) as a new string. */
static char *
cell(const struct aiwb_frame *f, size_t col, size_t row)
{
    char buf[32];

    return strdup(frame_cell_text(f, col, row, buf));
}

static void
assert_cell(const struct aiwb_frame *f, size_t col, size_t row, const char *want)
{
    char buf[32];

    assert_string_equal(frame_cell_text(f, col, row, buf), want);
}

static void
new_and_free(void **state)
{
    struct aiwb_frame *f = frame_new(5);

    (void)state;
    assert_int_equal(frame_rows(f), 5);
    assert_int_equal(frame_cols(f), 0);
    assert_int_equal(frame_find(f, "x"), -1);
    frame_free(f);
    frame_free(NULL);
    /* A frame without rows still takes columns. */
    f = frame_new(0);
    assert_non_null(frame_add_numeric(f, "x"));
    assert_non_null(frame_add_categorical(f, "g"));
    assert_int_equal(frame_cols(f), 2);
    assert_int_equal(frame_count_missing(f, 0), 0);
    frame_free(f);
}

static void
add_columns(void **state)
{
    struct aiwb_frame *f = frame_new(4);
    double *x;
    int32_t *g;

    (void)state;
    x = frame_add_numeric(f, "x");
    g = frame_add_categorical(f, "g");
    assert_non_null(x);
    assert_non_null(g);
    for (size_t i = 0; i < 4; i++) {
        assert_true(x[i] == 0.0);
        assert_int_equal(g[i], 0);
    }
    assert_int_equal(frame_cols(f), 2);
    assert_string_equal(frame_col_name(f, 0), "x");
    assert_string_equal(frame_col_name(f, 1), "g");
    assert_int_equal(frame_col_type(f, 0), AIWB_NUMERIC);
    assert_int_equal(frame_col_type(f, 1), AIWB_CATEGORICAL);
    assert_int_equal(frame_find(f, "x"), 0);
    assert_int_equal(frame_find(f, "g"), 1);
    assert_int_equal(frame_find(f, "G"), -1);
    assert_int_equal(frame_find(f, ""), -1);
    /* Duplicate names are refused, whatever the type, and change nothing. */
    assert_null(frame_add_numeric(f, "x"));
    assert_null(frame_add_numeric(f, "g"));
    assert_null(frame_add_categorical(f, "x"));
    assert_null(frame_add_categorical(f, "g"));
    assert_int_equal(frame_cols(f), 2);
    /* Each type's accessor answers NULL for the other type. */
    assert_ptr_equal(frame_numeric(f, 0), x);
    assert_null(frame_numeric(f, 1));
    assert_ptr_equal(frame_codes(f, 1), g);
    assert_null(frame_codes(f, 0));
    assert_null(frame_numeric_mut(f, 1));
    assert_null(frame_codes_mut(f, 0));
    /* Many columns: the column array grows and every name stays found. */
    for (int c = 0; c < 100; c++) {
        char name[16];

        snprintf(name, sizeof name, "c%d", c);
        if (c % 2)
            assert_non_null(frame_add_numeric(f, name));
        else
            assert_non_null(frame_add_categorical(f, name));
    }
    assert_int_equal(frame_cols(f), 102);
    assert_int_equal(frame_find(f, "c57"), 59);
    assert_string_equal(frame_col_name(f, 101), "c99");
    assert_int_equal(frame_col_type(f, 101), AIWB_NUMERIC);
    frame_free(f);
}

static void
intern_levels(void **state)
{
    struct aiwb_frame *f = frame_new(3);

    (void)state;
    frame_add_numeric(f, "x");
    frame_add_categorical(f, "g");
    assert_int_equal(frame_nlevels(f, 1), 0);
    /* Codes in order of first appearance; the same text, the same code. */
    assert_int_equal(intern(f, 1, "red"), 0);
    assert_int_equal(intern(f, 1, "green"), 1);
    assert_int_equal(intern(f, 1, "red"), 0);
    assert_int_equal(intern(f, 1, "Red"), 2);
    assert_int_equal(intern(f, 1, ""), 3);
    assert_int_equal(intern(f, 1, ""), 3);
    assert_int_equal(frame_nlevels(f, 1), 4);
    /* Only LEN bytes count: "greenish" cut to 5 is "green". */
    assert_int_equal(frame_level_intern(f, 1, "greenish", 5), 1);
    assert_int_equal(frame_level_intern(f, 1, "greenish", 4), 4);
    assert_string_equal(frame_level(f, 1, 4), "gree");
    assert_int_equal(frame_level_intern(f, 1, "redx", 3), 0);
    assert_int_equal(frame_nlevels(f, 1), 5);
    assert_string_equal(frame_level(f, 1, 0), "red");
    assert_string_equal(frame_level(f, 1, 3), "");
    assert_string_equal(frame_level(f, 1, AIWB_NA_CODE), "");
    assert_int_equal(frame_level_find(f, 1, "green"), 1);
    assert_int_equal(frame_level_find(f, 1, "gree"), 4);
    assert_int_equal(frame_level_find(f, 1, "blue"), -1);
    assert_int_equal(frame_level_find(f, 1, "re"), -1);
    /* Not a categorical column, or no column at all. */
    assert_int_equal(intern(f, 0, "red"), -1);
    assert_int_equal(intern(f, 7, "red"), -1);
    assert_int_equal(frame_level_find(f, 0, "red"), -1);
    assert_int_equal(frame_nlevels(f, 0), 0);
    frame_free(f);
}

/* 100,000 distinct levels: the hash index grows many times over and every
 * level keeps its code. */
static void
intern_many_levels(void **state)
{
    enum { N = 100000 };
    struct aiwb_frame *f = frame_new(N);
    int32_t *codes;
    char text[32];

    (void)state;
    frame_add_categorical(f, "id");
    for (int i = 0; i < N; i++) {
        snprintf(text, sizeof text, "level-%d", i);
        assert_int_equal(intern(f, 0, text), i);
    }
    assert_int_equal(frame_nlevels(f, 0), N);
    codes = frame_codes_mut(f, 0);
    for (int i = N - 1; i >= 0; i--) {
        snprintf(text, sizeof text, "level-%d", i);
        codes[N - 1 - i] = intern(f, 0, text);
        assert_int_equal(codes[N - 1 - i], i);
        assert_int_equal(frame_level_find(f, 0, text), i);
        assert_string_equal(frame_level(f, 0, i), text);
    }
    assert_int_equal(frame_nlevels(f, 0), N);
    assert_int_equal(frame_level_find(f, 0, "level-100000"), -1);
    assert_cell(f, 0, 0, "level-99999");
    assert_cell(f, 0, N - 1, "level-0");
    frame_free(f);
}

/* Levels that differ only in their last byte, or are prefixes of each
 * other, keep apart as the index grows. */
static void
intern_near_levels(void **state)
{
    struct aiwb_frame *f = frame_new(1);
    char text[300];

    (void)state;
    frame_add_categorical(f, "g");
    /* "", "a", "aa", ... */
    memset(text, 'a', sizeof text);
    for (int len = 0; len < 256; len++)
        assert_int_equal(frame_level_intern(f, 0, text, (size_t)len), len);
    /* 99 b's and one more byte, 1 to 255. */
    memset(text, 'b', sizeof text);
    for (int c = 1; c < 256; c++) {
        text[99] = (char)c;
        assert_int_equal(frame_level_intern(f, 0, text, 100), 255 + c);
    }
    memset(text, 'a', sizeof text);
    for (int len = 0; len < 256; len++)
        assert_int_equal(frame_level_intern(f, 0, text, (size_t)len), len);
    assert_int_equal(frame_nlevels(f, 0), 511);
    assert_int_equal(frame_level_find(f, 0, ""), 0);
    assert_int_equal(strlen(frame_level(f, 0, 255)), 255);
    frame_free(f);
}

/*
 * A level of LEN bytes that holds a NUL byte ("a\0b", as a UTF-16 file read
 * as bytes would give): it may be refused (-1), but if it is interned, no
 * two levels may end up with the same text, since codes are looked up,
 * sorted and joined by text.
 */
static void
levels_with_nul_bytes(void **state)
{
    struct aiwb_frame *f = frame_new(2);
    int32_t with_nul, plain;
    size_t n;

    (void)state;
    frame_add_categorical(f, "g");
    with_nul = frame_level_intern(f, 0, "a\0b", 3);
    if (with_nul < 0) {
        frame_free(f);
        return;
    }
    plain = frame_level_intern(f, 0, "a", 1);
    frame_codes_mut(f, 0)[0] = with_nul;
    frame_codes_mut(f, 0)[1] = plain;
    n = frame_nlevels(f, 0);
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++)
            if (strcmp(frame_level(f, 0, (int32_t)i), frame_level(f, 0, (int32_t)j)) == 0) {
                fprintf(stderr, "# levels %zu and %zu both read \"%s\" (interned as \"a\\0b\" "
                        "and \"a\")\n", i, j, frame_level(f, 0, (int32_t)i));
                frame_free(f);
                fail();
            }
    frame_sort_levels(f, 0);
    for (size_t r = 0; r < 2; r++)
        assert_in_range(frame_codes(f, 0)[r], 0, frame_nlevels(f, 0) - 1);
    frame_free(f);
}

static void
copy_col_shares_numeric(void **state)
{
    static const char *const lv[] = {"a", "b"};
    struct aiwb_frame *a = sample(10, lv, 2), *b = frame_new(10), *short_one = frame_new(9);
    double *w;

    (void)state;
    assert_int_equal(frame_copy_col(b, a, 0, "y"), AIWB_OK);
    assert_int_equal(frame_copy_col(b, a, 0, NULL), AIWB_OK);
    assert_string_equal(frame_col_name(b, 0), "y");
    assert_string_equal(frame_col_name(b, 1), "x");
    assert_int_equal(frame_col_type(b, 0), AIWB_NUMERIC);
    /* Shared, not copied. */
    assert_ptr_equal(frame_numeric(b, 0), frame_numeric(a, 0));
    /* A name clash, a row mismatch, no such column. */
    assert_int_equal(frame_copy_col(b, a, 0, "y"), AIWB_EINVAL);
    assert_int_equal(frame_copy_col(b, a, 1, "x"), AIWB_EINVAL);
    assert_int_equal(frame_copy_col(short_one, a, 0, NULL), AIWB_EINVAL);
    assert_int_equal(frame_copy_col(b, a, 2, "z"), AIWB_EINVAL);
    assert_int_equal(frame_cols(b), 2);
    assert_int_equal(frame_cols(short_one), 0);

    /* Writing through b leaves a (and b's other share of the data) alone. */
    w = frame_numeric_mut(b, 0);
    assert_ptr_not_equal(w, frame_numeric(a, 0));
    for (size_t i = 0; i < 10; i++)
        w[i] = -1;
    for (size_t i = 0; i < 10; i++) {
        assert_true(frame_numeric(b, 0)[i] == -1);
        if (i % 5 == 4) {
            assert_true(isnan(frame_numeric(a, 0)[i]));
            assert_true(isnan(frame_numeric(b, 1)[i]));
        } else {
            assert_true(frame_numeric(a, 0)[i] == (double)i + 0.5);
            assert_true(frame_numeric(b, 1)[i] == (double)i + 0.5);
        }
    }
    /* And writing through a leaves b's shared column alone. */
    w = frame_numeric_mut(a, 0);
    w[0] = 1000;
    assert_true(frame_numeric(b, 1)[0] == 0.5);
    /* Once nothing shares the data, writing needs no copy. */
    assert_ptr_equal(frame_numeric_mut(b, 0), frame_numeric_mut(b, 0));
    /* The column outlives the frame it came from. */
    frame_free(a);
    assert_true(frame_numeric(b, 1)[1] == 1.5);
    assert_cell(b, 1, 3, "3.5");
    frame_free(b);
    frame_free(short_one);
}

static void
copy_col_shares_codes(void **state)
{
    static const char *const lv[] = {"a", "b", "c"};
    struct aiwb_frame *a = sample(12, lv, 3), *b = frame_new(12);
    int32_t *w;

    (void)state;
    assert_int_equal(frame_copy_col(b, a, 1, NULL), AIWB_OK);
    assert_int_equal(frame_col_type(b, 0), AIWB_CATEGORICAL);
    assert_ptr_equal(frame_codes(b, 0), frame_codes(a, 1));
    assert_int_equal(frame_nlevels(b, 0), 3);
    w = frame_codes_mut(b, 0);
    assert_ptr_not_equal(w, frame_codes(a, 1));
    for (size_t i = 0; i < 12; i++)
        w[i] = 2;
    assert_cell(b, 0, 0, "c");
    assert_cell(a, 1, 0, "a");
    assert_cell(a, 1, 1, "b");
    assert_cell(a, 1, 6, "NA");
    /* The other way round. */
    w = frame_codes_mut(a, 1);
    w[2] = AIWB_NA_CODE;
    assert_cell(b, 0, 2, "c");
    assert_cell(a, 1, 2, "NA");
    frame_free(a);
    frame_free(b);
}

/* Adding a level to a shared column is a write: the other frame sees
 * neither the level nor any code change. */
static void
intern_copies_shared_levels(void **state)
{
    static const char *const lv[] = {"a", "b"};
    struct aiwb_frame *a = sample(6, lv, 2), *b = frame_clone(a), *t;
    size_t idx[] = {1, 0};

    (void)state;
    /* A known level keeps its code; a new one goes to this frame only. */
    assert_int_equal(intern(b, 1, "b"), 1);
    assert_int_equal(intern(b, 1, "c"), 2);
    assert_int_equal(frame_nlevels(b, 1), 3);
    assert_int_equal(frame_nlevels(a, 1), 2);
    assert_int_equal(frame_level_find(a, 1, "c"), -1);
    frame_codes_mut(b, 1)[0] = 2;
    assert_cell(b, 1, 0, "c");
    assert_cell(a, 1, 0, "a");

    /* frame_take copies codes but may share levels: still independent. */
    t = frame_take(a, idx, 2);
    assert_int_equal(intern(a, 1, "z"), 2);
    assert_int_equal(frame_nlevels(t, 1), 2);
    assert_int_equal(frame_level_find(t, 1, "z"), -1);
    assert_int_equal(intern(t, 1, "w"), 2);
    assert_int_equal(frame_level_find(a, 1, "w"), -1);
    assert_string_equal(frame_level(a, 1, 2), "z");
    assert_string_equal(frame_level(t, 1, 2), "w");
    assert_cell(t, 1, 0, "b");
    assert_cell(t, 1, 1, "a");

    /* Two columns of one frame sharing data. */
    assert_int_equal(frame_copy_col(a, a, 1, "g2"), AIWB_OK);
    assert_int_equal(intern(a, 2, "only-g2"), 3);
    assert_int_equal(frame_nlevels(a, 1), 3);
    assert_int_equal(frame_level_find(a, 1, "only-g2"), -1);
    frame_codes_mut(a, 2)[1] = 3;
    assert_cell(a, 2, 1, "only-g2");
    assert_cell(a, 1, 1, "b");
    frame_free(a);
    frame_free(b);
    frame_free(t);
}

static void
take_and_head(void **state)
{
    static const char *const lv[] = {"p", "q", "r"};
    struct aiwb_frame *f = sample(10, lv, 3), *t, *h;
    size_t idx[] = {8, 0, 4, 4, 6};
    char *want[5][2];

    (void)state;
    t = frame_take(f, idx, 5);
    assert_int_equal(frame_rows(t), 5);
    assert_int_equal(frame_cols(t), 2);
    assert_string_equal(frame_col_name(t, 1), "g");
    assert_int_equal(frame_col_type(t, 1), AIWB_CATEGORICAL);
    for (size_t i = 0; i < 5; i++)
        for (size_t c = 0; c < 2; c++) {
            want[i][c] = cell(f, c, idx[i]);
            assert_cell(t, c, i, want[i][c]);
        }
    assert_string_equal(want[0][0], "8.5");
    assert_string_equal(want[2][0], "NA");
    assert_string_equal(want[4][1], "NA");
    assert_int_equal(frame_count_missing(t, 0), 2);
    assert_int_equal(frame_count_missing(t, 1), 1);
    /* A taken frame is independent of its source. */
    frame_numeric_mut(t, 0)[0] = -7;
    frame_codes_mut(t, 1)[1] = 2;
    assert_cell(f, 0, 8, "8.5");
    assert_cell(f, 1, 0, "p");
    frame_numeric_mut(f, 0)[0] = 99;
    assert_cell(t, 0, 1, "0.5");
    for (size_t i = 0; i < 5; i++)
        for (size_t c = 0; c < 2; c++)
            free(want[i][c]);
    frame_free(t);

    /* No rows at all: the columns remain. */
    t = frame_take(f, NULL, 0);
    assert_int_equal(frame_rows(t), 0);
    assert_int_equal(frame_cols(t), 2);
    assert_int_equal(frame_nlevels(t, 1), 3);
    frame_free(t);

    h = frame_head(f, 3);
    assert_int_equal(frame_rows(h), 3);
    assert_cell(h, 0, 0, "99");
    assert_cell(h, 0, 2, "2.5");
    assert_cell(h, 1, 2, "r");
    frame_free(h);
    h = frame_head(f, 1000);
    assert_int_equal(frame_rows(h), 10);
    assert_cell(h, 0, 8, "8.5");
    assert_cell(h, 0, 9, "NA");
    frame_free(h);
    h = frame_head(f, 0);
    assert_int_equal(frame_rows(h), 0);
    assert_int_equal(frame_cols(h), 2);
    frame_free(h);
    frame_free(f);
}

static void
clone_and_without(void **state)
{
    static const char *const lv[] = {"u", "v"};
    struct aiwb_frame *f = sample(8, lv, 2), *c, *w;

    (void)state;
    assert_non_null(frame_add_numeric(f, "z"));
    c = frame_clone(f);
    assert_int_equal(frame_rows(c), 8);
    assert_int_equal(frame_cols(c), 3);
    for (size_t j = 0; j < 3; j++) {
        assert_string_equal(frame_col_name(c, j), frame_col_name(f, j));
        assert_int_equal(frame_col_type(c, j), frame_col_type(f, j));
    }
    assert_ptr_equal(frame_numeric(c, 0), frame_numeric(f, 0));
    frame_numeric_mut(c, 0)[1] = 42;
    assert_cell(c, 0, 1, "42");
    assert_cell(f, 0, 1, "1.5");

    w = frame_without(f, 1);
    assert_int_equal(frame_cols(w), 2);
    assert_string_equal(frame_col_name(w, 0), "x");
    assert_string_equal(frame_col_name(w, 1), "z");
    assert_int_equal(frame_find(w, "g"), -1);
    assert_int_equal(frame_rows(w), 8);
    frame_free(f);
    /* Both survive their source. */
    assert_cell(w, 0, 1, "1.5");
    assert_cell(c, 1, 1, "v");
    frame_free(w);
    w = frame_without(c, 0);
    assert_string_equal(frame_col_name(w, 0), "g");
    frame_free(w);
    frame_free(c);
}

/* Three batches whose categorical column codes the same texts differently. */
static void
concat_merges_levels(void **state)
{
    struct aiwb_frame *p[3], *all;
    char *cause = NULL;
    static const char *const rows[] = {"b", "a", NULL, "c", "a", "b", "d", NULL, "a"};

    (void)state;
    for (size_t k = 0; k < 3; k++) {
        p[k] = frame_new(3);
        frame_add_numeric(p[k], "x");
        frame_add_categorical(p[k], "g");
        /* Levels interned in a different order in each batch. */
        if (k == 2)
            intern(p[k], 1, "zz-unused");
        for (size_t i = 0; i < 3; i++) {
            const char *s = rows[3 * k + i];

            frame_numeric_mut(p[k], 0)[i] = 3.0 * (double)k + (double)i;
            frame_codes_mut(p[k], 1)[i] = s != NULL ? intern(p[k], 1, s) : AIWB_NA_CODE;
        }
    }
    /* "a" is code 1 in the first batch, 1 in the second, 2 in the third. */
    assert_int_equal(frame_level_find(p[0], 1, "a"), 1);
    assert_int_equal(frame_level_find(p[1], 1, "a"), 1);
    assert_int_equal(frame_level_find(p[1], 1, "c"), 0);
    assert_int_equal(frame_level_find(p[2], 1, "a"), 2);

    all = frame_concat(p, 3, &cause);
    assert_non_null(all);
    assert_null(cause);
    assert_int_equal(frame_rows(all), 9);
    assert_int_equal(frame_cols(all), 2);
    for (size_t i = 0; i < 9; i++) {
        char want[8];

        snprintf(want, sizeof want, "%zu", i);
        assert_cell(all, 0, i, want);
        assert_cell(all, 1, i, rows[i] != NULL ? rows[i] : "NA");
    }
    /* Each text once. */
    assert_int_equal(frame_nlevels(all, 1), 5);
    for (size_t l = 0; l < frame_nlevels(all, 1); l++)
        assert_int_equal(frame_level_find(all, 1, frame_level(all, 1, (int32_t)l)), (int32_t)l);
    assert_int_equal(frame_count_missing(all, 1), 2);
    /* The result owns its data. */
    frame_numeric_mut(all, 0)[0] = -1;
    intern(all, 1, "new");
    assert_cell(p[0], 0, 0, "0");
    assert_int_equal(frame_level_find(p[0], 1, "new"), -1);
    frame_free(all);

    /* One batch: the same frame again. */
    all = frame_concat(p + 1, 1, &cause);
    assert_non_null(all);
    assert_int_equal(frame_rows(all), 3);
    assert_cell(all, 1, 0, "c");
    frame_free(all);
    /* No batches. */
    assert_null(frame_concat(p, 0, &cause));
    assert_non_null(cause);
    free(cause);
    for (size_t k = 0; k < 3; k++)
        frame_free(p[k]);
}

static void
assert_concat_refused(struct aiwb_frame *a, struct aiwb_frame *b, const char *const *words)
{
    struct aiwb_frame *parts[2] = {a, b};
    char *cause = NULL;

    assert_null(frame_concat(parts, 2, &cause));
    assert_non_null(cause);
    for (size_t i = 0; words[i] != NULL; i++) {
        if (strstr(cause, words[i]) == NULL)
            fprintf(stderr, "# \"%s\" does not say \"%s\"\n", cause, words[i]);
        assert_non_null(strstr(cause, words[i]));
    }
    free(cause);
}

static void
concat_mismatch(void **state)
{
    struct aiwb_frame *a = frame_new(2), *fewer = frame_new(2), *renamed = frame_new(3);
    struct aiwb_frame *retyped = frame_new(1);
    static const char *const count[] = {"batch 2", "1 column", "2", NULL};
    static const char *const names[] = {"batch 2", "'y'", "'g'", NULL};
    static const char *const types[] = {"'g'", "numeric", "categorical", "batch 2", NULL};

    (void)state;
    frame_add_numeric(a, "x");
    frame_add_categorical(a, "g");
    frame_add_numeric(fewer, "x");
    frame_add_numeric(renamed, "x");
    frame_add_categorical(renamed, "y");
    frame_add_numeric(retyped, "x");
    frame_add_numeric(retyped, "g");
    assert_concat_refused(a, fewer, count);
    assert_concat_refused(a, renamed, names);
    assert_concat_refused(a, retyped, types);
    frame_free(a);
    frame_free(fewer);
    frame_free(renamed);
    frame_free(retyped);
}

static void
sort_levels(void **state)
{
    static const char *const lv[] = {"pear", "apple", "fig", "Banana", "apple"};
    struct aiwb_frame *f = sample(14, lv, 5), *shared, *g;
    char *before[14];

    (void)state;
    shared = frame_clone(f);
    for (size_t i = 0; i < 14; i++)
        before[i] = cell(f, 1, i);
    frame_sort_levels(f, 1);
    /* Byte order, as R's factor() in the C locale: upper case first. */
    assert_int_equal(frame_nlevels(f, 1), 4);
    assert_string_equal(frame_level(f, 1, 0), "Banana");
    assert_string_equal(frame_level(f, 1, 1), "apple");
    assert_string_equal(frame_level(f, 1, 2), "fig");
    assert_string_equal(frame_level(f, 1, 3), "pear");
    assert_int_equal(frame_level_find(f, 1, "pear"), 3);
    assert_int_equal(frame_level_find(f, 1, "Banana"), 0);
    /* Every row reads the same; missing stays missing. */
    for (size_t i = 0; i < 14; i++)
        assert_cell(f, 1, i, before[i]);
    assert_int_equal(frame_codes(f, 1)[6], AIWB_NA_CODE);
    assert_int_equal(frame_codes(f, 1)[13], AIWB_NA_CODE);
    assert_int_equal(frame_count_missing(f, 1), 2);
    /* The frame sharing the column is untouched. */
    assert_string_equal(frame_level(shared, 1, 0), "pear");
    assert_int_equal(frame_codes(shared, 1)[0], 0);
    for (size_t i = 0; i < 14; i++) {
        assert_cell(shared, 1, i, before[i]);
        free(before[i]);
    }
    /* Interning after sorting finds the sorted codes. */
    assert_int_equal(intern(f, 1, "fig"), 2);
    assert_int_equal(intern(f, 1, "cherry"), 4);
    /* Sorting twice, or a numeric column, changes nothing. */
    frame_sort_levels(f, 1);
    assert_string_equal(frame_level(f, 1, 2), "cherry");
    assert_cell(f, 1, 0, "pear");
    frame_sort_levels(f, 0);
    assert_cell(f, 0, 0, "0.5");
    frame_free(f);
    frame_free(shared);

    /* A frame taken from another may share its levels: sorting one leaves
     * the other as it was. */
    {
        size_t idx[] = {0, 1, 2, 3};
        struct aiwb_frame *src = sample(4, lv, 5), *taken = frame_take(src, idx, 4);

        frame_sort_levels(src, 1);
        assert_string_equal(frame_level(taken, 1, 0), "pear");
        assert_string_equal(frame_level(src, 1, 0), "Banana");
        for (size_t i = 0; i < 4; i++)
            assert_cell(taken, 1, i, lv[i]);
        frame_sort_levels(taken, 1);
        for (size_t i = 0; i < 4; i++) {
            assert_cell(taken, 1, i, lv[i]);
            assert_cell(src, 1, i, lv[i]);
        }
        frame_free(src);
        frame_free(taken);
    }

    /* No levels, one level, all missing. */
    g = frame_new(3);
    frame_add_categorical(g, "g");
    for (size_t i = 0; i < 3; i++)
        frame_codes_mut(g, 0)[i] = AIWB_NA_CODE;
    frame_sort_levels(g, 0);
    assert_int_equal(frame_count_missing(g, 0), 3);
    intern(g, 0, "only");
    frame_sort_levels(g, 0);
    assert_string_equal(frame_level(g, 0, 0), "only");
    frame_free(g);
}

static void
missing_values(void **state)
{
    static const char *const lv[] = {"a"};
    struct aiwb_frame *f = sample(35, lv, 1);

    (void)state;
    assert_int_equal(frame_count_missing(f, 0), 7);
    assert_int_equal(frame_count_missing(f, 1), 5);
    for (size_t i = 0; i < 35; i++) {
        assert_int_equal(frame_is_missing(f, 0, i) != 0, i % 5 == 4);
        assert_int_equal(frame_is_missing(f, 1, i) != 0, i % 7 == 6);
    }
    /* Infinities are values, not missing. */
    frame_numeric_mut(f, 0)[4] = INFINITY;
    frame_numeric_mut(f, 0)[9] = -INFINITY;
    assert_int_equal(frame_count_missing(f, 0), 5);
    assert_false(frame_is_missing(f, 0, 4));
    frame_free(f);
}

static void
cell_text(void **state)
{
    static const double v[] = {0.1, 1e-5, 123, 0.1 + 0.2, NAN, -0.0, 1e21, -2.5, INFINITY};
    static const char *const want[] = {"0.1", "1e-05", "123", "0.30000000000000004", "NA",
                                       "-0", "1e+21", "-2.5", "inf"};
    struct aiwb_frame *f = frame_new(LEN(v));
    double *x = frame_add_numeric(f, "x");
    int32_t *g = frame_add_categorical(f, "g");
    char buf[32];

    (void)state;
    memcpy(x, v, sizeof v);
    for (size_t i = 0; i < LEN(v); i++)
        assert_cell(f, 0, i, want[i]);
    g[0] = intern(f, 1, "NA"); /* a level may read "NA" as well */
    g[1] = intern(f, 1, "");
    g[2] = AIWB_NA_CODE;
    g[3] = intern(f, 1, "with space");
    for (size_t i = 4; i < LEN(v); i++)
        g[i] = 1;
    assert_cell(f, 1, 0, "NA");
    assert_cell(f, 1, 1, "");
    assert_cell(f, 1, 2, "NA");
    assert_cell(f, 1, 3, "with space");
    /* Levels are borrowed from the frame, numbers written into BUF. */
    assert_ptr_equal(frame_cell_text(f, 0, 0, buf), buf);
    assert_ptr_equal(frame_cell_text(f, 1, 3, buf), frame_level(f, 1, 2));
    frame_free(f);
}

/* frame_encode / frame_decode: what `save` keeps in the workspace. */
static void
encode_round_trip(void **state)
{
    static const double x[] = {2.385, NAN, -0.0, 1e-310, INFINITY};
    static const char *const lv[] = {"b", "a", "c", "a", NULL};
    struct aiwb_frame *f = frame_new(5), *g;
    unsigned char *blob;
    size_t len;
    char *cause = NULL;
    double *v;
    int32_t *codes;

    (void)state;
    v = frame_add_numeric(f, "x");
    memcpy(v, x, sizeof x);
    codes = frame_add_categorical(f, "level");
    for (size_t i = 0; i < 5; i++)
        codes[i] = lv[i] ? frame_level_intern(f, 1, lv[i], strlen(lv[i])) : AIWB_NA_CODE;
    blob = frame_encode(f, &len);
    g = frame_decode(blob, len, &cause);
    assert_null(cause);
    assert_non_null(g);
    assert_int_equal(frame_rows(g), 5);
    assert_int_equal(frame_cols(g), 2);
    assert_string_equal(frame_col_name(g, 1), "level");
    /* Bit for bit, NaN and -0.0 included. */
    assert_memory_equal(frame_numeric(g, 0), x, sizeof x);
    assert_int_equal(frame_nlevels(g, 1), 3);
    for (size_t i = 0; i < 5; i++)
        assert_string_equal(frame_cell_text(g, 1, i, (char[32]){0}),
                            lv[i] ? lv[i] : "NA");
    /* The level order is kept as it was (not sorted). */
    assert_string_equal(frame_level(g, 1, 0), "b");
    frame_free(g);

    /* Every truncation is refused cleanly. */
    for (size_t n = 0; n < len; n++) {
        g = frame_decode(blob, n, &cause);
        assert_null(g);
        assert_non_null(cause);
        free(cause);
        cause = NULL;
    }
    free(blob);
    frame_free(f);

    /* A frame with no rows and no columns round-trips too. */
    f = frame_new(0);
    blob = frame_encode(f, &len);
    g = frame_decode(blob, len, &cause);
    assert_non_null(g);
    assert_int_equal(frame_rows(g), 0);
    assert_int_equal(frame_cols(g), 0);
    frame_free(g);
    frame_free(f);
    free(blob);
}

/* A blob that is valid codec but not a valid frame: a code past the levels. */
static void
decode_bad_codes(void **state)
{
    struct aiwb_writer *w = writer_new();
    static const char *const levels[] = {"a"};
    static const int64_t codes[] = {0, 5};
    unsigned char *blob;
    size_t len;
    char *cause = NULL;

    (void)state;
    codec_put_str(w, "kind", "frame");
    codec_put_int(w, "format", 1);
    codec_put_int(w, "rows", 2);
    codec_put_int(w, "cols", 1);
    codec_put_str(w, "name", "c");
    codec_put_int(w, "type", AIWB_CATEGORICAL);
    codec_put_strs(w, "levels", 1, levels);
    codec_put_ints(w, "codes", 2, codes);
    blob = codec_seal(w, &len);
    assert_null(frame_decode(blob, len, &cause));
    assert_non_null(strstr(cause, "bad code at row 2"));
    free(cause);
    free(blob);
    writer_free(w);

    /* A model blob is not a frame. */
    w = writer_new();
    codec_put_str(w, "kind", "pipeline");
    codec_put_int(w, "format", 1);
    codec_put_int(w, "rows", 0);
    codec_put_int(w, "cols", 0);
    blob = codec_seal(w, &len);
    assert_null(frame_decode(blob, len, &cause));
    assert_non_null(strstr(cause, "not a saved frame"));
    free(cause);
    free(blob);
    writer_free(w);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(new_and_free),
        cmocka_unit_test(add_columns),
        cmocka_unit_test(intern_levels),
        cmocka_unit_test(intern_many_levels),
        cmocka_unit_test(intern_near_levels),
        cmocka_unit_test(levels_with_nul_bytes),
        cmocka_unit_test(copy_col_shares_numeric),
        cmocka_unit_test(copy_col_shares_codes),
        cmocka_unit_test(intern_copies_shared_levels),
        cmocka_unit_test(take_and_head),
        cmocka_unit_test(clone_and_without),
        cmocka_unit_test(concat_merges_levels),
        cmocka_unit_test(concat_mismatch),
        cmocka_unit_test(sort_levels),
        cmocka_unit_test(missing_values),
        cmocka_unit_test(cell_text),
        cmocka_unit_test(encode_round_trip),
        cmocka_unit_test(decode_bad_codes),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
