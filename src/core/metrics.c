/*
 * metrics.c - how good predictions are: regression errors, per-class and macro
 * classification scores, log-loss, the confusion matrix, ROC AUC and the ROC curve,
 * the precision-recall curve and average precision, ranking metrics at k, the
 * silhouette and the adjusted Rand index, paired t-tests across folds.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The definitions follow scikit-learn 1.2 so that users can check one against
 * the other: zero_division=0 for precision, recall and F1, macro averages over
 * every class (also those absent from the data), log-loss clipped to
 * [1e-15, 1-1e-15] then renormalised per row, roc_curve(drop_intermediate=False),
 * precision_recall_curve, average_precision_score, ndcg_score, silhouette_score and
 * adjusted_rand_score. Where scikit-learn has nothing (precision, recall and MAP at
 * k; the corrected t-test) they follow the common recommender libraries and Weka,
 * as metrics.h says one by one.
 */
#include <config.h>

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_rng.h>

#include "core/metrics.h"
#include "core/xalloc.h"

#define LOG_LOSS_EPS 1e-15

/*
 * A sum compensated for rounding (Neumaier's variant of Kahan's): the error
 * stays near one rounding whatever the number of terms, where a plain sum
 * drifts by up to n of them; adding 1e-15 to 1 a thousand times, a plain
 * sum is 11% off in the part that matters.
 */
struct sum {
    double s, c;
};

static inline void
sum_add(struct sum *a, double x)
{
    double t = a->s + x;

    if (fabs(a->s) >= fabs(x))
        a->c += (a->s - t) + x;
    else
        a->c += (x - t) + a->s;
    a->s = t;
}

static inline double
sum_value(const struct sum *a)
{
    /* Past overflow the compensation is inf - inf: keep the infinity. */
    return isfinite(a->s) ? a->s + a->c : a->s;
}

/*
 * RMSE, MAE and R² of PRED against Y into M (see metrics.h). R² is NaN when
 * the values of Y are all equal. Returns 0, or -1 when N is 0 or a value is
 * not finite, leaving M untouched.
 */
int
metrics_regression(const double *y, const double *pred, size_t n, struct regression_metrics *m)
{
    struct sum total = {0}, ss_res = {0}, ss_tot = {0}, abs_sum = {0};
    double mean;
    int constant = 1;

    if (n == 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(y[i]) || !isfinite(pred[i]))
            return -1;
        sum_add(&total, y[i]);
        constant &= y[i] == y[0];
    }
    mean = sum_value(&total) / (double)n;
    for (size_t i = 0; i < n; i++) {
        double r = y[i] - pred[i], d = y[i] - mean;

        sum_add(&ss_res, r * r);
        sum_add(&abs_sum, fabs(r));
        sum_add(&ss_tot, d * d);
    }
    m->n = n;
    m->rmse = sqrt(sum_value(&ss_res) / (double)n);
    m->mae = sum_value(&abs_sum) / (double)n;
    /* Tested on the values, not on ss_tot: the mean of three 0.1 comes out
     * as 0.10000000000000002, and 1 - ss_res/1e-34 would be noise, not a score. */
    m->r2 = constant ? NAN : 1.0 - sum_value(&ss_res) / sum_value(&ss_tot);
    return 0;
}

/* The most probable class of one row of K probabilities; the lowest code wins ties. */
static size_t
argmax(const double *p, size_t k)
{
    size_t best = 0;

    for (size_t c = 1; c < k; c++)
        if (p[c] > p[best])
            best = c;
    return best;
}

static double
clip(double p)
{
    return p < LOG_LOSS_EPS ? LOG_LOSS_EPS : p > 1.0 - LOG_LOSS_EPS ? 1.0 - LOG_LOSS_EPS : p;
}

/* -log of the clipped, renormalised probability of the true class C, as
 * scikit-learn 1.2's log_loss computes it for one row. */
static double
row_log_loss(const double *p, size_t k, size_t c)
{
    struct sum sum = {0};

    for (size_t j = 0; j < k; j++)
        sum_add(&sum, clip(p[j]));
    return -log(clip(p[c]) / sum_value(&sum));
}

/* Precision, recall and F1 of each class and their macro averages, from the
 * confusion matrix; a ratio whose denominator is 0 is 0 (zero_division=0). */
static void
per_class_scores(struct class_metrics *m)
{
    size_t k = m->k;

    for (size_t c = 0; c < k; c++) {
        size_t tp = m->confusion[c * k + c], predicted = 0, actual = 0;
        double p, r;

        for (size_t j = 0; j < k; j++) {
            predicted += m->confusion[j * k + c];
            actual += m->confusion[c * k + j];
        }
        p = predicted ? (double)tp / (double)predicted : 0.0;
        r = actual ? (double)tp / (double)actual : 0.0;
        m->precision[c] = p;
        m->recall[c] = r;
        m->f1[c] = p + r > 0.0 ? 2.0 * p * r / (p + r) : 0.0;
        m->support[c] = actual;
        m->macro_precision += p;
        m->macro_recall += r;
        m->macro_f1 += m->f1[c];
    }
    m->macro_precision /= (double)k;
    m->macro_recall /= (double)k;
    m->macro_f1 /= (double)k;
}

/*
 * Score PROBA against Y into M (see metrics.h); M's arrays are new and freed
 * by class_metrics_release(). Beyond the header's contract, -1 also refuses a
 * probability that is not finite (it would make the log-loss and the choice
 * of class meaningless) and a K whose K*K confusion matrix cannot be sized.
 * Probabilities outside [0,1] or rows not summing to 1 are accepted and,
 * for the log-loss only, clipped and renormalised as scikit-learn 1.2 does.
 * M is zeroed first, so class_metrics_release() is safe after a failure.
 */
int
metrics_classification(const int *y, const double *proba, size_t n, size_t k,
                       struct class_metrics *m)
{
    size_t correct = 0;
    struct sum loss = {0};

    memset(m, 0, sizeof *m);
    if (n == 0 || k < 2 || k > SIZE_MAX / k)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (y[i] < 0 || (size_t)y[i] >= k)
            return -1;
        for (size_t c = 0; c < k; c++)
            if (!isfinite(proba[i * k + c]))
                return -1;
    }
    m->n = n;
    m->k = k;
    m->precision = xcalloc(k, sizeof *m->precision);
    m->recall = xcalloc(k, sizeof *m->recall);
    m->f1 = xcalloc(k, sizeof *m->f1);
    m->support = xcalloc(k, sizeof *m->support);
    m->confusion = xcalloc(k * k, sizeof *m->confusion);
    for (size_t i = 0; i < n; i++) {
        const double *p = proba + i * k;
        size_t truth = (size_t)y[i], guess = argmax(p, k);

        m->confusion[truth * k + guess]++;
        correct += truth == guess;
        sum_add(&loss, row_log_loss(p, k, truth));
    }
    m->accuracy = (double)correct / (double)n;
    m->log_loss = sum_value(&loss) / (double)n;
    per_class_scores(m);
    m->auc = NAN;
    if (k == 2) {
        double *score = xmalloc(n * sizeof *score);

        for (size_t i = 0; i < n; i++)
            score[i] = proba[i * 2 + 1];
        m->auc = metrics_auc(y, score, n);
        free(score);
    }
    return 0;
}

/*
 * Free the arrays of M and reset it to zeros; M itself belongs to the caller.
 * A NULL M, or an M already released or zeroed by a failed
 * metrics_classification(), is fine.
 */
void
class_metrics_release(struct class_metrics *m)
{
    if (m == NULL)
        return;
    free(m->precision);
    free(m->recall);
    free(m->f1);
    free(m->support);
    free(m->confusion);
    memset(m, 0, sizeof *m);
}

struct scored {
    double score;
    int positive;
};

static int
compare_scored(const void *a, const void *b)
{
    double x = ((const struct scored *)a)->score, y = ((const struct scored *)b)->score;

    return (x > y) - (x < y);
}

/*
 * The N (score, is positive) pairs sorted by increasing score, in a new array
 * (the caller frees it), with the counts of positives and negatives; NULL when
 * N is 0, a score is NaN (it has no place in the order) or a class is absent.
 */
static struct scored *
sort_scored(const int *y, const double *score, size_t n, size_t *npos, size_t *nneg)
{
    struct scored *s;

    *npos = 0;
    for (size_t i = 0; i < n; i++) {
        if (isnan(score[i]))
            return NULL;
        *npos += y[i] != 0;
    }
    *nneg = n - *npos;
    if (*npos == 0 || *nneg == 0)
        return NULL;
    s = xmalloc(n * sizeof *s);
    for (size_t i = 0; i < n; i++) {
        s[i].score = score[i];
        s[i].positive = y[i] != 0;
    }
    qsort(s, n, sizeof *s, compare_scored);
    return s;
}

/*
 * Also NaN when N is 0 or a score is NaN; infinite scores are ranked as any
 * other. O(N log N): one sort, then one walk over the groups of tied scores.
 */
double
metrics_auc(const int *y, const double *score, size_t n)
{
    size_t npos, nneg, neg_below = 0;
    uint64_t twice_u = 0;
    struct scored *s = sort_scored(y, score, n, &npos, &nneg);

    if (s == NULL)
        return NAN;
    /*
     * The rank-sum form U = R_pos - P(P+1)/2, with tied scores sharing the
     * mean of their ranks, equals the count over the groups of tied scores
     * of p * (negatives ranked below) + p * q / 2, where p and q are the
     * positives and negatives of the group. Counted doubled, U is an exact
     * integer, free of the cancellation of the rank-sum form.
     */
    for (size_t i = 0, j; i < n; i = j) {
        uint64_t p = 0, q = 0;

        for (j = i; j < n && s[j].score == s[i].score; j++) {
            p += s[j].positive;
            q += !s[j].positive;
        }
        twice_u += 2 * p * neg_below + p * q;
        neg_below += q;
    }
    free(s);
    return (double)twice_u / (2.0 * (double)npos * (double)nneg);
}

/*
 * As scikit-learn's roc_curve(drop_intermediate=False): the first point is
 * (0,0), then one point per distinct score from the highest, counting every
 * row whose score is at least that threshold; the last point is (1,1). So
 * the count is the number of distinct scores plus one. Returns 0 with *FPR
 * and *TPR set to NULL when N is 0, a class is absent or a score is NaN.
 */
size_t
metrics_roc(const int *y, const double *score, size_t n, double **fpr, double **tpr)
{
    size_t npos, nneg, npoints = 1, tp = 0, fp = 0;
    struct scored *s = sort_scored(y, score, n, &npos, &nneg);

    *fpr = *tpr = NULL;
    if (s == NULL)
        return 0;
    for (size_t i = 1; i < n; i++)
        npoints += s[i].score != s[i - 1].score;
    npoints++;
    *fpr = xmalloc(npoints * sizeof **fpr);
    *tpr = xmalloc(npoints * sizeof **tpr);
    (*fpr)[0] = (*tpr)[0] = 0.0;
    for (size_t i = n, j, point = 1; i > 0; i = j, point++) {
        for (j = i; j > 0 && s[j - 1].score == s[i - 1].score; j--) {
            tp += s[j - 1].positive;
            fp += !s[j - 1].positive;
        }
        (*fpr)[point] = (double)fp / (double)nneg;
        (*tpr)[point] = (double)tp / (double)npos;
    }
    free(s);
    return npoints;
}

/* Set *CAUSE, unless CAUSE is NULL, to a new message; returns -1. */
static int fail(char **cause, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int
fail(char **cause, const char *fmt, ...)
{
    va_list ap;

    if (cause != NULL) {
        va_start(ap, fmt);
        *cause = xvasprintf(fmt, ap);
        va_end(ap);
    }
    return -1;
}

/* ---- the precision-recall curve and average precision ---- */

/*
 * The N (score, is positive) pairs sorted by increasing score, in a new array
 * (the caller frees it), with the count of positives; NULL when N is 0 or a
 * score is NaN. Unlike sort_scored(), either class may be absent.
 */
static struct scored *
sort_scored_any(const int *y, const double *score, size_t n, size_t *npos)
{
    struct scored *s;

    *npos = 0;
    if (n == 0)
        return NULL;
    for (size_t i = 0; i < n; i++)
        if (isnan(score[i]))
            return NULL;
    s = xmalloc(n * sizeof *s);
    for (size_t i = 0; i < n; i++) {
        s[i].score = score[i];
        s[i].positive = y[i] != 0;
        *npos += s[i].positive;
    }
    qsort(s, n, sizeof *s, compare_scored);
    return s;
}

/*
 * See metrics.h. Walks the groups of tied scores from the highest, as
 * scikit-learn's _binary_clf_curve, and writes the points from the end so
 * that they come out by increasing threshold, as precision_recall_curve.
 */
size_t
metrics_pr_curve(const int *y, const double *score, size_t n, double **precision, double **recall,
                 double **threshold)
{
    size_t npos, ndistinct = 1, tp = 0, fp = 0;
    struct scored *s = sort_scored_any(y, score, n, &npos);

    *precision = *recall = NULL;
    if (threshold != NULL)
        *threshold = NULL;
    if (s == NULL || npos == 0) {
        free(s);
        return 0;
    }
    for (size_t i = 1; i < n; i++)
        ndistinct += s[i].score != s[i - 1].score;
    *precision = xmalloc((ndistinct + 1) * sizeof **precision);
    *recall = xmalloc((ndistinct + 1) * sizeof **recall);
    if (threshold != NULL)
        *threshold = xmalloc(ndistinct * sizeof **threshold);
    for (size_t i = n, j, point = ndistinct; i > 0; i = j) {
        point--;
        for (j = i; j > 0 && s[j - 1].score == s[i - 1].score; j--) {
            tp += s[j - 1].positive;
            fp += !s[j - 1].positive;
        }
        (*precision)[point] = (double)tp / (double)(tp + fp);
        (*recall)[point] = (double)tp / (double)npos;
        if (threshold != NULL)
            (*threshold)[point] = s[i - 1].score;
    }
    (*precision)[ndistinct] = 1.0;
    (*recall)[ndistinct] = 0.0;
    free(s);
    return ndistinct + 1;
}

/*
 * See metrics.h. The step integral sum (R_t - R_{t-1}) * P_t over the
 * thresholds t from the highest, where each step gains the positives of a
 * group of tied scores: a group without positives adds nothing.
 */
double
metrics_average_precision(const int *y, const double *score, size_t n)
{
    size_t npos, tp = 0, fp = 0;
    struct scored *s = sort_scored_any(y, score, n, &npos);
    struct sum ap = {0};

    if (s == NULL || npos == 0) {
        free(s);
        return NAN;
    }
    for (size_t i = n, j; i > 0; i = j) {
        size_t gained = 0;

        for (j = i; j > 0 && s[j - 1].score == s[i - 1].score; j--) {
            gained += s[j - 1].positive;
            fp += !s[j - 1].positive;
        }
        tp += gained;
        if (gained > 0)
            sum_add(&ap, (double)gained * ((double)tp / (double)(tp + fp)));
    }
    free(s);
    return sum_value(&ap) / (double)npos;
}

/* ---- ranking metrics at k ---- */

static int
compare_int32(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;

    return (x > y) - (x < y);
}

static int
compare_double_down(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x < y) - (x > y);
}

/*
 * Check the arguments of metrics_ranking() (see metrics.h for what is
 * refused); returns 0, or -1 with *CAUSE set.
 */
static int
check_ranking(const int32_t *recommended, size_t top, const int32_t *relevant, size_t n_rel,
              const double *gains, size_t k, char **cause)
{
    /* Enough for the usual cutoffs without touching the heap once per user. */
    int32_t small[64], *seen = small;
    int rc = 0;

    if (k == 0)
        return fail(cause, "the cutoff k must be at least 1");
    for (size_t j = 0; j < n_rel; j++) {
        if (relevant[j] < 0)
            return fail(cause, "relevant item %zu has the negative code %" PRId32, j + 1,
                        relevant[j]);
        if (j > 0 && relevant[j] <= relevant[j - 1])
            return fail(cause,
                        "relevant items must be strictly increasing codes: %" PRId32
                        " follows %" PRId32,
                        relevant[j], relevant[j - 1]);
        if (gains != NULL && !(isfinite(gains[j]) && gains[j] >= 0.0))
            return fail(cause,
                        "the gain of relevant item %" PRId32 " is %g: a gain must be "
                        "a finite number >= 0",
                        relevant[j], gains[j]);
    }
    for (size_t i = 0; i < top; i++)
        if (recommended[i] < 0)
            return fail(cause, "the item recommended at rank %zu has the negative code %" PRId32,
                        i + 1, recommended[i]);
    if (top > sizeof small / sizeof small[0])
        seen = xmalloc(top * sizeof *seen);
    if (top > 0)
        memcpy(seen, recommended, top * sizeof *seen);
    qsort(seen, top, sizeof *seen, compare_int32);
    for (size_t i = 1; i < top && rc == 0; i++)
        if (seen[i] == seen[i - 1])
            rc =
                fail(cause, "item %" PRId32 " is recommended twice in the first %zu", seen[i], top);
    if (seen != small)
        free(seen);
    return rc;
}

/*
 * The ideal DCG at K: the min(K, N_REL) largest gains (all 1 when GAINS is
 * NULL) at the best ranks.
 */
static double
ideal_dcg(const double *gains, size_t n_rel, size_t k)
{
    size_t m = n_rel < k ? n_rel : k;
    double *sorted = NULL, dcg = 0.0;

    if (gains != NULL) {
        sorted = xmalloc(n_rel * sizeof *sorted);
        memcpy(sorted, gains, n_rel * sizeof *sorted);
        qsort(sorted, n_rel, sizeof *sorted, compare_double_down);
    }
    for (size_t i = 0; i < m; i++)
        dcg += (sorted != NULL ? sorted[i] : 1.0) / log2((double)i + 2.0);
    free(sorted);
    return dcg;
}

/* Scores of one user into OUT, as metrics.h defines them; see there. */
int
metrics_ranking(const int32_t *recommended, size_t n_rec, const int32_t *relevant, size_t n_rel,
                const double *gains, size_t k, struct ranking_scores *out, char **cause)
{
    size_t top = n_rec < k ? n_rec : k, hits = 0;
    double dcg = 0.0, ap = 0.0, ideal;

    if (check_ranking(recommended, top, relevant, n_rel, gains, k, cause) < 0)
        return -1;
    if (n_rel == 0) {
        out->precision = out->recall = out->ndcg = out->ap = out->hit = NAN;
        return 1;
    }
    for (size_t i = 0; i < top; i++) {
        const int32_t *at =
            bsearch(&recommended[i], relevant, n_rel, sizeof *relevant, compare_int32);

        if (at == NULL)
            continue;
        hits++;
        ap += (double)hits / (double)(i + 1);
        dcg += (gains != NULL ? gains[at - relevant] : 1.0) / log2((double)i + 2.0);
    }
    ideal = ideal_dcg(gains, n_rel, k);
    out->precision = (double)hits / (double)k;
    out->recall = (double)hits / (double)n_rel;
    out->ndcg = ideal > 0.0 ? dcg / ideal : 0.0;
    out->ap = ap / (double)(n_rel < k ? n_rel : k);
    out->hit = hits > 0 ? 1.0 : 0.0;
    return 0;
}

/* Empty ACC; see metrics.h. */
void
ranking_init(struct ranking_acc *acc)
{
    memset(acc, 0, sizeof *acc);
}

/* Score one user into ACC; see metrics.h for the returns and errors. */
int
ranking_add(struct ranking_acc *acc, const int32_t *recommended, size_t n_rec,
            const int32_t *relevant, size_t n_rel, const double *gains, size_t k, char **cause)
{
    struct ranking_scores s;
    double v[RANKING_NSCORES];
    int rc;

    if (k != 0 && acc->k != 0 && k != acc->k)
        return fail(cause, "the cutoff k is %zu, but the users before were scored at %zu", k,
                    acc->k);
    rc = metrics_ranking(recommended, n_rec, relevant, n_rel, gains, k, &s, cause);
    if (rc < 0)
        return rc;
    acc->k = k;
    if (rc == 1) {
        acc->skipped++;
        return 1;
    }
    v[0] = s.precision;
    v[1] = s.recall;
    v[2] = s.ndcg;
    v[3] = s.ap;
    v[4] = s.hit;
    for (size_t c = 0; c < RANKING_NSCORES; c++) {
        struct sum t = {acc->sum[c], acc->comp[c]};

        sum_add(&t, v[c]);
        acc->sum[c] = t.s;
        acc->comp[c] = t.c;
    }
    acc->users++;
    return 0;
}

/* The means of ACC into OUT; see metrics.h. */
int
ranking_result(const struct ranking_acc *acc, struct ranking_metrics *out)
{
    double mean[RANKING_NSCORES];

    for (size_t c = 0; c < RANKING_NSCORES; c++) {
        struct sum t = {acc->sum[c], acc->comp[c]};

        mean[c] = acc->users > 0 ? sum_value(&t) / (double)acc->users : NAN;
    }
    out->k = acc->k;
    out->users = acc->users;
    out->skipped = acc->skipped;
    out->precision = mean[0];
    out->recall = mean[1];
    out->ndcg = mean[2];
    out->map = mean[3];
    out->hit_rate = mean[4];
    return acc->users > 0 ? 0 : -1;
}

/* ---- the silhouette ---- */

/*
 * Distances are computed by blocks of rows against all rows: |a-b|² =
 * |a|² + |b|² - 2 a.b with a.b from one dgemm per block (scikit-learn's
 * euclidean_distances does the same). The block holds at most this many
 * distances (8 MiB).
 */
#define SILHOUETTE_BLOCK ((size_t)1 << 20)

/*
 * Where |a-b|² is below this share of |a|² + |b|², the dot-product form has
 * lost too many digits to cancellation (its error is a few ulps of |a|² +
 * |b|²), and the pair is computed again from its differences: the distances
 * keep a relative error near 1e-13 · D, and a row's distance to itself or to
 * a duplicate is exactly 0.
 */
#define SILHOUETTE_RECOMPUTE 1e-3

struct labelled {
    int label;
    size_t row;
};

static int
compare_labelled(const void *a, const void *b)
{
    const struct labelled *x = a, *y = b;

    if (x->label != y->label)
        return (x->label > y->label) - (x->label < y->label);
    return (x->row > y->row) - (x->row < y->row);
}

/*
 * M rows of N picked at random without replacement, increasing, into a new
 * array (the caller frees it). Step for step gsl_ran_choose() (Knuth's
 * selection sampling: row i is taken with probability wanted / left), so
 * the choice is GSL's, without its N-long array of candidates.
 */
static size_t *
choose_rows(size_t n, size_t m, uint64_t seed)
{
    size_t *rows = xmalloc(m * sizeof *rows);
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);

    if (rng == NULL) {
        fputs("aiwb: out of memory\n", stderr);
        abort();
    }
    gsl_rng_set(rng, (unsigned long)((uint32_t)seed ^ (uint32_t)(seed >> 32)));
    for (size_t i = 0, j = 0; i < n && j < m; i++)
        if ((double)(n - i) * gsl_rng_uniform(rng) < (double)(m - j))
            rows[j++] = i;
    gsl_rng_free(rng);
    return rows;
}

/*
 * The rows of the silhouette, grouped by cluster: Z holds the M rows of X
 * named by ROWS, centred on their mean (which shrinks the norms, hence the
 * cancellation) and ordered by cluster, so that cluster c is the rows
 * START[c] to START[c+1]-1 of Z; NORM their squared norms; CLUSTER the
 * cluster of each row of Z.
 */
struct silhouette_work {
    size_t m, d, q;
    double *z, *norm;
    size_t *start, *cluster;
};

static void
silhouette_work_release(struct silhouette_work *w)
{
    free(w->z);
    free(w->norm);
    free(w->start);
    free(w->cluster);
}

/* Fill W from the M rows ROWS of X (see above); returns the number of clusters. */
static size_t
silhouette_group(const double *X, size_t d, size_t ldx, const int *labels, const size_t *rows,
                 size_t m, struct silhouette_work *w)
{
    struct labelled *order = xmalloc(m * sizeof *order);
    double *mean = xcalloc(d, sizeof *mean);
    size_t q = 0;

    for (size_t i = 0; i < m; i++) {
        order[i].label = labels[rows[i]];
        order[i].row = rows[i];
    }
    qsort(order, m, sizeof *order, compare_labelled);
    w->m = m;
    w->d = d;
    w->z = xmalloc(m * d * sizeof *w->z);
    w->norm = xmalloc(m * sizeof *w->norm);
    w->cluster = xmalloc(m * sizeof *w->cluster);
    w->start = xmalloc((m + 1) * sizeof *w->start);
    for (size_t i = 0; i < m; i++) {
        const double *x = X + order[i].row * ldx;

        if (i == 0 || order[i].label != order[i - 1].label)
            w->start[q++] = i;
        w->cluster[i] = q - 1;
        memcpy(w->z + i * d, x, d * sizeof *x);
        for (size_t j = 0; j < d; j++)
            mean[j] += x[j];
    }
    w->start[q] = m;
    w->q = q;
    for (size_t j = 0; j < d; j++)
        mean[j] /= (double)m;
    for (size_t i = 0; i < m; i++) {
        double *z = w->z + i * d, s = 0.0;

        for (size_t j = 0; j < d; j++) {
            z[j] -= mean[j];
            s += z[j] * z[j];
        }
        w->norm[i] = s;
    }
    free(mean);
    free(order);
    return q;
}

/*
 * Overwrite G, the dot products of rows R0.. of Z (NB of them) with all M
 * rows, by their distances.
 */
static void
block_distances(const struct silhouette_work *w, size_t r0, size_t nb, double *g)
{
    size_t m = w->m, d = w->d;

    for (size_t i = 0; i < nb; i++) {
        const double *zi = w->z + (r0 + i) * d;
        double ni = w->norm[r0 + i], *row = g + i * m;

        for (size_t j = 0; j < m; j++) {
            double sum = ni + w->norm[j], sq = sum - 2.0 * row[j];

            if (sq < SILHOUETTE_RECOMPUTE * sum) {
                const double *zj = w->z + j * d;

                sq = 0.0;
                for (size_t c = 0; c < d; c++)
                    sq += (zi[c] - zj[c]) * (zi[c] - zj[c]);
            }
            row[j] = sqrt(sq);
        }
    }
}

/* The silhouette of row I of Z, from DIST, its distances to all rows. */
static double
row_silhouette(const struct silhouette_work *w, size_t i, const double *dist)
{
    size_t own = w->cluster[i], size = w->start[own + 1] - w->start[own];
    double a = 0.0, b = INFINITY;

    if (size == 1)
        return 0.0;
    for (size_t c = 0; c < w->q; c++) {
        double s = 0.0;

        for (size_t j = w->start[c]; j < w->start[c + 1]; j++)
            s += dist[j];
        if (c == own)
            a = s / (double)(size - 1);
        else if (s / (double)(w->start[c + 1] - w->start[c]) < b)
            b = s / (double)(w->start[c + 1] - w->start[c]);
    }
    return fmax(a, b) > 0.0 ? (b - a) / fmax(a, b) : 0.0;
}

/* The mean silhouette of the rows of W, by blocks of rows. */
static double
silhouette_mean(const struct silhouette_work *w)
{
    size_t m = w->m, nb = SILHOUETTE_BLOCK / m;
    double *g;
    struct sum total = {0};

    nb = nb < 1 ? 1 : nb > m ? m : nb;
    g = xmalloc(nb * m * sizeof *g);
    for (size_t r0 = 0; r0 < m; r0 += nb) {
        size_t rows = m - r0 < nb ? m - r0 : nb;
        gsl_matrix_const_view a = gsl_matrix_const_view_array(w->z + r0 * w->d, rows, w->d);
        gsl_matrix_const_view z = gsl_matrix_const_view_array(w->z, m, w->d);
        gsl_matrix_view out = gsl_matrix_view_array(g, rows, m);

        /* Returns an error only for sizes that disagree, which these cannot. */
        gsl_blas_dgemm(CblasNoTrans, CblasTrans, 1.0, &a.matrix, &z.matrix, 0.0, &out.matrix);
        block_distances(w, r0, rows, g);
        for (size_t i = 0; i < rows; i++)
            sum_add(&total, row_silhouette(w, r0 + i, g + i * m));
    }
    free(g);
    return sum_value(&total) / (double)m;
}

/* The mean silhouette of LABELS on X; see metrics.h. Rows count from 1 in messages. */
int
metrics_silhouette(const double *X, size_t n, size_t d, size_t ldx, const int *labels, size_t k,
                   size_t sample_size, uint64_t seed, double *score, char **cause)
{
    struct silhouette_work w = {0};
    size_t m = sample_size == 0 || sample_size >= n ? n : sample_size, *rows, q;

    if (n == 0)
        return fail(cause, "cannot compute the silhouette of 0 rows");
    if (d == 0)
        return fail(cause, "cannot compute the silhouette of rows without columns");
    if (ldx < d)
        return fail(cause, "the row stride %zu is less than the %zu columns", ldx, d);
    for (size_t i = 0; i < n; i++) {
        if (labels[i] < 0 || (size_t)labels[i] >= k)
            return fail(cause, "row %zu has the cluster code %d, out of range for %zu clusters",
                        i + 1, labels[i], k);
        for (size_t j = 0; j < d; j++)
            if (!isfinite(X[i * ldx + j]))
                return fail(cause, "row %zu column %zu is not a finite number", i + 1, j + 1);
    }
    if (m < n) {
        rows = choose_rows(n, m, seed);
    } else {
        rows = xmalloc(n * sizeof *rows);
        for (size_t i = 0; i < n; i++)
            rows[i] = i;
    }
    q = silhouette_group(X, d, ldx, labels, rows, m, &w);
    free(rows);
    if (q < 2 || q >= m) {
        silhouette_work_release(&w);
        return fail(cause,
                    "the silhouette needs 2 clusters or more, and fewer clusters than "
                    "rows: %zu rows%s hold %zu",
                    m, m < n ? " (sampled)" : "", q);
    }
    *score = silhouette_mean(&w);
    silhouette_work_release(&w);
    return 0;
}

/* ---- the adjusted Rand index ---- */

static int
compare_uint64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

    return (x > y) - (x < y);
}

/*
 * The sum of the squares of the contingency table of TRUTH against PRED
 * (codes >= 0), by sorting the pairs: for tables too large to hold.
 */
static uint64_t
sum_squares_sorted(const int *truth, const int *pred, size_t n)
{
    uint64_t *key = xmalloc(n * sizeof *key), total = 0;

    for (size_t i = 0; i < n; i++)
        key[i] = (uint64_t)(uint32_t)truth[i] << 32 | (uint32_t)pred[i];
    qsort(key, n, sizeof *key, compare_uint64);
    for (size_t i = 0, j; i < n; i = j) {
        for (j = i; j < n && key[j] == key[i]; j++)
            ;
        total += (uint64_t)(j - i) * (j - i);
    }
    free(key);
    return total;
}

/* The product of A and B, both integers below 2^53, as HI + LO exactly. */
static void
exact_product(double a, double b, double *hi, double *lo)
{
    *hi = a * b;
    *lo = fma(a, b, -*hi);
}

/*
 * See metrics.h. The pair counts are those of scikit-learn's
 * pair_confusion_matrix (ordered pairs), kept as exact integers; the
 * products of the numerator are taken exactly (FMA) so that an index near 0
 * is not lost to cancellation. Exact while N² < 2^53 (N below 94 million);
 * past that the counts are rounded to doubles, and the index to a few ulps.
 */
int
metrics_adjusted_rand(const int *truth, size_t k_truth, const int *pred, size_t k_pred, size_t n,
                      double *ari, char **cause)
{
    uint64_t *row, *col, sq = 0, srow = 0, scol = 0, nn, tp, fp, fn, tn;
    double h1, l1, h2, l2, num, den;

    if (n == 0)
        return fail(cause, "cannot compare partitions of 0 rows");
    for (size_t i = 0; i < n; i++) {
        if (truth[i] < 0 || (size_t)truth[i] >= k_truth)
            return fail(cause, "row %zu has the true group %d, out of range for %zu groups", i + 1,
                        truth[i], k_truth);
        if (pred[i] < 0 || (size_t)pred[i] >= k_pred)
            return fail(cause, "row %zu has the cluster %d, out of range for %zu clusters", i + 1,
                        pred[i], k_pred);
    }
    row = xcalloc(k_truth, sizeof *row);
    col = xcalloc(k_pred, sizeof *col);
    for (size_t i = 0; i < n; i++) {
        row[truth[i]]++;
        col[pred[i]]++;
    }
    if (k_truth <= (4 * n + 4096) / k_pred) {
        uint64_t *cell = xcalloc(k_truth * k_pred, sizeof *cell);

        for (size_t i = 0; i < n; i++)
            cell[(size_t)truth[i] * k_pred + (size_t)pred[i]]++;
        for (size_t c = 0; c < k_truth * k_pred; c++)
            sq += cell[c] * cell[c];
        free(cell);
    } else {
        sq = sum_squares_sorted(truth, pred, n);
    }
    for (size_t c = 0; c < k_truth; c++)
        srow += row[c] * row[c];
    for (size_t c = 0; c < k_pred; c++)
        scol += col[c] * col[c];
    free(row);
    free(col);
    nn = (uint64_t)n * n;
    tp = sq - n;
    fp = scol - sq;
    fn = srow - sq;
    tn = nn - fp - fn - sq;
    if (fn == 0 && fp == 0) {
        *ari = 1.0;
        return 0;
    }
    exact_product((double)tp, (double)tn, &h1, &l1);
    exact_product((double)fn, (double)fp, &h2, &l2);
    num = (h1 - h2) + (l1 - l2);
    den = (double)(tp + fn) * (double)(fn + tn) + (double)(tp + fp) * (double)(fp + tn);
    *ari = 2.0 * num / den;
    return 0;
}

/* ---- paired t-tests ---- */

/* See metrics.h; the plain test is RATIO = 0. */
int
metrics_corrected_ttest(const double *d, size_t n, double test_train_ratio,
                        struct ttest_result *out, char **cause)
{
    struct sum total = {0}, ss = {0};
    double mean, var;
    int constant = 1;

    if (n < 2)
        return fail(cause, "a paired t-test needs 2 differences or more, not %zu", n);
    if (!(isfinite(test_train_ratio) && test_train_ratio >= 0.0))
        return fail(cause, "the test/train ratio must be a finite number >= 0, not %g",
                    test_train_ratio);
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(d[i]))
            return fail(cause, "difference %zu is not a finite number", i + 1);
        sum_add(&total, d[i]);
        constant &= d[i] == d[0];
    }
    /* Constancy is tested on the values: the mean of three 0.1 is not 0.1,
     * and a variance of 1e-34 would make t a large number of no meaning. */
    mean = constant ? d[0] : sum_value(&total) / (double)n;
    for (size_t i = 0; i < n && !constant; i++)
        sum_add(&ss, (d[i] - mean) * (d[i] - mean));
    var = constant ? 0.0 : sum_value(&ss) / (double)(n - 1);
    out->n = n;
    out->mean = mean;
    out->sd = sqrt(var);
    out->df = (double)(n - 1);
    if (constant) {
        out->t = mean == 0.0 ? NAN : copysign(INFINITY, mean);
        out->p = mean == 0.0 ? 1.0 : 0.0;
        return 0;
    }
    out->t = mean / sqrt((1.0 / (double)n + test_train_ratio) * var);
    out->p = fmin(1.0, 2.0 * gsl_cdf_tdist_Q(fabs(out->t), out->df));
    return 0;
}

/* See metrics.h: the corrected test without its correction. */
int
metrics_paired_ttest(const double *d, size_t n, struct ttest_result *out, char **cause)
{
    return metrics_corrected_ttest(d, n, 0.0, out, cause);
}
