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

/* Each word of the comma-separated LIST with PREFIX and SUFFIX: ".csv .tsv". */
static void
add_words(struct strbuf *sb, const char *list, const char *prefix, const char *suffix)
{
    for (const char *p = list; p != NULL && *p;) {
        size_t n = strcspn(p, ",");

        if (n > 0 && strncmp(p, "file", n) != 0)
            strbuf_addf(sb, "%s%s%.*s%s", sb->buf[sb->len - 1] == '(' ? "" : " ", prefix,
                        (int)n, p, suffix);
        p = p[n] ? p + n + 1 : NULL;
    }
}

/* "csv (.csv .tsv), sqlite (sqlite: .db), ..." for the sources loaded. */
static char *
source_list(void)
{
    struct strbuf sb = STRBUF_INIT;

    for (size_t i = 0; i < registry_count(); i++) {
        const struct component *c = registry_at(i);

        if (c->kind != COMPONENT_SOURCE)
            continue;
        strbuf_addf(&sb, "%s%s (", sb.len ? ", " : "", c->name);
        add_words(&sb, c->type.source->schemes, "", ":");
        add_words(&sb, c->type.source->extensions, ".", "");
        strbuf_addch(&sb, ')');
    }
    return strbuf_detach(&sb, NULL);
}

/*
 * Whether the word after NAME is an option (`load iris limit=5`: a bundled
 * dataset) rather than a path: NAME=VALUE with no scheme, and no such file.
 */
static int
looks_like_option(const char *word)
{
    size_t n = strspn(word, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_");

    return n > 0 && word[n] == '=' && strchr(word, ':') == NULL && strchr(word, '/') == NULL &&
           access(word, F_OK) != 0;
}

/* Whether option word W is a secret of SRC's (AIWB_OPT_SECRET). */
static int
is_secret(const struct component *src, const char *w)
{
    for (size_t i = 0; src->options != NULL && src->options[i].name != NULL; i++) {
        size_t n = strlen(src->options[i].name);

        if (strncmp(w, src->options[i].name, n) == 0 && w[n] == '=')
            return (src->options[i].flags & AIWB_OPT_SECRET) != 0;
    }
    return 0;
}

/* The words, quoted where needed, joined by spaces; secrets left out. */
static char *
join_quoted(const struct component *src, int n, char **words)
{
    struct strbuf sb = STRBUF_INIT;

    for (int i = 0; i < n; i++) {
        char *q;

        if (is_secret(src, words[i]))
            continue;
        q = tokenize_quote(words[i]);
        strbuf_addf(&sb, "%s%s", sb.len ? " " : "", q);
        free(q);
    }
    return strbuf_detach(&sb, NULL);
}

/*
 * "load NAME PATH OPTIONS" as a command that reads the same file from
 * anywhere: a local file's path made absolute, also after a scheme
 * ("sqlite:shop.db"); URLs and generators ("gen:blobs") as they are.
 */
static char *
lineage_of(const char *name, const char *path, const char *opts)
{
    char abs[PATH_MAX], *q, *line, *where;
    const char *colon = strchr(path, ':'), *rest = path;
    size_t scheme = 0;

    if (colon != NULL && colon > path && strspn(path, "abcdefghijklmnopqrstuvwxyz0123456789+-.") ==
                                             (size_t)(colon - path)) {
        scheme = (size_t)(colon - path) + 1;
        rest = colon + 1;
    }
    if (strncmp(rest, "//", 2) != 0 && realpath(rest, abs) != NULL)
        where = xasprintf("%.*s%s", (int)scheme, path, abs);
    else
        where = xstrdup(path);
    q = tokenize_quote(where);
    line = xasprintf("load %s %s%s%s", name, q, *opts ? " " : "", opts);
    free(q);
    free(where);
    return line;
}

static enum cmd_retval
cmd_load_exec(struct session *s, int argc, char **argv)
{
    const char *name = argv[0];
    char *path, *cause = NULL, *lineage, *opts;
    const struct component *src;
    struct aiwb_frame *f;
    struct source_handle *follow;
    struct timespec t0, t1;
    size_t nnum = 0;
    int nopts = argc - 2;

    if (!session_valid_name(name)) {
        cmd_error(s, "'%s' is not a valid dataset name (letters, digits, _ . -)", name);
        return CMD_ERROR;
    }
    if (argc == 1 || looks_like_option(argv[1])) {
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
    f = source_read_follow(src, path, (size_t)nopts, argv + argc - nopts, &follow, &cause);
    if (f == NULL) {
        cmd_error(s, "%s", cause);
        free(cause);
        free(path);
        return CMD_ERROR;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    for (size_t c = 0; c < frame_cols(f); c++)
        nnum += frame_col_type(f, c) == AIWB_NUMERIC;
    opts = join_quoted(src, nopts, argv + argc - nopts);
    for (int i = argc - nopts; i < argc; i++)
        if (is_secret(src, argv[i]))
            output_notes(&s->out, "a secret option is kept out of the lineage: a dataset made "
                                  "again from it is read without it");
    lineage = lineage_of(name, path, opts);
    session_put_dataset(s, name, f, path, opts, lineage)->follow = follow;
    output_say(&s->out, "loaded '%s': %zu rows %s %zu columns (%zu numeric, %zu categorical)%s",
               name, frame_rows(f), s->out.ascii ? "x" : "×", frame_cols(f), nnum,
               frame_cols(f) - nnum, "");
    if (follow != NULL)
        output_say(&s->out, "  following %s: rows added to it join the dataset when it is used",
                   path);
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
