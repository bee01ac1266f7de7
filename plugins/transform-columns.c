/*
 * transform-columns.c - the select, drop and rename transforms: choose, remove or rename
 * columns by name, keeping every row and sharing the columns' data with the input.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <config.h>

#include <stdio.h>
#include <string.h>

#include <aiwb/plugin.h>

/* The state holds what init parsed and nothing fitted; save writes the option text so that
 * a loaded transform does what the saved one did, whatever the options say then. */
#define STATE_VERSION 1

/* How many column names an error message lists before it says how many more there are. */
#define MAX_LISTED 20

static const struct aiwb_host_api *api;

/* What a transform of this module does with its list. */
enum verb { VERB_SELECT, VERB_DROP, VERB_RENAME };

static const char *const verb_names[] = {"select", "drop", "rename"};

/* One item of the list: a name, a prefix (NAME* in the option), or a renaming. */
struct item {
    char *name; /* the column name, or the prefix before the '*' */
    int prefix; /* select and drop: a trailing '*' made it a prefix */
    char *to;   /* rename: the new name */
};

struct columns {
    enum verb verb;
    char *text; /* the option as given, for messages and save */
    size_t n;
    struct item *items;
};

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

static void
columns_fini(void *state)
{
    clear_items(state);
}

/* The option that holds a verb's list, and what an item of it looks like. */
static const char *
option_of(enum verb v)
{
    return v == VERB_RENAME ? "map" : "columns";
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
parse_item(const struct columns *s, size_t k, const char *from, const char *to, struct item *it,
           char **cause)
{
    const char *what = verb_names[s->verb], *opt = option_of(s->verb);
    char *word = trimmed(from, to), *colon;
    size_t len = strlen(word);

    if (len == 0) {
        *cause = api->format("%s: %s='%s' item %zu is empty", what, opt, s->text, k);
        api->free(word);
        return AIWB_EINVAL;
    }
    if (s->verb != VERB_RENAME) {
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
    const char *what = verb_names[s->verb], *opt = option_of(s->verb);

    for (size_t k = 0; k < s->n; k++) {
        for (size_t j = 0; j < k; j++) {
            const struct item *a = &s->items[j], *b = &s->items[k];
            if (a->prefix == b->prefix && strcmp(a->name, b->name) == 0) {
                *cause = api->format("%s: %s='%s' names '%s%s' twice", what, opt, s->text, a->name,
                                     a->prefix ? "*" : "");
                return AIWB_EINVAL;
            }
            if (s->verb == VERB_RENAME && strcmp(a->to, b->to) == 0) {
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
parse_list(struct columns *s, enum verb v, const char *text, char **cause)
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
init_verb(void *state, enum verb v, const struct aiwb_options *opts, char **cause)
{
    const char *text = api->opt_str(opts, option_of(v));

    if (text == NULL) {
        *cause = api->format("%s: needs %s", verb_names[v],
                             v == VERB_RENAME ? "map='OLD:NEW,...'" : "columns='NAME,...'");
        return AIWB_EINVAL;
    }
    return parse_list(state, v, text, cause);
}

static int
select_init(void *state, const struct aiwb_options *opts, char **cause)
{
    return init_verb(state, VERB_SELECT, opts, cause);
}

static int
drop_init(void *state, const struct aiwb_options *opts, char **cause)
{
    return init_verb(state, VERB_DROP, opts, cause);
}

static int
rename_init(void *state, const struct aiwb_options *opts, char **cause)
{
    return init_verb(state, VERB_RENAME, opts, cause);
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
no_such_column(const struct columns *s, const struct item *it, const struct aiwb_frame *in,
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

/* Whether column name NAME is what IT stands for. */
static int
matches(const struct item *it, const char *name)
{
    if (it->prefix)
        return strncmp(name, it->name, strlen(it->name)) == 0;
    return strcmp(name, it->name) == 0;
}

/*
 * The columns of IN that S's items stand for, into ORDER (*N of them, each once, in the
 * order of the items; a prefix takes its columns in the frame's order) and CHOSEN (a flag
 * per column). An item that matches no column is an error.
 */
static int
resolve(const struct columns *s, const struct aiwb_frame *in, size_t *order, size_t *n,
        unsigned char *chosen, char **cause)
{
    size_t p = api->frame_cols(in);

    *n = 0;
    memset(chosen, 0, p + 1);
    for (size_t k = 0; k < s->n; k++) {
        const struct item *it = &s->items[k];
        int found = 0;
        for (size_t c = 0; c < p; c++) {
            if (!matches(it, api->frame_col_name(in, c)))
                continue;
            found = 1;
            if (!chosen[c])
                order[(*n)++] = c;
            chosen[c] = 1;
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
    if (rc != AIWB_OK) {
        api->frame_free(f);
        f = NULL;
    }
    *out = f;
    return rc;
}

static int
select_apply(const void *state, const struct aiwb_frame *in, struct aiwb_frame **out, char **cause)
{
    return choose_apply(state, in, 1, out, cause);
}

static int
drop_apply(const void *state, const struct aiwb_frame *in, struct aiwb_frame **out, char **cause)
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

static int
rename_apply(const void *state, const struct aiwb_frame *in, struct aiwb_frame **out, char **cause)
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
    if (rc != AIWB_OK) {
        api->frame_free(f);
        f = NULL;
    }
    *out = f;
    return rc;
}

static int
columns_save(const void *state, struct aiwb_writer *w)
{
    const struct columns *s = state;

    return api->put_str(w, option_of(s->verb), s->text != NULL ? s->text : "");
}

static int
load_verb(void *state, enum verb v, struct aiwb_reader *r, unsigned version, char **cause)
{
    char *text = NULL;
    int rc;

    if (version != STATE_VERSION) {
        *cause = api->format("%s: cannot read state version %u (this plugin reads version %d)",
                             verb_names[v], version, STATE_VERSION);
        return AIWB_EDATA;
    }
    rc = api->get_str(r, option_of(v), &text);
    if (rc == AIWB_OK)
        rc = parse_list(state, v, text, cause);
    api->free(text);
    return rc;
}

static int
select_load(void *state, struct aiwb_reader *r, unsigned version, char **cause)
{
    return load_verb(state, VERB_SELECT, r, version, cause);
}

static int
drop_load(void *state, struct aiwb_reader *r, unsigned version, char **cause)
{
    return load_verb(state, VERB_DROP, r, version, cause);
}

static int
rename_load(void *state, struct aiwb_reader *r, unsigned version, char **cause)
{
    return load_verb(state, VERB_RENAME, r, version, cause);
}

static const struct aiwb_option_spec select_options[] = {
    {.name = "columns",
     .type = AIWB_OPT_STRING,
     .help =
         "the columns to keep, comma-separated, in the order wanted; NAME* stands for every "
         "column whose name starts with NAME (in the frame's order), * alone for all the others "
         "('target,*' moves target first); each column comes out once, where first named"},
    {.name = NULL},
};

static const struct aiwb_option_spec drop_options[] = {
    {.name = "columns",
     .type = AIWB_OPT_STRING,
     .help = "the columns to remove, comma-separated; NAME* stands for every column whose name "
             "starts with NAME"},
    {.name = NULL},
};

static const struct aiwb_option_spec rename_options[] = {
    {.name = "map",
     .type = AIWB_OPT_STRING,
     .help = "the renamings, comma-separated OLD:NEW pairs ('age:years,cty:city'); the names after "
             "renaming must be unique, so a new name may only be one that is renamed away too "
             "('a:b,b:a' swaps)"},
    {.name = NULL},
};

#define COLUMNS_FLAGS (AIWB_CAP_MISSING | AIWB_CAP_CATEGORICAL)

static const struct aiwb_transform_type select_type = {
    .abi_version = AIWB_ABI_VERSION,
    .size = sizeof(struct aiwb_transform_type),
    .name = "select",
    .summary = "keep only the named columns, in the order named",
    .help = "select(columns='price,area,district') keeps those columns in that order;\n"
            "select(columns='x*') keeps every column whose name starts with x. A name that\n"
            "matches no column is an error that lists the columns. Rows and values are\n"
            "left as they are. In `train ... with`, the target is not among the columns.",
    .options = select_options,
    .flags = COLUMNS_FLAGS,
    .state_version = STATE_VERSION,
    .state_size = sizeof(struct columns),
    .init = select_init,
    .apply = select_apply,
    .save = columns_save,
    .load = select_load,
    .fini = columns_fini,
};

static const struct aiwb_transform_type drop_type = {
    .abi_version = AIWB_ABI_VERSION,
    .size = sizeof(struct aiwb_transform_type),
    .name = "drop",
    .summary = "remove the named columns",
    .help = "drop(columns='id,notes') removes those columns; drop(columns='tmp_*') every\n"
            "column whose name starts with tmp_. A name that matches no column is an error\n"
            "that lists the columns, and so is dropping them all.",
    .options = drop_options,
    .flags = COLUMNS_FLAGS,
    .state_version = STATE_VERSION,
    .state_size = sizeof(struct columns),
    .init = drop_init,
    .apply = drop_apply,
    .save = columns_save,
    .load = drop_load,
    .fini = columns_fini,
};

static const struct aiwb_transform_type rename_type = {
    .abi_version = AIWB_ABI_VERSION,
    .size = sizeof(struct aiwb_transform_type),
    .name = "rename",
    .summary = "rename columns (map='old:new,...')",
    .help = "rename(map='cty:city,yrs:age') gives columns new names and keeps their order\n"
            "and values. Renaming a column that does not exist, or onto the name of a\n"
            "column that stays, is an error; map='a:b,b:a' swaps two names.",
    .options = rename_options,
    .flags = COLUMNS_FLAGS,
    .state_version = STATE_VERSION,
    .state_size = sizeof(struct columns),
    .init = rename_init,
    .apply = rename_apply,
    .save = columns_save,
    .load = rename_load,
    .fini = columns_fini,
};

/*
 * The module's entry point: declare the module "columns" and register select, drop and
 * rename. Returns AIWB_OK, or the host's refusal (AIWB_EABI, AIWB_EINVAL).
 */
int
aiwb_plugin_init(struct aiwb_plugin *p, const struct aiwb_host_api *host)
{
    int rc;

    AIWB_PLUGIN_BEGIN(p, host, api, "columns", "1.0.0");
    if ((rc = api->register_transform(p, &select_type)) != AIWB_OK ||
        (rc = api->register_transform(p, &drop_type)) != AIWB_OK)
        return rc;
    return api->register_transform(p, &rename_type);
}
