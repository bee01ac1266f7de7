/*
 * test-clustering.c - the kmeans, gmm and pca algorithm plugins, driven through their
 * descriptors as the host drives them: against scikit-learn's KMeans, GaussianMixture
 * and PCA from the same starts, their outputs, reports, save/load, early stops, and
 * every refusal.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Reference numbers: tests/data/clustering/reference.txt, made by make-fixtures.py in
 * that folder (see there to regenerate) from the bundled iris and diabetes datasets and
 * its blobs.csv and twins.csv.
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

#include "core/codec.h"
#include "core/log.h"
#include "core/options.h"
#include "core/pipeline.h"
#include "core/registry.h"
#include "core/table.h"
#include "core/xalloc.h"
#include "testutil.h"

/* ---------------------------------------------------------------------------
 * Helpers: data, reference numbers, logs, running a plugin.
 */

/* Numeric data: n rows of p features, row-major. */
struct data {
    size_t n, p;
    double *X;
    char **names;
};

static void
data_free(struct data *d)
{
    for (size_t j = 0; j < d->p; j++)
        free(d->names[j]);
    free(d->names);
    free(d->X);
    memset(d, 0, sizeof(*d));
}

/* The first P columns of the CSV file REL (under $top_srcdir), all numbers. */
static void
data_read(struct data *d, const char *rel, size_t p)
{
    char *path = tu_srcpath(rel), *line = NULL, *save = NULL, *tok;
    FILE *f = fopen(path, "r");
    size_t cap = 0, alloc = 0;

    if (f == NULL)
        fail_msg("cannot open '%s'", path);
    memset(d, 0, sizeof(*d));
    d->p = p;
    d->names = xcalloc(p, sizeof(char *));
    assert_true(getline(&line, &cap, f) > 0);
    line[strcspn(line, "\r\n")] = '\0';
    tok = strtok_r(line, ",", &save);
    for (size_t j = 0; j < p; j++, tok = strtok_r(NULL, ",", &save)) {
        assert_non_null(tok);
        d->names[j] = xstrdup(tok);
    }
    while (getline(&line, &cap, f) > 0) {
        char *s = line, *end;
        if (*s == '\n')
            continue;
        if (d->n == alloc) {
            alloc = alloc ? 2 * alloc : 256;
            d->X = xreallocarray(d->X, alloc * p, sizeof(double));
        }
        for (size_t j = 0; j < p; j++) {
            d->X[d->n * p + j] = strtod(s, &end);
            assert_true(end != s);
            s = end + 1;
        }
        d->n++;
    }
    free(line);
    fclose(f);
    free(path);
}

static void
read_iris(struct data *d)
{
    data_read(d, "datasets/iris.csv", 4);
    assert_int_equal(d->n, 150);
}

static void
read_blobs(struct data *d)
{
    data_read(d, "tests/data/clustering/blobs.csv", 5);
    assert_int_equal(d->n, 2000);
}

static void
read_diabetes(struct data *d)
{
    data_read(d, "datasets/diabetes.csv", 10);
    assert_int_equal(d->n, 442);
}

/* The numbers on the line "KEY v1 v2 ..." of reference.txt into a new array; *N gets
 * their count. */
static double *
ref_get(const char *key, size_t *n)
{
    char *path = tu_srcpath("tests/data/clustering/reference.txt"), *line = NULL;
    FILE *f = fopen(path, "r");
    size_t cap = 0, len = strlen(key);
    double *v = NULL;

    assert_non_null(f);
    *n = 0;
    while (getline(&line, &cap, f) > 0) {
        char *s, *end;
        size_t alloc = 0;
        if (strncmp(line, key, len) != 0 || line[len] != ' ')
            continue;
        s = line + len;
        for (;;) {
            double x = strtod(s, &end);
            if (end == s)
                break;
            if (*n == alloc) {
                alloc = alloc ? 2 * alloc : 64;
                v = xreallocarray(v, alloc, sizeof(double));
            }
            v[(*n)++] = x;
            s = end;
        }
        break;
    }
    free(line);
    fclose(f);
    free(path);
    if (*n == 0)
        fail_msg("no '%s' in reference.txt", key);
    return v;
}

/* The one number of line KEY. */
static double
ref_one(const char *key)
{
    size_t n;
    double *v = ref_get(key, &n), x = v[0];

    assert_int_equal(n, 1);
    free(v);
    return x;
}

/* |got - want| <= tol * |want| (or equal). */
#define assert_rel(got, want, tol) assert_rel_((got), (want), (tol), #got, __FILE__, __LINE__)
static void
assert_rel_(double got, double want, double tol, const char *expr, const char *file, int line)
{
    if (fabs(got - want) <= tol * fabs(want) || got == want)
        return;
    print_error("%s = %.17g, want %.17g (relative error %.3g > %g)\n", expr, got, want,
                fabs(got - want) / fabs(want), tol);
    _fail(file, line);
}

/* |got - want| <= tol. */
#define assert_near(got, want, tol) assert_near_((got), (want), (tol), #got, __FILE__, __LINE__)
static void
assert_near_(double got, double want, double tol, const char *expr, const char *file, int line)
{
    if (fabs(got - want) <= tol)
        return;
    print_error("%s = %.17g, want %.17g (difference %.3g > %g)\n", expr, got, want,
                fabs(got - want), tol);
    _fail(file, line);
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

/* What the plugins log, at every level. */
#define MAX_LOGGED 32
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

static void
log_start(void)
{
    n_logged = 0;
    log_set_sink(capture, NULL, AIWB_LOG_DEBUG);
}

static void
log_stop(void)
{
    log_set_sink(NULL, NULL, AIWB_LOG_WARN);
}

/* Whether a message at LEVEL holding TEXT was logged since log_start(). */
static int
was_logged(enum aiwb_log_level level, const char *text)
{
    for (size_t i = 0; i < n_logged; i++)
        if (logged_level[i] == level && strstr(logged[i], text) != NULL)
            return 1;
    return 0;
}

#define assert_logged(level, text) assert_logged_((level), (text), __FILE__, __LINE__)
static void
assert_logged_(enum aiwb_log_level level, const char *text, const char *file, int line)
{
    if (was_logged(level, text))
        return;
    for (size_t i = 0; i < n_logged; i++)
        print_error("logged at level %d: %s\n", (int)logged_level[i], logged[i]);
    print_error("nothing logged at level %d holds '%s'\n", (int)level, text);
    _fail(file, line);
}

/* One instance of a plugin and its problem. */
struct run {
    const struct aiwb_algorithm_type *type;
    struct aiwb_options *opts;
    void *state;
    struct aiwb_problem prob;
    struct aiwb_step step;
    char *cause;
    int iterations;
};

static const struct aiwb_algorithm_type *
algorithm(const char *name)
{
    const struct component *c;

    tu_load_plugins();
    c = registry_find(COMPONENT_ALGORITHM, name);
    if (c == NULL)
        fail_msg("no algorithm '%s'", name);
    return c->type.algorithm;
}

/* Options and init of algorithm NAME for D with option words WORDS (NULL-terminated). */
static int
run_init(struct run *r, const char *name, const struct data *d, const char *const *words,
         uint64_t seed)
{
    size_t nw = 0;

    memset(r, 0, sizeof(*r));
    r->type = algorithm(name);
    while (words != NULL && words[nw] != NULL)
        nw++;
    r->opts = options_parse(name, r->type->options, nw, (char *const *)words, &r->cause);
    if (r->opts == NULL)
        fail_msg("options: %s", r->cause);
    r->state = xcalloc(1, r->type->state_size);
    r->prob = (struct aiwb_problem){
        .n = d->n,
        .p = d->p,
        .X = d->X,
        .ldx = d->p,
        .task = strcmp(name, "pca") == 0 ? AIWB_TASK_DECOMPOSITION : AIWB_TASK_CLUSTERING,
        .feature_names = (const char *const *)d->names,
        .seed = seed,
    };
    return r->type->init(r->state, r->opts, &r->prob, &r->cause);
}

/* Iterate as the host does, at most MAX times (the host's stop), then finish. */
static int
run_iterate(struct run *r, int max)
{
    int rc = AIWB_CONTINUE;

    while (rc == AIWB_CONTINUE && r->iterations < max) {
        memset(&r->step, 0, sizeof(r->step));
        r->step.iteration = r->iterations;
        rc = r->type->iterate(r->state, &r->prob, &r->step, &r->cause);
        r->iterations++;
    }
    if (rc < 0)
        return rc;
    return r->type->finish(r->state, &r->prob, &r->cause);
}

static int
run_fit(struct run *r, const char *name, const struct data *d, const char *const *words,
        uint64_t seed)
{
    int rc = run_init(r, name, d, words, seed);

    return rc != AIWB_OK ? rc : run_iterate(r, 100000);
}

/* Fit and fail with the cause if it does not succeed. */
static void
must_fit(struct run *r, const char *name, const struct data *d, const char *const *words,
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

/* A number the plugin's score() reports on the N rows of X. */
static double
score_of(const struct run *r, const struct data *d, size_t n, const char *name)
{
    struct aiwb_step st;

    memset(&st, 0, sizeof(st));
    assert_int_equal(r->type->score(r->state, n, d->X, d->p, &st), AIWB_OK);
    return step_get(&st, name);
}

static struct aiwb_table *
report_of(const void *state, const struct aiwb_algorithm_type *type)
{
    struct aiwb_table *t = table_new(NULL);

    assert_int_equal(type->report(state, t), AIWB_OK);
    return t;
}

static double
cell_real(const struct aiwb_table *t, size_t row, size_t col)
{
    const struct table_cell *c = table_cell(t, row, col);

    assert_non_null(c);
    assert_false(c->null);
    assert_int_equal(t->cols[col].kind, AIWB_TABLE_REAL);
    return c->v.r;
}

static int64_t
cell_int(const struct aiwb_table *t, size_t row, size_t col)
{
    const struct table_cell *c = table_cell(t, row, col);

    assert_non_null(c);
    assert_int_equal(t->cols[col].kind, AIWB_TABLE_INT);
    return c->v.i;
}

/* Whether some note of T holds TEXT. */
static int
has_note(const struct aiwb_table *t, const char *text)
{
    for (size_t i = 0; i < t->nnotes; i++)
        if (strstr(t->notes[i], text) != NULL)
            return 1;
    return 0;
}

#define assert_note(t, text) assert_note_((t), (text), __FILE__, __LINE__)
static void
assert_note_(const struct aiwb_table *t, const char *text, const char *file, int line)
{
    if (has_note(t, text))
        return;
    for (size_t i = 0; i < t->nnotes; i++)
        print_error("note: %s\n", t->notes[i]);
    print_error("no note holds '%s'\n", text);
    _fail(file, line);
}

/* predict() of the N first rows of D into a new array of N x n_outputs values. */
static double *
predict_of(const struct run *r, const struct data *d, size_t n)
{
    size_t k = r->type->n_outputs(r->state);
    double *out = xcalloc(n * k + 1, sizeof(double));

    assert_int_equal(r->type->predict(r->state, n, d->X, d->p, out), AIWB_OK);
    return out;
}

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

/*
 * Save R's model, load it into a new state, and check that the copy predicts, scores
 * (the step value SCORE, unless NULL) and reports exactly as the original, and saves
 * the same bytes again.
 */
static void
assert_round_trip(const struct run *r, const struct data *d, const char *score)
{
    size_t len, len2, k = r->type->n_outputs(r->state);
    char *cause = NULL;
    unsigned char *blob = save_blob(r->type, r->state, &len), *blob2;
    void *copy = xcalloc(1, r->type->state_size);
    double *p1 = predict_of(r, d, d->n), *p2 = xcalloc(d->n * k + 1, sizeof(double));
    struct aiwb_table *t1, *t2;

    assert_int_equal(load_blob(r->type, copy, blob, len, r->type->state_version, &cause),
                     AIWB_OK);
    assert_null(cause);
    assert_int_equal(r->type->n_outputs(copy), k);
    assert_int_equal(r->type->predict(copy, d->n, d->X, d->p, p2), AIWB_OK);
    assert_memory_equal(p1, p2, d->n * k * sizeof(double));
    if (score != NULL) {
        struct aiwb_step s1, s2;
        memset(&s1, 0, sizeof(s1));
        memset(&s2, 0, sizeof(s2));
        assert_int_equal(r->type->score(r->state, d->n, d->X, d->p, &s1), AIWB_OK);
        assert_int_equal(r->type->score(copy, d->n, d->X, d->p, &s2), AIWB_OK);
        assert_int_equal(s1.n, s2.n);
        assert_memory_equal(s1.values, s2.values, s1.n * sizeof(double));
    }
    t1 = report_of(r->state, r->type);
    t2 = report_of(copy, r->type);
    assert_int_equal(t1->ncols, t2->ncols);
    assert_int_equal(table_rows(t1), table_rows(t2));
    for (size_t row = 0; row < table_rows(t1); row++)
        for (size_t c = 0; c < t1->ncols; c++)
            if (t1->cols[c].kind == AIWB_TABLE_REAL)
                assert_true(cell_real(t1, row, c) == cell_real(t2, row, c));
    assert_int_equal(t1->nnotes, t2->nnotes);
    for (size_t i = 0; i < t1->nnotes; i++)
        assert_string_equal(t1->notes[i], t2->notes[i]);
    blob2 = save_blob(r->type, copy, &len2);
    assert_int_equal(len, len2);
    assert_memory_equal(blob, blob2, len);
    free(blob2);
    table_free(t1);
    table_free(t2);
    free(p1);
    free(p2);
    r->type->fini(copy);
    free(copy);
    free(blob);
}

/* The column of the largest value of each of the N rows of K values (first of equals). */
static void
argmax_rows(const double *v, size_t n, size_t k, int32_t *out)
{
    for (size_t i = 0; i < n; i++) {
        size_t best = 0;
        for (size_t j = 1; j < k; j++)
            if (v[i * k + j] > v[i * k + best])
                best = j;
        out[i] = (int32_t)best;
    }
}

/* Assert each of the N rows of K values V sums to one, within TOL. */
static void
assert_rows_sum_to_one(const double *v, size_t n, size_t k, double tol)
{
    for (size_t i = 0; i < n; i++) {
        double sum = 0;
        for (size_t j = 0; j < k; j++) {
            assert_true(v[i * k + j] >= 0 && v[i * k + j] <= 1);
            sum += v[i * k + j];
        }
        assert_near(sum, 1.0, tol);
    }
}

/* The option words of a case: "k=K" and the rest. */
#define WORDS(...) ((const char *const[]){__VA_ARGS__, NULL})

/* ---------------------------------------------------------------------------
 * kmeans.
 */

/* Fit kmeans from the first k rows as scikit-learn did for reference case CASE, and
 * compare labels, iterations, inertia and centres. */
static void
check_kmeans_case(const struct data *d, const char *name, size_t k, const char *const *extra)
{
    char key[128], kw[32];
    const char *words[8] = {kw, "init=first"};
    size_t nw = 2, n_lab, n_cen;
    struct run r;

    snprintf(kw, sizeof kw, "k=%zu", k);
    for (size_t i = 0; extra != NULL && extra[i] != NULL; i++)
        words[nw++] = extra[i];
    words[nw] = NULL;
    must_fit(&r, "kmeans", d, words, 1);

    snprintf(key, sizeof key, "km_%s_n_iter", name);
    assert_int_equal(r.iterations, (int)ref_one(key));
    snprintf(key, sizeof key, "km_%s_labels", name);
    double *labels = ref_get(key, &n_lab);
    assert_int_equal(n_lab, d->n);
    double *out = predict_of(&r, d, d->n);
    assert_rows_sum_to_one(out, d->n, k, 0);
    int32_t *got = xcalloc(d->n, sizeof(int32_t));
    argmax_rows(out, d->n, k, got);
    for (size_t i = 0; i < d->n; i++)
        if (got[i] != (int32_t)labels[i])
            fail_msg("%s: row %zu in cluster %d, scikit-learn's %d", name, i + 1, got[i],
                     (int)labels[i]);
    snprintf(key, sizeof key, "km_%s_inertia", name);
    double inertia = ref_one(key);
    assert_rel(score_of(&r, d, d->n, "inertia"), inertia, 1e-9);
    assert_rel(step_get(&r.step, "loss"), inertia, 1e-9);
    snprintf(key, sizeof key, "km_%s_centers", name);
    double *centres = ref_get(key, &n_cen);
    assert_int_equal(n_cen, k * d->p);
    struct aiwb_table *t = report_of(r.state, r.type);
    assert_int_equal(table_rows(t), k);
    assert_int_equal(t->ncols, 3 + d->p);
    double within = 0;
    for (size_t c = 0; c < k; c++) {
        int64_t size = 0;
        for (size_t i = 0; i < d->n; i++)
            size += (size_t)got[i] == c;
        assert_int_equal(cell_int(t, c, 0), (int64_t)c + 1);
        assert_int_equal(cell_int(t, c, 1), size);
        within += cell_real(t, c, 2);
        for (size_t j = 0; j < d->p; j++)
            assert_rel(cell_real(t, c, 3 + j), centres[c * d->p + j], 1e-12);
    }
    assert_rel(within, inertia, 1e-9);
    table_free(t);
    free(centres);
    free(got);
    free(out);
    free(labels);
    run_release(&r);
}

static void
test_kmeans_like_sklearn(void **unused)
{
    struct data d;

    (void)unused;
    read_iris(&d);
    check_kmeans_case(&d, "iris3", 3, NULL);
    check_kmeans_case(&d, "iris5", 5, NULL);
    data_free(&d);
    read_blobs(&d);
    check_kmeans_case(&d, "blobs6", 6, NULL);
    check_kmeans_case(&d, "blobs9", 9, NULL);
    /* So many clusters that a block holds fewer rows than usual. */
    check_kmeans_case(&d, "blobs700", 700, NULL);
    /* tol=0 runs to max_iter here: 7 iterations, not converged, and said so. */
    log_start();
    check_kmeans_case(&d, "blobs6_tol0", 6, WORDS("tol=0", "max_iter=7"));
    log_stop();
    assert_logged(AIWB_LOG_WARN,
                  "kmeans: 1 of 1 restart stopped after max_iter=7 iterations without converging");
    data_free(&d);
}

/* Rows 2 and 3 are equal: from the first 4 rows, cluster 3 is empty at once and gets
 * the farthest row, as scikit-learn's does; the report says so. */
static void
test_kmeans_empty_cluster(void **unused)
{
    struct data d;
    struct run r;

    (void)unused;
    data_read(&d, "tests/data/clustering/twins.csv", 5);
    log_start();
    check_kmeans_case(&d, "twins4", 4, NULL);
    log_stop();
    assert_logged(AIWB_LOG_INFO, "kmeans: 1 time a cluster was left empty and given the row "
                                 "farthest from its centre (as scikit-learn does)");
    must_fit(&r, "kmeans", &d, WORDS("k=4", "init=first"), 1);
    struct aiwb_table *t = report_of(r.state, r.type);
    assert_note(t, "1 time a cluster was left empty and given the row farthest from its centre");
    table_free(t);
    run_release(&r);
    data_free(&d);
    /* Rows 2, 3 and 4 are equal: two clusters empty at once get the farthest row and
     * the next farthest, in that order. */
    data_read(&d, "tests/data/clustering/triplets.csv", 5);
    log_start();
    check_kmeans_case(&d, "triplets5", 5, NULL);
    log_stop();
    assert_logged(AIWB_LOG_INFO, "kmeans: 2 times a cluster was left empty");
    data_free(&d);
}

/* Each iterate is one Lloyd iteration: its loss is the inertia of its assignment, which
 * never rises within a restart, and the restart it belongs to is reported. */
static void
test_kmeans_steps(void **unused)
{
    struct data d;
    struct run r;
    double last = HUGE_VAL;
    int rc, restart = 1, seen_second = 0;

    (void)unused;
    read_blobs(&d);
    assert_int_equal(run_init(&r, "kmeans", &d, WORDS("k=6", "restarts=3"), 42), AIWB_OK);
    do {
        memset(&r.step, 0, sizeof(r.step));
        rc = r.type->iterate(r.state, &r.prob, &r.step, &r.cause);
        r.iterations++;
        assert_true(rc == AIWB_CONTINUE || rc == AIWB_OK);
        assert_string_equal(r.step.names[0], "loss");
        int now = (int)step_get(&r.step, "restart");
        if (now != restart) {
            assert_int_equal(now, restart + 1);
            restart = now;
            seen_second = 1;
            last = HUGE_VAL;
        }
        double loss = step_get(&r.step, "loss");
        assert_true(loss <= last * (1 + 1e-12));
        last = loss;
        assert_true(step_get(&r.step, "changed") >= 0);
        assert_true(step_get(&r.step, "shift") >= 0);
        assert_int_equal(step_has(&r.step, "converged"), rc == AIWB_OK);
    } while (rc == AIWB_CONTINUE);
    assert_true(seen_second);
    assert_int_equal(restart, 3);
    assert_true(step_get(&r.step, "converged") == 1);
    double model_loss = step_get(&r.step, "loss");
    /* Iterating past the end changes nothing. */
    assert_int_equal(r.type->iterate(r.state, &r.prob, &r.step, &r.cause), AIWB_OK);
    assert_int_equal(r.type->finish(r.state, &r.prob, &r.cause), AIWB_OK);
    struct aiwb_table *t = report_of(r.state, r.type);
    assert_note(t, "Best of 3 restarts (init=kmeans++)");
    assert_note(t, "converged");
    table_free(t);
    /* The last loss is the kept restart's inertia: the model's. */
    assert_rel(score_of(&r, &d, d.n, "inertia"), model_loss, 1e-12);
    run_release(&r);
    data_free(&d);
}

/* k-means++ with restarts: repeatable by the seed, the best of 10 no worse than the first
 * of them, and on well separated blobs as good as scikit-learn's from the first rows. */
static void
test_kmeans_plusplus_restarts(void **unused)
{
    struct data d;
    struct run a, b, c, one;

    (void)unused;
    read_blobs(&d);
    must_fit(&a, "kmeans", &d, WORDS("k=6"), 7);
    must_fit(&b, "kmeans", &d, WORDS("k=6"), 7);
    must_fit(&one, "kmeans", &d, WORDS("k=6", "restarts=1"), 7);
    double ia = score_of(&a, &d, d.n, "inertia"), ib = score_of(&b, &d, d.n, "inertia");
    double ione = score_of(&one, &d, d.n, "inertia");
    assert_true(ia == ib);
    size_t la, lb;
    unsigned char *ba = save_blob(a.type, a.state, &la), *bb = save_blob(b.type, b.state, &lb);
    assert_int_equal(la, lb);
    assert_memory_equal(ba, bb, la);
    free(ba);
    free(bb);
    assert_true(ia <= ione);
    assert_true(ia <= ref_one("km_blobs6_inertia") * (1 + 1e-9));
    struct aiwb_table *t = report_of(a.state, a.type);
    assert_note(t, "Best of 10 restarts (init=kmeans++)");
    table_free(t);
    /* init=random: repeatable too, and a valid clustering. */
    must_fit(&c, "kmeans", &d, WORDS("k=6", "init=random", "restarts=4"), 99);
    double ic = score_of(&c, &d, d.n, "inertia");
    run_release(&c);
    must_fit(&c, "kmeans", &d, WORDS("k=6", "init=random", "restarts=4"), 99);
    assert_true(score_of(&c, &d, d.n, "inertia") == ic);
    double *out = predict_of(&c, &d, d.n);
    assert_rows_sum_to_one(out, d.n, 6, 0);
    free(out);
    run_release(&c);
    /* Seeds whose 32-bit folds agree give the same clustering (0 and 4357 do not
     * matter here; 2^32 + 7 folds to 7 XOR 1 = 6). */
    must_fit(&c, "kmeans", &d, WORDS("k=6", "restarts=1"), ((uint64_t)1 << 32) | 7);
    struct run six;
    must_fit(&six, "kmeans", &d, WORDS("k=6", "restarts=1"), 6);
    assert_true(score_of(&c, &d, d.n, "inertia") == score_of(&six, &d, d.n, "inertia"));
    run_release(&six);
    run_release(&c);
    run_release(&one);
    run_release(&b);
    run_release(&a);
    data_free(&d);
}

/* k=1: the centre is the mean and the inertia the total sum of squares. */
static void
test_kmeans_one_cluster(void **unused)
{
    struct data d;
    struct run r;
    double mean[4] = {0}, tss = 0;

    (void)unused;
    read_iris(&d);
    must_fit(&r, "kmeans", &d, WORDS("k=1"), 1);
    for (size_t i = 0; i < d.n; i++)
        for (size_t j = 0; j < 4; j++)
            mean[j] += d.X[i * 4 + j] / (double)d.n;
    for (size_t i = 0; i < d.n; i++)
        for (size_t j = 0; j < 4; j++)
            tss += (d.X[i * 4 + j] - mean[j]) * (d.X[i * 4 + j] - mean[j]);
    struct aiwb_table *t = report_of(r.state, r.type);
    assert_int_equal(cell_int(t, 0, 1), 150);
    for (size_t j = 0; j < 4; j++)
        assert_rel(cell_real(t, 0, 3 + j), mean[j], 1e-13);
    assert_rel(score_of(&r, &d, d.n, "inertia"), tss, 1e-12);
    assert_note(t, "between_SS / total_SS = 0.0 %");
    table_free(t);
    run_release(&r);
    data_free(&d);
}

/* predict on new rows: one-hot for the nearest centre; score on a subset. */
static void
test_kmeans_predict_score(void **unused)
{
    struct data d;
    struct run r;

    (void)unused;
    read_iris(&d);
    must_fit(&r, "kmeans", &d, WORDS("k=3", "init=first"), 1);
    assert_int_equal(r.type->n_outputs(r.state), 3);
    /* A row at a centre is in that cluster, with distance zero. */
    struct aiwb_table *t = report_of(r.state, r.type);
    struct data one = {.n = 1, .p = 4, .X = xcalloc(4, sizeof(double))};
    for (size_t c = 0; c < 3; c++) {
        double out[3];
        for (size_t j = 0; j < 4; j++)
            one.X[j] = cell_real(t, c, 3 + j);
        assert_int_equal(r.type->predict(r.state, 1, one.X, 4, out), AIWB_OK);
        for (size_t j = 0; j < 3; j++)
            assert_true(out[j] == (j == c));
        assert_near(score_of(&r, &one, 1, "inertia"), 0, 1e-24);
    }
    free(one.X);
    table_free(t);
    /* The score of some rows is the sum of theirs; of no rows, zero. */
    double first = score_of(&r, &d, 10, "inertia"), all = score_of(&r, &d, d.n, "inertia");
    assert_true(first > 0 && first < all);
    assert_true(score_of(&r, &d, 0, "inertia") == 0);
    assert_int_equal(r.type->predict(r.state, 0, d.X, 4, NULL), AIWB_OK);
    /* A row stride wider than the row. */
    double wide[2 * 6] = {5.1, 3.5, 1.4, 0.2, -1, -1, 6.9, 3.1, 5.4, 2.1, -1, -1}, w[6], n[6];
    assert_int_equal(r.type->predict(r.state, 2, wide, 6, w), AIWB_OK);
    double narrow[8] = {5.1, 3.5, 1.4, 0.2, 6.9, 3.1, 5.4, 2.1};
    assert_int_equal(r.type->predict(r.state, 2, narrow, 4, n), AIWB_OK);
    assert_memory_equal(w, n, sizeof w);
    run_release(&r);
    data_free(&d);
}

static void
test_kmeans_save_load(void **unused)
{
    struct data d;
    struct run r;
    size_t len, plen;
    char *cause = NULL;

    (void)unused;
    read_blobs(&d);
    must_fit(&r, "kmeans", &d, WORDS("k=5", "restarts=2"), 3);
    assert_round_trip(&r, &d, "inertia");

    unsigned char *blob = save_blob(r.type, r.state, &len);
    void *copy = xcalloc(1, r.type->state_size);
    assert_int_equal(load_blob(r.type, copy, blob, len, 2, &cause), AIWB_ENOTSUP);
    assert_string_equal(cause, "kmeans: cannot read a model saved with state version 2 (this "
                               "plugin reads version 1)");
    free(cause);
    cause = NULL;
    /* Cut short, and centres of the wrong size. */
    struct aiwb_writer *w = writer_new();
    const char *feat[] = {"a", "b"};
    double mean[2] = {0, 0}, centres[5] = {0};
    codec_put_int(w, "k", 3);
    codec_put_str(w, "init", "first");
    codec_put_int(w, "restarts", 1);
    codec_put_int(w, "max_iter", 300);
    codec_put_real(w, "tol", 1e-4);
    codec_put_strs(w, "features", 2, feat);
    codec_put_reals(w, "mean", 2, mean);
    unsigned char *partial = codec_seal(w, &plen);
    assert_int_equal(load_blob(r.type, copy, partial, plen, 1, &cause), AIWB_EDATA);
    assert_string_equal(cause, "kmeans: the saved model is corrupt or incomplete (reading "
                               "'centres')");
    free(cause);
    cause = NULL;
    free(partial);
    codec_put_reals(w, "centres", 5, centres);
    partial = codec_seal(w, &plen);
    writer_free(w);
    w = NULL;
    assert_int_equal(load_blob(r.type, copy, partial, plen, 1, &cause), AIWB_EDATA);
    assert_contains(cause, "(reading 'centres')");
    free(cause);
    cause = NULL;
    free(partial);
    /* An init this plugin does not know. */
    w = writer_new();
    codec_put_int(w, "k", 3);
    codec_put_str(w, "init", "forgy");
    partial = codec_seal(w, &plen);
    writer_free(w);
    assert_int_equal(load_blob(r.type, copy, partial, plen, 1, &cause), AIWB_EDATA);
    assert_string_equal(cause, "kmeans: the saved model is corrupt or incomplete (reading "
                               "'init')");
    free(cause);
    free(partial);
    double out[5];
    assert_int_equal(r.type->predict(copy, 1, d.X, d.p, out), AIWB_EINVAL);
    struct aiwb_table *t = table_new(NULL);
    assert_int_equal(r.type->report(copy, t), AIWB_EINVAL);
    table_free(t);
    struct aiwb_writer *w2 = writer_new();
    assert_int_equal(r.type->save(copy, w2), AIWB_EINVAL);
    writer_free(w2);
    struct aiwb_step st;
    memset(&st, 0, sizeof(st));
    assert_int_equal(r.type->score(copy, 1, d.X, d.p, &st), AIWB_EINVAL);
    r.type->fini(copy);
    free(copy);
    free(blob);
    run_release(&r);
    data_free(&d);
}

/* Stopped by the host (Ctrl-C): after some iterations, or before any, the model is
 * usable; max_iter stops a restart and says so. */
static void
test_kmeans_stopped_early(void **unused)
{
    struct data d;
    struct run r;

    (void)unused;
    read_blobs(&d);
    assert_int_equal(run_init(&r, "kmeans", &d, WORDS("k=6", "init=first"), 1), AIWB_OK);
    assert_int_equal(run_iterate(&r, 3), AIWB_OK);
    double *out = predict_of(&r, &d, d.n);
    assert_rows_sum_to_one(out, d.n, 6, 0);
    free(out);
    struct aiwb_table *t = report_of(r.state, r.type);
    assert_note(t, "One of 1 restart (init=first): 3 iterations, stopped by max_iter before "
                   "converging");
    table_free(t);
    /* The inertia after 3 iterations lies above the converged one. */
    assert_true(score_of(&r, &d, d.n, "inertia") > ref_one("km_blobs6_inertia"));
    run_release(&r);

    assert_int_equal(run_init(&r, "kmeans", &d, WORDS("k=6"), 1), AIWB_OK);
    assert_int_equal(run_iterate(&r, 0), AIWB_OK);
    out = predict_of(&r, &d, d.n);
    assert_rows_sum_to_one(out, d.n, 6, 0);
    free(out);
    t = report_of(r.state, r.type);
    assert_note(t, "0 iterations");
    table_free(t);
    run_release(&r);

    log_start();
    must_fit(&r, "kmeans", &d, WORDS("k=6", "init=first", "max_iter=2"), 1);
    log_stop();
    assert_int_equal(r.iterations, 2);
    assert_true(step_get(&r.step, "converged") == 0);
    assert_logged(AIWB_LOG_WARN, "kmeans: 1 of 1 restart stopped after max_iter=2 iterations");
    run_release(&r);
    data_free(&d);
}

/* Fewer distinct rows than k: clusters end empty, with a warning; init=first runs one
 * restart whatever restarts= says, and says so when it was asked for more. */
static void
test_kmeans_degenerate(void **unused)
{
    double X[8 * 2] = {1, 1, 1, 1, 5, 5, 5, 5, 1, 1, 5, 5, 1, 1, 5, 5};
    char *names[2] = {"a", "b"};
    struct data d = {.n = 8, .p = 2, .X = X, .names = names};
    struct run r;

    (void)unused;
    log_start();
    must_fit(&r, "kmeans", &d, WORDS("k=3", "restarts=2"), 5);
    log_stop();
    assert_logged(AIWB_LOG_WARN, "kmeans: 1 of the 3 clusters ended empty: the data has fewer "
                                 "distinct rows than k");
    assert_true(score_of(&r, &d, d.n, "inertia") == 0);
    run_release(&r);

    log_start();
    must_fit(&r, "kmeans", &d, WORDS("k=2", "init=first", "restarts=4"), 5);
    log_stop();
    assert_logged(AIWB_LOG_INFO, "kmeans: init=first gives the same centres every time: "
                                 "running one restart, not 4");
    struct aiwb_table *t = report_of(r.state, r.type);
    assert_note(t, "One of 1 restart (init=first)");
    table_free(t);
    run_release(&r);
    log_start();
    must_fit(&r, "kmeans", &d, WORDS("k=2", "init=first"), 5);
    log_stop();
    assert_false(was_logged(AIWB_LOG_INFO, "running one restart"));
    run_release(&r);
}

static void
test_kmeans_refusals(void **unused)
{
    double X[3 * 2] = {1, 2, 3, 4, 5, 6};
    char *names[2] = {"height", "weight"};
    struct data d = {.n = 3, .p = 2, .X = X, .names = names};
    struct run r;

    (void)unused;
    assert_int_equal(run_init(&r, "kmeans", &d, WORDS("k=4"), 1), AIWB_EDATA);
    assert_string_equal(r.cause, "kmeans: k=4 clusters need at least 4 rows, the data has 3");
    run_release(&r);
    X[3] = INFINITY;
    assert_int_equal(run_init(&r, "kmeans", &d, WORDS("k=2"), 1), AIWB_EDATA);
    assert_string_equal(r.cause, "kmeans: feature 'weight' row 2 holds an infinite value");
    run_release(&r);
    X[3] = NAN;
    assert_int_equal(run_init(&r, "kmeans", &d, WORDS("k=2"), 1), AIWB_EDATA);
    assert_string_equal(r.cause, "kmeans: feature 'weight' row 2 holds a missing value");
    run_release(&r);
    d.p = 0;
    assert_int_equal(run_init(&r, "kmeans", &d, WORDS("k=2"), 1), AIWB_EDATA);
    assert_string_equal(r.cause, "kmeans: there are no features to cluster on");
    run_release(&r);
    /* A failed init leaves nothing to iterate or finish. */
    d.p = 2;
    X[3] = 4;
    assert_int_equal(run_init(&r, "kmeans", &d, WORDS("k=9"), 1), AIWB_EDATA);
    free(r.cause);
    r.cause = NULL;
    assert_int_equal(r.type->iterate(r.state, &r.prob, &r.step, &r.cause), AIWB_EINVAL);
    assert_contains(r.cause, "kmeans: iterate without a successful init");
    free(r.cause);
    r.cause = NULL;
    assert_int_equal(r.type->finish(r.state, &r.prob, &r.cause), AIWB_EINVAL);
    assert_contains(r.cause, "kmeans: finish without a successful init");
    run_release(&r);
    /* Options out of range, by the host's parser. */
    char *cause = NULL;
    const struct aiwb_algorithm_type *type = algorithm("kmeans");
    assert_null(options_parse("kmeans", type->options, 1, (char *const[]){"k=0"}, &cause));
    assert_contains(cause, "k");
    free(cause);
    cause = NULL;
    assert_null(
        options_parse("kmeans", type->options, 1, (char *const[]){"init=forgy"}, &cause));
    assert_contains(cause, "init");
    free(cause);
}

/* ---------------------------------------------------------------------------
 * gmm.
 */

/*
 * Fit gmm from the nearest of the first k rows, as scikit-learn was started for
 * reference case CASE, with option words EXTRA, and compare iterations, the last step's
 * log-likelihood, the final model's, BIC, AIC, parameters and posteriors.
 */
static void
check_gmm_case(const struct data *d, const char *name, size_t k, const char *cov,
               const char *const *extra)
{
    char key[128], kw[32], cw[32];
    const char *words[8] = {kw, cw, "init=first"};
    size_t nw = 3, nv, p = d->p;
    struct run r;
    double *v;

    snprintf(kw, sizeof kw, "k=%zu", k);
    snprintf(cw, sizeof cw, "covariance=%s", cov);
    for (size_t i = 0; extra != NULL && extra[i] != NULL; i++)
        words[nw++] = extra[i];
    words[nw] = NULL;
    must_fit(&r, "gmm", d, words, 1);

    snprintf(key, sizeof key, "gm_%s_n_iter", name);
    assert_int_equal(r.iterations, (int)ref_one(key));
    snprintf(key, sizeof key, "gm_%s_converged", name);
    assert_true(step_get(&r.step, "converged") == ref_one(key));
    snprintf(key, sizeof key, "gm_%s_lower_bound", name);
    assert_rel(step_get(&r.step, "lower_bound"), ref_one(key), 1e-10);
    snprintf(key, sizeof key, "gm_%s_score", name);
    assert_rel(score_of(&r, d, d->n, "log_likelihood"), ref_one(key), 1e-10);
    /* The last step's loss is the final model's. */
    assert_rel(-step_get(&r.step, "loss"), ref_one(key), 1e-10);
    snprintf(key, sizeof key, "gm_%s_bic", name);
    assert_rel(score_of(&r, d, d->n, "bic"), ref_one(key), 1e-10);
    snprintf(key, sizeof key, "gm_%s_aic", name);
    assert_rel(score_of(&r, d, d->n, "aic"), ref_one(key), 1e-10);

    struct aiwb_table *t = report_of(r.state, r.type);
    assert_int_equal(table_rows(t), k);
    assert_int_equal(t->ncols, 3 + 2 * p);
    snprintf(key, sizeof key, "gm_%s_weights", name);
    v = ref_get(key, &nv);
    assert_int_equal(nv, k);
    for (size_t c = 0; c < k; c++)
        assert_near(cell_real(t, c, 1), v[c], 1e-9);
    free(v);
    snprintf(key, sizeof key, "gm_%s_means", name);
    v = ref_get(key, &nv);
    assert_int_equal(nv, k * p);
    for (size_t c = 0; c < k; c++)
        for (size_t j = 0; j < p; j++)
            assert_rel(cell_real(t, c, 3 + j), v[c * p + j], 1e-9);
    free(v);
    snprintf(key, sizeof key, "gm_%s_covariances", name);
    v = ref_get(key, &nv);
    assert_int_equal(nv, strcmp(cov, "full") == 0 ? k * p * p : k * p);
    for (size_t c = 0; c < k; c++)
        for (size_t j = 0; j < p; j++) {
            double var = strcmp(cov, "full") == 0 ? v[c * p * p + j * p + j] : v[c * p + j];
            assert_rel(cell_real(t, c, 3 + p + j), sqrt(var), 1e-8);
        }
    free(v);
    table_free(t);

    snprintf(key, sizeof key, "gm_%s_proba", name);
    v = ref_get(key, &nv);
    assert_int_equal(nv, 5 * k);
    double *out = predict_of(&r, d, 5);
    for (size_t i = 0; i < 5 * k; i++)
        assert_near(out[i], v[i], 1e-9);
    free(out);
    free(v);
    out = predict_of(&r, d, d->n);
    assert_rows_sum_to_one(out, d->n, k, 1e-12);
    free(out);
    run_release(&r);
}

static void
test_gmm_like_sklearn(void **unused)
{
    struct data d;

    (void)unused;
    read_iris(&d);
    check_gmm_case(&d, "iris3_full", 3, "full", NULL);
    check_gmm_case(&d, "iris3_diag", 3, "diag", NULL);
    data_free(&d);
    read_blobs(&d);
    check_gmm_case(&d, "blobs6_full", 6, "full", WORDS("tol=1e-6"));
    log_start();
    check_gmm_case(&d, "blobs4_diag", 4, "diag", WORDS("tol=1e-5", "max_iter=15"));
    log_stop();
    assert_logged(AIWB_LOG_WARN, "gmm: stopped after max_iter=15 EM iterations without "
                                 "converging (the log-likelihood still changed by more than "
                                 "tol=1e-05)");
    data_free(&d);
}

/* The starts that draw random numbers: repeatable by the seed, and good fits. */
static void
test_gmm_starts(void **unused)
{
    struct data d;
    struct run a, b, pp;

    (void)unused;
    read_blobs(&d);
    must_fit(&a, "gmm", &d, WORDS("k=6", "tol=1e-6"), 11);
    must_fit(&b, "gmm", &d, WORDS("k=6", "tol=1e-6"), 11);
    size_t la, lb;
    unsigned char *ba = save_blob(a.type, a.state, &la), *bb = save_blob(b.type, b.state, &lb);
    assert_int_equal(la, lb);
    assert_memory_equal(ba, bb, la);
    free(ba);
    free(bb);
    /* From the clusters of a k-means, the six blobs are found: at least as likely as the
     * fit scikit-learn made from the first rows. */
    double ll = score_of(&a, &d, d.n, "log_likelihood");
    assert_true(ll >= ref_one("gm_blobs6_full_score") - 1e-9);
    struct aiwb_table *t = report_of(a.state, a.type);
    int64_t total = 0;
    for (size_t c = 0; c < 6; c++)
        total += cell_int(t, c, 2);
    assert_int_equal(total, 2000);
    assert_note(t, "(init=kmeans)");
    assert_note(t, "Covariance full (with correlations, not shown), reg_covar=1e-06 added");
    table_free(t);
    must_fit(&pp, "gmm", &d, WORDS("k=6", "init=kmeans++", "covariance=diag"), 11);
    double *out = predict_of(&pp, &d, d.n);
    assert_rows_sum_to_one(out, d.n, 6, 1e-12);
    free(out);
    t = report_of(pp.state, pp.type);
    assert_note(t, "(init=kmeans++)");
    assert_note(t, "Covariance diagonal, reg_covar=1e-06 added");
    table_free(t);
    run_release(&pp);
    run_release(&b);
    run_release(&a);
    data_free(&d);
}

/* Each iterate is one EM step: the mean log-likelihood never falls. */
static void
test_gmm_steps(void **unused)
{
    struct data d;
    struct run r;
    double last = -HUGE_VAL;
    int rc;

    (void)unused;
    read_iris(&d);
    assert_int_equal(run_init(&r, "gmm", &d, WORDS("k=3", "init=first", "tol=1e-9"), 1),
                     AIWB_OK);
    do {
        memset(&r.step, 0, sizeof(r.step));
        rc = r.type->iterate(r.state, &r.prob, &r.step, &r.cause);
        r.iterations++;
        assert_true(rc == AIWB_CONTINUE || rc == AIWB_OK);
        assert_string_equal(r.step.names[0], "loss");
        assert_true(-step_get(&r.step, "loss") >= last - 1e-12);
        last = -step_get(&r.step, "loss");
        assert_int_equal(step_has(&r.step, "converged"), rc == AIWB_OK);
        assert_int_equal(step_has(&r.step, "lower_bound"), rc == AIWB_OK);
    } while (rc == AIWB_CONTINUE);
    assert_true(step_get(&r.step, "converged") == 1);
    /* The last loss is the final model's; the lower bound its last E step's, at most
     * tol below. */
    double lb = step_get(&r.step, "lower_bound");
    assert_true(lb <= last && last - lb < 1e-9);
    assert_int_equal(r.type->iterate(r.state, &r.prob, &r.step, &r.cause), AIWB_OK);
    assert_int_equal(r.type->finish(r.state, &r.prob, &r.cause), AIWB_OK);
    double ll = score_of(&r, &d, d.n, "log_likelihood");
    assert_rel(ll, last, 1e-14);
    struct aiwb_table *t = report_of(r.state, r.type);
    char want[128];
    snprintf(want, sizeof want, "Converged after %d EM iterations (init=first)", r.iterations);
    assert_note(t, want);
    snprintf(want, sizeof want, "Training rows: mean log-likelihood %.10g", ll);
    assert_note(t, want);
    table_free(t);
    run_release(&r);
    data_free(&d);
}

/* Stopped by the host after some EM steps, or before any: usable as it stands. */
static void
test_gmm_stopped_early(void **unused)
{
    struct data d;
    struct run r;

    (void)unused;
    read_iris(&d);
    assert_int_equal(run_init(&r, "gmm", &d, WORDS("k=3", "init=first"), 1), AIWB_OK);
    assert_int_equal(run_iterate(&r, 2), AIWB_OK);
    double *out = predict_of(&r, &d, d.n);
    assert_rows_sum_to_one(out, d.n, 3, 1e-12);
    free(out);
    struct aiwb_table *t = report_of(r.state, r.type);
    assert_note(t, "Did not converge within 2 EM iterations (init=first)");
    table_free(t);
    run_release(&r);
    assert_int_equal(run_init(&r, "gmm", &d, WORDS("k=2"), 1), AIWB_OK);
    assert_int_equal(run_iterate(&r, 0), AIWB_OK);
    out = predict_of(&r, &d, d.n);
    assert_rows_sum_to_one(out, d.n, 2, 1e-12);
    free(out);
    assert_true(isfinite(score_of(&r, &d, d.n, "bic")));
    /* No rows have no likelihood. */
    assert_true(isnan(score_of(&r, &d, 0, "log_likelihood")));
    run_release(&r);
    data_free(&d);
}

static void
test_gmm_save_load(void **unused)
{
    struct data d;
    struct run r;
    size_t len, plen;
    char *cause = NULL;

    (void)unused;
    read_iris(&d);
    must_fit(&r, "gmm", &d, WORDS("k=3", "init=first"), 1);
    assert_round_trip(&r, &d, "log_likelihood");
    run_release(&r);
    must_fit(&r, "gmm", &d, WORDS("k=2", "covariance=diag"), 4);
    assert_round_trip(&r, &d, "bic");

    unsigned char *blob = save_blob(r.type, r.state, &len);
    void *copy = xcalloc(1, r.type->state_size);
    assert_int_equal(load_blob(r.type, copy, blob, len, 9, &cause), AIWB_ENOTSUP);
    assert_string_equal(cause, "gmm: cannot read a model saved with state version 9 (this "
                               "plugin reads version 1)");
    free(cause);
    cause = NULL;
    /* Cut short after the weights; then a covariance that is not positive definite. */
    struct aiwb_writer *w = writer_new();
    const char *feat[] = {"a", "b"};
    double weights[2] = {0.5, 0.5}, means[4] = {0, 0, 1, 1};
    double covs[8] = {1, 0, 0, 1, 1, 2, 2, 1};
    int64_t sizes[2] = {5, 5};
    codec_put_int(w, "k", 2);
    codec_put_str(w, "covariance", "full");
    codec_put_str(w, "init", "first");
    codec_put_int(w, "max_iter", 100);
    codec_put_real(w, "tol", 1e-3);
    codec_put_real(w, "reg_covar", 1e-6);
    codec_put_strs(w, "features", 2, feat);
    codec_put_reals(w, "weights", 2, weights);
    unsigned char *partial = codec_seal(w, &plen);
    assert_int_equal(load_blob(r.type, copy, partial, plen, 1, &cause), AIWB_EDATA);
    assert_string_equal(cause, "gmm: the saved model is corrupt or incomplete (reading "
                               "'means')");
    free(cause);
    cause = NULL;
    free(partial);
    codec_put_reals(w, "means", 4, means);
    codec_put_reals(w, "covariances", 8, covs);
    codec_put_ints(w, "sizes", 2, sizes);
    codec_put_int(w, "n_samples", 10);
    codec_put_int(w, "iterations", 3);
    codec_put_int(w, "converged", 1);
    codec_put_real(w, "lower_bound", -1);
    codec_put_real(w, "log_likelihood", -1);
    partial = codec_seal(w, &plen);
    writer_free(w);
    assert_int_equal(load_blob(r.type, copy, partial, plen, 1, &cause), AIWB_EDATA);
    assert_string_equal(cause, "gmm: the saved model is corrupt: a covariance matrix is not "
                               "positive definite");
    free(cause);
    cause = NULL;
    free(partial);
    w = writer_new();
    codec_put_int(w, "k", 2);
    codec_put_str(w, "covariance", "tied");
    partial = codec_seal(w, &plen);
    writer_free(w);
    assert_int_equal(load_blob(r.type, copy, partial, plen, 1, &cause), AIWB_EDATA);
    assert_string_equal(cause, "gmm: the saved model is corrupt or incomplete (reading "
                               "'covariance')");
    free(cause);
    free(partial);
    double out[2];
    assert_int_equal(r.type->predict(copy, 1, d.X, d.p, out), AIWB_EINVAL);
    struct aiwb_step st;
    memset(&st, 0, sizeof(st));
    assert_int_equal(r.type->score(copy, 1, d.X, d.p, &st), AIWB_EINVAL);
    struct aiwb_table *t = table_new(NULL);
    assert_int_equal(r.type->report(copy, t), AIWB_EINVAL);
    table_free(t);
    r.type->fini(copy);
    free(copy);
    free(blob);
    run_release(&r);
    data_free(&d);
}

static void
test_gmm_refusals(void **unused)
{
    double X[6 * 2] = {1, 1, 1, 1, 5, 7, 6, 5, 5, 6, 7, 7};
    char *names[2] = {"x", "y"};
    struct data d = {.n = 6, .p = 2, .X = X, .names = names};
    struct run r;

    (void)unused;
    /* Rows 1 and 2 coincide: from them, component 2 gets no rows, and without
     * reg_covar its covariance is zero. */
    assert_int_equal(run_init(&r, "gmm", &d, WORDS("k=2", "init=first", "reg_covar=0"), 1),
                     AIWB_ENUMERIC);
    assert_string_equal(r.cause, "gmm: the covariance of component 2 is not positive definite "
                                 "(it collapsed on too few rows, or on rows that coincide): "
                                 "use fewer components or a larger reg_covar");
    run_release(&r);
    /* With the default reg_covar it fits, with an empty component, and says so. */
    log_start();
    must_fit(&r, "gmm", &d, WORDS("k=2", "init=first"), 1);
    log_stop();
    assert_logged(AIWB_LOG_WARN, "gmm: component 2 holds less than one row's weight (3.7e-16): "
                                 "it is empty, and fewer components would do");
    run_release(&r);
    assert_int_equal(run_init(&r, "gmm", &d, WORDS("k=7"), 1), AIWB_EDATA);
    assert_string_equal(r.cause, "gmm: k=7 components need at least 7 rows, the data has 6");
    run_release(&r);
    X[5] = NAN;
    assert_int_equal(run_init(&r, "gmm", &d, WORDS("k=2"), 1), AIWB_EDATA);
    assert_string_equal(r.cause, "gmm: feature 'y' row 3 holds a missing value");
    run_release(&r);
    X[5] = -INFINITY;
    assert_int_equal(run_init(&r, "gmm", &d, WORDS("k=2"), 1), AIWB_EDATA);
    assert_string_equal(r.cause, "gmm: feature 'y' row 3 holds an infinite value");
    run_release(&r);
    X[5] = 7;
    d.p = 0;
    assert_int_equal(run_init(&r, "gmm", &d, WORDS("k=2"), 1), AIWB_EDATA);
    assert_string_equal(r.cause, "gmm: there are no features to model");
    free(r.cause);
    r.cause = NULL;
    assert_int_equal(r.type->iterate(r.state, &r.prob, &r.step, &r.cause), AIWB_EINVAL);
    assert_contains(r.cause, "gmm: iterate without a successful init");
    free(r.cause);
    r.cause = NULL;
    assert_int_equal(r.type->finish(r.state, &r.prob, &r.cause), AIWB_EINVAL);
    assert_contains(r.cause, "gmm: finish without a successful init");
    run_release(&r);
    char *cause = NULL;
    const struct aiwb_algorithm_type *type = algorithm("gmm");
    assert_null(options_parse("gmm", type->options, 1, (char *const[]){"covariance=tied"},
                              &cause));
    assert_contains(cause, "covariance");
    free(cause);
    cause = NULL;
    assert_null(options_parse("gmm", type->options, 1, (char *const[]){"reg_covar=-1"}, &cause));
    assert_contains(cause, "reg_covar");
    free(cause);
}

/* ---------------------------------------------------------------------------
 * pca.
 */

static void
check_pca_case(const struct data *d, const char *name, int scale)
{
    char key[128];
    size_t nv, nc, p = d->p;
    struct run r;

    must_fit(&r, "pca", d, scale ? WORDS("scale=true") : NULL, 1);
    assert_int_equal(r.iterations, 1);
    assert_int_equal(r.type->n_outputs(r.state), p);
    snprintf(key, sizeof key, "pca_%s_variance", name);
    double *var = ref_get(key, &nv);
    assert_int_equal(nv, p);
    snprintf(key, sizeof key, "pca_%s_ratio", name);
    double *ratio = ref_get(key, &nv);
    snprintf(key, sizeof key, "pca_%s_components", name);
    double *comp = ref_get(key, &nc);
    assert_int_equal(nc, p * p);
    struct aiwb_table *t = report_of(r.state, r.type);
    assert_int_equal(table_rows(t), p);
    assert_int_equal(t->ncols, 5 + p);
    double cum = 0;
    for (size_t c = 0; c < p; c++) {
        char pc[32];
        snprintf(pc, sizeof pc, "PC%zu", c + 1);
        assert_string_equal(table_cell(t, c, 0)->v.s, pc);
        assert_rel(cell_real(t, c, 1), sqrt(var[c]), 1e-10);
        assert_rel(cell_real(t, c, 2), var[c], 1e-10);
        assert_rel(cell_real(t, c, 3), ratio[c], 1e-10);
        cum += ratio[c];
        assert_rel(cell_real(t, c, 4), cum, 1e-10);
        for (size_t j = 0; j < p; j++)
            assert_near(cell_real(t, c, 5 + j), comp[c * p + j], 1e-9);
    }
    assert_rel(cell_real(t, p - 1, 4), 1.0, 1e-14);
    table_free(t);
    snprintf(key, sizeof key, "pca_%s_scores", name);
    double *want = ref_get(key, &nv), big = 0;
    assert_int_equal(nv, 5 * p);
    for (size_t i = 0; i < nv; i++)
        big = fmax(big, fabs(want[i]));
    double *out = predict_of(&r, d, 5);
    for (size_t i = 0; i < nv; i++)
        assert_near(out[i], want[i], 1e-10 * big);
    free(out);
    /* All components kept: nothing lost. */
    assert_near(step_get(&r.step, "loss"), 0, 1e-9 * var[0]);
    assert_rel(step_get(&r.step, "explained"), 1, 1e-14);
    assert_near(score_of(&r, d, d->n, "reconstruction_error"), 0, 1e-9 * var[0]);
    free(want);
    free(comp);
    free(ratio);
    free(var);
    run_release(&r);
}

static void
test_pca_like_sklearn(void **unused)
{
    struct data d;

    (void)unused;
    read_diabetes(&d);
    check_pca_case(&d, "diabetes", 0);
    check_pca_case(&d, "diabetes_scaled", 1);
    data_free(&d);
    read_iris(&d);
    check_pca_case(&d, "iris", 0);
    data_free(&d);
}

/* components= and variance= choose how many components are kept; the loss is what the
 * others held, as score() measures it on the training rows. */
static void
test_pca_keeps(void **unused)
{
    struct data d;
    struct run r;
    size_t nv;

    (void)unused;
    read_diabetes(&d);
    double *var = ref_get("pca_diabetes_variance", &nv);
    double *ratio = ref_get("pca_diabetes_ratio", &nv);
    must_fit(&r, "pca", &d, WORDS("variance=0.9"), 1);
    assert_int_equal(r.type->n_outputs(r.state), 3);
    double left = 0;
    for (size_t c = 3; c < nv; c++)
        left += var[c];
    assert_rel(step_get(&r.step, "loss"), left * 441 / 442, 1e-9);
    assert_rel(score_of(&r, &d, d.n, "reconstruction_error"), left * 441 / 442, 1e-9);
    assert_rel(step_get(&r.step, "explained"), ratio[0] + ratio[1] + ratio[2], 1e-12);
    assert_rel(score_of(&r, &d, d.n, "explained"), ratio[0] + ratio[1] + ratio[2], 1e-9);
    struct aiwb_table *t = report_of(r.state, r.type);
    assert_int_equal(table_rows(t), 3);
    assert_note(t, "3 of 10 components kept, explaining 90.34 % of the variance of the "
                   "centred features (442 rows)");
    table_free(t);
    assert_round_trip(&r, &d, "explained");
    run_release(&r);

    must_fit(&r, "pca", &d, WORDS("components=2", "scale=yes"), 1);
    assert_int_equal(r.type->n_outputs(r.state), 2);
    double *out = predict_of(&r, &d, 5);
    double *want = ref_get("pca_diabetes_scaled_scores", &nv);
    for (size_t i = 0; i < 5; i++)
        for (size_t c = 0; c < 2; c++)
            assert_near(out[i * 2 + c], want[i * 10 + c], 1e-10);
    free(want);
    free(out);
    /* Rows far from the training rows' plane lose more. */
    double row[10] = {0};
    struct data far = {.n = 1, .p = 10, .X = row};
    assert_true(score_of(&r, &far, 1, "explained") < 1);
    assert_round_trip(&r, &d, "reconstruction_error");
    run_release(&r);
    free(ratio);
    free(var);
    data_free(&d);
}

static void
test_pca_refusals(void **unused)
{
    struct data d;
    struct run r;
    char *cause = NULL;

    (void)unused;
    read_diabetes(&d);
    assert_int_equal(run_init(&r, "pca", &d, WORDS("components=2", "variance=0.5"), 1),
                     AIWB_EINVAL);
    assert_string_equal(r.cause, "pca: give components= or variance=, not both");
    run_release(&r);
    assert_int_equal(run_fit(&r, "pca", &d, WORDS("components=11"), 1), AIWB_EINVAL);
    assert_string_equal(r.cause, "pca: components=11, but 10 features and 442 rows give at "
                                 "most 10");
    run_release(&r);
    /* Stopped before its one iterate: finish fits. */
    assert_int_equal(run_init(&r, "pca", &d, NULL, 1), AIWB_OK);
    assert_int_equal(run_iterate(&r, 0), AIWB_OK);
    assert_int_equal(r.type->n_outputs(r.state), 10);
    run_release(&r);
    data_free(&d);

    double X[3 * 2] = {1, 2, 1, 2, 1, 2};
    char *names[2] = {"u", "v"};
    struct data c = {.n = 3, .p = 2, .X = X, .names = names};
    assert_int_equal(run_fit(&r, "pca", &c, WORDS("scale=true"), 1), AIWB_EDATA);
    assert_string_equal(r.cause, "pca: every feature is constant: there is no variance to "
                                 "decompose");
    run_release(&r);
    c.n = 1;
    assert_int_equal(run_init(&r, "pca", &c, NULL, 1), AIWB_EDATA);
    assert_string_equal(r.cause, "pca: needs at least 2 rows, the data has 1");
    run_release(&r);
    c.n = 3;
    X[3] = NAN;
    assert_int_equal(run_init(&r, "pca", &c, NULL, 1), AIWB_EDATA);
    assert_string_equal(r.cause, "pca: feature 'v' row 2 holds a missing value");
    run_release(&r);
    c.p = 0;
    assert_int_equal(run_init(&r, "pca", &c, NULL, 1), AIWB_EDATA);
    assert_string_equal(r.cause, "pca: there are no features to decompose");
    run_release(&r);

    /* Damaged models. */
    const struct aiwb_algorithm_type *type = algorithm("pca");
    void *copy = xcalloc(1, type->state_size);
    struct aiwb_writer *w = writer_new();
    const char *feat[] = {"a", "b"};
    double two[2] = {0, 1};
    size_t plen;
    codec_put_int(w, "scale", 0);
    codec_put_int(w, "components", 0);
    codec_put_real(w, "variance_share", 0);
    codec_put_int(w, "n_samples", 10);
    codec_put_strs(w, "features", 2, feat);
    codec_put_reals(w, "means", 2, two);
    codec_put_reals(w, "scales", 2, two);
    codec_put_reals(w, "explained_variance", 2, two);
    codec_put_int(w, "kept", 3);
    unsigned char *partial = codec_seal(w, &plen);
    writer_free(w);
    assert_int_equal(load_blob(type, copy, partial, plen, 1, &cause), AIWB_EDATA);
    assert_string_equal(cause, "pca: the saved model is corrupt or incomplete (reading 'kept')");
    free(cause);
    cause = NULL;
    assert_int_equal(load_blob(type, copy, partial, plen, 2, &cause), AIWB_ENOTSUP);
    assert_string_equal(cause, "pca: cannot read a model saved with state version 2 (this "
                               "plugin reads version 1)");
    free(cause);
    free(partial);
    double out[2];
    assert_int_equal(type->predict(copy, 1, X, 2, out), AIWB_EINVAL);
    type->fini(copy);
    free(copy);
}

/* ---------------------------------------------------------------------------
 * Registration.
 */

static void
test_registration(void **unused)
{
    const struct component *c;
    char *cause = NULL, *all;
    struct aiwb_options *o;

    (void)unused;
    tu_load_plugins();
    c = registry_find(COMPONENT_ALGORITHM, "kmeans");
    assert_non_null(c);
    assert_int_equal(c->flags & AIWB_TASK_MASK, AIWB_TASK_CLUSTERING);
    assert_non_null(c->type.algorithm->score);
    o = options_parse("kmeans", c->options, 0, NULL, &cause);
    all = options_format(o, 1);
    assert_string_equal(all, "k=8 init=kmeans++ restarts=10 max_iter=300 tol=1e-4");
    free(all);
    options_free(o);

    c = registry_find(COMPONENT_ALGORITHM, "gmm");
    assert_non_null(c);
    assert_int_equal(c->flags & AIWB_TASK_MASK, AIWB_TASK_CLUSTERING);
    assert_non_null(c->type.algorithm->score);
    o = options_parse("gmm", c->options, 0, NULL, &cause);
    all = options_format(o, 1);
    assert_string_equal(all, "k=1 covariance=full init=kmeans max_iter=100 tol=1e-3 "
                             "reg_covar=1e-6");
    free(all);
    options_free(o);

    c = registry_find(COMPONENT_ALGORITHM, "pca");
    assert_non_null(c);
    assert_int_equal(c->flags & AIWB_TASK_MASK, AIWB_TASK_DECOMPOSITION);
    assert_string_equal(c->module->name, "pca-model");
    o = options_parse("pca", c->options, 0, NULL, &cause);
    all = options_format(o, 1);
    assert_string_equal(all, "scale=false");
    free(all);
    options_free(o);
    /* The pca transform lives on beside it. */
    assert_non_null(registry_find(COMPONENT_TRANSFORM, "pca"));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kmeans_like_sklearn),
        cmocka_unit_test(test_kmeans_empty_cluster),
        cmocka_unit_test(test_kmeans_steps),
        cmocka_unit_test(test_kmeans_plusplus_restarts),
        cmocka_unit_test(test_kmeans_one_cluster),
        cmocka_unit_test(test_kmeans_predict_score),
        cmocka_unit_test(test_kmeans_save_load),
        cmocka_unit_test(test_kmeans_stopped_early),
        cmocka_unit_test(test_kmeans_degenerate),
        cmocka_unit_test(test_kmeans_refusals),
        cmocka_unit_test(test_gmm_like_sklearn),
        cmocka_unit_test(test_gmm_starts),
        cmocka_unit_test(test_gmm_steps),
        cmocka_unit_test(test_gmm_stopped_early),
        cmocka_unit_test(test_gmm_save_load),
        cmocka_unit_test(test_gmm_refusals),
        cmocka_unit_test(test_pca_like_sklearn),
        cmocka_unit_test(test_pca_keeps),
        cmocka_unit_test(test_pca_refusals),
        cmocka_unit_test(test_registration),
    };

    gsl_set_error_handler_off();
    log_set_sink(NULL, NULL, AIWB_LOG_WARN);
    return cmocka_run_group_tests_name("clustering", tests, NULL, NULL);
}
