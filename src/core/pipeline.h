/*
 * pipeline.h - the unit that is trained, saved, evaluated and (later)
 * exported: the input schema, fitted transforms, and a fitted algorithm. It
 * predicts from raw rows, so preprocessing is never repeated by hand.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Training is driven from outside, one iteration at a time (GSL's
 * INITIALIZE / ITERATE / TEST), so the caller owns curves and cancellation:
 *
 *     p = pipeline_prepare(&spec, frame, &notes, &cause);   checks, fits transforms
 *     while ((rc = pipeline_iterate(p, &step, &cause)) == AIWB_CONTINUE)
 *         ... record step ...
 *     pipeline_finish(p, &cause);
 */
#ifndef AIWB_PIPELINE_H
#define AIWB_PIPELINE_H

#include <stddef.h>
#include <stdint.h>

#include <aiwb/plugin.h>

struct component;
struct aiwb_table;

/* One transform of a pipeline as the user asked for it. */
struct tf_spec {
    const struct component *comp;
    struct aiwb_options *opts;
};

/*
 * What to train. The pipeline takes ownership of the option sets. With no
 * ALGORITHM, it is a transformer: a chain of transforms fitted on a dataset
 * and applied to others (`transform`); TARGET is then optional, a column that
 * passes through untouched.
 */
struct pipeline_spec {
    const struct component *algorithm;
    struct aiwb_options *algo_opts;
    size_t n_tf;
    struct tf_spec *tf;
    const char *target;
    uint64_t seed;
    const char *user, *item; /* a recommender's id columns ("user", "item" if NULL) */
};

/* The numbers one iteration reported (struct aiwb_step of the plugin API). */
#define STEP_MAX_VALUES 16
struct aiwb_step {
    int64_t iteration;
    size_t n;
    char names[STEP_MAX_VALUES][32];
    double values[STEP_MAX_VALUES];
};

struct pipeline;

/*
 * Check that SPEC can work on DATA before any fitting, then fit the
 * transforms and initialise the algorithm. The checks: the target exists
 * and suits the algorithm's tasks; categorical features are one-hot encoded
 * unless the algorithm or a transform takes care of them (a note says so);
 * missing values the algorithm cannot take are refused with a message naming
 * the columns and the transform to add. Rows whose target is missing are
 * left out (a note says how many). NOTES, if not NULL, gets a new string of
 * such remarks (one per line) or NULL. Returns NULL with *cause set on
 * failure. SPEC's option sets belong to the pipeline from this call on,
 * whether it succeeds or not.
 */
struct pipeline *pipeline_prepare(struct pipeline_spec *spec, const struct aiwb_frame *data,
                                  char **notes, char **cause);
/* One iteration: AIWB_CONTINUE, AIWB_OK when converged, or negative with
 * *cause set. STEP gets the iteration's numbers. */
int pipeline_iterate(struct pipeline *p, struct aiwb_step *step, char **cause);
/* End training (converged, stopped or out of iterations) and free the
 * training data. The pipeline can predict from then on. */
int pipeline_finish(struct pipeline *p, char **cause);
void pipeline_free(struct pipeline *p);

/*
 * A transformer's output on the data it was fitted on (a new frame the caller
 * owns, the kept column last), taken once; NULL for a model or after.
 */
struct aiwb_frame *pipeline_take_fitted(struct pipeline *p);
/*
 * Apply a fitted transformer to DATA (columns matched by name, levels by
 * text, as for predicting): *OUT gets a new frame, the kept column (if DATA
 * has it) last. Row transforms (filter, dedupe) apply here. Returns 0, or
 * negative with *cause set.
 */
int pipeline_transform(const struct pipeline *p, const struct aiwb_frame *data,
                       struct aiwb_frame **out, char **notes, char **cause);

/* A recommender's best items for one user. */
struct recommendation {
    size_t n;             /* items found (at most the K asked for) */
    const char **items;   /* their ids, borrowed from the model */
    double *scores;
    int32_t *codes;
    size_t seen;          /* items the user already had, left out */
};
void recommendation_release(struct recommendation *r);

/*
 * The K best items for USER (an id as the model knows it) that the user did
 * not have in the data the model learned from, best first. Returns 0, or
 * negative with *cause set (no recommender, an unknown user).
 */
int pipeline_recommend(const struct pipeline *p, const char *user, size_t k,
                       struct recommendation *out, char **cause);

/*
 * Fold the interactions of DATA (the model's user and item columns, and its
 * rating) into a fitted recommender that can (AIWB_CAP_INCREMENTAL) without
 * training it again: new users and items join. *ADDED gets how many rows
 * counted. Returns 0, or negative with *cause set; P may then hold new
 * users and items the algorithm did not take: discard it (update a copy).
 */
int pipeline_update(struct pipeline *p, const struct aiwb_frame *data, size_t *added,
                    char **cause);

/* Predictions for the rows of a frame. */
struct prediction {
    size_t n;              /* rows */
    size_t k;              /* outputs per row: 1, or the number of classes */
    unsigned task;         /* AIWB_TASK_REGRESSION or AIWB_TASK_CLASSIFICATION */
    double *values;        /* n*k: the prediction, or class probabilities */
    int32_t *classes;      /* n: the most probable class (classification), else NULL */
};
void prediction_release(struct prediction *pr);

/*
 * Predict every row of DATA, which must have the columns the pipeline was
 * trained on (by name; others are ignored; levels are matched by their
 * text, unseen levels count as missing). Returns 0, or negative with *cause
 * set: a missing column, a column of the wrong type, a missing value the
 * model cannot take (naming row and column).
 */
int pipeline_predict(const struct pipeline *p, const struct aiwb_frame *data,
                     struct prediction *out, char **notes, char **cause);

/* What an evaluation found. */
struct evaluation {
    struct aiwb_table *summary;   /* metric, value: rows, rmse, ... or accuracy, ... */
    struct aiwb_table *per_class; /* classification: class, precision, recall, f1, support;
                                   * clustering: cluster, rows, share */
    struct aiwb_table *confusion; /* classification: true class by predicted class */
    size_t n;                     /* the headline metrics, for the workspace */
    const char **names;           /* owned by the evaluation */
    double *values;
};
void evaluation_release(struct evaluation *ev);

/*
 * Evaluate on DATA, which must hold the target column: predict its rows and
 * score them with the task's metrics (src/core/metrics.h) into EV. Rows
 * whose target is missing, or a class the model never saw, are left out
 * (NOTES says how many). Returns 0, or negative with *cause set.
 */
int pipeline_evaluate(const struct pipeline *p, const struct aiwb_frame *data,
                      struct evaluation *ev, char **notes, char **cause);

/* The cutoff of a recommender's metrics (precision@10 ...) unless told. */
#define PIPELINE_EVAL_K 10

/*
 * pipeline_evaluate() for every task, with a recommender's cutoff K and the
 * least rating RELEVANT that makes a held-out interaction relevant (NaN:
 * every one is). Clustering: the algorithm's own scores (inertia), the
 * silhouette and, when DATA holds the model's target column, the adjusted
 * Rand index against it. Decomposition: the algorithm's own scores.
 * Ranking: DATA holds held-out interactions; for each user the model knows,
 * its K recommendations (without the items it learned the user had) are
 * scored against the user's relevant held-out items: precision, recall,
 * NDCG (graded by rating for a model of ratings), MAP and hit rate at K;
 * with ratings, also the RMSE and MAE of the predicted ratings.
 */
int pipeline_evaluate_at(const struct pipeline *p, const struct aiwb_frame *data, size_t k,
                         double relevant, struct evaluation *ev, char **notes, char **cause);

/*
 * Write what the exported server needs to predict (server/model.c reads it)
 * into W: the input schema, the transforms that apply at predict time with
 * their options resolved, the algorithm's state, the features, a
 * recommender's seen items. Returns AIWB_OK, or a negative status with
 * *cause set (a transformer, a component that cannot save).
 */
int pipeline_save_served(const struct pipeline *p, struct aiwb_writer *w, char **cause);

/*
 * The training reference the exported server measures live traffic against,
 * into W: for each input, the bins of DATA (the training dataset: deciles of a
 * numeric column, the levels of a categorical one) and the share of rows in
 * each, the missing ones last; and a regressor's prediction buckets (the
 * deciles of its target). Writes an empty reference when DATA is NULL or
 * lacks an input. Returns the rows the reference describes (0: none).
 */
size_t pipeline_save_reference(const struct pipeline *p, const struct aiwb_frame *data,
                               struct aiwb_writer *w);
/* "transform NAME" and "algorithm NAME" of every component the server must
 * run for P (row transforms left out): a new array of *N new strings. */
char **pipeline_served_components(const struct pipeline *p, size_t *n);

/* Serialise into a new sealed codec blob (the caller frees it). */
unsigned char *pipeline_save(const struct pipeline *p, size_t *len, char **cause);
/* Rebuild a fitted pipeline from a blob; the components it names must be
 * loaded. NULL with *cause set on failure. */
struct pipeline *pipeline_load(const unsigned char *blob, size_t len, char **cause);

/* The algorithm's own summary (coefficients ...) into T; AIWB_ENOTSUP if it has none. */
int pipeline_summary(const struct pipeline *p, struct aiwb_table *t);

/* The rows training uses (those with a target); 0 once training is finished. */
size_t pipeline_train_rows(const struct pipeline *p);
unsigned pipeline_task(const struct pipeline *p);
const char *pipeline_target(const struct pipeline *p);
/* The algorithm's name, or NULL for a transformer. */
const char *pipeline_algorithm(const struct pipeline *p);
/* "impute(strategy=median),standardize" ("" if none), borrowed. */
const char *pipeline_transforms(const struct pipeline *p);
/* The algorithm's options, all of them, as "C=1 max_iter=100", borrowed. */
const char *pipeline_options(const struct pipeline *p);
size_t pipeline_n_classes(const struct pipeline *p);
const char *pipeline_class_name(const struct pipeline *p, size_t k);
/* The number of levels of input column I (users, items of a recommender). */
size_t pipeline_n_levels(const struct pipeline *p, size_t i);
/* The columns the pipeline reads (the target excluded). */
size_t pipeline_n_inputs(const struct pipeline *p);
const char *pipeline_input_name(const struct pipeline *p, size_t i);

#endif
