/*
 * transform-columns.h - what the two halves of the columns plugin (the select, drop and
 * rename transforms) share: the state (the parsed option), its version, the transforms'
 * flags and the apply half's functions.
 *
 * Copyright (C) 2026 the aiwb developers
 * SPDX-License-Identifier: MIT
 */
#ifndef AIWB_TRANSFORM_COLUMNS_H
#define AIWB_TRANSFORM_COLUMNS_H

#include <stddef.h>

#include <aiwb/plugin.h>

/* The state holds what init parsed and nothing fitted; save writes the option text so that
 * a loaded transform does what the saved one did, whatever the options say then. */
#define TRANSFORM_COLUMNS_STATE_VERSION 1

/* The flags of the three transforms. */
#define TRANSFORM_COLUMNS_FLAGS (AIWB_CAP_MISSING | AIWB_CAP_CATEGORICAL)

/* What a transform of this module does with its list. */
enum columns_verb { COLUMNS_SELECT, COLUMNS_DROP, COLUMNS_RENAME };

/* One item of the list: a name, a prefix (NAME* in the option), or a renaming. */
struct columns_item {
    char *name; /* the column name, or the prefix before the '*' */
    int prefix; /* select and drop: a trailing '*' made it a prefix */
    char *to;   /* rename: the new name */
};

struct columns {
    enum columns_verb verb;
    char *text; /* the option as given, for messages and save */
    size_t n;
    struct columns_item *items;
};

/* Keep HOST as the table the apply half calls; the module does it first thing. */
void transform_columns_bind(const struct aiwb_host_api *host);

/* The option that holds verb V's list ("columns", or "map" for rename): a static string. */
const char *columns_option_name(enum columns_verb v);

/* The transforms' functions (struct aiwb_transform_type): read the option into STATE;
 * apply it to IN (thread-safe: they write nothing but *out); load the saved option.
 * columns_fini frees what init and load allocated, for all three. */
int columns_select_init(void *state, const struct aiwb_options *opts, char **cause);
int columns_drop_init(void *state, const struct aiwb_options *opts, char **cause);
int columns_rename_init(void *state, const struct aiwb_options *opts, char **cause);
int columns_select_apply(const void *state, const struct aiwb_frame *in, struct aiwb_frame **out,
                         char **cause);
int columns_drop_apply(const void *state, const struct aiwb_frame *in, struct aiwb_frame **out,
                       char **cause);
int columns_rename_apply(const void *state, const struct aiwb_frame *in, struct aiwb_frame **out,
                         char **cause);
int columns_select_load(void *state, struct aiwb_reader *r, unsigned version, char **cause);
int columns_drop_load(void *state, struct aiwb_reader *r, unsigned version, char **cause);
int columns_rename_load(void *state, struct aiwb_reader *r, unsigned version, char **cause);
void columns_fini(void *state);

/* The apply halves of "select", "drop" and "rename", as the exported server registers
 * them. */
extern const struct aiwb_transform_type apply_select;
extern const struct aiwb_transform_type apply_drop;
extern const struct aiwb_transform_type apply_rename;

#endif
