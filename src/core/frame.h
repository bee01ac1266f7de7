/*
 * frame.h - the in-memory table: n rows of named columns, each numeric
 * (double, NaN for missing) or categorical (int32 codes into a list of
 * levels, AIWB_NA_CODE for missing). Column data is reference-counted and
 * copied on the first write, so transforms and splits share columns freely.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * These are the functions behind the frame members of the plugin API, plus
 * the whole-frame operations the host needs. `struct aiwb_frame` is opaque
 * here too; only frame.c sees inside.
 */
#ifndef AIWB_FRAME_H
#define AIWB_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include <aiwb/plugin.h>

/* A new frame of N_ROWS rows and no columns; free it with frame_free(). */
struct aiwb_frame *frame_new(size_t n_rows);
/* Free F and release its columns; frame_free(NULL) does nothing. */
void frame_free(struct aiwb_frame *f);

size_t frame_rows(const struct aiwb_frame *f);
size_t frame_cols(const struct aiwb_frame *f);
const char *frame_col_name(const struct aiwb_frame *f, size_t col);
enum aiwb_coltype frame_col_type(const struct aiwb_frame *f, size_t col);
/* The index of column NAME, or -1. */
long frame_find(const struct aiwb_frame *f, const char *name);
/* The column names joined by ", " for messages (a new string). */
char *frame_column_list(const struct aiwb_frame *f);

/*
 * Add a column named NAME. Returns its n_rows values, zeroed, to be filled
 * by the caller; NULL if F already has a column of that name.
 */
double *frame_add_numeric(struct aiwb_frame *f, const char *name);
int32_t *frame_add_categorical(struct aiwb_frame *f, const char *name);

/*
 * The code of level S (LEN bytes) of categorical column COL, added as a new
 * level when absent. Returns -1 if COL is not categorical, if S holds a
 * NUL byte, or if the column has 2^31-2 levels already. Interning is a hash lookup: cheap enough per cell.
 */
int32_t frame_level_intern(struct aiwb_frame *f, size_t col, const char *s, size_t len);
/* The code of level S, or -1 if the column has no such level. */
int32_t frame_level_find(const struct aiwb_frame *f, size_t col, const char *s);
size_t frame_nlevels(const struct aiwb_frame *f, size_t col);
/* The text of level CODE ("" for AIWB_NA_CODE), borrowed from F. */
const char *frame_level(const struct aiwb_frame *f, size_t col, int32_t code);
/* Re-code column COL so its levels are in byte order (as R's factor()). */
void frame_sort_levels(struct aiwb_frame *f, size_t col);

const double *frame_numeric(const struct aiwb_frame *f, size_t col);
const int32_t *frame_codes(const struct aiwb_frame *f, size_t col);
double *frame_numeric_mut(struct aiwb_frame *f, size_t col);
int32_t *frame_codes_mut(struct aiwb_frame *f, size_t col);

/* Add column COL of SRC to DST under NEWNAME (NULL: same name), sharing the
 * data. Returns AIWB_OK, or AIWB_EINVAL on a name clash or row mismatch. */
int frame_copy_col(struct aiwb_frame *dst, const struct aiwb_frame *src, size_t col,
                   const char *newname);

/* Whether value ROW of column COL is missing. */
int frame_is_missing(const struct aiwb_frame *f, size_t col, size_t row);
/* The number of missing values in column COL. */
size_t frame_count_missing(const struct aiwb_frame *f, size_t col);

/* A new frame with every column of F, sharing the data. */
struct aiwb_frame *frame_clone(const struct aiwb_frame *f);
/* A new frame of F's columns without column COL, sharing the data. */
struct aiwb_frame *frame_without(const struct aiwb_frame *f, size_t col);
/* A new frame of rows IDX[0..N-1] of F, in that order (indices < rows). */
struct aiwb_frame *frame_take(const struct aiwb_frame *f, const size_t *idx, size_t n);
/* A new frame of the first N rows of F (fewer if F is shorter). */
struct aiwb_frame *frame_head(const struct aiwb_frame *f, size_t n);

/*
 * A new frame holding the rows of the K frames in PARTS, one after another.
 * The parts must have the same column names and types in the same order;
 * levels are merged by their text. Returns NULL and sets *cause (the caller
 * frees it) if they differ.
 */
struct aiwb_frame *frame_concat(struct aiwb_frame *const *parts, size_t k, char **cause);

/* The text of value ROW of column COL: numbers in their shortest exact form,
 * levels as they are, "NA" for missing. Returns a pointer to BUF or into F. */
const char *frame_cell_text(const struct aiwb_frame *f, size_t col, size_t row, char buf[32]);

#endif
