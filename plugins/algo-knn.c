/*
 * algo-knn.c - k nearest neighbours, for classification (vote shares) and
 * regression (means), by brute force.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The model is the training rows themselves (saved with it). A prediction
 * finds the k training rows nearest to each row, by euclidean distance
 * (default) or manhattan, and gives their vote shares per class or their
 * mean target, weighted alike (weights=uniform) or by 1/distance
 * (weights=distance), where rows at distance zero, if any, win outright and
 * share the weight equally: scikit-learn's KNeighborsClassifier and
 * KNeighborsRegressor.
 *
 * The predict half (algo-knn-predict.c, MIT: shared with the exported
 * server) measures every distance exactly and keeps the k nearest in a
 * bounded heap, row by row. This half spreads a large prediction over
 * threads, each predicting its own range of rows with it.
 *
 * Ties: of training rows at the same distance, the earlier one (in training
 * order) is nearer. Every candidate enters the heap only if it is strictly
 * nearer than the worst kept, and the heap's order breaks equal distances
 * by row, so the k kept are the first k of all training rows sorted stably
 * by distance. scikit-learn's brute force keeps the same set when no
 * distance ties at the k-th place; when one does, which of the tied rows it
 * keeps depends on its heap's layout and its chunking over threads, so
 * there its neighbours (and predictions) can differ from these.
 *
 * Large predictions run on threads (threads=0: one a core, at most
 * KNN_AUTO_THREADS, when there is enough work), each over its own range of
 * query rows; each row's numbers do not depend on them.
 */
#include <config.h>

#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <aiwb/plugin.h>

#include "algo-knn.h"

/* Threads: at most this many unless told, none for less work than this
 * (query rows times training rows times features). */
#define KNN_AUTO_THREADS 4
#define KNN_THREAD_WORK 50000000.0

static const struct aiwb_host_api *api;

static const char *
target_name(const struct aiwb_problem *prob)
{
    return prob->target_name != NULL ? prob->target_name : "target";
}

/* ---------------------------------------------------------------------------
 * Training: check and keep the rows.
 */

static int
read_options(struct knn *s, const struct aiwb_options *opts, char **cause)
{
    const char *w = api->opt_str(opts, "weights"), *m = api->opt_str(opts, "metric");

    s->k = api->opt_int(opts, "k");
    s->distance = w != NULL && strcmp(w, "distance") == 0;
    s->manhattan = m != NULL && strcmp(m, "manhattan") == 0;
    s->threads = api->opt_int(opts, "threads");
    if (s->k < 1) {
        *cause = api->format("knn: k must be at least 1, not %" PRId64, s->k);
        return AIWB_EINVAL;
    }
    if (s->threads < 0) {
        *cause = api->format("knn: threads must be 0 (automatic) or more, not %" PRId64,
                             s->threads);
        return AIWB_EINVAL;
    }
    return AIWB_OK;
}

/* Copy the feature and class names (made up when the problem has none). */
static void
copy_names(struct knn *s, const struct aiwb_problem *prob)
{
    s->features = api->calloc(s->p + 1, sizeof(char *));
    for (size_t j = 0; j < s->p; j++) {
        if (prob->feature_names != NULL && prob->feature_names[j] != NULL)
            s->features[j] = api->strdup(prob->feature_names[j]);
        else
            s->features[j] = api->format("x%zu", j + 1);
    }
    s->classes = api->calloc(s->K + 1, sizeof(char *));
    for (size_t k = 0; k < s->K; k++) {
        if (prob->class_names != NULL && prob->class_names[k] != NULL)
            s->classes[k] = api->strdup(prob->class_names[k]);
        else
            s->classes[k] = api->format("%zu", k);
    }
}

/* Read the options and check the problem's shape. */
static int
knn_init(void *state, const struct aiwb_options *opts, const struct aiwb_problem *prob,
         char **cause)
{
    struct knn *s = state;
    int rc;

    knn_clear(s);
    rc = read_options(s, opts, cause);
    if (rc != AIWB_OK)
        return rc;
    s->classify = prob->task == AIWB_TASK_CLASSIFICATION;
    if (!s->classify && prob->task != AIWB_TASK_REGRESSION) {
        *cause = api->format("knn: does classification and regression only");
        return AIWB_EINVAL;
    }
    if (s->classify && prob->n_classes < 1) {
        *cause = api->format("knn: the target '%s' has no classes", target_name(prob));
        return AIWB_EDATA;
    }
    if (prob->n < (size_t)s->k) {
        *cause = api->format("knn: k=%" PRId64 " neighbours, but the training data %s %zu "
                             "row%s",
                             s->k, prob->n == 1 ? "has" : "have", prob->n,
                             prob->n == 1 ? "" : "s");
        return AIWB_EDATA;
    }
    s->p = prob->p;
    s->K = s->classify ? prob->n_classes : 0;
    copy_names(s, prob);
    return AIWB_OK;
}

/* Keep the training rows, checking every value. */
static int
knn_iterate(void *state, const struct aiwb_problem *prob, struct aiwb_step *step, char **cause)
{
    struct knn *s = state;
    const size_t n = prob->n, p = s->p;

    if (s->fitted)
        return AIWB_OK;
    if (s->features == NULL) {
        *cause = api->format("knn: iterate without a successful init");
        return AIWB_EINVAL;
    }
    s->T = api->alloc((n * p > 0 ? n * p : 1) * sizeof(double));
    s->y = api->alloc((n > 0 ? n : 1) * sizeof(double));
    for (size_t i = 0; i < n; i++) {
        const double *x = prob->X + i * prob->ldx, y = prob->y[i];

        for (size_t j = 0; j < p; j++) {
            if (!isfinite(x[j])) {
                *cause = api->format("knn: row %zu column '%s': %g is not a finite number",
                                     i + 1, s->features[j], x[j]);
                return AIWB_EDATA;
            }
        }
        if (s->classify && !(y >= 0 && y < (double)s->K && y == floor(y))) {
            *cause = api->format("knn: row %zu: the target '%s' is %g, not a class code 0..%zu",
                                 i + 1, target_name(prob), y, s->K - 1);
            return AIWB_EDATA;
        }
        if (!s->classify && !isfinite(y)) {
            *cause = api->format("knn: row %zu: the target '%s' is %g, not a finite number",
                                 i + 1, target_name(prob), y);
            return AIWB_EDATA;
        }
        memcpy(s->T + i * p, x, p * sizeof(double));
        s->y[i] = y;
    }
    s->n = n;
    s->fitted = 1;
    api->step_value(step, "rows", (double)n);
    return AIWB_OK;
}

static int
knn_finish(void *state, const struct aiwb_problem *prob, char **cause)
{
    struct knn *s = state;

    (void)prob;
    if (!s->fitted) {
        *cause = api->format("knn: the model was stopped before it kept its training rows");
        return AIWB_EINVAL;
    }
    return AIWB_OK;
}

/* One thread's share of a prediction: rows [q0, q1). */
struct work {
    const struct knn *s;
    const double *X;
    size_t ldx;
    double *out;
    size_t q0, q1;
    int rc;
};

static void *
work_run(void *arg)
{
    struct work *wk = arg;
    const size_t nout = knn_n_outputs(wk->s);

    wk->rc = knn_predict(wk->s, wk->q1 - wk->q0, wk->X + wk->q0 * wk->ldx, wk->ldx,
                         wk->out + wk->q0 * nout);
    return NULL;
}

/* How many threads to predict N rows with. */
static size_t
thread_count(const struct knn *s, size_t n)
{
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    size_t want;
    cpu_set_t set;

    if (s->threads > 0) {
        want = s->threads < KNN_MAX_THREADS ? (size_t)s->threads : KNN_MAX_THREADS;
    } else {
        if ((double)n * (double)s->n * (double)(s->p + 1) < KNN_THREAD_WORK)
            return 1;
        /* the cores this process may run on, which a container may limit */
        if (sched_getaffinity(0, sizeof(set), &set) == 0)
            cpus = CPU_COUNT(&set);
        want = cpus < 1 ? 1 : cpus < KNN_AUTO_THREADS ? (size_t)cpus : KNN_AUTO_THREADS;
    }
    return want < n ? want : n > 0 ? n : 1;
}

/*
 * Predictions for N rows, as the predict half's knn_predict, with the rows shared out
 * among threads in equal ranges.
 */
static int
predict_threads(const void *state, size_t n, const double *X, size_t ldx, double *out)
{
    const struct knn *s = state;
    size_t nthreads, per;
    struct work *wk;
    pthread_t *tid;
    int *started, rc = AIWB_OK;

    if (!s->fitted)
        return AIWB_EINVAL;
    nthreads = thread_count(s, n);
    if (nthreads <= 1)
        return knn_predict(s, n, X, ldx, out);
    per = (n + nthreads - 1) / nthreads;
    wk = api->calloc(nthreads, sizeof(*wk));
    tid = api->calloc(nthreads, sizeof(*tid));
    started = api->calloc(nthreads, sizeof(*started));
    for (size_t t = 0; t < nthreads; t++) {
        wk[t] = (struct work){.s = s, .X = X, .ldx = ldx, .out = out, .rc = AIWB_OK};
        wk[t].q0 = t * per < n ? t * per : n;
        wk[t].q1 = (t + 1) * per < n ? (t + 1) * per : n;
    }
    for (size_t t = 1; t < nthreads; t++)
        started[t] = pthread_create(&tid[t], NULL, work_run, &wk[t]) == 0;
    work_run(&wk[0]);
    for (size_t t = 1; t < nthreads; t++) {
        if (started[t])
            pthread_join(tid[t], NULL);
        else
            work_run(&wk[t]); /* no thread to be had: do its share here */
    }
    for (size_t t = 0; t < nthreads; t++)
        if (wk[t].rc != AIWB_OK)
            rc = wk[t].rc;
    api->free(wk);
    api->free(tid);
    api->free(started);
    return rc;
}

/* ---------------------------------------------------------------------------
 * Report, save, load.
 */

static int
knn_report(const void *state, struct aiwb_table *t)
{
    const struct knn *s = state;
    char *text;

    if (!s->fitted)
        return AIWB_EINVAL;
    api->table_title(t, "knn: the model");
    api->table_column(t, "setting", AIWB_TABLE_TEXT);
    api->table_column(t, "value", AIWB_TABLE_TEXT);
    api->table_text(t, "task");
    api->table_text(t, s->classify ? "classification" : "regression");
    api->table_text(t, "training rows");
    text = api->format("%zu", s->n);
    api->table_text(t, text);
    api->free(text);
    api->table_text(t, "features");
    text = api->format("%zu", s->p);
    api->table_text(t, text);
    api->free(text);
    api->table_text(t, "k");
    text = api->format("%" PRId64, s->k);
    api->table_text(t, text);
    api->free(text);
    api->table_text(t, "weights");
    api->table_text(t, s->distance ? "distance (1/d; rows at distance 0 win outright)"
                                   : "uniform");
    api->table_text(t, "metric");
    api->table_text(t, s->manhattan ? "manhattan" : "euclidean");
    api->table_note(t, "Of training rows at the same distance, the earlier is nearer");
    return AIWB_OK;
}

static int
knn_save(const void *state, struct aiwb_writer *w)
{
    const struct knn *s = state;
    int rc;

    if (!s->fitted)
        return AIWB_EINVAL;
    rc = api->put_int(w, "k", s->k);
    if (rc == AIWB_OK)
        rc = api->put_str(w, "weights", s->distance ? "distance" : "uniform");
    if (rc == AIWB_OK)
        rc = api->put_str(w, "metric", s->manhattan ? "manhattan" : "euclidean");
    if (rc == AIWB_OK)
        rc = api->put_int(w, "threads", s->threads);
    if (rc == AIWB_OK)
        rc = api->put_str(w, "task", s->classify ? "classification" : "regression");
    if (rc == AIWB_OK)
        rc = api->put_strs(w, "features", s->p, (const char *const *)s->features);
    if (rc == AIWB_OK)
        rc = api->put_strs(w, "classes", s->K, (const char *const *)s->classes);
    if (rc == AIWB_OK)
        rc = api->put_reals(w, "rows", s->n * s->p, s->T);
    if (rc == AIWB_OK)
        rc = api->put_reals(w, "targets", s->n, s->y);
    return rc;
}

static const struct aiwb_option_spec knn_options[] = {
    {.name = "k",
     .type = AIWB_OPT_INT,
     .def = "5",
     .min = 1,
     .max = INFINITY,
     .help = "how many nearest training rows vote (or are averaged)"},
    {.name = "weights",
     .type = AIWB_OPT_CHOICE,
     .def = "uniform",
     .choices = "uniform|distance",
     .help = "uniform: each neighbour counts alike; distance: by 1/distance, rows at "
             "distance 0 winning outright"},
    {.name = "metric",
     .type = AIWB_OPT_CHOICE,
     .def = "euclidean",
     .choices = "euclidean|manhattan",
     .help = "the distance between rows: euclidean (square root of the summed squared "
             "differences) or manhattan (summed absolute differences)"},
    {.name = "threads",
     .type = AIWB_OPT_INT,
     .def = "0",
     .min = 0,
     .max = KNN_MAX_THREADS,
     .help = "threads for predicting: 0 chooses (one a core, at most 4, for large "
             "predictions)"},
    {.name = NULL},
};

static const struct aiwb_algorithm_type knn_type = {
    .abi_version = AIWB_ABI_VERSION,
    .size = sizeof(struct aiwb_algorithm_type),
    .name = "knn",
    .summary = "k nearest neighbours: vote shares or mean of the k nearest training rows",
    .help = "The model keeps the training rows. Distances depend on the units of the\n"
            "features: standardise them first (train ... with standardize) unless\n"
            "their units are comparable. Of training rows at the same distance, the\n"
            "earlier one is nearer.",
    .options = knn_options,
    .flags = ALGO_KNN_FLAGS,
    .state_version = ALGO_KNN_STATE_VERSION,
    .state_size = sizeof(struct knn),
    .init = knn_init,
    .iterate = knn_iterate,
    .finish = knn_finish,
    .n_outputs = knn_n_outputs,
    .predict = predict_threads,
    .report = knn_report,
    .save = knn_save,
    .load = knn_load,
    .fini = knn_fini,
};

/* The module's entry point: registers the "knn" algorithm. */
int
aiwb_plugin_init(struct aiwb_plugin *p, const struct aiwb_host_api *host)
{
    AIWB_PLUGIN_BEGIN(p, host, api, "knn", "1.0.0");
    algo_knn_bind(host);
    return api->register_algorithm(p, &knn_type);
}
