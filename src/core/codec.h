/*
 * codec.h - typed, versioned, checksummed state for transforms, models and
 * pipelines.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A writer collects keyed values (int, real, string, arrays of each, nested
 * blobs) in order; codec_seal() wraps them in a blob:
 *
 *     "AIWB" | u16 format version | u16 flags | u64 payload length
 *            | u32 CRC-32 of the payload | payload
 *
 * all little-endian; reals are IEEE-754 bits, so state round-trips exactly.
 * A reader checks magic, version, length and checksum before anything is
 * read, then hands the values back in the order written; a key or type that
 * does not match is an error naming what was expected and what was found.
 */
#ifndef AIWB_CODEC_H
#define AIWB_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include <aiwb/plugin.h>

#define CODEC_FORMAT_VERSION 1

struct aiwb_writer *writer_new(void);
void writer_free(struct aiwb_writer *w);
/* The values written so far, unsealed (for nesting with codec_put_blob). */
const unsigned char *writer_data(const struct aiwb_writer *w, size_t *len);
/* A new sealed blob of everything written (the caller frees it). */
unsigned char *codec_seal(const struct aiwb_writer *w, size_t *len);

/*
 * A reader over the sealed blob DATA (LEN bytes, borrowed: it must outlive
 * the reader). Returns NULL with *cause set when the blob is truncated, not
 * an aiwb blob, of a newer format, or fails its checksum.
 */
struct aiwb_reader *reader_open(const unsigned char *data, size_t len, char **cause);
/* A reader over unsealed values (a nested blob), borrowed likewise. */
struct aiwb_reader *reader_open_raw(const unsigned char *data, size_t len);
void reader_free(struct aiwb_reader *r);
/* Prefix for error messages: "model 'm1', transform 'impute'". */
void reader_set_context(struct aiwb_reader *r, const char *context);
/* The first error the reader met, or NULL. Borrowed. */
const char *reader_error(const struct aiwb_reader *r);
/* Whether every value has been read (also true once an error stopped the reader). */
int reader_at_end(const struct aiwb_reader *r);

/* The plugin API's put_* and get_* (see aiwb/plugin.h). */
int codec_put_int(struct aiwb_writer *w, const char *key, int64_t v);
int codec_put_real(struct aiwb_writer *w, const char *key, double v);
int codec_put_str(struct aiwb_writer *w, const char *key, const char *s);
int codec_put_reals(struct aiwb_writer *w, const char *key, size_t n, const double *v);
int codec_put_ints(struct aiwb_writer *w, const char *key, size_t n, const int64_t *v);
int codec_put_strs(struct aiwb_writer *w, const char *key, size_t n, const char *const *v);
int codec_put_blob(struct aiwb_writer *w, const char *key, const unsigned char *data, size_t len);
int codec_get_int(struct aiwb_reader *r, const char *key, int64_t *v);
int codec_get_real(struct aiwb_reader *r, const char *key, double *v);
int codec_get_str(struct aiwb_reader *r, const char *key, char **s);
int codec_get_reals(struct aiwb_reader *r, const char *key, size_t *n, double **v);
int codec_get_ints(struct aiwb_reader *r, const char *key, size_t *n, int64_t **v);
int codec_get_strs(struct aiwb_reader *r, const char *key, size_t *n, char ***v);
/* A nested blob's bytes, borrowed from the reader's data. */
int codec_get_blob(struct aiwb_reader *r, const char *key, const unsigned char **data, size_t *len);

/* CRC-32 (IEEE 802.3, as zlib's crc32) of LEN bytes, continuing from CRC. */
uint32_t codec_crc32(uint32_t crc, const void *data, size_t len);

#endif
