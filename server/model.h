/*
 * model.h - the exported server's model: the bundle `export` appends to the
 * server (metadata, the served pipeline, the training reference), and the
 * row path from a JSON request to predictions: conform to the training
 * schema, apply the transforms, build the design row, predict. The
 * transforms and the algorithm are the plugins' own predict halves
 * (components.h), so the server computes what the workbench computes.
 *
 * Copyright (C) 2026 the aiwb developers
 * SPDX-License-Identifier: MIT
 *
 * Thread safety: a loaded model is read-only; any number of threads may call
 * model_predict (each with its own struct model_scratch) and model_recommend
 * on it at once.
 */
#ifndef AIWB_SERVER_MODEL_H
#define AIWB_SERVER_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include <aiwb/plugin.h>

#include "json.h"

/* What the bundle says about the training data of one input column: bins
 * for the drift (PSI) of live traffic. */
struct model_ref {
    size_t nbins;  /* numeric: nbins - 1 inner edges; categorical: the levels */
    double *edges; /* numeric: nbins - 1 increasing cut points (a value v falls in
                    * the first bin whose edge is >= v, else the last) */
    double *props; /* nbins + 1: the training proportions, then missing/unseen */
    double mean, sd; /* numeric: of the training values (the change detector's scale) */
};

struct model_input {
    char *name;
    enum aiwb_coltype type;
    size_t nlevels;
    char **levels;
    struct host_levels *index; /* categorical: the levels, hashed */
    int strict;                /* a missing or unseen level is refused */
    struct model_ref ref;      /* nbins 0 when the bundle has no reference */
};

struct model_tf {
    char *name;
    const struct aiwb_transform_type *type;
    struct aiwb_options *opts;
    void *state;
};

struct model {
    /* Metadata. */
    char *name;
    int64_t version;
    char *exported; /* ISO 8601 UTC */
    char *trained;
    char *dataset;
    char *aiwb_version;
    size_t n_metrics;
    char **metric_names;
    double *metric_values;
    /* The pipeline. */
    char *target;
    unsigned task; /* AIWB_TASK_* */
    size_t n_classes;
    char **classes;
    size_t n_in;
    struct model_input *in;
    size_t n_tf;
    struct model_tf *tf;
    char *algo_name;
    const struct aiwb_algorithm_type *algo;
    unsigned algo_flags;
    void *algo_state;
    size_t p;
    char **features;
    unsigned *feature_levels;
    size_t k; /* predict's outputs per row */
    /* A recommender: users (inputs 0) and items (input 1), each user's seen items. */
    size_t *seen_start;
    int32_t *seen;
    /* A regressor's prediction histogram: its bucket bounds (deciles of the
     * training target), none for other tasks. */
    size_t n_pred_edges;
    double *pred_edges;
    /* Looking a request's field up: an open-addressing table of input names. */
    size_t hash_size;
    int32_t *hash;
};

/*
 * Load the bundle BUNDLE (LEN bytes, a sealed codec blob, borrowed for the
 * call). Returns a model, or NULL with *cause set (malloc'd): a corrupt
 * bundle, a component this server lacks, a state its predict half refuses.
 */
struct model *model_load(const unsigned char *bundle, size_t len, char **cause);
void model_free(struct model *m);

/* The index of input NAME (LEN bytes), or -1. */
long model_input_find(const struct model *m, const char *name, size_t len);

/* Why a request cannot be answered: an HTTP status and a message. */
struct model_error {
    int status; /* 400, 422, 500 */
    char text[512];
};

/* Called with the conformed input frame (N rows over the training schema,
 * before the transforms): the monitor's view of live traffic. */
typedef void model_observer_fn(void *arg, const struct aiwb_frame *inputs, size_t n);

/*
 * What model_predict reuses from one request to the next, so that one row
 * costs no malloc of its own: the one-row input frame over the training
 * schema, the design rows and the outputs. One per thread (a worker's), for
 * one model; zeroed by model_scratch_init, freed by model_scratch_release.
 * Buffers grown past MODEL_SCRATCH_KEEP bytes by a big batch are freed at
 * the next call rather than kept.
 */
#define MODEL_SCRATCH_KEEP (1u << 20)
struct model_scratch {
    struct aiwb_frame *row; /* the one-row frame, built on first use */
    double *X;              /* design rows */
    size_t X_cap;           /* doubles X holds */
    double *out;            /* outputs */
    size_t out_cap;
};
void model_scratch_init(struct model_scratch *s);
void model_scratch_release(struct model_scratch *s);

/*
 * The predictions for ROWS (a JSON object: one row; an array of objects:
 * several), keyed by the training columns, raw: a missing field or null is a
 * missing value, a level not seen in training is missing (refused where the
 * model has no imputer for it, as in the workbench), other fields are
 * ignored. On success *N gets the rows, *OUT N rows of m->k outputs (in
 * scratch S: valid until the next call with S), *UNSEEN the number of unseen
 * levels taken as missing. OBSERVE (if not NULL) sees the conformed inputs.
 * Returns 0, or -1 with ERR filled.
 */
int model_predict(const struct model *m, struct model_scratch *s, const struct json_value *rows,
                  size_t *n, const double **out, size_t *unseen, model_observer_fn *observe,
                  void *arg, struct model_error *err);

/*
 * A recommender's K best items for USER that the user did not have in
 * training, best first: codes into *ITEMS and scores into *SCORES (malloc'd,
 * K each); returns how many, or -1 with ERR filled (404 for an unknown user,
 * 422 for a model that does not recommend).
 */
long model_recommend(const struct model *m, const char *user, size_t k, int32_t **items,
                     double **scores, struct model_error *err);

/* V as the workbench writes a number that stands for a level (a categorical
 * input, a class, a user): the shortest of %.15g, %.16g, %.17g that reads
 * back (src/core/numfmt.c, numfmt_exact), so a JSON number matches the level
 * the training data had. */
#define MODEL_NUMBER_TEXT 32
void model_number_text(double v, char buf[MODEL_NUMBER_TEXT]);

/* "regression", "classification", "clustering", "ranking", "decomposition". */
const char *model_task_name(unsigned task);

#endif
