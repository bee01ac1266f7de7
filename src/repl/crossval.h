/*
 * crossval.h - k-fold cross-validation, the engine of cv and tune: the
 * folds, a run per cross-validation with each fold's metrics as its curve,
 * live progress and Ctrl-C.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef AIWB_CROSSVAL_H
#define AIWB_CROSSVAL_H

#include <stddef.h>
#include <stdint.h>

struct aiwb_table;
struct dataset;
struct fit_args;
struct session;

/* Which fold each row of a dataset belongs to. */
struct cv_plan {
    size_t k, n;
    uint32_t *fold;     /* n: 0..k-1 */
    char *text;         /* "10 folds of 'iris' (150 rows), seed 1, stratified by species,
                         * check 1a2b3c4d": two runs with the same text used the same folds */
    char *how;          /* "10 folds, stratified by species, seed 1" */
};

/*
 * Deal the rows of dataset D into A's folds (DEFAULT_K when A gives none),
 * stratified as A says: by default by a categorical target, `stratify=no`
 * for none, `stratify=COLUMN` by that column. Returns 0, or -1 after
 * cmd_error() (fewer rows than folds, no such column).
 */
int cv_plan_make(struct session *s, const struct fit_args *a, const struct dataset *d,
                 size_t default_k, struct cv_plan *plan);
void cv_plan_release(struct cv_plan *plan);

/* What a cross-validation measured. */
struct cv_result {
    int64_t run;
    char *options;      /* the algorithm's options, all of them */
    size_t k, done;     /* folds planned, folds done */
    int stopped;        /* by the user */
    size_t n;           /* metrics */
    char **names;
    double *values;     /* done rows of n: fold f's metrics at f*n */
    double *mean, *sd;  /* n each, over the folds done (sd NaN for one fold) */
};
void cv_result_release(struct cv_result *r);

/*
 * Cross-validate A's algorithm, with the option words EXTRA after A's own,
 * on dataset D over PLAN: for each fold, fit on the other folds and
 * evaluate on it. A run of kind "cv" records each fold's metrics (the
 * fold's number as step) and their means. With FOLD_LINES, a line per fold
 * as it ends; at a terminal, a progress line for the fold being fitted,
 * after LABEL (NULL or "point 2/6").
 * Ctrl-C stops after the fold being fitted (R->stopped; the folds done
 * count). Returns 0, or -1 after cmd_error() (the run recorded as failed).
 */
int cv_run(struct session *s, const struct fit_args *a, size_t nextra, char **extra,
           const struct dataset *d, const struct cv_plan *plan, const char *label,
           int fold_lines, struct cv_result *r);

/* The summary of R: a row per metric with its mean, sd, min and max. */
struct aiwb_table *cv_table(const struct cv_result *r);

/*
 * Fit A (with EXTRA) on all of D and save it as model NAME of run RUN:
 * what `cv ... as MODEL` and `tune` keep. Returns the version, or -1 after
 * cmd_error().
 */
int cv_refit(struct session *s, const struct fit_args *a, size_t nextra, char **extra,
             const struct dataset *d, int64_t run, const char *name);

#endif
