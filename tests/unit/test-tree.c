/*
 * test-tree.c - the tree and forest plugins: trees node for node as
 * scikit-learn grows them, pruning along its cost-complexity path, ties
 * (the lowest feature wins), categorical splits against brute force,
 * missing values, forests against scikit-learn's out-of-bag scores and
 * against the out-of-bag error, importances and predictions computed here
 * from each tree's bootstrap sample, stopping between iterates,
 * determinism (seeds, threads), save/load, every refusal.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Reference numbers: tests/data/tree/sklearn-tree.txt, made by
 * tests/data/tree/make-fixtures.py (see there to regenerate) on cls.csv,
 * reg.csv and bin.csv of that folder.
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
 * Data and reference numbers.
 */

/* A problem: n rows of p features, a target, maybe weights and levels. */
struct data {
    size_t n, p, k; /* k: classes, 0 for regression */
    double *X;      /* row-major, stride p */
    double *y;
    double *w;
    unsigned *levels;
    char **names;
};

static void
data_free(struct data *d)
{
    for (size_t j = 0; d->names != NULL && j < d->p; j++)
        free(d->names[j]);
    free(d->names);
    free(d->X);
    free(d->y);
    free(d->w);
    free(d->levels);
    memset(d, 0, sizeof(*d));
}

/* An empty problem of N rows and P features named x1..xP. */
static void
data_new(struct data *d, size_t n, size_t p, size_t k)
{
    memset(d, 0, sizeof(*d));
    d->n = n;
    d->p = p;
    d->k = k;
    d->X = xcalloc(n * p + 1, sizeof(double));
    d->y = xcalloc(n + 1, sizeof(double));
    d->names = xcalloc(p, sizeof(char *));
    for (size_t j = 0; j < p; j++)
        d->names[j] = xasprintf("x%zu", j + 1);
}

/*
 * Read a CSV of numbers under tests/data/tree: the column "w" as weights,
 * the last column as the target when TARGET, the others features. K is the
 * number of classes (0: regression).
 */
static void
data_read(struct data *d, const char *name, size_t k, int target)
{
    char *rel = xasprintf("tests/data/tree/%s", name), *path = tu_srcpath(rel);
    FILE *f = fopen(path, "r");
    char line[4096];
    size_t cols = 1, alloc = 0, wcol = (size_t)-1;

    assert_non_null(f);
    memset(d, 0, sizeof(*d));
    d->k = k;
    assert_non_null(fgets(line, sizeof(line), f));
    line[strcspn(line, "\r\n")] = '\0';
    for (char *c = line; *c; c++)
        cols += *c == ',';
    d->names = xcalloc(cols, sizeof(char *));
    char *tok = strtok(line, ",");
    for (size_t j = 0; j < cols; j++, tok = strtok(NULL, ",")) {
        if (strcmp(tok, "w") == 0)
            wcol = j;
        else if (!target || j + 1 < cols)
            d->names[d->p++] = xstrdup(tok);
    }
    while (fgets(line, sizeof(line), f) != NULL) {
        char *p = line, *end;
        size_t at = 0;
        if (d->n == alloc) {
            alloc = alloc ? 2 * alloc : 256;
            d->X = xreallocarray(d->X, alloc * d->p, sizeof(double));
            d->y = xreallocarray(d->y, alloc, sizeof(double));
            d->w = xreallocarray(d->w, alloc, sizeof(double));
        }
        for (size_t j = 0; j < cols; j++) {
            double v = strtod(p, &end);
            assert_true(end != p);
            if (j == wcol)
                d->w[d->n] = v;
            else if (target && j + 1 == cols)
                d->y[d->n] = v;
            else
                d->X[d->n * d->p + at++] = v;
            p = end + 1;
        }
        d->n++;
    }
    if (wcol == (size_t)-1) {
        free(d->w);
        d->w = NULL;
    }
    fclose(f);
    free(path);
    free(rel);
}

/* The numbers on the line "KEY v1 v2 ..." of sklearn-tree.txt (a new array). */
static double *
ref_get(const char *key, size_t *n)
{
    char *path = tu_srcpath("tests/data/tree/sklearn-tree.txt");
    FILE *f = fopen(path, "r");
    char *line = NULL;
    size_t cap = 0, klen = strlen(key), alloc = 0;
    double *v = NULL;

    assert_non_null(f);
    *n = 0;
    while (getline(&line, &cap, f) > 0) {
        char *p, *end;
        if (strncmp(line, key, klen) != 0 || line[klen] != ' ')
            continue;
        p = line + klen;
        for (;;) {
            double x = strtod(p, &end);
            if (end == p)
                break;
            if (*n == alloc) {
                alloc = alloc ? 2 * alloc : 64;
                v = xreallocarray(v, alloc, sizeof(double));
            }
            v[(*n)++] = x;
            p = end;
        }
        break;
    }
    free(line);
    fclose(f);
    free(path);
    if (*n == 0)
        fail_msg("no '%s' in sklearn-tree.txt", key);
    return v;
}

/* |got - want| <= tol (absolute). */
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

/* ---------------------------------------------------------------------------
 * Running the plugins.
 */

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
algo_type(const char *name)
{
    const struct component *c;

    tu_load_plugins();
    c = registry_find(COMPONENT_ALGORITHM, name);
    assert_non_null(c);
    return c->type.algorithm;
}

static const char *const class_names[] = {"alpha", "beta", "gamma", "delta", "epsilon", "zeta"};

/* Options and init of algorithm ALGO on D with option words WORDS (NULL-terminated). */
static int
run_init(struct run *r, const char *algo, const struct data *d, uint64_t seed,
         const char *const *words)
{
    size_t nw = 0;

    memset(r, 0, sizeof(*r));
    r->type = algo_type(algo);
    while (words != NULL && words[nw] != NULL)
        nw++;
    r->opts = options_parse(algo, r->type->options, nw, (char *const *)words, &r->cause);
    if (r->opts == NULL)
        fail_msg("%s", r->cause);
    r->state = xcalloc(1, r->type->state_size);
    r->prob = (struct aiwb_problem){
        .n = d->n,
        .p = d->p,
        .X = d->X,
        .ldx = d->p,
        .y = d->y,
        .w = d->w,
        .task = d->k > 0 ? AIWB_TASK_CLASSIFICATION : AIWB_TASK_REGRESSION,
        .n_classes = d->k,
        .feature_names = (const char *const *)d->names,
        .class_names = d->k > 0 ? class_names : NULL,
        .target_name = "label",
        .feature_levels = d->levels,
        .seed = seed,
    };
    return r->type->init(r->state, r->opts, &r->prob, &r->cause);
}

/* Iterate as the host does, at most MAX times; returns the last status. */
static int
run_iterate(struct run *r, int max)
{
    int rc = AIWB_CONTINUE;

    for (int i = 0; i < max && rc == AIWB_CONTINUE; i++) {
        memset(&r->step, 0, sizeof(r->step));
        r->step.iteration = r->iterations + 1;
        rc = r->type->iterate(r->state, &r->prob, &r->step, &r->cause);
        r->iterations++;
    }
    return rc;
}

/* init, iterate to the end, finish; fails the test on an error. */
static void
run_fit(struct run *r, const char *algo, const struct data *d, uint64_t seed,
        const char *const *words)
{
    int rc = run_init(r, algo, d, seed, words);

    if (rc == AIWB_OK)
        rc = run_iterate(r, 100000);
    if (rc == AIWB_OK)
        rc = r->type->finish(r->state, &r->prob, &r->cause);
    if (rc != AIWB_OK)
        fail_msg("%s failed (%d): %s", algo, rc, r->cause ? r->cause : "(no cause)");
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

/* Predictions of R's model for the N rows of X (a new array). */
static double *
run_predict(const struct run *r, size_t n, const double *X, size_t ldx)
{
    size_t k = r->type->n_outputs(r->state);
    double *out = xcalloc(n * k + 1, sizeof(double));

    assert_int_equal(r->type->predict(r->state, n, X, ldx, out), AIWB_OK);
    return out;
}

static struct aiwb_table *
run_report(const struct run *r)
{
    struct aiwb_table *t = table_new(NULL);

    assert_int_equal(r->type->report(r->state, t), AIWB_OK);
    return t;
}

/* All the notes of T, one a line (a new string). */
static char *
notes_of(const struct aiwb_table *t)
{
    size_t len = 1;
    char *s;

    for (size_t i = 0; i < t->nnotes; i++)
        len += strlen(t->notes[i]) + 1;
    s = xcalloc(len, 1);
    for (size_t i = 0; i < t->nnotes; i++) {
        strcat(s, t->notes[i]);
        strcat(s, "\n");
    }
    return s;
}

/* ---------------------------------------------------------------------------
 * Saved models: read them back value by value, change them, write them.
 */

enum vt { V_INT, V_REAL, V_STR, V_INTS, V_REALS, V_STRS };

/* The plugin's saved format, in order. */
static const struct {
    const char *key;
    enum vt type;
} schema[] = {
    {"criterion", V_STR},      {"max_depth", V_INT},
    {"min_samples_split", V_INT}, {"min_samples_leaf", V_INT},
    {"min_impurity_decrease", V_REAL}, {"ccp_alpha", V_REAL},
    {"max_features", V_STR},   {"mtry", V_INT},
    {"bootstrap", V_INT},      {"task", V_INT},
    {"features", V_STRS},      {"classes_n", V_INT},
    {"classes", V_STRS},       {"levels", V_INTS},
    {"had_missing", V_INTS},   {"tree_start", V_INTS},
    {"feature", V_INTS},       {"left", V_INTS},
    {"right", V_INTS},         {"miss_left", V_INTS},
    {"cat", V_INTS},           {"rows", V_INTS},
    {"threshold", V_REALS},    {"value", V_REALS},
    {"weight", V_REALS},       {"impurity", V_REALS},
    {"bits", V_INTS},          {"importance", V_REALS},
    {"has_perm", V_INT},       {"oob_permutation", V_REALS},
    {"oob_se", V_REALS},       {"loss", V_REAL},
    {"score", V_REAL},         {"oob_rows", V_INT},
    {"train_rows", V_INT},     {"has_oob", V_INT},
};
#define NSCHEMA (sizeof(schema) / sizeof(schema[0]))

struct val {
    int present;
    int64_t i;
    double r;
    char *s;
    size_t n;
    int64_t *is;
    double *rs;
    char **ss;
};

struct saved {
    struct val v[NSCHEMA];
};

static size_t
schema_at(const char *key)
{
    for (size_t i = 0; i < NSCHEMA; i++)
        if (strcmp(schema[i].key, key) == 0)
            return i;
    fail_msg("no key '%s' in the schema", key);
    return 0;
}

static struct val *
sv_get(struct saved *sv, const char *key)
{
    struct val *v = &sv->v[schema_at(key)];

    assert_true(v->present);
    return v;
}

/* Whether the value at schema position I is written, given what came before. */
static int
sv_written(const struct saved *sv, size_t i)
{
    if (strcmp(schema[i].key, "classes") == 0)
        return sv->v[schema_at("classes_n")].i > 0;
    if (strcmp(schema[i].key, "oob_permutation") == 0 || strcmp(schema[i].key, "oob_se") == 0)
        return sv->v[schema_at("has_perm")].i != 0;
    return 1;
}

static void
sv_read(struct saved *sv, const unsigned char *blob, size_t len)
{
    char *cause = NULL;
    struct aiwb_reader *r = reader_open(blob, len, &cause);

    assert_non_null(r);
    memset(sv, 0, sizeof(*sv));
    for (size_t i = 0; i < NSCHEMA; i++) {
        struct val *v = &sv->v[i];
        int rc = 0;
        if (!sv_written(sv, i))
            continue;
        switch (schema[i].type) {
        case V_INT: rc = codec_get_int(r, schema[i].key, &v->i); break;
        case V_REAL: rc = codec_get_real(r, schema[i].key, &v->r); break;
        case V_STR: rc = codec_get_str(r, schema[i].key, &v->s); break;
        case V_INTS: rc = codec_get_ints(r, schema[i].key, &v->n, &v->is); break;
        case V_REALS: rc = codec_get_reals(r, schema[i].key, &v->n, &v->rs); break;
        case V_STRS: rc = codec_get_strs(r, schema[i].key, &v->n, &v->ss); break;
        }
        if (rc != 0)
            fail_msg("reading '%s': %s", schema[i].key, reader_error(r));
        v->present = 1;
    }
    assert_true(reader_at_end(r));
    reader_free(r);
}

/* A sealed blob of the first UPTO values of SV (all: NSCHEMA). */
static unsigned char *
sv_write(const struct saved *sv, size_t upto, size_t *len)
{
    struct aiwb_writer *w = writer_new();
    unsigned char *blob;

    for (size_t i = 0; i < upto && i < NSCHEMA; i++) {
        const struct val *v = &sv->v[i];
        if (!v->present)
            continue;
        switch (schema[i].type) {
        case V_INT: codec_put_int(w, schema[i].key, v->i); break;
        case V_REAL: codec_put_real(w, schema[i].key, v->r); break;
        case V_STR: codec_put_str(w, schema[i].key, v->s); break;
        case V_INTS: codec_put_ints(w, schema[i].key, v->n, v->is); break;
        case V_REALS: codec_put_reals(w, schema[i].key, v->n, v->rs); break;
        case V_STRS: codec_put_strs(w, schema[i].key, v->n, (const char *const *)v->ss); break;
        }
    }
    blob = codec_seal(w, len);
    writer_free(w);
    return blob;
}

static void
sv_free(struct saved *sv)
{
    for (size_t i = 0; i < NSCHEMA; i++) {
        struct val *v = &sv->v[i];
        free(v->s);
        free(v->is);
        free(v->rs);
        for (size_t j = 0; v->ss != NULL && j < v->n; j++)
            free(v->ss[j]);
        free(v->ss);
    }
    memset(sv, 0, sizeof(*sv));
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

static void
run_saved(const struct run *r, struct saved *sv)
{
    size_t len;
    unsigned char *blob = save_blob(r, &len);

    sv_read(sv, blob, len);
    free(blob);
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

/* ---------------------------------------------------------------------------
 * Trees as scikit-learn grows them.
 */

/*
 * Compare tree T of the saved model SV with the reference NAME: its nodes
 * in scikit-learn's order (depth first, left first) must have the same
 * feature, threshold, rows, impurity and value; then the importances.
 */
static void
check_nodes(struct saved *sv, size_t t, const char *name, size_t nout)
{
    char key[128];
    size_t nf, nt, nn, ni, nv, np;
    double *feat, *thr, *rows, *imp, *val, *impo;
    const int64_t *start = sv_get(sv, "tree_start")->is, *feature = sv_get(sv, "feature")->is;
    const int64_t *left = sv_get(sv, "left")->is, *right = sv_get(sv, "right")->is;
    const int64_t *nrows = sv_get(sv, "rows")->is;
    const double *threshold = sv_get(sv, "threshold")->rs, *value = sv_get(sv, "value")->rs;
    const double *impurity = sv_get(sv, "impurity")->rs;
    size_t *stack, top = 0, at = 0;

    snprintf(key, sizeof(key), "%s.feature", name);
    feat = ref_get(key, &nf);
    snprintf(key, sizeof(key), "%s.threshold", name);
    thr = ref_get(key, &nt);
    snprintf(key, sizeof(key), "%s.n", name);
    rows = ref_get(key, &nn);
    snprintf(key, sizeof(key), "%s.impurity", name);
    imp = ref_get(key, &ni);
    snprintf(key, sizeof(key), "%s.value", name);
    val = ref_get(key, &nv);
    assert_int_equal(nf, nt);
    assert_int_equal(nv, nf * nout);
    assert_int_equal((size_t)(start[t + 1] - start[t]), nf);
    stack = xcalloc(nf + 1, sizeof(size_t));
    stack[top++] = (size_t)start[t];
    while (top > 0) {
        size_t i = stack[--top];
        assert_true(at < nf);
        if ((double)feature[i] != feat[at])
            fail_msg("%s: node %zu (scikit-learn's order): feature %lld, want %g", name, at,
                     (long long)feature[i], feat[at]);
        assert_int_equal(nrows[i], (int64_t)rows[at]);
        assert_near(impurity[i], imp[at], 1e-12 * (1 + fabs(imp[at])));
        for (size_t c = 0; c < nout; c++)
            assert_near(value[i * nout + c], val[at * nout + c],
                        1e-12 * (1 + fabs(val[at * nout + c])));
        if (feature[i] >= 0) {
            if (threshold[i] != thr[at])
                fail_msg("%s: node %zu: threshold %.17g, want %.17g", name, at, threshold[i],
                         thr[at]);
            stack[top++] = (size_t)right[i];
            stack[top++] = (size_t)left[i];
        }
        at++;
    }
    assert_int_equal(at, nf);
    snprintf(key, sizeof(key), "%s.importance", name);
    impo = ref_get(key, &np);
    assert_int_equal(np, sv_get(sv, "importance")->n);
    for (size_t j = 0; j < np; j++)
        assert_near(sv_get(sv, "importance")->rs[j], impo[j], 1e-12);
    free(stack);
    free(feat);
    free(thr);
    free(rows);
    free(imp);
    free(val);
    free(impo);
}

/* Compare R's predictions for test.csv with the reference NAME.pred. */
static void
check_predictions(const struct run *r, const struct data *test, size_t p, const char *name)
{
    char key[128];
    size_t n, k = r->type->n_outputs(r->state);
    double *want, *got = run_predict(r, test->n, test->X, test->p);

    (void)p;
    snprintf(key, sizeof(key), "%s.pred", name);
    want = ref_get(key, &n);
    assert_int_equal(n, test->n * k);
    for (size_t i = 0; i < n; i++)
        assert_near(got[i], want[i], 1e-12 * (1 + fabs(want[i])));
    free(want);
    free(got);
}

/* Fit NAME's configuration with WORDS on D and compare everything. */
static void
check_config(const struct data *d, const struct data *test, const char *name,
             const char *const *words)
{
    struct run r;
    struct saved sv;

    run_fit(&r, "tree", d, 1, words);
    run_saved(&r, &sv);
    check_nodes(&sv, 0, name, d->k > 0 ? d->k : 1);
    check_predictions(&r, test, d->p, name);
    sv_free(&sv);
    run_release(&r);
}

/* TEST with only the first P columns (the regression has 4 features). */
static void
narrow(struct data *test, size_t p)
{
    for (size_t i = 0; i < test->n; i++)
        for (size_t j = 0; j < p; j++)
            test->X[i * p + j] = test->X[i * test->p + j];
    for (size_t j = p; j < test->p; j++)
        free(test->names[j]);
    test->p = p;
}

static void
test_classifier_like_sklearn(void **unused)
{
    struct data d, test;
    const char *entropy[] = {"criterion=entropy", NULL};
    const char *entropy_d4[] = {"criterion=entropy", "max_depth=4", NULL};
    const char *leaf[] = {"min_samples_leaf=5", "min_samples_split=12", NULL};
    const char *decrease[] = {"min_impurity_decrease=0.01", NULL};

    (void)unused;
    data_read(&d, "cls.csv", 3, 1);
    data_read(&test, "test.csv", 0, 0);
    assert_int_equal(d.n, 240);
    assert_int_equal(d.p, 5);
    check_config(&d, &test, "c_gini_w", NULL);
    check_config(&d, &test, "c_entropy_w", entropy);
    check_config(&d, &test, "c_leaf5_split12_w", leaf);
    double *w = d.w;
    d.w = NULL;
    check_config(&d, &test, "c_entropy_d4", entropy_d4);
    check_config(&d, &test, "c_decrease", decrease);
    d.w = w;
    data_free(&d);
    data_free(&test);
}

static void
test_regressor_like_sklearn(void **unused)
{
    struct data d, test;
    const char *d5[] = {"max_depth=5", "min_samples_leaf=3", NULL};
    const char *split6[] = {"min_samples_split=6", "criterion=squared_error", NULL};

    (void)unused;
    data_read(&d, "reg.csv", 0, 1);
    data_read(&test, "test.csv", 0, 0);
    narrow(&test, 4);
    check_config(&d, &test, "r_weighted", split6);
    double *w = d.w;
    d.w = NULL;
    check_config(&d, &test, "r_mse", NULL);
    check_config(&d, &test, "r_d5_leaf3", d5);
    d.w = w;
    data_free(&d);
    data_free(&test);
}

/* Unweighted full trees have ties scikit-learn breaks at random; ours fit
 * every training row all the same, and a level per iteration. */
static void
test_full_tree_levels(void **unused)
{
    struct data d;
    struct run r;
    double last = HUGE_VAL;
    int rc, levels = 0;

    (void)unused;
    data_read(&d, "cls.csv", 3, 1);
    free(d.w);
    d.w = NULL;
    assert_int_equal(run_init(&r, "tree", &d, 1, NULL), AIWB_OK);
    do {
        rc = run_iterate(&r, 1);
        levels++;
        assert_true(step_get(&r.step, "loss") <= last);
        last = step_get(&r.step, "loss");
        assert_near(step_get(&r.step, "depth"), levels, 0);
        assert_true(step_get(&r.step, "leaves") >= levels + 1);
    } while (rc == AIWB_CONTINUE);
    assert_int_equal(rc, AIWB_OK);
    assert_true(levels > 5);
    assert_near(last, 0, 0);
    /* Done: another iterate changes nothing. */
    assert_int_equal(run_iterate(&r, 1), AIWB_OK);
    assert_int_equal(r.type->finish(r.state, &r.prob, &r.cause), AIWB_OK);
    double *pr = run_predict(&r, d.n, d.X, d.p);
    for (size_t i = 0; i < d.n; i++)
        assert_near(pr[i * 3 + (size_t)d.y[i]], 1, 0);
    free(pr);
    run_release(&r);
    data_free(&d);
}

/* Pruning at alphas between those of scikit-learn's path gives its trees. */
static void
check_pruning(struct data *d, const struct data *test, const char *tag)
{
    char key[128], aw[64], name[128];
    size_t npk, na, ni;
    double *picks, *alphas, *imps;

    snprintf(key, sizeof(key), "prune.%s.picks", tag);
    picks = ref_get(key, &npk);
    snprintf(key, sizeof(key), "path.%s.alpha", tag);
    alphas = ref_get(key, &na);
    snprintf(key, sizeof(key), "path.%s.impurity", tag);
    imps = ref_get(key, &ni);
    assert_int_equal(na, ni);
    for (size_t q = 0; q < npk; q++) {
        size_t k = (size_t)picks[q], nl;
        const char *words[] = {aw, NULL};
        struct run r;
        struct saved sv;

        snprintf(key, sizeof(key), "prune.%s.%zu.alpha", tag, k);
        double *alpha = ref_get(key, &nl);
        snprintf(key, sizeof(key), "prune.%s.%zu.leaves", tag, k);
        double *leaves = ref_get(key, &nl);
        snprintf(aw, sizeof(aw), "ccp_alpha=%.17g", alpha[0]);
        run_fit(&r, "tree", d, 1, words);
        assert_near(step_get(&r.step, "leaves"), leaves[0], 0);
        /* The leaves' impurity is the path's at that alpha. */
        assert_near(step_get(&r.step, "loss"), imps[k], 1e-10 * (1 + imps[k]));
        snprintf(name, sizeof(name), "prune.%s.%zu", tag, k);
        run_saved(&r, &sv);
        check_nodes(&sv, 0, name, d->k > 0 ? d->k : 1);
        check_predictions(&r, test, d->p, name);
        sv_free(&sv);
        run_release(&r);
        free(alpha);
        free(leaves);
    }
    /* Beyond the last alpha: the root alone. */
    struct run r;
    snprintf(aw, sizeof(aw), "ccp_alpha=%.17g", alphas[na - 1] * 1.01);
    const char *words[] = {aw, NULL};
    run_fit(&r, "tree", d, 1, words);
    assert_near(step_get(&r.step, "leaves"), 1, 0);
    assert_near(step_get(&r.step, "loss"), imps[na - 1], 1e-10 * (1 + imps[na - 1]));
    struct aiwb_table *t = run_report(&r);
    char *notes = notes_of(t);
    assert_contains(notes, "(a single leaf)");
    free(notes);
    table_free(t);
    run_release(&r);
    free(picks);
    free(alphas);
    free(imps);
}

static void
test_pruning_like_sklearn(void **unused)
{
    struct data d, test;

    (void)unused;
    data_read(&d, "cls.csv", 3, 1);
    data_read(&test, "test.csv", 0, 0);
    check_pruning(&d, &test, "cls");
    data_free(&d);
    data_read(&d, "reg.csv", 0, 1);
    free(d.w);
    d.w = NULL;
    narrow(&test, 4);
    check_pruning(&d, &test, "reg");
    data_free(&d);
    data_free(&test);
}

/* ---------------------------------------------------------------------------
 * Categorical features: brute force over every partition.
 */

/* The proxy (larger is better) of splitting rows by LEFT[i] (gini or squared error). */
static double
proxy_of(const struct data *d, const int *left, size_t min_leaf)
{
    double cl[8] = {0}, cr[8] = {0}, wl = 0, wr = 0, sl = 0, sr = 0, pr = 0;
    size_t nl = 0, nr = 0;

    for (size_t i = 0; i < d->n; i++) {
        double w = d->w != NULL ? d->w[i] : 1;
        if (left[i]) {
            nl++;
            wl += w;
            if (d->k)
                cl[(size_t)d->y[i]] += w;
            else
                sl += w * d->y[i];
        } else {
            nr++;
            wr += w;
            if (d->k)
                cr[(size_t)d->y[i]] += w;
            else
                sr += w * d->y[i];
        }
    }
    if (nl < min_leaf || nr < min_leaf)
        return -HUGE_VAL;
    if (d->k == 0)
        return sl * sl / wl + sr * sr / wr;
    for (size_t c = 0; c < d->k; c++)
        pr += cl[c] * cl[c] / wl + cr[c] * cr[c] / wr;
    return pr;
}

/* The best proxy over every split of feature 0 (categorical, L levels, no
 * missing values) and feature 1 (numeric). */
static double
brute_best(const struct data *d, unsigned L)
{
    int *left = xcalloc(d->n, sizeof(int));
    double best = -HUGE_VAL;

    for (uint32_t mask = 1; mask < (UINT32_C(1) << (L - 1)); mask++) {
        for (size_t i = 0; i < d->n; i++)
            left[i] = (mask >> (unsigned)d->X[i * d->p]) & 1;
        best = fmax(best, proxy_of(d, left, 1));
    }
    for (size_t q = 0; q < d->n; q++) {
        double t = d->X[q * d->p + 1];
        for (size_t i = 0; i < d->n; i++)
            left[i] = d->X[i * d->p + 1] <= t;
        best = fmax(best, proxy_of(d, left, 1));
    }
    free(left);
    return best;
}

/* A problem whose target depends on a categorical feature of L levels. */
static void
cat_problem(struct data *d, size_t n, unsigned L, size_t k, unsigned long seed)
{
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    double effect[128], effk[128][8];

    assert_true(L <= 128 && k <= 8);

    gsl_rng_set(rng, seed);
    data_new(d, n, 2, k);
    d->levels = xcalloc(2, sizeof(unsigned));
    d->levels[0] = L;
    for (unsigned l = 0; l < L; l++) {
        effect[l] = gsl_ran_gaussian(rng, 2.0);
        for (size_t c = 0; c < k; c++)
            effk[l][c] = gsl_rng_uniform(rng);
    }
    for (size_t i = 0; i < n; i++) {
        unsigned l = (unsigned)gsl_rng_uniform_int(rng, L);
        d->X[i * 2] = l;
        d->X[i * 2 + 1] = gsl_rng_uniform(rng);
        if (k == 0) {
            d->y[i] = effect[l] + gsl_ran_gaussian(rng, 1.0) + d->X[i * 2 + 1];
        } else {
            double u = gsl_rng_uniform(rng), sum = 0, acc = 0;
            size_t c = 0;
            for (size_t e = 0; e < k; e++)
                sum += effk[l][e];
            u *= sum;
            while (c + 1 < k && u > (acc += effk[l][c]))
                c++;
            d->y[i] = (double)c;
        }
    }
    gsl_rng_free(rng);
}

/* The proxy of the root split of R's tree, from its saved nodes. */
static double
root_proxy(const struct run *r, const struct data *d, struct saved *sv)
{
    const int64_t f = sv_get(sv, "feature")->is[0], cat = sv_get(sv, "cat")->is[0];
    int *left = xcalloc(d->n, sizeof(int));
    double pr;

    assert_true(f >= 0);
    for (size_t i = 0; i < d->n; i++) {
        double x = d->X[i * d->p + (size_t)f];
        if (cat >= 0) {
            uint64_t word = (uint64_t)sv_get(sv, "bits")->is[cat + (int64_t)x / 64];
            left[i] = (int)((word >> ((unsigned)x % 64)) & 1);
        } else {
            left[i] = x <= sv_get(sv, "threshold")->rs[0];
        }
    }
    (void)r;
    pr = proxy_of(d, left, 1);
    free(left);
    return pr;
}

static void
check_categorical(size_t k, unsigned L, unsigned long seed, int exact)
{
    struct data d;
    struct run r;
    struct saved sv;
    const char *stump[] = {"max_depth=1", NULL};
    double best, got;

    cat_problem(&d, 300, L, k, seed);
    run_fit(&r, "tree", &d, 1, stump);
    run_saved(&r, &sv);
    best = brute_best(&d, L);
    got = root_proxy(&r, &d, &sv);
    if (exact)
        assert_near(got, best, 1e-10 * fabs(best));
    else
        assert_true(got <= best * (1 + 1e-12) && got >= 0.99 * best); /* here it is the best */
    /* The split is on the categorical feature, printed as a set of codes. */
    assert_int_equal(sv_get(&sv, "feature")->is[0], 0);
    struct aiwb_table *t = run_report(&r);
    char *notes = notes_of(t);
    assert_contains(notes, "x1 in {");
    assert_contains(notes, "shown by their codes");
    free(notes);
    table_free(t);
    sv_free(&sv);
    run_release(&r);
    data_free(&d);
}

static void
test_categorical_best_partition(void **unused)
{
    (void)unused;
    check_categorical(0, 7, 3, 1);  /* regression: ordered by mean (Breiman) */
    check_categorical(2, 9, 4, 1);  /* two classes: ordered by the share */
    check_categorical(3, 6, 5, 1);  /* three classes: every partition */
    check_categorical(4, 12, 6, 1); /* at the limit of every partition */
    check_categorical(3, 15, 7, 0); /* beyond: orders by each class's share */
}

/* A categorical feature and its unseen levels, next to one-hot encoding's answer. */
static void
test_categorical_predict(void **unused)
{
    struct data d;
    struct run r;
    const char *stump[] = {"max_depth=1", NULL};

    (void)unused;
    /* Levels 0, 2 are class 0; 1, 3 class 1; level 4 never seen. */
    data_new(&d, 40, 1, 2);
    d.levels = xcalloc(1, sizeof(unsigned));
    d.levels[0] = 5;
    for (size_t i = 0; i < d.n; i++) {
        d.X[i] = (double)(i % 4);
        d.y[i] = (double)(i % 2);
    }
    run_fit(&r, "tree", &d, 1, stump);
    double x[5] = {0, 1, 2, 3, 4}, nan_x = NAN;
    double *pr = run_predict(&r, 5, x, 1);
    assert_near(pr[0 * 2], 1, 0);
    assert_near(pr[1 * 2 + 1], 1, 0);
    assert_near(pr[2 * 2], 1, 0);
    assert_near(pr[3 * 2 + 1], 1, 0);
    /* Level 4 and a missing level: equal sides, so the left one (levels 0, 2). */
    assert_near(pr[4 * 2], 1, 0);
    free(pr);
    pr = run_predict(&r, 1, &nan_x, 1);
    assert_near(pr[0], 1, 0);
    free(pr);
    /* A code past the levels is refused in training. */
    run_release(&r);
    d.X[5] = 5;
    assert_int_equal(run_init(&r, "tree", &d, 1, NULL), AIWB_EDATA);
    assert_string_equal(r.cause, "tree: row 6 column 'x1': 5 is not a level code 0..4");
    run_release(&r);
    d.X[5] = 1.5;
    assert_int_equal(run_init(&r, "tree", &d, 1, NULL), AIWB_EDATA);
    assert_string_equal(r.cause, "tree: row 6 column 'x1': 1.5 is not a level code 0..4");
    run_release(&r);
    data_free(&d);
}

/* ---------------------------------------------------------------------------
 * Missing values.
 */

static void
test_missing_values(void **unused)
{
    struct data d;
    struct run r;
    const char *stump[] = {"max_depth=1", NULL};
    double *pr, x;

    (void)unused;
    /* y = x > 0.5, and the rows whose x is missing are class 1 too: the
     * split sends missing values right, with the large x. */
    data_new(&d, 100, 1, 2);
    for (size_t i = 0; i < 100; i++) {
        d.X[i] = i < 80 ? (double)i / 80 : NAN;
        d.y[i] = i < 80 ? (double)((double)i / 80 > 0.5) : 1;
    }
    run_fit(&r, "tree", &d, 1, stump);
    x = NAN;
    pr = run_predict(&r, 1, &x, 1);
    assert_near(pr[1], 1, 0);
    free(pr);
    struct aiwb_table *t = run_report(&r);
    char *notes = notes_of(t);
    assert_contains(notes, "x1 > 0.50625 or missing: beta (59)");
    free(notes);
    table_free(t);
    run_release(&r);

    /* Now they are class 0: missing values go left. */
    for (size_t i = 80; i < 100; i++)
        d.y[i] = 0;
    run_fit(&r, "tree", &d, 1, stump);
    pr = run_predict(&r, 1, &x, 1);
    assert_near(pr[0], 1, 0);
    free(pr);
    run_release(&r);

    /* Missing is the only signal: the split is on missingness itself. */
    for (size_t i = 0; i < 100; i++) {
        d.X[i] = i % 2 ? NAN : (double)i;
        d.y[i] = (double)(i % 2);
    }
    run_fit(&r, "tree", &d, 1, stump);
    assert_near(step_get(&r.step, "loss"), 0, 0);
    t = run_report(&r);
    notes = notes_of(t);
    assert_contains(notes, "x1 is not missing: alpha (50)\nx1 is missing: beta (50)\n");
    free(notes);
    table_free(t);
    double two[2] = {3, NAN};
    pr = run_predict(&r, 2, two, 1);
    assert_near(pr[0], 1, 0);
    assert_near(pr[3], 1, 0);
    free(pr);
    run_release(&r);

    /* No missing values in training: they go to the side with more weight. */
    for (size_t i = 0; i < 100; i++) {
        d.X[i] = (double)i;
        d.y[i] = i >= 70;
    }
    run_fit(&r, "tree", &d, 1, stump);
    pr = run_predict(&r, 1, &x, 1);
    assert_near(pr[0], 1, 0);
    free(pr);
    run_release(&r);
    for (size_t i = 0; i < 100; i++)
        d.y[i] = i >= 30;
    run_fit(&r, "tree", &d, 1, stump);
    pr = run_predict(&r, 1, &x, 1);
    assert_near(pr[1], 1, 0);
    free(pr);
    run_release(&r);
    data_free(&d);
}

/* ---------------------------------------------------------------------------
 * Random features, forests.
 */

static int
same_predictions(const struct run *a, const struct run *b, const struct data *d)
{
    size_t k = a->type->n_outputs(a->state);
    double *pa = run_predict(a, d->n, d->X, d->p), *pb = run_predict(b, d->n, d->X, d->p);
    int same = memcmp(pa, pb, d->n * k * sizeof(double)) == 0;

    free(pa);
    free(pb);
    return same;
}

static int
same_blobs(const struct run *a, const struct run *b)
{
    size_t la, lb;
    unsigned char *ba = save_blob(a, &la), *bb = save_blob(b, &lb);
    int same = la == lb && memcmp(ba, bb, la) == 0;

    free(ba);
    free(bb);
    return same;
}

static void
test_seeds_and_threads(void **unused)
{
    struct data d;
    struct run a, b;
    const char *mf2[] = {"max_features=2", NULL};
    const char *f1[] = {"n_trees=10", "threads=1", NULL};
    const char *f3[] = {"n_trees=10", "threads=3", NULL};
    const char *f8[] = {"n_trees=10", "threads=8", NULL};

    (void)unused;
    data_read(&d, "bin.csv", 2, 1);
    /* A tree with random features: the seed decides, and only it. */
    run_fit(&a, "tree", &d, 5, mf2);
    run_fit(&b, "tree", &d, 5, mf2);
    assert_true(same_blobs(&a, &b));
    run_release(&b);
    run_fit(&b, "tree", &d, 6, mf2);
    assert_false(same_blobs(&a, &b));
    run_release(&a);
    run_release(&b);

    /* A forest is the same whatever the threads. */
    run_fit(&a, "forest", &d, 42, f1);
    run_fit(&b, "forest", &d, 42, f3);
    assert_true(same_blobs(&a, &b));
    assert_true(same_predictions(&a, &b, &d));
    assert_near(step_get(&a.step, "loss"), step_get(&b.step, "loss"), 0);
    run_release(&b);
    run_fit(&b, "forest", &d, 42, f8); /* more threads than trees per iterate */
    assert_true(same_blobs(&a, &b));
    run_release(&b);
    run_fit(&b, "forest", &d, 43, f1);
    assert_false(same_predictions(&a, &b, &d));
    run_release(&a);
    run_release(&b);
    data_free(&d);
}

/* A forest of one tree without bootstrap is the tree (with random features too). */
static void
test_forest_of_one_is_tree(void **unused)
{
    struct data d;
    struct run t, f;
    struct saved st, sf;
    const char *tw[] = {"max_features=all", NULL};
    const char *fw[] = {"n_trees=1", "bootstrap=false", "max_features=all", NULL};
    const char *tw3[] = {"max_features=3", "min_samples_leaf=2", NULL};
    const char *fw3[] = {"n_trees=1", "bootstrap=false", "max_features=3", "min_samples_leaf=2",
                         NULL};
    const char *const *pairs[][2] = {{tw, fw}, {tw3, fw3}};

    (void)unused;
    data_read(&d, "bin.csv", 2, 1);
    for (size_t q = 0; q < 2; q++) {
        run_fit(&t, "tree", &d, 9, pairs[q][0]);
        run_fit(&f, "forest", &d, 9, pairs[q][1]);
        assert_true(same_predictions(&t, &f, &d));
        run_saved(&t, &st);
        run_saved(&f, &sf);
        static const char *const keys[] = {"feature", "left", "right", "cat", "rows"};
        for (size_t k = 0; k < 5; k++) {
            struct val *a = sv_get(&st, keys[k]), *b = sv_get(&sf, keys[k]);
            assert_int_equal(a->n, b->n);
            assert_memory_equal(a->is, b->is, a->n * sizeof(int64_t));
        }
        struct val *a = sv_get(&st, "threshold"), *b = sv_get(&sf, "threshold");
        assert_memory_equal(a->rs, b->rs, a->n * sizeof(double));
        /* Without bootstrap the forest reports its training error, no out-of-bag one. */
        assert_false(step_has(&f.step, "oob_accuracy"));
        struct aiwb_table *tb = run_report(&f);
        char *notes = notes_of(tb);
        assert_contains(notes, q == 0 ? "Training error 0: without bootstrap there are no "
                                        "out-of-bag rows"
                                      : "Training error ");
        free(notes);
        table_free(tb);
        sv_free(&st);
        sv_free(&sf);
        run_release(&t);
        run_release(&f);
    }
    data_free(&d);
}

/* Mean and standard deviation of V[0..N-1]. */
static void
mean_sd(const double *v, size_t n, double *mean, double *sd)
{
    double s = 0, ss = 0;

    for (size_t i = 0; i < n; i++)
        s += v[i];
    *mean = s / (double)n;
    for (size_t i = 0; i < n; i++)
        ss += (v[i] - *mean) * (v[i] - *mean);
    *sd = sqrt(ss / (double)(n - 1));
}

/*
 * Out-of-bag scores and importances of our forests over SEEDS seeds against
 * scikit-learn's over 30 random states: the same distribution, so the means
 * may differ by a few standard errors of their difference.
 */
static void
check_oob(const struct data *d, const char *tag, const char *score_name)
{
    enum { SEEDS = 6 };
    char key[64];
    size_t ns, ni;
    double *sk, *skimp, mine[SEEDS], sk_mean, sk_sd, my_mean, my_sd;
    double *imp = xcalloc(d->p, sizeof(double));

    snprintf(key, sizeof(key), "oob.%s.score", tag);
    sk = ref_get(key, &ns);
    snprintf(key, sizeof(key), "oob.%s.importance", tag);
    skimp = ref_get(key, &ni);
    assert_int_equal(ns, 30);
    assert_int_equal(ni, d->p);
    for (size_t s = 0; s < SEEDS; s++) {
        struct run r;
        run_fit(&r, "forest", d, 1000 + s, NULL);
        assert_int_equal(r.iterations, 25); /* 100 trees, 4 per iteration */
        mine[s] = step_get(&r.step, score_name);
        if (d->k > 0)
            assert_near(step_get(&r.step, "loss"), 1 - mine[s], 1e-12);
        assert_near(step_get(&r.step, "trees"), 100, 0);
        struct saved sv;
        run_saved(&r, &sv);
        for (size_t j = 0; j < d->p; j++)
            imp[j] += sv_get(&sv, "importance")->rs[j] / SEEDS;
        assert_int_equal(sv_get(&sv, "oob_rows")->i, (int64_t)d->n);
        sv_free(&sv);
        run_release(&r);
    }
    mean_sd(sk, ns, &sk_mean, &sk_sd);
    mean_sd(mine, SEEDS, &my_mean, &my_sd);
    double se = sqrt(sk_sd * sk_sd / (double)ns + fmax(sk_sd, my_sd) * fmax(sk_sd, my_sd) / SEEDS);
    if (fabs(my_mean - sk_mean) > 4 * se)
        fail_msg("%s: out-of-bag %s %.4f (sd %.4f) against scikit-learn's %.4f (sd %.4f)", tag,
                 score_name, my_mean, my_sd, sk_mean, sk_sd);
    for (size_t j = 0; j < d->p; j++)
        assert_near(imp[j], skimp[j], 0.02);
    free(sk);
    free(skimp);
    free(imp);
}

static void
test_forest_oob_like_sklearn(void **unused)
{
    struct data d;

    (void)unused;
    data_read(&d, "bin.csv", 2, 1);
    check_oob(&d, "bin", "oob_accuracy");
    data_free(&d);
    data_read(&d, "reg.csv", 0, 1);
    free(d.w);
    d.w = NULL;
    check_oob(&d, "reg", "oob_r2");
    data_free(&d);
}

/*
 * The forest's numbers by hand. Tree t's bootstrap sample is redrawn here
 * from the generator the plugin documents (mt19937 seeded with
 * fold(splitmix64(fold(seed) ^ splitmix64(t))), n uniform_int draws); that
 * it is the sample the tree grew on is checked at every leaf: its value
 * and rows are those of the in-bag rows reaching it, counted as often as
 * drawn. Then the out-of-bag error (each row predicted by the trees it was
 * out of the bag of: the mean of their class shares, the first largest
 * wins; or the mean of their values), the impurity importances (each
 * tree's normalised, averaged over the trees with a split, normalised) and
 * the predictions (the mean over all trees) are computed from the saved
 * nodes and compared with what the plugin reports.
 */
static uint64_t
mix64(uint64_t x)
{
    uint64_t z = x + UINT64_C(0x9E3779B97F4A7C15);

    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

static unsigned long
fold32(uint64_t s)
{
    uint32_t v = (uint32_t)(s ^ (s >> 32));

    return v != 0 ? v : 4357;
}

/* How often each of the N rows is in tree T's bootstrap sample (COUNT: n). */
static void
bag_of(uint64_t seed, size_t t, size_t n, unsigned *count)
{
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);

    gsl_rng_set(rng, fold32(mix64((uint64_t)fold32(seed) ^ mix64((uint64_t)t))));
    memset(count, 0, n * sizeof(unsigned));
    for (size_t i = 0; i < n; i++)
        count[gsl_rng_uniform_int(rng, (unsigned long)n)]++;
    gsl_rng_free(rng);
}

/* The leaf of the tree starting at node S that row X reaches (numeric features). */
static size_t
leaf_of(struct saved *sv, size_t s, const double *x)
{
    const int64_t *feature = sv_get(sv, "feature")->is, *left = sv_get(sv, "left")->is;
    const int64_t *right = sv_get(sv, "right")->is;
    const double *thr = sv_get(sv, "threshold")->rs;

    while (feature[s] >= 0)
        s = (size_t)(x[feature[s]] <= thr[s] ? left[s] : right[s]);
    return s;
}

static void
check_forest_by_hand(const struct run *r, const struct data *d, uint64_t seed,
                     const struct data *test)
{
    struct saved sv;
    const size_t n = d->n, p = d->p, nout = d->k > 0 ? d->k : 1, st = d->k > 0 ? d->k : 2;
    unsigned *count = xcalloc(n, sizeof(unsigned)), *noob = xcalloc(n, sizeof(unsigned));
    double *oob = xcalloc(n * nout, sizeof(double)), *imp = xcalloc(p, sizeof(double));
    double *ti = xcalloc(p, sizeof(double)), *pred = xcalloc(test->n * nout, sizeof(double));
    size_t trees, split_trees = 0, oob_rows = 0;

    run_saved(r, &sv);
    const int64_t *start = sv_get(&sv, "tree_start")->is, *feature = sv_get(&sv, "feature")->is;
    const int64_t *nrows = sv_get(&sv, "rows")->is, *left = sv_get(&sv, "left")->is;
    const int64_t *right = sv_get(&sv, "right")->is;
    const double *value = sv_get(&sv, "value")->rs, *weight = sv_get(&sv, "weight")->rs;
    const double *impurity = sv_get(&sv, "impurity")->rs;
    const size_t nodes = sv_get(&sv, "feature")->n;
    double *stats = xcalloc(nodes * st, sizeof(double));
    unsigned *reach = xcalloc(nodes, sizeof(unsigned));

    trees = sv_get(&sv, "tree_start")->n - 1;
    assert_int_equal(trees, (size_t)step_get(&r->step, "trees"));
    for (size_t t = 0; t < trees; t++) {
        const size_t s = (size_t)start[t], e = (size_t)start[t + 1];
        double sum = 0;

        bag_of(seed, t, n, count);
        /* Every leaf holds the in-bag rows reaching it, as often as drawn. */
        for (size_t i = 0; i < n; i++) {
            const double *x = d->X + i * p;
            double w = (d->w != NULL ? d->w[i] : 1) * count[i];
            size_t leaf = leaf_of(&sv, s, x);
            if (count[i] > 0) {
                reach[leaf]++;
                if (d->k > 0) {
                    stats[leaf * st + (size_t)d->y[i]] += w;
                } else {
                    stats[leaf * st] += w;
                    stats[leaf * st + 1] += w * d->y[i];
                }
                continue;
            }
            noob[i]++;
            for (size_t c = 0; c < nout; c++)
                oob[i * nout + c] += value[leaf * nout + c];
        }
        for (size_t i = s; i < e; i++) {
            double w = 0;
            if (feature[i] >= 0)
                continue;
            assert_int_equal(reach[i], nrows[i]);
            if (d->k > 0) {
                for (size_t c = 0; c < d->k; c++)
                    w += stats[i * st + c];
                for (size_t c = 0; c < d->k; c++)
                    assert_near(value[i * nout + c], stats[i * st + c] / w, 1e-12);
            } else {
                w = stats[i * st];
                assert_near(value[i], stats[i * st + 1] / w, 1e-9 * (1 + fabs(value[i])));
            }
            assert_near(weight[i], w, 1e-9 * w);
        }
        /* The impurity importances of the tree. */
        memset(ti, 0, p * sizeof(double));
        for (size_t i = s; i < e; i++) {
            size_t a, b;
            if (feature[i] < 0)
                continue;
            a = (size_t)left[i];
            b = (size_t)right[i];
            ti[feature[i]] += weight[i] * impurity[i] - weight[a] * impurity[a] -
                              weight[b] * impurity[b];
        }
        for (size_t j = 0; j < p; j++)
            sum += ti[j];
        if (e - s > 1) {
            split_trees++;
            for (size_t j = 0; j < p; j++)
                imp[j] += ti[j] / sum;
        }
        for (size_t q = 0; q < test->n; q++) {
            size_t leaf = leaf_of(&sv, s, test->X + q * test->p);
            for (size_t c = 0; c < nout; c++)
                pred[q * nout + c] += value[leaf * nout + c] / (double)trees;
        }
    }

    /* The out-of-bag error and score. */
    double sw = 0, loss = 0, ysum = 0, sst = 0;
    for (size_t i = 0; i < n; i++) {
        double w = d->w != NULL ? d->w[i] : 1;
        if (noob[i] == 0)
            continue;
        oob_rows++;
        sw += w;
        if (d->k > 0) {
            size_t best = 0;
            for (size_t c = 1; c < d->k; c++)
                if (oob[i * nout + c] > oob[i * nout + best])
                    best = c;
            loss += w * (best != (size_t)d->y[i]);
        } else {
            double e = d->y[i] - oob[i] / noob[i];
            loss += w * e * e;
            ysum += w * d->y[i];
        }
    }
    for (size_t i = 0; d->k == 0 && i < n; i++) {
        double w = d->w != NULL ? d->w[i] : 1;
        if (noob[i] > 0)
            sst += w * (d->y[i] - ysum / sw) * (d->y[i] - ysum / sw);
    }
    assert_true(oob_rows > 0);
    assert_int_equal(sv_get(&sv, "oob_rows")->i, (int64_t)oob_rows);
    assert_near(sv_get(&sv, "loss")->r, loss / sw, 1e-12 * (1 + loss / sw));
    assert_near(step_get(&r->step, "loss"), loss / sw, 1e-12 * (1 + loss / sw));
    if (d->k > 0) {
        assert_near(sv_get(&sv, "score")->r, 1 - loss / sw, 1e-12);
        assert_near(step_get(&r->step, "oob_accuracy"), 1 - loss / sw, 1e-12);
    } else {
        assert_near(sv_get(&sv, "score")->r, 1 - loss / sst, 1e-12);
        assert_near(step_get(&r->step, "oob_r2"), 1 - loss / sst, 1e-12);
    }

    /* The impurity importances of the forest. */
    double isum = 0;
    assert_true(split_trees > 0);
    for (size_t j = 0; j < p; j++)
        isum += imp[j];
    for (size_t j = 0; j < p; j++)
        assert_near(sv_get(&sv, "importance")->rs[j], imp[j] / isum, 1e-12);

    /* Predictions: the mean of the trees. */
    double *got = run_predict(r, test->n, test->X, test->p);
    for (size_t i = 0; i < test->n * nout; i++)
        assert_near(got[i], pred[i], 1e-12 * (1 + fabs(pred[i])));
    free(got);
    free(stats);
    free(reach);
    free(count);
    free(noob);
    free(oob);
    free(imp);
    free(ti);
    free(pred);
    sv_free(&sv);
}

static void
test_forest_oob_by_hand(void **unused)
{
    struct data d, test;
    struct run r;
    const char *ten[] = {"n_trees=10", NULL};
    const char *thirty[] = {"n_trees=30", "threads=3", NULL};
    const char *reg[] = {"n_trees=13", "max_features=0.5", "min_samples_leaf=2", NULL};

    (void)unused;
    data_read(&d, "bin.csv", 2, 1);
    /* Points to predict: the first 50 rows of bin.csv, moved a little. */
    data_new(&test, 50, d.p, 0);
    for (size_t i = 0; i < 50 * d.p; i++)
        test.X[i] = d.X[i] * 0.9 + 0.05;
    run_fit(&r, "forest", &d, 42, ten);
    assert_int_equal(r.iterations, 3); /* 4 + 4 + 2 trees */
    check_forest_by_hand(&r, &d, 42, &test);
    run_release(&r);
    run_fit(&r, "forest", &d, 7, thirty);
    check_forest_by_hand(&r, &d, 7, &test);
    run_release(&r);

    /* Stopped between iterates (Ctrl-C): each grew 4 trees, and the model
     * is the trees grown so far, its numbers theirs. */
    const char *many[] = {"n_trees=1000", NULL};
    assert_int_equal(run_init(&r, "forest", &d, 11, many), AIWB_OK);
    for (int i = 1; i <= 3; i++) {
        assert_int_equal(run_iterate(&r, 1), AIWB_CONTINUE);
        assert_near(step_get(&r.step, "trees"), 4 * i, 0);
    }
    assert_int_equal(r.type->finish(r.state, &r.prob, &r.cause), AIWB_OK);
    check_forest_by_hand(&r, &d, 11, &test);
    run_release(&r);
    /* Stopped before the first iterate: there is no model. */
    assert_int_equal(run_init(&r, "forest", &d, 11, many), AIWB_OK);
    assert_int_equal(r.type->finish(r.state, &r.prob, &r.cause), AIWB_ECANCELED);
    assert_string_equal(r.cause, "forest: stopped before the first tree was grown");
    run_release(&r);
    data_free(&d);
    data_free(&test);

    /* Regression with weights: the weighted mean squared error and R^2. */
    data_read(&d, "reg.csv", 0, 1);
    data_read(&test, "test.csv", 0, 0);
    narrow(&test, 4);
    run_fit(&r, "forest", &d, 3, reg);
    check_forest_by_hand(&r, &d, 3, &test);
    run_release(&r);
    data_free(&d);
    data_free(&test);
}

/* Of equally good splits the lowest feature wins: with every column twice
 * ([X X]) the tree is the one grown on X, and never uses the copies. */
static void
test_ties_lowest_feature(void **unused)
{
    struct data d, d2;
    struct run a, b;
    struct saved sa, sb;
    static const char *const keys[] = {"feature", "left", "right", "rows"};

    (void)unused;
    data_read(&d, "cls.csv", 3, 1);
    data_new(&d2, d.n, 2 * d.p, d.k);
    for (size_t i = 0; i < d.n; i++) {
        for (size_t j = 0; j < d.p; j++)
            d2.X[i * d2.p + j] = d2.X[i * d2.p + d.p + j] = d.X[i * d.p + j];
        d2.y[i] = d.y[i];
    }
    d2.w = xcalloc(d.n, sizeof(double));
    memcpy(d2.w, d.w, d.n * sizeof(double));
    run_fit(&a, "tree", &d, 1, NULL);
    run_fit(&b, "tree", &d2, 1, NULL);
    run_saved(&a, &sa);
    run_saved(&b, &sb);
    for (size_t k = 0; k < 4; k++) {
        struct val *x = sv_get(&sa, keys[k]), *y = sv_get(&sb, keys[k]);
        assert_int_equal(x->n, y->n);
        assert_memory_equal(x->is, y->is, x->n * sizeof(int64_t));
    }
    assert_memory_equal(sv_get(&sa, "threshold")->rs, sv_get(&sb, "threshold")->rs,
                        sv_get(&sa, "threshold")->n * sizeof(double));
    for (size_t j = 0; j < d.p; j++) {
        assert_near(sv_get(&sb, "importance")->rs[j], sv_get(&sa, "importance")->rs[j], 1e-15);
        assert_near(sv_get(&sb, "importance")->rs[d.p + j], 0, 0);
    }
    sv_free(&sa);
    sv_free(&sb);
    run_release(&a);
    run_release(&b);
    data_free(&d);
    data_free(&d2);
}

/* Breiman's permutation importance finds the features the target depends on. */
static void
test_oob_importance(void **unused)
{
    struct data d;
    struct run r;
    const char *words[] = {"oob_importance=true", "n_trees=60", NULL};

    (void)unused;
    data_read(&d, "bin.csv", 2, 1);
    run_fit(&r, "forest", &d, 3, words);
    struct aiwb_table *t = run_report(&r);
    assert_int_equal(t->ncols, 4);
    assert_string_equal(t->cols[2].name, "oob_permutation");
    /* y depends on x1 (most), x2, x3 * x4, a little on x5; not on x6. */
    double x1 = table_cell(t, 0, 2)->v.r, x6 = table_cell(t, 5, 2)->v.r;
    double se6 = table_cell(t, 5, 3)->v.r;
    assert_true(x1 > 0.1);
    assert_true(fabs(x6) < 3 * se6 + 0.005);
    for (size_t j = 1; j < 5; j++)
        assert_true(table_cell(t, j, 2)->v.r < x1);
    char *notes = notes_of(t);
    assert_contains(notes, "oob_permutation: the rise of the out-of-bag error rate");
    assert_contains(notes, "60 trees, mean depth");
    assert_contains(notes, "max_features 2 of 6; bootstrap samples");
    assert_contains(notes, "Out-of-bag error ");
    free(notes);
    table_free(t);
    run_release(&r);
    data_free(&d);
}

/* Stopped early, both keep what they grew, and it predicts. */
static void
test_stop_early(void **unused)
{
    struct data d;
    struct run r;

    (void)unused;
    data_read(&d, "cls.csv", 3, 1);
    assert_int_equal(run_init(&r, "tree", &d, 1, NULL), AIWB_OK);
    assert_int_equal(run_iterate(&r, 2), AIWB_CONTINUE);
    assert_int_equal(r.type->finish(r.state, &r.prob, &r.cause), AIWB_OK);
    struct saved sv;
    run_saved(&r, &sv);
    size_t leaves = 0;
    for (size_t i = 0; i < sv_get(&sv, "feature")->n; i++)
        leaves += sv_get(&sv, "feature")->is[i] < 0;
    assert_int_equal(leaves, 4); /* two levels: four leaves */
    sv_free(&sv);
    double *pr = run_predict(&r, d.n, d.X, d.p);
    for (size_t i = 0; i < d.n; i++)
        assert_near(pr[3 * i] + pr[3 * i + 1] + pr[3 * i + 2], 1, 1e-12);
    free(pr);
    run_release(&r);

    const char *words[] = {"n_trees=50", NULL};
    assert_int_equal(run_init(&r, "forest", &d, 1, words), AIWB_OK);
    assert_int_equal(run_iterate(&r, 3), AIWB_CONTINUE);
    assert_near(step_get(&r.step, "trees"), 12, 0);
    assert_int_equal(r.type->finish(r.state, &r.prob, &r.cause), AIWB_OK);
    struct aiwb_table *t = run_report(&r);
    char *notes = notes_of(t);
    assert_contains(notes, "12 trees, mean depth");
    free(notes);
    table_free(t);
    pr = run_predict(&r, d.n, d.X, d.p);
    for (size_t i = 0; i < d.n; i++)
        assert_near(pr[3 * i] + pr[3 * i + 1] + pr[3 * i + 2], 1, 1e-12);
    free(pr);
    run_release(&r);
    data_free(&d);
}

/* ---------------------------------------------------------------------------
 * Reports, saving and loading, refusals.
 */

static void
test_report_prints_tree(void **unused)
{
    struct data d;
    struct run r;
    const char *words[] = {"max_depth=2", NULL};

    (void)unused;
    data_read(&d, "reg.csv", 0, 1);
    run_fit(&r, "tree", &d, 1, words);
    struct aiwb_table *t = run_report(&r);
    assert_string_equal(t->title, "tree: feature importances");
    assert_int_equal(table_rows(t), 4);
    double sum = 0;
    for (size_t j = 0; j < 4; j++)
        sum += table_cell(t, j, 1)->v.r;
    assert_near(sum, 1, 1e-12);
    char *notes = notes_of(t);
    assert_contains(notes, "Depth 2, 4 leaves (7 nodes); training squared_error ");
    /* J48's layout: conditions, bars for depth, the value and the weight at leaves. */
    assert_contains(notes, "\n|   x");
    assert_contains(notes, " <= ");
    assert_contains(notes, " > ");
    free(notes);
    table_free(t);
    run_release(&r);

    /* A deep tree is cut after PRINT_MAX lines. */
    free(d.w);
    d.w = NULL;
    run_fit(&r, "tree", &d, 1, NULL);
    t = run_report(&r);
    notes = notes_of(t);
    assert_contains(notes, "more lines (max_depth or ccp_alpha make a smaller tree)");
    free(notes);
    table_free(t);
    run_release(&r);
    data_free(&d);
}

static void
round_trip(const char *algo, const struct data *d, const char *const *words)
{
    struct run r;
    size_t len, len2;
    char *cause = NULL;

    run_fit(&r, algo, d, 7, words);
    unsigned char *blob = save_blob(&r, &len);
    struct run c = r;
    c.state = xcalloc(1, r.type->state_size);
    assert_int_equal(load_blob(r.type, c.state, blob, len, r.type->state_version, &cause),
                     AIWB_OK);
    assert_null(cause);
    assert_true(same_predictions(&r, &c, d));
    struct aiwb_table *t1 = run_report(&r), *t2 = run_report(&c);
    assert_int_equal(t1->nnotes, t2->nnotes);
    for (size_t i = 0; i < t1->nnotes; i++)
        assert_string_equal(t1->notes[i], t2->notes[i]);
    unsigned char *blob2 = save_blob(&c, &len2);
    assert_int_equal(len, len2);
    assert_memory_equal(blob, blob2, len);
    free(blob2);
    table_free(t1);
    table_free(t2);
    r.type->fini(c.state);
    free(c.state);
    free(blob);
    run_release(&r);
}

static void
test_save_load_round_trip(void **unused)
{
    struct data d;
    const char *f[] = {"n_trees=8", "oob_importance=true", NULL};
    const char *pruned[] = {"ccp_alpha=0.01", NULL};

    (void)unused;
    data_read(&d, "cls.csv", 3, 1);
    round_trip("tree", &d, NULL);
    round_trip("tree", &d, pruned);
    round_trip("forest", &d, f);
    data_free(&d);
    data_read(&d, "reg.csv", 0, 1);
    round_trip("forest", &d, f);
    data_free(&d);
    cat_problem(&d, 200, 70, 2, 11); /* level sets of two words */
    round_trip("tree", &d, NULL);
    round_trip("forest", &d, f);
    d.X[3] = NAN;
    round_trip("tree", &d, NULL);
    data_free(&d);
}

/* Damage one value of a saved model and load it: the error names it. */
static void
check_damage(const struct run *r, const struct saved *good, const char *key, int64_t idx,
             int64_t ival, size_t upto, const char *want)
{
    struct saved sv = *good;
    struct val *v = &sv.v[schema_at(key)], keep = *v;
    size_t len;
    char *cause = NULL;
    void *state = xcalloc(1, r->type->state_size);

    if (idx >= 0) {
        v->is = xcalloc(keep.n, sizeof(int64_t));
        memcpy(v->is, keep.is, keep.n * sizeof(int64_t));
        v->is[idx] = ival;
    } else if (schema[schema_at(key)].type == V_INT) {
        v->i = ival;
    }
    unsigned char *blob = sv_write(&sv, upto, &len);
    assert_int_equal(load_blob(r->type, state, blob, len, 1, &cause), AIWB_EDATA);
    assert_contains(cause, want);
    double out[3];
    assert_int_equal(r->type->predict(state, 1, out, 1, out), AIWB_EINVAL);
    if (idx >= 0)
        free(v->is);
    free(cause);
    free(blob);
    r->type->fini(state);
    free(state);
}

static void
test_load_refuses_damage(void **unused)
{
    struct data d;
    struct run r;
    struct saved sv;
    size_t len;
    char *cause = NULL;

    (void)unused;
    data_read(&d, "cls.csv", 3, 1);
    run_fit(&r, "tree", &d, 1, NULL);
    run_saved(&r, &sv);
    unsigned char *blob = save_blob(&r, &len);
    void *state = xcalloc(1, r.type->state_size);
    assert_int_equal(load_blob(r.type, state, blob, len, 2, &cause), AIWB_ENOTSUP);
    assert_string_equal(cause, "tree: cannot read a model saved with state version 2 (this "
                               "plugin reads version 1)");
    free(cause);
    r.type->fini(state);
    free(state);
    free(blob);

    check_damage(&r, &sv, "task", -1, 0, NSCHEMA, "(reading 'task')");
    check_damage(&r, &sv, "left", 0, 0, NSCHEMA, "node 0 of tree 1 is not a valid node");
    check_damage(&r, &sv, "right", 0, 100000, NSCHEMA, "node 0 of tree 1 is not a valid node");
    check_damage(&r, &sv, "feature", 0, 9, NSCHEMA, "node 0 of tree 1 is not a valid node");
    check_damage(&r, &sv, "cat", 0, 0, NSCHEMA, "node 0 of tree 1 is not a valid node");
    check_damage(&r, &sv, "tree_start", 1, 0, NSCHEMA, "(reading 'tree_start')");
    check_damage(&r, &sv, "levels", 0, -2, NSCHEMA, "(reading 'levels')");
    /* Cut short. */
    check_damage(&r, &sv, "task", -1, AIWB_TASK_CLASSIFICATION, schema_at("value"),
                 "tree: the saved model is corrupt or incomplete (reading 'value')");
    check_damage(&r, &sv, "task", -1, AIWB_TASK_CLASSIFICATION, schema_at("importance"),
                 "(reading 'importance')");
    /* A forest of two trees is no tree. */
    const char *two[] = {"n_trees=2", NULL};
    struct run f;
    run_fit(&f, "forest", &d, 1, two);
    blob = save_blob(&f, &len);
    state = xcalloc(1, r.type->state_size);
    assert_int_equal(load_blob(r.type, state, blob, len, 1, &cause), AIWB_EDATA);
    assert_string_equal(cause, "tree: the saved model is corrupt or incomplete (reading "
                               "'tree_start')");
    free(cause);
    r.type->fini(state);
    free(state);
    free(blob);
    run_release(&f);
    sv_free(&sv);
    run_release(&r);
    data_free(&d);
}

/* Init of ALGO with WORDS on D fails with STATUS and exactly MESSAGE. */
static void
check_refused(const char *algo, const struct data *d, const char *const *words, int status,
              const char *message)
{
    struct run r;

    assert_int_equal(run_init(&r, algo, d, 1, words), status);
    assert_non_null(r.cause);
    assert_string_equal(r.cause, message);
    run_release(&r);
}

static void
test_refusals(void **unused)
{
    struct data d;
    struct run r;
    const char *gini[] = {"criterion=gini", NULL};
    const char *sq[] = {"criterion=squared_error", NULL};
    const char *mf0[] = {"max_features=0", NULL};
    const char *mfx[] = {"max_features=many", NULL};
    const char *mf9[] = {"max_features=9", NULL};
    const char *mf15[] = {"max_features=1.5", NULL};

    (void)unused;
    data_read(&d, "reg.csv", 0, 1);
    check_refused("tree", &d, gini, AIWB_EINVAL,
                  "tree: criterion=gini is for classification; the target 'label' asks for "
                  "squared_error (regression)");
    check_refused("forest", &d, mf0, AIWB_EINVAL,
                  "forest: max_features must be auto, all, sqrt, log2, third, a number of "
                  "features or a fraction such as 0.5, not '0'");
    check_refused("tree", &d, mfx, AIWB_EINVAL,
                  "tree: max_features must be auto, all, sqrt, log2, third, a number of "
                  "features or a fraction such as 0.5, not 'many'");
    check_refused("tree", &d, mf15, AIWB_EINVAL,
                  "tree: max_features must be auto, all, sqrt, log2, third, a number of "
                  "features or a fraction such as 0.5, not '1.5'");
    check_refused("tree", &d, mf9, AIWB_EINVAL, "tree: max_features=9 is more than the 4 features");
    d.y[7] = NAN;
    check_refused("tree", &d, NULL, AIWB_EDATA,
                  "tree: row 8: the target 'label' is nan, not a finite number");
    d.y[7] = 0;
    d.w[3] = -1;
    check_refused("forest", &d, NULL, AIWB_EDATA,
                  "forest: row 4: the weight -1 is not a finite number >= 0");
    for (size_t i = 0; i < d.n; i++)
        d.w[i] = 0;
    check_refused("tree", &d, NULL, AIWB_EDATA,
                  "tree: no rows with a non-zero weight: there is nothing to fit");
    data_free(&d);

    data_read(&d, "cls.csv", 3, 1);
    check_refused("tree", &d, sq, AIWB_EINVAL,
                  "tree: criterion=squared_error is for regression; the target 'label' asks "
                  "for gini or entropy (classification)");
    d.y[0] = 3;
    check_refused("forest", &d, NULL, AIWB_EDATA,
                  "forest: row 1: the target 'label' is 3, not a class code 0..2");
    d.y[0] = 0.5;
    check_refused("tree", &d, NULL, AIWB_EDATA,
                  "tree: row 1: the target 'label' is 0.5, not a class code 0..2");
    d.y[0] = 0;
    size_t n = d.n;
    d.n = 0;
    check_refused("tree", &d, NULL, AIWB_EDATA, "tree: no rows: there is nothing to fit");
    d.n = n;
    d.p = 0;
    check_refused("forest", &d, NULL, AIWB_EDATA, "forest: no features: there is nothing to fit");
    d.p = 5;

    /* Out of range past the host's checks (a caller that skips them): the
     * plugin names the option. The spec is copied with its bounds lifted. */
    static const char *const ranged[][2] = {
        {"max_depth=-1", "forest: max_depth is out of its range (see `help forest`)"},
        {"min_samples_split=1",
         "forest: min_samples_split is out of its range (see `help forest`)"},
        {"min_samples_leaf=0", "forest: min_samples_leaf is out of its range (see `help forest`)"},
        {"min_impurity_decrease=-1",
         "forest: min_impurity_decrease is out of its range (see `help forest`)"},
        {"ccp_alpha=-1", "forest: ccp_alpha is out of its range (see `help forest`)"},
        {"n_trees=0", "forest: n_trees is out of its range (see `help forest`)"},
        {"threads=65", "forest: threads is out of its range (see `help forest`)"},
    };
    const struct aiwb_algorithm_type *fty = algo_type("forest");
    size_t nspec = 0;
    while (fty->options[nspec].name != NULL)
        nspec++;
    struct aiwb_option_spec *loose = xcalloc(nspec + 1, sizeof(*loose));
    memcpy(loose, fty->options, nspec * sizeof(*loose));
    for (size_t i = 0; i < nspec; i++) {
        loose[i].min = -INFINITY;
        loose[i].max = INFINITY;
    }
    for (size_t q = 0; q < sizeof(ranged) / sizeof(ranged[0]); q++) {
        char *cause = NULL, *word = (char *)ranged[q][0];
        struct aiwb_options *o = options_parse("forest", loose, 1, &word, &cause);
        void *state = xcalloc(1, fty->state_size);
        struct aiwb_problem prob = {.n = d.n, .p = d.p, .X = d.X, .ldx = d.p, .y = d.y,
                                    .task = AIWB_TASK_CLASSIFICATION, .n_classes = 3};
        if (o == NULL)
            fail_msg("%s", cause);
        assert_int_equal(fty->init(state, o, &prob, &cause), AIWB_EINVAL);
        assert_string_equal(cause, ranged[q][1]);
        free(cause);
        fty->fini(state);
        free(state);
        options_free(o);
    }
    free(loose);

    /* Clustering is not for trees. */
    memset(&r, 0, sizeof(r));
    assert_int_equal(run_init(&r, "tree", &d, 1, NULL), AIWB_OK);
    r.type->fini(r.state);
    memset(r.state, 0, r.type->state_size);
    r.prob.task = AIWB_TASK_CLUSTERING;
    r.prob.y = NULL;
    free(r.cause);
    r.cause = NULL;
    assert_int_equal(r.type->init(r.state, r.opts, &r.prob, &r.cause), AIWB_ENOTSUP);
    assert_string_equal(r.cause, "tree: learns classification and regression only");
    run_release(&r);

    /* Before training: nothing to predict, report, save or finish. */
    const struct aiwb_algorithm_type *tt = algo_type("tree"), *ft = algo_type("forest");
    void *state = xcalloc(1, tt->state_size);
    double out[3];
    char *cause = NULL;
    struct aiwb_table *t = table_new(NULL);
    struct aiwb_writer *w = writer_new();
    assert_int_equal(tt->predict(state, 1, d.X, d.p, out), AIWB_EINVAL);
    assert_int_equal(tt->report(state, t), AIWB_EINVAL);
    assert_int_equal(ft->report(state, t), AIWB_EINVAL);
    assert_int_equal(tt->save(state, w), AIWB_EINVAL);
    assert_int_equal(tt->finish(state, &r.prob, &cause), AIWB_EINVAL);
    assert_string_equal(cause, "tree: finish without a successful init");
    free(cause);
    cause = NULL;
    assert_int_equal(ft->finish(state, &r.prob, &cause), AIWB_EINVAL);
    assert_string_equal(cause, "forest: finish without a successful init");
    free(cause);
    writer_free(w);
    table_free(t);
    tt->fini(state);
    free(state);
    data_free(&d);
}

static void
test_registration(void **unused)
{
    const struct aiwb_algorithm_type *t = algo_type("tree"), *f = algo_type("forest");

    (void)unused;
    assert_true(t->flags & AIWB_TASK_CLASSIFICATION);
    assert_true(t->flags & AIWB_TASK_REGRESSION);
    assert_true(t->flags & AIWB_CAP_CATEGORICAL);
    assert_true(t->flags & AIWB_CAP_MISSING);
    assert_int_equal(f->flags, t->flags);
    assert_non_null(options_spec_find(f->options, "n_trees"));
    assert_string_equal(options_spec_find(f->options, "n_trees")->def, "100");
    assert_string_equal(options_spec_find(f->options, "max_features")->def, "auto");
    assert_string_equal(options_spec_find(t->options, "max_features")->def, "all");
    assert_null(options_spec_find(t->options, "n_trees"));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_classifier_like_sklearn),
        cmocka_unit_test(test_regressor_like_sklearn),
        cmocka_unit_test(test_full_tree_levels),
        cmocka_unit_test(test_pruning_like_sklearn),
        cmocka_unit_test(test_categorical_best_partition),
        cmocka_unit_test(test_categorical_predict),
        cmocka_unit_test(test_missing_values),
        cmocka_unit_test(test_seeds_and_threads),
        cmocka_unit_test(test_forest_of_one_is_tree),
        cmocka_unit_test(test_forest_oob_like_sklearn),
        cmocka_unit_test(test_forest_oob_by_hand),
        cmocka_unit_test(test_ties_lowest_feature),
        cmocka_unit_test(test_oob_importance),
        cmocka_unit_test(test_stop_early),
        cmocka_unit_test(test_report_prints_tree),
        cmocka_unit_test(test_save_load_round_trip),
        cmocka_unit_test(test_load_refuses_damage),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_registration),
    };

    gsl_set_error_handler_off();
    log_set_sink(NULL, NULL, AIWB_LOG_WARN);
    return cmocka_run_group_tests_name("tree", tests, NULL, NULL);
}
