/*
 * transform-log.h - what the two halves of the log plugin share: the state (its options:
 * log learns nothing), its version, the transform's flags and the apply half's functions.
 *
 * Copyright (C) 2026 the aiwb developers
 * SPDX-License-Identifier: MIT
 */
#ifndef AIWB_TRANSFORM_LOG_H
#define AIWB_TRANSFORM_LOG_H

#include <stddef.h>

#include <aiwb/plugin.h>

/* The state version (log saves nothing: its options are its state). */
#define TRANSFORM_LOG_STATE_VERSION 1

#define TRANSFORM_LOG_FLAGS (AIWB_CAP_MISSING | AIWB_CAP_CATEGORICAL)

struct transform_log {
    double base;    /* 0 for the natural log */
    double offset;  /* added before the log */
    int to_missing; /* invalid=missing: a value <= -offset becomes missing */
    size_t n_names; /* the columns= list; 0: every numeric column */
    char **names;
};

/* Keep HOST as the table the apply half calls; the module does it first thing. */
void transform_log_bind(const struct aiwb_host_api *host);

/* The transform's functions (struct aiwb_transform_type): read the options into STATE;
 * apply them to IN (thread-safe: it writes nothing but *out); free what init allocated. */
int transform_log_init(void *state, const struct aiwb_options *opts, char **cause);
int transform_log_apply(const void *state, const struct aiwb_frame *in, struct aiwb_frame **out,
                        char **cause);
void transform_log_fini(void *state);

/* The apply half of "log", as the exported server registers it. */
extern const struct aiwb_transform_type apply_log;

#endif
