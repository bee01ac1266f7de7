/*
 * cmd-eval.c - "eval": a model's metrics on a dataset, kept in the workspace.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <config.h>

#include <math.h>
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
    static const char *const keys[] = {"k", "relevant"};
    const char *val[2];
    char *cause = NULL, *notes = NULL, *name;
    size_t k = PIPELINE_EVAL_K;
    double relevant = NAN;
    int version;

    if (argc < 3 || strcmp(argv[1], "on") != 0) {
        cmd_error(s, "eval: usage: eval MODEL on DATASET [k=10] [relevant=RATING]");
        return CMD_ERROR;
    }
    if (cmd_keywords(s, argc - 3, argv + 3, 2, keys, val) < 0 ||
        (val[0] != NULL && cmd_parse_size(s, "k", val[0], &k) < 0) ||
        (val[1] != NULL && cmd_parse_real(s, "relevant", val[1], &relevant) < 0))
        return CMD_ERROR;
    if (val[0] != NULL && k == 0) {
        cmd_error(s, "eval: k must be 1 or more");
        return CMD_ERROR;
    }
    if ((p = session_model(s, argv[0], &version)) == NULL ||
        (d = session_need_dataset(s, argv[2])) == NULL)
        return CMD_ERROR;
    if ((val[0] != NULL || val[1] != NULL) && pipeline_task(p) != AIWB_TASK_RANKING) {
        cmd_error(s, "eval: k= and relevant= are for recommenders; '%s' is %s", argv[0],
                  pipeline_algorithm(p) != NULL ? pipeline_algorithm(p) : "no model");
        return CMD_ERROR;
    }
    if (pipeline_evaluate_at(p, d->frame, k, relevant, &ev, &notes, &cause) < 0) {
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
    .usage = "eval MODEL on DATASET [k=10] [relevant=RATING]",
    .summary = "score a model on a dataset holding the target; the numbers go to the workspace",
    .help = "Regression: rows, RMSE, MAE, R². Classification: accuracy, macro precision,\n"
            "recall and F1, log-loss, ROC AUC (binary), per-class table and confusion\n"
            "matrix. Clustering: the algorithm's own score (inertia ...), the silhouette\n"
            "(of 10000 sampled rows past that), the cluster sizes, and the adjusted Rand\n"
            "index when DATASET holds the target= column given at training (true labels).\n"
            "Recommenders, on held-out interactions: for each user the model knows, its\n"
            "k best new items against the user's held-out items: precision, recall, NDCG,\n"
            "MAP and hit rate at k; with relevant=RATING only items rated that high\n"
            "count; a model of ratings also gets RMSE and MAE. MODEL is a name (its\n"
            "latest version) or NAME:VERSION.",
    .min_args = 3,
    .max_args = 5,
    .complete = {COMPLETE_MODEL},
    .exec = cmd_eval_exec,
};
