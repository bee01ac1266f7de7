/*
 * test-gen.c - the gen source: determinism, shapes, the statistics of each
 * generator against its stated model, the drifted variants, every error.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The statistical checks run on fixed seeds with tolerances that follow
 * from n (a few standard errors), so they are exact tests of the stated
 * model rather than of one lucky draw; the pinned checksums catch any change
 * to the order of the draws, which would change every saved seed's data.
 */
#include <config.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_linalg.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_multifit.h>
#include <gsl/gsl_vector.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "core/frame.h"
#include "core/log.h"
#include "core/options.h"
#include "core/registry.h"
#include "core/xalloc.h"
#include "testutil.h"

#define MAX_OPTS 16

/* What the source logged since the last make(). */
static char logged[1 << 16];
static size_t logged_len;

static void
capture(void *arg, enum aiwb_log_level level, const char *msg)
{
    size_t n = strlen(msg);

    (void)arg;
    (void)level;
    if (logged_len + n + 2 < sizeof(logged)) {
        memcpy(logged + logged_len, msg, n);
        logged_len += n;
        logged[logged_len++] = '\n';
        logged[logged_len] = '\0';
    }
}

static int
setup(void **state)
{
    (void)state;
    tu_load_plugins();
    log_set_sink(capture, NULL, AIWB_LOG_INFO);
    return 0;
}

/* Read URI with the option words that follow (NULL-terminated), or NULL
 * with *cause set. The log is cleared first. */
static struct aiwb_frame *
vtry(const char *uri, char **cause, va_list ap)
{
    const char *opts[MAX_OPTS + 1];
    size_t n = 0;
    const char *w;

    while ((w = va_arg(ap, const char *)) != NULL && n < MAX_OPTS)
        opts[n++] = w;
    opts[n] = NULL;
    logged_len = 0;
    logged[0] = '\0';
    *cause = NULL;
    return tu_read(uri, opts, cause);
}

/* URI with options, which must succeed. */
static struct aiwb_frame *
make(const char *uri, ...)
{
    char *cause = NULL;
    struct aiwb_frame *f;
    va_list ap;

    va_start(ap, uri);
    f = vtry(uri, &cause, ap);
    va_end(ap);
    if (f == NULL) {
        print_error("'%s' failed: %s\n", uri, cause);
        free(cause);
        fail();
    }
    return f;
}

/* URI with options, which must fail with exactly the message WANT. */
static void
expect_error(const char *want, const char *uri, ...)
{
    char *cause = NULL;
    struct aiwb_frame *f;
    va_list ap;

    va_start(ap, uri);
    f = vtry(uri, &cause, ap);
    va_end(ap);
    if (f != NULL) {
        print_error("'%s' did not fail (want: %s)\n", uri, want);
        frame_free(f);
        fail();
    }
    assert_non_null(cause);
    assert_string_equal(cause, want);
    free(cause);
}

/* The index of column NAME, which must exist with type TYPE. */
static size_t
col(const struct aiwb_frame *f, const char *name, enum aiwb_coltype type)
{
    long c = frame_find(f, name);

    if (c < 0) {
        print_error("no column '%s'\n", name);
        fail();
    }
    assert_int_equal(frame_col_type(f, (size_t)c), type);
    return (size_t)c;
}

static const double *
num(const struct aiwb_frame *f, const char *name)
{
    return frame_numeric(f, col(f, name, AIWB_NUMERIC));
}

static const int32_t *
codes(const struct aiwb_frame *f, const char *name)
{
    return frame_codes(f, col(f, name, AIWB_CATEGORICAL));
}

static double
mean(const double *x, size_t n)
{
    double s = 0;

    for (size_t i = 0; i < n; i++)
        s += x[i];
    return s / (double)n;
}

/* FNV-1a over every column's name, type, levels and values. */
static uint64_t
checksum(const struct aiwb_frame *f)
{
    uint64_t h = UINT64_C(14695981039346656037);
    size_t n = frame_rows(f);

#define MIX(p, len)                                                                                \
    for (size_t b_ = 0; b_ < (len); b_++)                                                          \
        h = (h ^ ((const unsigned char *)(p))[b_]) * UINT64_C(1099511628211);
    for (size_t c = 0; c < frame_cols(f); c++) {
        const char *name = frame_col_name(f, c);

        MIX(name, strlen(name) + 1);
        if (frame_col_type(f, c) == AIWB_NUMERIC) {
            MIX(frame_numeric(f, c), n * sizeof(double));
        } else {
            for (size_t l = 0; l < frame_nlevels(f, c); l++) {
                const char *lv = frame_level(f, c, (int32_t)l);

                MIX(lv, strlen(lv) + 1);
            }
            MIX(frame_codes(f, c), n * sizeof(int32_t));
        }
    }
#undef MIX
    return h;
}

/* Whether F and G hold the same columns (names, types, levels). */
static void
assert_same_columns(const struct aiwb_frame *f, const struct aiwb_frame *g)
{
    assert_int_equal(frame_cols(f), frame_cols(g));
    for (size_t c = 0; c < frame_cols(f); c++) {
        assert_string_equal(frame_col_name(f, c), frame_col_name(g, c));
        assert_int_equal(frame_col_type(f, c), frame_col_type(g, c));
        if (frame_col_type(f, c) != AIWB_CATEGORICAL)
            continue;
        assert_int_equal(frame_nlevels(f, c), frame_nlevels(g, c));
        for (size_t l = 0; l < frame_nlevels(f, c); l++)
            assert_string_equal(frame_level(f, c, (int32_t)l), frame_level(g, c, (int32_t)l));
    }
}

/* |x - want| <= k standard errors SE, printing all on failure. */
static void
assert_within(double x, double want, double se, double k, const char *what)
{
    if (fabs(x - want) <= k * se)
        return;
    print_error("%s = %.6g, want %.6g +- %g (%g standard errors of %g)\n", what, x, want, k * se, k,
                se);
    fail();
}

/* The true coefficients that gen:regression logged: beta[0] the intercept,
 * beta[j] that of xj (P of them); the noise's sd in *noise. */
static void
parse_equation(double *beta, size_t p, double *noise)
{
    const char *s = strstr(logged, "gen:regression: y = ");
    int used;
    char sign;
    double v;
    size_t j;

    assert_non_null(s);
    for (size_t i = 0; i <= p; i++)
        beta[i] = 0;
    s += strlen("gen:regression: y = ");
    assert_int_equal(sscanf(s, "%lf%n", &beta[0], &used), 1);
    s += used;
    while (sscanf(s, " %c %lf*x%zu%n", &sign, &v, &j, &used) == 3) {
        assert_true(j >= 1 && j <= p);
        beta[j] = sign == '-' ? -v : v;
        s += used;
    }
    assert_int_equal(sscanf(s, " + N(0, %lf^2)", noise), 1);
}

/* ---------------------------------------------------------------------------
 * The descriptor
 */

static void
test_registered(void **state)
{
    const struct component *c;
    const struct aiwb_source_type *t;

    (void)state;
    c = registry_find(COMPONENT_SOURCE, "gen");
    assert_non_null(c);
    t = c->type.source;
    assert_string_equal(c->module->name, "gen");
    assert_string_equal(t->schemes, "gen");
    assert_null(t->extensions);
    assert_true(strlen(t->summary) <= 80);
    assert_non_null(t->help);
    for (const char *line = t->help; *line;) {
        const char *nl = strchr(line, '\n');
        size_t len = nl != NULL ? (size_t)(nl - line) : strlen(line);

        assert_true(len <= 80);
        line += len + (nl != NULL);
    }
    for (size_t i = 0; t->options[i].name != NULL; i++)
        assert_non_null(t->options[i].help);
    assert_ptr_equal(registry_source_for("gen:classification"), c);
    assert_ptr_equal(registry_source_for("gen:ratings"), c);
    /* the scheme in any case, as the registry matches it */
    {
        struct aiwb_frame *f = make("GEN:blobs", "n=3", NULL);

        assert_int_equal(frame_rows(f), 3);
        frame_free(f);
    }
}

/* ---------------------------------------------------------------------------
 * Determinism
 */

static void
test_determinism(void **state)
{
    static const char *const uris[] = {"gen:classification", "gen:regression", "gen:blobs",
                                       "gen:ratings"};

    (void)state;
    for (size_t u = 0; u < 4; u++) {
        struct aiwb_frame *a = make(uris[u], "seed=7", NULL);
        struct aiwb_frame *b = make(uris[u], "seed=7", NULL);
        struct aiwb_frame *c = make(uris[u], "seed=8", NULL);
        struct aiwb_frame *d = make(uris[u], "seed=7", "sample=1", NULL);

        assert_int_equal(checksum(a), checksum(b));
        assert_int_not_equal(checksum(a), checksum(c));
        assert_int_not_equal(checksum(a), checksum(d));
        assert_same_columns(a, c);
        assert_same_columns(a, d);
        frame_free(a);
        frame_free(b);
        frame_free(c);
        frame_free(d);
    }
}

/*
 * The data of seed 1 with the default options, pinned: a change here means
 * every saved seed now gives other data (see the draw order at the top of
 * plugins/source-gen.c), which needs a new version of the module.
 */
static void
test_pinned(void **state)
{
    static const struct {
        const char *uri;
        uint64_t sum;
    } pins[] = {
        {"gen:classification", UINT64_C(0x26ab1dd08edf9c3c)},
        {"gen:regression", UINT64_C(0x23ecc7563ce3ce34)},
        {"gen:blobs", UINT64_C(0x32c0b8356620eb73)},
        {"gen:ratings", UINT64_C(0x2d92c73a1a176d17)},
    };

    int bad = 0;

    (void)state;
    for (size_t i = 0; i < sizeof(pins) / sizeof(pins[0]); i++) {
        struct aiwb_frame *f = make(pins[i].uri, NULL);
        uint64_t sum = checksum(f);

        if (sum != pins[i].sum) {
            print_error("%s: checksum 0x%016llx, pinned 0x%016llx\n", pins[i].uri,
                        (unsigned long long)sum, (unsigned long long)pins[i].sum);
            bad = 1;
        }
        frame_free(f);
    }
    assert_false(bad);
}

/*
 * The models that tests/data/gen/reference.py recomputes from the plain
 * MT19937 stream (numpy's), following the documented draw order: the
 * coefficients, centres and vertices logged must be exactly its lines.
 */
static void
test_reference(void **state)
{
    char *path = tu_srcpath("tests/data/gen/reference.txt");
    FILE *in = fopen(path, "r");
    char line[8192];
    size_t cases = 0;

    (void)state;
    assert_non_null(in);
    while (fgets(line, sizeof(line), in) != NULL) {
        char *tab = strchr(line, '\t'), *words[MAX_OPTS + 1], *uri, *cause = NULL, *save;
        size_t n = 0;
        struct aiwb_frame *f;

        assert_non_null(tab);
        *tab++ = '\0';
        uri = xasprintf("gen:%s", strtok_r(line, " ", &save));
        while (n < MAX_OPTS && (words[n] = strtok_r(NULL, " ", &save)) != NULL)
            n++;
        words[n] = NULL;
        logged_len = 0;
        logged[0] = '\0';
        f = tu_read(uri, (const char *const *)words, &cause);
        if (f == NULL) {
            print_error("%s: %s\n", uri, cause);
            fail();
        }
        assert_string_equal(logged, tab);
        frame_free(f);
        free(uri);
        cases++;
    }
    fclose(in);
    free(path);
    assert_true(cases >= 10);
}

/* Seeds fold to 32 bits, low word XOR high word, 0 as 4357. */
static void
test_seed_fold(void **state)
{
    struct aiwb_frame *a, *b;

    (void)state;
    a = make("gen:regression", "seed=4", NULL);
    b = make("gen:regression", "seed=4294967301", NULL); /* 2^32 + 5: 5 XOR 1 */
    assert_int_equal(checksum(a), checksum(b));
    frame_free(a);
    frame_free(b);
    a = make("gen:blobs", "seed=0", NULL);
    b = make("gen:blobs", "seed=4357", NULL);
    assert_int_equal(checksum(a), checksum(b));
    frame_free(a);
    frame_free(b);
    a = make("gen:blobs", "seed=9223372036854775807", NULL);
    b = make("gen:blobs", "seed=2147483648", NULL); /* 0x7fffffff XOR 0xffffffff */
    assert_int_equal(checksum(a), checksum(b));
    frame_free(a);
    frame_free(b);
}

/* ---------------------------------------------------------------------------
 * Shapes
 */

static void
test_shapes(void **state)
{
    struct aiwb_frame *f;
    size_t c;

    (void)state;
    f = make("gen:classification", NULL);
    assert_int_equal(frame_rows(f), 1000);
    assert_int_equal(frame_cols(f), 11);
    for (size_t j = 0; j < 10; j++) {
        char name[8];

        snprintf(name, sizeof(name), "x%zu", j + 1);
        assert_string_equal(frame_col_name(f, j), name);
        assert_int_equal(frame_col_type(f, j), AIWB_NUMERIC);
    }
    c = col(f, "class", AIWB_CATEGORICAL);
    assert_int_equal(c, 10);
    assert_int_equal(frame_nlevels(f, c), 2);
    assert_string_equal(frame_level(f, c, 0), "c0");
    assert_string_equal(frame_level(f, c, 1), "c1");
    frame_free(f);

    /* levels keep their order past ten: c00..c11 */
    f = make("gen:classification", "n=50", "features=4", "informative=4", "classes=12", NULL);
    c = col(f, "class", AIWB_CATEGORICAL);
    assert_int_equal(frame_nlevels(f, c), 12);
    assert_string_equal(frame_level(f, c, 0), "c00");
    assert_string_equal(frame_level(f, c, 11), "c11");
    frame_free(f);

    f = make("gen:classification", "labels=no,yes", "n=3", NULL);
    c = col(f, "class", AIWB_CATEGORICAL);
    assert_string_equal(frame_level(f, c, 0), "no");
    assert_string_equal(frame_level(f, c, 1), "yes");
    frame_free(f);

    f = make("gen:regression", "n=7", "features=3", NULL);
    assert_int_equal(frame_rows(f), 7);
    assert_int_equal(frame_cols(f), 4);
    assert_string_equal(frame_col_name(f, 3), "y");
    assert_int_equal(frame_col_type(f, 3), AIWB_NUMERIC);
    frame_free(f);

    f = make("gen:blobs", NULL);
    assert_int_equal(frame_rows(f), 1000);
    assert_int_equal(frame_cols(f), 3);
    c = col(f, "cluster", AIWB_CATEGORICAL);
    assert_int_equal(frame_nlevels(f, c), 3);
    assert_string_equal(frame_level(f, c, 2), "k2");
    frame_free(f);

    f = make("gen:ratings", "timestamps=true", NULL);
    assert_int_equal(frame_rows(f), 500); /* 0.1 of 100 x 50 */
    assert_int_equal(frame_cols(f), 4);
    assert_string_equal(frame_col_name(f, 0), "user");
    assert_string_equal(frame_col_name(f, 1), "item");
    assert_string_equal(frame_col_name(f, 2), "rating");
    assert_string_equal(frame_col_name(f, 3), "timestamp");
    c = col(f, "user", AIWB_CATEGORICAL);
    assert_int_equal(frame_nlevels(f, c), 100);
    assert_string_equal(frame_level(f, c, 0), "u001");
    assert_string_equal(frame_level(f, c, 99), "u100");
    c = col(f, "item", AIWB_CATEGORICAL);
    assert_int_equal(frame_nlevels(f, c), 50);
    assert_string_equal(frame_level(f, c, 0), "i01");
    assert_string_equal(frame_level(f, c, 49), "i50");
    frame_free(f);

    /* nothing is missing anywhere */
    f = make("gen:classification", "redundant=3", "flip=0.5", NULL);
    for (size_t j = 0; j < frame_cols(f); j++)
        assert_int_equal(frame_count_missing(f, j), 0);
    frame_free(f);
}

/* ---------------------------------------------------------------------------
 * classification
 */

/* Class shares follow weights, and flip pulls them to 1/K as stated. */
static void
test_class_balance(void **state)
{
    static const struct {
        const char *weights, *flip;
        double share[3];
    } cases[] = {
        {"weights=1,1,1", "flip=0", {1.0 / 3, 1.0 / 3, 1.0 / 3}},
        {"weights=0.2,0.3,0.5", "flip=0", {0.2, 0.3, 0.5}},
        {"weights=2,0,6", "flip=0", {0.25, 0, 0.75}},
        /* (1 - flip) w + flip / K */
        {"weights=0.2,0.3,0.5", "flip=0.3", {0.7 * 0.2 + 0.1, 0.7 * 0.3 + 0.1, 0.7 * 0.5 + 0.1}},
    };
    const size_t n = 20000;

    (void)state;
    for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
        struct aiwb_frame *f = make("gen:classification", "n=20000", "classes=3", "seed=3",
                                    cases[k].weights, cases[k].flip, NULL);
        const int32_t *y = codes(f, "class");
        size_t count[3] = {0};

        for (size_t i = 0; i < n; i++)
            count[y[i]]++;
        for (size_t c = 0; c < 3; c++) {
            double p = cases[k].share[c], se = sqrt(p * (1 - p) / (double)n);

            if (p == 0)
                assert_int_equal(count[c], 0);
            else
                assert_within((double)count[c] / (double)n, p, se, 4, cases[k].weights);
        }
        frame_free(f);
    }
}

/* The centres: the class means of the informative features are +-sep, and
 * the noise features have mean 0 and sd 1 in every class. */
static void
test_class_centres(void **state)
{
    const size_t n = 8000;
    struct aiwb_frame *f = make("gen:classification", "n=8000", "features=5", "informative=3",
                                "classes=4", "sep=2", "seed=5", NULL);
    const int32_t *y = codes(f, "class");
    const char *s = strstr(logged, "class centres in x1..x3, times sep=2:");
    int sign[4][3];
    char name[4][8];

    (void)state;
    assert_non_null(s);
    s = strchr(s, ':') + 1;
    for (size_t c = 0; c < 4; c++) {
        int used;

        assert_int_equal(sscanf(s, "%*[ ,]%7s (%d %d %d)%n", name[c], &sign[c][0], &sign[c][1],
                                &sign[c][2], &used),
                         4);
        s += used;
        assert_string_equal(name[c], frame_level(f, col(f, "class", AIWB_CATEGORICAL), (int32_t)c));
        for (size_t d = 0; d < c; d++) /* distinct vertices */
            assert_false(sign[c][0] == sign[d][0] && sign[c][1] == sign[d][1] &&
                         sign[c][2] == sign[d][2]);
    }
    for (size_t j = 0; j < 5; j++) {
        char xname[4];
        const double *x;

        snprintf(xname, sizeof(xname), "x%zu", j + 1);
        x = num(f, xname);
        for (size_t c = 0; c < 4; c++) {
            double s1 = 0, s2 = 0, nc = 0, m, sd;

            for (size_t i = 0; i < n; i++) {
                if (y[i] != (int32_t)c)
                    continue;
                s1 += x[i];
                s2 += x[i] * x[i];
                nc++;
            }
            m = s1 / nc;
            sd = sqrt(s2 / nc - m * m);
            assert_within(m, j < 3 ? 2.0 * sign[c][j] : 0, 1 / sqrt(nc), 4.5, xname);
            assert_within(sd, 1, 1 / sqrt(2 * nc), 4.5, xname);
        }
    }
    frame_free(f);
}

/* Redundant features are exact linear combinations of the informative ones;
 * flipped labels disagree with the nearest centre at rate flip (K-1)/K. */
static void
test_redundant_and_flip(void **state)
{
    const size_t n = 4000;
    struct aiwb_frame *f = make("gen:classification", "n=4000", "features=4", "informative=2",
                                "redundant=2", "sep=20", "flip=0.2", "seed=9", NULL);
    const double *x1 = num(f, "x1"), *x2 = num(f, "x2"), *x3 = num(f, "x3");
    const double *x4 = num(f, "x4");
    const int32_t *y = codes(f, "class");
    gsl_matrix *X = gsl_matrix_alloc(n, 2), *cov = gsl_matrix_alloc(2, 2);
    gsl_vector *t = gsl_vector_alloc(n), *b = gsl_vector_alloc(2);
    gsl_multifit_linear_workspace *w = gsl_multifit_linear_alloc(n, 2);
    double chisq;
    size_t wrong = 0;
    int sign[2][2];
    const char *s = strstr(logged, "times sep=20:");

    (void)state;
    for (size_t i = 0; i < n; i++) {
        gsl_matrix_set(X, i, 0, x1[i]);
        gsl_matrix_set(X, i, 1, x2[i]);
        gsl_vector_set(t, i, x3[i]);
    }
    assert_int_equal(gsl_multifit_linear(X, t, b, cov, &chisq, w), 0);
    assert_true(chisq < 1e-20 * n);
    assert_true(fabs(gsl_vector_get(b, 0)) <= 1 && fabs(gsl_vector_get(b, 1)) <= 1);
    for (size_t i = 0; i < n; i++)
        gsl_vector_set(t, i, x4[i]);
    assert_int_equal(gsl_multifit_linear(X, t, b, cov, &chisq, w), 0);
    assert_true(chisq < 1e-20 * n);

    /* with sep=20 the nearest centre is the true class: count disagreements */
    assert_non_null(s);
    assert_int_equal(sscanf(s, "times sep=20: c0 (%d %d), c1 (%d %d)", &sign[0][0], &sign[0][1],
                            &sign[1][0], &sign[1][1]),
                     4);
    for (size_t i = 0; i < n; i++) {
        double d0 = pow(x1[i] - 20 * sign[0][0], 2) + pow(x2[i] - 20 * sign[0][1], 2);
        double d1 = pow(x1[i] - 20 * sign[1][0], 2) + pow(x2[i] - 20 * sign[1][1], 2);

        wrong += (d0 < d1 ? 0 : 1) != y[i];
    }
    assert_within((double)wrong / n, 0.1, sqrt(0.1 * 0.9 / n), 4, "disagreement");
    gsl_multifit_linear_free(w);
    gsl_matrix_free(X);
    gsl_matrix_free(cov);
    gsl_vector_free(t);
    gsl_vector_free(b);
    frame_free(f);
}

/* ---------------------------------------------------------------------------
 * regression
 */

/* Least squares on the data recovers the logged coefficients within a few
 * standard errors, and the residual sd is the noise. */
static void
test_regression_ols(void **state)
{
    const size_t n = 4000, p = 8;
    struct aiwb_frame *f = make("gen:regression", "n=4000", "features=8", "informative=5",
                                "rho=0.5", "noise=2", "intercept=1.5", "seed=11", NULL);
    gsl_matrix *X = gsl_matrix_alloc(n, p + 1), *cov = gsl_matrix_alloc(p + 1, p + 1);
    gsl_vector *y = gsl_vector_alloc(n), *b = gsl_vector_alloc(p + 1);
    gsl_multifit_linear_workspace *w = gsl_multifit_linear_alloc(n, p + 1);
    double beta[9], noise, chisq;
    size_t zeros = 0;

    (void)state;
    parse_equation(beta, p, &noise);
    assert_true(noise == 2);
    assert_true(beta[0] == 1.5);
    for (size_t j = 1; j <= p; j++) {
        double a = fabs(beta[j]);

        zeros += beta[j] == 0;
        /* nonzero ones are +-(1 + 2u) rounded to 0.01 */
        assert_true(beta[j] == 0 || (a >= 1 && a <= 3 && fabs(a * 100 - round(a * 100)) < 1e-9));
    }
    assert_int_equal(zeros, 3);
    for (size_t i = 0; i < n; i++) {
        gsl_matrix_set(X, i, 0, 1);
        gsl_vector_set(y, i, num(f, "y")[i]);
    }
    for (size_t j = 0; j < p; j++) {
        char name[4];
        const double *x;

        snprintf(name, sizeof(name), "x%zu", j + 1);
        x = num(f, name);
        for (size_t i = 0; i < n; i++)
            gsl_matrix_set(X, i, j + 1, x[i]);
    }
    assert_int_equal(gsl_multifit_linear(X, y, b, cov, &chisq, w), 0);
    for (size_t j = 0; j <= p; j++) {
        double se = sqrt(gsl_matrix_get(cov, j, j)); /* GSL scales cov by the residual var */

        /* the standard error that the model implies: noise / sqrt(n), times
         * sqrt((1 + rho^2) / (1 - rho^2)) for an inner AR(1) feature */
        assert_true(j == 0 || se < 2 / sqrt((double)n) * sqrt(1.25 / 0.75) * 1.2);
        assert_within(gsl_vector_get(b, j), beta[j], se, 4.5, "coefficient");
    }
    assert_within(sqrt(chisq / (double)(n - p - 1)), 2, 2 / sqrt(2.0 * n), 4.5, "noise sd");
    gsl_multifit_linear_free(w);
    gsl_matrix_free(X);
    gsl_matrix_free(cov);
    gsl_vector_free(y);
    gsl_vector_free(b);
    frame_free(f);
}

/* Features have mean 0, sd 1 and correlation rho^|j-k|. */
static void
test_regression_correlation(void **state)
{
    const size_t n = 20000;
    struct aiwb_frame *f =
        make("gen:regression", "n=20000", "features=4", "rho=-0.6", "seed=2", NULL);
    const double *x[4] = {num(f, "x1"), num(f, "x2"), num(f, "x3"), num(f, "x4")};

    (void)state;
    for (size_t j = 0; j < 4; j++) {
        double m = mean(x[j], n), v = 0;

        for (size_t i = 0; i < n; i++)
            v += (x[j][i] - m) * (x[j][i] - m);
        assert_within(m, 0, 1 / sqrt((double)n), 4.5, "mean");
        assert_within(sqrt(v / (double)(n - 1)), 1, 1 / sqrt(2.0 * n), 4.5, "sd");
        for (size_t k = j + 1; k < 4; k++) {
            double r = 0, want = pow(-0.6, (double)(k - j));

            for (size_t i = 0; i < n; i++)
                r += x[j][i] * x[k][i];
            r /= (double)n;
            assert_within(r, want, (1 - want * want) / sqrt((double)n), 4.5, "correlation");
        }
    }
    frame_free(f);
}

/* ---------------------------------------------------------------------------
 * blobs
 */

static void
test_blobs(void **state)
{
    const size_t n = 6000;
    struct aiwb_frame *f = make("gen:blobs", "n=6000", "features=3", "clusters=4", "std=0.5",
                                "box=5", "weights=1,2,3,4", "seed=4", NULL);
    const int32_t *y = codes(f, "cluster");
    const char *s = strstr(logged, "gen:blobs: centres");
    double centre[4][3];

    (void)state;
    assert_non_null(s);
    s += strlen("gen:blobs: centres");
    for (size_t c = 0; c < 4; c++) {
        char name[8], want[8];
        int used;

        assert_int_equal(sscanf(s, "%*[ ,]%7s (%lf, %lf, %lf)%n", name, &centre[c][0],
                                &centre[c][1], &centre[c][2], &used),
                         4);
        snprintf(want, sizeof(want), "k%zu", c);
        assert_string_equal(name, want);
        for (size_t j = 0; j < 3; j++)
            assert_true(fabs(centre[c][j]) <= 5);
        s += used;
    }
    for (size_t c = 0; c < 4; c++) {
        double nc = 0;

        for (size_t i = 0; i < n; i++)
            nc += y[i] == (int32_t)c;
        assert_within(nc / n, (c + 1) / 10.0, sqrt((c + 1) / 10.0 * (1 - (c + 1) / 10.0) / n), 4,
                      "cluster share");
        for (size_t j = 0; j < 3; j++) {
            char name[4];
            const double *x;
            double s1 = 0, s2 = 0, m;

            snprintf(name, sizeof(name), "x%zu", j + 1);
            x = num(f, name);
            for (size_t i = 0; i < n; i++) {
                if (y[i] == (int32_t)c) {
                    s1 += x[i];
                    s2 += x[i] * x[i];
                }
            }
            m = s1 / nc;
            assert_within(m, centre[c][j], 0.5 / sqrt(nc), 4.5, "cluster mean");
            assert_within(sqrt(s2 / nc - m * m), 0.5, 0.5 / sqrt(2 * nc), 4.5, "cluster sd");
        }
    }
    frame_free(f);
}

/* ---------------------------------------------------------------------------
 * ratings
 */

static void
test_ratings(void **state)
{
    struct aiwb_frame *f = make("gen:ratings", "users=200", "items=80", "density=0.15",
                                "timestamps=true", "seed=6", NULL);
    const size_t n = frame_rows(f), users = 200, items = 80;
    const int32_t *u = codes(f, "user"), *it = codes(f, "item");
    const double *r = num(f, "rating"), *t = num(f, "timestamp");
    size_t per_user[200] = {0}, per_item[80] = {0};
    unsigned char seen[200][80] = {{0}};

    (void)state;
    assert_int_equal(n, 2400); /* round(0.15 * 200 * 80) */
    for (size_t i = 0; i < n; i++) {
        assert_true(u[i] >= 0 && (size_t)u[i] < users);
        assert_true(it[i] >= 0 && (size_t)it[i] < items);
        assert_false(seen[u[i]][it[i]]); /* every pair at most once */
        seen[u[i]][it[i]] = 1;
        per_user[u[i]]++;
        per_item[it[i]]++;
        assert_true(r[i] >= 1 && r[i] <= 5 && r[i] == round(r[i]));
        assert_true(t[i] >= 1577836800 && t[i] < 1609459200 && t[i] == floor(t[i]));
        /* rows by user, then item */
        if (i > 0)
            assert_true(u[i] > u[i - 1] || (u[i] == u[i - 1] && it[i] > it[i - 1]));
    }
    for (size_t k = 0; k < users; k++)
        assert_int_equal(per_user[k], 12); /* 2400 / 200 */
    /* popularity falls with the item's rank (without replacement, the top
     * items saturate, so the counts are flatter than 1/rank) */
    for (size_t k = 1; k < items; k++)
        assert_true(per_item[0] >= per_item[k]);
    assert_true(per_item[0] > 5 * per_item[79]);
    frame_free(f);

    /* one item per user: the counts are multinomial with p_i = (1/i) / H_50 */
    f = make("gen:ratings", "users=20000", "items=50", "density=0.02", "seed=2", NULL);
    {
        size_t cnt[50] = {0};
        double h = 0;

        assert_int_equal(frame_rows(f), 20000);
        for (size_t i = 0; i < 20000; i++)
            cnt[codes(f, "item")[i]]++;
        for (size_t k = 1; k <= 50; k++)
            h += 1.0 / (double)k;
        for (size_t k = 0; k < 50; k++) {
            double pk = 1 / ((double)(k + 1) * h);

            assert_within(cnt[k] / 20000.0, pk, sqrt(pk * (1 - pk) / 20000), 4.5, "item share");
        }
    }
    frame_free(f);

    /* m mod users users rate one more */
    f = make("gen:ratings", "users=7", "items=10", "density=0.5", NULL);
    assert_int_equal(frame_rows(f), 35);
    frame_free(f);
    f = make("gen:ratings", "users=6", "items=10", "density=0.55", NULL);
    {
        size_t cnt[6] = {0}, elevens = 0;

        assert_int_equal(frame_rows(f), 33);
        for (size_t i = 0; i < 33; i++)
            cnt[codes(f, "user")[i]]++;
        for (size_t k = 0; k < 6; k++) {
            assert_true(cnt[k] == 5 || cnt[k] == 6);
            elevens += cnt[k] == 6;
        }
        assert_int_equal(elevens, 3);
    }
    frame_free(f);

    /* density 1 rates every pair, whatever the skew */
    f = make("gen:ratings", "users=30", "items=20", "density=1", "zipf=8", NULL);
    assert_int_equal(frame_rows(f), 600);
    frame_free(f);
}

/* The share of the sum of squares of R - 3 in its top K singular values. */
static double
top_share(const struct aiwb_frame *f, size_t users, size_t items, size_t k)
{
    gsl_matrix *a = gsl_matrix_calloc(users, items), *v = gsl_matrix_alloc(items, items);
    gsl_vector *s = gsl_vector_alloc(items), *work = gsl_vector_alloc(items);
    const int32_t *u = codes(f, "user"), *it = codes(f, "item");
    const double *r = num(f, "rating");
    double top = 0, all = 0;

    assert_int_equal(frame_rows(f), users * items);
    for (size_t i = 0; i < frame_rows(f); i++)
        gsl_matrix_set(a, (size_t)u[i], (size_t)it[i], r[i] - 3);
    assert_int_equal(gsl_linalg_SV_decomp(a, v, s, work), 0);
    for (size_t j = 0; j < items; j++) {
        double sq = gsl_vector_get(s, j) * gsl_vector_get(s, j);

        all += sq;
        top += j < k ? sq : 0;
    }
    gsl_matrix_free(a);
    gsl_matrix_free(v);
    gsl_vector_free(s);
    gsl_vector_free(work);
    return top / all;
}

/* A dense matrix of ratings is nearly of rank `rank`: its top singular
 * values hold most of its sum of squares, unlike full-rank noise's. */
static void
test_ratings_low_rank(void **state)
{
    struct aiwb_frame *f;
    double lowrank, noise;

    (void)state;
    f = make("gen:ratings", "users=120", "items=60", "density=1", "rank=3", "noise=0", NULL);
    lowrank = top_share(f, 120, 60, 3);
    frame_free(f);
    /* the same matrix with noise sd 3 is mostly noise */
    f = make("gen:ratings", "users=120", "items=60", "density=1", "rank=3", "noise=3", NULL);
    noise = top_share(f, 120, 60, 3);
    frame_free(f);
    print_message("# top-3 share: %.4f without noise, %.4f with noise=3\n", lowrank, noise);
    assert_true(lowrank > 0.85);
    assert_true(noise < 0.5);
}

/* implicit: the liked pairs of the explicit draw, rating 1. */
static void
test_ratings_implicit(void **state)
{
    struct aiwb_frame *e = make("gen:ratings", "seed=3", "noise=0.7", NULL);
    struct aiwb_frame *i = make("gen:ratings", "seed=3", "noise=0.7", "feedback=implicit", NULL);
    const int32_t *eu = codes(e, "user"), *ei = codes(e, "item");
    const int32_t *iu = codes(i, "user"), *ii = codes(i, "item");
    const double *er = num(e, "rating"), *ir = num(i, "rating");
    size_t k = 0;

    (void)state;
    assert_same_columns(e, i);
    for (size_t j = 0; j < frame_rows(e); j++) {
        if (er[j] < 4)
            continue;
        assert_true(k < frame_rows(i));
        assert_int_equal(iu[k], eu[j]);
        assert_int_equal(ii[k], ei[j]);
        assert_true(ir[k] == 1);
        k++;
    }
    assert_int_equal(k, frame_rows(i));
    assert_true(k > 0);
    frame_free(e);
    frame_free(i);
}

/* ---------------------------------------------------------------------------
 * Drift
 */

/* shift: the first `shifted` features move by exactly shift, row by row;
 * the rest, the class and the columns stay. */
static void
test_drift_shift(void **state)
{
    struct aiwb_frame *a = make("gen:classification", "seed=21", "redundant=2", NULL);
    struct aiwb_frame *b =
        make("gen:classification", "seed=21", "redundant=2", "shift=0.75", "shifted=3", NULL);
    const size_t n = frame_rows(a);

    (void)state;
    assert_same_columns(a, b);
    assert_int_equal(frame_rows(b), n);
    for (size_t j = 0; j < 10; j++) {
        const double *x = frame_numeric(a, j), *z = frame_numeric(b, j);

        for (size_t i = 0; i < n; i++)
            if (j < 3)
                tu_assert_rel(z[i] - x[i], 0.75, 1e-12);
            else
                assert_true(z[i] == x[i]);
        if (j < 3)
            tu_assert_rel(mean(z, n) - mean(x, n), 0.75, 1e-12);
    }
    assert_memory_equal(codes(a, "class"), codes(b, "class"), n * sizeof(int32_t));
    frame_free(a);
    frame_free(b);

    /* regression: y follows the shifted x: mean(y) moves by shift * sum(beta) */
    {
        double beta[7], noise, sum = 0;

        a = make("gen:regression", "features=6", "seed=22", NULL);
        parse_equation(beta, 6, &noise);
        b = make("gen:regression", "features=6", "seed=22", "shift=-1.5", NULL);
        assert_same_columns(a, b);
        for (size_t j = 1; j <= 6; j++)
            sum += beta[j];
        for (size_t i = 0; i < frame_rows(a); i++)
            assert_true(fabs(num(b, "y")[i] - num(a, "y")[i] + 1.5 * sum) < 1e-9);
        frame_free(a);
        frame_free(b);
    }

    /* blobs, all features */
    a = make("gen:blobs", "seed=23", NULL);
    b = make("gen:blobs", "seed=23", "shift=2", NULL);
    assert_same_columns(a, b);
    for (size_t i = 0; i < frame_rows(a); i++) {
        tu_assert_rel(num(b, "x1")[i] - num(a, "x1")[i], 2, 1e-12);
        tu_assert_rel(num(b, "x2")[i] - num(a, "x2")[i], 2, 1e-12);
    }
    frame_free(a);
    frame_free(b);
}

/* weights: the class shares change as stated, and rows whose class did not
 * change keep their features. */
static void
test_drift_balance(void **state)
{
    const size_t n = 10000;
    struct aiwb_frame *a = make("gen:classification", "n=10000", "seed=31", NULL);
    struct aiwb_frame *b = make("gen:classification", "n=10000", "seed=31", "weights=1,4", NULL);
    const int32_t *ya = codes(a, "class"), *yb = codes(b, "class");
    double share_a = 0, share_b = 0;
    size_t same = 0;

    (void)state;
    assert_same_columns(a, b);
    for (size_t i = 0; i < n; i++) {
        share_a += ya[i] == 1;
        share_b += yb[i] == 1;
        if (ya[i] == yb[i]) {
            same++;
            for (size_t j = 0; j < 10; j++)
                assert_true(frame_numeric(a, j)[i] == frame_numeric(b, j)[i]);
        }
    }
    assert_within(share_a / n, 0.5, sqrt(0.25 / n), 4, "reference share");
    assert_within(share_b / n, 0.8, sqrt(0.16 / n), 4, "drifted share");
    /* a row changes class only when its u falls in [0.2, 0.5) */
    assert_within((double)(n - same) / n, 0.3, sqrt(0.21 / n), 4, "rows that changed class");
    frame_free(a);
    frame_free(b);
}

/* ratings: shift raises every latent rating; rotate moves popularity. */
static void
test_drift_ratings(void **state)
{
    struct aiwb_frame *a = make("gen:ratings", "seed=41", "users=300", NULL);
    struct aiwb_frame *b = make("gen:ratings", "seed=41", "users=300", "shift=0.5", NULL);
    struct aiwb_frame *c = make("gen:ratings", "seed=41", "users=300", "rotate=10", NULL);
    const size_t n = frame_rows(a);
    const double *ra = num(a, "rating"), *rb = num(b, "rating");
    size_t count_a[50] = {0}, count_c[50] = {0}, top_c = 0;

    (void)state;
    assert_same_columns(a, b);
    assert_same_columns(a, c);
    assert_int_equal(frame_rows(b), n);
    assert_int_equal(frame_rows(c), n);
    assert_memory_equal(codes(a, "user"), codes(b, "user"), n * sizeof(int32_t));
    assert_memory_equal(codes(a, "item"), codes(b, "item"), n * sizeof(int32_t));
    for (size_t i = 0; i < n; i++) {
        assert_true(rb[i] >= ra[i] && rb[i] <= ra[i] + 1);
        count_a[codes(a, "item")[i]]++;
        count_c[codes(c, "item")[i]]++;
    }
    /* about half the ratings go up one (less where clipped at 5) */
    assert_true(mean(rb, n) - mean(ra, n) > 0.35 && mean(rb, n) - mean(ra, n) < 0.55);
    /* the 10 least popular become the most popular: i41 leads */
    for (size_t k = 0; k < 50; k++)
        if (count_c[k] > count_c[top_c])
            top_c = k;
    assert_int_equal(top_c, 40);
    assert_true(count_a[0] > 3 * count_a[40]);
    assert_true(count_c[40] > 3 * count_c[0]);
    frame_free(a);
    frame_free(b);
    frame_free(c);
}

/* sample=N: other rows, same model. */
static void
test_sample(void **state)
{
    char *first;
    struct aiwb_frame *a, *b;
    const size_t n = 20000;

    (void)state;
    a = make("gen:regression", "n=20000", "seed=51", NULL);
    first = xstrdup(logged);
    b = make("gen:regression", "n=20000", "seed=51", "sample=3", NULL);
    assert_string_equal(first, logged);
    free(first);
    assert_true(num(a, "x1")[0] != num(b, "x1")[0]);
    assert_within(mean(num(a, "y"), n) - mean(num(b, "y"), n), 0, 0.2, 5, "mean of y");
    frame_free(a);
    frame_free(b);
}

/* ---------------------------------------------------------------------------
 * Errors
 */

static void
test_errors(void **state)
{
    (void)state;
    expect_error("gen: no generator 'foo' (gen:classification, gen:regression, gen:blobs or "
                 "gen:ratings)",
                 "gen:foo", NULL);
    expect_error("gen: 'gen:' names no generator (gen:classification, gen:regression, "
                 "gen:blobs or gen:ratings)",
                 "gen:", NULL);
    expect_error("gen:ratings does not take option 'n' (its options: noise, users, items, "
                 "density, rank, zipf, feedback, timestamps, shift, rotate, seed, sample)",
                 "gen:ratings", "n=5", NULL);
    expect_error("gen:regression does not take option 'classes' (its options: n, features, "
                 "informative, rho, intercept, noise, shift, shifted, seed, sample)",
                 "gen:regression", "classes=3", NULL);
    expect_error("gen:blobs does not take option 'informative' (its options: n, features, "
                 "clusters, weights, labels, std, box, shift, shifted, seed, sample)",
                 "gen:blobs", "informative=1", NULL);
    expect_error("gen:classification does not take option 'rotate' (its options: n, features, "
                 "informative, redundant, classes, weights, labels, sep, flip, shift, shifted, "
                 "seed, sample)",
                 "gen:classification", "rotate=1", NULL);
    expect_error("gen:classification: informative=4 is more than features=3", "gen:classification",
                 "features=3", "informative=4", NULL);
    expect_error("gen:regression: informative=11 is more than features=10", "gen:regression",
                 "informative=11", NULL);
    expect_error("gen:classification: informative=5 plus redundant=6 is more than features=10",
                 "gen:classification", "informative=5", "redundant=6", NULL);
    expect_error("gen:classification: classes=5 needs more informative features: "
                 "informative=2 gives at most 4 distinct class centres",
                 "gen:classification", "classes=5", NULL);
    expect_error("gen:classification: classes=3 needs more informative features: "
                 "informative=1 gives at most 2 distinct class centres",
                 "gen:classification", "features=1", "classes=3", NULL);
    expect_error("gen:classification: weights has 3 values, classes is 2", "gen:classification",
                 "weights=1,2,3", NULL);
    expect_error("gen:blobs: weights has 1 values, clusters is 3", "gen:blobs", "weights=1", NULL);
    expect_error("gen:classification: weights: value 2 'x' is not a number >= 0",
                 "gen:classification", "weights=1,x", NULL);
    expect_error("gen:classification: weights: value 1 '-1' is not a number >= 0",
                 "gen:classification", "weights=-1,2", NULL);
    expect_error("gen:classification: weights: value 2 '' is not a number >= 0",
                 "gen:classification", "weights=1,", NULL);
    expect_error("gen:classification: weights: value 1 'inf' is not a number >= 0",
                 "gen:classification", "weights=inf,1", NULL);
    expect_error("gen:classification: weights: all of them are 0", "gen:classification",
                 "weights=0,0", NULL);
    expect_error("gen:classification: labels has 3 names, classes is 2", "gen:classification",
                 "labels=a,b,c", NULL);
    expect_error("gen:blobs: labels has 2 names, clusters is 3", "gen:blobs", "labels=a,b", NULL);
    expect_error("gen:classification: labels: name 2 is empty", "gen:classification", "labels=a,",
                 NULL);
    expect_error("gen:classification: labels: 'a' appears twice", "gen:classification",
                 "labels=a,a", NULL);
    expect_error("gen:regression: shifted=11 is more than features=10", "gen:regression",
                 "shifted=11", NULL);
    expect_error("gen:ratings: rotate=50 must be less than items=50", "gen:ratings", "rotate=50",
                 NULL);
    expect_error("gen:ratings: density=1e-05 of users=100 x items=50 gives no ratings",
                 "gen:ratings", "density=0.00001", NULL);
    expect_error("gen:ratings: density=0.1 of users=10000000 x items=10000000 gives "
                 "10000000000000 ratings, more than 100000000",
                 "gen:ratings", "users=10000000", "items=10000000", NULL);
    expect_error("gen:ratings: users=10000000 and items=1000 with rank=200 need 2000200000 "
                 "latent values, more than 2^30",
                 "gen:ratings", "users=10000000", "items=1000", "rank=200", NULL);
    expect_error("gen:ratings: no pair is liked enough for implicit feedback (raise density "
                 "or shift)",
                 "gen:ratings", "feedback=implicit", "shift=-20", NULL);
    expect_error("gen:classification: n=100000000 with features=100 is 10100000000 values, "
                 "more than 2^30",
                 "gen:classification", "n=100000000", "features=100", NULL);
    /* the host checks the declared ranges, naming the option */
    expect_error("gen: rho must be a number > -1 and < 1, not '1'", "gen:regression", "rho=1",
                 NULL);
    expect_error("gen: seed must be an integer >= 0, not '-1'", "gen:blobs", "seed=-1", NULL);
    expect_error("gen: classes must be an integer from 2 to 1000, not '1'", "gen:classification",
                 "classes=1", NULL);
    expect_error("gen: density must be a number > 0 and <= 1, not '0'", "gen:ratings", "density=0",
                 NULL);
    expect_error("gen: feedback must be one of explicit|implicit, not 'both'", "gen:ratings",
                 "feedback=both", NULL);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_registered),
        cmocka_unit_test(test_determinism),
        cmocka_unit_test(test_pinned),
        cmocka_unit_test(test_reference),
        cmocka_unit_test(test_seed_fold),
        cmocka_unit_test(test_shapes),
        cmocka_unit_test(test_class_balance),
        cmocka_unit_test(test_class_centres),
        cmocka_unit_test(test_redundant_and_flip),
        cmocka_unit_test(test_regression_ols),
        cmocka_unit_test(test_regression_correlation),
        cmocka_unit_test(test_blobs),
        cmocka_unit_test(test_ratings),
        cmocka_unit_test(test_ratings_low_rank),
        cmocka_unit_test(test_ratings_implicit),
        cmocka_unit_test(test_drift_shift),
        cmocka_unit_test(test_drift_balance),
        cmocka_unit_test(test_drift_ratings),
        cmocka_unit_test(test_sample),
        cmocka_unit_test(test_errors),
    };

    return cmocka_run_group_tests(tests, setup, NULL);
}
