/*
 * test-jobs.c - background jobs (src/repl/jobs.c) without a screen: a train
 * runs on its worker thread while the test's own commands run under the
 * session lock, its live curve grows, `stop` cancels it after a step (the
 * model kept, the run marked cancelled), a failing job reports its error,
 * and the answers of jobs_stop() when nothing runs.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "core/chart.h"
#include "repl/cmd.h"
#include "repl/jobs.h"
#include "repl/session.h"
#include "repl/tokenize.h"
#include "store/store.h"
#include "testutil.h"

struct fixture {
    struct session *s;
    char *dir;
    char *out, *err;
    size_t outlen, errlen;
    FILE *outf, *errf;
};

static int
setup(void **state)
{
    struct fixture *fx = calloc(1, sizeof *fx);
    char *path, *cause = NULL;
    struct store *st;

    tu_load_plugins();
    fx->dir = tu_tmpdir("jobs");
    path = malloc(strlen(fx->dir) + 16);
    sprintf(path, "%s/ws.aiwb", fx->dir);
    st = store_open(path, &cause);
    if (st == NULL)
        fail_msg("store_open: %s", cause);
    free(path);
    fx->s = session_new(st, OUTPUT_TABLE, 0);
    fx->outf = open_memstream(&fx->out, &fx->outlen);
    fx->errf = open_memstream(&fx->err, &fx->errlen);
    fx->s->out.data = fx->s->out.msg = fx->outf;
    fx->s->out.err = fx->errf;
    *state = fx;
    return 0;
}

static int
teardown(void **state)
{
    struct fixture *fx = *state;

    jobs_shutdown();
    session_free(fx->s);
    fclose(fx->outf);
    fclose(fx->errf);
    free(fx->out);
    free(fx->err);
    free(fx->dir);
    free(fx);
    return 0;
}

/* Run TEXT (one command) as the prompt would: under the session lock. */
static enum cmd_retval
run(struct fixture *fx, const char *text)
{
    struct cmdline *cl;
    size_t n;
    char *cause = NULL;
    enum cmd_retval rc;

    if (tokenize_line(text, &cl, &n, &cause) < 0 || n != 1)
        fail_msg("cannot tokenize '%s': %s", text, cause);
    jobs_lock();
    rc = cmd_run(fx->s, &cl[0]);
    fflush(fx->outf);
    jobs_unlock();
    tokenize_free(cl, n);
    return rc;
}

/* Start TEXT as a background job; its number. */
static int
start(struct fixture *fx, const char *text)
{
    struct cmdline *cl;
    size_t n;
    char *cause = NULL;
    int id;

    if (tokenize_line(text, &cl, &n, &cause) < 0 || n != 1)
        fail_msg("cannot tokenize '%s': %s", text, cause);
    jobs_lock();
    id = jobs_start(fx->s, &cl[0]);
    jobs_unlock();
    tokenize_free(cl, n);
    return id;
}

/* Job ID's entry in jobs_list(): whether it is running and its iterations. */
static int
job_state(int id, int64_t *iterations)
{
    struct job_info *v;
    size_t n;
    int running = -1;

    v = jobs_list(&n);
    for (size_t i = 0; i < n; i++)
        if (v[i].id == id) {
            running = v[i].running;
            if (iterations != NULL)
                *iterations = v[i].iterations;
        }
    jobs_info_free(v, n);
    return running;
}

static void
nap(void)
{
    struct timespec ts = {0, 20000000};

    nanosleep(&ts, NULL);
}

/* Wait (at most 30 s) until job ID has done MIN_ITER iterations or ended. */
static void
wait_iterations(int id, int64_t min_iter)
{
    int64_t it = 0;

    for (int tries = 0; tries < 1500; tries++) {
        if (job_state(id, &it) == 0 || it >= min_iter)
            return;
        nap();
    }
    fail_msg("job %d did only %lld iterations in 30 s", id, (long long)it);
}

static void
wait_end(int id)
{
    for (int tries = 0; tries < 1500; tries++) {
        if (job_state(id, NULL) != 1)
            return;
        nap();
    }
    fail_msg("job %d still runs after 30 s", id);
}

static void
test_train_runs_beside_the_prompt_and_stops(void **state)
{
    struct fixture *fx = *state;
    struct chart *curve;
    int64_t before = 0, after = 0;
    char *status;
    int id;

    assert_int_equal(run(fx, "load d gen:classification n=2000 features=5 seed=1"), CMD_OK);
    id = start(fx, "train mlp on d target=class hidden=8 max_iter=1000000 patience=1000000 "
                   "validation=0.2 as slow");
    assert_int_equal(id, 1);
    wait_iterations(id, 20);
    assert_int_equal(job_state(id, &before), 1);

    /* The prompt's commands run while it trains. */
    assert_int_equal(run(fx, "datasets"), CMD_OK);
    assert_non_null(strstr(fx->out, "d "));
    wait_iterations(id, before + 20);
    assert_int_equal(job_state(id, &after), 1);
    assert_true(after > before);

    /* Its live curve: the loss and the validation loss, a point a step. */
    curve = jobs_curve(id);
    assert_non_null(curve);
    assert_true(curve->nseries >= 2);
    assert_string_equal(curve->series[0].name, "loss");
    assert_string_equal(curve->series[1].name, "val_loss");
    assert_true(curve->series[0].n >= (size_t)before);
    chart_free(curve);

    /* stop: after its current step; the model is saved, the run cancelled. */
    assert_int_equal(jobs_stop(0), id);
    wait_end(id);
    assert_int_equal(jobs_stop(0), -1);
    assert_int_equal(jobs_stop(id), -1);
    jobs_reap();
    status = store_run_status(fx->s->store, 1);
    assert_non_null(status);
    assert_string_equal(status, "cancelled");
    free(status);
    fflush(fx->outf);
    assert_non_null(strstr(fx->out, "saved model 'slow' version 1"));
    assert_non_null(strstr(fx->out, "[job 1] stopped: train mlp"));
    assert_int_equal(run(fx, "eval slow on d"), CMD_OK);
}

static void
test_failing_job_reports_its_error(void **state)
{
    struct fixture *fx = *state;
    int id;

    assert_int_equal(run(fx, "load d gen:classification n=200 features=3 seed=1"), CMD_OK);
    id = start(fx, "train nosuch on d target=class");
    assert_true(id > 0);
    wait_end(id);
    fflush(fx->errf);
    assert_non_null(strstr(fx->err, "error: no algorithm 'nosuch'"));
    assert_non_null(strstr(fx->err, "[job "));
    /* and a job that ends well says so */
    id = start(fx, "train logistic on d target=class as quick");
    wait_end(id);
    fflush(fx->outf);
    assert_non_null(strstr(fx->out, "] done: train logistic on d target=class as quick"));
    /* the newest finished job keeps its curve for the view pane */
    jobs_reap();
    {
        struct chart *c = jobs_curve(id);

        assert_non_null(c);
        assert_true(c->nseries >= 1);
        chart_free(c);
    }
    assert_int_equal(jobs_running(), 0);
}

static void
test_nothing_to_stop(void **state)
{
    (void)state;
    assert_int_equal(jobs_stop(0), -1);
    assert_int_equal(jobs_stop(42), -1);
    assert_false(jobs_in_job());
    assert_false(jobs_stopping());
    assert_null(jobs_curve(42));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_train_runs_beside_the_prompt_and_stops, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_failing_job_reports_its_error, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nothing_to_stop, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
