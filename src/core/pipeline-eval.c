/*
 * pipeline-eval.c - scoring a fitted pipeline on data that holds the target.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "core/frame.h"
#include "core/metrics.h"
#include "core/pipeline-int.h"
#include "core/table.h"
#include "core/xalloc.h"

void
evaluation_release(struct evaluation *ev)
{
    table_free(ev->summary);
    table_free(ev->per_class);
    table_free(ev->confusion);
    free(ev->names);
    free(ev->values);
    memset(ev, 0, sizeof *ev);
}

static void
headline(struct evaluation *ev, const char *name, double v)
{
    ev->names = xreallocarray(ev->names, ev->n + 1, sizeof *ev->names);
    ev->values = xreallocarray(ev->values, ev->n + 1, sizeof *ev->values);
    ev->names[ev->n] = name;
    ev->values[ev->n++] = v;
    table_text(ev->summary, name);
    table_real(ev->summary, v);
}

static int
evaluate_regression(const struct pipeline *p, const double *y, const struct prediction *pr,
                    struct evaluation *ev, char **cause)
{
    struct regression_metrics m;

    if (metrics_regression(y, pr->values, pr->n, &m) < 0) {
        *cause = xstrdup("cannot score the predictions: some are not finite numbers");
        return AIWB_ENUMERIC;
    }
    (void)p;
    headline(ev, "rows", (double)m.n);
    headline(ev, "rmse", m.rmse);
    headline(ev, "mae", m.mae);
    headline(ev, "r2", m.r2);
    return AIWB_OK;
}

static int
evaluate_classification(const struct pipeline *p, const int *y, const struct prediction *pr,
                        struct evaluation *ev, char **cause)
{
    struct class_metrics m;
    size_t k = p->n_classes;

    if (metrics_classification(y, pr->values, pr->n, k, &m) < 0) {
        *cause = xstrdup("cannot score the predictions");
        return AIWB_ENUMERIC;
    }
    headline(ev, "rows", (double)m.n);
    headline(ev, "accuracy", m.accuracy);
    headline(ev, "precision", m.macro_precision);
    headline(ev, "recall", m.macro_recall);
    headline(ev, "f1", m.macro_f1);
    headline(ev, "log_loss", m.log_loss);
    if (k == 2)
        headline(ev, "roc_auc", m.auc);

    ev->per_class = table_new("per class");
    table_column(ev->per_class, "class", AIWB_TABLE_TEXT);
    table_column(ev->per_class, "precision", AIWB_TABLE_REAL);
    table_column(ev->per_class, "recall", AIWB_TABLE_REAL);
    table_column(ev->per_class, "f1", AIWB_TABLE_REAL);
    table_column(ev->per_class, "support", AIWB_TABLE_INT);
    for (size_t c = 0; c < k; c++) {
        table_text(ev->per_class, p->classes[c]);
        table_real(ev->per_class, m.precision[c]);
        table_real(ev->per_class, m.recall[c]);
        table_real(ev->per_class, m.f1[c]);
        table_int(ev->per_class, (int64_t)m.support[c]);
    }
    table_text(ev->per_class, "(macro)");
    table_real(ev->per_class, m.macro_precision);
    table_real(ev->per_class, m.macro_recall);
    table_real(ev->per_class, m.macro_f1);
    table_int(ev->per_class, (int64_t)m.n);

    ev->confusion = table_new("confusion");
    table_column(ev->confusion, "true class", AIWB_TABLE_TEXT);
    for (size_t c = 0; c < k; c++)
        table_column(ev->confusion, p->classes[c], AIWB_TABLE_INT);
    for (size_t r = 0; r < k; r++) {
        table_text(ev->confusion, p->classes[r]);
        for (size_t c = 0; c < k; c++)
            table_int(ev->confusion, (int64_t)m.confusion[r * k + c]);
    }
    table_note(ev->confusion, "(a row per true class, a column per predicted class)");
    class_metrics_release(&m);
    return AIWB_OK;
}

int
pipeline_evaluate(const struct pipeline *p, const struct aiwb_frame *data,
                  struct evaluation *ev, char **notes, char **cause)
{
    struct strbuf nb = STRBUF_INIT;
    struct prediction pr = {0};
    struct aiwb_frame *rows = NULL;
    size_t n = frame_rows(data), nkeep = 0, *keep = NULL, unknown = 0, missing = 0;
    long tc;
    double *y = NULL;
    int *codes = NULL, rc = AIWB_EDATA;
    char *pnotes = NULL;

    memset(ev, 0, sizeof *ev);
    if (notes != NULL)
        *notes = NULL;
    if (p->algo == NULL) {
        *cause = xstrdup("a chain of transforms has nothing to evaluate");
        return AIWB_EINVAL;
    }
    tc = frame_find(data, p->target);
    if (tc < 0) {
        *cause = xasprintf("there is no target column '%s' to compare the predictions with",
                           p->target);
        return AIWB_EDATA;
    }
    if (p->task == AIWB_TASK_REGRESSION && frame_col_type(data, (size_t)tc) != AIWB_NUMERIC) {
        *cause = xasprintf("the target '%s' is categorical here, but the model predicts numbers",
                           p->target);
        return AIWB_EDATA;
    }
    keep = xmalloc((n ? n : 1) * sizeof *keep);
    y = xmalloc((n ? n : 1) * sizeof *y);
    codes = xmalloc((n ? n : 1) * sizeof *codes);
    for (size_t i = 0; i < n; i++) {
        if (frame_is_missing(data, (size_t)tc, i)) {
            missing++;
            continue;
        }
        if (p->task == AIWB_TASK_CLASSIFICATION) {
            int k = pipeline_class_of(p, data, (size_t)tc, i);

            if (k < 0) {
                unknown++;
                continue;
            }
            codes[nkeep] = k;
        } else {
            y[nkeep] = frame_numeric(data, (size_t)tc)[i];
        }
        keep[nkeep++] = i;
    }
    if (missing > 0)
        pipeline_note(&nb, "%zu row%s with a missing target left out", missing, missing == 1 ? "" : "s");
    if (unknown > 0)
        pipeline_note(&nb, "%zu row%s with a class the model never saw left out", unknown,
             unknown == 1 ? "" : "s");
    if (nkeep == 0) {
        *cause = xstrdup("no rows are left to evaluate on");
        goto out;
    }
    rows = nkeep < n ? frame_take(data, keep, nkeep) : frame_clone(data);
    if (pipeline_predict(p, rows, &pr, &pnotes, cause) < 0)
        goto out;
    if (pnotes != NULL)
        pipeline_note(&nb, "%s", pnotes);
    ev->summary = table_new(NULL);
    table_column(ev->summary, "metric", AIWB_TABLE_TEXT);
    table_column(ev->summary, "value", AIWB_TABLE_REAL);
    rc = p->task == AIWB_TASK_CLASSIFICATION ? evaluate_classification(p, codes, &pr, ev, cause)
                                             : evaluate_regression(p, y, &pr, ev, cause);
    if (rc < 0)
        evaluation_release(ev);
out:
    prediction_release(&pr);
    frame_free(rows);
    free(pnotes);
    free(keep);
    free(y);
    free(codes);
    if (notes != NULL && nb.len > 0)
        *notes = strbuf_detach(&nb, NULL);
    strbuf_release(&nb);
    return rc;
}

