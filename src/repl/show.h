/*
 * show.h - the views of `show`, one builder each, and what they share;
 * cmd-show.c names them (show_view()), show-model.c builds the views of a
 * model, show-data.c those of a dataset. Each builder takes the words after
 * the view's name and returns a new view, or NULL after cmd_error().
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef AIWB_SHOW_H
#define AIWB_SHOW_H

struct aiwb_table;
struct session;
struct view;

/* show curve RUN [RUN ...] [names=A,B|all] [log=true] (cmd-show.c). */
struct view *show_curve(struct session *s, int argc, char **argv);
/* show runs [by=METRIC], show compare MODEL MODEL ... (cmd-show.c). */
struct view *show_runs(struct session *s, int argc, char **argv);
struct view *show_compare(struct session *s, int argc, char **argv);
/* show eval|confusion|roc|importance MODEL [on DATASET] ... (show-model.c). */
struct view *show_eval(struct session *s, int argc, char **argv);
struct view *show_confusion(struct session *s, int argc, char **argv);
struct view *show_roc(struct session *s, int argc, char **argv);
struct view *show_importance(struct session *s, int argc, char **argv);
/* show hist DATASET COLUMN [bins=N], show scatter DATASET X Y [by=COLUMN]
 * (show-data.c). */
struct view *show_hist(struct session *s, int argc, char **argv);
struct view *show_scatter(struct session *s, int argc, char **argv);

/* The value of FIELD in a run's description (store_run_info()), borrowed,
 * or NULL. */
const char *show_info_field(const struct aiwb_table *info, const char *field);
/* Add V to T as a real, or an empty cell when it is NaN. */
void show_real_cell(struct aiwb_table *t, double v);

#endif
