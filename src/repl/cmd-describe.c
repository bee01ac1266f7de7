/*
 * cmd-describe.c - "describe": every column of a dataset in numbers.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <config.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

#include "core/frame.h"
#include "core/table.h"
#include "core/xalloc.h"
#include "repl/cmd.h"
#include "repl/session.h"

#define DESCRIBE_DIGITS 4

static void
numeric_row(struct aiwb_table *t, const double *v, size_t n)
{
    double *x = xmalloc((n ? n : 1) * sizeof *x);
    size_t m = 0, distinct = 0;

    for (size_t i = 0; i < n; i++)
        if (!isnan(v[i]))
            x[m++] = v[i];
    table_int(t, (int64_t)m);
    table_int(t, (int64_t)(n - m));
    if (m == 0) {
        for (int k = 0; k < 8; k++)
            table_null(t);
        table_int(t, 0);
        table_null(t);
        table_null(t);
        free(x);
        return;
    }
    gsl_sort(x, 1, m);
    for (size_t i = 0; i < m; i++)
        distinct += i == 0 || x[i] != x[i - 1];
    table_real(t, gsl_stats_mean(x, 1, m));
    if (m > 1)
        table_real(t, gsl_stats_sd(x, 1, m)); /* n - 1 in the denominator, as R's sd() */
    else
        table_null(t);
    table_real(t, x[0]);
    /* Quantiles by linear interpolation: R's default, type 7. */
    table_real(t, gsl_stats_quantile_from_sorted_data(x, 1, m, 0.25));
    table_real(t, gsl_stats_median_from_sorted_data(x, 1, m));
    table_real(t, gsl_stats_quantile_from_sorted_data(x, 1, m, 0.75));
    table_real(t, x[m - 1]);
    if (m > 2 && x[0] != x[m - 1])
        table_real(t, gsl_stats_skew(x, 1, m));
    else
        table_null(t);
    table_int(t, (int64_t)distinct);
    table_null(t);
    table_null(t);
    free(x);
}

static void
categorical_row(struct aiwb_table *t, const struct aiwb_frame *f, size_t c)
{
    size_t n = frame_rows(f), k = frame_nlevels(f, c), m = 0, best = 0;
    size_t *count = xcalloc(k ? k : 1, sizeof *count);
    const int32_t *codes = frame_codes(f, c);

    for (size_t i = 0; i < n; i++)
        if (codes[i] >= 0) {
            count[codes[i]]++;
            m++;
        }
    for (size_t l = 1; l < k; l++)
        if (count[l] > count[best])
            best = l;
    table_int(t, (int64_t)m);
    table_int(t, (int64_t)(n - m));
    for (int i = 0; i < 8; i++)
        table_null(t);
    table_int(t, (int64_t)k);
    if (m > 0) {
        table_text(t, frame_level(f, c, (int32_t)best));
        table_int(t, (int64_t)count[best]);
    } else {
        table_null(t);
        table_null(t);
    }
    free(count);
}

static enum cmd_retval
cmd_describe_exec(struct session *s, int argc, char **argv)
{
    static const char *const reals[] = {"mean", "sd", "min", "q25", "median", "q75", "max",
                                        "skew"};
    struct dataset *d = session_need_dataset(s, argv[0]);
    struct aiwb_table *t;

    (void)argc;
    if (d == NULL)
        return CMD_ERROR;
    t = table_new(NULL);
    table_column(t, "column", AIWB_TABLE_TEXT);
    table_column(t, "type", AIWB_TABLE_TEXT);
    table_column(t, "count", AIWB_TABLE_INT);
    table_column(t, "missing", AIWB_TABLE_INT);
    for (size_t i = 0; i < 8; i++) {
        table_column(t, reals[i], AIWB_TABLE_REAL);
        table_digits(t, t->ncols - 1, DESCRIBE_DIGITS);
    }
    table_column(t, "distinct", AIWB_TABLE_INT);
    table_column(t, "top", AIWB_TABLE_TEXT);
    table_column(t, "freq", AIWB_TABLE_INT);
    for (size_t c = 0; c < frame_cols(d->frame); c++) {
        table_text(t, frame_col_name(d->frame, c));
        if (frame_col_type(d->frame, c) == AIWB_NUMERIC) {
            table_text(t, "numeric");
            numeric_row(t, frame_numeric(d->frame, c), frame_rows(d->frame));
        } else {
            table_text(t, "categorical");
            categorical_row(t, d->frame, c);
        }
    }
    table_notef(t, "%zu rows; sd with n-1, quartiles as R's type 7", frame_rows(d->frame));
    output_table(&s->out, t);
    table_free(t);
    return CMD_OK;
}

const struct cmd_entry cmd_describe_entry = {
    .name = "describe",
    .usage = "describe NAME",
    .summary = "per column: type, counts, missing, mean, sd, quartiles, skew, levels",
    .min_args = 1,
    .max_args = 1,
    .complete = {COMPLETE_DATASET},
    .exec = cmd_describe_exec,
};
