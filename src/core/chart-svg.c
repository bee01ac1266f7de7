/*
 * chart-svg.c - a chart as a standalone SVG 1.1 document: the same ranges,
 * ticks and labels as the terminal drawing, in a palette that reads in print.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <config.h>

#include "core/chart.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/strbuf.h"
#include "core/xalloc.h"

/* Okabe and Ito's colours (distinct for colour-blind readers and in print),
 * with dashes for lines beyond the first so that grey print tells them apart. */
static const char *const palette[6] = {"#0072b2", "#d55e00", "#009e73",
                                       "#cc79a7", "#e69f00", "#56b4e9"};
static const char *const dashes[6] = {NULL, "7,3", "2,2", "9,3,2,3", "4,4", "1,3"};

#define FONT 12.0
#define CHARW (FONT * 0.6) /* the width of a character, near enough for layout */

/* What a chart_svg call works with. */
struct svg {
    const struct chart *c;
    struct strbuf *out;
    double w, h;
    double px, py, pw, ph; /* the plot area */
    double xlo, xhi, ylo, yhi;
    struct chart_ticks xt, yt;
    int legend_rows;
};

/* V with one decimal, whatever the locale (integers only go through printf). */
static void
num(struct strbuf *sb, double v)
{
    long t;

    if (!(v > -1e6))
        v = v != v ? 0 : -1e6;
    if (v > 1e6)
        v = 1e6;
    t = lround(v * 10);
    if (t < 0) {
        strbuf_addch(sb, '-');
        t = -t;
    }
    strbuf_addf(sb, "%ld", t / 10);
    if (t % 10 != 0)
        strbuf_addf(sb, ".%ld", t % 10);
}

/* NAME="V" with V as num() writes it, after a blank. */
static void
attr(struct strbuf *sb, const char *name, double v)
{
    strbuf_addf(sb, " %s=\"", name);
    num(sb, v);
    strbuf_addch(sb, '"');
}

/* S as XML character data: markup characters escaped, control characters
 * dropped, invalid UTF-8 as U+FFFD. */
static void
escape(struct strbuf *sb, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;

    if (s == NULL)
        return;
    while (*p != '\0') {
        const unsigned char *start = p;
        uint32_t c = chart_utf8_next(&p);

        switch (c) {
        case '&':
            strbuf_adds(sb, "&amp;");
            break;
        case '<':
            strbuf_adds(sb, "&lt;");
            break;
        case '>':
            strbuf_adds(sb, "&gt;");
            break;
        case '"':
            strbuf_adds(sb, "&quot;");
            break;
        case '\'':
            strbuf_adds(sb, "&apos;");
            break;
        case 0xfffd:
            strbuf_adds(sb, "\xef\xbf\xbd");
            break;
        default:
            if (c < 0x20 || c == 0x7f || c == 0xfffe || c == 0xffff)
                break;
            strbuf_add(sb, start, (size_t)(p - start));
        }
    }
}

static double
text_px(const char *s, double size)
{
    const unsigned char *p = (const unsigned char *)s;
    int n = 0;

    if (s == NULL)
        return 0;
    while (*p != '\0') {
        chart_utf8_next(&p);
        n++;
    }
    return n * size * 0.6;
}

static int
has_text(const char *s)
{
    return s != NULL && s[0] != '\0';
}

/* A <text> element at (X, Y) anchored ANCHOR ("start", "middle", "end"),
 * with EXTRA attributes (may be ""). */
static void
text(struct strbuf *sb, double x, double y, const char *anchor, const char *extra,
     const char *s)
{
    strbuf_adds(sb, "<text");
    attr(sb, "x", x);
    attr(sb, "y", y);
    if (strcmp(anchor, "start") != 0)
        strbuf_addf(sb, " text-anchor=\"%s\"", anchor);
    strbuf_addf(sb, "%s%s>", extra[0] != '\0' ? " " : "", extra);
    escape(sb, s);
    strbuf_adds(sb, "</text>\n");
}

/* ------------------------------------------------------------------------
 * Mapping and axes
 */

static double
sx(const struct svg *g, double x)
{
    double f = (x - g->xlo) / (g->xhi - g->xlo);

    if (!(f >= 0))
        f = 0;
    if (f > 1)
        f = 1;
    return g->px + f * g->pw;
}

static double
sy(const struct svg *g, double y)
{
    double f = (y - g->ylo) / (g->yhi - g->ylo);

    if (!(f >= 0))
        f = 0;
    if (f > 1)
        f = 1;
    return g->py + g->ph - f * g->ph;
}

static double
max_label_px(const struct chart_ticks *t)
{
    double w = 0;

    for (int i = 0; i < t->n; i++)
        if (text_px(t->label[i], FONT) > w)
            w = text_px(t->label[i], FONT);
    return w;
}

/* Whether the x labels of T leave 12 pixels at least between them. */
static int
xlabels_fit(const struct svg *g, const struct chart_ticks *t)
{
    double end = -1e9;

    for (int i = 0; i < t->n; i++) {
        double half = text_px(t->label[i], FONT) / 2, x = sx(g, t->v[i]);

        if (x - half < end + 12)
            return 0;
        end = x + half;
    }
    return 1;
}

/* X ticks as many as fit: nice values, or unequal HIST bins' edges. */
static void
choose_xticks(struct svg *g, int loose)
{
    const struct chart *c = g->c;

    if (c->kind == CHART_HIST && !chart_equal_bins(c)) {
        size_t nb = c->ncat;

        for (size_t k = (nb + CHART_MAXTICKS) / CHART_MAXTICKS; k <= nb; k++) {
            g->xt.n = 0;
            for (size_t b = 0; b <= nb && g->xt.n < CHART_MAXTICKS; b += k) {
                g->xt.v[g->xt.n] = (double)b;
                chart_format_value(g->xt.label[g->xt.n], c->edges[b]);
                g->xt.n++;
            }
            if (xlabels_fit(g, &g->xt))
                return;
        }
        return;
    }
    for (int maxn = (int)(g->pw / 40) + 1; maxn >= 2; maxn--) {
        chart_ticks(&g->xt, g->xlo, g->xhi, maxn, loose, 0);
        if (loose) {
            g->xlo = g->xt.lo;
            g->xhi = g->xt.hi;
        }
        if (xlabels_fit(g, &g->xt))
            return;
    }
}

/* Gridlines, axis lines, ticks, tick labels and axis titles. */
static void
draw_axes(struct svg *g, int xgrid, int ygrid)
{
    struct strbuf *sb = g->out;
    double bottom = g->py + g->ph;

    strbuf_adds(sb, "<g stroke=\"#e5e5e5\" stroke-width=\"1\">\n");
    for (int i = 0; ygrid && i < g->yt.n; i++) {
        strbuf_adds(sb, "<line");
        attr(sb, "x1", g->px);
        attr(sb, "y1", sy(g, g->yt.v[i]));
        attr(sb, "x2", g->px + g->pw);
        attr(sb, "y2", sy(g, g->yt.v[i]));
        strbuf_adds(sb, "/>\n");
    }
    for (int i = 0; xgrid && i < g->xt.n; i++) {
        strbuf_adds(sb, "<line");
        attr(sb, "x1", sx(g, g->xt.v[i]));
        attr(sb, "y1", g->py);
        attr(sb, "x2", sx(g, g->xt.v[i]));
        attr(sb, "y2", bottom);
        strbuf_adds(sb, "/>\n");
    }
    strbuf_adds(sb, "</g>\n<g stroke=\"#333333\" stroke-width=\"1\" fill=\"none\">\n<path d=\"M");
    num(sb, g->px);
    strbuf_addch(sb, ' ');
    num(sb, g->py);
    strbuf_adds(sb, "V");
    num(sb, bottom);
    strbuf_adds(sb, "H");
    num(sb, g->px + g->pw);
    for (int i = 0; ygrid && i < g->yt.n; i++) {
        strbuf_adds(sb, "M");
        num(sb, g->px - 4);
        strbuf_addch(sb, ' ');
        num(sb, sy(g, g->yt.v[i]));
        strbuf_adds(sb, "h4");
    }
    for (int i = 0; i < g->xt.n; i++) {
        strbuf_adds(sb, "M");
        num(sb, sx(g, g->xt.v[i]));
        strbuf_addch(sb, ' ');
        num(sb, bottom);
        strbuf_adds(sb, "v4");
    }
    strbuf_adds(sb, "\"/>\n</g>\n<g fill=\"#333333\">\n");
    for (int i = 0; ygrid && i < g->yt.n; i++)
        text(sb, g->px - 7, sy(g, g->yt.v[i]) + 4, "end", "", g->yt.label[i]);
    for (int i = 0; i < g->xt.n; i++)
        text(sb, sx(g, g->xt.v[i]), bottom + 18, "middle", "", g->xt.label[i]);
    if (has_text(g->c->xlabel))
        text(sb, g->px + g->pw / 2, bottom + 36, "middle", "", g->c->xlabel);
    strbuf_adds(sb, "</g>\n");
}

/* The y axis title, turned to read upwards along the axis at X. */
static void
draw_ylabel(struct svg *g, double x)
{
    struct strbuf *sb = g->out;
    double y = g->py + g->ph / 2;

    if (!has_text(g->c->ylabel))
        return;
    strbuf_adds(sb, "<text fill=\"#333333\" text-anchor=\"middle\" transform=\"rotate(-90 ");
    num(sb, x);
    strbuf_addch(sb, ' ');
    num(sb, y);
    strbuf_addch(sb, ')');
    strbuf_addch(sb, '"');
    attr(sb, "x", x);
    attr(sb, "y", y);
    strbuf_addch(sb, '>');
    escape(sb, g->c->ylabel);
    strbuf_adds(sb, "</text>\n");
}

/* ------------------------------------------------------------------------
 * Legend: a row of swatches and names under the title
 */

static void
marker(struct strbuf *sb, int shape, double x, double y)
{
    switch (shape) {
    case 0: /* circle and square: zero-length strokes with round or square caps */
    case 1:
        strbuf_adds(sb, "M");
        num(sb, x);
        strbuf_addch(sb, ' ');
        num(sb, y);
        strbuf_adds(sb, "h0");
        break;
    case 2: /* triangle */
        strbuf_adds(sb, "M");
        num(sb, x);
        strbuf_addch(sb, ' ');
        num(sb, y - 3.5);
        strbuf_adds(sb, "l3.5 6h-7z");
        break;
    case 3: /* diamond */
        strbuf_adds(sb, "M");
        num(sb, x);
        strbuf_addch(sb, ' ');
        num(sb, y - 4);
        strbuf_adds(sb, "l4 4-4 4-4-4z");
        break;
    case 4: /* plus */
        strbuf_adds(sb, "M");
        num(sb, x - 3.5);
        strbuf_addch(sb, ' ');
        num(sb, y);
        strbuf_adds(sb, "h7m-3.5-3.5v7");
        break;
    default: /* cross */
        strbuf_adds(sb, "M");
        num(sb, x - 3);
        strbuf_addch(sb, ' ');
        num(sb, y - 3);
        strbuf_adds(sb, "l6 6m0-6l-6 6");
        break;
    }
}

/* The opening of a <path> drawing markers of SHAPE in COLOUR. */
static void
marker_style(struct strbuf *sb, int shape, const char *colour)
{
    if (shape <= 1)
        strbuf_addf(sb, "<path fill=\"none\" stroke=\"%s\" stroke-width=\"6\" "
                        "stroke-linecap=\"%s\" stroke-opacity=\"0.75\" d=\"",
                    colour, shape == 0 ? "round" : "square");
    else if (shape <= 3)
        strbuf_addf(sb, "<path fill=\"%s\" fill-opacity=\"0.75\" stroke=\"none\" d=\"", colour);
    else
        strbuf_addf(sb, "<path fill=\"none\" stroke=\"%s\" stroke-width=\"1.8\" d=\"", colour);
}

/* Rows the legend takes at the chart's width. */
static int
legend_rows(const struct svg *g)
{
    double x = 10;
    int rows = 1;

    if (g->c->nseries < 2 || g->c->kind == CHART_HEAT)
        return 0;
    for (size_t s = 0; s < g->c->nseries; s++) {
        double w = 28 + text_px(g->c->series[s].name, FONT) + 18;

        if (x + w > g->w - 10 && x > 10) {
            rows++;
            x = 10;
        }
        x += w;
    }
    return rows;
}

static void
draw_legend(struct svg *g, double top)
{
    struct strbuf *sb = g->out;
    double x = 10, y = top + 12;

    if (g->legend_rows == 0)
        return;
    strbuf_adds(sb, "<g>\n");
    for (size_t s = 0; s < g->c->nseries; s++) {
        const char *name = has_text(g->c->series[s].name) ? g->c->series[s].name : "?";
        const char *colour = palette[s % 6];
        double w = 28 + text_px(name, FONT) + 18;

        if (x + w > g->w - 10 && x > 10) {
            x = 10;
            y += 18;
        }
        if (g->c->kind == CHART_LINE) {
            strbuf_addf(sb, "<path fill=\"none\" stroke=\"%s\" stroke-width=\"2\"", colour);
            if (dashes[s % 6] != NULL)
                strbuf_addf(sb, " stroke-dasharray=\"%s\"", dashes[s % 6]);
            strbuf_adds(sb, " d=\"M");
            num(sb, x);
            strbuf_addch(sb, ' ');
            num(sb, y - 4);
            strbuf_adds(sb, "h22\"/>\n");
        } else if (g->c->kind == CHART_SCATTER) {
            marker_style(sb, (int)(s % 6), colour);
            marker(sb, (int)(s % 6), x + 11, y - 4);
            strbuf_adds(sb, "\"/>\n");
        } else {
            strbuf_addf(sb, "<rect fill=\"%s\"", colour);
            attr(sb, "x", x + 5);
            attr(sb, "y", y - 10);
            strbuf_adds(sb, " width=\"12\" height=\"12\"/>\n");
        }
        text(sb, x + 28, y, "start", "fill=\"#333333\"", name);
        x += w;
    }
    strbuf_adds(sb, "</g>\n");
}

/* ------------------------------------------------------------------------
 * Lines: decimated per pixel column to the first, lowest, highest and last
 * point of each column, in their order (so the shape is exact at this scale)
 */

struct column {
    int col, n;
    size_t idx[4];
    double x[4], y[4];
};

static void
column_set(struct column *k, int j, size_t i, double x, double y)
{
    k->idx[j] = i;
    k->x[j] = x;
    k->y[j] = y;
}

static void
column_flush(struct strbuf *sb, struct column *k, int *started)
{
    size_t done = (size_t)-1;

    /* emit in the points' order, each index once */
    for (int emitted = 0; emitted < 4; emitted++) {
        int best = -1;

        for (int i = 0; i < 4; i++)
            if ((done == (size_t)-1 || k->idx[i] > done) &&
                (best < 0 || k->idx[i] < k->idx[best]))
                best = i;
        if (best < 0)
            break;
        done = k->idx[best];
        strbuf_adds(sb, *started ? " " : "M");
        num(sb, k->x[best]);
        strbuf_addch(sb, ' ');
        num(sb, k->y[best]);
        if (!*started)
            strbuf_adds(sb, "L");
        *started = 1;
    }
}

/* Close a run of points: a lone point shows as a dot. */
static void
run_end(struct strbuf *sb, struct column *k, int *started, size_t *points)
{
    if (k->n > 0)
        column_flush(sb, k, started);
    if (*started && sb->len > 0 && sb->buf[sb->len - 1] == 'L') {
        sb->len--;
        sb->buf[sb->len] = '\0';
    }
    if (*started && *points == 1)
        strbuf_adds(sb, "h0");
    *started = 0;
    *points = 0;
    k->n = 0;
}

static void
draw_line(struct svg *g, size_t s)
{
    const struct chart_series *ser = &g->c->series[s];
    struct strbuf *sb = g->out;
    struct column k = {0};
    int started = 0, logy = g->c->logy;
    size_t points = 0;

    if (ser->x == NULL || ser->n == 0)
        return;
    strbuf_addf(sb, "<path fill=\"none\" stroke=\"%s\" stroke-width=\"1.6\" "
                    "stroke-linejoin=\"round\" stroke-linecap=\"round\"",
                palette[s % 6]);
    if (dashes[s % 6] != NULL)
        strbuf_addf(sb, " stroke-dasharray=\"%s\"", dashes[s % 6]);
    strbuf_adds(sb, " d=\"");
    for (size_t i = 0; i < ser->n; i++) {
        double x = ser->x[i], y = ser->y[i], X, Y;
        int col;

        if (!chart_finite2(x, y) || (logy && y <= 0)) {
            run_end(sb, &k, &started, &points);
            continue;
        }
        X = sx(g, x);
        Y = sy(g, logy ? log10(y) : y);
        col = (int)X;
        points++;
        if (k.n > 0 && col == k.col) {
            if (Y > k.y[1]) /* lowest on the page */
                column_set(&k, 1, i, X, Y);
            if (Y < k.y[2]) /* highest */
                column_set(&k, 2, i, X, Y);
            column_set(&k, 3, i, X, Y);
            continue;
        }
        if (k.n > 0)
            column_flush(sb, &k, &started);
        k.col = col;
        k.n = 1;
        for (int j = 0; j < 4; j++)
            column_set(&k, j, i, X, Y);
    }
    run_end(sb, &k, &started, &points);
    strbuf_adds(sb, "\"/>\n");
}

static void
draw_diagonal(struct svg *g)
{
    struct strbuf *sb = g->out;

    strbuf_adds(sb, "<path fill=\"none\" stroke=\"#999999\" stroke-width=\"1\" "
                    "stroke-dasharray=\"4,4\" d=\"M");
    num(sb, sx(g, 0));
    strbuf_addch(sb, ' ');
    num(sb, sy(g, 0));
    strbuf_adds(sb, "L");
    num(sb, sx(g, 1));
    strbuf_addch(sb, ' ');
    num(sb, sy(g, 1));
    strbuf_adds(sb, "\"/>\n");
}

/* Points: one marker per 3 x 3 pixel square at most (markers are 6 pixels
 * wide, so nothing visible is lost), so that 100,000 points do not make a
 * 5 MB file. */
static void
draw_points(struct svg *g, size_t s)
{
    const struct chart_series *ser = &g->c->series[s];
    struct strbuf *sb = g->out;
    int gw = (int)(g->pw / 3) + 2, gh = (int)(g->ph / 3) + 2, shape = (int)(s % 6);
    unsigned char *seen;

    if (ser->x == NULL || ser->n == 0)
        return;
    seen = xcalloc((size_t)gw * (size_t)gh, 1);
    marker_style(sb, shape, palette[s % 6]);
    for (size_t i = 0; i < ser->n; i++) {
        double x = ser->x[i], y = ser->y[i], X, Y;
        size_t cell;

        if (!chart_finite2(x, y) || (g->c->logy && y <= 0))
            continue;
        X = sx(g, x);
        Y = sy(g, g->c->logy ? log10(y) : y);
        cell = (size_t)((Y - g->py) / 3) * (size_t)gw + (size_t)((X - g->px) / 3);
        if (seen[cell])
            continue;
        seen[cell] = 1;
        marker(sb, shape, X, Y);
    }
    strbuf_adds(sb, "\"/>\n");
    free(seen);
}

/* ------------------------------------------------------------------------
 * Bars, histograms, heat maps
 */

/* A rect with a tooltip naming its series and value. */
static void
bar_rect(struct strbuf *sb, double x, double y, double w, double h, const char *colour,
         const char *name, double v)
{
    char buf[CHART_LABELSZ];

    strbuf_addf(sb, "<rect fill=\"%s\"", colour);
    attr(sb, "x", x);
    attr(sb, "y", y);
    attr(sb, "width", w);
    attr(sb, "height", h);
    strbuf_adds(sb, "><title>");
    if (has_text(name)) {
        escape(sb, name);
        strbuf_adds(sb, ": ");
    }
    strbuf_adds(sb, chart_format_value(buf, v));
    strbuf_adds(sb, "</title></rect>\n");
}

static void
draw_hist(struct svg *g)
{
    const struct chart *c = g->c;
    int eq = chart_equal_bins(c);
    size_t ns = c->nseries;

    for (size_t b = 0; b < c->ncat; b++) {
        double x0 = sx(g, eq ? c->edges[b] : (double)b);
        double x1 = sx(g, eq ? c->edges[b + 1] : (double)(b + 1));
        double group = (x1 - x0) * (ns > 1 ? 0.85 : 0.94), w = group / (double)ns;

        for (size_t s = 0; s < ns; s++) {
            double v = b < c->series[s].n ? c->series[s].y[b] : NAN, top;

            if (!isfinite(v) || v <= 0)
                continue;
            top = sy(g, v);
            bar_rect(g->out, x0 + (x1 - x0 - group) / 2 + (double)s * w, top, w,
                     g->py + g->ph - top, palette[s % 6], c->series[s].name, v);
        }
    }
}

static void
draw_bars(struct svg *g)
{
    const struct chart *c = g->c;
    struct strbuf *sb = g->out;
    size_t ns = c->nseries > 0 ? c->nseries : 1;
    double band = g->ph / (double)c->ncat, thick = band * 0.75 / (double)ns;
    double zero = sx(g, 0);
    char buf[CHART_LABELSZ];

    if (g->xlo < 0) { /* where negative bars begin */
        strbuf_adds(sb, "<path stroke=\"#333333\" stroke-width=\"1\" d=\"M");
        num(sb, zero);
        strbuf_addch(sb, ' ');
        num(sb, g->py);
        strbuf_adds(sb, "V");
        num(sb, g->py + g->ph);
        strbuf_adds(sb, "\"/>\n");
    }
    for (size_t i = 0; i < c->ncat; i++) {
        double y = g->py + band * (double)i + band * 0.125;

        text(sb, g->px - 8, g->py + band * ((double)i + 0.5) + 4, "end", "fill=\"#333333\"",
             c->labels[i]);
        for (size_t s = 0; s < c->nseries; s++) {
            double v = i < c->series[s].n ? c->series[s].y[i] : NAN, x = sx(g, v);

            if (!isfinite(v))
                continue;
            bar_rect(sb, v >= 0 ? zero : x, y + thick * (double)s, fabs(x - zero), thick,
                     palette[s % 6], c->series[s].name, v);
            if (thick >= 9)
                text(sb, (v >= 0 ? x + 4 : zero + 4), y + thick * ((double)s + 0.5) + 4,
                     "start", "fill=\"#333333\" font-size=\"11\"", chart_format_value(buf, v));
        }
    }
}

/* The fill of a heat cell at fraction F of the largest value: white to a
 * dark blue, straight through RGB. */
static void
heat_fill(struct strbuf *sb, double f)
{
    static const int lo[3] = {0xf7, 0xfb, 0xff}, hi[3] = {0x08, 0x30, 0x6b};
    int rgb[3];

    if (!(f >= 0))
        f = 0;
    if (f > 1)
        f = 1;
    for (int i = 0; i < 3; i++)
        rgb[i] = (int)lround(lo[i] + (hi[i] - lo[i]) * f);
    strbuf_addf(sb, " fill=\"#%02x%02x%02x\"", rgb[0], rgb[1], rgb[2]);
}

static void
draw_heat(struct svg *g)
{
    const struct chart *c = g->c;
    struct strbuf *sb = g->out;
    size_t nr = c->ncat, nc = c->ncol;
    double cw = g->pw / (double)nc, ch = g->ph / (double)nr, max = 0;
    double size = ch * 0.45 < FONT ? ch * 0.45 : FONT;
    int rotate = 0;
    char buf[CHART_LABELSZ];

    for (size_t k = 0; k < nr * nc; k++)
        if (isfinite(c->cells[k]) && c->cells[k] > max)
            max = c->cells[k];
    for (size_t j = 0; j < nc; j++)
        if (text_px(c->collabels[j], FONT) > cw - 4)
            rotate = 1;
    for (size_t i = 0; i < nr; i++) {
        for (size_t j = 0; j < nc; j++) {
            double v = c->cells[i * nc + j], f = max > 0 && isfinite(v) ? v / max : 0;
            double x = g->px + cw * (double)j, y = g->py + ch * (double)i;

            strbuf_adds(sb, "<rect");
            attr(sb, "x", x);
            attr(sb, "y", y);
            attr(sb, "width", cw);
            attr(sb, "height", ch);
            if (isfinite(v))
                heat_fill(sb, f);
            else
                strbuf_adds(sb, " fill=\"#eeeeee\"");
            strbuf_adds(sb, " stroke=\"#ffffff\"/>\n");
            if (size >= 6 && text_px(chart_format_value(buf, v), size) <= cw - 2) {
                strbuf_addf(sb, "<text font-size=\"%d\" fill=\"%s\"%s", (int)size,
                            f > 0.5 ? "#ffffff" : "#222222",
                            nr == nc && i == j ? " font-weight=\"bold\"" : "");
                attr(sb, "x", x + cw / 2);
                attr(sb, "y", y + ch / 2 + size * 0.35);
                strbuf_adds(sb, " text-anchor=\"middle\">");
                escape(sb, buf);
                strbuf_adds(sb, "</text>\n");
            }
        }
        text(sb, g->px - 8, g->py + ch * ((double)i + 0.5) + 4, "end", "fill=\"#333333\"",
             c->labels[i]);
    }
    for (size_t j = 0; j < nc; j++) {
        double x = g->px + cw * ((double)j + 0.5), y = g->py + g->ph + 16;

        if (!rotate) {
            text(sb, x, y, "middle", "fill=\"#333333\"", c->collabels[j]);
            continue;
        }
        strbuf_adds(sb, "<text fill=\"#333333\" text-anchor=\"end\" transform=\"rotate(-45 ");
        num(sb, x);
        strbuf_addch(sb, ' ');
        num(sb, y - 6);
        strbuf_addch(sb, ')');
        strbuf_addch(sb, '"');
        attr(sb, "x", x);
        attr(sb, "y", y - 6);
        strbuf_addch(sb, '>');
        escape(sb, c->collabels[j]);
        strbuf_adds(sb, "</text>\n");
    }
    if (has_text(c->xlabel))
        text(sb, g->px + g->pw / 2, g->h - 10, "middle", "fill=\"#333333\"", c->xlabel);
}

/* ------------------------------------------------------------------------
 * chart_svg
 */

/* The plot area and the axes' ticks for the chart's kind. */
static void
layout(struct svg *g, double top)
{
    const struct chart *c = g->c;
    double left = 10 + (has_text(c->ylabel) ? 20 : 0), bottom = 30, right = 24;

    if (has_text(c->xlabel))
        bottom += 18;
    g->py = top;
    g->ph = g->h - top - bottom;
    if (g->ph < 20)
        g->ph = 20;
    if (c->kind == CHART_HEAT || c->kind == CHART_BARS) {
        double lw = 0;

        for (size_t i = 0; i < c->ncat; i++)
            if (text_px(c->labels[i], FONT) > lw)
                lw = text_px(c->labels[i], FONT);
        if (lw > g->w / 3)
            lw = g->w / 3;
        left += lw + 8;
        if (c->kind == CHART_HEAT) {
            double cl = 0;

            for (size_t j = 0; j < c->ncol; j++)
                if (text_px(c->collabels[j], FONT) > cl)
                    cl = text_px(c->collabels[j], FONT);
            if (cl > (g->w - left - right) / (double)c->ncol - 4) /* turned labels */
                g->ph -= cl * 0.7 < g->h / 3 ? cl * 0.7 : g->h / 3;
        }
        g->px = left;
        g->pw = g->w - left - right;
        if (c->kind == CHART_BARS) {
            g->xlo = g->ylo; /* the value axis runs across */
            g->xhi = g->yhi;
            choose_xticks(g, 1);
        }
        return;
    }
    {
        int maxn = (int)(g->ph / 40) + 1;

        chart_ticks(&g->yt, g->ylo, g->yhi, maxn < 3 ? 3 : maxn > 10 ? 10 : maxn, !c->logy,
                    c->logy);
    }
    g->ylo = g->yt.lo;
    g->yhi = g->yt.hi;
    left += max_label_px(&g->yt) + 10;
    g->px = left;
    g->pw = g->w - left - right;
    choose_xticks(g, 0);
}

void
chart_svg(const struct chart *c, int width, int height, struct strbuf *out)
{
    struct svg g;
    double top = 12;
    int empty;

    memset(&g, 0, sizeof g);
    g.c = c;
    g.out = out;
    g.w = width < 120 ? 120 : width > 20000 ? 20000 : width;
    g.h = height < 100 ? 100 : height > 20000 ? 20000 : height;
    empty = chart_range(c, &g.xlo, &g.xhi, &g.ylo, &g.yhi) < 0;
    strbuf_addf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                     "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" "
                     "width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
                     "font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\" "
                     "font-size=\"12\">\n",
                (int)g.w, (int)g.h, (int)g.w, (int)g.h);
    if (has_text(c->title)) {
        strbuf_adds(out, "<title>");
        escape(out, c->title);
        strbuf_adds(out, "</title>\n");
    }
    strbuf_addf(out, "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n",
                (int)g.w, (int)g.h);
    if (has_text(c->title)) {
        text(out, g.w / 2, 24, "middle", "font-size=\"15\" font-weight=\"bold\" fill=\"#111111\"",
             c->title);
        top = 36;
    }
    if (empty) {
        text(out, g.w / 2, g.h / 2, "middle", "fill=\"#777777\"", "no data");
        strbuf_adds(out, "</svg>\n");
        return;
    }
    g.legend_rows = legend_rows(&g);
    draw_legend(&g, top);
    top += g.legend_rows * 18 + 10;
    layout(&g, top);
    switch (c->kind) {
    case CHART_LINE:
    case CHART_SCATTER:
        draw_axes(&g, 1, 1);
        if (c->diagonal && !c->logy)
            draw_diagonal(&g);
        for (size_t s = 0; s < c->nseries; s++) {
            if (c->kind == CHART_LINE)
                draw_line(&g, s);
            else
                draw_points(&g, s);
        }
        break;
    case CHART_HIST:
        draw_axes(&g, 0, 1);
        draw_hist(&g);
        break;
    case CHART_BARS:
        draw_axes(&g, 1, 0);
        draw_bars(&g);
        break;
    case CHART_HEAT:
        draw_heat(&g);
        break;
    }
    draw_ylabel(&g, 18);
    strbuf_adds(out, "</svg>\n");
}
