/*
 * algo-itemknn.h - what the two halves of the itemknn plugin (the algorithms itemknn
 * and popular) share: the fitted states, their version, the algorithms' flags and the
 * predict half's functions.
 *
 * Copyright (C) 2026 the aiwb developers
 * SPDX-License-Identifier: MIT
 */
#ifndef AIWB_ALGO_ITEMKNN_H
#define AIWB_ALGO_ITEMKNN_H

#include <stddef.h>
#include <stdint.h>

#include <aiwb/plugin.h>

#include "rank-topk.h"

/* The version of the saved states (keep: saved models must still load). */
#define ALGO_ITEMKNN_STATE_VERSION 1
#define ALGO_POPULAR_STATE_VERSION 1

#define ALGO_ITEMKNN_FLAGS (AIWB_TASK_RANKING | AIWB_CAP_CATEGORICAL | AIWB_CAP_INCREMENTAL)
#define ALGO_POPULAR_FLAGS (AIWB_TASK_RANKING | AIWB_CAP_CATEGORICAL | AIWB_CAP_INCREMENTAL)

/* The most threads itemknn's option (and a saved model) may ask for. */
#define ITEMKNN_MAX_THREADS 64

struct itemknn {
    /* Options. */
    size_t neighbours;
    int weighted;
    size_t threads;
    /* The model. */
    struct rank_store st;
    double *norm;  /* n_items: |v_i| */
    size_t *nptr;  /* n_items + 1: each item's neighbours ... */
    int32_t *nidx; /* ... by ascending code */
    double *nsim;
    double *pop; /* n_items: a cold user's scores */
    size_t rows;
    int fitted;
};

/* The value a pair contributes: its rating, or 1. */
static inline double
itemknn_value(const struct itemknn *s, double r)
{
    return s->weighted ? r : 1.0;
}

struct popular {
    /* Options. */
    int by_rating;
    int64_t min_count;
    /* The model. */
    struct rank_store st;
    double *score; /* n_items; NaN: not recommended (too few ratings, or none) */
    double global;
    size_t rows;
    int fitted;
};

/* Keep HOST as the table the predict half calls; the module does it first thing. */
void algo_itemknn_bind(const struct aiwb_host_api *host);

/* Free what S owns and zero everything but the options. */
void itemknn_clear(struct itemknn *s);
void popular_clear(struct popular *s);

/* itemknn: the norms of the item vectors (S's norm) from its pairs. */
void itemknn_compute_norms(struct itemknn *s);
/* popular: the items' scores and the mean of all ratings from S's pairs. */
void popular_compute(struct popular *s);

/*
 * The algorithms' functions (struct aiwb_algorithm_type): one output; the scores of
 * the (user, item) pairs of N rows; the K best items for a user; whether the scores
 * estimate ratings (popular); load a saved model (AIWB_ENOTSUP for another state
 * version, AIWB_EDATA with *cause set for a corrupt one, the state then empty); free
 * what load or a fit allocated. predict, recommend, rates and n_outputs write nothing
 * but their outputs: threads may call them at once on one state.
 */
size_t itemknn_n_outputs(const void *state);
int itemknn_predict(const void *state, size_t n, const double *X, size_t ldx, double *out);
int itemknn_recommend(const void *state, int32_t user, const int32_t *exclude, size_t n_exclude,
                      size_t k, int32_t *items, double *scores);
int itemknn_load(void *state, struct aiwb_reader *r, unsigned version, char **cause);
void itemknn_fini(void *state);

size_t popular_n_outputs(const void *state);
int popular_predict(const void *state, size_t n, const double *X, size_t ldx, double *out);
int popular_recommend(const void *state, int32_t user, const int32_t *exclude, size_t n_exclude,
                      size_t k, int32_t *items, double *scores);
int popular_rates(const void *state);
int popular_load(void *state, struct aiwb_reader *r, unsigned version, char **cause);
void popular_fini(void *state);

/* The predict halves of "itemknn" and "popular", as the exported server registers them. */
extern const struct aiwb_algorithm_type predict_itemknn;
extern const struct aiwb_algorithm_type predict_popular;

#endif
