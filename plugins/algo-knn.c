/*
 * algo-knn.c - k nearest neighbours, for classification (vote shares) and
 * regression (means), by brute force with BLAS.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The model is the training rows themselves (saved with it). A prediction
 * finds the k training rows nearest to each row, by euclidean distance
 * (default) or manhattan, and gives their vote shares per class or their
 * mean target, weighted alike (weights=uniform) or by 1/distance
 * (weights=distance), where rows at distance zero, if any, win outright and
 * share the weight equally: scikit-learn's KNeighborsClassifier and
 * KNeighborsRegressor.
 *
 * Search: the query rows go in blocks of KNN_BLOCK_Q, the training rows in
 * tiles of KNN_BLOCK_T. For euclidean distances a tile of squared distances
 * is ||x||^2 + ||t||^2 - 2 x.t, the products by one dgemm; each query row
 * keeps a max-heap of its k best candidates (partial selection, no sort of
 * all distances), so memory stays bounded by the blocks however many rows
 * are predicted. The k found are then measured again directly, as the sum
 * of squared differences, so the distances are exact where the dgemm form
 * loses digits to cancellation (a training row equal to the query is at
 * distance 0, not 1e-8); they are sorted by (distance, training row).
 * Where squared norms would overflow that form (beyond DBL_MAX / 8: values
 * near 1e154 and up), the search measures every distance directly, scaled
 * as hypot() does. A query row with a value that is not a finite number has
 * no nearest rows: its predictions are NaN.
 *
 * Ties: of training rows at the same distance, the earlier one (in training
 * order) is nearer. Every candidate enters the heap only if it is strictly
 * nearer than the worst kept, and the heap's order breaks equal distances
 * by row, so the k kept are the first k of all training rows sorted stably
 * by distance. scikit-learn's brute force keeps the same set when no
 * distance ties at the k-th place; when one does, which of the tied rows it
 * keeps depends on its heap's layout and its chunking over threads, so
 * there its neighbours (and predictions) can differ from these.
 *
 * Large predictions run on threads (threads=0: one a core, at most
 * KNN_AUTO_THREADS, when there is enough work), each over its own range of
 * query rows. Their tiles are small enough that OpenBLAS's dgemm runs each
 * on a single thread, so the threads do not compete with OpenBLAS's own.
 */
#include <config.h>

#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_matrix.h>

#include <aiwb/plugin.h>

/* The format of saved models. */
#define KNN_STATE_VERSION 1

/* Query rows per block, and the most training rows per tile: a tile of
 * distances is at most KNN_BLOCK_Q x KNN_BLOCK_T doubles (128 KiB). Tiles
 * are narrower for more features, so that a tile's dgemm stays at or below
 * KNN_BLAS_ALONE (m n k), the size up to which OpenBLAS's dgemm runs on one
 * thread (SMP_THRESHOLD_MIN * GEMM_MULTITHREAD_THRESHOLD in its gemm.c). */
#define KNN_BLOCK_Q 64
#define KNN_BLOCK_T 256
#define KNN_MIN_T 32
#define KNN_BLAS_ALONE 262144.0
/* Squared norms beyond this would overflow ||x||^2 + ||t||^2 - 2 x.t: a
 * query row (or training set) with such a norm is searched by exact
 * distances instead. */
#define KNN_HUGE (DBL_MAX / 8)
/* Neighbours up to this many are sorted by insertion, more by heapsort. */
#define KNN_INSERTION_SORT 32
/* Threads: at most this many unless told, none for less work than this
 * (query rows times training rows times features). */
#define KNN_MAX_THREADS 64
#define KNN_AUTO_THREADS 4
#define KNN_THREAD_WORK 50000000.0

static const struct aiwb_host_api *api;

struct knn {
    /* Options. */
    int64_t k;
    int distance;  /* weights=distance */
    int manhattan; /* metric=manhattan */
    int64_t threads;
    /* The model. */
    int classify;    /* classification, else regression */
    size_t n, p, K;  /* training rows, features, classes (0 for regression) */
    char **features; /* p names */
    char **classes;  /* K names */
    double *T;       /* n x p: the training rows */
    double *y;       /* n: their targets (class codes for classification) */
    double *tnorm;   /* n: their squared norms (derived) */
    int huge;        /* some squared norm is beyond KNN_HUGE (derived) */
    int fitted;
};

/* One query row's candidates: a max-heap of k (distance, row) pairs. */
struct heap {
    double *d;
    size_t *idx;
};

static void
free_strs(char **v, size_t n)
{
    if (v == NULL)
        return;
    for (size_t i = 0; i < n; i++)
        api->free(v[i]);
    api->free(v);
}

/* Free what the state owns and zero everything but the options. */
static void
knn_clear(struct knn *s)
{
    struct knn keep = *s;

    free_strs(s->features, s->p);
    free_strs(s->classes, s->K);
    api->free(s->T);
    api->free(s->y);
    api->free(s->tnorm);
    memset(s, 0, sizeof(*s));
    s->k = keep.k;
    s->distance = keep.distance;
    s->manhattan = keep.manhattan;
    s->threads = keep.threads;
}

static const char *
target_name(const struct aiwb_problem *prob)
{
    return prob->target_name != NULL ? prob->target_name : "target";
}

/* The squared norms of the training rows, and whether one is huge. */
static void
derive(struct knn *s)
{
    s->tnorm = api->alloc((s->n > 0 ? s->n : 1) * sizeof(double));
    s->huge = 0;
    for (size_t i = 0; i < s->n; i++) {
        const double *t = s->T + i * s->p;
        double sum = 0;
        for (size_t j = 0; j < s->p; j++)
            sum += t[j] * t[j];
        s->tnorm[i] = sum;
        s->huge |= !(sum <= KNN_HUGE);
    }
}

/* ---------------------------------------------------------------------------
 * Training: check and keep the rows.
 */

static int
read_options(struct knn *s, const struct aiwb_options *opts, char **cause)
{
    const char *w = api->opt_str(opts, "weights"), *m = api->opt_str(opts, "metric");

    s->k = api->opt_int(opts, "k");
    s->distance = w != NULL && strcmp(w, "distance") == 0;
    s->manhattan = m != NULL && strcmp(m, "manhattan") == 0;
    s->threads = api->opt_int(opts, "threads");
    if (s->k < 1) {
        *cause = api->format("knn: k must be at least 1, not %" PRId64, s->k);
        return AIWB_EINVAL;
    }
    if (s->threads < 0) {
        *cause = api->format("knn: threads must be 0 (automatic) or more, not %" PRId64,
                             s->threads);
        return AIWB_EINVAL;
    }
    return AIWB_OK;
}

/* Copy the feature and class names (made up when the problem has none). */
static void
copy_names(struct knn *s, const struct aiwb_problem *prob)
{
    s->features = api->calloc(s->p + 1, sizeof(char *));
    for (size_t j = 0; j < s->p; j++) {
        if (prob->feature_names != NULL && prob->feature_names[j] != NULL)
            s->features[j] = api->strdup(prob->feature_names[j]);
        else
            s->features[j] = api->format("x%zu", j + 1);
    }
    s->classes = api->calloc(s->K + 1, sizeof(char *));
    for (size_t k = 0; k < s->K; k++) {
        if (prob->class_names != NULL && prob->class_names[k] != NULL)
            s->classes[k] = api->strdup(prob->class_names[k]);
        else
            s->classes[k] = api->format("%zu", k);
    }
}

/* Read the options and check the problem's shape. */
static int
knn_init(void *state, const struct aiwb_options *opts, const struct aiwb_problem *prob,
         char **cause)
{
    struct knn *s = state;
    int rc;

    knn_clear(s);
    rc = read_options(s, opts, cause);
    if (rc != AIWB_OK)
        return rc;
    s->classify = prob->task == AIWB_TASK_CLASSIFICATION;
    if (!s->classify && prob->task != AIWB_TASK_REGRESSION) {
        *cause = api->format("knn: does classification and regression only");
        return AIWB_EINVAL;
    }
    if (s->classify && prob->n_classes < 1) {
        *cause = api->format("knn: the target '%s' has no classes", target_name(prob));
        return AIWB_EDATA;
    }
    if (prob->n < (size_t)s->k) {
        *cause = api->format("knn: k=%" PRId64 " neighbours, but the training data %s %zu "
                             "row%s",
                             s->k, prob->n == 1 ? "has" : "have", prob->n,
                             prob->n == 1 ? "" : "s");
        return AIWB_EDATA;
    }
    s->p = prob->p;
    s->K = s->classify ? prob->n_classes : 0;
    copy_names(s, prob);
    return AIWB_OK;
}

/* Keep the training rows, checking every value. */
static int
knn_iterate(void *state, const struct aiwb_problem *prob, struct aiwb_step *step, char **cause)
{
    struct knn *s = state;
    const size_t n = prob->n, p = s->p;

    if (s->fitted)
        return AIWB_OK;
    if (s->features == NULL) {
        *cause = api->format("knn: iterate without a successful init");
        return AIWB_EINVAL;
    }
    s->T = api->alloc((n * p > 0 ? n * p : 1) * sizeof(double));
    s->y = api->alloc((n > 0 ? n : 1) * sizeof(double));
    for (size_t i = 0; i < n; i++) {
        const double *x = prob->X + i * prob->ldx, y = prob->y[i];

        for (size_t j = 0; j < p; j++) {
            if (!isfinite(x[j])) {
                *cause = api->format("knn: row %zu column '%s': %g is not a finite number",
                                     i + 1, s->features[j], x[j]);
                return AIWB_EDATA;
            }
        }
        if (s->classify && !(y >= 0 && y < (double)s->K && y == floor(y))) {
            *cause = api->format("knn: row %zu: the target '%s' is %g, not a class code 0..%zu",
                                 i + 1, target_name(prob), y, s->K - 1);
            return AIWB_EDATA;
        }
        if (!s->classify && !isfinite(y)) {
            *cause = api->format("knn: row %zu: the target '%s' is %g, not a finite number",
                                 i + 1, target_name(prob), y);
            return AIWB_EDATA;
        }
        memcpy(s->T + i * p, x, p * sizeof(double));
        s->y[i] = y;
    }
    s->n = n;
    derive(s);
    s->fitted = 1;
    api->step_value(step, "rows", (double)n);
    return AIWB_OK;
}

static int
knn_finish(void *state, const struct aiwb_problem *prob, char **cause)
{
    struct knn *s = state;

    (void)prob;
    if (!s->fitted) {
        *cause = api->format("knn: the model was stopped before it kept its training rows");
        return AIWB_EINVAL;
    }
    return AIWB_OK;
}

/* ---------------------------------------------------------------------------
 * The search.
 */

/* Whether (d1, i1) comes after (d2, i2): farther, or as far and later. */
static inline int
after(double d1, size_t i1, double d2, size_t i2)
{
    return d1 > d2 || (d1 == d2 && i1 > i2);
}

/* Place (DV, IV) at AT in the max-heap (D, IDX) of LEN entries, moving it
 * down past any child that comes after it. */
static void
sift_down(double *d, size_t *idx, size_t len, size_t at, double dv, size_t iv)
{
    for (;;) {
        size_t l = 2 * at + 1, r = l + 1, big = at;
        double bd = dv;
        size_t bi = iv;

        if (l < len && after(d[l], idx[l], bd, bi)) {
            big = l;
            bd = d[l];
            bi = idx[l];
        }
        if (r < len && after(d[r], idx[r], bd, bi))
            big = r;
        if (big == at)
            break;
        d[at] = d[big];
        idx[at] = idx[big];
        at = big;
    }
    d[at] = dv;
    idx[at] = iv;
}

/* Put (D, I) in place of the heap's root (its farthest) and restore order. */
static inline void
heap_replace(struct heap *h, size_t k, double d, size_t i)
{
    sift_down(h->d, h->idx, k, 0, d, i);
}

/* Whether candidate (D, I) enters a heap whose root is (WORST, WI): nearer,
 * or at an infinite distance while the heap still holds a placeholder (so
 * that it fills even when every distance overflows). */
static inline int
enters(double d, double worst, size_t wi)
{
    return d < worst || (d == HUGE_VAL && wi == SIZE_MAX);
}

/* One thread's buffers: a tile of distances and the heaps of a block. */
struct work {
    const struct knn *s;
    const double *X;
    size_t ldx;
    double *out;
    size_t q0, q1; /* the query rows of this worker */
    size_t tw;     /* training rows per tile */
    double *tile;  /* KNN_BLOCK_Q x tw */
    double *qnorm; /* KNN_BLOCK_Q */
    double *hd;    /* KNN_BLOCK_Q x k */
    size_t *hi;    /* KNN_BLOCK_Q x k */
    int rc;
};

/* Squared euclidean distances of NQ query rows to training rows [T0, T0 + NT) into the tile. */
static int
euclidean_tile(struct work *wk, const double *Xq, size_t nq, size_t t0, size_t nt)
{
    const struct knn *s = wk->s;
    gsl_matrix_const_view A = gsl_matrix_const_view_array_with_tda(Xq, nq, s->p, wk->ldx);
    gsl_matrix_const_view B = gsl_matrix_const_view_array(s->T + t0 * s->p, nt, s->p);
    gsl_matrix_view G = gsl_matrix_view_array_with_tda(wk->tile, nq, nt, wk->tw);

    if (gsl_blas_dgemm(CblasNoTrans, CblasTrans, -2.0, &A.matrix, &B.matrix, 0.0, &G.matrix) !=
        GSL_SUCCESS)
        return AIWB_ENUMERIC;
    return AIWB_OK;
}

/* Manhattan distances of NQ query rows to training rows [T0, T0 + NT) into the tile. */
static void
manhattan_tile(struct work *wk, const double *Xq, size_t nq, size_t t0, size_t nt)
{
    const struct knn *s = wk->s;
    const size_t p = s->p;

    for (size_t r = 0; r < nq; r++) {
        const double *x = Xq + r * wk->ldx;
        double *row = wk->tile + r * wk->tw;
        for (size_t c = 0; c < nt; c++) {
            const double *t = s->T + (t0 + c) * p;
            double sum = 0;
            for (size_t j = 0; j < p; j++)
                sum += fabs(x[j] - t[j]);
            row[c] = sum;
        }
    }
}

/* The exact distance of query row X to training row I. */
static double
distance(const struct knn *s, const double *x, size_t i)
{
    const double *t = s->T + i * s->p;
    double sum = 0;

    if (s->manhattan) {
        for (size_t j = 0; j < s->p; j++)
            sum += fabs(x[j] - t[j]);
        return sum;
    }
    for (size_t j = 0; j < s->p; j++)
        sum += (x[j] - t[j]) * (x[j] - t[j]);
    if (sum >= 0x1p-900 && sum <= 0x1p900)
        return sqrt(sum);
    /* Squares that may have overflowed or underflowed: scaled as hypot(). */
    double big = 0;
    for (size_t j = 0; j < s->p; j++)
        big = fmax(big, fabs(x[j] - t[j]));
    if (big == 0 || isinf(big))
        return big;
    sum = 0;
    for (size_t j = 0; j < s->p; j++)
        sum += ((x[j] - t[j]) / big) * ((x[j] - t[j]) / big);
    return big * sqrt(sum);
}

/* Sort the k neighbours of a heap by (distance, row): insertion sort for a
 * few, heapsort for many (after making a heap again: the exact distances
 * may order them differently from the ones they were selected by). */
static void
sort_neighbours(double *d, size_t *idx, size_t k)
{
    if (k > KNN_INSERTION_SORT) {
        for (size_t a = k / 2; a-- > 0;)
            sift_down(d, idx, k, a, d[a], idx[a]);
        for (size_t end = k; end-- > 1;) {
            double dv = d[end];
            size_t iv = idx[end];

            d[end] = d[0];
            idx[end] = idx[0];
            sift_down(d, idx, end, 0, dv, iv);
        }
        return;
    }
    for (size_t a = 1; a < k; a++) {
        double dv = d[a];
        size_t iv = idx[a], b = a;
        while (b > 0 && after(d[b - 1], idx[b - 1], dv, iv)) {
            d[b] = d[b - 1];
            idx[b] = idx[b - 1];
            b--;
        }
        d[b] = dv;
        idx[b] = iv;
    }
}

/* The prediction of one query row from its sorted neighbours: OUT gets K
 * vote shares, or the mean. */
static void
vote(const struct knn *s, const double *d, const size_t *idx, double *out)
{
    const size_t k = (size_t)s->k;
    /* Rows at distance 0 (or so near that 1/d overflows) win outright. */
    int exact = s->distance && isinf(1.0 / d[0]);
    double total = 0, sum = 0;

    for (size_t c = 0; c < s->K; c++)
        out[c] = 0;
    for (size_t a = 0; a < k; a++) {
        double w = !s->distance ? 1.0 : exact ? isinf(1.0 / d[a]) : 1.0 / d[a];

        total += w;
        if (s->classify)
            out[(size_t)s->y[idx[a]]] += w;
        else
            sum += w * s->y[idx[a]];
    }
    if (s->classify) {
        for (size_t c = 0; c < s->K; c++)
            out[c] /= total;
    } else {
        out[0] = sum / total;
    }
}

/* Heap R of a block searched by exact distances over all training rows:
 * for a query row whose squared norm (or a training row's) is too large
 * for the dgemm form. */
static void
exact_scan(const struct knn *s, const double *x, struct heap *h)
{
    const size_t k = (size_t)s->k;

    for (size_t c = 0; c < s->n; c++) {
        double d = distance(s, x, c);
        if (enters(d, h->d[0], h->idx[0]))
            heap_replace(h, k, d, c);
    }
}

/* One block of NQ query rows from Q0: search every tile, then vote. A query
 * row with a value that is not a finite number has no nearest rows: its
 * predictions are NaN. */
static int
search_block(struct work *wk, size_t q0, size_t nq)
{
    const struct knn *s = wk->s;
    const size_t k = (size_t)s->k, p = s->p, nout = s->classify ? s->K : 1;
    const double *Xq = wk->X + q0 * wk->ldx;

    for (size_t r = 0; r < nq; r++) {
        const double *x = Xq + r * wk->ldx;
        double sum = 0;
        for (size_t j = 0; j < p; j++)
            sum += isfinite(x[j]) ? x[j] * x[j] : NAN;
        wk->qnorm[r] = sum;
        for (size_t a = 0; a < k; a++) {
            wk->hd[r * k + a] = HUGE_VAL;
            wk->hi[r * k + a] = SIZE_MAX;
        }
        if (!s->manhattan && (s->huge || (sum > KNN_HUGE && !isnan(sum)))) {
            struct heap h = {wk->hd + r * k, wk->hi + r * k};
            exact_scan(s, x, &h);
        }
    }
    for (size_t t0 = 0; t0 < s->n && (s->manhattan || !s->huge); t0 += wk->tw) {
        const size_t nt = s->n - t0 < wk->tw ? s->n - t0 : wk->tw;

        if (s->manhattan)
            manhattan_tile(wk, Xq, nq, t0, nt);
        else if (euclidean_tile(wk, Xq, nq, t0, nt) != AIWB_OK)
            return AIWB_ENUMERIC;
        for (size_t r = 0; r < nq; r++) {
            struct heap h = {wk->hd + r * k, wk->hi + r * k};
            const double *row = wk->tile + r * wk->tw, *tn = s->tnorm + t0;
            double worst;

            if (isnan(wk->qnorm[r]) || (!s->manhattan && wk->qnorm[r] > KNN_HUGE))
                continue; /* not finite, or searched by exact_scan */
            if (s->manhattan) {
                worst = h.d[0];
                for (size_t c = 0; c < nt; c++) {
                    if (enters(row[c], worst, h.idx[0])) {
                        heap_replace(&h, k, row[c], t0 + c);
                        worst = h.d[0];
                    }
                }
                continue;
            }
            /* Euclidean: the tile holds -2 x.t, and d^2 = ||x||^2 + ||t||^2 - 2 x.t;
             * the comparison is on d^2 - ||x||^2, the same order. */
            worst = h.d[0] - wk->qnorm[r];
            for (size_t c = 0; c < nt; c++) {
                double d = row[c] + tn[c];
                if (d < worst) {
                    heap_replace(&h, k, d + wk->qnorm[r], t0 + c);
                    worst = h.d[0] - wk->qnorm[r];
                }
            }
        }
    }
    for (size_t r = 0; r < nq; r++) {
        double *d = wk->hd + r * k, *out = wk->out + (q0 + r) * nout;
        size_t *idx = wk->hi + r * k;

        if (isnan(wk->qnorm[r])) {
            for (size_t c = 0; c < nout; c++)
                out[c] = NAN;
            continue;
        }
        for (size_t a = 0; a < k; a++)
            d[a] = distance(s, Xq + r * wk->ldx, idx[a]);
        sort_neighbours(d, idx, k);
        vote(s, d, idx, out);
    }
    return AIWB_OK;
}

/* A worker's whole range of query rows, block by block. */
static void *
work_run(void *arg)
{
    struct work *wk = arg;

    for (size_t q = wk->q0; q < wk->q1 && wk->rc == AIWB_OK; q += KNN_BLOCK_Q) {
        size_t nq = wk->q1 - q < KNN_BLOCK_Q ? wk->q1 - q : KNN_BLOCK_Q;
        wk->rc = search_block(wk, q, nq);
    }
    return NULL;
}

/* How many threads to predict N rows with. */
static size_t
thread_count(const struct knn *s, size_t n)
{
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    size_t blocks = (n + KNN_BLOCK_Q - 1) / KNN_BLOCK_Q, want;
    cpu_set_t set;

    if (s->threads > 0) {
        want = s->threads < KNN_MAX_THREADS ? (size_t)s->threads : KNN_MAX_THREADS;
    } else {
        if ((double)n * (double)s->n * (double)(s->p + 1) < KNN_THREAD_WORK)
            return 1;
        /* the cores this process may run on, which a container may limit */
        if (sched_getaffinity(0, sizeof(set), &set) == 0)
            cpus = CPU_COUNT(&set);
        want = cpus < 1 ? 1 : cpus < KNN_AUTO_THREADS ? (size_t)cpus : KNN_AUTO_THREADS;
    }
    return want < blocks ? want : blocks > 0 ? blocks : 1;
}

/* Predictions for N rows: K vote shares each, or one mean. */
static int
knn_predict(const void *state, size_t n, const double *X, size_t ldx, double *out)
{
    const struct knn *s = state;
    const size_t k = (size_t)s->k;
    size_t nthreads, per;
    struct work *wk;
    pthread_t *tid;
    int *started, rc = AIWB_OK;
    double fit = KNN_BLAS_ALONE / ((double)KNN_BLOCK_Q * (double)(s->p > 0 ? s->p : 1));
    size_t tw = fit > KNN_BLOCK_T ? KNN_BLOCK_T : fit < KNN_MIN_T ? KNN_MIN_T : (size_t)fit;

    if (!s->fitted)
        return AIWB_EINVAL;
    if (n == 0)
        return AIWB_OK;
    nthreads = thread_count(s, n);
    /* Whole blocks per thread, as evenly as they go. */
    per = ((n + KNN_BLOCK_Q - 1) / KNN_BLOCK_Q + nthreads - 1) / nthreads * KNN_BLOCK_Q;
    wk = api->calloc(nthreads, sizeof(*wk));
    tid = api->calloc(nthreads, sizeof(*tid));
    started = api->calloc(nthreads, sizeof(*started));
    for (size_t t = 0; t < nthreads; t++) {
        wk[t] = (struct work){.s = s, .X = X, .ldx = ldx, .out = out, .tw = tw, .rc = AIWB_OK};
        wk[t].q0 = t * per < n ? t * per : n;
        wk[t].q1 = (t + 1) * per < n ? (t + 1) * per : n;
        wk[t].tile = api->alloc(KNN_BLOCK_Q * (tw + 1 + k) * sizeof(double));
        wk[t].qnorm = wk[t].tile + KNN_BLOCK_Q * tw;
        wk[t].hd = wk[t].qnorm + KNN_BLOCK_Q;
        wk[t].hi = api->alloc(KNN_BLOCK_Q * k * sizeof(size_t));
    }
    for (size_t t = 1; t < nthreads; t++)
        started[t] = pthread_create(&tid[t], NULL, work_run, &wk[t]) == 0;
    work_run(&wk[0]);
    for (size_t t = 1; t < nthreads; t++) {
        if (started[t])
            pthread_join(tid[t], NULL);
        else
            work_run(&wk[t]); /* no thread to be had: do its share here */
    }
    for (size_t t = 0; t < nthreads; t++) {
        if (wk[t].rc != AIWB_OK)
            rc = wk[t].rc;
        api->free(wk[t].tile);
        api->free(wk[t].hi);
    }
    api->free(wk);
    api->free(tid);
    api->free(started);
    return rc;
}

static size_t
knn_n_outputs(const void *state)
{
    const struct knn *s = state;

    return s->classify ? s->K : 1;
}

/* ---------------------------------------------------------------------------
 * Report, save, load.
 */

static int
knn_report(const void *state, struct aiwb_table *t)
{
    const struct knn *s = state;
    char *text;

    if (!s->fitted)
        return AIWB_EINVAL;
    api->table_title(t, "knn: the model");
    api->table_column(t, "setting", AIWB_TABLE_TEXT);
    api->table_column(t, "value", AIWB_TABLE_TEXT);
    api->table_text(t, "task");
    api->table_text(t, s->classify ? "classification" : "regression");
    api->table_text(t, "training rows");
    text = api->format("%zu", s->n);
    api->table_text(t, text);
    api->free(text);
    api->table_text(t, "features");
    text = api->format("%zu", s->p);
    api->table_text(t, text);
    api->free(text);
    api->table_text(t, "k");
    text = api->format("%" PRId64, s->k);
    api->table_text(t, text);
    api->free(text);
    api->table_text(t, "weights");
    api->table_text(t, s->distance ? "distance (1/d; rows at distance 0 win outright)"
                                   : "uniform");
    api->table_text(t, "metric");
    api->table_text(t, s->manhattan ? "manhattan" : "euclidean");
    api->table_note(t, "Of training rows at the same distance, the earlier is nearer");
    return AIWB_OK;
}

static int
knn_save(const void *state, struct aiwb_writer *w)
{
    const struct knn *s = state;
    int rc;

    if (!s->fitted)
        return AIWB_EINVAL;
    rc = api->put_int(w, "k", s->k);
    if (rc == AIWB_OK)
        rc = api->put_str(w, "weights", s->distance ? "distance" : "uniform");
    if (rc == AIWB_OK)
        rc = api->put_str(w, "metric", s->manhattan ? "manhattan" : "euclidean");
    if (rc == AIWB_OK)
        rc = api->put_int(w, "threads", s->threads);
    if (rc == AIWB_OK)
        rc = api->put_str(w, "task", s->classify ? "classification" : "regression");
    if (rc == AIWB_OK)
        rc = api->put_strs(w, "features", s->p, (const char *const *)s->features);
    if (rc == AIWB_OK)
        rc = api->put_strs(w, "classes", s->K, (const char *const *)s->classes);
    if (rc == AIWB_OK)
        rc = api->put_reals(w, "rows", s->n * s->p, s->T);
    if (rc == AIWB_OK)
        rc = api->put_reals(w, "targets", s->n, s->y);
    return rc;
}

static int
corrupt(char **cause, const char *what)
{
    *cause = api->format("knn: the saved model is corrupt or incomplete (reading '%s')", what);
    return AIWB_EDATA;
}

/* Read the word under KEY, which must be A (returns 0) or B (returns 1); -1 otherwise. */
static int
get_choice(struct aiwb_reader *r, const char *key, const char *a, const char *b)
{
    char *v = NULL;
    int which = -1;

    if (api->get_str(r, key, &v) == AIWB_OK)
        which = strcmp(v, a) == 0 ? 0 : strcmp(v, b) == 0 ? 1 : -1;
    api->free(v);
    return which;
}

static int
load_state(struct knn *s, struct aiwb_reader *r, char **cause)
{
    size_t nrows = 0, ny = 0;
    int v;

    if (api->get_int(r, "k", &s->k) != AIWB_OK || s->k < 1)
        return corrupt(cause, "k");
    if ((v = get_choice(r, "weights", "uniform", "distance")) < 0)
        return corrupt(cause, "weights");
    s->distance = v;
    if ((v = get_choice(r, "metric", "euclidean", "manhattan")) < 0)
        return corrupt(cause, "metric");
    s->manhattan = v;
    if (api->get_int(r, "threads", &s->threads) != AIWB_OK || s->threads < 0)
        return corrupt(cause, "threads");
    if ((v = get_choice(r, "task", "regression", "classification")) < 0)
        return corrupt(cause, "task");
    s->classify = v;
    if (api->get_strs(r, "features", &s->p, &s->features) != AIWB_OK)
        return corrupt(cause, "features");
    if (api->get_strs(r, "classes", &s->K, &s->classes) != AIWB_OK ||
        (s->classify && s->K < 1) || (!s->classify && s->K != 0))
        return corrupt(cause, "classes");
    if (api->get_reals(r, "rows", &nrows, &s->T) != AIWB_OK)
        return corrupt(cause, "rows");
    if (api->get_reals(r, "targets", &ny, &s->y) != AIWB_OK)
        return corrupt(cause, "targets");
    if (ny * s->p != nrows || ny < (size_t)s->k) {
        *cause = api->format("knn: the saved model is corrupt: %zu numbers for %zu rows of %zu "
                             "features, and k=%" PRId64,
                             nrows, ny, s->p, s->k);
        return AIWB_EDATA;
    }
    s->n = ny;
    for (size_t i = 0; s->classify && i < s->n; i++)
        if (!(s->y[i] >= 0 && s->y[i] < (double)s->K && s->y[i] == floor(s->y[i])))
            return corrupt(cause, "targets");
    derive(s);
    return AIWB_OK;
}

/* Load a saved model; on failure the state is left empty. */
static int
knn_load(void *state, struct aiwb_reader *r, unsigned version, char **cause)
{
    struct knn *s = state;
    int rc;

    if (version != KNN_STATE_VERSION) {
        *cause = api->format("knn: cannot read a model saved with state version %u (this "
                             "plugin reads version %d)",
                             version, KNN_STATE_VERSION);
        return AIWB_ENOTSUP;
    }
    knn_clear(s);
    rc = load_state(s, r, cause);
    if (rc != AIWB_OK) {
        knn_clear(s);
        return rc;
    }
    s->fitted = 1;
    return AIWB_OK;
}

static void
knn_fini(void *state)
{
    knn_clear(state);
}

static const struct aiwb_option_spec knn_options[] = {
    {.name = "k",
     .type = AIWB_OPT_INT,
     .def = "5",
     .min = 1,
     .max = INFINITY,
     .help = "how many nearest training rows vote (or are averaged)"},
    {.name = "weights",
     .type = AIWB_OPT_CHOICE,
     .def = "uniform",
     .choices = "uniform|distance",
     .help = "uniform: each neighbour counts alike; distance: by 1/distance, rows at "
             "distance 0 winning outright"},
    {.name = "metric",
     .type = AIWB_OPT_CHOICE,
     .def = "euclidean",
     .choices = "euclidean|manhattan",
     .help = "the distance between rows: euclidean (square root of the summed squared "
             "differences) or manhattan (summed absolute differences)"},
    {.name = "threads",
     .type = AIWB_OPT_INT,
     .def = "0",
     .min = 0,
     .max = KNN_MAX_THREADS,
     .help = "threads for predicting: 0 chooses (one a core, at most 4, for large "
             "predictions)"},
    {.name = NULL},
};

static const struct aiwb_algorithm_type knn_type = {
    .abi_version = AIWB_ABI_VERSION,
    .size = sizeof(struct aiwb_algorithm_type),
    .name = "knn",
    .summary = "k nearest neighbours: vote shares or mean of the k nearest training rows",
    .help = "The model keeps the training rows. Distances depend on the units of the\n"
            "features: standardise them first (train ... with standardize) unless\n"
            "their units are comparable. Of training rows at the same distance, the\n"
            "earlier one is nearer.",
    .options = knn_options,
    .flags = AIWB_TASK_CLASSIFICATION | AIWB_TASK_REGRESSION,
    .state_version = KNN_STATE_VERSION,
    .state_size = sizeof(struct knn),
    .init = knn_init,
    .iterate = knn_iterate,
    .finish = knn_finish,
    .n_outputs = knn_n_outputs,
    .predict = knn_predict,
    .report = knn_report,
    .save = knn_save,
    .load = knn_load,
    .fini = knn_fini,
};

/* The module's entry point: registers the "knn" algorithm. */
int
aiwb_plugin_init(struct aiwb_plugin *p, const struct aiwb_host_api *host)
{
    AIWB_PLUGIN_BEGIN(p, host, api, "knn", "1.0.0");
    return api->register_algorithm(p, &knn_type);
}
