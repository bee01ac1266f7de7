/*
 * pipeline-int.h - the inside of a pipeline, shared by pipeline.c (fitting,
 * predicting, transforming), pipeline-eval.c and pipeline-io.c. Nothing else
 * includes it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef AIWB_PIPELINE_INT_H
#define AIWB_PIPELINE_INT_H

#include <stddef.h>
#include <stdint.h>

#include <aiwb/plugin.h>

#include "core/pipeline.h"
#include "core/registry.h"
#include "core/strbuf.h"

/* A raw input column as the pipeline was trained on it. */
struct schema_col {
    char *name;
    enum aiwb_coltype type;
    size_t nlevels;
    char **levels;
};

struct tf_inst {
    const struct component *comp;
    struct aiwb_options *opts;
    void *state;
    int automatic; /* added by the pipeline, not asked for */
};

/*
 * A fitted pipeline. ALGO is NULL for a transformer, a chain of transforms
 * made by `transform` that is applied to datasets rather than predicting;
 * TARGET is then NULL, or a column passed through untouched.
 */
struct pipeline {
    const struct component *algo;
    struct aiwb_options *algo_opts;
    void *algo_state;
    size_t n_tf;
    struct tf_inst *tf;
    char *target;
    unsigned task;
    uint64_t seed;
    size_t n_in;
    struct schema_col *in;
    size_t n_classes;
    char **classes;
    size_t p;
    char **features;
    unsigned *feature_levels;
    char *tf_text, *opts_text;
    /* Input columns the automatic onehot encodes: a missing or unseen level
     * there is refused at predict time (it would read as the first level). */
    size_t n_strict;
    char **strict;
    /* A recommender's users and items as fitted, and each user's items
     * (codes, sorted; user u's are seen[seen_start[u] .. seen_start[u+1]-1]). */
    size_t n_users, n_items;
    size_t *seen_start;
    int32_t *seen;
    /* A transformer's output on the data it was fitted on, until taken. */
    struct aiwb_frame *fitted;
    /* Training only. */
    double *X, *y;
    struct aiwb_problem prob;
    int64_t iteration;
};

static inline const struct aiwb_transform_type *
tft(const struct tf_inst *t)
{
    return t->comp->type.transform;
}

static inline const struct aiwb_algorithm_type *
algt(const struct pipeline *p)
{
    return p->algo->type.algorithm;
}

/* Free the N strings of V and V itself. */
void pipeline_free_strings(char **v, size_t n);
/* Append a line to NOTES. */
void pipeline_note(struct strbuf *notes, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The class code of row I of target column TC of DATA, or -1 (missing or
 * a class the pipeline does not know). */
int pipeline_class_of(const struct pipeline *p, const struct aiwb_frame *data, size_t tc,
                      size_t i);
/*
 * The design matrix of DATA for a fitted pipeline P: its columns matched by
 * name, its levels by text, the transforms applied; a new array of rows of
 * p->p values (the caller frees it). Notes about the columns go to NB. NULL
 * with *cause set on failure (a missing column, a missing value the model
 * cannot take).
 */
double *pipeline_design(const struct pipeline *p, const struct aiwb_frame *data,
                        struct strbuf *nb, char **cause);
/* Set the texts of the transforms and the options from the spec. */
void pipeline_describe_spec(struct pipeline *p);

#endif
