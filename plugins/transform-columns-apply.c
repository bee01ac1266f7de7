/*
 * transform-columns-apply.c - the apply half of the columns plugin (the select, drop and
 * rename transforms): parsing the option, loading it back and choosing, removing or
 * renaming columns (these transforms learn nothing), shared by the plugin module and the
 * exported prediction server.
 *
 * Copyright (C) 2026 the aiwb developers
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <string.h>

#include <aiwb/plugin.h>

#include "predict-common.h"
#include "transform-columns.h"

/* How many column names an error message lists before it says how many more there are. */
#define MAX_LISTED 20

static const struct aiwb_host_api *api;

static const char *const verb_names[] = {"select", "drop", "rename"};

/*
 * Keep HOST as the table this half calls. The plugin module calls it from
 * aiwb_plugin_init, the server with its own host table, before anything else.
 */
void
transform_columns_bind(const struct aiwb_host_api *host)
{
    api = host;
}

/* Free the parsed list of S, leaving it empty. */
static void
clear_items(struct columns *s)
{
    for (size_t k = 0; k < s->n; k++) {
        api->free(s->items[k].name);
        api->free(s->items[k].to);
    }
    api->free(s->items);
    api->free(s->text);
    s->items = NULL;
    s->text = NULL;
    s->n = 0;
}

/* Free what init and load allocated in STATE (any of the three transforms'). */
void
columns_fini(void *state)
{
    clear_items(state);
}

/* The option that holds verb V's list ("columns", or "map" for rename), a static string. */
const char *
columns_option_name(enum columns_verb v)
{
    return v == COLUMNS_RENAME ? "map" : "columns";
}

/* A new copy of [FROM, TO) without the spaces around it. */
static char *
trimmed(const char *from, const char *to)
{
    char *s;

    while (from < to && (*from == ' ' || *from == '\t'))
        from++;
    while (to > from && (to[-1] == ' ' || to[-1] == '\t'))
        to--;
    s = api->alloc((size_t)(to - from) + 1);
    memcpy(s, from, (size_t)(to - from));
    s[to - from] = '\0';
    return s;
}

/* Read item K (1-based in messages), the text [FROM, TO), into IT. */
static int
parse_item(const struct columns *s, size_t k, const char *from, const char *to,
           struct columns_item *it, char **cause)
{
    const char *what = verb_names[s->verb], *opt = columns_option_name(s->verb);
    char *word = trimmed(from, to), *colon;
    size_t len = strlen(word);

    if (len == 0) {
        *cause = api->format("%s: %s='%s' item %zu is empty", what, opt, s->text, k);
        api->free(word);
        return AIWB_EINVAL;
    }
    if (s->verb != COLUMNS_RENAME) {
        it->prefix = word[len - 1] == '*';
        if (it->prefix)
            word[len - 1] = '\0';
        it->name = word;
        return AIWB_OK;
    }
    colon = strchr(word, ':');
    if (colon == NULL) {
        *cause =
            api->format("%s: %s='%s' item %zu '%s' is not OLD:NEW", what, opt, s->text, k, word);
        api->free(word);
        return AIWB_EINVAL;
    }
    it->name = trimmed(word, colon);
    it->to = trimmed(colon + 1, word + len);
    if (*it->name == '\0' || *it->to == '\0') {
        *cause = api->format("%s: %s='%s' item %zu '%s' lacks the %s name", what, opt, s->text, k,
                             word, *it->name == '\0' ? "old" : "new");
        api->free(word);
        api->free(it->name);
        api->free(it->to);
        it->name = it->to = NULL;
        return AIWB_EINVAL;
    }
    api->free(word);
    return AIWB_OK;
}

/* Refuse a list that names a column twice (or, for rename, gives two the same new name). */
static int
check_twice(const struct columns *s, char **cause)
{
    const char *what = verb_names[s->verb], *opt = columns_option_name(s->verb);

    for (size_t k = 0; k < s->n; k++) {
        for (size_t j = 0; j < k; j++) {
            const struct columns_item *a = &s->items[j], *b = &s->items[k];
            if (a->prefix == b->prefix && strcmp(a->name, b->name) == 0) {
                *cause = api->format("%s: %s='%s' names '%s%s' twice", what, opt, s->text, a->name,
                                     a->prefix ? "*" : "");
                return AIWB_EINVAL;
            }
            if (s->verb == COLUMNS_RENAME && strcmp(a->to, b->to) == 0) {
                *cause = api->format("%s: %s='%s' renames both '%s' and '%s' to '%s'", what, opt,
                                     s->text, a->name, b->name, a->to);
                return AIWB_EINVAL;
            }
        }
    }
    return AIWB_OK;
}

/* Split TEXT, the list option of verb V, into S's items. */
static int
parse_list(struct columns *s, enum columns_verb v, const char *text, char **cause)
{
    const char *p;
    size_t cap = 1;
    int rc = AIWB_OK;

    clear_items(s);
    s->verb = v;
    s->text = api->strdup(text != NULL ? text : "");
    for (p = s->text; *p; p++)
        cap += *p == ',';
    s->items = api->calloc(cap, sizeof *s->items);
    for (p = s->text; rc == AIWB_OK;) {
        const char *end = strchr(p, ',');
        if (end == NULL)
            end = p + strlen(p);
        rc = parse_item(s, s->n + 1, p, end, &s->items[s->n], cause);
        if (rc == AIWB_OK)
            s->n++;
        if (*end == '\0')
            break;
        p = end + 1;
    }
    if (rc == AIWB_OK)
        rc = check_twice(s, cause);
    if (rc != AIWB_OK)
        clear_items(s);
    return rc;
}

static int
init_verb(void *state, enum columns_verb v, const struct aiwb_options *opts, char **cause)
{
    const char *text = api->opt_str(opts, columns_option_name(v));

    if (text == NULL) {
        *cause = api->format("%s: needs %s", verb_names[v],
                             v == COLUMNS_RENAME ? "map='OLD:NEW,...'" : "columns='NAME,...'");
        return AIWB_EINVAL;
    }
    return parse_list(state, v, text, cause);
}

/*
 * Read select's option columns into STATE. Returns AIWB_OK, or AIWB_EINVAL with *cause
 * set when it is not given or names a column twice or not at all (an empty item).
 */
int
columns_select_init(void *state, const struct aiwb_options *opts, char **cause)
{
    return init_verb(state, COLUMNS_SELECT, opts, cause);
}

/* Read drop's option columns into STATE; as columns_select_init. */
int
columns_drop_init(void *state, const struct aiwb_options *opts, char **cause)
{
    return init_verb(state, COLUMNS_DROP, opts, cause);
}

/*
 * Read rename's option map into STATE. Returns AIWB_OK, or AIWB_EINVAL with *cause set
 * when it is not given, an item is not OLD:NEW, or a name comes twice on either side.
 */
int
columns_rename_init(void *state, const struct aiwb_options *opts, char **cause)
{
    return init_verb(state, COLUMNS_RENAME, opts, cause);
}

/* The names of IN's columns, "a, b, c", at most MAX_LISTED of them (a new string). */
static char *
column_list(const struct aiwb_frame *in)
{
    size_t p = api->frame_cols(in), len = 1;
    char *list, *at;

    for (size_t c = 0; c < p && c < MAX_LISTED; c++)
        len += strlen(api->frame_col_name(in, c)) + 2;
    at = list = api->alloc(len + 64);
    *at = '\0';
    for (size_t c = 0; c < p && c < MAX_LISTED; c++) {
        const char *name = api->frame_col_name(in, c);
        size_t k = strlen(name);
        if (c > 0) {
            memcpy(at, ", ", 2);
            at += 2;
        }
        memcpy(at, name, k + 1);
        at += k;
    }
    if (p > MAX_LISTED)
        snprintf(at, 64, " and %zu more", p - MAX_LISTED);
    if (p == 0)
        snprintf(at, 64, "none");
    return list;
}

/* The error for item IT that matches no column of IN. */
static int
no_such_column(const struct columns *s, const struct columns_item *it, const struct aiwb_frame *in,
               char **cause)
{
    char *list = column_list(in);

    if (it->prefix)
        *cause = api->format("%s: no column starts with '%s' (the columns: %s)",
                             verb_names[s->verb], it->name, list);
    else
        *cause = api->format("%s: no column '%s' (the columns: %s)", verb_names[s->verb], it->name,
                             list);
    api->free(list);
    return AIWB_EDATA;
}

/* Take column C, if not taken yet, into ORDER (*N so far) and CHOSEN. */
static void
take(size_t c, size_t *order, size_t *n, unsigned char *chosen)
{
    if (!chosen[c])
        order[(*n)++] = c;
    chosen[c] = 1;
}

/*
 * The columns of IN that S's items stand for, into ORDER (*N of them, each once, in the
 * order of the items; a prefix takes its columns in the frame's order) and CHOSEN (a flag
 * per column). An item that matches no column is an error. A name is looked up (the
 * frame hashes its names); only a prefix walks the columns.
 */
static int
resolve(const struct columns *s, const struct aiwb_frame *in, size_t *order, size_t *n,
        unsigned char *chosen, char **cause)
{
    size_t p = api->frame_cols(in);

    *n = 0;
    memset(chosen, 0, p + 1);
    for (size_t k = 0; k < s->n; k++) {
        const struct columns_item *it = &s->items[k];
        size_t len = strlen(it->name);
        int found = 0;
        if (!it->prefix) {
            long c = api->frame_find(in, it->name);
            if ((found = c >= 0))
                take((size_t)c, order, n, chosen);
        }
        for (size_t c = 0; it->prefix && c < p; c++) {
            if (strncmp(api->frame_col_name(in, c), it->name, len) != 0)
                continue;
            found = 1;
            take(c, order, n, chosen);
        }
        if (!found)
            return no_such_column(s, it, in, cause);
    }
    return AIWB_OK;
}

/* Add column C of IN to OUT under NEWNAME (NULL: its own), sharing its data. */
static int
pass(const struct columns *s, struct aiwb_frame *out, const struct aiwb_frame *in, size_t c,
     const char *newname, char **cause)
{
    if (api->frame_copy_col(out, in, c, newname) == AIWB_OK)
        return AIWB_OK;
    *cause = api->format("%s: cannot add column '%s' to the output", verb_names[s->verb],
                         newname != NULL ? newname : api->frame_col_name(in, c));
    return AIWB_ERR;
}

/* The output of select (KEEP true: the chosen columns in the list's order) or drop (KEEP
 * false: the other columns in the frame's order). */
static int
choose_apply(const struct columns *s, const struct aiwb_frame *in, int keep,
             struct aiwb_frame **out, char **cause)
{
    size_t p = api->frame_cols(in), n;
    size_t *order = api->alloc((p + 1) * sizeof *order);
    unsigned char *chosen = api->alloc(p + 1);
    struct aiwb_frame *f = NULL;
    int rc = resolve(s, in, order, &n, chosen, cause);

    if (rc == AIWB_OK && !keep && n == p) {
        *cause = api->format("drop: columns='%s' would drop every column", s->text);
        rc = AIWB_EDATA;
    }
    if (rc == AIWB_OK) {
        f = api->frame_new(api->frame_rows(in));
        if (keep)
            for (size_t k = 0; k < n && rc == AIWB_OK; k++)
                rc = pass(s, f, in, order[k], NULL, cause);
        else
            for (size_t c = 0; c < p && rc == AIWB_OK; c++)
                if (!chosen[c])
                    rc = pass(s, f, in, c, NULL, cause);
    }
    api->free(order);
    api->free(chosen);
    return predict_apply_end(api, rc, f, out);
}

/*
 * Make in *OUT a new frame of the columns of IN that select's list names, in its order,
 * sharing their data. Returns AIWB_OK, or AIWB_EDATA (an item matches no column) or
 * AIWB_ERR with *cause set and *out NULL. Writes nothing in STATE, so threads may share
 * it.
 */
int
columns_select_apply(const void *state, const struct aiwb_frame *in, struct aiwb_frame **out,
                     char **cause)
{
    return choose_apply(state, in, 1, out, cause);
}

/* Make in *OUT a new frame of the columns of IN that drop's list does not name, in their
 * order; as columns_select_apply, and dropping every column is an error (AIWB_EDATA). */
int
columns_drop_apply(const void *state, const struct aiwb_frame *in, struct aiwb_frame **out,
                   char **cause)
{
    return choose_apply(state, in, 0, out, cause);
}

/*
 * Set NEWNAME[c] to the item renaming column C of IN (NULL when it keeps its name), and
 * refuse a new name that another column, not renamed itself, already has. Swaps
 * (map='a:b,b:a') are fine: the names after renaming are what must be unique.
 */
static int
plan_rename(const struct columns *s, const struct aiwb_frame *in, const char **newname,
            char **cause)
{
    size_t p = api->frame_cols(in);

    for (size_t c = 0; c < p; c++)
        newname[c] = NULL;
    for (size_t k = 0; k < s->n; k++) {
        long c = api->frame_find(in, s->items[k].name);
        if (c < 0)
            return no_such_column(s, &s->items[k], in, cause);
        newname[c] = s->items[k].to;
    }
    for (size_t k = 0; k < s->n; k++) {
        long c = api->frame_find(in, s->items[k].to);
        if (c >= 0 && newname[c] == NULL) {
            *cause = api->format("rename: cannot rename '%s' to '%s': there is a column '%s' "
                                 "already (rename or drop it too)",
                                 s->items[k].name, s->items[k].to, s->items[k].to);
            return AIWB_EDATA;
        }
    }
    return AIWB_OK;
}

/*
 * Make in *OUT a new frame of the columns of IN, in their order and sharing their data,
 * with rename's map applied to their names. Returns AIWB_OK, or AIWB_EDATA (an old name
 * absent, a new name taken by a column that stays) or AIWB_ERR with *cause set and *out
 * NULL. Writes nothing in STATE, so threads may share it.
 */
int
columns_rename_apply(const void *state, const struct aiwb_frame *in, struct aiwb_frame **out,
                     char **cause)
{
    const struct columns *s = state;
    size_t p = api->frame_cols(in);
    const char **newname = api->alloc((p + 1) * sizeof *newname);
    struct aiwb_frame *f = NULL;
    int rc = plan_rename(s, in, newname, cause);

    if (rc == AIWB_OK) {
        f = api->frame_new(api->frame_rows(in));
        for (size_t c = 0; c < p && rc == AIWB_OK; c++)
            rc = pass(s, f, in, c, newname[c], cause);
    }
    api->free(newname);
    return predict_apply_end(api, rc, f, out);
}

static int
load_verb(void *state, enum columns_verb v, struct aiwb_reader *r, unsigned version, char **cause)
{
    char *text = NULL;
    int rc;

    rc = predict_state_version(api, verb_names[v], version, TRANSFORM_COLUMNS_STATE_VERSION, cause);
    if (rc != AIWB_OK)
        return rc;
    rc = api->get_str(r, columns_option_name(v), &text);
    if (rc == AIWB_OK)
        rc = parse_list(state, v, text, cause);
    api->free(text);
    return rc;
}

/*
 * Read the option text select's save wrote (VERSION must be this plugin's) into STATE,
 * parsed as init parses it. Returns AIWB_OK, or AIWB_EDATA with *cause set for another
 * version, AIWB_EINVAL for a text that does not parse, or the reader's status.
 */
int
columns_select_load(void *state, struct aiwb_reader *r, unsigned version, char **cause)
{
    return load_verb(state, COLUMNS_SELECT, r, version, cause);
}

/* Read drop's saved option into STATE; as columns_select_load. */
int
columns_drop_load(void *state, struct aiwb_reader *r, unsigned version, char **cause)
{
    return load_verb(state, COLUMNS_DROP, r, version, cause);
}

/* Read rename's saved option into STATE; as columns_select_load. */
int
columns_rename_load(void *state, struct aiwb_reader *r, unsigned version, char **cause)
{
    return load_verb(state, COLUMNS_RENAME, r, version, cause);
}

const struct aiwb_transform_type apply_select = {
    .abi_version = AIWB_ABI_VERSION,
    .size = sizeof(struct aiwb_transform_type),
    .name = "select",
    .flags = TRANSFORM_COLUMNS_FLAGS,
    .state_version = TRANSFORM_COLUMNS_STATE_VERSION,
    .state_size = sizeof(struct columns),
    .init = columns_select_init,
    .apply = columns_select_apply,
    .load = columns_select_load,
    .fini = columns_fini,
};

const struct aiwb_transform_type apply_drop = {
    .abi_version = AIWB_ABI_VERSION,
    .size = sizeof(struct aiwb_transform_type),
    .name = "drop",
    .flags = TRANSFORM_COLUMNS_FLAGS,
    .state_version = TRANSFORM_COLUMNS_STATE_VERSION,
    .state_size = sizeof(struct columns),
    .init = columns_drop_init,
    .apply = columns_drop_apply,
    .load = columns_drop_load,
    .fini = columns_fini,
};

const struct aiwb_transform_type apply_rename = {
    .abi_version = AIWB_ABI_VERSION,
    .size = sizeof(struct aiwb_transform_type),
    .name = "rename",
    .flags = TRANSFORM_COLUMNS_FLAGS,
    .state_version = TRANSFORM_COLUMNS_STATE_VERSION,
    .state_size = sizeof(struct columns),
    .init = columns_rename_init,
    .apply = columns_rename_apply,
    .load = columns_rename_load,
    .fini = columns_fini,
};
