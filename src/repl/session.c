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
#include "core/pipeline.h"
#include "core/registry.h"
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

/* The workspace's lineage of dataset NAME (a new string), or NULL. */
static char *
recorded_lineage(struct session *s, const char *name)
{
    struct aiwb_table *t = table_new(NULL);
    char *cause = NULL, *lineage = NULL;
    size_t name_col = 0, lin_col = SIZE_MAX;

    if (store_dataset_list(s->store, t, &cause) == 0) {
        for (size_t c = 0; c < t->ncols; c++) {
            if (strcmp(t->cols[c].name, "name") == 0)
                name_col = c;
            if (strcmp(t->cols[c].name, "lineage") == 0)
                lin_col = c;
        }
        for (size_t r = 0; lin_col != SIZE_MAX && r < table_rows(t); r++) {
            const struct table_cell *n = table_cell(t, r, name_col);
            const struct table_cell *l = table_cell(t, r, lin_col);

            if (!n->null && strcmp(n->v.s, name) == 0 && !l->null)
                lineage = xstrdup(l->v.s);
        }
    }
    free(cause);
    table_free(t);
    return lineage;
}

/*
 * Make dataset NAME again by running the command its lineage records
 * (load or split, which are deterministic), its parents first if needed.
 */
static int
replay(struct session *s, const char *name, const char *lineage)
{
    static int depth;
    struct cmdline *cmds = NULL;
    size_t n = 0;
    char *cause = NULL;
    const char *saved = s->current;
    int rc = -1;

    if (depth >= MAX_REPLAY_DEPTH || tokenize_line(lineage, &cmds, &n, &cause) < 0 || n != 1 ||
        (strcmp(cmds[0].argv[0], "load") != 0 && strcmp(cmds[0].argv[0], "split") != 0)) {
        free(cause);
        tokenize_free(cmds, n);
        return -1;
    }
    fprintf(s->out.err, "note: dataset '%s' is not loaded; making it again: %s\n", name,
            lineage);
    depth++;
    rc = cmd_run(s, &cmds[0]) == CMD_OK ? 0 : -1;
    depth--;
    s->current = saved;
    tokenize_free(cmds, n);
    return rc;
}

struct dataset *
session_need_dataset(struct session *s, const char *name)
{
    struct dataset *d = session_dataset(s, name);
    char *lineage;

    if (d != NULL)
        return d;
    lineage = recorded_lineage(s, name);
    if (lineage == NULL) {
        char *bundled = session_bundled(name);

        if (bundled != NULL)
            cmd_error(s, "no dataset '%s' in this session (`load %s` loads the bundled one)",
                      name, name);
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
    if (cmd_last_error() == NULL)
        cmd_error(s, "dataset '%s' is not loaded; it was made by `%s`", name, lineage);
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

struct dataset *
session_put_dataset(struct session *s, const char *name, struct aiwb_frame *frame,
                    const char *source, const char *options, const char *lineage)
{
    struct dataset *d = session_dataset(s, name);
    struct store_dataset rec;
    char *cause = NULL, *schema;

    if (d == NULL) {
        d = xcalloc(1, sizeof *d);
        d->name = xstrdup(name);
        s->datasets = xreallocarray(s->datasets, s->ndatasets + 1, sizeof *s->datasets);
        s->datasets[s->ndatasets++] = d;
    } else {
        frame_free(d->frame);
        free(d->source);
        free(d->options);
        free(d->lineage);
    }
    d->frame = frame;
    d->source = xstrdup(source != NULL ? source : "");
    d->options = xstrdup(options != NULL ? options : "");
    d->lineage = xstrdup(lineage != NULL ? lineage : "");
    schema = schema_text(frame);
    rec.name = name;
    rec.source = d->source;
    rec.options = d->options;
    rec.lineage = d->lineage;
    rec.schema = schema;
    rec.n_rows = frame_rows(frame);
    rec.n_cols = frame_cols(frame);
    if (store_dataset_put(s->store, &rec, &cause) < 0) {
        fprintf(s->out.err, "warning: %s\n", cause);
        free(cause);
    }
    free(schema);
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
