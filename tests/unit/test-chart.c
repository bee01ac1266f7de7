/*
 * test-chart.c - charts as a user sees them: curves rising the right way,
 * tick labels, legends, side-by-side histogram bars, shaded confusion
 * matrices, colour only when asked, "no data", NaN and infinities left out,
 * tiny terminals, and well-formed, escaped SVG.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <config.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "core/chart.h"
#include "core/strbuf.h"
#include "testutil.h"

/* ------------------------------------------------------------------------
 * Helpers
 */

/* C drawn on a new W x H canvas (the caller frees it). */
static struct canvas *
draw(const struct chart *c, int w, int h, enum chart_glyphs glyphs)
{
    struct canvas *cv = canvas_new(w, h);

    chart_draw(c, cv, glyphs);
    return cv;
}

/* C drawn and returned as text (the caller frees it). */
static char *
draw_text(const struct chart *c, int w, int h, enum chart_glyphs glyphs, int colour)
{
    struct canvas *cv = draw(c, w, h, glyphs);
    char *text = canvas_text(cv, colour);

    canvas_free(cv);
    return text;
}

static const struct chart_cell *
at(const struct canvas *cv, int x, int y)
{
    return &cv->cells[(size_t)y * (size_t)cv->w + (size_t)x];
}

/* Row Y of the canvas as ASCII (code points above 0x7e as '~'), in BUF. */
static const char *
row_ascii(const struct canvas *cv, int y, char *buf)
{
    for (int x = 0; x < cv->w; x++) {
        uint32_t ch = at(cv, x, y)->ch;

        buf[x] = ch >= 0x20 && ch <= 0x7e ? (char)ch : '~';
    }
    buf[cv->w] = '\0';
    return buf;
}

/* The row of the canvas whose text contains S, or -1. */
static int
find_row(const struct canvas *cv, const char *s)
{
    char buf[1024];

    for (int y = 0; y < cv->h; y++)
        if (strstr(row_ascii(cv, y, buf), s) != NULL)
            return y;
    return -1;
}

static int
count_char(const char *s, char c)
{
    int n = 0;

    for (; *s != '\0'; s++)
        n += *s == c;
    return n;
}

/* A line chart of y = x for x = 0..100. */
static struct chart *
identity_chart(const char *title)
{
    struct chart *c = chart_new(CHART_LINE, title);
    size_t s = chart_add_series(c, "y");

    for (int i = 0; i <= 100; i++)
        chart_point(c, s, i, i);
    return c;
}

/* A decaying loss and a validation loss over 200 iterations. */
static struct chart *
curve_chart(void)
{
    struct chart *c = chart_new(CHART_LINE, "curve of run 3");
    size_t a, b;

    chart_axes(c, "iteration", "loss");
    a = chart_add_series(c, "loss");
    b = chart_add_series(c, "val_loss");
    for (int i = 1; i <= 200; i++) {
        chart_point(c, a, i, 2.3 * exp(-i / 30.0) + 0.1);
        chart_point(c, b, i, 2.3 * exp(-i / 40.0) + 0.2);
    }
    return c;
}

/* The confusion matrix of a three-class model. */
static struct chart *
confusion_chart(void)
{
    static const char *const names[] = {"setosa", "versicolor", "virginica"};
    static const double cells[] = {50, 0, 0, 0, 47, 3, 0, 2, 48};
    struct chart *c = chart_new(CHART_HEAT, "confusion of m1");

    chart_axes(c, "predicted", "true");
    chart_matrix(c, 3, 3, names, names, cells);
    return c;
}

/* Two distributions over five equal bins. */
static struct chart *
drift_hist(void)
{
    static const double edges[] = {0, 10, 20, 30, 40, 50};
    static const double ref[] = {10, 30, 40, 15, 5}, cur[] = {5, 15, 30, 35, 15};
    const double *counts[] = {ref, cur};
    struct chart *c = chart_new(CHART_HIST, "drift of age");

    chart_axes(c, "age", "rows");
    chart_add_series(c, "reference");
    chart_add_series(c, "current");
    chart_bins(c, 5, edges, counts);
    return c;
}

static int well_formed(const char *svg, int *elements);
static char *svg_of(const struct chart *c, int w, int h);

/* ------------------------------------------------------------------------
 * Lines and ticks
 */

/* y = x in ASCII on 40 x 12: the marks climb from lower left to upper right,
 * each column no lower than the one before. */
static void
test_line_rises(void **state)
{
    struct chart *c = identity_chart(NULL);
    struct canvas *cv = draw(c, 40, 12, GLYPHS_ASCII);
    int first_col = -1, last_col = -1, first_row = -1, last_row = -1, prev = 1000, cols = 0;

    (void)state;
    for (int x = 0; x < cv->w; x++) {
        int top = -1;

        for (int y = 0; y < cv->h; y++)
            if (at(cv, x, y)->ch == '*') {
                top = y;
                break;
            }
        if (top < 0)
            continue;
        cols++;
        assert_true(top <= prev); /* never falls going right */
        prev = top;
        if (first_col < 0) {
            first_col = x;
            first_row = top;
        }
        last_col = x;
        last_row = top;
    }
    assert_true(cols >= 30);             /* a line across the plot, not a few points */
    assert_true(first_col <= 5);         /* starts at the left */
    assert_true(last_col == cv->w - 1);  /* ends at the right edge */
    assert_true(first_row >= cv->h - 4); /* low */
    assert_true(last_row <= 1);          /* high */
    canvas_free(cv);
    chart_free(c);
}

/* 0..100 on both axes: y labels 0, 50, 100 against their rows, x labels
 * every 20 along the bottom. */
static void
test_tick_labels(void **state)
{
    struct chart *c = identity_chart(NULL);
    struct canvas *cv = draw(c, 40, 12, GLYPHS_ASCII);
    char buf[1024];
    int r100 = find_row(cv, "100+"), r50 = find_row(cv, " 50+"), r0 = find_row(cv, "  0+");
    int xrow;

    (void)state;
    assert_int_equal(r100, 0);
    assert_true(r0 > r50 && r50 > r100);
    assert_true(abs((r0 - r50) - (r50 - r100)) <= 1); /* evenly spaced */
    xrow = cv->h - 1;
    row_ascii(cv, xrow, buf);
    assert_non_null(strstr(buf, "0"));
    assert_non_null(strstr(buf, "20"));
    assert_non_null(strstr(buf, "40"));
    assert_non_null(strstr(buf, "60"));
    assert_non_null(strstr(buf, "80"));
    assert_non_null(strstr(buf, "100"));
    assert_true(strstr(buf, "20") < strstr(buf, "40"));
    /* the axis under the plot, ticked */
    row_ascii(cv, xrow - 1, buf);
    assert_non_null(strstr(buf, "+-"));
    canvas_free(cv);
    chart_free(c);
}

/* Tick values at 1-2-5 steps and their compact labels. */
static void
test_ticks(void **state)
{
    struct chart_ticks t;
    char buf[CHART_LABELSZ];

    (void)state;
    chart_ticks(&t, 0, 1, 6, 0, 0);
    assert_int_equal(t.n, 6);
    assert_string_equal(t.label[0], "0");
    assert_string_equal(t.label[1], "0.2");
    assert_string_equal(t.label[3], "0.6");
    assert_string_equal(t.label[5], "1");

    chart_ticks(&t, 0, 12000, 5, 0, 0);
    assert_int_equal(t.n, 3);
    assert_string_equal(t.label[0], "0");
    assert_string_equal(t.label[1], "5k");
    assert_string_equal(t.label[2], "10k");

    chart_ticks(&t, 0.13, 0.87, 5, 1, 0); /* loose: widened to whole steps */
    assert_true(t.lo == 0 && t.hi == 1);
    assert_int_equal(t.n, 3);
    assert_string_equal(t.label[1], "0.5");

    chart_ticks(&t, -2, 3, 8, 0, 1); /* log: 0.01 to 1000 */
    assert_int_equal(t.n, 6);
    assert_string_equal(t.label[0], "0.01");
    assert_string_equal(t.label[2], "1");
    assert_string_equal(t.label[4], "100");
    assert_string_equal(t.label[5], "1000");

    chart_ticks(&t, log10(0.05), log10(0.7), 6, 0, 1); /* log within a decade */
    assert_true(t.n >= 3);
    assert_string_equal(t.label[0], "0.05");
    assert_string_equal(t.label[1], "0.1");
    assert_string_equal(t.label[2], "0.2");

    chart_ticks(&t, 0, 4e-5, 5, 0, 0);
    assert_string_equal(t.label[1], "1e-05");
    chart_ticks(&t, 0, 3e20, 4, 0, 0);
    assert_string_equal(t.label[1], "1e+20");
    chart_ticks(&t, 5e6, 2e7, 4, 0, 0);
    assert_string_equal(t.label[0], "5M");

    assert_string_equal(chart_format_value(buf, 47), "47");
    assert_string_equal(chart_format_value(buf, 1.0 / 3), "0.333");
    assert_string_equal(chart_format_value(buf, 12345678), "1.23e+07");
    assert_string_equal(chart_format_value(buf, -0.0), "0");
    assert_string_equal(chart_format_value(buf, NAN), "NA");
}

/* Two series: the legend names both, with the mark each is drawn with. */
static void
test_legend(void **state)
{
    struct chart *c = curve_chart();
    struct canvas *cv = draw(c, 80, 24, GLYPHS_BRAILLE);
    char *text = canvas_text(cv, 0), *ascii;
    int row = find_row(cv, " loss"), seen[2] = {0, 0};

    (void)state;
    assert_non_null(strstr(text, "loss"));
    assert_non_null(strstr(text, "val_loss"));
    assert_non_null(strstr(text, "curve of run 3")); /* the title at 80 x 24 */
    assert_non_null(strstr(text, "iteration"));
    /* the legend's sample cells wear the series' colours */
    assert_true(row >= 0);
    for (int y = row; y <= row + 1; y++)
        for (int x = 0; x < cv->w; x++)
            if (at(cv, x, y)->ch == 0x2500 && at(cv, x, y)->colour >= CHART_SERIES1 &&
                at(cv, x, y)->colour < CHART_SERIES1 + 2)
                seen[at(cv, x, y)->colour - CHART_SERIES1] = 1;
    assert_true(seen[0] && seen[1]);
    /* both colours in the plot, too */
    seen[0] = seen[1] = 0;
    for (size_t k = 0; k < (size_t)cv->w * (size_t)cv->h; k++)
        if (cv->cells[k].ch >= 0x2801 && cv->cells[k].ch <= 0x28ff &&
            cv->cells[k].colour >= CHART_SERIES1 && cv->cells[k].colour < CHART_SERIES1 + 2)
            seen[cv->cells[k].colour - CHART_SERIES1] = 1;
    assert_true(seen[0] && seen[1]);
    free(text);
    canvas_free(cv);

    /* in ASCII the series differ by their marks, named in the legend */
    ascii = draw_text(c, 80, 24, GLYPHS_ASCII, 0);
    assert_non_null(strstr(ascii, "** loss"));
    assert_non_null(strstr(ascii, "++ val_loss"));
    assert_true(count_char(ascii, '*') > 20);
    assert_true(count_char(ascii, '+') > 20);
    free(ascii);
    chart_free(c);
}

/* Log y: a loss falling from 10 to 0.001 gets a label per decade. */
static void
test_logy(void **state)
{
    struct chart *c = chart_new(CHART_LINE, NULL);
    size_t s = chart_add_series(c, "loss");
    char *text;

    (void)state;
    c->logy = 1;
    for (int i = 0; i <= 400; i++)
        chart_point(c, s, i, 10 * pow(10, -i / 100.0));
    chart_point(c, s, 401, 0);  /* no log: left out */
    chart_point(c, s, 402, -1); /* likewise */
    text = draw_text(c, 60, 20, GLYPHS_ASCII, 0);
    assert_non_null(strstr(text, "\n0.001+"));
    assert_non_null(strstr(text, "\n 0.01+"));
    assert_non_null(strstr(text, "\n  0.1+"));
    assert_non_null(strstr(text, "\n    1+"));
    assert_memory_equal(text, "   10+", 6); /* the top row */
    free(text);
    chart_free(c);
}

/* ------------------------------------------------------------------------
 * Bars, histograms, heat maps
 */

/* Two series in five bins: each bin shows both series' bars side by side,
 * in ASCII by their fill characters, in Unicode by their colours. */
static void
test_hist_two_series(void **state)
{
    struct chart *c = drift_hist();
    struct canvas *cv = draw(c, 60, 16, GLYPHS_ASCII), *uni;
    int axis = find_row(cv, "+-----"), x0 = -1;

    (void)state;
    assert_true(axis > 0);
    for (int x = 0; x < cv->w && x0 < 0; x++)
        if (at(cv, x, axis)->ch == '+')
            x0 = x + 1;
    for (int b = 0; b < 5; b++) {
        int pw = cv->w - x0, from = x0 + b * pw / 5, to = x0 + (b + 1) * pw / 5;
        int hash = 0, eq = 0, hash_right_of_eq = 0;

        for (int y = 0; y < axis; y++) {
            int eq_in_row = 0;

            for (int x = from; x < to; x++) {
                uint32_t ch = at(cv, x, y)->ch;

                if (ch == '#') {
                    hash++;
                    if (eq_in_row > 0)
                        hash_right_of_eq = 1;
                }
                eq_in_row += ch == '=';
            }
            eq += eq_in_row;
        }
        assert_true(hash > 0);
        assert_true(eq > 0);
        assert_false(hash_right_of_eq); /* reference left of current */
    }
    /* bin 3 (30-40): the current (35) stands taller than the reference (15) */
    {
        int pw = cv->w - x0, from = x0 + 3 * pw / 5, to = x0 + 4 * pw / 5, top_hash = 99,
            top_eq = 99;

        for (int x = from; x < to; x++)
            for (int y = 0; y < axis; y++) {
                if (at(cv, x, y)->ch == '#' && y < top_hash)
                    top_hash = y;
                if (at(cv, x, y)->ch == '=' && y < top_eq)
                    top_eq = y;
            }
        assert_true(top_eq < top_hash);
    }
    canvas_free(cv);

    uni = draw(c, 60, 16, GLYPHS_BLOCKS); /* the same layout as in ASCII */
    assert_int_equal(at(uni, x0 - 1, axis)->ch, 0x2514);
    for (int b = 0; b < 5; b++) {
        int seen[2] = {0, 0};

        for (int x = x0 + b * (60 - x0) / 5; x < x0 + (b + 1) * (60 - x0) / 5; x++)
            for (int y = 0; y < axis; y++) {
                const struct chart_cell *cell = at(uni, x, y);

                if (cell->ch >= 0x2581 && cell->ch <= 0x2588 &&
                    cell->colour >= CHART_SERIES1 && cell->colour < CHART_SERIES1 + 2)
                    seen[cell->colour - CHART_SERIES1] = 1;
            }
        assert_true(seen[0] && seen[1]);
    }
    canvas_free(uni);
    chart_free(c);
}

/* Unequal bins (drift's deciles) get equal room and their edges as labels. */
static void
test_hist_unequal_bins(void **state)
{
    static const double edges[] = {0, 1, 2, 5, 100};
    static const double counts0[] = {25, 25, 25, 25};
    const double *counts[] = {counts0};
    struct chart *c = chart_new(CHART_HIST, NULL);
    char *text;

    (void)state;
    chart_add_series(c, "reference");
    chart_bins(c, 4, edges, counts);
    assert_false(chart_equal_bins(c));
    text = draw_text(c, 60, 12, GLYPHS_ASCII, 0);
    assert_non_null(strstr(text, "100"));
    assert_non_null(strstr(text, " 5 "));
    /* four bars of equal height: the top row of bars has four runs of '#' */
    {
        const char *top = strchr(text, '#');
        const char *eol = strchr(top, '\n');
        int runs = 0;

        for (const char *p = top; p < eol; p++)
            runs += *p == '#' && (p == top || p[-1] != '#');
        assert_int_equal(runs, 4);
    }
    free(text);
    chart_free(c);
}

/* Horizontal bars: labels on the left, longer bars for larger values, the
 * value printed at the bar's end; two series give two bars per category. */
static void
test_bars(void **state)
{
    static const char *const names[] = {"petal_length", "sepal_width", "a_feature"};
    static const double one[] = {0.5, 0.1, 0.25};
    struct chart *c = chart_new(CHART_BARS, "importance");
    struct canvas *cv;
    int len[3];

    (void)state;
    chart_add_series(c, "importance");
    for (int i = 0; i < 3; i++)
        chart_category(c, names[i], &one[i]);
    cv = draw(c, 60, 12, GLYPHS_BRAILLE);
    for (int i = 0; i < 3; i++) {
        int row = find_row(cv, names[i]);
        char buf[1024];

        assert_true(row >= 0);
        assert_ptr_equal(strstr(row_ascii(cv, row, buf), names[i]), buf); /* at the left */
        len[i] = 0;
        for (int x = 0; x < cv->w; x++)
            len[i] += at(cv, x, row)->ch == 0x2588;
    }
    assert_true(len[0] > len[2] && len[2] > len[1]);
    assert_true(abs(len[0] - 2 * len[2]) <= 1); /* proportional */
    assert_true(find_row(cv, "0.25") == find_row(cv, "a_feature"));
    canvas_free(cv);
    chart_free(c);

    /* two series: two rows of bars per category, in two colours */
    c = chart_new(CHART_BARS, NULL);
    chart_add_series(c, "reference");
    chart_add_series(c, "current");
    {
        static const double paris[] = {0.5, 0.3}, lyon[] = {0.2, 0.4};

        chart_category(c, "Paris", paris);
        chart_category(c, "Lyon", lyon);
    }
    cv = draw(c, 60, 14, GLYPHS_BRAILLE);
    {
        int row = find_row(cv, "Paris");

        assert_int_equal(at(cv, 10, row)->colour, CHART_SERIES1);
        assert_int_equal(at(cv, 10, row + 1)->colour, CHART_SERIES1 + 1);
        assert_true(find_row(cv, "reference") >= 0);
        assert_true(find_row(cv, "current") >= 0);
    }
    canvas_free(cv);
    chart_free(c);
}

/* A confusion matrix: every count printed, the largest cell darkest, the
 * empty ones unshaded; without colour the shades show as glyphs. */
static void
test_heat(void **state)
{
    struct chart *c = confusion_chart();
    struct canvas *cv = draw(c, 60, 16, GLYPHS_BRAILLE);
    char *text = canvas_text(cv, 0), *ascii;
    int row50 = find_row(cv, " 50 "), row3 = find_row(cv, " 3 ");
    char buf[1024];

    (void)state;
    assert_non_null(strstr(text, "setosa"));
    assert_non_null(strstr(text, "virginica"));
    assert_non_null(strstr(text, "predicted"));
    assert_true(row50 >= 0 && row3 >= 0);
    assert_non_null(strstr(text, " 47 "));
    assert_non_null(strstr(text, " 48 "));
    assert_non_null(strstr(text, " 2 "));
    {
        int x50 = (int)(strstr(row_ascii(cv, row50, buf), " 50 ") - buf) + 1;
        int x3 = (int)(strstr(row_ascii(cv, row3, buf), " 3 ") - buf) + 1;
        int x0 = (int)(strstr(row_ascii(cv, row50, buf), " 0 ") - buf) + 1;

        assert_int_equal(at(cv, x50, row50)->shade, 4);    /* 50 of 50 */
        assert_int_equal(at(cv, x3, row3)->shade, 1);      /* 3 of 50 */
        assert_int_equal(at(cv, x0, row50)->shade, 0);     /* nothing */
        assert_true(at(cv, x50, row50)->bold);             /* the diagonal */
        assert_int_equal(at(cv, x50 - 3, row50)->shade, 4); /* the cell around it too */
    }
    /* the darkest glyph on the 50's line, none on setosa's row of zeros */
    {
        const char *line = strstr(text, " 50 ");
        const char *start = line, *end = strchr(line, '\n');
        int full = 0;

        while (start > text && start[-1] != '\n')
            start--;
        for (const char *p = start; p + 2 < end; p++)
            full += memcmp(p, "\xe2\x96\x88", 3) == 0;
        assert_true(full >= 4);
    }
    free(text);
    canvas_free(cv);

    ascii = draw_text(c, 60, 8, GLYPHS_ASCII, 0);
    assert_non_null(strstr(ascii, "@ 50 @"));
    assert_non_null(strstr(ascii, ". 3 ."));
    for (const char *p = ascii; *p != '\0'; p++)
        assert_true((unsigned char)*p < 0x80);
    free(ascii);
    chart_free(c);
}

/* Ten classes on 80 columns: cells too narrow for blanks around the count
 * still show their shade beside it in plain text. */
static void
test_heat_narrow(void **state)
{
    static const char *const names[] = {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"};
    double cells[100];
    struct chart *c = chart_new(CHART_HEAT, NULL);
    char *text;

    (void)state;
    for (int i = 0; i < 100; i++)
        cells[i] = i % 11 == 0 ? 170 + i / 11 : (i % 7 == 0 ? 3 : 0);
    chart_matrix(c, 10, 10, names, names, cells);
    text = draw_text(c, 80, 24, GLYPHS_BRAILLE, 0);
    assert_non_null(strstr(text, "\xe2\x96\x88" "170" "\xe2\x96\x88")); /* █170█ */
    assert_non_null(strstr(text, "\xe2\x96\x88" "179" "\xe2\x96\x88"));
    assert_non_null(strstr(text, "\xe2\x96\x91 3 \xe2\x96\x91"));    /* ░ 3 ░ */
    free(text);
    chart_free(c);
}

/* A count of 1 beside 1000 still shows as the lowest eighth of a cell. */
static void
test_hist_small_count(void **state)
{
    static const double edges[] = {0, 1, 2};
    static const double counts0[] = {1000, 1};
    const double *counts[] = {counts0};
    struct chart *c = chart_new(CHART_HIST, NULL);
    char *text;

    (void)state;
    chart_add_series(c, "n");
    chart_bins(c, 2, edges, counts);
    text = draw_text(c, 40, 12, GLYPHS_BRAILLE, 0);
    assert_non_null(strstr(text, "\xe2\x96\x81")); /* ▁ */
    free(text);
    text = draw_text(c, 40, 12, GLYPHS_ASCII, 0);
    assert_non_null(strstr(text, "_"));
    free(text);
    chart_free(c);
}

/* ------------------------------------------------------------------------
 * Text, colour, edge cases
 */

/* No ESC byte without colour; SGR sequences with it; ASCII output is ASCII. */
static void
test_colour(void **state)
{
    struct chart *charts[3] = {curve_chart(), drift_hist(), confusion_chart()};

    (void)state;
    for (int i = 0; i < 3; i++) {
        char *plain = draw_text(charts[i], 80, 24, GLYPHS_BRAILLE, 0);
        char *colour = draw_text(charts[i], 80, 24, GLYPHS_BRAILLE, 1);
        char *ascii = draw_text(charts[i], 80, 24, GLYPHS_ASCII, 0);
        int lines = 0;

        assert_null(strchr(plain, '\033'));
        assert_non_null(strstr(colour, "\033["));
        assert_non_null(strstr(colour, "\033[0m\n")); /* reset before the line ends */
        for (const char *p = ascii; *p != '\0'; p++)
            assert_true((unsigned char)*p < 0x80);
        for (const char *p = plain; *p != '\0'; p++)
            lines += *p == '\n';
        assert_int_equal(lines, 24);          /* one line per row */
        assert_null(strstr(plain, " \n"));    /* trailing blanks trimmed */
        free(plain);
        free(colour);
        free(ascii);
        chart_free(charts[i]);
    }
}

/* Charts with nothing to draw say so, whatever their kind. */
static void
test_no_data(void **state)
{
    struct chart *c[5];
    double nan1[] = {NAN};

    (void)state;
    c[0] = chart_new(CHART_LINE, "empty");
    c[1] = chart_new(CHART_LINE, "only NaN");
    chart_add_series(c[1], "y");
    chart_point(c[1], 0, 1, NAN);
    chart_point(c[1], 0, INFINITY, 1);
    c[2] = chart_new(CHART_HIST, NULL);
    chart_add_series(c[2], "x");
    c[3] = chart_new(CHART_BARS, NULL);
    chart_add_series(c[3], "x");
    chart_category(c[3], "a", nan1);
    c[4] = chart_new(CHART_HEAT, NULL);
    chart_matrix(c[4], 0, 0, NULL, NULL, NULL);
    for (int i = 0; i < 5; i++) {
        for (int g = 0; g < 3; g++) {
            char *text = draw_text(c[i], 40, 10, (enum chart_glyphs)g, 0);

            assert_non_null(strstr(text, "no data"));
            free(text);
        }
        chart_free(c[i]);
    }
}

/* NaN and infinities are left out: the axes come out as without them. */
static void
test_nonfinite_skipped(void **state)
{
    struct chart *clean = identity_chart("t"), *dirty = identity_chart("t");
    char *a, *b;

    (void)state;
    chart_point(dirty, 0, 101, NAN);
    chart_point(dirty, 0, INFINITY, 50);
    chart_point(dirty, 0, 102, -INFINITY);
    chart_point(dirty, 0, NAN, NAN);
    chart_point(dirty, 0, 103, INFINITY);
    for (int g = 0; g < 3; g++) {
        a = draw_text(clean, 50, 14, (enum chart_glyphs)g, 0);
        b = draw_text(dirty, 50, 14, (enum chart_glyphs)g, 0);
        assert_string_equal(a, b);
        free(a);
        free(b);
    }
    chart_free(clean);
    chart_free(dirty);

    /* a NaN in the middle breaks the line, it does not drop to zero */
    clean = chart_new(CHART_LINE, NULL);
    chart_add_series(clean, "y");
    for (int i = 0; i < 40; i++)
        chart_point(clean, 0, i, i == 20 ? NAN : 10);
    a = draw_text(clean, 40, 10, GLYPHS_ASCII, 0);
    assert_true(count_char(a, '*') >= 30);
    {
        struct canvas *cv = draw(clean, 40, 10, GLYPHS_ASCII);
        int rows = 0;

        for (int y = 0; y < cv->h; y++) {
            int marks = 0;

            for (int x = 0; x < cv->w; x++)
                marks += at(cv, x, y)->ch == '*';
            rows += marks > 0;
        }
        assert_int_equal(rows, 1); /* flat: every mark on one row */
        canvas_free(cv);
    }
    free(a);
    chart_free(clean);
}

/* One point, or all-equal values, still draw with a padded range. */
static void
test_degenerate_ranges(void **state)
{
    struct chart *c = chart_new(CHART_LINE, NULL);
    struct canvas *cv;
    int marks = 0;
    char *text;

    (void)state;
    chart_add_series(c, "one");
    chart_point(c, 0, 5, 7);
    cv = draw(c, 40, 12, GLYPHS_ASCII);
    for (size_t k = 0; k < (size_t)cv->w * (size_t)cv->h; k++)
        marks += cv->cells[k].ch == '*';
    assert_int_equal(marks, 1);
    text = canvas_text(cv, 0);
    assert_non_null(strstr(text, "7")); /* a tick near the value */
    free(text);
    canvas_free(cv);
    chart_free(c);

    c = chart_new(CHART_SCATTER, NULL);
    chart_add_series(c, "flat");
    for (int i = 0; i < 10; i++)
        chart_point(c, 0, 3, 0);
    text = draw_text(c, 30, 10, GLYPHS_BRAILLE, 0);
    assert_null(strstr(text, "no data"));
    assert_non_null(strstr(text, "0"));
    free(text);
    chart_free(c);
}

/* A 100,000-point noisy series: the decimated line still reaches every
 * column between its first and last, with no gaps. */
static void
test_many_points(void **state)
{
    struct chart *c = chart_new(CHART_LINE, NULL);
    struct canvas *cv;
    uint64_t seed = 42;
    int first = -1, last = -1;

    (void)state;
    chart_add_series(c, "noisy");
    for (int i = 0; i < 100000; i++) {
        seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
        chart_point(c, 0, i, sin(i / 5000.0) + (double)(seed >> 11) / 9007199254740992.0);
    }
    cv = draw(c, 120, 30, GLYPHS_BRAILLE);
    for (int x = 0; x < cv->w; x++) {
        int any = 0;

        for (int y = 0; y < cv->h; y++)
            any |= at(cv, x, y)->ch > 0x2800 && at(cv, x, y)->ch <= 0x28ff;
        if (any) {
            if (first < 0)
                first = x;
            last = x;
        }
    }
    assert_true(first >= 0 && first <= 8);
    assert_int_equal(last, cv->w - 1);
    for (int x = first; x <= last; x++) {
        int any = 0;

        for (int y = 0; y < cv->h; y++)
            any |= at(cv, x, y)->ch > 0x2800 && at(cv, x, y)->ch <= 0x28ff;
        assert_true(any);
    }
    canvas_free(cv);
    chart_free(c);
}

/* Every kind on small and tiny canvases: no crash, nothing outside; at
 * 20 x 6 a curve still shows its marks and a y label, without its title. */
static void
test_tiny_canvases(void **state)
{
    static const int sizes[][2] = {{20, 6}, {1, 1}, {2, 2}, {5, 3}, {10, 4}, {12, 5}, {0, -3}};
    struct chart *c[6] = {curve_chart(), identity_chart("y"), drift_hist(), confusion_chart(),
                          chart_new(CHART_BARS, "b"), chart_new(CHART_SCATTER, "s")};
    struct canvas *cv;
    char *text;

    (void)state;
    chart_add_series(c[4], "v");
    chart_category(c[4], "a-long-category-label", (const double[]){3});
    chart_add_series(c[5], "p");
    chart_point(c[5], 0, 1, 2);
    chart_point(c[5], 0, 2, 1);
    for (int i = 0; i < 6; i++)
        for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++)
            for (int g = 0; g < 3; g++) {
                cv = draw(c[i], sizes[k][0], sizes[k][1], (enum chart_glyphs)g);
                assert_true(cv->w >= 1 && cv->h >= 1);
                text = canvas_text(cv, g == 0);
                assert_non_null(text);
                free(text);
                canvas_free(cv);
            }
    cv = draw(c[0], 20, 6, GLYPHS_ASCII);
    text = canvas_text(cv, 0);
    assert_null(strstr(text, "curve of run 3")); /* the title gave way */
    assert_null(strstr(text, "val_loss"));       /* so did the legend */
    assert_true(count_char(text, '*') + count_char(text, '+') > 12); /* the curves */
    assert_non_null(strstr(text, "0+"));
    free(text);
    canvas_free(cv);
    for (int i = 0; i < 6; i++)
        chart_free(c[i]);
}

/* Values at double's limits draw without trouble (the sanitizer build runs
 * this): the marks are there and the SVG stays well-formed. */
static void
test_extreme_values(void **state)
{
    static const double vals[] = {1e308, -1e308, 4.9e-324, 1e-320, 1e15, 1e15 + 2, -0.0};
    static const double edges[] = {-1e308, 0, 1e308};
    static const double counts0[] = {1e308, 1e-300};
    const double *counts[] = {counts0};
    struct chart *c[4];

    (void)state;
    c[0] = chart_new(CHART_LINE, "line");
    chart_add_series(c[0], "y");
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++)
        chart_point(c[0], 0, (double)i, vals[i]);
    c[1] = chart_new(CHART_SCATTER, "tiny");
    chart_add_series(c[1], "y");
    chart_point(c[1], 0, 4.9e-324, 4.9e-324);
    chart_point(c[1], 0, 1e-323, 1e-323);
    c[2] = chart_new(CHART_HIST, "hist");
    chart_add_series(c[2], "n");
    chart_bins(c[2], 2, edges, counts);
    c[3] = chart_new(CHART_BARS, "bars");
    chart_add_series(c[3], "v");
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++)
        chart_category(c[3], "v", &vals[i]);
    for (int i = 0; i < 4; i++) {
        char *svg = svg_of(c[i], 500, 300);
        int elements;

        for (int g = 0; g < 3; g++) {
            char *text = draw_text(c[i], 60, 16, (enum chart_glyphs)g, 0);

            assert_null(strstr(text, "no data"));
            assert_non_null(strstr(text, c[i]->title));
            free(text);
        }
        assert_true(well_formed(svg, &elements));
        free(svg);
        chart_free(c[i]);
    }
}

/* A copy draws the same and lives on its own. */
static void
test_copy(void **state)
{
    struct chart *c = curve_chart(), *d = chart_copy(c), *h = drift_hist(),
                 *hc = chart_copy(h), *m = confusion_chart(), *mc = chart_copy(m);
    char *a, *b;

    (void)state;
    a = draw_text(c, 70, 20, GLYPHS_BRAILLE, 1);
    b = draw_text(d, 70, 20, GLYPHS_BRAILLE, 1);
    assert_string_equal(a, b);
    free(b);
    chart_point(c, 0, 500, 100); /* changes the original only */
    b = draw_text(d, 70, 20, GLYPHS_BRAILLE, 1);
    assert_string_equal(a, b);
    free(a);
    free(b);
    a = draw_text(h, 50, 12, GLYPHS_ASCII, 0);
    b = draw_text(hc, 50, 12, GLYPHS_ASCII, 0);
    assert_string_equal(a, b);
    free(a);
    free(b);
    a = draw_text(m, 50, 12, GLYPHS_ASCII, 0);
    b = draw_text(mc, 50, 12, GLYPHS_ASCII, 0);
    assert_string_equal(a, b);
    free(a);
    free(b);
    chart_free(c);
    chart_free(d);
    chart_free(h);
    chart_free(hc);
    chart_free(m);
    chart_free(mc);
    chart_free(NULL);
    canvas_free(NULL);
}

/* Labels with control bytes or bad UTF-8 cannot break the grid. */
static void
test_odd_labels(void **state)
{
    struct chart *c = chart_new(CHART_BARS, "t\x1b[31mitle\xff");
    struct canvas *cv;
    char *text;

    (void)state;
    chart_add_series(c, "v");
    chart_category(c, "caf\xc3\xa9\n\x80", (const double[]){1});
    cv = draw(c, 40, 10, GLYPHS_BRAILLE);
    text = canvas_text(cv, 0);
    assert_null(strchr(text, '\033'));
    assert_non_null(strstr(text, "caf\xc3\xa9?\xef\xbf\xbd"));
    free(text);
    canvas_free(cv);
    text = draw_text(c, 40, 10, GLYPHS_ASCII, 0);
    assert_non_null(strstr(text, "caf??"));
    free(text);
    chart_free(c);
}

/* ------------------------------------------------------------------------
 * SVG
 */

/* Whether the elements of SVG nest properly: every start tag closed in
 * order, attributes quoted, no '<' or '&' loose in text. */
static int
well_formed(const char *svg, int *elements)
{
    const char *stack[64];
    size_t lens[64];
    int depth = 0;
    const char *p = svg;

    *elements = 0;
    if (strncmp(p, "<?xml", 5) == 0)
        p = strstr(p, "?>") + 2;
    while (*p != '\0') {
        if (*p == '&') {
            if (strncmp(p, "&amp;", 5) != 0 && strncmp(p, "&lt;", 4) != 0 &&
                strncmp(p, "&gt;", 4) != 0 && strncmp(p, "&quot;", 6) != 0 &&
                strncmp(p, "&apos;", 6) != 0)
                return 0;
            p++;
            continue;
        }
        if (*p != '<') {
            p++;
            continue;
        }
        if (p[1] == '/') {
            const char *name = p + 2;
            size_t len = strcspn(name, ">");

            if (depth == 0 || len != lens[depth - 1] || strncmp(name, stack[depth - 1], len))
                return 0;
            depth--;
            p = name + len + 1;
            continue;
        }
        {
            const char *name = p + 1, *q;
            size_t len = strcspn(name, " />");
            int quotes = 0;

            for (q = name + len; *q != '\0' && (*q != '>' || quotes % 2 == 1); q++) {
                quotes += *q == '"';
                if (*q == '<')
                    return 0;
            }
            if (*q != '>' || quotes % 2 != 0)
                return 0;
            (*elements)++;
            if (q[-1] != '/') {
                if (depth == 64)
                    return 0;
                stack[depth] = name;
                lens[depth] = len;
                depth++;
            }
            p = q + 1;
        }
    }
    return depth == 0;
}

static char *
svg_of(const struct chart *c, int w, int h)
{
    struct strbuf sb = STRBUF_INIT;

    chart_svg(c, w, h, &sb);
    return strbuf_detach(&sb, NULL);
}

/* Run xmllint over SVG when it is installed; its verdict, or 0 without it. */
static int
xmllint(const char *svg, const char *name)
{
    char *dir, *path, *cmd;
    int rc;

    if (system("command -v xmllint >/dev/null 2>&1") != 0)
        return 0;
    dir = tu_tmpdir("chart");
    path = tu_write_file(dir, name, svg, strlen(svg));
    cmd = malloc(strlen(path) + 64);
    sprintf(cmd, "xmllint --noout '%s'", path);
    rc = system(cmd);
    free(cmd);
    free(path);
    free(dir);
    return rc;
}

/* Every kind as SVG: a standalone, well-formed document with its title,
 * labels and legend; xmllint agrees. */
static void
test_svg_documents(void **state)
{
    struct chart *c[6] = {curve_chart(), identity_chart("identity"), drift_hist(),
                          confusion_chart(), chart_new(CHART_BARS, "importance"),
                          chart_new(CHART_SCATTER, "scatter")};
    static const char *const names[6] = {"curve.svg", "line.svg", "hist.svg",
                                         "heat.svg",  "bars.svg", "scatter.svg"};

    (void)state;
    c[1]->diagonal = 1;
    chart_add_series(c[4], "importance");
    chart_category(c[4], "x1", (const double[]){0.4});
    chart_category(c[4], "x2", (const double[]){-0.1});
    chart_add_series(c[5], "a");
    chart_add_series(c[5], "b");
    for (int i = 0; i < 50; i++) {
        chart_point(c[5], 0, i, i % 7);
        chart_point(c[5], 1, i, i % 5 + 0.5);
    }
    for (int i = 0; i < 6; i++) {
        char *svg = svg_of(c[i], 640, 400);
        int elements;

        assert_non_null(strstr(svg, "<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assert_non_null(strstr(svg, "width=\"640\" height=\"400\" viewBox=\"0 0 640 400\""));
        assert_non_null(strstr(svg, "fill=\"#ffffff\"")); /* the white background */
        assert_non_null(strstr(svg, c[i]->title));
        assert_true(well_formed(svg, &elements));
        assert_true(elements > 8);
        assert_null(strstr(svg, "<script"));
        assert_null(strstr(svg, "href"));
        assert_int_equal(xmllint(svg, names[i]), 0);
        free(svg);
    }
    {
        char *svg = svg_of(c[0], 640, 400);

        assert_non_null(strstr(svg, ">loss</text>"));
        assert_non_null(strstr(svg, ">val_loss</text>"));
        assert_non_null(strstr(svg, ">iteration</text>"));
        assert_non_null(strstr(svg, "stroke-dasharray")); /* the second series in print */
        free(svg);
        svg = svg_of(c[3], 500, 400);
        assert_non_null(strstr(svg, ">50</text>"));
        assert_non_null(strstr(svg, ">47</text>"));
        assert_non_null(strstr(svg, ">3</text>"));
        assert_non_null(strstr(svg, ">virginica</text>"));
        free(svg);
        svg = svg_of(c[2], 640, 400);
        assert_non_null(strstr(svg, "<title>current: 35</title>"));
        free(svg);
    }
    for (int i = 0; i < 6; i++)
        chart_free(c[i]);
}

/* Text is escaped, wherever it goes. */
static void
test_svg_escapes(void **state)
{
    struct chart *c = chart_new(CHART_BARS, "a<b&\"c\"");
    char *svg;
    int elements;

    (void)state;
    chart_axes(c, "x<y", "it's");
    chart_add_series(c, "s&p");
    chart_add_series(c, "<script>");
    chart_category(c, "a<b&\"c\"", (const double[]){1, 2});
    chart_category(c, "bad \xff utf-8 \x01", (const double[]){3, 4});
    svg = svg_of(c, 600, 300);
    assert_non_null(strstr(svg, "a&lt;b&amp;&quot;c&quot;"));
    assert_null(strstr(svg, "a<b"));
    assert_non_null(strstr(svg, "x&lt;y"));
    assert_non_null(strstr(svg, "it&apos;s"));
    assert_non_null(strstr(svg, "s&amp;p"));
    assert_null(strstr(svg, "<script"));
    assert_non_null(strstr(svg, "bad \xef\xbf\xbd utf-8 <"));
    assert_true(well_formed(svg, &elements));
    assert_int_equal(xmllint(svg, "escapes.svg"), 0);
    free(svg);
    chart_free(c);
}

/* A 100,000-point curve stays small: decimated per pixel column. */
static void
test_svg_size(void **state)
{
    struct chart *c = chart_new(CHART_LINE, "big");
    size_t s = chart_add_series(c, "loss");
    uint64_t seed = 7;
    char *svg, *empty;
    struct chart *none = chart_new(CHART_HIST, "none");

    (void)state;
    for (int i = 0; i < 100000; i++) {
        seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
        chart_point(c, s, i, exp(-i / 20000.0) + 0.1 * (double)(seed >> 11) / 9007199254740992.0);
    }
    chart_point(c, s, 100000, NAN);
    chart_point(c, s, 100001, 0.5);
    svg = svg_of(c, 800, 450);
    assert_true(strlen(svg) < 200000);
    assert_true(strlen(svg) > 5000);
    assert_non_null(strstr(svg, "h0")); /* the lone point after the NaN, as a dot */
    free(svg);
    empty = svg_of(none, 400, 300);
    assert_non_null(strstr(empty, "no data"));
    free(empty);
    chart_free(c);
    chart_free(none);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_line_rises),
        cmocka_unit_test(test_tick_labels),
        cmocka_unit_test(test_ticks),
        cmocka_unit_test(test_legend),
        cmocka_unit_test(test_logy),
        cmocka_unit_test(test_hist_two_series),
        cmocka_unit_test(test_hist_unequal_bins),
        cmocka_unit_test(test_bars),
        cmocka_unit_test(test_heat),
        cmocka_unit_test(test_heat_narrow),
        cmocka_unit_test(test_hist_small_count),
        cmocka_unit_test(test_colour),
        cmocka_unit_test(test_no_data),
        cmocka_unit_test(test_nonfinite_skipped),
        cmocka_unit_test(test_degenerate_ranges),
        cmocka_unit_test(test_many_points),
        cmocka_unit_test(test_tiny_canvases),
        cmocka_unit_test(test_extreme_values),
        cmocka_unit_test(test_copy),
        cmocka_unit_test(test_odd_labels),
        cmocka_unit_test(test_svg_documents),
        cmocka_unit_test(test_svg_escapes),
        cmocka_unit_test(test_svg_size),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
