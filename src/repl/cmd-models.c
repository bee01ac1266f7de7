/*
 * cmd-models.c - "models": every saved model version of the workspace.
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
cmd_models_exec(struct session *s, int argc, char **argv)
{
    struct aiwb_table *t = table_new(NULL);
    char *cause = NULL;

    (void)argc, (void)argv;
    if (store_model_list(s->store, t, &cause) < 0) {
        cmd_error(s, "%s", cause);
        free(cause);
        table_free(t);
        return CMD_ERROR;
    }
    if (table_rows(t) == 0)
        output_say(&s->out, "no models yet: `train ... as NAME` saves one");
    else
        output_table(&s->out, t);
    table_free(t);
    return CMD_OK;
}

const struct cmd_entry cmd_models_entry = {
    .name = "models",
    .usage = "models",
    .summary = "list the saved models of the workspace, every version",
    .min_args = 0,
    .max_args = 0,
    .exec = cmd_models_exec,
};
