/*
 * importance.h - permutation importance, shared by `importance` and `show
 * importance` so that both give the same numbers (cmd-importance.c).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef AIWB_IMPORTANCE_H
#define AIWB_IMPORTANCE_H

#include <stddef.h>

struct dataset;
struct evaluation;
struct pipeline;
struct session;

/* What importance_permute() measured; release with importance_release(). */
struct importance {
    const char *metric; /* the metric measured: the one asked for, or the default (borrowed) */
    double baseline;    /* its value without shuffling */
    size_t n;           /* the model's inputs (pipeline_n_inputs()) */
    double *mean;       /* each input's mean worsening, in the model's order */
    double *sd;         /* its sample sd over the shuffles; NaN for a single shuffle */
    size_t *order;      /* the inputs, most important first (ties keep the model's order) */
};

/*
 * Permutation importance of model P on dataset D: for each input, REPEATS
 * shuffles of its column among the rows (a Mersenne Twister seeded with
 * SEED, shuffled column after column, so the same seed gives the same
 * numbers) and how much METRIC worsens, the sign set so that a positive
 * worsening is a loss whether the metric is higher- or lower-is-better.
 * METRIC NULL: accuracy for a classifier, r2 otherwise. BASE is P's
 * evaluation on D unshuffled (the caller makes it, so that it can report
 * its own failure and notes first). Fills IMP (its arrays new, freed by
 * importance_release()). Interactive and outside the TUI, a progress line
 * on stderr counts the columns; jobs_stopping() stops it between shuffles.
 *
 * 0, or -1 after cmd_error(), the messages naming the command CMD
 * ("importance") and the model LABEL: BASE lacks METRIC, D lacks an input
 * column, an evaluation failed, or the user stopped it. IMP is then
 * released already.
 */
int importance_permute(struct session *s, const char *cmd, const char *label,
                       const struct pipeline *p, const struct dataset *d,
                       const struct evaluation *base, const char *metric, size_t repeats,
                       size_t seed, struct importance *imp);

/* Free what IMP holds; IMP may be zeroed or released already. */
void importance_release(struct importance *imp);

#endif
