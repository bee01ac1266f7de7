/*
 * linear-xprod.c - the cross-products of the rows (1, x, y) in one pass, for
 * the least-squares modules (algo-ols.c, algo-ridge.c, algo-lasso.c), each of
 * which links its own copy (only aiwb_* symbols leave a module).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Rows are copied block by block into a small buffer, shifted by the mean of
 * the first rows (so that centring at the end cancels little) and scaled by
 * the square roots of their weights; one dgemm adds each block's A'A. The
 * rows are cut into chunks, each with its own sum, and the chunks' sums are
 * added in order at the end, so the numbers do not depend on how many
 * threads took the chunks. A block is small enough (XPROD_BLAS_ALONE) that
 * OpenBLAS runs its dgemm on the calling thread, so our threads do not
 * compete with OpenBLAS's own; with more than XPROD_THREAD_K columns the
 * dgemm is worth OpenBLAS's threads and the pass runs on one thread. Rows
 * of weight zero take part (as zeros), so that a non-finite value anywhere
 * makes the sums non-finite: the pass also checks the data.
 */

#include <config.h>

#include "linear-xprod.h"

#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#include <gsl/gsl_blas.h>

#define XPROD_CHUNK_ROWS 16384 /* at least this many rows a chunk */
#define XPROD_SHIFT_ROWS 1024  /* the shift is the mean of the first rows */
#define XPROD_AUTO_THREADS 4   /* at most this many threads unless told */
#define XPROD_THREAD_ROWS 65536
#define XPROD_THREAD_K 64
#define XPROD_BLAS_ALONE 262144 /* m n k below which OpenBLAS's dgemm takes one thread */

/* One chunk of rows [i0, i1) and its sum. */
struct xprod_chunk {
    const struct aiwb_host_api *api;
    const struct aiwb_problem *prob;
    const double *shift;
    size_t k, block, i0, i1;
    double *sum; /* k x k */
    int failed;
};

void
xprod_free(struct xprod *xp)
{
    if (xp == NULL)
        return;
    xp->api->free(xp->shift);
    xp->api->free(xp->S);
    xp->api->free(xp);
}

/* Add the cross-products of one chunk's rows to its sum (a pool item). */
static void *
xprod_chunk_run(void *arg)
{
    struct xprod_chunk *ch = arg;
    const struct aiwb_host_api *api = ch->api;
    const struct aiwb_problem *prob = ch->prob;
    const size_t k = ch->k, p = k - 2;
    const double *shift = ch->shift;
    double *A = api->alloc(ch->block * k * sizeof(double));
    gsl_matrix_view Sv = gsl_matrix_view_array(ch->sum, k, k);

    for (size_t b0 = ch->i0; b0 < ch->i1; b0 += ch->block) {
        const size_t rows = ch->i1 - b0 < ch->block ? ch->i1 - b0 : ch->block;

        for (size_t r = 0; r < rows; r++) {
            const size_t i = b0 + r;
            const double sw = prob->w != NULL ? sqrt(prob->w[i]) : 1.0;
            double *a = A + r * k;

            a[0] = sw;
            if (p > 0) {
                const double *xi = prob->X + i * prob->ldx;
                for (size_t j = 0; j < p; j++)
                    a[j + 1] = sw * (xi[j] - shift[j]);
            }
            a[p + 1] = sw * (prob->y[i] - shift[p]);
        }
        gsl_matrix_view Av = gsl_matrix_view_array(A, rows, k);
        if (gsl_blas_dgemm(CblasTrans, CblasNoTrans, 1.0, &Av.matrix, &Av.matrix, 1.0,
                           &Sv.matrix) != GSL_SUCCESS)
            ch->failed = 1;
    }
    api->free(A);
    return NULL;
}

/* N chunks, each handed to whichever of the pool's threads is free first. */
struct xprod_pool {
    struct xprod_chunk *chunks;
    size_t n;
    atomic_size_t next;
};

static void *
xprod_pool_worker(void *arg)
{
    struct xprod_pool *pl = arg;
    size_t i;

    while ((i = atomic_fetch_add_explicit(&pl->next, 1, memory_order_relaxed)) < pl->n)
        xprod_chunk_run(&pl->chunks[i]);
    return NULL;
}

/* Run the N chunks on NTHREADS threads, this one included; a thread that
 * cannot start leaves its share to the others. */
static void
xprod_run_pool(size_t nthreads, struct xprod_chunk *chunks, size_t n)
{
    pthread_t tid[XPROD_MAX_THREADS];
    int started[XPROD_MAX_THREADS];
    struct xprod_pool pl = {.chunks = chunks, .n = n};

    atomic_init(&pl.next, 0);
    if (nthreads > n)
        nthreads = n;
    for (size_t i = 1; i < nthreads; i++)
        started[i] = pthread_create(&tid[i], NULL, xprod_pool_worker, &pl) == 0;
    xprod_pool_worker(&pl);
    for (size_t i = 1; i < nthreads; i++)
        if (started[i])
            pthread_join(tid[i], NULL);
}

/* How many threads make the pass: WANT if positive, else one a core (at
 * most XPROD_AUTO_THREADS) for a big and narrow problem. */
static size_t
xprod_threads(int64_t want, size_t n, size_t k)
{
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    cpu_set_t set;

    if (want > 0)
        return want < XPROD_MAX_THREADS ? (size_t)want : XPROD_MAX_THREADS;
    if (n < XPROD_THREAD_ROWS || k > XPROD_THREAD_K)
        return 1;
    /* the cores this process may run on, which a container may limit */
    if (sched_getaffinity(0, sizeof(set), &set) == 0)
        cpus = CPU_COUNT(&set);
    if (cpus < 1)
        return 1;
    return cpus < XPROD_AUTO_THREADS ? (size_t)cpus : XPROD_AUTO_THREADS;
}

struct xprod *
xprod_compute(const struct aiwb_host_api *api, const struct aiwb_problem *prob, int centre,
              int64_t threads)
{
    const size_t n = prob->n, p = prob->p, k = p + 2;
    struct xprod *xp = api->calloc(1, sizeof(*xp));
    size_t chunk_rows = 64 * k > XPROD_CHUNK_ROWS ? 64 * k : XPROD_CHUNK_ROWS;
    size_t nchunks = n == 0 ? 0 : (n + chunk_rows - 1) / chunk_rows;
    size_t block = XPROD_BLAS_ALONE / (k * k);
    struct xprod_chunk *chunks = api->calloc(nchunks > 0 ? nchunks : 1, sizeof(*chunks));
    double *sums = nchunks > 1 ? api->calloc(nchunks * k * k, sizeof(double)) : NULL;
    int failed = 0;

    xp->api = api;
    xp->p = p;
    xp->k = k;
    xp->centre = centre;
    xp->shift = api->calloc(p + 1, sizeof(double));
    xp->S = api->calloc(k * k, sizeof(double));
    if (centre && n > 0) {
        size_t m = n < XPROD_SHIFT_ROWS ? n : XPROD_SHIFT_ROWS;
        for (size_t i = 0; i < m; i++) {
            for (size_t j = 0; j < p; j++)
                xp->shift[j] += prob->X[i * prob->ldx + j];
            xp->shift[p] += prob->y[i];
        }
        for (size_t j = 0; j <= p; j++)
            xp->shift[j] /= (double)m;
    }
    if (k > XPROD_THREAD_K)
        block = 256;
    else if (block < 16)
        block = 16;
    else if (block > 1024)
        block = 1024;
    for (size_t c = 0; c < nchunks; c++) {
        chunks[c] = (struct xprod_chunk){
            .api = api,
            .prob = prob,
            .shift = xp->shift,
            .k = k,
            .block = block,
            .i0 = c * chunk_rows,
            .i1 = (c + 1) * chunk_rows < n ? (c + 1) * chunk_rows : n,
            .sum = nchunks > 1 ? sums + c * k * k : xp->S, /* one chunk: straight into S */
        };
    }
    xprod_run_pool(xprod_threads(threads, n, k), chunks, nchunks);
    for (size_t c = 0; c < nchunks; c++) {
        failed |= chunks[c].failed;
        for (size_t e = 0; nchunks > 1 && e < k * k; e++)
            xp->S[e] += chunks[c].sum[e];
    }
    api->free(sums);
    api->free(chunks);
    if (failed) {
        xprod_free(xp);
        return NULL;
    }
    return xp;
}

int
xprod_finite(const struct xprod *xp)
{
    for (size_t e = 0; e < xp->k * xp->k; e++)
        if (!isfinite(xp->S[e]))
            return 0;
    return 1;
}

void
xprod_moments(const struct xprod *xp, double *M, double *mean, double *sw)
{
    const size_t k = xp->k, m = xp->p + 1;
    const double W = xp->S[0];

    *sw = W;
    for (size_t j = 0; j < m; j++)
        mean[j] = xp->shift[j] + xp->S[j + 1] / W;
    for (size_t j = 0; j < m; j++) {
        for (size_t l = 0; l < m; l++) {
            double v = xp->S[(j + 1) * k + l + 1];
            if (xp->centre)
                v -= xp->S[j + 1] * xp->S[l + 1] / W;
            M[j * m + l] = v;
        }
    }
}

double
xprod_raw(const struct xprod *xp, size_t j)
{
    return xp->S[(j + 1) * xp->k + j + 1];
}
