/*
 * cmd-report.c - "report": one self-contained HTML page about a model (what
 * it is, its training curve, evaluation, confusion matrix and ROC, the
 * importance of its inputs, the drift of its training data), for sharing
 * what the terminal shows.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/chart.h"
#include "core/pipeline.h"
#include "core/strbuf.h"
#include "core/table.h"
#include "core/xalloc.h"
#include "repl/cmd.h"
#include "repl/drift.h"
#include "repl/session.h"
#include "repl/view.h"
#include "store/store.h"

/* The page's style: no external fonts or sheets, readable in print. */
static const char style[] =
    "body{font-family:sans-serif;color:#222;background:#fff;max-width:60em;margin:2em auto;"
    "padding:0 1em;line-height:1.4}\n"
    "h1{font-size:1.6em;margin-bottom:.2em}h2{font-size:1.2em;margin-top:2em;"
    "border-bottom:1px solid #ccc}\n"
    "p.meta{color:#666;margin-top:0}p.note{color:#555;font-size:.9em;margin:.3em 0}\n"
    "p.missing{color:#a33}\n"
    "table{border-collapse:collapse;margin:.8em 0;font-size:.92em}\n"
    "caption{text-align:left;font-weight:bold;padding:.3em 0}\n"
    "th,td{padding:.2em .7em;border-bottom:1px solid #e4e4e4;text-align:left;"
    "vertical-align:top}\n"
    "th{border-bottom:2px solid #bbb}td.num,th.num{text-align:right;"
    "font-variant-numeric:tabular-nums}\n"
    "pre{background:#f6f6f6;padding:.6em;overflow-x:auto}\n"
    "figure{margin:1em 0}figure svg{max-width:100%;height:auto}\n";

/* Append the view named by the words ARGV (as `show` takes them) to HTML;
 * when it cannot be made, a section titled HEADING saying why. */
static void
add_view(struct session *s, struct strbuf *html, const char *heading, int argc, char **argv)
{
    struct view *v = show_view(s, argc, argv);

    if (v != NULL) {
        view_html(v, html);
        view_free(v);
        return;
    }
    strbuf_adds(html, "<section class=\"view\">\n<h2>");
    view_escape(html, heading);
    strbuf_adds(html, "</h2>\n<p class=\"missing\">");
    view_escape(html, cmd_last_error() != NULL ? cmd_last_error() : "not available");
    strbuf_adds(html, "</p>\n</section>\n");
}

/* Whether view V (of `show curve`) has a series of two points or more. */
static int
has_curve(const struct view *v)
{
    for (size_t i = 0; i < v->n; i++)
        for (size_t k = 0; v->blocks[i].kind == VIEW_CHART && k < v->blocks[i].chart->nseries;
             k++)
            if (v->blocks[i].chart->series[k].n >= 2)
                return 1;
    return 0;
}

/* The value of FIELD in a run's description (store_run_info()), or NULL. */
static const char *
field(const struct aiwb_table *info, const char *name)
{
    for (size_t i = 0; i < table_rows(info); i++)
        if (strcmp(table_cell(info, i, 0)->v.s, name) == 0)
            return table_cell(info, i, 1)->null ? NULL : table_cell(info, i, 1)->v.s;
    return NULL;
}

/* What model LABEL is: its pipeline P and the run RUN that made it (INFO:
 * store_run_info(), empty if none), and the algorithm's own summary. */
static struct view *
summary_view(const char *label, const struct pipeline *p, int64_t run,
             const struct aiwb_table *info)
{
    static const char *const fields[] = {"dataset", "target", "transforms", "options",
                                         "command", "started", "seconds", "iterations",
                                         "status", "message"};
    static const char *const shown[] = {"trained on", "target", "transforms", "options",
                                        "command", "trained", "seconds", "iterations",
                                        "status", "message"};
    struct aiwb_table *t = table_new(NULL), *own = table_new(NULL);
    char *title = xasprintf("%s: %s", label,
                            pipeline_algorithm(p) != NULL ? pipeline_algorithm(p)
                                                          : "transformer");
    struct view *v = view_new(title);

    table_column(t, "field", AIWB_TABLE_TEXT);
    table_column(t, "value", AIWB_TABLE_TEXT);
    table_text(t, "model");
    table_text(t, label);
    table_text(t, "algorithm");
    table_text(t, pipeline_algorithm(p) != NULL ? pipeline_algorithm(p) : "none");
    if (run != 0) {
        char buf[32];

        snprintf(buf, sizeof buf, "%lld", (long long)run);
        table_text(t, "run");
        table_text(t, buf);
    }
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        const char *value = field(info, fields[i]);

        if (value == NULL || *value == '\0')
            continue;
        table_text(t, shown[i]);
        table_text(t, value);
    }
    view_table(v, t);
    if (pipeline_summary(p, own) == AIWB_OK && own->ncols > 0)
        view_table(v, own);
    else
        table_free(own);
    free(title);
    return v;
}

/* The view of the latest drift report whose reference is dataset REF, or
 * NULL when there is none (or it cannot be read: the page goes without). */
static struct view *
latest_drift(struct session *s, const char *ref)
{
    struct aiwb_table *t = table_new(NULL);
    char *cause = NULL, id[32] = "";
    int64_t best = 0;
    struct view *v = NULL;

    if (store_drift_list(s->store, t, &cause) < 0) {
        free(cause);
        table_free(t);
        return NULL;
    }
    for (size_t i = 0; i < table_rows(t); i++)
        if (strcmp(table_cell(t, i, 1)->v.s, ref) == 0 && table_cell(t, i, 0)->v.i > best)
            best = table_cell(t, i, 0)->v.i;
    if (best > 0) {
        snprintf(id, sizeof id, "%lld", (long long)best);
        v = drift_report_view(s, id);
    }
    table_free(t);
    return v;
}

static enum cmd_retval
cmd_report_exec(struct session *s, int argc, char **argv)
{
    const char *path, *on = NULL;
    char *name, *label = NULL, *cause = NULL, *runword = NULL, stamp[32];
    struct pipeline *p;
    struct aiwb_table *info = table_new(NULL);
    struct strbuf html = STRBUF_INIT;
    struct view *v;
    int version, rc = CMD_ERROR;
    int64_t run = 0;
    time_t now = time(NULL);
    struct tm tm;

    if (argc < 3 || strcmp(argv[argc - 2], "to") != 0 ||
        (argc != 3 && !(argc == 5 && strcmp(argv[1], "on") == 0))) {
        cmd_error(s, "report: usage: report MODEL [on DATASET] to FILE.html");
        table_free(info);
        return CMD_ERROR;
    }
    path = argv[argc - 1];
    if (argc == 5)
        on = argv[2];
    if (!view_has_extension(path, ".html") && !view_has_extension(path, ".htm")) {
        cmd_error(s, "report: '%s' is not an .html file name (report writes one HTML page: to "
                     "FILE.html)", path);
        table_free(info);
        return CMD_ERROR;
    }
    if (view_check_folder(s, "report", path) < 0 ||
        (p = session_model(s, argv[0], &version)) == NULL) {
        table_free(info);
        return CMD_ERROR;
    }
    name = strchr(argv[0], ':') != NULL
               ? xstrndup(argv[0], (size_t)(strchr(argv[0], ':') - argv[0]))
               : xstrdup(argv[0]);
    label = xasprintf("%s:%d", name, version);
    if (store_model_run(s->store, name, version, &run, NULL, &cause) < 0 ||
        (run != 0 && store_run_info(s->store, run, info, &cause) < 0)) {
        cmd_error(s, "%s", cause);
        goto out;
    }
    if (on != NULL && session_need_dataset(s, on) == NULL)
        goto out;
    gmtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);

    strbuf_adds(&html, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                       "<title>");
    view_escape(&html, label);
    strbuf_adds(&html, " - aiwb report</title>\n<style>\n");
    strbuf_adds(&html, style);
    strbuf_adds(&html, "</style>\n</head>\n<body>\n<h1>");
    view_escape(&html, label);
    strbuf_adds(&html, "</h1>\n<p class=\"meta\">");
    {
        char *meta = xasprintf("%s%s%s, workspace '%s', written %s by %s",
                               pipeline_algorithm(p) != NULL ? pipeline_algorithm(p)
                                                             : "transformer",
                               field(info, "dataset") != NULL ? " trained on " : "",
                               field(info, "dataset") != NULL ? field(info, "dataset") : "",
                               store_path(s->store), stamp, PACKAGE_STRING);

        view_escape(&html, meta);
        free(meta);
    }
    strbuf_adds(&html, "</p>\n");

    v = summary_view(label, p, run, info);
    view_html(v, &html);
    view_free(v);

    if (run != 0) {
        char *words[2] = {"curve", NULL};

        /* An algorithm fitted in one step has a point, not a curve: left out. */
        runword = xasprintf("%lld", (long long)run);
        words[1] = runword;
        if ((v = show_view(s, 2, words)) != NULL && has_curve(v))
            view_html(v, &html);
        view_free(v);
    }
    {
        char *eval_words[4] = {"eval", label, "on", (char *)on};

        add_view(s, &html, "evaluation", on != NULL ? 4 : 2, eval_words);
    }
    if (pipeline_task(p) == AIWB_TASK_CLASSIFICATION) {
        char *cm[4] = {"confusion", label, "on", (char *)on};
        char *roc[4] = {"roc", label, "on", (char *)on};

        add_view(s, &html, "confusion matrix", on != NULL ? 4 : 2, cm);
        add_view(s, &html, "ROC", on != NULL ? 4 : 2, roc);
    }
    if (pipeline_task(p) == AIWB_TASK_CLASSIFICATION ||
        pipeline_task(p) == AIWB_TASK_REGRESSION) {
        char *imp[4] = {"importance", label, "on", (char *)on};

        add_view(s, &html, "importance", on != NULL ? 4 : 2, imp);
    }
    if (field(info, "dataset") != NULL && (v = latest_drift(s, field(info, "dataset"))) != NULL) {
        view_html(v, &html);
        view_free(v);
    }
    strbuf_adds(&html, "</body>\n</html>\n");
    if (view_write_file(s, "report", path, strbuf_str(&html), html.len) < 0)
        goto out;
    output_say(&s->out, "wrote '%s' (report of %s)", path, label);
    rc = CMD_OK;
out:
    strbuf_release(&html);
    table_free(info);
    free(name);
    free(label);
    free(cause);
    free(runword);
    return rc;
}

const struct cmd_entry cmd_report_entry = {
    .name = "report",
    .usage = "report MODEL [on DATASET] to FILE.html",
    .summary = "one self-contained HTML page about a model: curve, evaluation, ROC, drift",
    .help = "The page holds what the model is (algorithm, options, the run that trained\n"
            "it, the algorithm's own summary), its training curve, its evaluation, for a\n"
            "classifier the confusion matrix and ROC curve, the permutation importance of\n"
            "its inputs, and the latest drift report whose reference is the model's\n"
            "training data, with its charts. With `on`, evaluation, confusion matrix, ROC\n"
            "and importance are computed on DATASET; without it, the evaluation is the\n"
            "workspace's and the others are computed on the dataset it was made on (what\n"
            "cannot be made says why on the page). Charts are inline SVG, the style\n"
            "inline CSS: no scripts, no external references, so the file can be mailed\n"
            "or archived as it is. It is written whole or not at all, replacing a file\n"
            "of that name.",
    .min_args = 3,
    .max_args = 5,
    .complete = {COMPLETE_MODEL, COMPLETE_NONE},
    .exec = cmd_report_exec,
};
