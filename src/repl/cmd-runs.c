/*
 * cmd-runs.c - "runs": every training run of the workspace.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <config.h>

#include <stdlib.h>

#include "core/table.h"
#include "repl/cmd.h"
#include "repl/session.h"
#include "store/store.h"

static enum cmd_retval
cmd_runs_exec(struct session *s, int argc, char **argv)
{
    struct aiwb_table *t = table_new(NULL);
    char *cause = NULL;

    (void)argc, (void)argv;
    if (store_run_list(s->store, t, &cause) < 0) {
        cmd_error(s, "%s", cause);
        free(cause);
        table_free(t);
        return CMD_ERROR;
    }
    if (table_rows(t) == 0)
        output_say(&s->out, "no runs yet: train a model with `train ALGORITHM on DATASET "
                            "target=COLUMN`");
    else
        output_table(&s->out, t);
    table_free(t);
    return CMD_OK;
}

const struct cmd_entry cmd_runs_entry = {
    .name = "runs",
    .usage = "runs",
    .summary = "list the training runs of the workspace: status, algorithm, data, loss",
    .min_args = 0,
    .max_args = 0,
    .exec = cmd_runs_exec,
};
