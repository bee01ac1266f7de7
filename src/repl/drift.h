/*
 * drift.h - drift reports for other commands: `show drift REPORT` redraws a
 * report that `drift` stored in the workspace.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef AIWB_DRIFT_H
#define AIWB_DRIFT_H

struct session;
struct view;

/*
 * The view of drift report REPORT (its number as text, as `drift` printed
 * it) read back from the workspace: the same table and charts `drift` showed.
 * NULL after cmd_error() (no such report, not a number).
 */
struct view *drift_report_view(struct session *s, const char *report);

#endif
