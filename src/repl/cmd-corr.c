/*
 * cmd-corr.c - "corr": the correlation matrix of a dataset's numeric columns.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <config.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_statistics_double.h>

#include "core/frame.h"
#include "core/table.h"
#include "core/xalloc.h"
#include "repl/cmd.h"
#include "repl/session.h"

#define CORR_DIGITS 3

/*
 * The correlation of columns A and B over the rows where both are present
 * (pairwise complete, as pandas' DataFrame.corr()), by Pearson or, with
 * SPEARMAN, on ranks; NaN with fewer than two such rows or a constant column.
 */
static double
correlation(const double *a, const double *b, size_t n, int spearman, double *x, double *y,
            double *work)
{
    size_t m = 0;

    for (size_t i = 0; i < n; i++) {
        if (isnan(a[i]) || isnan(b[i]))
            continue;
        x[m] = a[i];
        y[m++] = b[i];
    }
    if (m < 2)
        return NAN;
    if (spearman)
        return gsl_stats_spearman(x, 1, y, 1, m, work);
    return gsl_stats_correlation(x, 1, y, 1, m);
}

static enum cmd_retval
cmd_corr_exec(struct session *s, int argc, char **argv)
{
    static const char *const keys[] = {"method"};
    const char *val[1];
    struct dataset *d;
    struct aiwb_table *t;
    size_t n, k = 0, *num;
    double *x, *y, *work;
    int spearman = 0;

    if (cmd_keywords(s, argc - 1, argv + 1, 1, keys, val) < 0)
        return CMD_ERROR;
    if (val[0] != NULL && strcmp(val[0], "pearson") != 0 && strcmp(val[0], "spearman") != 0) {
        cmd_error(s, "method must be pearson or spearman, not '%s'", val[0]);
        return CMD_ERROR;
    }
    spearman = val[0] != NULL && strcmp(val[0], "spearman") == 0;
    if ((d = session_need_dataset(s, argv[0])) == NULL)
        return CMD_ERROR;
    n = frame_rows(d->frame);
    num = xmalloc((frame_cols(d->frame) + 1) * sizeof *num);
    for (size_t c = 0; c < frame_cols(d->frame); c++)
        if (frame_col_type(d->frame, c) == AIWB_NUMERIC)
            num[k++] = c;
    if (k < 2) {
        cmd_error(s, "'%s' has %zu numeric column%s: a correlation needs two", d->name, k,
                  k == 1 ? "" : "s");
        free(num);
        return CMD_ERROR;
    }
    x = xmalloc((n ? n : 1) * sizeof *x);
    y = xmalloc((n ? n : 1) * sizeof *y);
    work = xmalloc((2 * n + 1) * sizeof *work);
    t = table_new(NULL);
    table_column(t, "", AIWB_TABLE_TEXT);
    for (size_t j = 0; j < k; j++) {
        table_column(t, frame_col_name(d->frame, num[j]), AIWB_TABLE_REAL);
        table_digits(t, j + 1, CORR_DIGITS);
    }
    for (size_t i = 0; i < k; i++) {
        const double *a = frame_numeric(d->frame, num[i]);

        table_text(t, frame_col_name(d->frame, num[i]));
        for (size_t j = 0; j < k; j++)
            table_real(t, i == j ? 1.0
                                 : correlation(a, frame_numeric(d->frame, num[j]), n, spearman,
                                               x, y, work));
    }
    table_notef(t, "%s correlation of '%s', each pair over the rows where both are present",
                spearman ? "Spearman's rank" : "Pearson's", d->name);
    output_table(&s->out, t);
    table_free(t);
    free(num);
    free(x);
    free(y);
    free(work);
    return CMD_OK;
}

const struct cmd_entry cmd_corr_entry = {
    .name = "corr",
    .usage = "corr NAME [method=pearson|spearman]",
    .summary = "the correlation matrix of a dataset's numeric columns",
    .help = "Each pair of columns over the rows where both are present (pandas' default;\n"
            "R's cor() with use=\"pairwise.complete.obs\"). Spearman's ranks ties averaged.",
    .min_args = 1,
    .max_args = 2,
    .complete = {COMPLETE_DATASET},
    .exec = cmd_corr_exec,
};
