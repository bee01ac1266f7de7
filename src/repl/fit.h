/*
 * fit.h - what train, retrain, cv and tune share: the words that say what
 * to fit, the loop that drives an algorithm's iterations with live
 * progress, saving the model, and the whole of a training run.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef AIWB_FIT_H
#define AIWB_FIT_H

#include <stddef.h>
#include <stdint.h>

#include "core/pipeline.h"
#include "core/strbuf.h"

struct session;

/* What the words of train, cv or tune say (retrain fills it from a recipe). */
struct fit_args {
    const char *cmd;                  /* "train"; fit_train() records it as the run's kind */
    const char *algorithm, *dataset;
    const char *target;               /* NULL: none (clustering, ranking) */
    const char *user, *item;          /* a recommender's id columns, or NULL */
    const char *model;                /* as MODEL, or NULL */
    size_t seed;
    struct strbuf with;               /* "impute(strategy=median),standardize" */
    size_t nopts;
    char **opts;                      /* the algorithm's option words (borrowed) */
    /* cv and tune */
    size_t folds;                     /* 0: not given */
    const char *stratify;             /* NULL: not given; "": by the target; "no" */
    const char *grid;                 /* tune */
    const char *by;                   /* tune: the metric to choose by */
};

/* Which extra words a command takes. */
#define FIT_FOLDS 1u /* folds=K stratify[=COLUMN|no] */
#define FIT_GRID 2u  /* grid='a=1,2; b=3' by=METRIC */

#define FIT_DEFAULT_SEED 1

/*
 * Read "ALGORITHM on DATASET [target=COLUMN] [with T,...] [OPTION=VALUE ...]
 * [seed=N] [user=COLUMN item=COLUMN] [as MODEL]" and the EXTRA words of
 * command CMD into A (set to zeros first). Returns 0, or -1 after
 * cmd_error(). Release A with fit_args_release() either way.
 */
int fit_parse(struct session *s, const char *cmd, unsigned extra, int argc, char **argv,
              struct fit_args *a);
void fit_args_release(struct fit_args *a);

/*
 * Fill SPEC from A, with the option words EXTRA (N of them, e.g. a tuning
 * point's) after A's own. Returns 0, or -1 after cmd_error() (an unknown
 * algorithm, transform or option) with nothing allocated. On success SPEC
 * holds new option sets that pipeline_prepare() takes over.
 */
int fit_spec(struct session *s, const struct fit_args *a, size_t nextra, char **extra,
             struct pipeline_spec *spec);

/*
 * Check before any work that A names a known algorithm, transforms and
 * options (with EXTRA), and a target when the algorithm learns one.
 * Returns 0, or -1 after cmd_error().
 */
int fit_check(struct session *s, const struct fit_args *a, size_t nextra, char **extra);

/* How driving an algorithm's iterations ended. */
struct fit_outcome {
    int rc;               /* the last iterate's status */
    int64_t iterations;
    int stopped;          /* by the user (Ctrl-C) */
    struct aiwb_step last;
    char *cause;          /* when rc < 0; free it */
};

/*
 * Iterate P until it converges, fails, runs out of iterations or the user
 * presses Ctrl-C, recording each step's values as the curve of run RUN
 * (none if RUN is 0) and, at a terminal, rewriting a progress line that
 * starts with PREFIX ("" or "fold 3/10").
 */
void fit_loop(struct session *s, struct pipeline *p, int64_t run, const char *prefix,
              struct fit_outcome *o);
/* "converged after 12 iterations; loss 0.31", "fitted in one step; r2 0.52" and the
 * like (a new string). */
char *fit_describe(const struct fit_outcome *o);

/*
 * Save P as model NAME of run RUN (trained on A's dataset and target); the
 * version, or -1 after cmd_error().
 */
int fit_save(struct session *s, struct pipeline *p, const char *name, int64_t run,
             const struct fit_args *a);

/*
 * Fit A (checked by fit_check()) on DATA, the rows and columns of dataset
 * A->dataset to learn from, as a run of kind A->cmd: say the run, drive the
 * iterations, save the model as A->model (default "m<run>"), say how the
 * fit ended and the model's summary, and keep the model in the session.
 * Returns the version, or -1 after cmd_error() (the run, if begun, recorded
 * as failed). On success *MODEL (if MODEL is not NULL) gets the model's
 * name, a new string.
 */
int fit_train(struct session *s, const struct fit_args *a, const struct aiwb_frame *data,
              char **model);

/* Whether a higher value of metric NAME is better (accuracy, r2) or a lower
 * one (rmse, log_loss, inertia). */
int fit_higher_is_better(const char *name);

#endif
