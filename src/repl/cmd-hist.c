/*
 * cmd-hist.c - "hist": a numeric column's distribution as a text chart.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <config.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/frame.h"
#include "core/table.h"
#include "core/xalloc.h"
#include "repl/cmd.h"
#include "repl/session.h"

#define BAR_WIDTH 40
#define MAX_BINS 1000

static enum cmd_retval
cmd_hist_exec(struct session *s, int argc, char **argv)
{
    static const char *const keys[] = {"bins"};
    const char *val[1];
    struct dataset *d;
    struct aiwb_table *t;
    const double *v;
    size_t n, m = 0, bins = 0, *count, top = 0;
    double lo = INFINITY, hi = -INFINITY, width;
    char bar[4 * BAR_WIDTH + 1];
    long c;

    if (cmd_keywords(s, argc - 2, argv + 2, 1, keys, val) < 0 ||
        (val[0] != NULL && cmd_parse_size(s, "bins", val[0], &bins) < 0))
        return CMD_ERROR;
    if (val[0] != NULL && (bins < 1 || bins > MAX_BINS)) {
        cmd_error(s, "bins must be from 1 to %d, not %zu", MAX_BINS, bins);
        return CMD_ERROR;
    }
    if ((d = session_need_dataset(s, argv[0])) == NULL)
        return CMD_ERROR;
    if ((c = frame_find(d->frame, argv[1])) < 0) {
        cmd_error(s, "'%s' has no column '%s'", d->name, argv[1]);
        return CMD_ERROR;
    }
    if (frame_col_type(d->frame, (size_t)c) != AIWB_NUMERIC) {
        cmd_error(s, "'%s' is categorical: `counts %s %s` shows its levels", argv[1], d->name,
                  argv[1]);
        return CMD_ERROR;
    }
    v = frame_numeric(d->frame, (size_t)c);
    n = frame_rows(d->frame);
    for (size_t i = 0; i < n; i++) {
        if (isnan(v[i]) || isinf(v[i]))
            continue;
        m++;
        lo = v[i] < lo ? v[i] : lo;
        hi = v[i] > hi ? v[i] : hi;
    }
    if (m == 0) {
        cmd_error(s, "'%s' has no finite values to count", argv[1]);
        return CMD_ERROR;
    }
    if (bins == 0) /* Sturges' rule, as R's hist() */
        bins = (size_t)ceil(log2((double)m)) + 1;
    if (lo == hi)
        bins = 1;
    width = (hi - lo) / (double)bins;
    count = xcalloc(bins, sizeof *count);
    for (size_t i = 0; i < n; i++) {
        size_t b;

        if (isnan(v[i]) || isinf(v[i]))
            continue;
        /* Bins are [from, to); the last one holds its upper end too. */
        b = width > 0 ? (size_t)((v[i] - lo) / width) : 0;
        count[b < bins ? b : bins - 1]++;
    }
    for (size_t b = 0; b < bins; b++)
        top = count[b] > top ? count[b] : top;
    t = table_new(NULL);
    table_column(t, "from", AIWB_TABLE_REAL);
    table_column(t, "to", AIWB_TABLE_REAL);
    table_column(t, "count", AIWB_TABLE_INT);
    if (s->out.format == OUTPUT_TABLE)
        table_column(t, "", AIWB_TABLE_TEXT);
    for (size_t b = 0; b < bins; b++) {
        table_real(t, lo + width * (double)b);
        table_real(t, b + 1 == bins ? hi : lo + width * (double)(b + 1));
        table_int(t, (int64_t)count[b]);
        if (s->out.format == OUTPUT_TABLE)
            table_text(t, output_bar(&s->out, (double)count[b] / (double)top, BAR_WIDTH, bar));
    }
    table_notef(t, "%s of '%s': %zu values in %zu bins%s", argv[1], d->name, m, bins,
                m < n ? "; missing values not counted" : "");
    output_table(&s->out, t);
    table_free(t);
    free(count);
    return CMD_OK;
}

const struct cmd_entry cmd_hist_entry = {
    .name = "hist",
    .usage = "hist NAME COLUMN [bins=N]",
    .summary = "a numeric column's histogram as a text chart",
    .help = "Bins of equal width from the smallest to the largest value; their number is\n"
            "Sturges' (as R's hist()) unless bins=N. Each bin holds [from, to), the last\n"
            "one its upper end too. With --format csv or json only the counts are printed.",
    .min_args = 2,
    .max_args = 3,
    .complete = {COMPLETE_DATASET},
    .exec = cmd_hist_exec,
};
