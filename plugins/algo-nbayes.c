/*
 * algo-nbayes.c - naive Bayes classification: Gaussian for numeric
 * features, categorical (Lidstone-smoothed counts) for categorical ones,
 * in one model.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The class of a row is scored by its joint log-likelihood
 *
 *     log P(k) + sum_j log P(x_j | k)
 *
 * where P(x_j | k), for a numeric feature, is the normal density with the
 * class's (weighted) mean and population variance of the feature, plus
 * epsilon = var_smoothing * the largest variance of any numeric feature over
 * all rows (scikit-learn's GaussianNB); for a categorical feature of L
 * levels it is (N_kjl + alpha) / (N_kj + alpha * L), N_kjl the (weighted)
 * count of level l among the class's rows (scikit-learn's CategoricalNB).
 * With only numeric or only categorical features the model is exactly
 * GaussianNB or CategoricalNB; with both, the sum of their log-likelihoods
 * with the prior counted once. The probabilities are the scores normalised
 * in log space (log-sum-exp), so no row underflows to 0/0.
 *
 * A missing value (NaN) is left out: in training it does not count towards
 * its feature's mean, variance or level counts, and in prediction its term
 * is left out of the row's sum, so the row is scored on the features it
 * has (a row with none gets the priors). This is what R's e1071::naiveBayes
 * does (na.action aside); scikit-learn refuses missing values.
 *
 * The priors are the (weighted) class frequencies, or 1/K with
 * priors=uniform. A class without rows of non-zero weight cannot be
 * modelled: it gets probability 0, with a warning. Fitting is one pass
 * over the data: one iterate().
 */
#include <config.h>

#include <inttypes.h>
#include <math.h>
#include <stddef.h>
#include <string.h>

#include <aiwb/plugin.h>

#include "algo-nbayes.h"

static const struct aiwb_host_api *api;

static const char *
target_name(const struct aiwb_problem *prob)
{
    return prob->target_name != NULL ? prob->target_name : "target";
}

/* ---------------------------------------------------------------------------
 * Fitting.
 */

static int
nbayes_init(void *state, const struct aiwb_options *opts, const struct aiwb_problem *prob,
            char **cause)
{
    struct nbayes *s = state;
    const char *priors = api->opt_str(opts, "priors");

    nbayes_clear(s);
    s->var_smoothing = api->opt_real(opts, "var_smoothing");
    s->alpha = api->opt_real(opts, "alpha");
    s->uniform = priors != NULL && strcmp(priors, "uniform") == 0;
    if (!(s->var_smoothing >= 0) || !isfinite(s->var_smoothing)) {
        *cause = api->format("nbayes: var_smoothing must be a number >= 0, not %g",
                             s->var_smoothing);
        return AIWB_EINVAL;
    }
    if (!(s->alpha > 0) || !isfinite(s->alpha)) {
        *cause = api->format("nbayes: alpha must be a number > 0, not %g", s->alpha);
        return AIWB_EINVAL;
    }
    if (prob->n_classes < 2) {
        *cause = api->format("nbayes: the target '%s' has %s: there is nothing to separate",
                             target_name(prob),
                             prob->n_classes == 1 ? "a single class" : "no classes");
        return AIWB_EDATA;
    }
    if (prob->n == 0) {
        *cause = api->format("nbayes: no rows: there is nothing to fit");
        return AIWB_EDATA;
    }
    s->p = prob->p;
    s->K = prob->n_classes;
    s->features = api->calloc(s->p + 1, sizeof(char *));
    s->levels = api->calloc(s->p + 1, sizeof(int64_t));
    for (size_t j = 0; j < s->p; j++) {
        if (prob->feature_names != NULL && prob->feature_names[j] != NULL)
            s->features[j] = api->strdup(prob->feature_names[j]);
        else
            s->features[j] = api->format("x%zu", j + 1);
        s->levels[j] = prob->feature_levels != NULL ? prob->feature_levels[j] : 0;
    }
    s->classes = api->calloc(s->K, sizeof(char *));
    for (size_t k = 0; k < s->K; k++) {
        if (prob->class_names != NULL && prob->class_names[k] != NULL)
            s->classes[k] = api->strdup(prob->class_names[k]);
        else
            s->classes[k] = api->format("%zu", k);
    }
    nbayes_alloc_model(s);
    return AIWB_OK;
}

/* Check every value, count the classes and the missing values. */
static int
check_rows(struct nbayes *s, const struct aiwb_problem *prob, char **cause)
{
    size_t present = 0, last = 0;

    for (size_t i = 0; i < prob->n; i++) {
        const double *x = prob->X + i * prob->ldx, y = prob->y[i];
        double w = prob->w != NULL ? prob->w[i] : 1.0;

        if (!(y >= 0 && y < (double)s->K && y == floor(y))) {
            *cause = api->format("nbayes: row %zu: the target '%s' is %g, not a class code "
                                 "0..%zu",
                                 i + 1, target_name(prob), y, s->K - 1);
            return AIWB_EDATA;
        }
        if (!(w >= 0) || !isfinite(w)) {
            *cause = api->format("nbayes: row %zu: the weight %g is not a finite number >= 0",
                                 i + 1, w);
            return AIWB_EDATA;
        }
        for (size_t j = 0; j < s->p; j++) {
            double v = x[j];

            if (isnan(v)) {
                s->missing++;
            } else if (s->levels[j] == 0 && !isfinite(v)) {
                *cause = api->format("nbayes: row %zu column '%s': %g is not a finite number",
                                     i + 1, s->features[j], v);
                return AIWB_EDATA;
            } else if (s->levels[j] > 0 &&
                       !(v >= 0 && v < (double)s->levels[j] && v == floor(v))) {
                *cause = api->format("nbayes: row %zu column '%s': %g is not a level code "
                                     "0..%" PRId64,
                                     i + 1, s->features[j], v, s->levels[j] - 1);
                return AIWB_EDATA;
            }
        }
        if (w > 0 && s->count[(size_t)y] == 0) {
            present++;
            last = (size_t)y;
        }
        s->count[(size_t)y] += w;
    }
    if (present == 0) {
        *cause = api->format("nbayes: no rows with a non-zero weight: there is nothing to fit");
        return AIWB_EDATA;
    }
    if (present == 1) {
        *cause = api->format("nbayes: the target '%s' has a single class ('%s') in the training "
                             "data: there is nothing to separate",
                             target_name(prob), s->classes[last]);
        return AIWB_EDATA;
    }
    return AIWB_OK;
}

/*
 * Means and variances of numeric feature J by class (two passes, weighted,
 * missing values left out), and over all rows unweighted (for epsilon, as
 * scikit-learn takes it) into *ALLVAR. A class whose values (of non-zero
 * weight) are all equal gets exactly that mean and variance 0, not the
 * rounding of their sum (0.2 29 times has the mean 0.20000000000000007 and
 * the variance 7e-33, which var_smoothing=0 would leave as a spike). A
 * class with no value of the feature gets the pooled mean and variance of
 * the classes that have some. SW and FIRST are K scratch numbers each.
 * Returns how many values the feature has.
 */
static double
gaussian_feature(struct nbayes *s, const struct aiwb_problem *prob, size_t j, double *sw,
                 double *first, double *allvar)
{
    const size_t K = s->K, p = s->p;
    double n = 0, sum = 0, ss = 0, pw = 0, pm = 0, pv = 0;

    for (size_t k = 0; k < K; k++) {
        sw[k] = 0;
        first[k] = NAN; /* the class's value while all are equal, else NaN */
        s->mean[k * p + j] = 0;
        s->var[k * p + j] = 0;
    }
    for (size_t i = 0; i < prob->n; i++) {
        double v = prob->X[i * prob->ldx + j], w = prob->w != NULL ? prob->w[i] : 1.0;
        size_t k = (size_t)prob->y[i];

        if (isnan(v))
            continue;
        if (w > 0) {
            if (sw[k] == 0)
                first[k] = v;
            else if (v != first[k])
                first[k] = NAN;
        }
        sw[k] += w;
        s->mean[k * p + j] += w * v;
        n++;
        sum += v;
    }
    for (size_t k = 0; k < K; k++)
        if (sw[k] > 0)
            s->mean[k * p + j] = isnan(first[k]) ? s->mean[k * p + j] / sw[k] : first[k];
    for (size_t i = 0; i < prob->n; i++) {
        double v = prob->X[i * prob->ldx + j], w = prob->w != NULL ? prob->w[i] : 1.0;
        size_t k = (size_t)prob->y[i];
        double dv, da;

        if (isnan(v))
            continue;
        dv = v - s->mean[k * p + j];
        da = v - sum / n;
        s->var[k * p + j] += w * dv * dv;
        ss += da * da;
    }
    *allvar = n > 0 ? ss / n : 0;
    for (size_t k = 0; k < K; k++) {
        if (sw[k] > 0) {
            s->var[k * p + j] = isnan(first[k]) ? s->var[k * p + j] / sw[k] : 0;
            pw += sw[k];
            pm += sw[k] * s->mean[k * p + j];
        }
    }
    if (pw == 0)
        return n; /* no values of non-zero weight: fit_gaussian refuses that */
    pm /= pw;
    for (size_t k = 0; k < K; k++)
        if (sw[k] > 0)
            pv += sw[k] * (s->var[k * p + j] + (s->mean[k * p + j] - pm) *
                                                   (s->mean[k * p + j] - pm));
    pv /= pw;
    for (size_t k = 0; k < K; k++) {
        if (sw[k] > 0 || s->count[k] == 0)
            continue;
        api->log(AIWB_LOG_WARN,
                 "nbayes: class '%s' has no value of '%s': it gets the feature's pooled mean "
                 "and variance",
                 s->classes[k], s->features[j]);
        s->mean[k * p + j] = pm;
        s->var[k * p + j] = pv;
    }
    return n;
}

/* The Gaussian part: means, variances, epsilon. */
static int
fit_gaussian(struct nbayes *s, const struct aiwb_problem *prob, char **cause)
{
    const size_t K = s->K, p = s->p;
    double *sw = api->alloc(2 * K * sizeof(double)), maxvar = 0;
    int rc = AIWB_OK;

    for (size_t j = 0; j < p; j++) {
        double allvar;

        if (s->levels[j] != 0)
            continue;
        if (gaussian_feature(s, prob, j, sw, sw + K, &allvar) == 0) {
            *cause = api->format("nbayes: feature '%s' has no values in the training rows: "
                                 "there is nothing to learn about it",
                                 s->features[j]);
            rc = AIWB_EDATA;
            goto out;
        }
        maxvar = allvar > maxvar ? allvar : maxvar;
    }
    s->epsilon = s->var_smoothing * maxvar;
    for (size_t j = 0; j < p && rc == AIWB_OK; j++) {
        if (s->levels[j] != 0)
            continue;
        for (size_t k = 0; k < K; k++) {
            if (s->count[k] == 0) {
                s->var[k * p + j] = 1; /* never used: the class has probability 0 */
                continue;
            }
            s->var[k * p + j] += s->epsilon;
            if (!(s->var[k * p + j] > 0)) {
                *cause = api->format("nbayes: feature '%s' is constant in class '%s' and "
                                     "var_smoothing adds nothing to its variance (%s): "
                                     "give var_smoothing > 0 or drop constant features",
                                     s->features[j], s->classes[k],
                                     s->var_smoothing == 0 ? "var_smoothing=0"
                                                           : "every numeric feature is constant");
                rc = AIWB_EDATA;
                break;
            }
        }
    }
out:
    api->free(sw);
    return rc;
}

/* The categorical part: smoothed log-probabilities of the levels. */
static void
fit_categorical(struct nbayes *s, const struct aiwb_problem *prob)
{
    const size_t K = s->K, p = s->p, nl = s->nlogp;

    for (size_t i = 0; i < prob->n; i++) {
        const double *x = prob->X + i * prob->ldx;
        double w = prob->w != NULL ? prob->w[i] : 1.0;
        double *row = s->logp + (size_t)prob->y[i] * nl;

        for (size_t j = 0; j < p; j++)
            if (s->levels[j] > 0 && !isnan(x[j]))
                row[s->offset[j] + (size_t)x[j]] += w;
    }
    for (size_t k = 0; k < K; k++) {
        for (size_t j = 0; j < p; j++) {
            double *lp = s->logp + k * nl + s->offset[j], total = 0;
            const size_t L = (size_t)s->levels[j];

            for (size_t l = 0; l < L; l++)
                total += lp[l] + s->alpha;
            for (size_t l = 0; l < L; l++)
                lp[l] = log(lp[l] + s->alpha) - log(total);
        }
    }
}

/* The priors, with a warning for a class without rows. */
static void
fit_priors(struct nbayes *s)
{
    double total = 0;
    size_t known = 0;

    for (size_t k = 0; k < s->K; k++) {
        total += s->count[k];
        known += s->count[k] > 0;
    }
    for (size_t k = 0; k < s->K; k++) {
        if (s->count[k] == 0) {
            api->log(AIWB_LOG_WARN,
                     "nbayes: class '%s' has no rows in the training data: it gets "
                     "probability 0",
                     s->classes[k]);
            s->log_prior[k] = -HUGE_VAL;
        } else {
            s->log_prior[k] = s->uniform ? -log((double)known) : log(s->count[k] / total);
        }
    }
}

/* The mean (weighted) log-loss on the training rows. */
static double
training_loss(const struct nbayes *s, const struct aiwb_problem *prob)
{
    double *jll = api->alloc(s->K * sizeof(double)), sum = 0, sw = 0;

    for (size_t i = 0; i < prob->n; i++) {
        double w = prob->w != NULL ? prob->w[i] : 1.0, lse, ly;

        if (w == 0)
            continue;
        nbayes_joint(s, prob->X + i * prob->ldx, jll);
        ly = jll[(size_t)prob->y[i]];
        lse = nbayes_normalise(jll, s->K);
        sum += w * (lse - ly);
        sw += w;
    }
    api->free(jll);
    return sum / sw;
}

/* The whole fit, in one iteration. */
static int
nbayes_iterate(void *state, const struct aiwb_problem *prob, struct aiwb_step *step, char **cause)
{
    struct nbayes *s = state;
    int rc;

    if (s->fitted)
        return AIWB_OK;
    if (s->count == NULL) {
        *cause = api->format("nbayes: iterate without a successful init");
        return AIWB_EINVAL;
    }
    rc = check_rows(s, prob, cause);
    if (rc == AIWB_OK)
        rc = fit_gaussian(s, prob, cause);
    if (rc != AIWB_OK)
        return rc;
    fit_categorical(s, prob);
    fit_priors(s);
    nbayes_derive(s);
    s->loss = training_loss(s, prob);
    s->fitted = 1;
    api->step_value(step, "loss", s->loss);
    return AIWB_OK;
}

static int
nbayes_finish(void *state, const struct aiwb_problem *prob, char **cause)
{
    struct nbayes *s = state;

    (void)prob;
    if (!s->fitted) {
        *cause = api->format("nbayes: the model was stopped before it was fitted");
        return AIWB_EINVAL;
    }
    return AIWB_OK;
}

/* One note line from a format; the table copies it. */
static void
note(struct aiwb_table *t, char *text)
{
    api->table_note(t, text);
    api->free(text);
}

/* A row of K numbers under the label LABEL. */
static void
table_row(struct aiwb_table *t, char *label, const double *v, size_t stride, size_t K)
{
    api->table_text(t, label);
    api->free(label);
    for (size_t k = 0; k < K; k++)
        api->table_real(t, v[k * stride]);
}

/* Priors, then per feature the means and standard deviations or the level
 * probabilities, one column per class. */
static int
nbayes_report(const void *state, struct aiwb_table *t)
{
    const struct nbayes *s = state;
    const size_t K = s->K, p = s->p;
    double *v = NULL;
    size_t gauss = 0, cat = 0;

    if (!s->fitted)
        return AIWB_EINVAL;
    v = api->alloc(K * sizeof(double));
    api->table_title(t, "nbayes: priors and class-conditional distributions");
    api->table_column(t, "term", AIWB_TABLE_TEXT);
    for (size_t k = 0; k < K; k++)
        api->table_column(t, s->classes[k], AIWB_TABLE_REAL);
    for (size_t k = 0; k < K; k++)
        v[k] = exp(s->log_prior[k]);
    table_row(t, api->strdup("(prior)"), v, 1, K);
    for (size_t j = 0; j < p; j++) {
        if (s->levels[j] == 0) {
            gauss++;
            table_row(t, api->format("%s: mean", s->features[j]), s->mean + j, p, K);
            for (size_t k = 0; k < K; k++)
                v[k] = sqrt(s->var[k * p + j]);
            table_row(t, api->format("%s: sd", s->features[j]), v, 1, K);
            continue;
        }
        cat++;
        for (int64_t l = 0; l < s->levels[j]; l++) {
            for (size_t k = 0; k < K; k++)
                v[k] = exp(s->logp[k * s->nlogp + s->offset[j] + (size_t)l]);
            table_row(t, api->format("%s: level %" PRId64, s->features[j], l + 1), v, 1, K);
        }
    }
    api->free(v);
    note(t, api->format("%zu Gaussian feature%s (sd includes epsilon = %.6g), %zu categorical "
                        "(alpha = %g); priors %s",
                        gauss, gauss == 1 ? "" : "s", s->epsilon, cat, s->alpha,
                        s->uniform ? "uniform" : "from the class frequencies"));
    if (s->missing > 0)
        note(t, api->format("%zu missing value%s left out of the fit; in prediction a missing "
                            "value is left out of its row's likelihood",
                            s->missing, s->missing == 1 ? " was" : "s were"));
    note(t, api->format("Training log-loss: %.6g", s->loss));
    return AIWB_OK;
}

static int
nbayes_save(const void *state, struct aiwb_writer *w)
{
    const struct nbayes *s = state;
    const size_t K = s->K, p = s->p;
    int rc;

    if (!s->fitted)
        return AIWB_EINVAL;
    rc = api->put_real(w, "var_smoothing", s->var_smoothing);
    if (rc == AIWB_OK)
        rc = api->put_real(w, "alpha", s->alpha);
    if (rc == AIWB_OK)
        rc = api->put_str(w, "priors", s->uniform ? "uniform" : "empirical");
    if (rc == AIWB_OK)
        rc = api->put_strs(w, "features", p, (const char *const *)s->features);
    if (rc == AIWB_OK)
        rc = api->put_strs(w, "classes", K, (const char *const *)s->classes);
    if (rc == AIWB_OK)
        rc = api->put_ints(w, "levels", p, s->levels);
    if (rc == AIWB_OK)
        rc = api->put_reals(w, "count", K, s->count);
    if (rc == AIWB_OK)
        rc = api->put_reals(w, "log_prior", K, s->log_prior);
    if (rc == AIWB_OK)
        rc = api->put_reals(w, "mean", K * p, s->mean);
    if (rc == AIWB_OK)
        rc = api->put_reals(w, "var", K * p, s->var);
    if (rc == AIWB_OK)
        rc = api->put_reals(w, "logp", K * s->nlogp, s->logp);
    if (rc == AIWB_OK)
        rc = api->put_real(w, "epsilon", s->epsilon);
    if (rc == AIWB_OK)
        rc = api->put_real(w, "loss", s->loss);
    if (rc == AIWB_OK)
        rc = api->put_int(w, "missing", (int64_t)s->missing);
    return rc;
}

static const struct aiwb_option_spec nbayes_options[] = {
    {.name = "var_smoothing",
     .type = AIWB_OPT_REAL,
     .def = "1e-9",
     .min = 0,
     .max = INFINITY,
     .help = "added to every Gaussian variance, as a share of the largest variance of a "
             "numeric feature (scikit-learn's GaussianNB)"},
    {.name = "alpha",
     .type = AIWB_OPT_REAL,
     .def = "1.0",
     .min = 0,
     .max = INFINITY,
     .flags = AIWB_OPT_MIN_EXCLUSIVE,
     .help = "added to every count of a categorical level: 1 is Laplace smoothing, less is "
             "Lidstone's (scikit-learn's CategoricalNB)"},
    {.name = "priors",
     .type = AIWB_OPT_CHOICE,
     .def = "empirical",
     .choices = "empirical|uniform",
     .help = "class priors: the (weighted) class frequencies of the training rows, or equal"},
    {.name = NULL},
};

static const struct aiwb_algorithm_type nbayes_type = {
    .abi_version = AIWB_ABI_VERSION,
    .size = sizeof(struct aiwb_algorithm_type),
    .name = "nbayes",
    .summary = "naive Bayes: Gaussian numeric and categorical features, missing values left out",
    .help = "Numeric features are normal within each class (scikit-learn's GaussianNB),\n"
            "categorical ones take smoothed level frequencies (CategoricalNB); a missing\n"
            "value is left out of its row's likelihood, in training and in prediction.",
    .options = nbayes_options,
    .flags = NBAYES_FLAGS,
    .state_version = NBAYES_STATE_VERSION,
    .state_size = sizeof(struct nbayes),
    .init = nbayes_init,
    .iterate = nbayes_iterate,
    .finish = nbayes_finish,
    .n_outputs = nbayes_n_outputs,
    .predict = nbayes_predict,
    .report = nbayes_report,
    .save = nbayes_save,
    .load = nbayes_load,
    .fini = nbayes_fini,
};

/* The module's entry point: registers the "nbayes" algorithm. */
int
aiwb_plugin_init(struct aiwb_plugin *p, const struct aiwb_host_api *host)
{
    AIWB_PLUGIN_BEGIN(p, host, api, "nbayes", "1.0.0");
    algo_nbayes_bind(host);
    return api->register_algorithm(p, &nbayes_type);
}
