/*
 * compare.h - the tables of `compare`, shared with `show compare`
 * (cmd-compare.c).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef AIWB_COMPARE_H
#define AIWB_COMPARE_H

struct aiwb_table;
struct session;

/*
 * The tables of `compare` for its words ARGV (MODEL MODEL ... [by=METRIC]
 * [on DATASET]): *BOARD the models side by side, best first by METRIC; *TEST
 * each of the others against the best, fold by fold (the corrected resampled
 * t-test), or NULL when they cannot be paired, *WHY then saying why (a
 * static string; NULL when *TEST is set). The caller frees the tables. 0, or
 * -1 after cmd_error() with nothing to free: fewer than two models, a model
 * unknown or never measured, models measured on different footing, a
 * metric one of them lacks.
 */
int compare_tables(struct session *s, int argc, char **argv, struct aiwb_table **board,
                   struct aiwb_table **test, const char **why);

#endif
