/*
 * test-table.c - result tables: columns, cells appended row by row and
 * converted or refused by kind, nulls, notes, and who owns the text.
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

#include "core/table.h"
#include "testutil.h"

/* A table "coefficients" with columns term (text), estimate (real), df (int). */
static struct aiwb_table *
coefficients(void)
{
    struct aiwb_table *t = table_new("coefficients");

    assert_int_equal(table_column(t, "term", AIWB_TABLE_TEXT), AIWB_OK);
    assert_int_equal(table_column(t, "estimate", AIWB_TABLE_REAL), AIWB_OK);
    assert_int_equal(table_column(t, "df", AIWB_TABLE_INT), AIWB_OK);
    return t;
}

static void
new_and_title(void **state)
{
    struct aiwb_table *t = table_new(NULL);

    (void)state;
    assert_null(t->title);
    assert_int_equal(t->ncols, 0);
    assert_int_equal(table_rows(t), 0);
    assert_int_equal(t->nnotes, 0);
    table_set_title(t, "evaluation");
    assert_string_equal(t->title, "evaluation");
    table_set_title(t, "evaluation on 'test'");
    assert_string_equal(t->title, "evaluation on 'test'");
    table_set_title(t, NULL);
    assert_null(t->title);
    table_free(t);
    table_free(NULL);

    /* The title is copied. */
    {
        char title[] = "mine";

        t = table_new(title);
        title[0] = 'X';
        assert_string_equal(t->title, "mine");
        table_free(t);
    }
}

static void
columns(void **state)
{
    struct aiwb_table *t = coefficients();
    char name[] = "extra";

    (void)state;
    assert_int_equal(t->ncols, 3);
    assert_string_equal(t->cols[0].name, "term");
    assert_int_equal(t->cols[0].kind, AIWB_TABLE_TEXT);
    assert_int_equal(t->cols[1].kind, AIWB_TABLE_REAL);
    assert_int_equal(t->cols[2].kind, AIWB_TABLE_INT);
    assert_int_equal(t->cols[1].digits, 0);
    /* Names are copied. */
    assert_int_equal(table_column(t, name, AIWB_TABLE_TEXT), AIWB_OK);
    name[0] = 'X';
    assert_string_equal(t->cols[3].name, "extra");
    /* No kind outside the enum, no unnamed column. */
    assert_int_equal(table_column(t, "bad", 0), AIWB_EINVAL);
    assert_int_equal(table_column(t, "bad", (enum aiwb_table_kind)4), AIWB_EINVAL);
    assert_int_equal(table_column(t, NULL, AIWB_TABLE_TEXT), AIWB_EINVAL);
    assert_int_equal(t->ncols, 4);
    /* Digits of a real column; a column that does not exist is ignored. */
    table_digits(t, 1, 3);
    assert_int_equal(t->cols[1].digits, 3);
    table_digits(t, 99, 3);
    /* After the first cell, no more columns. */
    assert_int_equal(table_text(t, "a"), AIWB_OK);
    assert_int_equal(table_column(t, "late", AIWB_TABLE_REAL), AIWB_EINVAL);
    assert_int_equal(t->ncols, 4);
    table_free(t);
}

static void
cells_row_by_row(void **state)
{
    struct aiwb_table *t = coefficients();
    const struct table_cell *c;
    char term[] = "(intercept)";

    (void)state;
    assert_int_equal(table_text(t, term), AIWB_OK);
    term[0] = 'X'; /* the table keeps its own copy */
    assert_int_equal(table_real(t, 0.125), AIWB_OK);
    assert_int_equal(table_int(t, 10), AIWB_OK);
    assert_int_equal(table_rows(t), 1);
    assert_int_equal(table_text(t, "x1"), AIWB_OK);
    assert_int_equal(table_real(t, -2.5e-300), AIWB_OK);
    assert_int_equal(table_int(t, INT64_MIN), AIWB_OK);
    assert_int_equal(table_text(t, ""), AIWB_OK);
    assert_int_equal(table_real(t, NAN), AIWB_OK);
    assert_int_equal(table_int(t, INT64_MAX), AIWB_OK);
    assert_int_equal(table_rows(t), 3);

    c = table_cell(t, 0, 0);
    assert_non_null(c);
    assert_false(c->null);
    assert_string_equal(c->v.s, "(intercept)");
    assert_true(table_cell(t, 0, 1)->v.r == 0.125);
    assert_true(table_cell(t, 0, 2)->v.i == 10);
    assert_string_equal(table_cell(t, 1, 0)->v.s, "x1");
    assert_true(table_cell(t, 1, 1)->v.r == -2.5e-300);
    assert_true(table_cell(t, 1, 2)->v.i == INT64_MIN);
    assert_string_equal(table_cell(t, 2, 0)->v.s, "");
    assert_true(isnan(table_cell(t, 2, 1)->v.r));
    assert_false(table_cell(t, 2, 1)->null); /* NaN is a value here */
    assert_true(table_cell(t, 2, 2)->v.i == INT64_MAX);
    table_free(t);
}

static void
kinds_converted_or_refused(void **state)
{
    struct aiwb_table *t = coefficients();

    (void)state;
    /* Into the text column: only text. */
    assert_int_equal(table_real(t, 1.5), AIWB_EINVAL);
    assert_int_equal(table_int(t, 1), AIWB_EINVAL);
    assert_null(table_cell(t, 0, 0));
    assert_int_equal(table_text(t, "a"), AIWB_OK);
    /* Into the real column: a real, or an int converted; never text. */
    assert_int_equal(table_text(t, "1.5"), AIWB_EINVAL);
    assert_int_equal(table_int(t, 3), AIWB_OK);
    /* Into the int column: an int; a real is not silently truncated. */
    assert_int_equal(table_real(t, 2.0), AIWB_EINVAL);
    assert_int_equal(table_text(t, "2"), AIWB_EINVAL);
    assert_int_equal(table_int(t, 2), AIWB_OK);
    /* Refused cells took no place: the row is exactly the accepted ones. */
    assert_int_equal(table_rows(t), 1);
    assert_string_equal(table_cell(t, 0, 0)->v.s, "a");
    assert_true(table_cell(t, 0, 1)->v.r == 3.0);
    assert_true(table_cell(t, 0, 2)->v.i == 2);
    /* A large int into a real column keeps its nearest double. */
    assert_int_equal(table_text(t, "b"), AIWB_OK);
    assert_int_equal(table_int(t, INT64_MAX), AIWB_OK);
    assert_true(table_cell(t, 1, 1)->v.r == 9223372036854775808.0);
    table_free(t);

    /* A table without columns takes no cells. */
    t = table_new("empty");
    assert_int_equal(table_text(t, "a"), AIWB_EINVAL);
    assert_int_equal(table_real(t, 1), AIWB_EINVAL);
    assert_int_equal(table_int(t, 1), AIWB_EINVAL);
    assert_int_equal(table_null(t), AIWB_EINVAL);
    assert_int_equal(table_rows(t), 0);
    assert_null(table_cell(t, 0, 0));
    table_free(t);
}

static void
nulls(void **state)
{
    struct aiwb_table *t = coefficients();

    (void)state;
    assert_int_equal(table_null(t), AIWB_OK);
    assert_int_equal(table_null(t), AIWB_OK);
    assert_int_equal(table_null(t), AIWB_OK);
    assert_int_equal(table_text(t, "x"), AIWB_OK);
    assert_int_equal(table_null(t), AIWB_OK);
    assert_int_equal(table_int(t, 4), AIWB_OK);
    assert_int_equal(table_rows(t), 2);
    for (size_t col = 0; col < 3; col++)
        assert_true(table_cell(t, 0, col)->null);
    assert_false(table_cell(t, 1, 0)->null);
    assert_true(table_cell(t, 1, 1)->null);
    assert_false(table_cell(t, 1, 2)->null);
    assert_true(table_cell(t, 1, 2)->v.i == 4);
    /* Freeing a table whose text column holds nulls frees only text. */
    table_free(t);
}

static void
notes(void **state)
{
    struct aiwb_table *t = coefficients();
    char note[] = "standard errors assume homoscedasticity";

    (void)state;
    table_note(t, note);
    note[0] = 'X';
    table_notef(t, "%zu rows dropped for missing values in '%s'", (size_t)3, "age");
    table_notef(t, "R^2 = %.3f", 0.8125);
    assert_int_equal(t->nnotes, 3);
    assert_string_equal(t->notes[0], "standard errors assume homoscedasticity");
    assert_string_equal(t->notes[1], "3 rows dropped for missing values in 'age'");
    assert_string_equal(t->notes[2], "R^2 = 0.812");
    /* Notes do not count as rows. */
    assert_int_equal(table_rows(t), 0);
    table_free(t);
}

static void
cell_bounds(void **state)
{
    struct aiwb_table *t = coefficients();

    (void)state;
    assert_null(table_cell(t, 0, 0));
    for (int r = 0; r < 1000; r++) {
        char term[16];

        snprintf(term, sizeof term, "x%d", r);
        assert_int_equal(table_text(t, term), AIWB_OK);
        assert_int_equal(table_real(t, r / 8.0), AIWB_OK);
        assert_int_equal(table_int(t, r), AIWB_OK);
    }
    assert_int_equal(table_rows(t), 1000);
    assert_string_equal(table_cell(t, 999, 0)->v.s, "x999");
    assert_true(table_cell(t, 999, 1)->v.r == 999 / 8.0);
    assert_true(table_cell(t, 500, 2)->v.i == 500);
    assert_null(table_cell(t, 1000, 0));
    assert_null(table_cell(t, 0, 3));
    assert_null(table_cell(t, 999, 3));
    assert_null(table_cell(t, SIZE_MAX / 4, 0));
    /* Half a row: the cells given are there, the rest are not. */
    assert_int_equal(table_text(t, "half"), AIWB_OK);
    assert_string_equal(table_cell(t, 1000, 0)->v.s, "half");
    assert_null(table_cell(t, 1000, 1));
    assert_null(table_cell(t, 1000, 2));
    /* A text cell in a half row is freed too. */
    table_free(t);
}

/* A row so large that ROW * ncols wraps around is still out of bounds. */
static void
cell_bounds_overflow(void **state)
{
    struct aiwb_table *t = coefficients();

    (void)state;
    for (int i = 0; i < 2; i++) {
        table_text(t, "a");
        table_real(t, 1);
        table_int(t, 2);
    }
    /* (SIZE_MAX / 3 + 1) * 3 wraps to 2: cell (0, 2) must not answer. */
    const struct table_cell *wrapped = table_cell(t, SIZE_MAX / 3 + 1, 0);
    const struct table_cell *wide = table_cell(t, 0, SIZE_MAX);

    table_free(t);
    assert_null(wrapped);
    assert_null(wide);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(new_and_title),
        cmocka_unit_test(columns),
        cmocka_unit_test(cells_row_by_row),
        cmocka_unit_test(kinds_converted_or_refused),
        cmocka_unit_test(nulls),
        cmocka_unit_test(notes),
        cmocka_unit_test(cell_bounds),
        cmocka_unit_test(cell_bounds_overflow),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
