/*
 * cmd-update.c - "update": fold new interactions into a recommender without
 * training it again; the result is the model's next version.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "core/frame.h"
#include "core/pipeline.h"
#include "core/xalloc.h"
#include "repl/cmd.h"
#include "repl/session.h"
#include "store/store.h"

static enum cmd_retval
cmd_update_exec(struct session *s, int argc, char **argv)
{
    struct pipeline *p, *copy = NULL;
    struct dataset *d;
    struct store_run run = {0};
    struct store_model m = {0};
    unsigned char *blob = NULL;
    size_t len, added = 0, users0, items0;
    char *cause = NULL, *name = NULL, *how = NULL;
    int64_t run_id = 0;
    int version, newver;
    enum cmd_retval rc = CMD_ERROR;

    if (argc != 3 || strcmp(argv[1], "with") != 0) {
        cmd_error(s, "update: usage: update MODEL with DATASET");
        return CMD_ERROR;
    }
    if ((p = session_model(s, argv[0], &version)) == NULL ||
        (d = session_need_dataset(s, argv[2])) == NULL)
        return CMD_ERROR;
    name = strchr(argv[0], ':') ? xstrndup(argv[0], (size_t)(strchr(argv[0], ':') - argv[0]))
                                : xstrdup(argv[0]);
    /* Work on a copy: a failure leaves the version in memory as it was. */
    if ((blob = pipeline_save(p, &len, &cause)) == NULL ||
        (copy = pipeline_load(blob, len, &cause)) == NULL) {
        cmd_error(s, "cannot update '%s': %s", argv[0], cause);
        goto out;
    }
    free(blob);
    blob = NULL;
    users0 = pipeline_n_levels(copy, 0);
    items0 = pipeline_n_levels(copy, 1);
    run.kind = "update";
    run.algorithm = pipeline_algorithm(copy) != NULL ? pipeline_algorithm(copy) : "?";
    run.transforms = pipeline_transforms(copy);
    run.options = pipeline_options(copy);
    run.dataset = d->name;
    run.target = pipeline_target(copy);
    run.command = s->current != NULL ? s->current : "";
    if (store_run_begin(s->store, &run, &run_id, &cause) < 0) {
        cmd_error(s, "%s", cause);
        goto out;
    }
    if (pipeline_update(copy, d->frame, &added, &cause) < 0) {
        store_run_end(s->store, run_id, "failed", 0, cause, NULL);
        cmd_error(s, "cannot update '%s' with '%s': %s", argv[0], d->name, cause);
        goto out;
    }
    how = xasprintf("folded in %zu interaction%s of '%s' (%zu new user%s, %zu new item%s) "
                    "into %s:%d", added, added == 1 ? "" : "s", d->name,
                    pipeline_n_levels(copy, 0) - users0,
                    pipeline_n_levels(copy, 0) - users0 == 1 ? "" : "s",
                    pipeline_n_levels(copy, 1) - items0,
                    pipeline_n_levels(copy, 1) - items0 == 1 ? "" : "s", name, version);
    if ((blob = pipeline_save(copy, &m.len, &cause)) == NULL) {
        store_run_end(s->store, run_id, "failed", 0, cause, NULL);
        cmd_error(s, "cannot save '%s': %s", name, cause);
        goto out;
    }
    m.name = name;
    m.run = run_id;
    m.algorithm = run.algorithm;
    m.dataset = d->name;
    m.target = pipeline_target(copy);
    m.blob = blob;
    if (store_model_put(s->store, &m, &newver, &cause) < 0) {
        store_run_end(s->store, run_id, "failed", 0, cause, NULL);
        cmd_error(s, "%s", cause);
        goto out;
    }
    store_run_end(s->store, run_id, "finished", 1, how, NULL);
    output_say(&s->out, "%s; saved model '%s' version %d", how, name, newver);
    session_put_model(s, name, newver, copy);
    copy = NULL;
    rc = CMD_OK;
out:
    pipeline_free(copy);
    free(blob);
    free(how);
    free(name);
    free(cause);
    return rc;
}

const struct cmd_entry cmd_update_entry = {
    .name = "update",
    .usage = "update MODEL with DATASET",
    .summary = "fold new interactions into a recommender without retraining; a new version",
    .help = "DATASET holds interactions in the model's user and item columns (and its\n"
            "rating, for a model of ratings). Each user in it is solved again with the\n"
            "items held fixed (one regularised solve per user; new items likewise), as\n"
            "the algorithm documents; new users and items join the model. The result is\n"
            "saved as the next version of MODEL, the update recorded as a run.",
    .min_args = 3,
    .max_args = 3,
    .complete = {COMPLETE_MODEL},
    .exec = cmd_update_exec,
};
