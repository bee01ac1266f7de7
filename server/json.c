/*
 * json.c - the prediction server's JSON reader: strict RFC 8259, into a
 * reusable arena, and the functions that read what it parsed. The writer is
 * json-write.c, the numbers' conversions json-number.c.
 *
 * SPDX-License-Identifier: MIT
 * Copyright (C) 2026 the aiwb developers
 *
 * Numbers are read exactly (json-number.c, with strtod for more than 19
 * significant digits); strings are unescaped into the arena, NUL-terminated.
 *
 * The parser is iterative (no recursion, whatever the nesting): an open
 * container keeps its parent's index in its aux field until it closes.
 */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "json-int.h"

#if defined(__GNUC__)
#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))
#define UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define PRINTF_LIKE(f, a)
#define UNLIKELY(x) (x)
#endif

/* ------------------------------------------------------------------------ */
/* The parser */

#define NO_PARENT UINT32_MAX

struct parser {
    const unsigned char *start;
    const unsigned char *end;
    struct json_value *tok;
    uint32_t ntok;
    uint32_t captok;
    char *str;              /* the next free byte for string contents */
    unsigned char *scratch; /* duplicate-key tables, strtod's copy of a number */
    size_t scratch_cap;
    unsigned max_depth;
    unsigned flags;
    struct json_error *err;
};

/* (json-int.h) */
const unsigned char json_string_special[256] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x00 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x10 */
    0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x20 '"' */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x30 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x40 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, /* 0x50 '\\' */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x60 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x70 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x80 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x90 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0xa0 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0xb0 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0xc0 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0xd0 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0xe0 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0xf0 */
};

static inline int
is_digit(unsigned c)
{
    return c - '0' < 10;
}

static inline int
is_letter(unsigned c)
{
    return (c | 0x20) - 'a' < 26;
}

static inline const unsigned char *
skip_ws(const unsigned char *p, const unsigned char *end)
{
    while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
        p++;
    return p;
}

/* A hash of a key's bytes, for duplicate checks and json_member(). (Fixed-size
 * memcpy calls compile to plain loads; a variable one would be a call.) */
static inline uint32_t
key_hash(const char *s, size_t n)
{
    uint64_t h = 0x9e3779b97f4a7c15u * (n + 1), w = 0;
    uint32_t w4;
    uint16_t w2;
    int shift = 0;

    while (n >= 8) {
        memcpy(&w, s, 8);
        h = (h ^ w) * 0xbf58476d1ce4e5b9u;
        h ^= h >> 32;
        s += 8;
        n -= 8;
    }
    w = 0;
    if (n >= 4) {
        memcpy(&w4, s, 4);
        w = w4;
        shift = 32;
        s += 4;
        n -= 4;
    }
    if (n >= 2) {
        memcpy(&w2, s, 2);
        w |= (uint64_t)w2 << shift;
        shift += 16;
        s += 2;
        n -= 2;
    }
    if (n > 0)
        w |= (uint64_t)(unsigned char)*s << shift;
    h = (h ^ w) * 0x94d049bb133111ebu;
    h ^= h >> 32;
    h *= 0xbf58476d1ce4e5b9u;
    return (uint32_t)(h >> 32);
}

void
json_locate(const char *text, size_t len, size_t offset, unsigned long *line, unsigned long *column)
{
    const unsigned char *p = (const unsigned char *)text;
    unsigned long l = 1, c = 1;
    size_t i;

    if (offset > len)
        offset = len;
    for (i = 0; i < offset; i++) {
        if (p[i] == '\n') {
            l++;
            c = 1;
        } else if ((p[i] & 0xc0) != 0x80) {
            c++;
        }
    }
    *line = l;
    *column = c;
}

/* Record the error (printf-like) at AT; returns NULL, for the caller to return. */
static void *fail(struct parser *ps, const unsigned char *at, const char *fmt, ...)
    PRINTF_LIKE(3, 4);

static void *
fail(struct parser *ps, const unsigned char *at, const char *fmt, ...)
{
    struct json_error *e = ps->err;
    va_list ap;

    if (e == NULL)
        return NULL;
    e->offset = (size_t)(at - ps->start);
    json_locate((const char *)ps->start, (size_t)(ps->end - ps->start), e->offset, &e->line,
                &e->column);
    va_start(ap, fmt);
    vsnprintf(e->message, sizeof e->message, fmt, ap);
    va_end(ap);
    snprintf(e->text, sizeof e->text, "line %lu column %lu: %s", e->line, e->column, e->message);
    return NULL;
}

/* Up to 40 bytes of S (N long) fit for a message, in OUT (64 bytes): control
 * characters as '?', cut on a character boundary, "..." when cut. */
static const char *
excerpt(const char *s, size_t n, char *out)
{
    size_t i, k = n > 40 ? 40 : n;

    if (k < n)
        while (k > 0 && ((unsigned char)s[k] & 0xc0) == 0x80)
            k--;
    for (i = 0; i < k; i++)
        out[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
    if (k < n)
        memcpy(out + i, "...", 4);
    else
        out[i] = '\0';
    return out;
}

/* The character at P for a message: "'x'" or "byte 0xff" into OUT (16 bytes). */
static const char *
show_char(const unsigned char *p, char *out)
{
    if (*p >= 0x20 && *p < 0x7f)
        snprintf(out, 16, "'%c'", *p);
    else
        snprintf(out, 16, "byte 0x%02x", *p);
    return out;
}

/* Whether the N bytes at P spell LOWER (lowercase letters) in any case. */
static int
eq_nocase(const unsigned char *p, const char *lower, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if ((p[i] | 0x20) != (unsigned char)lower[i])
            return 0;
    return 1;
}

/* A word where a value should start (or a literal followed by letters): say
 * what it is. Returns NULL. */
static void *
bad_word(struct parser *ps, const unsigned char *p)
{
    const unsigned char *q = p, *w;
    char buf[64];
    size_t n;

    while (q < ps->end && q - p < 41 &&
           (is_letter(*q) || is_digit(*q) || *q == '_' || *q == '-' || *q == '+' || *q == '.'))
        q++;
    n = (size_t)(q - p);
    if (n == 0)
        n = 1;
    excerpt((const char *)p, n, buf);
    w = p + (*p == '-' || *p == '+');
    n = (size_t)(q - w);
    if ((n == 3 && eq_nocase(w, "nan", 3)) || (n == 3 && eq_nocase(w, "inf", 3)) ||
        (n == 8 && eq_nocase(w, "infinity", 8)))
        return fail(ps, p, "%s is not a JSON value (JSON has no NaN or infinity)", buf);
    return fail(ps, p, "invalid literal '%s'", buf);
}

int
json_utf8_sequence(const unsigned char *p, const unsigned char *end)
{
    unsigned c = p[0];
    unsigned lo = 0x80, hi = 0xbf;
    int n, i;

    if (c < 0xc2)
        return 0;
    if (c < 0xe0) {
        n = 2;
    } else if (c < 0xf0) {
        n = 3;
        if (c == 0xe0)
            lo = 0xa0;
        else if (c == 0xed)
            hi = 0x9f;
    } else if (c < 0xf5) {
        n = 4;
        if (c == 0xf0)
            lo = 0x90;
        else if (c == 0xf4)
            hi = 0x8f;
    } else {
        return 0;
    }
    if (end - p < n || p[1] < lo || p[1] > hi)
        return 0;
    for (i = 2; i < n; i++)
        if ((p[i] & 0xc0) != 0x80)
            return 0;
    return n;
}

static int
hex4(const unsigned char *p, unsigned *out)
{
    unsigned v = 0, c;
    int i;

    for (i = 0; i < 4; i++) {
        c = p[i];
        if (is_digit(c))
            c -= '0';
        else if ((c | 0x20) - 'a' < 6)
            c = (c | 0x20) - 'a' + 10;
        else
            return -1;
        v = v << 4 | c;
    }
    *out = v;
    return 0;
}

static char *
put_utf8(char *d, unsigned cp)
{
    if (cp < 0x80) {
        *d++ = (char)cp;
    } else if (cp < 0x800) {
        *d++ = (char)(0xc0 | cp >> 6);
        *d++ = (char)(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
        *d++ = (char)(0xe0 | cp >> 12);
        *d++ = (char)(0x80 | (cp >> 6 & 0x3f));
        *d++ = (char)(0x80 | (cp & 0x3f));
    } else {
        *d++ = (char)(0xf0 | cp >> 18);
        *d++ = (char)(0x80 | (cp >> 12 & 0x3f));
        *d++ = (char)(0x80 | (cp >> 6 & 0x3f));
        *d++ = (char)(0x80 | (cp & 0x3f));
    }
    return d;
}

/*
 * The escape at P (P[0] is '\\'): its code point appended at *D. Returns the
 * byte after it, or NULL (error set).
 */
static const unsigned char *
parse_escape(struct parser *ps, const unsigned char *p, char **d)
{
    const unsigned char *end = ps->end;
    unsigned cp, lo;
    char c;

    switch (p[1]) {
    case '"':
        c = '"';
        break;
    case '\\':
        c = '\\';
        break;
    case '/':
        c = '/';
        break;
    case 'b':
        c = '\b';
        break;
    case 'f':
        c = '\f';
        break;
    case 'n':
        c = '\n';
        break;
    case 'r':
        c = '\r';
        break;
    case 't':
        c = '\t';
        break;
    case 'u':
        if (end - p < 6 || hex4(p + 2, &cp) < 0)
            return fail(ps, p, "invalid \\u escape (four hex digits expected)");
        if (cp >= 0xdc00 && cp <= 0xdfff)
            return fail(ps, p, "lone low surrogate \\u%04X", cp);
        if (cp >= 0xd800 && cp <= 0xdbff) {
            if (end - p < 12 || p[6] != '\\' || p[7] != 'u' || hex4(p + 8, &lo) < 0 ||
                lo < 0xdc00 || lo > 0xdfff)
                return fail(
                    ps, p,
                    "lone high surrogate \\u%04X (a low surrogate \\uDC00-\\uDFFF must follow)",
                    cp);
            *d = put_utf8(*d, 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00));
            return p + 12;
        }
        if (cp == 0 && !(ps->flags & JSON_PARSE_ALLOW_NUL))
            return fail(ps, p, "\\u0000 is not allowed in strings");
        *d = put_utf8(*d, cp);
        return p + 6;
    default:
        if (p[1] >= 0x21 && p[1] < 0x7f)
            return fail(ps, p, "invalid escape '\\%c'", p[1]);
        return fail(ps, p, "invalid escape: '\\' followed by byte 0x%02x", p[1]);
    }
    *(*d)++ = c;
    return p + 2;
}

/*
 * The string whose opening quote is at P: its contents unescaped and
 * NUL-terminated into the arena, their place and length in V. Returns the
 * byte after the closing quote, or NULL (error set).
 */
static const unsigned char *
parse_string(struct parser *ps, const unsigned char *p, struct json_value *v)
{
    const unsigned char *end = ps->end, *open = p;
    char *d = ps->str, *d0 = d;
    uint64_t x;
    int n;

    p++;
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
            return fail(ps, open, "unterminated string");
        if (*p == '"')
            break;
        if (*p == '\\') {
            if (end - p < 2)
                return fail(ps, open, "unterminated string");
            p = parse_escape(ps, p, &d);
            if (p == NULL)
                return NULL;
        } else if (*p < 0x20) {
            return fail(ps, p, "control character 0x%02x in a string (it must be escaped)", *p);
        } else {
            n = json_utf8_sequence(p, end);
            if (n == 0)
                return fail(ps, p, "invalid UTF-8 in a string (byte 0x%02x)", *p);
            while (n-- > 0)
                *d++ = (char)*p++;
        }
    }
    *d = '\0';
    v->type = JSON_TYPE_STRING;
    v->len = (uint32_t)(d - d0);
    v->u.s = d0;
    ps->str = d + 1;
    return p + 1;
}

/*
 * The number starting at P (a '-' or a digit) into V. Returns the byte after
 * it, or NULL (error set).
 */
static const unsigned char *
parse_number(struct parser *ps, const unsigned char *p, struct json_value *v)
{
    const unsigned char *s = p, *end = ps->end, *f;
    uint64_t m = 0;
    int64_t e10 = 0, x;
    int neg = 0, nd = 0, many = 0, integer = 1, eneg;
    char buf[64];
    double d;

    if (*p == '-') {
        neg = 1;
        p++;
        if (p == end)
            return fail(ps, p, "unexpected end of input (a digit must follow '-')");
        if (!is_digit(*p)) {
            if (is_letter(*p))
                return bad_word(ps, s);
            return fail(ps, p, "a digit must follow '-'");
        }
    }
    if (*p == '0') {
        p++;
        if (p < end && is_digit(*p))
            return fail(ps, s, "leading zeros are not allowed in numbers");
    } else {
        for (; p < end && is_digit(*p); p++) {
            if (nd < 19)
                m = m * 10 + (*p - '0');
            else
                many = 1;
            nd++;
        }
    }
    if (p < end && *p == '.') {
        integer = 0;
        f = ++p;
        for (; p < end && is_digit(*p); p++) {
            if (nd == 0 && *p == '0') {
                e10--;
            } else if (nd < 19) {
                m = m * 10 + (*p - '0');
                nd++;
                e10--;
            } else {
                many = 1;
            }
        }
        if (p == f)
            return fail(ps, p, "%s",
                        p == end ? "unexpected end of input (a digit must follow '.')"
                                 : "a digit must follow the decimal point");
    }
    if (p < end && (*p | 0x20) == 'e') {
        integer = 0;
        p++;
        eneg = 0;
        if (p < end && (*p == '+' || *p == '-'))
            eneg = *p++ == '-';
        if (p == end || !is_digit(*p))
            return fail(ps, p, "%s",
                        p == end ? "unexpected end of input (a digit must follow the exponent)"
                                 : "a digit must follow the exponent's 'e'");
        for (x = 0; p < end && is_digit(*p); p++)
            if (x < 100000000)
                x = x * 10 + (*p - '0');
        e10 += eneg ? -x : x;
    }
    v->type = JSON_TYPE_NUMBER;
    if (!many) {
        if (integer && m != 0 && (neg ? m <= (uint64_t)1 << 63 : m <= (uint64_t)INT64_MAX)) {
            v->flags = JSON_FLAG_INT;
            v->u.i = !neg ? (int64_t)m : m == (uint64_t)1 << 63 ? INT64_MIN : -(int64_t)m;
            return p;
        }
        if (integer && m == 0 && !neg) {
            v->flags = JSON_FLAG_INT;
            v->u.i = 0;
            return p;
        }
        if (json_decimal_to_double(m, e10, neg, &d)) {
            if (UNLIKELY(isinf(d)))
                goto range;
            v->u.d = d;
            return p;
        }
    }
    /* More than 19 significant digits: strtod, in the C locale's notation
     * whatever the process's locale. */
    {
        size_t n = (size_t)(p - s), i, k = 0;
        const char *dp = localeconv()->decimal_point;
        size_t dpn = dp != NULL && dp[0] != '\0' ? strlen(dp) : 0;
        char *t = (char *)ps->scratch;

        if (dpn == 0 || (dpn == 1 && dp[0] == '.')) {
            dp = ".";
            dpn = 1;
        }
        if (n + dpn + 1 > ps->scratch_cap)
            return fail(ps, s, "document too large for the parse arena");
        for (i = 0; i < n; i++) {
            if (s[i] == '.') {
                memcpy(t + k, dp, dpn);
                k += dpn;
            } else {
                t[k++] = (char)s[i];
            }
        }
        t[k] = '\0';
        d = strtod(t, NULL);
        if (isinf(d))
            goto range;
        v->u.d = d;
        return p;
    }
range:
    return fail(ps, s, "number %s is out of the range of a double",
                excerpt((const char *)s, (size_t)(p - s), buf));
}

/* What is wrong at P, where a value should start. */
static const struct json_value *
bad_value(struct parser *ps, const unsigned char *p)
{
    char c[16];

    switch (*p) {
    case '/':
        return fail(ps, p, "comments are not allowed in JSON");
    case '\'':
        return fail(ps, p, "strings must be in double quotes");
    case '+':
        if (p + 1 < ps->end && is_letter(p[1]))
            return bad_word(ps, p);
        return fail(ps, p, "a number must not start with '+'");
    case '.':
        return fail(ps, p, "a number must start with a digit");
    case 0xef:
        if (p == ps->start && ps->end - p >= 3 && p[1] == 0xbb && p[2] == 0xbf)
            return fail(ps, p, "byte order mark before the JSON text");
        break;
    default:
        if (is_letter(*p) || *p == '_')
            return bad_word(ps, p);
        break;
    }
    return fail(ps, p, "expected a value, found %s", show_char(p, c));
}

/* The value after key K: K + 1; the one after value V: V + its subtree. */
static inline uint32_t
subtree(const struct json_value *v)
{
    return v->type >= JSON_TYPE_ARRAY ? v->aux : 1;
}

static inline int
same_key(const struct json_value *a, const struct json_value *b)
{
    return a->aux == b->aux && a->len == b->len && memcmp(a->u.s, b->u.s, a->len) == 0;
}

/* Key order for the sort fallback: hash, length, bytes, then position. */
static int
key_cmp(const struct json_value *tok, uint32_t i, uint32_t j)
{
    const struct json_value *a = &tok[i], *b = &tok[j];
    int c;

    if (a->aux != b->aux)
        return a->aux < b->aux ? -1 : 1;
    if (a->len != b->len)
        return a->len < b->len ? -1 : 1;
    c = memcmp(a->u.s, b->u.s, a->len);
    if (c != 0)
        return c;
    return i < j ? -1 : i > j;
}

static void
sift_down(const struct json_value *tok, uint32_t *idx, size_t root, size_t n)
{
    size_t child;
    uint32_t t;

    while ((child = 2 * root + 1) < n) {
        if (child + 1 < n && key_cmp(tok, idx[child], idx[child + 1]) < 0)
            child++;
        if (key_cmp(tok, idx[root], idx[child]) >= 0)
            return;
        t = idx[root];
        idx[root] = idx[child];
        idx[child] = t;
        root = child;
    }
}

/* Heapsort: O(n log n) whatever the keys, no allocation. Returns the index
 * of the earliest repeated key, or 0 if none. */
static uint32_t
sorted_duplicate(const struct json_value *tok, uint32_t *idx, size_t n)
{
    size_t i;
    uint32_t t, dup = 0;

    for (i = n / 2; i-- > 0;)
        sift_down(tok, idx, i, n);
    for (i = n; i-- > 1;) {
        t = idx[0];
        idx[0] = idx[i];
        idx[i] = t;
        sift_down(tok, idx, 0, i);
    }
    for (i = 1; i < n; i++)
        if (same_key(&tok[idx[i - 1]], &tok[idx[i]]) && (dup == 0 || idx[i] < dup))
            dup = idx[i];
    return dup;
}

/*
 * Refuse object O (just closed, more than one member) if a key repeats,
 * naming the second occurrence. Small objects compare pairwise; others go
 * through a hash table, and if its probes grow long (keys crafted to collide)
 * through a sort, so no input costs more than O(n log n).
 */
static int
check_duplicates(struct parser *ps, uint32_t o)
{
    const struct json_value *tok = ps->tok;
    size_t n = tok[o].len, size, mask, probes = 0, budget, i, j, slot;
    uint32_t *idx = (uint32_t *)ps->scratch, *table, k, dup = 0;
    char buf[64];

    k = o + 1;
    for (i = 0; i < n; i++) {
        idx[i] = k;
        k += 1 + subtree(&tok[k + 1]);
    }
    if (n <= 8) {
        for (i = 1; i < n && dup == 0; i++)
            for (j = 0; j < i; j++)
                if (same_key(&tok[idx[i]], &tok[idx[j]])) {
                    dup = idx[i];
                    break;
                }
    } else {
        for (size = 16; size < 2 * n; size *= 2)
            ;
        mask = size - 1;
        table = idx + n;
        memset(table, 0, size * sizeof *table);
        budget = 4 * n + 64;
        for (i = 0; i < n && dup == 0; i++) {
            for (slot = tok[idx[i]].aux & mask; table[slot] != 0; slot = (slot + 1) & mask) {
                if (same_key(&tok[idx[i]], &tok[table[slot]])) {
                    dup = idx[i];
                    break;
                }
                if (++probes > budget) {
                    dup = sorted_duplicate(tok, idx, n);
                    goto out;
                }
            }
            table[slot] = idx[i];
        }
    }
out:
    if (dup == 0)
        return 0;
    fail(ps, ps->start + tok[dup].pos, "duplicate key '%s'",
         excerpt(tok[dup].u.s, tok[dup].len, buf));
    return -1;
}

size_t
json_arena_need(size_t len)
{
    if (len > ((size_t)UINT32_MAX - 1) / 2 || len > (SIZE_MAX - 256) / 32)
        return SIZE_MAX;
    /* tokens: a value needs at least two bytes but the last one, so no more
     * than len/2 + 2; strings: shorter than their text; scratch: 20 bytes a
     * member (a member takes 5 bytes) or a number's copy for strtod. */
    return (len / 2 + 2) * sizeof(struct json_value) + (len + 16) + (4 * len + 64) + 16;
}

void
json_arena_init(struct json_arena *a, void *buf, size_t cap)
{
    a->base = buf;
    a->cap = buf != NULL ? cap : 0;
    a->owned = buf == NULL;
}

void
json_arena_release(struct json_arena *a)
{
    if (a->owned)
        free(a->base);
    a->base = NULL;
    a->cap = 0;
}

/* Set the parser's regions in A for a text of LEN bytes. */
static int
arena_layout(struct parser *ps, struct json_arena *a, size_t len)
{
    size_t need = json_arena_need(len), pad, tokbytes;
    unsigned char *base;

    if (need == SIZE_MAX) {
        fail(ps, ps->start, "input too large (2 GiB or more)");
        return -1;
    }
    if (a->cap < need) {
        if (!a->owned) {
            fail(ps, ps->start, "document too large for the parse arena (it needs %zu bytes)",
                 need);
            return -1;
        }
        /* no realloc: nothing in the old arena needs keeping */
        free(a->base);
        a->cap = 0;
        a->base = malloc(need + need / 4);
        if (a->base == NULL) {
            fail(ps, ps->start, "out of memory");
            return -1;
        }
        a->cap = need + need / 4;
    }
    base = a->base;
    pad = (8 - (uintptr_t)base % 8) % 8;
    tokbytes = (len / 2 + 2) * sizeof(struct json_value);
    ps->tok = (struct json_value *)(void *)(base + pad);
    ps->captok = (uint32_t)(len / 2 + 2);
    ps->scratch = base + pad + tokbytes;
    ps->scratch_cap = 4 * len + 64;
    ps->str = (char *)ps->scratch + ps->scratch_cap;
    return 0;
}

static inline struct json_value *
push(struct parser *ps, const unsigned char *p)
{
    struct json_value *v = &ps->tok[ps->ntok++];

    v->flags = 0;
    v->reserved = 0;
    v->len = 0;
    v->aux = 0;
    v->pos = (uint32_t)(p - ps->start);
    return v;
}

const struct json_value *
json_parse(struct json_arena *a, const char *text, size_t len, const struct json_parse_options *opt,
           struct json_error *err)
{
    struct parser ps;
    const unsigned char *p, *end;
    struct json_value *v, *tok;
    uint32_t cur = NO_PARENT, c;
    unsigned depth = 0;
    char ch[16];

    /* no arithmetic on a null pointer, even + 0 */
    ps.start = (const unsigned char *)(text != NULL ? text : "");
    ps.end = end = ps.start + (text != NULL ? len : 0);
    ps.ntok = 0;
    ps.max_depth =
        opt != NULL && opt->max_depth != 0 ? opt->max_depth : JSON_PARSE_MAX_DEPTH_DEFAULT;
    ps.flags = opt != NULL ? opt->flags : 0;
    ps.err = err;
    if (text == NULL && len > 0)
        return fail(&ps, ps.start, "no text");
    if (arena_layout(&ps, a, len) < 0)
        return NULL;
    tok = ps.tok;

    p = skip_ws(ps.start, end);
    if (p == end)
        return fail(&ps, p, "empty input (expected a JSON value)");
value:
    /* p < end, at the first byte of a value */
    if (UNLIKELY(ps.ntok == ps.captok))
        return fail(&ps, p, "document too large for the parse arena");
    v = push(&ps, p);
    switch (*p) {
    case '{':
    case '[':
        if (depth == ps.max_depth)
            return fail(&ps, p, "nesting deeper than %u levels", ps.max_depth);
        depth++;
        v->type = *p == '{' ? JSON_TYPE_OBJECT : JSON_TYPE_ARRAY;
        v->u.i = 0;
        v->aux = cur;
        cur = ps.ntok - 1;
        p = skip_ws(p + 1, end);
        if (p == end)
            return fail(&ps, p, "unexpected end of input (expected %s)",
                        v->type == JSON_TYPE_OBJECT ? "a string key or '}'" : "a value or ']'");
        if (v->type == JSON_TYPE_ARRAY) {
            if (*p == ']') {
                p++;
                goto close;
            }
            v->len = 1;
            goto value;
        }
        if (*p == '}') {
            p++;
            goto close;
        }
        if (*p != '"')
            return fail(&ps, p, "expected a string key or '}', found %s", show_char(p, ch));
        goto key;
    case '"':
        p = parse_string(&ps, p, v);
        if (p == NULL)
            return NULL;
        break;
    case '-':
    case '0':
    case '1':
    case '2':
    case '3':
    case '4':
    case '5':
    case '6':
    case '7':
    case '8':
    case '9':
        p = parse_number(&ps, p, v);
        if (p == NULL)
            return NULL;
        break;
    case 't':
        if (end - p < 4 || memcmp(p, "true", 4) != 0)
            return bad_word(&ps, p);
        v->type = JSON_TYPE_BOOL;
        v->u.i = 1;
        p += 4;
        goto literal;
    case 'f':
        if (end - p < 5 || memcmp(p, "false", 5) != 0)
            return bad_word(&ps, p);
        v->type = JSON_TYPE_BOOL;
        v->u.i = 0;
        p += 5;
        goto literal;
    case 'n':
        if (end - p < 4 || memcmp(p, "null", 4) != 0)
            return bad_word(&ps, p);
        v->type = JSON_TYPE_NULL;
        v->u.i = 0;
        p += 4;
    literal:
        if (p < end && (is_letter(*p) || is_digit(*p) || *p == '_'))
            return bad_word(&ps, ps.start + v->pos);
        break;
    default:
        return bad_value(&ps, p);
    }

after:
    /* a value ended at p */
    if (cur == NO_PARENT)
        goto done;
    p = skip_ws(p, end);
    if (tok[cur].type == JSON_TYPE_ARRAY) {
        if (p < end && *p == ',') {
            p = skip_ws(p + 1, end);
            if (p == end)
                return fail(&ps, p, "unexpected end of input (expected a value)");
            if (*p == ']')
                return fail(&ps, p, "trailing comma before ']'");
            tok[cur].len++;
            goto value;
        }
        if (p < end && *p == ']') {
            p++;
            goto close;
        }
        if (p == end)
            return fail(&ps, p, "unexpected end of input (expected ',' or ']')");
        return fail(&ps, p, "expected ',' or ']', found %s", show_char(p, ch));
    }
    if (p < end && *p == ',') {
        p = skip_ws(p + 1, end);
        if (p == end)
            return fail(&ps, p, "unexpected end of input (expected a string key)");
        if (*p == '"')
            goto key;
        if (*p == '}')
            return fail(&ps, p, "trailing comma before '}'");
        return fail(&ps, p, "expected a string key, found %s", show_char(p, ch));
    }
    if (p < end && *p == '}') {
        p++;
        goto close;
    }
    if (p == end)
        return fail(&ps, p, "unexpected end of input (expected ',' or '}')");
    return fail(&ps, p, "expected ',' or '}', found %s", show_char(p, ch));

key:
    /* p at the opening quote of a key in object cur */
    if (UNLIKELY(ps.ntok == ps.captok))
        return fail(&ps, p, "document too large for the parse arena");
    v = push(&ps, p);
    c = (uint32_t)(p - ps.start);
    p = parse_string(&ps, p, v);
    if (p == NULL)
        return NULL;
    /* hash the text when it has no escapes: the copy was just written byte by
     * byte, and reading it back in words would stall on store forwarding */
    v->aux = key_hash(
        (size_t)(p - ps.start) - c - 2 == v->len ? (const char *)ps.start + c + 1 : v->u.s, v->len);
    tok[cur].len++;
    p = skip_ws(p, end);
    if (p == end)
        return fail(&ps, p, "unexpected end of input (expected ':')");
    if (*p != ':')
        return fail(&ps, p, "expected ':' after the key, found %s", show_char(p, ch));
    p = skip_ws(p + 1, end);
    if (p == end)
        return fail(&ps, p, "unexpected end of input (expected a value)");
    goto value;

close:
    /* the container cur ended just before p */
    depth--;
    c = cur;
    cur = tok[c].aux;
    tok[c].aux = ps.ntok - c;
    if (tok[c].type == JSON_TYPE_OBJECT && tok[c].len > 1 && check_duplicates(&ps, c) < 0)
        return NULL;
    goto after;

done:
    p = skip_ws(p, end);
    if (p != end)
        return fail(&ps, p, "unexpected %s after the JSON value", show_char(p, ch));
    return tok;
}

/* ------------------------------------------------------------------------ */
/* Reading parsed values */

const char *
json_type_name(enum json_type type)
{
    static const char *const names[] = {"null", "boolean", "number", "string", "array", "object"};

    return (unsigned)type < sizeof names / sizeof names[0] ? names[type] : "unknown";
}

const struct json_value *
json_membern(const struct json_value *obj, const char *key, size_t key_len)
{
    const struct json_value *k;
    uint32_t h, i;

    if (obj == NULL || obj->type != JSON_TYPE_OBJECT)
        return NULL;
    h = key_hash(key, key_len);
    k = obj + 1;
    for (i = 0; i < obj->len; i++) {
        if (k->aux == h && k->len == key_len && memcmp(k->u.s, key, key_len) == 0)
            return k + 1;
        k += 1 + subtree(k + 1);
    }
    return NULL;
}

const struct json_value *
json_member(const struct json_value *obj, const char *key)
{
    return json_membern(obj, key, strlen(key));
}

void
json_iter_init(struct json_iter *it, const struct json_value *c)
{
    it->next = c != NULL ? c + 1 : NULL;
    it->left = (uint32_t)json_size(c);
    it->object = c != NULL && c->type == JSON_TYPE_OBJECT;
}

int
json_iter_next(struct json_iter *it, const struct json_value **key, const struct json_value **val)
{
    const struct json_value *k = NULL, *v;

    if (it->left == 0)
        return 0;
    v = it->next;
    if (it->object) {
        k = v;
        v++;
    }
    it->next = v + subtree(v);
    it->left--;
    if (key != NULL)
        *key = k;
    *val = v;
    return 1;
}

const struct json_value *
json_item(const struct json_value *arr, size_t i)
{
    const struct json_value *v;

    if (arr == NULL || arr->type != JSON_TYPE_ARRAY || i >= arr->len)
        return NULL;
    for (v = arr + 1; i > 0; i--)
        v += subtree(v);
    return v;
}
