/*
 * transform-impute.h - what the two halves of the impute plugin share: the fitted state,
 * its version, the transform's flags and the apply half's functions.
 *
 * Copyright (C) 2026 the aiwb developers
 * SPDX-License-Identifier: MIT
 */
#ifndef AIWB_TRANSFORM_IMPUTE_H
#define AIWB_TRANSFORM_IMPUTE_H

#include <stddef.h>

#include <aiwb/plugin.h>

/* The version of the saved state (keep: saved models must still load). */
#define TRANSFORM_IMPUTE_STATE_VERSION 1

#define TRANSFORM_IMPUTE_FLAGS                                                                     \
    (AIWB_CAP_MISSING | AIWB_CAP_CATEGORICAL | AIWB_TF_NO_MISSING | AIWB_TF_FIT)

/* How numeric columns are filled; saved as these numbers. */
enum impute_strategy {
    IMPUTE_MEAN,
    IMPUTE_MEDIAN,
    IMPUTE_MOST_FREQUENT,
    IMPUTE_CONSTANT,
    IMPUTE_N_STRATEGIES
};

/* What fit learned about one column of its frame. */
struct impute_column {
    char *name;
    enum aiwb_coltype type;
    int had_missing; /* at fit time: it gets an indicator column */
    double value;    /* numeric: the fill value; NaN for categorical */
    char *level;     /* categorical: the text of the fill level; NULL for numeric */
    char *indicator; /* had_missing: its indicator's name, "<name>_missing"; else NULL */
};
_Static_assert(offsetof(struct impute_column, name) == 0, "predict-common.h reads the name first");

struct impute {
    enum impute_strategy strategy;
    int indicators;
    char *fill_value; /* the fill_value option, NULL when not given */
    size_t n_cols;    /* every column of the fit frame, in its order */
    struct impute_column *cols;
};

/* Keep HOST as the table the apply half calls; the module does it first thing. */
void transform_impute_bind(const struct aiwb_host_api *host);

/* The option word of strategy S ("mean", ...), a static string. */
const char *impute_strategy_name(enum impute_strategy s);

/*
 * Name the indicator columns of S's columns that had missing values (made once here, so
 * that apply, which may run once per row, formats nothing); fit and load call it.
 */
void impute_name_indicators(struct impute *s);

/* Free what fit or load learned (the columns), leaving S with none; options kept. */
void impute_clear(struct impute *s);

/*
 * Refuse a frame IN that already has a column named as one of S's indicator columns:
 * AIWB_EDATA with *cause set, else AIWB_OK.
 */
int impute_check_indicator_names(const struct impute *s, const struct aiwb_frame *in, char **cause);

/* The transform's functions (struct aiwb_transform_type): read the options into STATE;
 * apply the fitted state to IN (thread-safe: it writes nothing but *out); load the saved
 * state; free what init, fit and load allocated. */
int impute_init(void *state, const struct aiwb_options *opts, char **cause);
int impute_apply(const void *state, const struct aiwb_frame *in, struct aiwb_frame **out,
                 char **cause);
int impute_load(void *state, struct aiwb_reader *r, unsigned version, char **cause);
void impute_fini(void *state);

/* The apply half of "impute", as the exported server registers it. */
extern const struct aiwb_transform_type apply_impute;

#endif
