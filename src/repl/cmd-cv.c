/*
 * cmd-cv.c - "cv": k-fold cross-validation of an algorithm with its
 * preprocessing, each metric as mean and standard deviation over the folds.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "core/frame.h"
#include "core/table.h"
#include "repl/cmd.h"
#include "repl/crossval.h"
#include "repl/fit.h"
#include "repl/session.h"

#define DEFAULT_FOLDS 10

static enum cmd_retval
cmd_cv_exec(struct session *s, int argc, char **argv)
{
    struct fit_args a;
    struct cv_plan plan = {0};
    struct cv_result r = {0};
    struct dataset *d;
    struct aiwb_table *t;
    enum cmd_retval rc = CMD_ERROR;

    if (fit_parse(s, "cv", FIT_FOLDS, argc, argv, &a) < 0 || fit_check(s, &a, 0, NULL) < 0 ||
        (d = session_need_dataset(s, a.dataset)) == NULL ||
        cv_plan_make(s, &a, d, DEFAULT_FOLDS, &plan) < 0)
        goto out;
    output_say(&s->out, "cross-validating %s on '%s' (%zu rows)%s%s%s: %s", a.algorithm,
               d->name, plan.n, a.target != NULL ? ", target '" : "",
               a.target != NULL ? a.target : "", a.target != NULL ? "'" : "", plan.how);
    if (cv_run(s, &a, 0, NULL, d, &plan, NULL, 1, &r) < 0)
        goto out;
    if (r.done > 0) {
        t = cv_table(&r);
        output_table(&s->out, t);
        table_free(t);
    }
    if (r.stopped) {
        output_say(&s->out, "run %lld: stopped by the user after %zu of %zu folds%s",
                   (long long)r.run, r.done, r.k,
                   a.model != NULL ? "; no model was fitted" : "");
        rc = CMD_OK;
        goto out;
    }
    output_say(&s->out, "run %lld: each fold's metrics are in `runs %lld`", (long long)r.run,
               (long long)r.run);
    if (a.model != NULL && cv_refit(s, &a, 0, NULL, d, r.run, a.model) < 0)
        goto out;
    rc = CMD_OK;
out:
    cv_result_release(&r);
    cv_plan_release(&plan);
    fit_args_release(&a);
    return rc;
}

const struct cmd_entry cmd_cv_entry = {
    .name = "cv",
    .usage = "cv ALGORITHM on DATASET [target=COLUMN] [folds=10] [stratify[=COLUMN|no]] [seed=N] "
             "[with TRANSFORM,...] [OPTION=VALUE ...] [as MODEL]",
    .summary = "k-fold cross-validation: each metric's mean and sd over the folds, as a run",
    .help = "Each fold is fitted from scratch, transforms included, on the other folds and\n"
            "scored on its own rows with the metrics of `eval`. For a classifier, the\n"
            "classes keep their shares in every fold (stratify=no turns that off;\n"
            "stratify=COLUMN stratifies by another column). The same seed gives the same\n"
            "folds, so two runs on the same data can be paired by `compare`. Each fold's\n"
            "metrics are the run's curve (`runs ID`); `runs by=METRIC` ranks runs.\n"
            "Ctrl-C stops at once: the fold being fitted is dropped, those done are kept.\n"
            "With `as MODEL`, the algorithm is then fitted on every row and saved as MODEL.",
    .min_args = 3,
    .max_args = -1,
    .complete = {COMPLETE_NONE},
    .exec = cmd_cv_exec,
    .background = 1,
};
