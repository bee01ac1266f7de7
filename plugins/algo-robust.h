/*
 * algo-robust.h - what the two halves of the robust plugin share: the fitted
 * state, its version and flags, and the predict half's functions.
 *
 * Copyright (C) 2026 the aiwb developers
 * SPDX-License-Identifier: MIT
 */
#ifndef AIWB_PLUGINS_ALGO_ROBUST_H
#define AIWB_PLUGINS_ALGO_ROBUST_H

#include <stddef.h>
#include <stdint.h>

#include <aiwb/plugin.h>

#include "predict-common.h"

/* The version of the saved state (robust_save writes it, robust_load reads it). */
#define ROBUST_STATE_VERSION 1
/* The flags of the "robust" algorithm. */
#define ROBUST_FLAGS AIWB_TASK_REGRESSION

/* The weight functions, by the names the option takes and the model saves
 * (GSL's names; the fit half maps them to GSL's types in this order). */
#define ROBUST_NMETHODS 6
extern const char *const robust_methods[ROBUST_NMETHODS];

struct train; /* what exists only while training (the fit half's) */

struct robust {
    /* Options. */
    size_t method; /* index into robust_methods[] */
    double tune;
    int intercept;
    int64_t max_iter;
    /* Model. */
    int fitted;
    int converged;
    size_t p;     /* features */
    size_t k;     /* coefficients: the intercept (first) and p */
    char **terms; /* k names */
    double *coef; /* k estimates, then std_error and t_value (3 k) */
    double *se;
    double *tval;
    struct train *tr; /* while training (fit half only) */
    /* The fit's numbers (saved in this order: see robust_scalars). */
    double n_obs;
    double dof;
    double sigma;     /* GSL's final sigma: the standard errors' */
    double sigma_mad; /* the MAD estimate from the final residuals */
    double sigma_rob; /* Street's robust estimate */
    double sigma_ols; /* least squares' */
    double r2;        /* GSL's, from sigma (DuMouchel and O'Brien) */
    double adj_r2;
    double iterations;
    double mse;   /* mean squared residual: the "loss" */
    double w_min; /* the final weights: quartiles, */
    double w_q1;
    double w_med;
    double w_q3;
    double w_max;
    double n_down; /* how many are below one, */
    double n_zero; /* how many are zero */
};


/* The scalars saved and loaded, in this order (ROBUST_NSCALARS of them). */
#define ROBUST_NSCALARS 17
extern const struct predict_scalar robust_scalars[ROBUST_NSCALARS];

/* Keep HOST as the predict half's host table; called first by the module's
 * init (the server calls it with its own table). */
void algo_robust_bind(const struct aiwb_host_api *host);

/* Free what the model owns and zero S but its options; what training keeps
 * (tr) must have been freed already. */
void robust_clear(struct robust *s);
/* 1: the number of outputs of a regression. */
size_t robust_n_outputs(const void *state);
/* out[i] = intercept + X[i,] . beta; AIWB_EINVAL before a fit. Thread-safe. */
int robust_predict(const void *state, size_t n, const double *X, size_t ldx, double *out);
/* Read back what robust_save wrote (state version 1); on failure the state
 * is left empty and *cause says why. */
int robust_load(void *state, struct aiwb_reader *r, unsigned version, char **cause);
/* Free what robust_load made. */
void robust_fini(void *state);

/* The predict half of "robust", for the exported server. */
extern const struct aiwb_algorithm_type predict_robust;

#endif
