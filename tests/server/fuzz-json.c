/*
 * fuzz-json.c - mutational fuzzing of the server's JSON reader and writer,
 * with jansson as the referee: texts from a corpus of valid and invalid ones
 * (and random valid documents), mutated (bit flips, interesting bytes,
 * dictionary tokens, deletions, duplications, splices, truncations), then
 *   1. parsed by both: the same verdict, except the one known difference
 *      below; when both accept, the same values (doubles to the bit); when
 *      ours refuses, an error whose place and text agree with each other;
 *   2. when ours accepts, written back with json_write_value: our parser
 *      reads that as the same values and writes it identically, and jansson
 *      accepts it as the same tree.
 *
 * Known differences: jansson refuses integers beyond int64 ("too big
 * integer"); we read them as doubles, as RFC 8259 allows (step 2 still
 * checks such documents). And jansson 2.14 skips one NUL byte right after a
 * number or a literal ("1\0" and "[true\0]" are accepted); we refuse it,
 * and the fuzzer then checks the input without that byte. Depth: both
 * refuse nesting beyond 2048 here (our server's default is 32).
 *
 * Environment: FUZZ_SEED (default 1), FUZZ_ITERATIONS (300000), FUZZ_SECONDS
 * (if set, run that long instead of a count). Built with -DFUZZ_LIBFUZZER
 * (clang -fsanitize=fuzzer) it is a libFuzzer target over the same checks.
 *
 * Copyright (C) 2026 the aiwb developers
 * SPDX-License-Identifier: MIT
 */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#endif

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#ifndef FUZZ_LIBFUZZER
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#endif

#include "../../server/json.h"

#define MAX_INPUT 8192
#define DEPTH 2048 /* jansson's JSON_PARSER_MAX_DEPTH */

static struct json_arena arena, arena2;
static struct json_writer writer, writer2;

/* What the runs found, for the summary. */
static unsigned long n_runs, n_accepted, n_big_integers, n_jansson_nul, n_too_deep_to_write,
    n_failures;

/* ------------------------------------------------------------------------- */
/* Checks */

static uint64_t
bits_of(double x)
{
    uint64_t u;

    memcpy(&u, &x, sizeof u);
    return u;
}

/* Print LEN bytes at S, escaped, on stderr. */
static void
show(const char *label, const void *s, size_t len)
{
    const unsigned char *p = s;
    size_t i;

    fprintf(stderr, "%s (%zu bytes): \"", label, len);
    for (i = 0; i < len && i < 600; i++) {
        if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '"' && p[i] != '\\')
            fputc(p[i], stderr);
        else
            fprintf(stderr, "\\x%02x", p[i]);
    }
    fprintf(stderr, "%s\"\n", i < len ? "..." : "");
}

/* Whether our value V and jansson's J are the same (a "-0" literal is our
 * double -0.0 and jansson's integer 0). */
static int
same(const struct json_value *v, json_t *j)
{
    struct json_iter it;
    const struct json_value *key, *val;
    size_t i;

    switch (v->type) {
    case JSON_TYPE_NULL:
        return json_is_null(j);
    case JSON_TYPE_BOOL:
        return json_is_boolean(j) && json_bool(v) == json_is_true(j);
    case JSON_TYPE_NUMBER:
        if (json_is_int(v))
            return json_is_integer(j) && json_integer_value(j) == json_int(v);
        if (json_is_integer(j))
            return json_integer_value(j) == 0 && bits_of(v->u.d) == bits_of(-0.0);
        return json_is_real(j) && bits_of(json_real_value(j)) == bits_of(v->u.d);
    case JSON_TYPE_STRING:
        return json_is_string(j) && json_string_length(j) == json_str_len(v) &&
               memcmp(json_string_value(j), json_str(v), json_str_len(v)) == 0;
    case JSON_TYPE_ARRAY:
        if (!json_is_array(j) || json_array_size(j) != json_size(v))
            return 0;
        json_iter_init(&it, v);
        for (i = 0; json_iter_next(&it, NULL, &val); i++)
            if (!same(val, json_array_get(j, i)))
                return 0;
        return 1;
    case JSON_TYPE_OBJECT:
        if (!json_is_object(j) || json_object_size(j) != json_size(v))
            return 0;
        json_iter_init(&it, v);
        while (json_iter_next(&it, &key, &val)) {
            json_t *m = json_object_getn(j, json_str(key), json_str_len(key));

            if (m == NULL || !same(val, m))
                return 0;
        }
        return 1;
    }
    return 0;
}

static unsigned
depth_of(const struct json_value *v)
{
    struct json_iter it;
    const struct json_value *val;
    unsigned d = 0, c;

    if (v->type < JSON_TYPE_ARRAY)
        return 0;
    json_iter_init(&it, v);
    while (json_iter_next(&it, NULL, &val))
        if ((c = depth_of(val)) > d)
            d = c;
    return d + 1;
}

/* Our error for a refused text must be consistent: a place inside it,
 * "line L column C: message" with L and C where the offset is. */
static int
check_error(const uint8_t *data, size_t size, const struct json_error *err)
{
    unsigned long line, column;
    char want[256];

    if (err->offset > size || err->message[0] == '\0')
        return -1;
    json_locate((const char *)data, size, err->offset, &line, &column);
    if (line != err->line || column != err->column)
        return -1;
    snprintf(want, sizeof want, "line %lu column %lu: %s", line, column, err->message);
    return strcmp(want, err->text) == 0 ? 0 : -1;
}

/* Write V, read it back, write again: the same values and the same text,
 * and jansson reads the text as those values. */
static int
check_writer(const struct json_value *v, const char **why)
{
    struct json_error err;
    const struct json_value *v2;
    json_error_t je;
    json_t *j;
    int ok;

    json_writer_reset(&writer);
    json_writer_reset(&writer2);
    if (json_write_value(&writer, v) < 0) {
        if (writer.error == JSON_WRITER_EMISUSE && depth_of(v) > 64) {
            n_too_deep_to_write++;
            return 0;
        }
        *why = json_writer_error(&writer);
        return -1;
    }
    v2 = json_parse(&arena2, writer.buf, writer.len, &(struct json_parse_options){DEPTH, 0}, &err);
    if (v2 == NULL) {
        *why = "our parser refuses what our writer wrote";
        show("written", writer.buf, writer.len);
        fprintf(stderr, "error: %s\n", err.text);
        return -1;
    }
    if (json_write_value(&writer2, v2) < 0 || writer2.len != writer.len ||
        memcmp(writer2.buf, writer.buf, writer.len) != 0) {
        *why = "writing what was read back gives another text";
        show("first", writer.buf, writer.len);
        show("second", writer2.buf, writer2.len);
        return -1;
    }
    j = json_loadb(writer.buf, writer.len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &je);
    if (j == NULL) {
        *why = "jansson refuses what our writer wrote";
        show("written", writer.buf, writer.len);
        fprintf(stderr, "jansson: %s\n", je.text);
        return -1;
    }
    ok = same(v2, j);
    json_decref(j);
    if (!ok) {
        *why = "jansson reads what our writer wrote as other values";
        show("written", writer.buf, writer.len);
        return -1;
    }
    return 0;
}

/* All the checks on one input; 0, or -1 after describing the disagreement. */
static int
check_one(const uint8_t *data, size_t size)
{
    struct json_parse_options opt = {DEPTH, 0};
    struct json_error err;
    const struct json_value *v;
    json_error_t je;
    json_t *j;
    const char *why = NULL;

    n_runs++;
    v = json_parse(&arena, (const char *)data, size, &opt, &err);
    j = json_loadb((const char *)data, size, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &je);
    if (v == NULL) {
        if (check_error(data, size, &err) < 0) {
            why = "inconsistent error";
        } else if (j != NULL && err.offset > 0 && err.offset < size && data[err.offset] == 0 &&
                   ((unsigned)(data[err.offset - 1] | 0x20) - 'a' < 26u ||
                    (unsigned)data[err.offset - 1] - '0' < 10u)) {
            /* jansson's NUL after a number or literal: check the rest */
            uint8_t *rest = malloc(size);
            int rc;

            n_jansson_nul++;
            json_decref(j);
            memcpy(rest, data, err.offset);
            memcpy(rest + err.offset, data + err.offset + 1, size - err.offset - 1);
            rc = check_one(rest, size - 1);
            free(rest);
            return rc;
        } else if (j != NULL) {
            why = "we refuse what jansson accepts";
        }
    } else {
        n_accepted++;
        if (j == NULL && strstr(je.text, "too big") != NULL)
            n_big_integers++; /* the known difference */
        else if (j == NULL)
            why = "we accept what jansson refuses";
        else if (!same(v, j))
            why = "jansson reads other values";
        if (why == NULL && check_writer(v, &why) < 0 && why == NULL)
            why = "writer";
    }
    if (why != NULL) {
        n_failures++;
        fprintf(stderr, "fuzz-json: %s\n", why);
        show("input", data, size);
        fprintf(stderr, "ours: %s\njansson: %s\n", v != NULL ? "accepted" : err.text,
                j != NULL ? "accepted" : je.text);
    }
    json_decref(j);
    return why != NULL ? -1 : 0;
}

static void
fuzz_init(void)
{
    json_arena_init(&arena, NULL, 0);
    json_arena_init(&arena2, NULL, 0);
    json_writer_init(&writer, NULL, 0);
    json_writer_init(&writer2, NULL, 0);
}

static void
fuzz_fini(void)
{
    json_arena_release(&arena);
    json_arena_release(&arena2);
    json_writer_release(&writer);
    json_writer_release(&writer2);
}

#ifdef FUZZ_LIBFUZZER

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready;

    if (!ready) {
        fuzz_init();
        ready = 1;
    }
    if (check_one(data, size) < 0)
        abort();
    return 0;
}

#else

/* ------------------------------------------------------------------------- */
/* Inputs */

static const char *const corpus[] = {
    "{\"f01\":-1.426913,\"f02\":-1.641051,\"f03\":0.502296,\"city\":\"Lyon\",\"ok\":true,"
    "\"n\":null}",
    "[{\"a\":1,\"b\":\"x\"},{\"a\":2.5e-3,\"b\":\"y\\n\\u00e9\"},{\"a\":-0,\"b\":\"\"}]",
    "{\"id\":\"r-17\",\"label\":1}",
    "{\"features\":[-1.426913,-1.641051,-1.089256,-0.776909,0.502296,0.341210,3.173740]}",
    "[1,2,3,[4,[5,[6]]],{\"x\":{\"y\":{\"z\":[]}}}]",
    "\"\\uD83D\\uDE00 \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u0041\"",
    "{\"\xc3\xa9t\xc3\xa9\":\"\xe2\x82\xac\xf0\x9f\x98\x80\",\"k\":[true,false,null]}",
    "[0,-0,0.0,1e10,1E-10,1.5e+300,-2.5e-300,9007199254740993,123456789012345678901234]",
    "[9223372036854775807,-9223372036854775808,18446744073709551615]",
    "[0.1,0.30000000000000004,5e-324,1.7976931348623157e308,2.2250738585072011e-308]",
    "{\"a\":1,\"b\":2,\"c\":3,\"d\":4,\"e\":5,\"f\":6,\"g\":7,\"h\":8,\"i\":9,\"j\":10,\"k\":11}",
    " \t\n\r{ \"a\" : [ 1 , 2 ] , \"b\" : { } }\r\n ",
    "true",
    "false",
    "null",
    "0",
    "\"\"",
    "[]",
    "{}",
    /* refused ones, near misses */
    "[1,2,]",
    "{\"a\":1,}",
    "{\"a\":1,\"a\":2}",
    "[01]",
    "[1.]",
    "[.5]",
    "[1e]",
    "[-]",
    "NaN",
    "[Infinity]",
    "[1e999]",
    "\"\\uD800\"",
    "\"\\uDC00x\"",
    "\"\\u0000\"",
    "\"\t\"",
    "\"\xff\"",
    "\"\xed\xa0\x80\"",
    "\"\xc0\xaf\"",
    "[1]x",
    "{\"a\" 1}",
    "{'a':1}",
    "[1 2]",
    "/*c*/[]",
    "\xef\xbb\xbf{}",
    "[tru]",
    "{\"a\":nul}",
    "\"abc",
    "[\"a\\x\"]",
};

static const char *const tokens[] = {
    "true",
    "false",
    "null",
    "\\u",
    "\\uD800",
    "\\uDC00",
    "\\uD83D\\uDE00",
    "\\u0000",
    "\\n",
    "\\\"",
    "\\\\",
    "1e999",
    "-0",
    "0.",
    "1e-400",
    "NaN",
    "Infinity",
    "\"",
    "{}",
    "[]",
    ",",
    ":",
    "9223372036854775808",
    "-9223372036854775809",
    "\xc3\xa9",
    "\xf0\x9f\x98\x80",
    "\xed\xa0\x80",
    "//",
    "/*",
    "\"a\":",
    "\"a\":1,",
    "\"a\":1",
    "{\"a\":",
    "[[[[",
    "]]]]",
    "e+",
    "E-",
    ".5",
    "1.7976931348623157e308",
    "4.9406564584124654e-324",
    "123456789012345678901234567890",
    "\xef\xbb\xbf",
    "\t",
    "\r\n",
    "    ",
};

static const unsigned char interesting[] = {
    '{',  '}',  '[',  ']',  '"',  '\\', ',',  ':',  '0',  '1',  '-',  '+',
    '.',  'e',  'E',  ' ',  '\n', 't',  'n',  'u',  0x00, 0x01, 0x1f, 0x7f,
    0x80, 0xbf, 0xc0, 0xc3, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff,
};

static uint64_t rng_state;

static uint64_t
rnd(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545f4914f6cdd1du;
}

static size_t
pick(size_t n)
{
    return n > 0 ? (size_t)(rnd() % n) : 0;
}

/* A random valid document written by our writer (keys distinct). */
static void
random_doc(struct json_writer *w, int depth)
{
    size_t n, i;
    char key[32];

    switch (pick(depth < 5 ? 10 : 6)) {
    case 0:
        json_write_null(w);
        break;
    case 1:
        json_write_bool(w, (int)(rnd() & 1));
        break;
    case 2: {
        uint64_t x = rnd(); /* one call a statement: a fixed sequence */

        json_write_int(w, (int64_t)x >> pick(64));
        break;
    }
    case 3: {
        uint64_t b = rnd();
        double x;

        memcpy(&x, &b, sizeof x);
        json_write_double(w, rnd() & 1 ? x : (double)(int64_t)pick(100000) / 1000);
        break;
    }
    case 4:
    case 5: {
        char s[24];

        for (n = pick(sizeof s), i = 0; i < n; i++)
            s[i] = (char)(rnd() % 3 == 0 ? interesting[pick(sizeof interesting)] : 'a' + pick(26));
        json_write_stringn(w, s, n);
        break;
    }
    case 6:
    case 7:
        json_write_array_begin(w);
        for (n = pick(6), i = 0; i < n; i++)
            random_doc(w, depth + 1);
        json_write_array_end(w);
        break;
    default:
        json_write_object_begin(w);
        for (n = pick(6), i = 0; i < n; i++) {
            snprintf(key, sizeof key, "%c%zu", (char)('a' + pick(26)), i);
            json_write_key(w, key);
            random_doc(w, depth + 1);
        }
        json_write_object_end(w);
        break;
    }
}

/* Insert the N bytes at S at POS of BUF (LEN long, MAX_INPUT at most). */
static size_t
insert(uint8_t *buf, size_t len, size_t pos, const void *s, size_t n)
{
    if (len + n > MAX_INPUT)
        n = MAX_INPUT - len;
    memmove(buf + pos + n, buf + pos, len - pos);
    memcpy(buf + pos, s, n);
    return len + n;
}

static size_t
mutate(uint8_t *buf, size_t len)
{
    size_t pos = pick(len + 1), n, from;
    const char *s;
    uint8_t copy[64];

    switch (pick(9)) {
    case 0: /* bit flip */
        if (len > 0)
            buf[pick(len)] ^= (uint8_t)(1u << pick(8));
        break;
    case 1: /* an interesting byte instead */
        if (len > 0)
            buf[pick(len)] = interesting[pick(sizeof interesting)];
        break;
    case 2: /* an interesting byte more */
        len = insert(buf, len, pos, &interesting[pick(sizeof interesting)], 1);
        break;
    case 3: /* a token */
        s = tokens[pick(sizeof tokens / sizeof tokens[0])];
        len = insert(buf, len, pos, s, strlen(s));
        break;
    case 4: /* a deletion */
        n = pick(len - pos < 16 ? len - pos + 1 : 16);
        memmove(buf + pos, buf + pos + n, len - pos - n);
        len -= n;
        break;
    case 5: /* a duplication */
        if (len > 0) {
            from = pick(len);
            n = pick(len - from < sizeof copy ? len - from + 1 : sizeof copy);
            memcpy(copy, buf + from, n);
            len = insert(buf, len, pos, copy, n);
        }
        break;
    case 6: /* a splice from the corpus */
        s = corpus[pick(sizeof corpus / sizeof corpus[0])];
        from = pick(strlen(s) + 1);
        n = pick(strlen(s) - from + 1);
        len = insert(buf, len, pos, s + from, n);
        break;
    case 7: /* a truncation */
        len = pos;
        break;
    default: /* a byte swap */
        if (len > 1) {
            from = pick(len);
            n = buf[from];
            buf[from] = buf[pos < len ? pos : 0];
            buf[pos < len ? pos : 0] = (uint8_t)n;
        }
        break;
    }
    return len;
}

static unsigned long
env_ulong(const char *name, unsigned long fallback)
{
    const char *v = getenv(name);

    return v != NULL && *v != '\0' ? strtoul(v, NULL, 10) : fallback;
}

static double
now(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* The edges the corpus may not reach by mutation: the depth limit on both
 * sides of 2048, and the corpus itself. */
static void
test_fixed(void **state)
{
    static uint8_t deep[2 * (DEPTH + 1)];
    size_t i, d;

    (void)state;
    for (i = 0; i < sizeof corpus / sizeof corpus[0]; i++)
        assert_int_equal(check_one((const uint8_t *)corpus[i], strlen(corpus[i])), 0);
    for (d = DEPTH; d <= DEPTH + 1; d++) {
        memset(deep, '[', d);
        memset(deep + d, ']', d);
        assert_int_equal(check_one(deep, 2 * d), 0);
    }
}

static void
test_mutations(void **state)
{
    static uint8_t buf[MAX_INPUT];
    unsigned long iterations = env_ulong("FUZZ_ITERATIONS", 300000);
    unsigned long seconds = env_ulong("FUZZ_SECONDS", 0), i, failures_before = n_failures;
    double start = now();
    struct json_writer gen;
    size_t len;
    int k;

    (void)state;
    rng_state = env_ulong("FUZZ_SEED", 1) * 0x9e3779b97f4a7c15u + 1;
    json_writer_init(&gen, NULL, 0);
    for (i = 0; seconds > 0 ? now() - start < (double)seconds : i < iterations; i++) {
        if (pick(4) == 0) {
            /* a random valid document, sometimes mutated */
            json_writer_reset(&gen);
            random_doc(&gen, 0);
            len = gen.len < MAX_INPUT ? gen.len : MAX_INPUT;
            memcpy(buf, gen.buf, len);
        } else {
            const char *s = corpus[pick(sizeof corpus / sizeof corpus[0])];

            len = strlen(s);
            memcpy(buf, s, len);
        }
        if (pick(8) != 0)
            for (k = 1 + (int)pick(4); k > 0; k--)
                len = mutate(buf, len);
        if (check_one(buf, len) < 0 && n_failures - failures_before >= 10)
            break;
    }
    json_writer_release(&gen);
    print_message("fuzz-json: %lu inputs (%lu accepted, %lu with integers beyond int64, %lu with "
                  "jansson's NUL, %lu too deep for the writer), %lu disagreements, %.1f s\n",
                  n_runs, n_accepted, n_big_integers, n_jansson_nul, n_too_deep_to_write,
                  n_failures, now() - start);
    assert_int_equal(n_failures, 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixed),
        cmocka_unit_test(test_mutations),
    };
    int rc;

    fuzz_init();
    rc = cmocka_run_group_tests(tests, NULL, NULL);
    fuzz_fini();
    return rc;
}

#endif /* FUZZ_LIBFUZZER */
