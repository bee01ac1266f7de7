/*
 * test-codec.c - saved state: exact round trips of every type, nested blobs,
 * the messages for values read out of order, and sealed blobs that are
 * truncated, corrupted, foreign or from a newer aiwb.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <config.h>

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "core/codec.h"
#include "testutil.h"

#define LEN(a) (sizeof(a) / sizeof((a)[0]))

/* The sealed header, as codec.h lays it out. */
enum { HDR_VERSION = 4, HDR_FLAGS = 6, HDR_LENGTH = 8, HDR_CRC = 16, HDR_SIZE = 20 };

static uint64_t
next_u64(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static double
from_bits(uint64_t u)
{
    double v;

    memcpy(&v, &u, sizeof v);
    return v;
}

static uint64_t
to_bits(double v)
{
    uint64_t u;

    memcpy(&u, &v, sizeof u);
    return u;
}

static uint64_t
get_le(const unsigned char *p, int n)
{
    uint64_t v = 0;

    for (int i = n - 1; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

static void
put_le(unsigned char *p, uint64_t v, int n)
{
    for (int i = 0; i < n; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

/* Recompute the checksum of a sealed blob whose payload was changed. */
static void
reseal(unsigned char *blob, size_t len)
{
    put_le(blob + HDR_CRC, codec_crc32(0, blob + HDR_SIZE, len - HDR_SIZE), 4);
}

/* The offset of the first little-endian u64 V in DATA at or after FROM. */
static size_t
find_u64(const unsigned char *data, size_t len, size_t from, uint64_t v)
{
    for (size_t i = from; i + 8 <= len; i++)
        if (get_le(data + i, 8) == v)
            return i;
    fail_msg("no u64 %llu in the data", (unsigned long long)v);
    return 0;
}

static void
assert_holds(const char *msg, const char *const *parts)
{
    assert_non_null(msg);
    for (size_t i = 0; parts[i] != NULL; i++) {
        if (strstr(msg, parts[i]) == NULL)
            fprintf(stderr, "# \"%s\" does not say \"%s\"\n", msg, parts[i]);
        assert_non_null(strstr(msg, parts[i]));
    }
}

/* ------------------------------------------------------------------------ */

static const uint64_t real_bits[] = {
    0x3fb999999999999aULL, /* 0.1 */
    0x8000000000000000ULL, /* -0.0 */
    0x0000000000000000ULL, /* 0.0 */
    0x7ff0000000000000ULL, /* inf */
    0xfff0000000000000ULL, /* -inf */
    0x7ff8000000000abcULL, /* a quiet NaN with a payload */
    0xfff8000000000001ULL, /* a negative NaN */
    0x0000000000000001ULL, /* the smallest subnormal */
    0x7fefffffffffffffULL, /* DBL_MAX */
    0x000fffffffffffffULL, /* the largest subnormal */
};
static const int64_t ints[] = {0, -1, 1, INT64_MIN, INT64_MAX, INT64_MIN + 1, 255, 256};

static char long_text[1000];
static const char *const texts[] = {"", "a", "h\xc3\xa9llo w\xc3\xb6rld", "tab\there",
                                    "line\nbreak", long_text, "'quoted' \"twice\""};

static void
fill_long_text(void)
{
    for (size_t i = 0; i < sizeof long_text - 1; i++)
        long_text[i] = (char)('a' + i % 26);
    long_text[sizeof long_text - 1] = '\0';
}

/* Every type, each with its edge cases, in one writer. */
static void
write_sample(struct aiwb_writer *w)
{
    double reals[LEN(real_bits)];
    unsigned char bytes[256];
    char key[16];

    fill_long_text();
    for (size_t i = 0; i < LEN(real_bits); i++)
        reals[i] = from_bits(real_bits[i]);
    for (size_t i = 0; i < 256; i++)
        bytes[i] = (unsigned char)i;
    for (size_t i = 0; i < LEN(ints); i++) {
        snprintf(key, sizeof key, "int%zu", i);
        assert_int_equal(codec_put_int(w, key, ints[i]), AIWB_OK);
    }
    for (size_t i = 0; i < LEN(real_bits); i++) {
        snprintf(key, sizeof key, "real%zu", i);
        assert_int_equal(codec_put_real(w, key, reals[i]), AIWB_OK);
    }
    for (size_t i = 0; i < LEN(texts); i++) {
        snprintf(key, sizeof key, "str%zu", i);
        assert_int_equal(codec_put_str(w, key, texts[i]), AIWB_OK);
    }
    assert_int_equal(codec_put_reals(w, "no reals", 0, NULL), AIWB_OK);
    assert_int_equal(codec_put_reals(w, "reals", LEN(reals), reals), AIWB_OK);
    assert_int_equal(codec_put_ints(w, "no ints", 0, NULL), AIWB_OK);
    assert_int_equal(codec_put_ints(w, "ints", LEN(ints), ints), AIWB_OK);
    assert_int_equal(codec_put_strs(w, "no strs", 0, NULL), AIWB_OK);
    assert_int_equal(codec_put_strs(w, "strs", LEN(texts), texts), AIWB_OK);
    assert_int_equal(codec_put_blob(w, "no blob", bytes, 0), AIWB_OK);
    assert_int_equal(codec_put_blob(w, "blob", bytes, sizeof bytes), AIWB_OK);
    assert_int_equal(codec_put_int(w, "last", 42), AIWB_OK);
}

/*
 * Read back what write_sample() wrote. With CHECK, every value must come
 * back exactly; without, the first failure ends the reading (a damaged
 * blob) and its status is returned. Frees all it reads.
 */
static int
read_sample(struct aiwb_reader *r, int check)
{
    char key[16];
    int rc;

#define GET(call)                                                                                  \
    do {                                                                                           \
        rc = (call);                                                                               \
        if (check && rc != AIWB_OK)                                                                \
            fail_msg("%s: %s", #call, reader_error(r));                                            \
        if (rc != AIWB_OK)                                                                         \
            return rc;                                                                             \
    } while (0)

    for (size_t i = 0; i < LEN(ints); i++) {
        int64_t v;

        snprintf(key, sizeof key, "int%zu", i);
        GET(codec_get_int(r, key, &v));
        if (check)
            assert_true(v == ints[i]);
    }
    for (size_t i = 0; i < LEN(real_bits); i++) {
        double v;

        snprintf(key, sizeof key, "real%zu", i);
        GET(codec_get_real(r, key, &v));
        if (check && to_bits(v) != real_bits[i])
            fail_msg("%s: bits %016llx, want %016llx", key, (unsigned long long)to_bits(v),
                     (unsigned long long)real_bits[i]);
    }
    for (size_t i = 0; i < LEN(texts); i++) {
        char *s = NULL;

        snprintf(key, sizeof key, "str%zu", i);
        GET(codec_get_str(r, key, &s));
        if (check)
            assert_string_equal(s, texts[i]);
        free(s);
    }
    {
        size_t n = 99;
        double *v = NULL;

        GET(codec_get_reals(r, "no reals", &n, &v));
        if (check)
            assert_int_equal(n, 0);
        free(v);
        GET(codec_get_reals(r, "reals", &n, &v));
        if (check) {
            assert_int_equal(n, LEN(real_bits));
            for (size_t i = 0; i < n; i++)
                assert_true(to_bits(v[i]) == real_bits[i]);
        }
        free(v);
    }
    {
        size_t n = 99;
        int64_t *v = NULL;

        GET(codec_get_ints(r, "no ints", &n, &v));
        if (check)
            assert_int_equal(n, 0);
        free(v);
        GET(codec_get_ints(r, "ints", &n, &v));
        if (check) {
            assert_int_equal(n, LEN(ints));
            assert_memory_equal(v, ints, sizeof ints);
        }
        free(v);
    }
    {
        size_t n = 99;
        char **v = NULL;

        GET(codec_get_strs(r, "no strs", &n, &v));
        if (check)
            assert_int_equal(n, 0);
        free(v);
        GET(codec_get_strs(r, "strs", &n, &v));
        if (check)
            assert_int_equal(n, LEN(texts));
        for (size_t i = 0; i < n; i++) {
            if (check)
                assert_string_equal(v[i], texts[i]);
            free(v[i]);
        }
        free(v);
    }
    {
        const unsigned char *data = NULL;
        size_t n = 99;

        GET(codec_get_blob(r, "no blob", &data, &n));
        if (check)
            assert_int_equal(n, 0);
        GET(codec_get_blob(r, "blob", &data, &n));
        if (check) {
            assert_int_equal(n, 256);
            for (size_t i = 0; i < 256; i++)
                assert_int_equal(data[i], i);
        }
    }
    {
        int64_t v;

        GET(codec_get_int(r, "last", &v));
        if (check)
            assert_true(v == 42);
    }
#undef GET
    return AIWB_OK;
}

/* A sealed blob of the sample; the caller frees it. */
static unsigned char *
sealed_sample(size_t *len)
{
    struct aiwb_writer *w = writer_new();
    unsigned char *blob;

    write_sample(w);
    blob = codec_seal(w, len);
    writer_free(w);
    return blob;
}

/* ------------------------------------------------------------------------ */

static void
crc32_known_values(void **state)
{
    const char *fox = "The quick brown fox jumps over the lazy dog";

    (void)state;
    assert_int_equal(codec_crc32(0, "123456789", 9), 0xcbf43926u);
    assert_int_equal(codec_crc32(0, "", 0), 0);
    assert_int_equal(codec_crc32(0, fox, strlen(fox)), 0x414fa339u);
    /* Continued in pieces, as zlib's crc32. */
    assert_int_equal(codec_crc32(codec_crc32(0, "1234", 4), "56789", 5), 0xcbf43926u);
    assert_int_equal(codec_crc32(codec_crc32(0, "123456789", 9), "", 0), 0xcbf43926u);
}

static void
round_trip_every_type(void **state)
{
    size_t len;
    unsigned char *blob = sealed_sample(&len);
    char *cause = NULL;
    struct aiwb_reader *r = reader_open(blob, len, &cause);

    (void)state;
    assert_non_null(r);
    assert_null(cause);
    assert_null(reader_error(r));
    assert_false(reader_at_end(r));
    assert_int_equal(read_sample(r, 1), AIWB_OK);
    assert_true(reader_at_end(r));
    assert_null(reader_error(r));
    reader_free(r);
    free(blob);
    reader_free(NULL);
    writer_free(NULL);
}

/* The header is as codec.h documents it, the payload is writer_data(). */
static void
sealed_layout(void **state)
{
    struct aiwb_writer *w = writer_new();
    const unsigned char *raw;
    unsigned char *blob;
    size_t len, rawlen;
    char *cause = NULL;
    struct aiwb_reader *r;

    (void)state;
    raw = writer_data(w, &rawlen);
    assert_int_equal(rawlen, 0);
    assert_non_null(raw);
    blob = codec_seal(w, &len);
    assert_int_equal(len, HDR_SIZE);
    assert_memory_equal(blob, "AIWB", 4);
    assert_int_equal(get_le(blob + HDR_VERSION, 2), CODEC_FORMAT_VERSION);
    assert_int_equal(get_le(blob + HDR_FLAGS, 2), 0);
    assert_int_equal(get_le(blob + HDR_LENGTH, 8), 0);
    assert_int_equal(get_le(blob + HDR_CRC, 4), 0);
    /* An empty state opens and is at its end. */
    r = reader_open(blob, len, &cause);
    assert_non_null(r);
    assert_true(reader_at_end(r));
    reader_free(r);
    free(blob);

    write_sample(w);
    raw = writer_data(w, &rawlen);
    blob = codec_seal(w, &len);
    assert_int_equal(len, HDR_SIZE + rawlen);
    assert_int_equal(get_le(blob + HDR_LENGTH, 8), rawlen);
    assert_int_equal(get_le(blob + HDR_CRC, 4), codec_crc32(0, raw, rawlen));
    assert_memory_equal(blob + HDR_SIZE, raw, rawlen);
    free(blob);
    writer_free(w);
}

/* A large array round-trips, and many values in a row. */
static void
round_trip_large(void **state)
{
    enum { N = 200000 };
    double *v = malloc(N * sizeof *v), *back = NULL;
    struct aiwb_writer *w = writer_new();
    struct aiwb_reader *r;
    uint64_t seed = 5;
    unsigned char *blob;
    size_t len, n = 0;
    char *cause = NULL;

    (void)state;
    for (size_t i = 0; i < N; i++)
        v[i] = from_bits(next_u64(&seed));
    assert_int_equal(codec_put_reals(w, "weights", N, v), AIWB_OK);
    for (int i = 0; i < 1000; i++)
        assert_int_equal(codec_put_int(w, "i", i), AIWB_OK);
    blob = codec_seal(w, &len);
    r = reader_open(blob, len, &cause);
    assert_non_null(r);
    assert_int_equal(codec_get_reals(r, "weights", &n, &back), AIWB_OK);
    assert_int_equal(n, N);
    assert_memory_equal(back, v, N * sizeof *v);
    for (int i = 0; i < 1000; i++) {
        int64_t x;

        assert_int_equal(codec_get_int(r, "i", &x), AIWB_OK);
        assert_int_equal(x, i);
    }
    assert_true(reader_at_end(r));
    reader_free(r);
    free(back);
    free(blob);
    free(v);
    writer_free(w);
}

/* A pipeline saves each step's state as a blob inside its own state. */
static void
nested_blobs(void **state)
{
    struct aiwb_writer *inner = writer_new(), *middle = writer_new(), *outer = writer_new();
    const unsigned char *data, *got, *got2;
    unsigned char *blob;
    size_t len, n, n2;
    struct aiwb_reader *r, *rm, *ri;
    char *cause = NULL, *s = NULL;
    int64_t x;
    double y;

    (void)state;
    codec_put_real(inner, "mean", 2.5);
    codec_put_str(inner, "name", "impute");
    data = writer_data(inner, &len);
    codec_put_int(middle, "steps", 1);
    codec_put_blob(middle, "step0", data, len);
    data = writer_data(middle, &len);
    codec_put_blob(outer, "pipeline", data, len);
    codec_put_int(outer, "after", 7);
    blob = codec_seal(outer, &len);

    r = reader_open(blob, len, &cause);
    assert_non_null(r);
    assert_int_equal(codec_get_blob(r, "pipeline", &got, &n), AIWB_OK);
    rm = reader_open_raw(got, n);
    assert_int_equal(codec_get_int(rm, "steps", &x), AIWB_OK);
    assert_int_equal(x, 1);
    assert_int_equal(codec_get_blob(rm, "step0", &got2, &n2), AIWB_OK);
    assert_true(reader_at_end(rm));
    ri = reader_open_raw(got2, n2);
    assert_int_equal(codec_get_real(ri, "mean", &y), AIWB_OK);
    assert_true(y == 2.5);
    assert_int_equal(codec_get_str(ri, "name", &s), AIWB_OK);
    assert_string_equal(s, "impute");
    free(s);
    assert_true(reader_at_end(ri));
    /* Reading past the end of a nested blob does not read its neighbour. */
    assert_int_equal(codec_get_int(ri, "after", &x), AIWB_EDATA);
    assert_non_null(strstr(reader_error(ri), "'after'"));
    /* The outer reader carries on after the blob. */
    assert_int_equal(codec_get_int(r, "after", &x), AIWB_OK);
    assert_int_equal(x, 7);
    assert_true(reader_at_end(r));
    reader_free(ri);
    reader_free(rm);
    reader_free(r);
    free(blob);
    writer_free(inner);
    writer_free(middle);
    writer_free(outer);
}

/* A writer with "alpha" (int 1), "beta" (real 2.5), "gamma" (strings). */
static struct aiwb_reader *
abc_reader(struct aiwb_writer **w)
{
    static const char *const strs[] = {"x", "y"};
    const unsigned char *data;
    size_t len;

    *w = writer_new();
    codec_put_int(*w, "alpha", 1);
    codec_put_real(*w, "beta", 2.5);
    codec_put_strs(*w, "gamma", 2, strs);
    data = writer_data(*w, &len);
    return reader_open_raw(data, len);
}

static void
wrong_order_or_type(void **state)
{
    struct aiwb_writer *w;
    struct aiwb_reader *r;
    double d;
    int64_t i;
    char *s = NULL;
    size_t n;
    int64_t *iv = NULL;

    (void)state;
    /* Out of order: names both keys and both types. */
    r = abc_reader(&w);
    assert_int_equal(codec_get_real(r, "beta", &d), AIWB_EDATA);
    assert_holds(reader_error(r),
                 (const char *const[]){"'beta'", "'alpha'", "number", "integer", NULL});
    /* The first error stays; nothing more reads. */
    assert_int_equal(codec_get_int(r, "alpha", &i), AIWB_EDATA);
    assert_int_equal(codec_get_real(r, "beta", &d), AIWB_EDATA);
    assert_holds(reader_error(r), (const char *const[]){"'beta'", "'alpha'", NULL});
    reader_free(r);
    writer_free(w);

    /* The right key as the wrong type. */
    r = abc_reader(&w);
    assert_int_equal(codec_get_int(r, "alpha", &i), AIWB_OK);
    assert_int_equal(codec_get_str(r, "beta", &s), AIWB_EDATA);
    assert_null(s);
    assert_holds(reader_error(r), (const char *const[]){"'beta'", "string", "number", NULL});
    reader_free(r);
    writer_free(w);

    /* An array where a single value was written, and the other way round. */
    r = abc_reader(&w);
    assert_int_equal(codec_get_ints(r, "alpha", &n, &iv), AIWB_EDATA);
    assert_null(iv);
    assert_holds(reader_error(r), (const char *const[]){"'alpha'", "integers", NULL});
    reader_free(r);
    writer_free(w);
    r = abc_reader(&w);
    assert_int_equal(codec_get_int(r, "alpha", &i), AIWB_OK);
    assert_int_equal(codec_get_real(r, "beta", &d), AIWB_OK);
    assert_int_equal(codec_get_str(r, "gamma", &s), AIWB_EDATA);
    assert_holds(reader_error(r), (const char *const[]){"'gamma'", "string", NULL});
    reader_free(r);
    writer_free(w);

    /* A key that is a prefix of the one written, or longer. */
    r = abc_reader(&w);
    assert_int_equal(codec_get_int(r, "alph", &i), AIWB_EDATA);
    assert_holds(reader_error(r), (const char *const[]){"'alph'", "'alpha'", NULL});
    reader_free(r);
    writer_free(w);
    r = abc_reader(&w);
    assert_int_equal(codec_get_int(r, "alphabet", &i), AIWB_EDATA);
    assert_holds(reader_error(r), (const char *const[]){"'alphabet'", "'alpha'", NULL});
    reader_free(r);
    writer_free(w);
}

static void
past_the_end(void **state)
{
    struct aiwb_writer *w;
    struct aiwb_reader *r = abc_reader(&w);
    int64_t i;
    double d;
    size_t n;
    char **strs = NULL;

    (void)state;
    assert_int_equal(codec_get_int(r, "alpha", &i), AIWB_OK);
    assert_int_equal(codec_get_real(r, "beta", &d), AIWB_OK);
    assert_int_equal(codec_get_strs(r, "gamma", &n, &strs), AIWB_OK);
    assert_int_equal(n, 2);
    free(strs[0]);
    free(strs[1]);
    free(strs);
    assert_true(reader_at_end(r));
    assert_null(reader_error(r));
    assert_int_equal(codec_get_int(r, "delta", &i), AIWB_EDATA);
    assert_holds(reader_error(r), (const char *const[]){"'delta'", NULL});
    reader_free(r);
    writer_free(w);

    /* An empty nested blob. */
    r = reader_open_raw((const unsigned char *)"", 0);
    assert_true(reader_at_end(r));
    assert_int_equal(codec_get_real(r, "x", &d), AIWB_EDATA);
    assert_holds(reader_error(r), (const char *const[]){"'x'", NULL});
    reader_free(r);
}

static void
context_prefix(void **state)
{
    struct aiwb_writer *w;
    struct aiwb_reader *r = abc_reader(&w);
    double d;
    const char *prefix = "model 'm1', transform 'impute': ";

    (void)state;
    reader_set_context(r, "model 'm1'");
    reader_set_context(r, "model 'm1', transform 'impute'");
    assert_int_equal(codec_get_real(r, "beta", &d), AIWB_EDATA);
    assert_non_null(reader_error(r));
    if (strncmp(reader_error(r), prefix, strlen(prefix)) != 0)
        fail_msg("\"%s\" does not begin with \"%s\"", reader_error(r), prefix);
    assert_holds(reader_error(r), (const char *const[]){"'beta'", "'alpha'", NULL});
    reader_free(r);
    /* No context: the message starts with what failed. */
    r = reader_open_raw((const unsigned char *)"", 0);
    reader_set_context(r, "x");
    reader_set_context(r, NULL);
    assert_int_equal(codec_get_real(r, "beta", &d), AIWB_EDATA);
    assert_null(strstr(reader_error(r), "x:"));
    reader_free(r);
    writer_free(w);
}

/* Every prefix of a sealed blob is refused as truncated, and so is a blob
 * with bytes after its end. */
static void
sealed_prefixes(void **state)
{
    size_t len;
    unsigned char *blob = sealed_sample(&len), *longer;

    (void)state;
    for (size_t cut = 0; cut < len; cut++) {
        /* A copy of just those bytes, so that reading past them is caught. */
        unsigned char *part = malloc(cut ? cut : 1);
        char *cause = NULL;
        struct aiwb_reader *r;

        memcpy(part, blob, cut);
        r = reader_open(part, cut, &cause);
        if (r != NULL) {
            reader_free(r);
            fail_msg("a blob cut to %zu of %zu bytes was opened", cut, len);
        }
        assert_non_null(cause);
        if (strstr(cause, "truncated") == NULL)
            fail_msg("cut to %zu of %zu bytes: \"%s\"", cut, len, cause);
        free(cause);
        free(part);
    }
    longer = malloc(len + 1);
    memcpy(longer, blob, len);
    longer[len] = 0;
    {
        char *cause = NULL;
        struct aiwb_reader *r = reader_open(longer, len + 1, &cause);

        assert_null(r);
        assert_non_null(cause);
        free(cause);
    }
    free(longer);
    free(blob);
}

/* Every prefix of unsealed values is read with an error, never a crash. */
static void
raw_prefixes(void **state)
{
    struct aiwb_writer *w = writer_new();
    const unsigned char *data;
    size_t len;

    (void)state;
    write_sample(w);
    data = writer_data(w, &len);
    for (size_t cut = 0; cut < len; cut++) {
        unsigned char *part = malloc(cut ? cut : 1);
        struct aiwb_reader *r;

        memcpy(part, data, cut);
        r = reader_open_raw(part, cut);
        if (read_sample(r, 0) == AIWB_OK)
            fail_msg("values cut to %zu of %zu bytes were all read", cut, len);
        assert_non_null(reader_error(r));
        reader_free(r);
        free(part);
    }
    writer_free(w);
}

/* The flags of the header: none is defined yet, so a blob with any set was
 * written by a newer aiwb or damaged. Either way it must not be read as if
 * the flags were clear. */
static void
flags_are_checked(void **state)
{
    size_t len;
    unsigned char *blob = sealed_sample(&len);
    int opened = 0;

    (void)state;
    for (int bit = 0; bit < 16; bit++) {
        char *cause = NULL;
        struct aiwb_reader *r;

        blob[HDR_FLAGS + bit / 8] ^= (unsigned char)(1u << (bit % 8));
        r = reader_open(blob, len, &cause);
        if (r != NULL) {
            if (opened++ == 0)
                fprintf(stderr, "# a blob with flags %04llx opens\n",
                        (unsigned long long)get_le(blob + HDR_FLAGS, 2));
            reader_free(r);
        }
        free(cause);
        blob[HDR_FLAGS + bit / 8] ^= (unsigned char)(1u << (bit % 8));
    }
    free(blob);
    assert_int_equal(opened, 0);
}

/* Flip 1,000 random single bits of BLOB, one at a time; returns how many
 * went unnoticed (the blob opened). */
static int
undetected_flips(unsigned char *blob, size_t len, uint64_t seed)
{
    int undetected = 0;

    for (int t = 0; t < 1000; t++) {
        size_t pos = (size_t)(next_u64(&seed) % len);
        unsigned bit = (unsigned)(next_u64(&seed) % 8);
        char *cause = NULL;
        struct aiwb_reader *r;

        blob[pos] ^= (unsigned char)(1u << bit);
        r = reader_open(blob, len, &cause);
        if (r != NULL) {
            if (undetected++ < 3)
                fprintf(stderr, "# flipping bit %u of byte %zu (of %zu) goes unnoticed\n", bit,
                        pos, len);
            reader_free(r);
        } else {
            assert_non_null(cause);
            assert_true(strlen(cause) > 0);
            free(cause);
        }
        blob[pos] ^= (unsigned char)(1u << bit);
    }
    if (undetected)
        fprintf(stderr, "# %d of 1000 flips in a blob of %zu bytes undetected\n", undetected,
                len);
    return undetected;
}

/*
 * 1,000 random single-bit flips anywhere in a sealed blob: every one is
 * refused with a message. Once in a small blob, where the header is a
 * fifth of the bytes, once in the large sample.
 */
static void
bit_flips_detected(void **state)
{
    struct aiwb_writer *w = writer_new();
    unsigned char *small, *large;
    size_t nsmall, nlarge;
    int missed;

    (void)state;
    codec_put_int(w, "alpha", 1);
    codec_put_real(w, "beta", 2.5);
    codec_put_str(w, "gamma", "text");
    codec_put_reals(w, "delta", 2, (const double[]){-0.0, 1e300});
    small = codec_seal(w, &nsmall);
    large = sealed_sample(&nlarge);
    missed = undetected_flips(small, nsmall, 424242);
    missed += undetected_flips(large, nlarge, 99);
    free(small);
    free(large);
    writer_free(w);
    assert_int_equal(missed, 0);
}

static void
foreign_or_newer(void **state)
{
    size_t len;
    unsigned char *blob = sealed_sample(&len);
    char *cause = NULL;

    (void)state;
    /* Not ours at all. */
    blob[3] = 'X';
    assert_null(reader_open(blob, len, &cause));
    assert_holds(cause, (const char *const[]){"not an aiwb", NULL});
    free(cause);
    blob[3] = 'B';
    cause = NULL;
    assert_null(reader_open((const unsigned char *)"SQLite format 3\0\0\0\0\0\0\0\0\0\0\0", 26,
                            &cause));
    assert_holds(cause, (const char *const[]){"not an aiwb", NULL});
    free(cause);
    /* From a newer aiwb: both versions named. */
    put_le(blob + HDR_VERSION, CODEC_FORMAT_VERSION + 1, 2);
    cause = NULL;
    assert_null(reader_open(blob, len, &cause));
    assert_holds(cause, (const char *const[]){"version 2", "1", NULL});
    free(cause);
    put_le(blob + HDR_VERSION, 0xffff, 2);
    cause = NULL;
    assert_null(reader_open(blob, len, &cause));
    assert_holds(cause, (const char *const[]){"version 65535", NULL});
    free(cause);
    /* Version 0 was never written. */
    put_le(blob + HDR_VERSION, 0, 2);
    cause = NULL;
    assert_null(reader_open(blob, len, &cause));
    assert_holds(cause, (const char *const[]){"version 0", NULL});
    free(cause);
    /* A payload changed under an intact header. */
    put_le(blob + HDR_VERSION, CODEC_FORMAT_VERSION, 2);
    blob[len - 1] ^= 0x80;
    cause = NULL;
    assert_null(reader_open(blob, len, &cause));
    assert_holds(cause, (const char *const[]){"checksum", NULL});
    free(cause);
    /* Length fields far beyond the bytes there are; one that matches in
     * its low 32 bits. */
    blob[len - 1] ^= 0x80;
    put_le(blob + HDR_LENGTH, UINT64_MAX, 8);
    cause = NULL;
    assert_null(reader_open(blob, len, &cause));
    assert_holds(cause, (const char *const[]){"truncated", NULL});
    free(cause);
    put_le(blob + HDR_LENGTH, (len - HDR_SIZE) | 1ULL << 32, 8);
    cause = NULL;
    assert_null(reader_open(blob, len, &cause));
    assert_holds(cause, (const char *const[]){"truncated", NULL});
    free(cause);
    free(blob);
}

enum kind { K_REALS, K_INTS, K_STRS, K_STR, K_BLOB, K_COUNT };

/* Unsealed values: one KIND of five items under "x", whose count then
 * claims CLAIM items. A new buffer of *LEN bytes. */
static unsigned char *
claiming(enum kind kind, uint64_t claim, size_t *len)
{
    static const char *const five[] = {"a", "b", "c", "d", "e"};
    static const double reals[5] = {1.5, 2.5, 3.5, 4.5, 5.5};
    static const int64_t ints5[5] = {11, 12, 13, 14, 15};
    static const unsigned char bytes[5] = {1, 2, 3, 4, 5};
    struct aiwb_writer *w = writer_new();
    const unsigned char *data;
    unsigned char *copy;

    switch (kind) {
    case K_REALS: codec_put_reals(w, "x", 5, reals); break;
    case K_INTS: codec_put_ints(w, "x", 5, ints5); break;
    case K_STRS: codec_put_strs(w, "x", 5, five); break;
    case K_STR: codec_put_str(w, "x", "hello"); break;
    default: codec_put_blob(w, "x", bytes, 5); break;
    }
    data = writer_data(w, len);
    copy = malloc(*len);
    memcpy(copy, data, *len);
    put_le(copy + find_u64(copy, *len, 0, 5), claim, 8);
    writer_free(w);
    return copy;
}

/* Get "x" as KIND from R, freeing what comes back; returns the status. */
static int
get_kind(struct aiwb_reader *r, enum kind kind)
{
    size_t n = 0;
    int rc;

    switch (kind) {
    case K_REALS: {
        double *v = NULL;

        rc = codec_get_reals(r, "x", &n, &v);
        free(v);
        return rc;
    }
    case K_INTS: {
        int64_t *v = NULL;

        rc = codec_get_ints(r, "x", &n, &v);
        free(v);
        return rc;
    }
    case K_STRS: {
        char **v = NULL;

        rc = codec_get_strs(r, "x", &n, &v);
        for (size_t i = 0; rc == AIWB_OK && i < n; i++)
            free(v[i]);
        if (rc == AIWB_OK)
            free(v);
        return rc;
    }
    case K_STR: {
        char *v = NULL;

        rc = codec_get_str(r, "x", &v);
        free(v);
        return rc;
    }
    default: {
        const unsigned char *v;

        return codec_get_blob(r, "x", &v, &n);
    }
    }
}

/*
 * A count that claims more items than there are bytes left is refused
 * before anything is allocated: were it allocated, 2^60 reals would abort
 * the program (or the sanitizer would). Raw, and sealed with a checksum
 * that matches, so that only the count is wrong.
 */
static void
huge_counts(void **state)
{
    static const uint64_t claims[] = {1ULL << 60, 1ULL << 61, (1ULL << 61) + 1, UINT64_MAX,
                                      UINT64_MAX / 8 + 1, 1000};

    (void)state;
    for (size_t c = 0; c < LEN(claims); c++) {
        for (enum kind kind = 0; kind < K_COUNT; kind++) {
            size_t len;
            unsigned char *raw = claiming(kind, claims[c], &len);
            unsigned char *blob = calloc(1, HDR_SIZE + len);
            char *cause = NULL;
            struct aiwb_reader *r;
            int rc;

            memcpy(blob, "AIWB", 4);
            put_le(blob + HDR_VERSION, CODEC_FORMAT_VERSION, 2);
            put_le(blob + HDR_LENGTH, len, 8);
            memcpy(blob + HDR_SIZE, raw, len);
            reseal(blob, HDR_SIZE + len);
            for (int sealed = 0; sealed < 2; sealed++) {
                r = sealed ? reader_open(blob, HDR_SIZE + len, &cause) : reader_open_raw(raw, len);
                assert_non_null(r);
                rc = get_kind(r, kind);
                if (rc != AIWB_EDATA)
                    fail_msg("kind %d claiming %llu items: status %d", (int)kind,
                             (unsigned long long)claims[c], rc);
                assert_holds(reader_error(r), (const char *const[]){"'x'", NULL});
                reader_free(r);
            }
            free(blob);
            free(raw);
        }
    }
}

/* A string holding a NUL byte cannot come back as a C string. */
static void
nul_in_string(void **state)
{
    struct aiwb_writer *w = writer_new();
    const unsigned char *data;
    unsigned char *copy;
    size_t len;
    struct aiwb_reader *r;
    char *s = NULL;

    (void)state;
    codec_put_str(w, "s", "abcde");
    data = writer_data(w, &len);
    copy = malloc(len);
    memcpy(copy, data, len);
    copy[len - 3] = '\0';
    r = reader_open_raw(copy, len);
    assert_int_equal(codec_get_str(r, "s", &s), AIWB_EDATA);
    assert_null(s);
    assert_holds(reader_error(r), (const char *const[]){"'s'", NULL});
    reader_free(r);
    free(copy);
    writer_free(w);
}

static void
keys(void **state)
{
    struct aiwb_writer *w = writer_new();
    char key[300];
    size_t before, after;
    struct aiwb_reader *r;
    const unsigned char *data;
    int64_t v;

    (void)state;
    memset(key, 'k', sizeof key);
    key[256] = '\0';
    writer_data(w, &before);
    assert_int_equal(codec_put_int(w, "", 1), AIWB_EINVAL);
    assert_int_equal(codec_put_int(w, key, 1), AIWB_EINVAL);
    assert_int_equal(codec_put_real(w, key, 1), AIWB_EINVAL);
    assert_int_equal(codec_put_str(w, "", "x"), AIWB_EINVAL);
    assert_int_equal(codec_put_reals(w, "", 0, NULL), AIWB_EINVAL);
    assert_int_equal(codec_put_ints(w, key, 0, NULL), AIWB_EINVAL);
    assert_int_equal(codec_put_strs(w, key, 0, NULL), AIWB_EINVAL);
    assert_int_equal(codec_put_blob(w, "", NULL, 0), AIWB_EINVAL);
    writer_data(w, &after);
    assert_int_equal(after, before);
    /* 255 bytes is the longest key. */
    key[255] = '\0';
    assert_int_equal(codec_put_int(w, key, -5), AIWB_OK);
    data = writer_data(w, &after);
    r = reader_open_raw(data, after);
    assert_int_equal(codec_get_int(r, key, &v), AIWB_OK);
    assert_int_equal(v, -5);
    reader_free(r);
    writer_free(w);
}

/* Whether W still holds *LEN bytes after the refused WHAT; *LEN gets its
 * length now. */
static int
unchanged(const struct aiwb_writer *w, size_t *len, const char *what)
{
    size_t now;
    int same;

    writer_data(w, &now);
    same = now == *len;
    if (!same)
        fprintf(stderr, "# %s was refused but wrote %zu bytes\n", what, now - *len);
    *len = now;
    return same;
}

/* A put that is refused leaves the writer as it was, so the state written
 * after it still reads back. */
static void
refused_put_writes_nothing(void **state)
{
    struct aiwb_writer *w = writer_new();
    size_t len;
    const unsigned char *data;
    struct aiwb_reader *r;
    int64_t v;
    int clean = 1;

    (void)state;
    codec_put_int(w, "first", 1);
    writer_data(w, &len);
    assert_int_equal(codec_put_reals(w, "reals", 3, NULL), AIWB_EINVAL);
    clean &= unchanged(w, &len, "codec_put_reals(w, \"reals\", 3, NULL)");
    assert_int_equal(codec_put_ints(w, "ints", 3, NULL), AIWB_EINVAL);
    clean &= unchanged(w, &len, "codec_put_ints(w, \"ints\", 3, NULL)");
    assert_int_equal(codec_put_strs(w, "strs", 3, NULL), AIWB_EINVAL);
    clean &= unchanged(w, &len, "codec_put_strs(w, \"strs\", 3, NULL)");
    assert_int_equal(codec_put_blob(w, "blob", NULL, 3), AIWB_EINVAL);
    clean &= unchanged(w, &len, "codec_put_blob(w, \"blob\", NULL, 3)");
    codec_put_int(w, "second", 2);
    data = writer_data(w, &len);
    r = reader_open_raw(data, len);
    assert_int_equal(codec_get_int(r, "first", &v), AIWB_OK);
    if (codec_get_int(r, "second", &v) != AIWB_OK) {
        fprintf(stderr, "# then reading 'second': %s\n", reader_error(r));
        clean = 0;
    } else {
        assert_int_equal(v, 2);
    }
    reader_free(r);
    writer_free(w);
    assert_true(clean);
}

/*
 * An empty blob given as (NULL, 0), which codec_put_blob() accepts (it
 * refuses NULL only with a length), as codec_put_str() accepts NULL. Last
 * in the list: under the sanitizers a NULL handed on to memcpy() stops the
 * program.
 */
static void
empty_blob_from_null(void **state)
{
    struct aiwb_writer *w = writer_new();
    const unsigned char *data;
    size_t len, n = 99;
    struct aiwb_reader *r;

    (void)state;
    assert_int_equal(codec_put_blob(w, "none", NULL, 0), AIWB_OK);
    assert_int_equal(codec_put_str(w, "null", NULL), AIWB_OK);
    data = writer_data(w, &len);
    r = reader_open_raw(data, len);
    assert_int_equal(codec_get_blob(r, "none", &data, &n), AIWB_OK);
    assert_int_equal(n, 0);
    {
        char *s = NULL;

        assert_int_equal(codec_get_str(r, "null", &s), AIWB_OK);
        assert_string_equal(s, "");
        free(s);
    }
    assert_true(reader_at_end(r));
    reader_free(r);
    writer_free(w);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(crc32_known_values),
        cmocka_unit_test(round_trip_every_type),
        cmocka_unit_test(sealed_layout),
        cmocka_unit_test(round_trip_large),
        cmocka_unit_test(nested_blobs),
        cmocka_unit_test(wrong_order_or_type),
        cmocka_unit_test(past_the_end),
        cmocka_unit_test(context_prefix),
        cmocka_unit_test(sealed_prefixes),
        cmocka_unit_test(raw_prefixes),
        cmocka_unit_test(flags_are_checked),
        cmocka_unit_test(bit_flips_detected),
        cmocka_unit_test(foreign_or_newer),
        cmocka_unit_test(huge_counts),
        cmocka_unit_test(nul_in_string),
        cmocka_unit_test(keys),
        cmocka_unit_test(refused_put_writes_nothing),
        cmocka_unit_test(empty_blob_from_null),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
