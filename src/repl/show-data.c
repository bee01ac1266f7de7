/*
 * show-data.c - the views of a dataset for `show`: a column's histogram (or
 * a categorical column's level counts) and a scatter plot of two columns.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <config.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/chart.h"
#include "core/frame.h"
#include "core/strbuf.h"
#include "core/table.h"
#include "core/xalloc.h"
#include "repl/cmd.h"
#include "repl/session.h"
#include "repl/show.h"
#include "repl/view.h"

/* Rows a scatter plot draws (every k-th past this): enough for the eye,
 * small enough for SVG. */
#define MAX_SCATTER_POINTS 20000
/* Groups of a scatter plot's by=: past this, colours repeat and no legend fits. */
#define MAX_SCATTER_GROUPS 12
/* As `hist`. */
#define MAX_BINS 1000

/* --- show hist, scatter ------------------------------------------------- */

/* The column NAME of D, or -1 after cmd_error(). */
static long
need_column(struct session *s, const struct dataset *d, const char *name)
{
    long c = frame_find(d->frame, name);

    if (c < 0)
        cmd_error(s, "'%s' has no column '%s'", d->name, name);
    return c;
}

/* A categorical column's levels as bars (counts). */
static struct view *
level_bars(const struct dataset *d, size_t col)
{
    size_t n = frame_rows(d->frame), k = frame_nlevels(d->frame, col), missing = 0;
    const int32_t *codes = frame_codes(d->frame, col);
    double *count = xcalloc(k ? k : 1, sizeof *count);
    struct chart *c;
    struct view *v;
    char *title;

    for (size_t i = 0; i < n; i++) {
        if (codes[i] < 0)
            missing++;
        else
            count[codes[i]]++;
    }
    title = xasprintf("%s of '%s': %zu values in %zu levels", frame_col_name(d->frame, col),
                      d->name, n - missing, k);
    c = chart_new(CHART_BARS, title);
    chart_axes(c, "count", frame_col_name(d->frame, col));
    chart_add_series(c, "count");
    for (size_t j = 0; j < k; j++)
        chart_category(c, frame_level(d->frame, col, (int32_t)j), &count[j]);
    v = view_new(title);
    view_chart(v, c);
    if (missing > 0) {
        char *text = xasprintf("%zu missing values not counted", missing);

        view_text(v, text);
        free(text);
    }
    free(title);
    free(count);
    return v;
}

/* show hist DATASET COLUMN [bins=N]: a numeric column's histogram, with
 * `hist`'s bins (Sturges' number unless told, [from, to), the last one
 * closed); a categorical column's level counts as bars. */
struct view *
show_hist(struct session *s, int argc, char **argv)
{
    static const char *const keys[] = {"bins"};
    const char *val[1];
    struct dataset *d;
    const double *x;
    double lo = INFINITY, hi = -INFINITY, width, *edges, *count;
    size_t n, m = 0, bins = 0;
    struct chart *c;
    struct view *v;
    char *title;
    long col;

    if (cmd_keywords(s, argc - 2, argv + 2, 1, keys, val) < 0 ||
        (val[0] != NULL && cmd_parse_size(s, "bins", val[0], &bins) < 0))
        return NULL;
    if (val[0] != NULL && (bins < 1 || bins > MAX_BINS)) {
        cmd_error(s, "bins must be from 1 to %d, not %zu", MAX_BINS, bins);
        return NULL;
    }
    if ((d = session_need_dataset(s, argv[0])) == NULL || (col = need_column(s, d, argv[1])) < 0)
        return NULL;
    if (frame_col_type(d->frame, (size_t)col) != AIWB_NUMERIC) {
        if (val[0] != NULL) {
            cmd_error(s, "show hist: '%s' is categorical: its levels are the bars, bins= is "
                         "for numeric columns", argv[1]);
            return NULL;
        }
        return level_bars(d, (size_t)col);
    }
    x = frame_numeric(d->frame, (size_t)col);
    n = frame_rows(d->frame);
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(x[i]))
            continue;
        m++;
        lo = x[i] < lo ? x[i] : lo;
        hi = x[i] > hi ? x[i] : hi;
    }
    if (m == 0) {
        cmd_error(s, "'%s' has no finite values to count", argv[1]);
        return NULL;
    }
    if (bins == 0) /* Sturges' rule, as R's hist() and `hist` */
        bins = (size_t)ceil(log2((double)m)) + 1;
    if (lo == hi)
        bins = 1;
    width = (hi - lo) / (double)bins;
    edges = xmalloc((bins + 1) * sizeof *edges);
    count = xcalloc(bins, sizeof *count);
    for (size_t b = 0; b <= bins; b++)
        edges[b] = b == bins ? hi : lo + width * (double)b;
    if (lo == hi) { /* one value: a bin of width 1 around it */
        edges[0] = lo - 0.5;
        edges[1] = hi + 0.5;
    }
    for (size_t i = 0; i < n; i++) {
        size_t b;

        if (!isfinite(x[i]))
            continue;
        b = width > 0 ? (size_t)((x[i] - lo) / width) : 0;
        count[b < bins ? b : bins - 1]++;
    }
    title = xasprintf("%s of '%s': %zu values in %zu bins%s", argv[1], d->name, m, bins,
                      m < n ? " (missing values not counted)" : "");
    c = chart_new(CHART_HIST, title);
    chart_axes(c, argv[1], "count");
    chart_add_series(c, argv[1]);
    chart_bins(c, bins, edges, (const double *const *)&count);
    v = view_new(title);
    view_chart(v, c);
    free(title);
    free(edges);
    free(count);
    return v;
}

/* show scatter DATASET X Y [by=COLUMN]: Y against X, a series (colour) per
 * value of COLUMN. */
struct view *
show_scatter(struct session *s, int argc, char **argv)
{
    static const char *const keys[] = {"by"};
    const char *val[1];
    struct dataset *d;
    long cx, cy, cb = -1;
    const double *x, *y;
    int32_t *group = NULL;
    size_t n, ngroups = 1, step = 1, shown = 0, *series = NULL, missing_series = 0;
    int has_missing = 0;
    struct chart *c;
    struct view *v;
    struct strbuf title = STRBUF_INIT;

    if (cmd_keywords(s, argc - 3, argv + 3, 1, keys, val) < 0 ||
        (d = session_need_dataset(s, argv[0])) == NULL || (cx = need_column(s, d, argv[1])) < 0 ||
        (cy = need_column(s, d, argv[2])) < 0 ||
        (val[0] != NULL && (cb = need_column(s, d, val[0])) < 0))
        return NULL;
    for (int k = 0; k < 2; k++) {
        long col = k == 0 ? cx : cy;

        if (frame_col_type(d->frame, (size_t)col) != AIWB_NUMERIC) {
            cmd_error(s, "show scatter: '%s' is categorical: x and y must be numeric (colour by "
                         "it with by=%s)", frame_col_name(d->frame, (size_t)col),
                      frame_col_name(d->frame, (size_t)col));
            return NULL;
        }
    }
    n = frame_rows(d->frame);
    if (cb >= 0 && (group = cmd_strata(s, d->frame, (size_t)cb, &ngroups)) == NULL) {
        /* Its message speaks of strata. */
        cmd_error(s, "show scatter: '%s' has too many values: by= takes a column of at most "
                     "%d, one colour each", val[0], MAX_SCATTER_GROUPS);
        return NULL;
    }
    if (ngroups > MAX_SCATTER_GROUPS) {
        cmd_error(s, "show scatter: '%s' has %zu values: by= takes a column of at most %d, one "
                     "colour each", val[0], ngroups, MAX_SCATTER_GROUPS);
        free(group);
        return NULL;
    }
    x = frame_numeric(d->frame, (size_t)cx);
    y = frame_numeric(d->frame, (size_t)cy);
    strbuf_addf(&title, "%s against %s of '%s'", argv[2], argv[1], d->name);
    if (cb >= 0)
        strbuf_addf(&title, " by %s", val[0]);
    c = chart_new(CHART_SCATTER, strbuf_str(&title));
    chart_axes(c, argv[1], argv[2]);
    /* A series per group, in the order of their codes; missing last. */
    series = xcalloc(ngroups ? ngroups : 1, sizeof *series);
    for (size_t g = 0; g < ngroups; g++) {
        char buf[32];
        const char *name = argv[2];

        if (cb >= 0 && frame_col_type(d->frame, (size_t)cb) == AIWB_CATEGORICAL) {
            name = frame_level(d->frame, (size_t)cb, (int32_t)g);
        } else if (cb >= 0) {
            for (size_t i = 0; i < n; i++)
                if (group[i] == (int32_t)g) {
                    name = frame_cell_text(d->frame, (size_t)cb, i, buf);
                    break;
                }
        }
        series[g] = chart_add_series(c, name);
    }
    for (size_t i = 0; cb >= 0 && i < n; i++)
        has_missing |= group[i] < 0;
    if (has_missing)
        missing_series = chart_add_series(c, "NA");
    if (n > MAX_SCATTER_POINTS)
        step = (n + MAX_SCATTER_POINTS - 1) / MAX_SCATTER_POINTS;
    for (size_t i = 0; i < n; i += step) {
        if (!isfinite(x[i]) || !isfinite(y[i]))
            continue;
        chart_point(c, cb < 0 ? 0 : group[i] < 0 ? missing_series : series[group[i]], x[i],
                    y[i]);
        shown++;
    }
    v = view_new(strbuf_str(&title));
    view_chart(v, c);
    {
        char *text = step > 1 ? xasprintf("%zu points: every %zu%s row of %zu", shown, step,
                                          step == 2 ? "nd" : step == 3 ? "rd" : "th", n)
                              : xasprintf("%zu points%s", shown,
                                          shown < n ? " (rows with a missing x or y left out)"
                                                    : "");

        view_text(v, text);
        free(text);
    }
    strbuf_release(&title);
    free(group);
    free(series);
    return v;
}

