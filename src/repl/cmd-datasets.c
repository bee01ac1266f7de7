/*
 * cmd-datasets.c - "datasets": what the workspace knows, and what is loaded.
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
#include "store/store.h"

static long
column(const struct aiwb_table *t, const char *name)
{
    for (size_t c = 0; c < t->ncols; c++)
        if (strcmp(t->cols[c].name, name) == 0)
            return (long)c;
    return -1;
}

/* An integer cell, whichever numeric kind its column has. */
static int64_t
cell_int(const struct aiwb_table *t, size_t r, long c)
{
    const struct table_cell *cell = table_cell(t, r, (size_t)c);

    if (cell == NULL || cell->null)
        return 0;
    return t->cols[c].kind == AIWB_TABLE_REAL ? (int64_t)cell->v.r : cell->v.i;
}

static enum cmd_retval
cmd_datasets_exec(struct session *s, int argc, char **argv)
{
    struct aiwb_table *w = table_new(NULL), *t;
    char *cause = NULL;
    long cn, cr, cc, cl;

    (void)argc, (void)argv;
    if (store_dataset_list(s->store, w, &cause) < 0) {
        cmd_error(s, "%s", cause);
        free(cause);
        table_free(w);
        return CMD_ERROR;
    }
    cn = column(w, "name"), cr = column(w, "rows"), cc = column(w, "cols");
    cl = column(w, "lineage");
    long cs = column(w, "saved"), cu = column(w, "updated");
    t = table_new(NULL);
    table_column(t, "name", AIWB_TABLE_TEXT);
    table_column(t, "rows", AIWB_TABLE_INT);
    table_column(t, "cols", AIWB_TABLE_INT);
    table_column(t, "loaded", AIWB_TABLE_TEXT);
    table_column(t, "saved", AIWB_TABLE_TEXT);
    table_column(t, "made", AIWB_TABLE_TEXT);
    table_column(t, "lineage", AIWB_TABLE_TEXT);
    for (size_t r = 0; r < table_rows(w); r++) {
        const char *name = table_cell(w, r, (size_t)cn)->v.s;
        const struct table_cell *lin = table_cell(w, r, (size_t)cl);

        table_text(t, name);
        table_int(t, cell_int(w, r, cr));
        table_int(t, cell_int(w, r, cc));
        table_text(t, session_dataset(s, name) != NULL ? "yes" : "no");
        table_text(t, cs >= 0 && !table_cell(w, r, (size_t)cs)->null ? "yes" : "no");
        table_text(t, cu >= 0 && !table_cell(w, r, (size_t)cu)->null
                          ? table_cell(w, r, (size_t)cu)->v.s
                          : NULL);
        table_text(t, lin->null ? NULL : lin->v.s);
    }
    if (table_rows(t) == 0)
        output_say(&s->out, "no datasets yet: load one with `load NAME FILE` (try `load iris`)");
    else
        output_table(&s->out, t);
    table_free(t);
    table_free(w);
    return CMD_OK;
}

const struct cmd_entry cmd_datasets_entry = {
    .name = "datasets",
    .usage = "datasets",
    .summary = "list the workspace's datasets: shape, loaded, saved, lineage and its time",
    .help = "lineage is the command that made each dataset (its source and options, or the\n"
            "split, predict or transform it came from), made the time it was recorded; a\n"
            "dataset not loaded is made again from it when a command needs it.",
    .min_args = 0,
    .max_args = 0,
    .exec = cmd_datasets_exec,
};
