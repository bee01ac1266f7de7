/*
 * algo-knn-predict.c - the predict half of the knn plugin: loading a fitted state and
 * predicting, shared by the plugin module and the exported prediction server.
 *
 * Copyright (C) 2026 the aiwb developers
 * SPDX-License-Identifier: MIT
 *
 * A prediction measures the exact distance of the query row to every training row (the
 * sum of squared differences, its square root; scaled as hypot() does where the squares
 * could overflow or underflow; or the sum of absolute differences), keeps the k nearest
 * in a max-heap (partial selection, no sort of all distances), and sorts those by
 * (distance, training row) before they vote. One row costs O(n p) and k entries of
 * workspace. The workbench module spreads large predictions over threads (algo-knn.c);
 * each row's numbers do not depend on them.
 */
#include <inttypes.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <aiwb/plugin.h>

#include "algo-knn.h"
#include "predict-common.h"

/* Neighbours up to this many are sorted by insertion, more by heapsort. */
#define KNN_INSERTION_SORT 32

static const struct aiwb_host_api *api;

/*
 * Keep HOST as the table this half calls. The plugin module calls it from
 * aiwb_plugin_init, the server with its own host table, before anything else.
 */
void
algo_knn_bind(const struct aiwb_host_api *host)
{
    api = host;
}

/* Free what S owns and zero everything but the options. */
void
knn_clear(struct knn *s)
{
    struct knn keep = *s;

    predict_free_strs(api, s->features, s->p);
    predict_free_strs(api, s->classes, s->K);
    api->free(s->T);
    api->free(s->y);
    memset(s, 0, sizeof(*s));
    s->k = keep.k;
    s->distance = keep.distance;
    s->manhattan = keep.manhattan;
    s->threads = keep.threads;
}

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

/* Whether candidate (D, I) enters a heap whose root is (WORST, WI): nearer,
 * or at an infinite distance while the heap still holds a placeholder (so
 * that it fills even when every distance overflows). */
static inline int
enters(double d, double worst, size_t wi)
{
    return d < worst || (d == HUGE_VAL && wi == SIZE_MAX);
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
 * few, heapsort for many. */
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

/*
 * The prediction of query row X into OUT, with the heap (D, IDX) of k entries as
 * workspace: every training row's exact distance, the nearest k kept in a max-heap (a
 * candidate enters only when strictly nearer than the farthest kept, so of rows at the
 * same distance the earlier wins), sorted, then the vote. A row with a value that is
 * not a finite number has no nearest rows: its predictions are NaN.
 */
static void
predict_row(const struct knn *s, const double *x, double *d, size_t *idx, double *out)
{
    const size_t k = (size_t)s->k, nout = s->classify ? s->K : 1;

    for (size_t j = 0; j < s->p; j++) {
        if (!isfinite(x[j])) {
            for (size_t c = 0; c < nout; c++)
                out[c] = NAN;
            return;
        }
    }
    for (size_t a = 0; a < k; a++) {
        d[a] = HUGE_VAL;
        idx[a] = SIZE_MAX;
    }
    for (size_t c = 0; c < s->n; c++) {
        double dc = distance(s, x, c);
        if (enters(dc, d[0], idx[0]))
            sift_down(d, idx, k, 0, dc, c);
    }
    sort_neighbours(d, idx, k);
    vote(s, d, idx, out);
}

/*
 * Predictions for N rows: K vote shares each, or one mean. Returns AIWB_OK, or
 * AIWB_EINVAL before a fit.
 */
int
knn_predict(const void *state, size_t n, const double *X, size_t ldx, double *out)
{
    const struct knn *s = state;
    const size_t k = (size_t)s->k, nout = s->classify ? s->K : 1;
    double *d;
    size_t *idx;

    if (!s->fitted)
        return AIWB_EINVAL;
    if (n == 0)
        return AIWB_OK;
    d = api->alloc(k * sizeof(double));
    idx = api->alloc(k * sizeof(size_t));
    for (size_t i = 0; i < n; i++)
        predict_row(s, X + i * ldx, d, idx, out + i * nout);
    api->free(idx);
    api->free(d);
    return AIWB_OK;
}

/* The values predict writes a row: a share per class, or the mean. */
size_t
knn_n_outputs(const void *state)
{
    const struct knn *s = state;

    return s->classify ? s->K : 1;
}

static int
corrupt(char **cause, const char *what)
{
    return predict_corrupt(api, cause, "knn", what);
}

/* Read the word under KEY, which must be A (returns 0) or B (returns 1); -1 otherwise. */
static int
get_choice(struct aiwb_reader *r, const char *key, const char *a, const char *b)
{
    return predict_get_word(api, r, key, (const char *const[]){a, b}, 2);
}

static int
load_state(void *state, struct aiwb_reader *r, char **cause)
{
    struct knn *s = state;
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
    if (api->get_strs(r, "classes", &s->K, &s->classes) != AIWB_OK || (s->classify && s->K < 1) ||
        (!s->classify && s->K != 0))
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
    return AIWB_OK;
}

/*
 * Load a saved model into STATE. Returns AIWB_OK; AIWB_ENOTSUP for another state
 * version, AIWB_EDATA for a corrupt model, with *cause set and the state left empty.
 */
int
knn_load(void *state, struct aiwb_reader *r, unsigned version, char **cause)
{
    struct knn *s = state;

    return predict_load(api, "knn", version, ALGO_KNN_STATE_VERSION, knn_fini, load_state, s,
                        &s->fitted, r, cause);
}

/* Free what a fit or load allocated in STATE. */
void
knn_fini(void *state)
{
    knn_clear(state);
}

const struct aiwb_algorithm_type predict_knn = {
    .abi_version = AIWB_ABI_VERSION,
    .size = sizeof(struct aiwb_algorithm_type),
    .name = "knn",
    .flags = ALGO_KNN_FLAGS,
    .state_version = ALGO_KNN_STATE_VERSION,
    .state_size = sizeof(struct knn),
    .n_outputs = knn_n_outputs,
    .predict = knn_predict,
    .load = knn_load,
    .fini = knn_fini,
};
