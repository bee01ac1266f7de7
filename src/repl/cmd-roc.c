/*
 * cmd-roc.c - "roc": the ROC and precision-recall curves of a classifier
 * for one class, as datasets to plot or write, with the AUC and the
 * average precision.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <config.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/frame.h"
#include "core/metrics.h"
#include "core/numfmt.h"
#include "core/pipeline.h"
#include "core/table.h"
#include "core/xalloc.h"
#include "repl/cmd.h"
#include "repl/session.h"

/* Points shown on screen; the datasets hold them all. */
#define SHOWN 11

static int
by_score_desc(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x < y) - (x > y);
}

/* A table of at most SHOWN of the rows of F, evenly spread, first and last kept. */
static struct aiwb_table *
thinned(const struct aiwb_frame *f, const char *title)
{
    struct aiwb_table *t = table_new(title);
    size_t n = frame_rows(f), m = n < SHOWN ? n : SHOWN;

    for (size_t c = 0; c < frame_cols(f); c++)
        table_column(t, frame_col_name(f, c), AIWB_TABLE_REAL);
    for (size_t k = 0; k < m; k++) {
        size_t i = m == 1 ? 0 : k * (n - 1) / (m - 1);

        for (size_t c = 0; c < frame_cols(f); c++) {
            double v = frame_numeric(f, c)[i];

            if (isnan(v))
                table_null(t);
            else
                table_real(t, v);
        }
    }
    if (m < n)
        table_notef(t, "(%zu of its %zu points)", m, n);
    return t;
}

static enum cmd_retval
cmd_roc_exec(struct session *s, int argc, char **argv)
{
    static const char *const keys[] = {"class"};
    const char *val[2] = {NULL, NULL};
    struct pipeline *p;
    struct dataset *d;
    struct prediction pr = {0};
    struct aiwb_frame *rows = NULL, *roc = NULL, *pr_curve = NULL;
    double *fpr = NULL, *tpr = NULL, *prec = NULL, *rec = NULL, *thr = NULL, *score = NULL,
           *distinct = NULL, auc, ap;
    size_t n, nkeep = 0, *keep = NULL, npts, npr, positive = 1, ndistinct = 0;
    int *y = NULL, version;
    long tc;
    char *cause = NULL, *notes = NULL, *base = NULL, *name_roc = NULL, *name_pr = NULL,
         *lineage = NULL, *model = NULL;
    enum cmd_retval rc = CMD_ERROR;

    if (argc < 3 || strcmp(argv[1], "on") != 0) {
        cmd_error(s, "roc: usage: roc MODEL on DATASET [class=NAME] [as NAME]");
        return CMD_ERROR;
    }
    if (argc >= 5 && strcmp(argv[argc - 2], "as") == 0) {
        val[1] = argv[argc - 1];
        argc -= 2;
    }
    if (cmd_keywords(s, argc - 3, argv + 3, 1, keys, val) < 0)
        return CMD_ERROR;
    if (val[1] != NULL && !session_valid_name(val[1])) {
        cmd_error(s, "'%s' is not a valid dataset name (letters, digits, _ . -)", val[1]);
        return CMD_ERROR;
    }
    if ((p = session_model(s, argv[0], &version)) == NULL ||
        (d = session_need_dataset(s, argv[2])) == NULL)
        return CMD_ERROR;
    if (pipeline_task(p) != AIWB_TASK_CLASSIFICATION) {
        cmd_error(s, "roc: '%s' is no classifier", argv[0]);
        return CMD_ERROR;
    }
    if (val[0] != NULL) {
        for (positive = 0; positive < pipeline_n_classes(p); positive++)
            if (strcmp(pipeline_class_name(p, positive), val[0]) == 0)
                break;
        if (positive == pipeline_n_classes(p)) {
            cmd_error(s, "roc: '%s' has no class '%s'", argv[0], val[0]);
            return CMD_ERROR;
        }
    } else if (pipeline_n_classes(p) != 2) {
        cmd_error(s, "roc: '%s' has %zu classes: say which is positive with class=NAME (the "
                     "others are negative)", argv[0], pipeline_n_classes(p));
        return CMD_ERROR;
    }
    if ((tc = frame_find(d->frame, pipeline_target(p))) < 0) {
        cmd_error(s, "roc: '%s' has no column '%s' to compare with", d->name, pipeline_target(p));
        return CMD_ERROR;
    }
    n = frame_rows(d->frame);
    keep = xmalloc((n ? n : 1) * sizeof *keep);
    y = xmalloc((n ? n : 1) * sizeof *y);
    for (size_t i = 0; i < n; i++) {
        char buf[32];
        const char *text;

        if (frame_is_missing(d->frame, (size_t)tc, i))
            continue;
        text = frame_cell_text(d->frame, (size_t)tc, i, buf);
        y[nkeep] = strcmp(text, pipeline_class_name(p, positive)) == 0;
        keep[nkeep++] = i;
    }
    rows = frame_take(d->frame, keep, nkeep);
    if (pipeline_predict(p, rows, &pr, &notes, &cause) < 0) {
        cmd_error(s, "cannot predict '%s' with '%s': %s", d->name, argv[0], cause);
        goto out;
    }
    if (notes != NULL)
        output_notes(&s->out, notes);
    score = xmalloc((nkeep ? nkeep : 1) * sizeof *score);
    for (size_t i = 0; i < nkeep; i++)
        score[i] = pr.values[i * pr.k + positive];
    npts = metrics_roc(y, score, nkeep, &fpr, &tpr);
    npr = metrics_pr_curve(y, score, nkeep, &prec, &rec, &thr);
    if (npts == 0 || npr == 0) {
        cmd_error(s, "roc: '%s' needs rows of class '%s' and of the others", d->name,
                  pipeline_class_name(p, positive));
        goto out;
    }
    auc = metrics_auc(y, score, nkeep);
    ap = metrics_average_precision(y, score, nkeep);
    /* The ROC points' thresholds: the distinct scores from the highest (the
     * first point, (0,0), has none). */
    distinct = xmalloc((nkeep ? nkeep : 1) * sizeof *distinct);
    memcpy(distinct, score, nkeep * sizeof *distinct);
    qsort(distinct, nkeep, sizeof *distinct, by_score_desc);
    for (size_t i = 0; i < nkeep; i++)
        if (i == 0 || distinct[i] != distinct[ndistinct - 1])
            distinct[ndistinct++] = distinct[i];
    roc = frame_new(npts);
    {
        double *th = frame_add_numeric(roc, "threshold"), *fx = frame_add_numeric(roc, "fpr"),
               *ty = frame_add_numeric(roc, "tpr");

        for (size_t i = 0; i < npts; i++) {
            th[i] = i == 0 || i - 1 >= ndistinct ? NAN : distinct[i - 1];
            fx[i] = fpr[i];
            ty[i] = tpr[i];
        }
    }
    pr_curve = frame_new(npr);
    {
        double *th = frame_add_numeric(pr_curve, "threshold");
        double *pv = frame_add_numeric(pr_curve, "precision");
        double *rv = frame_add_numeric(pr_curve, "recall");

        for (size_t i = 0; i < npr; i++) {
            th[i] = i + 1 < npr ? thr[i] : NAN;
            pv[i] = prec[i];
            rv[i] = rec[i];
        }
    }
    model = strchr(argv[0], ':') ? xstrndup(argv[0], (size_t)(strchr(argv[0], ':') - argv[0]))
                                 : xstrdup(argv[0]);
    base = val[1] != NULL ? xstrdup(val[1]) : xasprintf("%s.%s", d->name, model);
    name_roc = xasprintf("%s.roc", base);
    name_pr = xasprintf("%s.pr", base);
    lineage = xasprintf("roc %s:%d on %s%s%s as %s", model, version, d->name,
                        val[0] != NULL ? " class=" : "", val[0] != NULL ? val[0] : "", base);
    {
        char a[NUMFMT_BUFSZ], b[NUMFMT_BUFSZ];
        struct aiwb_table *t;
        char *parent = xstrdup(d->name);

        output_say(&s->out, "%s:%d on '%s', class '%s' positive (%zu rows): ROC AUC %s, "
                            "average precision %s", model, version, parent,
                   pipeline_class_name(p, positive), nkeep, numfmt_sig(a, auc, 6),
                   numfmt_sig(b, ap, 6));
        t = thinned(roc, "ROC");
        output_table(&s->out, t);
        table_free(t);
        t = thinned(pr_curve, "precision-recall");
        output_table(&s->out, t);
        table_free(t);
        session_put_dataset(s, name_roc, roc, parent, "", lineage);
        session_put_dataset(s, name_pr, pr_curve, parent, "", lineage);
        roc = pr_curve = NULL;
        output_say(&s->out, "every point is in '%s' (%zu) and '%s' (%zu)", name_roc, npts,
                   name_pr, npr);
        free(parent);
    }
    rc = CMD_OK;
out:
    prediction_release(&pr);
    frame_free(rows);
    frame_free(roc);
    frame_free(pr_curve);
    free(fpr);
    free(tpr);
    free(prec);
    free(rec);
    free(thr);
    free(score);
    free(distinct);
    free(keep);
    free(y);
    free(cause);
    free(notes);
    free(base);
    free(name_roc);
    free(name_pr);
    free(lineage);
    free(model);
    return rc;
}

const struct cmd_entry cmd_roc_entry = {
    .name = "roc",
    .usage = "roc MODEL on DATASET [class=NAME] [as NAME]",
    .summary = "ROC and precision-recall curves of a classifier, as datasets, with AUC and AP",
    .help = "For a binary classifier, the second class is the positive one unless\n"
            "class=NAME says; a classifier of more classes needs class=NAME (one against\n"
            "the rest). Every distinct score is a threshold: the ROC curve (fpr, tpr)\n"
            "from the highest threshold, the precision-recall curve (as scikit-learn's)\n"
            "from the lowest. Both go to datasets, NAME.roc and NAME.pr (default\n"
            "DATASET.MODEL.roc ...), to `write` or plot; a few points are shown.",
    .min_args = 3,
    .max_args = 6,
    .complete = {COMPLETE_MODEL, COMPLETE_NONE},
    .exec = cmd_roc_exec,
};
