/*
 * test-monitor.c - the exported server's row path and its recall table: a
 * worker's reused one-row scratch (server/model.c) gives each row exactly
 * its own answer, and the monitor's recall table (server/monitor.c) matches
 * each truth once, keeps the newest predictions, and loses nothing under
 * several threads.
 *
 * Copyright (C) 2026 the aiwb developers
 * SPDX-License-Identifier: MIT
 *
 * The two sources are compiled into this program, so the tests can read the
 * monitor's own fields (its statistics are private to monitor.c).
 */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "../../server/host.h"
#include "../../server/model.c"
#include "../../server/monitor.c"

/* model.c looks components up by name only in model_load, which these tests
 * do not call: they build their models by hand. */
const struct aiwb_transform_type *
components_transform(const char *name)
{
    (void)name;
    return NULL;
}

const struct aiwb_algorithm_type *
components_algorithm(const char *name)
{
    (void)name;
    return NULL;
}

/* The transform "twice": the input's columns, shared, then a2 = 2 a. */
static int
twice_apply(const void *state, const struct aiwb_frame *in, struct aiwb_frame **out, char **cause)
{
    size_t n = host_frame_rows(in);
    struct aiwb_frame *f = host_frame_new(n);
    const double *a = host_frame_numeric(in, (size_t)host_frame_find(in, "a"));
    double *a2;

    (void)state;
    (void)cause;
    for (size_t c = 0; c < host_frame_cols(in); c++)
        host_frame_copy_col(f, in, c, NULL);
    a2 = host_frame_add_numeric(f, "a2");
    for (size_t i = 0; i < n; i++)
        a2[i] = 2 * a[i];
    *out = f;
    return AIWB_OK;
}

static const struct aiwb_transform_type twice_type = {
    .abi_version = AIWB_ABI_VERSION,
    .size = sizeof(struct aiwb_transform_type),
    .name = "twice",
    .apply = twice_apply,
};

/* The algorithm "identity": a row's outputs are its design row. */
static size_t
identity_outputs(const void *state)
{
    (void)state;
    return 0; /* set by hand: m->k = m->p */
}

static int
identity_predict(const void *state, size_t n, const double *X, size_t ldx, double *out)
{
    (void)state;
    memcpy(out, X, n * ldx * sizeof *X);
    return AIWB_OK;
}

static const struct aiwb_algorithm_type identity_type = {
    .abi_version = AIWB_ABI_VERSION,
    .size = sizeof(struct aiwb_algorithm_type),
    .name = "identity",
    .flags = AIWB_CAP_MISSING,
    .n_outputs = identity_outputs,
    .predict = identity_predict,
};

/* Inputs a (numeric), b (levels x, y), c (numeric); with TWICE the transform
 * above. Predicts its design row: a, b's code, c (and a2). Freed with
 * model_free. */
static struct model *
row_model(int twice)
{
    static const char *const features[] = {"a", "b", "c", "a2"};
    struct model *m = host_calloc(1, sizeof *m);

    m->name = host_strdup("rows");
    m->task = AIWB_TASK_DECOMPOSITION;
    m->n_in = 3;
    m->in = host_calloc(3, sizeof *m->in);
    m->in[0].name = host_strdup("a");
    m->in[1].name = host_strdup("b");
    m->in[2].name = host_strdup("c");
    m->in[0].type = m->in[2].type = AIWB_NUMERIC;
    m->in[1].type = AIWB_CATEGORICAL;
    m->in[1].nlevels = 2;
    m->in[1].levels = host_calloc(2, sizeof *m->in[1].levels);
    m->in[1].levels[0] = host_strdup("x");
    m->in[1].levels[1] = host_strdup("y");
    m->in[1].index = host_levels_new(2, (const char *const *)m->in[1].levels);
    index_inputs(m);
    m->tf = host_calloc(1, sizeof *m->tf);
    if (twice) {
        m->n_tf = 1;
        m->tf[0].name = host_strdup("twice");
        m->tf[0].type = &twice_type;
    }
    m->algo = &identity_type;
    m->algo_name = host_strdup("identity");
    m->algo_flags = identity_type.flags;
    m->p = m->k = twice ? 4 : 3;
    m->features = host_calloc(m->p, sizeof *m->features);
    for (size_t j = 0; j < m->p; j++)
        m->features[j] = host_strdup(features[j]);
    m->feature_levels = host_calloc(m->p, sizeof *m->feature_levels);
    return m;
}

/* Predict TEXT with M and scratch S; the outputs, or NULL (ERR says why). */
static const double *
predict_text(const struct model *m, struct model_scratch *s, struct json_arena *arena,
             const char *text, size_t *n, size_t *unseen, struct model_error *err)
{
    struct json_error jerr;
    const struct json_value *rows = json_parse(arena, text, strlen(text), NULL, &jerr);
    const double *out;

    if (rows == NULL)
        fail_msg("'%s': %s", text, jerr.text);
    if (model_predict(m, s, rows, n, &out, unseen, NULL, NULL, err) < 0)
        return NULL;
    return out;
}

/* V equals W (P values), NaN equal to NaN. */
static void
assert_row(const double *v, const double *w, size_t p, const char *text)
{
    for (size_t j = 0; j < p; j++)
        if (!(v[j] == w[j] || (isnan(v[j]) && isnan(w[j]))))
            fail_msg("'%s': output %zu is %g, not %g", text, j, v[j], w[j]);
}

/* One worker's scratch over a series of requests: each row has exactly its
 * own values, missing what it does not give, whatever came before (a full
 * row, a batch, a refused row that was half filled, a batch too big to
 * keep), with the transforms sharing the reused row's columns or without. */
static void
test_model_scratch_rows(void **state)
{
    static const struct {
        const char *text;
        size_t n, unseen;
        double want[3][4]; /* a, b, c, a2 of each row */
    } cases[] = {
        {"{\"a\": 1.5, \"b\": \"y\", \"c\": -2}", 1, 0, {{1.5, 1, -2, 3}}},
        {"{\"c\": 3}", 1, 0, {{NAN, NAN, 3, NAN}}},
        {"{\"features\": [4, \"x\", null]}", 1, 0, {{4, 0, NAN, 8}}},
        {"[{\"a\": 1}, {\"b\": \"y\"}, {\"c\": 7}]",
         3,
         0,
         {{1, NAN, NAN, 2}, {NAN, 1, NAN, NAN}, {NAN, NAN, 7, NAN}}},
        {"[{\"b\": \"x\", \"a\": 0}]", 1, 0, {{0, 0, NAN, 0}}},
        {"{\"b\": \"z\", \"other\": 1}", 1, 1, {{NAN, NAN, NAN, NAN}}},
        {"{\"a\": -1e300, \"b\": \"x\"}", 1, 0, {{-1e300, 0, NAN, -2e300}}},
        {"{}", 1, 0, {{NAN, NAN, NAN, NAN}}},
    };

    (void)state;
    for (int twice = 0; twice <= 1; twice++) {
        struct model *m = row_model(twice);
        struct model_scratch s;
        struct json_arena arena;
        struct model_error err;
        const double *out;
        size_t n, unseen;
        char *big;
        size_t at = 0, rows = 50000;

        model_scratch_init(&s);
        json_arena_init(&arena, NULL, 0);
        for (int round = 0; round < 3; round++) {
            for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
                out = predict_text(m, &s, &arena, cases[i].text, &n, &unseen, &err);
                if (out == NULL)
                    fail_msg("'%s': %s", cases[i].text, err.text);
                assert_int_equal(n, cases[i].n);
                assert_int_equal(unseen, cases[i].unseen);
                for (size_t r = 0; r < n; r++)
                    assert_row(out + r * m->k, cases[i].want[r], m->k, cases[i].text);
            }
            /* Refused half way: c was set before a was found wrong. */
            assert_null(
                predict_text(m, &s, &arena, "{\"c\": 5, \"a\": \"no\"}", &n, &unseen, &err));
            assert_int_equal(err.status, 422);
            assert_string_equal(err.text, "field 'a': expected a number, found string");
            out = predict_text(m, &s, &arena, "{\"a\": 2}", &n, &unseen, &err);
            assert_non_null(out);
            assert_row(out, (const double[]){2, NAN, NAN, 4}, m->k, "after a refused row");
            assert_null(
                predict_text(m, &s, &arena, "[{\"a\": 1}, {\"b\": true}]", &n, &unseen, &err));
            assert_string_equal(err.text, "row 2: field 'b': expected a string (one of the 2 "
                                          "levels), found boolean");
        }
        /* A batch whose design rows and outputs outgrow MODEL_SCRATCH_KEEP:
         * answered, then let go at the next request. */
        big = host_alloc(rows * 32 + 2);
        big[at++] = '[';
        for (size_t i = 0; i < rows; i++)
            at += (size_t)sprintf(big + at, "%s{\"a\": %zu, \"b\": \"y\"}", i ? "," : "", i);
        big[at++] = ']';
        big[at] = '\0';
        out = predict_text(m, &s, &arena, big, &n, &unseen, &err);
        assert_non_null(out);
        assert_int_equal(n, rows);
        assert_row(out + (rows - 1) * m->k,
                   (const double[]){(double)(rows - 1), 1, NAN, 2.0 * (double)(rows - 1)}, m->k,
                   "the big batch's last row");
        assert_true(s.out_cap * sizeof(double) > MODEL_SCRATCH_KEEP);
        out = predict_text(m, &s, &arena, "{\"c\": 1}", &n, &unseen, &err);
        assert_non_null(out);
        assert_row(out, (const double[]){NAN, NAN, 1, NAN}, m->k, "after the big batch");
        assert_true(s.X_cap * sizeof(double) <= MODEL_SCRATCH_KEEP);
        assert_true(s.out_cap * sizeof(double) <= MODEL_SCRATCH_KEEP);
        free(big);
        json_arena_release(&arena);
        model_scratch_release(&s);
        model_scratch_release(&s); /* released twice: nothing left to free */
        model_free(m);
    }
}

/* A model whose predictions the monitor remembers for feedback. */
static struct model *
recall_model(unsigned task)
{
    static const char *const classes[] = {"no", "yes"};
    struct model *m = host_calloc(1, sizeof *m);

    m->name = host_strdup("recall");
    m->task = task;
    m->target = host_strdup("y");
    m->k = 1;
    if (task == AIWB_TASK_CLASSIFICATION) {
        m->k = m->n_classes = 2;
        m->classes = host_calloc(2, sizeof *m->classes);
        for (size_t k = 0; k < 2; k++)
            m->classes[k] = host_strdup(classes[k]);
    }
    return m;
}

/* What /metrics would say of the feedback (http_response is opaque here). */
struct feedback_stats {
    uint64_t feedback, matched, rows;
    double accuracy, mae, rmse;
};

static struct feedback_stats
feedback_stats(struct monitor *mon)
{
    struct feedback_stats st = {0, 0, 0, NAN, NAN, NAN};

    pthread_mutex_lock(&mon->lock);
    st.feedback = mon->feedback;
    st.matched = mon->matched;
    if (mon->matched > 0) {
        st.accuracy = (double)mon->correct / (double)mon->matched;
        st.mae = mon->abs_err / (double)mon->matched;
        st.rmse = sqrt(mon->sq_err / (double)mon->matched);
    }
    pthread_mutex_unlock(&mon->lock);
    for (unsigned w = 0; w < mon->workers; w++)
        st.rows += mon->ws[w].rows;
    return st;
}

/* Feedback for ID with the label LABEL (JSON text): monitor_feedback's answer. */
static int
feedback_json(struct monitor *mon, const char *id, const char *label)
{
    struct json_arena arena;
    struct json_error jerr;
    char reason[160];
    const struct json_value *v;
    int rc;

    json_arena_init(&arena, NULL, 0);
    v = json_parse(&arena, label, strlen(label), NULL, &jerr);
    assert_non_null(v);
    rc = monitor_feedback(mon, id, v, reason, sizeof reason);
    json_arena_release(&arena);
    return rc;
}

static int
feedback_number(struct monitor *mon, const char *id, double truth)
{
    char text[64];

    snprintf(text, sizeof text, "%.17g", truth);
    return feedback_json(mon, id, text);
}

/* Feedback meets the prediction it names once; the live errors count it. */
static void
test_recall_one_truth(void **state)
{
    struct model *m = recall_model(AIWB_TASK_REGRESSION);
    struct monitor *mon = monitor_new(m, 1);
    struct json_arena arena;
    struct json_error jerr;
    char reason[160];

    (void)state;
    monitor_prediction(mon, 0, (const double[]){10}, "p1");
    monitor_prediction(mon, 0, (const double[]){20}, "p2");
    assert_int_equal(feedback_number(mon, "p1", 12), 1);
    assert_int_equal(feedback_number(mon, "p1", 12), 0);
    assert_int_equal(feedback_number(mon, "nope", 1), 0);
    assert_int_equal(feedback_number(mon, "", 1), 0);
    assert_int_equal(feedback_number(mon, "p2", 20), 1);
    json_arena_init(&arena, NULL, 0);
    assert_int_equal(monitor_feedback(mon, "p2", json_parse(&arena, "\"high\"", 6, NULL, &jerr),
                                      reason, sizeof reason),
                     -1);
    assert_string_equal(reason, "field 'label': expected a number, the true 'y'");
    json_arena_release(&arena);
    assert_int_equal(feedback_stats(mon).feedback, 5);
    assert_int_equal(feedback_stats(mon).matched, 2);
    assert_true(feedback_stats(mon).mae == 1);
    assert_true(fabs(feedback_stats(mon).rmse - sqrt(2)) < 1e-15);
    monitor_free(mon);
    model_free(m);
}

/* Ids of one bucket: the oldest of its slots gives way to a new one; a slot
 * that feedback emptied is taken first. */
static void
test_recall_bucket(void **state)
{
    struct model *m = recall_model(AIWB_TASK_CLASSIFICATION);
    struct monitor *mon = monitor_new(m, 1);
    char ids[RECALL_PROBE + 2][32];
    uint32_t bucket = slot_hash("first") % RECALL_BUCKETS;
    int found = 0;

    (void)state;
    for (long i = 0; found < RECALL_PROBE + 2; i++) {
        char id[32];

        snprintf(id, sizeof id, "id-%ld", i);
        if (slot_hash(id) % RECALL_BUCKETS == bucket)
            memcpy(ids[found++], id, sizeof id);
    }
    for (int i = 0; i <= RECALL_PROBE; i++)
        monitor_prediction(mon, 0, (const double[]){0.9, 0.1}, ids[i]);
    /* Nine in a bucket of eight: the first is forgotten. */
    assert_int_equal(feedback_json(mon, ids[0], "\"no\""), 0);
    assert_int_equal(feedback_json(mon, ids[4], "\"no\""), 1);
    /* The emptied slot takes the tenth: the second is still there. */
    monitor_prediction(mon, 0, (const double[]){0.2, 0.8}, ids[RECALL_PROBE + 1]);
    for (int i = 1; i <= RECALL_PROBE + 1; i++)
        if (i != 4)
            assert_int_equal(feedback_json(mon, ids[i], i <= RECALL_PROBE ? "\"no\"" : "\"yes\""),
                             1);
    assert_int_equal(feedback_stats(mon).matched, RECALL_PROBE + 1);
    assert_true(feedback_stats(mon).accuracy == 1);
    /* A class the model does not know is refused, and does not use it up. */
    monitor_prediction(mon, 0, (const double[]){0.9, 0.1}, "again");
    assert_int_equal(feedback_number(mon, "again", 1), -1);
    assert_int_equal(feedback_json(mon, "again", "\"yes\""), 1);
    assert_true(feedback_stats(mon).accuracy == (double)(RECALL_PROBE + 1) / (RECALL_PROBE + 2));
    monitor_free(mon);
    model_free(m);
}

/* Of 200,000 predictions, the newest are remembered (about MONITOR_RECALL of
 * them: a bucket that more ids chose lets older ones go sooner), the oldest
 * forgotten. */
static void
test_recall_newest(void **state)
{
    struct model *m = recall_model(AIWB_TASK_REGRESSION);
    struct monitor *mon = monitor_new(m, 1);
    const long total = 200000;
    long old = 0, recent = 0, newest = 0;
    char id[32];

    (void)state;
    for (long i = 0; i < total; i++) {
        snprintf(id, sizeof id, "5f3c2a91-%ld", i);
        monitor_prediction(mon, 0, (const double[]){(double)i}, id);
    }
    for (long i = 0; i < total; i++) {
        int got;

        snprintf(id, sizeof id, "5f3c2a91-%ld", i);
        got = feedback_number(mon, id, (double)i);
        if (i < MONITOR_RECALL)
            old += got;
        else if (i >= total - MONITOR_RECALL)
            recent += got;
        if (i >= total - 4096)
            newest += got;
    }
    assert_int_equal(newest, 4096);
    assert_true(recent > MONITOR_RECALL * 3 / 4);
    assert_true(old < MONITOR_RECALL / 50);
    assert_true(feedback_stats(mon).mae == 0);
    monitor_free(mon);
    model_free(m);
}

#define RECALL_THREADS 4
#define RECALL_IDS 2000
#define RECALL_LAG 50

struct recall_job {
    struct monitor *mon;
    unsigned worker;
    int matched;
};

static void
recall_id(char id[32], unsigned worker, int i)
{
    snprintf(id, 32, "w%u-%d", worker, i);
}

/* Worker W predicts its ids, and gives the truth (value + 1) of each one
 * RECALL_LAG predictions later. */
static void *
recall_worker(void *arg)
{
    struct recall_job *job = arg;
    char id[32];

    for (int i = 0; i < RECALL_IDS + RECALL_LAG; i++) {
        if (i < RECALL_IDS) {
            recall_id(id, job->worker, i);
            monitor_prediction(job->mon, job->worker, (const double[]){job->worker * 1e4 + i}, id);
        }
        if (i >= RECALL_LAG && i - RECALL_LAG < RECALL_IDS - RECALL_LAG) {
            recall_id(id, job->worker, i - RECALL_LAG);
            job->matched += feedback_number(job->mon, id, job->worker * 1e4 + i - RECALL_LAG + 1);
        }
    }
    return NULL;
}

/* Every id's truth, from two threads at once: each id meets one. */
static void *
recall_sweep(void *arg)
{
    struct recall_job *job = arg;
    char id[32];

    for (unsigned w = 0; w < RECALL_THREADS; w++)
        for (int i = 0; i < RECALL_IDS; i++) {
            int k = job->worker ? RECALL_IDS - 1 - i : i;

            recall_id(id, w, k);
            job->matched += feedback_number(job->mon, id, w * 1e4 + k + 1);
        }
    return NULL;
}

/* Workers predicting and taking feedback at once lose no prediction and
 * match none twice. */
static void
test_recall_threads(void **state)
{
    struct model *m = recall_model(AIWB_TASK_REGRESSION);
    struct monitor *mon = monitor_new(m, RECALL_THREADS);
    struct recall_job jobs[RECALL_THREADS];
    pthread_t threads[RECALL_THREADS];
    unsigned per_bucket[RECALL_BUCKETS] = {0};
    int matched = 0;
    char id[32];

    (void)state;
    /* None of the ids is pushed out by the others: it must be found. */
    for (unsigned w = 0; w < RECALL_THREADS; w++)
        for (int i = 0; i < RECALL_IDS; i++) {
            recall_id(id, w, i);
            assert_true(++per_bucket[slot_hash(id) % RECALL_BUCKETS] <= RECALL_PROBE);
        }
    for (unsigned w = 0; w < RECALL_THREADS; w++) {
        jobs[w] = (struct recall_job){mon, w, 0};
        assert_int_equal(pthread_create(&threads[w], NULL, recall_worker, &jobs[w]), 0);
    }
    for (unsigned w = 0; w < RECALL_THREADS; w++) {
        pthread_join(threads[w], NULL);
        assert_int_equal(jobs[w].matched, RECALL_IDS - RECALL_LAG);
        matched += jobs[w].matched;
    }
    for (unsigned w = 0; w < 2; w++) {
        jobs[w] = (struct recall_job){mon, w, 0};
        assert_int_equal(pthread_create(&threads[w], NULL, recall_sweep, &jobs[w]), 0);
    }
    for (unsigned w = 0; w < 2; w++) {
        pthread_join(threads[w], NULL);
        matched += jobs[w].matched;
    }
    assert_int_equal(matched, RECALL_THREADS * RECALL_IDS);
    assert_int_equal(feedback_stats(mon).matched, RECALL_THREADS * RECALL_IDS);
    assert_int_equal(feedback_stats(mon).feedback,
                     RECALL_THREADS * (RECALL_IDS - RECALL_LAG) + 2 * RECALL_THREADS * RECALL_IDS);
    assert_true(feedback_stats(mon).mae == 1);
    assert_int_equal(feedback_stats(mon).rows, RECALL_THREADS * RECALL_IDS);
    monitor_free(mon);
    model_free(m);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_model_scratch_rows),
        cmocka_unit_test(test_recall_one_truth),
        cmocka_unit_test(test_recall_bucket),
        cmocka_unit_test(test_recall_newest),
        cmocka_unit_test(test_recall_threads),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
