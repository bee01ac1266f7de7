/*
 * transform-pca.c - the pca transform: principal components of the numeric columns by the
 * SVD of the centred (optionally scaled) data, keeping a number of components or a share
 * of the variance; the components replace the numeric columns. This is the fit half
 * (options, fit, save); reading options, loading and projecting live in
 * transform-pca-apply.c.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <config.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_vector.h>

#include <aiwb/plugin.h>

#include "transform-pca.h"

/* Rows per block of the streamed QR: the blocks stay in cache, nothing of size n is kept. */
#define PCA_BLOCK 512

/* Components named in the INFO message before it says "...". */
#define PCA_LOG_MAX 10

static const struct aiwb_host_api *api;

/* The sum of X[0..N-1] with Neumaier's compensation. */
static double
sum_of(const double *x, size_t n)
{
    double sum = 0, comp = 0;

    for (size_t i = 0; i < n; i++) {
        double t = sum + x[i];
        if (fabs(sum) >= fabs(x[i]))
            comp += (sum - t) + x[i];
        else
            comp += (x[i] - t) + sum;
        sum = t;
    }
    return sum + comp;
}

/*
 * The mean and sample sd (ddof 1, as R's prcomp(scale. = TRUE)) of the N >= 2 values X,
 * by the corrected two-pass algorithm (Chan, Golub and LeVeque): the sum of the
 * deviations, compensated, is what the rounded mean missed. A constant column gets its
 * value as mean and sd 1, so that it becomes zeros exactly.
 */
static void
moments(const double *x, size_t n, double *mean, double *sd)
{
    double m, ss = 0, dsum = 0, derr = 0, lo = x[0], hi = x[0];

    for (size_t i = 1; i < n; i++) {
        lo = x[i] < lo ? x[i] : lo;
        hi = x[i] > hi ? x[i] : hi;
    }
    if (lo == hi) {
        *mean = lo;
        *sd = 1;
        return;
    }
    m = sum_of(x, n) / (double)n;
    for (size_t i = 0; i < n; i++) {
        double d = x[i] - m, t = dsum + d;
        ss += d * d;
        if (fabs(dsum) >= fabs(d))
            derr += (dsum - t) + d;
        else
            derr += (d - t) + dsum;
        dsum = t;
    }
    dsum += derr;
    *mean = m;
    *sd = sqrt(fmax(0, (ss - dsum * dsum / (double)n) / (double)(n - 1)));
    if (!(*sd > 0))
        *sd = 1;
}

/*
 * Refuse a fit frame whose numeric columns COLS[0..P-1] hold missing or infinite values,
 * naming the columns (and for missing values their counts and the cure).
 */
static int
check_values(const struct aiwb_frame *in, const size_t *cols, size_t p, char **cause)
{
    size_t n = api->frame_rows(in);
    char *list = NULL;

    for (size_t j = 0; j < p; j++) {
        const double *x = api->frame_numeric(in, cols[j]);
        const char *name = api->frame_col_name(in, cols[j]);
        size_t missing = 0;
        for (size_t i = 0; i < n; i++) {
            if (isinf(x[i])) {
                api->free(list);
                *cause =
                    api->format("pca: column '%s' row %zu holds an infinite value", name, i + 1);
                return AIWB_EDATA;
            }
            missing += isnan(x[i]) != 0;
        }
        if (missing > 0) {
            char *next =
                api->format("%s%s'%s' (%zu)", list ? list : "", list ? ", " : "", name, missing);
            api->free(list);
            list = next;
        }
    }
    if (list == NULL)
        return AIWB_OK;
    *cause = api->format("pca: missing values in %s: impute them first (with impute,pca)", list);
    api->free(list);
    return AIWB_EDATA;
}

/*
 * The triangular factor R of the centred and scaled n x p data Z, in S (p x p), by
 * Householder QR over blocks of PCA_BLOCK rows (gsl_linalg_QR_UR_decomp: the factor so far
 * on top of the next block). Z = QR, so Z's singular values and right singular vectors are
 * R's, with the backward stability of an SVD of Z itself and no p x p covariance formed
 * (which would square the condition number). Returns a GSL status.
 */
static int
triangular_factor(const struct transform_pca *s, const struct aiwb_frame *in, const size_t *cols,
                  gsl_matrix *S)
{
    const size_t n = api->frame_rows(in), p = s->p;
    gsl_matrix *A = gsl_matrix_alloc(PCA_BLOCK, p), *T = gsl_matrix_alloc(p, p);
    int rc = GSL_ENOMEM;

    if (A == NULL || T == NULL)
        goto out;
    gsl_matrix_set_zero(S);
    for (size_t i0 = 0; i0 < n; i0 += PCA_BLOCK) {
        size_t rows = n - i0 < PCA_BLOCK ? n - i0 : PCA_BLOCK;
        gsl_matrix_view block;

        for (size_t j = 0; j < p; j++) {
            const double *x = api->frame_numeric(in, cols[j]) + i0;
            for (size_t r = 0; r < rows; r++)
                A->data[r * A->tda + j] = (x[r] - s->means[j]) / s->scales[j];
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

/* How many components to keep: components=, the fewest reaching variance=, or all R. */
static int
choose_k(struct transform_pca *s, double total, char **cause)
{
    double cum = 0;

    if (s->want_k > 0) {
        if (s->want_k > s->r) {
            *cause = api->format("pca: components=%zu, but %zu numeric column%s and %zu rows "
                                 "give at most %zu",
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
 * Keep the first K columns of V (p x p, sorted by ORDER) as the loadings, each signed so
 * that its entry of largest magnitude (the first of equals) is positive: scikit-learn's
 * svd_flip(u_based_decision=False), so the result does not depend on the SVD's signs.
 */
static void
keep_loadings(struct transform_pca *s, const gsl_matrix *V, const size_t *order)
{
    const size_t p = s->p, k = s->k;

    s->loadings = api->calloc(p * k + 1, sizeof *s->loadings);
    for (size_t c = 0; c < k; c++) {
        size_t col = order[c], best = 0;
        double sign;
        for (size_t j = 1; j < p; j++)
            if (fabs(gsl_matrix_get(V, j, col)) > fabs(gsl_matrix_get(V, best, col)))
                best = j;
        sign = gsl_matrix_get(V, best, col) < 0 ? -1.0 : 1.0;
        for (size_t j = 0; j < p; j++)
            s->loadings[j * k + c] = sign * gsl_matrix_get(V, j, col);
    }
}

/* Log the variance each kept component explains, as shares of the total. */
static void
log_variance(const struct transform_pca *s, double total)
{
    char *list = api->strdup("");
    double kept = 0;

    for (size_t c = 0; c < s->k; c++) {
        kept += s->variance[c];
        if (c < PCA_LOG_MAX) {
            char *next = api->format("%s%sPC%zu %.1f%%", list, c ? ", " : "", c + 1,
                                     100 * s->variance[c] / total);
            api->free(list);
            list = next;
        }
    }
    api->log(AIWB_LOG_INFO, "pca: %zu component%s keep%s %.1f%% of the variance (%s%s)", s->k,
             s->k == 1 ? "" : "s", s->k == 1 ? "s" : "", 100 * kept / total, list,
             s->k > PCA_LOG_MAX ? ", ..." : "");
    api->free(list);
}

/*
 * The SVD of the factor in S (p x p; destroyed) and what follows from it: the explained
 * variances, the number of components kept, their loadings.
 */
static int
decompose(struct transform_pca *s, gsl_matrix *S, char **cause)
{
    const size_t p = s->p;
    gsl_matrix *V = gsl_matrix_alloc(p, p);
    gsl_vector *sv = gsl_vector_alloc(p);
    size_t *order = api->calloc(p + 1, sizeof *order);
    double total = 0;
    int rc = AIWB_ENUMERIC, grc = GSL_ENOMEM;

    /* One-sided Jacobi: singular values to high relative accuracy, small ones too. */
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
    s->variance = api->calloc(s->r + 1, sizeof *s->variance);
    for (size_t c = 0; c < s->r; c++) {
        double d = gsl_vector_get(sv, order[c]);
        s->variance[c] = d * d / (double)(s->n_samples - 1);
        total += s->variance[c];
    }
    if (!(total > 0)) {
        *cause = api->format("pca: every numeric column is constant: there is no variance to "
                             "keep");
        rc = AIWB_EDATA;
        goto out;
    }
    if ((rc = choose_k(s, total, cause)) != AIWB_OK)
        goto out;
    keep_loadings(s, V, order);
    log_variance(s, total);
    rc = AIWB_OK;
out:
    api->free(order);
    gsl_vector_free(sv);
    gsl_matrix_free(V);
    return rc;
}

static int
pca_fit(void *state, const struct aiwb_frame *in, char **cause)
{
    struct transform_pca *s = state;
    size_t n = api->frame_rows(in), pin = api->frame_cols(in);
    size_t *cols = api->calloc(pin + 1, sizeof *cols);
    gsl_matrix *S = NULL;
    int rc, grc;

    transform_pca_clear(s);
    for (size_t c = 0; c < pin; c++)
        if (api->frame_col_type(in, c) == AIWB_NUMERIC)
            cols[s->p++] = c;
    rc = AIWB_EDATA;
    if (s->p == 0) {
        *cause = api->format("pca: there are no numeric columns to fit");
        goto out;
    }
    if (n < 2) {
        *cause = api->format("pca: needs at least 2 rows to fit, not %zu", n);
        goto out;
    }
    if ((rc = check_values(in, cols, s->p, cause)) != AIWB_OK)
        goto out;
    s->n_samples = n;
    s->r = n < s->p ? n : s->p;
    s->names = api->calloc(s->p + 1, sizeof *s->names);
    s->means = api->calloc(s->p + 1, sizeof *s->means);
    s->scales = api->calloc(s->p + 1, sizeof *s->scales);
    for (size_t j = 0; j < s->p; j++) {
        s->names[j] = api->strdup(api->frame_col_name(in, cols[j]));
        moments(api->frame_numeric(in, cols[j]), n, &s->means[j], &s->scales[j]);
        if (!s->scale)
            s->scales[j] = 1;
    }
    S = gsl_matrix_alloc(s->p, s->p);
    grc = S != NULL ? triangular_factor(s, in, cols, S) : GSL_ENOMEM;
    if (grc != GSL_SUCCESS) {
        *cause = api->format("pca: the QR decomposition of %zu x %zu values failed: %s", n, s->p,
                             gsl_strerror(grc));
        rc = grc == GSL_ENOMEM ? AIWB_ENOMEM : AIWB_ENUMERIC;
        goto out;
    }
    rc = decompose(s, S, cause);
out:
    gsl_matrix_free(S);
    api->free(cols);
    if (rc != AIWB_OK)
        transform_pca_clear(s);
    return rc;
}

static int
pca_save(const void *state, struct aiwb_writer *w)
{
    const struct transform_pca *s = state;
    int rc;

    if ((rc = api->put_int(w, "scale", s->scale)) == AIWB_OK &&
        (rc = api->put_int(w, "components", (int64_t)s->want_k)) == AIWB_OK &&
        (rc = api->put_real(w, "variance_share", s->share)) == AIWB_OK &&
        (rc = api->put_int(w, "n_samples", (int64_t)s->n_samples)) == AIWB_OK &&
        (rc = api->put_strs(w, "columns", s->p, (const char *const *)s->names)) == AIWB_OK &&
        (rc = api->put_reals(w, "means", s->p, s->means)) == AIWB_OK &&
        (rc = api->put_reals(w, "scales", s->p, s->scales)) == AIWB_OK &&
        (rc = api->put_reals(w, "explained_variance", s->r, s->variance)) == AIWB_OK &&
        (rc = api->put_int(w, "kept", (int64_t)s->k)) == AIWB_OK)
        rc = api->put_reals(w, "loadings", s->p * s->k, s->loadings);
    return rc;
}

static const struct aiwb_option_spec pca_options[] = {
    {.name = "components",
     .type = AIWB_OPT_INT,
     .min = 1,
     .max = INFINITY,
     .help = "how many components to keep (PC1..PCK), at most the number of numeric columns "
             "and of rows"},
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
     .help = "divide each centred column by its sd (n - 1, as R's prcomp(scale. = TRUE)), so "
             "the components are those of the correlation matrix; a constant column keeps scale 1"},
    {.name = NULL},
};

static const struct aiwb_transform_type pca_type = {
    .abi_version = AIWB_ABI_VERSION,
    .size = sizeof(struct aiwb_transform_type),
    .name = "pca",
    .summary = "replace the numeric columns by their principal components (SVD)",
    .help = "Centres (scale=true: and scales) the numeric columns, and replaces them by the\n"
            "components PC1..PCK of their singular value decomposition (a Householder QR of\n"
            "the rows, then a Jacobi SVD; no covariance matrix is formed). Each component\n"
            "is signed so that its largest loading is positive. The share of variance\n"
            "each explains is logged. Missing values are refused at fit time (impute\n"
            "first); a row with a missing value later gets missing components.\n"
            "Categorical columns pass through.",
    .options = pca_options,
    .flags = TRANSFORM_PCA_FLAGS,
    .state_version = TRANSFORM_PCA_STATE_VERSION,
    .state_size = sizeof(struct transform_pca),
    .init = transform_pca_init,
    .fit = pca_fit,
    .apply = transform_pca_apply,
    .save = pca_save,
    .load = transform_pca_load,
    .fini = transform_pca_fini,
};

/*
 * The module's entry point: declare the module "pca" and register its one transform.
 * Returns AIWB_OK, or the host's refusal (AIWB_EABI, AIWB_EINVAL).
 */
int
aiwb_plugin_init(struct aiwb_plugin *p, const struct aiwb_host_api *host)
{
    AIWB_PLUGIN_BEGIN(p, host, api, "pca", "1.0.0");
    transform_pca_bind(host);
    return api->register_transform(p, &pca_type);
}
