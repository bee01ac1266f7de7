/*
 * session.h - what a REPL session holds: the workspace, the datasets loaded
 * in memory, models loaded from the workspace, and where output goes.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef AIWB_SESSION_H
#define AIWB_SESSION_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "repl/output.h"

struct aiwb_frame;
struct pipeline;
struct source_handle;
struct store;
struct view;

/* A dataset in memory. */
struct dataset {
    char *name;
    struct aiwb_frame *frame;
    char *source;  /* file or parent dataset */
    char *options; /* source options as typed */
    char *lineage; /* the command that made it */
    struct source_handle *follow; /* a growing source read again on each use, or NULL */
};

/* A model version in memory, loaded from (or just saved to) the workspace. */
struct loaded_model {
    char *name;
    int version;
    struct pipeline *pipeline;
};

struct session {
    struct store *store;
    struct output out;
    int interactive;   /* a person at a terminal: progress, timings */
    size_t ndatasets;
    struct dataset **datasets;
    size_t nmodels;
    struct loaded_model *models;
    FILE *record;      /* where `record` appends commands, or NULL */
    char *record_path;
    const char *current;   /* the command being run, as typed */
    int colour;        /* output is a terminal and NO_COLOR is unset */
    /* The TUI's view pane, when running full screen: takes the view (view_show). */
    void (*show)(struct session *s, struct view *v);
    void *tui;         /* the full-screen interface, or NULL */
};

/* Set when the user presses Ctrl-C; long commands poll it. */
extern volatile sig_atomic_t session_interrupted;

/* A new session on workspace STORE (which it owns from now on). */
struct session *session_new(struct store *store, enum output_format format, int interactive);
void session_free(struct session *s);

/* The dataset NAME in memory, or NULL. */
struct dataset *session_dataset(struct session *s, const char *name);
/*
 * The dataset NAME, or NULL after reporting why with cmd_error(): not
 * loaded (saying where it came from, if the workspace remembers). A dataset
 * read with follow=true first takes in the rows its source has gained.
 */
struct dataset *session_need_dataset(struct session *s, const char *name);
/*
 * Keep FRAME (taken) as dataset NAME, replacing one of that name, and record
 * it in the workspace with its lineage. Returns the dataset.
 */
struct dataset *session_put_dataset(struct session *s, const char *name, struct aiwb_frame *frame,
                                    const char *source, const char *options, const char *lineage);

/*
 * The model REF ("m1" for the latest version, "m1:2" for version 2),
 * loading it from the workspace when needed. NULL after reporting why.
 * *version (if not NULL) gets the version.
 */
struct pipeline *session_model(struct session *s, const char *ref, int *version);
/* Keep a just-trained pipeline (taken) as model NAME at VERSION. */
void session_put_model(struct session *s, const char *name, int version, struct pipeline *p);

/* The path of the bundled dataset NAME (datasets/NAME.csv of the build tree or
 * of the installed data folder), or NULL. A new string the caller frees. */
char *session_bundled(const char *name);

/* Whether NAME is a valid dataset or model name: letters, digits, _ . - */
int session_valid_name(const char *name);

#endif
