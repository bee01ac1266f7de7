/*
 * cmd-record.c - "record": append every command from now on to a script.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "repl/cmd.h"
#include "repl/session.h"

static enum cmd_retval
cmd_record_exec(struct session *s, int argc, char **argv)
{
    FILE *fp;

    if (argc == 0) {
        if (s->record != NULL)
            output_say(&s->out, "recording to %s (`record off` stops)", s->record_path);
        else
            output_say(&s->out, "not recording (`record PATH` starts)");
        return CMD_OK;
    }
    if (strcmp(argv[0], "off") == 0) {
        if (s->record == NULL) {
            cmd_error(s, "record: not recording");
            return CMD_ERROR;
        }
        fclose(s->record);
        s->record = NULL;
        output_say(&s->out, "stopped recording to %s", s->record_path);
        free(s->record_path);
        s->record_path = NULL;
        return CMD_OK;
    }
    if ((fp = fopen(argv[0], "a")) == NULL) {
        cmd_error(s, "cannot record to '%s': %s", argv[0], strerror(errno));
        return CMD_ERROR;
    }
    if (s->record != NULL)
        fclose(s->record);
    free(s->record_path);
    s->record = fp;
    s->record_path = xstrdup(argv[0]);
    output_say(&s->out, "recording commands to %s (`aiwb -f %s` runs them again)", argv[0],
               argv[0]);
    return CMD_OK;
}

const struct cmd_entry cmd_record_entry = {
    .name = "record",
    .usage = "record [PATH | off]",
    .summary = "append every command that succeeds from now on to a script file",
    .help = "The script replays with `aiwb -f PATH`. Commands that fail are not recorded.",
    .min_args = 0,
    .max_args = 1,
    .complete = {COMPLETE_FILE},
    .exec = cmd_record_exec,
};
