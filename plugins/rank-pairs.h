/*
 * rank-pairs.h - interactions merged into (user, item) pairs, in compressed
 * sparse rows by user and by item (struct rank_store, rank-topk.h), shared by
 * the fit halves of the recommender modules.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef AIWB_PLUGINS_RANK_PAIRS_H
#define AIWB_PLUGINS_RANK_PAIRS_H

#include <stddef.h>
#include <stdint.h>

#include <aiwb/plugin.h>

#include "rank-topk.h"

/* One interaction as a row gave it. */
struct triple {
    int32_t u, i;
    double r;
};

/*
 * Build ST (arrays from API) from the N triples T (in the order of their
 * rows): sorted by user, then item, with two stable counting sorts, so that
 * the rows of a pair stay in order; then each pair's rows merged, adding
 * their values (SUM) or keeping the last. Returns how many rows were merged
 * into others.
 */
size_t store_build(const struct aiwb_host_api *api, struct rank_store *st, size_t n_users,
                   size_t n_items, const struct triple *t, size_t n, int sum);

#endif
