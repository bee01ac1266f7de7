/*
 * test-transforms.c - the impute, standardize and onehot transforms, driven through their
 * descriptors as the host drives them.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <config.h>

#include <float.h>
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
#include "core/registry.h"
#include "testutil.h"

/* Reference numbers from scikit-learn (see gen-reference.py beside it). */
#include "../data/transforms/reference.h"

#define NA NAN

/* ---- Warnings the plugins log ---------------------------------------------------- */

#define MAX_LOGGED 8
static char logged[MAX_LOGGED][512];
static size_t n_logged;

static void
capture(void *arg, enum aiwb_log_level level, const char *msg)
{
    (void)arg;
    if (level >= AIWB_LOG_WARN && n_logged < MAX_LOGGED)
        snprintf(logged[n_logged++], sizeof logged[0], "%s", msg);
}

static int
setup(void **unused)
{
    (void)unused;
    tu_load_plugins();
    log_set_sink(capture, NULL, AIWB_LOG_WARN);
    n_logged = 0;
    return 0;
}

static int
teardown(void **unused)
{
    (void)unused;
    log_set_sink(NULL, NULL, AIWB_LOG_INFO);
    return 0;
}

/* ---- Frames by hand --------------------------------------------------------------- */

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

static size_t
col_of(const struct aiwb_frame *f, const char *name)
{
    long c = frame_find(f, name);

    if (c < 0)
        fail_msg("no column '%s'", name);
    return (size_t)c;
}

static const double *
num_of(const struct aiwb_frame *f, const char *name)
{
    const double *x = frame_numeric(f, col_of(f, name));

    assert_non_null(x);
    return x;
}

/* The text of row I of categorical column NAME, or NULL when missing. */
static const char *
text_of(const struct aiwb_frame *f, const char *name, size_t i)
{
    size_t c = col_of(f, name);
    const int32_t *code = frame_codes(f, c);

    assert_non_null(code);
    return code[i] == AIWB_NA_CODE ? NULL : frame_level(f, c, code[i]);
}

/* Assert that F's columns are the NULL-terminated NAMES, in that order. */
static void
assert_columns(const struct aiwb_frame *f, ...)
{
    va_list ap;
    size_t c = 0;
    const char *name;

    va_start(ap, f);
    while ((name = va_arg(ap, const char *)) != NULL) {
        if (c >= frame_cols(f))
            fail_msg("column %zu: want '%s', the frame has only %zu columns", c, name,
                     frame_cols(f));
        assert_string_equal(frame_col_name(f, c), name);
        c++;
    }
    va_end(ap);
    assert_int_equal(frame_cols(f), c);
}

/* Assert X[0..N-1] equals WANT exactly, NaN matching NaN. */
static void
assert_values(const double *x, const double *want, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (isnan(want[i]) && isnan(x[i]))
            continue;
        if (x[i] != want[i])
            fail_msg("row %zu: got %.17g, want %.17g", i, x[i], want[i]);
    }
}

/* Assert A and B hold the same columns, bit for bit (levels compared by text too). */
static void
assert_frames_identical(const struct aiwb_frame *a, const struct aiwb_frame *b)
{
    size_t n = frame_rows(a);

    assert_int_equal(frame_rows(b), n);
    assert_int_equal(frame_cols(b), frame_cols(a));
    for (size_t c = 0; c < frame_cols(a); c++) {
        assert_string_equal(frame_col_name(a, c), frame_col_name(b, c));
        assert_int_equal(frame_col_type(a, c), frame_col_type(b, c));
        if (frame_col_type(a, c) == AIWB_NUMERIC) {
            assert_memory_equal(frame_numeric(a, c), frame_numeric(b, c), n * sizeof(double));
            continue;
        }
        assert_int_equal(frame_nlevels(a, c), frame_nlevels(b, c));
        assert_memory_equal(frame_codes(a, c), frame_codes(b, c), n * sizeof(int32_t));
        for (size_t k = 0; k < frame_nlevels(a, c); k++)
            assert_string_equal(frame_level(a, c, (int32_t)k), frame_level(b, c, (int32_t)k));
    }
}

/* ---- Transforms through their descriptors ------------------------------------------ */

struct tf {
    const struct aiwb_transform_type *t;
    void *state;
};

static const struct component *
find_component(const char *name)
{
    const struct component *c;

    tu_load_plugins();
    c = registry_find(COMPONENT_TRANSFORM, name);
    if (c == NULL)
        fail_msg("no transform '%s'", name);
    return c;
}

/* Make an instance of transform NAME with the NULL-terminated option words and init it.
 * The option set is freed right after init, so a plugin that kept it would fail under
 * the sanitizers. Returns init's status; *cause gets its message. */
static int
tf_init(struct tf *x, const char *name, const char *const *words, char **cause)
{
    struct aiwb_options *o;
    size_t n = 0;
    int rc;

    x->t = find_component(name)->type.transform;
    x->state = calloc(1, x->t->state_size);
    while (words != NULL && words[n] != NULL)
        n++;
    o = options_parse(name, x->t->options, n, (char *const *)words, cause);
    if (o == NULL)
        fail_msg("options: %s", *cause);
    rc = x->t->init(x->state, o, cause);
    options_free(o);
    return rc;
}

/* tf_init that must succeed. */
static void
tf_make(struct tf *x, const char *name, const char *const *words)
{
    char *cause = NULL;

    if (tf_init(x, name, words, &cause) != AIWB_OK)
        fail_msg("init %s: %s", name, cause);
}

static void
tf_fit(struct tf *x, const struct aiwb_frame *f)
{
    char *cause = NULL;

    if (x->t->fit(x->state, f, &cause) != AIWB_OK)
        fail_msg("fit %s: %s", x->t->name, cause);
}

/* The result of applying X to F, which must succeed. */
static struct aiwb_frame *
tf_apply(const struct tf *x, const struct aiwb_frame *f)
{
    struct aiwb_frame *out = NULL;
    char *cause = NULL;

    if (x->t->apply(x->state, f, &out, &cause) != AIWB_OK)
        fail_msg("apply %s: %s", x->t->name, cause);
    assert_non_null(out);
    return out;
}

static void
tf_free(struct tf *x)
{
    x->t->fini(x->state);
    free(x->state);
}

/* Assert that STEP (fit or apply) fails with a message holding each NULL-terminated
 * fragment, and that apply then leaves no frame. */
static void
expect_fail(const struct tf *x, const struct aiwb_frame *f, int apply, ...)
{
    struct aiwb_frame *out = (struct aiwb_frame *)&out;
    char *cause = NULL;
    const char *want;
    va_list ap;
    int rc;

    rc = apply ? x->t->apply(x->state, f, &out, &cause) : x->t->fit(x->state, f, &cause);
    assert_true(rc < 0);
    assert_non_null(cause);
    if (apply)
        assert_null(out);
    va_start(ap, apply);
    while ((want = va_arg(ap, const char *)) != NULL)
        if (strstr(cause, want) == NULL)
            fail_msg("message '%s' lacks '%s'", cause, want);
    va_end(ap);
    free(cause);
}

/* The sealed state of X (the caller frees it). */
static unsigned char *
save_state(const struct tf *x, size_t *len)
{
    struct aiwb_writer *w = writer_new();
    unsigned char *blob;

    assert_int_equal(x->t->save(x->state, w), AIWB_OK);
    blob = codec_seal(w, len);
    writer_free(w);
    return blob;
}

/* Load BLOB into Y's state; returns load's status. */
static int
load_state(struct tf *y, const unsigned char *blob, size_t len, unsigned version, char **cause)
{
    struct aiwb_reader *r = reader_open(blob, len, cause);
    int rc;

    assert_non_null(r);
    rc = y->t->load(y->state, r, version, cause);
    if (rc == AIWB_OK)
        assert_true(reader_at_end(r));
    reader_free(r);
    return rc;
}

/*
 * Save X's fitted state and load it twice: into a fresh instance that was never
 * initialised, and into OTHER (initialised and fitted differently, so load must replace
 * its state). Applying either to F must give what X gives, bit for bit, and saving the
 * loaded state again must give the same bytes.
 */
static void
check_round_trip(const struct tf *x, struct tf *other, const struct aiwb_frame *f)
{
    struct tf fresh = {x->t, calloc(1, x->t->state_size)};
    struct aiwb_frame *want = tf_apply(x, f), *got;
    size_t len, len2;
    unsigned char *blob = save_state(x, &len), *blob2;
    char *cause = NULL;

    if (load_state(&fresh, blob, len, x->t->state_version, &cause) != AIWB_OK)
        fail_msg("load: %s", cause);
    got = tf_apply(&fresh, f);
    assert_frames_identical(got, want);
    frame_free(got);
    blob2 = save_state(&fresh, &len2);
    assert_int_equal(len2, len);
    assert_memory_equal(blob2, blob, len);
    free(blob2);

    if (load_state(other, blob, len, x->t->state_version, &cause) != AIWB_OK)
        fail_msg("load: %s", cause);
    got = tf_apply(other, f);
    assert_frames_identical(got, want);
    frame_free(got);

    frame_free(want);
    free(blob);
    tf_free(&fresh);
}

/* ---- The components as the user sees them ------------------------------------------ */

static void
test_registered(void **unused)
{
    static const struct {
        const char *name;
        unsigned flags;
        const char *in_help; /* what `help NAME` must tell the user */
    } want[] = {
        {"impute", AIWB_CAP_MISSING | AIWB_CAP_CATEGORICAL | AIWB_TF_NO_MISSING | AIWB_TF_FIT,
         "most frequent"},
        {"standardize", AIWB_CAP_MISSING | AIWB_CAP_CATEGORICAL | AIWB_TF_FIT, "population sd"},
        {"onehot", AIWB_CAP_MISSING | AIWB_CAP_CATEGORICAL | AIWB_TF_NUMERIC | AIWB_TF_FIT,
         "single level"},
    };

    (void)unused;
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        const struct component *c = find_component(want[i].name);
        const struct aiwb_transform_type *t = c->type.transform;
        assert_string_equal(c->module->name, want[i].name);
        assert_string_equal(c->module->version, "1.0.0");
        assert_int_equal(t->flags, want[i].flags);
        assert_non_null(t->summary);
        assert_true(strlen(t->summary) <= 80); /* one line in `plugins` */
        assert_non_null(t->help);
        assert_non_null(strstr(t->help, want[i].in_help));
        assert_true(t->state_version >= 1);
        assert_non_null(t->init);
        assert_non_null(t->fit);
        assert_non_null(t->save);
        assert_non_null(t->load);
        assert_non_null(t->fini);
        for (const struct aiwb_option_spec *o = t->options; o->name != NULL; o++)
            assert_true(o->help != NULL && strlen(o->help) > 20);
    }
    assert_non_null(strstr(find_component("standardize")->help, "ddof 0"));
    assert_non_null(strstr(options_spec_find(find_component("standardize")->options,
                                             "scale")->help,
                           "population"));
}

/* ---- impute ---------------------------------------------------------------------- */

/* Column "x" (NAME=values) for one-column tests. */
static struct aiwb_frame *
one_column(size_t n, const double *v)
{
    struct aiwb_frame *f = frame_new(n);

    add_num(f, "x", v);
    return f;
}

/* Impute X with strategy STRATEGY and check the fill value and the kept values. */
static void
check_impute(const char *strategy, size_t n, const double *x, double fill)
{
    char opt[64];
    const char *words[] = {opt, NULL};
    struct aiwb_frame *f = one_column(n, x), *g;
    double *want = calloc(n, sizeof *want);
    struct tf t;

    snprintf(opt, sizeof opt, "strategy=%s", strategy);
    tf_make(&t, "impute", words);
    tf_fit(&t, f);
    g = tf_apply(&t, f);
    for (size_t i = 0; i < n; i++)
        want[i] = isnan(x[i]) ? fill : x[i];
    assert_columns(g, "x", NULL);
    assert_values(num_of(g, "x"), want, n);
    /* The input is left as it was: the output's column was copied before its first write. */
    assert_values(num_of(f, "x"), x, n);
    free(want);
    frame_free(g);
    frame_free(f);
    tf_free(&t);
}

static void
test_impute_numeric(void **unused)
{
    static const double odd[] = {1, NA, 2, 6, NA};             /* mean 3, median 2 */
    static const double even[] = {4, NA, 1, 3, 10, NA};        /* mean 4.5, median 3.5 */
    static const double tie[] = {3, 2, NA, 3, 2, 7, NA, -1.5}; /* modes 2 and 3 */
    static const double mode[] = {0.1, 5, NA, 5, 0.1, 5};      /* mode 5 */

    (void)unused;
    check_impute("mean", 5, odd, 3);
    check_impute("median", 5, odd, 2);
    check_impute("mean", 6, even, 4.5);
    check_impute("median", 6, even, 3.5);
    check_impute("most_frequent", 8, tie, 2);
    check_impute("most_frequent", 6, mode, 5);
    check_impute("median", 8, tie, 2.5); /* -1.5 2 2 3 3 7: the middle two are 2 and 3 */
    /* Values that differ only in their last bits. */
    check_impute("median", 6, (const double[]){1 + 3 * DBL_EPSILON, 1 + DBL_EPSILON, NA,
                                              1 + 2 * DBL_EPSILON, 1 + 5 * DBL_EPSILON,
                                              1 + 4 * DBL_EPSILON},
                 1 + 3 * DBL_EPSILON);
}

static int
compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

/* The median and most frequent value of the first N of X, by qsort: the reference. */
static void
reference_stats(const double *x, size_t n, double *median, double *mode)
{
    double *v = malloc(n * sizeof *v);
    size_t nv = 0, best = 0;

    for (size_t i = 0; i < n; i++)
        if (!isnan(x[i]))
            v[nv++] = x[i];
    qsort(v, nv, sizeof *v, compare_doubles);
    *median = nv % 2 ? v[nv / 2] : (v[nv / 2 - 1] + v[nv / 2]) / 2;
    for (size_t i = 0, k; i < nv; i = k) {
        for (k = i + 1; k < nv && v[k] == v[i]; k++)
            ;
        if (k - i > best) {
            best = k - i;
            *mode = v[i];
        }
    }
    free(v);
}

/* Median and mode over signs, magnitudes from 1e-300 to 1e300, zeros of both signs and
 * infinities, against qsort; a fixed-seed LCG makes the values. */
static void
test_impute_median_mixed(void **unused)
{
    enum { N = 2001 };
    double x[N], median, mode;
    uint64_t seed = 12345;

    (void)unused;
    for (size_t i = 0; i < N; i++) {
        double u, e;
        seed = seed * 6364136223846793005u + 1442695040888963407u;
        u = (double)(seed >> 11) * 0x1p-53;
        e = floor(u * 1000) / 1000;
        x[i] = (u < 0.5 ? -1 : 1) * pow(10, 600 * e - 300) * (1 + u);
        if (i % 50 == 0)
            x[i] = i % 100 ? 0.0 : -0.0; /* equal: one run of 41 zeros */
        else if (i % 101 == 0)
            x[i] = i % 2 ? INFINITY : -INFINITY;
        else if (i % 13 == 0)
            x[i] = NA;
    }
    for (size_t n = N - 1; n <= N; n++) { /* an even and an odd count of values */
        reference_stats(x, n, &median, &mode);
        check_impute("median", n, x, median);
        check_impute("most_frequent", n, x, mode);
        assert_true(mode == 0);
    }
}

static void
test_impute_reference(void **unused)
{
    static const struct {
        const char *strategy;
        const double *want;
    } cases[] = {
        {"mean", &ref_k_mean},
        {"median", &ref_k_median},
        {"most_frequent", &ref_k_most_frequent},
    };

    (void)unused;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *words[] = {NULL, NULL};
        char opt[64];
        struct aiwb_frame *f = one_column(REF_N, ref_k), *g;
        const double *y;
        struct tf t;

        snprintf(opt, sizeof opt, "strategy=%s", cases[i].strategy);
        words[0] = opt;
        tf_make(&t, "impute", words);
        tf_fit(&t, f);
        g = tf_apply(&t, f);
        y = num_of(g, "x");
        for (size_t r = 0; r < REF_N; r++) {
            if (isnan(ref_k[r]))
                tu_assert_rel(y[r], *cases[i].want, 1e-14);
            else
                assert_true(y[r] == ref_k[r]);
        }
        frame_free(g);
        frame_free(f);
        tf_free(&t);
    }
}

static void
test_impute_categorical(void **unused)
{
    /* "b" is coded first, but "a" ties with it and is the smaller text. */
    static const char *const order[] = {"b", "c", "a", NULL};
    static const char *const v[] = {"b", NULL, "a", "c", "a", "b", NULL};
    static const double x[] = {1, 2, 3, 4, 5, 6, 7};
    /* The apply frame codes its levels another way and lacks "a" entirely. */
    static const char *const order2[] = {"zz", "c", "b", NULL};
    static const char *const v2[] = {NULL, "c", "zz", NULL};
    static const double x2[] = {1, 2, 3, 4};
    struct aiwb_frame *f = frame_new(7), *g, *h, *k;
    struct tf t;

    (void)unused;
    add_cat(f, "c", order, v);
    add_num(f, "x", x);
    tf_make(&t, "impute", (const char *const[]){"strategy=median", NULL});
    tf_fit(&t, f);
    g = tf_apply(&t, f);
    assert_columns(g, "c", "x", NULL);
    assert_string_equal(text_of(g, "c", 1), "a");
    assert_string_equal(text_of(g, "c", 6), "a");
    assert_string_equal(text_of(g, "c", 0), "b");
    assert_string_equal(text_of(g, "c", 3), "c");
    /* Levels keep their order; the input keeps its missing values. */
    assert_int_equal(frame_nlevels(g, 0), 3);
    assert_string_equal(frame_level(g, 0, 0), "b");
    assert_null(text_of(f, "c", 1));
    /* x had nothing missing: passed through, shared. */
    assert_ptr_equal(frame_numeric(g, 1), frame_numeric(f, 1));

    h = frame_new(4);
    add_num(h, "x", x2);
    add_cat(h, "c", order2, v2);
    k = tf_apply(&t, h);
    assert_columns(k, "x", "c", NULL);
    assert_string_equal(text_of(k, "c", 0), "a");
    assert_string_equal(text_of(k, "c", 1), "c");
    assert_string_equal(text_of(k, "c", 2), "zz");
    assert_string_equal(text_of(k, "c", 3), "a");
    assert_int_equal(frame_nlevels(k, 1), 4);
    assert_int_equal(frame_nlevels(h, 1), 3);
    frame_free(k);
    frame_free(h);
    frame_free(g);
    frame_free(f);
    tf_free(&t);
}

static void
test_impute_constant(void **unused)
{
    static const double x[] = {NA, 1, NA};
    static const double all_missing[] = {NA, NA, NA};
    static const char *const v[] = {"lo", NULL, "hi"};
    struct aiwb_frame *f = frame_new(3), *g;
    struct tf t;

    (void)unused;
    add_num(f, "x", x);
    add_num(f, "empty", all_missing);
    add_cat(f, "c", NULL, v);
    tf_make(&t, "impute", (const char *const[]){"strategy=constant", "fill_value=-1.5", NULL});
    tf_fit(&t, f);
    g = tf_apply(&t, f);
    assert_columns(g, "x", "empty", "c", NULL);
    assert_values(num_of(g, "x"), (const double[]){-1.5, 1, -1.5}, 3);
    assert_values(num_of(g, "empty"), (const double[]){-1.5, -1.5, -1.5}, 3);
    assert_string_equal(text_of(g, "c", 1), "-1.5");
    assert_string_equal(text_of(g, "c", 2), "hi");
    frame_free(g);
    tf_free(&t);

    /* A level that exists already keeps its code. */
    tf_make(&t, "impute", (const char *const[]){"strategy=constant", "fill_value=hi", NULL});
    g = frame_without(f, 1);
    frame_free(f);
    f = frame_without(g, 0);
    frame_free(g);
    tf_fit(&t, f);
    g = tf_apply(&t, f);
    assert_string_equal(text_of(g, "c", 1), "hi");
    assert_int_equal(frame_codes(g, 0)[1], frame_codes(g, 0)[2]);
    assert_int_equal(frame_nlevels(g, 0), 2);
    frame_free(g);
    frame_free(f);
    tf_free(&t);
}

static void
test_impute_indicators(void **unused)
{
    static const double x[] = {NA, 2, 4};
    static const double y[] = {1, 2, 3};
    static const char *const c[] = {"u", NULL, "u"};
    static const double x2[] = {5, 6};
    static const double y2[] = {NA, 1};
    static const char *const c2[] = {NULL, "v"};
    struct aiwb_frame *f = frame_new(3), *g, *h, *k;
    struct tf t;

    (void)unused;
    add_num(f, "x", x);
    add_num(f, "y", y);
    add_cat(f, "c", NULL, c);
    tf_make(&t, "impute", (const char *const[]){"indicators=true", NULL});
    tf_fit(&t, f);
    g = tf_apply(&t, f);
    assert_columns(g, "x", "x_missing", "y", "c", "c_missing", NULL);
    assert_values(num_of(g, "x"), (const double[]){3, 2, 4}, 3);
    assert_values(num_of(g, "x_missing"), (const double[]){1, 0, 0}, 3);
    assert_values(num_of(g, "c_missing"), (const double[]){0, 1, 0}, 3);
    assert_string_equal(text_of(g, "c", 1), "u");

    /* The indicators are those of fit time: x gets one though nothing is missing now,
     * y gets none though it has a missing value (filled with its mean, 2). */
    h = frame_new(2);
    add_num(h, "x", x2);
    add_num(h, "y", y2);
    add_cat(h, "c", NULL, c2);
    k = tf_apply(&t, h);
    assert_columns(k, "x", "x_missing", "y", "c", "c_missing", NULL);
    assert_values(num_of(k, "x_missing"), (const double[]){0, 0}, 2);
    assert_values(num_of(k, "y"), (const double[]){2, 1}, 2);
    assert_values(num_of(k, "c_missing"), (const double[]){1, 0}, 2);
    assert_string_equal(text_of(k, "c", 0), "u");
    frame_free(k);
    frame_free(h);
    frame_free(g);
    frame_free(f);
    tf_free(&t);
}

static void
test_impute_errors(void **unused)
{
    static const double x[] = {NA, 2, 4};
    static const double none[] = {NA, NA, NA};
    static const char *const c[] = {NULL, NULL, NULL};
    static const char *const lv[] = {"a", "b", "a"};
    struct aiwb_frame *f = frame_new(3), *g = frame_new(3), *h = frame_new(3);
    struct tf t;
    char *cause = NULL;

    (void)unused;
    assert_int_equal(tf_init(&t, "impute", (const char *const[]){"strategy=constant", NULL},
                             &cause),
                     AIWB_EINVAL);
    assert_string_equal(cause, "impute: strategy=constant needs fill_value");
    free(cause);
    cause = NULL;
    tf_free(&t);
    assert_int_equal(tf_init(&t, "impute",
                             (const char *const[]){"strategy=median", "fill_value=0", NULL},
                             &cause),
                     AIWB_EINVAL);
    assert_non_null(strstr(cause, "fill_value is only used with strategy=constant"));
    free(cause);
    cause = NULL;
    tf_free(&t);
    assert_null(options_parse("impute", find_component("impute")->options, 1,
                              (char *const[]){"strategy=mode"}, &cause));
    assert_non_null(strstr(cause, "most_frequent"));
    free(cause);

    /* Nothing to learn from. */
    add_num(f, "age", x);
    add_num(f, "blank", none);
    tf_make(&t, "impute", NULL);
    expect_fail(&t, f, 0, "impute: column 'blank' has no values", "mean", NULL);
    tf_free(&t);
    add_cat(g, "color", NULL, c);
    tf_make(&t, "impute", (const char *const[]){"strategy=median", NULL});
    expect_fail(&t, g, 0, "impute: column 'color' has no values", "most frequent level",
                NULL);
    tf_free(&t);
    tf_make(&t, "impute", (const char *const[]){"strategy=constant", "fill_value=n/a", NULL});
    expect_fail(&t, f, 0, "impute: fill_value 'n/a' is not a number", "column 'age'", NULL);
    tf_free(&t);

    /* A column gone or changed at apply time. */
    add_cat(h, "blank", NULL, lv);
    tf_make(&t, "impute", (const char *const[]){"indicators=yes", NULL});
    frame_free(g);
    g = frame_without(f, 1);
    tf_fit(&t, g);
    expect_fail(&t, h, 1, "impute: column 'age' is missing", NULL);
    frame_free(h);
    h = frame_new(3);
    add_cat(h, "age", NULL, lv);
    expect_fail(&t, h, 1, "impute: column 'age' is categorical, but was numeric at fit time",
                NULL);
    frame_free(h);
    /* An indicator would take the name of a column of the input. */
    h = frame_new(3);
    add_num(h, "age", x);
    add_num(h, "age_missing", x);
    expect_fail(&t, h, 1, "impute: indicator column 'age_missing' clashes", NULL);
    expect_fail(&t, h, 0, "impute: indicator column 'age_missing' clashes", NULL);
    frame_free(h);
    tf_free(&t);
    frame_free(g);
    frame_free(f);
}

/* Columns fit did not see pass through, shared; the output follows the input's order. */
static void
test_passthrough_by_name(void **unused)
{
    static const double a[] = {1, NA, 3};
    static const double b[] = {NA, 10, 20};
    static const char *const c[] = {"p", "q", NULL};
    static const char *const names[] = {"impute", "standardize", "onehot"};
    struct aiwb_frame *f = frame_new(3), *h = frame_new(3);

    (void)unused;
    add_num(f, "a", a);
    add_num(f, "b", b);
    add_num(h, "extra", b);
    add_cat(h, "other", NULL, c);
    add_num(h, "b", b);
    add_num(h, "a", a);
    for (size_t i = 0; i < 3; i++) {
        struct aiwb_frame *g;
        struct tf t;

        tf_make(&t, names[i], NULL);
        tf_fit(&t, f);
        g = tf_apply(&t, h);
        assert_columns(g, "extra", "other", "b", "a", NULL);
        assert_ptr_equal(frame_numeric(g, 0), frame_numeric(h, 0));
        assert_ptr_equal(frame_codes(g, 1), frame_codes(h, 1));
        if (i == 0) {
            assert_values(num_of(g, "a"), (const double[]){1, 2, 3}, 3);
            assert_values(num_of(g, "b"), (const double[]){15, 10, 20}, 3);
        }
        frame_free(g);
        tf_free(&t);
    }
    frame_free(h);
    frame_free(f);
}

static void
test_impute_round_trip(void **unused)
{
    static const double x[] = {NA, 2.25, 4, 1e-300, NA};
    static const char *const c[] = {"r", NULL, "s", "s", "t"};
    static const char *const c2[] = {"t", "t", "u", "t", "t"};
    struct aiwb_frame *f = frame_new(5), *other = frame_new(5);
    struct tf t, u;

    (void)unused;
    add_num(f, "x", x);
    add_cat(f, "c", NULL, c);
    add_cat(other, "c", NULL, c2);
    tf_make(&t, "impute", (const char *const[]){"strategy=median", "indicators=1", NULL});
    tf_fit(&t, f);
    tf_make(&u, "impute", NULL);
    tf_fit(&u, other);
    check_round_trip(&t, &u, f);
    tf_free(&u);
    tf_free(&t);

    tf_make(&t, "impute", (const char *const[]){"strategy=constant", "fill_value=7", NULL});
    tf_fit(&t, f);
    tf_make(&u, "impute", (const char *const[]){"strategy=constant", "fill_value=0", NULL});
    check_round_trip(&t, &u, f);
    tf_free(&u);
    tf_free(&t);
    frame_free(other);
    frame_free(f);
}

/* ---- standardize ----------------------------------------------------------------- */

static void
test_standardize(void **unused)
{
    /* Values 1 2 3 4 10: mean 4, population variance 50/5 = 10. */
    static const double x[] = {1, 2, 3, 4, NA, 10};
    static const double k[] = {5, 5, NA, 5, 5, 5};
    static const char *const c[] = {"a", "b", NULL, "a", "b", "a"};
    static const double x2[] = {4, 14, NA};
    static const double k2[] = {7, 5, 3};
    static const char *const c2[] = {"z", NULL, "a"};
    const double sd = sqrt(10.0);
    struct aiwb_frame *f = frame_new(6), *g, *h, *o;
    struct tf t;
    const double *z;

    (void)unused;
    add_num(f, "x", x);
    add_cat(f, "c", NULL, c);
    add_num(f, "k", k);
    tf_make(&t, "standardize", NULL);
    tf_fit(&t, f);
    g = tf_apply(&t, f);
    assert_columns(g, "x", "c", "k", NULL);
    z = num_of(g, "x");
    for (size_t i = 0; i < 6; i++) {
        if (isnan(x[i]))
            assert_true(isnan(z[i]));
        else
            tu_assert_rel(z[i], (x[i] - 4) / sd, 1e-15);
    }
    /* A constant column: mean 5, scale 1, so every value becomes exactly 0. */
    assert_values(num_of(g, "k"), (const double[]){0, 0, NA, 0, 0, 0}, 6);
    assert_ptr_equal(frame_codes(g, 1), frame_codes(f, 1));
    assert_values(num_of(f, "x"), x, 6);

    h = frame_new(3);
    add_num(h, "x", x2);
    add_num(h, "k", k2);
    add_cat(h, "c", NULL, c2);
    o = tf_apply(&t, h);
    assert_columns(o, "x", "k", "c", NULL);
    assert_values(num_of(o, "x"), (const double[]){0, 10 / sd, NA}, 3);
    assert_values(num_of(o, "k"), (const double[]){2, 0, -2}, 3);
    frame_free(o);
    frame_free(g);
    tf_free(&t);

    tf_make(&t, "standardize", (const char *const[]){"center=false", NULL});
    tf_fit(&t, f);
    o = tf_apply(&t, h);
    assert_values(num_of(o, "x"), (const double[]){4 / sd, 14 / sd, NA}, 3);
    assert_values(num_of(o, "k"), k2, 3);
    frame_free(o);
    tf_free(&t);
    tf_make(&t, "standardize", (const char *const[]){"scale=false", NULL});
    tf_fit(&t, f);
    o = tf_apply(&t, h);
    assert_values(num_of(o, "x"), (const double[]){0, 10, NA}, 3);
    frame_free(o);
    tf_free(&t);
    tf_make(&t, "standardize", (const char *const[]){"scale=false", "center=false", NULL});
    tf_fit(&t, f);
    o = tf_apply(&t, h);
    assert_ptr_equal(frame_numeric(o, 0), frame_numeric(h, 0));
    frame_free(o);
    tf_free(&t);
    frame_free(h);
    frame_free(f);
}

/* The mean and scale standardize fitted for its one column, read from its saved state
 * (center, scale, columns, types, means, scales). */
static void
standardize_state(const struct tf *t, double *mean, double *scale)
{
    size_t len, n;
    unsigned char *blob = save_state(t, &len);
    char *cause = NULL, **names = NULL;
    struct aiwb_reader *r = reader_open(blob, len, &cause);
    int64_t v, *types = NULL;
    double *means = NULL, *scales = NULL;

    assert_non_null(r);
    assert_int_equal(codec_get_int(r, "center", &v), AIWB_OK);
    assert_int_equal(codec_get_int(r, "scale", &v), AIWB_OK);
    assert_int_equal(codec_get_strs(r, "columns", &n, &names), AIWB_OK);
    assert_int_equal(n, 1);
    assert_string_equal(names[0], "x");
    assert_int_equal(codec_get_ints(r, "types", &n, &types), AIWB_OK);
    assert_int_equal(codec_get_reals(r, "means", &n, &means), AIWB_OK);
    assert_int_equal(codec_get_reals(r, "scales", &n, &scales), AIWB_OK);
    assert_true(reader_at_end(r));
    *mean = means[0];
    *scale = scales[0];
    free(names[0]);
    free(names);
    free(types);
    free(means);
    free(scales);
    reader_free(r);
    free(blob);
}

static void
test_standardize_reference(void **unused)
{
    struct aiwb_frame *f = frame_new(REF_N), *g;
    double mean, scale;
    const double *z;
    struct tf t;

    (void)unused;
    add_num(f, "x", ref_x);
    tf_make(&t, "standardize", NULL);
    tf_fit(&t, f);
    g = tf_apply(&t, f);
    z = num_of(g, "x");
    /* Values near 1e6 spread by 1e-2, where E[x^2] - E[x]^2 would lose every digit; we
     * agree with scikit-learn to about 3e-16 (1 ulp in the scale). */
    for (size_t i = 0; i < REF_N; i++) {
        if (isnan(ref_x[i]))
            assert_true(isnan(z[i]));
        else
            tu_assert_rel(z[i], ref_z[i], 1e-12);
    }
    /* The fitted numbers themselves, from the saved state. */
    standardize_state(&t, &mean, &scale);
    tu_assert_rel(mean, ref_x_mean, 1e-15);
    tu_assert_rel(scale, ref_x_scale, 1e-13);
    frame_free(g);
    frame_free(f);
    tf_free(&t);
}

static void
test_standardize_errors(void **unused)
{
    static const double none[] = {NA, NA};
    static const double inf[] = {1, INFINITY};
    static const double x[] = {1, 2};
    static const char *const c[] = {"a", "b"};
    struct aiwb_frame *f = frame_new(2), *g = frame_new(2), *h = frame_new(2);
    struct tf t;

    (void)unused;
    add_num(f, "empty", none);
    tf_make(&t, "standardize", NULL);
    expect_fail(&t, f, 0, "standardize: column 'empty' has no values to fit", NULL);
    add_num(g, "big", inf);
    expect_fail(&t, g, 0, "standardize: column 'big' holds infinite values", NULL);
    frame_free(g);
    g = frame_new(2);
    add_num(g, "age", x);
    add_num(g, "w", x);
    tf_fit(&t, g);
    add_num(h, "w", x);
    expect_fail(&t, h, 1, "standardize: column 'age' is missing", NULL);
    frame_free(h);
    h = frame_new(2);
    add_num(h, "w", x);
    add_cat(h, "age", NULL, c);
    expect_fail(&t, h, 1, "standardize: column 'age' is categorical, but was numeric", NULL);
    tf_free(&t);
    frame_free(h);
    frame_free(g);
    frame_free(f);
}

static void
test_standardize_round_trip(void **unused)
{
    struct aiwb_frame *f = frame_new(REF_N), *other = frame_new(2);
    static const char *const c[] = {"a", "b"};
    struct tf t, u;

    (void)unused;
    add_num(f, "x", ref_x);
    add_num(f, "k", ref_k);
    add_cat(other, "c", NULL, c);
    tf_make(&t, "standardize", NULL);
    tf_fit(&t, f);
    tf_make(&u, "standardize", (const char *const[]){"center=no", NULL});
    tf_fit(&u, other);
    check_round_trip(&t, &u, f);
    tf_free(&u);
    tf_free(&t);
    tf_make(&t, "standardize", (const char *const[]){"center=false", NULL});
    tf_fit(&t, f);
    tf_make(&u, "standardize", NULL);
    check_round_trip(&t, &u, f);
    tf_free(&u);
    tf_free(&t);
    frame_free(other);
    frame_free(f);
}

/* ---- onehot ---------------------------------------------------------------------- */

/* Fit frame: x, color (levels red green blue, plus "unused" that no row has), z. */
static struct aiwb_frame *
color_frame(void)
{
    static const char *const order[] = {"red", "green", "unused", "blue", NULL};
    static const char *const v[] = {"green", "red", NULL, "blue", "red"};
    static const double x[] = {1, 2, 3, 4, 5};
    struct aiwb_frame *f = frame_new(5);

    add_num(f, "x", x);
    add_cat(f, "color", order, v);
    add_num(f, "z", x);
    return f;
}

static void
test_onehot(void **unused)
{
    /* Coded another way, with a level fit never saw and a missing value. */
    static const char *const order[] = {"blue", "purple", "red", "green", NULL};
    static const char *const v[] = {"red", "purple", "blue", NULL, "green", "purple"};
    static const double x[] = {6, 5, 4, 3, 2, 1};
    struct aiwb_frame *f = color_frame(), *g, *h;
    struct tf t;

    (void)unused;
    tf_make(&t, "onehot", NULL);
    tf_fit(&t, f);
    n_logged = 0;
    g = tf_apply(&t, f);
    assert_columns(g, "x", "color=red", "color=green", "color=blue", "z", NULL);
    assert_values(num_of(g, "color=red"), (const double[]){0, 1, 0, 0, 1}, 5);
    assert_values(num_of(g, "color=green"), (const double[]){1, 0, 0, 0, 0}, 5);
    assert_values(num_of(g, "color=blue"), (const double[]){0, 0, 0, 1, 0}, 5);
    assert_ptr_equal(frame_numeric(g, 0), frame_numeric(f, 0));
    assert_int_equal(n_logged, 1);
    assert_string_equal(logged[0],
                        "onehot: column 'color': 1 row with a missing value encoded as all zeros");
    frame_free(g);

    h = frame_new(6);
    add_cat(h, "color", order, v);
    add_num(h, "x", x);
    add_num(h, "z", x);
    n_logged = 0;
    g = tf_apply(&t, h);
    assert_columns(g, "color=red", "color=green", "color=blue", "x", "z", NULL);
    assert_values(num_of(g, "color=red"), (const double[]){1, 0, 0, 0, 0, 0}, 6);
    assert_values(num_of(g, "color=green"), (const double[]){0, 0, 0, 0, 1, 0}, 6);
    assert_values(num_of(g, "color=blue"), (const double[]){0, 0, 1, 0, 0, 0}, 6);
    assert_int_equal(n_logged, 1);
    assert_non_null(strstr(logged[0], "onehot: column 'color': 3 rows encoded as all zeros"));
    assert_non_null(strstr(logged[0], "1 missing, 2 with a level not seen at fit time"));
    assert_non_null(strstr(logged[0], "'purple'"));
    frame_free(g);
    tf_free(&t);

    tf_make(&t, "onehot", (const char *const[]){"drop_first=true", NULL});
    tf_fit(&t, f);
    g = tf_apply(&t, h);
    assert_columns(g, "color=green", "color=blue", "x", "z", NULL);
    assert_values(num_of(g, "color=green"), (const double[]){0, 0, 0, 0, 1, 0}, 6);
    frame_free(g);
    tf_free(&t);
    frame_free(h);
    frame_free(f);
}

static void
test_onehot_single_level(void **unused)
{
    static const char *const one[] = {"only", NULL, "only"};
    static const double x[] = {1, 2, 3};
    struct aiwb_frame *f = frame_new(3), *g;
    struct tf t;

    (void)unused;
    add_cat(f, "c", NULL, one);
    add_num(f, "x", x);
    tf_make(&t, "onehot", NULL);
    tf_fit(&t, f);
    g = tf_apply(&t, f);
    assert_columns(g, "c=only", "x", NULL);
    assert_values(num_of(g, "c=only"), (const double[]){1, 0, 1}, 3);
    frame_free(g);
    tf_free(&t);
    tf_make(&t, "onehot", (const char *const[]){"drop_first=true", NULL});
    tf_fit(&t, f);
    g = tf_apply(&t, f);
    assert_columns(g, "x", NULL);
    frame_free(g);
    tf_free(&t);
    frame_free(f);
}

static void
test_onehot_errors(void **unused)
{
    static const char *const none[] = {NULL, NULL};
    static const char *const c[] = {"a", "b"};
    static const double x[] = {1, 2};
    struct aiwb_frame *f = frame_new(2), *g = frame_new(2), *h = frame_new(2);
    struct tf t;

    (void)unused;
    add_cat(f, "empty", NULL, none);
    tf_make(&t, "onehot", NULL);
    expect_fail(&t, f, 0, "onehot: column 'empty' has no values to learn levels from", NULL);
    add_cat(g, "color", NULL, c);
    add_num(g, "w", x);
    tf_fit(&t, g);
    add_num(h, "w", x);
    expect_fail(&t, h, 1, "onehot: column 'color' is missing", NULL);
    frame_free(h);
    h = frame_new(2);
    add_num(h, "color", x);
    add_num(h, "w", x);
    expect_fail(&t, h, 1, "onehot: column 'color' is numeric, but was categorical", NULL);
    frame_free(h);
    /* A column named as one onehot makes, before or after the column it comes from. */
    h = frame_new(2);
    add_num(h, "color=b", x);
    add_cat(h, "color", NULL, c);
    add_num(h, "w", x);
    expect_fail(&t, h, 1, "onehot: column 'color=b' clashes with a column of that name", NULL);
    frame_free(h);
    h = frame_new(2);
    add_cat(h, "color", NULL, c);
    add_num(h, "w", x);
    add_num(h, "color=a", x);
    expect_fail(&t, h, 1, "onehot: column 'color=a' clashes with a column of that name", NULL);
    tf_free(&t);
    frame_free(h);
    frame_free(g);
    frame_free(f);
}

static void
test_onehot_round_trip(void **unused)
{
    static const char *const c[] = {"q", "r"};
    struct aiwb_frame *f = color_frame(), *other = frame_new(2);
    struct tf t, u;

    (void)unused;
    add_cat(other, "color", NULL, c);
    tf_make(&t, "onehot", NULL);
    tf_fit(&t, f);
    tf_make(&u, "onehot", (const char *const[]){"drop_first=yes", NULL});
    tf_fit(&u, other);
    check_round_trip(&t, &u, f);
    tf_free(&u);
    tf_free(&t);
    tf_make(&t, "onehot", (const char *const[]){"drop_first=yes", NULL});
    tf_fit(&t, f);
    tf_make(&u, "onehot", NULL);
    check_round_trip(&t, &u, f);
    tf_free(&u);
    tf_free(&t);
    frame_free(other);
    frame_free(f);
}

/* A state saved by a newer version, or by another transform, is refused. */
static void
test_load_refused(void **unused)
{
    static const char *const names[] = {"impute", "standardize", "onehot"};
    static const char *const c[] = {"a", "b"};
    static const double x[] = {1, 2};
    struct aiwb_frame *f = frame_new(2);

    (void)unused;
    add_num(f, "x", x);
    add_cat(f, "c", NULL, c);
    for (size_t i = 0; i < 3; i++) {
        struct tf t, u;
        unsigned char *blob;
        size_t len;
        char *cause = NULL, want[128];

        tf_make(&t, names[i], NULL);
        tf_fit(&t, f);
        blob = save_state(&t, &len);
        tf_make(&u, names[i], NULL);
        assert_int_equal(load_state(&u, blob, len, t.t->state_version + 1, &cause),
                         AIWB_EDATA);
        snprintf(want, sizeof want, "%s: cannot read state version %u", names[i],
                 t.t->state_version + 1);
        assert_non_null(strstr(cause, want));
        free(cause);
        cause = NULL;
        tf_free(&u);
        /* The next transform's state: its first key is not what this one expects. */
        tf_make(&u, names[(i + 1) % 3], NULL);
        assert_int_equal(load_state(&u, blob, len, u.t->state_version, &cause), AIWB_EDATA);
        free(cause);
        tf_free(&u);
        free(blob);
        tf_free(&t);
    }
    frame_free(f);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_registered),
        cmocka_unit_test(test_impute_numeric),
        cmocka_unit_test(test_impute_median_mixed),
        cmocka_unit_test(test_impute_reference),
        cmocka_unit_test(test_impute_categorical),
        cmocka_unit_test(test_impute_constant),
        cmocka_unit_test(test_impute_indicators),
        cmocka_unit_test(test_impute_errors),
        cmocka_unit_test(test_passthrough_by_name),
        cmocka_unit_test(test_impute_round_trip),
        cmocka_unit_test(test_standardize),
        cmocka_unit_test(test_standardize_reference),
        cmocka_unit_test(test_standardize_errors),
        cmocka_unit_test(test_standardize_round_trip),
        cmocka_unit_test(test_onehot),
        cmocka_unit_test(test_onehot_single_level),
        cmocka_unit_test(test_onehot_errors),
        cmocka_unit_test(test_onehot_round_trip),
        cmocka_unit_test(test_load_refused),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
