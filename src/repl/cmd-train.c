/*
 * cmd-train.c - "train": fit an algorithm with its preprocessing on a
 * dataset, record the run and its curve, save the model.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <config.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/frame.h"
#include "core/numfmt.h"
#include "core/options.h"
#include "core/pipeline.h"
#include "core/registry.h"
#include "core/strbuf.h"
#include "core/table.h"
#include "core/xalloc.h"
#include "repl/cmd.h"
#include "repl/fit.h"
#include "repl/session.h"
#include "repl/tokenize.h"
#include "store/store.h"

static enum cmd_retval
cmd_train_exec(struct session *s, int argc, char **argv)
{
    struct fit_args a;
    struct pipeline_spec spec;
    struct pipeline *p = NULL;
    struct dataset *d;
    struct fit_outcome o = {0};
    struct store_run run = {0};
    char *cause = NULL, *notes = NULL, *model = NULL, *how = NULL;
    int64_t run_id = 0;
    int version;
    enum cmd_retval rc = CMD_ERROR;

    if (fit_parse(s, "train", 0, argc, argv, &a) < 0 || fit_check(s, &a, 0, NULL) < 0 ||
        (d = session_need_dataset(s, a.dataset)) == NULL || fit_spec(s, &a, 0, NULL, &spec) < 0)
        goto out;
    /* From here the pipeline owns the option sets. */
    p = pipeline_prepare(&spec, d->frame, &notes, &cause);
    free(spec.tf);
    if (notes != NULL)
        output_notes(&s->out, notes);
    if (p == NULL) {
        cmd_error(s, "cannot train %s on '%s': %s", a.algorithm, a.dataset, cause);
        goto out;
    }

    run.kind = "train";
    run.algorithm = a.algorithm;
    run.transforms = pipeline_transforms(p);
    run.options = pipeline_options(p);
    run.dataset = a.dataset;
    run.target = a.target;
    run.seed = a.seed;
    run.command = s->current != NULL ? s->current : "";
    if (store_run_begin(s->store, &run, &run_id, &cause) < 0) {
        cmd_error(s, "%s", cause);
        goto out;
    }
    model = a.model != NULL ? xstrdup(a.model) : xasprintf("m%lld", (long long)run_id);
    output_say(&s->out, "run %lld: %s on '%s' (%zu rows)%s%s%s%s%s", (long long)run_id,
               a.algorithm, a.dataset, pipeline_train_rows(p),
               a.target != NULL ? ", target '" : "", a.target != NULL ? a.target : "",
               a.target != NULL ? "'" : "", *pipeline_transforms(p) ? ", with " : "",
               pipeline_transforms(p));

    fit_loop(s, p, run_id, "", &o);
    if (o.rc < 0) {
        store_run_end(s->store, run_id, "failed", o.iterations, o.cause, NULL);
        cmd_error(s, "run %lld failed: %s", (long long)run_id, o.cause);
        goto out;
    }
    if (pipeline_finish(p, &cause) < 0) {
        store_run_end(s->store, run_id, "failed", o.iterations, cause, NULL);
        cmd_error(s, "run %lld failed: %s", (long long)run_id, cause);
        goto out;
    }
    how = fit_describe(&o);
    if ((version = fit_save(s, p, model, run_id, &a)) < 0) {
        store_run_end(s->store, run_id, "failed", o.iterations, cmd_last_error(), NULL);
        goto out;
    }
    store_run_end(s->store, run_id, o.stopped ? "cancelled" : "finished", o.iterations, how,
                  NULL);
    output_say(&s->out, "%s", how);
    {
        struct aiwb_table *t = table_new(NULL);

        if (pipeline_summary(p, t) == AIWB_OK && t->ncols > 0)
            output_table(&s->out, t);
        table_free(t);
    }
    output_say(&s->out, "saved model '%s' version %d", model, version);
    session_put_model(s, model, version, p);
    p = NULL;
    rc = CMD_OK;
out:
    pipeline_free(p);
    free(o.cause);
    free(how);
    free(model);
    free(notes);
    free(cause);
    fit_args_release(&a);
    return rc;
}

const struct cmd_entry cmd_train_entry = {
    .name = "train",
    .usage = "train ALGORITHM on DATASET [target=COLUMN] [with TRANSFORM,TRANSFORM(OPTION=VALUE)...] "
             "[OPTION=VALUE ...] [seed=N] [user=COLUMN item=COLUMN] [as MODEL]",
    .summary = "fit an algorithm with its preprocessing; the run and model go to the workspace",
    .help = "Transforms are fitted on the training data and saved with the model, which then\n"
            "predicts from raw rows. Categorical columns are one-hot encoded when the\n"
            "algorithm needs numbers; missing values it cannot take are refused with the\n"
            "transform to add. Ctrl-C stops training and keeps the model as it stands.\n"
            "The model is named MODEL, or m<run number>; each save under a name is a new\n"
            "version (refer to one as NAME:VERSION). `help ALGORITHM` lists its options.\n"
            "Clustering and decomposition need no target (a target= column is kept only as\n"
            "the true labels `eval` compares with). A recommender learns from interactions:\n"
            "user=COLUMN and item=COLUMN (default user, item) and target=RATING for explicit\n"
            "ratings; without a target each interaction counts as implicit feedback.",
    .min_args = 3,
    .max_args = -1,
    .complete = {COMPLETE_NONE},
    .exec = cmd_train_exec,
    .background = 1,
};
