/*
 * source-serverlog.c - the serverlog source: an exported server's request
 * log (aiwb-server --log FILE) read back as a dataset, one row a prediction,
 * with the labels that came later through POST /feedback joined on.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The log is JSON lines, two kinds of record (server/main.c writes them):
 *
 *   {"id":"3f9a-17","time":"...","model":"m","version":1,
 *    "input":{"x":5.1,...},"output":{"prediction":"a","probabilities":{...}}}
 *   {"feedback":"3f9a-17","time":"...","target":"species","label":"a"}
 *
 * Two passes. The first reads every line: a prediction record becomes a
 * row, in log order; a feedback record is kept aside; a recommendation
 * (its output is an array of items, not one row's prediction) is skipped
 * and counted. The second joins each feedback by id onto the row of its
 * prediction, in log order, so the last label for an id wins; a feedback
 * whose id no prediction has is counted in a warning (the prediction may be
 * in a log rotated away), not an error.
 *
 * The columns, in this order:
 * - the input keys, the union over the rows in order of first appearance,
 *   as the client sent them: a key a row lacks, or null, is missing there;
 *   nested objects and arrays are flattened with dots as the jsonl source
 *   does ({"features":[1,2]} gives features.0 and features.1); true and false
 *   are 1 and 0. A column is numeric when every value is a number,
 *   categorical as soon as one is a string, its numbers then spelt in their
 *   shortest exact form (a warning names the line of the first string when
 *   numbers dominate);
 * - what the model answered, named as `predict` names it: `prediction`
 *   (categorical for a classifier's classes, numeric for a regressor's
 *   values), `p_CLASS` for each class probability, `cluster` (numbered from
 *   1, as `predict` numbers them: the log's 0-based "cluster" plus one) and
 *   a soft clustering's memberships `p_1`..`p_K` (left out when every
 *   membership is 0 or 1), a decomposition's `pc1`..`pcK`, a ranking
 *   model's `score`;
 * - the target, named by the feedback records' "target": the label joined
 *   from the feedback, missing where none came (typed by the same rule as
 *   the inputs); no such column when the log holds no feedback at all;
 * - `id`, `time` (categorical, as logged) and `version` (numeric).
 * An input key that has the target's name is renamed NAME_2 (the labels
 * take the name, so that `eval` finds them); a column of the log that an
 * input key already names is renamed NAME_2 (NAME_3 ...), as `predict` does;
 * each with a warning.
 *
 * The file is read a buffer at a time and each column handed to the frame
 * is freed at once, so a log of a million 20-input predictions (480 MB)
 * loads in about 2.5 s of CPU with a peak of about 380 MB. A name
 * "serverlog:FILE" reads a log whatever its extension (the jsonl source
 * would take a .jsonl one).
 *
 * A line that is not JSON, or a record that lacks what its kind needs,
 * stops the reading with its place ("'live.log' line 7 column 12: ...")
 * unless bad=skip, which skips such lines and says how many in one warning.
 * A last line without its newline that does not parse is the record the
 * server is writing at this moment: it is left out with a warning.
 *
 * There is no follow=true: a label may come for a prediction read long
 * before, and a followed dataset only ever gains rows at its end. Loading
 * the log again reads what the server has written since.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <aiwb/plugin.h>

#include "json.h"

static const struct aiwb_host_api *api;

#define SL_FIRST_ROWS 256        /* the first row capacity; it doubles */
#define SL_READ_STEP (1u << 16)  /* bytes read at a time, at least */
#define SL_FIRST_BUF (1u << 20)  /* the read buffer's first size */
#define SL_SHOW_MAX 40           /* bytes of a value quoted in a message */
#define SL_POLL_LINES (1u << 16) /* lines between two looks at Ctrl-C */

/* What one cell holds. */
enum cell { C_MISSING = 0, C_NUMBER, C_BOOL, C_TEXT };

/* A column being collected: one cell a row, up to the row capacity. */
struct column {
    char *name;
    double *num;         /* numbers and booleans; NaN elsewhere */
    unsigned char *kind; /* enum cell */
    size_t *text;        /* offsets of strings in the arena; NULL until one comes */
    size_t numbers;      /* numbers and booleans */
    size_t texts;        /* strings */
    size_t text_line;    /* the line of the first string */
    size_t text_at;      /* its offset in the arena */
    int membership;      /* p_K of a clustering's memberships */
};

/* The columns of one part of the row (the inputs, the outputs), by name. */
struct table {
    struct column *cols;
    size_t ncols, capcols;
    int32_t *slots; /* open addressing: a column's index, or -1 */
    size_t nslots;
};

/* A feedback record, kept for the join. */
struct feedback {
    size_t id;          /* the prediction's id, in the arena */
    unsigned char kind; /* enum cell of the label */
    double num;
    size_t text; /* a string label, in the arena */
    size_t line;
};

/* Where a cell of the record being read goes. */
enum part { P_INPUT, P_OUTPUT };
enum how { H_PLAIN, H_PLUS_ONE, H_MEMBERSHIP };

/* A cell of the record being read, before the record is known to be good. */
struct pending {
    size_t name; /* offset of its column's name in the scratch names */
    const struct json_value *v;
    unsigned char part, how;
};

/* Why a line is not a record. */
struct bad {
    size_t line;
    size_t column; /* in characters from 1; 0 when it does not apply */
    char *what;    /* allocated with api->alloc */
};

/* A source instance: the host allocates it zeroed. */
struct slog {
    char *name; /* the file as the user named it */
    char *path; /* the file to open */
    int skip;   /* bad=skip */
    struct json_arena ja;
    int ja_ready;
    size_t lines; /* the lines read so far */
    /* the rows */
    struct table in, out;
    struct column target, id, time, version;
    size_t nrows, caprows;
    char *arena; /* the strings, each ended by a NUL */
    size_t arena_len, arena_cap;
    int soft; /* a membership is neither 0 nor 1 */
    /* the feedback */
    char *target_name;
    size_t target_line;
    struct feedback *fb;
    size_t nfb, capfb;
    /* counts */
    size_t recommendations;
    size_t nbad;
    struct bad first_bad;
    /* the record being read */
    struct pending *pend;
    size_t npend, cappend;
    char *names; /* the pending cells' column names, each ended by a NUL */
    size_t names_len, names_cap;
    char *key; /* a flattened key being built */
    size_t key_cap;
    int nested;               /* the input has nested keys: duplicates are possible */
    struct aiwb_frame *first; /* made by open, handed over by next */
};

/* ---------------------------------------------------------------------------
 * Small helpers
 */

/* NUMBER in its shortest form that reads back exactly, as the workbench and
 * the server spell a number as a level. Returns BUF. */
static const char *
number_text(double v, char buf[32])
{
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, 32, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    return buf;
}

/* S made fit for a message: cut to SL_SHOW_MAX bytes at a character
 * boundary, control characters shown as '?'. Returns BUF. */
static const char *
show(const char *s, char *buf, size_t size)
{
    size_t len = strlen(s), o = 0, i = 0, lim = len < SL_SHOW_MAX ? len : SL_SHOW_MAX;

    if (len > lim)
        while (lim > 0 && ((unsigned char)s[lim] & 0xC0) == 0x80)
            lim--;
    for (; i < lim && o + 4 < size; i++) {
        unsigned char c = (unsigned char)s[i];

        buf[o++] = c < 0x20 || c == 0x7f ? '?' : (char)c;
    }
    if (i < len && o + 4 <= size) {
        memcpy(buf + o, "...", 3);
        o += 3;
    }
    buf[o] = '\0';
    return buf;
}

static const char *
plural(size_t n)
{
    return n == 1 ? "" : "s";
}

static void
bad_set(struct bad *b, size_t line, size_t column, char *what)
{
    b->line = line;
    b->column = column;
    b->what = what;
}

static void
bad_clear(struct bad *b)
{
    api->free(b->what);
    b->what = NULL;
}

/* The message for B in file NAME. The caller frees it. */
static char *
bad_message(const char *name, const struct bad *b)
{
    if (b->column > 0)
        return api->format("'%s' line %zu column %zu: %s", name, b->line, b->column, b->what);
    return api->format("'%s' line %zu: %s", name, b->line, b->what);
}

static uint64_t
hash_bytes(const char *s, size_t len)
{
    uint64_t h = 0xcbf29ce484222325ULL;

    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)s[i]) * 0x100000001b3ULL;
    return h;
}

/* Copy S (LEN bytes) into the arena; returns its offset. */
static size_t
arena_put(struct slog *s, const char *str, size_t len)
{
    size_t at = s->arena_len;

    if (s->arena_cap - s->arena_len < len + 1) {
        while (s->arena_cap - s->arena_len < len + 1)
            s->arena_cap = s->arena_cap ? 2 * s->arena_cap : 1 << 16;
        s->arena = api->realloc(s->arena, s->arena_cap);
    }
    memcpy(s->arena + at, str, len);
    s->arena[at + len] = '\0';
    s->arena_len += len + 1;
    return at;
}

/* ---------------------------------------------------------------------------
 * Columns and tables
 */

/* Mark cells FROM..TO-1 of C missing. */
static void
column_clear(struct column *c, size_t from, size_t to)
{
    for (size_t r = from; r < to; r++)
        c->num[r] = NAN;
    memset(c->kind + from, C_MISSING, to - from);
}

/* Make C a column named NAME (LEN bytes) of CAP missing cells. */
static void
column_init(struct column *c, const char *name, size_t len, size_t cap)
{
    memset(c, 0, sizeof(*c));
    c->name = api->alloc(len + 1);
    memcpy(c->name, name, len);
    c->name[len] = '\0';
    c->num = api->alloc((cap ? cap : 1) * sizeof(*c->num));
    c->kind = api->alloc(cap ? cap : 1);
    column_clear(c, 0, cap);
}

/* Grow C from OLD to CAP cells, the new ones missing. */
static void
column_grow(struct column *c, size_t old, size_t cap)
{
    if (c->name == NULL)
        return;
    c->num = api->realloc(c->num, cap * sizeof(*c->num));
    c->kind = api->realloc(c->kind, cap);
    if (c->text != NULL)
        c->text = api->realloc(c->text, cap * sizeof(*c->text));
    column_clear(c, old, cap);
}

static void
column_release(struct column *c)
{
    api->free(c->name);
    api->free(c->num);
    api->free(c->kind);
    api->free(c->text);
    memset(c, 0, sizeof(*c));
}

/* Free the cells of C, handed over to the frame (its name stays, for
 * free_name). */
static void
column_done(struct column *c)
{
    api->free(c->num);
    api->free(c->kind);
    api->free(c->text);
    c->num = NULL;
    c->kind = NULL;
    c->text = NULL;
}

/* Put every column of T into a fresh hash table of at least 2 * ncols slots. */
static void
rehash(struct table *t)
{
    size_t n = 64;

    while (n < 2 * (t->ncols + 1))
        n *= 2;
    api->free(t->slots);
    t->slots = api->alloc(n * sizeof(*t->slots));
    t->nslots = n;
    for (size_t i = 0; i < n; i++)
        t->slots[i] = -1;
    for (size_t c = 0; c < t->ncols; c++) {
        const char *name = t->cols[c].name;
        size_t i = (size_t)hash_bytes(name, strlen(name)) & (n - 1);

        while (t->slots[i] >= 0)
            i = (i + 1) & (n - 1);
        t->slots[i] = (int32_t)c;
    }
}

/* The slot of the column named NAME in T, or the empty slot it would take. */
static size_t
slot_of(const struct table *t, const char *name)
{
    size_t i = (size_t)hash_bytes(name, strlen(name)) & (t->nslots - 1);

    while (t->slots[i] >= 0 && strcmp(t->cols[t->slots[i]].name, name) != 0)
        i = (i + 1) & (t->nslots - 1);
    return i;
}

/* Whether T has a column named NAME. */
static int
table_has(const struct table *t, const char *name)
{
    return t->nslots > 0 && t->slots[slot_of(t, name)] >= 0;
}

/* The column named NAME of T, added (all CAP cells missing) if new. */
static struct column *
table_column(struct table *t, const char *name, size_t cap)
{
    size_t i;

    if (t->slots == NULL)
        rehash(t);
    i = slot_of(t, name);
    if (t->slots[i] >= 0)
        return &t->cols[t->slots[i]];
    if (t->ncols == t->capcols) {
        t->capcols = t->capcols ? 2 * t->capcols : 16;
        t->cols = api->realloc(t->cols, t->capcols * sizeof(*t->cols));
    }
    column_init(&t->cols[t->ncols], name, strlen(name), cap);
    t->ncols++;
    if (2 * t->ncols > t->nslots)
        rehash(t);
    else
        t->slots[i] = (int32_t)(t->ncols - 1);
    return &t->cols[t->ncols - 1];
}

static void
table_release(struct table *t)
{
    for (size_t i = 0; i < t->ncols; i++)
        column_release(&t->cols[i]);
    api->free(t->cols);
    api->free(t->slots);
    memset(t, 0, sizeof(*t));
}

/* Room for one more row in every column. */
static void
reserve_row(struct slog *s)
{
    struct column *fixed[] = {&s->id, &s->time, &s->version};
    size_t cap;

    if (s->nrows < s->caprows)
        return;
    cap = s->caprows ? 2 * s->caprows : SL_FIRST_ROWS;
    for (size_t i = 0; i < s->in.ncols; i++)
        column_grow(&s->in.cols[i], s->caprows, cap);
    for (size_t i = 0; i < s->out.ncols; i++)
        column_grow(&s->out.cols[i], s->caprows, cap);
    for (size_t i = 0; i < sizeof(fixed) / sizeof(*fixed); i++)
        column_grow(fixed[i], s->caprows, cap);
    s->caprows = cap;
}

/* Give cell ROW of C the scalar V (a number, a boolean, a string or null),
 * read at line LINE. PLUS_ONE adds one to a number. */
static void
put_cell(struct slog *s, struct column *c, size_t row, const struct json_value *v, size_t line,
         int plus_one)
{
    switch (v->type) {
    case JSON_TYPE_NUMBER:
        c->num[row] = json_double(v) + (plus_one ? 1 : 0);
        c->kind[row] = C_NUMBER;
        c->numbers++;
        break;
    case JSON_TYPE_BOOL:
        c->num[row] = json_bool(v);
        c->kind[row] = C_BOOL;
        c->numbers++;
        break;
    case JSON_TYPE_STRING:
        if (c->text == NULL)
            c->text = api->alloc((s->caprows ? s->caprows : 1) * sizeof(*c->text));
        c->text[row] = arena_put(s, json_str(v), json_str_len(v));
        c->kind[row] = C_TEXT;
        if (c->texts++ == 0) {
            c->text_line = line;
            c->text_at = c->text[row];
        }
        break;
    default: /* null: missing, but the key makes a column */
        break;
    }
}

/* ---------------------------------------------------------------------------
 * Reading one record
 */

/* The line being read: its text, for the columns of its values. */
struct line {
    const char *text;
    size_t len;
    size_t no;
};

/* Set *B to WHAT (printf-like) at value V of line L (no column if V is NULL). */
static int bad_at(struct bad *b, const struct line *l, const struct json_value *v, const char *fmt,
                  ...) AIWB_PRINTF(4, 5);

static int
bad_at(struct bad *b, const struct line *l, const struct json_value *v, const char *fmt, ...)
{
    unsigned long line = 0, column = 0;
    char msg[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (v != NULL)
        json_locate(l->text, l->len, v->pos, &line, &column);
    bad_set(b, l->no, column, api->strdup(msg));
    return AIWB_EDATA;
}

/* "a string", "an object" ... for messages. */
static const char *
kind_of(const struct json_value *v)
{
    static const char *const names[] = {"null",     "a boolean", "a number",
                                        "a string", "an array",  "an object"};

    return v->type <= JSON_TYPE_OBJECT ? names[v->type] : "something else";
}

/* Queue the cell V of column NAME (LEN bytes) in PART. */
static void
pend(struct slog *s, const char *name, size_t len, const struct json_value *v, enum part part,
     enum how how)
{
    struct pending *p;

    if (s->npend == s->cappend) {
        s->cappend = s->cappend ? 2 * s->cappend : 64;
        s->pend = api->realloc(s->pend, s->cappend * sizeof(*s->pend));
    }
    if (s->names_cap - s->names_len < len + 1) {
        while (s->names_cap - s->names_len < len + 1)
            s->names_cap = s->names_cap ? 2 * s->names_cap : 4096;
        s->names = api->realloc(s->names, s->names_cap);
    }
    p = &s->pend[s->npend++];
    p->name = s->names_len;
    memcpy(s->names + s->names_len, name, len);
    s->names[s->names_len + len] = '\0';
    s->names_len += len + 1;
    p->v = v;
    p->part = (unsigned char)part;
    p->how = (unsigned char)how;
}

/* Make room for NEED bytes of the flattened key. */
static void
key_reserve(struct slog *s, size_t need)
{
    if (need <= s->key_cap)
        return;
    while (s->key_cap < need)
        s->key_cap = s->key_cap ? 2 * s->key_cap : 256;
    s->key = api->realloc(s->key, s->key_cap);
}

/* Queue the leaves of input value V under the key's first LEN bytes. */
static void
flatten(struct slog *s, const struct json_value *v, size_t len)
{
    struct json_iter it;
    const struct json_value *k, *item;
    size_t i = 0;

    if (v->type != JSON_TYPE_OBJECT && v->type != JSON_TYPE_ARRAY) {
        pend(s, s->key, len, v, P_INPUT, H_PLAIN);
        return;
    }
    json_iter_init(&it, v);
    while (json_iter_next(&it, &k, &item)) {
        char digits[24];
        const char *part = digits;
        size_t plen, at = len > 0 ? len + 1 : 0;

        if (k != NULL) {
            part = json_str(k);
            plen = json_str_len(k);
        } else {
            plen = (size_t)snprintf(digits, sizeof(digits), "%zu", i);
        }
        i++;
        if (item->type == JSON_TYPE_OBJECT || item->type == JSON_TYPE_ARRAY)
            s->nested = 1;
        key_reserve(s, at + plen + 1);
        if (len > 0)
            s->key[len] = '.';
        memcpy(s->key + at, part, plen);
        flatten(s, item, at + plen);
    }
}

static int
by_name(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The first input column name queued twice (possible once nested keys are
 * joined with dots: "a.b" and {"a":{"b":..}}), or NULL. */
static const char *
duplicate_input(struct slog *s)
{
    const char **names, *dup = NULL;
    size_t n = 0;

    if (!s->nested || s->npend < 2)
        return NULL;
    names = api->alloc(s->npend * sizeof(*names));
    for (size_t i = 0; i < s->npend; i++)
        if (s->pend[i].part == P_INPUT)
            names[n++] = s->names + s->pend[i].name;
    qsort(names, n, sizeof(*names), by_name);
    for (size_t i = 1; i < n && dup == NULL; i++)
        if (strcmp(names[i - 1], names[i]) == 0)
            dup = names[i];
    api->free(names);
    return dup;
}

/* Queue the numbers of array V as columns PREFIX1, PREFIX2 ... */
static int
pend_array(struct slog *s, const struct line *l, const struct json_value *v, const char *field,
           const char *prefix, enum how how, struct bad *b)
{
    struct json_iter it;
    const struct json_value *item;
    size_t i = 0;

    if (v->type != JSON_TYPE_ARRAY)
        return bad_at(b, l, v, "field 'output.%s': expected an array of numbers, found %s", field,
                      kind_of(v));
    json_iter_init(&it, v);
    while (json_iter_next(&it, NULL, &item)) {
        char name[48];
        int n = snprintf(name, sizeof(name), "%s%zu", prefix, ++i);

        if (item->type != JSON_TYPE_NUMBER && item->type != JSON_TYPE_NULL)
            return bad_at(b, l, item, "field 'output.%s': expected numbers, found %s", field,
                          kind_of(item));
        pend(s, name, (size_t)n, item, P_OUTPUT, how);
    }
    return AIWB_OK;
}

/* Queue what a model answered: the members of OUTPUT that make columns. */
static int
pend_output(struct slog *s, const struct line *l, const struct json_value *output, struct bad *b)
{
    struct json_iter it;
    const struct json_value *k, *v;

    json_iter_init(&it, output);
    while (json_iter_next(&it, &k, &v)) {
        const char *key = json_str(k);
        int number = v->type == JSON_TYPE_NUMBER || v->type == JSON_TYPE_NULL;

        if (strcmp(key, "prediction") == 0) {
            if (!number && v->type != JSON_TYPE_STRING)
                return bad_at(b, l, v,
                              "field 'output.prediction': expected a number or a string, "
                              "found %s",
                              kind_of(v));
            pend(s, "prediction", 10, v, P_OUTPUT, H_PLAIN);
        } else if (strcmp(key, "probabilities") == 0) {
            struct json_iter pit;
            const struct json_value *cls, *p;

            if (v->type != JSON_TYPE_OBJECT)
                return bad_at(b, l, v,
                              "field 'output.probabilities': expected an object of numbers, "
                              "found %s",
                              kind_of(v));
            json_iter_init(&pit, v);
            while (json_iter_next(&pit, &cls, &p)) {
                char shown[SL_SHOW_MAX + 8];

                if (p->type != JSON_TYPE_NUMBER && p->type != JSON_TYPE_NULL)
                    return bad_at(b, l, p,
                                  "field 'output.probabilities.%s': expected a number, found %s",
                                  show(json_str(cls), shown, sizeof(shown)), kind_of(p));
                key_reserve(s, json_str_len(cls) + 3);
                memcpy(s->key, "p_", 2);
                memcpy(s->key + 2, json_str(cls), json_str_len(cls));
                pend(s, s->key, json_str_len(cls) + 2, p, P_OUTPUT, H_PLAIN);
            }
        } else if (strcmp(key, "cluster") == 0 || strcmp(key, "score") == 0) {
            int cluster = key[0] == 'c';

            if (!number)
                return bad_at(b, l, v, "field 'output.%s': expected a number, found %s", key,
                              kind_of(v));
            pend(s, key, strlen(key), v, P_OUTPUT, cluster ? H_PLUS_ONE : H_PLAIN);
        } else if (strcmp(key, "membership") == 0) {
            if (pend_array(s, l, v, key, "p_", H_MEMBERSHIP, b) < 0)
                return AIWB_EDATA;
        } else if (strcmp(key, "components") == 0) {
            if (pend_array(s, l, v, key, "pc", H_PLAIN, b) < 0)
                return AIWB_EDATA;
        }
        /* other members (a later server's) make no column */
    }
    return AIWB_OK;
}

/* Add the queued cells, with ID, TIME and VERSION, as a new row. */
static void
commit_row(struct slog *s, size_t line, const struct json_value *id, const struct json_value *time,
           const struct json_value *version)
{
    size_t row = s->nrows;

    reserve_row(s);
    if (s->id.name == NULL) {
        column_init(&s->id, "id", 2, s->caprows);
        column_init(&s->time, "time", 4, s->caprows);
        column_init(&s->version, "version", 7, s->caprows);
    }
    for (size_t i = 0; i < s->npend; i++) {
        const struct pending *p = &s->pend[i];
        struct table *t = p->part == P_INPUT ? &s->in : &s->out;
        struct column *c = table_column(t, s->names + p->name, s->caprows);

        if (p->how == H_MEMBERSHIP) {
            double m = json_double(p->v);

            c->membership = 1;
            if (p->v->type == JSON_TYPE_NUMBER && m != 0 && m != 1)
                s->soft = 1;
        }
        put_cell(s, c, row, p->v, line, p->how == H_PLUS_ONE);
    }
    put_cell(s, &s->id, row, id, line, 0);
    if (time != NULL)
        put_cell(s, &s->time, row, time, line, 0);
    if (version != NULL)
        put_cell(s, &s->version, row, version, line, 0);
    s->nrows++;
}

/* A prediction record: a row, or a recommendation skipped. */
static int
read_prediction(struct slog *s, const struct line *l, const struct json_value *rec, struct bad *b)
{
    const struct json_value *id = json_member(rec, "id"), *input = json_member(rec, "input");
    const struct json_value *output = json_member(rec, "output");
    const struct json_value *time = json_member(rec, "time"),
                            *version = json_member(rec, "version");
    const char *dup;

    if (id == NULL || input == NULL || output == NULL)
        return bad_at(b, l, NULL,
                      "field '%s' is missing (a prediction record has \"id\", \"input\" and "
                      "\"output\"; a feedback record \"feedback\", \"target\" and \"label\")",
                      id == NULL      ? "id"
                      : input == NULL ? "input"
                                      : "output");
    if (id->type != JSON_TYPE_STRING)
        return bad_at(b, l, id, "field 'id': expected a string, found %s", kind_of(id));
    if (input->type != JSON_TYPE_OBJECT)
        return bad_at(b, l, input, "field 'input': expected an object, found %s", kind_of(input));
    if (time != NULL && time->type != JSON_TYPE_STRING && time->type != JSON_TYPE_NULL)
        return bad_at(b, l, time, "field 'time': expected a string, found %s", kind_of(time));
    if (version != NULL && version->type != JSON_TYPE_NUMBER && version->type != JSON_TYPE_NULL)
        return bad_at(b, l, version, "field 'version': expected a number, found %s",
                      kind_of(version));
    if (output->type == JSON_TYPE_ARRAY) {
        s->recommendations++; /* a recommender's items: no row of its own */
        return AIWB_OK;
    }
    if (output->type != JSON_TYPE_OBJECT)
        return bad_at(b, l, output,
                      "field 'output': expected an object (or a recommendation's array), "
                      "found %s",
                      kind_of(output));
    s->npend = 0;
    s->names_len = 0;
    s->nested = 0;
    flatten(s, input, 0);
    if ((dup = duplicate_input(s)) != NULL) {
        char shown[SL_SHOW_MAX + 8];

        return bad_at(b, l, input,
                      "field 'input': key '%s' twice once nested keys are joined "
                      "with dots",
                      show(dup, shown, sizeof(shown)));
    }
    if (pend_output(s, l, output, b) < 0)
        return AIWB_EDATA;
    commit_row(s, l->no, id, time, version);
    return AIWB_OK;
}

/* A feedback record: kept for the join. */
static int
read_feedback(struct slog *s, const struct line *l, const struct json_value *rec, struct bad *b)
{
    const struct json_value *id = json_member(rec, "feedback"), *label = json_member(rec, "label");
    const struct json_value *target = json_member(rec, "target");
    struct feedback *f;

    if (id->type != JSON_TYPE_STRING)
        return bad_at(b, l, id,
                      "field 'feedback': expected the id of a prediction (a string), "
                      "found %s",
                      kind_of(id));
    if (target == NULL || label == NULL)
        return bad_at(b, l, NULL,
                      "field '%s' is missing (a feedback record has \"feedback\", \"target\" and "
                      "\"label\")",
                      target == NULL ? "target" : "label");
    if (target->type != JSON_TYPE_STRING || json_str_len(target) == 0)
        return bad_at(b, l, target, "field 'target': expected the target's name, found %s",
                      target->type == JSON_TYPE_STRING ? "\"\"" : kind_of(target));
    if (label->type != JSON_TYPE_NUMBER && label->type != JSON_TYPE_STRING)
        return bad_at(b, l, label, "field 'label': expected a number or a string, found %s",
                      kind_of(label));
    if (s->target_name == NULL) {
        s->target_name = api->strdup(json_str(target));
        s->target_line = l->no;
    } else if (strcmp(s->target_name, json_str(target)) != 0) {
        char shown[SL_SHOW_MAX + 8];

        return bad_at(b, l, target,
                      "feedback for the target '%s', but line %zu's was for '%s' (one log, one "
                      "target)",
                      show(json_str(target), shown, sizeof(shown)), s->target_line, s->target_name);
    }
    if (s->nfb == s->capfb) {
        s->capfb = s->capfb ? 2 * s->capfb : 256;
        s->fb = api->realloc(s->fb, s->capfb * sizeof(*s->fb));
    }
    f = &s->fb[s->nfb++];
    memset(f, 0, sizeof(*f));
    f->id = arena_put(s, json_str(id), json_str_len(id));
    f->line = l->no;
    if (label->type == JSON_TYPE_NUMBER) {
        f->kind = C_NUMBER;
        f->num = json_double(label);
    } else {
        f->kind = C_TEXT;
        f->text = arena_put(s, json_str(label), json_str_len(label));
    }
    return AIWB_OK;
}

/* Read line L as a record. Returns AIWB_OK, or AIWB_EDATA with *B set (and
 * nothing of the line kept) and *CUT set when the JSON ended too soon. */
static int
read_record(struct slog *s, const struct line *l, struct bad *b, int *cut)
{
    struct json_error e;
    const struct json_value *rec;

    if (!s->ja_ready) {
        json_arena_init(&s->ja, NULL, 0);
        s->ja_ready = 1;
    }
    rec = json_parse(&s->ja, l->text, l->len, NULL, &e);
    if (rec == NULL) {
        *cut = e.offset >= l->len;
        bad_set(b, l->no, e.column, api->strdup(e.message));
        return AIWB_EDATA;
    }
    if (rec->type != JSON_TYPE_OBJECT)
        return bad_at(b, l, rec, "expected a record (an object), found %s", kind_of(rec));
    if (json_member(rec, "feedback") != NULL)
        return read_feedback(s, l, rec, b);
    return read_prediction(s, l, rec, b);
}

/* ---------------------------------------------------------------------------
 * Reading the file
 */

/* Count a skipped line, keeping the first one's reason. */
static void
note_bad(struct slog *s, struct bad *b)
{
    if (s->nbad++ == 0)
        s->first_bad = *b;
    else
        bad_clear(b);
    b->what = NULL;
}

static int
is_blank(const char *p, const char *end)
{
    for (; p < end; p++)
        if (*p != ' ' && *p != '\t' && *p != '\r')
            return 0;
    return 1;
}

/*
 * Read the records of the lines in [BUF, BUF+LEN), counting them in
 * s->lines. Without FINAL a last line with no newline is left for later.
 * Sets *USED to the bytes taken. Returns AIWB_OK, or a negative status with
 * *cause set.
 */
static int
read_lines(struct slog *s, const char *buf, size_t len, int final, size_t *used, char **cause)
{
    const char *p = buf, *end = buf + len;

    *used = 0;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p)), *eol = nl ? nl : end;
        struct line l = {p, (size_t)(eol - p), s->lines + 1};
        struct bad b = {0};
        int cut = 0;

        if (nl == NULL && !final)
            break;
        p = nl ? nl + 1 : end;
        *used = (size_t)(p - buf);
        if (++s->lines % SL_POLL_LINES == 0 && api->interrupted()) {
            *cause = api->format("'%s': reading stopped at line %zu", s->name, s->lines);
            return AIWB_ECANCELED;
        }
        if (is_blank(l.text, eol) || read_record(s, &l, &b, &cut) == AIWB_OK)
            continue;
        if (nl == NULL && cut) {
            /* A last line without its newline: the server is writing it. */
            api->log(AIWB_LOG_WARN,
                     "'%s' line %zu: left out an incomplete last line (the server may be "
                     "writing it): %s",
                     s->name, l.no, b.what);
            bad_clear(&b);
            break;
        }
        if (!s->skip) {
            *cause = bad_message(s->name, &b);
            bad_clear(&b);
            return AIWB_EDATA;
        }
        note_bad(s, &b);
    }
    return AIWB_OK;
}

/*
 * Read the file's records a buffer at a time (the buffer grows only for a
 * line longer than it), so that a large log never sits in memory whole.
 * Returns AIWB_OK, or a negative status with *cause set.
 */
static int
read_file(struct slog *s, char **cause)
{
    struct stat st;
    char *buf = NULL;
    size_t len = 0, cap = 0, used, total = 0;
    int fd = open(s->path, O_RDONLY | O_CLOEXEC), rc = AIWB_OK, e;

    if (fd < 0) {
        *cause = api->format("cannot open '%s': %s", s->name, strerror(errno));
        return AIWB_EIO;
    }
    e = fstat(fd, &st) != 0 ? errno : S_ISDIR(st.st_mode) ? EISDIR : 0;
    while (e == 0) {
        ssize_t got;

        if (cap - len < SL_READ_STEP) {
            cap = cap ? 2 * cap : SL_FIRST_BUF;
            buf = api->realloc(buf, cap);
        }
        got = read(fd, buf + len, cap - len);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            e = errno;
            break;
        }
        if (total == 0 && got >= 2 && (unsigned char)buf[0] == 0x1f &&
            (unsigned char)buf[1] == 0x8b) {
            *cause =
                api->format("'%s' is gzip-compressed: uncompress it first (gunzip -k)", s->name);
            rc = AIWB_EDATA;
            break;
        }
        total += (size_t)got;
        len += (size_t)got;
        if ((rc = read_lines(s, buf, len, got == 0, &used, cause)) < 0 || got == 0)
            break;
        memmove(buf, buf + used, len - used);
        len -= used;
    }
    close(fd);
    api->free(buf);
    if (e != 0) {
        *cause = api->format("cannot read '%s': %s", s->name, strerror(e));
        return AIWB_EIO;
    }
    if (rc == AIWB_OK && total == 0) {
        *cause = api->format("'%s' is empty", s->name);
        rc = AIWB_EDATA;
    }
    return rc;
}

/* ---------------------------------------------------------------------------
 * The join
 */

/*
 * Give each row the label of its feedback records (the last one wins).
 * Returns the rows labelled; counts in *UNKNOWN the feedback whose id no
 * row has (*FIRST_UNKNOWN the line of the first), in *RELABELLED the rows
 * labelled more than once and in *DUPS the ids that several rows share
 * (the label goes to the last of them).
 */
static size_t
join(struct slog *s, size_t *unknown, size_t *first_unknown, size_t *relabelled, size_t *dups)
{
    size_t nslots = 64, labelled = 0;
    size_t *slots; /* 1 + a row, or 0 */
    struct column *t = &s->target;

    *unknown = *first_unknown = *relabelled = *dups = 0;
    while (nslots < 2 * s->nrows)
        nslots *= 2;
    slots = api->calloc(nslots, sizeof(*slots));
    for (size_t r = 0; r < s->nrows; r++) {
        const char *id = s->arena + s->id.text[r];
        size_t i = (size_t)hash_bytes(id, strlen(id)) & (nslots - 1);

        while (slots[i] != 0 && strcmp(s->arena + s->id.text[slots[i] - 1], id) != 0)
            i = (i + 1) & (nslots - 1);
        *dups += slots[i] != 0;
        slots[i] = r + 1;
    }
    column_init(t, s->target_name, strlen(s->target_name), s->nrows);
    for (size_t k = 0; k < s->nfb; k++) {
        const struct feedback *f = &s->fb[k];
        const char *id = s->arena + f->id;
        size_t i = (size_t)hash_bytes(id, strlen(id)) & (nslots - 1), r;

        while (slots[i] != 0 && strcmp(s->arena + s->id.text[slots[i] - 1], id) != 0)
            i = (i + 1) & (nslots - 1);
        if (slots[i] == 0) {
            if ((*unknown)++ == 0)
                *first_unknown = f->line;
            continue;
        }
        r = slots[i] - 1;
        if (t->kind[r] == C_MISSING)
            labelled++;
        else
            (*relabelled)++;
        if (t->kind[r] == C_TEXT)
            t->texts--;
        else if (t->kind[r] != C_MISSING)
            t->numbers--;
        if (f->kind == C_TEXT) {
            if (t->text == NULL)
                t->text = api->alloc((s->nrows ? s->nrows : 1) * sizeof(*t->text));
            t->text[r] = f->text;
            t->num[r] = NAN;
            if (t->texts++ == 0 && t->text_line == 0) {
                t->text_line = f->line;
                t->text_at = f->text;
            }
        } else {
            t->num[r] = f->num;
            t->numbers++;
        }
        t->kind[r] = f->kind;
    }
    api->free(slots);
    return labelled;
}

/* Say what the join found that the user should know. */
static void
report_join(struct slog *s)
{
    size_t unknown, first_unknown, relabelled, dups;

    join(s, &unknown, &first_unknown, &relabelled, &dups);
    if (unknown > 0)
        api->log(AIWB_LOG_WARN,
                 "'%s': %zu feedback record%s for a prediction the log does not hold (the "
                 "first at line %zu): not joined",
                 s->name, unknown, plural(unknown), first_unknown);
    if (dups > 0)
        api->log(AIWB_LOG_WARN,
                 "'%s': %zu prediction%s with the id of an earlier one: a label joins the last "
                 "prediction of its id",
                 s->name, dups, plural(dups));
    if (relabelled > 0)
        api->log(AIWB_LOG_INFO,
                 "'%s': %zu more label%s for a prediction already labelled: "
                 "the last label kept",
                 s->name, relabelled, plural(relabelled));
}

/* ---------------------------------------------------------------------------
 * The frame
 */

/* Say so when a column of mostly numbers became categorical. */
static void
warn_mixed(const struct slog *s, const struct column *c, const char *name)
{
    char shown[SL_SHOW_MAX + 8];

    if (c->texts == 0 || c->numbers <= c->texts)
        return;
    api->log(AIWB_LOG_WARN,
             "'%s': column '%s' read as categorical: line %zu has '%s' (%zu of %zu values %s)",
             s->name, name, c->text_line, show(s->arena + c->text_at, shown, sizeof(shown)),
             c->texts, c->numbers + c->texts,
             c->texts == 1 ? "is not a number" : "are not numbers");
}

/* Add column C to F as NAME: numeric without strings, else categorical.
 * Returns AIWB_OK, or AIWB_EDATA with *cause set. */
static int
emit(struct slog *s, struct aiwb_frame *f, struct column *c, const char *name, char **cause)
{
    size_t ci = api->frame_cols(f);
    int32_t *codes = NULL;
    double *x = NULL;

    if (c->texts == 0 && (x = api->frame_add_numeric(f, name)) != NULL) {
        memcpy(x, c->num, s->nrows * sizeof(*x));
        column_done(c);
        return AIWB_OK;
    }
    if (x == NULL && c->texts > 0)
        codes = api->frame_add_categorical(f, name);
    if (codes == NULL) { /* the names are made unique above: a bug if it happens */
        *cause = api->format("'%s': two columns named '%s'", s->name, name);
        return AIWB_EDATA;
    }
    for (size_t r = 0; r < s->nrows; r++) {
        char buf[32];
        const char *text;

        switch (c->kind[r]) {
        case C_MISSING:
            codes[r] = AIWB_NA_CODE;
            continue;
        case C_NUMBER:
            text = number_text(c->num[r], buf);
            break;
        case C_BOOL:
            text = c->num[r] != 0 ? "true" : "false";
            break;
        default:
            text = s->arena + c->text[r];
            break;
        }
        if ((codes[r] = api->frame_level_intern(f, ci, text, strlen(text))) < 0) {
            *cause = api->format("'%s': column '%s' has too many distinct values", s->name, name);
            return AIWB_EDATA;
        }
    }
    warn_mixed(s, c, name);
    column_done(c);
    return AIWB_OK;
}

/* NAME, or NAME_2, NAME_3 ... the first that F does not have and that is not
 * RESERVED (nor an input key when AVOID_INPUTS). A new string. */
static char *
free_name(const struct slog *s, const struct aiwb_frame *f, const char *name, const char *reserved,
          int avoid_inputs)
{
    char *n = api->strdup(name);

    for (int k = 2; api->frame_find(f, n) >= 0 || (reserved != NULL && strcmp(n, reserved) == 0) ||
                    (avoid_inputs && table_has(&s->in, n));
         k++) {
        api->free(n);
        n = api->format("%s_%d", name, k);
    }
    return n;
}

/* Add C to F under its own name or, if taken, a free one (saying so). */
static int
emit_generated(struct slog *s, struct aiwb_frame *f, struct column *c, const char *reserved,
               char **cause)
{
    char *name = free_name(s, f, c->name, reserved, 0);
    int rc;

    if (strcmp(name, c->name) != 0)
        api->log(AIWB_LOG_WARN, "'%s': the log's '%s' read as column '%s' (%s has the name)",
                 s->name, c->name, name,
                 reserved != NULL && strcmp(c->name, reserved) == 0 ? "the target"
                                                                    : "an input key");
    rc = emit(s, f, c, name, cause);
    api->free(name);
    return rc;
}

/* The rows as a new frame in *OUT (the host owns it). */
static int
make_frame(struct slog *s, struct aiwb_frame **out, char **cause)
{
    struct aiwb_frame *f = api->frame_new(s->nrows);
    const char *target = s->target_name;
    int rc = AIWB_OK;

    for (size_t i = 0; i < s->in.ncols && rc == AIWB_OK; i++) {
        struct column *c = &s->in.cols[i];

        if (target != NULL && strcmp(c->name, target) == 0) {
            char *name = free_name(s, f, c->name, target, 1);

            api->log(AIWB_LOG_WARN,
                     "'%s': input key '%s' read as column '%s' (the feedback "
                     "labels' column is '%s')",
                     s->name, c->name, name, target);
            rc = emit(s, f, c, name, cause);
            api->free(name);
        } else {
            rc = emit(s, f, c, c->name, cause);
        }
    }
    for (size_t i = 0; i < s->out.ncols && rc == AIWB_OK; i++)
        if (!s->out.cols[i].membership || s->soft)
            rc = emit_generated(s, f, &s->out.cols[i], target, cause);
    if (rc == AIWB_OK && target != NULL)
        rc = emit(s, f, &s->target, target, cause);
    if (rc == AIWB_OK)
        rc = emit_generated(s, f, &s->id, NULL, cause);
    if (rc == AIWB_OK)
        rc = emit_generated(s, f, &s->time, NULL, cause);
    if (rc == AIWB_OK)
        rc = emit_generated(s, f, &s->version, NULL, cause);
    if (rc < 0) {
        api->frame_free(f);
        return rc;
    }
    *out = f;
    return AIWB_OK;
}

/* ---------------------------------------------------------------------------
 * The source
 */

/* Free what the reading needed, keeping the name and the frame. */
static void
release_rows(struct slog *s)
{
    table_release(&s->in);
    table_release(&s->out);
    column_release(&s->target);
    column_release(&s->id);
    column_release(&s->time);
    column_release(&s->version);
    api->free(s->arena);
    api->free(s->target_name);
    api->free(s->fb);
    api->free(s->pend);
    api->free(s->names);
    api->free(s->key);
    bad_clear(&s->first_bad);
    if (s->ja_ready)
        json_arena_release(&s->ja);
    s->arena = s->target_name = s->names = s->key = NULL;
    s->fb = NULL;
    s->pend = NULL;
    s->ja_ready = 0;
}

/* The one warning about the lines skipped (bad=skip). */
static void
warn_skipped(struct slog *s)
{
    struct bad *b = &s->first_bad;
    char *where;

    if (s->nbad == 0)
        return;
    where = b->column > 0 ? api->format("line %zu column %zu", b->line, b->column)
                          : api->format("line %zu", b->line);
    api->log(AIWB_LOG_WARN, "'%s': skipped %zu malformed line%s, the first at %s: %s", s->name,
             s->nbad, plural(s->nbad), where, b->what);
    api->free(where);
    bad_clear(b);
}

/* The file name in URI: "serverlog:x.jsonl" (a log of another name),
 * "file:x.log", "file://x.log" or a plain path. */
static const char *
uri_path(const char *uri)
{
    if (strncmp(uri, "serverlog:", 10) == 0)
        return uri + 10;
    if (strncmp(uri, "file://", 7) == 0)
        return uri + 7;
    if (strncmp(uri, "file:", 5) == 0)
        return uri + 5;
    return uri;
}

static int
slog_open(void *state, const char *uri, const struct aiwb_options *opts, char **cause)
{
    struct slog *s = state;
    const char *bad = api->opt_str(opts, "bad");
    int rc;

    s->path = api->strdup(uri_path(uri));
    s->name = api->strdup(strncmp(uri, "serverlog:", 10) == 0 ? s->path : uri);
    s->skip = bad != NULL && strcmp(bad, "skip") == 0;
    if ((rc = read_file(s, cause)) < 0)
        goto out;
    warn_skipped(s);
    if (s->recommendations > 0)
        api->log(AIWB_LOG_INFO,
                 "'%s': skipped %zu recommendation%s (a list of items is no row of the "
                 "dataset)",
                 s->name, s->recommendations, plural(s->recommendations));
    if (s->nrows == 0) {
        *cause = s->nfb + s->recommendations > 0
                     ? api->format("'%s' holds no predictions to read (%zu feedback record%s, "
                                   "%zu recommendation%s)",
                                   s->name, s->nfb, plural(s->nfb), s->recommendations,
                                   plural(s->recommendations))
                     : api->format("'%s' holds no records", s->name);
        rc = AIWB_EDATA;
        goto out;
    }
    if (s->target_name != NULL)
        report_join(s);
    rc = make_frame(s, &s->first, cause);
out:
    release_rows(s);
    return rc;
}

static int
slog_next(void *state, struct aiwb_frame **batch, char **cause)
{
    struct slog *s = state;
    size_t rows;

    (void)cause;
    if (s->first == NULL)
        return 0;
    rows = api->frame_rows(s->first);
    *batch = s->first;
    s->first = NULL;
    return rows < INT_MAX ? (int)rows : INT_MAX;
}

static void
slog_close(void *state)
{
    struct slog *s = state;

    api->frame_free(s->first);
    release_rows(s);
    api->free(s->name);
    api->free(s->path);
    memset(s, 0, sizeof(*s));
}

static const struct aiwb_option_spec slog_options[] = {
    {.name = "bad",
     .type = AIWB_OPT_CHOICE,
     .def = "error",
     .choices = "error|skip",
     .help = "a malformed line stops the reading with its place (error), or is skipped and "
             "counted in one warning (skip)"},
    {.name = NULL},
};

static const struct aiwb_source_type slog_type = {
    .abi_version = AIWB_ABI_VERSION,
    .size = sizeof(struct aiwb_source_type),
    .name = "serverlog",
    .summary = "an exported server's request log (--log), feedback labels joined",
    .help = "The log aiwb-server writes with --log FILE: a row for each prediction, in log\n"
            "order, with the label that POST /feedback later gave it (the last one for an\n"
            "id wins; feedback for an id the log does not hold is counted in a warning).\n"
            "Columns: the input keys as clients sent them (the union, in order of first\n"
            "appearance; nested keys dotted as in jsonl; numeric unless a value is a\n"
            "string), then what the model answered, named as `predict` names it:\n"
            "prediction, p_CLASS, cluster (from 1) with soft memberships p_1.., pc1..,\n"
            "score; then the target named by the feedback records, missing where no label\n"
            "came (no such column without feedback); then id, time and version. An input\n"
            "key with the target's name becomes NAME_2, a log column an input key has\n"
            "taken NAME_2, with a warning. Recommendations (a list of items) are skipped\n"
            "and counted. A last line the server is still writing is left out. No\n"
            "follow=true: a label can come for a row read long before; load the log again.\n"
            "A log of another name: load live serverlog:predictions.jsonl\n"
            "Example: load live /srv/m/requests.log; eval m on live; drift train live",
    .options = slog_options,
    .flags = 0,
    .schemes = "serverlog",
    .extensions = "log",
    .state_size = sizeof(struct slog),
    .open = slog_open,
    .next = slog_next,
    .close = slog_close,
};

/*
 * The module's entry point: declares the module "serverlog" and registers
 * its one source. Returns AIWB_OK, or the host's refusal (AIWB_EABI,
 * AIWB_EINVAL).
 */
int
aiwb_plugin_init(struct aiwb_plugin *p, const struct aiwb_host_api *host)
{
    AIWB_PLUGIN_BEGIN(p, host, api, "serverlog", "1.0.0");
    return api->register_source(p, &slog_type);
}
