/*
 * rank-topk.h - the best K candidates by score, ties by the lower code: the
 * heap shared by the recommender modules (algo-als.c, algo-itemknn.c).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef AIWB_PLUGINS_RANK_TOPK_H
#define AIWB_PLUGINS_RANK_TOPK_H

#include <stddef.h>
#include <stdint.h>

#include <aiwb/plugin.h>

/* Better candidates have higher scores, then lower codes. */
struct cand {
    double score;
    int32_t item;
};

/* Offer C to the heap H of at most CAP of the best (*N of them now). */
void heap_offer(struct cand *h, size_t *n, size_t cap, struct cand c);
/* Sort the N candidates of a heap filled by heap_offer (cap CAP), best first. */
void heap_sort(struct cand *h, size_t n, size_t cap);
/*
 * The K best of the N_ITEMS items by SCORES among those SKIP leaves, and only
 * those scoring above FLOOR (never NaN), best first (ties by code), into ITEMS
 * and OUT, with a work array from API. Returns how many.
 */
int top_k(const struct aiwb_host_api *api, const double *scores, size_t n_items,
          const unsigned char *skip, double floor_, size_t k, int32_t *items, double *out);

#endif
