/*
 * show-model.c - the views of a model for `show`: its evaluation, confusion
 * matrix, ROC curve and permutation importance, on a dataset named with
 * `on` or on the dataset of its latest evaluation in the workspace.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <config.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/chart.h"
#include "core/frame.h"
#include "core/metrics.h"
#include "core/numfmt.h"
#include "core/pipeline.h"
#include "core/strbuf.h"
#include "core/table.h"
#include "core/xalloc.h"
#include "repl/cmd.h"
#include "repl/importance.h"
#include "repl/session.h"
#include "repl/show.h"
#include "repl/view.h"
#include "store/store.h"

/* Points a ROC curve keeps (evenly spread, the ends kept): enough for the
 * eye, small enough for SVG. */
#define MAX_ROC_POINTS 2000
/* As `importance`. */
#define DEFAULT_REPEATS 5
#define DEFAULT_SEED 1

/* A model named on the command line, loaded. */
struct model_ref {
    struct pipeline *p; /* borrowed from the session */
    char *name;         /* "m" */
    int version;
    char *label;        /* "m:2" */
};

static void
model_release(struct model_ref *m)
{
    free(m->name);
    free(m->label);
}

/* Load model REF into M; 0, or -1 after cmd_error(). */
static int
model_open(struct session *s, const char *ref, struct model_ref *m)
{
    const char *colon = strchr(ref, ':');

    memset(m, 0, sizeof *m);
    if ((m->p = session_model(s, ref, &m->version)) == NULL)
        return -1;
    m->name = colon != NULL ? xstrndup(ref, (size_t)(colon - ref)) : xstrdup(ref);
    m->label = xasprintf("%s:%d", m->name, m->version);
    return 0;
}

/* What the model does, for messages: "ols does regression". */
static const char *
task_name(unsigned task)
{
    switch (task) {
    case AIWB_TASK_REGRESSION:
        return "regression";
    case AIWB_TASK_CLASSIFICATION:
        return "classification";
    case AIWB_TASK_CLUSTERING:
        return "clustering";
    case AIWB_TASK_RANKING:
        return "recommendation";
    case AIWB_TASK_DECOMPOSITION:
        return "decomposition";
    }
    return "no prediction";
}

/* Refuse a model that is not a classifier for VIEW; 0 or -1 after cmd_error(). */
static int
need_classifier(struct session *s, const char *view, const struct model_ref *m)
{
    if (pipeline_task(m->p) == AIWB_TASK_CLASSIFICATION)
        return 0;
    cmd_error(s, "show %s: '%s' is no classifier (%s does %s)", view, m->label,
              pipeline_algorithm(m->p) != NULL ? pipeline_algorithm(m->p) : "a transformer",
              task_name(pipeline_task(m->p)));
    return -1;
}

/*
 * The evaluations of M the workspace keeps, the latest of each metric on
 * each dataset, as a new table (dataset, metric, value) by dataset, then in
 * the order they were made; *LATEST (if not NULL) gets the dataset of the
 * latest evaluation in a new string, or NULL when there is none. NULL after
 * cmd_error().
 */
static struct aiwb_table *
stored_evals(struct session *s, const struct model_ref *m, char **latest)
{
    struct aiwb_table *all = table_new(NULL), *t;
    char *cause = NULL;
    size_t n, nkeep = 0, *keep;

    if (latest != NULL)
        *latest = NULL;
    if (store_model_evals(s->store, m->name, m->version, all, &cause) < 0) {
        cmd_error(s, "%s", cause);
        free(cause);
        table_free(all);
        return NULL;
    }
    n = table_rows(all);
    keep = xmalloc((n ? n : 1) * sizeof *keep);
    /* From the latest back, the first row of each dataset and metric; an
     * evaluation without a dataset has no column to go in. */
    for (size_t i = n; i-- > 0;) {
        const struct table_cell *ds = table_cell(all, i, 1);
        const char *metric = table_cell(all, i, 2)->v.s;
        size_t k;

        if (ds->null)
            continue;
        if (latest != NULL && *latest == NULL)
            *latest = xstrdup(ds->v.s);
        for (k = 0; k < nkeep; k++)
            if (strcmp(table_cell(all, keep[k], 1)->v.s, ds->v.s) == 0 &&
                strcmp(table_cell(all, keep[k], 2)->v.s, metric) == 0)
                break;
        if (k == nkeep)
            keep[nkeep++] = i;
    }
    /* By dataset, then in the order made (KEEP runs backwards in time). */
    for (size_t a = 1; a < nkeep; a++)
        for (size_t b = a; b > 0; b--) {
            int cmp = strcmp(table_cell(all, keep[b - 1], 1)->v.s,
                             table_cell(all, keep[b], 1)->v.s);
            size_t tmp;

            if (cmp < 0 || (cmp == 0 && keep[b - 1] < keep[b]))
                break;
            tmp = keep[b];
            keep[b] = keep[b - 1];
            keep[b - 1] = tmp;
        }
    t = table_new(NULL);
    table_column(t, "dataset", AIWB_TABLE_TEXT);
    table_column(t, "metric", AIWB_TABLE_TEXT);
    table_column(t, "value", AIWB_TABLE_REAL);
    for (size_t k = 0; k < nkeep; k++) {
        table_text(t, table_cell(all, keep[k], 1)->v.s);
        table_text(t, table_cell(all, keep[k], 2)->v.s);
        table_real(t, table_cell(all, keep[k], 3)->v.r);
    }
    free(keep);
    table_free(all);
    return t;
}

/*
 * The dataset a view of model M works on: ON when given, else the one of
 * M's latest evaluation in the workspace. *WHY (if not NULL) gets a new line
 * saying where the dataset came from (and which others M was evaluated on),
 * or NULL. NULL after cmd_error().
 */
static struct dataset *
model_dataset(struct session *s, const char *view, const struct model_ref *m, const char *on,
              char **why)
{
    struct aiwb_table *evals;
    char *chosen = NULL;
    struct strbuf others = STRBUF_INIT;
    struct dataset *d;
    size_t n;

    if (why != NULL)
        *why = NULL;
    if (on != NULL)
        return session_need_dataset(s, on);
    if ((evals = stored_evals(s, m, &chosen)) == NULL)
        return NULL;
    if (chosen == NULL) {
        cmd_error(s, "show %s: '%s' has no evaluation in the workspace to take its dataset "
                     "from: say `on DATASET`", view, m->label);
        table_free(evals);
        return NULL;
    }
    n = table_rows(evals);
    for (size_t i = 0; i < n; i++) {
        const char *ds = table_cell(evals, i, 0)->v.s;

        if (strcmp(ds, chosen) != 0 && (i == 0 || strcmp(ds, table_cell(evals, i - 1, 0)->v.s)))
            strbuf_addf(&others, "%s'%s'", others.len ? ", " : "", ds);
    }
    if (why != NULL)
        *why = xasprintf("(on '%s', the dataset of its %sevaluation in the workspace%s%s%s)",
                         chosen, others.len ? "latest " : "",
                         others.len ? "; it was also evaluated on " : "", strbuf_str(&others),
                         others.len ? ": say `on DATASET` to choose" : "");
    d = session_need_dataset(s, chosen);
    strbuf_release(&others);
    table_free(evals);
    free(chosen);
    return d;
}

/*
 * The words after a model: "on DATASET" anywhere, the rest name=value
 * keywords (KEYS, N of them, into VALUES). 0, or -1 after cmd_error().
 */
static int
model_words(struct session *s, const char *view, int argc, char **argv, const char **on,
            size_t n, const char *const *keys, const char **values)
{
    char **rest = xcalloc((size_t)argc + 1, sizeof *rest);
    int nrest = 0, rc;

    *on = NULL;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "on") == 0) {
            if (i + 1 == argc || *on != NULL) {
                cmd_error(s, "show %s: %s", view,
                          *on != NULL ? "`on` is given twice" : "`on` needs a dataset");
                free(rest);
                return -1;
            }
            *on = argv[++i];
        } else {
            rest[nrest++] = argv[i];
        }
    }
    rc = cmd_keywords(s, nrest, rest, n, keys, values);
    free(rest);
    return rc;
}

/* --- show eval, confusion, roc ------------------------------------------ */

/* The metrics the workspace keeps of M, a column per dataset; NULL after
 * cmd_error() when it has none. */
static struct view *
stored_eval_view(struct session *s, const struct model_ref *m)
{
    struct aiwb_table *evals = stored_evals(s, m, NULL), *t;
    const char **ds, **metrics;
    size_t n, nds = 0, nmetrics = 0;
    struct view *v;
    char *title;

    if (evals == NULL)
        return NULL;
    if ((n = table_rows(evals)) == 0) {
        cmd_error(s, "show eval: '%s' has no evaluation in the workspace: say `on DATASET` (or "
                     "`eval %s on DATASET` first)", m->label, m->label);
        table_free(evals);
        return NULL;
    }
    ds = xcalloc(n, sizeof *ds);
    metrics = xcalloc(n, sizeof *metrics);
    for (size_t i = 0; i < n; i++) {
        const char *d = table_cell(evals, i, 0)->v.s, *me = table_cell(evals, i, 1)->v.s;
        size_t j;

        for (j = 0; j < nds && strcmp(ds[j], d) != 0; j++)
            ;
        if (j == nds)
            ds[nds++] = d;
        for (j = 0; j < nmetrics && strcmp(metrics[j], me) != 0; j++)
            ;
        if (j == nmetrics)
            metrics[nmetrics++] = me;
    }
    t = table_new(NULL);
    table_column(t, "metric", AIWB_TABLE_TEXT);
    for (size_t j = 0; j < nds; j++)
        table_column(t, ds[j], AIWB_TABLE_REAL);
    for (size_t k = 0; k < nmetrics; k++) {
        table_text(t, metrics[k]);
        for (size_t j = 0; j < nds; j++) {
            size_t i;

            for (i = 0; i < n; i++)
                if (strcmp(table_cell(evals, i, 0)->v.s, ds[j]) == 0 &&
                    strcmp(table_cell(evals, i, 1)->v.s, metrics[k]) == 0)
                    break;
            show_real_cell(t, i < n ? table_cell(evals, i, 2)->v.r : NAN);
        }
    }
    table_note(t, "(the latest `eval` on each dataset, a column per dataset)");
    title = xasprintf("evaluation of %s (%s) in the workspace", m->label,
                      pipeline_algorithm(m->p) != NULL ? pipeline_algorithm(m->p) : "transformer");
    v = view_new(title);
    view_table(v, t);
    free(title);
    free(ds);
    free(metrics);
    table_free(evals);
    return v;
}

/* show eval MODEL [on DATASET]: the model's metrics, computed on DATASET, or
 * as the workspace keeps them. */
struct view *
show_eval(struct session *s, int argc, char **argv)
{
    struct model_ref m;
    struct dataset *d;
    struct evaluation ev;
    const char *on;
    char *cause = NULL, *notes = NULL, *title;
    struct view *v;

    if (model_words(s, "eval", argc - 1, argv + 1, &on, 0, NULL, NULL) < 0 ||
        model_open(s, argv[0], &m) < 0)
        return NULL;
    if (on == NULL) {
        v = stored_eval_view(s, &m);
        model_release(&m);
        return v;
    }
    if ((d = session_need_dataset(s, on)) == NULL) {
        model_release(&m);
        return NULL;
    }
    if (pipeline_evaluate_at(m.p, d->frame, PIPELINE_EVAL_K, NAN, &ev, &notes, &cause) < 0) {
        cmd_error(s, "cannot evaluate '%s' on '%s': %s", m.label, d->name, cause);
        free(cause);
        free(notes);
        model_release(&m);
        return NULL;
    }
    title = xasprintf("evaluation of %s (%s) on '%s'", m.label,
                      pipeline_algorithm(m.p) != NULL ? pipeline_algorithm(m.p) : "transformer",
                      d->name);
    v = view_new(title);
    if (notes != NULL)
        view_text(v, notes);
    view_table(v, ev.summary);
    ev.summary = NULL;
    if (ev.per_class != NULL)
        view_table(v, ev.per_class);
    if (ev.confusion != NULL)
        view_table(v, ev.confusion);
    ev.per_class = ev.confusion = NULL;
    evaluation_release(&ev);
    free(title);
    free(notes);
    model_release(&m);
    return v;
}

/* The value of metric NAME in EV, or NaN. */
static double
metric_of(const struct evaluation *ev, const char *name)
{
    for (size_t i = 0; i < ev->n; i++)
        if (strcmp(ev->names[i], name) == 0)
            return ev->values[i];
    return NAN;
}

/* show confusion MODEL [on DATASET]: the confusion matrix, shaded. */
struct view *
show_confusion(struct session *s, int argc, char **argv)
{
    struct model_ref m;
    struct dataset *d;
    struct evaluation ev = {0};
    const struct aiwb_table *cm;
    const char *on;
    char *cause = NULL, *notes = NULL, *why = NULL, *title = NULL, acc[NUMFMT_BUFSZ];
    const char **rows = NULL, **cols = NULL;
    double *cells = NULL, total = 0;
    size_t k;
    struct chart *c;
    struct view *v = NULL;

    if (model_words(s, "confusion", argc - 1, argv + 1, &on, 0, NULL, NULL) < 0 ||
        model_open(s, argv[0], &m) < 0)
        return NULL;
    if (need_classifier(s, "confusion", &m) < 0 ||
        (d = model_dataset(s, "confusion", &m, on, &why)) == NULL)
        goto out;
    if (pipeline_evaluate(m.p, d->frame, &ev, &notes, &cause) < 0) {
        cmd_error(s, "cannot evaluate '%s' on '%s': %s", m.label, d->name, cause);
        goto out;
    }
    cm = ev.confusion;
    k = cm->ncols - 1;
    rows = xcalloc(k, sizeof *rows);
    cols = xcalloc(k, sizeof *cols);
    cells = xcalloc(k * k, sizeof *cells);
    for (size_t i = 0; i < k; i++) {
        rows[i] = table_cell(cm, i, 0)->v.s;
        cols[i] = cm->cols[i + 1].name;
        for (size_t j = 0; j < k; j++) {
            cells[i * k + j] = (double)table_cell(cm, i, j + 1)->v.i;
            total += cells[i * k + j];
        }
    }
    title = xasprintf("confusion of %s on '%s': accuracy %s over %.0f rows", m.label, d->name,
                      numfmt_sig(acc, metric_of(&ev, "accuracy"), 4), total);
    c = chart_new(CHART_HEAT, title);
    chart_axes(c, "predicted class", "true class");
    chart_matrix(c, k, k, rows, cols, cells);
    v = view_new(title);
    view_chart(v, c);
    if (why != NULL || notes != NULL) {
        char *text = xasprintf("%s%s%s", why != NULL ? why : "",
                               why != NULL && notes != NULL ? "\n" : "",
                               notes != NULL ? notes : "");

        view_text(v, text);
        free(text);
    }
out:
    evaluation_release(&ev);
    free(rows);
    free(cols);
    free(cells);
    free(title);
    free(why);
    free(notes);
    free(cause);
    model_release(&m);
    return v;
}

/* Add the ROC curve of SCORE for the positives Y (N rows) to C as series
 * NAME, at most MAX_ROC_POINTS points evenly spread. Returns the AUC, NaN
 * (nothing added) when a class is absent. */
static double
add_roc(struct chart *c, const char *name, const int *y, const double *score, size_t n)
{
    double *fpr = NULL, *tpr = NULL, auc;
    size_t npts = metrics_roc(y, score, n, &fpr, &tpr), m, ser;

    if (npts == 0)
        return NAN;
    auc = metrics_auc(y, score, n);
    ser = chart_add_series(c, name);
    m = npts < MAX_ROC_POINTS ? npts : MAX_ROC_POINTS;
    for (size_t k = 0; k < m; k++) {
        size_t i = m == 1 ? 0 : k * (npts - 1) / (m - 1);

        chart_point(c, ser, fpr[i], tpr[i]);
    }
    free(fpr);
    free(tpr);
    return auc;
}

/*
 * The rows of D that hold M's target, as a new frame, and in *TRUTH (a new
 * array of *N) each one's class code, pipeline_n_classes() for a class the
 * model never saw (a negative for every class). NULL after cmd_error().
 */
static struct aiwb_frame *
class_rows(struct session *s, const struct model_ref *m, const struct dataset *d,
           size_t **truth, size_t *n)
{
    size_t rows = frame_rows(d->frame), ncls = pipeline_n_classes(m->p), *keep;
    long tc = frame_find(d->frame, pipeline_target(m->p));
    struct aiwb_frame *f;

    if (tc < 0) {
        cmd_error(s, "show roc: '%s' has no column '%s' to compare with", d->name,
                  pipeline_target(m->p));
        return NULL;
    }
    keep = xmalloc((rows ? rows : 1) * sizeof *keep);
    *truth = xmalloc((rows ? rows : 1) * sizeof **truth);
    *n = 0;
    for (size_t i = 0; i < rows; i++) {
        char cell[32];
        const char *text;
        size_t k;

        if (frame_is_missing(d->frame, (size_t)tc, i))
            continue;
        text = frame_cell_text(d->frame, (size_t)tc, i, cell);
        for (k = 0; k < ncls && strcmp(text, pipeline_class_name(m->p, k)) != 0; k++)
            ;
        (*truth)[*n] = k;
        keep[(*n)++] = i;
    }
    f = frame_take(d->frame, keep, *n);
    free(keep);
    return f;
}

/*
 * The ROC curves of classes FROM..TO-1 of M (each against the rest) from the
 * predictions PR of N rows of classes TRUTH: a series each in C, a row each
 * in T, the classes without rows of their own (no curve) named in LEFT.
 * Returns the sum of the AUCs, *NAUC how many.
 */
static double
roc_curves(const struct model_ref *m, const struct prediction *pr, const size_t *truth, size_t n,
           size_t from, size_t to, struct chart *c, struct aiwb_table *t, struct strbuf *left,
           size_t *nauc)
{
    int *y = xmalloc((n ? n : 1) * sizeof *y);
    double *score = xmalloc((n ? n : 1) * sizeof *score), sum = 0;
    char buf[NUMFMT_BUFSZ];

    *nauc = 0;
    for (size_t k = from; k < to; k++) {
        const char *cls = pipeline_class_name(m->p, k);
        size_t pos = 0;
        double auc;
        char *name;

        for (size_t i = 0; i < n; i++) {
            y[i] = truth[i] == k;
            pos += (size_t)y[i];
            score[i] = pr->values[i * pr->k + k];
        }
        auc = metrics_auc(y, score, n);
        name = to - from > 1 ? xasprintf("%s (AUC %s)", cls, numfmt_sig(buf, auc, 4))
                             : xstrdup(cls);
        if (isnan(add_roc(c, name, y, score, n))) {
            strbuf_addf(left, "%s'%s'", left->len ? ", " : "", cls);
        } else {
            table_text(t, cls);
            table_real(t, auc);
            table_int(t, (int64_t)pos);
            table_int(t, (int64_t)(n - pos));
            sum += auc;
            (*nauc)++;
        }
        free(name);
    }
    free(y);
    free(score);
    return sum;
}

/* show roc MODEL [on DATASET] [class=NAME]: the ROC curve of a classifier,
 * the second class positive for two classes, else one class against the
 * rest for each (or for class=NAME). */
struct view *
show_roc(struct session *s, int argc, char **argv)
{
    static const char *const keys[] = {"class"};
    const char *val[1], *on;
    struct model_ref m;
    struct dataset *d;
    struct prediction pr = {0};
    struct aiwb_frame *rows = NULL;
    struct aiwb_table *t = NULL;
    struct chart *c = NULL;
    struct view *v = NULL;
    struct strbuf title = STRBUF_INIT, left = STRBUF_INIT;
    char *cause = NULL, *notes = NULL, *why = NULL, buf[NUMFMT_BUFSZ];
    size_t n = 0, ncls, from, to, *truth = NULL, nauc;
    double sum;

    if (model_words(s, "roc", argc - 1, argv + 1, &on, 1, keys, val) < 0 ||
        model_open(s, argv[0], &m) < 0)
        return NULL;
    if (need_classifier(s, "roc", &m) < 0)
        goto out;
    ncls = pipeline_n_classes(m.p);
    from = ncls == 2 ? 1 : 0;
    to = ncls == 2 ? 2 : ncls;
    if (val[0] != NULL) {
        for (from = 0; from < ncls && strcmp(pipeline_class_name(m.p, from), val[0]) != 0;
             from++)
            ;
        if (from == ncls) {
            cmd_error(s, "show roc: '%s' has no class '%s'", m.label, val[0]);
            goto out;
        }
        to = from + 1;
    }
    if ((d = model_dataset(s, "roc", &m, on, &why)) == NULL ||
        (rows = class_rows(s, &m, d, &truth, &n)) == NULL)
        goto out;
    if (pipeline_predict(m.p, rows, &pr, &notes, &cause) < 0) {
        cmd_error(s, "cannot predict '%s' with '%s': %s", d->name, m.label, cause);
        goto out;
    }
    c = chart_new(CHART_LINE, NULL);
    c->diagonal = 1;
    chart_axes(c, "false positive rate", "true positive rate");
    t = table_new(NULL);
    table_column(t, "positive class", AIWB_TABLE_TEXT);
    table_column(t, "auc", AIWB_TABLE_REAL);
    table_column(t, "positives", AIWB_TABLE_INT);
    table_column(t, "negatives", AIWB_TABLE_INT);
    sum = roc_curves(&m, &pr, truth, n, from, to, c, t, &left, &nauc);
    if (nauc == 0) {
        cmd_error(s, "show roc: '%s' needs rows of class %s and of the others", d->name,
                  strbuf_str(&left));
        goto out;
    }
    if (to - from == 1)
        strbuf_addf(&title, "ROC of %s on '%s', class '%s' positive: AUC %s", m.label, d->name,
                    pipeline_class_name(m.p, from), numfmt_sig(buf, sum, 4));
    else
        strbuf_addf(&title, "ROC of %s on '%s', each class against the rest: mean AUC %s",
                    m.label, d->name, numfmt_sig(buf, sum / (double)nauc, 4));
    c->title = xstrdup(strbuf_str(&title));
    v = view_new(strbuf_str(&title));
    view_chart(v, c);
    c = NULL;
    if (why != NULL)
        view_text(v, why);
    if (notes != NULL)
        view_text(v, notes);
    if (left.len > 0)
        table_notef(t, "(left out, without rows of their own in '%s': %s)", d->name,
                    strbuf_str(&left));
    table_notef(t, "(%zu rows with a target; the dotted diagonal is a model that guesses)", n);
    view_table(v, t);
    t = NULL;
out:
    prediction_release(&pr);
    frame_free(rows);
    chart_free(c);
    table_free(t);
    strbuf_release(&title);
    strbuf_release(&left);
    free(truth);
    free(cause);
    free(notes);
    free(why);
    model_release(&m);
    return v;
}

/* --- show importance ------------------------------------------------------ */

/* show importance MODEL [on DATASET] [repeats=5] [seed=1] [metric=NAME]: the
 * permutation importance of each input as bars, most important first. */
struct view *
show_importance(struct session *s, int argc, char **argv)
{
    static const char *const keys[] = {"repeats", "seed", "metric"};
    const char *val[3], *on;
    struct model_ref m;
    struct dataset *d;
    struct evaluation base = {0};
    struct importance imp = {0};
    size_t repeats = DEFAULT_REPEATS, seed = DEFAULT_SEED;
    char *why = NULL, *title = NULL, *cause = NULL;
    struct chart *c;
    struct aiwb_table *t;
    struct view *v = NULL;

    if (model_words(s, "importance", argc - 1, argv + 1, &on, 3, keys, val) < 0 ||
        (val[0] != NULL && cmd_parse_size(s, "repeats", val[0], &repeats) < 0) ||
        (val[1] != NULL && cmd_parse_size(s, "seed", val[1], &seed) < 0))
        return NULL;
    if (repeats == 0) {
        cmd_error(s, "show importance: repeats must be 1 or more");
        return NULL;
    }
    if (model_open(s, argv[0], &m) < 0)
        return NULL;
    if (pipeline_task(m.p) != AIWB_TASK_REGRESSION &&
        pipeline_task(m.p) != AIWB_TASK_CLASSIFICATION) {
        cmd_error(s, "show importance: '%s' learns no target (%s does %s); permutation "
                     "importance needs a regression or classification model", m.label,
                  pipeline_algorithm(m.p) != NULL ? pipeline_algorithm(m.p) : "a transformer",
                  task_name(pipeline_task(m.p)));
        goto out;
    }
    if ((d = model_dataset(s, "importance", &m, on, &why)) == NULL)
        goto out;
    if (pipeline_evaluate(m.p, d->frame, &base, NULL, &cause) < 0) {
        cmd_error(s, "cannot evaluate '%s' on '%s': %s", m.label, d->name, cause);
        goto out;
    }
    if (importance_permute(s, "show importance", m.label, m.p, d, &base, val[2], repeats, seed,
                           &imp) < 0)
        goto out;
    title = xasprintf("permutation importance of %s on '%s': how much %s worsens", m.label,
                      d->name, imp.metric);
    c = chart_new(CHART_BARS, title);
    chart_axes(c, imp.metric, "column");
    chart_add_series(c, "importance");
    t = table_new(NULL);
    table_column(t, "column", AIWB_TABLE_TEXT);
    table_column(t, "importance", AIWB_TABLE_REAL);
    table_column(t, "sd", AIWB_TABLE_REAL);
    for (size_t a = 0; a < imp.n; a++) {
        size_t j = imp.order[a];

        chart_category(c, pipeline_input_name(m.p, j), &imp.mean[j]);
        table_text(t, pipeline_input_name(m.p, j));
        table_real(t, imp.mean[j]);
        if (repeats > 1)
            table_real(t, imp.sd[j]);
        else
            table_null(t);
    }
    table_notef(t, "(the mean over %zu shuffle%s of each column, seed %zu; %s without "
                   "shuffling is %.6g)", repeats, repeats == 1 ? "" : "s", seed, imp.metric,
                imp.baseline);
    v = view_new(title);
    view_chart(v, c);
    if (why != NULL)
        view_text(v, why);
    view_table(v, t);
out:
    importance_release(&imp);
    evaluation_release(&base);
    free(why);
    free(title);
    free(cause);
    model_release(&m);
    return v;
}
