/*
 * frameio.c - a whole frame through the codec.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <config.h>

#include "core/frameio.h"

#include <stdlib.h>
#include <string.h>

#include "core/codec.h"
#include "core/frame.h"
#include "core/xalloc.h"

#define FRAME_FORMAT 1

unsigned char *
frame_encode(const struct aiwb_frame *f, size_t *len)
{
    struct aiwb_writer *w = writer_new();
    size_t n = frame_rows(f);
    int64_t *codes = xmalloc((n ? n : 1) * sizeof *codes);
    unsigned char *blob;

    codec_put_str(w, "kind", "frame");
    codec_put_int(w, "format", FRAME_FORMAT);
    codec_put_int(w, "rows", (int64_t)n);
    codec_put_int(w, "cols", (int64_t)frame_cols(f));
    for (size_t c = 0; c < frame_cols(f); c++) {
        codec_put_str(w, "name", frame_col_name(f, c));
        codec_put_int(w, "type", frame_col_type(f, c));
        if (frame_col_type(f, c) == AIWB_NUMERIC) {
            codec_put_reals(w, "values", n, frame_numeric(f, c));
            continue;
        }
        size_t k = frame_nlevels(f, c);
        const char **levels = xmalloc((k ? k : 1) * sizeof *levels);
        const int32_t *v = frame_codes(f, c);

        for (size_t l = 0; l < k; l++)
            levels[l] = frame_level(f, c, (int32_t)l);
        for (size_t i = 0; i < n; i++)
            codes[i] = v[i];
        codec_put_strs(w, "levels", k, levels);
        codec_put_ints(w, "codes", n, codes);
        free(levels);
    }
    blob = codec_seal(w, len);
    writer_free(w);
    free(codes);
    return blob;
}

/* Add categorical column NAME of F from its LEVELS and CODES (checked). */
static int
add_categorical(struct aiwb_frame *f, const char *name, char **levels, size_t k,
                const int64_t *codes, char **cause)
{
    int32_t *out = frame_add_categorical(f, name);
    size_t c = frame_cols(f) - 1;

    if (out == NULL) {
        *cause = xasprintf("the saved frame has two columns named '%s'", name);
        return -1;
    }
    for (size_t l = 0; l < k; l++) {
        if (frame_level_intern(f, c, levels[l], strlen(levels[l])) != (int32_t)l) {
            *cause = xasprintf("the saved frame's column '%s' has a bad level list", name);
            return -1;
        }
    }
    for (size_t i = 0; i < frame_rows(f); i++) {
        if (codes[i] < AIWB_NA_CODE || codes[i] >= (int64_t)k) {
            *cause = xasprintf("the saved frame's column '%s' has a bad code at row %zu", name,
                               i + 1);
            return -1;
        }
        out[i] = (int32_t)codes[i];
    }
    return 0;
}

static int
decode_column(struct aiwb_reader *r, struct aiwb_frame *f, char **cause)
{
    char *name = NULL, **levels = NULL;
    int64_t type, *codes = NULL;
    double *values = NULL;
    size_t n, k = 0;
    int rc = -1;

    if (codec_get_str(r, "name", &name) < 0 || codec_get_int(r, "type", &type) < 0)
        goto out;
    if (type == AIWB_NUMERIC) {
        double *out;

        if (codec_get_reals(r, "values", &n, &values) < 0)
            goto out;
        if (n != frame_rows(f) || (out = frame_add_numeric(f, name)) == NULL) {
            *cause = xasprintf("the saved frame's column '%s' is damaged", name);
            goto out;
        }
        memcpy(out, values, n * sizeof *out);
        rc = 0;
    } else if (type == AIWB_CATEGORICAL) {
        if (codec_get_strs(r, "levels", &k, &levels) < 0 ||
            codec_get_ints(r, "codes", &n, &codes) < 0)
            goto out;
        if (n != frame_rows(f)) {
            *cause = xasprintf("the saved frame's column '%s' is damaged", name);
            goto out;
        }
        rc = add_categorical(f, name, levels, k, codes, cause);
    } else {
        *cause = xasprintf("the saved frame's column '%s' has an unknown type", name);
    }
out:
    for (size_t l = 0; l < k; l++)
        free(levels[l]);
    free(levels);
    free(codes);
    free(values);
    free(name);
    return rc;
}

struct aiwb_frame *
frame_decode(const unsigned char *blob, size_t len, char **cause)
{
    struct aiwb_reader *r = reader_open(blob, len, cause);
    struct aiwb_frame *f = NULL;
    char *kind = NULL;
    int64_t format, rows, cols;

    if (r == NULL)
        return NULL;
    *cause = NULL;
    if (codec_get_str(r, "kind", &kind) < 0 || codec_get_int(r, "format", &format) < 0 ||
        codec_get_int(r, "rows", &rows) < 0 || codec_get_int(r, "cols", &cols) < 0)
        goto fail;
    if (strcmp(kind, "frame") != 0 || format != FRAME_FORMAT || rows < 0 || cols < 0 ||
        (uint64_t)cols > len) {
        *cause = xasprintf("not a saved frame this aiwb reads (a '%s' of format %lld)", kind,
                           (long long)format);
        goto fail;
    }
    f = frame_new((size_t)rows);
    for (int64_t c = 0; c < cols; c++)
        if (decode_column(r, f, cause) < 0)
            goto fail;
    free(kind);
    reader_free(r);
    return f;
fail:
    if (*cause == NULL)
        *cause = xstrdup(reader_error(r) != NULL ? reader_error(r) : "the saved frame is damaged");
    frame_free(f);
    free(kind);
    reader_free(r);
    return NULL;
}
