/*
 * rank-pairs.c - the interactions of the recommender modules (algo-als.c,
 * algo-itemknn.c) merged into (user, item) pairs, kept by user and by item;
 * each module links its own copy (see rank-pairs.h).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <config.h>

#include "rank-pairs.h"

#include <math.h>
#include <string.h>

void
store_release(const struct aiwb_host_api *api, struct store *st)
{
    api->free(st->uptr);
    api->free(st->uidx);
    api->free(st->uval);
    api->free(st->iptr);
    api->free(st->iidx);
    api->free(st->ival);
    memset(st, 0, sizeof(*st));
}

void
store_transpose(const struct aiwb_host_api *api, struct store *st)
{
    size_t *next = api->alloc((st->n_items + 1) * sizeof(size_t));

    st->iptr = api->calloc(st->n_items + 1, sizeof(size_t));
    st->iidx = api->alloc(nonzero(st->nnz) * sizeof(int32_t));
    st->ival = api->alloc(nonzero(st->nnz) * sizeof(double));
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

size_t
store_build(const struct aiwb_host_api *api, struct store *st, size_t n_users, size_t n_items,
            const struct triple *t, size_t n, int sum)
{
    struct triple *a = api->alloc(nonzero(n) * sizeof(*a));
    struct triple *b = api->alloc(nonzero(n) * sizeof(*b));
    size_t *cnt = api->calloc((n_users > n_items ? n_users : n_items) + 1, sizeof(size_t));
    size_t merged = 0, m = 0;

    memset(st, 0, sizeof(*st));
    st->n_users = n_users;
    st->n_items = n_items;
    for (size_t j = 0; j < n; j++)
        cnt[t[j].i + 1]++;
    for (size_t i = 0; i < n_items; i++)
        cnt[i + 1] += cnt[i];
    for (size_t j = 0; j < n; j++)
        a[cnt[t[j].i]++] = t[j];
    memset(cnt, 0, (n_users + 1) * sizeof(size_t));
    for (size_t j = 0; j < n; j++)
        cnt[a[j].u + 1]++;
    for (size_t u = 0; u < n_users; u++)
        cnt[u + 1] += cnt[u];
    for (size_t j = 0; j < n; j++)
        b[cnt[a[j].u]++] = a[j];
    for (size_t j = 0; j < n; j++) {
        if (m > 0 && b[m - 1].u == b[j].u && b[m - 1].i == b[j].i) {
            b[m - 1].r = sum ? b[m - 1].r + b[j].r : b[j].r;
            merged++;
        } else {
            b[m++] = b[j];
        }
    }
    st->nnz = m;
    st->uptr = api->calloc(n_users + 1, sizeof(size_t));
    st->uidx = api->alloc(nonzero(m) * sizeof(int32_t));
    st->uval = api->alloc(nonzero(m) * sizeof(double));
    for (size_t j = 0; j < m; j++) {
        st->uptr[b[j].u + 1]++;
        st->uidx[j] = b[j].i;
        st->uval[j] = b[j].r;
    }
    for (size_t u = 0; u < n_users; u++)
        st->uptr[u + 1] += st->uptr[u];
    store_transpose(api, st);
    api->free(cnt);
    api->free(b);
    api->free(a);
    return merged;
}

long
code_of(double v, size_t n)
{
    if (!(v >= 0) || !(v < (double)n) || v != floor(v))
        return -1;
    return (long)v;
}
