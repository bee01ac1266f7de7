/*
 * components.h - the transforms and algorithms the exported server can run:
 * the predict halves of the plugins, compiled in.
 *
 * Copyright (C) 2026 the aiwb developers
 * SPDX-License-Identifier: MIT
 */
#ifndef AIWB_SERVER_COMPONENTS_H
#define AIWB_SERVER_COMPONENTS_H

#include <stdio.h>

#include <aiwb/plugin.h>

/* Bind every predict half to the server's host table (host_api()). Once,
 * before any lookup. */
void components_bind(void);

/* The transform or algorithm NAME, or NULL if the server has none. */
const struct aiwb_transform_type *components_transform(const char *name);
const struct aiwb_algorithm_type *components_algorithm(const char *name);

/* Print "transform NAME" and "algorithm NAME" lines, one per component, to
 * OUT: what `export` checks a model against. */
void components_list(FILE *out);

#endif
