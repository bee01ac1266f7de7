/*
 * algo-logistic-predict.c - the predict half of the logistic plugin: loading a
 * fitted state and predicting, shared by the plugin module and the exported
 * prediction server.
 *
 * Copyright (C) 2026 the aiwb developers
 * SPDX-License-Identifier: MIT
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <aiwb/plugin.h>

#include "algo-logistic.h"
#include "predict-common.h"

static const struct aiwb_host_api *api;

/* Set the host table of this half. */
void
algo_logistic_bind(const struct aiwb_host_api *host)
{
    api = host;
}

const char *const logistic_penalty_names[LOGISTIC_NPENALTIES] = {"none", "l2", "l1",
                                                                 "elasticnet"};

/* Free what the model owns and zero everything but the options. */
void
logistic_clear(struct logistic *s)
{
    struct logistic keep = *s;

    predict_free_strs(api, s->features, s->p);
    predict_free_strs(api, s->classes, s->n_classes);
    api->free(s->coef);
    memset(s, 0, sizeof(*s));
    s->C = keep.C;
    s->penalty = keep.penalty;
    s->l1_ratio = keep.l1_ratio;
    s->l2w = keep.l2w;
    s->l1w = keep.l1w;
    s->intercept = keep.intercept;
    s->max_iter = keep.max_iter;
    s->tol = keep.tol;
}

/* The weights of the two penalty terms from the penalty and l1_ratio. */
void
logistic_set_weights(struct logistic *s)
{
    static const double l2w[] = {0, 1, 0, NAN}, l1w[] = {0, 0, 1, NAN};

    s->l2w = s->penalty == PENALTY_ELASTICNET ? 1 - s->l1_ratio : l2w[s->penalty];
    s->l1w = s->penalty == PENALTY_ELASTICNET ? s->l1_ratio : l1w[s->penalty];
}

/* ---------------------------------------------------------------------------
 * Using the model.
 */

/* One probability per class. */
size_t
logistic_n_outputs(const void *state)
{
    const struct logistic *s = state;

    return s->n_classes;
}

/* Class probabilities, n x K, rows summing to one. Writes nothing but OUT. */
int
logistic_predict(const void *state, size_t n, const double *X, size_t ldx, double *out)
{
    const struct logistic *s = state;
    const size_t p = s->p, K = s->n_classes, d = s->d;

    if (!s->fitted)
        return AIWB_EINVAL;
    if (s->m == 1) {
        const double b = s->intercept ? s->coef[p] : 0;
        for (size_t i = 0; i < n; i++) {
            double z = predict_dot(X + i * ldx, s->coef, p) + b, e = exp(-fabs(z));
            double big = 1.0 / (1.0 + e), small = e / (1.0 + e);
            out[2 * i] = z >= 0 ? small : big;
            out[2 * i + 1] = z >= 0 ? big : small;
        }
        return AIWB_OK;
    }
    for (size_t i = 0; i < n; i++) {
        double *z = out + i * K, mx = -HUGE_VAL, sum = 0;
        for (size_t k = 0; k < K; k++) {
            z[k] = predict_dot(X + i * ldx, s->coef + k * d, p);
            if (s->intercept)
                z[k] += s->coef[k * d + p];
            if (z[k] > mx)
                mx = z[k];
        }
        for (size_t k = 0; k < K; k++) {
            z[k] = exp(z[k] - mx);
            sum += z[k];
        }
        for (size_t k = 0; k < K; k++)
            z[k] /= sum;
    }
    return AIWB_OK;
}

static int
corrupt(char **cause, const char *what)
{
    return predict_corrupt(api, cause, "logistic", what);
}

/* Read back what logistic_save wrote (state version 1 had no l1_ratio and
 * knew only the penalties none and l2). */
static int
load_state(struct logistic *s, struct aiwb_reader *r, unsigned version, char **cause)
{
    int64_t intercept, converged, extreme;
    size_t ncoef = 0, known = version == 1 ? 2 : LOGISTIC_NPENALTIES;
    int penalty;

    if (api->get_real(r, "c", &s->C) != AIWB_OK)
        return corrupt(cause, "c");
    if ((penalty = predict_get_word(api, r, "penalty", logistic_penalty_names, known)) < 0)
        return corrupt(cause, "penalty");
    s->penalty = (enum penalty)penalty;
    s->l1_ratio = NAN;
    if (version >= 2 && api->get_real(r, "l1_ratio", &s->l1_ratio) != AIWB_OK)
        return corrupt(cause, "l1_ratio");
    if (s->penalty == PENALTY_ELASTICNET && !(s->l1_ratio >= 0 && s->l1_ratio <= 1))
        return corrupt(cause, "l1_ratio");
    logistic_set_weights(s);
    if (api->get_int(r, "intercept", &intercept) != AIWB_OK || intercept < 0 || intercept > 1)
        return corrupt(cause, "intercept");
    s->intercept = (int)intercept;
    if (api->get_int(r, "max_iter", &s->max_iter) != AIWB_OK)
        return corrupt(cause, "max_iter");
    if (api->get_real(r, "tol", &s->tol) != AIWB_OK)
        return corrupt(cause, "tol");
    if (api->get_strs(r, "features", &s->p, &s->features) != AIWB_OK)
        return corrupt(cause, "features");
    if (api->get_strs(r, "classes", &s->n_classes, &s->classes) != AIWB_OK || s->n_classes < 2)
        return corrupt(cause, "classes");
    s->m = s->n_classes > 2 ? s->n_classes : 1;
    s->d = s->p + (size_t)s->intercept;
    if (api->get_reals(r, "coef", &ncoef, &s->coef) != AIWB_OK)
        return corrupt(cause, "coef");
    if (ncoef != s->m * s->d || s->d == 0) {
        *cause = api->format("logistic: the saved model is corrupt: %zu coefficients for %zu "
                             "classes and %zu features%s",
                             ncoef, s->n_classes, s->p, s->intercept ? " with intercept" : "");
        return AIWB_EDATA;
    }
    if (api->get_int(r, "iterations", &s->iterations) != AIWB_OK)
        return corrupt(cause, "iterations");
    if (api->get_int(r, "converged", &converged) != AIWB_OK)
        return corrupt(cause, "converged");
    s->converged = converged != 0;
    if (api->get_real(r, "loss", &s->loss) != AIWB_OK)
        return corrupt(cause, "loss");
    if (api->get_real(r, "objective", &s->objective) != AIWB_OK)
        return corrupt(cause, "objective");
    if (api->get_real(r, "gradient", &s->gradient) != AIWB_OK)
        return corrupt(cause, "gradient");
    if (api->get_int(r, "extreme", &extreme) != AIWB_OK)
        return corrupt(cause, "extreme");
    s->extreme = extreme != 0;
    return AIWB_OK;
}

/* Load a saved model; on failure the state is left empty. */
int
logistic_load(void *state, struct aiwb_reader *r, unsigned version, char **cause)
{
    struct logistic *s = state;
    int rc;

    if (version < 1 || version > LOGISTIC_STATE_VERSION) {
        *cause = api->format("logistic: cannot read a model saved with state version %u (this "
                             "plugin reads versions 1 to %d)",
                             version, LOGISTIC_STATE_VERSION);
        return AIWB_ENOTSUP;
    }
    logistic_clear(s);
    rc = load_state(s, r, version, cause);
    if (rc != AIWB_OK) {
        logistic_clear(s);
        return rc;
    }
    s->fitted = 1;
    return AIWB_OK;
}

/* Free what logistic_load made. */
void
logistic_fini(void *state)
{
    logistic_clear(state);
}


const struct aiwb_algorithm_type predict_logistic = {
    .abi_version = AIWB_ABI_VERSION,
    .size = sizeof(struct aiwb_algorithm_type),
    .name = "logistic",
    .flags = LOGISTIC_FLAGS,
    .state_version = LOGISTIC_STATE_VERSION,
    .state_size = sizeof(struct logistic),
    .n_outputs = logistic_n_outputs,
    .predict = logistic_predict,
    .load = logistic_load,
    .fini = logistic_fini,
};
