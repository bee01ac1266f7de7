/*
 * test-mlp.c - the mlp algorithm plugin: backpropagation against finite
 * differences, training against scikit-learn's weights epoch for epoch,
 * XOR, accuracy and R^2 beside scikit-learn's, early stopping, save/load,
 * and every refusal.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Reference numbers: tests/data/mlp/sklearn-mlp.txt, with iris-std.csv and
 * diabetes-std.csv, made by tests/data/mlp/make-fixtures.py (see there to
 * regenerate).
 */
#include <config.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "core/codec.h"
#include "core/log.h"
#include "core/options.h"
#include "core/pipeline.h"
#include "core/registry.h"
#include "core/table.h"
#include "core/xalloc.h"
#include "testutil.h"

/* ---------------------------------------------------------------------------
 * Helpers: data, reference numbers, running the plugin.
 */

/* A problem: n rows of p features, class codes (k > 0) or a target (k = 0). */
struct data {
    size_t n, p, k;
    double *X; /* row-major, stride p */
    double *y;
    char **names;
};

static void
data_free(struct data *d)
{
    for (size_t j = 0; j < d->p; j++)
        free(d->names[j]);
    free(d->names);
    free(d->X);
    free(d->y);
    memset(d, 0, sizeof(*d));
}

static void
data_alloc(struct data *d, size_t n, size_t p, size_t k)
{
    memset(d, 0, sizeof(*d));
    d->n = n;
    d->p = p;
    d->k = k;
    d->X = xcalloc(n * p > 0 ? n * p : 1, sizeof(double));
    d->y = xcalloc(n > 0 ? n : 1, sizeof(double));
    d->names = xcalloc(p > 0 ? p : 1, sizeof(char *));
    for (size_t j = 0; j < p; j++)
        d->names[j] = xasprintf("f%zu", j);
}

/*
 * Read a CSV of numbers under tests/data: the target in the last column,
 * the column SKIP (if not NULL) left out. K classes (0: regression).
 */
static void
data_read(struct data *d, const char *rel, size_t k, const char *skip)
{
    char *path = tu_srcpath(rel);
    FILE *f = fopen(path, "r");
    char line[8192];
    size_t cols = 1, alloc = 0, skipcol = (size_t)-1;

    assert_non_null(f);
    memset(d, 0, sizeof(*d));
    d->k = k;
    assert_non_null(fgets(line, sizeof(line), f));
    line[strcspn(line, "\r\n")] = '\0';
    for (char *c = line; *c; c++)
        cols += *c == ',';
    d->names = xcalloc(cols, sizeof(char *));
    char *tok = strtok(line, ",");
    for (size_t j = 0; j + 1 < cols; j++, tok = strtok(NULL, ",")) {
        if (skip != NULL && strcmp(tok, skip) == 0)
            skipcol = j;
        else
            d->names[d->p++] = xstrdup(tok);
    }
    while (fgets(line, sizeof(line), f) != NULL) {
        char *p = line, *end;
        size_t at = 0;
        if (d->n == alloc) {
            alloc = alloc ? 2 * alloc : 256;
            d->X = xreallocarray(d->X, alloc * d->p, sizeof(double));
            d->y = xreallocarray(d->y, alloc, sizeof(double));
        }
        for (size_t j = 0; j < cols; j++) {
            double v = strtod(p, &end);
            assert_true(end != p);
            if (j + 1 == cols)
                d->y[d->n] = v;
            else if (j != skipcol)
                d->X[d->n * d->p + at++] = v;
            p = end + 1;
        }
        d->n++;
    }
    fclose(f);
    free(path);
}

/* Rows I with I % 5 == 0 (TEST) or the others of D, as a new problem. */
static void
data_fold(struct data *out, const struct data *d, int test)
{
    data_alloc(out, 0, d->p, d->k);
    out->X = xreallocarray(out->X, d->n * d->p, sizeof(double));
    out->y = xreallocarray(out->y, d->n, sizeof(double));
    for (size_t i = 0; i < d->n; i++) {
        if ((i % 5 == 0) != test)
            continue;
        memcpy(out->X + out->n * d->p, d->X + i * d->p, d->p * sizeof(double));
        out->y[out->n++] = d->y[i];
    }
}

/* The numbers on the line "KEY v1 v2 ..." of sklearn-mlp.txt (a new array). */
static double *
ref_get(const char *key, size_t *n)
{
    char *path = tu_srcpath("tests/data/mlp/sklearn-mlp.txt");
    FILE *f = fopen(path, "r");
    static char line[1 << 16];
    double *v = NULL;

    assert_non_null(f);
    *n = 0;
    while (fgets(line, sizeof(line), f) != NULL) {
        char *save = NULL, *tok = strtok_r(line, " \n", &save);
        if (tok == NULL || strcmp(tok, key) != 0)
            continue;
        while ((tok = strtok_r(NULL, " \n", &save)) != NULL) {
            v = xreallocarray(v, *n + 1, sizeof(double));
            v[(*n)++] = strtod(tok, NULL);
        }
        break;
    }
    fclose(f);
    free(path);
    if (*n == 0)
        fail_msg("no '%s' in sklearn-mlp.txt", key);
    return v;
}

#define assert_contains(hay, needle) assert_contains_((hay), (needle), __FILE__, __LINE__)
static void
assert_contains_(const char *hay, const char *needle, const char *file, int line)
{
    if (hay != NULL && strstr(hay, needle) != NULL)
        return;
    print_error("'%s' does not contain '%s'\n", hay ? hay : "(null)", needle);
    _fail(file, line);
}

static char logged[8192];

static void
log_capture(void *arg, enum aiwb_log_level level, const char *msg)
{
    (void)arg;
    (void)level;
    snprintf(logged + strlen(logged), sizeof(logged) - strlen(logged), "%s\n", msg);
}

static void
capture_start(void)
{
    logged[0] = '\0';
    log_set_sink(log_capture, NULL, AIWB_LOG_INFO);
}

static void
capture_stop(void)
{
    log_set_sink(NULL, NULL, AIWB_LOG_ERROR);
}

static const struct aiwb_algorithm_type *
mlp_type(void)
{
    const struct component *c;

    tu_load_plugins();
    c = registry_find(COMPONENT_ALGORITHM, "mlp");
    assert_non_null(c);
    return c->type.algorithm;
}

static const char *const class_names[] = {"alpha", "beta", "gamma", "delta", "epsilon"};

/* One instance of the plugin and its problem. */
struct run {
    const struct aiwb_algorithm_type *type;
    struct aiwb_options *opts;
    void *state;
    struct aiwb_problem prob;
    struct aiwb_step step;
    char *cause;
    int64_t epochs;
};

/* The option words WORDS (NULL-terminated) parsed against the spec. */
static struct aiwb_options *
parse(const char *const *words)
{
    size_t nw = 0;
    char *cause = NULL;
    struct aiwb_options *o;

    while (words != NULL && words[nw] != NULL)
        nw++;
    o = options_parse("mlp", mlp_type()->options, nw, (char *const *)words, &cause);
    if (o == NULL)
        fail_msg("%s", cause);
    return o;
}

/* A fresh state (or STATE, e.g. a loaded one) and init for D with WORDS. */
static int
run_init_state(struct run *r, void *state, const struct data *d, const char *const *words,
               uint64_t seed)
{
    memset(r, 0, sizeof(*r));
    r->type = mlp_type();
    r->opts = parse(words);
    r->state = state != NULL ? state : xcalloc(1, r->type->state_size);
    r->prob = (struct aiwb_problem){
        .n = d->n,
        .p = d->p,
        .X = d->X,
        .ldx = d->p,
        .y = d->y,
        .task = d->k > 0 ? AIWB_TASK_CLASSIFICATION : AIWB_TASK_REGRESSION,
        .n_classes = d->k,
        .feature_names = (const char *const *)d->names,
        .class_names = d->k > 0 ? class_names : NULL,
        .target_name = "label",
        .seed = seed,
    };
    return r->type->init(r->state, r->opts, &r->prob, &r->cause);
}

static int
run_init(struct run *r, const struct data *d, const char *const *words, uint64_t seed)
{
    return run_init_state(r, NULL, d, words, seed);
}

/* One iterate as the host calls it. */
static int
run_step(struct run *r)
{
    memset(&r->step, 0, sizeof(r->step));
    r->step.iteration = ++r->epochs;
    return r->type->iterate(r->state, &r->prob, &r->step, &r->cause);
}

/* Iterate until done (at most 100000 times), then finish. */
static int
run_rest(struct run *r)
{
    int rc;

    do
        rc = run_step(r);
    while (rc == AIWB_CONTINUE && r->epochs < 100000);
    if (rc != AIWB_OK)
        return rc;
    return r->type->finish(r->state, &r->prob, &r->cause);
}

static int
run_fit(struct run *r, const struct data *d, const char *const *words, uint64_t seed)
{
    int rc = run_init(r, d, words, seed);

    return rc == AIWB_OK ? run_rest(r) : rc;
}

static void
run_release(struct run *r)
{
    if (r->type != NULL && r->state != NULL)
        r->type->fini(r->state);
    free(r->state);
    free(r->cause);
    options_free(r->opts);
    memset(r, 0, sizeof(*r));
}

static int
step_has(const struct aiwb_step *s, const char *name)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->names[i], name) == 0)
            return 1;
    return 0;
}

static double
step_get(const struct aiwb_step *s, const char *name)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->names[i], name) == 0)
            return s->values[i];
    fail_msg("the step has no value '%s'", name);
    return NAN;
}

/* Predictions of a fitted run for D's rows: a new n x n_outputs array. */
static double *
run_predict(const struct run *r, const struct data *d)
{
    size_t k = r->type->n_outputs(r->state);
    double *out = xcalloc(d->n * k, sizeof(double));

    assert_int_equal(r->type->predict(r->state, d->n, d->X, d->p, out), AIWB_OK);
    return out;
}

/* Accuracy (classification) or R^2 (regression) of a fitted run on D. */
static double
run_score(const struct run *r, const struct data *d)
{
    double *out = run_predict(r, d), score = 0;

    if (d->k > 0) {
        for (size_t i = 0; i < d->n; i++) {
            size_t arg = 0;
            for (size_t c = 1; c < d->k; c++)
                arg = out[i * d->k + c] > out[i * d->k + arg] ? c : arg;
            score += arg == (size_t)d->y[i];
        }
        score /= (double)d->n;
    } else {
        double mean = 0, sse = 0, sst = 0;
        for (size_t i = 0; i < d->n; i++)
            mean += d->y[i] / (double)d->n;
        for (size_t i = 0; i < d->n; i++) {
            sse += (d->y[i] - out[i]) * (d->y[i] - out[i]);
            sst += (d->y[i] - mean) * (d->y[i] - mean);
        }
        score = 1 - sse / sst;
    }
    free(out);
    return score;
}

static struct aiwb_table *
run_report(const struct run *r)
{
    struct aiwb_table *t = table_new(NULL);

    assert_int_equal(r->type->report(r->state, t), AIWB_OK);
    return t;
}

/* Whether some note of T contains TEXT. */
static int
has_note(const struct aiwb_table *t, const char *text)
{
    for (size_t i = 0; i < t->nnotes; i++)
        if (strstr(t->notes[i], text) != NULL)
            return 1;
    return 0;
}

/* ---------------------------------------------------------------------------
 * The saved state, written and read as the plugin does (state version 1).
 */

static unsigned char *
save_blob(const struct aiwb_algorithm_type *type, const void *state, size_t *len)
{
    struct aiwb_writer *w = writer_new();
    unsigned char *blob;

    assert_int_equal(type->save(state, w), AIWB_OK);
    blob = codec_seal(w, len);
    writer_free(w);
    return blob;
}

static int
load_blob(const struct aiwb_algorithm_type *type, void *state, const unsigned char *blob,
          size_t len, unsigned version, char **cause)
{
    struct aiwb_reader *rd = reader_open(blob, len, cause);
    int rc;

    assert_non_null(rd);
    rc = type->load(state, rd, version, cause);
    reader_free(rd);
    return rc;
}

/* A network to write: its shape and weights; the rest takes defaults. */
struct net {
    size_t p, k; /* features; classes (0: regression) */
    size_t nh;
    int64_t hidden[2];
    const char *activation;
    const double *theta;
    size_t n_theta;
};

/* Write everything before the weights (for damaged blobs, stop early). */
static void
put_head(struct aiwb_writer *w, const struct net *nt)
{
    static const char *const feat[] = {"f0", "f1", "f2", "f3", "f4", "f5", "f6", "f7", "f8", "f9"};

    assert_true(nt->p <= 10 && nt->k <= 5);
    codec_put_str(w, "task", nt->k > 0 ? "classification" : "regression");
    codec_put_ints(w, "hidden", nt->nh, nt->hidden);
    codec_put_str(w, "activation", nt->activation);
    codec_put_str(w, "solver", "sgd");
    codec_put_real(w, "learning_rate", 0.1);
    codec_put_int(w, "batch", 200);
    codec_put_int(w, "max_iter", 200);
    codec_put_real(w, "alpha", 0);
    codec_put_real(w, "momentum", 0);
    codec_put_int(w, "nesterov", 0);
    codec_put_real(w, "validation", 0);
    codec_put_int(w, "patience", 10);
    codec_put_real(w, "tol", 1e-4);
    codec_put_int(w, "shuffle", 0);
    codec_put_int(w, "scale_target", 0);
    codec_put_strs(w, "features", nt->p, feat);
    codec_put_strs(w, "classes", nt->k, class_names);
    codec_put_str(w, "target", "label");
    codec_put_real(w, "y_mean", 0);
    codec_put_real(w, "y_scale", 1);
}

static void
put_tail(struct aiwb_writer *w)
{
    codec_put_int(w, "epochs", 0);
    codec_put_int(w, "best_epoch", 0);
    codec_put_str(w, "stop", "interrupted");
    codec_put_int(w, "n_train", 0);
    codec_put_int(w, "n_val", 0);
    codec_put_real(w, "loss", NAN);
    codec_put_real(w, "val_loss", NAN);
    codec_put_real(w, "val_score", NAN);
}

/* A new state loaded from NT. */
static void *
load_net(const struct net *nt)
{
    const struct aiwb_algorithm_type *type = mlp_type();
    struct aiwb_writer *w = writer_new();
    void *state = xcalloc(1, type->state_size);
    unsigned char *blob;
    char *cause = NULL;
    size_t len;

    put_head(w, nt);
    codec_put_reals(w, "weights", nt->n_theta, nt->theta);
    put_tail(w);
    blob = codec_seal(w, &len);
    writer_free(w);
    if (load_blob(type, state, blob, len, type->state_version, &cause) != AIWB_OK)
        fail_msg("%s", cause);
    free(blob);
    return state;
}

/* The weights a fitted state saves (a new array of *N). */
static double *
saved_weights(const void *state, size_t *n)
{
    const struct aiwb_algorithm_type *type = mlp_type();
    size_t len, cnt;
    unsigned char *blob = save_blob(type, state, &len);
    char *cause = NULL, *s;
    struct aiwb_reader *r = reader_open(blob, len, &cause);
    int64_t i, *ints;
    double x, *weights;
    char **strs;

    assert_non_null(r);
    assert_int_equal(codec_get_str(r, "task", &s), AIWB_OK);
    free(s);
    assert_int_equal(codec_get_ints(r, "hidden", &cnt, &ints), AIWB_OK);
    free(ints);
    static const char *const head[] = {
        "s:activation",   "s:solver",   "r:learning_rate", "i:batch",    "i:max_iter", "r:alpha",
        "r:momentum",     "i:nesterov", "r:validation",    "i:patience", "r:tol",      "i:shuffle",
        "i:scale_target", "a:features", "a:classes",       "s:target",   "r:y_mean",   "r:y_scale"};
    for (size_t k = 0; k < sizeof(head) / sizeof(head[0]); k++) {
        const char *key = head[k] + 2;
        int rc = head[k][0] == 's'   ? codec_get_str(r, key, &s)
                 : head[k][0] == 'r' ? codec_get_real(r, key, &x)
                 : head[k][0] == 'i' ? codec_get_int(r, key, &i)
                                     : codec_get_strs(r, key, &cnt, &strs);
        assert_int_equal(rc, AIWB_OK);
        if (head[k][0] == 's')
            free(s);
        if (head[k][0] == 'a') {
            for (size_t c = 0; c < cnt; c++)
                free(strs[c]);
            free(strs);
        }
    }
    assert_int_equal(codec_get_reals(r, "weights", n, &weights), AIWB_OK);
    reader_free(r);
    free(blob);
    return weights;
}

/* ---------------------------------------------------------------------------
 * Backpropagation against finite differences.
 */

#define GC_LR 1e-3

/*
 * Load THETA into a network of shape NT, train one full-batch epoch of plain
 * gradient descent (learning rate GC_LR) with ALPHA: the step's loss is the
 * loss at THETA, and the weights move by GC_LR times its gradient, which
 * goes into GRAD when not NULL. Returns the loss.
 */
static double
loss_and_grad(const struct data *d, const struct net *nt, const char *alpha, double *grad)
{
    char batch[48], lr[48];
    const char *words[] = {"solver=sgd",    "momentum=0", lr,           batch, "validation=0",
                           "shuffle=false", alpha,        "max_iter=1", NULL};
    struct run r;
    double loss;

    snprintf(batch, sizeof batch, "batch=%zu", d->n);
    snprintf(lr, sizeof lr, "learning_rate=%.17g", GC_LR);
    if (run_init_state(&r, load_net(nt), d, words, 1) != AIWB_OK)
        fail_msg("%s", r.cause);
    assert_int_equal(run_step(&r), AIWB_OK);
    loss = step_get(&r.step, "loss");
    assert_int_equal(r.type->finish(r.state, &r.prob, &r.cause), AIWB_OK);
    if (grad != NULL) {
        size_t n;
        double *after = saved_weights(r.state, &n);
        assert_int_equal(n, nt->n_theta);
        for (size_t i = 0; i < n; i++)
            grad[i] = (nt->theta[i] - after[i]) / GC_LR;
        free(after);
    }
    run_release(&r);
    return loss;
}

/* Compare backpropagation with central differences on a tiny network. */
static void
check_gradient(size_t k, const char *act, size_t nh, int64_t h1, int64_t h2, unsigned long seed)
{
    const size_t n = 7, p = 3, out = k == 0 ? 1 : (k == 2 ? 1 : k);
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    struct data d;
    size_t units[4] = {p, (size_t)h1, nh == 2 ? (size_t)h2 : out, out}, np = 0;
    double theta[256], bp[256], big = 0, h = 1e-6;

    gsl_rng_set(rng, seed);
    data_alloc(&d, n, p, k);
    for (size_t i = 0; i < n * p; i++)
        d.X[i] = gsl_ran_gaussian(rng, 1.0);
    for (size_t i = 0; i < n; i++)
        d.y[i] = k > 0 ? (double)(i % k) : gsl_ran_gaussian(rng, 1.0);
    for (size_t l = 0; l <= nh; l++)
        np += (units[l] + 1) * units[l + 1];
    assert_true(np <= 256);
    for (size_t i = 0; i < np; i++)
        theta[i] = gsl_rng_uniform(rng) * 2 - 1;
    struct net nt = {.p = p,
                     .k = k,
                     .nh = nh,
                     .hidden = {h1, h2},
                     .activation = act,
                     .theta = theta,
                     .n_theta = np};
    loss_and_grad(&d, &nt, "alpha=0.3", bp);
    for (size_t i = 0; i < np; i++)
        big = fmax(big, fabs(bp[i]));
    assert_true(big > 1e-3);
    for (size_t i = 0; i < np; i++) {
        double keep = theta[i], up, down, num;
        theta[i] = keep + h;
        up = loss_and_grad(&d, &nt, "alpha=0.3", NULL);
        theta[i] = keep - h;
        down = loss_and_grad(&d, &nt, "alpha=0.3", NULL);
        theta[i] = keep;
        num = (up - down) / (2 * h);
        if (fabs(num - bp[i]) > 1e-6 * fmax(fabs(bp[i]), 1e-2 * big))
            fail_msg("%s, %zu classes, parameter %zu: backpropagation %.12g, finite "
                     "differences %.12g",
                     act, k, i, bp[i], num);
    }
    data_free(&d);
    gsl_rng_free(rng);
}

static void
test_gradient_check(void **unused)
{
    (void)unused;
    /* softmax, one logistic unit, linear output; each hidden activation */
    check_gradient(3, "tanh", 2, 4, 3, 1);
    check_gradient(3, "logistic", 1, 5, 0, 2);
    check_gradient(2, "tanh", 1, 4, 0, 3);
    check_gradient(2, "logistic", 2, 3, 4, 4);
    check_gradient(0, "tanh", 2, 4, 2, 5);
    check_gradient(0, "identity", 1, 3, 0, 6);
    check_gradient(4, "relu", 2, 5, 4, 7);
    check_gradient(0, "relu", 1, 6, 0, 8);
}

/* ---------------------------------------------------------------------------
 * Epoch for epoch as scikit-learn.
 */

/*
 * From sklearn's initial weights NAME.init, train EPOCHS epochs with WORDS
 * (no shuffling, no validation, as sklearn was): every epoch's loss and the
 * final weights as sklearn's to 1e-8.
 */
static void
check_exact(const char *name, const struct data *d, size_t nh, int64_t h1, int64_t h2,
            const char *act, const char *const *words, size_t epochs)
{
    char key[64];
    size_t n_init, n_final, n_loss, n;
    double *init, *final, *curve, *got;
    struct run r;

    snprintf(key, sizeof key, "%s.init", name);
    init = ref_get(key, &n_init);
    snprintf(key, sizeof key, "%s.final", name);
    final = ref_get(key, &n_final);
    snprintf(key, sizeof key, "%s.loss", name);
    curve = ref_get(key, &n_loss);
    assert_int_equal(n_init, n_final);
    assert_int_equal(n_loss, epochs);
    struct net nt = {.p = d->p,
                     .k = d->k,
                     .nh = nh,
                     .hidden = {h1, h2},
                     .activation = act,
                     .theta = init,
                     .n_theta = n_init};
    if (run_init_state(&r, load_net(&nt), d, words, 1) != AIWB_OK)
        fail_msg("%s", r.cause);
    for (size_t e = 0; e < epochs; e++) {
        int rc = run_step(&r);
        assert_int_equal(rc, e + 1 == epochs ? AIWB_OK : AIWB_CONTINUE);
        tu_assert_rel(step_get(&r.step, "loss"), curve[e], 1e-8);
    }
    assert_int_equal(r.type->finish(r.state, &r.prob, &r.cause), AIWB_OK);
    got = saved_weights(r.state, &n);
    assert_int_equal(n, n_final);
    for (size_t i = 0; i < n; i++)
        tu_assert_rel(got[i], final[i], 1e-8);
    free(got);
    free(init);
    free(final);
    free(curve);
    run_release(&r);
}

static void
test_like_sklearn_exactly(void **unused)
{
    struct data d;
    const char *iris_gd[] = {
        "solver=sgd",   "learning_rate=0.1", "batch=150", "momentum=0",  "alpha=1e-3",
        "validation=0", "shuffle=false",     "tol=0",     "max_iter=50", NULL};
    const char *binary_nesterov[] = {
        "solver=sgd", "learning_rate=0.05", "batch=300",     "momentum=0.9", "nesterov=true",
        "alpha=1e-2", "validation=0",       "shuffle=false", "tol=0",        "max_iter=40",
        NULL};
    const char *diabetes_adam[] = {"solver=adam", "learning_rate=0.01", "batch=64",
                                   "alpha=1e-4",  "validation=0",       "shuffle=false",
                                   "tol=0",       "max_iter=20",        NULL};
    const char *iris_momentum[] = {
        "solver=sgd", "learning_rate=0.05", "batch=32",      "momentum=0.5", "nesterov=false",
        "alpha=0",    "validation=0",       "shuffle=false", "tol=0",        "max_iter=30",
        NULL};

    (void)unused;
    data_read(&d, "tests/data/mlp/iris-std.csv", 3, NULL);
    assert_int_equal(d.n, 150);
    check_exact("iris_tanh_gd", &d, 2, 5, 4, "tanh", iris_gd, 50);
    check_exact("iris_identity_momentum", &d, 1, 3, 0, "identity", iris_momentum, 30);
    data_free(&d);
    data_read(&d, "tests/data/algo/binary.csv", 2, "w");
    assert_int_equal(d.p, 4);
    check_exact("binary_relu_nesterov", &d, 1, 6, 0, "relu", binary_nesterov, 40);
    data_free(&d);
    data_read(&d, "tests/data/mlp/diabetes-std.csv", 0, NULL);
    assert_int_equal(d.n, 442);
    assert_int_equal(d.p, 10);
    check_exact("diabetes_logistic_adam", &d, 2, 8, 3, "logistic", diabetes_adam, 20);
    data_free(&d);
}

/* ---------------------------------------------------------------------------
 * What it learns.
 */

static void
test_xor(void **unused)
{
    struct data d;
    const char *tanh_words[] = {"hidden=8", "activation=tanh", "learning_rate=0.05", "validation=0",
                                "batch=4",  "max_iter=2000",   "patience=100",       NULL};
    const char *relu_words[] = {"hidden=8,8", "learning_rate=0.02", "validation=0",
                                "batch=4",    "max_iter=2000",      "patience=100",
                                NULL};
    const char *const *cases[] = {tanh_words, relu_words};

    (void)unused;
    data_alloc(&d, 4, 2, 2);
    for (size_t i = 0; i < 4; i++) {
        d.X[2 * i] = (double)(i & 1);
        d.X[2 * i + 1] = (double)(i >> 1);
        d.y[i] = (double)((i & 1) ^ (i >> 1));
    }
    for (size_t c = 0; c < 2; c++) {
        for (uint64_t seed = 1; seed <= 5; seed++) {
            struct run r;
            if (run_fit(&r, &d, cases[c], seed) != AIWB_OK)
                fail_msg("%s", r.cause);
            double *out = run_predict(&r, &d);
            for (size_t i = 0; i < 4; i++) {
                if (fabs(out[2 * i + 1] - d.y[i]) > 0.1)
                    fail_msg("XOR %s seed %d: row %zu has P(1) = %g", cases[c][0], (int)seed, i,
                             out[2 * i + 1]);
                tu_assert_rel(out[2 * i] + out[2 * i + 1], 1.0, 1e-15);
            }
            free(out);
            run_release(&r);
        }
    }
    data_free(&d);
}

/*
 * Mean test accuracy (iris) and R^2 (diabetes) over ten seeds beside
 * scikit-learn's with the same settings: rows i % 5 == 0 are the test set.
 */
static void
test_quality_like_sklearn(void **unused)
{
    static const struct {
        const char *file, *key;
        size_t k;
        const char *words[6];
    } cases[] = {
        {"tests/data/mlp/iris-std.csv",
         "iris_acc.sklearn",
         3,
         {"hidden=16", "learning_rate=0.01", "max_iter=300", "validation=0", NULL}},
        {"tests/data/mlp/diabetes-std.csv",
         "diabetes_r2.sklearn",
         0,
         {"hidden=32", "learning_rate=0.001", "max_iter=200", "validation=0", NULL}},
    };

    (void)unused;
    for (size_t c = 0; c < 2; c++) {
        struct data all, train, test;
        size_t nref;
        double *ref = ref_get(cases[c].key, &nref), ours = 0, theirs = 0;

        data_read(&all, cases[c].file, cases[c].k, NULL);
        data_fold(&train, &all, 0);
        data_fold(&test, &all, 1);
        for (uint64_t seed = 1; seed <= 10; seed++) {
            struct run r;
            assert_int_equal(run_fit(&r, &train, cases[c].words, seed), AIWB_OK);
            ours += run_score(&r, &test) / 10;
            run_release(&r);
        }
        for (size_t i = 0; i < nref; i++)
            theirs += ref[i] / (double)nref;
        print_message("%s: aiwb %.4f, scikit-learn %.4f (mean of 10 seeds)\n", cases[c].key, ours,
                      theirs);
        if (fabs(ours - theirs) > 0.04)
            fail_msg("%s: %.4f, scikit-learn %.4f", cases[c].key, ours, theirs);
        free(ref);
        data_free(&test);
        data_free(&train);
        data_free(&all);
    }
}

/* The same seed gives the same network; another seed another. */
static void
test_seed_repeats(void **unused)
{
    struct data d;
    const char *words[] = {"hidden=10,5", "max_iter=15", NULL};
    unsigned char *blob[3];
    size_t len[3];

    (void)unused;
    data_read(&d, "tests/data/mlp/iris-std.csv", 3, NULL);
    /* 42, 42 again, and 42 with 5 in the high word (folded to 47, not ignored). */
    for (size_t i = 0; i < 3; i++) {
        struct run r;
        assert_int_equal(run_fit(&r, &d, words, i < 2 ? 42 : 42 | (UINT64_C(5) << 32)), AIWB_OK);
        blob[i] = save_blob(r.type, r.state, &len[i]);
        run_release(&r);
    }
    assert_int_equal(len[0], len[1]);
    assert_memory_equal(blob[0], blob[1], len[0]);
    assert_true(len[0] != len[2] || memcmp(blob[0], blob[2], len[0]) != 0);
    for (size_t i = 0; i < 3; i++)
        free(blob[i]);
    data_free(&d);
}

/* A noisy regression that a big network overfits: validation stops it. */
static void
noisy_problem(struct data *d, size_t n, unsigned long seed)
{
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);

    gsl_rng_set(rng, seed);
    data_alloc(d, n, 4, 0);
    for (size_t i = 0; i < n; i++) {
        double *x = d->X + i * 4;
        for (size_t j = 0; j < 4; j++)
            x[j] = gsl_ran_gaussian(rng, 1.0);
        d->y[i] = x[0] - 0.5 * x[1] + gsl_ran_gaussian(rng, 1.0);
    }
    gsl_rng_free(rng);
}

/*
 * Early stopping: the run converges on patience before max_iter, keeps the
 * weights of the epoch with the lowest validation loss (those a run of
 * that many epochs reaches, with the same seed), and says so.
 */
static void
test_early_stopping(void **unused)
{
    struct data d;
    struct run r, again;
    const char *words[] = {"hidden=64,64",
                           "learning_rate=0.01",
                           "batch=32",
                           "validation=0.25",
                           "max_iter=500",
                           "alpha=0",
                           NULL};
    double curve[500], best = HUGE_VAL;
    int64_t best_epoch = 0;
    char max_iter[32];
    int rc;

    (void)unused;
    noisy_problem(&d, 200, 3);
    assert_int_equal(run_init(&r, &d, words, 7), AIWB_OK);
    capture_start();
    do {
        rc = run_step(&r);
        assert_true(step_has(&r.step, "val_loss") && step_has(&r.step, "val_r2"));
        curve[r.epochs - 1] = step_get(&r.step, "val_loss");
        if (curve[r.epochs - 1] < best) {
            best = curve[r.epochs - 1];
            best_epoch = r.epochs;
        }
    } while (rc == AIWB_CONTINUE);
    capture_stop();
    assert_int_equal(rc, AIWB_OK);
    assert_true(step_get(&r.step, "converged") == 1);
    assert_true(r.epochs < 100);
    assert_true(r.epochs - best_epoch >= 11);
    assert_contains(logged, "mlp: the validation loss has not improved by tol=0.0001 for 11 "
                            "epochs");
    assert_int_equal(r.type->finish(r.state, &r.prob, &r.cause), AIWB_OK);
    struct aiwb_table *t = run_report(&r);
    char text[128];
    snprintf(text, sizeof text, "Kept the weights of epoch %d: ", (int)best_epoch);
    assert_true(has_note(t, text));
    assert_true(has_note(t, "on 150 rows, 50 held out"));
    table_free(t);

    /* The same seed for best_epoch epochs reaches the kept weights. */
    snprintf(max_iter, sizeof max_iter, "max_iter=%d", (int)best_epoch);
    const char *short_words[] = {words[0], words[1], words[2], words[3], max_iter, words[5], NULL};
    capture_start();
    assert_int_equal(run_fit(&again, &d, short_words, 7), AIWB_OK);
    capture_stop();
    size_t n1, n2;
    double *w1 = saved_weights(r.state, &n1), *w2 = saved_weights(again.state, &n2);
    assert_int_equal(n1, n2);
    assert_memory_equal(w1, w2, n1 * sizeof(double));
    free(w1);
    free(w2);
    run_release(&again);
    run_release(&r);
    data_free(&d);
}

/*
 * The held-out rows keep the classes' shares: a network that says class 0
 * for every row (a zero network with an output bias of -10, trained with a
 * negligible learning rate) scores the held-out share of class 0.
 */
static void
test_validation_is_stratified(void **unused)
{
    struct data d;
    double theta[9] = {0};
    struct net nt = {
        .p = 2, .k = 2, .nh = 1, .hidden = {2}, .activation = "relu", .theta = theta, .n_theta = 9};
    static const struct {
        const char *validation;
        double accuracy;
    } cases[] = {{"validation=0.1", 9.0 / 10}, {"validation=0.25", 23.0 / 25}};

    (void)unused;
    theta[8] = -10; /* W1 (2 x 2), b1 (2), W2 (2 x 1), b2 */
    data_alloc(&d, 100, 2, 2);
    for (size_t i = 0; i < d.n; i++) {
        d.X[2 * i] = (double)i / 50 - 1;
        d.X[2 * i + 1] = (double)(i % 7) / 3 - 1;
        d.y[i] = i >= 90; /* 90 of class 0, 10 of class 1 */
    }
    for (size_t c = 0; c < 2; c++) {
        for (uint64_t seed = 1; seed <= 5; seed++) {
            const char *words[] = {"solver=sgd", "learning_rate=1e-12", cases[c].validation, NULL};
            struct run r;
            assert_int_equal(run_init_state(&r, load_net(&nt), &d, words, seed), AIWB_OK);
            assert_int_equal(run_step(&r), AIWB_CONTINUE);
            tu_assert_rel(step_get(&r.step, "val_accuracy"), cases[c].accuracy, 1e-15);
            run_release(&r);
        }
    }
    data_free(&d);
}

/* Without validation, the training loss decides (sklearn's rule), the last weights are kept. */
static void
test_patience_on_training_loss(void **unused)
{
    struct data d;
    struct run r;
    const char *words[] = {"hidden=5", "validation=0", "tol=10", "patience=2", NULL};

    (void)unused;
    data_read(&d, "tests/data/mlp/iris-std.csv", 3, NULL);
    capture_start();
    assert_int_equal(run_fit(&r, &d, words, 1), AIWB_OK);
    capture_stop();
    /* Epoch 1 sets the best; 2, 3 and 4 do not beat it by 10: 3 > patience
     * (scikit-learn's n_iter_ with n_iter_no_change=2, tol=10 is 4 too). */
    assert_int_equal(r.epochs, 4);
    assert_true(step_get(&r.step, "converged") == 1);
    assert_false(step_has(&r.step, "val_loss"));
    assert_contains(logged, "mlp: the training loss has not improved by tol=10 for 3 epochs: "
                            "stopped at epoch 4\n");
    struct aiwb_table *t = run_report(&r);
    assert_true(has_note(t, "Stopped at epoch 4: the training loss had not improved by tol=10 "
                            "for more than patience=2 epochs"));
    assert_true(has_note(t, "Training loss of the last epoch: "));
    table_free(t);
    run_release(&r);
    data_free(&d);
}

static void
test_max_iter(void **unused)
{
    struct data d;
    struct run r;
    const char *words[] = {"max_iter=3", NULL};

    (void)unused;
    data_read(&d, "tests/data/mlp/iris-std.csv", 3, NULL);
    capture_start();
    assert_int_equal(run_fit(&r, &d, words, 1), AIWB_OK);
    capture_stop();
    assert_int_equal(r.epochs, 3);
    assert_true(step_get(&r.step, "converged") == 0);
    assert_contains(logged, "mlp: stopped after max_iter=3 epochs without converging");
    /* Called again after the end, iterate does nothing. */
    assert_int_equal(r.type->iterate(r.state, &r.prob, &r.step, &r.cause), AIWB_OK);
    struct aiwb_table *t = run_report(&r);
    assert_true(has_note(t, "Did not converge within max_iter=3 epochs"));
    table_free(t);
    run_release(&r);
    data_free(&d);
}

/* Stopped by the user: the model is usable as it stands, and says so. */
static void
test_cancelled(void **unused)
{
    struct data d;
    struct run r;

    (void)unused;
    data_read(&d, "tests/data/mlp/iris-std.csv", 3, NULL);
    assert_int_equal(run_init(&r, &d, NULL, 1), AIWB_OK);
    assert_int_equal(r.type->finish(r.state, &r.prob, &r.cause), AIWB_OK);
    double *out = run_predict(&r, &d);
    for (size_t i = 0; i < d.n; i++)
        tu_assert_rel(out[3 * i] + out[3 * i + 1] + out[3 * i + 2], 1.0, 1e-14);
    free(out);
    run_release(&r);

    assert_int_equal(run_init(&r, &d, NULL, 1), AIWB_OK);
    assert_int_equal(run_step(&r), AIWB_CONTINUE);
    assert_int_equal(run_step(&r), AIWB_CONTINUE);
    assert_int_equal(r.type->finish(r.state, &r.prob, &r.cause), AIWB_OK);
    struct aiwb_table *t = run_report(&r);
    assert_true(has_note(t, "Stopped after 2 epochs, before it converged"));
    assert_true(has_note(t, "Kept the weights of epoch 2"));
    table_free(t);
    out = run_predict(&r, &d);
    for (size_t i = 0; i < d.n; i++)
        tu_assert_rel(out[3 * i] + out[3 * i + 1] + out[3 * i + 2], 1.0, 1e-14);
    free(out);
    run_release(&r);
    data_free(&d);
}

/* ---------------------------------------------------------------------------
 * Predictions and the report.
 */

/* Probabilities sum to one; a long input predicts as row by row; regression in y's units. */
static void
test_predict(void **unused)
{
    struct data d;
    struct run r;
    const char *words[] = {"hidden=7", "max_iter=5", NULL};
    const char *linear[] = {"hidden=3",           "activation=identity", "scale_target=true",
                            "learning_rate=0.01", "max_iter=300",        NULL};

    (void)unused;
    data_read(&d, "tests/data/algo/binary.csv", 2, "w");
    assert_int_equal(run_fit(&r, &d, words, 1), AIWB_OK);
    assert_int_equal(r.type->n_outputs(r.state), 2);
    double *all = run_predict(&r, &d), one[2];
    for (size_t i = 0; i < d.n; i++) {
        assert_int_equal(r.type->predict(r.state, 1, d.X + i * d.p, d.p, one), AIWB_OK);
        assert_memory_equal(one, all + 2 * i, sizeof one);
        tu_assert_rel(all[2 * i] + all[2 * i + 1], 1.0, 1e-15);
    }
    free(all);
    struct aiwb_table *t = run_report(&r);
    assert_int_equal(table_rows(t), 3);
    assert_string_equal(table_cell(t, 2, 0)->v.s, "output");
    assert_int_equal(table_cell(t, 2, 1)->v.i, 1); /* one logistic unit for two classes */
    assert_string_equal(table_cell(t, 2, 2)->v.s, "logistic");
    assert_int_equal(table_cell(t, 1, 3)->v.i, 5 * 7);
    table_free(t);
    assert_int_equal(r.type->predict(r.state, 0, d.X, d.p, one), AIWB_OK);
    run_release(&r);
    data_free(&d);

    /* y = 1000 + 500 x0 - 200 x1: learnt standardised, predicted in its units. */
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    data_alloc(&d, 600, 2, 0);
    for (size_t i = 0; i < d.n; i++) {
        d.X[2 * i] = gsl_ran_gaussian(rng, 1.0);
        d.X[2 * i + 1] = gsl_ran_gaussian(rng, 1.0);
        d.y[i] = 1000 + 500 * d.X[2 * i] - 200 * d.X[2 * i + 1];
    }
    gsl_rng_free(rng);
    capture_start();
    assert_int_equal(run_fit(&r, &d, linear, 1), AIWB_OK);
    capture_stop();
    assert_true(strstr(logged, "target") == NULL);
    double *out = run_predict(&r, &d);
    for (size_t i = 0; i < d.n; i++)
        assert_true(fabs(out[i] - d.y[i]) < 5);
    free(out);
    t = run_report(&r);
    assert_true(has_note(t, "The network learns (label - 1"));
    table_free(t);
    run_release(&r);
    data_free(&d);
}

static void
test_report(void **unused)
{
    struct data d;
    struct run r;
    const char *words[] = {"hidden=16,8", "activation=tanh", "max_iter=2", NULL};

    (void)unused;
    data_read(&d, "tests/data/mlp/iris-std.csv", 3, NULL);
    capture_start();
    assert_int_equal(run_fit(&r, &d, words, 1), AIWB_OK);
    capture_stop();
    struct aiwb_table *t = run_report(&r);
    assert_string_equal(t->title, "mlp: network");
    assert_int_equal(table_rows(t), 4);
    static const char *const layer[] = {"input", "hidden 1", "hidden 2", "output"};
    static const char *const act[] = {"", "tanh", "tanh", "softmax"};
    static const int64_t units[] = {4, 16, 8, 3}, params[] = {0, 80, 136, 27};
    for (size_t i = 0; i < 4; i++) {
        assert_string_equal(table_cell(t, i, 0)->v.s, layer[i]);
        assert_int_equal(table_cell(t, i, 1)->v.i, units[i]);
        assert_string_equal(table_cell(t, i, 2)->v.s, act[i]);
        assert_int_equal(table_cell(t, i, 3)->v.i, params[i]);
    }
    assert_true(has_note(t, "Trained with adam (learning_rate 0.001, batch 200, alpha 0.0001) "
                            "on 135 rows, 15 held out; hidden=16,8, 243 parameters"));
    table_free(t);
    run_release(&r);
    data_free(&d);
}

/* Features and targets far from unit scale are named in a warning. */
static void
test_scale_warnings(void **unused)
{
    struct data d;
    struct run r;
    const char *words[] = {"max_iter=1", "hidden=2", NULL};

    (void)unused;
    data_read(&d, "tests/data/mlp/iris-std.csv", 3, NULL);
    capture_start();
    assert_int_equal(run_fit(&r, &d, words, 1), AIWB_OK);
    capture_stop();
    assert_true(strstr(logged, "scale") == NULL);
    run_release(&r);
    for (size_t i = 0; i < d.n; i++) {
        d.X[i * 4] = d.X[i * 4] * 100 + 500;
        d.X[i * 4 + 2] *= 1e-3;
    }
    capture_start();
    assert_int_equal(run_fit(&r, &d, words, 1), AIWB_OK);
    capture_stop();
    assert_contains(logged, "mlp: 2 features are far from unit scale, 'sepal_length' (mean "
                            "500, root mean square 510), 'petal_length' (mean ");
    assert_contains(logged, "a network learns best on standardised features (train mlp ... "
                            "with standardize)");
    run_release(&r);
    data_free(&d);

    data_read(&d, "tests/data/mlp/diabetes-std.csv", 0, NULL);
    for (size_t i = 0; i < d.n; i++)
        d.y[i] = 150 + 75 * d.y[i];
    capture_start();
    assert_int_equal(run_fit(&r, &d, words, 1), AIWB_OK);
    capture_stop();
    assert_contains(logged, "mlp: the target 'label' has mean 150 and standard deviation 75: "
                            "the network learns it faster standardised (scale_target=true)");
    run_release(&r);
    data_free(&d);
}

/* ---------------------------------------------------------------------------
 * Saving and loading.
 */

static void
round_trip(const struct data *d, const char *const *words)
{
    struct run r;
    size_t len, len2, k;
    char *cause = NULL;

    capture_start();
    assert_int_equal(run_fit(&r, d, words, 5), AIWB_OK);
    capture_stop();
    k = r.type->n_outputs(r.state);
    unsigned char *blob = save_blob(r.type, r.state, &len);
    void *copy = xcalloc(1, r.type->state_size);
    assert_int_equal(load_blob(r.type, copy, blob, len, r.type->state_version, &cause), AIWB_OK);
    assert_null(cause);
    assert_int_equal(r.type->n_outputs(copy), k);
    double *p1 = run_predict(&r, d), *p2 = xcalloc(d->n * k, sizeof(double));
    assert_int_equal(r.type->predict(copy, d->n, d->X, d->p, p2), AIWB_OK);
    assert_memory_equal(p1, p2, d->n * k * sizeof(double));
    struct aiwb_table *t1 = run_report(&r), *t2 = table_new(NULL);
    assert_int_equal(r.type->report(copy, t2), AIWB_OK);
    assert_int_equal(table_rows(t1), table_rows(t2));
    assert_int_equal(t1->nnotes, t2->nnotes);
    for (size_t i = 0; i < t1->nnotes; i++)
        assert_string_equal(t1->notes[i], t2->notes[i]);
    unsigned char *blob2 = save_blob(r.type, copy, &len2);
    assert_int_equal(len, len2);
    assert_memory_equal(blob, blob2, len);
    free(blob2);
    table_free(t1);
    table_free(t2);
    free(p1);
    free(p2);
    r.type->fini(copy);
    free(copy);
    free(blob);
    run_release(&r);
}

static void
test_save_load_round_trip(void **unused)
{
    struct data d;
    const char *cls[] = {"hidden=8,4", "max_iter=20", NULL};
    const char *reg[] = {"hidden=6",    "activation=logistic", "solver=sgd", "scale_target=true",
                         "max_iter=10", "validation=0",        NULL};

    (void)unused;
    data_read(&d, "tests/data/mlp/iris-std.csv", 3, NULL);
    round_trip(&d, cls);
    data_free(&d);
    data_read(&d, "tests/data/algo/binary.csv", 2, "w");
    round_trip(&d, cls);
    data_free(&d);
    data_read(&d, "tests/data/mlp/diabetes-std.csv", 0, NULL);
    round_trip(&d, reg);
    data_free(&d);
}

static void
test_load_refuses_damage(void **unused)
{
    const struct aiwb_algorithm_type *type = mlp_type();
    void *state = xcalloc(1, type->state_size);
    double theta[64] = {0}, out[3], x[4] = {0};
    struct net nt = {.p = 4,
                     .k = 3,
                     .nh = 1,
                     .hidden = {5},
                     .activation = "relu",
                     .theta = theta,
                     .n_theta = 5 * 5 + 6 * 3};
    struct aiwb_writer *w;
    unsigned char *blob;
    char *cause = NULL;
    size_t len;

    (void)unused;
    /* A good one first: it loads and predicts. */
    void *good = load_net(&nt);
    assert_int_equal(type->predict(good, 1, x, 4, out), AIWB_OK);
    tu_assert_rel(out[0], 1.0 / 3, 1e-15);
    type->fini(good);
    free(good);

    w = writer_new();
    put_head(w, &nt);
    codec_put_reals(w, "weights", 40, theta);
    put_tail(w);
    blob = codec_seal(w, &len);
    writer_free(w);
    assert_int_equal(load_blob(type, state, blob, len, 7, &cause), AIWB_ENOTSUP);
    assert_string_equal(cause, "mlp: cannot read a model saved with state version 7 (this "
                               "plugin reads version 1)");
    free(cause);
    cause = NULL;
    assert_int_equal(load_blob(type, state, blob, len, 1, &cause), AIWB_EDATA);
    assert_string_equal(cause, "mlp: the saved model is corrupt: 40 weights for 4 features, "
                               "hidden=5 and 3 outputs (43 expected)");
    free(cause);
    cause = NULL;
    free(blob);

    /* Cut short after the names. */
    w = writer_new();
    put_head(w, &nt);
    blob = codec_seal(w, &len);
    writer_free(w);
    assert_int_equal(load_blob(type, state, blob, len, 1, &cause), AIWB_EDATA);
    assert_string_equal(cause, "mlp: the saved model is corrupt or incomplete (reading "
                               "'weights')");
    free(cause);
    cause = NULL;
    free(blob);

    /* An unknown activation, and three hidden layers. */
    nt.activation = "softplus";
    w = writer_new();
    put_head(w, &nt);
    blob = codec_seal(w, &len);
    writer_free(w);
    assert_int_equal(load_blob(type, state, blob, len, 1, &cause), AIWB_EDATA);
    assert_string_equal(cause, "mlp: the saved model is corrupt or incomplete (reading "
                               "'activation')");
    free(cause);
    cause = NULL;
    free(blob);
    nt.activation = "relu";
    nt.nh = 0;
    w = writer_new();
    put_head(w, &nt);
    blob = codec_seal(w, &len);
    writer_free(w);
    assert_int_equal(load_blob(type, state, blob, len, 1, &cause), AIWB_EDATA);
    assert_string_equal(cause, "mlp: the saved model is corrupt or incomplete (reading "
                               "'hidden')");
    free(cause);
    free(blob);

    /* After a failed load nothing is fitted. */
    assert_int_equal(type->predict(state, 1, x, 4, out), AIWB_EINVAL);
    struct aiwb_table *t = table_new(NULL);
    assert_int_equal(type->report(state, t), AIWB_EINVAL);
    table_free(t);
    struct aiwb_writer *w2 = writer_new();
    assert_int_equal(type->save(state, w2), AIWB_EINVAL);
    writer_free(w2);
    type->fini(state);
    free(state);
}

/* Continuing from a loaded network needs the same inputs and shape. */
static void
test_continue_refusals(void **unused)
{
    struct data d;
    struct run r;
    double theta[64] = {0};
    struct net nt = {.p = 4,
                     .k = 3,
                     .nh = 1,
                     .hidden = {5},
                     .activation = "relu",
                     .theta = theta,
                     .n_theta = 43};
    const char *other_hidden[] = {"hidden=6", NULL}, *other_act[] = {"activation=tanh", NULL};
    const char *same[] = {"hidden=5", "activation=relu", "max_iter=2", NULL};

    (void)unused;
    data_read(&d, "tests/data/mlp/iris-std.csv", 3, NULL);
    assert_int_equal(run_init_state(&r, load_net(&nt), &d, other_hidden, 1), AIWB_EINVAL);
    assert_string_equal(r.cause, "mlp: cannot continue training a network of hidden=5 with "
                                 "hidden=6");
    run_release(&r);
    assert_int_equal(run_init_state(&r, load_net(&nt), &d, other_act, 1), AIWB_EINVAL);
    assert_string_equal(r.cause, "mlp: cannot continue training a network of activation=relu "
                                 "with activation=tanh");
    run_release(&r);
    assert_int_equal(run_init_state(&r, load_net(&nt), &d, same, 1), AIWB_OK);
    assert_int_equal(run_rest(&r), AIWB_OK);
    run_release(&r);
    d.p = 3;
    assert_int_equal(run_init_state(&r, load_net(&nt), &d, NULL, 1), AIWB_EINVAL);
    assert_string_equal(r.cause, "mlp: cannot continue training a network of 4 features and "
                                 "classes on data with 3 features");
    run_release(&r);
    d.p = 4;
    data_free(&d);
}

/* ---------------------------------------------------------------------------
 * Refusals.
 */

static void
test_bad_data(void **unused)
{
    struct data d;
    struct run r;
    const char *tiny_split[] = {"validation=0.9", NULL};

    (void)unused;
    data_read(&d, "tests/data/mlp/iris-std.csv", 3, NULL);
    d.y[4] = 3;
    assert_int_equal(run_init(&r, &d, NULL, 1), AIWB_EDATA);
    assert_string_equal(r.cause, "mlp: row 5: the target 'label' is 3, not a class code 0..2");
    run_release(&r);
    d.y[4] = 0.5;
    assert_int_equal(run_init(&r, &d, NULL, 1), AIWB_EDATA);
    assert_contains(r.cause, "is 0.5, not a class code");
    run_release(&r);
    d.y[4] = 0;
    d.X[7 * 4 + 1] = NAN;
    assert_int_equal(run_init(&r, &d, NULL, 1), AIWB_EDATA);
    assert_string_equal(r.cause, "mlp: row 8 column 'sepal_width': nan is not a finite number");
    run_release(&r);
    d.X[7 * 4 + 1] = 0;
    size_t n = d.n;
    d.n = 0;
    assert_int_equal(run_init(&r, &d, NULL, 1), AIWB_EDATA);
    assert_string_equal(r.cause, "mlp: no rows: there is nothing to fit");
    run_release(&r);
    d.n = 3;
    assert_int_equal(run_init(&r, &d, tiny_split, 1), AIWB_EDATA);
    assert_contains(r.cause, "mlp: the target 'label' has a single class ('alpha') in the "
                             "training data");
    run_release(&r);
    d.y[1] = 1;
    assert_int_equal(run_init(&r, &d, tiny_split, 1), AIWB_EDATA);
    assert_string_equal(r.cause, "mlp: validation=0.9 holds out all 3 rows: none are left to "
                                 "train on");
    run_release(&r);
    d.n = n;
    d.k = 1;
    assert_int_equal(run_init(&r, &d, NULL, 1), AIWB_EDATA);
    assert_string_equal(r.cause, "mlp: the target 'label' has a single class: there is nothing "
                                 "to separate");
    run_release(&r);
    d.k = 3;
    d.p = 0;
    assert_int_equal(run_init(&r, &d, NULL, 1), AIWB_EDATA);
    assert_string_equal(r.cause, "mlp: no features: the network needs at least one input");
    run_release(&r);
    d.p = 4;
    /* A class without rows is learnt all the same, with a warning. */
    for (size_t i = 0; i < d.n; i++)
        if (d.y[i] == 2)
            d.y[i] = 1;
    capture_start();
    const char *quick[] = {"max_iter=2", NULL};
    assert_int_equal(run_fit(&r, &d, quick, 1), AIWB_OK);
    capture_stop();
    assert_contains(logged, "mlp: class 'gamma' has no rows in the training data");
    run_release(&r);
    data_free(&d);

    data_read(&d, "tests/data/mlp/diabetes-std.csv", 0, NULL);
    d.y[9] = INFINITY;
    assert_int_equal(run_init(&r, &d, NULL, 1), AIWB_EDATA);
    assert_string_equal(r.cause, "mlp: row 10: the target 'label' is inf, not a finite number");
    run_release(&r);
    data_free(&d);
}

/* A learning rate so large that the loss overflows: a clear error. */
static void
test_divergence(void **unused)
{
    struct data d;
    struct run r;
    const char *words[] = {"solver=sgd", "learning_rate=1e6", "activation=identity", "validation=0",
                           NULL};

    (void)unused;
    data_read(&d, "tests/data/mlp/diabetes-std.csv", 0, NULL);
    assert_int_equal(run_fit(&r, &d, words, 1), AIWB_ENUMERIC);
    assert_contains(r.cause, "mlp: the training loss became ");
    assert_contains(r.cause, ": a smaller learning_rate or standardised features (with "
                             "standardize) may help");
    run_release(&r);
    data_free(&d);

    /* A log-loss is bounded: the weights grow, the loss (with its penalty) rises. */
    data_read(&d, "tests/data/mlp/iris-std.csv", 3, NULL);
    capture_start();
    assert_int_equal(run_fit(&r, &d, words, 1), AIWB_OK);
    capture_stop();
    assert_contains(logged, "mlp: the training loss rose from ");
    assert_contains(logged, "at epoch 12: the learning rate may be too high");
    run_release(&r);
    data_free(&d);
}

static void
test_bad_hidden(void **unused)
{
    static const char *const bad[] = {
        "hidden=abc", "hidden=0",  "hidden=64,32,16", "hidden=64,", "hidden=,4",
        "hidden=",    "hidden=-3", "hidden=100001",   "hidden=4 ,2"};
    struct data d;

    (void)unused;
    data_read(&d, "tests/data/mlp/iris-std.csv", 3, NULL);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        const char *words[] = {bad[i], NULL};
        struct run r;
        char want[200];
        assert_int_equal(run_init(&r, &d, words, 1), AIWB_EINVAL);
        snprintf(want, sizeof want,
                 "mlp: hidden must be the sizes of one or two hidden layers, "
                 "each 1 to 100000 (\"64\" or \"64,32\"), not '%s'",
                 bad[i] + 7);
        assert_string_equal(r.cause, want);
        run_release(&r);
    }
    const char *huge[] = {"hidden=100000,100000", NULL};
    struct run r;
    assert_int_equal(run_init(&r, &d, huge, 1), AIWB_EINVAL);
    assert_string_equal(r.cause, "mlp: hidden=100000,100000 on 4 features makes 10000900003 "
                                 "weights, more than 100000000");
    run_release(&r);
    data_free(&d);
}

static void
test_bad_options(void **unused)
{
    const struct aiwb_algorithm_type *type = mlp_type();
    static const struct {
        const char *word, *message;
    } cases[] = {
        {"learning_rate=0", "mlp: learning_rate must be a number > 0, not '0'"},
        {"validation=1", "mlp: validation must be a number >= 0 and < 1, not '1'"},
        {"activation=softplus", "mlp: activation must be one of relu|tanh|logistic|identity, "
                                "not 'softplus'"},
        {"solver=lbfgs", "mlp: solver must be one of adam|sgd, not 'lbfgs'"},
        {"batch=0", "mlp: batch must be an integer >= 1, not '0'"},
        {"momentum=1.5", "mlp: momentum must be a number from 0 to 1, not '1.5'"},
        {"max_iter=0", "mlp: max_iter must be an integer >= 1, not '0'"},
        {"patience=0", "mlp: patience must be an integer >= 1, not '0'"},
        {"alpha=-1", "mlp: alpha must be a number >= 0, not '-1'"},
        {"shuffle=maybe", "mlp: shuffle must be true or false, not 'maybe'"},
        {"epochs=5", "mlp has no option 'epochs' (its options: hidden, activation, solver, "
                     "learning_rate, batch, max_iter, alpha, momentum, nesterov, validation, "
                     "patience, tol, shuffle, scale_target)"},
    };

    (void)unused;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *cause = NULL, *word = (char *)cases[i].word;
        assert_null(options_parse("mlp", type->options, 1, &word, &cause));
        assert_string_equal(cause, cases[i].message);
        free(cause);
    }
}

static void
test_finish_without_init(void **unused)
{
    const struct aiwb_algorithm_type *type = mlp_type();
    void *state = xcalloc(1, type->state_size);
    char *cause = NULL;
    struct aiwb_step step = {0};

    (void)unused;
    assert_int_equal(type->iterate(state, NULL, &step, &cause), AIWB_OK);
    assert_int_equal(type->finish(state, NULL, &cause), AIWB_EINVAL);
    assert_string_equal(cause, "mlp: finish without a successful init");
    free(cause);
    type->fini(state);
    free(state);
}

static void
test_registration(void **unused)
{
    const struct component *c;

    (void)unused;
    tu_load_plugins();
    c = registry_find(COMPONENT_ALGORITHM, "mlp");
    assert_non_null(c);
    assert_string_equal(c->module->name, "mlp");
    assert_string_equal(c->module->version, "1.0.0");
    assert_true(c->flags & AIWB_TASK_CLASSIFICATION);
    assert_true(c->flags & AIWB_TASK_REGRESSION);
    assert_false(c->flags & (AIWB_CAP_WEIGHTS | AIWB_CAP_MISSING | AIWB_CAP_CATEGORICAL));
    assert_contains(c->help, "with standardize");
    char *cause = NULL;
    struct aiwb_options *o = options_parse("mlp", c->options, 0, NULL, &cause);
    assert_non_null(o);
    char *all = options_format(o, 1);
    assert_string_equal(all, "hidden=100 activation=relu solver=adam learning_rate=0.001 "
                             "batch=200 max_iter=200 alpha=0.0001 momentum=0.9 nesterov=true "
                             "validation=0.1 patience=10 tol=0.0001 shuffle=true "
                             "scale_target=false");
    free(all);
    options_free(o);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gradient_check),
        cmocka_unit_test(test_like_sklearn_exactly),
        cmocka_unit_test(test_xor),
        cmocka_unit_test(test_quality_like_sklearn),
        cmocka_unit_test(test_seed_repeats),
        cmocka_unit_test(test_early_stopping),
        cmocka_unit_test(test_validation_is_stratified),
        cmocka_unit_test(test_patience_on_training_loss),
        cmocka_unit_test(test_max_iter),
        cmocka_unit_test(test_cancelled),
        cmocka_unit_test(test_predict),
        cmocka_unit_test(test_report),
        cmocka_unit_test(test_scale_warnings),
        cmocka_unit_test(test_save_load_round_trip),
        cmocka_unit_test(test_load_refuses_damage),
        cmocka_unit_test(test_continue_refusals),
        cmocka_unit_test(test_bad_data),
        cmocka_unit_test(test_divergence),
        cmocka_unit_test(test_bad_hidden),
        cmocka_unit_test(test_bad_options),
        cmocka_unit_test(test_finish_without_init),
        cmocka_unit_test(test_registration),
    };

    gsl_set_error_handler_off();
    log_set_sink(NULL, NULL, AIWB_LOG_ERROR);
    return cmocka_run_group_tests_name("mlp", tests, NULL, NULL);
}
