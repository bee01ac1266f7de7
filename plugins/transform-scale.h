/*
 * transform-scale.h - what the two halves of the scale plugin (the minmax and robust
 * transforms) share: the fitted state, its version, the transforms' flags and the apply
 * half's functions.
 *
 * Copyright (C) 2026 the aiwb developers
 * SPDX-License-Identifier: MIT
 */
#ifndef AIWB_TRANSFORM_SCALE_H
#define AIWB_TRANSFORM_SCALE_H

#include <stddef.h>

#include <aiwb/plugin.h>

/* The version of the saved state of both transforms (keep: saved models must still load). */
#define TRANSFORM_SCALE_STATE_VERSION 1

/* The flags of both transforms. */
#define TRANSFORM_SCALE_FLAGS (AIWB_CAP_MISSING | AIWB_CAP_CATEGORICAL | AIWB_TF_FIT)

/* Which transform a state belongs to. */
enum scale_kind { SCALE_MINMAX, SCALE_ROBUST };

/* What fit learned about one column of its frame. */
struct scale_column {
    char *name;
    enum aiwb_coltype type;
    /* minmax: the smallest and largest value; robust: the centre (median) and the scale
     * (the interquartile range, 1 when it is 0). NaN for a categorical column. */
    double a, b;
};
_Static_assert(offsetof(struct scale_column, name) == 0, "predict-common.h reads the name first");

/* The state of both transforms; KIND says which one it is. */
struct scaler {
    enum scale_kind kind;
    double lo, hi;        /* minmax: the target range */
    int clip;             /* minmax: clip values outside [lo, hi] at apply time */
    int center, scale;    /* robust: subtract the median, divide by the range */
    double q_low, q_high; /* robust: the quantiles, in percent */
    size_t n_cols;        /* every column of the fit frame, in its order */
    struct scale_column *cols;
};

/* Keep HOST as the table the apply half calls; the module does it first thing. */
void transform_scale_bind(const struct aiwb_host_api *host);

/* The name of transform KIND ("minmax", "robust"), for messages: a static string. */
const char *scale_kind_name(enum scale_kind kind);

/* Free what fit or load learned (the columns), leaving S with none; options kept. */
void scale_clear(struct scaler *s);

/* The transforms' functions (struct aiwb_transform_type): read the options of minmax or
 * robust into STATE; apply the fitted state to IN (thread-safe: it writes nothing but
 * *out); load the saved state of minmax or robust; free what init, fit and load
 * allocated. apply and fini serve both. */
int scale_minmax_init(void *state, const struct aiwb_options *opts, char **cause);
int scale_robust_init(void *state, const struct aiwb_options *opts, char **cause);
int scale_apply(const void *state, const struct aiwb_frame *in, struct aiwb_frame **out,
                char **cause);
int scale_minmax_load(void *state, struct aiwb_reader *r, unsigned version, char **cause);
int scale_robust_load(void *state, struct aiwb_reader *r, unsigned version, char **cause);
void scale_fini(void *state);

/* The apply halves of "minmax" and "robust", as the exported server registers them. */
extern const struct aiwb_transform_type apply_minmax;
extern const struct aiwb_transform_type apply_robust;

#endif
