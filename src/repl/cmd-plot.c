/*
 * cmd-plot.c - "plot": any view of `show` written as an SVG file.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "core/strbuf.h"
#include "repl/cmd.h"
#include "repl/session.h"
#include "repl/view.h"

static enum cmd_retval
cmd_plot_exec(struct session *s, int argc, char **argv)
{
    const char *path;
    struct view *v;
    struct strbuf svg = STRBUF_INIT;
    int rc;

    if (argc < 3 || strcmp(argv[argc - 2], "to") != 0) {
        cmd_error(s, "plot: usage: plot VIEW ... to FILE.svg (the views of `show`)");
        return CMD_ERROR;
    }
    path = argv[argc - 1];
    if (!view_has_extension(path, ".svg")) {
        cmd_error(s, "plot: '%s' is not an .svg file name (plot writes SVG: to FILE.svg)", path);
        return CMD_ERROR;
    }
    if (view_check_folder(s, "plot", path) < 0 || (v = show_view(s, argc - 2, argv)) == NULL)
        return CMD_ERROR;
    view_svg(v, &svg);
    rc = view_write_file(s, "plot", path, strbuf_str(&svg), svg.len);
    if (rc == 0)
        output_say(&s->out, "wrote '%s' (%s)", path, v->title);
    strbuf_release(&svg);
    view_free(v);
    return rc == 0 ? CMD_OK : CMD_ERROR;
}

const struct cmd_entry cmd_plot_entry = {
    .name = "plot",
    .usage = "plot VIEW ... to FILE.svg",
    .summary = "write a view of `show` (curve, roc, hist ...) as an SVG file",
    .help = "VIEW ... are the words of `show` (see `help show`): `plot roc m on test to\n"
            "roc.svg`. The file holds the view's charts and tables stacked, with no\n"
            "scripts and no external references, so it opens in any browser and embeds\n"
            "in a page. It is written whole or not at all (through a temporary file in\n"
            "the same folder), replacing a file of that name.",
    .min_args = 3,
    .max_args = -1,
    .complete = {COMPLETE_NONE, COMPLETE_NONE},
    .exec = cmd_plot_exec,
};
