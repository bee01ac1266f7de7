/*
 * algo-nbayes.h - what the two halves of the nbayes plugin share: the fitted
 * state, its version and flags, and the predict half's functions.
 *
 * Copyright (C) 2026 the aiwb developers
 * SPDX-License-Identifier: MIT
 */
#ifndef AIWB_PLUGINS_ALGO_NBAYES_H
#define AIWB_PLUGINS_ALGO_NBAYES_H

#include <stddef.h>
#include <stdint.h>

#include <aiwb/plugin.h>

/* The format of saved models. */
#define NBAYES_STATE_VERSION 1
/* The flags of the "nbayes" algorithm. */
#define NBAYES_FLAGS                                                                               \
    (AIWB_TASK_CLASSIFICATION | AIWB_CAP_CATEGORICAL | AIWB_CAP_MISSING | AIWB_CAP_WEIGHTS)

struct nbayes {
    /* Options. */
    double var_smoothing;
    double alpha;
    int uniform; /* priors=uniform */
    /* Shape. */
    size_t p;         /* features */
    size_t K;         /* classes */
    char **features;  /* p names */
    char **classes;   /* K names */
    int64_t *levels;  /* p: 0 for a numeric feature, else its number of levels */
    size_t *offset;   /* p: where a categorical feature's levels start in a row of logp */
    size_t nlogp;     /* the sum of the levels */
    /* The model. */
    double *count;     /* K: (weighted) rows of each class */
    double *log_prior; /* K */
    double *mean;      /* K x p: Gaussian means (0 for categorical features) */
    double *var;       /* K x p: Gaussian variances, epsilon included */
    double *lognorm;   /* K x p: -log(2 pi var) / 2, derived */
    double *logp;      /* K x nlogp: log P(level | class) */
    double epsilon;
    double loss; /* mean (weighted) training log-loss */
    size_t missing; /* missing values left out in training */
    int fitted;
};


/* Keep HOST as the predict half's host table; called first by the module's
 * init (the server calls it with its own table). */
void algo_nbayes_bind(const struct aiwb_host_api *host);

/* Free what the model owns and zero S but its options. */
void nbayes_clear(struct nbayes *s);
/* The offsets of the categorical features' levels, and room for the model
 * (levels and the names must be set). */
void nbayes_alloc_model(struct nbayes *s);
/* The derived normalising terms of the Gaussian densities. */
void nbayes_derive(struct nbayes *s);
/* The joint log-likelihoods of row X (K numbers into JLL). */
void nbayes_joint(const struct nbayes *s, const double *x, double *jll);
/* Normalise the scores JLL into probabilities in place; returns log-sum-exp. */
double nbayes_normalise(double *jll, size_t K);
/* K: one probability per class. */
size_t nbayes_n_outputs(const void *state);
/* Class probabilities, n x K; AIWB_EINVAL before a fit. Thread-safe. */
int nbayes_predict(const void *state, size_t n, const double *X, size_t ldx, double *out);
/* Read back what nbayes_save wrote (NBAYES_STATE_VERSION); on failure the
 * state is left empty and *cause says why. */
int nbayes_load(void *state, struct aiwb_reader *r, unsigned version, char **cause);
/* Free what nbayes_load (or a fit) made. */
void nbayes_fini(void *state);

/* The predict half of "nbayes", for the exported server. */
extern const struct aiwb_algorithm_type predict_nbayes;

#endif
