/*
 * rank-pairs.h - interactions merged into (user, item) pairs, in compressed
 * sparse rows by user and by item, shared by the recommender modules.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef AIWB_PLUGINS_RANK_PAIRS_H
#define AIWB_PLUGINS_RANK_PAIRS_H

#include <stddef.h>
#include <stdint.h>

#include <aiwb/plugin.h>

/* One interaction as a row gave it. */
struct triple {
    int32_t u, i;
    double r;
};

/* The pairs in compressed sparse rows, twice: by user (items ascending)
 * and by item (users ascending). */
struct store {
    size_t n_users, n_items, nnz;
    size_t *uptr;  /* n_users + 1 */
    int32_t *uidx; /* nnz item codes */
    double *uval;  /* nnz values */
    size_t *iptr;  /* n_items + 1 */
    int32_t *iidx; /* nnz user codes */
    double *ival;
};

/* N, or 1 for N = 0: a size to allocate for N elements. */
static inline size_t
nonzero(size_t n)
{
    return n > 0 ? n : 1;
}

/* Free ST's arrays (allocated with API) and zero it. */
void store_release(const struct aiwb_host_api *api, struct store *st);
/* Make the by-item copy of ST's by-user rows; a counting sort keeps users ascending. */
void store_transpose(const struct aiwb_host_api *api, struct store *st);
/*
 * Build ST (arrays from API) from the N triples T (in the order of their
 * rows): sorted by user, then item, with two stable counting sorts, so that
 * the rows of a pair stay in order; then each pair's rows merged, adding
 * their values (SUM) or keeping the last. Returns how many rows were merged
 * into others.
 */
size_t store_build(const struct aiwb_host_api *api, struct store *st, size_t n_users,
                   size_t n_items, const struct triple *t, size_t n, int sum);
/* The code V as an index below N, or -1 if it is none (NaN, negative, fraction, too big). */
long code_of(double v, size_t n);

#endif
