/*
 * rank-topk.c - the pairs a recommender keeps, read back and skipped, and the best K
 * candidates by score with a bounded heap (see rank-topk.h); each recommender module
 * links its own copy, and so does the exported prediction server.
 *
 * Copyright (C) 2026 the aiwb developers
 * SPDX-License-Identifier: MIT
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <aiwb/plugin.h>

#include "rank-topk.h"

/* ---------------------------------------------------------------------------
 * The pairs.
 */

/* Free ST's arrays and zero it (see rank-topk.h). */
void
rank_store_release(const struct aiwb_host_api *api, struct rank_store *st)
{
    api->free(st->uptr);
    api->free(st->uidx);
    api->free(st->uval);
    api->free(st->iptr);
    api->free(st->iidx);
    api->free(st->ival);
    memset(st, 0, sizeof(*st));
}

/* The by-item copy of ST's by-user rows, by a counting sort (see rank-topk.h). */
void
rank_store_transpose(const struct aiwb_host_api *api, struct rank_store *st)
{
    size_t *next = api->alloc((st->n_items + 1) * sizeof(size_t));

    st->iptr = api->calloc(st->n_items + 1, sizeof(size_t));
    st->iidx = api->alloc(rank_nonzero(st->nnz) * sizeof(int32_t));
    st->ival = api->alloc(rank_nonzero(st->nnz) * sizeof(double));
    for (size_t t = 0; t < st->nnz; t++)
        st->iptr[st->uidx[t] + 1]++;
    for (size_t i = 0; i < st->n_items; i++)
        st->iptr[i + 1] += st->iptr[i];
    memcpy(next, st->iptr, (st->n_items + 1) * sizeof(size_t));
    for (size_t u = 0; u < st->n_users; u++) {
        for (size_t t = st->uptr[u]; t < st->uptr[u + 1]; t++) {
            size_t at = next[st->uidx[t]]++;
            st->iidx[at] = (int32_t)u;
            st->ival[at] = st->uval[t];
        }
    }
    api->free(next);
}

/* The code V as an index below N, or -1. */
long
rank_code_of(double v, size_t n)
{
    if (!(v >= 0) || !(v < (double)n) || v != floor(v))
        return -1;
    return (long)v;
}

static int
corrupt(const struct aiwb_host_api *api, const char *who, char **cause, const char *what)
{
    *cause = api->format("%s: the saved model is corrupt or incomplete (reading '%s')", who, what);
    return AIWB_EDATA;
}

/* Read back the pairs a model saved, checked (see rank-topk.h). */
int
rank_store_load(const struct aiwb_host_api *api, const char *who, struct rank_store *st,
                struct aiwb_reader *r, int nonneg, char **cause)
{
    int64_t n_items, *counts = NULL, *items = NULL;
    size_t nc = 0, ni = 0, nv = 0, at = 0;
    int rc = AIWB_EDATA;

    if (api->get_int(r, "items", &n_items) != AIWB_OK || n_items < 0 || n_items > INT32_MAX)
        return corrupt(api, who, cause, "items");
    if (api->get_ints(r, "user_pairs", &nc, &counts) != AIWB_OK || nc > INT32_MAX)
        return corrupt(api, who, cause, "user_pairs");
    if (api->get_ints(r, "pair_items", &ni, &items) != AIWB_OK) {
        rc = corrupt(api, who, cause, "pair_items");
        goto out;
    }
    st->n_users = nc;
    st->n_items = (size_t)n_items;
    st->nnz = ni;
    st->uptr = api->calloc(nc + 1, sizeof(size_t));
    st->uidx = api->alloc(rank_nonzero(ni) * sizeof(int32_t));
    for (size_t u = 0; u < nc; u++) {
        if (counts[u] < 0 || (uint64_t)counts[u] > ni - st->uptr[u]) {
            rc = corrupt(api, who, cause, "user_pairs");
            goto out;
        }
        st->uptr[u + 1] = st->uptr[u] + (size_t)counts[u];
        for (; at < st->uptr[u + 1]; at++) {
            if (items[at] < 0 || items[at] >= n_items ||
                (at > st->uptr[u] && items[at] <= items[at - 1])) {
                rc = corrupt(api, who, cause, "pair_items");
                goto out;
            }
            st->uidx[at] = (int32_t)items[at];
        }
    }
    if (st->uptr[nc] != ni) {
        rc = corrupt(api, who, cause, "user_pairs");
        goto out;
    }
    if (api->get_reals(r, "pair_values", &nv, &st->uval) != AIWB_OK || nv != ni) {
        rc = corrupt(api, who, cause, "pair_values");
        goto out;
    }
    for (size_t j = 0; j < nv; j++) {
        if (!isfinite(st->uval[j]) || (nonneg && st->uval[j] < 0)) {
            rc = corrupt(api, who, cause, "pair_values");
            goto out;
        }
    }
    rank_store_transpose(api, st);
    rc = AIWB_OK;
out:
    api->free(counts);
    api->free(items);
    return rc;
}

/* The items not to recommend to USER, a new array (see rank-topk.h). */
unsigned char *
rank_skip_items(const struct aiwb_host_api *api, const struct rank_store *st, int32_t user,
                const int32_t *exclude, size_t n_exclude)
{
    unsigned char *skip = api->calloc(rank_nonzero(st->n_items), 1);

    for (size_t i = 0; i < st->n_items; i++)
        skip[i] = st->iptr[i + 1] == st->iptr[i];
    for (size_t e = 0; e < n_exclude; e++)
        if (exclude[e] >= 0 && (size_t)exclude[e] < st->n_items)
            skip[exclude[e]] = 1;
    if (rank_user_has_pairs(st, user))
        for (size_t t = st->uptr[user]; t < st->uptr[user + 1]; t++)
            skip[st->uidx[t]] = 1;
    return skip;
}

/* The share of the users with a pair that have each item, a new array. */
double *
rank_popularity(const struct aiwb_host_api *api, const struct rank_store *st)
{
    double *pop = api->calloc(rank_nonzero(st->n_items), sizeof(double));
    size_t active = 0;

    for (size_t u = 0; u < st->n_users; u++)
        active += st->uptr[u + 1] > st->uptr[u];
    for (size_t i = 0; i < st->n_items && active > 0; i++)
        pop[i] = (double)(st->iptr[i + 1] - st->iptr[i]) / (double)active;
    return pop;
}

/* ---------------------------------------------------------------------------
 * The best K.
 */

static int
better(const struct rank_cand *a, const struct rank_cand *b)
{
    return a->score > b->score || (a->score == b->score && a->item < b->item);
}

/* Restore the heap H[0..n-1] (the worst candidate at the root) below AT. */
static void
sift_down(struct rank_cand *h, size_t n, size_t at)
{
    for (;;) {
        size_t l = 2 * at + 1, r = l + 1, worst = at;
        if (l < n && better(&h[worst], &h[l]))
            worst = l;
        if (r < n && better(&h[worst], &h[r]))
            worst = r;
        if (worst == at)
            return;
        struct rank_cand tmp = h[at];
        h[at] = h[worst];
        h[worst] = tmp;
        at = worst;
    }
}

/* Offer C to the heap H of at most CAP of the best, *N now in it. */
void
rank_heap_offer(struct rank_cand *h, size_t *n, size_t cap, struct rank_cand c)
{
    if (*n < cap) {
        h[(*n)++] = c;
        if (*n == cap)
            for (size_t at = cap / 2; at-- > 0;)
                sift_down(h, cap, at);
    } else if (cap > 0 && better(&c, &h[0])) {
        h[0] = c;
        sift_down(h, cap, 0);
    }
}

/* Sort the N candidates of a heap of capacity CAP, best first. */
void
rank_heap_sort(struct rank_cand *h, size_t n, size_t cap)
{
    if (n < cap)
        for (size_t at = n / 2; at-- > 0;)
            sift_down(h, n, at);
    for (size_t m = n; m > 1; m--) {
        struct rank_cand tmp = h[0];
        h[0] = h[m - 1];
        h[m - 1] = tmp;
        sift_down(h, m - 1, 0);
    }
}

/* The K best unskipped items above FLOOR into ITEMS and OUT; returns how many. */
int
rank_top_k(const struct aiwb_host_api *api, const double *scores, size_t n_items,
           const unsigned char *skip, double floor_, size_t k, int32_t *items, double *out)
{
    size_t cap = k < n_items ? k : n_items, n = 0;
    struct rank_cand *h;

    if (cap == 0)
        return 0;
    h = api->alloc(cap * sizeof(*h));
    for (size_t i = 0; i < n_items; i++)
        if (!skip[i] && scores[i] > floor_)
            rank_heap_offer(h, &n, cap, (struct rank_cand){scores[i], (int32_t)i});
    rank_heap_sort(h, n, cap);
    for (size_t j = 0; j < n; j++) {
        items[j] = h[j].item;
        out[j] = h[j].score;
    }
    api->free(h);
    return (int)n;
}
