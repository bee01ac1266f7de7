/*
 * drift.h - drift reports for other commands: `show drift REPORT` redraws a
 * report that `drift` stored in the workspace; `assert` reads a comparison's
 * numbers without showing or keeping it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef AIWB_DRIFT_H
#define AIWB_DRIFT_H

struct session;
struct store_drift_report;
struct store_drift_row;
struct view;

/*
 * The view of drift report REPORT (its number as text, as `drift` printed
 * it) read back from the workspace: the same table and charts `drift` showed.
 * NULL after cmd_error() (no such report, not a number).
 */
struct view *drift_report_view(struct session *s, const char *report);

/*
 * Compare two datasets as `drift ARGV...` does (ARGV: REF, CUR, then the
 * option words, ARGC words in all), neither showing the report nor keeping
 * it: FN(ARG, report, NULL) once, then FN(ARG, report, row) for each
 * statistic of each column, the most severe column first, as
 * store_drift_get() reads a kept report (without the distributions;
 * report->id 0, everything borrowed for the call only). FN returns 0 to go
 * on; anything else stops and is returned. Returns 0, or -1 after
 * cmd_error() ("drift: ..." as the command says it).
 */
int drift_compare(struct session *s, int argc, char **argv,
                  int (*fn)(void *arg, const struct store_drift_report *r,
                            const struct store_drift_row *row),
                  void *arg);

#endif
