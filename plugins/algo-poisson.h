/*
 * algo-poisson.h - what the two halves of the poisson plugin share: the fitted
 * state, its version and flags, and the predict half's functions.
 *
 * Copyright (C) 2026 the aiwb developers
 * SPDX-License-Identifier: MIT
 */
#ifndef AIWB_PLUGINS_ALGO_POISSON_H
#define AIWB_PLUGINS_ALGO_POISSON_H

#include <float.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include <aiwb/plugin.h>

/* The version of the saved state (poisson_save writes it, poisson_load reads it). */
#define POISSON_STATE_VERSION 1
/* The flags of the "poisson" algorithm. */
#define POISSON_FLAGS (AIWB_TASK_REGRESSION | AIWB_CAP_WEIGHTS)

struct train; /* what exists only while training (the fit half's) */

struct poisson {
    /* Options. */
    int intercept;
    int64_t max_iter;
    double tol;
    double lambda;
    char *offset; /* the offset feature's name, or NULL (owned) */
    /* Shape. */
    size_t p;     /* features, the offset among them */
    long off;     /* the offset feature's index, or -1 */
    size_t k;     /* coefficients: the intercept (first), then the other features */
    char **terms; /* k names */
    size_t *col;  /* k: the feature of each coefficient (unused for the intercept) */
    /* Model. */
    double *coef; /* k, then std_error, z_value, p_value (4 k) */
    double *se;
    double *zval;
    double *pval;
    double *beta; /* p: each feature's coefficient, 1 for the offset: eta = b0 + X beta */
    struct train *tr; /* while training (fit half only) */
    int fitted;
    int converged;
    int64_t iterations;
    /* The fit's numbers. */
    double n_obs; /* rows of non-zero weight */
    double sw;    /* sum of the weights */
    double deviance;
    double objective; /* deviance + lambda sum(w) ||beta||^2 */
    double null_deviance;
    double df_resid;
    double df_null;
    double aic;     /* NaN when the counts are not all integers */
    int noninteger; /* some count is not an integer */
    int zero_rates;
};


/* R's linkinv and mu.eta for the log link: exp, kept above DBL_EPSILON. */
static inline double
poisson_rate(double eta)
{
    double m = exp(eta);

    return m > DBL_EPSILON ? m : DBL_EPSILON;
}

/* Keep HOST as the predict half's host table; called first by the module's
 * init (the server calls it with its own table). */
void algo_poisson_bind(const struct aiwb_host_api *host);

/* Free what the model owns and zero S, keeping the options (the offset's
 * name included); what training keeps (tr) must have been freed already. */
void poisson_clear(struct poisson *s);
/* 1: the number of outputs of a regression. */
size_t poisson_n_outputs(const void *state);
/* The expected count exp(b0 + X beta), the offset included; AIWB_EINVAL
 * before a fit. Thread-safe. */
int poisson_predict(const void *state, size_t n, const double *X, size_t ldx, double *out);
/* Read back what poisson_save wrote (state version 1); on failure the state
 * is left empty and *cause says why. */
int poisson_load(void *state, struct aiwb_reader *r, unsigned version, char **cause);
/* Free what poisson_load made, the offset's name included. */
void poisson_fini(void *state);

/* The predict half of "poisson", for the exported server. */
extern const struct aiwb_algorithm_type predict_poisson;

#endif
