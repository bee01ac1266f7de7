/*
 * jobs.h - background jobs: in the TUI, `train`, `cv` and `tune` run on a
 * worker thread while the prompt stays usable, their curve kept live for the
 * view pane.
 *
 * The session is one: whoever runs command code holds the session lock (the
 * prompt's command, or a job between iterations). A job lets go of it only
 * around each pipeline_iterate(), where it touches nothing but its own
 * algorithm, so the prompt's commands run between two iterations. The store
 * has its own mutex as well.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef AIWB_JOBS_H
#define AIWB_JOBS_H

#include <stddef.h>
#include <stdint.h>

struct aiwb_step;
struct chart;
struct cmdline;
struct session;

/* Take and give back the session lock; the prompt's commands run holding it. */
void jobs_lock(void);
void jobs_unlock(void);

/*
 * Run command CL as background job in a new thread; its number (from 1), or
 * -1 after cmd_error() (thread creation failed). The job's output goes to
 * stdout/stderr like any command's, prefixed "[job N]" when it ends.
 */
int jobs_start(struct session *s, const struct cmdline *cl);

/* Whether the calling thread is a job's (fit loops then let go of the lock). */
int jobs_in_job(void);
/* Whether the current command should stop: its job was stopped, or (not in a
 * job) the user pressed Ctrl-C. */
int jobs_stopping(void);

/* Around a long step in a job: let the prompt's commands run meanwhile. No-ops
 * outside a job. */
void jobs_release(void);
void jobs_reacquire(void);

/*
 * Called by the fit loop of the calling job: a new curve begins (TITLE, such
 * as "fold 3/10"), then each step's named values. No-ops outside a job.
 */
void jobs_curve_begin(const char *title);
/* Name the current curve's x axis (it says "iteration" unless told); a
 * no-op outside a job or before jobs_curve_begin. */
void jobs_curve_x(const char *name);
void jobs_curve_step(const struct aiwb_step *st);

/* What the TUI shows of a job. */
struct job_info {
    int id;
    char *command;      /* as typed (a new string) */
    double elapsed;     /* seconds since it started */
    int64_t iterations; /* steps of the current curve */
    double rate;        /* steps per second over the last second or so */
    int running;        /* 0 once finished (it is then listed until reaped) */
    int stopping;       /* `stop` was asked */
    char *title;        /* the current curve's title, a new string */
};

/* The jobs running or finished but not reaped, oldest first (*N of them; a new
 * array: free it with jobs_info_free). */
struct job_info *jobs_list(size_t *n);
void jobs_info_free(struct job_info *v, size_t n);
/* The live curve of job ID (a copy) or of the newest job if ID is 0; NULL if none. */
struct chart *jobs_curve(int id);
/* Ask job ID (0: the newest running) to stop after its current step. Its
 * number, or -1 if there is no such running job. */
int jobs_stop(int id);
/* Reap finished jobs: join their threads and forget them, all but the newest
 * finished one, whose curve the view pane may still show. How many threads
 * were joined. */
size_t jobs_reap(void);
/* Stop every job and wait for them (leaving aiwb). */
void jobs_shutdown(void);
/* How many jobs are running. */
size_t jobs_running(void);
/* A counter bumped whenever a job adds a step or ends (the TUI redraws then). */
uint64_t jobs_generation(void);

#endif
