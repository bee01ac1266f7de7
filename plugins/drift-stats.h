/*
 * drift-stats.h - the statistics of `drift REF CUR`: per column, how far the
 * current sample has moved from the reference one, and a verdict.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Pure maths over plain arrays (libc, libm, GSL only; no aiwb host call), so
 * that the drift modules and the host can each compile their own copy.
 *
 * Numeric columns are doubles, NaN meaning missing; missing values are left
 * out of every statistic and only counted for the missing-rate change.
 * Categorical columns are level codes 0 .. NLEVELS-1 (int32), -1 meaning
 * missing. Every function copies what it needs (malloc/free, freed before it
 * returns) and never keeps nor frees the caller's arrays; results are plain
 * structs the caller owns.
 *
 * Errors: DRIFT_EINVAL for bad input (a sample with no non-missing value, an
 * infinite value, a code outside -1 .. NLEVELS-1, a sample of 2^31 values or
 * more, a bad option), DRIFT_ENOMEM when malloc fails. The output struct is
 * left untouched on error.
 *
 * Reference implementations matched (tests/unit/test-drift.c checks each to
 * 1e-6 relative or better against scipy 1.10.1):
 *   drift_ks          scipy.stats.ks_2samp(ref, cur) (alternative='two-sided',
 *                     method='auto')
 *   drift_kstwo_sf    scipy.stats.kstwo.sf(d, n)
 *   drift_wasserstein scipy.stats.wasserstein_distance(ref, cur)
 *   drift_chisq       scipy.stats.chi2_contingency(table, correction=False)
 *                     and scipy.stats.contingency.association(table,
 *                     method='cramer', correction=False)
 *   drift_psi*        numpy (np.quantile, default 'linear') by the formula
 *                     below; PSI has no canonical library implementation
 *   drift_missing     the pooled two-proportion z-test, scipy.stats.norm.sf
 */
#ifndef AIWB_PLUGINS_DRIFT_STATS_H
#define AIWB_PLUGINS_DRIFT_STATS_H

#include <stddef.h>
#include <stdint.h>

#define DRIFT_EINVAL (-1)
#define DRIFT_ENOMEM (-2)

/* Default number of PSI bins for numeric columns: the reference's deciles. */
#define DRIFT_PSI_BINS 10
/*
 * Default share given to an empty PSI bin (in either sample) instead of 0,
 * whose logarithm is infinite: 1e-4, the common practice. Shares are not
 * renormalised afterwards, so an empty bin adds at most about
 * share * ln(share / 1e-4) to the index.
 */
#define DRIFT_PSI_EPS 1e-4

/*
 * Two-sample Kolmogorov-Smirnov test. D = sup |F_ref - F_cur| over the two
 * empirical CDFs (right-continuous, so ties in and across the samples count
 * once, at their value). The p-value follows scipy's method='auto':
 *   - when max(n_ref, n_cur) <= 10000, the exact probability of the lattice
 *     path count (Hodges 1958; Viehmann 2021's recursion for 1 - p when the
 *     sizes differ, the alternating series when they are equal), with D
 *     rounded to a multiple of 1 / lcm(n_ref, n_cur);
 *   - otherwise, or if the exact computation leaves [0, 1], the one-sample
 *     distribution at the effective size, kstwo.sf(D, round(m n / (m + n))).
 */
struct drift_ks {
    size_t n_ref, n_cur; /* non-missing values */
    double d;            /* the statistic, in [0, 1]; also the effect size */
    double p;            /* two-sided p-value */
    int exact;           /* 1 if p came from the exact path count */
};

/*
 * Compare REF[N_REF] with CUR[N_CUR] (NaN skipped) into *OUT. Returns 0, or
 * DRIFT_EINVAL / DRIFT_ENOMEM.
 */
int drift_ks(const double *ref, size_t n_ref, const double *cur, size_t n_cur,
             struct drift_ks *out);

/*
 * The survival function of the two-sided one-sample Kolmogorov-Smirnov
 * statistic D_n at D: P(D_n > d), as scipy.stats.kstwo.sf (Simard and
 * L'Ecuyer 2011: Ruben-Gambino at the edges, Durbin's matrix, Pomeranz's
 * recursion, the exact one-sided Smirnov sum and the Pelz-Good expansion,
 * each where scipy uses it). Returns NaN if N is 0 or D is NaN, or if the
 * work matrix of Durbin's or Pomeranz's method cannot be allocated.
 */
double drift_kstwo_sf(double d, unsigned long n);

/*
 * Wasserstein-1 (earth mover's) distance between the two empirical
 * distributions, the integral of |F_ref - F_cur|, in the column's unit.
 * The effect size divides it by the reference's standard deviation (n - 1
 * denominator): the mean shift that would move the same mass, in reference
 * standard deviations. The standard deviation rather than the IQR because
 * W1 is a mean-type distance (a pure shift by delta gives W1 = delta), and
 * because the IQR is 0 on columns with many ties, which drift often has. If
 * that deviation is 0 (one value, or a constant reference), w1_sd is 0 when
 * w1 is 0 and +inf otherwise.
 */
struct drift_w1 {
    size_t n_ref, n_cur;
    double w1;    /* scipy.stats.wasserstein_distance(ref, cur) */
    double sd;    /* the reference's standard deviation (ddof 1; 0 if n_ref is 1) */
    double w1_sd; /* w1 / sd: the effect size */
};

/* W1 of REF and CUR (NaN skipped) into *OUT. Returns 0, or DRIFT_EINVAL /
 * DRIFT_ENOMEM. */
int drift_wasserstein(const double *ref, size_t n_ref, const double *cur, size_t n_cur,
                      struct drift_w1 *out);

/*
 * Population stability index, sum over bins of (c - r) ln(c / r), r and c
 * the shares of the reference and current samples in the bin, an empty
 * bin's share replaced by EPS. Conventional reading: below 0.1 stable, 0.1
 * to 0.25 moderate, 0.25 and up a large shift.
 *
 * Numeric binning: the edges are the reference's quantiles at k / NBINS,
 * k = 1 .. NBINS-1, by numpy's default definition (np.quantile
 * method='linear', Hyndman and Fan's type 7: h = (n - 1) q, interpolating
 * between the order statistics floor(h) and floor(h) + 1). Equal edges
 * (ties in the reference) are merged into one, so there are as many bins as
 * distinct edges plus one. The bins are right-closed: (-inf, e1], (e1, e2],
 * ..., (e_last, +inf), so a value equal to an edge falls in the bin below it
 * (np.searchsorted(edges, x, side='left')), and the open ends take the
 * current values outside the reference's range.
 */
struct drift_psi {
    size_t n_ref, n_cur;
    size_t bins;  /* bins (or levels) summed over */
    size_t empty; /* of them, those empty in at least one sample */
    double psi;
};

/*
 * PSI of CUR against REF's NBINS quantile bins (NBINS >= 2, EPS in (0, 1);
 * NaN skipped) into *OUT. Returns 0, or DRIFT_EINVAL / DRIFT_ENOMEM.
 */
int drift_psi_numeric(const double *ref, size_t n_ref, const double *cur, size_t n_cur,
                      size_t nbins, double eps, struct drift_psi *out);

/*
 * The binning of drift_psi_numeric, for whoever wants to draw it or test it:
 * NBINS - 1 reference quantiles merged into the distinct inner edges
 * EDGES[0 .. nbins - 2] of NBINS right-closed bins with open ends, and each
 * sample's count per bin. MIN and MAX are the smallest and largest
 * non-missing values of the two samples together.
 */
struct drift_binning {
    size_t nbins;                  /* distinct edges + 1 */
    double *edges;                 /* nbins - 1 inner edges, increasing */
    size_t *count_ref, *count_cur; /* nbins counts each */
    size_t n_ref, n_cur;           /* non-missing values */
    double min, max;
};

/* Bin REF and CUR (NaN skipped) as drift_psi_numeric does into *OUT, whose
 * arrays the caller frees with drift_binning_release(). Returns 0, or
 * DRIFT_EINVAL / DRIFT_ENOMEM. */
int drift_psi_binning(const double *ref, size_t n_ref, const double *cur, size_t n_cur,
                      size_t nbins, struct drift_binning *out);
void drift_binning_release(struct drift_binning *b);

/*
 * PSI over the levels of a categorical column, one bin per level present in
 * either sample (a level absent from both is left out, so adding unused
 * levels changes nothing). Codes in 0 .. NLEVELS-1, -1 skipped. Returns 0,
 * or DRIFT_EINVAL / DRIFT_ENOMEM.
 */
int drift_psi_levels(const int32_t *ref, size_t n_ref, const int32_t *cur, size_t n_cur,
                     size_t nlevels, double eps, struct drift_psi *out);

/*
 * Chi-square test of homogeneity on the 2 x L table of level counts (rows
 * the two samples, columns the L levels present in either), Pearson's
 * statistic without Yates' correction, p from gsl_cdf_chisq_Q with L - 1
 * degrees of freedom. The effect size is Cramér's V = sqrt(chi2 / n) (n the
 * table's total; min(2, L) - 1 = 1). With one level only (L = 1) the two
 * samples cannot differ: chi2 = 0, dof = 0, p = 1, V = 0, as scipy.
 */
struct drift_chisq {
    size_t n_ref, n_cur;
    size_t levels; /* L */
    double chi2;
    double dof;
    double p;
    double v; /* Cramér's V, in [0, 1] */
};

/* The test on REF and CUR (codes 0 .. NLEVELS-1, -1 skipped) into *OUT.
 * Returns 0, or DRIFT_EINVAL / DRIFT_ENOMEM. */
int drift_chisq(const int32_t *ref, size_t n_ref, const int32_t *cur, size_t n_cur, size_t nlevels,
                struct drift_chisq *out);
/* The same test on a 2 x K table of counts given as its rows CR[K] and
 * CC[K] (PSI's bins, say). Returns 0, or DRIFT_EINVAL if a row sums to 0. */
int drift_chisq_counts(const size_t *cr, const size_t *cc, size_t k, struct drift_chisq *out);

/*
 * Missing-rate change: the rates, their difference (cur - ref), the pooled
 * two-proportion z-test (z = diff / sqrt(p (1 - p) (1/n_ref + 1/n_cur)), p
 * the pooled rate; two-sided p-value; p = 1 and z = 0 when the pooled rate
 * is 0 or 1) and Cohen's h = 2 asin sqrt(cur) - 2 asin sqrt(ref) as the
 * effect size. Unlike the other statistics, a column missing everywhere is
 * fine here.
 */
struct drift_missing {
    size_t n_ref, n_cur;       /* all rows */
    size_t miss_ref, miss_cur; /* missing among them */
    double rate_ref, rate_cur;
    double diff;
    double z;
    double p;
    double h;
};

/* From counts: MISS_REF of N_REF rows missing, MISS_CUR of N_CUR. Returns 0,
 * or DRIFT_EINVAL if a sample has no row or a count exceeds its rows. */
int drift_missing(size_t miss_ref, size_t n_ref, size_t miss_cur, size_t n_cur,
                  struct drift_missing *out);
/* Count the NaNs of two numeric columns, then as drift_missing. */
int drift_missing_numeric(const double *ref, size_t n_ref, const double *cur, size_t n_cur,
                          struct drift_missing *out);
/* Count the -1 codes of two categorical columns, then as drift_missing. */
int drift_missing_levels(const int32_t *ref, size_t n_ref, const int32_t *cur, size_t n_cur,
                         struct drift_missing *out);

/*
 * Thresholds of the verdicts (the `drift` options), with their defaults:
 *   min_n        100    fewer non-missing values (rows, for the missing
 *                       rate) on either side: "too few rows", no verdict
 *   alpha        0.01   a difference counts only if p < alpha ...
 *   ks_d         0.1    ... and its effect size reaches its threshold:
 *                       KS D for numeric columns,
 *   cramer_v     0.1    Cramér's V for categorical ones,
 *   missing_h    0.2    |Cohen's h| for the missing rate (Cohen's "small")
 *   psi_moderate 0.1    PSI at which a significant change is "moderate"
 *   psi_large    0.25   PSI at which it is "drift" even if the other effect
 *                       size stays below its threshold
 */
struct drift_thresholds {
    size_t min_n;
    double alpha;
    double ks_d;
    double cramer_v;
    double missing_h;
    double psi_moderate;
    double psi_large;
};

/* Fill *T with the defaults above. */
void drift_thresholds_init(struct drift_thresholds *t);

/* A validator: NULL if T is usable, else a static message saying why not. */
const char *drift_thresholds_check(const struct drift_thresholds *t);

enum drift_verdict {
    DRIFT_STABLE,
    DRIFT_MODERATE,
    DRIFT_DRIFT,
    DRIFT_TOO_FEW,
};

/* "stable", "moderate", "drift", "too few rows" (static strings). */
const char *drift_verdict_name(enum drift_verdict v);

/*
 * The verdict on one column, the rule every kind shares:
 *   - N_REF or N_CUR below t->min_n: DRIFT_TOO_FEW, whatever the numbers;
 *   - P not below t->alpha (or NaN): DRIFT_STABLE, the difference is noise;
 *   - EFFECT >= EFFECT_MIN or PSI >= t->psi_large: DRIFT_DRIFT;
 *   - PSI >= t->psi_moderate: DRIFT_MODERATE;
 *   - otherwise DRIFT_STABLE: significant but too small to matter, which is
 *     what large samples make of a tiny shift.
 * A tiny p-value alone therefore never flags drift. EFFECT is compared by
 * its absolute value; pass PSI = NaN when there is none.
 */
enum drift_verdict drift_judge(const struct drift_thresholds *t, size_t n_ref, size_t n_cur,
                               double p, double effect, double effect_min, double psi);

/* drift_judge with KS's p and D (t->ks_d) and the PSI of a numeric column. */
enum drift_verdict drift_judge_numeric(const struct drift_thresholds *t, const struct drift_ks *ks,
                                       const struct drift_psi *psi);
/* drift_judge with the chi-square's p and V (t->cramer_v) and the levels' PSI. */
enum drift_verdict drift_judge_levels(const struct drift_thresholds *t,
                                      const struct drift_chisq *chi, const struct drift_psi *psi);
/* drift_judge with the z-test's p and |h| (t->missing_h), no PSI, over all rows. */
enum drift_verdict drift_judge_missing(const struct drift_thresholds *t,
                                       const struct drift_missing *m);

#endif
