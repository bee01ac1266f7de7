/*
 * chart-draw.c - a chart drawn onto a canvas of terminal cells: layout,
 * axes and ticks, legend, and the marks of each kind in braille dots,
 * quadrant blocks, eighth blocks or ASCII.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <config.h>

#include "core/chart.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

/* ------------------------------------------------------------------------
 * Writing on the canvas
 */

static struct chart_cell *
cell_at(struct canvas *cv, int x, int y)
{
    if (x < 0 || y < 0 || x >= cv->w || y >= cv->h)
        return NULL;
    return &cv->cells[(size_t)y * (size_t)cv->w + (size_t)x];
}

static void
put(struct canvas *cv, int x, int y, uint32_t ch, int colour)
{
    struct chart_cell *cell = cell_at(cv, x, y);

    if (cell != NULL) {
        cell->ch = ch;
        cell->colour = (uint8_t)colour;
    }
}

/* How many cells S takes (one per code point). */
static int
text_width(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    int n = 0;

    if (s == NULL)
        return 0;
    while (*p != '\0') {
        chart_utf8_next(&p);
        n++;
    }
    return n;
}

static int
has_text(const char *s)
{
    return s != NULL && s[0] != '\0';
}

/* Write S at (X, Y), at most MAXW cells (a cut string ends in an ellipsis);
 * control characters, and in ASCII anything beyond it, become '?'. Returns
 * the cells written. */
static int
put_text(struct canvas *cv, int x, int y, const char *s, int maxw, int colour, int bold,
         int ascii)
{
    const unsigned char *p = (const unsigned char *)s;
    int w = 0, cut;

    if (s == NULL || maxw <= 0)
        return 0;
    cut = text_width(s) > maxw;
    while (*p != '\0' && w < maxw) {
        uint32_t ch = chart_utf8_next(&p);
        struct chart_cell *cell;

        if (ch < 0x20 || ch == 0x7f || (ch >= 0x80 && ch < 0xa0))
            ch = '?';
        if (ascii && ch > 0x7e)
            ch = '?';
        if (cut && w == maxw - 1 && maxw > 1)
            ch = ascii ? '~' : 0x2026;
        cell = cell_at(cv, x + w, y);
        if (cell != NULL) {
            cell->ch = ch;
            cell->colour = (uint8_t)colour;
            cell->bold = (uint8_t)bold;
        }
        w++;
    }
    return w;
}

static void
clear_rect(struct canvas *cv, int x, int y, int w, int h)
{
    for (int j = y; j < y + h; j++)
        for (int i = x; i < x + w; i++) {
            struct chart_cell *cell = cell_at(cv, i, j);

            if (cell != NULL) {
                memset(cell, 0, sizeof *cell);
                cell->ch = ' ';
            }
        }
}

/* ------------------------------------------------------------------------
 * Layout
 */

/* What a chart_draw call works with. */
struct draw {
    const struct chart *c;
    struct canvas *cv;
    int ascii, nser;
    /* rows: -1 when not drawn */
    int title_row, ylabel_row, axis_row, tick_row, xlabel_row;
    int axes;              /* axis lines and tick labels */
    int px, py, pw, ph;    /* the plot area, in cells */
    int dpc, dpr;          /* dots per cell across and down */
    int bars;              /* HIST: y maps to eighths of a cell from the axis */
    double xlo, xhi, ylo, yhi;
    struct chart_ticks xt, yt;
};

static const char ascii_marks[] = "*+ox#@";  /* lines and points */
static const char ascii_fills[] = "#=%@o*";  /* bars */

static int
series_colour(size_t s)
{
    return CHART_SERIES1 + (int)(s % CHART_NCOLOURS);
}

/* Title, axis and label rows for a chart with axes, and the plot rows
 * between; the title, labels and then the axes give way as rows run short. */
static void
layout_rows(struct draw *d)
{
    const struct chart *c = d->c;
    int h = d->cv->h, top = 0, bottom = h;

    d->title_row = d->ylabel_row = d->axis_row = d->tick_row = d->xlabel_row = -1;
    d->axes = h >= 4 && d->cv->w >= 10;
    if (has_text(c->title) && h >= 8)
        d->title_row = top++;
    if (d->axes && has_text(c->xlabel) && h >= 10)
        d->xlabel_row = --bottom;
    if (d->axes) {
        d->tick_row = --bottom;
        d->axis_row = --bottom;
    }
    if (d->axes && has_text(c->ylabel) && h >= 8) {
        int tw = text_width(c->title), start = (d->cv->w - tw) / 2;

        if (d->title_row >= 0 && text_width(c->ylabel) + 2 <= start)
            d->ylabel_row = d->title_row;
        else if (d->title_row < 0 || h >= 12)
            d->ylabel_row = top++;
    }
    d->py = top;
    d->ph = bottom - top;
}

/* F within [0, 1] (NaN as 0), safe to scale and convert to int. */
static double
clamp01(double f)
{
    return !(f >= 0) ? 0 : f > 1 ? 1 : f;
}

/* The cell column of X on the x axis. */
static int
xcol(const struct draw *d, double x)
{
    double f = clamp01((x - d->xlo) / (d->xhi - d->xlo));

    if (d->bars) {
        int col = (int)(f * d->pw);

        return d->px + (col >= d->pw ? d->pw - 1 : col);
    }
    return d->px + (int)(f * (d->pw * d->dpc - 1) + 0.5) / d->dpc;
}

/* Height of Y above the axis in eighths of a cell (bars). */
static int
height8(const struct draw *d, double y)
{
    return (int)(clamp01((y - d->ylo) / (d->yhi - d->ylo)) * d->ph * 8 + 0.5);
}

/* The cell row of Y on the y axis. */
static int
yrow(const struct draw *d, double y)
{
    double f = clamp01((d->yhi - y) / (d->yhi - d->ylo));

    if (d->bars)
        return d->py + d->ph - (height8(d, y) + 4) / 8;
    return d->py + (int)(f * (d->ph * d->dpr - 1) + 0.5) / d->dpr;
}

static int
max_label_width(const struct chart_ticks *t)
{
    int w = 0;

    for (int i = 0; i < t->n; i++)
        if ((int)strlen(t->label[i]) > w)
            w = (int)strlen(t->label[i]);
    return w;
}

/* Place the x tick labels of T centred under their columns, GAP blanks at
 * least between them; with DRAW, write those that fit. Returns whether all
 * fit. */
static int
place_xlabels(struct draw *d, const struct chart_ticks *t, int gap, int draw)
{
    int end = -gap - 1, all = 1;

    for (int i = 0; i < t->n; i++) {
        int len = (int)strlen(t->label[i]), x = xcol(d, t->v[i]) - (len - 1) / 2;

        if (x + len > d->cv->w)
            x = d->cv->w - len;
        if (x < 0)
            x = 0;
        if (x <= end + gap) {
            all = 0;
            continue;
        }
        if (draw)
            put_text(d->cv, x, d->tick_row, t->label[i], len, CHART_DEFAULT, 0, d->ascii);
        end = x + len - 1;
    }
    return all;
}

/* X ticks as many as fit: nice values, or for unequal HIST bins the edges
 * themselves at every k-th bin boundary. */
static void
choose_xticks(struct draw *d)
{
    const struct chart *c = d->c;

    if (c->kind == CHART_HIST && !chart_equal_bins(c)) {
        size_t nb = c->ncat, k = (nb + CHART_MAXTICKS) / CHART_MAXTICKS;

        for (; k <= nb; k++) {
            d->xt.n = 0;
            for (size_t b = 0; b <= nb && d->xt.n < CHART_MAXTICKS; b += k) {
                d->xt.v[d->xt.n] = (double)b;
                if (isfinite(c->edges[b]))
                    chart_format_value(d->xt.label[d->xt.n], c->edges[b]);
                else
                    snprintf(d->xt.label[d->xt.n], CHART_LABELSZ, "%s", "?");
                d->xt.n++;
            }
            if (place_xlabels(d, &d->xt, 2, 0))
                return;
        }
        return;
    }
    for (int maxn = d->pw / 4 + 1; maxn >= 2; maxn--) {
        chart_ticks(&d->xt, d->xlo, d->xhi, maxn, 0, 0);
        if (place_xlabels(d, &d->xt, 2, 0))
            return;
    }
}

static uint32_t
glyph(const struct draw *d, uint32_t unicode, char ascii)
{
    return d->ascii ? (uint32_t)ascii : unicode;
}

/* Axis lines, ticks, tick labels and axis titles. YTICKS: label the y axis. */
static void
draw_axes(struct draw *d, int yticks)
{
    struct canvas *cv = d->cv;
    int ax = d->px - 1, last = -1;

    for (int y = d->py; y < d->py + d->ph; y++)
        put(cv, ax, y, glyph(d, 0x2502, '|'), CHART_DIM);
    put(cv, ax, d->axis_row, glyph(d, 0x2514, '+'), CHART_DIM);
    for (int x = d->px; x < cv->w; x++)
        put(cv, x, d->axis_row, glyph(d, 0x2500, '-'), CHART_DIM);
    for (int i = 0; yticks && i < d->yt.n; i++) {
        int row = yrow(d, d->yt.v[i]), len = (int)strlen(d->yt.label[i]);

        if (row == last)
            continue;
        last = row;
        if (row < d->axis_row)
            put(cv, ax, row, glyph(d, 0x2524, '+'), CHART_DIM);
        put_text(cv, ax - len, row, d->yt.label[i], len, CHART_DEFAULT, 0, d->ascii);
    }
    for (int i = 0; i < d->xt.n; i++)
        put(cv, xcol(d, d->xt.v[i]), d->axis_row, glyph(d, 0x252c, '+'), CHART_DIM);
    place_xlabels(d, &d->xt, 1, 1);
    if (d->xlabel_row >= 0) {
        int len = text_width(d->c->xlabel), x = d->px + (d->pw - len) / 2;

        put_text(cv, x < 0 ? 0 : x, d->xlabel_row, d->c->xlabel, cv->w, CHART_DEFAULT, 0,
                 d->ascii);
    }
    if (d->ylabel_row >= 0)
        put_text(cv, 0, d->ylabel_row, d->c->ylabel, cv->w, CHART_DEFAULT, 0, d->ascii);
}

static void
draw_title(struct draw *d)
{
    int len = text_width(d->c->title), x = (d->cv->w - len) / 2;

    if (d->title_row < 0)
        return;
    put_text(d->cv, x < 0 ? 0 : x, d->title_row, d->c->title, d->cv->w, CHART_DEFAULT, 1,
             d->ascii);
}

static void
draw_nodata(struct draw *d)
{
    struct canvas *cv = d->cv;
    const char *msg = "no data";
    int len = (int)strlen(msg), x = (cv->w - len) / 2;

    if (has_text(d->c->title) && cv->h >= 3) {
        int tx = (cv->w - text_width(d->c->title)) / 2;

        put_text(cv, tx < 0 ? 0 : tx, 0, d->c->title, cv->w, CHART_DEFAULT, 1, d->ascii);
    }
    put_text(cv, x < 0 ? 0 : x, cv->h / 2, msg, cv->w, CHART_DIM, 0, d->ascii);
}

/* ------------------------------------------------------------------------
 * Legend: a box in the emptiest corner of the plot area
 */

static uint32_t
legend_sample(const struct draw *d, size_t s)
{
    switch (d->c->kind) {
    case CHART_LINE:
        return glyph(d, 0x2500, ascii_marks[s % 6]);
    case CHART_SCATTER:
        return glyph(d, 0x2022, ascii_marks[s % 6]);
    default:
        return glyph(d, 0x2588, ascii_fills[s % 6]);
    }
}

static int
busy_cells(struct canvas *cv, int x, int y, int w, int h)
{
    int n = 0;

    for (int j = y; j < y + h; j++)
        for (int i = x; i < x + w; i++) {
            struct chart_cell *cell = cell_at(cv, i, j);

            n += cell != NULL && cell->ch != ' ';
        }
    return n;
}

static void
draw_legend(struct draw *d)
{
    const struct chart *c = d->c;
    struct canvas *cv = d->cv;
    int n = (int)c->nseries, namew = 0, bw, bh, best = -1, bx = 0, by = 0;

    if (n < 2 || d->cv->h < 8 || n > d->ph)
        return;
    for (int s = 0; s < n; s++) {
        int w = text_width(c->series[s].name);

        if (w > namew)
            namew = w;
    }
    if (namew < 1)
        namew = 1;
    /* " ── name": a blank, the sample, a blank, the name */
    if (namew > d->pw / 2 - 4)
        namew = d->pw / 2 - 4;
    if (namew < 3)
        return;
    bw = namew + 4;
    bh = n;
    for (int corner = 0; corner < 4; corner++) {
        int x = corner % 2 == 0 ? d->px + d->pw - bw : d->px;
        int y = corner < 2 ? d->py : d->py + d->ph - bh;
        int busy = busy_cells(cv, x, y, bw, bh);

        if (best < 0 || busy < best) {
            best = busy;
            bx = x;
            by = y;
        }
    }
    clear_rect(cv, bx, by, bw, bh);
    for (int s = 0; s < n; s++) {
        uint32_t g = legend_sample(d, (size_t)s);

        put(cv, bx + 1, by + s, g, series_colour((size_t)s));
        put(cv, bx + 2, by + s, g, series_colour((size_t)s));
        put_text(cv, bx + 4, by + s, has_text(c->series[s].name) ? c->series[s].name : "?",
                 namew, CHART_DEFAULT, 0, d->ascii);
    }
}

/* ------------------------------------------------------------------------
 * Lines and points: dots on a grid finer than the cells
 */

#define OWNER_DIAG 255

struct dots {
    int cw, ch;          /* the grid in cells */
    int w, h;            /* in dots */
    int dpc, dpr;
    uint8_t mask[4][2];  /* the bit of dot (column, row) within its cell */
    uint8_t *bits;       /* per cell */
    uint8_t *owner;      /* per cell: 1 + series % 6 of the last dot, OWNER_DIAG */
};

static void
dots_init(struct dots *g, const struct draw *d, enum chart_glyphs glyphs)
{
    static const uint8_t braille[4][2] = {{0x01, 0x08}, {0x02, 0x10}, {0x04, 0x20},
                                          {0x40, 0x80}};
    static const uint8_t quad[4][2] = {{1, 2}, {4, 8}, {0, 0}, {0, 0}};

    memset(g, 0, sizeof *g);
    g->cw = d->pw;
    g->ch = d->ph;
    g->dpc = d->dpc;
    g->dpr = d->dpr;
    g->w = g->cw * g->dpc;
    g->h = g->ch * g->dpr;
    if (glyphs == GLYPHS_BRAILLE)
        memcpy(g->mask, braille, sizeof g->mask);
    else if (glyphs == GLYPHS_BLOCKS)
        memcpy(g->mask, quad, sizeof g->mask);
    else
        g->mask[0][0] = 1;
    g->bits = xcalloc((size_t)g->cw * (size_t)g->ch, 1);
    g->owner = xcalloc((size_t)g->cw * (size_t)g->ch, 1);
}

static void
dots_release(struct dots *g)
{
    free(g->bits);
    free(g->owner);
}

static inline void
dot(struct dots *g, int x, int y, uint8_t owner)
{
    size_t cell = (size_t)(y / g->dpr) * (size_t)g->cw + (size_t)(x / g->dpc);

    if (g->owner[cell] == OWNER_DIAG && owner != OWNER_DIAG)
        g->bits[cell] = 0; /* the data hides the diagonal */
    else if (owner == OWNER_DIAG && g->owner[cell] != 0 && g->owner[cell] != OWNER_DIAG)
        return;
    g->bits[cell] |= g->mask[y % g->dpr][x % g->dpc];
    g->owner[cell] = owner;
}

static void
vspan(struct dots *g, int x, int y0, int y1, uint8_t owner)
{
    for (int y = y0; y <= y1; y++)
        dot(g, x, y, owner);
}

/* A line of dots from (X0, Y0) to (X1, Y1) (Bresenham); with EVERY > 1, a
 * dotted line of every EVERY-th dot. */
static void
dots_line(struct dots *g, int x0, int y0, int x1, int y1, uint8_t owner, int every)
{
    int dx = abs(x1 - x0), dy = -abs(y1 - y0), sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1;
    int err = dx + dy, k = 0, e2;

    for (;;) {
        if (k++ % every == 0)
            dot(g, x0, y0, owner);
        if (x0 == x1 && y0 == y1)
            break;
        e2 = 2 * err;
        if (e2 >= dy) {
            err += dy;
            x0 += sx;
        }
        if (e2 <= dx) {
            err += dx;
            y0 += sy;
        }
    }
}

/* The mapping of data to dots. */
struct xform {
    double xlo, ylo, yhi, sx, sy, maxx, maxy;
};

static inline int
map_x(const struct xform *m, double x)
{
    double f = (x - m->xlo) * m->sx;

    if (!(f >= 0))
        f = 0;
    if (f > m->maxx)
        f = m->maxx;
    return (int)(f + 0.5);
}

static inline int
map_y(const struct xform *m, double y)
{
    double f = (m->yhi - y) * m->sy;

    if (!(f >= 0))
        f = 0;
    if (f > m->maxy)
        f = m->maxy;
    return (int)(f + 0.5);
}

/*
 * One series as dots. A line is decimated per dot column: the points falling
 * in one column make a vertical span from their lowest to their highest, and
 * the last point of a column joins the first of the next; so a million
 * points cost a million mappings and at most a few thousand dots.
 */
static void
draw_series(struct dots *g, const struct chart *c, const struct chart_series *ser,
            const struct xform *m, uint8_t owner)
{
    /* locals: the dots are bytes, which may alias anything, so the compiler
     * would reload every field through the pointers at each point */
    const double *xs = ser->x, *ys = ser->y;
    size_t n = ser->n;
    int joined = c->kind == CHART_LINE, logy = c->logy;
    int have = 0, col = 0, lo = 0, hi = 0, last = 0;

    if (xs == NULL)
        return;
    for (size_t i = 0; i < n; i++) {
        double x = xs[i], y = ys[i];
        int px, py;

        if (!chart_finite2(x, y) || (logy && y <= 0)) {
            if (have)
                vspan(g, col, lo, hi, owner);
            have = 0; /* a gap in the line */
            continue;
        }
        px = map_x(m, x);
        py = map_y(m, logy ? log10(y) : y);
        if (!joined) {
            dot(g, px, py, owner);
            continue;
        }
        if (have && px == col) {
            if (py < lo)
                lo = py;
            if (py > hi)
                hi = py;
            last = py;
            continue;
        }
        if (have) {
            vspan(g, col, lo, hi, owner);
            dots_line(g, col, last, px, py, owner, 1);
        }
        col = px;
        lo = hi = last = py;
        have = 1;
    }
    if (have)
        vspan(g, col, lo, hi, owner);
}

static uint32_t
dots_glyph(enum chart_glyphs glyphs, uint8_t bits, uint8_t owner)
{
    static const uint32_t quadrants[16] = {' ',    0x2598, 0x259d, 0x2580, 0x2596, 0x258c,
                                           0x259e, 0x259b, 0x2597, 0x259a, 0x2590, 0x259c,
                                           0x2584, 0x2599, 0x259f, 0x2588};

    if (glyphs == GLYPHS_BRAILLE)
        return 0x2800 + bits;
    if (glyphs == GLYPHS_BLOCKS)
        return quadrants[bits & 15];
    return owner == OWNER_DIAG ? '.' : (uint32_t)ascii_marks[(owner - 1) % 6];
}

static void
draw_xy(struct draw *d, enum chart_glyphs glyphs)
{
    const struct chart *c = d->c;
    struct dots g;
    struct xform m;

    dots_init(&g, d, glyphs);
    m.xlo = d->xlo;
    m.ylo = d->ylo;
    m.yhi = d->yhi;
    m.maxx = g.w - 1;
    m.maxy = g.h - 1;
    m.sx = (g.w - 1) / (d->xhi - d->xlo);
    m.sy = (g.h - 1) / (d->yhi - d->ylo);
    if (!isfinite(m.sx))
        m.sx = 0;
    if (!isfinite(m.sy))
        m.sy = 0;
    if (c->diagonal && !c->logy)
        dots_line(&g, map_x(&m, 0), map_y(&m, 0), map_x(&m, 1), map_y(&m, 1), OWNER_DIAG,
                  glyphs == GLYPHS_ASCII ? 1 : 2);
    for (size_t s = 0; s < c->nseries; s++)
        draw_series(&g, c, &c->series[s], &m, (uint8_t)(1 + s % 6));
    for (int j = 0; j < g.ch; j++)
        for (int i = 0; i < g.cw; i++) {
            size_t k = (size_t)j * (size_t)g.cw + (size_t)i;
            uint8_t own = g.owner[k];

            if (g.bits[k] == 0)
                continue;
            put(d->cv, d->px + i, d->py + j, dots_glyph(glyphs, g.bits[k], own),
                own == OWNER_DIAG ? CHART_DIM : CHART_SERIES1 + own - 1);
        }
    dots_release(&g);
}

/* ------------------------------------------------------------------------
 * Histograms: bars standing on the x axis, series side by side in each bin
 */

/* Column COL of the plot gets a bar of H eighths for series S, unless a
 * taller one stands there (bins narrower than a cell keep their tallest). */
static void
bar_column(int *h8, uint8_t *own, int pw, int col, int h, size_t s)
{
    if (col < 0 || col >= pw || h <= h8[col])
        return;
    h8[col] = h;
    own[col] = (uint8_t)(s % 6);
}

static void
draw_hist(struct draw *d)
{
    const struct chart *c = d->c;
    int ns = (int)c->nseries, eq = chart_equal_bins(c);
    int *h8 = xcalloc((size_t)d->pw, sizeof *h8);
    uint8_t *own = xcalloc((size_t)d->pw, 1);

    for (size_t b = 0; b < c->ncat; b++) {
        double f0 = eq ? (c->edges[b] - d->xlo) / (d->xhi - d->xlo) : (double)b / c->ncat;
        double f1 = eq ? (c->edges[b + 1] - d->xlo) / (d->xhi - d->xlo)
                       : (double)(b + 1) / c->ncat;
        int c0, c1, k, gap, sw, off;

        c0 = (int)(clamp01(f0) * d->pw);
        c1 = (int)(clamp01(f1) * d->pw);

        if (c0 >= d->pw)
            c0 = d->pw - 1;
        if (c1 <= c0)
            c1 = c0 + 1;
        k = c1 - c0;
        gap = k > ns ? 1 : 0;
        sw = (k - gap) / (ns > 0 ? ns : 1);
        off = sw > 0 ? (k - gap - sw * ns) / 2 : 0;
        for (int s = 0; s < ns; s++) {
            double v = b < c->series[s].n ? c->series[s].y[b] : NAN;
            int h;

            if (!isfinite(v) || v <= d->ylo)
                continue;
            h = height8(d, v);
            if (h == 0)
                h = 1; /* a non-zero count never vanishes */
            if (sw == 0)
                bar_column(h8, own, d->pw, c0, h, (size_t)s);
            for (int x = 0; x < sw; x++)
                bar_column(h8, own, d->pw, c0 + off + s * sw + x, h, (size_t)s);
        }
    }
    for (int x = 0; x < d->pw; x++) {
        int full = h8[x] / 8, rem = h8[x] % 8, colour = series_colour(own[x]);
        int base = d->py + d->ph - 1;

        for (int j = 0; j < full; j++)
            put(d->cv, d->px + x, base - j, glyph(d, 0x2588, ascii_fills[own[x]]), colour);
        if (rem == 0)
            continue;
        if (!d->ascii)
            put(d->cv, d->px + x, base - full, 0x2580 + (uint32_t)rem, colour);
        else if (rem >= 4)
            put(d->cv, d->px + x, base - full, (uint32_t)ascii_fills[own[x]], colour);
        else if (full == 0)
            put(d->cv, d->px + x, base, '_', colour);
    }
    free(h8);
    free(own);
}

/* ------------------------------------------------------------------------
 * Horizontal bars: a label on the left, one bar per series for each category
 */

static void
draw_hbar(struct draw *d, int row, int zc, int scale8, double v, size_t s, int valw)
{
    struct canvas *cv = d->cv;
    int colour = series_colour(s), len8, full, rem, end;
    char buf[CHART_LABELSZ];

    if (!isfinite(v))
        return;
    len8 = (int)(clamp01(fabs(v) / (d->xhi - d->xlo)) * scale8 + 0.5);
    if (len8 == 0 && v != 0)
        len8 = 1;
    full = len8 / 8;
    rem = len8 % 8;
    if (v >= 0) {
        for (int i = 0; i < full; i++)
            put(cv, d->px + zc + i, row, glyph(d, 0x2588, ascii_fills[s % 6]), colour);
        end = d->px + zc + full;
        if (rem > 0 && !d->ascii)
            put(cv, end++, row, 0x2590 - (uint32_t)rem, colour);
        else if (rem >= 4)
            put(cv, end++, row, (uint32_t)ascii_fills[s % 6], colour);
    } else {
        for (int i = 1; i <= full; i++)
            put(cv, d->px + zc - i, row, glyph(d, 0x2588, ascii_fills[s % 6]), colour);
        if (rem >= 4)
            put(cv, d->px + zc - full - 1, row, glyph(d, 0x2590, ascii_fills[s % 6]), colour);
        end = d->px + zc;
    }
    if (valw > 0)
        put_text(cv, end + 1, row, chart_format_value(buf, v), valw, CHART_DEFAULT, 0,
                 d->ascii);
}

/* The value axis of horizontal bars BARW cells long: loose ticks that fit. */
static void
bars_axis(struct draw *d, int barw)
{
    d->bars = 1;
    for (int maxn = barw / 6 + 1 > 2 ? barw / 6 + 1 : 2; maxn >= 2; maxn--) {
        struct draw probe = *d;

        chart_ticks(&d->xt, d->ylo, d->yhi, maxn, 1, 0);
        probe.xlo = d->xt.lo;
        probe.xhi = d->xt.hi;
        probe.pw = barw;
        if (place_xlabels(&probe, &d->xt, 2, 0))
            break;
    }
    d->xlo = d->xt.lo;
    d->xhi = d->xt.hi;
}

/* How many categories of NS bars each fit, with *PER rows each (a blank
 * between categories when all fit that way); when all fit, the axis moves up
 * to just under the last bar. */
static size_t
bars_rows(struct draw *d, size_t ns, int *per)
{
    size_t ncat = d->c->ncat, shown;
    int sep = ns > 1 && ncat * (ns + 1) - 1 <= (size_t)d->ph ? 1 : 0;

    *per = (int)ns + sep;
    shown = ncat * ns + (ncat - 1) * (size_t)sep <= (size_t)d->ph
                ? ncat
                : (size_t)(d->ph - 1 > 0 ? (d->ph - 1) / *per : 0);
    if (shown == ncat && d->axes) {
        int rows = (int)(ncat * ns + (ncat - 1) * (size_t)sep), up = d->ph - rows;

        d->ph = rows;
        d->axis_row -= up;
        d->tick_row -= up;
        if (d->xlabel_row >= 0)
            d->xlabel_row -= up;
    }
    return shown;
}

static void
draw_bars(struct draw *d)
{
    const struct chart *c = d->c;
    struct canvas *cv = d->cv;
    size_t ns = c->nseries > 0 ? c->nseries : 1, shown;
    int lw = 0, valw = 0, per, barw, zc, row;
    char buf[CHART_LABELSZ];

    for (size_t i = 0; i < c->ncat; i++) {
        if (text_width(c->labels[i]) > lw)
            lw = text_width(c->labels[i]);
        for (size_t s = 0; s < c->nseries; s++)
            if (i < c->series[s].n && isfinite(c->series[s].y[i]) &&
                (int)strlen(chart_format_value(buf, c->series[s].y[i])) > valw)
                valw = (int)strlen(buf);
    }
    if (lw > cv->w / 3)
        lw = cv->w / 3;
    d->px = lw + (lw > 0 ? 2 : 1);
    d->pw = cv->w - d->px;
    if (d->pw < 2 || d->ph < 1) {
        draw_title(d);
        return;
    }
    if (d->pw - valw - 1 < 10)
        valw = 0; /* no room to print the values */
    barw = d->pw - (valw > 0 ? valw + 1 : 0);
    bars_axis(d, barw);
    zc = (int)(clamp01((0 - d->xlo) / (d->xhi - d->xlo)) * barw + 0.5);
    shown = bars_rows(d, ns, &per);
    row = d->py;
    for (size_t i = 0; i < shown; i++, row += per) {
        put_text(cv, 0, row, c->labels[i], lw, CHART_DEFAULT, 0, d->ascii);
        for (size_t s = 0; s < c->nseries; s++)
            if (i < c->series[s].n)
                draw_hbar(d, row + (int)s, zc, barw * 8, c->series[s].y[i], s, valw);
    }
    if (shown < c->ncat) {
        snprintf(buf, sizeof buf, "(%zu more)", c->ncat - shown);
        put_text(cv, 0, d->py + d->ph - 1, buf, cv->w, CHART_DIM, 0, d->ascii);
    }
    if (d->axes) {
        struct draw ax = *d;

        ax.pw = barw;
        draw_axes(&ax, 0);
    }
    draw_title(d);
    draw_legend(d);
}

/* ------------------------------------------------------------------------
 * Heat maps: a matrix of shaded cells with the value printed in each
 */

/* Where a heat map's parts go on the canvas. */
struct heat {
    int lw;        /* the row labels' width */
    int x0;        /* the first column of cells */
    int cw;        /* a column's width, its gap included */
    double max;    /* the largest finite value (shades are fractions of it) */
};

static void
heat_layout(const struct draw *d, struct heat *h)
{
    const struct chart *c = d->c;
    int labw = 1, numw = 1, room;
    char buf[CHART_LABELSZ];

    h->lw = text_width(c->ylabel);
    h->max = 0;
    for (size_t i = 0; i < c->ncat; i++)
        if (text_width(c->labels[i]) > h->lw)
            h->lw = text_width(c->labels[i]);
    for (size_t j = 0; j < c->ncol; j++)
        if (text_width(c->collabels[j]) > labw)
            labw = text_width(c->collabels[j]);
    for (size_t k = 0; k < c->ncat * c->ncol; k++)
        if (isfinite(c->cells[k])) {
            if (c->cells[k] > h->max)
                h->max = c->cells[k];
            if ((int)strlen(chart_format_value(buf, c->cells[k])) > numw)
                numw = (int)strlen(buf);
        }
    if (h->lw > d->cv->w / 3)
        h->lw = d->cv->w / 3;
    h->x0 = h->lw > 0 ? h->lw + 1 : 0;
    /* a shade glyph and a blank either side of the number and a gap between
     * cells when there is room (plain text shows the shade beside the count);
     * else blanks and the gap; else what there is */
    room = (d->cv->w - h->x0) / (int)c->ncol;
    h->cw = labw + 3 > numw + 5 ? labw + 3 : numw + 5;
    if (h->cw > room)
        h->cw = labw + 3 > numw + 3 ? labw + 3 : numw + 3;
    if (h->cw > room)
        h->cw = room;
    if (h->cw < 1) {
        h->cw = 1;
        h->x0 = 0;
    }
}

/* Cell (I, J) shaded over RH rows from row Y, its value in the middle when
 * it fits (bold on the diagonal of a square matrix). */
static void
heat_cell(struct draw *d, const struct heat *h, size_t i, size_t j, int y, int rh)
{
    const struct chart *c = d->c;
    double v = c->cells[i * c->ncol + j];
    int shade = 0, sw = h->cw >= 3 ? h->cw - 1 : h->cw, x = h->x0 + (int)j * h->cw, len;
    char buf[CHART_LABELSZ];

    if (isfinite(v) && v > 0 && h->max > 0) {
        shade = (int)ceil(clamp01(v / h->max) * 4 - 1e-9);
        shade = shade < 1 ? 1 : shade > 4 ? 4 : shade;
    }
    for (int r = 0; r < rh; r++)
        for (int k = 0; k < sw; k++) {
            struct chart_cell *cell = cell_at(d->cv, x + k, y + r);

            if (cell != NULL)
                cell->shade = (uint8_t)shade;
        }
    if (!isfinite(v))
        return;
    len = (int)strlen(chart_format_value(buf, v));
    if (len <= sw)
        put_text(d->cv, x + (sw - len) / 2, y + rh / 2, buf, len, CHART_DEFAULT,
                 c->ncat == c->ncol && i == j, d->ascii);
}

static void
draw_heat(struct draw *d)
{
    const struct chart *c = d->c;
    struct canvas *cv = d->cv;
    size_t nr = c->ncat, nc = c->ncol;
    int top = 0, rh = 1, vis;
    struct heat h;

    heat_layout(d, &h);
    if (has_text(c->title) && cv->h >= 8) {
        d->title_row = top++;
        draw_title(d);
    }
    if (has_text(c->xlabel) && cv->h >= (int)nr + 4) {
        int len = text_width(c->xlabel), x = h.x0 + ((int)nc * h.cw - len) / 2;

        put_text(cv, x < h.x0 ? h.x0 : x, top++, c->xlabel, cv->w - h.x0, CHART_DEFAULT, 0,
                 d->ascii);
    }
    if (cv->h - top >= 2) { /* the column labels, and the row labels' title */
        put_text(cv, 0, top, c->ylabel, h.lw, CHART_DIM, 0, d->ascii);
        for (size_t j = 0; j < nc; j++) {
            int len = text_width(c->collabels[j]), w = h.cw > 1 ? h.cw - 1 : 1;
            int x = h.x0 + (int)j * h.cw + (len < w ? (w - len) / 2 : 0);

            put_text(cv, x, top, c->collabels[j], w, CHART_DEFAULT, 0, d->ascii);
        }
        top++;
    }
    if (cv->h - top >= (int)nr * 3 + 1)
        rh = 3; /* room for square-looking cells */
    vis = (cv->h - top) / rh;
    for (size_t i = 0; i < nr && (int)i < vis; i++) {
        int y = top + (int)i * rh;

        put_text(cv, 0, y + rh / 2, c->labels[i], h.lw, CHART_DEFAULT, 0, d->ascii);
        for (size_t j = 0; j < nc; j++)
            heat_cell(d, &h, i, j, y, rh);
    }
}

/* ------------------------------------------------------------------------
 * chart_draw
 */

/* How many y ticks PH rows take: one every three rows or so. */
static int
y_maxticks(int ph)
{
    int n = ph / 3 + 1;

    return n > 8 ? 8 : n < 3 ? 3 : n;
}

/* Plot-area columns for an xy chart, y ticks and the left margin. */
static void
layout_xy(struct draw *d, enum chart_glyphs glyphs)
{
    const struct chart *c = d->c;
    int margin = 0;

    d->dpc = glyphs == GLYPHS_ASCII ? 1 : 2;
    d->dpr = glyphs == GLYPHS_BRAILLE ? 4 : glyphs == GLYPHS_BLOCKS ? 2 : 1;
    d->bars = c->kind == CHART_HIST;
    chart_ticks(&d->yt, d->ylo, d->yhi, y_maxticks(d->ph), !c->logy, c->logy);
    if (d->axes) {
        margin = max_label_width(&d->yt);
        if (d->cv->w - margin - 1 < 8) {
            /* too narrow for labels: the plot takes the canvas below the title */
            d->axes = 0;
            d->tick_row = d->axis_row = d->xlabel_row = d->ylabel_row = -1;
            d->py = d->title_row >= 0 ? 1 : 0;
            d->ph = d->cv->h - d->py;
            chart_ticks(&d->yt, d->ylo, d->yhi, y_maxticks(d->ph), !c->logy, c->logy);
        }
    }
    d->ylo = d->yt.lo;
    d->yhi = d->yt.hi;
    d->px = d->axes ? margin + 1 : 0;
    d->pw = d->cv->w - d->px;
    if (d->axes)
        choose_xticks(d);
}

void
chart_draw(const struct chart *c, struct canvas *cv, enum chart_glyphs glyphs)
{
    struct draw d;

    memset(&d, 0, sizeof d);
    d.c = c;
    d.cv = cv;
    d.ascii = glyphs == GLYPHS_ASCII;
    cv->glyphs = glyphs;
    clear_rect(cv, 0, 0, cv->w, cv->h);
    if (chart_range(c, &d.xlo, &d.xhi, &d.ylo, &d.yhi) < 0) {
        draw_nodata(&d);
        return;
    }
    if (c->kind == CHART_HEAT) {
        draw_heat(&d);
        return;
    }
    layout_rows(&d);
    if (c->kind == CHART_BARS) {
        draw_bars(&d);
        return;
    }
    layout_xy(&d, glyphs);
    if (d.pw < 1 || d.ph < 1) {
        draw_title(&d);
        return;
    }
    if (c->kind == CHART_HIST)
        draw_hist(&d);
    else
        draw_xy(&d, glyphs);
    if (d.axes)
        draw_axes(&d, 1);
    draw_title(&d);
    draw_legend(&d);
}
