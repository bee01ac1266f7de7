/*
 * cmd-save.c - "save": keep a dataset's data in the workspace, so it
 * reopens without its source file.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <config.h>

#include <stdlib.h>

#include "core/frame.h"
#include "core/frameio.h"
#include "repl/cmd.h"
#include "repl/session.h"
#include "store/store.h"

static enum cmd_retval
cmd_save_exec(struct session *s, int argc, char **argv)
{
    struct dataset *d = session_need_dataset(s, argv[0]);
    unsigned char *blob;
    size_t len;
    char *cause = NULL;

    (void)argc;
    if (d == NULL)
        return CMD_ERROR;
    blob = frame_encode(d->frame, &len);
    if (store_dataset_save(s->store, d->name, blob, len, &cause) < 0) {
        cmd_error(s, "%s", cause);
        free(cause);
        free(blob);
        return CMD_ERROR;
    }
    free(blob);
    output_say(&s->out, "saved '%s' in the workspace: %zu rows, %zu columns, %.3g %s; it reopens "
                        "without its source", d->name, frame_rows(d->frame), frame_cols(d->frame),
               len < 1000000 ? (double)len / 1e3 : (double)len / 1e6,
               len < 1000000 ? "kB" : "MB");
    return CMD_OK;
}

const struct cmd_entry cmd_save_entry = {
    .name = "save",
    .usage = "save NAME",
    .summary = "keep a dataset's data in the workspace, with its lineage",
    .help = "A saved dataset reopens in a later session without its source file: from\n"
            "the workspace, not by running its lineage again. Making the dataset again\n"
            "(load or split under the same name) replaces the saved copy.",
    .min_args = 1,
    .max_args = 1,
    .complete = {COMPLETE_DATASET},
    .exec = cmd_save_exec,
};
