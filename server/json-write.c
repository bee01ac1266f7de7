/*
 * json-write.c - the server's JSON writer: compact JSON appended to a
 * growable (or a caller's fixed) buffer, commas and order checked by the
 * writer, strings escaped, numbers exact (see json-number.c).
 *
 * SPDX-License-Identifier: MIT
 * Copyright (C) 2026 the aiwb developers
 */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "json-int.h"

/* ------------------------------------------------------------------------ */
/* The writer */

void
json_writer_init(struct json_writer *w, char *buf, size_t cap)
{
    memset(w, 0, sizeof *w);
    w->owned = buf == NULL;
    if (buf != NULL) {
        w->buf = buf;
        w->cap = cap;
    } else if (cap > 0) {
        w->buf = malloc(cap);
        w->cap = w->buf != NULL ? cap : 0;
    }
}

void
json_writer_release(struct json_writer *w)
{
    if (w->owned)
        free(w->buf);
    w->buf = NULL;
    w->cap = 0;
    w->len = 0;
}

void
json_writer_reset(struct json_writer *w)
{
    w->len = 0;
    w->error = 0;
    w->depth = 0;
    w->objects = 0;
    w->comma = 0;
    w->keyed = 0;
}

const char *
json_writer_error(const struct json_writer *w)
{
    switch (w->error) {
    case 0:
        return NULL;
    case JSON_WRITER_ENOMEM:
        return "out of memory";
    case JSON_WRITER_EFULL:
        return "buffer full";
    default:
        return "writer misuse";
    }
}

static int
set_error(struct json_writer *w, int error)
{
    if (w->error == 0)
        w->error = error;
    return -1;
}

/* Make room for N more bytes, growing an owned buffer. */
static int
grow(struct json_writer *w, size_t n)
{
    size_t cap = w->cap > 0 ? w->cap : 256;
    char *b;

    if (w->error)
        return -1;
    if (!w->owned)
        return set_error(w, JSON_WRITER_EFULL);
    if (n > SIZE_MAX / 2 - w->len)
        return set_error(w, JSON_WRITER_ENOMEM);
    while (cap - w->len < n)
        cap *= 2;
    b = realloc(w->buf, cap);
    if (b == NULL)
        return set_error(w, JSON_WRITER_ENOMEM);
    w->buf = b;
    w->cap = cap;
    return 0;
}

static inline int
reserve(struct json_writer *w, size_t n)
{
    return w->cap - w->len >= n ? 0 : grow(w, n);
}

static inline int
in_object(const struct json_writer *w)
{
    return w->depth > 0 && (w->objects >> (w->depth - 1) & 1);
}

/* Before a value: check the order, make room for the comma and N bytes. */
static inline int
begin_value(struct json_writer *w, size_t n)
{
    if (w->error)
        return -1;
    if (in_object(w) ? !w->keyed : w->depth == 0 && w->comma)
        return set_error(w, JSON_WRITER_EMISUSE);
    if (reserve(w, n + w->comma) < 0)
        return -1;
    if (w->comma)
        w->buf[w->len++] = ',';
    w->keyed = 0;
    w->comma = 1;
    return 0;
}

static int
open_container(struct json_writer *w, int object)
{
    if (w->depth == 64)
        return set_error(w, JSON_WRITER_EMISUSE);
    if (begin_value(w, 1) < 0)
        return -1;
    w->buf[w->len++] = object ? '{' : '[';
    if (object)
        w->objects |= (uint64_t)1 << w->depth;
    else
        w->objects &= ~((uint64_t)1 << w->depth);
    w->depth++;
    w->comma = 0;
    return 0;
}

static int
close_container(struct json_writer *w, int object)
{
    if (w->error)
        return -1;
    if (w->depth == 0 || in_object(w) != object || w->keyed)
        return set_error(w, JSON_WRITER_EMISUSE);
    if (reserve(w, 1) < 0)
        return -1;
    w->buf[w->len++] = object ? '}' : ']';
    w->depth--;
    w->comma = 1;
    return 0;
}

int
json_write_object_begin(struct json_writer *w)
{
    return open_container(w, 1);
}

int
json_write_object_end(struct json_writer *w)
{
    return close_container(w, 1);
}

int
json_write_array_begin(struct json_writer *w)
{
    return open_container(w, 0);
}

int
json_write_array_end(struct json_writer *w)
{
    return close_container(w, 0);
}

static const char hex_digits[] = "0123456789abcdef";

/* S (LEN bytes) quoted and escaped at the end of W's buffer, which has room
 * for 6 * LEN + 2 bytes. */
static void
put_string(struct json_writer *w, const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + len;
    char *d = w->buf + w->len;
    uint64_t x;
    int n;

    *d++ = '"';
    for (;;) {
        while (end - p >= 8) {
            memcpy(&x, p, 8);
            if (json_any_special8(x))
                break;
            memcpy(d, &x, 8);
            p += 8;
            d += 8;
        }
        while (p < end && !json_string_special[*p])
            *d++ = (char)*p++;
        if (p == end)
            break;
        if (*p == '"' || *p == '\\') {
            *d++ = '\\';
            *d++ = (char)*p++;
        } else if (*p < 0x20) {
            *d++ = '\\';
            switch (*p) {
            case '\b':
                *d++ = 'b';
                break;
            case '\f':
                *d++ = 'f';
                break;
            case '\n':
                *d++ = 'n';
                break;
            case '\r':
                *d++ = 'r';
                break;
            case '\t':
                *d++ = 't';
                break;
            default:
                memcpy(d, "u00", 3);
                d[3] = hex_digits[*p >> 4];
                d[4] = hex_digits[*p & 15];
                d += 5;
                break;
            }
            p++;
        } else if ((n = json_utf8_sequence(p, end)) > 0) {
            while (n-- > 0)
                *d++ = (char)*p++;
        } else {
            memcpy(d, "\xef\xbf\xbd", 3); /* U+FFFD for each invalid byte */
            d += 3;
            p++;
        }
    }
    *d++ = '"';
    w->len = (size_t)(d - w->buf);
}

/* The bytes put_string() writes for S (LEN bytes), quotes included. */
static size_t
escaped_size(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + len;
    size_t n = 2;
    int k;

    while (p < end) {
        if (!json_string_special[*p]) {
            n++;
            p++;
        } else if (*p == '"' || *p == '\\') {
            n += 2;
            p++;
        } else if (*p < 0x20) {
            n += *p == '\b' || *p == '\f' || *p == '\n' || *p == '\r' || *p == '\t' ? 2 : 6;
            p++;
        } else if ((k = json_utf8_sequence(p, end)) > 0) {
            n += (size_t)k;
            p += k;
        } else {
            n += 3;
            p++;
        }
    }
    return n;
}

/* Room for S (LEN bytes) escaped, plus EXTRA bytes: the worst case (6 bytes
 * a byte) in a growing buffer, the exact size in a fixed one that lacks it. */
static int
reserve_string(struct json_writer *w, const char *s, size_t len, size_t extra)
{
    if (len > (SIZE_MAX - 8 - extra) / 6)
        return set_error(w, JSON_WRITER_ENOMEM);
    if (w->cap - w->len >= 6 * len + 2 + extra || w->owned)
        return reserve(w, 6 * len + 2 + extra);
    return reserve(w, escaped_size(s, len) + extra);
}

int
json_write_keyn(struct json_writer *w, const char *key, size_t len)
{
    if (w->error)
        return -1;
    if (!in_object(w) || w->keyed)
        return set_error(w, JSON_WRITER_EMISUSE);
    if (reserve_string(w, key, len, 2) < 0)
        return -1;
    if (w->comma)
        w->buf[w->len++] = ',';
    put_string(w, key, len);
    w->buf[w->len++] = ':';
    w->keyed = 1;
    w->comma = 0;
    return 0;
}

int
json_write_key(struct json_writer *w, const char *key)
{
    return json_write_keyn(w, key, strlen(key));
}

int
json_write_stringn(struct json_writer *w, const char *s, size_t len)
{
    if (begin_value(w, 0) < 0)
        return -1;
    if (reserve_string(w, s, len, 0) < 0)
        return -1;
    put_string(w, s, len);
    return 0;
}

int
json_write_string(struct json_writer *w, const char *s)
{
    return json_write_stringn(w, s, strlen(s));
}

/* Write the N bytes at T as a value (numbers formatted aside, when the
 * buffer may be too small for the longest form). */
static int
put_scalar(struct json_writer *w, const char *t, size_t n)
{
    if (begin_value(w, n) < 0)
        return -1;
    memcpy(w->buf + w->len, t, n);
    w->len += n;
    return 0;
}

int
json_write_double(struct json_writer *w, double x)
{
    char t[JSON_DOUBLE_MAX];
    size_t n;

    if (!isfinite(x))
        return put_scalar(w, "null", 4);
    if (w->cap - w->len > JSON_DOUBLE_MAX) {
        /* room for any: format in place */
        if (begin_value(w, JSON_DOUBLE_MAX) < 0)
            return -1;
        w->len += json_format_double(x, w->buf + w->len);
        return 0;
    }
    n = json_format_double(x, t);
    return put_scalar(w, t, n);
}

int
json_write_uint(struct json_writer *w, uint64_t x)
{
    char t[24];

    return put_scalar(w, t, json_put_u64(t, x));
}

int
json_write_int(struct json_writer *w, int64_t x)
{
    char t[24];

    if (x >= 0)
        return put_scalar(w, t, json_put_u64(t, (uint64_t)x));
    t[0] = '-';
    return put_scalar(w, t, 1 + json_put_u64(t + 1, (uint64_t)0 - (uint64_t)x));
}

int
json_write_bool(struct json_writer *w, int b)
{
    return b ? put_scalar(w, "true", 4) : put_scalar(w, "false", 5);
}

int
json_write_null(struct json_writer *w)
{
    return put_scalar(w, "null", 4);
}

int
json_write_raw(struct json_writer *w, const char *json, size_t len)
{
    return put_scalar(w, json, len);
}

int
json_write_value(struct json_writer *w, const struct json_value *v)
{
    struct json_iter it;
    const struct json_value *key, *val;

    switch (v->type) {
    case JSON_TYPE_NULL:
        return json_write_null(w);
    case JSON_TYPE_BOOL:
        return json_write_bool(w, v->u.i != 0);
    case JSON_TYPE_NUMBER:
        if (v->flags & JSON_FLAG_INT)
            return json_write_int(w, v->u.i);
        return json_write_double(w, v->u.d);
    case JSON_TYPE_STRING:
        return json_write_stringn(w, v->u.s, v->len);
    case JSON_TYPE_ARRAY:
    case JSON_TYPE_OBJECT:
        if (open_container(w, v->type == JSON_TYPE_OBJECT) < 0)
            return -1;
        json_iter_init(&it, v);
        while (json_iter_next(&it, &key, &val)) {
            if (key != NULL && json_write_keyn(w, key->u.s, key->len) < 0)
                return -1;
            if (json_write_value(w, val) < 0)
                return -1;
        }
        return close_container(w, v->type == JSON_TYPE_OBJECT);
    }
    return set_error(w, JSON_WRITER_EMISUSE);
}

int
json_write_newline(struct json_writer *w)
{
    if (w->error)
        return -1;
    if (w->depth != 0)
        return set_error(w, JSON_WRITER_EMISUSE);
    if (reserve(w, 1) < 0)
        return -1;
    w->buf[w->len++] = '\n';
    w->comma = 0;
    return 0;
}

const char *
json_writer_cstr(struct json_writer *w)
{
    if (w->error || reserve(w, 1) < 0)
        return NULL;
    w->buf[w->len] = '\0';
    return w->buf;
}
