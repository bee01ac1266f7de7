/*
 * rank-topk.h - what the predict halves of the recommenders (algo-als-predict.c,
 * algo-itemknn-predict.c) share: the pairs a model keeps, in compressed sparse rows by
 * user and by item, reading them back, and the best K candidates by score, ties by
 * the lower code.
 *
 * Copyright (C) 2026 the aiwb developers
 * SPDX-License-Identifier: MIT
 *
 * Every function takes the host table it allocates with, so this file binds to no
 * host: each recommender module links its own copy, the exported server one.
 */
#ifndef AIWB_PLUGINS_RANK_TOPK_H
#define AIWB_PLUGINS_RANK_TOPK_H

#include <stddef.h>
#include <stdint.h>

#include <aiwb/plugin.h>

/* The pairs in compressed sparse rows, twice: by user (items ascending)
 * and by item (users ascending). */
struct rank_store {
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
rank_nonzero(size_t n)
{
    return n > 0 ? n : 1;
}

/* Whether user U (any code: negative or past the users too) has a pair in ST. */
static inline int
rank_user_has_pairs(const struct rank_store *st, long u)
{
    return u >= 0 && (size_t)u < st->n_users && st->uptr[u + 1] > st->uptr[u];
}

/* Whether item I (any code) has a pair in ST. */
static inline int
rank_item_has_pairs(const struct rank_store *st, long i)
{
    return i >= 0 && (size_t)i < st->n_items && st->iptr[i + 1] > st->iptr[i];
}

/* Free ST's arrays (allocated with API) and zero it. */
void rank_store_release(const struct aiwb_host_api *api, struct rank_store *st);
/* Make the by-item copy of ST's by-user rows (arrays from API); a counting sort keeps
 * users ascending. */
void rank_store_transpose(const struct aiwb_host_api *api, struct rank_store *st);
/* The code V as an index below N, or -1 if it is none (NaN, negative, fraction, too big). */
long rank_code_of(double v, size_t n);

/*
 * Read into the empty ST (arrays from API) the pairs a model saved: "items", the
 * number of items; "user_pairs", the count per user; "pair_items", their items,
 * ascending within each user; "pair_values". Checked: codes in range and ascending,
 * finite values, and with NONNEG no negative ones. Returns AIWB_OK, or AIWB_EDATA with
 * *cause naming the algorithm WHO and the value ("als: the saved model is corrupt or
 * incomplete (reading 'pair_items')"); ST then holds what was read, for
 * rank_store_release.
 */
int rank_store_load(const struct aiwb_host_api *api, const char *who, struct rank_store *st,
                    struct aiwb_reader *r, int nonneg, char **cause);

/*
 * A new array (from API; the caller frees it) of one flag per item of ST: the items
 * to skip when recommending to USER: items without pairs, the user's own, and the
 * N_EXCLUDE codes of EXCLUDE (codes out of range ignored).
 */
unsigned char *rank_skip_items(const struct aiwb_host_api *api, const struct rank_store *st,
                               int32_t user, const int32_t *exclude, size_t n_exclude);

/* A new array (from API) of the share of ST's users with a pair that have each item. */
double *rank_popularity(const struct aiwb_host_api *api, const struct rank_store *st);

/* Better candidates have higher scores, then lower codes. */
struct rank_cand {
    double score;
    int32_t item;
};

/* Offer C to the heap H of at most CAP of the best (*N of them now). */
void rank_heap_offer(struct rank_cand *h, size_t *n, size_t cap, struct rank_cand c);
/* Sort the N candidates of a heap filled by rank_heap_offer (cap CAP), best first. */
void rank_heap_sort(struct rank_cand *h, size_t n, size_t cap);
/*
 * The K best of the N_ITEMS items by SCORES among those SKIP leaves, and only
 * those scoring above FLOOR (never NaN), best first (ties by code), into ITEMS
 * and OUT, with a work array from API. Returns how many. Writes nothing else:
 * threads may call it at once.
 */
int rank_top_k(const struct aiwb_host_api *api, const double *scores, size_t n_items,
               const unsigned char *skip, double floor_, size_t k, int32_t *items, double *out);

#endif
