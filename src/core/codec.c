/*
 * codec.c - typed, keyed, checksummed state: what models and transforms
 * are saved as, in the workspace and (later) in exported servers.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A value is: u8 type | u8 key length | key | payload, where the payload is
 * an i64 (INT), the IEEE-754 bits of a double (REAL), or a u64 count
 * followed by bytes (STR, BLOB), doubles (REALS), i64s (INTS) or counted
 * strings (STRS). Integers are little-endian. Every length is checked
 * against what is left before anything is allocated.
 */
#include <config.h>

#include "core/codec.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core/strbuf.h"
#include "core/xalloc.h"

#define HEADER_SIZE 20 /* magic 0-3, version 4-5, flags 6-7, length 8-15, crc 16-19 */
static const unsigned char magic[4] = {'A', 'I', 'W', 'B'};

enum vtype { V_INT = 1, V_REAL, V_STR, V_REALS, V_INTS, V_STRS, V_BLOB };

static const char *const vtype_name[] = {
    "?", "an integer", "a number", "a string", "numbers", "integers", "strings", "a blob",
};

struct aiwb_writer {
    struct strbuf buf;
};

struct aiwb_reader {
    const unsigned char *p, *end;
    char *context;
    char *error;
};

uint32_t
codec_crc32(uint32_t crc, const void *data, size_t len)
{
    static uint32_t table[256];
    static int ready;
    const unsigned char *p = data;

    if (!ready) {
        for (uint32_t i = 0; i < 256; i++) {
            uint32_t c = i;

            for (int k = 0; k < 8; k++)
                c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
            table[i] = c;
        }
        ready = 1;
    }
    crc = ~crc;
    while (len--)
        crc = table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
    return ~crc;
}

static void
put_u64(struct strbuf *sb, uint64_t v)
{
    unsigned char b[8];

    for (int i = 0; i < 8; i++)
        b[i] = (unsigned char)(v >> (8 * i));
    strbuf_add(sb, b, 8);
}

static uint64_t
get_u64(const unsigned char *p)
{
    uint64_t v = 0;

    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

static uint64_t
real_bits(double v)
{
    uint64_t u;

    memcpy(&u, &v, sizeof u);
    return u;
}

static double
bits_real(uint64_t u)
{
    double v;

    memcpy(&v, &u, sizeof v);
    return v;
}

struct aiwb_writer *
writer_new(void)
{
    struct aiwb_writer *w = xcalloc(1, sizeof *w);

    strbuf_init(&w->buf);
    return w;
}

void
writer_free(struct aiwb_writer *w)
{
    if (w == NULL)
        return;
    strbuf_release(&w->buf);
    free(w);
}

const unsigned char *
writer_data(const struct aiwb_writer *w, size_t *len)
{
    *len = w->buf.len;
    return (const unsigned char *)strbuf_str(&w->buf);
}

unsigned char *
codec_seal(const struct aiwb_writer *w, size_t *len)
{
    size_t n = w->buf.len;
    unsigned char *out = xmalloc(HEADER_SIZE + n);
    uint32_t crc = codec_crc32(0, w->buf.buf, n);

    memcpy(out, magic, 4);
    out[4] = CODEC_FORMAT_VERSION & 0xff;
    out[5] = CODEC_FORMAT_VERSION >> 8;
    out[6] = out[7] = 0;
    for (int i = 0; i < 8; i++)
        out[8 + i] = (unsigned char)((uint64_t)n >> (8 * i));
    for (int i = 0; i < 4; i++)
        out[16 + i] = (unsigned char)(crc >> (8 * i));
    if (n > 0)
        memcpy(out + HEADER_SIZE, w->buf.buf, n);
    *len = HEADER_SIZE + n;
    return out;
}

static int
put_head(struct aiwb_writer *w, enum vtype t, const char *key)
{
    size_t klen = strlen(key);

    if (klen == 0 || klen > 255)
        return AIWB_EINVAL;
    strbuf_addch(&w->buf, (int)t);
    strbuf_addch(&w->buf, (int)klen);
    strbuf_add(&w->buf, key, klen);
    return AIWB_OK;
}

int
codec_put_int(struct aiwb_writer *w, const char *key, int64_t v)
{
    if (put_head(w, V_INT, key) != AIWB_OK)
        return AIWB_EINVAL;
    put_u64(&w->buf, (uint64_t)v);
    return AIWB_OK;
}

int
codec_put_real(struct aiwb_writer *w, const char *key, double v)
{
    if (put_head(w, V_REAL, key) != AIWB_OK)
        return AIWB_EINVAL;
    put_u64(&w->buf, real_bits(v));
    return AIWB_OK;
}

int
codec_put_str(struct aiwb_writer *w, const char *key, const char *s)
{
    size_t n = s != NULL ? strlen(s) : 0;

    if (put_head(w, V_STR, key) != AIWB_OK)
        return AIWB_EINVAL;
    put_u64(&w->buf, n);
    strbuf_add(&w->buf, s != NULL ? s : "", n);
    return AIWB_OK;
}

int
codec_put_reals(struct aiwb_writer *w, const char *key, size_t n, const double *v)
{
    if ((n > 0 && v == NULL) || put_head(w, V_REALS, key) != AIWB_OK)
        return AIWB_EINVAL;
    put_u64(&w->buf, n);
    strbuf_grow(&w->buf, 8 * n);
    for (size_t i = 0; i < n; i++)
        put_u64(&w->buf, real_bits(v[i]));
    return AIWB_OK;
}

int
codec_put_ints(struct aiwb_writer *w, const char *key, size_t n, const int64_t *v)
{
    if ((n > 0 && v == NULL) || put_head(w, V_INTS, key) != AIWB_OK)
        return AIWB_EINVAL;
    put_u64(&w->buf, n);
    strbuf_grow(&w->buf, 8 * n);
    for (size_t i = 0; i < n; i++)
        put_u64(&w->buf, (uint64_t)v[i]);
    return AIWB_OK;
}

int
codec_put_strs(struct aiwb_writer *w, const char *key, size_t n, const char *const *v)
{
    if ((n > 0 && v == NULL) || put_head(w, V_STRS, key) != AIWB_OK)
        return AIWB_EINVAL;
    put_u64(&w->buf, n);
    for (size_t i = 0; i < n; i++) {
        size_t len = v[i] != NULL ? strlen(v[i]) : 0;

        put_u64(&w->buf, len);
        strbuf_add(&w->buf, v[i] != NULL ? v[i] : "", len);
    }
    return AIWB_OK;
}

int
codec_put_blob(struct aiwb_writer *w, const char *key, const unsigned char *data, size_t len)
{
    if ((len > 0 && data == NULL) || put_head(w, V_BLOB, key) != AIWB_OK)
        return AIWB_EINVAL;
    put_u64(&w->buf, len);
    strbuf_add(&w->buf, data, len);
    return AIWB_OK;
}

struct aiwb_reader *
reader_open_raw(const unsigned char *data, size_t len)
{
    struct aiwb_reader *r = xcalloc(1, sizeof *r);

    r->p = data;
    r->end = data + len;
    return r;
}

struct aiwb_reader *
reader_open(const unsigned char *data, size_t len, char **cause)
{
    uint64_t n;
    unsigned version;
    uint32_t stored = 0, crc;

    if (len < HEADER_SIZE) {
        *cause = xasprintf("truncated state (have %zu bytes, need at least %d)", len,
                           HEADER_SIZE);
        return NULL;
    }
    if (memcmp(data, magic, 4) != 0) {
        *cause = xstrdup("not an aiwb state blob (bad magic number)");
        return NULL;
    }
    version = data[4] | (unsigned)data[5] << 8;
    if (version == 0 || version > CODEC_FORMAT_VERSION) {
        *cause = xasprintf("state format version %u is not supported (this aiwb reads up to %d)",
                           version, CODEC_FORMAT_VERSION);
        return NULL;
    }
    /* No flags are defined yet: any set bit is a feature this aiwb lacks, or damage. */
    if (data[6] != 0 || data[7] != 0) {
        *cause = xasprintf("state uses unknown features (flags %02x%02x): written by a newer "
                           "aiwb, or corrupt", data[7], data[6]);
        return NULL;
    }
    n = get_u64(data + 8);
    if (n > len - HEADER_SIZE) {
        *cause = xasprintf("truncated state (have %zu bytes of data, the header says %llu)",
                           len - HEADER_SIZE, (unsigned long long)n);
        return NULL;
    }
    if (n < len - HEADER_SIZE) {
        *cause = xasprintf("state has %zu bytes after its end (the header says %llu bytes of "
                           "data): corrupt", len - HEADER_SIZE - (size_t)n,
                           (unsigned long long)n);
        return NULL;
    }
    for (int i = 3; i >= 0; i--)
        stored = (stored << 8) | data[16 + i];
    crc = codec_crc32(0, data + HEADER_SIZE, (size_t)n);
    if (crc != stored) {
        *cause = xasprintf("state checksum mismatch (stored %08x, computed %08x): the data is "
                           "corrupt", stored, crc);
        return NULL;
    }
    return reader_open_raw(data + HEADER_SIZE, (size_t)n);
}

void
reader_free(struct aiwb_reader *r)
{
    if (r == NULL)
        return;
    free(r->context);
    free(r->error);
    free(r);
}

void
reader_set_context(struct aiwb_reader *r, const char *context)
{
    free(r->context);
    r->context = context != NULL ? xstrdup(context) : NULL;
}

const char *
reader_error(const struct aiwb_reader *r)
{
    return r->error;
}

int
reader_at_end(const struct aiwb_reader *r)
{
    return r->p == r->end;
}

static int
fail(struct aiwb_reader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int
fail(struct aiwb_reader *r, const char *fmt, ...)
{
    va_list ap;
    char *msg;

    if (r->error != NULL)
        return AIWB_EDATA;
    va_start(ap, fmt);
    msg = xvasprintf(fmt, ap);
    va_end(ap);
    r->error = r->context ? xasprintf("%s: %s", r->context, msg) : xstrdup(msg);
    free(msg);
    r->p = r->end; /* nothing more can be trusted */
    return AIWB_EDATA;
}

static size_t
left(const struct aiwb_reader *r)
{
    return (size_t)(r->end - r->p);
}

/*
 * Read the head of the next value and check it is TYPE under KEY; on
 * success r->p is at the payload.
 */
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
        return fail(r, "expected '%s' (%s), found '%.*s' (%s)", key, vtype_name[type],
                    (int)klen, (const char *)r->p + 2, vtype_name[t]);
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

int
codec_get_int(struct aiwb_reader *r, const char *key, int64_t *v)
{
    if (get_head(r, V_INT, key) != AIWB_OK)
        return AIWB_EDATA;
    if (left(r) < 8)
        return fail(r, "value '%s' is truncated", key);
    *v = (int64_t)get_u64(r->p);
    r->p += 8;
    return AIWB_OK;
}

int
codec_get_real(struct aiwb_reader *r, const char *key, double *v)
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
    *s = xstrndup((const char *)r->p, n);
    r->p += n;
    return AIWB_OK;
}

int
codec_get_str(struct aiwb_reader *r, const char *key, char **s)
{
    if (get_head(r, V_STR, key) != AIWB_OK)
        return AIWB_EDATA;
    return get_text(r, key, s);
}

int
codec_get_reals(struct aiwb_reader *r, const char *key, size_t *n, double **v)
{
    if (get_head(r, V_REALS, key) != AIWB_OK || get_count(r, key, 8, n) != AIWB_OK)
        return AIWB_EDATA;
    *v = xmalloc((*n ? *n : 1) * sizeof **v);
    for (size_t i = 0; i < *n; i++, r->p += 8)
        (*v)[i] = bits_real(get_u64(r->p));
    return AIWB_OK;
}

int
codec_get_ints(struct aiwb_reader *r, const char *key, size_t *n, int64_t **v)
{
    if (get_head(r, V_INTS, key) != AIWB_OK || get_count(r, key, 8, n) != AIWB_OK)
        return AIWB_EDATA;
    *v = xmalloc((*n ? *n : 1) * sizeof **v);
    for (size_t i = 0; i < *n; i++, r->p += 8)
        (*v)[i] = (int64_t)get_u64(r->p);
    return AIWB_OK;
}

int
codec_get_strs(struct aiwb_reader *r, const char *key, size_t *n, char ***v)
{
    char **s;

    /* Each string takes at least its 8-byte length: that bounds the count. */
    if (get_head(r, V_STRS, key) != AIWB_OK || get_count(r, key, 8, n) != AIWB_OK)
        return AIWB_EDATA;
    s = xcalloc(*n ? *n : 1, sizeof *s);
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

int
codec_get_blob(struct aiwb_reader *r, const char *key, const unsigned char **data, size_t *len)
{
    if (get_head(r, V_BLOB, key) != AIWB_OK || get_count(r, key, 1, len) != AIWB_OK)
        return AIWB_EDATA;
    *data = r->p;
    r->p += *len;
    return AIWB_OK;
}
