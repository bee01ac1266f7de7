/*
 * main.c - options, the workspace, the plugins, and the choice of mode:
 * interactive (readline), a script (-f), commands (-c) or a pipe.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <config.h>

#include <errno.h>
#include <getopt.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_version.h>
#include <sqlite3.h>

#include "core/log.h"
#include "core/registry.h"
#include "core/strbuf.h"
#include "core/xalloc.h"
#include "repl/repl.h"
#include "repl/session.h"
#include "store/store.h"
#include "tui/tui.h"

#define DEFAULT_WORKSPACE "aiwb.db"

static void
usage(FILE *fp)
{
    fprintf(fp,
            "Usage: aiwb [OPTION]...\n"
            "A terminal workbench for designing AI systems: load data, transform it, train\n"
            "and evaluate models, keep every run and model in a workspace file.\n"
            "\n"
            "  -c, --command=CMDS     run the commands CMDS (separated by ';') and exit\n"
            "  -f, --file=SCRIPT      run the commands in SCRIPT ('-' for stdin) and exit\n"
            "  -w, --workspace=FILE   the workspace (default ./%s, or $AIWB_WORKSPACE)\n"
            "      --format=FORMAT    print tables as table (aligned text), csv or json\n"
            "                         (JSON lines); with csv and json, messages go to stderr\n"
            "      --plain            plain line mode, even at a terminal\n"
            "      --ascii            no Unicode in the output\n"
            "  -q, --quiet            no banner when starting interactively\n"
            "  -h, --help             show this help and exit\n"
            "  -V, --version          show the version and exit\n"
            "\n"
            "Without -c or -f, commands are read from the terminal with line editing,\n"
            "history and Tab completion, or line by line from a pipe. Scripts, -c and\n"
            "pipes stop at the first failing command, naming its line.\n"
            "\n"
            "Exit status: 0 on success, 1 if a command failed, 2 if aiwb was called\n"
            "wrongly, 130 if interrupted by Ctrl-C.\n"
            "\n"
            "Environment: AIWB_PLUGIN_PATH (folders of extra plugins, ':'-separated),\n"
            "AIWB_WORKSPACE, AIWB_HISTFILE (default $XDG_STATE_HOME/aiwb/history).\n"
            "Type `help` inside aiwb for the commands.\n",
            DEFAULT_WORKSPACE);
}

static void
version(void)
{
    printf("aiwb %s (plugin ABI %d.%d)\n", PACKAGE_VERSION, AIWB_ABI_VERSION, AIWB_ABI_MINOR);
    printf("GSL %s with %s, sqlite %s\n", GSL_VERSION, AIWB_BLAS, sqlite3_libversion());
    printf("Copyright (C) 2026 the aiwb developers.\n"
           "License GPL-3.0-or-later <https://gnu.org/licenses/gpl.html>.\n"
           "This is free software: you are free to change and redistribute it.\n"
           "There is NO WARRANTY, to the extent permitted by law.\n");
}

static void
report_plugin(void *arg, const char *msg)
{
    (void)arg;
    fprintf(stderr, "aiwb: warning: %s\n", msg);
}

/* $AIWB_HISTFILE, or $XDG_STATE_HOME/aiwb/history (made if needed); may be NULL. */
static char *
history_file(void)
{
    const char *env = getenv("AIWB_HISTFILE"), *state = getenv("XDG_STATE_HOME");
    const char *home = getenv("HOME");
    char *dir, *path;

    if (env != NULL)
        return *env ? xstrdup(env) : NULL;
    if (state != NULL && *state == '/')
        dir = xasprintf("%s/aiwb", state);
    else if (home != NULL && *home)
        dir = xasprintf("%s/.local/state/aiwb", home);
    else
        return NULL;
    /* Make the folders one by one, private as the XDG spec asks. */
    for (char *p = dir + 1; *p; p++) {
        if (*p == '/') {
            *p = '\0';
            mkdir(dir, 0700);
            *p = '/';
        }
    }
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        free(dir);
        return NULL;
    }
    path = xasprintf("%s/history", dir);
    free(dir);
    return path;
}

/*
 * A line about the workspace for a person starting aiwb. A workspace
 * without datasets starts on the bundled ones, so there is something to try.
 */
static void
banner(struct session *s, const char *workspace)
{
    char **names = store_dataset_names(s->store), **models = store_model_names(s->store);
    size_t nd = 0, nm = 0;

    while (names != NULL && names[nd] != NULL)
        free(names[nd++]);
    while (models != NULL && models[nm] != NULL)
        free(models[nm++]);
    free(names);
    free(models);
    printf("aiwb %s, workspace %s: %zu dataset%s, %zu model%s. `help` lists the commands.\n",
           PACKAGE_VERSION, workspace, nd, nd == 1 ? "" : "s", nm, nm == 1 ? "" : "s");
    if (nd == 0) {
        printf("A new workspace: loading the bundled datasets.\n");
        repl_run_string(s, "load iris; load diabetes; load airquality");
        printf("Try: split iris ratio=0.7 stratify=species; train logistic on iris.train "
               "target=species as m1; eval m1 on iris.test\n");
    }
}

static void
greet(struct session *s, void *workspace)
{
    banner(s, workspace);
}

int
main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"command", required_argument, NULL, 'c'},
        {"file", required_argument, NULL, 'f'},
        {"workspace", required_argument, NULL, 'w'},
        {"format", required_argument, NULL, 'F'},
        {"plain", no_argument, NULL, 'P'},
        {"ascii", no_argument, NULL, 'A'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    const char *commands = NULL, *script = NULL, *workspace = getenv("AIWB_WORKSPACE");
    int format = OUTPUT_TABLE, plain = 0, ascii = 0, quiet = 0, opt, status;
    struct session *s;
    struct store *store;
    char *cause = NULL, *path;

    setlocale(LC_ALL, "");
    setlocale(LC_NUMERIC, "C"); /* numbers are read and written with '.' */
    gsl_set_error_handler_off(); /* GSL's default handler aborts: we check returns */
    while ((opt = getopt_long(argc, argv, "c:f:w:qhV", longopts, NULL)) != -1) {
        switch (opt) {
        case 'c':
            commands = optarg;
            break;
        case 'f':
            script = optarg;
            break;
        case 'w':
            workspace = optarg;
            break;
        case 'F':
            if ((format = output_parse_format(optarg)) < 0) {
                fprintf(stderr, "aiwb: unknown format '%s' (table, csv or json)\n", optarg);
                return REPL_EXIT_USAGE;
            }
            break;
        case 'P':
            plain = 1;
            break;
        case 'A':
            ascii = 1;
            break;
        case 'q':
            quiet = 1;
            break;
        case 'h':
            usage(stdout);
            return REPL_EXIT_OK;
        case 'V':
            version();
            return REPL_EXIT_OK;
        default:
            fprintf(stderr, "Try 'aiwb --help' for more information.\n");
            return REPL_EXIT_USAGE;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "aiwb: unexpected argument '%s'\nTry 'aiwb --help' for more "
                        "information.\n", argv[optind]);
        return REPL_EXIT_USAGE;
    }
    if (commands != NULL && script != NULL) {
        fprintf(stderr, "aiwb: give either -c or -f, not both\n");
        return REPL_EXIT_USAGE;
    }
    if (workspace == NULL || *workspace == '\0')
        workspace = DEFAULT_WORKSPACE;

    path = registry_default_path();
    registry_load_path(path, report_plugin, NULL);
    free(path);
    if ((store = store_open(workspace, &cause)) == NULL) {
        fprintf(stderr, "aiwb: %s\n", cause);
        free(cause);
        registry_shutdown();
        return REPL_EXIT_FAILED;
    }
    int interactive = commands == NULL && script == NULL && isatty(STDIN_FILENO);
    s = session_new(store, (enum output_format)format, interactive);
    s->out.ascii = ascii;
    s->colour = isatty(STDOUT_FILENO) && (getenv("NO_COLOR") == NULL || *getenv("NO_COLOR") == '\0');
    if (isatty(STDOUT_FILENO)) {
        struct winsize ws;

        if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
            s->out.width = ws.ws_col;
    }
    repl_catch_interrupt();

    if (commands != NULL) {
        status = repl_run_string(s, commands);
    } else if (script != NULL && strcmp(script, "-") != 0) {
        FILE *fp = fopen(script, "r");

        if (fp == NULL) {
            fprintf(stderr, "aiwb: cannot open script '%s': %s\n", script, strerror(errno));
            status = REPL_EXIT_FAILED;
        } else {
            status = repl_run_stream(s, fp, script);
            fclose(fp);
        }
    } else if (interactive) {
        char *hist = history_file();

        status = -1;
        if (!plain && isatty(STDOUT_FILENO))
            status = tui_run(s, quiet ? NULL : greet, (void *)workspace, hist);
        if (status < 0) { /* --plain, not a terminal, or the TUI could not start */
            if (!quiet)
                banner(s, workspace);
            status = repl_run_interactive(s, hist);
        }
        free(hist);
    } else {
        status = repl_run_stream(s, stdin, script != NULL ? "-" : "<stdin>");
    }
    session_free(s);
    registry_shutdown();
    return status;
}
