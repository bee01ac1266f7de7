/*
 * algo-lasso.h - what the two halves of the lasso plugin share: the fitted
 * state, its version and flags, and the predict half's functions.
 *
 * Copyright (C) 2026 the aiwb developers
 * SPDX-License-Identifier: MIT
 */
#ifndef AIWB_PLUGINS_ALGO_LASSO_H
#define AIWB_PLUGINS_ALGO_LASSO_H

#include <stddef.h>
#include <stdint.h>

#include <aiwb/plugin.h>

#include "predict-common.h"

/* The version of the saved state (enet_save writes it, lasso_load and
 * elasticnet_load read it), the same for both algorithms. */
#define ENET_STATE_VERSION 1
/* The flags of "lasso" and "elasticnet". */
#define ENET_FLAGS (AIWB_TASK_REGRESSION | AIWB_CAP_WEIGHTS)
/* The columns of the path: alpha, nonzero, r2, objective, passes. */
#define LASSO_PATH_COLS 5

struct train; /* what exists only while training (the fit half's) */

/* What the report shows. */
enum enet_show { SHOW_AUTO, SHOW_COEF, SHOW_PATH };
/* Which form of coordinate descent. */
enum enet_form { FORM_AUTO, FORM_GRAM, FORM_ROWS };

struct enet {
    const char *who; /* "lasso" or "elasticnet", for messages */
    /* Options. */
    double alpha;
    double rho; /* l1_ratio */
    int64_t path_len;
    int64_t max_iter;
    double tol;
    int intercept;
    int64_t threads;
    enum enet_form form;
    enum enet_show show;
    /* Shape. */
    int weighted;
    size_t p, k;
    char **terms; /* k names; "(Intercept)" first when there is one */
    double *mean; /* p + 1: the weighted means of x and y (zeros without intercept) */
    double sw;    /* the sum of the weights, W */
    double syy;   /* yc'W yc */
    double n_obs;
    /* The fit. */
    double *w;    /* p: the slopes */
    double *coef; /* k: the intercept first, then w (set by finish) */
    struct train *tr; /* while training (fit half only) */
    int fitted;
    int converged;
    int stopped; /* training ended early (cancelled) */
    int64_t passes;
    double alpha_fit;
    double alpha_max;
    double objective, gap, r2, mse;
    size_t nonzero;
    size_t npath;
    double *path; /* npath rows of LASSO_PATH_COLS */
};


/* The scalars saved and loaded, in this order (ENET_NSCALARS of them). */
#define ENET_NSCALARS 10
extern const struct predict_scalar enet_scalars[ENET_NSCALARS];

/* Keep HOST as the predict half's host table; called first by the module's
 * init (the server calls it with its own table). */
void algo_lasso_bind(const struct aiwb_host_api *host);

/* Free what the model owns and zero S but its options; what training keeps
 * (tr) must have been freed already. */
void enet_clear(struct enet *s);
/* 1: the number of outputs of a regression. */
size_t enet_n_outputs(const void *state);
/* out[i] = intercept + X[i,] . beta; AIWB_EINVAL before a fit. Thread-safe. */
int enet_predict(const void *state, size_t n, const double *X, size_t ldx, double *out);
/* Read back what enet_save wrote (state version 1) for "lasso" or
 * "elasticnet" (the name its messages give); on failure the state is left
 * empty and *cause says why. */
int lasso_load(void *state, struct aiwb_reader *r, unsigned version, char **cause);
int elasticnet_load(void *state, struct aiwb_reader *r, unsigned version, char **cause);
/* Free what lasso_load or elasticnet_load made. */
void enet_fini(void *state);

/* The predict halves of "lasso" and "elasticnet", for the exported server. */
extern const struct aiwb_algorithm_type predict_lasso;
extern const struct aiwb_algorithm_type predict_elasticnet;

#endif
