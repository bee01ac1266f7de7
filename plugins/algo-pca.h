/*
 * algo-pca.h - what the two halves of the pca-model plugin share: the fitted
 * state, its version, the algorithm's flags and the predict half's functions.
 *
 * Copyright (C) 2026 the aiwb developers
 * SPDX-License-Identifier: MIT
 *
 * The names carry the prefix pca_model (the module's name), not pca: the pca
 * transform's apply half (transform-pca.h) links into the same server.
 */
#ifndef AIWB_ALGO_PCA_H
#define AIWB_ALGO_PCA_H

#include <stddef.h>
#include <stdint.h>

#include <aiwb/plugin.h>

/* The version of the saved state (keep: saved models must still load). */
#define ALGO_PCA_STATE_VERSION 1

#define ALGO_PCA_FLAGS AIWB_TASK_DECOMPOSITION

struct pca_model {
    /* Options. */
    int scale;     /* divide the centred features by their sd (ddof 1) */
    size_t want_k; /* components=, 0 when not given */
    double share;  /* variance=, 0 when not given */
    /* The model. */
    size_t p;
    char **features;
    double *means;  /* p */
    double *scales; /* p: the sds, or 1 (scale=false, or a constant feature) */
    int64_t n_samples;
    size_t r;         /* components computed: min(n, p) */
    double *variance; /* r explained variances, largest first */
    size_t k;         /* components kept */
    double *loadings; /* p x k, row-major: loadings[j * k + c] of feature j on PCc+1 */
    double loss;      /* mean squared reconstruction error of the training rows */
    int fitted;
};

/* Keep HOST as the table the predict half calls; the module does it first thing. */
void algo_pca_bind(const struct aiwb_host_api *host);

/* Free what the state S owns (the model) and zero everything but the options. */
void pca_model_clear(struct pca_model *s);

/*
 * The algorithm's functions (struct aiwb_algorithm_type): the number of
 * components kept; the component scores of N rows (n x k into OUT; thread-safe,
 * it writes nothing but OUT; AIWB_EINVAL before a fit); load a saved model
 * (AIWB_ENOTSUP for another state version, AIWB_EDATA with *cause set for a
 * corrupt one, the state then empty); free what load or a fit allocated.
 */
size_t pca_model_n_outputs(const void *state);
int pca_model_predict(const void *state, size_t n, const double *X, size_t ldx, double *out);
int pca_model_load(void *state, struct aiwb_reader *r, unsigned version, char **cause);
void pca_model_fini(void *state);

/* The predict half of "pca", as the exported server registers it. */
extern const struct aiwb_algorithm_type predict_pca;

#endif
