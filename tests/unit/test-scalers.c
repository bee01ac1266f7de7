/*
 * test-scalers.c - the minmax, robust, log, clip and outliers transforms, driven through
 * their descriptors as the host drives them, against scikit-learn, numpy and R.
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

/* Reference numbers from numpy, scikit-learn and R (see the scripts beside them). */
#include "../data/transforms2/reference.h"
#include "../data/transforms2/prcomp.h"

#define NA NAN

/* ---- What the plugins log ---------------------------------------------------------- */

#define MAX_LOGGED 16
static char logged[MAX_LOGGED][512];
static enum aiwb_log_level logged_level[MAX_LOGGED];
static size_t n_logged;

static void
capture(void *arg, enum aiwb_log_level level, const char *msg)
{
    (void)arg;
    if (n_logged < MAX_LOGGED) {
        logged_level[n_logged] = level;
        snprintf(logged[n_logged++], sizeof logged[0], "%s", msg);
    }
}

/* Assert that a message at LEVEL holding TEXT was logged since the last clear. */
static void
assert_logged(enum aiwb_log_level level, const char *text)
{
    for (size_t i = 0; i < n_logged; i++)
        if (logged_level[i] == level && strstr(logged[i], text) != NULL)
            return;
    for (size_t i = 0; i < n_logged; i++)
        print_message("logged at level %d: %s\n", (int)logged_level[i], logged[i]);
    fail_msg("nothing logged at level %d holds '%s'", (int)level, text);
}

static int
setup(void **unused)
{
    (void)unused;
    tu_load_plugins();
    log_set_sink(capture, NULL, AIWB_LOG_DEBUG);
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

static void
add_cat(struct aiwb_frame *f, const char *name, const char *const *v)
{
    int32_t *y = frame_add_categorical(f, name);
    size_t col = frame_cols(f) - 1;

    assert_non_null(y);
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

/* Assert X[0..N-1] is within TOL of WANT (relative, absolute below 1), NaN matching NaN. */
static void
assert_close(const double *x, const double *want, size_t n, double tol)
{
    for (size_t i = 0; i < n; i++) {
        if (isnan(want[i]) != isnan(x[i]))
            fail_msg("row %zu: got %.17g, want %.17g", i, x[i], want[i]);
        if (!isnan(want[i]))
            tu_assert_rel(x[i], want[i], tol);
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
    }
}

/* The fitting frame of the scaler references: a, b, c with missing values. */
static struct aiwb_frame *
ref_frame(void)
{
    struct aiwb_frame *f = frame_new(REF_N);

    add_num(f, "a", ref_a);
    add_num(f, "b", ref_b);
    add_num(f, "c", ref_c);
    return f;
}

/* The other frame: a2, b2, c2 as a, b, c, in another column order, with a categorical. */
static struct aiwb_frame *
ref_frame2(void)
{
    static const char *kinds[REF_M];
    struct aiwb_frame *f = frame_new(REF_M);

    for (size_t i = 0; i < REF_M; i++)
        kinds[i] = i % 3 ? "x" : i % 2 ? NULL : "y";
    add_num(f, "c", ref_c2);
    add_cat(f, "kind", kinds);
    add_num(f, "a", ref_a2);
    add_num(f, "b", ref_b2);
    return f;
}

/* airquality from the bundled dataset. */
static struct aiwb_frame *
airquality(void)
{
    char *path = tu_srcpath("datasets/airquality.csv"), *cause = NULL;
    struct aiwb_frame *f = tu_read(path, NULL, &cause);

    if (f == NULL)
        fail_msg("airquality: %s", cause);
    free(path);
    return f;
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

    if (x->t->fit != NULL && x->t->fit(x->state, f, &cause) != AIWB_OK)
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
    if (x->t->fini != NULL)
        x->t->fini(x->state);
    free(x->state);
}

/* A fitted instance of NAME with the NULL-terminated options WORDS. */
static void
tf_fitted(struct tf *x, const char *name, const char *const *words, const struct aiwb_frame *f)
{
    tf_make(x, name, words);
    tf_fit(x, f);
}

/* Assert that init of NAME with WORDS fails with a message holding FRAGMENT. */
static void
expect_init_fail(const char *name, const char *const *words, const char *fragment)
{
    struct tf t;
    char *cause = NULL;

    assert_true(tf_init(&t, name, words, &cause) < 0);
    assert_non_null(cause);
    if (strstr(cause, fragment) == NULL)
        fail_msg("message '%s' lacks '%s'", cause, fragment);
    free(cause);
    tf_free(&t);
}

/* Assert that fit (APPLY 0) or apply (APPLY 1) fails with a message holding each
 * NULL-terminated fragment, and that apply then leaves no frame. */
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

/* Load refusals: a newer state version, and another transform's state. */
static void
check_load_refused(const char *name, const char *other, const struct aiwb_frame *f)
{
    struct tf t, u;
    unsigned char *blob;
    size_t len;
    char *cause = NULL, want[128];

    tf_fitted(&t, name, NULL, f);
    blob = save_state(&t, &len);
    tf_make(&u, name, NULL);
    assert_int_equal(load_state(&u, blob, len, t.t->state_version + 1, &cause), AIWB_EDATA);
    snprintf(want, sizeof want, "%s: cannot read state version %u", name, t.t->state_version + 1);
    assert_non_null(strstr(cause, want));
    free(cause);
    cause = NULL;
    tf_free(&u);
    tf_make(&u, other, NULL);
    assert_true(load_state(&u, blob, len, u.t->state_version, &cause) < 0);
    free(cause);
    tf_free(&u);
    free(blob);
    tf_free(&t);
}

/* ---- The components as the user sees them ------------------------------------------ */

static void
test_registered(void **unused)
{
    static const struct {
        const char *name, *module;
        unsigned flags;
        const char *in_help; /* what `help NAME` must tell the user */
    } want[] = {
        {"minmax", "scale", AIWB_CAP_MISSING | AIWB_CAP_CATEGORICAL | AIWB_TF_FIT, "clip=true"},
        {"robust", "scale", AIWB_CAP_MISSING | AIWB_CAP_CATEGORICAL | AIWB_TF_FIT, "type 7"},
        {"log", "log", AIWB_CAP_MISSING | AIWB_CAP_CATEGORICAL, "invalid=missing"},
        {"clip", "outliers", AIWB_CAP_MISSING | AIWB_CAP_CATEGORICAL | AIWB_TF_FIT,
         "Tukey's fences"},
        {"outliers", "outliers",
         AIWB_CAP_MISSING | AIWB_CAP_CATEGORICAL | AIWB_TF_FIT | AIWB_TF_ROWS,
         "training rows only"},
    };

    (void)unused;
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        const struct component *c = find_component(want[i].name);
        const struct aiwb_transform_type *t = c->type.transform;
        int fits = (want[i].flags & AIWB_TF_FIT) != 0;

        assert_string_equal(c->module->name, want[i].module);
        assert_string_equal(c->module->version, "1.0.0");
        assert_int_equal(t->flags, want[i].flags);
        assert_non_null(t->summary);
        assert_true(strlen(t->summary) <= 80);
        assert_non_null(t->help);
        assert_non_null(strstr(t->help, want[i].in_help));
        assert_true(t->state_version >= 1);
        assert_non_null(t->init);
        assert_non_null(t->fini);
        /* A transform without fitted state keeps nothing but its options, which the
         * pipeline saves and gives back to init. */
        assert_true((t->fit != NULL) == fits);
        assert_true((t->save != NULL) == fits);
        assert_true((t->load != NULL) == fits);
        for (const struct aiwb_option_spec *o = t->options; o->name != NULL; o++)
            assert_true(o->help != NULL && strlen(o->help) > 20);
    }
}

/* ---- minmax ---------------------------------------------------------------------- */

static void
test_minmax_reference(void **unused)
{
    struct aiwb_frame *f = ref_frame(), *g = ref_frame2(), *h;
    struct tf t;

    (void)unused;
    tf_fitted(&t, "minmax", NULL, f);
    h = tf_apply(&t, g);
    assert_columns(h, "c", "kind", "a", "b", NULL);
    /* scikit-learn computes x * scale_ + min_, which loses digits when x is far from its
     * minimum; aiwb (x - min) / range: the same within a few ulps of the range. */
    assert_close(num_of(h, "a"), ref_mm_x2, REF_M, 1e-12);
    assert_close(num_of(h, "b"), ref_mm_x2 + REF_M, REF_M, 1e-14);
    assert_close(num_of(h, "c"), ref_mm_x2 + 2 * REF_M, REF_M, 1e-14);
    /* The categorical column is passed through, shared. */
    assert_ptr_equal(frame_codes(h, 1), frame_codes(g, 1));
    frame_free(h);
    tf_free(&t);

    tf_fitted(&t, "minmax", (const char *const[]){"min=-2", "max=3", "clip=true", NULL}, f);
    h = tf_apply(&t, g);
    assert_close(num_of(h, "a"), ref_mm_clip_x2, REF_M, 1e-12);
    assert_close(num_of(h, "b"), ref_mm_clip_x2 + REF_M, REF_M, 1e-14);
    assert_close(num_of(h, "c"), ref_mm_clip_x2 + 2 * REF_M, REF_M, 1e-14);
    for (size_t i = 0; i < REF_M; i++)
        assert_true(isnan(num_of(h, "a")[i]) ||
                    (num_of(h, "a")[i] >= -2 && num_of(h, "a")[i] <= 3));
    frame_free(h);
    tf_free(&t);

    /* The fit frame itself: its extremes land on the bounds exactly. */
    tf_fitted(&t, "minmax", NULL, f);
    h = tf_apply(&t, f);
    for (size_t c = 0; c < 3; c++) {
        const double *x = frame_numeric(f, c), *y = frame_numeric(h, c);
        for (size_t i = 0; i < REF_N; i++) {
            if (isnan(x[i])) {
                assert_true(isnan(y[i]));
                continue;
            }
            assert_true(y[i] >= 0 && y[i] <= 1);
            if (x[i] == ref_mm_min[c])
                assert_true(y[i] == 0);
            if (x[i] == ref_mm_max[c])
                assert_true(y[i] == 1);
        }
    }
    frame_free(h);
    tf_free(&t);
    frame_free(g);
    frame_free(f);
}

static void
test_minmax_ranges(void **unused)
{
    static const double x[] = {2, 5, NA, 3.5, 4};
    static const double k[] = {7, 7, 7, NA, 7};
    static const double y[] = {1, 2, 6, 3.5, 7};
    static const char *const words[] = {"min=-0.1", "max=0.3", NULL};
    struct aiwb_frame *f = frame_new(5), *g = frame_new(5), *h;
    const double *v;
    struct tf t;

    (void)unused;
    add_num(f, "x", x);
    add_num(f, "k", k);
    add_num(g, "k", y);
    add_num(g, "x", y);
    /* Bounds whose width is not exact in binary still come out exactly at the ends. */
    tf_fitted(&t, "minmax", words, f);
    h = tf_apply(&t, f);
    v = num_of(h, "x");
    assert_true(v[0] == -0.1 && v[1] == 0.3 && isnan(v[2]));
    tu_assert_rel(v[3], 0.1, 1e-15);
    /* A constant column maps to the lower bound. */
    v = num_of(h, "k");
    assert_true(v[0] == -0.1 && v[4] == -0.1 && isnan(v[3]));
    frame_free(h);

    /* Another frame extrapolates beyond the fitted range: 1 and 6 lie a third of the range
     * outside it; the constant column takes the range as 1 (scikit-learn's rule). */
    h = tf_apply(&t, g);
    v = num_of(h, "x");
    tu_assert_rel(v[0], -0.1 - 0.4 / 3, 1e-15);
    tu_assert_rel(v[2], 0.3 + 0.4 / 3, 1e-15);
    v = num_of(h, "k");
    tu_assert_rel(v[0], -0.1 - 6 * 0.4, 1e-15);
    assert_true(v[4] == -0.1);
    frame_free(h);
    tf_free(&t);

    /* clip=true: the same values clipped. */
    tf_fitted(&t, "minmax", (const char *const[]){"min=-0.1", "max=0.3", "clip=true", NULL}, f);
    h = tf_apply(&t, g);
    v = num_of(h, "x");
    assert_true(v[0] == -0.1 && v[2] == 0.3);
    tu_assert_rel(v[3], 0.1, 1e-15);
    frame_free(h);
    tf_free(&t);
    frame_free(g);
    frame_free(f);
}

static void
test_minmax_errors(void **unused)
{
    static const double x[] = {1, 2, 3};
    static const double none[] = {NA, NA, NA};
    static const double inf[] = {1, INFINITY, 3};
    static const double wide[] = {-DBL_MAX, 0, DBL_MAX};
    static const char *const c[] = {"a", "b", "a"};
    struct aiwb_frame *f = frame_new(3), *g = frame_new(3), *w = frame_new(3);
    struct aiwb_frame *h = frame_new(3), *v = frame_new(3);
    struct tf t;

    (void)unused;
    expect_init_fail("minmax", (const char *const[]){"min=1", "max=1", NULL},
                     "minmax: min=1 must be below max=1");
    expect_init_fail("minmax", (const char *const[]){"min=2", NULL},
                     "minmax: min=2 must be below max=1");
    expect_init_fail("minmax", (const char *const[]){"min=-1e308", "max=1e308", NULL},
                     "minmax: max - min must be a finite number, and 1e+308 - -1e+308 is not");
    add_num(f, "x", x);
    add_num(f, "empty", none);
    add_num(g, "x", inf);
    add_num(w, "x", wide);
    tf_make(&t, "minmax", NULL);
    expect_fail(&t, f, 0, "minmax: column 'empty' has no values to fit", NULL);
    expect_fail(&t, g, 0, "minmax: column 'x' holds infinite values", NULL);
    expect_fail(&t, w, 0, "minmax: column 'x' spans a range too wide for a double", NULL);
    /* Apply to frames that lack a fitted column or have it with another type. */
    add_num(h, "y", x);
    add_cat(v, "x", c);
    frame_free(g);
    g = frame_new(3);
    add_num(g, "x", x);
    tf_fit(&t, g);
    expect_fail(&t, h, 1, "minmax: column 'x' is missing", NULL);
    expect_fail(&t, v, 1, "minmax: column 'x' is categorical, but was numeric at fit time", NULL);
    tf_free(&t);
    frame_free(v);
    frame_free(h);
    frame_free(w);
    frame_free(g);
    frame_free(f);
}

static void
test_minmax_round_trip(void **unused)
{
    struct aiwb_frame *f = ref_frame(), *g = ref_frame2();
    struct tf t, other;

    (void)unused;
    tf_fitted(&t, "minmax", (const char *const[]){"min=-3", "max=7", "clip=true", NULL}, f);
    tf_fitted(&other, "minmax", NULL, g);
    check_round_trip(&t, &other, g);
    tf_free(&other);
    tf_free(&t);
    check_load_refused("minmax", "robust", f);
    frame_free(g);
    frame_free(f);
}

/* ---- robust ---------------------------------------------------------------------- */

/* The centers and scales robust saved, read back from its state (the caller frees). */
static void
robust_state(const struct tf *t, double **centers, double **scales, size_t *n)
{
    size_t len, k;
    unsigned char *blob = save_state(t, &len);
    char *cause = NULL, **names;
    struct aiwb_reader *r = reader_open(blob, len, &cause);
    int64_t i, *types;
    double d;

    assert_non_null(r);
    assert_int_equal(codec_get_int(r, "center", &i), 0);
    assert_int_equal(codec_get_int(r, "scale", &i), 0);
    assert_int_equal(codec_get_real(r, "q_low", &d), 0);
    assert_int_equal(codec_get_real(r, "q_high", &d), 0);
    assert_int_equal(codec_get_strs(r, "columns", n, &names), 0);
    for (size_t j = 0; j < *n; j++)
        free(names[j]);
    free(names);
    assert_int_equal(codec_get_ints(r, "types", &k, &types), 0);
    free(types);
    assert_int_equal(codec_get_reals(r, "centers", &k, centers), 0);
    assert_int_equal(codec_get_reals(r, "scales", &k, scales), 0);
    reader_free(r);
    free(blob);
}

static void
test_robust_reference(void **unused)
{
    struct aiwb_frame *f = ref_frame(), *g = ref_frame2(), *h;
    double *centers, *scales;
    size_t n;
    struct tf t;

    (void)unused;
    /* scikit-learn's RobustScaler, bit for bit: the same medians, the same interpolated
     * quartiles, the same subtraction and division. */
    tf_fitted(&t, "robust", NULL, f);
    robust_state(&t, &centers, &scales, &n);
    assert_int_equal(n, 3);
    assert_values(centers, ref_rs_center, 3);
    assert_values(scales, ref_rs_scale, 3);
    free(centers);
    free(scales);
    h = tf_apply(&t, f);
    assert_values(num_of(h, "a"), ref_rs_x, REF_N);
    assert_values(num_of(h, "b"), ref_rs_x + REF_N, REF_N);
    assert_values(num_of(h, "c"), ref_rs_x + 2 * REF_N, REF_N);
    frame_free(h);
    h = tf_apply(&t, g);
    assert_columns(h, "c", "kind", "a", "b", NULL);
    assert_values(num_of(h, "a"), ref_rs_x2, REF_M);
    assert_values(num_of(h, "b"), ref_rs_x2 + REF_M, REF_M);
    assert_values(num_of(h, "c"), ref_rs_x2 + 2 * REF_M, REF_M);
    frame_free(h);
    tf_free(&t);

    tf_fitted(&t, "robust", (const char *const[]){"quantiles=(10,90)", NULL}, f);
    robust_state(&t, &centers, &scales, &n);
    assert_values(scales, ref_rs90_scale, 3);
    free(centers);
    free(scales);
    h = tf_apply(&t, g);
    assert_values(num_of(h, "a"), ref_rs90_x2, REF_M);
    assert_values(num_of(h, "b"), ref_rs90_x2 + REF_M, REF_M);
    assert_values(num_of(h, "c"), ref_rs90_x2 + 2 * REF_M, REF_M);
    frame_free(h);
    tf_free(&t);
    frame_free(g);
    frame_free(f);
}

/*
 * The interpolation itself against numpy.nanpercentile, bit for bit, for sizes 1 to 300
 * and awkward percentages: robust(quantiles=(0,q)) divides by Q(q) - Q(0), and Q(0) is the
 * minimum in both, so its scale equals numpy's Q(q) minus the minimum exactly.
 */
static void
test_robust_percentiles(void **unused)
{
    size_t nn = sizeof ref_pct_n / sizeof ref_pct_n[0], nq = sizeof ref_pct_q / sizeof ref_pct_q[0];

    (void)unused;
    for (size_t a = 0; a < nn; a++) {
        struct aiwb_frame *f = frame_new(ref_pct_n[a]);
        add_num(f, "c", ref_c);
        for (size_t b = 1; b < nq; b++) {
            const double *want = ref_pct + a * nq;
            char opt[64];
            double *centers, *scales, diff = want[b] - want[0];
            size_t n;
            struct tf t;

            snprintf(opt, sizeof opt, "quantiles=0,%.17g", ref_pct_q[b]);
            tf_fitted(&t, "robust", (const char *const[]){opt, NULL}, f);
            robust_state(&t, &centers, &scales, &n);
            if (scales[0] != (diff == 0 ? 1 : diff))
                fail_msg("n=%zu q=%g: scale %.17g, numpy %.17g", ref_pct_n[a], ref_pct_q[b],
                         scales[0], diff);
            free(centers);
            free(scales);
            tf_free(&t);
        }
        frame_free(f);
    }
}

static int
compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

/* numpy's linear quantile PCT (percent) of the sorted V[0..N-1], the reference. */
static double
numpy_quantile(const double *v, size_t n, double pct)
{
    double h = (double)(n - 1) * (pct / 100), below = floor(h), t = h - below, d;
    size_t i = (size_t)below;

    if (i + 1 >= n)
        return v[n - 1];
    d = v[i + 1] - v[i];
    return t == 0 ? v[i] : t >= 0.5 ? v[i + 1] - d * (1 - t) : v[i] + d * t;
}

/* Value I of N in the order PATTERN: orders that trouble quickselect (sorted, reversed,
 * organ pipes, saw teeth), ties, signed zeros, random. */
static double
patterned(int pattern, size_t i, size_t n, uint64_t *seed)
{
    *seed = *seed * 6364136223846793005u + 1442695040888963407u;
    switch (pattern) {
    case 0:
        return (double)i;
    case 1:
        return (double)(n - i);
    case 2:
        return (double)(i < n / 2 ? i : n - i);
    case 3:
        return (double)(i % 2 ? i : n - i);
    case 4:
        return (double)(i % 7);
    case 5:
        return 3;
    case 6:
        return i % 3 == 0 ? -0.0 : i % 3 == 1 ? 0.0 : (double)(i % 5) - 2;
    default:
        return ldexp((double)(*seed >> 11), -53) * 100 - 50;
    }
}

/*
 * The quantiles robust, clip and outliers use, against qsort and numpy's formula, bit for
 * bit, on orders that send quickselect to its radix-sort fallback and on sizes 1 to 5000.
 */
static void
test_quantiles_orders(void **unused)
{
    static const size_t sizes[] = {1, 2, 3, 4, 5, 10, 101, 1000, 5000};
    double *v = malloc(5000 * sizeof *v), *sorted = malloc(5000 * sizeof *v);

    (void)unused;
    for (int pattern = 0; pattern < 8; pattern++) {
        for (size_t a = 0; a < sizeof sizes / sizeof sizes[0]; a++) {
            size_t n = sizes[a];
            uint64_t seed = 99 + n;
            struct aiwb_frame *f = frame_new(n), *x = frame_new(2), *h;
            double *centers, *scales, med, iqr, q1, q3, got[2];
            size_t k;
            struct tf t;

            for (size_t i = 0; i < n; i++)
                v[i] = sorted[i] = patterned(pattern, i, n, &seed);
            add_num(f, "v", v);
            add_num(x, "v", (const double[]){-1e300, 1e300});
            qsort(sorted, n, sizeof *sorted, compare_doubles);
            med = n % 2 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;

            tf_fitted(&t, "robust", (const char *const[]){"quantiles=(10,66.7)", NULL}, f);
            robust_state(&t, &centers, &scales, &k);
            iqr = numpy_quantile(sorted, n, 66.7) - numpy_quantile(sorted, n, 10);
            if (centers[0] != med || scales[0] != (iqr == 0 ? 1 : iqr))
                fail_msg("pattern %d n %zu: robust %.17g %.17g, want %.17g %.17g", pattern, n,
                         centers[0], scales[0], med, iqr);
            free(centers);
            free(scales);
            tf_free(&t);

            q1 = numpy_quantile(sorted, n, 25);
            q3 = numpy_quantile(sorted, n, 75);
            tf_fitted(&t, "clip", NULL, f);
            h = tf_apply(&t, x);
            memcpy(got, num_of(h, "v"), sizeof got);
            if (got[0] != q1 - 1.5 * (q3 - q1) || got[1] != q3 + 1.5 * (q3 - q1))
                fail_msg("pattern %d n %zu: fences [%.17g, %.17g], want [%.17g, %.17g]", pattern, n,
                         got[0], got[1], q1 - 1.5 * (q3 - q1), q3 + 1.5 * (q3 - q1));
            frame_free(h);
            tf_free(&t);
            frame_free(x);
            frame_free(f);
        }
    }
    free(sorted);
    free(v);
}

/* R's quantile(type = 7) of airquality's Ozone: the same up to rounding (R interpolates as
 * (1 - h) a + h b, numpy from the nearer end). */
static void
test_robust_r_quantiles(void **unused)
{
    struct aiwb_frame *f = airquality();
    size_t np = sizeof ref_r_probs / sizeof ref_r_probs[0];

    (void)unused;
    for (size_t b = 1; b < np; b++) {
        char opt[64];
        double *centers, *scales;
        size_t n;
        struct tf t;

        snprintf(opt, sizeof opt, "quantiles=(0,%.17g)", 100 * ref_r_probs[b]);
        tf_fitted(&t, "robust", (const char *const[]){opt, NULL}, f);
        robust_state(&t, &centers, &scales, &n);
        tu_assert_rel(scales[0], ref_r_ozone_q[b] - ref_r_ozone_q[0], 1e-14);
        tu_assert_rel(centers[0], 31.5, 0); /* the median, R's and numpy's */
        free(centers);
        free(scales);
        tf_free(&t);
    }
    frame_free(f);
}

static void
test_robust_cases(void **unused)
{
    /* Quartiles of the 8 values: Q1 = 3, Q3 = 3 (IQR 0: scale 1), median 3. */
    static const double ties[] = {3, 3, 1, 3, 3, 9, 3, 3, NA};
    /* 1 2 4 8 16: median 4, Q1 2, Q3 8 (IQR 6). */
    static const double pow2[] = {16, NA, 1, 8, 2, 4, NA, NA, NA};
    static const char *const k[] = {"u", "v", NULL, "u", "v", "u", "u", "u", "v"};
    struct aiwb_frame *f = frame_new(9), *h;
    const double *y;
    struct tf t;

    (void)unused;
    add_cat(f, "k", k);
    add_num(f, "ties", ties);
    add_num(f, "pow2", pow2);
    tf_fitted(&t, "robust", NULL, f);
    h = tf_apply(&t, f);
    assert_columns(h, "k", "ties", "pow2", NULL);
    y = num_of(h, "ties");
    assert_true(y[0] == 0 && y[2] == -2 && y[5] == 6 && isnan(y[8]));
    y = num_of(h, "pow2");
    assert_true(y[0] == 2 && y[2] == -0.5 && isnan(y[1]) && y[5] == 0);
    frame_free(h);
    tf_free(&t);

    /* center=false: only divided; scale=false: only centred; both false: unchanged. */
    tf_fitted(&t, "robust", (const char *const[]){"center=false", NULL}, f);
    h = tf_apply(&t, f);
    assert_true(num_of(h, "pow2")[0] == 16.0 / 6);
    frame_free(h);
    tf_free(&t);
    tf_fitted(&t, "robust", (const char *const[]){"scale=false", NULL}, f);
    h = tf_apply(&t, f);
    assert_true(num_of(h, "pow2")[0] == 12);
    frame_free(h);
    tf_free(&t);
    tf_fitted(&t, "robust", (const char *const[]){"scale=false", "center=false", NULL}, f);
    h = tf_apply(&t, f);
    assert_ptr_equal(num_of(h, "pow2"), num_of(f, "pow2"));
    frame_free(h);
    tf_free(&t);
    frame_free(f);
}

static void
test_robust_errors(void **unused)
{
    static const char *const bad[] = {"25",       "a,b", "(25,75", "25,75)",  "25;75",
                                      "25,75,90", "",    "(,)",    "inf,100", "1e999,5"};
    static const char *const backwards[] = {"75,25", "-1,50", "50,101", "40,40"};
    static const double x[] = {1, 2, 3, 4};
    static const double none[] = {NA, NA, NA, NA};
    static const double inf[] = {-INFINITY, INFINITY, INFINITY, 1};
    struct aiwb_frame *f = frame_new(4), *g = frame_new(4), *h = frame_new(4);
    struct tf t;

    (void)unused;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char opt[64], want[96];
        snprintf(opt, sizeof opt, "quantiles=%s", bad[i]);
        snprintf(want, sizeof want, "robust: quantiles '%s' is not two percentages", bad[i]);
        expect_init_fail("robust", (const char *const[]){opt, NULL}, want);
    }
    for (size_t i = 0; i < sizeof backwards / sizeof backwards[0]; i++) {
        char opt[64], want[96];
        snprintf(opt, sizeof opt, "quantiles=%s", backwards[i]);
        snprintf(want, sizeof want, "robust: quantiles '%s' must rise within 0 to 100",
                 backwards[i]);
        expect_init_fail("robust", (const char *const[]){opt, NULL}, want);
    }
    /* Spaces around the numbers are fine. */
    tf_make(&t, "robust", (const char *const[]){"quantiles= ( 5 , 95 ) ", NULL});
    tf_free(&t);

    add_num(f, "x", x);
    add_num(g, "empty", none);
    add_num(h, "inf", inf);
    tf_make(&t, "robust", NULL);
    expect_fail(&t, g, 0, "robust: column 'empty' has no values to fit", NULL);
    expect_fail(&t, h, 0, "robust: column 'inf' has a", "not finite", NULL);
    tf_fit(&t, f);
    expect_fail(&t, g, 1, "robust: column 'x' is missing", NULL);
    tf_free(&t);
    frame_free(h);
    frame_free(g);
    frame_free(f);
}

static void
test_robust_round_trip(void **unused)
{
    struct aiwb_frame *f = ref_frame(), *g = ref_frame2();
    struct tf t, other;

    (void)unused;
    tf_fitted(&t, "robust", (const char *const[]){"quantiles=(5,95)", "center=false", NULL}, f);
    tf_fitted(&other, "robust", NULL, g);
    check_round_trip(&t, &other, g);
    tf_free(&other);
    tf_free(&t);
    check_load_refused("robust", "minmax", f);
    frame_free(g);
    frame_free(f);
}

/* ---- log ------------------------------------------------------------------------- */

static void
test_log_reference(void **unused)
{
    static const struct {
        const char *words[3];
        const double *want;
    } cases[] = {
        {{NULL}, ref_log_e},
        {{"base=10", NULL}, ref_log_10},
        {{"base=2", NULL}, ref_log_2},
        {{"base=3", "offset=0.5", NULL}, ref_log_3_off},
    };
    struct aiwb_frame *f = ref_frame();

    (void)unused;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct aiwb_frame *h;
        struct tf t;

        tf_make(&t, "log",
                (const char *const[]){"columns=c", cases[i].words[0], cases[i].words[1], NULL});
        tf_fit(&t, f); /* no fit: nothing happens */
        h = tf_apply(&t, f);
        assert_columns(h, "a", "b", "c", NULL);
        assert_close(num_of(h, "c"), cases[i].want, REF_N, 4e-16);
        /* Columns not named pass through, shared. */
        assert_ptr_equal(num_of(h, "a"), num_of(f, "a"));
        frame_free(h);
        tf_free(&t);
    }
    frame_free(f);
}

static void
test_log_cases(void **unused)
{
    static const double x[] = {1000, 0.001, NA, 1, 1e-300, INFINITY};
    static const double y[] = {8, 0.25, 1024, NA, 1, 0.5};
    static const char *const k[] = {"a", "b", "a", NULL, "b", "b"};
    struct aiwb_frame *f = frame_new(6), *h;
    const double *v;
    struct tf t;

    (void)unused;
    add_num(f, "x", x);
    add_cat(f, "k", k);
    add_num(f, "y", y);
    /* Powers of the base come out exact; missing stays missing; +inf stays +inf. */
    tf_fitted(&t, "log", (const char *const[]){"base=10", NULL}, f);
    h = tf_apply(&t, f);
    assert_columns(h, "x", "k", "y", NULL);
    v = num_of(h, "x");
    assert_true(v[0] == 3 && v[1] == -3 && isnan(v[2]) && v[3] == 0 && v[4] == -300 &&
                v[5] == INFINITY);
    assert_ptr_equal(frame_codes(h, 1), frame_codes(f, 1));
    frame_free(h);
    tf_free(&t);
    tf_fitted(&t, "log", (const char *const[]){"base=2", "columns=( y )", NULL}, f);
    h = tf_apply(&t, f);
    v = num_of(h, "y");
    assert_true(v[0] == 3 && v[1] == -2 && v[2] == 10 && isnan(v[3]) && v[5] == -1);
    assert_ptr_equal(num_of(h, "x"), num_of(f, "x"));
    frame_free(h);
    tf_free(&t);
    /* offset=1 is log1p's shift (within rounding), for counts with zeros. */
    tf_fitted(&t, "log", (const char *const[]){"offset=1", "columns=x,y", NULL}, f);
    h = tf_apply(&t, f);
    tu_assert_rel(num_of(h, "x")[1], log1p(0.001), 1e-13);
    tu_assert_rel(num_of(h, "y")[4], log(2), 1e-16);
    frame_free(h);
    tf_free(&t);
    frame_free(f);
}

static void
test_log_invalid(void **unused)
{
    static const double x[] = {3, 0.5, NA, 0, -2};
    static const double y[] = {1, 2, 3, 4, 5};
    struct aiwb_frame *f = frame_new(5), *h;
    const double *v;
    struct tf t;

    (void)unused;
    add_num(f, "y", y);
    add_num(f, "x", x);
    /* The default: an error naming the column, the row (1-based) and the value. */
    tf_make(&t, "log", NULL);
    expect_fail(&t, f, 1, "log: column 'x' row 4: the log of 0 is not defined",
                "offset=", "invalid=missing", NULL);
    tf_free(&t);
    tf_make(&t, "log", (const char *const[]){"offset=-0.5", NULL});
    expect_fail(&t, f, 1, "log: column 'x' row 2: 0.5 + offset -0.5 is not above 0", NULL);
    tf_free(&t);
    tf_make(&t, "log", (const char *const[]){"offset=2", NULL});
    expect_fail(&t, f, 1, "log: column 'x' row 5: -2 + offset 2 is not above 0", NULL);
    tf_free(&t);
    /* invalid=missing: those values become missing, and the count is logged. */
    n_logged = 0;
    tf_make(&t, "log", (const char *const[]){"invalid=missing", NULL});
    h = tf_apply(&t, f);
    v = num_of(h, "x");
    assert_true(v[0] == log(3) && v[1] == log(0.5) && isnan(v[2]) && isnan(v[3]) && isnan(v[4]));
    assert_logged(AIWB_LOG_INFO, "log: 2 values of column 'x' at or below -offset made missing");
    frame_free(h);
    tf_free(&t);
    frame_free(f);
}

static void
test_log_errors(void **unused)
{
    static const double x[] = {1, 2};
    static const char *const k[] = {"a", "b"};
    struct aiwb_frame *f = frame_new(2);
    struct tf t;

    (void)unused;
    expect_init_fail("log", (const char *const[]){"base=1", NULL}, "log: base=1 has no logarithm");
    expect_init_fail("log", (const char *const[]){"columns=a,,b", NULL},
                     "log: columns 'a,,b' has an empty name");
    expect_init_fail("log", (const char *const[]){"columns=()", NULL},
                     "log: columns '()' has an empty name");
    expect_init_fail("log", (const char *const[]){"columns=(x, y,x)", NULL},
                     "log: column 'x' is named twice in columns");
    add_num(f, "x", x);
    add_cat(f, "k", k);
    tf_make(&t, "log", (const char *const[]){"columns=(x,nope)", NULL});
    expect_fail(&t, f, 1, "log: column 'nope' is missing", NULL);
    tf_free(&t);
    tf_make(&t, "log", (const char *const[]){"columns=k", NULL});
    expect_fail(&t, f, 1, "log: column 'k' is categorical, and log takes numbers", NULL);
    tf_free(&t);
    frame_free(f);
}

/* log keeps its options only: an instance made again from the words the pipeline saves
 * gives the same frame, bit for bit. */
static void
test_log_options_round_trip(void **unused)
{
    static const char *const words[] = {"base=3", "offset=0.25", "columns=(c,a)", "invalid=missing",
                                        NULL};
    const struct component *c = find_component("log");
    struct aiwb_options *o;
    struct aiwb_frame *f = ref_frame(), *g = ref_frame2(), *h1, *h2;
    char **saved, *cause = NULL;
    size_t n;
    struct tf t, u;

    (void)unused;
    o = options_parse("log", c->options, 4, (char *const *)words, &cause);
    assert_non_null(o);
    saved = options_words(o, 0, &n);
    options_free(o);
    tf_fitted(&t, "log", words, f);
    tf_fitted(&u, "log", (const char *const *)saved, f);
    h1 = tf_apply(&t, g);
    h2 = tf_apply(&u, g);
    assert_frames_identical(h1, h2);
    assert_true(num_of(h1, "c")[0] == log(num_of(g, "c")[0] + 0.25) / log(3));
    frame_free(h1);
    frame_free(h2);
    options_words_free(saved);
    tf_free(&u);
    tf_free(&t);
    frame_free(g);
    frame_free(f);
}

/* ---- clip and outliers ----------------------------------------------------------- */

/* A frame of airquality's columns holding, per column, a value far below and far above
 * every bound, a missing value, and a value inside. */
static struct aiwb_frame *
extremes(const struct aiwb_frame *aq)
{
    struct aiwb_frame *f = frame_new(4);

    for (size_t c = 0; c < frame_cols(aq); c++) {
        double v[4] = {-1e9, 1e9, NA, 10};
        add_num(f, frame_col_name(aq, c), v);
    }
    return f;
}

static void
test_clip_reference(void **unused)
{
    struct aiwb_frame *aq = airquality(), *x = extremes(aq), *h;
    struct tf t;

    (void)unused;
    assert_int_equal(frame_cols(aq), REF_AQ_P);
    /* Tukey's fences from numpy's percentiles: the same arithmetic, bit for bit. */
    tf_fitted(&t, "clip", NULL, aq);
    h = tf_apply(&t, x);
    for (size_t c = 0; c < REF_AQ_P; c++) {
        const double *v = frame_numeric(h, c);
        if (v[0] != ref_aq_iqr_lo[c] || v[1] != ref_aq_iqr_hi[c])
            fail_msg("column %zu: bounds [%.17g, %.17g], numpy [%.17g, %.17g]", c, v[0], v[1],
                     ref_aq_iqr_lo[c], ref_aq_iqr_hi[c]);
        assert_true(isnan(v[2]));
        assert_true(v[3] == 10 || v[3] == ref_aq_iqr_lo[c] || v[3] == ref_aq_iqr_hi[c]);
    }
    frame_free(h);
    /* The fit frame: values inside the fences are left alone. */
    h = tf_apply(&t, aq);
    for (size_t c = 0; c < REF_AQ_P; c++) {
        const double *v = frame_numeric(h, c), *a = frame_numeric(aq, c);
        for (size_t i = 0; i < frame_rows(aq); i++)
            assert_true(isnan(a[i])               ? isnan(v[i])
                        : a[i] > ref_aq_iqr_hi[c] ? v[i] == ref_aq_iqr_hi[c]
                        : a[i] < ref_aq_iqr_lo[c] ? v[i] == ref_aq_iqr_lo[c]
                                                  : v[i] == a[i]);
    }
    frame_free(h);
    tf_free(&t);

    /* z-scores: mean -+ 3 population sd (numpy sums pairwise, aiwb with compensation). */
    tf_fitted(&t, "clip", (const char *const[]){"method=zscore", NULL}, aq);
    h = tf_apply(&t, x);
    for (size_t c = 0; c < REF_AQ_P; c++) {
        tu_assert_rel(frame_numeric(h, c)[0], ref_aq_z_lo[c], 1e-14);
        tu_assert_rel(frame_numeric(h, c)[1], ref_aq_z_hi[c], 1e-14);
    }
    frame_free(h);
    tf_free(&t);
    frame_free(x);
    frame_free(aq);
}

static void
test_clip_options(void **unused)
{
    /* Quartiles of 1..9: 3 and 7, IQR 4. Mean 5, population sd sqrt(60/9). */
    static const double x[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, NA};
    static const double y[] = {9, 8, 7, 6, 5, 4, 3, 2, 1, 0};
    static const double wide[] = {-100, 100, NA, 4, 0, 0, 0, 0, 0, 0};
    static const char *const k[] = {"a", "b", "a", "a", "a", "a", "a", "a", "a", "a"};
    struct aiwb_frame *f = frame_new(10), *g = frame_new(10), *h;
    const double *v;
    double sd = sqrt(60.0 / 9);
    struct tf t;

    (void)unused;
    add_num(f, "x", x);
    add_cat(f, "k", k);
    add_num(f, "y", y);
    add_num(g, "y", wide);
    add_num(g, "x", wide);
    add_cat(g, "k", k);
    /* k=0.5: bounds 1 and 9 for x; only x, by columns=. */
    tf_fitted(&t, "clip", (const char *const[]){"k=0.5", "columns=x", NULL}, f);
    h = tf_apply(&t, g);
    assert_columns(h, "y", "x", "k", NULL);
    v = num_of(h, "x");
    assert_true(v[0] == 1 && v[1] == 9 && isnan(v[2]) && v[3] == 4);
    assert_ptr_equal(num_of(h, "y"), num_of(g, "y"));
    frame_free(h);
    tf_free(&t);
    tf_fitted(&t, "clip", (const char *const[]){"method=zscore", "k=1", NULL}, f);
    h = tf_apply(&t, g);
    tu_assert_rel(num_of(h, "x")[0], 5 - sd, 1e-15);
    tu_assert_rel(num_of(h, "x")[1], 5 + sd, 1e-15);
    tu_assert_rel(num_of(h, "y")[1], 4.5 + sqrt(8.25), 1e-15);
    assert_true(num_of(h, "x")[3] == 4);
    frame_free(h);
    tf_free(&t);
    frame_free(g);
    frame_free(f);
}

static void
test_clip_constant(void **unused)
{
    /* Quartiles 2 and 2: the fences close on 2, and the user is told. */
    static const double x[] = {2, 2, 2, 2, 7, 2, 2, 1};
    struct aiwb_frame *f = frame_new(8), *h;
    struct tf t;

    (void)unused;
    add_num(f, "x", x);
    n_logged = 0;
    tf_fitted(&t, "clip", NULL, f);
    assert_logged(AIWB_LOG_WARN, "clip: column 'x' has interquartile range 0: every value other "
                                 "than 2 is an outlier");
    h = tf_apply(&t, f);
    for (size_t i = 0; i < 8; i++)
        assert_true(num_of(h, "x")[i] == 2);
    frame_free(h);
    tf_free(&t);
    n_logged = 0;
    tf_fitted(&t, "outliers", (const char *const[]){"method=zscore", NULL}, h = frame_head(f, 4));
    assert_logged(AIWB_LOG_WARN, "outliers: column 'x' has standard deviation 0");
    frame_free(h);
    h = tf_apply(&t, f);
    assert_int_equal(frame_rows(h), 6);
    frame_free(h);
    tf_free(&t);
    frame_free(f);
}

static void
test_clip_errors(void **unused)
{
    static const double x[] = {1, 2, 3, 4};
    static const double none[] = {NA, NA, NA, NA};
    /* Quartiles 3 and 7 (exact order statistics), mean infinite. */
    static const double inf[] = {1, 2, 3, 4, 5, 6, 7, 8, INFINITY};
    static const double infs[] = {-INFINITY, -INFINITY, INFINITY, INFINITY};
    static const char *const k[] = {"a", "b", "a", "b"};
    static const char *const names[] = {"clip", "outliers"};
    struct aiwb_frame *f = frame_new(4), *g = frame_new(9), *h = frame_new(4);
    struct aiwb_frame *e = frame_new(4);
    char want[128];
    struct tf t;

    (void)unused;
    add_num(f, "x", x);
    add_cat(f, "k", k);
    add_num(g, "inf", inf);
    add_num(e, "none", none);
    add_num(h, "infs", infs);
    add_cat(h, "x", k);
    for (size_t i = 0; i < 2; i++) {
        const char *n = names[i];
        snprintf(want, sizeof want, "%s: columns 'x,' has an empty name", n);
        expect_init_fail(n, (const char *const[]){"columns=x,", NULL}, want);
        snprintf(want, sizeof want, "%s: column 'x' is named twice in columns", n);
        expect_init_fail(n, (const char *const[]){"columns=(x,x)", NULL}, want);

        tf_make(&t, n, (const char *const[]){"columns=(x,y)", NULL});
        snprintf(want, sizeof want, "%s: column 'y' is missing", n);
        expect_fail(&t, f, 0, want, NULL);
        tf_free(&t);
        tf_make(&t, n, (const char *const[]){"columns=k", NULL});
        snprintf(want, sizeof want, "%s: column 'k' is categorical, and %s takes numbers", n, n);
        expect_fail(&t, f, 0, want, NULL);
        tf_free(&t);
        tf_make(&t, n, (const char *const[]){"method=zscore", NULL});
        snprintf(want, sizeof want, "%s: column 'inf' has bounds that are not finite", n);
        expect_fail(&t, g, 0, want, NULL);
        snprintf(want, sizeof want, "%s: column 'none' has no values to fit", n);
        expect_fail(&t, e, 0, want, NULL);
        tf_free(&t);
        tf_make(&t, n, NULL);
        snprintf(want, sizeof want, "%s: column 'infs' has bounds that are not finite", n);
        expect_fail(&t, h, 0, want, NULL);
        /* IQR with one infinity among finite quartiles is fine: only the bounds matter. */
        tf_fit(&t, g);
        tf_fit(&t, f);
        snprintf(want, sizeof want, "%s: column 'x' is missing", n);
        expect_fail(&t, g, 1, want, NULL);
        snprintf(want, sizeof want, "%s: column 'x' is categorical, but was numeric", n);
        expect_fail(&t, h, 1, want, NULL);
        tf_free(&t);
    }
    frame_free(e);
    frame_free(h);
    frame_free(g);
    frame_free(f);
}

static void
test_outliers_reference(void **unused)
{
    struct aiwb_frame *aq = airquality(), *h;
    const double *day, *month, *d, *m;
    struct tf t;

    (void)unused;
    n_logged = 0;
    tf_fitted(&t, "outliers", NULL, aq);
    h = tf_apply(&t, aq);
    assert_int_equal(frame_rows(h), REF_AQ_KEPT);
    assert_int_equal(frame_cols(h), REF_AQ_P);
    /* The rows numpy keeps, in their order: Month and Day name each row. */
    day = num_of(aq, "Day");
    month = num_of(aq, "Month");
    d = num_of(h, "Day");
    m = num_of(h, "Month");
    for (size_t i = 0; i < REF_AQ_KEPT; i++)
        assert_true(d[i] == day[ref_aq_kept[i]] && m[i] == month[ref_aq_kept[i]]);
    assert_logged(AIWB_LOG_INFO, "outliers: dropped 5 of 153 rows (outliers in Ozone 2, "
                                 "Wind 3)");
    frame_free(h);
    tf_free(&t);
    frame_free(aq);
}

static void
test_outliers_other_frame(void **unused)
{
    /* Fences of x: Q1 3, Q3 7, k 1.5: [-3, 13]. Of y: 1..9 too. */
    static const double x[] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    static const char *const k[] = {"a", "b", "c", "a", "b", "c", "a", "b", "c"};
    static const double x2[] = {-3, -3.5, 13, 14, NA, 0, 100};
    static const double y2[] = {0, 0, 0, 0, 50, NA, 0};
    static const char *const k2[] = {"z", "a", "b", "c", "a", "b", NULL};
    struct aiwb_frame *f = frame_new(9), *g = frame_new(7), *h;
    struct tf t;

    (void)unused;
    add_num(f, "x", x);
    add_num(f, "y", x);
    add_cat(f, "k", k);
    add_cat(g, "k", k2);
    add_num(g, "y", y2);
    add_num(g, "x", x2);
    add_num(g, "extra", x2);
    tf_fitted(&t, "outliers", NULL, f);
    /* Applied to another frame: that frame's rows, dropped by the bounds fitted first.
     * Missing values are not outliers; columns fit did not see pass through. */
    h = tf_apply(&t, g);
    assert_columns(h, "k", "y", "x", "extra", NULL);
    assert_int_equal(frame_rows(h), 3);
    assert_true(num_of(h, "x")[0] == -3 && num_of(h, "x")[1] == 13 && num_of(h, "x")[2] == 0);
    assert_true(isnan(num_of(h, "y")[2]));
    assert_string_equal(frame_level(h, 0, frame_codes(h, 0)[0]), "z");
    frame_free(h);
    tf_free(&t);
    /* columns=y: only y's outliers count. */
    tf_fitted(&t, "outliers", (const char *const[]){"columns=y", NULL}, f);
    h = tf_apply(&t, g);
    assert_int_equal(frame_rows(h), 6);
    frame_free(h);
    /* Every row an outlier: an empty frame, and a warning. */
    n_logged = 0;
    h = frame_new(2);
    add_num(h, "y", (const double[]){-50, 50});
    frame_free(g);
    g = tf_apply(&t, h);
    assert_int_equal(frame_rows(g), 0);
    assert_logged(AIWB_LOG_WARN, "outliers: dropped 2 of 2 rows (outliers in y 2)");
    frame_free(h);
    tf_free(&t);
    frame_free(g);
    frame_free(f);
}

static void
test_outliers_round_trip(void **unused)
{
    struct aiwb_frame *aq = airquality(), *g = ref_frame();
    struct tf t, other;

    (void)unused;
    tf_fitted(&t, "outliers",
              (const char *const[]){"method=zscore", "k=2", "columns=(Wind,Temp)", NULL}, aq);
    tf_fitted(&other, "outliers", NULL, g);
    check_round_trip(&t, &other, aq);
    tf_free(&other);
    tf_free(&t);
    tf_fitted(&t, "clip", (const char *const[]){"k=1", NULL}, aq);
    tf_fitted(&other, "clip", (const char *const[]){"columns=a", NULL}, g);
    check_round_trip(&t, &other, aq);
    tf_free(&other);
    tf_free(&t);
    check_load_refused("clip", "minmax", aq);
    check_load_refused("outliers", "robust", aq);
    frame_free(g);
    frame_free(aq);
}

/* Load the state FILL writes into a fresh NAME; it must be refused with a message holding
 * WANT. */
static void
expect_load_fail(const char *name, void (*fill)(struct aiwb_writer *), const char *want)
{
    struct aiwb_writer *w = writer_new();
    unsigned char *blob;
    size_t len;
    char *cause = NULL;
    struct tf t;

    fill(w);
    blob = codec_seal(w, &len);
    writer_free(w);
    tf_make(&t, name, NULL);
    assert_int_equal(load_state(&t, blob, len, t.t->state_version, &cause), AIWB_EDATA);
    assert_non_null(cause);
    if (strstr(cause, want) == NULL)
        fail_msg("message '%s' lacks '%s'", cause, want);
    free(cause);
    free(blob);
    tf_free(&t);
}

static const char *const two_names[] = {"a", "b"};
static const int64_t numeric_types[] = {AIWB_NUMERIC, AIWB_NUMERIC};
static const int64_t odd_types[] = {AIWB_NUMERIC, 7};
static const double two_reals[] = {0, 1};

static void
minmax_backwards(struct aiwb_writer *w)
{
    codec_put_real(w, "min", 1);
    codec_put_real(w, "max", 0);
    codec_put_int(w, "clip", 0);
}

static void
minmax_short(struct aiwb_writer *w)
{
    codec_put_real(w, "min", 0);
    codec_put_real(w, "max", 1);
    codec_put_int(w, "clip", 0);
    codec_put_strs(w, "columns", 2, two_names);
    codec_put_ints(w, "types", 2, numeric_types);
    codec_put_reals(w, "data_min", 2, two_reals);
    codec_put_reals(w, "data_max", 1, two_reals);
}

static void
robust_odd_type(struct aiwb_writer *w)
{
    codec_put_int(w, "center", 1);
    codec_put_int(w, "scale", 1);
    codec_put_real(w, "q_low", 25);
    codec_put_real(w, "q_high", 75);
    codec_put_strs(w, "columns", 2, two_names);
    codec_put_ints(w, "types", 2, odd_types);
    codec_put_reals(w, "centers", 2, two_reals);
    codec_put_reals(w, "scales", 2, two_reals);
}

static void
clip_bad_method(struct aiwb_writer *w)
{
    codec_put_int(w, "method", 5);
    codec_put_real(w, "k", 1.5);
    codec_put_strs(w, "chosen", 0, NULL);
    codec_put_strs(w, "columns", 2, two_names);
    codec_put_reals(w, "lower", 2, two_reals);
    codec_put_reals(w, "upper", 2, two_reals);
}

static void
outliers_short(struct aiwb_writer *w)
{
    codec_put_int(w, "method", 0);
    codec_put_real(w, "k", 3);
    codec_put_strs(w, "chosen", 0, NULL);
    codec_put_strs(w, "columns", 2, two_names);
    codec_put_reals(w, "lower", 2, two_reals);
    codec_put_reals(w, "upper", 1, two_reals);
}

/* Saved states that are well formed but do not make sense are refused, named. */
static void
test_load_inconsistent(void **unused)
{
    (void)unused;
    expect_load_fail("minmax", minmax_backwards, "minmax: saved state is inconsistent");
    expect_load_fail("minmax", minmax_short, "minmax: saved state is inconsistent");
    expect_load_fail("robust", robust_odd_type,
                     "robust: saved state has column 'b' of unknown type 7");
    expect_load_fail("clip", clip_bad_method, "clip: saved state is inconsistent");
    expect_load_fail("outliers", outliers_short, "outliers: saved state is inconsistent");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_registered),
        cmocka_unit_test(test_minmax_reference),
        cmocka_unit_test(test_minmax_ranges),
        cmocka_unit_test(test_minmax_errors),
        cmocka_unit_test(test_minmax_round_trip),
        cmocka_unit_test(test_robust_reference),
        cmocka_unit_test(test_robust_percentiles),
        cmocka_unit_test(test_robust_r_quantiles),
        cmocka_unit_test(test_quantiles_orders),
        cmocka_unit_test(test_robust_cases),
        cmocka_unit_test(test_robust_errors),
        cmocka_unit_test(test_robust_round_trip),
        cmocka_unit_test(test_log_reference),
        cmocka_unit_test(test_log_cases),
        cmocka_unit_test(test_log_invalid),
        cmocka_unit_test(test_log_errors),
        cmocka_unit_test(test_log_options_round_trip),
        cmocka_unit_test(test_clip_reference),
        cmocka_unit_test(test_clip_options),
        cmocka_unit_test(test_clip_constant),
        cmocka_unit_test(test_clip_errors),
        cmocka_unit_test(test_outliers_reference),
        cmocka_unit_test(test_outliers_other_frame),
        cmocka_unit_test(test_outliers_round_trip),
        cmocka_unit_test(test_load_inconsistent),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
