/*
 * algo-itemknn-predict.c - the predict half of the itemknn plugin (itemknn and
 * popular): loading a fitted state, predicting and recommending, shared by the plugin
 * module and the exported prediction server.
 *
 * Copyright (C) 2026 the aiwb developers
 * SPDX-License-Identifier: MIT
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <aiwb/plugin.h>

#include "algo-itemknn.h"
#include "predict-common.h"
#include "rank-topk.h"

static const struct aiwb_host_api *api;

/*
 * Keep HOST as the table this half calls. The plugin module calls it from
 * aiwb_plugin_init, the server with its own host table, before anything else.
 */
void
algo_itemknn_bind(const struct aiwb_host_api *host)
{
    api = host;
}

/* One output: the score of a pair. */
size_t
itemknn_n_outputs(const void *state)
{
    (void)state;
    return 1;
}

/* One output: the score of a pair. */
size_t
popular_n_outputs(const void *state)
{
    (void)state;
    return 1;
}

/* ---------------------------------------------------------------------------
 * itemknn.
 */

/* Free what S owns and zero everything but the options. */
void
itemknn_clear(struct itemknn *s)
{
    struct itemknn keep = *s;

    rank_store_release(api, &s->st);
    api->free(s->norm);
    api->free(s->nptr);
    api->free(s->nidx);
    api->free(s->nsim);
    api->free(s->pop);
    memset(s, 0, sizeof(*s));
    s->neighbours = keep.neighbours;
    s->weighted = keep.weighted;
    s->threads = keep.threads;
}

/* The norms of the item vectors. */
void
itemknn_compute_norms(struct itemknn *s)
{
    const struct rank_store *st = &s->st;

    api->free(s->norm);
    s->norm = api->calloc(rank_nonzero(st->n_items), sizeof(double));
    for (size_t i = 0; i < st->n_items; i++) {
        double sum = 0;
        for (size_t t = st->iptr[i]; t < st->iptr[i + 1]; t++) {
            double v = itemknn_value(s, st->ival[t]);
            sum += v * v;
        }
        s->norm[i] = sqrt(sum);
    }
}

/* W_ij: the similarity of J as a neighbour of I, or 0. */
static double
neighbour_sim(const struct itemknn *s, size_t i, int32_t j)
{
    size_t lo = s->nptr[i], hi = s->nptr[i + 1];

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->nidx[mid] < j)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < s->nptr[i + 1] && s->nidx[lo] == j ? s->nsim[lo] : 0.0;
}

/* The score of user U for item I (see the top of the file). */
static double
score(const struct itemknn *s, long u, long i)
{
    const struct rank_store *st = &s->st;
    double sum = 0;

    if (!rank_item_has_pairs(st, i))
        return 0;
    if (!rank_user_has_pairs(st, u))
        return s->pop[i];
    for (size_t t = st->uptr[u]; t < st->uptr[u + 1]; t++)
        sum += itemknn_value(s, st->uval[t]) * neighbour_sim(s, (size_t)st->uidx[t], (int32_t)i);
    return sum;
}

/* The scores of the (user, item) pairs of the N rows of X; AIWB_EINVAL before a fit. */
int
itemknn_predict(const void *state, size_t n, const double *X, size_t ldx, double *out)
{
    const struct itemknn *s = state;

    if (!s->fitted)
        return AIWB_EINVAL;
    for (size_t r = 0; r < n; r++) {
        const double *x = X + r * ldx;
        out[r] = score(s, rank_code_of(x[0], s->st.n_users), rank_code_of(x[1], s->st.n_items));
    }
    return AIWB_OK;
}

/*
 * The K best items for USER (positive scores only): the user's items vote for their
 * neighbours; a cold user gets the popular items. Returns how many, or AIWB_EINVAL
 * before a fit.
 */
int
itemknn_recommend(const void *state, int32_t user, const int32_t *exclude, size_t n_exclude,
                  size_t k, int32_t *items, double *scores)
{
    const struct itemknn *s = state;
    const struct rank_store *st = &s->st;
    double *sc;
    unsigned char *skip;
    int n;

    if (!s->fitted)
        return AIWB_EINVAL;
    if (st->n_items == 0 || k == 0)
        return 0;
    skip = rank_skip_items(api, st, user, exclude, n_exclude);
    if (rank_user_has_pairs(st, user)) {
        sc = api->calloc(st->n_items, sizeof(double));
        for (size_t t = st->uptr[user]; t < st->uptr[user + 1]; t++) {
            const size_t i = (size_t)st->uidx[t];
            const double a = itemknn_value(s, st->uval[t]);
            for (size_t q = s->nptr[i]; q < s->nptr[i + 1]; q++)
                sc[s->nidx[q]] += a * s->nsim[q];
        }
        n = rank_top_k(api, sc, st->n_items, skip, 0.0, k, items, scores);
        api->free(sc);
    } else {
        n = rank_top_k(api, s->pop, st->n_items, skip, 0.0, k, items, scores);
    }
    api->free(skip);
    return n;
}

/* The neighbour lists as saved, checked: codes ascending, similarities in (0, 1]. */
static int
load_neighbours(struct itemknn *s, struct aiwb_reader *r, char **cause)
{
    const size_t ni = s->st.n_items;
    int64_t *counts = NULL, *idx = NULL;
    size_t nc = 0, nx = 0, ns = 0;
    int rc = AIWB_EDATA;

    if (api->get_ints(r, "neighbour_counts", &nc, &counts) != AIWB_OK || nc != ni)
        goto bad_counts;
    s->nptr = api->calloc(ni + 1, sizeof(size_t));
    for (size_t i = 0; i < ni; i++) {
        if (counts[i] < 0 || (uint64_t)counts[i] > ni)
            goto bad_counts;
        s->nptr[i + 1] = s->nptr[i] + (size_t)counts[i];
    }
    if (api->get_ints(r, "neighbour_items", &nx, &idx) != AIWB_OK || nx != s->nptr[ni]) {
        rc = predict_corrupt(api, cause, "itemknn", "neighbour_items");
        goto out;
    }
    s->nidx = api->alloc(rank_nonzero(nx) * sizeof(int32_t));
    for (size_t i = 0; i < ni; i++) {
        for (size_t q = s->nptr[i]; q < s->nptr[i + 1]; q++) {
            if (idx[q] < 0 || (size_t)idx[q] >= ni || (size_t)idx[q] == i ||
                (q > s->nptr[i] && idx[q] <= idx[q - 1])) {
                rc = predict_corrupt(api, cause, "itemknn", "neighbour_items");
                goto out;
            }
            s->nidx[q] = (int32_t)idx[q];
        }
    }
    if (api->get_reals(r, "neighbour_sims", &ns, &s->nsim) != AIWB_OK || ns != nx) {
        rc = predict_corrupt(api, cause, "itemknn", "neighbour_sims");
        goto out;
    }
    for (size_t q = 0; q < ns; q++) {
        if (!(s->nsim[q] > 0) || !(s->nsim[q] <= 1 + 1e-12)) {
            rc = predict_corrupt(api, cause, "itemknn", "neighbour_sims");
            goto out;
        }
    }
    rc = AIWB_OK;
    goto out;
bad_counts:
    rc = predict_corrupt(api, cause, "itemknn", "neighbour_counts");
out:
    api->free(counts);
    api->free(idx);
    return rc;
}

static int
itemknn_load_state(void *state, struct aiwb_reader *r, char **cause)
{
    struct itemknn *s = state;
    int64_t k, weighted, threads, rows;
    int rc;

    if (api->get_int(r, "neighbours", &k) != AIWB_OK || k < 1)
        return predict_corrupt(api, cause, "itemknn", "neighbours");
    s->neighbours = (size_t)k;
    if (api->get_int(r, "weighted", &weighted) != AIWB_OK || weighted < 0 || weighted > 1)
        return predict_corrupt(api, cause, "itemknn", "weighted");
    s->weighted = (int)weighted;
    if (api->get_int(r, "threads", &threads) != AIWB_OK || threads < 1 ||
        threads > ITEMKNN_MAX_THREADS)
        return predict_corrupt(api, cause, "itemknn", "threads");
    s->threads = (size_t)threads;
    if (api->get_int(r, "rows", &rows) != AIWB_OK || rows < 0)
        return predict_corrupt(api, cause, "itemknn", "rows");
    s->rows = (size_t)rows;
    if ((rc = rank_store_load(api, "itemknn", &s->st, r, 0, cause)) != AIWB_OK ||
        (rc = load_neighbours(s, r, cause)) != AIWB_OK)
        return rc;
    return AIWB_OK;
}

/*
 * Load a saved itemknn model into STATE. Returns AIWB_OK; AIWB_ENOTSUP for another
 * state version, AIWB_EDATA for a corrupt model, with *cause set and the state left
 * empty.
 */
int
itemknn_load(void *state, struct aiwb_reader *r, unsigned version, char **cause)
{
    struct itemknn *s = state;
    int rc;

    rc = predict_load(api, "itemknn", version, ALGO_ITEMKNN_STATE_VERSION, itemknn_fini,
                      itemknn_load_state, s, &s->fitted, r, cause);
    if (rc != AIWB_OK)
        return rc;
    itemknn_compute_norms(s);
    s->pop = rank_popularity(api, &s->st);
    return AIWB_OK;
}

/* Free what a fit or load of itemknn allocated in STATE. */
void
itemknn_fini(void *state)
{
    itemknn_clear(state);
}

/* ---------------------------------------------------------------------------
 * popular.
 */

/* Free what S owns and zero everything but the options. */
void
popular_clear(struct popular *s)
{
    struct popular keep = *s;

    rank_store_release(api, &s->st);
    api->free(s->score);
    memset(s, 0, sizeof(*s));
    s->by_rating = keep.by_rating;
    s->min_count = keep.min_count;
}

/* Count (and average) again: S's scores and global from its pairs. */
void
popular_compute(struct popular *s)
{
    const struct rank_store *st = &s->st;
    double total = 0;

    api->free(s->score);
    s->score = api->alloc(rank_nonzero(st->n_items) * sizeof(double));
    for (size_t t = 0; t < st->nnz; t++)
        total += st->uval[t];
    s->global = st->nnz > 0 ? total / (double)st->nnz : 0;
    for (size_t i = 0; i < st->n_items; i++) {
        const size_t n = st->iptr[i + 1] - st->iptr[i];
        double sum = 0;
        if (!s->by_rating) {
            s->score[i] = n > 0 ? (double)n : NAN;
            continue;
        }
        for (size_t t = st->iptr[i]; t < st->iptr[i + 1]; t++)
            sum += st->ival[t];
        s->score[i] = n > 0 && n >= (uint64_t)s->min_count ? sum / (double)n : NAN;
    }
}

/* The item's score for everyone: its count or mean rating (see the top). */
static double
popular_score(const struct popular *s, long i)
{
    if (i >= 0 && (size_t)i < s->st.n_items && !isnan(s->score[i]))
        return s->score[i];
    return s->by_rating ? s->global : 0.0;
}

/* The scores of the items of the N rows of X; AIWB_EINVAL before a fit. */
int
popular_predict(const void *state, size_t n, const double *X, size_t ldx, double *out)
{
    const struct popular *s = state;

    if (!s->fitted)
        return AIWB_EINVAL;
    for (size_t r = 0; r < n; r++)
        out[r] = popular_score(s, rank_code_of(X[r * ldx + 1], s->st.n_items));
    return AIWB_OK;
}

/* The K best-scored items USER has not got; returns how many, or AIWB_EINVAL. */
int
popular_recommend(const void *state, int32_t user, const int32_t *exclude, size_t n_exclude,
                  size_t k, int32_t *items, double *scores)
{
    const struct popular *s = state;
    unsigned char *skip;
    int n;

    if (!s->fitted)
        return AIWB_EINVAL;
    if (s->st.n_items == 0 || k == 0)
        return 0;
    skip = rank_skip_items(api, &s->st, user, exclude, n_exclude);
    for (size_t i = 0; i < s->st.n_items; i++)
        skip[i] |= isnan(s->score[i]);
    n = rank_top_k(api, s->score, s->st.n_items, skip, -INFINITY, k, items, scores);
    api->free(skip);
    return n;
}

static int
popular_load_state(void *state, struct aiwb_reader *r, char **cause)
{
    struct popular *s = state;
    static const char *const by[] = {"count", "rating"};
    int64_t rows;
    int which;

    if ((which = predict_get_word(api, r, "by", by, 2)) < 0)
        return predict_corrupt(api, cause, "popular", "by");
    s->by_rating = which == 1;
    if (api->get_int(r, "min_count", &s->min_count) != AIWB_OK || s->min_count < 1)
        return predict_corrupt(api, cause, "popular", "min_count");
    if (api->get_int(r, "rows", &rows) != AIWB_OK || rows < 0)
        return predict_corrupt(api, cause, "popular", "rows");
    s->rows = (size_t)rows;
    return rank_store_load(api, "popular", &s->st, r, 0, cause);
}

/*
 * Load a saved popular model into STATE. Returns AIWB_OK; AIWB_ENOTSUP for another
 * state version, AIWB_EDATA for a corrupt model, with *cause set and the state left
 * empty.
 */
int
popular_load(void *state, struct aiwb_reader *r, unsigned version, char **cause)
{
    struct popular *s = state;
    int rc;

    rc = predict_load(api, "popular", version, ALGO_POPULAR_STATE_VERSION, popular_fini,
                      popular_load_state, s, &s->fitted, r, cause);
    if (rc == AIWB_OK)
        popular_compute(s);
    return rc;
}

/* Free what a fit or load of popular allocated in STATE. */
void
popular_fini(void *state)
{
    popular_clear(state);
}

/* by=rating predicts an item's mean rating; by=count a number of users. */
int
popular_rates(const void *state)
{
    const struct popular *s = state;

    return s->by_rating;
}

const struct aiwb_algorithm_type predict_itemknn = {
    .abi_version = AIWB_ABI_VERSION,
    .size = sizeof(struct aiwb_algorithm_type),
    .name = "itemknn",
    .flags = ALGO_ITEMKNN_FLAGS,
    .state_version = ALGO_ITEMKNN_STATE_VERSION,
    .state_size = sizeof(struct itemknn),
    .n_outputs = itemknn_n_outputs,
    .predict = itemknn_predict,
    .load = itemknn_load,
    .fini = itemknn_fini,
    .recommend = itemknn_recommend,
};

const struct aiwb_algorithm_type predict_popular = {
    .abi_version = AIWB_ABI_VERSION,
    .size = sizeof(struct aiwb_algorithm_type),
    .name = "popular",
    .flags = ALGO_POPULAR_FLAGS,
    .state_version = ALGO_POPULAR_STATE_VERSION,
    .state_size = sizeof(struct popular),
    .n_outputs = popular_n_outputs,
    .predict = popular_predict,
    .load = popular_load,
    .fini = popular_fini,
    .recommend = popular_recommend,
    .rates = popular_rates,
};
