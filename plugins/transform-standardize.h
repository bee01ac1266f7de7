/*
 * transform-standardize.h - what the two halves of the standardize plugin share: the
 * fitted state, its version, the transform's flags and the apply half's functions.
 *
 * Copyright (C) 2026 the aiwb developers
 * SPDX-License-Identifier: MIT
 */
#ifndef AIWB_TRANSFORM_STANDARDIZE_H
#define AIWB_TRANSFORM_STANDARDIZE_H

#include <stddef.h>

#include <aiwb/plugin.h>

/* The version of the saved state (keep: saved models must still load). */
#define TRANSFORM_STANDARDIZE_STATE_VERSION 1

#define TRANSFORM_STANDARDIZE_FLAGS (AIWB_CAP_MISSING | AIWB_CAP_CATEGORICAL | AIWB_TF_FIT)

/* What fit learned about one column of its frame. */
struct standardize_column {
    char *name;
    enum aiwb_coltype type;
    double mean;  /* numeric: the mean of its values; NaN for categorical */
    double scale; /* numeric: the population sd, 1 for a constant column; NaN for categorical */
};
_Static_assert(offsetof(struct standardize_column, name) == 0,
               "predict-common.h reads the name first");

struct standardize {
    int center, scale;
    size_t n_cols; /* every column of the fit frame, in its order */
    struct standardize_column *cols;
};

/* Keep HOST as the table the apply half calls; the module does it first thing. */
void transform_standardize_bind(const struct aiwb_host_api *host);

/*
 * Free what fit or load learned (the columns) and leave S empty, its options kept; S
 * may be empty already.
 */
void standardize_clear(struct standardize *s);

/* The transform's functions (struct aiwb_transform_type): read the options into STATE;
 * apply the fitted state to IN (thread-safe: it writes nothing but *out); load the saved
 * state; free what init, fit and load allocated. */
int standardize_init(void *state, const struct aiwb_options *opts, char **cause);
int standardize_apply(const void *state, const struct aiwb_frame *in, struct aiwb_frame **out,
                      char **cause);
int standardize_load(void *state, struct aiwb_reader *r, unsigned version, char **cause);
void standardize_fini(void *state);

/* The apply half of "standardize", as the exported server registers it. */
extern const struct aiwb_transform_type apply_standardize;

#endif
