/*
 * algo-ols.h - what the two halves of the ols plugin share: the fitted state,
 * its version and flags, and the predict half's functions.
 *
 * Copyright (C) 2026 the aiwb developers
 * SPDX-License-Identifier: MIT
 */
#ifndef AIWB_PLUGINS_ALGO_OLS_H
#define AIWB_PLUGINS_ALGO_OLS_H

#include <stddef.h>
#include <stdint.h>

#include <aiwb/plugin.h>

#include "predict-common.h"

/* The version of the saved state (ols_save writes it, ols_load reads it). */
#define OLS_STATE_VERSION 1
/* The flags of the "ols" algorithm. */
#define OLS_FLAGS (AIWB_TASK_REGRESSION | AIWB_CAP_WEIGHTS)

struct xprod; /* the fit half's pass over the rows (linear-xprod.h) */

/* The model. */
struct ols {
    int intercept;   /* option: fit a constant term */
    int64_t threads; /* option: threads of the pass (0: automatic) */
    int weighted;    /* the fit used sample weights */
    int fitted;
    size_t p;     /* features */
    size_t k;     /* coefficients: p, plus one for the intercept (first) */
    char **terms; /* k names; "(Intercept)" first when there is one */
    double *coef; /* k estimates, then their statistics */
    double *se;
    double *tval;
    double *pval;
    struct xprod *xp; /* the pass of init, until the fit (fit half only) */
    /* Summary numbers, as R's summary.lm computes them. */
    double n_obs;    /* rows with a non-zero weight */
    double rss;      /* (weighted) residual sum of squares */
    double sigma;    /* residual standard error */
    double df_resid; /* n_obs - k */
    double r2;
    double adj_r2;
    double fstat; /* NaN without an F test (a model of the intercept alone) */
    double f_df1;
    double f_p;
    double mse; /* the training loss: (weighted) mean squared residual */
};

/* The scalars saved and loaded, in this order (OLS_NSCALARS of them). */
extern const struct predict_scalar ols_scalars[];
#define OLS_NSCALARS 10

/* Keep HOST as the predict half's host table; called first by the module's
 * init (the server calls it with its own table). */
void algo_ols_bind(const struct aiwb_host_api *host);

/* Free what the model owns (terms and coefficients) and zero S, keeping the
 * options; the training pass (xp) must have been freed already. */
void ols_clear(struct ols *s);
/* 1: the number of outputs of a regression. */
size_t ols_n_outputs(const void *state);
/* out[i] = intercept + X[i,] . beta; AIWB_EINVAL before a fit. Thread-safe. */
int ols_predict(const void *state, size_t n, const double *X, size_t ldx, double *out);
/* Read back what ols_save wrote (state version 1) into an empty state;
 * on failure the state is left empty and *cause says why. */
int ols_load(void *state, struct aiwb_reader *r, unsigned version, char **cause);
/* Free what ols_load made. */
void ols_fini(void *state);

/* The predict half of "ols", for the exported server. */
extern const struct aiwb_algorithm_type predict_ols;

#endif
