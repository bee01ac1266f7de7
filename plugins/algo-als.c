/*
 * algo-als.c - matrix factorisation by alternating least squares (ALS), for
 * explicit ratings and for implicit feedback with confidence weights.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The model scores a (user, item) pair by x_u . y_i, with k factors per user
 * (the rows of X) and per item (the rows of Y). Training minimises
 *
 *   explicit  sum over the rated pairs (r_ui - x_u . y_i)^2
 *             + lambda (sum_u w_u |x_u|^2 + sum_i w_i |y_i|^2)
 *   implicit  sum over ALL pairs c_ui (p_ui - x_u . y_i)^2
 *             + lambda (sum_u w_u |x_u|^2 + sum_i w_i |y_i|^2)
 *
 * where, for implicit feedback (Hu, Koren and Volinsky 2008), p_ui is 1
 * when r_ui > 0 and 0 otherwise (also for every pair without a row), and
 * c_ui = 1 + alpha r_ui (1 without a row). The weights w are 1 with
 * lambda_scale=none, as in Hu et al. and Python's implicit; with
 * lambda_scale=count they are the user's or item's number of pairs (Zhou
 * et al.'s ALS-WR, which Spark's ALS uses), so the same lambda means a much
 * stronger penalty. The default, auto, is count for explicit ratings and
 * none for implicit feedback: with lambda=0.1 each is then its reference
 * library's default, and on gen:ratings (500 users, 200 items, density
 * 0.2, a fifth of the rows held out, 15 sweeps) the better of the two:
 * held-out RMSE 0.72 against 0.88 unscaled (0.77 with lambda=1) for
 * explicit ratings; precision@10 0.075 against 0.072 scaled for implicit
 * feedback.
 *
 * One iterate is one sweep: every user's factors solved with the item
 * factors fixed, then every item's with the user factors fixed. Each solve
 * is exact, the k x k normal equations
 *
 *   explicit  (Y_u' Y_u + lambda w_u I) x_u = Y_u' r_u
 *   implicit  (Y'Y + Y'(C_u - I)Y + lambda w_u I) x_u = Y' C_u p(u)
 *
 * (Y_u: the rows of Y of u's items, whose product is taken by BLAS, dsyrk,
 * in chunks; Y'Y is computed once per half-sweep, so a user costs
 * O(n_u k^2 + k^3) whatever the number of items) solved by Cholesky
 * factorisation (gsl_linalg_cholesky_decomp1), so the objective never
 * increases. A user or item without any pair gets zero factors. The rows
 * are shared among `threads` threads in fixed blocks; each row's solve is
 * computed alike whatever the number of threads, so the numbers are the
 * same too. A system singular to working precision (lambda=0 with fewer
 * pairs than factors) is refused rather than solved into garbage.
 *
 * Stopping: after max_iter sweeps, or earlier when a sweep lowered the
 * objective by at most tol times its value. The default, tol=0, makes
 * always max_iter sweeps, as Spark and implicit do (10 and 15 sweeps): a
 * lightly penalised fit creeps on for hundreds of sweeps at relative
 * changes of 1e-4 while its recommendations no longer change. Only a
 * positive tol that max_iter cuts short is warned about.
 * Step values: "loss" (the objective divided by the number of pairs),
 * "rmse" on the training pairs (explicit only), "converged".
 *
 * Initial factors: gsl_rng_mt19937 seeded with the problem's seed folded to
 * 32 bits (low word XOR high word), drawing X row by row, then Y row by row,
 * each factor 0.01 (2u - 1) / sqrt(k) with u = gsl_rng_uniform: small, as
 * Python's implicit draws them (0.01 u), but centred, and on gen:ratings
 * (see tests/unit/test-recommend.c) as good after 10 sweeps as 0.1 after
 * 30 (0.1 leaves the first sweeps near a rank-one solution). X is
 * overwritten by the first half-sweep, but drawn all the same, so that a
 * cancelled fit is usable and Y's draws are fixed. tests/data/recommend/
 * als_ref.py repeats all of this in numpy.
 *
 * Rows: feature 0 is the user code, feature 1 the item code (further
 * features are ignored), y the rating (explicit) or the strength of the
 * interaction (implicit: all ones for plain events, counts otherwise; never
 * negative); no y means all ones. Several rows of one pair: for explicit
 * ratings the last one counts (a newer rating replaces an older one); for
 * implicit feedback their values add up (events accumulate). The model keeps
 * its pairs, so that update() can fold in more rows and recommend() can skip
 * the items a user has.
 *
 * update() folds rows in without training again: their pairs are merged as
 * above, then every user with a row among them is solved again with the
 * item factors fixed (the exact fold-in: the very solve of a sweep), and
 * then every item that had no pair before (new ones included) is solved with
 * the user factors fixed. Those items had zero factors in the users' solve,
 * so their users are solved once more, now against the item factors as
 * they end: a new user whose only items are new would otherwise keep zero
 * factors. All other users and items keep their factors.
 *
 * Cold start: predict() of a pair whose user has no pair in the model (the
 * code -1, NaN or past the fitted users included) gives the item's mean
 * rating (explicit) or the share of the users with an interaction that have
 * this item (implicit: its popularity); a pair whose item has no pair gives
 * the user's mean rating (explicit) or 0 (implicit); neither known: the
 * mean of all ratings (explicit) or 0. recommend() ranks only items with a
 * pair in the model, by x_u . y_i, or for a cold user by the item scores
 * predict() gives it, and never returns an item the user has in the model.
 */
#include <config.h>

#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_vector.h>

#include <aiwb/plugin.h>

#include "algo-als.h"
#include "rank-pairs.h"
#include "rank-topk.h"

#define ALS_ROW_BLOCK 64                /* rows a thread takes at a time */
#define ALS_SINGULAR (64 * DBL_EPSILON) /* pivots squared this far apart: singular */
#define ALS_CHUNK_CELLS 8192            /* numbers in one dsyrk chunk (see chunk_rows) */
#define ALS_INIT_SCALE 0.01             /* initial factors: U(-0.01, 0.01) / sqrt(k) */

static const struct aiwb_host_api *api;

/* The pairs of ST as triples, by user then item (a new array of st->nnz). */
static struct triple *
store_triples(const struct rank_store *st)
{
    struct triple *t = api->alloc(rank_nonzero(st->nnz) * sizeof(*t));

    for (size_t u = 0; u < st->n_users; u++)
        for (size_t j = st->uptr[u]; j < st->uptr[u + 1]; j++)
            t[j] = (struct triple){(int32_t)u, st->uidx[j], st->uval[j]};
    return t;
}

/* ---------------------------------------------------------------------------
 * Threads: rows shared out in fixed blocks.
 */

/* Solve row ROW with workspace WS; 0 or a GSL error code. */
typedef int (*row_fn)(const void *ctx, double *ws, size_t row);

struct worker {
    pthread_t tid;
    row_fn fn;
    const void *ctx;
    double *ws;
    const size_t *rows; /* NULL: rows 0..n-1 */
    size_t n, t, nt;
    size_t bad; /* the position of the first row that failed */
    int rc;
};

/* Worker T takes blocks T, T + NT, T + 2 NT ... and stops at its first failure. */
static void *
worker_main(void *arg)
{
    struct worker *w = arg;

    w->rc = 0;
    for (size_t beg = w->t * ALS_ROW_BLOCK; beg < w->n; beg += w->nt * ALS_ROW_BLOCK) {
        size_t end = beg + ALS_ROW_BLOCK < w->n ? beg + ALS_ROW_BLOCK : w->n;
        for (size_t j = beg; j < end; j++) {
            int rc = w->fn(w->ctx, w->ws, w->rows != NULL ? w->rows[j] : j);
            if (rc != 0) {
                w->rc = rc;
                w->bad = j;
                return NULL;
            }
        }
    }
    return NULL;
}

/*
 * Call FN on N rows (ROWS, or 0..N-1) with up to THREADS threads, each with
 * a workspace of WSIZE doubles. Returns 0, or the error of the first row
 * (in ROWS' order) that failed, that row in *BAD: the same whatever the
 * number of threads.
 */
static int
run_rows(size_t threads, size_t wsize, row_fn fn, const void *ctx, const size_t *rows, size_t n,
         size_t *bad)
{
    size_t blocks = (n + ALS_ROW_BLOCK - 1) / ALS_ROW_BLOCK;
    size_t nt = threads < blocks ? threads : blocks, first = SIZE_MAX;
    struct worker *w;
    int rc = 0;

    if (nt == 0)
        return 0;
    w = api->calloc(nt, sizeof(*w));
    for (size_t t = 0; t < nt; t++) {
        w[t] = (struct worker){.fn = fn, .ctx = ctx, .rows = rows, .n = n, .t = t, .nt = nt};
        w[t].ws = api->alloc(wsize * sizeof(double));
    }
    /* Worker 0 runs here; a thread that cannot start runs here too. */
    for (size_t t = 1; t < nt; t++)
        if (pthread_create(&w[t].tid, NULL, worker_main, &w[t]) != 0)
            w[t].nt = 0; /* marks "not started" */
    worker_main(&w[0]);
    for (size_t t = 1; t < nt; t++) {
        if (w[t].nt == 0) {
            w[t].nt = nt;
            worker_main(&w[t]);
        } else {
            pthread_join(w[t].tid, NULL);
        }
    }
    for (size_t t = 0; t < nt; t++) {
        if (w[t].rc != 0 && w[t].bad < first) {
            first = w[t].bad;
            rc = w[t].rc;
        }
        api->free(w[t].ws);
    }
    api->free(w);
    if (rc != 0)
        *bad = rows != NULL ? rows[first] : first;
    return rc;
}

/* ---------------------------------------------------------------------------
 * Solving one side with the other fixed.
 */

/*
 * The rows of the other side one dsyrk call takes: as many as keep it under
 * ALS_CHUNK_CELLS numbers (and at least one). Products that small are
 * OpenBLAS's single-threaded case, so it does not start threads of its own
 * beside ours; and they took half the time of a plain loop over the rows
 * (1M ratings: 0.21 s a sweep against 0.31 s for k=10, 0.93 s against
 * 1.9 s for k=32).
 */
static size_t
chunk_rows(size_t k)
{
    return k < ALS_CHUNK_CELLS ? ALS_CHUNK_CELLS / k : 1;
}

/* The doubles a thread's workspace for solve_row holds: A, b, a chunk. */
static size_t
workspace_size(size_t k)
{
    return k * k + k + chunk_rows(k) * k;
}

/* What every row's solve of one half-sweep shares. */
struct half {
    const struct als *s;
    const size_t *ptr;  /* the side's sparse rows */
    const int32_t *idx; /* codes on the other side */
    const double *val;
    double *F;         /* the factors being solved, a row each */
    const double *G;   /* the fixed factors */
    const double *GtG; /* implicit: G'G, k x k */
};

/*
 * Solve the factors of row ROW (a user, or an item) exactly with the other
 * side fixed: the normal equations at the top of the file, by Cholesky.
 * WS holds workspace_size(k) doubles. Returns 0 or GSL's error code.
 */
static int
solve_row(const void *ctx, double *ws, size_t row)
{
    const struct half *h = ctx;
    const struct als *s = h->s;
    const size_t k = s->k, beg = h->ptr[row], end = h->ptr[row + 1], chunk = chunk_rows(k);
    double *A = ws, *b = ws + k * k, *Z = ws + k * k + k, *x = h->F + row * k;
    gsl_matrix_view Av = gsl_matrix_view_array(A, k, k);
    int rc;

    if (end == beg) {
        memset(x, 0, k * sizeof(double));
        return 0;
    }
    if (s->implicit)
        memcpy(A, h->GtG, k * k * sizeof(double));
    else
        memset(A, 0, k * k * sizeof(double));
    memset(b, 0, k * sizeof(double));
    /* A += Z'Z by BLAS, Z a chunk of the rows y_i scaled by sqrt(weight):
     * explicit weight 1, right-hand side r; implicit c - 1 and c p. */
    for (size_t t0 = beg; t0 < end; t0 += chunk) {
        const size_t t1 = t0 + chunk < end ? t0 + chunk : end;
        for (size_t t = t0; t < t1; t++) {
            const double *y = h->G + (size_t)h->idx[t] * k, r = h->val[t];
            const double sw = s->implicit ? sqrt(s->alpha * r) : 1.0;
            const double rhs = s->implicit ? (r > 0 ? 1.0 + s->alpha * r : 0.0) : r;
            double *z = Z + (t - t0) * k;
            for (size_t a = 0; a < k; a++) {
                z[a] = sw * y[a];
                b[a] += rhs * y[a];
            }
        }
        gsl_matrix_view Zv = gsl_matrix_view_array(Z, t1 - t0, k);
        rc = gsl_blas_dsyrk(CblasLower, CblasTrans, 1.0, &Zv.matrix, 1.0, &Av.matrix);
        if (rc != GSL_SUCCESS)
            return rc;
    }
    for (size_t a = 0; a < k; a++)
        A[a * k + a] += s->lambda * (s->count_scale ? (double)(end - beg) : 1.0);

    gsl_vector_view bv = gsl_vector_view_array(b, k);
    gsl_vector_view xv = gsl_vector_view_array(x, k);
    rc = gsl_linalg_cholesky_decomp1(&Av.matrix);
    if (rc != GSL_SUCCESS)
        return rc;
    /* Singular to working precision (lambda=0 and too few pairs, say): the
     * pivots' spread bounds the condition number from below. Cholesky
     * itself often passes such a matrix on rounding and returns garbage. */
    double lo = A[0], hi = A[0];
    for (size_t a = 1; a < k; a++) {
        lo = fmin(lo, A[a * k + a]);
        hi = fmax(hi, A[a * k + a]);
    }
    if (!(lo * lo > ALS_SINGULAR * hi * hi))
        return GSL_EDOM;
    return gsl_linalg_cholesky_solve(&Av.matrix, &bv.vector, &xv.vector);
}

/* G = F'F for the N x k factors F, both triangles filled. */
static int
gram(const double *F, size_t n, size_t k, double *G)
{
    gsl_matrix_view Gv = gsl_matrix_view_array(G, k, k);
    int rc;

    if (n == 0) {
        memset(G, 0, k * k * sizeof(double));
        return GSL_SUCCESS;
    }
    gsl_matrix_const_view Fv = gsl_matrix_const_view_array(F, n, k);
    rc = gsl_blas_dsyrk(CblasLower, CblasTrans, 1.0, &Fv.matrix, 0.0, &Gv.matrix);
    for (size_t a = 0; a < k; a++)
        for (size_t c = a + 1; c < k; c++)
            G[a * k + c] = G[c * k + a];
    return rc;
}

/*
 * Solve the factors of users (ITEMS false) or items (true): N of them in
 * ROWS, or all when ROWS is NULL. Returns AIWB_OK or AIWB_ENUMERIC with
 * *cause set.
 */
static int
half_sweep(struct als *s, int items, const size_t *rows, size_t n, char **cause)
{
    const struct rank_store *st = &s->st;
    const size_t k = s->k, n_other = items ? st->n_users : st->n_items;
    double *GtG = NULL;
    size_t bad = 0;
    int rc = GSL_SUCCESS;
    struct half h = {
        .s = s,
        .ptr = items ? st->iptr : st->uptr,
        .idx = items ? st->iidx : st->uidx,
        .val = items ? st->ival : st->uval,
        .F = items ? s->Y : s->X,
        .G = items ? s->X : s->Y,
    };

    if (rows == NULL)
        n = items ? st->n_items : st->n_users;
    if (s->implicit) {
        GtG = api->alloc(k * k * sizeof(double));
        rc = gram(h.G, n_other, k, GtG);
        h.GtG = GtG;
    }
    if (rc == GSL_SUCCESS)
        rc = run_rows(s->threads, workspace_size(k), solve_row, &h, rows, n, &bad);
    else
        bad = SIZE_MAX;
    api->free(GtG);
    if (rc == GSL_SUCCESS)
        return AIWB_OK;
    if (bad == SIZE_MAX)
        *cause = api->format("als: a BLAS operation failed: %s", gsl_strerror(rc));
    else
        *cause =
            api->format("als: cannot solve for the factors of %s code %zu: its normal "
                        "equations are not positive definite (lambda=%g)%s",
                        items ? "item" : "user", bad, s->lambda,
                        s->lambda > 0 ? ": the data may hold extreme values" : "; use lambda > 0");
    return AIWB_ENUMERIC;
}

/* The objective at the top of the file; the training sum of squared errors
 * (explicit) in *SSE. NaN if a BLAS call fails. */
static double
objective(const struct als *s, double *sse)
{
    const struct rank_store *st = &s->st;
    const size_t k = s->k;
    double fit = 0, reg = 0;

    *sse = 0;
    for (size_t u = 0; u < st->n_users; u++) {
        const double *x = s->X + u * k;
        double nx = 0;
        for (size_t t = st->uptr[u]; t < st->uptr[u + 1]; t++) {
            const double *y = s->Y + (size_t)st->uidx[t] * k, r = st->uval[t];
            double dot = 0, e;
            for (size_t a = 0; a < k; a++)
                dot += x[a] * y[a];
            if (s->implicit) {
                e = (r > 0 ? 1.0 : 0.0) - dot;
                fit += (1.0 + s->alpha * r) * e * e - dot * dot;
            } else {
                e = r - dot;
                *sse += e * e;
            }
        }
        for (size_t a = 0; a < k; a++)
            nx += x[a] * x[a];
        reg += nx * (s->count_scale ? (double)(st->uptr[u + 1] - st->uptr[u]) : 1.0);
    }
    for (size_t i = 0; i < st->n_items; i++) {
        const double *y = s->Y + i * k;
        double ny = 0;
        for (size_t a = 0; a < k; a++)
            ny += y[a] * y[a];
        reg += ny * (s->count_scale ? (double)(st->iptr[i + 1] - st->iptr[i]) : 1.0);
    }
    if (s->implicit) {
        /* sum over all pairs of (x_u . y_i)^2 = sum_u x_u' (Y'Y) x_u */
        double *G = api->alloc(k * k * sizeof(double));
        int rc = gram(s->Y, st->n_items, k, G);
        for (size_t u = 0; u < st->n_users && rc == GSL_SUCCESS; u++) {
            const double *x = s->X + u * k;
            for (size_t a = 0; a < k; a++) {
                double ga = 0;
                for (size_t c = 0; c < k; c++)
                    ga += G[a * k + c] * x[c];
                fit += x[a] * ga;
            }
        }
        api->free(G);
        if (rc != GSL_SUCCESS)
            return NAN;
    } else {
        fit = *sse;
    }
    return fit + s->lambda * reg;
}

/* ---------------------------------------------------------------------------
 * Training.
 */

/*
 * The rows of PROB as triples (a new array), checked: codes within the
 * given numbers of users and items, finite values, none negative for
 * implicit feedback. NULL with *cause set on a bad row.
 */
static struct triple *
read_rows(const struct als *s, const struct aiwb_problem *prob, size_t n_users, size_t n_items,
          size_t extra, char **cause)
{
    struct triple *t = api->alloc(rank_nonzero(prob->n + extra) * sizeof(*t));

    for (size_t r = 0; r < prob->n; r++) {
        const double *x = prob->X + r * prob->ldx;
        double y = prob->y != NULL ? prob->y[r] : 1.0;
        long u = rank_code_of(x[0], n_users), i = rank_code_of(x[1], n_items);

        if (u < 0 || i < 0) {
            const int bad_user = u < 0;
            const double v = bad_user ? x[0] : x[1];
            if (isnan(v))
                *cause = api->format("als: row %zu has no %s", r + 1, bad_user ? "user" : "item");
            else
                *cause =
                    api->format("als: row %zu: the %s code %g is not one of 0..%zu", r + 1,
                                bad_user ? "user" : "item", v, (bad_user ? n_users : n_items) - 1);
            api->free(t);
            return NULL;
        }
        if (!isfinite(y) || (s->implicit && y < 0)) {
            *cause = api->format(s->implicit ? "als: row %zu: the interaction strength %g is not "
                                               "a finite number >= 0 (implicit feedback)"
                                             : "als: row %zu: the rating %g is not a finite number",
                                 r + 1, y);
            api->free(t);
            return NULL;
        }
        t[extra + r] = (struct triple){(int32_t)u, (int32_t)i, y};
    }
    return t;
}

/* The options into S. */
static void
read_options(struct als *s, const struct aiwb_options *opts)
{
    const char *scale = api->opt_str(opts, "lambda_scale");

    s->k = (size_t)api->opt_int(opts, "factors");
    s->lambda = api->opt_real(opts, "lambda");
    s->implicit = api->opt_bool(opts, "implicit") != 0;
    if (scale == NULL || strcmp(scale, "auto") == 0)
        s->count_scale = !s->implicit;
    else
        s->count_scale = strcmp(scale, "count") == 0;
    s->alpha = api->opt_real(opts, "alpha");
    s->max_iter = api->opt_int(opts, "max_iter");
    s->tol = api->opt_real(opts, "tol");
    s->threads = (size_t)api->opt_int(opts, "threads");
}

/* Check the shape of PROB: two categorical features, some rows. */
static int
check_problem(const struct aiwb_problem *prob, char **cause)
{
    if (prob->p < 2 || prob->feature_levels == NULL) {
        *cause = api->format("als: needs two categorical features, the user and the item "
                             "(got %zu feature%s)",
                             prob->p, prob->p == 1 ? "" : "s");
        return AIWB_EINVAL;
    }
    for (size_t j = 0; j < 2; j++) {
        if (prob->feature_levels[j] == 0) {
            *cause = api->format("als: the %s '%s' must be categorical (codes), not numeric",
                                 j == 0 ? "user" : "item",
                                 prob->feature_names != NULL ? prob->feature_names[j] : "?");
            return AIWB_EINVAL;
        }
        if (prob->feature_levels[j] > INT32_MAX) {
            *cause = api->format("als: %u %ss are more than it can take (%d)",
                                 prob->feature_levels[j], j == 0 ? "user" : "item", INT32_MAX);
            return AIWB_EINVAL;
        }
    }
    if (prob->n == 0) {
        *cause = api->format("als: there are no interactions to learn from");
        return AIWB_EDATA;
    }
    if (prob->p > 2)
        api->log(AIWB_LOG_INFO,
                 "als: uses only the user and the item; the other %zu "
                 "feature%s ignored",
                 prob->p - 2, prob->p == 3 ? " is" : "s are");
    return AIWB_OK;
}

/* Draw the initial factors (see the top of the file). */
static void
init_factors(struct als *s, uint64_t seed)
{
    const size_t k = s->k;
    const double scale = ALS_INIT_SCALE / sqrt((double)k);
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);

    gsl_rng_set(rng, (unsigned long)((seed & 0xffffffffu) ^ (seed >> 32)));
    for (size_t j = 0; j < s->st.n_users * k; j++)
        s->X[j] = scale * (2.0 * gsl_rng_uniform(rng) - 1.0);
    for (size_t j = 0; j < s->st.n_items * k; j++)
        s->Y[j] = scale * (2.0 * gsl_rng_uniform(rng) - 1.0);
    gsl_rng_free(rng);
}

/* Read the options, check and merge the rows, draw the initial factors. */
static int
als_init(void *state, const struct aiwb_options *opts, const struct aiwb_problem *prob,
         char **cause)
{
    struct als *s = state;
    struct triple *t;
    size_t n_users, n_items, merged;
    int rc;

    als_clear(s);
    read_options(s, opts);
    if ((rc = check_problem(prob, cause)) != AIWB_OK)
        return rc;
    n_users = prob->feature_levels[0];
    n_items = prob->feature_levels[1];
    if ((t = read_rows(s, prob, n_users, n_items, 0, cause)) == NULL)
        return AIWB_EDATA;
    merged = store_build(api, &s->st, n_users, n_items, t, prob->n, s->implicit);
    api->free(t);
    if (merged > 0)
        api->log(AIWB_LOG_INFO,
                 s->implicit ? "als: %zu rows repeat a (user, item) pair: their strengths add up"
                             : "als: %zu rows repeat a (user, item) pair: the last rating counts",
                 merged);
    s->X = api->alloc(rank_nonzero(n_users * s->k) * sizeof(double));
    s->Y = api->alloc(rank_nonzero(n_items * s->k) * sizeof(double));
    init_factors(s, prob->seed);
    als_compute_cold(s);
    s->rows = prob->n;
    s->objective = s->loss = s->rmse = NAN;
    s->ready = 1;
    return AIWB_OK;
}

/* One sweep: users, then items; then the objective and the stopping test. */
static int
als_iterate(void *state, const struct aiwb_problem *prob, struct aiwb_step *step, char **cause)
{
    struct als *s = state;
    double prev = s->objective, obj, sse;
    int rc;

    (void)prob;
    if (!s->ready) {
        *cause = api->format("als: iterate without a successful init");
        return AIWB_EINVAL;
    }
    if (s->converged)
        return AIWB_OK;
    if ((rc = half_sweep(s, 0, NULL, 0, cause)) != AIWB_OK ||
        (rc = half_sweep(s, 1, NULL, 0, cause)) != AIWB_OK)
        return rc;
    s->iterations++;
    obj = objective(s, &sse);
    if (!isfinite(obj)) {
        *cause = api->format("als: the objective became %g at sweep %" PRId64
                             ": the ratings may hold extreme values",
                             obj, s->iterations);
        return AIWB_ENUMERIC;
    }
    s->objective = obj;
    s->loss = obj / (double)s->st.nnz;
    s->rmse = s->implicit ? NAN : sqrt(sse / (double)s->st.nnz);
    s->converged = s->iterations > 1 && prev - obj <= s->tol * obj;
    api->step_value(step, "loss", s->loss);
    if (!s->implicit)
        api->step_value(step, "rmse", s->rmse);
    api->step_value(step, "converged", s->converged);
    if (s->converged)
        return AIWB_OK;
    if (s->iterations >= s->max_iter) {
        if (s->tol > 0)
            api->log(AIWB_LOG_WARN,
                     "als: stopped after max_iter=%" PRId64 " sweeps without converging (the "
                     "last lowered the objective by %.3g of it, tol=%g)",
                     s->iterations, (prev - obj) / obj, s->tol);
        return AIWB_OK;
    }
    return AIWB_CONTINUE;
}

/* The model as it stands is the model (also after a cancel). */
static int
als_finish(void *state, const struct aiwb_problem *prob, char **cause)
{
    struct als *s = state;

    (void)prob;
    if (!s->ready) {
        *cause = api->format("als: finish without a successful init");
        return AIWB_EINVAL;
    }
    s->fitted = 1;
    return AIWB_OK;
}

/* ---------------------------------------------------------------------------
 * Using the model.
 */

/* Make room for N_USERS users and N_ITEMS items: new factors are zero. */
static void
grow(struct als *s, size_t n_users, size_t n_items)
{
    const size_t k = s->k;

    if (n_users > s->st.n_users) {
        s->X = api->realloc(s->X, n_users * k * sizeof(double));
        memset(s->X + s->st.n_users * k, 0, (n_users - s->st.n_users) * k * sizeof(double));
    }
    if (n_items > s->st.n_items) {
        s->Y = api->realloc(s->Y, n_items * k * sizeof(double));
        memset(s->Y + s->st.n_items * k, 0, (n_items - s->st.n_items) * k * sizeof(double));
    }
}

/* Copy N doubles (a new array). */
static double *
copy_reals(const double *v, size_t n)
{
    double *c = api->alloc(rank_nonzero(n) * sizeof(double));

    memcpy(c, v, n * sizeof(double));
    return c;
}

/*
 * The users that the N new triples T name (ascending) into ROWS; returns
 * how many.
 */
static size_t
named_users(const struct triple *t, size_t n, size_t n_users, size_t *rows)
{
    unsigned char *seen = api->calloc(rank_nonzero(n_users), 1);
    size_t m = 0;

    for (size_t r = 0; r < n; r++)
        seen[t[r].u] = 1;
    for (size_t u = 0; u < n_users; u++)
        if (seen[u])
            rows[m++] = u;
    api->free(seen);
    return m;
}

/*
 * Keep those of the N users ROWS (ascending) that have one of the NI items
 * ITEMS, in ROWS; returns how many.
 */
static size_t
users_of_items(const struct rank_store *st, const size_t *items, size_t ni, size_t *rows, size_t n)
{
    unsigned char *mark = api->calloc(rank_nonzero(st->n_items), 1);
    size_t m = 0;

    for (size_t j = 0; j < ni; j++)
        mark[items[j]] = 1;
    for (size_t j = 0; j < n; j++) {
        size_t u = rows[j], t = st->uptr[u];
        while (t < st->uptr[u + 1] && !mark[st->uidx[t]])
            t++;
        if (t < st->uptr[u + 1])
            rows[m++] = u;
    }
    api->free(mark);
    return m;
}

/*
 * Fold in the rows of PROB: merge their pairs, solve again every user they
 * name with the item factors fixed, then every item that had no pair before
 * with the user factors fixed, then once more the users of those items (see
 * the top of the file). On failure the model is left as it was.
 */
static int
als_update(void *state, const struct aiwb_problem *prob, char **cause)
{
    struct als *s = state;
    struct rank_store old;
    struct triple *t, *mine;
    size_t n_users, n_items, nu, nn = 0, nagain = 0, merged, *urows, *irows;
    double *X0, *Y0;
    int rc;

    if (!s->fitted) {
        *cause = api->format("als: update needs a trained model");
        return AIWB_EINVAL;
    }
    if (prob->n == 0)
        return AIWB_OK;
    if ((rc = check_problem(prob, cause)) != AIWB_OK)
        return rc;
    n_users = prob->feature_levels[0] > s->st.n_users ? prob->feature_levels[0] : s->st.n_users;
    n_items = prob->feature_levels[1] > s->st.n_items ? prob->feature_levels[1] : s->st.n_items;
    if ((t = read_rows(s, prob, n_users, n_items, s->st.nnz, cause)) == NULL)
        return AIWB_EDATA;
    mine = store_triples(&s->st);
    memcpy(t, mine, s->st.nnz * sizeof(*t));
    api->free(mine);
    X0 = copy_reals(s->X, s->st.n_users * s->k);
    Y0 = copy_reals(s->Y, s->st.n_items * s->k);
    grow(s, n_users, n_items);
    old = s->st;
    merged = store_build(api, &s->st, n_users, n_items, t, old.nnz + prob->n, s->implicit);

    /* The users the rows name, and the items that had no pair before. */
    urows = api->alloc(rank_nonzero(n_users) * sizeof(size_t));
    irows = api->alloc(rank_nonzero(n_items) * sizeof(size_t));
    nu = named_users(t + old.nnz, prob->n, n_users, urows);
    for (size_t i = 0; i < n_items; i++)
        if ((i >= old.n_items || old.iptr[i + 1] == old.iptr[i]) &&
            s->st.iptr[i + 1] > s->st.iptr[i])
            irows[nn++] = i;
    api->free(t);

    rc = half_sweep(s, 0, urows, nu, cause);
    if (rc == AIWB_OK && nn > 0) {
        rc = half_sweep(s, 1, irows, nn, cause);
        /* The users of new items solved again, now that those have factors. */
        nagain = users_of_items(&s->st, irows, nn, urows, nu);
        if (rc == AIWB_OK && nagain > 0)
            rc = half_sweep(s, 0, urows, nagain, cause);
    }
    api->free(urows);
    api->free(irows);
    if (rc != AIWB_OK) {
        /* Back to the model as it was (the arrays may stay larger). */
        rank_store_release(api, &s->st);
        s->st = old;
        memcpy(s->X, X0, old.n_users * s->k * sizeof(double));
        memcpy(s->Y, Y0, old.n_items * s->k * sizeof(double));
    } else {
        rank_store_release(api, &old);
        als_compute_cold(s);
        if (nn == 0)
            api->log(AIWB_LOG_INFO,
                     "als: folded in %zu rows (%zu repeat a pair): solved %zu "
                     "user%s again",
                     prob->n, merged, nu, nu == 1 ? "" : "s");
        else
            api->log(AIWB_LOG_INFO,
                     "als: folded in %zu rows (%zu repeat a pair): solved %zu "
                     "user%s, then %zu new item%s, then %zu of those users again",
                     prob->n, merged, nu, nu == 1 ? "" : "s", nn, nn == 1 ? "" : "s", nagain);
    }
    api->free(X0);
    api->free(Y0);
    return rc;
}

/* One note line from a format; the table copies it. */
static void
note(struct aiwb_table *t, char *text)
{
    api->table_note(t, text);
    api->free(text);
}

static void
report_row(struct aiwb_table *t, const char *name, double v)
{
    api->table_text(t, name);
    api->table_real(t, v);
}

/* The model's size and the fit's numbers. */
static int
als_report(const void *state, struct aiwb_table *t)
{
    const struct als *s = state;

    if (!s->fitted)
        return AIWB_EINVAL;
    api->table_title(t, s->implicit ? "als: implicit feedback" : "als: explicit ratings");
    api->table_column(t, "quantity", AIWB_TABLE_TEXT);
    api->table_column(t, "value", AIWB_TABLE_REAL);
    report_row(t, "users", (double)s->st.n_users);
    report_row(t, "items", (double)s->st.n_items);
    report_row(t, "pairs", (double)s->st.nnz);
    report_row(t, "factors", (double)s->k);
    report_row(t, "lambda", s->lambda);
    if (s->implicit)
        report_row(t, "alpha", s->alpha);
    report_row(t, "sweeps", (double)s->iterations);
    report_row(t, "loss", s->loss);
    if (!s->implicit)
        report_row(t, "rmse", s->rmse);
    note(t, api->format("Penalty: lambda * %s", s->count_scale
                                                    ? "(n_u |x_u|^2 + n_i |y_i|^2), n the "
                                                      "number of pairs (lambda_scale=count)"
                                                    : "(|x_u|^2 + |y_i|^2) (lambda_scale=none)"));
    if (s->converged)
        note(t, api->format("Converged after %" PRId64 " sweeps (the last lowered the objective "
                            "by at most tol=%g of it)",
                            s->iterations, s->tol));
    else
        note(t, api->format("Stopped after %" PRId64 " sweeps (max_iter=%" PRId64 ")",
                            s->iterations, s->max_iter));
    return AIWB_OK;
}

/* The options, the pairs, the factors and the fit's numbers. */
static int
als_save(const void *state, struct aiwb_writer *w)
{
    const struct als *s = state;
    const struct rank_store *st = &s->st;
    int64_t *counts, *items;
    int rc;

    if (!s->fitted)
        return AIWB_EINVAL;
    counts = api->alloc(rank_nonzero(st->n_users) * sizeof(int64_t));
    items = api->alloc(rank_nonzero(st->nnz) * sizeof(int64_t));
    for (size_t u = 0; u < st->n_users; u++)
        counts[u] = (int64_t)(st->uptr[u + 1] - st->uptr[u]);
    for (size_t j = 0; j < st->nnz; j++)
        items[j] = st->uidx[j];
    rc = api->put_int(w, "factors", (int64_t)s->k);
    if (rc == AIWB_OK)
        rc = api->put_real(w, "lambda", s->lambda);
    if (rc == AIWB_OK)
        rc = api->put_str(w, "lambda_scale", s->count_scale ? "count" : "none");
    if (rc == AIWB_OK)
        rc = api->put_int(w, "implicit", s->implicit);
    if (rc == AIWB_OK)
        rc = api->put_real(w, "alpha", s->alpha);
    if (rc == AIWB_OK)
        rc = api->put_int(w, "max_iter", s->max_iter);
    if (rc == AIWB_OK)
        rc = api->put_real(w, "tol", s->tol);
    if (rc == AIWB_OK)
        rc = api->put_int(w, "threads", (int64_t)s->threads);
    if (rc == AIWB_OK)
        rc = api->put_int(w, "items", (int64_t)st->n_items);
    if (rc == AIWB_OK)
        rc = api->put_ints(w, "user_pairs", st->n_users, counts);
    if (rc == AIWB_OK)
        rc = api->put_ints(w, "pair_items", st->nnz, items);
    if (rc == AIWB_OK)
        rc = api->put_reals(w, "pair_values", st->nnz, st->uval);
    if (rc == AIWB_OK)
        rc = api->put_reals(w, "user_factors", st->n_users * s->k, s->X);
    if (rc == AIWB_OK)
        rc = api->put_reals(w, "item_factors", st->n_items * s->k, s->Y);
    if (rc == AIWB_OK)
        rc = api->put_int(w, "rows", (int64_t)s->rows);
    if (rc == AIWB_OK)
        rc = api->put_int(w, "sweeps", s->iterations);
    if (rc == AIWB_OK)
        rc = api->put_int(w, "converged", s->converged);
    if (rc == AIWB_OK)
        rc = api->put_real(w, "objective", s->objective);
    if (rc == AIWB_OK)
        rc = api->put_real(w, "rmse", s->rmse);
    api->free(items);
    api->free(counts);
    return rc;
}

static const char als_help[] =
    "Matrix factorisation by alternating least squares: each user u and item i\n"
    "get k factors, x_u and y_i, and the score of a pair is x_u . y_i.\n"
    "Explicit ratings (the default) minimise\n"
    "    sum over rated pairs (r_ui - x_u . y_i)^2 + lambda * penalty\n"
    "implicit=true (Hu, Koren and Volinsky 2008) minimises over all pairs\n"
    "    sum c_ui (p_ui - x_u . y_i)^2 + lambda * penalty\n"
    "with p_ui = 1 if the pair has a row with r > 0, else 0, and confidence\n"
    "c_ui = 1 + alpha r_ui. penalty = sum |x_u|^2 + sum |y_i|^2, or with\n"
    "lambda_scale=count each term times the user's or item's number of pairs\n"
    "(ALS-WR, as Spark); the default, auto, scales for explicit ratings only.\n"
    "A sweep solves every user exactly with the items fixed,\n"
    "then every item; `update` folds in new rows by solving only their users\n"
    "(and items new to the model). Repeated pairs: the last rating counts\n"
    "(explicit), strengths add up (implicit). Cold start: an unknown user\n"
    "scores an item by its mean rating (explicit) or its share of users\n"
    "(implicit); an unknown item scores the user's mean rating, or 0.";

static const struct aiwb_option_spec als_options[] = {
    {.name = "factors",
     .type = AIWB_OPT_INT,
     .def = "10",
     .min = 1,
     .max = ALS_MAX_FACTORS,
     .help = "k, the number of latent factors per user and item"},
    {.name = "lambda",
     .type = AIWB_OPT_REAL,
     .def = "0.1",
     .min = 0,
     .max = INFINITY,
     .help = "the penalty on the squared norms of the factors"},
    {.name = "lambda_scale",
     .type = AIWB_OPT_CHOICE,
     .def = "auto",
     .choices = "auto|none|count",
     .help = "none: lambda |x|^2 (as Hu et al. and implicit); count: lambda n |x|^2 with n "
             "the user's or item's number of pairs (ALS-WR, as Spark); auto: count for "
             "explicit ratings, none for implicit feedback"},
    {.name = "implicit",
     .type = AIWB_OPT_BOOL,
     .def = "false",
     .help = "treat the values as implicit feedback (events, counts) with confidence weights"},
    {.name = "alpha",
     .type = AIWB_OPT_REAL,
     .def = "40",
     .min = 0,
     .max = INFINITY,
     .help = "implicit: the confidence of a pair with value r is 1 + alpha r"},
    {.name = "max_iter",
     .type = AIWB_OPT_INT,
     .def = "15",
     .min = 1,
     .max = INFINITY,
     .help = "the most sweeps (each solves all users, then all items)"},
    {.name = "tol",
     .type = AIWB_OPT_REAL,
     .def = "0",
     .min = 0,
     .max = INFINITY,
     .help = "stop when a sweep lowers the objective by at most tol times its value (0: "
             "always max_iter sweeps)"},
    {.name = "threads",
     .type = AIWB_OPT_INT,
     .def = "2",
     .min = 1,
     .max = ALS_MAX_THREADS,
     .help = "threads to solve the users and items with (the numbers do not depend on it)"},
    {.name = NULL},
};

static const struct aiwb_algorithm_type als_type = {
    .abi_version = AIWB_ABI_VERSION,
    .size = sizeof(struct aiwb_algorithm_type),
    .name = "als",
    .summary = "matrix factorisation by alternating least squares, explicit or implicit",
    .help = als_help,
    .options = als_options,
    .flags = ALGO_ALS_FLAGS,
    .state_version = ALGO_ALS_STATE_VERSION,
    .state_size = sizeof(struct als),
    .init = als_init,
    .iterate = als_iterate,
    .finish = als_finish,
    .n_outputs = als_n_outputs,
    .predict = als_predict,
    .report = als_report,
    .save = als_save,
    .load = als_load,
    .fini = als_fini,
    .recommend = als_recommend,
    .update = als_update,
    .rates = als_rates,
};

/* The module's entry point: registers the "als" algorithm. */
int
aiwb_plugin_init(struct aiwb_plugin *p, const struct aiwb_host_api *host)
{
    AIWB_PLUGIN_BEGIN(p, host, api, "als", "1.0.0");
    algo_als_bind(host);
    return api->register_algorithm(p, &als_type);
}
