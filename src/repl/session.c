/*
 * session.c - datasets and models a REPL session holds.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <config.h>

#include "repl/session.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/frame.h"
#include "core/frameio.h"
#include "core/pipeline.h"
#include "core/registry.h"
#include "core/source.h"
#include "core/strbuf.h"
#include "core/table.h"
#include "core/xalloc.h"
#include "repl/cmd.h"
#include "repl/tokenize.h"
#include "store/store.h"

volatile sig_atomic_t session_interrupted;

/* How deep lineage may be replayed (a dataset made from one made from ...). */
#define MAX_REPLAY_DEPTH 16

struct session *
session_new(struct store *store, enum output_format format, int interactive)
{
    struct session *s = xcalloc(1, sizeof *s);

    s->store = store;
    output_init(&s->out, format);
    s->interactive = interactive;
    return s;
}

static void
dataset_free(struct dataset *d)
{
    if (d == NULL)
        return;
    free(d->name);
    source_close(d->follow);
    frame_free(d->frame);
    free(d->source);
    free(d->options);
    free(d->lineage);
    free(d);
}

void
session_free(struct session *s)
{
    if (s == NULL)
        return;
    cmd_forget_error();
    for (size_t i = 0; i < s->ndatasets; i++)
        dataset_free(s->datasets[i]);
    free(s->datasets);
    for (size_t i = 0; i < s->nmodels; i++) {
        free(s->models[i].name);
        pipeline_free(s->models[i].pipeline);
    }
    free(s->models);
    if (s->record != NULL)
        fclose(s->record);
    free(s->record_path);
    store_close(s->store);
    free(s);
}

int
session_valid_name(const char *name)
{
    if (!isalpha((unsigned char)*name) && *name != '_')
        return 0;
    for (; *name; name++)
        if (!isalnum((unsigned char)*name) && strchr("_.-", *name) == NULL)
            return 0;
    return 1;
}

char *
session_bundled(const char *name)
{
    const char *dir = registry_in_build_tree() ? AIWB_SRCDIR : AIWB_DATADIR;
    char *path = xasprintf("%s/datasets/%s.csv", dir, name);

    if (access(path, R_OK) == 0)
        return path;
    free(path);
    return NULL;
}

struct dataset *
session_dataset(struct session *s, const char *name)
{
    for (size_t i = 0; i < s->ndatasets; i++)
        if (strcmp(s->datasets[i]->name, name) == 0)
            return s->datasets[i];
    return NULL;
}

/* The text of column COL of the workspace's record of dataset NAME (a new
 * string), or NULL. */
static char *
recorded(struct session *s, const char *name, const char *col)
{
    struct aiwb_table *t = table_new(NULL);
    char *cause = NULL, *value = NULL;
    size_t name_col = 0, want = SIZE_MAX;

    if (store_dataset_list(s->store, t, &cause) == 0) {
        for (size_t c = 0; c < t->ncols; c++) {
            if (strcmp(t->cols[c].name, "name") == 0)
                name_col = c;
            if (strcmp(t->cols[c].name, col) == 0)
                want = c;
        }
        for (size_t r = 0; want != SIZE_MAX && r < table_rows(t); r++) {
            const struct table_cell *n = table_cell(t, r, name_col);
            const struct table_cell *v = table_cell(t, r, want);

            if (!n->null && strcmp(n->v.s, name) == 0 && !v->null)
                value = xstrdup(v->v.s);
        }
    }
    free(cause);
    table_free(t);
    return value;
}

static struct dataset *keep_dataset(struct session *s, const char *name, struct aiwb_frame *frame,
                                    const char *source, const char *options,
                                    const char *lineage);
static void record_dataset(struct session *s, const struct dataset *d);

/* Dataset NAME from the data `save` kept in the workspace, or NULL. */
static struct dataset *
restore(struct session *s, const char *name)
{
    unsigned char *blob = NULL;
    size_t len = 0;
    char *cause = NULL, *lineage, *source;
    struct aiwb_frame *f;
    struct dataset *d;

    if (store_dataset_data(s->store, name, &blob, &len, &cause) < 0 || blob == NULL) {
        free(cause);
        return NULL;
    }
    f = frame_decode(blob, len, &cause);
    free(blob);
    if (f == NULL) {
        fprintf(s->out.err, "warning: the saved data of '%s' cannot be read: %s\n", name, cause);
        free(cause);
        return NULL;
    }
    lineage = recorded(s, name, "lineage");
    source = recorded(s, name, "source");
    d = keep_dataset(s, name, f, source, "", lineage);
    free(lineage);
    free(source);
    return d;
}

/*
 * The command that makes dataset NAME again from LINEAGE, deterministically,
 * or NULL: load, split, predict (its model version pinned) and transform
 * ... using (pinned) as they are; a `transform X with ... as NAME` through
 * the chain it kept under NAME, so nothing is fitted again. A new string.
 */
static char *
replay_command(const char *name, const char *lineage)
{
    static const char *const as_is[] = {"load ", "split ", "predict ", "transform "};
    char *q;

    for (size_t i = 0; i < sizeof as_is / sizeof as_is[0]; i++) {
        if (strncmp(lineage, as_is[i], strlen(as_is[i])) != 0)
            continue;
        if (i < 3 || strstr(lineage, " using ") != NULL)
            return xstrdup(lineage);
        /* "transform SOURCE with ..." */
        q = tokenize_quote(name);
        char *cmd = xasprintf("transform %.*s using %s as %s",
                              (int)strcspn(lineage + 10, " "), lineage + 10, q, q);
        free(q);
        return cmd;
    }
    return NULL;
}

/*
 * Make dataset NAME again by running the command its lineage records, its
 * parents first if needed (they are made again the same way).
 */
static int
replay(struct session *s, const char *name, const char *lineage)
{
    static int depth;
    struct cmdline *cmds = NULL;
    size_t n = 0;
    char *cause = NULL, *command = replay_command(name, lineage);
    const char *saved = s->current;
    int rc = -1;

    if (depth >= MAX_REPLAY_DEPTH || command == NULL ||
        tokenize_line(command, &cmds, &n, &cause) < 0 || n != 1) {
        free(cause);
        free(command);
        tokenize_free(cmds, n);
        return -1;
    }
    fprintf(s->out.err, "note: dataset '%s' is not loaded; making it again: %s\n", name,
            command);
    depth++;
    rc = cmd_run(s, &cmds[0]) == CMD_OK ? 0 : -1;
    depth--;
    /* Made another way than its lineage says (a chain kept, not refitted):
     * it is the same data, so the lineage stays as it was. */
    struct dataset *d = session_dataset(s, name);
    if (rc == 0 && d != NULL && strcmp(command, lineage) != 0) {
        free(d->lineage);
        d->lineage = xstrdup(lineage);
        record_dataset(s, d);
    }
    s->current = saved;
    tokenize_free(cmds, n);
    free(command);
    return rc;
}

/* Take in the rows a followed source has gained since it was last read. */
static int
catch_up(struct session *s, struct dataset *d)
{
    size_t before = frame_rows(d->frame);
    char *cause = NULL;
    struct aiwb_frame *f = source_poll(d->follow, d->frame, &cause);

    if (f == NULL) {
        cmd_error(s, "cannot follow dataset '%s': %s", d->name, cause);
        free(cause);
        return -1;
    }
    d->frame = f;
    if (frame_rows(f) > before) {
        size_t grew = frame_rows(f) - before;
        char *msg = xasprintf("dataset '%s' grew by %zu row%s (now %zu)", d->name, grew,
                              grew == 1 ? "" : "s", frame_rows(f));

        output_notes(&s->out, msg);
        free(msg);
    }
    return 0;
}

struct dataset *
session_need_dataset(struct session *s, const char *name)
{
    struct dataset *d = session_dataset(s, name);
    char *lineage;

    if (d != NULL && d->follow != NULL && catch_up(s, d) < 0)
        return NULL;
    if (d != NULL)
        return d;
    if ((d = restore(s, name)) != NULL)
        return d;
    lineage = recorded(s, name, "lineage");
    if (lineage == NULL) {
        char *bundled = session_bundled(name);

        if (bundled != NULL)
            cmd_error(s, "no dataset '%s' in this session (`load %s` loads the bundled one)",
                      name, name);
        else if (!session_valid_name(name))
            cmd_error(s, "'%s' is not a dataset name: load the file first, `load NAME %s`", name,
                      name);
        else
            cmd_error(s, "no dataset '%s' (see `datasets`; load one with `load %s FILE`)", name,
                      name);
        free(bundled);
        return NULL;
    }
    if (replay(s, name, lineage) == 0 && (d = session_dataset(s, name)) != NULL) {
        free(lineage);
        return d;
    }
    if (cmd_last_error() == NULL) {
        cmd_error(s, "dataset '%s' is not loaded; it was made by `%s`", name, lineage);
    } else {
        char *why = xstrdup(cmd_last_error());

        cmd_error(s, "dataset '%s' is not loaded and cannot be made again (`%s`): %s", name,
                  lineage, why);
        free(why);
    }
    free(lineage);
    return NULL;
}

static char *
schema_text(const struct aiwb_frame *f)
{
    struct strbuf sb = STRBUF_INIT;

    for (size_t c = 0; c < frame_cols(f); c++) {
        strbuf_addf(&sb, "%s%s ", c ? ", " : "", frame_col_name(f, c));
        if (frame_col_type(f, c) == AIWB_NUMERIC)
            strbuf_adds(&sb, "numeric");
        else
            strbuf_addf(&sb, "categorical(%zu)", frame_nlevels(f, c));
    }
    return strbuf_detach(&sb, NULL);
}

/* Keep FRAME as dataset NAME in memory (replacing one of that name). */
static struct dataset *
keep_dataset(struct session *s, const char *name, struct aiwb_frame *frame, const char *source,
             const char *options, const char *lineage)
{
    struct dataset *d = session_dataset(s, name);

    if (d == NULL) {
        d = xcalloc(1, sizeof *d);
        d->name = xstrdup(name);
        s->datasets = xreallocarray(s->datasets, s->ndatasets + 1, sizeof *s->datasets);
        s->datasets[s->ndatasets++] = d;
    } else {
        source_close(d->follow);
        d->follow = NULL;
        frame_free(d->frame);
        free(d->source);
        free(d->options);
        free(d->lineage);
    }
    d->frame = frame;
    d->source = xstrdup(source != NULL ? source : "");
    d->options = xstrdup(options != NULL ? options : "");
    d->lineage = xstrdup(lineage != NULL ? lineage : "");
    return d;
}

/* Write D's record (source, lineage, schema, shape) to the workspace. */
static void
record_dataset(struct session *s, const struct dataset *d)
{
    struct store_dataset rec;
    char *cause = NULL, *schema = schema_text(d->frame);

    rec.name = d->name;
    rec.source = d->source;
    rec.options = d->options;
    rec.lineage = d->lineage;
    rec.schema = schema;
    rec.n_rows = frame_rows(d->frame);
    rec.n_cols = frame_cols(d->frame);
    if (store_dataset_put(s->store, &rec, &cause) < 0) {
        fprintf(s->out.err, "warning: %s\n", cause);
        free(cause);
    }
    free(schema);
}

struct dataset *
session_put_dataset(struct session *s, const char *name, struct aiwb_frame *frame,
                    const char *source, const char *options, const char *lineage)
{
    struct dataset *d = keep_dataset(s, name, frame, source, options, lineage);

    record_dataset(s, d);
    return d;
}

/* Split "m1:2" into a name and a version (0: the latest). */
static int
parse_ref(struct session *s, const char *ref, char **name, int *version)
{
    const char *colon = strrchr(ref, ':');
    char *end;
    long v = 0;

    if (colon != NULL) {
        v = strtol(colon + 1, &end, 10);
        if (colon[1] == '\0' || *end != '\0' || v < 1 || v > 1000000000) {
            cmd_error(s, "bad model version in '%s' (write NAME or NAME:VERSION, e.g. m1:2)",
                      ref);
            return -1;
        }
    }
    *name = colon ? xstrndup(ref, (size_t)(colon - ref)) : xstrdup(ref);
    *version = (int)v;
    return 0;
}

struct pipeline *
session_model(struct session *s, const char *ref, int *version)
{
    char *name, *cause = NULL;
    unsigned char *blob = NULL;
    size_t len = 0;
    int want, found;
    struct pipeline *p;

    if (parse_ref(s, ref, &name, &want) < 0)
        return NULL;
    if (store_model_get(s->store, name, want, &blob, &len, &found, &cause) < 0) {
        cmd_error(s, "%s", cause);
        free(cause);
        free(name);
        return NULL;
    }
    for (size_t i = 0; i < s->nmodels; i++) {
        if (strcmp(s->models[i].name, name) == 0 && s->models[i].version == found) {
            free(blob);
            free(name);
            if (version != NULL)
                *version = found;
            return s->models[i].pipeline;
        }
    }
    p = pipeline_load(blob, len, &cause);
    free(blob);
    if (p == NULL) {
        cmd_error(s, "cannot load model '%s' version %d: %s", name, found, cause);
        free(cause);
        free(name);
        return NULL;
    }
    session_put_model(s, name, found, p);
    free(name);
    if (version != NULL)
        *version = found;
    return p;
}

void
session_put_model(struct session *s, const char *name, int version, struct pipeline *p)
{
    s->models = xreallocarray(s->models, s->nmodels + 1, sizeof *s->models);
    s->models[s->nmodels].name = xstrdup(name);
    s->models[s->nmodels].version = version;
    s->models[s->nmodels].pipeline = p;
    s->nmodels++;
}
