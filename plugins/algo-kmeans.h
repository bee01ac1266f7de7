/*
 * algo-kmeans.h - what the two halves of the kmeans plugin share: the fitted state, its
 * version, the algorithm's flags and the predict half's functions.
 *
 * Copyright (C) 2026 the aiwb developers
 * SPDX-License-Identifier: MIT
 */
#ifndef AIWB_ALGO_KMEANS_H
#define AIWB_ALGO_KMEANS_H

#include <stddef.h>
#include <stdint.h>

#include <aiwb/plugin.h>

/* The version of the saved state (keep: saved models must still load). */
#define ALGO_KMEANS_STATE_VERSION 1

#define ALGO_KMEANS_FLAGS AIWB_TASK_CLUSTERING

/* How the starting centres are chosen (init=), and the names the model saves. */
enum kmeans_init { INIT_KMEANSPP, INIT_RANDOM, INIT_FIRST };
#define KMEANS_N_INITS 3
extern const char *const kmeans_init_names[KMEANS_N_INITS];

/* What exists only while training (the fit half's). */
struct kmeans_train;

struct kmeans {
    /* Options. */
    size_t k;
    enum kmeans_init init;
    int64_t restarts;
    int64_t max_iter;
    double tol;
    /* The model. */
    size_t p;
    char **features; /* p names */
    double *mean;    /* p: the training rows' mean */
    double *cc;      /* k x p: the centres minus that mean */
    double *sizes;   /* k: training rows per cluster */
    double *within;  /* k: their sums of squared distances to the centre */
    double inertia;  /* sum of within */
    double total_ss; /* sum of squared distances of the rows to their mean */
    int64_t n_samples;
    int64_t iterations; /* of the restart kept */
    int64_t restarts_run;
    int64_t relocated;
    int converged; /* the restart kept converged (not stopped by max_iter) */
    int fitted;
    struct kmeans_train *tr; /* training only: the fit half's */
};

/* Keep HOST as the table the predict half calls; the module does it first thing. */
void algo_kmeans_bind(const struct aiwb_host_api *host);

/*
 * Free what S owns of the model and zero everything but the options and s->tr, the
 * training workspace, which the fit half frees.
 */
void kmeans_clear(struct kmeans *s);

/*
 * The squared distance of row X (P values) less the training mean MEAN to the centre C
 * (both P values), summed four terms at a time as scikit-learn's
 * _euclidean_dense_dense, so that shifts and inertias round as there.
 */
static inline double
kmeans_sqdist(const double *x, const double *mean, const double *c, size_t p)
{
    double r = 0;
    size_t i = 0;

    for (; i + 4 <= p; i += 4) {
        const double d0 = (x[i] - mean[i]) - c[i], d1 = (x[i + 1] - mean[i + 1]) - c[i + 1];
        const double d2 = (x[i + 2] - mean[i + 2]) - c[i + 2];
        const double d3 = (x[i + 3] - mean[i + 3]) - c[i + 3];
        r += d0 * d0 + d1 * d1 + d2 * d2 + d3 * d3;
    }
    for (; i < p; i++) {
        const double d = (x[i] - mean[i]) - c[i];
        r += d * d;
    }
    return r;
}

/*
 * The nearest centre of row X of S (ties to the lowest cluster), and in *SQ (when not
 * NULL) the squared distance to it. Reads S only: threads may call it at once.
 */
size_t kmeans_nearest(const struct kmeans *s, const double *x, double *sq);

/*
 * The algorithm's functions (struct aiwb_algorithm_type): k outputs; one-hot
 * memberships of N rows (thread-safe, it writes nothing but OUT; AIWB_EINVAL before a
 * fit); load a saved model (AIWB_ENOTSUP for another state version, AIWB_EDATA with
 * *cause set for a corrupt one, the state then empty); free what load allocated.
 */
size_t kmeans_n_outputs(const void *state);
int kmeans_predict(const void *state, size_t n, const double *X, size_t ldx, double *out);
int kmeans_load(void *state, struct aiwb_reader *r, unsigned version, char **cause);
void kmeans_fini(void *state);

/* The predict half of "kmeans", as the exported server registers it. */
extern const struct aiwb_algorithm_type predict_kmeans;

#endif
