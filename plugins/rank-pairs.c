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

size_t
store_build(const struct aiwb_host_api *api, struct rank_store *st, size_t n_users, size_t n_items,
            const struct triple *t, size_t n, int sum)
{
    struct triple *a = api->alloc(rank_nonzero(n) * sizeof(*a));
    struct triple *b = api->alloc(rank_nonzero(n) * sizeof(*b));
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
    st->uidx = api->alloc(rank_nonzero(m) * sizeof(int32_t));
    st->uval = api->alloc(rank_nonzero(m) * sizeof(double));
    for (size_t j = 0; j < m; j++) {
        st->uptr[b[j].u + 1]++;
        st->uidx[j] = b[j].i;
        st->uval[j] = b[j].r;
    }
    for (size_t u = 0; u < n_users; u++)
        st->uptr[u + 1] += st->uptr[u];
    rank_store_transpose(api, st);
    api->free(cnt);
    api->free(b);
    api->free(a);
    return merged;
}
