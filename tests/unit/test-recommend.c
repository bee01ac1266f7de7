/*
 * test-recommend.c - the recommenders als, itemknn and popular: ALS against
 * numpy and against plain alternating solves written here, exact fold-in,
 * neighbours against brute force, update against retraining, cold start,
 * recommendations, save/load, threads, quality on gen:ratings, and every
 * refusal.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Reference numbers: tests/data/recommend/als_ref.txt, made by als_ref.py
 * (see there to regenerate).
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
#include <gsl/gsl_rng.h>

#include "core/codec.h"
#include "core/frame.h"
#include "core/log.h"
#include "core/options.h"
#include "core/pipeline.h"
#include "core/registry.h"
#include "core/table.h"
#include "core/xalloc.h"
#include "testutil.h"

/* ---------------------------------------------------------------------------
 * Helpers: interactions, running a plugin, reading its saved state.
 */

/* Interactions: rows (user, item, value) and the numbers of levels. */
struct inter {
    size_t n, cap, n_users, n_items;
    double *X; /* n x 2: user and item codes */
    double *y;
};

static void
inter_add(struct inter *d, double u, double i, double r)
{
    if (d->n == d->cap) {
        d->cap = d->cap ? 2 * d->cap : 64;
        d->X = xreallocarray(d->X, d->cap, 2 * sizeof(double));
        d->y = xreallocarray(d->y, d->cap, sizeof(double));
    }
    d->X[2 * d->n] = u;
    d->X[2 * d->n + 1] = i;
    d->y[d->n++] = r;
}

static void
inter_free(struct inter *d)
{
    free(d->X);
    free(d->y);
    memset(d, 0, sizeof(*d));
}

/* Random interactions: each pair present with probability DENSITY, values
 * 1..5 (or all ones when ONES); user 0 and item 0 get none. */
static void
inter_random(struct inter *d, size_t n_users, size_t n_items, double density, int ones,
             unsigned long seed)
{
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);

    gsl_rng_set(rng, seed);
    memset(d, 0, sizeof(*d));
    d->n_users = n_users;
    d->n_items = n_items;
    for (size_t u = 1; u < n_users; u++)
        for (size_t i = 1; i < n_items; i++)
            if (gsl_rng_uniform(rng) < density)
                inter_add(d, (double)u, (double)i,
                          ones ? 1.0 : (double)(1 + gsl_rng_uniform_int(rng, 5)));
    gsl_rng_free(rng);
}

/* The rows of gen:ratings with OPTS (NULL-terminated) as interactions. */
static void
inter_gen(struct inter *d, const char *const *opts)
{
    char *cause = NULL;
    struct aiwb_frame *f = tu_read("gen:ratings", opts, &cause);
    long cu, ci, cr;

    if (f == NULL)
        fail_msg("%s", cause);
    cu = frame_find(f, "user");
    ci = frame_find(f, "item");
    cr = frame_find(f, "rating");
    assert_true(cu >= 0 && ci >= 0 && cr >= 0);
    memset(d, 0, sizeof(*d));
    d->n_users = frame_nlevels(f, (size_t)cu);
    d->n_items = frame_nlevels(f, (size_t)ci);
    const int32_t *u = frame_codes(f, (size_t)cu), *i = frame_codes(f, (size_t)ci);
    const double *r = frame_numeric(f, (size_t)cr);
    for (size_t j = 0; j < frame_rows(f); j++)
        inter_add(d, u[j], i[j], r[j]);
    frame_free(f);
}

static const char *const feature_names[] = {"user", "item"};

/* One instance of a plugin and its problem. */
struct run {
    const struct aiwb_algorithm_type *type;
    struct aiwb_options *opts;
    void *state;
    struct aiwb_problem prob;
    unsigned levels[2];
    struct aiwb_step step;
    char *cause;
    int iterations;
    double losses[256];
};

static const struct aiwb_algorithm_type *
algo(const char *name)
{
    const struct component *c;

    tu_load_plugins();
    c = registry_find(COMPONENT_ALGORITHM, name);
    if (c == NULL)
        fail_msg("no algorithm '%s'", name);
    return c->type.algorithm;
}

/* The problem of D (levels from D) into R. */
static void
set_problem(struct run *r, const struct inter *d, uint64_t seed)
{
    r->levels[0] = (unsigned)d->n_users;
    r->levels[1] = (unsigned)d->n_items;
    r->prob = (struct aiwb_problem){
        .n = d->n,
        .p = 2,
        .X = d->X,
        .ldx = 2,
        .y = d->y,
        .task = AIWB_TASK_RANKING,
        .feature_names = feature_names,
        .target_name = "rating",
        .feature_levels = r->levels,
        .seed = seed,
    };
}

/* Options and init of algorithm NAME on D with option words WORDS. */
static int
run_init(struct run *r, const char *name, const struct inter *d, const char *const *words,
         uint64_t seed)
{
    size_t nw = 0;

    memset(r, 0, sizeof(*r));
    r->type = algo(name);
    while (words != NULL && words[nw] != NULL)
        nw++;
    r->opts = options_parse(name, r->type->options, nw, (char *const *)words, &r->cause);
    if (r->opts == NULL)
        fail_msg("%s", r->cause);
    r->state = xcalloc(1, r->type->state_size);
    set_problem(r, d, seed);
    return r->type->init(r->state, r->opts, &r->prob, &r->cause);
}

/* init, iterate as the host does, finish; the losses kept. */
static int
run_fit(struct run *r, const char *name, const struct inter *d, const char *const *words,
        uint64_t seed)
{
    int rc = run_init(r, name, d, words, seed);

    if (rc != AIWB_OK)
        return rc;
    do {
        memset(&r->step, 0, sizeof(r->step));
        r->step.iteration = r->iterations;
        rc = r->type->iterate(r->state, &r->prob, &r->step, &r->cause);
        if (r->iterations < 256 && r->step.n > 0)
            r->losses[r->iterations] = r->step.values[0];
        r->iterations++;
    } while (rc == AIWB_CONTINUE && r->iterations < 10000);
    if (rc != AIWB_OK)
        return rc;
    return r->type->finish(r->state, &r->prob, &r->cause);
}

/* Fit or fail with the cause. */
static void
must_fit(struct run *r, const char *name, const struct inter *d, const char *const *words,
         uint64_t seed)
{
    if (run_fit(r, name, d, words, seed) != AIWB_OK)
        fail_msg("%s: %s", name, r->cause ? r->cause : "(no cause)");
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

/* update() with the rows of D (levels from D); the cause in r->cause. */
static int
run_update(struct run *r, const struct inter *d)
{
    unsigned levels[2] = {(unsigned)d->n_users, (unsigned)d->n_items};
    struct aiwb_problem prob = r->prob;

    prob.n = d->n;
    prob.X = d->X;
    prob.y = d->y;
    prob.feature_levels = levels;
    free(r->cause);
    r->cause = NULL;
    return r->type->update(r->state, &prob, &r->cause);
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

static int
step_has(const struct aiwb_step *s, const char *name)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->names[i], name) == 0)
            return 1;
    return 0;
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

/* The largest |a_j - b_j| over N numbers, relative to the largest |b_j| (or 1). */
static double
max_rel_diff(const double *a, const double *b, size_t n)
{
    double big = 0, diff = 0;

    for (size_t j = 0; j < n; j++) {
        big = fmax(big, fabs(b[j]));
        diff = fmax(diff, fabs(a[j] - b[j]));
    }
    return diff / fmax(big, 1e-300);
}

#define assert_close(a, b, n, tol) assert_close_((a), (b), (n), (tol), #a, __FILE__, __LINE__)
static void
assert_close_(const double *a, const double *b, size_t n, double tol, const char *expr,
              const char *file, int line)
{
    double d = max_rel_diff(a, b, n);

    if (d <= tol)
        return;
    print_error("%s: largest difference %.3g of the largest value > %g\n", expr, d, tol);
    _fail(file, line);
}

static unsigned char *
save_blob(const struct run *r, size_t *len)
{
    struct aiwb_writer *w = writer_new();
    unsigned char *blob;

    assert_int_equal(r->type->save(r->state, w), AIWB_OK);
    blob = codec_seal(w, len);
    writer_free(w);
    return blob;
}

/* Load BLOB into a new state of R's type; returns the status, the state in *OUT. */
static int
load_blob(const struct run *r, const unsigned char *blob, size_t len, unsigned version, void **out,
          char **cause)
{
    struct aiwb_reader *rd = reader_open(blob, len, cause);
    int rc;

    assert_non_null(rd);
    *out = xcalloc(1, r->type->state_size);
    rc = r->type->load(*out, rd, version, cause);
    reader_free(rd);
    return rc;
}

/* What the als plugin saved: its factors. */
struct factors {
    size_t k, n_users, n_items;
    double *X, *Y;
};

static void
factors_free(struct factors *f)
{
    free(f->X);
    free(f->Y);
    memset(f, 0, sizeof(*f));
}

/* Read the factors out of an als model's saved state (in the order als_save writes). */
static void
als_factors(const struct run *r, struct factors *f)
{
    size_t len, n;
    unsigned char *blob = save_blob(r, &len);
    char *cause = NULL, *str = NULL;
    struct aiwb_reader *rd = reader_open(blob, len, &cause);
    int64_t v, *ints = NULL;
    double x, *reals = NULL;

    assert_non_null(rd);
    memset(f, 0, sizeof(*f));
    assert_int_equal(codec_get_int(rd, "factors", &v), AIWB_OK);
    f->k = (size_t)v;
    assert_int_equal(codec_get_real(rd, "lambda", &x), AIWB_OK);
    assert_int_equal(codec_get_str(rd, "lambda_scale", &str), AIWB_OK);
    free(str);
    assert_int_equal(codec_get_int(rd, "implicit", &v), AIWB_OK);
    assert_int_equal(codec_get_real(rd, "alpha", &x), AIWB_OK);
    assert_int_equal(codec_get_int(rd, "max_iter", &v), AIWB_OK);
    assert_int_equal(codec_get_real(rd, "tol", &x), AIWB_OK);
    assert_int_equal(codec_get_int(rd, "threads", &v), AIWB_OK);
    assert_int_equal(codec_get_int(rd, "items", &v), AIWB_OK);
    f->n_items = (size_t)v;
    assert_int_equal(codec_get_ints(rd, "user_pairs", &f->n_users, &ints), AIWB_OK);
    free(ints);
    assert_int_equal(codec_get_ints(rd, "pair_items", &n, &ints), AIWB_OK);
    free(ints);
    assert_int_equal(codec_get_reals(rd, "pair_values", &n, &reals), AIWB_OK);
    free(reals);
    assert_int_equal(codec_get_reals(rd, "user_factors", &n, &f->X), AIWB_OK);
    assert_int_equal(n, f->n_users * f->k);
    assert_int_equal(codec_get_reals(rd, "item_factors", &n, &f->Y), AIWB_OK);
    assert_int_equal(n, f->n_items * f->k);
    reader_free(rd);
    free(blob);
}

/* predict() of one pair. */
static double
score(const struct run *r, double u, double i)
{
    double x[2] = {u, i}, out = NAN;

    assert_int_equal(r->type->predict(r->state, 1, x, 2, &out), AIWB_OK);
    return out;
}

/* ---------------------------------------------------------------------------
 * An independent ALS: dense matrices, normal equations by Gaussian
 * elimination with partial pivoting, written plainly.
 */

/* Solve the N x N system A x = b in place (A and b are destroyed). */
static void
gauss_solve(double *A, double *b, size_t n, double *x)
{
    for (size_t c = 0; c < n; c++) {
        size_t piv = c;
        for (size_t r = c + 1; r < n; r++)
            if (fabs(A[r * n + c]) > fabs(A[piv * n + c]))
                piv = r;
        assert_true(A[piv * n + c] != 0);
        for (size_t j = 0; j < n; j++) {
            double t = A[c * n + j];
            A[c * n + j] = A[piv * n + j];
            A[piv * n + j] = t;
        }
        double t = b[c];
        b[c] = b[piv];
        b[piv] = t;
        for (size_t r = c + 1; r < n; r++) {
            double f = A[r * n + c] / A[c * n + c];
            for (size_t j = c; j < n; j++)
                A[r * n + j] -= f * A[c * n + j];
            b[r] -= f * b[c];
        }
    }
    for (size_t c = n; c-- > 0;) {
        double s = b[c];
        for (size_t j = c + 1; j < n; j++)
            s -= A[c * n + j] * x[j];
        x[c] = s / A[c * n + c];
    }
}

/* The settings of an ALS fit. */
struct als_cfg {
    size_t k;
    double lambda, alpha;
    int count, implicit;
};

/* Dense pairs: values R and a mask M, n_users x n_items, merged the plugin's way. */
struct dense {
    size_t nu, ni;
    double *R;
    unsigned char *M;
};

static void
dense_make(struct dense *D, const struct inter *d, int implicit)
{
    D->nu = d->n_users;
    D->ni = d->n_items;
    D->R = xcalloc(D->nu * D->ni, sizeof(double));
    D->M = xcalloc(D->nu * D->ni, 1);
    for (size_t j = 0; j < d->n; j++) {
        size_t at = (size_t)d->X[2 * j] * D->ni + (size_t)d->X[2 * j + 1];
        D->R[at] = implicit && D->M[at] ? D->R[at] + d->y[j] : d->y[j];
        D->M[at] = 1;
    }
}

static void
dense_free(struct dense *D)
{
    free(D->R);
    free(D->M);
}

/*
 * The factors of user A (ITEMS false) or item A into OUT, solved with G, the
 * N_G rows of the other side, fixed.
 */
static void
plain_row(const struct als_cfg *c, const struct dense *D, int items, size_t a, double *out,
          const double *G, size_t n_g)
{
    const size_t k = c->k;
    double A[64 * 64], b[64];
    size_t cnt = 0;

    assert_true(k <= 64);
    memset(A, 0, sizeof(A));
    memset(b, 0, sizeof(b));
    for (size_t g = 0; g < n_g; g++) {
        size_t at = items ? g * D->ni + a : a * D->ni + g;
        const double *y = G + g * k;
        double w, rhs;
        if (c->implicit) {
            double r = D->M[at] ? D->R[at] : 0, conf = 1 + c->alpha * r;
            w = conf;
            rhs = D->M[at] && r > 0 ? conf : 0;
        } else {
            if (!D->M[at])
                continue;
            w = 1;
            rhs = D->R[at];
        }
        cnt += D->M[at];
        for (size_t p = 0; p < k; p++) {
            for (size_t q = 0; q < k; q++)
                A[p * k + q] += w * y[p] * y[q];
            b[p] += rhs * y[p];
        }
    }
    if (cnt == 0) {
        memset(out, 0, k * sizeof(double));
        return;
    }
    for (size_t p = 0; p < k; p++)
        A[p * k + p] += c->lambda * (c->count ? (double)cnt : 1.0);
    gauss_solve(A, b, k, out);
}

/* The plugin's initial factors, drawn here with GSL (see plugins/algo-als.c). */
static void
plain_init(const struct als_cfg *c, uint64_t seed, size_t nu, size_t ni, double *X, double *Y)
{
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    const double scale = 0.01 / sqrt((double)c->k);

    gsl_rng_set(rng, (unsigned long)((seed & 0xffffffffu) ^ (seed >> 32)));
    for (size_t j = 0; j < nu * c->k; j++)
        X[j] = scale * (2 * gsl_rng_uniform(rng) - 1);
    for (size_t j = 0; j < ni * c->k; j++)
        Y[j] = scale * (2 * gsl_rng_uniform(rng) - 1);
    gsl_rng_free(rng);
}

/* SWEEPS sweeps of plain ALS on D from the plugin's initial factors. */
static void
plain_als(const struct als_cfg *c, const struct dense *D, uint64_t seed, int sweeps, double *X,
          double *Y)
{
    plain_init(c, seed, D->nu, D->ni, X, Y);
    for (int s = 0; s < sweeps; s++) {
        for (size_t u = 0; u < D->nu; u++)
            plain_row(c, D, 0, u, X + u * c->k, Y, D->ni);
        for (size_t i = 0; i < D->ni; i++)
            plain_row(c, D, 1, i, Y + i * c->k, X, D->nu);
    }
}

/* The option words of C with SWEEPS sweeps (tol=0) and THREADS threads (static storage). */
static const char *const *
cfg_words(const struct als_cfg *c, int sweeps, int threads)
{
    static char w[8][48];
    static const char *words[9];

    snprintf(w[0], sizeof(w[0]), "factors=%zu", c->k);
    snprintf(w[1], sizeof(w[1]), "lambda=%.17g", c->lambda);
    snprintf(w[2], sizeof(w[2]), "lambda_scale=%s", c->count ? "count" : "none");
    snprintf(w[3], sizeof(w[3]), "implicit=%s", c->implicit ? "true" : "false");
    snprintf(w[4], sizeof(w[4]), "alpha=%.17g", c->alpha);
    snprintf(w[5], sizeof(w[5]), "max_iter=%d", sweeps);
    snprintf(w[6], sizeof(w[6]), "tol=0");
    snprintf(w[7], sizeof(w[7]), "threads=%d", threads);
    for (int j = 0; j < 8; j++)
        words[j] = w[j];
    words[8] = NULL;
    return words;
}

/* ---------------------------------------------------------------------------
 * als against numpy (als_ref.py) and against the plain solver.
 */

/* One case of als_ref.txt. */
struct refcase {
    char name[32];
    char *words[16];
    size_t nw;
    uint64_t seed;
    struct inter d;
    double *X, *Y;
    size_t nx, ny;
    double loss;
};

static void
refcase_free(struct refcase *c)
{
    for (size_t j = 0; j < c->nw; j++)
        free(c->words[j]);
    inter_free(&c->d);
    free(c->X);
    free(c->Y);
    memset(c, 0, sizeof(*c));
}

/* The numbers after the key of LINE into a new array; their count in *N. */
static double *
parse_reals(char *line, size_t *n)
{
    double *v = NULL;
    size_t cap = 0;
    char *save = NULL;

    *n = 0;
    strtok_r(line, " \n", &save);
    for (char *tok; (tok = strtok_r(NULL, " \n", &save)) != NULL;) {
        if (*n == cap) {
            cap = cap ? 2 * cap : 64;
            v = xreallocarray(v, cap, sizeof(double));
        }
        v[(*n)++] = strtod(tok, NULL);
    }
    return v;
}

/* The next case of F into C; 0 at the end of the file. */
static int
ref_next(FILE *f, struct refcase *c)
{
    char *line = NULL;
    size_t cap = 0, n;
    int found = 0;

    memset(c, 0, sizeof(*c));
    while (getline(&line, &cap, f) > 0) {
        char key[16] = "";
        sscanf(line, "%15s", key);
        if (strcmp(key, "case") == 0) {
            sscanf(line, "case %31s", c->name);
            found = 1;
        } else if (strcmp(key, "options") == 0) {
            char *save = NULL;
            strtok_r(line, " \n", &save);
            for (char *tok; (tok = strtok_r(NULL, " \n", &save)) != NULL && c->nw < 15;)
                c->words[c->nw++] = xstrdup(tok);
        } else if (strcmp(key, "seed") == 0) {
            c->seed = strtoull(line + 5, NULL, 10);
        } else if (strcmp(key, "shape") == 0) {
            assert_int_equal(sscanf(line, "shape %zu %zu", &c->d.n_users, &c->d.n_items), 2);
        } else if (strcmp(key, "rows") == 0) {
            double *v = parse_reals(line, &n);
            assert_int_equal(n % 3, 0);
            for (size_t j = 0; j < n; j += 3)
                inter_add(&c->d, v[j], v[j + 1], v[j + 2]);
            free(v);
        } else if (strcmp(key, "X") == 0) {
            c->X = parse_reals(line, &c->nx);
        } else if (strcmp(key, "Y") == 0) {
            c->Y = parse_reals(line, &c->ny);
        } else if (strcmp(key, "loss") == 0) {
            c->loss = strtod(line + 5, NULL);
        } else if (strcmp(key, "end") == 0) {
            break;
        }
    }
    free(line);
    return found;
}

static void
test_als_like_numpy(void **unused)
{
    char *path = tu_srcpath("tests/data/recommend/als_ref.txt");
    FILE *f = fopen(path, "r");
    struct refcase c;
    int cases = 0;
    double worst = 0;

    (void)unused;
    assert_non_null(f);
    while (ref_next(f, &c)) {
        struct run r;
        struct factors fa;
        const char *words[17];

        for (size_t j = 0; j < c.nw; j++)
            words[j] = c.words[j];
        words[c.nw] = NULL;
        must_fit(&r, "als", &c.d, words, c.seed);
        als_factors(&r, &fa);
        assert_int_equal(fa.n_users * fa.k, c.nx);
        assert_int_equal(fa.n_items * fa.k, c.ny);
        assert_close(fa.X, c.X, c.nx, 1e-9);
        assert_close(fa.Y, c.Y, c.ny, 1e-9);
        worst = fmax(worst, fmax(max_rel_diff(fa.X, c.X, c.nx), max_rel_diff(fa.Y, c.Y, c.ny)));
        tu_assert_rel(step_get(&r.step, "loss"), c.loss, 1e-9);
        /* the sweeps asked for, no more, no fewer (tol=0) */
        assert_int_equal(r.iterations, atoi(strchr(c.words[5], '=') + 1));
        assert_true(step_get(&r.step, "converged") == 0);
        factors_free(&fa);
        run_release(&r);
        refcase_free(&c);
        cases++;
    }
    assert_int_equal(cases, 4);
    print_message("# als against numpy: factors agree to %.2g of the largest\n", worst);
    fclose(f);
    free(path);
}

/* Train with C on random data for SWEEPS sweeps and compare with plain ALS. */
static void
check_like_plain(const struct als_cfg *c, unsigned long seed)
{
    struct inter d;
    struct dense D;
    struct run r;
    struct factors fa;
    double *X, *Y;

    inter_random(&d, 40, 30, 0.3, 0, seed);
    inter_add(&d, d.X[8], d.X[9], 2); /* a pair again: replaced, or added up */
    dense_make(&D, &d, c->implicit);
    X = xcalloc(D.nu * c->k, sizeof(double));
    Y = xcalloc(D.ni * c->k, sizeof(double));
    plain_als(c, &D, seed, 4, X, Y);
    must_fit(&r, "als", &d, cfg_words(c, 4, 2), seed);
    als_factors(&r, &fa);
    assert_close(fa.X, X, D.nu * c->k, 1e-9);
    assert_close(fa.Y, Y, D.ni * c->k, 1e-9);
    /* user 0 and item 0 have no pair: zero factors */
    for (size_t a = 0; a < c->k; a++)
        assert_true(fa.X[a] == 0 && fa.Y[a] == 0);
    factors_free(&fa);
    run_release(&r);
    free(X);
    free(Y);
    dense_free(&D);
    inter_free(&d);
}

static void
test_als_like_plain(void **unused)
{
    const struct als_cfg cfgs[] = {
        {.k = 4, .lambda = 0.3, .alpha = 40},
        {.k = 3, .lambda = 0.05, .alpha = 40, .count = 1},
        {.k = 4, .lambda = 0.2, .alpha = 5, .implicit = 1},
        {.k = 2, .lambda = 0.02, .alpha = 40, .count = 1, .implicit = 1},
    };

    (void)unused;
    for (size_t j = 0; j < sizeof(cfgs) / sizeof(cfgs[0]); j++)
        check_like_plain(&cfgs[j], 100 + j);
}

/* The same numbers whatever the number of threads, to the bit. */
static void
test_als_threads(void **unused)
{
    const struct als_cfg cfgs[] = {
        {.k = 6, .lambda = 0.1, .alpha = 40},
        {.k = 5, .lambda = 0.1, .alpha = 10, .implicit = 1},
    };
    struct inter d;

    (void)unused;
    inter_random(&d, 400, 300, 0.05, 0, 7);
    for (size_t j = 0; j < 2; j++) {
        struct run r1, r5;
        struct factors f1, f5;
        must_fit(&r1, "als", &d, cfg_words(&cfgs[j], 3, 1), 3);
        must_fit(&r5, "als", &d, cfg_words(&cfgs[j], 3, 5), 3);
        als_factors(&r1, &f1);
        als_factors(&r5, &f5);
        assert_memory_equal(f1.X, f5.X, f1.n_users * f1.k * sizeof(double));
        assert_memory_equal(f1.Y, f5.Y, f1.n_items * f1.k * sizeof(double));
        assert_memory_equal(&r1.step.values[0], &r5.step.values[0], sizeof(double));
        factors_free(&f1);
        factors_free(&f5);
        run_release(&r1);
        run_release(&r5);
    }
    inter_free(&d);
}

/* Each sweep lowers the objective (exact minimisation, block by block). */
static void
test_als_monotone(void **unused)
{
    const char *gen[] = {"users=300", "items=120", "density=0.08", "seed=2", NULL};
    const char *gen_imp[] = {"users=300", "items=120",         "density=0.08",
                             "seed=2",    "feedback=implicit", NULL};
    const struct als_cfg cfgs[] = {
        {.k = 8, .lambda = 0.05, .alpha = 40},
        {.k = 8, .lambda = 0.5, .alpha = 40, .count = 1},
        {.k = 8, .lambda = 0.1, .alpha = 40, .implicit = 1},
    };

    (void)unused;
    for (size_t j = 0; j < 3; j++) {
        struct inter d;
        struct run r;
        inter_gen(&d, cfgs[j].implicit ? gen_imp : gen);
        must_fit(&r, "als", &d, cfg_words(&cfgs[j], 20, 2), 1);
        assert_int_equal(r.iterations, 20);
        for (int s = 1; s < 20; s++)
            if (!(r.losses[s] <= r.losses[s - 1] * (1 + 1e-13)))
                fail_msg("config %zu: the loss rose at sweep %d: %.17g after %.17g", j, s + 1,
                         r.losses[s], r.losses[s - 1]);
        assert_true(r.losses[19] < 0.9 * r.losses[0]);
        if (!cfgs[j].implicit)
            assert_true(step_get(&r.step, "rmse") > 0);
        else
            assert_false(step_has(&r.step, "rmse"));
        run_release(&r);
        inter_free(&d);
    }
}

/* ---------------------------------------------------------------------------
 * Quality on gen:ratings: held-out pairs.
 */

/* Every FOLD-th pair of each user (in row order) into TEST, the rest into TRAIN. */
static void
split_by_user(const struct inter *all, size_t fold, struct inter *train, struct inter *test)
{
    size_t *seen = xcalloc(all->n_users, sizeof(size_t));

    memset(train, 0, sizeof(*train));
    memset(test, 0, sizeof(*test));
    train->n_users = test->n_users = all->n_users;
    train->n_items = test->n_items = all->n_items;
    for (size_t j = 0; j < all->n; j++) {
        size_t u = (size_t)all->X[2 * j];
        inter_add(++seen[u] % fold == 0 ? test : train, all->X[2 * j], all->X[2 * j + 1],
                  all->y[j]);
    }
    free(seen);
}

/* Root mean squared error of R's predictions on the pairs of TEST. */
static double
heldout_rmse(const struct run *r, const struct inter *test)
{
    double *out = xcalloc(test->n, sizeof(double)), sse = 0;

    assert_int_equal(r->type->predict(r->state, test->n, test->X, 2, out), AIWB_OK);
    for (size_t j = 0; j < test->n; j++)
        sse += (out[j] - test->y[j]) * (out[j] - test->y[j]);
    free(out);
    return sqrt(sse / (double)test->n);
}

/* Precision and recall at K of R's recommendations against the held-out
 * pairs of TEST with a value of at least RELEVANT, over the users with one. */
static void
heldout_ranking(const struct run *r, const struct inter *test, double relevant, size_t k,
                double *precision, double *recall)
{
    const size_t nu = test->n_users;
    size_t *nrel = xcalloc(nu, sizeof(size_t)), users = 0;
    unsigned char *rel = xcalloc(nu * test->n_items, 1);
    int32_t *items = xcalloc(k, sizeof(int32_t));
    double *scores = xcalloc(k, sizeof(double));

    *precision = *recall = 0;
    for (size_t j = 0; j < test->n; j++) {
        if (test->y[j] < relevant)
            continue;
        size_t u = (size_t)test->X[2 * j], i = (size_t)test->X[2 * j + 1];
        rel[u * test->n_items + i] = 1;
        nrel[u]++;
    }
    for (size_t u = 0; u < nu; u++) {
        if (nrel[u] == 0)
            continue;
        int n = r->type->recommend(r->state, (int32_t)u, NULL, 0, k, items, scores);
        size_t hits = 0;
        assert_true(n >= 0 && (size_t)n <= k);
        for (int q = 0; q < n; q++)
            hits += rel[u * test->n_items + (size_t)items[q]];
        *precision += (double)hits / (double)k;
        *recall += (double)hits / (double)nrel[u];
        users++;
    }
    *precision /= (double)users;
    *recall /= (double)users;
    free(nrel);
    free(rel);
    free(items);
    free(scores);
}

/* ---------------------------------------------------------------------------
 * als: fold-in.
 */

/* The rows of D with user (not) U into OUT (same levels). */
static void
rows_of_user(const struct inter *d, double u, int keep, struct inter *out)
{
    memset(out, 0, sizeof(*out));
    out->n_users = d->n_users;
    out->n_items = d->n_items;
    for (size_t j = 0; j < d->n; j++)
        if ((d->X[2 * j] == u) == keep)
            inter_add(out, d->X[2 * j], d->X[2 * j + 1], d->y[j]);
}

/* How a fold-in compares with full retrains. */
struct foldin_diff {
    double all;   /* RMS of the score differences over all items / RMS of the scores */
    double own;   /* the same over the user's own items */
    double seeds; /* "all" between two full retrains from different seeds */
    int overlap;  /* items the two top-10 recommendations share */
};

/* RMS(score of A - score of B) / RMS(score of B) for user H over N items I. */
static double
score_diff(const struct run *a, const struct run *b, double h, const double *items, size_t n,
           size_t stride)
{
    double sd = 0, ss = 0;

    for (size_t j = 0; j < n; j++) {
        double i = items != NULL ? items[j * stride] : (double)j;
        double x = score(a, h, i), y = score(b, h, i);
        sd += (x - y) * (x - y);
        ss += y * y;
    }
    return sqrt(sd / ss);
}

/*
 * Hold a user out of training (the first from H on with five pairs or
 * more), fold it in with update(), and compare its
 * factors with the exact solve written here (item factors as trained);
 * then compare the fold-in with a full retrain that includes H (into *DIFF).
 */
static void
check_foldin(const struct als_cfg *c, const char *const *gen, double h, struct foldin_diff *diff)
{
    struct inter all, train, hold;
    struct run r, full, other;
    struct factors before, after;
    struct dense D;
    int32_t top_a[10], top_b[10];
    double x[64], sc[10];
    int na, nb;

    inter_gen(&all, gen);
    for (;; h++) { /* the first user from H on with five pairs or more */
        assert_true(h < (double)all.n_users);
        rows_of_user(&all, h, 1, &hold);
        if (hold.n >= 5)
            break;
        inter_free(&hold);
    }
    rows_of_user(&all, h, 0, &train);
    must_fit(&r, "als", &train, cfg_words(c, 15, 2), 11);
    als_factors(&r, &before);
    for (size_t a = 0; a < c->k; a++)
        assert_true(before.X[(size_t)h * c->k + a] == 0); /* no pairs yet: zero factors */
    assert_int_equal(run_update(&r, &hold), AIWB_OK);
    als_factors(&r, &after);

    /* The exact solve with the item factors fixed. */
    dense_make(&D, &all, c->implicit);
    plain_row(c, &D, 0, (size_t)h, x, after.Y, D.ni);
    assert_close(after.X + (size_t)h * c->k, x, c->k, 1e-10);
    /* Nothing else moved: the other users, and every item (all had pairs). */
    assert_memory_equal(after.Y, before.Y, before.n_items * c->k * sizeof(double));
    assert_memory_equal(after.X, before.X, (size_t)h * c->k * sizeof(double));
    assert_memory_equal(after.X + ((size_t)h + 1) * c->k, before.X + ((size_t)h + 1) * c->k,
                        (before.n_users - (size_t)h - 1) * c->k * sizeof(double));

    /* Full retrains with H included. */
    must_fit(&full, "als", &all, cfg_words(c, 15, 2), 11);
    must_fit(&other, "als", &all, cfg_words(c, 15, 2), 12);
    diff->all = score_diff(&r, &full, h, NULL, all.n_items, 0);
    diff->own = score_diff(&r, &full, h, hold.X + 1, hold.n, 2);
    diff->seeds = score_diff(&other, &full, h, NULL, all.n_items, 0);
    na = r.type->recommend(r.state, (int32_t)h, NULL, 0, 10, top_a, sc);
    nb = full.type->recommend(full.state, (int32_t)h, NULL, 0, 10, top_b, sc);
    assert_int_equal(na, 10);
    assert_int_equal(nb, 10);
    diff->overlap = 0;
    for (int p = 0; p < na; p++)
        for (int q = 0; q < nb; q++)
            diff->overlap += top_a[p] == top_b[q];
    run_release(&other);
    run_release(&full);
    dense_free(&D);
    factors_free(&before);
    factors_free(&after);
    run_release(&r);
    inter_free(&all);
    inter_free(&train);
    inter_free(&hold);
}

static void
test_als_foldin(void **unused)
{
    const char *gen[] = {"users=300", "items=100", "density=0.2", "seed=5", NULL};
    const char *gen_imp[] = {"users=300", "items=100",         "density=0.2",
                             "seed=5",    "feedback=implicit", NULL};
    const struct als_cfg ex = {.k = 5, .lambda = 0.1, .alpha = 40, .count = 1};
    const struct als_cfg im = {.k = 5, .lambda = 0.1, .alpha = 40, .implicit = 1};
    struct foldin_diff de, di;

    (void)unused;
    check_foldin(&ex, gen, 17, &de);
    check_foldin(&im, gen_imp, 23, &di);
    print_message("# fold-in against a full retrain, RMS score difference / RMS score over all "
                  "items (own items; two retrains from other seeds), top-10 shared:\n"
                  "#   explicit %.3g (%.3g; %.3g), %d of 10; implicit %.3g (%.3g; %.3g), "
                  "%d of 10\n",
                  de.all, de.own, de.seeds, de.overlap, di.all, di.own, di.seeds, di.overlap);
    /* Little: within 5%, or less than retraining from another seed changes anyway. */
    assert_true(de.all < fmax(0.05, de.seeds) && de.overlap >= 8);
    assert_true(di.all < fmax(0.05, di.seeds) && di.overlap >= 8);
}

/*
 * update() with a changed user (a new rating of a pair it has, two new
 * items), a new user and a new item past the fitted levels: the users the
 * rows name are solved with the old item factors, then the new item with
 * the new user factors, then its users again with the final item factors,
 * all exactly; nothing else moves.
 */
static void
check_update_new(const struct als_cfg *c)
{
    struct inter d, up, merged;
    struct run r;
    struct factors before, after;
    struct dense D;
    double x[64], *Y0, *X1;
    int32_t items[64];
    double sc[64];
    size_t u5 = 0;
    int n;

    inter_random(&d, 30, 20, 0.3, c->implicit, 31);
    must_fit(&r, "als", &d, cfg_words(c, 5, 2), 4);
    als_factors(&r, &before);

    /* user 5: its first pair again (rated anew, or once more), and two items it lacks */
    memset(&up, 0, sizeof(up));
    up.n_users = 31;
    up.n_items = 21;
    while (d.X[2 * u5] != 5)
        u5++;
    inter_add(&up, 5, d.X[2 * u5 + 1], c->implicit ? 2 : 1);
    for (double i = 1, added = 0; added < 2; i++) {
        int has = 0;
        for (size_t j = 0; j < d.n; j++)
            has |= d.X[2 * j] == 5 && d.X[2 * j + 1] == i;
        if (!has) {
            inter_add(&up, 5, i, c->implicit ? 1 : 4);
            added++;
        }
    }
    inter_add(&up, 30, 1, c->implicit ? 1 : 5); /* a new user */
    inter_add(&up, 30, 2, c->implicit ? 3 : 2);
    inter_add(&up, 30, 20, 1); /* ... and a new item */
    inter_add(&up, 7, 20, c->implicit ? 1 : 4);
    assert_int_equal(run_update(&r, &up), AIWB_OK);
    als_factors(&r, &after);
    assert_int_equal(after.n_users, 31);
    assert_int_equal(after.n_items, 21);

    /* what the plugin should have: all rows, in order */
    merged = d;
    merged.X = xcalloc(2 * (d.n + up.n), sizeof(double));
    merged.y = xcalloc(d.n + up.n, sizeof(double));
    merged.cap = merged.n = 0;
    merged.n_users = 31;
    merged.n_items = 21;
    for (size_t j = 0; j < d.n; j++)
        inter_add(&merged, d.X[2 * j], d.X[2 * j + 1], d.y[j]);
    for (size_t j = 0; j < up.n; j++)
        inter_add(&merged, up.X[2 * j], up.X[2 * j + 1], up.y[j]);
    dense_make(&D, &merged, c->implicit);
    /* first the users the rows name, with the item factors as they were
     * (the new item's zero) */
    Y0 = xcalloc(21 * c->k, sizeof(double));
    memcpy(Y0, before.Y, 20 * c->k * sizeof(double));
    X1 = xcalloc(31 * c->k, sizeof(double));
    memcpy(X1, before.X, 30 * c->k * sizeof(double));
    const double users[] = {5, 7, 30};
    for (size_t j = 0; j < 3; j++)
        plain_row(c, &D, 0, (size_t)users[j], X1 + (size_t)users[j] * c->k, Y0, 21);
    /* then the new item with those user factors */
    plain_row(c, &D, 1, 20, x, X1, 31);
    assert_close(after.Y + 20 * c->k, x, c->k, 1e-10);
    /* then the users of the new item again, against the item factors as they end */
    assert_close(after.X + 5 * c->k, X1 + 5 * c->k, c->k, 1e-10);
    for (size_t j = 1; j < 3; j++) {
        size_t u = (size_t)users[j];
        plain_row(c, &D, 0, u, x, after.Y, 21);
        assert_close(after.X + u * c->k, x, c->k, 1e-10);
    }
    assert_memory_equal(after.Y, before.Y, 20 * c->k * sizeof(double));
    assert_memory_equal(after.X, before.X, 5 * c->k * sizeof(double));
    assert_memory_equal(after.X + 8 * c->k, before.X + 8 * c->k, 22 * c->k * sizeof(double));

    /* the new pair scores as the factors say; the new user gets only items it lacks */
    double dot = 0;
    for (size_t a = 0; a < c->k; a++)
        dot += after.X[30 * c->k + a] * after.Y[20 * c->k + a];
    assert_true(score(&r, 30, 20) == dot);
    n = r.type->recommend(r.state, 30, NULL, 0, 64, items, sc);
    assert_int_equal(n, 21 - 1 - 3); /* item 0 has no pair; the user has three */
    for (int q = 0; q < n; q++)
        assert_true(items[q] != 1 && items[q] != 2 && items[q] != 20 && items[q] != 0);

    free(Y0);
    free(X1);
    dense_free(&D);
    inter_free(&merged);
    inter_free(&up);
    factors_free(&before);
    factors_free(&after);
    run_release(&r);
    inter_free(&d);
}

static void
test_als_update_new(void **unused)
{
    const struct als_cfg ex = {.k = 3, .lambda = 0.1, .alpha = 40};
    const struct als_cfg exc = {.k = 4, .lambda = 0.1, .alpha = 40, .count = 1};
    const struct als_cfg im = {.k = 3, .lambda = 0.1, .alpha = 10, .implicit = 1};

    (void)unused;
    check_update_new(&ex);
    check_update_new(&exc);
    check_update_new(&im);
}

/* ---------------------------------------------------------------------------
 * als: cold start, recommendations, save and load, the report, refusals.
 */

/* Users 0..3 and items 0..3 with pairs; user 4 and item 4 without. */
static void
inter_small(struct inter *d)
{
    static const double rows[][3] = {{0, 0, 5}, {0, 1, 3}, {1, 0, 4}, {1, 2, 2},
                                     {2, 1, 1}, {2, 3, 5}, {3, 3, 4}};

    memset(d, 0, sizeof(*d));
    d->n_users = d->n_items = 5;
    for (size_t j = 0; j < sizeof(rows) / sizeof(rows[0]); j++)
        inter_add(d, rows[j][0], rows[j][1], rows[j][2]);
}

/* recommend() must give exactly these N items. */
static void
expect_items(const struct run *r, int32_t user, const int32_t *excl, size_t n_excl, size_t k,
             const int32_t *want, int n)
{
    int32_t got[16];
    double sc[16];
    int m = r->type->recommend(r->state, user, excl, n_excl, k, got, sc);

    assert_int_equal(m, n);
    for (int q = 0; q < n; q++)
        if (got[q] != want[q])
            fail_msg("user %d: item %d is %d, want %d", user, q, got[q], want[q]);
}

static void
test_als_cold(void **unused)
{
    const char *ex[] = {"factors=2", NULL}, *im[] = {"factors=2", "implicit=true", NULL};
    struct inter d;
    struct run r;

    (void)unused;
    inter_small(&d);
    must_fit(&r, "als", &d, ex, 1);
    /* an unknown user: the item's mean rating */
    tu_assert_rel(score(&r, 4, 0), 4.5, 0);
    tu_assert_rel(score(&r, -1, 2), 2.0, 0);
    tu_assert_rel(score(&r, NAN, 3), 4.5, 0);
    tu_assert_rel(score(&r, 99, 1), 2.0, 0);
    tu_assert_rel(score(&r, 1.5, 0), 4.5, 0);
    /* an unknown item: the user's mean rating; both: the mean of all */
    tu_assert_rel(score(&r, 0, 4), 4.0, 0);
    tu_assert_rel(score(&r, 1, 77), 3.0, 0);
    tu_assert_rel(score(&r, 4, 4), 24.0 / 7, 1e-15);
    tu_assert_rel(score(&r, -1, -1), 24.0 / 7, 1e-15);
    /* a cold user's list: by mean rating, ties by code, never item 4 */
    expect_items(&r, 4, NULL, 0, 10, (const int32_t[]){0, 3, 1, 2}, 4);
    expect_items(&r, -1, (const int32_t[]){3}, 1, 10, (const int32_t[]){0, 1, 2}, 3);
    expect_items(&r, 12345, NULL, 0, 2, (const int32_t[]){0, 3}, 2);
    run_release(&r);

    must_fit(&r, "als", &d, im, 1);
    /* an unknown user: the item's share of the users; an unknown item: 0 */
    tu_assert_rel(score(&r, 4, 0), 0.5, 0);
    tu_assert_rel(score(&r, -1, 2), 0.25, 0);
    tu_assert_rel(score(&r, 0, 4), 0.0, 0);
    tu_assert_rel(score(&r, 4, 4), 0.0, 0);
    expect_items(&r, 4, NULL, 0, 10, (const int32_t[]){0, 1, 3, 2}, 4);
    run_release(&r);
    inter_free(&d);
}

/* recommend() is predict() sorted, less the user's items and EXCLUDE. */
static void
test_als_recommend(void **unused)
{
    const char *w[] = {"factors=4", NULL};
    const int32_t excl[] = {-5, 3, 3, 11, 40, 1000};
    struct inter d;
    struct run r;

    (void)unused;
    inter_random(&d, 40, 45, 0.2, 0, 9);
    must_fit(&r, "als", &d, w, 1);
    for (int32_t u = 1; u < 40; u += 7) {
        int32_t got[64], want[64];
        double gs[64], ws[64];
        unsigned char skip[45] = {1}; /* item 0 has no pair */
        int n = 0, m;
        for (size_t j = 0; j < d.n; j++)
            if (d.X[2 * j] == u)
                skip[(size_t)d.X[2 * j + 1]] = 1;
        skip[3] = skip[11] = skip[40] = 1;
        for (int32_t i = 0; i < 45; i++) {
            if (skip[i])
                continue;
            /* insertion by score, then code */
            double s = score(&r, u, i);
            int at = n++;
            while (at > 0 && (ws[at - 1] < s || (ws[at - 1] == s && want[at - 1] > i))) {
                ws[at] = ws[at - 1];
                want[at] = want[at - 1];
                at--;
            }
            ws[at] = s;
            want[at] = i;
        }
        m = r.type->recommend(r.state, u, excl, 6, 7, got, gs);
        assert_int_equal(m, 7);
        assert_memory_equal(got, want, 7 * sizeof(int32_t));
        assert_memory_equal(gs, ws, 7 * sizeof(double));
        m = r.type->recommend(r.state, u, excl, 6, 64, got, gs);
        assert_int_equal(m, n);
        assert_memory_equal(got, want, (size_t)n * sizeof(int32_t));
        assert_int_equal(r.type->recommend(r.state, u, NULL, 0, 0, got, gs), 0);
    }
    run_release(&r);
    inter_free(&d);
}

static void
test_als_save_load(void **unused)
{
    const char *w[] = {"factors=3", "max_iter=4", "threads=3", NULL};
    struct inter d, up;
    struct run r;
    unsigned char *blob;
    size_t len;
    void *copy;
    char *cause = NULL;

    (void)unused;
    inter_random(&d, 25, 20, 0.3, 0, 12);
    must_fit(&r, "als", &d, w, 8);
    blob = save_blob(&r, &len);
    assert_int_equal(load_blob(&r, blob, len, 1, &copy, &cause), AIWB_OK);
    {
        struct run back = r;
        back.state = copy;
        double *a = xcalloc(25 * 22, sizeof(double)), *b = xcalloc(25 * 22, sizeof(double));
        double *X = xcalloc(2 * 25 * 22, sizeof(double));
        for (size_t u = 0; u < 25; u++)
            for (size_t i = 0; i < 22; i++) {
                X[2 * (u * 22 + i)] = (double)u;
                X[2 * (u * 22 + i) + 1] = (double)i;
            }
        assert_int_equal(r.type->predict(r.state, 25 * 22, X, 2, a), AIWB_OK);
        assert_int_equal(r.type->predict(copy, 25 * 22, X, 2, b), AIWB_OK);
        assert_memory_equal(a, b, 25 * 22 * sizeof(double));
        /* the same update on both: the same model, to the bit */
        memset(&up, 0, sizeof(up));
        up.n_users = 26;
        up.n_items = 20;
        inter_add(&up, 25, 3, 4);
        inter_add(&up, 25, 4, 2);
        inter_add(&up, 2, 3, 1);
        assert_int_equal(run_update(&r, &up), AIWB_OK);
        assert_int_equal(run_update(&back, &up), AIWB_OK);
        struct factors f1, f2;
        als_factors(&r, &f1);
        als_factors(&back, &f2);
        assert_int_equal(f1.n_users, 26);
        assert_memory_equal(f1.X, f2.X, f1.n_users * f1.k * sizeof(double));
        assert_memory_equal(f1.Y, f2.Y, f1.n_items * f1.k * sizeof(double));
        factors_free(&f1);
        factors_free(&f2);
        /* the report survives too */
        struct aiwb_table *t = table_new(NULL);
        assert_int_equal(r.type->report(copy, t), AIWB_OK);
        assert_string_equal(t->title, "als: explicit ratings");
        assert_string_equal(table_cell(t, 5, 0)->v.s, "sweeps");
        assert_true(table_cell(t, 5, 1)->v.r == 4);
        table_free(t);
        inter_free(&up);
        free(a);
        free(b);
        free(X);
        r.type->fini(copy);
        free(copy);
        free(back.cause);
    }

    /* Refusals: another version, a short blob, missing and inconsistent values. */
    assert_int_equal(load_blob(&r, blob, len, 2, &copy, &cause), AIWB_ENOTSUP);
    assert_string_equal(cause, "als: cannot read a model saved with state version 2 (this "
                               "plugin reads version 1)");
    free(copy);
    free(cause);
    cause = NULL;
    assert_null(reader_open(blob, len - 3, &cause));
    free(cause);
    cause = NULL;
    free(blob);

    struct aiwb_writer *wr = writer_new();
    codec_put_int(wr, "factors", 2);
    codec_put_real(wr, "lambda", 0.1);
    codec_put_str(wr, "lambda_scale", "count");
    codec_put_int(wr, "implicit", 0);
    codec_put_real(wr, "alpha", 40);
    codec_put_int(wr, "max_iter", 15);
    codec_put_real(wr, "tol", 0);
    codec_put_int(wr, "threads", 2);
    blob = codec_seal(wr, &len);
    assert_int_equal(load_blob(&r, blob, len, 1, &copy, &cause), AIWB_EDATA);
    assert_string_equal(cause, "als: the saved model is corrupt or incomplete (reading 'items')");
    r.type->fini(copy);
    free(copy);
    free(cause);
    cause = NULL;
    free(blob);
    codec_put_int(wr, "items", 3);
    codec_put_ints(wr, "user_pairs", 2, (const int64_t[]){2, 1});
    codec_put_ints(wr, "pair_items", 3, (const int64_t[]){2, 1, 0}); /* not ascending */
    blob = codec_seal(wr, &len);
    assert_int_equal(load_blob(&r, blob, len, 1, &copy, &cause), AIWB_EDATA);
    assert_string_equal(cause, "als: the saved model is corrupt or incomplete (reading "
                               "'pair_items')");
    r.type->fini(copy);
    free(copy);
    free(cause);
    cause = NULL;
    free(blob);
    writer_free(wr);

    wr = writer_new();
    codec_put_int(wr, "factors", 2);
    codec_put_real(wr, "lambda", 0.1);
    codec_put_str(wr, "lambda_scale", "count");
    codec_put_int(wr, "implicit", 0);
    codec_put_real(wr, "alpha", 40);
    codec_put_int(wr, "max_iter", 15);
    codec_put_real(wr, "tol", 0);
    codec_put_int(wr, "threads", 2);
    codec_put_int(wr, "items", 3);
    codec_put_ints(wr, "user_pairs", 2, (const int64_t[]){2, 1});
    codec_put_ints(wr, "pair_items", 3, (const int64_t[]){1, 2, 0});
    codec_put_reals(wr, "pair_values", 3, (const double[]){1, 2, 3});
    codec_put_reals(wr, "user_factors", 3, (const double[]){1, 2, 3}); /* 2 x 2 wanted */
    blob = codec_seal(wr, &len);
    writer_free(wr);
    assert_int_equal(load_blob(&r, blob, len, 1, &copy, &cause), AIWB_EDATA);
    assert_string_equal(cause, "als: the saved model is corrupt or incomplete (reading "
                               "'user_factors')");
    r.type->fini(copy);
    free(copy);
    free(cause);
    free(blob);
    run_release(&r);
    inter_free(&d);
}

static void
test_als_report(void **unused)
{
    const char *w[] = {"factors=3", "implicit=yes", "alpha=2", "max_iter=50", "tol=1e-3", NULL};
    struct inter d;
    struct run r;
    struct aiwb_table *t = table_new(NULL);

    (void)unused;
    inter_random(&d, 30, 20, 0.3, 1, 5);
    must_fit(&r, "als", &d, w, 1);
    assert_true(r.iterations < 50);
    assert_true(step_get(&r.step, "converged") == 1);
    assert_int_equal(r.type->report(r.state, t), AIWB_OK);
    assert_string_equal(t->title, "als: implicit feedback");
    const char *names[] = {"users",  "items", "pairs",  "factors",
                           "lambda", "alpha", "sweeps", "loss"};
    const double values[] = {30,  20, (double)d.n,  3,
                             0.1, 2,  r.iterations, step_get(&r.step, "loss")};
    assert_int_equal(table_rows(t), 8);
    for (size_t j = 0; j < 8; j++) {
        assert_string_equal(table_cell(t, j, 0)->v.s, names[j]);
        tu_assert_rel(table_cell(t, j, 1)->v.r, values[j], 0);
    }
    assert_int_equal(t->nnotes, 2);
    assert_contains(t->notes[0], "(lambda_scale=none)");
    assert_contains(t->notes[1], "Converged after");
    table_free(t);
    assert_int_equal(r.type->n_outputs(r.state), 1);
    run_release(&r);
    inter_free(&d);
}

/* init on D with WORDS must fail with RC and a cause containing WANT. */
static void
expect_refusal(const char *name, const struct inter *d, const char *const *words, int rc,
               const char *want)
{
    struct run r;
    int got = run_fit(&r, name, d, words, 1);

    if (got != rc)
        fail_msg("%s: status %d, want %d (%s)", name, got, rc, r.cause ? r.cause : "");
    assert_contains(r.cause, want);
    run_release(&r);
}

static void
test_als_refusals(void **unused)
{
    struct inter d, bad;
    struct run r;
    struct aiwb_step step = {0};
    double out;
    int32_t items[4];
    char *cause = NULL;

    (void)unused;
    inter_small(&d);
    /* the shape */
    assert_int_equal(run_init(&r, "als", &d, NULL, 1), AIWB_OK);
    r.type->fini(r.state);
    memset(r.state, 0, r.type->state_size);
    r.prob.p = 1;
    assert_int_equal(r.type->init(r.state, r.opts, &r.prob, &cause), AIWB_EINVAL);
    assert_string_equal(cause, "als: needs two categorical features, the user and the item (got "
                               "1 feature)");
    free(cause);
    cause = NULL;
    r.prob.p = 2;
    r.levels[1] = 0;
    assert_int_equal(r.type->init(r.state, r.opts, &r.prob, &cause), AIWB_EINVAL);
    assert_string_equal(cause, "als: the item 'item' must be categorical (codes), not numeric");
    free(cause);
    cause = NULL;
    r.levels[1] = 5;
    r.prob.n = 0;
    assert_int_equal(r.type->init(r.state, r.opts, &r.prob, &cause), AIWB_EDATA);
    assert_string_equal(cause, "als: there are no interactions to learn from");
    free(cause);
    cause = NULL;
    /* nothing to use before training */
    assert_int_equal(r.type->iterate(r.state, &r.prob, &step, &cause), AIWB_EINVAL);
    assert_string_equal(cause, "als: iterate without a successful init");
    free(cause);
    cause = NULL;
    assert_int_equal(r.type->finish(r.state, &r.prob, &cause), AIWB_EINVAL);
    assert_string_equal(cause, "als: finish without a successful init");
    free(cause);
    cause = NULL;
    assert_int_equal(r.type->predict(r.state, 1, d.X, 2, &out), AIWB_EINVAL);
    assert_int_equal(r.type->recommend(r.state, 0, NULL, 0, 4, items, &out), AIWB_EINVAL);
    assert_int_equal(r.type->report(r.state, NULL), AIWB_EINVAL);
    assert_int_equal(r.type->save(r.state, NULL), AIWB_EINVAL);
    r.prob.n = d.n;
    assert_int_equal(r.type->init(r.state, r.opts, &r.prob, &cause), AIWB_OK);
    assert_int_equal(r.type->update(r.state, &r.prob, &cause), AIWB_EINVAL);
    assert_string_equal(cause, "als: update needs a trained model");
    free(cause);
    run_release(&r);

    /* bad rows */
    struct {
        double u, i, y;
        const char *args, *want;
    } rows[] = {
        {2.5, 1, 3, NULL, "als: row 8: the user code 2.5 is not one of 0..4"},
        {-1, 1, 3, NULL, "als: row 8: the user code -1 is not one of 0..4"},
        {1, 5, 3, NULL, "als: row 8: the item code 5 is not one of 0..4"},
        {NAN, 1, 3, NULL, "als: row 8 has no user"},
        {1, NAN, 3, NULL, "als: row 8 has no item"},
        {1, 1, NAN, NULL, "als: row 8: the rating nan is not a finite number"},
        {1, 1, INFINITY, NULL, "als: row 8: the rating inf is not a finite number"},
        {1, 1, -1, "implicit=true",
         "als: row 8: the interaction strength -1 is not a finite number >= 0 (implicit "
         "feedback)"},
    };
    for (size_t j = 0; j < sizeof(rows) / sizeof(rows[0]); j++) {
        const char *words[] = {rows[j].args, NULL};
        inter_small(&bad);
        inter_add(&bad, rows[j].u, rows[j].i, rows[j].y);
        expect_refusal("als", &bad, words, AIWB_EDATA, rows[j].want);
        inter_free(&bad);
    }

    /* lambda=0: a user with one rating and two factors has a singular system */
    const char *singular[] = {"factors=2", "lambda=0", NULL};
    expect_refusal("als", &d, singular, AIWB_ENUMERIC,
                   "als: cannot solve for the factors of user code 3: its normal equations are "
                   "not positive definite (lambda=0); use lambda > 0");

    /* a refused update leaves the model as it was */
    const char *w[] = {"factors=2", NULL};
    double before[25], after[25], X[50];
    must_fit(&r, "als", &d, w, 1);
    for (size_t j = 0; j < 25; j++) {
        X[2 * j] = (double)(j / 5);
        X[2 * j + 1] = (double)(j % 5);
    }
    r.type->predict(r.state, 25, X, 2, before);
    memset(&bad, 0, sizeof(bad));
    bad.n_users = bad.n_items = 6;
    inter_add(&bad, 5, 5, 3);
    inter_add(&bad, 1, 7, 3);
    assert_int_equal(run_update(&r, &bad), AIWB_EDATA);
    assert_string_equal(r.cause, "als: row 2: the item code 7 is not one of 0..5");
    r.type->predict(r.state, 25, X, 2, after);
    assert_memory_equal(before, after, sizeof(before));
    inter_free(&bad);
    memset(&bad, 0, sizeof(bad));
    bad.n_users = bad.n_items = 5;
    assert_int_equal(run_update(&r, &bad), AIWB_OK); /* no rows: nothing to do */
    run_release(&r);

    inter_free(&d);

    /* a fold-in that cannot be solved leaves the model as it was too */
    inter_random(&d, 10, 8, 0.9, 0, 3);
    must_fit(&r, "als", &d, singular, 1);
    double b2[80], a2[80], X2[160];
    for (size_t j = 0; j < 80; j++) {
        X2[2 * j] = (double)(j / 8);
        X2[2 * j + 1] = (double)(j % 8);
    }
    r.type->predict(r.state, 80, X2, 2, b2);
    memset(&bad, 0, sizeof(bad));
    bad.n_users = 11;
    bad.n_items = 8;
    inter_add(&bad, 10, 3, 4);
    assert_int_equal(run_update(&r, &bad), AIWB_ENUMERIC);
    assert_string_equal(r.cause, "als: cannot solve for the factors of user code 10: its normal "
                                 "equations are not positive definite (lambda=0); use lambda > 0");
    r.type->predict(r.state, 80, X2, 2, a2);
    assert_memory_equal(b2, a2, sizeof(b2));
    tu_assert_rel(score(&r, 10, 3), score(&r, -1, 3), 0); /* still a stranger */
    inter_free(&bad);
    run_release(&r);
    inter_free(&d);
}

/* ---------------------------------------------------------------------------
 * itemknn against brute force; update against retraining.
 */

/* Dense item-item neighbour weights W (ni x ni) computed the plain way. */
static double *
brute_neighbours(const struct dense *D, size_t K, int weighted)
{
    const size_t nu = D->nu, ni = D->ni;
    double *W = xcalloc(ni * ni, sizeof(double)), *norm = xcalloc(ni, sizeof(double));
    double *sim = xcalloc(ni, sizeof(double));
    int32_t *order = xcalloc(ni, sizeof(int32_t));

    for (size_t i = 0; i < ni; i++) {
        double s = 0;
        for (size_t u = 0; u < nu; u++) {
            double v = D->M[u * ni + i] ? (weighted ? D->R[u * ni + i] : 1.0) : 0.0;
            s += v * v;
        }
        norm[i] = sqrt(s);
    }
    for (size_t i = 0; i < ni; i++) {
        size_t n = 0;
        for (size_t j = 0; j < ni; j++) {
            double dot = 0;
            int shared = 0;
            if (j == i)
                continue;
            for (size_t u = 0; u < nu; u++) {
                if (!D->M[u * ni + i] || !D->M[u * ni + j])
                    continue;
                dot += (weighted ? D->R[u * ni + i] : 1.0) * (weighted ? D->R[u * ni + j] : 1.0);
                shared = 1;
            }
            if (!shared || !(dot / (norm[i] * norm[j]) > 0))
                continue;
            sim[j] = dot / (norm[i] * norm[j]);
            /* insertion by similarity, then code */
            size_t at = n++;
            while (at > 0 && (sim[order[at - 1]] < sim[j] ||
                              (sim[order[at - 1]] == sim[j] && order[at - 1] > (int32_t)j))) {
                order[at] = order[at - 1];
                at--;
            }
            order[at] = (int32_t)j;
        }
        for (size_t q = 0; q < n && q < K; q++)
            W[i * ni + (size_t)order[q]] = sim[order[q]];
    }
    free(order);
    free(sim);
    free(norm);
    return W;
}

/* Every (user, item) pair of NU x NI as rows (a new array). */
static double *
all_pairs(size_t nu, size_t ni)
{
    double *X = xcalloc(2 * nu * ni, sizeof(double));

    for (size_t u = 0; u < nu; u++)
        for (size_t i = 0; i < ni; i++) {
            X[2 * (u * ni + i)] = (double)u;
            X[2 * (u * ni + i) + 1] = (double)i;
        }
    return X;
}

static void
check_knn_brute(const struct inter *d, size_t K, int weighted)
{
    char kw[32];
    const char *words[] = {kw, weighted ? "weighted=true" : "weighted=false", NULL};
    const size_t nu = d->n_users, ni = d->n_items;
    struct dense D;
    struct run r;
    double *W, *X = all_pairs(nu + 1, ni + 1), *got = xcalloc((nu + 1) * (ni + 1), sizeof(double));
    size_t active = 0;

    snprintf(kw, sizeof(kw), "neighbours=%zu", K);
    dense_make(&D, d, 0);
    W = brute_neighbours(&D, K, weighted);
    must_fit(&r, "itemknn", d, words, 1);
    assert_int_equal(r.type->predict(r.state, (nu + 1) * (ni + 1), X, 2, got), AIWB_OK);
    for (size_t u = 0; u < nu; u++) {
        int has = 0;
        for (size_t i = 0; i < ni; i++)
            has |= D.M[u * ni + i];
        active += has;
    }
    for (size_t u = 0; u <= nu; u++) {
        int has = 0;
        for (size_t i = 0; u < nu && i < ni; i++)
            has |= D.M[u * ni + i];
        int32_t want[64], items[64];
        double ws[64], sc[64];
        int n = 0;
        for (size_t j = 0; j <= ni; j++) {
            double s = 0, pop = 0;
            int item_has = 0;
            for (size_t v = 0; j < ni && v < nu; v++) {
                item_has |= D.M[v * ni + j];
                pop += D.M[v * ni + j];
            }
            if (!item_has)
                s = 0;
            else if (!has)
                s = pop / (double)active;
            else
                for (size_t i = 0; i < ni; i++)
                    if (D.M[u * ni + i])
                        s += (weighted ? D.R[u * ni + i] : 1.0) * W[i * ni + j];
            if (got[u * (ni + 1) + j] != s)
                fail_msg("K=%zu weighted=%d: score(%zu, %zu) = %.17g, want %.17g", K, weighted, u,
                         j, got[u * (ni + 1) + j], s);
            /* the recommendations: positive scores of items the user lacks */
            if (j == ni || (u < nu && D.M[u * ni + j]) || !(s > 0))
                continue;
            int at = n++;
            while (at > 0 && (ws[at - 1] < s || (ws[at - 1] == s && want[at - 1] > (int32_t)j))) {
                ws[at] = ws[at - 1];
                want[at] = want[at - 1];
                at--;
            }
            ws[at] = s;
            want[at] = (int32_t)j;
        }
        int m = r.type->recommend(r.state, (int32_t)u, NULL, 0, 64, items, sc);
        assert_int_equal(m, n);
        assert_memory_equal(items, want, (size_t)n * sizeof(int32_t));
        assert_memory_equal(sc, ws, (size_t)n * sizeof(double));
    }
    run_release(&r);
    free(W);
    free(X);
    free(got);
    dense_free(&D);
}

static void
test_itemknn_like_brute(void **unused)
{
    struct inter d;

    (void)unused;
    inter_random(&d, 30, 20, 0.3, 0, 77);
    inter_add(&d, d.X[0], d.X[1], 1); /* a pair again: the last rating counts */
    check_knn_brute(&d, 3, 0);
    check_knn_brute(&d, 3, 1);
    check_knn_brute(&d, 50, 0);
    check_knn_brute(&d, 50, 1);
    inter_free(&d);
}

/* Train NAME on the first rows of D, update with the rest and new users and
 * items: the same scores as training on everything, to the bit. */
static void
check_update_equals_retrain(const char *name, const char *const *words)
{
    struct inter d, first, rest, all;
    struct run r, full;
    double *X, *a, *b;

    inter_random(&d, 40, 30, 0.25, 0, 19);
    memset(&first, 0, sizeof(first));
    memset(&rest, 0, sizeof(rest));
    first.n_users = 40;
    first.n_items = 30;
    rest.n_users = 42;
    rest.n_items = 31;
    for (size_t j = 0; j < d.n; j++)
        inter_add(j < d.n * 3 / 5 ? &first : &rest, d.X[2 * j], d.X[2 * j + 1], d.y[j]);
    inter_add(&rest, first.X[0], first.X[1], 5 - first.y[0] + 1); /* rated anew */
    inter_add(&rest, 40, 3, 4);
    inter_add(&rest, 41, 30, 5);
    inter_add(&rest, 2, 30, 1);
    all = rest;
    all.X = xcalloc(2 * (first.n + rest.n), sizeof(double));
    all.y = xcalloc(first.n + rest.n, sizeof(double));
    all.n = all.cap = 0;
    for (size_t j = 0; j < first.n; j++)
        inter_add(&all, first.X[2 * j], first.X[2 * j + 1], first.y[j]);
    for (size_t j = 0; j < rest.n; j++)
        inter_add(&all, rest.X[2 * j], rest.X[2 * j + 1], rest.y[j]);

    must_fit(&r, name, &first, words, 1);
    assert_int_equal(run_update(&r, &rest), AIWB_OK);
    must_fit(&full, name, &all, words, 1);
    X = all_pairs(43, 32);
    a = xcalloc(43 * 32, sizeof(double));
    b = xcalloc(43 * 32, sizeof(double));
    assert_int_equal(r.type->predict(r.state, 43 * 32, X, 2, a), AIWB_OK);
    assert_int_equal(full.type->predict(full.state, 43 * 32, X, 2, b), AIWB_OK);
    assert_memory_equal(a, b, 43 * 32 * sizeof(double));
    for (int32_t u = 0; u < 43; u++) {
        int32_t ia[40], ib[40];
        double sa[40], sb[40];
        int na = r.type->recommend(r.state, u, NULL, 0, 40, ia, sa);
        int nb = full.type->recommend(full.state, u, NULL, 0, 40, ib, sb);
        assert_int_equal(na, nb);
        assert_memory_equal(ia, ib, (size_t)na * sizeof(int32_t));
    }
    free(X);
    free(a);
    free(b);
    run_release(&r);
    run_release(&full);
    inter_free(&all);
    inter_free(&first);
    inter_free(&rest);
    inter_free(&d);
}

static void
test_update_equals_retrain(void **unused)
{
    const char *k3[] = {"neighbours=3", NULL}, *kw[] = {"weighted=yes", NULL};
    const char *byr[] = {"by=rating", "min_count=2", NULL};

    (void)unused;
    check_update_equals_retrain("itemknn", NULL);
    check_update_equals_retrain("itemknn", k3);
    check_update_equals_retrain("itemknn", kw);
    check_update_equals_retrain("popular", NULL);
    check_update_equals_retrain("popular", byr);
}

static void
test_itemknn_threads(void **unused)
{
    const char *one[] = {"threads=1", "neighbours=7", NULL};
    const char *four[] = {"threads=4", "neighbours=7", NULL};
    struct inter d;
    struct run r1, r4;
    unsigned char *b1, *b4;
    size_t l1, l4;

    (void)unused;
    inter_random(&d, 200, 150, 0.1, 0, 4);
    must_fit(&r1, "itemknn", &d, one, 1);
    must_fit(&r4, "itemknn", &d, four, 1);
    b1 = save_blob(&r1, &l1);
    b4 = save_blob(&r4, &l4);
    /* the saved states differ only in the option threads: compare from "rows" on */
    assert_int_equal(l1, l4);
    assert_true(step_get(&r1.step, "neighbours") > 6);
    size_t diff = 0;
    for (size_t j = 0; j < l1; j++)
        diff += b1[j] != b4[j];
    assert_true(diff <= 5); /* the threads value and the checksum */
    free(b1);
    free(b4);
    run_release(&r1);
    run_release(&r4);
    inter_free(&d);
}

/* ---------------------------------------------------------------------------
 * popular.
 */

static void
test_popular(void **unused)
{
    const char *byr[] = {"by=rating", "min_count=2", NULL};
    struct inter d;
    struct run r;

    (void)unused;
    inter_small(&d);
    inter_add(&d, 3, 2, 5); /* item 2: ratings 2 and 5 */
    /* counts: i0 2, i1 2, i2 2, i3 2: all tied, by code */
    must_fit(&r, "popular", &d, NULL, 1);
    tu_assert_rel(score(&r, 0, 3), 2, 0);
    tu_assert_rel(score(&r, -1, 3), 2, 0);
    tu_assert_rel(score(&r, 0, 4), 0, 0);
    tu_assert_rel(score(&r, 0, 9), 0, 0);
    expect_items(&r, 4, NULL, 0, 10, (const int32_t[]){0, 1, 2, 3}, 4);
    expect_items(&r, 0, NULL, 0, 10, (const int32_t[]){2, 3}, 2);
    expect_items(&r, 0, (const int32_t[]){2}, 1, 10, (const int32_t[]){3}, 1);
    run_release(&r);

    /* by mean rating: i0 4.5, i1 2, i2 3.5, i3 4.5 */
    inter_add(&d, 4, 4, 5); /* item 4: one rating, under min_count */
    must_fit(&r, "popular", &d, byr, 1);
    tu_assert_rel(score(&r, 1, 2), 3.5, 0);
    tu_assert_rel(score(&r, 1, 4), 34.0 / 9, 1e-15); /* too few ratings: the mean of all */
    tu_assert_rel(score(&r, 1, 7), 34.0 / 9, 1e-15);
    expect_items(&r, -1, NULL, 0, 10, (const int32_t[]){0, 3, 2, 1}, 4);
    expect_items(&r, 2, NULL, 0, 2, (const int32_t[]){0, 2}, 2);
    struct aiwb_table *t = table_new(NULL);
    assert_int_equal(r.type->report(r.state, t), AIWB_OK);
    assert_string_equal(t->title, "popular: by mean rating");
    assert_string_equal(table_cell(t, 3, 0)->v.s, "items ranked");
    tu_assert_rel(table_cell(t, 3, 1)->v.r, 4, 0);
    assert_contains(t->notes[0], "fewer than min_count=2 ratings");
    table_free(t);
    run_release(&r);
    inter_free(&d);
}

/* Save, load, and the same scores and lists; then a corrupt state. */
static void
check_round_trip(const char *name, const char *const *words)
{
    struct inter d;
    struct run r;
    unsigned char *blob;
    size_t len;
    void *copy;
    char *cause = NULL;
    double *X = all_pairs(31, 21), *a = xcalloc(31 * 21, sizeof(double));
    double *b = xcalloc(31 * 21, sizeof(double));

    inter_random(&d, 30, 20, 0.3, 0, 51);
    must_fit(&r, name, &d, words, 1);
    blob = save_blob(&r, &len);
    assert_int_equal(load_blob(&r, blob, len, 1, &copy, &cause), AIWB_OK);
    assert_int_equal(r.type->predict(r.state, 31 * 21, X, 2, a), AIWB_OK);
    assert_int_equal(r.type->predict(copy, 31 * 21, X, 2, b), AIWB_OK);
    assert_memory_equal(a, b, 31 * 21 * sizeof(double));
    for (int32_t u = 0; u < 31; u++) {
        int32_t ia[20], ib[20];
        double sa[20], sb[20];
        int na = r.type->recommend(r.state, u, NULL, 0, 20, ia, sa);
        assert_int_equal(r.type->recommend(copy, u, NULL, 0, 20, ib, sb), na);
        assert_memory_equal(ia, ib, (size_t)na * sizeof(int32_t));
        assert_memory_equal(sa, sb, (size_t)na * sizeof(double));
    }
    r.type->fini(copy);
    free(copy);
    assert_int_equal(load_blob(&r, blob, len, 3, &copy, &cause), AIWB_ENOTSUP);
    assert_contains(cause, "cannot read a model saved with state version 3 (this plugin reads "
                           "version 1)");
    free(cause);
    cause = NULL;
    free(copy);
    free(blob);
    free(X);
    free(a);
    free(b);
    run_release(&r);
    inter_free(&d);
}

static void
test_knn_popular_save_load(void **unused)
{
    const char *w[] = {"neighbours=4", "weighted=true", NULL};
    const char *byr[] = {"by=rating", "min_count=3", NULL};
    struct run r;
    struct inter d;
    size_t len;
    unsigned char *blob;
    void *copy;
    char *cause = NULL;

    (void)unused;
    check_round_trip("itemknn", w);
    check_round_trip("itemknn", NULL);
    check_round_trip("popular", NULL);
    check_round_trip("popular", byr);

    /* corrupt states */
    inter_small(&d);
    must_fit(&r, "itemknn", &d, NULL, 1);
    struct aiwb_writer *wr = writer_new();
    codec_put_int(wr, "neighbours", 5);
    codec_put_int(wr, "weighted", 0);
    codec_put_int(wr, "threads", 2);
    codec_put_int(wr, "rows", 3);
    codec_put_int(wr, "items", 3);
    codec_put_ints(wr, "user_pairs", 2, (const int64_t[]){2, 1});
    codec_put_ints(wr, "pair_items", 3, (const int64_t[]){0, 2, 1});
    codec_put_reals(wr, "pair_values", 3, (const double[]){1, 1, 1});
    codec_put_ints(wr, "neighbour_counts", 3, (const int64_t[]){1, 0, 1});
    codec_put_ints(wr, "neighbour_items", 2, (const int64_t[]){2, 2}); /* item 2 is its own */
    codec_put_reals(wr, "neighbour_sims", 2, (const double[]){0.5, 0.5});
    blob = codec_seal(wr, &len);
    writer_free(wr);
    assert_int_equal(load_blob(&r, blob, len, 1, &copy, &cause), AIWB_EDATA);
    assert_string_equal(cause, "itemknn: the saved model is corrupt or incomplete (reading "
                               "'neighbour_items')");
    r.type->fini(copy);
    free(copy);
    free(cause);
    cause = NULL;
    free(blob);
    run_release(&r);

    must_fit(&r, "popular", &d, NULL, 1);
    wr = writer_new();
    codec_put_str(wr, "by", "stars");
    blob = codec_seal(wr, &len);
    writer_free(wr);
    assert_int_equal(load_blob(&r, blob, len, 1, &copy, &cause), AIWB_EDATA);
    assert_string_equal(cause, "popular: the saved model is corrupt or incomplete (reading 'by')");
    r.type->fini(copy);
    free(copy);
    free(cause);
    free(blob);
    run_release(&r);
    inter_free(&d);
}

static void
test_knn_popular_refusals(void **unused)
{
    const char *names[] = {"itemknn", "popular"};
    struct inter d, bad;
    char want[128];

    (void)unused;
    inter_small(&d);
    for (size_t a = 0; a < 2; a++) {
        struct run r;
        char *cause = NULL;
        double out;
        int32_t items[2];
        assert_int_equal(run_init(&r, names[a], &d, NULL, 1), AIWB_OK);
        assert_int_equal(r.type->update(r.state, &r.prob, &cause), AIWB_EINVAL);
        snprintf(want, sizeof(want), "%s: update needs a trained model", names[a]);
        assert_string_equal(cause, want);
        free(cause);
        cause = NULL;
        assert_int_equal(r.type->predict(r.state, 1, d.X, 2, &out), AIWB_EINVAL);
        assert_int_equal(r.type->recommend(r.state, 0, NULL, 0, 2, items, &out), AIWB_EINVAL);
        /* stopped before the first iterate, finish makes the model all the same */
        assert_int_equal(r.type->finish(r.state, &r.prob, &cause), AIWB_OK);
        {
            struct run full;
            must_fit(&full, names[a], &d, NULL, 1);
            for (double u = 0; u < 5; u++)
                for (double i = 0; i < 5; i++)
                    assert_true(score(&r, u, i) == score(&full, u, i));
            run_release(&full);
        }
        r.type->fini(r.state);
        memset(r.state, 0, r.type->state_size);
        struct aiwb_step step = {0};
        assert_int_equal(r.type->iterate(r.state, &r.prob, &step, &cause), AIWB_EINVAL);
        snprintf(want, sizeof(want), "%s: iterate without a successful init", names[a]);
        assert_string_equal(cause, want);
        free(cause);
        cause = NULL;
        assert_int_equal(r.type->finish(r.state, &r.prob, &cause), AIWB_EINVAL);
        snprintf(want, sizeof(want), "%s: finish without a successful init", names[a]);
        assert_string_equal(cause, want);
        free(cause);
        cause = NULL;
        r.prob.p = 1;
        assert_int_equal(r.type->init(r.state, r.opts, &r.prob, &cause), AIWB_EINVAL);
        snprintf(want, sizeof(want),
                 "%s: needs two categorical features, the user and the item "
                 "(got 1 feature)",
                 names[a]);
        assert_string_equal(cause, want);
        free(cause);
        cause = NULL;
        r.prob.p = 2;
        r.levels[0] = 0;
        assert_int_equal(r.type->init(r.state, r.opts, &r.prob, &cause), AIWB_EINVAL);
        snprintf(want, sizeof(want),
                 "%s: the user 'user' must be categorical (codes), not "
                 "numeric",
                 names[a]);
        assert_string_equal(cause, want);
        free(cause);
        run_release(&r);

        inter_small(&bad);
        inter_add(&bad, 1, 9, 3);
        snprintf(want, sizeof(want), "%s: row 8: the item code 9 is not one of 0..4", names[a]);
        expect_refusal(names[a], &bad, NULL, AIWB_EDATA, want);
        inter_free(&bad);
        inter_small(&bad);
        inter_add(&bad, 1, 1, NAN);
        snprintf(want, sizeof(want), "%s: row 8: the rating nan is not a finite number", names[a]);
        expect_refusal(names[a], &bad, NULL, AIWB_EDATA, want);
        inter_free(&bad);

        /* a refused update leaves the model as it was */
        must_fit(&r, names[a], &d, NULL, 1);
        double s0 = score(&r, 1, 1);
        memset(&bad, 0, sizeof(bad));
        bad.n_users = bad.n_items = 5;
        inter_add(&bad, 1, 1, 2);
        inter_add(&bad, NAN, 1, 2);
        assert_int_equal(run_update(&r, &bad), AIWB_EDATA);
        snprintf(want, sizeof(want), "%s: row 2 has no user", names[a]);
        assert_string_equal(r.cause, want);
        assert_true(score(&r, 1, 1) == s0);
        expect_items(&r, 1, NULL, 0, 10, (const int32_t[]){1, 3}, a == 0 ? 1 : 2);
        inter_free(&bad);
        run_release(&r);
    }
    inter_free(&d);
}

/* ---------------------------------------------------------------------------
 * Quality on gen:ratings, every fifth pair of each user held out.
 */

static void
test_quality(void **unused)
{
    const char *gen_ex[] = {"users=500", "items=200", "density=0.2", "seed=1", NULL};
    const char *gen_im[] = {"users=500", "items=200",         "density=0.2",
                            "seed=1",    "feedback=implicit", NULL};
    const char *byr[] = {"by=rating", NULL}, *imp[] = {"implicit=true", NULL};
    struct inter all, train, test;
    struct run r;
    double als_rmse, mean_rmse, p_pop, p_knn, p_als, rec;

    (void)unused;
    inter_gen(&all, gen_ex);
    split_by_user(&all, 5, &train, &test);
    must_fit(&r, "als", &train, NULL, 1);
    als_rmse = heldout_rmse(&r, &test);
    run_release(&r);
    must_fit(&r, "popular", &train, byr, 1);
    mean_rmse = heldout_rmse(&r, &test); /* each item's mean rating */
    run_release(&r);
    inter_free(&all);
    inter_free(&train);
    inter_free(&test);

    inter_gen(&all, gen_im);
    split_by_user(&all, 5, &train, &test);
    must_fit(&r, "popular", &train, NULL, 1);
    heldout_ranking(&r, &test, 1, 10, &p_pop, &rec);
    run_release(&r);
    must_fit(&r, "itemknn", &train, NULL, 1);
    heldout_ranking(&r, &test, 1, 10, &p_knn, &rec);
    run_release(&r);
    must_fit(&r, "als", &train, imp, 1);
    heldout_ranking(&r, &test, 1, 10, &p_als, &rec);
    run_release(&r);
    inter_free(&all);
    inter_free(&train);
    inter_free(&test);

    print_message("# gen:ratings 500 x 200, density 0.2, every fifth pair held out:\n"
                  "#   explicit held-out RMSE: als %.4f, item means %.4f\n"
                  "#   implicit precision@10: als %.4f, itemknn %.4f, popular %.4f\n",
                  als_rmse, mean_rmse, p_als, p_knn, p_pop);
    assert_true(als_rmse < 0.8 * mean_rmse);
    assert_true(p_als > 1.3 * p_pop);
    assert_true(p_knn > 1.3 * p_pop);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_als_like_numpy),
        cmocka_unit_test(test_als_like_plain),
        cmocka_unit_test(test_als_threads),
        cmocka_unit_test(test_als_monotone),
        cmocka_unit_test(test_als_foldin),
        cmocka_unit_test(test_als_update_new),
        cmocka_unit_test(test_als_cold),
        cmocka_unit_test(test_als_recommend),
        cmocka_unit_test(test_als_save_load),
        cmocka_unit_test(test_als_report),
        cmocka_unit_test(test_als_refusals),
        cmocka_unit_test(test_itemknn_like_brute),
        cmocka_unit_test(test_update_equals_retrain),
        cmocka_unit_test(test_itemknn_threads),
        cmocka_unit_test(test_popular),
        cmocka_unit_test(test_knn_popular_save_load),
        cmocka_unit_test(test_knn_popular_refusals),
        cmocka_unit_test(test_quality),
    };

    gsl_set_error_handler_off();
    log_set_sink(NULL, NULL, AIWB_LOG_ERROR);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
