/*
 * metrics.h - how good predictions are: RMSE, MAE and R² for regression;
 * accuracy, per-class and macro precision/recall/F1, log-loss, the
 * confusion matrix and ROC AUC for classification.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef AIWB_METRICS_H
#define AIWB_METRICS_H

#include <stddef.h>

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

#endif
