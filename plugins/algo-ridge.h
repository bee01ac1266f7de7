/*
 * algo-ridge.h - what the two halves of the ridge plugin share: the fitted
 * state, its version and flags, and the predict half's functions.
 *
 * Copyright (C) 2026 the aiwb developers
 * SPDX-License-Identifier: MIT
 */
#ifndef AIWB_PLUGINS_ALGO_RIDGE_H
#define AIWB_PLUGINS_ALGO_RIDGE_H

#include <stddef.h>
#include <stdint.h>

#include <aiwb/plugin.h>

#include "predict-common.h"

/* The version of the saved state (ridge_save writes it, ridge_load reads it). */
#define RIDGE_STATE_VERSION 1
/* The flags of the "ridge" algorithm. */
#define RIDGE_FLAGS (AIWB_TASK_REGRESSION | AIWB_CAP_WEIGHTS)
/* The columns of the path: lambda, df, gcv, r2. */
#define RIDGE_PATH_COLS 4

struct xprod; /* the fit half's pass over the rows (linear-xprod.h) */

/* What the report shows. */
enum ridge_show { SHOW_AUTO, SHOW_COEF, SHOW_PATH };

struct ridge {
    /* Options. */
    double lambda;
    int gcv;
    int64_t path_len;
    double lambda_min, lambda_max; /* 0: from the data */
    int intercept;
    int64_t threads;
    enum ridge_show show;
    /* Shape and fit. */
    int weighted;
    int fitted;
    size_t p;     /* features */
    size_t k;     /* coefficients: p, plus one for the intercept (first) */
    char **terms; /* k names; "(Intercept)" first when there is one */
    double *coef; /* k */
    double lambda_fit;
    double n_obs; /* rows of non-zero weight */
    double rss;   /* weighted residual sum of squares */
    double mse;   /* the training loss: rss / sum of weights */
    double r2;
    double df; /* effective degrees of freedom of the penalised slopes */
    double gcv_score;
    size_t npath;
    double *path;     /* npath rows of RIDGE_PATH_COLS, lambda decreasing */
    int64_t chosen;   /* the row of the path that is the fit, or -1 */
    int at_edge;      /* GCV was smallest at an end of the path (2: where df is practically p) */
    struct xprod *xp; /* the pass of init, until the fit (fit half only) */
};


/* The scalars saved and loaded, in this order (RIDGE_NSCALARS of them). */
#define RIDGE_NSCALARS 7
extern const struct predict_scalar ridge_scalars[RIDGE_NSCALARS];

/* Keep HOST as the predict half's host table; called first by the module's
 * init (the server calls it with its own table). */
void algo_ridge_bind(const struct aiwb_host_api *host);

/* Free what the model owns (terms, coefficients, path) and zero S but its
 * options; the training pass (xp) must have been freed already. */
void ridge_clear(struct ridge *s);
/* 1: the number of outputs of a regression. */
size_t ridge_n_outputs(const void *state);
/* out[i] = intercept + X[i,] . beta; AIWB_EINVAL before a fit. Thread-safe. */
int ridge_predict(const void *state, size_t n, const double *X, size_t ldx, double *out);
/* Read back what ridge_save wrote (state version 1); on failure the state is
 * left empty and *cause says why. */
int ridge_load(void *state, struct aiwb_reader *r, unsigned version, char **cause);
/* Free what ridge_load made. */
void ridge_fini(void *state);

/* The predict half of "ridge", for the exported server. */
extern const struct aiwb_algorithm_type predict_ridge;

#endif
