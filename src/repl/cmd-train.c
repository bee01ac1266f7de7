/*
 * cmd-train.c - "train": fit an algorithm with its preprocessing on a
 * dataset, record the run and its curve, save the model.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <config.h>

#include <stdlib.h>

#include "repl/cmd.h"
#include "repl/fit.h"
#include "repl/session.h"

static enum cmd_retval
cmd_train_exec(struct session *s, int argc, char **argv)
{
    struct fit_args a;
    struct dataset *d;
    char *model = NULL;
    int version;
    enum cmd_retval rc = CMD_ERROR;

    if (fit_parse(s, "train", 0, argc, argv, &a) < 0 || fit_check(s, &a, 0, NULL) < 0 ||
        (d = session_need_dataset(s, a.dataset)) == NULL ||
        (version = fit_train(s, &a, d->frame, &model)) < 0)
        goto out;
    output_say(&s->out, "saved model '%s' version %d", model, version);
    rc = CMD_OK;
out:
    free(model);
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
