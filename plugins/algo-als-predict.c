/*
 * algo-als-predict.c - the predict half of the als plugin: loading a fitted state,
 * predicting and recommending, shared by the plugin module and the exported
 * prediction server.
 *
 * Copyright (C) 2026 the aiwb developers
 * SPDX-License-Identifier: MIT
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <aiwb/plugin.h>

#include "algo-als.h"
#include "predict-common.h"
#include "rank-topk.h"

static const struct aiwb_host_api *api;

/*
 * Keep HOST as the table this half calls. The plugin module calls it from
 * aiwb_plugin_init, the server with its own host table, before anything else.
 */
void
algo_als_bind(const struct aiwb_host_api *host)
{
    api = host;
}

/* Free what the state owns and zero everything but the options. */
void
als_clear(struct als *s)
{
    struct als keep = *s;

    rank_store_release(api, &s->st);
    api->free(s->X);
    api->free(s->Y);
    api->free(s->cold_item);
    api->free(s->cold_user);
    memset(s, 0, sizeof(*s));
    s->k = keep.k;
    s->lambda = keep.lambda;
    s->count_scale = keep.count_scale;
    s->implicit = keep.implicit;
    s->alpha = keep.alpha;
    s->max_iter = keep.max_iter;
    s->tol = keep.tol;
    s->threads = keep.threads;
}

static int
user_known(const struct als *s, long u)
{
    return u >= 0 && (size_t)u < s->st.n_users && s->st.uptr[u + 1] > s->st.uptr[u];
}

static int
item_known(const struct als *s, long i)
{
    return i >= 0 && (size_t)i < s->st.n_items && s->st.iptr[i + 1] > s->st.iptr[i];
}

/* The cold-start scores (see the top of algo-als.c) from the pairs. */
void
als_compute_cold(struct als *s)
{
    const struct rank_store *st = &s->st;
    double total = 0;
    size_t active = 0;

    api->free(s->cold_item);
    api->free(s->cold_user);
    s->cold_item = api->calloc(rank_nonzero(st->n_items), sizeof(double));
    s->cold_user = api->calloc(rank_nonzero(st->n_users), sizeof(double));
    for (size_t t = 0; t < st->nnz; t++)
        total += st->uval[t];
    s->global = st->nnz > 0 && !s->implicit ? total / (double)st->nnz : 0;
    for (size_t u = 0; u < st->n_users; u++) {
        size_t beg = st->uptr[u], end = st->uptr[u + 1], pos = 0;
        double sum = 0;
        for (size_t t = beg; t < end; t++) {
            sum += st->uval[t];
            pos += st->uval[t] > 0;
        }
        active += pos > 0;
        s->cold_user[u] = s->implicit ? 0 : end > beg ? sum / (double)(end - beg) : s->global;
    }
    for (size_t i = 0; i < st->n_items; i++) {
        size_t beg = st->iptr[i], end = st->iptr[i + 1], pos = 0;
        double sum = 0;
        for (size_t t = beg; t < end; t++) {
            sum += st->ival[t];
            pos += st->ival[t] > 0;
        }
        if (s->implicit)
            s->cold_item[i] = active > 0 ? (double)pos / (double)active : 0;
        else
            s->cold_item[i] = end > beg ? sum / (double)(end - beg) : s->global;
    }
}

/* One output: the score of a pair. */
size_t
als_n_outputs(const void *state)
{
    (void)state;
    return 1;
}

/* The score of user U for item I, cold start included. */
static double
pair_score(const struct als *s, long u, long i)
{
    int uk = user_known(s, u), ik = item_known(s, i);

    if (uk && ik)
        return predict_dot(s->X + (size_t)u * s->k, s->Y + (size_t)i * s->k, s->k);
    if (ik)
        return s->cold_item[i];
    if (uk)
        return s->cold_user[u];
    return s->global;
}

/* Scores of the (user, item) pairs of the N rows of X; AIWB_EINVAL before a fit. */
int
als_predict(const void *state, size_t n, const double *X, size_t ldx, double *out)
{
    const struct als *s = state;

    if (!s->fitted)
        return AIWB_EINVAL;
    for (size_t r = 0; r < n; r++) {
        const double *x = X + r * ldx;
        out[r] =
            pair_score(s, rank_code_of(x[0], s->st.n_users), rank_code_of(x[1], s->st.n_items));
    }
    return AIWB_OK;
}

/*
 * The K best items for USER that it has not got (in the model or EXCLUDE), best first,
 * into ITEMS and SCORES; returns how many, or AIWB_EINVAL before a fit.
 */
int
als_recommend(const void *state, int32_t user, const int32_t *exclude, size_t n_exclude, size_t k,
              int32_t *items, double *scores)
{
    const struct als *s = state;
    const struct rank_store *st = &s->st;
    const size_t ni = st->n_items;
    double *sc;
    unsigned char *skip;
    int n;

    if (!s->fitted)
        return AIWB_EINVAL;
    if (ni == 0 || k == 0)
        return 0;
    sc = api->alloc(ni * sizeof(double));
    skip = api->calloc(ni, 1);
    for (size_t i = 0; i < ni; i++)
        skip[i] = st->iptr[i + 1] == st->iptr[i];
    for (size_t e = 0; e < n_exclude; e++)
        if (exclude[e] >= 0 && (size_t)exclude[e] < ni)
            skip[exclude[e]] = 1;
    if (user_known(s, user)) {
        /* the same products as predict(), so that the scores agree to the bit */
        const double *x = s->X + (size_t)user * s->k;
        for (size_t i = 0; i < ni; i++)
            sc[i] = predict_dot(x, s->Y + i * s->k, s->k);
        for (size_t t = st->uptr[user]; t < st->uptr[user + 1]; t++)
            skip[st->uidx[t]] = 1;
    } else {
        memcpy(sc, s->cold_item, ni * sizeof(double));
    }
    n = rank_top_k(api, sc, ni, skip, -INFINITY, k, items, scores);
    api->free(skip);
    api->free(sc);
    return n;
}

static int
corrupt(char **cause, const char *what)
{
    return predict_corrupt(api, cause, "als", what);
}

/* The options as saved, checked as the option specs would. */
static int
load_options(struct als *s, struct aiwb_reader *r, char **cause)
{
    static const char *const scales[] = {"none", "count"};
    int64_t k, implicit, threads;
    int scale;

    if (api->get_int(r, "factors", &k) != AIWB_OK || k < 1 || k > ALS_MAX_FACTORS)
        return corrupt(cause, "factors");
    s->k = (size_t)k;
    if (api->get_real(r, "lambda", &s->lambda) != AIWB_OK || !(s->lambda >= 0))
        return corrupt(cause, "lambda");
    if ((scale = predict_get_word(api, r, "lambda_scale", scales, 2)) < 0)
        return corrupt(cause, "lambda_scale");
    s->count_scale = scale == 1;
    if (api->get_int(r, "implicit", &implicit) != AIWB_OK || implicit < 0 || implicit > 1)
        return corrupt(cause, "implicit");
    s->implicit = (int)implicit;
    if (api->get_real(r, "alpha", &s->alpha) != AIWB_OK || !(s->alpha >= 0))
        return corrupt(cause, "alpha");
    if (api->get_int(r, "max_iter", &s->max_iter) != AIWB_OK)
        return corrupt(cause, "max_iter");
    if (api->get_real(r, "tol", &s->tol) != AIWB_OK)
        return corrupt(cause, "tol");
    if (api->get_int(r, "threads", &threads) != AIWB_OK || threads < 1 || threads > ALS_MAX_THREADS)
        return corrupt(cause, "threads");
    s->threads = (size_t)threads;
    return AIWB_OK;
}

/* Read back what the fit half's save wrote. */
static int
load_state(void *state, struct aiwb_reader *r, char **cause)
{
    struct als *s = state;
    size_t nx = 0, ny = 0;
    int64_t rows, converged;
    int rc;

    if ((rc = load_options(s, r, cause)) != AIWB_OK ||
        (rc = rank_store_load(api, "als", &s->st, r, s->implicit, cause)) != AIWB_OK)
        return rc;
    if (api->get_reals(r, "user_factors", &nx, &s->X) != AIWB_OK || nx != s->st.n_users * s->k)
        return corrupt(cause, "user_factors");
    if (api->get_reals(r, "item_factors", &ny, &s->Y) != AIWB_OK || ny != s->st.n_items * s->k)
        return corrupt(cause, "item_factors");
    for (size_t j = 0; j < nx; j++)
        if (!isfinite(s->X[j]))
            return corrupt(cause, "user_factors");
    for (size_t j = 0; j < ny; j++)
        if (!isfinite(s->Y[j]))
            return corrupt(cause, "item_factors");
    if (api->get_int(r, "rows", &rows) != AIWB_OK || rows < 0)
        return corrupt(cause, "rows");
    s->rows = (size_t)rows;
    if (api->get_int(r, "sweeps", &s->iterations) != AIWB_OK)
        return corrupt(cause, "sweeps");
    if (api->get_int(r, "converged", &converged) != AIWB_OK)
        return corrupt(cause, "converged");
    s->converged = converged != 0;
    if (api->get_real(r, "objective", &s->objective) != AIWB_OK)
        return corrupt(cause, "objective");
    if (api->get_real(r, "rmse", &s->rmse) != AIWB_OK)
        return corrupt(cause, "rmse");
    s->loss = s->st.nnz > 0 ? s->objective / (double)s->st.nnz : NAN;
    return AIWB_OK;
}

/*
 * Load a saved model into STATE. Returns AIWB_OK; AIWB_ENOTSUP for another state
 * version, AIWB_EDATA for a corrupt model, with *cause set and the state left empty.
 */
int
als_load(void *state, struct aiwb_reader *r, unsigned version, char **cause)
{
    struct als *s = state;
    int rc;

    rc = predict_load(api, "als", version, ALGO_ALS_STATE_VERSION, als_fini, load_state, s,
                      &s->fitted, r, cause);
    if (rc != AIWB_OK)
        return rc;
    als_compute_cold(s);
    s->ready = 1;
    return AIWB_OK;
}

/* Free what a fit or load allocated in STATE. */
void
als_fini(void *state)
{
    als_clear(state);
}

/* Explicit ratings are estimated; implicit feedback gives preferences. */
int
als_rates(const void *state)
{
    const struct als *s = state;

    return !s->implicit;
}

const struct aiwb_algorithm_type predict_als = {
    .abi_version = AIWB_ABI_VERSION,
    .size = sizeof(struct aiwb_algorithm_type),
    .name = "als",
    .flags = ALGO_ALS_FLAGS,
    .state_version = ALGO_ALS_STATE_VERSION,
    .state_size = sizeof(struct als),
    .n_outputs = als_n_outputs,
    .predict = als_predict,
    .load = als_load,
    .fini = als_fini,
    .recommend = als_recommend,
    .rates = als_rates,
};
