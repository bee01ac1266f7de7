/*
 * host.h - the host the exported prediction server gives the predict halves
 * of the plugins: the subset of struct aiwb_host_api that loading a fitted
 * state, applying a transform and predicting use (memory, format, log,
 * frames, options, the codec's reading side), implemented here without the
 * workbench, so the server needs nothing beyond libc, libm and pthread.
 *
 * Copyright (C) 2026 the aiwb developers
 * SPDX-License-Identifier: MIT
 *
 * The predict half of a plugin (plugins/algo-NAME-predict.c,
 * plugins/transform-NAME-apply.c) is the same file in the workbench's plugin
 * module and in the server: the module binds it to the workbench's host
 * table, the server to host_api(). So the two cannot disagree on a
 * prediction.
 *
 * Members of the table the predict halves never call (registering, tables,
 * steps, the writer, sources) are set to functions that log the misuse and
 * fail with AIWB_ENOTSUP, never NULL.
 *
 * Thread safety: every function may be called from any thread; a frame, an
 * option set and a reader belong to the thread that made them.
 */
#ifndef AIWB_SERVER_HOST_H
#define AIWB_SERVER_HOST_H

#include <stddef.h>
#include <stdint.h>

#include <aiwb/plugin.h>

/* The table (static; valid for the life of the program). */
const struct aiwb_host_api *host_api(void);

/* Where api->log writes, and from which level; default stderr, AIWB_LOG_WARN. */
void host_log_to(int fd, int min_level);

/*
 * Frames, as the api's frame_* members (aiwb/plugin.h), callable directly.
 * A column's values and a categorical column's levels are shared between
 * frames by reference counts and copied on first write (frame_*_mut,
 * frame_level_intern of a new level), so copy_col, take and a frame made
 * over shared levels are cheap. frame_find and frame_level_find are hashed
 * past a handful of names, so a frame of a thousand one-hot columns stays
 * fast.
 */
struct aiwb_frame *host_frame_new(size_t n_rows);
void host_frame_free(struct aiwb_frame *f);
size_t host_frame_rows(const struct aiwb_frame *f);
size_t host_frame_cols(const struct aiwb_frame *f);
const char *host_frame_col_name(const struct aiwb_frame *f, size_t col);
enum aiwb_coltype host_frame_col_type(const struct aiwb_frame *f, size_t col);
long host_frame_find(const struct aiwb_frame *f, const char *name);
double *host_frame_add_numeric(struct aiwb_frame *f, const char *name);
int32_t *host_frame_add_categorical(struct aiwb_frame *f, const char *name);
int32_t host_frame_level_intern(struct aiwb_frame *f, size_t col, const char *level, size_t len);
size_t host_frame_nlevels(const struct aiwb_frame *f, size_t col);
const char *host_frame_level(const struct aiwb_frame *f, size_t col, int32_t code);
int32_t host_frame_level_find(const struct aiwb_frame *f, size_t col, const char *level);
const double *host_frame_numeric(const struct aiwb_frame *f, size_t col);
const int32_t *host_frame_codes(const struct aiwb_frame *f, size_t col);
double *host_frame_numeric_mut(struct aiwb_frame *f, size_t col);
int32_t *host_frame_codes_mut(struct aiwb_frame *f, size_t col);
int host_frame_copy_col(struct aiwb_frame *dst, const struct aiwb_frame *src, size_t col,
                        const char *newname);
struct aiwb_frame *host_frame_take(const struct aiwb_frame *f, const size_t *idx, size_t n);

/*
 * A fixed list of levels, made once (from a model's schema) and shared by
 * every frame that adds a categorical column over it: no copy, no hashing
 * per request. The frame copies it only if a new level is interned.
 */
struct host_levels;
struct host_levels *host_levels_new(size_t n, const char *const *levels);
void host_levels_free(struct host_levels *l);
/* The code of LEVEL (LEN bytes), or -1. */
int32_t host_levels_find(const struct host_levels *l, const char *level, size_t len);
/* Add a categorical column NAME over L; returns its codes to fill (all
 * AIWB_NA_CODE), or NULL if a column of that name exists. */
int32_t *host_frame_add_categorical_over(struct aiwb_frame *f, const char *name,
                                         const struct host_levels *l);

/*
 * Options of one component as the workbench resolved them at export: N words
 * "name=value" (every option that has a value, defaults included) and, for
 * each, whether the user gave it. opt_int, opt_real and opt_bool parse the
 * value as the workbench does (booleans: true/false, yes/no, on/off, 1/0);
 * an option not in the list reads as 0, false or NULL. NULL with *cause set
 * (malloc'd) on a word without '='.
 */
struct aiwb_options *host_options_new(size_t n, const char *const *words, const int64_t *given,
                                      char **cause);
void host_options_free(struct aiwb_options *o);

/*
 * The codec's reading side (format: src/core/codec.h). host_reader_open
 * checks magic, version, length and CRC-32 of a sealed blob (NULL with
 * *cause set, malloc'd); host_reader_open_raw reads unsealed values (a
 * nested blob). The data is borrowed. The get_* members of the api table
 * read from these readers; a mismatch sets the reader's error, naming the
 * key and type expected and found, prefixed by the context.
 */
struct aiwb_reader *host_reader_open(const unsigned char *data, size_t len, char **cause);
struct aiwb_reader *host_reader_open_raw(const unsigned char *data, size_t len);
void host_reader_free(struct aiwb_reader *r);
void host_reader_set_context(struct aiwb_reader *r, const char *context);
const char *host_reader_error(const struct aiwb_reader *r);
int host_get_int(struct aiwb_reader *r, const char *key, int64_t *v);
int host_get_real(struct aiwb_reader *r, const char *key, double *v);
int host_get_str(struct aiwb_reader *r, const char *key, char **s);
int host_get_reals(struct aiwb_reader *r, const char *key, size_t *n, double **v);
int host_get_ints(struct aiwb_reader *r, const char *key, size_t *n, int64_t **v);
int host_get_strs(struct aiwb_reader *r, const char *key, size_t *n, char ***v);
/* A nested blob, borrowed from the reader's data. */
int host_get_blob(struct aiwb_reader *r, const char *key, const unsigned char **data,
                  size_t *len);

/* Memory as the api's members: never NULL (abort with a message). */
void *host_alloc(size_t n);
void *host_calloc(size_t n, size_t size);
void *host_realloc(void *p, size_t n);
char *host_strdup(const char *s);
char *host_format(const char *fmt, ...) AIWB_PRINTF(1, 2);

#endif
