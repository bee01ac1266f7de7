/*
 * transform-onehot.h - what the two halves of the onehot plugin share: the fitted state,
 * its version, the transform's flags and the apply half's functions.
 *
 * Copyright (C) 2026 the aiwb developers
 * SPDX-License-Identifier: MIT
 */
#ifndef AIWB_TRANSFORM_ONEHOT_H
#define AIWB_TRANSFORM_ONEHOT_H

#include <stddef.h>

#include <aiwb/plugin.h>

/* The version of the saved state (keep: saved models must still load). */
#define TRANSFORM_ONEHOT_STATE_VERSION 1

#define TRANSFORM_ONEHOT_FLAGS                                                                     \
    (AIWB_CAP_MISSING | AIWB_CAP_CATEGORICAL | AIWB_TF_NUMERIC | AIWB_TF_FIT)

/* A level of a fitted column, for lookups by text. */
struct onehot_entry {
    const char *text; /* borrowed from onehot_column.levels */
    size_t index;     /* its place in onehot_column.levels */
};

/* What fit learned about one column of its frame. */
struct onehot_column {
    char *name;
    enum aiwb_coltype type;
    size_t n_levels;             /* categorical: the levels seen at fit time ... */
    char **levels;               /* ... in the fit frame's level order */
    struct onehot_entry *sorted; /* the same levels sorted by text */
    char **outputs;              /* the output column of each level, "name=level" */
};
_Static_assert(offsetof(struct onehot_column, name) == 0, "predict-common.h reads the name first");

struct onehot {
    int drop_first;
    size_t n_cols; /* every column of the fit frame, in its order */
    struct onehot_column *cols;
};

/* Keep HOST as the table the apply half calls; the module does it first thing. */
void transform_onehot_bind(const struct aiwb_host_api *host);

/*
 * Make what apply needs of a categorical column whose name and levels are set: its
 * levels sorted by text and its output columns' names (freed by onehot_clear).
 */
void onehot_index_column(struct onehot_column *col);

/* Free what fit or load learned (the columns), leaving S with none; options kept. */
void onehot_clear(struct onehot *s);

/* The transform's functions (struct aiwb_transform_type): read the options into STATE;
 * apply the fitted state to IN (thread-safe: it writes nothing but *out); load the saved
 * state; free what init, fit and load allocated. */
int onehot_init(void *state, const struct aiwb_options *opts, char **cause);
int onehot_apply(const void *state, const struct aiwb_frame *in, struct aiwb_frame **out,
                 char **cause);
int onehot_load(void *state, struct aiwb_reader *r, unsigned version, char **cause);
void onehot_fini(void *state);

/* The apply half of "onehot", as the exported server registers it. */
extern const struct aiwb_transform_type apply_onehot;

#endif
