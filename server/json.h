/*
 * json.h - the prediction server's JSON: a strict RFC 8259 reader into a
 * caller's reusable arena, and a writer into a growable buffer.
 *
 * SPDX-License-Identifier: MIT
 * Copyright (C) 2026 the aiwb developers
 *
 * Reading. json_parse() turns a text into values laid out in document order
 * in an arena the caller owns and reuses, so a parse allocates nothing once
 * the arena has grown to the largest request seen:
 *
 *     struct json_arena arena;                       (once per thread)
 *     json_arena_init(&arena, NULL, 0);
 *     ...
 *     struct json_error err;
 *     const struct json_value *row = json_parse(&arena, body, len, NULL, &err);
 *     if (row == NULL)
 *         reply 400 with err.text, err.line, err.column
 *     const struct json_value *age = json_member(row, "age");
 *     if (age != NULL && age->type == JSON_TYPE_NUMBER)
 *         x = json_double(age);
 *     ...
 *     json_arena_release(&arena);                    (at exit)
 *
 * Values stay valid until the next json_parse() on the same arena. The reader
 * refuses everything RFC 8259 does not allow (trailing commas, comments, NaN,
 * leading zeros, lone surrogates, invalid UTF-8, raw control characters,
 * trailing data, a byte order mark) and, beyond it, what would make a row
 * ambiguous or the server vulnerable: duplicate keys (compared after
 * unescaping), numbers beyond the range of a double (1e999; 1e-400 reads as
 * 0, as strtod rounds it), "\u0000" in strings (unless asked), nesting
 * deeper than a limit (32 by default). Any value may be the root: check its
 * type. Integers that fit int64_t are kept exactly ("-0" is the double -0.0);
 * larger ones are read as doubles.
 *
 * Writing. A json_writer appends compact JSON to a buffer, inserting the
 * commas itself; doubles are written in the shortest form that reads back to
 * the same double, integers exactly, NaN and infinities as null.
 *
 * Nothing here keeps global state: any number of threads may parse and write
 * at once, each with its own arena and writer. Beyond memcpy and friends,
 * the library calls are malloc/realloc/free (growing an arena or a buffer),
 * snprintf (error messages), and strtod with localeconv for the rare number
 * of more than 19 significant digits (read in the C locale's notation
 * whatever the process's locale; do not call setlocale while parsing).
 *
 * Files: json.c reads, json-write.c writes, json-number.c converts numbers
 * both ways (with a table json-pow10.py generates), json-int.h is theirs.
 */
#ifndef AIWB_SERVER_JSON_H
#define AIWB_SERVER_JSON_H

#include <stddef.h>
#include <stdint.h>

/* The type of a value. (Named so as not to clash with jansson's JSON_OBJECT
 * and friends, which the tests include alongside.) */
enum json_type {
    JSON_TYPE_NULL,
    JSON_TYPE_BOOL,
    JSON_TYPE_NUMBER,
    JSON_TYPE_STRING,
    JSON_TYPE_ARRAY,
    JSON_TYPE_OBJECT
};

/* json_value.flags: the number was an integer literal that fits an int64_t,
 * kept exactly in u.i (otherwise a number is the double u.d). */
#define JSON_FLAG_INT 0x01u

/*
 * One value. A document is an array of these in document order: a container
 * is followed by its children, an object's children alternating key (a
 * string) and value. Read them through the functions below rather than by
 * walking the array.
 */
struct json_value {
    uint8_t type;  /* enum json_type */
    uint8_t flags; /* JSON_FLAG_* */
    uint16_t reserved;
    uint32_t len; /* string: bytes (without the NUL); array: items; object: members */
    uint32_t aux; /* container: values in its subtree, itself included; string: key hash */
    uint32_t pos; /* byte offset in the text where the value (or key) starts */
    union {
        double d;      /* number without JSON_FLAG_INT */
        int64_t i;     /* number with JSON_FLAG_INT; bool: 0 or 1 */
        const char *s; /* string: NUL-terminated UTF-8, in the arena */
    } u;
};

/*
 * The memory a parse uses: caller-provided (fixed), or owned and grown on
 * demand (then a parse reallocates only when a text is longer than any
 * before it). Reuse one per thread.
 */
struct json_arena {
    unsigned char *base;
    size_t cap;
    int owned; /* base was allocated here and may grow */
};

/* Parse options; pass NULL for the defaults. */
struct json_parse_options {
    unsigned max_depth; /* containers nested deeper are refused; 0: the default (32) */
    unsigned flags;     /* JSON_PARSE_* */
};

#define JSON_PARSE_MAX_DEPTH_DEFAULT 32u
/* Accept "\u0000" in strings (their length then counts past the NUL). */
#define JSON_PARSE_ALLOW_NUL 0x01u

/* Why a parse failed, and where. */
struct json_error {
    size_t offset;      /* byte offset of the offending character (the text's length at its end) */
    unsigned long line; /* 1-based; lines end with '\n' */
    unsigned long column; /* 1-based, in characters (UTF-8 sequences count once) */
    char message[128];    /* what: "expected ',' or '}', found 'x'" */
    char text[192];       /* where and what: "line 1 column 24: expected ',' or '}', found 'x'" */
};

/*
 * Make A use the CAP bytes at BUF, which the caller owns and keeps alive; or,
 * with BUF NULL, memory A allocates and grows itself. json_arena_release()
 * frees what A allocated (not a caller's buffer).
 */
void json_arena_init(struct json_arena *a, void *buf, size_t cap);
void json_arena_release(struct json_arena *a);

/* The arena size a text of LEN bytes may need at most (about 17 * LEN), for
 * callers sizing a fixed arena from their body limit. */
size_t json_arena_need(size_t len);

/*
 * Parse the LEN bytes at TEXT (no NUL needed) as one JSON value of any type,
 * into A. Returns the root value, valid until the next parse on A or its
 * release; NULL on error, with ERR (if not NULL) saying what and where. A
 * fixed arena smaller than json_arena_need(LEN) may fail with "document too
 * large for the parse arena"; an owned one that cannot grow fails with "out
 * of memory". Texts of 2 GiB or more are refused.
 */
const struct json_value *json_parse(struct json_arena *a, const char *text, size_t len,
                                    const struct json_parse_options *opt, struct json_error *err);

/* The 1-based line and column (in characters) of byte OFFSET in TEXT, as in
 * json_error: for a value's pos, to point at a field a later check refuses. */
void json_locate(const char *text, size_t len, size_t offset, unsigned long *line,
                 unsigned long *column);

/* "null", "boolean", "number", "string", "array" or "object". */
const char *json_type_name(enum json_type type);

/*
 * The value of member KEY (NUL-terminated, or KEY_LEN bytes) of object OBJ,
 * borrowed; NULL when OBJ has no such member or is not an object. A linear
 * scan comparing hashes first: for a row of a few dozen columns looked up
 * one by one, or iterate the members with json_iter once and look each key up
 * in a table of your own.
 */
const struct json_value *json_member(const struct json_value *obj, const char *key);
const struct json_value *json_membern(const struct json_value *obj, const char *key,
                                      size_t key_len);

/* Iteration over an array's items or an object's members, in order:
 *
 *     struct json_iter it;
 *     const struct json_value *key, *val;
 *     json_iter_init(&it, obj);
 *     while (json_iter_next(&it, &key, &val))
 *         ... json_str(key), val ...
 *
 * KEY is set to NULL for arrays (and may be passed as NULL). */
struct json_iter {
    const struct json_value *next;
    uint32_t left;
    int object;
};

/* Start iterating container C (a scalar or NULL iterates over nothing). */
void json_iter_init(struct json_iter *it, const struct json_value *c);

/* Set *KEY and *VAL to the next member (or item) and return 1; 0 at the end. */
int json_iter_next(struct json_iter *it, const struct json_value **key,
                   const struct json_value **val);

/* Item I of array ARR (linear in I), borrowed; NULL past the end or if ARR
 * is not an array. */
const struct json_value *json_item(const struct json_value *arr, size_t i);

/*
 * Scalars. Each accessor takes NULL (say, json_member() finding nothing) and
 * a value of another type alike, and then answers 0 or NULL.
 */

/* A number as a double (an integer converted, rounding to nearest beyond
 * 2^53). */
static inline double
json_double(const struct json_value *v)
{
    if (v == NULL || v->type != JSON_TYPE_NUMBER)
        return 0.0;
    return (v->flags & JSON_FLAG_INT) ? (double)v->u.i : v->u.d;
}

/* Whether V is a number written as an integer that fits int64_t, and then
 * the integer (exact). */
static inline int
json_is_int(const struct json_value *v)
{
    return v != NULL && v->type == JSON_TYPE_NUMBER && (v->flags & JSON_FLAG_INT);
}

static inline int64_t
json_int(const struct json_value *v)
{
    return json_is_int(v) ? v->u.i : 0;
}

/* A string's bytes (NUL-terminated, borrowed from the arena) and length. */
static inline const char *
json_str(const struct json_value *v)
{
    return v != NULL && v->type == JSON_TYPE_STRING ? v->u.s : NULL;
}

static inline size_t
json_str_len(const struct json_value *v)
{
    return v != NULL && v->type == JSON_TYPE_STRING ? v->len : 0;
}

/* A boolean as 0 or 1. */
static inline int
json_bool(const struct json_value *v)
{
    return v != NULL && v->type == JSON_TYPE_BOOL && v->u.i != 0;
}

/* Items of an array, members of an object. */
static inline size_t
json_size(const struct json_value *v)
{
    return v != NULL && v->type >= JSON_TYPE_ARRAY ? v->len : 0;
}

/*
 * Writing. The writer appends to its buffer and remembers the first error
 * (out of memory, a full fixed buffer, a misuse such as a key outside an
 * object); once failed, calls do nothing. Check json_writer_error() when
 * done.
 */
struct json_writer {
    char *buf;
    size_t len;
    size_t cap;
    int owned;           /* buf was allocated here and grows */
    int error;           /* the first error, JSON_WRITER_E* or 0 */
    unsigned depth;      /* open containers */
    uint64_t objects;    /* bit d: the container at depth d + 1 is an object */
    unsigned char comma; /* the next value or key needs a ',' first */
    unsigned char keyed; /* a key was written, its value is due */
};

#define JSON_WRITER_ENOMEM 1  /* cannot grow the buffer */
#define JSON_WRITER_EFULL 2   /* a fixed buffer is full */
#define JSON_WRITER_EMISUSE 3 /* calls out of order, or nesting deeper than 64 */

/*
 * Make W write into the CAP bytes at BUF (fixed: the caller owns it), or,
 * with BUF NULL, into a buffer W allocates and grows (CAP is then a first
 * size hint, 0 for a default). json_writer_release() frees what W allocated.
 */
void json_writer_init(struct json_writer *w, char *buf, size_t cap);
void json_writer_release(struct json_writer *w);

/* Empty W (keeping its memory) and forget its error and open containers. */
void json_writer_reset(struct json_writer *w);

/* NULL, or what went wrong first: "out of memory", "buffer full", "writer misuse". */
const char *json_writer_error(const struct json_writer *w);

/* W's text NUL-terminated (the NUL not counted in w->len), borrowed; NULL
 * if W has failed. */
const char *json_writer_cstr(struct json_writer *w);

/*
 * Containers and members. Keys only inside objects, each followed by one
 * value; values inside arrays, after a key, or at the top level (where a
 * new value starts a new document: end a JSON-lines record with
 * json_write_newline()). Each returns 0, or -1 once W has failed.
 */
int json_write_object_begin(struct json_writer *w);
int json_write_object_end(struct json_writer *w);
int json_write_array_begin(struct json_writer *w);
int json_write_array_end(struct json_writer *w);
int json_write_key(struct json_writer *w, const char *key);
int json_write_keyn(struct json_writer *w, const char *key, size_t len);

/* Values. Strings are UTF-8: '"', '\\' and control characters are escaped
 * (\n, \t... or \u00XX), other valid UTF-8 passes through, and each byte of
 * an invalid sequence becomes U+FFFD. A double that is NaN or infinite is
 * written as null. */
int json_write_string(struct json_writer *w, const char *s);
int json_write_stringn(struct json_writer *w, const char *s, size_t len);
int json_write_double(struct json_writer *w, double x);
int json_write_int(struct json_writer *w, int64_t x);
int json_write_uint(struct json_writer *w, uint64_t x);
int json_write_bool(struct json_writer *w, int b);
int json_write_null(struct json_writer *w);

/* LEN bytes of JSON the caller vouches for, written as one value (say a
 * request's validated body). */
int json_write_raw(struct json_writer *w, const char *json, size_t len);

/* A parsed value and everything under it (numbers as parsed: integers
 * exactly, doubles in their shortest form). */
int json_write_value(struct json_writer *w, const struct json_value *v);

/* End a top-level value with '\n' (a JSON-lines record); W must be at the
 * top level. */
int json_write_newline(struct json_writer *w);

/*
 * The shortest decimal that reads back as X, as Python's repr writes it
 * ("0.1", "1e-05", "1e+16", "3.0", "-0.0", "5e-324"), into OUT, which must
 * hold JSON_DOUBLE_MAX bytes; NUL-terminated. Returns its length, or 0 for
 * NaN and infinities (nothing written but the NUL).
 */
#define JSON_DOUBLE_MAX 32
size_t json_format_double(double x, char *out);

#endif /* AIWB_SERVER_JSON_H */
