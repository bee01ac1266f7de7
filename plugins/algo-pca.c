/*
 * algo-pca.c - principal component analysis as a model: fitted once, it reports the
 * explained variance of each component and its loadings, and predicts the component
 * scores of any rows.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The maths is the pca transform's (plugins/transform-pca.c), applied to the design
 * matrix instead of a frame: the features are centred (and with scale=true divided by
 * their sd, n - 1, as R's prcomp(scale. = TRUE)); the triangular factor R of those rows
 * is computed by Householder QR over blocks of PCA_BLOCK rows, so no covariance matrix is
 * formed (which would square the condition number) and nothing of size n is kept; the
 * singular values and right singular vectors of R, which are those of the rows, come
 * from a one-sided Jacobi SVD. The variance of component c is s_c^2 / (n - 1), as
 * prcomp's sdev^2 and scikit-learn's explained_variance_. Each component is signed so
 * that its loading of largest magnitude is positive (the transform's rule), so the
 * result does not depend on the SVD's signs.
 *
 * PCA learns no clusters and no target: the algorithm declares the task
 * AIWB_TASK_DECOMPOSITION, for which predict writes the row's score on each kept
 * component. It is one-shot: the first iterate fits; its "loss" is the mean squared
 * reconstruction error of the training rows (in the centred, scaled units) from the
 * kept components, zero when all are kept.
 */
#include <config.h>

#include <inttypes.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_vector.h>

#include <aiwb/plugin.h>

#include "algo-pca.h"

/* Rows per block of the streamed QR: the blocks stay in cache, nothing of size n is kept. */
#define PCA_BLOCK 512

static const struct aiwb_host_api *api;

/* Refuse what has no principal components: no features, one row, bad values. */
static int
check_problem(const struct aiwb_problem *prob, char **cause)
{
    if (prob->p == 0) {
        *cause = api->format("pca: there are no features to decompose");
        return AIWB_EDATA;
    }
    if (prob->n < 2) {
        *cause = api->format("pca: needs at least 2 rows, the data has %zu", prob->n);
        return AIWB_EDATA;
    }
    for (size_t i = 0; i < prob->n; i++) {
        const double *x = prob->X + i * prob->ldx;
        for (size_t j = 0; j < prob->p; j++) {
            if (!isfinite(x[j])) {
                const char *name = prob->feature_names != NULL ? prob->feature_names[j] : "?";
                *cause = api->format("pca: feature '%s' row %zu holds %s", name, i + 1,
                                     isnan(x[j]) ? "a missing value" : "an infinite value");
                return AIWB_EDATA;
            }
        }
    }
    return AIWB_OK;
}

static int
pca_init(void *state, const struct aiwb_options *opts, const struct aiwb_problem *prob,
         char **cause)
{
    struct pca_model *s = state;
    int by_count = api->opt_given(opts, "components");
    int by_share = api->opt_given(opts, "variance");
    size_t r;
    int rc;

    pca_model_clear(s);
    s->scale = api->opt_bool(opts, "scale");
    s->want_k = by_count ? (size_t)api->opt_int(opts, "components") : 0;
    s->share = by_share ? api->opt_real(opts, "variance") : 0;
    if (by_count && by_share) {
        *cause = api->format("pca: give components= or variance=, not both");
        return AIWB_EINVAL;
    }
    if ((rc = check_problem(prob, cause)) != AIWB_OK)
        return rc;
    r = prob->n < prob->p ? prob->n : prob->p;
    if (s->want_k > r) {
        *cause = api->format("pca: components=%zu, but %zu feature%s and %zu rows give at most "
                             "%zu",
                             s->want_k, prob->p, prob->p == 1 ? "" : "s", prob->n, r);
        return AIWB_EINVAL;
    }
    return AIWB_OK;
}

/*
 * The mean and sample sd (ddof 1) of feature J of PROB's rows, by the corrected
 * two-pass algorithm (the sum of the deviations, compensated, is what the rounded mean
 * missed). A constant feature gets its value as mean and sd 1, so that it becomes zeros
 * exactly.
 */
static void
moments(const struct aiwb_problem *prob, size_t j, double *mean, double *sd)
{
    const size_t n = prob->n, ld = prob->ldx;
    const double *x = prob->X + j;
    double sum = 0, comp = 0, m, ss = 0, dsum = 0, derr = 0, lo = x[0], hi = x[0];

    for (size_t i = 0; i < n; i++) {
        double v = x[i * ld], t = sum + v;
        lo = v < lo ? v : lo;
        hi = v > hi ? v : hi;
        comp += fabs(sum) >= fabs(v) ? (sum - t) + v : (v - t) + sum;
        sum = t;
    }
    if (lo == hi) {
        *mean = lo;
        *sd = 1;
        return;
    }
    m = (sum + comp) / (double)n;
    for (size_t i = 0; i < n; i++) {
        double d = x[i * ld] - m, t = dsum + d;
        ss += d * d;
        derr += fabs(dsum) >= fabs(d) ? (dsum - t) + d : (d - t) + dsum;
        dsum = t;
    }
    dsum += derr;
    *mean = m;
    *sd = sqrt(fmax(0, (ss - dsum * dsum / (double)n) / (double)(n - 1)));
    if (!(*sd > 0))
        *sd = 1;
}

/*
 * The triangular factor R (p x p, into S) of the centred and scaled rows, by
 * Householder QR over blocks of PCA_BLOCK rows (gsl_linalg_QR_UR_decomp: the factor so
 * far on top of the next block). Returns a GSL status.
 */
static int
triangular_factor(const struct pca_model *s, const struct aiwb_problem *prob, gsl_matrix *S)
{
    const size_t n = prob->n, p = s->p;
    gsl_matrix *A = gsl_matrix_alloc(PCA_BLOCK, p), *T = gsl_matrix_alloc(p, p);
    int rc = GSL_ENOMEM;

    if (A == NULL || T == NULL)
        goto out;
    gsl_matrix_set_zero(S);
    for (size_t i0 = 0; i0 < n; i0 += PCA_BLOCK) {
        size_t rows = n - i0 < PCA_BLOCK ? n - i0 : PCA_BLOCK;
        gsl_matrix_view block;

        for (size_t i = 0; i < rows; i++) {
            const double *x = prob->X + (i0 + i) * prob->ldx;
            for (size_t j = 0; j < p; j++)
                A->data[i * A->tda + j] = (x[j] - s->means[j]) / s->scales[j];
        }
        block = gsl_matrix_submatrix(A, 0, 0, rows, p);
        rc = gsl_linalg_QR_UR_decomp(S, &block.matrix, T);
        if (rc != GSL_SUCCESS)
            goto out;
    }
    for (size_t i = 1; i < p; i++) /* below the diagonal is workspace */
        for (size_t j = 0; j < i; j++)
            gsl_matrix_set(S, i, j, 0);
    rc = GSL_SUCCESS;
out:
    gsl_matrix_free(T);
    gsl_matrix_free(A);
    return rc;
}

/* How many components to keep: components=, the fewest reaching variance=, or all. */
static int
choose_k(struct pca_model *s, double total, char **cause)
{
    double cum = 0;

    if (s->want_k > 0) {
        if (s->want_k > s->r) {
            *cause = api->format("pca: components=%zu, but %zu feature%s and %" PRId64
                                 " rows give at most %zu",
                                 s->want_k, s->p, s->p == 1 ? "" : "s", s->n_samples, s->r);
            return AIWB_EINVAL;
        }
        s->k = s->want_k;
        return AIWB_OK;
    }
    s->k = s->r;
    for (size_t c = 0; s->share > 0 && c < s->r; c++) {
        cum += s->variance[c] / total;
        if (cum >= s->share) {
            s->k = c + 1;
            break;
        }
    }
    return AIWB_OK;
}

/*
 * The SVD of the factor in S (p x p; destroyed) and what follows from it: variances,
 * the number of components kept, their signed loadings. Returns AIWB_OK, or a negative
 * status with *cause set.
 */
static int
decompose(struct pca_model *s, gsl_matrix *S, char **cause)
{
    const size_t p = s->p;
    gsl_matrix *V = gsl_matrix_alloc(p, p);
    gsl_vector *sv = gsl_vector_alloc(p);
    size_t *order = api->calloc(p, sizeof(size_t));
    double total = 0, kept = 0;
    int rc = AIWB_ENUMERIC, grc = GSL_ENOMEM;

    if (V != NULL && sv != NULL)
        grc = gsl_linalg_SV_decomp_jacobi(S, V, sv);
    if (grc != GSL_SUCCESS) {
        *cause = api->format("pca: the singular value decomposition failed: %s", gsl_strerror(grc));
        goto out;
    }
    /* Largest first (Jacobi sorts already; this makes it a stated fact, ties stable). */
    for (size_t c = 0; c < p; c++) {
        size_t t = c;
        order[c] = c;
        while (t > 0 && gsl_vector_get(sv, order[t - 1]) < gsl_vector_get(sv, order[t])) {
            size_t u = order[t];
            order[t] = order[t - 1];
            order[t - 1] = u;
            t--;
        }
    }
    s->variance = api->calloc(s->r, sizeof(double));
    for (size_t c = 0; c < s->r; c++) {
        double d = gsl_vector_get(sv, order[c]);
        s->variance[c] = d * d / (double)(s->n_samples - 1);
        total += s->variance[c];
    }
    if (!(total > 0)) {
        *cause = api->format("pca: every feature is constant: there is no variance to "
                             "decompose");
        rc = AIWB_EDATA;
        goto out;
    }
    if ((rc = choose_k(s, total, cause)) != AIWB_OK)
        goto out;
    s->loadings = api->calloc(p * s->k, sizeof(double));
    for (size_t c = 0; c < s->k; c++) {
        size_t col = order[c], big = 0;
        double sign;
        for (size_t j = 1; j < p; j++)
            if (fabs(gsl_matrix_get(V, j, col)) > fabs(gsl_matrix_get(V, big, col)))
                big = j;
        sign = gsl_matrix_get(V, big, col) < 0 ? -1.0 : 1.0;
        for (size_t j = 0; j < p; j++)
            s->loadings[j * s->k + c] = sign * gsl_matrix_get(V, j, col);
        kept += s->variance[c];
    }
    /* The rows' residual sum of squares is (n - 1) times the variance left out. */
    s->loss = fmax(0, total - kept) * (double)(s->n_samples - 1) / (double)s->n_samples;
    rc = AIWB_OK;
out:
    api->free(order);
    gsl_vector_free(sv);
    gsl_matrix_free(V);
    return rc;
}

/* The whole fit. Returns AIWB_OK, or a negative status with *cause set. */
static int
fit(struct pca_model *s, const struct aiwb_problem *prob, char **cause)
{
    gsl_matrix *S = NULL;
    int rc, grc;

    if ((rc = check_problem(prob, cause)) != AIWB_OK)
        return rc;
    pca_model_clear(s);
    s->p = prob->p;
    s->n_samples = (int64_t)prob->n;
    s->r = prob->n < s->p ? prob->n : s->p;
    s->features = api->calloc(s->p, sizeof(char *));
    s->means = api->calloc(s->p, sizeof(double));
    s->scales = api->calloc(s->p, sizeof(double));
    for (size_t j = 0; j < s->p; j++) {
        const char *name = prob->feature_names != NULL ? prob->feature_names[j] : NULL;
        s->features[j] = name != NULL ? api->strdup(name) : api->format("x%zu", j + 1);
        moments(prob, j, &s->means[j], &s->scales[j]);
        if (!s->scale)
            s->scales[j] = 1;
    }
    S = gsl_matrix_alloc(s->p, s->p);
    grc = S != NULL ? triangular_factor(s, prob, S) : GSL_ENOMEM;
    if (grc != GSL_SUCCESS) {
        *cause = api->format("pca: the QR decomposition of %zu x %zu values failed: %s",
                             prob->n, s->p, gsl_strerror(grc));
        gsl_matrix_free(S);
        return grc == GSL_ENOMEM ? AIWB_ENOMEM : AIWB_ENUMERIC;
    }
    rc = decompose(s, S, cause);
    gsl_matrix_free(S);
    if (rc != AIWB_OK)
        return rc;
    s->fitted = 1;
    return AIWB_OK;
}

/* The share of the variance the kept components explain. */
static double
kept_share(const struct pca_model *s)
{
    double total = 0, kept = 0;

    for (size_t c = 0; c < s->r; c++) {
        total += s->variance[c];
        kept += c < s->k ? s->variance[c] : 0;
    }
    return kept / total;
}

/* One-shot: the first iterate fits. */
static int
pca_iterate(void *state, const struct aiwb_problem *prob, struct aiwb_step *step, char **cause)
{
    struct pca_model *s = state;
    int rc;

    if (s->fitted)
        return AIWB_OK;
    if ((rc = fit(s, prob, cause)) != AIWB_OK)
        return rc;
    api->step_value(step, "loss", s->loss);
    api->step_value(step, "explained", kept_share(s));
    return AIWB_OK;
}

/* Fit now if the host stopped before the first iterate: the model must be usable. */
static int
pca_finish(void *state, const struct aiwb_problem *prob, char **cause)
{
    struct pca_model *s = state;

    return s->fitted ? AIWB_OK : fit(s, prob, cause);
}

/*
 * "reconstruction_error": the mean over the rows of the squared distance (centred and
 * scaled units) between a row and its projection on the kept components;
 * "explained": the share of the rows' sum of squares about the training means that the
 * projection keeps.
 */
static int
pca_score(const void *state, size_t n, const double *X, size_t ldx, struct aiwb_step *out)
{
    const struct pca_model *s = state;
    const size_t p = s->p, k = s->k;
    double *T, rss = 0, tss = 0;
    int rc;

    if (!s->fitted)
        return AIWB_EINVAL;
    T = api->alloc((n ? n : 1) * k * sizeof(double));
    rc = pca_model_predict(s, n, X, ldx, T);
    for (size_t i = 0; i < n && rc == AIWB_OK; i++) {
        const double *x = X + i * ldx;
        for (size_t j = 0; j < p; j++) {
            double back = 0, z = (x[j] - s->means[j]) / s->scales[j];
            for (size_t c = 0; c < k; c++)
                back += T[i * k + c] * s->loadings[j * k + c];
            rss += (z - back) * (z - back);
            tss += z * z;
        }
    }
    api->free(T);
    if (rc != AIWB_OK)
        return rc;
    api->step_value(out, "reconstruction_error", n > 0 ? rss / (double)n : 0);
    api->step_value(out, "explained", tss > 0 ? 1 - rss / tss : 1);
    return AIWB_OK;
}

/* One note line from a format; the table copies it. */
static void
note(struct aiwb_table *t, char *text)
{
    api->table_note(t, text);
    api->free(text);
}

/* The explained variance of each component, its share, the cumulative share, and the
 * loadings of the features. */
static int
pca_report(const void *state, struct aiwb_table *t)
{
    const struct pca_model *s = state;
    double total = 0, cum = 0;

    if (!s->fitted)
        return AIWB_EINVAL;
    for (size_t c = 0; c < s->r; c++)
        total += s->variance[c];
    api->table_title(t, "pca: explained variance and loadings");
    api->table_column(t, "component", AIWB_TABLE_TEXT);
    api->table_column(t, "sd", AIWB_TABLE_REAL);
    api->table_column(t, "variance", AIWB_TABLE_REAL);
    api->table_column(t, "share", AIWB_TABLE_REAL);
    api->table_column(t, "cumulative", AIWB_TABLE_REAL);
    for (size_t j = 0; j < s->p; j++)
        api->table_column(t, s->features[j], AIWB_TABLE_REAL);
    for (size_t c = 0; c < s->k; c++) {
        char *name = api->format("PC%zu", c + 1);
        cum += s->variance[c];
        api->table_text(t, name);
        api->free(name);
        api->table_real(t, sqrt(s->variance[c]));
        api->table_real(t, s->variance[c]);
        api->table_real(t, s->variance[c] / total);
        api->table_real(t, cum / total);
        for (size_t j = 0; j < s->p; j++)
            api->table_real(t, s->loadings[j * s->k + c]);
    }
    note(t, api->format("%zu of %zu component%s kept, explaining %.4g %% of the variance of the "
                        "%s features (%" PRId64 " rows)",
                        s->k, s->r, s->r == 1 ? "" : "s", 100 * cum / total,
                        s->scale ? "centred and scaled" : "centred", s->n_samples));
    note(t, api->strdup("Variance: s^2 / (n - 1) of each singular value s (R's prcomp sdev^2); "
                        "the loading columns are the components' directions, signed so that "
                        "their largest entry is positive"));
    return AIWB_OK;
}

static int
pca_save(const void *state, struct aiwb_writer *w)
{
    const struct pca_model *s = state;
    int rc;

    if (!s->fitted)
        return AIWB_EINVAL;
    if ((rc = api->put_int(w, "scale", s->scale)) == AIWB_OK &&
        (rc = api->put_int(w, "components", (int64_t)s->want_k)) == AIWB_OK &&
        (rc = api->put_real(w, "variance_share", s->share)) == AIWB_OK &&
        (rc = api->put_int(w, "n_samples", s->n_samples)) == AIWB_OK &&
        (rc = api->put_strs(w, "features", s->p, (const char *const *)s->features)) ==
            AIWB_OK &&
        (rc = api->put_reals(w, "means", s->p, s->means)) == AIWB_OK &&
        (rc = api->put_reals(w, "scales", s->p, s->scales)) == AIWB_OK &&
        (rc = api->put_reals(w, "explained_variance", s->r, s->variance)) == AIWB_OK &&
        (rc = api->put_int(w, "kept", (int64_t)s->k)) == AIWB_OK &&
        (rc = api->put_reals(w, "loadings", s->p * s->k, s->loadings)) == AIWB_OK)
        rc = api->put_real(w, "loss", s->loss);
    return rc;
}

static const struct aiwb_option_spec pca_options[] = {
    {.name = "components",
     .type = AIWB_OPT_INT,
     .min = 1,
     .max = INFINITY,
     .help = "how many components to keep (PC1..PCK), at most the number of features and "
             "of rows"},
    {.name = "variance",
     .type = AIWB_OPT_REAL,
     .min = 0,
     .max = 1,
     .flags = AIWB_OPT_MIN_EXCLUSIVE,
     .help = "keep the fewest components whose explained variance reaches this share of the "
             "total (variance=0.95); every component when neither this nor components= is given"},
    {.name = "scale",
     .type = AIWB_OPT_BOOL,
     .def = "false",
     .help = "divide each centred feature by its sd (n - 1, as R's prcomp(scale. = TRUE)), so "
             "the components are those of the correlation matrix; a constant feature keeps "
             "scale 1"},
    {.name = NULL},
};

static const struct aiwb_algorithm_type pca_type = {
    .abi_version = AIWB_ABI_VERSION,
    .size = sizeof(struct aiwb_algorithm_type),
    .name = "pca",
    .summary = "principal components as a model: explained variance, loadings, scores",
    .help = "Centres (scale=true: and scales) the features and finds their principal\n"
            "components by a singular value decomposition (Householder QR of the rows, then\n"
            "a Jacobi SVD; no covariance matrix is formed), as R's prcomp and scikit-learn's\n"
            "PCA. The report shows each component's variance, its share and the cumulative\n"
            "share, and the loadings; predict gives each row's scores on the components\n"
            "kept. To feed components to another model, use the pca transform instead\n"
            "(train ... with pca).",
    .options = pca_options,
    .flags = ALGO_PCA_FLAGS,
    .state_version = ALGO_PCA_STATE_VERSION,
    .state_size = sizeof(struct pca_model),
    .init = pca_init,
    .iterate = pca_iterate,
    .finish = pca_finish,
    .n_outputs = pca_model_n_outputs,
    .predict = pca_model_predict,
    .report = pca_report,
    .save = pca_save,
    .load = pca_model_load,
    .fini = pca_model_fini,
    .score = pca_score,
};

/*
 * The module's entry point: declares the module "pca-model" (the pca transform's module
 * is "pca") and registers the algorithm "pca". Returns AIWB_OK, or the host's refusal
 * (AIWB_EABI, AIWB_EINVAL).
 */
int
aiwb_plugin_init(struct aiwb_plugin *p, const struct aiwb_host_api *host)
{
    AIWB_PLUGIN_BEGIN(p, host, api, "pca-model", "1.0.0");
    algo_pca_bind(host);
    return api->register_algorithm(p, &pca_type);
}
