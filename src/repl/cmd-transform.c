/*
 * cmd-transform.c - "transform": fit a chain of transforms on a dataset and
 * apply it, keeping the fitted chain so other datasets get the same one.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "core/frame.h"
#include "core/pipeline.h"
#include "core/strbuf.h"
#include "core/xalloc.h"
#include "repl/cmd.h"
#include "repl/session.h"
#include "store/store.h"

/* What the words of a transform command say. */
struct transform_args {
    const char *dataset, *chain, *target, *as;
    struct strbuf with;
};

static int
parse_words(struct session *s, int argc, char **argv, struct transform_args *a)
{
    a->dataset = argv[0];
    for (int i = 1; i < argc; i++) {
        const char *w = argv[i];

        if (strcmp(w, "as") == 0 && i + 1 < argc && a->as == NULL) {
            a->as = argv[++i];
        } else if (strcmp(w, "using") == 0 && i + 1 < argc && a->chain == NULL) {
            a->chain = argv[++i];
        } else if (strcmp(w, "with") == 0 && i + 1 < argc && a->with.len == 0) {
            do { /* the list may be spread over words: "impute, standardize" */
                strbuf_adds(&a->with, argv[++i]);
            } while (i + 1 < argc &&
                     (a->with.buf[a->with.len - 1] == ',' || argv[i + 1][0] == ','));
        } else if (strncmp(w, "target=", 7) == 0 && a->target == NULL) {
            a->target = w + 7;
        } else {
            cmd_error(s, "transform: unexpected '%s'; usage: transform DATASET with T1,T2(...) "
                         "[target=COLUMN] [as NAME], or transform DATASET using NAME [as NAME]",
                      w);
            return -1;
        }
    }
    if ((a->with.len > 0) == (a->chain != NULL)) {
        cmd_error(s, "transform: give either `with TRANSFORMS` (to fit them) or `using NAME` "
                     "(transforms fitted before)");
        return -1;
    }
    if (a->chain != NULL && a->target != NULL) {
        cmd_error(s, "transform: target= belongs to `with`; a fitted chain keeps its own");
        return -1;
    }
    if (a->as != NULL && !session_valid_name(a->as)) {
        cmd_error(s, "'%s' is not a valid dataset name (letters, digits, _ . -)", a->as);
        return -1;
    }
    return 0;
}

/* Save the fitted chain P as model NAME; its version, or -1 after cmd_error(). */
static int
save_chain(struct session *s, struct pipeline *p, const char *name, const char *dataset)
{
    struct store_model m = {0};
    unsigned char *blob;
    char *cause = NULL, *what;
    int version = -1;

    if ((blob = pipeline_save(p, &m.len, &cause)) == NULL) {
        cmd_error(s, "cannot save the transforms as '%s': %s", name, cause);
        free(cause);
        return -1;
    }
    what = xasprintf("transform: %s", pipeline_transforms(p));
    m.name = name;
    m.algorithm = what;
    m.dataset = dataset;
    m.target = pipeline_target(p);
    m.blob = blob;
    if (store_model_put(s->store, &m, &version, &cause) < 0) {
        cmd_error(s, "%s", cause);
        free(cause);
        version = -1;
    }
    free(what);
    free(blob);
    return version;
}

static enum cmd_retval
fit_and_apply(struct session *s, struct dataset *d, struct transform_args *a, const char *name)
{
    struct pipeline_spec spec = {0};
    struct pipeline *p;
    struct aiwb_frame *out;
    char *cause = NULL, *notes = NULL, *lineage;
    int version;

    if (cmd_parse_with(s, strbuf_str(&a->with), &spec.tf, &spec.n_tf) < 0)
        return CMD_ERROR;
    spec.target = a->target;
    p = pipeline_prepare(&spec, d->frame, &notes, &cause);
    free(spec.tf);
    if (notes != NULL)
        output_notes(&s->out, notes);
    free(notes);
    if (p == NULL) {
        cmd_error(s, "cannot transform '%s': %s", d->name, cause);
        free(cause);
        return CMD_ERROR;
    }
    if ((version = save_chain(s, p, name, d->name)) < 0) {
        pipeline_free(p);
        return CMD_ERROR;
    }
    out = pipeline_take_fitted(p);
    lineage = xasprintf("transform %s with %s%s%s as %s", d->name, pipeline_transforms(p),
                        a->target ? " target=" : "", a->target ? a->target : "", name);
    output_say(&s->out, "transformed '%s' with %s into '%s': %zu rows, %zu columns", d->name,
               pipeline_transforms(p), name, frame_rows(out), frame_cols(out));
    output_say(&s->out, "the fitted transforms are kept as '%s' version %d (`transform OTHER "
                        "using %s` applies them unchanged)", name, version, name);
    session_put_dataset(s, name, out, d->name, "", lineage);
    session_put_model(s, name, version, p);
    free(lineage);
    return CMD_OK;
}

static enum cmd_retval
apply_chain(struct session *s, struct dataset *d, struct transform_args *a, const char *name)
{
    struct pipeline *p;
    struct aiwb_frame *out;
    char *cause = NULL, *notes = NULL, *lineage, *chain;
    int version;

    if ((p = session_model(s, a->chain, &version)) == NULL)
        return CMD_ERROR;
    if (pipeline_algorithm(p) != NULL) {
        cmd_error(s, "'%s' is a model, not a chain of transforms: use `predict %s on %s`",
                  a->chain, a->chain, d->name);
        return CMD_ERROR;
    }
    if (pipeline_transform(p, d->frame, &out, &notes, &cause) < 0) {
        cmd_error(s, "cannot transform '%s' using '%s': %s", d->name, a->chain, cause);
        free(cause);
        free(notes);
        return CMD_ERROR;
    }
    if (notes != NULL)
        output_notes(&s->out, notes);
    free(notes);
    chain = xstrndup(a->chain, strcspn(a->chain, ":"));
    /* The version is pinned, so the lineage makes the same rows again. */
    lineage = xasprintf("transform %s using %s:%d as %s", d->name, chain, version, name);
    output_say(&s->out, "transformed '%s' using %s:%d (%s) into '%s': %zu rows, %zu columns",
               d->name, chain, version, pipeline_transforms(p), name, frame_rows(out),
               frame_cols(out));
    session_put_dataset(s, name, out, d->name, "", lineage);
    free(lineage);
    free(chain);
    return CMD_OK;
}

static enum cmd_retval
cmd_transform_exec(struct session *s, int argc, char **argv)
{
    struct transform_args a = {.with = STRBUF_INIT};
    struct dataset *d;
    char *name = NULL, *parent;
    enum cmd_retval rc = CMD_ERROR;

    if (parse_words(s, argc, argv, &a) < 0 || (d = session_need_dataset(s, a.dataset)) == NULL)
        goto out;
    parent = xstrdup(d->name); /* D is replaced when NAME is the same dataset */
    name = a.as != NULL ? xstrdup(a.as) : xasprintf("%s.t", parent);
    rc = a.chain != NULL ? apply_chain(s, d, &a, name) : fit_and_apply(s, d, &a, name);
    free(parent);
out:
    free(name);
    strbuf_release(&a.with);
    return rc;
}

const struct cmd_entry cmd_transform_entry = {
    .name = "transform",
    .usage = "transform DATASET with TRANSFORM,TRANSFORM(OPTION=VALUE)... [target=COLUMN] "
             "[as NAME] | transform DATASET using NAME[:VERSION] [as NAME]",
    .summary = "fit transforms on a dataset and apply them; apply fitted ones to another",
    .help = "`with` fits the transforms on DATASET, in order, and makes the dataset NAME\n"
            "(DATASET.t by default); the fitted transforms are kept in the workspace under\n"
            "NAME too, so `transform OTHER using NAME` applies exactly the same ones (the\n"
            "means, levels, components ... of DATASET) without fitting again. target=COLUMN\n"
            "keeps a column out of the transforms (it passes through, last). Row\n"
            "transforms (filter, dedupe, outliers) drop rows here, whichever way.",
    .min_args = 3,
    .max_args = -1,
    .complete = {COMPLETE_DATASET},
    .exec = cmd_transform_exec,
};
