/*
 * test-pipeline.c - the pipeline (src/core/pipeline.h) with the build tree's real plugins:
 * checks before fitting, automatic one-hot encoding, prediction on frames coded otherwise,
 * the training protocol, save/load, evaluation (regression, classification, clustering and
 * recommenders).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <config.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "core/codec.h"
#include "core/frame.h"
#include "core/log.h"
#include "core/options.h"
#include "core/pipeline.h"
#include "core/registry.h"
#include "core/table.h"
#include "testutil.h"

#define NA NAN
#define LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ---- Plumbing ------------------------------------------------------------------------ */

static void
quiet(void *arg, enum aiwb_log_level level, const char *msg)
{
    (void)arg, (void)level, (void)msg;
}

static int
setup(void **unused)
{
    (void)unused;
    tu_load_plugins();
    log_set_sink(quiet, NULL, AIWB_LOG_ERROR);
    return 0;
}

#define assert_has(s, sub) assert_has_((s), (sub), __FILE__, __LINE__)
static void
assert_has_(const char *s, const char *sub, const char *file, int line)
{
    if (s != NULL && strstr(s, sub) != NULL)
        return;
    print_error("\"%s\" does not contain \"%s\"\n", s != NULL ? s : "(null)", sub);
    _fail(file, line);
}

#define assert_lacks(s, sub) assert_lacks_((s), (sub), __FILE__, __LINE__)
static void
assert_lacks_(const char *s, const char *sub, const char *file, int line)
{
    if (s == NULL || strstr(s, sub) == NULL)
        return;
    print_error("\"%s\" contains \"%s\"\n", s, sub);
    _fail(file, line);
}

/* A deterministic generator (PCG-style LCG), uniform in [0, 1). */
static uint64_t rng;

static double
unif(void)
{
    rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(rng >> 11) * 0x1.0p-53;
}

static const struct component *
algo(const char *name)
{
    const struct component *c = registry_find(COMPONENT_ALGORITHM, name);

    if (c == NULL)
        fail_msg("algorithm '%s' is not loaded", name);
    return c;
}

static const struct component *
transform(const char *name)
{
    const struct component *c = registry_find(COMPONENT_TRANSFORM, name);

    if (c == NULL)
        fail_msg("transform '%s' is not loaded", name);
    return c;
}

/* C's options from the NULL-terminated words WORDS (may be NULL). */
static struct aiwb_options *
opts_of(const struct component *c, const char *const *words)
{
    size_t n = 0;
    char *cause = NULL;
    struct aiwb_options *o;

    while (words != NULL && words[n] != NULL)
        n++;
    o = options_parse(c->name, c->options, n, (char *const *)words, &cause);
    if (o == NULL)
        fail_msg("options of %s: %s", c->name, cause);
    return o;
}

/* The option word "C=VALUE" for logistic, with the option's name as the plugin spells it
 * ("C" as scikit-learn and R, or "c" as LIBLINEAR's command line); a static buffer. */
static const char *
c_word(const char *value)
{
    static char buf[4][32];
    static int next;
    const struct component *c = algo("logistic");
    const char *name = options_spec_find(c->options, "C") != NULL ? "C" : "c";
    char *w = buf[next++ % 4];

    snprintf(w, sizeof buf[0], "%s=%s", name, value);
    return w;
}

/* A spec of algorithm ALGO with options AOPTS on TARGET, and up to 4 transforms. */
struct spec {
    struct pipeline_spec s;
    struct tf_spec tf[4];
};

static void
spec_init(struct spec *sp, const char *alg, const char *const *aopts, const char *target)
{
    memset(sp, 0, sizeof *sp);
    sp->s.algorithm = algo(alg);
    sp->s.algo_opts = opts_of(sp->s.algorithm, aopts);
    sp->s.target = target;
    sp->s.seed = 42;
    sp->s.tf = sp->tf;
}

static void
spec_add(struct spec *sp, const struct component *tf, const char *const *words)
{
    sp->tf[sp->s.n_tf].comp = tf;
    sp->tf[sp->s.n_tf].opts = opts_of(tf, words);
    sp->s.n_tf++;
}

/* Train SPEC on DATA to convergence; *NOTES (if not NULL) gets the notes. */
static struct pipeline *
train(struct spec *sp, const struct aiwb_frame *data, char **notes)
{
    char *cause = NULL, *nb = NULL;
    struct pipeline *p = pipeline_prepare(&sp->s, data, &nb, &cause);
    struct aiwb_step step;
    int rc, n = 0;

    if (p == NULL)
        fail_msg("pipeline_prepare: %s", cause);
    while ((rc = pipeline_iterate(p, &step, &cause)) == AIWB_CONTINUE && ++n < 100000)
        ;
    if (rc != AIWB_OK)
        fail_msg("pipeline_iterate: status %d: %s", rc, cause != NULL ? cause : "(no cause)");
    if (pipeline_finish(p, &cause) != AIWB_OK)
        fail_msg("pipeline_finish: %s", cause);
    if (notes != NULL)
        *notes = nb;
    else
        free(nb);
    return p;
}

/* Prepare SPEC on DATA expecting a refusal; returns the cause (free it). */
static char *
refused(struct spec *sp, const struct aiwb_frame *data)
{
    char *cause = NULL, *notes = NULL;
    struct pipeline *p = pipeline_prepare(&sp->s, data, &notes, &cause);

    if (p != NULL) {
        pipeline_free(p);
        fail_msg("pipeline_prepare accepted what it should refuse (notes: %s)",
                 notes != NULL ? notes : "none");
    }
    free(notes);
    assert_non_null(cause);
    assert_true(*cause != '\0');
    return cause;
}

static void
predict_ok(const struct pipeline *p, const struct aiwb_frame *data, struct prediction *pr,
           char **notes)
{
    char *cause = NULL, *nb = NULL;

    if (pipeline_predict(p, data, pr, &nb, &cause) != AIWB_OK)
        fail_msg("pipeline_predict: %s", cause);
    assert_null(cause);
    assert_int_equal(pr->n, frame_rows(data));
    if (notes != NULL)
        *notes = nb;
    else
        free(nb);
}

static char *
predict_refused(const struct pipeline *p, const struct aiwb_frame *data)
{
    char *cause = NULL, *notes = NULL;
    struct prediction pr;
    int rc = pipeline_predict(p, data, &pr, &notes, &cause);

    if (rc >= 0)
        fail_msg("pipeline_predict accepted what it should refuse");
    assert_null(pr.values);
    assert_null(pr.classes);
    free(notes);
    assert_non_null(cause);
    return cause;
}

/* P saved into *BLOB and loaded again. */
static struct pipeline *
reload(const struct pipeline *p, unsigned char **blob, size_t *len)
{
    char *cause = NULL;
    struct pipeline *q;

    *blob = pipeline_save(p, len, &cause);
    if (*blob == NULL)
        fail_msg("pipeline_save: %s", cause);
    q = pipeline_load(*blob, *len, &cause);
    if (q == NULL)
        fail_msg("pipeline_load: %s", cause);
    return q;
}

/* Whether two predictions are the same, bit for bit. */
static void
assert_same_prediction(const struct prediction *a, const struct prediction *b)
{
    assert_int_equal(a->n, b->n);
    assert_int_equal(a->k, b->k);
    assert_int_equal(a->task, b->task);
    for (size_t i = 0; i < a->n * a->k; i++)
        if (memcmp(&a->values[i], &b->values[i], sizeof(double)) != 0)
            fail_msg("value %zu differs: %.17g and %.17g", i, a->values[i], b->values[i]);
    assert_true((a->classes == NULL) == (b->classes == NULL));
    if (a->classes != NULL)
        assert_memory_equal(a->classes, b->classes, a->n * sizeof *a->classes);
}

/* ---- Frames by hand ------------------------------------------------------------------ */

static void
add_num(struct aiwb_frame *f, const char *name, const double *v)
{
    double *y = frame_add_numeric(f, name);

    assert_non_null(y);
    memcpy(y, v, frame_rows(f) * sizeof *y);
}

/* A categorical column: the levels ORDER (NULL-terminated, may be NULL) are interned first,
 * fixing their codes, then the values V (NULL for missing). */
static void
add_cat(struct aiwb_frame *f, const char *name, const char *const *order, const char *const *v)
{
    int32_t *y = frame_add_categorical(f, name);
    size_t col = frame_cols(f) - 1;

    assert_non_null(y);
    for (size_t k = 0; order != NULL && order[k] != NULL; k++)
        frame_level_intern(f, col, order[k], strlen(order[k]));
    for (size_t i = 0; i < frame_rows(f); i++)
        y[i] = v[i] != NULL ? frame_level_intern(f, col, v[i], strlen(v[i])) : AIWB_NA_CODE;
}

/* Regression data: y = 1 + 2 x1 - x2/2 + effect(color) + noise. */
#define RMAX 200
struct raw {
    size_t n;
    double x1[RMAX], x2[RMAX], y[RMAX];
    const char *color[RMAX];
};

static const char *const colors[] = {"red", "green", "blue", NULL};
static const char *const colors_reversed[] = {"blue", "green", "red", NULL};

static void
raw_make(struct raw *r, size_t n, uint64_t seed)
{
    static const double effect[] = {0, 3, -2};

    assert_true(n <= RMAX);
    rng = seed;
    r->n = n;
    for (size_t i = 0; i < n; i++) {
        size_t k = (size_t)(unif() * 3);

        r->x1[i] = 10 * unif();
        r->x2[i] = 20 * unif() - 10;
        r->color[i] = colors[k];
        r->y[i] = 1 + 2 * r->x1[i] - 0.5 * r->x2[i] + effect[k] + 0.3 * (unif() - 0.5);
    }
}

/* A frame of R's columns named in the comma-separated COLS, in that order, the levels of
 * color interned in ORDER first. */
static struct aiwb_frame *
raw_frame(const struct raw *r, const char *cols, const char *const *order)
{
    struct aiwb_frame *f = frame_new(r->n);
    char buf[128], *save = NULL;

    snprintf(buf, sizeof buf, "%s", cols);
    for (char *c = strtok_r(buf, ",", &save); c != NULL; c = strtok_r(NULL, ",", &save)) {
        if (strcmp(c, "x1") == 0)
            add_num(f, c, r->x1);
        else if (strcmp(c, "x2") == 0)
            add_num(f, c, r->x2);
        else if (strcmp(c, "y") == 0)
            add_num(f, c, r->y);
        else if (strcmp(c, "color") == 0)
            add_cat(f, c, order, r->color);
        else
            fail_msg("no raw column '%s'", c);
    }
    return f;
}

static struct aiwb_frame *
iris(void)
{
    char *path = tu_srcpath("datasets/iris.csv"), *cause = NULL;
    struct aiwb_frame *f = tu_read(path, NULL, &cause);

    if (f == NULL)
        fail_msg("reading iris: %s", cause);
    free(path);
    return f;
}

static char *
write_csv(const char *name, const char *text)
{
    char *dir = tu_tmpdir("pipeline"), *path = tu_write_file(dir, name, text, strlen(text));

    free(dir);
    return path;
}

/* ---- Checks before any fitting ------------------------------------------------------- */

static void
test_missing_target(void **unused)
{
    struct raw r;
    struct spec sp;
    struct aiwb_frame *f;
    char *cause;

    (void)unused;
    raw_make(&r, 30, 1);
    f = raw_frame(&r, "x1,color,x2,y", colors);
    spec_init(&sp, "ols", NULL, "price");
    cause = refused(&sp, f);
    assert_has(cause, "no target column 'price'");
    assert_has(cause, "x1, color, x2, y");
    free(cause);
    frame_free(f);
}

static void
test_ols_categorical_target(void **unused)
{
    struct raw r;
    struct spec sp;
    struct aiwb_frame *f;
    char *cause;

    (void)unused;
    raw_make(&r, 30, 2);
    f = raw_frame(&r, "x1,x2,y,color", colors);
    spec_init(&sp, "ols", NULL, "color");
    cause = refused(&sp, f);
    assert_has(cause, "ols");
    assert_has(cause, "'color'");
    assert_has(cause, "categorical");
    assert_has(cause, "3 levels");
    assert_has(cause, "logistic");
    free(cause);
    frame_free(f);
}

static void
test_logistic_numeric_target(void **unused)
{
    struct raw r;
    struct spec sp;
    struct aiwb_frame *f;
    struct pipeline *p;
    char *cause = NULL;

    (void)unused;
    raw_make(&r, 150, 3);
    f = raw_frame(&r, "x1,x2,y", NULL);
    spec_init(&sp, "logistic", NULL, "y");
    cause = refused(&sp, f);
    assert_has(cause, "logistic");
    assert_has(cause, "'y'");
    assert_has(cause, "not whole numbers");
    assert_has(cause, "ols");
    free(cause);
    frame_free(f);

    /* 100 distinct values are still classes. */
    for (size_t i = 0; i < r.n; i++)
        r.y[i] = (double)(i % 100);
    f = raw_frame(&r, "x1,x2,y", NULL);
    spec_init(&sp, "logistic", NULL, "y");
    cause = NULL;
    p = pipeline_prepare(&sp.s, f, NULL, &cause);
    if (p == NULL)
        fail_msg("100 classes refused: %s", cause);
    assert_int_equal(pipeline_n_classes(p), 100);
    assert_string_equal(pipeline_class_name(p, 0), "0");
    assert_string_equal(pipeline_class_name(p, 99), "99");
    assert_null(pipeline_class_name(p, 100));
    pipeline_free(p);
    frame_free(f);
}

static void
test_single_class(void **unused)
{
    static const double x[] = {1, 2, 3, 4, 5, 6};
    static const double one[] = {1, 1, NA, 1, 1, 1};
    static const char *const same[] = {"yes", "yes", "yes", NULL, "yes", "yes"};
    struct aiwb_frame *f = frame_new(6);
    struct spec sp;
    char *cause;

    (void)unused;
    add_num(f, "x", x);
    add_num(f, "one", one);
    add_cat(f, "same", NULL, same);
    spec_init(&sp, "logistic", NULL, "one");
    cause = refused(&sp, f);
    assert_has(cause, "the target 'one' has 1 class:");
    assert_has(cause, "at least two");
    free(cause);
    spec_init(&sp, "logistic", NULL, "same");
    cause = refused(&sp, f);
    assert_has(cause, "the target 'same' has 1 class:");
    free(cause);
    frame_free(f);
}

/*
 * A categorical target can have a level that no row holds (after a split or a filter,
 * levels stay). A class without a single row cannot be learned: either it is refused or
 * it is not a class. Here one class remains, which a classifier cannot learn from.
 */
static void
test_single_class_present(void **unused)
{
    static const double x[] = {1, 2, 3, 4, 5, 6};
    static const char *const order[] = {"no", "yes", NULL};
    static const char *const same[] = {"yes", "yes", "yes", "yes", "yes", "yes"};
    struct aiwb_frame *f = frame_new(6);
    struct spec sp;
    char *cause;

    (void)unused;
    add_num(f, "x", x);
    add_cat(f, "same", order, same);
    spec_init(&sp, "logistic", NULL, "same");
    cause = refused(&sp, f);
    assert_has(cause, "'same'");
    free(cause);
    frame_free(f);
}

static void
test_all_targets_missing(void **unused)
{
    static const double x[] = {1, 2, 3, 4};
    static const double y[] = {NA, NA, NA, NA};
    static const char *const order[] = {"a", "b", NULL};
    static const char *const c[] = {NULL, NULL, NULL, NULL};
    struct aiwb_frame *f = frame_new(4);
    struct spec sp;
    char *cause;

    (void)unused;
    add_num(f, "x", x);
    add_num(f, "y", y);
    add_cat(f, "c", order, c);
    spec_init(&sp, "ols", NULL, "y");
    cause = refused(&sp, f);
    assert_has(cause, "every value of the target 'y' is missing");
    free(cause);
    frame_free(f);

    f = frame_new(4);
    add_num(f, "x", x);
    add_cat(f, "c", order, c);
    spec_init(&sp, "logistic", NULL, "c");
    cause = refused(&sp, f);
    assert_has(cause, "'c'");
    assert_has(cause, "missing");
    free(cause);
    frame_free(f);
}

static void
test_no_features(void **unused)
{
    struct raw r;
    struct spec sp;
    struct aiwb_frame *f;
    char *cause;

    (void)unused;
    raw_make(&r, 10, 4);
    f = raw_frame(&r, "y", NULL);
    spec_init(&sp, "ols", NULL, "y");
    cause = refused(&sp, f);
    assert_has(cause, "no columns besides the target 'y'");
    free(cause);
    frame_free(f);
}

static void
test_missing_refused(void **unused)
{
    struct raw r;
    struct spec sp;
    struct aiwb_frame *f;
    struct pipeline *p;
    struct prediction pr;
    char *cause, *notes = NULL;

    (void)unused;
    raw_make(&r, 40, 5);
    r.x1[3] = r.x1[7] = r.x1[30] = NA;
    r.x2[11] = NA;
    f = raw_frame(&r, "x1,x2,color,y", colors);
    spec_init(&sp, "ols", NULL, "y");
    cause = refused(&sp, f);
    assert_has(cause, "ols cannot take missing values");
    assert_has(cause, "'x1' (3 rows) and 'x2' (1 row)");
    assert_has(cause, "impute");
    assert_lacks(cause, "color");
    free(cause);

    /* With impute it trains, and predicts rows with missing values. */
    spec_init(&sp, "ols", NULL, "y");
    spec_add(&sp, transform("impute"), NULL);
    p = train(&sp, f, &notes);
    assert_string_equal(pipeline_transforms(p), "impute");
    predict_ok(p, f, &pr, NULL);
    for (size_t i = 0; i < pr.n; i++)
        assert_true(isfinite(pr.values[i]));
    prediction_release(&pr);
    free(notes);
    pipeline_free(p);
    frame_free(f);
}

/*
 * Missing values in a categorical column reach ols as well: one-hot encoding writes them
 * as all zeros, which with the first level dropped is the first level itself. They must
 * be refused like numeric ones, naming the column and the count.
 */
static void
test_missing_categorical_refused(void **unused)
{
    struct raw r;
    struct spec sp;
    struct aiwb_frame *f;
    char *cause;

    (void)unused;
    raw_make(&r, 40, 6);
    r.color[5] = r.color[9] = NULL;
    f = raw_frame(&r, "x1,x2,color,y", colors);
    spec_init(&sp, "ols", NULL, "y");
    cause = refused(&sp, f);
    assert_has(cause, "'color' (2 rows)");
    assert_has(cause, "impute");
    free(cause);
    frame_free(f);
}

/* bad.so, as AIWB_TEST_BAD=older makes it, registers bad_older: a transform declaring
 * neither AIWB_CAP_CATEGORICAL nor AIWB_CAP_MISSING. */
static const struct component *
capless_transform(void)
{
    static int loaded;
    const struct component *c;

    if (!loaded) {
        char *path = tu_buildpath("tests/plugins/.libs/bad.so"), *cause = NULL;

        setenv("AIWB_TEST_BAD", "older", 1);
        if (registry_load_file(path, &cause) < 0)
            fail_msg("loading bad.so: %s", cause);
        unsetenv("AIWB_TEST_BAD");
        free(path);
        loaded = 1;
    }
    c = transform("bad_older");
    assert_int_equal(c->flags & (AIWB_CAP_CATEGORICAL | AIWB_CAP_MISSING), 0);
    return c;
}

static void
test_transform_capabilities(void **unused)
{
    const struct component *capless = capless_transform();
    struct raw r;
    struct spec sp;
    struct aiwb_frame *f;
    struct pipeline *p;
    char *cause;

    (void)unused;
    raw_make(&r, 40, 7);
    f = raw_frame(&r, "x1,color,x2,y", colors);
    spec_init(&sp, "ols", NULL, "y");
    spec_add(&sp, capless, NULL);
    cause = refused(&sp, f);
    assert_has(cause, "transform 'bad_older' does not accept categorical columns ('color')");
    assert_has(cause, "onehot before it");
    free(cause);

    /* With onehot first, it gets numbers only. */
    spec_init(&sp, "ols", NULL, "y");
    spec_add(&sp, transform("onehot"), (const char *const[]){"drop_first=true", NULL});
    spec_add(&sp, capless, NULL);
    p = train(&sp, f, NULL);
    assert_string_equal(pipeline_transforms(p), "onehot(drop_first=true),bad_older");
    pipeline_free(p);
    frame_free(f);

    r.x2[4] = NA;
    f = raw_frame(&r, "x1,x2,y", NULL);
    spec_init(&sp, "ols", NULL, "y");
    spec_add(&sp, capless, NULL);
    cause = refused(&sp, f);
    assert_has(cause, "transform 'bad_older' cannot take missing values, found in 'x2' (1 row)");
    assert_has(cause, "impute before it");
    free(cause);

    spec_init(&sp, "ols", NULL, "y");
    spec_add(&sp, transform("impute"), NULL);
    spec_add(&sp, capless, NULL);
    p = train(&sp, f, NULL);
    pipeline_free(p);
    frame_free(f);
}

/* ---- Categorical features ------------------------------------------------------------ */

/* The same data with color coded by hand as R's treatment coding (red the baseline). */
static struct aiwb_frame *
dummy_frame(const struct raw *r)
{
    struct aiwb_frame *f = frame_new(r->n);
    double *g, *b;

    add_num(f, "x1", r->x1);
    g = frame_add_numeric(f, "green");
    b = frame_add_numeric(f, "blue");
    for (size_t i = 0; i < r->n; i++) {
        g[i] = strcmp(r->color[i], "green") == 0;
        b[i] = strcmp(r->color[i], "blue") == 0;
    }
    add_num(f, "x2", r->x2);
    add_num(f, "y", r->y);
    return f;
}

static void
test_onehot_automatic(void **unused)
{
    struct raw r;
    struct spec sp;
    struct aiwb_frame *f, *d;
    struct pipeline *p, *q;
    struct prediction pr, qr;
    char *notes = NULL;

    (void)unused;
    raw_make(&r, 60, 8);
    f = raw_frame(&r, "x1,color,x2,y", colors);
    spec_init(&sp, "ols", NULL, "y");
    p = train(&sp, f, &notes);
    assert_has(notes, "categorical 'color' one-hot encoded for ols (first level dropped)");
    assert_string_equal(pipeline_transforms(p), "");
    assert_int_equal(pipeline_n_inputs(p), 3);
    assert_string_equal(pipeline_input_name(p, 0), "x1");
    assert_string_equal(pipeline_input_name(p, 1), "color");
    assert_string_equal(pipeline_input_name(p, 2), "x2");
    assert_null(pipeline_input_name(p, 3));
    free(notes);

    /* The same model as with indicators made by hand. */
    d = dummy_frame(&r);
    spec_init(&sp, "ols", NULL, "y");
    q = train(&sp, d, &notes);
    assert_null(notes);
    predict_ok(p, f, &pr, NULL);
    predict_ok(q, d, &qr, NULL);
    for (size_t i = 0; i < r.n; i++)
        tu_assert_rel(pr.values[i], qr.values[i], 1e-12);
    prediction_release(&pr);
    prediction_release(&qr);
    pipeline_free(q);
    frame_free(d);
    pipeline_free(p);
    frame_free(f);
}

static void
test_predict_conform(void **unused)
{
    struct raw r;
    struct spec sp;
    struct aiwb_frame *f, *g;
    struct pipeline *p;
    struct prediction base, pr;
    char *notes = NULL, *cause;

    (void)unused;
    raw_make(&r, 60, 9);
    f = raw_frame(&r, "x1,color,x2,y", colors);
    spec_init(&sp, "ols", NULL, "y");
    p = train(&sp, f, NULL);
    predict_ok(p, f, &base, &notes);
    assert_null(notes);

    /* Levels coded in another order. */
    g = raw_frame(&r, "x1,color,x2,y", colors_reversed);
    assert_string_equal(frame_level(g, 1, 0), "blue");
    predict_ok(p, g, &pr, &notes);
    assert_null(notes);
    assert_same_prediction(&base, &pr);
    prediction_release(&pr);
    frame_free(g);

    /* Columns in another order, the target absent, an extra column. */
    g = raw_frame(&r, "x2,color,x1", colors_reversed);
    add_num(g, "extra", r.y);
    predict_ok(p, g, &pr, &notes);
    assert_null(notes);
    assert_same_prediction(&base, &pr);
    prediction_release(&pr);
    frame_free(g);

    /* A column missing, or of the wrong type. */
    g = raw_frame(&r, "x1,color", colors);
    cause = predict_refused(p, g);
    assert_has(cause, "no column 'x2', which the model reads");
    free(cause);
    frame_free(g);
    g = frame_new(r.n);
    add_cat(g, "x1", NULL, r.color);
    add_cat(g, "color", NULL, r.color);
    add_num(g, "x2", r.x2);
    cause = predict_refused(p, g);
    assert_has(cause, "column 'x1' is categorical here, but it was numeric");
    free(cause);
    frame_free(g);

    /* A missing numeric value: ols has no imputer. */
    r.x2[6] = NA;
    g = raw_frame(&r, "x1,color,x2", colors);
    cause = predict_refused(p, g);
    assert_has(cause, "row 7");
    assert_has(cause, "'x2' is missing");
    assert_has(cause, "impute");
    free(cause);
    frame_free(g);

    prediction_release(&base);
    pipeline_free(p);
    frame_free(f);
}

/*
 * An unseen level counts as missing. With an imputer it is filled like any missing value
 * (a note says so); without one the model cannot take it, and says where, as for a
 * missing number. (One-hot encoding would otherwise write it as all zeros, which with
 * the first level dropped is the first level: a confident prediction for a level that is
 * not there.)
 */
static void
test_unseen_level(void **unused)
{
    struct raw r;
    struct spec sp;
    struct aiwb_frame *f, *g;
    struct pipeline *p;
    struct prediction base, pr;
    char *notes = NULL, *cause;
    size_t count[3] = {0}, top = 0;

    (void)unused;
    raw_make(&r, 60, 17);
    f = raw_frame(&r, "x1,color,x2,y", colors);
    for (size_t i = 0; i < r.n; i++)
        for (size_t k = 0; k < 3; k++)
            count[k] += r.color[i] == colors[k];
    for (size_t k = 1; k < 3; k++)
        if (count[k] > count[top])
            top = k;

    /* Imputed as the most frequent level. */
    spec_init(&sp, "ols", NULL, "y");
    spec_add(&sp, transform("impute"), (const char *const[]){"strategy=most_frequent", NULL});
    p = train(&sp, f, NULL);
    r.color[4] = colors[top];
    g = raw_frame(&r, "x1,color,x2", colors);
    predict_ok(p, g, &base, NULL);
    frame_free(g);
    r.color[4] = "purple";
    g = raw_frame(&r, "x1,color,x2", colors);
    predict_ok(p, g, &pr, &notes);
    assert_has(notes, "column 'color': 1 row with levels not seen in training, taken as "
                      "missing");
    free(notes);
    assert_same_prediction(&base, &pr);
    prediction_release(&pr);
    prediction_release(&base);
    pipeline_free(p);

    /* No imputer: refused, naming the row and the column. */
    spec_init(&sp, "ols", NULL, "y");
    p = train(&sp, f, NULL);
    cause = predict_refused(p, g);
    assert_has(cause, "row 5");
    assert_has(cause, "'color'");
    free(cause);
    frame_free(g);
    pipeline_free(p);
    frame_free(f);
}

/* Levels that look like numbers, given as numbers at prediction time. */
static void
test_numbers_for_levels(void **unused)
{
    static const char *const grades[] = {"1", "2", "3", NULL};
    struct raw r;
    struct spec sp;
    struct aiwb_frame *f, *g;
    struct pipeline *p;
    struct prediction base, pr;
    const char *grade[RMAX];
    double num[RMAX];
    char *notes = NULL;

    (void)unused;
    raw_make(&r, 50, 10);
    for (size_t i = 0; i < r.n; i++) {
        grade[i] = grades[i % 3];
        num[i] = (double)(i % 3 + 1);
        r.y[i] += (double)(i % 3);
    }
    f = raw_frame(&r, "x1,y", NULL);
    add_cat(f, "grade", NULL, grade);
    spec_init(&sp, "ols", NULL, "y");
    p = train(&sp, f, NULL);
    predict_ok(p, f, &base, NULL);

    g = raw_frame(&r, "x1", NULL);
    add_num(g, "grade", num);
    predict_ok(p, g, &pr, &notes);
    assert_null(notes);
    assert_same_prediction(&base, &pr);
    prediction_release(&pr);
    frame_free(g);

    /* 2.5 is no level: ols has no imputer, so the row is refused by number. */
    num[2] = 2.5;
    g = raw_frame(&r, "x1", NULL);
    add_num(g, "grade", num);
    {
        char *cause = NULL;

        assert_int_not_equal(pipeline_predict(p, g, &pr, &notes, &cause), AIWB_OK);
        assert_has(cause, "row 3: 'grade' has the level '2.5', not seen in training");
        free(cause);
        free(notes);
        notes = NULL;
    }
    frame_free(g);

    /* With an imputer the unseen number counts as missing, with a note. */
    pipeline_free(p);
    spec_init(&sp, "ols", NULL, "y");
    spec_add(&sp, registry_find(COMPONENT_TRANSFORM, "impute"),
             (const char *const[]){"strategy=most_frequent", NULL});
    p = train(&sp, f, NULL);
    g = raw_frame(&r, "x1", NULL);
    add_num(g, "grade", num);
    predict_ok(p, g, &pr, &notes);
    assert_has(notes, "column 'grade': 1 row with levels not seen in training");
    free(notes);
    prediction_release(&pr);
    frame_free(g);

    prediction_release(&base);
    pipeline_free(p);
    frame_free(f);
}

/* Load the test plugin good.so (good_mean, good_halve, ...) once. */
static void
load_good(void)
{
    static int loaded;

    if (!loaded) {
        char *path = tu_buildpath("tests/plugins/.libs/good.so"), *cause = NULL;

        if (registry_load_file(path, &cause) < 0)
            fail_msg("loading good.so: %s", cause);
        free(path);
        loaded = 1;
    }
}

/* good.so's good_mean takes categorical columns (as codes) and missing values itself. */
static void
test_algorithm_takes_categoricals(void **unused)
{
    struct raw r;
    struct spec sp;
    struct aiwb_frame *f;
    struct pipeline *p, *q;
    struct prediction pr, qr;
    unsigned char *blob;
    size_t len;
    char *notes = NULL;
    double mean = 0;

    (void)unused;
    load_good();
    raw_make(&r, 30, 18);
    r.x1[0] = NA;
    r.color[1] = NULL;
    for (size_t i = 0; i < r.n; i++)
        mean += r.y[i] / (double)r.n;
    f = raw_frame(&r, "x1,color,x2,y", colors);
    spec_init(&sp, "good_mean", NULL, "y");
    p = train(&sp, f, &notes);
    assert_null(notes); /* no one-hot encoding, nothing refused */
    assert_string_equal(pipeline_transforms(p), "");
    r.color[2] = "purple";
    frame_free(f);
    f = raw_frame(&r, "x2,color,x1", colors_reversed);
    predict_ok(p, f, &pr, &notes);
    assert_has(notes, "column 'color': 1 row with levels not seen in training");
    free(notes);
    for (size_t i = 0; i < pr.n; i++)
        tu_assert_rel(pr.values[i], mean, 1e-12);
    q = reload(p, &blob, &len);
    predict_ok(q, f, &qr, NULL);
    assert_same_prediction(&pr, &qr);
    prediction_release(&pr);
    prediction_release(&qr);
    free(blob);
    pipeline_free(q);
    pipeline_free(p);
    frame_free(f);
}

/* A row transform shapes the training data only: the model equals one fitted
 * on the kept rows, and it predicts every row it is given. */
static void
test_row_transform_in_model(void **unused)
{
    struct raw r;
    struct spec sp, plain;
    struct aiwb_frame *f, *even;
    struct pipeline *p, *q;
    struct prediction pr, qr;
    size_t idx[RMAX], k = 0;

    (void)unused;
    load_good();
    raw_make(&r, 40, 21);
    f = raw_frame(&r, "x1,x2,y", NULL);
    for (size_t i = 0; i < r.n; i += 2)
        idx[k++] = i;
    even = frame_take(f, idx, k);
    spec_init(&sp, "ols", NULL, "y");
    spec_add(&sp, registry_find(COMPONENT_TRANSFORM, "good_halve"), NULL);
    p = train(&sp, f, NULL);
    spec_init(&plain, "ols", NULL, "y");
    q = train(&plain, even, NULL);
    predict_ok(p, f, &pr, NULL);
    predict_ok(q, f, &qr, NULL);
    assert_int_equal(pr.n, 40);
    assert_same_prediction(&pr, &qr);
    prediction_release(&pr);
    prediction_release(&qr);
    pipeline_free(q);
    pipeline_free(p);
    frame_free(even);
    frame_free(f);
}

/* A transformer: a chain fitted on one frame, applied to others, the kept
 * column passing through and staying aligned with the rows a row transform keeps. */
static void
test_transformer(void **unused)
{
    struct raw r;
    struct spec sp;
    struct pipeline *p, *q;
    struct aiwb_frame *f, *g, *out, *out2;
    struct prediction pr;
    unsigned char *blob;
    size_t len;
    char *cause = NULL;
    double mean = 0, sd = 0;

    (void)unused;
    load_good();
    raw_make(&r, 30, 22);
    f = raw_frame(&r, "x1,y", NULL);
    memset(&sp, 0, sizeof sp);
    sp.s.tf = sp.tf;
    sp.s.target = "y";
    spec_add(&sp, registry_find(COMPONENT_TRANSFORM, "standardize"), NULL);
    spec_add(&sp, registry_find(COMPONENT_TRANSFORM, "good_halve"), NULL);
    p = pipeline_prepare(&sp.s, f, NULL, &cause);
    if (p == NULL)
        fail_msg("pipeline_prepare: %s", cause);
    assert_null(pipeline_algorithm(p));
    out = pipeline_take_fitted(p);
    assert_null(pipeline_take_fitted(p)); /* taken once */
    assert_int_equal(frame_rows(out), 15);
    assert_string_equal(frame_col_name(out, frame_cols(out) - 1), "y");
    for (size_t i = 0; i < r.n; i++)
        mean += r.x1[i] / (double)r.n;
    for (size_t i = 0; i < r.n; i++)
        sd += (r.x1[i] - mean) * (r.x1[i] - mean) / (double)r.n;
    sd = sqrt(sd);
    for (size_t i = 0; i < 15; i++) {
        tu_assert_rel(frame_numeric(out, 0)[i], (r.x1[2 * i] - mean) / sd, 1e-12);
        assert_true(frame_numeric(out, 1)[i] == r.y[2 * i]); /* aligned, untouched */
    }

    /* Applied to other rows: the fitted mean and sd, not theirs; no y is fine. */
    raw_make(&r, 10, 23);
    g = raw_frame(&r, "x1", NULL);
    q = reload(p, &blob, &len);
    if (pipeline_transform(q, g, &out2, NULL, &cause) < 0)
        fail_msg("pipeline_transform: %s", cause);
    assert_int_equal(frame_rows(out2), 5);
    assert_int_equal(frame_cols(out2), 1);
    for (size_t i = 0; i < 5; i++)
        tu_assert_rel(frame_numeric(out2, 0)[i], (r.x1[2 * i] - mean) / sd, 1e-12);

    /* A chain neither predicts nor is evaluated. */
    assert_int_not_equal(pipeline_predict(q, g, &pr, NULL, &cause), AIWB_OK);
    assert_has(cause, "transform DATASET using NAME");
    free(cause);
    frame_free(out2);
    frame_free(out);
    frame_free(g);
    frame_free(f);
    free(blob);
    pipeline_free(q);
    pipeline_free(p);
}

/* ---- Targets --------------------------------------------------------------------------- */

static void
test_missing_target_rows(void **unused)
{
    struct raw r;
    struct spec sp;
    struct aiwb_frame *f, *g;
    struct pipeline *p, *q;
    struct prediction pr, qr;
    struct evaluation ev;
    char *notes = NULL, *cause = NULL;
    size_t keep[RMAX], nkeep = 0;

    (void)unused;
    raw_make(&r, 50, 11);
    r.y[0] = r.y[17] = r.y[49] = NA;
    for (size_t i = 0; i < r.n; i++)
        if (!isnan(r.y[i]))
            keep[nkeep++] = i;
    f = raw_frame(&r, "x1,color,x2,y", colors);
    spec_init(&sp, "ols", NULL, "y");
    p = train(&sp, f, &notes);
    assert_has(notes, "3 rows with a missing target 'y' left out");
    free(notes);

    /* The same model as without those rows. */
    g = frame_take(f, keep, nkeep);
    spec_init(&sp, "ols", NULL, "y");
    q = train(&sp, g, NULL);
    predict_ok(p, f, &pr, NULL);
    predict_ok(q, f, &qr, NULL);
    assert_same_prediction(&pr, &qr);
    prediction_release(&pr);
    prediction_release(&qr);

    /* Evaluation leaves them out too. */
    if (pipeline_evaluate(p, f, &ev, &notes, &cause) != AIWB_OK)
        fail_msg("pipeline_evaluate: %s", cause);
    assert_has(notes, "3 rows with a missing target left out");
    assert_string_equal(ev.names[0], "rows");
    assert_true(ev.values[0] == 47);
    free(notes);
    evaluation_release(&ev);

    pipeline_free(q);
    frame_free(g);
    pipeline_free(p);
    frame_free(f);
}

/* A CSV with a numeric 0/1 target and missing cells, read by the csv source. */
static const char binary_csv[] = "x,z,label\n"
                                 "0.5,1,0\n1.5,0,0\n2.5,1,1\n3.5,0,1\n4.5,1,1\n"
                                 "0.7,0,0\n1.2,1,NA\n2.9,0,1\n3.1,1,0\n4.8,0,1\n"
                                 "0.2,1,0\n1.9,0,1\n2.2,1,0\n3.9,0,1\n4.1,1,1\n"
                                 "0.9,0,0\n1.1,1,0\n2.7,0,\n3.3,1,1\n4.4,0,1\n";

static void
test_binary_numeric_target(void **unused)
{
    char *path = write_csv("binary.csv", binary_csv), *cause = NULL, *notes = NULL;
    struct aiwb_frame *f = tu_read(path, NULL, &cause);
    struct spec sp;
    struct pipeline *p;
    struct prediction pr;
    struct evaluation ev;
    const double *label;
    long lc;

    (void)unused;
    if (f == NULL)
        fail_msg("reading %s: %s", path, cause);
    lc = frame_find(f, "label");
    assert_true(lc >= 0);
    assert_int_equal(frame_col_type(f, (size_t)lc), AIWB_NUMERIC);
    spec_init(&sp, "logistic", NULL, "label");
    p = train(&sp, f, &notes);
    assert_has(notes, "2 rows with a missing target 'label' left out");
    free(notes);
    assert_int_equal(pipeline_task(p), AIWB_TASK_CLASSIFICATION);
    assert_int_equal(pipeline_n_classes(p), 2);
    assert_string_equal(pipeline_class_name(p, 0), "0");
    assert_string_equal(pipeline_class_name(p, 1), "1");
    assert_string_equal(pipeline_target(p), "label");
    assert_string_equal(pipeline_algorithm(p), "logistic");

    predict_ok(p, f, &pr, NULL);
    assert_int_equal(pr.k, 2);
    assert_non_null(pr.classes);
    label = frame_numeric(f, (size_t)lc);
    for (size_t i = 0; i < pr.n; i++) {
        tu_assert_rel(pr.values[2 * i] + pr.values[2 * i + 1], 1, 1e-12);
        assert_int_equal(pr.classes[i], pr.values[2 * i + 1] > pr.values[2 * i]);
    }

    /* ROC AUC by hand: pairs of a positive and a negative ranked correctly. */
    if (pipeline_evaluate(p, f, &ev, &notes, &cause) != AIWB_OK)
        fail_msg("pipeline_evaluate: %s", cause);
    free(notes);
    {
        double good = 0, pairs = 0, auc = NAN;

        for (size_t i = 0; i < pr.n; i++)
            for (size_t j = 0; j < pr.n; j++)
                if (label[i] == 1 && label[j] == 0) {
                    double a = pr.values[2 * i + 1], b = pr.values[2 * j + 1];

                    good += a > b ? 1 : a == b ? 0.5 : 0;
                    pairs++;
                }
        for (size_t m = 0; m < ev.n; m++)
            if (strcmp(ev.names[m], "roc_auc") == 0)
                auc = ev.values[m];
        tu_assert_rel(auc, good / pairs, 1e-12);
    }
    evaluation_release(&ev);
    prediction_release(&pr);
    pipeline_free(p);
    frame_free(f);
    free(path);
}

/* ---- The training protocol --------------------------------------------------------- */

static void
test_protocol(void **unused)
{
    struct aiwb_frame *f = iris();
    struct spec sp;
    struct pipeline *p;
    struct prediction pr;
    struct aiwb_step step;
    char *cause = NULL;
    int rc, n = 0;

    (void)unused;
    spec_init(&sp, "logistic", NULL, "species");
    spec_add(&sp, transform("standardize"), NULL);
    p = pipeline_prepare(&sp.s, f, NULL, &cause);
    if (p == NULL)
        fail_msg("pipeline_prepare: %s", cause);

    /* No predictions while training. */
    assert_int_equal(pipeline_predict(p, f, &pr, NULL, &cause), AIWB_EINVAL);
    assert_has(cause, "still training");
    assert_null(pr.values);
    free(cause);
    cause = NULL;

    while ((rc = pipeline_iterate(p, &step, &cause)) == AIWB_CONTINUE) {
        n++;
        assert_int_equal(step.iteration, n);
        assert_true(step.n >= 1);
        assert_string_equal(step.names[0], "loss");
        assert_true(isfinite(step.values[0]));
        assert_true(n < 1000);
    }
    if (rc != AIWB_OK)
        fail_msg("pipeline_iterate: %s", cause);
    assert_int_equal(step.iteration, n + 1);
    assert_true(n >= 2); /* BFGS does not converge at once here */
    assert_int_equal(pipeline_finish(p, &cause), AIWB_OK);

    /* No more iterations after finish. */
    assert_int_equal(pipeline_iterate(p, &step, &cause), AIWB_EINVAL);
    assert_has(cause, "already trained");
    free(cause);
    cause = NULL;

    predict_ok(p, f, &pr, NULL);
    assert_int_equal(pr.k, 3);
    prediction_release(&pr);
    pipeline_free(p);
    frame_free(f);
}

/* Stopped after one iteration (a cancel): the model predicts as it stands. */
static void
test_stopped_early(void **unused)
{
    struct aiwb_frame *f = iris();
    struct spec sp;
    struct pipeline *p;
    struct prediction pr;
    struct aiwb_step step;
    char *cause = NULL;

    (void)unused;
    spec_init(&sp, "logistic", NULL, "species");
    p = pipeline_prepare(&sp.s, f, NULL, &cause);
    assert_non_null(p);
    assert_int_equal(pipeline_iterate(p, &step, &cause), AIWB_CONTINUE);
    assert_int_equal(pipeline_finish(p, &cause), AIWB_OK);
    predict_ok(p, f, &pr, NULL);
    for (size_t i = 0; i < pr.n; i++)
        tu_assert_rel(pr.values[3 * i] + pr.values[3 * i + 1] + pr.values[3 * i + 2], 1, 1e-12);
    prediction_release(&pr);
    pipeline_free(p);

    /* Freed while training, without finish. */
    spec_init(&sp, "logistic", NULL, "species");
    p = pipeline_prepare(&sp.s, f, NULL, &cause);
    assert_non_null(p);
    assert_int_equal(pipeline_iterate(p, &step, &cause), AIWB_CONTINUE);
    pipeline_free(p);
    frame_free(f);
}

/* ---- Save and load ----------------------------------------------------------------- */

static void
assert_same_pipeline(const struct pipeline *a, const struct pipeline *b)
{
    assert_int_equal(pipeline_task(a), pipeline_task(b));
    assert_string_equal(pipeline_target(a), pipeline_target(b));
    assert_string_equal(pipeline_algorithm(a), pipeline_algorithm(b));
    assert_string_equal(pipeline_transforms(a), pipeline_transforms(b));
    assert_string_equal(pipeline_options(a), pipeline_options(b));
    assert_int_equal(pipeline_n_classes(a), pipeline_n_classes(b));
    for (size_t k = 0; k < pipeline_n_classes(a); k++)
        assert_string_equal(pipeline_class_name(a, k), pipeline_class_name(b, k));
    assert_int_equal(pipeline_n_inputs(a), pipeline_n_inputs(b));
    for (size_t i = 0; i < pipeline_n_inputs(a); i++)
        assert_string_equal(pipeline_input_name(a, i), pipeline_input_name(b, i));
}

static void
test_save_load_regression(void **unused)
{
    struct raw r;
    struct spec sp;
    struct aiwb_frame *f;
    struct pipeline *p, *q;
    struct prediction pr, qr;
    unsigned char *blob, *blob2;
    size_t len, len2;
    char *cause = NULL;

    (void)unused;
    raw_make(&r, 80, 12);
    r.x1[2] = r.x2[9] = NA;
    r.color[20] = NULL;
    f = raw_frame(&r, "x1,color,x2,y", colors);
    spec_init(&sp, "ols", (const char *const[]){"intercept=true", NULL}, "y");
    spec_add(&sp, transform("impute"), (const char *const[]){"strategy=median", NULL});
    spec_add(&sp, transform("standardize"), NULL);
    p = train(&sp, f, NULL);
    q = reload(p, &blob, &len);
    predict_ok(p, f, &pr, NULL);
    predict_ok(q, f, &qr, NULL);
    assert_same_prediction(&pr, &qr);

    /* The reloaded model saves to the same bytes. */
    blob2 = pipeline_save(q, &len2, &cause);
    assert_non_null(blob2);
    assert_int_equal(len, len2);
    assert_memory_equal(blob, blob2, len);
    free(blob2);

    /* Its summary is there too. */
    {
        struct aiwb_table *t = table_new(NULL), *u = table_new(NULL);

        assert_int_equal(pipeline_summary(p, t), AIWB_OK);
        assert_int_equal(pipeline_summary(q, u), AIWB_OK);
        assert_int_equal(table_rows(t), table_rows(u));
        assert_true(table_rows(t) >= 4);
        table_free(t);
        table_free(u);
    }
    assert_same_pipeline(p, q);
    prediction_release(&pr);
    prediction_release(&qr);
    free(blob);
    pipeline_free(q);
    pipeline_free(p);
    frame_free(f);
}

static void
test_save_load_classification(void **unused)
{
    struct aiwb_frame *f = iris();
    struct spec sp;
    struct pipeline *p, *q;
    struct prediction pr, qr;
    unsigned char *blob;
    size_t len;

    (void)unused;
    spec_init(&sp, "logistic", (const char *const[]){c_word("0.5"), NULL}, "species");
    spec_add(&sp, transform("standardize"), (const char *const[]){"center=false", NULL});
    p = train(&sp, f, NULL);
    q = reload(p, &blob, &len);
    assert_int_equal(pipeline_n_classes(q), 3);
    predict_ok(p, f, &pr, NULL);
    predict_ok(q, f, &qr, NULL);
    assert_same_prediction(&pr, &qr);
    assert_same_pipeline(p, q);
    prediction_release(&pr);
    prediction_release(&qr);
    free(blob);
    pipeline_free(q);
    pipeline_free(p);
    frame_free(f);
}

/* Write a valid header for the payload of BLOB again (length and checksum). */
static void
reseal(unsigned char *blob, size_t len)
{
    uint64_t n = len - 20;
    uint32_t crc = codec_crc32(0, blob + 20, (size_t)n);

    for (int i = 0; i < 8; i++)
        blob[8 + i] = (unsigned char)(n >> (8 * i));
    for (int i = 0; i < 4; i++)
        blob[16 + i] = (unsigned char)(crc >> (8 * i));
}

/* A model to take apart: impute, onehot (automatic), standardize, ols. */
static struct pipeline *
model_for_damage(struct aiwb_frame **data)
{
    struct raw r;
    struct spec sp;

    raw_make(&r, 40, 13);
    r.x1[1] = NA;
    *data = raw_frame(&r, "x1,color,x2,y", colors);
    spec_init(&sp, "ols", NULL, "y");
    spec_add(&sp, transform("impute"), NULL);
    spec_add(&sp, transform("standardize"), NULL);
    return train(&sp, *data, NULL);
}

static void
test_load_damaged(void **unused)
{
    struct aiwb_frame *f;
    struct pipeline *p = model_for_damage(&f), *q;
    unsigned char *blob, *copy;
    size_t len;
    char *cause = NULL;

    (void)unused;
    blob = pipeline_save(p, &len, &cause);
    assert_non_null(blob);
    copy = malloc(len);

    /* Every truncated prefix. */
    for (size_t n = 0; n < len; n++) {
        memcpy(copy, blob, n);
        cause = NULL;
        q = pipeline_load(copy, n, &cause);
        if (q != NULL)
            fail_msg("a blob cut to %zu of %zu bytes loaded", n, len);
        if (cause == NULL || *cause == '\0')
            fail_msg("a blob cut to %zu bytes failed without a message", n);
        free(cause);
    }

    /* Random bit flips anywhere: the checksum or the header catches them. */
    rng = 99;
    for (int t = 0; t < 2000; t++) {
        size_t bit = (size_t)(unif() * (double)len * 8);

        memcpy(copy, blob, len);
        copy[bit / 8] ^= (unsigned char)(1u << (bit % 8));
        cause = NULL;
        q = pipeline_load(copy, len, &cause);
        if (q != NULL)
            fail_msg("a blob with bit %zu flipped loaded", bit);
        assert_non_null(cause);
        free(cause);
    }
    free(copy);
    free(blob);
    pipeline_free(p);
    frame_free(f);
}

/* Load TRIES damaged copies of P's blob (and predict F with those that load). */
static void
damage(const struct pipeline *p, const struct aiwb_frame *f, int tries)
{
    unsigned char *blob, *copy;
    size_t len, loaded = 0;
    char *cause = NULL;
    struct pipeline *q;

    blob = pipeline_save(p, &len, &cause);
    assert_non_null(blob);
    copy = malloc(len);
    for (int t = 0; t < tries; t++) {
        size_t n = len, flips = 1 + (size_t)(unif() * 3);
        struct prediction pr;
        char *notes = NULL;

        memcpy(copy, blob, len);
        if (t % 4 == 3) /* cut the payload short */
            n = 20 + (size_t)(unif() * (double)(len - 20));
        else
            for (size_t k = 0; k < flips; k++) {
                size_t bit = 160 + (size_t)(unif() * (double)(len - 20) * 8);

                copy[bit / 8] ^= (unsigned char)(1u << (bit % 8));
            }
        reseal(copy, n);
        cause = NULL;
        q = pipeline_load(copy, n, &cause);
        if (q == NULL) {
            if (cause == NULL || *cause == '\0')
                fail_msg("damaged payload (try %d) failed without a message", t);
            free(cause);
            continue;
        }
        loaded++;
        cause = NULL;
        if (pipeline_predict(q, f, &pr, &notes, &cause) == AIWB_OK)
            prediction_release(&pr);
        else
            assert_non_null(cause);
        free(notes);
        free(cause);
        pipeline_free(q);
    }
    print_message("# %s: %zu of %d damaged payloads still loaded\n", pipeline_algorithm(p),
                  loaded, tries);
    free(copy);
    free(blob);
}

/*
 * Damage that passes the checksum (the payload changed and the header written again, as
 * a buggy writer or a hostile file would): loading fails with a message or gives a model
 * that predicts or refuses with a message, and never crashes. Run it under valgrind or the
 * sanitizers to see the point of it.
 */
static void
test_load_damaged_payload(void **unused)
{
    struct aiwb_frame *f;
    struct pipeline *p = model_for_damage(&f);
    struct spec sp;

    (void)unused;
    rng = 7;
    damage(p, f, 3000);
    pipeline_free(p);
    frame_free(f);

    f = iris();
    spec_init(&sp, "logistic", NULL, "species");
    p = train(&sp, f, NULL);
    rng = 8;
    damage(p, f, 3000);
    pipeline_free(p);
    frame_free(f);
}

/* Replace every occurrence of FROM in the payload by TO (as long) and reseal. */
static void
rename_in_blob(unsigned char *blob, size_t len, const char *from, const char *to)
{
    size_t n = strlen(from), hits = 0;

    assert_int_equal(strlen(to), n);
    for (size_t i = 20; i + n <= len; i++)
        if (memcmp(blob + i, from, n) == 0) {
            memcpy(blob + i, to, n);
            hits++;
        }
    assert_true(hits > 0);
    reseal(blob, len);
}

static void
test_load_unknown_component(void **unused)
{
    struct aiwb_frame *f;
    struct pipeline *p = model_for_damage(&f), *q;
    unsigned char *blob;
    size_t len;
    char *cause = NULL;

    (void)unused;
    blob = pipeline_save(p, &len, &cause);
    rename_in_blob(blob, len, "standardize", "standardizz");
    q = pipeline_load(blob, len, &cause);
    assert_null(q);
    assert_has(cause, "the transform 'standardizz', which is not loaded");
    free(cause);
    free(blob);

    blob = pipeline_save(p, &len, &cause);
    rename_in_blob(blob, len, "ols", "olz");
    q = pipeline_load(blob, len, &cause);
    assert_null(q);
    assert_has(cause, "the algorithm 'olz', which is not loaded");
    free(cause);
    free(blob);

    /* A sealed blob of something else. */
    {
        struct aiwb_writer *w = writer_new();

        codec_put_str(w, "kind", "split");
        codec_put_int(w, "format", 1);
        blob = codec_seal(w, &len);
        writer_free(w);
        q = pipeline_load(blob, len, &cause);
        assert_null(q);
        assert_has(cause, "not a model");
        assert_has(cause, "'split'");
        free(cause);
        free(blob);
    }
    pipeline_free(p);
    frame_free(f);
}

/* ---- Evaluation ------------------------------------------------------------------------- */

static double
metric(const struct evaluation *ev, const char *name)
{
    for (size_t i = 0; i < ev->n; i++)
        if (strcmp(ev->names[i], name) == 0)
            return ev->values[i];
    fail_msg("no metric '%s'", name);
    return NAN;
}

/* The summary table says what names/values say. */
static void
assert_summary_matches(const struct evaluation *ev)
{
    assert_non_null(ev->summary);
    assert_int_equal(table_rows(ev->summary), ev->n);
    for (size_t i = 0; i < ev->n; i++) {
        assert_string_equal(table_cell(ev->summary, i, 0)->v.s, ev->names[i]);
        assert_memory_equal(&table_cell(ev->summary, i, 1)->v.r, &ev->values[i],
                            sizeof(double));
    }
}

static void
test_evaluate_regression(void **unused)
{
    struct raw r, s;
    struct spec sp;
    struct aiwb_frame *f, *g;
    struct pipeline *p;
    struct prediction pr;
    struct evaluation ev;
    char *notes = NULL, *cause = NULL;
    double se = 0, ae = 0, mean = 0, tss = 0;

    (void)unused;
    raw_make(&r, 60, 14);
    f = raw_frame(&r, "x1,color,x2,y", colors);
    spec_init(&sp, "ols", NULL, "y");
    p = train(&sp, f, NULL);

    raw_make(&s, 40, 15); /* held-out rows */
    g = raw_frame(&s, "x1,color,x2,y", colors_reversed);
    predict_ok(p, g, &pr, NULL);
    for (size_t i = 0; i < s.n; i++) {
        se += (s.y[i] - pr.values[i]) * (s.y[i] - pr.values[i]);
        ae += fabs(s.y[i] - pr.values[i]);
        mean += s.y[i] / (double)s.n;
    }
    for (size_t i = 0; i < s.n; i++)
        tss += (s.y[i] - mean) * (s.y[i] - mean);
    if (pipeline_evaluate(p, g, &ev, &notes, &cause) != AIWB_OK)
        fail_msg("pipeline_evaluate: %s", cause);
    assert_null(notes);
    assert_summary_matches(&ev);
    assert_null(ev.per_class);
    assert_null(ev.confusion);
    assert_true(metric(&ev, "rows") == 40);
    tu_assert_rel(metric(&ev, "rmse"), sqrt(se / 40), 1e-12);
    tu_assert_rel(metric(&ev, "mae"), ae / 40, 1e-12);
    tu_assert_rel(metric(&ev, "r2"), 1 - se / tss, 1e-12);
    assert_true(metric(&ev, "rmse") < 0.3); /* the noise is uniform(-0.15, 0.15) */
    evaluation_release(&ev);
    prediction_release(&pr);
    frame_free(g);

    /* No target column; a categorical one; no rows with a target. */
    g = raw_frame(&s, "x1,color,x2", colors);
    assert_true(pipeline_evaluate(p, g, &ev, &notes, &cause) < 0);
    assert_has(cause, "no target column 'y'");
    assert_null(ev.summary);
    free(cause);
    add_cat(g, "y", NULL, s.color);
    assert_true(pipeline_evaluate(p, g, &ev, &notes, &cause) < 0);
    assert_has(cause, "the target 'y' is categorical here");
    free(cause);
    frame_free(g);
    for (size_t i = 0; i < s.n; i++)
        s.y[i] = NA;
    g = raw_frame(&s, "x1,color,x2,y", colors);
    assert_true(pipeline_evaluate(p, g, &ev, &notes, &cause) < 0);
    assert_has(cause, "no rows are left to evaluate on");
    assert_has(notes, "40 rows with a missing target left out");
    free(notes);
    free(cause);
    frame_free(g);

    pipeline_free(p);
    frame_free(f);
}

static void
test_evaluate_classification(void **unused)
{
    struct aiwb_frame *f = iris(), *g;
    struct spec sp;
    struct pipeline *p;
    struct prediction pr;
    struct evaluation ev;
    char *notes = NULL, *cause = NULL;
    size_t tc, k, conf[9] = {0}, right = 0, n;
    const int32_t *codes;
    int truth[150];
    double ll = 0, mp = 0, mr = 0, mf = 0;

    (void)unused;
    spec_init(&sp, "logistic", (const char *const[]){c_word("0.05"), NULL}, "species");
    p = train(&sp, f, NULL);
    k = pipeline_n_classes(p);
    assert_int_equal(k, 3);
    tc = (size_t)frame_find(f, "species");
    codes = frame_codes(f, tc);
    n = frame_rows(f);
    predict_ok(p, f, &pr, NULL);
    for (size_t i = 0; i < n; i++) {
        const char *name = frame_level(f, tc, codes[i]);
        double q;

        truth[i] = -1;
        for (size_t c = 0; c < k; c++)
            if (strcmp(pipeline_class_name(p, c), name) == 0)
                truth[i] = (int)c;
        assert_true(truth[i] >= 0);
        conf[truth[i] * 3 + pr.classes[i]]++;
        right += truth[i] == pr.classes[i];
        q = pr.values[i * k + (size_t)truth[i]];
        ll -= log(q < 1e-15 ? 1e-15 : q > 1 - 1e-15 ? 1 - 1e-15 : q);
    }
    assert_true(right < n); /* a weak penalty-heavy model: some errors to count */

    if (pipeline_evaluate(p, f, &ev, &notes, &cause) != AIWB_OK)
        fail_msg("pipeline_evaluate: %s", cause);
    assert_null(notes);
    assert_summary_matches(&ev);
    assert_true(metric(&ev, "rows") == 150);
    tu_assert_rel(metric(&ev, "accuracy"), (double)right / 150, 1e-12);
    tu_assert_rel(metric(&ev, "log_loss"), ll / 150, 1e-9);

    /* Per class: class, precision, recall, f1, support; then the macro row. */
    assert_int_equal(table_rows(ev.per_class), k + 1);
    for (size_t c = 0; c < k; c++) {
        size_t tp = conf[c * 3 + c], predicted = 0, support = 0;
        double prec, rec, f1;

        for (size_t j = 0; j < k; j++) {
            predicted += conf[j * 3 + c];
            support += conf[c * 3 + j];
        }
        prec = predicted ? (double)tp / (double)predicted : 0;
        rec = (double)tp / (double)support;
        f1 = prec + rec > 0 ? 2 * prec * rec / (prec + rec) : 0;
        mp += prec / 3, mr += rec / 3, mf += f1 / 3;
        assert_string_equal(table_cell(ev.per_class, c, 0)->v.s, pipeline_class_name(p, c));
        tu_assert_rel(table_cell(ev.per_class, c, 1)->v.r, prec, 1e-12);
        tu_assert_rel(table_cell(ev.per_class, c, 2)->v.r, rec, 1e-12);
        tu_assert_rel(table_cell(ev.per_class, c, 3)->v.r, f1, 1e-12);
        assert_int_equal(table_cell(ev.per_class, c, 4)->v.i, support);
    }
    assert_string_equal(table_cell(ev.per_class, k, 0)->v.s, "(macro)");
    tu_assert_rel(table_cell(ev.per_class, k, 1)->v.r, mp, 1e-12);
    tu_assert_rel(table_cell(ev.per_class, k, 2)->v.r, mr, 1e-12);
    tu_assert_rel(table_cell(ev.per_class, k, 3)->v.r, mf, 1e-12);
    tu_assert_rel(metric(&ev, "precision"), mp, 1e-12);
    tu_assert_rel(metric(&ev, "recall"), mr, 1e-12);
    tu_assert_rel(metric(&ev, "f1"), mf, 1e-12);

    /* Confusion: rows true, columns predicted, named by class. */
    assert_int_equal(table_rows(ev.confusion), k);
    assert_int_equal(ev.confusion->ncols, k + 1);
    for (size_t c = 0; c < k; c++) {
        assert_string_equal(ev.confusion->cols[c + 1].name, pipeline_class_name(p, c));
        assert_string_equal(table_cell(ev.confusion, c, 0)->v.s, pipeline_class_name(p, c));
        for (size_t j = 0; j < k; j++)
            assert_int_equal(table_cell(ev.confusion, c, j + 1)->v.i, conf[c * 3 + j]);
    }
    evaluation_release(&ev);
    prediction_release(&pr);

    /* A class the model never saw, and a missing one, are left out. */
    g = frame_clone(f);
    {
        int32_t *mut = frame_codes_mut(g, tc);

        mut[0] = frame_level_intern(g, tc, "hybrid", 6);
        mut[1] = frame_level_intern(g, tc, "hybrid", 6);
        mut[2] = AIWB_NA_CODE;
    }
    if (pipeline_evaluate(p, g, &ev, &notes, &cause) != AIWB_OK)
        fail_msg("pipeline_evaluate: %s", cause);
    assert_has(notes, "1 row with a missing target left out");
    assert_has(notes, "2 rows with a class the model never saw left out");
    assert_true(metric(&ev, "rows") == 147);
    free(notes);
    evaluation_release(&ev);
    frame_free(g);

    pipeline_free(p);
    frame_free(f);
}

/* ---- Evaluation of clusterings ------------------------------------------------------------ */

/* tests/data/metrics/blobs.csv: 24 points, 8 around each of (0,0), (10,0), (0,10), and their
 * blob. */
static struct aiwb_frame *
blobs(void)
{
    char *path = tu_srcpath("tests/data/metrics/blobs.csv"), *cause = NULL;
    struct aiwb_frame *f = tu_read(path, NULL, &cause);

    if (f == NULL)
        fail_msg("reading blobs.csv: %s", cause);
    free(path);
    assert_int_equal(frame_rows(f), 24);
    return f;
}

/* Whether EV has the metric NAME. */
static int
has_metric(const struct evaluation *ev, const char *name)
{
    for (size_t i = 0; i < ev->n; i++)
        if (strcmp(ev->names[i], name) == 0)
            return 1;
    return 0;
}

/* The headline names of EV, space-separated, in a static buffer. */
static const char *
metric_names(const struct evaluation *ev)
{
    static char buf[512];
    size_t len = 0;

    buf[0] = '\0';
    for (size_t i = 0; i < ev->n; i++)
        len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%s", i ? " " : "", ev->names[i]);
    return buf;
}

static void
evaluate_ok(const struct pipeline *p, const struct aiwb_frame *data, size_t k, double relevant,
            struct evaluation *ev, char **notes)
{
    char *cause = NULL;

    if (pipeline_evaluate_at(p, data, k, relevant, ev, notes, &cause) != AIWB_OK)
        fail_msg("pipeline_evaluate_at: %s", cause);
    assert_null(cause);
    assert_summary_matches(ev);
}

static char *
evaluate_refused(const struct pipeline *p, const struct aiwb_frame *data, size_t k,
                 double relevant)
{
    struct evaluation ev;
    char *cause = NULL, *notes = NULL;

    if (pipeline_evaluate_at(p, data, k, relevant, &ev, &notes, &cause) >= 0)
        fail_msg("pipeline_evaluate_at accepted what it should refuse");
    assert_null(ev.summary);
    assert_null(ev.per_class);
    assert_int_equal(ev.n, 0);
    free(notes);
    assert_non_null(cause);
    return cause;
}

/* The clusters table: a row per cluster numbered from 1, its rows and share; the rows add
 * up to N and each cluster has WANT rows (0: any). */
static void
assert_clusters(const struct evaluation *ev, size_t k, size_t n, size_t want)
{
    size_t sum = 0;
    double share = 0;

    assert_non_null(ev->per_class);
    assert_int_equal(ev->per_class->ncols, 3);
    assert_string_equal(ev->per_class->cols[0].name, "cluster");
    assert_string_equal(ev->per_class->cols[1].name, "rows");
    assert_string_equal(ev->per_class->cols[2].name, "share");
    assert_int_equal(table_rows(ev->per_class), k);
    for (size_t c = 0; c < k; c++) {
        int64_t rows = table_cell(ev->per_class, c, 1)->v.i;

        assert_int_equal(table_cell(ev->per_class, c, 0)->v.i, c + 1);
        if (want > 0)
            assert_int_equal(rows, want);
        tu_assert_rel(table_cell(ev->per_class, c, 2)->v.r, (double)rows / (double)n, 1e-15);
        sum += (size_t)rows;
        share += table_cell(ev->per_class, c, 2)->v.r;
    }
    assert_int_equal(sum, n);
    tu_assert_rel(share, 1.0, 1e-12);
    assert_null(ev->confusion);
}

static void
test_evaluate_clustering(void **unused)
{
    /* tests/data/metrics/cluster-reference.py (scikit-learn 1.2.1):
     * KMeans(n_clusters=3).inertia_ and silhouette_score(X, blob) on blobs.csv, and
     * the within sum of squares of the origin blob alone. */
    const double sk_inertia = 43.674199999999985, sk_silhouette = 0.81929837925784488;
    const double sk_origin_inertia = 17.500475000000002;
    struct aiwb_frame *f = blobs(), *g;
    struct spec sp;
    struct pipeline *p;
    struct evaluation ev;
    char *notes = NULL;
    size_t bc = (size_t)frame_find(f, "blob"), n = frame_rows(f);
    const double *x = frame_numeric(f, (size_t)frame_find(f, "x"));
    const double *y = frame_numeric(f, (size_t)frame_find(f, "y"));
    double mx[3] = {0}, my[3] = {0}, within = 0;
    size_t count[3] = {0};

    (void)unused;
    /* The blobs' own within sum of squares: what k-means must find, the blobs being
     * far apart. */
    for (size_t i = 0; i < n; i++) {
        int32_t b = frame_codes(f, bc)[i];

        mx[b] += x[i], my[b] += y[i], count[b]++;
    }
    for (size_t b = 0; b < 3; b++)
        mx[b] /= (double)count[b], my[b] /= (double)count[b];
    for (size_t i = 0; i < n; i++) {
        int32_t b = frame_codes(f, bc)[i];

        within += (x[i] - mx[b]) * (x[i] - mx[b]) + (y[i] - my[b]) * (y[i] - my[b]);
    }
    tu_assert_rel(within, sk_inertia, 1e-12);

    spec_init(&sp, "kmeans", (const char *const[]){"k=3", NULL}, "blob");
    p = train(&sp, f, NULL);
    assert_int_equal(pipeline_task(p), AIWB_TASK_CLUSTERING);

    /* On the data it learned from, with the true blobs. */
    evaluate_ok(p, f, PIPELINE_EVAL_K, NAN, &ev, &notes);
    assert_null(notes);
    assert_string_equal(metric_names(&ev), "rows inertia silhouette ari");
    assert_true(metric(&ev, "rows") == 24);
    tu_assert_rel(metric(&ev, "inertia"), sk_inertia, 1e-9);
    tu_assert_rel(metric(&ev, "silhouette"), sk_silhouette, 1e-9);
    tu_assert_rel(metric(&ev, "ari"), 1.0, 1e-12);
    assert_clusters(&ev, 3, 24, 8);
    evaluation_release(&ev);

    /* pipeline_evaluate() is the same for a clustering. */
    {
        char *cause = NULL;

        assert_int_equal(pipeline_evaluate(p, f, &ev, &notes, &cause), AIWB_OK);
        assert_string_equal(metric_names(&ev), "rows inertia silhouette ari");
        evaluation_release(&ev);
    }

    /* Without the blob column: no adjusted Rand index, and nothing to say about it. */
    g = frame_without(f, bc);
    evaluate_ok(p, g, PIPELINE_EVAL_K, NAN, &ev, &notes);
    assert_null(notes);
    assert_string_equal(metric_names(&ev), "rows inertia silhouette");
    tu_assert_rel(metric(&ev, "inertia"), sk_inertia, 1e-9);
    tu_assert_rel(metric(&ev, "silhouette"), sk_silhouette, 1e-9);
    assert_clusters(&ev, 3, 24, 8);
    evaluation_release(&ev);
    frame_free(g);

    /* Some blobs missing: the index over the others, with a note; all missing: none. */
    g = frame_clone(f);
    frame_codes_mut(g, bc)[3] = AIWB_NA_CODE;
    frame_codes_mut(g, bc)[17] = AIWB_NA_CODE;
    evaluate_ok(p, g, PIPELINE_EVAL_K, NAN, &ev, &notes);
    assert_has(notes, "the adjusted Rand index leaves out 2 rows without a 'blob'");
    tu_assert_rel(metric(&ev, "ari"), 1.0, 1e-12);
    assert_true(metric(&ev, "rows") == 24);
    free(notes);
    evaluation_release(&ev);
    for (size_t i = 0; i < n; i++)
        frame_codes_mut(g, bc)[i] = AIWB_NA_CODE;
    evaluate_ok(p, g, PIPELINE_EVAL_K, NAN, &ev, &notes);
    assert_has(notes, "no adjusted Rand index: every 'blob' is missing");
    assert_false(has_metric(&ev, "ari"));
    assert_true(has_metric(&ev, "silhouette"));
    free(notes);
    evaluation_release(&ev);
    frame_free(g);

    /* True labels as numbers, another numbering of the blobs: the same agreement. */
    g = frame_without(f, bc);
    {
        double *v = frame_add_numeric(g, "blob");

        for (size_t i = 0; i < n; i++)
            v[i] = 10.0 * (3 - frame_codes(f, bc)[i]);
    }
    evaluate_ok(p, g, PIPELINE_EVAL_K, NAN, &ev, &notes);
    assert_null(notes);
    tu_assert_rel(metric(&ev, "ari"), 1.0, 1e-12);
    evaluation_release(&ev);
    frame_free(g);

    /* A wrong grouping scores below 1: rows in data order dealt into 3 labels. */
    g = frame_clone(f);
    for (size_t i = 0; i < n; i++)
        frame_codes_mut(g, bc)[i] = (int32_t)(i % 3);
    evaluate_ok(p, g, PIPELINE_EVAL_K, NAN, &ev, &notes);
    assert_true(metric(&ev, "ari") < 0.5);
    evaluation_release(&ev);
    frame_free(g);

    /* The origin blob alone: one cluster, so no silhouette (a note says why); the
     * inertia is that of the rows given, around the centre k-means found. */
    {
        size_t keep[8], m = 0;

        for (size_t i = 0; i < n; i++)
            if (strcmp(frame_level(f, bc, frame_codes(f, bc)[i]), "origin") == 0)
                keep[m++] = i;
        assert_int_equal(m, 8);
        g = frame_take(f, keep, m);
    }
    evaluate_ok(p, g, PIPELINE_EVAL_K, NAN, &ev, &notes);
    assert_has(notes, "no silhouette: ");
    assert_has(notes, "2 clusters or more");
    assert_false(has_metric(&ev, "silhouette"));
    assert_true(metric(&ev, "rows") == 8);
    tu_assert_rel(metric(&ev, "inertia"), sk_origin_inertia, 1e-9);
    /* Three clusters still, two of them empty here. */
    assert_clusters(&ev, 3, 8, 0);
    free(notes);
    evaluation_release(&ev);
    frame_free(g);

    /* No rows; a feature missing. */
    {
        size_t none = 0;
        char *cause;

        g = frame_take(f, &none, 0);
        cause = evaluate_refused(p, g, PIPELINE_EVAL_K, NAN);
        assert_has(cause, "no rows to evaluate on");
        free(cause);
        frame_free(g);
        g = frame_without(f, (size_t)frame_find(f, "y"));
        cause = evaluate_refused(p, g, PIPELINE_EVAL_K, NAN);
        assert_has(cause, "'y'");
        free(cause);
        frame_free(g);
    }
    pipeline_free(p);
    frame_free(f);
}

/* ---- Evaluation of recommenders ----------------------------------------------------------- */

/* A frame of interactions: columns UCOL and ICOL from USERS and ITEMS (N each), and RCOL
 * from RATINGS unless RCOL is NULL. */
static struct aiwb_frame *
interactions(size_t n, const char *ucol, const char *const *users, const char *icol,
             const char *const *items, const char *rcol, const double *ratings)
{
    struct aiwb_frame *f = frame_new(n);

    add_cat(f, ucol, NULL, users);
    add_cat(f, icol, NULL, items);
    if (rcol != NULL)
        add_num(f, rcol, ratings);
    return f;
}

/*
 * Training pairs for `popular` by count: U1 has i1; U2 i1 i2; U3 i1 i2 i3; U4 i1 .. i4;
 * U5 i1 .. i5. So i1 has 5 users, i2 4, i3 3, i4 2, i5 1, and each user is recommended the
 * most popular items it lacks, in that order.
 */
static const char *const pop_users[] = {"U1", "U2", "U2", "U3", "U3", "U3", "U4", "U4",
                                        "U4", "U4", "U5", "U5", "U5", "U5", "U5"};
static const char *const pop_items[] = {"i1", "i1", "i2", "i1", "i2", "i3", "i1", "i2",
                                        "i3", "i4", "i1", "i2", "i3", "i4", "i5"};

static void
test_evaluate_ranking_popular(void **unused)
{
    /*
     * Held out, at k=2 (recommended: U1 i2 i3; U2 i3 i4; U3 i4 i5; U4 i5 alone):
     *   U1 i2 i4   hit i2 at rank 1: P 1/2, R 1/2, AP 1/2, NDCG 1/(1 + 1/log2 3)
     *   U2 i3      hit at 1:         P 1/2, R 1,   AP 1,   NDCG 1
     *   U3 i1 i5   i1 it had (left out); i5 hit at 2: P 1/2, R 1, AP 1/2, NDCG 1/log2 3
     *   U4 i9      an item the model does not know: P 0, R 0, AP 0, NDCG 0
     *   U5 i2      it had: no relevant item, the user is left out
     *   U9 i1 i2   a user the model does not know: left out
     */
    static const char *const users[] = {"U1", "U1", "U2", "U3", "U3", "U4", "U5", "U9", "U9"};
    static const char *const items[] = {"i2", "i4", "i3", "i1", "i5", "i9", "i2", "i1", "i2"};
    const double l3 = log2(3.0);
    struct aiwb_frame *f, *g;
    struct spec sp;
    struct pipeline *p;
    struct evaluation ev;
    char *notes = NULL, *cause;

    (void)unused;
    f = interactions(LEN(pop_users), "user", pop_users, "item", pop_items, NULL, NULL);
    spec_init(&sp, "popular", NULL, NULL);
    p = train(&sp, f, NULL);
    assert_int_equal(pipeline_task(p), AIWB_TASK_RANKING);
    g = interactions(9, "user", users, "item", items, NULL, NULL);

    evaluate_ok(p, g, 2, NAN, &ev, &notes);
    assert_string_equal(metric_names(&ev),
                        "rows users precision@2 recall@2 ndcg@2 map@2 hit_rate@2");
    assert_true(metric(&ev, "rows") == 7); /* those of the users it knows */
    assert_true(metric(&ev, "users") == 4);
    tu_assert_rel(metric(&ev, "precision@2"), (0.5 + 0.5 + 0.5 + 0) / 4, 1e-15);
    tu_assert_rel(metric(&ev, "recall@2"), (0.5 + 1 + 1 + 0) / 4, 1e-15);
    tu_assert_rel(metric(&ev, "map@2"), (0.5 + 1 + 0.5 + 0) / 4, 1e-15);
    tu_assert_rel(metric(&ev, "hit_rate@2"), 0.75, 1e-15);
    tu_assert_rel(metric(&ev, "ndcg@2"), (1 / (1 + 1 / l3) + 1 + 1 / l3 + 0) / 4, 1e-12);
    assert_has(notes, "2 interactions of users the model does not know left out");
    assert_has(notes, "2 interactions with items the user already had in training left out");
    assert_has(notes, "1 user with no relevant held-out item left out");
    assert_lacks(notes, "rated below");
    assert_null(ev.per_class);
    assert_null(ev.confusion);
    free(notes);
    evaluation_release(&ev);

    /*
     * k=3 (recommended: U1 i2 i3 i4; U2 i3 i4 i5; U3 i4 i5; U4 i5): U1 hits i2 and i4
     * (P 2/3, R 1, AP (1 + 2/3)/2), U2 P 1/3 R 1, U3 P 1/3 R 1 AP 1/2, U4 nothing.
     */
    evaluate_ok(p, g, 3, NAN, &ev, &notes);
    assert_string_equal(metric_names(&ev),
                        "rows users precision@3 recall@3 ndcg@3 map@3 hit_rate@3");
    tu_assert_rel(metric(&ev, "precision@3"), (2.0 / 3 + 1.0 / 3 + 1.0 / 3) / 4, 1e-15);
    tu_assert_rel(metric(&ev, "recall@3"), 0.75, 1e-15);
    tu_assert_rel(metric(&ev, "map@3"), (5.0 / 6 + 1 + 0.5) / 4, 1e-15);
    tu_assert_rel(metric(&ev, "ndcg@3"), ((1 + 0.5) / (1 + 1 / l3) + 1 + 1 / l3) / 4, 1e-12);
    free(notes);
    evaluation_release(&ev);

    /* pipeline_evaluate(): the cutoff PIPELINE_EVAL_K. */
    {
        char *c = NULL, want[32];

        assert_int_equal(pipeline_evaluate(p, g, &ev, &notes, &c), AIWB_OK);
        snprintf(want, sizeof want, "precision@%d", PIPELINE_EVAL_K);
        assert_true(has_metric(&ev, want));
        free(notes);
        evaluation_release(&ev);
    }

    /* Refusals: k = 0; no user column, no item column; nobody to score. */
    cause = evaluate_refused(p, g, 0, NAN);
    assert_has(cause, "k must be 1 or more");
    free(cause);
    {
        struct aiwb_frame *h = frame_without(g, (size_t)frame_find(g, "user"));

        cause = evaluate_refused(p, h, 2, NAN);
        assert_has(cause, "there is no user column 'user' to evaluate the recommendations on");
        free(cause);
        frame_free(h);
        h = frame_without(g, (size_t)frame_find(g, "item"));
        cause = evaluate_refused(p, h, 2, NAN);
        assert_has(cause, "there is no item column 'item'");
        free(cause);
        frame_free(h);
        h = interactions(3, "user", (const char *const[]){"U9", "U5", "U8"}, "item",
                         (const char *const[]){"i1", "i1", "i2"}, NULL, NULL);
        cause = evaluate_refused(p, h, 2, NAN);
        assert_has(cause, "no user the model knows has a relevant held-out item (2 "
                          "interactions of unknown users, 1 of items the user already had)");
        free(cause);
        frame_free(h);
    }
    frame_free(g);
    pipeline_free(p);
    frame_free(f);
}

/*
 * Ratings to learn from: U1 i1 5, i2 3; U2 i1 4, i3 2; U3 i2 5, i4 3; U4 i3 3, i4 4. Mean
 * ratings: i1 4.5, i2 4, i4 3.5, i3 2.5; each user lacks two items.
 */
static const char *const rate_users[] = {"U1", "U1", "U2", "U2", "U3", "U3", "U4", "U4"};
static const char *const rate_items[] = {"i1", "i2", "i1", "i3", "i2", "i4", "i3", "i4"};
static const double rate_values[] = {5, 3, 4, 2, 5, 3, 3, 4};
/*
 * Held out: U1 i4 5, i3 2; U2 i2 4, i4 5; U3 i1 3; U4 i3 5 (it had it), i1 4, i9 5 (an
 * item unknown to the model); U7 i1 5 (a user unknown to it).
 */
static const char *const held_users[] = {"U1", "U1", "U2", "U2", "U3", "U4", "U4", "U4", "U7"};
static const char *const held_items[] = {"i4", "i3", "i2", "i4", "i1", "i3", "i1", "i9", "i1"};
static const double held_values[] = {5, 2, 4, 5, 3, 5, 4, 5, 5};

static void
test_evaluate_ranking_ratings(void **unused)
{
    /*
     * popular by=rating recommends by mean rating, at k=2: U1 i4 i3; U2 i2 i4; U3 i1 i3;
     * U4 i1 i2. With relevant=4 the relevant held-out items (rating >= 4) are U1 {i4},
     * U2 {i2, i4}, U3 none (i1 is rated 3), U4 {i1, i9} (i3 it had):
     *   U1  hit at 1: P 1/2, R 1,   AP 1,   NDCG 1
     *   U2  hits at 1 and 2 (gains 4, 5): P 1, R 1, AP 1,
     *       NDCG (4 + 5/log2 3) / (5 + 4/log2 3)
     *   U4  hit i1 at 1 (gain 4; i9 gain 5 missed): P 1/2, R 1/2, AP 1/2,
     *       NDCG 4 / (5 + 4/log2 3)
     * The predicted rating is the item's mean: on the 7 pairs of known users and items
     * the errors are 1.5 -0.5 0 1.5 -1.5 2.5 -0.5.
     */
    const double l3 = log2(3.0), ideal = 5 + 4 / l3;
    struct aiwb_frame *f, *g;
    struct spec sp;
    struct pipeline *p;
    struct evaluation ev;
    char *notes = NULL, *cause;

    (void)unused;
    f = interactions(8, "user", rate_users, "item", rate_items, "rating", rate_values);
    spec_init(&sp, "popular", (const char *const[]){"by=rating", NULL}, "rating");
    p = train(&sp, f, NULL);
    g = interactions(9, "user", held_users, "item", held_items, "rating", held_values);

    evaluate_ok(p, g, 2, 4.0, &ev, &notes);
    assert_string_equal(metric_names(&ev),
                        "rows users precision@2 recall@2 ndcg@2 map@2 hit_rate@2 rmse mae");
    assert_true(metric(&ev, "rows") == 8);
    assert_true(metric(&ev, "users") == 3);
    tu_assert_rel(metric(&ev, "precision@2"), 2.0 / 3, 1e-15);
    tu_assert_rel(metric(&ev, "recall@2"), 2.5 / 3, 1e-15);
    tu_assert_rel(metric(&ev, "map@2"), 2.5 / 3, 1e-15);
    tu_assert_rel(metric(&ev, "hit_rate@2"), 1.0, 1e-15);
    tu_assert_rel(metric(&ev, "ndcg@2"), (1 + (4 + 5 / l3) / ideal + 4 / ideal) / 3, 1e-12);
    tu_assert_rel(metric(&ev, "rmse"), sqrt(13.5 / 7), 1e-12);
    tu_assert_rel(metric(&ev, "mae"), 8.0 / 7, 1e-12);
    assert_has(notes, "1 interaction of users the model does not know left out");
    assert_has(notes, "1 interaction with items the user already had in training left out");
    assert_has(notes, "2 interactions rated below 4 not counted as relevant");
    assert_has(notes, "1 user with no relevant held-out item left out");
    free(notes);
    evaluation_release(&ev);

    /* Every held-out rating relevant: U3's i1 now counts (a hit at 1), and U1's i3 (2). */
    evaluate_ok(p, g, 2, NAN, &ev, &notes);
    assert_true(metric(&ev, "users") == 4);
    tu_assert_rel(metric(&ev, "precision@2"), (1 + 1 + 0.5 + 0.5) / 4, 1e-15);
    tu_assert_rel(metric(&ev, "recall@2"), (1 + 1 + 1 + 0.5) / 4, 1e-15);
    assert_lacks(notes, "rated below");
    assert_lacks(notes, "no relevant held-out item");
    free(notes);
    evaluation_release(&ev);

    /* The rating column is needed, and must hold numbers. */
    {
        struct aiwb_frame *h = frame_without(g, (size_t)frame_find(g, "rating"));

        cause = evaluate_refused(p, h, 2, 4.0);
        assert_has(cause, "there is no rating column 'rating' (the model learned ratings)");
        free(cause);
        add_cat(h, "rating", NULL, held_items);
        cause = evaluate_refused(p, h, 2, 4.0);
        assert_has(cause, "the rating 'rating' must be numeric");
        free(cause);
        frame_free(h);
    }
    frame_free(g);
    pipeline_free(p);
    frame_free(f);
}

static void
test_evaluate_ranking_als(void **unused)
{
    /*
     * ALS's order is its own, but at k=2 each user is recommended both items it lacks,
     * whatever their order, so precision, recall and hit rate follow from the data:
     * explicit with relevant=4 as for popular by=rating (U1 1/2, U2 1, U4 1/2 of 2
     * places); implicit, every held-out item relevant: U1 {i3 i4} and U2 {i2 i4} both
     * hits, U3 {i1} one of 2, U4 {i1 i9} one of 2.
     */
    static const char *const metrics_at2[] = {"precision@2", "recall@2", "ndcg@2", "map@2",
                                              "hit_rate@2"};
    struct aiwb_frame *f, *g, *h;
    struct spec sp;
    struct pipeline *p;
    struct evaluation ev;
    char *notes = NULL, *cause;

    (void)unused;
    /* Explicit ratings, with columns named otherwise. */
    f = interactions(8, "who", rate_users, "what", rate_items, "stars", rate_values);
    g = interactions(9, "who", held_users, "what", held_items, "stars", held_values);
    spec_init(&sp, "als", (const char *const[]){"factors=2", "max_iter=5", "threads=1", NULL},
              "stars");
    sp.s.user = "who";
    sp.s.item = "what";
    p = train(&sp, f, NULL);
    evaluate_ok(p, g, 2, 4.0, &ev, &notes);
    assert_string_equal(metric_names(&ev),
                        "rows users precision@2 recall@2 ndcg@2 map@2 hit_rate@2 rmse mae");
    assert_true(metric(&ev, "rows") == 8);
    assert_true(metric(&ev, "users") == 3);
    tu_assert_rel(metric(&ev, "precision@2"), 2.0 / 3, 1e-15);
    tu_assert_rel(metric(&ev, "recall@2"), 2.5 / 3, 1e-15);
    tu_assert_rel(metric(&ev, "hit_rate@2"), 1.0, 1e-15);
    for (size_t i = 0; i < LEN(metrics_at2); i++)
        assert_in_range(metric(&ev, metrics_at2[i]) * 1e6, 0, 1e6);
    assert_true(metric(&ev, "rmse") > 0 && isfinite(metric(&ev, "rmse")));
    assert_true(metric(&ev, "mae") > 0 && metric(&ev, "mae") <= metric(&ev, "rmse"));
    assert_has(notes, "1 interaction of users the model does not know left out");
    assert_has(notes, "1 interaction with items the user already had in training left out");
    assert_has(notes, "2 interactions rated below 4 not counted as relevant");
    assert_has(notes, "1 user with no relevant held-out item left out");
    free(notes);
    evaluation_release(&ev);
    /* k names the metrics. */
    evaluate_ok(p, g, 5, 4.0, &ev, &notes);
    assert_string_equal(metric_names(&ev),
                        "rows users precision@5 recall@5 ndcg@5 map@5 hit_rate@5 rmse mae");
    tu_assert_rel(metric(&ev, "precision@5"), (1.0 + 2 + 1) / 5 / 3, 1e-15);
    free(notes);
    evaluation_release(&ev);
    /* The columns the model reads, by its names for them. */
    h = frame_without(g, (size_t)frame_find(g, "who"));
    cause = evaluate_refused(p, h, 2, 4.0);
    assert_has(cause, "there is no user column 'who' to evaluate the recommendations on");
    free(cause);
    frame_free(h);
    h = frame_without(g, (size_t)frame_find(g, "what"));
    cause = evaluate_refused(p, h, 2, 4.0);
    assert_has(cause, "there is no item column 'what'");
    free(cause);
    frame_free(h);
    h = frame_without(g, (size_t)frame_find(g, "stars"));
    cause = evaluate_refused(p, h, 2, 4.0);
    assert_has(cause, "there is no rating column 'stars'");
    free(cause);
    frame_free(h);
    pipeline_free(p);

    /* Implicit feedback, no rating: no rmse or mae; the stars column is not read. */
    spec_init(&sp, "als",
              (const char *const[]){"factors=2", "max_iter=5", "threads=1", "implicit=true",
                                    NULL},
              NULL);
    sp.s.user = "who";
    sp.s.item = "what";
    p = train(&sp, f, NULL);
    evaluate_ok(p, g, 2, NAN, &ev, &notes);
    assert_string_equal(metric_names(&ev),
                        "rows users precision@2 recall@2 ndcg@2 map@2 hit_rate@2");
    assert_true(metric(&ev, "rows") == 8);
    assert_true(metric(&ev, "users") == 4);
    tu_assert_rel(metric(&ev, "precision@2"), (1 + 1 + 0.5 + 0.5) / 4, 1e-15);
    tu_assert_rel(metric(&ev, "recall@2"), (1 + 1 + 1 + 0.5) / 4, 1e-15);
    tu_assert_rel(metric(&ev, "hit_rate@2"), 1.0, 1e-15);
    assert_has(notes, "1 interaction of users the model does not know left out");
    assert_has(notes, "1 interaction with items the user already had in training left out");
    assert_lacks(notes, "rated below");
    assert_lacks(notes, "no relevant held-out item");
    free(notes);
    evaluation_release(&ev);
    h = frame_without(g, (size_t)frame_find(g, "stars"));
    evaluate_ok(p, h, 2, NAN, &ev, &notes);
    assert_true(metric(&ev, "users") == 4);
    free(notes);
    evaluation_release(&ev);
    frame_free(h);
    pipeline_free(p);
    frame_free(g);
    frame_free(f);
}

/* ---- Descriptions ------------------------------------------------------------------------ */

static void
test_texts(void **unused)
{
    struct raw r;
    struct spec sp;
    struct aiwb_frame *f;
    struct pipeline *p;

    (void)unused;
    raw_make(&r, 40, 16);
    r.x1[0] = NA;
    f = raw_frame(&r, "x1,x2,y", NULL);

    spec_init(&sp, "ols", NULL, "y");
    spec_add(&sp, transform("impute"), (const char *const[]){"strategy=median", NULL});
    spec_add(&sp, transform("standardize"), NULL);
    p = train(&sp, f, NULL);
    assert_string_equal(pipeline_transforms(p), "impute(strategy=median),standardize");
    assert_string_equal(pipeline_options(p), "intercept=true threads=0");
    assert_int_equal(pipeline_task(p), AIWB_TASK_REGRESSION);
    assert_int_equal(pipeline_n_classes(p), 0);
    assert_null(pipeline_class_name(p, 0));
    pipeline_free(p);

    spec_init(&sp, "ols", (const char *const[]){"intercept=false", NULL}, "y");
    spec_add(&sp, transform("impute"), NULL);
    p = train(&sp, f, NULL);
    assert_string_equal(pipeline_transforms(p), "impute");
    assert_string_equal(pipeline_options(p), "intercept=false threads=0");
    pipeline_free(p);

    /* Two options. */
    spec_init(&sp, "ols", NULL, "y");
    spec_add(&sp, transform("impute"),
             (const char *const[]){"strategy=constant", "fill_value=0", NULL});
    p = train(&sp, f, NULL);
    /* Two options must read back as two (the REPL splits them at commas). */
    assert_string_equal(pipeline_transforms(p), "impute(strategy=constant,fill_value=0)");
    pipeline_free(p);
    frame_free(f);

    f = iris();
    spec_init(&sp, "logistic", (const char *const[]){"max_iter=500", c_word("2"), NULL}, "species");
    p = train(&sp, f, NULL);
    {
        char want[128];

        snprintf(want, sizeof want, "%s penalty=l2 intercept=true max_iter=500 tol=1e-6",
                 c_word("2"));
        assert_string_equal(pipeline_options(p), want);
    }
    assert_string_equal(pipeline_transforms(p), "");
    pipeline_free(p);
    frame_free(f);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_missing_target),
        cmocka_unit_test(test_ols_categorical_target),
        cmocka_unit_test(test_logistic_numeric_target),
        cmocka_unit_test(test_single_class),
        cmocka_unit_test(test_single_class_present),
        cmocka_unit_test(test_all_targets_missing),
        cmocka_unit_test(test_no_features),
        cmocka_unit_test(test_missing_refused),
        cmocka_unit_test(test_missing_categorical_refused),
        cmocka_unit_test(test_transform_capabilities),
        cmocka_unit_test(test_onehot_automatic),
        cmocka_unit_test(test_predict_conform),
        cmocka_unit_test(test_unseen_level),
        cmocka_unit_test(test_numbers_for_levels),
        cmocka_unit_test(test_algorithm_takes_categoricals),
        cmocka_unit_test(test_row_transform_in_model),
        cmocka_unit_test(test_transformer),
        cmocka_unit_test(test_missing_target_rows),
        cmocka_unit_test(test_binary_numeric_target),
        cmocka_unit_test(test_protocol),
        cmocka_unit_test(test_stopped_early),
        cmocka_unit_test(test_save_load_regression),
        cmocka_unit_test(test_save_load_classification),
        cmocka_unit_test(test_load_damaged),
        cmocka_unit_test(test_load_damaged_payload),
        cmocka_unit_test(test_load_unknown_component),
        cmocka_unit_test(test_evaluate_regression),
        cmocka_unit_test(test_evaluate_classification),
        cmocka_unit_test(test_evaluate_clustering),
        cmocka_unit_test(test_evaluate_ranking_popular),
        cmocka_unit_test(test_evaluate_ranking_ratings),
        cmocka_unit_test(test_evaluate_ranking_als),
        cmocka_unit_test(test_texts),
    };

    return cmocka_run_group_tests(tests, setup, NULL);
}
