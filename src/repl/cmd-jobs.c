/*
 * cmd-jobs.c - "jobs" and "stop": the background jobs of the TUI.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <config.h>

#include <stdlib.h>

#include "core/table.h"
#include "repl/cmd.h"
#include "repl/jobs.h"
#include "repl/session.h"

static enum cmd_retval
cmd_jobs_exec(struct session *s, int argc, char **argv)
{
    struct job_info *v;
    struct aiwb_table *t;
    size_t n;

    (void)argc;
    (void)argv;
    jobs_reap();
    v = jobs_list(&n);
    if (n == 0) {
        output_say(&s->out, "no jobs%s", s->tui == NULL
                       ? " (train, cv and tune run as background jobs in the full-screen "
                         "interface; here they run in the foreground)" : "");
        jobs_info_free(v, n);
        return CMD_OK;
    }
    t = table_new(NULL);
    table_column(t, "job", AIWB_TABLE_INT);
    table_column(t, "state", AIWB_TABLE_TEXT);
    table_column(t, "elapsed_s", AIWB_TABLE_REAL);
    table_column(t, "iterations", AIWB_TABLE_INT);
    table_column(t, "per_s", AIWB_TABLE_REAL);
    table_column(t, "step", AIWB_TABLE_TEXT);
    table_column(t, "command", AIWB_TABLE_TEXT);
    table_digits(t, 2, 3);
    table_digits(t, 4, 3);
    for (size_t i = 0; i < n; i++) {
        table_int(t, v[i].id);
        table_text(t, !v[i].running ? "ended" : v[i].stopping ? "stopping" : "running");
        table_real(t, v[i].elapsed);
        table_int(t, v[i].iterations);
        table_real(t, v[i].rate);
        table_text(t, v[i].title);
        table_text(t, v[i].command);
    }
    output_table(&s->out, t);
    table_free(t);
    jobs_info_free(v, n);
    return CMD_OK;
}

static enum cmd_retval
cmd_stop_exec(struct session *s, int argc, char **argv)
{
    long id = 0;
    char *end;
    int got;

    if (argc > 0) {
        id = strtol(argv[0], &end, 10);
        if (*end != '\0' || end == argv[0] || id < 1) {
            cmd_error(s, "stop: '%s' is not a job number (`jobs` lists them)", argv[0]);
            return CMD_ERROR;
        }
    }
    if ((got = jobs_stop((int)id)) < 0) {
        if (id == 0)
            cmd_error(s, "stop: no job is running");
        else
            cmd_error(s, "stop: no running job %ld (`jobs` lists them)", id);
        return CMD_ERROR;
    }
    output_say(&s->out, "stopping job %d after its current step (a train keeps what it has "
                        "learnt so far)", got);
    return CMD_OK;
}

const struct cmd_entry cmd_jobs_entry = {
    .name = "jobs",
    .usage = "jobs",
    .summary = "list the background jobs (train, cv, tune, monitor in the full-screen interface)",
    .help = "In the full-screen interface, train, cv, tune and monitor run as background\n"
            "jobs: the view pane draws the newest job's curve while the prompt stays\n"
            "usable. `jobs` lists them with their elapsed time and iterations per second;\n"
            "`stop` or Ctrl-C at an empty prompt cancels one. In plain and script mode\n"
            "commands run one after another and there are no jobs.",
    .min_args = 0,
    .max_args = 0,
    .complete = {COMPLETE_NONE},
    .exec = cmd_jobs_exec,
};

const struct cmd_entry cmd_stop_entry = {
    .name = "stop",
    .usage = "stop [JOB]",
    .summary = "cancel a background job (the newest if no number is given)",
    .help = "The job stops after its current iteration. A train keeps the model as it stood\n"
            "(saved as usual) and its run is marked cancelled; a cv keeps the folds done;\n"
            "a monitor stops watching.",
    .min_args = 0,
    .max_args = 1,
    .complete = {COMPLETE_NONE},
    .exec = cmd_stop_exec,
};
