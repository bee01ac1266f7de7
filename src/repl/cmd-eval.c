/*
 * cmd-eval.c - "eval": a model's metrics on a dataset, kept in the workspace.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "core/frame.h"
#include "core/pipeline.h"
#include "core/table.h"
#include "repl/cmd.h"
#include "repl/session.h"
#include "store/store.h"

static enum cmd_retval
cmd_eval_exec(struct session *s, int argc, char **argv)
{
    struct pipeline *p;
    struct dataset *d;
    struct evaluation ev;
    char *cause = NULL, *notes = NULL, *name;
    int version;

    if (argc != 3 || strcmp(argv[1], "on") != 0) {
        cmd_error(s, "eval: usage: eval MODEL on DATASET");
        return CMD_ERROR;
    }
    if ((p = session_model(s, argv[0], &version)) == NULL ||
        (d = session_need_dataset(s, argv[2])) == NULL)
        return CMD_ERROR;
    if (pipeline_evaluate(p, d->frame, &ev, &notes, &cause) < 0) {
        cmd_error(s, "cannot evaluate '%s' on '%s': %s", argv[0], d->name, cause);
        free(cause);
        free(notes);
        return CMD_ERROR;
    }
    name = strchr(argv[0], ':') ? strndup(argv[0], (size_t)(strchr(argv[0], ':') - argv[0]))
                                : strdup(argv[0]);
    output_say(&s->out, "eval %s:%d (%s) on '%s'", name, version, pipeline_algorithm(p),
               d->name);
    if (notes != NULL)
        output_notes(&s->out, notes);
    output_table(&s->out, ev.summary);
    if (ev.per_class != NULL) {
        output_say(&s->out, "%s", "");
        output_table(&s->out, ev.per_class);
    }
    if (ev.confusion != NULL) {
        output_say(&s->out, "%s", "");
        output_table(&s->out, ev.confusion);
    }
    if (store_eval_put(s->store, name, version, d->name, ev.n, ev.names, ev.values, &cause) < 0) {
        fprintf(s->out.err, "warning: %s\n", cause);
        free(cause);
    }
    free(name);
    free(notes);
    evaluation_release(&ev);
    return CMD_OK;
}

const struct cmd_entry cmd_eval_entry = {
    .name = "eval",
    .usage = "eval MODEL on DATASET",
    .summary = "score a model on a dataset holding the target; the numbers go to the workspace",
    .help = "Regression: rows, RMSE, MAE, R². Classification: accuracy, macro precision,\n"
            "recall and F1, log-loss, ROC AUC (binary), per-class table and confusion\n"
            "matrix. MODEL is a name (its latest version) or NAME:VERSION.",
    .min_args = 3,
    .max_args = 3,
    .complete = {COMPLETE_MODEL},
    .exec = cmd_eval_exec,
};
