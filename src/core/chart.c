/*
 * chart.c - charts as data; their ranges, ticks and labels (shared by the
 * terminal drawing in chart-draw.c and the SVG of chart-svg.c); the canvas of
 * terminal cells and the canvas as text.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <config.h>

#include "core/chart.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/numfmt.h"
#include "core/strbuf.h"
#include "core/xalloc.h"

/* ------------------------------------------------------------------------
 * The chart as data
 */

static char *
dup_or_null(const char *s)
{
    return s != NULL ? xstrdup(s) : NULL;
}

static double *
dup_doubles(const double *v, size_t n)
{
    double *copy;

    if (v == NULL || n == 0)
        return NULL;
    copy = xreallocarray(NULL, n, sizeof *copy);
    memcpy(copy, v, n * sizeof *copy);
    return copy;
}

static char **
dup_strings(char *const *v, size_t n)
{
    char **copy;

    if (v == NULL || n == 0)
        return NULL;
    copy = xcalloc(n, sizeof *copy);
    for (size_t i = 0; i < n; i++)
        copy[i] = dup_or_null(v[i]);
    return copy;
}

static void
free_strings(char **v, size_t n)
{
    if (v == NULL)
        return;
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

struct chart *
chart_new(enum chart_kind kind, const char *title)
{
    struct chart *c = xcalloc(1, sizeof *c);

    c->kind = kind;
    c->title = dup_or_null(title);
    return c;
}

void
chart_free(struct chart *c)
{
    if (c == NULL)
        return;
    free(c->title);
    free(c->xlabel);
    free(c->ylabel);
    for (size_t s = 0; s < c->nseries; s++) {
        free(c->series[s].name);
        free(c->series[s].x);
        free(c->series[s].y);
    }
    free(c->series);
    free_strings(c->labels, c->ncat);
    free(c->edges);
    free_strings(c->collabels, c->ncol);
    free(c->cells);
    free(c);
}

struct chart *
chart_copy(const struct chart *c)
{
    struct chart *d = chart_new(c->kind, c->title);

    d->xlabel = dup_or_null(c->xlabel);
    d->ylabel = dup_or_null(c->ylabel);
    d->logy = c->logy;
    d->diagonal = c->diagonal;
    d->nseries = c->nseries;
    if (c->nseries > 0)
        d->series = xcalloc(c->nseries, sizeof *d->series);
    for (size_t s = 0; s < c->nseries; s++) {
        const struct chart_series *from = &c->series[s];
        struct chart_series *to = &d->series[s];

        to->name = dup_or_null(from->name);
        to->n = to->alloc = from->n;
        to->x = dup_doubles(from->x, from->n);
        to->y = dup_doubles(from->y, from->n);
    }
    d->ncat = c->ncat;
    d->labels = dup_strings(c->labels, c->ncat);
    if (c->edges != NULL)
        d->edges = dup_doubles(c->edges, c->ncat + 1);
    d->ncol = c->ncol;
    d->collabels = dup_strings(c->collabels, c->ncol);
    if (c->cells != NULL)
        d->cells = dup_doubles(c->cells, c->ncat * c->ncol);
    return d;
}

void
chart_axes(struct chart *c, const char *xlabel, const char *ylabel)
{
    free(c->xlabel);
    free(c->ylabel);
    c->xlabel = dup_or_null(xlabel);
    c->ylabel = dup_or_null(ylabel);
}

/* Make room for one more value in series S (x too when WITH_X). */
static void
series_grow(struct chart_series *s, int with_x)
{
    if (s->n < s->alloc && (!with_x || s->x != NULL))
        return;
    if (s->n >= s->alloc)
        s->alloc = s->alloc < 64 ? 64 : s->alloc * 2;
    s->y = xreallocarray(s->y, s->alloc, sizeof *s->y);
    if (with_x || s->x != NULL)
        s->x = xreallocarray(s->x, s->alloc, sizeof *s->x);
}

size_t
chart_add_series(struct chart *c, const char *name)
{
    struct chart_series *s;

    c->series = xreallocarray(c->series, c->nseries + 1, sizeof *c->series);
    s = &c->series[c->nseries];
    memset(s, 0, sizeof *s);
    s->name = dup_or_null(name);
    /* A series added after the categories or bins has no values there yet. */
    if (c->kind == CHART_BARS || c->kind == CHART_HIST) {
        for (size_t i = 0; i < c->ncat; i++) {
            series_grow(s, 0);
            s->y[s->n++] = NAN;
        }
    }
    return c->nseries++;
}

void
chart_point(struct chart *c, size_t s, double x, double y)
{
    struct chart_series *ser;

    if (s >= c->nseries)
        return;
    ser = &c->series[s];
    series_grow(ser, 1);
    ser->x[ser->n] = x;
    ser->y[ser->n] = y;
    ser->n++;
}

void
chart_category(struct chart *c, const char *label, const double *values)
{
    c->labels = xreallocarray(c->labels, c->ncat + 1, sizeof *c->labels);
    c->labels[c->ncat] = xstrdup(label != NULL ? label : "");
    c->ncat++;
    for (size_t s = 0; s < c->nseries; s++) {
        struct chart_series *ser = &c->series[s];

        series_grow(ser, 0);
        ser->y[ser->n++] = values != NULL ? values[s] : NAN;
    }
}

void
chart_bins(struct chart *c, size_t nbins, const double *edges, const double *const *counts)
{
    free_strings(c->labels, c->ncat);
    c->labels = NULL;
    free(c->edges);
    c->edges = nbins > 0 ? dup_doubles(edges, nbins + 1) : NULL;
    c->ncat = nbins;
    for (size_t s = 0; s < c->nseries; s++) {
        struct chart_series *ser = &c->series[s];

        free(ser->x);
        free(ser->y);
        ser->x = NULL;
        ser->y = NULL;
        ser->n = ser->alloc = 0;
        if (nbins == 0)
            continue;
        ser->y = counts != NULL && counts[s] != NULL ? dup_doubles(counts[s], nbins)
                                                       : xcalloc(nbins, sizeof *ser->y);
        ser->n = ser->alloc = nbins;
    }
}

void
chart_matrix(struct chart *c, size_t nrow, size_t ncol, const char *const *rowlabels,
             const char *const *collabels, const double *cells)
{
    free_strings(c->labels, c->ncat);
    free_strings(c->collabels, c->ncol);
    free(c->cells);
    c->labels = c->collabels = NULL;
    c->cells = NULL;
    c->ncat = nrow;
    c->ncol = ncol;
    if (nrow == 0 || ncol == 0)
        return;
    c->labels = xcalloc(nrow, sizeof *c->labels);
    c->collabels = xcalloc(ncol, sizeof *c->collabels);
    for (size_t i = 0; i < nrow; i++)
        c->labels[i] = rowlabels != NULL && rowlabels[i] != NULL ? xstrdup(rowlabels[i])
                                                                  : xasprintf("%zu", i);
    for (size_t j = 0; j < ncol; j++)
        c->collabels[j] = collabels != NULL && collabels[j] != NULL ? xstrdup(collabels[j])
                                                                    : xasprintf("%zu", j);
    c->cells = xreallocarray(NULL, nrow * ncol, sizeof *c->cells);
    for (size_t k = 0; k < nrow * ncol; k++)
        c->cells[k] = cells != NULL ? cells[k] : NAN;
}

/* ------------------------------------------------------------------------
 * Ranges, ticks and labels
 */

static void
widen(double *lo, double *hi, double v)
{
    if (v < *lo)
        *lo = v;
    if (v > *hi)
        *hi = v;
}

/* An empty or one-value range grows around its value so that LO < HI. */
static void
pad_range(double *lo, double *hi)
{
    double v = *lo, d;

    if (*hi > *lo)
        return;
    d = v != 0 ? fabs(v) * 0.1 : 1;
    *lo = v - d;
    *hi = v + d;
    if (!(*hi > *lo)) { /* so large that the padding vanished */
        *lo = nextafter(v, -INFINITY);
        *hi = nextafter(v, INFINITY);
    }
}

int
chart_equal_bins(const struct chart *c)
{
    double w;

    if (c->edges == NULL || c->ncat == 0)
        return 0;
    for (size_t b = 0; b <= c->ncat; b++)
        if (!isfinite(c->edges[b]))
            return 0;
    w = c->edges[1] - c->edges[0];
    if (!(w > 0))
        return 0;
    for (size_t b = 1; b < c->ncat; b++) {
        double wb = c->edges[b + 1] - c->edges[b];

        if (!(fabs(wb - w) <= 1e-6 * w))
            return 0;
    }
    return 1;
}

static int
xy_range(const struct chart *c, double *xlo, double *xhi, double *ylo, double *yhi)
{
    double x0 = *xlo, x1 = *xhi, y0 = *ylo, y1 = *yhi;
    size_t found = 0;

    for (size_t s = 0; s < c->nseries; s++) {
        const double *xs = c->series[s].x, *ys = c->series[s].y;
        size_t n = c->series[s].n;

        if (xs == NULL)
            continue;
        for (size_t i = 0; i < n; i++) {
            double x = xs[i], y = ys[i];

            if (!chart_finite2(x, y) || (c->logy && y <= 0))
                continue;
            if (c->logy)
                y = log10(y);
            x0 = x < x0 ? x : x0;
            x1 = x > x1 ? x : x1;
            y0 = y < y0 ? y : y0;
            y1 = y > y1 ? y : y1;
            found++;
        }
    }
    if (found == 0)
        return -1;
    if (c->diagonal && !c->logy) {
        x0 = x0 < 0 ? x0 : 0;
        y0 = y0 < 0 ? y0 : 0;
        x1 = x1 > 1 ? x1 : 1;
        y1 = y1 > 1 ? y1 : 1;
    }
    *xlo = x0;
    *xhi = x1;
    *ylo = y0;
    *yhi = y1;
    return 0;
}

int
chart_range(const struct chart *c, double *xlo, double *xhi, double *ylo, double *yhi)
{
    double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;
    size_t found = 0;

    switch (c->kind) {
    case CHART_LINE:
    case CHART_SCATTER:
        if (xy_range(c, &x0, &x1, &y0, &y1) < 0)
            return -1;
        found = 1;
        break;
    case CHART_BARS:
    case CHART_HIST:
        if (c->ncat == 0 || (c->kind == CHART_HIST && c->edges == NULL))
            return -1;
        for (size_t s = 0; s < c->nseries; s++)
            for (size_t i = 0; i < c->series[s].n && i < c->ncat; i++)
                if (isfinite(c->series[s].y[i])) {
                    widen(&y0, &y1, c->series[s].y[i]);
                    found++;
                }
        if (found == 0)
            return -1;
        widen(&y0, &y1, 0);
        if (c->kind == CHART_HIST && y0 < 0)
            y0 = 0;
        if (!(y1 > y0))
            y1 = y0 + 1;
        x0 = 0;
        x1 = (double)c->ncat;
        if (c->kind == CHART_HIST && chart_equal_bins(c)) {
            x0 = c->edges[0];
            x1 = c->edges[c->ncat];
        }
        break;
    case CHART_HEAT:
        if (c->ncat == 0 || c->ncol == 0 || c->cells == NULL)
            return -1;
        for (size_t k = 0; k < c->ncat * c->ncol; k++)
            if (isfinite(c->cells[k])) {
                widen(&y0, &y1, c->cells[k]);
                found++;
            }
        if (found == 0)
            return -1;
        x0 = 0;
        x1 = (double)c->ncol;
        break;
    default:
        return -1;
    }
    pad_range(&x0, &x1);
    pad_range(&y0, &y1);
    *xlo = x0;
    *xhi = x1;
    *ylo = y0;
    *yhi = y1;
    return 0;
}

/* The smallest 1-2-5 step at least RAW (> 0). */
static double
nice_step(double raw)
{
    double p = pow(10, floor(log10(raw))), f = raw / p;

    if (f <= 1 + 1e-9)
        return p;
    if (f <= 2 + 1e-9)
        return 2 * p;
    if (f <= 5 + 1e-9)
        return 5 * p;
    return 10 * p;
}

/* The 1-2-5 step after STEP. */
static double
next_step(double step)
{
    return nice_step(step * 1.5);
}

/* V written with DIGITS significant digits in BUF of SIZE bytes. */
static void
sig(char *buf, size_t size, double v, int digits)
{
    char tmp[NUMFMT_BUFSZ];
    size_t n;

    if (digits < 1)
        digits = 1;
    if (digits > 17)
        digits = 17;
    numfmt_sig(tmp, v, digits);
    n = strlen(tmp);
    if (n >= size)
        n = size - 1;
    memcpy(buf, tmp, n);
    buf[n] = '\0';
}

/* The unit of a compact label for magnitude M: 1, or k, M, G, T. */
static double
unit_of(double m, const char **suffix)
{
    static const struct {
        double unit;
        const char *suffix;
    } units[] = {{1e12, "T"}, {1e9, "G"}, {1e6, "M"}, {1e3, "k"}};

    *suffix = "";
    if (m < 1e4 || m >= 1e15)
        return 1;
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (m >= units[i].unit) {
            *suffix = units[i].suffix;
            return units[i].unit;
        }
    return 1;
}

/* Labels of linear ticks STEP apart: one unit for the whole axis ("0", "5k",
 * "10k"), as many decimals as the step needs. */
static void
label_linear(struct chart_ticks *t, double step)
{
    double m = 0, unit;
    const char *suffix;
    int dec;

    for (int i = 0; i < t->n; i++)
        if (fabs(t->v[i]) > m)
            m = fabs(t->v[i]);
    unit = unit_of(m, &suffix);
    dec = -(int)floor(log10(step / unit) + 1e-9);
    if (dec < 0 && m < 1e15)
        dec = 0;
    for (int i = 0; i < t->n; i++) {
        double u = t->v[i] / unit;
        char num[CHART_LABELSZ - 2];

        if (u == 0) {
            strcpy(t->label[i], "0");
            continue;
        }
        sig(num, sizeof num, u, (int)floor(log10(fabs(u))) + 1 + dec);
        snprintf(t->label[i], CHART_LABELSZ, "%s%s", num, suffix);
    }
}

/* A value of a log axis (1, 2 or 5 times a power of ten, or a linear tick). */
static void
label_value(char *buf, double v)
{
    const char *suffix;
    double unit, u;
    char num[CHART_LABELSZ - 2];
    int mag;

    if (v == 0 || !isfinite(v)) {
        sig(buf, CHART_LABELSZ, v == 0 ? 0 : v, 1);
        return;
    }
    unit = unit_of(fabs(v), &suffix);
    u = v / unit;
    mag = (int)floor(log10(fabs(u)));
    sig(num, sizeof num, u, fabs(u) >= 1 && fabs(u) < 1e4 ? mag + 1 : 1);
    snprintf(buf, CHART_LABELSZ, "%s%s", num, suffix);
}

static void
linear_ticks(struct chart_ticks *t, double lo, double hi, int maxn, int loose)
{
    double step, a, b;

    t->lo = lo;
    t->hi = hi;
    t->n = 0;
    step = nice_step((hi - lo) / (maxn - 1));
    for (;;) {
        if (!isfinite(hi - lo) || !(hi > lo) || !(step > 0) || !isfinite(step)) {
            /* ranges past double's reach either way: the ends, labelled */
            t->v[t->n++] = lo;
            t->v[t->n++] = hi;
            for (int i = 0; i < t->n; i++)
                label_value(t->label[i], t->v[i]);
            return;
        }
        a = loose ? floor(lo / step + 1e-9) : ceil(lo / step - 1e-9);
        b = loose ? ceil(hi / step - 1e-9) : floor(hi / step + 1e-9);
        if (b - a + 1 <= maxn)
            break;
        step = next_step(step);
    }
    if (loose) {
        t->lo = a * step;
        t->hi = b * step;
    }
    for (double k = a; k <= b && t->n < CHART_MAXTICKS; k++) {
        double v = k * step;

        t->v[t->n++] = fabs(v) < step * 1e-9 ? 0 : v;
    }
    label_linear(t, step);
}

/* Ticks of a log axis over log10 values LO..HI. */
static void
log_ticks(struct chart_ticks *t, double lo, double hi, int maxn)
{
    static const double mult[] = {1, 2, 5};
    double a = ceil(lo - 1e-9), b = floor(hi + 1e-9), d = 1;

    t->lo = lo;
    t->hi = hi;
    t->n = 0;
    if (b - a + 1 < 3) { /* a short range: 1, 2, 5 times powers of ten */
        for (double e = floor(lo) - 1; e <= ceil(hi) && t->n < CHART_MAXTICKS; e++)
            for (int m = 0; m < 3 && t->n < CHART_MAXTICKS; m++) {
                double v = e + log10(mult[m]);

                if (v >= lo - 1e-9 && v <= hi + 1e-9)
                    t->v[t->n++] = v;
            }
        if (t->n > maxn && b - a + 1 >= 2)
            t->n = 0; /* too many: the powers of ten alone */
    }
    if (t->n == 0) { /* powers of ten, every d-th */
        while (floor(b / d) - ceil(a / d) + 1 > maxn)
            d = next_step(d);
        for (double k = ceil(a / d); k * d <= b && t->n < CHART_MAXTICKS; k++)
            t->v[t->n++] = k * d;
    }
    if (t->n > maxn || t->n < 2) { /* within a decade or so: linear ticks */
        struct chart_ticks lin;
        int n = 0;

        linear_ticks(&lin, pow(10, lo), pow(10, hi), maxn, 0);
        for (int i = 0; i < lin.n; i++)
            if (lin.v[i] > 0) {
                t->v[n] = log10(lin.v[i]);
                memcpy(t->label[n], lin.label[i], CHART_LABELSZ);
                n++;
            }
        t->n = n;
        return;
    }
    for (int i = 0; i < t->n; i++)
        label_value(t->label[i], pow(10, t->v[i]));
}

void
chart_ticks(struct chart_ticks *t, double lo, double hi, int maxn, int loose, int logscale)
{
    if (maxn < 2)
        maxn = 2;
    if (maxn > CHART_MAXTICKS)
        maxn = CHART_MAXTICKS;
    if (logscale && isfinite(hi - lo) && hi > lo)
        log_ticks(t, lo, hi, maxn);
    else
        linear_ticks(t, lo, hi, maxn, loose);
}

char *
chart_format_value(char buf[CHART_LABELSZ], double v)
{
    char tmp[NUMFMT_BUFSZ];

    if (v == 0)
        v = 0; /* no "-0" */
    if (isfinite(v) && v == floor(v) && fabs(v) < 1e7)
        numfmt_sig(tmp, v, 7);
    else
        numfmt_sig(tmp, v, 3);
    snprintf(buf, CHART_LABELSZ, "%s", tmp);
    return buf;
}

/* ------------------------------------------------------------------------
 * The canvas
 */

struct canvas *
canvas_new(int w, int h)
{
    struct canvas *cv = xcalloc(1, sizeof *cv);

    cv->w = w < 1 ? 1 : w;
    cv->h = h < 1 ? 1 : h;
    cv->cells = xcalloc((size_t)cv->w * (size_t)cv->h, sizeof *cv->cells);
    for (size_t i = 0; i < (size_t)cv->w * (size_t)cv->h; i++)
        cv->cells[i].ch = ' ';
    cv->glyphs = GLYPHS_BRAILLE;
    return cv;
}

void
canvas_free(struct canvas *cv)
{
    if (cv == NULL)
        return;
    free(cv->cells);
    free(cv);
}

uint32_t
chart_utf8_next(const unsigned char **p)
{
    const unsigned char *s = *p;
    uint32_t c = s[0];
    int n;

    if (c < 0x80) {
        *p = s + 1;
        return c;
    }
    if (c >= 0xc2 && c <= 0xdf) {
        n = 1;
        c &= 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 2;
        c &= 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 3;
        c &= 0x07;
    } else {
        *p = s + 1;
        return 0xfffd;
    }
    for (int i = 1; i <= n; i++) {
        if ((s[i] & 0xc0) != 0x80) {
            *p = s + 1;
            return 0xfffd;
        }
        c = (c << 6) | (s[i] & 0x3f);
    }
    *p = s + n + 1;
    if ((n == 2 && c < 0x800) || (n == 3 && (c < 0x10000 || c > 0x10ffff)) ||
        (c >= 0xd800 && c <= 0xdfff))
        return 0xfffd;
    return c;
}

/* ------------------------------------------------------------------------
 * The canvas as text
 */

static void
add_utf8(struct strbuf *sb, uint32_t c)
{
    char b[4];

    if (c < 0x80) {
        strbuf_addch(sb, (int)c);
        return;
    }
    if (c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
        c = 0xfffd;
    if (c < 0x800) {
        b[0] = (char)(0xc0 | (c >> 6));
        b[1] = (char)(0x80 | (c & 0x3f));
        strbuf_add(sb, b, 2);
    } else if (c < 0x10000) {
        b[0] = (char)(0xe0 | (c >> 12));
        b[1] = (char)(0x80 | ((c >> 6) & 0x3f));
        b[2] = (char)(0x80 | (c & 0x3f));
        strbuf_add(sb, b, 3);
    } else {
        b[0] = (char)(0xf0 | (c >> 18));
        b[1] = (char)(0x80 | ((c >> 12) & 0x3f));
        b[2] = (char)(0x80 | ((c >> 6) & 0x3f));
        b[3] = (char)(0x80 | (c & 0x3f));
        strbuf_add(sb, b, 4);
    }
}

static int
is_blank(const struct chart_cell *cell)
{
    return cell->ch == ' ' || cell->ch == 0;
}

static int
shaded_blank(const struct chart_cell *cell)
{
    return is_blank(cell) && cell->shade > 0;
}

/* Without colour a shaded blank cell shows its shade as a glyph; beside text
 * it stays blank so that the text reads, unless no glyph would be left on
 * that side (a narrow cell: "█170█" rather than " 170 ") and the glyph cannot
 * be taken for part of a number (ASCII's '.' and ':' could: ".6" is 0.6). */
static uint32_t
shade_glyph(const struct canvas *cv, int x, int y)
{
    static const uint32_t unicode[5] = {' ', 0x2591, 0x2592, 0x2593, 0x2588};
    static const uint32_t ascii[5] = {' ', '.', ':', '#', '@'};
    const struct chart_cell *row = &cv->cells[(size_t)y * (size_t)cv->w];
    int text_left = x > 0 && !is_blank(&row[x - 1]);
    int text_right = x + 1 < cv->w && !is_blank(&row[x + 1]);
    int more_left = x > 0 && shaded_blank(&row[x - 1]);
    int more_right = x + 1 < cv->w && shaded_blank(&row[x + 1]);

    uint32_t g = cv->glyphs == GLYPHS_ASCII ? ascii[row[x].shade % 5] : unicode[row[x].shade % 5];

    if ((text_left && more_right) || (text_right && more_left))
        return ' ';
    if ((text_left || text_right) && (g == '.' || g == ':'))
        return ' ';
    return g;
}

/* The SGR sequence for a cell's colour, weight and shade. */
static void
add_sgr(struct strbuf *sb, const struct chart_cell *cell)
{
    static const char *const fg[] = {"", "34", "31", "32", "35", "36", "33", "90"};
    static const int bg[5] = {0, 153, 111, 68, 25};

    strbuf_adds(sb, "\033[0");
    if (cell->bold)
        strbuf_adds(sb, ";1");
    if (cell->colour > 0 && cell->colour <= CHART_DIM)
        strbuf_addf(sb, ";%s", fg[cell->colour]);
    if (cell->shade > 0 && cell->shade <= 4) {
        if (cell->colour == CHART_DEFAULT)
            strbuf_adds(sb, cell->shade >= 3 ? ";97" : ";30");
        strbuf_addf(sb, ";48;5;%d", bg[cell->shade]);
    }
    strbuf_addch(sb, 'm');
}

static int
same_attrs(const struct chart_cell *a, const struct chart_cell *b)
{
    return a->colour == b->colour && a->bold == b->bold && a->shade == b->shade;
}

char *
canvas_text(const struct canvas *cv, int colour)
{
    struct strbuf sb = STRBUF_INIT;
    static const struct chart_cell plain = {' ', 0, 0, 0};
    uint32_t *chars = xreallocarray(NULL, (size_t)cv->w, sizeof *chars);

    for (int y = 0; y < cv->h; y++) {
        const struct chart_cell *row = &cv->cells[(size_t)y * (size_t)cv->w], *attrs = &plain;
        int end = 0;

        /* what each cell shows; the line ends after the last that shows */
        for (int x = 0; x < cv->w; x++) {
            chars[x] = is_blank(&row[x]) ? ' ' : row[x].ch;
            if (!colour && shaded_blank(&row[x]))
                chars[x] = shade_glyph(cv, x, y);
            if (chars[x] != ' ' || (colour && row[x].shade > 0))
                end = x + 1;
        }
        for (int x = 0; x < end; x++) {
            const struct chart_cell *cell = &row[x];

            if (colour && !same_attrs(cell, attrs)) {
                if (cell->colour == 0 && !cell->bold && cell->shade == 0)
                    strbuf_adds(&sb, "\033[0m");
                else
                    add_sgr(&sb, cell);
                attrs = cell;
            }
            add_utf8(&sb, chars[x]);
        }
        if (colour && !same_attrs(attrs, &plain))
            strbuf_adds(&sb, "\033[0m");
        strbuf_addch(&sb, '\n');
    }
    free(chars);
    return strbuf_detach(&sb, NULL);
}
