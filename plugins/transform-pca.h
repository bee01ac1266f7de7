/*
 * transform-pca.h - what the two halves of the pca transform plugin share: the fitted
 * state, its version, the transform's flags and the apply half's functions. (The pca
 * algorithm, plugins/algo-pca.h, is another component: names here say transform_pca.)
 *
 * Copyright (C) 2026 the aiwb developers
 * SPDX-License-Identifier: MIT
 */
#ifndef AIWB_TRANSFORM_PCA_H
#define AIWB_TRANSFORM_PCA_H

#include <stddef.h>

#include <aiwb/plugin.h>

/* The version of the saved state (keep: saved models must still load). */
#define TRANSFORM_PCA_STATE_VERSION 1

#define TRANSFORM_PCA_FLAGS (AIWB_CAP_CATEGORICAL | AIWB_TF_FIT)

struct transform_pca {
    /* The options. */
    int scale;     /* divide the centred columns by their sd (ddof 1) */
    size_t want_k; /* components=, 0 when not given */
    double share;  /* variance=, 0 when not given */
    /* What fit learned. */
    size_t n_samples; /* rows of the fit frame */
    size_t p;         /* its numeric columns, in its order ... */
    char **names;
    double *means;    /* ... their means ... */
    double *scales;   /* ... and their sd, or 1 (scale=false, or a constant column) */
    size_t r;         /* components computed: min(n_samples, p) */
    double *variance; /* the r explained variances s_k^2 / (n - 1), largest first */
    size_t k;         /* components kept */
    double *loadings; /* p x k, row-major: loadings[j * k + c] of column j on PCc+1 */
};

/* Keep HOST as the table the apply half calls; the module does it first thing. */
void transform_pca_bind(const struct aiwb_host_api *host);

/* Free what fit or load learned, leaving S unfitted; options kept. */
void transform_pca_clear(struct transform_pca *s);

/* The transform's functions (struct aiwb_transform_type): read the options into STATE;
 * apply the fitted state to IN (thread-safe: it writes nothing but *out); load the saved
 * state; free what fit and load allocated. */
int transform_pca_init(void *state, const struct aiwb_options *opts, char **cause);
int transform_pca_apply(const void *state, const struct aiwb_frame *in, struct aiwb_frame **out,
                        char **cause);
int transform_pca_load(void *state, struct aiwb_reader *r, unsigned version, char **cause);
void transform_pca_fini(void *state);

/* The apply half of the transform "pca", as the exported server registers it. */
extern const struct aiwb_transform_type apply_pca;

#endif
