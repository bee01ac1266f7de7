/*
 * pipeline-eval.c - scoring a fitted pipeline on data that holds the target.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <config.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/frame.h"
#include "core/metrics.h"
#include "core/numfmt.h"
#include "core/pipeline-int.h"
#include "core/table.h"
#include "core/xalloc.h"

void
evaluation_release(struct evaluation *ev)
{
    table_free(ev->summary);
    table_free(ev->per_class);
    table_free(ev->confusion);
    for (size_t i = 0; i < ev->n; i++)
        free((char *)ev->names[i]);
    free(ev->names);
    free(ev->values);
    memset(ev, 0, sizeof *ev);
}

static void
headline(struct evaluation *ev, const char *name, double v)
{
    ev->names = xreallocarray(ev->names, ev->n + 1, sizeof *ev->names);
    ev->values = xreallocarray(ev->values, ev->n + 1, sizeof *ev->values);
    ev->names[ev->n] = xstrdup(name);
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

/* Regression and classification: compare the predictions with the target. */
static int
evaluate_supervised(const struct pipeline *p, const struct aiwb_frame *data,
                    struct evaluation *ev, struct strbuf *notes, char **cause)
{
    struct strbuf nb = STRBUF_INIT;
    struct prediction pr = {0};
    struct aiwb_frame *rows = NULL;
    size_t n = frame_rows(data), nkeep = 0, *keep = NULL, unknown = 0, missing = 0;
    long tc;
    double *y = NULL;
    int *codes = NULL, rc = AIWB_EDATA;
    char *pnotes = NULL;

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
    if (nb.len > 0)
        pipeline_note(notes, "%s", strbuf_str(&nb));
    strbuf_release(&nb);
    return rc;
}


/* At most this many rows enter the silhouette, which costs O(n^2): past it,
 * a seeded sample of this size, as scikit-learn's sample_size. */
#define SILHOUETTE_ROWS 10000

/* The algorithm's own numbers about the rows of X (inertia ...), as headlines. */
static void
algorithm_scores(const struct pipeline *p, const double *X, size_t n, struct evaluation *ev)
{
    struct aiwb_step st;

    if (algt(p)->score == NULL)
        return;
    memset(&st, 0, sizeof st);
    if (algt(p)->score(p->algo_state, n, X, p->p, &st) < 0)
        return;
    for (size_t i = 0; i < st.n; i++)
        headline(ev, st.names[i], st.values[i]);
}

/* Codes of the labels in column C of DATA (levels, or distinct numbers) for
 * the rows with a label: *NK codes into CODES, the rows into KEEP. */
static size_t
label_codes(const struct aiwb_frame *data, size_t c, int *codes, size_t *keep, size_t *nk)
{
    struct aiwb_frame *lookup = frame_new(0);
    size_t n = frame_rows(data), m = 0;

    frame_add_categorical(lookup, "label");
    for (size_t i = 0; i < n; i++) {
        char buf[32];
        const char *text;

        if (frame_is_missing(data, c, i))
            continue;
        text = frame_cell_text(data, c, i, buf);
        codes[m] = frame_level_intern(lookup, 0, text, strlen(text));
        keep[m++] = i;
    }
    *nk = frame_nlevels(lookup, 0);
    frame_free(lookup);
    return m;
}

/*
 * Clustering: the algorithm's own scores (inertia ...), the silhouette of
 * the clusters it assigns, and, when DATA holds the model's target column
 * (true labels it never learned from), the adjusted Rand index against them.
 */
static int
evaluate_clustering(const struct pipeline *p, const struct aiwb_frame *data,
                    struct evaluation *ev, struct strbuf *notes, char **cause)
{
    struct strbuf nb = STRBUF_INIT;
    struct prediction pr = {0};
    size_t n = frame_rows(data), k = 0, *sizes = NULL;
    double *X = NULL, sil;
    char *why = NULL;
    long tc;
    int rc = AIWB_EDATA;

    if (n == 0) {
        *cause = xstrdup("no rows to evaluate on");
        return AIWB_EDATA;
    }
    if ((X = pipeline_design(p, data, &nb, cause)) == NULL ||
        pipeline_predict(p, data, &pr, NULL, cause) < 0)
        goto out;
    k = pr.k;
    ev->summary = table_new(NULL);
    table_column(ev->summary, "metric", AIWB_TABLE_TEXT);
    table_column(ev->summary, "value", AIWB_TABLE_REAL);
    headline(ev, "rows", (double)n);
    algorithm_scores(p, X, n, ev);
    {
        int *labels = xmalloc(n * sizeof *labels);

        for (size_t i = 0; i < n; i++)
            labels[i] = pr.classes[i];
        if (metrics_silhouette(X, n, p->p, p->p, labels, k,
                               n > SILHOUETTE_ROWS ? SILHOUETTE_ROWS : 0, p->seed, &sil,
                               &why) == 0) {
            headline(ev, "silhouette", sil);
            if (n > SILHOUETTE_ROWS)
                pipeline_note(&nb, "the silhouette is that of %d rows drawn at random (seed "
                              "%llu) of the %zu", SILHOUETTE_ROWS,
                              (unsigned long long)p->seed, n);
        } else {
            pipeline_note(&nb, "no silhouette: %s", why);
            free(why);
            why = NULL;
        }
        free(labels);
    }
    if (p->target != NULL && (tc = frame_find(data, p->target)) >= 0) {
        int *truth = xmalloc(n * sizeof *truth), *pred = xmalloc(n * sizeof *pred);
        size_t *keep = xmalloc(n * sizeof *keep), nk, m;
        double ari;

        m = label_codes(data, (size_t)tc, truth, keep, &nk);
        for (size_t i = 0; i < m; i++)
            pred[i] = pr.classes[keep[i]];
        if (m > 0 && metrics_adjusted_rand(truth, nk, pred, k, m, &ari, &why) == 0) {
            headline(ev, "ari", ari);
            if (m < n)
                pipeline_note(&nb, "the adjusted Rand index leaves out %zu row%s without a "
                              "'%s'", n - m, n - m == 1 ? "" : "s", p->target);
        } else if (m == 0) {
            pipeline_note(&nb, "no adjusted Rand index: every '%s' is missing", p->target);
        }
        free(why);
        why = NULL;
        free(truth);
        free(pred);
        free(keep);
    }
    sizes = xcalloc(k ? k : 1, sizeof *sizes);
    for (size_t i = 0; i < n; i++)
        sizes[pr.classes[i]]++;
    ev->per_class = table_new("clusters");
    table_column(ev->per_class, "cluster", AIWB_TABLE_INT);
    table_column(ev->per_class, "rows", AIWB_TABLE_INT);
    table_column(ev->per_class, "share", AIWB_TABLE_REAL);
    for (size_t c = 0; c < k; c++) {
        table_int(ev->per_class, (int64_t)c + 1);
        table_int(ev->per_class, (int64_t)sizes[c]);
        table_real(ev->per_class, (double)sizes[c] / (double)n);
    }
    rc = AIWB_OK;
out:
    if (nb.len > 0)
        pipeline_note(notes, "%s", strbuf_str(&nb));
    strbuf_release(&nb);
    prediction_release(&pr);
    free(sizes);
    free(X);
    return rc;
}

/* Decomposition (PCA ...): the algorithm's own scores of the rows. */
static int
evaluate_decomposition(const struct pipeline *p, const struct aiwb_frame *data,
                       struct evaluation *ev, struct strbuf *notes, char **cause)
{
    struct strbuf nb = STRBUF_INIT;
    size_t n = frame_rows(data);
    double *X;

    if (n == 0) {
        *cause = xstrdup("no rows to evaluate on");
        return AIWB_EDATA;
    }
    if ((X = pipeline_design(p, data, &nb, cause)) == NULL) {
        strbuf_release(&nb);
        return AIWB_EDATA;
    }
    ev->summary = table_new(NULL);
    table_column(ev->summary, "metric", AIWB_TABLE_TEXT);
    table_column(ev->summary, "value", AIWB_TABLE_REAL);
    headline(ev, "rows", (double)n);
    algorithm_scores(p, X, n, ev);
    if (ev->n == 1)
        pipeline_note(&nb, "%s reports no score of its own on new rows", p->algo->name);
    if (nb.len > 0)
        pipeline_note(notes, "%s", strbuf_str(&nb));
    strbuf_release(&nb);
    free(X);
    return AIWB_OK;
}

/* A lookup of texts to codes: the levels of schema column S, in order. */
static struct aiwb_frame *
level_lookup(const struct schema_col *sc)
{
    struct aiwb_frame *f = frame_new(0);

    frame_add_categorical(f, sc->name);
    for (size_t l = 0; l < sc->nlevels; l++)
        frame_level_intern(f, 0, sc->levels[l], strlen(sc->levels[l]));
    return f;
}

/* One held-out interaction: its user, its item and its rating (1 if none). */
struct held {
    int32_t user, item;
    double gain;
};

static int
by_user_item(const void *a, const void *b)
{
    const struct held *x = a, *y = b;

    if (x->user != y->user)
        return x->user < y->user ? -1 : 1;
    if (x->item != y->item)
        return x->item < y->item ? -1 : 1;
    return (x->gain < y->gain) - (x->gain > y->gain); /* the highest rating first */
}

/* Whether ITEM is among the N sorted codes of SEEN. */
static int
seen_item(const int32_t *seen, size_t n, int32_t item)
{
    size_t lo = 0, hi = n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (seen[mid] < item)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && seen[lo] == item;
}

/*
 * A recommender, on held-out interactions: for each user the model knows,
 * its K recommendations (leaving out the items it learned the user had)
 * against the user's held-out items, the relevant ones (rating at least
 * RELEVANT when given; all of them otherwise), graded by their rating for
 * NDCG when the model learned ratings. For a model of ratings, also the
 * RMSE and MAE of its predicted ratings on the pairs it knows.
 */
static int
evaluate_ranking(const struct pipeline *p, const struct aiwb_frame *data, size_t k,
                 double relevant, struct evaluation *ev, struct strbuf *notes, char **cause)
{
    struct strbuf nb = STRBUF_INIT;
    struct aiwb_frame *users = NULL, *items = NULL, *fresh = NULL;
    struct held *h = NULL;
    struct ranking_acc acc;
    struct ranking_metrics rm;
    size_t n = frame_rows(data), m = 0, unknown_users = 0, already = 0, below = 0;
    int32_t *rec = NULL, *rel = NULL;
    double *scores = NULL, *gains = NULL;
    long uc, ic, rc_col = -1;
    int explicit = p->target != NULL, rc = AIWB_EDATA;
    char *why = NULL;

    if ((uc = frame_find(data, p->in[0].name)) < 0 || (ic = frame_find(data, p->in[1].name)) < 0) {
        *cause = xasprintf("there is no %s column '%s' to evaluate the recommendations on",
                           uc < 0 ? "user" : "item", uc < 0 ? p->in[0].name : p->in[1].name);
        return AIWB_EDATA;
    }
    if (explicit && (rc_col = frame_find(data, p->target)) < 0) {
        *cause = xasprintf("there is no rating column '%s' (the model learned ratings)",
                           p->target);
        return AIWB_EDATA;
    }
    if (explicit && frame_col_type(data, (size_t)rc_col) != AIWB_NUMERIC) {
        *cause = xasprintf("the rating '%s' must be numeric", p->target);
        return AIWB_EDATA;
    }
    users = level_lookup(&p->in[0]);
    items = level_lookup(&p->in[1]);
    fresh = frame_new(0);
    frame_add_categorical(fresh, "item");
    h = xmalloc((n ? n : 1) * sizeof *h);
    for (size_t i = 0; i < n; i++) {
        char buf[32];
        const char *ut, *it;
        int32_t u, item;

        if (frame_is_missing(data, (size_t)uc, i) || frame_is_missing(data, (size_t)ic, i) ||
            (explicit && frame_is_missing(data, (size_t)rc_col, i)))
            continue;
        ut = frame_cell_text(data, (size_t)uc, i, buf);
        if ((u = frame_level_find(users, 0, ut)) < 0) {
            unknown_users++;
            continue;
        }
        it = frame_cell_text(data, (size_t)ic, i, buf);
        if ((item = frame_level_find(items, 0, it)) < 0) /* new to the model: never recommended */
            item = (int32_t)p->in[1].nlevels + frame_level_intern(fresh, 0, it, strlen(it));
        h[m].user = u;
        h[m].item = item;
        h[m].gain = explicit ? frame_numeric(data, (size_t)rc_col)[i] : 1.0;
        m++;
    }
    qsort(h, m, sizeof *h, by_user_item);
    rec = xmalloc((k ? k : 1) * sizeof *rec);
    scores = xmalloc((k ? k : 1) * sizeof *scores);
    rel = xmalloc((m ? m : 1) * sizeof *rel);
    gains = xmalloc((m ? m : 1) * sizeof *gains);
    ranking_init(&acc);
    for (size_t a = 0; a < m;) {
        int32_t u = h[a].user;
        const int32_t *seen = p->seen + p->seen_start[u];
        size_t nseen = p->seen_start[u + 1] - p->seen_start[u], nrel = 0, b;
        int got;

        for (b = a; b < m && h[b].user == u; b++) {
            if (b > a && h[b].item == h[b - 1].item)
                continue; /* the same item again: its highest rating counts */
            if (seen_item(seen, nseen, h[b].item)) {
                already++;
                continue;
            }
            if (!isnan(relevant) && h[b].gain < relevant) {
                below++;
                continue;
            }
            rel[nrel] = h[b].item;
            gains[nrel++] = h[b].gain;
        }
        a = b;
        got = algt(p)->recommend(p->algo_state, u, seen, nseen, k, rec, scores);
        if (got < 0) {
            *cause = xasprintf("%s could not recommend (status %d)", p->algo->name, got);
            goto out;
        }
        if (ranking_add(&acc, rec, (size_t)got, rel, nrel, explicit ? gains : NULL, k, &why) < 0) {
            *cause = xasprintf("cannot score the recommendations: %s", why);
            goto out;
        }
    }
    ranking_result(&acc, &rm);
    if (rm.users == 0) {
        *cause = xasprintf("no user the model knows has a relevant held-out item (%zu "
                           "interaction%s of unknown users, %zu of items the user already "
                           "had)", unknown_users, unknown_users == 1 ? "" : "s", already);
        goto out;
    }
    ev->summary = table_new(NULL);
    table_column(ev->summary, "metric", AIWB_TABLE_TEXT);
    table_column(ev->summary, "value", AIWB_TABLE_REAL);
    headline(ev, "rows", (double)m);
    headline(ev, "users", (double)rm.users);
    {
        char name[64];

        snprintf(name, sizeof name, "precision@%zu", k);
        headline(ev, name, rm.precision);
        snprintf(name, sizeof name, "recall@%zu", k);
        headline(ev, name, rm.recall);
        snprintf(name, sizeof name, "ndcg@%zu", k);
        headline(ev, name, rm.ndcg);
        snprintf(name, sizeof name, "map@%zu", k);
        headline(ev, name, rm.map);
        snprintf(name, sizeof name, "hit_rate@%zu", k);
        headline(ev, name, rm.hit_rate);
    }
    if (explicit && algt(p)->rates != NULL && algt(p)->rates(p->algo_state)) {
        /* The predicted ratings of the pairs whose user and item it knows
         * (plugin.h: only a model that estimates ratings has them). */
        struct prediction pr = {0};
        double *y = xmalloc((m ? m : 1) * sizeof *y), *pred = xmalloc((m ? m : 1) * sizeof *pred);
        size_t *keep = xmalloc((n ? n : 1) * sizeof *keep), nk = 0;
        struct regression_metrics reg;

        for (size_t i = 0; i < n; i++) {
            char buf[32];

            if (frame_is_missing(data, (size_t)uc, i) || frame_is_missing(data, (size_t)ic, i) ||
                frame_is_missing(data, (size_t)rc_col, i) ||
                frame_level_find(users, 0, frame_cell_text(data, (size_t)uc, i, buf)) < 0 ||
                frame_level_find(items, 0, frame_cell_text(data, (size_t)ic, i, buf)) < 0)
                continue;
            keep[nk++] = i;
        }
        if (nk > 0) {
            struct aiwb_frame *rows = frame_take(data, keep, nk);

            if (pipeline_predict(p, rows, &pr, NULL, cause) == 0) {
                for (size_t i = 0; i < nk; i++) {
                    y[i] = frame_numeric(rows, (size_t)frame_find(rows, p->target))[i];
                    pred[i] = pr.values[i];
                }
                if (metrics_regression(y, pred, nk, &reg) == 0) {
                    headline(ev, "rmse", reg.rmse);
                    headline(ev, "mae", reg.mae);
                }
                prediction_release(&pr);
            } else {
                free(*cause);
                *cause = NULL;
            }
            frame_free(rows);
        }
        free(y);
        free(pred);
        free(keep);
    }
    if (unknown_users > 0)
        pipeline_note(&nb, "%zu interaction%s of users the model does not know left out",
                      unknown_users, unknown_users == 1 ? "" : "s");
    if (already > 0)
        pipeline_note(&nb, "%zu interaction%s with items the user already had in training "
                      "left out", already, already == 1 ? "" : "s");
    if (below > 0)
        pipeline_note(&nb, "%zu interaction%s rated below %g not counted as relevant", below,
                      below == 1 ? "" : "s", relevant);
    if (rm.skipped > 0)
        pipeline_note(&nb, "%zu user%s with no relevant held-out item left out", rm.skipped,
                      rm.skipped == 1 ? "" : "s");
    rc = AIWB_OK;
out:
    if (rc < 0)
        evaluation_release(ev);
    if (nb.len > 0)
        pipeline_note(notes, "%s", strbuf_str(&nb));
    strbuf_release(&nb);
    frame_free(users);
    frame_free(items);
    frame_free(fresh);
    free(why);
    free(h);
    free(rec);
    free(rel);
    free(scores);
    free(gains);
    return rc;
}

int
pipeline_evaluate_at(const struct pipeline *p, const struct aiwb_frame *data, size_t k,
                     double relevant, struct evaluation *ev, char **notes, char **cause)
{
    struct strbuf nb = STRBUF_INIT;
    int rc;

    memset(ev, 0, sizeof *ev);
    if (notes != NULL)
        *notes = NULL;
    if (p->algo == NULL) {
        *cause = xstrdup("a chain of transforms has nothing to evaluate");
        return AIWB_EINVAL;
    }
    if (p->X != NULL) {
        *cause = xstrdup("the model is still training");
        return AIWB_EINVAL;
    }
    switch (p->task) {
    case AIWB_TASK_CLUSTERING:
        rc = evaluate_clustering(p, data, ev, &nb, cause);
        break;
    case AIWB_TASK_DECOMPOSITION:
        rc = evaluate_decomposition(p, data, ev, &nb, cause);
        break;
    case AIWB_TASK_RANKING:
        if (k == 0) {
            *cause = xstrdup("k must be 1 or more");
            rc = AIWB_EINVAL;
            break;
        }
        rc = evaluate_ranking(p, data, k, relevant, ev, &nb, cause);
        break;
    default:
        rc = evaluate_supervised(p, data, ev, &nb, cause);
        break;
    }
    if (rc < 0)
        evaluation_release(ev);
    if (notes != NULL && nb.len > 0)
        *notes = strbuf_detach(&nb, NULL);
    strbuf_release(&nb);
    return rc;
}

int
pipeline_evaluate(const struct pipeline *p, const struct aiwb_frame *data,
                  struct evaluation *ev, char **notes, char **cause)
{
    return pipeline_evaluate_at(p, data, PIPELINE_EVAL_K, NAN, ev, notes, cause);
}
