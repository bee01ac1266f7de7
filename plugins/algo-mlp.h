/*
 * algo-mlp.h - what the two halves of the mlp plugin share: the fitted state, its
 * version, the algorithm's flags and the predict half's functions.
 *
 * Copyright (C) 2026 the aiwb developers
 * SPDX-License-Identifier: MIT
 */
#ifndef AIWB_ALGO_MLP_H
#define AIWB_ALGO_MLP_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <aiwb/plugin.h>

/* The version of the saved state (keep: saved models must still load). */
#define ALGO_MLP_STATE_VERSION 1

#define ALGO_MLP_FLAGS (AIWB_TASK_CLASSIFICATION | AIWB_TASK_REGRESSION)

#define MLP_N_OF(a) (sizeof(a) / sizeof((a)[0]))

#define MLP_MAX_HIDDEN 2
#define MLP_MAX_LAYERS (MLP_MAX_HIDDEN + 1) /* layers of weights */
#define MLP_MAX_UNITS 100000
#define MLP_MAX_PARAMS 100000000

enum mlp_activation { ACT_RELU, ACT_TANH, ACT_LOGISTIC, ACT_IDENTITY };
extern const char *const mlp_activation_names[4];

enum mlp_output { OUT_IDENTITY, OUT_SIGMOID, OUT_SOFTMAX };
extern const char *const mlp_output_names[3];

enum mlp_solver { SOLVER_ADAM, SOLVER_SGD };
extern const char *const mlp_solver_names[2];

/* Why training ended. */
enum mlp_stop { STOP_NONE, STOP_PATIENCE, STOP_MAX_ITER };
extern const char *const mlp_stop_names[3];

/* The options, as init read them (and as the model saves them). */
struct mlp_settings {
    size_t n_hidden;
    size_t hidden[MLP_MAX_HIDDEN];
    enum mlp_activation act;
    enum mlp_solver solver;
    double learning_rate;
    int64_t batch;
    int64_t max_iter;
    double alpha;
    double momentum;
    int nesterov;
    double validation;
    int64_t patience;
    double tol;
    int shuffle;
    int scale_target;
};

/* What exists only while training (the fit half's). */
struct mlp_train;

struct mlp {
    struct mlp_settings set;
    /* Shape. */
    unsigned task; /* AIWB_TASK_CLASSIFICATION or AIWB_TASK_REGRESSION */
    enum mlp_output out;
    size_t p;                         /* features */
    size_t n_classes;                 /* 0 for regression */
    size_t n_layers;                  /* layers of weights: n_hidden + 1 */
    size_t units[MLP_MAX_LAYERS + 1]; /* units[0] = p ... units[n_layers] = outputs */
    size_t woff[MLP_MAX_LAYERS], boff[MLP_MAX_LAYERS]; /* offsets into theta */
    size_t n_params;
    double *theta;   /* W_1, b_1, W_2, b_2, ...: each W row-major fan_in x fan_out */
    char **features; /* p names */
    char **classes;  /* n_classes names */
    char *target;
    double y_mean, y_scale; /* regression: y = y_mean + y_scale * output */
    /* Training and its outcome. */
    struct mlp_train *tr; /* the fit half's */
    int fitted;
    enum mlp_stop stop;
    int64_t epochs;
    int64_t best_epoch; /* with validation: the epoch whose weights are kept */
    size_t n_train, n_val;
    double loss;      /* training loss of the kept epoch */
    double val_loss;  /* held-out loss of the kept weights (NaN without) */
    double val_score; /* their accuracy or R^2 (NaN without) */
};

static inline int
mlp_is_classifier(const struct mlp *s)
{
    return s->task == AIWB_TASK_CLASSIFICATION;
}

/* The units of the output layer. */
static inline size_t
mlp_out_units(const struct mlp *s)
{
    return s->units[s->n_layers];
}

/*
 * V if KEEP, else +0, without a branch: the signs of a layer's values are
 * random, and a mispredicted branch per value took half the time of an
 * epoch of a relu network.
 */
static inline double
mlp_keep_if(double v, int keep)
{
    uint64_t bits;

    memcpy(&bits, &v, sizeof bits);
    bits &= -(uint64_t)(keep != 0);
    memcpy(&v, &bits, sizeof v);
    return v;
}

/* Keep HOST as the table the predict half calls; the module does it first thing. */
void algo_mlp_bind(const struct aiwb_host_api *host);

/*
 * Free what S owns of the model and zero it all but s->tr, the training workspace,
 * which the fit half frees.
 */
void mlp_clear(struct mlp *s);

/* Units of each layer of S and the offsets of its weights in theta, from its settings,
 * task, p and n_classes. */
void mlp_set_shape(struct mlp *s);

/* "64,32" for the report and messages, in BUF of SIZE bytes; returns BUF. */
const char *mlp_hidden_text(const struct mlp_settings *set, char *buf, size_t size);

/* Apply the hidden activation ACT to N values in place. */
void mlp_activate(enum mlp_activation act, double *z, size_t n);
/* The output layer's activation OUT on ROWS rows of K scores, in place. */
void mlp_activate_output(enum mlp_output out, double *z, size_t rows, size_t k);

/*
 * The algorithm's functions (struct aiwb_algorithm_type): the values predict writes a
 * row (classes, or 1); class probabilities or predictions for N rows (thread-safe, it
 * writes nothing but OUT; AIWB_EINVAL before a fit); load a saved model (AIWB_ENOTSUP
 * for another state version, AIWB_EDATA with *cause set for a corrupt one, the state
 * then empty); free what load allocated.
 */
size_t mlp_n_outputs(const void *state);
int mlp_predict(const void *state, size_t n, const double *X, size_t ldx, double *out);
int mlp_load(void *state, struct aiwb_reader *r, unsigned version, char **cause);
void mlp_fini(void *state);

/* The predict half of "mlp", as the exported server registers it. */
extern const struct aiwb_algorithm_type predict_mlp;

#endif
