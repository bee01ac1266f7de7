/*
 * metrics.c - how good predictions are: regression errors, per-class and macro
 * classification scores, log-loss, the confusion matrix, ROC AUC and the ROC curve.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The definitions follow scikit-learn 1.2 so that users can check one against
 * the other: zero_division=0 for precision, recall and F1, macro averages over
 * every class (also those absent from the data), log-loss clipped to
 * [1e-15, 1-1e-15] then renormalised per row, roc_curve(drop_intermediate=False).
 */
#include <config.h>

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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
