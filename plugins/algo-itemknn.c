/*
 * algo-itemknn.c - two baseline recommenders: `itemknn`, item-item cosine
 * neighbours, and `popular`, the most popular items.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Both learn from rows whose feature 0 is the user code and feature 1 the
 * item code (further features are ignored), y the rating or all ones (no y:
 * all ones). Several rows of one pair: the last one counts. Both keep their
 * pairs, so that recommend() can skip the items a user has (besides those
 * the caller excludes) and update() can merge more rows in.
 *
 * itemknn. Each item i is the vector v_i over users: v_ui = 1 for a pair
 * (weighted=false, the default) or its rating (weighted=true), 0 without.
 * The similarity of items i and j is their cosine, v_i . v_j / (|v_i| |v_j|);
 * each item keeps its `neighbours` most similar other items with a positive
 * similarity (ties by item code), W_ij. The score of item j for user u is
 * sum_i v_ui W_ij over the user's items i: the user's items vote for their
 * neighbours. The products are taken sparsely, user by user, so an item
 * costs the sum of the numbers of items of its users (a million ratings of
 * 6,000 users and 3,700 items: 3 s); items are shared among `threads`
 * threads and each is computed alike whatever their number. recommend()
 * returns only items with a positive score: fewer than asked when few
 * items are neighbours of the user's. update() merges the rows and computes again the neighbours of
 * every item whose similarities may have changed (the items of the rows,
 * and the items that share a user with one of them): the same model as
 * training on all the rows.
 *
 * popular. by=count scores an item by its number of users; by=rating by
 * its mean rating, only for items with at least min_count ratings (the
 * others are never recommended and predict() gives them the mean of all
 * ratings). Every user gets the same list, less the items they have.
 * update() merges the rows and counts again.
 *
 * Cold start: itemknn scores the items of a user without pairs (the code
 * -1, NaN or past the fitted users included) by their popularity, the
 * share of the users with a pair that have the item; an item without pairs
 * scores 0 for everyone. popular scores an unknown item 0 (by=count) or the
 * mean of all ratings (by=rating).
 */
#include <config.h>

#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <aiwb/plugin.h>

#include "algo-itemknn.h"
#include "rank-pairs.h"
#include "rank-topk.h"

#define ITEMKNN_ROW_BLOCK 16 /* items a thread takes at a time */

static const struct aiwb_host_api *api;

/*
 * The rows of PROB as triples after EXTRA free slots (a new array),
 * checked: codes within the numbers of users and items, finite values.
 * NULL with *cause set (naming the algorithm WHO) on a bad row.
 */
static struct triple *
read_rows(const char *who, const struct aiwb_problem *prob, size_t n_users, size_t n_items,
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
                *cause =
                    api->format("%s: row %zu has no %s", who, r + 1, bad_user ? "user" : "item");
            else
                *cause =
                    api->format("%s: row %zu: the %s code %g is not one of 0..%zu", who, r + 1,
                                bad_user ? "user" : "item", v, (bad_user ? n_users : n_items) - 1);
            api->free(t);
            return NULL;
        }
        if (!isfinite(y)) {
            *cause =
                api->format("%s: row %zu: the rating %g is not a finite number", who, r + 1, y);
            api->free(t);
            return NULL;
        }
        t[extra + r] = (struct triple){(int32_t)u, (int32_t)i, y};
    }
    return t;
}

/* Check the shape of PROB: two categorical features (and for training, some rows). */
static int
check_problem(const char *who, const struct aiwb_problem *prob, char **cause)
{
    if (prob->p < 2 || prob->feature_levels == NULL) {
        *cause = api->format("%s: needs two categorical features, the user and the item "
                             "(got %zu feature%s)",
                             who, prob->p, prob->p == 1 ? "" : "s");
        return AIWB_EINVAL;
    }
    for (size_t j = 0; j < 2; j++) {
        if (prob->feature_levels[j] == 0) {
            *cause = api->format("%s: the %s '%s' must be categorical (codes), not numeric", who,
                                 j == 0 ? "user" : "item",
                                 prob->feature_names != NULL ? prob->feature_names[j] : "?");
            return AIWB_EINVAL;
        }
        if (prob->feature_levels[j] > INT32_MAX) {
            *cause = api->format("%s: %u %ss are more than it can take (%d)", who,
                                 prob->feature_levels[j], j == 0 ? "user" : "item", INT32_MAX);
            return AIWB_EINVAL;
        }
    }
    if (prob->n == 0) {
        *cause = api->format("%s: there are no interactions to learn from", who);
        return AIWB_EDATA;
    }
    if (prob->p > 2)
        api->log(AIWB_LOG_INFO,
                 "%s: uses only the user and the item; the other %zu feature%s "
                 "ignored",
                 who, prob->p - 2, prob->p == 3 ? " is" : "s are");
    return AIWB_OK;
}

/*
 * Build ST from the rows of PROB (training): checked, merged, a note when
 * rows repeat a pair. Returns AIWB_OK, or an error with *cause set.
 */
static int
store_from_problem(const char *who, struct rank_store *st, const struct aiwb_problem *prob,
                   char **cause)
{
    struct triple *t;
    size_t merged;
    int rc;

    if ((rc = check_problem(who, prob, cause)) != AIWB_OK)
        return rc;
    t = read_rows(who, prob, prob->feature_levels[0], prob->feature_levels[1], 0, cause);
    if (t == NULL)
        return AIWB_EDATA;
    merged = store_build(api, st, prob->feature_levels[0], prob->feature_levels[1], t, prob->n, 0);
    api->free(t);
    if (merged > 0)
        api->log(AIWB_LOG_INFO, "%s: %zu rows repeat a (user, item) pair: the last one counts", who,
                 merged);
    return AIWB_OK;
}

/*
 * Merge the rows of PROB into ST (their codes may go past its numbers of
 * users and items, up to PROB's levels). Returns AIWB_OK with the items the
 * rows name marked in *TOUCHED (a new array of the new number of items),
 * or an error with *cause set and ST unchanged.
 */
static int
store_merge(const char *who, struct rank_store *st, const struct aiwb_problem *prob,
            unsigned char **touched, char **cause)
{
    size_t n_users, n_items;
    struct triple *t;
    struct rank_store merged;
    int rc;

    if ((rc = check_problem(who, prob, cause)) != AIWB_OK)
        return rc;
    n_users = prob->feature_levels[0] > st->n_users ? prob->feature_levels[0] : st->n_users;
    n_items = prob->feature_levels[1] > st->n_items ? prob->feature_levels[1] : st->n_items;
    if ((t = read_rows(who, prob, n_users, n_items, st->nnz, cause)) == NULL)
        return AIWB_EDATA;
    for (size_t u = 0; u < st->n_users; u++)
        for (size_t j = st->uptr[u]; j < st->uptr[u + 1]; j++)
            t[j] = (struct triple){(int32_t)u, st->uidx[j], st->uval[j]};
    *touched = api->calloc(rank_nonzero(n_items), 1);
    for (size_t r = 0; r < prob->n; r++)
        (*touched)[t[st->nnz + r].i] = 1;
    store_build(api, &merged, n_users, n_items, t, st->nnz + prob->n, 0);
    api->free(t);
    rank_store_release(api, st);
    *st = merged;
    return AIWB_OK;
}

/* Save the pairs: the number of items, the count per user, items, values. */
static int
store_save(const struct rank_store *st, struct aiwb_writer *w)
{
    int64_t *counts = api->alloc(rank_nonzero(st->n_users) * sizeof(int64_t));
    int64_t *items = api->alloc(rank_nonzero(st->nnz) * sizeof(int64_t));
    int rc;

    for (size_t u = 0; u < st->n_users; u++)
        counts[u] = (int64_t)(st->uptr[u + 1] - st->uptr[u]);
    for (size_t j = 0; j < st->nnz; j++)
        items[j] = st->uidx[j];
    rc = api->put_int(w, "items", (int64_t)st->n_items);
    if (rc == AIWB_OK)
        rc = api->put_ints(w, "user_pairs", st->n_users, counts);
    if (rc == AIWB_OK)
        rc = api->put_ints(w, "pair_items", st->nnz, items);
    if (rc == AIWB_OK)
        rc = api->put_reals(w, "pair_values", st->nnz, st->uval);
    api->free(items);
    api->free(counts);
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

/* ---------------------------------------------------------------------------
 * itemknn.
 */

/* A thread's workspace: dot products, which items they belong to, a heap. */
struct itemknn_ws {
    double *acc;      /* n_items: dot products with the current item */
    size_t *stamp;    /* n_items: 1 + the position of the last item that touched it */
    int32_t *touched; /* n_items: the items with a dot product, in order */
    struct rank_cand *heap;
};

static int
cand_by_code(const void *a, const void *b)
{
    const struct rank_cand *x = a, *y = b;

    return (x->item > y->item) - (x->item < y->item);
}

/* The items whose neighbours are computed, and where their lists went. */
struct slots {
    const struct itemknn *s;
    const size_t *rows; /* the items, ascending */
    size_t n;           /* how many */
    size_t k;           /* the most neighbours an item keeps */
    size_t *count;      /* n: each item's number of neighbours ... */
    size_t *offset;     /* ... where they start in its worker's lists ... */
    size_t *owner;      /* ... and which worker has them */
};

/* A worker: its share of the items and the neighbour lists it made. */
struct itemknn_worker {
    pthread_t tid;
    const struct slots *sl;
    size_t t, nt;
    int started;
    int32_t *idx; /* the lists of its items, one after the other */
    double *sim;
    size_t len, cap;
};

/*
 * The neighbours of the item at position POS of the rows W works on: the
 * cosines with every item sharing a user with it, the best k of the
 * positive ones, appended to W's lists by code.
 */
static void
neighbour_row(struct itemknn_worker *w, struct itemknn_ws *ws, size_t pos)
{
    const struct slots *sl = w->sl;
    const struct itemknn *s = sl->s;
    const struct rank_store *st = &s->st;
    const size_t i = sl->rows[pos];
    size_t nt = 0, n = 0;

    for (size_t t = st->iptr[i]; t < st->iptr[i + 1]; t++) {
        const size_t u = (size_t)st->iidx[t];
        const double a = itemknn_value(s, st->ival[t]);
        for (size_t q = st->uptr[u]; q < st->uptr[u + 1]; q++) {
            const int32_t j = st->uidx[q];
            if ((size_t)j == i)
                continue;
            if (ws->stamp[j] != pos + 1) {
                ws->stamp[j] = pos + 1;
                ws->acc[j] = 0;
                ws->touched[nt++] = j;
            }
            ws->acc[j] += a * itemknn_value(s, st->uval[q]);
        }
    }
    for (size_t q = 0; q < nt; q++) {
        const int32_t j = ws->touched[q];
        const double sim = ws->acc[j] / (s->norm[i] * s->norm[j]);
        if (sim > 0)
            rank_heap_offer(ws->heap, &n, sl->k, (struct rank_cand){sim, j});
    }
    qsort(ws->heap, n, sizeof(struct rank_cand), cand_by_code);
    if (w->len + n > w->cap) {
        w->cap = 2 * (w->len + n);
        w->idx = api->realloc(w->idx, w->cap * sizeof(int32_t));
        w->sim = api->realloc(w->sim, w->cap * sizeof(double));
    }
    sl->count[pos] = n;
    sl->offset[pos] = w->len;
    sl->owner[pos] = w->t;
    for (size_t q = 0; q < n; q++) {
        w->idx[w->len + q] = ws->heap[q].item;
        w->sim[w->len + q] = ws->heap[q].score;
    }
    w->len += n;
}

/* Worker T takes blocks T, T + NT, ... of the items. It allocates only
 * through the host's memory functions, which threads may call. */
static void *
itemknn_worker_main(void *arg)
{
    struct itemknn_worker *w = arg;
    const struct slots *sl = w->sl;
    const size_t ni = sl->s->st.n_items;
    struct itemknn_ws ws;

    ws.acc = api->calloc(rank_nonzero(ni), sizeof(double));
    ws.stamp = api->calloc(rank_nonzero(ni), sizeof(size_t));
    ws.touched = api->alloc(rank_nonzero(ni) * sizeof(int32_t));
    ws.heap = api->alloc(rank_nonzero(sl->k) * sizeof(struct rank_cand));
    for (size_t beg = w->t * ITEMKNN_ROW_BLOCK; beg < sl->n; beg += w->nt * ITEMKNN_ROW_BLOCK) {
        size_t end = beg + ITEMKNN_ROW_BLOCK < sl->n ? beg + ITEMKNN_ROW_BLOCK : sl->n;
        for (size_t pos = beg; pos < end; pos++)
            neighbour_row(w, &ws, pos);
    }
    api->free(ws.acc);
    api->free(ws.stamp);
    api->free(ws.touched);
    api->free(ws.heap);
    return NULL;
}

/* Compute the lists of SL's items with up to THREADS threads: the workers
 * that hold them (a new array of *NT; free their lists and it). */
static struct itemknn_worker *
fill_slots(const struct slots *sl, size_t threads, size_t *nt)
{
    size_t blocks = (sl->n + ITEMKNN_ROW_BLOCK - 1) / ITEMKNN_ROW_BLOCK;
    struct itemknn_worker *w;

    *nt = threads < blocks ? threads : blocks;
    if (*nt == 0)
        *nt = 1;
    w = api->calloc(*nt, sizeof(*w));
    for (size_t t = 0; t < *nt; t++)
        w[t] = (struct itemknn_worker){.sl = sl, .t = t, .nt = *nt};
    for (size_t t = 1; t < *nt; t++)
        w[t].started = pthread_create(&w[t].tid, NULL, itemknn_worker_main, &w[t]) == 0;
    itemknn_worker_main(&w[0]);
    for (size_t t = 1; t < *nt; t++) {
        if (w[t].started)
            pthread_join(w[t].tid, NULL);
        else
            itemknn_worker_main(&w[t]); /* the thread could not start: do its share here */
    }
    return w;
}

/*
 * Compute the neighbours of the items REDO marks (all when REDO is NULL)
 * and of those from OLD_ITEMS on; keep the others'.
 */
static void
compute_neighbours(struct itemknn *s, const unsigned char *redo, size_t old_items)
{
    const size_t ni = s->st.n_items;
    size_t *rows = api->alloc(rank_nonzero(ni) * sizeof(size_t)), n = 0, total = 0, pos = 0, nt;
    size_t *nptr = api->calloc(ni + 1, sizeof(size_t));
    struct slots sl = {.s = s, .rows = rows};
    struct itemknn_worker *w;
    int32_t *nidx;
    double *nsim;

    for (size_t i = 0; i < ni; i++)
        if (redo == NULL || redo[i] || i >= old_items)
            rows[n++] = i;
    sl.n = n;
    sl.k = s->neighbours < ni ? s->neighbours : ni;
    sl.count = api->calloc(rank_nonzero(n), sizeof(size_t));
    sl.offset = api->calloc(rank_nonzero(n), sizeof(size_t));
    sl.owner = api->calloc(rank_nonzero(n), sizeof(size_t));
    w = fill_slots(&sl, s->threads, &nt);

    /* Assemble: the new lists from the workers, the others as they were. */
    for (size_t i = 0; i < ni; i++) {
        if (pos < n && rows[pos] == i)
            total += sl.count[pos++];
        else
            total += s->nptr[i + 1] - s->nptr[i];
        nptr[i + 1] = total;
    }
    nidx = api->alloc(rank_nonzero(total) * sizeof(int32_t));
    nsim = api->alloc(rank_nonzero(total) * sizeof(double));
    pos = 0;
    for (size_t i = 0; i < ni; i++) {
        const size_t at = nptr[i], len = nptr[i + 1] - nptr[i];
        if (len == 0) {
            pos += pos < n && rows[pos] == i;
        } else if (pos < n && rows[pos] == i) {
            const struct itemknn_worker *o = &w[sl.owner[pos]];
            memcpy(nidx + at, o->idx + sl.offset[pos], len * sizeof(int32_t));
            memcpy(nsim + at, o->sim + sl.offset[pos], len * sizeof(double));
            pos++;
        } else {
            memcpy(nidx + at, s->nidx + s->nptr[i], len * sizeof(int32_t));
            memcpy(nsim + at, s->nsim + s->nptr[i], len * sizeof(double));
        }
    }
    api->free(s->nptr);
    api->free(s->nidx);
    api->free(s->nsim);
    s->nptr = nptr;
    s->nidx = nidx;
    s->nsim = nsim;
    for (size_t t = 0; t < nt; t++) {
        api->free(w[t].idx);
        api->free(w[t].sim);
    }
    api->free(w);
    api->free(sl.count);
    api->free(sl.offset);
    api->free(sl.owner);
    api->free(rows);
}

static int
itemknn_init(void *state, const struct aiwb_options *opts, const struct aiwb_problem *prob,
         char **cause)
{
    struct itemknn *s = state;

    itemknn_clear(s);
    s->neighbours = (size_t)api->opt_int(opts, "neighbours");
    s->weighted = api->opt_bool(opts, "weighted") != 0;
    s->threads = (size_t)api->opt_int(opts, "threads");
    s->rows = prob->n;
    return store_from_problem("itemknn", &s->st, prob, cause);
}

/* The norms, the neighbour lists and the popularity, from the pairs. */
static void
itemknn_compute(struct itemknn *s)
{
    itemknn_compute_norms(s);
    compute_neighbours(s, NULL, 0);
    s->pop = rank_popularity(api, &s->st);
}

/* The similarities, at once (a one-shot algorithm). */
static int
itemknn_iterate(void *state, const struct aiwb_problem *prob, struct aiwb_step *step, char **cause)
{
    struct itemknn *s = state;
    size_t with = 0;

    (void)prob;
    if (s->st.uptr == NULL) {
        *cause = api->format("itemknn: iterate without a successful init");
        return AIWB_EINVAL;
    }
    if (s->nptr != NULL)
        return AIWB_OK;
    itemknn_compute(s);
    for (size_t i = 0; i < s->st.n_items; i++)
        with += s->st.iptr[i + 1] > s->st.iptr[i];
    api->step_value(step, "neighbours",
                    with > 0 ? (double)s->nptr[s->st.n_items] / (double)with : 0.0);
    return AIWB_OK;
}

/* Stopped before the first iterate, the model is still the neighbours: compute them. */
static int
itemknn_finish(void *state, const struct aiwb_problem *prob, char **cause)
{
    struct itemknn *s = state;

    (void)prob;
    if (s->st.uptr == NULL) {
        *cause = api->format("itemknn: finish without a successful init");
        return AIWB_EINVAL;
    }
    if (s->nptr == NULL)
        itemknn_compute(s);
    s->fitted = 1;
    return AIWB_OK;
}

/* Merge the rows, then recompute the items whose similarities may change. */
static int
itemknn_update(void *state, const struct aiwb_problem *prob, char **cause)
{
    struct itemknn *s = state;
    const size_t old_items = s->st.n_items;
    unsigned char *touched = NULL, *redo;
    size_t nredo = 0;
    int rc;

    if (!s->fitted) {
        *cause = api->format("itemknn: update needs a trained model");
        return AIWB_EINVAL;
    }
    if (prob->n == 0)
        return AIWB_OK;
    if ((rc = store_merge("itemknn", &s->st, prob, &touched, cause)) != AIWB_OK)
        return rc;
    /* The items of the rows changed; every item sharing a user with one may
     * have new similarities. */
    redo = api->calloc(rank_nonzero(s->st.n_items), 1);
    for (size_t i = 0; i < s->st.n_items; i++) {
        if (!touched[i])
            continue;
        for (size_t t = s->st.iptr[i]; t < s->st.iptr[i + 1]; t++) {
            const size_t u = (size_t)s->st.iidx[t];
            for (size_t q = s->st.uptr[u]; q < s->st.uptr[u + 1]; q++)
                redo[s->st.uidx[q]] = 1;
        }
    }
    for (size_t i = 0; i < s->st.n_items; i++)
        nredo += redo[i] || i >= old_items;
    itemknn_compute_norms(s);
    compute_neighbours(s, redo, old_items);
    api->free(s->pop);
    s->pop = rank_popularity(api, &s->st);
    api->log(AIWB_LOG_INFO,
             "itemknn: merged %zu rows; the neighbours of %zu of %zu items "
             "computed again",
             prob->n, nredo, s->st.n_items);
    api->free(redo);
    api->free(touched);
    return AIWB_OK;
}

static int
itemknn_report(const void *state, struct aiwb_table *t)
{
    const struct itemknn *s = state;

    if (!s->fitted)
        return AIWB_EINVAL;
    api->table_title(t, "itemknn: item-item cosine neighbours");
    api->table_column(t, "quantity", AIWB_TABLE_TEXT);
    api->table_column(t, "value", AIWB_TABLE_REAL);
    report_row(t, "users", (double)s->st.n_users);
    report_row(t, "items", (double)s->st.n_items);
    report_row(t, "pairs", (double)s->st.nnz);
    report_row(t, "neighbours kept", (double)s->nptr[s->st.n_items]);
    note(t, api->format("Similarity: cosine of the items' %s vectors over users; each item keeps "
                        "its %zu most similar (positive) others",
                        s->weighted ? "rating" : "0/1", s->neighbours));
    return AIWB_OK;
}

static int
itemknn_save(const void *state, struct aiwb_writer *w)
{
    const struct itemknn *s = state;
    const size_t ni = s->st.n_items, total = s->nptr != NULL ? s->nptr[ni] : 0;
    int64_t *counts, *idx;
    int rc;

    if (!s->fitted)
        return AIWB_EINVAL;
    counts = api->alloc(rank_nonzero(ni) * sizeof(int64_t));
    idx = api->alloc(rank_nonzero(total) * sizeof(int64_t));
    for (size_t i = 0; i < ni; i++)
        counts[i] = (int64_t)(s->nptr[i + 1] - s->nptr[i]);
    for (size_t q = 0; q < total; q++)
        idx[q] = s->nidx[q];
    rc = api->put_int(w, "neighbours", (int64_t)s->neighbours);
    if (rc == AIWB_OK)
        rc = api->put_int(w, "weighted", s->weighted);
    if (rc == AIWB_OK)
        rc = api->put_int(w, "threads", (int64_t)s->threads);
    if (rc == AIWB_OK)
        rc = api->put_int(w, "rows", (int64_t)s->rows);
    if (rc == AIWB_OK)
        rc = store_save(&s->st, w);
    if (rc == AIWB_OK)
        rc = api->put_ints(w, "neighbour_counts", ni, counts);
    if (rc == AIWB_OK)
        rc = api->put_ints(w, "neighbour_items", total, idx);
    if (rc == AIWB_OK)
        rc = api->put_reals(w, "neighbour_sims", total, s->nsim);
    api->free(idx);
    api->free(counts);
    return rc;
}

/* ---------------------------------------------------------------------------
 * popular.
 */

static int
popular_init(void *state, const struct aiwb_options *opts, const struct aiwb_problem *prob,
         char **cause)
{
    struct popular *s = state;
    const char *by = api->opt_str(opts, "by");

    popular_clear(s);
    s->by_rating = by != NULL && strcmp(by, "rating") == 0;
    s->min_count = api->opt_int(opts, "min_count");
    s->rows = prob->n;
    return store_from_problem("popular", &s->st, prob, cause);
}

static int
popular_iterate(void *state, const struct aiwb_problem *prob, struct aiwb_step *step, char **cause)
{
    struct popular *s = state;

    (void)prob;
    (void)step;
    if (s->st.uptr == NULL) {
        *cause = api->format("popular: iterate without a successful init");
        return AIWB_EINVAL;
    }
    popular_compute(s);
    return AIWB_OK;
}

/* Stopped before the first iterate, the counts are still the model: count. */
static int
popular_finish(void *state, const struct aiwb_problem *prob, char **cause)
{
    struct popular *s = state;

    (void)prob;
    if (s->st.uptr == NULL) {
        *cause = api->format("popular: finish without a successful init");
        return AIWB_EINVAL;
    }
    if (s->score == NULL)
        popular_compute(s);
    s->fitted = 1;
    return AIWB_OK;
}

static int
popular_update(void *state, const struct aiwb_problem *prob, char **cause)
{
    struct popular *s = state;
    unsigned char *touched = NULL;
    int rc;

    if (!s->fitted) {
        *cause = api->format("popular: update needs a trained model");
        return AIWB_EINVAL;
    }
    if (prob->n == 0)
        return AIWB_OK;
    if ((rc = store_merge("popular", &s->st, prob, &touched, cause)) != AIWB_OK)
        return rc;
    api->free(touched);
    popular_compute(s);
    return AIWB_OK;
}

static int
popular_report(const void *state, struct aiwb_table *t)
{
    const struct popular *s = state;
    size_t ranked = 0;

    if (!s->fitted)
        return AIWB_EINVAL;
    for (size_t i = 0; i < s->st.n_items; i++)
        ranked += !isnan(s->score[i]);
    api->table_title(t, s->by_rating ? "popular: by mean rating" : "popular: by number of users");
    api->table_column(t, "quantity", AIWB_TABLE_TEXT);
    api->table_column(t, "value", AIWB_TABLE_REAL);
    report_row(t, "users", (double)s->st.n_users);
    report_row(t, "items", (double)s->st.n_items);
    report_row(t, "pairs", (double)s->st.nnz);
    report_row(t, "items ranked", (double)ranked);
    if (s->by_rating)
        note(t, api->format("Items with fewer than min_count=%" PRId64 " ratings are not "
                            "recommended",
                            s->min_count));
    return AIWB_OK;
}

static int
popular_save(const void *state, struct aiwb_writer *w)
{
    const struct popular *s = state;
    int rc;

    if (!s->fitted)
        return AIWB_EINVAL;
    rc = api->put_str(w, "by", s->by_rating ? "rating" : "count");
    if (rc == AIWB_OK)
        rc = api->put_int(w, "min_count", s->min_count);
    if (rc == AIWB_OK)
        rc = api->put_int(w, "rows", (int64_t)s->rows);
    if (rc == AIWB_OK)
        rc = store_save(&s->st, w);
    return rc;
}

/* ---------------------------------------------------------------------------
 * The descriptors.
 */

static const char itemknn_help[] =
    "Item-item neighbours: each item is its vector over users (1 for a pair, or\n"
    "the rating with weighted=true); the similarity of two items is the cosine\n"
    "of their vectors, and each item keeps its `neighbours` most similar others.\n"
    "A user's score for item j is the sum over the user's items i of v_ui times\n"
    "the similarity of j as a neighbour of i; recommend returns the best-scoring\n"
    "items the user has not got, only those with a positive score. A user\n"
    "without interactions gets the most popular items (scored by their share\n"
    "of users). `update` merges new rows (a repeated pair: the last one counts)\n"
    "and computes the affected neighbours again: the same as training on all.";

static const struct aiwb_option_spec itemknn_options[] = {
    {.name = "neighbours",
     .type = AIWB_OPT_INT,
     .def = "50",
     .min = 1,
     .max = INT32_MAX,
     .help = "how many most similar items each item keeps"},
    {.name = "weighted",
     .type = AIWB_OPT_BOOL,
     .def = "false",
     .help = "use the ratings in the cosine and the scores (false: interactions count as 1)"},
    {.name = "threads",
     .type = AIWB_OPT_INT,
     .def = "2",
     .min = 1,
     .max = ITEMKNN_MAX_THREADS,
     .help = "threads to compute the similarities with (the numbers do not depend on it)"},
    {.name = NULL},
};

static const struct aiwb_algorithm_type itemknn_type = {
    .abi_version = AIWB_ABI_VERSION,
    .size = sizeof(struct aiwb_algorithm_type),
    .name = "itemknn",
    .summary = "item-item cosine neighbours: recommends items like the user's",
    .help = itemknn_help,
    .options = itemknn_options,
    .flags = ALGO_ITEMKNN_FLAGS,
    .state_version = ALGO_ITEMKNN_STATE_VERSION,
    .state_size = sizeof(struct itemknn),
    .init = itemknn_init,
    .iterate = itemknn_iterate,
    .finish = itemknn_finish,
    .n_outputs = itemknn_n_outputs,
    .predict = itemknn_predict,
    .report = itemknn_report,
    .save = itemknn_save,
    .load = itemknn_load,
    .fini = itemknn_fini,
    .recommend = itemknn_recommend,
    .update = itemknn_update,
};

static const char popular_help[] =
    "The most popular items, the same for every user but for the items they\n"
    "have: by=count ranks items by their number of users, by=rating by their\n"
    "mean rating among items with at least min_count ratings. predict gives the\n"
    "item's count or mean rating (an unknown item: 0, or the mean of all\n"
    "ratings). A baseline every recommender should beat. `update` counts again.";

static const struct aiwb_option_spec popular_options[] = {
    {.name = "by",
     .type = AIWB_OPT_CHOICE,
     .def = "count",
     .choices = "count|rating",
     .help = "count: the number of users with the item; rating: its mean rating"},
    {.name = "min_count",
     .type = AIWB_OPT_INT,
     .def = "1",
     .min = 1,
     .max = INFINITY,
     .help = "by=rating: recommend only items with at least this many ratings"},
    {.name = NULL},
};

static const struct aiwb_algorithm_type popular_type = {
    .abi_version = AIWB_ABI_VERSION,
    .size = sizeof(struct aiwb_algorithm_type),
    .name = "popular",
    .summary = "the most popular items, by number of users or mean rating (a baseline)",
    .help = popular_help,
    .options = popular_options,
    .flags = ALGO_POPULAR_FLAGS,
    .state_version = ALGO_POPULAR_STATE_VERSION,
    .state_size = sizeof(struct popular),
    .init = popular_init,
    .iterate = popular_iterate,
    .finish = popular_finish,
    .n_outputs = popular_n_outputs,
    .predict = popular_predict,
    .report = popular_report,
    .save = popular_save,
    .load = popular_load,
    .fini = popular_fini,
    .recommend = popular_recommend,
    .update = popular_update,
    .rates = popular_rates,
};

/* The module's entry point: registers "itemknn" and "popular". */
int
aiwb_plugin_init(struct aiwb_plugin *p, const struct aiwb_host_api *host)
{
    int rc;

    AIWB_PLUGIN_BEGIN(p, host, api, "itemknn", "1.0.0");
    algo_itemknn_bind(host);
    rc = api->register_algorithm(p, &itemknn_type);
    if (rc == AIWB_OK)
        rc = api->register_algorithm(p, &popular_type);
    return rc;
}
