/*
 * algo-als.h - what the two halves of the als plugin share: the fitted state, its
 * version, the algorithm's flags and the predict half's functions.
 *
 * Copyright (C) 2026 the aiwb developers
 * SPDX-License-Identifier: MIT
 */
#ifndef AIWB_ALGO_ALS_H
#define AIWB_ALGO_ALS_H

#include <stddef.h>
#include <stdint.h>

#include <aiwb/plugin.h>

#include "rank-topk.h"

/* The version of the saved state (keep: saved models must still load). */
#define ALGO_ALS_STATE_VERSION 1

#define ALGO_ALS_FLAGS (AIWB_TASK_RANKING | AIWB_CAP_CATEGORICAL | AIWB_CAP_INCREMENTAL)

/* The most factors and threads the options (and a saved model) may ask for. */
#define ALS_MAX_FACTORS 1000
#define ALS_MAX_THREADS 64

struct als {
    /* Options. */
    size_t k;
    double lambda;
    int count_scale; /* lambda_scale=count */
    int implicit;
    double alpha;
    int64_t max_iter;
    double tol;
    size_t threads;
    /* The model. */
    struct rank_store st;
    double *X;         /* n_users x k */
    double *Y;         /* n_items x k */
    double *cold_item; /* n_items: a cold user's score of each item */
    double *cold_user; /* n_users: explicit, the user's mean rating */
    double global;     /* explicit: the mean of all ratings */
    /* The fit. */
    int ready;  /* init succeeded: there is a model to iterate on */
    int fitted; /* finish or load succeeded */
    int converged;
    int64_t iterations;
    size_t rows; /* rows trained on */
    double objective, loss, rmse;
};

/* Keep HOST as the table the predict half calls; the module does it first thing. */
void algo_als_bind(const struct aiwb_host_api *host);

/* Free what the state S owns and zero everything but the options. */
void als_clear(struct als *s);

/* The cold-start scores of S (its cold_item, cold_user and global) from its pairs. */
void als_compute_cold(struct als *s);

/*
 * The algorithm's functions (struct aiwb_algorithm_type): one output; the scores of the
 * (user, item) pairs of N rows (cold start included); the K best items for a user;
 * whether the scores estimate ratings; load a saved model (AIWB_ENOTSUP for another
 * state version, AIWB_EDATA with *cause set for a corrupt one, the state then empty);
 * free what load or a fit allocated. predict, recommend, rates and n_outputs write
 * nothing but their outputs: threads may call them at once on one state.
 */
size_t als_n_outputs(const void *state);
int als_predict(const void *state, size_t n, const double *X, size_t ldx, double *out);
int als_recommend(const void *state, int32_t user, const int32_t *exclude, size_t n_exclude,
                  size_t k, int32_t *items, double *scores);
int als_rates(const void *state);
int als_load(void *state, struct aiwb_reader *r, unsigned version, char **cause);
void als_fini(void *state);

/* The predict half of "als", as the exported server registers it. */
extern const struct aiwb_algorithm_type predict_als;

#endif
