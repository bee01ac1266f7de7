/*
 * source-jsonl.c - the jsonl source: JSON lines (one object a line) or a JSON
 * array of objects, nested keys flattened to dotted columns, optionally
 * following a growing log.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What a row becomes, for users of pandas' json_normalize and R's jsonlite:
 * - The columns are the union of the keys of all rows, in the order they
 *   first appear; a key a row lacks is a missing value there.
 * - Nested objects are flattened with dots: {"user":{"id":7}} is the column
 *   "user.id". Arrays are flattened the same way by position, from 0:
 *   {"x":[1,2]} makes "x.0" and "x.1", and a shorter array leaves the
 *   columns past its end missing. An empty object or array adds nothing.
 * - null is a missing value (its key still makes a column). true and false
 *   are the numbers 1 and 0, as a model wants them (jsonlite would make a
 *   logical column; pandas a bool one).
 * - A column is numeric when every value in it is a number or a boolean,
 *   categorical as soon as one is a string; there numbers are levels spelt
 *   in their shortest exact form and booleans "true" and "false". When the
 *   numbers outnumber the strings a warning names the column and the line of
 *   the first string, as the csv source does.
 * - Numbers are parsed by jansson, whose reals go through strtod, so every
 *   number is the double nearest to what the JSON says; integers are read
 *   the same way (JSON_DECODE_INT_AS_REAL), so integers beyond 2^53 are
 *   rounded to a double, and one too big for a double is an error.
 * - A literal key with a dot and a nested key of the same path ("a.b" and
 *   {"a":{"b":..}}) share a column; in one row they are an error.
 *
 * The input: a file of JSON lines (.jsonl, .ndjson, .json, blank lines
 * skipped), or a file whose first character is '[' holding one array of
 * objects (.json, and what the http source hands over), either possibly
 * gzip-compressed (known by its first bytes, whatever its name). A line that
 * is not one well-formed object stops the reading with its place
 * ('log.jsonl' line 7 column 12: jansson's message) unless bad=skip, which
 * skips such lines and says how many with one warning. In an array a
 * syntax error always stops the reading: the rest cannot be found again.
 *
 * Following (follow=true, for a server's log): open reads the complete lines
 * there are (a last line without its newline waits until it has one) and
 * fixes the columns and their types. Each later next() reads the lines
 * appended since, as a batch with the same columns: a key not seen in the
 * first rows is ignored, with one warning naming it, and a string in a
 * numeric column is read as missing, with a warning. A file that shrank
 * (truncated) is read again from its start; one replaced by another of the
 * same name (rotated) is read to its end and then the new one from its
 * start; both with a warning. A malformed line fails that one call (after
 * the rows before it were handed over); the next call goes on after it.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <zlib.h>

#include <aiwb/plugin.h>

static const struct aiwb_host_api *api;

#define JL_FIRST_ROWS 256       /* the first row capacity; it doubles */
#define JL_READ_STEP (1u << 16) /* bytes read at a time */
#define JL_SHOW_MAX 40          /* bytes of a value quoted in a message */
#define JL_FLAGS (JSON_REJECT_DUPLICATES | JSON_DECODE_ANY | JSON_DECODE_INT_AS_REAL)

/* What one cell holds. */
enum cell { C_MISSING = 0, C_NUMBER, C_BOOL, C_TEXT };

/* A column being collected: one cell a row, up to the table's capacity. */
struct column {
    char *name;
    double *num;            /* numbers and booleans; NaN elsewhere */
    unsigned char *kind;    /* enum cell */
    size_t *text;           /* offsets of strings in the arena; NULL until one comes */
    size_t row_set;         /* 1 + the last row that gave it a value */
    size_t numbers;         /* numbers and booleans in this batch */
    size_t texts;           /* strings in this batch */
    size_t text_line;       /* the line of this batch's first string */
    size_t text_at;         /* its offset in the arena */
    int ignored;            /* a key met after the columns were fixed */
    enum aiwb_coltype type; /* once fixed */
};

/* The rows of one batch, column by column. */
struct table {
    struct column *cols;
    size_t ncols, capcols;
    int32_t *slots; /* open addressing: a column's index, or -1 */
    size_t nslots;
    size_t nrows, caprows;
    char *arena; /* the strings of this batch, each ended by a NUL */
    size_t arena_len, arena_cap;
    int fixed;  /* the columns and types are those of the first batch */
    char *name; /* the flattened key being built */
    size_t name_cap;
    size_t *touched; /* the columns the current row gave values to */
    size_t ntouched, captouched;
};

/* Why a line (or an array element) is not a row. */
struct bad {
    size_t line;
    size_t column; /* in characters from 1; 0 when it does not apply */
    char *what;    /* allocated with api->alloc */
};

/* A source instance: the host allocates it zeroed. */
struct jsonl {
    char *name; /* the file as the user named it */
    char *path; /* the file to open */
    int skip;   /* bad=skip */
    int follow;
    size_t limit; /* 0: no limit */
    struct table tbl;
    struct aiwb_frame *first; /* made by open, handed over by the first next */
    size_t yielded;           /* rows handed over so far */
    size_t line;              /* the lines read so far */
    size_t nbad;              /* lines (array elements) skipped in this batch */
    int array;                /* the file is one array of objects */
    struct bad first_bad;
    /* following */
    int fd; /* 1 + the descriptor of the file followed; 0: none (state starts zeroed) */
    dev_t dev;
    ino_t ino;
    off_t offset; /* bytes of the file read into pend so far */
    char *pend;   /* bytes read but not yet taken: a partial line */
    size_t pend_len, pend_cap;
};

/* ---------------------------------------------------------------------------
 * Small helpers
 */

/* The length of the valid UTF-8 sequence at P (N bytes available), or 0. */
static size_t
utf8_len(const unsigned char *p, size_t n)
{
    unsigned c = p[0];

    if (c < 0x80)
        return 1;
    if (c < 0xC2 || c > 0xF4 || n < 2 || (p[1] & 0xC0) != 0x80)
        return 0;
    if (c < 0xE0)
        return 2;
    /* overlong forms, surrogates and code points past U+10FFFF */
    if (n < 3 || (c == 0xE0 && p[1] < 0xA0) || (c == 0xED && p[1] >= 0xA0) ||
        (c == 0xF0 && p[1] < 0x90) || (c == 0xF4 && p[1] >= 0x90) || (p[2] & 0xC0) != 0x80)
        return 0;
    if (c < 0xF0)
        return 3;
    return n >= 4 && (p[3] & 0xC0) == 0x80 ? 4 : 0;
}

/* The offset of the first NUL byte or invalid UTF-8 in [S, S+LEN), with
 * *WHAT saying which, or SIZE_MAX when there is none. */
static size_t
bad_byte(const char *s, size_t len, const char **what)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + len;

    while (p < end) {
        size_t n;

        if (*p - 1u < 0x7fu) {
            p++;
            continue;
        }
        if (*p == 0) {
            *what = "NUL byte";
            return (size_t)(p - (const unsigned char *)s);
        }
        n = utf8_len(p, (size_t)(end - p));
        if (n == 0) {
            *what = "invalid UTF-8";
            return (size_t)(p - (const unsigned char *)s);
        }
        p += n;
    }
    return SIZE_MAX;
}

/* The column, in characters from 1, of byte OFF of a line that starts at LS. */
static size_t
char_column(const char *ls, size_t off)
{
    size_t col = 1;

    for (size_t i = 0; i < off; i++)
        col += ((unsigned char)ls[i] & 0xC0) != 0x80;
    return col;
}

static int
is_blank(const char *p, const char *end)
{
    for (; p < end; p++)
        if (*p != ' ' && *p != '\t' && *p != '\r')
            return 0;
    return 1;
}

/* S (LEN bytes) made fit for a message: cut to JL_SHOW_MAX bytes at a
 * character boundary, control characters shown as '?'. Returns BUF. */
static const char *
show(const char *s, size_t len, char *buf, size_t size)
{
    size_t o = 0, i = 0, lim = len < JL_SHOW_MAX ? len : JL_SHOW_MAX;

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

/* NUMBER in its shortest form that reads back exactly (LC_NUMERIC is "C" in
 * aiwb). Returns BUF. */
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

/* jansson's message made fit for ours: control characters hidden, and its
 * words for \u0000 (which name one of its flags) replaced. A new string. */
static char *
jansson_text(const char *text)
{
    static const char flag[] = "is not allowed without JSON_ALLOW_NUL";
    const char *at = strstr(text, flag);
    char *s;

    if (at != NULL)
        s = api->format("%.*sis not supported%s", (int)(at - text), text, at + strlen(flag));
    else
        s = api->strdup(text);
    for (char *p = s; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = '?';
    return s;
}

static const char *
json_kind(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_ARRAY:
        return "an array";
    case JSON_STRING:
        return "a string";
    case JSON_INTEGER:
    case JSON_REAL:
        return "a number";
    case JSON_TRUE:
        return "true";
    case JSON_FALSE:
        return "false";
    case JSON_NULL:
        return "null";
    default:
        return "an object";
    }
}

/* ---------------------------------------------------------------------------
 * The table
 */

static uint64_t
hash_name(const char *s, size_t len)
{
    uint64_t h = 0xcbf29ce484222325ULL;

    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)s[i]) * 0x100000001b3ULL;
    return h;
}

/* Put every column into a fresh hash table of at least 2 * ncols slots. */
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
        const char *s = t->cols[c].name;
        size_t i = (size_t)hash_name(s, strlen(s)) & (n - 1);

        while (t->slots[i] >= 0)
            i = (i + 1) & (n - 1);
        t->slots[i] = (int32_t)c;
    }
}

/* The slot of the column named S (LEN bytes), or the empty slot it would take. */
static size_t
slot_of(const struct table *t, const char *s, size_t len)
{
    size_t i = (size_t)hash_name(s, len) & (t->nslots - 1);

    for (; t->slots[i] >= 0; i = (i + 1) & (t->nslots - 1)) {
        const char *name = t->cols[t->slots[i]].name;

        if (strncmp(name, s, len) == 0 && name[len] == '\0')
            break;
    }
    return i;
}

/* Mark cells FROM..TO-1 of C missing. */
static void
column_clear(struct column *c, size_t from, size_t to)
{
    for (size_t r = from; r < to; r++)
        c->num[r] = NAN;
    memset(c->kind + from, C_MISSING, to - from);
}

/* A new column named NAME (LEN bytes), all missing; its index. */
static size_t
column_add(struct table *t, const char *name, size_t len, int ignored)
{
    struct column *c;

    if (t->ncols == t->capcols) {
        t->capcols = t->capcols ? 2 * t->capcols : 16;
        t->cols = api->realloc(t->cols, t->capcols * sizeof(*t->cols));
    }
    c = &t->cols[t->ncols];
    memset(c, 0, sizeof(*c));
    c->name = api->alloc(len + 1);
    memcpy(c->name, name, len);
    c->name[len] = '\0';
    c->ignored = ignored;
    if (!ignored) {
        c->num = api->alloc(t->caprows * sizeof(*c->num));
        c->kind = api->alloc(t->caprows);
        column_clear(c, 0, t->caprows);
    }
    t->ncols++;
    if (2 * t->ncols > t->nslots)
        rehash(t);
    else
        t->slots[slot_of(t, name, len)] = (int32_t)(t->ncols - 1);
    return t->ncols - 1;
}

static void
column_release(struct column *c)
{
    api->free(c->name);
    api->free(c->num);
    api->free(c->kind);
    api->free(c->text);
}

/* Room for one more row in every column. */
static void
table_reserve_row(struct table *t)
{
    size_t cap;

    if (t->nrows < t->caprows)
        return;
    cap = t->caprows ? 2 * t->caprows : JL_FIRST_ROWS;
    for (size_t i = 0; i < t->ncols; i++) {
        struct column *c = &t->cols[i];

        if (c->ignored)
            continue;
        c->num = api->realloc(c->num, cap * sizeof(*c->num));
        c->kind = api->realloc(c->kind, cap);
        if (c->text != NULL)
            c->text = api->realloc(c->text, cap * sizeof(*c->text));
        column_clear(c, t->caprows, cap);
    }
    t->caprows = cap;
}

/* Forget the batch's rows, keeping the columns. */
static void
table_reset(struct table *t)
{
    for (size_t i = 0; i < t->ncols; i++) {
        struct column *c = &t->cols[i];

        if (!c->ignored)
            column_clear(c, 0, t->nrows);
        c->row_set = 0;
        c->numbers = c->texts = 0;
    }
    t->nrows = 0;
    t->arena_len = 0;
}

static void
table_release(struct table *t)
{
    for (size_t i = 0; i < t->ncols; i++)
        column_release(&t->cols[i]);
    api->free(t->cols);
    api->free(t->slots);
    api->free(t->arena);
    api->free(t->name);
    api->free(t->touched);
    memset(t, 0, sizeof(*t));
}

/* Copy S (LEN bytes, no NUL inside) into the arena; returns its offset. */
static size_t
arena_put(struct table *t, const char *s, size_t len)
{
    size_t at = t->arena_len;

    if (t->arena_cap - t->arena_len < len + 1) {
        while (t->arena_cap - t->arena_len < len + 1)
            t->arena_cap = t->arena_cap ? 2 * t->arena_cap : 1 << 16;
        t->arena = api->realloc(t->arena, t->arena_cap);
    }
    memcpy(t->arena + at, s, len);
    t->arena[at + len] = '\0';
    t->arena_len += len + 1;
    return at;
}

/* Make room for NEED bytes of the flattened key. */
static void
name_reserve(struct table *t, size_t need)
{
    if (need <= t->name_cap)
        return;
    while (t->name_cap < need)
        t->name_cap = t->name_cap ? 2 * t->name_cap : 256;
    t->name = api->realloc(t->name, t->name_cap);
}

/* ---------------------------------------------------------------------------
 * Rows: flattening one object
 */

/* A row being added: where it came from, what went wrong. */
struct row_ctx {
    struct jsonl *j;
    size_t line;
    size_t ncols0; /* columns before this row */
    size_t arena0; /* the arena's length before it */
    struct bad *bad;
};

/* Give value V to the column named by the key buffer's first LEN bytes. */
static int
put_leaf(struct row_ctx *rc, const json_t *v, size_t len)
{
    struct table *t = &rc->j->tbl;
    size_t row = t->nrows, i = slot_of(t, t->name, len), ci;
    struct column *c;

    if (t->slots[i] >= 0)
        ci = (size_t)t->slots[i];
    else
        ci = column_add(t, t->name, len, t->fixed);
    c = &t->cols[ci];
    if (c->row_set == row + 1) {
        bad_set(rc->bad, rc->line, 0,
                api->format("duplicate key '%s' once nested keys are joined with dots", c->name));
        return AIWB_EDATA;
    }
    c->row_set = row + 1;
    if (c->ignored)
        return AIWB_OK;
    if (t->ntouched == t->captouched) {
        t->captouched = t->captouched ? 2 * t->captouched : 64;
        t->touched = api->realloc(t->touched, t->captouched * sizeof(*t->touched));
    }
    t->touched[t->ntouched++] = ci;
    switch (json_typeof(v)) {
    case JSON_REAL:
        c->num[row] = json_real_value(v);
        c->kind[row] = C_NUMBER;
        c->numbers++;
        break;
    case JSON_INTEGER:
        c->num[row] = (double)json_integer_value(v);
        c->kind[row] = C_NUMBER;
        c->numbers++;
        break;
    case JSON_TRUE:
    case JSON_FALSE:
        c->num[row] = json_is_true(v) ? 1 : 0;
        c->kind[row] = C_BOOL;
        c->numbers++;
        break;
    case JSON_STRING:
        if (c->text == NULL)
            c->text = api->alloc(t->caprows * sizeof(*c->text));
        c->text[row] = arena_put(t, json_string_value(v), json_string_length(v));
        c->kind[row] = C_TEXT;
        if (c->texts++ == 0) {
            c->text_line = rc->line;
            c->text_at = c->text[row];
        }
        break;
    default: /* null: missing, but the key makes a column */
        break;
    }
    return AIWB_OK;
}

/* Flatten V under the key in the key buffer's first LEN bytes. */
static int
flatten(struct row_ctx *rc, const json_t *v, size_t len)
{
    struct table *t = &rc->j->tbl;
    int r = AIWB_OK;

    if (json_is_object(v)) {
        for (void *it = json_object_iter((json_t *)v); it != NULL && r == AIWB_OK;
             it = json_object_iter_next((json_t *)v, it)) {
            const char *key = json_object_iter_key(it);
            size_t klen = strlen(key); /* no NUL inside: \u0000 is refused */
            size_t at = len > 0 ? len + 1 : 0;

            name_reserve(t, at + klen + 1);
            if (len > 0)
                t->name[len] = '.';
            memcpy(t->name + at, key, klen);
            r = flatten(rc, json_object_iter_value(it), at + klen);
        }
        return r;
    }
    if (json_is_array(v)) {
        for (size_t i = 0; i < json_array_size(v) && r == AIWB_OK; i++) {
            char digits[24];
            int n = snprintf(digits, sizeof(digits), ".%zu", i);

            name_reserve(t, len + (size_t)n + 1);
            memcpy(t->name + len, digits, (size_t)n);
            r = flatten(rc, json_array_get(v, i), len + (size_t)n);
        }
        return r;
    }
    return put_leaf(rc, v, len);
}

/* Undo a row that failed half-way: its cells, strings and new columns. */
static void
row_undo(struct row_ctx *rc)
{
    struct table *t = &rc->j->tbl;
    size_t row = t->nrows;

    for (size_t i = 0; i < t->ntouched; i++) {
        struct column *c = &t->cols[t->touched[i]];

        if (c->kind[row] == C_TEXT)
            c->texts--;
        else if (c->kind[row] != C_MISSING)
            c->numbers--;
        c->num[row] = NAN;
        c->kind[row] = C_MISSING;
    }
    for (size_t i = 0; i < t->ncols; i++)
        if (t->cols[i].row_set == row + 1)
            t->cols[i].row_set = 0;
    if (t->ncols > rc->ncols0) {
        while (t->ncols > rc->ncols0)
            column_release(&t->cols[--t->ncols]);
        rehash(t);
    }
    t->arena_len = rc->arena0;
}

/* Add object V, from line LINE, as a row. Returns AIWB_OK, or AIWB_EDATA
 * with *BAD set (and the table as it was). */
static int
add_row(struct jsonl *j, const json_t *v, size_t line, struct bad *bad)
{
    struct table *t = &j->tbl;
    struct row_ctx rc = {j, line, t->ncols, t->arena_len, bad};

    if (!json_is_object(v)) {
        bad_set(bad, line, 0, api->format("expected an object, found %s", json_kind(v)));
        return AIWB_EDATA;
    }
    if (t->slots == NULL)
        rehash(t);
    table_reserve_row(t);
    t->ntouched = 0;
    if (flatten(&rc, v, 0) < 0) {
        row_undo(&rc);
        return AIWB_EDATA;
    }
    for (size_t i = rc.ncols0; i < t->ncols; i++)
        if (t->cols[i].ignored)
            api->log(
                AIWB_LOG_WARN,
                "'%s' line %zu: new key '%s' ignored (the columns were fixed by the first rows)",
                j->name, line, t->cols[i].name);
    t->nrows++;
    return AIWB_OK;
}

/* Parse the line [S, S+LEN) (without its newline), number LINE, as a row. */
static int
parse_line(struct jsonl *j, const char *s, size_t len, size_t line, struct bad *bad)
{
    json_error_t e;
    const char *what;
    size_t off = bad_byte(s, len, &what);
    json_t *v;
    int rc;

    if (off != SIZE_MAX) {
        bad_set(bad, line, char_column(s, off), api->strdup(what));
        return AIWB_EDATA;
    }
    v = json_loadb(s, len, JL_FLAGS, &e);
    if (v == NULL) {
        bad_set(bad, line, e.column > 0 ? (size_t)e.column : 0, jansson_text(e.text));
        return AIWB_EDATA;
    }
    rc = add_row(j, v, line, bad);
    json_decref(v);
    return rc;
}

/* Whether the rows allowed are all there. */
static int
limit_reached(const struct jsonl *j)
{
    return j->limit > 0 && j->yielded + j->tbl.nrows >= j->limit;
}

/* Count a skipped line, keeping the first one's reason. */
static void
note_bad(struct jsonl *j, struct bad *b)
{
    if (j->nbad++ == 0)
        j->first_bad = *b;
    else
        bad_clear(b);
    b->what = NULL;
}

/* The one warning about the lines skipped in this batch. */
static void
warn_skipped(struct jsonl *j)
{
    struct bad *b = &j->first_bad;
    char *where;

    if (j->nbad == 0)
        return;
    where = b->column > 0 ? api->format("line %zu column %zu", b->line, b->column)
                          : api->format("line %zu", b->line);
    api->log(AIWB_LOG_WARN, "'%s': skipped %zu malformed %s%s, the first at %s: %s", j->name,
             j->nbad, j->array ? "element" : "line", j->nbad == 1 ? "" : "s", where, b->what);
    api->free(where);
    bad_clear(b);
    j->nbad = 0;
}

/*
 * Read the lines in [BUF, BUF+LEN) into the table, counting them in
 * j->line. Without FINAL a last line with no newline is left. Sets *USED to
 * the bytes taken. A malformed line is skipped with bad=skip; otherwise,
 * when following and rows were read before it, it is left for the next
 * call (so those rows go out first); else it is taken and its message set
 * in *CAUSE with AIWB_EDATA returned.
 */
static int
read_lines(struct jsonl *j, const char *buf, size_t len, int final, size_t *used, char **cause)
{
    const char *p = buf, *end = buf + len;
    int rc = AIWB_OK;

    while (p < end && !limit_reached(j)) {
        const char *nl = memchr(p, '\n', (size_t)(end - p)), *eol = nl ? nl : end;
        struct bad b = {0};

        if (nl == NULL && !final)
            break;
        if (!is_blank(p, eol) && parse_line(j, p, (size_t)(eol - p), j->line + 1, &b) < 0) {
            if (j->skip) {
                note_bad(j, &b);
            } else if (j->follow && j->tbl.nrows > 0) {
                bad_clear(&b);
                break;
            } else {
                *cause = bad_message(j->name, &b);
                bad_clear(&b);
                rc = AIWB_EDATA;
            }
        }
        j->line++;
        p = nl ? nl + 1 : end;
        if (rc < 0)
            break;
    }
    *used = (size_t)(p - buf);
    return rc;
}

/* ---------------------------------------------------------------------------
 * An array of objects
 */

/* Where a scan of the array stands: the line and where it starts. */
struct place {
    const char *p;
    size_t line;
    const char *ls;
};

static void
advance(struct place *at, const char *to)
{
    const char *q;

    while ((q = memchr(at->p, '\n', (size_t)(to - at->p))) != NULL) {
        at->line++;
        at->p = at->ls = q + 1;
    }
    at->p = to;
}

static void
skip_space(struct place *at, const char *end)
{
    const char *q = at->p;

    while (q < end && (*q == ' ' || *q == '\t' || *q == '\r' || *q == '\n'))
        q++;
    advance(at, q);
}

/* The error AT: "'x.json' line L column C: WHAT". */
static char *
error_at(const struct jsonl *j, const struct place *at, const char *what)
{
    return api->format("'%s' line %zu column %zu: %s", j->name, at->line,
                       char_column(at->ls, (size_t)(at->p - at->ls)), what);
}

/* Read the array that starts at BUF (its '[' first, after spaces). */
static int
read_array(struct jsonl *j, const char *buf, size_t len, char **cause)
{
    const char *end = buf + len, *what;
    struct place at = {buf, 1, buf};
    size_t off = bad_byte(buf, len, &what), element = 0;

    if (off != SIZE_MAX) {
        advance(&at, buf + off);
        *cause = error_at(j, &at, what);
        return AIWB_EDATA;
    }
    skip_space(&at, end);
    advance(&at, at.p + 1); /* the '[' */
    for (;;) {
        json_error_t e;
        struct bad b = {0};
        json_t *v;

        skip_space(&at, end);
        if (element == 0 && at.p < end && *at.p == ']')
            break;
        v = json_loadb(at.p, (size_t)(end - at.p), JL_FLAGS | JSON_DISABLE_EOF_CHECK, &e);
        if (v == NULL) {
            char *text = jansson_text(e.text);
            size_t col = e.line > 1 ? (size_t)e.column
                                    : char_column(at.ls, (size_t)(at.p - at.ls)) - 1 +
                                          (size_t)(e.column > 0 ? e.column : 1);

            *cause = api->format("'%s' line %zu column %zu: %s", j->name,
                                 at.line + (size_t)e.line - 1, col, text);
            api->free(text);
            return AIWB_EDATA;
        }
        element++;
        if (add_row(j, v, at.line, &b) < 0) {
            b.column = char_column(at.ls, (size_t)(at.p - at.ls));
            if (!j->skip) {
                json_decref(v);
                *cause = bad_message(j->name, &b);
                bad_clear(&b);
                return AIWB_EDATA;
            }
            note_bad(j, &b);
        }
        json_decref(v);
        advance(&at, at.p + e.position);
        if (limit_reached(j))
            return AIWB_OK;
        skip_space(&at, end);
        if (at.p < end && *at.p == ',') {
            advance(&at, at.p + 1);
            continue;
        }
        if (at.p < end && *at.p == ']')
            break;
        *cause = error_at(j, &at,
                          at.p < end ? "',' or ']' expected after an element"
                                     : "']' expected near end of file");
        return AIWB_EDATA;
    }
    advance(&at, at.p + 1);
    skip_space(&at, end);
    if (at.p < end) {
        *cause = error_at(j, &at, "text after the array's closing ']'");
        return AIWB_EDATA;
    }
    return AIWB_OK;
}

/* ---------------------------------------------------------------------------
 * Frames
 */

/* Say so when a column of mostly numbers became categorical. */
static void
warn_mixed(const struct jsonl *j, const struct column *c)
{
    char shown[JL_SHOW_MAX + 8];
    const char *s = j->tbl.arena + c->text_at;

    if (c->numbers <= c->texts)
        return;
    api->log(AIWB_LOG_WARN,
             "'%s': column '%s' read as categorical: line %zu has '%s' (%zu of %zu values %s)",
             j->name, c->name, c->text_line, show(s, strlen(s), shown, sizeof(shown)), c->texts,
             c->numbers + c->texts, c->texts == 1 ? "is not a number" : "are not numbers");
}

/* Say so when strings came to a column fixed as numeric. */
static void
warn_dropped(const struct jsonl *j, const struct column *c)
{
    char shown[JL_SHOW_MAX + 8];
    const char *s = j->tbl.arena + c->text_at;

    api->log(AIWB_LOG_WARN,
             "'%s': column '%s' is numeric (fixed by the first rows): line %zu has '%s', read as "
             "missing (%zu value%s)",
             j->name, c->name, c->text_line, show(s, strlen(s), shown, sizeof(shown)), c->texts,
             c->texts == 1 ? "" : "s");
}

/* Fill categorical column CI of F from column C. Returns 0, or -1 when it
 * has too many levels. */
static int
fill_levels(const struct table *t, const struct column *c, struct aiwb_frame *f, size_t ci,
            int32_t *codes)
{
    for (size_t r = 0; r < t->nrows; r++) {
        char buf[32];
        const char *s;

        switch (c->kind[r]) {
        case C_MISSING:
            codes[r] = AIWB_NA_CODE;
            continue;
        case C_NUMBER:
            s = number_text(c->num[r], buf);
            break;
        case C_BOOL:
            s = c->num[r] != 0 ? "true" : "false";
            break;
        default:
            s = t->arena + c->text[r];
            break;
        }
        codes[r] = api->frame_level_intern(f, ci, s, strlen(s));
        if (codes[r] < 0)
            return -1;
    }
    return 0;
}

/*
 * The table's rows as a new frame in *OUT (the host owns it). The first
 * batch decides each column's type and fixes them; later ones keep them.
 * Returns AIWB_OK or a negative status with *cause set.
 */
static int
make_frame(struct jsonl *j, struct aiwb_frame **out, char **cause)
{
    struct table *t = &j->tbl;
    struct aiwb_frame *f = api->frame_new(t->nrows);
    size_t kept = 0;

    for (size_t i = 0; i < t->ncols; i++) {
        struct column *c = &t->cols[i];
        size_t ci = kept;

        if (c->ignored)
            continue;
        kept++;
        if (!t->fixed)
            c->type = c->texts > 0 ? AIWB_CATEGORICAL : AIWB_NUMERIC;
        if (c->type == AIWB_NUMERIC) {
            double *x = api->frame_add_numeric(f, c->name);

            memcpy(x, c->num, t->nrows * sizeof(*x));
            if (c->texts > 0)
                warn_dropped(j, c);
            continue;
        }
        if (fill_levels(t, c, f, ci, api->frame_add_categorical(f, c->name)) != 0) {
            *cause =
                api->format("'%s': column '%s' has too many distinct values", j->name, c->name);
            api->frame_free(f);
            return AIWB_EDATA;
        }
        if (!t->fixed)
            warn_mixed(j, c);
    }
    if (kept == 0) {
        *cause = api->format("'%s' holds only empty objects: no column to read", j->name);
        api->frame_free(f);
        return AIWB_EDATA;
    }
    t->fixed = 1;
    j->yielded += t->nrows;
    table_reset(t);
    *out = f;
    return AIWB_OK;
}

/* ---------------------------------------------------------------------------
 * Files
 */

/* Append what FD holds from its current position on to *BUF. */
static int
read_rest(int fd, char **buf, size_t *len, size_t *cap)
{
    for (;;) {
        ssize_t got;

        if (*cap - *len < JL_READ_STEP) {
            *cap = *cap ? 2 * *cap : 4 * JL_READ_STEP;
            *buf = api->realloc(*buf, *cap);
        }
        got = read(fd, *buf + *len, *cap - *len);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            return -1;
        if (got == 0)
            return 0;
        *len += (size_t)got;
    }
}

/* Open PATH for reading, refusing folders. Returns the descriptor, or -1
 * with *cause set. */
static int
open_file(const char *path, struct stat *st, char **cause)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC), e;

    if (fd < 0) {
        *cause = api->format("cannot open '%s': %s", path, strerror(errno));
        return -1;
    }
    e = fstat(fd, st) != 0 ? errno : S_ISDIR(st->st_mode) ? EISDIR : 0;
    if (e != 0) {
        *cause = api->format("cannot read '%s': %s", path, strerror(e));
        close(fd);
        return -1;
    }
    return fd;
}

static int
is_gzip(const char *buf, size_t len)
{
    return len >= 2 && (unsigned char)buf[0] == 0x1f && (unsigned char)buf[1] == 0x8b;
}

/* Inflate the gzip data in *BUF (*LEN bytes, one or more members) in its
 * place. Returns AIWB_OK or AIWB_EDATA with *cause set. */
static int
gunzip(const struct jsonl *j, char **buf, size_t *len, char **cause)
{
    z_stream zs;
    char *out = NULL;
    size_t cap = 0, n = 0, left = *len;
    int zr;

    memset(&zs, 0, sizeof(zs));
    if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) {
        *cause = api->format("cannot inflate '%s': out of memory", j->name);
        return AIWB_ENOMEM;
    }
    zs.next_in = (unsigned char *)*buf;
    for (;;) {
        if (cap - n < JL_READ_STEP) {
            cap = cap ? 2 * cap : 2 * *len + JL_READ_STEP;
            out = api->realloc(out, cap);
        }
        if (zs.avail_in == 0 && left > 0) {
            zs.avail_in = left < UINT_MAX ? (unsigned)left : UINT_MAX;
            left -= zs.avail_in;
        }
        zs.next_out = (unsigned char *)out + n;
        zs.avail_out = cap - n < UINT_MAX ? (unsigned)(cap - n) : UINT_MAX;
        zr = inflate(&zs, Z_NO_FLUSH);
        n = (size_t)((char *)zs.next_out - out);
        if (zr == Z_OK)
            continue;
        if (zr == Z_STREAM_END) {
            size_t rest = zs.avail_in + left;

            if (rest == 0)
                break;
            if (!is_gzip((const char *)zs.next_in, zs.avail_in)) {
                api->log(AIWB_LOG_WARN, "'%s': ignored %zu bytes after the gzip data", j->name,
                         rest); /* as gzip does */
                break;
            }
            inflateReset(&zs); /* another member follows */
            continue;
        }
        if (zr == Z_BUF_ERROR && zs.avail_in == 0 && left == 0)
            *cause = api->format("'%s': truncated gzip data (the file ends inside the compressed "
                                 "stream)",
                                 j->name);
        else
            *cause = api->format("'%s': corrupt gzip data (zlib: %s)", j->name,
                                 zs.msg != NULL ? zs.msg : zError(zr));
        inflateEnd(&zs);
        api->free(out);
        return AIWB_EDATA;
    }
    inflateEnd(&zs);
    api->free(*buf);
    *buf = out;
    *len = n;
    return AIWB_OK;
}

/* Skip a UTF-8 byte order mark at the start of [BUF, BUF+LEN). */
static size_t
bom_len(const char *buf, size_t len)
{
    return len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
}

/* Whether the first character that is not a space is '['. */
static int
is_array(const char *buf, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (buf[i] != ' ' && buf[i] != '\t' && buf[i] != '\r' && buf[i] != '\n')
            return buf[i] == '[';
    return 0;
}

/*
 * When the first object of [BUF, BUF+LEN) spans several lines (a pretty-
 * printed file), say that instead of what failed on its first line: replace
 * *cause and return AIWB_EDATA. Else return RC, changing nothing.
 */
static int
spread_object(struct jsonl *j, const char *buf, size_t len, int rc, char **cause)
{
    struct place at = {buf, 1, buf};
    json_error_t e;
    json_t *v;
    int spread;

    skip_space(&at, buf + len);
    if (at.p == buf + len || *at.p != '{')
        return rc;
    v = json_loadb(at.p, len - (size_t)(at.p - buf), JL_FLAGS | JSON_DISABLE_EOF_CHECK, &e);
    spread = v != NULL && memchr(at.p, '\n', (size_t)e.position) != NULL;
    json_decref(v);
    if (!spread)
        return rc;
    api->free(*cause);
    *cause = api->format("'%s' line %zu: an object spans several lines; expected one object a "
                         "line, or an array of objects",
                         j->name, at.line);
    return AIWB_EDATA;
}

/* Read the whole file into the table, once (follow=false). */
static int
read_whole(struct jsonl *j, char **cause)
{
    struct stat st;
    char *buf = NULL;
    size_t len = 0, cap = 0, bom, used;
    int fd = open_file(j->path, &st, cause), rc;

    if (fd < 0)
        return AIWB_EIO;
    if (read_rest(fd, &buf, &len, &cap) != 0) {
        *cause = api->format("cannot read '%s': %s", j->name, strerror(errno));
        close(fd);
        api->free(buf);
        return AIWB_EIO;
    }
    close(fd);
    if (is_gzip(buf, len) && (rc = gunzip(j, &buf, &len, cause)) < 0)
        goto out;
    if (len == 0) {
        *cause = api->format("'%s' is empty", j->name);
        rc = AIWB_EDATA;
        goto out;
    }
    bom = bom_len(buf, len);
    j->array = is_array(buf + bom, len - bom);
    if (j->array) {
        rc = read_array(j, buf + bom, len - bom, cause);
        goto out;
    }
    rc = read_lines(j, buf + bom, len - bom, 1, &used, cause);
    if (rc == AIWB_EDATA || (rc == AIWB_OK && j->tbl.nrows == 0))
        rc = spread_object(j, buf + bom, len - bom, rc, cause);
out:
    api->free(buf);
    return rc;
}

/* Follow descriptor FD (its status in ST) from its start. */
static void
follow_attach(struct jsonl *j, int fd, const struct stat *st)
{
    if (j->fd > 0)
        close(j->fd - 1);
    j->fd = fd + 1;
    j->dev = st->st_dev;
    j->ino = st->st_ino;
    j->offset = 0;
    j->pend_len = 0;
    j->line = 0;
}

/* Read what the followed file gained since the last call into j->pend. */
static int
follow_read(struct jsonl *j, char **cause)
{
    size_t before = j->pend_len;

    if (lseek(j->fd - 1, j->offset, SEEK_SET) < 0 ||
        read_rest(j->fd - 1, &j->pend, &j->pend_len, &j->pend_cap) != 0) {
        *cause = api->format("cannot read '%s': %s", j->name, strerror(errno));
        return AIWB_EIO;
    }
    j->offset += (off_t)(j->pend_len - before);
    return AIWB_OK;
}

/* Take the complete lines of j->pend (and, with FINAL, the rest). */
static int
follow_take(struct jsonl *j, int final, char **cause)
{
    size_t used, bom = j->line == 0 ? bom_len(j->pend, j->pend_len) : 0;
    int rc;

    rc = read_lines(j, j->pend + bom, j->pend_len - bom, final, &used, cause);
    used += bom;
    memmove(j->pend, j->pend + used, j->pend_len - used);
    j->pend_len -= used;
    return rc;
}

/* Follow the new file of the followed name from its start; if it cannot
 * be opened (it is being made), keep the old one until the next call. */
static int
follow_switch(struct jsonl *j, char **cause)
{
    struct stat st;
    char *why = NULL;
    int fd = open_file(j->path, &st, &why), rc;

    if (fd < 0) {
        api->free(why);
        return AIWB_OK;
    }
    follow_attach(j, fd, &st);
    api->log(AIWB_LOG_WARN, "'%s' was replaced: reading the new file from its start", j->name);
    if ((rc = follow_read(j, cause)) < 0)
        return rc;
    return follow_take(j, 0, cause);
}

/*
 * One round of following: the lines appended since the last, from a file
 * truncated or replaced meanwhile too. Rows go into the table. Returns
 * AIWB_OK, or a negative status with *cause set.
 */
static int
follow_poll(struct jsonl *j, char **cause)
{
    struct stat st, now;
    int rc;

    if (fstat(j->fd - 1, &st) == 0 && st.st_size < j->offset) {
        api->log(AIWB_LOG_WARN, "'%s' was truncated: reading it again from its start", j->name);
        j->offset = 0;
        j->pend_len = 0;
        j->line = 0;
    }
    if ((rc = follow_read(j, cause)) < 0 || (rc = follow_take(j, 0, cause)) < 0)
        return rc;
    /* What is left is a line without its newline, or lines left for the
     * next call (after a malformed line, or at the limit). */
    if (memchr(j->pend, '\n', j->pend_len) != NULL || limit_reached(j))
        return AIWB_OK;
    if (stat(j->path, &now) != 0 || (now.st_dev == j->dev && now.st_ino == j->ino))
        return AIWB_OK;
    /* Replaced: its writer has moved on, so its last line is complete. A
     * line left for the next call (malformed) keeps the old file a while. */
    if ((rc = follow_take(j, 1, cause)) < 0 || j->pend_len > 0 || limit_reached(j))
        return rc;
    return follow_switch(j, cause);
}

/* The first round of following, at open: everything there is. */
static int
follow_start(struct jsonl *j, char **cause)
{
    struct stat st;
    int fd = open_file(j->path, &st, cause), rc;
    size_t bom;

    if (fd < 0)
        return AIWB_EIO;
    follow_attach(j, fd, &st);
    if ((rc = follow_read(j, cause)) < 0)
        return rc;
    if (j->pend_len == 0) {
        *cause = api->format("'%s' is empty", j->name);
        return AIWB_EDATA;
    }
    if (is_gzip(j->pend, j->pend_len)) {
        *cause = api->format("'%s': follow cannot read compressed files", j->name);
        return AIWB_EINVAL;
    }
    bom = bom_len(j->pend, j->pend_len);
    if (is_array(j->pend + bom, j->pend_len - bom)) {
        *cause = api->format("'%s': follow reads one object a line, not a JSON array", j->name);
        return AIWB_EINVAL;
    }
    return follow_take(j, 0, cause);
}

/* ---------------------------------------------------------------------------
 * The source
 */

/* The file name in URI: "file:x.jsonl", "file://x.jsonl" or a plain path. */
static const char *
uri_path(const char *uri)
{
    if (strncmp(uri, "file://", 7) == 0)
        return uri + 7;
    if (strncmp(uri, "file:", 5) == 0)
        return uri + 5;
    return uri;
}

static int
jsonl_open(void *state, const char *uri, const struct aiwb_options *opts, char **cause)
{
    struct jsonl *j = state;
    const char *bad = api->opt_str(opts, "bad");
    int rc;

    j->name = api->strdup(uri);
    j->path = api->strdup(uri_path(uri));
    j->skip = bad != NULL && strcmp(bad, "skip") == 0;
    j->follow = api->opt_bool(opts, "follow");
    j->limit = (size_t)api->opt_int(opts, "limit");
    rc = j->follow ? follow_start(j, cause) : read_whole(j, cause);
    if (rc < 0)
        return rc;
    warn_skipped(j);
    if (j->tbl.nrows == 0) {
        if (j->follow && j->pend_len > 0)
            *cause = api->format("'%s' holds no complete line yet: following needs one to fix "
                                 "the columns",
                                 j->name);
        else
            *cause = api->format("'%s' holds no objects", j->name);
        return AIWB_EDATA;
    }
    return make_frame(j, &j->first, cause);
}

static int
jsonl_next(void *state, struct aiwb_frame **batch, char **cause)
{
    struct jsonl *j = state;
    size_t rows;
    int rc;

    if (j->first != NULL) {
        rows = api->frame_rows(j->first);
        *batch = j->first;
        j->first = NULL;
        return rows < INT_MAX ? (int)rows : INT_MAX;
    }
    if (!j->follow || j->fd == 0 || limit_reached(j))
        return 0;
    rc = follow_poll(j, cause);
    warn_skipped(j);
    if (rc < 0) {
        table_reset(&j->tbl);
        return rc;
    }
    if (j->tbl.nrows == 0)
        return 0;
    rows = j->tbl.nrows;
    if ((rc = make_frame(j, batch, cause)) < 0)
        return rc;
    return rows < INT_MAX ? (int)rows : INT_MAX;
}

static void
jsonl_close(void *state)
{
    struct jsonl *j = state;

    api->frame_free(j->first);
    table_release(&j->tbl);
    bad_clear(&j->first_bad);
    if (j->fd > 0)
        close(j->fd - 1);
    api->free(j->pend);
    api->free(j->name);
    api->free(j->path);
    memset(j, 0, sizeof(*j));
}

static const struct aiwb_option_spec jsonl_options[] = {
    {.name = "bad",
     .type = AIWB_OPT_CHOICE,
     .def = "error",
     .choices = "error|skip",
     .help = "a malformed line stops the reading with its place (error), or is skipped and "
             "counted in one warning (skip)"},
    {.name = "limit",
     .type = AIWB_OPT_INT,
     .def = "0",
     .min = 0,
     .max = INFINITY,
     .help = "read at most this many rows (0: all of them); when following, in all"},
    {.name = "follow",
     .type = AIWB_OPT_BOOL,
     .def = "false",
     .help = "keep reading the lines appended to the file (a growing log) whenever the dataset "
             "is used"},
    {.name = NULL},
};

static const struct aiwb_source_type jsonl_type = {
    .abi_version = AIWB_ABI_VERSION,
    .size = sizeof(struct aiwb_source_type),
    .name = "jsonl",
    .summary = "JSON lines or a JSON array of objects, nested keys as dotted columns",
    .help = "One object a line (blank lines skipped), or one array of objects; gzip too.\n"
            "Nested keys become dotted columns ('user.id'), arrays one column an element\n"
            "('x.0', 'x.1'); a key missing from a row, or null, is a missing value;\n"
            "true/false read as 1/0. A column with a string in it is categorical (its\n"
            "numbers become levels), with a warning naming the line when numbers dominate.\n"
            "Numbers are the doubles nearest to their text: integers past 2^53 round.\n"
            "follow=true keeps the columns and types of the rows read first: later rows\n"
            "have new keys ignored (with a warning) and strings in a numeric column read\n"
            "as missing. A last line without its newline waits for it; a file truncated\n"
            "or replaced (log rotation) is read again from its start.",
    .options = jsonl_options,
    .flags = AIWB_SOURCE_FOLLOW,
    .schemes = "",
    .extensions = "jsonl,ndjson,json,jsonl.gz,ndjson.gz,json.gz",
    .state_size = sizeof(struct jsonl),
    .open = jsonl_open,
    .next = jsonl_next,
    .close = jsonl_close,
};

/*
 * The module's entry point: declares the module "jsonl" and registers its
 * one source. Returns AIWB_OK, or the host's refusal (AIWB_EABI, AIWB_EINVAL).
 */
int
aiwb_plugin_init(struct aiwb_plugin *p, const struct aiwb_host_api *host)
{
    AIWB_PLUGIN_BEGIN(p, host, api, "jsonl", "1.0.0");
    return api->register_source(p, &jsonl_type);
}
