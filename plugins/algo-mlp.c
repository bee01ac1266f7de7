/*
 * algo-mlp.c - a multi-layer perceptron with one or two hidden layers, for
 * classification and regression, trained by mini-batch Adam or SGD.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The network, its loss and its training follow scikit-learn's
 * MLPClassifier and MLPRegressor (1.2) wherever that costs nothing, so that
 * the numbers can be compared:
 *
 * - layer l maps its input a (a row) to act(a W_l + b_l), W_l being
 *   fan_in x fan_out as sklearn's coefs_[l]; the hidden layers use the
 *   activation option (relu, tanh, logistic or identity), the output layer
 *   the identity for regression, one logistic unit for two classes and the
 *   softmax for more;
 * - initial weights and biases are Glorot-uniform as sklearn's _init_coef:
 *   uniform in +-sqrt(6 / (fan_in + fan_out)) (2 instead of 6 for the
 *   logistic activation), drawn layer by layer, weights then biases;
 * - the loss of a batch of n_b rows is the mean log-loss (probabilities
 *   clipped to [eps, 1 - eps] as sklearn's, eps = DBL_EPSILON) or the mean
 *   squared error over 2, plus alpha * ||W||^2 / (2 n_b) over the weights
 *   (not the biases); its gradient is backpropagated with one gsl_blas_dgemm
 *   per layer forward and two backward;
 * - one iterate is one epoch: the training rows, shuffled (shuffle=true),
 *   in batches of `batch` rows, the last one shorter, each followed by an
 *   update of Adam (beta 0.9 and 0.999, epsilon 1e-8, bias-corrected step
 *   as sklearn's) or of SGD with momentum (Nesterov's by default). The step
 *   value "loss" is the mean of the batch losses weighted by their rows, as
 *   sklearn's loss_curve_;
 * - validation > 0 holds out ceil(validation * n) rows (15 of 150 at 0.1,
 *   where sklearn's rounding of 0.1 * 150 takes 16), stratified by class
 *   for classification, and reports "val_loss" (the same loss without the
 *   penalty) and "val_accuracy" or "val_r2" after each epoch. Training
 *   stops when the monitored loss (val_loss, or the training loss without
 *   validation, as sklearn without early_stopping) has not fallen below its
 *   best minus tol for more than `patience` epochs (n_iter_no_change), and
 *   finish() restores the weights of the epoch with the lowest val_loss.
 *   Unlike sklearn, which watches the validation accuracy or R^2, the
 *   validation loss is watched: it is smooth where the accuracy of a few
 *   rows moves in steps.
 *
 * Features should be standardised (`train mlp ... with standardize`): init
 * warns when one is far from unit scale. A regression target can be
 * standardised inside the model (scale_target=true; predictions come back in
 * its units), and init suggests that when its scale is far from one.
 *
 * The random numbers (initial weights, the validation split, the shuffles)
 * come from one gsl_rng_mt19937 seeded with prob->seed folded to 32 bits
 * (low XOR high word), so the same seed gives the same network.
 *
 * Continuing training: init() on a state that holds a loaded model keeps its
 * weights (as sklearn's warm_start) instead of drawing new ones, provided the
 * problem has the same features and classes; the options of init apply to
 * the new training (hidden and activation must match the loaded network if
 * given). The host does not do this today; the unit test uses it to start
 * from scikit-learn's initial weights.
 */
#include <config.h>

#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include <aiwb/plugin.h>

#include "algo-mlp.h"

#define ADAM_BETA1 0.9
#define ADAM_BETA2 0.999
#define ADAM_EPSILON 1e-8
/* Rows per forward pass when evaluating the held-out rows or predicting. */
#define EVAL_CHUNK 256
/* init warns about features whose root mean square is outside these. */
#define SCALE_HIGH 10.0
#define SCALE_LOW 0.01
/* Features named in that warning before "and N more". */
#define SCALE_NAMED 3

static const struct aiwb_host_api *api;

/* What exists only while training. */
struct mlp_train {
    gsl_rng *rng;
    size_t n_train, n_val;         /* rows trained on, rows held out */
    size_t nb;                     /* rows of a full batch */
    size_t chunk;                  /* rows the buffers hold */
    size_t *idx;                   /* n: the training rows, then the held-out ones */
    double *Xb;                    /* chunk x p: the rows of a batch, gathered */
    double *yb;                    /* chunk: their targets (class codes, or scaled y) */
    double *ones;                  /* chunk ones: the biases' gradient is D' 1 / rows */
    double *A[MLP_MAX_LAYERS + 1]; /* chunk x units[l]: activations, l >= 1 */
    double *D[MLP_MAX_LAYERS + 1]; /* chunk x units[l]: deltas, l >= 1 */
    double *grad;                  /* n_params */
    double *m;                     /* n_params: Adam's first moments, or SGD's velocities */
    double *v;                     /* n_params: Adam's second moments */
    double *best;                  /* n_params: the weights of the best epoch (validation) */
    double val_sst;                /* held-out targets' sum of squares about their mean */
    int64_t adam_t;                /* Adam's updates so far */
    int64_t no_improve;            /* epochs without improvement by tol */
    double best_monitor;           /* the lowest monitored loss so far */
    double first_loss;             /* the training loss of epoch 1 */
    int done;
};

static void
train_free(struct mlp_train *tr)
{
    if (tr == NULL)
        return;
    gsl_rng_free(tr->rng);
    api->free(tr->idx);
    api->free(tr->Xb);
    api->free(tr->yb);
    api->free(tr->ones);
    for (size_t l = 0; l <= MLP_MAX_LAYERS; l++) {
        api->free(tr->A[l]);
        api->free(tr->D[l]);
    }
    api->free(tr->grad);
    api->free(tr->m);
    api->free(tr->v);
    api->free(tr->best);
    api->free(tr);
}

/* ---------------------------------------------------------------------------
 * The network's shape.
 */

/*
 * Parse "64" or "64,32" into SET; returns AIWB_OK or AIWB_EINVAL with
 * *cause set.
 */
static int
parse_hidden(struct mlp_settings *set, const char *text, char **cause)
{
    const char *c = text != NULL ? text : "";

    set->n_hidden = 0;
    for (;;) {
        char *end;
        unsigned long long v;

        if (set->n_hidden == MLP_MAX_HIDDEN || *c < '0' || *c > '9')
            goto bad;
        v = strtoull(c, &end, 10);
        if (v < 1 || v > MLP_MAX_UNITS || (*end != '\0' && *end != ','))
            goto bad;
        set->hidden[set->n_hidden++] = (size_t)v;
        if (*end == '\0')
            return AIWB_OK;
        c = end + 1;
    }
bad:
    *cause = api->format("mlp: hidden must be the sizes of one or two hidden layers, each 1 "
                         "to %d (\"64\" or \"64,32\"), not '%s'",
                         MLP_MAX_UNITS, text != NULL ? text : "");
    return AIWB_EINVAL;
}

/* The index of WORD in NAMES (N of them), or 0. */
static int
word_index(const char *const *names, size_t n, const char *word)
{
    for (size_t i = 0; word != NULL && i < n; i++)
        if (strcmp(names[i], word) == 0)
            return (int)i;
    return 0;
}

static int
read_settings(struct mlp_settings *set, const struct aiwb_options *o, char **cause)
{
    int rc = parse_hidden(set, api->opt_str(o, "hidden"), cause);

    set->act = word_index(mlp_activation_names, MLP_N_OF(mlp_activation_names),
                          api->opt_str(o, "activation"));
    set->solver =
        word_index(mlp_solver_names, MLP_N_OF(mlp_solver_names), api->opt_str(o, "solver"));
    set->learning_rate = api->opt_real(o, "learning_rate");
    set->batch = api->opt_int(o, "batch");
    set->max_iter = api->opt_int(o, "max_iter");
    set->alpha = api->opt_real(o, "alpha");
    set->momentum = api->opt_real(o, "momentum");
    set->nesterov = api->opt_bool(o, "nesterov");
    set->validation = api->opt_real(o, "validation");
    set->patience = api->opt_int(o, "patience");
    set->tol = api->opt_real(o, "tol");
    set->shuffle = api->opt_bool(o, "shuffle");
    set->scale_target = api->opt_bool(o, "scale_target");
    return rc;
}

/* ---------------------------------------------------------------------------
 * The forward and backward passes over a block of rows.
 */

/* Multiply the N deltas D by the activation's derivative, given its output Z. */
static void
derive(enum mlp_activation act, const double *z, double *d, size_t n)
{
    switch (act) {
    case ACT_RELU: /* z = relu(.) is 0 or positive */
        for (size_t i = 0; i < n; i++)
            d[i] = mlp_keep_if(d[i], z[i] > 0);
        break;
    case ACT_TANH:
        for (size_t i = 0; i < n; i++)
            d[i] *= 1 - z[i] * z[i];
        break;
    case ACT_LOGISTIC:
        for (size_t i = 0; i < n; i++)
            d[i] *= z[i] * (1 - z[i]);
        break;
    case ACT_IDENTITY:
        break;
    }
}

/*
 * The activations of every layer for ROWS rows of X (row stride LDX) into
 * A[1..n_layers], each rows x units[l]; A[n_layers] holds the outputs.
 * Returns a GSL status.
 */
static int
forward(const struct mlp *s, size_t rows, const double *X, size_t ldx, double *const *A)
{
    for (size_t l = 0; l < s->n_layers; l++) {
        const size_t in = s->units[l], out = s->units[l + 1];
        const double *b = s->theta + s->boff[l];
        gsl_matrix_const_view Av = l == 0 ? gsl_matrix_const_view_array_with_tda(X, rows, in, ldx)
                                          : gsl_matrix_const_view_array(A[l], rows, in);
        gsl_matrix_const_view W = gsl_matrix_const_view_array(s->theta + s->woff[l], in, out);
        gsl_matrix_view Z = gsl_matrix_view_array(A[l + 1], rows, out);
        int rc;

        for (size_t i = 0; i < rows; i++)
            memcpy(A[l + 1] + i * out, b, out * sizeof(double));
        rc = gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, &Av.matrix, &W.matrix, 1.0, &Z.matrix);
        if (rc != GSL_SUCCESS)
            return rc;
        if (l + 1 < s->n_layers)
            mlp_activate(s->set.act, A[l + 1], rows * out);
        else
            mlp_activate_output(s->out, A[l + 1], rows, out);
    }
    return GSL_SUCCESS;
}

/* -log of a probability clipped to [eps, 1 - eps], as sklearn's log_loss. */
static inline double
clipped_nll(double prob)
{
    if (prob < DBL_EPSILON)
        prob = DBL_EPSILON;
    else if (prob > 1 - DBL_EPSILON)
        prob = 1 - DBL_EPSILON;
    return -log(prob);
}

/*
 * The summed loss of ROWS rows of outputs P against targets Y (class codes,
 * or the scaled target); *HITS (when not NULL) gets the number of rows
 * whose most probable class is theirs.
 */
static double
loss_sum(const struct mlp *s, size_t rows, const double *P, const double *y, double *hits)
{
    const size_t k = mlp_out_units(s);
    double sum = 0, right = 0;

    for (size_t i = 0; i < rows; i++) {
        if (s->out == OUT_IDENTITY) {
            double e = P[i] - y[i];
            sum += e * e / 2;
        } else if (s->out == OUT_SIGMOID) {
            /* xlogy(1 - y, 1 - clip(p)) as sklearn's binary log-loss */
            double pc = fmin(fmax(P[i], DBL_EPSILON), 1 - DBL_EPSILON);
            sum += y[i] != 0 ? -log(pc) : -log(1 - pc);
            right += (P[i] > 0.5) == (y[i] != 0);
        } else {
            const double *r = P + i * k;
            size_t arg = 0;
            for (size_t c = 1; c < k; c++)
                arg = r[c] > r[arg] ? c : arg;
            sum += clipped_nll(r[(size_t)y[i]]);
            right += arg == (size_t)y[i];
        }
    }
    if (hits != NULL)
        *hits = right;
    return sum;
}

/* The deltas of the output layer: outputs minus targets (one-hot for classes). */
static void
output_delta(const struct mlp *s, size_t rows, const double *P, const double *y, double *D)
{
    const size_t k = mlp_out_units(s);

    memcpy(D, P, rows * k * sizeof(double));
    if (s->out == OUT_SOFTMAX) {
        for (size_t i = 0; i < rows; i++)
            D[i * k + (size_t)y[i]] -= 1;
    } else {
        for (size_t i = 0; i < rows; i++)
            D[i] -= y[i];
    }
}

/* The sum of the squared weights (not the biases). */
static double
sum_sq_weights(const struct mlp *s)
{
    double sum = 0;

    for (size_t l = 0; l < s->n_layers; l++) {
        const double *W = s->theta + s->woff[l];
        for (size_t i = 0; i < s->units[l] * s->units[l + 1]; i++)
            sum += W[i] * W[i];
    }
    return sum;
}

/*
 * The gradient of the batch loss into tr->grad, from the batch's rows in
 * tr->Xb, their activations in tr->A and the output deltas in
 * tr->D[n_layers]: for each layer, (A_l' D_l+1 + alpha W_l) / rows and the
 * mean of the deltas, then the deltas of the layer below. A GSL status.
 */
static int
backward(const struct mlp *s, struct mlp_train *tr, size_t rows)
{
    const double inv = 1.0 / (double)rows;

    for (size_t l = s->n_layers; l-- > 0;) {
        const size_t in = s->units[l], out = s->units[l + 1];
        double *gW = tr->grad + s->woff[l], *gb = tr->grad + s->boff[l];
        gsl_matrix_const_view Av =
            gsl_matrix_const_view_array(l == 0 ? tr->Xb : tr->A[l], rows, in);
        gsl_matrix_const_view Dv = gsl_matrix_const_view_array(tr->D[l + 1], rows, out);
        gsl_matrix_view G = gsl_matrix_view_array(gW, in, out);
        int rc;

        memcpy(gW, s->theta + s->woff[l], in * out * sizeof(double));
        rc = gsl_blas_dgemm(CblasTrans, CblasNoTrans, inv, &Av.matrix, &Dv.matrix,
                            s->set.alpha * inv, &G.matrix);
        if (rc != GSL_SUCCESS)
            return rc;
        gsl_vector_const_view ones = gsl_vector_const_view_array(tr->ones, rows);
        gsl_vector_view gbv = gsl_vector_view_array(gb, out);
        rc = gsl_blas_dgemv(CblasTrans, inv, &Dv.matrix, &ones.vector, 0.0, &gbv.vector);
        if (rc != GSL_SUCCESS)
            return rc;
        if (l == 0)
            break;
        gsl_matrix_const_view W = gsl_matrix_const_view_array(s->theta + s->woff[l], in, out);
        gsl_matrix_view Db = gsl_matrix_view_array(tr->D[l], rows, in);
        rc = gsl_blas_dgemm(CblasNoTrans, CblasTrans, 1.0, &Dv.matrix, &W.matrix, 0.0, &Db.matrix);
        if (rc != GSL_SUCCESS)
            return rc;
        derive(s->set.act, tr->A[l], tr->D[l], rows * in);
    }
    return GSL_SUCCESS;
}

/* One step of the solver along tr->grad. */
static void
update(struct mlp *s, struct mlp_train *tr)
{
    const size_t n = s->n_params;
    const double lr = s->set.learning_rate;
    double *theta = s->theta, *g = tr->grad, *m = tr->m, *v = tr->v;

    if (s->set.solver == SOLVER_ADAM) {
        double step;

        tr->adam_t++;
        step = lr * sqrt(1 - pow(ADAM_BETA2, (double)tr->adam_t)) /
               (1 - pow(ADAM_BETA1, (double)tr->adam_t));
        for (size_t i = 0; i < n; i++) {
            m[i] = ADAM_BETA1 * m[i] + (1 - ADAM_BETA1) * g[i];
            v[i] = ADAM_BETA2 * v[i] + (1 - ADAM_BETA2) * (g[i] * g[i]);
            theta[i] += -step * m[i] / (sqrt(v[i]) + ADAM_EPSILON);
        }
    } else {
        const double mu = s->set.momentum;
        for (size_t i = 0; i < n; i++) {
            m[i] = mu * m[i] - lr * g[i];
            theta[i] += s->set.nesterov ? mu * m[i] - lr * g[i] : m[i];
        }
    }
}

/* ---------------------------------------------------------------------------
 * Training.
 */

/* The target of row I as the network learns it. */
static inline double
target_of(const struct mlp *s, const struct aiwb_problem *prob, size_t i)
{
    return mlp_is_classifier(s) ? prob->y[i] : (prob->y[i] - s->y_mean) / s->y_scale;
}

/* Copy rows IDX[0..ROWS-1] of the problem into tr->Xb and their targets into tr->yb. */
static void
gather(const struct mlp *s, struct mlp_train *tr, const struct aiwb_problem *prob,
       const size_t *idx, size_t rows)
{
    for (size_t i = 0; i < rows; i++) {
        memcpy(tr->Xb + i * s->p, prob->X + idx[i] * prob->ldx, s->p * sizeof(double));
        tr->yb[i] = target_of(s, prob, idx[i]);
    }
}

static int
blas_failed(char **cause, int rc)
{
    *cause = api->format("mlp: a BLAS operation failed: %s", gsl_strerror(rc));
    return AIWB_ENUMERIC;
}

/* One pass over the training rows in batches; *LOSS gets sklearn's epoch loss. */
static int
run_epoch(struct mlp *s, const struct aiwb_problem *prob, double *loss, char **cause)
{
    struct mlp_train *tr = s->tr;
    const size_t L = s->n_layers;
    double acc = 0;

    if (s->set.shuffle)
        gsl_ran_shuffle(tr->rng, tr->idx, tr->n_train, sizeof(size_t));
    for (size_t start = 0; start < tr->n_train; start += tr->nb) {
        size_t rows = tr->n_train - start < tr->nb ? tr->n_train - start : tr->nb;
        double batch_loss;
        int rc;

        gather(s, tr, prob, tr->idx + start, rows);
        rc = forward(s, rows, tr->Xb, s->p, tr->A);
        if (rc != GSL_SUCCESS)
            return blas_failed(cause, rc);
        batch_loss = loss_sum(s, rows, tr->A[L], tr->yb, NULL) / (double)rows;
        if (s->set.alpha > 0)
            batch_loss += 0.5 * s->set.alpha * sum_sq_weights(s) / (double)rows;
        acc += batch_loss * (double)rows;
        output_delta(s, rows, tr->A[L], tr->yb, tr->D[L]);
        rc = backward(s, tr, rows);
        if (rc != GSL_SUCCESS)
            return blas_failed(cause, rc);
        update(s, tr);
    }
    *loss = acc / (double)tr->n_train;
    return AIWB_OK;
}

/* The loss (no penalty) and the accuracy or R^2 of the current weights on the held-out rows. */
static int
evaluate(struct mlp *s, const struct aiwb_problem *prob, double *loss, double *score, char **cause)
{
    struct mlp_train *tr = s->tr;
    const size_t *val = tr->idx + tr->n_train;
    double sum = 0, hits = 0;

    for (size_t start = 0; start < tr->n_val; start += tr->chunk) {
        size_t rows = tr->n_val - start < tr->chunk ? tr->n_val - start : tr->chunk;
        double h = 0;
        int rc;

        gather(s, tr, prob, val + start, rows);
        rc = forward(s, rows, tr->Xb, s->p, tr->A);
        if (rc != GSL_SUCCESS)
            return blas_failed(cause, rc);
        sum += loss_sum(s, rows, tr->A[s->n_layers], tr->yb, &h);
        hits += h;
    }
    *loss = sum / (double)tr->n_val;
    if (mlp_is_classifier(s))
        *score = hits / (double)tr->n_val;
    else if (tr->val_sst > 0)
        *score = 1 - 2 * sum / tr->val_sst;
    else /* sklearn's r2_score for a constant target */
        *score = sum == 0 ? 1.0 : 0.0;
    return AIWB_OK;
}

/*
 * Count an epoch without improvement by tol of the monitored loss (the
 * validation loss, else the training loss, as sklearn's rule), and keep the
 * best epoch's numbers and, with validation, its weights.
 */
static void
track_best(struct mlp *s, double loss, double val_loss, double score)
{
    struct mlp_train *tr = s->tr;
    const double monitor = tr->n_val > 0 ? val_loss : loss;

    if (!isfinite(monitor) || monitor > tr->best_monitor - s->set.tol)
        tr->no_improve++;
    else
        tr->no_improve = 0;
    if (monitor < tr->best_monitor || s->best_epoch == 0) {
        tr->best_monitor = monitor;
        s->best_epoch = s->epochs;
        s->val_loss = val_loss;
        s->val_score = score;
        if (tr->n_val > 0) {
            s->loss = loss;
            memcpy(tr->best, s->theta, s->n_params * sizeof(double));
        }
    }
    if (tr->n_val == 0) /* the last weights are kept, as sklearn's */
        s->loss = loss;
    if (s->epochs == 1)
        tr->first_loss = loss;
}

/* Whether training is over: patience lost or max_iter reached (logged). */
static int
is_done(struct mlp *s, double loss)
{
    struct mlp_train *tr = s->tr;
    const char *watched = tr->n_val > 0 ? "validation" : "training";

    if (tr->no_improve > s->set.patience) {
        s->stop = STOP_PATIENCE;
        api->log(AIWB_LOG_INFO,
                 "mlp: the %s loss has not improved by tol=%g for %" PRId64 " epochs: stopped "
                 "at epoch %" PRId64 "%s",
                 watched, s->set.tol, tr->no_improve, s->epochs,
                 tr->n_val > 0 ? ", keeping the weights of its best epoch" : "");
    } else if (s->epochs >= s->set.max_iter) {
        s->stop = STOP_MAX_ITER;
        api->log(AIWB_LOG_WARN,
                 "mlp: stopped after max_iter=%" PRId64 " epochs without converging (the %s "
                 "loss fell by more than tol=%g within the last %" PRId64 " epochs)",
                 s->set.max_iter, watched, s->set.tol,
                 s->epochs < s->set.patience + 1 ? s->epochs : s->set.patience + 1);
    } else {
        return 0;
    }
    if (loss > tr->first_loss)
        api->log(AIWB_LOG_WARN,
                 "mlp: the training loss rose from %.6g at epoch 1 to %.6g at epoch %" PRId64
                 ": the learning rate may be too high",
                 tr->first_loss, loss, s->epochs);
    return 1;
}

/* One epoch, the held-out rows, and the test of patience. */
static int
mlp_iterate(void *state, const struct aiwb_problem *prob, struct aiwb_step *step, char **cause)
{
    struct mlp *s = state;
    struct mlp_train *tr = s->tr;
    double loss, val_loss = NAN, score = NAN;
    int rc;

    if (tr == NULL || tr->done)
        return AIWB_OK;
    rc = run_epoch(s, prob, &loss, cause);
    if (rc != AIWB_OK)
        return rc;
    s->epochs++;
    api->step_value(step, "loss", loss);
    if (!isfinite(loss)) {
        *cause = api->format("mlp: the training loss became %g at epoch %" PRId64 ": a smaller "
                             "learning_rate or standardised features (with standardize) may help",
                             loss, s->epochs);
        return AIWB_ENUMERIC;
    }
    if (tr->n_val > 0) {
        rc = evaluate(s, prob, &val_loss, &score, cause);
        if (rc != AIWB_OK)
            return rc;
        api->step_value(step, "val_loss", val_loss);
        api->step_value(step, mlp_is_classifier(s) ? "val_accuracy" : "val_r2", score);
    }
    track_best(s, loss, val_loss, score);
    tr->done = is_done(s, loss);
    api->step_value(step, "converged", s->stop == STOP_PATIENCE);
    return tr->done ? AIWB_OK : AIWB_CONTINUE;
}

/* ---------------------------------------------------------------------------
 * Initialisation.
 */

static const char *
target_name(const struct aiwb_problem *prob)
{
    return prob->target_name != NULL ? prob->target_name : "target";
}

static const char *
feature_name(const struct aiwb_problem *prob, size_t j)
{
    return prob->feature_names != NULL && prob->feature_names[j] != NULL ? prob->feature_names[j]
                                                                         : "?";
}

/* Refuse a network too big to train: its weights are kept five times over. */
static int
check_size(const struct mlp_settings *set, const struct aiwb_problem *prob, char **cause)
{
    double in = (double)prob->p, count = 0;
    char h[64];

    for (size_t l = 0; l <= set->n_hidden; l++) {
        double out = l < set->n_hidden ? (double)set->hidden[l]
                                       : (prob->n_classes > 2 ? (double)prob->n_classes : 1);
        count += (in + 1) * out;
        in = out;
    }
    if (count <= MLP_MAX_PARAMS)
        return AIWB_OK;
    *cause = api->format("mlp: hidden=%s on %zu features makes %.0f weights, more than %d",
                         mlp_hidden_text(set, h, sizeof h), prob->p, count, MLP_MAX_PARAMS);
    return AIWB_EINVAL;
}

/* Check the rows: finite features, valid targets, two classes at least. */
static int
check_problem(const struct aiwb_problem *prob, char **cause)
{
    const int classify = prob->task == AIWB_TASK_CLASSIFICATION;
    size_t first_class = 0;
    int two = 0;

    if (prob->task != AIWB_TASK_CLASSIFICATION && prob->task != AIWB_TASK_REGRESSION) {
        *cause = api->format("mlp: learns classification and regression only");
        return AIWB_EINVAL;
    }
    if (prob->n == 0) {
        *cause = api->format("mlp: no rows: there is nothing to fit");
        return AIWB_EDATA;
    }
    if (prob->p == 0) {
        *cause = api->format("mlp: no features: the network needs at least one input");
        return AIWB_EDATA;
    }
    if (classify && prob->n_classes < 2) {
        *cause = api->format("mlp: the target '%s' has a single class: there is nothing to "
                             "separate",
                             target_name(prob));
        return AIWB_EDATA;
    }
    for (size_t i = 0; i < prob->n; i++) {
        const double *x = prob->X + i * prob->ldx, y = prob->y[i];
        for (size_t j = 0; j < prob->p; j++) {
            if (!isfinite(x[j])) {
                *cause = api->format("mlp: row %zu column '%s': %g is not a finite number", i + 1,
                                     feature_name(prob, j), x[j]);
                return AIWB_EDATA;
            }
        }
        if (classify && !(y >= 0 && y < (double)prob->n_classes && y == floor(y))) {
            *cause = api->format("mlp: row %zu: the target '%s' is %g, not a class code 0..%zu",
                                 i + 1, target_name(prob), y, prob->n_classes - 1);
            return AIWB_EDATA;
        }
        if (!classify && !isfinite(y)) {
            *cause = api->format("mlp: row %zu: the target '%s' is %g, not a finite number", i + 1,
                                 target_name(prob), y);
            return AIWB_EDATA;
        }
        if (classify && i == 0)
            first_class = (size_t)y;
        two |= classify && (size_t)y != first_class;
    }
    if (classify && !two) {
        *cause = api->format("mlp: the target '%s' has a single class ('%s') in the training "
                             "data: there is nothing to separate",
                             target_name(prob), prob->class_names[first_class]);
        return AIWB_EDATA;
    }
    return AIWB_OK;
}

/* Copy N names (NULL: "x1" ...) into new strings. */
static char **
copy_names(const char *const *names, size_t n, const char *prefix)
{
    char **v = api->calloc(n > 0 ? n : 1, sizeof(char *));

    for (size_t i = 0; i < n; i++)
        v[i] = names != NULL && names[i] != NULL ? api->strdup(names[i])
                                                 : api->format("%s%zu", prefix, i + 1);
    return v;
}

/* A new network for PROB: its names and shape, no weights yet. */
static void
new_network(struct mlp *s, const struct aiwb_problem *prob)
{
    s->task = prob->task;
    s->p = prob->p;
    s->n_classes = mlp_is_classifier(s) ? prob->n_classes : 0;
    s->features = copy_names(prob->feature_names, s->p, "x");
    s->classes = copy_names(prob->class_names, s->n_classes, "class");
    s->target = api->strdup(target_name(prob));
    mlp_set_shape(s);
    s->theta = api->calloc(s->n_params, sizeof(double));
}

/* Glorot-uniform weights and biases, layer by layer, as sklearn's _init_coef. */
static void
draw_weights(struct mlp *s, gsl_rng *rng)
{
    const double factor = s->set.act == ACT_LOGISTIC ? 2.0 : 6.0;

    for (size_t l = 0; l < s->n_layers; l++) {
        const size_t in = s->units[l], out = s->units[l + 1];
        const double bound = sqrt(factor / (double)(in + out));
        double *W = s->theta + s->woff[l], *b = s->theta + s->boff[l];

        for (size_t i = 0; i < in * out; i++)
            W[i] = -bound + 2 * bound * gsl_rng_uniform(rng);
        for (size_t j = 0; j < out; j++)
            b[j] = -bound + 2 * bound * gsl_rng_uniform(rng);
    }
}

/*
 * Continue from a loaded model: the problem must have its features and
 * classes, and the options, where given, its hidden layers and activation.
 */
static int
check_warm(struct mlp *s, const struct mlp_settings *set, const struct aiwb_options *opts,
           const struct aiwb_problem *prob, char **cause)
{
    char a[64], b[64];

    if (prob->task != s->task || prob->p != s->p ||
        (mlp_is_classifier(s) && prob->n_classes != s->n_classes)) {
        *cause = api->format("mlp: cannot continue training a network of %zu features%s on "
                             "data with %zu features",
                             s->p, mlp_is_classifier(s) ? " and classes" : "", prob->p);
        return AIWB_EINVAL;
    }
    if (api->opt_given(opts, "hidden") &&
        strcmp(mlp_hidden_text(set, a, sizeof a), mlp_hidden_text(&s->set, b, sizeof b)) != 0) {
        *cause = api->format("mlp: cannot continue training a network of hidden=%s with "
                             "hidden=%s",
                             b, a);
        return AIWB_EINVAL;
    }
    if (api->opt_given(opts, "activation") && set->act != s->set.act) {
        *cause = api->format("mlp: cannot continue training a network of activation=%s with "
                             "activation=%s",
                             mlp_activation_names[s->set.act], mlp_activation_names[set->act]);
        return AIWB_EINVAL;
    }
    return AIWB_OK;
}

/*
 * Hold out ceil(validation * n) rows, stratified by class: each class gives
 * its share rounded down, the rows left over go to the classes with the
 * largest remainders. tr->idx gets the training rows, then the held-out
 * ones, each in their order in the data.
 */
static void
split_rows(struct mlp *s, struct mlp_train *tr, const struct aiwb_problem *prob, size_t n_val)
{
    const size_t n = prob->n, K = mlp_is_classifier(s) ? s->n_classes : 1;
    size_t *order = api->calloc(n, sizeof(size_t)), *start = api->calloc(K + 1, sizeof(size_t));
    size_t *take = api->calloc(K, sizeof(size_t)), given = 0, at = 0;
    double *rest = api->calloc(K, sizeof(double));
    unsigned char *held = api->calloc(n, 1);

    for (size_t i = 0; i < n; i++) /* counting sort of the rows by class */
        start[(K > 1 ? (size_t)prob->y[i] : 0) + 1]++;
    for (size_t c = 0; c < K; c++) {
        double share = (double)n_val * (double)start[c + 1] / (double)n;
        take[c] = (size_t)floor(share);
        rest[c] = share - floor(share);
        given += take[c];
        start[c + 1] += start[c];
    }
    while (given < n_val) {
        size_t best = 0;
        for (size_t c = 1; c < K; c++)
            if (rest[c] > rest[best])
                best = c;
        take[best]++;
        rest[best] = -1;
        given++;
    }
    for (size_t i = 0; i < n; i++)
        order[start[K > 1 ? (size_t)prob->y[i] : 0]++] = i;
    for (size_t c = 0; c < K; c++) { /* start[c] is now where class c ends */
        size_t begin = c == 0 ? 0 : start[c - 1], len = start[c] - begin;
        if (len > 0)
            gsl_ran_shuffle(tr->rng, order + begin, len, sizeof(size_t));
        for (size_t i = 0; i < take[c]; i++)
            held[order[begin + i]] = 1;
    }
    for (size_t pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < n; i++)
            if (held[i] == pass)
                tr->idx[at++] = i;
    api->free(held);
    api->free(rest);
    api->free(take);
    api->free(start);
    api->free(order);
}

/* The held-out targets' sum of squares about their mean (for R^2). */
static double
held_out_sst(const struct mlp *s, const struct mlp_train *tr, const struct aiwb_problem *prob)
{
    const size_t *val = tr->idx + tr->n_train;
    double mean = 0, sst = 0;

    for (size_t i = 0; i < tr->n_val; i++)
        mean += target_of(s, prob, val[i]);
    mean /= (double)tr->n_val;
    for (size_t i = 0; i < tr->n_val; i++) {
        double d = target_of(s, prob, val[i]) - mean;
        sst += d * d;
    }
    return sst;
}

/* The training workspace: the split, the buffers, the solver's state. */
static int
train_new(struct mlp *s, const struct aiwb_problem *prob, int warm, char **cause)
{
    struct mlp_train *tr = api->calloc(1, sizeof(*tr));
    const size_t n = prob->n;
    size_t n_val = 0;

    s->tr = tr;
    tr->rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(tr->rng, (unsigned long)((uint32_t)prob->seed ^ (uint32_t)(prob->seed >> 32)));
    if (!warm)
        draw_weights(s, tr->rng);
    if (s->set.validation > 0)
        n_val = (size_t)ceil(s->set.validation * (double)n * (1 - 1e-12));
    if (n_val >= n) {
        *cause = api->format("mlp: validation=%g holds out all %zu rows: none are left to "
                             "train on",
                             s->set.validation, n);
        return AIWB_EDATA;
    }
    tr->n_val = n_val;
    tr->n_train = n - n_val;
    tr->idx = api->calloc(n, sizeof(size_t));
    split_rows(s, tr, prob, n_val);
    if (n_val > 0)
        tr->val_sst = held_out_sst(s, tr, prob);
    tr->nb = (size_t)s->set.batch < tr->n_train ? (size_t)s->set.batch : tr->n_train;
    tr->chunk = tr->nb > EVAL_CHUNK ? tr->nb : (n < EVAL_CHUNK ? n : EVAL_CHUNK);
    tr->Xb = api->calloc(tr->chunk * s->p, sizeof(double));
    tr->yb = api->calloc(tr->chunk, sizeof(double));
    tr->ones = api->calloc(tr->chunk, sizeof(double));
    for (size_t i = 0; i < tr->chunk; i++)
        tr->ones[i] = 1;
    for (size_t l = 1; l <= s->n_layers; l++) {
        tr->A[l] = api->calloc(tr->chunk * s->units[l], sizeof(double));
        tr->D[l] = api->calloc(tr->chunk * s->units[l], sizeof(double));
    }
    tr->grad = api->calloc(s->n_params, sizeof(double));
    tr->m = api->calloc(s->n_params, sizeof(double));
    tr->v = api->calloc(s->n_params, sizeof(double));
    tr->best = api->calloc(s->n_params, sizeof(double));
    tr->best_monitor = HUGE_VAL;
    s->n_train = tr->n_train;
    s->n_val = n_val;
    return AIWB_OK;
}

/* Whether a column of root mean square RMS is far from unit scale. */
static int
far_from_unit(double rms)
{
    return rms > SCALE_HIGH || (rms > 0 && rms < SCALE_LOW);
}

/* Warn about features far from unit scale, naming the first few. */
static void
check_feature_scales(const struct mlp *s, const struct aiwb_problem *prob)
{
    double *sum = api->calloc(s->p, sizeof(double)), *sq = api->calloc(s->p, sizeof(double));
    char *list = api->strdup(""), *more;
    size_t far = 0;

    for (size_t i = 0; i < prob->n; i++) {
        const double *x = prob->X + i * prob->ldx;
        for (size_t j = 0; j < s->p; j++) {
            sum[j] += x[j];
            sq[j] += x[j] * x[j];
        }
    }
    for (size_t j = 0; j < s->p; j++) {
        double rms = sqrt(sq[j] / (double)prob->n);
        if (!far_from_unit(rms) || far++ >= SCALE_NAMED)
            continue;
        more = api->format("%s%s'%s' (mean %.3g, root mean square %.3g)", list, far > 1 ? ", " : "",
                           s->features[j], sum[j] / (double)prob->n, rms);
        api->free(list);
        list = more;
    }
    if (far > 0) {
        more =
            far > SCALE_NAMED ? api->format(" and %zu more", far - SCALE_NAMED) : api->strdup("");
        api->log(AIWB_LOG_WARN,
                 "mlp: %zu feature%s far from unit scale, %s%s: a network learns best on "
                 "standardised features (train mlp ... with standardize)",
                 far, far == 1 ? " is" : "s are", list, more);
        api->free(more);
    }
    api->free(list);
    api->free(sq);
    api->free(sum);
}

/*
 * A regression target's mean and standard deviation; with scale_target the
 * network learns (y - mean) / sd, else a warning when y is far from unit
 * scale.
 */
static void
target_scale(struct mlp *s, const struct aiwb_problem *prob)
{
    double mean = 0, ss = 0, sd;

    s->y_mean = 0;
    s->y_scale = 1;
    if (mlp_is_classifier(s))
        return;
    for (size_t i = 0; i < prob->n; i++)
        mean += prob->y[i];
    mean /= (double)prob->n;
    for (size_t i = 0; i < prob->n; i++)
        ss += (prob->y[i] - mean) * (prob->y[i] - mean);
    sd = sqrt(ss / (double)prob->n);
    if (s->set.scale_target) {
        s->y_mean = mean;
        s->y_scale = sd > 0 ? sd : 1;
    } else if (far_from_unit(sqrt(mean * mean + sd * sd))) {
        api->log(AIWB_LOG_WARN,
                 "mlp: the target '%s' has mean %.3g and standard deviation %.3g: the network "
                 "learns it faster standardised (scale_target=true)",
                 s->target, mean, sd);
    }
}

static void
warn_empty_classes(const struct mlp *s, const struct aiwb_problem *prob)
{
    size_t *count;

    if (!mlp_is_classifier(s))
        return;
    count = api->calloc(s->n_classes, sizeof(size_t));
    for (size_t i = 0; i < prob->n; i++)
        count[(size_t)prob->y[i]]++;
    for (size_t c = 0; c < s->n_classes; c++)
        if (count[c] == 0)
            api->log(AIWB_LOG_WARN, "mlp: class '%s' has no rows in the training data",
                     s->classes[c]);
    api->free(count);
}

/* Read the options, check the data, make (or keep) the network, prepare training. */
static int
mlp_init(void *state, const struct aiwb_options *opts, const struct aiwb_problem *prob,
         char **cause)
{
    struct mlp *s = state;
    struct mlp_settings set = {0};
    const int warm = s->fitted;
    int rc;

    rc = read_settings(&set, opts, cause);
    if (rc == AIWB_OK)
        rc = check_problem(prob, cause);
    if (rc == AIWB_OK && !warm)
        rc = check_size(&set, prob, cause);
    if (rc == AIWB_OK && warm)
        rc = check_warm(s, &set, opts, prob, cause);
    if (rc != AIWB_OK)
        return rc;
    if (warm) {
        set.n_hidden = s->set.n_hidden;
        memcpy(set.hidden, s->set.hidden, sizeof(set.hidden));
        set.act = s->set.act;
        train_free(s->tr);
        s->tr = NULL;
    }
    s->set = set;
    s->fitted = 0;
    s->stop = STOP_NONE;
    s->epochs = s->best_epoch = 0;
    s->loss = s->val_loss = s->val_score = NAN;
    if (!warm)
        new_network(s, prob);
    warn_empty_classes(s, prob);
    check_feature_scales(s, prob);
    target_scale(s, prob);
    rc = train_new(s, prob, warm, cause);
    if (rc == AIWB_OK && (size_t)set.batch > s->n_train && api->opt_given(opts, "batch"))
        api->log(AIWB_LOG_INFO,
                 "mlp: batch=%" PRId64 " is more than the %zu training rows: each epoch is "
                 "one batch",
                 set.batch, s->n_train);
    return rc;
}

/* Keep the best epoch's weights (with validation) or the last, and free the workspace. */
static int
mlp_finish(void *state, const struct aiwb_problem *prob, char **cause)
{
    struct mlp *s = state;
    struct mlp_train *tr = s->tr;

    (void)prob;
    if (tr == NULL) {
        *cause = api->format("mlp: finish without a successful init");
        return AIWB_EINVAL;
    }
    if (tr->n_val > 0 && s->best_epoch > 0)
        memcpy(s->theta, tr->best, s->n_params * sizeof(double));
    else if (tr->n_val == 0)
        s->best_epoch = s->epochs;
    train_free(tr);
    s->tr = NULL;
    s->fitted = 1;
    return AIWB_OK;
}

/* ---------------------------------------------------------------------------
 * Using the model.
 */

/* One note line from a format; the table copies it. */
static void
note(struct aiwb_table *t, char *text)
{
    api->table_note(t, text);
    api->free(text);
}

static void
layer_row(struct aiwb_table *t, const char *name, size_t units, const char *act, size_t params)
{
    api->table_text(t, name);
    api->table_int(t, (int64_t)units);
    api->table_text(t, act);
    api->table_int(t, (int64_t)params);
}

/* How training ended, as a note. */
static char *
stop_note(const struct mlp *s)
{
    const char *watched = s->n_val > 0 ? "validation" : "training";

    switch (s->stop) {
    case STOP_PATIENCE:
        return api->format("Stopped at epoch %" PRId64 ": the %s loss had not improved by "
                           "tol=%g for more than patience=%" PRId64 " epochs",
                           s->epochs, watched, s->set.tol, s->set.patience);
    case STOP_MAX_ITER:
        return api->format("Did not converge within max_iter=%" PRId64 " epochs: the %s loss "
                           "was still improving",
                           s->set.max_iter, watched);
    case STOP_NONE:
        break;
    }
    return api->format("Stopped after %" PRId64 " epoch%s, before it converged", s->epochs,
                       s->epochs == 1 ? "" : "s");
}

/* The layers, then how the network was trained and where it stopped. */
static int
mlp_report(const void *state, struct aiwb_table *t)
{
    const struct mlp *s = state;
    char h[64], held[64] = "";

    if (!s->fitted)
        return AIWB_EINVAL;
    api->table_title(t, "mlp: network");
    api->table_column(t, "layer", AIWB_TABLE_TEXT);
    api->table_column(t, "units", AIWB_TABLE_INT);
    api->table_column(t, "activation", AIWB_TABLE_TEXT);
    api->table_column(t, "parameters", AIWB_TABLE_INT);
    layer_row(t, "input", s->p, "", 0);
    for (size_t l = 0; l < s->n_layers; l++) {
        char name[32];
        size_t params = (s->units[l] + 1) * s->units[l + 1];
        if (l + 1 < s->n_layers)
            snprintf(name, sizeof name, "hidden %zu", l + 1);
        layer_row(t, l + 1 < s->n_layers ? name : "output", s->units[l + 1],
                  l + 1 < s->n_layers ? mlp_activation_names[s->set.act] : mlp_output_names[s->out],
                  params);
    }
    if (s->n_val > 0)
        snprintf(held, sizeof held, ", %zu held out", s->n_val);
    note(t, api->format("Trained with %s (learning_rate %g, batch %" PRId64 ", alpha %g) on %zu "
                        "rows%s; hidden=%s, %zu parameters",
                        mlp_solver_names[s->set.solver], s->set.learning_rate, s->set.batch,
                        s->set.alpha, s->n_train, held, mlp_hidden_text(&s->set, h, sizeof h),
                        s->n_params));
    note(t, stop_note(s));
    if (s->n_val > 0 && s->best_epoch > 0)
        note(t, api->format("Kept the weights of epoch %" PRId64 ": training loss %.6g, "
                            "validation loss %.6g, validation %s %.6g",
                            s->best_epoch, s->loss, s->val_loss,
                            mlp_is_classifier(s) ? "accuracy" : "R^2", s->val_score));
    else if (s->epochs > 0)
        note(t, api->format("Training loss of the last epoch: %.6g", s->loss));
    if (!mlp_is_classifier(s) && s->set.scale_target)
        note(t, api->format("The network learns (%s - %.6g) / %.6g; losses are in those units",
                            s->target, s->y_mean, s->y_scale));
    return AIWB_OK;
}

/* The options the network was trained with (see load_settings). */
static int
save_settings(const struct mlp_settings *set, struct aiwb_writer *w)
{
    int64_t hidden[MLP_MAX_HIDDEN];
    int rc;

    for (size_t l = 0; l < set->n_hidden; l++)
        hidden[l] = (int64_t)set->hidden[l];
    rc = api->put_ints(w, "hidden", set->n_hidden, hidden);
    if (rc == AIWB_OK)
        rc = api->put_str(w, "activation", mlp_activation_names[set->act]);
    if (rc == AIWB_OK)
        rc = api->put_str(w, "solver", mlp_solver_names[set->solver]);
    if (rc == AIWB_OK)
        rc = api->put_real(w, "learning_rate", set->learning_rate);
    if (rc == AIWB_OK)
        rc = api->put_int(w, "batch", set->batch);
    if (rc == AIWB_OK)
        rc = api->put_int(w, "max_iter", set->max_iter);
    if (rc == AIWB_OK)
        rc = api->put_real(w, "alpha", set->alpha);
    if (rc == AIWB_OK)
        rc = api->put_real(w, "momentum", set->momentum);
    if (rc == AIWB_OK)
        rc = api->put_int(w, "nesterov", set->nesterov);
    if (rc == AIWB_OK)
        rc = api->put_real(w, "validation", set->validation);
    if (rc == AIWB_OK)
        rc = api->put_int(w, "patience", set->patience);
    if (rc == AIWB_OK)
        rc = api->put_real(w, "tol", set->tol);
    if (rc == AIWB_OK)
        rc = api->put_int(w, "shuffle", set->shuffle);
    if (rc == AIWB_OK)
        rc = api->put_int(w, "scale_target", set->scale_target);
    return rc;
}

/*
 * The model: the task, the options, the names, the target's scale, the
 * weights (theta: W_1, b_1, W_2, b_2 ..., each W row-major fan_in x
 * fan_out, as sklearn's coefs_ and intercepts_), then how training went.
 */
static int
mlp_save(const void *state, struct aiwb_writer *w)
{
    const struct mlp *s = state;
    int rc;

    if (!s->fitted)
        return AIWB_EINVAL;
    rc = api->put_str(w, "task", mlp_is_classifier(s) ? "classification" : "regression");
    if (rc == AIWB_OK)
        rc = save_settings(&s->set, w);
    if (rc == AIWB_OK)
        rc = api->put_strs(w, "features", s->p, (const char *const *)s->features);
    if (rc == AIWB_OK)
        rc = api->put_strs(w, "classes", s->n_classes, (const char *const *)s->classes);
    if (rc == AIWB_OK)
        rc = api->put_str(w, "target", s->target);
    if (rc == AIWB_OK)
        rc = api->put_real(w, "y_mean", s->y_mean);
    if (rc == AIWB_OK)
        rc = api->put_real(w, "y_scale", s->y_scale);
    if (rc == AIWB_OK)
        rc = api->put_reals(w, "weights", s->n_params, s->theta);
    if (rc == AIWB_OK)
        rc = api->put_int(w, "epochs", s->epochs);
    if (rc == AIWB_OK)
        rc = api->put_int(w, "best_epoch", s->best_epoch);
    if (rc == AIWB_OK)
        rc = api->put_str(w, "stop", mlp_stop_names[s->stop]);
    if (rc == AIWB_OK)
        rc = api->put_int(w, "n_train", (int64_t)s->n_train);
    if (rc == AIWB_OK)
        rc = api->put_int(w, "n_val", (int64_t)s->n_val);
    if (rc == AIWB_OK)
        rc = api->put_real(w, "loss", s->loss);
    if (rc == AIWB_OK)
        rc = api->put_real(w, "val_loss", s->val_loss);
    if (rc == AIWB_OK)
        rc = api->put_real(w, "val_score", s->val_score);
    return rc;
}

/* Free the training workspace, then the model. */
static void
state_fini(void *state)
{
    struct mlp *s = state;

    train_free(s->tr);
    s->tr = NULL;
    mlp_fini(s);
}

static const struct aiwb_option_spec mlp_options[] = {
    {.name = "hidden",
     .type = AIWB_OPT_STRING,
     .def = "100",
     .help = "units of the hidden layers: \"64\" for one layer, \"64,32\" for two"},
    {.name = "activation",
     .type = AIWB_OPT_CHOICE,
     .def = "relu",
     .choices = "relu|tanh|logistic|identity",
     .help = "activation of the hidden units"},
    {.name = "solver",
     .type = AIWB_OPT_CHOICE,
     .def = "adam",
     .choices = "adam|sgd",
     .help = "adam: Adam (beta 0.9, 0.999, epsilon 1e-8); sgd: gradient descent with momentum"},
    {.name = "learning_rate",
     .type = AIWB_OPT_REAL,
     .def = "0.001",
     .min = 0,
     .max = INFINITY,
     .flags = AIWB_OPT_MIN_EXCLUSIVE,
     .help = "step size (sklearn's learning_rate_init); constant"},
    {.name = "batch",
     .type = AIWB_OPT_INT,
     .def = "200",
     .min = 1,
     .max = INFINITY,
     .help = "rows per update (at most the training rows: more makes full-batch descent)"},
    {.name = "max_iter",
     .type = AIWB_OPT_INT,
     .def = "200",
     .min = 1,
     .max = INFINITY,
     .help = "stop after this many epochs (passes over the training rows)"},
    {.name = "alpha",
     .type = AIWB_OPT_REAL,
     .def = "0.0001",
     .min = 0,
     .max = INFINITY,
     .help = "L2 penalty on the weights (not the biases), as sklearn's alpha"},
    {.name = "momentum",
     .type = AIWB_OPT_REAL,
     .def = "0.9",
     .min = 0,
     .max = 1,
     .help = "sgd: momentum of the updates"},
    {.name = "nesterov", .type = AIWB_OPT_BOOL, .def = "true", .help = "sgd: Nesterov's momentum"},
    {.name = "validation",
     .type = AIWB_OPT_REAL,
     .def = "0.1",
     .min = 0,
     .max = 1,
     .flags = AIWB_OPT_MAX_EXCLUSIVE,
     .help = "share of the rows held out (stratified) to stop early on their loss; 0: "
             "stop on the training loss and keep the last weights"},
    {.name = "patience",
     .type = AIWB_OPT_INT,
     .def = "10",
     .min = 1,
     .max = INFINITY,
     .help = "stop when the loss has not improved by tol for more than this many epochs "
             "(sklearn's n_iter_no_change)"},
    {.name = "tol",
     .type = AIWB_OPT_REAL,
     .def = "0.0001",
     .min = 0,
     .max = INFINITY,
     .help = "an epoch improves when its loss is below the best so far minus tol"},
    {.name = "shuffle",
     .type = AIWB_OPT_BOOL,
     .def = "true",
     .help = "shuffle the training rows before each epoch"},
    {.name = "scale_target",
     .type = AIWB_OPT_BOOL,
     .def = "false",
     .help = "regression: learn the standardised target (predictions come back in its units)"},
    {.name = NULL},
};

static const struct aiwb_algorithm_type mlp_type = {
    .abi_version = AIWB_ABI_VERSION,
    .size = sizeof(struct aiwb_algorithm_type),
    .name = "mlp",
    .summary = "multi-layer perceptron, one or two hidden layers (Adam or SGD)",
    .help = "A neural network as scikit-learn's MLPClassifier and MLPRegressor: softmax (one\n"
            "logistic unit for two classes) and log-loss, or a linear output and squared\n"
            "error. One iteration is one epoch; the live curve is the training loss and,\n"
            "with validation > 0, the loss on the held-out rows, whose best epoch's\n"
            "weights are kept. Standardise the features (with standardize): the network\n"
            "learns far slower on features of other scales, and warns about them.",
    .options = mlp_options,
    .flags = ALGO_MLP_FLAGS,
    .state_version = ALGO_MLP_STATE_VERSION,
    .state_size = sizeof(struct mlp),
    .init = mlp_init,
    .iterate = mlp_iterate,
    .finish = mlp_finish,
    .n_outputs = mlp_n_outputs,
    .predict = mlp_predict,
    .report = mlp_report,
    .save = mlp_save,
    .load = mlp_load,
    .fini = state_fini,
};

/* The module's entry point: registers the "mlp" algorithm. */
int
aiwb_plugin_init(struct aiwb_plugin *p, const struct aiwb_host_api *host)
{
    AIWB_PLUGIN_BEGIN(p, host, api, "mlp", "1.0.0");
    algo_mlp_bind(host);
    return api->register_algorithm(p, &mlp_type);
}
