/*
 * chart.h - charts as data (lines, points, bars, histograms, heat maps),
 * drawn onto a grid of terminal cells (braille dots, block elements or plain
 * ASCII) and written as SVG. Pure: no screen, no curses; the TUI copies a
 * canvas into its window, plain mode prints canvas_text().
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef AIWB_CHART_H
#define AIWB_CHART_H

#include <stddef.h>
#include <stdint.h>

struct strbuf;

enum chart_kind {
    CHART_LINE,    /* series of (x, y) joined by lines: curves, ROC, PR */
    CHART_SCATTER, /* series of (x, y) as points, one colour per series (by=COLUMN) */
    CHART_BARS,    /* labelled categories, one bar per series in each (importance, drift of
                    * a categorical column: reference and current side by side) */
    CHART_HIST,    /* bins given by edges, one bar per series in each (hist, drift of a
                    * numeric column) */
    CHART_HEAT     /* a matrix with row and column labels, cells shaded by value
                    * (confusion matrix) */
};

/* One series of a LINE or SCATTER chart; of a BARS or HIST chart, its values
 * per category or bin. */
struct chart_series {
    char *name;
    size_t n, alloc;
    double *x, *y;   /* LINE/SCATTER: points (a NaN y breaks a line); BARS/HIST: y only,
                      * one per category or bin, x unused */
};

struct chart {
    enum chart_kind kind;
    char *title, *xlabel, *ylabel;
    int logy;        /* LINE: log10 y axis (losses spanning decades); non-positive y skipped */
    int diagonal;    /* LINE: draw the dotted line y = x (ROC) */
    size_t nseries;
    struct chart_series *series;
    /* BARS: category labels; HEAT: row labels */
    size_t ncat;
    char **labels;
    /* HIST: ncat + 1 bin edges */
    double *edges;
    /* HEAT: column labels and the nrow x ncol cells, row-major (nrow = ncat) */
    size_t ncol;
    char **collabels;
    double *cells;
};

/* A new empty chart of KIND titled TITLE (may be NULL). Never NULL. */
struct chart *chart_new(enum chart_kind kind, const char *title);
void chart_free(struct chart *c);
/* A deep copy (the TUI draws a copy of a live curve outside the job's lock). */
struct chart *chart_copy(const struct chart *c);
/* Axis titles (either may be NULL). */
void chart_axes(struct chart *c, const char *xlabel, const char *ylabel);
/* Add a series named NAME; its index. */
size_t chart_add_series(struct chart *c, const char *name);
/* Append point (X, Y) to series S of a LINE or SCATTER chart. */
void chart_point(struct chart *c, size_t s, double x, double y);
/* BARS: add a category LABEL with one value per series (NSERIES values in
 * VALUES; the series must exist). */
void chart_category(struct chart *c, const char *label, const double *values);
/* HIST: set the NBINS bins by their NBINS + 1 increasing EDGES and each
 * series' counts (COUNTS[s][b], nseries arrays of NBINS). */
void chart_bins(struct chart *c, size_t nbins, const double *edges, const double *const *counts);
/* HEAT: set an NROW x NCOL matrix (CELLS row-major) and its labels. */
void chart_matrix(struct chart *c, size_t nrow, size_t ncol, const char *const *rowlabels,
                  const char *const *collabels, const double *cells);

/* How a canvas draws. */
enum chart_glyphs {
    GLYPHS_BRAILLE, /* lines and points in braille dots (2x4 per cell), bars in eighth blocks */
    GLYPHS_BLOCKS,  /* lines and points in quadrant blocks (2x2 per cell), bars in eighth blocks */
    GLYPHS_ASCII    /* --ascii, or a locale without UTF-8: * . - | # and the like */
};

/* Colours a cell can have: the default, six series colours, and dim (axes). */
enum { CHART_DEFAULT = 0, CHART_SERIES1 = 1, CHART_NCOLOURS = 6, CHART_DIM = 7 };

struct chart_cell {
    uint32_t ch;     /* a Unicode code point, ' ' when empty */
    uint8_t colour;  /* CHART_DEFAULT, CHART_SERIES1 + (series % 6), CHART_DIM */
    uint8_t shade;   /* HEAT: 0 none, 1..4 lightest to darkest background */
    uint8_t bold;    /* titles, the diagonal's largest cells */
};

/* A W x H grid of cells, row-major. */
struct canvas {
    int w, h;
    struct chart_cell *cells;
    /* Added by the charts helper: the glyphs chart_draw last drew with, so that
     * canvas_text shades in the same alphabet (GLYPHS_BRAILLE after canvas_new). */
    enum chart_glyphs glyphs;
};

/* A blank W x H canvas (W, H at least 1). Never NULL. */
struct canvas *canvas_new(int w, int h);
void canvas_free(struct canvas *cv);

/*
 * Draw chart C over the whole canvas CV with GLYPHS: title on the first line,
 * y-axis tick labels on the left, x-axis ticks and title at the bottom, a
 * legend when there are two series or more, the plot area between. Works down
 * to 20 x 6 cells (a compact chart: the title and legend give way first).
 * An empty chart (no points) says "no data" in the middle.
 */
void chart_draw(const struct chart *c, struct canvas *cv, enum chart_glyphs glyphs);

/*
 * The canvas as UTF-8 text, one line per row with trailing blanks trimmed,
 * each ending in '\n' (a new string). COLOUR: ANSI SGR sequences for the
 * colours and shades, else shades as glyphs (░ ▒ ▓ █, or . : # @ in
 * ASCII, chosen by the glyphs the canvas was drawn with).
 */
char *canvas_text(const struct canvas *cv, int colour);

/*
 * Chart C as a standalone SVG 1.1 document of WIDTH x HEIGHT pixels appended
 * to OUT: axes with ticks, labels, legend, a fixed palette that reads in
 * print; text XML-escaped. No scripts, no external references, so it opens
 * in any browser and embeds in HTML.
 */
void chart_svg(const struct chart *c, int width, int height, struct strbuf *out);

/*
 * Added by the charts helper: what the two renderers (chart-draw.c for the
 * terminal, chart-svg.c) share with chart.c, so a chart reads the same in the
 * terminal and in SVG.
 */
#define CHART_MAXTICKS 16
#define CHART_LABELSZ 32

/* Tick marks of one axis: values and their labels ("0.5", "1e-05", "12k"). */
struct chart_ticks {
    double lo, hi;   /* the axis range (widened to whole steps when asked) */
    int n;
    double v[CHART_MAXTICKS];
    char label[CHART_MAXTICKS][CHART_LABELSZ];
};

/*
 * Ticks over [LO, HI] (finite, LO < HI) at 1-2-5 steps, at most MAXN of them
 * (clamped to 2..CHART_MAXTICKS). LOOSE widens the range to whole steps.
 * LOGSCALE: LO and HI are log10 of the values; the ticks are at powers of ten
 * (or 1-2-5 values within a short range), T->v holds their log10 and the
 * labels give the values.
 */
void chart_ticks(struct chart_ticks *t, double lo, double hi, int maxn, int loose, int logscale);

/* V as a short label: an integer in full up to 7 digits, else 3 significant
 * digits ("0.333", "1.23e+07"); NaN as "NA". Locale-independent. Returns BUF. */
char *chart_format_value(char buf[CHART_LABELSZ], double v);

/*
 * The range of C's data: x and y of a LINE or SCATTER chart (y as log10 when
 * logy; non-finite values and, with logy, non-positive ones left out; with
 * diagonal, [0, 1] included); for BARS x is unused and y spans the values and
 * 0; for HIST x spans the edges (0 to the number of bins when they are not
 * all of one width) and y the counts and 0; for HEAT y spans the
 * finite cells. An empty range is padded so that LO < HI always. Returns 0,
 * or -1 when there is nothing to draw ("no data").
 */
int chart_range(const struct chart *c, double *xlo, double *xhi, double *ylo, double *yhi);

/* Whether X and Y are both finite: x - x is NaN for an infinity or a NaN;
 * cheaper than two isfinite() calls in loops that run once per point. */
static inline int
chart_finite2(double x, double y)
{
    return (x - x) + (y - y) == 0;
}

/* The code point of the UTF-8 text at *P, advancing *P past it; a byte that
 * does not begin a valid sequence reads as U+FFFD and advances by one. */
uint32_t chart_utf8_next(const unsigned char **p);

/* Whether HIST bins all have the same width (else they are drawn in equal
 * slots labelled by their edges, as drift's decile bins are). */
int chart_equal_bins(const struct chart *c);

#endif
