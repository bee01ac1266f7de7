/*
 * view.c - views: built by `show` and friends, printed as text charts and
 * tables, handed to the TUI's view pane, or written as SVG and HTML.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <config.h>

#include "repl/view.h"

#include <errno.h>
#include <fcntl.h>
#include <langinfo.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/chart.h"
#include "core/numfmt.h"
#include "core/strbuf.h"
#include "core/table.h"
#include "core/xalloc.h"
#include "repl/cmd.h"
#include "repl/session.h"

/* Text charts: rows of a chart printed in plain and script mode, and the
 * width when the output is not a terminal. */
#define TEXT_CHART_ROWS 18
#define TEXT_CHART_WIDTH 80

/* SVG layout, in pixels. */
#define SVG_WIDTH 800
#define SVG_MARGIN 10
#define SVG_TITLE 34
#define SVG_LINE 17
#define SVG_CHAR 7.8 /* the advance of 13px monospace, about 0.6 em */
#define SVG_CHART_HEIGHT 420
#define HTML_CHART_WIDTH 760
#define HTML_CHART_HEIGHT 400

struct view *
view_new(const char *title)
{
    struct view *v = xcalloc(1, sizeof *v);

    v->title = xstrdup(title != NULL ? title : "");
    return v;
}

void
view_free(struct view *v)
{
    if (v == NULL)
        return;
    for (size_t i = 0; i < v->n; i++) {
        free(v->blocks[i].text);
        table_free(v->blocks[i].table);
        chart_free(v->blocks[i].chart);
        free(v->blocks[i].pages);
    }
    free(v->blocks);
    free(v->title);
    free(v);
}

static struct view_block *
add_block(struct view *v, enum view_block_kind kind)
{
    struct view_block *b;

    v->blocks = xreallocarray(v->blocks, v->n + 1, sizeof *v->blocks);
    b = &v->blocks[v->n++];
    memset(b, 0, sizeof *b);
    b->kind = kind;
    return b;
}

void
view_text(struct view *v, const char *text)
{
    add_block(v, VIEW_TEXT)->text = xstrdup(text);
}

void
view_table(struct view *v, struct aiwb_table *t)
{
    add_block(v, VIEW_TABLE)->table = t;
}

void
view_chart(struct view *v, struct chart *c)
{
    add_block(v, VIEW_CHART)->chart = c;
}

void
view_pages(struct view *v, const struct view_pages *p)
{
    struct view_block *b = add_block(v, VIEW_TABLE);

    b->pages = xmalloc(sizeof *b->pages);
    *b->pages = *p;
}

/* Read the paged tables of V whole, for the outputs that show every row.
 * A table that cannot be read becomes a note saying why. */
static void
read_pages(const struct view *cv)
{
    struct view *v = (struct view *)cv; /* filling a cache, not changing the view */

    for (size_t i = 0; i < v->n; i++) {
        struct view_block *b = &v->blocks[i];
        char *cause = NULL;

        if (b->kind != VIEW_TABLE || b->table != NULL || b->pages == NULL)
            continue;
        b->table = table_new(NULL);
        if (b->pages->fetch(b->pages->ctx, 0, b->pages->total, b->table, &cause) < 0) {
            table_free(b->table);
            b->table = table_new(NULL);
            table_column(b->table, "error", AIWB_TABLE_TEXT);
            table_text(b->table, cause != NULL ? cause : "cannot read the table");
            free(cause);
        }
    }
}

/* Whether the view's title need not be printed: its first block is a chart
 * of the same title, which draws it. */
static int
title_drawn_by_chart(const struct view *v)
{
    return v->n > 0 && v->blocks[0].kind == VIEW_CHART && v->blocks[0].chart->title != NULL &&
           strcmp(v->blocks[0].chart->title, v->title) == 0;
}

/* Add V to T as a real, or an empty cell when it is NaN. */
static void
real_or_null(struct aiwb_table *t, double v)
{
    if (isnan(v))
        table_null(t);
    else
        table_real(t, v);
}

/*
 * The numbers of chart C as a table (a new one), for CSV and JSON output:
 * LINE and SCATTER a row per point (series, x, y); BARS a row per category
 * and HIST a row per bin, a column per series; HEAT a row per matrix row.
 */
static struct aiwb_table *
chart_table(const struct chart *c)
{
    struct aiwb_table *t = table_new(c->title);

    switch (c->kind) {
    case CHART_LINE:
    case CHART_SCATTER:
        table_column(t, "series", AIWB_TABLE_TEXT);
        table_column(t, c->xlabel != NULL && *c->xlabel ? c->xlabel : "x", AIWB_TABLE_REAL);
        table_column(t, c->ylabel != NULL && *c->ylabel ? c->ylabel : "y", AIWB_TABLE_REAL);
        for (size_t s = 0; s < c->nseries; s++)
            for (size_t i = 0; i < c->series[s].n; i++) {
                table_text(t, c->series[s].name != NULL ? c->series[s].name : "");
                real_or_null(t, c->series[s].x[i]);
                real_or_null(t, c->series[s].y[i]);
            }
        break;
    case CHART_BARS:
    case CHART_HIST:
        if (c->kind == CHART_BARS) {
            /* Horizontal bars: the categories run along the y axis. */
            table_column(t, c->ylabel != NULL && *c->ylabel ? c->ylabel : "category",
                         AIWB_TABLE_TEXT);
        } else {
            table_column(t, "from", AIWB_TABLE_REAL);
            table_column(t, "to", AIWB_TABLE_REAL);
        }
        for (size_t s = 0; s < c->nseries; s++)
            table_column(t, c->series[s].name != NULL ? c->series[s].name : "", AIWB_TABLE_REAL);
        for (size_t k = 0; k < c->ncat; k++) {
            if (c->kind == CHART_BARS) {
                table_text(t, c->labels != NULL && c->labels[k] != NULL ? c->labels[k] : "");
            } else {
                table_real(t, c->edges[k]);
                table_real(t, c->edges[k + 1]);
            }
            for (size_t s = 0; s < c->nseries; s++)
                real_or_null(t, k < c->series[s].n ? c->series[s].y[k] : NAN);
        }
        break;
    case CHART_HEAT:
        table_column(t, c->ylabel != NULL && *c->ylabel ? c->ylabel : "", AIWB_TABLE_TEXT);
        for (size_t j = 0; j < c->ncol; j++)
            table_column(t, c->collabels[j], AIWB_TABLE_REAL);
        for (size_t i = 0; i < c->ncat; i++) {
            table_text(t, c->labels[i]);
            for (size_t j = 0; j < c->ncol; j++)
                real_or_null(t, c->cells[i * c->ncol + j]);
        }
        break;
    }
    return t;
}

/* How charts are drawn in text: braille unless --ascii or the locale is not
 * UTF-8 (then the terminal could not show it). */
static enum chart_glyphs
text_glyphs(const struct session *s)
{
    const char *codeset = nl_langinfo(CODESET);

    if (s->out.ascii || codeset == NULL ||
        (strcmp(codeset, "UTF-8") != 0 && strcmp(codeset, "utf8") != 0))
        return GLYPHS_ASCII;
    return GLYPHS_BRAILLE;
}

/* The rows a text chart takes: a heat map and bars a row per matrix row or
 * bar (and their title, axis and legend), else TEXT_CHART_ROWS. */
static int
text_rows(const struct chart *c)
{
    size_t rows = TEXT_CHART_ROWS;

    if (c->kind == CHART_HEAT)
        rows = c->ncat + 4;
    else if (c->kind == CHART_BARS)
        rows = c->ncat * (c->nseries ? c->nseries : 1) + 5 + (c->nseries > 1 ? c->nseries : 0);
    return rows < 8 ? 8 : rows > 60 ? 60 : (int)rows;
}

static void
print_chart(struct session *s, const struct chart *c)
{
    int w = s->out.width > 0 ? s->out.width : TEXT_CHART_WIDTH;
    struct canvas *cv;
    char *text;

    if (s->out.format != OUTPUT_TABLE) {
        struct aiwb_table *t = chart_table(c);

        output_table(&s->out, t);
        table_free(t);
        return;
    }
    cv = canvas_new(w, text_rows(c));
    chart_draw(c, cv, text_glyphs(s));
    text = canvas_text(cv, s->colour);
    /* The rows the chart left empty at the bottom are not printed. */
    for (size_t len = strlen(text); len > 1 && text[len - 1] == '\n' && text[len - 2] == '\n';)
        text[--len] = '\0';
    fputs(text, s->out.data);
    fflush(s->out.data);
    free(text);
    canvas_free(cv);
}

/* Print V to the session's output (see view_show()). */
static void
print_view(struct session *s, const struct view *v)
{
    read_pages(v);
    if (*v->title != '\0' && !title_drawn_by_chart(v))
        output_say(&s->out, "%s", v->title);
    for (size_t i = 0; i < v->n; i++) {
        const struct view_block *b = &v->blocks[i];

        /* A blank line between blocks, not after the title. */
        if (i > 0 && s->out.format == OUTPUT_TABLE)
            output_say(&s->out, "%s", "");
        switch (b->kind) {
        case VIEW_TEXT:
            fputs(b->text, s->out.msg);
            if (*b->text != '\0' && b->text[strlen(b->text) - 1] != '\n')
                fputc('\n', s->out.msg);
            fflush(s->out.msg);
            break;
        case VIEW_TABLE:
            output_table(&s->out, b->table);
            break;
        case VIEW_CHART:
            print_chart(s, b->chart);
            break;
        }
    }
}

void
view_show(struct session *s, struct view *v)
{
    if (v == NULL)
        return;
    if (s->show != NULL) {
        s->show(s, v);
        return;
    }
    print_view(s, v);
    view_free(v);
}

/* Append TEXT to OUT with the characters XML gives a meaning escaped; bytes
 * that XML 1.0 forbids (control characters) become '?'. */
static void
xml_escape(struct strbuf *out, const char *text)
{
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        switch (*p) {
        case '&':
            strbuf_adds(out, "&amp;");
            break;
        case '<':
            strbuf_adds(out, "&lt;");
            break;
        case '>':
            strbuf_adds(out, "&gt;");
            break;
        case '"':
            strbuf_adds(out, "&quot;");
            break;
        case '\'':
            strbuf_adds(out, "&#39;");
            break;
        default:
            strbuf_addch(out, *p < 0x20 && *p != '\t' && *p != '\n' ? '?' : *p);
        }
    }
}

void
view_escape(struct strbuf *out, const char *text)
{
    xml_escape(out, text);
}

/* Characters of UTF-8 text S (its code points): monospace cells in SVG. */
static size_t
chars(const char *s)
{
    size_t n = 0;

    for (; *s; s++)
        n += ((unsigned char)*s & 0xc0) != 0x80;
    return n;
}

/* The <svg ...> element of the SVG document DOC without what comes before it
 * (the XML declaration, a DOCTYPE, comments), appended to OUT; with X and Y
 * (when X >= 0) added as its position, so it nests in another SVG. */
static void
svg_element(struct strbuf *out, const char *doc, double x, double y)
{
    const char *p = strstr(doc, "<svg");
    size_t len;

    if (p == NULL)
        return;
    len = strlen(p);
    while (len > 0 && (p[len - 1] == '\n' || p[len - 1] == ' '))
        len--;
    if (x >= 0) {
        strbuf_adds(out, "<svg");
        strbuf_addf(out, " x=\"%g\" y=\"%g\"", x, y);
        strbuf_add(out, p + 4, len - 4);
    } else {
        strbuf_add(out, p, len);
    }
    strbuf_addch(out, '\n');
}

/* A monospace line of text at (X, Y) in SVG; BOLD for headers, ANCHOR "start"
 * or "end". */
static void
svg_text(struct strbuf *out, double x, double y, const char *text, int bold, const char *anchor)
{
    strbuf_addf(out, "<text x=\"%g\" y=\"%g\" text-anchor=\"%s\"%s>", x, y, anchor,
                bold ? " font-weight=\"bold\"" : "");
    xml_escape(out, text);
    strbuf_adds(out, "</text>\n");
}

/* Table T as a text grid at height *Y; *Y moves below it. Returns its width. */
static double
svg_table(struct strbuf *out, const struct aiwb_table *t, double *y)
{
    size_t nc = t->ncols, rows = table_rows(t);
    size_t *w = xcalloc(nc ? nc : 1, sizeof *w);
    double x, width = 0;
    char buf[NUMFMT_BUFSZ];
    struct strbuf esc = STRBUF_INIT;

    for (size_t c = 0; c < nc; c++) {
        w[c] = chars(output_shown(t->cols[c].name, &esc));
        for (size_t r = 0; r < rows; r++) {
            size_t cw = chars(output_shown(output_cell_text(t, r, c, buf), &esc));

            w[c] = cw > w[c] ? cw : w[c];
        }
        width += (double)(w[c] + 2) * SVG_CHAR;
    }
    strbuf_adds(out, "<g font-family=\"monospace\" font-size=\"13\" fill=\"#222\">\n");
    if (t->title != NULL && *t->title) {
        *y += SVG_LINE;
        svg_text(out, SVG_MARGIN, *y, t->title, 1, "start");
    }
    for (size_t r = 0; r <= rows; r++) {
        *y += SVG_LINE;
        x = SVG_MARGIN;
        for (size_t c = 0; c < nc; c++) {
            int right = t->cols[c].kind != AIWB_TABLE_TEXT;
            const char *s = output_shown(r == 0 ? t->cols[c].name
                                                : output_cell_text(t, r - 1, c, buf), &esc);

            svg_text(out, right ? x + (double)w[c] * SVG_CHAR : x, *y, s, r == 0,
                     right ? "end" : "start");
            x += (double)(w[c] + 2) * SVG_CHAR;
        }
        if (r == 0)
            strbuf_addf(out, "<line x1=\"%d\" y1=\"%g\" x2=\"%g\" y2=\"%g\" stroke=\"#999\" "
                             "stroke-width=\"1\"/>\n", SVG_MARGIN, *y + 5, SVG_MARGIN + width,
                        *y + 5);
    }
    for (size_t i = 0; i < t->nnotes; i++) {
        double nw = (double)chars(t->notes[i]) * SVG_CHAR;

        *y += SVG_LINE;
        svg_text(out, SVG_MARGIN, *y, t->notes[i], 0, "start");
        width = nw > width ? nw : width;
    }
    strbuf_adds(out, "</g>\n");
    free(w);
    strbuf_release(&esc);
    return width;
}

/* Lines of TEXT at height *Y; *Y moves below them. Returns their width. */
static double
svg_lines(struct strbuf *out, const char *text, double *y)
{
    double width = 0;

    strbuf_adds(out, "<g font-family=\"monospace\" font-size=\"13\" fill=\"#222\">\n");
    for (const char *p = text; *p;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl != NULL ? (size_t)(nl - p) : strlen(p);
        char *line = xstrndup(p, len);

        *y += SVG_LINE;
        if (*line != '\0')
            strbuf_addf(out, "<text x=\"%d\" y=\"%g\" xml:space=\"preserve\">", SVG_MARGIN, *y);
        if (*line != '\0') {
            xml_escape(out, line);
            strbuf_adds(out, "</text>\n");
        }
        width = (double)chars(line) * SVG_CHAR > width ? (double)chars(line) * SVG_CHAR : width;
        free(line);
        p += len + (nl != NULL);
    }
    strbuf_adds(out, "</g>\n");
    return width;
}

void
view_svg(const struct view *v, struct strbuf *out)
{
    read_pages(v);
    struct strbuf body = STRBUF_INIT;
    double y = SVG_MARGIN, width = SVG_WIDTH - 2 * SVG_MARGIN, w;

    if (*v->title != '\0' && !title_drawn_by_chart(v)) {
        y += 22;
        strbuf_addf(&body, "<text x=\"%d\" y=\"%g\" font-family=\"sans-serif\" font-size=\"18\" "
                           "font-weight=\"bold\" fill=\"#222\">", SVG_MARGIN, y);
        xml_escape(&body, v->title);
        strbuf_adds(&body, "</text>\n");
        y += SVG_TITLE - 22;
    }
    for (size_t i = 0; i < v->n; i++) {
        const struct view_block *b = &v->blocks[i];
        struct strbuf doc = STRBUF_INIT;

        switch (b->kind) {
        case VIEW_TEXT:
            w = svg_lines(&body, b->text, &y);
            width = w > width ? w : width;
            break;
        case VIEW_TABLE:
            w = svg_table(&body, b->table, &y);
            width = w > width ? w : width;
            break;
        case VIEW_CHART:
            y += 4;
            chart_svg(b->chart, SVG_WIDTH - 2 * SVG_MARGIN, SVG_CHART_HEIGHT, &doc);
            svg_element(&body, strbuf_str(&doc), SVG_MARGIN, y);
            y += SVG_CHART_HEIGHT;
            break;
        }
        y += 12;
        strbuf_release(&doc);
    }
    {
        int W = (int)ceil(width) + 2 * SVG_MARGIN, H = (int)ceil(y) + SVG_MARGIN;

        strbuf_addf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                         "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" "
                         "width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\">\n",
                    W, H, W, H);
        strbuf_adds(out, "<title>");
        xml_escape(out, v->title);
        strbuf_adds(out, "</title>\n");
        strbuf_addf(out, "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n",
                    W, H);
        strbuf_add(out, body.buf != NULL ? body.buf : "", body.len);
        strbuf_adds(out, "</svg>\n");
    }
    strbuf_release(&body);
}

/* Table T as an HTML table appended to OUT. */
static void
html_table(struct strbuf *out, const struct aiwb_table *t)
{
    char buf[NUMFMT_BUFSZ];

    strbuf_adds(out, "<table>\n");
    if (t->title != NULL && *t->title) {
        strbuf_adds(out, "<caption>");
        xml_escape(out, t->title);
        strbuf_adds(out, "</caption>\n");
    }
    strbuf_adds(out, "<thead><tr>");
    for (size_t c = 0; c < t->ncols; c++) {
        strbuf_adds(out, t->cols[c].kind == AIWB_TABLE_TEXT ? "<th>" : "<th class=\"num\">");
        xml_escape(out, t->cols[c].name);
        strbuf_adds(out, "</th>");
    }
    strbuf_adds(out, "</tr></thead>\n<tbody>\n");
    for (size_t r = 0; r < table_rows(t); r++) {
        strbuf_adds(out, "<tr>");
        for (size_t c = 0; c < t->ncols; c++) {
            strbuf_adds(out, t->cols[c].kind == AIWB_TABLE_TEXT ? "<td>" : "<td class=\"num\">");
            xml_escape(out, output_cell_text(t, r, c, buf));
            strbuf_adds(out, "</td>");
        }
        strbuf_adds(out, "</tr>\n");
    }
    strbuf_adds(out, "</tbody>\n</table>\n");
    for (size_t i = 0; i < t->nnotes; i++) {
        strbuf_adds(out, "<p class=\"note\">");
        xml_escape(out, t->notes[i]);
        strbuf_adds(out, "</p>\n");
    }
}

void
view_html(const struct view *v, struct strbuf *out)
{
    read_pages(v);
    strbuf_adds(out, "<section class=\"view\">\n");
    if (*v->title != '\0') {
        strbuf_adds(out, "<h2>");
        xml_escape(out, v->title);
        strbuf_adds(out, "</h2>\n");
    }
    for (size_t i = 0; i < v->n; i++) {
        const struct view_block *b = &v->blocks[i];
        struct strbuf doc = STRBUF_INIT;

        switch (b->kind) {
        case VIEW_TEXT:
            strbuf_adds(out, "<pre>");
            xml_escape(out, b->text);
            strbuf_adds(out, "</pre>\n");
            break;
        case VIEW_TABLE:
            html_table(out, b->table);
            break;
        case VIEW_CHART:
            /* The section's heading says what the chart's title would. */
            if (b->chart->title != NULL && strcmp(b->chart->title, v->title) == 0) {
                struct chart *c = chart_copy(b->chart);

                free(c->title);
                c->title = NULL;
                chart_svg(c, HTML_CHART_WIDTH, HTML_CHART_HEIGHT, &doc);
                chart_free(c);
            } else {
                chart_svg(b->chart, HTML_CHART_WIDTH, HTML_CHART_HEIGHT, &doc);
            }
            strbuf_adds(out, "<figure>\n");
            svg_element(out, strbuf_str(&doc), -1, 0);
            strbuf_adds(out, "</figure>\n");
            break;
        }
        strbuf_release(&doc);
    }
    strbuf_adds(out, "</section>\n");
}

int
view_has_extension(const char *path, const char *ext)
{
    const char *slash = strrchr(path, '/'), *name = slash != NULL ? slash + 1 : path;
    size_t n = strlen(name), e = strlen(ext);

    return n > e && strcasecmp(name + n - e, ext) == 0;
}

int
view_check_folder(struct session *s, const char *cmd, const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir = slash == NULL   ? xstrdup(".")
                : slash == path ? xstrdup("/")
                                : xstrndup(path, (size_t)(slash - path));
    struct stat st;
    int e = 0;

    if (stat(dir, &st) < 0)
        e = errno;
    else if (!S_ISDIR(st.st_mode))
        e = ENOTDIR;
    else if (access(dir, W_OK | X_OK) < 0)
        e = errno;
    if (e != 0)
        cmd_error(s, "%s: cannot write '%s': %s", cmd, path, strerror(e));
    free(dir);
    return e != 0 ? -1 : 0;
}

int
view_write_file(struct session *s, const char *cmd, const char *path, const char *data,
                size_t len)
{
    const char *slash = strrchr(path, '/');
    char *tmp;
    int fd, saved;
    size_t done = 0;

    /* ".NAME.XXXXXX" in PATH's folder, so that rename() stays on one file system. */
    if (slash != NULL)
        tmp = xasprintf("%.*s/.%s.XXXXXX", (int)(slash - path), path, slash + 1);
    else
        tmp = xasprintf(".%s.XXXXXX", path);
    if ((fd = mkstemp(tmp)) < 0) {
        cmd_error(s, "%s: cannot write '%s': %s", cmd, path, strerror(errno));
        free(tmp);
        return -1;
    }
    while (done < len) {
        ssize_t w = write(fd, data + done, len - done);

        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            goto fail;
        done += (size_t)w;
    }
    if (fchmod(fd, 0644) < 0)
        goto fail;
    if (close(fd) < 0) {
        fd = -1;
        goto fail;
    }
    fd = -1;
    if (rename(tmp, path) < 0)
        goto fail;
    free(tmp);
    return 0;
fail:
    saved = errno != 0 ? errno : EIO;
    if (fd >= 0)
        close(fd);
    unlink(tmp);
    free(tmp);
    cmd_error(s, "%s: cannot write '%s': %s", cmd, path, strerror(saved));
    return -1;
}
