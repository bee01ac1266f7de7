/*
 * output.c - tables as aligned text, CSV or JSON lines; messages.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <config.h>

#include "repl/output.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "core/numfmt.h"
#include "core/strbuf.h"
#include "core/table.h"
#include "core/xalloc.h"

#define DEFAULT_DIGITS 6

void
output_init(struct output *out, enum output_format format)
{
    out->data = stdout;
    out->msg = format == OUTPUT_TABLE ? stdout : stderr;
    out->err = stderr;
    out->format = format;
    out->width = 0;
    out->ascii = 0;
    out->tables = 0;
}

int
output_parse_format(const char *s)
{
    if (strcmp(s, "table") == 0 || strcmp(s, "text") == 0)
        return OUTPUT_TABLE;
    if (strcmp(s, "csv") == 0)
        return OUTPUT_CSV;
    if (strcmp(s, "json") == 0 || strcmp(s, "jsonl") == 0)
        return OUTPUT_JSON;
    return -1;
}

const char *
output_cell_text(const struct aiwb_table *t, size_t r, size_t c, char *buf)
{
    const struct table_cell *cell = table_cell(t, r, c);

    if (cell == NULL || cell->null)
        return t->na_text ? "NA" : "";
    switch (t->cols[c].kind) {
    case AIWB_TABLE_TEXT:
        return cell->v.s;
    case AIWB_TABLE_INT:
        snprintf(buf, NUMFMT_BUFSZ, "%lld", (long long)cell->v.i);
        return buf;
    case AIWB_TABLE_REAL:
        /* Whole numbers whole (ids, counts, timestamps), not 1.60573e+09. */
        if (cell->v.r == floor(cell->v.r) && fabs(cell->v.r) < 1e15) {
            snprintf(buf, NUMFMT_BUFSZ, "%.0f", cell->v.r + 0.0); /* -0 shows as 0 */
            return buf;
        }
        return numfmt_sig(buf, cell->v.r, t->cols[c].digits ? t->cols[c].digits : DEFAULT_DIGITS);
    }
    return "";
}

const char *
output_shown(const char *s, struct strbuf *sb)
{
    const unsigned char *p = (const unsigned char *)s;

    while (*p >= 0x20 && *p != 0x7f && !(p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f))
        p++;
    if (*p == '\0')
        return s;
    strbuf_reset(sb);
    strbuf_add(sb, s, (size_t)((const char *)p - s));
    for (; *p; p++) {
        if (*p == '\n')
            strbuf_adds(sb, "\\n");
        else if (*p == '\r')
            strbuf_adds(sb, "\\r");
        else if (*p == '\t')
            strbuf_adds(sb, "\\t");
        else if (*p < 0x20 || *p == 0x7f)
            strbuf_addf(sb, "\\x%02x", *p);
        else if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
            strbuf_addf(sb, "\\u00%02x", *++p);
        else
            strbuf_addch(sb, *p);
    }
    return strbuf_str(sb);
}

/* Display width of UTF-8 text S (terminal cells). */
static size_t
text_width(const char *s)
{
    mbstate_t st;
    size_t w = 0;

    memset(&st, 0, sizeof st);
    while (*s) {
        wchar_t wc;
        size_t n = mbrtowc(&wc, s, MB_CUR_MAX, &st);
        int cw;

        if (n == (size_t)-1 || n == (size_t)-2) { /* not UTF-8 here: count bytes */
            memset(&st, 0, sizeof st);
            n = 1;
            cw = 1;
        } else {
            cw = wcwidth(wc);
            if (cw < 0)
                cw = 1;
        }
        w += (size_t)cw;
        s += n;
    }
    return w;
}

static void
pad(struct strbuf *sb, size_t n)
{
    while (n-- > 0)
        strbuf_addch(sb, ' ');
}

/* Print columns FROM..TO-1 (plus column 0 when FROM > 0) of T. */
static void
text_block(FILE *fp, const struct aiwb_table *t, const size_t *w, size_t from, size_t to)
{
    size_t rows = table_rows(t);
    char buf[NUMFMT_BUFSZ];
    struct strbuf line = STRBUF_INIT, esc = STRBUF_INIT;

    for (size_t r = 0; r <= rows; r++) {
        int first = 1;

        strbuf_reset(&line);
        for (size_t c = 0; c < to; c++) {
            const char *s;
            size_t sw;
            int right;

            if (c != 0 && c < from)
                continue;
            s = output_shown(r == 0 ? t->cols[c].name : output_cell_text(t, r - 1, c, buf),
                             &esc);
            sw = text_width(s);
            right = t->cols[c].kind != AIWB_TABLE_TEXT;
            if (!first)
                strbuf_adds(&line, "  ");
            first = 0;
            if (right)
                pad(&line, w[c] - sw);
            strbuf_adds(&line, s);
            if (!right)
                pad(&line, w[c] - sw);
        }
        while (line.len > 0 && line.buf[line.len - 1] == ' ')
            line.buf[--line.len] = '\0';
        fprintf(fp, "%s\n", strbuf_str(&line));
    }
    strbuf_release(&line);
    strbuf_release(&esc);
}

static void
output_text(struct output *out, const struct aiwb_table *t)
{
    FILE *fp = out->data;
    size_t nc = t->ncols, rows = table_rows(t);
    size_t *w = xcalloc(nc ? nc : 1, sizeof *w);
    char buf[NUMFMT_BUFSZ];
    struct strbuf esc = STRBUF_INIT;

    if (t->title != NULL && *t->title)
        fprintf(fp, "%s\n", t->title);
    for (size_t c = 0; c < nc; c++) {
        w[c] = text_width(output_shown(t->cols[c].name, &esc));
        for (size_t r = 0; r < rows; r++) {
            size_t cw = text_width(output_shown(output_cell_text(t, r, c, buf), &esc));

            if (cw > w[c])
                w[c] = cw;
        }
    }
    if (nc > 0) {
        size_t from = 0;

        /* Blocks of columns that fit the width, each led by column 0. */
        while (from < nc) {
            size_t used = from == 0 ? 0 : w[0] + 2, to = from;

            while (to < nc && (out->width <= 0 || to == from ||
                               used + w[to] + (to > 0 ? 2 : 0) <= (size_t)out->width)) {
                used += w[to] + (to > 0 ? 2 : 0);
                to++;
            }
            if (from > 0)
                fputc('\n', fp);
            text_block(fp, t, w, from == 0 ? 0 : from, to);
            from = to;
        }
    }
    for (size_t i = 0; i < t->nnotes; i++)
        fprintf(fp, "%s\n", t->notes[i]);
    free(w);
    strbuf_release(&esc);
}

static void
csv_field(FILE *fp, const char *s)
{
    if (strpbrk(s, ",\"\r\n") == NULL && *s != ' ' && (*s == '\0' || s[strlen(s) - 1] != ' ')) {
        fputs(s, fp);
        return;
    }
    fputc('"', fp);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', fp);
        fputc(*s, fp);
    }
    fputc('"', fp);
}

/* A cell's value for machines: exact numbers. */
static const char *
exact_text(const struct aiwb_table *t, size_t r, size_t c, char buf[NUMFMT_BUFSZ], int *null)
{
    const struct table_cell *cell = table_cell(t, r, c);

    *null = cell == NULL || cell->null;
    if (*null)
        return "";
    if (t->cols[c].kind == AIWB_TABLE_REAL) {
        *null = isnan(cell->v.r);
        return numfmt_exact(buf, cell->v.r);
    }
    return output_cell_text(t, r, c, buf);
}

void
output_csv(FILE *fp, const struct aiwb_table *t)
{
    char buf[NUMFMT_BUFSZ];
    int null;

    for (size_t c = 0; c < t->ncols; c++) {
        if (c)
            fputc(',', fp);
        csv_field(fp, t->cols[c].name);
    }
    fputc('\n', fp);
    for (size_t r = 0; r < table_rows(t); r++) {
        for (size_t c = 0; c < t->ncols; c++) {
            const char *s = exact_text(t, r, c, buf, &null);

            if (c)
                fputc(',', fp);
            if (!null)
                csv_field(fp, s);
            else if (t->cols[c].kind == AIWB_TABLE_REAL)
                fputs("NA", fp);
        }
        fputc('\n', fp);
    }
}

static void
json_string(FILE *fp, const char *s)
{
    fputc('"', fp);
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;

        if (ch == '"' || ch == '\\')
            fprintf(fp, "\\%c", ch);
        else if (ch == '\n')
            fputs("\\n", fp);
        else if (ch == '\t')
            fputs("\\t", fp);
        else if (ch < 0x20)
            fprintf(fp, "\\u%04x", ch);
        else
            fputc(ch, fp);
    }
    fputc('"', fp);
}

static void
output_json(FILE *fp, const struct aiwb_table *t)
{
    char buf[NUMFMT_BUFSZ];
    int null;

    for (size_t r = 0; r < table_rows(t); r++) {
        fputc('{', fp);
        /* Rows of a titled table say which table they belong to. */
        if (t->title != NULL && *t->title) {
            json_string(fp, "table");
            fputc(':', fp);
            json_string(fp, t->title);
            if (t->ncols > 0)
                fputc(',', fp);
        }
        for (size_t c = 0; c < t->ncols; c++) {
            const char *s = exact_text(t, r, c, buf, &null);
            const struct table_cell *cell = table_cell(t, r, c);

            if (c)
                fputc(',', fp);
            json_string(fp, t->cols[c].name);
            fputc(':', fp);
            if (null)
                fputs("null", fp);
            else if (t->cols[c].kind == AIWB_TABLE_TEXT)
                json_string(fp, s);
            else if (t->cols[c].kind == AIWB_TABLE_REAL && isinf(cell->v.r))
                json_string(fp, s); /* JSON has no infinity */
            else
                fputs(s, fp);
        }
        fputs("}\n", fp);
    }
}

void
output_table(struct output *out, const struct aiwb_table *t)
{
    switch (out->format) {
    case OUTPUT_TABLE:
        output_text(out, t);
        break;
    case OUTPUT_CSV:
        /* Tables of one command follow each other, a blank line between. */
        if (out->tables > 0)
            fputc('\n', out->data);
        output_csv(out->data, t);
        break;
    case OUTPUT_JSON:
        output_json(out->data, t);
        break;
    }
    out->tables++;
    fflush(out->data);
    if (out->format != OUTPUT_TABLE) {
        for (size_t i = 0; i < t->nnotes; i++)
            fprintf(out->msg, "%s\n", t->notes[i]);
        fflush(out->msg);
    }
}

char *
output_bar(const struct output *out, double fraction, int width, char *buf)
{
    /* U+258F..U+2588: one to eight eighths of a cell. */
    static const char *const eighths[] = {"", "\u258f", "\u258e", "\u258d", "\u258c",
                                          "\u258b", "\u258a", "\u2589", "\u2588"};
    long units = lround((fraction < 0 ? 0 : fraction > 1 ? 1 : fraction) * width * 8);
    char *p = buf;

    if (out->ascii) {
        for (long i = 0; i < (units + 4) / 8; i++)
            *p++ = '#';
        *p = '\0';
        return buf;
    }
    for (long i = 0; i < units / 8; i++)
        p = stpcpy(p, eighths[8]);
    p = stpcpy(p, eighths[units % 8]);
    return buf;
}

void
output_say(struct output *out, const char *fmt, ...)
{
    va_list ap;

    fflush(out->data); /* messages come after the data before them */
    va_start(ap, fmt);
    vfprintf(out->msg, fmt, ap);
    va_end(ap);
    fputc('\n', out->msg);
    fflush(out->msg);
}

void
output_notes(struct output *out, const char *text)
{
    const char *p = text;

    fflush(out->data);
    while (p != NULL && *p) {
        const char *nl = strchr(p, '\n');
        int len = nl ? (int)(nl - p) : (int)strlen(p);

        fprintf(out->err, "note: %.*s\n", len, p);
        p = nl ? nl + 1 : NULL;
    }
    fflush(out->err);
}
