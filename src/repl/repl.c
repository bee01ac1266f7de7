/*
 * repl.c - the command loop: readline for people, plain lines for scripts.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <config.h>

#include "repl/repl.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <unistd.h>

#include <readline/history.h>
#include <readline/readline.h>

#include "core/registry.h"
#include "core/strbuf.h"
#include "core/xalloc.h"
#include "repl/cmd.h"
#include "repl/complete.h"
#include "repl/jobs.h"
#include "repl/session.h"
#include "repl/tokenize.h"

#define HISTORY_SIZE 2000

/* A descriptor to write a byte to on Ctrl-C (the TUI's wake-up pipe), or -1. */
static volatile sig_atomic_t wake_fd = -1;

static void
on_interrupt(int sig)
{
    int saved = errno;

    (void)sig;
    session_interrupted = 1;
    if (wake_fd >= 0 && write(wake_fd, "", 1) < 0) {
        /* full: the loop is awake already */
    }
    errno = saved;
}

void
repl_wake_on_interrupt(int fd)
{
    wake_fd = fd;
}

void
repl_catch_interrupt(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_interrupt;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0; /* no SA_RESTART: a blocked read returns, so readline can react */
    sigaction(SIGINT, &sa, NULL);
    registry_set_interrupt_flag(&session_interrupted);
}

/* Append a successful command to the script `record` writes. */
static void
record(struct session *s, const struct cmdline *cl)
{
    if (s->record == NULL || strcmp(cl->argv[0], "record") == 0)
        return;
    fprintf(s->record, "%s\n", cl->text);
    fflush(s->record);
}

/* Whether CL is a command the TUI runs as a background job. */
static int
runs_in_background(const struct cmdline *cl)
{
    char *cause = NULL;
    const struct cmd_entry *e = cmd_find(cl->argv[0], &cause);

    free(cause);
    return e != NULL && e->background;
}

/*
 * Run the commands of LINE. WHERE ("x.aiwb:3", or NULL when interactive)
 * prefixes errors; for -c, FIRST numbers the commands. Returns CMD_OK,
 * CMD_EXIT, or CMD_ERROR once a command failed (and was reported).
 */
static enum cmd_retval
run_line(struct session *s, const char *line, const char *where, int *counter)
{
    struct cmdline *cmds;
    size_t n;
    char *cause = NULL;
    enum cmd_retval rc = CMD_OK;

    if (tokenize_line(line, &cmds, &n, &cause) < 0) {
        if (where != NULL)
            fprintf(s->out.err, "aiwb: %s: %s\n", where, cause);
        else
            fprintf(s->out.err, "error: %s\n", cause);
        free(cause);
        return CMD_ERROR;
    }
    /* Ctrl-C stops the rest of the line too. */
    for (size_t i = 0; i < n && rc == CMD_OK && !session_interrupted; i++) {
        if (s->tui != NULL && runs_in_background(&cmds[i])) {
            int id = jobs_start(s, &cmds[i]);

            if (id > 0)
                output_say(&s->out, "[job %d] started: %s", id, cmds[i].text);
            rc = id > 0 ? CMD_OK : CMD_ERROR;
        } else {
            rc = cmd_run(s, &cmds[i]);
        }
        fflush(s->out.data);
        if (counter != NULL)
            (*counter)++;
        if (rc == CMD_ERROR) {
            if (where == NULL)
                fprintf(s->out.err, "error: %s\n", cmd_last_error());
            else if (counter != NULL)
                fprintf(s->out.err, "aiwb: %s:%d: %s\n", where, *counter, cmd_last_error());
            else
                fprintf(s->out.err, "aiwb: %s: %s\n", where, cmd_last_error());
        } else {
            record(s, &cmds[i]);
        }
    }
    tokenize_free(cmds, n);
    return rc;
}

static int
status_of(enum cmd_retval rc)
{
    if (session_interrupted)
        return REPL_EXIT_INTERRUPTED;
    return rc == CMD_ERROR ? REPL_EXIT_FAILED : REPL_EXIT_OK;
}

int
repl_run_stream(struct session *s, FILE *in, const char *name)
{
    struct strbuf line = STRBUF_INIT;
    char *buf = NULL, *where = NULL;
    size_t cap = 0, lineno = 0, first = 0;
    ssize_t len;
    enum cmd_retval rc = CMD_OK;

    while (rc == CMD_OK && (len = getline(&buf, &cap, in)) >= 0) {
        lineno++;
        while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
            buf[--len] = '\0';
        if (line.len == 0)
            first = lineno;
        if (len > 0 && buf[len - 1] == '\\') {
            strbuf_add(&line, buf, (size_t)len - 1);
            strbuf_addch(&line, ' ');
            continue;
        }
        strbuf_add(&line, buf, (size_t)len);
        free(where);
        where = xasprintf("%s:%zu", name, first);
        rc = run_line(s, strbuf_str(&line), where, NULL);
        strbuf_reset(&line);
        if (session_interrupted)
            break;
    }
    if (rc == CMD_OK && line.len > 0) {
        free(where);
        where = xasprintf("%s:%zu", name, first);
        rc = run_line(s, strbuf_str(&line), where, NULL);
    }
    if (rc == CMD_OK && ferror(in)) {
        fprintf(s->out.err, "aiwb: cannot read %s: %s\n", name, strerror(errno));
        rc = CMD_ERROR;
    }
    free(where);
    free(buf);
    strbuf_release(&line);
    return status_of(rc);
}

int
repl_run_string(struct session *s, const char *text)
{
    int counter = 0;

    return status_of(run_line(s, text, "-c", &counter));
}

enum cmd_retval
repl_run_line(struct session *s, const char *line)
{
    return run_line(s, line, NULL, NULL);
}

void
repl_history_start(const char *histfile)
{
    stifle_history(HISTORY_SIZE);
    if (histfile == NULL)
        return;
    if (read_history(histfile) != 0 && errno != ENOENT)
        fprintf(stderr, "aiwb: warning: cannot read history '%s': %s\n", histfile,
                strerror(errno));
}

void
repl_history_add(const char *histfile, const char *line)
{
    HIST_ENTRY *last = history_length > 0 ? history_get(history_base + history_length - 1) : NULL;

    if (last != NULL && strcmp(last->line, line) == 0)
        return;
    add_history(line);
    if (histfile == NULL)
        return;
    if (access(histfile, F_OK) != 0) {
        int fd = open(histfile, O_WRONLY | O_CREAT, 0600);

        if (fd >= 0)
            close(fd);
    }
    append_history(1, histfile);
}

/* What readline's callback hands over: a line, or the end of input. */
static char *typed;
static int typed_eof;

static void
on_line(char *line)
{
    if (line == NULL)
        typed_eof = 1;
    else
        typed = line;
}

/* Ctrl-C while typing: drop the line and show a new prompt, as a shell does. */
static void
drop_line(void)
{
    rl_free_line_state();
    rl_callback_sigcleanup();
    rl_replace_line("", 0);
    rl_crlf();
    rl_on_new_line();
    rl_redisplay();
}

/*
 * Readline's callback interface in our own select() loop, so Ctrl-C at the
 * prompt acts at once (the blocking readline() only notices it at the next
 * key), and the same loop can watch other descriptors later.
 */
int
repl_run_interactive(struct session *s, const char *histfile)
{
    static const char prompt[] = "aiwb> ";
    enum cmd_retval rc = CMD_OK;

    rl_readline_name = "aiwb";
    rl_catch_signals = 0; /* our handler sets a flag; the loop acts on it */
    if (!isatty(STDOUT_FILENO))
        rl_outstream = stderr;
    complete_init(s);
    repl_history_start(histfile);
    rl_callback_handler_install(prompt, on_line);
    while (rc != CMD_EXIT && !typed_eof) {
        fd_set in;

        FD_ZERO(&in);
        FD_SET(fileno(rl_instream), &in);
        if (select(fileno(rl_instream) + 1, &in, NULL, NULL, NULL) < 0) {
            if (errno != EINTR)
                break;
            if (session_interrupted) {
                session_interrupted = 0;
                drop_line();
            }
            continue;
        }
        rl_callback_read_char();
        if (typed == NULL)
            continue;
        /* The command runs with the terminal as it was, not in readline's mode. */
        rl_callback_handler_remove();
        if (typed[strspn(typed, " \t")] != '\0') {
            repl_history_add(histfile, typed);
            rc = run_line(s, typed, NULL, NULL);
        }
        free(typed);
        typed = NULL;
        session_interrupted = 0;
        if (rc != CMD_EXIT)
            rl_callback_handler_install(prompt, on_line);
    }
    if (rc != CMD_EXIT) {
        rl_callback_handler_remove();
        fputc('\n', rl_outstream);
    }
    if (histfile != NULL)
        history_truncate_file(histfile, HISTORY_SIZE);
    return REPL_EXIT_OK;
}
