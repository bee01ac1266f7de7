/*
 * transform-outliers.h - what the two halves of the outliers plugin (the clip and
 * outliers transforms) share: the fitted state, its version, the transforms' flags and
 * the apply half's functions. Only clip has an apply half of its own: outliers drops
 * rows, so it shapes training data only and is skipped when a model predicts.
 *
 * Copyright (C) 2026 the aiwb developers
 * SPDX-License-Identifier: MIT
 */
#ifndef AIWB_TRANSFORM_OUTLIERS_H
#define AIWB_TRANSFORM_OUTLIERS_H

#include <stddef.h>

#include <aiwb/plugin.h>

/* The version of the saved state of both transforms (keep: saved models must still load). */
#define TRANSFORM_OUTLIERS_STATE_VERSION 1

/* The flags of clip; outliers adds AIWB_TF_ROWS. */
#define TRANSFORM_OUTLIERS_CLIP_FLAGS (AIWB_CAP_MISSING | AIWB_CAP_CATEGORICAL | AIWB_TF_FIT)

/* How the bounds are learned; saved as these numbers. */
enum outliers_method { OUTLIERS_ZSCORE, OUTLIERS_IQR, OUTLIERS_N_METHODS };

/* The bounds fit learned for one column. */
struct outliers_bound {
    char *name;
    double lo, hi;
};
_Static_assert(offsetof(struct outliers_bound, name) == 0, "predict-common.h reads the name first");

/* The state of both transforms. */
struct outliers {
    const char *what; /* "clip" or "outliers": the transform, for messages */
    int drop;         /* drop rows (outliers) rather than clip values (clip) */
    enum outliers_method method;
    double k;
    size_t n_names; /* the columns= list; 0: every numeric column */
    char **names;
    size_t n_cols; /* the fitted columns, in the fit frame's order */
    struct outliers_bound *cols;
};

/* Keep HOST as the table the apply half calls; the module does it first thing. */
void transform_outliers_bind(const struct aiwb_host_api *host);

/* Free what fit or load learned (the bounds), leaving S with none; options kept. */
void outliers_clear(struct outliers *s);

/*
 * Read the options of clip (DROP 0) or outliers (DROP 1) into S: method, k, columns.
 * Returns AIWB_OK, or AIWB_EINVAL with *cause set for a columns= list with an empty or
 * repeated name.
 */
int outliers_init_common(struct outliers *s, int drop, const struct aiwb_options *opts,
                         char **cause);

/*
 * Read the state save wrote for clip (DROP 0) or outliers (DROP 1), VERSION being the
 * version it was saved with, into S. Returns AIWB_OK, or AIWB_EDATA with *cause set for
 * another version or an inconsistent state, or the reader's status.
 */
int outliers_load_common(struct outliers *s, int drop, struct aiwb_reader *r, unsigned version,
                         char **cause);

/*
 * Set COL_OF[j] to the column of IN that fitted column J of S is. Returns AIWB_OK, or
 * AIWB_EDATA with *cause set when one is absent or categorical.
 */
int outliers_match_columns(const struct outliers *s, const struct aiwb_frame *in, size_t *col_of,
                           char **cause);

/* clip's functions (struct aiwb_transform_type): read the options into STATE; apply the
 * fitted bounds to IN (thread-safe: it writes nothing but *out); load the saved state.
 * outliers_fini frees what init, fit and load allocated, for both transforms. */
int clip_init(void *state, const struct aiwb_options *opts, char **cause);
int clip_apply(const void *state, const struct aiwb_frame *in, struct aiwb_frame **out,
               char **cause);
int clip_load(void *state, struct aiwb_reader *r, unsigned version, char **cause);
void outliers_fini(void *state);

/* The apply half of "clip", as the exported server registers it. */
extern const struct aiwb_transform_type apply_clip;

#endif
