/*
 * algo-kmeans.c - k-means clustering: Lloyd's algorithm from k-means++ (or random, or the
 * first k rows) starting centres, the best of several restarts, step for step as
 * scikit-learn's KMeans(algorithm='lloyd').
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The rows are copied once, minus their mean (scikit-learn does the same: distances
 * computed as ||c||^2 - 2 x.c lose less to cancellation near the origin). One Lloyd
 * iteration takes the rows in blocks of KM_CHUNK (fewer for a very large k): the block's
 * products with every centre by one dgemm, the nearest centre of each row, and the sums
 * of each cluster's rows, while the block is still in cache; so one iteration reads the
 * data from memory once. The dgemm multiplies by the centres transposed (p x k) rather
 * than by the centres with a "transpose" flag: for such a product of a few columns
 * OpenBLAS then runs its small-matrix kernel, which reads the rows where they are instead
 * of first copying every block into its packed format (that copy was a third of the
 * iteration). Then:
 *
 *  - a cluster left empty gets the row farthest from its centre (farthest first when
 *    several are empty), taken from the cluster that row was in: scikit-learn's
 *    relocation; the model's report says how often it happened;
 *  - the new centres are the means of their rows;
 *  - the restart stops when no row changed cluster, or when the squared shifts of the
 *    centres sum to at most tol times the mean (population) variance of the features,
 *    or after max_iter iterations; unless no row changed, the rows are then assigned once
 *    more, so that the clusters are those of the final centres (scikit-learn's rule).
 *
 * Each iterate() is one Lloyd iteration of the current restart (the first of a restart
 * also chooses its centres), so Ctrl-C acts within one pass over the data. Its "loss" is
 * the inertia of that assignment: the sum of squared distances of the rows to the
 * centres they were assigned to (scikit-learn's verbose output); the iterate that ends a
 * restart reports instead the restart's final inertia (computed directly as
 * sum ||x - c||^2, not by the expansion), and the last one the inertia of the restart
 * kept, the one whose final inertia is lowest: the model's.
 *
 * k-means++ is scikit-learn's greedy variant: each new centre is the best, by the
 * inertia it would give, of 2 + floor(ln k) rows drawn with probability proportional to
 * their squared distance to the nearest centre so far. The random numbers come from
 * GSL's mt19937 seeded with the problem's seed folded to 32 bits (low word XOR high
 * word), so a seed gives the same clusters every time, but not scikit-learn's (numpy's
 * generator differs).
 */
#include <config.h>

#include <inttypes.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_rng.h>

#include <aiwb/plugin.h>

#include "algo-kmeans.h"

/* Rows per block of an assignment step: scikit-learn's chunk, and the block, its
 * distances and the centres then stay in the first levels of cache ... */
#define KM_CHUNK 256
/* ... unless k is so large that the block's distances would pass this many values. */
#define KM_BLOCK_VALUES (1u << 17)

/* Rows per block for K centres: KM_CHUNK, fewer for a very large k. */
static size_t
block_rows(size_t k)
{
    size_t rows = KM_BLOCK_VALUES / k;

    return rows > KM_CHUNK ? KM_CHUNK : rows > 0 ? rows : 1;
}

static const struct aiwb_host_api *api;

/* What exists only while training. */
struct kmeans_train {
    size_t n;
    double *X;           /* n x p: the rows minus their mean */
    double *xnorm;       /* n: their squared norms */
    double total_ss;     /* sum of xnorm: the total sum of squares */
    double tol;          /* the option tol times the mean variance of the features */
    double *C, *Cnew;    /* k x p: the centres before and after a step */
    double *Ct;          /* p x k: C transposed */
    double *cnorm;       /* k: squared norms of C */
    double *counts;      /* k: rows per cluster in the step */
    size_t block;        /* rows per block (block_rows) */
    double *D;           /* block x k: distances of a block less the rows' norms */
    size_t *start;       /* k + 1: where each cluster's rows of a block end in bucket */
    uint32_t *bucket;    /* block: the rows of a block by cluster */
    int32_t *lab, *prev; /* n: the step's clusters and the previous step's */
    double *dist;        /* n: workspace (relocation, k-means++) */
    double *cand;        /* n x trials: k-means++ candidates' distances */
    gsl_rng *rng;
    /* The current restart, number `finished` (0-based). */
    int started;     /* it has centres */
    int64_t iter;    /* its Lloyd iterations so far */
    /* The best finished restart. */
    int have_best;
    double *best;        /* k x p centres */
    double *best_sizes;  /* k */
    double *best_within; /* k */
    double best_inertia;
    int64_t best_iter;
    int best_converged;
    int64_t finished;    /* restarts finished */
    int64_t unconverged; /* of those, how many ran out of max_iter */
    int64_t relocated;   /* empty clusters given a far row, over all restarts */
    double last_inertia; /* of the restart finished last */
};

static void
train_free(struct kmeans_train *tr)
{
    if (tr == NULL)
        return;
    api->free(tr->X);
    api->free(tr->xnorm);
    api->free(tr->C);
    api->free(tr->Cnew);
    api->free(tr->Ct);
    api->free(tr->cnorm);
    api->free(tr->counts);
    api->free(tr->D);
    api->free(tr->start);
    api->free(tr->bucket);
    api->free(tr->lab);
    api->free(tr->prev);
    api->free(tr->dist);
    api->free(tr->cand);
    api->free(tr->best);
    api->free(tr->best_sizes);
    api->free(tr->best_within);
    if (tr->rng != NULL)
        gsl_rng_free(tr->rng);
    api->free(tr);
}

/* Free what the state owns, the training part too, and zero everything but the options. */
static void
state_clear(struct kmeans *s)
{
    train_free(s->tr);
    s->tr = NULL;
    kmeans_clear(s);
}

/* Squared distance of A and B (N values), summed four terms at a time as scikit-learn's
 * _euclidean_dense_dense, so that shifts and inertias round as there. */
static inline double
sqdist(const double *a, const double *b, size_t n)
{
    double r = 0;
    size_t i = 0;

    for (; i + 4 <= n; i += 4)
        r += (a[i] - b[i]) * (a[i] - b[i]) + (a[i + 1] - b[i + 1]) * (a[i + 1] - b[i + 1]) +
             (a[i + 2] - b[i + 2]) * (a[i + 2] - b[i + 2]) +
             (a[i + 3] - b[i + 3]) * (a[i + 3] - b[i + 3]);
    for (; i < n; i++)
        r += (a[i] - b[i]) * (a[i] - b[i]);
    return r;
}

/* The 32-bit seed of a 64-bit one: low word XOR high word (as split and gen). */
static unsigned long
fold(uint64_t seed)
{
    return (unsigned long)((seed & 0xffffffffu) ^ (seed >> 32));
}

/* ---------------------------------------------------------------------------
 * Setting up.
 */

/* Refuse what k-means cannot work on: no features, too few rows, infinite values. */
static int
check_problem(const struct kmeans *s, const struct aiwb_problem *prob, char **cause)
{
    if (prob->p == 0) {
        *cause = api->format("kmeans: there are no features to cluster on");
        return AIWB_EDATA;
    }
    if (prob->n < s->k) {
        *cause = api->format("kmeans: k=%zu clusters need at least %zu rows, the data has %zu",
                             s->k, s->k, prob->n);
        return AIWB_EDATA;
    }
    for (size_t i = 0; i < prob->n; i++) {
        const double *x = prob->X + i * prob->ldx;
        for (size_t j = 0; j < prob->p; j++) {
            if (!isfinite(x[j])) {
                const char *name =
                    prob->feature_names != NULL ? prob->feature_names[j] : "?";
                *cause = api->format("kmeans: feature '%s' row %zu holds %s", name, i + 1,
                                     isnan(x[j]) ? "a missing value" : "an infinite value");
                return AIWB_EDATA;
            }
        }
    }
    return AIWB_OK;
}

/* The centred copy of the rows, their norms, the mean, and the absolute tolerance. */
static void
centre_rows(struct kmeans *s, struct kmeans_train *tr, const struct aiwb_problem *prob)
{
    const size_t n = prob->n, p = s->p;
    double var = 0;

    for (size_t j = 0; j < p; j++)
        s->mean[j] = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < p; j++)
            s->mean[j] += prob->X[i * prob->ldx + j];
    for (size_t j = 0; j < p; j++)
        s->mean[j] /= (double)n;
    tr->total_ss = 0;
    for (size_t i = 0; i < n; i++) {
        const double *x = prob->X + i * prob->ldx;
        double *xc = tr->X + i * p, nrm = 0;
        for (size_t j = 0; j < p; j++) {
            xc[j] = x[j] - s->mean[j];
            nrm += xc[j] * xc[j];
        }
        tr->xnorm[i] = nrm;
        tr->total_ss += nrm;
    }
    /* mean_j var(X[:, j]) = total_ss / (n p), the rows being centred. */
    var = tr->total_ss / ((double)n * (double)p);
    tr->tol = s->tol * var;
}

static int
kmeans_init(void *state, const struct aiwb_options *opts, const struct aiwb_problem *prob,
            char **cause)
{
    struct kmeans *s = state;
    const char *init = api->opt_str(opts, "init");
    struct kmeans_train *tr;
    size_t n = prob->n, k, p = prob->p;
    int rc;

    state_clear(s);
    s->k = (size_t)api->opt_int(opts, "k");
    s->init = INIT_KMEANSPP;
    for (size_t i = 0; init != NULL && i < KMEANS_N_INITS; i++)
        if (strcmp(init, kmeans_init_names[i]) == 0)
            s->init = (enum kmeans_init)i;
    s->restarts = api->opt_int(opts, "restarts");
    s->max_iter = api->opt_int(opts, "max_iter");
    s->tol = api->opt_real(opts, "tol");
    if (s->init == INIT_FIRST && s->restarts > 1) {
        /* The same centres every time: one restart is all there is to run. */
        if (api->opt_given(opts, "restarts"))
            api->log(AIWB_LOG_INFO, "kmeans: init=first gives the same centres every time: "
                                    "running one restart, not %" PRId64,
                     s->restarts);
        s->restarts = 1;
    }
    if ((rc = check_problem(s, prob, cause)) != AIWB_OK)
        return rc;
    k = s->k;
    s->p = p;
    s->features = api->calloc(p, sizeof(char *));
    for (size_t j = 0; j < p; j++) {
        const char *name = prob->feature_names != NULL ? prob->feature_names[j] : NULL;
        s->features[j] = name != NULL ? api->strdup(name) : api->format("x%zu", j + 1);
    }
    s->mean = api->calloc(p, sizeof(double));
    s->n_samples = (int64_t)n;
    s->tr = tr = api->calloc(1, sizeof(*tr));
    tr->n = n;
    tr->X = api->alloc(n * p * sizeof(double));
    tr->xnorm = api->alloc(n * sizeof(double));
    tr->C = api->calloc(k * p, sizeof(double));
    tr->Cnew = api->calloc(k * p, sizeof(double));
    tr->Ct = api->calloc(k * p, sizeof(double));
    tr->cnorm = api->calloc(k, sizeof(double));
    tr->counts = api->calloc(k, sizeof(double));
    tr->block = block_rows(k);
    tr->D = api->alloc(tr->block * k * sizeof(double));
    tr->start = api->alloc((k + 1) * sizeof(size_t));
    tr->bucket = api->alloc(tr->block * sizeof(uint32_t));
    tr->lab = api->alloc(n * sizeof(int32_t));
    tr->prev = api->alloc(n * sizeof(int32_t));
    tr->dist = api->alloc(n * sizeof(double));
    tr->best = api->calloc(k * p, sizeof(double));
    tr->best_sizes = api->calloc(k, sizeof(double));
    tr->best_within = api->calloc(k, sizeof(double));
    tr->rng = gsl_rng_alloc(gsl_rng_mt19937);
    if (tr->rng == NULL) {
        *cause = api->format("kmeans: out of memory for the random number generator");
        return AIWB_ENOMEM;
    }
    gsl_rng_set(tr->rng, fold(prob->seed));
    centre_rows(s, tr, prob);
    return AIWB_OK;
}

/* ---------------------------------------------------------------------------
 * Choosing the starting centres.
 */

/* The first k rows. */
static void
init_first(const struct kmeans *s, struct kmeans_train *tr)
{
    memcpy(tr->C, tr->X, s->k * s->p * sizeof(double));
}

/* k distinct rows drawn uniformly (Floyd's algorithm: k draws, whatever n). */
static void
init_random(const struct kmeans *s, struct kmeans_train *tr)
{
    const size_t n = tr->n, k = s->k, p = s->p;
    size_t *pick = api->alloc(k * sizeof(size_t)), m = 0;

    for (size_t j = n - k; j < n; j++) {
        size_t t = (size_t)gsl_rng_uniform_int(tr->rng, (unsigned long)j + 1);
        int seen = 0;
        for (size_t i = 0; i < m && !seen; i++)
            seen = pick[i] == t;
        pick[m++] = seen ? j : t;
    }
    for (size_t c = 0; c < k; c++)
        memcpy(tr->C + c * p, tr->X + pick[c] * p, p * sizeof(double));
    api->free(pick);
}

/*
 * OUT[i * t + j] = squared distance of row i to row IDS[j] (j < T), by the expansion
 * ||x||^2 + ||y||^2 - 2 x.y with a dgemm a block of rows at a time, clipped at zero
 * (scikit-learn's euclidean_distances). Returns a GSL status.
 */
static int
distances_to_rows(const struct kmeans *s, struct kmeans_train *tr, const size_t *ids, size_t t,
                  double *out)
{
    const size_t n = tr->n, p = s->p;
    double *Y = api->alloc(t * p * sizeof(double));
    int rc = GSL_SUCCESS;

    for (size_t j = 0; j < t; j++)
        memcpy(Y + j * p, tr->X + ids[j] * p, p * sizeof(double));
    gsl_matrix_const_view Yv = gsl_matrix_const_view_array(Y, t, p);
    for (size_t i0 = 0; i0 < n && rc == GSL_SUCCESS; i0 += KM_CHUNK) {
        size_t rows = n - i0 < KM_CHUNK ? n - i0 : KM_CHUNK;
        gsl_matrix_const_view Xv = gsl_matrix_const_view_array(tr->X + i0 * p, rows, p);
        gsl_matrix_view Ov = gsl_matrix_view_array(out + i0 * t, rows, t);

        rc = gsl_blas_dgemm(CblasNoTrans, CblasTrans, -2.0, &Xv.matrix, &Yv.matrix, 0.0,
                            &Ov.matrix);
        for (size_t i = i0; i < i0 + rows && rc == GSL_SUCCESS; i++)
            for (size_t j = 0; j < t; j++) {
                double d = out[i * t + j] + tr->xnorm[i] + tr->xnorm[ids[j]];
                out[i * t + j] = d > 0 ? d : 0;
            }
    }
    api->free(Y);
    return rc;
}

/* The first index whose cumulative sum reaches R (numpy's searchsorted, side left),
 * at most N - 1. */
static size_t
search_cumsum(const double *cum, size_t n, double r)
{
    size_t lo = 0, hi = n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cum[mid] < r)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n ? lo : n - 1;
}

/* scikit-learn's greedy k-means++ (see the top of the file). Returns a GSL status. */
static int
init_kmeanspp(const struct kmeans *s, struct kmeans_train *tr)
{
    const size_t n = tr->n, k = s->k, p = s->p;
    const size_t t = 2 + (size_t)log((double)k);
    double *closest = tr->dist, *cum = api->alloc(n * sizeof(double)), pot = 0;
    size_t ids[64], first;
    int rc;

    if (tr->cand == NULL)
        tr->cand = api->alloc(n * t * sizeof(double));
    first = (size_t)gsl_rng_uniform_int(tr->rng, (unsigned long)n);
    memcpy(tr->C, tr->X + first * p, p * sizeof(double));
    rc = distances_to_rows(s, tr, &first, 1, closest);
    for (size_t i = 0; i < n; i++)
        pot += closest[i];
    for (size_t c = 1; c < k && rc == GSL_SUCCESS; c++) {
        double run = 0, best_pot = HUGE_VAL;
        size_t best = 0;

        for (size_t i = 0; i < n; i++)
            cum[i] = run += closest[i];
        for (size_t j = 0; j < t; j++)
            ids[j] = search_cumsum(cum, n, gsl_rng_uniform(tr->rng) * pot);
        if ((rc = distances_to_rows(s, tr, ids, t, tr->cand)) != GSL_SUCCESS)
            break;
        for (size_t j = 0; j < t; j++) {
            double sum = 0;
            for (size_t i = 0; i < n; i++) {
                double d = tr->cand[i * t + j];
                sum += d < closest[i] ? d : closest[i];
            }
            if (sum < best_pot) {
                best_pot = sum;
                best = j;
            }
        }
        for (size_t i = 0; i < n; i++) {
            double d = tr->cand[i * t + best];
            if (d < closest[i])
                closest[i] = d;
        }
        pot = best_pot;
        memcpy(tr->C + c * p, tr->X + ids[best] * p, p * sizeof(double));
    }
    api->free(cum);
    return rc;
}

/* Centres for the next restart; the previous labels forgotten. Returns a GSL status. */
static int
start_restart(const struct kmeans *s, struct kmeans_train *tr)
{
    int rc = GSL_SUCCESS;

    switch (s->init) {
    case INIT_FIRST:
        init_first(s, tr);
        break;
    case INIT_RANDOM:
        init_random(s, tr);
        break;
    case INIT_KMEANSPP:
        rc = init_kmeanspp(s, tr);
        break;
    }
    for (size_t i = 0; i < tr->n; i++)
        tr->prev[i] = -1;
    tr->iter = 0;
    tr->started = 1;
    return rc;
}

/* ---------------------------------------------------------------------------
 * Lloyd's iteration.
 */

/*
 * The squared norms of the K centres C (k x p) into CNORM, and C transposed into CT
 * (p x k): the product of a block of rows with CT is a plain (NoTrans, NoTrans) dgemm of
 * a few columns, which OpenBLAS computes without first copying the rows into its packed
 * format (its "small matrix" kernels); with C itself it would pack every block.
 */
static void
centre_norms(size_t k, size_t p, const double *C, double *Ct, double *cnorm)
{
    for (size_t c = 0; c < k; c++) {
        double nrm = 0;
        for (size_t j = 0; j < p; j++) {
            nrm += C[c * p + j] * C[c * p + j];
            Ct[j * k + c] = C[c * p + j];
        }
        cnorm[c] = nrm;
    }
}

/*
 * ACC[0..P-1] += the sum of the M rows IDX[] of X (stride P). Four features of two rows
 * at a time into eight independent sums, so that the additions overlap instead of
 * waiting for each other (and for the store of the previous row), as a row-by-row
 * `acc[j] += x[j]` would.
 */
static void
add_rows(const double *X, size_t p, const uint32_t *idx, size_t m, double *acc)
{
    size_t j = 0;

    for (; j + 4 <= p; j += 4) {
        double a0 = 0, a1 = 0, a2 = 0, a3 = 0, b0 = 0, b1 = 0, b2 = 0, b3 = 0;
        size_t t = 0;
        for (; t + 2 <= m; t += 2) {
            const double *x = X + idx[t] * p + j, *y = X + idx[t + 1] * p + j;
            a0 += x[0];
            a1 += x[1];
            a2 += x[2];
            a3 += x[3];
            b0 += y[0];
            b1 += y[1];
            b2 += y[2];
            b3 += y[3];
        }
        if (t < m) {
            const double *x = X + idx[t] * p + j;
            a0 += x[0];
            a1 += x[1];
            a2 += x[2];
            a3 += x[3];
        }
        acc[j] += a0 + b0;
        acc[j + 1] += a1 + b1;
        acc[j + 2] += a2 + b2;
        acc[j + 3] += a3 + b3;
    }
    for (; j < p; j++) {
        double a = 0, b = 0;
        size_t t = 0;
        for (; t + 2 <= m; t += 2) {
            a += X[idx[t] * p + j];
            b += X[idx[t + 1] * p + j];
        }
        if (t < m)
            a += X[idx[t] * p + j];
        acc[j] += a + b;
    }
}

/*
 * Assign each row to its nearest centre of C (k x p): into tr->lab, counting in
 * *CHANGED the rows whose cluster differs from tr->prev, and in *INERTIA the sum of
 * their squared distances (by the expansion). With UPDATE, also sum each cluster's rows
 * into tr->Cnew and count them into tr->counts. Ties go to the lowest cluster. Returns
 * a GSL status.
 */
static int
assign(const struct kmeans *s, struct kmeans_train *tr, const double *C, int update,
       double *inertia, size_t *changed)
{
    const size_t n = tr->n, k = s->k, p = s->p;
    gsl_matrix_const_view Ctv = gsl_matrix_const_view_array(tr->Ct, p, k);
    const double *cnorm = tr->cnorm;
    double sum = 0;
    size_t moved = 0;

    centre_norms(k, p, C, tr->Ct, tr->cnorm);
    if (update) {
        memset(tr->Cnew, 0, k * p * sizeof(double));
        memset(tr->counts, 0, k * sizeof(double));
    }
    for (size_t i0 = 0; i0 < n; i0 += tr->block) {
        const size_t rows = n - i0 < tr->block ? n - i0 : tr->block;
        const double *xn = tr->xnorm + i0;
        const int32_t *prev = tr->prev + i0;
        int32_t *lab = tr->lab + i0;
        gsl_matrix_const_view Xv = gsl_matrix_const_view_array(tr->X + i0 * p, rows, p);
        gsl_matrix_view Dv = gsl_matrix_view_array(tr->D, rows, k);
        int rc;

        rc = gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, -2.0, &Xv.matrix, &Ctv.matrix, 0.0,
                            &Dv.matrix);
        if (rc != GSL_SUCCESS)
            return rc;
        for (size_t i = 0; i < rows; i++) {
            const double *d = tr->D + i * k;
            double best = cnorm[0] + d[0], e;
            int32_t c = 0;
            for (size_t j = 1; j < k; j++) {
                double dj = cnorm[j] + d[j];
                int less = dj < best;
                best = less ? dj : best;
                c = less ? (int32_t)j : c;
            }
            lab[i] = c;
            moved += c != prev[i];
            e = xn[i] + best;
            sum += e > 0 ? e : 0;
        }
        if (!update)
            continue;
        /* The block's rows by cluster (a counting sort), then each cluster's sum. */
        memset(tr->start, 0, (k + 1) * sizeof(size_t));
        for (size_t i = 0; i < rows; i++)
            tr->start[lab[i] + 1]++;
        for (size_t c = 0; c < k; c++)
            tr->start[c + 1] += tr->start[c];
        for (size_t i = 0; i < rows; i++)
            tr->bucket[tr->start[lab[i]]++] = (uint32_t)i;
        for (size_t c = 0, from = 0; c < k; c++) {
            size_t m = tr->start[c] - from;
            if (m > 0) {
                add_rows(tr->X + i0 * p, p, tr->bucket + from, m, tr->Cnew + c * p);
                tr->counts[c] += (double)m;
            }
            from = tr->start[c];
        }
    }
    *inertia = sum;
    *changed = moved;
    return GSL_SUCCESS;
}

/*
 * scikit-learn's _relocate_empty_clusters_dense: each cluster left empty by the step
 * gets, farthest first, the row farthest from the centre (of C, before the step) it was
 * assigned to; that row's sum moves out of its cluster. The rows keep their labels.
 */
static void
relocate_empty(const struct kmeans *s, struct kmeans_train *tr, const double *C)
{
    const size_t n = tr->n, k = s->k, p = s->p;
    size_t n_empty = 0;

    for (size_t c = 0; c < k; c++)
        n_empty += tr->counts[c] == 0;
    if (n_empty == 0)
        return;
    for (size_t i = 0; i < n; i++)
        tr->dist[i] = sqdist(tr->X + i * p, C + (size_t)tr->lab[i] * p, p);
    for (size_t c = 0; c < k; c++) {
        size_t far = 0, old;
        if (tr->counts[c] != 0)
            continue;
        /* The farthest row not taken yet (the first of equals); taken ones get -1. */
        for (size_t i = 1; i < n; i++)
            if (tr->dist[i] > tr->dist[far])
                far = i;
        tr->dist[far] = -1;
        old = (size_t)tr->lab[far];
        for (size_t j = 0; j < p; j++) {
            tr->Cnew[old * p + j] -= tr->X[far * p + j];
            tr->Cnew[c * p + j] = tr->X[far * p + j];
        }
        tr->counts[c] = 1;
        tr->counts[old] -= 1;
    }
    tr->relocated += (int64_t)n_empty;
}

/*
 * One Lloyd iteration from tr->C: assign, relocate, average into tr->Cnew, measure the
 * shift, and swap so that tr->C holds the new centres. Returns a GSL status.
 */
static int
lloyd_step(const struct kmeans *s, struct kmeans_train *tr, double *inertia, size_t *changed,
           double *shift)
{
    const size_t k = s->k, p = s->p;
    double *t, tot = 0;
    int rc = assign(s, tr, tr->C, 1, inertia, changed);

    if (rc != GSL_SUCCESS)
        return rc;
    relocate_empty(s, tr, tr->C);
    for (size_t c = 0; c < k; c++) {
        if (tr->counts[c] > 0) {
            double alpha = 1.0 / tr->counts[c];
            for (size_t j = 0; j < p; j++)
                tr->Cnew[c * p + j] *= alpha;
        }
        /* scikit-learn sums the squares of the Euclidean shifts. */
        double d = sqrt(sqdist(tr->Cnew + c * p, tr->C + c * p, p));
        tot += d * d;
    }
    *shift = tot;
    t = tr->C;
    tr->C = tr->Cnew;
    tr->Cnew = t;
    return GSL_SUCCESS;
}

/*
 * End the current restart: unless no row changed in its last step, assign the rows to
 * the final centres; then its inertia (directly), and keep it if it is the best so far.
 * Returns a GSL status.
 */
static int
end_restart(const struct kmeans *s, struct kmeans_train *tr, int strict, int converged)
{
    const size_t n = tr->n, k = s->k, p = s->p;
    double inertia = 0, est;
    size_t changed;
    int rc;

    if (!strict && (rc = assign(s, tr, tr->C, 0, &est, &changed)) != GSL_SUCCESS)
        return rc;
    for (size_t i = 0; i < n; i++)
        inertia += sqdist(tr->X + i * p, tr->C + (size_t)tr->lab[i] * p, p);
    tr->finished++;
    tr->unconverged += !converged;
    tr->started = 0;
    tr->last_inertia = inertia;
    if (tr->have_best && !(inertia < tr->best_inertia))
        return GSL_SUCCESS;
    tr->have_best = 1;
    tr->best_inertia = inertia;
    tr->best_iter = tr->iter;
    tr->best_converged = converged;
    memcpy(tr->best, tr->C, k * p * sizeof(double));
    memset(tr->best_sizes, 0, k * sizeof(double));
    memset(tr->best_within, 0, k * sizeof(double));
    for (size_t i = 0; i < n; i++) {
        size_t c = (size_t)tr->lab[i];
        tr->best_sizes[c] += 1;
        tr->best_within[c] += sqdist(tr->X + i * p, tr->C + c * p, p);
    }
    return GSL_SUCCESS;
}

static int
blas_failed(char **cause, int rc)
{
    *cause = api->format("kmeans: a BLAS operation failed: %s", gsl_strerror(rc));
    return AIWB_ENUMERIC;
}

/* One Lloyd iteration of the current restart (see the top of the file). */
static int
kmeans_iterate(void *state, const struct aiwb_problem *prob, struct aiwb_step *step, char **cause)
{
    struct kmeans *s = state;
    struct kmeans_train *tr = s->tr;
    double inertia, shift;
    size_t changed;
    int64_t restart;
    int rc, strict, converged;

    (void)prob;
    if (tr == NULL) {
        *cause = api->format("kmeans: iterate without a successful init");
        return AIWB_EINVAL;
    }
    if (tr->finished >= s->restarts)
        return AIWB_OK;
    if (!tr->started && (rc = start_restart(s, tr)) != GSL_SUCCESS)
        return blas_failed(cause, rc);
    if ((rc = lloyd_step(s, tr, &inertia, &changed, &shift)) != GSL_SUCCESS)
        return blas_failed(cause, rc);
    tr->iter++;
    restart = tr->finished + 1;
    {
        int32_t *t = tr->prev;
        tr->prev = tr->lab;
        tr->lab = t;
    }
    strict = changed == 0;
    converged = strict || shift <= tr->tol;
    if (strict) /* the labels of the step are the final ones */
        memcpy(tr->lab, tr->prev, tr->n * sizeof(int32_t));
    if (converged || tr->iter >= s->max_iter) {
        if ((rc = end_restart(s, tr, strict, converged)) != GSL_SUCCESS)
            return blas_failed(cause, rc);
        /* The restart's result, and after the last one the model's. */
        inertia = tr->finished < s->restarts ? tr->last_inertia : tr->best_inertia;
    }
    api->step_value(step, "loss", inertia);
    api->step_value(step, "restart", (double)restart);
    api->step_value(step, "changed", (double)changed);
    api->step_value(step, "shift", shift);
    if (tr->finished < s->restarts)
        return AIWB_CONTINUE;
    api->step_value(step, "converged", tr->best_converged);
    if (tr->unconverged > 0)
        api->log(AIWB_LOG_WARN,
                 "kmeans: %" PRId64 " of %" PRId64 " restart%s stopped after max_iter=%" PRId64
                 " iterations without converging",
                 tr->unconverged, tr->finished, tr->finished == 1 ? "" : "s", s->max_iter);
    return AIWB_OK;
}

/* Keep the best restart (or, stopped early, the one under way) and free the rest. */
static int
kmeans_finish(void *state, const struct aiwb_problem *prob, char **cause)
{
    struct kmeans *s = state;
    struct kmeans_train *tr = s->tr;
    const size_t k = s->k;
    int rc;

    (void)prob;
    if (tr == NULL) {
        *cause = api->format("kmeans: finish without a successful init");
        return AIWB_EINVAL;
    }
    if (!tr->have_best) {
        /* Stopped within the first restart: its centres as they stand. */
        if (!tr->started && (rc = start_restart(s, tr)) != GSL_SUCCESS)
            return blas_failed(cause, rc);
        if ((rc = end_restart(s, tr, 0, 0)) != GSL_SUCCESS)
            return blas_failed(cause, rc);
    }
    s->cc = tr->best;
    s->sizes = tr->best_sizes;
    s->within = tr->best_within;
    tr->best = tr->best_sizes = tr->best_within = NULL;
    s->inertia = tr->best_inertia;
    s->total_ss = tr->total_ss;
    s->iterations = tr->best_iter;
    s->converged = tr->best_converged;
    s->restarts_run = tr->finished;
    s->relocated = tr->relocated;
    if (s->relocated > 0)
        api->log(AIWB_LOG_INFO,
                 "kmeans: %" PRId64 " time%s a cluster was left empty and given the row "
                 "farthest from its centre (as scikit-learn does)",
                 s->relocated, s->relocated == 1 ? "" : "s");
    for (size_t c = 0; c < k; c++) {
        if (s->sizes[c] == 0) {
            size_t empty = 0;
            for (size_t e = 0; e < k; e++)
                empty += s->sizes[e] == 0;
            api->log(AIWB_LOG_WARN,
                     "kmeans: %zu of the %zu clusters ended empty: the data has fewer "
                     "distinct rows than k",
                     empty, k);
            break;
        }
    }
    train_free(tr);
    s->tr = NULL;
    s->fitted = 1;
    return AIWB_OK;
}

/* ---------------------------------------------------------------------------
 * Using the model.
 */

/* "inertia": the sum of squared distances of the rows to their nearest centre. */
static int
kmeans_score(const void *state, size_t n, const double *X, size_t ldx, struct aiwb_step *out)
{
    const struct kmeans *s = state;
    double sum = 0;

    if (!s->fitted)
        return AIWB_EINVAL;
    for (size_t i = 0; i < n; i++) {
        double sq;
        kmeans_nearest(s, X + i * ldx, &sq);
        sum += sq;
    }
    api->step_value(out, "inertia", sum);
    return AIWB_OK;
}

/* One note line from a format; the table copies it. */
static void
note(struct aiwb_table *t, char *text)
{
    api->table_note(t, text);
    api->free(text);
}

/* The clusters: size, within-cluster sum of squares, centre. */
static int
kmeans_report(const void *state, struct aiwb_table *t)
{
    const struct kmeans *s = state;
    const size_t k = s->k, p = s->p;

    if (!s->fitted)
        return AIWB_EINVAL;
    api->table_title(t, "kmeans: cluster sizes and centres");
    api->table_column(t, "cluster", AIWB_TABLE_INT);
    api->table_column(t, "size", AIWB_TABLE_INT);
    api->table_column(t, "within_ss", AIWB_TABLE_REAL);
    for (size_t j = 0; j < p; j++)
        api->table_column(t, s->features[j], AIWB_TABLE_REAL);
    for (size_t c = 0; c < k; c++) {
        api->table_int(t, (int64_t)c + 1);
        api->table_int(t, (int64_t)s->sizes[c]);
        api->table_real(t, s->within[c]);
        for (size_t j = 0; j < p; j++)
            api->table_real(t, s->cc[c * p + j] + s->mean[j]);
    }
    note(t, api->format("Inertia (within-cluster sum of squares): %.10g; between_SS / total_SS "
                        "= %.1f %%",
                        s->inertia,
                        s->total_ss > 0 ? 100 * (1 - s->inertia / s->total_ss) : 0.0));
    note(t, api->format("%s of %" PRId64 " restart%s (init=%s): %" PRId64 " iteration%s, %s",
                        s->restarts_run > 1 ? "Best" : "One", s->restarts_run,
                        s->restarts_run == 1 ? "" : "s", kmeans_init_names[s->init], s->iterations,
                        s->iterations == 1 ? "" : "s",
                        s->converged ? "converged" : "stopped by max_iter before converging"));
    if (s->relocated > 0)
        note(t, api->format("%" PRId64 " time%s a cluster was left empty and given the row "
                            "farthest from its centre",
                            s->relocated, s->relocated == 1 ? "" : "s"));
    return AIWB_OK;
}

static int
kmeans_save(const void *state, struct aiwb_writer *w)
{
    const struct kmeans *s = state;
    const size_t k = s->k, p = s->p;
    int64_t *sizes;
    int rc;

    if (!s->fitted)
        return AIWB_EINVAL;
    sizes = api->alloc(k * sizeof(int64_t));
    for (size_t c = 0; c < k; c++)
        sizes[c] = (int64_t)s->sizes[c];
    if ((rc = api->put_int(w, "k", (int64_t)k)) == AIWB_OK &&
        (rc = api->put_str(w, "init", kmeans_init_names[s->init])) == AIWB_OK &&
        (rc = api->put_int(w, "restarts", s->restarts)) == AIWB_OK &&
        (rc = api->put_int(w, "max_iter", s->max_iter)) == AIWB_OK &&
        (rc = api->put_real(w, "tol", s->tol)) == AIWB_OK &&
        (rc = api->put_strs(w, "features", p, (const char *const *)s->features)) == AIWB_OK &&
        (rc = api->put_reals(w, "mean", p, s->mean)) == AIWB_OK &&
        (rc = api->put_reals(w, "centres", k * p, s->cc)) == AIWB_OK &&
        (rc = api->put_ints(w, "sizes", k, sizes)) == AIWB_OK &&
        (rc = api->put_reals(w, "within", k, s->within)) == AIWB_OK &&
        (rc = api->put_real(w, "total_ss", s->total_ss)) == AIWB_OK &&
        (rc = api->put_int(w, "n_samples", s->n_samples)) == AIWB_OK &&
        (rc = api->put_int(w, "iterations", s->iterations)) == AIWB_OK &&
        (rc = api->put_int(w, "restarts_run", s->restarts_run)) == AIWB_OK &&
        (rc = api->put_int(w, "relocated", s->relocated)) == AIWB_OK)
        rc = api->put_int(w, "converged", s->converged);
    api->free(sizes);
    return rc;
}

static void
state_fini(void *state)
{
    state_clear(state);
}

static const struct aiwb_option_spec kmeans_options[] = {
    {.name = "k",
     .type = AIWB_OPT_INT,
     .def = "8",
     .min = 1,
     .max = 1e6,
     .help = "the number of clusters (scikit-learn's n_clusters, default 8 as there)"},
    {.name = "init",
     .type = AIWB_OPT_CHOICE,
     .def = "kmeans++",
     .choices = "kmeans++|random|first",
     .help = "starting centres: kmeans++ (scikit-learn's greedy k-means++, with the seed), "
             "random (k distinct rows, with the seed), or first (the first k rows: one "
             "restart, the same centres every time)"},
    {.name = "restarts",
     .type = AIWB_OPT_INT,
     .def = "10",
     .min = 1,
     .max = 1e6,
     .help = "run Lloyd's algorithm from this many starts and keep the lowest inertia "
             "(scikit-learn's n_init)"},
    {.name = "max_iter",
     .type = AIWB_OPT_INT,
     .def = "300",
     .min = 1,
     .max = INFINITY,
     .help = "stop a restart after this many Lloyd iterations even if not converged"},
    {.name = "tol",
     .type = AIWB_OPT_REAL,
     .def = "1e-4",
     .min = 0,
     .max = INFINITY,
     .help = "converged when the squared shifts of the centres sum to at most tol times the "
             "mean variance of the features (scikit-learn's rule), or when no row changes "
             "cluster; tol=0 runs until no row changes or max_iter"},
    {.name = NULL},
};

static const struct aiwb_algorithm_type kmeans_type = {
    .abi_version = AIWB_ABI_VERSION,
    .size = sizeof(struct aiwb_algorithm_type),
    .name = "kmeans",
    .summary = "k-means clustering (Lloyd, k-means++ starts, restarts), as scikit-learn's",
    .help = "Assigns each row to the nearest of k centres and moves each centre to the mean\n"
            "of its rows until they settle (Lloyd's algorithm), from several starts, keeping\n"
            "the clustering of lowest inertia (sum of squared distances to the centres).\n"
            "Step for step as scikit-learn's KMeans(algorithm='lloyd'): the same stopping\n"
            "rule, and a cluster left empty gets the row farthest from its centre. Distances\n"
            "are Euclidean on the features as they are: standardize them first when their\n"
            "units differ. predict gives a one in the column of the nearest centre.",
    .options = kmeans_options,
    .flags = ALGO_KMEANS_FLAGS,
    .state_version = ALGO_KMEANS_STATE_VERSION,
    .state_size = sizeof(struct kmeans),
    .init = kmeans_init,
    .iterate = kmeans_iterate,
    .finish = kmeans_finish,
    .n_outputs = kmeans_n_outputs,
    .predict = kmeans_predict,
    .report = kmeans_report,
    .save = kmeans_save,
    .load = kmeans_load,
    .fini = state_fini,
    .score = kmeans_score,
};

/* The module's entry point: registers the "kmeans" algorithm. Returns AIWB_OK, or the
 * host's refusal (AIWB_EABI, AIWB_EINVAL). */
int
aiwb_plugin_init(struct aiwb_plugin *p, const struct aiwb_host_api *host)
{
    AIWB_PLUGIN_BEGIN(p, host, api, "kmeans", "1.0.0");
    algo_kmeans_bind(host);
    return api->register_algorithm(p, &kmeans_type);
}
