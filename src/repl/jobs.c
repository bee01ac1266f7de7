/*
 * jobs.c - background jobs: a worker thread per `train`, `cv` or `tune`
 * started from the TUI, the session lock they share with the prompt, and
 * each job's live curve.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <config.h>

#include "repl/jobs.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/chart.h"
#include "core/pipeline.h"
#include "core/registry.h"
#include "core/xalloc.h"
#include "repl/cmd.h"
#include "repl/session.h"
#include "repl/tokenize.h"

struct job {
    int id;
    struct session *s;
    struct cmdline *cl;    /* the command, tokenized again: the job owns it */
    size_t ncl;
    pthread_t thread;
    volatile int cancel;   /* read by the job's fit loop and its plugins */
    int running;
    int joined;            /* its thread was joined */
    struct timespec started;
    const char *saved_current; /* the session's command text while the job lets go */
    /* Guarded by jobs_mutex: */
    struct chart *curve;
    char *title;
    int64_t iterations;
    double rate;
    int64_t rate_iter;     /* iterations at rate_at */
    double rate_at;        /* seconds since start */
    struct job *next;
};

/* The session lock, and how many prompt commands wait for it: a job that let
 * go lets them in before it takes the lock again. */
static pthread_mutex_t session_mutex = PTHREAD_MUTEX_INITIALIZER;
static atomic_int waiting;
/* The job list and every job's curve. */
static pthread_mutex_t jobs_mutex = PTHREAD_MUTEX_INITIALIZER;
static struct job *jobs;
static int next_id = 1;
static atomic_uint_fast64_t generation;
static _Thread_local struct job *current;

static double
seconds_since(const struct timespec *t)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - t->tv_sec) + (double)(now.tv_nsec - t->tv_nsec) * 1e-9;
}

void
jobs_lock(void)
{
    atomic_fetch_add(&waiting, 1);
    pthread_mutex_lock(&session_mutex);
    atomic_fetch_sub(&waiting, 1);
}

void
jobs_unlock(void)
{
    pthread_mutex_unlock(&session_mutex);
}

int
jobs_in_job(void)
{
    return current != NULL;
}

int
jobs_stopping(void)
{
    if (current != NULL)
        return current->cancel != 0;
    return session_interrupted != 0;
}

void
jobs_release(void)
{
    if (current == NULL)
        return;
    current->saved_current = current->s->current;
    pthread_mutex_unlock(&session_mutex);
}

void
jobs_reacquire(void)
{
    if (current == NULL)
        return;
    /* Mutexes are not fair: without this a job of short steps could keep the
     * prompt waiting for the whole run. */
    while (atomic_load(&waiting) > 0)
        usleep(200);
    pthread_mutex_lock(&session_mutex);
    current->s->current = current->saved_current;
}

void
jobs_curve_begin(const char *title)
{
    struct job *j = current;

    if (j == NULL)
        return;
    pthread_mutex_lock(&jobs_mutex);
    chart_free(j->curve);
    free(j->title);
    j->title = xstrdup(title != NULL ? title : "");
    j->curve = chart_new(CHART_LINE, NULL);
    chart_axes(j->curve, "iteration", NULL);
    j->iterations = 0;
    j->rate_iter = 0;
    j->rate_at = seconds_since(&j->started);
    pthread_mutex_unlock(&jobs_mutex);
    atomic_fetch_add(&generation, 1);
}

void
jobs_curve_x(const char *name)
{
    struct job *j = current;

    if (j == NULL)
        return;
    pthread_mutex_lock(&jobs_mutex);
    if (j->curve != NULL)
        chart_axes(j->curve, name, NULL);
    pthread_mutex_unlock(&jobs_mutex);
    atomic_fetch_add(&generation, 1);
}

/* The series of J's curve named NAME, added if new. */
static size_t
series_of(struct job *j, const char *name)
{
    for (size_t i = 0; i < j->curve->nseries; i++)
        if (strcmp(j->curve->series[i].name, name) == 0)
            return i;
    return chart_add_series(j->curve, name);
}

void
jobs_curve_step(const struct aiwb_step *st)
{
    struct job *j = current;
    int64_t iteration;
    double now;

    if (j == NULL)
        return;
    now = seconds_since(&j->started);
    pthread_mutex_lock(&jobs_mutex);
    if (j->curve == NULL) {
        j->curve = chart_new(CHART_LINE, NULL);
        chart_axes(j->curve, "iteration", NULL);
    }
    for (size_t i = 0; i < st->n; i++) {
        if (strcmp(st->names[i], "converged") == 0)
            continue; /* a flag, not a quantity */
        chart_point(j->curve, series_of(j, st->names[i]), (double)st->iteration, st->values[i]);
    }
    iteration = st->iteration;
    j->iterations = iteration;
    if (now - j->rate_at >= 1.0 || j->rate == 0) {
        if (now > j->rate_at)
            j->rate = (double)(iteration - j->rate_iter) / (now - j->rate_at);
        if (now - j->rate_at >= 1.0) {
            j->rate_iter = iteration;
            j->rate_at = now;
        }
    }
    pthread_mutex_unlock(&jobs_mutex);
    atomic_fetch_add(&generation, 1);
}

static void *
job_main(void *arg)
{
    struct job *j = arg;
    struct session *s = j->s;
    enum cmd_retval rc;

    current = j;
    registry_set_thread_interrupt_flag(&j->cancel);
    pthread_mutex_lock(&session_mutex);
    rc = cmd_run(s, &j->cl[0]);
    if (rc == CMD_ERROR) {
        fprintf(s->out.err, "[job %d] error: %s\n", j->id, cmd_last_error());
    } else {
        fprintf(s->out.msg, "[job %d] %s: %s\n", j->id, j->cancel ? "stopped" : "done",
                j->cl[0].text);
        if (s->record != NULL) {
            fprintf(s->record, "%s\n", j->cl[0].text);
            fflush(s->record);
        }
    }
    fflush(s->out.data);
    fflush(s->out.msg);
    fflush(s->out.err);
    pthread_mutex_unlock(&session_mutex);
    pthread_mutex_lock(&jobs_mutex);
    j->running = 0;
    pthread_mutex_unlock(&jobs_mutex);
    atomic_fetch_add(&generation, 1);
    registry_set_thread_interrupt_flag(NULL);
    cmd_forget_error();
    current = NULL;
    return NULL;
}

int
jobs_start(struct session *s, const struct cmdline *cl)
{
    struct job *j = xcalloc(1, sizeof *j), **tail;
    char *cause = NULL;
    sigset_t all, old;
    int err;

    if (tokenize_line(cl->text, &j->cl, &j->ncl, &cause) < 0 || j->ncl != 1) {
        /* cl->text came from the tokenizer: it reads again the same way */
        cmd_error(s, "cannot start a job for '%s': %s", cl->text, cause ? cause : "not one command");
        free(cause);
        tokenize_free(j->cl, j->ncl);
        free(j);
        return -1;
    }
    j->s = s;
    j->running = 1;
    clock_gettime(CLOCK_MONOTONIC, &j->started);
    pthread_mutex_lock(&jobs_mutex);
    j->id = next_id++;
    for (tail = &jobs; *tail != NULL; tail = &(*tail)->next)
        ;
    *tail = j;
    pthread_mutex_unlock(&jobs_mutex);
    /* Signals (Ctrl-C, resize) are the prompt's: the worker blocks them all. */
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    err = pthread_create(&j->thread, NULL, job_main, j);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (err != 0) {
        pthread_mutex_lock(&jobs_mutex);
        for (tail = &jobs; *tail != j; tail = &(*tail)->next)
            ;
        *tail = j->next;
        pthread_mutex_unlock(&jobs_mutex);
        cmd_error(s, "cannot start a job: %s", strerror(err));
        tokenize_free(j->cl, j->ncl);
        free(j);
        return -1;
    }
    atomic_fetch_add(&generation, 1);
    return j->id;
}

struct job_info *
jobs_list(size_t *n)
{
    struct job_info *v;
    size_t k = 0;

    pthread_mutex_lock(&jobs_mutex);
    for (struct job *j = jobs; j != NULL; j = j->next)
        k++;
    v = xcalloc(k + 1, sizeof *v);
    k = 0;
    for (struct job *j = jobs; j != NULL; j = j->next, k++) {
        v[k].id = j->id;
        v[k].command = xstrdup(j->cl[0].text);
        v[k].elapsed = seconds_since(&j->started);
        v[k].iterations = j->iterations;
        v[k].rate = j->rate;
        v[k].running = j->running;
        v[k].stopping = j->cancel;
        v[k].title = xstrdup(j->title != NULL ? j->title : "");
    }
    pthread_mutex_unlock(&jobs_mutex);
    *n = k;
    return v;
}

void
jobs_info_free(struct job_info *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i].command);
        free(v[i].title);
    }
    free(v);
}

struct chart *
jobs_curve(int id)
{
    struct chart *c = NULL;
    struct job *found = NULL;

    pthread_mutex_lock(&jobs_mutex);
    for (struct job *j = jobs; j != NULL; j = j->next)
        if (id == 0 || j->id == id)
            found = j;
    if (found != NULL && found->curve != NULL)
        c = chart_copy(found->curve);
    pthread_mutex_unlock(&jobs_mutex);
    return c;
}

int
jobs_stop(int id)
{
    struct job *found = NULL;

    pthread_mutex_lock(&jobs_mutex);
    for (struct job *j = jobs; j != NULL; j = j->next)
        if (j->running && (id == 0 || j->id == id))
            found = j;
    if (found != NULL)
        found->cancel = 1;
    pthread_mutex_unlock(&jobs_mutex);
    return found != NULL ? found->id : -1;
}

static void
job_free(struct job *j)
{
    tokenize_free(j->cl, j->ncl);
    chart_free(j->curve);
    free(j->title);
    free(j);
}

size_t
jobs_reap(void)
{
    struct job **p, *done = NULL, *keep = NULL;
    size_t n = 0;

    pthread_mutex_lock(&jobs_mutex);
    /* The newest finished job stays, with its curve, for the view pane. */
    for (struct job *j = jobs; j != NULL; j = j->next)
        if (!j->running)
            keep = j;
    for (p = &jobs; *p != NULL;) {
        struct job *j = *p;

        if (!j->running && j != keep) {
            *p = j->next;
            j->next = done;
            done = j;
        } else {
            p = &j->next;
        }
    }
    if (keep != NULL && !keep->joined) {
        pthread_join(keep->thread, NULL);
        keep->joined = 1;
        n++;
    }
    pthread_mutex_unlock(&jobs_mutex);
    while (done != NULL) {
        struct job *j = done;

        done = j->next;
        if (!j->joined) {
            pthread_join(j->thread, NULL);
            n++;
        }
        job_free(j);
    }
    return n;
}

void
jobs_shutdown(void)
{
    struct job *all;

    pthread_mutex_lock(&jobs_mutex);
    for (struct job *j = jobs; j != NULL; j = j->next)
        j->cancel = 1;
    all = jobs;
    jobs = NULL;
    pthread_mutex_unlock(&jobs_mutex);
    while (all != NULL) {
        struct job *j = all;

        all = j->next;
        if (!j->joined)
            pthread_join(j->thread, NULL);
        job_free(j);
    }
}

size_t
jobs_running(void)
{
    size_t n = 0;

    pthread_mutex_lock(&jobs_mutex);
    for (struct job *j = jobs; j != NULL; j = j->next)
        n += j->running != 0;
    pthread_mutex_unlock(&jobs_mutex);
    return n;
}

uint64_t
jobs_generation(void)
{
    return atomic_load(&generation);
}
