/*
 * gen-codec-fixtures.c - writes the codec fixtures of tests/server/test-host.c
 * with the workbench's own writer and reader (src/core/codec.c), so the
 * server's reader is checked against what the workbench writes and says.
 *
 * Copyright (C) 2026 the aiwb developers
 * SPDX-License-Identifier: MIT
 *
 * Rebuild the fixtures (from a configured build folder B, e.g. /work/build-host):
 *
 *     S=/work/main; B=/work/build-host
 *     cc -std=c11 -DHAVE_CONFIG_H -I$B -I$S/include -I$S/src -o /tmp/gen-codec-fixtures \
 *        $S/tests/data/server/gen-codec-fixtures.c $S/src/core/codec.c \
 *        $S/src/core/strbuf.c $S/src/core/xalloc.c
 *     (cd $S/tests/data/server && /tmp/gen-codec-fixtures)
 *
 * It writes, in the current folder:
 *   codec-full.bin   a sealed blob holding one value of every type (the
 *                    values test-host.c checks are the ones below);
 *   codec-empty.bin  a sealed blob of no values;
 *   codec-cases.txt  one case a line, tab-separated: name, "sealed" or "raw",
 *                    the context ("-" for none), the blob in hex, a script of
 *                    reads ("i:key" int, "r:" real, "s:" string, "R:" reals,
 *                    "I:" ints, "S:" strings, "b:" blob; "-" for none), and
 *                    what the workbench's reader said: its error, or "OK".
 */
#include <config.h>

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/codec.h"
#include "core/xalloc.h"

static FILE *cases;

static void
write_file(const char *name, const unsigned char *data, size_t len)
{
    FILE *fp = fopen(name, "wb");

    if (fp == NULL || fwrite(data, 1, len, fp) != len || fclose(fp) != 0) {
        perror(name);
        exit(1);
    }
}

/* Run SCRIPT on R; the first error, or NULL. */
static const char *
run_script(struct aiwb_reader *r, const char *script)
{
    char *copy = xstrdup(script), *save = NULL;

    for (char *tok = strtok_r(copy, " ", &save); tok != NULL; tok = strtok_r(NULL, " ", &save)) {
        const char *key = tok + 2;
        int rc = AIWB_OK;
        int64_t i, *iv;
        double d, *dv;
        char *s, **sv;
        const unsigned char *blob;
        size_t n;

        if (strcmp(tok, "-") == 0)
            break;
        switch (tok[0]) {
        case 'i':
            rc = codec_get_int(r, key, &i);
            break;
        case 'r':
            rc = codec_get_real(r, key, &d);
            break;
        case 's':
            if ((rc = codec_get_str(r, key, &s)) == AIWB_OK)
                free(s);
            break;
        case 'R':
            if ((rc = codec_get_reals(r, key, &n, &dv)) == AIWB_OK)
                free(dv);
            break;
        case 'I':
            if ((rc = codec_get_ints(r, key, &n, &iv)) == AIWB_OK)
                free(iv);
            break;
        case 'S':
            if ((rc = codec_get_strs(r, key, &n, &sv)) == AIWB_OK) {
                for (size_t k = 0; k < n; k++)
                    free(sv[k]);
                free(sv);
            }
            break;
        case 'b':
            rc = codec_get_blob(r, key, &blob, &n);
            break;
        default:
            fprintf(stderr, "bad script token '%s'\n", tok);
            exit(1);
        }
        if (rc != AIWB_OK)
            break;
    }
    free(copy);
    return reader_error(r);
}

/* Record case NAME: DATA read as MODE with CONTEXT and SCRIPT. */
static void
add_case(const char *name, int sealed, const char *context, const unsigned char *data, size_t len,
         const char *script)
{
    struct aiwb_reader *r;
    char *cause = NULL;
    const char *said = NULL;

    r = sealed ? reader_open(data, len, &cause) : reader_open_raw(data, len);
    if (r == NULL) {
        said = cause;
    } else {
        if (context != NULL)
            reader_set_context(r, context);
        said = run_script(r, script);
    }
    fprintf(cases, "%s\t%s\t%s\t", name, sealed ? "sealed" : "raw", context ? context : "-");
    for (size_t i = 0; i < len; i++)
        fprintf(cases, "%02x", data[i]);
    if (len == 0)
        fputs("-", cases);
    fprintf(cases, "\t%s\t%s\n", script, said != NULL ? said : "OK");
    reader_free(r);
    free(cause);
}

/* A raw payload of what W holds, copied (the caller frees it). */
static unsigned char *
raw_of(struct aiwb_writer *w, size_t *len)
{
    const unsigned char *d = writer_data(w, len);
    unsigned char *copy = xmalloc(*len ? *len : 1);

    memcpy(copy, d, *len);
    return copy;
}

static void
put_u64_at(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static const char full_script[] =
    "i:n i:neg r:pi r:tiny r:negzero r:inf s:name s:empty R:coef R:none I:codes S:levels "
    "b:model i:last";

int
main(void)
{
    struct aiwb_writer *w = writer_new(), *nested = writer_new();
    const double coef[] = {1.5, -2.25, 1e300, -0.0};
    const int64_t codes[] = {0, -1, INT64_MAX, INT64_MIN};
    const char *const levels[] = {"a", "", "long level, with spaces", "caf\xc3\xa9"};
    const double wv[] = {0.5, 0.25};
    unsigned char *full, *empty, *m, *raw;
    size_t flen, elen, rlen, nlen;
    const unsigned char *nd;

    codec_put_int(w, "n", 42);
    codec_put_int(w, "neg", INT64_MIN);
    codec_put_real(w, "pi", 3.141592653589793);
    codec_put_real(w, "tiny", 4.9406564584124654e-324);
    codec_put_real(w, "negzero", -0.0);
    codec_put_real(w, "inf", -INFINITY);
    codec_put_str(w, "name", "caf\xc3\xa9 \"quoted\"\ttab");
    codec_put_str(w, "empty", "");
    codec_put_reals(w, "coef", 4, coef);
    codec_put_reals(w, "none", 0, NULL);
    codec_put_ints(w, "codes", 4, codes);
    codec_put_strs(w, "levels", 4, levels);
    codec_put_int(nested, "version", 3);
    codec_put_reals(nested, "w", 2, wv);
    nd = writer_data(nested, &nlen);
    codec_put_blob(w, "model", nd, nlen);
    codec_put_int(w, "last", 7);
    full = codec_seal(w, &flen);
    write_file("codec-full.bin", full, flen);
    writer_free(w);
    writer_free(nested);

    w = writer_new();
    empty = codec_seal(w, &elen);
    write_file("codec-empty.bin", empty, elen);
    writer_free(w);

    cases = fopen("codec-cases.txt", "w");
    if (cases == NULL) {
        perror("codec-cases.txt");
        return 1;
    }
    fputs("# written by gen-codec-fixtures.c (see there); do not edit\n", cases);
    add_case("full", 1, NULL, full, flen, full_script);
    add_case("empty-blob", 1, NULL, empty, elen, "-");
    add_case("empty-ends", 1, NULL, empty, elen, "i:n");
    add_case("ends-after-last", 1, NULL, full, flen,
             "i:n i:neg r:pi r:tiny r:negzero r:inf "
             "s:name s:empty R:coef R:none I:codes S:levels b:model i:last i:more");
    add_case("nothing", 1, NULL, full, 0, "-");
    add_case("short-header", 1, NULL, full, 19, "-");
    m = xmalloc(flen + 3);
    memcpy(m, full, flen);
    m[0] = 'X';
    add_case("bad-magic", 1, NULL, m, flen, "-");
    memcpy(m, full, flen);
    m[4] = 2;
    add_case("version-2", 1, NULL, m, flen, "-");
    m[4] = 0;
    add_case("version-0", 1, NULL, m, flen, "-");
    memcpy(m, full, flen);
    m[5] = 1;
    add_case("version-257", 1, NULL, m, flen, "-");
    memcpy(m, full, flen);
    m[6] = 0x10;
    add_case("flags", 1, NULL, m, flen, "-");
    memcpy(m, full, flen);
    add_case("truncated", 1, NULL, m, flen - 5, "-");
    memcpy(m, full, flen);
    m[flen] = m[flen + 1] = m[flen + 2] = 0;
    add_case("trailing", 1, NULL, m, flen + 3, "-");
    memcpy(m, full, flen);
    m[40] ^= 0x01;
    add_case("bad-crc-data", 1, NULL, m, flen, "-");
    memcpy(m, full, flen);
    m[17] ^= 0x80;
    add_case("bad-crc-stored", 1, NULL, m, flen, "-");
    add_case("wrong-key", 1, NULL, full, flen, "i:n i:negative");
    add_case("wrong-key-short", 1, NULL, full, flen, "i:n i:ne");
    add_case("wrong-type", 1, NULL, full, flen, "i:n r:neg");
    add_case("wrong-type-str", 1, NULL, full, flen,
             "i:n i:neg r:pi r:tiny r:negzero r:inf "
             "S:name");
    add_case("wrong-type-blob", 1, NULL, full, flen,
             "i:n i:neg r:pi r:tiny r:negzero r:inf "
             "s:name s:empty R:coef R:none I:codes S:levels R:model");
    add_case("context", 1, "model 'm1', algorithm 'ols'", full, flen, "i:n s:neg");
    add_case("context-ends", 1, "transform 'scale'", empty, elen, "R:mean");
    free(m);

    /* Raw payloads, damaged by hand. */
    nd = full + 20;
    add_case("raw-one-byte", 0, NULL, nd, 1, "i:n");
    add_case("raw-short-key", 0, NULL, nd, 2, "i:n");
    add_case("raw-short-key-ctx", 0, "model 'm'", nd, 2, "i:n");

    w = writer_new();
    codec_put_int(w, "x", 1);
    raw = raw_of(w, &rlen);
    raw[0] = 9;
    add_case("raw-unknown-type", 0, NULL, raw, rlen, "i:x");
    raw[0] = 0;
    add_case("raw-type-0", 0, NULL, raw, rlen, "i:x");
    raw[0] = 1;
    add_case("raw-int-truncated", 0, NULL, raw, rlen - 3, "i:x");
    add_case("raw-int-empty-payload", 0, NULL, raw, 3, "i:x");
    free(raw);
    writer_free(w);

    w = writer_new();
    codec_put_real(w, "x", 2.5);
    raw = raw_of(w, &rlen);
    add_case("raw-real-truncated", 0, NULL, raw, rlen - 1, "r:x");
    free(raw);
    writer_free(w);

    w = writer_new();
    codec_put_reals(w, "w", 2, wv);
    raw = raw_of(w, &rlen);
    put_u64_at(raw + 3, 1000);
    add_case("raw-reals-count", 0, NULL, raw, rlen, "R:w");
    put_u64_at(raw + 3, UINT64_MAX);
    add_case("raw-reals-count-max", 0, NULL, raw, rlen, "R:w");
    add_case("raw-reals-no-count", 0, NULL, raw, 7, "R:w");
    free(raw);
    writer_free(w);

    w = writer_new();
    codec_put_ints(w, "c", 3, codes);
    raw = raw_of(w, &rlen);
    put_u64_at(raw + 3, 4);
    add_case("raw-ints-count", 0, NULL, raw, rlen, "I:c");
    free(raw);
    writer_free(w);

    w = writer_new();
    codec_put_str(w, "s", "hello");
    raw = raw_of(w, &rlen);
    put_u64_at(raw + 3, 6);
    add_case("raw-str-count", 0, NULL, raw, rlen, "s:s");
    put_u64_at(raw + 3, (uint64_t)1 << 63);
    add_case("raw-str-count-huge", 0, "transform 'onehot'", raw, rlen, "s:s");
    put_u64_at(raw + 3, 5);
    raw[13] = '\0';
    add_case("raw-str-nul", 0, NULL, raw, rlen, "s:s");
    free(raw);
    writer_free(w);

    w = writer_new();
    codec_put_strs(w, "L", 4, levels);
    raw = raw_of(w, &rlen);
    put_u64_at(raw + 3, 5);
    add_case("raw-strs-count", 0, NULL, raw, rlen, "S:L");
    put_u64_at(raw + 3, 1000);
    add_case("raw-strs-count-far", 0, NULL, raw, rlen, "S:L");
    put_u64_at(raw + 3, 4);
    put_u64_at(raw + 20, 100); /* the second string's length */
    add_case("raw-strs-inner", 0, NULL, raw, rlen, "S:L");
    put_u64_at(raw + 20, 0);
    raw[36 + 3] = '\0'; /* inside the third string, which starts at 36 */
    add_case("raw-strs-nul", 0, NULL, raw, rlen, "S:L");
    free(raw);
    writer_free(w);

    w = writer_new();
    codec_put_blob(w, "b", (const unsigned char *)"abcdef", 6);
    codec_put_int(w, "after", 5);
    raw = raw_of(w, &rlen);
    add_case("raw-blob", 0, NULL, raw, rlen, "b:b i:after");
    put_u64_at(raw + 3, 1u << 20);
    add_case("raw-blob-count", 0, NULL, raw, rlen, "b:b");
    free(raw);
    writer_free(w);

    fclose(cases);
    free(full);
    free(empty);
    return 0;
}
