/*
 * algo-gmm.h - what the two halves of the gmm plugin share: the fitted state, its
 * version, the algorithm's flags and the predict half's functions.
 *
 * Copyright (C) 2026 the aiwb developers
 * SPDX-License-Identifier: MIT
 */
#ifndef AIWB_ALGO_GMM_H
#define AIWB_ALGO_GMM_H

#include <stddef.h>
#include <stdint.h>

#include <aiwb/plugin.h>

/* The version of the saved state (keep: saved models must still load). */
#define ALGO_GMM_STATE_VERSION 1

#define ALGO_GMM_FLAGS AIWB_TASK_CLUSTERING

/* The covariance= and init= choices, and the names models save them by. */
enum gmm_cov { COV_FULL, COV_DIAG };
enum gmm_init { INIT_KMEANS, INIT_KMEANSPP, INIT_FIRST };
extern const char *const gmm_cov_names[2];
extern const char *const gmm_init_names[3];

/* What exists only while training (the fit half's). */
struct gmm_train;

struct gmm {
    /* Options. */
    size_t k;
    enum gmm_cov cov;
    enum gmm_init init;
    int64_t max_iter;
    double tol;
    double reg;
    /* The model. */
    size_t p;
    char **features;
    double *weights; /* k */
    double *means;   /* k x p */
    double *covs;    /* k x p x p (full) or k x p (diag) */
    double *chol;    /* full: k x p x p, the lower Cholesky factors; diag: k x p, the sds */
    double *logdet;  /* k: sum of the logs of the factors' diagonals (half log det S) */
    double *sizes;   /* k: training rows most probable under each component */
    int64_t n_samples;
    int64_t iterations;
    int converged;
    double lower_bound; /* the last step's mean log-likelihood (before its M step) */
    double ll;          /* the training rows' mean log-likelihood under the final model */
    int fitted;
    struct gmm_train *tr; /* training only: the fit half's */
};

/* Numbers of a full covariance matrix or of a diagonal one, per component. */
static inline size_t
gmm_cov_size(const struct gmm *s)
{
    return s->cov == COV_FULL ? s->p * s->p : s->p;
}

/* Keep HOST as the table the predict half calls; the module does it first thing. */
void algo_gmm_bind(const struct aiwb_host_api *host);

/*
 * Free what S owns of the model and zero everything but the options and s->tr, the
 * training workspace, which the fit half frees.
 */
void gmm_clear(struct gmm *s);

/* The index of V among the N NAMES, or -1 (V NULL too). */
int gmm_choice(const char *v, const char *const *names, size_t n);

/* Room for the parameters of S's k components of p features (zeroed). */
void gmm_alloc_params(struct gmm *s);

/*
 * The Cholesky factor (or the sds) of each component's covariance, and half its log
 * determinant, into S's chol and logdet. Returns AIWB_OK, or AIWB_ENUMERIC with *cause
 * set (when CAUSE is not NULL) naming the component whose covariance is not positive
 * definite.
 */
int gmm_factorise(struct gmm *s, char **cause);

/*
 * The log of weight times density of the N rows of X (stride LDX) under each component
 * into OUT (n x k); B is a workspace of p doubles. Reads S only.
 */
void gmm_log_densities(const struct gmm *s, size_t n, const double *X, size_t ldx, double *B,
                       double *out);

/*
 * Turn each row of log weighted densities V (n x k) into responsibilities (posterior
 * probabilities), and return the sum of the rows' log-likelihoods (their log-sum-exp).
 */
double gmm_normalise_rows(size_t n, size_t k, double *V);

/*
 * The algorithm's functions (struct aiwb_algorithm_type): k outputs; the posterior
 * probabilities of the components for N rows (thread-safe, it writes nothing but OUT;
 * AIWB_EINVAL before a fit); load a saved model (AIWB_ENOTSUP for another state
 * version, AIWB_EDATA with *cause set for a corrupt one, the state then empty); free
 * what load allocated.
 */
size_t gmm_n_outputs(const void *state);
int gmm_predict(const void *state, size_t n, const double *X, size_t ldx, double *out);
int gmm_load(void *state, struct aiwb_reader *r, unsigned version, char **cause);
void gmm_fini(void *state);

/* The predict half of "gmm", as the exported server registers it. */
extern const struct aiwb_algorithm_type predict_gmm;

#endif
