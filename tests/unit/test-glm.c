/*
 * test-glm.c - the poisson, robust and spline algorithm plugins: their
 * numbers against R (glm, MASS::rlm, lm with splines::bs), scikit-learn
 * and GSL's own robust example, their reports, save/load, and every
 * refusal.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Reference numbers: tests/data/glm/glm-reference.txt (made by
 * glm-reference.R) and glm-sklearn.txt (made by glm-sklearn.py), on the
 * datasets of tests/data/glm (made by make-data.R and robfit-data.c) and
 * the bundled datasets/diabetes.csv; see each script to regenerate.
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
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_multifit.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_vector.h>

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
 * Data: a numeric design with the target apart.
 */

struct data {
    size_t n, p;
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
data_alloc(struct data *d, size_t n, size_t p)
{
    memset(d, 0, sizeof(*d));
    d->n = n;
    d->p = p;
    d->X = xcalloc(n * p + 1, sizeof(double));
    d->y = xcalloc(n + 1, sizeof(double));
    d->names = xcalloc(p + 1, sizeof(char *));
}

static int
cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Read REL (a CSV in the source tree) as aiwb's pipeline would present it:
 * numeric columns as they are, categorical ones as 0/1 dummies named
 * "column=level" for every level but the first in byte order. TARGET is
 * the target column; FIRST, if not NULL, is a numeric column put first.
 */
static void
data_csv(struct data *d, const char *rel, const char *target, const char *first)
{
    char *path = tu_srcpath(rel), *cause = NULL;
    struct aiwb_frame *f = tu_read(path, NULL, &cause);
    size_t n, cols = 0, at = 0;

    if (f == NULL)
        fail_msg("cannot read %s: %s", rel, cause);
    n = frame_rows(f);
    for (size_t c = 0; c < frame_cols(f); c++)
        if (strcmp(frame_col_name(f, c), target) != 0)
            cols += frame_col_type(f, c) == AIWB_NUMERIC ? 1 : frame_nlevels(f, c) - 1;
    data_alloc(d, n, cols);
    memcpy(d->y, frame_numeric(f, (size_t)frame_find(f, target)), n * sizeof(double));
    if (first != NULL) {
        const double *x = frame_numeric(f, (size_t)frame_find(f, first));
        for (size_t i = 0; i < n; i++)
            d->X[i * cols] = x[i];
        d->names[at++] = xstrdup(first);
    }
    for (size_t c = 0; c < frame_cols(f); c++) {
        const char *name = frame_col_name(f, c);

        if (strcmp(name, target) == 0 || (first != NULL && strcmp(name, first) == 0))
            continue;
        if (frame_col_type(f, c) == AIWB_NUMERIC) {
            const double *x = frame_numeric(f, c);
            for (size_t i = 0; i < n; i++)
                d->X[i * cols + at] = x[i];
            d->names[at++] = xstrdup(name);
            continue;
        }
        size_t nl = frame_nlevels(f, c);
        const char **lv = xcalloc(nl, sizeof(char *));
        const int32_t *code = frame_codes(f, c);
        for (size_t l = 0; l < nl; l++)
            lv[l] = frame_level(f, c, (int32_t)l);
        qsort(lv, nl, sizeof(char *), cmp_str);
        for (size_t l = 1; l < nl; l++, at++) {
            d->names[at] = xasprintf("%s=%s", name, lv[l]);
            for (size_t i = 0; i < n; i++)
                d->X[i * cols + at] = strcmp(frame_level(f, c, code[i]), lv[l]) == 0;
        }
        free(lv);
    }
    assert_int_equal(at, cols);
    frame_free(f);
    free(path);
}

/* The numbers on the line "KEY [TERM] v1 v2 ..." of FILE in tests/data/glm. */
static size_t
ref_get(const char *file, const char *key, const char *term, double *v, size_t max)
{
    char *rel = xasprintf("tests/data/glm/%s", file), *path = tu_srcpath(rel);
    FILE *f = fopen(path, "r");
    char line[8192];
    size_t n = 0, klen = strlen(key);

    assert_non_null(f);
    while (fgets(line, sizeof(line), f) != NULL) {
        char *p = line;
        if (strncmp(p, key, klen) != 0 || p[klen] != ' ')
            continue;
        p += klen + 1;
        if (term != NULL) {
            size_t tlen = strlen(term);
            if (strncmp(p, term, tlen) != 0 || p[tlen] != ' ')
                continue;
            p += tlen + 1;
        }
        for (char *end; n < max; p = end) {
            double x = strtod(p, &end);
            if (end == p)
                break;
            v[n++] = x;
        }
        break;
    }
    fclose(f);
    free(path);
    free(rel);
    if (n == 0)
        fail_msg("no '%s %s' in %s", key, term ? term : "", file);
    return n;
}

static double
ref1(const char *file, const char *key)
{
    double v;

    ref_get(file, key, NULL, &v, 1);
    return v;
}

/* |got - want| <= tol * |want| (a relative test, also for tiny p-values). */
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

/* Whether the string HAY contains NEEDLE; prints both when not. */
#define assert_contains(hay, needle) assert_contains_((hay), (needle), __FILE__, __LINE__)
static void
assert_contains_(const char *hay, const char *needle, const char *file, int line)
{
    if (hay != NULL && strstr(hay, needle) != NULL)
        return;
    print_error("'%s' does not contain '%s'\n", hay ? hay : "(null)", needle);
    _fail(file, line);
}

/* Messages the plugins log, for the tests that expect a warning. */
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
    log_set_sink(NULL, NULL, AIWB_LOG_WARN);
}

/* ---------------------------------------------------------------------------
 * Running a plugin.
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
algo(const char *name)
{
    const struct component *c;

    tu_load_plugins();
    c = registry_find(COMPONENT_ALGORITHM, name);
    if (c == NULL)
        fail_msg("no algorithm '%s'", name);
    return c->type.algorithm;
}

/* Options WORDS (NULL-terminated) and init on D with weights W; init's status. */
static int
run_init(struct run *r, const char *name, const struct data *d, const double *w,
         const char *const *words)
{
    size_t nw = 0;

    memset(r, 0, sizeof(*r));
    r->type = algo(name);
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
        .y = d->y,
        .w = w,
        .task = AIWB_TASK_REGRESSION,
        .feature_names = (const char *const *)d->names,
        .target_name = "y",
    };
    return r->type->init(r->state, r->opts, &r->prob, &r->cause);
}

/* init, iterate until done (at most 1000 times), finish; the first failing status. */
static int
run_fit(struct run *r, const char *name, const struct data *d, const double *w,
        const char *const *words)
{
    int rc = run_init(r, name, d, w, words);

    while (rc == AIWB_OK || rc == AIWB_CONTINUE) {
        memset(&r->step, 0, sizeof(r->step));
        rc = r->type->iterate(r->state, &r->prob, &r->step, &r->cause);
        r->iterations++;
        if (rc == AIWB_OK)
            break;
        if (r->iterations > 1000)
            fail_msg("%s did not stop", name);
    }
    if (rc != AIWB_OK)
        return rc;
    return r->type->finish(r->state, &r->prob, &r->cause);
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

static struct aiwb_table *
run_report(const struct run *r)
{
    struct aiwb_table *t = table_new(NULL);

    assert_int_equal(r->type->report(r->state, t), AIWB_OK);
    return t;
}

static double
cell_real(const struct aiwb_table *t, size_t row, size_t col)
{
    const struct table_cell *c = table_cell(t, row, col);

    assert_non_null(c);
    assert_false(c->null);
    return c->v.r;
}

static const char *
cell_text(const struct aiwb_table *t, size_t row, size_t col)
{
    const struct table_cell *c = table_cell(t, row, col);

    assert_non_null(c);
    return c->v.s;
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

/* The note of T that starts with PREFIX (the test fails without one). */
static const char *
note_of(const struct aiwb_table *t, const char *prefix)
{
    for (size_t i = 0; i < t->nnotes; i++)
        if (strncmp(t->notes[i], prefix, strlen(prefix)) == 0)
            return t->notes[i];
    fail_msg("no note starts with '%s'", prefix);
    return NULL;
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
 * Save R's model, load it into a fresh state, and check that it predicts
 * the rows of D bit for bit, reports the same table and notes, and saves
 * to the same bytes. Also: a newer state version and a truncated state are
 * refused with the plugin's messages.
 */
static void
check_round_trip(const struct run *r, const struct data *d, const char *name)
{
    size_t len, len2;
    unsigned char *blob = save_blob(r, &len), *blob2;
    void *copy = xcalloc(1, r->type->state_size);
    char *cause = NULL, *want;
    double *p1 = xcalloc(d->n + 1, sizeof(double)), *p2 = xcalloc(d->n + 1, sizeof(double));

    assert_int_equal(load_blob(r->type, copy, blob, len, r->type->state_version, &cause), AIWB_OK);
    assert_null(cause);
    assert_int_equal(r->type->predict(r->state, d->n, d->X, d->p, p1), AIWB_OK);
    assert_int_equal(r->type->predict(copy, d->n, d->X, d->p, p2), AIWB_OK);
    assert_memory_equal(p1, p2, d->n * sizeof(double));

    struct aiwb_table *t1 = run_report(r), *t2 = table_new(NULL);
    assert_int_equal(r->type->report(copy, t2), AIWB_OK);
    assert_int_equal(t1->ncols, t2->ncols);
    assert_int_equal(table_rows(t1), table_rows(t2));
    for (size_t row = 0; row < table_rows(t1); row++) {
        for (size_t col = 0; col < t1->ncols; col++) {
            const struct table_cell *a = table_cell(t1, row, col), *b = table_cell(t2, row, col);
            if (t1->cols[col].kind == AIWB_TABLE_TEXT)
                assert_string_equal(a->v.s, b->v.s);
            else
                assert_memory_equal(&a->v, &b->v, sizeof(a->v));
        }
    }
    assert_int_equal(t1->nnotes, t2->nnotes);
    for (size_t i = 0; i < t1->nnotes; i++)
        assert_string_equal(t1->notes[i], t2->notes[i]);

    struct run again = *r;
    again.state = copy;
    blob2 = save_blob(&again, &len2);
    assert_int_equal(len, len2);
    assert_memory_equal(blob, blob2, len);
    free(blob2);
    table_free(t1);
    table_free(t2);
    r->type->fini(copy);
    memset(copy, 0, r->type->state_size);

    /* A newer version, and a state cut short (sealed again, so that only
     * the plugin can notice), are refused; the state is then empty. */
    assert_int_equal(load_blob(r->type, copy, blob, len, 2, &cause), AIWB_ENOTSUP);
    want = xasprintf("%s: cannot read a model saved with state version 2", name);
    assert_contains(cause, want);
    free(want);
    free(cause);
    cause = NULL;
    struct aiwb_writer *w = writer_new();
    codec_put_int(w, "nothing", 1);
    size_t plen;
    unsigned char *partial = codec_seal(w, &plen);
    writer_free(w);
    assert_true(load_blob(r->type, copy, partial, plen, 1, &cause) < 0);
    want = xasprintf("%s: the saved model is corrupt", name);
    assert_contains(cause, want);
    free(want);
    free(cause);
    free(partial);
    assert_int_equal(r->type->predict(copy, 1, d->X, d->p, p2), AIWB_EINVAL);
    r->type->fini(copy);
    free(copy);
    free(blob);
    free(p1);
    free(p2);
}

/* The number KEY a robust model saved (its fit's scalars, as IEEE bits). */
static double
robust_scalar(const struct run *r, const char *key)
{
    size_t len, n;
    unsigned char *blob = save_blob(r, &len);
    char *cause = NULL, *str, **strs;
    struct aiwb_reader *rd = reader_open(blob, len, &cause);
    int64_t i64;
    double *v, x = NAN;

    assert_non_null(rd);
    assert_int_equal(codec_get_str(rd, "method", &str), AIWB_OK);
    free(str);
    assert_int_equal(codec_get_real(rd, "tune", &x), AIWB_OK);
    assert_int_equal(codec_get_int(rd, "intercept", &i64), AIWB_OK);
    assert_int_equal(codec_get_int(rd, "max_iter", &i64), AIWB_OK);
    assert_int_equal(codec_get_int(rd, "converged", &i64), AIWB_OK);
    assert_int_equal(codec_get_strs(rd, "terms", &n, &strs), AIWB_OK);
    for (size_t j = 0; j < n; j++)
        free(strs[j]);
    free(strs);
    assert_int_equal(codec_get_reals(rd, "estimate", &n, &v), AIWB_OK);
    free(v);
    assert_int_equal(codec_get_reals(rd, "std_error", &n, &v), AIWB_OK);
    free(v);
    /* Then the scalars, in the order the plugin writes them. */
    static const char *const keys[] = {"n_obs",     "dof",   "sigma",    "sigma_mad",  "sigma_rob",
                                       "sigma_ols", "r2",    "adj_r2",   "iterations", "mse",
                                       "w_min",     "w_q1",  "w_median", "w_q3",       "w_max",
                                       "n_down",    "n_zero"};
    size_t i = 0;
    while (i < sizeof(keys) / sizeof(keys[0])) {
        assert_int_equal(codec_get_real(rd, keys[i], &x), AIWB_OK);
        if (strcmp(keys[i++], key) == 0)
            break;
    }
    if (strcmp(keys[i - 1], key) != 0)
        fail_msg("robust saves no '%s'", key);
    reader_free(rd);
    free(blob);
    return x;
}

/* ---------------------------------------------------------------------------
 * poisson
 */

/*
 * The fit FIT of glm-reference.txt: coefficients, standard errors, z and p
 * values (to 1e-9 and 1e-8: the same iterations as R, to rounding), the
 * deviances with their df, AIC, the number of iterations, the fitted means.
 */
static void
check_glm(const struct run *r, const struct data *d, const char *fit)
{
    const char *ref = "glm-reference.txt";
    struct aiwb_table *t = run_report(r);
    char key[64], want[128];
    double v[8], pred[5];

    assert_int_equal(t->ncols, 5);
    assert_string_equal(t->cols[3].name, "z_value");
    snprintf(key, sizeof(key), "%s.coef", fit);
    for (size_t row = 0; row < table_rows(t); row++) {
        assert_int_equal(ref_get(ref, key, cell_text(t, row, 0), v, 4), 4);
        assert_rel(cell_real(t, row, 1), v[0], 1e-9);
        assert_rel(cell_real(t, row, 2), v[1], 1e-9);
        assert_rel(cell_real(t, row, 3), v[2], 1e-9);
        assert_rel(cell_real(t, row, 4), v[3], 1e-8);
    }
    snprintf(key, sizeof(key), "%s.deviance", fit);
    ref_get(ref, key, NULL, v, 2);
    assert_rel(step_get(&r->step, "deviance"), v[0], 1e-11);
    assert_rel(step_get(&r->step, "loss"), v[0] / (double)d->n, 1e-11);
    snprintf(want, sizeof(want), "on %.0f degrees of freedom", v[1]);
    assert_contains(note_of(t, "Residual deviance: "), want);
    snprintf(key, sizeof(key), "%s.null", fit);
    ref_get(ref, key, NULL, v, 2);
    snprintf(want, sizeof(want), "Null deviance: %.5g on %.0f degrees of freedom", v[0], v[1]);
    assert_string_equal(note_of(t, "Null deviance: "), want);
    snprintf(key, sizeof(key), "%s.aic", fit);
    snprintf(want, sizeof(want), "AIC: %.5g", ref1(ref, key));
    assert_string_equal(note_of(t, "AIC: "), want);
    snprintf(key, sizeof(key), "%s.iter", fit);
    snprintf(want, sizeof(want), "Number of Fisher Scoring iterations: %.0f", ref1(ref, key));
    assert_string_equal(note_of(t, "Number of Fisher"), want);
    assert_int_equal(r->iterations, (int)ref1(ref, key));
    assert_int_equal(step_get(&r->step, "converged"), 1);

    snprintf(key, sizeof(key), "%s.fitted", fit);
    ref_get(ref, key, NULL, v, 5);
    assert_int_equal(r->type->predict(r->state, 5, d->X, d->p, pred), AIWB_OK);
    for (size_t i = 0; i < 5; i++)
        assert_rel(pred[i], v[i], 1e-10);
    table_free(t);
}

static void
test_poisson_warpbreaks_like_r(void **unused)
{
    struct data d;
    struct run r;

    (void)unused;
    data_csv(&d, "tests/data/glm/warpbreaks.csv", "breaks", NULL);
    assert_int_equal(d.p, 3);
    assert_string_equal(d.names[0], "wool=B");
    assert_string_equal(d.names[1], "tension=L");
    assert_int_equal(run_fit(&r, "poisson", &d, NULL, NULL), AIWB_OK);
    check_glm(&r, &d, "warpbreaks");
    struct aiwb_table *t = run_report(&r);
    assert_string_equal(t->title, "poisson: coefficients (log link)");
    assert_string_equal(t->notes[0], "(Dispersion parameter for poisson family taken to be 1)");
    assert_string_equal(t->notes[1], "Null deviance: 297.37 on 53 degrees of freedom");
    assert_string_equal(t->notes[2], "Residual deviance: 210.39 on 50 degrees of freedom");
    assert_string_equal(t->notes[3], "AIC: 493.06");
    table_free(t);
    check_round_trip(&r, &d, "poisson");
    run_release(&r);
    data_free(&d);
}

static void
test_poisson_weights_like_r(void **unused)
{
    struct data d;
    struct run r;
    double *w;

    (void)unused;
    data_csv(&d, "tests/data/glm/warpbreaks.csv", "breaks", NULL);
    w = xcalloc(d.n, sizeof(double));
    for (size_t i = 0; i < d.n; i++)
        w[i] = (double)((i + 1) % 3);
    assert_int_equal(run_fit(&r, "poisson", &d, w, NULL), AIWB_OK);
    struct aiwb_table *t = run_report(&r);
    double v[2];
    ref_get("glm-reference.txt", "warpbreaks_w.deviance", NULL, v, 2);
    /* "loss" is the deviance per unit of weight. */
    assert_rel(step_get(&r.step, "loss"), v[0] / 54.0, 1e-11);
    table_free(t);
    /* check_glm's loss assumes n = sum(w): here both are 54. */
    check_glm(&r, &d, "warpbreaks_w");
    run_release(&r);
    free(w);
    data_free(&d);
}

static void
test_poisson_no_intercept_like_r(void **unused)
{
    const char *words[] = {"intercept=false", NULL};
    struct data d;
    struct run r;

    (void)unused;
    data_csv(&d, "tests/data/glm/warpbreaks.csv", "breaks", NULL);
    assert_int_equal(run_fit(&r, "poisson", &d, NULL, words), AIWB_OK);
    check_glm(&r, &d, "warpbreaks_noint");
    run_release(&r);
    data_free(&d);
}

/* MASS's Insurance with offset(log(Holders)): the offset column first, among the features. */
static void
test_poisson_offset_like_r(void **unused)
{
    const char *words[] = {"offset=Holders", NULL};
    struct data d;
    struct run r;

    (void)unused;
    data_csv(&d, "tests/data/glm/insurance.csv", "Claims", "Holders");
    for (size_t i = 0; i < d.n; i++)
        d.X[i * d.p] = log(d.X[i * d.p]);
    assert_int_equal(run_fit(&r, "poisson", &d, NULL, words), AIWB_OK);
    check_glm(&r, &d, "insurance");
    struct aiwb_table *t = run_report(&r);
    assert_int_equal(table_rows(t), d.p); /* the intercept, not the offset */
    assert_string_equal(cell_text(t, 1, 0), "District=D2");
    assert_string_equal(t->notes[0], "Offset: 'Holders' (coefficient 1)");
    table_free(t);
    check_round_trip(&r, &d, "poisson");
    run_release(&r);

    /* An offset that is not a feature. */
    const char *bad[] = {"offset=holders", NULL};
    assert_int_equal(run_init(&r, "poisson", &d, NULL, bad), AIWB_EINVAL);
    assert_string_equal(r.cause, "poisson: the offset 'holders' is not one of the features");
    run_release(&r);
    data_free(&d);
}

/* lambda is scikit-learn's alpha: PoissonRegressor's coefficients and means. */
static void
test_poisson_penalty_like_sklearn(void **unused)
{
    static const char *const alphas[] = {"0.05", "1"};
    struct data d;
    struct run r;
    double v[4], pred[3];
    char key[64], opt[32];

    (void)unused;
    data_csv(&d, "tests/data/glm/warpbreaks.csv", "breaks", NULL);
    for (size_t a = 0; a < 2; a++) {
        snprintf(opt, sizeof(opt), "lambda=%s", alphas[a]);
        const char *words[] = {opt, "tol=1e-12", NULL};
        assert_int_equal(run_fit(&r, "poisson", &d, NULL, words), AIWB_OK);
        struct aiwb_table *t = run_report(&r);
        assert_int_equal(t->ncols, 2); /* no tests under a penalty */
        snprintf(key, sizeof(key), "alpha_%s.coef", alphas[a]);
        ref_get("glm-sklearn.txt", key, NULL, v, 4);
        for (size_t k = 0; k < 4; k++)
            assert_rel(cell_real(t, k, 1), v[k], 1e-8);
        snprintf(key, sizeof(key), "alpha_%s.predict", alphas[a]);
        ref_get("glm-sklearn.txt", key, NULL, v, 3);
        assert_int_equal(r.type->predict(r.state, 3, d.X, d.p, pred), AIWB_OK);
        for (size_t i = 0; i < 3; i++)
            assert_rel(pred[i], v[i], 1e-9);
        assert_true(has_note(t, "L2 penalty lambda"));
        /* The objective is reported each step; it is deviance + lambda n ||b||^2. */
        double b2 = v[0] * 0, obj = step_get(&r.step, "objective");
        for (size_t k = 1; k < 4; k++)
            b2 += cell_real(t, k, 1) * cell_real(t, k, 1);
        assert_rel(obj, step_get(&r.step, "deviance") + atof(alphas[a]) * 54 * b2, 1e-12);
        table_free(t);
        check_round_trip(&r, &d, "poisson");
        run_release(&r);
    }
    data_free(&d);
}

/* Each iterate is one scoring step: the deviance falls, "converged" says when. */
static void
test_poisson_iterations(void **unused)
{
    struct data d;
    struct run r;
    double last = INFINITY;
    int rc, steps = 0;

    (void)unused;
    data_csv(&d, "tests/data/glm/warpbreaks.csv", "breaks", NULL);
    assert_int_equal(run_init(&r, "poisson", &d, NULL, NULL), AIWB_OK);
    do {
        memset(&r.step, 0, sizeof(r.step));
        rc = r.type->iterate(r.state, &r.prob, &r.step, &r.cause);
        steps++;
        assert_string_equal(r.step.names[0], "loss");
        assert_true(step_get(&r.step, "deviance") < last);
        last = step_get(&r.step, "deviance");
        assert_int_equal(step_get(&r.step, "converged"), rc == AIWB_OK);
    } while (rc == AIWB_CONTINUE);
    assert_int_equal(rc, AIWB_OK);
    assert_int_equal(steps, 4);
    assert_int_equal(r.type->finish(r.state, &r.prob, &r.cause), AIWB_OK);
    run_release(&r);

    /* Out of iterations: a warning, a usable model, and the report says so. */
    const char *two[] = {"max_iter=2", NULL};
    capture_start();
    assert_int_equal(run_fit(&r, "poisson", &d, NULL, two), AIWB_OK);
    capture_stop();
    assert_int_equal(r.iterations, 2);
    assert_int_equal(step_get(&r.step, "converged"), 0);
    assert_contains(logged, "poisson: the algorithm did not converge in max_iter=2 iterations");
    struct aiwb_table *t = run_report(&r);
    assert_true(has_note(t, "Did not converge in 2 Fisher Scoring iterations"));
    table_free(t);
    run_release(&r);

    /* Stopped after one step (Ctrl-C): the model is that step's. */
    assert_int_equal(run_init(&r, "poisson", &d, NULL, NULL), AIWB_OK);
    assert_int_equal(r.type->iterate(r.state, &r.prob, &r.step, &r.cause), AIWB_CONTINUE);
    assert_int_equal(r.type->finish(r.state, &r.prob, &r.cause), AIWB_OK);
    double out;
    assert_int_equal(r.type->predict(r.state, 1, d.X, d.p, &out), AIWB_OK);
    assert_true(out > 30 && out < 50);
    run_release(&r);

    /* Stopped before the first: no model. */
    assert_int_equal(run_init(&r, "poisson", &d, NULL, NULL), AIWB_OK);
    assert_int_equal(r.type->finish(r.state, &r.prob, &r.cause), AIWB_ERR);
    assert_string_equal(r.cause, "poisson: training stopped before the first scoring step: there "
                                 "is no model");
    assert_int_equal(r.type->predict(r.state, 1, d.X, d.p, &out), AIWB_EINVAL);
    struct aiwb_writer *w = writer_new();
    assert_int_equal(r.type->save(r.state, w), AIWB_EINVAL);
    writer_free(w);
    run_release(&r);
    data_free(&d);
}

/* Counts that are not integers fit (rates), but have no AIC. */
static void
test_poisson_noninteger(void **unused)
{
    struct data d;
    struct run r;

    (void)unused;
    data_csv(&d, "tests/data/glm/warpbreaks.csv", "breaks", NULL);
    d.y[7] += 0.5;
    assert_int_equal(run_fit(&r, "poisson", &d, NULL, NULL), AIWB_OK);
    struct aiwb_table *t = run_report(&r);
    assert_string_equal(t->notes[3], "AIC: not defined: the counts are not all integers");
    table_free(t);
    check_round_trip(&r, &d, "poisson");
    run_release(&r);
    data_free(&d);
}

static void
test_poisson_refusals(void **unused)
{
    const char *noint[] = {"intercept=false", NULL};
    struct data d;
    struct run r;

    (void)unused;
    data_csv(&d, "tests/data/glm/warpbreaks.csv", "breaks", NULL);
    d.y[9] = -1;
    assert_int_equal(run_init(&r, "poisson", &d, NULL, NULL), AIWB_EDATA);
    assert_string_equal(r.cause, "poisson: row 10: the target 'y' is -1, not a count >= 0");
    run_release(&r);
    d.y[9] = NAN;
    assert_int_equal(run_init(&r, "poisson", &d, NULL, NULL), AIWB_EDATA);
    assert_string_equal(r.cause, "poisson: row 10: the target 'y' is nan, not a count >= 0");
    run_release(&r);
    d.y[9] = 3;
    d.X[4 * d.p + 2] = INFINITY;
    assert_int_equal(run_init(&r, "poisson", &d, NULL, NULL), AIWB_EDATA);
    assert_string_equal(r.cause, "poisson: row 5 column 'tension=M': inf is not a finite number");
    run_release(&r);
    d.X[4 * d.p + 2] = 0;

    double *w = xcalloc(d.n, sizeof(double));
    for (size_t i = 0; i < d.n; i++)
        w[i] = 1;
    w[3] = -2;
    assert_int_equal(run_init(&r, "poisson", &d, w, NULL), AIWB_EDATA);
    assert_string_equal(r.cause, "poisson: row 4: the weight -2 is not a finite number >= 0");
    run_release(&r);
    /* Four rows of non-zero weight for four coefficients. */
    for (size_t i = 0; i < d.n; i++)
        w[i] = i % 14 == 0;
    assert_int_equal(run_init(&r, "poisson", &d, w, NULL), AIWB_EDATA);
    assert_string_equal(r.cause, "poisson: 4 rows of non-zero weight are too few for 4 "
                                 "coefficients: the fit needs more rows than coefficients");
    run_release(&r);
    free(w);
    size_t n = d.n;
    d.n = 3;
    assert_int_equal(run_init(&r, "poisson", &d, NULL, noint), AIWB_EDATA);
    assert_contains(r.cause, "poisson: 3 rows are too few for 3 coefficients");
    run_release(&r);
    d.n = n;

    /* No events at all, and a level without events. */
    double *y = xcalloc(d.n, sizeof(double));
    memcpy(y, d.y, d.n * sizeof(double));
    for (size_t i = 0; i < d.n; i++)
        d.y[i] = 0;
    assert_int_equal(run_init(&r, "poisson", &d, NULL, NULL), AIWB_EDATA);
    assert_string_equal(r.cause, "poisson: the target 'y' is 0 in every row: the fitted rates "
                                 "would go to zero and there is no maximum likelihood estimate");
    run_release(&r);
    for (size_t i = 0; i < d.n; i++)
        d.y[i] = d.X[i * d.p + 1] == 1 ? 0 : y[i];
    assert_int_equal(run_init(&r, "poisson", &d, NULL, NULL), AIWB_EDATA);
    assert_string_equal(r.cause,
                        "poisson: the count 'y' is 0 in every row where 'tension=L' is non-zero: "
                        "its coefficient would go to minus infinity (no maximum likelihood "
                        "estimate); drop the column, merge its levels or use lambda > 0");
    run_release(&r);
    /* A penalty keeps it finite. */
    const char *pen[] = {"lambda=0.1", NULL};
    assert_int_equal(run_fit(&r, "poisson", &d, NULL, pen), AIWB_OK);
    struct aiwb_table *t = run_report(&r);
    assert_true(cell_real(t, 2, 1) < -1);
    table_free(t);
    run_release(&r);
    memcpy(d.y, y, d.n * sizeof(double));
    free(y);

    /* Collinear columns, named. */
    for (size_t i = 0; i < d.n; i++)
        d.X[i * d.p + 2] = 1 - d.X[i * d.p + 1];
    assert_int_equal(run_init(&r, "poisson", &d, NULL, NULL), AIWB_ENUMERIC);
    assert_string_equal(r.cause, "poisson: the design matrix is singular (rank 3 of 4 terms): "
                                 "'(Intercept)', 'tension=L' and 'tension=M' are linearly "
                                 "dependent (collinear); drop one of them");
    run_release(&r);
    for (size_t i = 0; i < d.n; i++)
        d.X[i * d.p + 2] = 0;
    assert_int_equal(run_init(&r, "poisson", &d, NULL, NULL), AIWB_ENUMERIC);
    assert_string_equal(r.cause, "poisson: the design matrix is singular: the column "
                                 "'tension=M' is zero in every row; drop it");
    run_release(&r);

    /* Nothing to fit. */
    d.p = 0;
    assert_int_equal(run_init(&r, "poisson", &d, NULL, noint), AIWB_EINVAL);
    assert_string_equal(r.cause, "poisson: no features and no intercept: there is nothing to fit");
    run_release(&r);
    d.p = 3;
    data_free(&d);
}

/*
 * A steep fall to zero counts: the estimate exists (R's numbers), but some
 * fitted rates are numerically 0, and the fit warns as R's glm.fit does.
 */
static void
test_poisson_zero_rates(void **unused)
{
    struct data d;
    struct run r;

    (void)unused;
    data_alloc(&d, 16, 1);
    d.names[0] = xstrdup("x");
    for (size_t i = 0; i < d.n; i++) {
        d.X[i] = (double)i;
        d.y[i] = i == 0 ? 20 : i == 1 ? 1 : 0;
    }
    capture_start();
    assert_int_equal(run_fit(&r, "poisson", &d, NULL, NULL), AIWB_OK);
    capture_stop();
    assert_contains(logged, "poisson: fitted rates numerically 0 occurred");
    check_glm(&r, &d, "steep");
    struct aiwb_table *t = run_report(&r);
    assert_string_equal(t->notes[t->nnotes - 1], "Warning: fitted rates numerically 0 occurred");
    table_free(t);
    run_release(&r);
    data_free(&d);
}

/*
 * Counts that vanish along a direction no single column shows: x takes
 * both signs, but the count is 0 wherever x >= 0; and in warpbreaks, the
 * baseline level of tension (H, no column of its own) without events.
 */
static void
test_poisson_separation(void **unused)
{
    struct data d;
    struct run r;

    (void)unused;
    data_alloc(&d, 30, 1);
    d.names[0] = xstrdup("x");
    for (size_t i = 0; i < d.n; i++) {
        d.X[i] = (double)(i % 3) - 1;
        d.y[i] = d.X[i] < 0 ? (double)(2 + i % 5) : 0;
    }
    assert_int_equal(run_init(&r, "poisson", &d, NULL, NULL), AIWB_EDATA);
    assert_string_equal(
        r.cause, "poisson: the count 'y' is 0 in all 20 rows (the first: row 2) where "
                 "'(Intercept)' and 'x' can send the rate to zero without changing the "
                 "others: no maximum likelihood estimate exists (the coefficients would "
                 "run to infinity); drop or merge a level without events, or use lambda > 0");
    run_release(&r);
    data_free(&d);

    data_csv(&d, "tests/data/glm/warpbreaks.csv", "breaks", NULL);
    for (size_t i = 0; i < d.n; i++)
        if (d.X[i * d.p + 1] == 0 && d.X[i * d.p + 2] == 0)
            d.y[i] = 0;
    assert_int_equal(run_init(&r, "poisson", &d, NULL, NULL), AIWB_EDATA);
    assert_contains(r.cause, "poisson: the count 'y' is 0 in all 18 rows (the first: row 19) "
                             "where '(Intercept)', 'tension=L' and 'tension=M' can send");
    run_release(&r);
    /* With a penalty it fits. */
    const char *pen[] = {"lambda=0.01", NULL};
    assert_int_equal(run_fit(&r, "poisson", &d, NULL, pen), AIWB_OK);
    run_release(&r);
    data_free(&d);
}

/* A first step that overflows (a steep trend and a far-away row) ends with a message. */
static void
test_poisson_divergent_start(void **unused)
{
    struct data d;
    struct run r;

    (void)unused;
    data_alloc(&d, 11, 1);
    d.names[0] = xstrdup("x");
    for (size_t i = 0; i < 10; i++) {
        d.X[i] = (double)i;
        d.y[i] = exp(60.0 * (double)i);
    }
    d.X[10] = 1000;
    d.y[10] = 0;
    assert_int_equal(run_fit(&r, "poisson", &d, NULL, NULL), AIWB_ENUMERIC);
    assert_contains(r.cause, "poisson: the first scoring step gave a deviance of ");
    assert_contains(r.cause, ": the data may hold extreme values (standardize the features)");
    run_release(&r);
    data_free(&d);
}

/* ---------------------------------------------------------------------------
 * robust
 */

static void
check_location(const char *method, const char *key)
{
    const char *ref = "glm-reference.txt";
    char k[64], opt[32];
    struct data d;
    struct run r;
    double v[3];

    data_csv(&d, "tests/data/glm/chem.csv", "chem", NULL);
    assert_int_equal(d.p, 0);
    snprintf(opt, sizeof(opt), "method=%s", method);
    const char *words[] = {opt, NULL};
    assert_int_equal(run_fit(&r, "robust", &d, NULL, words), AIWB_OK);
    struct aiwb_table *t = run_report(&r);
    snprintf(k, sizeof(k), "%s.coef", key);
    ref_get(ref, k, "(Intercept)", v, 3);
    /* GSL stops when no coefficient moves by sqrt(DBL_EPSILON) of itself. */
    assert_rel(cell_real(t, 0, 1), v[0], 1e-8);
    snprintf(k, sizeof(k), "%s.scale", key);
    ref_get(ref, k, NULL, v, 1);
    char want[64];
    snprintf(want, sizeof(want), "Scale estimates: MAD %.4g,", v[0]);
    assert_contains(t->notes[1], want);
    table_free(t);
    run_release(&r);
    data_free(&d);
}

/* A location estimate (the intercept alone): R's rlm exactly, leverage being 1/n for all. */
static void
test_robust_location_like_rlm(void **unused)
{
    (void)unused;
    check_location("huber", "chem_huber");
    check_location("bisquare", "chem_bisquare");
}

/*
 * stackloss: GSL's algorithm as glm-reference.R writes it out in R, to the
 * convergence tolerance (1e-7). R's rlm is not comparable here: without
 * GSL's leverage adjustment its scale and so its weights differ, and its
 * coefficients with them (by up to 8% for huber, 45% for bisquare: see
 * glm-reference.txt, stackloss_*_rlm).
 */
static void
check_stackloss(const char *method)
{
    const char *ref = "glm-reference.txt";
    char key[64], opt[32];
    struct data d;
    struct run r;
    double v[4];

    data_csv(&d, "tests/data/glm/stackloss.csv", "stack_loss", NULL);
    snprintf(opt, sizeof(opt), "method=%s", method);
    const char *words[] = {opt, NULL};
    assert_int_equal(run_fit(&r, "robust", &d, NULL, words), AIWB_OK);
    struct aiwb_table *t = run_report(&r);
    assert_int_equal(table_rows(t), 4);
    for (size_t row = 0; row < 4; row++) {
        const char *term = cell_text(t, row, 0);
        snprintf(key, sizeof(key), "stackloss_%s.coef", method);
        ref_get(ref, key, term, v, 2);
        assert_rel(cell_real(t, row, 1), v[0], 1e-7);
        assert_rel(cell_real(t, row, 2), v[1], 1e-7);
        assert_rel(cell_real(t, row, 3), v[0] / v[1], 1e-7);
    }
    snprintf(key, sizeof(key), "stackloss_%s.sigma", method);
    ref_get(ref, key, NULL, v, 4);
    assert_rel(robust_scalar(&r, "sigma"), v[0], 1e-7);
    char want[128];
    snprintf(want, sizeof(want), "Scale estimates: MAD %.4g, robust %.4g, least squares %.4g", v[1],
             v[2], v[3]);
    assert_string_equal(t->notes[1], want);
    snprintf(key, sizeof(key), "stackloss_%s.iter", method);
    assert_int_equal(r.iterations, ref1(ref, key));
    table_free(t);
    check_round_trip(&r, &d, "robust");
    run_release(&r);
    data_free(&d);
}

static void
test_robust_stackloss(void **unused)
{
    (void)unused;
    check_stackloss("huber");
    check_stackloss("bisquare");
}

/*
 * GSL's own example (doc/examples/robfit.c, tests/data/glm/robfit.csv): the
 * plugin gives what the example's gsl_multifit_robust call gives, bit for
 * bit, and that is what the R transcription gives; the bisquare line is
 * near the true one (1.45 x + 3.88 + 0.5 for the mean noise), least squares
 * is pulled away by the three outliers.
 */
static void
test_robust_gsl_example(void **unused)
{
    const char *ref = "glm-reference.txt";
    const char *words[] = {"method=bisquare", NULL};
    struct data d;
    struct run r;
    double v[2];

    (void)unused;
    data_csv(&d, "tests/data/glm/robfit.csv", "y", NULL);
    assert_int_equal(d.n, 50);
    assert_int_equal(run_fit(&r, "robust", &d, NULL, words), AIWB_OK);
    struct aiwb_table *t = run_report(&r);

    gsl_matrix *X = gsl_matrix_alloc(d.n, 2), *cov = gsl_matrix_alloc(2, 2);
    gsl_vector *y = gsl_vector_alloc(d.n), *c = gsl_vector_alloc(2);
    gsl_multifit_robust_workspace *work =
        gsl_multifit_robust_alloc(gsl_multifit_robust_bisquare, d.n, 2);
    for (size_t i = 0; i < d.n; i++) {
        gsl_matrix_set(X, i, 0, 1.0);
        gsl_matrix_set(X, i, 1, d.X[i]);
        gsl_vector_set(y, i, d.y[i]);
    }
    assert_int_equal(gsl_multifit_robust(X, y, c, cov, work), GSL_SUCCESS);
    for (size_t k = 0; k < 2; k++) {
        assert_rel(cell_real(t, k, 1), gsl_vector_get(c, k), 1e-12);
        assert_rel(cell_real(t, k, 2), sqrt(gsl_matrix_get(cov, k, k)), 1e-12);
        ref_get(ref, "robfit_bisquare.coef", cell_text(t, k, 0), v, 2);
        assert_rel(cell_real(t, k, 1), v[0], 1e-8);
        assert_rel(cell_real(t, k, 2), v[1], 1e-8);
    }
    assert_true(fabs(cell_real(t, 1, 1) - 1.45) < 0.05);
    assert_true(fabs(cell_real(t, 0, 1) - 4.38) < 0.1);

    /* The weights: the three outliers get none. */
    gsl_multifit_robust_stats st = gsl_multifit_robust_statistics(work);
    double wmin = 1;
    size_t zero = 0;
    for (size_t i = 0; i < d.n; i++) {
        wmin = fmin(wmin, gsl_vector_get(st.weights, i));
        zero += gsl_vector_get(st.weights, i) == 0;
    }
    assert_int_equal(zero, 3);
    char want[64];
    snprintf(want, sizeof(want), "Weights: min %.4g,", wmin);
    assert_contains(t->notes[3], want);
    assert_contains(t->notes[3], "of 50 rows down-weighted, 3 to zero");
    assert_string_equal(t->notes[2], "Psi: bisquare with tuning constant 4.685; converged after "
                                     "7 IRLS iterations");
    table_free(t);
    run_release(&r);

    /* method=ols is least squares. */
    const char *ols[] = {"method=ols", NULL};
    assert_int_equal(run_fit(&r, "robust", &d, NULL, ols), AIWB_OK);
    t = run_report(&r);
    ref_get(ref, "robfit_ols", NULL, v, 2);
    assert_rel(cell_real(t, 0, 1), v[0], 1e-12);
    assert_rel(cell_real(t, 1, 1), v[1], 1e-12);
    table_free(t);
    run_release(&r);

    gsl_multifit_robust_free(work);
    gsl_vector_free(c);
    gsl_vector_free(y);
    gsl_matrix_free(cov);
    gsl_matrix_free(X);
    data_free(&d);
}

/*
 * The plugin takes gsl_multifit_robust's steps itself; on D with METHOD it
 * must give what gsl_multifit_robust gives: the same number of iterations,
 * coefficients, standard errors, scales and R^2 to 1e-9 (the least squares
 * differ only in rounding: QR here, SVD there), the same final weights.
 */
static void
check_against_gsl(const struct data *d, const char *method, const gsl_multifit_robust_type *type)
{
    const size_t n = d->n, k = d->p + 1;
    char opt[32];
    struct run r;

    snprintf(opt, sizeof(opt), "method=%s", method);
    const char *words[] = {opt, NULL};
    assert_int_equal(run_fit(&r, "robust", d, NULL, words), AIWB_OK);

    gsl_matrix *X = gsl_matrix_alloc(n, k), *cov = gsl_matrix_alloc(k, k);
    gsl_vector *y = gsl_vector_alloc(n), *c = gsl_vector_alloc(k);
    gsl_multifit_robust_workspace *work = gsl_multifit_robust_alloc(type, n, k);
    for (size_t i = 0; i < n; i++) {
        gsl_matrix_set(X, i, 0, 1.0);
        for (size_t j = 0; j < d->p; j++)
            gsl_matrix_set(X, i, j + 1, d->X[i * d->p + j]);
        gsl_vector_set(y, i, d->y[i]);
    }
    assert_int_equal(gsl_multifit_robust(X, y, c, cov, work), GSL_SUCCESS);
    gsl_multifit_robust_stats st = gsl_multifit_robust_statistics(work);

    struct aiwb_table *t = run_report(&r);
    for (size_t j = 0; j < k; j++) {
        double want = gsl_vector_get(c, j);
        assert_true(fabs(cell_real(t, j, 1) - want) <= 1e-9 * fmax(fabs(want), 1e-3));
        assert_rel(cell_real(t, j, 2), sqrt(gsl_matrix_get(cov, j, j)), 1e-9);
    }
    assert_int_equal(r.iterations, st.numit);
    assert_rel(robust_scalar(&r, "iterations"), (double)st.numit, 0);
    assert_rel(robust_scalar(&r, "sigma"), st.sigma, 1e-9);
    assert_rel(robust_scalar(&r, "sigma_mad"), st.sigma_mad, 1e-9);
    assert_rel(robust_scalar(&r, "sigma_rob"), st.sigma_rob, 1e-9);
    assert_rel(robust_scalar(&r, "sigma_ols"), st.sigma_ols, 1e-12);
    assert_rel(robust_scalar(&r, "r2"), st.Rsq, 1e-9);
    assert_rel(robust_scalar(&r, "adj_r2"), st.adj_Rsq, 1e-9);
    double down = 0, wmin = 1;
    for (size_t i = 0; i < n; i++) {
        down += gsl_vector_get(st.weights, i) < 1;
        wmin = fmin(wmin, gsl_vector_get(st.weights, i));
    }
    assert_rel(robust_scalar(&r, "n_down"), down, 0);
    assert_rel(robust_scalar(&r, "w_min"), wmin, 1e-8);
    table_free(t);
    run_release(&r);
    gsl_multifit_robust_free(work);
    gsl_vector_free(c);
    gsl_vector_free(y);
    gsl_matrix_free(cov);
    gsl_matrix_free(X);
}

static void
test_robust_like_gsl(void **unused)
{
    static const char *const names[] = {"huber", "bisquare", "cauchy", "fair", "ols", "welsch"};
    const gsl_multifit_robust_type *types[] = {
        gsl_multifit_robust_huber, gsl_multifit_robust_bisquare, gsl_multifit_robust_cauchy,
        gsl_multifit_robust_fair,  gsl_multifit_robust_ols,      gsl_multifit_robust_welsch};
    struct data d;

    (void)unused;
    data_csv(&d, "datasets/diabetes.csv", "y", NULL);
    for (size_t m = 0; m < 6; m++)
        check_against_gsl(&d, names[m], types[m]);
    data_free(&d);
    data_csv(&d, "tests/data/glm/stackloss.csv", "stack_loss", NULL);
    for (size_t m = 0; m < 6; m++)
        check_against_gsl(&d, names[m], types[m]);
    data_free(&d);
}

/* One IRLS step an iterate: the steps' numbers, and a model after a stop. */
static void
test_robust_iterations(void **unused)
{
    const char *words[] = {"method=bisquare", NULL};
    struct data d;
    struct run r;
    int rc, steps = 0;

    (void)unused;
    data_csv(&d, "tests/data/glm/stackloss.csv", "stack_loss", NULL);
    assert_int_equal(run_init(&r, "robust", &d, NULL, words), AIWB_OK);
    do {
        memset(&r.step, 0, sizeof(r.step));
        rc = r.type->iterate(r.state, &r.prob, &r.step, &r.cause);
        steps++;
        assert_string_equal(r.step.names[0], "loss");
        assert_true(step_get(&r.step, "scale") > 0);
        assert_int_equal(step_get(&r.step, "converged"), rc == AIWB_OK);
        if (rc == AIWB_OK)
            assert_true(step_get(&r.step, "change") <= 1.5e-8);
    } while (rc == AIWB_CONTINUE);
    assert_int_equal(rc, AIWB_OK);
    assert_int_equal(steps, 31); /* glm-reference.txt: stackloss_bisquare.iter */
    assert_int_equal(r.type->finish(r.state, &r.prob, &r.cause), AIWB_OK);
    run_release(&r);

    /* Stopped after two steps: the model as it stood. */
    assert_int_equal(run_init(&r, "robust", &d, NULL, words), AIWB_OK);
    for (int i = 0; i < 2; i++)
        assert_int_equal(r.type->iterate(r.state, &r.prob, &r.step, &r.cause), AIWB_CONTINUE);
    assert_int_equal(r.type->finish(r.state, &r.prob, &r.cause), AIWB_OK);
    struct aiwb_table *t = run_report(&r);
    assert_contains(t->notes[2], "did not converge within 2 IRLS iterations");
    table_free(t);
    double out;
    assert_int_equal(r.type->predict(r.state, 1, d.X, d.p, &out), AIWB_OK);
    assert_true(out > 30 && out < 45);
    run_release(&r);
    data_free(&d);
}

/* Every method runs with GSL's tuning constant unless told; predict is the line. */
static void
test_robust_methods(void **unused)
{
    static const struct {
        const char *method;
        const char *tune;
    } m[] = {{"huber", "1.345"}, {"bisquare", "4.685"}, {"cauchy", "2.385"},
             {"fair", "1.4"},    {"ols", "1"},          {"welsch", "2.985"}};
    struct data d;
    struct run r;
    char opt[32], want[64];
    double out[2];

    (void)unused;
    data_csv(&d, "tests/data/glm/robfit.csv", "y", NULL);
    for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
        snprintf(opt, sizeof(opt), "method=%s", m[i].method);
        const char *words[] = {opt, NULL};
        assert_int_equal(run_fit(&r, "robust", &d, NULL, words), AIWB_OK);
        struct aiwb_table *t = run_report(&r);
        snprintf(want, sizeof(want), "Psi: %s with tuning constant %s;", m[i].method, m[i].tune);
        assert_contains(t->notes[2], want);
        assert_int_equal(r.type->predict(r.state, 2, d.X, 1, out), AIWB_OK);
        assert_rel(out[1], cell_real(t, 0, 1) + cell_real(t, 1, 1) * d.X[1], 1e-14);
        table_free(t);
        run_release(&r);
    }
    /* A tune of one's own, no intercept. */
    const char *own[] = {"method=huber", "tune=2", "intercept=false", NULL};
    assert_int_equal(run_fit(&r, "robust", &d, NULL, own), AIWB_OK);
    struct aiwb_table *t = run_report(&r);
    assert_int_equal(table_rows(t), 1);
    assert_string_equal(cell_text(t, 0, 0), "x");
    assert_contains(t->notes[2], "tuning constant 2;");
    char rse[80];
    snprintf(rse, sizeof(rse), "Residual standard error: %.4g on 49 degrees of freedom",
             robust_scalar(&r, "sigma"));
    assert_string_equal(t->notes[0], rse);
    table_free(t);
    check_round_trip(&r, &d, "robust");
    run_release(&r);

    /* Out of iterations: a warning, and the report says so. */
    const char *one[] = {"method=bisquare", "max_iter=1", NULL};
    capture_start();
    assert_int_equal(run_fit(&r, "robust", &d, NULL, one), AIWB_OK);
    capture_stop();
    assert_contains(logged, "robust: stopped after max_iter=1 IRLS iterations without "
                            "converging");
    assert_int_equal(step_get(&r.step, "converged"), 0);
    t = run_report(&r);
    assert_contains(t->notes[2], "did not converge within 1 IRLS iterations");
    table_free(t);
    run_release(&r);
    data_free(&d);
}

static void
test_robust_refusals(void **unused)
{
    struct data d;
    struct run r;
    char *cause = NULL;

    (void)unused;
    data_csv(&d, "tests/data/glm/stackloss.csv", "stack_loss", NULL);
    d.X[6 * 3 + 1] = NAN;
    assert_int_equal(run_init(&r, "robust", &d, NULL, NULL), AIWB_EDATA);
    assert_string_equal(r.cause, "robust: row 7 column 'water_temp': nan is not a finite number");
    run_release(&r);
    d.X[6 * 3 + 1] = 20;
    d.y[0] = -INFINITY;
    assert_int_equal(run_init(&r, "robust", &d, NULL, NULL), AIWB_EDATA);
    assert_string_equal(r.cause, "robust: row 1: the target 'y' is -inf, not a finite number");
    run_release(&r);
    d.y[0] = 42;
    size_t n = d.n;
    d.n = 4;
    assert_int_equal(run_init(&r, "robust", &d, NULL, NULL), AIWB_EDATA);
    assert_string_equal(r.cause, "robust: 4 rows are too few for 4 coefficients: the fit needs "
                                 "more rows than coefficients");
    run_release(&r);
    d.n = n;
    double *y = xcalloc(n, sizeof(double));
    memcpy(y, d.y, n * sizeof(double));
    for (size_t i = 0; i < n; i++)
        d.y[i] = 7;
    assert_int_equal(run_init(&r, "robust", &d, NULL, NULL), AIWB_EDATA);
    assert_string_equal(r.cause, "robust: the target 'y' is constant (7 in every row): there is "
                                 "nothing to fit");
    run_release(&r);
    memcpy(d.y, y, n * sizeof(double));
    free(y);

    /* GSL would fit a collinear design silently (minimum norm); refused. */
    for (size_t i = 0; i < n; i++)
        d.X[i * 3 + 2] = 2 * d.X[i * 3] - d.X[i * 3 + 1];
    assert_int_equal(run_fit(&r, "robust", &d, NULL, NULL), AIWB_ENUMERIC);
    assert_string_equal(r.cause, "robust: the design matrix is singular (rank 3 of 4 terms): "
                                 "'air_flow', 'water_temp' and 'acid_conc' are linearly dependent "
                                 "(collinear); drop one of them");
    run_release(&r);

    /* Options. */
    const struct aiwb_algorithm_type *type = algo("robust");
    char *bad1[] = {"method=lad"}, *bad2[] = {"tune=0"};
    assert_null(options_parse("robust", type->options, 1, bad1, &cause));
    assert_contains(cause, "huber|bisquare|cauchy|fair|ols|welsch");
    free(cause);
    cause = NULL;
    assert_null(options_parse("robust", type->options, 1, bad2, &cause));
    assert_contains(cause, "tune");
    free(cause);

    /* Stopped before the fit: no model. */
    assert_int_equal(run_init(&r, "robust", &d, NULL, NULL), AIWB_OK);
    assert_int_equal(r.type->finish(r.state, &r.prob, &r.cause), AIWB_ERR);
    assert_string_equal(r.cause, "robust: training stopped before the first IRLS iteration: "
                                 "there is no model");
    run_release(&r);
    data_free(&d);
}

/* ---------------------------------------------------------------------------
 * spline
 */

/* R's coefficient vector KEY against the plugin's, read back through a saved model. */
static void
spline_coefficients(const struct run *r, double *coef, size_t k)
{
    struct aiwb_writer *w = writer_new();
    size_t len, n = 0;
    unsigned char *blob;
    char *cause = NULL;
    double *v = NULL;

    assert_int_equal(r->type->save(r->state, w), AIWB_OK);
    blob = codec_seal(w, &len);
    writer_free(w);
    struct aiwb_reader *rd = reader_open(blob, len, &cause);
    assert_non_null(rd);
    /* Skip to "coef", the sixth value of the state. */
    int64_t i64;
    char *s;
    char **strs;
    int64_t *ints;
    double real;
    assert_int_equal(codec_get_int(rd, "knots", &i64), AIWB_OK);
    assert_int_equal(codec_get_str(rd, "knots_at", &s), AIWB_OK);
    free(s);
    assert_int_equal(codec_get_real(rd, "lambda", &real), AIWB_OK);
    assert_int_equal(codec_get_str(rd, "extrapolate", &s), AIWB_OK);
    free(s);
    assert_int_equal(codec_get_strs(rd, "terms", &n, &strs), AIWB_OK);
    for (size_t j = 0; j < n; j++)
        free(strs[j]);
    free(strs);
    assert_int_equal(codec_get_ints(rd, "breakpoints", &n, &ints), AIWB_OK);
    free(ints);
    assert_int_equal(codec_get_reals(rd, "breaks", &n, &v), AIWB_OK);
    free(v);
    assert_int_equal(codec_get_reals(rd, "coef", &n, &v), AIWB_OK);
    assert_int_equal(n, k);
    memcpy(coef, v, k * sizeof(double));
    free(v);
    reader_free(rd);
    free(blob);
}

/* R's new rows of glm-reference.R: the means, and rows 1-3 halfway to them. */
static double *
new_rows(const struct data *d)
{
    double *nd = xcalloc(4 * d->p, sizeof(double)), *mean = xcalloc(d->p, sizeof(double));

    for (size_t i = 0; i < d->n; i++)
        for (size_t j = 0; j < d->p; j++)
            mean[j] += d->X[i * d->p + j];
    for (size_t j = 0; j < d->p; j++) {
        mean[j] /= (double)d->n;
        nd[j] = mean[j];
        for (size_t i = 0; i < 3; i++)
            nd[(i + 1) * d->p + j] = (d->X[i * d->p + j] + mean[j]) / 2;
    }
    free(mean);
    return nd;
}

/* A subset of the diabetes features, in the order of NAMES. */
static void
diabetes_subset(struct data *d, const struct data *all, const char *const *names, size_t p)
{
    data_alloc(d, all->n, p);
    for (size_t j = 0; j < p; j++) {
        size_t src = 0;
        while (strcmp(all->names[src], names[j]) != 0)
            src++;
        d->names[j] = xstrdup(names[j]);
        for (size_t i = 0; i < all->n; i++)
            d->X[i * p + j] = all->X[i * all->p + src];
    }
    memcpy(d->y, all->y, all->n * sizeof(double));
}

/*
 * The fit KEY of glm-reference.txt (lm() on bs() bases with the plugin's
 * knots): coefficients to 1e-8, fitted and predicted values, RSS, sigma,
 * R^2, and each term's F test as R's drop1.
 */
static void
check_spline_lm(const struct run *r, const struct data *d, const char *key, const char **rterms)
{
    const char *ref = "glm-reference.txt";
    char k[64];
    double v[128], coef[128], got[10], *nd;
    size_t nc;

    snprintf(k, sizeof(k), "%s.coef", key);
    nc = ref_get(ref, k, NULL, v, 128);
    spline_coefficients(r, coef, nc);
    for (size_t c = 0; c < nc; c++)
        assert_true(fabs(coef[c] - v[c]) <= 1e-8 * fmax(1, fabs(v[c])));

    snprintf(k, sizeof(k), "%s.fitted", key);
    ref_get(ref, k, NULL, v, 10);
    assert_int_equal(r->type->predict(r->state, 10, d->X, d->p, got), AIWB_OK);
    for (size_t i = 0; i < 10; i++)
        assert_rel(got[i], v[i], 1e-10);
    nd = new_rows(d);
    snprintf(k, sizeof(k), "%s.predict", key);
    ref_get(ref, k, NULL, v, 4);
    assert_int_equal(r->type->predict(r->state, 4, nd, d->p, got), AIWB_OK);
    for (size_t i = 0; i < 4; i++)
        assert_rel(got[i], v[i], 1e-10);
    free(nd);

    snprintf(k, sizeof(k), "%s.fit", key);
    ref_get(ref, k, NULL, v, 5);
    assert_rel(step_get(&r->step, "loss"), v[0] / (double)d->n, 1e-10);
    assert_rel(step_get(&r->step, "sigma"), v[1], 1e-10);
    assert_rel(step_get(&r->step, "r2"), v[3], 1e-10);
    assert_rel(step_get(&r->step, "edf"), (double)d->n - v[2], 1e-12);

    struct aiwb_table *t = run_report(r);
    assert_int_equal(table_rows(t), d->p);
    char want[128];
    snprintf(want, sizeof(want), "Multiple R-squared: %.4g, Adjusted R-squared: %.4g", v[3], v[4]);
    assert_true(has_note(t, want));
    snprintf(k, sizeof(k), "%s.term", key);
    for (size_t j = 0; j < d->p; j++) {
        ref_get(ref, k, rterms[j], v, 2);
        assert_rel(cell_real(t, j, 5), v[0], 1e-8);
        assert_rel(cell_real(t, j, 6), v[1], 1e-7);
    }
    table_free(t);
}

static void
test_spline_diabetes_like_r(void **unused)
{
    const char *rterms[] = {"bsx(\"age\", age)", "sex",
                            "bsx(\"bmi\", bmi)", "bsx(\"bp\", bp)",
                            "bsx(\"s1\", s1)",   "bsx(\"s2\", s2)",
                            "bsx(\"s3\", s3)",   "bsx(\"s4\", s4)",
                            "bsx(\"s5\", s5)",   "bsx(\"s6\", s6)"};
    struct data d;
    struct run r;

    (void)unused;
    data_csv(&d, "datasets/diabetes.csv", "y", NULL);
    assert_int_equal(d.p, 10);
    capture_start();
    assert_int_equal(run_fit(&r, "spline", &d, NULL, NULL), AIWB_OK);
    capture_stop();
    /* s4's quantiles repeat (it holds many ties): one knot fewer, said so. */
    assert_contains(logged, "spline: 's4' has 4 interior knots, not 5");
    check_spline_lm(&r, &d, "diabetes", rterms);

    struct aiwb_table *t = run_report(&r);
    assert_string_equal(t->title, "spline: additive terms");
    assert_string_equal(cell_text(t, 1, 0), "sex");
    assert_string_equal(cell_text(t, 1, 1), "linear");
    assert_int_equal(table_cell(t, 1, 3)->v.i, 1);
    assert_string_equal(cell_text(t, 7, 1), "cubic");
    assert_int_equal(table_cell(t, 7, 2)->v.i, 4);
    assert_int_equal(table_cell(t, 0, 3)->v.i, 8);
    assert_rel(cell_real(t, 0, 4), 8, 1e-15);
    assert_true(has_note(t, "Effective degrees of freedom: 73 with the intercept; knots at "
                            "quantiles, outside the range: linear"));
    assert_true(has_note(t, "F: each term against the model without it (as R's drop1)"));
    table_free(t);
    check_round_trip(&r, &d, "spline");
    run_release(&r);
    data_free(&d);
}

static void
test_spline_uniform_like_r(void **unused)
{
    const char *names[] = {"bmi", "bp", "s5"};
    const char *rterms[] = {"bsu(\"bmi\", bmi)", "bsu(\"bp\", bp)", "bsu(\"s5\", s5)"};
    const char *words[] = {"knots=3", "knots_at=uniform", NULL};
    struct data all, d;
    struct run r;

    (void)unused;
    data_csv(&all, "datasets/diabetes.csv", "y", NULL);
    diabetes_subset(&d, &all, names, 3);
    assert_int_equal(run_fit(&r, "spline", &d, NULL, words), AIWB_OK);
    check_spline_lm(&r, &d, "uniform", rterms);
    run_release(&r);
    data_free(&d);
    data_free(&all);
}

/*
 * lambda > 0: the penalised least squares R computes with its own penalty
 * matrix (Gauss-Legendre quadrature of splineDesign's second derivatives),
 * and the effective degrees of freedom of each term.
 */
static void
test_spline_penalty_like_r(void **unused)
{
    const char *names[] = {"bmi", "bp", "s5"};
    const char *words[] = {"knots=3", "knots_at=uniform", "lambda=0.5", NULL};
    const char *ref = "glm-reference.txt";
    struct data all, d;
    struct run r;
    double v[32], coef[32];

    (void)unused;
    data_csv(&all, "datasets/diabetes.csv", "y", NULL);
    diabetes_subset(&d, &all, names, 3);
    assert_int_equal(run_fit(&r, "spline", &d, NULL, words), AIWB_OK);
    size_t nc = ref_get(ref, "penalised.coef", NULL, v, 32);
    assert_int_equal(nc, 19);
    spline_coefficients(&r, coef, nc);
    for (size_t c = 0; c < nc; c++)
        assert_true(fabs(coef[c] - v[c]) <= 1e-8 * fmax(1, fabs(v[c])));
    ref_get(ref, "penalised.rss", NULL, v, 1);
    assert_rel(step_get(&r.step, "loss"), v[0] / (double)d.n, 1e-10);
    struct aiwb_table *t = run_report(&r);
    ref_get(ref, "penalised.edf", NULL, v, 3);
    double edf = 1;
    for (size_t j = 0; j < 3; j++) {
        assert_rel(cell_real(t, j, 4), v[j], 1e-9);
        assert_true(isnan(cell_real(t, j, 5)));
        edf += v[j];
    }
    assert_rel(step_get(&r.step, "edf"), edf, 1e-9);
    assert_true(has_note(t, "Penalty lambda = 0.5 on the integrated squared second derivative: "
                            "no F tests"));
    table_free(t);
    check_round_trip(&r, &d, "spline");
    run_release(&r);

    /* A huge penalty leaves straight lines: one degree of freedom a term. */
    const char *stiff[] = {"knots=3", "lambda=1e9", NULL};
    assert_int_equal(run_fit(&r, "spline", &d, NULL, stiff), AIWB_OK);
    t = run_report(&r);
    for (size_t j = 0; j < 3; j++)
        assert_rel(cell_real(t, j, 4), 1.0, 1e-5);
    table_free(t);
    run_release(&r);
    data_free(&d);
    data_free(&all);
}

/* Outside the range: the tangent at the end, or the value there. */
static void
test_spline_extrapolation(void **unused)
{
    const char *names[] = {"bmi"};
    struct data all, d;
    struct run r;
    double lo = INFINITY, hi = -INFINITY, x[6], out[6];

    (void)unused;
    data_csv(&all, "datasets/diabetes.csv", "y", NULL);
    diabetes_subset(&d, &all, names, 1);
    for (size_t i = 0; i < d.n; i++) {
        lo = fmin(lo, d.X[i]);
        hi = fmax(hi, d.X[i]);
    }
    const double h = 1e-8 * (hi - lo);
    x[0] = hi;
    x[1] = hi - h;
    x[2] = hi + 10;
    x[3] = lo;
    x[4] = lo + h;
    x[5] = lo - 10;
    assert_int_equal(run_fit(&r, "spline", &d, NULL, NULL), AIWB_OK);
    assert_int_equal(r.type->predict(r.state, 6, x, 1, out), AIWB_OK);
    double slope_hi = (out[0] - out[1]) / h, slope_lo = (out[4] - out[3]) / h;
    assert_rel(out[2], out[0] + 10 * slope_hi, 1e-5);
    assert_rel(out[5], out[3] - 10 * slope_lo, 1e-5);
    run_release(&r);

    const char *hold[] = {"extrapolate=constant", NULL};
    assert_int_equal(run_fit(&r, "spline", &d, NULL, hold), AIWB_OK);
    assert_int_equal(r.type->predict(r.state, 6, x, 1, out), AIWB_OK);
    assert_true(out[2] == out[0]);
    assert_true(out[5] == out[3]);
    struct aiwb_table *t = run_report(&r);
    assert_true(has_note(t, "outside the range: constant"));
    table_free(t);
    check_round_trip(&r, &d, "spline");
    /* A missing feature predicts missing. */
    x[0] = NAN;
    assert_int_equal(r.type->predict(r.state, 1, x, 1, out), AIWB_OK);
    assert_true(isnan(out[0]));
    run_release(&r);
    data_free(&d);
    data_free(&all);
}

/* knots=0 is a cubic polynomial in each feature: least squares on x, x^2, x^3. */
static void
test_spline_no_knots_is_cubic(void **unused)
{
    const char *words[] = {"knots=0", NULL};
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    struct data d;
    struct run r;
    double pred[60];

    (void)unused;
    gsl_rng_set(rng, 20240611);
    data_alloc(&d, 60, 1);
    d.names[0] = xstrdup("x");
    for (size_t i = 0; i < d.n; i++) {
        d.X[i] = gsl_rng_uniform(rng) * 4 - 1;
        d.y[i] = sin(2 * d.X[i]) + gsl_ran_gaussian(rng, 0.1);
    }
    gsl_matrix *A = gsl_matrix_alloc(d.n, 4), *cov = gsl_matrix_alloc(4, 4);
    gsl_vector *y = gsl_vector_alloc(d.n), *c = gsl_vector_alloc(4);
    gsl_multifit_linear_workspace *work = gsl_multifit_linear_alloc(d.n, 4);
    double chisq;
    for (size_t i = 0; i < d.n; i++) {
        for (size_t k = 0; k < 4; k++)
            gsl_matrix_set(A, i, k, pow(d.X[i], (double)k));
        gsl_vector_set(y, i, d.y[i]);
    }
    assert_int_equal(gsl_multifit_linear(A, y, c, cov, &chisq, work), GSL_SUCCESS);
    assert_int_equal(run_fit(&r, "spline", &d, NULL, words), AIWB_OK);
    assert_int_equal(r.type->predict(r.state, d.n, d.X, 1, pred), AIWB_OK);
    for (size_t i = 0; i < d.n; i++) {
        double want = 0;
        for (size_t k = 0; k < 4; k++)
            want += gsl_vector_get(c, k) * pow(d.X[i], (double)k);
        assert_true(fabs(pred[i] - want) < 1e-10);
    }
    assert_rel(step_get(&r.step, "loss"), chisq / (double)d.n, 1e-10);
    run_release(&r);
    gsl_multifit_linear_free(work);
    gsl_vector_free(c);
    gsl_vector_free(y);
    gsl_matrix_free(cov);
    gsl_matrix_free(A);
    gsl_rng_free(rng);
    data_free(&d);
}

static void
test_spline_refusals(void **unused)
{
    struct data d;
    struct run r;

    (void)unused;
    data_alloc(&d, 40, 2);
    d.names[0] = xstrdup("x");
    d.names[1] = xstrdup("flag");
    for (size_t i = 0; i < d.n; i++) {
        d.X[i * 2] = (double)i;
        d.X[i * 2 + 1] = i % 2;
        d.y[i] = sqrt((double)i) + (double)(i % 3);
    }
    d.X[5 * 2] = NAN;
    assert_int_equal(run_init(&r, "spline", &d, NULL, NULL), AIWB_EDATA);
    assert_string_equal(r.cause, "spline: row 6 column 'x': nan is not a finite number");
    run_release(&r);
    d.X[5 * 2] = 5;
    d.y[2] = NAN;
    assert_int_equal(run_init(&r, "spline", &d, NULL, NULL), AIWB_EDATA);
    assert_string_equal(r.cause, "spline: row 3: the target 'y' is nan, not a finite number");
    run_release(&r);
    for (size_t i = 0; i < d.n; i++)
        d.y[i] = 1.5;
    assert_int_equal(run_init(&r, "spline", &d, NULL, NULL), AIWB_EDATA);
    assert_string_equal(r.cause, "spline: the target 'y' is constant (1.5 in every row): there is "
                                 "nothing to fit");
    run_release(&r);
    for (size_t i = 0; i < d.n; i++)
        d.y[i] = sqrt((double)i) + (double)(i % 3);

    /* 40 rows: 37 knots need 41 distinct values, so x is linear; with 35,
     * x has 38 coefficients, and with the flag and the intercept, 40. */
    const char *many[] = {"knots=37", NULL};
    assert_int_equal(run_init(&r, "spline", &d, NULL, many), AIWB_OK);
    run_release(&r);
    const char *too[] = {"knots=35", NULL};
    assert_int_equal(run_init(&r, "spline", &d, NULL, too), AIWB_EDATA);
    assert_string_equal(r.cause, "spline: 40 rows are too few for 40 coefficients (35 knots per "
                                 "feature): use fewer knots");
    run_release(&r);

    /* Values bunched at the ends leave the middle knot intervals empty. */
    for (size_t i = 0; i < d.n; i++)
        d.X[i * 2] = i < 20 ? (double)i * 1e-3 : 100 + (double)i * 1e-3;
    const char *uniform[] = {"knots=8", "knots_at=uniform", NULL};
    assert_int_equal(run_fit(&r, "spline", &d, NULL, uniform), AIWB_ENUMERIC);
    assert_string_equal(r.cause, "spline: the B-spline basis of 'x' is singular: some of its knot "
                                 "intervals hold too few distinct values; use fewer knots or "
                                 "knots_at=quantiles");
    run_release(&r);
    for (size_t i = 0; i < d.n; i++)
        d.X[i * 2] = (double)i;

    /* Two linear terms that are the same column. */
    for (size_t i = 0; i < d.n; i++)
        d.X[i * 2] = 1 - d.X[i * 2 + 1];
    assert_int_equal(run_fit(&r, "spline", &d, NULL, NULL), AIWB_ENUMERIC);
    assert_string_equal(r.cause, "spline: the design matrix is singular (rank 2 of 3 "
                                 "coefficients): the terms '(Intercept)', 'x' and 'flag' are "
                                 "linearly dependent (collinear); drop one of them");
    run_release(&r);

    /* Stopped before the fit: no model. */
    assert_int_equal(run_init(&r, "spline", &d, NULL, NULL), AIWB_OK);
    assert_int_equal(r.type->finish(r.state, &r.prob, &r.cause), AIWB_ERR);
    assert_string_equal(r.cause, "spline: training stopped before the fit was done: there is no "
                                 "model");
    double out;
    assert_int_equal(r.type->predict(r.state, 1, d.X, 2, &out), AIWB_EINVAL);
    run_release(&r);
    data_free(&d);
}

/* What the registry shows of the three. */
static void
test_registration(void **unused)
{
    static const char *const names[] = {"poisson", "robust", "spline"};
    static const unsigned caps[] = {AIWB_CAP_WEIGHTS, 0, 0};

    (void)unused;
    tu_load_plugins();
    for (size_t i = 0; i < 3; i++) {
        const struct component *c = registry_find(COMPONENT_ALGORITHM, names[i]);
        assert_non_null(c);
        assert_string_equal(c->module->name, names[i]);
        assert_true(c->flags & AIWB_TASK_REGRESSION);
        assert_int_equal(c->flags & AIWB_CAP_WEIGHTS, caps[i]);
        assert_false(c->flags &
                     (AIWB_TASK_CLASSIFICATION | AIWB_CAP_MISSING | AIWB_CAP_CATEGORICAL));
        assert_int_equal(c->type.algorithm->n_outputs(NULL), 1);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_poisson_warpbreaks_like_r),
        cmocka_unit_test(test_poisson_weights_like_r),
        cmocka_unit_test(test_poisson_no_intercept_like_r),
        cmocka_unit_test(test_poisson_offset_like_r),
        cmocka_unit_test(test_poisson_penalty_like_sklearn),
        cmocka_unit_test(test_poisson_iterations),
        cmocka_unit_test(test_poisson_noninteger),
        cmocka_unit_test(test_poisson_refusals),
        cmocka_unit_test(test_poisson_zero_rates),
        cmocka_unit_test(test_poisson_separation),
        cmocka_unit_test(test_poisson_divergent_start),
        cmocka_unit_test(test_robust_location_like_rlm),
        cmocka_unit_test(test_robust_stackloss),
        cmocka_unit_test(test_robust_gsl_example),
        cmocka_unit_test(test_robust_like_gsl),
        cmocka_unit_test(test_robust_iterations),
        cmocka_unit_test(test_robust_methods),
        cmocka_unit_test(test_robust_refusals),
        cmocka_unit_test(test_spline_diabetes_like_r),
        cmocka_unit_test(test_spline_uniform_like_r),
        cmocka_unit_test(test_spline_penalty_like_r),
        cmocka_unit_test(test_spline_extrapolation),
        cmocka_unit_test(test_spline_no_knots_is_cubic),
        cmocka_unit_test(test_spline_refusals),
        cmocka_unit_test(test_registration),
    };

    gsl_set_error_handler_off();
    log_set_sink(NULL, NULL, AIWB_LOG_WARN);
    return cmocka_run_group_tests_name("glm", tests, NULL, NULL);
}
