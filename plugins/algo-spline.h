/*
 * algo-spline.h - what the two halves of the spline plugin share: the fitted
 * state, its version and flags, and the predict half's functions.
 *
 * Copyright (C) 2026 the aiwb developers
 * SPDX-License-Identifier: MIT
 */
#ifndef AIWB_PLUGINS_ALGO_SPLINE_H
#define AIWB_PLUGINS_ALGO_SPLINE_H

#include <stddef.h>
#include <stdint.h>

#include <aiwb/plugin.h>

/* The version of the saved state (spline_save writes it, spline_load reads it). */
#define SPLINE_STATE_VERSION 1
/* The flags of the "spline" algorithm. */
#define SPLINE_FLAGS AIWB_TASK_REGRESSION
/* Cubic B-splines. */
#define SPLINE_ORDER 4

struct term {
    char *name;
    int spline;     /* a cubic B-spline; else a linear term */
    size_t nbreak;  /* breakpoints: the two ends and the interior knots (spline) */
    double *breaks; /* nbreak values, increasing */
    size_t ncoef;   /* its coefficients: nbreak + 1 for a spline (knots + 3), else 1 */
    size_t first;   /* index of its first coefficient */
    double edf;     /* effective degrees of freedom */
    double fstat;   /* Wald F test of the term (NaN with a penalty) */
    double pval;
    /* Derived, not saved: the spline's value and slope at its two ends. */
    double f_lo, d_lo, f_hi, d_hi;
};

struct spline {
    /* Options. */
    int64_t knots;
    int uniform; /* knots_at=uniform */
    double lambda;
    int constant; /* extrapolate=constant */
    /* Model. */
    int fitted;
    size_t p;
    struct term *terms;
    size_t k; /* coefficients: the intercept, then each term's */
    double *coef;
    /* The fit's numbers. */
    double n_obs;
    double rss;
    double tss;
    double edf;      /* total, with the intercept */
    double df_resid; /* n - edf */
    double sigma;
    double r2;
    double adj_r2;
    double mse;
};


/* Keep HOST as the predict half's host table; called first by the module's
 * init (the server calls it with its own table). */
void algo_spline_bind(const struct aiwb_host_api *host);

/* Free what the model owns and zero S, keeping the options. */
void spline_clear(struct spline *s);
/* Each spline term's value and slope at its two ends (f_lo, d_lo, f_hi,
 * d_hi), for predictions outside them; the coefficients must be set. */
void spline_set_ends(struct spline *s);
/* 1: the number of outputs of a regression. */
size_t spline_n_outputs(const void *state);
/* out[i] = b0 + sum_j f_j(X[i, j]), NaN where a feature is NaN; AIWB_EINVAL
 * before a fit. Thread-safe, allocates nothing. */
int spline_predict(const void *state, size_t n, const double *X, size_t ldx, double *out);
/* Read back what spline_save wrote (state version 1); on failure the state
 * is left empty and *cause says why. */
int spline_load(void *state, struct aiwb_reader *r, unsigned version, char **cause);
/* Free what spline_load or a fit made. */
void spline_fini(void *state);

/* The predict half of "spline", for the exported server. */
extern const struct aiwb_algorithm_type predict_spline;

#endif
