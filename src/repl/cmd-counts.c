/*
 * cmd-counts.c - "counts": how often each level (or value) of a column
 * occurs, most frequent first, as a text chart.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <config.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/frame.h"
#include "core/numfmt.h"
#include "core/table.h"
#include "core/xalloc.h"
#include "repl/cmd.h"
#include "repl/session.h"

#define BAR_WIDTH 30
#define DEFAULT_TOP 20

struct count {
    char *text;
    size_t n;
};

static int
by_count(const void *a, const void *b)
{
    const struct count *x = a, *y = b;

    if (x->n != y->n)
        return x->n < y->n ? 1 : -1;
    return strcmp(x->text, y->text);
}

static int
by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

/* The distinct values of column C with their counts (a new array of *K). */
static struct count *
count_values(const struct aiwb_frame *f, size_t c, size_t *k, size_t *missing)
{
    size_t n = frame_rows(f), m = 0;
    struct count *out;

    *missing = 0;
    if (frame_col_type(f, c) == AIWB_CATEGORICAL) {
        const int32_t *codes = frame_codes(f, c);

        *k = frame_nlevels(f, c);
        out = xcalloc(*k ? *k : 1, sizeof *out);
        for (size_t l = 0; l < *k; l++)
            out[l].text = xstrdup(frame_level(f, c, (int32_t)l));
        for (size_t i = 0; i < n; i++) {
            if (codes[i] < 0)
                (*missing)++;
            else
                out[codes[i]].n++;
        }
        return out;
    }
    const double *v = frame_numeric(f, c);
    double *sorted = xmalloc((n ? n : 1) * sizeof *sorted);

    for (size_t i = 0; i < n; i++) {
        if (isnan(v[i]))
            (*missing)++;
        else
            sorted[m++] = v[i];
    }
    qsort(sorted, m, sizeof *sorted, by_value);
    out = xcalloc(m ? m : 1, sizeof *out);
    *k = 0;
    for (size_t i = 0; i < m; i++) {
        char buf[NUMFMT_BUFSZ];

        if (i > 0 && sorted[i] == sorted[i - 1]) {
            out[*k - 1].n++;
            continue;
        }
        out[*k].text = xstrdup(numfmt_exact(buf, sorted[i]));
        out[(*k)++].n = 1;
    }
    free(sorted);
    return out;
}

static enum cmd_retval
cmd_counts_exec(struct session *s, int argc, char **argv)
{
    static const char *const keys[] = {"top"};
    const char *val[1];
    struct dataset *d;
    struct aiwb_table *t;
    struct count *counts;
    size_t k, missing, top = DEFAULT_TOP, n, shown;
    char bar[4 * BAR_WIDTH + 1];
    long c;

    if (cmd_keywords(s, argc - 2, argv + 2, 1, keys, val) < 0 ||
        (val[0] != NULL && cmd_parse_size(s, "top", val[0], &top) < 0))
        return CMD_ERROR;
    if ((d = session_need_dataset(s, argv[0])) == NULL)
        return CMD_ERROR;
    if ((c = frame_find(d->frame, argv[1])) < 0) {
        cmd_error(s, "'%s' has no column '%s'", d->name, argv[1]);
        return CMD_ERROR;
    }
    n = frame_rows(d->frame);
    counts = count_values(d->frame, (size_t)c, &k, &missing);
    qsort(counts, k, sizeof *counts, by_count);
    shown = top == 0 || top > k ? k : top;
    t = table_new(NULL);
    table_column(t, argv[1], AIWB_TABLE_TEXT);
    table_column(t, "count", AIWB_TABLE_INT);
    table_column(t, "share", AIWB_TABLE_REAL);
    table_digits(t, 2, 3);
    if (s->out.format == OUTPUT_TABLE)
        table_column(t, "", AIWB_TABLE_TEXT);
    for (size_t i = 0; i < shown; i++) {
        table_text(t, counts[i].text);
        table_int(t, (int64_t)counts[i].n);
        table_real(t, n ? (double)counts[i].n / (double)n : 0);
        if (s->out.format == OUTPUT_TABLE)
            table_text(t, output_bar(&s->out, (double)counts[i].n / (double)counts[0].n,
                                     BAR_WIDTH, bar));
    }
    if (missing > 0) {
        table_null(t);
        table_int(t, (int64_t)missing);
        table_real(t, (double)missing / (double)n);
        if (s->out.format == OUTPUT_TABLE)
            table_text(t, "(missing)");
    }
    if (shown < k)
        table_notef(t, "the %zu most frequent of %zu distinct values (top=0 shows all)", shown, k);
    output_table(&s->out, t);
    table_free(t);
    for (size_t i = 0; i < k; i++)
        free(counts[i].text);
    free(counts);
    return CMD_OK;
}

const struct cmd_entry cmd_counts_entry = {
    .name = "counts",
    .usage = "counts NAME COLUMN [top=N]",
    .summary = "how often each level or value of a column occurs, as a text chart",
    .help = "Most frequent first (ties by text); the 20 most frequent unless top=N\n"
            "(top=0: all). Missing values are counted on a line of their own.",
    .min_args = 2,
    .max_args = 3,
    .complete = {COMPLETE_DATASET},
    .exec = cmd_counts_exec,
};
