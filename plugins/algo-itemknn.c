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

#include "rank-pairs.h"
#include "rank-topk.h"

#define KNN_MAX_THREADS 64
#define KNN_ROW_BLOCK 16 /* items a thread takes at a time */

static const struct aiwb_host_api *api;

static int
user_has_pairs(const struct store *st, long u)
{
    return u >= 0 && (size_t)u < st->n_users && st->uptr[u + 1] > st->uptr[u];
}

static int
item_has_pairs(const struct store *st, long i)
{
    return i >= 0 && (size_t)i < st->n_items && st->iptr[i + 1] > st->iptr[i];
}

/*
 * The rows of PROB as triples after EXTRA free slots (a new array),
 * checked: codes within the numbers of users and items, finite values.
 * NULL with *cause set (naming the algorithm WHO) on a bad row.
 */
static struct triple *
read_rows(const char *who, const struct aiwb_problem *prob, size_t n_users, size_t n_items,
          size_t extra, char **cause)
{
    struct triple *t = api->alloc(nonzero(prob->n + extra) * sizeof(*t));

    for (size_t r = 0; r < prob->n; r++) {
        const double *x = prob->X + r * prob->ldx;
        double y = prob->y != NULL ? prob->y[r] : 1.0;
        long u = code_of(x[0], n_users), i = code_of(x[1], n_items);

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
store_from_problem(const char *who, struct store *st, const struct aiwb_problem *prob, char **cause)
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
store_merge(const char *who, struct store *st, const struct aiwb_problem *prob,
            unsigned char **touched, char **cause)
{
    size_t n_users, n_items;
    struct triple *t;
    struct store merged;
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
    *touched = api->calloc(nonzero(n_items), 1);
    for (size_t r = 0; r < prob->n; r++)
        (*touched)[t[st->nnz + r].i] = 1;
    store_build(api, &merged, n_users, n_items, t, st->nnz + prob->n, 0);
    api->free(t);
    store_release(api, st);
    *st = merged;
    return AIWB_OK;
}

/* Save the pairs: the number of items, the count per user, items, values. */
static int
store_save(const struct store *st, struct aiwb_writer *w)
{
    int64_t *counts = api->alloc(nonzero(st->n_users) * sizeof(int64_t));
    int64_t *items = api->alloc(nonzero(st->nnz) * sizeof(int64_t));
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

static int
corrupt(const char *who, char **cause, const char *what)
{
    *cause = api->format("%s: the saved model is corrupt or incomplete (reading '%s')", who, what);
    return AIWB_EDATA;
}

/* Read back what store_save wrote, checked. */
static int
store_load(const char *who, struct store *st, struct aiwb_reader *r, char **cause)
{
    int64_t n_items, *counts = NULL, *items = NULL;
    size_t nc = 0, ni = 0, nv = 0, at = 0;
    int rc = AIWB_EDATA;

    if (api->get_int(r, "items", &n_items) != AIWB_OK || n_items < 0 || n_items > INT32_MAX)
        return corrupt(who, cause, "items");
    if (api->get_ints(r, "user_pairs", &nc, &counts) != AIWB_OK || nc > INT32_MAX)
        return corrupt(who, cause, "user_pairs");
    if (api->get_ints(r, "pair_items", &ni, &items) != AIWB_OK) {
        rc = corrupt(who, cause, "pair_items");
        goto out;
    }
    st->n_users = nc;
    st->n_items = (size_t)n_items;
    st->nnz = ni;
    st->uptr = api->calloc(nc + 1, sizeof(size_t));
    st->uidx = api->alloc(nonzero(ni) * sizeof(int32_t));
    for (size_t u = 0; u < nc; u++) {
        if (counts[u] < 0 || (uint64_t)counts[u] > ni - st->uptr[u]) {
            rc = corrupt(who, cause, "user_pairs");
            goto out;
        }
        st->uptr[u + 1] = st->uptr[u] + (size_t)counts[u];
        for (; at < st->uptr[u + 1]; at++) {
            if (items[at] < 0 || items[at] >= n_items ||
                (at > st->uptr[u] && items[at] <= items[at - 1])) {
                rc = corrupt(who, cause, "pair_items");
                goto out;
            }
            st->uidx[at] = (int32_t)items[at];
        }
    }
    if (st->uptr[nc] != ni) {
        rc = corrupt(who, cause, "user_pairs");
        goto out;
    }
    if (api->get_reals(r, "pair_values", &nv, &st->uval) != AIWB_OK || nv != ni) {
        rc = corrupt(who, cause, "pair_values");
        goto out;
    }
    for (size_t j = 0; j < nv; j++) {
        if (!isfinite(st->uval[j])) {
            rc = corrupt(who, cause, "pair_values");
            goto out;
        }
    }
    store_transpose(api, st);
    rc = AIWB_OK;
out:
    api->free(counts);
    api->free(items);
    return rc;
}

/*
 * A new array of the items to skip for USER: items without pairs, the
 * user's own, and the N_EXCLUDE codes of EXCLUDE.
 */
static unsigned char *
skip_items(const struct store *st, int32_t user, const int32_t *exclude, size_t n_exclude)
{
    unsigned char *skip = api->calloc(nonzero(st->n_items), 1);

    for (size_t i = 0; i < st->n_items; i++)
        skip[i] = st->iptr[i + 1] == st->iptr[i];
    for (size_t e = 0; e < n_exclude; e++)
        if (exclude[e] >= 0 && (size_t)exclude[e] < st->n_items)
            skip[exclude[e]] = 1;
    if (user_has_pairs(st, user))
        for (size_t t = st->uptr[user]; t < st->uptr[user + 1]; t++)
            skip[st->uidx[t]] = 1;
    return skip;
}

/* The share of the users with a pair that have each item (a new array). */
static double *
popularity(const struct store *st)
{
    double *pop = api->calloc(nonzero(st->n_items), sizeof(double));
    size_t active = 0;

    for (size_t u = 0; u < st->n_users; u++)
        active += st->uptr[u + 1] > st->uptr[u];
    for (size_t i = 0; i < st->n_items && active > 0; i++)
        pop[i] = (double)(st->iptr[i + 1] - st->iptr[i]) / (double)active;
    return pop;
}

static size_t
one_output(const void *state)
{
    (void)state;
    return 1;
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

struct knn {
    /* Options. */
    size_t neighbours;
    int weighted;
    size_t threads;
    /* The model. */
    struct store st;
    double *norm;  /* n_items: |v_i| */
    size_t *nptr;  /* n_items + 1: each item's neighbours ... */
    int32_t *nidx; /* ... by ascending code */
    double *nsim;
    double *pop; /* n_items: a cold user's scores */
    size_t rows;
    int fitted;
};

static void
knn_clear(struct knn *s)
{
    struct knn keep = *s;

    store_release(api, &s->st);
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

/* The value a pair contributes: its rating, or 1. */
static inline double
knn_value(const struct knn *s, double r)
{
    return s->weighted ? r : 1.0;
}

/* The norms of the item vectors. */
static void
compute_norms(struct knn *s)
{
    const struct store *st = &s->st;

    api->free(s->norm);
    s->norm = api->calloc(nonzero(st->n_items), sizeof(double));
    for (size_t i = 0; i < st->n_items; i++) {
        double sum = 0;
        for (size_t t = st->iptr[i]; t < st->iptr[i + 1]; t++) {
            double v = knn_value(s, st->ival[t]);
            sum += v * v;
        }
        s->norm[i] = sqrt(sum);
    }
}

/* A thread's workspace: dot products, which items they belong to, a heap. */
struct knn_ws {
    double *acc;      /* n_items: dot products with the current item */
    size_t *stamp;    /* n_items: 1 + the position of the last item that touched it */
    int32_t *touched; /* n_items: the items with a dot product, in order */
    struct cand *heap;
};

static int
cand_by_code(const void *a, const void *b)
{
    const struct cand *x = a, *y = b;

    return (x->item > y->item) - (x->item < y->item);
}

/* The items whose neighbours are computed, and where their lists went. */
struct slots {
    const struct knn *s;
    const size_t *rows; /* the items, ascending */
    size_t n;           /* how many */
    size_t k;           /* the most neighbours an item keeps */
    size_t *count;      /* n: each item's number of neighbours ... */
    size_t *offset;     /* ... where they start in its worker's lists ... */
    size_t *owner;      /* ... and which worker has them */
};

/* A worker: its share of the items and the neighbour lists it made. */
struct knn_worker {
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
neighbour_row(struct knn_worker *w, struct knn_ws *ws, size_t pos)
{
    const struct slots *sl = w->sl;
    const struct knn *s = sl->s;
    const struct store *st = &s->st;
    const size_t i = sl->rows[pos];
    size_t nt = 0, n = 0;

    for (size_t t = st->iptr[i]; t < st->iptr[i + 1]; t++) {
        const size_t u = (size_t)st->iidx[t];
        const double a = knn_value(s, st->ival[t]);
        for (size_t q = st->uptr[u]; q < st->uptr[u + 1]; q++) {
            const int32_t j = st->uidx[q];
            if ((size_t)j == i)
                continue;
            if (ws->stamp[j] != pos + 1) {
                ws->stamp[j] = pos + 1;
                ws->acc[j] = 0;
                ws->touched[nt++] = j;
            }
            ws->acc[j] += a * knn_value(s, st->uval[q]);
        }
    }
    for (size_t q = 0; q < nt; q++) {
        const int32_t j = ws->touched[q];
        const double sim = ws->acc[j] / (s->norm[i] * s->norm[j]);
        if (sim > 0)
            heap_offer(ws->heap, &n, sl->k, (struct cand){sim, j});
    }
    qsort(ws->heap, n, sizeof(struct cand), cand_by_code);
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
knn_worker_main(void *arg)
{
    struct knn_worker *w = arg;
    const struct slots *sl = w->sl;
    const size_t ni = sl->s->st.n_items;
    struct knn_ws ws;

    ws.acc = api->calloc(nonzero(ni), sizeof(double));
    ws.stamp = api->calloc(nonzero(ni), sizeof(size_t));
    ws.touched = api->alloc(nonzero(ni) * sizeof(int32_t));
    ws.heap = api->alloc(nonzero(sl->k) * sizeof(struct cand));
    for (size_t beg = w->t * KNN_ROW_BLOCK; beg < sl->n; beg += w->nt * KNN_ROW_BLOCK) {
        size_t end = beg + KNN_ROW_BLOCK < sl->n ? beg + KNN_ROW_BLOCK : sl->n;
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
static struct knn_worker *
fill_slots(const struct slots *sl, size_t threads, size_t *nt)
{
    size_t blocks = (sl->n + KNN_ROW_BLOCK - 1) / KNN_ROW_BLOCK;
    struct knn_worker *w;

    *nt = threads < blocks ? threads : blocks;
    if (*nt == 0)
        *nt = 1;
    w = api->calloc(*nt, sizeof(*w));
    for (size_t t = 0; t < *nt; t++)
        w[t] = (struct knn_worker){.sl = sl, .t = t, .nt = *nt};
    for (size_t t = 1; t < *nt; t++)
        w[t].started = pthread_create(&w[t].tid, NULL, knn_worker_main, &w[t]) == 0;
    knn_worker_main(&w[0]);
    for (size_t t = 1; t < *nt; t++) {
        if (w[t].started)
            pthread_join(w[t].tid, NULL);
        else
            knn_worker_main(&w[t]); /* the thread could not start: do its share here */
    }
    return w;
}

/*
 * Compute the neighbours of the items REDO marks (all when REDO is NULL)
 * and of those from OLD_ITEMS on; keep the others'.
 */
static void
compute_neighbours(struct knn *s, const unsigned char *redo, size_t old_items)
{
    const size_t ni = s->st.n_items;
    size_t *rows = api->alloc(nonzero(ni) * sizeof(size_t)), n = 0, total = 0, pos = 0, nt;
    size_t *nptr = api->calloc(ni + 1, sizeof(size_t));
    struct slots sl = {.s = s, .rows = rows};
    struct knn_worker *w;
    int32_t *nidx;
    double *nsim;

    for (size_t i = 0; i < ni; i++)
        if (redo == NULL || redo[i] || i >= old_items)
            rows[n++] = i;
    sl.n = n;
    sl.k = s->neighbours < ni ? s->neighbours : ni;
    sl.count = api->calloc(nonzero(n), sizeof(size_t));
    sl.offset = api->calloc(nonzero(n), sizeof(size_t));
    sl.owner = api->calloc(nonzero(n), sizeof(size_t));
    w = fill_slots(&sl, s->threads, &nt);

    /* Assemble: the new lists from the workers, the others as they were. */
    for (size_t i = 0; i < ni; i++) {
        if (pos < n && rows[pos] == i)
            total += sl.count[pos++];
        else
            total += s->nptr[i + 1] - s->nptr[i];
        nptr[i + 1] = total;
    }
    nidx = api->alloc(nonzero(total) * sizeof(int32_t));
    nsim = api->alloc(nonzero(total) * sizeof(double));
    pos = 0;
    for (size_t i = 0; i < ni; i++) {
        const size_t at = nptr[i], len = nptr[i + 1] - nptr[i];
        if (len == 0) {
            pos += pos < n && rows[pos] == i;
        } else if (pos < n && rows[pos] == i) {
            const struct knn_worker *o = &w[sl.owner[pos]];
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
knn_init(void *state, const struct aiwb_options *opts, const struct aiwb_problem *prob,
         char **cause)
{
    struct knn *s = state;

    knn_clear(s);
    s->neighbours = (size_t)api->opt_int(opts, "neighbours");
    s->weighted = api->opt_bool(opts, "weighted") != 0;
    s->threads = (size_t)api->opt_int(opts, "threads");
    s->rows = prob->n;
    return store_from_problem("itemknn", &s->st, prob, cause);
}

/* The norms, the neighbour lists and the popularity, from the pairs. */
static void
knn_compute(struct knn *s)
{
    compute_norms(s);
    compute_neighbours(s, NULL, 0);
    s->pop = popularity(&s->st);
}

/* The similarities, at once (a one-shot algorithm). */
static int
knn_iterate(void *state, const struct aiwb_problem *prob, struct aiwb_step *step, char **cause)
{
    struct knn *s = state;
    size_t with = 0;

    (void)prob;
    if (s->st.uptr == NULL) {
        *cause = api->format("itemknn: iterate without a successful init");
        return AIWB_EINVAL;
    }
    if (s->nptr != NULL)
        return AIWB_OK;
    knn_compute(s);
    for (size_t i = 0; i < s->st.n_items; i++)
        with += s->st.iptr[i + 1] > s->st.iptr[i];
    api->step_value(step, "neighbours",
                    with > 0 ? (double)s->nptr[s->st.n_items] / (double)with : 0.0);
    return AIWB_OK;
}

/* Stopped before the first iterate, the model is still the neighbours: compute them. */
static int
knn_finish(void *state, const struct aiwb_problem *prob, char **cause)
{
    struct knn *s = state;

    (void)prob;
    if (s->st.uptr == NULL) {
        *cause = api->format("itemknn: finish without a successful init");
        return AIWB_EINVAL;
    }
    if (s->nptr == NULL)
        knn_compute(s);
    s->fitted = 1;
    return AIWB_OK;
}

/* W_ij: the similarity of J as a neighbour of I, or 0. */
static double
neighbour_sim(const struct knn *s, size_t i, int32_t j)
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
knn_score(const struct knn *s, long u, long i)
{
    const struct store *st = &s->st;
    double sum = 0;

    if (!item_has_pairs(st, i))
        return 0;
    if (!user_has_pairs(st, u))
        return s->pop[i];
    for (size_t t = st->uptr[u]; t < st->uptr[u + 1]; t++)
        sum += knn_value(s, st->uval[t]) * neighbour_sim(s, (size_t)st->uidx[t], (int32_t)i);
    return sum;
}

static int
knn_predict(const void *state, size_t n, const double *X, size_t ldx, double *out)
{
    const struct knn *s = state;

    if (!s->fitted)
        return AIWB_EINVAL;
    for (size_t r = 0; r < n; r++) {
        const double *x = X + r * ldx;
        out[r] = knn_score(s, code_of(x[0], s->st.n_users), code_of(x[1], s->st.n_items));
    }
    return AIWB_OK;
}

/* The user's items vote for their neighbours; a cold user gets the popular items. */
static int
knn_recommend(const void *state, int32_t user, const int32_t *exclude, size_t n_exclude, size_t k,
              int32_t *items, double *scores)
{
    const struct knn *s = state;
    const struct store *st = &s->st;
    double *sc;
    unsigned char *skip;
    int n;

    if (!s->fitted)
        return AIWB_EINVAL;
    if (st->n_items == 0 || k == 0)
        return 0;
    skip = skip_items(st, user, exclude, n_exclude);
    if (user_has_pairs(st, user)) {
        sc = api->calloc(st->n_items, sizeof(double));
        for (size_t t = st->uptr[user]; t < st->uptr[user + 1]; t++) {
            const size_t i = (size_t)st->uidx[t];
            const double a = knn_value(s, st->uval[t]);
            for (size_t q = s->nptr[i]; q < s->nptr[i + 1]; q++)
                sc[s->nidx[q]] += a * s->nsim[q];
        }
        n = top_k(api, sc, st->n_items, skip, 0.0, k, items, scores);
        api->free(sc);
    } else {
        n = top_k(api, s->pop, st->n_items, skip, 0.0, k, items, scores);
    }
    api->free(skip);
    return n;
}

/* Merge the rows, then recompute the items whose similarities may change. */
static int
knn_update(void *state, const struct aiwb_problem *prob, char **cause)
{
    struct knn *s = state;
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
    redo = api->calloc(nonzero(s->st.n_items), 1);
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
    compute_norms(s);
    compute_neighbours(s, redo, old_items);
    api->free(s->pop);
    s->pop = popularity(&s->st);
    api->log(AIWB_LOG_INFO,
             "itemknn: merged %zu rows; the neighbours of %zu of %zu items "
             "computed again",
             prob->n, nredo, s->st.n_items);
    api->free(redo);
    api->free(touched);
    return AIWB_OK;
}

static int
knn_report(const void *state, struct aiwb_table *t)
{
    const struct knn *s = state;

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
knn_save(const void *state, struct aiwb_writer *w)
{
    const struct knn *s = state;
    const size_t ni = s->st.n_items, total = s->nptr != NULL ? s->nptr[ni] : 0;
    int64_t *counts, *idx;
    int rc;

    if (!s->fitted)
        return AIWB_EINVAL;
    counts = api->alloc(nonzero(ni) * sizeof(int64_t));
    idx = api->alloc(nonzero(total) * sizeof(int64_t));
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

/* The neighbour lists as saved, checked: codes ascending, similarities in (0, 1]. */
static int
load_neighbours(struct knn *s, struct aiwb_reader *r, char **cause)
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
        rc = corrupt("itemknn", cause, "neighbour_items");
        goto out;
    }
    s->nidx = api->alloc(nonzero(nx) * sizeof(int32_t));
    for (size_t i = 0; i < ni; i++) {
        for (size_t q = s->nptr[i]; q < s->nptr[i + 1]; q++) {
            if (idx[q] < 0 || (size_t)idx[q] >= ni || (size_t)idx[q] == i ||
                (q > s->nptr[i] && idx[q] <= idx[q - 1])) {
                rc = corrupt("itemknn", cause, "neighbour_items");
                goto out;
            }
            s->nidx[q] = (int32_t)idx[q];
        }
    }
    if (api->get_reals(r, "neighbour_sims", &ns, &s->nsim) != AIWB_OK || ns != nx) {
        rc = corrupt("itemknn", cause, "neighbour_sims");
        goto out;
    }
    for (size_t q = 0; q < ns; q++) {
        if (!(s->nsim[q] > 0) || !(s->nsim[q] <= 1 + 1e-12)) {
            rc = corrupt("itemknn", cause, "neighbour_sims");
            goto out;
        }
    }
    rc = AIWB_OK;
    goto out;
bad_counts:
    rc = corrupt("itemknn", cause, "neighbour_counts");
out:
    api->free(counts);
    api->free(idx);
    return rc;
}

static int
knn_load_state(struct knn *s, struct aiwb_reader *r, char **cause)
{
    int64_t k, weighted, threads, rows;
    int rc;

    if (api->get_int(r, "neighbours", &k) != AIWB_OK || k < 1)
        return corrupt("itemknn", cause, "neighbours");
    s->neighbours = (size_t)k;
    if (api->get_int(r, "weighted", &weighted) != AIWB_OK || weighted < 0 || weighted > 1)
        return corrupt("itemknn", cause, "weighted");
    s->weighted = (int)weighted;
    if (api->get_int(r, "threads", &threads) != AIWB_OK || threads < 1 || threads > KNN_MAX_THREADS)
        return corrupt("itemknn", cause, "threads");
    s->threads = (size_t)threads;
    if (api->get_int(r, "rows", &rows) != AIWB_OK || rows < 0)
        return corrupt("itemknn", cause, "rows");
    s->rows = (size_t)rows;
    if ((rc = store_load("itemknn", &s->st, r, cause)) != AIWB_OK ||
        (rc = load_neighbours(s, r, cause)) != AIWB_OK)
        return rc;
    return AIWB_OK;
}

static int
knn_load(void *state, struct aiwb_reader *r, unsigned version, char **cause)
{
    struct knn *s = state;
    int rc;

    if (version != 1) {
        *cause = api->format("itemknn: cannot read a model saved with state version %u (this "
                             "plugin reads version 1)",
                             version);
        return AIWB_ENOTSUP;
    }
    knn_clear(s);
    if ((rc = knn_load_state(s, r, cause)) != AIWB_OK) {
        knn_clear(s);
        return rc;
    }
    compute_norms(s);
    s->pop = popularity(&s->st);
    s->fitted = 1;
    return AIWB_OK;
}

static void
knn_fini(void *state)
{
    knn_clear(state);
}

/* ---------------------------------------------------------------------------
 * popular.
 */

struct popular {
    /* Options. */
    int by_rating;
    int64_t min_count;
    /* The model. */
    struct store st;
    double *score; /* n_items; NaN: not recommended (too few ratings, or none) */
    double global;
    size_t rows;
    int fitted;
};

static void
pop_clear(struct popular *s)
{
    struct popular keep = *s;

    store_release(api, &s->st);
    api->free(s->score);
    memset(s, 0, sizeof(*s));
    s->by_rating = keep.by_rating;
    s->min_count = keep.min_count;
}

/* Count (and average) again. */
static void
pop_compute(struct popular *s)
{
    const struct store *st = &s->st;
    double total = 0;

    api->free(s->score);
    s->score = api->alloc(nonzero(st->n_items) * sizeof(double));
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

static int
pop_init(void *state, const struct aiwb_options *opts, const struct aiwb_problem *prob,
         char **cause)
{
    struct popular *s = state;
    const char *by = api->opt_str(opts, "by");

    pop_clear(s);
    s->by_rating = by != NULL && strcmp(by, "rating") == 0;
    s->min_count = api->opt_int(opts, "min_count");
    s->rows = prob->n;
    return store_from_problem("popular", &s->st, prob, cause);
}

static int
pop_iterate(void *state, const struct aiwb_problem *prob, struct aiwb_step *step, char **cause)
{
    struct popular *s = state;

    (void)prob;
    (void)step;
    if (s->st.uptr == NULL) {
        *cause = api->format("popular: iterate without a successful init");
        return AIWB_EINVAL;
    }
    pop_compute(s);
    return AIWB_OK;
}

/* Stopped before the first iterate, the counts are still the model: count. */
static int
pop_finish(void *state, const struct aiwb_problem *prob, char **cause)
{
    struct popular *s = state;

    (void)prob;
    if (s->st.uptr == NULL) {
        *cause = api->format("popular: finish without a successful init");
        return AIWB_EINVAL;
    }
    if (s->score == NULL)
        pop_compute(s);
    s->fitted = 1;
    return AIWB_OK;
}

/* The item's score for everyone: its count or mean rating (see the top). */
static double
pop_score(const struct popular *s, long i)
{
    if (i >= 0 && (size_t)i < s->st.n_items && !isnan(s->score[i]))
        return s->score[i];
    return s->by_rating ? s->global : 0.0;
}

static int
pop_predict(const void *state, size_t n, const double *X, size_t ldx, double *out)
{
    const struct popular *s = state;

    if (!s->fitted)
        return AIWB_EINVAL;
    for (size_t r = 0; r < n; r++)
        out[r] = pop_score(s, code_of(X[r * ldx + 1], s->st.n_items));
    return AIWB_OK;
}

static int
pop_recommend(const void *state, int32_t user, const int32_t *exclude, size_t n_exclude, size_t k,
              int32_t *items, double *scores)
{
    const struct popular *s = state;
    unsigned char *skip;
    int n;

    if (!s->fitted)
        return AIWB_EINVAL;
    if (s->st.n_items == 0 || k == 0)
        return 0;
    skip = skip_items(&s->st, user, exclude, n_exclude);
    for (size_t i = 0; i < s->st.n_items; i++)
        skip[i] |= isnan(s->score[i]);
    n = top_k(api, s->score, s->st.n_items, skip, -INFINITY, k, items, scores);
    api->free(skip);
    return n;
}

static int
pop_update(void *state, const struct aiwb_problem *prob, char **cause)
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
    pop_compute(s);
    return AIWB_OK;
}

static int
pop_report(const void *state, struct aiwb_table *t)
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
pop_save(const void *state, struct aiwb_writer *w)
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

static int
pop_load_state(struct popular *s, struct aiwb_reader *r, char **cause)
{
    char *by = NULL;
    int64_t rows;
    int bad;

    if (api->get_str(r, "by", &by) != AIWB_OK)
        return corrupt("popular", cause, "by");
    s->by_rating = strcmp(by, "rating") == 0;
    bad = !s->by_rating && strcmp(by, "count") != 0;
    api->free(by);
    if (bad)
        return corrupt("popular", cause, "by");
    if (api->get_int(r, "min_count", &s->min_count) != AIWB_OK || s->min_count < 1)
        return corrupt("popular", cause, "min_count");
    if (api->get_int(r, "rows", &rows) != AIWB_OK || rows < 0)
        return corrupt("popular", cause, "rows");
    s->rows = (size_t)rows;
    return store_load("popular", &s->st, r, cause);
}

static int
pop_load(void *state, struct aiwb_reader *r, unsigned version, char **cause)
{
    struct popular *s = state;
    int rc;

    if (version != 1) {
        *cause = api->format("popular: cannot read a model saved with state version %u (this "
                             "plugin reads version 1)",
                             version);
        return AIWB_ENOTSUP;
    }
    pop_clear(s);
    if ((rc = pop_load_state(s, r, cause)) != AIWB_OK) {
        pop_clear(s);
        return rc;
    }
    pop_compute(s);
    s->fitted = 1;
    return AIWB_OK;
}

static void
pop_fini(void *state)
{
    pop_clear(state);
}

/* ---------------------------------------------------------------------------
 * The descriptors.
 */

static const char knn_help[] =
    "Item-item neighbours: each item is its vector over users (1 for a pair, or\n"
    "the rating with weighted=true); the similarity of two items is the cosine\n"
    "of their vectors, and each item keeps its `neighbours` most similar others.\n"
    "A user's score for item j is the sum over the user's items i of v_ui times\n"
    "the similarity of j as a neighbour of i; recommend returns the best-scoring\n"
    "items the user has not got, only those with a positive score. A user\n"
    "without interactions gets the most popular items (scored by their share\n"
    "of users). `update` merges new rows (a repeated pair: the last one counts)\n"
    "and computes the affected neighbours again: the same as training on all.";

static const struct aiwb_option_spec knn_options[] = {
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
     .max = KNN_MAX_THREADS,
     .help = "threads to compute the similarities with (the numbers do not depend on it)"},
    {.name = NULL},
};

static const struct aiwb_algorithm_type knn_type = {
    .abi_version = AIWB_ABI_VERSION,
    .size = sizeof(struct aiwb_algorithm_type),
    .name = "itemknn",
    .summary = "item-item cosine neighbours: recommends items like the user's",
    .help = knn_help,
    .options = knn_options,
    .flags = AIWB_TASK_RANKING | AIWB_CAP_CATEGORICAL | AIWB_CAP_INCREMENTAL,
    .state_version = 1,
    .state_size = sizeof(struct knn),
    .init = knn_init,
    .iterate = knn_iterate,
    .finish = knn_finish,
    .n_outputs = one_output,
    .predict = knn_predict,
    .report = knn_report,
    .save = knn_save,
    .load = knn_load,
    .fini = knn_fini,
    .recommend = knn_recommend,
    .update = knn_update,
};

static const char pop_help[] =
    "The most popular items, the same for every user but for the items they\n"
    "have: by=count ranks items by their number of users, by=rating by their\n"
    "mean rating among items with at least min_count ratings. predict gives the\n"
    "item's count or mean rating (an unknown item: 0, or the mean of all\n"
    "ratings). A baseline every recommender should beat. `update` counts again.";

/* by=rating predicts an item's mean rating; by=count a number of users. */
static int
pop_rates(const void *state)
{
    const struct popular *s = state;

    return s->by_rating;
}

static const struct aiwb_option_spec pop_options[] = {
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

static const struct aiwb_algorithm_type pop_type = {
    .abi_version = AIWB_ABI_VERSION,
    .size = sizeof(struct aiwb_algorithm_type),
    .name = "popular",
    .summary = "the most popular items, by number of users or mean rating (a baseline)",
    .help = pop_help,
    .options = pop_options,
    .flags = AIWB_TASK_RANKING | AIWB_CAP_CATEGORICAL | AIWB_CAP_INCREMENTAL,
    .state_version = 1,
    .state_size = sizeof(struct popular),
    .init = pop_init,
    .iterate = pop_iterate,
    .finish = pop_finish,
    .n_outputs = one_output,
    .predict = pop_predict,
    .report = pop_report,
    .save = pop_save,
    .load = pop_load,
    .fini = pop_fini,
    .recommend = pop_recommend,
    .update = pop_update,
    .rates = pop_rates,
};

/* The module's entry point: registers "itemknn" and "popular". */
int
aiwb_plugin_init(struct aiwb_plugin *p, const struct aiwb_host_api *host)
{
    int rc;

    AIWB_PLUGIN_BEGIN(p, host, api, "itemknn", "1.0.0");
    rc = api->register_algorithm(p, &knn_type);
    if (rc == AIWB_OK)
        rc = api->register_algorithm(p, &pop_type);
    return rc;
}
