/*
 * host-codec.c - the prediction server's reader of saved state: the reading
 * side of the workbench's codec (src/core/codec.c), byte for byte and
 * message for message, so a model exported from a workspace loads as it
 * loads there.
 *
 * Copyright (C) 2026 the aiwb developers
 * SPDX-License-Identifier: MIT
 *
 * A sealed blob is "AIWB" | u16 format version | u16 flags | u64 payload
 * length | u32 CRC-32 of the payload | payload, little-endian. A value is
 * u8 type | u8 key length | key | payload, where the payload is an i64
 * (INT), the IEEE-754 bits of a double (REAL), or a u64 count followed by
 * bytes (STR, BLOB), doubles (REALS), i64s (INTS) or counted strings (STRS).
 * Every count is checked against what is left before anything is allocated.
 */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include "host.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FORMAT_VERSION 1 /* the newest format this reader knows (CODEC_FORMAT_VERSION) */
#define HEADER_SIZE 20   /* magic 0-3, version 4-5, flags 6-7, length 8-15, crc 16-19 */
static const unsigned char magic[4] = {'A', 'I', 'W', 'B'};

enum vtype { V_INT = 1, V_REAL, V_STR, V_REALS, V_INTS, V_STRS, V_BLOB };

static const char *const vtype_name[] = {
    "?", "an integer", "a number", "a string", "numbers", "integers", "strings", "a blob",
};

struct aiwb_reader {
    const unsigned char *p, *end;
    char *context;
    char *error;
};

static uint32_t crc_table[256];
static pthread_once_t crc_once = PTHREAD_ONCE_INIT;

static void
crc_init(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;

        for (int k = 0; k < 8; k++)
            c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
        crc_table[i] = c;
    }
}

/* CRC-32 (IEEE 802.3, as zlib's crc32) of LEN bytes at P. */
static uint32_t
checksum(const unsigned char *p, size_t len)
{
    uint32_t crc = 0xffffffffu;

    pthread_once(&crc_once, crc_init);
    while (len--)
        crc = crc_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
    return ~crc;
}

static uint64_t
get_u64(const unsigned char *p)
{
    uint64_t v = 0;

    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

static double
bits_real(uint64_t u)
{
    double v;

    memcpy(&v, &u, sizeof v);
    return v;
}

/*
 * A reader over LEN bytes of unsealed values at DATA (a nested blob),
 * borrowed: DATA must outlive the reader. Free it with host_reader_free.
 */
struct aiwb_reader *
host_reader_open_raw(const unsigned char *data, size_t len)
{
    struct aiwb_reader *r = host_calloc(1, sizeof *r);

    r->p = data;
    r->end = data + len;
    return r;
}

/*
 * A reader over the sealed blob DATA (LEN bytes, borrowed). Returns NULL
 * with *cause set (the caller frees it) when the blob is truncated, not an
 * aiwb blob, of a newer format, has trailing bytes or fails its checksum.
 */
struct aiwb_reader *
host_reader_open(const unsigned char *data, size_t len, char **cause)
{
    uint64_t n;
    unsigned version;
    uint32_t stored = 0, crc;

    if (len < HEADER_SIZE) {
        *cause =
            host_format("truncated state (have %zu bytes, need at least %d)", len, HEADER_SIZE);
        return NULL;
    }
    if (memcmp(data, magic, 4) != 0) {
        *cause = host_strdup("not an aiwb state blob (bad magic number)");
        return NULL;
    }
    version = data[4] | (unsigned)data[5] << 8;
    if (version == 0 || version > FORMAT_VERSION) {
        *cause = host_format("state format version %u is not supported (this aiwb reads up to %d)",
                             version, FORMAT_VERSION);
        return NULL;
    }
    if (data[6] != 0 || data[7] != 0) {
        *cause = host_format("state uses unknown features (flags %02x%02x): written by a newer "
                             "aiwb, or corrupt",
                             data[7], data[6]);
        return NULL;
    }
    n = get_u64(data + 8);
    if (n > len - HEADER_SIZE) {
        *cause = host_format("truncated state (have %zu bytes of data, the header says %llu)",
                             len - HEADER_SIZE, (unsigned long long)n);
        return NULL;
    }
    if (n < len - HEADER_SIZE) {
        *cause = host_format("state has %zu bytes after its end (the header says %llu bytes of "
                             "data): corrupt",
                             len - HEADER_SIZE - (size_t)n, (unsigned long long)n);
        return NULL;
    }
    for (int i = 3; i >= 0; i--)
        stored = (stored << 8) | data[16 + i];
    crc = checksum(data + HEADER_SIZE, (size_t)n);
    if (crc != stored) {
        *cause = host_format("state checksum mismatch (stored %08x, computed %08x): the data is "
                             "corrupt",
                             stored, crc);
        return NULL;
    }
    return host_reader_open_raw(data + HEADER_SIZE, (size_t)n);
}

/* Free R (not its data); NULL does nothing. */
void
host_reader_free(struct aiwb_reader *r)
{
    if (r == NULL)
        return;
    free(r->context);
    free(r->error);
    free(r);
}

/* Prefix R's error messages with CONTEXT (copied; NULL: none). */
void
host_reader_set_context(struct aiwb_reader *r, const char *context)
{
    free(r->context);
    r->context = context != NULL ? host_strdup(context) : NULL;
}

/* The first error R met, or NULL; borrowed from R. */
const char *
host_reader_error(const struct aiwb_reader *r)
{
    return r->error;
}

static int fail(struct aiwb_reader *r, const char *fmt, ...) AIWB_PRINTF(2, 3);

static int
fail(struct aiwb_reader *r, const char *fmt, ...)
{
    va_list ap, aq;
    char *msg;
    int n;

    if (r->error != NULL)
        return AIWB_EDATA;
    va_start(ap, fmt);
    va_copy(aq, ap);
    n = vsnprintf(NULL, 0, fmt, aq);
    va_end(aq);
    msg = host_alloc(n > 0 ? (size_t)n + 1 : 1);
    msg[0] = '\0';
    if (n > 0)
        vsnprintf(msg, (size_t)n + 1, fmt, ap);
    va_end(ap);
    if (r->context != NULL) {
        r->error = host_format("%s: %s", r->context, msg);
        free(msg);
    } else {
        r->error = msg;
    }
    r->p = r->end; /* nothing more can be trusted */
    return AIWB_EDATA;
}

static size_t
left(const struct aiwb_reader *r)
{
    return (size_t)(r->end - r->p);
}

/* Read the head of the next value and check it is TYPE under KEY. */
static int
get_head(struct aiwb_reader *r, enum vtype type, const char *key)
{
    size_t klen;
    unsigned t;

    if (r->error != NULL)
        return AIWB_EDATA;
    if (left(r) == 0)
        return fail(r, "state ends before '%s'", key);
    if (left(r) < 2 || left(r) < 2 + (size_t)r->p[1])
        return fail(r, "state is truncated before '%s'", key);
    t = r->p[0];
    klen = r->p[1];
    if (t < V_INT || t > V_BLOB)
        return fail(r, "state is corrupt before '%s' (unknown value type %u)", key, t);
    if (klen != strlen(key) || memcmp(r->p + 2, key, klen) != 0 || t != (unsigned)type)
        return fail(r, "expected '%s' (%s), found '%.*s' (%s)", key, vtype_name[type], (int)klen,
                    (const char *)r->p + 2, vtype_name[t]);
    r->p += 2 + klen;
    return AIWB_OK;
}

/* Read a u64 count of items of SIZE bytes each that must fit in what is left. */
static int
get_count(struct aiwb_reader *r, const char *key, size_t size, size_t *n)
{
    uint64_t v;

    if (left(r) < 8)
        return fail(r, "value '%s' is truncated", key);
    v = get_u64(r->p);
    r->p += 8;
    if (size > 0 && v > left(r) / size)
        return fail(r, "value '%s' is truncated (claims %llu items, %zu bytes left)", key,
                    (unsigned long long)v, left(r));
    *n = (size_t)v;
    return AIWB_OK;
}

/* Read the integer KEY into *V: AIWB_OK, or AIWB_EDATA with R's error set. */
int
host_get_int(struct aiwb_reader *r, const char *key, int64_t *v)
{
    if (get_head(r, V_INT, key) != AIWB_OK)
        return AIWB_EDATA;
    if (left(r) < 8)
        return fail(r, "value '%s' is truncated", key);
    *v = (int64_t)get_u64(r->p);
    r->p += 8;
    return AIWB_OK;
}

/* Read the number KEY into *V (bit for bit): AIWB_OK, or AIWB_EDATA. */
int
host_get_real(struct aiwb_reader *r, const char *key, double *v)
{
    if (get_head(r, V_REAL, key) != AIWB_OK)
        return AIWB_EDATA;
    if (left(r) < 8)
        return fail(r, "value '%s' is truncated", key);
    *v = bits_real(get_u64(r->p));
    r->p += 8;
    return AIWB_OK;
}

/* A counted string at r->p, as a new NUL-terminated string. */
static int
get_text(struct aiwb_reader *r, const char *key, char **s)
{
    size_t n;

    if (get_count(r, key, 1, &n) != AIWB_OK)
        return AIWB_EDATA;
    if (memchr(r->p, '\0', n) != NULL)
        return fail(r, "value '%s' holds a NUL byte", key);
    *s = host_alloc(n + 1);
    memcpy(*s, r->p, n);
    (*s)[n] = '\0';
    r->p += n;
    return AIWB_OK;
}

/* Read the string KEY into *S (new, the caller frees it): AIWB_OK, or AIWB_EDATA. */
int
host_get_str(struct aiwb_reader *r, const char *key, char **s)
{
    if (get_head(r, V_STR, key) != AIWB_OK)
        return AIWB_EDATA;
    return get_text(r, key, s);
}

/* Read the numbers KEY: *N of them in *V (new, the caller frees it), or AIWB_EDATA. */
int
host_get_reals(struct aiwb_reader *r, const char *key, size_t *n, double **v)
{
    if (get_head(r, V_REALS, key) != AIWB_OK || get_count(r, key, 8, n) != AIWB_OK)
        return AIWB_EDATA;
    *v = host_alloc((*n ? *n : 1) * sizeof **v);
    for (size_t i = 0; i < *n; i++, r->p += 8)
        (*v)[i] = bits_real(get_u64(r->p));
    return AIWB_OK;
}

/* Read the integers KEY: *N of them in *V (new, the caller frees it), or AIWB_EDATA. */
int
host_get_ints(struct aiwb_reader *r, const char *key, size_t *n, int64_t **v)
{
    if (get_head(r, V_INTS, key) != AIWB_OK || get_count(r, key, 8, n) != AIWB_OK)
        return AIWB_EDATA;
    *v = host_alloc((*n ? *n : 1) * sizeof **v);
    for (size_t i = 0; i < *n; i++, r->p += 8)
        (*v)[i] = (int64_t)get_u64(r->p);
    return AIWB_OK;
}

/*
 * Read the strings KEY: *N of them in *V (new; the caller frees each string
 * and then the array), or AIWB_EDATA with nothing allocated.
 */
int
host_get_strs(struct aiwb_reader *r, const char *key, size_t *n, char ***v)
{
    char **s;

    /* Each string takes at least its 8-byte length: that bounds the count. */
    if (get_head(r, V_STRS, key) != AIWB_OK || get_count(r, key, 8, n) != AIWB_OK)
        return AIWB_EDATA;
    s = host_calloc(*n ? *n : 1, sizeof *s);
    for (size_t i = 0; i < *n; i++) {
        if (get_text(r, key, &s[i]) != AIWB_OK) {
            for (size_t j = 0; j < i; j++)
                free(s[j]);
            free(s);
            return AIWB_EDATA;
        }
    }
    *v = s;
    return AIWB_OK;
}

/* Point *DATA at the nested blob KEY (*LEN bytes, borrowed from R's data). */
int
host_get_blob(struct aiwb_reader *r, const char *key, const unsigned char **data, size_t *len)
{
    if (get_head(r, V_BLOB, key) != AIWB_OK || get_count(r, key, 1, len) != AIWB_OK)
        return AIWB_EDATA;
    *data = r->p;
    r->p += *len;
    return AIWB_OK;
}
