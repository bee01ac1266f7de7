/*
 * algo-mlp-predict.c - the predict half of the mlp plugin: loading a fitted state and
 * predicting, shared by the plugin module and the exported prediction server.
 *
 * Copyright (C) 2026 the aiwb developers
 * SPDX-License-Identifier: MIT
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <aiwb/plugin.h>

#include "algo-mlp.h"
#include "predict-common.h"

static const struct aiwb_host_api *api;

/* The names of the choices and outcomes, as models save them (the enums' order). */
const char *const mlp_activation_names[4] = {"relu", "tanh", "logistic", "identity"};
const char *const mlp_output_names[3] = {"identity", "logistic", "softmax"};
const char *const mlp_solver_names[2] = {"adam", "sgd"};
const char *const mlp_stop_names[3] = {"interrupted", "patience", "max_iter"};

/*
 * Keep HOST as the table this half calls. The plugin module calls it from
 * aiwb_plugin_init, the server with its own host table, before anything else.
 */
void
algo_mlp_bind(const struct aiwb_host_api *host)
{
    api = host;
}

/* Free what S owns of the model and zero it all but the training part. */
void
mlp_clear(struct mlp *s)
{
    struct mlp_train *tr = s->tr;

    predict_free_strs(api, s->features, s->p);
    predict_free_strs(api, s->classes, s->n_classes);
    api->free(s->target);
    api->free(s->theta);
    memset(s, 0, sizeof(*s));
    s->tr = tr;
}

/* Units of each layer and the offsets of its weights in theta. */
void
mlp_set_shape(struct mlp *s)
{
    size_t off = 0;

    s->n_layers = s->set.n_hidden + 1;
    s->units[0] = s->p;
    for (size_t l = 0; l < s->set.n_hidden; l++)
        s->units[l + 1] = s->set.hidden[l];
    if (!mlp_is_classifier(s)) {
        s->out = OUT_IDENTITY;
        s->units[s->n_layers] = 1;
    } else {
        s->out = s->n_classes == 2 ? OUT_SIGMOID : OUT_SOFTMAX;
        s->units[s->n_layers] = s->n_classes == 2 ? 1 : s->n_classes;
    }
    for (size_t l = 0; l < s->n_layers; l++) {
        s->woff[l] = off;
        off += s->units[l] * s->units[l + 1];
        s->boff[l] = off;
        off += s->units[l + 1];
    }
    s->n_params = off;
}

/* "64,32" for the report and messages, in BUF. */
const char *
mlp_hidden_text(const struct mlp_settings *set, char *buf, size_t size)
{
    if (set->n_hidden == 1)
        snprintf(buf, size, "%zu", set->hidden[0]);
    else
        snprintf(buf, size, "%zu,%zu", set->hidden[0], set->hidden[1]);
    return buf;
}

/* Apply the hidden activation to N values in place. */
void
mlp_activate(enum mlp_activation act, double *z, size_t n)
{
    switch (act) {
    case ACT_RELU:
        for (size_t i = 0; i < n; i++)
            z[i] = mlp_keep_if(z[i], z[i] > 0);
        break;
    case ACT_TANH:
        for (size_t i = 0; i < n; i++)
            z[i] = tanh(z[i]);
        break;
    case ACT_LOGISTIC:
        for (size_t i = 0; i < n; i++)
            z[i] = 1 / (1 + exp(-z[i]));
        break;
    case ACT_IDENTITY:
        break;
    }
}

/* The output layer's activation on ROWS rows of K scores. */
void
mlp_activate_output(enum mlp_output out, double *z, size_t rows, size_t k)
{
    if (out == OUT_SIGMOID) {
        mlp_activate(ACT_LOGISTIC, z, rows);
    } else if (out == OUT_SOFTMAX) {
        for (size_t i = 0; i < rows; i++) {
            double *r = z + i * k, mx = r[0], sum = 0;
            for (size_t c = 1; c < k; c++)
                mx = r[c] > mx ? r[c] : mx;
            for (size_t c = 0; c < k; c++) {
                r[c] = exp(r[c] - mx);
                sum += r[c];
            }
            for (size_t c = 0; c < k; c++)
                r[c] /= sum;
        }
    }
}

/* The values predict writes a row: a probability per class, or the prediction. */
size_t
mlp_n_outputs(const void *state)
{
    const struct mlp *s = state;

    return mlp_is_classifier(s) ? s->n_classes : 1;
}

/* Write ROWS rows of network outputs P as predict's values into OUT. */
static void
write_outputs(const struct mlp *s, size_t rows, const double *P, double *out)
{
    if (s->out == OUT_SOFTMAX) {
        memcpy(out, P, rows * s->n_classes * sizeof(double));
    } else if (s->out == OUT_SIGMOID) {
        for (size_t i = 0; i < rows; i++) {
            out[2 * i] = 1 - P[i];
            out[2 * i + 1] = P[i];
        }
    } else {
        for (size_t i = 0; i < rows; i++)
            out[i] = s->y_mean + s->y_scale * P[i];
    }
}

/*
 * The network's outputs for row X into the last of the layers' buffers A[1..n_layers]
 * (units[l] values each): each layer's values are its biases plus its inputs times its
 * weights, summed over the inputs in order, then activated.
 */
static void
forward_row(const struct mlp *s, const double *x, double *const *A)
{
    for (size_t l = 0; l < s->n_layers; l++) {
        const size_t in = s->units[l], out = s->units[l + 1];
        const double *W = s->theta + s->woff[l], *a = l == 0 ? x : A[l];
        double *z = A[l + 1];

        memcpy(z, s->theta + s->boff[l], out * sizeof(double));
        for (size_t i = 0; i < in; i++) {
            const double v = a[i], *w = W + i * out;
            for (size_t o = 0; o < out; o++)
                z[o] += v * w[o];
        }
        if (l + 1 < s->n_layers)
            mlp_activate(s->set.act, z, out);
        else
            mlp_activate_output(s->out, z, 1, out);
    }
}

/* Class probabilities (rows sum to one) or predictions, row by row; AIWB_EINVAL before
 * a fit. */
int
mlp_predict(const void *state, size_t n, const double *X, size_t ldx, double *out)
{
    const struct mlp *s = state;
    const size_t k = mlp_n_outputs(s);
    double *A[MLP_MAX_LAYERS + 1] = {NULL}, *buf;
    size_t total = 0;

    if (!s->fitted)
        return AIWB_EINVAL;
    if (n == 0)
        return AIWB_OK;
    for (size_t l = 1; l <= s->n_layers; l++)
        total += s->units[l];
    buf = api->alloc(total * sizeof(double));
    for (size_t l = 1, at = 0; l <= s->n_layers; at += s->units[l], l++)
        A[l] = buf + at;
    for (size_t i = 0; i < n; i++) {
        forward_row(s, X + i * ldx, A);
        write_outputs(s, 1, A[s->n_layers], out + i * k);
    }
    api->free(buf);
    return AIWB_OK;
}

static int
corrupt(char **cause, const char *what)
{
    return predict_corrupt(api, cause, "mlp", what);
}

/* Read the word KEY into *INDEX, one of the N NAMES. */
static int
get_word(struct aiwb_reader *r, const char *key, const char *const *names, size_t n, int *index)
{
    *index = predict_get_word(api, r, key, names, n);
    return *index >= 0 ? AIWB_OK : AIWB_EDATA;
}

static int
get_flag(struct aiwb_reader *r, const char *key, int *flag)
{
    int64_t v;

    if (api->get_int(r, key, &v) != AIWB_OK || (v != 0 && v != 1))
        return AIWB_EDATA;
    *flag = (int)v;
    return AIWB_OK;
}

/* Read back what the fit half's save_settings wrote. */
static int
load_settings(struct mlp_settings *set, struct aiwb_reader *r, char **cause)
{
    int64_t *hidden = NULL;
    size_t nh = 0;
    int act, solver, bad;

    if (api->get_ints(r, "hidden", &nh, &hidden) != AIWB_OK)
        return corrupt(cause, "hidden");
    bad = nh < 1 || nh > MLP_MAX_HIDDEN;
    for (size_t l = 0; !bad && l < nh; l++) {
        bad = hidden[l] < 1 || hidden[l] > MLP_MAX_UNITS;
        set->hidden[l] = (size_t)hidden[l];
    }
    set->n_hidden = nh;
    api->free(hidden);
    if (bad)
        return corrupt(cause, "hidden");
    if (get_word(r, "activation", mlp_activation_names, MLP_N_OF(mlp_activation_names), &act) !=
        AIWB_OK)
        return corrupt(cause, "activation");
    set->act = act;
    if (get_word(r, "solver", mlp_solver_names, MLP_N_OF(mlp_solver_names), &solver) != AIWB_OK)
        return corrupt(cause, "solver");
    set->solver = solver;
    if (api->get_real(r, "learning_rate", &set->learning_rate) != AIWB_OK)
        return corrupt(cause, "learning_rate");
    if (api->get_int(r, "batch", &set->batch) != AIWB_OK || set->batch < 1)
        return corrupt(cause, "batch");
    if (api->get_int(r, "max_iter", &set->max_iter) != AIWB_OK)
        return corrupt(cause, "max_iter");
    if (api->get_real(r, "alpha", &set->alpha) != AIWB_OK)
        return corrupt(cause, "alpha");
    if (api->get_real(r, "momentum", &set->momentum) != AIWB_OK)
        return corrupt(cause, "momentum");
    if (get_flag(r, "nesterov", &set->nesterov) != AIWB_OK)
        return corrupt(cause, "nesterov");
    if (api->get_real(r, "validation", &set->validation) != AIWB_OK)
        return corrupt(cause, "validation");
    if (api->get_int(r, "patience", &set->patience) != AIWB_OK)
        return corrupt(cause, "patience");
    if (api->get_real(r, "tol", &set->tol) != AIWB_OK)
        return corrupt(cause, "tol");
    if (get_flag(r, "shuffle", &set->shuffle) != AIWB_OK)
        return corrupt(cause, "shuffle");
    if (get_flag(r, "scale_target", &set->scale_target) != AIWB_OK)
        return corrupt(cause, "scale_target");
    return AIWB_OK;
}

/* Read the names and the weights; the shape follows from them. */
static int
load_network(struct mlp *s, struct aiwb_reader *r, char **cause)
{
    size_t nw = 0;
    int task;
    static const char *const tasks[] = {"classification", "regression"};

    if (get_word(r, "task", tasks, MLP_N_OF(tasks), &task) != AIWB_OK)
        return corrupt(cause, "task");
    s->task = task == 0 ? AIWB_TASK_CLASSIFICATION : AIWB_TASK_REGRESSION;
    if (load_settings(&s->set, r, cause) != AIWB_OK)
        return AIWB_EDATA;
    if (api->get_strs(r, "features", &s->p, &s->features) != AIWB_OK || s->p == 0)
        return corrupt(cause, "features");
    if (api->get_strs(r, "classes", &s->n_classes, &s->classes) != AIWB_OK ||
        (mlp_is_classifier(s) ? s->n_classes < 2 : s->n_classes != 0))
        return corrupt(cause, "classes");
    if (api->get_str(r, "target", &s->target) != AIWB_OK)
        return corrupt(cause, "target");
    if (api->get_real(r, "y_mean", &s->y_mean) != AIWB_OK || !isfinite(s->y_mean))
        return corrupt(cause, "y_mean");
    if (api->get_real(r, "y_scale", &s->y_scale) != AIWB_OK || !(s->y_scale > 0) ||
        !isfinite(s->y_scale))
        return corrupt(cause, "y_scale");
    mlp_set_shape(s);
    if (api->get_reals(r, "weights", &nw, &s->theta) != AIWB_OK)
        return corrupt(cause, "weights");
    if (nw != s->n_params) {
        char h[64];
        *cause = api->format("mlp: the saved model is corrupt: %zu weights for %zu features, "
                             "hidden=%s and %zu outputs (%zu expected)",
                             nw, s->p, mlp_hidden_text(&s->set, h, sizeof h), mlp_out_units(s),
                             s->n_params);
        return AIWB_EDATA;
    }
    return AIWB_OK;
}

/* Read how training went. */
static int
load_outcome(struct mlp *s, struct aiwb_reader *r, char **cause)
{
    int64_t n_train, n_val;
    int stop;

    if (api->get_int(r, "epochs", &s->epochs) != AIWB_OK || s->epochs < 0)
        return corrupt(cause, "epochs");
    if (api->get_int(r, "best_epoch", &s->best_epoch) != AIWB_OK || s->best_epoch < 0)
        return corrupt(cause, "best_epoch");
    if (get_word(r, "stop", mlp_stop_names, MLP_N_OF(mlp_stop_names), &stop) != AIWB_OK)
        return corrupt(cause, "stop");
    s->stop = stop;
    if (api->get_int(r, "n_train", &n_train) != AIWB_OK || n_train < 0)
        return corrupt(cause, "n_train");
    if (api->get_int(r, "n_val", &n_val) != AIWB_OK || n_val < 0)
        return corrupt(cause, "n_val");
    s->n_train = (size_t)n_train;
    s->n_val = (size_t)n_val;
    if (api->get_real(r, "loss", &s->loss) != AIWB_OK)
        return corrupt(cause, "loss");
    if (api->get_real(r, "val_loss", &s->val_loss) != AIWB_OK)
        return corrupt(cause, "val_loss");
    if (api->get_real(r, "val_score", &s->val_score) != AIWB_OK)
        return corrupt(cause, "val_score");
    return AIWB_OK;
}

/* Read back what the fit half's save wrote: the network, then how training went. */
static int
load_state(void *state, struct aiwb_reader *r, char **cause)
{
    int rc = load_network(state, r, cause);

    return rc == AIWB_OK ? load_outcome(state, r, cause) : rc;
}

/*
 * Load a saved model into STATE. Returns AIWB_OK; AIWB_ENOTSUP for another state
 * version, AIWB_EDATA for a corrupt model, with *cause set and the state left empty.
 */
int
mlp_load(void *state, struct aiwb_reader *r, unsigned version, char **cause)
{
    struct mlp *s = state;

    return predict_load(api, "mlp", version, ALGO_MLP_STATE_VERSION, mlp_fini, load_state, s,
                        &s->fitted, r, cause);
}

/* Free what load (or a fit) allocated in STATE but the training part. */
void
mlp_fini(void *state)
{
    mlp_clear(state);
}

const struct aiwb_algorithm_type predict_mlp = {
    .abi_version = AIWB_ABI_VERSION,
    .size = sizeof(struct aiwb_algorithm_type),
    .name = "mlp",
    .flags = ALGO_MLP_FLAGS,
    .state_version = ALGO_MLP_STATE_VERSION,
    .state_size = sizeof(struct mlp),
    .n_outputs = mlp_n_outputs,
    .predict = mlp_predict,
    .load = mlp_load,
    .fini = mlp_fini,
};
