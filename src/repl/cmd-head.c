/*
 * cmd-head.c - "head": the first rows of a dataset.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "core/frame.h"
#include "core/table.h"
#include "repl/cmd.h"
#include "repl/session.h"

#define HEAD_DIGITS 7 /* as R prints */

static enum cmd_retval
cmd_head_exec(struct session *s, int argc, char **argv)
{
    struct dataset *d = session_need_dataset(s, argv[0]);
    struct aiwb_table *t;
    size_t n = 10;
    const struct aiwb_frame *f;

    /* N, or n=N as the other commands' keywords. */
    const char *count = argc > 1 ? (strncmp(argv[1], "n=", 2) == 0 ? argv[1] + 2 : argv[1]) : NULL;

    if (d == NULL || (count != NULL && cmd_parse_size(s, "the number of rows", count, &n) < 0))
        return CMD_ERROR;
    f = d->frame;
    if (n > frame_rows(f))
        n = frame_rows(f);
    t = table_new(NULL);
    t->na_text = 1;
    for (size_t c = 0; c < frame_cols(f); c++) {
        int num = frame_col_type(f, c) == AIWB_NUMERIC;

        table_column(t, frame_col_name(f, c), num ? AIWB_TABLE_REAL : AIWB_TABLE_TEXT);
        table_digits(t, c, HEAD_DIGITS);
    }
    for (size_t r = 0; r < n; r++) {
        for (size_t c = 0; c < frame_cols(f); c++) {
            if (frame_col_type(f, c) == AIWB_NUMERIC)
                table_real(t, frame_numeric(f, c)[r]);
            else if (frame_codes(f, c)[r] < 0)
                table_null(t);
            else
                table_text(t, frame_level(f, c, frame_codes(f, c)[r]));
        }
    }
    if (n < frame_rows(f))
        table_notef(t, "(%zu of %zu rows)", n, frame_rows(f));
    output_table(&s->out, t);
    table_free(t);
    return CMD_OK;
}

const struct cmd_entry cmd_head_entry = {
    .name = "head",
    .usage = "head NAME [N]",
    .summary = "show the first N rows of a dataset (10 by default)",
    .min_args = 1,
    .max_args = 2,
    .complete = {COMPLETE_DATASET},
    .exec = cmd_head_exec,
};
