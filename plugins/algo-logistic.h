/*
 * algo-logistic.h - what the two halves of the logistic plugin share: the fitted
 * state, its version and flags, and the predict half's functions.
 *
 * Copyright (C) 2026 the aiwb developers
 * SPDX-License-Identifier: MIT
 */
#ifndef AIWB_PLUGINS_ALGO_LOGISTIC_H
#define AIWB_PLUGINS_ALGO_LOGISTIC_H

#include <stddef.h>
#include <stdint.h>

#include <aiwb/plugin.h>

/* The format of saved models: 2 added l1_ratio and the penalties l1 and elasticnet. */
#define LOGISTIC_STATE_VERSION 2
/* The flags of the "logistic" algorithm. */
#define LOGISTIC_FLAGS (AIWB_TASK_CLASSIFICATION | AIWB_CAP_WEIGHTS)

/* The penalties, in the order of their names (logistic_penalty_names). */
enum penalty { PENALTY_NONE, PENALTY_L2, PENALTY_L1, PENALTY_ELASTICNET };
#define LOGISTIC_NPENALTIES 4
extern const char *const logistic_penalty_names[LOGISTIC_NPENALTIES];

struct train; /* what exists only while training (the fit half's) */

struct logistic {
    /* Options. */
    double C;
    enum penalty penalty;
    double l1_ratio; /* elasticnet's share of L1 (given with penalty=elasticnet) */
    double l2w;      /* the weight of ||W||^2 / 2 in f: 1 (l2), 1 - l1_ratio, or 0 */
    double l1w;      /* the weight of ||W||_1: 1 (l1), l1_ratio, or 0 */
    int intercept;
    int64_t max_iter;
    double tol;
    /* Shape. */
    size_t p;         /* features */
    size_t n_classes; /* K >= 2 */
    size_t m;         /* weight vectors: 1 for two classes, else K */
    size_t d;         /* numbers per vector: p weights, then the intercept if any */
    char **features;  /* p names */
    char **classes;   /* K names */
    double *coef;     /* m x d, row-major */
    /* Fit. */
    struct train *tr; /* while training (fit half only) */
    int fitted;
    int converged;
    int64_t iterations;
    double loss; /* mean training log-loss (weighted), unpenalised */
    double objective;
    double gradient; /* max-norm of the standardised gradient at the end */
    int extreme;     /* fitted probabilities numerically 0 or 1 at the end */
};


/* Keep HOST as the predict half's host table; called first by the module's
 * init (the server calls it with its own table). */
void algo_logistic_bind(const struct aiwb_host_api *host);

/* Free what the model owns and zero S but its options; what training keeps
 * (tr) must have been freed already. */
void logistic_clear(struct logistic *s);
/* The weights of the two penalty terms (l2w, l1w) from the penalty and l1_ratio. */
void logistic_set_weights(struct logistic *s);
/* K: one probability per class. */
size_t logistic_n_outputs(const void *state);
/* Class probabilities, n x K, rows summing to one; AIWB_EINVAL before a fit.
 * Thread-safe. */
int logistic_predict(const void *state, size_t n, const double *X, size_t ldx, double *out);
/* Read back what logistic_save wrote (state versions 1 and 2); on failure
 * the state is left empty and *cause says why. */
int logistic_load(void *state, struct aiwb_reader *r, unsigned version, char **cause);
/* Free what logistic_load made. */
void logistic_fini(void *state);

/* The predict half of "logistic", for the exported server. */
extern const struct aiwb_algorithm_type predict_logistic;

#endif
