/*
 * algo-knn.h - what the two halves of the knn plugin share: the fitted state, its
 * version, the algorithm's flags and the predict half's functions.
 *
 * Copyright (C) 2026 the aiwb developers
 * SPDX-License-Identifier: MIT
 */
#ifndef AIWB_ALGO_KNN_H
#define AIWB_ALGO_KNN_H

#include <stddef.h>
#include <stdint.h>

#include <aiwb/plugin.h>

/* The version of the saved state (keep: saved models must still load). */
#define ALGO_KNN_STATE_VERSION 1

#define ALGO_KNN_FLAGS (AIWB_TASK_CLASSIFICATION | AIWB_TASK_REGRESSION)

/* The most threads the option threads= (and a saved model) may ask for. */
#define KNN_MAX_THREADS 64

struct knn {
    /* Options. */
    int64_t k;
    int distance;  /* weights=distance */
    int manhattan; /* metric=manhattan */
    int64_t threads;
    /* The model. */
    int classify;    /* classification, else regression */
    size_t n, p, K;  /* training rows, features, classes (0 for regression) */
    char **features; /* p names */
    char **classes;  /* K names */
    double *T;       /* n x p: the training rows */
    double *y;       /* n: their targets (class codes for classification) */
    int fitted;
};

/* Keep HOST as the table the predict half calls; the module does it first thing. */
void algo_knn_bind(const struct aiwb_host_api *host);

/* Free what S owns and zero everything but the options. */
void knn_clear(struct knn *s);

/*
 * The algorithm's functions (struct aiwb_algorithm_type): the values predict writes a
 * row (classes, or 1); vote shares or means of the k nearest training rows for N rows,
 * on the calling thread (thread-safe, it writes nothing but OUT; AIWB_EINVAL before a
 * fit); load a saved model (AIWB_ENOTSUP for another state version, AIWB_EDATA with
 * *cause set for a corrupt one, the state then empty); free what load or a fit
 * allocated.
 */
size_t knn_n_outputs(const void *state);
int knn_predict(const void *state, size_t n, const double *X, size_t ldx, double *out);
int knn_load(void *state, struct aiwb_reader *r, unsigned version, char **cause);
void knn_fini(void *state);

/* The predict half of "knn", as the exported server registers it. */
extern const struct aiwb_algorithm_type predict_knn;

#endif
