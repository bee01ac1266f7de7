/*
 * metrics.h - how good predictions are: RMSE, MAE and R² for regression;
 * accuracy, per-class and macro precision/recall/F1, log-loss, the
 * confusion matrix, ROC AUC, the precision-recall curve and average
 * precision for classification; precision, recall, NDCG, MAP and hit rate
 * at k for rankings; the silhouette and the adjusted Rand index for
 * clusterings; paired t-tests (plain, and Nadeau and Bengio's corrected
 * resampled one) to compare two models over the same folds.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef AIWB_METRICS_H
#define AIWB_METRICS_H

#include <stddef.h>
#include <stdint.h>

struct regression_metrics {
    size_t n;
    double rmse, mae, r2;
};

/*
 * Compare predictions PRED with truth Y (N values each). R² is
 * 1 - SS_res/SS_tot about the mean of Y (NaN when Y is constant).
 * Returns 0, or -1 when N is 0 or a value is not finite.
 */
int metrics_regression(const double *y, const double *pred, size_t n,
                       struct regression_metrics *m);

struct class_metrics {
    size_t n, k;
    double accuracy;
    double *precision, *recall, *f1; /* k each; precision is 0 for a class never predicted */
    size_t *support;                 /* k: true rows of each class */
    double macro_precision, macro_recall, macro_f1;
    double log_loss;                 /* probabilities clipped to [1e-15, 1-1e-15] as scikit-learn */
    double auc;                      /* ROC AUC when k == 2 (class 1 positive), else NaN */
    size_t *confusion;               /* k*k, row = true class, column = predicted */
};

/*
 * Score class probabilities PROBA (N rows of K, row-major) against true
 * codes Y (0..K-1). The predicted class is the most probable one (the lowest
 * code on ties). Returns 0, or -1 when N is 0, K < 2 or a code is out of
 * range. Release M with class_metrics_release().
 */
int metrics_classification(const int *y, const double *proba, size_t n, size_t k,
                           struct class_metrics *m);
void class_metrics_release(struct class_metrics *m);

/*
 * ROC AUC of SCORE for the positives (Y[i] != 0) against the negatives: the
 * Mann-Whitney statistic, ties counting one half. NaN when either class is
 * absent.
 */
double metrics_auc(const int *y, const double *score, size_t n);

/*
 * The points of the ROC curve of SCORE (one per distinct threshold, from the
 * highest, starting at (0,0)). Returns the number of points written to the
 * new arrays *FPR and *TPR (the caller frees them), 0 when a class is absent.
 */
size_t metrics_roc(const int *y, const double *score, size_t n, double **fpr, double **tpr);

/*
 * The points of the precision-recall curve of SCORE for the positives
 * (Y[i] != 0), as scikit-learn 1.2's precision_recall_curve: one point per
 * distinct score, from the lowest threshold up, counting every row whose
 * score is at least the threshold (precision = tp / (tp + fp), recall =
 * tp / positives), then a last point (precision 1, recall 0) without a
 * threshold. Returns the number of points written to the new arrays
 * *PRECISION and *RECALL, and if THRESHOLD is not NULL, the points minus
 * one thresholds (increasing) to the new array *THRESHOLD; the caller frees
 * them. Returns 0 with the arrays set to NULL when N is 0, a score is NaN
 * or there is no positive (recall is undefined; scikit-learn warns and sets
 * it to 1). Rows without a negative are fine (precision is 1 throughout).
 */
size_t metrics_pr_curve(const int *y, const double *score, size_t n, double **precision,
                        double **recall, double **threshold);

/*
 * Average precision of SCORE for the positives (Y[i] != 0), as scikit-
 * learn 1.2's average_precision_score: the sum over the distinct scores,
 * from the highest, of (recall gained at that threshold) * (precision at
 * it); no interpolation. 1 when there is no negative; NaN when N is 0, a
 * score is NaN or there is no positive.
 */
double metrics_average_precision(const int *y, const double *score, size_t n);

/* The ranking scores of one user (see metrics_ranking()). */
struct ranking_scores {
    double precision, recall, ndcg, ap, hit;
};

/*
 * Ranking metrics at a cutoff K for one user, given the items the model
 * RECOMMENDED (N_REC codes, best first; only the first K count, and a list
 * shorter than K counts its empty places as misses) and the items that are
 * RELEVANT to the user (N_REL codes, strictly increasing). An item is a hit
 * when it is among the first K recommended and in RELEVANT.
 *
 *   precision@K  hits / K, whatever N_REC (Spark's RankingMetrics.precisionAt)
 *   recall@K     hits / N_REL
 *   hit@K        1 when there is at least one hit, else 0
 *   AP@K         sum over the ranks i <= K that hold a hit of
 *                (hits in the first i) / i, divided by min(K, N_REL): the
 *                normalisation of implicit's mean_average_precision_at_k,
 *                ml_metrics' apk (used by recmetrics) and Spark's
 *                meanAveragePrecisionAt, so that a perfect list scores 1
 *                even when N_REL > K
 *   NDCG@K       DCG / ideal DCG with DCG = sum over ranks i <= K of
 *                gain / log2(i + 1); the gain of a hit is 1 when GAINS is
 *                NULL (binary relevance), else GAINS[j], the graded
 *                relevance of RELEVANT[j] (as scikit-learn's ndcg_score(k=K)
 *                with y_true = the gains, 0 for the other items). The ideal
 *                DCG puts the min(K, N_REL) largest gains first; when it is
 *                0 (every gain 0) NDCG is 0, as scikit-learn's.
 *
 * Precision, recall, hit and AP use binary relevance even when GAINS is
 * given: every item of RELEVANT counts, whatever its gain.
 *
 * Returns 0 with the scores in *OUT; 1 when N_REL is 0 (the user has no
 * relevant item: *OUT is all NaN, and averages skip such users); -1 with a
 * new message in *CAUSE (the caller frees it; CAUSE may be NULL) when K is
 * 0, a code is negative, RELEVANT is not strictly increasing, a gain is
 * negative or not finite, or an item appears twice among the first K
 * recommended. RECOMMENDED and RELEVANT may be NULL when their count is 0.
 */
int metrics_ranking(const int32_t *recommended, size_t n_rec, const int32_t *relevant,
                    size_t n_rel, const double *gains, size_t k, struct ranking_scores *out,
                    char **cause);

/*
 * Ranking metrics averaged over users: ranking_init() an accumulator, call
 * ranking_add() once per user (the arguments of metrics_ranking()), then
 * ranking_result(). The means are over the users with at least one relevant
 * item; the others are counted in SKIPPED. The accumulator holds no memory
 * (nothing to release) and may be copied.
 */
enum { RANKING_NSCORES = 5 };

struct ranking_acc {
    size_t k;       /* the cutoff, fixed by the first ranking_add(); 0 before */
    size_t users;   /* users scored */
    size_t skipped; /* users without a relevant item */
    /* Private: compensated sums of the per-user scores. */
    double sum[RANKING_NSCORES], comp[RANKING_NSCORES];
};

struct ranking_metrics {
    size_t k, users, skipped;
    double precision, recall, ndcg, map, hit_rate; /* means over the users scored */
};

/* Make ACC empty (any former content is dropped). */
void ranking_init(struct ranking_acc *acc);

/*
 * Score one user as metrics_ranking() does and add the scores to ACC.
 * Returns 0 when the user was scored, 1 when it was skipped (no relevant
 * item), -1 with *CAUSE as metrics_ranking() says, or when K differs from
 * the cutoff of the users added before (means over mixed cutoffs would mean
 * nothing). ACC is unchanged on -1.
 */
int ranking_add(struct ranking_acc *acc, const int32_t *recommended, size_t n_rec,
                const int32_t *relevant, size_t n_rel, const double *gains, size_t k,
                char **cause);

/*
 * The means over the users scored by ACC, with its counts, into *OUT.
 * Returns 0, or -1 when no user was scored (every mean is then NaN; the
 * counts are still filled).
 */
int ranking_result(const struct ranking_acc *acc, struct ranking_metrics *out);

/*
 * The mean silhouette of a clustering, as scikit-learn 1.2's
 * silhouette_score with the Euclidean distance: for each row, a is the
 * mean distance to the other rows of its cluster, b the smallest mean
 * distance to the rows of another cluster, s = (b - a) / max(a, b), and s =
 * 0 for a row alone in its cluster (or when a = b = 0); the score is the
 * mean of s over the rows. X holds N rows of D values, row i at X + i * LDX;
 * LABELS the cluster codes (0..K-1; codes absent from the rows are fine).
 *
 * When SAMPLE_SIZE is 0 or at least N, every row is used: O(N^2 D) time
 * (by blocks of rows through BLAS) and O(N D) memory. Otherwise the score
 * is that of SAMPLE_SIZE rows drawn without replacement, as scikit-learn's
 * sample_size: the rows that gsl_ran_choose() picks with gsl_rng_mt19937
 * seeded with SEED folded to 32 bits (low word XOR high word), so the same
 * seed gives the same rows and the same score.
 *
 * Returns 0 with the score in *SCORE, or -1 with a new message in *CAUSE
 * (the caller frees it; CAUSE may be NULL) when N or D is 0, LDX < D, a
 * value is not finite, a code is out of range, or the rows used hold fewer
 * than 2 clusters or as many clusters as rows (scikit-learn's condition).
 */
int metrics_silhouette(const double *X, size_t n, size_t d, size_t ldx, const int *labels,
                       size_t k, size_t sample_size, uint64_t seed, double *score,
                       char **cause);

/*
 * The adjusted Rand index of two partitions of N rows, as scikit-learn
 * 1.2's adjusted_rand_score(TRUTH, PRED): from the pair counts, 1 when the
 * partitions agree on every pair (including N = 1), about 0 for chance, at
 * least -0.5. TRUTH holds codes 0..K_TRUTH-1 and PRED 0..K_PRED-1; the
 * index does not depend on how either numbers its groups. O(N) time and
 * memory when K_TRUTH * K_PRED is small, else O(N log N) by sorting.
 * Returns 0 with the index in *ARI, or -1 with a new message in *CAUSE (the
 * caller frees it; CAUSE may be NULL) when N is 0 or a code is out of range.
 */
int metrics_adjusted_rand(const int *truth, size_t k_truth, const int *pred, size_t k_pred,
                          size_t n, double *ari, char **cause);

/*
 * A paired t-test on the N differences D[i] = score of model A - score of
 * model B on the same folds.
 */
struct ttest_result {
    size_t n;        /* differences */
    double mean, sd; /* of the differences; sd with the n - 1 denominator */
    double t, df, p; /* statistic, degrees of freedom (n - 1), two-sided p-value */
};

/*
 * Nadeau and Bengio's (2003) corrected resampled t-test, as Weka's
 * Experimenter uses it (PairedCorrectedTTester):
 *     t = mean(D) / sqrt((1/N + TEST_TRAIN_RATIO) * var(D)),  df = N - 1,
 * p = 2 * gsl_cdf_tdist_Q(|t|, df). TEST_TRAIN_RATIO is rows tested / rows
 * trained on: 1/(k-1) for k-fold cross-validation (also when repeated r
 * times, N = r*k); Weka takes the total test rows over the total training
 * rows. A ratio of 0 gives the plain paired t-test. When every difference is
 * equal (var(D) = 0): all zero gives t = NaN (0/0) and p = 1, as Weka (no
 * evidence of a difference); a non-zero constant gives t = ±infinity (the
 * sign of the mean) and p = 0, as Weka. Returns 0 with *OUT filled, or -1
 * with a new message in *CAUSE (the caller frees it; CAUSE may be NULL)
 * when N < 2, a difference is not finite or the ratio is negative or not
 * finite.
 */
int metrics_corrected_ttest(const double *d, size_t n, double test_train_ratio,
                            struct ttest_result *out, char **cause);

/*
 * The plain paired t-test (Student's, as R's t.test(a, b, paired = TRUE)):
 * t = mean(D) / (sd(D) / sqrt(N)), which overstates significance on
 * cross-validation folds because their training sets overlap; see
 * metrics_corrected_ttest(), whose conventions and errors it shares.
 */
int metrics_paired_ttest(const double *d, size_t n, struct ttest_result *out, char **cause);

#endif
