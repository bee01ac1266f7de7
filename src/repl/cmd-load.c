/*
 * cmd-load.c - "load": read a dataset from a file or URI with a source.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <config.h>

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/frame.h"
#include "core/registry.h"
#include "core/source.h"
#include "core/strbuf.h"
#include "core/xalloc.h"
#include "repl/cmd.h"
#include "repl/session.h"
#include "repl/tokenize.h"

static char *
source_list(void)
{
    struct strbuf sb = STRBUF_INIT;

    for (size_t i = 0; i < registry_count(); i++) {
        const struct component *c = registry_at(i);

        if (c->kind == COMPONENT_SOURCE)
            strbuf_addf(&sb, "%s%s (%s)", sb.len ? ", " : "", c->name,
                        c->type.source->extensions ? c->type.source->extensions : "");
    }
    return strbuf_detach(&sb, NULL);
}

/* The words, quoted where needed, joined by spaces. */
static char *
join_quoted(int n, char **words)
{
    struct strbuf sb = STRBUF_INIT;

    for (int i = 0; i < n; i++) {
        char *q = tokenize_quote(words[i]);

        strbuf_addf(&sb, "%s%s", i ? " " : "", q);
        free(q);
    }
    return strbuf_detach(&sb, NULL);
}

/* "load NAME PATH OPTIONS" as a command that reads the same file from anywhere. */
static char *
lineage_of(const char *name, const char *path, const char *opts)
{
    char abs[PATH_MAX], *q, *line;
    int is_file = strchr(path, ':') == NULL || strncmp(path, "file:", 5) == 0;

    q = tokenize_quote(is_file && realpath(path, abs) != NULL ? abs : path);
    line = xasprintf("load %s %s%s%s", name, q, *opts ? " " : "", opts);
    free(q);
    return line;
}

static enum cmd_retval
cmd_load_exec(struct session *s, int argc, char **argv)
{
    const char *name = argv[0];
    char *path, *cause = NULL, *lineage, *opts;
    const struct component *src;
    struct aiwb_frame *f;
    struct timespec t0, t1;
    size_t nnum = 0;
    int nopts = argc - 2;

    if (!session_valid_name(name)) {
        cmd_error(s, "'%s' is not a valid dataset name (letters, digits, _ . -)", name);
        return CMD_ERROR;
    }
    if (argc == 1 || strchr(argv[1], '=') != NULL) {
        if ((path = session_bundled(name)) == NULL) {
            cmd_error(s, "load: no file given and '%s' is not a bundled dataset; usage: %s",
                      name, "load NAME PATH [OPTION=VALUE ...]");
            return CMD_ERROR;
        }
        nopts = argc - 1;
    } else if (access(argv[1], F_OK) != 0 && strchr(argv[1], '/') == NULL &&
               strchr(argv[1], '.') == NULL && (path = session_bundled(argv[1])) != NULL) {
        ; /* `load aq airquality`: a bundled dataset under another name */
    } else {
        path = xstrdup(argv[1]);
    }
    if ((src = registry_source_for(path)) == NULL) {
        char *list = source_list();

        cmd_error(s, "no source reads '%s' (by its scheme or extension; sources loaded: %s)",
                  path, *list ? list : "none");
        free(list);
        free(path);
        return CMD_ERROR;
    }
    clock_gettime(CLOCK_MONOTONIC, &t0);
    f = source_read(src, path, (size_t)nopts, argv + argc - nopts, &cause);
    if (f == NULL) {
        cmd_error(s, "%s", cause);
        free(cause);
        free(path);
        return CMD_ERROR;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    for (size_t c = 0; c < frame_cols(f); c++)
        nnum += frame_col_type(f, c) == AIWB_NUMERIC;
    opts = join_quoted(nopts, argv + argc - nopts);
    lineage = lineage_of(name, path, opts);
    session_put_dataset(s, name, f, path, opts, lineage);
    output_say(&s->out, "loaded '%s': %zu rows %s %zu columns (%zu numeric, %zu categorical)%s",
               name, frame_rows(f), s->out.ascii ? "x" : "×", frame_cols(f), nnum,
               frame_cols(f) - nnum, "");
    if (s->interactive)
        output_say(&s->out, "  from %s in %.3g ms", path,
                   (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6);
    free(opts);
    free(lineage);
    free(path);
    return CMD_OK;
}

const struct cmd_entry cmd_load_entry = {
    .name = "load",
    .usage = "load NAME PATH [OPTION=VALUE ...]",
    .summary = "read a dataset from a file (csv, ...) into memory as NAME",
    .help = "The source is chosen by the file's extension or the URI's scheme; its options\n"
            "(see `help csv`) follow the path. A bundled dataset loads by its name alone:\n"
            "`load iris`.",
    .min_args = 1,
    .max_args = -1,
    .complete = {COMPLETE_NONE, COMPLETE_FILE},
    .exec = cmd_load_exec,
};
