/*
 * cmd-show.c - "show": views of runs, models and datasets (curves, metrics,
 * confusion matrix, ROC, histogram, scatter plot, importance, drift,
 * leaderboards) as charts and tables, in the TUI's view pane or printed.
 * show_view() names the views for `plot` and `report` too; this file builds
 * those of runs (curve, runs, compare), show-model.c and show-data.c the
 * others.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <config.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/chart.h"
#include "core/strbuf.h"
#include "core/table.h"
#include "core/xalloc.h"
#include "repl/cmd.h"
#include "repl/compare.h"
#include "repl/drift.h"
#include "repl/fit.h"
#include "repl/session.h"
#include "repl/show.h"
#include "repl/view.h"
#include "store/store.h"

/* Bars of a leaderboard's chart. */
#define MAX_BOARD_BARS 20

const char *
show_info_field(const struct aiwb_table *info, const char *field)
{
    for (size_t i = 0; i < table_rows(info); i++)
        if (strcmp(table_cell(info, i, 0)->v.s, field) == 0)
            return table_cell(info, i, 1)->null ? NULL : table_cell(info, i, 1)->v.s;
    return NULL;
}

void
show_real_cell(struct aiwb_table *t, double v)
{
    if (isnan(v))
        table_null(t);
    else
        table_real(t, v);
}

/* --- show curve ------------------------------------------------------- */

/* Whether curve NAME is drawn by default: the loss and what the held-out rows
 * measure (val_loss, val_accuracy ...). */
static int
default_curve(const char *name)
{
    return strcmp(name, "loss") == 0 || strncmp(name, "val_", 4) == 0;
}

/* Whether NAME is in the comma list LIST. */
static int
in_list(const char *list, const char *name)
{
    size_t len = strlen(name);

    for (const char *p = list; p != NULL && *p;) {
        const char *comma = strchr(p, ',');
        size_t n = comma != NULL ? (size_t)(comma - p) : strlen(p);

        if (n == len && strncmp(p, name, n) == 0)
            return 1;
        p = comma != NULL ? comma + 1 : NULL;
    }
    return 0;
}

/* The distinct curve names of POINTS (step, name, value rows), in order of
 * first appearance: a new array of borrowed strings, *N of them. */
static const char **
curve_names(const struct aiwb_table *points, size_t *n)
{
    size_t rows = table_rows(points);
    const char **names = xcalloc(rows + 1, sizeof *names);

    *n = 0;
    for (size_t i = 0; i < rows; i++) {
        const char *name = table_cell(points, i, 1)->v.s;
        size_t j = 0;

        while (j < *n && strcmp(names[j], name) != 0)
            j++;
        if (j == *n)
            names[(*n)++] = name;
    }
    return names;
}

/* Add to T the row of curve NAME of run ID: its points, last, lowest and
 * highest values. */
static void
curve_summary(struct aiwb_table *t, int64_t id, const struct aiwb_table *points,
              const char *name)
{
    size_t npts = 0;
    double last = NAN, lo = NAN, hi = NAN;

    for (size_t i = 0; i < table_rows(points); i++) {
        double v;

        if (strcmp(table_cell(points, i, 1)->v.s, name) != 0 || table_cell(points, i, 2)->null)
            continue;
        v = table_cell(points, i, 2)->v.r;
        npts++;
        last = v;
        if (!isnan(v)) {
            lo = isnan(lo) || v < lo ? v : lo;
            hi = isnan(hi) || v > hi ? v : hi;
        }
    }
    table_int(t, id);
    table_text(t, name);
    table_int(t, (int64_t)npts);
    show_real_cell(t, last);
    show_real_cell(t, lo);
    show_real_cell(t, hi);
}

/* Add curve NAME of run ID (its POINTS) to chart C as a series, and its
 * summary row to T; *YLABEL becomes NAME, or "value" once two names differ. */
static void
add_curve(struct chart *c, struct aiwb_table *t, int many, size_t id,
          const struct aiwb_table *points, const char *name, char **ylabel)
{
    char *sname = many ? xasprintf("run %zu %s", id, name) : xstrdup(name);
    size_t ser = chart_add_series(c, sname);

    free(sname);
    for (size_t i = 0; i < table_rows(points); i++)
        if (strcmp(table_cell(points, i, 1)->v.s, name) == 0)
            chart_point(c, ser, (double)table_cell(points, i, 0)->v.i,
                        table_cell(points, i, 2)->null ? NAN : table_cell(points, i, 2)->v.r);
    curve_summary(t, (int64_t)id, points, name);
    if (*ylabel == NULL) {
        *ylabel = xstrdup(name);
    } else if (strcmp(*ylabel, name) != 0) {
        free(*ylabel);
        *ylabel = xstrdup("value");
    }
}

/* Check that every name of the comma list LIST is among the NNAMES NAMES of
 * run ID's curves; 0, or -1 after cmd_error(). */
static int
check_names(struct session *s, size_t id, const char *list, const char **names, size_t nnames)
{
    for (const char *p = list; p != NULL && *p;) {
        const char *comma = strchr(p, ',');
        size_t len = comma != NULL ? (size_t)(comma - p) : strlen(p), j;

        for (j = 0; j < nnames; j++)
            if (strlen(names[j]) == len && strncmp(names[j], p, len) == 0)
                break;
        if (j == nnames) {
            struct strbuf all = STRBUF_INIT;

            for (j = 0; j < nnames; j++)
                strbuf_addf(&all, "%s%s", j ? ", " : "", names[j]);
            cmd_error(s, "show curve: run %zu has no curve '%.*s' (%s%s)", id, (int)len, p,
                      nnames ? "its curves: " : "it recorded none", strbuf_str(&all));
            strbuf_release(&all);
            return -1;
        }
        p = comma != NULL ? comma + 1 : NULL;
    }
    return 0;
}

/*
 * Add the curves of run ID to C and their summaries to T: those of the comma
 * list NAMES ("all": every one), else the loss and the val_ ones (every one
 * of a cross-validation, whose curves are its folds' metrics), else, when
 * the run has none of those, all but the converged flag. TITLE gets the
 * run's part of the title. 0, or -1 after cmd_error().
 */
static int
add_run(struct session *s, size_t id, const char *names_asked, int many, struct chart *c,
        struct aiwb_table *t, struct strbuf *title, int *cv, char **ylabel)
{
    struct aiwb_table *info = table_new(NULL), *points = table_new(NULL);
    const char **names = NULL, *kind;
    size_t nnames = 0, drawn = 0;
    char *cause = NULL;
    int rc = -1;

    if (store_run_info(s->store, (int64_t)id, info, &cause) < 0 ||
        store_curve_list(s->store, (int64_t)id, points, &cause) < 0) {
        cmd_error(s, "show curve: %s", cause);
        goto out;
    }
    kind = show_info_field(info, "kind");
    *cv = kind != NULL && strcmp(kind, "cv") == 0;
    names = curve_names(points, &nnames);
    if (!many)
        strbuf_addf(title, "curve of run %zu (%s on '%s')", id,
                    show_info_field(info, "algorithm") ? show_info_field(info, "algorithm") : "?",
                    show_info_field(info, "dataset") ? show_info_field(info, "dataset") : "?");
    else
        strbuf_addf(title, "%s %zu (%s)", title->len == 0 ? "curves of runs" : ",", id,
                    show_info_field(info, "algorithm") ? show_info_field(info, "algorithm") : "?");
    if (names_asked != NULL && strcmp(names_asked, "all") != 0 &&
        check_names(s, id, names_asked, names, nnames) < 0)
        goto out;
    for (size_t j = 0; j < nnames; j++) {
        int want = names_asked != NULL ? strcmp(names_asked, "all") == 0 ||
                                             in_list(names_asked, names[j])
                   : *cv           ? 1
                                   : default_curve(names[j]);

        if (want) {
            add_curve(c, t, many, id, points, names[j], ylabel);
            drawn++;
        }
    }
    for (size_t j = 0; drawn == 0 && names_asked == NULL && j < nnames; j++)
        if (strcmp(names[j], "converged") != 0)
            add_curve(c, t, many, id, points, names[j], ylabel);
    rc = 0;
out:
    free(names);
    free(cause);
    table_free(info);
    table_free(points);
    return rc;
}

/* show curve RUN [RUN ...] [names=A,B|all] [log=true]: the runs' curves
 * overlaid, a series per run and curve name. */
struct view *
show_curve(struct session *s, int argc, char **argv)
{
    static const char *const keys[] = {"names", "log"};
    const char *val[2];
    char **ids = xcalloc((size_t)argc + 1, sizeof *ids);
    char **kw = xcalloc((size_t)argc + 1, sizeof *kw), *ylabel = NULL;
    int nids = 0, nkw = 0, allcv = 1, logy = 0;
    struct chart *c = NULL;
    struct aiwb_table *summary = NULL;
    struct strbuf title = STRBUF_INIT;
    struct view *v = NULL;

    for (int i = 0; i < argc; i++) {
        if (strchr(argv[i], '=') != NULL)
            kw[nkw++] = argv[i];
        else
            ids[nids++] = argv[i];
    }
    if (cmd_keywords(s, nkw, kw, 2, keys, val) < 0)
        goto out;
    if (nids == 0) {
        cmd_error(s, "show curve: name a run (see `runs`)");
        goto out;
    }
    if (val[1] != NULL) {
        if (strcmp(val[1], "true") != 0 && strcmp(val[1], "false") != 0) {
            cmd_error(s, "show curve: log must be true or false, not '%s'", val[1]);
            goto out;
        }
        logy = strcmp(val[1], "true") == 0;
    }
    c = chart_new(CHART_LINE, NULL);
    c->logy = logy;
    summary = table_new(NULL);
    table_column(summary, "run", AIWB_TABLE_INT);
    table_column(summary, "curve", AIWB_TABLE_TEXT);
    table_column(summary, "points", AIWB_TABLE_INT);
    table_column(summary, "last", AIWB_TABLE_REAL);
    table_column(summary, "min", AIWB_TABLE_REAL);
    table_column(summary, "max", AIWB_TABLE_REAL);
    for (int r = 0; r < nids; r++) {
        size_t id;
        int cv;

        if (cmd_parse_size(s, "the run", ids[r], &id) < 0 ||
            add_run(s, id, val[0], nids > 1, c, summary, &title, &cv, &ylabel) < 0)
            goto out;
        allcv &= cv;
    }
    if (c->nseries == 0) {
        cmd_error(s, "show curve: %s recorded no curve (an algorithm fitted in one step "
                     "reports none)", nids > 1 ? "these runs" : "the run");
        goto out;
    }
    chart_axes(c, allcv ? "fold" : "iteration", ylabel);
    c->title = xstrdup(strbuf_str(&title));
    v = view_new(strbuf_str(&title));
    view_chart(v, c);
    c = NULL;
    if (logy)
        table_note(summary, "(the y axis is logarithmic: values at or below 0 are not drawn)");
    view_table(v, summary);
    summary = NULL;
out:
    chart_free(c);
    table_free(summary);
    strbuf_release(&title);
    free(ids);
    free(kw);
    free(ylabel);
    return v;
}

/* --- show drift, runs, compare -------------------------------------------- */

static struct view *
show_drift(struct session *s, int argc, char **argv)
{
    (void)argc;
    return drift_report_view(s, argv[0]);
}

/* show runs [by=METRIC]: every run, or the leaderboard of METRIC with its
 * best runs as bars. */
struct view *
show_runs(struct session *s, int argc, char **argv)
{
    static const char *const keys[] = {"by"};
    const char *val[1];
    struct aiwb_table *t = table_new(NULL);
    char *cause = NULL, *title;
    struct view *v;
    struct chart *c;
    size_t n, col;
    int higher;

    if (argc == 1 && strchr(argv[0], '=') == NULL) {
        cmd_error(s, "show runs: unexpected '%s' (expected by=METRIC; `runs %s` shows one run)",
                  argv[0], argv[0]);
        table_free(t);
        return NULL;
    }
    if (cmd_keywords(s, argc, argv, 1, keys, val) < 0) {
        table_free(t);
        return NULL;
    }
    if (val[0] == NULL) {
        if (store_run_list(s->store, t, &cause) < 0) {
            cmd_error(s, "%s", cause);
            free(cause);
            table_free(t);
            return NULL;
        }
        v = view_new("runs");
        if (table_rows(t) == 0) {
            view_text(v, "no runs yet: train a model with `train ALGORITHM on DATASET "
                         "target=COLUMN`");
            table_free(t);
        } else {
            view_table(v, t);
        }
        return v;
    }
    if (*val[0] == '\0') {
        cmd_error(s, "show runs: by= needs a metric (accuracy, rmse, ...)");
        table_free(t);
        return NULL;
    }
    higher = fit_higher_is_better(val[0]);
    if (store_leaderboard(s->store, val[0], higher, t, &cause) < 0) {
        cmd_error(s, "%s", cause);
        free(cause);
        table_free(t);
        return NULL;
    }
    n = table_rows(t);
    if (n == 0) {
        cmd_error(s, "show runs: no run has measured %s: cross-validate with `cv`, or `eval` a "
                     "model", val[0]);
        table_free(t);
        return NULL;
    }
    for (col = 0; col < t->ncols && strcmp(t->cols[col].name, val[0]) != 0; col++)
        ;
    title = xasprintf("runs by %s, best first (%s is better)", val[0],
                      higher ? "higher" : "lower");
    c = chart_new(CHART_BARS, title);
    chart_axes(c, val[0], "run");
    chart_add_series(c, val[0]);
    for (size_t i = 0; i < n && i < MAX_BOARD_BARS && col < t->ncols; i++) {
        const struct table_cell *model = table_cell(t, i, t->ncols - 1);
        int named = !model->null && *model->v.s != '\0';
        char *label = xasprintf("%lld %s%s%s%s", (long long)table_cell(t, i, 0)->v.i,
                                table_cell(t, i, 2)->v.s, named ? " (" : "",
                                named ? model->v.s : "", named ? ")" : "");
        double value = table_cell(t, i, col)->null ? NAN : table_cell(t, i, col)->v.r;

        chart_category(c, label, &value);
        free(label);
    }
    table_notef(t, "(cross-validated means and held-out evaluations are different measures)");
    v = view_new(title);
    view_chart(v, c);
    view_table(v, t);
    free(title);
    return v;
}

/* show compare MODEL MODEL ... [by=METRIC] [on DATASET]: the tables of
 * `compare`. */
struct view *
show_compare(struct session *s, int argc, char **argv)
{
    struct aiwb_table *board, *test;
    const char *why;
    struct strbuf title = STRBUF_INIT;
    struct view *v;

    if (compare_tables(s, argc, argv, &board, &test, &why) < 0)
        return NULL;
    strbuf_adds(&title, "compare");
    for (int i = 0; i < argc; i++)
        strbuf_addf(&title, " %s", argv[i]);
    v = view_new(strbuf_str(&title));
    view_table(v, board);
    if (test != NULL) {
        view_table(v, test);
    } else {
        char *text = xasprintf("no significance test: %s", why);

        view_text(v, text);
        free(text);
    }
    strbuf_release(&title);
    return v;
}

/* --- the views ------------------------------------------------------------ */

static const struct subview {
    const char *name, *usage;
    int min_args, max_args; /* words after the view's name; -1: no limit */
    struct view *(*build)(struct session *s, int argc, char **argv);
} subviews[] = {
    {"curve", "show curve RUN [RUN ...] [names=A,B|all] [log=true]", 1, -1, show_curve},
    {"eval", "show eval MODEL [on DATASET]", 1, 3, show_eval},
    {"confusion", "show confusion MODEL [on DATASET]", 1, 3, show_confusion},
    {"roc", "show roc MODEL [on DATASET] [class=NAME]", 1, 4, show_roc},
    {"hist", "show hist DATASET COLUMN [bins=N]", 2, 3, show_hist},
    {"scatter", "show scatter DATASET X Y [by=COLUMN]", 3, 4, show_scatter},
    {"importance", "show importance MODEL [on DATASET] [repeats=5] [seed=1] [metric=NAME]", 1,
     6, show_importance},
    {"drift", "show drift REPORT", 1, 1, show_drift},
    {"runs", "show runs [by=METRIC]", 0, 1, show_runs},
    {"compare", "show compare MODEL MODEL ... [by=METRIC] [on DATASET]", 2, -1, show_compare},
};

struct view *
show_view(struct session *s, int argc, char **argv)
{
    const struct subview *sv = NULL;
    int nargs = argc - 1;

    for (size_t i = 0; argc > 0 && i < sizeof subviews / sizeof subviews[0]; i++)
        if (strcmp(argv[0], subviews[i].name) == 0)
            sv = &subviews[i];
    if (sv == NULL) {
        struct strbuf names = STRBUF_INIT;

        for (size_t i = 0; i < sizeof subviews / sizeof subviews[0]; i++)
            strbuf_addf(&names, "%s%s", i ? ", " : "", subviews[i].name);
        if (argc == 0)
            cmd_error(s, "show: name a view (%s)", strbuf_str(&names));
        else
            cmd_error(s, "show: unknown view '%s' (views: %s)", argv[0], strbuf_str(&names));
        strbuf_release(&names);
        return NULL;
    }
    if (nargs < sv->min_args || (sv->max_args >= 0 && nargs > sv->max_args)) {
        cmd_error(s, "show %s: %s arguments; usage: %s", sv->name,
                  nargs < sv->min_args ? "too few" : "too many", sv->usage);
        return NULL;
    }
    return sv->build(s, nargs, argv + 1);
}

const char *
show_view_name(size_t i)
{
    return i < sizeof subviews / sizeof subviews[0] ? subviews[i].name : NULL;
}

static enum cmd_retval
cmd_show_exec(struct session *s, int argc, char **argv)
{
    struct view *v = show_view(s, argc, argv);

    if (v == NULL)
        return CMD_ERROR;
    view_show(s, v);
    return CMD_OK;
}

const struct cmd_entry cmd_show_entry = {
    .name = "show",
    .usage = "show VIEW ...",
    .summary = "charts and tables of runs, models and datasets (curve, eval, roc ...)",
    .help = "The views:\n"
            "  show curve RUN [RUN ...] [names=A,B|all] [log=true]\n"
            "  show eval MODEL [on DATASET]\n"
            "  show confusion MODEL [on DATASET]\n"
            "  show roc MODEL [on DATASET] [class=NAME]\n"
            "  show hist DATASET COLUMN [bins=N]\n"
            "  show scatter DATASET X Y [by=COLUMN]\n"
            "  show importance MODEL [on DATASET] [repeats=5] [seed=1] [metric=NAME]\n"
            "  show drift REPORT\n"
            "  show runs [by=METRIC]\n"
            "  show compare MODEL MODEL ... [by=METRIC] [on DATASET]\n"
            "\n"
            "curve overlays the runs' curves from the workspace: the loss and the\n"
            "held-out val_ ones unless names= says (all: every one); a cross-validation's\n"
            "curves are its folds' metrics. eval without `on` shows the evaluations the\n"
            "workspace keeps; with it, computes them. confusion, roc and importance work\n"
            "on DATASET, or on the dataset of the model's latest evaluation in the\n"
            "workspace. roc: for two classes the second is positive; for more, each\n"
            "class against the rest (or class=NAME only). hist: the bins of `hist`; a\n"
            "categorical column's levels as bars. scatter: every row up to 20000, then\n"
            "every k-th; by= a column of at most 12 values. importance: as `importance`,\n"
            "with the same numbers. runs and compare: the tables of `runs` and\n"
            "`compare`. show writes nothing to the workspace.\n"
            "\n"
            "In the full-screen interface the view opens in the view pane; otherwise it\n"
            "prints as text charts as wide as the terminal (80 columns in a script),\n"
            "braille unless --ascii; with --format csv or json the charts' numbers print\n"
            "as tables. `plot VIEW ... to FILE.svg` writes any view as SVG.",
    .min_args = 0,
    .max_args = -1,
    .complete = {COMPLETE_NONE, COMPLETE_NONE},
    .exec = cmd_show_exec,
};

