/*
 * test-pca.c - the pca transform, driven through its descriptor as the host drives it,
 * against scikit-learn's PCA(svd_solver='full') and R's prcomp().
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

/* Reference numbers from scikit-learn and R (see the scripts beside them). */
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

/* ---- Data ---------------------------------------------------------------------------- */

/* diabetes from the bundled dataset, with its target y. */
static struct aiwb_frame *
diabetes(void)
{
    char *path = tu_srcpath("datasets/diabetes.csv"), *cause = NULL;
    struct aiwb_frame *f = tu_read(path, NULL, &cause);

    if (f == NULL)
        fail_msg("diabetes: %s", cause);
    free(path);
    return f;
}

/* diabetes' ten features (without y). */
static struct aiwb_frame *
diabetes_features(void)
{
    struct aiwb_frame *f = diabetes(), *g = frame_without(f, col_of(f, "y"));

    frame_free(f);
    assert_int_equal(frame_cols(g), REF_PCA_P);
    return g;
}

/* What pca saved: its explained variances and loadings (p x k, row-major), and k. */
struct saved {
    size_t n_samples, p, r, k;
    double *variance, *loadings;
};

static void
read_saved(const struct tf *t, struct saved *sv)
{
    size_t len, n;
    unsigned char *blob = save_state(t, &len);
    char *cause = NULL, **names;
    struct aiwb_reader *r = reader_open(blob, len, &cause);
    int64_t i;
    double d, *v;

    assert_non_null(r);
    assert_int_equal(codec_get_int(r, "scale", &i), 0);
    assert_int_equal(codec_get_int(r, "components", &i), 0);
    assert_int_equal(codec_get_real(r, "variance_share", &d), 0);
    assert_int_equal(codec_get_int(r, "n_samples", &i), 0);
    sv->n_samples = (size_t)i;
    assert_int_equal(codec_get_strs(r, "columns", &sv->p, &names), 0);
    for (size_t j = 0; j < sv->p; j++)
        free(names[j]);
    free(names);
    assert_int_equal(codec_get_reals(r, "means", &n, &v), 0);
    free(v);
    assert_int_equal(codec_get_reals(r, "scales", &n, &v), 0);
    free(v);
    assert_int_equal(codec_get_reals(r, "explained_variance", &sv->r, &sv->variance), 0);
    assert_int_equal(codec_get_int(r, "kept", &i), 0);
    sv->k = (size_t)i;
    assert_int_equal(codec_get_reals(r, "loadings", &n, &sv->loadings), 0);
    assert_int_equal(n, sv->p * sv->k);
    assert_true(reader_at_end(r));
    reader_free(r);
    free(blob);
}

static void
free_saved(struct saved *sv)
{
    free(sv->variance);
    free(sv->loadings);
}

/* Assert that each kept component's largest loading (the first of equals) is positive. */
static void
assert_signs(const struct saved *sv)
{
    for (size_t c = 0; c < sv->k; c++) {
        size_t best = 0;
        for (size_t j = 1; j < sv->p; j++)
            if (fabs(sv->loadings[j * sv->k + c]) > fabs(sv->loadings[best * sv->k + c]))
                best = j;
        assert_true(sv->loadings[best * sv->k + c] > 0);
    }
}

/* The component column "PCc" of F (1-based C). */
static const double *
pc(const struct aiwb_frame *f, size_t c)
{
    char name[32];

    snprintf(name, sizeof name, "PC%zu", c);
    return num_of(f, name);
}

/* ---- The component as the user sees it ---------------------------------------------- */

static void
test_registered(void **unused)
{
    const struct component *c = find_component("pca");
    const struct aiwb_transform_type *t = c->type.transform;

    (void)unused;
    assert_string_equal(c->module->name, "pca");
    assert_string_equal(c->module->version, "1.0.0");
    /* No AIWB_CAP_MISSING: the pipeline refuses missing values before fitting and names
     * impute. */
    assert_int_equal(t->flags, AIWB_CAP_CATEGORICAL | AIWB_TF_FIT);
    assert_true(strlen(t->summary) <= 80);
    assert_non_null(strstr(t->help, "impute"));
    assert_non_null(strstr(t->help, "largest loading is positive"));
    assert_non_null(t->fit);
    assert_non_null(t->save);
    assert_non_null(t->load);
    assert_non_null(t->fini);
    for (const struct aiwb_option_spec *o = t->options; o->name != NULL; o++)
        assert_true(o->help != NULL && strlen(o->help) > 20);
}

/* ---- Against scikit-learn and R ----------------------------------------------------- */

static void
test_sklearn(void **unused)
{
    struct aiwb_frame *f = diabetes_features(), *h;
    struct saved sv;
    struct tf t;
    double total = 0;

    (void)unused;
    n_logged = 0;
    tf_fitted(&t, "pca", NULL, f);
    read_saved(&t, &sv);
    assert_int_equal(sv.n_samples, REF_PCA_N);
    assert_int_equal(sv.p, REF_PCA_P);
    assert_int_equal(sv.r, REF_PCA_P);
    assert_int_equal(sv.k, REF_PCA_P);
    for (size_t c = 0; c < REF_PCA_P; c++)
        total += sv.variance[c];
    for (size_t c = 0; c < REF_PCA_P; c++) {
        tu_assert_rel(sv.variance[c], ref_pca_var[c], 1e-14);
        tu_assert_rel(sv.variance[c] / total, ref_pca_ratio[c], 1e-14);
        for (size_t j = 0; j < REF_PCA_P; j++)
            tu_assert_rel(sv.loadings[j * sv.k + c], ref_pca_components[c * REF_PCA_P + j], 1e-13);
    }
    assert_signs(&sv);
    h = tf_apply(&t, f);
    assert_columns(h, "PC1", "PC2", "PC3", "PC4", "PC5", "PC6", "PC7", "PC8", "PC9", "PC10", NULL);
    for (size_t i = 0; i < REF_PCA_ROWS; i++)
        for (size_t c = 0; c < REF_PCA_P; c++)
            tu_assert_rel(pc(h, c + 1)[i], ref_pca_scores[i * REF_PCA_P + c], 1e-12);
    assert_logged(AIWB_LOG_INFO, "pca: 10 components keep 100.0% of the variance (PC1 73.2%, "
                                 "PC2 9.6%, PC3 7.5%, PC4 4.3%, PC5 3.2%, PC6 1.6%, PC7 0.5%, "
                                 "PC8 0.0%, PC9 0.0%, PC10 0.0%)");
    tu_assert_rel(ref_pca_ratio[0], 0.732, 1e-3);
    tu_assert_rel(ref_pca_ratio[1], 0.096, 1e-2);
    frame_free(h);
    free_saved(&sv);
    tf_free(&t);
    frame_free(f);
}

static void
test_prcomp(void **unused)
{
    static const struct {
        const char *scale;
        const double *sdev, *rotation, *x;
    } cases[] = {
        {"scale=false", ref_r_sdev_c, ref_r_rotation_c, ref_r_x_c},
        {"scale=true", ref_r_sdev_s, ref_r_rotation_s, ref_r_x_s},
    };
    struct aiwb_frame *f = diabetes_features();

    (void)unused;
    for (size_t i = 0; i < 2; i++) {
        struct aiwb_frame *h;
        struct saved sv;
        struct tf t;
        double total = 0;

        tf_fitted(&t, "pca", (const char *const[]){cases[i].scale, NULL}, f);
        read_saved(&t, &sv);
        for (size_t c = 0; c < REF_PCA_P; c++) {
            tu_assert_rel(sqrt(sv.variance[c]), cases[i].sdev[c], 1e-13);
            total += sv.variance[c];
            for (size_t j = 0; j < REF_PCA_P; j++)
                tu_assert_rel(sv.loadings[j * sv.k + c], cases[i].rotation[c * REF_PCA_P + j],
                              1e-13);
        }
        /* Scaled, the variances are the eigenvalues of the correlation matrix: they sum to
         * the number of columns. */
        if (i == 1)
            tu_assert_rel(total, REF_PCA_P, 1e-14);
        h = tf_apply(&t, f);
        for (size_t r = 0; r < 40; r++)
            for (size_t c = 0; c < REF_PCA_P; c++)
                tu_assert_rel(pc(h, c + 1)[r], cases[i].x[c * 40 + r], 1e-12);
        frame_free(h);
        free_saved(&sv);
        tf_free(&t);
    }
    frame_free(f);
}

static void
test_choose_k(void **unused)
{
    static const struct {
        const char *word;
        size_t k;
    } cases[] = {
        {"variance=0.5", REF_PCA_K_50},  {"variance=0.9", REF_PCA_K_90},
        {"variance=0.95", REF_PCA_K_95}, {"variance=0.99", REF_PCA_K_99},
        {"variance=1", REF_PCA_P},       {"components=3", 3},
        {"components=10", 10},           {"variance=0.4", 1},
    };
    struct aiwb_frame *f = diabetes_features();

    (void)unused;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct aiwb_frame *h;
        struct tf t;

        tf_fitted(&t, "pca", (const char *const[]){cases[i].word, NULL}, f);
        h = tf_apply(&t, f);
        if (frame_cols(h) != cases[i].k)
            fail_msg("%s: %zu components, want %zu", cases[i].word, frame_cols(h), cases[i].k);
        assert_string_equal(frame_col_name(h, 0), "PC1");
        frame_free(h);
        tf_free(&t);
    }
    /* Two uncorrelated columns of variances 36/7 and 16/7: the first component holds
     * 9/13 (69.2%) of the variance, so 0.6 takes one component and 0.7 two. */
    {
        static const double a[] = {-3, 3, -3, 3, 0, 0, 0, 0};
        static const double b[] = {0, 0, 0, 0, -2, 2, -2, 2};
        struct aiwb_frame *g = frame_new(8), *h;
        struct tf t;

        add_num(g, "a", a);
        add_num(g, "b", b);
        n_logged = 0;
        tf_fitted(&t, "pca", (const char *const[]){"variance=0.6", NULL}, g);
        assert_logged(AIWB_LOG_INFO, "pca: 1 component keeps 69.2% of the variance (PC1 69.2%)");
        h = tf_apply(&t, g);
        assert_int_equal(frame_cols(h), 1);
        /* PC1 is a (its largest loading, positive), b's rows score 0. */
        tu_assert_rel(pc(h, 1)[1], 3, 1e-15);
        tu_assert_rel(pc(h, 1)[0], -3, 1e-15);
        assert_true(fabs(pc(h, 1)[5]) < 1e-15);
        frame_free(h);
        tf_free(&t);
        tf_fitted(&t, "pca", (const char *const[]){"variance=0.7", NULL}, g);
        h = tf_apply(&t, g);
        assert_columns(h, "PC1", "PC2", NULL);
        tu_assert_rel(pc(h, 2)[5], 2, 1e-15);
        frame_free(h);
        tf_free(&t);
        frame_free(g);
    }
    frame_free(f);
}

/* ---- Frames as they come ------------------------------------------------------------ */

static void
test_columns(void **unused)
{
    static const char *const k[] = {"u", "v", "u", NULL, "v", "u"};
    static const double a[] = {1, 2, 3, 4, 5, 7};
    static const double b[] = {2, 1, 4, 3, 7, 5};
    static const double c[] = {0, 1, 0, 1, 0, 2};
    static const double a2[] = {1, NA, 3};
    static const double b2[] = {2, 2, 2};
    static const double c2[] = {0, 0, 5};
    static const char *const k2[] = {"w", "u", "v"};
    struct aiwb_frame *f = frame_new(6), *g = frame_new(3), *h, *hf;
    struct tf t;

    (void)unused;
    add_num(f, "a", a);
    add_cat(f, "k", k);
    add_num(f, "b", b);
    add_num(f, "c", c);
    tf_fitted(&t, "pca", (const char *const[]){"components=2", NULL}, f);
    /* The components take the first numeric column's place; the categorical stays. */
    hf = tf_apply(&t, f);
    assert_columns(hf, "PC1", "PC2", "k", NULL);
    assert_ptr_equal(frame_codes(hf, 2), frame_codes(f, 1));
    /* Another frame: columns found by name, in any order; unseen ones pass through; a
     * row with a missing value gets missing components. */
    add_cat(g, "k", k2);
    add_num(g, "c", c2);
    add_num(g, "PC3", c2); /* not a component here: only two are kept */
    add_num(g, "b", b2);
    add_num(g, "a", a2);
    h = tf_apply(&t, g);
    assert_columns(h, "k", "PC1", "PC2", "PC3", NULL);
    assert_true(isnan(pc(h, 1)[1]) && isnan(pc(h, 2)[1]));
    assert_true(!isnan(pc(h, 1)[0]) && !isnan(pc(h, 2)[2]));
    /* Row 0 of g is row 0 of f: the same components, bit for bit. */
    assert_true(pc(h, 1)[0] == pc(hf, 1)[0] && pc(h, 2)[0] == pc(hf, 2)[0]);
    frame_free(h);
    frame_free(hf);
    tf_free(&t);
    frame_free(g);
    frame_free(f);
}

/* More rows than a block, more columns than rows, data far from zero: the properties of
 * a PCA, checked from the scores the transform gives. */
static void
check_properties(size_t n, size_t p, double offset, double tol)
{
    struct aiwb_frame *f = frame_new(n), *h;
    uint64_t seed = 42 + n + p;
    double *x = malloc(n * sizeof *x), *mean = calloc(p, sizeof *mean), total = 0;
    struct saved sv;
    struct tf t;

    for (size_t j = 0; j < p; j++) {
        char name[32];
        for (size_t i = 0; i < n; i++) {
            double u, w;
            seed = seed * 6364136223846793005u + 1442695040888963407u;
            u = (double)(seed >> 11) * 0x1p-53;
            seed = seed * 6364136223846793005u + 1442695040888963407u;
            w = (double)(seed >> 11) * 0x1p-53;
            /* Correlated columns with spreads from 1 to 2^-p. */
            x[i] = offset + ldexp(u - 0.5, -(int)j) + (j > 0 ? 0.5 * x[i] - 0.5 * offset : 0) +
                   0.1 * w;
        }
        snprintf(name, sizeof name, "x%zu", j);
        add_num(f, name, x);
        for (size_t i = 0; i < n; i++)
            mean[j] += x[i] / (double)n;
    }
    for (size_t j = 0; j < p; j++) {
        const double *v = frame_numeric(f, j);
        double ss = 0;
        for (size_t i = 0; i < n; i++)
            ss += (v[i] - mean[j]) * (v[i] - mean[j]);
        total += ss / (double)(n - 1);
    }
    tf_fitted(&t, "pca", NULL, f);
    read_saved(&t, &sv);
    assert_int_equal(sv.r, n < p ? n : p);
    assert_signs(&sv);
    h = tf_apply(&t, f);
    {
        double sum = 0;
        for (size_t c = 0; c < sv.r; c++) {
            sum += sv.variance[c];
            if (c > 0)
                assert_true(sv.variance[c] <= sv.variance[c - 1]);
        }
        /* The variances add up to the total variance. */
        tu_assert_rel(sum, total, tol);
    }
    /* Loadings orthonormal; scores uncorrelated with the variances explained. */
    for (size_t a = 0; a < sv.k; a++) {
        for (size_t b = a; b < sv.k; b++) {
            double dot = 0, cov = 0;
            const double *sa = pc(h, a + 1), *sb = pc(h, b + 1);
            if (sv.variance[a] < 1e-20 || sv.variance[b] < 1e-20)
                continue; /* beyond the rank: any direction */
            for (size_t j = 0; j < p; j++)
                dot += sv.loadings[j * sv.k + a] * sv.loadings[j * sv.k + b];
            for (size_t i = 0; i < n; i++)
                cov += sa[i] * sb[i] / (double)(n - 1);
            if (fabs(dot - (a == b)) > 1e-12)
                fail_msg("n=%zu p=%zu: loadings %zu.%zu = %g", n, p, a, b, dot);
            if (fabs(cov - (a == b ? sv.variance[a] : 0)) > tol * sv.variance[0])
                fail_msg("n=%zu p=%zu: scores %zu,%zu covary %.17g, want %.17g", n, p, a, b, cov,
                         a == b ? sv.variance[a] : 0);
        }
    }
    frame_free(h);
    free_saved(&sv);
    tf_free(&t);
    free(mean);
    free(x);
    frame_free(f);
}

static void
test_properties(void **unused)
{
    (void)unused;
    check_properties(1500, 6, 0, 1e-12); /* three blocks and a part */
    check_properties(5, 8, 0, 1e-12);    /* fewer rows than columns: 5 components */
    check_properties(2, 3, 0, 1e-12);    /* the least there is: one real component */
    check_properties(700, 4, 1e6, 1e-9); /* far from zero: centring loses nothing */
}

/* ---- Errors ------------------------------------------------------------------------ */

static void
test_errors(void **unused)
{
    static const double x[] = {1, 2, 4, 3};
    static const double y[] = {1, 0, 3, 5};
    static const double holes[] = {1, NA, NA, 3};
    static const double hole[] = {NA, 1, 2, 3};
    static const double inf[] = {1, 2, -INFINITY, 3};
    static const double same[] = {7, 7, 7, 7};
    static const char *const k[] = {"a", "b", "a", "b"};
    struct aiwb_frame *f = frame_new(4), *m = frame_new(4), *i = frame_new(4);
    struct aiwb_frame *c = frame_new(4), *one = frame_new(1), *s = frame_new(4);
    struct aiwb_frame *g, *clash = frame_new(4);
    struct tf t;

    (void)unused;
    expect_init_fail("pca", (const char *const[]){"components=2", "variance=0.5", NULL},
                     "pca: give components= or variance=, not both");
    add_num(f, "x", x);
    add_num(f, "y", y);
    add_num(m, "x", hole);
    add_num(m, "y", y);
    add_num(m, "z", holes);
    add_num(i, "x", x);
    add_num(i, "y", inf);
    add_cat(c, "k", k);
    add_num(one, "x", x);
    add_num(s, "x", same);
    add_num(s, "y", same);
    tf_make(&t, "pca", NULL);
    expect_fail(&t, m, 0, "pca: missing values in 'x' (1), 'z' (2): impute them first", NULL);
    expect_fail(&t, i, 0, "pca: column 'y' row 3 holds an infinite value", NULL);
    expect_fail(&t, c, 0, "pca: there are no numeric columns to fit", NULL);
    expect_fail(&t, one, 0, "pca: needs at least 2 rows to fit, not 1", NULL);
    expect_fail(&t, s, 0, "pca: every numeric column is constant", NULL);
    tf_free(&t);
    tf_make(&t, "pca", (const char *const[]){"components=3", NULL});
    expect_fail(&t, f, 0, "pca: components=3, but 2 numeric columns and 4 rows give at most 2",
                NULL);
    tf_free(&t);
    tf_make(&t, "pca", (const char *const[]){"components=4", NULL});
    g = frame_head(f, 3);
    expect_fail(&t, g, 0, "pca: components=4, but 2 numeric columns and 3 rows give at most 2",
                NULL);
    frame_free(g);
    tf_free(&t);

    /* Apply: a fitted column absent, or categorical now; a passed-through PC1. */
    tf_fitted(&t, "pca", NULL, f);
    g = frame_without(f, 1);
    expect_fail(&t, g, 1, "pca: column 'y' is missing", NULL);
    frame_free(g);
    add_num(clash, "y", y);
    add_cat(clash, "x", k);
    expect_fail(&t, clash, 1, "pca: column 'x' is categorical, but was numeric at fit time", NULL);
    frame_free(clash);
    clash = frame_new(4);
    add_num(clash, "x", x);
    add_num(clash, "y", y);
    add_cat(clash, "PC1", k);
    expect_fail(&t, clash, 1, "pca: column 'PC1' clashes with the component", NULL);
    tf_free(&t);
    frame_free(clash);
    frame_free(s);
    frame_free(one);
    frame_free(c);
    frame_free(i);
    frame_free(m);
    frame_free(f);
}

static void
test_round_trip(void **unused)
{
    struct aiwb_frame *f = diabetes(), *g = diabetes_features();
    struct tf t, other;

    (void)unused;
    /* Fitted with y among its columns; applied to a frame with y too. */
    tf_fitted(&t, "pca", (const char *const[]){"variance=0.9", "scale=true", NULL}, f);
    tf_fitted(&other, "pca", (const char *const[]){"components=1", NULL}, g);
    check_round_trip(&t, &other, f);
    tf_free(&other);
    tf_free(&t);
    frame_free(g);
    frame_free(f);
}

static void
test_load_refused(void **unused)
{
    struct aiwb_frame *f = diabetes_features();
    struct tf t, u;
    unsigned char *blob;
    size_t len;
    char *cause = NULL;
    struct aiwb_writer *w;
    static const char *const names[] = {"a", "b"};
    static const double two[] = {0, 1}, three[] = {1, 2, 3};

    (void)unused;
    tf_fitted(&t, "pca", NULL, f);
    blob = save_state(&t, &len);
    tf_make(&u, "pca", NULL);
    assert_int_equal(load_state(&u, blob, len, 2, &cause), AIWB_EDATA);
    assert_non_null(strstr(cause, "pca: cannot read state version 2"));
    free(cause);
    cause = NULL;
    free(blob);
    /* A state whose sizes disagree: 2 columns, but 3 loadings for 1 component. */
    w = writer_new();
    codec_put_int(w, "scale", 0);
    codec_put_int(w, "components", 0);
    codec_put_real(w, "variance_share", 0);
    codec_put_int(w, "n_samples", 10);
    codec_put_strs(w, "columns", 2, names);
    codec_put_reals(w, "means", 2, two);
    codec_put_reals(w, "scales", 2, two);
    codec_put_reals(w, "explained_variance", 2, two);
    codec_put_int(w, "kept", 1);
    codec_put_reals(w, "loadings", 3, three);
    blob = codec_seal(w, &len);
    writer_free(w);
    assert_int_equal(load_state(&u, blob, len, 1, &cause), AIWB_EDATA);
    assert_non_null(strstr(cause, "pca: saved state is inconsistent"));
    free(cause);
    free(blob);
    tf_free(&u);
    tf_free(&t);
    frame_free(f);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_registered),   cmocka_unit_test(test_sklearn),
        cmocka_unit_test(test_prcomp),       cmocka_unit_test(test_choose_k),
        cmocka_unit_test(test_columns),      cmocka_unit_test(test_properties),
        cmocka_unit_test(test_errors),       cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_load_refused),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
