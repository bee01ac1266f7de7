/*
 * drift.c - the built-in drift statistics of `drift REF CUR`: psi, ks,
 * chi2, wasserstein and missing, one module around the maths of
 * drift-stats.c (compiled in).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each statistic judges one column alone, by drift_judge()'s rule: below
 * min_n values on either side "too few rows"; else "drift" only when p <
 * alpha and the effect size reaches its threshold (or, for PSI, the index
 * reaches psi_large), "moderate" for a significant PSI past psi_moderate,
 * "stable" otherwise. Severity is the effect size over its threshold, so 1
 * means "at the threshold". The distributions each returns are what the
 * report draws for a flagged column.
 */
#include <config.h>

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <aiwb/plugin.h>

#include "drift-stats.h"

static const struct aiwb_host_api *api;

/* Equal-width bins drawn for the statistics that bin nothing (KS, W1):
 * Sturges' number for the larger sample, within these bounds. */
#define DRAW_MIN_BINS 5
#define DRAW_MAX_BINS 30

/* The options every statistic shares; their defaults are
 * drift_thresholds_init()'s (tests/unit/test-drift-plugin.c checks). */
#define OPT_MIN_N                                                                                  \
    {                                                                                              \
        .name = "min_n", .type = AIWB_OPT_INT, .def = "100", .min = 1, .max = INT32_MAX,           \
        .help = "fewer values than this on either side: no verdict, \"too few rows\""              \
    }
#define OPT_ALPHA                                                                                  \
    {                                                                                              \
        .name = "alpha", .type = AIWB_OPT_REAL, .def = "0.01", .min = 0, .max = 1,                 \
        .flags = AIWB_OPT_MIN_EXCLUSIVE | AIWB_OPT_MAX_EXCLUSIVE,                                  \
        .help = "a change counts only if its p-value is below alpha"                               \
    }

/* ---- helpers --------------------------------------------------------------- */

/* The thresholds of OPTS for the statistic OWN: the defaults, overridden by
 * the options it declares (asking for another would be logged as a bug). */
static void
read_thresholds(const struct aiwb_options *o, struct drift_thresholds *t, const char *own)
{
    drift_thresholds_init(t);
    t->min_n = (size_t)api->opt_int(o, "min_n");
    t->alpha = api->opt_real(o, "alpha");
    if (strcmp(own, "psi") == 0) {
        t->psi_moderate = api->opt_real(o, "psi_moderate");
        t->psi_large = api->opt_real(o, "psi_large");
    } else if (strcmp(own, "ks") == 0) {
        t->ks_d = api->opt_real(o, "ks_d");
    } else if (strcmp(own, "chi2") == 0) {
        t->cramer_v = api->opt_real(o, "cramer_v");
    } else if (strcmp(own, "missing") == 0) {
        t->missing_h = api->opt_real(o, "missing_h");
    }
}

/* Check T; AIWB_EINVAL with *cause naming statistic NAME if unusable. */
static int
check_thresholds(const char *name, const struct drift_thresholds *t, char **cause)
{
    const char *why = drift_thresholds_check(t);

    if (why == NULL)
        return AIWB_OK;
    *cause = api->format("%s: %s", name, why);
    return AIWB_EINVAL;
}

static enum aiwb_drift_verdict
verdict_of(enum drift_verdict v)
{
    switch (v) {
    case DRIFT_MODERATE:
        return AIWB_DRIFT_MODERATE;
    case DRIFT_DRIFT:
        return AIWB_DRIFT_DRIFT;
    case DRIFT_TOO_FEW:
        return AIWB_DRIFT_TOO_FEW;
    case DRIFT_STABLE:
        break;
    }
    return AIWB_DRIFT_STABLE;
}

/* Non-missing values of X[N]. */
static size_t
count_values(const double *x, size_t n)
{
    size_t k = 0;

    for (size_t i = 0; i < n; i++)
        k += !isnan(x[i]);
    return k;
}

static size_t
count_codes(const int32_t *x, size_t n)
{
    size_t k = 0;

    for (size_t i = 0; i < n; i++)
        k += x[i] != AIWB_NA_CODE;
    return k;
}

/* Refuse an infinite value of the column (the statistics need finite
 * numbers): AIWB_EDATA with *cause naming the sample and row. */
static int
check_finite(const char *name, const struct aiwb_drift_column *col, char **cause)
{
    for (int s = 0; s < 2; s++) {
        const double *x = s == 0 ? col->ref : col->cur;
        size_t n = s == 0 ? col->n_ref : col->n_cur;

        for (size_t i = 0; i < n; i++) {
            if (isinf(x[i])) {
                *cause = api->format("%s: column '%s' holds an infinite value (row %zu of the "
                                     "%s sample); drift needs finite numbers",
                                     name, col->name, i + 1, s == 0 ? "reference" : "current");
                return AIWB_EDATA;
            }
        }
    }
    return AIWB_OK;
}

static int
out_of_memory(const char *name, char **cause)
{
    *cause = api->format("%s: out of memory", name);
    return AIWB_ENOMEM;
}

/* Too few values to compute anything: NaN numbers, verdict TOO_FEW. */
static void
too_few(struct aiwb_drift_result *res, const char *effect_name)
{
    res->statistic = res->p = res->effect = NAN;
    res->effect_name = effect_name;
    res->severity = 0;
    res->verdict = AIWB_DRIFT_TOO_FEW;
}

/* Room for NBINS shares of each sample in RES (and NBINS + 1 edges, or
 * NBINS labels, by KIND). */
static void
dist_alloc(struct aiwb_drift_result *res, enum aiwb_drift_dist kind, size_t nbins)
{
    res->dist = kind;
    res->nbins = nbins;
    if (kind == AIWB_DRIFT_DIST_BINS)
        res->edges = api->calloc(nbins + 1, sizeof *res->edges);
    else
        res->labels = api->calloc(nbins, sizeof *res->labels);
    res->ref_share = api->calloc(nbins, sizeof *res->ref_share);
    res->cur_share = api->calloc(nbins, sizeof *res->cur_share);
}

/*
 * The two numeric samples in equal-width bins over their common range, for
 * the statistics that do not bin (the chart only): [from, to) each, the last
 * closed. A single value gets one bin a unit wide around it.
 */
static void
dist_equal_width(struct aiwb_drift_result *res, const struct aiwb_drift_column *col, size_t nr,
                 size_t nc)
{
    double lo = INFINITY, hi = -INFINITY, width;
    size_t nbins, most = nr > nc ? nr : nc;

    for (int s = 0; s < 2; s++) {
        const double *x = s == 0 ? col->ref : col->cur;
        size_t n = s == 0 ? col->n_ref : col->n_cur;

        for (size_t i = 0; i < n; i++) {
            if (isnan(x[i]))
                continue;
            lo = x[i] < lo ? x[i] : lo;
            hi = x[i] > hi ? x[i] : hi;
        }
    }
    nbins = (size_t)ceil(log2((double)most)) + 1;
    nbins = nbins < DRAW_MIN_BINS ? DRAW_MIN_BINS : nbins > DRAW_MAX_BINS ? DRAW_MAX_BINS : nbins;
    if (lo == hi) {
        nbins = 1;
        lo -= 0.5;
        hi += 0.5;
    }
    dist_alloc(res, AIWB_DRIFT_DIST_BINS, nbins);
    width = (hi - lo) / (double)nbins;
    for (size_t b = 0; b <= nbins; b++)
        res->edges[b] = b == nbins ? hi : lo + width * (double)b;
    for (int s = 0; s < 2; s++) {
        const double *x = s == 0 ? col->ref : col->cur;
        size_t n = s == 0 ? col->n_ref : col->n_cur;
        double *share = s == 0 ? res->ref_share : res->cur_share;
        double total = (double)(s == 0 ? nr : nc);

        for (size_t i = 0; i < n; i++) {
            size_t b;

            if (isnan(x[i]))
                continue;
            b = (size_t)((x[i] - lo) / width);
            share[b < nbins ? b : nbins - 1] += 1.0 / total;
        }
    }
}

/* The levels present in either sample, with each sample's share of its
 * non-missing values (NR, NC), as the chart's categories. */
static void
dist_levels(struct aiwb_drift_result *res, const struct aiwb_drift_column *col, size_t nr,
            size_t nc)
{
    size_t *count = api->calloc(2 * col->nlevels + 1, sizeof *count), k = 0;

    for (size_t i = 0; i < col->n_ref; i++)
        if (col->ref_codes[i] != AIWB_NA_CODE)
            count[col->ref_codes[i]]++;
    for (size_t i = 0; i < col->n_cur; i++)
        if (col->cur_codes[i] != AIWB_NA_CODE)
            count[col->nlevels + (size_t)col->cur_codes[i]]++;
    for (size_t l = 0; l < col->nlevels; l++)
        k += count[l] + count[col->nlevels + l] > 0;
    dist_alloc(res, AIWB_DRIFT_DIST_LEVELS, k);
    k = 0;
    for (size_t l = 0; l < col->nlevels; l++) {
        if (count[l] + count[col->nlevels + l] == 0)
            continue;
        res->labels[k] = api->strdup(col->levels[l]);
        res->ref_share[k] = (double)count[l] / (double)nr;
        res->cur_share[k] = (double)count[col->nlevels + l] / (double)nc;
        k++;
    }
    api->free(count);
}

/* Whether codes run within the column's levels (the host guarantees it;
 * drift-stats refuses otherwise, which would read as a bad option). */
static int
codes_ok(const char *name, const struct aiwb_drift_column *col, char **cause)
{
    for (int s = 0; s < 2; s++) {
        const int32_t *x = s == 0 ? col->ref_codes : col->cur_codes;
        size_t n = s == 0 ? col->n_ref : col->n_cur;

        for (size_t i = 0; i < n; i++) {
            if (x[i] != AIWB_NA_CODE && (x[i] < 0 || (size_t)x[i] >= col->nlevels)) {
                *cause = api->format("%s: column '%s' has code %ld at row %zu, outside its %zu "
                                     "levels",
                                     name, col->name, (long)x[i], i + 1, col->nlevels);
                return AIWB_EINVAL;
            }
        }
    }
    return AIWB_OK;
}

/* ---- psi ------------------------------------------------------------------- */

/*
 * The quantile bins as drawable edges: the inner edges, then the open ends
 * closed at the smallest and largest value seen. An end that would have no
 * width (the smallest value is the first edge: ties at the bottom) is drawn
 * a tenth of the inner range wide, or 0.5 when there is none.
 */
static void
psi_draw_bins(struct aiwb_drift_result *res, const struct drift_binning *b)
{
    double first = b->edges[0], last = b->edges[b->nbins - 2];
    double pad = last > first ? (last - first) / 10 : 0.5;

    dist_alloc(res, AIWB_DRIFT_DIST_BINS, b->nbins);
    res->edges[0] = b->min < first ? b->min : first - pad;
    for (size_t k = 1; k < b->nbins; k++)
        res->edges[k] = b->edges[k - 1];
    res->edges[b->nbins] = b->max > last ? b->max : last + pad;
    for (size_t k = 0; k < b->nbins; k++) {
        res->ref_share[k] = (double)b->count_ref[k] / (double)b->n_ref;
        res->cur_share[k] = (double)b->count_cur[k] / (double)b->n_cur;
    }
}

static int
psi_numeric(const struct aiwb_options *o, const struct drift_thresholds *t,
            const struct aiwb_drift_column *col, struct aiwb_drift_result *res, char **cause)
{
    size_t bins = (size_t)api->opt_int(o, "bins"), nr, nc;
    double eps = api->opt_real(o, "eps");
    struct drift_binning b;
    struct drift_chisq chi;
    struct drift_psi psi;
    int rc;

    if ((rc = check_finite("psi", col, cause)) < 0)
        return rc;
    if (bins == 10)
        res->binning = api->strdup("10 bins at the reference's deciles, right-closed, open ends");
    else
        res->binning = api->format("%zu bins at the reference's %zu-quantiles, right-closed, "
                                   "open ends",
                                   bins, bins);
    nr = count_values(col->ref, col->n_ref);
    nc = count_values(col->cur, col->n_cur);
    if (nr == 0 || nc == 0) {
        too_few(res, "PSI");
        return AIWB_OK;
    }
    if (drift_psi_numeric(col->ref, col->n_ref, col->cur, col->n_cur, bins, eps, &psi) < 0 ||
        drift_psi_binning(col->ref, col->n_ref, col->cur, col->n_cur, bins, &b) < 0)
        return out_of_memory("psi", cause);
    rc = drift_chisq_counts(b.count_ref, b.count_cur, b.nbins, &chi);
    psi_draw_bins(res, &b);
    drift_binning_release(&b);
    if (rc < 0)
        return out_of_memory("psi", cause);
    res->statistic = res->effect = psi.psi;
    res->p = chi.p;
    res->effect_name = "PSI";
    res->severity = psi.psi / t->psi_large;
    res->verdict = verdict_of(drift_judge(t, nr, nc, chi.p, NAN, 1, psi.psi));
    res->text = api->format("%zu bins%s, %zu empty on a side; p: chi-square on the bins", psi.bins,
                            psi.bins < bins ? " (ties merged edges)" : "", psi.empty);
    return AIWB_OK;
}

static int
psi_levels(const struct aiwb_options *o, const struct drift_thresholds *t,
           const struct aiwb_drift_column *col, struct aiwb_drift_result *res, char **cause)
{
    double eps = api->opt_real(o, "eps");
    struct drift_chisq chi;
    struct drift_psi psi;
    size_t nr, nc;
    int rc;

    if ((rc = codes_ok("psi", col, cause)) < 0)
        return rc;
    res->binning = api->strdup("one bin per level");
    nr = count_codes(col->ref_codes, col->n_ref);
    nc = count_codes(col->cur_codes, col->n_cur);
    if (nr == 0 || nc == 0) {
        too_few(res, "PSI");
        return AIWB_OK;
    }
    if (drift_psi_levels(col->ref_codes, col->n_ref, col->cur_codes, col->n_cur, col->nlevels, eps,
                         &psi) < 0 ||
        drift_chisq(col->ref_codes, col->n_ref, col->cur_codes, col->n_cur, col->nlevels, &chi) < 0)
        return out_of_memory("psi", cause);
    dist_levels(res, col, nr, nc);
    res->statistic = res->effect = psi.psi;
    res->p = chi.p;
    res->effect_name = "PSI";
    res->severity = psi.psi / t->psi_large;
    res->verdict = verdict_of(drift_judge(t, nr, nc, chi.p, NAN, 1, psi.psi));
    res->text = api->format("%zu levels, %zu empty on a side; p: chi-square on the levels",
                            psi.bins, psi.empty);
    return AIWB_OK;
}

static int
psi_compare(const struct aiwb_options *o, const struct aiwb_drift_column *col,
            struct aiwb_drift_result *res, char **cause)
{
    struct drift_thresholds t;
    int rc;

    read_thresholds(o, &t, "psi");
    if ((rc = check_thresholds("psi", &t, cause)) < 0)
        return rc;
    if (col->type == AIWB_NUMERIC)
        return psi_numeric(o, &t, col, res, cause);
    return psi_levels(o, &t, col, res, cause);
}

static const struct aiwb_option_spec psi_options[] = {
    OPT_MIN_N,
    OPT_ALPHA,
    {.name = "bins",
     .type = AIWB_OPT_INT,
     .def = "10",
     .min = 2,
     .max = 1000,
     .help = "numeric columns: bins at the reference's quantiles k/bins (10: deciles)"},
    {.name = "psi_moderate",
     .type = AIWB_OPT_REAL,
     .def = "0.1",
     .min = 0,
     .max = INFINITY,
     .flags = AIWB_OPT_MIN_EXCLUSIVE,
     .help = "a significant PSI from this on is a moderate change"},
    {.name = "psi_large",
     .type = AIWB_OPT_REAL,
     .def = "0.25",
     .min = 0,
     .max = INFINITY,
     .flags = AIWB_OPT_MIN_EXCLUSIVE,
     .help = "a significant PSI from this on is drift"},
    {.name = "eps",
     .type = AIWB_OPT_REAL,
     .def = "0.0001",
     .min = 0,
     .max = 1,
     .flags = AIWB_OPT_MIN_EXCLUSIVE | AIWB_OPT_MAX_EXCLUSIVE,
     .help = "the share an empty bin counts as (its logarithm would be infinite)"},
    {.name = NULL},
};

static const struct aiwb_drift_type psi_type = {
    .abi_version = AIWB_ABI_VERSION,
    .size = sizeof(struct aiwb_drift_type),
    .name = "psi",
    .summary = "population stability index over the reference's deciles or the levels",
    .help = "PSI = sum over bins of (c - r) ln(c / r), r and c the shares of the\n"
            "reference and current values in the bin; an empty bin's share counts as eps.\n"
            "Read conventionally: below 0.1 stable, 0.1 to 0.25 moderate, 0.25 and up a\n"
            "large shift. Binning: numeric columns in bins at the reference's quantiles\n"
            "k/bins (numpy's default quantile, type 7), right-closed, the first and last\n"
            "open-ended so current values outside the reference's range count; equal\n"
            "edges (ties in the reference) merge into one. Categorical columns: one bin\n"
            "per level present in either sample. Missing values are left out.\n"
            "Verdict: the p-value is Pearson's chi-square test of homogeneity on the same\n"
            "bins (PSI has no test of its own); drift when p < alpha and PSI >= psi_large,\n"
            "moderate when p < alpha and PSI >= psi_moderate, else stable; too few rows\n"
            "below min_n values on either side. The effect size is PSI itself.",
    .options = psi_options,
    .flags = AIWB_DRIFT_NUMERIC | AIWB_DRIFT_CATEGORICAL,
    .compare = psi_compare,
};

/* ---- ks -------------------------------------------------------------------- */

static int
ks_compare(const struct aiwb_options *o, const struct aiwb_drift_column *col,
           struct aiwb_drift_result *res, char **cause)
{
    struct drift_thresholds t;
    struct drift_ks ks;
    size_t nr, nc;
    int rc;

    read_thresholds(o, &t, "ks");
    if ((rc = check_thresholds("ks", &t, cause)) < 0 || (rc = check_finite("ks", col, cause)) < 0)
        return rc;
    nr = count_values(col->ref, col->n_ref);
    nc = count_values(col->cur, col->n_cur);
    if (nr == 0 || nc == 0) {
        too_few(res, "D");
        return AIWB_OK;
    }
    if (drift_ks(col->ref, col->n_ref, col->cur, col->n_cur, &ks) < 0)
        return out_of_memory("ks", cause);
    dist_equal_width(res, col, nr, nc);
    res->statistic = res->effect = ks.d;
    res->p = ks.p;
    res->effect_name = "D";
    res->severity = ks.d / t.ks_d;
    res->verdict = verdict_of(drift_judge(&t, nr, nc, ks.p, ks.d, t.ks_d, NAN));
    res->text = api->strdup(ks.exact ? "exact p" : "asymptotic p");
    return AIWB_OK;
}

static const struct aiwb_option_spec ks_options[] = {
    OPT_MIN_N,
    OPT_ALPHA,
    {.name = "ks_d",
     .type = AIWB_OPT_REAL,
     .def = "0.1",
     .min = 0,
     .max = 1,
     .flags = AIWB_OPT_MIN_EXCLUSIVE,
     .help = "the KS statistic D from which a significant change is drift"},
    {.name = NULL},
};

static const struct aiwb_drift_type ks_type = {
    .abi_version = AIWB_ABI_VERSION,
    .size = sizeof(struct aiwb_drift_type),
    .name = "ks",
    .summary = "two-sample Kolmogorov-Smirnov test: D and its p-value (numeric columns)",
    .help = "D = sup |F_ref - F_cur|, the largest distance between the two empirical\n"
            "CDFs; no binning. The two-sided p-value is scipy's ks_2samp method='auto':\n"
            "exact up to 10000 values a side, else the asymptotic distribution. D is also\n"
            "the effect size. Verdict: drift when p < alpha and D >= ks_d, else stable;\n"
            "too few rows below min_n values on either side. Missing values are left out.\n"
            "The chart draws both samples in equal-width bins over their common range.",
    .options = ks_options,
    .flags = AIWB_DRIFT_NUMERIC,
    .compare = ks_compare,
};

/* ---- chi2 ------------------------------------------------------------------ */

static int
chi2_compare(const struct aiwb_options *o, const struct aiwb_drift_column *col,
             struct aiwb_drift_result *res, char **cause)
{
    struct drift_thresholds t;
    struct drift_chisq chi;
    size_t nr, nc;
    int rc;

    read_thresholds(o, &t, "chi2");
    if ((rc = check_thresholds("chi2", &t, cause)) < 0 || (rc = codes_ok("chi2", col, cause)) < 0)
        return rc;
    res->binning = api->strdup("one cell per level");
    nr = count_codes(col->ref_codes, col->n_ref);
    nc = count_codes(col->cur_codes, col->n_cur);
    if (nr == 0 || nc == 0) {
        too_few(res, "Cramér's V");
        return AIWB_OK;
    }
    if (drift_chisq(col->ref_codes, col->n_ref, col->cur_codes, col->n_cur, col->nlevels, &chi) < 0)
        return out_of_memory("chi2", cause);
    dist_levels(res, col, nr, nc);
    res->statistic = chi.chi2;
    res->p = chi.p;
    res->effect = chi.v;
    res->effect_name = "Cramér's V";
    res->severity = chi.v / t.cramer_v;
    res->verdict = verdict_of(drift_judge(&t, nr, nc, chi.p, chi.v, t.cramer_v, NAN));
    res->text = api->format("%zu levels, %g degree%s of freedom", chi.levels, chi.dof,
                            chi.dof == 1 ? "" : "s");
    return AIWB_OK;
}

static const struct aiwb_option_spec chi2_options[] = {
    OPT_MIN_N,
    OPT_ALPHA,
    {.name = "cramer_v",
     .type = AIWB_OPT_REAL,
     .def = "0.1",
     .min = 0,
     .max = 1,
     .flags = AIWB_OPT_MIN_EXCLUSIVE,
     .help = "Cramér's V from which a significant change is drift"},
    {.name = NULL},
};

static const struct aiwb_drift_type chi2_type = {
    .abi_version = AIWB_ABI_VERSION,
    .size = sizeof(struct aiwb_drift_type),
    .name = "chi2",
    .summary = "chi-square test of homogeneity of the levels, with Cramér's V",
    .help = "Pearson's chi-square on the 2 x L table of level counts (the two samples by\n"
            "the L levels present in either; one cell per level, no other binning),\n"
            "without Yates' correction, p from the chi-square distribution with L - 1\n"
            "degrees of freedom (gsl_cdf_chisq_Q). The effect size is Cramér's V =\n"
            "sqrt(chi2 / n). Verdict: drift when p < alpha and V >= cramer_v, else\n"
            "stable; too few rows below min_n values on either side. Missing values are\n"
            "left out (the missing statistic compares their rates).",
    .options = chi2_options,
    .flags = AIWB_DRIFT_CATEGORICAL,
    .compare = chi2_compare,
};

/* ---- wasserstein ----------------------------------------------------------- */

static int
w1_compare(const struct aiwb_options *o, const struct aiwb_drift_column *col,
           struct aiwb_drift_result *res, char **cause)
{
    double threshold = api->opt_real(o, "w1_sd");
    struct drift_thresholds t;
    struct drift_w1 w;
    struct drift_ks ks;
    size_t nr, nc;
    int rc;

    read_thresholds(o, &t, "wasserstein");
    if ((rc = check_thresholds("wasserstein", &t, cause)) < 0 ||
        (rc = check_finite("wasserstein", col, cause)) < 0)
        return rc;
    nr = count_values(col->ref, col->n_ref);
    nc = count_values(col->cur, col->n_cur);
    if (nr == 0 || nc == 0) {
        too_few(res, "W1/sd");
        return AIWB_OK;
    }
    if (drift_wasserstein(col->ref, col->n_ref, col->cur, col->n_cur, &w) < 0 ||
        drift_ks(col->ref, col->n_ref, col->cur, col->n_cur, &ks) < 0)
        return out_of_memory("wasserstein", cause);
    dist_equal_width(res, col, nr, nc);
    res->statistic = w.w1;
    res->p = ks.p;
    res->effect = w.w1_sd;
    res->effect_name = "W1/sd";
    res->severity = w.w1_sd / threshold;
    res->verdict = verdict_of(drift_judge(&t, nr, nc, ks.p, w.w1_sd, threshold, NAN));
    res->text = api->format("reference sd %.4g; p: the KS test's", w.sd);
    return AIWB_OK;
}

static const struct aiwb_option_spec w1_options[] = {
    OPT_MIN_N,
    OPT_ALPHA,
    {.name = "w1_sd",
     .type = AIWB_OPT_REAL,
     .def = "0.25",
     .min = 0,
     .max = INFINITY,
     .flags = AIWB_OPT_MIN_EXCLUSIVE,
     .help = "W1 in reference standard deviations from which a significant change is drift"},
    {.name = NULL},
};

static const struct aiwb_drift_type w1_type = {
    .abi_version = AIWB_ABI_VERSION,
    .size = sizeof(struct aiwb_drift_type),
    .name = "wasserstein",
    .summary = "Wasserstein-1 (earth mover's) distance, in the column's unit (numeric columns)",
    .help = "W1 = the integral of |F_ref - F_cur|, the mass times the distance it must\n"
            "move to turn one sample into the other (scipy's wasserstein_distance); no\n"
            "binning. A pure shift by d gives W1 = d. The effect size is W1 over the\n"
            "reference's standard deviation (infinite for a constant reference that\n"
            "moved). W1 has no test of its own: the p-value is the two-sample KS test's.\n"
            "Verdict: drift when p < alpha and W1/sd >= w1_sd, else stable; too few rows\n"
            "below min_n values on either side. The default 0.25 is the shift of a normal\n"
            "sample at which KS's D reaches its own default 0.1, so the two agree on\n"
            "shifts. The chart draws both samples in equal-width bins.",
    .options = w1_options,
    .flags = AIWB_DRIFT_NUMERIC,
    .compare = w1_compare,
};

/* ---- missing --------------------------------------------------------------- */

static int
missing_compare(const struct aiwb_options *o, const struct aiwb_drift_column *col,
                struct aiwb_drift_result *res, char **cause)
{
    struct drift_thresholds t;
    struct drift_missing m;
    int rc;

    read_thresholds(o, &t, "missing");
    if ((rc = check_thresholds("missing", &t, cause)) < 0)
        return rc;
    res->binning = api->strdup("present or missing");
    if (col->n_ref == 0 || col->n_cur == 0) {
        too_few(res, "Cohen's h");
        return AIWB_OK;
    }
    if (col->type == AIWB_NUMERIC)
        rc = drift_missing_numeric(col->ref, col->n_ref, col->cur, col->n_cur, &m);
    else
        rc = drift_missing_levels(col->ref_codes, col->n_ref, col->cur_codes, col->n_cur, &m);
    if (rc < 0) {
        *cause = api->format("missing: cannot count the missing values of '%s'", col->name);
        return AIWB_EINVAL;
    }
    dist_alloc(res, AIWB_DRIFT_DIST_LEVELS, 2);
    res->labels[0] = api->strdup("present");
    res->labels[1] = api->strdup("missing");
    res->ref_share[0] = 1 - m.rate_ref;
    res->ref_share[1] = m.rate_ref;
    res->cur_share[0] = 1 - m.rate_cur;
    res->cur_share[1] = m.rate_cur;
    res->statistic = m.diff;
    res->p = m.p;
    res->effect = m.h;
    res->effect_name = "Cohen's h";
    res->severity = fabs(m.h) / t.missing_h;
    res->verdict = verdict_of(drift_judge_missing(&t, &m));
    res->text = api->format("missing %.3g%% -> %.3g%%", 100 * m.rate_ref, 100 * m.rate_cur);
    return AIWB_OK;
}

static const struct aiwb_option_spec missing_options[] = {
    OPT_MIN_N,
    OPT_ALPHA,
    {.name = "missing_h",
     .type = AIWB_OPT_REAL,
     .def = "0.2",
     .min = 0,
     .max = M_PI,
     .flags = AIWB_OPT_MIN_EXCLUSIVE,
     .help = "|Cohen's h| from which a significant change of the missing rate is drift"},
    {.name = NULL},
};

static const struct aiwb_drift_type missing_type = {
    .abi_version = AIWB_ABI_VERSION,
    .size = sizeof(struct aiwb_drift_type),
    .name = "missing",
    .summary = "change of the missing rate: two-proportion z-test and Cohen's h",
    .help = "The share of missing values in each sample (all rows; binning: present or\n"
            "missing), its change (current - reference, the statistic), the pooled\n"
            "two-proportion z-test's two-sided p-value, and Cohen's h = 2 asin sqrt(cur)\n"
            "- 2 asin sqrt(ref) as the effect size. Verdict: drift when p < alpha and\n"
            "|h| >= missing_h (0.2, Cohen's \"small\"), else stable; too few rows below\n"
            "min_n rows on either side. A column missing everywhere is fine here.",
    .options = missing_options,
    .flags = AIWB_DRIFT_NUMERIC | AIWB_DRIFT_CATEGORICAL,
    .compare = missing_compare,
};

/* ---- the module ------------------------------------------------------------ */

int
aiwb_plugin_init(struct aiwb_plugin *p, const struct aiwb_host_api *host)
{
    static const struct aiwb_drift_type *const types[] = {&psi_type, &ks_type, &chi2_type, &w1_type,
                                                          &missing_type};
    int rc;

    AIWB_PLUGIN_BEGIN(p, host, api, "drift", "1.0.0");
    if (!AIWB_HOST_HAS(api, register_drift)) {
        api->log(AIWB_LOG_ERROR, "drift: this aiwb cannot register drift statistics");
        return AIWB_EABI;
    }
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if ((rc = api->register_drift(p, types[i])) != AIWB_OK)
            return rc;
    return AIWB_OK;
}
