/*
 * cmd-quit.c - "quit": leave aiwb.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <config.h>

#include "repl/cmd.h"

static enum cmd_retval
cmd_quit_exec(struct session *s, int argc, char **argv)
{
    (void)s, (void)argc, (void)argv;
    return CMD_EXIT;
}

const struct cmd_entry cmd_quit_entry = {
    .name = "quit",
    .alias = "exit",
    .usage = "quit",
    .summary = "leave aiwb (Ctrl-D too); everything is already in the workspace",
    .min_args = 0,
    .max_args = 0,
    .exec = cmd_quit_exec,
};
